//! `[monitors.*]` and the runs: `[run] duration` or `[[segments]]` with what changes between them.

use ganglion_modelfile::{Located, MonitorKind as FileKind, MonitorSpec, RecordSpec, Target};

use super::FileChecker;
use crate::error::ModelError;
use crate::expr::ValueType;
use crate::group::SynapseContext;
use crate::model::NeuronGroupModel;
use crate::namespace::ExternalValue;
use crate::plan::{MonitorKind, MonitorPlan, SegmentPlan, SetPlan};

impl FileChecker<'_> {
    pub(super) fn monitors(&mut self) {
        for m in &self.file.monitors {
            let timing = self.timing(&m.when, &m.order);
            let start = m
                .start
                .as_ref()
                .and_then(|t| self.time(t, "a monitor's time"));
            let stop = m
                .stop
                .as_ref()
                .and_then(|t| self.time(t, "a monitor's time"));
            let dt = m.dt.as_ref().and_then(|t| self.time(t, "a monitor's time"));
            let hint = Some("write a group name, or a slice such as `P[:3200]`");
            let Some((source, n)) = self.monitor_source(&m.source, hint) else {
                continue;
            };
            let Some((model, context)) = self.model_of(&source.group) else {
                continue; // its errors are already reported
            };
            let context = context.cloned();
            // Synapses are made by `connect`: how many there will be is known only then.
            let synapses = self
                .plan
                .synapses
                .iter()
                .any(|s| s.model.name == source.group);
            let model = model.clone();
            let n = match (&source.range, synapses) {
                (Some(_), _) => Some(n),
                (None, true) => None,
                (None, false) => Some(model.n),
            };
            let Some(kind) = self.monitor_kind(m, &model, context.as_ref(), n) else {
                continue;
            };
            self.plan.monitors.push(MonitorPlan {
                name: m.name.value.clone(),
                at: self.here(m.name.span),
                source,
                kind,
                timing,
                dt,
                start,
                stop,
            });
        }
    }

    /// The group, synapses or slice a monitor watches, and its size.
    fn monitor_source(
        &mut self,
        loc: &Located<String>,
        hint: Option<&str>,
    ) -> Option<(crate::plan::Side, usize)> {
        let (name, _) = match ganglion_modelfile::split_subgroup(&loc.value) {
            Ok(x) => x,
            Err(why) => {
                self.invalid(loc.span, why, hint);
                return None;
            }
        };
        let known = self.file.group(name).is_some()
            || self.file.synapses.iter().any(|s| s.name.value == name);
        if !known {
            let names = self.file.groups.iter().map(|g| g.name.value.as_str());
            let hint = crate::expr::closest(name, names).map(|s| format!("did you mean `{s}`?"));
            self.invalid(loc.span, format!("unknown group `{name}`"), hint.as_deref());
            return None;
        }
        self.side(loc, hint)
    }

    /// What a monitor records, checked against what it watches (`n` elements, when known).
    fn monitor_kind(
        &mut self,
        m: &MonitorSpec,
        model: &NeuronGroupModel,
        context: Option<&SynapseContext>,
        n: Option<usize>,
    ) -> Option<MonitorKind> {
        let source = &m.source.value;
        let mut ok = true;
        for v in &m.variables {
            if crate::scope::recordable(model, context, &v.value).is_none() {
                let names = crate::scope::recordable_names(model, context);
                let suggestion = crate::expr::closest(&v.value, names);
                self.at_file(ModelError::UnknownName {
                    span: v.span,
                    name: v.value.clone(),
                    suggestion,
                });
                ok = false;
            }
        }
        let variables: Vec<String> = m.variables.iter().map(|v| v.value.clone()).collect();
        let kind = match m.kind.value {
            FileKind::Spike | FileKind::Event => {
                let spikes = m.kind.value == FileKind::Spike;
                let event = m.event.as_ref().map_or("spike", |e| e.value.as_str());
                if model.event(event).is_none() && !(event == "spike" && self.generator(source)) {
                    if spikes {
                        self.invalid(
                            m.source.span,
                            format!("group `{source}` has no threshold, so it never spikes"),
                            Some("give the group a `threshold`, or use an event monitor"),
                        );
                    } else {
                        let known = model.events.iter().map(|e| e.name.clone()).collect();
                        let span = m.event.as_ref().map_or(m.source.span, |e| e.span);
                        self.at_file(ModelError::UnknownEvent {
                            span,
                            name: event.to_string(),
                            known,
                        });
                    }
                    return None;
                }
                MonitorKind::Event {
                    event: event.to_string(),
                    spikes,
                    variables,
                }
            }
            FileKind::State => {
                if m.variables.is_empty() {
                    self.invalid(
                        m.name.span,
                        "a state monitor needs `variables`".into(),
                        None,
                    );
                    return None;
                }
                let record = match &m.record {
                    None
                    | Some(Located {
                        value: RecordSpec::All(true),
                        ..
                    }) => None,
                    Some(Located {
                        value: RecordSpec::All(false),
                        ..
                    }) => Some(Vec::new()),
                    Some(Located {
                        value: RecordSpec::Indices(ix),
                        span,
                    }) => {
                        let outside = |&&i: &&i64| i < 0 || n.is_some_and(|n| i as usize >= n);
                        if let Some(bad) = ix.iter().find(outside) {
                            let n = n.unwrap_or(0);
                            self.invalid(
                                *span,
                                format!("index {bad} is out of range for group `{source}` of {n} neurons"),
                                None,
                            );
                            return None;
                        }
                        Some(ix.iter().map(|&i| i as usize).collect())
                    }
                };
                MonitorKind::State { variables, record }
            }
            FileKind::Rate => {
                if model.event("spike").is_none() && !self.generator(source) {
                    self.invalid(
                        m.source.span,
                        format!("group `{source}` has no threshold, so it never spikes"),
                        Some("give the group a `threshold`"),
                    );
                    return None;
                }
                MonitorKind::Rate
            }
        };
        ok.then_some(kind)
    }

    /// Whether `source` (a group or a slice of one) is a spike generator (whose spikes are given, not
    /// found by a threshold).
    fn generator(&self, source: &str) -> bool {
        let group = source.split('[').next().unwrap_or(source).trim();
        self.plan.groups.iter().any(|g| {
            g.model.name == group && matches!(g.kind, crate::plan::GroupKind::SpikeGenerator(_))
        })
    }

    /// The runs: `[run] duration`, or `[[segments]]` with what each sets before it runs (none when the
    /// file gives neither: whoever runs it says how long).
    pub(super) fn segments(&mut self) {
        if self.file.segments.is_empty()
            && let Some(d) = &self.file.run.duration
            && let Some(t) = self.time(d, "the duration")
        {
            self.plan.segments.push(SegmentPlan {
                duration: t,
                set: Vec::new(),
            });
        }
        for s in &self.file.segments {
            let duration = self.time(&s.duration, "a segment's duration");
            let mut set = Vec::new();
            for (target, value) in &s.set {
                if let Some(op) = self.set(target, value) {
                    set.push(op);
                }
            }
            if let Some(duration) = duration {
                self.plan.segments.push(SegmentPlan { duration, set });
            }
        }
    }

    /// A constant's new value in the type the models were checked with: an integer becomes a float
    /// for a float constant; any other change of type is refused (it would be truncated or
    /// reinterpreted, silently).
    fn same_type(&mut self, key: &Located<String>, value: ExternalValue) -> Option<ExternalValue> {
        let old = self.plan.namespace.get(&key.value)?.clone();
        match (old.ty, value.ty) {
            (a, b) if a == b => Some(value),
            (ValueType::Float, ValueType::Int) => Some(ExternalValue {
                ty: ValueType::Float,
                ..value
            }),
            (was, now) => {
                let hint = match was {
                    ValueType::Int => format!(
                        "write `{} = {:?}` in `[namespace]` to make it a float from the start",
                        key.value, old.value
                    ),
                    _ => "give it a value of the same type".to_string(),
                };
                self.invalid(
                    key.span,
                    format!(
                        "`{}` is {} constant where the models were checked, and this segment sets it to {} value: it would be {}",
                        key.value,
                        article(was),
                        article(now),
                        if was == ValueType::Int { "truncated" } else { "reinterpreted" }
                    ),
                    Some(&hint),
                );
                None
            }
        }
    }

    /// One change between runs: `"G.v" = ...` (`"G.v[0]"`, `"G.v[i > 5]"`) or a namespace constant.
    fn set(&mut self, target: &Target, value: &ganglion_modelfile::Value) -> Option<SetPlan> {
        let key = &target.name;
        let Some((group, var)) = key.value.split_once('.') else {
            if target.index.is_some() {
                self.invalid(
                    target.key.span,
                    format!(
                        "`{}` is a namespace constant: it has no elements to index",
                        key.value
                    ),
                    Some("write `\"G.v[...]\" = ...` for some elements of a group's variable"),
                );
                return None;
            }
            if self.plan.namespace.get(&key.value).is_none() {
                self.invalid(
                    key.span,
                    format!(
                        "`{}` is neither `group.variable` nor a namespace constant",
                        key.value
                    ),
                    Some("write `\"G.v\" = ...` for a group's variable"),
                );
                return None;
            }
            let value = self.constant_value(value, "a namespace constant")?;
            let value = self.same_type(key, value)?;
            return Some(SetPlan::Constant {
                name: key.value.clone(),
                value,
            });
        };
        let Some((model, context)) = self.model_of(group) else {
            if self.file.group(group).is_none()
                && self.file.synapses.iter().all(|s| s.name.value != group)
            {
                self.invalid(key.span, format!("unknown group `{group}`"), None);
            }
            return None;
        };
        let (model, context) = (model.clone(), context.cloned());
        let what = format!("the value of `{}`", target.key.value);
        let assignment = self.assignment(&model, context.as_ref(), target, var, value, &what)?;
        Some(SetPlan::Variable {
            target: group.to_string(),
            assignment: Box::new(assignment),
        })
    }
}

/// "an integer", "a float", "a boolean".
fn article(ty: ValueType) -> &'static str {
    match ty {
        ValueType::Int => "an integer",
        ValueType::Float => "a float",
        ValueType::Bool => "a boolean",
    }
}

//! `[groups.*]`: NeuronGroups, PoissonGroups and spike generators, with their methods, dtypes, clocks,
//! events' schedules, `run_regularly` code, links and initial values.

use ganglion_modelfile::{
    DtypeSpec, GroupKind as FileKind, GroupSpec, Located, MethodSpec, Target, Value,
};
use ganglion_units::Dimension;

use super::{FileChecker, POISSON_MODEL, POISSON_THRESHOLD};
use crate::error::ModelError;
use crate::expr::ValueType;
use crate::group::{
    Code, EventSpec, Location, NeuronGroupSpec, OnEventSpec, RefractorySpec, check_neuron_group,
};
use crate::model::NeuronGroupModel;
use crate::namespace::Namespace;
use crate::plan::{
    Dtypes, GroupKind, GroupPlan, LinkPlan, Methods, RunRegularlyPlan, SpikeTrainPlan,
};

impl FileChecker<'_> {
    pub(super) fn group(&mut self, g: &GroupSpec) {
        let n = match &g.n {
            Some(n) if n.value >= 1 => n.value as usize,
            Some(n) => {
                self.at_file(ModelError::GroupSize {
                    span: n.span,
                    n: n.value,
                });
                return;
            }
            None => return,
        };
        let dt =
            g.dt.as_ref()
                .and_then(|dt| self.positive_time(dt, "the group's `dt`"));
        let kind = match g.kind {
            FileKind::Neurons => GroupKind::Neurons,
            FileKind::Poisson => {
                if g.rates.is_none() {
                    self.invalid(
                        g.name.span,
                        format!("the PoissonGroup `{}` has no `rates`", g.name.value),
                        Some("add `rates = \"15*Hz\"` (a rate, or an expression per neuron)"),
                    );
                    return;
                }
                GroupKind::Poisson
            }
            FileKind::SpikeGenerator => match self.spike_train(g, n) {
                Some(train) => GroupKind::SpikeGenerator(train),
                None => return,
            },
        };
        let Some(model) = self.group_model(g, n) else {
            return;
        };
        let mut plan = GroupPlan {
            at: self.here(g.name.span),
            kind,
            methods: methods(&g.method),
            dtypes: Dtypes::default(),
            dt,
            order: g.order.as_ref().map_or(0, |o| o.value),
            on_event: Vec::new(),
            event_schedule: Vec::new(),
            run_regularly: Vec::new(),
            links: Vec::new(),
            init: Vec::new(),
            model,
        };
        for o in &g.on_event {
            let timing = self.timing(&o.when, &o.order);
            plan.on_event.push((o.event.value.clone(), timing));
        }
        self.run_regularly(g, &mut plan);
        self.event_schedule(g, &mut plan);
        plan.dtypes = self.dtypes(g, &plan.model);
        self.init(g, &mut plan);
        self.plan.groups.push(plan);
    }

    /// Checks the model of a group (a PoissonGroup's and a spike generator's are synthetic).
    fn group_model(&mut self, g: &GroupSpec, n: usize) -> Option<NeuronGroupModel> {
        if g.kind != FileKind::Neurons {
            // Synthetic code: it cannot be wrong, so its diagnostics have nowhere to point. A spike
            // generator is a group without variables.
            let poisson = g.kind == FileKind::Poisson;
            let spec = NeuronGroupSpec {
                name: &g.name.value,
                n,
                model: Code {
                    text: if poisson { POISSON_MODEL } else { "" },
                    source: self.file.file,
                },
                threshold: poisson.then_some(Code {
                    text: POISSON_THRESHOLD,
                    source: self.file.file,
                }),
                reset: None,
                refractory: RefractorySpec::None,
                events: Vec::new(),
                on_event: Vec::new(),
                namespace: Namespace::new(),
                shared_links: Vec::new(),
            };
            return check_neuron_group(&spec, &self.plan.namespace).0;
        }
        let Some(model) = &g.model else {
            self.invalid(
                g.name.span,
                format!("group `{}` has no `model`", g.name.value),
                Some("add `model = \"\"\"dv/dt = -v/tau : volt\"\"\"` or an empty model `model = \"\"`"),
            );
            return None;
        };
        let refractory = match &g.refractory {
            None | Some(Value::Bool(Located { value: false, .. })) => RefractorySpec::None,
            Some(Value::Expr(c)) => RefractorySpec::Code(Code {
                text: &c.text,
                source: c.source,
            }),
            Some(other) => {
                self.at_file(ModelError::RefractoryType {
                    span: other.span(),
                    found: Dimension::DIMENSIONLESS,
                });
                RefractorySpec::None
            }
        };
        let file = self.file.file;
        let events = g
            .events
            .iter()
            .map(|(k, c)| EventSpec {
                name: &k.value,
                name_location: Location {
                    source: file,
                    span: k.span,
                },
                condition: Code {
                    text: &c.text,
                    source: c.source,
                },
            })
            .collect();
        let on_event = g
            .on_event
            .iter()
            .map(|o| OnEventSpec {
                event: &o.event.value,
                event_location: Location {
                    source: file,
                    span: o.event.span,
                },
                code: Code {
                    text: &o.code.text,
                    source: o.code.source,
                },
            })
            .collect();
        let spec = NeuronGroupSpec {
            name: &g.name.value,
            n,
            model: Code {
                text: &model.text,
                source: model.source,
            },
            threshold: g.threshold.as_ref().map(|c| Code {
                text: &c.text,
                source: c.source,
            }),
            reset: g.reset.as_ref().map(|c| Code {
                text: &c.text,
                source: c.source,
            }),
            refractory,
            events,
            on_event,
            namespace: Namespace::new(),
            shared_links: self.shared_links(g),
        };
        let (checked, diagnostics) = check_neuron_group(&spec, &self.plan.namespace);
        self.diagnostics.extend(diagnostics);
        checked
    }

    /// A spike generator's `indices`, `times` (seconds, or expressions with units) and `period`.
    fn spike_train(&mut self, g: &GroupSpec, n: usize) -> Option<SpikeTrainPlan> {
        let name = &g.name.value;
        let Some(indices) = &g.indices else {
            self.invalid(
                g.name.span,
                format!("the spike generator `{name}` has no `indices`"),
                None,
            );
            return None;
        };
        let times = match &g.times {
            Some(Value::List(l)) => {
                let mut out = Vec::new();
                for x in &l.value {
                    out.push(self.time_value(x, "a spike time")?);
                }
                out
            }
            Some(other) => {
                self.invalid(other.span(), "`times` is a list of times".into(), None);
                return None;
            }
            None => {
                self.invalid(
                    g.name.span,
                    format!("the spike generator `{name}` has no `times`"),
                    None,
                );
                return None;
            }
        };
        if indices.value.iter().any(|&k| k < 0) {
            self.invalid(indices.span, "neuron indices are not negative".into(), None);
            return None;
        }
        let period = match &g.period {
            Some(p) => self.time(p, "the replay period")?,
            None => 0.0,
        };
        let indices: Vec<usize> = indices.value.iter().map(|&k| k as usize).collect();
        if let Err(e) = crate::inputs::check_spike_train(n, &indices, &times, period) {
            self.invalid(g.name.span, e.to_string(), None);
            return None;
        }
        Some(SpikeTrainPlan {
            indices,
            times,
            period,
        })
    }

    /// Linked variables of `g` whose source has a single value (a group of one neuron, or a shared
    /// variable of a group checked before this one).
    fn shared_links(&self, g: &GroupSpec) -> Vec<String> {
        g.links
            .iter()
            .filter(|(_, link)| {
                let one = self
                    .file
                    .group(&link.group.value)
                    .and_then(|s| s.n.as_ref())
                    .is_some_and(|n| n.value == 1);
                let shared = self
                    .plan
                    .groups
                    .iter()
                    .find(|p| p.model.name == link.group.value)
                    .and_then(|p| p.model.variable(&link.variable.value))
                    .is_some_and(|v| v.shared);
                one || shared
            })
            .map(|(k, _)| k.value.clone())
            .collect()
    }

    fn event_schedule(&mut self, g: &GroupSpec, plan: &mut GroupPlan) {
        for (key, s) in &g.event_schedule {
            let when = match &s.when {
                Some(w) => self.slot(w),
                None => Some(ganglion_ir::Slot::after("thresholds")),
            };
            if plan.model.event(&key.value).is_none() {
                let known: Vec<String> = plan.model.events.iter().map(|e| e.name.clone()).collect();
                self.at_file(ModelError::UnknownEvent {
                    span: key.span,
                    name: key.value.clone(),
                    known,
                });
                continue;
            }
            if let Some(when) = when {
                plan.event_schedule.push((
                    key.value.clone(),
                    when,
                    s.order.as_ref().map(|o| o.value),
                ));
            }
        }
    }

    fn dtypes(&mut self, g: &GroupSpec, model: &NeuronGroupModel) -> Dtypes {
        let valid = |s: &str| matches!(s, "float32" | "float64" | "double" | "single");
        let single = |s: &str| matches!(s, "float32" | "single");
        let mut dtypes = Dtypes::default();
        match &g.dtype {
            Some(DtypeSpec::All(d)) => {
                if !valid(&d.value) {
                    self.invalid(
                        d.span,
                        format!("unknown dtype `{}`", d.value),
                        Some("use `float32` or `float64`"),
                    );
                }
                dtypes.all_f32 = single(&d.value);
            }
            Some(DtypeSpec::PerVariable(list)) => {
                for (k, d) in list {
                    if !valid(&d.value) {
                        self.invalid(
                            d.span,
                            format!("unknown dtype `{}`", d.value),
                            Some("use `float32` or `float64`"),
                        );
                    }
                    match model.variable(&k.value) {
                        None => self.unknown_variable(model, k),
                        Some(v) if v.ty != ValueType::Float => self.invalid(
                            k.span,
                            format!(
                                "`{}` is a {} variable; only float variables take a float dtype",
                                k.value, v.ty
                            ),
                            None,
                        ),
                        _ => {}
                    }
                    if single(&d.value) {
                        dtypes.f32_vars.insert(k.value.clone());
                    }
                }
            }
            None => {}
        }
        dtypes
    }

    fn unknown_variable(&mut self, model: &NeuronGroupModel, key: &Located<String>) {
        let names = model.variables.iter().map(|v| v.name.as_str());
        let suggestion = crate::expr::closest(&key.value, names);
        self.at_file(ModelError::UnknownName {
            span: key.span,
            name: key.value.clone(),
            suggestion,
        });
    }

    /// Initial values: a PoissonGroup's rates first, then `[groups.G.init]` in the order written.
    fn init(&mut self, g: &GroupSpec, plan: &mut GroupPlan) {
        let rates = g.rates.as_ref().map(|r| {
            let key = Located {
                value: "rates".to_string(),
                span: g.name.span,
            };
            (Target::plain(key), r.clone())
        });
        for (target, value) in rates.iter().chain(&g.init) {
            let (name, model) = (&target.name.value, &plan.model);
            let context = format!("the initial value of `{}`", target.key.value);
            if let Some(a) = self.assignment(model, None, target, name, value, &context) {
                plan.init.push(a);
            }
        }
    }

    fn run_regularly(&mut self, g: &GroupSpec, plan: &mut GroupPlan) {
        for r in &g.run_regularly {
            let scope = crate::scope::group_scope(&plan.model, &self.plan.namespace);
            let code = Code {
                text: &r.code.text,
                source: r.code.source,
            };
            let mut diagnostics = Vec::new();
            let block = crate::group::check_block(
                code,
                &scope,
                "run_regularly code",
                true,
                &mut diagnostics,
            );
            self.diagnostics.extend(diagnostics);
            let dt =
                r.dt.as_ref()
                    .and_then(|dt| self.time(dt, "the `dt` of run_regularly"));
            let timing = self.timing(&r.when, &r.order);
            if let Some(code) = block {
                plan.run_regularly
                    .push(RunRegularlyPlan { code, dt, timing });
            }
        }
    }

    /// Every group's links, once every group is checked (a link may name a group written later).
    pub(super) fn links(&mut self) {
        for g in &self.file.groups {
            let Some(k) = self
                .plan
                .groups
                .iter()
                .position(|p| p.model.name == g.name.value)
            else {
                continue;
            };
            for (key, link) in &g.links {
                if let Some(plan) = self.link(k, key, link) {
                    self.plan.groups[k].links.push(plan);
                }
            }
            let model = &self.plan.groups[k].model;
            let unlinked: Vec<String> = model
                .variables
                .iter()
                .filter(|v| v.linked && !g.links.iter().any(|(k, _)| k.value == v.name))
                .map(|v| v.name.clone())
                .collect();
            for v in unlinked {
                self.invalid(
                    g.name.span,
                    format!(
                        "the linked variable `{v}` of group `{}` is not linked to anything",
                        g.name.value
                    ),
                    Some("add it under `[groups.NAME.links]`"),
                );
            }
        }
    }

    fn link(
        &mut self,
        k: usize,
        key: &Located<String>,
        link: &ganglion_modelfile::LinkSpec,
    ) -> Option<LinkPlan> {
        let target = &self.plan.groups[k].model;
        match target.variable(&key.value) {
            Some(v) if v.linked => {}
            Some(_) => {
                self.invalid(
                    key.span,
                    format!("`{}` is not a linked variable", key.value),
                    Some("declare it with the `(linked)` flag in the model"),
                );
                return None;
            }
            None => {
                let target = target.clone();
                self.unknown_variable(&target, key);
                return None;
            }
        }
        let Some(source) = self
            .plan
            .groups
            .iter()
            .find(|p| p.model.name == link.group.value)
        else {
            self.invalid(
                link.group.span,
                format!("unknown group `{}`", link.group.value),
                None,
            );
            return None;
        };
        if let Err(e) =
            crate::inputs::check_link(target, &key.value, &source.model, &link.variable.value)
        {
            let span = link.variable.span;
            self.invalid(span, e.to_string(), None);
            return None;
        }
        let index = match &link.index {
            None => None,
            Some(v) => match v.as_numbers() {
                Some(xs) if xs.iter().all(|x| *x >= 0.0 && x.fract() == 0.0) => {
                    Some(xs.iter().map(|x| *x as usize).collect())
                }
                _ => {
                    self.invalid(
                        v.span(),
                        "a link's index is an array of neuron indices".into(),
                        None,
                    );
                    return None;
                }
            },
        };
        Some(LinkPlan {
            variable: key.value.clone(),
            source: link.group.value.clone(),
            source_variable: link.variable.value.clone(),
            index,
            at: self.here(key.span),
        })
    }
}

/// The methods a group or synapses ask for (`None`: Brian2's default choice).
pub(super) fn methods(spec: &Option<MethodSpec>) -> Option<Methods> {
    let whole = |c: &ganglion_modelfile::Code| Location {
        source: c.source,
        span: ganglion_syntax::Span::new(0, c.text.len()),
    };
    match spec {
        None => None,
        Some(MethodSpec::One(c)) => Some(Methods {
            names: vec![c.text.clone()],
            at: Some(whole(c)),
        }),
        Some(MethodSpec::List(l)) => Some(Methods {
            names: l.iter().map(|c| c.text.clone()).collect(),
            at: l.first().map(whole),
        }),
    }
}

//! `[synapses.*]` (models, pathways, delays, connect calls, initial values) and `[poisson_inputs.*]`.

use ganglion_modelfile::{Located, SynapsesSpec, Value};
use ganglion_syntax::Span;
use ganglion_units::Dimension;

use super::FileChecker;
use super::groups::methods;
use crate::connect::{ConnectContext, ConnectSpec, RawConnect, RawPattern, RawProbability};
use crate::error::ModelError;
use crate::expr::{TExpr, TKind, ValueType};
use crate::group::{Code, Location, NeuronGroupSpec, OnEventSpec, RefractorySpec, SynapseContext};
use crate::model::NeuronGroupModel;
use crate::namespace::Namespace;
use crate::plan::{PoissonInputPlan, SynapsesPlan};

impl FileChecker<'_> {
    /// Synapses: the model and the pathways' code, checked against the groups they connect; the
    /// connect calls and initial values against the synapses.
    pub(super) fn synapses(&mut self) {
        for s in &self.file.synapses {
            let Some((plan, context)) = self.synapses_model(s) else {
                continue;
            };
            let name = plan.model.name.clone();
            self.contexts.push((name, context));
            self.plan.synapses.push(plan);
            let k = self.plan.synapses.len() - 1;
            for c in &s.connect {
                if let Some(spec) = self.connect(k, s, c) {
                    self.plan.synapses[k].connect.push(spec);
                }
            }
            for (target, value) in &s.init {
                let model = self.plan.synapses[k].model.clone();
                let context = self.contexts.last().map(|(_, c)| c.clone());
                let what = format!("the initial value of `{}`", target.key.value);
                let name = &target.name.value;
                if let Some(a) =
                    self.assignment(&model, context.as_ref(), target, name, value, &what)
                {
                    self.plan.synapses[k].init.push(a);
                }
            }
        }
    }

    /// The checked model of a Synapses object and what it sees of its groups.
    fn synapses_model(&mut self, s: &SynapsesSpec) -> Option<(SynapsesPlan, SynapseContext)> {
        let source = self.synapse_side(&s.source);
        let target = self.synapse_side(&s.target);
        let ((source, source_model), (target, target_model)) = (source?, target?);
        let pathways: Vec<(&ganglion_modelfile::Key, &ganglion_modelfile::Code)> = s
            .on_pre
            .iter()
            .chain(&s.on_post)
            .map(|(k, c)| (k, c))
            .collect();
        let names: Vec<String> = pathways.iter().map(|(k, _)| k.value.clone()).collect();
        for (k, _) in &pathways {
            if !(k.value.starts_with("pre") || k.value.starts_with("post")) {
                self.invalid(
                    k.span,
                    format!("pathway `{}`: pathway names start with `pre` (triggered by the source) or `post` (by the target)", k.value),
                    None,
                );
                return None;
            }
        }
        let context = SynapseContext::new(&source_model, &target_model, names.clone());
        let file = self.file.file;
        let on_event = pathways
            .iter()
            .map(|(k, c)| OnEventSpec {
                event: &k.value,
                event_location: Location {
                    source: file,
                    span: k.span,
                },
                code: Code {
                    text: &c.text,
                    source: c.source,
                },
            })
            .collect();
        let model = match &s.model {
            Some(m) => Code {
                text: &m.text,
                source: m.source,
            },
            None => Code {
                text: "",
                source: file,
            },
        };
        let spec = NeuronGroupSpec {
            name: &s.name.value,
            n: 0,
            model,
            threshold: None,
            reset: None,
            refractory: RefractorySpec::None,
            events: Vec::new(),
            on_event,
            namespace: Namespace::new(),
            shared_links: Vec::new(),
        };
        let (checked, diagnostics) =
            crate::group::check_synapses(&spec, &context, &self.plan.namespace);
        self.diagnostics.extend(diagnostics);
        let delay = match &s.delay {
            None => 0.0,
            Some(v) => self.time_value(v, "the synapses' `delay`")?,
        };
        let dt =
            s.dt.as_ref()
                .and_then(|dt| self.positive_time(dt, "the synapses' `dt`"));
        let plan = SynapsesPlan {
            model: checked?,
            at: self.here(s.name.span),
            source,
            target,
            pathways: names,
            on_event: s
                .on_event
                .iter()
                .map(|(k, e)| (k.value.clone(), e.value.clone()))
                .collect(),
            delay,
            methods: methods(&s.method),
            dt,
            order: s.order.as_ref().map_or(0, |o| o.value),
            connect: Vec::new(),
            init: Vec::new(),
        };
        Some((plan, context))
    }

    /// A side of synapses: a checked group (or a slice of one).
    fn synapse_side(
        &mut self,
        loc: &Located<String>,
    ) -> Option<(crate::plan::Side, NeuronGroupModel)> {
        let (side, _) = self.side(loc, None)?;
        let found = self
            .plan
            .groups
            .iter()
            .find(|p| p.model.name == side.group)
            .map(|p| p.model.clone());
        if found.is_none() && self.file.groups.iter().all(|g| g.name.value != side.group) {
            self.invalid(
                loc.span,
                format!("there is no group `{}`", side.group),
                None,
            );
        }
        Some((side, found?))
    }

    /// A `[[synapses.S.connect]]` call, checked against synapses `k`.
    fn connect(
        &mut self,
        k: usize,
        s: &SynapsesSpec,
        c: &ganglion_modelfile::ConnectSpec,
    ) -> Option<(ConnectSpec, Location)> {
        let at = self.here(c.condition.as_ref().map_or(s.name.span, |x| x.span));
        let indices = |b: &mut Self, v: &Value| -> Option<Vec<usize>> {
            let one = match v {
                Value::Integer(n) => Some(vec![n.value as f64]),
                _ => None,
            };
            match one.or_else(|| v.as_numbers()) {
                Some(xs) if xs.iter().all(|x| *x >= 0.0 && x.fract() == 0.0) => {
                    Some(xs.iter().map(|x| *x as usize).collect())
                }
                _ => {
                    b.invalid(v.span(), "expected neuron indices".into(), None);
                    None
                }
            }
        };
        let pairs;
        let pattern = match (&c.i, &c.j) {
            (Some(i), Some(j)) => {
                let (mut is, mut js) = (indices(self, i)?, indices(self, j)?);
                // One index goes with each of the other side's (NumPy's broadcasting, as in Brian2's
                // `connect(i=numpy.arange(5), j=0)`).
                match (is.len(), js.len()) {
                    (1, n) if n > 1 => is = vec![is[0]; n],
                    (n, 1) if n > 1 => js = vec![js[0]; n],
                    _ => {}
                }
                pairs = (is, js);
                RawPattern::Pairs(&pairs.0, &pairs.1)
            }
            (None, Some(Value::Expr(code))) if code.text.trim() == "i" => RawPattern::OneToOne,
            (None, Some(Value::Expr(code))) => RawPattern::Generator(Code {
                text: &code.text,
                source: code.source,
            }),
            (None, None) => RawPattern::Grid,
            (_, Some(v)) | (Some(v), None) => {
                self.invalid(
                    v.span(),
                    "connect: give `i` and `j` as index arrays together, or `j` as a generator (`\"k for k in range(i-3, i+4)\"`)".into(),
                    None,
                );
                return None;
            }
        };
        let p = match &c.p {
            None => None,
            Some(Value::Number(n)) => Some(RawProbability::Number(n.value)),
            Some(Value::Integer(n)) => Some(RawProbability::Number(n.value as f64)),
            Some(Value::Expr(code)) => Some(RawProbability::Expr(Code {
                text: &code.text,
                source: code.source,
            })),
            Some(other) => {
                self.invalid(
                    other.span(),
                    "`p` is a number or an expression".into(),
                    None,
                );
                return None;
            }
        };
        let n = match &c.n {
            None => 1,
            Some(Value::Integer(n)) if n.value >= 0 => n.value as usize,
            Some(other) => {
                self.invalid(
                    other.span(),
                    "`n` is a number of synapses per pair".into(),
                    None,
                );
                return None;
            }
        };
        let raw = RawConnect {
            pattern,
            condition: c.condition.as_ref().map(|x| Code {
                text: &x.text,
                source: x.source,
            }),
            p,
            n,
            skip_if_invalid: c.skip_if_invalid.as_ref().is_some_and(|x| x.value),
        };
        let plan = &self.plan.synapses[k];
        let sizes = (self.side_size(&plan.source), self.side_size(&plan.target));
        let context = &self.contexts[k].1;
        let scope = crate::scope::synapse_scope(&plan.model, context, &self.plan.namespace);
        let cx = ConnectContext {
            scope: &scope,
            sizes,
            at: Some((at.source, at.span)),
        };
        match crate::connect::check_connect(&raw, &cx) {
            Ok(spec) => Some((spec, at)),
            Err(d) => {
                self.diagnostics.extend(d);
                None
            }
        }
    }

    /// Neurons of a group or of a slice of one.
    fn side_size(&self, side: &crate::plan::Side) -> usize {
        match side.range {
            Some((a, z)) => z - a,
            None => self
                .plan
                .groups
                .iter()
                .find(|p| p.model.name == side.group)
                .map_or(0, |p| p.model.n),
        }
    }

    /// `[poisson_inputs.*]`: the target group (or slice) and variable, `N`, the rate and the weight.
    pub(super) fn poisson_inputs(&mut self) {
        for p in &self.file.poisson_inputs {
            let timing = self.timing(&p.when, &p.order);
            let n = match u64::try_from(p.n.value) {
                Ok(n) if n >= 1 => Some(n),
                _ => {
                    self.invalid(
                        p.n.span,
                        format!(
                            "`N` is the number of inputs, at least 1 (not {})",
                            p.n.value
                        ),
                        None,
                    );
                    None
                }
            };
            let rate = self.rate(&p.rate);
            let Some(target) = self.poisson_target(&p.target) else {
                continue;
            };
            let Some(model) = self
                .plan
                .groups
                .iter()
                .find(|g| g.model.name == target.group)
                .map(|g| g.model.clone())
            else {
                continue; // its errors are already reported
            };
            let Some(weight) = self.poisson_weight(&model, p) else {
                continue;
            };
            let (Some(n), Some(rate)) = (n, rate) else {
                continue;
            };
            let group_dt = self
                .plan
                .groups
                .iter()
                .find(|g| g.model.name == target.group)
                .and_then(|g| g.dt);
            let dt = group_dt.unwrap_or_else(|| self.run_dt());
            if let Err(e) = crate::inputs::poisson_probability(n, rate, dt) {
                self.invalid(p.rate.span(), e.to_string(), None);
                continue;
            }
            let at = self.here(p.name.span);
            self.plan.poisson_inputs.push(PoissonInputPlan {
                name: p.name.value.clone(),
                at,
                target,
                variable: p.variable.value.clone(),
                n,
                rate,
                weight,
                timing,
            });
        }
    }

    /// A Poisson input's rate: a frequency, finite and not negative.
    fn rate(&mut self, rate: &Value) -> Option<f64> {
        match rate {
            Value::Expr(code) => {
                let v = self.constant(code, "a Poisson input's rate")?;
                if v.dim != Dimension::FREQUENCY {
                    let e = ModelError::DimensionMismatch {
                        span: Span::new(0, code.text.len()),
                        context: "a Poisson input's rate".into(),
                        expected: Dimension::FREQUENCY,
                        found: v.dim,
                    };
                    self.diagnostics
                        .push(e.to_diagnostic().in_source(code.source));
                    return None;
                }
                if !(v.value >= 0.0 && v.value.is_finite()) {
                    self.invalid(
                        code.span,
                        format!("a rate cannot be negative or infinite ({} Hz)", v.value),
                        None,
                    );
                    return None;
                }
                Some(v.value)
            }
            Value::Number(Located { value, span }) if *value != 0.0 => {
                self.invalid(
                    *span,
                    "a rate is a quantity with units".into(),
                    Some("write it as `\"5*Hz\"`"),
                );
                None
            }
            Value::Integer(Located { value, span }) if *value != 0 => {
                self.invalid(
                    *span,
                    "a rate is a quantity with units".into(),
                    Some("write it as `\"5*Hz\"`"),
                );
                None
            }
            Value::Number(_) | Value::Integer(_) => Some(0.0),
            other => {
                self.invalid(
                    other.span(),
                    "a rate is a quantity such as `\"5*Hz\"`".into(),
                    None,
                );
                None
            }
        }
    }

    /// The group (or slice) a Poisson input targets.
    fn poisson_target(&mut self, target: &Located<String>) -> Option<crate::plan::Side> {
        let (side, _) = self.side(
            target,
            Some("write a group name, or a slice such as `P[:3200]`"),
        )?;
        if self.file.group(&side.group).is_none() {
            let name = &side.group;
            let (what, hint) = if self.file.synapses.iter().any(|s| s.name.value == *name) {
                (
                    format!("a Poisson input targets a group, and `{name}` is synapses"),
                    None,
                )
            } else {
                let names = self.file.groups.iter().map(|g| g.name.value.as_str());
                let hint =
                    crate::expr::closest(name, names).map(|s| format!("did you mean `{s}`?"));
                (format!("unknown group `{name}`"), hint)
            };
            self.invalid(target.span, what, hint.as_deref());
            return None;
        }
        Some(side)
    }

    /// A Poisson input's weight, checked against its target variable.
    fn poisson_weight(
        &mut self,
        model: &NeuronGroupModel,
        p: &ganglion_modelfile::PoissonInputSpec,
    ) -> Option<TExpr> {
        let at = self.here(p.variable.span);
        match &p.weight {
            Value::Expr(code) => {
                let ns = self.plan.namespace.clone();
                crate::inputs::check_poisson_input(
                    model,
                    &p.variable.value,
                    at,
                    Code {
                        text: &code.text,
                        source: code.source,
                    },
                    &[&ns],
                    &mut self.diagnostics,
                )
            }
            Value::Number(_) | Value::Integer(_) => {
                let (x, span) = match &p.weight {
                    Value::Number(n) => (n.value, n.span),
                    Value::Integer(n) => (n.value as f64, n.span),
                    _ => unreachable!("matched above"),
                };
                let dim = crate::inputs::check_poisson_target(
                    model,
                    &p.variable.value,
                    at,
                    &mut self.diagnostics,
                )?;
                if !dim.is_dimensionless() {
                    self.at_file(ModelError::DimensionMismatch {
                        span,
                        context: format!("the weight of a Poisson input to `{}`", p.variable.value),
                        expected: dim,
                        found: Dimension::DIMENSIONLESS,
                    });
                    return None;
                }
                Some(TExpr {
                    kind: TKind::Float(x),
                    ty: ValueType::Float,
                    dim: Dimension::DIMENSIONLESS,
                    span: Span::default(),
                })
            }
            other => {
                self.invalid(
                    other.span(),
                    "a weight is a quantity or an expression such as `\"0.1*mV\"`".into(),
                    None,
                );
                None
            }
        }
    }
}

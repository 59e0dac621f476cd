//! Checking a whole model file: the namespace, timed arrays, every group, synapses, Poisson inputs, the
//! monitors, runs and segments.

use ganglion_modelfile::{CodeForm, GroupKind, Located, ModelFile, MonitorKind, RecordSpec, Value};
use ganglion_syntax::{Diagnostic, SourceId, Span, parse_expression, parse_statements};
use ganglion_units::Dimension;

use crate::error::ModelError;
use crate::expr::{Scope, Special, TExpr, ValueType, check_expr};
use crate::group::{
    Code, EventSpec, Location, NeuronGroupSpec, OnEventSpec, RefractorySpec, check_neuron_group,
};
use crate::model::{NeuronGroupModel, VariableKind};
use crate::namespace::{ExternalValue, Namespace, eval_constant};

/// The default schedule's slots (Brian2's `core.network.default_schedule`).
pub const DEFAULT_SCHEDULE: [&str; 6] =
    ["start", "groups", "thresholds", "synapses", "resets", "end"];

/// What a checked model file holds, for building a network.
#[derive(Debug, Default)]
pub struct CheckedModelFile {
    /// The run namespace (`[namespace]`), evaluated.
    pub namespace: Namespace,
    /// The checked NeuronGroups (and PoissonGroups, as the NeuronGroups they are), in file order.
    pub groups: Vec<NeuronGroupModel>,
    /// The checked Synapses, in file order.
    pub synapses: Vec<NeuronGroupModel>,
    /// The timed arrays with their values, in file order (their shapes are in `namespace` too).
    pub timed_arrays: Vec<crate::inputs::TimedArrayData>,
}

/// The model of a PoissonGroup: Brian2's `PoissonGroup` is a NeuronGroup with a rate per neuron and the
/// threshold `rand() < rates*dt`.
pub const POISSON_MODEL: &str = "rates : Hz";
/// The threshold of a PoissonGroup.
pub const POISSON_THRESHOLD: &str = "rand() < rates*dt";

/// Checks every part of a model file. Returns what passed and all diagnostics.
pub fn check_model_file(file: &ModelFile) -> (CheckedModelFile, Vec<Diagnostic>) {
    let mut cx = FileChecker {
        file,
        diagnostics: Vec::new(),
        out: CheckedModelFile::default(),
    };
    cx.namespace();
    cx.timed_arrays();
    cx.run();
    for g in &file.groups {
        cx.group(g);
    }
    cx.synapses();
    cx.poisson_inputs();
    cx.monitors();
    cx.segments();
    cx.syntax_only();
    (cx.out, cx.diagnostics)
}

struct FileChecker<'f> {
    file: &'f ModelFile,
    diagnostics: Vec<Diagnostic>,
    out: CheckedModelFile,
}

impl FileChecker<'_> {
    fn at_file(&mut self, e: ModelError) {
        self.diagnostics
            .push(e.to_diagnostic().in_source(self.file.file));
    }

    fn invalid(&mut self, span: Span, what: String, hint: Option<&str>) {
        self.at_file(ModelError::Invalid {
            span,
            what,
            hint: hint.map(String::from),
        });
    }

    fn namespace(&mut self) {
        let builtins: &[(&str, &str)] =
            &[("pi", "constant"), ("e", "constant"), ("inf", "constant")];
        for (key, value) in &self.file.namespace {
            let name = key.value.as_str();
            if name.starts_with('_') {
                self.at_file(ModelError::NamespaceUnderscore {
                    span: key.span,
                    name: name.into(),
                });
                continue;
            }
            let shadowed = if Special::from_name(name).is_some() {
                Some("variable")
            } else if let Some((_, what)) = builtins.iter().find(|(n, _)| *n == name) {
                Some(*what)
            } else if ganglion_units::is_unit_name(name) {
                Some("unit")
            } else if ganglion_ir::Builtin::from_name(name).is_some() {
                Some("function")
            } else {
                None
            };
            if let Some(what) = shadowed {
                self.at_file(ModelError::Shadowed {
                    span: key.span,
                    name: name.into(),
                    what,
                });
            }
            let v = match value {
                Value::Number(n) => Some(ExternalValue::float(n.value)),
                Value::Integer(n) => Some(ExternalValue::int(n.value)),
                Value::Bool(b) => Some(ExternalValue::bool(b.value)),
                Value::Expr(code) => {
                    let ns = [&self.out.namespace];
                    match eval_constant(
                        &code.text,
                        code.source,
                        &ns,
                        &format!("the namespace entry `{name}`"),
                    ) {
                        Ok(v) => Some(v),
                        Err(d) => {
                            self.diagnostics.extend(d);
                            None
                        }
                    }
                }
                Value::List(l) => {
                    self.at_file(ModelError::NamespaceNotConstant {
                        span: l.span,
                        name: name.into(),
                    });
                    None
                }
            };
            if let Some(v) = v {
                self.out.namespace.insert(name, v);
            }
        }
    }

    /// `[timed_arrays.*]`: each becomes a function of the namespace (a name that shadows a built-in
    /// warns, and the built-in wins, as for namespace constants).
    fn timed_arrays(&mut self) {
        for t in &self.file.timed_arrays {
            let name = t.name.value.as_str();
            if name.starts_with('_') {
                self.at_file(ModelError::NamespaceUnderscore {
                    span: t.name.span,
                    name: name.into(),
                });
                continue;
            }
            if !crate::inputs::is_identifier(name) {
                self.invalid(
                    t.name.span,
                    format!("`{name}` cannot name a timed array: model code could not call it"),
                    Some("use letters, digits and `_`, starting with a letter"),
                );
                continue;
            }
            if self.out.namespace.get(name).is_some() {
                self.invalid(
                    t.name.span,
                    format!("`{name}` is both a namespace constant and a timed array"),
                    Some("rename one of them"),
                );
                continue;
            }
            let shadowed = if Special::from_name(name).is_some() {
                Some("variable")
            } else if crate::expr::builtin_constant(name).is_some() {
                Some("constant")
            } else if ganglion_units::is_unit_name(name) {
                Some("unit")
            } else if ganglion_ir::Builtin::from_name(name).is_some() {
                Some("function")
            } else {
                None
            };
            if let Some(what) = shadowed {
                self.at_file(ModelError::Shadowed {
                    span: t.name.span,
                    name: name.into(),
                    what,
                });
            }
            if let Some(data) = crate::inputs::timed_array_from_file(
                t,
                self.file.file,
                &self.out.namespace,
                &mut self.diagnostics,
            ) {
                self.out
                    .namespace
                    .insert_timed_array(name, data.info.clone());
                self.out.timed_arrays.push(data);
            }
        }
    }

    /// `[poisson_inputs.*]`: the target group (or slice) and variable, `N`, the rate and the weight.
    fn poisson_inputs(&mut self) {
        for p in &self.file.poisson_inputs {
            self.check_when(&p.when);
            if p.n.value < 1 {
                self.invalid(
                    p.n.span,
                    format!(
                        "`N` is the number of inputs, at least 1 (not {})",
                        p.n.value
                    ),
                    None,
                );
            }
            match &p.rate {
                Value::Expr(code) => {
                    let ns = [&self.out.namespace];
                    match eval_constant(&code.text, code.source, &ns, "a Poisson input's rate") {
                        Ok(v) if v.dim != Dimension::FREQUENCY => {
                            let e = ModelError::DimensionMismatch {
                                span: Span::new(0, code.text.len()),
                                context: "a Poisson input's rate".into(),
                                expected: Dimension::FREQUENCY,
                                found: v.dim,
                            };
                            self.diagnostics
                                .push(e.to_diagnostic().in_source(code.source));
                        }
                        Ok(v) if !(v.value >= 0.0 && v.value.is_finite()) => self.invalid(
                            code.span,
                            format!("a rate cannot be negative or infinite ({} Hz)", v.value),
                            None,
                        ),
                        Ok(_) => {}
                        Err(d) => self.diagnostics.extend(d),
                    }
                }
                Value::Number(Located { value, span }) if *value != 0.0 => self.invalid(
                    *span,
                    "a rate is a quantity with units".into(),
                    Some("write it as `\"5*Hz\"`"),
                ),
                Value::Integer(Located { value, span }) if *value != 0 => self.invalid(
                    *span,
                    "a rate is a quantity with units".into(),
                    Some("write it as `\"5*Hz\"`"),
                ),
                Value::Number(_) | Value::Integer(_) => {}
                other => self.invalid(
                    other.span(),
                    "a rate is a quantity such as `\"5*Hz\"`".into(),
                    None,
                ),
            }
            let (name, slice) = match ganglion_modelfile::split_subgroup(&p.target.value) {
                Ok(x) => x,
                Err(why) => {
                    self.invalid(
                        p.target.span,
                        why,
                        Some("write a group name, or a slice such as `P[:3200]`"),
                    );
                    continue;
                }
            };
            let Some(spec) = self.file.group(name) else {
                let (what, hint) = if self.file.synapses.iter().any(|s| s.name.value == name) {
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
                self.invalid(p.target.span, what, hint.as_deref());
                continue;
            };
            let full = spec.n.as_ref().map_or(0, |n| n.value);
            if let Some((start, stop)) = slice {
                let (start, stop) = (start.unwrap_or(0), stop.unwrap_or(full));
                if start < 0 || stop > full || start >= stop {
                    self.invalid(
                        p.target.span,
                        format!("the slice [{start}:{stop}] is not a non-empty part of group `{name}` of {full} neurons"),
                        None,
                    );
                }
            }
            let Some(model) = self.out.groups.iter().find(|g| g.name == name).cloned() else {
                continue; // its errors are already reported
            };
            let at = Location {
                source: self.file.file,
                span: p.variable.span,
            };
            let ns = self.out.namespace.clone();
            let plain = match &p.weight {
                Value::Number(n) => Some((n.value, n.span)),
                Value::Integer(n) => Some((n.value as f64, n.span)),
                _ => None,
            };
            match (&p.weight, plain) {
                (Value::Expr(code), _) => {
                    crate::inputs::check_poisson_input(
                        &model,
                        &p.variable.value,
                        at,
                        Code {
                            text: &code.text,
                            source: code.source,
                        },
                        &[&ns],
                        &mut self.diagnostics,
                    );
                }
                (_, Some((_, span))) => {
                    if let Some(dim) = crate::inputs::check_poisson_target(
                        &model,
                        &p.variable.value,
                        at,
                        &mut self.diagnostics,
                    ) && !dim.is_dimensionless()
                    {
                        self.at_file(ModelError::DimensionMismatch {
                            span,
                            context: format!(
                                "the weight of a Poisson input to `{}`",
                                p.variable.value
                            ),
                            expected: dim,
                            found: Dimension::DIMENSIONLESS,
                        });
                    }
                }
                (other, None) => self.invalid(
                    other.span(),
                    "a weight is a quantity or an expression such as `\"0.1*mV\"`".into(),
                    None,
                ),
            }
        }
    }

    /// Evaluates a constant that must be a time (`dt`, `duration`).
    fn time(&mut self, text: &str, source: SourceId, what: &str) -> Option<f64> {
        let ns = [&self.out.namespace];
        match eval_constant(text, source, &ns, what) {
            Ok(v) if v.dim == Dimension::TIME => Some(v.value),
            Ok(v) => {
                let e = ModelError::DimensionMismatch {
                    span: Span::new(0, text.len()),
                    context: what.to_string(),
                    expected: Dimension::TIME,
                    found: v.dim,
                };
                self.diagnostics.push(e.to_diagnostic().in_source(source));
                None
            }
            Err(d) => {
                self.diagnostics.extend(d);
                None
            }
        }
    }

    fn run(&mut self) {
        let run = &self.file.run;
        if let Some(d) = &run.duration
            && let Some(t) = self.time(&d.text, d.source, "the duration")
            && t < 0.0
        {
            self.invalid(d.span, "the duration cannot be negative".into(), None);
        }
        if let Some(d) = &run.dt
            && let Some(t) = self.time(&d.text, d.source, "`dt`")
            && t <= 0.0
        {
            self.invalid(d.span, "`dt` must be positive".into(), None);
        }
        if run.duration.is_some() && !self.file.segments.is_empty() {
            let span = run.duration.as_ref().map(|d| d.span).unwrap_or_default();
            self.invalid(
                span,
                "the file has both `[run] duration` and `[[segments]]`".into(),
                Some("give the durations in the segments only"),
            );
        }
        if let Some(t) = &run.threads
            && t.value < 0
        {
            self.invalid(
                t.span,
                "`threads` cannot be negative".into(),
                Some("0 means all cores"),
            );
        }
        if let Some(r) = &run.report
            && !matches!(r.value.as_str(), "text" | "stdout" | "stderr")
        {
            self.invalid(
                r.span,
                format!("unknown report `{}`", r.value),
                Some("use `text`, `stdout` or `stderr`"),
            );
        }
        if let Some(slots) = &run.schedule {
            for s in slots {
                if s.value.starts_with("before_") || s.value.starts_with("after_") {
                    self.invalid(
                        s.span,
                        format!("`{}` cannot be a slot of a schedule", s.value),
                        Some("`before_` and `after_` slots exist for every slot automatically"),
                    );
                }
            }
        }
    }

    fn slots(&self) -> Vec<String> {
        let base: Vec<String> = match &self.file.run.schedule {
            Some(s) => s.iter().map(|l| l.value.clone()).collect(),
            None => DEFAULT_SCHEDULE.iter().map(|s| s.to_string()).collect(),
        };
        let mut out = Vec::new();
        for s in base {
            out.push(format!("before_{s}"));
            out.push(s.clone());
            out.push(format!("after_{s}"));
        }
        out
    }

    fn check_when(&mut self, when: &Option<Located<String>>) {
        if let Some(w) = when {
            let slots = self.slots();
            if !slots.contains(&w.value) {
                let hint = crate::expr::closest(&w.value, slots.iter().map(String::as_str))
                    .map(|s| format!("did you mean `{s}`?"))
                    .unwrap_or_else(|| format!("the slots are: {}", slots.join(", ")));
                self.invalid(
                    w.span,
                    format!("unknown scheduling slot `{}`", w.value),
                    Some(&hint),
                );
            }
        }
    }

    fn group(&mut self, g: &ganglion_modelfile::GroupSpec) {
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
        if let Some(dt) = &g.dt
            && let Some(t) = self.time(&dt.text, dt.source, "the group's `dt`")
            && t <= 0.0
        {
            self.invalid(dt.span, "`dt` must be positive".into(), None);
        }
        if g.kind != GroupKind::Neurons {
            // Synthetic code: it cannot be wrong, so its diagnostics have nowhere to point. A spike
            // generator is a group without variables.
            let poisson = g.kind == GroupKind::Poisson;
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
            if let (Some(model), _) = check_neuron_group(&spec, &self.out.namespace) {
                self.out.groups.push(model);
            }
            return;
        }
        let Some(model) = &g.model else {
            self.invalid(
                g.name.span,
                format!("group `{}` has no `model`", g.name.value),
                Some("add `model = \"\"\"dv/dt = -v/tau : volt\"\"\"` or an empty model `model = \"\"`"),
            );
            return;
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
        let events = g
            .events
            .iter()
            .map(|(k, c)| EventSpec {
                name: &k.value,
                name_location: Location {
                    source: self.file.file,
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
                    source: self.file.file,
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
        let (checked, diagnostics) = check_neuron_group(&spec, &self.out.namespace);
        self.diagnostics.extend(diagnostics);
        for o in &g.on_event {
            self.check_when(&o.when);
        }
        for r in &g.run_regularly {
            self.check_when(&r.when);
        }
        for (_, s) in &g.event_schedule {
            self.check_when(&s.when);
        }
        let Some(model) = checked else { return };
        for (key, _) in &g.event_schedule {
            if model.event(&key.value).is_none() {
                let known: Vec<String> = model.events.iter().map(|e| e.name.clone()).collect();
                self.at_file(ModelError::UnknownEvent {
                    span: key.span,
                    name: key.value.clone(),
                    known,
                });
            }
        }
        self.dtype(g, &model);
        self.init(g, &model, n);
        self.links(g, &model);
        self.run_regularly(g, &model);
        self.out.groups.push(model);
    }

    /// Linked variables of `g` whose source has a single value (a group of one neuron, or a shared
    /// variable of a group checked before this one).
    fn shared_links(&self, g: &ganglion_modelfile::GroupSpec) -> Vec<String> {
        g.links
            .iter()
            .filter(|(_, link)| {
                let one = self
                    .file
                    .group(&link.group.value)
                    .and_then(|s| s.n.as_ref())
                    .is_some_and(|n| n.value == 1);
                let shared = self
                    .out
                    .groups
                    .iter()
                    .find(|m| m.name == link.group.value)
                    .and_then(|m| m.variable(&link.variable.value))
                    .is_some_and(|v| v.shared);
                one || shared
            })
            .map(|(k, _)| k.value.clone())
            .collect()
    }

    fn dtype(&mut self, g: &ganglion_modelfile::GroupSpec, model: &NeuronGroupModel) {
        let valid = |s: &str| matches!(s, "float32" | "float64" | "double" | "single");
        match &g.dtype {
            Some(ganglion_modelfile::DtypeSpec::All(d)) if !valid(&d.value) => self.invalid(
                d.span,
                format!("unknown dtype `{}`", d.value),
                Some("use `float32` or `float64`"),
            ),
            Some(ganglion_modelfile::DtypeSpec::PerVariable(list)) => {
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
                }
            }
            _ => {}
        }
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

    /// Checks initial values: the variable must be stored and writable, the value of its dimensions.
    fn init(&mut self, g: &ganglion_modelfile::GroupSpec, model: &NeuronGroupModel, n: usize) {
        let ns = self.out.namespace.clone();
        let scope = group_scope(model, &ns);
        for (key, value) in &g.init {
            let Some(var) = model.variable(&key.value) else {
                if model.subexpression(&key.value).is_some() {
                    self.at_file(ModelError::ReadOnly {
                        span: key.span,
                        name: key.value.clone(),
                        reason: "it is a subexpression",
                    });
                } else {
                    self.unknown_variable(model, key);
                }
                continue;
            };
            if var.kind == VariableKind::ConstantOverDt {
                self.at_file(ModelError::ReadOnly {
                    span: key.span,
                    name: key.value.clone(),
                    reason: "it is a subexpression",
                });
                continue;
            }
            match value {
                Value::Integer(x) if !var.dim.is_dimensionless() && x.value != 0 => {
                    self.at_file(ModelError::DimensionMismatch {
                        span: x.span,
                        context: format!("the initial value of `{}`", key.value),
                        expected: var.dim,
                        found: Dimension::DIMENSIONLESS,
                    });
                }
                Value::Number(x) if !var.dim.is_dimensionless() && x.value != 0.0 => {
                    self.at_file(ModelError::DimensionMismatch {
                        span: x.span,
                        context: format!("the initial value of `{}`", key.value),
                        expected: var.dim,
                        found: Dimension::DIMENSIONLESS,
                    });
                }
                Value::Number(_) | Value::Integer(_) | Value::Bool(_) => {}
                Value::List(l) => {
                    if l.value.len() != n {
                        self.invalid(
                            l.span,
                            format!(
                                "`{}` has {} values, the group has {n} neurons",
                                key.value,
                                l.value.len()
                            ),
                            Some("give one value per neuron (in SI units), or an expression"),
                        );
                    } else if value.as_numbers().is_none()
                        && !l.value.iter().all(|v| matches!(v, Value::Bool(_)))
                    {
                        self.invalid(
                            l.span,
                            "an array of initial values must hold numbers".into(),
                            None,
                        );
                    }
                }
                Value::Expr(code) => {
                    if let Some(e) =
                        check_code_expr(&code.text, code.source, &scope, &mut self.diagnostics)
                        && e.dim != var.dim
                    {
                        let err = ModelError::DimensionMismatch {
                            span: e.span,
                            context: format!("the initial value of `{}`", key.value),
                            expected: var.dim,
                            found: e.dim,
                        };
                        self.diagnostics
                            .push(err.to_diagnostic().in_source(code.source));
                    }
                }
            }
        }
    }

    fn links(&mut self, g: &ganglion_modelfile::GroupSpec, model: &NeuronGroupModel) {
        for (key, link) in &g.links {
            match model.variable(&key.value) {
                Some(v) if v.linked => {}
                Some(_) => self.invalid(
                    key.span,
                    format!("`{}` is not a linked variable", key.value),
                    Some("declare it with the `(linked)` flag in the model"),
                ),
                None => self.unknown_variable(model, key),
            }
            if !self
                .file
                .groups
                .iter()
                .any(|x| x.name.value == link.group.value)
            {
                self.invalid(
                    link.group.span,
                    format!("unknown group `{}`", link.group.value),
                    None,
                );
            }
        }
        for v in model.variables.iter().filter(|v| v.linked) {
            if !g.links.iter().any(|(k, _)| k.value == v.name) {
                self.invalid(
                    g.name.span,
                    format!(
                        "the linked variable `{}` of group `{}` is not linked to anything",
                        v.name, g.name.value
                    ),
                    Some("add it under `[groups.NAME.links]`"),
                );
            }
        }
    }

    fn run_regularly(&mut self, g: &ganglion_modelfile::GroupSpec, model: &NeuronGroupModel) {
        let ns = self.out.namespace.clone();
        let scope = group_scope(model, &ns);
        for r in &g.run_regularly {
            let code = Code {
                text: &r.code.text,
                source: r.code.source,
            };
            crate::group::check_block(
                code,
                &scope,
                "run_regularly code",
                true,
                &mut self.diagnostics,
            );
            if let Some(dt) = &r.dt {
                self.time(&dt.text, dt.source, "the `dt` of run_regularly");
            }
        }
    }

    fn monitors(&mut self) {
        for m in &self.file.monitors {
            self.check_when(&m.when);
            for t in [&m.start, &m.stop, &m.dt].into_iter().flatten() {
                self.time(&t.text, t.source, "a monitor's time");
            }
            let (source_name, slice) = match ganglion_modelfile::split_subgroup(&m.source.value) {
                Ok(x) => x,
                Err(why) => {
                    self.invalid(
                        m.source.span,
                        why,
                        Some("write a group name, or a slice such as `P[:3200]`"),
                    );
                    continue;
                }
            };
            let source_name = &source_name.to_string();
            let Some(spec) = self.file.group(source_name) else {
                if !self
                    .file
                    .synapses
                    .iter()
                    .any(|s| s.name.value == *source_name)
                {
                    let names = self.file.groups.iter().map(|g| g.name.value.as_str());
                    let hint = crate::expr::closest(source_name, names)
                        .map(|s| format!("did you mean `{s}`?"));
                    self.invalid(
                        m.source.span,
                        format!("unknown group `{source_name}`"),
                        hint.as_deref(),
                    );
                }
                continue;
            };
            let Some(model) = self
                .out
                .groups
                .iter()
                .find(|g| g.name == *source_name)
                .cloned()
            else {
                continue; // its errors are already reported, or it is an input group
            };
            let full = spec.n.as_ref().map_or(0, |n| n.value);
            let n = match slice {
                None => full,
                Some((start, stop)) => {
                    let (start, stop) = (start.unwrap_or(0), stop.unwrap_or(full));
                    if start < 0 || stop > full || start >= stop {
                        self.invalid(
                            m.source.span,
                            format!("the slice [{start}:{stop}] is not a non-empty part of group `{source_name}` of {full} neurons"),
                            None,
                        );
                        continue;
                    }
                    stop - start
                }
            };
            match m.kind.value {
                MonitorKind::Event => {
                    if let Some(e) = &m.event
                        && model.event(&e.value).is_none()
                    {
                        let known = model.events.iter().map(|e| e.name.clone()).collect();
                        self.at_file(ModelError::UnknownEvent {
                            span: e.span,
                            name: e.value.clone(),
                            known,
                        });
                    }
                }
                MonitorKind::Spike if model.event("spike").is_none() => {
                    self.invalid(
                        m.source.span,
                        format!("group `{source_name}` has no threshold, so it never spikes"),
                        Some("give the group a `threshold`, or use an event monitor"),
                    );
                }
                MonitorKind::State if m.variables.is_empty() => {
                    self.invalid(
                        m.name.span,
                        "a state monitor needs `variables`".into(),
                        None,
                    );
                }
                _ => {}
            }
            for v in &m.variables {
                if model.variable(&v.value).is_none() && model.subexpression(&v.value).is_none() {
                    let names = model
                        .variables
                        .iter()
                        .map(|x| x.name.as_str())
                        .chain(model.subexpressions.iter().map(|s| s.name.as_str()));
                    let suggestion = crate::expr::closest(&v.value, names);
                    self.at_file(ModelError::UnknownName {
                        span: v.span,
                        name: v.value.clone(),
                        suggestion,
                    });
                }
            }
            if let Some(Located {
                value: RecordSpec::Indices(ix),
                span,
            }) = &m.record
                && let Some(bad) = ix.iter().find(|&&i| i < 0 || i >= n)
            {
                self.invalid(
                    *span,
                    format!("index {bad} is out of range for group `{source_name}` of {n} neurons"),
                    None,
                );
            }
        }
    }

    fn segments(&mut self) {
        for s in &self.file.segments {
            self.time(&s.duration.text, s.duration.source, "a segment's duration");
            for (key, value) in &s.set {
                if let Some((group, var)) = key.value.split_once('.') {
                    let Some(model) = self.out.groups.iter().find(|g| g.name == group).cloned()
                    else {
                        if self.file.group(group).is_none() {
                            self.invalid(key.span, format!("unknown group `{group}`"), None);
                        }
                        continue;
                    };
                    match model.variable(var) {
                        Some(v) => {
                            if let Value::Expr(code) = value {
                                let ns = self.out.namespace.clone();
                                let scope = group_scope(&model, &ns);
                                if let Some(e) = check_code_expr(
                                    &code.text,
                                    code.source,
                                    &scope,
                                    &mut self.diagnostics,
                                ) && e.dim != v.dim
                                {
                                    let err = ModelError::DimensionMismatch {
                                        span: e.span,
                                        context: format!("the value of `{}`", key.value),
                                        expected: v.dim,
                                        found: e.dim,
                                    };
                                    self.diagnostics
                                        .push(err.to_diagnostic().in_source(code.source));
                                }
                            }
                        }
                        None => {
                            let k = Located {
                                value: var.to_string(),
                                span: key.span,
                            };
                            self.unknown_variable(&model, &k);
                        }
                    }
                } else if self.out.namespace.get(&key.value).is_none() {
                    self.invalid(
                        key.span,
                        format!(
                            "`{}` is neither `group.variable` nor a namespace constant",
                            key.value
                        ),
                        Some("write `\"G.v\" = ...` for a group's variable"),
                    );
                } else if let Value::Expr(code) = value {
                    let ns = [&self.out.namespace];
                    if let Err(d) =
                        eval_constant(&code.text, code.source, &ns, "a namespace constant")
                    {
                        self.diagnostics.extend(d);
                    }
                }
            }
        }
    }

    /// Synapses: the model and the pathways' code, checked against the groups they connect.
    fn synapses(&mut self) {
        for s in &self.file.synapses {
            let mut side = |loc: &Located<String>| -> Option<NeuronGroupModel> {
                let name = match ganglion_modelfile::split_subgroup(&loc.value) {
                    Ok((name, _)) => name.to_string(),
                    Err(e) => {
                        self.invalid(loc.span, e, None);
                        return None;
                    }
                };
                let found = self.out.groups.iter().find(|m| m.name == name).cloned();
                if found.is_none() && self.file.groups.iter().all(|g| g.name.value != name) {
                    self.invalid(loc.span, format!("there is no group `{name}`"), None);
                }
                found
            };
            let (Some(source), Some(target)) = (side(&s.source), side(&s.target)) else {
                continue;
            };
            let pathways: Vec<(&ganglion_modelfile::Key, &ganglion_modelfile::Code)> = s
                .on_pre
                .iter()
                .chain(&s.on_post)
                .map(|(k, c)| (k, c))
                .collect();
            let context = crate::group::SynapseContext::new(
                &source,
                &target,
                pathways.iter().map(|(k, _)| k.value.clone()).collect(),
            );
            let on_event = pathways
                .iter()
                .map(|(k, c)| OnEventSpec {
                    event: &k.value,
                    event_location: Location {
                        source: self.file.file,
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
                    source: self.file.file,
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
                crate::group::check_synapses(&spec, &context, &self.out.namespace);
            self.diagnostics.extend(diagnostics);
            if let Some(m) = checked {
                self.out.synapses.push(m);
            }
        }
    }

    /// The conditions of `connect` calls: syntax only (they are checked when the synapses connect).
    fn syntax_only(&mut self) {
        let checked_elsewhere: Vec<SourceId> = Vec::new();
        let _ = checked_elsewhere;
        for s in &self.file.synapses {
            let mut codes: Vec<(&ganglion_modelfile::Code, CodeForm)> = Vec::new();
            for c in &s.connect {
                codes.extend(c.condition.iter().map(|c| (c, CodeForm::Expression)));
            }
            for (code, form) in codes {
                let errors = match form {
                    CodeForm::Equations => ganglion_syntax::parse_equations(&code.text).1,
                    CodeForm::Statements => parse_statements(&code.text).1,
                    _ => parse_expression(&code.text).1,
                };
                self.diagnostics.extend(
                    errors
                        .iter()
                        .map(|e| e.to_diagnostic().in_source(code.source)),
                );
            }
        }
    }
}

/// The scope of a checked group's code: its variables, subexpressions and the run namespace.
pub fn group_scope<'a>(model: &NeuronGroupModel, run_ns: &'a Namespace) -> Scope<'a> {
    let mut scope = Scope {
        namespaces: vec![run_ns],
        ..Scope::default()
    };
    for v in &model.variables {
        scope.variables.insert(
            v.name.clone(),
            crate::expr::VarInfo {
                ty: v.ty,
                dim: v.dim,
                shared: v.shared,
                subexpression: v.kind == VariableKind::ConstantOverDt,
            },
        );
    }
    for s in &model.subexpressions {
        scope.variables.insert(
            s.name.clone(),
            crate::expr::VarInfo {
                ty: s.ty,
                dim: s.dim,
                shared: s.shared,
                subexpression: true,
            },
        );
    }
    scope
}

/// Parses and checks one expression of a code string, reporting into `diagnostics`.
pub fn check_code_expr(
    text: &str,
    source: SourceId,
    scope: &Scope<'_>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<TExpr> {
    let (expr, syntax) = parse_expression(text);
    diagnostics.extend(syntax.iter().map(|e| e.to_diagnostic().in_source(source)));
    let expr = expr?;
    let mut errors = Vec::new();
    let e = check_expr(&expr, scope, &mut errors);
    diagnostics.extend(errors.iter().map(|e| e.to_diagnostic().in_source(source)));
    e
}

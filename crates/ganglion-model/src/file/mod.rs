//! Checking a whole model file into a [`ModelPlan`]: the namespace, timed arrays, `[run]`, every group,
//! synapses, Poisson inputs, monitors, runs and segments. Every problem is a diagnostic pointing into the
//! file; what passes is resolved (times in seconds, slots, code checked) so that building a network from
//! the plan needs no further checks.

mod groups;
mod monitors;
mod synapses;

use ganglion_ir::{DEFAULT_DT, Schedule, Slot};
use ganglion_modelfile::{Index, Located, ModelFile, SliceBounds, Target, Value};
use ganglion_syntax::{Diagnostic, Span};
use ganglion_units::{Dimension, Quantity};

use crate::assign::{Assignment, NotWritable, RawSelection, RawValue, Unfit, Writable};
use crate::error::ModelError;
use crate::expr::{Scope, Special, ValueType};
use crate::group::{Code, Location, SynapseContext};
use crate::model::NeuronGroupModel;
use crate::namespace::{ExternalValue, eval_constant};
use crate::plan::{ModelPlan, Report, RunSettings, Side, Timing};

/// The model of a PoissonGroup: Brian2's `PoissonGroup` is a NeuronGroup with a rate per neuron and the
/// threshold `rand() < rates*dt`.
pub const POISSON_MODEL: &str = "rates : Hz";
/// The threshold of a PoissonGroup.
pub const POISSON_THRESHOLD: &str = "rand() < rates*dt";

/// Checks every part of a model file. Returns the plan of what passed and all diagnostics; the plan is
/// complete only when no diagnostic is an error.
pub fn check_model_file(file: &ModelFile) -> (ModelPlan, Vec<Diagnostic>) {
    let mut cx = FileChecker {
        file,
        diagnostics: Vec::new(),
        plan: ModelPlan::default(),
        contexts: Vec::new(),
    };
    cx.namespace();
    cx.timed_arrays();
    cx.run();
    for g in &file.groups {
        cx.group(g);
    }
    cx.links();
    cx.synapses();
    cx.poisson_inputs();
    cx.monitors();
    cx.segments();
    (cx.plan, cx.diagnostics)
}

struct FileChecker<'f> {
    file: &'f ModelFile,
    diagnostics: Vec<Diagnostic>,
    plan: ModelPlan,
    /// What each Synapses object sees of its groups, by name (for its initial values, monitors and
    /// changes between runs).
    contexts: Vec<(String, SynapseContext)>,
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

    /// A location in the file itself (a key, a number).
    fn here(&self, span: Span) -> Location {
        Location {
            source: self.file.file,
            span,
        }
    }

    /// Evaluates a constant expression against the run namespace.
    fn constant(&mut self, code: &ganglion_modelfile::Code, what: &str) -> Option<ExternalValue> {
        match eval_constant(&code.text, code.source, &[&self.plan.namespace], what) {
            Ok(v) => Some(v),
            Err(d) => {
                self.diagnostics.extend(d);
                None
            }
        }
    }

    /// Evaluates a constant that must be a time (`dt`, `duration`).
    fn time(&mut self, code: &ganglion_modelfile::Code, what: &str) -> Option<f64> {
        let v = self.constant(code, what)?;
        if v.dim != Dimension::TIME {
            let e = ModelError::DimensionMismatch {
                span: Span::new(0, code.text.len()),
                context: what.to_string(),
                expected: Dimension::TIME,
                found: v.dim,
            };
            self.diagnostics
                .push(e.to_diagnostic().in_source(code.source));
            return None;
        }
        Some(v.value)
    }

    /// A time that must be positive (a time step).
    fn positive_time(&mut self, code: &ganglion_modelfile::Code, what: &str) -> Option<f64> {
        let t = self.time(code, what)?;
        if t <= 0.0 {
            self.invalid(code.span, "`dt` must be positive".into(), None);
            return None;
        }
        Some(t)
    }

    /// A time written as a number of seconds or as an expression with units.
    fn time_value(&mut self, v: &Value, what: &str) -> Option<f64> {
        match v {
            Value::Number(n) => Some(n.value),
            Value::Integer(n) => Some(n.value as f64),
            Value::Expr(c) => self.time(c, what),
            other => {
                self.invalid(other.span(), format!("{what} is a time"), None);
                None
            }
        }
    }

    /// Warns when a namespace constant or timed array (`name`, written at `span`) hides a special
    /// symbol, a built-in constant, a unit or a function.
    fn warn_shadowed(&mut self, name: &str, span: Span) {
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
                span,
                name: name.into(),
                what,
            });
        }
    }

    fn namespace(&mut self) {
        for (key, value) in &self.file.namespace {
            let name = key.value.as_str();
            if name.starts_with('_') {
                self.at_file(ModelError::NamespaceUnderscore {
                    span: key.span,
                    name: name.into(),
                });
                continue;
            }
            self.warn_shadowed(name, key.span);
            let v = match value {
                Value::List(l) => {
                    self.at_file(ModelError::NamespaceNotConstant {
                        span: l.span,
                        name: name.into(),
                    });
                    None
                }
                other => self.constant_value(other, &format!("the namespace entry `{name}`")),
            };
            if let Some(v) = v {
                if !v.value.is_finite() {
                    self.at_file(ModelError::NotFinite {
                        span: key.span,
                        name: name.into(),
                        value: v.value,
                    });
                }
                self.plan.namespace.insert(name, v);
            }
        }
        self.promote_constants();
    }

    /// An integer constant that a segment sets to a float is a float from the start (Brian2 looks the
    /// name up anew at every `run()`, so `eta = 0` then `eta = 1e-2` runs with 0.01): the models are
    /// checked and compiled with a float that holds both values.
    fn promote_constants(&mut self) {
        for (target, value) in self.file.segments.iter().flat_map(|s| &s.set) {
            let name = target.name.value.as_str();
            let is_int = |v: &ExternalValue| v.ty == ValueType::Int;
            if target.index.is_some() || !self.plan.namespace.get(name).is_some_and(is_int) {
                continue;
            }
            // The segment's own check reports any problem with the value; here it is only looked at.
            let reported = self.diagnostics.len();
            let new = self.constant_value(value, "a namespace constant");
            self.diagnostics.truncate(reported);
            if new.is_some_and(|v| v.ty == ValueType::Float) {
                let old = self.plan.namespace.get(name).cloned();
                if let Some(old) = old {
                    let promoted = ExternalValue {
                        ty: ValueType::Float,
                        ..old
                    };
                    self.plan.namespace.insert(name, promoted);
                }
            }
        }
    }

    /// A namespace constant's value: a number, an integer, a boolean or a constant expression.
    fn constant_value(&mut self, value: &Value, what: &str) -> Option<ExternalValue> {
        match value {
            Value::Number(n) => Some(ExternalValue::float(n.value)),
            Value::Integer(n) => Some(ExternalValue::int(n.value)),
            Value::Bool(b) => Some(ExternalValue::bool(b.value)),
            Value::Expr(code) => self.constant(code, what),
            Value::List(l) => {
                self.invalid(
                    l.span,
                    "a namespace constant cannot be an array".into(),
                    None,
                );
                None
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
            if self.plan.namespace.get(name).is_some() {
                self.invalid(
                    t.name.span,
                    format!("`{name}` is both a namespace constant and a timed array"),
                    Some("rename one of them"),
                );
                continue;
            }
            self.warn_shadowed(name, t.name.span);
            if let Some(data) = crate::inputs::timed_array_from_file(
                t,
                self.file.file,
                &self.plan.namespace,
                &mut self.diagnostics,
            ) {
                self.plan
                    .namespace
                    .insert_timed_array(name, data.info.clone());
                self.plan.timed_arrays.push(data);
            }
        }
    }

    fn run(&mut self) {
        let run = &self.file.run;
        let mut settings = RunSettings::default();
        if let Some(d) = &run.duration
            && let Some(t) = self.time(d, "the duration")
            && t < 0.0
        {
            self.invalid(d.span, "the duration cannot be negative".into(), None);
        }
        if let Some(d) = &run.dt {
            settings.dt = self.positive_time(d, "`dt`");
        }
        if run.duration.is_some() && !self.file.segments.is_empty() {
            let span = run.duration.as_ref().map(|d| d.span).unwrap_or_default();
            self.invalid(
                span,
                "the file has both `[run] duration` and `[[segments]]`".into(),
                Some("give the durations in the segments only"),
            );
        }
        if let Some(t) = &run.threads {
            match usize::try_from(t.value) {
                Ok(n) => settings.threads = Some(n),
                Err(_) => self.invalid(
                    t.span,
                    "`threads` cannot be negative".into(),
                    Some("0 means all cores"),
                ),
            }
        }
        settings.seed = run.seed.as_ref().map(|s| s.value as u64);
        if let Some(r) = &run.report {
            settings.report = Report::from_name(&r.value);
            if settings.report.is_none() {
                self.invalid(
                    r.span,
                    format!("unknown report `{}`", r.value),
                    Some("use `text`, `stdout` or `stderr`"),
                );
            }
        }
        if let Some(slots) = &run.schedule {
            let mut valid = true;
            for s in slots {
                if s.value.starts_with("before_") || s.value.starts_with("after_") {
                    valid = false;
                    self.invalid(
                        s.span,
                        format!("`{}` cannot be a slot of a schedule", s.value),
                        Some("`before_` and `after_` slots exist for every slot automatically"),
                    );
                }
            }
            if valid {
                match Schedule::new(slots.iter().map(|s| &s.value)) {
                    Ok(schedule) => settings.schedule = Some(schedule),
                    Err(e) => {
                        let span = slots.first().map_or(Span::default(), |s| s.span);
                        self.invalid(span, e.to_string(), None);
                    }
                }
            }
        }
        self.plan.run = settings;
    }

    /// The default clock's time step.
    fn run_dt(&self) -> f64 {
        self.plan.run.dt.unwrap_or(DEFAULT_DT)
    }

    /// The schedule objects are placed in.
    fn schedule(&self) -> Schedule {
        self.plan.run.schedule.clone().unwrap_or_default()
    }

    /// A scheduling slot, checked against the schedule.
    fn slot(&mut self, when: &Located<String>) -> Option<Slot> {
        let schedule = self.schedule();
        let slot = Slot::parse(&when.value).ok();
        if let Some(s) = &slot
            && schedule.check(s).is_ok()
        {
            return slot;
        }
        let slots = schedule.slots();
        let hint = crate::expr::closest(&when.value, slots.iter().map(String::as_str))
            .map(|s| format!("did you mean `{s}`?"))
            .unwrap_or_else(|| format!("the slots are: {}", slots.join(", ")));
        self.invalid(
            when.span,
            format!("unknown scheduling slot `{}`", when.value),
            Some(&hint),
        );
        None
    }

    /// An object's `when` and `order`.
    fn timing(&mut self, when: &Option<Located<String>>, order: &Option<Located<i64>>) -> Timing {
        Timing {
            when: when.as_ref().and_then(|w| self.slot(w)),
            order: order.as_ref().map(|o| o.value),
        }
    }

    /// A group, synapses or slice named by a monitor, a Poisson input or synapses: its name and the
    /// neurons of the slice (Python's negative bounds count from the end). `None` after reporting why
    /// not.
    fn side(&mut self, loc: &Located<String>, hint: Option<&str>) -> Option<(Side, usize)> {
        let (name, slice) = match ganglion_modelfile::split_subgroup(&loc.value) {
            Ok(x) => x,
            Err(why) => {
                self.invalid(loc.span, why, hint);
                return None;
            }
        };
        let n = match self.file.group(name) {
            Some(g) => g.n.as_ref().map_or(0, |n| n.value),
            None => 0,
        };
        let range = match slice {
            None => None,
            Some((a, z)) => {
                let fix = |x: i64| if x < 0 { (n + x).max(0) } else { x.min(n) };
                let (start, stop) = (fix(a.unwrap_or(0)), fix(z.unwrap_or(n)));
                if start >= stop {
                    self.invalid(
                        loc.span,
                        format!("the slice [{start}:{stop}] is not a non-empty part of group `{name}` of {n} neurons"),
                        None,
                    );
                    return None;
                }
                Some((start as usize, stop as usize))
            }
        };
        let size = range.map_or(n.max(0) as usize, |(a, z)| z - a);
        Some((
            Side {
                group: name.to_string(),
                range,
            },
            size,
        ))
    }

    /// The checked model of a group or synapses, and the synapses' context.
    fn model_of(&self, name: &str) -> Option<(&NeuronGroupModel, Option<&SynapseContext>)> {
        if let Some(g) = self.plan.groups.iter().find(|g| g.model.name == name) {
            return Some((&g.model, None));
        }
        let s = self.plan.synapses.iter().find(|s| s.model.name == name)?;
        let context = self
            .contexts
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, c)| c);
        Some((&s.model, context))
    }

    /// Checks an assignment written in the file (`[groups.G.init]`, a segment's `set`): the target names
    /// the variable (`variable`, the part of the key after `G.` in a segment) and perhaps which elements;
    /// the value is a number, a boolean, an array of numbers or an expression. `context` names the value
    /// in messages.
    fn assignment(
        &mut self,
        model: &NeuronGroupModel,
        synapse: Option<&SynapseContext>,
        target: &Target,
        variable: &str,
        value: &Value,
        context: &str,
    ) -> Option<Assignment> {
        let key = &target.key;
        let writable = self.writable(model, synapse.is_some(), key, variable)?;
        // Synapses are counted when they are built; until then their size is unknown.
        let n = match synapse {
            Some(_) => None,
            None if writable.shared => Some(1),
            None => Some(model.n),
        };
        let indices = match &target.index {
            Some(Index::Element(k)) => Some(self.element(k, n)?),
            Some(Index::Slice(bounds)) => Some(self.slice(bounds, n)?),
            _ => None,
        };
        let selection = match (&target.index, &indices) {
            (Some(Index::Where(c)), _) => RawSelection::Where(Code {
                text: &c.text,
                source: c.source,
            }),
            (_, Some(ix)) => RawSelection::Indices(ix),
            _ => RawSelection::All,
        };
        let numbers;
        let raw = match value {
            Value::Number(x) => RawValue::Quantity(Quantity::dimensionless(x.value)),
            Value::Integer(x) => RawValue::Quantity(Quantity::dimensionless(x.value as f64)),
            Value::Bool(b) => {
                RawValue::Quantity(Quantity::dimensionless(f64::from(u8::from(b.value))))
            }
            Value::List(l) => {
                let parsed: Option<Vec<f64>> = l
                    .value
                    .iter()
                    .map(|x| match x {
                        Value::Number(n) => Some(n.value),
                        Value::Integer(n) => Some(n.value as f64),
                        Value::Bool(b) => Some(f64::from(u8::from(b.value))),
                        _ => None,
                    })
                    .collect();
                let Some(v) = parsed else {
                    self.invalid(
                        l.span,
                        "an array of initial values must hold numbers".into(),
                        None,
                    );
                    return None;
                };
                numbers = v;
                RawValue::Values(&numbers)
            }
            Value::Expr(c) => RawValue::Expr(Code {
                text: &c.text,
                source: c.source,
            }),
        };
        match crate::assign::check_value(writable, n.unwrap_or(usize::MAX), &raw, &selection) {
            // How many synapses there are is checked when they are built.
            Err(Unfit::Length { .. }) if n.is_none() => {}
            Err(unfit) => {
                self.unfit(unfit, key, variable, value, context);
                return None;
            }
            Ok(()) => {}
        }
        let ns = &self.plan.namespace;
        let scope: Scope<'_> = match synapse {
            Some(c) => crate::scope::synapse_scope(model, c, ns),
            None => crate::scope::group_scope(model, ns),
        };
        match crate::assign::check_assignment(variable, writable, &raw, &selection, &scope, context)
        {
            Ok(a) => Some(a),
            Err(d) => {
                self.diagnostics.extend(d);
                None
            }
        }
    }

    /// The element `[k]` of a variable of `n` elements (`None`: not known before the run); negative
    /// `k` counts from the end.
    fn element(&mut self, k: &Located<i64>, n: Option<usize>) -> Option<Vec<usize>> {
        let resolved = match (k.value, n) {
            (k, Some(n)) if k < 0 => (n as i64 + k).try_into().ok(),
            (k, _) => usize::try_from(k).ok(),
        };
        match (resolved, n) {
            (Some(i), Some(n)) if i < n => Some(vec![i]),
            (Some(i), None) => Some(vec![i]),
            _ => {
                let what = match n {
                    Some(n) => format!("index {} is outside the variable's {n} elements", k.value),
                    None => format!(
                        "index {} counts from the end of synapses that do not exist yet",
                        k.value
                    ),
                };
                self.invalid(
                    k.span,
                    what,
                    Some("indices start at 0; a negative index counts from the end of a group"),
                );
                None
            }
        }
    }

    /// The elements of the slice `[a:b]` of a variable of `n` elements (Python's rules: negative
    /// bounds count from the end, bounds past the end are clipped).
    fn slice(&mut self, bounds: &Located<SliceBounds>, n: Option<usize>) -> Option<Vec<usize>> {
        let (a, b) = bounds.value;
        let Some(n) = n else {
            if let (Some(a @ 0..), Some(b @ 0..)) = (a.or(Some(0)), b) {
                return Some((a as usize..b.max(a) as usize).collect());
            }
            self.invalid(
                bounds.span,
                "a slice of synapses needs a non-negative start and an end".into(),
                Some("the number of synapses is known only once they are built: give both bounds, or a condition on `i` and `j`"),
            );
            return None;
        };
        let resolve = |x: i64| -> usize {
            if x < 0 {
                (n as i64 + x).max(0) as usize
            } else {
                (x as usize).min(n)
            }
        };
        let start = a.map_or(0, resolve);
        let stop = b.map_or(n, resolve);
        Some((start..stop.max(start)).collect())
    }

    /// What an assignment may write, or the diagnostic saying why not.
    fn writable(
        &mut self,
        model: &NeuronGroupModel,
        synapses: bool,
        key: &Located<String>,
        variable: &str,
    ) -> Option<Writable> {
        match crate::assign::writable(model, synapses, variable) {
            Ok(w) => Some(w),
            Err(NotWritable::Unknown { suggestion }) => {
                self.at_file(ModelError::UnknownName {
                    span: key.span,
                    name: variable.to_string(),
                    suggestion,
                });
                None
            }
            Err(NotWritable::Subexpression) => {
                self.at_file(ModelError::ReadOnly {
                    span: key.span,
                    name: variable.to_string(),
                    reason: "it is a subexpression",
                });
                None
            }
            Err(NotWritable::ReadOnly { .. }) => {
                self.at_file(ModelError::ReadOnly {
                    span: key.span,
                    name: variable.to_string(),
                    reason: "it is read-only",
                });
                None
            }
        }
    }

    /// Reports a value that does not fit its variable.
    fn unfit(
        &mut self,
        unfit: Unfit,
        key: &Located<String>,
        variable: &str,
        value: &Value,
        context: &str,
    ) {
        match unfit {
            Unfit::Units { given, expected } => self.at_file(ModelError::DimensionMismatch {
                span: value.span(),
                context: context.to_string(),
                expected,
                found: given.dim,
            }),
            Unfit::Length { given, expected } => self.invalid(
                value.span(),
                format!("`{variable}` has {given} values for {expected} elements"),
                Some("give one value per element (in SI units), or an expression"),
            ),
            Unfit::NotWhole => self.invalid(
                value.span(),
                format!("`{variable}` is an integer variable; the values must be whole numbers"),
                None,
            ),
            Unfit::ValuesWithCondition => self.invalid(
                value.span(),
                format!("an array of values for `{variable}` cannot go with a condition"),
                Some("give one value or an expression; the condition picks the elements it applies to"),
            ),
            Unfit::Index { index, len } => self.invalid(
                key.span,
                format!("index {index} is outside `{variable}`'s {len} elements"),
                None,
            ),
        }
    }
}

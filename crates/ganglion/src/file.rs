//! Building a network from a model file (the CLI's input), with diagnostics that point into the file.

use ganglion_model::{Code, ExternalValue, eval_constant};
use ganglion_modelfile::{
    GroupKind, Located, MethodSpec, ModelFile, MonitorKind, RecordSpec, Value,
};
use ganglion_syntax::{Diagnostic, SourceId, Span};
use ganglion_units::Dimension;

use crate::monitors::{EventMonitor, RateMonitor, Record, SpikeMonitor, StateMonitor};
use crate::network::{BackendChoice, Error, GroupHandle, Network, SetValue};

/// One `run()` of a model file, with the state set before it.
#[derive(Clone, Debug)]
pub struct Segment {
    /// How long it runs (seconds).
    pub duration: f64,
    /// What is set before it.
    pub set: Vec<SetOp>,
}

/// A change of state between runs.
#[derive(Clone, Debug)]
pub enum SetOp {
    /// A group's variable.
    Variable {
        /// The group.
        group: GroupHandle,
        /// The variable.
        variable: String,
        /// The value.
        value: FileValue,
    },
    /// A namespace constant.
    Constant {
        /// Its name.
        name: String,
        /// Its new value.
        value: ExternalValue,
    },
}

/// A value from a model file.
#[derive(Clone, Debug)]
pub enum FileValue {
    /// A plain number, array or boolean (SI units).
    Set(SetValue),
    /// An expression, with where it is written.
    Expr(String, SourceId),
}

/// What a model file asks to run.
#[derive(Clone, Debug)]
pub struct RunPlan {
    /// The runs, in order.
    pub segments: Vec<Segment>,
    /// `[run] report`.
    pub report: Option<String>,
}

impl RunPlan {
    /// Total simulated time (seconds).
    pub fn duration(&self) -> f64 {
        self.segments.iter().map(|s| s.duration).sum()
    }
}

struct Builder<'f> {
    file: &'f ModelFile,
    net: Network,
    errors: Vec<Diagnostic>,
}

impl Builder<'_> {
    fn fail(&mut self, span: Span, message: String, hint: Option<&str>) {
        let mut d = Diagnostic::error(message, span)
            .with_code("model-file")
            .in_source(self.file.file);
        if let Some(h) = hint {
            d = d.with_hint(h);
        }
        self.errors.push(d);
    }

    fn absorb(&mut self, e: Error, span: Span) {
        match e {
            Error::Model { diagnostics, .. } => self.errors.extend(diagnostics),
            Error::Usage(m) => self.fail(span, m, None),
            Error::Run(r) => self.fail(span, r.to_string(), None),
        }
    }

    fn constant(&mut self, code: &ganglion_modelfile::Code, what: &str) -> Option<ExternalValue> {
        match eval_constant(&code.text, code.source, &[&self.net.namespace], what) {
            Ok(v) => Some(v),
            Err(d) => {
                self.errors.extend(d);
                None
            }
        }
    }

    fn time(&mut self, code: &ganglion_modelfile::Code, what: &str) -> Option<f64> {
        let v = self.constant(code, what)?;
        if v.dim != Dimension::TIME {
            let e = ganglion_model::ModelError::DimensionMismatch {
                span: Span::new(0, code.text.len()),
                context: what.to_string(),
                expected: Dimension::TIME,
                found: v.dim,
            };
            self.errors.push(e.to_diagnostic().in_source(code.source));
            return None;
        }
        Some(v.value)
    }

    fn file_value(&mut self, v: &Value) -> Option<FileValue> {
        Some(match v {
            Value::Number(n) => FileValue::Set(SetValue::Values(vec![n.value])),
            Value::Integer(n) => FileValue::Set(SetValue::Values(vec![n.value as f64])),
            Value::Bool(b) => FileValue::Set(SetValue::Values(vec![f64::from(u8::from(b.value))])),
            Value::List(l) => {
                let values: Option<Vec<f64>> = l
                    .value
                    .iter()
                    .map(|x| match x {
                        Value::Number(n) => Some(n.value),
                        Value::Integer(n) => Some(n.value as f64),
                        Value::Bool(b) => Some(f64::from(u8::from(b.value))),
                        _ => None,
                    })
                    .collect();
                match values {
                    Some(v) => FileValue::Set(SetValue::Values(v)),
                    None => {
                        self.fail(l.span, "an array of values must hold numbers".into(), None);
                        return None;
                    }
                }
            }
            Value::Expr(c) => FileValue::Expr(c.text.clone(), c.source),
        })
    }
}

impl Builder<'_> {
    /// A `kind = "spike_generator"` group: `indices`, `times` (seconds, or expressions with units) and
    /// an optional replay `period`.
    fn spike_generator(&mut self, spec: &ganglion_modelfile::GroupSpec) -> Option<GroupHandle> {
        let n = spec.n.as_ref().map_or(0, |n| n.value.max(0) as usize);
        let Some(indices) = &spec.indices else {
            self.fail(
                spec.name.span,
                format!("the spike generator `{}` has no `indices`", spec.name.value),
                None,
            );
            return None;
        };
        let times: Vec<f64> = match &spec.times {
            Some(Value::List(l)) => {
                let mut out = Vec::new();
                for x in &l.value {
                    match x {
                        Value::Number(v) => out.push(v.value),
                        Value::Integer(v) => out.push(v.value as f64),
                        Value::Expr(c) => out.push(self.time(c, "a spike time")?),
                        other => {
                            self.fail(other.span(), "a spike time".into(), None);
                            return None;
                        }
                    }
                }
                out
            }
            Some(other) => {
                self.fail(other.span(), "`times` is a list of times".into(), None);
                return None;
            }
            None => {
                self.fail(
                    spec.name.span,
                    format!("the spike generator `{}` has no `times`", spec.name.value),
                    None,
                );
                return None;
            }
        };
        if indices.value.iter().any(|&k| k < 0) {
            self.fail(indices.span, "neuron indices are not negative".into(), None);
            return None;
        }
        let mut g = crate::SpikeGeneratorGroup::new(
            n,
            indices.value.iter().map(|&k| k as usize).collect(),
            times,
        )
        .name(spec.name.value.clone());
        if let Some(p) = &spec.period {
            g = g.period(self.time(p, "the replay period")?);
        }
        match self.net.add_spike_generator(g) {
            Ok(h) => Some(h),
            Err(e) => {
                self.absorb(e, spec.name.span);
                None
            }
        }
    }

    /// The group (or slice of one) a synapse side names.
    fn side(
        &mut self,
        loc: &Located<String>,
        handles: &[(String, GroupHandle)],
    ) -> Option<crate::Subgroup> {
        let (name, slice) = ganglion_modelfile::split_subgroup(&loc.value).ok()?;
        let (_, g) = handles.iter().find(|(n, _)| n == name)?;
        let n = self.net.group_size(*g) as i64;
        Some(match slice {
            None => crate::Subgroup::from(*g),
            Some((a, z)) => {
                // Python slices: negative bounds count from the end.
                let fix = |x: i64| if x < 0 { (n + x).max(0) } else { x.min(n) } as usize;
                g.slice(fix(a.unwrap_or(0)), fix(z.unwrap_or(n)))
            }
        })
    }

    /// Adds a `[synapses.NAME]` table: the synapses, their connect calls, their initial values.
    fn synapses(
        &mut self,
        s: &ganglion_modelfile::SynapsesSpec,
        checked: &ganglion_model::CheckedModelFile,
        handles: &[(String, GroupHandle)],
    ) -> Option<GroupHandle> {
        let model = checked
            .synapses
            .iter()
            .find(|m| m.name == s.name.value)?
            .clone();
        let source = self.side(&s.source, handles)?;
        let target = self.side(&s.target, handles)?;
        let mut syn = crate::Synapses::new(
            source,
            target,
            s.model.as_ref().map_or(String::new(), |m| m.text.clone()),
        )
        .name(s.name.value.clone());
        for (k, c) in s.on_pre.iter().chain(&s.on_post) {
            syn = syn.pathway(k.value.clone(), c.text.clone());
        }
        for (k, e) in &s.on_event {
            syn = syn.on_event(k.value.clone(), e.value.clone());
        }
        match &s.delay {
            None => {}
            Some(Value::Expr(c)) => syn = syn.delay(self.time(c, "the synapses' `delay`")?),
            Some(Value::Number(n)) => syn = syn.delay(n.value),
            Some(Value::Integer(n)) => syn = syn.delay(n.value as f64),
            Some(other) => {
                self.fail(other.span(), "a delay is a time".into(), None);
                return None;
            }
        }
        match &s.method {
            None => {}
            Some(MethodSpec::One(c)) => syn = syn.method(c.text.clone()),
            Some(MethodSpec::List(l)) => {
                syn.methods = l.iter().map(|c| c.text.clone()).collect();
            }
        }
        if let Some(dt) = &s.dt {
            let dt = self.time(dt, "the synapses' `dt`")?;
            syn = syn.clock(crate::group::ClockChoice::Dt(dt));
        }
        if let Some(o) = &s.order {
            syn = syn.order(o.value);
        }
        self.net.reserve_name(&s.name.value);
        let h = match self.net.add_checked_synapses(syn, model) {
            Ok(h) => h,
            Err(e) => {
                self.absorb(e, s.name.span);
                return None;
            }
        };
        for c in &s.connect {
            let mut spec = crate::Connect::all();
            let ints = |b: &mut Self, v: &Value| -> Option<Vec<usize>> {
                match v.as_numbers() {
                    Some(xs) if xs.iter().all(|x| *x >= 0.0 && x.fract() == 0.0) => {
                        Some(xs.iter().map(|x| *x as usize).collect())
                    }
                    _ => {
                        b.fail(v.span(), "expected neuron indices".into(), None);
                        None
                    }
                }
            };
            match (&c.i, &c.j) {
                (Some(i), Some(j)) => {
                    let (Some(i), Some(j)) = (ints(self, i), ints(self, j)) else {
                        continue;
                    };
                    spec = crate::Connect::pairs(i, j);
                }
                (None, Some(Value::Expr(code))) if code.text.trim() == "i" => {
                    spec = crate::Connect::one_to_one();
                }
                (None, Some(Value::Expr(code))) => {
                    spec = crate::Connect::generator(code.text.clone());
                }
                (None, None) => {}
                (_, Some(v)) | (Some(v), None) => {
                    self.fail(
                        v.span(),
                        "connect: give `i` and `j` as index arrays together, or `j` as a generator (`\"k for k in range(i-3, i+4)\"`)".into(),
                        None,
                    );
                    continue;
                }
            }
            if let Some(cond) = &c.condition {
                spec.condition = Some(cond.text.clone());
            }
            if let Some(skip) = &c.skip_if_invalid {
                spec = spec.skip_if_invalid(skip.value);
            }
            match &c.p {
                None => {}
                Some(Value::Number(n)) => spec = spec.p(n.value),
                Some(Value::Integer(n)) => spec = spec.p(n.value as f64),
                Some(Value::Expr(code)) => spec = spec.p_expr(code.text.clone()),
                Some(other) => {
                    self.fail(
                        other.span(),
                        "`p` is a number or an expression".into(),
                        None,
                    );
                    continue;
                }
            }
            match &c.n {
                None => {}
                Some(Value::Integer(n)) if n.value >= 0 => spec = spec.n(n.value as usize),
                Some(other) => {
                    self.fail(
                        other.span(),
                        "`n` is a number of synapses per pair".into(),
                        None,
                    );
                    continue;
                }
            }
            let span = c.condition.as_ref().map_or(s.name.span, |x| x.span);
            if let Err(e) = self.net.connect(h, spec) {
                self.absorb(e, span);
            }
        }
        for (key, value) in &s.init {
            let Some(v) = self.file_value(value) else {
                continue;
            };
            if let Err(e) = self.net.set_from_file(h, &key.value, &v) {
                self.absorb(e, value.span());
            }
        }
        Some(h)
    }
}

impl Builder<'_> {
    /// Adds a `[poisson_inputs.NAME]` table.
    fn poisson_input(
        &mut self,
        p: &ganglion_modelfile::PoissonInputSpec,
        handles: &[(String, GroupHandle)],
    ) {
        let Some(target) = self.side(&p.target, handles) else {
            return;
        };
        let rate = match &p.rate {
            Value::Expr(c) => match self.constant(c, "a Poisson input's rate") {
                Some(v) => v.value,
                None => return,
            },
            Value::Number(n) => n.value,
            Value::Integer(n) => n.value as f64,
            other => {
                self.fail(
                    other.span(),
                    "a rate is a quantity such as `\"5*Hz\"`".into(),
                    None,
                );
                return;
            }
        };
        let (text, source) = match &p.weight {
            Value::Expr(c) => (c.text.clone(), c.source),
            Value::Number(_) | Value::Integer(_) => {
                let x = match &p.weight {
                    Value::Number(n) => n.value,
                    Value::Integer(n) => n.value as f64,
                    _ => 0.0,
                };
                let text = format!("{x:?}");
                let source = self
                    .net
                    .sources
                    .add_standalone(format!("<weight of {}>", p.name.value), text.clone());
                (text, source)
            }
            other => {
                self.fail(
                    other.span(),
                    "a weight is a quantity or an expression".into(),
                    None,
                );
                return;
            }
        };
        let mut input = crate::PoissonInput::new(
            target,
            p.variable.value.clone(),
            p.n.value.max(0) as u64,
            rate,
            text.clone(),
        )
        .name(p.name.value.clone());
        if let Some(w) = &p.when {
            input = input.when(w.value.clone());
        }
        if let Some(o) = &p.order {
            input = input.order(o.value);
        }
        let variable_at = ganglion_model::Location {
            source: self.file.file,
            span: p.variable.span,
        };
        let code = Code {
            text: &text,
            source,
        };
        if let Err(e) = self.net.add_poisson_input_at(&input, code, variable_at) {
            self.absorb(e, p.name.span);
        }
    }
}

impl Network {
    /// Sets a variable from a model-file value (a number is broadcast; SI units).
    pub fn set_from_file(
        &mut self,
        g: GroupHandle,
        var: &str,
        value: &FileValue,
    ) -> Result<(), Error> {
        match value {
            FileValue::Set(SetValue::Values(v)) if v.len() == 1 => {
                let n = self.group_size(g);
                let shared = self.model(g).variable(var).is_some_and(|x| x.shared);
                let len = if shared { 1 } else { n };
                self.set(g, var, SetValue::Values(vec![v[0]; len]))
            }
            FileValue::Set(s) => self.set(g, var, s.clone()),
            FileValue::Expr(text, source) => self.set_expr(g, var, text, *source, None, None),
        }
    }

    /// Applies a change of state between runs.
    pub fn apply(&mut self, op: &SetOp) -> Result<(), Error> {
        match op {
            SetOp::Variable {
                group,
                variable,
                value,
            } => self.set_from_file(*group, variable, value),
            SetOp::Constant { name, value } => {
                self.namespace.insert(name.clone(), value.clone());
                Ok(())
            }
        }
    }

    /// Builds the network a model file describes. Diagnostics point into the file.
    pub fn from_model_file(
        mut file: ModelFile,
        backend: BackendChoice,
    ) -> Result<(Network, RunPlan), Error> {
        let (checked, diagnostics) = ganglion_model::check_model_file_full(&file);
        let (errors, warnings): (Vec<_>, Vec<_>) =
            diagnostics.into_iter().partition(Diagnostic::is_error);
        let sources = std::mem::take(&mut file.sources);
        let mut net = Network::new(backend);
        net.sources = sources;
        net.warnings = warnings;
        if !errors.is_empty() {
            let rendered = net.sources.render(&errors, false);
            return Err(Error::Model {
                diagnostics: errors,
                rendered,
            });
        }
        net.namespace = checked.namespace.clone();
        for t in &checked.timed_arrays {
            net.install_timed_array(t.clone());
        }
        let mut b = Builder {
            file: &file,
            net,
            errors: Vec::new(),
        };
        let run = &file.run;
        if let Some(dt) = &run.dt
            && let Some(v) = b.time(dt, "`dt`")
            && let Err(e) = b.net.set_dt(v)
        {
            b.absorb(e, dt.span);
        }
        if let Some(seed) = &run.seed {
            b.net.seed(seed.value as u64);
        }
        if let Some(threads) = &run.threads {
            if threads.value < 0 {
                b.fail(
                    threads.span,
                    "`threads` is 0 (every core) or a number of threads".into(),
                    None,
                );
            } else {
                b.net.set_threads(threads.value as usize);
            }
        }
        if let Some(schedule) = &run.schedule
            && let Err(e) = b.net.set_schedule(schedule.iter().map(|s| s.value.clone()))
        {
            b.absorb(e, schedule.first().map_or(Span::default(), |s| s.span));
        }
        let mut handles: Vec<(String, GroupHandle)> = Vec::new();
        for spec in &file.groups {
            if spec.kind == GroupKind::SpikeGenerator {
                if let Some(g) = b.spike_generator(spec) {
                    handles.push((spec.name.value.clone(), g));
                }
                continue;
            }
            if spec.kind == GroupKind::Poisson && spec.rates.is_none() {
                b.fail(
                    spec.name.span,
                    format!("the PoissonGroup `{}` has no `rates`", spec.name.value),
                    Some("add `rates = \"15*Hz\"` (a rate, or an expression per neuron)"),
                );
                continue;
            }
            let Some(model) = checked
                .groups
                .iter()
                .find(|m| m.name == spec.name.value)
                .cloned()
            else {
                continue;
            };
            let clock = match &spec.dt {
                Some(dt) => match b.time(dt, "the group's `dt`") {
                    Some(v) if v == b.net.dt() => None,
                    Some(v) => Some(v),
                    None => continue,
                },
                None => None,
            };
            let clock = match clock {
                None => crate::group::ClockChoice::Default,
                Some(dt) => crate::group::ClockChoice::Dt(dt),
            };
            let clock_id = match b.net.clock_for(&clock, &spec.name.value) {
                Ok(c) => c,
                Err(e) => {
                    b.absorb(e, spec.name.span);
                    continue;
                }
            };
            let (methods, method_source) = match &spec.method {
                None => (
                    ganglion_lower::methods::DEFAULT_METHODS
                        .iter()
                        .map(|s| s.to_string())
                        .collect(),
                    None,
                ),
                Some(MethodSpec::One(c)) => (vec![c.text.clone()], Some(c.source)),
                Some(MethodSpec::List(l)) => (
                    l.iter().map(|c| c.text.clone()).collect(),
                    l.first().map(|c| c.source),
                ),
            };
            let mut dtypes = ganglion_lower::Dtypes::default();
            match &spec.dtype {
                Some(ganglion_modelfile::DtypeSpec::All(d)) => {
                    dtypes.all_f32 = matches!(d.value.as_str(), "float32" | "single")
                }
                Some(ganglion_modelfile::DtypeSpec::PerVariable(list)) => {
                    for (k, d) in list {
                        if matches!(d.value.as_str(), "float32" | "single") {
                            dtypes.f32_vars.insert(k.value.clone());
                        }
                    }
                }
                None => {}
            }
            let order = spec.order.as_ref().map_or(0, |o| o.value);
            b.net.reserve_name(&spec.name.value);
            let g = match b.net.add_checked_group(
                model,
                methods,
                dtypes,
                clock_id,
                order,
                ganglion_model::Namespace::new(),
                method_source,
            ) {
                Ok(g) => g,
                Err(e) => {
                    b.absorb(e, spec.name.span);
                    continue;
                }
            };
            handles.push((spec.name.value.clone(), g));
            // `on_event` code was checked and lowered with the group (it is part of its model); only its
            // place in the schedule is set here.
            for o in &spec.on_event {
                let id = b
                    .net
                    .objects(g)
                    .resetters
                    .iter()
                    .find(|(e, _)| *e == o.event.value)
                    .map(|(_, id)| *id);
                if let Some(id) = id {
                    let info = b.net.object_mut(id);
                    if let Some(w) = &o.when {
                        info.when = w.value.clone();
                    }
                    if let Some(order) = &o.order {
                        info.order = order.value;
                    }
                }
            }
            for (event, s) in &spec.event_schedule {
                let when = s
                    .when
                    .as_ref()
                    .map_or("after_thresholds", |w| w.value.as_str());
                if let Err(e) = b.net.set_event_schedule(
                    g,
                    &event.value,
                    when,
                    s.order.as_ref().map(|x| x.value),
                ) {
                    b.absorb(e, event.span);
                }
            }
            for r in &spec.run_regularly {
                let dt = match &r.dt {
                    Some(dt) => b.time(dt, "the `dt` of run_regularly"),
                    None => None,
                };
                let code = Code {
                    text: &r.code.text,
                    source: r.code.source,
                };
                let when = r.when.as_ref().map(|w| w.value.as_str());
                if let Err(e) =
                    b.net
                        .run_regularly_at(g, code, dt, when, r.order.as_ref().map(|x| x.value))
                {
                    b.absorb(e, r.code.span);
                }
            }
        }
        // Links, once every group exists (a link may refer to a group defined later), then initial values
        // (which may read linked variables).
        for spec in &file.groups {
            let Some((_, g)) = handles.iter().find(|(n, _)| *n == spec.name.value) else {
                continue;
            };
            for (key, link) in &spec.links {
                let Some((_, source)) = handles.iter().find(|(n, _)| *n == link.group.value) else {
                    continue;
                };
                let index = match &link.index {
                    None => None,
                    Some(v) => match v.as_numbers() {
                        Some(xs) if xs.iter().all(|x| *x >= 0.0 && x.fract() == 0.0) => {
                            Some(xs.iter().map(|x| *x as usize).collect())
                        }
                        _ => {
                            b.fail(
                                v.span(),
                                "a link's index is an array of neuron indices".into(),
                                None,
                            );
                            continue;
                        }
                    },
                };
                if let Err(e) = b
                    .net
                    .link(*g, &key.value, *source, &link.variable.value, index)
                {
                    b.absorb(e, key.span);
                }
            }
        }
        for spec in &file.groups {
            let Some((_, g)) = handles.iter().find(|(n, _)| *n == spec.name.value) else {
                continue;
            };
            if let Some(rates) = &spec.rates
                && let Some(v) = b.file_value(rates)
                && let Err(e) = b.net.set_from_file(*g, "rates", &v)
            {
                b.absorb(e, rates.span());
            }
            for (key, value) in &spec.init {
                let Some(v) = b.file_value(value) else {
                    continue;
                };
                if let Err(e) = b.net.set_from_file(*g, &key.value, &v) {
                    b.absorb(e, value.span());
                }
            }
        }
        for s in &file.synapses {
            if let Some(h) = b.synapses(s, &checked, &handles) {
                handles.push((s.name.value.clone(), h));
            }
        }
        for p in &file.poisson_inputs {
            b.poisson_input(p, &handles);
        }
        for m in &file.monitors {
            let Ok((name, slice)) = ganglion_modelfile::split_subgroup(&m.source.value) else {
                continue;
            };
            let Some((_, g)) = handles.iter().find(|(n, _)| n == name) else {
                continue;
            };
            let g = *g;
            let mut start = None;
            let mut stop = None;
            let mut dt = None;
            if let Some(c) = &m.start {
                start = b.time(c, "a monitor's `start`");
            }
            if let Some(c) = &m.stop {
                stop = b.time(c, "a monitor's `stop`");
            }
            if let Some(c) = &m.dt {
                dt = b.time(c, "a monitor's `dt`");
            }
            let n = b.net.group_size(g);
            let range = slice.map(|(a, z)| {
                (
                    a.unwrap_or(0).max(0) as usize,
                    z.map_or(n, |z| z.max(0) as usize),
                )
            });
            let variables: Vec<String> = m.variables.iter().map(|v| v.value.clone()).collect();
            macro_rules! timing {
                ($mon:expr) => {{
                    let mut x = $mon.name(m.name.value.clone());
                    if let Some(w) = &m.when {
                        x = x.when(w.value.clone());
                    }
                    if let Some(o) = &m.order {
                        x = x.order(o.value);
                    }
                    if let Some(s) = start {
                        x = x.start(s);
                    }
                    if let Some(s) = stop {
                        x = x.stop(s);
                    }
                    if let Some((a, z)) = range {
                        x = x.subgroup(a, z);
                    }
                    x
                }};
            }
            let result = match m.kind.value {
                MonitorKind::Spike => b
                    .net
                    .add_spike_monitor(timing!(SpikeMonitor::new(g).variables(variables))),
                MonitorKind::Event => {
                    let event = m
                        .event
                        .as_ref()
                        .map_or("spike".to_string(), |e| e.value.clone());
                    b.net.add_event_monitor(timing!(
                        EventMonitor::new(g, event).variables(variables)
                    ))
                }
                MonitorKind::State => {
                    let record = match &m.record {
                        None
                        | Some(Located {
                            value: RecordSpec::All(true),
                            ..
                        }) => Record::All,
                        Some(Located {
                            value: RecordSpec::All(false),
                            ..
                        }) => Record::Indices(Vec::new()),
                        Some(Located {
                            value: RecordSpec::Indices(ix),
                            ..
                        }) => Record::Indices(ix.iter().map(|&i| i.max(0) as usize).collect()),
                    };
                    let mut sm = StateMonitor::new(g, variables).record(record);
                    if let Some(dt) = dt {
                        sm = sm.dt(dt);
                    }
                    b.net.add_state_monitor(timing!(sm))
                }
                MonitorKind::Rate => b.net.add_rate_monitor(timing!(RateMonitor::new(g))),
            };
            if let Err(e) = result {
                b.absorb(e, m.name.span);
            }
        }
        let mut segments = Vec::new();
        if file.segments.is_empty() {
            match &run.duration {
                Some(d) => {
                    if let Some(t) = b.time(d, "the duration") {
                        segments.push(Segment {
                            duration: t,
                            set: Vec::new(),
                        });
                    }
                }
                None => b.fail(
                    Span::default(),
                    "the model file says how long to run neither in `[run] duration` nor in `[[segments]]`".into(),
                    Some("add `duration = \"1*second\"` under `[run]`"),
                ),
            }
        }
        for s in &file.segments {
            let Some(duration) = b.time(&s.duration, "a segment's duration") else {
                continue;
            };
            let mut set = Vec::new();
            for (key, value) in &s.set {
                if let Some((group, var)) = key.value.split_once('.') {
                    let Some((_, g)) = handles.iter().find(|(n, _)| n == group) else {
                        continue;
                    };
                    if let Some(v) = b.file_value(value) {
                        set.push(SetOp::Variable {
                            group: *g,
                            variable: var.to_string(),
                            value: v,
                        });
                    }
                } else {
                    let v = match value {
                        Value::Number(n) => Some(ExternalValue::float(n.value)),
                        Value::Integer(n) => Some(ExternalValue::int(n.value)),
                        Value::Bool(x) => Some(ExternalValue::bool(x.value)),
                        Value::Expr(c) => b.constant(c, "a namespace constant"),
                        Value::List(l) => {
                            b.fail(
                                l.span,
                                "a namespace constant cannot be an array".into(),
                                None,
                            );
                            None
                        }
                    };
                    if let Some(v) = v {
                        set.push(SetOp::Constant {
                            name: key.value.clone(),
                            value: v,
                        });
                    }
                }
            }
            segments.push(Segment { duration, set });
        }
        if !b.errors.is_empty() {
            let rendered = b.net.sources.render(&b.errors, false);
            return Err(Error::Model {
                diagnostics: b.errors,
                rendered,
            });
        }
        let report = run.report.as_ref().map(|r| r.value.clone());
        Ok((b.net, RunPlan { segments, report }))
    }
}

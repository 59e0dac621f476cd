//! Ganglion's model files: TOML documents that describe what a Brian2 script would build (groups,
//! namespace, monitors, runs, and later synapses and inputs), read into a typed description.
//!
//! Every code string of the file (a model, a threshold, a reset, an initial value, a duration) becomes a
//! [`Code`]: its text plus a [`SourceId`] registered in the file's [`SourceMap`], so that any later stage can
//! report an error at the right line and column of the file. Format errors (unknown keys, wrong types,
//! missing fields) are diagnostics with the TOML location.
//!
//! Not here: what the code strings mean. This crate neither parses nor checks model code.

mod data;
mod raw;

use std::path::{Path, PathBuf};

use ganglion_syntax::{Diagnostic, Placement, SourceId, SourceMap, Span};
use raw::{RawValue, S};

/// A value together with the span of the file it was written at.
#[derive(Clone, Debug, PartialEq)]
pub struct Located<T> {
    /// The value.
    pub value: T,
    /// Where in the model file.
    pub span: Span,
}

/// A key of a TOML table (a group name, a variable name) and where it was written.
pub type Key = Located<String>;

/// A code string of the model file and where it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Code {
    /// The text (as TOML decoded it).
    pub text: String,
    /// The registered code string, for diagnostics.
    pub source: SourceId,
    /// The span of the TOML value in the file.
    pub span: Span,
}

/// A value that may be written as a boolean, a number, an array or a code string.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `true` / `false`.
    Bool(Located<bool>),
    /// A plain number (SI units).
    Number(Located<f64>),
    /// A TOML integer (an integer constant in a namespace; a number elsewhere).
    Integer(Located<i64>),
    /// A string: an expression such as `"-70*mV + rand()*10*mV"`.
    Expr(Code),
    /// An array of values (`[0.0, 1.0]`, `["1*ms", "2*ms"]`, or rows of a matrix).
    List(Located<Vec<Value>>),
}

impl Value {
    /// The span of the value in the file.
    pub fn span(&self) -> Span {
        match self {
            Value::Bool(l) => l.span,
            Value::Number(l) => l.span,
            Value::Integer(l) => l.span,
            Value::Expr(c) => c.span,
            Value::List(l) => l.span,
        }
    }

    /// The numbers of a flat array of numbers.
    pub fn as_numbers(&self) -> Option<Vec<f64>> {
        match self {
            Value::List(l) => l
                .value
                .iter()
                .map(|v| match v {
                    Value::Number(n) => Some(n.value),
                    Value::Integer(n) => Some(n.value as f64),
                    _ => None,
                })
                .collect(),
            _ => None,
        }
    }

    /// The rows of an array of arrays of numbers.
    pub fn as_matrix(&self) -> Option<Vec<Vec<f64>>> {
        match self {
            Value::List(l) => l.value.iter().map(Value::as_numbers).collect(),
            _ => None,
        }
    }
}

/// The left-hand side of an assignment in `init` or a segment's `set`: `"v"`, `"v[0]"`, `"v[10:20]"`,
/// `"w[i > j]"` (Brian2's `G.v = ...`, `G.v[0] = ...`, `G.v[10:20] = ...`, `S.w['i > j'] = ...`).
#[derive(Clone, Debug, PartialEq)]
pub struct Target {
    /// The key as written.
    pub key: Key,
    /// What it names, without the index: `v`, or `G.v` and `tau` in a segment.
    pub name: Key,
    /// Which elements, when the key has an index.
    pub index: Option<Index>,
}

/// The index of an assignment's key.
#[derive(Clone, Debug, PartialEq)]
pub enum Index {
    /// One element: `[3]` (negative counts from the end, as in Python).
    Element(Located<i64>),
    /// A slice `[start:stop]`, Python's rules.
    Slice(Located<SliceBounds>),
    /// The elements where a condition holds: `[i > j]`.
    Where(Code),
}

impl Target {
    /// A target without an index.
    pub fn plain(key: Key) -> Target {
        Target {
            name: key.clone(),
            key,
            index: None,
        }
    }
}

/// `[run]`: the default clock, the duration, the seed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunSpec {
    /// `duration` (absent when the file uses `[[segments]]`).
    pub duration: Option<Code>,
    /// `dt` of the default clock.
    pub dt: Option<Code>,
    /// `seed` of the random streams.
    pub seed: Option<Located<i64>>,
    /// `report`: `text`, `stdout`, `stderr` or absent.
    pub report: Option<Located<String>>,
    /// `threads` (0 = all cores).
    pub threads: Option<Located<i64>>,
    /// A custom schedule (list of slot names).
    pub schedule: Option<Vec<Located<String>>>,
}

/// What kind of group a `[groups.NAME]` table builds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GroupKind {
    /// A `NeuronGroup` (the default).
    Neurons,
    /// A `PoissonGroup`.
    Poisson,
    /// A `SpikeGeneratorGroup`.
    SpikeGenerator,
}

/// The integration method(s) asked for.
#[derive(Clone, Debug, PartialEq)]
pub enum MethodSpec {
    /// One method name or description string.
    One(Code),
    /// Names tried in order.
    List(Vec<Code>),
}

/// The `dtype` of a group.
#[derive(Clone, Debug, PartialEq)]
pub enum DtypeSpec {
    /// One dtype for every floating-point variable.
    All(Located<String>),
    /// A dtype per variable.
    PerVariable(Vec<(Key, Located<String>)>),
}

/// A `[[groups.G.on_event]]` entry (`run_on_event`).
#[derive(Clone, Debug, PartialEq)]
pub struct OnEventSpec {
    /// The event that triggers the code.
    pub event: Located<String>,
    /// The statements to run.
    pub code: Code,
    /// Scheduling slot.
    pub when: Option<Located<String>>,
    /// Order within the slot.
    pub order: Option<Located<i64>>,
}

/// Where a condition or operation is scheduled.
#[derive(Clone, Debug, PartialEq)]
pub struct ScheduleSpec {
    /// Scheduling slot.
    pub when: Option<Located<String>>,
    /// Order within the slot.
    pub order: Option<Located<i64>>,
}

/// A linked variable: `linked_var(group.variable, index=...)`.
#[derive(Clone, Debug, PartialEq)]
pub struct LinkSpec {
    /// The source group.
    pub group: Located<String>,
    /// The source variable.
    pub variable: Located<String>,
    /// Optional index array or expression.
    pub index: Option<Value>,
}

/// A `[[groups.G.run_regularly]]` entry.
#[derive(Clone, Debug, PartialEq)]
pub struct RunRegularlySpec {
    /// The statements to run.
    pub code: Code,
    /// Its own clock's dt.
    pub dt: Option<Code>,
    /// Scheduling slot.
    pub when: Option<Located<String>>,
    /// Order within the slot.
    pub order: Option<Located<i64>>,
}

/// A `[groups.NAME]` table.
#[derive(Clone, Debug, PartialEq)]
pub struct GroupSpec {
    /// The group's name.
    pub name: Key,
    /// NeuronGroup, PoissonGroup or SpikeGeneratorGroup.
    pub kind: GroupKind,
    /// Number of neurons.
    pub n: Option<Located<i64>>,
    /// The equations.
    pub model: Option<Code>,
    /// Integration method(s).
    pub method: Option<MethodSpec>,
    /// Spike condition.
    pub threshold: Option<Code>,
    /// Reset statements.
    pub reset: Option<Code>,
    /// Refractory period: a time expression or a boolean condition (or `false`).
    pub refractory: Option<Value>,
    /// Custom events: name and condition.
    pub events: Vec<(Key, Code)>,
    /// Order within scheduling slots.
    pub order: Option<Located<i64>>,
    /// The group's own clock.
    pub dt: Option<Code>,
    /// Storage types.
    pub dtype: Option<DtypeSpec>,
    /// Initial values, in the order written.
    pub init: Vec<(Target, Value)>,
    /// `run_on_event` entries.
    pub on_event: Vec<OnEventSpec>,
    /// `set_event_schedule` entries.
    pub event_schedule: Vec<(Key, ScheduleSpec)>,
    /// Linked variables.
    pub links: Vec<(Key, LinkSpec)>,
    /// `run_regularly` entries.
    pub run_regularly: Vec<RunRegularlySpec>,
    /// PoissonGroup rates.
    pub rates: Option<Value>,
    /// SpikeGeneratorGroup indices.
    pub indices: Option<Located<Vec<i64>>>,
    /// SpikeGeneratorGroup times.
    pub times: Option<Value>,
    /// SpikeGeneratorGroup replay period.
    pub period: Option<Code>,
}

/// The kinds of monitor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MonitorKind {
    /// `SpikeMonitor`.
    Spike,
    /// `EventMonitor`.
    Event,
    /// `StateMonitor`.
    State,
    /// `PopulationRateMonitor`.
    Rate,
}

/// Which neurons a state monitor records.
#[derive(Clone, Debug, PartialEq)]
pub enum RecordSpec {
    /// `true` (all) or `false` (none).
    All(bool),
    /// These indices.
    Indices(Vec<i64>),
}

/// A `[monitors.NAME]` table.
#[derive(Clone, Debug, PartialEq)]
pub struct MonitorSpec {
    /// The monitor's name (its output file is `<name>.json`).
    pub name: Key,
    /// What it records.
    pub kind: Located<MonitorKind>,
    /// The group (or synapses) it watches.
    pub source: Located<String>,
    /// The custom event (event monitors).
    pub event: Option<Located<String>>,
    /// Variables recorded.
    pub variables: Vec<Located<String>>,
    /// Which neurons (state monitors).
    pub record: Option<Located<RecordSpec>>,
    /// Start of the recording window.
    pub start: Option<Code>,
    /// End of the recording window.
    pub stop: Option<Code>,
    /// The monitor's own clock.
    pub dt: Option<Code>,
    /// Scheduling slot.
    pub when: Option<Located<String>>,
    /// Order within the slot.
    pub order: Option<Located<i64>>,
}

/// A `[[segments]]` entry: one `run()` call, with state changed before it.
#[derive(Clone, Debug, PartialEq)]
pub struct SegmentSpec {
    /// How long this run lasts.
    pub duration: Code,
    /// `"G.v" = value` (group variables) or `name = value` (namespace constants), set before the run.
    pub set: Vec<(Target, Value)>,
}

/// One `connect()` call.
#[derive(Clone, Debug, PartialEq)]
pub struct ConnectSpec {
    /// Condition on `i`, `j` and both groups' variables.
    pub condition: Option<Code>,
    /// Probability (number or expression).
    pub p: Option<Value>,
    /// Explicit source indices.
    pub i: Option<Value>,
    /// Explicit target indices or a generator expression.
    pub j: Option<Value>,
    /// Synapses per pair.
    pub n: Option<Value>,
    /// Skip generated targets outside the target group (Brian2's `skip_if_invalid`).
    pub skip_if_invalid: Option<Located<bool>>,
}

/// A `[synapses.NAME]` table.
#[derive(Clone, Debug, PartialEq)]
pub struct SynapsesSpec {
    /// The name.
    pub name: Key,
    /// Source group (or subgroup slice `P[:3200]`).
    pub source: Located<String>,
    /// Target group (or subgroup slice).
    pub target: Located<String>,
    /// Synaptic equations.
    pub model: Option<Code>,
    /// Pathways triggered by presynaptic events (`pre` when a single string).
    pub on_pre: Vec<(Key, Code)>,
    /// Pathways triggered by postsynaptic events (`post` when a single string).
    pub on_post: Vec<(Key, Code)>,
    /// Homogeneous delay.
    pub delay: Option<Value>,
    /// Integration method(s) of clock-driven equations.
    pub method: Option<MethodSpec>,
    /// Pathway → event triggering it.
    pub on_event: Vec<(Key, Located<String>)>,
    /// `connect()` calls, in order.
    pub connect: Vec<ConnectSpec>,
    /// Initial values of synaptic variables.
    pub init: Vec<(Target, Value)>,
    /// Own clock.
    pub dt: Option<Code>,
    /// Order within scheduling slots.
    pub order: Option<Located<i64>>,
}

/// A `[poisson_inputs.NAME]` table (`PoissonInput`).
#[derive(Clone, Debug, PartialEq)]
pub struct PoissonInputSpec {
    /// The name.
    pub name: Key,
    /// Target group.
    pub target: Located<String>,
    /// Target variable.
    pub variable: Located<String>,
    /// Number of inputs.
    pub n: Located<i64>,
    /// Rate of each input.
    pub rate: Value,
    /// Weight of each input spike (a quantity or an expression in the target group's context).
    pub weight: Value,
    /// Scheduling slot (default `synapses`).
    pub when: Option<Located<String>>,
    /// Order within the slot (default 0).
    pub order: Option<Located<i64>>,
}

/// A `[timed_arrays.NAME]` table.
#[derive(Clone, Debug, PartialEq)]
pub struct TimedArraySpec {
    /// The name (used as a function in expressions).
    pub name: Key,
    /// Time step of the values.
    pub dt: Code,
    /// 1-D values or 2-D (time × neuron).
    pub values: Value,
    /// Unit of the values.
    pub unit: Option<Code>,
}

/// A model file, read and typed.
#[derive(Debug)]
pub struct ModelFile {
    /// The file and every code string of it, for diagnostics.
    pub sources: SourceMap,
    /// The whole file as one code string (diagnostics about TOML keys point into it).
    pub file: SourceId,
    /// `[run]`.
    pub run: RunSpec,
    /// `[namespace]`, in the order written.
    pub namespace: Vec<(Key, Value)>,
    /// `[groups.*]`, in the order written.
    pub groups: Vec<GroupSpec>,
    /// `[monitors.*]`, in the order written.
    pub monitors: Vec<MonitorSpec>,
    /// `[[segments]]`.
    pub segments: Vec<SegmentSpec>,
    /// `[synapses.*]`.
    pub synapses: Vec<SynapsesSpec>,
    /// `[poisson_inputs.*]`.
    pub poisson_inputs: Vec<PoissonInputSpec>,
    /// `[timed_arrays.*]`.
    pub timed_arrays: Vec<TimedArraySpec>,
}

/// Why a model file could not be read.
#[derive(Debug)]
pub enum LoadError {
    /// The file could not be read at all.
    Io(std::io::Error),
    /// The file is not a valid model file; the diagnostics say why and where.
    Invalid {
        /// The file, for rendering the diagnostics.
        sources: SourceMap,
        /// What is wrong.
        diagnostics: Vec<Diagnostic>,
    },
}

impl ModelFile {
    /// Reads a model file from disk.
    pub fn load(path: &Path) -> Result<ModelFile, LoadError> {
        let text = std::fs::read_to_string(path).map_err(LoadError::Io)?;
        let dir = path.parent().map(Path::to_path_buf);
        ModelFile::parse_in(&path.display().to_string(), &text, dir)
    }

    /// Reads a model file from text; `name` is how diagnostics refer to it. Data files
    /// (`{ file = "x.npy" }`) are read relative to the current directory.
    pub fn parse(name: &str, text: &str) -> Result<ModelFile, LoadError> {
        ModelFile::parse_in(name, text, None)
    }

    /// Reads a model file from text whose data files (`{ file = "x.npy" }`) lie relative to `dir`.
    pub fn parse_in(name: &str, text: &str, dir: Option<PathBuf>) -> Result<ModelFile, LoadError> {
        let mut sources = SourceMap::new();
        let file_id = sources.add_file(name, text);
        let file = sources.add_snippet(file_id, text, Placement::Exact { offset: 0 });
        let raw: raw::File = match toml::from_str(text) {
            Ok(r) => r,
            Err(e) => {
                let span = e
                    .span()
                    .map(|r| Span::new(r.start, r.end))
                    .unwrap_or_default();
                let mut message = e.message().trim_end().to_string();
                if message.contains("did not match any variant of untagged enum") {
                    message = "this value has none of the accepted forms".to_string();
                }
                let d = Diagnostic::error(format!("invalid model file: {message}"), span)
                    .with_code("model-file")
                    .in_source(file);
                let d = match format_hint(&message) {
                    Some(h) => d.with_hint(h),
                    None => d,
                };
                return Err(LoadError::Invalid {
                    sources,
                    diagnostics: vec![d],
                });
            }
        };
        let mut cx = Cx {
            text,
            sources,
            file_id,
            file,
            dir,
            diagnostics: Vec::new(),
        };
        let model = cx.convert(raw);
        if cx.diagnostics.iter().any(Diagnostic::is_error) {
            return Err(LoadError::Invalid {
                sources: cx.sources,
                diagnostics: cx.diagnostics,
            });
        }
        Ok(model.with_sources(cx.sources))
    }

    /// The group with this name.
    pub fn group(&self, name: &str) -> Option<&GroupSpec> {
        self.groups.iter().find(|g| g.name.value == name)
    }
}

/// The bounds of a subgroup slice `[start:stop]` (`None` where left out).
pub type SliceBounds = (Option<i64>, Option<i64>);

/// Splits a source such as `"P[:3200]"` into the group name and the slice bounds (`None` where left
/// out); a plain `"P"` has no slice. Only contiguous slices with step 1 exist, as in Brian2.
pub fn split_subgroup(source: &str) -> Result<(&str, Option<SliceBounds>), String> {
    let Some(open) = source.find('[') else {
        return Ok((source.trim(), None));
    };
    let name = source[..open].trim();
    let rest = source[open + 1..].trim();
    let Some(inner) = rest.strip_suffix(']') else {
        return Err(format!("`{source}` is missing its closing `]`"));
    };
    let Some((a, b)) = inner.split_once(':') else {
        return Err(format!("`{source}` must be a slice `name[start:stop]`"));
    };
    let bound = |s: &str| -> Result<Option<i64>, String> {
        let s = s.trim();
        if s.is_empty() {
            Ok(None)
        } else {
            s.parse()
                .map(Some)
                .map_err(|_| format!("`{s}` is not an integer index"))
        }
    };
    Ok((name, Some((bound(a)?, bound(b)?))))
}

/// The three forms model code takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeForm {
    /// Equations (a group's or synapses' `model`).
    Equations,
    /// Statements (reset, event code, `on_pre`).
    Statements,
    /// One expression (conditions, initial values, quantities).
    Expression,
    /// An integration method: a name, or a description in statements form.
    Method,
}

impl ModelFile {
    /// Every code string of the file with the form it is written in, in file order.
    pub fn code_strings(&self) -> Vec<(&Code, CodeForm)> {
        use CodeForm::*;
        let mut out: Vec<(&Code, CodeForm)> = Vec::new();
        fn value<'a>(out: &mut Vec<(&'a Code, CodeForm)>, v: &'a Value) {
            match v {
                Value::Expr(c) => out.push((c, CodeForm::Expression)),
                Value::List(l) => l.value.iter().for_each(|x| value(out, x)),
                _ => {}
            }
        }
        fn assignments<'a>(out: &mut Vec<(&'a Code, CodeForm)>, list: &'a [(Target, Value)]) {
            for (target, v) in list {
                if let Some(Index::Where(c)) = &target.index {
                    out.push((c, CodeForm::Expression));
                }
                value(out, v);
            }
        }
        fn method<'a>(out: &mut Vec<(&'a Code, CodeForm)>, m: &'a Option<MethodSpec>) {
            match m {
                Some(MethodSpec::One(c)) => out.push((c, CodeForm::Method)),
                Some(MethodSpec::List(l)) => out.extend(l.iter().map(|c| (c, CodeForm::Method))),
                None => {}
            }
        }
        let run = &self.run;
        out.extend(run.duration.iter().chain(&run.dt).map(|c| (c, Expression)));
        self.namespace.iter().for_each(|(_, v)| value(&mut out, v));
        for g in &self.groups {
            out.extend(g.model.iter().map(|c| (c, Equations)));
            method(&mut out, &g.method);
            out.extend(g.threshold.iter().map(|c| (c, Expression)));
            out.extend(g.reset.iter().map(|c| (c, Statements)));
            if let Some(r) = &g.refractory {
                value(&mut out, r);
            }
            out.extend(g.events.iter().map(|(_, c)| (c, Expression)));
            out.extend(g.dt.iter().map(|c| (c, Expression)));
            assignments(&mut out, &g.init);
            out.extend(g.on_event.iter().map(|e| (&e.code, Statements)));
            for (_, l) in &g.links {
                if let Some(i) = &l.index {
                    value(&mut out, i);
                }
            }
            for r in &g.run_regularly {
                out.push((&r.code, Statements));
                out.extend(r.dt.iter().map(|c| (c, Expression)));
            }
            for v in g.rates.iter().chain(&g.times) {
                value(&mut out, v);
            }
            out.extend(g.period.iter().map(|c| (c, Expression)));
        }
        for m in &self.monitors {
            out.extend(
                m.start
                    .iter()
                    .chain(&m.stop)
                    .chain(&m.dt)
                    .map(|c| (c, Expression)),
            );
        }
        for s in &self.segments {
            out.push((&s.duration, Expression));
            assignments(&mut out, &s.set);
        }
        for s in &self.synapses {
            out.extend(s.model.iter().map(|c| (c, Equations)));
            out.extend(
                s.on_pre
                    .iter()
                    .chain(&s.on_post)
                    .map(|(_, c)| (c, Statements)),
            );
            if let Some(d) = &s.delay {
                value(&mut out, d);
            }
            method(&mut out, &s.method);
            for c in &s.connect {
                out.extend(c.condition.iter().map(|c| (c, Expression)));
                // `j` may be a generator expression (`k for k in ...`), which is not model code.
                for v in c.p.iter().chain(&c.i).chain(&c.n) {
                    value(&mut out, v);
                }
            }
            assignments(&mut out, &s.init);
            out.extend(s.dt.iter().map(|c| (c, Expression)));
        }
        for p in &self.poisson_inputs {
            value(&mut out, &p.rate);
            value(&mut out, &p.weight);
        }
        for t in &self.timed_arrays {
            out.push((&t.dt, Expression));
            value(&mut out, &t.values);
            out.extend(t.unit.iter().map(|c| (c, Expression)));
        }
        out
    }
}

/// A hint for common format mistakes, from the TOML parser's message.
fn format_hint(message: &str) -> Option<&'static str> {
    if message.contains("unknown field") {
        Some("check the spelling of the key; the format is described in docs/model-file.md")
    } else if message.contains("missing field") {
        Some("add the missing key to this table")
    } else if message.contains("none of the accepted forms") {
        Some(
            "a value is a boolean, a number, a string (code or a quantity such as \"10*ms\"), an array of these, or an array file `{ file = \"x.npy\" }`",
        )
    } else if message.contains("invalid type") {
        Some(
            "check the kind of value: code and quantities are strings (\"10*ms\"), counts are integers",
        )
    } else {
        None
    }
}

struct Cx<'t> {
    text: &'t str,
    sources: SourceMap,
    file_id: ganglion_syntax::FileId,
    file: SourceId,
    /// Where `{ file = "..." }` paths start.
    dir: Option<PathBuf>,
    diagnostics: Vec<Diagnostic>,
}

fn span_of<T>(s: &S<T>) -> Span {
    let r = s.span();
    Span::new(r.start, r.end)
}

fn located<T>(s: S<T>) -> Located<T> {
    let span = span_of(&s);
    Located {
        value: s.into_inner(),
        span,
    }
}

/// A model file without its sources yet (they are attached once every code string is registered).
struct Parts {
    run: RunSpec,
    namespace: Vec<(Key, Value)>,
    groups: Vec<GroupSpec>,
    monitors: Vec<MonitorSpec>,
    segments: Vec<SegmentSpec>,
    synapses: Vec<SynapsesSpec>,
    poisson_inputs: Vec<PoissonInputSpec>,
    timed_arrays: Vec<TimedArraySpec>,
    file: SourceId,
}

impl Parts {
    fn with_sources(self, sources: SourceMap) -> ModelFile {
        ModelFile {
            sources,
            file: self.file,
            run: self.run,
            namespace: self.namespace,
            groups: self.groups,
            monitors: self.monitors,
            segments: self.segments,
            synapses: self.synapses,
            poisson_inputs: self.poisson_inputs,
            timed_arrays: self.timed_arrays,
        }
    }
}

impl Cx<'_> {
    fn error(&mut self, message: impl Into<String>, span: Span, hint: Option<&str>) {
        let mut d = Diagnostic::error(message, span)
            .with_code("model-file")
            .in_source(self.file);
        if let Some(h) = hint {
            d = d.with_hint(h);
        }
        self.diagnostics.push(d);
    }

    /// Registers a code string, mapping it byte for byte onto the file where TOML allows.
    fn code(&mut self, s: S<String>) -> Code {
        let span = span_of(&s);
        let text = s.into_inner();
        let placement = placement_in_file(self.text, span, &text);
        let source = self
            .sources
            .add_snippet(self.file_id, text.clone(), placement);
        Code { text, source, span }
    }

    fn value(&mut self, s: S<RawValue>) -> Value {
        let span = span_of(&s);
        self.value_at(s.into_inner(), span, true)
    }

    fn value_at(&mut self, v: RawValue, span: Span, exact: bool) -> Value {
        match v {
            RawValue::Bool(b) => Value::Bool(Located { value: b, span }),
            RawValue::Int(i) => Value::Integer(Located { value: i, span }),
            RawValue::Float(f) => Value::Number(Located { value: f, span }),
            RawValue::Str(s) => {
                let placement = if exact {
                    placement_in_file(self.text, span, &s)
                } else {
                    Placement::Within {
                        range: span.range(),
                    }
                };
                let source = self.sources.add_snippet(self.file_id, s.clone(), placement);
                Value::Expr(Code {
                    text: s,
                    source,
                    span,
                })
            }
            RawValue::Array(items) => Value::List(Located {
                value: items
                    .into_iter()
                    .map(|x| self.value_at(x, span, false))
                    .collect(),
                span,
            }),
            RawValue::Data(d) => self.data_file(&d.file, span),
        }
    }

    /// Reads `{ file = "x.npy" }` into a list (of lists, for two dimensions) of numbers.
    fn data_file(&mut self, file: &str, span: Span) -> Value {
        let path = match &self.dir {
            Some(dir) => dir.join(file),
            None => PathBuf::from(file),
        };
        match data::read_npy(&path).and_then(|array| array.into_value(span)) {
            Ok(value) => value,
            Err(e) => {
                self.error(
                    format!("cannot read the array file `{}`: {e}", path.display()),
                    span,
                    Some(data::HINT),
                );
                Value::List(Located {
                    value: Vec::new(),
                    span,
                })
            }
        }
    }

    /// Neuron indices: an array of integers, written out or in a data file.
    fn indices(&mut self, v: S<RawValue>) -> Option<Located<Vec<i64>>> {
        let span = span_of(&v);
        let value = self.value(v);
        let ints: Option<Vec<i64>> = match &value {
            Value::List(l) => l
                .value
                .iter()
                .map(|x| match x {
                    Value::Integer(n) => Some(n.value),
                    Value::Number(n) if n.value.fract() == 0.0 && n.value.abs() < 9e15 => {
                        Some(n.value as i64)
                    }
                    _ => None,
                })
                .collect(),
            _ => None,
        };
        if ints.is_none() {
            self.error(
                "expected neuron indices",
                span,
                Some("write an array of integers (`[0, 1, 2]`) or `{ file = \"indices.npy\" }`"),
            );
        }
        ints.map(|value| Located { value, span })
    }

    fn table_values(&mut self, t: raw::Table<RawValue>) -> Vec<(Key, Value)> {
        t.into_iter()
            .map(|(k, v)| (located(k), self.value(v)))
            .collect()
    }

    /// `init` and `set` tables: keys with an optional index, values.
    fn assignments(&mut self, t: raw::Table<RawValue>) -> Vec<(Target, Value)> {
        t.into_iter()
            .filter_map(|(k, v)| {
                let target = self.target(k)?;
                Some((target, self.value(v)))
            })
            .collect()
    }

    /// Splits `v[...]` into the name and the index; the index is an integer, a slice of integers, or
    /// else a condition (registered as code, placed in the file).
    fn target(&mut self, k: S<String>) -> Option<Target> {
        let key = located(k);
        let Some(open) = key.value.find('[') else {
            return Some(Target::plain(key));
        };
        let span = key.span;
        let text = key.value.clone();
        let inner = match text[open + 1..].strip_suffix(']') {
            Some(inner) if !inner.trim().is_empty() => inner,
            _ => {
                self.error(
                    format!("`{text}` opens an index that it does not close"),
                    span,
                    Some("write `\"v[0]\"`, `\"v[10:20]\"` or `\"v[i > 5]\"`"),
                );
                return None;
            }
        };
        let name = Located {
            value: text[..open].trim_end().to_string(),
            span,
        };
        let index = match parse_index(inner) {
            Some(Ok(i)) => Index::Element(Located { value: i, span }),
            Some(Err(bounds)) => Index::Slice(Located {
                value: bounds,
                span,
            }),
            None => {
                let placement = match placement_in_file(self.text, span, &text) {
                    Placement::Exact { offset } => Placement::Exact {
                        offset: offset + open + 1,
                    },
                    within => within,
                };
                let source = self
                    .sources
                    .add_snippet(self.file_id, inner.to_string(), placement);
                Index::Where(Code {
                    text: inner.to_string(),
                    source,
                    span,
                })
            }
        };
        Some(Target {
            key,
            name,
            index: Some(index),
        })
    }

    fn table_codes(&mut self, t: raw::Table<String>) -> Vec<(Key, Code)> {
        t.into_iter()
            .map(|(k, v)| (located(k), self.code(v)))
            .collect()
    }

    fn opt_code(&mut self, s: Option<S<String>>) -> Option<Code> {
        s.map(|s| self.code(s))
    }

    fn method(&mut self, m: Option<S<raw::StrOrList>>) -> Option<MethodSpec> {
        let m = m?;
        let span = span_of(&m);
        Some(match m.into_inner() {
            raw::StrOrList::One(s) => MethodSpec::One(self.code(S::new(span.range(), s))),
            raw::StrOrList::List(l) => {
                MethodSpec::List(l.into_iter().map(|s| self.code(s)).collect())
            }
        })
    }

    fn pathways(&mut self, p: Option<S<raw::StrOrTable>>, default: &str) -> Vec<(Key, Code)> {
        let Some(p) = p else { return Vec::new() };
        let span = span_of(&p);
        match p.into_inner() {
            raw::StrOrTable::One(s) => vec![(
                Located {
                    value: default.to_string(),
                    span,
                },
                self.code(S::new(span.range(), s)),
            )],
            raw::StrOrTable::Table(t) => self.table_codes(t),
        }
    }

    fn convert(&mut self, raw: raw::File) -> Parts {
        let run = raw.run.map(|r| self.run(r));
        let namespace = self.table_values(raw.namespace);
        let groups: Vec<GroupSpec> = raw
            .groups
            .into_iter()
            .map(|(k, g)| self.group(k, g))
            .collect();
        let monitors: Vec<MonitorSpec> = raw
            .monitors
            .into_iter()
            .filter_map(|(k, m)| self.monitor(k, m))
            .collect();
        self.check_monitor_names(&groups, &monitors);
        let segments = raw.segments.into_iter().map(|s| self.segment(s)).collect();
        let synapses = raw
            .synapses
            .into_iter()
            .map(|(k, s)| self.synapses(k, s))
            .collect();
        let poisson_inputs = raw
            .poisson_inputs
            .into_iter()
            .map(|(k, p)| self.poisson_input(k, p))
            .collect();
        let timed_arrays = raw
            .timed_arrays
            .into_iter()
            .map(|(k, t)| self.timed_array(k, t))
            .collect();
        Parts {
            run: run.unwrap_or_default(),
            namespace,
            groups,
            monitors,
            segments,
            synapses,
            poisson_inputs,
            timed_arrays,
            file: self.file,
        }
    }

    /// `[run]`.
    fn run(&mut self, r: S<raw::Run>) -> RunSpec {
        let r = r.into_inner();
        RunSpec {
            duration: self.opt_code(r.duration),
            dt: self.opt_code(r.dt),
            seed: r.seed.map(located),
            report: r.report.map(located),
            threads: r.threads.map(located),
            schedule: r.schedule.map(|s| s.into_iter().map(located).collect()),
        }
    }

    /// A monitor's output file would clash with the state file of a group of the same name.
    fn check_monitor_names(&mut self, groups: &[GroupSpec], monitors: &[MonitorSpec]) {
        for m in monitors {
            if let Some(g) = groups.iter().find(|g| g.name.value == m.name.value) {
                let span = m.name.span;
                let group_span = g.name.span;
                self.diagnostics.push(
                    Diagnostic::error(
                        format!("monitor `{}` has the same name as a group", m.name.value),
                        span,
                    )
                    .with_code("model-file")
                    .with_secondary(group_span, "the group")
                    .with_hint("rename the monitor: its output file would clash with the group's state file")
                    .in_source(self.file),
                );
            }
        }
    }

    /// One `[[segments]]` entry.
    fn segment(&mut self, s: S<raw::Segment>) -> SegmentSpec {
        let s = s.into_inner();
        SegmentSpec {
            duration: self.code(s.duration),
            set: self.assignments(s.set),
        }
    }

    /// `[synapses.NAME]` (its `[[connect]]` entries first, as their code strings are registered first).
    fn synapses(&mut self, key: S<String>, s: S<raw::Synapses>) -> SynapsesSpec {
        let s = s.into_inner();
        let connect = s.connect.into_iter().map(|c| self.connect(c)).collect();
        SynapsesSpec {
            name: located(key),
            source: located(s.source),
            target: located(s.target),
            model: self.opt_code(s.model),
            on_pre: self.pathways(s.on_pre, "pre"),
            on_post: self.pathways(s.on_post, "post"),
            delay: s.delay.map(|v| self.value(v)),
            method: self.method(s.method),
            on_event: s
                .on_event
                .into_iter()
                .map(|(k, v)| (located(k), located(v)))
                .collect(),
            connect,
            init: self.assignments(s.init),
            dt: self.opt_code(s.dt),
            order: s.order.map(located),
        }
    }

    /// One `[[synapses.NAME.connect]]` entry.
    fn connect(&mut self, c: S<raw::Connect>) -> ConnectSpec {
        let c = c.into_inner();
        ConnectSpec {
            condition: self.opt_code(c.condition),
            p: c.p.map(|v| self.value(v)),
            i: c.i.map(|v| self.value(v)),
            j: c.j.map(|v| self.value(v)),
            n: c.n.map(|v| self.value(v)),
            skip_if_invalid: c.skip_if_invalid.map(located),
        }
    }

    /// `[poisson_inputs.NAME]`.
    fn poisson_input(&mut self, key: S<String>, p: S<raw::PoissonInput>) -> PoissonInputSpec {
        let p = p.into_inner();
        PoissonInputSpec {
            name: located(key),
            target: located(p.target),
            variable: located(p.variable),
            n: located(p.n),
            rate: self.value(p.rate),
            weight: self.value(p.weight),
            when: p.when.map(located),
            order: p.order.map(located),
        }
    }

    /// `[timed_arrays.NAME]`.
    fn timed_array(&mut self, key: S<String>, t: S<raw::TimedArray>) -> TimedArraySpec {
        let t = t.into_inner();
        TimedArraySpec {
            name: located(key),
            dt: self.code(t.dt),
            values: self.value(t.values),
            unit: self.opt_code(t.unit),
        }
    }

    fn group(&mut self, key: S<String>, g: S<raw::Group>) -> GroupSpec {
        let name = located(key);
        let g = g.into_inner();
        let kind = match g.kind.map(located) {
            None => GroupKind::Neurons,
            Some(k) => match k.value.as_str() {
                "neurons" | "neuron_group" | "NeuronGroup" => GroupKind::Neurons,
                "poisson" => GroupKind::Poisson,
                "spike_generator" => GroupKind::SpikeGenerator,
                other => {
                    self.error(
                        format!("unknown group kind `{other}`"),
                        k.span,
                        Some("a group's kind is `poisson` or `spike_generator`; leave it out for a NeuronGroup"),
                    );
                    GroupKind::Neurons
                }
            },
        };
        let n = g.n.map(located);
        if n.is_none() {
            self.error(
                format!("group `{}` has no `N` (its number of neurons)", name.value),
                name.span,
                Some("add `N = 100` (say) to the group's table"),
            );
        }
        let dtype = g.dtype.map(|d| {
            let span = span_of(&d);
            match d.into_inner() {
                raw::StrOrTable::One(s) => DtypeSpec::All(Located { value: s, span }),
                raw::StrOrTable::Table(t) => DtypeSpec::PerVariable(
                    t.into_iter()
                        .map(|(k, v)| (located(k), located(v)))
                        .collect(),
                ),
            }
        });
        GroupSpec {
            kind,
            n,
            model: self.opt_code(g.model),
            method: self.method(g.method),
            threshold: self.opt_code(g.threshold),
            reset: self.opt_code(g.reset),
            refractory: g.refractory.map(|v| self.value(v)),
            events: self.table_codes(g.events),
            order: g.order.map(located),
            dt: self.opt_code(g.dt),
            dtype,
            init: self.assignments(g.init),
            on_event: g
                .on_event
                .into_iter()
                .map(|e| {
                    let e = e.into_inner();
                    OnEventSpec {
                        event: located(e.event),
                        code: self.code(e.code),
                        when: e.when.map(located),
                        order: e.order.map(located),
                    }
                })
                .collect(),
            event_schedule: g
                .event_schedule
                .into_iter()
                .map(|(k, s)| {
                    let s = s.into_inner();
                    (
                        located(k),
                        ScheduleSpec {
                            when: s.when.map(located),
                            order: s.order.map(located),
                        },
                    )
                })
                .collect(),
            links: g
                .links
                .into_iter()
                .map(|(k, l)| {
                    let l = l.into_inner();
                    (
                        located(k),
                        LinkSpec {
                            group: located(l.group),
                            variable: located(l.variable),
                            index: l.index.map(|v| self.value(v)),
                        },
                    )
                })
                .collect(),
            run_regularly: g
                .run_regularly
                .into_iter()
                .map(|r| {
                    let r = r.into_inner();
                    RunRegularlySpec {
                        code: self.code(r.code),
                        dt: self.opt_code(r.dt),
                        when: r.when.map(located),
                        order: r.order.map(located),
                    }
                })
                .collect(),
            rates: g.rates.map(|v| self.value(v)),
            indices: g.indices.and_then(|v| self.indices(v)),
            times: g.times.map(|v| self.value(v)),
            period: self.opt_code(g.period),
            name,
        }
    }

    fn monitor(&mut self, key: S<String>, m: S<raw::Monitor>) -> Option<MonitorSpec> {
        let name = located(key);
        let m = m.into_inner();
        let kind = located(m.kind);
        let k = match kind.value.as_str() {
            "spike" => MonitorKind::Spike,
            "event" => MonitorKind::Event,
            "state" => MonitorKind::State,
            "rate" => MonitorKind::Rate,
            other => {
                self.error(
                    format!("unknown monitor kind `{other}`"),
                    kind.span,
                    Some("a monitor's kind is one of `spike`, `event`, `state`, `rate`"),
                );
                return None;
            }
        };
        if k == MonitorKind::Event && m.event.is_none() {
            self.error(
                format!(
                    "event monitor `{}` does not say which event it records",
                    name.value
                ),
                name.span,
                Some("add `event = \"<event name>\"`"),
            );
        }
        Some(MonitorSpec {
            name,
            kind: Located {
                value: k,
                span: kind.span,
            },
            source: located(m.source),
            event: m.event.map(located),
            variables: m.variables.into_iter().map(located).collect(),
            record: m.record.map(|r| {
                let span = span_of(&r);
                Located {
                    value: match r.into_inner() {
                        raw::BoolOrInts::Bool(b) => RecordSpec::All(b),
                        raw::BoolOrInts::Ints(v) => RecordSpec::Indices(v),
                    },
                    span,
                }
            }),
            start: self.opt_code(m.start),
            stop: self.opt_code(m.stop),
            dt: self.opt_code(m.dt),
            when: m.when.map(located),
            order: m.order.map(located),
        })
    }
}

/// Where a decoded TOML string sits in the file: byte for byte after its opening quotes when it has no
/// escapes, otherwise only "somewhere in this value".
/// An index written as an integer (`Ok`) or a slice of integers (`Err`); `None` for anything else (a
/// condition).
fn parse_index(inner: &str) -> Option<Result<i64, SliceBounds>> {
    let bound = |s: &str| -> Option<Option<i64>> {
        let s = s.trim();
        if s.is_empty() {
            Some(None)
        } else {
            s.parse().ok().map(Some)
        }
    };
    match inner.split_once(':') {
        None => inner.trim().parse().ok().map(Ok),
        Some((a, b)) => Some(Err((bound(a)?, bound(b)?))),
    }
}

fn placement_in_file(file: &str, span: Span, decoded: &str) -> Placement {
    let raw = file.get(span.range()).unwrap_or("");
    let quote = ["\"\"\"", "'''", "\"", "'"]
        .into_iter()
        .find(|q| raw.starts_with(q));
    if let Some(q) = quote {
        let mut start = span.start + q.len();
        if q.len() == 3 {
            // TOML drops a newline that immediately follows the opening delimiter.
            if file[start..].starts_with("\r\n") {
                start += 2;
            } else if file[start..].starts_with('\n') {
                start += 1;
            }
        }
        if file.get(start..start + decoded.len()) == Some(decoded) {
            return Placement::Exact { offset: start };
        }
    }
    Placement::Within {
        range: span.range(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = r#"
[run]
duration = "1*second"
dt = "0.1*ms"
seed = 42

[namespace]
tau = "10*ms"
sigma = 0.5

[groups.G]
N = 10
model = """
dv/dt = (I - v)/tau : volt (unless refractory)
I : volt (constant)
"""
threshold = "v > -50*mV"
reset = 'v = -60*mV'
refractory = "5*ms"
events = { custom = "v > -55*mV" }

[groups.G.init]
v = "-60*mV + rand()*10*mV"
I = [0.1, 0.2]

[monitors.spikes]
kind = "spike"
source = "G"
"#;

    #[test]
    fn reads_the_design_example() {
        let m = ModelFile::parse("model.toml", EXAMPLE).unwrap();
        assert_eq!(m.groups.len(), 1);
        let g = &m.groups[0];
        assert_eq!(g.n.as_ref().unwrap().value, 10);
        assert_eq!(g.init[0].0.name.value, "v");
        assert_eq!(g.init[1].1.as_numbers(), Some(vec![0.1, 0.2]));
        assert_eq!(
            m.namespace[1].1,
            Value::Number(Located {
                value: 0.5,
                span: m.namespace[1].1.span()
            })
        );
        // Code strings map onto the file byte for byte: `tau` in the model is at its place in the file.
        let model = g.model.as_ref().unwrap();
        let off = model.text.find("tau").unwrap();
        let (line, col) = m.sources.line_column(model.source, Span::new(off, off + 3));
        assert_eq!((line, col), (14, 17));
        let reset = g.reset.as_ref().unwrap();
        assert_eq!(
            m.sources.line_column(reset.source, Span::new(0, 1)),
            (18, 10)
        );
    }

    #[test]
    fn unknown_keys_are_reported_at_their_place() {
        let text = "[groups.G]\nN = 1\nmodle = \"v : 1\"\n";
        let Err(LoadError::Invalid {
            sources,
            diagnostics,
        }) = ModelFile::parse("m.toml", text)
        else {
            panic!()
        };
        let rendered = sources.render(&diagnostics, false);
        assert!(rendered.contains("unknown field `modle`"), "{rendered}");
        assert!(rendered.contains("m.toml:3:1"), "{rendered}");
    }

    #[test]
    fn wrong_types_are_reported() {
        let text = "[groups.G]\nN = \"ten\"\n";
        let Err(LoadError::Invalid { diagnostics, .. }) = ModelFile::parse("m.toml", text) else {
            panic!()
        };
        assert!(
            diagnostics[0].message.contains("invalid type"),
            "{:?}",
            diagnostics[0]
        );
        assert_eq!(diagnostics[0].span, Span::new(15, 20));
    }

    #[test]
    fn strings_with_escapes_point_at_the_whole_value() {
        let text = "[groups.G]\nN = 1\nmodel = \"dv/dt = -v/tau : 1\\n\"\n";
        let m = ModelFile::parse("m.toml", text).unwrap();
        let model = m.groups[0].model.as_ref().unwrap();
        assert_eq!(model.text, "dv/dt = -v/tau : 1\n");
        assert_eq!(m.sources.line_column(model.source, Span::new(8, 9)), (3, 9));
    }

    #[test]
    fn monitor_and_group_names_must_differ() {
        let text = "[groups.G]\nN = 1\n[monitors.G]\nkind = \"spike\"\nsource = \"G\"\n";
        let Err(LoadError::Invalid { diagnostics, .. }) = ModelFile::parse("m.toml", text) else {
            panic!()
        };
        assert!(diagnostics[0].message.contains("same name"));
    }

    #[test]
    fn arrays_are_read_from_npy_files_next_to_the_model_file() {
        use ndarray::{Array1, Array2};
        use ndarray_npy::WriteNpyExt;
        let dir = std::env::temp_dir().join(format!("ganglion-npy-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let write = |name: &str, f: &dyn Fn(std::fs::File)| {
            f(std::fs::File::create(dir.join(name)).unwrap())
        };
        write("t.npy", &|f| {
            Array1::from(vec![0.5f32, 1.5]).write_npy(f).unwrap()
        });
        write("i.npy", &|f| {
            Array1::from(vec![3i64, 1]).write_npy(f).unwrap()
        });
        write("m.npy", &|f| {
            Array2::from_shape_vec((2, 3), (0..6).map(f64::from).collect())
                .unwrap()
                .write_npy(f)
                .unwrap()
        });
        let text = "[groups.P]\nkind = \"spike_generator\"\nN = 4\nindices = { file = \"i.npy\" }\ntimes = { file = \"t.npy\" }\n\
                    [timed_arrays.ta]\nvalues = { file = \"m.npy\" }\ndt = \"1*ms\"\n";
        let m = ModelFile::parse_in("m.toml", text, Some(dir.clone())).unwrap();
        let p = &m.groups[0];
        assert_eq!(p.indices.as_ref().unwrap().value, vec![3, 1]);
        assert_eq!(
            p.times.as_ref().unwrap().as_numbers().unwrap(),
            vec![0.5, 1.5]
        );
        let matrix = m.timed_arrays[0].values.as_matrix().unwrap();
        assert_eq!(matrix, vec![vec![0.0, 1.0, 2.0], vec![3.0, 4.0, 5.0]]);

        let missing = "[timed_arrays.ta]\nvalues = { file = \"absent.npy\" }\ndt = \"1*ms\"\n";
        let Err(LoadError::Invalid { diagnostics, .. }) =
            ModelFile::parse_in("m.toml", missing, Some(dir.clone()))
        else {
            panic!("a missing array file must be an error")
        };
        assert!(
            diagnostics[0].message.contains("absent.npy"),
            "{:?}",
            diagnostics[0]
        );
        let bad = "[timed_arrays.ta]\nvalues = { path = \"m.npy\" }\ndt = \"1*ms\"\n";
        let Err(LoadError::Invalid { diagnostics, .. }) =
            ModelFile::parse_in("m.toml", bad, Some(dir.clone()))
        else {
            panic!("an unknown form must be an error")
        };
        assert!(
            diagnostics[0].message.contains("accepted forms"),
            "{:?}",
            diagnostics[0]
        );
        assert!(
            diagnostics[0]
                .hint
                .as_deref()
                .unwrap_or("")
                .contains(".npy")
        );
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn indexed_keys_are_split_into_name_and_index() {
        let text = "[groups.G]\nN = 4\n[groups.G.init]\n\"v[3]\" = 1\n\"v[-1]\" = 2\n\"v[2:]\" = 3\n\"v[i > 1]\" = 4\nv = 5\n";
        let m = ModelFile::parse("m.toml", text).unwrap();
        let init = &m.groups[0].init;
        assert!(init.iter().all(|(t, _)| t.name.value == "v"));
        assert!(matches!(&init[0].0.index, Some(Index::Element(k)) if k.value == 3));
        assert!(matches!(&init[1].0.index, Some(Index::Element(k)) if k.value == -1));
        assert!(matches!(&init[2].0.index, Some(Index::Slice(b)) if b.value == (Some(2), None)));
        let Some(Index::Where(c)) = &init[3].0.index else {
            panic!("a condition")
        };
        assert_eq!(c.text, "i > 1");
        // The condition is placed in the file: column 4 of line 7 is its `i`.
        assert_eq!(m.sources.line_column(c.source, Span::new(0, 1)), (7, 4));
        assert!(init[4].0.index.is_none());
    }
}

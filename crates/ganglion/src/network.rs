//! The network users build: groups, monitors, runs.

use std::collections::{HashMap, HashSet};
use std::fmt;

use ganglion_ir::interp::{ArrayData, Value};
use ganglion_ir::{Backend, Extent, Kernel, Type};
use ganglion_lower::{GroupKernels, LowerOptions, MethodChoice, StorageMap};
use ganglion_model::{
    Code, EventSpec, Location, NeuronGroupModel, NeuronGroupSpec, RefractorySpec, TExpr, TKind,
    ValueType, VariableKind,
};
use ganglion_runtime::{
    ClockId, GroupId, ObjectId, ObjectInfo, Progress, RateData, SpikeData, StateData, Window,
};
use ganglion_syntax::{Diagnostic, SourceId, SourceMap, Span};
use ganglion_units::{Dimension, Quantity};

use crate::group::{ClockChoice, NeuronGroup, Refractory};
use crate::monitors::{
    EventMonitor, MonitorTiming, RateMonitor, Record, SpikeMonitor, StateMonitor,
};

/// A group added to a network.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct GroupHandle(pub(crate) usize);

/// A monitor added to a network.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MonitorHandle(pub(crate) usize);

/// Which engine runs the kernels (Brian2's `codeobj_class`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum BackendChoice {
    /// Native code compiled with Cranelift (the default).
    #[default]
    Jit,
    /// The reference interpreter.
    Interpreter,
}

impl BackendChoice {
    fn make(self) -> Box<dyn Backend> {
        match self {
            BackendChoice::Jit => Box::new(ganglion_jit::Jit::default()),
            BackendChoice::Interpreter => Box::new(ganglion_ir::Interpreter),
        }
    }
}

/// What went wrong.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The model has errors; `rendered` shows them with their source lines.
    #[error("{rendered}")]
    Model {
        /// The problems.
        diagnostics: Vec<Diagnostic>,
        /// The problems as text.
        rendered: String,
    },
    /// A request that does not fit the network (unknown variable, wrong length, wrong unit, ...).
    #[error("{0}")]
    Usage(String),
    /// The run stopped early.
    #[error(transparent)]
    Run(#[from] ganglion_runtime::RunError),
}

/// A value to set a variable to.
#[derive(Clone, Debug, PartialEq)]
pub enum SetValue {
    /// One quantity for every neuron.
    Quantity(Quantity),
    /// One value per neuron, in SI units.
    Values(Vec<f64>),
    /// An expression evaluated per neuron (`"-70*mV + rand()*10*mV"`).
    Expr(String),
}

impl From<Quantity> for SetValue {
    fn from(q: Quantity) -> Self {
        SetValue::Quantity(q)
    }
}

impl From<&str> for SetValue {
    fn from(s: &str) -> Self {
        SetValue::Expr(s.to_string())
    }
}

impl From<Vec<f64>> for SetValue {
    fn from(v: Vec<f64>) -> Self {
        SetValue::Values(v)
    }
}

/// The objects a group contributes to the schedule.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GroupObjects {
    /// The `StateUpdater`.
    pub state_updater: Option<ObjectId>,
    /// One `Thresholder` per event.
    pub thresholders: Vec<(String, ObjectId)>,
    /// One `Resetter` per event with code.
    pub resetters: Vec<(String, ObjectId)>,
    /// The `SubexpressionUpdater`.
    pub subexpression_updater: Option<ObjectId>,
    /// `run_regularly` operations.
    pub run_regularly: Vec<ObjectId>,
    /// Poisson inputs targeting the group.
    pub poisson_inputs: Vec<ObjectId>,
}

pub(crate) struct GroupEntry {
    pub(crate) name: String,
    pub(crate) id: GroupId,
    pub(crate) model: NeuronGroupModel,
    pub(crate) kernels: GroupKernels,
    pub(crate) storage: StorageMap,
    pub(crate) objects: GroupObjects,
    pub(crate) clock: ClockId,
    pub(crate) order: i64,
    pub(crate) namespace: ganglion_model::Namespace,
    pub(crate) requested_methods: Vec<String>,
    pub(crate) fusion: crate::fusion::Fusion,
    /// Linked variables that have been linked.
    pub(crate) linked: HashSet<String>,
    /// For Synapses: what they connect.
    pub(crate) synapses: Option<crate::synapses::SynapseEntry>,
}

pub(crate) enum MonitorKind {
    Spike,
    State,
    Rate,
}

pub(crate) struct MonitorEntry {
    pub(crate) name: String,
    pub(crate) kind: MonitorKind,
    pub(crate) object: ObjectId,
}

/// A network: groups and monitors, run together on one schedule (Brian2's `Network`).
pub struct Network {
    pub(crate) rt: ganglion_runtime::Network,
    /// The code strings diagnostics point into.
    pub sources: SourceMap,
    pub(crate) groups: Vec<GroupEntry>,
    pub(crate) monitors: Vec<MonitorEntry>,
    /// The run namespace: external constants the models refer to.
    pub namespace: ganglion_model::Namespace,
    default_clock: ClockId,
    named_clocks: HashMap<String, ClockId>,
    names: HashSet<String>,
    /// Warnings collected so far (rendered with [`Network::render`]).
    pub warnings: Vec<Diagnostic>,
    pub(crate) fusion_enabled: bool,
}

impl fmt::Debug for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Network")
            .field(
                "groups",
                &self.groups.iter().map(|g| &g.name).collect::<Vec<_>>(),
            )
            .field("t", &self.rt.t)
            .finish()
    }
}

fn q(value: f64, dim: Dimension) -> Quantity {
    Quantity::new(value, dim)
}

impl Network {
    /// An empty network with the default clock at `dt` = 0.1 ms, on the given backend.
    pub fn new(backend: BackendChoice) -> Network {
        let mut rt = ganglion_runtime::Network::new(backend.make());
        rt.threads = all_cores();
        let default_clock = rt.add_clock("defaultclock", 1e-4);
        Network {
            rt,
            sources: SourceMap::new(),
            groups: Vec::new(),
            monitors: Vec::new(),
            namespace: ganglion_model::Namespace::new(),
            default_clock,
            named_clocks: HashMap::new(),
            names: HashSet::new(),
            warnings: Vec::new(),
            fusion_enabled: true,
        }
    }

    /// Renders diagnostics with their source lines.
    pub fn render(&self, diagnostics: &[Diagnostic]) -> String {
        self.sources.render(diagnostics, false)
    }

    fn model_error(&self, diagnostics: Vec<Diagnostic>) -> Error {
        let rendered = self.sources.render(&diagnostics, false);
        Error::Model {
            diagnostics,
            rendered,
        }
    }

    /// Runs kernels over large groups on `threads` threads (0: every core, the default; 1: none but the
    /// caller's). Spikes and state do not depend on it, bit for bit.
    pub fn set_threads(&mut self, threads: usize) {
        self.rt.threads = if threads == 0 { all_cores() } else { threads };
    }

    /// The number of threads kernels run on.
    pub fn threads(&self) -> usize {
        self.rt.threads
    }

    /// The least work (IR instructions per neuron × neurons, a built-in function or random draw counting
    /// 16, a synaptic event 256) given to a thread (default 400 000, some tens of µs); pathways with fewer
    /// than twice as many synapses stay in one part. Tests set it to 1 to split everything.
    pub fn set_parallel_grain(&mut self, work: usize) {
        self.rt.parallel_grain = work.max(1);
    }

    /// The name of the backend running the kernels (`interp`, `jit`).
    pub fn backend_name(&self) -> &'static str {
        self.rt.backend_name()
    }

    /// How long each kernel compiled so far took, by kernel name (`P.stateupdater`, `P.fused`; empty on
    /// the interpreter).
    pub fn compile_times(&self) -> &[(String, std::time::Duration)] {
        self.rt.compile_times()
    }

    /// Sets the default clock's time step (seconds).
    pub fn set_dt(&mut self, dt: f64) -> Result<(), Error> {
        self.rt.clocks[self.default_clock.0]
            .set_dt(dt)
            .map_err(Error::Usage)
    }

    /// The default clock's time step.
    pub fn dt(&self) -> f64 {
        self.rt.clocks[self.default_clock.0].dt
    }

    /// The current time (seconds).
    pub fn t(&self) -> f64 {
        self.rt.t
    }

    /// Sets the seed of the random streams.
    pub fn seed(&mut self, seed: u64) {
        self.rt.seed = seed;
    }

    /// Uses a custom schedule (a list of slot names; `before_`/`after_` slots come with each).
    pub fn set_schedule<S: Into<String>>(
        &mut self,
        slots: impl IntoIterator<Item = S>,
    ) -> Result<(), Error> {
        let slots: Vec<String> = slots.into_iter().map(Into::into).collect();
        if let Some(bad) = slots
            .iter()
            .find(|s| s.starts_with("before_") || s.starts_with("after_"))
        {
            return Err(Error::Usage(format!(
                "`{bad}` cannot be a slot of a schedule: `before_` and `after_` slots exist for every slot"
            )));
        }
        self.rt.schedule = slots;
        Ok(())
    }

    /// Sets an external constant of the run namespace (read again at every run).
    pub fn set_constant(&mut self, name: &str, value: Quantity) {
        self.namespace
            .insert(name, ganglion_model::ExternalValue::quantity(value));
    }

    /// Adds a clock that objects can share by name.
    pub fn add_clock(&mut self, name: &str, dt: f64) -> Result<(), Error> {
        if self.named_clocks.contains_key(name) {
            return Err(Error::Usage(format!(
                "a clock called `{name}` already exists"
            )));
        }
        let id = self.rt.add_clock(name, dt);
        self.named_clocks.insert(name.to_string(), id);
        Ok(())
    }

    pub(crate) fn clock_for(
        &mut self,
        choice: &ClockChoice,
        owner: &str,
    ) -> Result<ClockId, Error> {
        Ok(match choice {
            ClockChoice::Default => self.default_clock,
            ClockChoice::Dt(dt) => {
                if *dt == self.dt() {
                    self.default_clock
                } else {
                    self.rt.add_clock(format!("{owner}_clock"), *dt)
                }
            }
            ClockChoice::Shared(name) => *self
                .named_clocks
                .get(name)
                .ok_or_else(|| Error::Usage(format!("no clock called `{name}`")))?,
        })
    }

    /// Records a name as used.
    pub(crate) fn reserve_name(&mut self, name: &str) {
        self.names.insert(name.to_string());
    }

    /// A unique name: a trailing `*` numbers it as Brian2 does (`x`, `x_1`, `x_2`, ...).
    pub(crate) fn unique_name(&mut self, name: &str) -> Result<String, Error> {
        let name = if let Some(base) = name.strip_suffix('*') {
            let mut candidate = base.to_string();
            let mut k = 1;
            while self.names.contains(&candidate) {
                candidate = format!("{base}_{k}");
                k += 1;
            }
            candidate
        } else {
            if self.names.contains(name) {
                return Err(Error::Usage(format!(
                    "the name `{name}` is already used in this network"
                )));
            }
            name.to_string()
        };
        self.names.insert(name.clone());
        Ok(name)
    }

    /// Adds a group: checks its model (with the network's namespace as the run namespace), chooses its
    /// integration method and prepares its kernels.
    pub fn add_group(&mut self, group: NeuronGroup) -> Result<GroupHandle, Error> {
        if group.n == 0 {
            return Err(Error::Usage(
                "a NeuronGroup needs at least one neuron (N = 0)".into(),
            ));
        }
        let name = self.unique_name(&group.name)?;
        let model_src = self
            .sources
            .add_standalone(format!("<model of {name}>"), group.model.clone());
        let threshold_src = group.threshold.as_ref().map(|t| {
            self.sources
                .add_standalone(format!("<threshold of {name}>"), t.clone())
        });
        let reset_src = group.reset.as_ref().map(|t| {
            self.sources
                .add_standalone(format!("<reset of {name}>"), t.clone())
        });
        let refractory_src = match &group.refractory {
            Refractory::Code(c) => Some(
                self.sources
                    .add_standalone(format!("<refractory of {name}>"), c.clone()),
            ),
            _ => None,
        };
        let event_srcs: Vec<SourceId> = group
            .events
            .iter()
            .map(|(e, c)| {
                self.sources
                    .add_standalone(format!("<event `{e}` of {name}>"), c.clone())
            })
            .collect();
        let events: Vec<EventSpec<'_>> = group
            .events
            .iter()
            .zip(&event_srcs)
            .map(|((e, c), src)| EventSpec {
                name: e,
                name_location: Location {
                    source: *src,
                    span: Span::new(0, c.len()),
                },
                condition: Code {
                    text: c,
                    source: *src,
                },
            })
            .collect();
        let spec = NeuronGroupSpec {
            name: &name,
            n: group.n,
            model: Code {
                text: &group.model,
                source: model_src,
            },
            threshold: group
                .threshold
                .as_deref()
                .zip(threshold_src)
                .map(|(t, s)| Code { text: t, source: s }),
            reset: group
                .reset
                .as_deref()
                .zip(reset_src)
                .map(|(t, s)| Code { text: t, source: s }),
            refractory: match &group.refractory {
                Refractory::None => RefractorySpec::None,
                Refractory::Time(t) => RefractorySpec::Time(*t),
                Refractory::Code(c) => RefractorySpec::Code(Code {
                    text: c,
                    source: refractory_src.expect("registered above"),
                }),
            },
            events,
            on_event: Vec::new(),
            namespace: group.namespace.clone(),
            shared_links: Vec::new(),
        };
        let (model, diagnostics) = ganglion_model::check_neuron_group(&spec, &self.namespace);
        let (errors, warnings): (Vec<_>, Vec<_>) =
            diagnostics.into_iter().partition(Diagnostic::is_error);
        self.warnings.extend(warnings);
        let Some(model) = model else {
            return Err(self.model_error(errors));
        };
        let clock = self.clock_for(&group.clock, &name)?;
        self.add_checked_group(
            model,
            group.methods,
            group.dtypes,
            clock,
            group.order,
            group.namespace,
            None,
        )
    }

    /// Adds a group whose model is already checked.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn add_checked_group(
        &mut self,
        model: NeuronGroupModel,
        methods: Vec<String>,
        dtypes: ganglion_lower::Dtypes,
        clock: ClockId,
        order: i64,
        namespace: ganglion_model::Namespace,
        method_source: Option<SourceId>,
    ) -> Result<GroupHandle, Error> {
        let options = LowerOptions {
            methods: methods.clone(),
            dtypes: dtypes.clone(),
            clock_dt: Some(self.rt.clocks[clock.0].dt),
        };
        let kernels = match ganglion_lower::lower_group(&model, &options) {
            Ok(k) => k,
            Err(e) => return Err(self.method_error(&model, e, method_source)),
        };
        let storage = ganglion_lower::storage_map(&model, &dtypes);
        let variables: Vec<(String, Type, Extent)> = kernels
            .storage
            .iter()
            .map(|(n, s)| (n.clone(), s.ty, s.extent))
            .collect();
        let id = self.rt.add_group(&model.name, model.n, &variables);
        // Brian2's initial values: 0, except lastspike = -1e4 s and not_refractory = True.
        for v in &model.variables {
            match v.kind {
                VariableKind::LastSpike => {
                    if let Some(a) = self.rt.groups[id.0].array_mut("lastspike") {
                        a.fill_from_f64(&vec![-1e4; model.n]);
                    }
                }
                VariableKind::NotRefractory => {
                    if let Some(a) = self.rt.groups[id.0].array_mut("not_refractory") {
                        a.fill_from_f64(&vec![1.0; model.n]);
                    }
                }
                _ => {}
            }
        }
        let overrides = value_map(&namespace);
        let name = model.name.clone();
        let info = |object: String, when: &str| ObjectInfo {
            name: object,
            when: when.to_string(),
            order,
            clock,
            active: true,
            part_of: name.clone(),
        };
        let mut objects = GroupObjects::default();
        let usage = |e: String| Error::Usage(e);
        if let Some(k) = &kernels.subexpression_update {
            let id = self
                .rt
                .add_kernel(
                    info(format!("{name}_subexpression_update"), "before_start"),
                    id,
                    k,
                    overrides.clone(),
                )
                .map_err(usage)?;
            objects.subexpression_updater = Some(id);
        }
        if let Some(k) = &kernels.state_update {
            let id = self
                .rt
                .add_kernel(
                    info(format!("{name}_stateupdater"), "groups"),
                    id,
                    k,
                    overrides.clone(),
                )
                .map_err(usage)?;
            objects.state_updater = Some(id);
        }
        for k in &kernels.thresholds {
            let ganglion_ir::KernelKind::Threshold(event) = &k.kind else {
                continue;
            };
            let when = if event == "spike" {
                "thresholds"
            } else {
                "after_thresholds"
            };
            let obj = self
                .rt
                .add_kernel(
                    info(format!("{name}_{event}_thresholder"), when),
                    id,
                    k,
                    overrides.clone(),
                )
                .map_err(usage)?;
            objects.thresholders.push((event.clone(), obj));
        }
        for k in &kernels.event_codes {
            let ganglion_ir::KernelKind::Reset(event) = &k.kind else {
                continue;
            };
            let when = if event == "spike" {
                "resets"
            } else {
                "after_resets"
            };
            let obj = self
                .rt
                .add_kernel(
                    info(format!("{name}_{event}_resetter"), when),
                    id,
                    k,
                    overrides.clone(),
                )
                .map_err(usage)?;
            objects.resetters.push((event.clone(), obj));
        }
        self.groups.push(GroupEntry {
            name,
            id,
            model,
            kernels,
            storage,
            objects,
            clock,
            order,
            namespace,
            requested_methods: methods,
            fusion: crate::fusion::Fusion::default(),
            linked: HashSet::new(),
            synapses: None,
        });
        Ok(GroupHandle(self.groups.len() - 1))
    }

    fn method_error(
        &self,
        model: &NeuronGroupModel,
        e: ganglion_lower::LowerError,
        source: Option<SourceId>,
    ) -> Error {
        let ganglion_lower::LowerError::Method(choice) = e;
        let (message, notes, hint) = match &choice {
            ganglion_lower::ChoiceError::Method(m) => {
                let hint = match m {
                    ganglion_lower::MethodError::Unknown {
                        suggestion: Some(s), ..
                    } => Some(format!("did you mean `{s}`?")),
                    _ => Some(format!(
                        "the methods are: {}",
                        ganglion_lower::methods::METHOD_NAMES.join(", ")
                    )),
                };
                (m.to_string(), Vec::new(), hint)
            }
            ganglion_lower::ChoiceError::NoneApplies { refused } => (
                format!("no integration method suitable for the equations of group `{}` was found", model.name),
                refused.iter().map(|(m, why)| format!("{m}: {why}")).collect(),
                Some("choose a method that supports these equations, e.g. `method = \"heun\"` for multiplicative noise".to_string()),
            ),
        };
        let source = source.or(model.source);
        let mut d = Diagnostic::error(
            message,
            Span::new(0, source.map_or(0, |s| self.sources.text(s).len())),
        )
        .with_code("method");
        for n in notes {
            d = d.with_note(n);
        }
        if let Some(h) = hint {
            d = d.with_hint(h);
        }
        if let Some(s) = source {
            d = d.in_source(s);
        }
        self.model_error(vec![d])
    }

    pub(crate) fn entry(&self, g: GroupHandle) -> &GroupEntry {
        &self.groups[g.0]
    }

    /// The group called `name`.
    pub fn group_named(&self, name: &str) -> Option<GroupHandle> {
        self.groups
            .iter()
            .position(|g| g.name == name)
            .map(GroupHandle)
    }

    /// A group's name.
    pub fn group_name(&self, g: GroupHandle) -> &str {
        &self.entry(g).name
    }

    /// A group's size.
    pub fn group_size(&self, g: GroupHandle) -> usize {
        self.entry(g).model.n
    }

    /// A group's checked model (variables, equations, events).
    pub fn model(&self, g: GroupHandle) -> &NeuronGroupModel {
        &self.entry(g).model
    }

    /// The equations as the user wrote them (Brian2's `user_equations`).
    pub fn user_equations(&self, g: GroupHandle) -> &str {
        &self.entry(g).model.user_equations
    }

    /// The methods the user asked for (Brian2's `method_choice`).
    pub fn method_choice(&self, g: GroupHandle) -> &[String] {
        &self.entry(g).requested_methods
    }

    /// The method used, and why the others were refused.
    pub fn method_chosen(&self, g: GroupHandle) -> Option<&MethodChoice> {
        self.entry(g).kernels.method.as_ref()
    }

    /// The group's events (Brian2's `events`).
    pub fn events(&self, g: GroupHandle) -> Vec<&str> {
        self.entry(g)
            .model
            .events
            .iter()
            .map(|e| e.name.as_str())
            .collect()
    }

    /// The code run on each event (Brian2's `event_codes`).
    pub fn event_codes(&self, g: GroupHandle) -> Vec<(&str, &str)> {
        self.entry(g)
            .model
            .event_codes
            .iter()
            .map(|c| (c.event.as_str(), c.code.text.as_str()))
            .collect()
    }

    /// The indices of the neurons that spiked in the most recent threshold check (Brian2's `spikes`).
    pub fn spikes(&self, g: GroupHandle) -> Vec<usize> {
        self.rt.groups[self.entry(g).id.0]
            .event("spike")
            .iter()
            .map(|&i| i as usize)
            .collect()
    }

    /// The scheduled objects of a group (state updater, thresholders, ...).
    pub fn objects(&self, g: GroupHandle) -> &GroupObjects {
        &self.entry(g).objects
    }

    /// The slot, order and activity of a scheduled object (change them through [`Network::object_mut`]).
    pub fn object(&self, id: ObjectId) -> &ObjectInfo {
        self.rt.info(id)
    }

    /// Changes an object's slot, order or activity.
    pub fn object_mut(&mut self, id: ObjectId) -> &mut ObjectInfo {
        self.rt.info_mut(id)
    }

    /// The kernels of a group, for printing.
    pub fn kernels(&self, g: GroupHandle) -> &GroupKernels {
        &self.entry(g).kernels
    }

    /// The kernel a scheduled object runs.
    pub fn kernel(&self, id: ObjectId) -> Option<&Kernel> {
        self.rt.kernel(id)
    }

    /// Brian2's `scheduling_summary()`.
    pub fn scheduling_summary(&self) -> String {
        self.rt.scheduling_summary()
    }

    /// Runs `code` on `event` (Brian2's `run_on_event`; `when` defaults to `after_resets`, `order` to the
    /// group's). Returns the scheduled object, which can be deactivated.
    pub fn run_on_event(
        &mut self,
        g: GroupHandle,
        event: &str,
        code: &str,
        when: Option<&str>,
        order: Option<i64>,
    ) -> Result<ObjectId, Error> {
        let name = self.entry(g).name.clone();
        let source = self
            .sources
            .add_standalone(format!("<code on `{event}` of {name}>"), code.to_string());
        self.run_on_event_at(g, event, Code { text: code, source }, None, when, order)
    }

    pub(crate) fn run_on_event_at(
        &mut self,
        g: GroupHandle,
        event: &str,
        code: Code<'_>,
        event_location: Option<Location>,
        when: Option<&str>,
        order: Option<i64>,
    ) -> Result<ObjectId, Error> {
        let entry = self.entry(g);
        let model = &entry.model;
        let location = event_location.unwrap_or(Location {
            source: code.source,
            span: Span::new(0, code.text.len()),
        });
        if model.event(event).is_none() {
            let known: Vec<String> = model.events.iter().map(|e| e.name.clone()).collect();
            let mut d = Diagnostic::error(format!("unknown event `{event}`"), location.span)
                .with_code("unknown-event")
                .in_source(location.source);
            d = d.with_hint(if known.is_empty() {
                "the group defines no events: add a `threshold` or `events`".to_string()
            } else if event == "spike" {
                format!(
                    "did you forget to define a threshold? The group's events are: {}",
                    known.join(", ")
                )
            } else {
                format!("the group's events are: {}", known.join(", "))
            });
            return Err(self.model_error(vec![d]));
        }
        if entry.objects.resetters.iter().any(|(e, _)| e == event) {
            let d = Diagnostic::error(
                format!("code for the event `{event}` has already been added"),
                location.span,
            )
            .with_code("duplicate-event-code")
            .in_source(location.source);
            return Err(self.model_error(vec![d]));
        }
        let scope = ganglion_model::group_scope(model, &self.namespace);
        let mut diagnostics = Vec::new();
        let block = check_block(code, &scope, &mut diagnostics);
        let Some(block) = block else {
            return Err(self.model_error(diagnostics));
        };
        let mut k = Kernel::new(
            format!("{}.resetter_{event}", entry.name),
            ganglion_ir::KernelKind::Reset(event.to_string()),
            ganglion_ir::Domain::Neurons,
        );
        let e = k.event(event);
        k.domain = ganglion_ir::Domain::Events(e);
        // Brian2's resetters (of any event) override the conditional write of `(unless refractory)`
        // variables: event code writes them even while the neuron is refractory.
        let kernel = ganglion_lower::lower_event_code(model, &entry.storage, &block, k, true);
        let info = ObjectInfo {
            name: format!("{}_{event}_resetter", entry.name),
            when: when.unwrap_or("after_resets").to_string(),
            order: order.unwrap_or(entry.order),
            clock: entry.clock,
            active: true,
            part_of: entry.name.clone(),
        };
        let id = self.entry(g).id;
        let overrides = value_map(&self.entry(g).namespace);
        let obj = self
            .rt
            .add_kernel(info, id, &kernel, overrides)
            .map_err(Error::Usage)?;
        self.groups[g.0]
            .objects
            .resetters
            .push((event.to_string(), obj));
        Ok(obj)
    }

    /// Links a `(linked)` variable of `target` to `source_var` of `source` (Brian2's
    /// `target.var = linked_var(source, source_var, index=...)`): for each target neuron, `index` names
    /// the source neuron; without it the groups must have the same size, or the source one neuron.
    pub fn link(
        &mut self,
        target: GroupHandle,
        var: &str,
        source: GroupHandle,
        source_var: &str,
        index: Option<Vec<usize>>,
    ) -> Result<(), Error> {
        let t = self.entry(target);
        let Some(tv) = t.model.variable(var) else {
            return Err(Error::Usage(format!(
                "group `{}` has no variable `{var}`",
                t.name
            )));
        };
        if !tv.linked {
            return Err(Error::Usage(format!(
                "`{var}` of group `{}` is not a linked variable (declare it with the `(linked)` flag)",
                t.name
            )));
        }
        let s = self.entry(source);
        let Some(sv) = s.model.variable(source_var) else {
            return Err(Error::Usage(format!(
                "group `{}` has no variable `{source_var}`",
                s.name
            )));
        };
        if sv.dim != tv.dim {
            return Err(Error::Usage(format!(
                "cannot link `{}.{var}` (units of {}) to `{}.{source_var}` (units of {})",
                t.name, tv.dim, s.name, sv.dim
            )));
        }
        if tv.shared && !sv.shared && s.model.n != 1 {
            return Err(Error::Usage(format!(
                "cannot link the shared `{}.{var}` (a shared subexpression reads it) to `{}.{source_var}`, \
                 which has {} values: link it to a shared variable or to a group of one neuron",
                t.name, s.name, s.model.n
            )));
        }
        let link = ganglion_runtime::Link {
            target: t.id,
            target_var: var.to_string(),
            source: s.id,
            source_var: source_var.to_string(),
            index,
        };
        self.rt.add_link(link).map_err(Error::Usage)?;
        self.groups[target.0].linked.insert(var.to_string());
        Ok(())
    }

    /// Changes where an event's condition is checked (Brian2's `set_event_schedule`).
    pub fn set_event_schedule(
        &mut self,
        g: GroupHandle,
        event: &str,
        when: &str,
        order: Option<i64>,
    ) -> Result<(), Error> {
        let entry = self.entry(g);
        let Some((_, id)) = entry.objects.thresholders.iter().find(|(e, _)| e == event) else {
            return Err(Error::Usage(format!(
                "unknown event `{event}` of group `{}`",
                entry.name
            )));
        };
        let (id, default_order) = (*id, entry.order);
        let info = self.rt.info_mut(id);
        info.when = when.to_string();
        info.order = order.unwrap_or(default_order);
        Ok(())
    }

    /// Runs `code` every `dt` seconds (default: the group's clock) at `when` (default `start`), as Brian2's
    /// `run_regularly`.
    pub fn run_regularly(
        &mut self,
        g: GroupHandle,
        code: &str,
        dt: Option<f64>,
        when: Option<&str>,
        order: Option<i64>,
    ) -> Result<ObjectId, Error> {
        let name = self.entry(g).name.clone();
        let source = self
            .sources
            .add_standalone(format!("<run_regularly of {name}>"), code.to_string());
        self.run_regularly_at(g, Code { text: code, source }, dt, when, order)
    }

    pub(crate) fn run_regularly_at(
        &mut self,
        g: GroupHandle,
        code: Code<'_>,
        dt: Option<f64>,
        when: Option<&str>,
        order: Option<i64>,
    ) -> Result<ObjectId, Error> {
        let entry = self.entry(g);
        let scope = ganglion_model::group_scope(&entry.model, &self.namespace);
        let mut diagnostics = Vec::new();
        let Some(block) = check_block_shared(code, &scope, &mut diagnostics) else {
            return Err(self.model_error(diagnostics));
        };
        let count = entry.objects.run_regularly.len();
        let object_name = if count == 0 {
            format!("{}_run_regularly", entry.name)
        } else {
            format!("{}_run_regularly_{count}", entry.name)
        };
        let kernel = ganglion_lower::lower_code(
            &entry.model,
            &entry.storage,
            &block,
            &format!("{}.run_regularly_{count}", entry.name),
        );
        let (id, order, own_order, group_clock) = (entry.id, order, entry.order, entry.clock);
        let overrides = value_map(&entry.namespace);
        let clock = match dt {
            Some(dt) => self.rt.add_clock(format!("{object_name}_clock"), dt),
            None => group_clock,
        };
        let info = ObjectInfo {
            name: object_name,
            when: when.unwrap_or("start").to_string(),
            order: order.unwrap_or(own_order),
            clock,
            active: true,
            part_of: self.entry(g).name.clone(),
        };
        let obj = self
            .rt
            .add_kernel(info, id, &kernel, overrides)
            .map_err(Error::Usage)?;
        self.groups[g.0].objects.run_regularly.push(obj);
        Ok(obj)
    }

    fn variable_info(
        &self,
        g: GroupHandle,
        var: &str,
    ) -> Result<(Dimension, ValueType, bool), Error> {
        let model = &self.entry(g).model;
        if let Some(v) = model.variable(var) {
            if v.kind == VariableKind::ConstantOverDt {
                return Err(Error::Usage(format!(
                    "`{var}` is a subexpression and cannot be set"
                )));
            }
            return Ok((v.dim, v.ty, v.shared));
        }
        if model.subexpression(var).is_some() {
            return Err(Error::Usage(format!(
                "`{var}` is a subexpression and cannot be set"
            )));
        }
        if self.entry(g).synapses.is_some() {
            match var {
                "delay" => return Ok((Dimension::TIME, ValueType::Float, false)),
                "i" | "j" | "N_incoming" | "N_outgoing" | "N_pre" | "N_post" | "lastupdate" => {
                    return Err(Error::Usage(format!("`{var}` of synapses is read-only")));
                }
                _ => {}
            }
        }
        if matches!(var, "i" | "N" | "t" | "dt" | "t_in_timesteps") {
            return Err(Error::Usage(format!("`{var}` is read-only")));
        }
        let names = model.variables.iter().map(|v| v.name.as_str());
        let hint = ganglion_model::expr::closest(var, names)
            .map(|s| format!(" (did you mean `{s}`?)"))
            .unwrap_or_default();
        Err(Error::Usage(format!(
            "group `{}` has no variable `{var}`{hint}",
            self.entry(g).name
        )))
    }

    /// Sets a variable: to a quantity, to one SI value per neuron, or to an expression evaluated per
    /// neuron (`"-70*mV + rand()*10*mV"`).
    pub fn set(
        &mut self,
        g: GroupHandle,
        var: &str,
        value: impl Into<SetValue>,
    ) -> Result<(), Error> {
        self.set_where(g, var, None, value.into())
    }

    /// Sets a variable where a condition holds (Brian2's `G.v['i > 5'] = ...`).
    pub fn set_where(
        &mut self,
        g: GroupHandle,
        var: &str,
        condition: Option<&str>,
        value: SetValue,
    ) -> Result<(), Error> {
        let (dim, ty, shared) = self.variable_info(g, var)?;
        let n = self.entry(g).model.n;
        let name = self.entry(g).name.clone();
        let expr_text = match (&value, condition) {
            (SetValue::Quantity(q), None) => {
                // As in Brian2, a plain 0 sets a variable of any unit.
                if q.dim != dim && !(q.value == 0.0 && q.dim.is_dimensionless()) {
                    return Err(Error::Usage(format!(
                        "cannot set `{var}` of `{name}` to {q}: it has units of {dim}, not {}",
                        q.dim
                    )));
                }
                let len = if shared { 1 } else { n };
                return self.write_values(g, var, &vec![q.value; len], ty);
            }
            (SetValue::Values(values), None) => {
                let len = if shared { 1 } else { n };
                if values.len() != len {
                    return Err(Error::Usage(format!(
                        "cannot set `{var}` of `{name}` from {} values: the group has {len}",
                        values.len()
                    )));
                }
                return self.write_values(g, var, values, ty);
            }
            (SetValue::Quantity(qv), Some(_)) => format!("{:?}", qv.value),
            (SetValue::Values(_), Some(_)) => {
                return Err(Error::Usage(
                    "conditional assignment takes a quantity or an expression".into(),
                ));
            }
            (SetValue::Expr(e), _) => e.clone(),
        };
        let quantity_dims = match &value {
            SetValue::Quantity(qv) => Some(qv.dim),
            _ => None,
        };
        let source = self
            .sources
            .add_standalone(format!("<value of {name}.{var}>"), expr_text.clone());
        let cond_source = condition.map(|c| {
            (
                self.sources
                    .add_standalone(format!("<condition for {name}.{var}>"), c.to_string()),
                c,
            )
        });
        self.set_expr(g, var, &expr_text, source, cond_source, quantity_dims)
    }

    pub(crate) fn set_expr(
        &mut self,
        g: GroupHandle,
        var: &str,
        text: &str,
        source: SourceId,
        condition: Option<(SourceId, &str)>,
        quantity_dims: Option<Dimension>,
    ) -> Result<(), Error> {
        let (dim, _, _) = self.variable_info(g, var)?;
        let entry = self.entry(g);
        let mut scope = ganglion_model::group_scope(&entry.model, &self.namespace);
        if let Some(syn) = &entry.synapses {
            for (n, v) in &syn.context.variables {
                scope
                    .variables
                    .entry(n.clone())
                    .or_insert_with(|| v.clone());
            }
        }
        let mut diagnostics = Vec::new();
        let Some(mut value) =
            ganglion_model::check_code_expr(text, source, &scope, &mut diagnostics)
        else {
            return Err(self.model_error(diagnostics));
        };
        if let Some(d) = quantity_dims {
            value.dim = d;
        }
        if value.dim != dim {
            let e = ganglion_model::ModelError::DimensionMismatch {
                span: value.span,
                context: format!("the value of `{var}`"),
                expected: dim,
                found: value.dim,
            };
            return Err(self.model_error(vec![e.to_diagnostic().in_source(source)]));
        }
        let cond = match condition {
            None => None,
            Some((src, text)) => {
                let Some(c) = ganglion_model::check_code_expr(text, src, &scope, &mut diagnostics)
                else {
                    return Err(self.model_error(diagnostics));
                };
                if c.ty != ValueType::Bool {
                    let e = ganglion_model::ModelError::NotBoolean {
                        span: c.span,
                        context: "the condition".into(),
                    };
                    return Err(self.model_error(vec![e.to_diagnostic().in_source(src)]));
                }
                Some(c)
            }
        };
        let kernel = ganglion_lower::lower_assignment(
            &entry.model,
            &entry.storage,
            var,
            &value,
            cond.as_ref(),
        );
        let (id, overrides) = (entry.id, value_map(&entry.namespace));
        self.sync_externals();
        self.rt
            .execute(id, &kernel, overrides)
            .map_err(Error::Usage)
    }

    fn write_values(
        &mut self,
        g: GroupHandle,
        var: &str,
        values: &[f64],
        ty: ValueType,
    ) -> Result<(), Error> {
        let id = self.entry(g).id;
        let Some(array) = self.rt.groups[id.0].array_mut(var) else {
            return Err(Error::Usage(format!("`{var}` has no storage")));
        };
        if ty == ValueType::Int && values.iter().any(|v| v.fract() != 0.0) {
            return Err(Error::Usage(format!(
                "`{var}` is an integer variable; the values must be whole numbers"
            )));
        }
        array.fill_from_f64(values);
        Ok(())
    }

    /// The values of a variable or subexpression, in SI units (Brian2's `state(name, use_units=False)`).
    pub fn state(&mut self, g: GroupHandle, var: &str) -> Result<Vec<f64>, Error> {
        let entry = self.entry(g);
        if let Some(a) = self.rt.groups[entry.id.0].array(var)
            && (entry.model.variable(var).is_some()
                || entry.synapses.is_some() && !var.starts_with('_'))
        {
            return Ok(a.to_f64_vec());
        }
        let Some(sub) = entry.model.subexpression(var).cloned() else {
            return Err(Error::Usage(format!(
                "group `{}` has no variable `{var}`",
                entry.name
            )));
        };
        let scratch = format!("_probe_{var}");
        let kernel = self.probe_kernel(g, &sub.name, &scratch, sub.shared);
        let id = self.entry(g).id;
        self.rt.add_array(
            id,
            &scratch,
            Type::F64,
            if sub.shared {
                Extent::Shared
            } else {
                Extent::PerNeuron
            },
        );
        let overrides = value_map(&self.entry(g).namespace);
        self.sync_externals();
        self.rt
            .execute(id, &kernel, overrides)
            .map_err(Error::Usage)?;
        Ok(self.rt.groups[id.0]
            .array(&scratch)
            .map(ArrayData::to_f64_vec)
            .unwrap_or_default())
    }

    /// The values of a variable with their units (Brian2's `state(name, use_units=True)`).
    pub fn state_with_units(&mut self, g: GroupHandle, var: &str) -> Result<Vec<Quantity>, Error> {
        let model = &self.entry(g).model;
        let dim = model
            .variable(var)
            .map(|v| v.dim)
            .or_else(|| model.subexpression(var).map(|s| s.dim))
            .unwrap_or(Dimension::DIMENSIONLESS);
        Ok(self.state(g, var)?.into_iter().map(|v| q(v, dim)).collect())
    }

    /// A kernel that evaluates a subexpression into a hidden array.
    fn probe_kernel(&self, g: GroupHandle, sub: &str, scratch: &str, shared: bool) -> Kernel {
        let entry = self.entry(g);
        let mut storage = entry.storage.clone();
        storage.insert(
            scratch.to_string(),
            ganglion_lower::StorageInfo::own(
                Type::F64,
                if shared {
                    Extent::Shared
                } else {
                    Extent::PerNeuron
                },
                ValueType::Float,
            ),
        );
        let value = TExpr {
            kind: TKind::Var(sub.to_string()),
            ty: entry
                .model
                .subexpression(sub)
                .map_or(ValueType::Float, |s| s.ty),
            dim: Dimension::DIMENSIONLESS,
            span: Span::default(),
        };
        ganglion_lower::lower_assignment(&entry.model, &storage, scratch, &value, None)
    }

    fn monitor_info(
        &mut self,
        timing: &MonitorTiming,
        default_name: &str,
        when: &str,
        order: i64,
        clock: ClockId,
    ) -> Result<ObjectInfo, Error> {
        let name = self.unique_name(timing.name.as_deref().unwrap_or(default_name))?;
        let clock = match timing.dt {
            Some(dt) => self.rt.add_clock(format!("{name}_clock"), dt),
            None => clock,
        };
        Ok(ObjectInfo {
            part_of: name.clone(),
            name,
            when: timing.when.clone().unwrap_or_else(|| when.to_string()),
            order: timing.order.unwrap_or(order),
            clock,
            active: true,
        })
    }

    fn range(&self, g: GroupHandle, timing: &MonitorTiming) -> Result<(usize, usize), Error> {
        let n = self.entry(g).model.n;
        let r = timing.range.unwrap_or((0, n));
        if r.0 >= r.1 || r.1 > n {
            return Err(Error::Usage(format!(
                "the subgroup [{}:{}] is not part of a group of {n} neurons",
                r.0, r.1
            )));
        }
        Ok(r)
    }

    /// Adds a spike monitor (it runs right after the spike thresholder).
    pub fn add_spike_monitor(&mut self, m: SpikeMonitor) -> Result<MonitorHandle, Error> {
        self.add_event_monitor_inner(m, "spikemonitor*")
    }

    /// Adds an event monitor (it runs right after the event's thresholder).
    pub fn add_event_monitor(&mut self, m: EventMonitor) -> Result<MonitorHandle, Error> {
        let mut inner = m.inner;
        inner.timing = m.timing;
        self.add_event_monitor_inner(inner, "eventmonitor*")
    }

    fn add_event_monitor_inner(
        &mut self,
        m: SpikeMonitor,
        default_name: &str,
    ) -> Result<MonitorHandle, Error> {
        let entry = self.entry(m.source);
        let Some((_, thresholder)) = entry
            .objects
            .thresholders
            .iter()
            .find(|(e, _)| *e == m.event)
        else {
            return Err(Error::Usage(format!(
                "group `{}` has no event `{}`",
                entry.name, m.event
            )));
        };
        for v in &m.variables {
            if entry.model.variable(v).is_none() {
                return Err(Error::Usage(format!(
                    "group `{}` has no stored variable `{v}`",
                    entry.name
                )));
            }
        }
        let t = self.rt.info(*thresholder).clone();
        let (group, clock) = (entry.id, entry.clock);
        let range = self.range(m.source, &m.timing)?;
        let info = self.monitor_info(&m.timing, default_name, &t.when, t.order + 1, clock)?;
        let name = info.name.clone();
        let window = Window {
            start: m.timing.start,
            stop: m.timing.stop,
        };
        let obj = self
            .rt
            .add_spike_monitor(info, group, &m.event, &m.variables, range, window)
            .map_err(Error::Usage)?;
        self.monitors.push(MonitorEntry {
            name,
            kind: MonitorKind::Spike,
            object: obj,
        });
        Ok(MonitorHandle(self.monitors.len() - 1))
    }

    /// Adds a state monitor (slot `start` by default: values before each step's update).
    pub fn add_state_monitor(&mut self, m: StateMonitor) -> Result<MonitorHandle, Error> {
        let entry = self.entry(m.source);
        let n = entry.model.n;
        let mut probes = Vec::new();
        let mut variables = Vec::new();
        let mut scratch_arrays = Vec::new();
        for v in &m.variables {
            if entry.model.variable(v).is_some() {
                variables.push((v.clone(), v.clone()));
            } else if let Some(s) = entry.model.subexpression(v) {
                let scratch = format!("_probe_{v}");
                probes.push(self.probe_kernel(m.source, v, &scratch, s.shared));
                scratch_arrays.push((scratch.clone(), s.shared));
                variables.push((v.clone(), scratch));
            } else {
                let names = entry
                    .model
                    .variables
                    .iter()
                    .map(|x| x.name.as_str())
                    .chain(entry.model.subexpressions.iter().map(|s| s.name.as_str()));
                let hint = ganglion_model::expr::closest(v, names)
                    .map(|s| format!(" (did you mean `{s}`?)"))
                    .unwrap_or_default();
                return Err(Error::Usage(format!(
                    "group `{}` has no variable `{v}`{hint}",
                    entry.name
                )));
            }
        }
        let indices = match &m.record {
            Record::All => (0..n).collect(),
            Record::Indices(ix) => {
                if let Some(bad) = ix.iter().find(|&&i| i >= n) {
                    return Err(Error::Usage(format!(
                        "index {bad} is out of range for a group of {n} neurons"
                    )));
                }
                ix.clone()
            }
        };
        let (group, clock) = (entry.id, entry.clock);
        let overrides = value_map(&entry.namespace);
        for (s, shared) in scratch_arrays {
            self.rt.add_array(
                group,
                &s,
                Type::F64,
                if shared {
                    Extent::Shared
                } else {
                    Extent::PerNeuron
                },
            );
        }
        let info = self.monitor_info(&m.timing, "statemonitor*", "start", 0, clock)?;
        let name = info.name.clone();
        let window = Window {
            start: m.timing.start,
            stop: m.timing.stop,
        };
        let obj = self
            .rt
            .add_state_monitor(info, group, &variables, indices, &probes, overrides, window)
            .map_err(Error::Usage)?;
        self.monitors.push(MonitorEntry {
            name,
            kind: MonitorKind::State,
            object: obj,
        });
        Ok(MonitorHandle(self.monitors.len() - 1))
    }

    /// Adds a population rate monitor (slot `end`).
    pub fn add_rate_monitor(&mut self, m: RateMonitor) -> Result<MonitorHandle, Error> {
        let entry = self.entry(m.source);
        if !entry.objects.thresholders.iter().any(|(e, _)| e == "spike") {
            return Err(Error::Usage(format!(
                "group `{}` has no threshold",
                entry.name
            )));
        }
        let (group, clock) = (entry.id, entry.clock);
        let range = self.range(m.source, &m.timing)?;
        let info = self.monitor_info(&m.timing, "ratemonitor*", "end", 0, clock)?;
        let name = info.name.clone();
        let window = Window {
            start: m.timing.start,
            stop: m.timing.stop,
        };
        let obj = self
            .rt
            .add_rate_monitor(info, group, "spike", range, window);
        self.monitors.push(MonitorEntry {
            name,
            kind: MonitorKind::Rate,
            object: obj,
        });
        Ok(MonitorHandle(self.monitors.len() - 1))
    }

    /// A monitor's name.
    pub fn monitor_name(&self, m: MonitorHandle) -> &str {
        &self.monitors[m.0].name
    }

    /// The monitors, in the order they were added.
    pub fn monitors(&self) -> Vec<MonitorHandle> {
        (0..self.monitors.len()).map(MonitorHandle).collect()
    }

    /// The groups, in the order they were added.
    pub fn groups(&self) -> Vec<GroupHandle> {
        (0..self.groups.len()).map(GroupHandle).collect()
    }

    /// What a spike or event monitor recorded.
    pub fn spike_data(&self, m: MonitorHandle) -> Option<&SpikeData> {
        let e = &self.monitors[m.0];
        matches!(e.kind, MonitorKind::Spike)
            .then(|| self.rt.spike_data(e.object))
            .flatten()
    }

    /// What a state monitor recorded.
    pub fn state_data(&self, m: MonitorHandle) -> Option<&StateData> {
        let e = &self.monitors[m.0];
        matches!(e.kind, MonitorKind::State)
            .then(|| self.rt.state_data(e.object))
            .flatten()
    }

    /// What a rate monitor recorded.
    pub fn rate_data(&self, m: MonitorHandle) -> Option<&RateData> {
        let e = &self.monitors[m.0];
        matches!(e.kind, MonitorKind::Rate)
            .then(|| self.rt.rate_data(e.object))
            .flatten()
    }

    /// Every stored variable of a group with its values (SI units) and dimensions.
    pub fn group_state(&self, g: GroupHandle) -> Vec<(String, Vec<f64>, Dimension)> {
        let entry = self.entry(g);
        let group = &self.rt.groups[entry.id.0];
        // Synapses: first which neurons each connects (relative to the subgroups) and its delay.
        let extra: &[(&str, Dimension)] = if entry.synapses.is_some() {
            &[
                ("i", Dimension::DIMENSIONLESS),
                ("j", Dimension::DIMENSIONLESS),
                ("delay", Dimension::TIME),
            ]
        } else {
            &[]
        };
        extra
            .iter()
            .filter_map(|(name, dim)| {
                group
                    .array(name)
                    .map(|a| (name.to_string(), a.to_f64_vec(), *dim))
            })
            .chain(entry.model.variables.iter().filter_map(|v| {
                group
                    .array(&v.name)
                    .map(|a| (v.name.clone(), a.to_f64_vec(), v.dim))
            }))
            .collect()
    }

    /// Estimated memory (bytes) a run of `duration` needs: state plus what monitors will record.
    pub fn memory_estimate(&self, duration: f64) -> u64 {
        let state: u64 = self
            .rt
            .groups
            .iter()
            .flat_map(|g| &g.arrays)
            .map(|(_, a)| a.len() as u64 * 8)
            .sum();
        let mut record = 0u64;
        for m in &self.monitors {
            if let (MonitorKind::State, Some(d)) = (&m.kind, self.rt.state_data(m.object)) {
                let dt = self.rt.clocks[self.rt.info(m.object).clock.0].dt;
                let steps = (duration / dt).ceil().max(0.0) as u64;
                record += steps * (d.indices.len() as u64 * d.values.len() as u64 + 1) * 8;
            }
        }
        state + record
    }

    fn sync_externals(&mut self) {
        self.rt.externals = value_map(&self.namespace);
    }

    pub(crate) fn sync_externals_pub(&mut self) {
        self.sync_externals();
    }

    pub(crate) fn model_error_pub(&self, diagnostics: Vec<Diagnostic>) -> Error {
        self.model_error(diagnostics)
    }

    pub(crate) fn method_error_pub(
        &self,
        model: &NeuronGroupModel,
        e: ganglion_lower::LowerError,
    ) -> Error {
        self.method_error(model, e, None)
    }

    /// Runs for `duration` seconds; repeated runs continue from the current time and read the namespace's
    /// current values.
    pub fn run(&mut self, duration: f64) -> Result<(), Error> {
        self.run_with_report(duration, None)
    }

    /// Runs, calling `report` with the progress now and then.
    pub fn run_with_report(
        &mut self,
        duration: f64,
        report: Option<&mut dyn FnMut(Progress)>,
    ) -> Result<(), Error> {
        self.sync_externals();
        for g in &self.groups {
            if let Some(v) = g
                .model
                .variables
                .iter()
                .find(|v| v.linked && !g.linked.contains(&v.name))
            {
                return Err(Error::Usage(format!(
                    "the linked variable `{}` of group `{}` is not linked to anything (Brian2: \"Link target for variable {} has not been set\")",
                    v.name, g.name, v.name
                )));
            }
        }
        self.register_synapses()?;
        self.update_fusion()?;
        self.rt.run(duration, report)?;
        Ok(())
    }

    /// Stops a running simulation from another thread when the flag becomes true.
    pub fn set_stop_flag(&mut self, flag: std::sync::Arc<std::sync::atomic::AtomicBool>) {
        self.rt.stop_flag = Some(flag);
    }

    /// Snapshot of the whole state (Brian2's `store`).
    pub fn store(&self) -> ganglion_runtime::Snapshot {
        self.rt.store()
    }

    /// Restores a snapshot (Brian2's `restore`).
    pub fn restore(&mut self, s: &ganglion_runtime::Snapshot) {
        self.rt.restore(s);
    }

    /// How often (in steps) state is checked for NaN and infinity (0: never).
    pub fn set_check_interval(&mut self, steps: i64) {
        self.rt.check_interval = steps;
    }
}

/// The values of a namespace for kernels.
/// The number of cores this process may use.
fn all_cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

pub(crate) fn value_map(ns: &ganglion_model::Namespace) -> HashMap<String, Value> {
    ns.iter()
        .map(|(n, v)| {
            let value = match v.ty {
                ValueType::Float => Value::F64(v.value),
                ValueType::Int => Value::I64(v.value as i64),
                ValueType::Bool => Value::Bool(v.value != 0.0),
            };
            (n.to_string(), value)
        })
        .collect()
}

fn check_block(
    code: Code<'_>,
    scope: &ganglion_model::Scope<'_>,
    out: &mut Vec<Diagnostic>,
) -> Option<ganglion_model::CodeBlock> {
    ganglion_model::check_block(code, scope, "event code", false, out)
}

fn check_block_shared(
    code: Code<'_>,
    scope: &ganglion_model::Scope<'_>,
    out: &mut Vec<Diagnostic>,
) -> Option<ganglion_model::CodeBlock> {
    ganglion_model::check_block(code, scope, "run_regularly code", true, out)
}

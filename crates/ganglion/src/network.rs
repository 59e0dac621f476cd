//! The network users build (Brian2's `Network`): it checks what users write with `ganglion-model` and
//! hands the checked result to the driver, which builds and runs the simulation.

use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;

use ganglion_ir::Kernel;
use ganglion_lower::{GroupKernels, MethodChoice};
use ganglion_model::assign::{NotWritable, RawSelection, RawValue, Unfit, Writable};
use ganglion_model::plan::Timing;
use ganglion_model::{
    Code, EventSpec, Location, Namespace, NeuronGroupModel, NeuronGroupSpec, RefractorySpec,
};
use ganglion_runtime::{ObjectId, ObjectInfo, Progress, Schedule, Slot};
use ganglion_syntax::{Diagnostic, SourceId, SourceMap, Span};
use ganglion_units::{Dimension, Quantity};

use crate::driver::{Driver, Fusion, GroupSettings};
use crate::error::{Error, UsageError};
use crate::group::{NeuronGroup, Refractory};
use crate::handles::{GroupHandle, GroupObjects};

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
    fn make(self) -> Box<dyn ganglion_ir::Backend> {
        match self {
            BackendChoice::Jit => Box::new(ganglion_jit::Jit::default()),
            BackendChoice::Interpreter => Box::new(ganglion_ir::Interpreter),
        }
    }
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

/// Which elements [`Network::set_where`] writes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Elements<'a> {
    /// Every element (`G.v = ...`).
    All,
    /// Where a condition holds (`G.v['i > 5'] = ...`).
    Where(&'a str),
    /// These indices (`G.v[[0, 3]] = ...`, `G.v[2:5] = ...`).
    Indices(&'a [usize]),
}

/// A network: groups, synapses, inputs and monitors, run together on one schedule (Brian2's
/// `Network`).
pub struct Network {
    pub(crate) driver: Driver,
    /// The code strings diagnostics point into.
    pub(crate) sources: Arc<SourceMap>,
    /// The run namespace: external constants the models refer to (read again at every run).
    pub(crate) namespace: Namespace,
    names: HashSet<String>,
    warnings: Vec<Diagnostic>,
}

impl fmt::Debug for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Network")
            .field(
                "groups",
                &self
                    .driver
                    .groups
                    .iter()
                    .map(|g| &g.name)
                    .collect::<Vec<_>>(),
            )
            .field("t", &self.driver.sim.t())
            .finish()
    }
}

impl Network {
    /// An empty network with the default clock at `dt` = 0.1 ms, on the given backend, running on
    /// every core.
    pub fn new(backend: BackendChoice) -> Network {
        Network {
            driver: Driver::new(backend.make(), all_cores()),
            sources: Arc::new(SourceMap::new()),
            namespace: Namespace::new(),
            names: HashSet::new(),
            warnings: Vec::new(),
        }
    }

    /// Renders diagnostics with their source lines.
    pub fn render(&self, diagnostics: &[Diagnostic]) -> String {
        self.sources.render(diagnostics, false)
    }

    /// The code strings diagnostics point into.
    pub fn sources(&self) -> &SourceMap {
        &self.sources
    }

    /// Warnings collected so far (render them with [`Network::render`]).
    pub fn warnings(&self) -> &[Diagnostic] {
        &self.warnings
    }

    /// The run namespace.
    pub fn namespace(&self) -> &Namespace {
        &self.namespace
    }

    /// Registers a code string the user gave, for diagnostics.
    pub(crate) fn add_source(&mut self, name: String, text: &str) -> SourceId {
        Arc::make_mut(&mut self.sources).add_standalone(name, text.to_string())
    }

    /// An error about model code, pointing into this network's code strings.
    pub(crate) fn model_error(&self, diagnostics: Vec<Diagnostic>) -> Error {
        Error::model(diagnostics).with_sources(&self.sources)
    }

    /// Keeps the warnings of a check; the errors, if any, become the error.
    pub(crate) fn absorb(&mut self, diagnostics: Vec<Diagnostic>) -> Result<(), Error> {
        let (errors, warnings): (Vec<_>, Vec<_>) =
            diagnostics.into_iter().partition(Diagnostic::is_error);
        self.warnings.extend(warnings);
        if errors.is_empty() {
            Ok(())
        } else {
            Err(self.model_error(errors))
        }
    }

    /// A driver result, its diagnostics pointing into this network's code strings.
    pub(crate) fn attach<T>(&self, r: Result<T, Error>) -> Result<T, Error> {
        r.map_err(|e| e.with_sources(&self.sources))
    }

    /// Runs kernels over large groups on `threads` threads (0: every core, the default; 1: none but the
    /// caller's). Spikes and state do not depend on it, bit for bit.
    pub fn set_threads(&mut self, threads: usize) {
        let n = if threads == 0 { all_cores() } else { threads };
        self.driver.sim.set_threads(n);
    }

    /// Distributes the network over the processes `exchange` connects (MPI ranks: the `ganglion`
    /// binary's `mpi` feature has an implementation; [`crate::InProcess`] runs ranks as threads): every process builds the same network, by the same calls in the same
    /// order; each runs its block of every neuron group and holds the synapses onto its neurons, and
    /// the spikes, recordings and final state are those of one process, bit for bit. Call it first,
    /// before adding anything. State read on a process is its own copy (neuron groups: whole between
    /// runs; synapses: those it holds); [`Network::gather_to_root`] collects everything on process 0.
    pub fn distribute(
        &mut self,
        exchange: Box<dyn ganglion_runtime::Exchange>,
    ) -> Result<(), Error> {
        if !self.driver.groups.is_empty() {
            return Err(UsageError::DistributeLate {
                groups: self.driver.groups.len(),
            }
            .into());
        }
        self.driver.sim.set_exchange(exchange);
        Ok(())
    }

    /// This process's rank and the number of processes, for a distributed network.
    pub fn rank(&self) -> Option<(usize, usize)> {
        self.driver.sim.exchange().map(|e| (e.rank(), e.ranks()))
    }

    /// In a distributed network, gathers every monitor's recordings and every group's state on process
    /// 0, which then holds what one process would (the others hold nothing); the network may not run
    /// again. Every process must call it. Nothing happens in one process.
    pub fn gather_to_root(&mut self) -> Result<(), Error> {
        self.driver.sim.gather_to_root()?;
        Ok(())
    }

    /// What this process exchanged with the others so far, and the time it took (a distributed network).
    pub fn exchange_stats(&self) -> Option<ganglion_runtime::ExchangeStats> {
        self.driver.sim.exchange_stats()
    }

    /// The number of threads kernels run on.
    pub fn threads(&self) -> usize {
        self.driver.sim.threads()
    }

    /// The least work (IR instructions per neuron × neurons, a built-in function or random draw counting
    /// 16, a synaptic event 256) given to a thread (default 400 000, some tens of µs); pathways with fewer
    /// than twice as many synapses stay in one part. Tests set it to 1 to split everything.
    pub fn set_parallel_grain(&mut self, work: usize) {
        self.driver.sim.set_parallel_grain(work);
    }

    /// The name of the backend running the kernels (`interp`, `jit`).
    pub fn backend_name(&self) -> &'static str {
        self.driver.sim.backend_name()
    }

    /// How long each kernel compiled so far took, by kernel name (`P.stateupdater`, `P.fused`; empty on
    /// the interpreter).
    pub fn compile_times(&self) -> &[(String, std::time::Duration)] {
        self.driver.sim.compile_times()
    }

    /// Sets the default clock's time step (seconds).
    pub fn set_dt(&mut self, dt: f64) -> Result<(), Error> {
        let clock = self.driver.default_clock();
        self.driver.sim.set_dt(clock, dt).map_err(|e| match e {
            ganglion_runtime::BuildError::Dt { clock, dt, t } => {
                UsageError::Dt { clock, dt, t }.into()
            }
            other => Error::from(other),
        })
    }

    /// The default clock's time step.
    pub fn dt(&self) -> f64 {
        self.driver.sim.clock(self.driver.default_clock()).dt
    }

    /// The current time (seconds).
    pub fn t(&self) -> f64 {
        self.driver.sim.t()
    }

    /// Starts the clocks at time `t` (seconds), for a network that continues a simulation run elsewhere
    /// (the Brian2 device rebuilding a network between runs).
    pub fn set_time(&mut self, t: f64) {
        self.driver.sim.set_time(t);
    }

    /// Sets the seed of the random streams.
    pub fn seed(&mut self, seed: u64) {
        self.driver.sim.set_seed(seed);
    }

    /// Uses a custom schedule (a list of slot names; `before_`/`after_` slots come with each).
    pub fn set_schedule<S: AsRef<str>>(
        &mut self,
        slots: impl IntoIterator<Item = S>,
    ) -> Result<(), Error> {
        let schedule = Schedule::new(slots).map_err(UsageError::Slot)?;
        self.driver.sim.set_schedule(schedule);
        Ok(())
    }

    /// Sets an external constant of the run namespace (read again at every run).
    pub fn set_constant(&mut self, name: &str, value: Quantity) {
        self.namespace
            .insert(name, ganglion_model::ExternalValue::quantity(value));
    }

    /// Sets an external constant of the run namespace to a value of any type (an integer, a boolean).
    pub fn set_external(&mut self, name: &str, value: ganglion_model::ExternalValue) {
        self.namespace.insert(name, value);
    }

    /// Adds a clock that objects can share by name.
    pub fn add_clock(&mut self, name: &str, dt: f64) -> Result<(), Error> {
        self.driver.add_clock(name, dt)
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
                return Err(UsageError::NameTaken {
                    name: name.to_string(),
                }
                .into());
            }
            name.to_string()
        };
        self.names.insert(name.clone());
        Ok(name)
    }

    /// A scheduling slot a user named.
    pub(crate) fn slot(when: Option<&str>) -> Result<Option<Slot>, Error> {
        Ok(when
            .map(Slot::parse)
            .transpose()
            .map_err(UsageError::Slot)?)
    }

    /// Adds a group: checks its model (with the network's namespace as the run namespace), chooses its
    /// integration method and prepares its kernels.
    pub fn add_group(&mut self, group: NeuronGroup) -> Result<GroupHandle, Error> {
        if group.n == 0 {
            return Err(UsageError::EmptyGroup.into());
        }
        let name = self.unique_name(&group.name)?;
        let model = self.check_group(&group, &name)?;
        let variables = model.variables.len() as f64 + crate::memory::EXTRA_PER_ELEMENT;
        let bytes = crate::memory::state_bytes(group.n as f64, variables);
        if let Some(limit) = crate::memory::memory_limit()
            && bytes > limit
        {
            return Err(UsageError::TooLarge {
                what: format!("group `{name}` (N = {})", group.n),
                bytes,
                total: bytes,
                limit,
            }
            .into());
        }
        let clock = self.driver.clock_for(&group.clock, &name)?;
        let settings = GroupSettings {
            methods: group.methods,
            method_at: None,
            dtypes: group.dtypes,
            clock,
            order: group.order,
            namespace: group.namespace,
        };
        let r = self.driver.add_group(model, settings);
        self.attach(r)
    }

    /// Checks a NeuronGroup's code strings (registered for diagnostics under the group's name).
    fn check_group(&mut self, group: &NeuronGroup, name: &str) -> Result<NeuronGroupModel, Error> {
        let model_src = self.add_source(format!("<model of {name}>"), &group.model);
        let threshold_src = group
            .threshold
            .as_ref()
            .map(|t| self.add_source(format!("<threshold of {name}>"), t));
        let reset_src = group
            .reset
            .as_ref()
            .map(|t| self.add_source(format!("<reset of {name}>"), t));
        let refractory_src = match &group.refractory {
            Refractory::Code(c) => Some(self.add_source(format!("<refractory of {name}>"), c)),
            _ => None,
        };
        let event_srcs: Vec<SourceId> = group
            .events
            .iter()
            .map(|(e, c)| self.add_source(format!("<event `{e}` of {name}>"), c))
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
        fn code(text: &Option<String>, source: Option<SourceId>) -> Option<Code<'_>> {
            text.as_deref()
                .zip(source)
                .map(|(t, s)| Code { text: t, source: s })
        }
        let spec = NeuronGroupSpec {
            name,
            n: group.n,
            model: Code {
                text: &group.model,
                source: model_src,
            },
            threshold: code(&group.threshold, threshold_src),
            reset: code(&group.reset, reset_src),
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
        self.absorb(diagnostics)?;
        Ok(model.expect("a model without errors"))
    }

    /// The group called `name`.
    pub fn group_named(&self, name: &str) -> Option<GroupHandle> {
        self.driver
            .groups
            .iter()
            .position(|g| g.name == name)
            .map(GroupHandle)
    }

    /// A group's name.
    pub fn group_name(&self, g: GroupHandle) -> &str {
        &self.driver.entry(g).name
    }

    /// A group's size (for Synapses: the number of synapses).
    pub fn group_size(&self, g: GroupHandle) -> usize {
        self.driver.entry(g).model.n
    }

    /// A group's checked model (variables, equations, events).
    pub fn model(&self, g: GroupHandle) -> &NeuronGroupModel {
        &self.driver.entry(g).model
    }

    /// The equations as the user wrote them (Brian2's `user_equations`).
    pub fn user_equations(&self, g: GroupHandle) -> &str {
        &self.driver.entry(g).model.user_equations
    }

    /// The methods the user asked for (Brian2's `method_choice`).
    pub fn method_choice(&self, g: GroupHandle) -> &[String] {
        &self.driver.entry(g).requested_methods
    }

    /// The method used, and why the others were refused.
    pub fn method_chosen(&self, g: GroupHandle) -> Option<&MethodChoice> {
        self.driver.entry(g).kernels.method.as_ref()
    }

    /// The group's events (Brian2's `events`).
    pub fn events(&self, g: GroupHandle) -> Vec<&str> {
        let model = &self.driver.entry(g).model;
        model.events.iter().map(|e| e.name.as_str()).collect()
    }

    /// The code run on each event (Brian2's `event_codes`).
    pub fn event_codes(&self, g: GroupHandle) -> Vec<(&str, &str)> {
        let model = &self.driver.entry(g).model;
        model
            .event_codes
            .iter()
            .map(|c| (c.event.as_str(), c.code.text.as_str()))
            .collect()
    }

    /// The indices of the neurons that spiked in the most recent threshold check (Brian2's `spikes`).
    pub fn spikes(&self, g: GroupHandle) -> Vec<usize> {
        let id = self.driver.entry(g).id;
        let spikes = self.driver.sim.group(id).event("spike");
        spikes.iter().map(|&i| i as usize).collect()
    }

    /// The scheduled objects of a group (state updater, thresholders, ...).
    pub fn objects(&self, g: GroupHandle) -> &GroupObjects {
        &self.driver.entry(g).objects
    }

    /// The slot, order, clock and activity of a scheduled object.
    pub fn object(&self, id: ObjectId) -> &ObjectInfo {
        self.driver.sim.info(id)
    }

    /// Moves an object to another slot and order (Brian2's `obj.when = ...; obj.order = ...`).
    pub fn reschedule(&mut self, id: ObjectId, when: &str, order: i64) -> Result<(), Error> {
        let timing = Timing {
            when: Network::slot(Some(when))?,
            order: Some(order),
        };
        self.driver.reschedule(id, &timing);
        Ok(())
    }

    /// Makes an object run or not (Brian2's `obj.active`).
    pub fn set_active(&mut self, id: ObjectId, active: bool) {
        self.driver.sim.set_active(id, active);
    }

    /// The kernels of a group, for printing.
    pub fn kernels(&self, g: GroupHandle) -> &GroupKernels {
        &self.driver.entry(g).kernels
    }

    /// The kernel a scheduled object runs.
    pub fn kernel(&self, id: ObjectId) -> Option<&Kernel> {
        self.driver.sim.kernel(id)
    }

    /// Brian2's `scheduling_summary()`.
    pub fn scheduling_summary(&self) -> String {
        self.driver.sim.scheduling_summary()
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
        let name = self.group_name(g).to_string();
        let source = self.add_source(format!("<code on `{event}` of {name}>"), code);
        let timing = Timing {
            when: Network::slot(when)?,
            order,
        };
        let location = Location {
            source,
            span: Span::new(0, code.len()),
        };
        let block = self.check_event_code(g, event, Code { text: code, source }, location)?;
        let r = self.driver.add_event_code(g, event, &block, &timing);
        self.attach(r)
    }

    /// Checks code for `run_on_event`: the group must have the event and no code for it yet.
    fn check_event_code(
        &mut self,
        g: GroupHandle,
        event: &str,
        code: Code<'_>,
        location: Location,
    ) -> Result<ganglion_model::CodeBlock, Error> {
        let entry = self.driver.entry(g);
        let model = &entry.model;
        if model.event(event).is_none() {
            let known: Vec<String> = model.events.iter().map(|e| e.name.clone()).collect();
            let hint = if known.is_empty() {
                "the group defines no events: add a `threshold` or `events`".to_string()
            } else if event == "spike" {
                format!(
                    "did you forget to define a threshold? The group's events are: {}",
                    known.join(", ")
                )
            } else {
                format!("the group's events are: {}", known.join(", "))
            };
            let d = Diagnostic::error(format!("unknown event `{event}`"), location.span)
                .with_code("unknown-event")
                .in_source(location.source)
                .with_hint(hint);
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
        let block =
            ganglion_model::check_block(code, &scope, "event code", false, &mut diagnostics);
        self.absorb(diagnostics)?;
        Ok(block.expect("a block without errors"))
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
        let (t, s) = (
            &self.driver.entry(target).model,
            &self.driver.entry(source).model,
        );
        ganglion_model::check_link(t, var, s, source_var).map_err(UsageError::Link)?;
        self.driver.link(target, var, source, source_var, index)
    }

    /// Changes where an event's condition is checked (Brian2's `set_event_schedule`).
    pub fn set_event_schedule(
        &mut self,
        g: GroupHandle,
        event: &str,
        when: &str,
        order: Option<i64>,
    ) -> Result<(), Error> {
        let when = Network::slot(Some(when))?.expect("given");
        self.driver.set_event_schedule(g, event, when, order)
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
        let name = self.group_name(g).to_string();
        let source = self.add_source(format!("<run_regularly of {name}>"), code);
        let timing = Timing {
            when: Network::slot(when)?,
            order,
        };
        let scope = ganglion_model::group_scope(self.model(g), &self.namespace);
        let mut diagnostics = Vec::new();
        let block = ganglion_model::check_block(
            Code { text: code, source },
            &scope,
            "run_regularly code",
            true,
            &mut diagnostics,
        );
        self.absorb(diagnostics)?;
        let block = block.expect("a block without errors");
        let r = self.driver.add_run_regularly(g, &block, dt, &timing);
        self.attach(r)
    }

    /// Sets a variable: to a quantity, to one SI value per neuron, or to an expression evaluated per
    /// neuron (`"-70*mV + rand()*10*mV"`).
    pub fn set(
        &mut self,
        g: GroupHandle,
        var: &str,
        value: impl Into<SetValue>,
    ) -> Result<(), Error> {
        self.set_elements(g, var, Elements::All, value.into())
    }

    /// Sets a variable where a condition holds (Brian2's `G.v['i > 5'] = ...`).
    pub fn set_where(
        &mut self,
        g: GroupHandle,
        var: &str,
        condition: Option<&str>,
        value: SetValue,
    ) -> Result<(), Error> {
        let elements = match condition {
            Some(c) => Elements::Where(c),
            None => Elements::All,
        };
        self.set_elements(g, var, elements, value)
    }

    /// Sets a variable of some elements (Brian2's `G.v = ...`, `G.v['i > 5'] = ...`, `G.v[2:5] = ...`).
    pub fn set_elements(
        &mut self,
        g: GroupHandle,
        var: &str,
        elements: Elements<'_>,
        value: SetValue,
    ) -> Result<(), Error> {
        let target = self.writable(g, var)?;
        let name = self.group_name(g).to_string();
        let n = self.group_size(g);
        let text = match &value {
            SetValue::Expr(e) => Some(self.add_source(format!("<value of {name}.{var}>"), e)),
            _ => None,
        };
        let condition = match elements {
            Elements::Where(c) => Some(self.add_source(format!("<condition for {name}.{var}>"), c)),
            _ => None,
        };
        let raw = match &value {
            SetValue::Quantity(q) => RawValue::Quantity(*q),
            SetValue::Values(v) => RawValue::Values(v),
            SetValue::Expr(e) => RawValue::Expr(Code {
                text: e,
                source: text.expect("registered above"),
            }),
        };
        let selection = match elements {
            Elements::All => RawSelection::All,
            Elements::Indices(ix) => RawSelection::Indices(ix),
            Elements::Where(c) => RawSelection::Where(Code {
                text: c,
                source: condition.expect("registered above"),
            }),
        };
        ganglion_model::assign::check_value(target, n, &raw, &selection)
            .map_err(|problem| self.unfit(g, var, problem))?;
        let entry = self.driver.entry(g);
        let scope = match &entry.synapses {
            Some(s) => {
                ganglion_model::synapse_scope(&entry.model, &s.link.context, &self.namespace)
            }
            None => ganglion_model::group_scope(&entry.model, &self.namespace),
        };
        let context = format!("the value of `{var}`");
        let assignment = ganglion_model::assign::check_assignment(
            var, target, &raw, &selection, &scope, &context,
        )
        .map_err(|d| self.model_error(d))?;
        let r = self.driver.assign(g, &assignment, &self.namespace);
        self.attach(r)
    }

    /// The error for a value that does not fit a variable of group `g`.
    fn unfit(&self, g: GroupHandle, var: &str, problem: Unfit) -> Error {
        UsageError::Unfit {
            group: self.group_name(g).to_string(),
            variable: var.to_string(),
            problem,
        }
        .into()
    }

    /// What a variable of group `g` is, if it can be written.
    fn writable(&self, g: GroupHandle, var: &str) -> Result<Writable, Error> {
        let entry = self.driver.entry(g);
        ganglion_model::assign::writable(&entry.model, entry.synapses.is_some(), var).map_err(
            |reason| match reason {
                NotWritable::Unknown { suggestion } => UsageError::UnknownVariable {
                    group: entry.name.clone(),
                    variable: var.to_string(),
                    suggestion,
                }
                .into(),
                reason => UsageError::NotWritable {
                    variable: var.to_string(),
                    reason,
                }
                .into(),
            },
        )
    }

    /// Applies a checked assignment (from a model file) to group `g`. Its indices and values were
    /// checked against the group's size, except for synapses, whose number is known only now.
    pub fn assign(
        &mut self,
        g: GroupHandle,
        assignment: &ganglion_model::assign::Assignment,
    ) -> Result<(), Error> {
        use ganglion_model::assign::{AssignedValue, Selection};
        let var = &assignment.variable;
        let shared = self.model(g).variable(var).is_some_and(|v| v.shared);
        let len = if shared { 1 } else { self.group_size(g) };
        let selected = match &assignment.selection {
            Selection::Indices(ix) => {
                if let Some(&index) = ix.iter().find(|&&i| i >= len) {
                    return Err(self.unfit(g, var, Unfit::Index { index, len }));
                }
                ix.len()
            }
            _ => len,
        };
        if let AssignedValue::PerElement(values) = &assignment.value
            && values.len() != selected
        {
            let problem = Unfit::Length {
                given: values.len(),
                expected: selected,
            };
            return Err(self.unfit(g, var, problem));
        }
        let r = self.driver.assign(g, assignment, &self.namespace);
        self.attach(r)
    }

    /// The values of a variable or subexpression, in SI units (Brian2's `state(name, use_units=False)`).
    pub fn state(&mut self, g: GroupHandle, var: &str) -> Result<Vec<f64>, Error> {
        let r = self.driver.state(g, var, &self.namespace);
        self.attach(r)
    }

    /// The values of a variable with their units (Brian2's `state(name, use_units=True)`).
    pub fn state_with_units(&mut self, g: GroupHandle, var: &str) -> Result<Vec<Quantity>, Error> {
        let model = self.model(g);
        let dim = model
            .variable(var)
            .map(|v| v.dim)
            .or_else(|| model.subexpression(var).map(|s| s.dim))
            .unwrap_or(Dimension::DIMENSIONLESS);
        Ok(self
            .state(g, var)?
            .into_iter()
            .map(|v| Quantity::new(v, dim))
            .collect())
    }

    /// The groups (and synapses), in the order they were added.
    pub fn groups(&self) -> Vec<GroupHandle> {
        (0..self.driver.groups.len()).map(GroupHandle).collect()
    }

    /// Every stored variable of a group with its values (SI units) and dimensions (for synapses first
    /// `i`, `j`, relative to their subgroups, and `delay`).
    pub fn group_state(&self, g: GroupHandle) -> Vec<(String, Vec<f64>, Dimension)> {
        let entry = self.driver.entry(g);
        let group = self.driver.sim.group(entry.id);
        let extra: &[(&str, Dimension)] = if entry.synapses.is_some() {
            &[
                ("i", Dimension::DIMENSIONLESS),
                ("j", Dimension::DIMENSIONLESS),
                ("delay", Dimension::TIME),
            ]
        } else {
            &[]
        };
        let variables = entry
            .model
            .variables
            .iter()
            .map(|v| (v.name.as_str(), v.dim));
        extra
            .iter()
            .copied()
            .chain(variables)
            .filter_map(|(name, dim)| {
                group
                    .array(name)
                    .map(|a| (name.to_string(), a.to_f64_vec(), dim))
            })
            .collect()
    }

    /// Estimated memory (bytes) a run of `duration` needs: state plus what monitors will record.
    pub fn memory_estimate(&self, duration: f64) -> u64 {
        let sim = &self.driver.sim;
        let state: u64 = sim
            .groups()
            .iter()
            .flat_map(|g| g.arrays())
            .map(|(_, a)| a.len() as u64 * 8)
            .sum();
        let mut record = 0u64;
        for m in &self.driver.monitors {
            if let Some(d) = sim.state_data(m.object) {
                let dt = sim.clock(sim.info(m.object).clock).dt;
                let steps = (duration / dt).ceil().max(0.0) as u64;
                record += steps * (d.indices.len() as u64 * d.values.len() as u64 + 1) * 8;
            }
        }
        state + record
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
        let r = self.driver.run(duration, report, &self.namespace);
        self.attach(r)
    }

    /// Stops a running simulation from another thread when the flag becomes true.
    pub fn set_stop_flag(&mut self, flag: std::sync::Arc<std::sync::atomic::AtomicBool>) {
        self.driver.sim.set_stop_flag(flag);
    }

    /// Snapshot of the whole state (Brian2's `store`).
    pub fn store(&self) -> ganglion_runtime::Snapshot {
        self.driver.sim.store()
    }

    /// Restores a snapshot (Brian2's `restore`).
    pub fn restore(&mut self, s: &ganglion_runtime::Snapshot) {
        self.driver.sim.restore(s);
    }

    /// How often (in steps) state is checked for NaN and infinity (0: never).
    pub fn set_check_interval(&mut self, steps: i64) {
        self.driver.sim.set_check_interval(steps);
    }

    /// Allows or forbids fusion (allowed by default; results are the same either way).
    pub fn set_fusion(&mut self, enabled: bool) {
        self.driver.fusion_enabled = enabled;
    }

    /// Whether group `g` runs fused in the current schedule (decided at each run), and why not.
    pub fn fusion(&mut self, g: GroupHandle) -> Result<&Fusion, Error> {
        self.driver.update_fusion()?;
        Ok(&self.driver.entry(g).fusion)
    }

    /// The kernels group `g` runs, as they run: the fused kernel when fusion applies.
    pub fn scheduled_kernels(&mut self, g: GroupHandle) -> Result<Vec<Kernel>, Error> {
        self.driver.scheduled_kernels(g)
    }
}

/// The number of cores this process may use.
fn all_cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

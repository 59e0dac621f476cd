//! The network: groups' state, clocks, the schedule, and the loop that calls kernels and monitors every
//! step with Brian2's semantics.

use crate::synapses::{Generator, Pathway, PathwaySpec, SpikeTrain, SplitBy};
use std::collections::HashMap;
use std::time::{Duration, Instant};

use ganglion_ir::interp::{ArrayData, Bindings, Clock as CallClock, Value};
use ganglion_ir::{Backend, CompiledKernel, Extent, Kernel, Type};

use crate::clock::{Clock, EPSILON_DT};
use crate::monitor::{RateData, SpikeData, StateData};

/// Identifies a group of a network.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct GroupId(pub usize);

/// Identifies a clock of a network.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ClockId(pub usize);

/// Identifies a scheduled object of a network.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ObjectId(pub usize);

/// The state of one group: one array per variable, one buffer per event.
#[derive(Clone, Debug, PartialEq)]
pub struct Group {
    /// Its name.
    pub name: String,
    /// Number of neurons.
    pub n: usize,
    /// Variables and their storage.
    pub arrays: Vec<(String, ArrayData)>,
    /// Event buffers: the indices of the neurons with the event in the most recent check.
    pub events: Vec<(String, Vec<u32>)>,
}

impl Group {
    /// The storage of a variable.
    pub fn array(&self, name: &str) -> Option<&ArrayData> {
        self.arrays.iter().find(|(n, _)| n == name).map(|(_, a)| a)
    }

    /// The storage of a variable, writable.
    pub fn array_mut(&mut self, name: &str) -> Option<&mut ArrayData> {
        self.arrays
            .iter_mut()
            .find(|(n, _)| n == name)
            .map(|(_, a)| a)
    }

    fn array_index(&self, name: &str) -> Option<usize> {
        self.arrays.iter().position(|(n, _)| n == name)
    }

    fn event_index(&mut self, name: &str) -> usize {
        match self.events.iter().position(|(n, _)| n == name) {
            Some(k) => k,
            None => {
                self.events.push((name.to_string(), Vec::new()));
                self.events.len() - 1
            }
        }
    }

    /// An event buffer, created empty when missing.
    pub(crate) fn event_buffer(&mut self, name: &str) -> &mut Vec<u32> {
        let k = self.event_index(name);
        &mut self.events[k].1
    }

    /// Resizes every per-element array to `n` elements (new ones zero); the arrays named in `shared`
    /// keep their one element.
    pub fn resize(&mut self, n: usize, shared: &[&str]) {
        for (name, a) in &mut self.arrays {
            if !shared.contains(&name.as_str()) {
                a.resize(n);
            }
        }
        self.n = n;
    }

    /// The indices of the most recent check of an event (`spikes` for the event `spike`).
    pub fn event(&self, name: &str) -> &[u32] {
        self.events
            .iter()
            .find(|(n, _)| n == name)
            .map_or(&[][..], |(_, v)| v.as_slice())
    }
}

/// A linked variable: the target group's array mirrors a source group's variable (Brian2's
/// `linked_var`), refreshed right before anything of the target group runs.
#[derive(Clone, Debug, PartialEq)]
pub struct Link {
    /// The group with the linked variable.
    pub target: GroupId,
    /// The linked variable.
    pub target_var: String,
    /// The group it refers to.
    pub source: GroupId,
    /// The variable it refers to.
    pub source_var: String,
    /// For each target neuron, the source neuron (`None`: the same index, or element 0 when the target
    /// array has one element).
    pub index: Option<Vec<usize>>,
}

/// Where and when an object runs.
#[derive(Clone, Debug, PartialEq)]
pub struct ObjectInfo {
    /// Its name (unique in the network).
    pub name: String,
    /// The scheduling slot (`groups`, `after_thresholds`, ...).
    pub when: String,
    /// Order within the slot.
    pub order: i64,
    /// Its clock.
    pub clock: ClockId,
    /// Whether it runs.
    pub active: bool,
    /// The group it belongs to, for the scheduling summary.
    pub part_of: String,
}

/// The neurons a summed variable writes.
struct SummedTarget {
    group: usize,
    array: usize,
    range: (usize, usize),
}

struct KernelObject {
    group: GroupId,
    kernel: Kernel,
    /// Each kernel array: (group, array of that group). Arrays named `G.v` belong to group `G` (a
    /// synapse's pre- or postsynaptic group); the others to `group`.
    arrays: Vec<(usize, usize)>,
    /// Compiled when first needed: a scheduled kernel that a fused one replaces is never compiled.
    compiled: Option<Box<dyn CompiledKernel>>,
    events: Vec<usize>,
    params: Vec<String>,
    overrides: HashMap<String, Value>,
    clears: Option<usize>,
    /// The parameter values of the current run.
    params_now: Vec<Value>,
}

// Objects are few and long-lived; the size difference between variants does not matter.
#[allow(clippy::large_enum_variant)]
enum Action {
    Kernel(KernelObject),
    /// Spike propagation, then the pathway's code over the synapses due now.
    Pathway(Box<(Pathway, KernelObject)>),
    /// A summed variable: zero the neurons' variable, then add every synapse's term.
    Summed(Box<(SummedTarget, KernelObject)>),
    /// The spikes of a spike generator.
    Generator(Generator),
    SpikeMonitor(SpikeMonitor),
    StateMonitor(StateMonitor),
    RateMonitor(RateMonitor),
}

struct SpikeMonitor {
    group: GroupId,
    event: usize,
    variables: Vec<(String, usize)>,
    range: (usize, usize),
    window: Window,
    data: SpikeData,
}

struct StateMonitor {
    group: GroupId,
    variables: Vec<(String, usize)>,
    indices: Vec<usize>,
    probes: Vec<KernelObject>,
    probe_params: Vec<Vec<Value>>,
    window: Window,
    data: StateData,
}

struct RateMonitor {
    group: GroupId,
    event: usize,
    range: (usize, usize),
    window: Window,
    data: RateData,
}

/// A recording window: `start <= t < stop`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Window {
    /// Start time (inclusive), seconds.
    pub start: Option<f64>,
    /// Stop time (exclusive), seconds.
    pub stop: Option<f64>,
}

impl Window {
    fn contains(&self, clock: &Clock) -> bool {
        let after = self.start.is_none_or(|s| clock.step >= clock.step_at(s));
        let before = self.stop.is_none_or(|s| clock.step < clock.step_at(s));
        after && before
    }
}

/// The progress of a run, for reports.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Progress {
    /// Wall-clock time since the run started.
    pub elapsed: Duration,
    /// Fraction of the run completed (0 to 1).
    pub completed: f64,
    /// Network time when the run started (seconds).
    pub start: f64,
    /// Duration of the run (seconds).
    pub duration: f64,
}

/// Why a run stopped early.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum RunError {
    /// A state variable became NaN or infinite.
    #[error(
        "variable `{variable}` of group `{group}` became {value} for neuron {neuron} between t = {from_t} s (step {from_step}) and t = {t} s (step {step})"
    )]
    NonFinite {
        /// Group.
        group: String,
        /// Variable.
        variable: String,
        /// Neuron index.
        neuron: usize,
        /// The value (`NaN`, `inf`).
        value: String,
        /// Last step checked clean.
        from_step: i64,
        /// Its time.
        from_t: f64,
        /// Step at which it was found.
        step: i64,
        /// Its time.
        t: f64,
    },
    /// The run was stopped from outside.
    #[error("the run was interrupted at t = {t} s (step {step})")]
    Interrupted {
        /// Step.
        step: i64,
        /// Time.
        t: f64,
    },
    /// A kernel call failed (a binding mismatch: a bug).
    #[error("{0}")]
    Kernel(String),
    /// A duration that is negative or not finite.
    #[error("invalid duration {0} s")]
    Duration(f64),
}

/// A snapshot of a network's state (`store`/`restore`).
#[derive(Clone, Debug, PartialEq)]
pub struct Snapshot {
    groups: Vec<Group>,
    clocks: Vec<Clock>,
    spikes: Vec<Option<SpikeData>>,
    states: Vec<Option<StateData>>,
    rates: Vec<Option<RateData>>,
    /// The spikes each pathway has queued (in order of due step, the current one first).
    queues: Vec<Option<Vec<Vec<u32>>>>,
    seed: u64,
    executions: i64,
}

/// A network of groups, kernels and monitors.
pub struct Network {
    /// The groups' state.
    pub groups: Vec<Group>,
    /// The clocks.
    pub clocks: Vec<Clock>,
    infos: Vec<ObjectInfo>,
    actions: Vec<Action>,
    /// Objects whose work a fused kernel does (skipped, whatever their `active` flag says).
    replaced: Vec<bool>,
    links: Vec<Link>,
    /// The schedule's slots (`before_` and `after_` slots exist around each).
    pub schedule: Vec<String>,
    /// The seed of the random streams.
    pub seed: u64,
    /// Values of external constants, read by kernels at the start of each run.
    pub externals: HashMap<String, Value>,
    /// Check state for NaN and infinity every this many steps (0: never).
    pub check_interval: i64,
    /// Threads that run kernels over large groups (1: everything on the calling thread). Results do not
    /// depend on it.
    pub threads: usize,
    /// The least work (IR instructions per neuron × neurons) worth a thread: 400 000 by default, 25 µs
    /// of a vectorised LIF kernel to 70 µs of a Hodgkin–Huxley one, several times what handing a range
    /// to another thread costs.
    pub parallel_grain: usize,
    backend: Box<dyn Backend>,
    /// The network time (seconds).
    pub t: f64,
    /// Set from outside to stop the run at the next step.
    pub stop_flag: Option<std::sync::Arc<std::sync::atomic::AtomicBool>>,
    executions: i64,
}

/// Brian2's default schedule.
pub const DEFAULT_SCHEDULE: [&str; 6] =
    ["start", "groups", "thresholds", "synapses", "resets", "end"];

impl Network {
    /// An empty network whose kernels run on `backend`.
    pub fn new(backend: Box<dyn Backend>) -> Network {
        Network {
            groups: Vec::new(),
            clocks: Vec::new(),
            infos: Vec::new(),
            actions: Vec::new(),
            replaced: Vec::new(),
            links: Vec::new(),
            schedule: DEFAULT_SCHEDULE.iter().map(|s| s.to_string()).collect(),
            seed: 0,
            externals: HashMap::new(),
            check_interval: 100,
            threads: 1,
            parallel_grain: 400_000,
            backend,
            t: 0.0,
            stop_flag: None,
            executions: 0,
        }
    }

    /// The backend's name.
    pub fn backend_name(&self) -> &'static str {
        self.backend.name()
    }

    /// How long each kernel compiled so far took, by kernel name (empty for the interpreter).
    pub fn compile_times(&self) -> &[(String, std::time::Duration)] {
        self.backend.compile_times()
    }

    /// Adds a clock.
    pub fn add_clock(&mut self, name: impl Into<String>, dt: f64) -> ClockId {
        let mut c = Clock::new(name, dt);
        // A clock added later starts at the network's current time.
        c.step = c.step_at(self.t);
        self.clocks.push(c);
        ClockId(self.clocks.len() - 1)
    }

    /// Adds a group with storage for `variables` (name, type, extent), all zero.
    pub fn add_group(
        &mut self,
        name: &str,
        n: usize,
        variables: &[(String, Type, Extent)],
    ) -> GroupId {
        let arrays = variables
            .iter()
            .enumerate()
            .map(|(k, (v, ty, extent))| {
                let len = match extent {
                    Extent::PerNeuron | Extent::Indexed => n,
                    Extent::Shared => 1,
                };
                // Stagger equal-length arrays by a few cache lines each.
                let stagger = if len >= 1024 { (k * 9) % 64 * 8 } else { 0 };
                (v.clone(), ArrayData::staggered(*ty, len, stagger))
            })
            .collect();
        self.groups.push(Group {
            name: name.to_string(),
            n,
            arrays,
            events: Vec::new(),
        });
        GroupId(self.groups.len() - 1)
    }

    /// Adds a variable to a group (a hidden array for recording a subexpression, say).
    pub fn add_array(&mut self, group: GroupId, name: &str, ty: Type, extent: Extent) {
        let g = &mut self.groups[group.0];
        if g.array_index(name).is_none() {
            let len = if extent == Extent::Shared { 1 } else { g.n };
            g.arrays.push((name.to_string(), ArrayData::zeros(ty, len)));
        }
    }

    fn kernel_object(
        &mut self,
        group: GroupId,
        kernel: &Kernel,
        overrides: HashMap<String, Value>,
        compile_now: bool,
    ) -> Result<KernelObject, String> {
        let compiled = if compile_now {
            Some(self.backend.compile(kernel).map_err(|e| e.to_string())?)
        } else {
            ganglion_ir::verify(kernel).map_err(|e| e.to_string())?;
            None
        };
        let arrays = kernel
            .arrays
            .iter()
            .map(|a| {
                let (owner, var) = match a.name.split_once('.') {
                    Some((g, v)) => (
                        self.groups
                            .iter()
                            .position(|x| x.name == g)
                            .ok_or_else(|| {
                                format!(
                                    "kernel `{}` uses `{}`: no group `{g}`",
                                    kernel.name, a.name
                                )
                            })?,
                        v,
                    ),
                    None => (group.0, a.name.as_str()),
                };
                let g = &self.groups[owner];
                g.array_index(var).map(|k| (owner, k)).ok_or_else(|| {
                    format!(
                        "kernel `{}` uses `{}`, which group `{}` does not have",
                        kernel.name, var, g.name
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let g = &mut self.groups[group.0];
        let events: Vec<usize> = kernel.events.iter().map(|e| g.event_index(e)).collect();
        let clears = match &kernel.kind {
            ganglion_ir::KernelKind::Threshold(e) => Some(g.event_index(e)),
            ganglion_ir::KernelKind::Fused(kinds) => kinds.iter().find_map(|k| match k {
                ganglion_ir::KernelKind::Threshold(e) => Some(g.event_index(e)),
                _ => None,
            }),
            _ => None,
        };
        Ok(KernelObject {
            group,
            kernel: kernel.clone(),
            compiled,
            arrays,
            events,
            params: kernel.params.iter().map(|p| p.name.clone()).collect(),
            overrides,
            clears,
            params_now: Vec::new(),
        })
    }

    fn push(&mut self, info: ObjectInfo, action: Action) -> ObjectId {
        self.infos.push(info);
        self.actions.push(action);
        self.replaced.push(false);
        ObjectId(self.infos.len() - 1)
    }

    /// Adds a synaptic pathway: at `info`'s slot, the spikes of `spec.source` are queued at their delays,
    /// and `code` (a kernel of the synapses over the pathway's event buffer) runs over the synapses due.
    pub fn add_pathway(
        &mut self,
        info: ObjectInfo,
        spec: PathwaySpec,
        code: &Kernel,
        overrides: HashMap<String, Value>,
    ) -> Result<ObjectId, String> {
        let group = GroupId(spec.synapses);
        self.groups[group.0].event_buffer(&spec.buffer);
        let k = self.kernel_object(group, code, overrides, false)?;
        // The code may run on several threads when what it writes is the synapse's own or one neuron's
        // reached through a synaptic index of its own group.
        let split_by = match ganglion_ir::event_split(code) {
            Some(ganglion_ir::EventSplit::Element) => Some(SplitBy::Synapse),
            Some(ganglion_ir::EventSplit::Key(a)) => {
                let name = &code.arrays[a.0 as usize].name;
                (!name.contains('.')).then(|| SplitBy::Neuron(name.clone()))
            }
            None => None,
        };
        Ok(self.push(
            info,
            Action::Pathway(Box::new((Pathway::new(spec, split_by), k))),
        ))
    }

    /// Adds a summed variable: at `info`'s slot, `target.var` is set to 0 for the neurons
    /// `range.0..range.1`, then `code` (a kernel of the synapses `group`) adds each synapse's term.
    #[allow(clippy::too_many_arguments)]
    pub fn add_summed(
        &mut self,
        info: ObjectInfo,
        group: GroupId,
        target: GroupId,
        var: &str,
        range: (usize, usize),
        code: &Kernel,
        overrides: HashMap<String, Value>,
    ) -> Result<ObjectId, String> {
        let array = self.groups[target.0].array_index(var).ok_or_else(|| {
            format!(
                "group `{}` has no variable `{var}`",
                self.groups[target.0].name
            )
        })?;
        let k = self.kernel_object(group, code, overrides, false)?;
        let t = SummedTarget {
            group: target.0,
            array,
            range,
        };
        Ok(self.push(info, Action::Summed(Box::new((t, k)))))
    }

    /// Adds the spike source of a spike-generator group (at `info`'s slot, normally `thresholds`).
    pub fn add_generator(
        &mut self,
        info: ObjectInfo,
        group: GroupId,
        train: SpikeTrain,
    ) -> ObjectId {
        self.groups[group.0].event_buffer("spike");
        self.push(info, Action::Generator(Generator::new(group.0, train)))
    }

    /// Adds a kernel of `group`, run at `info`'s slot; `overrides` are the group's own namespace.
    pub fn add_kernel(
        &mut self,
        info: ObjectInfo,
        group: GroupId,
        kernel: &Kernel,
        overrides: HashMap<String, Value>,
    ) -> Result<ObjectId, String> {
        let k = self.kernel_object(group, kernel, overrides, false)?;
        Ok(self.push(info, Action::Kernel(k)))
    }

    /// Runs a kernel once now, outside the schedule (initial values, state set between runs).
    pub fn execute(
        &mut self,
        group: GroupId,
        kernel: &Kernel,
        overrides: HashMap<String, Value>,
    ) -> Result<(), String> {
        let mut k = self.kernel_object(group, kernel, overrides, true)?;
        let clock = self
            .clocks
            .first()
            .cloned()
            .unwrap_or_else(|| Clock::new("defaultclock", 1e-4));
        // Random draws of code run outside the schedule use negative step numbers, one per execution,
        // so that they never repeat a draw of a run or of another execution.
        self.executions += 1;
        let call_clock = CallClock {
            t: self.t,
            dt: clock.dt,
            step: -self.executions,
        };
        let params = self.param_values(&k);
        if let Some(c) = &mut k.compiled {
            c.setup(&params, clock.dt);
        }
        Self::refresh_links(&mut self.groups, &self.links, group);
        call_kernel(
            &mut k,
            &mut self.groups,
            call_clock,
            self.seed,
            &params,
            Threads::One,
        )
        .map_err(|e| e.to_string())
    }

    /// Adds a spike (or event) monitor of `group`'s event, recording `variables` at each event, for
    /// neurons `range.0..range.1`.
    pub fn add_spike_monitor(
        &mut self,
        info: ObjectInfo,
        group: GroupId,
        event: &str,
        variables: &[String],
        range: (usize, usize),
        window: Window,
    ) -> Result<ObjectId, String> {
        let g = &mut self.groups[group.0];
        let event = g.event_index(event);
        let variables = variables
            .iter()
            .map(|v| {
                g.array_index(v)
                    .map(|k| (v.clone(), k))
                    .ok_or_else(|| format!("group `{}` has no variable `{v}`", g.name))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let data = SpikeData {
            i: Vec::new(),
            t: Vec::new(),
            values: variables
                .iter()
                .map(|(n, _)| (n.clone(), Vec::new()))
                .collect(),
            count: vec![0; range.1 - range.0],
        };
        Ok(self.push(
            info,
            Action::SpikeMonitor(SpikeMonitor {
                group,
                event,
                variables,
                range,
                window,
                data,
            }),
        ))
    }

    /// Adds a state monitor recording `variables` of the neurons `indices`; `probes` are kernels run
    /// just before each recording (they compute subexpressions into hidden arrays), with `overrides` (the
    /// group's own namespace) before the network's external constants.
    #[allow(clippy::too_many_arguments)]
    pub fn add_state_monitor(
        &mut self,
        info: ObjectInfo,
        group: GroupId,
        variables: &[(String, String)],
        indices: Vec<usize>,
        probes: &[Kernel],
        overrides: HashMap<String, Value>,
        window: Window,
    ) -> Result<ObjectId, String> {
        let probes = probes
            .iter()
            .map(|k| self.kernel_object(group, k, overrides.clone(), true))
            .collect::<Result<Vec<_>, _>>()?;
        let g = &self.groups[group.0];
        let variables = variables
            .iter()
            .map(|(label, array)| {
                g.array_index(array)
                    .map(|k| (label.clone(), k))
                    .ok_or_else(|| format!("group `{}` has no variable `{array}`", g.name))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let data = StateData {
            t: Vec::new(),
            indices: indices.clone(),
            values: variables
                .iter()
                .map(|(n, _)| (n.clone(), vec![Vec::new(); indices.len()]))
                .collect(),
        };
        Ok(self.push(
            info,
            Action::StateMonitor(StateMonitor {
                group,
                variables,
                indices,
                probes,
                probe_params: Vec::new(),
                window,
                data,
            }),
        ))
    }

    /// Adds a population rate monitor of `group`'s event for neurons `range.0..range.1`.
    pub fn add_rate_monitor(
        &mut self,
        info: ObjectInfo,
        group: GroupId,
        event: &str,
        range: (usize, usize),
        window: Window,
    ) -> ObjectId {
        let event = self.groups[group.0].event_index(event);
        self.push(
            info,
            Action::RateMonitor(RateMonitor {
                group,
                event,
                range,
                window,
                data: RateData::default(),
            }),
        )
    }

    /// Adds a linked variable.
    pub fn add_link(&mut self, link: Link) -> Result<(), String> {
        let source = &self.groups[link.source.0];
        let src = source.array(&link.source_var).ok_or_else(|| {
            format!(
                "group `{}` has no variable `{}`",
                source.name, link.source_var
            )
        })?;
        let src_len = src.len();
        let target = &self.groups[link.target.0];
        let dst = target.array(&link.target_var).ok_or_else(|| {
            format!(
                "group `{}` has no variable `{}`",
                target.name, link.target_var
            )
        })?;
        if let Some(ix) = &link.index {
            if ix.len() != dst.len() {
                return Err(format!(
                    "the index has {} entries, the group has {}",
                    ix.len(),
                    dst.len()
                ));
            }
            if let Some(bad) = ix.iter().find(|&&i| i >= src_len) {
                return Err(format!(
                    "index {bad} is out of range for `{}` of {src_len} elements",
                    source.name
                ));
            }
        } else if src_len != dst.len() && src_len != 1 {
            return Err(format!(
                "cannot link `{}` ({} neurons) to `{}.{}` ({} elements) without an index",
                target.name,
                dst.len(),
                source.name,
                link.source_var,
                src_len
            ));
        }
        self.links
            .retain(|l| !(l.target == link.target && l.target_var == link.target_var));
        self.links.push(link);
        Ok(())
    }

    /// Copies the current values of every linked variable of `group` from its source.
    fn refresh_links(groups: &mut [Group], links: &[Link], group: GroupId) {
        for l in links.iter().filter(|l| l.target == group) {
            let values: Vec<f64> = {
                let src = groups[l.source.0]
                    .array(&l.source_var)
                    .map(ArrayData::to_f64_vec)
                    .unwrap_or_default();
                let len = groups[l.target.0]
                    .array(&l.target_var)
                    .map_or(0, ArrayData::len);
                (0..len)
                    .map(|i| match &l.index {
                        Some(ix) => src[ix[i]],
                        None if src.len() == 1 => src[0],
                        None => src[i],
                    })
                    .collect()
            };
            if let Some(dst) = groups[l.target.0].array_mut(&l.target_var) {
                dst.fill_from_f64(&values);
            }
        }
    }

    /// The group an object works on and whether it reads or writes that group's variables (kernels do;
    /// spike monitors only when they record variables; state monitors do; rate monitors do not).
    pub fn object_group(&self, id: ObjectId) -> (GroupId, bool) {
        match &self.actions[id.0] {
            Action::Kernel(k) => (k.group, true),
            Action::Pathway(p) => (p.1.group, true),
            Action::Summed(s) => (s.1.group, true),
            Action::Generator(g) => (GroupId(g.group), false),
            Action::SpikeMonitor(m) => (m.group, !m.variables.is_empty()),
            Action::StateMonitor(m) => (m.group, true),
            Action::RateMonitor(m) => (m.group, false),
        }
    }

    /// Number of objects (scheduled or not).
    pub fn object_count(&self) -> usize {
        self.infos.len()
    }

    /// Marks an object as done by a fused kernel (skipped while `replaced`), or not.
    pub fn set_replaced(&mut self, id: ObjectId, replaced: bool) {
        self.replaced[id.0] = replaced;
    }

    /// Whether a fused kernel does this object's work.
    pub fn is_replaced(&self, id: ObjectId) -> bool {
        self.replaced[id.0]
    }

    /// The info of an object.
    pub fn info(&self, id: ObjectId) -> &ObjectInfo {
        &self.infos[id.0]
    }

    /// Changes an object's slot, order or activity.
    pub fn info_mut(&mut self, id: ObjectId) -> &mut ObjectInfo {
        &mut self.infos[id.0]
    }

    /// The kernel of an object (for printing).
    pub fn kernel(&self, id: ObjectId) -> Option<&Kernel> {
        match &self.actions[id.0] {
            Action::Kernel(k) => Some(&k.kernel),
            Action::Pathway(p) => Some(&p.1.kernel),
            Action::Summed(s) => Some(&s.1.kernel),
            _ => None,
        }
    }

    /// What a spike or event monitor recorded.
    pub fn spike_data(&self, id: ObjectId) -> Option<&SpikeData> {
        match &self.actions[id.0] {
            Action::SpikeMonitor(m) => Some(&m.data),
            _ => None,
        }
    }

    /// What a state monitor recorded.
    pub fn state_data(&self, id: ObjectId) -> Option<&StateData> {
        match &self.actions[id.0] {
            Action::StateMonitor(m) => Some(&m.data),
            _ => None,
        }
    }

    /// What a rate monitor recorded.
    pub fn rate_data(&self, id: ObjectId) -> Option<&RateData> {
        match &self.actions[id.0] {
            Action::RateMonitor(m) => Some(&m.data),
            _ => None,
        }
    }

    /// The slot key of `when` (Brian2: `before_s = 3k`, `s = 3k+1`, `after_s = 3k+2`).
    pub fn slot_key(&self, when: &str) -> Option<usize> {
        let (base, offset) = if let Some(s) = when.strip_prefix("before_") {
            (s, 0)
        } else if let Some(s) = when.strip_prefix("after_") {
            (s, 2)
        } else {
            (when, 1)
        };
        self.schedule
            .iter()
            .position(|s| s == base)
            .map(|k| 3 * k + offset)
    }

    /// Objects in the order they run within a step: by slot, then order, then name.
    pub fn sorted_objects(&self) -> Vec<ObjectId> {
        let mut ids: Vec<ObjectId> = (0..self.infos.len()).map(ObjectId).collect();
        ids.sort_by(|a, b| {
            let (x, y) = (&self.infos[a.0], &self.infos[b.0]);
            let kx = self.slot_key(&x.when).unwrap_or(usize::MAX);
            let ky = self.slot_key(&y.when).unwrap_or(usize::MAX);
            (kx, x.order, &x.name).cmp(&(ky, y.order, &y.name))
        });
        ids
    }

    /// Brian2's `scheduling_summary()`: object, part of, clock dt, when, order, active.
    pub fn scheduling_summary(&self) -> String {
        let mut out = String::from("object | part of | clock dt | when | order | active\n");
        for id in self.sorted_objects() {
            let i = &self.infos[id.0];
            let dt = self.clocks[i.clock.0].dt;
            let every = (dt / self.clocks.first().map_or(dt, |c| c.dt)).round();
            out.push_str(&format!(
                "{} | {} | {} ({}) | {} | {} | {}\n",
                i.name,
                i.part_of,
                ganglion_units_display(dt),
                if every == 1.0 {
                    "every step".to_string()
                } else {
                    format!("every {every} steps")
                },
                i.when,
                i.order,
                match (i.active, self.replaced[id.0]) {
                    (false, _) => "no",
                    (true, false) => "yes",
                    (true, true) => "yes (fused)",
                }
            ));
        }
        out
    }

    fn param_values(&self, k: &KernelObject) -> Vec<Value> {
        k.params
            .iter()
            .map(|p| {
                k.overrides
                    .get(p)
                    .or_else(|| self.externals.get(p))
                    .cloned()
                    .unwrap_or(Value::F64(f64::NAN))
            })
            .collect()
    }

    /// Runs the network for `duration` seconds, calling `report` now and then (and at 0 and 1).
    pub fn run(
        &mut self,
        duration: f64,
        mut report: Option<&mut dyn FnMut(Progress)>,
    ) -> Result<(), RunError> {
        if duration.is_nan() || duration < 0.0 || !duration.is_finite() {
            return Err(RunError::Duration(duration));
        }
        // Compile the kernels this run calls (those replaced by a fused kernel are not).
        for id in 0..self.actions.len() {
            let k = match &mut self.actions[id] {
                Action::Kernel(k) => k,
                Action::Pathway(p) => &mut p.1,
                Action::Summed(s) => &mut s.1,
                _ => continue,
            };
            if k.compiled.is_none() && !self.replaced[id] {
                k.compiled = Some(
                    self.backend
                        .compile(&k.kernel)
                        .map_err(|e| RunError::Kernel(e.to_string()))?,
                );
            }
        }
        // Threads that stay awake while the run lasts (none on one thread, or on the interpreter).
        let workers = if self.threads > 1 {
            self.backend.workers(self.threads)
        } else {
            None
        };
        let threads = workers.as_deref().map_or(1, |w| w.threads());
        // Index the synapses of each pathway (in a part per thread where its code allows) and convert
        // delays to steps; spike times to steps.
        for id in 0..self.actions.len() {
            let clock = &self.clocks[self.infos[id].clock.0];
            let (dt, step) = (clock.dt, clock.step);
            match &mut self.actions[id] {
                Action::Pathway(p) => {
                    p.0.prepare(&self.groups, dt, threads, self.parallel_grain)
                        .map_err(RunError::Kernel)?
                }
                Action::Generator(g) => g
                    .prepare(dt, step, &self.infos[id].name)
                    .map_err(RunError::Kernel)?,
                _ => {}
            }
        }
        for id in 0..self.actions.len() {
            let params = match &self.actions[id] {
                Action::Kernel(k) => self.param_values(k),
                Action::Pathway(p) => self.param_values(&p.1),
                Action::Summed(s) => self.param_values(&s.1),
                _ => Vec::new(),
            };
            let probe_params: Vec<Vec<Value>> = match &self.actions[id] {
                Action::StateMonitor(m) => m.probes.iter().map(|p| self.param_values(p)).collect(),
                _ => Vec::new(),
            };
            let dt = self.clocks[self.infos[id].clock.0].dt;
            match &mut self.actions[id] {
                Action::Pathway(p) => {
                    if let Some(c) = &mut p.1.compiled {
                        c.setup(&params, dt);
                    }
                    p.1.params_now = params;
                }
                Action::Summed(s) => {
                    if let Some(c) = &mut s.1.compiled {
                        c.setup(&params, dt);
                    }
                    s.1.params_now = params;
                }
                Action::Kernel(k) => {
                    if let Some(c) = &mut k.compiled {
                        c.setup(&params, dt);
                    }
                    // External constants do not change during a run.
                    k.params_now = params;
                }
                Action::StateMonitor(m) => {
                    m.probe_params = probe_params;
                    for (p, pp) in m.probes.iter_mut().zip(&m.probe_params) {
                        if let Some(c) = &mut p.compiled {
                            c.setup(pp, dt);
                        }
                    }
                }
                _ => {}
            }
        }
        let start = self.t;
        let end = start + duration;
        for c in &mut self.clocks {
            c.set_end(end);
        }
        let order = self.sorted_objects();
        let started = Instant::now();
        let mut last_report = started;
        if let Some(r) = report.as_mut() {
            r(Progress {
                elapsed: Duration::ZERO,
                completed: 0.0,
                start,
                duration,
            });
        }
        let mut last_clean: (i64, f64) = (self.clocks.first().map_or(0, |c| c.step), self.t);
        let mut steps_since_check = 0;
        let written = self.written_arrays();
        let mut checked_all = false;
        // Each pass runs the clocks due now: those with the smallest time.
        while let Some((min_t, min_dt)) = self
            .clocks
            .iter()
            .filter(|c| c.step < c.end)
            .map(|c| (c.t(), c.dt))
            .min_by(|a, b| a.0.total_cmp(&b.0))
        {
            let current: Vec<bool> = self
                .clocks
                .iter()
                .map(|c| {
                    c.step < c.end
                        && (c.t() == min_t || (c.t() - min_t).abs() / c.dt.min(min_dt) < EPSILON_DT)
                })
                .collect();
            self.t = min_t;
            if let Some(flag) = &self.stop_flag
                && flag.load(std::sync::atomic::Ordering::Relaxed)
            {
                let step = self.clocks.first().map_or(0, |c| c.step);
                return Err(RunError::Interrupted { step, t: self.t });
            }
            for id in &order {
                let info = &self.infos[id.0];
                if !info.active || self.replaced[id.0] || !current[info.clock.0] {
                    continue;
                }
                let clock = &self.clocks[info.clock.0];
                let seed = self.seed;
                let groups = &mut self.groups;
                if !self.links.is_empty() {
                    let (group, reads) = match &self.actions[id.0] {
                        Action::Kernel(k) => (k.group, true),
                        Action::Pathway(p) => (p.1.group, true),
                        Action::Summed(s) => (s.1.group, true),
                        Action::Generator(g) => (GroupId(g.group), false),
                        Action::SpikeMonitor(m) => (m.group, !m.variables.is_empty()),
                        Action::StateMonitor(m) => (m.group, true),
                        Action::RateMonitor(m) => (m.group, false),
                    };
                    if reads {
                        Self::refresh_links(groups, &self.links, group);
                    }
                }
                match &mut self.actions[id.0] {
                    Action::Kernel(k) => {
                        let params = std::mem::take(&mut k.params_now);
                        let threads = match workers.as_deref() {
                            Some(w) => Threads::Ranges(w, self.parallel_grain),
                            None => Threads::One,
                        };
                        let result =
                            call_kernel(k, groups, call_clock(clock), seed, &params, threads);
                        k.params_now = params;
                        result.map_err(|e| RunError::Kernel(e.to_string()))?
                    }
                    Action::Generator(g) => g.step(groups, clock.step),
                    Action::Summed(s) => {
                        let (target, k) = &mut **s;
                        let (a, b) = target.range;
                        let arr = &mut groups[target.group].arrays[target.array].1;
                        for n in a..b {
                            arr.set(n, &Value::F64(0.0).cast(arr.ty()));
                        }
                        let params = std::mem::take(&mut k.params_now);
                        let result =
                            call_kernel(k, groups, call_clock(clock), seed, &params, Threads::One);
                        k.params_now = params;
                        result.map_err(|e| RunError::Kernel(e.to_string()))?
                    }
                    Action::Pathway(p) => {
                        let (pathway, k) = &mut **p;
                        pathway.step(groups);
                        let params = std::mem::take(&mut k.params_now);
                        let threads = match (workers.as_deref(), pathway.split()) {
                            (Some(w), Some(split)) => Threads::Split(w, self.parallel_grain, split),
                            _ => Threads::One,
                        };
                        let result =
                            call_kernel(k, groups, call_clock(clock), seed, &params, threads);
                        k.params_now = params;
                        result.map_err(|e| RunError::Kernel(e.to_string()))?
                    }
                    Action::SpikeMonitor(m) => m.record(groups, clock),
                    Action::StateMonitor(m) => {
                        m.record(groups, clock, seed).map_err(RunError::Kernel)?
                    }
                    Action::RateMonitor(m) => m.record(groups, clock),
                }
            }
            for (c, now) in self.clocks.iter_mut().zip(&current) {
                if *now {
                    c.step += 1;
                }
            }
            steps_since_check += 1;
            if self.check_interval > 0 && steps_since_check >= self.check_interval {
                steps_since_check = 0;
                // Everything once; then only what the kernels write (the rest cannot change).
                self.check_finite(last_clean, checked_all.then_some(&written[..]))?;
                checked_all = true;
                last_clean = (self.clocks.first().map_or(0, |c| c.step), self.t);
            }
            if let Some(r) = report.as_mut()
                && last_report.elapsed() >= Duration::from_millis(200)
            {
                last_report = Instant::now();
                r(Progress {
                    elapsed: started.elapsed(),
                    completed: if duration > 0.0 {
                        ((self.t - start) / duration).clamp(0.0, 1.0)
                    } else {
                        1.0
                    },
                    start,
                    duration,
                });
            }
        }
        self.t = end;
        if self.check_interval > 0 {
            self.check_finite(last_clean, checked_all.then_some(&written[..]))?;
        }
        if let Some(r) = report.as_mut() {
            r(Progress {
                elapsed: started.elapsed(),
                completed: 1.0,
                start,
                duration,
            });
        }
        Ok(())
    }

    /// The arrays (group, array) that some kernel of the network stores to, sorted.
    fn written_arrays(&self) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        for (id, action) in self.actions.iter().enumerate() {
            let k = match action {
                Action::Kernel(k) => k,
                Action::Pathway(p) => &p.1,
                Action::Summed(s) => &s.1,
                _ => continue,
            };
            if self.replaced[id] {
                continue;
            }
            for block in [&k.kernel.scalar, &k.kernel.vector] {
                block.walk(&mut |i| {
                    if let ganglion_ir::Op::Store(a, _, _) = i.op {
                        out.push(k.arrays[a.0 as usize]);
                    }
                });
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Reports the first value that is not finite in the state (every array, or those in `only`).
    fn check_finite(
        &self,
        last_clean: (i64, f64),
        only: Option<&[(usize, usize)]>,
    ) -> Result<(), RunError> {
        // Groups named `_...` hold tables (timed arrays), not state.
        for (gi, g) in self.groups.iter().enumerate() {
            if g.name.starts_with('_') {
                continue;
            }
            for (ai, (name, a)) in g.arrays.iter().enumerate() {
                if name.starts_with('_')
                    || name == "lastspike"
                    || only.is_some_and(|w| w.binary_search(&(gi, ai)).is_err())
                {
                    continue;
                }
                let bad = match a {
                    ArrayData::F64(v) => v
                        .as_slice()
                        .iter()
                        .position(|x| !x.is_finite())
                        .map(|i| (i, v.as_slice()[i])),
                    ArrayData::F32(v) => v
                        .as_slice()
                        .iter()
                        .position(|x| !x.is_finite())
                        .map(|i| (i, f64::from(v.as_slice()[i]))),
                    _ => None,
                };
                if let Some((neuron, value)) = bad {
                    let clock = self.clocks.first();
                    return Err(RunError::NonFinite {
                        group: g.name.clone(),
                        variable: name.clone(),
                        neuron,
                        value: if value.is_nan() {
                            "NaN".into()
                        } else {
                            format!("{value}")
                        },
                        from_step: last_clean.0,
                        from_t: last_clean.1,
                        step: clock.map_or(0, |c| c.step),
                        t: clock.map_or(0.0, Clock::t),
                    });
                }
            }
        }
        Ok(())
    }

    /// A snapshot of all state: groups, clocks, monitors' recordings, the seed.
    pub fn store(&self) -> Snapshot {
        Snapshot {
            groups: self.groups.clone(),
            clocks: self.clocks.clone(),
            spikes: self
                .actions
                .iter()
                .map(|a| match a {
                    Action::SpikeMonitor(m) => Some(m.data.clone()),
                    _ => None,
                })
                .collect(),
            queues: self
                .actions
                .iter()
                .map(|a| match a {
                    Action::Pathway(p) => Some(p.0.queue()),
                    _ => None,
                })
                .collect(),
            states: self
                .actions
                .iter()
                .map(|a| match a {
                    Action::StateMonitor(m) => Some(m.data.clone()),
                    _ => None,
                })
                .collect(),
            rates: self
                .actions
                .iter()
                .map(|a| match a {
                    Action::RateMonitor(m) => Some(m.data.clone()),
                    _ => None,
                })
                .collect(),
            seed: self.seed,
            executions: self.executions,
        }
    }

    /// Restores a snapshot taken from this network.
    pub fn restore(&mut self, s: &Snapshot) {
        self.groups = s.groups.clone();
        self.clocks = s.clocks.clone();
        self.seed = s.seed;
        // The random streams of code run outside the schedule continue from where they were at the store.
        self.executions = s.executions;
        self.t = self.clocks.first().map_or(0.0, Clock::t);
        for (k, a) in self.actions.iter_mut().enumerate() {
            match a {
                Action::SpikeMonitor(m) => {
                    if let Some(Some(d)) = s.spikes.get(k) {
                        m.data = d.clone();
                    }
                }
                Action::StateMonitor(m) => {
                    if let Some(Some(d)) = s.states.get(k) {
                        m.data = d.clone();
                    }
                }
                Action::RateMonitor(m) => {
                    if let Some(Some(d)) = s.rates.get(k) {
                        m.data = d.clone();
                    }
                }
                Action::Summed(_) | Action::Generator(_) => {}
                Action::Pathway(p) => {
                    if let Some(Some(q)) = s.queues.get(k) {
                        p.0.set_queue(q.clone());
                    }
                }
                Action::Kernel(_) => {}
            }
        }
    }
}

fn ganglion_units_display(dt: f64) -> String {
    format!("{} ms", dt * 1e3)
}

fn call_clock(c: &Clock) -> CallClock {
    CallClock {
        t: c.t(),
        dt: c.dt,
        step: c.step,
    }
}

/// How a kernel call may use threads.
enum Threads<'a> {
    /// The calling thread only.
    One,
    /// Neurons in ranges of at least this much work, on these threads.
    Ranges(&'a dyn ganglion_ir::Workers, usize),
    /// An event buffer cut into these parts, on these threads, when there is this much work.
    Split(&'a dyn ganglion_ir::Workers, usize, ganglion_ir::Split<'a>),
}

/// Calls a kernel on its group's arrays.
fn call_kernel(
    k: &mut KernelObject,
    groups: &mut [Group],
    clock: CallClock,
    seed: u64,
    params: &[Value],
    threads: Threads<'_>,
) -> Result<(), ganglion_ir::interp::BindError> {
    if let Some(e) = k.clears {
        groups[k.group.0].events[e].1.clear();
    }
    let own = k.group.0;
    let n = groups[own].n;
    // Borrow each bound array once, from whichever group holds it, and the kernel's own events.
    let mut bound: Vec<Option<&mut ArrayData>> = (0..k.arrays.len()).map(|_| None).collect();
    let mut own_events = None;
    for (gi, g) in groups.iter_mut().enumerate() {
        let Group { arrays, events, .. } = g;
        if gi == own {
            own_events = Some(events);
        }
        if !k.arrays.iter().any(|&(owner, _)| owner == gi) {
            continue;
        }
        // (Without a vector of the group's arrays: this runs for every kernel at every step.)
        for (ai, (_, a)) in arrays.iter_mut().enumerate() {
            if let Some(slot) = k.arrays.iter().position(|&b| b == (gi, ai)) {
                bound[slot] = Some(a);
            }
        }
    }
    let arrays: Vec<&mut ArrayData> = bound
        .into_iter()
        .map(|a| a.expect("a kernel binds each array once"))
        .collect();
    let own_events = own_events.expect("the kernel's group exists");
    let mut events: Vec<Option<&mut Vec<u32>>> = (0..k.events.len()).map(|_| None).collect();
    for (ei, (_, e)) in own_events.iter_mut().enumerate() {
        if let Some(slot) = k.events.iter().position(|&x| x == ei) {
            events[slot] = Some(e);
        }
    }
    let events: Vec<&mut Vec<u32>> = events
        .into_iter()
        .map(|e| e.expect("a kernel binds each event once"))
        .collect();
    let mut bindings = Bindings {
        arrays,
        params,
        events,
        clock,
        seed,
        n,
    };
    match (&mut k.compiled, threads) {
        (Some(c), Threads::Ranges(workers, grain)) => {
            c.call_parallel(&mut bindings, workers, grain)
        }
        (Some(c), Threads::Split(workers, grain, split)) => {
            c.call_split(&mut bindings, workers, grain, &split)
        }
        (Some(c), Threads::One) => c.call(&mut bindings),
        (None, _) => Err(ganglion_ir::interp::BindError::NotCompiled {
            kernel: k.kernel.name.clone(),
        }),
    }
}

impl SpikeMonitor {
    fn record(&mut self, groups: &[Group], clock: &Clock) {
        if !self.window.contains(clock) {
            return;
        }
        let g = &groups[self.group.0];
        let t = clock.t();
        for &i in &g.events[self.event].1 {
            let i = i as usize;
            if i < self.range.0 || i >= self.range.1 {
                continue;
            }
            self.data.i.push((i - self.range.0) as u32);
            self.data.t.push(t);
            self.data.count[i - self.range.0] += 1;
            for (k, (_, a)) in self.variables.iter().enumerate() {
                self.data.values[k].1.push(g.arrays[*a].1.get_f64(i));
            }
        }
    }
}

impl StateMonitor {
    fn record(&mut self, groups: &mut [Group], clock: &Clock, seed: u64) -> Result<(), String> {
        if !self.window.contains(clock) {
            return Ok(());
        }
        for (p, params) in self.probes.iter_mut().zip(&self.probe_params) {
            call_kernel(p, groups, call_clock(clock), seed, params, Threads::One)
                .map_err(|e| e.to_string())?;
        }
        let g = &groups[self.group.0];
        self.data.t.push(clock.t());
        for (k, (_, a)) in self.variables.iter().enumerate() {
            let array = &g.arrays[*a].1;
            for (r, &i) in self.indices.iter().enumerate() {
                let i = if array.len() == 1 { 0 } else { i };
                self.data.values[k].1[r].push(array.get_f64(i));
            }
        }
        Ok(())
    }
}

impl RateMonitor {
    fn record(&mut self, groups: &[Group], clock: &Clock) {
        if !self.window.contains(clock) {
            return;
        }
        let g = &groups[self.group.0];
        let n = (self.range.1 - self.range.0).max(1);
        let count = g.events[self.event]
            .1
            .iter()
            .filter(|&&i| (i as usize) >= self.range.0 && (i as usize) < self.range.1)
            .count();
        self.data.t.push(clock.t());
        self.data.dt = clock.dt;
        self.data.rate.push(count as f64 / (n as f64 * clock.dt));
    }
}

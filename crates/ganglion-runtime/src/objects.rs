//! The scheduled objects of a simulation: kernels bound to their groups' arrays, pathways, summed
//! variables, spike generators and monitors, and how a kernel is called.

use std::collections::HashMap;

use ganglion_ir::interp::{ArrayData, BindError, Bindings, Clock as CallClock, Value};
use ganglion_ir::{Backend, CompiledKernel, Kernel, KernelKind, Slot};

use crate::clock::Clock;
use crate::error::BuildError;
use crate::group::{Group, GroupId};
use crate::monitor::{RateMonitor, SpikeMonitor, StateMonitor};
use crate::synapses::{Generator, Pathway};

/// Identifies a clock of a simulation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ClockId(pub usize);

/// Identifies a scheduled object of a simulation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ObjectId(pub usize);

/// Where and when an object runs.
#[derive(Clone, Debug, PartialEq)]
pub struct ObjectInfo {
    /// Its name (unique in the network).
    pub name: String,
    /// The scheduling slot (`groups`, `after_thresholds`, ...).
    pub when: Slot,
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
pub(crate) struct SummedTarget {
    pub(crate) group: usize,
    pub(crate) array: usize,
    pub(crate) range: (usize, usize),
}

/// A kernel bound to the arrays and events it uses.
pub(crate) struct KernelObject {
    pub(crate) group: GroupId,
    pub(crate) kernel: Kernel,
    /// Each kernel array: (group, array of that group). Arrays named `G.v` belong to group `G` (a
    /// synapse's pre- or postsynaptic group); the others to `group`.
    pub(crate) arrays: Vec<(usize, usize)>,
    /// Compiled when first needed: a scheduled kernel that a fused one replaces is never compiled.
    pub(crate) compiled: Option<Box<dyn CompiledKernel>>,
    pub(crate) events: Vec<usize>,
    pub(crate) params: Vec<String>,
    pub(crate) overrides: HashMap<String, Value>,
    pub(crate) clears: Option<usize>,
    /// The parameter values of the current run.
    pub(crate) params_now: Vec<Value>,
}

impl KernelObject {
    /// Binds `kernel` (of `group`) to the arrays and events it names; `overrides` are the group's own
    /// namespace.
    pub(crate) fn bind(
        groups: &mut [Group],
        group: GroupId,
        kernel: &Kernel,
        overrides: HashMap<String, Value>,
    ) -> Result<KernelObject, BuildError> {
        let arrays = kernel
            .arrays
            .iter()
            .map(|a| {
                let (owner, var) = match a.name.split_once('.') {
                    Some((g, v)) => (
                        groups.iter().position(|x| x.name() == g).ok_or_else(|| {
                            BuildError::UnknownGroup {
                                kernel: kernel.name.clone(),
                                array: a.name.clone(),
                                group: g.to_string(),
                            }
                        })?,
                        v,
                    ),
                    None => (group.0, a.name.as_str()),
                };
                let index = groups[owner].require(var, &format!("kernel `{}`", kernel.name))?;
                Ok((owner, index))
            })
            .collect::<Result<Vec<_>, BuildError>>()?;
        let g = &mut groups[group.0];
        let events: Vec<usize> = kernel.events.iter().map(|e| g.event_index(e)).collect();
        let clears = match &kernel.kind {
            KernelKind::Threshold(e) => Some(g.event_index(e)),
            KernelKind::Fused(kinds) => kinds.iter().find_map(|k| match k {
                KernelKind::Threshold(e) => Some(g.event_index(e)),
                _ => None,
            }),
            _ => None,
        };
        Ok(KernelObject {
            group,
            kernel: kernel.clone(),
            compiled: None,
            arrays,
            events,
            params: kernel.params.iter().map(|p| p.name.clone()).collect(),
            overrides,
            clears,
            params_now: Vec::new(),
        })
    }

    /// Compiles its kernel unless it is compiled.
    pub(crate) fn compile(&mut self, backend: &mut dyn Backend) -> Result<(), BuildError> {
        if self.compiled.is_none() {
            self.compiled = Some(backend.compile(&self.kernel)?);
        }
        Ok(())
    }

    /// The values of its parameters: the group's own namespace first, then the external constants.
    pub(crate) fn param_values(&self, externals: &HashMap<String, Value>) -> Vec<Value> {
        self.params
            .iter()
            .map(|p| {
                self.overrides
                    .get(p)
                    .or_else(|| externals.get(p))
                    .cloned()
                    .unwrap_or(Value::F64(f64::NAN))
            })
            .collect()
    }

    /// Runs its setup block with this run's parameter values, and keeps them for the run's calls.
    pub(crate) fn setup(&mut self, params: Vec<Value>, dt: f64) {
        if let Some(c) = &mut self.compiled {
            c.setup(&params, dt);
        }
        self.params_now = params;
    }

    /// One call with the parameter values of the current run.
    pub(crate) fn call(
        &mut self,
        groups: &mut [Group],
        clock: CallClock,
        seed: u64,
        threads: Threads<'_>,
    ) -> Result<(), BindError> {
        let params = std::mem::take(&mut self.params_now);
        let result = call_kernel(self, groups, clock, seed, &params, threads);
        self.params_now = params;
        result
    }
}

/// What a scheduled object does.
// Objects are few and long-lived; the size difference between variants does not matter.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Action {
    Kernel(KernelObject),
    /// Spike propagation, then the pathway's code over the synapses due now (one kernel, or phases run
    /// one after the other over the same synapses).
    Pathway(Box<(Pathway, Vec<KernelObject>)>),
    /// A summed variable: zero the neurons' variable, then add every synapse's term.
    Summed(Box<(SummedTarget, KernelObject)>),
    /// The spikes of a spike generator.
    Generator(Generator),
    SpikeMonitor(SpikeMonitor),
    StateMonitor(StateMonitor),
    RateMonitor(RateMonitor),
}

impl Action {
    /// The kernels it calls, in the order it calls them (none for generators and monitors).
    pub(crate) fn kernels(&self) -> &[KernelObject] {
        match self {
            Action::Kernel(k) => std::slice::from_ref(k),
            Action::Pathway(p) => &p.1,
            Action::Summed(s) => std::slice::from_ref(&s.1),
            _ => &[],
        }
    }

    /// The kernels it calls, writable.
    pub(crate) fn kernels_mut(&mut self) -> &mut [KernelObject] {
        match self {
            Action::Kernel(k) => std::slice::from_mut(k),
            Action::Pathway(p) => &mut p.1,
            Action::Summed(s) => std::slice::from_mut(&mut s.1),
            _ => &mut [],
        }
    }

    /// The group it works on and whether it reads or writes that group's variables (kernels do;
    /// spike monitors only when they record variables; state monitors do; rate monitors do not).
    pub(crate) fn group(&self) -> (GroupId, bool) {
        match self {
            Action::Kernel(k) => (k.group, true),
            Action::Pathway(p) => (GroupId(p.0.spec.synapses), true),
            Action::Summed(s) => (s.1.group, true),
            Action::Generator(g) => (GroupId(g.group), false),
            Action::SpikeMonitor(m) => (m.group, !m.variables.is_empty()),
            Action::StateMonitor(m) => (m.group, true),
            Action::RateMonitor(m) => (m.group, false),
        }
    }
}

/// How a kernel call may use threads.
pub(crate) enum Threads<'a> {
    /// The calling thread only.
    One,
    /// Neurons in ranges of at least this much work, on these threads.
    Ranges(&'a dyn ganglion_ir::Workers, usize),
    /// An event buffer cut into these parts, on these threads, when there is this much work.
    Split(&'a dyn ganglion_ir::Workers, usize, ganglion_ir::Split<'a>),
}

/// The clock values a kernel sees.
pub(crate) fn call_clock(c: &Clock) -> CallClock {
    CallClock {
        t: c.t(),
        dt: c.dt,
        step: c.step,
    }
}

/// Calls a kernel on its group's arrays.
pub(crate) fn call_kernel(
    k: &mut KernelObject,
    groups: &mut [Group],
    clock: CallClock,
    seed: u64,
    params: &[Value],
    threads: Threads<'_>,
) -> Result<(), BindError> {
    if let Some(e) = k.clears {
        groups[k.group.0].events[e].1.clear();
    }
    let own = k.group.0;
    // Over neurons: the whole group, or during a distributed run the block this process owns.
    let (first, n) = match (k.kernel.domain, groups[own].span) {
        (ganglion_ir::Domain::Neurons, Some(span)) => span,
        _ => (0, groups[own].n()),
    };
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
        first,
    };
    match (&mut k.compiled, threads) {
        (Some(c), Threads::Ranges(workers, grain)) => {
            c.call_parallel(&mut bindings, workers, grain)
        }
        (Some(c), Threads::Split(workers, grain, split)) => {
            c.call_split(&mut bindings, workers, grain, &split)
        }
        (Some(c), Threads::One) => c.call(&mut bindings),
        (None, _) => Err(BindError::NotCompiled {
            kernel: k.kernel.name.clone(),
        }),
    }
}

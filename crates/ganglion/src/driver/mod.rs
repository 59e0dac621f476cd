//! The driver: turns checked models into what the runtime runs — lowered kernels registered in the
//! schedule, pathways, summed variables, connections, monitors — and decides fusion at each run.
//!
//! It takes checked input only (models, code blocks, assignments, connect specs from
//! `ganglion-model`); checking what users write is the API's job (`network.rs`), or the model-file
//! checker's. Its errors carry facts; diagnostics it makes (a method that does not apply) get their
//! code strings attached by the API.

mod connect;
mod fusion;
mod groups;
mod inputs;
mod monitors;
mod state;
mod synapses;

use std::collections::{HashMap, HashSet};

use ganglion_ir::Backend;
use ganglion_ir::interp::Value;
use ganglion_lower::{GroupKernels, StorageMap};
use ganglion_model::plan::Timing;
use ganglion_model::{Namespace, NeuronGroupModel, ValueType};
use ganglion_runtime::{ClockId, GroupId, ObjectId, ObjectInfo, Progress, Simulation, Slot};

use crate::error::{Error, UsageError};
use crate::group::ClockChoice;
use crate::handles::{GroupHandle, GroupObjects};

pub use fusion::Fusion;
pub(crate) use groups::GroupSettings;
pub(crate) use inputs::PoissonInputParts;
pub(crate) use monitors::MonitorParts;
pub(crate) use synapses::{SynapseEntry, SynapseLink};

/// What the driver keeps about a group (or Synapses object).
pub(crate) struct GroupEntry {
    pub(crate) name: String,
    pub(crate) id: GroupId,
    pub(crate) model: NeuronGroupModel,
    pub(crate) kernels: GroupKernels,
    pub(crate) storage: StorageMap,
    pub(crate) objects: GroupObjects,
    pub(crate) clock: ClockId,
    pub(crate) order: i64,
    /// The group's own namespace (Brian2's `namespace=`), before the run namespace.
    pub(crate) namespace: Namespace,
    pub(crate) requested_methods: Vec<String>,
    pub(crate) fusion: Fusion,
    /// Linked variables that have been linked.
    pub(crate) linked: HashSet<String>,
    /// For Synapses: what they connect.
    pub(crate) synapses: Option<SynapseEntry>,
}

/// What a monitor records.
pub(crate) enum MonitorKind {
    Spike,
    State,
    Rate,
}

/// A monitor of the network.
pub(crate) struct MonitorEntry {
    pub(crate) name: String,
    pub(crate) kind: MonitorKind,
    pub(crate) object: ObjectId,
}

/// Builds and runs the runtime's [`Simulation`] from checked models.
pub(crate) struct Driver {
    pub(crate) sim: Simulation,
    pub(crate) groups: Vec<GroupEntry>,
    pub(crate) monitors: Vec<MonitorEntry>,
    default_clock: ClockId,
    named_clocks: HashMap<String, ClockId>,
    pub(crate) fusion_enabled: bool,
}

impl Driver {
    /// A driver of an empty simulation on `backend`, running on `threads` threads.
    pub(crate) fn new(backend: Box<dyn Backend>, threads: usize) -> Driver {
        let mut sim = Simulation::new(backend);
        sim.set_threads(threads);
        let default_clock = sim.add_clock("defaultclock", ganglion_ir::DEFAULT_DT);
        Driver {
            sim,
            groups: Vec::new(),
            monitors: Vec::new(),
            default_clock,
            named_clocks: HashMap::new(),
            fusion_enabled: true,
        }
    }

    pub(crate) fn entry(&self, g: GroupHandle) -> &GroupEntry {
        &self.groups[g.0]
    }

    /// The default clock.
    pub(crate) fn default_clock(&self) -> ClockId {
        self.default_clock
    }

    /// Adds a clock objects can share by name.
    pub(crate) fn add_clock(&mut self, name: &str, dt: f64) -> Result<(), Error> {
        if self.named_clocks.contains_key(name) {
            return Err(UsageError::ClockExists {
                name: name.to_string(),
            }
            .into());
        }
        let id = self.sim.add_clock(name, dt);
        self.named_clocks.insert(name.to_string(), id);
        Ok(())
    }

    /// The clock an object with this choice runs on (a clock of its own is made for a `dt` that is not
    /// the default clock's).
    pub(crate) fn clock_for(
        &mut self,
        choice: &ClockChoice,
        owner: &str,
    ) -> Result<ClockId, Error> {
        Ok(match choice {
            ClockChoice::Default => self.default_clock,
            ClockChoice::Dt(dt) => {
                if *dt == self.sim.clock(self.default_clock).dt {
                    self.default_clock
                } else {
                    self.sim.add_clock(format!("{owner}_clock"), *dt)
                }
            }
            ClockChoice::Shared(name) => {
                *self
                    .named_clocks
                    .get(name)
                    .ok_or_else(|| UsageError::UnknownClock {
                        name: name.to_string(),
                    })?
            }
        })
    }

    /// The schedule entry of an object of group `g` at `when` (or `default`), with its order (or the
    /// group's), on `clock` (or the group's).
    pub(crate) fn info(
        &self,
        g: GroupHandle,
        name: String,
        default: Slot,
        timing: &Timing,
        clock: Option<ClockId>,
    ) -> ObjectInfo {
        let entry = self.entry(g);
        ObjectInfo {
            name,
            when: timing.when.clone().unwrap_or(default),
            order: timing.order.unwrap_or(entry.order),
            clock: clock.unwrap_or(entry.clock),
            active: true,
            part_of: entry.name.clone(),
        }
    }

    /// Makes the run namespace's current values the kernels' external constants.
    pub(crate) fn sync_externals(&mut self, namespace: &Namespace) {
        self.sim.set_externals(value_map(namespace));
    }

    /// Runs for `duration` seconds: puts new synapses into the schedule, decides fusion, then runs.
    pub(crate) fn run(
        &mut self,
        duration: f64,
        report: Option<&mut dyn FnMut(Progress)>,
        namespace: &Namespace,
    ) -> Result<(), Error> {
        self.sync_externals(namespace);
        for g in &self.groups {
            if let Some(v) = g
                .model
                .variables
                .iter()
                .find(|v| v.linked && !g.linked.contains(&v.name))
            {
                return Err(UsageError::Unlinked {
                    group: g.name.clone(),
                    variable: v.name.clone(),
                }
                .into());
            }
        }
        self.check_constant_types(namespace)?;
        self.register_synapses()?;
        self.update_fusion()?;
        self.sim.run(duration, report)?;
        Ok(())
    }

    /// Refuses a run-namespace constant whose type is not the one a model was checked with (an integer
    /// now a float would be truncated): its value may change between runs, its type may not (except an
    /// integer given to a float).
    fn check_constant_types(&self, namespace: &Namespace) -> Result<(), Error> {
        for g in &self.groups {
            for (name, checked) in g.model.externals.iter() {
                if g.namespace.get(name).is_some() {
                    continue;
                }
                let Some(now) = namespace.get(name) else {
                    continue;
                };
                let widened = checked.ty == ValueType::Float && now.ty == ValueType::Int;
                if now.ty != checked.ty && !widened {
                    return Err(UsageError::ConstantType {
                        name: name.to_string(),
                        checked: checked.ty.to_string(),
                        now: now.ty.to_string(),
                    }
                    .into());
                }
            }
        }
        Ok(())
    }
}

/// The values of a namespace for kernels.
pub(crate) fn value_map(ns: &Namespace) -> HashMap<String, Value> {
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

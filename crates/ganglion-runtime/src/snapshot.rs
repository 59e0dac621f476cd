//! Store and restore (Brian2's `Network.store`/`restore`): the whole state, monitors' recordings,
//! spikes in flight and the random streams' position.

use crate::clock::Clock;
use crate::group::Group;
use crate::monitor::{RateData, SpikeData, StateData};
use crate::objects::Action;
use crate::simulation::Simulation;

/// A snapshot of a simulation's state (`store`/`restore`).
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

impl Simulation {
    /// A snapshot of all state: groups, clocks, monitors' recordings, queued spikes, the seed.
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
            queues: self
                .actions
                .iter()
                .map(|a| match a {
                    Action::Pathway(p) => Some(p.0.queue()),
                    _ => None,
                })
                .collect(),
            seed: self.seed,
            executions: self.executions,
        }
    }

    /// Restores a snapshot taken from this simulation.
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
                Action::Pathway(p) => {
                    if let Some(Some(q)) = s.queues.get(k) {
                        p.0.set_queue(q.clone());
                    }
                }
                Action::Summed(_) | Action::Generator(_) | Action::Kernel(_) => {}
            }
        }
    }
}

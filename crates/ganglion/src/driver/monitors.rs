//! Monitors: spike and event monitors (right after their event's thresholder), state monitors (at
//! `start`, with probes computing subexpressions), population rate monitors (at `end`).

use ganglion_ir::{Extent, Type};
use ganglion_model::plan::Timing;
use ganglion_model::{Recordable, TExpr, TKind};
use ganglion_runtime::{ClockId, ObjectInfo, Slot, Window};
use ganglion_units::Dimension;

use super::{Driver, MonitorEntry, MonitorKind, value_map};
use crate::error::{Error, UsageError};
use crate::handles::{GroupHandle, MonitorHandle};

/// What every monitor has.
pub(crate) struct MonitorParts {
    /// Its name (unique in the network).
    pub(crate) name: String,
    /// What it watches.
    pub(crate) source: GroupHandle,
    /// The elements it watches.
    pub(crate) range: (usize, usize),
    /// Where it runs, when not where it would by default.
    pub(crate) timing: Timing,
    /// Its own time step.
    pub(crate) dt: Option<f64>,
    /// Its recording window.
    pub(crate) window: Window,
}

impl Driver {
    /// The schedule entry of a monitor: at `when`/`order` unless its timing says otherwise, on its
    /// own clock when it has a `dt`.
    fn monitor_info(&mut self, m: &MonitorParts, when: Slot, order: i64) -> ObjectInfo {
        let clock: ClockId = match m.dt {
            Some(dt) => self.sim.add_clock(format!("{}_clock", m.name), dt),
            None => self.entry(m.source).clock,
        };
        ObjectInfo {
            part_of: m.name.clone(),
            name: m.name.clone(),
            when: m.timing.when.clone().unwrap_or(when),
            order: m.timing.order.unwrap_or(order),
            clock,
            active: true,
        }
    }

    fn push_monitor(
        &mut self,
        name: String,
        kind: MonitorKind,
        object: ganglion_runtime::ObjectId,
    ) -> MonitorHandle {
        self.monitors.push(MonitorEntry { name, kind, object });
        MonitorHandle(self.monitors.len() - 1)
    }

    /// Adds a spike or event monitor recording `variables` (stored variables of the source) at each
    /// event; it runs right after the event's thresholder.
    pub(crate) fn add_event_monitor(
        &mut self,
        m: MonitorParts,
        event: &str,
        variables: &[String],
    ) -> Result<MonitorHandle, Error> {
        let entry = self.entry(m.source);
        let Some((_, thresholder)) = entry.objects.thresholders.iter().find(|(e, _)| e == event)
        else {
            return Err(UsageError::UnknownEvent {
                group: entry.name.clone(),
                event: event.to_string(),
            }
            .into());
        };
        let t = self.sim.info(*thresholder).clone();
        let group = entry.id;
        let info = self.monitor_info(&m, t.when, t.order + 1);
        let object = self
            .sim
            .add_spike_monitor(info, group, event, variables, m.range, m.window)?;
        Ok(self.push_monitor(m.name, MonitorKind::Spike, object))
    }

    /// Adds a state monitor of `variables` (stored variables, subexpressions, or what synapses see of
    /// their groups) of the elements
    /// `indices`, at `start` by default: the values before each step's update.
    pub(crate) fn add_state_monitor(
        &mut self,
        m: MonitorParts,
        variables: &[String],
        indices: Vec<usize>,
    ) -> Result<MonitorHandle, Error> {
        let entry = self.entry(m.source);
        let mut probes = Vec::new();
        let mut recorded = Vec::new();
        let mut scratch_arrays = Vec::new();
        let context = entry.synapses.as_ref().map(|s| &s.link.context);
        for v in variables {
            match ganglion_model::recordable(&entry.model, context, v) {
                Some(Recordable::Computed { ty, shared }) => {
                    let scratch = format!("_probe_{v}");
                    let value = TExpr {
                        kind: TKind::Var(v.clone()),
                        ty,
                        dim: Dimension::DIMENSIONLESS,
                        span: Default::default(),
                    };
                    probes.push(self.probe_kernel(m.source, &value, &scratch, shared));
                    scratch_arrays.push((scratch.clone(), shared));
                    recorded.push((v.clone(), scratch));
                }
                _ => recorded.push((v.clone(), v.clone())),
            }
        }
        let (group, overrides) = (entry.id, value_map(&entry.namespace));
        for (s, shared) in scratch_arrays {
            let extent = if shared {
                Extent::Shared
            } else {
                Extent::PerNeuron
            };
            self.sim.add_array(group, &s, Type::F64, extent);
        }
        let info = self.monitor_info(&m, Slot::at("start"), 0);
        let object = self.sim.add_state_monitor(
            info, group, &recorded, indices, &probes, overrides, m.window,
        )?;
        Ok(self.push_monitor(m.name, MonitorKind::State, object))
    }

    /// Adds a population rate monitor of the source's spikes (at `end`).
    pub(crate) fn add_rate_monitor(&mut self, m: MonitorParts) -> Result<MonitorHandle, Error> {
        let group = self.entry(m.source).id;
        let info = self.monitor_info(&m, Slot::at("end"), 0);
        let object = self
            .sim
            .add_rate_monitor(info, group, "spike", m.range, m.window);
        Ok(self.push_monitor(m.name, MonitorKind::Rate, object))
    }
}

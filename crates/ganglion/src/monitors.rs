//! Monitors: what to record, as builders (Brian2's `SpikeMonitor`, `EventMonitor`, `StateMonitor`,
//! `PopulationRateMonitor`).

use ganglion_model::plan::Timing;
use ganglion_runtime::{RateData, SpikeData, StateData, Window};

use crate::driver::{MonitorKind, MonitorParts};
use crate::error::{Error, UsageError};
use crate::handles::{GroupHandle, MonitorHandle, Subgroup};
use crate::network::Network;

/// Which neurons a state monitor records.
#[derive(Clone, Debug, PartialEq)]
pub enum Record {
    /// Every neuron (`record=True`).
    All,
    /// These neurons.
    Indices(Vec<usize>),
}

/// Where and when a monitor runs, and over which window it records.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MonitorTiming {
    pub(crate) name: Option<String>,
    pub(crate) when: Option<String>,
    pub(crate) order: Option<i64>,
    pub(crate) dt: Option<f64>,
    pub(crate) start: Option<f64>,
    pub(crate) stop: Option<f64>,
    pub(crate) range: Option<(usize, usize)>,
}

macro_rules! timing_methods {
    ($t:ty) => {
        impl $t {
            /// The monitor's name (its output file is `<name>.json`).
            pub fn name(mut self, name: impl Into<String>) -> Self {
                self.timing.name = Some(name.into());
                self
            }

            /// The scheduling slot.
            pub fn when(mut self, when: impl Into<String>) -> Self {
                self.timing.when = Some(when.into());
                self
            }

            /// The order within the slot.
            pub fn order(mut self, order: i64) -> Self {
                self.timing.order = Some(order);
                self
            }

            /// Records only from this time on (seconds).
            pub fn start(mut self, t: f64) -> Self {
                self.timing.start = Some(t);
                self
            }

            /// Records only before this time (seconds).
            pub fn stop(mut self, t: f64) -> Self {
                self.timing.stop = Some(t);
                self
            }

            /// Records only the neurons `start..stop` of the group (a subgroup, Brian2's `G[start:stop]`).
            pub fn subgroup(mut self, start: usize, stop: usize) -> Self {
                self.timing.range = Some((start, stop));
                self
            }
        }
    };
}

/// Records the spikes of a group (`i`, `t`, and optionally variables at each spike).
#[derive(Clone, Debug, PartialEq)]
pub struct SpikeMonitor {
    pub(crate) source: GroupHandle,
    pub(crate) event: String,
    pub(crate) variables: Vec<String>,
    pub(crate) timing: MonitorTiming,
}

impl SpikeMonitor {
    /// Records the spikes of `source`.
    pub fn new(source: GroupHandle) -> SpikeMonitor {
        SpikeMonitor {
            source,
            event: "spike".into(),
            variables: Vec::new(),
            timing: MonitorTiming::default(),
        }
    }

    /// Also records these variables at each spike.
    pub fn variables<S: Into<String>>(mut self, vars: impl IntoIterator<Item = S>) -> SpikeMonitor {
        self.variables = vars.into_iter().map(Into::into).collect();
        self
    }
}
timing_methods!(SpikeMonitor);

/// Records a custom event of a group (Brian2's `EventMonitor`).
#[derive(Clone, Debug, PartialEq)]
pub struct EventMonitor {
    pub(crate) inner: SpikeMonitor,
    pub(crate) timing: MonitorTiming,
}

impl EventMonitor {
    /// Records `event` of `source`.
    pub fn new(source: GroupHandle, event: impl Into<String>) -> EventMonitor {
        let mut inner = SpikeMonitor::new(source);
        inner.event = event.into();
        EventMonitor {
            inner,
            timing: MonitorTiming::default(),
        }
    }

    /// Also records these variables at each event.
    pub fn variables<S: Into<String>>(mut self, vars: impl IntoIterator<Item = S>) -> EventMonitor {
        self.inner = self.inner.variables(vars);
        self
    }
}
timing_methods!(EventMonitor);

/// Records variables of a group over time.
#[derive(Clone, Debug, PartialEq)]
pub struct StateMonitor {
    pub(crate) source: GroupHandle,
    pub(crate) variables: Vec<String>,
    pub(crate) record: Record,
    pub(crate) timing: MonitorTiming,
}

impl StateMonitor {
    /// Records `variables` of `source` (every neuron, every step, by default).
    pub fn new<S: Into<String>>(
        source: GroupHandle,
        variables: impl IntoIterator<Item = S>,
    ) -> StateMonitor {
        StateMonitor {
            source,
            variables: variables.into_iter().map(Into::into).collect(),
            record: Record::All,
            timing: MonitorTiming::default(),
        }
    }

    /// Which neurons to record.
    pub fn record(mut self, record: Record) -> StateMonitor {
        self.record = record;
        self
    }

    /// Records every `dt` seconds (on a clock of its own).
    pub fn dt(mut self, dt: f64) -> StateMonitor {
        self.timing.dt = Some(dt);
        self
    }
}
timing_methods!(StateMonitor);

/// Records the population rate of a group.
#[derive(Clone, Debug, PartialEq)]
pub struct RateMonitor {
    pub(crate) source: GroupHandle,
    pub(crate) timing: MonitorTiming,
}

impl RateMonitor {
    /// Records the rate of `source`.
    pub fn new(source: GroupHandle) -> RateMonitor {
        RateMonitor {
            source,
            timing: MonitorTiming::default(),
        }
    }
}
timing_methods!(RateMonitor);

impl Network {
    /// What every monitor has: a unique name, the elements it watches, its timing and window.
    fn monitor_parts(
        &mut self,
        source: GroupHandle,
        timing: &MonitorTiming,
        default_name: &str,
    ) -> Result<MonitorParts, Error> {
        let (start, stop) = timing.range.map_or((0, None), |(a, z)| (a, Some(z)));
        let range = self.range_of(Subgroup {
            group: source,
            start,
            stop,
        })?;
        let timing_of = Timing {
            when: Network::slot(timing.when.as_deref())?,
            order: timing.order,
        };
        let name = self.unique_name(timing.name.as_deref().unwrap_or(default_name))?;
        Ok(MonitorParts {
            name,
            source,
            range,
            timing: timing_of,
            dt: timing.dt,
            window: Window {
                start: timing.start,
                stop: timing.stop,
            },
        })
    }

    /// Adds a spike monitor (it runs right after the spike thresholder).
    pub fn add_spike_monitor(&mut self, m: SpikeMonitor) -> Result<MonitorHandle, Error> {
        let timing = m.timing.clone();
        self.add_event_monitor_with(m, &timing, "spikemonitor*")
    }

    /// Adds an event monitor (it runs right after the event's thresholder).
    pub fn add_event_monitor(&mut self, m: EventMonitor) -> Result<MonitorHandle, Error> {
        self.add_event_monitor_with(m.inner, &m.timing, "eventmonitor*")
    }

    fn add_event_monitor_with(
        &mut self,
        m: SpikeMonitor,
        timing: &MonitorTiming,
        default_name: &str,
    ) -> Result<MonitorHandle, Error> {
        let entry = self.driver.entry(m.source);
        if !entry
            .objects
            .thresholders
            .iter()
            .any(|(e, _)| *e == m.event)
        {
            return Err(UsageError::UnknownEvent {
                group: entry.name.clone(),
                event: m.event.clone(),
            }
            .into());
        }
        if let Some(v) = m
            .variables
            .iter()
            .find(|v| entry.model.variable(v).is_none())
        {
            return Err(self.unknown_variable(m.source, v));
        }
        let parts = self.monitor_parts(m.source, timing, default_name)?;
        self.driver.add_event_monitor(parts, &m.event, &m.variables)
    }

    /// The error for a variable group `g` does not have, with the nearest one it has.
    fn unknown_variable(&self, g: GroupHandle, var: &str) -> Error {
        let model = self.model(g);
        let names = model
            .variables
            .iter()
            .map(|x| x.name.as_str())
            .chain(model.subexpressions.iter().map(|s| s.name.as_str()));
        UsageError::UnknownVariable {
            group: self.group_name(g).to_string(),
            variable: var.to_string(),
            suggestion: ganglion_model::expr::closest(var, names),
        }
        .into()
    }

    /// Adds a state monitor (slot `start` by default: values before each step's update).
    pub fn add_state_monitor(&mut self, m: StateMonitor) -> Result<MonitorHandle, Error> {
        let entry = self.driver.entry(m.source);
        let context = entry.synapses.as_ref().map(|s| &s.link.context);
        if let Some(v) = m
            .variables
            .iter()
            .find(|v| ganglion_model::recordable(&entry.model, context, v).is_none())
        {
            return Err(self.unknown_variable(m.source, v));
        }
        let n = self.group_size(m.source);
        let indices = match &m.record {
            Record::All => (0..n).collect(),
            Record::Indices(ix) => {
                if let Some(&index) = ix.iter().find(|&&i| i >= n) {
                    return Err(UsageError::Index { index, n }.into());
                }
                ix.clone()
            }
        };
        let parts = self.monitor_parts(m.source, &m.timing, "statemonitor*")?;
        self.driver.add_state_monitor(parts, &m.variables, indices)
    }

    /// Adds a population rate monitor (slot `end`).
    pub fn add_rate_monitor(&mut self, m: RateMonitor) -> Result<MonitorHandle, Error> {
        let entry = self.driver.entry(m.source);
        if !entry.objects.thresholders.iter().any(|(e, _)| e == "spike") {
            return Err(UsageError::NoThreshold {
                group: entry.name.clone(),
            }
            .into());
        }
        let parts = self.monitor_parts(m.source, &m.timing, "ratemonitor*")?;
        self.driver.add_rate_monitor(parts)
    }

    /// A monitor's name.
    pub fn monitor_name(&self, m: MonitorHandle) -> &str {
        &self.driver.monitors[m.0].name
    }

    /// The monitors, in the order they were added.
    pub fn monitors(&self) -> Vec<MonitorHandle> {
        (0..self.driver.monitors.len()).map(MonitorHandle).collect()
    }

    /// What a spike or event monitor recorded.
    pub fn spike_data(&self, m: MonitorHandle) -> Option<&SpikeData> {
        let e = &self.driver.monitors[m.0];
        matches!(e.kind, MonitorKind::Spike)
            .then(|| self.driver.sim.spike_data(e.object))
            .flatten()
    }

    /// What a state monitor recorded.
    pub fn state_data(&self, m: MonitorHandle) -> Option<&StateData> {
        let e = &self.driver.monitors[m.0];
        matches!(e.kind, MonitorKind::State)
            .then(|| self.driver.sim.state_data(e.object))
            .flatten()
    }

    /// What a rate monitor recorded.
    pub fn rate_data(&self, m: MonitorHandle) -> Option<&RateData> {
        let e = &self.driver.monitors[m.0];
        matches!(e.kind, MonitorKind::Rate)
            .then(|| self.driver.sim.rate_data(e.object))
            .flatten()
    }
}

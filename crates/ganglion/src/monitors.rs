//! Monitors: what to record, as builders (Brian2's `SpikeMonitor`, `EventMonitor`, `StateMonitor`,
//! `PopulationRateMonitor`).

use crate::network::GroupHandle;

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

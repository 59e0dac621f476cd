//! Monitors: what they record, and how they record it.

use ganglion_ir::interp::BindError;

use crate::clock::Clock;
use crate::group::{Group, GroupId};
use crate::objects::{KernelObject, Threads, call_clock};

/// What a spike (or event) monitor recorded: Brian2's `i`, `t`, `count` and variables at each event.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SpikeData {
    /// Neuron index of each event (relative to the monitored subgroup).
    pub i: Vec<u32>,
    /// Time of each event (seconds).
    pub t: Vec<f64>,
    /// Variables recorded at each event, in SI units.
    pub values: Vec<(String, Vec<f64>)>,
    /// Number of events per neuron.
    pub count: Vec<u64>,
}

impl SpikeData {
    /// The event times of each neuron (Brian2's `spike_trains()`).
    pub fn spike_trains(&self) -> Vec<Vec<f64>> {
        let mut trains = vec![Vec::new(); self.count.len()];
        for (i, t) in self.i.iter().zip(&self.t) {
            trains[*i as usize].push(*t);
        }
        trains
    }

    /// Total number of events.
    pub fn num_events(&self) -> usize {
        self.i.len()
    }
}

/// What a state monitor recorded.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StateData {
    /// Times of the recordings (seconds).
    pub t: Vec<f64>,
    /// The neurons recorded.
    pub indices: Vec<usize>,
    /// For each variable, one trace per recorded neuron (SI units).
    pub values: Vec<(String, Vec<Vec<f64>>)>,
}

/// What a population rate monitor recorded.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RateData {
    /// Times (seconds).
    pub t: Vec<f64>,
    /// Instantaneous rate (Hz): events in the step / (neurons · dt).
    pub rate: Vec<f64>,
    /// The time step of the monitor's clock (seconds; 0 before the first recording).
    pub dt: f64,
}

/// The window of Brian2's `smooth_rate`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum SmoothingWindow {
    /// A flat window of this width (seconds).
    Flat(f64),
    /// A Gaussian window of this standard deviation (seconds).
    Gaussian(f64),
}

impl RateData {
    /// The rate convolved with a window (Brian2's `smooth_rate`, numpy's `convolve(.., mode="same")`):
    /// a flat window spans `int(width/2/dt)*2 + 1` steps (an odd number), a Gaussian window of standard
    /// deviation `sd` spans ±`round(2*sd/dt)` steps; both are normalised to a sum of 1, and values beyond the
    /// edges count as zero.
    pub fn smooth_rate(&self, window: SmoothingWindow) -> Vec<f64> {
        let dt = if self.dt > 0.0 {
            self.dt
        } else if self.t.len() >= 2 {
            self.t[1] - self.t[0]
        } else {
            return self.rate.clone();
        };
        let kernel: Vec<f64> = match window {
            SmoothingWindow::Flat(width) => {
                let w = (width / 2.0 / dt) as usize * 2 + 1;
                vec![1.0 / w as f64; w]
            }
            SmoothingWindow::Gaussian(sd) => {
                let half = (2.0 * sd / dt).round() as i64;
                let raw: Vec<f64> = (-half..=half)
                    .map(|k| (-(k * k) as f64 / (2.0 * (sd / dt).powi(2))).exp())
                    .collect();
                let sum: f64 = raw.iter().sum();
                raw.into_iter().map(|x| x / sum).collect()
            }
        };
        let half = kernel.len() / 2;
        (0..self.rate.len())
            .map(|i| {
                kernel
                    .iter()
                    .enumerate()
                    .filter_map(|(k, w)| {
                        let j = i as i64 + k as i64 - half as i64;
                        (j >= 0 && (j as usize) < self.rate.len())
                            .then(|| w * self.rate[j as usize])
                    })
                    .sum()
            })
            .collect()
    }
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

/// Records a group's events (and variables at each event) for neurons `range.0..range.1`.
pub(crate) struct SpikeMonitor {
    pub(crate) group: GroupId,
    pub(crate) event: usize,
    pub(crate) variables: Vec<(String, usize)>,
    pub(crate) range: (usize, usize),
    pub(crate) window: Window,
    pub(crate) data: SpikeData,
}

/// Records variables of some neurons at every step of its clock; `probes` compute subexpressions into
/// hidden arrays first.
pub(crate) struct StateMonitor {
    pub(crate) group: GroupId,
    pub(crate) variables: Vec<(String, usize)>,
    pub(crate) indices: Vec<usize>,
    pub(crate) probes: Vec<KernelObject>,
    pub(crate) window: Window,
    pub(crate) data: StateData,
    /// During a distributed run, the rows this process records and the element each reads (the
    /// others' rows stay empty until they are gathered).
    pub(crate) held: Option<Vec<(usize, usize)>>,
}

/// Records the population rate of a group's event for neurons `range.0..range.1`.
pub(crate) struct RateMonitor {
    pub(crate) group: GroupId,
    pub(crate) event: usize,
    pub(crate) range: (usize, usize),
    pub(crate) window: Window,
    pub(crate) data: RateData,
    /// During a distributed run, this process's count of events at each recording (the rates are
    /// computed from the sum of every process's counts when they are gathered).
    pub(crate) counts: Option<Vec<u64>>,
}

impl SpikeMonitor {
    pub(crate) fn record(&mut self, groups: &[Group], clock: &Clock) {
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
    pub(crate) fn record(
        &mut self,
        groups: &mut [Group],
        clock: &Clock,
        seed: u64,
    ) -> Result<(), BindError> {
        if !self.window.contains(clock) {
            return Ok(());
        }
        for p in &mut self.probes {
            p.call(groups, call_clock(clock), seed, Threads::One)?;
        }
        let g = &groups[self.group.0];
        self.data.t.push(clock.t());
        for (k, (_, a)) in self.variables.iter().enumerate() {
            let array = &g.arrays[*a].1;
            match &self.held {
                None => {
                    for (r, &i) in self.indices.iter().enumerate() {
                        let i = if array.len() == 1 { 0 } else { i };
                        self.data.values[k].1[r].push(array.get_f64(i));
                    }
                }
                Some(held) => {
                    for &(r, i) in held {
                        let i = if array.len() == 1 { 0 } else { i };
                        self.data.values[k].1[r].push(array.get_f64(i));
                    }
                }
            }
        }
        Ok(())
    }
}

impl RateMonitor {
    pub(crate) fn record(&mut self, groups: &[Group], clock: &Clock) {
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
        if let Some(counts) = &mut self.counts {
            counts.push(count as u64);
        }
    }
}

//! What monitors record.

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

//! Spike propagation (Brian2's `SynapticPathway` and `SpikeQueue`): the spikes of a group's step are
//! pushed, synapse by synapse, into a ring of per-step buffers at their delay; the buffer due now becomes
//! the synapses' event buffer, over which the pathway's code runs.

use crate::network::Group;

/// The delay of a pathway's synapses.
#[derive(Clone, Debug, PartialEq)]
pub enum Delay {
    /// One delay for every synapse, in seconds.
    Homogeneous(f64),
    /// A per-synapse variable of the synapses (seconds).
    PerSynapse(String),
}

/// What a pathway connects, as the network is told.
#[derive(Clone, Debug, PartialEq)]
pub struct PathwaySpec {
    /// The synapses' group.
    pub synapses: usize,
    /// The group whose events trigger the pathway (the presynaptic group for `pre`).
    pub source: usize,
    /// The source's event (`spike`, or a custom event).
    pub source_event: String,
    /// The source's neurons that count (a subgroup `start..stop` of the source).
    pub range: (usize, usize),
    /// The synaptic array giving each synapse's neuron in the source (`_synaptic_pre`).
    pub index_array: String,
    /// The synapses' event buffer the due synapses go into (the pathway's name: `pre`, `post`).
    pub buffer: String,
    /// The delay.
    pub delay: Delay,
}

/// A pathway with its queue.
#[derive(Debug)]
pub(crate) struct Pathway {
    pub(crate) spec: PathwaySpec,
    /// For each source neuron of the range, its synapses: `synapses[starts[k]..starts[k + 1]]`.
    starts: Vec<u32>,
    synapses: Vec<u32>,
    /// The number of synapses the index was built for.
    built_for: Option<usize>,
    /// Delays in steps: one for all, or one per synapse.
    steps: Vec<u32>,
    /// `queue[(offset + d) % len]` holds the synapses due `d` steps from now.
    queue: Vec<Vec<u32>>,
    offset: usize,
}

impl Pathway {
    pub(crate) fn new(spec: PathwaySpec) -> Pathway {
        Pathway {
            spec,
            starts: Vec::new(),
            synapses: Vec::new(),
            built_for: None,
            steps: vec![0],
            queue: vec![Vec::new()],
            offset: 0,
        }
    }

    /// Before a run: index the synapses by source neuron (when they changed), and convert delays to steps
    /// of `dt` (Brian2: `int(delay/dt + 0.5)`).
    pub(crate) fn prepare(&mut self, groups: &[Group], dt: f64) -> Result<(), String> {
        let syn = &groups[self.spec.synapses];
        let n = syn.n;
        if self.built_for != Some(n) {
            let index = syn.array(&self.spec.index_array).ok_or_else(|| {
                format!(
                    "synapses `{}` have no `{}`",
                    syn.name, self.spec.index_array
                )
            })?;
            let (start, stop) = self.spec.range;
            let mut counts = vec![0u32; stop - start + 1];
            let mut neurons = Vec::with_capacity(n);
            for s in 0..n {
                let k = index.get_f64(s) as usize;
                if !(start..stop).contains(&k) {
                    return Err(format!(
                        "synapse {s} of `{}` refers to neuron {k}, outside {start}..{stop}",
                        syn.name
                    ));
                }
                counts[k - start + 1] += 1;
                neurons.push(k - start);
            }
            for k in 1..counts.len() {
                counts[k] += counts[k - 1];
            }
            let mut next = counts.clone();
            let mut synapses = vec![0u32; n];
            for (s, &k) in neurons.iter().enumerate() {
                synapses[next[k] as usize] = s as u32;
                next[k] += 1;
            }
            self.starts = counts;
            self.synapses = synapses;
            self.built_for = Some(n);
        }
        let to_steps = |d: f64| -> Result<u32, String> {
            if d.is_nan() || d < 0.0 || !d.is_finite() {
                return Err(format!(
                    "synapses `{}`: a delay of {d} s (delays are finite and not negative)",
                    syn.name
                ));
            }
            Ok((d / dt + 0.5) as u32)
        };
        self.steps = match &self.spec.delay {
            Delay::Homogeneous(d) => vec![to_steps(*d)?],
            Delay::PerSynapse(var) => {
                let a = syn
                    .array(var)
                    .ok_or_else(|| format!("synapses `{}` have no `{var}`", syn.name))?;
                let steps = (0..n)
                    .map(|s| to_steps(a.get_f64(s)))
                    .collect::<Result<Vec<u32>, String>>()?;
                // One value for all keeps the inner loop free of a lookup.
                match steps.first() {
                    Some(&first) if steps.iter().all(|&s| s == first) => vec![first],
                    None => vec![0],
                    _ => steps,
                }
            }
        };
        let needed = *self.steps.iter().max().unwrap_or(&0) as usize + 1;
        if needed > self.queue.len() {
            // Keep what is queued, due at the same steps.
            self.queue.rotate_left(self.offset);
            self.offset = 0;
            self.queue.resize_with(needed, Vec::new);
        }
        Ok(())
    }

    /// One step: push the source's events, then hand the synapses due now to the pathway's buffer.
    pub(crate) fn step(&mut self, groups: &mut [Group]) {
        let (source, synapses) = (self.spec.source, self.spec.synapses);
        let (src, syn) = if source < synapses {
            let (a, b) = groups.split_at_mut(synapses);
            (&a[source], &mut b[0])
        } else {
            let (a, b) = groups.split_at_mut(source);
            (&b[0], &mut a[synapses])
        };
        let len = self.queue.len();
        let (start, stop) = self.spec.range;
        let homogeneous = (self.steps.len() == 1).then(|| self.steps[0] as usize);
        for &k in src.event(&self.spec.source_event) {
            let k = k as usize;
            if k < start || k >= stop {
                continue;
            }
            let k = k - start;
            let these = &self.synapses[self.starts[k] as usize..self.starts[k + 1] as usize];
            match homogeneous {
                Some(d) => self.queue[(self.offset + d) % len].extend_from_slice(these),
                None => {
                    for &s in these {
                        let d = self.steps[s as usize] as usize;
                        self.queue[(self.offset + d) % len].push(s);
                    }
                }
            }
        }
        let buffer = syn.event_buffer(&self.spec.buffer);
        buffer.clear();
        std::mem::swap(buffer, &mut self.queue[self.offset]);
        self.offset = (self.offset + 1) % len;
    }

    /// The queued synapses, due now first.
    pub(crate) fn queue(&self) -> Vec<Vec<u32>> {
        let mut q = self.queue.clone();
        q.rotate_left(self.offset);
        q
    }

    /// Replaces the queue (from [`Pathway::queue`]).
    pub(crate) fn set_queue(&mut self, queue: Vec<Vec<u32>>) {
        self.queue = queue;
        self.offset = 0;
    }
}

/// Spikes given as lists (Brian2's `SpikeGeneratorGroup`): neuron `indices[k]` spikes at `times[k]`,
/// replayed every `period` (0: once).
#[derive(Clone, Debug, PartialEq)]
pub struct SpikeTrain {
    /// Neuron of each spike.
    pub indices: Vec<u32>,
    /// Time of each spike (seconds).
    pub times: Vec<f64>,
    /// Replay period (seconds; 0 for none).
    pub period: f64,
}

/// A spike generator: its spikes sorted by time, as time steps.
#[derive(Debug)]
pub(crate) struct Generator {
    pub(crate) group: usize,
    /// Spikes sorted by time (stable: equal times keep their order).
    spikes: Vec<(f64, u32)>,
    period: f64,
    bins: Vec<i64>,
    period_bins: i64,
    last: usize,
}

impl Generator {
    pub(crate) fn new(group: usize, train: SpikeTrain) -> Generator {
        let mut spikes: Vec<(f64, u32)> = train.times.into_iter().zip(train.indices).collect();
        spikes.sort_by(|a, b| a.0.total_cmp(&b.0));
        Generator {
            group,
            spikes,
            period: train.period,
            bins: Vec::new(),
            period_bins: 0,
            last: 0,
        }
    }

    /// Before a run: time steps of the spikes (Brian2: `int((t + 1e-3*dt)/dt)`), and the spikes before
    /// the current step skipped.
    pub(crate) fn prepare(&mut self, dt: f64, step: i64, name: &str) -> Result<(), String> {
        self.bins = self
            .spikes
            .iter()
            .map(|(t, _)| ((t + 1e-3 * dt) / dt) as i64)
            .collect();
        for w in 1..self.spikes.len() {
            if self.bins[w] == self.bins[w - 1] && self.spikes[w].1 == self.spikes[w - 1].1 {
                return Err(format!(
                    "with dt = {dt} s, neuron {} of `{name}` spikes more than once in step {}",
                    self.spikes[w].1, self.bins[w]
                ));
            }
        }
        if self.period > 0.0 && self.period < dt {
            return Err(format!(
                "the period of `{name}` ({} s) is shorter than its dt ({dt} s)",
                self.period
            ));
        }
        self.period_bins = (self.period / dt).round() as i64;
        let first = if self.period_bins > 0 {
            step % self.period_bins
        } else {
            step
        };
        self.last = self.bins.iter().take_while(|&&b| b < first).count();
        Ok(())
    }

    /// The spikes of step `step`, into the group's `spike` buffer.
    pub(crate) fn step(&mut self, groups: &mut [Group], step: i64) {
        let mut bin = step;
        if self.period_bins > 0 {
            bin %= self.period_bins;
            if self.last > 0 && self.bins[self.last - 1] >= bin {
                self.last = 0;
            }
        }
        let buffer = groups[self.group].event_buffer("spike");
        buffer.clear();
        while self.last < self.bins.len() && self.bins[self.last] <= bin {
            buffer.push(self.spikes[self.last].1);
            self.last += 1;
        }
    }
}

//! Spike propagation (Brian2's `SynapticPathway` and `SpikeQueue`): the spikes of a group's step are
//! pushed, synapse by synapse, into a ring of per-step buffers at their delay; the buffer due now becomes
//! the synapses' event buffer, over which the pathway's code runs.

use ganglion_ir::interp::ArrayData;

use crate::error::PrepareError;
use crate::group::Group;

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

/// What a pathway's code may be divided between threads by (see [`ganglion_ir::event_split`]).
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum SplitBy {
    /// The synapse itself.
    Synapse,
    /// The neuron in this synaptic index array (`_synaptic_post`).
    Neuron(String),
}

/// A pathway with its queue.
///
/// With `parts` > 1 the due synapses are kept in parts, one per thread, by the neuron their code writes
/// to (or by synapse): each source neuron's synapses are stored part by part, each queue slot holds a list
/// per part, and the event buffer is the parts one after the other. A neuron's synapses stay in one part
/// in the order one thread would see them, so every thread count gives the same result.
#[derive(Debug)]
pub(crate) struct Pathway {
    pub(crate) spec: PathwaySpec,
    /// How the code may be split between threads (none: it runs on one).
    split_by: Option<SplitBy>,
    /// How many parts the synapses are kept in.
    parts: usize,
    /// For each source neuron `k` of the range and part `p`, its synapses:
    /// `synapses[starts[k * parts + p]..starts[k * parts + p + 1]]`.
    starts: Vec<u32>,
    synapses: Vec<u32>,
    /// The number of synapses and parts the index was built for.
    built_for: Option<(usize, usize)>,
    /// The keys (neurons, or synapses) of each part: `keys[p]..keys[p + 1]`.
    keys: Vec<usize>,
    /// Where each part starts in the event buffer of the current step, and where the last ends (kept
    /// only with several parts).
    ranges: Vec<usize>,
    /// Delays in steps: one for all, or one per synapse.
    steps: Vec<u32>,
    /// `queue[(offset + d) % len][p]` holds the synapses of part `p` due `d` steps from now.
    queue: Vec<Vec<Vec<u32>>>,
    offset: usize,
}

/// The first key of each of `parts` parts and the end of the last: equal shares of the keys
/// (`key_of`, when the pathway is split), cut at multiples of 64 so that two threads do not write to one
/// cache line.
fn part_keys(key_of: Option<&[usize]>, parts: usize) -> Vec<usize> {
    let keys_end = match key_of {
        Some(k) => k.iter().max().map_or(0, |&m| m + 1),
        None => 0,
    };
    (0..=parts)
        .map(|p| {
            if p == parts {
                keys_end
            } else {
                keys_end * p / parts / 64 * 64
            }
        })
        .collect()
}

impl Pathway {
    pub(crate) fn new(spec: PathwaySpec, split_by: Option<SplitBy>) -> Pathway {
        Pathway {
            spec,
            split_by,
            parts: 1,
            starts: Vec::new(),
            synapses: Vec::new(),
            built_for: None,
            keys: Vec::new(),
            ranges: Vec::new(),
            steps: vec![0],
            queue: vec![vec![Vec::new()]],
            offset: 0,
        }
    }

    /// Before a run on `threads` threads with the parallel grain `grain`: index the synapses by source
    /// neuron and part (when they or the number of parts changed), and convert delays to steps of `dt`
    /// (Brian2: `int(delay/dt + 0.5)`).
    pub(crate) fn prepare(
        &mut self,
        groups: &[Group],
        dt: f64,
        threads: usize,
        grain: usize,
    ) -> Result<(), PrepareError> {
        let syn = &groups[self.spec.synapses];
        let n = syn.n();
        // Fewer synapses than twice the grain rarely have enough due in one step to be worth splitting
        // (with the default grain, 800 000 synapses: at 5 Hz and dt = 0.1 ms, 400 due a step), and parts
        // cost a little at every step.
        let parts = if self.split_by.is_some() && n >= grain.saturating_mul(2) {
            threads.max(1)
        } else {
            1
        };
        if self.built_for != Some((n, parts)) {
            self.index(syn, parts)?;
        }
        self.steps = self.delay_steps(syn, dt)?;
        let needed = *self.steps.iter().max().unwrap_or(&0) as usize + 1;
        if needed > self.queue.len() {
            // Keep what is queued, due at the same steps.
            self.queue.rotate_left(self.offset);
            self.offset = 0;
            self.queue
                .resize_with(needed, || vec![Vec::new(); self.parts]);
        }
        Ok(())
    }

    /// Indexes the synapses by source neuron and part (of `parts`), and moves what is queued to its new
    /// part, in order.
    fn index(&mut self, syn: &Group, parts: usize) -> Result<(), PrepareError> {
        let n = syn.n();
        let key_of = if parts > 1 { self.key_of(syn)? } else { None };
        let index = require(syn, &self.spec.index_array)?;
        let keys = part_keys(key_of.as_deref(), parts);
        let part = |s: usize| match &key_of {
            Some(k) => keys[1..parts].partition_point(|&b| b <= k[s]),
            None => 0,
        };
        let (start, stop) = self.spec.range;
        let slots = (stop - start) * parts;
        let mut counts = vec![0u32; slots + 1];
        let mut slot_of = Vec::with_capacity(n);
        for s in 0..n {
            let k = index.get_f64(s) as usize;
            if !(start..stop).contains(&k) {
                return Err(PrepareError::OutsideSource {
                    synapses: syn.name().to_string(),
                    synapse: s,
                    neuron: k,
                    start,
                    stop,
                });
            }
            let slot = (k - start) * parts + part(s);
            counts[slot + 1] += 1;
            slot_of.push(slot);
        }
        for k in 1..counts.len() {
            counts[k] += counts[k - 1];
        }
        let mut next = counts.clone();
        let mut synapses = vec![0u32; n];
        for (s, &slot) in slot_of.iter().enumerate() {
            synapses[next[slot] as usize] = s as u32;
            next[slot] += 1;
        }
        // What is queued moves to its new part, in order.
        for slot in &mut self.queue {
            let all: Vec<u32> = slot.concat();
            *slot = vec![Vec::new(); parts];
            for s in all {
                slot[part(s as usize)].push(s);
            }
        }
        self.starts = counts;
        self.synapses = synapses;
        self.keys = keys;
        self.parts = parts;
        self.built_for = Some((n, parts));
        Ok(())
    }

    /// The delays in steps of `dt`: one for all synapses when they are equal, else one per synapse.
    fn delay_steps(&self, syn: &Group, dt: f64) -> Result<Vec<u32>, PrepareError> {
        let to_steps = |d: f64| -> Result<u32, PrepareError> {
            if d.is_nan() || d < 0.0 || !d.is_finite() {
                return Err(PrepareError::Delay {
                    synapses: syn.name().to_string(),
                    delay: d,
                });
            }
            Ok((d / dt + 0.5) as u32)
        };
        let var = match &self.spec.delay {
            Delay::Homogeneous(d) => return Ok(vec![to_steps(*d)?]),
            Delay::PerSynapse(var) => var,
        };
        let n = syn.n();
        let a = require(syn, var)?;
        // One value for all (the usual case, checked first: this runs before every run) keeps the
        // inner loop free of a lookup.
        let first = if n > 0 { a.get_f64(0) } else { 0.0 };
        let uniform = match a {
            ArrayData::F64(v) => v.as_slice()[..n].iter().all(|&d| d == first),
            _ => (0..n).all(|s| a.get_f64(s) == first),
        };
        if uniform {
            return Ok(vec![to_steps(first)?]);
        }
        let steps = (0..n)
            .map(|s| to_steps(a.get_f64(s)))
            .collect::<Result<Vec<u32>, PrepareError>>()?;
        Ok(match steps.first() {
            Some(&first) if steps.iter().all(|&s| s == first) => vec![first],
            _ => steps,
        })
    }

    /// Each synapse's key (the neuron its code writes to, or itself), where the code may be split.
    fn key_of(&self, syn: &Group) -> Result<Option<Vec<usize>>, PrepareError> {
        Ok(match &self.split_by {
            None => None,
            Some(SplitBy::Synapse) => Some((0..syn.n()).collect()),
            Some(SplitBy::Neuron(array)) => {
                let a = require(syn, array)?;
                Some(
                    (0..syn.n())
                        .map(|s| a.get_f64(s).max(0.0) as usize)
                        .collect(),
                )
            }
        })
    }

    /// One step: push the source's events, then hand the synapses due now to the pathway's buffer, part
    /// after part.
    pub(crate) fn step(&mut self, groups: &mut [Group]) {
        let (source, synapses) = (self.spec.source, self.spec.synapses);
        let (src, syn) = if source < synapses {
            let (a, b) = groups.split_at_mut(synapses);
            (&a[source], &mut b[0])
        } else {
            let (a, b) = groups.split_at_mut(source);
            (&b[0], &mut a[synapses])
        };
        self.push(src.event(&self.spec.source_event), 0);
        self.pop(syn);
    }

    /// Queues the synapses of the spikes of source neurons `spikes` (those outside the range are
    /// skipped) at their delays, `lag` steps late: they were emitted `lag` steps of this pathway ago
    /// (every delay is at least `lag`: a distributed run exchanges spikes at most that late).
    pub(crate) fn push(&mut self, spikes: &[u32], lag: usize) {
        let len = self.queue.len();
        let parts = self.parts;
        let (start, stop) = self.spec.range;
        // `offset - lag`, modulo the queue's length (`lag` <= every delay < `len` where there are
        // synapses to queue).
        let base = (self.offset + len - lag % len) % len;
        let homogeneous = (self.steps.len() == 1).then(|| self.steps[0] as usize);
        for &k in spikes {
            let k = k as usize;
            if k < start || k >= stop {
                continue;
            }
            let first = (k - start) * parts;
            for p in 0..parts {
                let these = &self.synapses
                    [self.starts[first + p] as usize..self.starts[first + p + 1] as usize];
                match homogeneous {
                    Some(d) => self.queue[(base + d) % len][p].extend_from_slice(these),
                    None => {
                        for &s in these {
                            let d = self.steps[s as usize] as usize;
                            self.queue[(base + d) % len][p].push(s);
                        }
                    }
                }
            }
        }
    }

    /// Hands the synapses due now to the synapses' event buffer for the pathway, part after part, and
    /// moves the queue on by one step.
    pub(crate) fn pop(&mut self, syn: &mut Group) {
        let parts = self.parts;
        let len = self.queue.len();
        let buffer = syn.event_buffer(&self.spec.buffer);
        buffer.clear();
        let due = &mut self.queue[self.offset];
        if parts == 1 {
            std::mem::swap(buffer, &mut due[0]);
        } else {
            self.ranges.clear();
            self.ranges.push(0);
            for part in due.iter_mut() {
                buffer.extend_from_slice(part);
                part.clear();
                self.ranges.push(buffer.len());
            }
        }
        self.offset = (self.offset + 1) % len;
    }

    /// The shortest delay of this process's synapses, in steps (`None` without synapses).
    pub(crate) fn min_delay_steps(&self, n: usize) -> Option<u32> {
        if n == 0 {
            return None;
        }
        self.steps.iter().copied().min()
    }

    /// How this step's event buffer is cut into parts for threads (none when it is one part).
    pub(crate) fn split(&self) -> Option<ganglion_ir::Split<'_>> {
        (self.parts > 1).then_some(ganglion_ir::Split {
            ranges: &self.ranges,
            keys: &self.keys,
        })
    }

    /// The queued synapses, due now first.
    pub(crate) fn queue(&self) -> Vec<Vec<u32>> {
        let mut q: Vec<Vec<u32>> = self.queue.iter().map(|slot| slot.concat()).collect();
        q.rotate_left(self.offset);
        q
    }

    /// Replaces the queue (from [`Pathway::queue`]); the next `prepare` sorts it into parts.
    pub(crate) fn set_queue(&mut self, queue: Vec<Vec<u32>>) {
        self.queue = queue.into_iter().map(|slot| vec![slot]).collect();
        self.offset = 0;
        self.parts = 1;
        self.built_for = None;
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
    pub(crate) fn prepare(&mut self, dt: f64, step: i64, name: &str) -> Result<(), PrepareError> {
        self.bins = self
            .spikes
            .iter()
            .map(|(t, _)| ((t + 1e-3 * dt) / dt) as i64)
            .collect();
        for w in 1..self.spikes.len() {
            if self.bins[w] == self.bins[w - 1] && self.spikes[w].1 == self.spikes[w - 1].1 {
                return Err(PrepareError::RepeatedSpike {
                    generator: name.to_string(),
                    dt,
                    neuron: self.spikes[w].1,
                    step: self.bins[w],
                });
            }
        }
        if self.period > 0.0 && self.period < dt {
            return Err(PrepareError::Period {
                generator: name.to_string(),
                period: self.period,
                dt,
            });
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

/// An array of the synapses, or the error naming it.
fn require<'g>(syn: &'g Group, array: &str) -> Result<&'g ArrayData, PrepareError> {
    syn.array(array).ok_or_else(|| PrepareError::MissingArray {
        synapses: syn.name().to_string(),
        array: array.to_string(),
    })
}

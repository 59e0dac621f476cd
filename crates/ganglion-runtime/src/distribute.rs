//! One network over several processes (MPI ranks), with the same spikes, recordings and final state as
//! one process, whatever the number of processes and of threads in each.
//!
//! Every process builds the whole network description and runs the same schedule. A neuron group is
//! a [`Layout::Block`]: every process keeps all of its arrays, and during a run it updates only its
//! block of neurons (kernels over neurons run `start..stop`; `i` and random draws keep the neurons' own
//! numbers, so each neuron draws what it draws in one process). Synapses are a [`Layout::Subset`]:
//! a process holds the synapses onto the neurons it owns, in their one-process order, with their
//! one-process numbers ([`Numbers`]), so every neuron sees its synapses in the order one process
//! applies them and sums come out bit for bit the same. Spike generators and tables are
//! [`Layout::Whole`]: every process runs all of them.
//!
//! What crosses between processes goes through the [`Exchange`] trait (MPI's, in the `ganglion` binary
//! built with the `mpi` feature; [`InProcess`], ranks as threads of one process, for tests; [`Alone`],
//! one process):
//! - spikes, once per shortest synaptic delay of the pathways (NEST's scheme): a pathway records the
//!   spikes of the source neurons this process owns at each of its steps, and when any pathway has as
//!   many steps recorded as its shortest delay, one all-gather of every pathway's records follows and
//!   each pathway queues the spikes of every process, late by the steps since they were emitted (never
//!   more than a delay). A pathway with a zero delay exchanges at every step, where it runs; a
//!   postsynaptic pathway (`on_post`) exchanges nothing (its spikes are the target's, owned here);
//! - presynaptic state that synaptic code reads (`v_pre` of gap junctions): the blocks of those arrays,
//!   all-gathered right before the code runs (N values a step per variable);
//! - at the end of each run, the blocks of every neuron group's arrays, so that every process holds the
//!   whole state again between runs (`set`, initial values and connect see what one process sees);
//! - NaN checks and refusals, agreed by all processes, so that they all stop together;
//! - at the end, monitors and synapses' state gathered on process 0 ([`Simulation::gather_to_root`]).

use std::collections::HashSet;
use std::time::{Duration, Instant};

use ganglion_ir::interp::ArrayData;
use ganglion_ir::{Index, Kernel, Op, ValueId};

use crate::error::{BuildError, RunError};
use crate::group::Group;
use crate::objects::{Action, KernelObject};
use crate::simulation::Simulation;
use crate::synapses::Pathway;

/// The most steps of spikes a pathway keeps before they are exchanged (bounds what is held when the
/// shortest delay is long).
const MAX_WINDOW: u32 = 64;

/// How the processes of a distributed simulation exchange data: collectives that every process calls
/// in the same order. The runtime calls them only when the simulation was given one
/// ([`Simulation::set_exchange`]).
pub trait Exchange: Send {
    /// This process's number, from 0.
    fn rank(&self) -> usize;
    /// How many processes there are.
    fn ranks(&self) -> usize;
    /// Every process's `local` bytes, in order of rank (an all-gather of variable sizes).
    fn all_gather(&self, local: &[u8]) -> Vec<Vec<u8>>;
    /// Every process's `local` bytes on process 0 (`None` on the others).
    fn gather(&self, local: &[u8]) -> Option<Vec<Vec<u8>>>;
}

/// One process alone: every collective returns what it is given.
#[derive(Clone, Copy, Debug, Default)]
pub struct Alone;

impl Exchange for Alone {
    fn rank(&self) -> usize {
        0
    }

    fn ranks(&self) -> usize {
        1
    }

    fn all_gather(&self, local: &[u8]) -> Vec<Vec<u8>> {
        vec![local.to_vec()]
    }

    fn gather(&self, local: &[u8]) -> Option<Vec<Vec<u8>>> {
        Some(vec![local.to_vec()])
    }
}

/// Ranks that are threads of one process, exchanging through shared memory: what tests use to run a
/// distributed network without MPI. [`InProcess::ranks`] makes one per rank; each thread builds and
/// runs its network with its own, and every collective waits for all of them.
#[derive(Clone, Debug)]
pub struct InProcess {
    rank: usize,
    shared: std::sync::Arc<Meeting>,
}

/// Where the threads of [`InProcess`] meet: each rank's contribution to the collective under way, and
/// a barrier that gives up (panics) when a rank does not come, so that a test whose rank failed ends.
#[derive(Debug)]
struct Meeting {
    ranks: usize,
    slots: std::sync::Mutex<Vec<Vec<u8>>>,
    /// Ranks arrived at the barrier, and how many times it opened.
    arrived: std::sync::Mutex<(usize, u64)>,
    opened: std::sync::Condvar,
}

/// How long a rank waits for the others at a collective before it gives up.
const PATIENCE: Duration = Duration::from_secs(600);

impl Meeting {
    /// Waits until every rank arrived.
    fn barrier(&self) {
        let mut arrived = self
            .arrived
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let generation = arrived.1;
        arrived.0 += 1;
        if arrived.0 == self.ranks {
            *arrived = (0, generation + 1);
            self.opened.notify_all();
            return;
        }
        let started = Instant::now();
        while arrived.1 == generation {
            let left = PATIENCE.saturating_sub(started.elapsed());
            assert!(!left.is_zero(), "a rank did not come to a collective");
            arrived = self
                .opened
                .wait_timeout(arrived, left)
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .0;
        }
    }
}

impl InProcess {
    /// The exchanges of `ranks` ranks (at least one), in order of rank.
    pub fn ranks(ranks: usize) -> Vec<InProcess> {
        let ranks = ranks.max(1);
        let shared = std::sync::Arc::new(Meeting {
            ranks,
            slots: std::sync::Mutex::new(vec![Vec::new(); ranks]),
            arrived: std::sync::Mutex::new((0, 0)),
            opened: std::sync::Condvar::new(),
        });
        (0..ranks)
            .map(|rank| InProcess {
                rank,
                shared: shared.clone(),
            })
            .collect()
    }

    /// Every rank's bytes: each puts its own, all wait, each copies all, all wait again (so that no
    /// rank puts the next collective's bytes before every rank has read these).
    fn meet(&self, local: &[u8]) -> Vec<Vec<u8>> {
        let lock = || {
            self.shared
                .slots
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        };
        lock()[self.rank] = local.to_vec();
        self.shared.barrier();
        let all = lock().clone();
        self.shared.barrier();
        all
    }
}

impl Exchange for InProcess {
    fn rank(&self) -> usize {
        self.rank
    }

    fn ranks(&self) -> usize {
        self.shared.ranks
    }

    fn all_gather(&self, local: &[u8]) -> Vec<Vec<u8>> {
        self.meet(local)
    }

    fn gather(&self, local: &[u8]) -> Option<Vec<Vec<u8>>> {
        let all = self.meet(local);
        (self.rank == 0).then_some(all)
    }
}

/// The block of `n` elements process `rank` of `ranks` owns: contiguous, in order of rank, sizes
/// differing by at most one.
pub fn block(n: usize, ranks: usize, rank: usize) -> (usize, usize) {
    let ranks = ranks.max(1);
    (n * rank / ranks, n * (rank + 1) / ranks)
}

/// Which elements of a group this process holds and runs.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Layout {
    /// Every element, as every other process (one process; spike generators; tables).
    #[default]
    Whole,
    /// Every element is stored; during a run this process updates the neurons `start..stop` (the
    /// others' values are refreshed when needed and at the end of each run).
    Block(usize, usize),
    /// Some elements (synapses onto the neurons this process owns), with their one-process numbers.
    Subset(Numbers),
}

/// The one-process numbers of the elements a process holds, ascending, kept as runs of consecutive
/// numbers (synapses made row by row come in one run per row).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Numbers {
    /// Each run's first number and the local index of its first element.
    runs: Vec<(u64, usize)>,
    len: usize,
}

impl Numbers {
    /// No elements.
    pub fn new() -> Numbers {
        Numbers::default()
    }

    /// Appends the next element held, whose one-process number is `number` (above every earlier one).
    pub fn push(&mut self, number: u64) {
        match self.runs.last() {
            Some(&(first, at)) if first + (self.len - at) as u64 == number => {}
            _ => self.runs.push((number, self.len)),
        }
        self.len += 1;
    }

    /// How many elements are held.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether none is held.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The one-process number of local element `local`.
    pub fn number(&self, local: usize) -> u64 {
        let r = self.runs.partition_point(|&(_, at)| at <= local) - 1;
        let (first, at) = self.runs[r];
        first + (local - at) as u64
    }

    /// The local index of the element numbered `number`, if this process holds it.
    pub fn local(&self, number: u64) -> Option<usize> {
        let r = self.runs.partition_point(|&(first, _)| first <= number);
        let (first, at) = *self.runs.get(r.checked_sub(1)?)?;
        let end = self.runs.get(r).map_or(self.len, |x| x.1);
        let k = at + (number - first) as usize;
        (k < end).then_some(k)
    }

    /// Whether every element held has its one-process number as local index (the first elements, or
    /// none).
    pub fn is_identity(&self) -> bool {
        self.len == 0 || self.runs == [(0, 0)]
    }
}

/// What a distributed run exchanged and how long it waited for it (on this process).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ExchangeStats {
    /// All-gathers of spikes.
    pub spike_exchanges: u64,
    /// Bytes of spikes this process received (its own included).
    pub spike_bytes: u64,
    /// Time spent in spike exchanges.
    pub spike_time: Duration,
    /// All-gathers of state (presynaptic variables, the whole state at the end of runs, NaN checks).
    pub state_exchanges: u64,
    /// Bytes of state received.
    pub state_bytes: u64,
    /// Time spent in state exchanges.
    pub state_time: Duration,
}

/// The distributed side of a simulation: the exchange and what each object exchanges in this run.
pub(crate) struct Distribution {
    pub(crate) exchange: Box<dyn Exchange>,
    /// One per object, made when a run starts.
    plans: Vec<Plan>,
    pub(crate) stats: ExchangeStats,
    /// Monitors and synapses were gathered on process 0: the simulation may not run again.
    pub(crate) gathered: bool,
}

/// What one object exchanges.
#[derive(Default)]
struct Plan {
    /// Arrays (group, array) of neuron groups to all-gather before it runs.
    gather: Vec<(usize, usize)>,
    /// For a pathway whose spikes come from every process.
    spikes: Option<SpikeExchange>,
}

/// A pathway's spikes between exchanges.
struct SpikeExchange {
    /// Steps of spikes kept before they are exchanged (0: exchanged at once, where the pathway runs).
    window: usize,
    /// This process's spikes (of the pathway's source range) at each step since the last exchange.
    pending: Vec<Vec<u32>>,
}

impl Distribution {
    fn all_gather_timed(&mut self, bytes: &[u8], spikes: bool) -> Vec<Vec<u8>> {
        let started = Instant::now();
        let all = self.exchange.all_gather(bytes);
        let received: usize = all.iter().map(Vec::len).sum();
        let s = &mut self.stats;
        if spikes {
            s.spike_exchanges += 1;
            s.spike_bytes += received as u64;
            s.spike_time += started.elapsed();
        } else {
            s.state_exchanges += 1;
            s.state_bytes += received as u64;
            s.state_time += started.elapsed();
        }
        all
    }

    /// The first refusal of any process (in order of rank), the same on every process.
    fn agree(&mut self, refusal: Option<(String, String)>) -> Result<(), BuildError> {
        let mut out = Vec::new();
        if let Some((object, what)) = &refusal {
            put_str(&mut out, object);
            put_str(&mut out, what);
        }
        let all = self.all_gather_timed(&out, false);
        match all.iter().find(|b| !b.is_empty()) {
            Some(bytes) => {
                let mut r = Reader::new(bytes);
                let object = r.str();
                let what = r.str();
                Err(BuildError::NotDistributed { object, what })
            }
            None => Ok(()),
        }
    }

    /// All-gathers the blocks of the arrays `list` (group, array) of neuron groups.
    fn gather_blocks(&mut self, groups: &mut [Group], list: &[(usize, usize)]) {
        if list.is_empty() {
            return;
        }
        let (rank, ranks) = (self.exchange.rank(), self.exchange.ranks());
        let mut out = Vec::new();
        for &(g, a) in list {
            let (start, stop) = block(groups[g].n(), ranks, rank);
            put_elements(&mut out, &groups[g].arrays[a].1, start, stop);
        }
        let all = self.all_gather_timed(&out, false);
        for (r, bytes) in all.iter().enumerate() {
            if r == rank {
                continue;
            }
            let mut pos = 0;
            for &(g, a) in list {
                let (start, stop) = block(groups[g].n(), ranks, r);
                let array = &mut groups[g].arrays[a].1;
                let size = elem_size(array);
                set_elements(array, start, &bytes[pos..pos + (stop - start) * size]);
                pos += (stop - start) * size;
            }
        }
    }

    /// Before object `id` runs: the presynaptic state its code reads.
    pub(crate) fn before(&mut self, id: usize, groups: &mut [Group]) {
        let list = std::mem::take(&mut self.plans[id].gather);
        self.gather_blocks(groups, &list);
        self.plans[id].gather = list;
    }

    /// One step of pathway `id`: its spikes queued (exchanged now, or kept for the next exchange),
    /// then the synapses due handed to its code. Pathways that exchange nothing step as in one
    /// process.
    pub(crate) fn pathway_step(&mut self, id: usize, pathway: &mut Pathway, groups: &mut [Group]) {
        let Some(x) = &mut self.plans[id].spikes else {
            pathway.step(groups);
            return;
        };
        let (start, stop) = pathway.spec.range;
        let own: Vec<u32> = groups[pathway.spec.source]
            .event(&pathway.spec.source_event)
            .iter()
            .copied()
            .filter(|&k| (start..stop).contains(&(k as usize)))
            .collect();
        if x.window > 0 {
            x.pending.push(own);
        } else {
            let mut out = Vec::new();
            put_u32s(&mut out, &own);
            let all = self.all_gather_timed(&out, true);
            let mut spikes = Vec::new();
            for bytes in &all {
                let mut r = Reader::new(bytes);
                spikes.extend(r.u32s(bytes.len() / 4));
            }
            pathway.push(&spikes, 0);
        }
        pathway.pop(&mut groups[pathway.spec.synapses]);
    }

    /// Whether some pathway has kept as many steps of spikes as it may.
    pub(crate) fn due(&self) -> bool {
        self.plans.iter().any(|p| {
            p.spikes
                .as_ref()
                .is_some_and(|x| x.window > 0 && x.pending.len() >= x.window)
        })
    }

    /// One all-gather of every pathway's kept spikes; each pathway queues every process's spikes of
    /// each kept step, as late as they are.
    pub(crate) fn flush(&mut self, actions: &mut [Action]) {
        let mut out = Vec::new();
        let mut any = false;
        for p in &self.plans {
            if let Some(x) = p.spikes.as_ref().filter(|x| x.window > 0) {
                any = true;
                put_u64(&mut out, x.pending.len() as u64);
                for v in &x.pending {
                    put_u64(&mut out, v.len() as u64);
                    put_u32s(&mut out, v);
                }
            }
        }
        if !any {
            return;
        }
        let all = self.all_gather_timed(&out, true);
        let mut readers: Vec<Reader<'_>> = all.iter().map(|b| Reader::new(b)).collect();
        let mut spikes = Vec::new();
        for (id, p) in self.plans.iter_mut().enumerate() {
            let Some(x) = p.spikes.as_mut().filter(|x| x.window > 0) else {
                continue;
            };
            let steps = x.pending.len();
            for r in &mut readers {
                let theirs = r.u64() as usize;
                debug_assert_eq!(theirs, steps, "every process keeps as many steps");
            }
            let Action::Pathway(pathway) = &mut actions[id] else {
                unreachable!("only pathways exchange spikes")
            };
            for k in 0..steps {
                spikes.clear();
                for r in &mut readers {
                    let n = r.u64() as usize;
                    spikes.extend(r.u32s(n));
                }
                pathway.0.push(&spikes, steps - k);
            }
            x.pending.clear();
        }
    }
}

impl Simulation {
    /// Distributes the simulation over the processes `exchange` connects. Call it before adding
    /// anything: the API crate gives each group its [`Layout`] as it adds it.
    pub fn set_exchange(&mut self, exchange: Box<dyn Exchange>) {
        self.dist = Some(Distribution {
            exchange,
            plans: Vec::new(),
            stats: ExchangeStats::default(),
            gathered: false,
        });
    }

    /// The exchange of a distributed simulation.
    pub fn exchange(&self) -> Option<&dyn Exchange> {
        self.dist.as_ref().map(|d| d.exchange.as_ref())
    }

    /// What this process exchanged so far (a distributed simulation).
    pub fn exchange_stats(&self) -> Option<ExchangeStats> {
        self.dist.as_ref().map(|d| d.stats)
    }

    /// Refuses, on every process alike, a kernel run outside the schedule that a distributed
    /// simulation would run to a different answer: random draws over synapses numbered otherwise than
    /// in one process.
    pub(crate) fn check_execute(
        &mut self,
        group: usize,
        kernel: &Kernel,
    ) -> Result<(), BuildError> {
        let Some(d) = &mut self.dist else {
            return Ok(());
        };
        let crate::distribute::Layout::Subset(numbers) = &self.groups[group].layout else {
            return Ok(());
        };
        if !draws(kernel) {
            return Ok(());
        }
        let refusal = (!numbers.is_identity()).then(|| {
            (
                self.groups[group].name().to_string(),
                "drawing random numbers (rand(), randn()) for synapses".to_string(),
            )
        });
        d.agree(refusal)
    }

    /// Before a distributed run: what each object exchanges (agreed by every process: the same
    /// refusals, the same windows), and each neuron group's block.
    pub(crate) fn start_distributed(&mut self) -> Result<(), RunError> {
        let Some(d) = &mut self.dist else {
            return Ok(());
        };
        if d.gathered {
            return Err(BuildError::NotDistributed {
                object: "the network".into(),
                what: "running again after gathering the results on process 0".into(),
            }
            .into());
        }
        let rank = d.exchange.rank();
        let groups = &self.groups;
        let mut refusal: Option<(String, String)> = None;
        let mut refuse = |object: &str, what: &str| {
            refusal.get_or_insert_with(|| (object.to_string(), what.to_string()));
        };
        let mut plans: Vec<Plan> = Vec::with_capacity(self.actions.len());
        let mut windows: Vec<u32> = Vec::new();
        for (id, action) in self.actions.iter_mut().enumerate() {
            let name = &self.infos[id].name;
            let mut plan = Plan::default();
            for k in action.kernels() {
                plan_kernel(k, groups, &mut plan.gather, &mut refuse);
            }
            match action {
                Action::Pathway(p) => {
                    let spec = &p.0.spec;
                    let source = &groups[spec.source].layout;
                    if matches!(source, Layout::Block(..)) && spec.index_array != "_synaptic_post" {
                        let n = groups[spec.synapses].n();
                        windows.push(p.0.min_delay_steps(n).unwrap_or(u32::MAX));
                        plan.spikes = Some(SpikeExchange {
                            window: 0,
                            pending: Vec::new(),
                        });
                    }
                    if !matches!(groups[spec.synapses].layout, Layout::Subset(_)) {
                        refuse(name, "a pathway of synapses that are not divided by target");
                    }
                }
                Action::SpikeMonitor(m) => {
                    if matches!(groups[m.group.0].layout, Layout::Subset(_)) {
                        refuse(name, "an event monitor of synapses");
                    }
                }
                Action::StateMonitor(m) => {
                    for k in &m.probes {
                        plan_kernel(k, groups, &mut plan.gather, &mut refuse);
                    }
                    m.held = Some(match &groups[m.group.0].layout {
                        Layout::Whole if rank == 0 => {
                            m.indices.iter().copied().enumerate().collect()
                        }
                        Layout::Whole => Vec::new(),
                        Layout::Block(start, stop) => m
                            .indices
                            .iter()
                            .enumerate()
                            .filter(|&(_, &i)| (*start..*stop).contains(&i))
                            .map(|(r, &i)| (r, i))
                            .collect(),
                        Layout::Subset(numbers) => m
                            .indices
                            .iter()
                            .enumerate()
                            .filter_map(|(r, &i)| numbers.local(i as u64).map(|k| (r, k)))
                            .collect(),
                    });
                }
                Action::RateMonitor(m) => {
                    if m.counts.is_none() {
                        m.counts = Some(Vec::new());
                    }
                }
                Action::Summed(s) => {
                    if !matches!(groups[s.0.group].layout, Layout::Block(..)) {
                        refuse(
                            name,
                            "a summed variable of a group that is not divided in blocks",
                        );
                    }
                }
                Action::Kernel(_) | Action::Generator(_) => {}
            }
            // Linked variables read neurons of their source that another process may own (an index,
            // or a source of another size, e.g. one neuron): the source's blocks are gathered first.
            let (group, reads) = action.group();
            for l in self.links.iter().filter(|l| reads && l.target == group) {
                let source = &groups[l.source.0];
                let same_block = l.index.is_none() && source.n() == groups[l.target.0].n();
                if let (Layout::Block(..), false) = (&source.layout, same_block)
                    && let Some(a) = source.array_index(&l.source_var)
                    && source.arrays[a].1.len() == source.n()
                    && !source.shared.contains(&l.source_var)
                {
                    plan.gather.push((l.source.0, a));
                }
            }
            plan.gather.sort_unstable();
            plan.gather.dedup();
            plans.push(plan);
        }
        d.agree(refusal)?;
        // The shortest delay of each exchanging pathway over every process's synapses.
        let mut out = Vec::new();
        put_u32s(&mut out, &windows);
        let all = d.all_gather_timed(&out, false);
        let mut shortest = windows.clone();
        for bytes in &all {
            let theirs = Reader::new(bytes).u32s(windows.len());
            for (s, t) in shortest.iter_mut().zip(theirs) {
                *s = (*s).min(t);
            }
        }
        let mut shortest = shortest.into_iter();
        for p in &mut plans {
            if let Some(x) = &mut p.spikes {
                let steps = shortest.next().unwrap_or(0);
                x.window = steps.min(MAX_WINDOW) as usize;
            }
        }
        d.plans = plans;
        for g in &mut self.groups {
            if let Layout::Block(start, stop) = g.layout {
                g.span = Some((start, stop));
            }
        }
        Ok(())
    }

    /// After a distributed run (or when it stops early): spikes still kept are queued, and every
    /// process gets the whole state of every neuron group back.
    pub(crate) fn end_distributed(&mut self) {
        let Some(d) = &mut self.dist else {
            return;
        };
        d.flush(&mut self.actions);
        let mut list = Vec::new();
        for (gi, g) in self.groups.iter_mut().enumerate() {
            if matches!(g.layout, Layout::Block(..)) {
                g.span = None;
                for (ai, (name, a)) in g.arrays.iter().enumerate() {
                    if a.len() == g.n() && !g.shared.contains(name) {
                        list.push((gi, ai));
                    }
                }
            }
        }
        d.gather_blocks(&mut self.groups, &list);
    }

    /// In a distributed simulation, the first non-finite value any process found (the one one process
    /// would report: first group, variable, element), the same on every process; `found` is this
    /// process's.
    pub(crate) fn agree_non_finite(
        &mut self,
        found: Option<(usize, usize, u64, f64)>,
    ) -> Option<(usize, usize, u64, f64)> {
        let Some(d) = &mut self.dist else {
            return found;
        };
        let mut out = Vec::new();
        if let Some((g, a, e, v)) = found {
            put_u64(&mut out, g as u64);
            put_u64(&mut out, a as u64);
            put_u64(&mut out, e);
            put_u64(&mut out, v.to_bits());
        }
        let all = d.all_gather_timed(&out, false);
        all.iter()
            .filter(|b| !b.is_empty())
            .map(|b| {
                let mut r = Reader::new(b);
                (
                    r.u64() as usize,
                    r.u64() as usize,
                    r.u64(),
                    f64::from_bits(r.u64()),
                )
            })
            .min_by_key(|&(g, a, e, _)| (g, a, e))
    }

    /// The elements of group `gi` this process checks for NaN (its block, what it holds, or for
    /// groups every process runs, only process 0), with the one-process number of the first.
    pub(crate) fn checked_elements(&self, gi: usize) -> Option<(usize, usize)> {
        let g = &self.groups[gi];
        match (&self.dist, &g.layout) {
            (None, _) | (Some(_), Layout::Subset(_)) => Some((0, g.n())),
            (Some(_), Layout::Block(start, stop)) => Some((*start, *stop)),
            (Some(d), Layout::Whole) => (d.exchange.rank() == 0).then_some((0, g.n())),
        }
    }

    /// The one-process number of element `k` of group `gi` as this process holds it.
    pub(crate) fn element_number(&self, gi: usize, k: usize) -> u64 {
        match &self.groups[gi].layout {
            Layout::Subset(numbers) => numbers.number(k),
            _ => k as u64,
        }
    }

    /// Gathers every monitor's recordings and the state of every group on process 0, which then holds
    /// what one process would hold (and the others hold nothing); nothing happens in one process. The
    /// simulation may not run again afterwards. Every process must call it.
    pub fn gather_to_root(&mut self) -> Result<(), RunError> {
        let Some(d) = &mut self.dist else {
            return Ok(());
        };
        if d.gathered {
            return Ok(());
        }
        d.gathered = true;
        let ranks = d.exchange.ranks();
        let groups = &mut self.groups;
        for action in &mut self.actions {
            match action {
                Action::SpikeMonitor(m) => {
                    let whole = matches!(groups[m.group.0].layout, Layout::Whole);
                    gather_spikes(d.exchange.as_ref(), m, whole);
                }
                Action::StateMonitor(m) => {
                    let Some(held) = m.held.take() else {
                        continue;
                    };
                    let mut out = Vec::new();
                    put_u64(&mut out, held.len() as u64);
                    for &(row, _) in &held {
                        put_u64(&mut out, row as u64);
                        for (_, rows) in &m.data.values {
                            put_u64(&mut out, rows[row].len() as u64);
                            put_f64s(&mut out, &rows[row]);
                        }
                    }
                    let Some(all) = d.exchange.gather(&out) else {
                        m.data = Default::default();
                        continue;
                    };
                    for bytes in &all {
                        let mut rd = Reader::new(bytes);
                        for _ in 0..rd.u64() {
                            let row = rd.u64() as usize;
                            for (_, rows) in &mut m.data.values {
                                let n = rd.u64() as usize;
                                rows[row] = rd.f64s(n);
                            }
                        }
                    }
                }
                Action::RateMonitor(m) => {
                    let Some(counts) = m.counts.take() else {
                        continue;
                    };
                    if matches!(groups[m.group.0].layout, Layout::Whole) {
                        if d.exchange.gather(&[]).is_none() {
                            m.data = Default::default();
                        }
                        continue;
                    }
                    let mut out = Vec::new();
                    for &c in &counts {
                        put_u64(&mut out, c);
                    }
                    let Some(all) = d.exchange.gather(&out) else {
                        m.data = Default::default();
                        continue;
                    };
                    let mut total = vec![0u64; counts.len()];
                    for bytes in &all {
                        let mut rd = Reader::new(bytes);
                        for c in &mut total {
                            *c += rd.u64();
                        }
                    }
                    let n = (m.range.1 - m.range.0).max(1);
                    m.data.rate = total
                        .iter()
                        .map(|&c| c as f64 / (n as f64 * m.data.dt))
                        .collect();
                }
                _ => {}
            }
        }
        for g in groups.iter_mut() {
            gather_group(d.exchange.as_ref(), g, ranks);
        }
        Ok(())
    }
}

/// Process 0's spike monitor after [`Simulation::gather_to_root`]: every process's events, in the order
/// one process records them (the others' monitors are emptied). `whole`: the monitored group is not
/// distributed, so process 0's recording is already all of it.
fn gather_spikes(exchange: &dyn Exchange, m: &mut crate::monitor::SpikeMonitor, whole: bool) {
    let mut out = Vec::new();
    let data = &m.data;
    put_u64(&mut out, data.i.len() as u64);
    put_u32s(&mut out, &data.i);
    put_f64s(&mut out, &data.t);
    for (_, v) in &data.values {
        put_f64s(&mut out, v);
    }
    for &c in &data.count {
        put_u64(&mut out, c);
    }
    let all = exchange.gather(&out);
    let Some(all) = all else {
        m.data = Default::default();
        return;
    };
    let mut i = Vec::new();
    let mut t = Vec::new();
    let mut values: Vec<Vec<f64>> = vec![Vec::new(); data.values.len()];
    let mut count = vec![0u64; data.count.len()];
    for (r, bytes) in all.iter().enumerate() {
        if whole && r > 0 {
            break;
        }
        let mut rd = Reader::new(bytes);
        let n = rd.u64() as usize;
        i.extend(rd.u32s(n));
        t.extend(rd.f64s(n));
        for v in &mut values {
            v.extend(rd.f64s(n));
        }
        for c in &mut count {
            *c += rd.u64();
        }
    }
    // One process records step after step, each step's events in neuron order:
    // the processes' events of a step, in order of rank, are that order.
    let mut order: Vec<usize> = (0..i.len()).collect();
    order.sort_by(|&a, &b| t[a].total_cmp(&t[b]));
    m.data.i = order.iter().map(|&k| i[k]).collect();
    m.data.t = order.iter().map(|&k| t[k]).collect();
    for (slot, v) in m.data.values.iter_mut().zip(&values) {
        slot.1 = order.iter().map(|&k| v[k]).collect();
    }
    m.data.count = count;
}

/// A distributed group's state gathered on process 0 in one-process order (emptied on the others).
fn gather_group(exchange: &dyn Exchange, g: &mut Group, ranks: usize) {
    let Layout::Subset(numbers) = &g.layout else {
        g.layout = Layout::Whole;
        return;
    };
    let n = g.n();
    let per_element: Vec<usize> = (0..g.arrays.len())
        .filter(|&a| !g.shared.contains(&g.arrays[a].0))
        .collect();
    let mut out = Vec::new();
    put_u64(&mut out, n as u64);
    for k in 0..n {
        put_u64(&mut out, numbers.number(k));
    }
    for &a in &per_element {
        put_elements(&mut out, &g.arrays[a].1, 0, n);
    }
    let Some(all) = exchange.gather(&out) else {
        for &a in &per_element {
            g.arrays[a].1.resize(0);
        }
        g.set_n(0);
        g.layout = Layout::Whole;
        return;
    };
    let mut parts = Vec::with_capacity(ranks);
    let mut total = 0;
    for bytes in &all {
        let mut rd = Reader::new(bytes);
        let n = rd.u64() as usize;
        let numbers: Vec<u64> = (0..n).map(|_| rd.u64()).collect();
        total += n;
        parts.push((numbers, rd.pos));
    }
    for (slot, &a) in per_element.iter().enumerate() {
        let mut whole = ArrayData::zeros(g.arrays[a].1.ty(), total);
        let size = elem_size(&whole);
        for ((numbers, pos), bytes) in parts.iter_mut().zip(&all) {
            let _ = slot;
            for &number in numbers.iter() {
                set_elements(&mut whole, number as usize, &bytes[*pos..*pos + size]);
                *pos += size;
            }
        }
        g.arrays[a].1 = whole;
    }
    g.set_n(total);
    g.layout = Layout::Whole;
}

/// Whether the per-element code of a kernel draws random numbers.
fn draws(k: &Kernel) -> bool {
    let mut found = false;
    k.vector
        .walk(&mut |i| found |= matches!(i.op, Op::Random { .. } | Op::Binomial { .. }));
    found
}

/// What a kernel needs from other processes before it runs (blocks of arrays of neuron groups it reads
/// at other neurons than the postsynaptic one), and what it does that a distributed run refuses.
fn plan_kernel(
    k: &KernelObject,
    groups: &[Group],
    gather: &mut Vec<(usize, usize)>,
    refuse: &mut dyn FnMut(&str, &str),
) {
    let kernel = &k.kernel;
    let own = &groups[k.group.0];
    // Values that are a synapse's postsynaptic neuron (loaded from `_synaptic_post`, maybe cast).
    let mut post: HashSet<ValueId> = HashSet::new();
    kernel.vector.walk(&mut |i| match i.op {
        Op::Load(a, Index::Neuron) if kernel.arrays[a.0 as usize].name == "_synaptic_post" => {
            post.extend(i.result);
        }
        Op::Cast(x) if post.contains(&x) => post.extend(i.result),
        _ => {}
    });
    let name = &kernel.name;
    kernel.vector.walk(&mut |i| {
        let (a, at, store) = match i.op {
            Op::Load(a, Index::At(v)) => (a, v, false),
            Op::Store(a, Index::At(v), _) => (a, v, true),
            Op::Store(_, Index::Shared, _) => {
                refuse(name, "code that writes a shared variable for each element");
                return;
            }
            _ => return,
        };
        let (g, array) = k.arrays[a.0 as usize];
        if g == k.group.0 {
            return;
        }
        let via_post = post.contains(&at);
        match (&groups[g].layout, store) {
            (Layout::Block(..), false) if !via_post => gather.push((g, array)),
            (Layout::Block(..), true) if !via_post => refuse(
                name,
                "synaptic code that writes a variable of the presynaptic group (or a summed variable of it)",
            ),
            (Layout::Whole | Layout::Subset(_), true) => {
                refuse(name, "code that writes a variable of another group")
            }
            _ => {}
        }
    });
    if let Layout::Subset(numbers) = &own.layout
        && draws(kernel)
        && !numbers.is_identity()
    {
        refuse(
            name,
            "drawing random numbers (rand(), randn(), xi) in code over synapses",
        );
    }
}

fn put_u64(out: &mut Vec<u8>, x: u64) {
    out.extend_from_slice(&x.to_le_bytes());
}

fn put_u32s(out: &mut Vec<u8>, xs: &[u32]) {
    out.reserve(xs.len() * 4);
    for x in xs {
        out.extend_from_slice(&x.to_le_bytes());
    }
}

fn put_f64s(out: &mut Vec<u8>, xs: &[f64]) {
    out.reserve(xs.len() * 8);
    for x in xs {
        out.extend_from_slice(&x.to_le_bytes());
    }
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_u64(out, s.len() as u64);
    out.extend_from_slice(s.as_bytes());
}

/// Reads what the `put_` functions wrote.
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader { bytes, pos: 0 }
    }

    fn take(&mut self, n: usize) -> &'a [u8] {
        let s = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        s
    }

    fn u64(&mut self) -> u64 {
        u64::from_le_bytes(self.take(8).try_into().expect("8 bytes"))
    }

    fn u32s(&mut self, n: usize) -> Vec<u32> {
        self.take(n * 4)
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes(c.try_into().expect("4 bytes")))
            .collect()
    }

    fn f64s(&mut self, n: usize) -> Vec<f64> {
        self.take(n * 8)
            .chunks_exact(8)
            .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")))
            .collect()
    }

    fn str(&mut self) -> String {
        let n = self.u64() as usize;
        String::from_utf8_lossy(self.take(n)).into_owned()
    }
}

/// Bytes of one element of an array.
fn elem_size(a: &ArrayData) -> usize {
    match a {
        ArrayData::Bool(_) => 1,
        ArrayData::I32(_) | ArrayData::F32(_) => 4,
        ArrayData::I64(_) | ArrayData::F64(_) => 8,
    }
}

/// Appends elements `start..stop` of an array, as bytes.
fn put_elements(out: &mut Vec<u8>, a: &ArrayData, start: usize, stop: usize) {
    match a {
        ArrayData::Bool(v) => out.extend(v.as_slice()[start..stop].iter().map(|&b| u8::from(b))),
        ArrayData::I32(v) => {
            for x in &v.as_slice()[start..stop] {
                out.extend_from_slice(&x.to_le_bytes());
            }
        }
        ArrayData::I64(v) => {
            for x in &v.as_slice()[start..stop] {
                out.extend_from_slice(&x.to_le_bytes());
            }
        }
        ArrayData::F32(v) => {
            for x in &v.as_slice()[start..stop] {
                out.extend_from_slice(&x.to_le_bytes());
            }
        }
        ArrayData::F64(v) => put_f64s(out, &v.as_slice()[start..stop]),
    }
}

/// Sets elements from `start` on from bytes [`put_elements`] wrote.
fn set_elements(a: &mut ArrayData, start: usize, bytes: &[u8]) {
    match a {
        ArrayData::Bool(v) => {
            for (d, &b) in v.as_mut_slice()[start..].iter_mut().zip(bytes) {
                *d = b != 0;
            }
        }
        ArrayData::I32(v) => {
            for (d, c) in v.as_mut_slice()[start..]
                .iter_mut()
                .zip(bytes.chunks_exact(4))
            {
                *d = i32::from_le_bytes(c.try_into().expect("4 bytes"));
            }
        }
        ArrayData::I64(v) => {
            for (d, c) in v.as_mut_slice()[start..]
                .iter_mut()
                .zip(bytes.chunks_exact(8))
            {
                *d = i64::from_le_bytes(c.try_into().expect("8 bytes"));
            }
        }
        ArrayData::F32(v) => {
            for (d, c) in v.as_mut_slice()[start..]
                .iter_mut()
                .zip(bytes.chunks_exact(4))
            {
                *d = f32::from_le_bytes(c.try_into().expect("4 bytes"));
            }
        }
        ArrayData::F64(v) => {
            for (d, c) in v.as_mut_slice()[start..]
                .iter_mut()
                .zip(bytes.chunks_exact(8))
            {
                *d = f64::from_le_bytes(c.try_into().expect("8 bytes"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_map_both_ways() {
        let mut n = Numbers::new();
        for x in [3, 4, 5, 9, 10, 20] {
            n.push(x);
        }
        assert_eq!(n.len(), 6);
        assert_eq!(
            (0..6).map(|k| n.number(k)).collect::<Vec<_>>(),
            [3, 4, 5, 9, 10, 20]
        );
        assert_eq!(n.local(9), Some(3));
        assert_eq!(n.local(6), None);
        assert_eq!(n.local(2), None);
        assert_eq!(n.local(21), None);
        assert!(!n.is_identity());
        let mut id = Numbers::new();
        (0..5).for_each(|x| id.push(x));
        assert!(id.is_identity());
    }

    #[test]
    fn ranks_in_threads_gather_in_order_of_rank() {
        type Gathered = (Vec<Vec<u8>>, Option<Vec<Vec<u8>>>);
        let results: Vec<Gathered> = std::thread::scope(|s| {
            let handles: Vec<_> = InProcess::ranks(3)
                .into_iter()
                .map(|x| {
                    s.spawn(move || {
                        let mine = vec![x.rank() as u8; x.rank() + 1];
                        // Two collectives in a row: the second must not see the first's bytes.
                        let _ = x.all_gather(&[9]);
                        (x.all_gather(&mine), x.gather(&mine))
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let expected = vec![vec![0], vec![1, 1], vec![2, 2, 2]];
        for (rank, (all, root)) in results.into_iter().enumerate() {
            assert_eq!(all, expected);
            assert_eq!(root, (rank == 0).then(|| expected.clone()));
        }
    }

    #[test]
    fn blocks_cover_in_order() {
        let parts: Vec<_> = (0..3).map(|r| block(4000, 3, r)).collect();
        assert_eq!(parts, [(0, 1333), (1333, 2666), (2666, 4000)]);
    }
}

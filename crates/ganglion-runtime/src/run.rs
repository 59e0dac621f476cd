//! The run loop: compile what the run calls, prepare pathways and generators, then step the clocks due
//! now through the schedule, checking state for NaN and reporting progress now and then.

use std::time::{Duration, Instant};

use ganglion_ir::Workers;
use ganglion_ir::interp::{ArrayData, Value};

use crate::clock::{Clock, EPSILON_DT};
use crate::error::RunError;
use crate::group::refresh_links;
use crate::objects::{Action, ObjectId, Threads, call_clock};
use crate::simulation::Simulation;

/// The progress of a run, for reports.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Progress {
    /// Wall-clock time since the run started.
    pub elapsed: Duration,
    /// Fraction of the run completed (0 to 1).
    pub completed: f64,
    /// Network time when the run started (seconds).
    pub start: f64,
    /// Duration of the run (seconds).
    pub duration: f64,
}

/// Calls a report function at the start, every 200 ms of wall-clock time, and at the end.
struct Reporter<'r> {
    report: Option<&'r mut dyn FnMut(Progress)>,
    started: Instant,
    last: Instant,
    start: f64,
    duration: f64,
}

impl Reporter<'_> {
    fn send(&mut self, completed: f64) {
        if let Some(r) = self.report.as_mut() {
            r(Progress {
                elapsed: self.started.elapsed(),
                completed,
                start: self.start,
                duration: self.duration,
            });
        }
    }

    fn now_and_then(&mut self, t: f64) {
        if self.report.is_some() && self.last.elapsed() >= Duration::from_millis(200) {
            self.last = Instant::now();
            let completed = if self.duration > 0.0 {
                ((t - self.start) / self.duration).clamp(0.0, 1.0)
            } else {
                1.0
            };
            self.send(completed);
        }
    }
}

/// Where the NaN checks stand: the last step found clean, and whether every array was checked once.
struct NanChecks {
    written: Vec<(usize, usize)>,
    last_clean: (i64, f64),
    since: i64,
    checked_all: bool,
}

impl Simulation {
    /// Runs for `duration` seconds, calling `report` now and then (and at 0 and 1).
    pub fn run(
        &mut self,
        duration: f64,
        report: Option<&mut dyn FnMut(Progress)>,
    ) -> Result<(), RunError> {
        if duration.is_nan() || duration < 0.0 || !duration.is_finite() {
            return Err(RunError::Duration(duration));
        }
        self.check_slots()?;
        self.compile_scheduled()?;
        // Threads that stay awake while the run lasts (none on one thread, or on the interpreter).
        let workers = if self.threads > 1 {
            self.backend.workers(self.threads)
        } else {
            None
        };
        let threads = workers.as_deref().map_or(1, |w| w.threads());
        self.prepare_sources(threads)?;
        self.start_distributed()?;
        self.setup_kernels();
        let start = self.t;
        let end = start + duration;
        for c in &mut self.clocks {
            c.set_end(end);
        }
        let order = self.sorted_objects();
        let now = Instant::now();
        let mut reporter = Reporter {
            report,
            started: now,
            last: now,
            start,
            duration,
        };
        reporter.send(0.0);
        let mut checks = NanChecks {
            written: self.written_arrays(),
            last_clean: (self.clocks.first().map_or(0, |c| c.step), self.t),
            since: 0,
            checked_all: false,
        };
        while let Some(current) = self.due_clocks() {
            // (Processes of a distributed run would not all see the flag at the same step.)
            if let Some(flag) = &self.stop_flag
                && self.dist.is_none()
                && flag.load(std::sync::atomic::Ordering::Relaxed)
            {
                let step = self.clocks.first().map_or(0, |c| c.step);
                return Err(RunError::Interrupted { step, t: self.t });
            }
            self.step(&order, &current, workers.as_deref())?;
            for (c, now) in self.clocks.iter_mut().zip(&current) {
                if *now {
                    c.step += 1;
                }
            }
            if let Some(d) = &mut self.dist
                && d.due()
            {
                d.flush(&mut self.actions);
            }
            checks.since += 1;
            if self.check_interval > 0 && checks.since >= self.check_interval {
                self.check_now(&mut checks)
                    .inspect_err(|_| self.end_distributed())?;
            }
            reporter.now_and_then(self.t);
        }
        self.t = end;
        self.end_distributed();
        if self.check_interval > 0 {
            self.check_now(&mut checks)?;
        }
        reporter.send(1.0);
        Ok(())
    }

    /// Compiles the kernels this run calls (those replaced by a fused kernel are not).
    fn compile_scheduled(&mut self) -> Result<(), RunError> {
        for (action, replaced) in self.actions.iter_mut().zip(&self.replaced) {
            if !replaced {
                for k in action.kernels_mut() {
                    k.compile(self.backend.as_mut())?;
                }
            }
        }
        Ok(())
    }

    /// Indexes the synapses of each pathway (in a part per thread where its code allows) and converts
    /// delays to steps; spike times to steps.
    fn prepare_sources(&mut self, threads: usize) -> Result<(), RunError> {
        for id in 0..self.actions.len() {
            let clock = &self.clocks[self.infos[id].clock.0];
            let (dt, step) = (clock.dt, clock.step);
            match &mut self.actions[id] {
                Action::Pathway(p) => {
                    p.0.prepare(&self.groups, dt, threads, self.parallel_grain)?
                }
                Action::Generator(g) => g.prepare(dt, step, &self.infos[id].name)?,
                _ => {}
            }
        }
        Ok(())
    }

    /// Runs every kernel's setup block with this run's external constants (they do not change during a
    /// run).
    fn setup_kernels(&mut self) {
        for id in 0..self.actions.len() {
            let dt = self.clocks[self.infos[id].clock.0].dt;
            let externals = &self.externals;
            match &mut self.actions[id] {
                Action::StateMonitor(m) => {
                    for p in &mut m.probes {
                        let params = p.param_values(externals);
                        p.setup(params, dt);
                    }
                }
                action => {
                    for k in action.kernels_mut() {
                        let params = k.param_values(externals);
                        k.setup(params, dt);
                    }
                }
            }
        }
    }

    /// The clocks due now (those with the smallest time, within Brian2's tolerance), or `None` when
    /// every clock has reached the end of the run. Sets the simulation time.
    fn due_clocks(&mut self) -> Option<Vec<bool>> {
        let (min_t, min_dt) = self
            .clocks
            .iter()
            .filter(|c| c.step < c.end)
            .map(|c| (c.t(), c.dt))
            .min_by(|a, b| a.0.total_cmp(&b.0))?;
        self.t = min_t;
        Some(
            self.clocks
                .iter()
                .map(|c| {
                    c.step < c.end
                        && (c.t() == min_t || (c.t() - min_t).abs() / c.dt.min(min_dt) < EPSILON_DT)
                })
                .collect(),
        )
    }

    /// One pass through the schedule for the clocks due now.
    fn step(
        &mut self,
        order: &[ObjectId],
        current: &[bool],
        workers: Option<&dyn Workers>,
    ) -> Result<(), RunError> {
        let seed = self.seed;
        let grain = self.parallel_grain;
        let mut dist = self.dist.as_mut();
        for id in order {
            let info = &self.infos[id.0];
            if !info.active || self.replaced[id.0] || !current[info.clock.0] {
                continue;
            }
            let clock = &self.clocks[info.clock.0];
            let groups = &mut self.groups;
            let action = &mut self.actions[id.0];
            if let Some(d) = dist.as_deref_mut() {
                d.before(id.0, groups);
            }
            if !self.links.is_empty() {
                let (group, reads) = action.group();
                if reads {
                    refresh_links(groups, &self.links, group);
                }
            }
            match action {
                Action::Kernel(k) => {
                    let threads = match workers {
                        Some(w) => Threads::Ranges(w, grain),
                        None => Threads::One,
                    };
                    k.call(groups, call_clock(clock), seed, threads)?
                }
                Action::Generator(g) => g.step(groups, clock.step),
                Action::Summed(s) => {
                    let (target, k) = &mut **s;
                    let (mut a, mut b) = target.range;
                    // (In a distributed run, the neurons this process owns.)
                    if let Some((start, stop)) = groups[target.group].span {
                        (a, b) = (a.max(start), b.min(stop).max(a.max(start)));
                    }
                    let arr = &mut groups[target.group].arrays[target.array].1;
                    for n in a..b {
                        arr.set(n, &Value::F64(0.0).cast(arr.ty()));
                    }
                    k.call(groups, call_clock(clock), seed, Threads::One)?
                }
                Action::Pathway(p) => {
                    let (pathway, phases) = &mut **p;
                    match dist.as_deref_mut() {
                        Some(d) => d.pathway_step(id.0, pathway, groups),
                        None => pathway.step(groups),
                    }
                    for k in phases {
                        let threads = match (workers, pathway.split()) {
                            (Some(w), Some(split)) => Threads::Split(w, grain, split),
                            _ => Threads::One,
                        };
                        k.call(groups, call_clock(clock), seed, threads)?
                    }
                }
                Action::SpikeMonitor(m) => m.record(groups, clock),
                Action::StateMonitor(m) => m.record(groups, clock, seed)?,
                Action::RateMonitor(m) => m.record(groups, clock),
            }
        }
        Ok(())
    }

    /// Checks state for NaN now: everything the first time, then only what the kernels write (the
    /// rest cannot change).
    fn check_now(&mut self, checks: &mut NanChecks) -> Result<(), RunError> {
        checks.since = 0;
        let only = checks.checked_all.then_some(&checks.written[..]);
        self.check_finite(checks.last_clean, only)?;
        checks.checked_all = true;
        checks.last_clean = (self.clocks.first().map_or(0, |c| c.step), self.t);
        Ok(())
    }

    /// The arrays (group, array) that some kernel of the simulation stores to, sorted.
    fn written_arrays(&self) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        for (id, action) in self.actions.iter().enumerate() {
            if self.replaced[id] {
                continue;
            }
            for k in action.kernels() {
                for block in [&k.kernel.scalar, &k.kernel.vector] {
                    block.walk(&mut |i| {
                        if let ganglion_ir::Op::Store(a, _, _) = i.op {
                            out.push(k.arrays[a.0 as usize]);
                        }
                    });
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Reports the first value that is not finite in the state (every array, or those in `only`).
    fn check_finite(
        &mut self,
        last_clean: (i64, f64),
        only: Option<&[(usize, usize)]>,
    ) -> Result<(), RunError> {
        let found = self.first_non_finite_here(only);
        // (Every process of a distributed run reports the same, first, value.)
        let Some((gi, ai, neuron, value)) = self.agree_non_finite(found) else {
            return Ok(());
        };
        let clock = self.clocks.first();
        let g = &self.groups[gi];
        Err(RunError::NonFinite {
            group: g.name().to_string(),
            variable: g.arrays[ai].0.clone(),
            neuron: neuron as usize,
            value: if value.is_nan() {
                "NaN".into()
            } else {
                format!("{value}")
            },
            from_step: last_clean.0,
            from_t: last_clean.1,
            step: clock.map_or(0, |c| c.step),
            t: clock.map_or(0.0, Clock::t),
        })
    }

    /// The first value that is not finite (group, array, element, value) among the elements this
    /// process checks (every array, or those in `only`).
    fn first_non_finite_here(
        &self,
        only: Option<&[(usize, usize)]>,
    ) -> Option<(usize, usize, u64, f64)> {
        // Groups named `_...` hold tables (timed arrays), not state.
        for (gi, g) in self.groups.iter().enumerate() {
            if g.name().starts_with('_') {
                continue;
            }
            let Some((start, stop)) = self.checked_elements(gi) else {
                continue;
            };
            for (ai, (name, a)) in g.arrays.iter().enumerate() {
                if name.starts_with('_')
                    || name == "lastspike"
                    || only.is_some_and(|w| w.binary_search(&(gi, ai)).is_err())
                {
                    continue;
                }
                let (from, to) = if self.dist.is_none() || g.shared.contains(name) {
                    (0, a.len())
                } else {
                    (start.min(a.len()), stop.min(a.len()))
                };
                if let Some((k, value)) = first_non_finite(a, from, to) {
                    return Some((gi, ai, self.element_number(gi, k), value));
                }
            }
        }
        None
    }
}

/// The first element of `from..to` of a floating-point array that is NaN or infinite.
fn first_non_finite(a: &ArrayData, from: usize, to: usize) -> Option<(usize, f64)> {
    match a {
        ArrayData::F64(v) => v.as_slice()[from..to]
            .iter()
            .position(|x| !x.is_finite())
            .map(|i| (from + i, v.as_slice()[from + i])),
        ArrayData::F32(v) => v.as_slice()[from..to]
            .iter()
            .position(|x| !x.is_finite())
            .map(|i| (from + i, f64::from(v.as_slice()[from + i]))),
        _ => None,
    }
}

//! A simulation: groups' state, clocks, the schedule and the objects on it; how objects are added and
//! inspected. The run loop is in `run.rs`, store and restore in `snapshot.rs`.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use ganglion_ir::interp::{Clock as CallClock, Value};
use ganglion_ir::{Backend, Extent, Kernel, Schedule, Type};

use crate::clock::Clock;
use crate::error::BuildError;
use crate::group::{Group, GroupId, Link, refresh_links};
use crate::monitor::{
    RateData, RateMonitor, SpikeData, SpikeMonitor, StateData, StateMonitor, Window,
};
use crate::objects::{Action, ClockId, KernelObject, ObjectId, ObjectInfo, SummedTarget, Threads};
use crate::synapses::{Generator, Pathway, PathwaySpec, SpikeTrain, SplitBy};

/// The run-time side of a network: the groups' state, clocks, and the objects Brian2's schedule runs
/// every step (kernels, pathways, summed variables, spike generators, monitors).
pub struct Simulation {
    pub(crate) groups: Vec<Group>,
    pub(crate) clocks: Vec<Clock>,
    pub(crate) infos: Vec<ObjectInfo>,
    pub(crate) actions: Vec<Action>,
    /// Objects whose work a fused kernel does (skipped, whatever their `active` flag says).
    pub(crate) replaced: Vec<bool>,
    pub(crate) links: Vec<Link>,
    pub(crate) schedule: Schedule,
    pub(crate) seed: u64,
    /// Values of external constants, read by kernels at the start of each run.
    pub(crate) externals: HashMap<String, Value>,
    pub(crate) check_interval: i64,
    pub(crate) threads: usize,
    pub(crate) parallel_grain: usize,
    pub(crate) backend: Box<dyn Backend>,
    pub(crate) t: f64,
    pub(crate) stop_flag: Option<Arc<AtomicBool>>,
    /// Kernels run outside the schedule so far (each draws its own random numbers).
    pub(crate) executions: i64,
    /// Where the network is distributed over several processes: how they exchange, and what each
    /// object exchanges (none in one process).
    pub(crate) dist: Option<crate::distribute::Distribution>,
}

impl Simulation {
    /// An empty simulation whose kernels run on `backend`.
    pub fn new(backend: Box<dyn Backend>) -> Simulation {
        Simulation {
            groups: Vec::new(),
            clocks: Vec::new(),
            infos: Vec::new(),
            actions: Vec::new(),
            replaced: Vec::new(),
            links: Vec::new(),
            schedule: Schedule::default(),
            seed: 0,
            externals: HashMap::new(),
            check_interval: 100,
            threads: 1,
            parallel_grain: 400_000,
            backend,
            t: 0.0,
            stop_flag: None,
            executions: 0,
            dist: None,
        }
    }

    /// The backend's name.
    pub fn backend_name(&self) -> &'static str {
        self.backend.name()
    }

    /// How long each kernel compiled so far took, by kernel name (empty for the interpreter).
    pub fn compile_times(&self) -> &[(String, std::time::Duration)] {
        self.backend.compile_times()
    }

    /// The simulation time (seconds).
    pub fn t(&self) -> f64 {
        self.t
    }

    /// Moves every clock to time `t` (seconds): a simulation that continues one run elsewhere starts
    /// where that one stopped.
    pub fn set_time(&mut self, t: f64) {
        for c in &mut self.clocks {
            c.step = c.step_at(t);
        }
        self.t = t;
    }

    /// The seed of the random streams.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Sets the seed of the random streams.
    pub fn set_seed(&mut self, seed: u64) {
        self.seed = seed;
    }

    /// Sets the values of external constants (read by kernels when a run starts).
    pub fn set_externals(&mut self, externals: HashMap<String, Value>) {
        self.externals = externals;
    }

    /// The schedule's entries.
    pub fn schedule(&self) -> &Schedule {
        &self.schedule
    }

    /// Uses another schedule (every active object's slot must be in it when a run starts).
    pub fn set_schedule(&mut self, schedule: Schedule) {
        self.schedule = schedule;
    }

    /// Checks that the schedule has the slot of every active object.
    pub(crate) fn check_slots(&self) -> Result<(), BuildError> {
        for (info, replaced) in self.infos.iter().zip(&self.replaced) {
            if info.active && !replaced {
                self.schedule
                    .check(&info.when)
                    .map_err(|error| BuildError::Slot {
                        object: info.name.clone(),
                        error,
                    })?;
            }
        }
        Ok(())
    }

    /// The number of threads kernels run on (1: only the caller's).
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// Runs kernels over large groups on `threads` threads (at least 1). Results do not depend on it.
    pub fn set_threads(&mut self, threads: usize) {
        self.threads = threads.max(1);
    }

    /// The least work (IR instructions per neuron × neurons) given to a thread: 400 000 by default, 25 µs
    /// of a vectorised LIF kernel to 70 µs of a Hodgkin–Huxley one, several times what handing a range
    /// to another thread costs.
    pub fn set_parallel_grain(&mut self, work: usize) {
        self.parallel_grain = work.max(1);
    }

    /// Checks state for NaN and infinity every this many steps (0: never; 100 by default).
    pub fn set_check_interval(&mut self, steps: i64) {
        self.check_interval = steps;
    }

    /// Stops a run from another thread when the flag becomes true.
    pub fn set_stop_flag(&mut self, flag: Arc<AtomicBool>) {
        self.stop_flag = Some(flag);
    }

    /// Adds a clock; it starts at the simulation's current time.
    pub fn add_clock(&mut self, name: impl Into<String>, dt: f64) -> ClockId {
        let mut c = Clock::new(name, dt);
        c.step = c.step_at(self.t);
        self.clocks.push(c);
        ClockId(self.clocks.len() - 1)
    }

    /// A clock.
    pub fn clock(&self, id: ClockId) -> &Clock {
        &self.clocks[id.0]
    }

    /// Changes a clock's time step; allowed only when its current time is a multiple of the new one.
    pub fn set_dt(&mut self, id: ClockId, dt: f64) -> Result<(), BuildError> {
        self.clocks[id.0].set_dt(dt)
    }

    /// Adds a group with storage for `variables` (name, type, extent), all zero; an error where the
    /// memory cannot be had (the allocation is tried, never aborts).
    pub fn add_group(
        &mut self,
        name: &str,
        n: usize,
        variables: &[(String, Type, Extent)],
    ) -> Result<GroupId, BuildError> {
        self.groups.push(Group::new(name, n, variables)?);
        Ok(GroupId(self.groups.len() - 1))
    }

    /// Removes group `id`, the group added last: a scratch group no object uses (connecting evaluates
    /// candidate pairs in one).
    pub fn remove_last_group(&mut self, id: GroupId) {
        assert_eq!(
            id.0 + 1,
            self.groups.len(),
            "only the group added last can be removed"
        );
        self.groups.pop();
    }

    /// A group's state.
    pub fn group(&self, id: GroupId) -> &Group {
        &self.groups[id.0]
    }

    /// A group's state, writable.
    pub fn group_mut(&mut self, id: GroupId) -> &mut Group {
        &mut self.groups[id.0]
    }

    /// Every group's state, in the order they were added.
    pub fn groups(&self) -> &[Group] {
        &self.groups
    }

    /// Adds a variable to a group (a hidden array for recording a subexpression, say).
    pub fn add_array(&mut self, group: GroupId, name: &str, ty: Type, extent: Extent) {
        self.groups[group.0].add_array(name, ty, extent);
    }

    fn push(&mut self, info: ObjectInfo, action: Action) -> ObjectId {
        self.infos.push(info);
        self.actions.push(action);
        self.replaced.push(false);
        ObjectId(self.infos.len() - 1)
    }

    fn bind(
        &mut self,
        group: GroupId,
        kernel: &Kernel,
        overrides: HashMap<String, Value>,
    ) -> Result<KernelObject, BuildError> {
        ganglion_ir::verify(kernel)?;
        KernelObject::bind(&mut self.groups, group, kernel, overrides)
    }

    /// Adds a kernel of `group`, run at `info`'s slot; `overrides` are the group's own namespace.
    pub fn add_kernel(
        &mut self,
        info: ObjectInfo,
        group: GroupId,
        kernel: &Kernel,
        overrides: HashMap<String, Value>,
    ) -> Result<ObjectId, BuildError> {
        let k = self.bind(group, kernel, overrides)?;
        Ok(self.push(info, Action::Kernel(k)))
    }

    /// Adds a synaptic pathway: at `info`'s slot, the spikes of `spec.source` are queued at their delays,
    /// and `code` (kernels of the synapses over the pathway's event buffer: one, or phases run one after
    /// the other) runs over the synapses due.
    pub fn add_pathway(
        &mut self,
        info: ObjectInfo,
        spec: PathwaySpec,
        code: &[Kernel],
        overrides: HashMap<String, Value>,
    ) -> Result<ObjectId, BuildError> {
        let group = GroupId(spec.synapses);
        self.groups[group.0].event_buffer(&spec.buffer);
        let phases = code
            .iter()
            .map(|k| self.bind(group, k, overrides.clone()))
            .collect::<Result<Vec<_>, _>>()?;
        // The code may run on several threads when what it writes is the synapse's own or one neuron's
        // reached through a synaptic index of its own group (the same for every phase).
        let split_of = |k: &Kernel| match ganglion_ir::event_split(k) {
            Some(ganglion_ir::EventSplit::Element) => Some(SplitBy::Synapse),
            Some(ganglion_ir::EventSplit::Key(a)) => {
                let name = &k.arrays[a.0 as usize].name;
                (!name.contains('.')).then(|| SplitBy::Neuron(name.clone()))
            }
            None => None,
        };
        let splits: Vec<Option<SplitBy>> = code.iter().map(split_of).collect();
        let split_by = match splits.split_first() {
            Some((first, rest)) if rest.iter().all(|s| s == first) => first.clone(),
            _ => None,
        };
        Ok(self.push(
            info,
            Action::Pathway(Box::new((Pathway::new(spec, split_by), phases))),
        ))
    }

    /// Adds a summed variable: at `info`'s slot, `target.var` is set to 0 for the neurons
    /// `range.0..range.1`, then `code` (a kernel of the synapses `group`) adds each synapse's term.
    #[allow(clippy::too_many_arguments)]
    pub fn add_summed(
        &mut self,
        info: ObjectInfo,
        group: GroupId,
        target: GroupId,
        var: &str,
        range: (usize, usize),
        code: &Kernel,
        overrides: HashMap<String, Value>,
    ) -> Result<ObjectId, BuildError> {
        let array = self.groups[target.0].require(var, "a summed variable")?;
        let k = self.bind(group, code, overrides)?;
        let t = SummedTarget {
            group: target.0,
            array,
            range,
        };
        Ok(self.push(info, Action::Summed(Box::new((t, k)))))
    }

    /// Adds the spike source of a spike-generator group (at `info`'s slot, normally `thresholds`).
    pub fn add_generator(
        &mut self,
        info: ObjectInfo,
        group: GroupId,
        train: SpikeTrain,
    ) -> ObjectId {
        self.groups[group.0].event_buffer("spike");
        self.push(info, Action::Generator(Generator::new(group.0, train)))
    }

    /// Runs a kernel once now, outside the schedule (initial values, state set between runs).
    pub fn execute(
        &mut self,
        group: GroupId,
        kernel: &Kernel,
        overrides: HashMap<String, Value>,
    ) -> Result<(), BuildError> {
        self.check_execute(group.0, kernel)?;
        let mut k = self.bind(group, kernel, overrides)?;
        k.compile(self.backend.as_mut())?;
        let dt = self.clocks.first().map_or(1e-4, |c| c.dt);
        // Random draws of code run outside the schedule use negative step numbers, one per execution,
        // so that they never repeat a draw of a run or of another execution.
        self.executions += 1;
        let call_clock = CallClock {
            t: self.t,
            dt,
            step: -self.executions,
        };
        let params = k.param_values(&self.externals);
        k.setup(params, dt);
        refresh_links(&mut self.groups, &self.links, group);
        k.call(&mut self.groups, call_clock, self.seed, Threads::One)?;
        Ok(())
    }

    /// Adds a spike (or event) monitor of `group`'s event, recording `variables` at each event, for
    /// neurons `range.0..range.1`.
    pub fn add_spike_monitor(
        &mut self,
        info: ObjectInfo,
        group: GroupId,
        event: &str,
        variables: &[String],
        range: (usize, usize),
        window: Window,
    ) -> Result<ObjectId, BuildError> {
        let g = &mut self.groups[group.0];
        let event = g.event_index(event);
        let variables = variables
            .iter()
            .map(|v| Ok((v.clone(), g.require(v, "a monitor")?)))
            .collect::<Result<Vec<_>, BuildError>>()?;
        let data = SpikeData {
            i: Vec::new(),
            t: Vec::new(),
            values: variables
                .iter()
                .map(|(n, _)| (n.clone(), Vec::new()))
                .collect(),
            count: vec![0; range.1 - range.0],
        };
        Ok(self.push(
            info,
            Action::SpikeMonitor(SpikeMonitor {
                group,
                event,
                variables,
                range,
                window,
                data,
            }),
        ))
    }

    /// Adds a state monitor recording `variables` (label, array) of the neurons `indices`; `probes` are
    /// kernels run just before each recording (they compute subexpressions into hidden arrays), with
    /// `overrides` (the group's own namespace) before the external constants.
    #[allow(clippy::too_many_arguments)]
    pub fn add_state_monitor(
        &mut self,
        info: ObjectInfo,
        group: GroupId,
        variables: &[(String, String)],
        indices: Vec<usize>,
        probes: &[Kernel],
        overrides: HashMap<String, Value>,
        window: Window,
    ) -> Result<ObjectId, BuildError> {
        let mut bound = Vec::new();
        for p in probes {
            let mut k = self.bind(group, p, overrides.clone())?;
            k.compile(self.backend.as_mut())?;
            bound.push(k);
        }
        let g = &self.groups[group.0];
        let variables = variables
            .iter()
            .map(|(label, array)| Ok((label.clone(), g.require(array, "a monitor")?)))
            .collect::<Result<Vec<_>, BuildError>>()?;
        let data = StateData {
            t: Vec::new(),
            indices: indices.clone(),
            values: variables
                .iter()
                .map(|(n, _)| (n.clone(), vec![Vec::new(); indices.len()]))
                .collect(),
        };
        Ok(self.push(
            info,
            Action::StateMonitor(StateMonitor {
                group,
                variables,
                indices,
                probes: bound,
                window,
                data,
                held: None,
            }),
        ))
    }

    /// Adds a population rate monitor of `group`'s event for neurons `range.0..range.1`.
    pub fn add_rate_monitor(
        &mut self,
        info: ObjectInfo,
        group: GroupId,
        event: &str,
        range: (usize, usize),
        window: Window,
    ) -> ObjectId {
        let event = self.groups[group.0].event_index(event);
        self.push(
            info,
            Action::RateMonitor(RateMonitor {
                group,
                event,
                range,
                window,
                data: RateData::default(),
                counts: None,
            }),
        )
    }

    /// Adds a linked variable (replacing an earlier link of the same variable).
    pub fn add_link(&mut self, link: Link) -> Result<(), BuildError> {
        link.check(&self.groups)?;
        self.links
            .retain(|l| !(l.target == link.target && l.target_var == link.target_var));
        self.links.push(link);
        Ok(())
    }

    /// The group an object works on and whether it reads or writes that group's variables (kernels do;
    /// spike monitors only when they record variables; state monitors do; rate monitors do not).
    pub fn object_group(&self, id: ObjectId) -> (GroupId, bool) {
        self.actions[id.0].group()
    }

    /// Number of objects (scheduled or not).
    pub fn object_count(&self) -> usize {
        self.infos.len()
    }

    /// Marks an object as done by a fused kernel (skipped while `replaced`), or not.
    pub fn set_replaced(&mut self, id: ObjectId, replaced: bool) {
        self.replaced[id.0] = replaced;
    }

    /// Whether a fused kernel does this object's work.
    pub fn is_replaced(&self, id: ObjectId) -> bool {
        self.replaced[id.0]
    }

    /// The info of an object.
    pub fn info(&self, id: ObjectId) -> &ObjectInfo {
        &self.infos[id.0]
    }

    /// Moves an object to another slot and order (the slot must be in the schedule when a run starts).
    pub fn reschedule(&mut self, id: ObjectId, when: ganglion_ir::Slot, order: i64) {
        let info = &mut self.infos[id.0];
        info.when = when;
        info.order = order;
    }

    /// Makes an object run or not.
    pub fn set_active(&mut self, id: ObjectId, active: bool) {
        self.infos[id.0].active = active;
    }

    /// The kernel of an object (for printing).
    pub fn kernel(&self, id: ObjectId) -> Option<&Kernel> {
        self.actions[id.0].kernels().first().map(|k| &k.kernel)
    }

    /// What a spike or event monitor recorded.
    pub fn spike_data(&self, id: ObjectId) -> Option<&SpikeData> {
        match &self.actions[id.0] {
            Action::SpikeMonitor(m) => Some(&m.data),
            _ => None,
        }
    }

    /// What a state monitor recorded.
    pub fn state_data(&self, id: ObjectId) -> Option<&StateData> {
        match &self.actions[id.0] {
            Action::StateMonitor(m) => Some(&m.data),
            _ => None,
        }
    }

    /// What a rate monitor recorded.
    pub fn rate_data(&self, id: ObjectId) -> Option<&RateData> {
        match &self.actions[id.0] {
            Action::RateMonitor(m) => Some(&m.data),
            _ => None,
        }
    }

    /// Objects in the order they run within a step: by slot, then order, then name.
    pub fn sorted_objects(&self) -> Vec<ObjectId> {
        let mut ids: Vec<ObjectId> = (0..self.infos.len()).map(ObjectId).collect();
        ids.sort_by(|a, b| {
            let (x, y) = (&self.infos[a.0], &self.infos[b.0]);
            let kx = self.schedule.key(&x.when).unwrap_or(usize::MAX);
            let ky = self.schedule.key(&y.when).unwrap_or(usize::MAX);
            (kx, x.order, &x.name).cmp(&(ky, y.order, &y.name))
        });
        ids
    }

    /// Brian2's `scheduling_summary()`: object, part of, clock dt, when, order, active.
    pub fn scheduling_summary(&self) -> String {
        let mut out = String::from("object | part of | clock dt | when | order | active\n");
        for id in self.sorted_objects() {
            let i = &self.infos[id.0];
            let dt = self.clocks[i.clock.0].dt;
            let every = (dt / self.clocks.first().map_or(dt, |c| c.dt)).round();
            out.push_str(&format!(
                "{} | {} | {} ms ({}) | {} | {} | {}\n",
                i.name,
                i.part_of,
                dt * 1e3,
                if every == 1.0 {
                    "every step".to_string()
                } else {
                    format!("every {every} steps")
                },
                i.when,
                i.order,
                match (i.active, self.replaced[id.0]) {
                    (false, _) => "no",
                    (true, false) => "yes",
                    (true, true) => "yes (fused)",
                }
            ));
        }
        out
    }
}

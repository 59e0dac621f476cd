//! Building a network from a model file: the checker (`ganglion_model::plan_model_file`) resolves the
//! file into a [`ModelPlan`]; this module translates the plan into driver calls, in the file's order.
//! It checks nothing itself; an error the driver reports is shown at the plan item it came from.

use std::collections::HashMap;
use std::sync::Arc;

use ganglion_model::assign::Assignment;
use ganglion_model::plan::{
    GroupKind, GroupPlan, MonitorKind, MonitorPlan, PoissonInputPlan, Report, SetPlan, Side,
    SynapsesPlan,
};
use ganglion_model::{ExternalValue, Location, ModelPlan};
use ganglion_modelfile::ModelFile;
use ganglion_runtime::Window;
use ganglion_syntax::{Diagnostic, SourceMap};

use crate::driver::{GroupSettings, MonitorParts, PoissonInputParts, SynapseLink};
use crate::error::{Error, UsageError};
use crate::group::ClockChoice;
use crate::handles::{GroupHandle, Subgroup};
use crate::memory::{estimate_memory, memory_limit};
use crate::network::{BackendChoice, Network};

/// One `run()` of a model file, with the state set before it.
#[derive(Clone, Debug)]
pub struct Segment {
    /// How long it runs (seconds).
    pub duration: f64,
    /// What is set before it.
    pub set: Vec<SetOp>,
}

/// A change of state between runs.
#[derive(Clone, Debug)]
pub enum SetOp {
    /// A variable of a group or synapses.
    Variable {
        /// The group.
        group: GroupHandle,
        /// The checked assignment.
        assignment: Box<Assignment>,
    },
    /// A namespace constant.
    Constant {
        /// Its name.
        name: String,
        /// Its new value.
        value: ExternalValue,
    },
}

/// What a model file asks to run.
#[derive(Clone, Debug)]
pub struct RunPlan {
    /// The runs, in order.
    pub segments: Vec<Segment>,
    /// `[run] report`.
    pub report: Option<Report>,
}

impl RunPlan {
    /// Total simulated time (seconds).
    pub fn duration(&self) -> f64 {
        self.segments.iter().map(|s| s.duration).sum()
    }
}

impl Network {
    /// Builds the network a model file describes. Diagnostics point into the file.
    pub fn from_model_file(
        file: ModelFile,
        backend: BackendChoice,
    ) -> Result<(Network, RunPlan), Error> {
        Network::from_model_file_distributed(file, backend, None)
    }

    /// [`Network::from_model_file`], distributed over the processes `exchange` connects (see
    /// [`Network::distribute`]; every process calls it with the same file).
    pub fn from_model_file_distributed(
        mut file: ModelFile,
        backend: BackendChoice,
        exchange: Option<Box<dyn ganglion_runtime::Exchange>>,
    ) -> Result<(Network, RunPlan), Error> {
        let (plan, diagnostics) = ganglion_model::plan_model_file(&file);
        let sources = std::mem::take(&mut file.sources);
        Network::build_plan(&plan, diagnostics, sources, backend, exchange)
    }

    /// Builds the network a checked plan describes; `diagnostics` are the checker's (any error among
    /// them is returned instead), pointing into `sources`.
    pub fn from_plan(
        plan: &ModelPlan,
        diagnostics: Vec<Diagnostic>,
        sources: SourceMap,
        backend: BackendChoice,
    ) -> Result<(Network, RunPlan), Error> {
        Network::build_plan(plan, diagnostics, sources, backend, None)
    }

    /// [`Network::from_plan`] on the processes `exchange` connects, if any: the memory the network
    /// would need is checked before anything is built.
    fn build_plan(
        plan: &ModelPlan,
        diagnostics: Vec<Diagnostic>,
        sources: SourceMap,
        backend: BackendChoice,
        exchange: Option<Box<dyn ganglion_runtime::Exchange>>,
    ) -> Result<(Network, RunPlan), Error> {
        let mut net = Network::new(backend);
        if let Some(exchange) = exchange {
            net.distribute(exchange)?;
        }
        net.sources = Arc::new(sources);
        net.absorb(diagnostics)?;
        net.attach(fits_in_memory(plan))?;
        let run = net.build(plan);
        let run = net.attach(run)?;
        Ok((net, run))
    }

    /// Applies a change of state between runs.
    pub fn apply(&mut self, op: &SetOp) -> Result<(), Error> {
        match op {
            SetOp::Variable { group, assignment } => self.assign(*group, assignment),
            SetOp::Constant { name, value } => {
                self.namespace.insert(name.clone(), value.clone());
                Ok(())
            }
        }
    }

    fn build(&mut self, plan: &ModelPlan) -> Result<RunPlan, Error> {
        let run = &plan.run;
        if let Some(dt) = run.dt {
            self.set_dt(dt)?;
        }
        if let Some(seed) = run.seed {
            self.seed(seed);
        }
        if let Some(threads) = run.threads {
            self.set_threads(threads);
        }
        if let Some(schedule) = &run.schedule {
            self.driver.sim.set_schedule(schedule.clone());
        }
        self.namespace = plan.namespace.clone();
        for t in &plan.timed_arrays {
            self.install_timed_array(t);
        }
        let mut handles: HashMap<String, GroupHandle> = HashMap::new();
        for g in &plan.groups {
            let h = self.build_group(g).map_err(|e| located(e, g.at))?;
            handles.insert(g.model.name.clone(), h);
        }
        // Links, once every group exists, then initial values (which may read linked variables).
        for g in &plan.groups {
            for l in &g.links {
                let (target, source) = (handles[&g.model.name], handles[&l.source]);
                self.driver
                    .link(
                        target,
                        &l.variable,
                        source,
                        &l.source_variable,
                        l.index.clone(),
                    )
                    .map_err(|e| located(e, l.at))?;
            }
        }
        for g in &plan.groups {
            for a in &g.init {
                self.assign(handles[&g.model.name], a)
                    .map_err(|e| located(e, g.at))?;
            }
        }
        for s in &plan.synapses {
            let h = self.build_synapses(s, &handles)?;
            handles.insert(s.model.name.clone(), h);
        }
        for p in &plan.poisson_inputs {
            self.build_poisson_input(p, &handles)
                .map_err(|e| located(e, p.at))?;
        }
        for m in &plan.monitors {
            self.build_monitor(m, &handles)
                .map_err(|e| located(e, m.at))?;
        }
        let segments = plan
            .segments
            .iter()
            .map(|s| Segment {
                duration: s.duration,
                set: s
                    .set
                    .iter()
                    .map(|op| match op {
                        SetPlan::Variable { target, assignment } => SetOp::Variable {
                            group: handles[target],
                            assignment: assignment.clone(),
                        },
                        SetPlan::Constant { name, value } => SetOp::Constant {
                            name: name.clone(),
                            value: value.clone(),
                        },
                    })
                    .collect(),
            })
            .collect();
        Ok(RunPlan {
            segments,
            report: run.report,
        })
    }

    fn clock(dt: Option<f64>) -> ClockChoice {
        dt.map_or(ClockChoice::Default, ClockChoice::Dt)
    }

    /// A group and its scheduled code; links and initial values come later.
    fn build_group(&mut self, g: &GroupPlan) -> Result<GroupHandle, Error> {
        let name = self.unique_name(&g.model.name)?;
        let clock = self.driver.clock_for(&Network::clock(g.dt), &name)?;
        let (methods, method_at) = match &g.methods {
            Some(m) => (m.names.clone(), m.at),
            None => (crate::group::default_methods(), None),
        };
        let settings = GroupSettings {
            methods,
            method_at,
            dtypes: g.dtypes.clone(),
            clock,
            order: g.order,
            namespace: Default::default(),
        };
        let h = self.driver.add_group(g.model.clone(), settings)?;
        if let GroupKind::SpikeGenerator(train) = &g.kind {
            let train = ganglion_runtime::synapses::SpikeTrain {
                indices: train.indices.iter().map(|&k| k as u32).collect(),
                times: train.times.clone(),
                period: train.period,
            };
            self.driver.add_generator(h, train)?;
        }
        // `on_event` code was checked and lowered with the group (it is part of its model); only its
        // place in the schedule is set here.
        for (event, timing) in &g.on_event {
            let id = self
                .objects(h)
                .resetters
                .iter()
                .find(|(e, _)| e == event)
                .map(|(_, id)| *id);
            if let Some(id) = id {
                self.driver.reschedule(id, timing);
            }
        }
        for (event, when, order) in &g.event_schedule {
            self.driver
                .set_event_schedule(h, event, when.clone(), *order)?;
        }
        for r in &g.run_regularly {
            self.driver.add_run_regularly(h, &r.code, r.dt, &r.timing)?;
        }
        Ok(h)
    }

    /// The group (or slice) a side names.
    fn subgroup(side: &Side, handles: &HashMap<String, GroupHandle>) -> Subgroup {
        let group = handles[&side.group];
        match side.range {
            Some((a, z)) => group.slice(a, z),
            None => Subgroup::from(group),
        }
    }

    fn build_synapses(
        &mut self,
        s: &SynapsesPlan,
        handles: &HashMap<String, GroupHandle>,
    ) -> Result<GroupHandle, Error> {
        let at = |e| located(e, s.at);
        let name = self.unique_name(&s.model.name).map_err(at)?;
        let (source, target) = (
            Network::subgroup(&s.source, handles),
            Network::subgroup(&s.target, handles),
        );
        let (source_model, target_model) = (self.model(source.group), self.model(target.group));
        let context =
            ganglion_model::SynapseContext::new(source_model, target_model, s.pathways.clone());
        let clock = self
            .driver
            .clock_for(&Network::clock(s.dt), &name)
            .map_err(at)?;
        let (methods, method_at) = match &s.methods {
            Some(m) => (m.names.clone(), m.at),
            None => (crate::group::default_methods(), None),
        };
        let link = SynapseLink {
            source: source.group,
            source_range: self.range_of(source).map_err(at)?,
            target: target.group,
            target_range: self.range_of(target).map_err(at)?,
            context,
            on_event: s.on_event.iter().cloned().collect(),
            delay: s.delay,
        };
        let settings = GroupSettings {
            methods,
            method_at,
            dtypes: Default::default(),
            clock,
            order: s.order,
            namespace: Default::default(),
        };
        let h = self
            .driver
            .add_synapses(s.model.clone(), link, settings)
            .map_err(at)?;
        for (c, where_) in &s.connect {
            let r = self.driver.connect(h, c, &self.namespace);
            r.map_err(|e| located(e, *where_))?;
        }
        for a in &s.init {
            self.assign(h, a).map_err(at)?;
        }
        Ok(h)
    }

    fn build_poisson_input(
        &mut self,
        p: &PoissonInputPlan,
        handles: &HashMap<String, GroupHandle>,
    ) -> Result<(), Error> {
        let target = Network::subgroup(&p.target, handles);
        let (start, stop) = self.range_of(target)?;
        let entry = self.driver.entry(target.group);
        let n_neurons = entry.model.n;
        let dt = self.driver.sim.clock(entry.clock).dt;
        let prob = ganglion_model::poisson_probability(p.n, p.rate, dt)
            .map_err(crate::error::UsageError::PoissonInput)?;
        let name = self.unique_name(&p.name)?;
        let parts = PoissonInputParts {
            name,
            group: target.group,
            range: (start > 0 || stop < n_neurons).then_some((start, stop)),
            variable: &p.variable,
            n: p.n,
            p: prob,
            weight: &p.weight,
            timing: p.timing.clone(),
        };
        self.driver.add_poisson_input(parts)?;
        Ok(())
    }

    fn build_monitor(
        &mut self,
        m: &MonitorPlan,
        handles: &HashMap<String, GroupHandle>,
    ) -> Result<(), Error> {
        let source = Network::subgroup(&m.source, handles);
        let range = self.range_of(source)?;
        let parts = MonitorParts {
            name: self.unique_name(&m.name)?,
            source: source.group,
            range,
            timing: m.timing.clone(),
            dt: m.dt,
            window: Window {
                start: m.start,
                stop: m.stop,
            },
        };
        match &m.kind {
            MonitorKind::Event {
                event, variables, ..
            } => self.driver.add_event_monitor(parts, event, variables)?,
            MonitorKind::State { variables, record } => {
                let n = self.group_size(source.group);
                let indices = record.clone().unwrap_or_else(|| (0..n).collect());
                self.driver.add_state_monitor(parts, variables, indices)?
            }
            MonitorKind::Rate => self.driver.add_rate_monitor(parts)?,
        };
        Ok(())
    }
}

/// An error of the driver, shown at the plan item it came from (diagnostics of code keep their own
/// place).
/// Refuses a plan whose network would need more memory than [`memory_limit`] allows, at its largest
/// part, before anything is allocated.
fn fits_in_memory(plan: &ModelPlan) -> Result<(), Error> {
    let Some(limit) = memory_limit() else {
        return Ok(());
    };
    let parts = estimate_memory(plan);
    let total = parts.iter().fold(0u64, |t, p| t.saturating_add(p.bytes));
    match parts.into_iter().max_by_key(|p| p.bytes) {
        Some(largest) if total > limit => Err(located(
            UsageError::TooLarge {
                what: largest.what,
                bytes: largest.bytes,
                total,
                limit,
            }
            .into(),
            largest.at,
        )),
        _ => Ok(()),
    }
}

fn located(e: Error, at: Location) -> Error {
    match e {
        Error::Model(_) => e,
        other => {
            let code = match &other {
                Error::Run(_) => "run",
                _ => "model-file",
            };
            Error::model(vec![
                Diagnostic::error(other.to_string(), at.span)
                    .with_code(code)
                    .in_source(at.source),
            ])
        }
    }
}

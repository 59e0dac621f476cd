//! What a model file asks for, checked and resolved: times in seconds, names looked up, code checked,
//! slots validated, arrays read. Building a network from a [`ModelPlan`] is a translation into API
//! calls; it has nothing left to check.

use std::collections::HashSet;

use ganglion_ir::{Schedule, Slot};

use crate::assign::Assignment;
use crate::connect::ConnectSpec;
use crate::expr::TExpr;
use crate::group::Location;
use crate::inputs::TimedArrayData;
use crate::model::{CodeBlock, NeuronGroupModel};
use crate::namespace::{ExternalValue, Namespace};

/// Storage types of a group's floating-point variables (Brian2's `dtype=`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Dtypes {
    /// `float32` for every floating-point variable.
    pub all_f32: bool,
    /// `float32` for these variables.
    pub f32_vars: HashSet<String>,
}

/// Where progress reports go (`[run] report`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Report {
    /// A text progress bar on standard error (Brian2's `report='text'`).
    Text,
    /// Lines on standard output.
    Stdout,
    /// Lines on standard error.
    Stderr,
}

impl Report {
    /// The report called `name` (`text`, `stdout`, `stderr`).
    pub fn from_name(name: &str) -> Option<Report> {
        match name {
            "text" => Some(Report::Text),
            "stdout" => Some(Report::Stdout),
            "stderr" => Some(Report::Stderr),
            _ => None,
        }
    }

    /// Its name.
    pub fn name(self) -> &'static str {
        match self {
            Report::Text => "text",
            Report::Stdout => "stdout",
            Report::Stderr => "stderr",
        }
    }
}

/// `[run]`: settings of the whole network.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunSettings {
    /// The default clock's time step (seconds), when given.
    pub dt: Option<f64>,
    /// The seed of the random streams.
    pub seed: Option<u64>,
    /// Threads (0: every core).
    pub threads: Option<usize>,
    /// Where progress goes.
    pub report: Option<Report>,
    /// A schedule other than Brian2's default.
    pub schedule: Option<Schedule>,
}

/// A group's source of spikes besides its threshold.
#[derive(Clone, Debug, PartialEq)]
pub enum GroupKind {
    /// A NeuronGroup.
    Neurons,
    /// A PoissonGroup (its model is [`crate::POISSON_MODEL`]; its rates are the first assignment).
    Poisson,
    /// A SpikeGeneratorGroup.
    SpikeGenerator(SpikeTrainPlan),
}

/// The spikes of a spike generator.
#[derive(Clone, Debug, PartialEq)]
pub struct SpikeTrainPlan {
    /// Neuron of each spike.
    pub indices: Vec<usize>,
    /// Time of each spike (seconds).
    pub times: Vec<f64>,
    /// Replay period (seconds; 0 for none).
    pub period: f64,
}

/// Where a scheduled object runs, when it is not where it would by default.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Timing {
    /// The slot.
    pub when: Option<Slot>,
    /// The order within the slot.
    pub order: Option<i64>,
}

/// The integration methods asked for (names or descriptions, tried in order).
#[derive(Clone, Debug, PartialEq)]
pub struct Methods {
    /// The methods.
    pub names: Vec<String>,
    /// Where they are written (for an error when none applies).
    pub at: Option<Location>,
}

/// `run_regularly` code of a group.
#[derive(Clone, Debug, PartialEq)]
pub struct RunRegularlyPlan {
    /// The checked statements.
    pub code: CodeBlock,
    /// Its own time step (seconds), if any.
    pub dt: Option<f64>,
    /// Where it runs.
    pub timing: Timing,
}

/// A linked variable of a group.
#[derive(Clone, Debug, PartialEq)]
pub struct LinkPlan {
    /// The linked variable.
    pub variable: String,
    /// The group it refers to.
    pub source: String,
    /// The variable it refers to.
    pub source_variable: String,
    /// For each neuron, the source neuron.
    pub index: Option<Vec<usize>>,
    /// Where the link is written.
    pub at: Location,
}

/// A NeuronGroup (or PoissonGroup, or spike generator).
#[derive(Clone, Debug, PartialEq)]
pub struct GroupPlan {
    /// The checked model (its name and size included).
    pub model: NeuronGroupModel,
    /// What kind of group.
    pub kind: GroupKind,
    /// Where the group is written (its table's name).
    pub at: Location,
    /// Integration methods.
    pub methods: Option<Methods>,
    /// Storage types.
    pub dtypes: Dtypes,
    /// Its own time step (seconds), when it differs from the default clock's.
    pub dt: Option<f64>,
    /// Order within the schedule's slots.
    pub order: i64,
    /// Where each event's code runs, when moved (`[[groups.G.on_event]]` `when`/`order`).
    pub on_event: Vec<(String, Timing)>,
    /// Where each event's condition is checked (`set_event_schedule`).
    pub event_schedule: Vec<(String, Slot, Option<i64>)>,
    /// `run_regularly` operations.
    pub run_regularly: Vec<RunRegularlyPlan>,
    /// Linked variables.
    pub links: Vec<LinkPlan>,
    /// Initial values, in the order written.
    pub init: Vec<Assignment>,
}

/// A group, or the neurons `start..stop` of one.
#[derive(Clone, Debug, PartialEq)]
pub struct Side {
    /// The group's name.
    pub group: String,
    /// The neurons, when a slice.
    pub range: Option<(usize, usize)>,
}

/// A Synapses object.
#[derive(Clone, Debug, PartialEq)]
pub struct SynapsesPlan {
    /// The checked model (pathway code included, as event code).
    pub model: NeuronGroupModel,
    /// Where it is written.
    pub at: Location,
    /// The presynaptic group (or slice).
    pub source: Side,
    /// The postsynaptic group (or slice).
    pub target: Side,
    /// The pathways' names, in the order written.
    pub pathways: Vec<String>,
    /// Pathways triggered by an event other than `spike`.
    pub on_event: Vec<(String, String)>,
    /// The delay of the `pre` pathway (seconds).
    pub delay: f64,
    /// Integration methods of clock-driven equations.
    pub methods: Option<Methods>,
    /// Its own time step (seconds).
    pub dt: Option<f64>,
    /// Order within the schedule's slots.
    pub order: i64,
    /// The `connect` calls, in order.
    pub connect: Vec<(ConnectSpec, Location)>,
    /// Initial values of synaptic variables, after connecting.
    pub init: Vec<Assignment>,
}

/// A PoissonInput.
#[derive(Clone, Debug, PartialEq)]
pub struct PoissonInputPlan {
    /// Its name.
    pub name: String,
    /// Where it is written.
    pub at: Location,
    /// The target group (or slice).
    pub target: Side,
    /// The target variable.
    pub variable: String,
    /// Number of independent inputs.
    pub n: u64,
    /// Rate of each (Hz).
    pub rate: f64,
    /// The weight (checked in the target's context).
    pub weight: TExpr,
    /// Where it runs.
    pub timing: Timing,
}

/// What a monitor records.
#[derive(Clone, Debug, PartialEq)]
pub enum MonitorKind {
    /// An event (`spike` for a SpikeMonitor), with variables at each event.
    Event {
        /// The event.
        event: String,
        /// Whether it is a SpikeMonitor (rather than an EventMonitor).
        spikes: bool,
        /// Variables recorded at each event.
        variables: Vec<String>,
    },
    /// Variables of some elements at every step.
    State {
        /// The variables.
        variables: Vec<String>,
        /// The elements (`None`: all).
        record: Option<Vec<usize>>,
    },
    /// The population rate.
    Rate,
}

/// A monitor.
#[derive(Clone, Debug, PartialEq)]
pub struct MonitorPlan {
    /// Its name.
    pub name: String,
    /// Where it is written.
    pub at: Location,
    /// What it watches.
    pub source: Side,
    /// What it records.
    pub kind: MonitorKind,
    /// Where it runs.
    pub timing: Timing,
    /// Its own time step (seconds).
    pub dt: Option<f64>,
    /// Recording starts (seconds).
    pub start: Option<f64>,
    /// Recording stops (seconds).
    pub stop: Option<f64>,
}

/// A change between runs.
#[derive(Clone, Debug, PartialEq)]
pub enum SetPlan {
    /// A variable of a group or synapses.
    Variable {
        /// The group or synapses.
        target: String,
        /// What is assigned.
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

/// One `run()`.
#[derive(Clone, Debug, PartialEq)]
pub struct SegmentPlan {
    /// How long (seconds).
    pub duration: f64,
    /// What changes before it.
    pub set: Vec<SetPlan>,
}

/// A whole model file, checked and resolved.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ModelPlan {
    /// `[run]`.
    pub run: RunSettings,
    /// The run namespace, evaluated.
    pub namespace: Namespace,
    /// Timed arrays with their values.
    pub timed_arrays: Vec<TimedArrayData>,
    /// Groups, in file order.
    pub groups: Vec<GroupPlan>,
    /// Synapses, in file order.
    pub synapses: Vec<SynapsesPlan>,
    /// Poisson inputs.
    pub poisson_inputs: Vec<PoissonInputPlan>,
    /// Monitors.
    pub monitors: Vec<MonitorPlan>,
    /// The runs.
    pub segments: Vec<SegmentPlan>,
}

impl ModelPlan {
    /// Total simulated time (seconds).
    pub fn duration(&self) -> f64 {
        self.segments.iter().map(|s| s.duration).sum()
    }
}

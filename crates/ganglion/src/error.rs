//! What can go wrong when building and running a network, with the facts as fields. Problems in model
//! code carry diagnostics and the code they point into; everything else is a typed error. Any error
//! turns into diagnostics ([`Error::diagnostics`]) for the one renderer (`SourceMap::render`).

use std::fmt;
use std::sync::Arc;

use ganglion_model::assign::{NotWritable, Unfit};
use ganglion_model::{LinkError, PoissonInputError, SpikeTrainError};
use ganglion_runtime::{BuildError, RunError, SlotError};
use ganglion_syntax::{Diagnostic, SourceMap, Span};

use crate::memory::human_bytes;

/// Diagnostics about model code, with the code strings they point into (rendered when shown).
#[derive(Clone)]
pub struct Diagnostics {
    list: Vec<Diagnostic>,
    sources: Arc<SourceMap>,
}

impl Diagnostics {
    /// Diagnostics pointing into `sources`.
    pub(crate) fn new(list: Vec<Diagnostic>, sources: Arc<SourceMap>) -> Diagnostics {
        Diagnostics { list, sources }
    }

    /// The diagnostics.
    pub fn list(&self) -> &[Diagnostic] {
        &self.list
    }

    /// The code strings they point into.
    pub fn sources(&self) -> &SourceMap {
        &self.sources
    }

    /// The diagnostics as text, with the source lines they point at (`color`: ANSI colours).
    pub fn render(&self, color: bool) -> String {
        self.sources.render(&self.list, color)
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(false))
    }
}

impl fmt::Debug for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(&self.list).finish()
    }
}

/// A request that does not fit the network: an unknown name, a value of the wrong size or unit, a
/// handle of the wrong kind.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum UsageError {
    /// A network that would need more memory than it may use (estimated before allocating).
    #[error(
        "{what} would need about {}{}, more than the {} this network may use (80% of the memory \
         available, or `GANGLION_MEMORY_LIMIT`): use fewer neurons or synapses, record fewer \
         elements or variables (or with a larger `dt`), or shorten the run",
        human_bytes(*bytes),
        if total > bytes { format!(" (the network {} in all)", human_bytes(*total)) } else { String::new() },
        human_bytes(*limit)
    )]
    TooLarge {
        /// The largest part (a group, synapses, a monitor).
        what: String,
        /// Its bytes.
        bytes: u64,
        /// The bytes of the whole network.
        total: u64,
        /// The limit.
        limit: u64,
    },
    /// A NeuronGroup without neurons.
    #[error("a NeuronGroup needs at least one neuron (N = 0)")]
    EmptyGroup,
    /// `distribute` after something was added to the network.
    #[error("a network is distributed before anything is added to it ({groups} groups so far)")]
    DistributeLate {
        /// Groups (and Synapses) added before.
        groups: usize,
    },
    /// A name another object of the network has.
    #[error("the name `{name}` is already used in this network")]
    NameTaken {
        /// The name.
        name: String,
    },
    /// A second clock of the same name.
    #[error("a clock called `{name}` already exists")]
    ClockExists {
        /// The name.
        name: String,
    },
    /// A clock that does not exist.
    #[error("no clock called `{name}`")]
    UnknownClock {
        /// The name.
        name: String,
    },
    /// A slot that is malformed or not in the schedule, or a schedule that is not valid.
    #[error(transparent)]
    Slot(#[from] SlotError),
    /// A variable the group does not have.
    #[error("group `{group}` has no variable `{variable}`{}", suggestion.as_ref().map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default())]
    UnknownVariable {
        /// The group.
        group: String,
        /// The variable.
        variable: String,
        /// The nearest variable it has.
        suggestion: Option<String>,
    },
    /// A variable that cannot be written.
    #[error("{}", not_writable(variable, reason))]
    NotWritable {
        /// The variable.
        variable: String,
        /// Why.
        reason: NotWritable,
    },
    /// A value that does not fit its variable.
    #[error("{}", unfit(group, variable, problem))]
    Unfit {
        /// The group.
        group: String,
        /// The variable.
        variable: String,
        /// What does not fit.
        problem: Unfit,
    },
    /// An event the group does not have.
    #[error("unknown event `{event}`: group `{group}` has no event `{event}`")]
    UnknownEvent {
        /// The group.
        group: String,
        /// The event.
        event: String,
    },
    /// A rate monitor of a group without a threshold.
    #[error("group `{group}` has no threshold")]
    NoThreshold {
        /// The group.
        group: String,
    },
    /// A slice that is empty or outside its group.
    #[error(
        "the subgroup [{start}:{stop}] is not a non-empty part of group `{group}` of {n} neurons"
    )]
    Subgroup {
        /// The group.
        group: String,
        /// First neuron.
        start: usize,
        /// One past the last.
        stop: usize,
        /// Neurons of the group.
        n: usize,
    },
    /// A new `dt` that the clock's current time is not a multiple of (Brian2's check).
    #[error(
        "cannot change dt of clock `{clock}` to {dt} s: the current time {t} s is not a multiple of it"
    )]
    Dt {
        /// The clock.
        clock: String,
        /// The new time step (seconds).
        dt: f64,
        /// The clock's time (seconds).
        t: f64,
    },
    /// A constant whose type changed since the models using it were checked.
    #[error(
        "the constant `{name}` was {checked} when the models using it were checked, and is {now} now: its value would be converted; give it a {now} value from the start"
    )]
    ConstantType {
        /// The constant.
        name: String,
        /// Its type when the models were checked.
        checked: String,
        /// Its type now.
        now: String,
    },
    /// A recorded index outside the group.
    #[error("index {index} is out of range for a group of {n} neurons")]
    Index {
        /// The index.
        index: usize,
        /// Neurons of the group.
        n: usize,
    },
    /// A linked variable that cannot be linked.
    #[error(transparent)]
    Link(#[from] Box<LinkError>),
    /// A linked variable left unlinked when a run starts.
    #[error(
        "the linked variable `{variable}` of group `{group}` is not linked to anything (Brian2: \"Link target for variable {variable} has not been set\")"
    )]
    Unlinked {
        /// The group.
        group: String,
        /// The variable.
        variable: String,
    },
    /// A pathway name that starts with neither `pre` nor `post`.
    #[error(
        "pathway `{name}`: pathway names start with `pre` (triggered by the source) or `post` (by the target)"
    )]
    PathwayName {
        /// The name.
        name: String,
    },
    /// A NeuronGroup where Synapses are needed.
    #[error("`{group}` is a NeuronGroup, not Synapses")]
    NotSynapses {
        /// The group.
        group: String,
    },
    /// Synapses where a NeuronGroup is needed (a Poisson input's target).
    #[error("a Poisson input targets a group of neurons, and `{group}` is synapses")]
    NotNeurons {
        /// The synapses.
        group: String,
    },
    /// A generated target outside the target group.
    #[error(
        "connect: neuron {i} would connect to {j}, outside the target's {n} neurons (Brian2's skip_if_invalid skips such pairs)"
    )]
    ConnectTarget {
        /// The source neuron.
        i: u32,
        /// The target generated.
        j: i64,
        /// Neurons of the target.
        n: usize,
    },
    /// A generator's range with a step of 0.
    #[error("connect: a range step of 0")]
    ZeroStep,
    /// Spikes of a spike generator that are not valid.
    #[error(transparent)]
    SpikeTrain(#[from] SpikeTrainError),
    /// A Poisson input's numbers that are not valid.
    #[error(transparent)]
    PoissonInput(#[from] PoissonInputError),
    /// A timed array's name that cannot be used.
    #[error("{}", timed_array_name(name, *problem))]
    TimedArrayName {
        /// The name.
        name: String,
        /// What is wrong with it.
        problem: NameProblem,
    },
    /// A timed array's values that are not valid.
    #[error(transparent)]
    TimedArray(#[from] ganglion_model::inputs::TimedArrayError),
}

/// What is wrong with a timed array's name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameProblem {
    /// Not an identifier model code could call.
    NotIdentifier,
    /// Another timed array has it.
    Taken,
    /// A namespace constant has it.
    Constant,
}

fn not_writable(variable: &str, reason: &NotWritable) -> String {
    match reason {
        NotWritable::Subexpression => format!("`{variable}` is a subexpression and cannot be set"),
        NotWritable::ReadOnly { synaptic: true } => {
            format!("`{variable}` of synapses is read-only")
        }
        NotWritable::ReadOnly { synaptic: false } => format!("`{variable}` is read-only"),
        NotWritable::Unknown { suggestion } => {
            let hint = suggestion
                .as_ref()
                .map(|s| format!(" (did you mean `{s}`?)"))
                .unwrap_or_default();
            format!("there is no variable `{variable}`{hint}")
        }
    }
}

fn unfit(group: &str, variable: &str, problem: &Unfit) -> String {
    match problem {
        Unfit::Units { given, expected } => format!(
            "cannot set `{variable}` of `{group}` to {given}: it has units of {expected}, not {}",
            given.dim
        ),
        Unfit::Length { given, expected } => format!(
            "cannot set `{variable}` of `{group}` from {given} values: the group has {expected}"
        ),
        Unfit::NotWhole => {
            format!("`{variable}` is an integer variable; the values must be whole numbers")
        }
        Unfit::ValuesWithCondition => {
            "conditional assignment takes a quantity or an expression".to_string()
        }
        Unfit::Index { index, len } => {
            format!("index {index} is out of range for `{variable}` of `{group}` ({len} elements)")
        }
    }
}

fn timed_array_name(name: &str, problem: NameProblem) -> String {
    match problem {
        NameProblem::NotIdentifier => format!(
            "`{name}` cannot name a timed array: use letters, digits and `_`, starting with a letter"
        ),
        NameProblem::Taken => format!("a timed array called `{name}` already exists"),
        NameProblem::Constant => {
            format!("`{name}` is a constant of the namespace; a timed array needs another name")
        }
    }
}

/// What went wrong.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Problems in model code (or a model file), shown with their source lines.
    #[error("{0}")]
    Model(Diagnostics),
    /// A request that does not fit the network.
    #[error(transparent)]
    Usage(Box<UsageError>),
    /// The runtime could not add an object or change a setting.
    #[error(transparent)]
    Build(#[from] BuildError),
    /// The run stopped early.
    #[error(transparent)]
    Run(#[from] RunError),
}

impl From<UsageError> for Error {
    fn from(e: UsageError) -> Error {
        Error::Usage(Box::new(e))
    }
}

impl Error {
    /// Diagnostics found without the code strings at hand (the network attaches its sources before the
    /// error reaches the user).
    pub(crate) fn model(list: Vec<Diagnostic>) -> Error {
        Error::Model(Diagnostics::new(list, Arc::default()))
    }

    /// The error with diagnostics pointing into `sources`.
    pub(crate) fn with_sources(self, sources: &Arc<SourceMap>) -> Error {
        match self {
            Error::Model(d) => Error::Model(Diagnostics::new(d.list, sources.clone())),
            other => other,
        }
    }

    /// The problems as diagnostics: those of model code as they are, any other error as one
    /// diagnostic without a place.
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        match self {
            Error::Model(d) => d.list.clone(),
            Error::Usage(e) => {
                vec![Diagnostic::error(e.to_string(), Span::default()).with_code("usage")]
            }
            Error::Build(e) => {
                vec![Diagnostic::error(e.to_string(), Span::default()).with_code("build")]
            }
            Error::Run(e) => {
                vec![Diagnostic::error(e.to_string(), Span::default()).with_code("run")]
            }
        }
    }
}

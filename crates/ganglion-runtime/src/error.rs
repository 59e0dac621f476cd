//! What can go wrong in the runtime: adding an object to a simulation, preparing a run, and running.
//!
//! Most of these are bugs of the layers above (a kernel naming an array nobody made); the others are
//! requests the runtime is the first to be able to judge (a link index of the wrong length, a `dt` the
//! current time is not a multiple of, a delay that is not finite). Each variant carries the facts;
//! callers decide how to show them.

use ganglion_ir::interp::BindError;
use ganglion_ir::{CompileError, SlotError, VerifyError};

/// Why an object could not be added to a simulation, or a setting changed.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The memory for a group's variable could not be had.
    #[error("not enough memory for `{variable}` of group `{group}` ({elements} elements)")]
    OutOfMemory {
        /// The group.
        group: String,
        /// The variable.
        variable: String,
        /// Its elements.
        elements: usize,
    },
    /// A kernel names an array of a group that does not exist.
    #[error("kernel `{kernel}` uses `{array}`: no group `{group}`")]
    UnknownGroup {
        /// The kernel.
        kernel: String,
        /// The array it names (`G.v`).
        array: String,
        /// The group named.
        group: String,
    },
    /// A kernel, monitor or link names a variable its group does not store.
    #[error("{user} uses `{variable}`, which group `{group}` does not have")]
    MissingVariable {
        /// What names it (`kernel `G.stateupdater``, `a monitor`, `a link`).
        user: String,
        /// The group.
        group: String,
        /// The variable.
        variable: String,
    },
    /// A kernel that is not valid IR (a bug of the code that made it).
    #[error(transparent)]
    InvalidKernel(#[from] VerifyError),
    /// A backend that could not prepare a kernel.
    #[error(transparent)]
    Compile(#[from] CompileError),
    /// A link whose index does not have one entry per element of the linked variable.
    #[error("the index has {found} entries, the group has {expected}")]
    LinkIndexLength {
        /// Elements of the linked variable.
        expected: usize,
        /// Entries of the index.
        found: usize,
    },
    /// A link index pointing outside its source.
    #[error("index {index} is out of range for `{source_group}` of {len} elements")]
    LinkIndexOutOfRange {
        /// The index.
        index: usize,
        /// The source group.
        source_group: String,
        /// Elements of the source variable.
        len: usize,
    },
    /// A link between variables of different sizes without an index.
    #[error(
        "cannot link `{target}` ({target_len} neurons) to `{source_group}.{variable}` ({source_len} elements) without an index"
    )]
    LinkSizes {
        /// The target group.
        target: String,
        /// Elements of the linked variable.
        target_len: usize,
        /// The source group.
        source_group: String,
        /// The source variable.
        variable: String,
        /// Elements of the source variable.
        source_len: usize,
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
    /// An object in a slot the schedule does not have, or a schedule that is not valid.
    #[error("`{object}`: {error}")]
    Slot {
        /// The object (empty for a schedule).
        object: String,
        /// What is wrong with the slot.
        error: SlotError,
    },
    /// A kernel run outside the schedule (an initial value, a state probe) that failed.
    #[error(transparent)]
    Call(#[from] BindError),
    /// A run could not be prepared.
    #[error(transparent)]
    Prepare(#[from] PrepareError),
    /// Something a simulation distributed over several processes does not do (yet): refused rather
    /// than run to a different answer than one process gives.
    #[error(
        "`{object}`: {what} is not supported when the network is distributed over several processes (MPI ranks); run it in one process"
    )]
    NotDistributed {
        /// The object, group or kernel.
        object: String,
        /// What it does that is not distributed.
        what: String,
    },
}

/// Why a pathway or a spike generator cannot run with the current state and `dt`.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum PrepareError {
    /// Synapses without an array their pathway needs (a bug).
    #[error("synapses `{synapses}` have no `{array}`")]
    MissingArray {
        /// The synapses.
        synapses: String,
        /// The array.
        array: String,
    },
    /// A synapse whose neuron is outside the pathway's source.
    #[error("synapse {synapse} of `{synapses}` refers to neuron {neuron}, outside {start}..{stop}")]
    OutsideSource {
        /// The synapses.
        synapses: String,
        /// The synapse.
        synapse: usize,
        /// The neuron it names.
        neuron: usize,
        /// First neuron of the source.
        start: usize,
        /// One past the last.
        stop: usize,
    },
    /// A delay that is negative or not finite.
    #[error("synapses `{synapses}`: a delay of {delay} s (delays are finite and not negative)")]
    Delay {
        /// The synapses.
        synapses: String,
        /// The delay (seconds).
        delay: f64,
    },
    /// A spike generator neuron with two spikes in one time step.
    #[error(
        "with dt = {dt} s, neuron {neuron} of `{generator}` spikes more than once in step {step}"
    )]
    RepeatedSpike {
        /// The generator's object.
        generator: String,
        /// Its time step.
        dt: f64,
        /// The neuron.
        neuron: u32,
        /// The step.
        step: i64,
    },
    /// A replay period shorter than a time step.
    #[error("the period of `{generator}` ({period} s) is shorter than its dt ({dt} s)")]
    Period {
        /// The generator's object.
        generator: String,
        /// The period (seconds).
        period: f64,
        /// Its time step (seconds).
        dt: f64,
    },
}

/// Why a run stopped early, or did not start.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// A state variable became NaN or infinite.
    #[error(
        "variable `{variable}` of group `{group}` became {value} for neuron {neuron} between t = {from_t} s (step {from_step}) and t = {t} s (step {step})"
    )]
    NonFinite {
        /// Group.
        group: String,
        /// Variable.
        variable: String,
        /// Neuron index.
        neuron: usize,
        /// The value (`NaN`, `inf`).
        value: String,
        /// Last step checked clean.
        from_step: i64,
        /// Its time.
        from_t: f64,
        /// Step at which it was found.
        step: i64,
        /// Its time.
        t: f64,
    },
    /// The run was stopped from outside.
    #[error("the run was interrupted at t = {t} s (step {step})")]
    Interrupted {
        /// Step.
        step: i64,
        /// Time.
        t: f64,
    },
    /// A duration that is negative or not finite.
    #[error("invalid duration {0} s")]
    Duration(f64),
    /// Kernels could not be compiled, or pathways and generators prepared, for the run.
    #[error(transparent)]
    Build(#[from] BuildError),
    /// A kernel call failed (a binding mismatch: a bug).
    #[error(transparent)]
    Call(#[from] BindError),
}

impl From<PrepareError> for RunError {
    fn from(e: PrepareError) -> RunError {
        RunError::Build(BuildError::Prepare(e))
    }
}

//! Ganglion's runtime: one array per variable, clocks as step counters, Brian2's schedule
//! (`start, groups, thresholds, synapses, resets, end` with `before_`/`after_` slots, objects sorted by
//! slot, order and name), event buffers, monitors, and the loop that calls compiled kernels.
//!
//! Kernels run through the IR crate's [`ganglion_ir::Backend`] trait: the interpreter or the JIT.
//! Random numbers are counter-based (seed, kernel, step, neuron), so results do not depend on either.
//!
//! Not here: models, units and names (`ganglion-model`), kernel generation (`ganglion-lower`), the
//! user-facing API (`ganglion`).

pub mod clock;
pub mod monitor;
mod network;
pub mod synapses;

pub use clock::Clock;
pub use monitor::{RateData, SmoothingWindow, SpikeData, StateData};
pub use network::{
    ClockId, DEFAULT_SCHEDULE, Group, GroupId, Link, Network, ObjectId, ObjectInfo, Progress,
    RunError, Snapshot, Window,
};

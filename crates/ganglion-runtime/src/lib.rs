//! Ganglion's runtime: one array per variable, clocks as step counters, Brian2's schedule
//! (`start, groups, thresholds, synapses, resets, end` with `before_`/`after_` slots, objects sorted by
//! slot, order and name), event buffers, monitors, and the loop that calls compiled kernels.
//!
//! A [`Simulation`] is the run-time side of a network: the API crate builds one from checked, lowered
//! models and drives it. Kernels run through the IR crate's [`ganglion_ir::Backend`] trait: the
//! interpreter or the JIT. Random numbers are counter-based (seed, kernel, step, neuron), so results do
//! not depend on either, nor on the number of threads.
//!
//! Not here: models, units and names (`ganglion-model`), kernel generation (`ganglion-lower`), the
//! user-facing API (`ganglion`).

pub mod clock;
pub mod distribute;
mod error;
mod group;
pub mod monitor;
mod objects;
mod run;
mod simulation;
mod snapshot;
pub mod synapses;

pub use clock::Clock;
pub use distribute::{Alone, Exchange, ExchangeStats, InProcess, Layout, Numbers};
pub use error::{BuildError, PrepareError, RunError};
pub use ganglion_ir::{DEFAULT_SCHEDULE, Schedule, Slot, SlotError};
pub use group::{Group, GroupId, Link};
pub use monitor::{RateData, SmoothingWindow, SpikeData, StateData, Window};
pub use objects::{ClockId, ObjectId, ObjectInfo};
pub use run::Progress;
pub use simulation::Simulation;
pub use snapshot::Snapshot;

//! Ganglion: Brian2's model language, compiled to native code.
//!
//! Build a [`Network`], add [`NeuronGroup`]s described as in Brian2 (equations, threshold, reset,
//! refractory period, events), set their state, add monitors, and run:
//!
//! ```
//! use ganglion::{BackendChoice, Network, NeuronGroup, SpikeMonitor};
//! use ganglion_units::Quantity;
//!
//! let mut net = Network::new(BackendChoice::Interpreter);
//! net.set_constant("tau", Quantity::parse("10*ms").unwrap());
//! let g = net
//!     .add_group(
//!         NeuronGroup::new(10, "dv/dt = (v0 - v)/tau : volt (unless refractory)\nv0 : volt")
//!             .threshold("v > 10*mV")
//!             .reset("v = 0*mV")
//!             .refractory("5*ms")
//!             .method("exact"),
//!     )
//!     .unwrap();
//! net.set(g, "v0", "20*mV * i / (N-1)").unwrap();
//! let spikes = net.add_spike_monitor(SpikeMonitor::new(g)).unwrap();
//! net.run(0.1).unwrap();
//! assert!(net.spike_data(spikes).unwrap().num_events() > 0);
//! ```
//!
//! A model file (TOML, see `docs/model-file.md`) builds the same through [`Network::from_model_file`].
//!
//! Inside, [`Network`] checks what users write (with `ganglion-model`) and hands the checked result
//! to a driver (`driver/`), which lowers it into kernels, pathways and schedule entries of the
//! runtime's `Simulation`. Model files take the same road: the checker resolves a file into a
//! `ModelPlan`, which `plan.rs` translates into driver calls.

mod driver;
mod error;
mod group;
mod handles;
mod inputs;
pub mod memory;
mod monitors;
mod network;
mod plan;
mod synapses;

pub use driver::Fusion;
pub use error::{Diagnostics, Error, NameProblem, UsageError};
pub use group::{ClockChoice, NeuronGroup, Refractory};
pub use handles::{GroupHandle, GroupObjects, MonitorHandle, Subgroup};
pub use inputs::{PoissonInput, TimedValues};
pub use monitors::{EventMonitor, RateMonitor, Record, SpikeMonitor, StateMonitor};
pub use network::{BackendChoice, Elements, Network, SetValue};
pub use plan::{RunPlan, Segment, SetOp};
pub use synapses::{Connect, SpikeGeneratorGroup, Synapses};

pub use ganglion_model::plan::Report;
pub use ganglion_runtime::{
    Alone, Exchange, ExchangeStats, InProcess, ObjectId, ObjectInfo, Progress, RateData,
    SmoothingWindow, Snapshot, SpikeData, StateData,
};

//! Ganglion's kernel IR: typed per-neuron code, its stable text form, a verifier, the reference
//! interpreter, and the counter-based random numbers and matrix exponential every backend shares.
//!
//! The IR is unit-free: every value is in SI base units. A [`Kernel`] is one scheduled operation of a
//! group (state update, threshold, reset, ...) in three blocks — setup (once per run), scalar (once per
//! step) and vector (per neuron) — over arrays it loads and stores. [`interp`] runs kernels and is the
//! oracle the JIT is tested against. Built-in functions are described once, in [`builtins`].
//!
//! Not here: units and names of the model language (`ganglion-model`), how kernels are derived from a
//! model (`ganglion-lower`), machine code (`ganglion-jit`).

pub mod backend;
pub mod builder;
pub mod builtins;
pub mod expm;
pub mod interp;
pub mod kernel;
pub mod math;
pub mod passes;
mod print;
pub mod random;
pub mod schedule;
pub mod split;
mod verify;

pub use backend::{Backend, CompileError, CompiledKernel, Interpreter, Split, Workers};
pub use builder::{Builder, Level};
pub use builtins::{Builtin, ReturnType, UnitRule};
pub use kernel::*;
pub use print::kind_name;
pub use schedule::{DEFAULT_DT, DEFAULT_SCHEDULE, Position, Schedule, Slot, SlotError};
pub use split::{EventSplit, event_split};
pub use verify::{VerifyError, verify};

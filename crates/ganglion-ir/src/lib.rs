//! Ganglion's kernel IR (in progress).

pub mod builtins;

pub use builtins::{Builtin, ReturnType, UnitRule};

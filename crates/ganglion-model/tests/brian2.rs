//! Brian2's own tests, case by case, as checks of model text: each `#[test]` is named after the Brian2 test it
//! mirrors (brian-team/brian2 at `aec54d2`, `brian2/tests/`) plus the case, and asserts the kind of problem AND
//! the exact text its span covers — or, for a model Brian2 accepts, what the checker resolved.
//!
//! Where Brian2 tests something with its Python API (e.g. `NeuronGroup(0, ...)`), the case goes through a model
//! file instead. Cases that only exist in Python (`Equations(None)`, concatenation, `repr`) have no counterpart.

#[path = "common/mod.rs"]
mod common;

#[path = "brian2/equations.rs"]
mod equations;
#[path = "brian2/neurongroup.rs"]
mod neurongroup;
#[path = "brian2/parsing.rs"]
mod parsing;
#[path = "brian2/refractory.rs"]
mod refractory;
#[path = "brian2/units.rs"]
mod units;

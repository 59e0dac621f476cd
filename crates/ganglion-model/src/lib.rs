//! Semantic checks of Brian2 models: the checked, resolved model that code generation starts from.
//!
//! A NeuronGroup's equations, threshold, reset, refractory period and events are checked as Brian2
//! checks them — identifier rules, flags per class of equation, unit specifications, name resolution
//! through the namespaces, dimensions and types of every expression and statement, subexpression order,
//! noise — and the result is a [`NeuronGroupModel`]: resolved names, unit-free values, Brian2's
//! refractoriness rewrite recorded as facts (`unless_refractory`, `lastspike`, `not_refractory`).
//! Every problem is a [`ModelError`] with a span, rendered by the syntax crate's one renderer.
//!
//! Not here: parsing (`ganglion-syntax`), integration methods and code generation (`ganglion-lower`).

pub mod equations;
mod error;
pub mod expr;
mod file;
mod group;
pub mod inputs;
pub mod model;
mod namespace;
mod print;
mod statements;
pub mod symbolic;

pub use error::ModelError;
pub use expr::{Scope, Special, TExpr, TKind, ValueType, VarInfo};
pub use file::{CheckedModelFile, DEFAULT_SCHEDULE, check_code_expr, group_scope};
pub use group::{
    Code, EventSpec, Location, NeuronGroupSpec, OnEventSpec, RefractorySpec, SynapseContext,
    check_block, check_neuron_group, check_synapses, substituted,
};
pub use inputs::{TimedArrayData, check_poisson_input, check_poisson_target};
pub use model::*;
pub use namespace::{ExternalValue, Namespace, TimedArrayInfo, constant_value, eval_constant};
pub use statements::BlockRules;

use ganglion_modelfile::ModelFile;
use ganglion_syntax::Diagnostic;

/// Checks a model file; returns every diagnostic (errors and warnings), attached to their sources.
pub fn check_model_file(file: &ModelFile) -> Vec<Diagnostic> {
    file::check_model_file(file).1
}

/// Checks a model file and returns what passed along with the diagnostics.
pub fn check_model_file_full(file: &ModelFile) -> (CheckedModelFile, Vec<Diagnostic>) {
    file::check_model_file(file)
}

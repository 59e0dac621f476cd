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

pub mod assign;
pub mod connect;
pub mod equations;
mod error;
pub mod expr;
mod file;
mod group;
pub mod inputs;
pub mod model;
mod namespace;
pub mod plan;
mod print;
mod scope;
mod statements;
pub mod symbolic;

pub use error::ModelError;
pub use expr::{Scope, Special, TExpr, TKind, ValueType, VarInfo};
pub use file::{POISSON_MODEL, POISSON_THRESHOLD};
pub use group::{
    Code, EventSpec, Location, NeuronGroupSpec, OnEventSpec, RefractorySpec, SynapseContext,
    check_block, check_neuron_group, check_synapses, substituted,
};
pub use inputs::{
    LinkError, PoissonInputError, SpikeTrainError, TimedArrayData, check_link, check_poisson_input,
    check_poisson_target, check_spike_train, poisson_probability,
};
pub use model::*;
pub use namespace::{ExternalValue, Namespace, TimedArrayInfo, constant_value, eval_constant};
pub use plan::{Dtypes, ModelPlan};
pub use scope::{
    Recordable, check_code_expr, group_scope, recordable, recordable_names, synapse_scope,
};
pub use statements::BlockRules;

use ganglion_modelfile::ModelFile;
use ganglion_syntax::Diagnostic;

/// Checks a model file; returns every diagnostic (errors and warnings), attached to their sources.
pub fn check_model_file(file: &ModelFile) -> Vec<Diagnostic> {
    file::check_model_file(file).1
}

/// Checks a model file and resolves it into a plan (complete only when no diagnostic is an error).
pub fn plan_model_file(file: &ModelFile) -> (ModelPlan, Vec<Diagnostic>) {
    file::check_model_file(file)
}

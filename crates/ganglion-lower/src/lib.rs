//! Lowering: a checked NeuronGroup model becomes IR kernels, one per scheduled object — state updater
//! (with Brian2's refractoriness line first), thresholders, resetters and event code, the updater of
//! `(constant over dt)` subexpressions — using the integration method chosen as Brian2 chooses it.
//!
//! Integration methods are data where Brian2 has them as data: `euler`, `rk2`, `rk4`, `milstein` and
//! `heun` are description strings in Brian2's language, parsed and applied by one routine that also
//! takes a user's own description. `exact` finds `dX/dt = M X + B` by symbolic differentiation and
//! integrates it with a matrix exponential; `exponential_euler` handles conditionally linear systems.
//!
//! Not here: checking (`ganglion-model`), running kernels (`ganglion-ir`'s interpreter, `ganglion-jit`),
//! the schedule (`ganglion-runtime`).

pub mod codegen;
mod fuse;
mod group;
pub mod methods;
mod phases;
pub mod symbolic;
mod synapses;

pub use codegen::{StorageInfo, StorageMap, TIMED_ARRAY_GROUP, Via};
pub use fuse::{FuseError, fuse};
pub use group::{
    Dtypes, GroupKernels, LowerError, LowerOptions, lower_assignment, lower_code, lower_event_code,
    lower_group, lower_poisson_input, storage_map,
};
pub use methods::{ChoiceError, Method, MethodChoice, MethodError, Plan, System};
pub use synapses::{
    SYNAPSE_INDICES, SYNAPSE_SIZES, SynapseKernels, SynapseSides, lower_synapses, synapse_storage,
};

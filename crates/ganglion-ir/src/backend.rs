//! The interface between the runtime and whatever executes kernels: the reference interpreter here,
//! native code in `ganglion-jit`.

use crate::interp::{self, BindError, Bindings, SetupValues, Value};
use crate::kernel::Kernel;
use crate::verify::VerifyError;

/// Why a backend could not prepare a kernel.
#[derive(Debug, thiserror::Error)]
pub enum CompileError {
    /// The kernel breaks a rule of the IR (every backend verifies what it is given).
    #[error(transparent)]
    Verify(#[from] VerifyError),
    /// The backend failed on a kernel that passed the verifier.
    #[error("{backend} backend: {source}")]
    Backend {
        /// The backend's name ([`Backend::name`]).
        backend: &'static str,
        /// The kernel.
        kernel: String,
        /// What failed, in the backend's terms.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// A kernel prepared by a backend, ready to be called every step.
pub trait CompiledKernel: Send {
    /// Runs the kernel's setup block with this run's parameter values (external constants) and `dt`.
    fn setup(&mut self, params: &[Value], dt: f64);
    /// Runs the kernel once (its scalar block, then its vector block over the domain).
    fn call(&mut self, bindings: &mut Bindings<'_>) -> Result<(), BindError>;
    /// Runs the kernel once, splitting the neurons into ranges run by `workers` where that is safe and
    /// each range has at least `grain` work (IR instructions per neuron × neurons); the result is
    /// exactly `call`'s (events in neuron order). The default runs `call`.
    fn call_parallel(
        &mut self,
        bindings: &mut Bindings<'_>,
        workers: &dyn Workers,
        grain: usize,
    ) -> Result<(), BindError> {
        let _ = (workers, grain);
        self.call(bindings)
    }

    /// Runs an event kernel once, its event buffer cut into the ranges of `split` run by `workers`, where
    /// the kernel allows it ([`crate::event_split`]), the ranges keep to their keys (checked) and each
    /// range has at least `grain` work; the result is exactly `call`'s. The default runs `call`.
    fn call_split(
        &mut self,
        bindings: &mut Bindings<'_>,
        workers: &dyn Workers,
        grain: usize,
        split: &Split<'_>,
    ) -> Result<(), BindError> {
        let _ = (workers, grain, split);
        self.call(bindings)
    }
}

/// An event buffer cut into ranges for threads: range `r` is `ranges[r]..ranges[r + 1]` of the buffer,
/// and the key ([`crate::EventSplit`]) of each of its elements lies in `keys[r]..keys[r + 1]`.
#[derive(Clone, Copy, Debug)]
pub struct Split<'a> {
    /// Where each range starts in the buffer, and where the last ends (`ranges.len()` = ranges + 1).
    pub ranges: &'a [usize],
    /// The keys each range holds, as bounds like `ranges`' (ascending, so the ranges' keys are disjoint).
    pub keys: &'a [usize],
}

/// Threads that run jobs borrowed from the caller: `run` returns when every job is done.
pub trait Workers: Sync {
    /// How many threads, the caller's included.
    fn threads(&self) -> usize;
    /// Runs the jobs (the first on the calling thread) and returns when all are done.
    fn run<'a>(&self, jobs: Vec<Box<dyn FnOnce() + Send + 'a>>);
}

/// Something that prepares kernels for execution.
pub trait Backend: Send {
    /// Its name (`interp`, `jit`).
    fn name(&self) -> &'static str;
    /// Prepares a kernel.
    fn compile(&mut self, kernel: &Kernel) -> Result<Box<dyn CompiledKernel>, CompileError>;
    /// Threads for a run on `threads` threads, or none where the backend runs everything on the
    /// calling thread (the interpreter).
    fn workers(&self, threads: usize) -> Option<Box<dyn Workers>> {
        let _ = threads;
        None
    }
    /// How long each kernel prepared so far took to compile, by kernel name, in order (empty for
    /// backends that do not compile).
    fn compile_times(&self) -> &[(String, std::time::Duration)] {
        &[]
    }
}

/// The reference interpreter as a backend.
#[derive(Clone, Copy, Debug, Default)]
pub struct Interpreter;

struct Interpreted {
    kernel: Kernel,
    setup: SetupValues,
}

impl CompiledKernel for Interpreted {
    fn setup(&mut self, params: &[Value], dt: f64) {
        self.setup = interp::run_setup(&self.kernel, params, dt);
    }

    fn call(&mut self, bindings: &mut Bindings<'_>) -> Result<(), BindError> {
        interp::run(&self.kernel, &self.setup, bindings)
    }
}

impl Backend for Interpreter {
    fn name(&self) -> &'static str {
        "interp"
    }

    fn compile(&mut self, kernel: &Kernel) -> Result<Box<dyn CompiledKernel>, CompileError> {
        crate::verify(kernel)?;
        Ok(Box::new(Interpreted {
            kernel: kernel.clone(),
            setup: SetupValues::default(),
        }))
    }
}

//! Ganglion's JIT: kernel IR → Cranelift IR → native code.
//!
//! Each kernel becomes one function `fn(*const CallCtx)` (see `translate`): its scalar block once,
//! then the vector block in a loop two neurons at a time (f64x2) with a one-neuron tail. Setup blocks run
//! in the interpreter once per run (they are cheap and this keeps their values identical on both
//! backends); the compiled code reads their values from a buffer. Built-in functions call the same Rust
//! functions the interpreter uses, and random numbers are the same counter-based hash inline, so the JIT
//! agrees with the interpreter bit for bit.
//!
//! `unsafe` lives in one module, `abi` (the call context, its field offsets, and the one function that
//! calls generated code, with the checks that make its contract hold), and in the crew's lifetime
//! erasure (`crew`), guarded so that no job outlives its call even when one panics.
//!
//! Not here: what kernels mean (`ganglion-ir`), where they come from (`ganglion-lower`).

#[allow(unsafe_code)]
mod abi;
#[allow(unsafe_code)]
mod crew;
mod helpers;
mod math;
mod translate;

use std::time::{Duration, Instant};

pub use abi::{WideLoop, on_widest_vectors, slice_math};
use cranelift_codegen::ir::{AbiParam, Signature, UserFuncName, types};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_codegen::{CodegenError, Context};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{Linkage, Module, ModuleError};
use ganglion_ir::interp::{BindError, Bindings, Value};
use ganglion_ir::{
    Backend, CompileError, CompiledKernel, Domain, Kernel, Split, VerifyError, Workers,
};

/// Ranges of a parallel call start at multiples of this many neurons, so that two threads never write to
/// the same cache line, even of a boolean array.
const ALIGN: usize = 64;

/// How many instructions over neurons one instruction over an event buffer is worth, for the grain of
/// parallel calls: synaptic code gathers and scatters at random neurons (cache misses), where a group's
/// code streams through its arrays. Measured on CUBA (160,000 neurons): splitting buffers of a few
/// thousand synapses pays.
const EVENT_WEIGHT: usize = 256;

/// Why the JIT could not compile a kernel.
#[derive(Debug, thiserror::Error)]
pub enum JitError {
    /// Cranelift has no code generator for this machine.
    #[error("Cranelift does not support this machine: {reason}")]
    UnsupportedMachine {
        /// Cranelift's reason.
        reason: &'static str,
    },
    /// Cranelift refused one of the JIT's settings.
    #[error("Cranelift refused the setting `{setting}`: {source}")]
    Setting {
        /// The setting's name.
        setting: &'static str,
        /// Why.
        source: settings::SetError,
    },
    /// Cranelift could not build the code generator for this machine.
    #[error("Cranelift cannot build the code generator for this machine: {0}")]
    Isa(#[source] CodegenError),
    /// The kernel breaks a rule of the IR.
    #[error(transparent)]
    Verify(#[from] VerifyError),
    /// Cranelift failed on the kernel's function.
    #[error("Cranelift failed {stage} the function of kernel `{kernel}`: {source:?}")]
    Module {
        /// The kernel.
        kernel: String,
        /// What Cranelift was doing.
        stage: Stage,
        /// Why it failed (shown in full: Cranelift's own message leaves out its verifier's findings).
        source: Box<ModuleError>,
    },
}

/// What Cranelift was doing with a kernel's function when it failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Declaring it in its module.
    Declaring,
    /// Compiling it to machine code.
    Defining,
    /// Making its code executable.
    Finalizing,
}

impl std::fmt::Display for Stage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Stage::Declaring => "declaring",
            Stage::Defining => "compiling",
            Stage::Finalizing => "finalizing",
        })
    }
}

/// Options of the JIT.
#[derive(Clone, Copy, Debug)]
pub struct JitOptions {
    /// Run Cranelift's verifier on every function (slower compiles; on in tests).
    pub verify: bool,
}

impl Default for JitOptions {
    fn default() -> Self {
        JitOptions {
            verify: cfg!(debug_assertions),
        }
    }
}

/// The JIT backend: compiles kernels with Cranelift.
pub struct Jit {
    options: JitOptions,
    ctx: Option<Context>,
    fctx: FunctionBuilderContext,
    /// Total time spent compiling.
    pub compile_time: Duration,
    /// Time spent compiling each kernel, in order.
    times: Vec<(String, Duration)>,
}

impl Jit {
    /// A JIT with the given options.
    pub fn new(options: JitOptions) -> Jit {
        Jit {
            options,
            ctx: None,
            fctx: FunctionBuilderContext::new(),
            compile_time: Duration::ZERO,
            times: Vec::new(),
        }
    }

    fn module(&self) -> Result<JITModule, JitError> {
        let mut flag_builder = settings::builder();
        let verify = if self.options.verify { "true" } else { "false" };
        for (setting, value) in [
            ("use_colocated_libcalls", "false"),
            ("is_pic", "false"),
            ("opt_level", "speed"),
            ("enable_verifier", verify),
        ] {
            flag_builder
                .set(setting, value)
                .map_err(|source| JitError::Setting { setting, source })?;
        }
        let isa_builder = cranelift_native::builder()
            .map_err(|reason| JitError::UnsupportedMachine { reason })?;
        let isa = isa_builder
            .finish(settings::Flags::new(flag_builder))
            .map_err(JitError::Isa)?;
        let mut builder = JITBuilder::with_isa(isa, cranelift_module::default_libcall_names());
        for (name, ptr) in helpers::symbols() {
            builder.symbol(name, ptr);
        }
        Ok(JITModule::new(builder))
    }

    /// Translates a kernel into Cranelift IR, without compiling it (`ganglion ir --stage clif`).
    pub fn clif(&mut self, kernel: &Kernel) -> Result<String, JitError> {
        let mut module = self.module()?;
        let mut ctx = module.make_context();
        self.build(&mut module, &mut ctx, kernel)?;
        Ok(ctx.func.display().to_string())
    }

    /// Compiles a kernel and returns its machine code as Cranelift prints it after register allocation
    /// (`ganglion ir --stage asm`).
    pub fn asm(&mut self, kernel: &Kernel) -> Result<String, JitError> {
        let mut module = self.module()?;
        let mut ctx = module.make_context();
        self.build(&mut module, &mut ctx, kernel)?;
        ctx.set_disasm(true);
        let id = module
            .declare_function("kernel", Linkage::Local, &Jit::signature(&module))
            .map_err(|e| JitError::Module {
                kernel: kernel.name.clone(),
                stage: Stage::Declaring,
                source: Box::new(e),
            })?;
        module
            .define_function(id, &mut ctx)
            .map_err(|e| JitError::Module {
                kernel: kernel.name.clone(),
                stage: Stage::Defining,
                source: Box::new(e),
            })?;
        Ok(ctx
            .compiled_code()
            .and_then(|c| c.vcode.clone())
            .unwrap_or_default())
    }

    /// The signature of every kernel's function: one pointer (to the call's context) in the platform's
    /// C calling convention.
    fn signature(module: &JITModule) -> Signature {
        let mut sig = module.make_signature();
        sig.params.push(AbiParam::new(types::I64));
        sig
    }

    fn build(
        &mut self,
        module: &mut JITModule,
        ctx: &mut Context,
        kernel: &Kernel,
    ) -> Result<Vec<u128>, JitError> {
        ganglion_ir::verify(kernel)?;
        ctx.func.signature = Jit::signature(module);
        let builder = FunctionBuilder::new(&mut ctx.func, &mut self.fctx);
        Ok(translate::Translator::new(builder, module, kernel).translate())
    }

    /// Compiles a kernel to native code.
    pub fn compile_kernel(&mut self, kernel: &Kernel) -> Result<JitKernel, JitError> {
        let started = Instant::now();
        let mut module = self.module()?;
        let mut ctx = self.ctx.take().unwrap_or_else(|| module.make_context());
        ctx.clear();
        let failed = |stage: Stage| {
            move |e: ModuleError| JitError::Module {
                kernel: kernel.name.clone(),
                stage,
                source: Box::new(e),
            }
        };
        let id = module
            .declare_function(
                &format!("kernel_{}", kernel.name.replace('.', "_")),
                Linkage::Local,
                &Jit::signature(&module),
            )
            .map_err(failed(Stage::Declaring))?;
        let consts = self.build(&mut module, &mut ctx, kernel)?;
        ctx.func.name = UserFuncName::user(0, id.as_u32());
        module
            .define_function(id, &mut ctx)
            .map_err(failed(Stage::Defining))?;
        module.clear_context(&mut ctx);
        self.ctx = Some(ctx);
        module
            .finalize_definitions()
            .map_err(failed(Stage::Finalizing))?;
        self.compile_time += started.elapsed();
        self.times.push((kernel.name.clone(), started.elapsed()));
        Ok(JitKernel {
            per_neuron: work_per_neuron(kernel),
            code: abi::Code::new(module, id, kernel, consts),
        })
    }
}

impl Default for Jit {
    fn default() -> Self {
        Jit::new(JitOptions::default())
    }
}

/// A compiled kernel.
pub struct JitKernel {
    code: abi::Code,
    /// What one neuron costs, roughly ([`work_per_neuron`]).
    per_neuron: usize,
}

/// What one neuron of the kernel costs, roughly, in simple instructions: a built-in function (an inline
/// exponential is a few dozen machine instructions) or a random draw counts as 16.
fn work_per_neuron(k: &Kernel) -> usize {
    let mut n = 0;
    k.vector.walk(&mut |i| {
        n += match i.op {
            ganglion_ir::Op::Call(..)
            | ganglion_ir::Op::Random { .. }
            | ganglion_ir::Op::Binomial { .. } => 16,
            _ => 1,
        }
    });
    n.max(1)
}

impl CompiledKernel for JitKernel {
    fn setup(&mut self, params: &[Value], dt: f64) {
        self.code.setup(params, dt);
    }

    fn call(&mut self, b: &mut Bindings<'_>) -> Result<(), BindError> {
        self.code.call(b)
    }

    /// Splits the neurons into ranges (multiples of [`ALIGN`] neurons) when the kernel allows it and the
    /// group is large enough.
    fn call_parallel(
        &mut self,
        b: &mut Bindings<'_>,
        workers: &dyn Workers,
        grain: usize,
    ) -> Result<(), BindError> {
        let n = b.n;
        let chunks = workers
            .threads()
            .min(n * self.per_neuron / grain.max(1))
            .min(n / ALIGN);
        if chunks <= 1 || !self.code.parallel() {
            return self.code.call(b);
        }
        let bounds: Vec<usize> = (0..=chunks)
            .map(|c| {
                if c == chunks {
                    n
                } else {
                    (n * c / chunks) / ALIGN * ALIGN
                }
            })
            .collect();
        self.code.call_ranges(b, workers, &bounds)
    }

    /// Splits the event buffer when the kernel allows it ([`ganglion_ir::event_split`]) and there is
    /// enough work (an element weighs [`EVENT_WEIGHT`] neurons).
    fn call_split(
        &mut self,
        b: &mut Bindings<'_>,
        workers: &dyn Workers,
        grain: usize,
        split: &Split<'_>,
    ) -> Result<(), BindError> {
        let Domain::Events(e) = self.code.kernel().domain else {
            return self.code.call(b);
        };
        let len = b.events[e.0 as usize].len();
        if !self.code.splittable() || len * self.per_neuron * EVENT_WEIGHT < grain.saturating_mul(2)
        {
            return self.code.call(b);
        }
        self.code.call_split(b, workers, split)
    }
}

impl Backend for Jit {
    fn name(&self) -> &'static str {
        "jit"
    }

    fn compile(&mut self, kernel: &Kernel) -> Result<Box<dyn CompiledKernel>, CompileError> {
        match self.compile_kernel(kernel) {
            Ok(k) => Ok(Box::new(k)),
            Err(JitError::Verify(e)) => Err(CompileError::Verify(e)),
            Err(e) => Err(CompileError::Backend {
                backend: self.name(),
                kernel: kernel.name.clone(),
                source: Box::new(e),
            }),
        }
    }

    fn workers(&self, threads: usize) -> Option<Box<dyn Workers>> {
        (threads > 1).then(|| Box::new(crew::Crew::new(threads)) as Box<dyn Workers>)
    }

    fn compile_times(&self) -> &[(String, Duration)] {
        &self.times
    }
}

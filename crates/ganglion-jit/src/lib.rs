//! Ganglion's JIT: kernel IR → Cranelift IR → native code.
//!
//! Each kernel becomes one function `fn(*const CallCtx)` (see `translate.rs`): its scalar block once,
//! then the vector block in a loop two neurons at a time (f64x2) with a one-neuron tail. Setup blocks run
//! in the interpreter once per run (they are cheap and this keeps their values identical on both
//! backends); the compiled code reads their values from a buffer. Built-in functions call the same Rust
//! functions the interpreter uses, and random numbers are the same counter-based hash inline, so the JIT
//! agrees with the interpreter bit for bit.
//!
//! The one `unsafe` boundary is [`JitKernel::call`], where a finalized function pointer is called.
//!
//! Not here: what kernels mean (`ganglion-ir`), where they come from (`ganglion-lower`).

mod crew;
mod helpers;
mod math;
mod translate;

use std::time::{Duration, Instant};

use cranelift_codegen::ir::{AbiParam, UserFuncName, types};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_codegen::{Context, ir::Signature};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{Linkage, Module};
use ganglion_ir::interp::{self, ArrayData, BindError, Bindings, Clock, SetupValues, Value};
use ganglion_ir::{
    Backend, CompiledKernel, Domain, EventSplit, Extent, Kernel, Split, Workers, event_split,
};

/// What a compiled kernel reads: pointers to the bound data, the clock and the random key.
#[repr(C)]
pub struct CallCtx {
    arrays: *const *mut u8,
    params: *const u64,
    setup: *const u64,
    events: *const *mut u32,
    counts: *mut u64,
    indices: *const u32,
    len: u64,
    t: f64,
    dt: f64,
    step: i64,
    keys: *const u64,
    consts: *const u128,
    lens: *const u64,
    fault: *mut u64,
    /// The index of the first neuron of this call (neurons `first..first + len`; arrays start there).
    first: i64,
}

/// What differs between the ranges of a parallel call.
struct RangeCtx {
    arrays: *const *mut u8,
    events: *const *mut u32,
    counts: *mut u64,
    indices: *const u32,
    len: usize,
    first: usize,
    fault: *mut u64,
}

/// A call context handed to another thread.
struct ChunkCall(CallCtx);

// SAFETY: a `ChunkCall` is built for one range of neurons and run by exactly one thread, inside a scope
// that outlives it; what its pointers reach is either read-only for every chunk (parameters, setup
// values, keys, constants, lengths, and arrays of one element or reached by computed index, which a
// parallel kernel only reads) or owned by this chunk alone (its slice of each per-neuron array, its event
// buffers, counts and fault flag).
#[allow(unsafe_code)]
unsafe impl Send for ChunkCall {}

/// Ranges of a parallel call start at multiples of this many neurons, so that two threads never write to
/// the same cache line, even of a boolean array.
const ALIGN: usize = 64;

/// How many instructions over neurons one instruction over an event buffer is worth, for the grain of
/// parallel calls: synaptic code gathers and scatters at random neurons (cache misses), where a group's
/// code streams through its arrays. Measured on CUBA (160,000 neurons): splitting buffers of a few
/// thousand synapses pays.
const EVENT_WEIGHT: usize = 256;

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

    fn module(&self) -> Result<JITModule, String> {
        let mut flag_builder = settings::builder();
        let set =
            |fb: &mut settings::Builder, k: &str, v: &str| fb.set(k, v).map_err(|e| e.to_string());
        set(&mut flag_builder, "use_colocated_libcalls", "false")?;
        set(&mut flag_builder, "is_pic", "false")?;
        set(&mut flag_builder, "opt_level", "speed")?;
        set(
            &mut flag_builder,
            "enable_verifier",
            if self.options.verify { "true" } else { "false" },
        )?;
        let isa_builder = cranelift_native::builder()
            .map_err(|e| format!("this machine is not supported: {e}"))?;
        let isa = isa_builder
            .finish(settings::Flags::new(flag_builder))
            .map_err(|e| e.to_string())?;
        let mut builder = JITBuilder::with_isa(isa, cranelift_module::default_libcall_names());
        for (name, ptr) in helpers::symbols() {
            builder.symbol(name, ptr);
        }
        Ok(JITModule::new(builder))
    }

    /// Translates a kernel into Cranelift IR, without compiling it (`ganglion ir --stage clif`).
    pub fn clif(&mut self, kernel: &Kernel) -> Result<String, String> {
        let mut module = self.module()?;
        let mut ctx = module.make_context();
        self.build(&mut module, &mut ctx, kernel)?;
        Ok(ctx.func.display().to_string())
    }

    fn build(
        &mut self,
        module: &mut JITModule,
        ctx: &mut Context,
        kernel: &Kernel,
    ) -> Result<Vec<u128>, String> {
        ganglion_ir::verify(kernel).map_err(|e| e.to_string())?;
        let mut sig: Signature = module.make_signature();
        sig.params.push(AbiParam::new(types::I64));
        ctx.func.signature = sig;
        let builder = FunctionBuilder::new(&mut ctx.func, &mut self.fctx);
        Ok(translate::Translator::new(builder, module, kernel).translate())
    }

    /// Compiles a kernel to native code.
    pub fn compile_kernel(&mut self, kernel: &Kernel) -> Result<JitKernel, String> {
        let started = Instant::now();
        let mut module = self.module()?;
        let mut ctx = self.ctx.take().unwrap_or_else(|| module.make_context());
        ctx.clear();
        let sig = {
            let mut s = module.make_signature();
            s.params.push(AbiParam::new(types::I64));
            s
        };
        let id = module
            .declare_function(
                &format!("kernel_{}", kernel.name.replace('.', "_")),
                Linkage::Local,
                &sig,
            )
            .map_err(|e| e.to_string())?;
        let consts = self.build(&mut module, &mut ctx, kernel)?;
        ctx.func.name = UserFuncName::user(0, id.as_u32());
        module
            .define_function(id, &mut ctx)
            .map_err(|e| format!("compiling kernel `{}`: {e:?}", kernel.name))?;
        module.clear_context(&mut ctx);
        self.ctx = Some(ctx);
        module.finalize_definitions().map_err(|e| e.to_string())?;
        let code = module.get_finalized_function(id);
        self.compile_time += started.elapsed();
        self.times.push((kernel.name.clone(), started.elapsed()));
        Ok(JitKernel {
            _module: module,
            code,
            kernel: kernel.clone(),
            setup: SetupValues::default(),
            setup_bits: vec![0; kernel.num_values as usize],
            setup_ready: false,
            emits: (0..kernel.events.len())
                .map(|e| emits_into(kernel, e))
                .collect(),
            parallel: parallel_safe(kernel),
            split: event_split(kernel),
            per_neuron: work_per_neuron(kernel),
            keys: Vec::new(),
            keys_seed: None,
            consts,
            arrays: Vec::new(),
            params: Vec::new(),
            counts: Vec::new(),
            events: Vec::new(),
            lens: Vec::new(),
            chunk_events: Vec::new(),
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
    // The module owns the code memory; it must outlive `code`.
    _module: JITModule,
    code: *const u8,
    kernel: Kernel,
    setup: SetupValues,
    setup_bits: Vec<u64>,
    /// Whether `setup` ran (a call without it runs it first, with the call's parameters).
    setup_ready: bool,
    /// Whether the kernel emits into each event buffer.
    emits: Vec<bool>,
    /// Whether ranges of neurons may run on different threads: a kernel over neurons that writes only
    /// the current neuron's elements (no shared or computed-index stores, nothing stored in scalar code).
    parallel: bool,
    /// How the elements of an event kernel may be divided between threads, if they may.
    split: Option<EventSplit>,
    /// What one neuron costs, roughly ([`work_per_neuron`]).
    per_neuron: usize,
    /// Random keys of the kernel's streams for `keys_seed`.
    keys: Vec<u64>,
    keys_seed: Option<u64>,
    /// The constants the vector code reads (16-byte aligned pairs of lanes).
    consts: Vec<u128>,
    // Buffers reused across calls.
    arrays: Vec<*mut u8>,
    params: Vec<u64>,
    counts: Vec<u64>,
    events: Vec<*mut u32>,
    lens: Vec<u64>,
    /// Each range's event buffers in parallel calls.
    chunk_events: Vec<Vec<Vec<u32>>>,
}

// SAFETY: `code` points into executable memory owned by `_module`, which moves with it and is never
// shared; the code itself is immutable and touches only the memory passed to each call.
#[allow(unsafe_code)]
unsafe impl Send for JitKernel {}

fn param_bits(v: &Value) -> u64 {
    match v {
        Value::F64(x) => x.to_bits(),
        Value::F32(x) => u64::from(x.to_bits()),
        Value::I64(x) => *x as u64,
        Value::I32(x) => *x as u32 as u64,
        Value::Bool(b) => u64::from(*b),
        Value::List(_) => 0,
    }
}

impl JitKernel {
    /// Runs the kernel on `bindings`.
    #[allow(unsafe_code)]
    pub fn call(&mut self, b: &mut Bindings<'_>) -> Result<(), BindError> {
        self.prepare_call(b)?;
        self.call_prepared(b)
    }

    /// Runs the kernel on `bindings`, the neurons split into ranges run on the threads of `pool` when
    /// the kernel allows it and the group is large enough; the same result as [`JitKernel::call`], bit
    /// for bit, events in neuron order.
    #[allow(unsafe_code)]
    pub fn call_parallel(
        &mut self,
        b: &mut Bindings<'_>,
        workers: &dyn Workers,
        grain: usize,
    ) -> Result<(), BindError> {
        let threads = workers.threads();
        let n = b.n;
        let chunks = threads
            .min(n * self.per_neuron / grain.max(1))
            .min(n / ALIGN);
        if chunks <= 1 || !self.parallel {
            return self.call(b);
        }
        self.prepare_call(b)?;
        let bounds: Vec<usize> = (0..=chunks)
            .map(|c| {
                if c == chunks {
                    n
                } else {
                    (n * c / chunks) / ALIGN * ALIGN
                }
            })
            .collect();
        let k = &self.kernel;
        let sizes: Vec<Option<usize>> = k
            .arrays
            .iter()
            .map(|a| (a.extent == Extent::PerNeuron).then(|| elem_bytes(a.ty)))
            .collect();
        struct Chunk {
            arrays: Vec<*mut u8>,
            events: Vec<Vec<u32>>,
            event_ptrs: Vec<*mut u32>,
            counts: Vec<u64>,
            fault: u64,
        }
        // Event buffers of the ranges, kept from call to call (large ones would be mapped and unmapped
        // at every step otherwise).
        let mut spare = std::mem::take(&mut self.chunk_events);
        spare.resize_with(chunks, Vec::new);
        let mut work: Vec<Chunk> = (0..chunks)
            .zip(spare.drain(..))
            .map(|(c, mut events)| {
                let start = bounds[c];
                let len = bounds[c + 1] - start;
                let arrays = self
                    .arrays
                    .iter()
                    .zip(&sizes)
                    // SAFETY: `start` < n and per-neuron arrays have at least n elements (checked in
                    // `prepare_call`), so the offset address is inside the array.
                    .map(|(p, size)| match size {
                        Some(s) => unsafe { p.add(start * s) },
                        None => *p,
                    })
                    .collect();
                events.resize_with(self.emits.len(), Vec::new);
                for (buf, &e) in events.iter_mut().zip(&self.emits) {
                    buf.clear();
                    if e {
                        buf.reserve(len);
                    }
                }
                let event_ptrs = events.iter_mut().map(|v| v.as_mut_ptr()).collect();
                Chunk {
                    arrays,
                    events,
                    event_ptrs,
                    counts: vec![0; k.events.len()],
                    fault: 0,
                }
            })
            .collect();
        let ranges: Vec<RangeCtx> = work
            .iter_mut()
            .enumerate()
            .map(|(c, w)| RangeCtx {
                arrays: w.arrays.as_ptr(),
                events: w.event_ptrs.as_ptr(),
                counts: w.counts.as_mut_ptr(),
                indices: std::ptr::null(),
                len: bounds[c + 1] - bounds[c],
                first: bounds[c],
                fault: &mut w.fault,
            })
            .collect();
        // SAFETY: as in `call_prepared`, for the neurons `first..first + len`: the arrays start at the
        // range's first neuron and hold `len` more; each range writes only its own elements and event
        // buffers (the kernel is `parallel`: no shared or computed-index stores, no stores in scalar code),
        // whose capacity is `len`, one index per neuron at most; everything else is only read. `work`
        // outlives the call.
        unsafe { self.run_ranges(b.clock, workers, ranges) };
        let mut fault = false;
        for w in &mut work {
            fault |= w.fault != 0;
            for (e, buf) in w.events.iter_mut().enumerate() {
                // SAFETY: the code wrote `counts[e]` indices into the buffer's capacity (`len`, at most one
                // per neuron of the range).
                unsafe { buf.set_len(w.counts[e] as usize) };
                b.events[e].extend_from_slice(buf);
            }
        }
        self.chunk_events = work.into_iter().map(|w| w.events).collect();
        self.faulted(fault)
    }

    /// Runs an event kernel on `bindings`, its event buffer cut into `split`'s ranges run on the threads
    /// of `workers` when the kernel allows it ([`event_split`]), every range keeps to its keys, and there
    /// is enough work; the same result as [`JitKernel::call`], bit for bit.
    #[allow(unsafe_code)]
    pub fn call_split(
        &mut self,
        b: &mut Bindings<'_>,
        workers: &dyn Workers,
        grain: usize,
        split: &Split<'_>,
    ) -> Result<(), BindError> {
        let (Some(how), Domain::Events(e)) = (self.split, self.kernel.domain) else {
            return self.call(b);
        };
        let e = e.0 as usize;
        let len = b.events[e].len();
        let chunks = split.ranges.len().saturating_sub(1);
        let shaped = chunks >= 2
            && chunks <= workers.threads()
            && split.keys.len() == split.ranges.len()
            && split.ranges[0] == 0
            && split.ranges[chunks] == len
            && split.ranges.windows(2).all(|w| w[0] <= w[1])
            && split.keys.windows(2).all(|w| w[0] <= w[1]);
        if !shaped || len * self.per_neuron * EVENT_WEIGHT < grain.saturating_mul(2) {
            return self.call(b);
        }
        self.prepare_call(b)?;
        // The ranges write disjoint memory when each keeps to its keys (disjoint intervals): check that,
        // a range per thread, before anything runs.
        let key_array: Option<&ArrayData> = match how {
            EventSplit::Element => None,
            EventSplit::Key(a) => Some(&*b.arrays[a.0 as usize]),
        };
        let buffer: &[u32] = b.events[e];
        let mut kept = vec![false; chunks];
        let checks: Vec<Box<dyn FnOnce() + Send + '_>> = kept
            .iter_mut()
            .enumerate()
            .map(|(c, kept)| {
                let elements = &buffer[split.ranges[c]..split.ranges[c + 1]];
                let keys = split.keys[c]..split.keys[c + 1];
                Box::new(move || {
                    *kept = match key_array {
                        None => elements.iter().all(|&s| keys.contains(&(s as usize))),
                        Some(ArrayData::I32(a)) => {
                            let a = a.as_slice();
                            elements.iter().all(|&s| {
                                a.get(s as usize)
                                    .is_some_and(|&k| k >= 0 && keys.contains(&(k as usize)))
                            })
                        }
                        Some(ArrayData::I64(a)) => {
                            let a = a.as_slice();
                            elements.iter().all(|&s| {
                                a.get(s as usize)
                                    .is_some_and(|&k| k >= 0 && keys.contains(&(k as usize)))
                            })
                        }
                        Some(_) => false,
                    };
                }) as Box<dyn FnOnce() + Send + '_>
            })
            .collect();
        workers.run(checks);
        if !kept.iter().all(|&k| k) {
            return self.call_prepared(b);
        }
        let indices = b.events[e].as_ptr();
        let n_events = b.events.len();
        let mut work: Vec<(Vec<u64>, u64)> = (0..chunks)
            .map(|_| {
                let counts = b.events.iter().map(|buf| buf.len() as u64).collect();
                (counts, 0)
            })
            .collect();
        self.events.clear();
        self.events
            .extend(b.events.iter_mut().map(|buf| buf.as_mut_ptr()));
        let ranges: Vec<RangeCtx> = work
            .iter_mut()
            .enumerate()
            .map(|(c, (counts, fault))| RangeCtx {
                arrays: self.arrays.as_ptr(),
                events: self.events.as_ptr(),
                counts: counts.as_mut_ptr(),
                // SAFETY: `ranges[c]` ≤ `len`, the buffer's length (checked above).
                indices: unsafe { indices.add(split.ranges[c]) },
                len: split.ranges[c + 1] - split.ranges[c],
                first: 0,
                fault,
            })
            .collect();
        // SAFETY: as in `call_prepared`, for the elements `ranges[c]..ranges[c + 1]` of the event buffer
        // (indices checked in `prepare_call` to be < n). The kernel emits nothing and stores nothing in
        // scalar code or to shared variables ([`event_split`]); it writes only the current element's
        // entries and, through the key, the key's entries of arrays read nowhere else. Each range's elements
        // were checked to have keys (or, split by element, indices) in its own interval, and the intervals
        // are disjoint, so no two threads touch the same written element. `work` outlives the call.
        unsafe { self.run_ranges(b.clock, workers, ranges) };
        debug_assert!(work.iter().all(|(c, _)| c.len() == n_events));
        let fault = work.iter().any(|(_, f)| *f != 0);
        self.faulted(fault)
    }

    /// Runs the code once for each range on the threads of `workers`; returns when every range is done.
    ///
    /// # Safety
    /// Every pointer of each range must be valid for a call of the code over the range, as in
    /// `call_prepared`, until this returns; and no range may write memory that another range reads or
    /// writes.
    #[allow(unsafe_code)]
    unsafe fn run_ranges(&self, clock: Clock, workers: &dyn Workers, ranges: Vec<RangeCtx>) {
        let code = self.code as usize;
        let jobs: Vec<Box<dyn FnOnce() + Send + '_>> = ranges
            .into_iter()
            .map(|r| {
                let call = ChunkCall(CallCtx {
                    arrays: r.arrays,
                    params: self.params.as_ptr(),
                    setup: self.setup_bits.as_ptr(),
                    events: r.events,
                    counts: r.counts,
                    indices: r.indices,
                    len: r.len as u64,
                    t: clock.t,
                    dt: clock.dt,
                    step: clock.step,
                    keys: self.keys.as_ptr(),
                    consts: self.consts.as_ptr(),
                    lens: self.lens.as_ptr(),
                    fault: r.fault,
                    first: r.first as i64,
                });
                Box::new(move || {
                    let call = call;
                    // SAFETY: the caller's contract: the range's pointers are valid for this call and no
                    // other range touches what it writes; `code` is a finalized function of this
                    // signature.
                    unsafe {
                        let f: extern "C" fn(*const CallCtx) = std::mem::transmute(code);
                        f(&call.0);
                    }
                }) as Box<dyn FnOnce() + Send + '_>
            })
            .collect();
        workers.run(jobs);
    }

    /// The result of a call that found (or not) a computed index out of range.
    fn faulted(&self, fault: bool) -> Result<(), BindError> {
        if fault {
            return Err(BindError {
                kernel: self.kernel.name.clone(),
                message:
                    "an index computed by the kernel was out of range (those accesses were skipped)"
                        .into(),
            });
        }
        Ok(())
    }

    /// Checks the bindings against the kernel and converts parameters, array lengths and random keys
    /// for the code.
    fn prepare_call(&mut self, b: &mut Bindings<'_>) -> Result<(), BindError> {
        if !self.setup_ready {
            CompiledKernel::setup(self, b.params, b.clock.dt);
        }
        let k = &self.kernel;
        let fail = |message: String| {
            Err(BindError {
                kernel: k.name.clone(),
                message,
            })
        };
        if b.arrays.len() != k.arrays.len()
            || b.events.len() != k.events.len()
            || b.params.len() != k.params.len()
        {
            return fail("wrong number of arrays, events or parameters".into());
        }
        for (decl, data) in k.arrays.iter().zip(&b.arrays) {
            let len = match decl.extent {
                Extent::PerNeuron => b.n,
                Extent::Shared => 1,
                Extent::Indexed => 0,
            };
            if data.ty() != decl.ty || data.len() < len {
                return fail(format!(
                    "array `{}` is bound to {:?}[{}]",
                    decl.name,
                    data.ty(),
                    data.len()
                ));
            }
        }
        self.arrays.clear();
        self.arrays
            .extend(b.arrays.iter_mut().map(|a| a.as_mut_ptr()));
        self.lens.clear();
        self.lens.extend(b.arrays.iter().map(|a| a.len() as u64));
        self.params.clear();
        // Converted to the declared types, as the interpreter does.
        self.params.extend(
            b.params
                .iter()
                .zip(&k.params)
                .map(|(v, decl)| param_bits(&v.cast(decl.ty))),
        );
        if let Domain::Events(e) = k.domain
            && b.events[e.0 as usize].iter().any(|&i| i as usize >= b.n)
        {
            return fail("an event index is out of range".into());
        }
        if self.keys_seed != Some(b.seed) {
            self.keys = k
                .streams
                .iter()
                .map(|s| ganglion_ir::random::key(b.seed, *s))
                .collect();
            self.keys_seed = Some(b.seed);
        }
        Ok(())
    }

    /// One call over the whole domain, after `prepare_call`.
    #[allow(unsafe_code)]
    fn call_prepared(&mut self, b: &mut Bindings<'_>) -> Result<(), BindError> {
        let k = &self.kernel;
        let mut fault = 0u64;
        let (len, indices) = match k.domain {
            Domain::Neurons => (b.n, std::ptr::null()),
            Domain::Events(e) => {
                let buf = &b.events[e.0 as usize];
                (buf.len(), buf.as_ptr())
            }
        };
        self.counts.clear();
        self.events.clear();
        for (e, buf) in b.events.iter_mut().enumerate() {
            if self.emits[e] {
                buf.reserve(b.n);
            }
            self.counts.push(buf.len() as u64);
            self.events.push(buf.as_mut_ptr());
        }
        let ctx = CallCtx {
            arrays: self.arrays.as_ptr(),
            params: self.params.as_ptr(),
            setup: self.setup_bits.as_ptr(),
            events: self.events.as_ptr(),
            counts: self.counts.as_mut_ptr(),
            indices,
            len: len as u64,
            t: b.clock.t,
            dt: b.clock.dt,
            step: b.clock.step,
            keys: self.keys.as_ptr(),
            consts: self.consts.as_ptr(),
            lens: self.lens.as_ptr(),
            fault: &mut fault,
            first: 0,
        };
        // SAFETY: `code` is a finalized function of signature `extern "C" fn(*const CallCtx)` compiled from
        // a verified kernel. Every pointer in `ctx` is valid for the call: arrays were checked above to have
        // at least as many elements as the kernel's loop touches (neuron indices are < `n`, event indices
        // were checked to be < `n`); parameters and setup values have one slot per declared parameter or
        // value, and a setup list's slot holds the address of that list, kept alive by `self.setup` (set up
        // before this call); event buffers that the kernel emits into have room for `n` more indices
        // (reserved above), and the kernel emits at most one index per neuron (the verifier allows one
        // emit per event); `consts` holds every slot the code reads (the translator returned them);
        // `indices` points at `len` readable indices; `lens` has each array's length, and the code checks
        // every computed index against it before touching memory; `fault` is writable.
        unsafe {
            let f: extern "C" fn(*const CallCtx) = std::mem::transmute(self.code);
            f(&ctx);
        }
        for (e, buf) in b.events.iter_mut().enumerate() {
            let new_len = self.counts[e] as usize;
            if new_len != buf.len() {
                // SAFETY: the kernel wrote indices into `buf`'s spare capacity, one per emitted event, up to
                // `counts[e]` elements in total, which is at most `len + n`, within the reserved capacity.
                unsafe { buf.set_len(new_len) };
            }
        }
        self.faulted(fault != 0)
    }
}

fn parallel_safe(k: &Kernel) -> bool {
    let mut ok = k.domain == Domain::Neurons;
    k.vector.walk(&mut |i| {
        ok &= !matches!(
            i.op,
            ganglion_ir::Op::Store(_, ganglion_ir::Index::Shared | ganglion_ir::Index::At(_), _)
        );
    });
    k.scalar.walk(&mut |i| {
        ok &= !matches!(i.op, ganglion_ir::Op::Store(..));
    });
    ok
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

fn elem_bytes(t: ganglion_ir::Type) -> usize {
    match t {
        ganglion_ir::Type::Bool => 1,
        ganglion_ir::Type::I32 | ganglion_ir::Type::F32 => 4,
        _ => 8,
    }
}

fn emits_into(k: &Kernel, e: usize) -> bool {
    let mut found = false;
    k.vector.walk(&mut |i| {
        if let ganglion_ir::Op::Emit(ev, _) = &i.op {
            found |= ev.0 as usize == e;
        }
    });
    found
}

impl CompiledKernel for JitKernel {
    fn setup(&mut self, params: &[Value], dt: f64) {
        self.setup = interp::run_setup(&self.kernel, params, dt);
        self.setup_bits = self.setup.as_bits();
        self.setup_bits.resize(self.kernel.num_values as usize, 0);
        self.setup_ready = true;
        // Lists (matrix exponentials) are read through their address; `self.setup` keeps them alive.
        for (id, list) in self.setup.lists() {
            self.setup_bits[id as usize] = list.as_ptr() as u64;
        }
    }

    fn call(&mut self, bindings: &mut Bindings<'_>) -> Result<(), BindError> {
        JitKernel::call(self, bindings)
    }

    fn call_parallel(
        &mut self,
        bindings: &mut Bindings<'_>,
        workers: &dyn Workers,
        grain: usize,
    ) -> Result<(), BindError> {
        self.call_parallel(bindings, workers, grain)
    }

    fn call_split(
        &mut self,
        bindings: &mut Bindings<'_>,
        workers: &dyn Workers,
        grain: usize,
        split: &Split<'_>,
    ) -> Result<(), BindError> {
        self.call_split(bindings, workers, grain, split)
    }
}

impl Backend for Jit {
    fn name(&self) -> &'static str {
        "jit"
    }

    fn compile(&mut self, kernel: &Kernel) -> Result<Box<dyn CompiledKernel>, String> {
        Ok(Box::new(self.compile_kernel(kernel)?))
    }

    fn workers(&self, threads: usize) -> Option<Box<dyn Workers>> {
        (threads > 1).then(|| Box::new(crew::Crew::new(threads)) as Box<dyn Workers>)
    }

    fn compile_times(&self) -> &[(String, Duration)] {
        &self.times
    }
}

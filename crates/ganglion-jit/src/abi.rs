//! The boundary between Rust and generated code: the one module of the JIT (with the crew's lifetime
//! erasure, `crew.rs`) where `unsafe` is allowed.
//!
//! A kernel compiles to `extern "C" fn(*const CallCtx)` (see `translate`). The code reads and writes
//! through the context's raw pointers and checks nothing but computed indices (against `lens`). So
//! everything it may touch is checked here before it runs: the bindings against the kernel's
//! declarations (array types and lengths, event indices, counts of parameters), room in every event
//! buffer it emits into, and, for calls split between threads, that no two ranges write the same
//! memory. [`invoke`] is the one function that calls generated code, and its `# Safety` section is the
//! contract the rest of this module keeps. The translator reads the context's fields at the offsets in
//! [`offsets`], taken from the struct itself.

use std::mem::offset_of;

use cranelift_jit::JITModule;
use cranelift_module::FuncId;
use ganglion_ir::interp::{self, ArrayData, BindError, Bindings, Clock, SetupValues, Value};
use ganglion_ir::math::SliceFn;
use ganglion_ir::{Domain, EventSplit, Extent, Index, Kernel, Op, Split, Type, Workers};

/// What a compiled kernel reads: pointers to the bound data, the clock and the random key.
#[repr(C)]
pub(crate) struct CallCtx {
    /// Each array's first element (of the call's first neuron, for per-neuron arrays).
    arrays: *const *mut u8,
    /// Each parameter's bits, converted to its declared type.
    params: *const u64,
    /// Each value of the setup block (a list's address for lists), by value number.
    setup: *const u64,
    /// Each event buffer's first element.
    events: *const *mut u32,
    /// Each event buffer's length, read at entry and written back at exit.
    counts: *mut u64,
    /// The event buffer a kernel over events runs over (`len` indices).
    indices: *const u32,
    /// How many neurons (or event indices) the call runs over.
    len: u64,
    t: f64,
    dt: f64,
    step: i64,
    /// The random key of each stream.
    keys: *const u64,
    /// The vector constants of the inline math functions.
    consts: *const u128,
    /// Each array's length (elements), for accesses at computed indices.
    lens: *const u64,
    /// Set to 1 by the code when a computed index is out of range.
    fault: *mut u64,
    /// The index of the first neuron of this call (neurons `first..first + len`; arrays start there).
    first: i64,
}

/// Byte offsets of the fields of [`CallCtx`], as the translator reads them.
pub(crate) mod offsets {
    use super::{CallCtx, offset_of};

    pub(crate) const ARRAYS: i32 = offset_of!(CallCtx, arrays) as i32;
    pub(crate) const PARAMS: i32 = offset_of!(CallCtx, params) as i32;
    pub(crate) const SETUP: i32 = offset_of!(CallCtx, setup) as i32;
    pub(crate) const EVENTS: i32 = offset_of!(CallCtx, events) as i32;
    pub(crate) const COUNTS: i32 = offset_of!(CallCtx, counts) as i32;
    pub(crate) const INDICES: i32 = offset_of!(CallCtx, indices) as i32;
    pub(crate) const LEN: i32 = offset_of!(CallCtx, len) as i32;
    pub(crate) const T: i32 = offset_of!(CallCtx, t) as i32;
    pub(crate) const DT: i32 = offset_of!(CallCtx, dt) as i32;
    pub(crate) const STEP: i32 = offset_of!(CallCtx, step) as i32;
    pub(crate) const KEYS: i32 = offset_of!(CallCtx, keys) as i32;
    pub(crate) const CONSTS: i32 = offset_of!(CallCtx, consts) as i32;
    pub(crate) const LENS: i32 = offset_of!(CallCtx, lens) as i32;
    pub(crate) const FAULT: i32 = offset_of!(CallCtx, fault) as i32;
    pub(crate) const FIRST: i32 = offset_of!(CallCtx, first) as i32;
}

/// The entry of a compiled kernel.
type Entry = unsafe extern "C" fn(*const CallCtx);

/// Calls the code once per context: all on this thread without `workers`, otherwise the first on this
/// thread and the others on the threads of `workers`. Returns when every call is done.
///
/// # Safety
/// - `entry` is the finalized function the translator built from a kernel that passed the verifier,
///   and the module that owns its code is alive.
/// - For each context, until this returns: every array pointer is valid for the elements the code
///   touches over the context's `len` neurons or indices (per-neuron arrays hold `len` elements from
///   the pointer on, shared arrays one, arrays at computed indices `lens` elements); `params`, `setup`,
///   `keys` and `consts` hold a slot for every parameter, value, stream and constant the code reads, and
///   a setup list's slot the address of a live list; `indices` points at `len` indices below the
///   group's size; each event buffer the code emits into has room for `len` more indices after its
///   count (the code emits at most one per neuron: the verifier allows one emit per event); `counts`
///   and `fault` are writable.
/// - No context's call writes memory that another context's call reads or writes.
unsafe fn invoke(entry: Entry, calls: &[CallCtx], workers: Option<&dyn Workers>) {
    /// A context handed to another thread.
    struct Sendable<'a>(&'a CallCtx);
    // SAFETY: the context is only read, and the call on the other thread touches memory that no other
    // call writes (the contract of `invoke`). The job borrows the context, so `Workers::run` cannot keep
    // it past its return (the crew, which erases that lifetime, waits for its jobs before returning).
    unsafe impl Send for Sendable<'_> {}

    match workers {
        Some(workers) if calls.len() > 1 => {
            let jobs: Vec<Box<dyn FnOnce() + Send + '_>> = calls
                .iter()
                .map(|call| {
                    let call = Sendable(call);
                    Box::new(move || {
                        let call = call;
                        // SAFETY: the caller's contract, for this context.
                        unsafe { entry(call.0) }
                    }) as Box<dyn FnOnce() + Send + '_>
                })
                .collect();
            workers.run(jobs);
        }
        _ => {
            for call in calls {
                // SAFETY: the caller's contract, for this context.
                unsafe { entry(call) }
            }
        }
    }
}

/// A compiled kernel: its code and the module owning it, what the code may touch, and what its calls
/// keep from one to the next.
pub(crate) struct Code {
    /// Owns the executable memory `entry` points into.
    _module: JITModule,
    entry: Entry,
    kernel: Kernel,
    /// The constants the vector code reads (16-byte aligned pairs of lanes).
    consts: Vec<u128>,
    /// Whether the kernel emits into each event buffer.
    emits: Vec<bool>,
    /// Whether ranges of neurons may run on different threads: a kernel over neurons that writes only
    /// the current neuron's elements (no shared or computed-index stores, nothing stored in scalar code).
    parallel: bool,
    /// How the elements of an event kernel may be divided between threads, if they may.
    split: Option<EventSplit>,
    setup: SetupValues,
    /// The setup values as the code reads them (a list's slot holds the address of the list in `setup`).
    setup_bits: Vec<u64>,
    /// Whether `setup` ran (a call without it runs it first, with the call's parameters).
    setup_ready: bool,
    /// Random keys of the kernel's streams for `keys_seed`.
    keys: Vec<u64>,
    keys_seed: Option<u64>,
    // Buffers reused across calls; their pointers are stale between calls and rewritten by each.
    arrays: Vec<*mut u8>,
    params: Vec<u64>,
    counts: Vec<u64>,
    events: Vec<*mut u32>,
    lens: Vec<u64>,
    /// Each range's event buffers in calls over ranges.
    chunk_events: Vec<Vec<Vec<u32>>>,
}

// SAFETY: `entry` points into executable memory owned by `_module`, which moves with it and is never
// shared; the code itself is immutable. The raw pointers in the reused buffers are written by each call
// before the code reads them and are never dereferenced between calls.
unsafe impl Send for Code {}

impl Code {
    /// The code of function `id` of `module`: the translation of `kernel`, finalized, reading `consts`.
    pub(crate) fn new(module: JITModule, id: FuncId, kernel: &Kernel, consts: Vec<u128>) -> Code {
        let address = module.get_finalized_function(id);
        // SAFETY: `address` is the entry of a finalized function that the translator built with the
        // signature `fn(i64)` in the platform's C calling convention (`Jit::signature`), which is
        // `Entry`'s; it is not null. Calling it is what `invoke`'s contract is about.
        let entry = unsafe { std::mem::transmute::<*const u8, Entry>(address) };
        Code {
            _module: module,
            entry,
            kernel: kernel.clone(),
            consts,
            emits: (0..kernel.events.len())
                .map(|e| emits_into(kernel, e))
                .collect(),
            parallel: parallel_safe(kernel),
            split: ganglion_ir::event_split(kernel),
            setup: SetupValues::default(),
            setup_bits: vec![0; kernel.num_values as usize],
            setup_ready: false,
            keys: Vec::new(),
            keys_seed: None,
            arrays: Vec::new(),
            params: Vec::new(),
            counts: Vec::new(),
            events: Vec::new(),
            lens: Vec::new(),
            chunk_events: Vec::new(),
        }
    }

    /// The kernel the code was compiled from.
    pub(crate) fn kernel(&self) -> &Kernel {
        &self.kernel
    }

    /// Whether the kernel may run in ranges of neurons on several threads.
    pub(crate) fn parallel(&self) -> bool {
        self.parallel
    }

    /// Whether the event kernel may run split between threads ([`ganglion_ir::event_split`]).
    pub(crate) fn splittable(&self) -> bool {
        self.split.is_some()
    }

    /// Runs the setup block with this run's parameters and `dt` (in the interpreter).
    pub(crate) fn setup(&mut self, params: &[Value], dt: f64) {
        self.setup = interp::run_setup(&self.kernel, params, dt);
        self.setup_bits = self.setup.as_bits();
        self.setup_bits.resize(self.kernel.num_values as usize, 0);
        self.setup_ready = true;
        // Lists (matrix exponentials) are read through their address; `self.setup` keeps them alive.
        for (id, list) in self.setup.lists() {
            self.setup_bits[id as usize] = list.as_ptr() as u64;
        }
    }

    /// Runs the code once over the whole domain.
    pub(crate) fn call(&mut self, b: &mut Bindings<'_>) -> Result<(), BindError> {
        self.prepare(b)?;
        self.call_prepared(b)
    }

    /// The context of a call with this call's common parts.
    #[allow(clippy::too_many_arguments)]
    fn context(
        &self,
        clock: Clock,
        arrays: *const *mut u8,
        events: *const *mut u32,
        counts: *mut u64,
        indices: *const u32,
        len: usize,
        first: usize,
        fault: *mut u64,
    ) -> CallCtx {
        CallCtx {
            arrays,
            params: self.params.as_ptr(),
            setup: self.setup_bits.as_ptr(),
            events,
            counts,
            indices,
            len: len as u64,
            t: clock.t,
            dt: clock.dt,
            step: clock.step,
            keys: self.keys.as_ptr(),
            consts: self.consts.as_ptr(),
            lens: self.lens.as_ptr(),
            fault,
            first: first as i64,
        }
    }

    /// Checks the bindings against the kernel ([`interp::check_bindings`]: the checks `invoke`'s
    /// contract rests on) and converts parameters, array addresses and lengths and random keys for the
    /// code.
    fn prepare(&mut self, b: &mut Bindings<'_>) -> Result<(), BindError> {
        if !self.setup_ready {
            self.setup(b.params, b.clock.dt);
        }
        interp::check_bindings(&self.kernel, b)?;
        let k = &self.kernel;
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

    /// One call over the whole domain, after `prepare`.
    fn call_prepared(&mut self, b: &mut Bindings<'_>) -> Result<(), BindError> {
        let mut fault = 0u64;
        let (len, indices) = match self.kernel.domain {
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
        let counts = self.counts.as_mut_ptr();
        let (arrays, events) = (self.arrays.as_ptr(), self.events.as_ptr());
        let ctx = self.context(b.clock, arrays, events, counts, indices, len, 0, &mut fault);
        // SAFETY: `entry` is this kernel's code and `_module` is alive. `prepare` checked that every
        // per-neuron array has at least `n` elements (the loop runs over neurons `0..n`, or over event
        // indices it checked to be below `n`), every shared array one, and wrote each array's length to
        // `lens`; `params`, `setup_bits` (lists kept alive by `self.setup`), `keys` and `consts` have a
        // slot per parameter, value, stream and constant; `indices` points at `len` indices; every buffer
        // the kernel emits into has room for `n` more (reserved above); `counts` and `fault` are
        // writable. One context: nothing else runs beside it.
        unsafe { invoke(self.entry, std::slice::from_ref(&ctx), None) };
        for (e, buf) in b.events.iter_mut().enumerate() {
            let new_len = self.counts[e] as usize;
            if new_len != buf.len() {
                // SAFETY: the code wrote one index into `buf`'s spare capacity per emitted event, up to
                // `counts[e]` elements in total, at most `n` more than before: within the capacity
                // reserved above.
                unsafe { buf.set_len(new_len) };
            }
        }
        self.faulted(fault != 0)
    }

    /// Runs the code over the neuron ranges `bounds[c]..bounds[c + 1]`, the first on this thread and the
    /// others on the threads of `workers`; events are merged in neuron order, so the result is
    /// [`Code::call`]'s, bit for bit. A kernel that may not run in ranges, or bounds that do not cut
    /// `0..n` in order into at least two ranges, run as one call.
    pub(crate) fn call_ranges(
        &mut self,
        b: &mut Bindings<'_>,
        workers: &dyn Workers,
        bounds: &[usize],
    ) -> Result<(), BindError> {
        let cuts = bounds.len() >= 3
            && bounds[0] == 0
            && bounds[bounds.len() - 1] == b.n
            && bounds.windows(2).all(|w| w[0] <= w[1]);
        if !self.parallel || !cuts {
            return self.call(b);
        }
        self.prepare(b)?;
        let chunks = bounds.len() - 1;
        let sizes: Vec<Option<usize>> = self
            .kernel
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
                    // (Inside the array: `start` < n, and per-neuron arrays hold at least n elements.)
                    .map(|(p, size)| match size {
                        Some(s) => p.wrapping_add(start * s),
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
                    counts: vec![0; self.emits.len()],
                    fault: 0,
                }
            })
            .collect();
        let calls: Vec<CallCtx> = work
            .iter_mut()
            .enumerate()
            .map(|(c, w)| {
                let (start, len) = (bounds[c], bounds[c + 1] - bounds[c]);
                let (arrays, events) = (w.arrays.as_ptr(), w.event_ptrs.as_ptr());
                let null = std::ptr::null();
                self.context(
                    b.clock,
                    arrays,
                    events,
                    w.counts.as_mut_ptr(),
                    null,
                    len,
                    start,
                    &mut w.fault,
                )
            })
            .collect();
        // SAFETY: as in `call_prepared`, for the neurons `start..start + len` of each range: its per-neuron
        // arrays start at the range's first neuron and hold at least `len` more (`bounds` ends at n);
        // its event buffers are its own, empty, with room for `len` indices. The kernel is `parallel`:
        // it stores nothing in scalar code, nothing to shared elements or at computed indices, so each
        // range writes only its own neurons' elements (the ranges are disjoint: `bounds` ascends) and
        // its own buffers, counts and fault flag, and reads what no range writes. `work` outlives the call.
        unsafe { invoke(self.entry, &calls, Some(workers)) };
        let mut fault = false;
        for w in &mut work {
            fault |= w.fault != 0;
            for (e, buf) in w.events.iter_mut().enumerate() {
                // SAFETY: the code wrote `counts[e]` indices into the buffer's capacity (`len`, at most
                // one per neuron of the range).
                unsafe { buf.set_len(w.counts[e] as usize) };
                b.events[e].extend_from_slice(buf);
            }
        }
        self.chunk_events = work.into_iter().map(|w| w.events).collect();
        self.faulted(fault)
    }

    /// Runs an event kernel with its event buffer cut into `split`'s ranges, the first on this thread
    /// and the others on the threads of `workers`, where the kernel allows it ([`ganglion_ir::event_split`])
    /// and every range keeps to its keys (checked first, a range per thread); the same result as
    /// [`Code::call`], bit for bit. Otherwise, one call.
    pub(crate) fn call_split(
        &mut self,
        b: &mut Bindings<'_>,
        workers: &dyn Workers,
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
        if !shaped {
            return self.call(b);
        }
        self.prepare(b)?;
        if !keeps_to_keys(how, b, e, split, workers) {
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
        let calls: Vec<CallCtx> = work
            .iter_mut()
            .enumerate()
            .map(|(c, (counts, fault))| {
                let (start, end) = (split.ranges[c], split.ranges[c + 1]);
                // (Inside the buffer: `start` ≤ its length, checked above.)
                let indices = indices.wrapping_add(start);
                let (arrays, events) = (self.arrays.as_ptr(), self.events.as_ptr());
                self.context(
                    b.clock,
                    arrays,
                    events,
                    counts.as_mut_ptr(),
                    indices,
                    end - start,
                    0,
                    fault,
                )
            })
            .collect();
        // SAFETY: as in `call_prepared`, for the elements `ranges[c]..ranges[c + 1]` of the event buffer
        // (indices checked in `prepare` to be < n). The kernel emits nothing and stores nothing in
        // scalar code or to shared variables ([`ganglion_ir::event_split`]); it writes only the current
        // element's entries and, through the key, the key's entries of arrays read nowhere else. Each
        // range's elements were checked to have keys (or, split by element, indices) in its own interval,
        // and the intervals are disjoint, so no two threads touch the same written element. `work`
        // outlives the call.
        unsafe { invoke(self.entry, &calls, Some(workers)) };
        debug_assert!(work.iter().all(|(c, _)| c.len() == n_events));
        let fault = work.iter().any(|(_, f)| *f != 0);
        self.faulted(fault)
    }

    /// The result of a call that found (or not) a computed index out of range.
    fn faulted(&self, fault: bool) -> Result<(), BindError> {
        if fault {
            return Err(BindError::Fault {
                kernel: self.kernel.name.clone(),
            });
        }
        Ok(())
    }
}

/// Whether each range of `split` keeps to its keys: every element of range `c` of event buffer `e` has
/// its key (its index, split by element) in `keys[c]..keys[c + 1]`. Checked a range per thread.
fn keeps_to_keys(
    how: EventSplit,
    b: &Bindings<'_>,
    e: usize,
    split: &Split<'_>,
    workers: &dyn Workers,
) -> bool {
    let key_array: Option<&ArrayData> = match how {
        EventSplit::Element => None,
        EventSplit::Key(a) => Some(&*b.arrays[a.0 as usize]),
    };
    let buffer: &[u32] = b.events[e];
    let mut kept = vec![false; split.ranges.len() - 1];
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
    kept.iter().all(|&k| k)
}

/// A parameter's bits as the code reads them.
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

/// Whether ranges of neurons may run on different threads: the kernel is over neurons and writes only
/// the current neuron's elements.
fn parallel_safe(k: &Kernel) -> bool {
    let mut ok = k.domain == Domain::Neurons;
    k.vector.walk(&mut |i| {
        ok &= !matches!(i.op, Op::Store(_, Index::Shared | Index::At(_), _));
    });
    k.scalar.walk(&mut |i| {
        ok &= !matches!(i.op, Op::Store(..));
    });
    ok
}

/// The size of an element of an array of type `t`, in bytes.
fn elem_bytes(t: Type) -> usize {
    match t {
        Type::Bool => 1,
        Type::I32 | Type::F32 => 4,
        _ => 8,
    }
}

/// Whether the kernel emits into event buffer `e`.
fn emits_into(k: &Kernel, e: usize) -> bool {
    let mut found = false;
    k.vector.walk(&mut |i| {
        if let Op::Emit(ev, _) = &i.op {
            found |= ev.0 as usize == e;
        }
    });
    found
}

/// The matrix exponential and its integral of the `n`×`n` matrix at `m`, written to `out` (2n² values).
///
/// Called only by generated code, with `m` pointing at n² readable and `out` at 2n² writable doubles
/// (stack slots the translator sizes for `n`).
pub(crate) extern "C" fn g_expm(n: u64, m: *const f64, out: *mut f64) {
    let n = n as usize;
    // SAFETY: the translator allocates a stack slot of n*n doubles for `m` and 2*n*n for `out`, and
    // passes exactly those sizes' `n`; both slots live for the duration of this call, and they do not
    // overlap.
    let (input, output) = unsafe {
        (
            std::slice::from_raw_parts(m, n * n),
            std::slice::from_raw_parts_mut(out, 2 * n * n),
        )
    };
    output.copy_from_slice(&ganglion_ir::expm::expm_with_integral(n, input));
}

/// Whether this machine has wider vectors than the two lanes the JIT emits, for which
/// `ganglion_ir::math::host` has its functions compiled (AVX2 with FMA, or AVX-512).
pub(crate) fn wide_host_math() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// `y[k] = f(x[k])` for every element, on this machine's widest vectors: `ganglion_ir::math::host`'s
/// functions where the machine has their features, otherwise [`SliceFn::apply`] as built. The same
/// bits either way (the functions of `ganglion_ir::math` on each element).
pub fn slice_math(f: SliceFn, x: &[f64], y: &mut [f64]) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::is_x86_feature_detected as has;
        if has!("avx512f") && has!("avx2") && has!("fma") {
            // SAFETY: the function is compiled for AVX-512F, AVX2 and FMA, which this machine has
            // (checked just above); that is its only requirement beyond those of a safe function.
            unsafe { ganglion_ir::math::host::apply_avx512(f, x, y) };
            return;
        }
        if has!("avx2") && has!("fma") {
            // SAFETY: the function is compiled for AVX2 and FMA, which this machine has (checked just
            // above); that is its only requirement beyond those of a safe function.
            unsafe { ganglion_ir::math::host::apply_avx2(f, x, y) };
            return;
        }
    }
    f.apply(x, y);
}

/// A loop to run on this machine's widest vectors ([`on_widest_vectors`]): the benchmarks' speed-of-light
/// loops, compiled as the host's C++ compilers would compile them.
pub trait WideLoop {
    /// What the loop returns.
    type Output;
    /// The loop. Implementations mark it `#[inline(always)]`, so that it is compiled inside the functions
    /// [`on_widest_vectors`] builds for wider vectors rather than called from them.
    fn run(self) -> Self::Output;
}

/// Runs `code` compiled for AVX-512 (or AVX2 with FMA) where this machine has those features, otherwise
/// as built.
pub fn on_widest_vectors<L: WideLoop>(code: L) -> L::Output {
    #[cfg(target_arch = "x86_64")]
    {
        #[target_feature(enable = "avx512f,avx2,fma")]
        fn avx512<L: WideLoop>(code: L) -> L::Output {
            code.run()
        }
        #[target_feature(enable = "avx2,fma")]
        fn avx2<L: WideLoop>(code: L) -> L::Output {
            code.run()
        }
        use std::arch::is_x86_feature_detected as has;
        if has!("avx512f") && has!("avx2") && has!("fma") {
            // SAFETY: `avx512` is compiled for AVX-512F, AVX2 and FMA, which this machine has (checked
            // just above); that is its only requirement beyond those of a safe function.
            return unsafe { avx512(code) };
        }
        if has!("avx2") && has!("fma") {
            // SAFETY: `avx2` is compiled for AVX2 and FMA, which this machine has (checked just above).
            return unsafe { avx2(code) };
        }
    }
    code.run()
}

/// [`slice_math`] on `n` values at `x`, into `n` at `y`: called by generated code once per block of the
/// blocked loop (`translate/blocked.rs`), with `x` and `y` two distinct slots of its scratch memory.
fn slice_math_raw(f: SliceFn, x: *const f64, y: *mut f64, n: u64) {
    let n = n as usize;
    // SAFETY: the blocked loop passes two slots of its stack scratch memory, each of `n` (the block's
    // size) doubles, 8-byte aligned, distinct (an argument's slot and its result's), live during this
    // call.
    let (x, y) = unsafe {
        (
            std::slice::from_raw_parts(x, n),
            std::slice::from_raw_parts_mut(y, n),
        )
    };
    slice_math(f, x, y);
}

/// `exp` over a block (see [`slice_math_raw`]).
pub(crate) extern "C" fn g_exp_block(x: *const f64, y: *mut f64, n: u64) {
    slice_math_raw(SliceFn::Exp, x, y, n)
}

/// `expm1` over a block (see [`slice_math_raw`]).
pub(crate) extern "C" fn g_expm1_block(x: *const f64, y: *mut f64, n: u64) {
    slice_math_raw(SliceFn::Expm1, x, y, n)
}

/// `exprel` over a block (see [`slice_math_raw`]).
pub(crate) extern "C" fn g_exprel_block(x: *const f64, y: *mut f64, n: u64) {
    slice_math_raw(SliceFn::Exprel, x, y, n)
}

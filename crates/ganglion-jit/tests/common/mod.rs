//! Helpers shared by the JIT's differential and edge-case tests: running one kernel for several steps on a
//! backend, and comparing what two backends left behind bit for bit.

#![allow(dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering};

use ganglion_ir::interp::{ArrayData, Bindings, Clock, Value};
use ganglion_ir::{Backend, CompiledKernel, Domain, Interpreter, Kernel, Op, Type};
use ganglion_jit::Jit;

/// The IR tests' helpers, shared rather than copied.
#[path = "../../../ganglion-ir/tests/common/mod.rs"]
mod ir_common;
#[allow(unused_imports)] // each test binary uses what it needs of them
pub use ir_common::{extent_len, zeroed_arrays};

/// Comparisons that differed by a few ulp where a transcendental function was involved (tolerated, but
/// they should not happen: the JIT calls the same Rust functions as the interpreter).
pub static ULP_DIFFERENCES: AtomicUsize = AtomicUsize::new(0);

/// Largest difference in ulp tolerated where a transcendental function is involved.
pub const MAX_ULP: u64 = 4;

/// Everything a run of a kernel starts from.
#[derive(Clone, Debug)]
pub struct Start {
    /// The arrays, in the kernel's order.
    pub arrays: Vec<ArrayData>,
    /// The parameters, in the kernel's order.
    pub params: Vec<Value>,
    /// The event buffers, in the kernel's order.
    pub events: Vec<Vec<u32>>,
    /// Number of neurons.
    pub n: usize,
    /// The network's seed.
    pub seed: u64,
    /// The time step.
    pub dt: f64,
    /// The step index of the first call.
    pub first_step: i64,
    /// Number of calls.
    pub steps: usize,
    /// Whether event buffers are emptied after every call (as the runtime does at the start of a step);
    /// otherwise they keep growing.
    pub clear_events: bool,
    /// For kernels over an event buffer: what the buffer holds at each call (cycled).
    pub domain_events: Vec<Vec<u32>>,
    /// Parameters of a second run: the setup block runs again with them before call `steps / 2`.
    pub later_params: Option<Vec<Value>>,
}

impl Start {
    /// Zeroed arrays for `n` neurons, parameters of the declared types (zero), empty buffers, one step.
    pub fn zeros(k: &Kernel, n: usize) -> Start {
        Start {
            arrays: zeroed_arrays(k, n),
            params: k
                .params
                .iter()
                .map(|p| Value::F64(0.0).cast(p.ty))
                .collect(),
            events: k.events.iter().map(|_| Vec::new()).collect(),
            n,
            seed: 0,
            dt: 1e-4,
            first_step: 0,
            steps: 1,
            clear_events: false,
            domain_events: Vec::new(),
            later_params: None,
        }
    }
}

/// The state after one call: every array and event buffer.
#[derive(Clone, Debug, PartialEq)]
pub struct Snapshot {
    /// The arrays.
    pub arrays: Vec<ArrayData>,
    /// The event buffers (before they are cleared).
    pub events: Vec<Vec<u32>>,
    /// Whether the call reported a fault (an index out of range at a computed index).
    pub fault: bool,
}

/// Runs `k` on a backend: compile, setup, then `start.steps` calls; the state after each call. Panics if a
/// call fails.
pub fn run(backend: &mut dyn Backend, k: &Kernel, start: &Start) -> Vec<Snapshot> {
    run_calls(backend, k, start, false)
}

/// Like [`run`], but a call that reports a fault (an index out of range) is recorded in its snapshot and
/// the run goes on; any other error still panics.
pub fn run_with_faults(backend: &mut dyn Backend, k: &Kernel, start: &Start) -> Vec<Snapshot> {
    run_calls(backend, k, start, true)
}

fn run_calls(
    backend: &mut dyn Backend,
    k: &Kernel,
    start: &Start,
    faults_allowed: bool,
) -> Vec<Snapshot> {
    let mut compiled = backend
        .compile(k)
        .unwrap_or_else(|e| panic!("{} cannot compile:\n{e}\n{k}", backend.name()));
    run_compiled(compiled.as_mut(), backend.name(), k, start, faults_allowed)
}

/// [`run`] (or, with `faults_allowed`, [`run_with_faults`]) on a kernel compiled already: setup, then
/// `start.steps` calls. A compiled kernel may run several times, from different states.
pub fn run_compiled(
    compiled: &mut dyn CompiledKernel,
    backend: &str,
    k: &Kernel,
    start: &Start,
    faults_allowed: bool,
) -> Vec<Snapshot> {
    compiled.setup(&start.params, start.dt);
    let mut arrays = start.arrays.clone();
    let mut events = start.events.clone();
    let mut out = Vec::with_capacity(start.steps);
    let mut params = &start.params;
    for s in 0..start.steps {
        if let Some(later) = &start.later_params
            && s == start.steps / 2
            && s > 0
        {
            compiled.setup(later, start.dt);
            params = later;
        }
        if let Domain::Events(e) = k.domain
            && !start.domain_events.is_empty()
        {
            events[e.0 as usize] = start.domain_events[s % start.domain_events.len()].clone();
        }
        let step = start.first_step + s as i64;
        let mut bind = Bindings {
            arrays: arrays.iter_mut().collect(),
            params,
            events: events.iter_mut().collect(),
            clock: Clock {
                t: step as f64 * start.dt,
                dt: start.dt,
                step,
            },
            seed: start.seed,
            n: start.n,
            first: 0,
        };
        let fault = match compiled.call(&mut bind) {
            Ok(()) => false,
            Err(e) if faults_allowed && e.is_fault() => true,
            Err(e) => panic!("{backend}: {e}\n{k}"),
        };
        drop(bind);
        out.push(Snapshot {
            arrays: arrays.clone(),
            events: events.clone(),
            fault,
        });
        if start.clear_events {
            for e in &mut events {
                e.clear();
            }
        }
    }
    out
}

/// Runs `k` on the interpreter and on the JIT and compares every step; panics with the kernel's text on a
/// difference. Returns the interpreter's snapshots.
pub fn both(k: &Kernel, start: &Start) -> Vec<Snapshot> {
    let reference = run(&mut Interpreter, k, start);
    let jit = run(&mut Jit::default(), k, start);
    if let Err(e) = compare(k, &reference, &jit) {
        panic!("interp vs jit: {e}\nN = {}\n{k}", start.n);
    }
    reference
}

/// [`both`] for kernels whose calls may fault: the interpreter and the JIT must fault in the same calls and
/// leave the same state behind (the accesses out of range skipped, everything else done).
pub fn both_with_faults(k: &Kernel, start: &Start) -> Vec<Snapshot> {
    let reference = run_with_faults(&mut Interpreter, k, start);
    let jit = run_with_faults(&mut Jit::default(), k, start);
    if let Err(e) = compare(k, &reference, &jit) {
        panic!("interp vs jit: {e}\nN = {}\n{k}", start.n);
    }
    reference
}

/// Whether `k` involves a function whose result may legitimately differ by a few ulp between
/// implementations (transcendental built-ins, `**`, normal random numbers).
pub fn uses_transcendental(k: &Kernel) -> bool {
    let mut found = false;
    for b in [&k.setup, &k.scalar, &k.vector] {
        b.walk(&mut |i| {
            found |= match &i.op {
                Op::Call(f, _) => f.is_transcendental(),
                Op::Binary(ganglion_ir::BinOp::Pow, ..) => true,
                Op::Random { normal, .. } => *normal,
                Op::Expm { .. } => true,
                _ => false,
            }
        });
    }
    found
}

fn ordered64(x: f64) -> i128 {
    let b = x.to_bits() as i64;
    i128::from(if b < 0 { i64::MIN - b } else { b })
}

fn ordered32(x: f32) -> i64 {
    let b = x.to_bits() as i32;
    i64::from(if b < 0 { i32::MIN - b } else { b })
}

/// Difference in ulp between two finite values (`None` where one is NaN or infinite).
pub fn ulps64(a: f64, b: f64) -> Option<u64> {
    (a.is_finite() && b.is_finite()).then(|| (ordered64(a) - ordered64(b)).unsigned_abs() as u64)
}

/// [`ulps64`] in single precision.
pub fn ulps32(a: f32, b: f32) -> Option<u64> {
    (a.is_finite() && b.is_finite()).then(|| (ordered32(a) - ordered32(b)).unsigned_abs())
}

/// Bit-identical, or both NaN.
pub fn same64(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

/// [`same64`] in single precision.
pub fn same32(a: f32, b: f32) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

/// Compares two arrays element by element; `Ok(true)` when they differ only within [`MAX_ULP`] and that is
/// allowed.
pub fn compare_arrays(a: &ArrayData, b: &ArrayData, tolerant: bool) -> Result<bool, String> {
    if a.ty() != b.ty() || a.len() != b.len() {
        return Err(format!(
            "{:?}[{}] vs {:?}[{}]",
            a.ty(),
            a.len(),
            b.ty(),
            b.len()
        ));
    }
    let mut tolerated = false;
    for i in 0..a.len() {
        let (x, y) = (a.get(i), b.get(i));
        let ok = match (&x, &y) {
            (Value::F64(p), Value::F64(q)) => {
                same64(*p, *q) || {
                    let near = tolerant && ulps64(*p, *q).is_some_and(|u| u <= MAX_ULP);
                    tolerated |= near;
                    near
                }
            }
            (Value::F32(p), Value::F32(q)) => {
                same32(*p, *q) || {
                    let near = tolerant && ulps32(*p, *q).is_some_and(|u| u <= MAX_ULP);
                    tolerated |= near;
                    near
                }
            }
            _ => x == y,
        };
        if !ok {
            return Err(format!("element {i}: {x:?} vs {y:?}"));
        }
    }
    Ok(tolerated)
}

/// Compares two runs of `k` step by step.
pub fn compare(k: &Kernel, a: &[Snapshot], b: &[Snapshot]) -> Result<(), String> {
    let tolerant = uses_transcendental(k);
    if a.len() != b.len() {
        return Err(format!("{} vs {} steps", a.len(), b.len()));
    }
    for (s, (x, y)) in a.iter().zip(b).enumerate() {
        if x.fault != y.fault {
            let says = |f: bool| if f { "a fault" } else { "no fault" };
            return Err(format!("call {s}: {} vs {}", says(x.fault), says(y.fault)));
        }
        for (j, (p, q)) in x.arrays.iter().zip(&y.arrays).enumerate() {
            match compare_arrays(p, q, tolerant) {
                Ok(false) => {}
                Ok(true) => {
                    ULP_DIFFERENCES.fetch_add(1, Ordering::Relaxed);
                    eprintln!(
                        "note: `{}` differs by at most {MAX_ULP} ulp after step {s} (tolerated)\n{k}",
                        k.arrays[j].name
                    );
                }
                Err(e) => {
                    return Err(format!("array `{}` after call {s}: {e}", k.arrays[j].name));
                }
            }
        }
        for (e, (p, q)) in x.events.iter().zip(&y.events).enumerate() {
            if p != q {
                return Err(format!(
                    "event buffer `{}` after call {s}: {p:?} vs {q:?}",
                    k.events[e]
                ));
            }
        }
    }
    Ok(())
}

/// An array of type `ty` holding `values` (converted as the interpreter converts).
pub fn array_of(ty: Type, values: &[Value]) -> ArrayData {
    let mut a = ArrayData::zeros(ty, values.len());
    for (i, v) in values.iter().enumerate() {
        a.set(i, v);
    }
    a
}

/// The `f64` elements of an array.
pub fn f64s(a: &ArrayData) -> Vec<f64> {
    match a {
        ArrayData::F64(x) => x.as_slice().to_vec(),
        other => panic!("expected f64, got {:?}", other.ty()),
    }
}

/// The integer elements of an array (i32 or i64).
pub fn ints(a: &ArrayData) -> Vec<i64> {
    match a {
        ArrayData::I64(x) => x.as_slice().to_vec(),
        ArrayData::I32(x) => x.as_slice().iter().map(|v| i64::from(*v)).collect(),
        other => panic!("expected an integer, got {:?}", other.ty()),
    }
}

/// The boolean elements of an array.
pub fn bools(a: &ArrayData) -> Vec<bool> {
    match a {
        ArrayData::Bool(x) => x.as_slice().to_vec(),
        other => panic!("expected bool, got {:?}", other.ty()),
    }
}

/// A small deterministic generator (splitmix64) for test data derived from a proptest seed.
#[derive(Clone, Debug)]
pub struct Rng(pub u64);

impl Rng {
    /// 64 random bits.
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        ganglion_ir::random::mix(self.0)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// A uniform number in [0, 1).
    pub fn unit(&mut self) -> f64 {
        ganglion_ir::random::uniform(self.next())
    }
}

/// Doubles that stress arithmetic: NaN, infinities, signed zeros, huge, tiny and subnormal values,
/// integers and halves.
pub const SPECIAL_F64: [f64; 24] = [
    0.0,
    -0.0,
    1.0,
    -1.0,
    0.5,
    -0.5,
    1.5,
    -2.5,
    3.0,
    -7.0,
    0.1,
    1e-3,
    f64::NAN,
    f64::INFINITY,
    f64::NEG_INFINITY,
    f64::MAX,
    f64::MIN,
    f64::MIN_POSITIVE,
    5e-324,
    -5e-324,
    1e300,
    9_007_199_254_740_993.0,
    9.3e18,
    -2147483648.5,
];

/// Single-precision counterparts.
pub const SPECIAL_F32: [f32; 16] = [
    0.0,
    -0.0,
    1.0,
    -1.0,
    0.5,
    -2.5,
    3.0,
    0.1,
    f32::NAN,
    f32::INFINITY,
    f32::NEG_INFINITY,
    f32::MAX,
    f32::MIN,
    f32::MIN_POSITIVE,
    1e-45,
    3e9,
];

/// 64-bit integers that stress `//`, `%`, casts and wrapping.
pub const SPECIAL_I64: [i64; 16] = [
    0,
    1,
    -1,
    2,
    -2,
    3,
    -3,
    7,
    -7,
    10,
    i64::MIN,
    i64::MAX,
    i64::MIN + 1,
    1 << 40,
    -(1 << 33),
    4_294_967_296,
];

/// 32-bit integers that stress `//`, `%`, casts and wrapping.
pub const SPECIAL_I32: [i32; 12] = [
    0,
    1,
    -1,
    2,
    -2,
    3,
    -7,
    7,
    i32::MIN,
    i32::MAX,
    i32::MIN + 1,
    100,
];

impl Rng {
    /// A double: often a special value, otherwise a moderate random one.
    pub fn f64(&mut self) -> f64 {
        match self.below(4) {
            0 => SPECIAL_F64[self.below(SPECIAL_F64.len())],
            1 => (self.unit() - 0.5) * 20.0,
            2 => f64::from_bits(self.next()),
            _ => (self.below(21) as f64 - 10.0) * 0.5,
        }
    }

    /// A single-precision float.
    pub fn f32(&mut self) -> f32 {
        match self.below(3) {
            0 => SPECIAL_F32[self.below(SPECIAL_F32.len())],
            1 => ((self.unit() - 0.5) * 20.0) as f32,
            _ => f32::from_bits(self.next() as u32),
        }
    }

    /// A 64-bit integer.
    pub fn i64(&mut self) -> i64 {
        match self.below(3) {
            0 => SPECIAL_I64[self.below(SPECIAL_I64.len())],
            1 => self.below(21) as i64 - 10,
            _ => self.next() as i64,
        }
    }

    /// A 32-bit integer.
    pub fn i32(&mut self) -> i32 {
        match self.below(3) {
            0 => SPECIAL_I32[self.below(SPECIAL_I32.len())],
            1 => self.below(21) as i32 - 10,
            _ => self.next() as i32,
        }
    }

    /// A value of type `ty`.
    pub fn value(&mut self, ty: Type) -> Value {
        match ty {
            Type::Bool => Value::Bool(self.next() & 1 == 1),
            Type::I32 => Value::I32(self.i32()),
            Type::I64 => Value::I64(self.i64()),
            Type::F32 => Value::F32(self.f32()),
            Type::F64 | Type::F64List(_) => Value::F64(self.f64()),
        }
    }
}

//! The JIT's blocked loop (`exp`, `expm1` and `exprel` computed for 64 neurons at a time on the machine's
//! widest vectors) against the interpreter, bit for bit: a kernel whose vector block falls into several
//! phases (calls whose arguments need earlier calls' results), with values of every kind kept between
//! phases (doubles, integers, booleans, a random draw), an array loaded before and stored after the calls,
//! an array stored before and loaded after them, events and an `If` block in the last phase; arguments
//! that are special (NaN, infinities, subnormal, huge) as well as ordinary; groups smaller than a block,
//! of whole blocks and with a remainder; in one call and split between threads. And the slice functions
//! against the functions of `ganglion_ir::math`, element by element.

mod common;

use common::*;
use ganglion_ir::interp::{Bindings, Clock, Value};
use ganglion_ir::math::{self, SliceFn};
use ganglion_ir::{
    ArrayId, Backend, BinOp, Builder, Builtin, CmpOp, Domain, Extent, Index, Kernel, KernelKind,
    Op, Type, ValueId,
};
use ganglion_jit::Jit;

fn per_neuron(b: &mut Builder, name: &str, ty: Type) -> ArrayId {
    b.kernel.array(name, ty, Extent::PerNeuron)
}

fn load(b: &mut Builder, a: ArrayId) -> ValueId {
    let ty = b.kernel.arrays[a.0 as usize].ty;
    b.value(ty, Op::Load(a, Index::Neuron))
}

fn store(b: &mut Builder, a: ArrayId, v: ValueId) {
    b.effect(Op::Store(a, Index::Neuron, v));
}

/// Three phases: `exp(x)`; `expm1` and `exprel` of values derived from it; `exp` again of those.
fn phased_kernel() -> Kernel {
    let mut b = Builder::new(Kernel::new(
        "G.blocked",
        KernelKind::StateUpdate,
        Domain::Neurons,
    ));
    let spike = b.kernel.event("spike");
    let xa = per_neuron(&mut b, "x", Type::F64);
    let ya = per_neuron(&mut b, "y", Type::F64);
    let za = per_neuron(&mut b, "z", Type::F64);
    let ka = per_neuron(&mut b, "k", Type::I64);
    let fa = per_neuron(&mut b, "flag", Type::Bool);
    let ra = per_neuron(&mut b, "r", Type::F64);
    // Phase 0: loads, a draw, a boolean, an integer, a store of `z` that phase 2 loads again.
    let x = load(&mut b, xa);
    let u = b.value(
        Type::F64,
        Op::Random {
            normal: false,
            stream: 0,
            draw: 0,
        },
    );
    let zero = b.f64(0.0);
    let neg = b.cmp(CmpOp::Lt, x, zero);
    let i = b.value(Type::I64, Op::NeuronIndex);
    let k = load(&mut b, ka);
    let k = b.binary(Type::I64, BinOp::Add, k, i);
    let half = b.f64(0.5);
    let zx = b.binary(Type::F64, BinOp::Mul, x, half);
    store(&mut b, za, zx);
    let ex = b.call(Type::F64, Builtin::Exp, vec![x]);
    // Phase 1: calls of values of phase 0's call.
    let scale = b.f64(1e-3);
    let a = b.binary(Type::F64, BinOp::Mul, ex, scale);
    let a = b.binary(Type::F64, BinOp::Sub, a, x);
    let em = b.call(Type::F64, Builtin::Expm1, vec![a]);
    let er = b.call(Type::F64, Builtin::Exprel, vec![a]);
    // A uniform call (run once before the loop).
    let two = b.f64(2.0);
    let e2 = b.call(Type::F64, Builtin::Exp, vec![two]);
    // Phase 2.
    let s = b.binary(Type::F64, BinOp::Add, em, er);
    let s2 = b.binary(Type::F64, BinOp::Mul, s, u);
    let last = b.call(Type::F64, Builtin::Exp, vec![s2]);
    let z = load(&mut b, za);
    let y = b.binary(Type::F64, BinOp::Add, last, z);
    let y = b.binary(Type::F64, BinOp::Mul, y, e2);
    let y = b.value(Type::F64, Op::Select(neg, y, x));
    store(&mut b, ya, y);
    store(&mut b, xa, s);
    store(&mut b, ka, k);
    let one = b.f64(1.0);
    let fire = b.cmp(CmpOp::Gt, last, one);
    store(&mut b, fa, fire);
    b.effect(Op::Emit(spike, fire));
    b.begin_if(fire);
    let kf = b.cast(Type::F64, k);
    let r = b.binary(Type::F64, BinOp::Add, kf, em);
    store(&mut b, ra, r);
    let ex1 = b.call(Type::F64, Builtin::Exp, vec![r]);
    store(&mut b, za, ex1);
    b.end_if();
    b.finish()
}

/// Arguments: special values, then ordinary ones of every size `exp` takes.
fn arguments(n: usize, rng: &mut Rng) -> Vec<f64> {
    let special = [
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        0.0,
        -0.0,
        5e-324,
        -1e-300,
        1e-17,
        -1e-17,
        709.0,
        710.0,
        -745.0,
        -746.0,
        40.0,
        -40.0,
        717.5,
        1e300,
    ];
    (0..n)
        .map(|i| {
            if i % 5 == 3 {
                special[(i / 5) % special.len()]
            } else {
                (rng.unit() - 0.5) * 60.0
            }
        })
        .collect()
}

fn start(k: &Kernel, n: usize, seed: u64) -> Start {
    let mut rng = Rng(seed);
    let mut s = Start::zeros(k, n);
    let x: Vec<Value> = arguments(n, &mut rng).into_iter().map(Value::F64).collect();
    s.arrays[0] = array_of(Type::F64, &x);
    s.arrays[3] = array_of(
        Type::I64,
        &(0..n)
            .map(|_| Value::I64(rng.next() as i64 >> 20))
            .collect::<Vec<_>>(),
    );
    s.seed = seed;
    s.steps = 3;
    s.first_step = 5;
    s.clear_events = true;
    s
}

#[test]
fn phases_agree_with_the_interpreter_for_every_size() {
    let k = phased_kernel();
    for n in [0, 1, 2, 63, 64, 65, 128, 131, 200, 1001] {
        both(&k, &start(&k, n, n as u64 + 1));
    }
}

#[test]
fn phases_agree_with_the_interpreter_on_two_threads() {
    let k = phased_kernel();
    let n = 1000;
    let s = start(&k, n, 7);
    let reference = run(&mut ganglion_ir::Interpreter, &k, &s);
    let mut jit = Jit::default();
    let workers = jit.workers(2).expect("threads");
    let mut compiled = jit.compile(&k).expect("compiles");
    compiled.setup(&s.params, s.dt);
    let mut arrays = s.arrays.clone();
    for (step, want) in reference.iter().enumerate() {
        let mut events = s.events.clone();
        let mut b = Bindings {
            arrays: arrays.iter_mut().collect(),
            params: &s.params,
            events: events.iter_mut().collect(),
            n,
            clock: Clock {
                t: (s.first_step + step as i64) as f64 * s.dt,
                dt: s.dt,
                step: s.first_step + step as i64,
            },
            seed: s.seed,
        };
        // A grain of one: split into two ranges.
        compiled
            .call_parallel(&mut b, workers.as_ref(), 1)
            .expect("runs");
        drop(b);
        let got = Snapshot {
            arrays: arrays.clone(),
            events,
            fault: false,
        };
        if let Err(e) = compare(&k, std::slice::from_ref(want), std::slice::from_ref(&got)) {
            panic!("step {step}: {e}");
        }
    }
}

#[test]
fn slice_functions_give_the_bits_of_the_scalar_functions() {
    let mut rng = Rng(3);
    let mut x = arguments(4099, &mut rng);
    x.extend((0..2000).map(|i| -750.0 + 0.73 * i as f64));
    x.extend((0..500).map(|i| (i as f64 - 250.0) * 1e-9));
    for (f, scalar) in [
        (SliceFn::Exp, math::exp as fn(f64) -> f64),
        (SliceFn::Expm1, math::expm1),
        (SliceFn::Exprel, math::exprel),
    ] {
        let mut y = vec![0.0; x.len()];
        ganglion_jit::slice_math(f, &x, &mut y);
        let mut z = vec![0.0; x.len()];
        f.apply(&x, &mut z);
        for k in 0..x.len() {
            let want = scalar(x[k]);
            assert!(
                same64(y[k], want) && same64(z[k], want),
                "{f:?}({}) = {} (host) / {} (built) ≠ {}",
                x[k],
                y[k],
                z[k],
                want
            );
        }
    }
}

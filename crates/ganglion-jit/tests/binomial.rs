//! Binomial draws (`Op::Binomial`, what Poisson inputs add) and the rounding timed arrays rely on give the
//! same bits in compiled code as in the interpreter: in scalar and vector code, in the wide loop and its
//! tail, over several steps and seeds.

use ganglion_ir::interp::{ArrayData, Bindings, Clock};
use ganglion_ir::{
    Backend, BinOp, Builder, Const, Domain, Extent, Index, Interpreter, Kernel, KernelKind, Level,
    Op, Type,
};
use ganglion_jit::Jit;

/// Distributions covering both of Brian2's branches, p > 0.5, and the edges.
const CASES: [(u64, f64); 7] = [
    (200, 0.002),
    (10, 0.3),
    (10, 0.8),
    (10_000, 0.001),
    (100, 0.5),
    (5, 0.0),
    (5, 1.0),
];

fn binomial_kernel() -> Kernel {
    let mut b = Builder::new(Kernel::new(
        "G.binomial",
        KernelKind::PoissonInput("x".into()),
        Domain::Neurons,
    ));
    let shared = b.kernel.array("s", Type::F64, Extent::Shared);
    b.set_level(Level::Scalar);
    let s = b.value(
        Type::F64,
        Op::Binomial {
            n: 30,
            p: 0.4,
            stream: 0,
            draw: 0,
        },
    );
    b.effect(Op::Store(shared, Index::Shared, s));
    b.set_level(Level::Vector);
    for (k, (n, p)) in CASES.iter().enumerate() {
        let a = b
            .kernel
            .array(&format!("x{k}"), Type::F64, Extent::PerNeuron);
        let v = b.value(
            Type::F64,
            Op::Binomial {
                n: *n,
                p: *p,
                stream: 0,
                draw: k as u32 + 1,
            },
        );
        let old = b.value(Type::F64, Op::Load(a, Index::Neuron));
        let sum = b.binary(Type::F64, BinOp::Add, old, v);
        b.effect(Op::Store(a, Index::Neuron, sum));
    }
    b.finish()
}

/// Runs `k` for `steps` steps over `n` neurons on a backend; every array's bits afterwards.
fn run(backend: &mut dyn Backend, k: &Kernel, n: usize, seed: u64, steps: i64) -> Vec<Vec<u64>> {
    let mut arrays: Vec<ArrayData> = k
        .arrays
        .iter()
        .map(|a| match a.extent {
            Extent::Shared => ArrayData::zeros(a.ty, 1),
            _ => ArrayData::zeros(a.ty, n),
        })
        .collect();
    let mut c = backend.compile(k).unwrap();
    c.setup(&[], 1e-4);
    for step in 0..steps {
        let mut bind = Bindings {
            arrays: arrays.iter_mut().collect(),
            params: &[],
            events: Vec::new(),
            clock: Clock {
                t: step as f64 * 1e-4,
                dt: 1e-4,
                step,
            },
            seed,
            n,
            first: 0,
        };
        c.call(&mut bind).unwrap();
    }
    arrays
        .iter()
        .map(|a| (0..a.len()).map(|i| a.get(i).as_f64().to_bits()).collect())
        .collect()
}

#[test]
fn binomial_draws_are_bit_identical() {
    let k = binomial_kernel();
    ganglion_ir::verify(&k).unwrap();
    for (n, seed) in [(1, 0), (2, 1), (37, 2), (128, 3)] {
        let a = run(&mut Interpreter, &k, n, seed, 6);
        let b = run(&mut Jit::default(), &k, n, seed, 6);
        assert_eq!(a, b, "N = {n}, seed {seed}");
    }
    // The sums over 6 steps look like binomial sums: p = 0 gives 0, p = 1 gives 6n.
    let a = run(&mut Interpreter, &k, 64, 5, 6);
    assert!(a[6].iter().all(|&x| f64::from_bits(x) == 0.0));
    assert!(a[7].iter().all(|&x| f64::from_bits(x) == 30.0));
}

/// `(x + 2**52) - 2**52`, what timed arrays use to round to the nearest integer with ties to even, is not
/// simplified away by either backend and rounds as `round_ties_even` does for 0 <= x < 2**52.
#[test]
fn rounding_by_adding_two_to_the_52_is_kept() {
    let mut b = Builder::new(Kernel::new(
        "G.round",
        KernelKind::RunRegularly,
        Domain::Neurons,
    ));
    let x = b.kernel.array("x", Type::F64, Extent::PerNeuron);
    let v = b.value(Type::F64, Op::Load(x, Index::Neuron));
    let big = b.constant(Const::F64(4_503_599_627_370_496.0));
    let up = b.binary(Type::F64, BinOp::Add, v, big);
    let r = b.binary(Type::F64, BinOp::Sub, up, big);
    b.effect(Op::Store(x, Index::Neuron, r));
    let mut k = b.finish();
    ganglion_ir::passes::optimize(&mut k);
    let inputs: Vec<f64> = (0..400)
        .map(|i| i as f64 * 0.25)
        .chain([
            0.49999999999999994,
            1.5000000000000002,
            2.4999999999999996,
            1e15 + 0.5,
        ])
        .collect();
    for backend in [
        &mut Interpreter as &mut dyn Backend,
        &mut Jit::default() as &mut dyn Backend,
    ] {
        let mut data = ArrayData::from_f64(inputs.clone());
        let mut c = backend.compile(&k).unwrap();
        c.setup(&[], 1e-4);
        let mut bind = Bindings {
            arrays: vec![&mut data],
            params: &[],
            events: Vec::new(),
            clock: Clock {
                t: 0.0,
                dt: 1e-4,
                step: 0,
            },
            seed: 0,
            n: inputs.len(),
            first: 0,
        };
        c.call(&mut bind).unwrap();
        for (i, x) in inputs.iter().enumerate() {
            assert_eq!(
                data.get(i).as_f64(),
                x.round_ties_even(),
                "{} rounds {x}",
                backend.name()
            );
        }
    }
}

//! Synaptic code over an event buffer cut into parts for threads ([`CompiledKernel::call_split`]): the
//! JIT on 2 and 3 threads gives the interpreter's result on the uncut buffer, bit for bit; a cut that
//! does not keep to its keys, or a kernel that may not be split, runs on one thread with the same result.

use ganglion_ir::interp::{ArrayData, Bindings, Clock};
use ganglion_ir::{
    ArrayId, Backend, BinOp, Builder, CompiledKernel, Domain, EventId, EventSplit, Extent, Index,
    Interpreter, Kernel, KernelKind, Op, Split, Type, event_split,
};
use ganglion_jit::Jit;

mod common;
use common::Rng;

/// `ge_post += w * 1.5; w = 0.99 * w + rand()` (and, with `write_pre`, `x_pre += w`): the shape of
/// Brian2's `on_pre` code, with a random draw that must not depend on the order of the synapses.
fn pathway(write_pre: bool) -> Kernel {
    let mut b = Builder::new(Kernel::new(
        "S.pre",
        KernelKind::Pathway("pre".into()),
        Domain::Events(EventId(0)),
    ));
    b.kernel.event("pre");
    let post_a = b
        .kernel
        .array("_synaptic_post", Type::I32, Extent::PerNeuron);
    let pre_a = b
        .kernel
        .array("_synaptic_pre", Type::I32, Extent::PerNeuron);
    let w_a = b.kernel.array("w", Type::F64, Extent::PerNeuron);
    let ge_a = b.kernel.array("P.ge", Type::F64, Extent::Indexed);
    let x_a = b.kernel.array("P.x", Type::F64, Extent::Indexed);
    let neuron = |b: &mut Builder, a: ArrayId| {
        let raw = b.value(Type::I32, Op::Load(a, Index::Neuron));
        b.cast(Type::I64, raw)
    };
    let post = neuron(&mut b, post_a);
    let w = b.value(Type::F64, Op::Load(w_a, Index::Neuron));
    let ge = b.value(Type::F64, Op::Load(ge_a, Index::At(post)));
    let k = b.f64(1.5);
    let dw = b.binary(Type::F64, BinOp::Mul, w, k);
    let ge = b.binary(Type::F64, BinOp::Add, ge, dw);
    b.effect(Op::Store(ge_a, Index::At(post), ge));
    if write_pre {
        let pre = neuron(&mut b, pre_a);
        let x = b.value(Type::F64, Op::Load(x_a, Index::At(pre)));
        let x = b.binary(Type::F64, BinOp::Add, x, w);
        b.effect(Op::Store(x_a, Index::At(pre), x));
    }
    let decay = b.f64(0.99);
    let w2 = b.binary(Type::F64, BinOp::Mul, w, decay);
    let r = b.value(
        Type::F64,
        Op::Random {
            normal: false,
            stream: 0,
            draw: 0,
        },
    );
    let w2 = b.binary(Type::F64, BinOp::Add, w2, r);
    b.effect(Op::Store(w_a, Index::Neuron, w2));
    b.finish()
}

const SYNAPSES: usize = 6000;
const NEURONS: usize = 300;

/// The arrays of `pathway` for random synapses, and a buffer of distinct synapses in random order.
fn state(seed: u64) -> (Vec<ArrayData>, Vec<u32>) {
    let mut rng = Rng(seed);
    let post: Vec<i32> = (0..SYNAPSES).map(|_| rng.below(NEURONS) as i32).collect();
    let pre: Vec<i32> = (0..SYNAPSES).map(|_| rng.below(NEURONS) as i32).collect();
    let w: Vec<f64> = (0..SYNAPSES)
        .map(|_| rng.below(1000) as f64 / 7.0)
        .collect();
    let ge: Vec<f64> = (0..NEURONS).map(|_| rng.below(100) as f64 / 3.0).collect();
    let mut buffer: Vec<u32> = (0..SYNAPSES as u32).collect();
    for k in (1..buffer.len()).rev() {
        buffer.swap(k, rng.below(k + 1));
    }
    buffer.truncate(SYNAPSES * 2 / 3);
    let arrays = vec![
        ArrayData::I32(ganglion_ir::interp::Array::from_vec(post)),
        ArrayData::I32(ganglion_ir::interp::Array::from_vec(pre)),
        ArrayData::from_f64(w),
        ArrayData::from_f64(ge.clone()),
        ArrayData::from_f64(ge),
    ];
    (arrays, buffer)
}

/// Calls `compiled` once (split by `split` on `threads` threads, if given); the arrays after the call.
fn call(
    compiled: &mut dyn CompiledKernel,
    mut arrays: Vec<ArrayData>,
    mut buffer: Vec<u32>,
    split: Option<(&Split<'_>, usize)>,
) -> Vec<Vec<u64>> {
    compiled.setup(&[], 1e-4);
    let mut bindings = Bindings {
        arrays: arrays.iter_mut().collect(),
        params: &[],
        events: vec![&mut buffer],
        clock: Clock {
            t: 0.5,
            dt: 1e-4,
            step: 5000,
        },
        seed: 42,
        n: SYNAPSES,
        first: 0,
    };
    match split {
        Some((split, threads)) => {
            let workers = Jit::default().workers(threads).expect("threads");
            compiled
                .call_split(&mut bindings, workers.as_ref(), 1, split)
                .unwrap()
        }
        None => compiled.call(&mut bindings).unwrap(),
    }
    drop(bindings);
    arrays
        .iter()
        .map(|a| a.to_f64_vec().iter().map(|x| x.to_bits()).collect())
        .collect()
}

/// The buffer cut into parts by the neuron each synapse writes to (stably: a neuron's synapses keep their
/// order), with the parts' positions and keys.
fn cut(arrays: &[ArrayData], buffer: &[u32], keys: &[usize]) -> (Vec<u32>, Vec<usize>) {
    let parts = keys.len() - 1;
    let mut out = Vec::new();
    let mut ranges = vec![0];
    for p in 0..parts {
        out.extend(buffer.iter().filter(|&&s| {
            let k = arrays[0].get_f64(s as usize) as usize;
            (keys[p]..keys[p + 1]).contains(&k)
        }));
        ranges.push(out.len());
    }
    (out, ranges)
}

#[test]
fn synaptic_code_split_by_target_gives_the_interpreters_result() {
    let k = pathway(false);
    assert_eq!(event_split(&k), Some(EventSplit::Key(ArrayId(0))));
    for seed in [1, 2, 3] {
        let (arrays, buffer) = state(seed);
        let mut interp = Interpreter.compile(&k).unwrap();
        let reference = call(interp.as_mut(), arrays.clone(), buffer.clone(), None);
        for keys in [vec![0, 128, NEURONS], vec![0, 64, 192, NEURONS]] {
            let (buffer, ranges) = cut(&arrays, &buffer, &keys);
            let split = Split {
                ranges: &ranges,
                keys: &keys,
            };
            let mut jit = Jit::default().compile(&k).unwrap();
            let threads = keys.len() - 1;
            let got = call(
                jit.as_mut(),
                arrays.clone(),
                buffer,
                Some((&split, threads)),
            );
            assert_eq!(got, reference, "seed {seed}, keys {keys:?}");
        }
    }
}

#[test]
fn a_cut_that_does_not_keep_to_its_keys_runs_on_one_thread() {
    let k = pathway(false);
    let (arrays, buffer) = state(7);
    let mut interp = Interpreter.compile(&k).unwrap();
    let reference = call(interp.as_mut(), arrays.clone(), buffer.clone(), None);
    // Cut in the middle of the buffer as it comes: both parts write to most neurons.
    let ranges = [0, buffer.len() / 2, buffer.len()];
    let keys = [0, NEURONS / 2, NEURONS];
    let split = Split {
        ranges: &ranges,
        keys: &keys,
    };
    let mut jit = Jit::default().compile(&k).unwrap();
    let got = call(jit.as_mut(), arrays, buffer, Some((&split, 2)));
    assert_eq!(got, reference);
}

#[test]
fn code_writing_both_sides_is_not_split() {
    let k = pathway(true);
    assert_eq!(event_split(&k), None);
    let (arrays, buffer) = state(11);
    let mut interp = Interpreter.compile(&k).unwrap();
    let reference = call(interp.as_mut(), arrays.clone(), buffer.clone(), None);
    let keys = [0, 128, NEURONS];
    let (cut_buffer, ranges) = cut(&arrays, &buffer, &keys);
    let split = Split {
        ranges: &ranges,
        keys: &keys,
    };
    // Run in the cut order on one thread: the interpreter's result for that order.
    let mut interp = Interpreter.compile(&k).unwrap();
    let in_cut_order = call(interp.as_mut(), arrays.clone(), cut_buffer.clone(), None);
    let mut jit = Jit::default().compile(&k).unwrap();
    let got = call(jit.as_mut(), arrays, cut_buffer, Some((&split, 2)));
    assert_eq!(got, in_cut_order);
    // `x_pre += w` depends on the order of the synapses of a presynaptic neuron: the cut order is not
    // the buffer's order for every neuron, so `x` may differ, but `ge` (written through the key) not.
    assert_eq!(got[3], reference[3]);
}

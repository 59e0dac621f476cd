//! The clean-up passes: hoisting moves `exp(-dt/tau)` to setup and time-dependent work to scalar code,
//! CSE merges equal pure computations (respecting `If` scopes), DCE removes unused pure work but no
//! effects, constant folding evaluates with the interpreter's semantics, and `optimize` keeps what a
//! kernel computes while making it smaller. Store-to-load forwarding treats any two computed indices as
//! possibly the same element.

mod common;

use common::*;
use ganglion_ir::interp::{self, ArrayData, Value};
use ganglion_ir::passes;
use ganglion_ir::*;

fn count(b: &Block, pred: impl Fn(&Op) -> bool) -> usize {
    let mut n = 0;
    b.walk(&mut |i| n += usize::from(pred(&i.op)));
    n
}

fn has(b: &Block, pred: impl Fn(&Op) -> bool) -> bool {
    count(b, pred) > 0
}

/// `v = v*exp(-dt/tau) + I*(1 - exp(-dt/tau))` written naively in the vector block, twice the exponential,
/// with a time-dependent drive `sin(t)` and a random draw.
fn lif_kernel() -> Kernel {
    let mut k = Kernel::new("G.stateupdater", KernelKind::StateUpdate, Domain::Neurons);
    let tau = k.param("tau", Type::F64);
    let mut b = Builder::new(k);
    let v = f64_array(&mut b, "v");
    let cur = f64_array(&mut b, "I");
    let noise = f64_array(&mut b, "noise");
    let decay = |b: &mut Builder| {
        let dt = b.value(Type::F64, Op::Dt);
        let p = b.value(Type::F64, Op::Param(tau));
        let r = b.binary(Type::F64, BinOp::Div, dt, p);
        let n = b.value(Type::F64, Op::Unary(UnOp::Neg, r));
        b.call(Type::F64, Builtin::Exp, vec![n])
    };
    let x = load(&mut b, Type::F64, v);
    let e1 = decay(&mut b);
    let a = b.binary(Type::F64, BinOp::Mul, x, e1);
    let i = load(&mut b, Type::F64, cur);
    let one = b.f64(1.0);
    let e2 = decay(&mut b);
    let c = b.binary(Type::F64, BinOp::Sub, one, e2);
    let d = b.binary(Type::F64, BinOp::Mul, i, c);
    let t = b.value(Type::F64, Op::Time);
    let s = b.call(Type::F64, Builtin::Sin, vec![t]);
    let d2 = b.binary(Type::F64, BinOp::Add, d, s);
    let new = b.binary(Type::F64, BinOp::Add, a, d2);
    store(&mut b, v, new);
    let r = b.value(
        Type::F64,
        Op::Random {
            normal: true,
            stream: 0,
            draw: 0,
        },
    );
    store(&mut b, noise, r);
    // Dead work: an unused pure value.
    let _unused = b.binary(Type::F64, BinOp::Mul, x, x);
    b.finish()
}

fn run_lif(k: &Kernel, steps: i64) -> Vec<Vec<f64>> {
    let mut run = Run::new(k, 4);
    run.params = vec![Value::F64(0.01)];
    run.seed = 9;
    run.arrays[0] = ArrayData::from_f64(vec![0.0, 0.5, -1.0, 2.0]);
    run.arrays[1] = ArrayData::from_f64(vec![1.0, 2.0, 3.0, 4.0]);
    for step in 0..steps {
        run.clock.step = step;
        run.clock.t = step as f64 * run.clock.dt;
        run.call(k);
    }
    ["v", "noise"].iter().map(|n| run.f64s(k, n)).collect()
}

#[test]
fn hoisting_moves_exp_of_dt_over_tau_to_setup_and_time_to_scalar() {
    let mut k = lif_kernel();
    passes::hoist(&mut k);
    verify(&k).unwrap();
    // exp(-dt/tau) depends only on dt and a parameter: once per run.
    assert_eq!(
        count(&k.setup, |op| matches!(op, Op::Call(Builtin::Exp, _))),
        2
    );
    assert!(!has(&k.vector, |op| matches!(
        op,
        Op::Call(Builtin::Exp, _)
    )));
    assert!(!has(&k.vector, |op| matches!(op, Op::Dt | Op::Param(_))));
    // sin(t) depends on time: once per step.
    assert!(has(&k.scalar, |op| matches!(op, Op::Call(Builtin::Sin, _))));
    assert!(has(&k.scalar, |op| matches!(op, Op::Time)));
    assert!(!has(&k.vector, |op| matches!(op, Op::Time)));
    // Loads, stores and random draws stay per neuron.
    assert_eq!(count(&k.vector, |op| matches!(op, Op::Load(..))), 2);
    assert_eq!(count(&k.vector, |op| matches!(op, Op::Store(..))), 2);
    assert!(has(&k.vector, |op| matches!(op, Op::Random { .. })));
    assert!(!has(&k.setup, |op| matches!(
        op,
        Op::Random { .. } | Op::Load(..)
    )));
    assert_eq!(run_lif(&k, 3), run_lif(&lif_kernel(), 3));
}

#[test]
fn hoisting_keeps_shared_variables_written_per_neuron_in_the_loop() {
    // s is shared and written in the vector block: its load must stay there (it changes per neuron).
    // r is shared and only read: its load moves to scalar code.
    let k0 = kernel("acc", |b| {
        let s = b.kernel.array("s", Type::F64, Extent::Shared);
        let r = b.kernel.array("r", Type::F64, Extent::Shared);
        let out = f64_array(b, "out");
        let x = b.value(Type::F64, Op::Load(s, Index::Shared));
        let y = b.value(Type::F64, Op::Load(r, Index::Shared));
        let z = b.binary(Type::F64, BinOp::Add, x, y);
        b.effect(Op::Store(s, Index::Shared, z));
        store(b, out, z);
    });
    let mut k = k0.clone();
    passes::hoist(&mut k);
    verify(&k).unwrap();
    let s_loads = count(&k.vector, |op| matches!(op, Op::Load(ArrayId(0), _)));
    assert_eq!(s_loads, 1, "{k}");
    assert!(
        has(&k.scalar, |op| matches!(op, Op::Load(ArrayId(1), _))),
        "{k}"
    );
    let run = |k: &Kernel| {
        let mut run = Run::new(k, 3);
        run.arrays[1] = ArrayData::from_f64(vec![2.0]);
        run.call(k);
        run.f64s(k, "out")
    };
    assert_eq!(run(&k), vec![2.0, 4.0, 6.0]);
    assert_eq!(run(&k), run(&k0));
}

#[test]
fn hoisting_moves_invariant_work_out_of_if_bodies_but_keeps_effects_inside() {
    let k0 = kernel("if", |b| {
        let v = f64_array(b, "v");
        let x = load(b, Type::F64, v);
        let zero = b.f64(0.0);
        let c = b.cmp(CmpOp::Gt, x, zero);
        b.begin_if(c);
        let dt = b.value(Type::F64, Op::Dt);
        let two = b.f64(2.0);
        let h = b.binary(Type::F64, BinOp::Div, dt, two);
        let y = b.binary(Type::F64, BinOp::Add, x, h);
        store(b, v, y);
        b.end_if();
    });
    let mut k = k0.clone();
    passes::hoist(&mut k);
    verify(&k).unwrap();
    assert!(
        has(&k.setup, |op| matches!(op, Op::Binary(BinOp::Div, ..))),
        "{k}"
    );
    let Some(Inst {
        op: Op::If(_, body),
        ..
    }) = k.vector.insts.iter().find(|i| matches!(i.op, Op::If(..)))
    else {
        panic!("the If stays: {k}")
    };
    assert!(has(body, |op| matches!(op, Op::Store(..))));
    assert!(has(body, |op| matches!(op, Op::Binary(BinOp::Add, ..))));
    let run = |k: &Kernel| {
        let mut run = Run::new(k, 2);
        run.arrays[0] = ArrayData::from_f64(vec![-1.0, 1.0]);
        run.call(k);
        run.f64s(k, "v")
    };
    assert_eq!(run(&k), run(&k0));
    assert_eq!(run(&k), vec![-1.0, 1.0 + 0.5e-4]);
}

#[test]
fn cse_merges_equal_pure_work_and_nothing_else() {
    let mut k = lif_kernel();
    let exps = count(&k.vector, |op| matches!(op, Op::Call(Builtin::Exp, _)));
    assert_eq!(exps, 2);
    passes::cse(&mut k);
    verify(&k).unwrap();
    assert_eq!(
        count(&k.vector, |op| matches!(op, Op::Call(Builtin::Exp, _))),
        1
    );
    assert_eq!(count(&k.vector, |op| matches!(op, Op::Dt)), 1);
    assert_eq!(run_lif(&k, 2), run_lif(&lif_kernel(), 2));

    // Two loads of one array are not merged (a store may come between), nor two random draws.
    let mut k = kernel("effects", |b| {
        let v = f64_array(b, "v");
        let w = f64_array(b, "w");
        let x = load(b, Type::F64, v);
        let one = b.f64(1.0);
        let y = b.binary(Type::F64, BinOp::Add, x, one);
        store(b, v, y);
        let x2 = load(b, Type::F64, v);
        store(b, w, x2);
        for draw in 0..2 {
            let r = b.value(
                Type::F64,
                Op::Random {
                    normal: false,
                    stream: 0,
                    draw,
                },
            );
            store(b, w, r);
        }
        let r1 = b.value(
            Type::F64,
            Op::Random {
                normal: false,
                stream: 0,
                draw: 5,
            },
        );
        let r2 = b.value(
            Type::F64,
            Op::Random {
                normal: false,
                stream: 0,
                draw: 5,
            },
        );
        let s = b.binary(Type::F64, BinOp::Sub, r1, r2);
        store(b, w, s);
    });
    passes::cse(&mut k);
    verify(&k).unwrap();
    assert_eq!(count(&k.vector, |op| matches!(op, Op::Load(..))), 2);
    assert_eq!(count(&k.vector, |op| matches!(op, Op::Random { .. })), 4);
}

#[test]
fn cse_respects_if_scopes() {
    // A value first computed inside an `If` is not visible after it: the later equal computation must stay.
    // A value computed before an `If` is reused inside it.
    let k0 = kernel("scopes", |b| {
        let v = f64_array(b, "v");
        let w = f64_array(b, "w");
        let x = load(b, Type::F64, v);
        let two = b.f64(2.0);
        let outer = b.binary(Type::F64, BinOp::Mul, x, two);
        let zero = b.f64(0.0);
        let c = b.cmp(CmpOp::Gt, x, zero);
        let three = b.f64(3.0);
        b.begin_if(c);
        let inner_dup = b.binary(Type::F64, BinOp::Mul, x, two);
        let inner_only = b.binary(Type::F64, BinOp::Add, x, three);
        let s = b.binary(Type::F64, BinOp::Add, inner_dup, inner_only);
        store(b, w, s);
        b.end_if();
        let again = b.binary(Type::F64, BinOp::Add, x, three);
        let t = b.binary(Type::F64, BinOp::Add, again, outer);
        store(b, v, t);
    });
    verify(&k0).unwrap();
    let mut k = k0.clone();
    passes::cse(&mut k);
    verify(&k).unwrap_or_else(|e| panic!("{e}\n{k}"));
    let muls = count(&k.vector, |op| matches!(op, Op::Binary(BinOp::Mul, ..)));
    assert_eq!(
        muls, 1,
        "the duplicate inside the If is merged with the outer value\n{k}"
    );
    let run = |k: &Kernel| {
        let mut run = Run::new(k, 2);
        run.arrays[0] = ArrayData::from_f64(vec![-1.0, 1.0]);
        run.call(k);
        (run.f64s(k, "v"), run.f64s(k, "w"))
    };
    assert_eq!(run(&k), run(&k0));
    assert_eq!(run(&k), (vec![0.0, 6.0], vec![0.0, 6.0]));
}

#[test]
fn dce_removes_unused_pure_work_but_keeps_effects() {
    let mut k = lif_kernel();
    let before = count(&k.vector, |_| true);
    passes::dce(&mut k);
    verify(&k).unwrap();
    assert_eq!(
        count(&k.vector, |_| true),
        before - 1,
        "only `x*x` is dead\n{k}"
    );
    // A chain of dead values goes completely; stores, emits, draws and loads stay.
    let mut k = kernel("dead", |b| {
        let e = b.kernel.event("spike");
        let v = f64_array(b, "v");
        let x = load(b, Type::F64, v);
        let a = b.binary(Type::F64, BinOp::Mul, x, x);
        let c = b.call(Type::F64, Builtin::Exp, vec![a]);
        let _d = b.binary(Type::F64, BinOp::Add, c, x);
        let _r = b.value(
            Type::F64,
            Op::Random {
                normal: false,
                stream: 0,
                draw: 0,
            },
        );
        let t = b.constant(Const::Bool(true));
        b.effect(Op::Emit(e, t));
        let one = b.f64(1.0);
        b.begin_if(t);
        let _inner = b.binary(Type::F64, BinOp::Sub, one, one);
        store(b, v, one);
        b.end_if();
    });
    passes::dce(&mut k);
    verify(&k).unwrap();
    assert!(
        !has(&k.vector, |op| matches!(op, Op::Binary(..) | Op::Call(..))),
        "{k}"
    );
    assert!(has(&k.vector, |op| matches!(op, Op::Random { .. })));
    assert!(has(&k.vector, |op| matches!(op, Op::Emit(..))));
    assert!(has(&k.vector, |op| matches!(op, Op::Store(..))));
    assert!(has(&k.vector, |op| matches!(op, Op::Load(..))));
}

#[test]
fn constant_folding_uses_the_interpreters_semantics() {
    let folded = |ty: Type, build: &dyn Fn(&mut Builder) -> ValueId| -> Const {
        let mut k = kernel("fold", |b| {
            let out = b.kernel.array("out", ty, Extent::PerNeuron);
            let r = build(b);
            store(b, out, r);
        });
        passes::fold_constants(&mut k);
        passes::dce(&mut k);
        verify(&k).unwrap();
        let consts: Vec<Const> = k
            .vector
            .insts
            .iter()
            .filter_map(|i| match i.op {
                Op::Const(c) => Some(c),
                _ => None,
            })
            .collect();
        assert_eq!(consts.len(), 1, "everything folds into one constant\n{k}");
        assert_eq!(k.vector.insts.len(), 2, "{k}");
        consts[0]
    };
    // 2*3 + 1
    let c = folded(Type::F64, &|b| {
        let x = b.f64(2.0);
        let y = b.f64(3.0);
        let m = b.binary(Type::F64, BinOp::Mul, x, y);
        let one = b.f64(1.0);
        b.binary(Type::F64, BinOp::Add, m, one)
    });
    assert_eq!(c, Const::F64(7.0));
    // Python's -7 // 2 and -7 % 2
    let c = folded(Type::I64, &|b| {
        let x = b.constant(Const::I64(-7));
        let y = b.constant(Const::I64(2));
        let q = b.binary(Type::I64, BinOp::FloorDiv, x, y);
        let r = b.binary(Type::I64, BinOp::Mod, x, y);
        let ten = b.constant(Const::I64(10));
        let q10 = b.binary(Type::I64, BinOp::Mul, q, ten);
        b.binary(Type::I64, BinOp::Add, q10, r)
    });
    assert_eq!(c, Const::I64(-39));
    // int(-2.5) and a comparison and a select
    let c = folded(Type::I64, &|b| {
        let x = b.f64(-2.5);
        let n = b.cast(Type::I64, x);
        let z = b.constant(Const::I64(0));
        let lt = b.cmp(CmpOp::Lt, n, z);
        let a = b.constant(Const::I64(100));
        b.value(Type::I64, Op::Select(lt, n, a))
    });
    assert_eq!(c, Const::I64(-2));
    // exp(0.5): the same bits as the interpreter's evaluation
    let c = folded(Type::F64, &|b| {
        let x = b.f64(0.5);
        b.call(Type::F64, Builtin::Exp, vec![x])
    });
    assert_eq!(c, Const::F64(0.5f64.exp()));
    // 0/0 folds to NaN
    let c = folded(Type::F64, &|b| {
        let x = b.f64(0.0);
        b.binary(Type::F64, BinOp::Div, x, x)
    });
    assert!(matches!(c, Const::F64(x) if x.is_nan()));
}

#[test]
fn constant_folding_leaves_run_time_values_alone() {
    let mut k = Kernel::new("K", KernelKind::StateUpdate, Domain::Neurons);
    let p = k.param("tau", Type::F64);
    let mut b = Builder::new(k);
    let out = f64_array(&mut b, "out");
    let dt = b.value(Type::F64, Op::Dt);
    let tau = b.value(Type::F64, Op::Param(p));
    let t = b.value(Type::F64, Op::Time);
    let two = b.f64(2.0);
    let a = b.binary(Type::F64, BinOp::Mul, dt, two);
    let c = b.binary(Type::F64, BinOp::Add, a, tau);
    let d = b.binary(Type::F64, BinOp::Add, c, t);
    store(&mut b, out, d);
    let mut k = b.finish();
    let before = k.clone();
    passes::fold_constants(&mut k);
    assert_eq!(k, before);
}

#[test]
fn select_of_equal_branches_folds_away() {
    let mut k = kernel("sel", |b| {
        let v = f64_array(b, "v");
        let x = load(b, Type::F64, v);
        let z = b.f64(0.0);
        let c = b.cmp(CmpOp::Gt, x, z);
        let s = b.value(Type::F64, Op::Select(c, x, x));
        store(b, v, s);
    });
    passes::fold_selects(&mut k);
    passes::dce(&mut k);
    verify(&k).unwrap();
    assert!(
        !has(&k.vector, |op| matches!(op, Op::Select(..) | Op::Cmp(..))),
        "{k}"
    );
}

#[test]
fn optimize_keeps_results_and_is_idempotent() {
    let mut k = lif_kernel();
    passes::optimize(&mut k);
    verify(&k).unwrap();
    assert_eq!(run_lif(&k, 5), run_lif(&lif_kernel(), 5));
    // Values are numbered 0, 1, 2, ... in order of definition.
    let mut ids = Vec::new();
    for b in [&k.setup, &k.scalar, &k.vector] {
        b.walk(&mut |i| ids.extend(i.result.map(|r| r.0)));
    }
    assert_eq!(ids, (0..ids.len() as u32).collect::<Vec<_>>());
    assert_eq!(k.num_values as usize, ids.len());
    // A second optimisation finds nothing left to do.
    let once = k.to_string();
    passes::optimize(&mut k);
    assert_eq!(k.to_string(), once);
    // The per-neuron loop is only what must be per neuron.
    let text = k.to_string();
    let vector = text.split("  vector:").nth(1).unwrap();
    assert!(
        !vector.contains("exp") && !vector.contains("sin") && !vector.contains("dt"),
        "{text}"
    );
}

#[test]
fn optimize_keeps_kernels_valid_when_work_between_two_ifs_feeds_the_second() {
    // if c: v = 0;  y = x*2 (pure);  emit;  if c: w = y   -- the second body reads a value defined between
    // the two `If`s, so merging the bodies must keep `y` defined before its use.
    let k0 = kernel("two ifs", |b| {
        let e = b.kernel.event("spike");
        let v = f64_array(b, "v");
        let w = f64_array(b, "w");
        let x = load(b, Type::F64, v);
        let one = b.f64(1.0);
        let c = b.cmp(CmpOp::Gt, x, one);
        b.begin_if(c);
        let z = b.f64(0.0);
        store(b, v, z);
        b.end_if();
        let two = b.f64(2.0);
        let y = b.binary(Type::F64, BinOp::Mul, x, two);
        b.effect(Op::Emit(e, c));
        b.begin_if(c);
        store(b, w, y);
        b.end_if();
    });
    verify(&k0).unwrap();
    let mut k = k0.clone();
    passes::optimize(&mut k);
    verify(&k).unwrap_or_else(|e| panic!("{e}\n{k}"));
    let run = |k: &Kernel| {
        let mut run = Run::new(k, 3);
        run.arrays[0] = ArrayData::from_f64(vec![0.5, 1.5, 3.0]);
        run.call(k);
        (run.f64s(k, "v"), run.f64s(k, "w"), run.events.clone())
    };
    assert_eq!(run(&k), run(&k0));
    assert_eq!(run(&k).1, vec![0.0, 3.0, 6.0]);
}

#[test]
fn store_to_load_forwarding_stops_at_stores_inside_ifs() {
    // x = v; v = x + 1; y = v (forwarded: x + 1); if x > 0.5: v = 0; z = v (not forwarded); out = y + z
    let k0 = kernel("forward", |b| {
        let v = f64_array(b, "v");
        let out = f64_array(b, "out");
        let x = load(b, Type::F64, v);
        let one = b.f64(1.0);
        let x1 = b.binary(Type::F64, BinOp::Add, x, one);
        store(b, v, x1);
        let y = load(b, Type::F64, v);
        let half = b.f64(0.5);
        let c = b.cmp(CmpOp::Gt, x, half);
        b.begin_if(c);
        let zero = b.f64(0.0);
        store(b, v, zero);
        // Inside the body the stored value is known.
        let inner = load(b, Type::F64, v);
        store(b, out, inner);
        b.end_if();
        let z = load(b, Type::F64, v);
        let s = b.binary(Type::F64, BinOp::Add, y, z);
        store(b, out, s);
    });
    let mut k = k0.clone();
    passes::forward_stores(&mut k);
    passes::dce(&mut k);
    verify(&k).unwrap_or_else(|e| panic!("{e}\n{k}"));
    assert_eq!(count(&k.vector, |op| matches!(op, Op::Load(..))), 2, "{k}");
    let run = |k: &Kernel| {
        let mut run = Run::new(k, 2);
        run.arrays[0] = ArrayData::from_f64(vec![0.25, 1.0]);
        run.call(k);
        (run.f64s(k, "v"), run.f64s(k, "out"))
    };
    assert_eq!(run(&k), run(&k0));
    assert_eq!(run(&k), (vec![1.25, 0.0], vec![2.5, 2.0]));
}

// ---------------------------------------------------------------------------------------------------------
// Computed indices: any two may name the same element, and an access out of range is a fault

fn is_load_at(op: &Op) -> bool {
    matches!(op, Op::Load(_, Index::At(_)))
}

/// A kernel with per-neuron `i64` index arrays `k1`, `k2`, an indexed `f64` array `x` (and `z`), and a
/// per-neuron `out`, built by `body(b, x, z, k1, k2, out)`.
fn indexed_kernel(
    name: &str,
    body: impl FnOnce(&mut Builder, ArrayId, ArrayId, ValueId, ValueId, ArrayId),
) -> Kernel {
    kernel(name, |b| {
        let a1 = b.kernel.array("k1", Type::I64, Extent::PerNeuron);
        let a2 = b.kernel.array("k2", Type::I64, Extent::PerNeuron);
        let x = b.kernel.array("x", Type::F64, Extent::Indexed);
        let z = b.kernel.array("z", Type::F64, Extent::Indexed);
        let out = f64_array(b, "out");
        let k1 = load(b, Type::I64, a1);
        let k2 = load(b, Type::I64, a2);
        body(b, x, z, k1, k2, out);
    })
}

/// Runs `k` once on 3 neurons with `k1`, `k2` and `x = [1, 2, 3]`, `z = [10, 20]`: (fault, x, z, out).
fn run_indexed(k: &Kernel, k1: [i64; 3], k2: [i64; 3]) -> (bool, Vec<f64>, Vec<f64>, Vec<f64>) {
    let mut run = Run::new(k, 3);
    run.arrays[0] = ArrayData::I64(interp::Array::from_vec(k1.to_vec()));
    run.arrays[1] = ArrayData::I64(interp::Array::from_vec(k2.to_vec()));
    run.arrays[2] = ArrayData::from_f64(vec![1.0, 2.0, 3.0]);
    run.arrays[3] = ArrayData::from_f64(vec![10.0, 20.0]);
    let fault = run.try_call(k).is_err();
    (
        fault,
        run.f64s(k, "x"),
        run.f64s(k, "z"),
        run.f64s(k, "out"),
    )
}

/// Index patterns: distinct, equal (aliasing), repeated across neurons.
const INDEX_PAIRS: [([i64; 3], [i64; 3]); 4] = [
    ([0, 1, 2], [1, 2, 0]),
    ([0, 1, 2], [0, 1, 2]),
    ([2, 2, 2], [2, 2, 2]),
    ([1, 0, 1], [1, 1, 0]),
];

#[test]
fn forwarding_does_not_pass_a_store_at_one_computed_index_to_a_load_at_another() {
    // x[k1] = 5; y = x[k2]; out = y
    let k0 = indexed_kernel("alias", |b, x, _, k1, k2, out| {
        let five = b.f64(5.0);
        b.effect(Op::Store(x, Index::At(k1), five));
        let y = b.value(Type::F64, Op::Load(x, Index::At(k2)));
        store(b, out, y);
    });
    let mut k = k0.clone();
    passes::forward_stores(&mut k);
    passes::dce(&mut k);
    verify(&k).unwrap_or_else(|e| panic!("{e}\n{k}"));
    assert_eq!(count(&k.vector, is_load_at), 1, "{k}");
    for (k1, k2) in INDEX_PAIRS {
        assert_eq!(
            run_indexed(&k, k1, k2),
            run_indexed(&k0, k1, k2),
            "{k1:?} {k2:?}"
        );
    }
    assert_eq!(
        run_indexed(&k, [0, 1, 2], [1, 2, 0]).3,
        vec![2.0, 3.0, 5.0],
        "neuron 2 reads what neuron 0 stored"
    );
    assert_eq!(run_indexed(&k, [0, 1, 2], [0, 1, 2]).3, vec![5.0; 3]);
}

#[test]
fn a_store_at_a_computed_index_forgets_the_known_elements_of_its_array() {
    // y1 = x[k1]; x[k2] = 7; y2 = x[k1] (a load again); z[k2] = 8; y3 = x[k1] (forwarded: z is another
    // array); out = y1 + y2 + y3
    let k0 = indexed_kernel("forget", |b, x, z, k1, k2, out| {
        let y1 = b.value(Type::F64, Op::Load(x, Index::At(k1)));
        let seven = b.f64(7.0);
        b.effect(Op::Store(x, Index::At(k2), seven));
        let y2 = b.value(Type::F64, Op::Load(x, Index::At(k1)));
        let eight = b.f64(8.0);
        b.effect(Op::Store(z, Index::At(k2), eight));
        let y3 = b.value(Type::F64, Op::Load(x, Index::At(k1)));
        let s = b.binary(Type::F64, BinOp::Add, y1, y2);
        let s = b.binary(Type::F64, BinOp::Add, s, y3);
        store(b, out, s);
    });
    let mut k = k0.clone();
    passes::forward_stores(&mut k);
    passes::dce(&mut k);
    verify(&k).unwrap_or_else(|e| panic!("{e}\n{k}"));
    assert_eq!(count(&k.vector, is_load_at), 2, "{k}");
    for (k1, k2) in INDEX_PAIRS {
        assert_eq!(
            run_indexed(&k, k1, k2),
            run_indexed(&k0, k1, k2),
            "{k1:?} {k2:?}"
        );
    }
    // Neuron 0 with k1 = k2 = 0: 1 + 7 + 7.
    assert_eq!(
        run_indexed(&k, [0, 1, 2], [0, 1, 2]).3,
        vec![15.0, 16.0, 17.0]
    );
}

#[test]
fn a_store_at_a_computed_index_inside_an_if_forgets_the_known_elements_after_it() {
    // y1 = x[k1]; if k2 > 0: x[k2] = 7; y2 = x[k1] (a load again); out = y1 + y2
    let k0 = indexed_kernel("forget_if", |b, x, _, k1, k2, out| {
        let y1 = b.value(Type::F64, Op::Load(x, Index::At(k1)));
        let zero = b.constant(Const::I64(0));
        let c = b.cmp(CmpOp::Gt, k2, zero);
        b.begin_if(c);
        let seven = b.f64(7.0);
        b.effect(Op::Store(x, Index::At(k2), seven));
        b.end_if();
        let y2 = b.value(Type::F64, Op::Load(x, Index::At(k1)));
        let s = b.binary(Type::F64, BinOp::Add, y1, y2);
        store(b, out, s);
    });
    let mut k = k0.clone();
    passes::optimize(&mut k);
    verify(&k).unwrap_or_else(|e| panic!("{e}\n{k}"));
    assert_eq!(count(&k.vector, is_load_at), 2, "{k}");
    for (k1, k2) in INDEX_PAIRS {
        assert_eq!(
            run_indexed(&k, k1, k2),
            run_indexed(&k0, k1, k2),
            "{k1:?} {k2:?}"
        );
    }
}

#[test]
fn a_scatter_add_at_one_computed_index_is_not_forwarded() {
    // y = x[k1]; x[k1] = y + 1; y2 = x[k1]; out = y2 -- the second load stays: the store may have been
    // skipped (an index out of range). Across neurons, repeated indices accumulate.
    let k0 = indexed_kernel("scatter_add", |b, x, _, k1, _, out| {
        let y = b.value(Type::F64, Op::Load(x, Index::At(k1)));
        let one = b.f64(1.0);
        let s = b.binary(Type::F64, BinOp::Add, y, one);
        b.effect(Op::Store(x, Index::At(k1), s));
        let y2 = b.value(Type::F64, Op::Load(x, Index::At(k1)));
        store(b, out, y2);
    });
    let mut k = k0.clone();
    passes::optimize(&mut k);
    verify(&k).unwrap_or_else(|e| panic!("{e}\n{k}"));
    assert_eq!(count(&k.vector, is_load_at), 2, "{k}");
    for (k1, k2) in INDEX_PAIRS {
        assert_eq!(
            run_indexed(&k, k1, k2),
            run_indexed(&k0, k1, k2),
            "{k1:?} {k2:?}"
        );
    }
    assert_eq!(
        run_indexed(&k, [2, 2, 2], [0; 3]),
        (
            false,
            vec![1.0, 2.0, 6.0],
            vec![10.0, 20.0],
            vec![4.0, 5.0, 6.0]
        )
    );
}

#[test]
fn loads_at_computed_indices_are_neither_removed_nor_hoisted() {
    // An unused load at a computed index (it may fault) and a load at a uniform index of an array the
    // vector code writes: both stay in the per-neuron loop.
    let k0 = indexed_kernel("keep", |b, x, z, k1, _, out| {
        let _unused = b.value(Type::F64, Op::Load(z, Index::At(k1)));
        let one = b.constant(Const::I64(1));
        let y = b.value(Type::F64, Op::Load(x, Index::At(one)));
        let two = b.f64(2.0);
        let s = b.binary(Type::F64, BinOp::Add, y, two);
        b.effect(Op::Store(x, Index::At(one), s));
        store(b, out, y);
    });
    let mut k = k0.clone();
    passes::optimize(&mut k);
    verify(&k).unwrap_or_else(|e| panic!("{e}\n{k}"));
    assert_eq!(count(&k.vector, is_load_at), 2, "{k}");
    assert!(
        !has(&k.scalar, is_load_at) && !has(&k.setup, is_load_at),
        "{k}"
    );
    // The unused load still faults.
    assert!(run_indexed(&k, [0, 5, 1], [0; 3]).0);
    for (k1, k2) in INDEX_PAIRS {
        assert_eq!(
            run_indexed(&k, k1, k2),
            run_indexed(&k0, k1, k2),
            "{k1:?} {k2:?}"
        );
    }
    assert_eq!(run_indexed(&k, [0, 1, 0], [0; 3]).3, vec![2.0, 4.0, 6.0]);
}

#[test]
fn forwarding_does_not_pass_a_store_at_an_index_out_of_range_to_a_load() {
    // x[k1] = 5; y = x[k1]; out = y -- with k1 out of range, the store is skipped and the load yields 0.
    let k0 = indexed_kernel("skipped", |b, x, _, k1, _, out| {
        let five = b.f64(5.0);
        b.effect(Op::Store(x, Index::At(k1), five));
        let y = b.value(Type::F64, Op::Load(x, Index::At(k1)));
        store(b, out, y);
    });
    let mut k = k0.clone();
    passes::optimize(&mut k);
    verify(&k).unwrap_or_else(|e| panic!("{e}\n{k}"));
    let before = run_indexed(&k0, [0, 3, -1], [0; 3]);
    assert_eq!(
        before,
        (
            true,
            vec![5.0, 2.0, 3.0],
            vec![10.0, 20.0],
            vec![5.0, 0.0, 0.0]
        )
    );
    assert_eq!(run_indexed(&k, [0, 3, -1], [0; 3]), before, "{k}");
}

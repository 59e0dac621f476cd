//! The reference interpreter's semantics, which every backend must reproduce: Python's `//` and `%` (on
//! negative integers and floats), `int()` truncation, casts, NaN and infinity propagation, `select`,
//! `If` blocks, time/step/index/parameters, events (emit, then a kernel over the event buffer), and
//! accesses at computed indices (an index out of range is a fault: the access is skipped, a load yields
//! zero, the rest runs and the call reports the first such index).

mod common;

use common::*;
use ganglion_ir::interp::{self, BindError, Value};
use ganglion_ir::*;

fn f(v: Value) -> f64 {
    match v {
        Value::F64(x) => x,
        other => panic!("expected f64, got {other:?}"),
    }
}

fn i(v: Value) -> i64 {
    match v {
        Value::I64(x) => x,
        Value::I32(x) => i64::from(x),
        other => panic!("expected an integer, got {other:?}"),
    }
}

fn binop_i64(op: BinOp, a: i64, b: i64) -> i64 {
    i(eval2(
        Type::I64,
        Const::I64(a),
        Const::I64(b),
        |bl, x, y| bl.binary(Type::I64, op, x, y),
    ))
}

fn binop_i32(op: BinOp, a: i32, b: i32) -> i64 {
    i(eval2(
        Type::I32,
        Const::I32(a),
        Const::I32(b),
        |bl, x, y| bl.binary(Type::I32, op, x, y),
    ))
}

fn binop_f64(op: BinOp, a: f64, b: f64) -> f64 {
    f(eval2(
        Type::F64,
        Const::F64(a),
        Const::F64(b),
        |bl, x, y| bl.binary(Type::F64, op, x, y),
    ))
}

fn cast(to: Type, c: Const) -> Value {
    eval1(to, c, |bl, x| bl.cast(to, x))
}

#[test]
fn integer_floor_division_and_modulo_follow_python() {
    // (a, b, a // b, a % b) as Python computes them.
    let cases = [
        (7, 2, 3, 1),
        (-7, 2, -4, 1),
        (7, -2, -4, -1),
        (-7, -2, 3, -1),
        (6, 3, 2, 0),
        (-6, 3, -2, 0),
        (0, -5, 0, 0),
        (1, 10, 0, 1),
        (-1, 10, -1, 9),
        (1, -10, -1, -9),
    ];
    for (a, b, q, r) in cases {
        assert_eq!(binop_i64(BinOp::FloorDiv, a, b), q, "{a} // {b}");
        assert_eq!(binop_i64(BinOp::Mod, a, b), r, "{a} % {b}");
        assert_eq!(
            binop_i32(BinOp::FloorDiv, a as i32, b as i32),
            q,
            "{a} // {b} (i32)"
        );
        assert_eq!(
            binop_i32(BinOp::Mod, a as i32, b as i32),
            r,
            "{a} % {b} (i32)"
        );
        // The identity Python guarantees.
        assert_eq!(q * b + r, a);
    }
    // Division by zero gives 0, as numpy does (no trap).
    assert_eq!(binop_i64(BinOp::FloorDiv, 5, 0), 0);
    assert_eq!(binop_i64(BinOp::Mod, -5, 0), 0);
    assert_eq!(binop_i32(BinOp::FloorDiv, -5, 0), 0);
    // The one overflowing case wraps instead of panicking.
    assert_eq!(binop_i64(BinOp::FloorDiv, i64::MIN, -1), i64::MIN);
    assert_eq!(binop_i64(BinOp::Mod, i64::MIN, -1), 0);
    assert_eq!(interp::int_floordiv(-9, 4), -3);
    assert_eq!(interp::int_mod(-9, 4), 3);
}

#[test]
fn float_floor_division_and_modulo_follow_python() {
    // (a, b, a // b, a % b) as Python computes them.
    let cases = [
        (7.5, 2.0, 3.0, 1.5),
        (-7.5, 2.0, -4.0, 0.5),
        (7.5, -2.0, -4.0, -0.5),
        (-7.5, -2.0, 3.0, -1.5),
        (6.0, 3.0, 2.0, 0.0),
        (0.3, 0.1, 2.0, 0.09999999999999998),
        (-1e-20, 1.0, -1.0, 1.0),
    ];
    for (a, b, q, r) in cases {
        assert_eq!(binop_f64(BinOp::FloorDiv, a, b), q, "{a} // {b}");
        assert_eq!(binop_f64(BinOp::Mod, a, b), r, "{a} % {b}");
    }
    // Brian2's generated C++ computes `x // y` as `floor(1.0*x/y)` and `x % y` as `x - y*floor(1.0*x/y)`
    // (cpp_generator.py `_brian_floordiv`, `_brian_mod`). Python's fmod-based results differ where x/y
    // rounds up to a whole number (Python: 1.0 // 0.1 == 9.0, 1.0 % 0.1 == 0.09999999999999995); Ganglion
    // follows the generated code.
    assert_eq!(binop_f64(BinOp::FloorDiv, 1.0, 0.1), 10.0);
    assert_eq!(binop_f64(BinOp::Mod, 1.0, 0.1), 0.0);
    assert_eq!(interp::float_mod(-7.5, 2.0), 0.5);
    // x // 0.0 and x % 0.0 are not finite (numpy: inf / nan with a warning).
    assert_eq!(binop_f64(BinOp::FloorDiv, 1.0, 0.0), f64::INFINITY);
    assert!(binop_f64(BinOp::Mod, 1.0, 0.0).is_nan());
    // Single precision follows the same rules.
    let r = eval2(Type::F32, Const::F32(-7.5), Const::F32(2.0), |bl, x, y| {
        bl.binary(Type::F32, BinOp::Mod, x, y)
    });
    assert_eq!(r, Value::F32(0.5));
    let q = eval2(Type::F32, Const::F32(-7.5), Const::F32(2.0), |bl, x, y| {
        bl.binary(Type::F32, BinOp::FloorDiv, x, y)
    });
    assert_eq!(q, Value::F32(-4.0));
}

#[test]
fn true_division_and_power_are_ieee() {
    assert_eq!(binop_f64(BinOp::Div, 1.0, 3.0), 1.0 / 3.0);
    assert_eq!(binop_f64(BinOp::Div, 1.0, 0.0), f64::INFINITY);
    assert_eq!(binop_f64(BinOp::Div, -1.0, 0.0), f64::NEG_INFINITY);
    assert!(binop_f64(BinOp::Div, 0.0, 0.0).is_nan());
    assert_eq!(binop_f64(BinOp::Pow, 2.0, 10.0), 1024.0);
    assert_eq!(binop_f64(BinOp::Pow, 0.0, 0.0), 1.0);
    assert_eq!(binop_f64(BinOp::Pow, 4.0, 0.5), 2.0);
    assert!(binop_f64(BinOp::Pow, -8.0, 1.0 / 3.0).is_nan());
    assert_eq!(binop_f64(BinOp::Pow, -2.0, 3.0), -8.0);
}

#[test]
fn integer_arithmetic_wraps_like_fixed_width_integers() {
    assert_eq!(binop_i64(BinOp::Add, i64::MAX, 1), i64::MIN);
    assert_eq!(binop_i32(BinOp::Add, i32::MAX, 1), i64::from(i32::MIN));
    assert_eq!(binop_i32(BinOp::Mul, 1 << 20, 1 << 12), 0);
    let neg = eval1(Type::I64, Const::I64(i64::MIN), |bl, x| {
        bl.value(Type::I64, Op::Unary(UnOp::Neg, x))
    });
    assert_eq!(neg, Value::I64(i64::MIN));
}

#[test]
fn int_truncates_towards_zero_and_casts_saturate() {
    // `int()` is lowered to a cast to i64: truncation towards zero, as Python's int().
    for (x, want) in [
        (2.7, 2),
        (-2.7, -2),
        (-0.5, 0),
        (0.9999999999999999, 0),
        (1e18, 1_000_000_000_000_000_000),
        (-3.0, -3),
    ] {
        assert_eq!(cast(Type::I64, Const::F64(x)), Value::I64(want), "int({x})");
    }
    // Out-of-range values saturate and NaN becomes 0 (no undefined behaviour in any backend).
    assert_eq!(cast(Type::I64, Const::F64(1e300)), Value::I64(i64::MAX));
    assert_eq!(
        cast(Type::I64, Const::F64(f64::NEG_INFINITY)),
        Value::I64(i64::MIN)
    );
    assert_eq!(cast(Type::I64, Const::F64(f64::NAN)), Value::I64(0));
    assert_eq!(cast(Type::I32, Const::F64(1e10)), Value::I32(i32::MAX));
    assert_eq!(cast(Type::I32, Const::F64(-1e10)), Value::I32(i32::MIN));
    assert_eq!(cast(Type::I32, Const::F64(f64::NAN)), Value::I32(0));
    assert_eq!(cast(Type::I32, Const::F64(-7.9)), Value::I32(-7));
    assert_eq!(cast(Type::I32, Const::F32(-7.9)), Value::I32(-7));
    // Integer to integer keeps the low bits.
    assert_eq!(cast(Type::I32, Const::I64(1 << 32 | 5)), Value::I32(5));
    assert_eq!(cast(Type::I64, Const::I32(-5)), Value::I64(-5));
}

#[test]
fn casts_between_booleans_integers_and_floats() {
    assert_eq!(cast(Type::F64, Const::Bool(true)), Value::F64(1.0));
    assert_eq!(cast(Type::F64, Const::Bool(false)), Value::F64(0.0));
    assert_eq!(cast(Type::I64, Const::Bool(true)), Value::I64(1));
    assert_eq!(cast(Type::F64, Const::I64(-3)), Value::F64(-3.0));
    assert_eq!(cast(Type::F64, Const::I32(7)), Value::F64(7.0));
    // Python's bool(): zero is false, everything else (NaN included) is true.
    assert_eq!(cast(Type::Bool, Const::F64(0.0)), Value::Bool(false));
    assert_eq!(cast(Type::Bool, Const::F64(-0.0)), Value::Bool(false));
    assert_eq!(cast(Type::Bool, Const::F64(0.25)), Value::Bool(true));
    assert_eq!(cast(Type::Bool, Const::F64(f64::NAN)), Value::Bool(true));
    assert_eq!(cast(Type::Bool, Const::I64(-2)), Value::Bool(true));
    assert_eq!(cast(Type::Bool, Const::I64(0)), Value::Bool(false));
    // f64 -> f32 rounds to nearest; f32 -> f64 is exact.
    assert_eq!(cast(Type::F32, Const::F64(0.1)), Value::F32(0.1f32));
    assert_eq!(
        cast(Type::F64, Const::F32(0.1)),
        Value::F64(f64::from(0.1f32))
    );
    assert_eq!(
        cast(Type::F32, Const::F64(1e300)),
        Value::F32(f32::INFINITY)
    );
    assert_eq!(
        cast(Type::F32, Const::I64((1 << 24) + 1)),
        Value::F32(16_777_216.0)
    );
}

#[test]
fn nan_and_infinity_propagate_and_compare_as_ieee() {
    let nan = f64::NAN;
    let inf = f64::INFINITY;
    assert!(binop_f64(BinOp::Add, nan, 1.0).is_nan());
    assert!(binop_f64(BinOp::Mul, inf, 0.0).is_nan());
    assert!(binop_f64(BinOp::Sub, inf, inf).is_nan());
    assert_eq!(binop_f64(BinOp::Add, inf, 1e308), inf);
    assert!(binop_f64(BinOp::Mod, nan, 2.0).is_nan());
    assert!(binop_f64(BinOp::FloorDiv, nan, 2.0).is_nan());
    let cmp = |op: CmpOp, a: f64, b: f64| {
        eval2(Type::Bool, Const::F64(a), Const::F64(b), |bl, x, y| {
            bl.cmp(op, x, y)
        })
    };
    for op in [CmpOp::Eq, CmpOp::Lt, CmpOp::Le, CmpOp::Gt, CmpOp::Ge] {
        assert_eq!(cmp(op, nan, nan), Value::Bool(false), "{op:?} of NaN");
        assert_eq!(cmp(op, nan, 1.0), Value::Bool(false), "{op:?} of NaN");
    }
    assert_eq!(cmp(CmpOp::Ne, nan, nan), Value::Bool(true));
    assert_eq!(cmp(CmpOp::Gt, inf, 1e308), Value::Bool(true));
    assert_eq!(cmp(CmpOp::Eq, 0.0, -0.0), Value::Bool(true));
    // Functions of NaN are NaN; of infinities, their limits.
    let call = |fun: Builtin, x: f64| {
        f(eval1(Type::F64, Const::F64(x), |bl, v| {
            bl.call(Type::F64, fun, vec![v])
        }))
    };
    for fun in [
        Builtin::Exp,
        Builtin::Log,
        Builtin::Sqrt,
        Builtin::Sin,
        Builtin::Abs,
        Builtin::Sign,
        Builtin::Floor,
        Builtin::Exprel,
        Builtin::Tanh,
    ] {
        assert!(call(fun, nan).is_nan(), "{fun}(NaN)");
    }
    assert_eq!(call(Builtin::Exp, -inf), 0.0);
    assert_eq!(call(Builtin::Exp, inf), inf);
    assert_eq!(call(Builtin::Exp, 1000.0), inf);
    assert_eq!(call(Builtin::Log, 0.0), -inf);
    assert!(call(Builtin::Log, -1.0).is_nan());
    assert!(call(Builtin::Sqrt, -1.0).is_nan());
    assert_eq!(call(Builtin::Tanh, inf), 1.0);
    assert_eq!(call(Builtin::Exprel, 0.0), 1.0);
    assert_eq!(call(Builtin::Exprel, -inf), 0.0);
    assert_eq!(call(Builtin::Exprel, 1000.0), inf);
    assert_eq!(call(Builtin::Sign, -0.0), 0.0);
    assert_eq!(call(Builtin::Sign, -3.0), -1.0);
    let clip = |x: f64| {
        f(eval1(Type::F64, Const::F64(x), |bl, v| {
            let lo = bl.f64(0.0);
            let hi = bl.f64(1.0);
            bl.call(Type::F64, Builtin::Clip, vec![v, lo, hi])
        }))
    };
    assert!(clip(nan).is_nan());
    assert_eq!(clip(inf), 1.0);
    assert_eq!(clip(-inf), 0.0);
    assert_eq!(clip(0.5), 0.5);
    // Integer abs/sign/clip stay integers.
    let iabs = eval1(Type::I64, Const::I64(-4), |bl, v| {
        bl.call(Type::I64, Builtin::Abs, vec![v])
    });
    assert_eq!(iabs, Value::I64(4));
    let iclip = eval1(Type::I64, Const::I64(17), |bl, v| {
        let lo = bl.constant(Const::I64(-3));
        let hi = bl.constant(Const::I64(5));
        bl.call(Type::I64, Builtin::Clip, vec![v, lo, hi])
    });
    assert_eq!(iclip, Value::I64(5));
    // timestep(t, dt) is robust to rounding: 0.3 ms is step 3 of 0.1 ms although 0.3e-3/0.1e-3 < 3.
    let ts = eval2(
        Type::I64,
        Const::F64(0.3e-3),
        Const::F64(0.1e-3),
        |bl, t, dt| bl.call(Type::I64, Builtin::Timestep, vec![t, dt]),
    );
    assert_eq!(ts, Value::I64(3));
}

#[test]
fn single_precision_functions_round_the_double_result() {
    let r = eval1(Type::F32, Const::F32(0.1), |bl, v| {
        bl.call(Type::F32, Builtin::Exp, vec![v])
    });
    assert_eq!(r, Value::F32((f64::from(0.1f32)).exp() as f32));
}

#[test]
fn select_picks_by_condition_without_mixing_lanes() {
    // out[i] = i is even ? a[i] : b[i]; b holds NaN, which must not leak into the even lanes.
    let k = kernel("select", |bl| {
        let a = f64_array(bl, "a");
        let b = f64_array(bl, "b");
        let out = f64_array(bl, "out");
        let idx = bl.value(Type::I64, Op::NeuronIndex);
        let two = bl.constant(Const::I64(2));
        let m = bl.binary(Type::I64, BinOp::Mod, idx, two);
        let zero = bl.constant(Const::I64(0));
        let even = bl.cmp(CmpOp::Eq, m, zero);
        let x = load(bl, Type::F64, a);
        let y = load(bl, Type::F64, b);
        let s = bl.value(Type::F64, Op::Select(even, x, y));
        store(bl, out, s);
    });
    let mut run = Run::new(&k, 5);
    run.arrays[0] = interp::ArrayData::from_f64(vec![10.0, 11.0, 12.0, 13.0, 14.0]);
    run.arrays[1] = interp::ArrayData::from_f64(vec![f64::NAN, -1.0, f64::NAN, -3.0, f64::NAN]);
    run.call(&k);
    assert_eq!(run.f64s(&k, "out"), vec![10.0, -1.0, 12.0, -3.0, 14.0]);
}

#[test]
fn if_blocks_run_only_where_the_condition_holds() {
    // if v > 1: v = 0; count += 1   (count is shared: written per neuron, read back)
    let k = kernel("if", |bl| {
        let v = f64_array(bl, "v");
        let hits = bl.kernel.array("hits", Type::I32, Extent::PerNeuron);
        let x = load(bl, Type::F64, v);
        let one = bl.f64(1.0);
        let c = bl.cmp(CmpOp::Gt, x, one);
        bl.begin_if(c);
        let z = bl.f64(0.0);
        store(bl, v, z);
        let h = load(bl, Type::I32, hits);
        let inc = bl.constant(Const::I32(1));
        let h2 = bl.binary(Type::I32, BinOp::Add, h, inc);
        bl.effect(Op::Store(hits, Index::Neuron, h2));
        bl.end_if();
    });
    let mut run = Run::new(&k, 4);
    run.arrays[0] = interp::ArrayData::from_f64(vec![0.5, 1.5, f64::NAN, 2.0]);
    run.call(&k);
    run.call(&k);
    let v = run.f64s(&k, "v");
    assert_eq!(v[0], 0.5);
    assert_eq!(v[1], 0.0);
    assert!(v[2].is_nan(), "NaN > 1 is false");
    assert_eq!(v[3], 0.0);
    assert_eq!(run.f64s(&k, "hits"), vec![0.0, 1.0, 0.0, 1.0]);
}

#[test]
fn time_step_index_dt_and_parameters_are_read_from_the_call() {
    let mut k = Kernel::new("clock", KernelKind::StateUpdate, Domain::Neurons);
    let tau = k.param("tau", Type::F64);
    let mut bl = Builder::new(k);
    let out_t = f64_array(&mut bl, "t");
    let out_dt = f64_array(&mut bl, "dt");
    let out_step = bl.kernel.array("step", Type::I64, Extent::PerNeuron);
    let out_i = bl.kernel.array("i", Type::I64, Extent::PerNeuron);
    let out_p = f64_array(&mut bl, "p");
    let t = bl.value(Type::F64, Op::Time);
    store(&mut bl, out_t, t);
    let dt = bl.value(Type::F64, Op::Dt);
    store(&mut bl, out_dt, dt);
    let s = bl.value(Type::I64, Op::Step);
    bl.effect(Op::Store(out_step, Index::Neuron, s));
    let i = bl.value(Type::I64, Op::NeuronIndex);
    bl.effect(Op::Store(out_i, Index::Neuron, i));
    let p = bl.value(Type::F64, Op::Param(tau));
    store(&mut bl, out_p, p);
    let k = bl.finish();
    let mut run = Run::new(&k, 3);
    run.params = vec![Value::F64(0.01)];
    run.clock = interp::Clock {
        t: 0.0125,
        dt: 0.25e-3,
        step: 50,
    };
    run.call(&k);
    assert_eq!(run.f64s(&k, "t"), vec![0.0125; 3]);
    assert_eq!(run.f64s(&k, "dt"), vec![0.25e-3; 3]);
    assert_eq!(run.f64s(&k, "step"), vec![50.0; 3]);
    assert_eq!(run.f64s(&k, "i"), vec![0.0, 1.0, 2.0]);
    assert_eq!(run.f64s(&k, "p"), vec![0.01; 3]);
}

#[test]
fn shared_arrays_and_scalar_code_run_once_per_call() {
    // scalar: counter[0] += 1; vector: out[i] = counter[0]
    let k = kernel("shared", |bl| {
        let counter = bl.kernel.array("counter", Type::F64, Extent::Shared);
        let out = f64_array(bl, "out");
        bl.set_level(Level::Scalar);
        let c = bl.value(Type::F64, Op::Load(counter, Index::Shared));
        let one = bl.f64(1.0);
        let c2 = bl.binary(Type::F64, BinOp::Add, c, one);
        bl.effect(Op::Store(counter, Index::Shared, c2));
        bl.set_level(Level::Vector);
        let c3 = bl.value(Type::F64, Op::Load(counter, Index::Shared));
        store(bl, out, c3);
    });
    let mut run = Run::new(&k, 4);
    run.call(&k);
    run.call(&k);
    assert_eq!(run.f64s(&k, "counter"), vec![2.0]);
    assert_eq!(run.f64s(&k, "out"), vec![2.0; 4]);
}

#[test]
fn events_are_emitted_in_order_and_drive_kernels_over_their_buffer() {
    // Threshold: emit spike if v > 1. Reset over the spike buffer: v = -i (so we see who ran).
    let threshold = {
        let mut bl = Builder::new(Kernel::new(
            "G.thresholder",
            KernelKind::Threshold("spike".into()),
            Domain::Neurons,
        ));
        let spike = bl.kernel.event("spike");
        let v = f64_array(&mut bl, "v");
        let x = load(&mut bl, Type::F64, v);
        let one = bl.f64(1.0);
        let c = bl.cmp(CmpOp::Gt, x, one);
        bl.effect(Op::Emit(spike, c));
        bl.finish()
    };
    let reset = {
        let mut k = Kernel::new(
            "G.resetter",
            KernelKind::Reset("spike".into()),
            Domain::Neurons,
        );
        let e = k.event("spike");
        k.domain = Domain::Events(e);
        let mut bl = Builder::new(k);
        let v = f64_array(&mut bl, "v");
        let i = bl.value(Type::I64, Op::NeuronIndex);
        let fi = bl.cast(Type::F64, i);
        let neg = bl.value(Type::F64, Op::Unary(UnOp::Neg, fi));
        store(&mut bl, v, neg);
        bl.finish()
    };
    verify(&threshold).unwrap();
    verify(&reset).unwrap();
    let mut v = interp::ArrayData::from_f64(vec![2.0, 0.0, 5.0, 1.0, 1.5]);
    let mut spikes: Vec<u32> = Vec::new();
    let clock = interp::Clock {
        t: 0.0,
        dt: 1e-4,
        step: 0,
    };
    for k in [&threshold, &reset] {
        let setup = interp::run_setup(k, &[], clock.dt);
        let mut bind = interp::Bindings {
            arrays: vec![&mut v],
            params: &[],
            events: vec![&mut spikes],
            clock,
            seed: 0,
            n: 5,
            first: 0,
        };
        interp::run(k, &setup, &mut bind).unwrap();
    }
    assert_eq!(
        spikes,
        vec![0, 2, 4],
        "emitted in neuron order, v > 1 strictly"
    );
    assert_eq!(v.to_f64_vec(), vec![-0.0, 0.0, -2.0, 1.0, -4.0]);
}

#[test]
fn bindings_that_do_not_match_are_rejected() {
    let k = kernel("bind", |bl| {
        let v = f64_array(bl, "v");
        let x = load(bl, Type::F64, v);
        store(bl, v, x);
    });
    let setup = interp::run_setup(&k, &[], 1e-4);
    let clock = interp::Clock {
        t: 0.0,
        dt: 1e-4,
        step: 0,
    };
    // Wrong element type.
    let mut wrong = interp::ArrayData::zeros(Type::F32, 3);
    let mut bind = interp::Bindings {
        arrays: vec![&mut wrong],
        params: &[],
        events: vec![],
        clock,
        seed: 0,
        n: 3,
        first: 0,
    };
    assert!(interp::run(&k, &setup, &mut bind).is_err());
    // Too short.
    let mut short = interp::ArrayData::zeros(Type::F64, 2);
    let mut bind = interp::Bindings {
        arrays: vec![&mut short],
        params: &[],
        events: vec![],
        clock,
        seed: 0,
        n: 3,
        first: 0,
    };
    assert!(interp::run(&k, &setup, &mut bind).is_err());
    // Missing array.
    let mut bind = interp::Bindings {
        arrays: vec![],
        params: &[],
        events: vec![],
        clock,
        seed: 0,
        n: 3,
        first: 0,
    };
    assert!(interp::run(&k, &setup, &mut bind).is_err());
    // Extra parameter.
    let mut ok = interp::ArrayData::zeros(Type::F64, 3);
    let params = [Value::F64(1.0)];
    let mut bind = interp::Bindings {
        arrays: vec![&mut ok],
        params: &params,
        events: vec![],
        clock,
        seed: 0,
        n: 3,
        first: 0,
    };
    assert!(interp::run(&k, &setup, &mut bind).is_err());
}

#[test]
fn setup_values_are_computed_once_from_parameters_and_dt() {
    // setup: decay = exp(-dt/tau); vector: v *= decay
    let mut k = Kernel::new("decay", KernelKind::StateUpdate, Domain::Neurons);
    let tau = k.param("tau", Type::F64);
    let mut bl = Builder::new(k);
    let v = f64_array(&mut bl, "v");
    bl.set_level(Level::Setup);
    let dt = bl.value(Type::F64, Op::Dt);
    let p = bl.value(Type::F64, Op::Param(tau));
    let r = bl.binary(Type::F64, BinOp::Div, dt, p);
    let nr = bl.value(Type::F64, Op::Unary(UnOp::Neg, r));
    let e = bl.call(Type::F64, Builtin::Exp, vec![nr]);
    bl.set_level(Level::Vector);
    let x = load(&mut bl, Type::F64, v);
    let y = bl.binary(Type::F64, BinOp::Mul, x, e);
    store(&mut bl, v, y);
    let k = bl.finish();
    let setup = interp::run_setup(&k, &[Value::F64(0.01)], 1e-3);
    assert_eq!(setup.get(e), Some(&Value::F64((-0.1f64).exp())));
    assert_eq!(setup.as_bits()[e.0 as usize], (-0.1f64).exp().to_bits());
    let mut run = Run::new(&k, 2);
    run.params = vec![Value::F64(0.01)];
    run.clock.dt = 1e-3;
    run.arrays[0] = interp::ArrayData::from_f64(vec![1.0, -2.0]);
    run.call(&k);
    assert_eq!(
        run.f64s(&k, "v"),
        vec![(-0.1f64).exp(), -2.0 * (-0.1f64).exp()]
    );
}

// ---------------------------------------------------------------------------------------------------------
// Computed indices: bounds-checked accesses to indexed arrays

/// An indexed array of type `ty` in the kernel being built.
fn indexed(bl: &mut Builder, name: &str, ty: Type) -> ArrayId {
    bl.kernel.array(name, ty, Extent::Indexed)
}

fn load_at(bl: &mut Builder, ty: Type, a: ArrayId, k: ValueId) -> ValueId {
    bl.value(ty, Op::Load(a, Index::At(k)))
}

fn store_at(bl: &mut Builder, a: ArrayId, k: ValueId, v: ValueId) {
    bl.effect(Op::Store(a, Index::At(k), v));
}

#[test]
fn an_index_out_of_range_is_a_fault_that_skips_the_access_and_the_rest_runs() {
    // k = idx[i]; y = x[k]; x[k] = y + 10; out[i] = y; done[i] = 1
    let k = kernel("gather_scatter", |bl| {
        let idx = bl.kernel.array("idx", Type::I64, Extent::PerNeuron);
        let x = indexed(bl, "x", Type::F64);
        let out = f64_array(bl, "out");
        let done = f64_array(bl, "done");
        let kk = load(bl, Type::I64, idx);
        let y = load_at(bl, Type::F64, x, kk);
        let ten = bl.f64(10.0);
        let s = bl.binary(Type::F64, BinOp::Add, y, ten);
        store_at(bl, x, kk, s);
        store(bl, out, y);
        let one = bl.f64(1.0);
        store(bl, done, one);
    });
    let mut run = Run::new(&k, 5);
    run.arrays[0] = interp::ArrayData::I64(interp::Array::from_vec(vec![0, 3, 2, -1, 0]));
    run.arrays[1] = interp::ArrayData::from_f64(vec![1.0, 2.0, 3.0]);
    let err = run.try_call(&k).unwrap_err();
    // The first fault is the one reported: neuron 1's index 3 (neuron 3's -1 is skipped silently).
    assert!(
        matches!(&err, BindError::IndexOutOfRange { array, index: 3, len: 3, .. } if array == "x"),
        "{err}"
    );
    assert!(err.to_string().contains("out of range"), "{err}");
    // Neurons 1 and 3 read zero and store nothing; neuron 4 sees neuron 0's store.
    assert_eq!(run.f64s(&k, "x"), vec![21.0, 2.0, 13.0]);
    assert_eq!(run.f64s(&k, "out"), vec![1.0, 0.0, 3.0, 0.0, 11.0]);
    assert_eq!(run.f64s(&k, "done"), vec![1.0; 5]);
    // A second call with every index in range succeeds: the fault does not stick.
    run.arrays[0] = interp::ArrayData::I64(interp::Array::from_vec(vec![0, 1, 2, 1, 0]));
    run.try_call(&k).unwrap();
    assert_eq!(run.f64s(&k, "x"), vec![41.0, 22.0, 23.0]);
}

#[test]
fn every_index_out_of_range_faults_and_a_load_yields_zero_of_its_type() {
    const TYPES: [Type; 5] = [Type::Bool, Type::I32, Type::I64, Type::F32, Type::F64];
    // out_T[i] = x_T[k] for every type, k a constant; x_T has 4 elements (all nonzero), out_T starts at
    // nonzero values.
    for bad in [-1, 4, 5, i64::MIN, i64::MAX, 1 << 40, -(1 << 33), 1 << 61] {
        let k = kernel("zeros", |bl| {
            let kk = bl.constant(Const::I64(bad));
            for t in TYPES {
                let x = indexed(bl, &format!("x_{}", t.name()), t);
                let out = bl
                    .kernel
                    .array(&format!("out_{}", t.name()), t, Extent::PerNeuron);
                let y = load_at(bl, t, x, kk);
                store(bl, out, y);
                // A store at the same index is skipped too.
                store_at(bl, x, kk, y);
            }
        });
        let mut run = Run::new(&k, 3);
        for (a, decl) in run.arrays.iter_mut().zip(&k.arrays) {
            let len = if decl.extent == Extent::Indexed { 4 } else { 3 };
            *a = interp::ArrayData::zeros(decl.ty, len);
            for e in 0..len {
                a.set(e, &Value::F64(7.0));
            }
        }
        let err = run.try_call(&k).unwrap_err();
        assert!(
            matches!(&err, BindError::IndexOutOfRange { array, index, len: 4, .. }
                if array == "x_bool" && *index == bad),
            "{err}"
        );
        for t in TYPES {
            let out = run.array(&k, &format!("out_{}", t.name()));
            for e in 0..3 {
                assert_eq!(out.get(e), Value::F64(0.0).cast(t), "index {bad}, {t:?}");
            }
            assert_eq!(
                run.f64s(&k, &format!("x_{}", t.name())),
                vec![if t == Type::Bool { 1.0 } else { 7.0 }; 4],
                "index {bad}, {t:?}"
            );
        }
    }
}

#[test]
fn an_indexed_array_of_length_zero_faults_on_every_access_and_only_then() {
    // if c[i]: y = x[0]; x[0] = y + 1
    let k = kernel("empty", |bl| {
        let c = bl.kernel.array("c", Type::Bool, Extent::PerNeuron);
        let x = indexed(bl, "x", Type::F64);
        let cv = load(bl, Type::Bool, c);
        bl.begin_if(cv);
        let zero = bl.constant(Const::I64(0));
        let y = load_at(bl, Type::F64, x, zero);
        let one = bl.f64(1.0);
        let s = bl.binary(Type::F64, BinOp::Add, y, one);
        store_at(bl, x, zero, s);
        bl.end_if();
    });
    let mut run = Run::new(&k, 3);
    run.arrays[1] = interp::ArrayData::zeros(Type::F64, 0);
    // No neuron reaches the access: no fault.
    run.try_call(&k).unwrap();
    // One does.
    run.arrays[0].set(1, &Value::Bool(true));
    let err = run.try_call(&k).unwrap_err();
    assert!(
        matches!(&err, BindError::IndexOutOfRange { array, index: 0, len: 0, .. } if array == "x"),
        "{err}"
    );
    assert!(run.arrays[1].is_empty());
    // No neurons at all: nothing runs.
    let mut none = Run::new(&k, 0);
    none.arrays[1] = interp::ArrayData::zeros(Type::F64, 0);
    none.try_call(&k).unwrap();
}

#[test]
fn faults_in_scalar_code_are_reported_and_vector_code_still_runs() {
    // scalar: x[step] = 1; vector: out[i] = x[1]
    let k = kernel("scalar_fault", |bl| {
        let x = indexed(bl, "x", Type::F64);
        let out = f64_array(bl, "out");
        bl.set_level(Level::Scalar);
        let s = bl.value(Type::I64, Op::Step);
        let one = bl.f64(1.0);
        store_at(bl, x, s, one);
        bl.set_level(Level::Vector);
        let k1 = bl.constant(Const::I64(1));
        let y = load_at(bl, Type::F64, x, k1);
        store(bl, out, y);
    });
    let mut run = Run::new(&k, 2);
    run.arrays[0] = interp::ArrayData::from_f64(vec![0.0, 0.0]);
    run.clock.step = 1;
    run.try_call(&k).unwrap();
    assert_eq!(run.f64s(&k, "out"), vec![1.0, 1.0]);
    run.clock.step = 2;
    let err = run.try_call(&k).unwrap_err();
    assert!(
        matches!(&err, BindError::IndexOutOfRange { array, index: 2, len: 2, .. } if array == "x"),
        "{err}"
    );
    assert_eq!(run.f64s(&k, "x"), vec![0.0, 1.0]);
    assert_eq!(run.f64s(&k, "out"), vec![1.0, 1.0]);
}

#[test]
fn indexed_arrays_may_be_shorter_or_longer_than_the_group() {
    // x[(i*7 + 3) % len] += 1, len a parameter.
    let mut k0 = Kernel::new("lengths", KernelKind::StateUpdate, Domain::Neurons);
    let len = k0.param("len", Type::I64);
    let k = {
        let mut bl = Builder::new(k0);
        let x = indexed(&mut bl, "x", Type::I32);
        let i = bl.value(Type::I64, Op::NeuronIndex);
        let seven = bl.constant(Const::I64(7));
        let three = bl.constant(Const::I64(3));
        let m = bl.value(Type::I64, Op::Param(len));
        let a = bl.binary(Type::I64, BinOp::Mul, i, seven);
        let b = bl.binary(Type::I64, BinOp::Add, a, three);
        let kk = bl.binary(Type::I64, BinOp::Mod, b, m);
        let y = load_at(&mut bl, Type::I32, x, kk);
        let one = bl.constant(Const::I32(1));
        let s = bl.binary(Type::I32, BinOp::Add, y, one);
        store_at(&mut bl, x, kk, s);
        bl.finish()
    };
    for (n, m) in [(5usize, 1usize), (5, 2), (5, 5), (3, 11), (0, 4)] {
        let mut run = Run::new(&k, n);
        run.params = vec![Value::I64(m as i64)];
        run.arrays[0] = interp::ArrayData::zeros(Type::I32, m);
        run.try_call(&k).unwrap();
        let mut want = vec![0.0; m];
        for i in 0..n {
            want[(i * 7 + 3) % m] += 1.0;
        }
        assert_eq!(run.f64s(&k, "x"), want, "N = {n}, len = {m}");
    }
}

#[test]
fn scatter_adds_over_an_event_buffer_run_in_buffer_order() {
    // The shape of a synaptic pathway: for each synapse s in the buffer, g[post[s]] += w[s].
    let mut k0 = Kernel::new("S.pre", KernelKind::Pathway("pre".into()), Domain::Neurons);
    let e = k0.event("spike");
    k0.domain = Domain::Events(e);
    let k = {
        let mut bl = Builder::new(k0);
        let post = bl
            .kernel
            .array("_synaptic_post", Type::I32, Extent::PerNeuron);
        let w = f64_array(&mut bl, "w");
        let g = indexed(&mut bl, "g", Type::F64);
        let p = load(&mut bl, Type::I32, post);
        let p64 = bl.cast(Type::I64, p);
        let wv = load(&mut bl, Type::F64, w);
        let gv = load_at(&mut bl, Type::F64, g, p64);
        let s = bl.binary(Type::F64, BinOp::Add, gv, wv);
        store_at(&mut bl, g, p64, s);
        bl.finish()
    };
    // (1e16 + 1 rounds back to 1e16.)
    let ws = [1e16, 0.5, 1.0, -1e16, 0.25, 1.0];
    let posts = [0, 1, 0, 0, 1, 0];
    let buffer: Vec<u32> = vec![3, 1, 0, 2, 5, 4, 2];
    let mut run = Run::new(&k, ws.len());
    run.arrays[0] = interp::ArrayData::I32(interp::Array::from_vec(posts.to_vec()));
    run.arrays[1] = interp::ArrayData::from_f64(ws.to_vec());
    run.arrays[2] = interp::ArrayData::from_f64(vec![0.0, 0.0]);
    run.events[0] = buffer.clone();
    run.try_call(&k).unwrap();
    let mut want = [0.0f64; 2];
    for &s in &buffer {
        want[posts[s as usize] as usize] += ws[s as usize];
    }
    let got = run.f64s(&k, "g");
    assert_eq!(
        got.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
        want.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
        "{got:?} vs {want:?}"
    );
    // The order matters for these values: in synapse order the sum is another number.
    let mut sorted = [0.0f64; 2];
    let mut by_synapse = buffer.clone();
    by_synapse.sort_unstable();
    for &s in &by_synapse {
        sorted[posts[s as usize] as usize] += ws[s as usize];
    }
    assert_eq!((want[0], sorted[0]), (3.0, 1.0));
}

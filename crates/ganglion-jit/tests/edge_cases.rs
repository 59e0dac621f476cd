//! Edge cases of the JIT, each run on both backends and compared bit for bit, and checked against the
//! semantics the IR documents: NaN and infinity through arithmetic, comparisons and selects; float division
//! by zero; Python's integer `//` and `%` with negative operands and a zero divisor; casts of NaN, infinite
//! and huge floats to integers (saturating, NaN → 0); empty groups and groups of one neuron; sizes that are
//! not a multiple of the vector width; the order and number of emitted events; kernels over an empty event
//! buffer; single-precision groups through the `ganglion` API; computed indices: gathers in the two-lane
//! loop with odd and even sizes, scatter-adds of many synapses into one element (summed in order, bit for
//! bit), indices out of range (negative, equal to the length, huge; in either lane or the tail) faulting
//! on both backends with only that access skipped, indexed arrays of length 0, faults in scalar code.
//!
//! The tests just before those of computed indices are regressions for JIT bugs found while writing these
//! tests.

mod common;

use common::*;
use ganglion_ir::builtins::{Eval, FUNCTIONS, Function, Lowering};
use ganglion_ir::interp::{ArrayData, Value};
use ganglion_ir::{
    ArrayId, Backend, BinOp, Builder, Builtin, CmpOp, CompileError, Const, Domain, EventId, Extent,
    Index, Interpreter, Kernel, KernelKind, Level, Op, Type, UnOp, ValueId,
};
use ganglion_jit::Jit;

fn builder(name: &str, domain: Domain) -> Builder {
    Builder::new(Kernel::new(name, KernelKind::StateUpdate, domain))
}

fn per_neuron(b: &mut Builder, name: &str, ty: Type) -> ArrayId {
    b.kernel.array(name, ty, Extent::PerNeuron)
}

fn shared(b: &mut Builder, name: &str, ty: Type) -> ArrayId {
    b.kernel.array(name, ty, Extent::Shared)
}

fn load(b: &mut Builder, a: ArrayId) -> ValueId {
    let decl = b.kernel.arrays[a.0 as usize].clone();
    let index = match decl.extent {
        Extent::PerNeuron | Extent::Indexed => Index::Neuron,
        Extent::Shared => Index::Shared,
    };
    b.value(decl.ty, Op::Load(a, index))
}

fn store(b: &mut Builder, a: ArrayId, v: ValueId) {
    let index = match b.kernel.arrays[a.0 as usize].extent {
        Extent::PerNeuron | Extent::Indexed => Index::Neuron,
        Extent::Shared => Index::Shared,
    };
    b.effect(Op::Store(a, index, v));
}

/// The index of the array called `name`.
fn array_index(k: &Kernel, name: &str) -> usize {
    k.arrays.iter().position(|a| a.name == name).unwrap()
}

/// Runs `k` once on both backends from `start` (which must agree) and returns the final snapshot.
fn once(k: &Kernel, start: &Start) -> Snapshot {
    both(k, start).pop().unwrap()
}

const FLOAT_OPS: [BinOp; 7] = [
    BinOp::Add,
    BinOp::Sub,
    BinOp::Mul,
    BinOp::Div,
    BinOp::FloorDiv,
    BinOp::Mod,
    BinOp::Pow,
];
const CMP_OPS: [CmpOp; 6] = [
    CmpOp::Eq,
    CmpOp::Ne,
    CmpOp::Lt,
    CmpOp::Le,
    CmpOp::Gt,
    CmpOp::Ge,
];

fn expect_f64(op: BinOp, x: f64, y: f64) -> f64 {
    match op {
        BinOp::Add => x + y,
        BinOp::Sub => x - y,
        BinOp::Mul => x * y,
        BinOp::Div => x / y,
        BinOp::FloorDiv => (x / y).floor(),
        BinOp::Mod => x - y * (x / y).floor(),
        BinOp::Pow => x.powf(y),
        _ => unreachable!(),
    }
}

fn expect_f32(op: BinOp, x: f32, y: f32) -> f32 {
    match op {
        BinOp::Add => x + y,
        BinOp::Sub => x - y,
        BinOp::Mul => x * y,
        BinOp::Div => x / y,
        BinOp::FloorDiv => (x / y).floor(),
        BinOp::Mod => x - y * (x / y).floor(),
        BinOp::Pow => x.powf(y),
        _ => unreachable!(),
    }
}

fn expect_cmp<T: PartialOrd>(op: CmpOp, x: T, y: T) -> bool {
    match op {
        CmpOp::Eq => x == y,
        CmpOp::Ne => x != y,
        CmpOp::Lt => x < y,
        CmpOp::Le => x <= y,
        CmpOp::Gt => x > y,
        CmpOp::Ge => x >= y,
    }
}

const NASTY_F64: [f64; 13] = [
    f64::NAN,
    f64::INFINITY,
    f64::NEG_INFINITY,
    0.0,
    -0.0,
    1.0,
    -1.0,
    2.5,
    -3.0,
    f64::MAX,
    f64::MIN_POSITIVE,
    5e-324,
    -1e-300,
];

/// A kernel computing every binary operator, comparison, a select, negation and a few built-ins of two
/// per-neuron values `x` and `y` of type `ty`, plus the same with a NaN and an infinite constant operand.
fn float_kernel(ty: Type) -> Kernel {
    let mut b = builder("G.float_edges", Domain::Neurons);
    let xa = per_neuron(&mut b, "x", ty);
    let ya = per_neuron(&mut b, "y", ty);
    let x = load(&mut b, xa);
    let y = load(&mut b, ya);
    for op in FLOAT_OPS {
        let r = b.binary(ty, op, x, y);
        let a = per_neuron(&mut b, &format!("{op:?}"), ty);
        store(&mut b, a, r);
    }
    for op in CMP_OPS {
        let r = b.cmp(op, x, y);
        let a = per_neuron(&mut b, &format!("{op:?}"), Type::Bool);
        store(&mut b, a, r);
    }
    let lt = b.cmp(CmpOp::Lt, x, y);
    let sel = b.value(ty, Op::Select(lt, x, y));
    let a = per_neuron(&mut b, "select_lt", ty);
    store(&mut b, a, sel);
    let neg = b.value(ty, Op::Unary(UnOp::Neg, x));
    let a = per_neuron(&mut b, "neg", ty);
    store(&mut b, a, neg);
    for f in [
        Builtin::Abs,
        Builtin::Sign,
        Builtin::Floor,
        Builtin::Ceil,
        Builtin::Sqrt,
        Builtin::Exp,
        Builtin::Log,
    ] {
        let r = b.call(ty, f, vec![x]);
        let a = per_neuron(&mut b, f.name(), ty);
        store(&mut b, a, r);
    }
    let clip = b.call(ty, Builtin::Clip, vec![x, y, x]);
    let a = per_neuron(&mut b, "clip", ty);
    store(&mut b, a, clip);
    // A NaN and an infinity as uniform operands (splatted in the JIT's wide loop).
    let (nan, inf) = if ty == Type::F64 {
        (b.f64(f64::NAN), b.f64(f64::INFINITY))
    } else {
        (
            b.constant(Const::F32(f32::NAN)),
            b.constant(Const::F32(f32::INFINITY)),
        )
    };
    let r = b.binary(ty, BinOp::Add, x, nan);
    let a = per_neuron(&mut b, "plus_nan", ty);
    store(&mut b, a, r);
    let r = b.binary(ty, BinOp::Mul, inf, x);
    let a = per_neuron(&mut b, "inf_times", ty);
    store(&mut b, a, r);
    let c = b.cmp(CmpOp::Eq, x, nan);
    let r = b.value(ty, Op::Select(c, inf, y));
    let a = per_neuron(&mut b, "select_nan_eq", ty);
    store(&mut b, a, r);
    b.finish()
}

/// Every pair of nasty values, one pair per neuron (169 neurons: the wide loop and its tail).
fn float_pairs() -> (Vec<f64>, Vec<f64>) {
    let mut xs = Vec::new();
    let mut ys = Vec::new();
    for x in NASTY_F64 {
        for y in NASTY_F64 {
            xs.push(x);
            ys.push(y);
        }
    }
    (xs, ys)
}

#[test]
fn nan_and_infinity_propagate_through_arithmetic_comparisons_and_selects() {
    let k = float_kernel(Type::F64);
    let (xs, ys) = float_pairs();
    let n = xs.len();
    let mut start = Start::zeros(&k, n);
    start.arrays[0] = ArrayData::from_f64(xs.clone());
    start.arrays[1] = ArrayData::from_f64(ys.clone());
    let out = once(&k, &start);
    let get = |name: &str| &out.arrays[array_index(&k, name)];
    for op in FLOAT_OPS {
        let r = f64s(get(&format!("{op:?}")));
        for i in 0..n {
            let want = expect_f64(op, xs[i], ys[i]);
            assert!(
                same64(r[i], want),
                "{} {op:?} {}: {} (expected {want})",
                xs[i],
                ys[i],
                r[i]
            );
        }
    }
    for op in CMP_OPS {
        let r = bools(get(&format!("{op:?}")));
        for i in 0..n {
            assert_eq!(
                r[i],
                expect_cmp(op, xs[i], ys[i]),
                "{} {op:?} {}",
                xs[i],
                ys[i]
            );
        }
    }
    let sel = f64s(get("select_lt"));
    let neg = f64s(get("neg"));
    let plus_nan = f64s(get("plus_nan"));
    let inf_times = f64s(get("inf_times"));
    let sel_nan = f64s(get("select_nan_eq"));
    let clip = f64s(get("clip"));
    for i in 0..n {
        let (x, y) = (xs[i], ys[i]);
        assert!(same64(sel[i], if x < y { x } else { y }), "select {x} {y}");
        assert_eq!(neg[i].to_bits(), (-x).to_bits(), "-{x}");
        assert!(plus_nan[i].is_nan());
        assert!(same64(inf_times[i], f64::INFINITY * x), "inf * {x}");
        // NaN == NaN is false, so the select takes `y`.
        assert!(same64(sel_nan[i], y), "select on NaN == {x}");
        assert!(
            same64(clip[i], ganglion_ir::builtins::clip(x, y, x)),
            "clip({x}, {y}, {x})"
        );
    }
    let sign = f64s(get("sign"));
    assert!(sign[0].is_nan(), "sign(NaN) is NaN");
    assert_eq!(
        sign[13 * 4].to_bits(),
        (-0.0f64).to_bits(),
        "sign(-0) is -0"
    );
    assert!(f64s(get("sqrt"))[13 * 6].is_nan(), "sqrt(-1) is NaN");
    assert_eq!(f64s(get("log"))[13 * 3], f64::NEG_INFINITY, "log(0)");
    assert_eq!(f64s(get("exp"))[13 * 2], 0.0, "exp(-inf)");
}

#[test]
fn single_precision_nan_and_infinity_match_too() {
    let k = float_kernel(Type::F32);
    let (xs, ys) = float_pairs();
    let (xs, ys): (Vec<f32>, Vec<f32>) = (
        xs.iter().map(|x| *x as f32).collect(),
        ys.iter().map(|y| *y as f32).collect(),
    );
    let n = xs.len();
    let mut start = Start::zeros(&k, n);
    start.arrays[0] = array_of(
        Type::F32,
        &xs.iter().map(|x| Value::F32(*x)).collect::<Vec<_>>(),
    );
    start.arrays[1] = array_of(
        Type::F32,
        &ys.iter().map(|y| Value::F32(*y)).collect::<Vec<_>>(),
    );
    let out = once(&k, &start);
    for op in FLOAT_OPS {
        let ArrayData::F32(r) = &out.arrays[array_index(&k, &format!("{op:?}"))] else {
            panic!("f32 array")
        };
        for i in 0..n {
            let want = expect_f32(op, xs[i], ys[i]);
            assert!(
                same32(r.as_slice()[i], want),
                "{} {op:?} {} (f32): {} (expected {want})",
                xs[i],
                ys[i],
                r.as_slice()[i]
            );
        }
    }
}

/// The arguments a built-in function of the table is tried on, for arguments of type `ty`.
fn builtin_arguments(ty: Type) -> Vec<Value> {
    let floats = NASTY_F64
        .iter()
        .chain(&[0.5, -0.5, 0.3, 1e-10, 700.0, -745.5, 1e5]);
    match ty {
        Type::F64 => floats.map(|x| Value::F64(*x)).collect(),
        Type::F32 => floats.map(|x| Value::F32(*x as f32)).collect(),
        Type::I64 => [-7, -1, 0, 1, 3, 100, i64::MIN, i64::MAX]
            .map(Value::I64)
            .to_vec(),
        _ => [-7, -1, 0, 1, 3, 100, i32::MIN, i32::MAX]
            .map(Value::I32)
            .to_vec(),
    }
}

/// What the table says a call of `f` gives, computed from its entry directly.
fn table_value(f: &Function, ty: Type, args: &[Value]) -> Value {
    let floats: Vec<f64> = args.iter().map(Value::as_f64).collect();
    match (f.eval, f.integers, ty) {
        (Eval::Int64(g), ..) => Value::I64(g(&floats)),
        (_, Some(g), Type::I64 | Type::I32) => {
            let ints: Vec<i64> = floats.iter().map(|x| *x as i64).collect();
            Value::I64(g(&ints)).cast(ty)
        }
        (Eval::Unary(g), ..) => Value::F64(g(floats[0])).cast(ty),
        (Eval::Floats(g), ..) => Value::F64(g(&floats)).cast(ty),
        (Eval::Random | Eval::Cast, ..) => unreachable!("{} is not called", f.name),
    }
}

/// Every built-in function of the table that kernels call, on every type it takes (both float types;
/// both integer types where it has an integer form), on every combination of nasty arguments, in the
/// two-lane loop and its tail: the JIT gives the interpreter's bits, and both give what the function's
/// entry computes. A new entry is tested here without a new test.
#[test]
fn every_builtin_function_of_the_table_agrees_with_the_interpreter_bit_for_bit() {
    for f in FUNCTIONS
        .iter()
        .filter(|f| f.lowering != Lowering::NotCalled)
    {
        let types = match (f.eval, f.integers) {
            (Eval::Int64(_), _) => vec![Type::F64],
            (_, Some(_)) => vec![Type::F64, Type::F32, Type::I64, Type::I32],
            (_, None) => vec![Type::F64, Type::F32],
        };
        for ty in types {
            let result = if matches!(f.eval, Eval::Int64(_)) {
                Type::I64
            } else {
                ty
            };
            let mut b = builder(&format!("G.{}", f.name), Domain::Neurons);
            let arrays: Vec<ArrayId> = (0..f.arity)
                .map(|k| per_neuron(&mut b, &format!("x{k}"), ty))
                .collect();
            let xs = arrays.iter().map(|a| load(&mut b, *a)).collect();
            let r = b.call(result, f.builtin, xs);
            let out = per_neuron(&mut b, "out", result);
            store(&mut b, out, r);
            let k = b.finish();
            // Every combination of arguments, one per neuron (an odd count: the tail runs too).
            let values = builtin_arguments(ty);
            let mut combos: Vec<Vec<Value>> = vec![Vec::new()];
            for _ in 0..f.arity {
                combos = combos
                    .iter()
                    .flat_map(|c| {
                        values.iter().map(move |v| {
                            let mut c = c.clone();
                            c.push(v.clone());
                            c
                        })
                    })
                    .collect();
            }
            combos.push(combos[0].clone());
            if combos.len().is_multiple_of(2) {
                combos.push(combos[1].clone());
            }
            let mut start = Start::zeros(&k, combos.len());
            for j in 0..f.arity {
                let column: Vec<Value> = combos.iter().map(|c| c[j].clone()).collect();
                with_array(&k, &mut start, &format!("x{j}"), array_of(ty, &column));
            }
            let interp = run(&mut Interpreter, &k, &start).pop().unwrap();
            let jit = run(&mut Jit::default(), &k, &start).pop().unwrap();
            let o = array_index(&k, "out");
            if let Err(e) = compare_arrays(&interp.arrays[o], &jit.arrays[o], false) {
                panic!("`{}` of {}: interp vs jit: {e}", f.name, ty.name());
            }
            let expected: Vec<Value> = combos.iter().map(|c| table_value(f, ty, c)).collect();
            let expected = array_of(result, &expected);
            if let Err(e) = compare_arrays(&expected, &jit.arrays[o], false) {
                panic!("`{}` of {}: table vs jit: {e}", f.name, ty.name());
            }
        }
    }
}

#[test]
fn float_division_by_zero_gives_infinities_and_nan() {
    let mut b = builder("G.div0", Domain::Neurons);
    let xa = per_neuron(&mut b, "x", Type::F64);
    let x = load(&mut b, xa);
    let zero = b.f64(0.0);
    let negzero = b.f64(-0.0);
    for (name, op, d) in [
        ("div", BinOp::Div, zero),
        ("div_negzero", BinOp::Div, negzero),
        ("floordiv", BinOp::FloorDiv, zero),
        ("mod", BinOp::Mod, zero),
    ] {
        let r = b.binary(Type::F64, op, x, d);
        let a = per_neuron(&mut b, name, Type::F64);
        store(&mut b, a, r);
    }
    let k = b.finish();
    let xs = vec![1.0, -1.0, 0.0, -0.0, f64::NAN, f64::INFINITY, -2.5];
    let mut start = Start::zeros(&k, xs.len());
    start.arrays[0] = ArrayData::from_f64(xs);
    let out = once(&k, &start);
    let div = f64s(&out.arrays[1]);
    assert_eq!(div[0], f64::INFINITY);
    assert_eq!(div[1], f64::NEG_INFINITY);
    assert!(div[2].is_nan() && div[3].is_nan() && div[4].is_nan());
    assert_eq!(div[5], f64::INFINITY);
    let div_negzero = f64s(&out.arrays[2]);
    assert_eq!(div_negzero[0], f64::NEG_INFINITY);
    assert_eq!(div_negzero[1], f64::INFINITY);
    let floordiv = f64s(&out.arrays[3]);
    assert_eq!(floordiv[0], f64::INFINITY);
    assert_eq!(floordiv[6], f64::NEG_INFINITY);
    // x - 0*floor(x/0) = x - 0*inf = NaN.
    assert!(f64s(&out.arrays[4]).iter().all(|r| r.is_nan()));
}

/// Python's `x // y` and `x % y` (with `x // 0 == 0` and `x % 0 == 0`, as the IR defines), wrapped to 64
/// bits.
fn python_divmod(x: i64, y: i64) -> (i64, i64) {
    if y == 0 {
        return (0, 0);
    }
    let (x, y) = (i128::from(x), i128::from(y));
    let mut q = x / y;
    if x % y != 0 && ((x < 0) != (y < 0)) {
        q -= 1;
    }
    let r = x - y * q;
    (q as i64, r as i64)
}

/// `x // y` and `x % y` of per-neuron integers, and with uniform divisors (-3 and 0), of type `ty`.
fn int_kernel(ty: Type) -> Kernel {
    let mut b = builder("G.int_edges", Domain::Neurons);
    let xa = per_neuron(&mut b, "x", ty);
    let ya = per_neuron(&mut b, "y", ty);
    let x = load(&mut b, xa);
    let y = load(&mut b, ya);
    let c = |v: i64| {
        if ty == Type::I64 {
            Const::I64(v)
        } else {
            Const::I32(v as i32)
        }
    };
    let minus3 = b.constant(c(-3));
    let zero = b.constant(c(0));
    for (name, op, d) in [
        ("floordiv", BinOp::FloorDiv, y),
        ("mod", BinOp::Mod, y),
        ("floordiv_m3", BinOp::FloorDiv, minus3),
        ("mod_m3", BinOp::Mod, minus3),
        ("floordiv_0", BinOp::FloorDiv, zero),
        ("mod_0", BinOp::Mod, zero),
        ("add", BinOp::Add, y),
        ("sub", BinOp::Sub, y),
        ("mul", BinOp::Mul, y),
    ] {
        let r = b.binary(ty, op, x, d);
        let a = per_neuron(&mut b, name, ty);
        store(&mut b, a, r);
    }
    let neg = b.value(ty, Op::Unary(UnOp::Neg, x));
    let a = per_neuron(&mut b, "neg", ty);
    store(&mut b, a, neg);
    for f in [Builtin::Abs, Builtin::Sign] {
        let r = b.call(ty, f, vec![x]);
        let a = per_neuron(&mut b, f.name(), ty);
        store(&mut b, a, r);
    }
    let r = b.call(ty, Builtin::Clip, vec![x, minus3, y]);
    let a = per_neuron(&mut b, "clip", ty);
    store(&mut b, a, r);
    let lt = b.cmp(CmpOp::Lt, x, y);
    let a = per_neuron(&mut b, "lt", Type::Bool);
    store(&mut b, a, lt);
    b.finish()
}

#[test]
fn integer_floor_division_and_modulo_follow_python_with_negative_operands_and_zero() {
    for ty in [Type::I64, Type::I32] {
        let values: Vec<i64> = if ty == Type::I64 {
            vec![
                -7,
                -3,
                -2,
                -1,
                0,
                1,
                2,
                3,
                7,
                i64::MIN,
                i64::MAX,
                i64::MIN + 1,
            ]
        } else {
            vec![
                -7,
                -3,
                -2,
                -1,
                0,
                1,
                2,
                3,
                7,
                i64::from(i32::MIN),
                i64::from(i32::MAX),
                i64::from(i32::MIN) + 1,
            ]
        };
        let mut xs = Vec::new();
        let mut ys = Vec::new();
        for &x in &values {
            for &y in &values {
                xs.push(x);
                ys.push(y);
            }
        }
        let k = int_kernel(ty);
        let n = xs.len();
        let mut start = Start::zeros(&k, n);
        let as_values = |v: &[i64]| -> Vec<Value> {
            v.iter()
                .map(|&x| {
                    if ty == Type::I64 {
                        Value::I64(x)
                    } else {
                        Value::I32(x as i32)
                    }
                })
                .collect()
        };
        start.arrays[0] = array_of(ty, &as_values(&xs));
        start.arrays[1] = array_of(ty, &as_values(&ys));
        let out = once(&k, &start);
        let get = |name: &str| ints(&out.arrays[array_index(&k, name)]);
        let wrap = |v: i64| {
            if ty == Type::I64 {
                v
            } else {
                i64::from(v as i32)
            }
        };
        let (fd, md) = (get("floordiv"), get("mod"));
        let (f3, m3) = (get("floordiv_m3"), get("mod_m3"));
        let (f0, m0) = (get("floordiv_0"), get("mod_0"));
        for i in 0..n {
            let (x, y) = (xs[i], ys[i]);
            let (q, r) = python_divmod(x, y);
            assert_eq!(fd[i], wrap(q), "{x} // {y} ({})", ty.name());
            assert_eq!(md[i], wrap(r), "{x} % {y} ({})", ty.name());
            let (q, r) = python_divmod(x, -3);
            assert_eq!(f3[i], wrap(q), "{x} // -3 ({})", ty.name());
            assert_eq!(m3[i], wrap(r), "{x} % -3 ({})", ty.name());
            assert_eq!((f0[i], m0[i]), (0, 0), "{x} // 0 and {x} % 0");
        }
        // A few by hand, as Python prints them.
        let at = |x: i64, y: i64| xs.iter().zip(&ys).position(|p| p == (&x, &y)).unwrap();
        assert_eq!((fd[at(-7, 2)], md[at(-7, 2)]), (-4, 1));
        assert_eq!((fd[at(7, -2)], md[at(7, -2)]), (-4, -1));
        assert_eq!((fd[at(-7, -2)], md[at(-7, -2)]), (3, -1));
        assert_eq!((fd[at(-1, 7)], md[at(-1, 7)]), (-1, 6));
        let min = values[9];
        assert_eq!(fd[at(min, -1)], min, "MIN // -1 wraps");
        assert_eq!(md[at(min, -1)], 0);
    }
}

/// A kernel casting a per-neuron value of type `from` to every type.
fn cast_kernel(from: Type) -> Kernel {
    let mut b = builder("G.casts", Domain::Neurons);
    let xa = per_neuron(&mut b, "x", from);
    let x = load(&mut b, xa);
    for to in [Type::Bool, Type::I32, Type::I64, Type::F32, Type::F64] {
        let r = b.cast(to, x);
        let a = per_neuron(&mut b, &format!("to_{}", to.name()), to);
        store(&mut b, a, r);
    }
    b.finish()
}

fn cast_outputs(from: Type, values: Vec<Value>) -> (Kernel, Snapshot) {
    let k = cast_kernel(from);
    let mut start = Start::zeros(&k, values.len());
    start.arrays[0] = array_of(from, &values);
    let out = once(&k, &start);
    (k, out)
}

#[test]
fn casts_of_nan_infinite_and_huge_floats_saturate() {
    let xs = [
        f64::NAN,
        -f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        1e300,
        -1e300,
        9.3e18,
        -9.3e18,
        9_223_372_036_854_775_808.0,
        -9_223_372_036_854_775_808.0,
        2_147_483_648.0,
        -2_147_483_649.0,
        1.9,
        -1.9,
        -0.0,
        0.5,
        1e-310,
        3.5e38,
        f64::MAX,
    ];
    let (k, out) = cast_outputs(Type::F64, xs.iter().map(|x| Value::F64(*x)).collect());
    let get = |to: Type| &out.arrays[array_index(&k, &format!("to_{}", to.name()))];
    let (b, i32s, i64s) = (
        bools(get(Type::Bool)),
        ints(get(Type::I32)),
        ints(get(Type::I64)),
    );
    let ArrayData::F32(f32s) = get(Type::F32) else {
        panic!()
    };
    for (i, &x) in xs.iter().enumerate() {
        assert_eq!(b[i], x != 0.0, "bool({x}) (NaN is true)");
        assert_eq!(i32s[i], i64::from(x as i32), "i32({x})");
        assert_eq!(i64s[i], x as i64, "i64({x})");
        assert!(same32(f32s.as_slice()[i], x as f32), "f32({x})");
    }
    assert_eq!((i32s[0], i64s[0]), (0, 0), "NaN → 0");
    assert_eq!((i32s[2], i64s[2]), (i64::from(i32::MAX), i64::MAX));
    assert_eq!((i32s[3], i64s[3]), (i64::from(i32::MIN), i64::MIN));

    let ys = [
        f32::NAN,
        f32::INFINITY,
        f32::NEG_INFINITY,
        f32::MAX,
        f32::MIN,
        3e9,
        -3e9,
        1e19,
        -1.5,
        -0.0,
        1e-45,
    ];
    let (k, out) = cast_outputs(Type::F32, ys.iter().map(|y| Value::F32(*y)).collect());
    let get = |to: Type| &out.arrays[array_index(&k, &format!("to_{}", to.name()))];
    let (b, i32s, i64s, f64s_) = (
        bools(get(Type::Bool)),
        ints(get(Type::I32)),
        ints(get(Type::I64)),
        f64s(get(Type::F64)),
    );
    for (i, &y) in ys.iter().enumerate() {
        assert_eq!(b[i], y != 0.0, "bool({y}f32)");
        assert_eq!(i32s[i], i64::from(y as i32), "i32({y}f32)");
        assert_eq!(i64s[i], y as i64, "i64({y}f32)");
        assert!(same64(f64s_[i], f64::from(y)), "f64({y}f32)");
    }
}

#[test]
fn casts_between_integers_and_booleans() {
    let xs = [
        0,
        1,
        -1,
        i64::MAX,
        i64::MIN,
        1 << 40,
        (1 << 53) + 1,
        4_294_967_297,
        -2_147_483_649,
    ];
    let (k, out) = cast_outputs(Type::I64, xs.iter().map(|x| Value::I64(*x)).collect());
    let get = |to: Type| &out.arrays[array_index(&k, &format!("to_{}", to.name()))];
    let (b, i32s, f) = (
        bools(get(Type::Bool)),
        ints(get(Type::I32)),
        f64s(get(Type::F64)),
    );
    let ArrayData::F32(f32s) = get(Type::F32) else {
        panic!()
    };
    for (i, &x) in xs.iter().enumerate() {
        assert_eq!(b[i], x != 0);
        assert_eq!(i32s[i], i64::from(x as i32), "i32({x}) wraps");
        assert_eq!(f[i].to_bits(), (x as f64).to_bits(), "f64({x})");
        assert_eq!(
            f32s.as_slice()[i].to_bits(),
            (x as f32).to_bits(),
            "f32({x})"
        );
    }
    let ys = [0, 1, -1, i32::MAX, i32::MIN, 16_777_217];
    let (k, out) = cast_outputs(Type::I32, ys.iter().map(|y| Value::I32(*y)).collect());
    let get = |to: Type| &out.arrays[array_index(&k, &format!("to_{}", to.name()))];
    assert_eq!(
        ints(get(Type::I64)),
        ys.iter().map(|y| i64::from(*y)).collect::<Vec<_>>()
    );
    let ArrayData::F32(f32s) = get(Type::F32) else {
        panic!()
    };
    for (i, &y) in ys.iter().enumerate() {
        assert_eq!(
            f32s.as_slice()[i].to_bits(),
            (y as f32).to_bits(),
            "f32({y})"
        );
    }
    let (k, out) = cast_outputs(Type::Bool, vec![Value::Bool(true), Value::Bool(false)]);
    let get = |to: Type| &out.arrays[array_index(&k, &format!("to_{}", to.name()))];
    assert_eq!(ints(get(Type::I32)), [1, 0]);
    assert_eq!(ints(get(Type::I64)), [1, 0]);
    assert_eq!(f64s(get(Type::F64)), [1.0, 0.0]);
    assert_eq!(bools(get(Type::Bool)), [true, false]);
}

/// A kernel touching every kind of per-neuron work: the neuron index, uniform and normal draws from two
/// streams, loads and stores of every type, an emit and a rare-path `If`.
fn busy_kernel() -> Kernel {
    let mut b = builder("G.busy", Domain::Neurons);
    b.kernel.streams.push(ganglion_ir::stream_id("G.other"));
    let spike = b.kernel.event("spike");
    let xa = per_neuron(&mut b, "x", Type::F64);
    let ia = per_neuron(&mut b, "idx", Type::F64);
    let ka = per_neuron(&mut b, "k", Type::I64);
    let ja = per_neuron(&mut b, "j", Type::I32);
    let ba = per_neuron(&mut b, "flag", Type::Bool);
    let za = per_neuron(&mut b, "z", Type::F64);
    let sa = shared(&mut b, "calls", Type::I64);
    b.set_level(Level::Scalar);
    let calls = load(&mut b, sa);
    let one = b.constant(Const::I64(1));
    let calls = b.binary(Type::I64, BinOp::Add, calls, one);
    store(&mut b, sa, calls);
    b.set_level(Level::Vector);
    let i = b.value(Type::I64, Op::NeuronIndex);
    let fi = b.cast(Type::F64, i);
    store(&mut b, ia, fi);
    let u = b.value(
        Type::F64,
        Op::Random {
            normal: false,
            stream: 0,
            draw: 0,
        },
    );
    let g = b.value(
        Type::F64,
        Op::Random {
            normal: true,
            stream: 1,
            draw: 3,
        },
    );
    let x = load(&mut b, xa);
    let y = b.binary(Type::F64, BinOp::Mul, x, fi);
    let y = b.binary(Type::F64, BinOp::Add, y, u);
    store(&mut b, xa, y);
    let k = load(&mut b, ka);
    let k = b.binary(Type::I64, BinOp::Add, k, i);
    store(&mut b, ka, k);
    let j = b.cast(Type::I32, i);
    let three = b.constant(Const::I32(3));
    let j = b.binary(Type::I32, BinOp::Mod, j, three);
    store(&mut b, ja, j);
    let half = b.f64(0.5);
    let fire = b.cmp(CmpOp::Lt, u, half);
    store(&mut b, ba, fire);
    b.effect(Op::Emit(spike, fire));
    let zero = b.f64(0.0);
    let pos = b.cmp(CmpOp::Gt, g, zero);
    b.begin_if(pos);
    store(&mut b, za, g);
    b.end_if();
    b.finish()
}

#[test]
fn empty_groups_single_neurons_and_sizes_that_are_not_multiples_of_the_vector_width() {
    let k = busy_kernel();
    for n in [0, 1, 2, 3, 4, 5, 1001] {
        let mut start = Start::zeros(&k, n);
        start.seed = 42;
        start.steps = 3;
        start.first_step = 7;
        start.clear_events = true;
        let runs = both(&k, &start);
        let last = runs.last().unwrap();
        // Every neuron was visited, the tail included, and the scalar block ran once per call.
        let idx = f64s(&last.arrays[array_index(&k, "idx")]);
        assert_eq!(idx, (0..n).map(|i| i as f64).collect::<Vec<_>>(), "N = {n}");
        assert_eq!(ints(&last.arrays[array_index(&k, "calls")]), [3]);
        let ks = ints(&last.arrays[array_index(&k, "k")]);
        assert_eq!(ks, (0..n as i64).map(|i| 3 * i).collect::<Vec<_>>());
        for r in &runs {
            let flags = bools(&r.arrays[array_index(&k, "flag")]);
            let want: Vec<u32> = (0..n as u32).filter(|&i| flags[i as usize]).collect();
            assert_eq!(r.events[0], want, "N = {n}: spikes in neuron order");
        }
    }
}

/// Emits into `spike` where `cond` holds, computed three ways: from a boolean array, from a comparison of
/// doubles (packed lanes in the wide loop), and inside an `If` (lane by lane).
fn emit_kernel(way: usize) -> Kernel {
    let mut b = builder("G.thresholder", Domain::Neurons);
    let spike = b.kernel.event("spike");
    let ca = per_neuron(&mut b, "cond", Type::Bool);
    let va = per_neuron(&mut b, "v", Type::F64);
    let c = match way {
        0 => load(&mut b, ca),
        _ => {
            let v = load(&mut b, va);
            let half = b.f64(0.5);
            b.cmp(CmpOp::Gt, v, half)
        }
    };
    if way == 2 {
        b.begin_if(c);
        let t = b.constant(Const::Bool(true));
        b.effect(Op::Emit(spike, t));
        b.end_if();
    } else {
        b.effect(Op::Emit(spike, c));
    }
    b.finish()
}

#[test]
fn events_are_emitted_in_neuron_order_for_every_pattern() {
    type Pattern = fn(usize, usize) -> bool;
    let patterns: [(&str, Pattern); 7] = [
        ("all", |_, _| true),
        ("none", |_, _| false),
        ("even", |i, _| i % 2 == 0),
        ("odd", |i, _| i % 2 == 1),
        ("first", |i, _| i == 0),
        ("last", |i, n| i + 1 == n),
        ("every third", |i, _| i % 3 == 1),
    ];
    for way in 0..3 {
        let k = emit_kernel(way);
        for n in [1, 2, 3, 5, 8, 1001] {
            for (name, p) in patterns {
                let fire: Vec<bool> = (0..n).map(|i| p(i, n)).collect();
                let want: Vec<u32> = (0..n as u32).filter(|&i| fire[i as usize]).collect();
                let mut start = Start::zeros(&k, n);
                start.arrays[0] = array_of(
                    Type::Bool,
                    &fire.iter().map(|f| Value::Bool(*f)).collect::<Vec<_>>(),
                );
                start.arrays[1] =
                    ArrayData::from_f64(fire.iter().map(|f| if *f { 1.0 } else { 0.0 }).collect());
                // Fresh buffers, and buffers that already hold events and keep growing over calls.
                start.steps = 2;
                start.clear_events = true;
                let runs = both(&k, &start);
                for r in &runs {
                    assert_eq!(r.events[0], want, "{name}, N = {n}, way {way}");
                }
                start.events[0] = vec![9, 4];
                start.clear_events = false;
                let runs = both(&k, &start);
                let mut grown = vec![9, 4];
                for r in &runs {
                    grown.extend(&want);
                    assert_eq!(r.events[0], grown, "{name}, N = {n}, way {way}, appended");
                }
            }
        }
    }
}

/// A reset-like kernel over the `spike` buffer: a scalar counter, per-index increments, the index and a
/// draw stored per index.
fn event_kernel() -> Kernel {
    let mut b = builder("G.resetter", Domain::Events(EventId(0)));
    b.kernel.event("spike");
    let xa = per_neuron(&mut b, "x", Type::F64);
    let ia = per_neuron(&mut b, "i", Type::I64);
    let ra = per_neuron(&mut b, "r", Type::F64);
    let ca = shared(&mut b, "calls", Type::I64);
    let ta = shared(&mut b, "total", Type::F64);
    b.set_level(Level::Scalar);
    let c = load(&mut b, ca);
    let one = b.constant(Const::I64(1));
    let c = b.binary(Type::I64, BinOp::Add, c, one);
    store(&mut b, ca, c);
    b.set_level(Level::Vector);
    let x = load(&mut b, xa);
    let onef = b.f64(1.0);
    let y = b.binary(Type::F64, BinOp::Add, x, onef);
    store(&mut b, xa, y);
    let i = b.value(Type::I64, Op::NeuronIndex);
    store(&mut b, ia, i);
    let r = b.value(
        Type::F64,
        Op::Random {
            normal: true,
            stream: 0,
            draw: 0,
        },
    );
    store(&mut b, ra, r);
    // A shared running total: over events the JIT runs one index at a time, as the interpreter does.
    let t = load(&mut b, ta);
    let t = b.binary(Type::F64, BinOp::Add, t, y);
    store(&mut b, ta, t);
    b.finish()
}

#[test]
fn kernels_over_events_with_empty_and_unusual_buffers() {
    let k = event_kernel();
    for n in [0, 1, 5] {
        let mut start = Start::zeros(&k, n);
        start.domain_events = vec![Vec::new()];
        let out = once(&k, &start);
        assert!(
            f64s(&out.arrays[0]).iter().all(|x| *x == 0.0),
            "nothing ran"
        );
        assert_eq!(ints(&out.arrays[3]), [1], "the scalar block runs once");
        assert_eq!(f64s(&out.arrays[4]), [0.0]);
    }
    let mut start = Start::zeros(&k, 6);
    start.domain_events = vec![vec![1, 3], vec![5, 0, 5, 2], Vec::new(), vec![4]];
    start.steps = 4;
    start.seed = 3;
    let runs = both(&k, &start);
    let last = runs.last().unwrap();
    assert_eq!(f64s(&last.arrays[0]), [1.0, 1.0, 1.0, 1.0, 1.0, 2.0]);
    assert_eq!(ints(&last.arrays[3]), [4]);
    // 2 + (1 + 1 + 2 + 1) + 0 + 1: repeated indices see their own earlier increments.
    assert_eq!(f64s(&last.arrays[4]), [8.0]);
}

#[test]
fn single_precision_groups_agree_between_backends() {
    use ganglion::{BackendChoice, Network, NeuronGroup, SpikeMonitor};
    let model = "dv/dt = (1.5 - v + 0.3*sin(2*pi*t/(3*ms)))/(10*ms) + 0.05*xi*sqrt(ms)/ms : 1 (unless refractory)
dw/dt = -w/(5*ms) : 1
k : integer";
    let simulate = |backend: BackendChoice, n: usize, float32: bool| {
        let mut net = Network::new(backend);
        net.seed(11);
        let mut group = NeuronGroup::new(n, model)
            .threshold("v > 1 + w")
            .reset("v = 0.1*i\nw += 0.25\nk += 1")
            .refractory_time(1e-3);
        if float32 {
            group = group.float32();
        }
        let g = net.add_group(group).unwrap();
        net.set(g, "v", "rand()").unwrap();
        let m = net.add_spike_monitor(SpikeMonitor::new(g)).unwrap();
        net.run(0.02).unwrap();
        let state = net.group_state(g);
        let spikes = net.spike_data(m).unwrap().clone();
        (state, spikes.i, spikes.t)
    };
    for n in [1, 3, 7, 64] {
        for float32 in [true, false] {
            let a = simulate(BackendChoice::Jit, n, float32);
            let b = simulate(BackendChoice::Interpreter, n, float32);
            for ((var, x, _), (_, y, _)) in a.0.iter().zip(&b.0) {
                assert!(
                    x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same64(*p, *q)),
                    "N = {n}, float32 = {float32}: `{var}` differs: {x:?} vs {y:?}"
                );
                if float32 && (var == "v" || var == "w") {
                    assert!(
                        x.iter()
                            .all(|v| f64::from(*v as f32).to_bits() == v.to_bits()),
                        "`{var}` is single precision"
                    );
                }
            }
            assert_eq!(a.1, b.1, "N = {n}, float32 = {float32}: spikes differ");
            assert!(a.2.iter().zip(&b.2).all(|(p, q)| same64(*p, *q)));
            assert!(!a.1.is_empty(), "the model spikes");
        }
    }
}

#[test]
fn groups_of_one_neuron_through_the_api() {
    use ganglion::{BackendChoice, Network, NeuronGroup, SpikeMonitor};
    let run = |backend| {
        let mut net = Network::new(backend);
        net.seed(5);
        let g = net
            .add_group(
                NeuronGroup::new(1, "dv/dt = (2 - v)/(10*ms) + 0.2*xi*sqrt(ms)/ms : 1")
                    .threshold("v > 1")
                    .reset("v = rand()"),
            )
            .unwrap();
        let m = net.add_spike_monitor(SpikeMonitor::new(g)).unwrap();
        net.run(0.05).unwrap();
        (
            net.state(g, "v").unwrap(),
            net.spike_data(m).unwrap().t.clone(),
        )
    };
    let (a, b) = (run(BackendChoice::Jit), run(BackendChoice::Interpreter));
    assert_eq!(a.0[0].to_bits(), b.0[0].to_bits());
    assert_eq!(a.1, b.1);
    assert!(!a.1.is_empty());
}

// ---------------------------------------------------------------------------------------------------------
// Regression tests for JIT bugs these tests found (shared stores in the two-lane loop, setup lists, parameter
// types), fixed since

/// A kernel over neurons storing into shared arrays from vector code: the last neuron's index, and a
/// counter incremented once per neuron.
fn shared_store_kernel() -> Kernel {
    let mut b = builder("G.shared", Domain::Neurons);
    let last = shared(&mut b, "last", Type::F64);
    let count = shared(&mut b, "count", Type::F64);
    let i = b.value(Type::I64, Op::NeuronIndex);
    let fi = b.cast(Type::F64, i);
    store(&mut b, last, fi);
    let c = load(&mut b, count);
    let one = b.f64(1.0);
    let c = b.binary(Type::F64, BinOp::Add, c, one);
    store(&mut b, count, c);
    b.finish()
}

#[test]
fn shared_stores_from_vector_code_run_in_neuron_order() {
    let k = shared_store_kernel();
    for n in [2, 4, 5] {
        let start = Start::zeros(&k, n);
        let out = once(&k, &start);
        assert_eq!(f64s(&out.arrays[0]), [(n - 1) as f64]);
        assert_eq!(f64s(&out.arrays[1]), [n as f64]);
    }
}

/// Kernels emitting twice into one buffer per neuron, both at the top level and once inside an `If`.
fn double_emit_kernels() -> Vec<Kernel> {
    (0..2)
        .map(|way| {
            let mut b = builder("G.twice", Domain::Neurons);
            let e = b.kernel.event("spike");
            let t = b.constant(Const::Bool(true));
            b.effect(Op::Emit(e, t));
            if way == 1 {
                b.begin_if(t);
            }
            b.effect(Op::Emit(e, t));
            if way == 1 {
                b.end_if();
            }
            b.finish()
        })
        .collect()
}

/// The JIT appends events lane by lane per `Emit` and reserves room for one event per neuron, which is
/// right only because the verifier lets a kernel emit into a buffer at most once; both backends must
/// refuse anything else (before that rule, such a kernel wrote past the buffer's capacity).
#[test]
fn several_emits_into_one_buffer_are_refused_by_both_backends() {
    for k in double_emit_kernels() {
        let e = Interpreter
            .compile(&k)
            .err()
            .expect("the interpreter refuses");
        assert!(
            matches!(&e, CompileError::Verify(v) if v.message.contains("emitted twice")),
            "{e}"
        );
        let e = Jit::default().compile(&k).err().expect("the JIT refuses");
        assert!(
            matches!(&e, CompileError::Verify(v) if v.message.contains("emitted twice")),
            "{e}"
        );
    }
}

#[test]
fn scalar_code_reads_a_matrix_exponential_computed_in_setup() {
    let mut b = builder("G.expm", Domain::Neurons);
    let out = shared(&mut b, "out", Type::F64);
    let vout = per_neuron(&mut b, "vout", Type::F64);
    b.set_level(Level::Setup);
    let dt = b.value(Type::F64, Op::Dt);
    let m = b.value(
        Type::F64List(2),
        Op::Expm {
            n: 1,
            entries: vec![dt],
        },
    );
    b.set_level(Level::Scalar);
    let e = b.value(Type::F64, Op::Extract(m, 0));
    store(&mut b, out, e);
    b.set_level(Level::Vector);
    let e = b.value(Type::F64, Op::Extract(m, 1));
    store(&mut b, vout, e);
    let k = b.finish();
    let mut start = Start::zeros(&k, 3);
    start.dt = 0.5;
    let out = once(&k, &start);
    // (The matrix exponential of [[0.5]] is e^0.5 to within an ulp or two: Padé approximation.)
    let got = f64s(&out.arrays[0])[0];
    assert!((got - 0.5f64.exp()).abs() < 4.0 * f64::EPSILON, "{got}");
}

#[test]
fn parameters_of_another_type_are_converted_as_the_interpreter_does() {
    let mut b = builder("G.params", Domain::Neurons);
    let p = b.kernel.param("N_ext", Type::I64);
    let q = b.kernel.param("flag", Type::Bool);
    let a = per_neuron(&mut b, "a", Type::I64);
    let c = per_neuron(&mut b, "c", Type::Bool);
    let v = b.value(Type::I64, Op::Param(p));
    store(&mut b, a, v);
    let w = b.value(Type::Bool, Op::Param(q));
    store(&mut b, c, w);
    let k = b.finish();
    let mut start = Start::zeros(&k, 3);
    start.params = vec![Value::F64(7.0), Value::F64(2.0)];
    let reference = run(&mut Interpreter, &k, &start);
    let jit = run(&mut Jit::default(), &k, &start);
    assert_eq!(ints(&reference[0].arrays[0]), [7, 7, 7]);
    compare(&k, &reference, &jit).unwrap();
}

// ---------------------------------------------------------------------------------------------------------
// Computed indices (`Index::At`): gathers, scatters, faults

fn indexed(b: &mut Builder, name: &str, ty: Type) -> ArrayId {
    b.kernel.array(name, ty, Extent::Indexed)
}

fn load_at(b: &mut Builder, a: ArrayId, k: ValueId) -> ValueId {
    let ty = b.kernel.arrays[a.0 as usize].ty;
    b.value(ty, Op::Load(a, Index::At(k)))
}

fn store_at(b: &mut Builder, a: ArrayId, k: ValueId, v: ValueId) {
    b.effect(Op::Store(a, Index::At(k), v));
}

/// `start` with the array called `name` replaced by `data`.
fn with_array(k: &Kernel, start: &mut Start, name: &str, data: ArrayData) {
    start.arrays[array_index(k, name)] = data;
}

fn i64_array(values: &[i64]) -> ArrayData {
    array_of(
        Type::I64,
        &values.iter().map(|v| Value::I64(*v)).collect::<Vec<_>>(),
    )
}

fn i32_array(values: &[i32]) -> ArrayData {
    array_of(
        Type::I32,
        &values.iter().map(|v| Value::I32(*v)).collect::<Vec<_>>(),
    )
}

fn bits(xs: &[f64]) -> Vec<u64> {
    xs.iter().map(|x| x.to_bits()).collect()
}

const GATHER_LEN: usize = 7;

/// Gathers only (so the JIT runs it two neurons per iteration): tables of every type read at an index
/// loaded from an `i32` array (cast, as synapses do), at an `i64` index loaded per neuron, at
/// `(len - 1) - i % len`, at a uniform index, and inside an `If` (lane by lane).
fn gather_kernel() -> Kernel {
    let mut b = builder("S.gather", Domain::Neurons);
    let spike = b.kernel.event("spike");
    let post = per_neuron(&mut b, "post", Type::I32);
    let idx = per_neuron(&mut b, "idx", Type::I64);
    let p = load(&mut b, post);
    let k = b.cast(Type::I64, p);
    for t in [Type::F64, Type::I64, Type::I32, Type::Bool, Type::F32] {
        let tbl = indexed(&mut b, &format!("tbl_{}", t.name()), t);
        let out = per_neuron(&mut b, &format!("out_{}", t.name()), t);
        let y = load_at(&mut b, tbl, k);
        store(&mut b, out, y);
    }
    let tf = ArrayId(array_index(&b.kernel, "tbl_f64") as u32);
    let k2 = load(&mut b, idx);
    let y2 = load_at(&mut b, tf, k2);
    let i = b.value(Type::I64, Op::NeuronIndex);
    let len = b.constant(Const::I64(GATHER_LEN as i64));
    let last = b.constant(Const::I64(GATHER_LEN as i64 - 1));
    let r = b.binary(Type::I64, BinOp::Mod, i, len);
    let k3 = b.binary(Type::I64, BinOp::Sub, last, r);
    let y3 = load_at(&mut b, tf, k3);
    let one = b.constant(Const::I64(1));
    let y4 = load_at(&mut b, tf, one);
    let s = b.binary(Type::F64, BinOp::Add, y2, y3);
    let s = b.binary(Type::F64, BinOp::Mul, s, y4);
    let mixed = per_neuron(&mut b, "mixed", Type::F64);
    store(&mut b, mixed, s);
    let zero = b.f64(0.0);
    let c = b.cmp(CmpOp::Gt, y2, zero);
    b.effect(Op::Emit(spike, c));
    b.begin_if(c);
    let y5 = load_at(&mut b, tf, k3);
    let inner = per_neuron(&mut b, "inner", Type::F64);
    store(&mut b, inner, y5);
    b.end_if();
    b.finish()
}

#[test]
fn gathers_in_the_two_lane_loop_with_odd_and_even_sizes() {
    let k = gather_kernel();
    let clif = Jit::default().clif(&k).unwrap();
    assert!(
        clif.contains("f64x2"),
        "gathers keep the two-lane loop:\n{clif}"
    );
    let table: Vec<f64> = (0..GATHER_LEN).map(|e| e as f64 * 1.5 - 4.0).collect();
    for n in [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 16, 17, 33] {
        let mut start = Start::zeros(&k, n);
        let post: Vec<i32> = (0..n).map(|i| ((i * 3 + 1) % GATHER_LEN) as i32).collect();
        let idx: Vec<i64> = (0..n).map(|i| ((i * 5) % GATHER_LEN) as i64).collect();
        with_array(&k, &mut start, "post", i32_array(&post));
        with_array(&k, &mut start, "idx", i64_array(&idx));
        for t in [Type::F64, Type::I64, Type::I32, Type::Bool, Type::F32] {
            let values: Vec<Value> = table.iter().map(|x| Value::F64(*x)).collect();
            with_array(
                &k,
                &mut start,
                &format!("tbl_{}", t.name()),
                array_of(t, &values),
            );
        }
        let out = once(&k, &start);
        assert!(!out.fault, "N = {n}");
        let get = |name: &str| &out.arrays[array_index(&k, name)];
        for t in [Type::F64, Type::I64, Type::I32, Type::Bool, Type::F32] {
            let got = get(&format!("out_{}", t.name()));
            for i in 0..n {
                let want = Value::F64(table[post[i] as usize]).cast(t);
                assert_eq!(got.get(i), want, "N = {n}, {t:?}, neuron {i}");
            }
        }
        let third = |i: usize| table[GATHER_LEN - 1 - i % GATHER_LEN];
        let want: Vec<f64> = (0..n)
            .map(|i| (table[idx[i] as usize] + third(i)) * table[1])
            .collect();
        assert_eq!(bits(&f64s(get("mixed"))), bits(&want), "N = {n}");
        let fired: Vec<u32> = (0..n as u32)
            .filter(|&i| table[idx[i as usize] as usize] > 0.0)
            .collect();
        assert_eq!(out.events[0], fired, "N = {n}");
        let inner: Vec<f64> = (0..n)
            .map(|i| {
                if table[idx[i] as usize] > 0.0 {
                    third(i)
                } else {
                    0.0
                }
            })
            .collect();
        assert_eq!(f64s(get("inner")), inner, "N = {n}");
    }
}

/// `g[post[s]] += w[s]` (f64), `c[post[s]] += 1` (i64), `h[post[s]] += v[s]` (f32), over synapses `s`:
/// every neuron, or the indices of an event buffer.
fn scatter_add_kernel(over_events: bool) -> Kernel {
    let domain = if over_events {
        Domain::Events(EventId(0))
    } else {
        Domain::Neurons
    };
    let mut b = builder("S.pre", domain);
    b.kernel.event("spike");
    let post = per_neuron(&mut b, "post", Type::I32);
    let w = per_neuron(&mut b, "w", Type::F64);
    let v = per_neuron(&mut b, "v", Type::F32);
    let g = indexed(&mut b, "g", Type::F64);
    let c = indexed(&mut b, "c", Type::I64);
    let h = indexed(&mut b, "h", Type::F32);
    let p = load(&mut b, post);
    let k = b.cast(Type::I64, p);
    let wv = load(&mut b, w);
    let gv = load_at(&mut b, g, k);
    let s = b.binary(Type::F64, BinOp::Add, gv, wv);
    store_at(&mut b, g, k, s);
    let cv = load_at(&mut b, c, k);
    let one = b.constant(Const::I64(1));
    let cs = b.binary(Type::I64, BinOp::Add, cv, one);
    store_at(&mut b, c, k, cs);
    let vv = load(&mut b, v);
    let hv = load_at(&mut b, h, k);
    let hs = b.binary(Type::F32, BinOp::Add, hv, vv);
    store_at(&mut b, h, k, hs);
    b.finish()
}

/// Weights whose float sum depends on the order they are added in (1e16 + 1 rounds back to 1e16).
fn order_dependent_weights(n: usize) -> Vec<f64> {
    let pattern = [1e16, 1.0, 1.0, -1e16, 1.0, 0.5, -3.0, 1e16, 1.0];
    (0..n).map(|s| pattern[s % pattern.len()]).collect()
}

#[test]
fn scatter_adds_with_every_synapse_hitting_one_element_sum_in_order() {
    for n in [1, 2, 3, 5, 8, 9, 33] {
        let ws = order_dependent_weights(n);
        let vs: Vec<f32> = ws.iter().map(|w| (*w * 1e-8) as f32 + 0.1).collect();
        for over_events in [false, true] {
            let k = scatter_add_kernel(over_events);
            let mut start = Start::zeros(&k, n);
            // Every synapse targets element 2 of 4.
            with_array(&k, &mut start, "post", i32_array(&vec![2; n]));
            with_array(&k, &mut start, "w", ArrayData::from_f64(ws.clone()));
            let vals: Vec<Value> = vs.iter().map(|x| Value::F32(*x)).collect();
            with_array(&k, &mut start, "v", array_of(Type::F32, &vals));
            for name in ["g", "c", "h"] {
                let ty = k.arrays[array_index(&k, name)].ty;
                with_array(&k, &mut start, name, ArrayData::zeros(ty, 4));
            }
            // Over events: the synapses in an unsorted order, some twice.
            let order: Vec<u32> = if over_events {
                let mut o: Vec<u32> = (0..n as u32).rev().collect();
                o.extend((0..n as u32).step_by(2));
                start.domain_events = vec![o.clone()];
                o
            } else {
                (0..n as u32).collect()
            };
            let out = once(&k, &start);
            assert!(!out.fault);
            let (mut g, mut h) = (0.0f64, 0.0f32);
            for &s in &order {
                g += ws[s as usize];
                h += vs[s as usize];
            }
            let got = f64s(&out.arrays[array_index(&k, "g")]);
            assert_eq!(
                bits(&got),
                bits(&[0.0, 0.0, g, 0.0]),
                "N = {n}, over events: {over_events}: {got:?}"
            );
            assert_eq!(
                ints(&out.arrays[array_index(&k, "c")]),
                [0, 0, order.len() as i64, 0]
            );
            let hs = &out.arrays[array_index(&k, "h")];
            assert_eq!(
                hs.get(2),
                Value::F32(h),
                "N = {n}, over events: {over_events}"
            );
        }
    }
    // The sums are order-dependent indeed: forwards and backwards differ.
    let ws = order_dependent_weights(9);
    let forwards: f64 = ws.iter().sum();
    let backwards: f64 = ws.iter().rev().sum();
    assert_ne!(forwards, backwards);
}

/// `y = x[k]; x[k] = y + w; out[i] = y; done[i] = i` with `k = idx[i]`, and the same gathers only
/// (`gather[i] = x[k]`, two neurons per iteration in the JIT) in a second kernel.
fn fault_kernels() -> [Kernel; 2] {
    let mut b = builder("S.scatter", Domain::Neurons);
    let idx = per_neuron(&mut b, "idx", Type::I64);
    let x = indexed(&mut b, "x", Type::F64);
    let out = per_neuron(&mut b, "out", Type::F64);
    let done = per_neuron(&mut b, "done", Type::F64);
    let k = load(&mut b, idx);
    let y = load_at(&mut b, x, k);
    let w = b.f64(0.25);
    let s = b.binary(Type::F64, BinOp::Add, y, w);
    store_at(&mut b, x, k, s);
    store(&mut b, out, y);
    let i = b.value(Type::I64, Op::NeuronIndex);
    let fi = b.cast(Type::F64, i);
    store(&mut b, done, fi);
    let scatter = b.finish();
    let mut b = builder("S.gather", Domain::Neurons);
    let idx = per_neuron(&mut b, "idx", Type::I64);
    let x = indexed(&mut b, "x", Type::F64);
    let out = per_neuron(&mut b, "out", Type::F64);
    let k = load(&mut b, idx);
    let y = load_at(&mut b, x, k);
    store(&mut b, out, y);
    [scatter, b.finish()]
}

/// Runs both fault kernels with `idx` over a table `x = [1, 2, ..., len]`; checks both backends against
/// the serial semantics: an index outside `0..len` faults, its load yields 0 and its store is skipped.
fn check_faults(idx: &[i64], len: usize) {
    let n = idx.len();
    let table: Vec<f64> = (1..=len).map(|e| e as f64).collect();
    let in_range = |k: i64| k >= 0 && (k as usize) < len;
    let should_fault = idx.iter().any(|&k| !in_range(k));
    for (which, k) in fault_kernels().iter().enumerate() {
        let mut start = Start::zeros(k, n);
        start.steps = 2;
        with_array(k, &mut start, "idx", i64_array(idx));
        with_array(k, &mut start, "x", ArrayData::from_f64(table.clone()));
        let runs = both_with_faults(k, &start);
        let mut x = table.clone();
        for (call, r) in runs.iter().enumerate() {
            assert_eq!(
                r.fault, should_fault,
                "idx {idx:?}, len {len}, kernel {which}"
            );
            let mut out = vec![0.0; n];
            for (i, &kk) in idx.iter().enumerate() {
                if in_range(kk) {
                    out[i] = x[kk as usize];
                    if which == 0 {
                        x[kk as usize] += 0.25;
                    }
                }
            }
            let get = |name: &str| f64s(&r.arrays[array_index(k, name)]);
            assert_eq!(
                get("out"),
                out,
                "idx {idx:?}, len {len}, kernel {which}, call {call}"
            );
            assert_eq!(
                get("x"),
                x,
                "idx {idx:?}, len {len}, kernel {which}, call {call}"
            );
            if which == 0 {
                let done: Vec<f64> = (0..n).map(|i| i as f64).collect();
                assert_eq!(get("done"), done, "the neurons after a fault run");
            }
        }
    }
}

#[test]
fn an_index_out_of_range_faults_on_both_backends_and_only_that_access_is_skipped() {
    for bad in [
        4,
        5,
        -1,
        -4,
        i64::MAX,
        i64::MIN,
        1 << 61,
        -(1 << 62),
        1 << 32,
    ] {
        // In the first lane of the wide loop, in the second, in the one-neuron tail; once or repeatedly.
        for at in [0, 1, 2, 5, 6] {
            let mut idx = vec![0, 3, 1, 3, 2, 0, 1];
            idx[at] = bad;
            check_faults(&idx, 4);
        }
        check_faults(&[bad; 6], 4);
    }
    // All in range (repeated indices included): no fault.
    check_faults(&[3, 3, 0, 3, 1, 2, 3], 4);
}

#[test]
fn a_negative_index_faults_and_reads_zero() {
    check_faults(&[-1], 3);
    check_faults(&[0, -1], 3);
    check_faults(&[2, 1, 0, -1, -2, -3, 0], 3);
}

#[test]
fn an_index_equal_to_the_length_faults() {
    check_faults(&[3], 3);
    check_faults(&[2, 3], 3);
    check_faults(&[0, 1, 2, 3, 2, 1, 0, 3, 0], 3);
    // One past the end of an array of one element.
    check_faults(&[0, 1, 0], 1);
}

#[test]
fn an_indexed_array_of_length_zero_faults_on_every_access_and_loads_zeros() {
    // Every index faults, whatever it is.
    for n in [1, 2, 3, 8] {
        check_faults(&vec![0; n], 0);
        check_faults(&(0..n as i64).collect::<Vec<_>>(), 0);
    }
    // Loads of every type yield zero; with no neurons, or when no neuron reaches the access, no fault.
    let mut b = builder("G.empty", Domain::Neurons);
    let flag = per_neuron(&mut b, "flag", Type::Bool);
    let f = load(&mut b, flag);
    let zero = b.constant(Const::I64(0));
    let mut outs = Vec::new();
    b.begin_if(f);
    for t in [Type::F64, Type::I64, Type::I32, Type::Bool, Type::F32] {
        let x = indexed(&mut b, &format!("x_{}", t.name()), t);
        let out = per_neuron(&mut b, &format!("out_{}", t.name()), t);
        let y = load_at(&mut b, x, zero);
        store(&mut b, out, y);
        store_at(&mut b, x, zero, y);
        outs.push((t, out));
    }
    b.end_if();
    let k = b.finish();
    for n in [0, 1, 2, 5] {
        for flags in [
            vec![false; n],
            vec![true; n],
            (0..n).map(|i| i == n / 2).collect(),
        ] {
            let mut start = Start::zeros(&k, n);
            for decl in &k.arrays {
                let name = decl.name.clone();
                let data = match decl.extent {
                    Extent::Indexed => ArrayData::zeros(decl.ty, 0),
                    _ if name == "flag" => array_of(
                        Type::Bool,
                        &flags.iter().map(|x| Value::Bool(*x)).collect::<Vec<_>>(),
                    ),
                    _ => array_of(decl.ty, &vec![Value::F64(7.0); n]),
                };
                with_array(&k, &mut start, &name, data);
            }
            let out = both_with_faults(&k, &start).pop().unwrap();
            assert_eq!(out.fault, flags.contains(&true), "N = {n}, {flags:?}");
            for (t, a) in &outs {
                for (i, flag) in flags.iter().enumerate() {
                    let want = if *flag { 0.0 } else { 7.0 };
                    assert_eq!(out.arrays[a.0 as usize].get(i), Value::F64(want).cast(*t));
                }
            }
        }
    }
}

#[test]
fn faults_in_scalar_code_are_reported_by_both_backends() {
    // scalar: x[step] = x[step] + 1; vector: out[i] = x[i % 3]
    let mut b = builder("G.scalar_fault", Domain::Neurons);
    let x = indexed(&mut b, "x", Type::F64);
    let out = per_neuron(&mut b, "out", Type::F64);
    b.set_level(Level::Scalar);
    let s = b.value(Type::I64, Op::Step);
    let y = load_at(&mut b, x, s);
    let one = b.f64(1.0);
    let y1 = b.binary(Type::F64, BinOp::Add, y, one);
    store_at(&mut b, x, s, y1);
    b.set_level(Level::Vector);
    let i = b.value(Type::I64, Op::NeuronIndex);
    let three = b.constant(Const::I64(3));
    let k3 = b.binary(Type::I64, BinOp::Mod, i, three);
    let z = load_at(&mut b, x, k3);
    store(&mut b, out, z);
    let k = b.finish();
    let mut start = Start::zeros(&k, 5);
    start.steps = 5;
    with_array(&k, &mut start, "x", ArrayData::from_f64(vec![0.0; 3]));
    let runs = both_with_faults(&k, &start);
    let faults: Vec<bool> = runs.iter().map(|r| r.fault).collect();
    assert_eq!(faults, [false, false, false, true, true]);
    let last = runs.last().unwrap();
    assert_eq!(f64s(&last.arrays[0]), [1.0, 1.0, 1.0]);
    assert_eq!(f64s(&last.arrays[1]), [1.0, 1.0, 1.0, 1.0, 1.0]);
}

#[test]
fn both_backends_say_an_index_was_out_of_range() {
    let [k, _] = fault_kernels();
    let mut start = Start::zeros(&k, 2);
    with_array(&k, &mut start, "idx", i64_array(&[0, 9]));
    with_array(&k, &mut start, "x", ArrayData::from_f64(vec![1.0; 2]));
    for backend in [&mut Interpreter as &mut dyn Backend, &mut Jit::default()] {
        let mut compiled = backend.compile(&k).unwrap();
        compiled.setup(&start.params, start.dt);
        let mut arrays = start.arrays.clone();
        let mut events = start.events.clone();
        let mut bind = ganglion_ir::interp::Bindings {
            arrays: arrays.iter_mut().collect(),
            params: &start.params,
            events: events.iter_mut().collect(),
            clock: ganglion_ir::interp::Clock {
                t: 0.0,
                dt: start.dt,
                step: 0,
            },
            seed: 0,
            n: 2,
            first: 0,
        };
        let err = compiled.call(&mut bind).unwrap_err();
        assert_eq!(err.kernel(), "S.scatter");
        assert!(err.is_fault(), "{}: {err}", backend.name());
    }
}

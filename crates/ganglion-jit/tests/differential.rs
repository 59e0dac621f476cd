//! Differential property tests: the JIT against the interpreter (the oracle).
//!
//! Random well-typed kernels are built directly with the IR's builder — expression trees over every type
//! (bool, i32, i64, f32, f64) made of constants (NaN, ±inf, ±0, huge, tiny, ...), parameters, time, dt,
//! step, the neuron index, loads of per-neuron and shared arrays, every binary operator, comparisons,
//! selects, casts between all types, every built-in, random draws from several streams, stores, emits and
//! nested `If` blocks, in setup, scalar and vector code, over neurons or over an event buffer — then run
//! for several steps on random states on both backends, optionally after the optimiser, with group sizes
//! that are and are not multiples of the JIT's vector width. Arrays and event buffers must agree bit for
//! bit after every call (NaN equals NaN; where a transcendental function is involved a difference of at
//! most 4 ulp would be tolerated and reported, though none is expected: both backends call the same Rust
//! functions).
//!
//! Kernels also reach indexed arrays (of every type, bound shorter and longer than the group, sometimes
//! empty) at computed indices: loaded from per-neuron `i32`/`i64` index arrays (as a synapse's
//! postsynaptic index), arithmetic on the neuron index or the step (`(i*7 + 3) % len`, `len - 1 - i`,
//! `i // 2`, ...), constants, any visible `i64`, a double indirection through a table of indices —
//! gathers in vector code (the JIT's two-lane loop does them lane by lane), gathers and scatters in scalar
//! code and `If` bodies, and in their own tests scatters and scatter-adds (`a[k] = a[k] + x`, several
//! neurons hitting one element) in vector code, over neurons and over event buffers. In about three
//! cases in ten indices may leave the range (negative, the length, huge; index arrays holding bad
//! indices); the backends must then fault in the same calls and leave the same state (skipped accesses
//! skipped identically); otherwise indices are in range by construction and no call may fault. Each
//! backend compiles a kernel once and runs it for every group size.
//!
//! Random small models written in the model language are run through the `ganglion` API on both backends
//! for 50 steps; every variable must agree bit for bit and the spikes exactly.
//!
//! Case counts are kept small for a debug build (the whole file runs in about 20 s);
//! `GANGLION_DIFFERENTIAL_CASES=5000` runs a longer hunt.
//! Shared stores from vector code over neurons have their own test (the JIT runs such kernels one
//! neuron at a time).

mod common;

use std::collections::HashSet;

use common::*;
use ganglion_ir::interp::Value;
use ganglion_ir::{
    Backend, BinOp, Builder, Builtin, CmpOp, Const, Domain, Extent, Index, Interpreter, Kernel,
    KernelKind, Level, Op, Type, UnOp, ValueId, passes, verify,
};
use ganglion_jit::Jit;
use proptest::prelude::*;
use proptest::sample::Index as Ix;

/// The scalar types values can have, in pool order.
const TYPES: [Type; 5] = [Type::Bool, Type::I32, Type::I64, Type::F32, Type::F64];

/// Group sizes: below, at and above the vector width, odd and even, and one and two blocks of the
/// blocked loop (64 neurons) and more.
const SIZES: [usize; 9] = [1, 2, 3, 5, 7, 16, 33, 64, 131];

fn ty_index(t: Type) -> usize {
    TYPES.iter().position(|x| *x == t).expect("a scalar type")
}

/// One step of building a kernel. Operands are chosen among the values of the right type visible at that
/// point (with `Ix`), so every recipe list builds a well-typed kernel, and shrinking a list keeps it so.
#[derive(Clone, Debug)]
enum Recipe {
    /// A constant of a type: a special value (by index), or `raw` reinterpreted.
    Const(usize, Ix, u64),
    /// A parameter of a type.
    Param(usize),
    Time,
    Dt,
    Step,
    NeuronIndex,
    /// A load from one of the arrays this level may read.
    Load(Ix),
    /// A store into one of the arrays this level may write.
    Store(Ix, Ix),
    /// Negation of a numeric value of a type.
    Neg(usize, Ix),
    Not(Ix),
    /// A binary operation: type, operator (among those allowed for the type), operands.
    Binary(usize, usize, Ix, Ix),
    /// A comparison: operand type, operator, operands.
    Cmp(usize, usize, Ix, Ix),
    /// A select of a type.
    Select(usize, Ix, Ix, Ix),
    /// A cast from one type to another.
    Cast(usize, usize, Ix),
    /// A built-in call: which function, which type (where there is a choice), arguments.
    Call(Ix, usize, [Ix; 3]),
    /// A random draw: normal or uniform, stream, draw number.
    Random(bool, usize, u32),
    /// An emit into an event, on a condition.
    Emit(Ix, Ix),
    /// Opens an `If` on a condition.
    BeginIf(Ix),
    /// Closes the innermost `If`.
    EndIf,
    /// A matrix exponential (1×1 or 2×2) of f64 values and one element of its result.
    Expm(bool, [Ix; 4], u32),
    /// A load from an indexed array at a computed index.
    Gather(Ix, IndexRecipe),
    /// A store into an indexed array at a computed index, of a visible value.
    Scatter(Ix, IndexRecipe, Ix),
    /// `a[k] = a[k] + x` (`or` for booleans) at a computed index: what a synaptic pathway does.
    ScatterAdd(Ix, IndexRecipe, Ix),
}

/// How a computed index is made (see [`Gen::index`]): which pattern, an operand choice, and the pattern of
/// the inner index of a double indirection.
#[derive(Clone, Debug)]
struct IndexRecipe {
    kind: usize,
    operand: Ix,
    inner: usize,
}

/// Number of index patterns of [`Gen::index`].
const INDEX_KINDS: usize = 20;

fn index_recipe() -> impl Strategy<Value = IndexRecipe> {
    (0..INDEX_KINDS, any::<Ix>(), 0..INDEX_KINDS).prop_map(|(kind, operand, inner)| IndexRecipe {
        kind,
        operand,
        inner,
    })
}

fn recipe() -> impl Strategy<Value = Recipe> {
    recipe_with_indexed(2)
}

/// Recipes, with accesses at computed indices weighted by `indexed` (out of about 50).
fn recipe_with_indexed(indexed: u32) -> impl Strategy<Value = Recipe> {
    let ty = 0..TYPES.len();
    prop_oneof![
        4 => (ty.clone(), any::<Ix>(), any::<u64>()).prop_map(|(t, i, r)| Recipe::Const(t, i, r)),
        1 => ty.clone().prop_map(Recipe::Param),
        1 => Just(Recipe::Time),
        1 => Just(Recipe::Dt),
        1 => Just(Recipe::Step),
        1 => Just(Recipe::NeuronIndex),
        4 => any::<Ix>().prop_map(Recipe::Load),
        3 => (any::<Ix>(), any::<Ix>()).prop_map(|(a, v)| Recipe::Store(a, v)),
        1 => (ty.clone(), any::<Ix>()).prop_map(|(t, x)| Recipe::Neg(t, x)),
        1 => any::<Ix>().prop_map(Recipe::Not),
        8 => (ty.clone(), 0..7usize, any::<Ix>(), any::<Ix>())
            .prop_map(|(t, o, a, b)| Recipe::Binary(t, o, a, b)),
        3 => (ty.clone(), 0..6usize, any::<Ix>(), any::<Ix>())
            .prop_map(|(t, o, a, b)| Recipe::Cmp(t, o, a, b)),
        2 => (ty.clone(), any::<Ix>(), any::<Ix>(), any::<Ix>())
            .prop_map(|(t, c, a, b)| Recipe::Select(t, c, a, b)),
        3 => (ty.clone(), ty.clone(), any::<Ix>()).prop_map(|(f, t, x)| Recipe::Cast(f, t, x)),
        5 => (any::<Ix>(), 0..4usize, any::<[Ix; 3]>())
            .prop_map(|(f, t, a)| Recipe::Call(f, t, a)),
        2 => (any::<bool>(), 0..2usize, 0..4u32).prop_map(|(n, s, d)| Recipe::Random(n, s, d)),
        1 => (any::<Ix>(), any::<Ix>()).prop_map(|(e, c)| Recipe::Emit(e, c)),
        2 => any::<Ix>().prop_map(Recipe::BeginIf),
        1 => Just(Recipe::EndIf),
        1 => (any::<bool>(), any::<[Ix; 4]>(), 0..8u32).prop_map(|(t, e, k)| Recipe::Expm(t, e, k)),
        2 * indexed => (any::<Ix>(), index_recipe()).prop_map(|(a, k)| Recipe::Gather(a, k)),
        indexed => (any::<Ix>(), index_recipe(), any::<Ix>())
            .prop_map(|(a, k, v)| Recipe::Scatter(a, k, v)),
        indexed => (any::<Ix>(), index_recipe(), any::<Ix>())
            .prop_map(|(a, k, v)| Recipe::ScatterAdd(a, k, v)),
    ]
}

/// What a generated kernel looks like.
#[derive(Clone, Debug)]
struct Spec {
    setup: Vec<Recipe>,
    scalar: Vec<Recipe>,
    vector: Vec<Recipe>,
    /// Over an event buffer rather than over neurons.
    over_events: bool,
    /// Two random streams rather than one (a fused kernel).
    two_streams: bool,
    /// Allow stores into shared arrays from vector code (the JIT's wide loop does not run neurons one
    /// after another; see `edge_cases.rs`).
    shared_stores_in_vector: bool,
    /// Allow single-precision values in vector code (which makes the JIT run the kernel one neuron at a
    /// time: without them, kernels over neurons run two neurons wide).
    f32_in_vector: bool,
    /// Allow matrix exponentials in scalar and vector code, not only in setup code (the JIT cannot yet
    /// read a setup list from later code; see `edge_cases.rs`).
    expm_anywhere: bool,
    /// Allow stores at computed indices in vector code (which makes the JIT run a kernel over neurons one
    /// neuron at a time; kernels over events run so anyway). Loads at computed indices are always allowed,
    /// and so are stores in scalar code.
    indexed_stores_in_vector: bool,
    /// Let computed indices leave the range of their arrays (constants out of range, arbitrary values,
    /// index arrays holding bad indices, arrays of length 0); otherwise every index is in range by
    /// construction.
    faults: bool,
}

/// Per-neuron and shared arrays of every type.
fn declare_arrays(k: &mut Kernel) {
    for t in TYPES {
        k.array(&format!("v_{}", t.name()), t, Extent::PerNeuron);
    }
    k.array("w_f64", Type::F64, Extent::PerNeuron);
    k.array("w_i64", Type::I64, Extent::PerNeuron);
    for t in TYPES {
        k.array(&format!("s_{}", t.name()), t, Extent::Shared);
    }
    for t in TYPES {
        k.param(&format!("p_{}", t.name()), t);
    }
    // Arrays of another group reached at computed indices: one per type, all `len` long (the parameter),
    // but `y_f64` of its own length; `tbl_i64` holds indices (mostly in range) and is only read. Per
    // neuron, the indices a synapse would hold (`idx_*`, mostly in range, never written).
    for t in TYPES {
        k.array(&format!("x_{}", t.name()), t, Extent::Indexed);
    }
    k.array("y_f64", Type::F64, Extent::Indexed);
    k.array(TABLE, Type::I64, Extent::Indexed);
    k.array("idx_i32", Type::I32, Extent::PerNeuron);
    k.array("idx_i64", Type::I64, Extent::PerNeuron);
    k.param(LEN, Type::I64);
}

/// The indexed array of indices.
const TABLE: &str = "tbl_i64";
/// The parameter holding the length of the indexed arrays.
const LEN: &str = "len";

/// Arrays that hold indices: never written by generated code.
fn holds_indices(name: &str) -> bool {
    name == TABLE || name.starts_with("idx_")
}

fn special_const(t: Type, ix: &Ix, raw: u64) -> Const {
    // One in five constants is arbitrary bits; the others special values.
    let pick = |len: usize| ix.index(len + len / 4);
    match t {
        Type::Bool => Const::Bool(ix.index(2) == 1),
        Type::I32 => {
            let k = pick(SPECIAL_I32.len());
            Const::I32(SPECIAL_I32.get(k).copied().unwrap_or(raw as i32))
        }
        Type::I64 => {
            let k = pick(SPECIAL_I64.len());
            Const::I64(SPECIAL_I64.get(k).copied().unwrap_or(raw as i64))
        }
        Type::F32 => {
            let k = pick(SPECIAL_F32.len());
            Const::F32(
                SPECIAL_F32
                    .get(k)
                    .copied()
                    .unwrap_or(f32::from_bits(raw as u32)),
            )
        }
        _ => {
            let k = pick(SPECIAL_F64.len());
            Const::F64(
                SPECIAL_F64
                    .get(k)
                    .copied()
                    .unwrap_or_else(|| f64::from_bits(raw)),
            )
        }
    }
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
const INT_OPS: [BinOp; 5] = [
    BinOp::Add,
    BinOp::Sub,
    BinOp::Mul,
    BinOp::FloorDiv,
    BinOp::Mod,
];
const CMP_OPS: [CmpOp; 6] = [
    CmpOp::Eq,
    CmpOp::Ne,
    CmpOp::Lt,
    CmpOp::Le,
    CmpOp::Gt,
    CmpOp::Ge,
];

/// Built-ins a kernel may call (the random ones are `Op::Random`, `int` is a cast).
fn callable() -> Vec<Builtin> {
    Builtin::all()
        .iter()
        .copied()
        .filter(|f| !f.is_stateful() && *f != Builtin::Int)
        .collect()
}

struct Gen<'s> {
    b: Builder,
    spec: &'s Spec,
    /// Visible values by type, one frame per open block (the outermost holds every level's values).
    scopes: Vec<[Vec<ValueId>; 5]>,
    level: Level,
    emitted: HashSet<u32>,
}

impl Gen<'_> {
    /// The type a recipe's type choice stands for at this level.
    fn ty(&self, t: usize) -> Type {
        match TYPES[t] {
            Type::F32 if self.level == Level::Vector && !self.spec.f32_in_vector => Type::F64,
            t => t,
        }
    }

    fn def(&mut self, t: Type, v: ValueId) -> ValueId {
        self.scopes.last_mut().unwrap()[ty_index(t)].push(v);
        v
    }

    /// A visible value of type `t` (a fresh constant if there is none).
    fn pick(&mut self, t: Type, ix: &Ix) -> ValueId {
        let all: Vec<ValueId> = self
            .scopes
            .iter()
            .flat_map(|s| s[ty_index(t)].iter().copied())
            .collect();
        if all.is_empty() {
            let v = self.b.constant(special_const(t, ix, 3));
            return self.def(t, v);
        }
        // Prefer recent values, so that expressions nest deeply.
        let k = ix.index(2 * all.len());
        let k = if k >= all.len() {
            all.len() - 1 - (k - all.len()) % 3.min(all.len())
        } else {
            k
        };
        all[k]
    }

    /// The latest visible value of type `t` (a fresh `true` if there is none).
    fn latest(&mut self, t: Type) -> ValueId {
        let last = self
            .scopes
            .iter()
            .rev()
            .find_map(|s| s[ty_index(t)].last().copied());
        match last {
            Some(v) => v,
            None => {
                let v = self
                    .b
                    .constant(Value::Bool(true).cast(t).as_const().unwrap());
                self.def(t, v)
            }
        }
    }

    fn value(&mut self, t: Type, op: Op) -> ValueId {
        let v = self.b.value(t, op);
        self.def(t, v)
    }

    /// The arrays this level may load from (`store`: write to).
    fn arrays(&self, store: bool) -> Vec<usize> {
        let k = &self.b.kernel;
        (0..k.arrays.len())
            .filter(|&a| !(store && holds_indices(&k.arrays[a].name)))
            .filter(|&a| match (self.level, k.arrays[a].extent) {
                (Level::Setup, _) => false,
                (Level::Scalar, e) => e == Extent::Shared,
                _ if k.arrays[a].ty == Type::F32 && !self.spec.f32_in_vector => false,
                (Level::Vector, Extent::PerNeuron) => true,
                (Level::Vector, Extent::Shared) => !store || self.spec.shared_stores_in_vector,
                (Level::Vector, Extent::Indexed) => false,
            })
            .collect()
    }

    /// The indexed arrays this level may load from (`store`: write to).
    fn indexed_arrays(&self, store: bool) -> Vec<usize> {
        let k = &self.b.kernel;
        let vector_stores = self.spec.indexed_stores_in_vector || k.domain != Domain::Neurons;
        (0..k.arrays.len())
            .filter(|&a| k.arrays[a].extent == Extent::Indexed)
            .filter(|&a| !(store && holds_indices(&k.arrays[a].name)))
            .filter(|&a| match self.level {
                Level::Setup => false,
                Level::Scalar => true,
                Level::Vector => {
                    (k.arrays[a].ty != Type::F32 || self.spec.f32_in_vector)
                        && (!store || vector_stores)
                }
            })
            .collect()
    }

    fn array_named(&self, name: &str) -> ganglion_ir::ArrayId {
        let k = &self.b.kernel;
        ganglion_ir::ArrayId(k.arrays.iter().position(|a| a.name == name).unwrap() as u32)
    }

    fn i64_const(&mut self, x: i64) -> ValueId {
        self.b.constant(Const::I64(x))
    }

    /// A computed index (i64), after one of [`INDEX_KINDS`] patterns: indices loaded per neuron (as a
    /// synapse's `i32` postsynaptic index, cast, or as `i64`), arithmetic on the neuron index (the step in
    /// scalar code) that stays in range (`(i*7 + 3) % len`, `i % len`), may leave it (`len - 1 - i`, `i`)
    /// or repeats (`i // 2`, `i % 3`), small constants, constants out of range, any visible `i64`, a
    /// clipped one, and a double indirection through the table of indices. Where the kernel must not
    /// fault (`!spec.faults`), the patterns that may leave the range are taken modulo `len`.
    fn index(&mut self, r: &IndexRecipe, depth: u32) -> ValueId {
        let vector = self.level == Level::Vector;
        let len_param = self
            .b
            .kernel
            .params
            .iter()
            .position(|p| p.name == LEN)
            .unwrap();
        let len = self
            .b
            .value(Type::I64, Op::Param(ganglion_ir::ParamId(len_param as u32)));
        let i = if vector {
            self.b.value(Type::I64, Op::NeuronIndex)
        } else {
            self.b.value(Type::I64, Op::Step)
        };
        // Whether the pattern stays in range when the data do (and `len` > 0).
        let mut in_range = true;
        let k = match r.kind {
            0..=4 if vector => {
                let a = self.array_named("idx_i32");
                let p = self.b.value(Type::I32, Op::Load(a, Index::Neuron));
                self.b.cast(Type::I64, p)
            }
            5 | 6 if vector => {
                let a = self.array_named("idx_i64");
                self.b.value(Type::I64, Op::Load(a, Index::Neuron))
            }
            0..=6 | 9 => self.b.binary(Type::I64, BinOp::Mod, i, len),
            7 | 8 => {
                let seven = self.i64_const(7);
                let three = self.i64_const(3);
                let x = self.b.binary(Type::I64, BinOp::Mul, i, seven);
                let x = self.b.binary(Type::I64, BinOp::Add, x, three);
                self.b.binary(Type::I64, BinOp::Mod, x, len)
            }
            10 => {
                in_range = false;
                let one = self.i64_const(1);
                let last = self.b.binary(Type::I64, BinOp::Sub, len, one);
                if vector {
                    self.b.binary(Type::I64, BinOp::Sub, last, i)
                } else {
                    last
                }
            }
            11 => {
                in_range = false;
                let two = self.i64_const(2);
                self.b.binary(Type::I64, BinOp::FloorDiv, i, two)
            }
            12 => {
                in_range = false;
                let three = self.i64_const(3);
                self.b.binary(Type::I64, BinOp::Mod, i, three)
            }
            13 => {
                in_range = false;
                self.i64_const(r.operand.index(3) as i64)
            }
            14 => {
                in_range = false;
                const OUT: [i64; 7] = [-1, 0, i64::MIN, i64::MAX, 1 << 40, -(1 << 33), -2];
                match OUT[r.operand.index(OUT.len())] {
                    // `len` itself: one past the end.
                    0 => len,
                    x => self.i64_const(x),
                }
            }
            15 => {
                in_range = false;
                self.pick(Type::I64, &r.operand)
            }
            16 | 17 if depth == 0 => {
                let inner = IndexRecipe {
                    kind: r.inner,
                    operand: r.operand,
                    inner: 0,
                };
                let inner = self.index(&inner, 1);
                let t = self.array_named(TABLE);
                self.b.value(Type::I64, Op::Load(t, Index::At(inner)))
            }
            18 => {
                let x = self.pick(Type::I64, &r.operand);
                let zero = self.i64_const(0);
                let one = self.i64_const(1);
                let last = self.b.binary(Type::I64, BinOp::Sub, len, one);
                self.b.call(Type::I64, Builtin::Clip, vec![x, zero, last])
            }
            _ => {
                in_range = false;
                i
            }
        };
        let k = if in_range || self.spec.faults {
            k
        } else {
            self.b.binary(Type::I64, BinOp::Mod, k, len)
        };
        // Visible from now on: later accesses may reuse the index (store and load at the same value).
        self.def(Type::I64, k)
    }

    fn store(&mut self, a: usize, v: ValueId) {
        let index = match self.b.kernel.arrays[a].extent {
            Extent::PerNeuron | Extent::Indexed => Index::Neuron,
            Extent::Shared => Index::Shared,
        };
        self.b
            .effect(Op::Store(ganglion_ir::ArrayId(a as u32), index, v));
    }

    /// Stores the latest value of each type defined in the innermost frame, so that results are observable.
    fn sink(&mut self) {
        let frame = self.scopes.last().unwrap().clone();
        let targets = self.arrays(true);
        for (ti, vals) in frame.iter().enumerate() {
            let Some(&v) = vals.last() else { continue };
            let t = TYPES[ti];
            if let Some(&a) = targets.iter().find(|&&a| self.b.kernel.arrays[a].ty == t) {
                self.store(a, v);
            }
        }
    }

    fn close_if(&mut self) {
        self.sink();
        self.scopes.pop();
        self.b.end_if();
    }

    fn block(&mut self, level: Level, recipes: &[Recipe]) {
        self.b.set_level(level);
        self.level = level;
        let base = self.scopes.len();
        for r in recipes {
            self.recipe(r);
        }
        while self.scopes.len() > base {
            self.close_if();
        }
        if level != Level::Setup {
            self.sink();
        }
        if level == Level::Vector && self.b.kernel.domain == Domain::Neurons {
            // Every event gets an emit, on the latest condition.
            for e in 0..self.b.kernel.events.len() as u32 {
                if !self.emitted.contains(&e) {
                    let c = self.latest(Type::Bool);
                    self.b.effect(Op::Emit(ganglion_ir::EventId(e), c));
                }
            }
        }
    }

    fn recipe(&mut self, r: &Recipe) {
        let level = self.level;
        let vector = level == Level::Vector;
        match r {
            Recipe::Const(t, ix, raw) => {
                let t = self.ty(*t);
                let v = self.b.constant(special_const(t, ix, *raw));
                self.def(t, v);
            }
            Recipe::Param(t) => {
                let t = self.ty(*t);
                let p = self.b.kernel.params.iter().position(|p| p.ty == t).unwrap();
                self.value(t, Op::Param(ganglion_ir::ParamId(p as u32)));
            }
            Recipe::Time | Recipe::Step if level == Level::Setup => {}
            Recipe::Time => {
                self.value(Type::F64, Op::Time);
            }
            Recipe::Dt => {
                self.value(Type::F64, Op::Dt);
            }
            Recipe::Step => {
                self.value(Type::I64, Op::Step);
            }
            Recipe::NeuronIndex if vector => {
                self.value(Type::I64, Op::NeuronIndex);
            }
            Recipe::NeuronIndex => {}
            Recipe::Load(ix) => {
                let choices = self.arrays(false);
                if choices.is_empty() {
                    return;
                }
                let a = choices[ix.index(choices.len())];
                let decl = self.b.kernel.arrays[a].clone();
                let index = match decl.extent {
                    Extent::PerNeuron | Extent::Indexed => Index::Neuron,
                    Extent::Shared => Index::Shared,
                };
                self.value(decl.ty, Op::Load(ganglion_ir::ArrayId(a as u32), index));
            }
            Recipe::Store(ix, vx) => {
                let choices = self.arrays(true);
                if choices.is_empty() {
                    return;
                }
                let a = choices[ix.index(choices.len())];
                let v = self.pick(self.b.kernel.arrays[a].ty, vx);
                self.store(a, v);
            }
            Recipe::Neg(t, x) => {
                let t = self.ty(*t);
                if t == Type::Bool {
                    return;
                }
                let x = self.pick(t, x);
                self.value(t, Op::Unary(UnOp::Neg, x));
            }
            Recipe::Not(x) => {
                let x = self.pick(Type::Bool, x);
                self.value(Type::Bool, Op::Unary(UnOp::Not, x));
            }
            Recipe::Binary(t, o, x, y) => {
                let t = self.ty(*t);
                let op = if t.is_float() {
                    FLOAT_OPS[o % FLOAT_OPS.len()]
                } else if t.is_int() {
                    INT_OPS[o % INT_OPS.len()]
                } else if o % 2 == 0 {
                    BinOp::And
                } else {
                    BinOp::Or
                };
                let (x, y) = (self.pick(t, x), self.pick(t, y));
                self.value(t, Op::Binary(op, x, y));
            }
            Recipe::Cmp(t, o, x, y) => {
                let t = self.ty(*t);
                let (x, y) = (self.pick(t, x), self.pick(t, y));
                self.value(Type::Bool, Op::Cmp(CMP_OPS[*o], x, y));
            }
            Recipe::Select(t, c, x, y) => {
                let t = self.ty(*t);
                let c = self.pick(Type::Bool, c);
                let (x, y) = (self.pick(t, x), self.pick(t, y));
                self.value(t, Op::Select(c, x, y));
            }
            Recipe::Cast(from, to, x) => {
                let x = self.pick(self.ty(*from), x);
                self.value(self.ty(*to), Op::Cast(x));
            }
            Recipe::Call(f, t, args) => {
                let fs = callable();
                let f = fs[f.index(fs.len())];
                let (arg_t, ret_t) = match f {
                    Builtin::Timestep => (Type::F64, Type::I64),
                    Builtin::Abs | Builtin::Sign | Builtin::Clip => {
                        let t = self.ty([1, 2, 3, 4][*t]);
                        (t, t)
                    }
                    _ => {
                        let t = if t % 2 == 0 { Type::F64 } else { self.ty(3) };
                        (t, t)
                    }
                };
                let xs: Vec<ValueId> = args[..f.arity()]
                    .iter()
                    .map(|a| self.pick(arg_t, a))
                    .collect();
                self.value(ret_t, Op::Call(f, xs));
            }
            Recipe::Random(..) if level == Level::Setup => {}
            Recipe::Random(normal, stream, draw) => {
                let stream = (*stream % self.b.kernel.streams.len()) as u32;
                self.value(
                    Type::F64,
                    Op::Random {
                        normal: *normal,
                        stream,
                        draw: *draw,
                    },
                );
            }
            Recipe::Emit(e, c) => {
                if !vector || self.b.kernel.domain != Domain::Neurons {
                    return;
                }
                let e = e.index(self.b.kernel.events.len()) as u32;
                // The verifier allows one emit per event and kernel.
                if !self.emitted.insert(e) {
                    return;
                }
                let c = self.pick(Type::Bool, c);
                self.b.effect(Op::Emit(ganglion_ir::EventId(e), c));
            }
            Recipe::BeginIf(c) => {
                if self.scopes.len() >= 4 {
                    return;
                }
                let c = self.pick(Type::Bool, c);
                self.b.begin_if(c);
                self.scopes.push(Default::default());
            }
            Recipe::EndIf => {
                if self.b.in_if() {
                    self.close_if();
                }
            }
            Recipe::Gather(a, r) => {
                let choices = self.indexed_arrays(false);
                if choices.is_empty() {
                    return;
                }
                let a = choices[a.index(choices.len())];
                let ty = self.b.kernel.arrays[a].ty;
                let k = self.index(r, 0);
                self.value(ty, Op::Load(ganglion_ir::ArrayId(a as u32), Index::At(k)));
            }
            Recipe::Scatter(a, r, v) => {
                let choices = self.indexed_arrays(true);
                if choices.is_empty() {
                    return;
                }
                let a = choices[a.index(choices.len())];
                let ty = self.b.kernel.arrays[a].ty;
                let k = self.index(r, 0);
                let x = self.pick(ty, v);
                self.b
                    .effect(Op::Store(ganglion_ir::ArrayId(a as u32), Index::At(k), x));
            }
            Recipe::ScatterAdd(a, r, v) => {
                // Where stores at computed indices are not allowed, only the load and the sum.
                let mut choices = self.indexed_arrays(true);
                let stores = !choices.is_empty();
                if !stores {
                    choices = self.indexed_arrays(false);
                }
                choices.retain(|&a| !holds_indices(&self.b.kernel.arrays[a].name));
                if choices.is_empty() {
                    return;
                }
                let a = ganglion_ir::ArrayId(choices[a.index(choices.len())] as u32);
                let ty = self.b.kernel.arrays[a.0 as usize].ty;
                let k = self.index(r, 0);
                let old = self.value(ty, Op::Load(a, Index::At(k)));
                let x = self.pick(ty, v);
                let op = if ty == Type::Bool {
                    BinOp::Or
                } else {
                    BinOp::Add
                };
                let sum = self.value(ty, Op::Binary(op, old, x));
                if stores {
                    self.b.effect(Op::Store(a, Index::At(k), sum));
                }
            }
            // Matrix exponentials either only in setup code (as lowering emits them) or only in scalar
            // and vector code (a setup list read by later code is a known JIT failure).
            Recipe::Expm(..) if (level == Level::Setup) == self.spec.expm_anywhere => {}
            Recipe::Expm(two, es, k) => {
                let n = if *two { 2 } else { 1 };
                let entries: Vec<ValueId> = es[..n * n]
                    .iter()
                    .map(|e| self.pick(Type::F64, e))
                    .collect();
                let m = self.b.value(
                    Type::F64List(2 * (n * n) as u32),
                    Op::Expm {
                        n: n as u32,
                        entries,
                    },
                );
                let k = k % (2 * (n * n) as u32);
                self.value(Type::F64, Op::Extract(m, k));
            }
        }
    }
}

fn build(spec: &Spec, name: &str) -> Kernel {
    let mut k = Kernel::new(name, KernelKind::StateUpdate, Domain::Neurons);
    declare_arrays(&mut k);
    let ev = k.event("spike");
    k.event("other");
    if spec.over_events {
        k.domain = Domain::Events(ev);
    }
    if spec.two_streams {
        k.streams.push(ganglion_ir::stream_id("second"));
    }
    let mut g = Gen {
        b: Builder::new(k),
        spec,
        scopes: vec![Default::default()],
        level: Level::Setup,
        emitted: HashSet::new(),
    };
    g.block(Level::Setup, &spec.setup);
    g.block(Level::Scalar, &spec.scalar);
    g.block(Level::Vector, &spec.vector);
    g.b.finish()
}

/// An index into an array of `len` elements: in range, but where `faults` one in 8 (and all for `len` 0)
/// not.
fn index_value(rng: &mut common::Rng, len: usize, ty: Type, faults: bool) -> Value {
    if len == 0 || (faults && rng.below(8) == 0) {
        let bad = [
            -1,
            len as i64,
            len as i64 + 1,
            i64::from(i32::MIN),
            i64::from(i32::MAX),
            i64::MIN,
            1 << 40,
        ];
        Value::I64(bad[rng.below(bad.len())]).cast(ty)
    } else {
        Value::I64(rng.below(len) as i64).cast(ty)
    }
}

/// Random initial state for a kernel; `faults`: whether indices may be out of range (see [`Spec::faults`]).
fn start(k: &Kernel, n: usize, seed: u64, faults: bool) -> Start {
    let mut rng = Rng(seed);
    let mut s = Start::zeros(k, n);
    // Indexed arrays shorter and longer than the group (where faults are allowed, sometimes empty);
    // `y_f64` of another length still.
    let len = [
        n,
        n + 1,
        2 * n + 3,
        (n / 2).max(1),
        1,
        3,
        40,
        n.saturating_sub(1).max(1),
        0,
    ][rng.below(if faults { 9 } else { 8 })];
    let other_len = if faults {
        [len, 0, 1, len + 5, n / 3][rng.below(5)]
    } else {
        [len, len + 5, 2 * len + 1][rng.below(3)]
    };
    for (decl, a) in k.arrays.iter().zip(&mut s.arrays) {
        let values: Vec<Value> = match (decl.extent, decl.name.as_str()) {
            (Extent::Indexed, TABLE) => (0..len)
                .map(|_| index_value(&mut rng, len, decl.ty, faults))
                .collect(),
            (Extent::Indexed, "y_f64") => (0..other_len).map(|_| rng.value(decl.ty)).collect(),
            (Extent::Indexed, _) => (0..len).map(|_| rng.value(decl.ty)).collect(),
            (_, name) if holds_indices(name) => (0..n)
                .map(|_| index_value(&mut rng, len, decl.ty, faults))
                .collect(),
            (extent, _) => (0..extent_len(extent, n))
                .map(|_| rng.value(decl.ty))
                .collect(),
        };
        *a = array_of(decl.ty, &values);
    }
    let with_len = |params: Vec<Value>| -> Vec<Value> {
        k.params
            .iter()
            .zip(params)
            .map(|(p, v)| {
                if p.name == LEN {
                    Value::I64(len as i64)
                } else {
                    v
                }
            })
            .collect()
    };
    s.params = with_len(k.params.iter().map(|p| rng.value(p.ty)).collect());
    if rng.below(3) == 0 {
        // A second run with other parameter values: setup again halfway.
        s.later_params = Some(with_len(k.params.iter().map(|p| rng.value(p.ty)).collect()));
    }
    s.seed = rng.next();
    s.dt = [1e-4, 0.5e-3, 1.0, 0.1][rng.below(4)];
    s.first_step = [0, 1, 17, 12345, 1 << 40][rng.below(5)];
    s.steps = 1 + rng.below(4);
    s.clear_events = rng.below(2) == 0;
    // Buffers that already hold something when the first call appends.
    if rng.below(3) == 0 {
        for e in &mut s.events {
            *e = (0..rng.below(4)).map(|_| rng.below(n) as u32).collect();
        }
    }
    if let Domain::Events(_) = k.domain {
        s.domain_events = (0..s.steps)
            .map(|_| {
                let len = rng.below(2 * n + 1);
                let mut v: Vec<u32> = (0..len).map(|_| rng.below(n) as u32).collect();
                // Mostly sorted without repeats, as the runtime's buffers are; sometimes not.
                if rng.below(4) != 0 {
                    v.sort_unstable();
                    v.dedup();
                }
                v
            })
            .collect();
    }
    s
}

/// Kernels of the shape [`spec`] gives, with some of the restrictions lifted.
fn spec_with(
    over_events: bool,
    shared_stores_in_vector: bool,
    expm_anywhere: bool,
) -> impl Strategy<Value = Spec> {
    spec(over_events).prop_map(move |s| Spec {
        shared_stores_in_vector,
        expm_anywhere,
        ..s
    })
}

/// Kernels heavy in accesses at computed indices, stores in vector code included.
fn spec_indexed(over_events: bool) -> impl Strategy<Value = Spec> {
    (
        prop::collection::vec(recipe(), 0..4),
        prop::collection::vec(recipe_with_indexed(8), 0..10),
        prop::collection::vec(recipe_with_indexed(12), 1..40),
        any::<bool>(),
        prop::bool::weighted(0.3),
        prop::bool::weighted(0.3),
    )
        .prop_map(
            move |(setup, scalar, vector, two_streams, f32_in_vector, faults)| Spec {
                setup,
                scalar,
                vector,
                over_events,
                two_streams,
                f32_in_vector,
                faults,
                shared_stores_in_vector: false,
                expm_anywhere: false,
                indexed_stores_in_vector: true,
            },
        )
}

fn spec(over_events: bool) -> impl Strategy<Value = Spec> {
    (
        prop::collection::vec(recipe(), 0..6),
        prop::collection::vec(recipe(), 0..10),
        prop::collection::vec(recipe(), 1..40),
        any::<bool>(),
        prop::bool::weighted(0.3),
        prop::bool::weighted(0.3),
    )
        .prop_map(
            move |(setup, scalar, vector, two_streams, f32_in_vector, faults)| Spec {
                setup,
                scalar,
                vector,
                over_events,
                two_streams,
                f32_in_vector,
                faults,
                shared_stores_in_vector: false,
                expm_anywhere: false,
                indexed_stores_in_vector: false,
            },
        )
}

/// Whether a kernel has a floating-point division (which the optimiser may turn into a multiplication by
/// a reciprocal).
fn divides(k: &Kernel) -> bool {
    let mut found = false;
    for b in [&k.setup, &k.scalar, &k.vector] {
        b.walk(&mut |i| found |= matches!(i.op, Op::Binary(BinOp::Div, ..)));
    }
    found
}

/// Builds, verifies, optionally optimises, and runs a kernel on both backends for every size asked.
fn check(spec: &Spec, optimize: bool, sizes: &[usize], seed: u64) -> Result<(), TestCaseError> {
    let original = build(spec, "G.generated");
    if let Err(e) = verify(&original) {
        return Err(TestCaseError::fail(format!(
            "the generator built an invalid kernel: {e}\n{original}"
        )));
    }
    let kernel = if optimize {
        let mut k = original.clone();
        passes::optimize(&mut k);
        if let Err(e) = verify(&k) {
            return Err(TestCaseError::fail(format!(
                "the optimiser broke the kernel: {e}\nbefore:\n{original}\nafter:\n{k}"
            )));
        }
        k
    } else {
        original.clone()
    };
    let optimised = if optimize { ", optimised" } else { "" };
    let panic_message = |e: Box<dyn std::any::Any + Send>| {
        e.downcast_ref::<String>()
            .cloned()
            .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default()
    };
    // Each backend compiles the kernel once and runs it for every size (as a network runs a kernel again
    // after a new setup).
    let mut interp = Interpreter
        .compile(&kernel)
        .map_err(|e| TestCaseError::fail(format!("the interpreter refuses: {e}\n{kernel}")))?;
    let mut unoptimised = if optimize && !divides(&original) {
        Some(Interpreter.compile(&original).map_err(|e| {
            TestCaseError::fail(format!("the interpreter refuses: {e}\n{original}"))
        })?)
    } else {
        None
    };
    let mut jit = std::panic::catch_unwind(|| Jit::default().compile(&kernel))
        .map_err(|e| {
            TestCaseError::fail(format!(
                "the JIT panics compiling{optimised}: {}\n{kernel}",
                panic_message(e)
            ))
        })?
        .map_err(|e| TestCaseError::fail(format!("the JIT refuses: {e}\n{kernel}")))?;
    for (j, &n) in sizes.iter().enumerate() {
        let st = start(&kernel, n, seed.wrapping_add(j as u64), spec.faults);
        let reference = run_compiled(interp.as_mut(), "interp", &kernel, &st, true);
        let jit = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            run_compiled(jit.as_mut(), "jit", &kernel, &st, true)
        }))
        .map_err(|e| {
            TestCaseError::fail(format!(
                "the JIT panics (N = {n}{optimised}): {}\n{kernel}",
                panic_message(e)
            ))
        })?;
        if !spec.faults
            && let Some(call) = reference.iter().position(|s| s.fault)
        {
            return Err(TestCaseError::fail(format!(
                "the interpreter faults in call {call} (N = {n}{optimised}) though every index is in \
                 range by construction\n{kernel}"
            )));
        }
        if let Err(e) = compare(&kernel, &reference, &jit) {
            return Err(TestCaseError::fail(format!(
                "interp vs jit (N = {n}{optimised}): {e}\n{kernel}"
            )));
        }
        if let Some(before) = unoptimised.as_mut() {
            // The optimiser must not change what the kernel computes either (except where it turns a
            // division by a uniform value into a multiplication by its reciprocal, which may differ by an
            // ulp, by design).
            let unoptimised = run_compiled(before.as_mut(), "interp", &original, &st, true);
            // Up to the first call that faults, and that one faults too. (Not after it: `forward_stores`
            // forwards a value stored at an index out of range to a load at the same index, where the
            // unoptimised kernel skips the store and loads zero; see the ignored test in
            // `ganglion-ir/tests/passes.rs`.)
            let clean = unoptimised
                .iter()
                .position(|s| s.fault)
                .unwrap_or(unoptimised.len());
            let upto = (clean + 1).min(unoptimised.len());
            let mut optimised = reference[..upto].to_vec();
            if let Some(last) = optimised.get_mut(clean) {
                last.arrays = unoptimised[clean].arrays.clone();
                last.events = unoptimised[clean].events.clone();
            }
            if let Err(e) = compare(&kernel, &unoptimised[..upto], &optimised) {
                return Err(TestCaseError::fail(format!(
                    "interp before vs after optimisation (N = {n}): {e}\nbefore:\n{original}\nafter:\n{kernel}"
                )));
            }
        }
    }
    Ok(())
}

/// Number of cases: `default`, or `GANGLION_DIFFERENTIAL_CASES` for a longer hunt.
fn cases(default: u32) -> u32 {
    std::env::var("GANGLION_DIFFERENTIAL_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

fn sizes() -> impl Strategy<Value = Vec<usize>> {
    prop::sample::subsequence(SIZES.to_vec(), 2..=3)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(256),
        max_shrink_iters: 4000,
        ..ProptestConfig::default()
    })]

    /// Random kernels over neurons: bit-identical arrays and event buffers after every call.
    #[test]
    fn random_kernels_over_neurons_agree(
        spec in spec(false),
        optimize in any::<bool>(),
        sizes in sizes(),
        seed in any::<u64>(),
    ) {
        check(&spec, optimize, &sizes, seed)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(160),
        max_shrink_iters: 4000,
        ..ProptestConfig::default()
    })]

    /// Random kernels over an event buffer (empty, sorted, unsorted, with repeats).
    #[test]
    fn random_kernels_over_events_agree(
        spec in spec(true),
        optimize in any::<bool>(),
        sizes in sizes(),
        seed in any::<u64>(),
    ) {
        check(&spec, optimize, &sizes, seed)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(96),
        max_shrink_iters: 4000,
        ..ProptestConfig::default()
    })]

    /// Matrix exponentials computed in scalar and vector code (one or two neurons wide).
    #[test]
    fn random_kernels_with_matrix_exponentials_outside_setup_agree(
        spec in spec_with(false, false, true),
        optimize in any::<bool>(),
        sizes in sizes(),
        seed in any::<u64>(),
    ) {
        check(&spec, optimize, &sizes, seed)?;
    }

    /// Stores into shared arrays from vector code: the interpreter runs neurons one after another, so the
    /// last neuron's store wins and a load sees the previous neuron's store.
    #[test]
    fn random_kernels_with_shared_stores_in_vector_code_agree(
        spec in spec_with(false, true, false),
        optimize in any::<bool>(),
        sizes in sizes(),
        seed in any::<u64>(),
    ) {
        check(&spec, optimize, &sizes, seed)?;
    }

    /// Shared stores from vector code over an event buffer (run one index at a time by the JIT too).
    #[test]
    fn random_kernels_over_events_with_shared_stores_agree(
        spec in spec_with(true, true, false),
        optimize in any::<bool>(),
        sizes in sizes(),
        seed in any::<u64>(),
    ) {
        check(&spec, optimize, &sizes, seed)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(192),
        max_shrink_iters: 4000,
        ..ProptestConfig::default()
    })]

    /// Gathers and scatters at computed indices, stores in vector code included (the JIT runs such kernels
    /// one neuron at a time): repeated indices must see each other's stores in neuron order, and an index
    /// out of range must fault in the same calls and skip the same accesses on both backends.
    #[test]
    fn random_kernels_with_scatters_over_neurons_agree(
        spec in spec_indexed(false),
        optimize in any::<bool>(),
        sizes in sizes(),
        seed in any::<u64>(),
    ) {
        check(&spec, optimize, &sizes, seed)?;
    }

    /// The same over an event buffer (the shape of a synaptic pathway).
    #[test]
    fn random_kernels_with_scatters_over_events_agree(
        spec in spec_indexed(true),
        optimize in any::<bool>(),
        sizes in sizes(),
        seed in any::<u64>(),
    ) {
        check(&spec, optimize, &sizes, seed)?;
    }
}

// ---------------------------------------------------------------------------------------------------------
// Random models through the `ganglion` API

mod models {
    use ganglion::{BackendChoice, Network, NeuronGroup, SpikeMonitor, StateMonitor};
    use proptest::prelude::*;

    use super::common::{Rng, same64};

    /// A dimensionless expression in the model language over the group's variables.
    fn expr() -> impl Strategy<Value = String> {
        let leaf = prop_oneof![
            Just("v".to_string()),
            Just("w".to_string()),
            Just("x".to_string()),
            Just("k".to_string()),
            Just("i".to_string()),
            Just("N".to_string()),
            Just("(t/ms)".to_string()),
            Just("(dt/ms)".to_string()),
            Just("c".to_string()),
            (-20i32..20).prop_map(|k| format!("{}", f64::from(k) * 0.25)),
            (-5i64..6).prop_map(|k| format!("{k}")),
            Just("1e300".to_string()),
            Just("0.0".to_string()),
        ];
        leaf.prop_recursive(4, 24, 3, |inner| {
            prop_oneof![
                4 => (inner.clone(), inner.clone(), 0..8usize).prop_map(|(a, b, o)| {
                    let op = ["+", "-", "*", "/", "//", "%", "**", "-"][o];
                    format!("({a} {op} {b})")
                }),
                1 => inner.clone().prop_map(|a| format!("(-{a})")),
                3 => (inner.clone(), 0..17usize).prop_map(|(a, f)| {
                    let f = [
                        "exp", "log", "sqrt", "sin", "cos", "tanh", "abs", "floor", "ceil",
                        "sign", "exprel", "arctan", "expm1", "log1p", "int", "sinh", "log10",
                    ][f];
                    format!("{f}({a})")
                }),
                1 => (inner.clone(), inner.clone(), inner.clone())
                    .prop_map(|(a, b, c)| format!("clip({a}, {b}, {c})")),
                1 => (inner.clone(), inner.clone(), 0..6usize).prop_map(|(a, b, o)| {
                    let op = ["<", "<=", ">", ">=", "==", "!="][o];
                    format!("int({a} {op} {b})")
                }),
                1 => Just("rand()".to_string()),
                1 => Just("randn()".to_string()),
            ]
        })
    }

    #[derive(Clone, Debug)]
    struct ModelSpec {
        dv: String,
        dw: String,
        noise: bool,
        unless_refractory: bool,
        threshold: String,
        reset: Vec<String>,
        refractory: bool,
        method: Option<&'static str>,
        float32: bool,
        n: usize,
        seed: u64,
    }

    fn statement() -> impl Strategy<Value = String> {
        prop_oneof![
            expr().prop_map(|e| format!("v = {e}")),
            expr().prop_map(|e| format!("w += {e}")),
            expr().prop_map(|e| format!("x = {e}")),
            expr().prop_map(|e| format!("k = int({e})")),
            Just("k += 1".to_string()),
            Just("k = k // 2".to_string()),
            Just("k = k % 3 - 1".to_string()),
            Just("x = rand()".to_string()),
        ]
    }

    fn model_spec() -> impl Strategy<Value = ModelSpec> {
        (
            (expr(), expr(), any::<bool>(), any::<bool>()),
            (
                prop_oneof![
                    (-4i32..8).prop_map(|k| format!("v > {}", f64::from(k) * 0.25)),
                    Just("v > w".to_string()),
                    Just("rand() < 0.3".to_string()),
                    expr().prop_map(|e| format!("{e} > 0.5")),
                    Just("i % 2 == 0".to_string()),
                ],
                prop::collection::vec(statement(), 0..4),
                any::<bool>(),
            ),
            (
                // Stochastic equations need a stochastic method: only the automatic choice, euler and heun.
                prop_oneof![
                    Just(None),
                    Just(Some("euler")),
                    Just(Some("rk2")),
                    Just(Some("rk4")),
                    Just(Some("heun")),
                    Just(Some("exponential_euler")),
                    Just(Some("exact")),
                ],
                prop::bool::weighted(0.25),
                prop::sample::select(super::SIZES.to_vec()),
                any::<u64>(),
            ),
        )
            .prop_map(
                |(
                    (dv, dw, noise, unless_refractory),
                    (threshold, reset, refractory),
                    (method, float32, n, seed),
                )| {
                    let method = match method {
                        Some("euler" | "heun") | None => method,
                        _ if noise => None,
                        _ => method,
                    };
                    ModelSpec {
                        dv,
                        dw,
                        noise,
                        unless_refractory,
                        threshold,
                        reset,
                        refractory,
                        method,
                        float32,
                        n,
                        seed,
                    }
                },
            )
    }

    fn equations(m: &ModelSpec) -> String {
        let noise = if m.noise { " + 0.3*xi*sqrt(ms)/ms" } else { "" };
        let flag = if m.unless_refractory {
            " (unless refractory)"
        } else {
            ""
        };
        format!(
            "dv/dt = ({})/(10*ms){noise} : 1{flag}\ndw/dt = ({})/(20*ms) : 1\nx : 1\nk : integer\nc : 1 (constant)",
            m.dv, m.dw
        )
    }

    /// Outcome of one backend: final state, spikes, recorded traces.
    type Outcome = (
        Vec<(String, Vec<f64>)>,
        Vec<u32>,
        Vec<f64>,
        Vec<Vec<Vec<f64>>>,
    );

    fn simulate(m: &ModelSpec, backend: BackendChoice) -> Option<Outcome> {
        let mut net = Network::new(backend);
        net.set_check_interval(0);
        net.seed(m.seed);
        let mut g = NeuronGroup::new(m.n, equations(m)).threshold(m.threshold.clone());
        if !m.reset.is_empty() {
            g = g.reset(m.reset.join("\n"));
        }
        if m.refractory {
            g = g.refractory_time(0.5e-3);
        }
        if let Some(method) = m.method {
            g = g.method(method);
        }
        if m.float32 {
            g = g.float32();
        }
        // Models the checker or the integrator rejects are skipped.
        let g = net.add_group(g).ok()?;
        let mut rng = Rng(m.seed);
        for var in ["v", "w", "x", "c"] {
            let values: Vec<f64> = (0..m.n)
                .map(|_| match rng.below(8) {
                    0 => f64::NAN,
                    1 => f64::INFINITY,
                    2 => -0.0,
                    _ => (rng.unit() - 0.3) * 2.0,
                })
                .collect();
            net.set(g, var, values).ok()?;
        }
        let ks: Vec<f64> = (0..m.n).map(|_| rng.below(9) as f64 - 4.0).collect();
        net.set(g, "k", ks).ok()?;
        let sm = net.add_spike_monitor(SpikeMonitor::new(g)).ok()?;
        let st = net
            .add_state_monitor(StateMonitor::new(g, ["v", "w"]))
            .ok()?;
        net.run(50.0 * 1e-4).ok()?;
        let state = net
            .group_state(g)
            .into_iter()
            .map(|(name, values, _)| (name, values))
            .collect();
        let spikes = net.spike_data(sm)?;
        let traces = net
            .state_data(st)?
            .values
            .iter()
            .map(|(_, x)| x.clone())
            .collect();
        Some((state, spikes.i.clone(), spikes.t.clone(), traces))
    }

    fn same(a: &[f64], b: &[f64]) -> bool {
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same64(*x, *y))
    }

    fn check(m: &ModelSpec) -> Result<bool, TestCaseError> {
        let Some(jit) = simulate(m, BackendChoice::Jit) else {
            return Ok(false);
        };
        let interp = simulate(m, BackendChoice::Interpreter)
            .ok_or_else(|| TestCaseError::fail("the interpreter rejects what the JIT ran"))?;
        let text = format!(
            "{}\nthreshold: {}\nreset: {:?}\nrefractory: {}, method: {:?}, float32: {}, N = {}",
            equations(m),
            m.threshold,
            m.reset,
            m.refractory,
            m.method,
            m.float32,
            m.n
        );
        for ((name, a), (_, b)) in jit.0.iter().zip(&interp.0) {
            prop_assert!(
                same(a, b),
                "`{name}` differs: jit {a:?} interp {b:?}\n{text}"
            );
        }
        prop_assert_eq!(&jit.1, &interp.1, "spike indices differ\n{}", text);
        prop_assert!(same(&jit.2, &interp.2), "spike times differ\n{}", text);
        for (a, b) in jit.3.iter().zip(&interp.3) {
            for (s, (x, y)) in a.iter().zip(b).enumerate() {
                prop_assert!(same(x, y), "recording {s} differs\n{}", text);
            }
        }
        Ok(true)
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: super::cases(64),
            max_shrink_iters: 500,
            ..ProptestConfig::default()
        })]

        /// Random models: every variable bit for bit, spikes exactly, recordings bit for bit.
        #[test]
        fn random_models_agree(m in model_spec()) {
            // Models the checker or every integration method rejects do not count as cases.
            let ran = check(&m)?;
            prop_assume!(ran, "rejected by the checker");
        }
    }
}

//! The verifier rejects kernels that break the IR's rules: values used where they are not defined, types
//! that do not match, operations in blocks they may not appear in (the neuron index outside vector code,
//! arrays in setup code, ...), undeclared arrays, parameters and events, computed indices that are not
//! `i64` or reach arrays that are not indexed, and indexed arrays reached otherwise. And it accepts what is
//! legal.

mod common;

use common::*;
use ganglion_ir::*;

fn inst(result: Option<u32>, ty: Type, op: Op) -> Inst {
    Inst {
        result: result.map(ValueId),
        ty,
        op,
    }
}

fn c64(r: u32, x: f64) -> Inst {
    inst(Some(r), Type::F64, Op::Const(Const::F64(x)))
}

/// A kernel with per-neuron `v: f64`, `n: i32`, shared `s: f64`, parameter `tau` and event `spike`, and
/// the given blocks.
fn with_blocks(setup: Vec<Inst>, scalar: Vec<Inst>, vector: Vec<Inst>) -> Kernel {
    let mut k = Kernel::new("K", KernelKind::StateUpdate, Domain::Neurons);
    k.array("v", Type::F64, Extent::PerNeuron);
    k.array("n", Type::I32, Extent::PerNeuron);
    k.array("s", Type::F64, Extent::Shared);
    k.param("tau", Type::F64);
    k.event("spike");
    let mut max = 0;
    for b in [&setup, &scalar, &vector] {
        for i in b {
            let mut insts = vec![i];
            while let Some(i) = insts.pop() {
                if let Some(r) = i.result {
                    max = max.max(r.0 + 1);
                }
                if let Op::If(_, body) = &i.op {
                    insts.extend(body.insts.iter());
                }
            }
        }
    }
    k.setup.insts = setup;
    k.scalar.insts = scalar;
    k.vector.insts = vector;
    k.num_values = max;
    k
}

const V: ArrayId = ArrayId(0);
const N: ArrayId = ArrayId(1);
const S: ArrayId = ArrayId(2);

fn rejects(k: &Kernel, needle: &str) {
    match verify(k) {
        Ok(()) => panic!("the verifier accepts:\n{k}"),
        Err(e) => assert!(
            e.message.contains(needle),
            "expected a message with `{needle}`, got `{}`\n{k}",
            e.message
        ),
    }
}

#[test]
fn a_well_formed_kernel_is_accepted() {
    // setup values are visible in scalar and vector code; scalar values in vector code; values of an
    // `If` body in the rest of that body.
    let k = with_blocks(
        vec![
            inst(Some(0), Type::F64, Op::Dt),
            inst(Some(1), Type::F64, Op::Param(ParamId(0))),
            inst(
                Some(2),
                Type::F64,
                Op::Binary(BinOp::Div, ValueId(0), ValueId(1)),
            ),
        ],
        vec![
            inst(Some(3), Type::F64, Op::Time),
            inst(Some(4), Type::F64, Op::Load(S, Index::Shared)),
        ],
        vec![
            inst(Some(5), Type::F64, Op::Load(V, Index::Neuron)),
            inst(
                Some(6),
                Type::F64,
                Op::Binary(BinOp::Mul, ValueId(5), ValueId(2)),
            ),
            inst(
                Some(7),
                Type::Bool,
                Op::Cmp(CmpOp::Gt, ValueId(6), ValueId(3)),
            ),
            inst(None, Type::Bool, Op::Emit(EventId(0), ValueId(7))),
            inst(
                None,
                Type::Bool,
                Op::If(
                    ValueId(7),
                    Block {
                        insts: vec![
                            inst(
                                Some(8),
                                Type::F64,
                                Op::Binary(BinOp::Add, ValueId(6), ValueId(4)),
                            ),
                            inst(None, Type::Bool, Op::Store(V, Index::Neuron, ValueId(8))),
                        ],
                    },
                ),
            ),
            inst(Some(9), Type::I64, Op::NeuronIndex),
            inst(Some(10), Type::I32, Op::Cast(ValueId(9))),
            inst(None, Type::Bool, Op::Store(N, Index::Neuron, ValueId(10))),
        ],
    );
    verify(&k).unwrap();
}

#[test]
fn values_must_be_defined_before_use() {
    // Used before its definition.
    let k = with_blocks(
        vec![],
        vec![],
        vec![
            inst(
                Some(1),
                Type::F64,
                Op::Binary(BinOp::Add, ValueId(0), ValueId(0)),
            ),
            c64(0, 1.0),
        ],
    );
    rejects(&k, "not defined");
    // Never defined.
    let k = with_blocks(
        vec![],
        vec![],
        vec![inst(
            None,
            Type::Bool,
            Op::Store(V, Index::Neuron, ValueId(7)),
        )],
    );
    rejects(&k, "not defined");
    // Defined in vector code, used in setup code (which runs first).
    let k = with_blocks(
        vec![inst(Some(1), Type::F64, Op::Unary(UnOp::Neg, ValueId(0)))],
        vec![],
        vec![c64(0, 1.0)],
    );
    rejects(&k, "not defined");
    // Defined inside an `If` body, used after it.
    let k = with_blocks(
        vec![],
        vec![],
        vec![
            inst(Some(0), Type::Bool, Op::Const(Const::Bool(true))),
            inst(
                None,
                Type::Bool,
                Op::If(
                    ValueId(0),
                    Block {
                        insts: vec![c64(1, 2.0)],
                    },
                ),
            ),
            inst(None, Type::Bool, Op::Store(V, Index::Neuron, ValueId(1))),
        ],
    );
    rejects(&k, "not defined");
    // Defined twice.
    let k = with_blocks(vec![c64(0, 1.0)], vec![], vec![c64(0, 2.0)]);
    rejects(&k, "defined twice");
}

#[test]
fn types_must_match() {
    let ints = || {
        vec![
            c64(0, 1.0),
            inst(Some(1), Type::I64, Op::Const(Const::I64(1))),
            inst(Some(2), Type::Bool, Op::Const(Const::Bool(true))),
            inst(Some(3), Type::I32, Op::Const(Const::I32(1))),
        ]
    };
    let with = |extra: Vec<Inst>| {
        let mut v = ints();
        v.extend(extra);
        with_blocks(vec![], vec![], v)
    };
    let cases: Vec<(Vec<Inst>, &str)> = vec![
        // f64 + i64
        (
            vec![inst(
                Some(9),
                Type::F64,
                Op::Binary(BinOp::Add, ValueId(0), ValueId(1)),
            )],
            "Add of f64 and i64",
        ),
        // integer true division and power do not exist (Python's `/` is lowered to floats)
        (
            vec![inst(
                Some(9),
                Type::I64,
                Op::Binary(BinOp::Div, ValueId(1), ValueId(1)),
            )],
            "Div of i64",
        ),
        (
            vec![inst(
                Some(9),
                Type::I64,
                Op::Binary(BinOp::Pow, ValueId(1), ValueId(1)),
            )],
            "Pow of i64",
        ),
        // `and` of floats, `not` of a float, negation of a boolean
        (
            vec![inst(
                Some(9),
                Type::F64,
                Op::Binary(BinOp::And, ValueId(0), ValueId(0)),
            )],
            "And of f64",
        ),
        (
            vec![inst(Some(9), Type::Bool, Op::Unary(UnOp::Not, ValueId(0)))],
            "Not of f64",
        ),
        (
            vec![inst(Some(9), Type::Bool, Op::Unary(UnOp::Neg, ValueId(2)))],
            "Neg of bool",
        ),
        // arithmetic on booleans
        (
            vec![inst(
                Some(9),
                Type::Bool,
                Op::Binary(BinOp::Add, ValueId(2), ValueId(2)),
            )],
            "Add of bool",
        ),
        // comparison of mixed types
        (
            vec![inst(
                Some(9),
                Type::Bool,
                Op::Cmp(CmpOp::Lt, ValueId(0), ValueId(1)),
            )],
            "comparison of f64 and i64",
        ),
        // select: the condition must be a bool, the branches of one type
        (
            vec![inst(
                Some(9),
                Type::F64,
                Op::Select(ValueId(0), ValueId(0), ValueId(0)),
            )],
            "select f64",
        ),
        (
            vec![inst(
                Some(9),
                Type::F64,
                Op::Select(ValueId(2), ValueId(0), ValueId(1)),
            )],
            "select bool ? f64 : i64",
        ),
        // the declared type is not the operation's
        (
            vec![inst(
                Some(9),
                Type::F32,
                Op::Binary(BinOp::Add, ValueId(0), ValueId(0)),
            )],
            "declared f32 but is f64",
        ),
        (
            vec![inst(Some(9), Type::I64, Op::Const(Const::F64(1.0)))],
            "declared i64 but is f64",
        ),
        (
            vec![inst(Some(9), Type::F64, Op::Load(N, Index::Neuron))],
            "declared f64 but is i32",
        ),
        // storing a value of another type than the array's
        (
            vec![inst(
                None,
                Type::Bool,
                Op::Store(N, Index::Neuron, ValueId(1)),
            )],
            "storing i64 into `n` of i32",
        ),
        (
            vec![inst(
                None,
                Type::Bool,
                Op::Store(V, Index::Neuron, ValueId(3)),
            )],
            "storing i32 into `v` of f64",
        ),
        // conditions of `If` and `Emit` are booleans
        (
            vec![inst(None, Type::Bool, Op::If(ValueId(0), Block::default()))],
            "if needs a bool",
        ),
        (
            vec![inst(None, Type::Bool, Op::Emit(EventId(0), ValueId(1)))],
            "emit needs a bool",
        ),
        // functions: floats only (abs, sign, clip also integers), right arity, `int` is a cast
        (
            vec![inst(
                Some(9),
                Type::I64,
                Op::Call(Builtin::Exp, vec![ValueId(1)]),
            )],
            "`exp`",
        ),
        (
            vec![inst(
                Some(9),
                Type::F64,
                Op::Call(Builtin::Clip, vec![ValueId(0), ValueId(0)]),
            )],
            "bad call of `clip`",
        ),
        (
            vec![inst(
                Some(9),
                Type::I32,
                Op::Call(Builtin::Int, vec![ValueId(0)]),
            )],
            "`int` is a cast",
        ),
        (
            vec![inst(
                Some(9),
                Type::I64,
                Op::Call(Builtin::Timestep, vec![ValueId(0), ValueId(1)]),
            )],
            "timestep takes two f64",
        ),
        (
            vec![inst(Some(9), Type::F64, Op::Call(Builtin::Rand, vec![]))],
            "bad call of `rand`",
        ),
        // lists
        (
            vec![inst(
                Some(9),
                Type::F64List(8),
                Op::Expm {
                    n: 2,
                    entries: vec![ValueId(0); 3],
                },
            )],
            "n*n entries",
        ),
        (
            vec![inst(
                Some(9),
                Type::F64List(2),
                Op::Expm {
                    n: 1,
                    entries: vec![ValueId(1)],
                },
            )],
            "expm entries must be f64",
        ),
        (
            vec![
                inst(
                    Some(9),
                    Type::F64List(2),
                    Op::Expm {
                        n: 1,
                        entries: vec![ValueId(0)],
                    },
                ),
                inst(Some(10), Type::F64, Op::Extract(ValueId(9), 2)),
            ],
            "extract 2 from f64x2",
        ),
        (
            vec![inst(Some(9), Type::F64, Op::Extract(ValueId(0), 0))],
            "extract 0 from f64",
        ),
        (
            vec![
                inst(
                    Some(9),
                    Type::F64List(2),
                    Op::Expm {
                        n: 1,
                        entries: vec![ValueId(0)],
                    },
                ),
                inst(Some(10), Type::F64, Op::Cast(ValueId(9))),
            ],
            "lists cannot be cast",
        ),
        // an instruction without a value that claims one, and a value that is dropped
        (
            vec![inst(
                Some(9),
                Type::Bool,
                Op::Store(V, Index::Neuron, ValueId(0)),
            )],
            "without a value",
        ),
        (
            vec![inst(None, Type::F64, Op::Const(Const::F64(1.0)))],
            "dropped",
        ),
    ];
    for (extra, needle) in cases {
        rejects(&with(extra), needle);
    }
}

#[test]
fn the_neuron_index_exists_only_in_vector_code() {
    let k = with_blocks(
        vec![],
        vec![inst(Some(0), Type::I64, Op::NeuronIndex)],
        vec![],
    );
    rejects(&k, "neuron index exists only in vector code");
    let k = with_blocks(
        vec![inst(Some(0), Type::I64, Op::NeuronIndex)],
        vec![],
        vec![],
    );
    rejects(&k, "neuron index exists only in vector code");
    // Per-neuron array elements need vector code too.
    let k = with_blocks(
        vec![],
        vec![inst(Some(0), Type::F64, Op::Load(V, Index::Neuron))],
        vec![],
    );
    rejects(&k, "`v[i]` needs vector code");
    let k = with_blocks(
        vec![],
        vec![
            c64(0, 1.0),
            inst(None, Type::Bool, Op::Store(V, Index::Neuron, ValueId(0))),
        ],
        vec![],
    );
    rejects(&k, "`v[i]` needs vector code");
    // ... and must be per-neuron; shared ones are read as element 0.
    let k = with_blocks(
        vec![],
        vec![],
        vec![inst(Some(0), Type::F64, Op::Load(S, Index::Neuron))],
    );
    rejects(&k, "per-neuron array");
    let k = with_blocks(
        vec![],
        vec![],
        vec![inst(Some(0), Type::F64, Op::Load(V, Index::Shared))],
    );
    rejects(&k, "`v[0]` needs a shared array");
}

#[test]
fn setup_code_reads_neither_state_nor_time_nor_random_numbers() {
    let k = with_blocks(
        vec![inst(Some(0), Type::F64, Op::Load(S, Index::Shared))],
        vec![],
        vec![],
    );
    rejects(&k, "setup code cannot access arrays");
    let k = with_blocks(vec![inst(Some(0), Type::F64, Op::Time)], vec![], vec![]);
    rejects(&k, "time and step cannot be read in setup code");
    let k = with_blocks(vec![inst(Some(0), Type::I64, Op::Step)], vec![], vec![]);
    rejects(&k, "time and step cannot be read in setup code");
    let k = with_blocks(
        vec![inst(
            Some(0),
            Type::F64,
            Op::Random {
                normal: false,
                stream: 0,
                draw: 0,
            },
        )],
        vec![],
        vec![],
    );
    rejects(&k, "setup code cannot draw random numbers");
    // Random numbers are fine in scalar code (one draw per step) and vector code.
    let k = with_blocks(
        vec![],
        vec![inst(
            Some(0),
            Type::F64,
            Op::Random {
                normal: true,
                stream: 0,
                draw: 0,
            },
        )],
        vec![inst(
            Some(1),
            Type::F64,
            Op::Random {
                normal: false,
                stream: 0,
                draw: 1,
            },
        )],
    );
    verify(&k).unwrap();
}

#[test]
fn events_are_emitted_only_in_vector_code_over_neurons() {
    let k = with_blocks(
        vec![],
        vec![
            inst(Some(0), Type::Bool, Op::Const(Const::Bool(true))),
            inst(None, Type::Bool, Op::Emit(EventId(0), ValueId(0))),
        ],
        vec![],
    );
    rejects(&k, "events are emitted only in vector code");
    let mut k = with_blocks(
        vec![],
        vec![],
        vec![
            inst(Some(0), Type::Bool, Op::Const(Const::Bool(true))),
            inst(None, Type::Bool, Op::Emit(EventId(0), ValueId(0))),
        ],
    );
    verify(&k).unwrap();
    k.domain = Domain::Events(EventId(0));
    rejects(&k, "events are emitted only in vector code over neurons");
}

#[test]
fn an_event_is_emitted_at_most_once_per_kernel() {
    // Event buffers hold one index per neuron: a second emit of the same event could overflow them.
    let k = with_blocks(
        vec![],
        vec![],
        vec![
            inst(Some(0), Type::Bool, Op::Const(Const::Bool(true))),
            inst(None, Type::Bool, Op::Emit(EventId(0), ValueId(0))),
            inst(None, Type::Bool, Op::Emit(EventId(0), ValueId(0))),
        ],
    );
    rejects(&k, "is emitted twice");
}

#[test]
fn arrays_parameters_and_events_must_be_declared() {
    let k = with_blocks(
        vec![],
        vec![],
        vec![inst(
            Some(0),
            Type::F64,
            Op::Load(ArrayId(7), Index::Neuron),
        )],
    );
    rejects(&k, "array 7 is not declared");
    let k = with_blocks(
        vec![inst(Some(0), Type::F64, Op::Param(ParamId(3)))],
        vec![],
        vec![],
    );
    rejects(&k, "parameter 3 is not declared");
    let k = with_blocks(
        vec![],
        vec![],
        vec![
            inst(Some(0), Type::Bool, Op::Const(Const::Bool(true))),
            inst(None, Type::Bool, Op::Emit(EventId(4), ValueId(0))),
        ],
    );
    rejects(&k, "undeclared event");
    let mut k = with_blocks(vec![], vec![], vec![]);
    k.domain = Domain::Events(EventId(2));
    rejects(&k, "the domain's event is not declared");
}

#[test]
fn the_interpreter_backend_refuses_kernels_that_do_not_verify() {
    let k = with_blocks(
        vec![],
        vec![inst(Some(0), Type::I64, Op::NeuronIndex)],
        vec![],
    );
    let mut backend = Interpreter;
    assert!(backend.compile(&k).is_err());
    // And compiles what verifies.
    let ok = kernel("ok", |b| {
        let v = f64_array(b, "v");
        let x = load(b, Type::F64, v);
        store(b, v, x);
    });
    assert!(backend.compile(&ok).is_ok());
}

// ---------------------------------------------------------------------------------------------------------
// Computed indices (`Index::At`) and indexed arrays

/// [`with_blocks`] plus an indexed `f64` array `x` ([`X`]) and an indexed `i32` array `xi` ([`XI`]).
fn with_indexed(setup: Vec<Inst>, scalar: Vec<Inst>, vector: Vec<Inst>) -> Kernel {
    let mut k = with_blocks(setup, scalar, vector);
    k.array("x", Type::F64, Extent::Indexed);
    k.array("xi", Type::I32, Extent::Indexed);
    k
}

const X: ArrayId = ArrayId(3);
const XI: ArrayId = ArrayId(4);

fn i64c(r: u32, x: i64) -> Inst {
    inst(Some(r), Type::I64, Op::Const(Const::I64(x)))
}

#[test]
fn computed_indices_are_accepted_in_scalar_vector_and_if_code() {
    // scalar: x[2] = x[2]; vector: k = int64(n[i]); x[i] = x[k]; xi[k] = xi[i]; if c: x[k] = x[i]
    let k = with_indexed(
        vec![],
        vec![
            i64c(0, 2),
            inst(Some(1), Type::F64, Op::Load(X, Index::At(ValueId(0)))),
            inst(
                None,
                Type::Bool,
                Op::Store(X, Index::At(ValueId(0)), ValueId(1)),
            ),
        ],
        vec![
            inst(Some(2), Type::I64, Op::NeuronIndex),
            inst(Some(3), Type::I32, Op::Load(N, Index::Neuron)),
            inst(Some(4), Type::I64, Op::Cast(ValueId(3))),
            inst(Some(5), Type::F64, Op::Load(X, Index::At(ValueId(4)))),
            inst(
                None,
                Type::Bool,
                Op::Store(X, Index::At(ValueId(2)), ValueId(5)),
            ),
            inst(Some(6), Type::I32, Op::Load(XI, Index::At(ValueId(2)))),
            inst(
                None,
                Type::Bool,
                Op::Store(XI, Index::At(ValueId(4)), ValueId(6)),
            ),
            inst(
                Some(7),
                Type::Bool,
                Op::Cmp(CmpOp::Lt, ValueId(2), ValueId(4)),
            ),
            inst(
                None,
                Type::Bool,
                Op::If(
                    ValueId(7),
                    Block {
                        insts: vec![
                            inst(Some(8), Type::F64, Op::Load(X, Index::At(ValueId(2)))),
                            inst(
                                None,
                                Type::Bool,
                                Op::Store(X, Index::At(ValueId(4)), ValueId(8)),
                            ),
                        ],
                    },
                ),
            ),
        ],
    );
    verify(&k).unwrap_or_else(|e| panic!("{e}\n{k}"));
}

#[test]
fn a_computed_index_must_be_an_i64() {
    let cases = [
        inst(Some(0), Type::I32, Op::Const(Const::I32(1))),
        inst(Some(0), Type::F64, Op::Const(Const::F64(1.0))),
        inst(Some(0), Type::F32, Op::Const(Const::F32(1.0))),
        inst(Some(0), Type::Bool, Op::Const(Const::Bool(true))),
    ];
    for index in cases {
        // A load ...
        let k = with_indexed(
            vec![],
            vec![],
            vec![
                index.clone(),
                inst(Some(1), Type::F64, Op::Load(X, Index::At(ValueId(0)))),
            ],
        );
        rejects(&k, "must be i64");
        // ... and a store, in scalar code too.
        let k = with_indexed(
            vec![],
            vec![
                index.clone(),
                c64(1, 1.0),
                inst(
                    None,
                    Type::Bool,
                    Op::Store(X, Index::At(ValueId(0)), ValueId(1)),
                ),
            ],
            vec![],
        );
        rejects(&k, "must be i64");
    }
    // A list (a matrix exponential) is no index either.
    let k = with_indexed(
        vec![
            c64(0, 1.0),
            inst(
                Some(1),
                Type::F64List(2),
                Op::Expm {
                    n: 1,
                    entries: vec![ValueId(0)],
                },
            ),
        ],
        vec![],
        vec![inst(Some(2), Type::F64, Op::Load(X, Index::At(ValueId(1))))],
    );
    rejects(&k, "must be i64");
}

#[test]
fn a_computed_index_needs_an_indexed_array() {
    // At on a per-neuron array, at on a shared array; loads and stores.
    for a in [V, S] {
        let k = with_indexed(
            vec![],
            vec![],
            vec![
                i64c(0, 0),
                inst(Some(1), Type::F64, Op::Load(a, Index::At(ValueId(0)))),
            ],
        );
        rejects(&k, "needs an indexed array");
        let k = with_indexed(
            vec![],
            vec![],
            vec![
                i64c(0, 0),
                c64(1, 1.0),
                inst(
                    None,
                    Type::Bool,
                    Op::Store(a, Index::At(ValueId(0)), ValueId(1)),
                ),
            ],
        );
        rejects(&k, "needs an indexed array");
    }
}

#[test]
fn indexed_arrays_are_reached_only_at_computed_indices() {
    // x[i] in vector code.
    let k = with_indexed(
        vec![],
        vec![],
        vec![inst(Some(0), Type::F64, Op::Load(X, Index::Neuron))],
    );
    rejects(&k, "is indexed");
    let k = with_indexed(
        vec![],
        vec![],
        vec![
            c64(0, 1.0),
            inst(None, Type::Bool, Op::Store(X, Index::Neuron, ValueId(0))),
        ],
    );
    rejects(&k, "is indexed");
    // x[0] (the shared element) in scalar or vector code.
    for (scalar, vector) in [
        (
            vec![inst(Some(0), Type::F64, Op::Load(X, Index::Shared))],
            vec![],
        ),
        (
            vec![],
            vec![inst(Some(0), Type::F64, Op::Load(X, Index::Shared))],
        ),
        (
            vec![],
            vec![
                c64(0, 1.0),
                inst(None, Type::Bool, Op::Store(X, Index::Shared, ValueId(0))),
            ],
        ),
    ] {
        let k = with_indexed(vec![], scalar, vector);
        assert!(verify(&k).is_err(), "the verifier accepts:\n{k}");
    }
    // x[i] in scalar code.
    let k = with_indexed(
        vec![],
        vec![inst(Some(0), Type::F64, Op::Load(X, Index::Neuron))],
        vec![],
    );
    assert!(verify(&k).is_err(), "the verifier accepts:\n{k}");
}

#[test]
fn computed_indices_follow_the_other_rules_of_accesses() {
    // The index must be defined before use, and visible (not from an `If` body that is closed).
    let k = with_indexed(
        vec![],
        vec![],
        vec![inst(Some(0), Type::F64, Op::Load(X, Index::At(ValueId(5))))],
    );
    rejects(&k, "not defined");
    let k = with_indexed(
        vec![],
        vec![],
        vec![
            inst(Some(0), Type::Bool, Op::Const(Const::Bool(true))),
            inst(
                None,
                Type::Bool,
                Op::If(
                    ValueId(0),
                    Block {
                        insts: vec![i64c(1, 0)],
                    },
                ),
            ),
            inst(Some(2), Type::F64, Op::Load(X, Index::At(ValueId(1)))),
        ],
    );
    rejects(&k, "not defined");
    // Setup code accesses no arrays, at computed indices neither.
    let k = with_indexed(
        vec![
            i64c(0, 0),
            inst(Some(1), Type::F64, Op::Load(X, Index::At(ValueId(0)))),
        ],
        vec![],
        vec![],
    );
    rejects(&k, "setup code cannot access arrays");
    // The stored value has the array's type; the loaded value is declared with it.
    let k = with_indexed(
        vec![],
        vec![],
        vec![
            i64c(0, 0),
            c64(1, 1.0),
            inst(
                None,
                Type::Bool,
                Op::Store(XI, Index::At(ValueId(0)), ValueId(1)),
            ),
        ],
    );
    rejects(&k, "storing f64 into `xi` of i32");
    let k = with_indexed(
        vec![],
        vec![],
        vec![
            i64c(0, 0),
            inst(Some(1), Type::F64, Op::Load(XI, Index::At(ValueId(0)))),
        ],
    );
    rejects(&k, "is declared f64 but is i32");
    // An index array that is not declared.
    let k = with_indexed(
        vec![],
        vec![],
        vec![
            i64c(0, 0),
            inst(
                Some(1),
                Type::F64,
                Op::Load(ArrayId(9), Index::At(ValueId(0))),
            ),
        ],
    );
    rejects(&k, "array 9 is not declared");
}

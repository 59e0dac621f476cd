//! The kernel IR: what one scheduled operation of a group does, in three blocks.
//!
//! A [`Kernel`] has a **setup** block (run once when a run starts: values that depend only on `dt`,
//! parameters and constants, such as `exp(-dt/tau)` or a matrix exponential), a **scalar** block (run
//! once per call, i.e. per time step) and a **vector** block (run once per neuron, or once per index of
//! an event buffer). Values are single-assignment (`%n`), typed, and visible in later instructions of
//! their block, in nested blocks, and — for setup and scalar values — in the later blocks. State lives in
//! arrays that kernels load and store; `If` nests a block that runs only when its condition holds.

use crate::builtins::Builtin;

/// The type of a value or an array element.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Type {
    /// A boolean.
    Bool,
    /// A 32-bit integer.
    I32,
    /// A 64-bit integer.
    I64,
    /// A single-precision float.
    F32,
    /// A double-precision float.
    F64,
    /// A fixed-size list of doubles (the result of a matrix exponential).
    F64List(u32),
}

impl Type {
    /// Whether it is `F32` or `F64`.
    pub fn is_float(self) -> bool {
        matches!(self, Type::F32 | Type::F64)
    }

    /// Whether it is `I32` or `I64`.
    pub fn is_int(self) -> bool {
        matches!(self, Type::I32 | Type::I64)
    }

    /// The name in the text form.
    pub fn name(self) -> String {
        match self {
            Type::Bool => "bool".into(),
            Type::I32 => "i32".into(),
            Type::I64 => "i64".into(),
            Type::F32 => "f32".into(),
            Type::F64 => "f64".into(),
            Type::F64List(n) => format!("f64x{n}"),
        }
    }
}

/// A single-assignment value of a kernel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ValueId(pub u32);

/// An array a kernel reads or writes (index into [`Kernel::arrays`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ArrayId(pub u32);

/// A scalar parameter of a kernel (index into [`Kernel::params`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ParamId(pub u32);

/// An event buffer a kernel fills or iterates over (index into [`Kernel::events`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EventId(pub u32);

/// A constant.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Const {
    /// A boolean.
    Bool(bool),
    /// A 32-bit integer.
    I32(i32),
    /// A 64-bit integer.
    I64(i64),
    /// A single-precision float.
    F32(f32),
    /// A double-precision float.
    F64(f64),
}

impl Const {
    /// Its type.
    pub fn ty(self) -> Type {
        match self {
            Const::Bool(_) => Type::Bool,
            Const::I32(_) => Type::I32,
            Const::I64(_) => Type::I64,
            Const::F32(_) => Type::F32,
            Const::F64(_) => Type::F64,
        }
    }
}

/// Unary operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnOp {
    /// Arithmetic negation.
    Neg,
    /// Boolean negation.
    Not,
}

/// Binary operators. Operands have the same type; the result has it too.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/` (floats only: integer `/` is lowered to float division, as in Python)
    Div,
    /// `//`: Python's flooring division (integers: `x // 0 == 0`)
    FloorDiv,
    /// `%`: Python's modulo, with the divisor's sign (integers: `x % 0 == 0`)
    Mod,
    /// `**` (floats only)
    Pow,
    /// `and` (booleans)
    And,
    /// `or` (booleans)
    Or,
}

/// Comparison operators (result: bool).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CmpOp {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

/// Which element of an array an access touches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Index {
    /// The current neuron (vector block only).
    Neuron,
    /// Element 0 (shared variables).
    Shared,
    /// The element at a computed `i64` index (arrays of another group reached through a synapse's
    /// pre- or postsynaptic index, table lookups). Bounds-checked: an index out of range is a fault
    /// that the call reports, and the access does not happen.
    At(ValueId),
}

/// An operation.
#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    /// A constant.
    Const(Const),
    /// A scalar parameter (an external constant, read again at every run).
    Param(ParamId),
    /// The current time `t` (f64, seconds).
    Time,
    /// The time step `dt` (f64, seconds).
    Dt,
    /// The current step index (i64).
    Step,
    /// The current neuron's index (i64; vector block only).
    NeuronIndex,
    /// Reads an array element.
    Load(ArrayId, Index),
    /// Writes an array element.
    Store(ArrayId, Index, ValueId),
    /// A unary operation.
    Unary(UnOp, ValueId),
    /// A binary operation.
    Binary(BinOp, ValueId, ValueId),
    /// A comparison.
    Cmp(CmpOp, ValueId, ValueId),
    /// `cond ? a : b`.
    Select(ValueId, ValueId, ValueId),
    /// A conversion to the instruction's type (float → integer truncates towards zero).
    Cast(ValueId),
    /// A built-in function (not the random ones).
    Call(Builtin, Vec<ValueId>),
    /// A random number from the counter-based generator: uniform in [0, 1) or standard normal. `draw`
    /// distinguishes the draws of one kernel for one neuron and step.
    Random {
        /// Standard normal rather than uniform.
        normal: bool,
        /// Which of the kernel's random streams ([`Kernel::streams`]) it draws from.
        stream: u32,
        /// The draw's number within its stream.
        draw: u32,
    },
    /// A sample of the binomial distribution with `n` trials of probability `p` (Brian2's
    /// `BinomialFunction(n, p)`, what a `PoissonInput` draws: inversion, or the normal approximation when
    /// `n·p > 5` and `n·(1-p) > 5`; see [`crate::random::Binomial`]), as an f64. It uses the random bits
    /// of one draw, like [`Op::Random`].
    Binomial {
        /// Number of trials.
        n: u64,
        /// Probability of each.
        p: f64,
        /// Which of the kernel's random streams ([`Kernel::streams`]) it draws from.
        stream: u32,
        /// The draw's number within its stream.
        draw: u32,
    },
    /// The matrix exponential of the `n`×`n` matrix `m` (row-major), with the integral of the
    /// exponential: the result lists `exp(m)` (n×n) then `∫₀¹ exp(s·m) ds` (n×n), row-major.
    Expm {
        /// Matrix size.
        n: u32,
        /// The entries of `m`.
        entries: Vec<ValueId>,
    },
    /// Element `k` of a list value.
    Extract(ValueId, u32),
    /// Appends the current neuron's index to an event buffer when the condition holds.
    Emit(EventId, ValueId),
    /// Runs a block when the condition holds.
    If(ValueId, Block),
}

/// One instruction: an operation and, for those that produce one, its value and type.
#[derive(Clone, Debug, PartialEq)]
pub struct Inst {
    /// The value defined (none for stores, emits and ifs).
    pub result: Option<ValueId>,
    /// The type of the value (`Bool` where there is none).
    pub ty: Type,
    /// What it does.
    pub op: Op,
}

/// A sequence of instructions.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Block {
    /// The instructions, in order.
    pub insts: Vec<Inst>,
}

/// How long an array is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Extent {
    /// One element per neuron.
    PerNeuron,
    /// One element (a shared variable).
    Shared,
    /// Any length, reached only through [`Index::At`].
    Indexed,
}

/// An array a kernel uses.
#[derive(Clone, Debug, PartialEq)]
pub struct ArrayDecl {
    /// The variable's name.
    pub name: String,
    /// Element type.
    pub ty: Type,
    /// Per neuron or shared.
    pub extent: Extent,
}

/// A scalar parameter of a kernel.
#[derive(Clone, Debug, PartialEq)]
pub struct ParamDecl {
    /// The external constant's name.
    pub name: String,
    /// Its type.
    pub ty: Type,
}

/// What the vector block iterates over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Domain {
    /// Every neuron of the group, in order.
    Neurons,
    /// The indices in an event buffer (filled earlier in the step), in order.
    Events(EventId),
}

/// What a kernel is for (Brian2's object kinds).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KernelKind {
    /// `StateUpdater` (slot `groups`).
    StateUpdate,
    /// `Thresholder` for an event.
    Threshold(String),
    /// `Resetter` (code run on an event).
    Reset(String),
    /// `SubexpressionUpdater` for `(constant over dt)` subexpressions.
    SubexpressionUpdate,
    /// `run_regularly` code.
    RunRegularly,
    /// Initial values.
    Init,
    /// A synaptic pathway's code (`on_pre`, `on_post`) over the synapses due this step.
    Pathway(String),
    /// A summed variable: the sum over each neuron's synapses, into the neuron's variable.
    Summed(String),
    /// A `PoissonInput` adding to a variable (slot `synapses`).
    PoissonInput(String),
    /// Several of the above fused into one pass.
    Fused(Vec<KernelKind>),
}

/// One kernel.
#[derive(Clone, Debug, PartialEq)]
pub struct Kernel {
    /// Its name (`G.stateupdater`).
    pub name: String,
    /// What it is for.
    pub kind: KernelKind,
    /// The random streams its draws come from (one per kernel it was built from; distinct per kernel of a
    /// network, so that fusing kernels does not change any number drawn).
    pub streams: Vec<u64>,
    /// What the vector block iterates over.
    pub domain: Domain,
    /// Arrays it uses.
    pub arrays: Vec<ArrayDecl>,
    /// Scalar parameters.
    pub params: Vec<ParamDecl>,
    /// Event buffers (names of events).
    pub events: Vec<String>,
    /// Run once per run.
    pub setup: Block,
    /// Run once per call.
    pub scalar: Block,
    /// Run per neuron (or per event index).
    pub vector: Block,
    /// Number of values defined.
    pub num_values: u32,
}

impl Kernel {
    /// An empty kernel.
    pub fn new(name: impl Into<String>, kind: KernelKind, domain: Domain) -> Kernel {
        let name = name.into();
        Kernel {
            streams: vec![stream_id(&name)],
            name,
            kind,
            domain,
            arrays: Vec::new(),
            params: Vec::new(),
            events: Vec::new(),
            setup: Block::default(),
            scalar: Block::default(),
            vector: Block::default(),
            num_values: 0,
        }
    }

    /// The array with this name, added if missing.
    pub fn array(&mut self, name: &str, ty: Type, extent: Extent) -> ArrayId {
        if let Some(k) = self.arrays.iter().position(|a| a.name == name) {
            return ArrayId(k as u32);
        }
        self.arrays.push(ArrayDecl {
            name: name.into(),
            ty,
            extent,
        });
        ArrayId(self.arrays.len() as u32 - 1)
    }

    /// The parameter with this name, added if missing.
    pub fn param(&mut self, name: &str, ty: Type) -> ParamId {
        if let Some(k) = self.params.iter().position(|p| p.name == name) {
            return ParamId(k as u32);
        }
        self.params.push(ParamDecl {
            name: name.into(),
            ty,
        });
        ParamId(self.params.len() as u32 - 1)
    }

    /// The event buffer with this name, added if missing.
    pub fn event(&mut self, name: &str) -> EventId {
        if let Some(k) = self.events.iter().position(|e| e == name) {
            return EventId(k as u32);
        }
        self.events.push(name.into());
        EventId(self.events.len() as u32 - 1)
    }

    /// A fresh value.
    pub fn fresh(&mut self) -> ValueId {
        self.num_values += 1;
        ValueId(self.num_values - 1)
    }

    /// Whether any block draws random numbers.
    pub fn uses_random(&self) -> bool {
        [&self.setup, &self.scalar, &self.vector].iter().any(|b| {
            let mut found = false;
            b.walk(&mut |i| found |= matches!(i.op, Op::Random { .. } | Op::Binomial { .. }));
            found
        })
    }
}

impl Block {
    /// Calls `f` on every instruction, including those of nested blocks (outer first).
    pub fn walk<'a>(&'a self, f: &mut impl FnMut(&'a Inst)) {
        for i in &self.insts {
            f(i);
            if let Op::If(_, b) = &i.op {
                b.walk(f);
            }
        }
    }
}

impl Op {
    /// The values it reads.
    pub fn operands(&self) -> Vec<ValueId> {
        match self {
            Op::Load(_, Index::At(k)) => vec![*k],
            Op::Store(_, Index::At(k), v) => vec![*k, *v],
            Op::Store(_, _, v)
            | Op::Unary(_, v)
            | Op::Cast(v)
            | Op::Extract(v, _)
            | Op::Emit(_, v)
            | Op::If(v, _) => {
                vec![*v]
            }
            Op::Binary(_, a, b) | Op::Cmp(_, a, b) => vec![*a, *b],
            Op::Select(c, a, b) => vec![*c, *a, *b],
            Op::Call(_, args) => args.clone(),
            Op::Expm { entries, .. } => entries.clone(),
            _ => Vec::new(),
        }
    }

    /// Whether evaluating it twice gives the same value and has no effect (so it may be merged with an
    /// equal instruction or moved).
    pub fn is_pure(&self) -> bool {
        !matches!(
            self,
            Op::Store(..)
                | Op::Random { .. }
                | Op::Binomial { .. }
                | Op::Emit(..)
                | Op::If(..)
                | Op::Load(..)
        )
    }
}

/// A stable 64-bit id for a kernel's random stream, from its name (FNV-1a).
pub fn stream_id(name: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

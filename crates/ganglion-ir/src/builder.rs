//! A builder that appends instructions to a kernel's blocks, with nested `If` blocks.

use crate::builtins::Builtin;
use crate::kernel::*;

/// Which top-level block instructions go to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// Once per run.
    Setup,
    /// Once per call.
    Scalar,
    /// Per neuron.
    Vector,
}

/// Builds a kernel instruction by instruction.
pub struct Builder {
    /// The kernel being built.
    pub kernel: Kernel,
    level: Level,
    nested: Vec<(ValueId, Vec<Inst>)>,
}

impl Builder {
    /// Starts building `kernel` (appending to its blocks), at the vector level.
    pub fn new(kernel: Kernel) -> Builder {
        Builder {
            kernel,
            level: Level::Vector,
            nested: Vec::new(),
        }
    }

    /// The level instructions go to.
    pub fn level(&self) -> Level {
        self.level
    }

    /// Sets the level instructions go to (outside any `If`).
    pub fn set_level(&mut self, level: Level) {
        assert!(self.nested.is_empty(), "an `If` block is still open");
        self.level = level;
    }

    /// Whether an `If` block is open.
    pub fn in_if(&self) -> bool {
        !self.nested.is_empty()
    }

    fn push(&mut self, inst: Inst) {
        if let Some((_, body)) = self.nested.last_mut() {
            body.push(inst);
            return;
        }
        let block = match self.level {
            Level::Setup => &mut self.kernel.setup,
            Level::Scalar => &mut self.kernel.scalar,
            Level::Vector => &mut self.kernel.vector,
        };
        block.insts.push(inst);
    }

    /// Appends an instruction that defines a value of type `ty`.
    pub fn value(&mut self, ty: Type, op: Op) -> ValueId {
        let r = self.kernel.fresh();
        self.push(Inst {
            result: Some(r),
            ty,
            op,
        });
        r
    }

    /// Appends an instruction without a value (store, emit).
    pub fn effect(&mut self, op: Op) {
        self.push(Inst {
            result: None,
            ty: Type::Bool,
            op,
        });
    }

    /// Opens `if cond:`; instructions go into its body until [`Builder::end_if`].
    pub fn begin_if(&mut self, cond: ValueId) {
        self.nested.push((cond, Vec::new()));
    }

    /// Closes the innermost `If`.
    pub fn end_if(&mut self) {
        let (cond, insts) = self.nested.pop().expect("an `If` block is open");
        self.effect(Op::If(cond, Block { insts }));
    }

    /// A constant.
    pub fn constant(&mut self, c: Const) -> ValueId {
        self.value(c.ty(), Op::Const(c))
    }

    /// An `f64` constant.
    pub fn f64(&mut self, x: f64) -> ValueId {
        self.constant(Const::F64(x))
    }

    /// A binary operation (operands of type `ty`).
    pub fn binary(&mut self, ty: Type, op: BinOp, a: ValueId, b: ValueId) -> ValueId {
        self.value(ty, Op::Binary(op, a, b))
    }

    /// A comparison.
    pub fn cmp(&mut self, op: CmpOp, a: ValueId, b: ValueId) -> ValueId {
        self.value(Type::Bool, Op::Cmp(op, a, b))
    }

    /// A conversion to `ty`.
    pub fn cast(&mut self, ty: Type, x: ValueId) -> ValueId {
        self.value(ty, Op::Cast(x))
    }

    /// A call of a built-in function with result type `ty`.
    pub fn call(&mut self, ty: Type, f: Builtin, args: Vec<ValueId>) -> ValueId {
        self.value(ty, Op::Call(f, args))
    }

    /// Finishes and returns the kernel.
    pub fn finish(self) -> Kernel {
        assert!(self.nested.is_empty(), "an `If` block is still open");
        self.kernel
    }
}

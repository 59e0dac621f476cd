//! The verifier: every value defined once and before use, types consistent, operations in the blocks
//! they may appear in.

use std::collections::HashMap;

use crate::builtins::{Builtin, Eval};
use crate::kernel::*;

/// A kernel that breaks a rule of the IR.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("kernel `{kernel}`: {message}")]
pub struct VerifyError {
    /// The kernel's name.
    pub kernel: String,
    /// What is wrong.
    pub message: String,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Level {
    Setup,
    Scalar,
    Vector,
}

struct Verifier<'k> {
    kernel: &'k Kernel,
    types: HashMap<ValueId, Type>,
    /// Events already emitted (each at most once per kernel, so at most once per neuron: event buffers
    /// are sized for one index per neuron, and the order of indices is the order of neurons).
    emitted: Vec<EventId>,
}

impl Verifier<'_> {
    fn fail<T>(&self, message: String) -> Result<T, VerifyError> {
        Err(VerifyError {
            kernel: self.kernel.name.clone(),
            message,
        })
    }

    fn ty(&self, v: ValueId, visible: &[ValueId]) -> Result<Type, VerifyError> {
        if !visible.contains(&v) {
            return self.fail(format!("%{} is used where it is not defined", v.0));
        }
        Ok(self.types[&v])
    }

    fn block(
        &mut self,
        b: &Block,
        level: Level,
        visible: &mut Vec<ValueId>,
    ) -> Result<(), VerifyError> {
        for inst in &b.insts {
            self.inst(inst, level, visible)?;
        }
        Ok(())
    }

    /// Checks one instruction and records the value it defines.
    fn inst(
        &mut self,
        inst: &Inst,
        level: Level,
        visible: &mut Vec<ValueId>,
    ) -> Result<(), VerifyError> {
        let expect = match &inst.op {
            Op::Const(c) => Some(c.ty()),
            Op::Param(_) | Op::Time | Op::Dt | Op::Step | Op::NeuronIndex => {
                Some(self.context(&inst.op, level)?)
            }
            Op::Load(a, i) => Some(self.access(*a, i, None, level, visible)?),
            Op::Store(a, i, x) => {
                self.access(*a, i, Some(*x), level, visible)?;
                None
            }
            Op::Unary(..) | Op::Binary(..) | Op::Cmp(..) | Op::Select(..) | Op::Cast(_) => {
                Some(self.arithmetic(inst, visible)?)
            }
            Op::Call(f, args) => Some(self.call(*f, args, visible)?),
            Op::Random { .. } | Op::Binomial { .. } => Some(self.random(&inst.op, level)?),
            Op::Expm { n, entries } => Some(self.expm(*n, entries, visible)?),
            Op::Extract(x, i) => match self.ty(*x, visible)? {
                Type::F64List(len) if *i < len => Some(Type::F64),
                t => return self.fail(format!("extract {i} from {}", t.name())),
            },
            Op::Emit(e, c) => {
                self.emit(*e, *c, level, visible)?;
                None
            }
            Op::If(c, body) => {
                if self.ty(*c, visible)? != Type::Bool {
                    return self.fail("if needs a bool condition".into());
                }
                let mut inner = visible.clone();
                self.block(body, level, &mut inner)?;
                None
            }
        };
        self.define(inst, expect, visible)
    }

    /// Records the value `inst` defines, of type `expect` (`None`: the instruction has no value).
    fn define(
        &mut self,
        inst: &Inst,
        expect: Option<Type>,
        visible: &mut Vec<ValueId>,
    ) -> Result<(), VerifyError> {
        match (inst.result, expect) {
            (Some(r), Some(t)) => {
                if t != inst.ty {
                    return self.fail(format!(
                        "%{} is declared {} but is {}",
                        r.0,
                        inst.ty.name(),
                        t.name()
                    ));
                }
                if self.types.insert(r, t).is_some() {
                    return self.fail(format!("%{} is defined twice", r.0));
                }
                visible.push(r);
                Ok(())
            }
            (None, None) => Ok(()),
            (Some(r), None) => self.fail(format!(
                "%{} is defined by an instruction without a value",
                r.0
            )),
            (None, Some(_)) => {
                self.fail(format!("an instruction's value is dropped: {:?}", inst.op))
            }
        }
    }

    /// What the call provides: parameters, the clock, the neuron index.
    fn context(&self, op: &Op, level: Level) -> Result<Type, VerifyError> {
        match op {
            Op::Param(p) => match self.kernel.params.get(p.0 as usize) {
                Some(d) => Ok(d.ty),
                None => self.fail(format!("parameter {} is not declared", p.0)),
            },
            Op::Time | Op::Step if level == Level::Setup => {
                self.fail("time and step cannot be read in setup code".into())
            }
            Op::Time | Op::Dt => Ok(Type::F64),
            Op::NeuronIndex if level != Level::Vector => {
                self.fail("the neuron index exists only in vector code".into())
            }
            _ => Ok(Type::I64),
        }
    }

    /// A load (`stored` is `None`) or a store of `stored` into array `a` at `i`: the array's type.
    fn access(
        &self,
        a: ArrayId,
        i: &Index,
        stored: Option<ValueId>,
        level: Level,
        visible: &[ValueId],
    ) -> Result<Type, VerifyError> {
        if level == Level::Setup {
            return self.fail("setup code cannot access arrays".into());
        }
        let Some(decl) = self.kernel.arrays.get(a.0 as usize) else {
            return self.fail(format!("array {} is not declared", a.0));
        };
        if *i == Index::Neuron && (level != Level::Vector || decl.extent == Extent::Shared) {
            return self.fail(format!(
                "`{}[i]` needs vector code and a per-neuron array",
                decl.name
            ));
        }
        if *i == Index::Shared && decl.extent != Extent::Shared {
            return self.fail(format!("`{}[0]` needs a shared array", decl.name));
        }
        if let Index::At(k) = i {
            if decl.extent != Extent::Indexed {
                return self.fail(format!("`{}[%{}]` needs an indexed array", decl.name, k.0));
            }
            if self.ty(*k, visible)? != Type::I64 {
                return self.fail(format!("the index of `{}` must be i64", decl.name));
            }
        } else if decl.extent == Extent::Indexed {
            return self.fail(format!(
                "`{}` is indexed: it is read and written only at computed indices",
                decl.name
            ));
        }
        if let Some(x) = stored {
            let t = self.ty(x, visible)?;
            if t != decl.ty {
                return self.fail(format!(
                    "storing {} into `{}` of {}",
                    t.name(),
                    decl.name,
                    decl.ty.name()
                ));
            }
        }
        Ok(decl.ty)
    }

    /// Operators, selects and casts: the result's type.
    fn arithmetic(&self, inst: &Inst, visible: &[ValueId]) -> Result<Type, VerifyError> {
        let numeric = |t: Type| t.is_float() || t.is_int();
        match &inst.op {
            Op::Unary(op, x) => {
                let t = self.ty(*x, visible)?;
                let ok = match op {
                    UnOp::Neg => numeric(t),
                    UnOp::Not => t == Type::Bool,
                };
                if !ok {
                    return self.fail(format!("{op:?} of {}", t.name()));
                }
                Ok(t)
            }
            Op::Binary(op, a, b) => {
                let (ta, tb) = self.pair(*a, *b, visible)?;
                if ta != tb {
                    return self.fail(format!("{op:?} of {} and {}", ta.name(), tb.name()));
                }
                let ok = match op {
                    BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::FloorDiv | BinOp::Mod => {
                        numeric(ta)
                    }
                    BinOp::Div | BinOp::Pow => ta.is_float(),
                    BinOp::And | BinOp::Or => ta == Type::Bool,
                };
                if !ok {
                    return self.fail(format!("{op:?} of {}", ta.name()));
                }
                Ok(ta)
            }
            Op::Cmp(_, a, b) => {
                let (ta, tb) = self.pair(*a, *b, visible)?;
                if ta != tb {
                    return self.fail(format!("comparison of {} and {}", ta.name(), tb.name()));
                }
                Ok(Type::Bool)
            }
            Op::Select(c, a, b) => {
                let tc = self.ty(*c, visible)?;
                let (ta, tb) = self.pair(*a, *b, visible)?;
                if tc != Type::Bool || ta != tb {
                    return self.fail(format!(
                        "select {} ? {} : {}",
                        tc.name(),
                        ta.name(),
                        tb.name()
                    ));
                }
                Ok(ta)
            }
            Op::Cast(x) => {
                let t = self.ty(*x, visible)?;
                if matches!(t, Type::F64List(_)) || matches!(inst.ty, Type::F64List(_)) {
                    return self.fail("lists cannot be cast".into());
                }
                Ok(inst.ty)
            }
            op => unreachable!("not an arithmetic instruction: {op:?}"),
        }
    }

    /// The types of two operands.
    fn pair(
        &self,
        a: ValueId,
        b: ValueId,
        visible: &[ValueId],
    ) -> Result<(Type, Type), VerifyError> {
        Ok((self.ty(a, visible)?, self.ty(b, visible)?))
    }

    /// A call of a built-in function, as its entry in [`crate::builtins::FUNCTIONS`] allows: the
    /// result's type.
    fn call(&self, f: Builtin, args: &[ValueId], visible: &[ValueId]) -> Result<Type, VerifyError> {
        let info = f.info();
        if args.len() != info.arity || f.is_stateful() {
            return self.fail(format!("bad call of `{}`", f.name()));
        }
        let types: Vec<Type> = args
            .iter()
            .map(|a| self.ty(*a, visible))
            .collect::<Result<_, _>>()?;
        match info.eval {
            Eval::Int64(_) => {
                if types.iter().any(|t| *t != Type::F64) {
                    let count = ["no", "one", "two", "three"]
                        .get(info.arity)
                        .unwrap_or(&"several");
                    return self.fail(format!("{} takes {count} f64", f.name()));
                }
                Ok(Type::I64)
            }
            Eval::Cast => self.fail(format!("`{}` is a cast, not a call", f.name())),
            _ => {
                let t = types[0];
                let int_ok = info.integers.is_some();
                if types.iter().any(|x| *x != t) || !(t.is_float() || (int_ok && t.is_int())) {
                    return self.fail(format!("`{}` of {:?}", f.name(), types));
                }
                Ok(t)
            }
        }
    }

    /// A random draw (uniform, normal or binomial).
    fn random(&self, op: &Op, level: Level) -> Result<Type, VerifyError> {
        let (Op::Random { stream, .. } | Op::Binomial { stream, .. }) = op else {
            unreachable!("not a random draw: {op:?}");
        };
        if let Op::Binomial { p, .. } = op
            && !(0.0..=1.0).contains(p)
        {
            return self.fail(format!("binomial probability {p} is not in [0, 1]"));
        }
        if level == Level::Setup {
            return self.fail("setup code cannot draw random numbers".into());
        }
        if *stream as usize >= self.kernel.streams.len() {
            return self.fail(format!("random stream {stream} is not declared"));
        }
        Ok(Type::F64)
    }

    /// A matrix exponential of `n`×`n` entries: a list of 2n² values.
    fn expm(&self, n: u32, entries: &[ValueId], visible: &[ValueId]) -> Result<Type, VerifyError> {
        if entries.len() != (n as usize) * (n as usize) {
            return self.fail("expm needs n*n entries".into());
        }
        for e in entries {
            if self.ty(*e, visible)? != Type::F64 {
                return self.fail("expm entries must be f64".into());
            }
        }
        Ok(Type::F64List(2 * n * n))
    }

    /// An emit of event `e` where `c` holds.
    fn emit(
        &mut self,
        e: EventId,
        c: ValueId,
        level: Level,
        visible: &[ValueId],
    ) -> Result<(), VerifyError> {
        let k = self.kernel;
        if level != Level::Vector || k.domain != Domain::Neurons {
            return self.fail("events are emitted only in vector code over neurons".into());
        }
        if e.0 as usize >= k.events.len() {
            return self.fail("undeclared event".into());
        }
        if self.ty(c, visible)? != Type::Bool {
            return self.fail("emit needs a bool condition".into());
        }
        if self.emitted.contains(&e) {
            return self.fail(format!(
                "event `{}` is emitted twice (at most once per kernel)",
                k.events[e.0 as usize]
            ));
        }
        self.emitted.push(e);
        Ok(())
    }
}

/// Checks a kernel against the rules of the IR.
pub fn verify(kernel: &Kernel) -> Result<(), VerifyError> {
    let mut v = Verifier {
        kernel,
        types: HashMap::new(),
        emitted: Vec::new(),
    };
    if let Domain::Events(e) = kernel.domain
        && e.0 as usize >= kernel.events.len()
    {
        return v.fail("the domain's event is not declared".into());
    }
    let mut visible = Vec::new();
    v.block(&kernel.setup, Level::Setup, &mut visible)?;
    v.block(&kernel.scalar, Level::Scalar, &mut visible)?;
    v.block(&kernel.vector, Level::Vector, &mut visible)?;
    Ok(())
}

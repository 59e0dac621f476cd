//! The reference interpreter: plain, obviously correct evaluation of kernels, the oracle every compiled
//! backend is tested against.

use std::sync::Arc as Rc;

use crate::builtins::{Builtin, Eval};
use crate::kernel::*;
use crate::random;

/// A fixed-length array whose first element sits `offset` elements into its allocation. Staggering the
/// offsets of a group's arrays keeps equal-length arrays from mapping onto the same cache sets (large
/// allocations start at page boundaries, so without it every array would alias every other).
#[derive(Clone, Debug)]
pub struct Array<T> {
    buf: Vec<T>,
    offset: usize,
    len: usize,
}

impl<T: Clone + Default> Array<T> {
    /// `len` default elements, starting `offset` elements into the allocation.
    pub fn new(len: usize, offset: usize) -> Array<T> {
        Array {
            buf: vec![T::default(); len + offset],
            offset,
            len,
        }
    }

    /// [`Array::new`], or `None` where the allocation fails (the caller reports it rather than
    /// aborting).
    pub fn try_new(len: usize, offset: usize) -> Option<Array<T>> {
        let mut buf = Vec::new();
        buf.try_reserve_exact(len.checked_add(offset)?).ok()?;
        buf.resize(len + offset, T::default());
        Some(Array { buf, offset, len })
    }

    /// An array holding `values` (no stagger).
    pub fn from_vec(values: Vec<T>) -> Array<T> {
        let len = values.len();
        Array {
            buf: values,
            offset: 0,
            len,
        }
    }
}

impl<T: Clone + Default> Array<T> {
    /// Grows (with default elements) or shrinks to `len` elements.
    pub fn resize(&mut self, len: usize) {
        self.buf.resize(self.offset + len, T::default());
        self.len = len;
    }
}

impl<T> Array<T> {
    /// The elements.
    pub fn as_slice(&self) -> &[T] {
        &self.buf[self.offset..self.offset + self.len]
    }

    /// The elements, writable.
    pub fn as_mut_slice(&mut self) -> &mut [T] {
        &mut self.buf[self.offset..self.offset + self.len]
    }
}

impl<T: PartialEq> PartialEq for Array<T> {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

/// The storage of one variable: one element per neuron, or one for a shared variable.
#[derive(Clone, Debug, PartialEq)]
pub enum ArrayData {
    /// Booleans.
    Bool(Array<bool>),
    /// 32-bit integers.
    I32(Array<i32>),
    /// 64-bit integers.
    I64(Array<i64>),
    /// Single-precision floats.
    F32(Array<f32>),
    /// Double-precision floats.
    F64(Array<f64>),
}

macro_rules! each {
    ($self:expr, $a:ident => $e:expr) => {
        match $self {
            ArrayData::Bool($a) => $e,
            ArrayData::I32($a) => $e,
            ArrayData::I64($a) => $e,
            ArrayData::F32($a) => $e,
            ArrayData::F64($a) => $e,
        }
    };
}

impl ArrayData {
    /// `len` zeros (false) of type `ty`.
    pub fn zeros(ty: Type, len: usize) -> ArrayData {
        ArrayData::staggered(ty, len, 0)
    }

    /// `len` zeros of type `ty`, starting `offset` elements into the allocation.
    pub fn staggered(ty: Type, len: usize, offset: usize) -> ArrayData {
        match ty {
            Type::Bool => ArrayData::Bool(Array::new(len, offset)),
            Type::I32 => ArrayData::I32(Array::new(len, offset)),
            Type::I64 => ArrayData::I64(Array::new(len, offset)),
            Type::F32 => ArrayData::F32(Array::new(len, offset)),
            Type::F64 | Type::F64List(_) => ArrayData::F64(Array::new(len, offset)),
        }
    }

    /// [`ArrayData::staggered`], or `None` where the memory cannot be had.
    pub fn try_staggered(ty: Type, len: usize, offset: usize) -> Option<ArrayData> {
        Some(match ty {
            Type::Bool => ArrayData::Bool(Array::try_new(len, offset)?),
            Type::I32 => ArrayData::I32(Array::try_new(len, offset)?),
            Type::I64 => ArrayData::I64(Array::try_new(len, offset)?),
            Type::F32 => ArrayData::F32(Array::try_new(len, offset)?),
            Type::F64 | Type::F64List(_) => ArrayData::F64(Array::try_new(len, offset)?),
        })
    }

    /// An array of doubles holding `values`.
    pub fn from_f64(values: Vec<f64>) -> ArrayData {
        ArrayData::F64(Array::from_vec(values))
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        each!(self, a => a.len)
    }

    /// Grows (with zeros) or shrinks to `len` elements.
    pub fn resize(&mut self, len: usize) {
        each!(self, a => a.resize(len))
    }

    /// Whether it has no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Element type.
    pub fn ty(&self) -> Type {
        match self {
            ArrayData::Bool(_) => Type::Bool,
            ArrayData::I32(_) => Type::I32,
            ArrayData::I64(_) => Type::I64,
            ArrayData::F32(_) => Type::F32,
            ArrayData::F64(_) => Type::F64,
        }
    }

    /// The address of the first element, for compiled kernels.
    pub fn as_mut_ptr(&mut self) -> *mut u8 {
        each!(self, a => a.as_mut_slice().as_mut_ptr() as *mut u8)
    }

    /// Element `i` as a value.
    pub fn get(&self, i: usize) -> Value {
        match self {
            ArrayData::Bool(v) => Value::Bool(v.as_slice()[i]),
            ArrayData::I32(v) => Value::I32(v.as_slice()[i]),
            ArrayData::I64(v) => Value::I64(v.as_slice()[i]),
            ArrayData::F32(v) => Value::F32(v.as_slice()[i]),
            ArrayData::F64(v) => Value::F64(v.as_slice()[i]),
        }
    }

    /// Sets element `i` (converting the value to the array's type).
    pub fn set(&mut self, i: usize, x: &Value) {
        let x = x.cast(self.ty());
        match (self, &x) {
            (ArrayData::Bool(v), Value::Bool(x)) => v.as_mut_slice()[i] = *x,
            (ArrayData::I32(v), Value::I32(x)) => v.as_mut_slice()[i] = *x,
            (ArrayData::I64(v), Value::I64(x)) => v.as_mut_slice()[i] = *x,
            (ArrayData::F32(v), Value::F32(x)) => v.as_mut_slice()[i] = *x,
            (ArrayData::F64(v), Value::F64(x)) => v.as_mut_slice()[i] = *x,
            _ => {}
        }
    }

    /// Sets element `i` from an `f64`, converted as [`Value::cast`] converts one (without building a
    /// value).
    pub fn set_f64(&mut self, i: usize, x: f64) {
        match self {
            ArrayData::Bool(v) => v.as_mut_slice()[i] = x != 0.0,
            ArrayData::I32(v) => v.as_mut_slice()[i] = x as i32,
            ArrayData::I64(v) => v.as_mut_slice()[i] = x as i64,
            ArrayData::F32(v) => v.as_mut_slice()[i] = x as f32,
            ArrayData::F64(v) => v.as_mut_slice()[i] = x,
        }
    }

    /// Element `i` as an `f64` (booleans 0/1).
    pub fn get_f64(&self, i: usize) -> f64 {
        self.get(i).as_f64()
    }

    /// All elements as `f64`.
    pub fn to_f64_vec(&self) -> Vec<f64> {
        (0..self.len()).map(|i| self.get_f64(i)).collect()
    }

    /// Sets every element from `f64` values (converted to the array's type).
    pub fn fill_from_f64(&mut self, values: &[f64]) {
        let n = self.len().min(values.len());
        match self {
            ArrayData::F64(a) => a.as_mut_slice()[..n].copy_from_slice(&values[..n]),
            _ => {
                for (i, &v) in values.iter().enumerate().take(n) {
                    self.set_f64(i, v);
                }
            }
        }
    }
}

/// A value during interpretation.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
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
    /// A list of doubles.
    List(Rc<[f64]>),
}

impl Value {
    /// The value as an `f64` (booleans 0/1; lists NaN).
    pub fn as_f64(&self) -> f64 {
        match self {
            Value::Bool(b) => f64::from(u8::from(*b)),
            Value::I32(v) => f64::from(*v),
            Value::I64(v) => *v as f64,
            Value::F32(v) => f64::from(*v),
            Value::F64(v) => *v,
            Value::List(_) => f64::NAN,
        }
    }

    fn as_bool(&self) -> bool {
        match self {
            Value::Bool(b) => *b,
            other => other.as_f64() != 0.0,
        }
    }

    fn as_i64(&self) -> i64 {
        match self {
            Value::Bool(b) => i64::from(*b),
            Value::I32(v) => i64::from(*v),
            Value::I64(v) => *v,
            Value::F32(v) => *v as i64,
            Value::F64(v) => *v as i64,
            Value::List(_) => 0,
        }
    }

    /// Converts to `ty` (float → integer truncates towards zero and saturates; NaN → 0).
    pub fn cast(&self, ty: Type) -> Value {
        match ty {
            Type::Bool => Value::Bool(self.as_bool()),
            Type::I32 => Value::I32(match self {
                Value::F32(v) => *v as i32,
                Value::F64(v) => *v as i32,
                other => other.as_i64() as i32,
            }),
            Type::I64 => Value::I64(self.as_i64()),
            Type::F32 => Value::F32(match self {
                Value::F64(v) => *v as f32,
                Value::F32(v) => *v,
                Value::I64(v) => *v as f32,
                Value::I32(v) => *v as f32,
                other => other.as_f64() as f32,
            }),
            Type::F64 => Value::F64(self.as_f64()),
            Type::F64List(_) => self.clone(),
        }
    }

    /// A constant's value.
    pub fn of_const(c: Const) -> Value {
        match c {
            Const::Bool(b) => Value::Bool(b),
            Const::I32(v) => Value::I32(v),
            Const::I64(v) => Value::I64(v),
            Const::F32(v) => Value::F32(v),
            Const::F64(v) => Value::F64(v),
        }
    }
}

/// Python's flooring division of integers (`x // 0 == 0`, as numpy gives).
pub fn int_floordiv(x: i64, y: i64) -> i64 {
    if y == 0 {
        return 0;
    }
    let q = x.wrapping_div(y);
    if (x.wrapping_rem(y) != 0) && ((x < 0) != (y < 0)) {
        q - 1
    } else {
        q
    }
}

/// Python's modulo of integers: the result has the divisor's sign (`x % 0 == 0`, as numpy gives).
pub fn int_mod(x: i64, y: i64) -> i64 {
    if y == 0 {
        return 0;
    }
    let r = x.wrapping_rem(y);
    if r != 0 && ((r < 0) != (y < 0)) {
        r + y
    } else {
        r
    }
}

/// Python's modulo of floats, as Brian2 generates it: `x - y*floor(x/y)`.
pub fn float_mod(x: f64, y: f64) -> f64 {
    x - y * (x / y).floor()
}

/// [`float_mod`] in single precision.
pub fn float_mod32(x: f32, y: f32) -> f32 {
    x - y * (x / y).floor()
}

fn binary(op: BinOp, a: &Value, b: &Value) -> Value {
    use Value::*;
    match (a, b) {
        (F64(x), F64(y)) => F64(match op {
            BinOp::Add => x + y,
            BinOp::Sub => x - y,
            BinOp::Mul => x * y,
            BinOp::Div => x / y,
            BinOp::FloorDiv => (x / y).floor(),
            BinOp::Mod => float_mod(*x, *y),
            BinOp::Pow => x.powf(*y),
            BinOp::And | BinOp::Or => f64::NAN,
        }),
        (F32(x), F32(y)) => F32(match op {
            BinOp::Add => x + y,
            BinOp::Sub => x - y,
            BinOp::Mul => x * y,
            BinOp::Div => x / y,
            BinOp::FloorDiv => (x / y).floor(),
            BinOp::Mod => float_mod32(*x, *y),
            BinOp::Pow => x.powf(*y),
            BinOp::And | BinOp::Or => f32::NAN,
        }),
        (I64(x), I64(y)) => I64(int_op(op, *x, *y)),
        (I32(x), I32(y)) => I32(int_op(op, i64::from(*x), i64::from(*y)) as i32),
        (Bool(x), Bool(y)) => Bool(match op {
            BinOp::And => *x && *y,
            BinOp::Or => *x || *y,
            _ => false,
        }),
        _ => panic!("binary {op:?} of {a:?} and {b:?} (the verifier rejects this)"),
    }
}

fn int_op(op: BinOp, x: i64, y: i64) -> i64 {
    match op {
        BinOp::Add => x.wrapping_add(y),
        BinOp::Sub => x.wrapping_sub(y),
        BinOp::Mul => x.wrapping_mul(y),
        BinOp::FloorDiv => int_floordiv(x, y),
        BinOp::Mod => int_mod(x, y),
        BinOp::Div | BinOp::Pow | BinOp::And | BinOp::Or => 0,
    }
}

fn compare(op: CmpOp, a: &Value, b: &Value) -> bool {
    use std::cmp::Ordering::*;
    let ord = match (a, b) {
        (Value::F64(x), Value::F64(y)) => x.partial_cmp(y),
        (Value::F32(x), Value::F32(y)) => x.partial_cmp(y),
        (Value::I64(x), Value::I64(y)) => Some(x.cmp(y)),
        (Value::I32(x), Value::I32(y)) => Some(x.cmp(y)),
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        _ => None,
    };
    match (op, ord) {
        (CmpOp::Eq, o) => o == Some(Equal),
        (CmpOp::Ne, o) => o != Some(Equal),
        (CmpOp::Lt, o) => o == Some(Less),
        (CmpOp::Le, o) => matches!(o, Some(Less | Equal)),
        (CmpOp::Gt, o) => o == Some(Greater),
        (CmpOp::Ge, o) => matches!(o, Some(Greater | Equal)),
    }
}

/// Evaluates a built-in function on values of one type (the IR's rules), as its entry in
/// [`crate::builtins::FUNCTIONS`] says.
pub fn call(f: Builtin, args: &[Value]) -> Value {
    let info = f.info();
    let floats = || args.iter().map(Value::as_f64).collect::<Vec<f64>>();
    match (info.eval, info.integers, args.first()) {
        (Eval::Int64(g), ..) => Value::I64(g(&floats())),
        (_, Some(g), Some(first @ (Value::I64(_) | Value::I32(_)))) => {
            let r = g(&args.iter().map(Value::as_i64).collect::<Vec<i64>>());
            if matches!(first, Value::I32(_)) {
                Value::I32(r as i32)
            } else {
                Value::I64(r)
            }
        }
        (_, _, Some(Value::F32(_))) => {
            Value::F32(f.eval_float(&floats()).unwrap_or(f64::NAN) as f32)
        }
        _ => Value::F64(f.eval_float(&floats()).unwrap_or(f64::NAN)),
    }
}

impl Value {
    /// The value as a constant (not for lists).
    pub fn as_const(&self) -> Option<Const> {
        Some(match self {
            Value::Bool(b) => Const::Bool(*b),
            Value::I32(v) => Const::I32(*v),
            Value::I64(v) => Const::I64(*v),
            Value::F32(v) => Const::F32(*v),
            Value::F64(v) => Const::F64(*v),
            Value::List(_) => return None,
        })
    }
}

/// Evaluates a pure operation on operand values (in the order of [`Op::operands`]); `None` for
/// operations that are not pure or need more than their operands.
pub fn eval_pure(op: &Op, ty: Type, args: &[Value]) -> Option<Value> {
    Some(match op {
        Op::Unary(UnOp::Neg, _) => match &args[0] {
            Value::F64(v) => Value::F64(-v),
            Value::F32(v) => Value::F32(-v),
            Value::I64(v) => Value::I64(v.wrapping_neg()),
            Value::I32(v) => Value::I32(v.wrapping_neg()),
            _ => return None,
        },
        Op::Unary(UnOp::Not, _) => Value::Bool(!args[0].as_bool()),
        Op::Binary(b, _, _) => binary(*b, &args[0], &args[1]),
        Op::Cmp(c, _, _) => Value::Bool(compare(*c, &args[0], &args[1])),
        Op::Select(..) => {
            if args[0].as_bool() {
                args[1].clone()
            } else {
                args[2].clone()
            }
        }
        Op::Cast(_) => args[0].cast(ty),
        Op::Call(f, _) => call(*f, args),
        Op::Expm { n, .. } => {
            let m: Vec<f64> = args.iter().map(Value::as_f64).collect();
            Value::List(crate::expm::expm_with_integral(*n as usize, &m).into())
        }
        Op::Extract(_, k) => match &args[0] {
            Value::List(l) => Value::F64(l[*k as usize]),
            _ => return None,
        },
        _ => return None,
    })
}

/// The clock of a call.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Clock {
    /// The current time (seconds).
    pub t: f64,
    /// The time step (seconds).
    pub dt: f64,
    /// The current step index.
    pub step: i64,
}

/// The values of a kernel's setup block, computed when a run starts.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SetupValues {
    values: Vec<Option<Value>>,
}

impl SetupValues {
    /// The setup values as `f64` bit patterns, indexed by value number (0 where undefined), for compiled
    /// kernels to read.
    pub fn as_bits(&self) -> Vec<u64> {
        self.values
            .iter()
            .map(|v| match v {
                Some(Value::F64(x)) => x.to_bits(),
                Some(Value::F32(x)) => u64::from(x.to_bits()),
                Some(Value::I64(x)) => *x as u64,
                Some(Value::I32(x)) => *x as u32 as u64,
                Some(Value::Bool(b)) => u64::from(*b),
                _ => 0,
            })
            .collect()
    }

    /// A setup value.
    pub fn get(&self, v: ValueId) -> Option<&Value> {
        self.values.get(v.0 as usize).and_then(Option::as_ref)
    }

    /// The lists computed in setup (matrix exponentials), by value number.
    pub fn lists(&self) -> Vec<(u32, Rc<[f64]>)> {
        self.values
            .iter()
            .enumerate()
            .filter_map(|(k, v)| match v {
                Some(Value::List(l)) => Some((k as u32, l.clone())),
                _ => None,
            })
            .collect()
    }
}

/// What a kernel call works on.
pub struct Bindings<'a> {
    /// The kernel's arrays, in the order of [`Kernel::arrays`].
    pub arrays: Vec<&'a mut ArrayData>,
    /// The kernel's parameters, in the order of [`Kernel::params`].
    pub params: &'a [Value],
    /// The kernel's event buffers, in the order of [`Kernel::events`].
    pub events: Vec<&'a mut Vec<u32>>,
    /// The clock.
    pub clock: Clock,
    /// The random seed of the network.
    pub seed: u64,
    /// Number of neurons of the group: a kernel over neurons runs for neurons `first..n`.
    pub n: usize,
    /// The first neuron a kernel over neurons runs for (0: the whole group). A process that owns a block
    /// of a group's neurons runs only that block; `i` and random draws keep the neurons' own numbers.
    pub first: usize,
}

struct Frame<'k> {
    kernel: &'k Kernel,
    values: Vec<Option<Value>>,
    keys: Vec<u64>,
    /// The first computed index found out of range.
    fault: Option<BindError>,
}

impl Frame<'_> {
    fn get(&self, v: ValueId) -> &Value {
        self.values[v.0 as usize]
            .as_ref()
            .expect("operands are defined before use (the verifier checks this)")
    }

    fn set(&mut self, v: Option<ValueId>, x: Value) {
        if let Some(v) = v {
            self.values[v.0 as usize] = Some(x);
        }
    }

    /// The element an access touches; `None` (and a fault) for a computed index out of range.
    fn element(
        &mut self,
        data: &ArrayData,
        a: ArrayId,
        i: Index,
        neuron: Option<usize>,
    ) -> Option<usize> {
        match i {
            Index::Neuron => Some(neuron.unwrap_or(0)),
            Index::Shared => Some(0),
            Index::At(v) => {
                let k = self.get(v).as_i64();
                if k >= 0 && (k as usize) < data.len() {
                    Some(k as usize)
                } else {
                    if self.fault.is_none() {
                        self.fault = Some(BindError::IndexOutOfRange {
                            kernel: self.kernel.name.clone(),
                            array: self.kernel.arrays[a.0 as usize].name.clone(),
                            index: k,
                            len: data.len(),
                        });
                    }
                    None
                }
            }
        }
    }

    fn run(
        &mut self,
        b: &Block,
        bind: &mut Option<&mut Bindings<'_>>,
        neuron: Option<usize>,
        params: &[Value],
        dt: f64,
    ) {
        for inst in &b.insts {
            let r = inst.result;
            match &inst.op {
                Op::Const(c) => self.set(r, Value::of_const(*c)),
                Op::Param(p) => self.set(r, params[p.0 as usize].cast(inst.ty)),
                Op::Time => {
                    let t = bind.as_ref().map_or(0.0, |b| b.clock.t);
                    self.set(r, Value::F64(t))
                }
                Op::Dt => self.set(r, Value::F64(dt)),
                Op::Step => {
                    let s = bind.as_ref().map_or(0, |b| b.clock.step);
                    self.set(r, Value::I64(s))
                }
                Op::NeuronIndex => self.set(r, Value::I64(neuron.unwrap_or(0) as i64)),
                Op::Load(a, i) => {
                    let b = bind.as_mut().expect("arrays are bound outside setup");
                    let x = match self.element(b.arrays[a.0 as usize], *a, *i, neuron) {
                        Some(k) => b.arrays[a.0 as usize].get(k),
                        None => Value::F64(0.0).cast(inst.ty),
                    };
                    self.set(r, x);
                }
                Op::Store(a, i, x) => {
                    let x = self.get(*x).clone();
                    let b = bind.as_mut().expect("arrays are bound outside setup");
                    if let Some(k) = self.element(b.arrays[a.0 as usize], *a, *i, neuron) {
                        b.arrays[a.0 as usize].set(k, &x);
                    }
                }
                Op::Unary(UnOp::Neg, x) => {
                    let v = match self.get(*x) {
                        Value::F64(v) => Value::F64(-v),
                        Value::F32(v) => Value::F32(-v),
                        Value::I64(v) => Value::I64(v.wrapping_neg()),
                        Value::I32(v) => Value::I32(v.wrapping_neg()),
                        other => other.clone(),
                    };
                    self.set(r, v)
                }
                Op::Unary(UnOp::Not, x) => {
                    let v = Value::Bool(!self.get(*x).as_bool());
                    self.set(r, v)
                }
                Op::Binary(op, a, b) => {
                    let v = binary(*op, self.get(*a), self.get(*b));
                    self.set(r, v)
                }
                Op::Cmp(op, a, b) => {
                    let v = Value::Bool(compare(*op, self.get(*a), self.get(*b)));
                    self.set(r, v)
                }
                Op::Select(c, a, b) => {
                    let v = if self.get(*c).as_bool() {
                        self.get(*a)
                    } else {
                        self.get(*b)
                    }
                    .clone();
                    self.set(r, v)
                }
                Op::Cast(x) => {
                    let v = self.get(*x).cast(inst.ty);
                    self.set(r, v)
                }
                Op::Call(f, args) => {
                    let xs: Vec<Value> = args.iter().map(|a| self.get(*a).clone()).collect();
                    self.set(r, call(*f, &xs))
                }
                Op::Random {
                    normal,
                    stream,
                    draw,
                } => {
                    let (step, _) = bind.as_ref().map_or((0, 0), |b| (b.clock.step, 0));
                    let who = neuron.map_or(random::SCALAR_NEURON, |n| n as u64);
                    let bits = random::bits(self.keys[*stream as usize], step as u64, who, *draw);
                    let x = if *normal {
                        random::normal(bits)
                    } else {
                        random::uniform(bits)
                    };
                    self.set(r, Value::F64(x))
                }
                Op::Binomial { n, p, stream, draw } => {
                    let (step, _) = bind.as_ref().map_or((0, 0), |b| (b.clock.step, 0));
                    let who = neuron.map_or(random::SCALAR_NEURON, |n| n as u64);
                    let bits = random::bits(self.keys[*stream as usize], step as u64, who, *draw);
                    let x = random::Binomial::new(*n, *p).sample(bits);
                    self.set(r, Value::F64(x))
                }
                Op::Expm { n, entries } => {
                    let m: Vec<f64> = entries.iter().map(|e| self.get(*e).as_f64()).collect();
                    let out = crate::expm::expm_with_integral(*n as usize, &m);
                    self.set(r, Value::List(out.into()))
                }
                Op::Extract(x, k) => {
                    let v = match self.get(*x) {
                        Value::List(l) => l[*k as usize],
                        _ => f64::NAN,
                    };
                    self.set(r, Value::F64(v))
                }
                Op::Emit(e, c) => {
                    if self.get(*c).as_bool() {
                        let b = bind.as_mut().expect("events are bound");
                        b.events[e.0 as usize].push(neuron.unwrap_or(0) as u32);
                    }
                }
                Op::If(c, body) => {
                    if self.get(*c).as_bool() {
                        self.run(body, bind, neuron, params, dt);
                    }
                }
            }
        }
    }
}

/// Why a call of a kernel failed: bindings that do not match the kernel, or an index the kernel
/// computed out of range (the access skipped, everything else done).
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum BindError {
    /// The bindings do not have the kernel's number of arrays, event buffers or parameters.
    #[error("kernel `{kernel}`: wrong number of {what} ({found} bound, {expected} declared)")]
    Count {
        /// The kernel.
        kernel: String,
        /// What was counted: `arrays`, `event buffers` or `parameters`.
        what: &'static str,
        /// How many the kernel declares.
        expected: usize,
        /// How many were bound.
        found: usize,
    },
    /// An array is bound to data of another type, or to too few elements.
    #[error("kernel `{kernel}`: array `{array}` is bound to {ty:?}[{len}]")]
    Array {
        /// The kernel.
        kernel: String,
        /// The array.
        array: String,
        /// The type of the data bound to it.
        ty: Type,
        /// Its number of elements.
        len: usize,
    },
    /// An element of the event buffer a kernel runs over is not a neuron of the group.
    #[error("kernel `{kernel}`: event index {index} is out of range ({n} neurons)")]
    EventIndex {
        /// The kernel.
        kernel: String,
        /// The index.
        index: u32,
        /// The group's size.
        n: usize,
    },
    /// An index the kernel computed was out of range of its array (the first such; those accesses were
    /// skipped).
    #[error("kernel `{kernel}`: index {index} out of range for `{array}` ({len} elements)")]
    IndexOutOfRange {
        /// The kernel.
        kernel: String,
        /// The array.
        array: String,
        /// The index.
        index: i64,
        /// The array's length.
        len: usize,
    },
    /// Indices the kernel computed were out of range (compiled code does not say which; those
    /// accesses were skipped).
    #[error(
        "kernel `{kernel}`: an index computed by the kernel was out of range (those accesses were skipped)"
    )]
    Fault {
        /// The kernel.
        kernel: String,
    },
    /// The first neuron of the call is past the group's end.
    #[error("kernel `{kernel}`: called from neuron {first} of {n}")]
    First {
        /// The kernel.
        kernel: String,
        /// The first neuron asked for.
        first: usize,
        /// The group's size.
        n: usize,
    },
    /// The kernel was called before a backend prepared it.
    #[error("kernel `{kernel}`: called before it was compiled")]
    NotCompiled {
        /// The kernel.
        kernel: String,
    },
}

impl BindError {
    /// The kernel whose call failed.
    pub fn kernel(&self) -> &str {
        match self {
            BindError::Count { kernel, .. }
            | BindError::Array { kernel, .. }
            | BindError::EventIndex { kernel, .. }
            | BindError::IndexOutOfRange { kernel, .. }
            | BindError::Fault { kernel }
            | BindError::First { kernel, .. }
            | BindError::NotCompiled { kernel } => kernel,
        }
    }

    /// Whether the call ran, with accesses at computed indices out of range skipped.
    pub fn is_fault(&self) -> bool {
        matches!(
            self,
            BindError::IndexOutOfRange { .. } | BindError::Fault { .. }
        )
    }
}

/// Checks bindings against the kernel's declarations: as many arrays, event buffers and parameters,
/// arrays of the declared types with enough elements for `n` neurons, `first` at most `n`, and (for a
/// kernel over events) event indices below `n`.
pub fn check_bindings(kernel: &Kernel, bind: &Bindings<'_>) -> Result<(), BindError> {
    if bind.first > bind.n {
        return Err(BindError::First {
            kernel: kernel.name.clone(),
            first: bind.first,
            n: bind.n,
        });
    }
    for (what, expected, found) in [
        ("arrays", kernel.arrays.len(), bind.arrays.len()),
        ("event buffers", kernel.events.len(), bind.events.len()),
        ("parameters", kernel.params.len(), bind.params.len()),
    ] {
        if expected != found {
            return Err(BindError::Count {
                kernel: kernel.name.clone(),
                what,
                expected,
                found,
            });
        }
    }
    for (decl, data) in kernel.arrays.iter().zip(&bind.arrays) {
        let len = match decl.extent {
            Extent::PerNeuron => bind.n,
            Extent::Shared => 1,
            Extent::Indexed => 0,
        };
        if data.ty() != decl.ty || data.len() < len {
            return Err(BindError::Array {
                kernel: kernel.name.clone(),
                array: decl.name.clone(),
                ty: data.ty(),
                len: data.len(),
            });
        }
    }
    if let Domain::Events(e) = kernel.domain
        && let Some(&index) = bind.events[e.0 as usize]
            .iter()
            .find(|&&i| i as usize >= bind.n)
    {
        return Err(BindError::EventIndex {
            kernel: kernel.name.clone(),
            index,
            n: bind.n,
        });
    }
    Ok(())
}

/// Runs a kernel's setup block (when a run starts): `params` in the order of [`Kernel::params`].
pub fn run_setup(kernel: &Kernel, params: &[Value], dt: f64) -> SetupValues {
    let mut frame = Frame {
        kernel,
        values: vec![None; kernel.num_values as usize],
        keys: vec![0; kernel.streams.len()],
        fault: None,
    };
    frame.run(&kernel.setup, &mut None, None, params, dt);
    let _ = frame.kernel;
    SetupValues {
        values: frame.values,
    }
}

/// Runs a kernel's scalar block once and its vector block for every neuron (or event index).
pub fn run(kernel: &Kernel, setup: &SetupValues, bind: &mut Bindings<'_>) -> Result<(), BindError> {
    check_bindings(kernel, bind)?;
    let mut values = setup.values.clone();
    values.resize(kernel.num_values as usize, None);
    let mut frame = Frame {
        kernel,
        values,
        keys: kernel
            .streams
            .iter()
            .map(|s| random::key(bind.seed, *s))
            .collect(),
        fault: None,
    };
    let params = bind.params;
    let dt = bind.clock.dt;
    let mut b = Some(&mut *bind);
    frame.run(&kernel.scalar, &mut b, None, params, dt);
    match kernel.domain {
        Domain::Neurons => {
            let (first, n) = b.as_ref().map_or((0, 0), |b| (b.first, b.n));
            for i in first..n {
                frame.run(&kernel.vector, &mut b, Some(i), params, dt);
            }
        }
        Domain::Events(e) => {
            let indices: Vec<u32> = b
                .as_ref()
                .map_or(Vec::new(), |b| b.events[e.0 as usize].clone());
            for i in indices {
                frame.run(&kernel.vector, &mut b, Some(i as usize), params, dt);
            }
        }
    }
    match frame.fault {
        Some(fault) => Err(fault),
        None => Ok(()),
    }
}

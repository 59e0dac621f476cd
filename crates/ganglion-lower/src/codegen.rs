//! Lowering checked expressions and statements to IR, with Brian2's semantics: state variables are
//! loaded once and kept until written; subexpressions are inlined where read and recomputed after a
//! write to anything they depend on; Python's `/`, `//`, `%` and integer/boolean arithmetic.

use std::collections::{HashMap, HashSet};

use ganglion_ir::{
    BinOp as IrBin, Builder, Builtin, CmpOp as IrCmp, Const, Extent, Index, Op, Type, UnOp, ValueId,
};
use ganglion_model::{NeuronGroupModel, Special, TExpr, TKind, TimedArrayInfo, ValueType};
use ganglion_syntax::ast::{BinOp, CmpOp, LogicalOp, UnaryOp};

/// The runtime group holding every timed array's values: the kernel array `_timedarray.NAME` is its
/// array `NAME` (row-major for a 2-D array, one row per time step).
pub const TIMED_ARRAY_GROUP: &str = "_timedarray";

/// How a variable is stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StorageInfo {
    /// Element type in memory.
    pub ty: Type,
    /// Per neuron or shared.
    pub extent: Extent,
    /// Its type in the model.
    pub value_type: ValueType,
    /// The kernel array's name when it is not the variable's (`P.v` for `v_post` in synapses).
    pub array: Option<String>,
    /// For a variable of a synapse's pre- or postsynaptic group: which one (the element is the synapse's
    /// neuron there).
    pub via: Option<Via>,
    /// Whether writes leave refractory neurons alone (a differential equation flagged
    /// `(unless refractory)`): Brian2 makes such writes conditional on `not_refractory`, in the group's
    /// own state update and in synaptic code alike.
    pub unless_refractory: bool,
}

impl StorageInfo {
    /// A variable of the group itself, stored under its own name.
    pub fn own(ty: Type, extent: Extent, value_type: ValueType) -> StorageInfo {
        StorageInfo {
            ty,
            extent,
            value_type,
            array: None,
            via: None,
            unless_refractory: false,
        }
    }
}

/// The side of a synapse through which a variable of another group is reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Via {
    /// The presynaptic neuron (`x_pre`).
    Pre,
    /// The postsynaptic neuron (`x_post`, or `x`).
    Post,
}

impl Via {
    /// The name synaptic code gives a variable of the group on this side (`v_pre`, `v_post`).
    pub fn name(self, variable: &str) -> String {
        match self {
            Via::Pre => format!("{variable}_pre"),
            Via::Post => format!("{variable}_post"),
        }
    }

    /// The synaptic array holding each synapse's neuron on that side (an index into the whole group).
    pub fn index_array(self) -> &'static str {
        match self {
            Via::Pre => "_synaptic_pre",
            Via::Post => "_synaptic_post",
        }
    }
}

/// The storage of every variable of a group, by name.
pub type StorageMap = HashMap<String, StorageInfo>;

#[derive(Default)]
struct Scope {
    cache: HashMap<String, ValueId>,
    temps: HashMap<String, (ValueId, ValueType)>,
    written: HashSet<String>,
}

/// Lowers expressions of one group into a kernel under construction.
pub struct Codegen<'m> {
    /// The kernel builder.
    pub b: Builder,
    model: &'m NeuronGroupModel,
    storage: &'m StorageMap,
    float: Type,
    scopes: Vec<Scope>,
    draw: u32,
    /// For each subexpression, the stored variables it reads (directly or through other subexpressions).
    sub_deps: HashMap<String, HashSet<String>>,
    /// The time step the code integrates over, when it is not `dt` (event-driven synaptic equations
    /// integrate over `t - lastupdate`).
    pub dt_override: Option<ValueId>,
}

impl<'m> Codegen<'m> {
    /// Starts lowering into `b` for a group whose variables are stored as `storage`; floating-point
    /// arithmetic is done in `float` (`F64`, or `F32` for single-precision groups).
    pub fn new(
        b: Builder,
        model: &'m NeuronGroupModel,
        storage: &'m StorageMap,
        float: Type,
    ) -> Codegen<'m> {
        let mut sub_deps: HashMap<String, HashSet<String>> = HashMap::new();
        for s in &model.subexpressions {
            let mut deps = HashSet::new();
            for v in s.expr.variables() {
                if let Some(inner) = sub_deps.get(v) {
                    deps.extend(inner.iter().cloned());
                } else {
                    deps.insert(v.to_string());
                }
            }
            sub_deps.insert(s.name.clone(), deps);
        }
        Codegen {
            b,
            model,
            storage,
            float,
            scopes: vec![Scope::default()],
            draw: 0,
            sub_deps,
            dt_override: None,
        }
    }

    /// The time step (`dt`, or what replaces it).
    pub fn dt(&mut self) -> ValueId {
        match self.dt_override {
            Some(v) => v,
            None => self.b.value(Type::F64, Op::Dt),
        }
    }

    /// The IR type of a model type.
    pub fn ty(&self, t: ValueType) -> Type {
        match t {
            ValueType::Bool => Type::Bool,
            ValueType::Int => Type::I64,
            ValueType::Float => self.float,
        }
    }

    /// Converts `v` of type `from` to `to`.
    pub fn convert(&mut self, v: ValueId, from: Type, to: Type) -> ValueId {
        if from == to { v } else { self.b.cast(to, v) }
    }

    /// A floating-point constant in the arithmetic type.
    pub fn float_const(&mut self, x: f64) -> ValueId {
        match self.float {
            Type::F32 => self.b.constant(Const::F32(x as f32)),
            _ => self.b.constant(Const::F64(x)),
        }
    }

    /// Opens an `If` block.
    pub fn begin_if(&mut self, cond: ValueId) {
        self.b.begin_if(cond);
        self.scopes.push(Scope::default());
    }

    /// Closes an `If` block: values computed inside are forgotten, and so are cached values of
    /// variables written inside.
    pub fn end_if(&mut self) {
        self.b.end_if();
        let inner = self.scopes.pop().expect("a scope per open If");
        for name in &inner.written {
            self.forget(name);
        }
        if let Some(outer) = self.scopes.last_mut() {
            outer.written.extend(inner.written);
        }
    }

    /// Forgets cached values of `name` and of the subexpressions that depend on it, in every scope.
    fn forget(&mut self, name: &str) {
        let dependents: Vec<String> = self
            .sub_deps
            .iter()
            .filter(|(_, deps)| deps.contains(name))
            .map(|(s, _)| s.clone())
            .collect();
        for scope in &mut self.scopes {
            scope.cache.remove(name);
            for d in &dependents {
                scope.cache.remove(d);
            }
        }
    }

    fn cached(&self, name: &str) -> Option<ValueId> {
        self.scopes
            .iter()
            .rev()
            .find_map(|s| s.cache.get(name).copied())
    }

    fn temp(&self, name: &str) -> Option<(ValueId, ValueType)> {
        self.scopes
            .iter()
            .rev()
            .find_map(|s| s.temps.get(name).copied())
    }

    /// The value and type of a temporary, if one of that name is bound.
    pub fn temporary(&self, name: &str) -> Option<(ValueId, ValueType)> {
        self.temp(name)
    }

    /// Binds a temporary (an intermediate of a method, or a temporary of a code block).
    pub fn set_temp(&mut self, name: &str, value: ValueId, ty: ValueType) {
        self.scopes
            .last_mut()
            .expect("a scope")
            .temps
            .insert(name.to_string(), (value, ty));
    }

    /// The storage of a variable.
    pub fn storage(&self, name: &str) -> Option<StorageInfo> {
        self.storage.get(name).cloned()
    }

    fn array(&mut self, name: &str) -> (ganglion_ir::ArrayId, StorageInfo) {
        let info = self.storage[name].clone();
        let extent = match (info.via, info.extent) {
            (Some(_), Extent::PerNeuron) => Extent::Indexed,
            (_, e) => e,
        };
        let array = info.array.clone().unwrap_or_else(|| name.to_string());
        (self.b.kernel.array(&array, info.ty, extent), info)
    }

    /// The element of a variable the current neuron (or synapse) touches.
    fn index(&mut self, info: &StorageInfo) -> Index {
        match (info.via, info.extent) {
            (_, Extent::Shared) => Index::Shared,
            (Some(via), _) => Index::At(self.neuron_of(via)),
            _ => Index::Neuron,
        }
    }

    /// The index (`i64`) of the current synapse's neuron on one side, loaded once.
    pub fn neuron_of(&mut self, via: Via) -> ValueId {
        let name = via.index_array();
        if let Some(v) = self.cached(name) {
            return v;
        }
        let array = self.b.kernel.array(name, Type::I32, Extent::PerNeuron);
        let raw = self.b.value(Type::I32, Op::Load(array, Index::Neuron));
        let v = self.b.cast(Type::I64, raw);
        self.scopes
            .last_mut()
            .expect("a scope")
            .cache
            .insert(name.to_string(), v);
        v
    }

    /// The current value of a stored variable (loaded once, then kept until written), in its model type.
    pub fn load(&mut self, name: &str) -> ValueId {
        let key = self.cache_key(name);
        if let Some(v) = self.cached(&key) {
            return v;
        }
        let (array, info) = self.array(name);
        let index = self.index(&info);
        let raw = self.b.value(info.ty, Op::Load(array, index));
        let want = self.ty(info.value_type);
        let v = self.convert(raw, info.ty, want);
        self.scopes
            .last_mut()
            .expect("a scope")
            .cache
            .insert(key, v);
        v
    }

    /// The name a variable's cached value is kept under: a variable of another group reached through a
    /// synapse has several names (`v_post`, `v`), one array and one element.
    fn cache_key(&self, name: &str) -> String {
        match self.storage.get(name) {
            Some(StorageInfo {
                via: Some(via),
                array: Some(array),
                ..
            }) => format!("{array}@{via:?}"),
            _ => name.to_string(),
        }
    }

    /// Stores `value` (of model type `ty`) into a variable; when `only_if` is given, the variable keeps
    /// its value where the condition is false (Brian2's conditional writes).
    pub fn store(&mut self, name: &str, value: ValueId, ty: ValueType, only_if: Option<ValueId>) {
        let (array, info) = self.array(name);
        let want = self.ty(info.value_type);
        let mut v = self.convert(value, self.ty(ty), want);
        if let Some(c) = only_if {
            let old = self.load(name);
            v = self.b.value(want, Op::Select(c, v, old));
        }
        let raw = self.convert(v, want, info.ty);
        let index = self.index(&info);
        self.b.effect(Op::Store(array, index, raw));
        let key = self.cache_key(name);
        self.forget(name);
        self.forget(&key);
        let scope = self.scopes.last_mut().expect("a scope");
        scope.cache.insert(key.clone(), v);
        scope.written.insert(name.to_string());
        scope.written.insert(key);
    }

    /// A name's current value in its model type: a temporary, a subexpression (inlined), or a variable.
    fn read(&mut self, name: &str, ty: ValueType) -> ValueId {
        if let Some((v, t)) = self.temp(name) {
            let (from, to) = (self.ty(t), self.ty(ty));
            return self.convert(v, from, to);
        }
        if self.storage.contains_key(name) {
            let v = self.load(name);
            let from = self.ty(self.storage[name].value_type);
            let to = self.ty(ty);
            return self.convert(v, from, to);
        }
        let Some(sub) = self.model.subexpression(name).cloned() else {
            panic!(
                "`{name}` is neither a temporary, a variable nor a subexpression (the checker resolves names)"
            )
        };
        let from = self.ty(sub.expr.ty);
        let v = match self.cached(name) {
            Some(v) => v,
            None => {
                let v = self.expr(&sub.expr);
                self.scopes
                    .last_mut()
                    .expect("a scope")
                    .cache
                    .insert(name.to_string(), v);
                v
            }
        };
        let want = self.ty(ty);
        self.convert(v, from, want)
    }

    fn next_draw(&mut self) -> u32 {
        self.draw += 1;
        self.draw - 1
    }

    /// A sample of the binomial distribution (`n` trials of probability `p`), drawn from the kernel's
    /// stream like `rand()` (one draw per neuron, or per call in scalar code), as an f64.
    pub fn binomial(&mut self, n: u64, p: f64) -> ValueId {
        let draw = self.next_draw();
        self.b.value(
            Type::F64,
            Op::Binomial {
                n,
                p,
                stream: 0,
                draw,
            },
        )
    }

    /// The value of a timed array (an f64) as Brian2's numpy implementation computes it: with the
    /// upsampling factor `K = max(2**ceil(log2(8/dt*dt_array)), 1)` of the kernel's clock `dt` and
    /// `eps = dt_array/K`, the row is `clip(int(round(t/eps)/K), 0, steps - 1)` (`round` to the nearest
    /// integer, ties to even), i.e. the row whose interval `[k*dt_array, (k+1)*dt_array)` holds `t`,
    /// robust to rounding, the first row before it and the last after it. A 2-D array takes the column
    /// `index` and gives NaN for a column out of range (Brian2's compiled targets; its numpy target
    /// raises an error there). Every index is computed in range, so the load never faults.
    fn timed_array(&mut self, name: &str, info: &TimedArrayInfo, args: &[TExpr]) -> ValueId {
        let f = Type::F64;
        // K and eps depend only on dt: the passes hoist them into the setup block. (`log(x)/log(2)` may
        // differ from numpy's `log2` by an ulp; it can change K only where 8*dt_array/dt is within ulps
        // of a power of two, and there either K gives the same rows: t/eps is an integer then.)
        let dt = self.b.value(f, Op::Dt);
        let eight = self.b.f64(8.0);
        let x = self.b.binary(f, IrBin::Div, eight, dt);
        let table_dt = self.b.f64(info.dt);
        let x = self.b.binary(f, IrBin::Mul, x, table_dt);
        let log = self.b.call(f, Builtin::Log, vec![x]);
        let ln2 = self.b.f64(std::f64::consts::LN_2);
        let log2 = self.b.binary(f, IrBin::Div, log, ln2);
        let exponent = self.b.call(f, Builtin::Ceil, vec![log2]);
        let two = self.b.f64(2.0);
        let k = self.b.binary(f, IrBin::Pow, two, exponent);
        let one = self.b.f64(1.0);
        let below = self.b.cmp(IrCmp::Lt, k, one);
        let k = self.b.value(f, Op::Select(below, one, k));
        let eps = self.b.binary(f, IrBin::Div, table_dt, k);
        let t = match args[0].kind {
            TKind::Special(Special::T) => self.b.value(f, Op::Time),
            _ => self.expr_as(&args[0], f),
        };
        // round(t/eps), ties to even: adding and subtracting 2**52 rounds a number below 2**52 to an
        // integer in the current (nearest-even) rounding mode. Larger or negative values end up clipped
        // to the last or first row whatever this gives them.
        let q = self.b.binary(f, IrBin::Div, t, eps);
        let big = self.b.f64(4_503_599_627_370_496.0);
        let shifted = self.b.binary(f, IrBin::Add, q, big);
        let rounded = self.b.binary(f, IrBin::Sub, shifted, big);
        let scaled = self.b.binary(f, IrBin::Div, rounded, k);
        let step = self.b.cast(Type::I64, scaled);
        let zero = self.b.constant(Const::I64(0));
        let last = self.b.constant(Const::I64(info.steps as i64 - 1));
        let step = self
            .b
            .call(Type::I64, Builtin::Clip, vec![step, zero, last]);
        let array = self
            .b
            .kernel
            .array(&format!("{TIMED_ARRAY_GROUP}.{name}"), f, Extent::Indexed);
        let Some(columns) = info.columns else {
            return self.b.value(f, Op::Load(array, Index::At(step)));
        };
        let column = self.expr_as(&args[1], Type::I64);
        let cols = self.b.constant(Const::I64(columns as i64));
        let last_col = self.b.constant(Const::I64(columns as i64 - 1));
        let at_least = self.b.cmp(IrCmp::Ge, column, zero);
        let below = self.b.cmp(IrCmp::Lt, column, cols);
        let valid = self.b.binary(Type::Bool, IrBin::And, at_least, below);
        let clipped = self
            .b
            .call(Type::I64, Builtin::Clip, vec![column, zero, last_col]);
        let row = self.b.binary(Type::I64, IrBin::Mul, step, cols);
        let flat = self.b.binary(Type::I64, IrBin::Add, row, clipped);
        let v = self.b.value(f, Op::Load(array, Index::At(flat)));
        let nan = self.b.f64(f64::NAN);
        self.b.value(f, Op::Select(valid, v, nan))
    }

    /// Lowers an expression; the value has the IR type of `e.ty`.
    pub fn expr(&mut self, e: &TExpr) -> ValueId {
        ganglion_syntax::limits::with_stack(|| {
            let want = self.ty(e.ty);
            match &e.kind {
                TKind::Float(x) => self.float_const(*x),
                TKind::Int(x) => self.b.constant(Const::I64(*x)),
                TKind::Bool(x) => self.b.constant(Const::Bool(*x)),
                TKind::Constant { value, .. } => self.float_const(*value),
                TKind::External { name, .. } => self.external(name, e.ty, want),
                TKind::Var(name) => self.read(name, e.ty),
                TKind::Noise(name) => self.read(name, ValueType::Float),
                TKind::Special(s) => self.special(*s, want),
                TKind::Unary(UnaryOp::Not, a) => {
                    let x = self.expr_as(a, Type::Bool);
                    self.b.value(Type::Bool, Op::Unary(UnOp::Not, x))
                }
                TKind::Unary(op, a) => {
                    let x = self.expr_as(a, want);
                    match op {
                        UnaryOp::Neg => self.b.value(want, Op::Unary(UnOp::Neg, x)),
                        _ => x,
                    }
                }
                TKind::Binary(op, a, b) => self.binary(*op, a, b, want),
                TKind::Compare(op, a, b) => self.compare(*op, a, b),
                TKind::Logical(op, a, b) => {
                    let x = self.expr_as(a, Type::Bool);
                    let y = self.expr_as(b, Type::Bool);
                    let irop = match op {
                        LogicalOp::And => IrBin::And,
                        LogicalOp::Or => IrBin::Or,
                    };
                    self.b.binary(Type::Bool, irop, x, y)
                }
                TKind::TimedArray { name, info, args } => {
                    let v = self.timed_array(name, info, args);
                    self.convert(v, Type::F64, want)
                }
                TKind::Call(f, args) => self.call(*f, args, want),
            }
        })
    }

    /// Lowers an expression and converts its value to `to`.
    pub fn expr_as(&mut self, e: &TExpr, to: Type) -> ValueId {
        let v = self.expr(e);
        self.convert(v, self.ty(e.ty), to)
    }

    /// An external constant: a kernel parameter (read again at every run).
    fn external(&mut self, name: &str, ty: ValueType, want: Type) -> ValueId {
        let pty = match ty {
            ValueType::Float => Type::F64,
            ValueType::Int => Type::I64,
            ValueType::Bool => Type::Bool,
        };
        let p = self.b.kernel.param(name, pty);
        let v = self.b.value(pty, Op::Param(p));
        self.convert(v, pty, want)
    }

    /// A special symbol: `t`, `dt`, `i`, `N`, `t_in_timesteps`.
    fn special(&mut self, s: Special, want: Type) -> ValueId {
        match s {
            Special::T => {
                let v = self.b.value(Type::F64, Op::Time);
                self.convert(v, Type::F64, want)
            }
            Special::Dt => {
                let v = self.dt();
                self.convert(v, Type::F64, want)
            }
            Special::I => self.b.value(Type::I64, Op::NeuronIndex),
            Special::N => self.b.constant(Const::I64(self.model.n as i64)),
            Special::TInTimesteps => self.b.value(Type::I64, Op::Step),
        }
    }

    /// `a op b`: `/` and `**` in floating point, the rest in the result's type.
    fn binary(&mut self, op: BinOp, a: &TExpr, b: &TExpr, want: Type) -> ValueId {
        let operand_ty = match op {
            BinOp::Div | BinOp::Pow => self.float,
            _ => want,
        };
        let x = self.expr_as(a, operand_ty);
        let y = self.expr_as(b, operand_ty);
        let irop = match op {
            BinOp::Add => IrBin::Add,
            BinOp::Sub => IrBin::Sub,
            BinOp::Mul => IrBin::Mul,
            BinOp::Div => IrBin::Div,
            BinOp::FloorDiv => IrBin::FloorDiv,
            BinOp::Mod => IrBin::Mod,
            BinOp::Pow => IrBin::Pow,
        };
        let r = self.b.binary(operand_ty, irop, x, y);
        self.convert(r, operand_ty, want)
    }

    /// `a op b` for a comparison, in the operands' common type.
    fn compare(&mut self, op: CmpOp, a: &TExpr, b: &TExpr) -> ValueId {
        let common = self.ty(a.ty.max(b.ty));
        let x = self.expr_as(a, common);
        let y = self.expr_as(b, common);
        let irop = match op {
            CmpOp::Eq => IrCmp::Eq,
            CmpOp::Ne => IrCmp::Ne,
            CmpOp::Lt => IrCmp::Lt,
            CmpOp::Le => IrCmp::Le,
            CmpOp::Gt => IrCmp::Gt,
            CmpOp::Ge => IrCmp::Ge,
        };
        self.b.cmp(irop, x, y)
    }

    /// A call of a built-in function: random draws from the kernel's stream, `int`, `timestep`, and the
    /// others in floating point (or in integers where the result is an integer).
    fn call(&mut self, f: Builtin, args: &[TExpr], want: Type) -> ValueId {
        match f {
            Builtin::Rand | Builtin::Randn => {
                let draw = self.next_draw();
                let v = self.b.value(
                    Type::F64,
                    Op::Random {
                        normal: f == Builtin::Randn,
                        stream: 0,
                        draw,
                    },
                );
                self.convert(v, Type::F64, want)
            }
            Builtin::Int => self.expr_as(&args[0], Type::I64),
            Builtin::Timestep => {
                let vals: Vec<ValueId> = args.iter().map(|a| self.expr_as(a, Type::F64)).collect();
                self.b.call(Type::I64, Builtin::Timestep, vals)
            }
            _ => {
                let arg_ty = if want == Type::I64 {
                    Type::I64
                } else {
                    self.float
                };
                let vals: Vec<ValueId> = args.iter().map(|a| self.expr_as(a, arg_ty)).collect();
                let r = self.b.call(arg_ty, f, vals);
                self.convert(r, arg_ty, want)
            }
        }
    }

    /// Lowers a block of checked statements. Writes to `(unless refractory)` variables keep their value
    /// while the neuron is refractory unless `unconditional` (the spike reset).
    pub fn statements(&mut self, statements: &[ganglion_model::TStatement], unconditional: bool) {
        for s in statements {
            let mut value = self.expr(&s.value);
            let mut vty = s.value.ty;
            if let Some(op) = s.op.binop() {
                // `x op= e` is `x = x op e`.
                let lhs = TExpr {
                    kind: TKind::Var(s.target.clone()),
                    ty: s.ty,
                    dim: s.value.dim,
                    span: s.span,
                };
                let combined = TExpr {
                    ty: combined_type(op, s.ty, s.value.ty),
                    kind: TKind::Binary(op, Box::new(lhs), Box::new(s.value.clone())),
                    dim: s.value.dim,
                    span: s.span,
                };
                value = self.expr(&combined);
                vty = combined.ty;
            }
            if s.new_temporary || self.temp(&s.target).is_some() {
                let target_ty = if s.new_temporary {
                    vty
                } else {
                    self.temp(&s.target).map_or(vty, |(_, t)| t)
                };
                let v = self.convert(value, self.ty(vty), self.ty(target_ty));
                self.set_temp(&s.target, v, target_ty);
                continue;
            }
            let cond = match self.storage(&s.target) {
                // Synaptic code writing a neuron's `(unless refractory)` variable: only while that
                // neuron is not refractory (Brian2's conditional write through the synapse's index).
                Some(StorageInfo {
                    via: Some(via),
                    unless_refractory: true,
                    ..
                }) => Some(self.load(&via.name("not_refractory"))),
                _ if !unconditional
                    && self
                        .model
                        .variable(&s.target)
                        .is_some_and(|v| v.unless_refractory) =>
                {
                    Some(self.load("not_refractory"))
                }
                _ => None,
            };
            self.store(&s.target, value, vty, cond);
        }
    }
}

/// The type of `a op b` by Python's rules (`/` and `**` give floats, booleans count as integers).
pub fn combined_type(op: BinOp, a: ValueType, b: ValueType) -> ValueType {
    match op {
        BinOp::Div | BinOp::Pow => ValueType::Float,
        _ => a.max(b).max(ValueType::Int),
    }
}

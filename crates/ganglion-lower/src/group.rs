//! The kernels of a NeuronGroup, one per scheduled object (Brian2's `StateUpdater`, `Thresholder`,
//! `Resetter`, `SubexpressionUpdater`).

use ganglion_ir::{
    BinOp as IrBin, Builder, Builtin, CmpOp as IrCmp, Const, Domain, Extent, Kernel, KernelKind,
    Level, Op, Type, ValueId,
};
use ganglion_model::symbolic::float;
use ganglion_model::{
    CodeBlock, NeuronGroupModel, Refractory, TExpr, ValueType, VariableKind, substituted,
};

use crate::codegen::{Codegen, StorageInfo, StorageMap};
use crate::methods::{self, ChoiceError, MethodChoice, Plan, System};
use crate::symbolic::{is_zero, simplify};

pub use ganglion_model::Dtypes;

/// How to lower a group.
#[derive(Clone, Debug, PartialEq)]
pub struct LowerOptions {
    /// The integration methods to try, in order (names or descriptions).
    pub methods: Vec<String>,
    /// Storage types.
    pub dtypes: Dtypes,
    /// The time step of the group's clock, when known: a timed array whose `dt` is a multiple of it is
    /// constant over a step, so `exact` can integrate equations that call it (Brian2's
    /// `is_locally_constant`).
    pub clock_dt: Option<f64>,
}

impl Default for LowerOptions {
    fn default() -> Self {
        LowerOptions {
            methods: methods::DEFAULT_METHODS
                .iter()
                .map(|s| s.to_string())
                .collect(),
            dtypes: Dtypes::default(),
            clock_dt: None,
        }
    }
}

/// The kernels of one group.
#[derive(Clone, Debug, PartialEq)]
pub struct GroupKernels {
    /// How every stored variable is stored, in the model's order.
    pub storage: Vec<(String, StorageInfo)>,
    /// The integration method chosen (absent without differential equations).
    pub method: Option<MethodChoice>,
    /// The state updater (slot `groups`).
    pub state_update: Option<Kernel>,
    /// One thresholder per event, `spike` first.
    pub thresholds: Vec<Kernel>,
    /// The code run on events (the reset is the one for `spike`).
    pub event_codes: Vec<Kernel>,
    /// The updater of `(constant over dt)` subexpressions (slot `before_start`).
    pub subexpression_update: Option<Kernel>,
}

/// Why a group could not be lowered.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum LowerError {
    /// No integration method applies, or one is invalid.
    #[error(transparent)]
    Method(#[from] ChoiceError),
}

/// The storage of every stored variable of a group.
pub fn storage_map(model: &NeuronGroupModel, dtypes: &Dtypes) -> StorageMap {
    let mut map = StorageMap::new();
    for v in &model.variables {
        let ty = match v.ty {
            ValueType::Bool => Type::Bool,
            ValueType::Int => Type::I32,
            ValueType::Float if dtypes.all_f32 || dtypes.f32_vars.contains(&v.name) => {
                if v.kind == VariableKind::LastSpike {
                    Type::F64 // lastspike has the dtype of t
                } else {
                    Type::F32
                }
            }
            ValueType::Float => Type::F64,
        };
        let extent = if v.shared {
            Extent::Shared
        } else {
            Extent::PerNeuron
        };
        let info = StorageInfo {
            unless_refractory: v.unless_refractory,
            ..StorageInfo::own(ty, extent, v.ty)
        };
        map.insert(v.name.clone(), info);
    }
    map
}

/// The arithmetic type of a group: single precision when every floating-point variable is stored so.
pub(crate) fn float_type(model: &NeuronGroupModel, storage: &StorageMap) -> Type {
    let floats: Vec<&StorageInfo> = model
        .variables
        .iter()
        .filter(|v| v.ty == ValueType::Float && v.kind != VariableKind::LastSpike)
        .map(|v| &storage[&v.name])
        .collect();
    if !floats.is_empty() && floats.iter().all(|s| s.ty == Type::F32) {
        Type::F32
    } else {
        Type::F64
    }
}

pub(crate) fn finish(cg: Codegen<'_>) -> Kernel {
    let mut k = cg.b.finish();
    ganglion_ir::passes::optimize(&mut k);
    k
}

/// Lowers a group's model to its kernels.
pub fn lower_group(
    model: &NeuronGroupModel,
    options: &LowerOptions,
) -> Result<GroupKernels, LowerError> {
    let storage = storage_map(model, &options.dtypes);
    let float = float_type(model, &storage);
    let (state_update, method) =
        if model.diff_eqs.is_empty() && model.refractory == Refractory::None {
            (None, None)
        } else {
            let (k, m) = state_updater(model, &storage, float, options)?;
            (Some(k), m)
        };
    let thresholds = model
        .events
        .iter()
        .map(|e| {
            let name = format!(
                "{}.{}",
                model.name,
                if e.name == "spike" {
                    "thresholder".to_string()
                } else {
                    format!("thresholder_{}", e.name)
                }
            );
            let mut cg = Codegen::new(
                Builder::new(Kernel::new(
                    name,
                    KernelKind::Threshold(e.name.clone()),
                    Domain::Neurons,
                )),
                model,
                &storage,
                float,
            );
            let event = cg.b.kernel.event(&e.name);
            let mut cond = cg.expr(&e.condition);
            let refractory = e.name == "spike" && model.has_refractoriness();
            if refractory {
                let nr = cg.load("not_refractory");
                cond = cg.b.binary(Type::Bool, IrBin::And, cond, nr);
            }
            cg.b.effect(Op::Emit(event, cond));
            if refractory {
                cg.begin_if(cond);
                let f = cg.b.constant(Const::Bool(false));
                cg.store("not_refractory", f, ValueType::Bool, None);
                let t = cg.b.value(Type::F64, Op::Time);
                cg.store("lastspike", t, ValueType::Float, None);
                cg.end_if();
            }
            finish(cg)
        })
        .collect();
    let event_codes = model
        .event_codes
        .iter()
        .map(|c| {
            let name = if c.event == "spike" {
                format!("{}.resetter", model.name)
            } else {
                format!("{}.resetter_{}", model.name, c.event)
            };
            let mut k = Kernel::new(name, KernelKind::Reset(c.event.clone()), Domain::Neurons);
            let e = k.event(&c.event);
            k.domain = Domain::Events(e);
            let mut cg = Codegen::new(Builder::new(k), model, &storage, float);
            // Code run on any event writes `(unless refractory)` variables unconditionally (Brian2's
            // `Resetter` overrides the conditional write for every event).
            cg.statements(&c.code.statements, true);
            finish(cg)
        })
        .collect();
    let subexpression_update = {
        let stored: Vec<_> = model
            .subexpressions
            .iter()
            .filter(|s| s.constant_over_dt)
            .collect();
        (!stored.is_empty()).then(|| {
            let name = format!("{}.subexpression_updater", model.name);
            let mut cg = Codegen::new(
                Builder::new(Kernel::new(
                    name,
                    KernelKind::SubexpressionUpdate,
                    Domain::Neurons,
                )),
                model,
                &storage,
                float,
            );
            for s in stored {
                if s.shared {
                    cg.b.set_level(Level::Scalar);
                }
                let v = cg.expr(&s.expr);
                cg.store(&s.name, v, s.expr.ty, None);
                cg.b.set_level(Level::Vector);
            }
            finish(cg)
        })
    };
    let mut ordered_storage: Vec<(String, StorageInfo)> = model
        .variables
        .iter()
        .map(|v| (v.name.clone(), storage[&v.name].clone()))
        .collect();
    ordered_storage.dedup_by(|a, b| a.0 == b.0);
    Ok(GroupKernels {
        storage: ordered_storage,
        method,
        state_update,
        thresholds,
        event_codes,
        subexpression_update,
    })
}

/// The system of differential equations, with subexpressions substituted; `zero_gated` replaces the
/// right-hand sides of `(unless refractory)` equations by 0 (the system a refractory neuron follows).
pub(crate) fn system(model: &NeuronGroupModel, zero_gated: bool) -> System {
    let vars = model.diff_eqs.iter().map(|d| d.var.clone()).collect();
    let rhs = model
        .diff_eqs
        .iter()
        .map(|d| {
            if zero_gated && d.unless_refractory && model.has_refractoriness() {
                float(0.0)
            } else {
                substituted(&d.rhs, &model.subexpressions)
            }
        })
        .collect();
    System::new(vars, rhs)
}

pub(crate) fn state_updater(
    model: &NeuronGroupModel,
    storage: &StorageMap,
    float: Type,
    options: &LowerOptions,
) -> Result<(Kernel, Option<MethodChoice>), LowerError> {
    let requested = &options.methods;
    let name = format!("{}.stateupdater", model.name);
    let mut cg = Codegen::new(
        Builder::new(Kernel::new(name, KernelKind::StateUpdate, Domain::Neurons)),
        model,
        storage,
        float,
    );
    // The refractoriness line comes first (Brian2's `_get_refractory_code`).
    match &model.refractory {
        Refractory::None => {}
        Refractory::Period(period) => {
            let t = cg.b.value(Type::F64, Op::Time);
            let last = cg.load("lastspike");
            let last = cg.convert(last, float, Type::F64);
            let since = cg.b.binary(Type::F64, IrBin::Sub, t, last);
            let dt = cg.b.value(Type::F64, Op::Dt);
            // Brian2: `timestep(t - lastspike, dt) >= timestep(period, dt)`. Since `timestep(x, dt) >= K`
            // exactly when `x >= K*dt - 1e-3*dt`, and `t - lastspike` is always a multiple of `dt` up to
            // rounding far below the 1e-3*dt margin, this is the same test without a division and a
            // conversion per neuron.
            let p = cg.expr_as(period, Type::F64);
            let steps = cg.b.call(Type::I64, Builtin::Timestep, vec![p, dt]);
            let steps = cg.b.cast(Type::F64, steps);
            let full = cg.b.binary(Type::F64, IrBin::Mul, steps, dt);
            let margin = cg.b.f64(1e-3);
            let margin = cg.b.binary(Type::F64, IrBin::Mul, margin, dt);
            let bound = cg.b.binary(Type::F64, IrBin::Sub, full, margin);
            let nr = cg.b.cmp(IrCmp::Ge, since, bound);
            cg.store("not_refractory", nr, ValueType::Bool, None);
        }
        Refractory::Condition(cond) => {
            let old = cg.load("not_refractory");
            let c = cg.expr(cond);
            let not_c = cg.b.value(Type::Bool, Op::Unary(ganglion_ir::UnOp::Not, c));
            let nr = cg.b.binary(Type::Bool, IrBin::Or, old, not_c);
            cg.store("not_refractory", nr, ValueType::Bool, None);
        }
    }
    if model.diff_eqs.is_empty() {
        return Ok((finish(cg), None));
    }
    let active = system(model, false).with_clock_dt(options.clock_dt);
    let (method, plan, choice) = methods::choose(requested, &active)?;
    let gated = model.has_refractoriness() && model.diff_eqs.iter().any(|d| d.unless_refractory);
    // One noise draw per symbol per neuron and step: xi = sqrt(dt)*randn().
    for xi in &active.noise {
        let dt = cg.b.value(Type::F64, Op::Dt);
        let sqrt_dt = cg.b.call(Type::F64, Builtin::Sqrt, vec![dt]);
        let draw = cg.expr(&TExpr {
            kind: ganglion_model::TKind::Call(Builtin::Randn, vec![]),
            ty: ValueType::Float,
            dim: ganglion_units::Dimension::DIMENSIONLESS,
            span: Default::default(),
        });
        let draw = cg.convert(draw, float, Type::F64);
        let v = cg.b.binary(Type::F64, IrBin::Mul, sqrt_dt, draw);
        let v = cg.convert(v, Type::F64, float);
        cg.set_temp(xi, v, ValueType::Float);
    }
    let new_active = lower_plan(&mut cg, &plan, &active, float);
    let new_refractory = if gated {
        let resting = system(model, true).with_clock_dt(options.clock_dt);
        let plan0 = methods::apply(&method, &resting).unwrap_or(plan.clone());
        Some(lower_plan(&mut cg, &plan0, &resting, float))
    } else {
        None
    };
    let nr = gated.then(|| cg.load("not_refractory"));
    let affected = affected_by_refractoriness(model, &active);
    for (k, var) in active.vars.iter().enumerate() {
        let mut v = new_active[k];
        if let (Some(nr), Some(rest)) = (nr, &new_refractory)
            && affected[k]
        {
            v = cg.b.value(float, Op::Select(nr, v, rest[k]));
        }
        cg.store(var, v, ValueType::Float, None);
    }
    Ok((finish(cg), Some(choice)))
}

/// Which variables follow different dynamics while the neuron is refractory: the `(unless refractory)`
/// ones, and those whose equations read them (directly or through others).
fn affected_by_refractoriness(model: &NeuronGroupModel, system: &System) -> Vec<bool> {
    let n = system.vars.len();
    let mut affected: Vec<bool> = model.diff_eqs.iter().map(|d| d.unless_refractory).collect();
    loop {
        let mut changed = false;
        for i in 0..n {
            if affected[i] {
                continue;
            }
            let reads_affected = (0..n).any(|j| {
                affected[j] && crate::symbolic::depends_on(&system.rhs[i], &system.vars[j])
            });
            if reads_affected {
                affected[i] = true;
                changed = true;
            }
        }
        if !changed {
            return affected;
        }
    }
}

/// Lowers a plan; returns the new value of each variable (nothing is stored yet).
pub(crate) fn lower_plan(
    cg: &mut Codegen<'_>,
    plan: &Plan,
    system: &System,
    float: Type,
) -> Vec<ValueId> {
    match plan {
        Plan::Explicit { temps, finals } => {
            for (name, e) in temps {
                let v = cg.expr(e);
                cg.set_temp(name, v, e.ty);
            }
            finals.iter().map(|e| cg.expr_as(e, float)).collect()
        }
        Plan::Linear { m, b } => lower_linear(cg, m, b, &system.vars, float),
    }
}

/// The groups of variables that no coefficient couples (connected through `m`'s non-zero entries),
/// each sorted, in order of their first variable.
fn independent_blocks(m: &[Vec<TExpr>]) -> Vec<Vec<usize>> {
    let n = m.len();
    let mut block: Vec<usize> = (0..n).collect();
    fn root(block: &mut [usize], mut i: usize) -> usize {
        while block[i] != i {
            block[i] = block[block[i]];
            i = block[i];
        }
        i
    }
    for (i, row) in m.iter().enumerate() {
        for (j, c) in row.iter().enumerate() {
            if i != j && !is_zero(&simplify(c)) {
                let (a, b) = (root(&mut block, i), root(&mut block, j));
                block[a.max(b)] = a.min(b);
            }
        }
    }
    let mut out: Vec<Vec<usize>> = Vec::new();
    let mut index_of: Vec<Option<usize>> = vec![None; n];
    for i in 0..n {
        let r = root(&mut block, i);
        match index_of[r] {
            Some(k) => out[k].push(i),
            None => {
                index_of[r] = Some(out.len());
                out.push(vec![i]);
            }
        }
    }
    out
}

/// `dX/dt = M X + B` for the variables `vars`, integrated exactly over `dt`:
/// `X_new = exp(M dt) X + (∫₀^dt exp(M s) ds) B`, skipping structural zeros. Blocks that no coefficient
/// couples are integrated separately, so that a decoupled variable gets the scalar closed form rather
/// than a matrix exponential (which, where `dt` differs between elements, as for event-driven synaptic
/// variables, is computed for each of them).
fn lower_linear(
    cg: &mut Codegen<'_>,
    m: &[Vec<TExpr>],
    b: &[TExpr],
    vars: &[String],
    float: Type,
) -> Vec<ValueId> {
    let n = vars.len();
    if n > 1 {
        let blocks = independent_blocks(m);
        if blocks.len() > 1 {
            return lower_linear_blocks(cg, &blocks, m, b, vars, float);
        }
    }
    let old: Vec<ValueId> = vars
        .iter()
        .map(|v| {
            let x = cg.load(v);
            cg.convert(x, float, Type::F64)
        })
        .collect();
    let dt = cg.dt();
    if n == 1 {
        let new = lower_linear_scalar(cg, &m[0][0], &b[0], old[0], dt);
        return vec![cg.convert(new, Type::F64, float)];
    }
    lower_linear_matrix(cg, m, b, &old, dt, float)
}

/// Integrates each of `blocks` (groups of variables that no coefficient couples) on its own; the new
/// values in the order of `vars`.
fn lower_linear_blocks(
    cg: &mut Codegen<'_>,
    blocks: &[Vec<usize>],
    m: &[Vec<TExpr>],
    b: &[TExpr],
    vars: &[String],
    float: Type,
) -> Vec<ValueId> {
    let mut out: Vec<Option<ValueId>> = vec![None; vars.len()];
    for block in blocks {
        let sub_m: Vec<Vec<TExpr>> = block
            .iter()
            .map(|&i| block.iter().map(|&j| m[i][j].clone()).collect())
            .collect();
        let sub_b: Vec<TExpr> = block.iter().map(|&i| b[i].clone()).collect();
        let sub_vars: Vec<String> = block.iter().map(|&i| vars[i].clone()).collect();
        let values = lower_linear(cg, &sub_m, &sub_b, &sub_vars, float);
        for (&i, v) in block.iter().zip(values) {
            out[i] = Some(v);
        }
    }
    out.into_iter()
        .map(|v| v.expect("every variable is in one block"))
        .collect()
}

/// Whether row `i` of `m` has only zeros.
fn zero_row(m: &[Vec<TExpr>], i: usize) -> bool {
    m[i].iter().all(|e| is_zero(&simplify(e)))
}

/// `x + b dt` (f64).
fn add_drift(cg: &mut Codegen<'_>, x: ValueId, b: ValueId, dt: ValueId) -> ValueId {
    let inc = cg.b.binary(Type::F64, IrBin::Mul, b, dt);
    cg.b.binary(Type::F64, IrBin::Add, x, inc)
}

/// One variable, `dx/dt = a x + b`, from `x` (f64) over `dt`: `x + b dt` when `a` is zero, else the
/// closed form `x e^{a dt} + b dt exprel(a dt)`, or `x e^{a dt} + (b/a)(e^{a dt} - 1)` when `b/a`
/// simplifies without a division.
fn lower_linear_scalar(
    cg: &mut Codegen<'_>,
    a: &TExpr,
    b: &TExpr,
    x: ValueId,
    dt: ValueId,
) -> ValueId {
    if is_zero(&simplify(a)) {
        if is_zero(b) {
            return x;
        }
        let bv = cg.expr_as(b, Type::F64);
        return add_drift(cg, x, bv, dt);
    }
    let av = cg.expr_as(a, Type::F64);
    let adt = cg.b.binary(Type::F64, IrBin::Mul, av, dt);
    let e = cg.b.call(Type::F64, Builtin::Exp, vec![adt]);
    let decayed = cg.b.binary(Type::F64, IrBin::Mul, x, e);
    let (k, ratio) = crate::symbolic::cancel_ratio(b, a);
    if is_zero(b) {
        decayed
    } else if ratio
        .as_ref()
        .is_none_or(|r| !crate::symbolic::has_division(r))
    {
        // x e^{a dt} + (b/a)(e^{a dt} - 1), with b/a simplified: for (I - v)/tau it is -I, so
        // the update is two multiplications and an addition per neuron (as Brian2's `exact`).
        let one = cg.b.f64(1.0);
        let em1 = cg.b.binary(Type::F64, IrBin::Sub, e, one);
        let kv = cg.b.f64(k);
        let scale = cg.b.binary(Type::F64, IrBin::Mul, kv, em1);
        let forced = match &ratio {
            Some(r) => {
                let rv = cg.expr_as(r, Type::F64);
                cg.b.binary(Type::F64, IrBin::Mul, rv, scale)
            }
            None => scale,
        };
        cg.b.binary(Type::F64, IrBin::Add, decayed, forced)
    } else {
        let bv = cg.expr_as(b, Type::F64);
        let rel = cg.b.call(Type::F64, Builtin::Exprel, vec![adt]);
        let scale = cg.b.binary(Type::F64, IrBin::Mul, dt, rel);
        let forced = cg.b.binary(Type::F64, IrBin::Mul, bv, scale);
        cg.b.binary(Type::F64, IrBin::Add, decayed, forced)
    }
}

/// Several coupled variables from `old` (f64) over `dt`: the matrix exponential of `M dt` and its
/// integral (`Op::Expm`; in setup code when `M` is the same for all neurons), applied to `X` and `B`
/// where `exp(M dt)` can be non-zero. The new values are of type `float`.
fn lower_linear_matrix(
    cg: &mut Codegen<'_>,
    m: &[Vec<TExpr>],
    b: &[TExpr],
    old: &[ValueId],
    dt: ValueId,
    float: Type,
) -> Vec<ValueId> {
    let n = old.len();
    let reach = reachable(m);
    let mut entries = Vec::with_capacity(n * n);
    for row in m {
        for e in row {
            let v = cg.expr_as(e, Type::F64);
            entries.push(cg.b.binary(Type::F64, IrBin::Mul, v, dt));
        }
    }
    let list = cg.b.value(
        Type::F64List(2 * (n * n) as u32),
        Op::Expm {
            n: n as u32,
            entries,
        },
    );
    let bvals: Vec<Option<ValueId>> = b
        .iter()
        .map(|e| (!is_zero(e)).then(|| cg.expr_as(e, Type::F64)))
        .collect();
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        if zero_row(m, i) {
            let new = match bvals[i] {
                None => old[i],
                Some(bv) => add_drift(cg, old[i], bv, dt),
            };
            out.push(cg.convert(new, Type::F64, float));
            continue;
        }
        let mut acc: Option<ValueId> = None;
        let mut add = |cg: &mut Codegen<'_>, term: ValueId| {
            acc = Some(match acc {
                None => term,
                Some(s) => cg.b.binary(Type::F64, IrBin::Add, s, term),
            });
        };
        for j in 0..n {
            if !reach[i][j] {
                continue;
            }
            let a = cg.b.value(Type::F64, Op::Extract(list, (i * n + j) as u32));
            let term = cg.b.binary(Type::F64, IrBin::Mul, a, old[j]);
            add(cg, term);
            if let Some(bv) = bvals[j] {
                let p =
                    cg.b.value(Type::F64, Op::Extract(list, (n * n + i * n + j) as u32));
                let p = cg.b.binary(Type::F64, IrBin::Mul, p, dt);
                let pb = cg.b.binary(Type::F64, IrBin::Mul, p, bv);
                add(cg, pb);
            }
        }
        let new = acc.unwrap_or(old[i]);
        out.push(cg.convert(new, Type::F64, float));
    }
    out
}

/// Which entries of `exp(M dt)` can be non-zero: `[i][j]` when `i` is reachable from `j` through
/// `M`'s non-zero entries.
fn reachable(m: &[Vec<TExpr>]) -> Vec<Vec<bool>> {
    let n = m.len();
    let mut reach = vec![vec![false; n]; n];
    for i in 0..n {
        reach[i][i] = true;
        for j in 0..n {
            reach[i][j] |= !is_zero(&simplify(&m[i][j]));
        }
    }
    for k in 0..n {
        for i in 0..n {
            for j in 0..n {
                if reach[i][k] && reach[k][j] {
                    reach[i][j] = true;
                }
            }
        }
    }
    reach
}

/// Lowers code run on an event into `kernel` (whose domain is the event's buffer); writes are
/// unconditional for the spike reset, conditional on `not_refractory` otherwise.
pub fn lower_event_code(
    model: &NeuronGroupModel,
    storage: &StorageMap,
    code: &CodeBlock,
    kernel: Kernel,
    unconditional: bool,
) -> Kernel {
    let float = float_type(model, storage);
    let mut cg = Codegen::new(Builder::new(kernel), model, storage, float);
    cg.statements(&code.statements, unconditional);
    finish(cg)
}

/// A kernel running checked statements over all neurons (`run_regularly`): shared assignments in scalar
/// code, the rest per neuron; writes to `(unless refractory)` variables are conditional.
pub fn lower_code(
    model: &NeuronGroupModel,
    storage: &StorageMap,
    code: &CodeBlock,
    name: &str,
) -> Kernel {
    let float = float_type(model, storage);
    let mut cg = Codegen::new(
        Builder::new(Kernel::new(name, KernelKind::RunRegularly, Domain::Neurons)),
        model,
        storage,
        float,
    );
    let (shared, vector): (Vec<_>, Vec<_>) =
        code.statements.iter().cloned().partition(|s| s.shared);
    cg.b.set_level(Level::Scalar);
    cg.statements(&shared, false);
    cg.b.set_level(Level::Vector);
    cg.statements(&vector, false);
    finish(cg)
}

/// The kernel of a Poisson input (Brian2's `PoissonInput`): every neuron of `range` (the whole group when
/// `None`) draws its number of input spikes from the binomial distribution of `n` trials of probability
/// `p` (= rate·dt) and runs `var += count*(weight)`, Brian2's code for it. As in every Brian2 code
/// block, the write to an `(unless refractory)` variable is skipped while the neuron is refractory.
#[allow(clippy::too_many_arguments)]
pub fn lower_poisson_input(
    model: &NeuronGroupModel,
    storage: &StorageMap,
    name: &str,
    var: &str,
    n: u64,
    p: f64,
    weight: &TExpr,
    range: Option<(usize, usize)>,
) -> Kernel {
    let float = float_type(model, storage);
    let mut cg = Codegen::new(
        Builder::new(Kernel::new(
            name,
            KernelKind::PoissonInput(var.to_string()),
            Domain::Neurons,
        )),
        model,
        storage,
        float,
    );
    let inside = range.map(|(start, stop)| {
        let i = cg.b.value(Type::I64, Op::NeuronIndex);
        let lo = cg.b.constant(Const::I64(start as i64));
        let hi = cg.b.constant(Const::I64(stop as i64));
        let above = cg.b.cmp(IrCmp::Ge, i, lo);
        let below = cg.b.cmp(IrCmp::Lt, i, hi);
        cg.b.binary(Type::Bool, IrBin::And, above, below)
    });
    if let Some(c) = inside {
        cg.begin_if(c);
    }
    let count = cg.binomial(n, p);
    let count = cg.convert(count, Type::F64, float);
    const COUNT: &str = "_poisson_input_count";
    cg.set_temp(COUNT, count, ValueType::Float);
    let count_expr = TExpr {
        kind: ganglion_model::TKind::Var(COUNT.into()),
        ty: ValueType::Float,
        dim: ganglion_units::Dimension::DIMENSIONLESS,
        span: weight.span,
    };
    let ty = model.variable(var).map_or(ValueType::Float, |v| v.ty);
    let statement = ganglion_model::TStatement {
        target: var.to_string(),
        op: ganglion_syntax::ast::AssignOp::Add,
        value: ganglion_model::symbolic::mul(count_expr, weight.clone()),
        new_temporary: false,
        ty,
        shared: false,
        span: weight.span,
    };
    cg.statements(&[statement], false);
    if inside.is_some() {
        cg.end_if();
    }
    finish(cg)
}

/// A kernel setting `var = value` for every neuron (or, with `only_where`, the neurons where the
/// condition holds): initial values and state set between runs.
pub fn lower_assignment(
    model: &NeuronGroupModel,
    storage: &StorageMap,
    var: &str,
    value: &TExpr,
    only_where: Option<&TExpr>,
) -> Kernel {
    let float = float_type(model, storage);
    let name = format!("{}.set_{var}", model.name);
    let mut cg = Codegen::new(
        Builder::new(Kernel::new(name, KernelKind::Init, Domain::Neurons)),
        model,
        storage,
        float,
    );
    let shared = storage.get(var).is_some_and(|s| s.extent == Extent::Shared);
    if shared {
        cg.b.set_level(Level::Scalar);
    }
    match only_where {
        Some(cond) => {
            let c = cg.expr(cond);
            cg.begin_if(c);
            let v = cg.expr(value);
            cg.store(var, v, value.ty, None);
            cg.end_if();
        }
        None => {
            let v = cg.expr(value);
            cg.store(var, v, value.ty, None);
        }
    }
    finish(cg)
}

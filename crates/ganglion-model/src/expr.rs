//! Typed, resolved expressions and the checker that builds them from the AST.
//!
//! Every name is resolved in Brian2's order (the group's variables and special symbols, then the
//! constants `pi e inf`, units, functions, the group's namespace, the run namespace), and every node
//! gets a type (boolean, integer, float) and physical dimensions by Brian2's rules: a bare number is
//! dimensionless; `+ - %` and comparisons need equal dimensions; `**` with a dimensionful base needs a
//! constant exponent; functions check their arguments.

use std::collections::HashMap;
use std::fmt;

use ganglion_ir::{Builtin, ReturnType, UnitRule};
use ganglion_syntax::Span;
use ganglion_syntax::ast::{self, BinOp, CmpOp, ExprKind, LogicalOp, UnaryOp};
use ganglion_units::{Dimension, Rational, VarType};

use crate::error::ModelError;
use crate::namespace::{ExternalValue, Namespace, TimedArrayInfo};

/// The type of a value, by Brian2's rules (boolean < integer < float).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ValueType {
    /// `True`/`False`.
    Bool,
    /// An integer.
    Int,
    /// A floating-point number.
    Float,
}

impl From<VarType> for ValueType {
    fn from(v: VarType) -> Self {
        match v {
            VarType::Float => ValueType::Float,
            VarType::Integer => ValueType::Int,
            VarType::Boolean => ValueType::Bool,
        }
    }
}

impl fmt::Display for ValueType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ValueType::Bool => "boolean",
            ValueType::Int => "integer",
            ValueType::Float => "float",
        })
    }
}

/// Special symbols every group provides.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Special {
    /// `t`: the current time (second).
    T,
    /// `dt`: the time step (second).
    Dt,
    /// `t_in_timesteps`: the current step index.
    TInTimesteps,
    /// `i`: the neuron's index.
    I,
    /// `N`: the number of neurons.
    N,
}

impl Special {
    /// The special symbol called `name`.
    pub fn from_name(name: &str) -> Option<Special> {
        Some(match name {
            "t" => Special::T,
            "dt" => Special::Dt,
            "t_in_timesteps" => Special::TInTimesteps,
            "i" => Special::I,
            "N" => Special::N,
            _ => return None,
        })
    }

    /// Its name in model code.
    pub fn name(self) -> &'static str {
        match self {
            Special::T => "t",
            Special::Dt => "dt",
            Special::TInTimesteps => "t_in_timesteps",
            Special::I => "i",
            Special::N => "N",
        }
    }

    /// Its type.
    pub fn ty(self) -> ValueType {
        match self {
            Special::T | Special::Dt => ValueType::Float,
            _ => ValueType::Int,
        }
    }

    /// Its dimensions.
    pub fn dim(self) -> Dimension {
        match self {
            Special::T | Special::Dt => Dimension::TIME,
            _ => Dimension::DIMENSIONLESS,
        }
    }

    /// Whether it has one value for the whole group (all but `i`).
    pub fn is_shared(self) -> bool {
        self != Special::I
    }
}

/// A checked expression: resolved names, a type and dimensions on every node.
#[derive(Clone, Debug, PartialEq)]
pub struct TExpr {
    /// What it is.
    pub kind: TKind,
    /// Its type.
    pub ty: ValueType,
    /// Its dimensions.
    pub dim: Dimension,
    /// Where it was written.
    pub span: Span,
}

/// The kinds of checked expression.
#[derive(Clone, Debug, PartialEq)]
pub enum TKind {
    /// A floating-point literal.
    Float(f64),
    /// An integer literal.
    Int(i64),
    /// `True`/`False`.
    Bool(bool),
    /// A built-in constant or unit, with its SI value (`mV` = 0.001, `pi`).
    Constant {
        /// Its name.
        name: String,
        /// Its value in SI base units.
        value: f64,
    },
    /// A variable of the group (state variable or subexpression) or a temporary of a code block.
    Var(String),
    /// `t`, `dt`, `i`, `N`, `t_in_timesteps`.
    Special(Special),
    /// A noise symbol (`xi`, `xi_1`): white noise of dimensions `second**-0.5`.
    Noise(String),
    /// A constant from a namespace; its value is read again at every run.
    External {
        /// Its name.
        name: String,
        /// Its value (SI) when the model was checked.
        value: f64,
    },
    /// `-a`, `+a`, `not a`.
    Unary(UnaryOp, Box<TExpr>),
    /// Arithmetic.
    Binary(BinOp, Box<TExpr>, Box<TExpr>),
    /// A comparison.
    Compare(CmpOp, Box<TExpr>, Box<TExpr>),
    /// `and`/`or`.
    Logical(LogicalOp, Box<TExpr>, Box<TExpr>),
    /// A call of a built-in function.
    Call(Builtin, Vec<TExpr>),
    /// A call of a timed array from a namespace: `ta(t)`, or `ta(t, i)` for a 2-D one.
    TimedArray {
        /// Its name (the values are the network's `_timedarray.<name>` array).
        name: String,
        /// Its shape, time step and units when the model was checked.
        info: Box<TimedArrayInfo>,
        /// The time, then (2-D) the neuron index.
        args: Vec<TExpr>,
    },
}

impl TExpr {
    /// Calls `f` on this node and every node below it, parents first.
    pub fn walk<'a>(&'a self, f: &mut impl FnMut(&'a TExpr)) {
        ganglion_syntax::limits::with_stack(|| {
            f(self);
            match &self.kind {
                TKind::Unary(_, a) => a.walk(f),
                TKind::Binary(_, a, b) | TKind::Compare(_, a, b) | TKind::Logical(_, a, b) => {
                    a.walk(f);
                    b.walk(f);
                }
                TKind::Call(_, args) | TKind::TimedArray { args, .. } => {
                    args.iter().for_each(|a| a.walk(f))
                }
                _ => {}
            }
        })
    }

    /// Names of the group variables and temporaries it reads, in order of first appearance.
    pub fn variables(&self) -> Vec<&str> {
        self.distinct_names(|k| match k {
            TKind::Var(n) => Some(n),
            _ => None,
        })
    }

    /// The distinct names `pick` finds in its nodes, in order of first appearance.
    fn distinct_names<'a>(
        &'a self,
        pick: impl Fn(&'a TKind) -> Option<&'a String>,
    ) -> Vec<&'a str> {
        let mut out: Vec<&str> = Vec::new();
        self.walk(&mut |e| {
            if let Some(n) = pick(&e.kind)
                && !out.contains(&n.as_str())
            {
                out.push(n);
            }
        });
        out
    }

    /// Whether it calls a random function.
    pub fn is_stateful(&self) -> bool {
        let mut found = false;
        self.walk(&mut |e| {
            if let TKind::Call(b, _) = &e.kind {
                found |= b.is_stateful();
            }
        });
        found
    }

    /// Whether it mentions the special symbol `s`.
    pub fn uses_special(&self, s: Special) -> bool {
        let mut found = false;
        self.walk(&mut |e| found |= e.kind == TKind::Special(s));
        found
    }

    /// The noise symbols it mentions.
    pub fn noise_names(&self) -> Vec<&str> {
        self.distinct_names(|k| match k {
            TKind::Noise(n) => Some(n),
            _ => None,
        })
    }

    /// The value of an expression made only of literals, constants and externals.
    pub fn const_value(&self) -> Option<f64> {
        Some(match &self.kind {
            TKind::Float(v) => *v,
            TKind::Int(v) => *v as f64,
            TKind::Bool(b) => f64::from(u8::from(*b)),
            TKind::Constant { value, .. } | TKind::External { value, .. } => *value,
            TKind::Unary(UnaryOp::Neg, a) => -a.const_value()?,
            TKind::Unary(UnaryOp::Pos, a) => a.const_value()?,
            TKind::Binary(op, a, b) => {
                let (x, y) = (a.const_value()?, b.const_value()?);
                match op {
                    BinOp::Add => x + y,
                    BinOp::Sub => x - y,
                    BinOp::Mul => x * y,
                    BinOp::Div => x / y,
                    BinOp::FloorDiv => (x / y).floor(),
                    BinOp::Mod => x - y * (x / y).floor(),
                    BinOp::Pow => x.powf(y),
                }
            }
            TKind::Call(b, args) if !b.is_stateful() => {
                let values: Vec<f64> =
                    args.iter().map(TExpr::const_value).collect::<Option<_>>()?;
                match b {
                    Builtin::Int => values[0].trunc(),
                    Builtin::Timestep => {
                        ganglion_ir::builtins::timestep(values[0], values[1]) as f64
                    }
                    _ => b.eval_float(&values)?,
                }
            }
            _ => return None,
        })
    }
}

/// What a variable of the group is, for resolution.
#[derive(Clone, Debug, PartialEq)]
pub struct VarInfo {
    /// Its type.
    pub ty: ValueType,
    /// Its dimensions.
    pub dim: Dimension,
    /// One value for the whole group.
    pub shared: bool,
    /// A subexpression (computed, never stored).
    pub subexpression: bool,
}

/// What a name means in a code block.
#[derive(Clone, Debug, PartialEq)]
enum Resolution {
    Variable(VarInfo),
    Special(Special),
    Noise,
    Constant(f64, Dimension),
    Function(Builtin),
    External(ExternalValue),
    TimedArray(TimedArrayInfo),
}

/// The names visible to a code block and what they resolve to.
#[derive(Clone, Debug, Default)]
pub struct Scope<'a> {
    /// The group's variables and subexpressions (and the refractoriness variables when present).
    pub variables: HashMap<String, VarInfo>,
    /// Temporaries defined by earlier statements of the block.
    pub temporaries: HashMap<String, VarInfo>,
    /// Namespaces searched after the built-ins, in order (the group's, then the run's).
    pub namespaces: Vec<&'a Namespace>,
    /// Whether noise symbols (`xi`, `xi_*`) may appear (only in differential equations).
    pub allow_noise: bool,
}

/// Whether `name` is a noise symbol (`xi` or `xi_<suffix>`).
pub fn is_noise_name(name: &str) -> bool {
    name == "xi" || name.starts_with("xi_")
}

/// The built-in constants `pi`, `e`, `inf`.
pub fn builtin_constant(name: &str) -> Option<f64> {
    match name {
        "pi" => Some(std::f64::consts::PI),
        "e" => Some(std::f64::consts::E),
        "inf" => Some(f64::INFINITY),
        _ => None,
    }
}

impl<'a> Scope<'a> {
    fn resolve(&self, name: &str) -> Option<Resolution> {
        if let Some(v) = self
            .temporaries
            .get(name)
            .or_else(|| self.variables.get(name))
        {
            return Some(Resolution::Variable(v.clone()));
        }
        if let Some(s) = Special::from_name(name) {
            return Some(Resolution::Special(s));
        }
        if is_noise_name(name) {
            return Some(Resolution::Noise);
        }
        if let Some(v) = builtin_constant(name) {
            return Some(Resolution::Constant(v, Dimension::DIMENSIONLESS));
        }
        if let Some(u) = ganglion_units::lookup(name) {
            return Some(Resolution::Constant(u.scale, u.dim));
        }
        if let Some(b) = Builtin::from_name(name) {
            return Some(Resolution::Function(b));
        }
        self.namespaces.iter().find_map(|ns| {
            ns.get(name)
                .map(|v| Resolution::External(v.clone()))
                .or_else(|| {
                    ns.timed_array(name)
                        .map(|t| Resolution::TimedArray(t.clone()))
                })
        })
    }

    /// The known name closest to `name`, for "did you mean" hints about a name used as a value
    /// (functions are left out: suggesting `tan` for an undefined `tau` would only lead to another error).
    pub fn suggest(&self, name: &str) -> Option<String> {
        let mut candidates: Vec<String> = self
            .variables
            .keys()
            .chain(self.temporaries.keys())
            .cloned()
            .collect();
        candidates.extend(["t", "dt", "i", "N", "pi", "e", "inf"].map(String::from));
        for ns in &self.namespaces {
            candidates.extend(ns.names().map(String::from));
        }
        candidates.extend(
            ganglion_units::similar_unit_names(name, 3)
                .into_iter()
                .map(String::from),
        );
        closest(name, candidates.iter().map(String::as_str))
    }
}

/// The candidate nearest to `name` by edit distance, when it is close (one edit for names of up to four
/// letters, two for longer ones; none for one-letter names).
pub fn closest<'c>(name: &str, candidates: impl Iterator<Item = &'c str>) -> Option<String> {
    let limit = match name.chars().count() {
        0..=1 => 0,
        2..=4 => 1,
        _ => 2,
    };
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        if c == name {
            continue;
        }
        let d = edit_distance(name, c);
        if d <= limit && best.is_none_or(|(bd, bc)| d < bd || (d == bd && c < bc)) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c.to_string())
}

/// Levenshtein distance, counting a swap of neighbours as one edit.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[a.len()][b.len()]
}

fn highest(a: ValueType, b: ValueType) -> ValueType {
    a.max(b)
}

/// Arithmetic on booleans gives integers, as in Python.
fn arithmetic(t: ValueType) -> ValueType {
    t.max(ValueType::Int)
}

/// Checks an expression in a scope, reporting every problem into `errors`. `None` means the expression
/// had errors (already reported).
pub fn check_expr(e: &ast::Expr, scope: &Scope<'_>, errors: &mut Vec<ModelError>) -> Option<TExpr> {
    // Frames of several kilobytes in debug builds, as deep as the tree.
    ganglion_syntax::limits::with_stack(|| check_node(e, scope, errors))
}

/// One level of [`check_expr`].
fn check_node(e: &ast::Expr, scope: &Scope<'_>, errors: &mut Vec<ModelError>) -> Option<TExpr> {
    let span = e.span;
    let dimensionless = |kind, ty| typed(kind, ty, Dimension::DIMENSIONLESS, span);
    match &e.kind {
        ExprKind::Error => None,
        ExprKind::Int(v) => dimensionless(TKind::Int(*v), ValueType::Int),
        ExprKind::Float(v) => dimensionless(TKind::Float(*v), ValueType::Float),
        ExprKind::Bool(b) => dimensionless(TKind::Bool(*b), ValueType::Bool),
        ExprKind::Name(name) => check_name(name, span, scope, errors),
        ExprKind::Unary { op, operand } => {
            let a = check_expr(operand, scope, errors)?;
            check_unary(*op, a, span, errors)
        }
        ExprKind::Binary { op, lhs, rhs } => {
            let (a, b) = check_operands(lhs, rhs, scope, errors)?;
            check_binary(*op, a, b, span, errors)
        }
        ExprKind::Compare { op, lhs, rhs } => {
            let (a, b) = check_operands(lhs, rhs, scope, errors)?;
            check_comparison(*op, a, b, span, errors)
        }
        ExprKind::Logical { op, lhs, rhs } => {
            let (a, b) = check_operands(lhs, rhs, scope, errors)?;
            check_logical(*op, a, b, span, errors)
        }
        ExprKind::Call { func, args } => check_call_expr(func, args, span, scope, errors),
    }
}

/// A checked node.
fn typed(kind: TKind, ty: ValueType, dim: Dimension, span: Span) -> Option<TExpr> {
    Some(TExpr {
        kind,
        ty,
        dim,
        span,
    })
}

/// Checks both operands of a binary operator (reporting the problems of both); `None` if either has
/// errors.
fn check_operands(
    lhs: &ast::Expr,
    rhs: &ast::Expr,
    scope: &Scope<'_>,
    errors: &mut Vec<ModelError>,
) -> Option<(TExpr, TExpr)> {
    let a = check_expr(lhs, scope, errors);
    let b = check_expr(rhs, scope, errors);
    Some((a?, b?))
}

/// Resolves a name used as a value.
fn check_name(
    name: &str,
    span: Span,
    scope: &Scope<'_>,
    errors: &mut Vec<ModelError>,
) -> Option<TExpr> {
    let mk = |kind, ty, dim| typed(kind, ty, dim, span);
    match scope.resolve(name) {
        None => {
            errors.push(ModelError::UnknownName {
                span,
                name: name.to_string(),
                suggestion: scope.suggest(name),
            });
            None
        }
        Some(Resolution::Variable(v)) => mk(TKind::Var(name.to_string()), v.ty, v.dim),
        Some(Resolution::Special(s)) => mk(TKind::Special(s), s.ty(), s.dim()),
        Some(Resolution::Noise) => {
            if scope.allow_noise {
                mk(
                    TKind::Noise(name.to_string()),
                    ValueType::Float,
                    Dimension::TIME.pow(Rational::new(-1, 2)),
                )
            } else {
                errors.push(ModelError::NoiseOutsideDiffEq {
                    span,
                    name: name.to_string(),
                });
                None
            }
        }
        Some(Resolution::Constant(value, dim)) => mk(
            TKind::Constant {
                name: name.to_string(),
                value,
            },
            ValueType::Float,
            dim,
        ),
        Some(Resolution::Function(_) | Resolution::TimedArray(_)) => {
            errors.push(ModelError::FunctionAsValue {
                span,
                name: name.to_string(),
            });
            None
        }
        Some(Resolution::External(v)) => mk(
            TKind::External {
                name: name.to_string(),
                value: v.value,
            },
            v.ty,
            v.dim,
        ),
    }
}

/// `not a` needs a boolean; `-a` and `+a` keep the dimensions.
fn check_unary(op: UnaryOp, a: TExpr, span: Span, errors: &mut Vec<ModelError>) -> Option<TExpr> {
    match op {
        UnaryOp::Not => {
            if a.ty != ValueType::Bool {
                errors.push(ModelError::NotBooleanOperand {
                    span: a.span,
                    op: "not",
                });
                return None;
            }
            typed(
                TKind::Unary(op, Box::new(a)),
                ValueType::Bool,
                Dimension::DIMENSIONLESS,
                span,
            )
        }
        UnaryOp::Neg | UnaryOp::Pos => {
            let (ty, dim) = (arithmetic(a.ty), a.dim);
            typed(TKind::Unary(op, Box::new(a)), ty, dim, span)
        }
    }
}

/// A comparison needs operands of equal dimensions.
fn check_comparison(
    op: CmpOp,
    a: TExpr,
    b: TExpr,
    span: Span,
    errors: &mut Vec<ModelError>,
) -> Option<TExpr> {
    if let Some(e) = inconsistent_units(&op, &a, &b, span) {
        errors.push(e);
        return None;
    }
    typed(
        TKind::Compare(op, Box::new(a), Box::new(b)),
        ValueType::Bool,
        Dimension::DIMENSIONLESS,
        span,
    )
}

/// `op` (`+`, `-`, `%`, a comparison) needs operands of equal dimensions.
fn inconsistent_units(
    op: &impl fmt::Display,
    a: &TExpr,
    b: &TExpr,
    span: Span,
) -> Option<ModelError> {
    (a.dim != b.dim).then(|| ModelError::InconsistentUnits {
        span,
        op: op.to_string(),
        left: a.dim,
        right: b.dim,
    })
}

/// `and` and `or` need booleans on both sides (both are reported).
fn check_logical(
    op: LogicalOp,
    a: TExpr,
    b: TExpr,
    span: Span,
    errors: &mut Vec<ModelError>,
) -> Option<TExpr> {
    let name = match op {
        LogicalOp::And => "and",
        LogicalOp::Or => "or",
    };
    let mut ok = true;
    for x in [&a, &b] {
        if x.ty != ValueType::Bool {
            errors.push(ModelError::NotBooleanOperand {
                span: x.span,
                op: name,
            });
            ok = false;
        }
    }
    if !ok {
        return None;
    }
    typed(
        TKind::Logical(op, Box::new(a), Box::new(b)),
        ValueType::Bool,
        Dimension::DIMENSIONLESS,
        span,
    )
}

/// Checks a call `f(args)`: of a built-in function (its arity, then [`check_call`]) or a timed array.
fn check_call_expr(
    func: &ast::Ident,
    args: &[ast::Expr],
    span: Span,
    scope: &Scope<'_>,
    errors: &mut Vec<ModelError>,
) -> Option<TExpr> {
    let builtin = match scope.resolve(&func.name) {
        Some(Resolution::Function(b)) => b,
        Some(Resolution::TimedArray(info)) => {
            return check_timed_array(&func.name, info, args, span, scope, errors);
        }
        None => {
            errors.push(unknown_function(func, scope));
            return None;
        }
        Some(_) => {
            errors.push(ModelError::NotAFunction {
                span,
                name: func.name.clone(),
            });
            return None;
        }
    };
    let checked: Vec<Option<TExpr>> = args.iter().map(|a| check_expr(a, scope, errors)).collect();
    if args.len() != builtin.arity() {
        errors.push(ModelError::Arity {
            span,
            name: func.name.clone(),
            expected: builtin.arity(),
            found: args.len(),
        });
        return None;
    }
    let args: Vec<TExpr> = checked.into_iter().collect::<Option<_>>()?;
    check_call(builtin, args, span, errors)
}

/// A call of a function that does not exist, with the nearest built-in function or timed array.
fn unknown_function(func: &ast::Ident, scope: &Scope<'_>) -> ModelError {
    let timed: Vec<&str> = scope
        .namespaces
        .iter()
        .flat_map(|ns| ns.timed_arrays().map(|(n, _)| n))
        .collect();
    let suggestion = closest(
        &func.name,
        Builtin::all()
            .iter()
            .map(|b| b.name())
            .chain(timed.iter().copied()),
    );
    ModelError::UnknownName {
        span: func.span,
        name: func.name.clone(),
        suggestion,
    }
}

/// Checks a call of a timed array: `ta(t)` (1-D) or `ta(t, i)` (2-D), `t` a time and `i` an integer
/// (a neuron index); the result is a float with the array's units.
fn check_timed_array(
    name: &str,
    info: TimedArrayInfo,
    args: &[ast::Expr],
    span: Span,
    scope: &Scope<'_>,
    errors: &mut Vec<ModelError>,
) -> Option<TExpr> {
    let checked: Vec<Option<TExpr>> = args.iter().map(|a| check_expr(a, scope, errors)).collect();
    if args.len() != info.arity() {
        errors.push(ModelError::Arity {
            span,
            name: name.to_string(),
            expected: info.arity(),
            found: args.len(),
        });
        return None;
    }
    let args: Vec<TExpr> = checked.into_iter().collect::<Option<_>>()?;
    let mut ok = true;
    if args[0].dim != Dimension::TIME {
        errors.push(ModelError::ArgumentUnits {
            span: args[0].span,
            name: name.to_string(),
            index: 1,
            expected: Dimension::TIME,
            found: args[0].dim,
        });
        ok = false;
    }
    if let Some(index) = args.get(1) {
        if !index.dim.is_dimensionless() {
            errors.push(ModelError::ArgumentUnits {
                span: index.span,
                name: name.to_string(),
                index: 2,
                expected: Dimension::DIMENSIONLESS,
                found: index.dim,
            });
            ok = false;
        } else if index.ty != ValueType::Int {
            errors.push(ModelError::ArgumentType {
                span: index.span,
                name: name.to_string(),
                index: 2,
                expected: "an integer (a column of the 2-D timed array, such as `i`)",
            });
            ok = false;
        }
    }
    if !ok {
        return None;
    }
    Some(TExpr {
        ty: ValueType::Float,
        dim: info.dim,
        kind: TKind::TimedArray {
            name: name.to_string(),
            info: Box::new(info),
            args,
        },
        span,
    })
}

fn check_binary(
    op: BinOp,
    a: TExpr,
    b: TExpr,
    span: Span,
    errors: &mut Vec<ModelError>,
) -> Option<TExpr> {
    let (ty, dim) = match op {
        BinOp::Add | BinOp::Sub | BinOp::Mod => {
            if let Some(e) = inconsistent_units(&op, &a, &b, span) {
                errors.push(e);
                return None;
            }
            (arithmetic(highest(a.ty, b.ty)), a.dim)
        }
        BinOp::Mul => (arithmetic(highest(a.ty, b.ty)), a.dim * b.dim),
        BinOp::Div => (ValueType::Float, a.dim / b.dim),
        BinOp::FloorDiv => {
            if !a.dim.is_dimensionless() || !b.dim.is_dimensionless() {
                errors.push(ModelError::FloorDivUnits { span });
                return None;
            }
            (arithmetic(highest(a.ty, b.ty)), Dimension::DIMENSIONLESS)
        }
        BinOp::Pow => {
            if !b.dim.is_dimensionless() {
                errors.push(ModelError::ExponentUnits {
                    span: b.span,
                    found: b.dim,
                });
                return None;
            }
            let int_result = a.ty != ValueType::Float
                && b.ty != ValueType::Float
                && b.const_value().is_some_and(|v| v >= 0.0);
            let ty = if int_result {
                ValueType::Int
            } else {
                ValueType::Float
            };
            if a.dim.is_dimensionless() {
                (ty, Dimension::DIMENSIONLESS)
            } else {
                let Some(exponent) = b.const_value() else {
                    errors.push(ModelError::NonConstantExponent { span: b.span });
                    return None;
                };
                let dim = Rational::from_f64(exponent).and_then(|r| a.dim.checked_pow(r));
                let Some(dim) = dim else {
                    errors.push(ModelError::Invalid {
                        span: b.span,
                        what: format!(
                            "the exponent {exponent} gives units that cannot be represented"
                        ),
                        hint: Some("use a simple fraction such as 2, -1 or 0.5".into()),
                    });
                    return None;
                };
                (ty, dim)
            }
        }
    };
    Some(TExpr {
        kind: TKind::Binary(op, Box::new(a), Box::new(b)),
        ty,
        dim,
        span,
    })
}

fn check_call(
    b: Builtin,
    args: Vec<TExpr>,
    span: Span,
    errors: &mut Vec<ModelError>,
) -> Option<TExpr> {
    let mut ok = true;
    let mut arg_error =
        |index: usize, expected: Dimension, found: &TExpr, errors: &mut Vec<ModelError>| {
            errors.push(ModelError::ArgumentUnits {
                span: found.span,
                name: b.name().to_string(),
                index: index + 1,
                expected,
                found: found.dim,
            });
            ok = false;
        };
    let dim = match b.unit_rule() {
        UnitRule::Dimensionless => {
            for (k, a) in args.iter().enumerate() {
                if !a.dim.is_dimensionless() {
                    arg_error(k, Dimension::DIMENSIONLESS, a, errors);
                }
            }
            Dimension::DIMENSIONLESS
        }
        UnitRule::Sqrt => args[0].dim.sqrt(),
        UnitRule::Same => args[0].dim,
        UnitRule::AllSame => {
            for (k, a) in args.iter().enumerate().skip(1) {
                if a.dim != args[0].dim {
                    arg_error(k, args[0].dim, a, errors);
                }
            }
            args[0].dim
        }
        UnitRule::ToDimensionless => Dimension::DIMENSIONLESS,
        UnitRule::Times => {
            for (k, a) in args.iter().enumerate() {
                if a.dim != Dimension::TIME {
                    arg_error(k, Dimension::TIME, a, errors);
                }
            }
            Dimension::DIMENSIONLESS
        }
    };
    if !ok {
        return None;
    }
    let ty = match b.return_type() {
        ReturnType::Float => ValueType::Float,
        ReturnType::Highest => args
            .iter()
            .map(|a| a.ty)
            .max()
            .map_or(ValueType::Float, arithmetic),
        ReturnType::Integer | ReturnType::Int64 => ValueType::Int,
    };
    Some(TExpr {
        kind: TKind::Call(b, args),
        ty,
        dim,
        span,
    })
}

/// Writes a checked expression in model syntax (constants by name), for the `model` stage printout.
impl fmt::Display for TExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn prec(e: &TExpr) -> u8 {
            match &e.kind {
                TKind::Logical(LogicalOp::Or, ..) => 1,
                TKind::Logical(LogicalOp::And, ..) => 2,
                TKind::Unary(UnaryOp::Not, _) => 3,
                TKind::Compare(..) => 4,
                TKind::Binary(BinOp::Add | BinOp::Sub, ..) => 5,
                TKind::Binary(BinOp::Pow, ..) => 8,
                TKind::Binary(..) => 6,
                TKind::Unary(..) => 7,
                TKind::Float(v) if *v < 0.0 => 7,
                TKind::Int(v) if *v < 0 => 7,
                _ => 9,
            }
        }
        fn child(f: &mut fmt::Formatter<'_>, e: &TExpr, min: u8) -> fmt::Result {
            if prec(e) < min {
                write!(f, "({e})")
            } else {
                write!(f, "{e}")
            }
        }
        let p = prec(self);
        match &self.kind {
            TKind::Float(v) => write!(f, "{v:?}"),
            TKind::Int(v) => write!(f, "{v}"),
            TKind::Bool(b) => f.write_str(if *b { "True" } else { "False" }),
            TKind::Constant { name, .. }
            | TKind::External { name, .. }
            | TKind::Var(name)
            | TKind::Noise(name) => f.write_str(name),
            TKind::Special(s) => f.write_str(s.name()),
            TKind::Unary(op, a) => {
                f.write_str(match op {
                    UnaryOp::Neg => "-",
                    UnaryOp::Pos => "+",
                    UnaryOp::Not => "not ",
                })?;
                child(f, a, p)
            }
            TKind::Binary(BinOp::Pow, a, b) => {
                child(f, a, 9)?;
                f.write_str("**")?;
                child(f, b, 7)
            }
            TKind::Binary(op, a, b) => {
                child(f, a, p)?;
                write!(f, " {op} ")?;
                child(f, b, p + 1)
            }
            TKind::Compare(op, a, b) => {
                child(f, a, p + 1)?;
                write!(f, " {op} ")?;
                child(f, b, p + 1)
            }
            TKind::Logical(op, a, b) => {
                child(f, a, p)?;
                f.write_str(if *op == LogicalOp::And {
                    " and "
                } else {
                    " or "
                })?;
                child(f, b, p + 1)
            }
            TKind::Call(_, args) | TKind::TimedArray { args, .. } => {
                let name = match &self.kind {
                    TKind::TimedArray { name, .. } => name.as_str(),
                    TKind::Call(b, _) => b.name(),
                    _ => "",
                };
                write!(f, "{name}(")?;
                for (k, a) in args.iter().enumerate() {
                    if k > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{a}")?;
                }
                f.write_str(")")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_swaps_once() {
        assert_eq!(edit_distance("tau", "tua"), 1);
        assert_eq!(edit_distance("tau", "taum"), 1);
        assert_eq!(edit_distance("", "ab"), 2);
        assert_eq!(closest("tua", ["tau", "v"].into_iter()), Some("tau".into()));
        assert_eq!(closest("x", ["tau", "v"].into_iter()), None);
    }
}

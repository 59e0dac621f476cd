//! Integration methods: one table of every method ([`METHODS`], Brian2's registry of state updaters),
//! Brian2's explicit methods as description strings applied by one routine, the exact integrator of linear
//! systems, exponential Euler, and the automatic choice.

use std::fmt;

use ganglion_ir::Builtin;
use ganglion_model::symbolic::{NoiseSplit, add, float, mul, split_noise};
use ganglion_model::{Special, TExpr, TKind, ValueType};
use ganglion_syntax::ast::{self, BinOp, ExprKind, UnaryOp};
use ganglion_syntax::{Span, parse_statements};
use ganglion_units::Dimension;

use crate::symbolic::{depends_on, depends_on_any, diff, is_zero, replace_var, simplify};

/// Brian2's registry of state updaters: every integration method Ganglion knows, in Brian2's order of
/// registration. A new method is one entry (and, for a special routine, its [`Routine`] and [`apply`] arm);
/// the names users may write ([`METHOD_NAMES`]), the default choice ([`DEFAULT_METHODS`]), the benchmark
/// harness and the tests all follow the table.
pub const METHODS: &[MethodInfo] = &[
    MethodInfo {
        name: "exact",
        aliases: &["linear"],
        routine: Routine::Exact,
        integrates: Integrates::LinearSystems,
        noise: NoiseSupport::None,
        diagonal_noise: false,
        order: None,
        default: true,
    },
    MethodInfo {
        name: "exponential_euler",
        aliases: &[],
        routine: Routine::ExponentialEuler,
        integrates: Integrates::ConditionallyLinear,
        noise: NoiseSupport::None,
        diagonal_noise: false,
        order: Some(1),
        default: false,
    },
    MethodInfo {
        name: "euler",
        aliases: &[],
        routine: Routine::Description("x_new = x + dt * f(x,t) + g(x,t) * dW"),
        integrates: Integrates::Any,
        noise: NoiseSupport::Additive,
        diagonal_noise: false,
        order: Some(1),
        default: true,
    },
    MethodInfo {
        name: "rk2",
        aliases: &[],
        // Second-order Runge–Kutta (midpoint).
        routine: Routine::Description("k = dt * f(x,t)\nx_new = x + dt*f(x +  k/2, t + dt/2)"),
        integrates: Integrates::Any,
        noise: NoiseSupport::None,
        diagonal_noise: false,
        order: Some(2),
        default: false,
    },
    MethodInfo {
        name: "rk4",
        aliases: &[],
        // Classical fourth-order Runge–Kutta.
        routine: Routine::Description(
            "k_1 = dt*f(x,t)\nk_2 = dt*f(x+k_1/2,t+dt/2)\nk_3 = dt*f(x+k_2/2,t+dt/2)\nk_4 = dt*f(x+k_3,t+dt)\nx_new = x+(k_1+2*k_2+2*k_3+k_4)/6",
        ),
        integrates: Integrates::Any,
        noise: NoiseSupport::None,
        diagonal_noise: false,
        order: Some(4),
        default: false,
    },
    MethodInfo {
        name: "milstein",
        aliases: &[],
        // Derivative-free Milstein.
        routine: Routine::Description(
            "x_support = x + dt*f(x, t) + dt**.5 * g(x, t)\ng_support = g(x_support, t)\nk = 1/(2*dt**.5)*(g_support - g(x, t))*(dW**2)\nx_new = x + dt*f(x,t) + g(x, t) * dW + k",
        ),
        integrates: Integrates::Any,
        noise: NoiseSupport::Multiplicative,
        diagonal_noise: true,
        order: Some(1),
        default: false,
    },
    MethodInfo {
        name: "heun",
        aliases: &[],
        // Stochastic Heun (Stratonovich).
        routine: Routine::Description(
            "x_support = x + g(x,t) * dW\ng_support = g(x_support,t+dt)\nx_new = x + dt*f(x,t) + .5*dW*(g(x,t)+g_support)",
        ),
        integrates: Integrates::Any,
        noise: NoiseSupport::Multiplicative,
        diagonal_noise: false,
        order: Some(1),
        default: true,
    },
];

/// One entry of [`METHODS`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MethodInfo {
    /// The name users write (`"rk4"`).
    pub name: &'static str,
    /// Other names for the same method (`linear` for `exact`).
    pub aliases: &'static [&'static str],
    /// How a step is computed.
    pub routine: Routine,
    /// The deterministic equations it integrates (its routine decides, equation by equation).
    pub integrates: Integrates,
    /// The noise it accepts.
    pub noise: NoiseSupport,
    /// Whether it needs diagonal noise (each noise variable in one equation, each equation with one).
    pub diagonal_noise: bool,
    /// Its order of convergence on deterministic equations (`None`: exact).
    pub order: Option<u8>,
    /// Whether Brian2's default choice for a NeuronGroup tries it ([`DEFAULT_METHODS`]).
    pub default: bool,
}

impl MethodInfo {
    /// The method, ready to [`apply`].
    pub fn method(&self) -> Result<Method, MethodError> {
        match self.routine {
            Routine::Exact => Ok(Method::Exact),
            Routine::ExponentialEuler => Ok(Method::ExponentialEuler),
            Routine::Description(text) => {
                parse_description(self.name, text, Some(self.noise), self.diagonal_noise)
                    .map(Method::Explicit)
            }
        }
    }
}

/// How a method computes a step: Brian2's two special routines, or a description in its language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Routine {
    /// Exact integration of linear systems (`dX/dt = M X + B`).
    Exact,
    /// Exponential Euler for conditionally linear systems.
    ExponentialEuler,
    /// An explicit method given by a description (`x_new = ...`), verbatim from Brian2's `explicit.py`.
    Description(&'static str),
}

/// Which deterministic equations a method integrates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Integrates {
    /// Linear systems whose coefficients are constant over a time step.
    LinearSystems,
    /// Equations linear in their own variable, with coefficients that may depend on the others.
    ConditionallyLinear,
    /// Any equations.
    Any,
}

/// The entry of [`METHODS`] called `name`, or with `name` as an alias (names as written in the table).
pub fn method_info(name: &str) -> Option<&'static MethodInfo> {
    METHODS
        .iter()
        .find(|m| m.name == name || m.aliases.contains(&name))
}

const fn name_count() -> usize {
    let (mut n, mut k) = (0, 0);
    while k < METHODS.len() {
        n += 1 + METHODS[k].aliases.len();
        k += 1;
    }
    n
}

/// The names of the methods Ganglion knows, aliases after their method, in table order.
pub const METHOD_NAMES: [&str; name_count()] = {
    let mut names = [""; name_count()];
    let (mut n, mut k) = (0, 0);
    while k < METHODS.len() {
        names[n] = METHODS[k].name;
        n += 1;
        let mut a = 0;
        while a < METHODS[k].aliases.len() {
            names[n] = METHODS[k].aliases[a];
            n += 1;
            a += 1;
        }
        k += 1;
    }
    names
};

const fn default_count() -> usize {
    let (mut n, mut k) = (0, 0);
    while k < METHODS.len() {
        if METHODS[k].default {
            n += 1;
        }
        k += 1;
    }
    n
}

/// Brian2's default for NeuronGroup: try these in order (`exact`, `euler`, `heun`).
pub const DEFAULT_METHODS: [&str; default_count()] = {
    let mut names = [""; default_count()];
    let (mut n, mut k) = (0, 0);
    while k < METHODS.len() {
        if METHODS[k].default {
            names[n] = METHODS[k].name;
            n += 1;
        }
        k += 1;
    }
    names
};

/// The noise an explicit method accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoiseSupport {
    /// Deterministic equations only.
    None,
    /// Additive noise.
    Additive,
    /// Multiplicative noise.
    Multiplicative,
}

/// An explicit method in Brian2's description language.
#[derive(Clone, Debug, PartialEq)]
pub struct Description {
    /// The method's name (`euler`) or `description` for a user's own.
    pub name: String,
    /// Intermediate lines `name = expr`.
    pub lines: Vec<(String, ast::Expr)>,
    /// The `x_new = ...` line.
    pub output: ast::Expr,
    /// Which noise it supports.
    pub noise: NoiseSupport,
    /// Whether it needs diagonal noise (Milstein).
    pub diagonal: bool,
}

/// An integration method.
#[derive(Clone, Debug, PartialEq)]
pub enum Method {
    /// Exact integration of linear systems (`exact`, alias `linear`).
    Exact,
    /// Exponential Euler for conditionally linear systems.
    ExponentialEuler,
    /// An explicit method given by a description.
    Explicit(Description),
}

impl Method {
    /// The method's name.
    pub fn name(&self) -> &str {
        match self {
            Method::Exact => "exact",
            Method::ExponentialEuler => "exponential_euler",
            Method::Explicit(d) => &d.name,
        }
    }
}

/// Why a method name or description cannot be used at all.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum MethodError {
    /// A name no method has.
    #[error("no integration method is called `{name}`")]
    Unknown {
        /// The name.
        name: String,
        /// A close name.
        suggestion: Option<String>,
    },
    /// A method Ganglion does not provide.
    #[error("the method `{name}` is not supported: {why}")]
    Unsupported {
        /// The name.
        name: String,
        /// Why.
        why: &'static str,
    },
    /// A description that does not parse or is not of the required shape.
    #[error("invalid method description: {message}")]
    BadDescription {
        /// What is wrong.
        message: String,
        /// Where in the description.
        span: Span,
    },
}

/// Parses a description: lines `name = expr` and a final `x_new = expr`.
pub fn parse_description(
    name: &str,
    text: &str,
    noise: Option<NoiseSupport>,
    diagonal: bool,
) -> Result<Description, MethodError> {
    let (statements, errors) = parse_statements(text);
    if let Some(e) = errors.first() {
        return Err(MethodError::BadDescription {
            message: e.to_string(),
            span: e.span(),
        });
    }
    let Some((last, rest)) = statements.split_last() else {
        return Err(MethodError::BadDescription {
            message: "the description is empty; it must end with `x_new = ...`".into(),
            span: Span::new(0, text.len()),
        });
    };
    if last.target.name != "x_new" {
        return Err(MethodError::BadDescription {
            message: "the last line must define `x_new`".into(),
            span: last.span,
        });
    }
    let mut lines = Vec::new();
    for s in rest.iter().chain(std::iter::once(last)) {
        if s.op != ast::AssignOp::Assign {
            return Err(MethodError::BadDescription {
                message: "description lines are plain assignments `name = expression`".into(),
                span: s.span,
            });
        }
    }
    for s in rest {
        if matches!(
            s.target.name.as_str(),
            "x" | "t" | "dt" | "dW" | "f" | "g" | "x_new"
        ) {
            return Err(MethodError::BadDescription {
                message: format!("`{}` cannot be redefined in a description", s.target.name),
                span: s.target.span,
            });
        }
        lines.push((s.target.name.clone(), s.value.clone()));
    }
    let uses_noise = statements.iter().any(|s| mentions(&s.value, &["g", "dW"]));
    let noise = noise.unwrap_or(if uses_noise {
        NoiseSupport::Multiplicative
    } else {
        NoiseSupport::None
    });
    Ok(Description {
        name: name.to_string(),
        lines,
        output: last.value.clone(),
        noise,
        diagonal,
    })
}

fn mentions(e: &ast::Expr, names: &[&str]) -> bool {
    ganglion_syntax::limits::with_stack(|| {
        let mut found = false;
        e.walk(&mut |n| match &n.kind {
            ExprKind::Name(x) => found |= names.contains(&x.as_str()),
            ExprKind::Call { func, .. } => found |= names.contains(&func.name.as_str()),
            _ => {}
        });
        found
    })
}

/// The method called `name`, or given by a description string.
pub fn method_by_name(name: &str) -> Result<Method, MethodError> {
    let trimmed = name.trim();
    if trimmed.contains("x_new") {
        return parse_description("description", name, None, false).map(Method::Explicit);
    }
    let lower = trimmed.to_lowercase();
    if let Some(info) = method_info(&lower) {
        return info.method();
    }
    match lower.as_str() {
        "independent" => Err(MethodError::Unsupported {
            name: trimmed.into(),
            why: "it is deprecated in Brian2; use `exact`",
        }),
        n if n.starts_with("gsl") => Err(MethodError::Unsupported {
            name: trimmed.into(),
            why: "the GSL methods need the GNU Scientific Library; use `rk4` or `exact`",
        }),
        _ => Err(MethodError::Unknown {
            name: trimmed.into(),
            suggestion: ganglion_model::expr::closest(trimmed, METHOD_NAMES.into_iter()),
        }),
    }
}

/// The equations to integrate: one right-hand side per variable, with subexpressions substituted.
#[derive(Clone, Debug)]
pub struct System {
    /// Variables, in definition order.
    pub vars: Vec<String>,
    /// Their right-hand sides.
    pub rhs: Vec<TExpr>,
    /// Deterministic and noise parts of each right-hand side.
    pub split: Vec<NoiseSplit>,
    /// Every noise symbol, in order of appearance.
    pub noise: Vec<String>,
    /// Whether some noise factor depends on time or a state variable.
    pub multiplicative: bool,
    /// The time step of the clock the system is integrated on, when known: a timed array whose `dt` is
    /// a multiple of it is constant over a step (Brian2's `is_locally_constant`).
    pub clock_dt: Option<f64>,
}

impl System {
    /// Builds a system, splitting noise (the checker guarantees noise enters linearly).
    pub fn new(vars: Vec<String>, rhs: Vec<TExpr>) -> System {
        let split: Vec<NoiseSplit> = rhs
            .iter()
            .map(|r| {
                split_noise(r).unwrap_or(NoiseSplit {
                    deterministic: Some(r.clone()),
                    noise: Vec::new(),
                })
            })
            .collect();
        let mut noise: Vec<String> = Vec::new();
        let mut multiplicative = false;
        for s in &split {
            for (n, g) in &s.noise {
                if !noise.contains(n) {
                    noise.push(n.clone());
                }
                multiplicative |= g.uses_special(Special::T) || depends_on_any(g, &vars);
            }
        }
        System {
            vars,
            rhs,
            split,
            noise,
            multiplicative,
            clock_dt: None,
        }
    }

    /// The same system, integrated on a clock of time step `dt`.
    pub fn with_clock_dt(mut self, dt: Option<f64>) -> System {
        self.clock_dt = dt;
        self
    }

    /// Whether every noise factor is constant over a time step and free of the integrated variables
    /// (Brian2 then integrates "multiplicative" noise such as `ta(t)*xi` with additive-noise methods).
    fn noise_constant_over_dt(&self) -> bool {
        self.split.iter().all(|s| {
            s.noise
                .iter()
                .all(|(_, g)| constant_over_dt(g, self.clock_dt) && !depends_on_any(g, &self.vars))
        })
    }

    fn f(&self, k: usize) -> TExpr {
        self.split[k]
            .deterministic
            .clone()
            .unwrap_or_else(|| float(0.0))
    }

    fn g(&self, k: usize, xi: &str) -> TExpr {
        self.split[k]
            .noise
            .iter()
            .find(|(n, _)| n == xi)
            .map(|(_, g)| g.clone())
            .unwrap_or_else(|| float(0.0))
    }
}

/// How a state update is computed.
#[derive(Clone, Debug, PartialEq)]
pub enum Plan {
    /// Named intermediate values, then the new value of each variable (in `System::vars` order).
    /// Expressions read the old state as `Var(v)`, intermediates by their names, and noise as `Noise(xi)`.
    Explicit {
        /// Intermediate values, in order.
        temps: Vec<(String, TExpr)>,
        /// The new value of each variable.
        finals: Vec<TExpr>,
    },
    /// `dX/dt = M X + B`, integrated exactly.
    Linear {
        /// The coefficient matrix (rows: equations, columns: variables).
        m: Vec<Vec<TExpr>>,
        /// The constant term.
        b: Vec<TExpr>,
    },
}

fn texpr(kind: TKind, ty: ValueType) -> TExpr {
    TExpr {
        kind,
        ty,
        dim: Dimension::DIMENSIONLESS,
        span: Span::default(),
    }
}

fn var(name: &str) -> TExpr {
    texpr(TKind::Var(name.into()), ValueType::Float)
}

fn binary(op: BinOp, a: TExpr, b: TExpr) -> TExpr {
    texpr(
        TKind::Binary(op, Box::new(a), Box::new(b)),
        ValueType::Float,
    )
}

/// Applies a method to a system, or says why it does not apply.
pub fn apply(method: &Method, system: &System) -> Result<Plan, String> {
    match method {
        Method::Exact => exact(system),
        Method::ExponentialEuler => exponential_euler(system),
        Method::Explicit(d) => explicit(d, system),
    }
}

/// Brian2's `is_constant_over_dt`: no time (except as the argument of a timed array constant over a step
/// of `clock_dt`) and no random numbers.
fn constant_over_dt(e: &TExpr, clock_dt: Option<f64>) -> bool {
    ganglion_syntax::limits::with_stack(|| {
        let c = |x: &TExpr| constant_over_dt(x, clock_dt);
        match &e.kind {
            TKind::Special(Special::T | Special::TInTimesteps) => false,
            TKind::Unary(_, a) => c(a),
            TKind::Binary(_, a, b) | TKind::Compare(_, a, b) | TKind::Logical(_, a, b) => {
                c(a) && c(b)
            }
            TKind::Call(f, args) => !f.is_stateful() && args.iter().all(c),
            TKind::TimedArray { info, args, .. } => args.iter().all(|a| {
                if a.kind == TKind::Special(Special::T) {
                    clock_dt.is_some_and(|dt| info.is_locally_constant(dt))
                } else {
                    c(a)
                }
            }),
            _ => true,
        }
    })
}

fn exact(system: &System) -> Result<Plan, String> {
    if !system.noise.is_empty() {
        return Err("exact integration does not apply to stochastic equations".into());
    }
    let n = system.vars.len();
    let mut m = vec![Vec::with_capacity(n); n];
    let mut b = Vec::with_capacity(n);
    for (i, f) in system.rhs.iter().enumerate() {
        for x in &system.vars {
            let Some(d) = diff(f, x) else {
                return Err(format!(
                    "the equation for `{}` is not linear in `{x}` (it cannot be separated into linear components)",
                    system.vars[i]
                ));
            };
            let d = simplify(&d);
            if depends_on_any(&d, &system.vars) {
                return Err(format!(
                    "the equation for `{}` is not linear in `{x}`",
                    system.vars[i]
                ));
            }
            if !constant_over_dt(&d, system.clock_dt) {
                return Err(format!(
                    "the coefficient of `{x}` in the equation for `{}` changes during a time step",
                    system.vars[i]
                ));
            }
            m[i].push(d);
        }
        let mut zeroed = f.clone();
        for x in &system.vars {
            zeroed = replace_var(&zeroed, x, &float(0.0));
        }
        let zeroed = simplify(&zeroed);
        if !constant_over_dt(&zeroed, system.clock_dt) {
            return Err(format!(
                "the equation for `{}` depends on time (or draws random numbers); it is not a linear system with constant coefficients",
                system.vars[i]
            ));
        }
        b.push(zeroed);
    }
    Ok(Plan::Linear { m, b })
}

fn exponential_euler(system: &System) -> Result<Plan, String> {
    if !system.noise.is_empty() {
        return Err("exponential Euler does not apply to stochastic equations".into());
    }
    let mut temps = Vec::new();
    let mut finals = Vec::new();
    for (k, v) in system.vars.iter().enumerate() {
        let f = &system.rhs[k];
        // As Brian2 (sympy's `collect` on the expanded right-hand side), `v` inside a function call, a
        // denominator or a non-integer power counts as part of a coefficient: `f = A*v + B` where A and B
        // may depend on `v` there (Hodgkin–Huxley gates written with `m = m_inf(v)` subexpressions).
        let frozen_name = format!("{v}#frozen");
        let frozen = var(&frozen_name);
        let g = freeze(f, v, &frozen);
        let Some(a) = diff(&g, v) else {
            return Err(format!("the equation for `{v}` is not linear in `{v}`"));
        };
        let a = simplify(&a);
        if depends_on(&a, v) {
            return Err(format!(
                "the equation for `{v}` is not linear in `{v}` (not conditionally linear)"
            ));
        }
        if is_zero(&a) && depends_on(f, v) {
            return Err(format!(
                "the equation for `{v}` has no term linear in `{v}` (it depends on `{v}` only through functions, powers or denominators)"
            ));
        }
        let thaw = |e: &TExpr| replace_var(e, &frozen_name, &var(v));
        let a = thaw(&a);
        let bterm = thaw(&simplify(&replace_var(&g, v, &float(0.0))));
        let dt = texpr(TKind::Special(Special::Dt), ValueType::Float);
        let new = if is_zero(&a) {
            add(var(v), mul(dt, bterm))
        } else {
            let growth = texpr(
                TKind::Call(Builtin::Exp, vec![mul(a.clone(), dt)]),
                ValueType::Float,
            );
            if is_zero(&bterm) {
                mul(var(v), growth)
            } else {
                let ba = format!("_BA_{v}");
                temps.push((ba.clone(), binary(BinOp::Div, bterm, a)));
                let neg_ba = texpr(
                    TKind::Unary(UnaryOp::Neg, Box::new(var(&ba))),
                    ValueType::Float,
                );
                add(neg_ba, mul(add(var(&ba), var(v)), growth))
            }
        };
        finals.push(new);
    }
    Ok(Plan::Explicit { temps, finals })
}

/// `e` with the occurrences of `v` that are not in polynomial position (inside function calls,
/// denominators, non-integer powers, comparisons) renamed to `frozen`, so that differentiating with respect
/// to `v` sees only its polynomial occurrences.
fn freeze(e: &TExpr, v: &str, frozen: &TExpr) -> TExpr {
    ganglion_syntax::limits::with_stack(|| {
        if !depends_on(e, v) {
            return e.clone();
        }
        let rebuild = |kind: TKind| TExpr { kind, ..e.clone() };
        match &e.kind {
            TKind::Var(_) => e.clone(),
            TKind::Unary(op @ (UnaryOp::Neg | UnaryOp::Pos), a) => {
                rebuild(TKind::Unary(*op, Box::new(freeze(a, v, frozen))))
            }
            TKind::Binary(op @ (BinOp::Add | BinOp::Sub | BinOp::Mul), a, b) => {
                rebuild(TKind::Binary(
                    *op,
                    Box::new(freeze(a, v, frozen)),
                    Box::new(freeze(b, v, frozen)),
                ))
            }
            TKind::Binary(BinOp::Div, a, b) => rebuild(TKind::Binary(
                BinOp::Div,
                Box::new(freeze(a, v, frozen)),
                Box::new(replace_var(b, v, frozen)),
            )),
            TKind::Binary(BinOp::Pow, a, b)
                if crate::symbolic::literal(b).is_some_and(|n| n >= 0.0 && n.fract() == 0.0) =>
            {
                rebuild(TKind::Binary(
                    BinOp::Pow,
                    Box::new(freeze(a, v, frozen)),
                    b.clone(),
                ))
            }
            _ => replace_var(e, v, frozen),
        }
    })
}

/// A description line split into the terms without noise (`f` and the rest) and with noise (`g`, `dW`).
struct SplitLine {
    deterministic: Vec<(bool, ast::Expr)>,
    stochastic: Vec<(bool, ast::Expr)>,
}

fn terms(e: &ast::Expr, negative: bool, out: &mut Vec<(bool, ast::Expr)>) {
    ganglion_syntax::limits::with_stack(|| match &e.kind {
        ExprKind::Binary {
            op: BinOp::Add,
            lhs,
            rhs,
        } => {
            terms(lhs, negative, out);
            terms(rhs, negative, out);
        }
        ExprKind::Binary {
            op: BinOp::Sub,
            lhs,
            rhs,
        } => {
            terms(lhs, negative, out);
            terms(rhs, !negative, out);
        }
        ExprKind::Unary {
            op: UnaryOp::Neg,
            operand,
        } => terms(operand, !negative, out),
        _ => out.push((negative, e.clone())),
    })
}

/// Splits a description line as Brian2 does: terms with `g` or `dW` are the stochastic part, all others
/// (with `f`, intermediates, `x`) the deterministic part.
fn split_line(e: &ast::Expr) -> Result<SplitLine, String> {
    let mut all = Vec::new();
    terms(e, false, &mut all);
    let mut line = SplitLine {
        deterministic: Vec::new(),
        stochastic: Vec::new(),
    };
    for (neg, t) in all {
        let has_g = mentions(&t, &["g", "dW"]);
        if has_g && mentions(&t, &["f"]) {
            return Err(format!(
                "the term `{t}` mixes `f` and `g`; write them as separate terms"
            ));
        }
        if has_g {
            line.stochastic.push((neg, t));
        } else {
            line.deterministic.push((neg, t));
        }
    }
    Ok(line)
}

/// The context a description expression is converted in.
struct Cx<'s> {
    system: &'s System,
    temps: &'s [String],
    /// The state variable the line is computed for.
    var: usize,
    /// The noise symbol (for stochastic systems).
    xi: Option<&'s str>,
    /// In the output line of a stochastic system, intermediates sum over all noise symbols.
    sum_temps: bool,
}

impl Cx<'_> {
    fn temp_name(&self, temp: &str, var: usize) -> String {
        let v = &self.system.vars[var];
        match self.xi {
            Some(xi) => format!("__{temp}_{v}_{xi}"),
            None => format!("__{temp}_{v}"),
        }
    }

    fn convert(&self, e: &ast::Expr, var: usize) -> Result<TExpr, String> {
        ganglion_syntax::limits::with_stack(|| {
            Ok(match &e.kind {
                ExprKind::Int(v) => texpr(TKind::Int(*v), ValueType::Int),
                ExprKind::Float(v) => float(*v),
                ExprKind::Name(n) => match n.as_str() {
                    "x" => var_of(&self.system.vars[var]),
                    "t" => texpr(TKind::Special(Special::T), ValueType::Float),
                    "dt" => texpr(TKind::Special(Special::Dt), ValueType::Float),
                    "dW" => match self.xi {
                        Some(xi) => texpr(TKind::Noise(xi.into()), ValueType::Float),
                        None => float(0.0),
                    },
                    n if self.temps.iter().any(|t| t == n) => {
                        if self.sum_temps && !self.system.noise.is_empty() {
                            let v = &self.system.vars[var];
                            let mut sum: Option<TExpr> = None;
                            for xi in &self.system.noise {
                                let term = var_of(&format!("__{n}_{v}_{xi}"));
                                sum = Some(match sum {
                                    None => term,
                                    Some(s) => add(s, term),
                                });
                            }
                            sum.unwrap_or_else(|| float(0.0))
                        } else {
                            var_of(&self.temp_name(n, var))
                        }
                    }
                    other => return Err(format!("unknown name `{other}` in the description")),
                },
                ExprKind::Unary { op, operand } => texpr(
                    TKind::Unary(*op, Box::new(self.convert(operand, var)?)),
                    ValueType::Float,
                ),
                ExprKind::Binary { op, lhs, rhs } => {
                    let (a, b) = (self.convert(lhs, var)?, self.convert(rhs, var)?);
                    let ty = if matches!(op, BinOp::Div | BinOp::Pow)
                        || a.ty == ValueType::Float
                        || b.ty == ValueType::Float
                    {
                        ValueType::Float
                    } else {
                        ValueType::Int
                    };
                    texpr(TKind::Binary(*op, Box::new(a), Box::new(b)), ty)
                }
                ExprKind::Call { func, args } if func.name == "f" || func.name == "g" => {
                    if args.len() != 2 {
                        return Err(format!("`{}` takes two arguments (x, t)", func.name));
                    }
                    let base = if func.name == "f" {
                        self.system.f(var)
                    } else {
                        match self.xi {
                            Some(xi) => self.system.g(var, xi),
                            None => float(0.0),
                        }
                    };
                    // Replace every state variable w by the x argument evaluated for w, and t by the t argument.
                    let mut out = base;
                    let replacements: Vec<(String, TExpr)> = (0..self.system.vars.len())
                        .map(|w| Ok((self.system.vars[w].clone(), self.convert(&args[0], w)?)))
                        .collect::<Result<_, String>>()?;
                    out = ganglion_model::symbolic::substitute(&out, &mut |n| {
                        replacements
                            .iter()
                            .find(|(v, _)| v == n)
                            .map(|(_, e)| e.clone())
                    });
                    let t = self.convert(&args[1], var)?;
                    if t.kind != TKind::Special(Special::T) {
                        out = crate::symbolic::replace_time(&out, &t);
                    }
                    out
                }
                ExprKind::Call { func, args } => {
                    let Some(b) = Builtin::from_name(&func.name).filter(|b| !b.is_stateful())
                    else {
                        return Err(format!(
                            "unknown function `{}` in the description",
                            func.name
                        ));
                    };
                    let args: Vec<TExpr> = args
                        .iter()
                        .map(|a| self.convert(a, var))
                        .collect::<Result<_, _>>()?;
                    texpr(TKind::Call(b, args), ValueType::Float)
                }
                _ => return Err(format!("`{e}` is not supported in a description")),
            })
        })
    }

    fn sum(&self, parts: &[(bool, ast::Expr)]) -> Result<TExpr, String> {
        let mut out: Option<TExpr> = None;
        for (neg, t) in parts {
            let x = self.convert(t, self.var)?;
            out = Some(match (out, neg) {
                (None, false) => x,
                (None, true) => texpr(TKind::Unary(UnaryOp::Neg, Box::new(x)), ValueType::Float),
                (Some(s), false) => add(s, x),
                (Some(s), true) => binary(BinOp::Sub, s, x),
            });
        }
        Ok(out.unwrap_or_else(|| float(0.0)))
    }
}

fn var_of(name: &str) -> TExpr {
    var(name)
}

fn explicit(d: &Description, system: &System) -> Result<Plan, String> {
    let stochastic = !system.noise.is_empty();
    if stochastic && d.noise == NoiseSupport::None {
        return Err(format!(
            "`{}` cannot integrate stochastic equations",
            d.name
        ));
    }
    if stochastic
        && system.multiplicative
        && d.noise == NoiseSupport::Additive
        && !system.noise_constant_over_dt()
    {
        return Err(format!(
            "`{}` cannot integrate equations with multiplicative noise",
            d.name
        ));
    }
    if stochastic && d.diagonal {
        let mut seen: Vec<&str> = Vec::new();
        for s in &system.split {
            if s.noise.len() > 1 {
                return Err(format!(
                    "`{}` needs diagonal noise: one noise variable per equation",
                    d.name
                ));
            }
            for (n, _) in &s.noise {
                if seen.contains(&n.as_str()) {
                    return Err(format!(
                        "`{}` needs diagonal noise: `{n}` appears in two equations",
                        d.name
                    ));
                }
                seen.push(n);
            }
        }
    }
    let temp_names: Vec<String> = d.lines.iter().map(|(n, _)| n.clone()).collect();
    let mut temps = Vec::new();
    let xis: Vec<Option<&str>> = if stochastic {
        system.noise.iter().map(|s| Some(s.as_str())).collect()
    } else {
        vec![None]
    };
    for (name, expr) in &d.lines {
        let line = split_line(expr)?;
        for k in 0..system.vars.len() {
            for xi in &xis {
                let cx = Cx {
                    system,
                    temps: &temp_names,
                    var: k,
                    xi: *xi,
                    sum_temps: false,
                };
                let mut value = cx.sum(&line.deterministic)?;
                if stochastic && !line.stochastic.is_empty() {
                    value = add(value, cx.sum(&line.stochastic)?);
                }
                temps.push((cx.temp_name(name, k), simplify(&value)));
            }
        }
    }
    let line = split_line(&d.output)?;
    let mut finals = Vec::new();
    for k in 0..system.vars.len() {
        let cx = Cx {
            system,
            temps: &temp_names,
            var: k,
            xi: None,
            sum_temps: true,
        };
        let mut value = cx.sum(&line.deterministic)?;
        if stochastic {
            for xi in &system.noise {
                let cx = Cx {
                    system,
                    temps: &temp_names,
                    var: k,
                    xi: Some(xi),
                    sum_temps: false,
                };
                if !line.stochastic.is_empty() {
                    value = add(value, cx.sum(&line.stochastic)?);
                }
            }
        }
        finals.push(simplify(&value));
    }
    Ok(Plan::Explicit { temps, finals })
}

/// What was asked for and what was chosen, with the reasons the others were refused.
#[derive(Clone, Debug, PartialEq)]
pub struct MethodChoice {
    /// What the user asked for (`("exact", "euler", "heun")` by default).
    pub requested: Vec<String>,
    /// The method used.
    pub chosen: String,
    /// Methods tried before it, each with the reason it was refused.
    pub refused: Vec<(String, String)>,
}

impl fmt::Display for MethodChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "method {}", self.chosen)?;
        if self.requested.len() > 1 {
            write!(f, " (chosen from {})", self.requested.join(", "))?;
        }
        for (m, why) in &self.refused {
            write!(f, "\n  {m} refused: {why}")?;
        }
        Ok(())
    }
}

/// Tries the requested methods in order and returns the first plan that applies.
pub fn choose(
    requested: &[String],
    system: &System,
) -> Result<(Method, Plan, MethodChoice), ChoiceError> {
    let mut refused = Vec::new();
    for name in requested {
        let method = method_by_name(name).map_err(ChoiceError::Method)?;
        match apply(&method, system) {
            Ok(plan) => {
                let choice = MethodChoice {
                    requested: requested.to_vec(),
                    chosen: method.name().to_string(),
                    refused,
                };
                return Ok((method, plan, choice));
            }
            Err(why) => refused.push((method.name().to_string(), why)),
        }
    }
    Err(ChoiceError::NoneApplies { refused })
}

/// Why no method could be used.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ChoiceError {
    /// A method name or description is invalid.
    #[error(transparent)]
    Method(MethodError),
    /// Every method refused the equations.
    #[error("no integration method suitable for these equations was found")]
    NoneApplies {
        /// Each method tried, with its reason.
        refused: Vec<(String, String)>,
    },
}

//! The built-in functions of the model language, described once: [`FUNCTIONS`] holds one
//! [`Function`] per built-in (name, arity, unit rule, result type, whether it draws random numbers, its
//! value on floats and integers, how the JIT emits it, its derivative).
//!
//! The checker reads arity, unit rule and result type from here; the interpreter evaluates with
//! [`Function::eval`] and [`Function::integers`]; the JIT calls the same `extern "C"` functions or emits
//! the instructions [`Function::lowering`] names; the `exact` integration method differentiates with
//! [`Function::derivative`]. A new function is a variant of [`Builtin`], its entry in [`FUNCTIONS`] (in
//! the enum's order) and its implementation. Semantics are Brian2's.

use std::fmt;

/// A built-in function.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Builtin {
    /// `exp(x)`
    Exp,
    /// `log(x)` (natural logarithm)
    Log,
    /// `log10(x)`
    Log10,
    /// `expm1(x)` = exp(x) - 1, accurate near 0
    Expm1,
    /// `log1p(x)` = log(1 + x), accurate near 0
    Log1p,
    /// `exprel(x)` = (exp(x) - 1)/x, 1 at 0
    Exprel,
    /// `sqrt(x)`
    Sqrt,
    /// `sin(x)`
    Sin,
    /// `cos(x)`
    Cos,
    /// `tan(x)`
    Tan,
    /// `sinh(x)`
    Sinh,
    /// `cosh(x)`
    Cosh,
    /// `tanh(x)`
    Tanh,
    /// `arcsin(x)`
    Arcsin,
    /// `arccos(x)`
    Arccos,
    /// `arctan(x)`
    Arctan,
    /// `abs(x)`
    Abs,
    /// `sign(x)`: -1, 0 or 1
    Sign,
    /// `floor(x)`
    Floor,
    /// `ceil(x)`
    Ceil,
    /// `clip(x, low, high)`
    Clip,
    /// `int(x)`: truncation towards zero
    Int,
    /// `rand()`: uniform in [0, 1)
    Rand,
    /// `randn()`: standard normal
    Randn,
    /// `timestep(t, dt)`: `int64((t + 1e-3*dt)/dt)`
    Timestep,
}

/// How a function's argument dimensions determine its result's (interpreted by the checker).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnitRule {
    /// Every argument dimensionless; result dimensionless.
    Dimensionless,
    /// Any argument; result has half its exponents.
    Sqrt,
    /// Any argument; result has its dimensions.
    Same,
    /// All arguments share the first's dimensions; result has them too.
    AllSame,
    /// Any argument; dimensionless result.
    ToDimensionless,
    /// Every argument a time; dimensionless result.
    Times,
}

/// The type of a function's result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReturnType {
    /// Always floating point.
    Float,
    /// The highest type of the arguments (boolean < integer < float).
    Highest,
    /// A 32-bit integer.
    Integer,
    /// A 64-bit integer.
    Int64,
}

/// How a function is evaluated on floating-point arguments (the interpreter's reference value).
#[derive(Clone, Copy, Debug)]
pub enum Eval {
    /// A float function of one float. `extern "C"`, so that generated code calls this very function
    /// (the JIT's helper for it: both backends compute the same bits).
    Unary(extern "C" fn(f64) -> f64),
    /// A float function of several floats.
    Floats(fn(&[f64]) -> f64),
    /// A 64-bit integer computed from floats (`timestep`).
    Int64(fn(&[f64]) -> i64),
    /// A new random number at every call: lowered to `Op::Random`, never called in a kernel.
    Random,
    /// A conversion (`int`: truncation towards zero): lowered to `Op::Cast`, never called in a kernel.
    Cast,
}

/// How the JIT emits a call on floats (calls on integers, [`Function::integers`], are always inline).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lowering {
    /// A call of the [`Eval::Unary`] function (single precision promoted to double and back).
    Helper,
    /// Machine instructions the JIT emits itself (`sqrt`, `abs`, `clip`, `timestep`).
    Inline,
    /// The fixed operation sequence of [`crate::math`], inline (on packed lanes in the two-lane loop)
    /// where the machine has fused multiply-add, otherwise the helper.
    Sequence,
    /// Never called in a kernel ([`Eval::Random`], [`Eval::Cast`]).
    NotCalled,
}

/// A derivative rule: `f'(u)` as an expression of the argument `u`. The `exact` integration method
/// builds `f'(u) · u'` from it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Formula {
    /// The argument `u`.
    Arg,
    /// A number.
    Number(f64),
    /// A built-in function of a formula.
    Call(Builtin, &'static Formula),
    /// `-a`.
    Neg(&'static Formula),
    /// `a + b`.
    Add(&'static Formula, &'static Formula),
    /// `a - b`.
    Sub(&'static Formula, &'static Formula),
    /// `a * b`.
    Mul(&'static Formula, &'static Formula),
    /// `a / b`.
    Div(&'static Formula, &'static Formula),
}

/// Everything Ganglion knows about one built-in function.
#[derive(Clone, Copy, Debug)]
pub struct Function {
    /// Which function.
    pub builtin: Builtin,
    /// Its name in model code.
    pub name: &'static str,
    /// Number of arguments.
    pub arity: usize,
    /// How argument dimensions map to the result's.
    pub unit_rule: UnitRule,
    /// The type of the result.
    pub return_type: ReturnType,
    /// Whether results may differ by a few ulp between libm implementations.
    pub transcendental: bool,
    /// Its value on floats (and whether it is a random draw or a cast instead).
    pub eval: Eval,
    /// Its value on integers, for the functions that take them (the result has the arguments' type).
    pub integers: Option<fn(&[i64]) -> i64>,
    /// How the JIT emits a call on floats.
    pub lowering: Lowering,
    /// Its derivative, where it has a usable one (`None`: `abs`, `floor`, ... stop differentiation).
    pub derivative: Option<Formula>,
}

/// An entry with the common facts: one dimensionless argument, a float result, nothing inline, no
/// derivative.
const fn function(builtin: Builtin, name: &'static str, eval: Eval) -> Function {
    Function {
        builtin,
        name,
        arity: 1,
        unit_rule: UnitRule::Dimensionless,
        return_type: ReturnType::Float,
        transcendental: false,
        eval,
        integers: None,
        lowering: Lowering::Helper,
        derivative: None,
    }
}

/// A transcendental function of one dimensionless float, called through its helper.
const fn transcendental(
    builtin: Builtin,
    name: &'static str,
    f: extern "C" fn(f64) -> f64,
) -> Function {
    Function {
        transcendental: true,
        ..function(builtin, name, Eval::Unary(f))
    }
}

/// The derivative `g(u)`.
const fn call(g: Builtin) -> Option<Formula> {
    Some(Formula::Call(g, &Formula::Arg))
}

/// Every built-in function, in the order of [`Builtin`]'s variants.
pub static FUNCTIONS: [Function; 25] = [
    Function {
        lowering: Lowering::Sequence,
        derivative: call(Builtin::Exp),
        ..transcendental(Builtin::Exp, "exp", exp)
    },
    Function {
        derivative: Some(Formula::Div(&Formula::Number(1.0), &Formula::Arg)),
        ..transcendental(Builtin::Log, "log", log)
    },
    Function {
        derivative: Some(Formula::Div(
            &Formula::Number(1.0),
            &Formula::Mul(&Formula::Arg, &Formula::Number(std::f64::consts::LN_10)),
        )),
        ..transcendental(Builtin::Log10, "log10", log10)
    },
    Function {
        lowering: Lowering::Sequence,
        derivative: call(Builtin::Exp),
        ..transcendental(Builtin::Expm1, "expm1", expm1)
    },
    Function {
        derivative: Some(Formula::Div(
            &Formula::Number(1.0),
            &Formula::Add(&Formula::Number(1.0), &Formula::Arg),
        )),
        ..transcendental(Builtin::Log1p, "log1p", log1p)
    },
    Function {
        lowering: Lowering::Sequence,
        ..transcendental(Builtin::Exprel, "exprel", exprel)
    },
    Function {
        unit_rule: UnitRule::Sqrt,
        lowering: Lowering::Inline,
        derivative: Some(Formula::Div(
            &Formula::Number(0.5),
            &Formula::Call(Builtin::Sqrt, &Formula::Arg),
        )),
        ..function(Builtin::Sqrt, "sqrt", Eval::Unary(sqrt))
    },
    Function {
        derivative: call(Builtin::Cos),
        ..transcendental(Builtin::Sin, "sin", sin)
    },
    Function {
        derivative: Some(Formula::Neg(&Formula::Call(Builtin::Sin, &Formula::Arg))),
        ..transcendental(Builtin::Cos, "cos", cos)
    },
    Function {
        // 1 + tan(u)²
        derivative: Some(Formula::Add(
            &Formula::Number(1.0),
            &Formula::Mul(
                &Formula::Call(Builtin::Tan, &Formula::Arg),
                &Formula::Call(Builtin::Tan, &Formula::Arg),
            ),
        )),
        ..transcendental(Builtin::Tan, "tan", tan)
    },
    Function {
        derivative: call(Builtin::Cosh),
        ..transcendental(Builtin::Sinh, "sinh", sinh)
    },
    Function {
        derivative: call(Builtin::Sinh),
        ..transcendental(Builtin::Cosh, "cosh", cosh)
    },
    Function {
        // 1 - tanh(u)²
        derivative: Some(Formula::Sub(
            &Formula::Number(1.0),
            &Formula::Mul(
                &Formula::Call(Builtin::Tanh, &Formula::Arg),
                &Formula::Call(Builtin::Tanh, &Formula::Arg),
            ),
        )),
        ..transcendental(Builtin::Tanh, "tanh", tanh)
    },
    transcendental(Builtin::Arcsin, "arcsin", arcsin),
    transcendental(Builtin::Arccos, "arccos", arccos),
    transcendental(Builtin::Arctan, "arctan", arctan),
    Function {
        unit_rule: UnitRule::Same,
        return_type: ReturnType::Highest,
        integers: Some(|a| a[0].wrapping_abs()),
        lowering: Lowering::Inline,
        ..function(Builtin::Abs, "abs", Eval::Unary(abs))
    },
    Function {
        unit_rule: UnitRule::ToDimensionless,
        return_type: ReturnType::Highest,
        integers: Some(|a| a[0].signum()),
        ..function(Builtin::Sign, "sign", Eval::Unary(sign))
    },
    Function {
        unit_rule: UnitRule::Same,
        ..function(Builtin::Floor, "floor", Eval::Unary(floor))
    },
    Function {
        unit_rule: UnitRule::Same,
        ..function(Builtin::Ceil, "ceil", Eval::Unary(ceil))
    },
    Function {
        arity: 3,
        unit_rule: UnitRule::AllSame,
        return_type: ReturnType::Highest,
        integers: Some(|a| a[0].max(a[1]).min(a[2])),
        lowering: Lowering::Inline,
        ..function(
            Builtin::Clip,
            "clip",
            Eval::Floats(|a| clip(a[0], a[1], a[2])),
        )
    },
    Function {
        return_type: ReturnType::Integer,
        lowering: Lowering::NotCalled,
        ..function(Builtin::Int, "int", Eval::Cast)
    },
    Function {
        arity: 0,
        lowering: Lowering::NotCalled,
        ..function(Builtin::Rand, "rand", Eval::Random)
    },
    Function {
        arity: 0,
        lowering: Lowering::NotCalled,
        ..function(Builtin::Randn, "randn", Eval::Random)
    },
    Function {
        arity: 2,
        unit_rule: UnitRule::Times,
        return_type: ReturnType::Int64,
        lowering: Lowering::Inline,
        ..function(
            Builtin::Timestep,
            "timestep",
            Eval::Int64(|a| timestep(a[0], a[1])),
        )
    },
];

// The table is in the order of the enum: `Builtin::info` indexes it.
const _: () = {
    let mut k = 0;
    while k < FUNCTIONS.len() {
        assert!(FUNCTIONS[k].builtin as usize == k);
        k += 1;
    }
};

const ALL: [Builtin; FUNCTIONS.len()] = {
    let mut all = [Builtin::Exp; FUNCTIONS.len()];
    let mut k = 0;
    while k < all.len() {
        all[k] = FUNCTIONS[k].builtin;
        k += 1;
    }
    all
};

extern "C" fn exp(x: f64) -> f64 {
    crate::math::exp(x)
}
extern "C" fn log(x: f64) -> f64 {
    x.ln()
}
extern "C" fn log10(x: f64) -> f64 {
    x.log10()
}
extern "C" fn expm1(x: f64) -> f64 {
    crate::math::expm1(x)
}
extern "C" fn log1p(x: f64) -> f64 {
    x.ln_1p()
}
extern "C" fn exprel(x: f64) -> f64 {
    crate::math::exprel(x)
}
extern "C" fn sqrt(x: f64) -> f64 {
    x.sqrt()
}
extern "C" fn sin(x: f64) -> f64 {
    x.sin()
}
extern "C" fn cos(x: f64) -> f64 {
    x.cos()
}
extern "C" fn tan(x: f64) -> f64 {
    x.tan()
}
extern "C" fn sinh(x: f64) -> f64 {
    x.sinh()
}
extern "C" fn cosh(x: f64) -> f64 {
    x.cosh()
}
extern "C" fn tanh(x: f64) -> f64 {
    x.tanh()
}
extern "C" fn arcsin(x: f64) -> f64 {
    x.asin()
}
extern "C" fn arccos(x: f64) -> f64 {
    x.acos()
}
extern "C" fn arctan(x: f64) -> f64 {
    x.atan()
}
extern "C" fn abs(x: f64) -> f64 {
    x.abs()
}
extern "C" fn floor(x: f64) -> f64 {
    x.floor()
}
extern "C" fn ceil(x: f64) -> f64 {
    x.ceil()
}

impl Builtin {
    /// Every built-in function.
    pub fn all() -> &'static [Builtin] {
        &ALL
    }

    /// Its entry in [`FUNCTIONS`].
    pub fn info(self) -> &'static Function {
        &FUNCTIONS[self as usize]
    }

    /// The function called `name` in model code.
    pub fn from_name(name: &str) -> Option<Builtin> {
        FUNCTIONS.iter().find(|f| f.name == name).map(|f| f.builtin)
    }

    /// Its name in model code.
    pub fn name(self) -> &'static str {
        self.info().name
    }

    /// Number of arguments.
    pub fn arity(self) -> usize {
        self.info().arity
    }

    /// Whether each call gives a new value (random numbers): such calls are never merged or hoisted.
    pub fn is_stateful(self) -> bool {
        matches!(self.info().eval, Eval::Random)
    }

    /// How argument dimensions map to the result's.
    pub fn unit_rule(self) -> UnitRule {
        self.info().unit_rule
    }

    /// The type of the result.
    pub fn return_type(self) -> ReturnType {
        self.info().return_type
    }

    /// Whether the function is a transcendental one (results may differ by a few ulp between libm
    /// implementations).
    pub fn is_transcendental(self) -> bool {
        self.info().transcendental
    }

    /// The reference value of a floating-point function of floating-point arguments (`None` for the
    /// random and integer-valued functions, which the interpreter handles itself).
    pub fn eval_float(self, args: &[f64]) -> Option<f64> {
        match self.info().eval {
            Eval::Unary(f) => Some(f(args.first().copied().unwrap_or(f64::NAN))),
            Eval::Floats(f) => Some(f(args)),
            Eval::Int64(_) | Eval::Random | Eval::Cast => None,
        }
    }
}

impl fmt::Display for Builtin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// -1, 0 or 1 (NaN for NaN), like numpy's `sign`.
pub extern "C" fn sign(x: f64) -> f64 {
    if x > 0.0 {
        1.0
    } else if x < 0.0 {
        -1.0
    } else {
        x * 0.0
    }
}

/// `x` limited to `[low, high]` (numpy's `clip`: `min(max(x, low), high)`; NaN stays NaN).
pub fn clip(x: f64, low: f64, high: f64) -> f64 {
    if x.is_nan() {
        return x;
    }
    let y = if x < low { low } else { x };
    if y > high { high } else { y }
}

/// `timestep(t, dt)`: the index of the time step containing `t`, robust to rounding.
pub fn timestep(t: f64, dt: f64) -> i64 {
    ((t + 1e-3 * dt) / dt) as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for b in Builtin::all() {
            assert_eq!(Builtin::from_name(b.name()), Some(*b));
        }
        assert_eq!(Builtin::from_name("foo"), None);
    }

    #[test]
    fn edge_values() {
        assert_eq!(sign(-3.0), -1.0);
        assert!(sign(f64::NAN).is_nan());
        assert_eq!(clip(5.0, 0.0, 1.0), 1.0);
        assert_eq!(timestep(0.3e-3, 0.1e-3), 3);
    }

    /// The entries agree with one another: what is called has a value, what takes integers has an
    /// integer value, what is lowered by a helper has a function of one float to call, derivatives
    /// exist only for functions of one argument and call only functions of one argument.
    #[test]
    fn every_entry_is_consistent() {
        assert_eq!(Builtin::all().len(), FUNCTIONS.len());
        for f in &FUNCTIONS {
            assert_eq!(f.builtin.info().name, f.name);
            let called = !matches!(f.eval, Eval::Random | Eval::Cast);
            assert_eq!(called, f.lowering != Lowering::NotCalled, "{}", f.name);
            assert_eq!(f.builtin.is_stateful(), matches!(f.eval, Eval::Random));
            if matches!(f.lowering, Lowering::Helper | Lowering::Sequence) {
                assert!(matches!(f.eval, Eval::Unary(_)), "{}", f.name);
            }
            if matches!(f.eval, Eval::Unary(_)) {
                assert_eq!(f.arity, 1, "{}", f.name);
            }
            if f.integers.is_some() {
                assert_eq!(f.return_type, ReturnType::Highest, "{}", f.name);
            }
            if let Some(d) = &f.derivative {
                assert_eq!(f.arity, 1, "{}", f.name);
                fn calls_unary(d: &Formula) -> bool {
                    match d {
                        Formula::Arg | Formula::Number(_) => true,
                        Formula::Call(g, x) => g.arity() == 1 && calls_unary(x),
                        Formula::Neg(x) => calls_unary(x),
                        Formula::Add(a, b)
                        | Formula::Sub(a, b)
                        | Formula::Mul(a, b)
                        | Formula::Div(a, b) => calls_unary(a) && calls_unary(b),
                    }
                }
                assert!(calls_unary(d), "{}", f.name);
            }
        }
    }

    /// Each derivative rule agrees with a central difference at a few points inside its domain.
    #[test]
    fn derivatives_agree_with_finite_differences() {
        fn value(d: &Formula, u: f64) -> f64 {
            match d {
                Formula::Arg => u,
                Formula::Number(v) => *v,
                Formula::Call(g, x) => g.eval_float(&[value(x, u)]).unwrap(),
                Formula::Neg(x) => -value(x, u),
                Formula::Add(a, b) => value(a, u) + value(b, u),
                Formula::Sub(a, b) => value(a, u) - value(b, u),
                Formula::Mul(a, b) => value(a, u) * value(b, u),
                Formula::Div(a, b) => value(a, u) / value(b, u),
            }
        }
        for f in FUNCTIONS.iter().filter(|f| f.derivative.is_some()) {
            let d = f.derivative.as_ref().unwrap();
            for u in [0.3, 0.7, 1.4] {
                let h = 1e-6;
                let g = |x: f64| f.builtin.eval_float(&[x]).unwrap();
                let numeric = (g(u + h) - g(u - h)) / (2.0 * h);
                let exact = value(d, u);
                assert!(
                    (numeric - exact).abs() <= 1e-6 * exact.abs().max(1.0),
                    "{}'({u}) = {exact}, numerically {numeric}",
                    f.name
                );
            }
        }
    }
}

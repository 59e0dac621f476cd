//! The built-in functions of the model language, described once.
//!
//! The checker reads arity, unit rule and result type from here; the interpreter evaluates with
//! [`Builtin::eval_float`]; the JIT emits the same operations. Semantics are Brian2's.

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

const ALL: [Builtin; 25] = [
    Builtin::Exp,
    Builtin::Log,
    Builtin::Log10,
    Builtin::Expm1,
    Builtin::Log1p,
    Builtin::Exprel,
    Builtin::Sqrt,
    Builtin::Sin,
    Builtin::Cos,
    Builtin::Tan,
    Builtin::Sinh,
    Builtin::Cosh,
    Builtin::Tanh,
    Builtin::Arcsin,
    Builtin::Arccos,
    Builtin::Arctan,
    Builtin::Abs,
    Builtin::Sign,
    Builtin::Floor,
    Builtin::Ceil,
    Builtin::Clip,
    Builtin::Int,
    Builtin::Rand,
    Builtin::Randn,
    Builtin::Timestep,
];

impl Builtin {
    /// Every built-in function.
    pub fn all() -> &'static [Builtin] {
        &ALL
    }

    /// The function called `name` in model code.
    pub fn from_name(name: &str) -> Option<Builtin> {
        ALL.iter().copied().find(|b| b.name() == name)
    }

    /// Its name in model code.
    pub fn name(self) -> &'static str {
        match self {
            Builtin::Exp => "exp",
            Builtin::Log => "log",
            Builtin::Log10 => "log10",
            Builtin::Expm1 => "expm1",
            Builtin::Log1p => "log1p",
            Builtin::Exprel => "exprel",
            Builtin::Sqrt => "sqrt",
            Builtin::Sin => "sin",
            Builtin::Cos => "cos",
            Builtin::Tan => "tan",
            Builtin::Sinh => "sinh",
            Builtin::Cosh => "cosh",
            Builtin::Tanh => "tanh",
            Builtin::Arcsin => "arcsin",
            Builtin::Arccos => "arccos",
            Builtin::Arctan => "arctan",
            Builtin::Abs => "abs",
            Builtin::Sign => "sign",
            Builtin::Floor => "floor",
            Builtin::Ceil => "ceil",
            Builtin::Clip => "clip",
            Builtin::Int => "int",
            Builtin::Rand => "rand",
            Builtin::Randn => "randn",
            Builtin::Timestep => "timestep",
        }
    }

    /// Number of arguments.
    pub fn arity(self) -> usize {
        match self {
            Builtin::Rand | Builtin::Randn => 0,
            Builtin::Clip => 3,
            Builtin::Timestep => 2,
            _ => 1,
        }
    }

    /// Whether each call gives a new value (random numbers): such calls are never merged or hoisted.
    pub fn is_stateful(self) -> bool {
        matches!(self, Builtin::Rand | Builtin::Randn)
    }

    /// How argument dimensions map to the result's.
    pub fn unit_rule(self) -> UnitRule {
        match self {
            Builtin::Sqrt => UnitRule::Sqrt,
            Builtin::Abs | Builtin::Floor | Builtin::Ceil => UnitRule::Same,
            Builtin::Clip => UnitRule::AllSame,
            Builtin::Sign => UnitRule::ToDimensionless,
            Builtin::Timestep => UnitRule::Times,
            _ => UnitRule::Dimensionless,
        }
    }

    /// The type of the result.
    pub fn return_type(self) -> ReturnType {
        match self {
            Builtin::Abs | Builtin::Sign | Builtin::Clip => ReturnType::Highest,
            Builtin::Int => ReturnType::Integer,
            Builtin::Timestep => ReturnType::Int64,
            _ => ReturnType::Float,
        }
    }

    /// Whether the function is a transcendental one (results may differ by a few ulp between libm
    /// implementations).
    pub fn is_transcendental(self) -> bool {
        matches!(
            self,
            Builtin::Exp
                | Builtin::Log
                | Builtin::Log10
                | Builtin::Expm1
                | Builtin::Log1p
                | Builtin::Exprel
                | Builtin::Sin
                | Builtin::Cos
                | Builtin::Tan
                | Builtin::Sinh
                | Builtin::Cosh
                | Builtin::Tanh
                | Builtin::Arcsin
                | Builtin::Arccos
                | Builtin::Arctan
        )
    }

    /// The reference value of a floating-point function of floating-point arguments (`None` for the
    /// random and integer-valued functions, which the interpreter handles itself).
    pub fn eval_float(self, args: &[f64]) -> Option<f64> {
        let x = args.first().copied().unwrap_or(f64::NAN);
        Some(match self {
            Builtin::Exp => crate::math::exp(x),
            Builtin::Log => x.ln(),
            Builtin::Log10 => x.log10(),
            Builtin::Expm1 => crate::math::expm1(x),
            Builtin::Log1p => x.ln_1p(),
            Builtin::Exprel => crate::math::exprel(x),
            Builtin::Sqrt => x.sqrt(),
            Builtin::Sin => x.sin(),
            Builtin::Cos => x.cos(),
            Builtin::Tan => x.tan(),
            Builtin::Sinh => x.sinh(),
            Builtin::Cosh => x.cosh(),
            Builtin::Tanh => x.tanh(),
            Builtin::Arcsin => x.asin(),
            Builtin::Arccos => x.acos(),
            Builtin::Arctan => x.atan(),
            Builtin::Abs => x.abs(),
            Builtin::Sign => sign(x),
            Builtin::Floor => x.floor(),
            Builtin::Ceil => x.ceil(),
            Builtin::Clip => clip(x, args[1], args[2]),
            Builtin::Int | Builtin::Rand | Builtin::Randn | Builtin::Timestep => return None,
        })
    }
}

impl fmt::Display for Builtin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// -1, 0 or 1 (NaN for NaN), like numpy's `sign`.
pub fn sign(x: f64) -> f64 {
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
}

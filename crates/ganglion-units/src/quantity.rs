//! Quantities: an SI value with a dimension.

use std::fmt;
use std::ops::{Div, Mul, Neg};
use std::str::FromStr;

use crate::registry::best_display_unit;
use crate::{Dimension, QuantityParseError, Rational, Unit};

/// Two dimensions that had to agree but do not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("dimensions do not match (units are {left} and {right})")]
pub struct DimensionMismatch {
    /// The dimension of the left (or first) operand.
    pub left: Dimension,
    /// The dimension of the right (or second) operand.
    pub right: Dimension,
}

/// A physical quantity: a value in SI base units and its dimension.
///
/// `Display` follows Brian2's `str()`: the value in the best unit with numpy's default
/// precision (8 decimals, trailing zeros trimmed, whole numbers with a trailing `.`), e.g.
/// `"-70. mV"`, `"5. ms"`, `"0.5 nA"`, `"10. Hz"`, `"0.3"` (dimensionless),
/// `"2. volt/second"` (no registered unit: the SI value and the dimension).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Quantity {
    /// The value in SI base units.
    pub value: f64,
    /// The dimension.
    pub dim: Dimension,
}

impl Quantity {
    /// A quantity of SI value `value` and dimension `dim`.
    pub const fn new(value: f64, dim: Dimension) -> Quantity {
        Quantity { value, dim }
    }

    /// A dimensionless number.
    pub const fn dimensionless(v: f64) -> Quantity {
        Quantity::new(v, Dimension::DIMENSIONLESS)
    }

    /// Whether the quantity has no dimension.
    pub fn is_dimensionless(&self) -> bool {
        self.dim.is_dimensionless()
    }

    /// `self + o`; the dimensions must be equal (`0` is not special).
    pub fn checked_add(self, o: Quantity) -> Result<Quantity, DimensionMismatch> {
        self.same_dim(o)?;
        Ok(Quantity::new(self.value + o.value, self.dim))
    }

    /// `self - o`; the dimensions must be equal.
    pub fn checked_sub(self, o: Quantity) -> Result<Quantity, DimensionMismatch> {
        self.same_dim(o)?;
        Ok(Quantity::new(self.value - o.value, self.dim))
    }

    fn same_dim(self, o: Quantity) -> Result<(), DimensionMismatch> {
        if self.dim == o.dim {
            Ok(())
        } else {
            Err(DimensionMismatch {
                left: self.dim,
                right: o.dim,
            })
        }
    }

    /// The quantity raised to the power `p` (integer powers use `powi`).
    ///
    /// # Panics
    /// Panics if a dimension exponent overflows `i32` (see [`Quantity::checked_powf`]).
    pub fn powf(self, p: Rational) -> Quantity {
        self.checked_powf(p).expect("dimension exponent overflow")
    }

    /// The quantity raised to the power `p`, or `None` if a dimension exponent overflows.
    pub fn checked_powf(self, p: Rational) -> Option<Quantity> {
        let value = if p.is_integer() {
            self.value.powi(p.num())
        } else {
            self.value.powf(p.to_f64())
        };
        Some(Quantity::new(value, self.dim.checked_pow(p)?))
    }

    /// The square root.
    pub fn sqrt(self) -> Quantity {
        Quantity::new(self.value.sqrt(), self.dim.sqrt())
    }

    /// The value in the given unit; an error if the dimensions differ.
    pub fn in_unit(self, unit: &Unit) -> Result<f64, DimensionMismatch> {
        self.same_dim(unit.quantity())?;
        Ok(self.value / unit.scale)
    }

    /// Parses a simple quantity expression: numbers (Python syntax: `1`, `1.0`, `.5`, `5.`,
    /// `1e-3`, `1E3`), unit names, `* / ** + -`, unary minus and parentheses, e.g. `"5*ms"`,
    /// `"-70*mV"`, `"10*mV/ms"`, `"3 * metre**2"`, `"5*second**-1"`, `"(10*ms)"`, `"mV"`,
    /// `"2.5"`. Errors carry the byte offset where parsing went wrong.
    pub fn parse(s: &str) -> Result<Quantity, QuantityParseError> {
        crate::parse::parse_quantity(s)
    }

    /// The unit a quantity is best shown in, as Brian2 picks it: among the units Brian2
    /// registers for display (for volts `volt`, `mV`, `uvolt`, `kvolt`...; for times
    /// `second`, `ms`, `us`, `nsecond`...), the one giving a number closest to 10 on a log
    /// scale; stdunits aliases are used where they exist. `None` for dimensionless quantities
    /// and dimensions without a registered unit (e.g. `volt/second`).
    pub fn best_unit(&self) -> Option<&'static Unit> {
        if self.is_dimensionless() {
            return None;
        }
        best_display_unit(self.dim, self.value)
    }
}

impl From<f64> for Quantity {
    fn from(v: f64) -> Self {
        Quantity::dimensionless(v)
    }
}

impl From<&Unit> for Quantity {
    fn from(u: &Unit) -> Self {
        u.quantity()
    }
}

impl Mul for Quantity {
    type Output = Quantity;
    /// Multiplies values and dimensions. Panics if a dimension exponent overflows `i32`.
    fn mul(self, o: Quantity) -> Quantity {
        Quantity::new(self.value * o.value, self.dim * o.dim)
    }
}

impl Div for Quantity {
    type Output = Quantity;
    /// Divides values and dimensions. Panics if a dimension exponent overflows `i32`.
    fn div(self, o: Quantity) -> Quantity {
        Quantity::new(self.value / o.value, self.dim / o.dim)
    }
}

impl Mul<f64> for Quantity {
    type Output = Quantity;
    fn mul(self, o: f64) -> Quantity {
        Quantity::new(self.value * o, self.dim)
    }
}

impl Mul<Quantity> for f64 {
    type Output = Quantity;
    fn mul(self, o: Quantity) -> Quantity {
        Quantity::new(self * o.value, o.dim)
    }
}

impl Div<f64> for Quantity {
    type Output = Quantity;
    fn div(self, o: f64) -> Quantity {
        Quantity::new(self.value / o, self.dim)
    }
}

impl Neg for Quantity {
    type Output = Quantity;
    fn neg(self) -> Quantity {
        Quantity::new(-self.value, self.dim)
    }
}

impl FromStr for Quantity {
    type Err = QuantityParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Quantity::parse(s)
    }
}

/// Drops trailing zeros after the decimal point, keeping the point (`"70.000"` -> `"70."`).
fn trim_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0')
    } else {
        s
    }
}

/// Formats a float as numpy prints a scalar array with default options (precision 8,
/// `floatmode="maxprec"`): `"-70."`, `"0.5"`, `"0.33333333"`, `"1.e+08"`, `"1.5e-05"`.
pub fn format_number(v: f64) -> String {
    if v.is_nan() {
        return "nan".to_string();
    }
    if v.is_infinite() {
        return if v > 0.0 { "inf" } else { "-inf" }.to_string();
    }
    let a = v.abs();
    if a != 0.0 && !(1e-4..1e8).contains(&a) {
        let s = format!("{v:.8e}");
        let (mantissa, exp) = s.split_once('e').expect("`{:e}` output has an exponent");
        let exp: i32 = exp.parse().expect("`{:e}` exponent is an integer");
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{}e{sign}{:02}", trim_zeros(mantissa), exp.abs())
    } else {
        trim_zeros(&format!("{v:.8}")).to_string()
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_dimensionless() {
            return f.write_str(&format_number(self.value));
        }
        match self.best_unit() {
            Some(u) => write!(f, "{} {}", format_number(self.value / u.scale), u.name),
            None => write!(f, "{} {}", format_number(self.value), self.dim),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lookup;

    fn q(s: &str) -> Quantity {
        Quantity::parse(s).unwrap()
    }

    #[test]
    fn numbers() {
        let cases = [
            (-70.0, "-70."),
            (5.0, "5."),
            (0.5, "0.5"),
            (0.0, "0."),
            (-0.0, "-0."),
            (1.0 / 3.0, "0.33333333"),
            (300.000_000_000_000_06, "300."),
            (123.456_789_012, "123.45678901"),
            (1e8, "1.e+08"),
            (1.5e-5, "1.5e-05"),
            (-2.5e20, "-2.5e+20"),
            (1e-4, "0.0001"),
            (1.234_567_891_23e-7, "1.23456789e-07"),
            (1e100, "1.e+100"),
            (f64::NAN, "nan"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
        ];
        for (v, s) in cases {
            assert_eq!(format_number(v), s, "{v}");
        }
    }

    #[test]
    fn display() {
        let cases = [
            ("-70*mV", "-70. mV"),
            ("5*ms", "5. ms"),
            ("0.5*nA", "0.5 nA"),
            ("10*Hz", "10. Hz"),
            ("1.5*uS", "1.5 uS"),
            ("0.3", "0.3"),
            ("0.1*ms*3", "300. us"),
            ("0.5*second", "0.5 second"),
            ("500*ms", "0.5 second"),
            ("200*pF", "200. pF"),
            ("1*ufarad", "1. uF"),
            ("100*Mohm", "100. Mohm"),
            ("10*kohm", "10. kohm"),
            ("2*kHz", "2. kHz"),
            ("20*MHz", "20. MHz"),
            ("10*mM", "10. mM"),
            ("5*uM", "5. uM"),
            ("3*molar", "3. molar"),
            ("20*um", "20. um"),
            ("1*cm", "10. mm"),
            ("100*um2", "100. um2"),
            ("1*mS", "1. mS"),
            ("20*nS", "20. nS"),
            ("1*kilogram", "1. kilogram"),
            ("5*gram", "5. gram"),
            ("5*mgram", "5. mgram"),
            ("300*kelvin", "300. kelvin"),
            ("1*litre", "0.001 metre3"),
            ("2*metre**2*kilogram/second", "2. metre**2*kilogram/second"),
            ("2*volt/second", "2. volt/second"),
            ("0*mV", "0. volt"),
            ("1*newton", "1. newton"),
            ("1*becquerel", "1. Hz"),
            ("1*sievert", "1. gray"),
        ];
        for (src, shown) in cases {
            assert_eq!(q(src).to_string(), shown, "{src}");
        }
    }

    #[test]
    fn best_unit() {
        assert_eq!(q("-70*mV").best_unit().unwrap().name, "mV");
        assert_eq!(q("0.07*volt").best_unit().unwrap().name, "mV");
        assert_eq!(q("3").best_unit(), None);
        assert_eq!(q("1*volt/second").best_unit(), None);
    }

    #[test]
    fn arithmetic() {
        let mv = lookup("mV").unwrap().quantity();
        let ms = lookup("ms").unwrap().quantity();
        let x = 10.0 * mv / ms;
        assert_eq!(x.dim, Dimension::VOLTAGE / Dimension::TIME);
        assert!((x.value - 10.0).abs() < 1e-12);
        assert!(mv.checked_add(mv).is_ok());
        let err = mv.checked_add(ms).unwrap_err();
        assert_eq!(err.left, Dimension::VOLTAGE);
        assert_eq!(err.right, Dimension::TIME);
        assert_eq!(
            err.to_string(),
            "dimensions do not match (units are volt and second)"
        );
        assert!(mv.checked_sub(Quantity::dimensionless(0.0)).is_err());
        assert_eq!((-mv).value, -1e-3);
        let area = (2.0 * lookup("metre").unwrap().quantity()).powf(2.into());
        assert_eq!(area, Quantity::new(4.0, Dimension::LENGTH.pow(2.into())));
        assert_eq!(area.sqrt().dim, Dimension::LENGTH);
        assert_eq!(area.powf(Rational::HALF).value, 2.0);
        assert_eq!((-70.0 * mv).in_unit(lookup("mV").unwrap()), Ok(-70.0));
        assert!(mv.in_unit(lookup("second").unwrap()).is_err());
        assert_eq!(Quantity::from(lookup("nS").unwrap()).value, 1e-9);
        assert_eq!(Quantity::from(2.0), Quantity::dimensionless(2.0));
    }
}

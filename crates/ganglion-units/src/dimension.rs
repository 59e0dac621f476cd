//! Physical dimensions: rational exponents of the seven SI base dimensions.

use std::fmt;
use std::ops::{Div, Mul};

use crate::Rational;

/// Names of the base units, in Brian2's dimension order (m, kg, s, A, K, mol, cd).
pub(crate) const BASE_UNIT_NAMES: [&str; 7] = [
    "metre", "kilogram", "second", "amp", "kelvin", "mole", "candle",
];

/// A physical dimension: exponents of the 7 SI base dimensions, in Brian2's order
/// m, kg, s, A, K, mol, cd.
///
/// `Display` writes a unit expression of Brian2's model language made of base (scale 1) units
/// only, so it can be shown in error messages and parsed back: `"1"`, `"volt"`,
/// `"volt/second"`, `"siemens/metre**2"`, `"volt**2"`, `"metre**2*kilogram/(second**3*amp)"`,
/// `"1/second**0.5"`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Dimension {
    exps: [Rational; 7],
}

impl Dimension {
    /// No dimension (a pure number).
    pub const DIMENSIONLESS: Dimension = Dimension::from_ints([0, 0, 0, 0, 0, 0, 0]);
    /// Length (metre).
    pub const LENGTH: Dimension = Dimension::from_ints([1, 0, 0, 0, 0, 0, 0]);
    /// Mass (kilogram).
    pub const MASS: Dimension = Dimension::from_ints([0, 1, 0, 0, 0, 0, 0]);
    /// Time (second).
    pub const TIME: Dimension = Dimension::from_ints([0, 0, 1, 0, 0, 0, 0]);
    /// Electric current (amp).
    pub const CURRENT: Dimension = Dimension::from_ints([0, 0, 0, 1, 0, 0, 0]);
    /// Temperature (kelvin).
    pub const TEMPERATURE: Dimension = Dimension::from_ints([0, 0, 0, 0, 1, 0, 0]);
    /// Amount of substance (mole).
    pub const AMOUNT: Dimension = Dimension::from_ints([0, 0, 0, 0, 0, 1, 0]);
    /// Luminous intensity (candela; Brian2 calls the unit `candle`).
    pub const LUMINOSITY: Dimension = Dimension::from_ints([0, 0, 0, 0, 0, 0, 1]);

    /// Voltage (volt).
    pub const VOLTAGE: Dimension = Dimension::from_ints([2, 1, -3, -1, 0, 0, 0]);
    /// Electric conductance (siemens).
    pub const CONDUCTANCE: Dimension = Dimension::from_ints([-2, -1, 3, 2, 0, 0, 0]);
    /// Electric capacitance (farad).
    pub const CAPACITANCE: Dimension = Dimension::from_ints([-2, -1, 4, 2, 0, 0, 0]);
    /// Electric resistance (ohm).
    pub const RESISTANCE: Dimension = Dimension::from_ints([2, 1, -3, -2, 0, 0, 0]);
    /// Frequency (hertz, 1/second).
    pub const FREQUENCY: Dimension = Dimension::from_ints([0, 0, -1, 0, 0, 0, 0]);
    /// Concentration (mol/m³, e.g. `mmolar`).
    pub const CONCENTRATION: Dimension = Dimension::from_ints([-3, 0, 0, 0, 0, 1, 0]);

    /// The dimension with the given exponents (order m, kg, s, A, K, mol, cd).
    pub const fn new(exponents: [Rational; 7]) -> Dimension {
        Dimension { exps: exponents }
    }

    /// The dimension with the given integer exponents (order m, kg, s, A, K, mol, cd).
    pub const fn from_ints(exponents: [i32; 7]) -> Dimension {
        let mut exps = [Rational::ZERO; 7];
        let mut i = 0;
        while i < 7 {
            exps[i] = Rational::integer(exponents[i]);
            i += 1;
        }
        Dimension { exps }
    }

    /// The exponents (order m, kg, s, A, K, mol, cd).
    pub const fn exponents(&self) -> [Rational; 7] {
        self.exps
    }

    /// Whether all exponents are zero.
    pub fn is_dimensionless(&self) -> bool {
        self.exps.iter().all(|e| e.is_zero())
    }

    /// Whether all exponents are integers.
    pub fn has_integer_exponents(&self) -> bool {
        self.exps.iter().all(|e| e.is_integer())
    }

    /// The dimension raised to the power `p`.
    ///
    /// # Panics
    /// Panics if an exponent overflows `i32` (see [`Dimension::checked_pow`]).
    pub fn pow(self, p: Rational) -> Dimension {
        self.checked_pow(p).expect("dimension exponent overflow")
    }

    /// The dimension raised to the power `p`, or `None` if an exponent overflows.
    pub fn checked_pow(self, p: Rational) -> Option<Dimension> {
        self.zip_with(self, |a, _| a.checked_mul(p))
    }

    /// The inverse dimension (all exponents negated).
    pub fn recip(self) -> Dimension {
        self.pow(Rational::integer(-1))
    }

    /// The square root (all exponents halved).
    pub fn sqrt(self) -> Dimension {
        self.pow(Rational::HALF)
    }

    /// The product of two dimensions, or `None` if an exponent overflows.
    pub fn checked_mul(self, o: Dimension) -> Option<Dimension> {
        self.zip_with(o, Rational::checked_add)
    }

    /// The quotient of two dimensions, or `None` if an exponent overflows.
    pub fn checked_div(self, o: Dimension) -> Option<Dimension> {
        self.zip_with(o, Rational::checked_sub)
    }

    fn zip_with(
        self,
        o: Dimension,
        f: impl Fn(Rational, Rational) -> Option<Rational>,
    ) -> Option<Dimension> {
        let mut exps = [Rational::ZERO; 7];
        for (i, e) in exps.iter_mut().enumerate() {
            *e = f(self.exps[i], o.exps[i])?;
        }
        Some(Dimension { exps })
    }
}

impl Default for Dimension {
    fn default() -> Self {
        Dimension::DIMENSIONLESS
    }
}

impl Mul for Dimension {
    type Output = Dimension;
    /// Adds exponents. Panics if one overflows `i32`.
    fn mul(self, o: Dimension) -> Dimension {
        self.checked_mul(o).expect("dimension exponent overflow")
    }
}

impl Div for Dimension {
    type Output = Dimension;
    /// Subtracts exponents. Panics if one overflows `i32`.
    fn div(self, o: Dimension) -> Dimension {
        self.checked_div(o).expect("dimension exponent overflow")
    }
}

/// Named units preferred when displaying a dimension, in priority order.
const PREFERRED: [(&str, Dimension); 19] = [
    ("volt", Dimension::VOLTAGE),
    ("amp", Dimension::CURRENT),
    ("second", Dimension::TIME),
    ("siemens", Dimension::CONDUCTANCE),
    ("farad", Dimension::CAPACITANCE),
    ("ohm", Dimension::RESISTANCE),
    ("metre", Dimension::LENGTH),
    ("kilogram", Dimension::MASS),
    ("mole", Dimension::AMOUNT),
    ("kelvin", Dimension::TEMPERATURE),
    ("candle", Dimension::LUMINOSITY),
    ("coulomb", Dimension::from_ints([0, 0, 1, 1, 0, 0, 0])),
    ("joule", Dimension::from_ints([2, 1, -2, 0, 0, 0, 0])),
    ("watt", Dimension::from_ints([2, 1, -3, 0, 0, 0, 0])),
    ("newton", Dimension::from_ints([1, 1, -2, 0, 0, 0, 0])),
    ("pascal", Dimension::from_ints([-1, 1, -2, 0, 0, 0, 0])),
    ("weber", Dimension::from_ints([2, 1, -2, -1, 0, 0, 0])),
    ("tesla", Dimension::from_ints([0, 1, -2, -1, 0, 0, 0])),
    ("henry", Dimension::from_ints([2, 1, -2, -2, 0, 0, 0])),
];

fn preferred_name(d: Option<Dimension>) -> Option<&'static str> {
    let d = d?;
    PREFERRED.iter().find(|(_, p)| *p == d).map(|(n, _)| *n)
}

/// Writes `name` raised to `|e|` (`e` non-zero): `name`, `name**2`, `name**0.5`.
fn write_factor(out: &mut String, name: &str, e: Rational) {
    out.push_str(name);
    let a = e.abs();
    if a == Rational::ONE {
        return;
    }
    out.push_str("**");
    if a.is_integer() {
        out.push_str(&a.num().to_string());
    } else {
        // Shortest round-trip decimal; `Rational::from_f64` recovers it for den <= 12.
        out.push_str(&a.to_f64().to_string());
    }
}

impl fmt::Display for Dimension {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_dimensionless() {
            return f.write_str("1");
        }
        if let Some(n) = preferred_name(Some(*self)) {
            return f.write_str(n);
        }
        if let Some(n) = preferred_name(self.checked_mul(Dimension::TIME)) {
            return write!(f, "{n}/second");
        }
        let area = Dimension::from_ints([2, 0, 0, 0, 0, 0, 0]);
        if let Some(n) = preferred_name(self.checked_mul(area)).filter(|n| *n != "metre") {
            return write!(f, "{n}/metre**2");
        }
        for p in [2, 3] {
            if let Some((n, _)) = PREFERRED
                .iter()
                .find(|(_, d)| d.checked_pow(Rational::integer(p)) == Some(*self))
            {
                return write!(f, "{n}**{p}");
            }
        }
        let mut pos = Vec::new();
        let mut neg = Vec::new();
        for (name, e) in BASE_UNIT_NAMES.iter().zip(self.exps) {
            if e > Rational::ZERO {
                pos.push((*name, e));
            } else if e < Rational::ZERO {
                neg.push((*name, e));
            }
        }
        let mut out = String::new();
        if pos.is_empty() {
            out.push('1');
        }
        for (i, (name, e)) in pos.iter().enumerate() {
            if i > 0 {
                out.push('*');
            }
            write_factor(&mut out, name, *e);
        }
        if !neg.is_empty() {
            out.push('/');
            if neg.len() > 1 {
                out.push('(');
            }
            for (i, (name, e)) in neg.iter().enumerate() {
                if i > 0 {
                    out.push('*');
                }
                write_factor(&mut out, name, *e);
            }
            if neg.len() > 1 {
                out.push(')');
            }
        }
        f.write_str(&out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(e: [i32; 7]) -> Dimension {
        Dimension::from_ints(e)
    }

    #[test]
    fn algebra() {
        let v = Dimension::VOLTAGE;
        let a = Dimension::CURRENT;
        assert_eq!(v / a, Dimension::RESISTANCE);
        assert_eq!(a / v, Dimension::CONDUCTANCE);
        assert_eq!(
            Dimension::CONDUCTANCE * Dimension::TIME,
            Dimension::CAPACITANCE
        );
        assert_eq!(Dimension::TIME.recip(), Dimension::FREQUENCY);
        assert_eq!(v.pow(Rational::integer(2)).sqrt(), v);
        assert_eq!(
            Dimension::TIME.sqrt().recip().exponents()[2],
            Rational::new(-1, 2)
        );
        assert!(Dimension::DIMENSIONLESS.is_dimensionless());
        assert!((v / v).is_dimensionless());
        assert!(!v.is_dimensionless());
        assert_eq!(Dimension::default(), Dimension::DIMENSIONLESS);
        assert!(!Dimension::TIME.sqrt().has_integer_exponents());
        let huge = Dimension::new([Rational::integer(i32::MAX); 7]);
        assert_eq!(huge.checked_mul(huge), None);
        assert_eq!(huge.checked_pow(Rational::integer(2)), None);
    }

    #[test]
    fn display() {
        let cases: &[(Dimension, &str)] = &[
            (Dimension::DIMENSIONLESS, "1"),
            (Dimension::VOLTAGE, "volt"),
            (Dimension::CURRENT, "amp"),
            (Dimension::TIME, "second"),
            (Dimension::CONDUCTANCE, "siemens"),
            (Dimension::CAPACITANCE, "farad"),
            (Dimension::RESISTANCE, "ohm"),
            (Dimension::LENGTH, "metre"),
            (Dimension::MASS, "kilogram"),
            (Dimension::AMOUNT, "mole"),
            (Dimension::TEMPERATURE, "kelvin"),
            (Dimension::LUMINOSITY, "candle"),
            (d([0, 0, 1, 1, 0, 0, 0]), "coulomb"),
            (d([2, 1, -2, 0, 0, 0, 0]), "joule"),
            (d([2, 1, -3, 0, 0, 0, 0]), "watt"),
            (d([1, 1, -2, 0, 0, 0, 0]), "newton"),
            (d([-1, 1, -2, 0, 0, 0, 0]), "pascal"),
            (d([2, 1, -2, -1, 0, 0, 0]), "weber"),
            (d([0, 1, -2, -1, 0, 0, 0]), "tesla"),
            (d([2, 1, -2, -2, 0, 0, 0]), "henry"),
            (Dimension::FREQUENCY, "1/second"),
            (Dimension::VOLTAGE / Dimension::TIME, "volt/second"),
            (Dimension::CURRENT / Dimension::TIME, "amp/second"),
            (
                Dimension::CONDUCTANCE / Dimension::LENGTH.pow(2.into()),
                "siemens/metre**2",
            ),
            (
                Dimension::CAPACITANCE / Dimension::LENGTH.pow(2.into()),
                "farad/metre**2",
            ),
            (
                Dimension::CURRENT / Dimension::LENGTH.pow(2.into()),
                "amp/metre**2",
            ),
            (Dimension::VOLTAGE.pow(2.into()), "volt**2"),
            (Dimension::LENGTH.pow(2.into()), "metre**2"),
            (Dimension::LENGTH.pow(3.into()), "metre**3"),
            (Dimension::LENGTH.pow(4.into()), "metre**4"),
            (Dimension::TIME.pow((-2).into()), "1/second**2"),
            (d([2, 1, -1, 0, 0, 0, 0]), "metre**2*kilogram/second"),
            (
                d([2, 1, -3, -1, 0, 0, 0]) * Dimension::AMOUNT,
                "metre**2*kilogram*mole/(second**3*amp)",
            ),
            (Dimension::CONCENTRATION, "mole/metre**3"),
            (Dimension::LENGTH.recip(), "1/metre"),
            (Dimension::LENGTH.pow((-2).into()), "1/metre**2"),
            (d([0, 0, -1, -1, 0, 0, 0]), "1/(second*amp)"),
            (Dimension::TIME.sqrt().recip(), "1/second**0.5"),
            (
                Dimension::VOLTAGE.sqrt(),
                "metre*kilogram**0.5/(second**1.5*amp**0.5)",
            ),
            (
                Dimension::LENGTH.pow(Rational::new(1, 3)),
                "metre**0.3333333333333333",
            ),
        ];
        for (dim, s) in cases {
            assert_eq!(dim.to_string(), *s, "{dim:?}");
        }
    }
}

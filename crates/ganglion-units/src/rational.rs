//! Exact rational numbers, used as dimension exponents.

use std::cmp::Ordering;
use std::fmt;
use std::ops::{Add, Div, Mul, Neg, Sub};

/// An exact rational exponent (normalised: gcd 1, den > 0).
///
/// Ordering is numeric (`1/3 < 1/2`). The operators (`+ - * /` and unary `-`) panic if the
/// reduced result does not fit in `i32` or on division by zero; the `checked_*` methods return
/// `None` instead. Intermediates are computed in `i64`, so no operation on `i32` inputs
/// overflows before the final reduction.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Rational {
    num: i32,
    den: i32,
}

const fn gcd_i64(mut a: i64, mut b: i64) -> i64 {
    if a < 0 {
        a = -a;
    }
    if b < 0 {
        b = -b;
    }
    while b != 0 {
        let t = a % b;
        a = b;
        b = t;
    }
    a
}

impl Rational {
    /// Zero.
    pub const ZERO: Rational = Rational { num: 0, den: 1 };
    /// One.
    pub const ONE: Rational = Rational { num: 1, den: 1 };
    /// One half (the exponent produced by a square root).
    pub const HALF: Rational = Rational { num: 1, den: 2 };

    /// The normalised fraction `num / den`.
    ///
    /// # Panics
    /// Panics if `den == 0`, or if the normalised value does not fit in `i32`
    /// (only possible for `i32::MIN` numerators or denominators).
    pub const fn new(num: i32, den: i32) -> Rational {
        assert!(den != 0, "Rational::new: zero denominator");
        match Self::from_i64(num as i64, den as i64) {
            Some(r) => r,
            None => panic!("Rational::new: value does not fit in i32"),
        }
    }

    /// The integer `n` as a rational.
    pub const fn integer(n: i32) -> Rational {
        Rational { num: n, den: 1 }
    }

    /// Normalises `num / den` computed in `i64`; `None` if `den == 0` or the reduced value
    /// does not fit in `i32`.
    const fn from_i64(num: i64, den: i64) -> Option<Rational> {
        if den == 0 {
            return None;
        }
        let g = gcd_i64(num, den);
        let (mut n, mut d) = if g == 0 { (0, 1) } else { (num / g, den / g) };
        if d < 0 {
            n = -n;
            d = -d;
        }
        if n < i32::MIN as i64 || n > i32::MAX as i64 || d > i32::MAX as i64 {
            return None;
        }
        Some(Rational {
            num: n as i32,
            den: d as i32,
        })
    }

    /// The numerator (carries the sign).
    pub const fn num(self) -> i32 {
        self.num
    }

    /// The denominator (always positive).
    pub const fn den(self) -> i32 {
        self.den
    }

    /// The value as a float.
    pub fn to_f64(self) -> f64 {
        f64::from(self.num) / f64::from(self.den)
    }

    /// The rational `p/q` with `q <= 12` whose float value is exactly `x` (so `0.5`, `-1.5`,
    /// `0.25` and `1.0 / 3.0` all convert); `None` if there is none or `x` is not finite.
    pub fn from_f64(x: f64) -> Option<Rational> {
        if !x.is_finite() || x.abs() > f64::from(i32::MAX) {
            return None;
        }
        (1..=12).find_map(|q: i32| {
            let p = (x * f64::from(q)).round();
            if p.abs() > f64::from(i32::MAX) {
                return None;
            }
            // `p` is integral and within i32 range, so the cast is exact.
            let r = Rational::from_i64(p as i64, i64::from(q))?;
            (r.to_f64() == x).then_some(r)
        })
    }

    /// Whether the denominator is 1.
    pub const fn is_integer(self) -> bool {
        self.den == 1
    }

    /// Whether the value is zero.
    pub const fn is_zero(self) -> bool {
        self.num == 0
    }

    /// The absolute value.
    ///
    /// # Panics
    /// Panics for a numerator of `i32::MIN`.
    pub fn abs(self) -> Rational {
        if self.num < 0 { -self } else { self }
    }

    /// `self + o`, or `None` on overflow.
    pub fn checked_add(self, o: Rational) -> Option<Rational> {
        let (a, b, c, d) = self.wide(o);
        Rational::from_i64(a * d + c * b, b * d)
    }

    /// `self - o`, or `None` on overflow.
    pub fn checked_sub(self, o: Rational) -> Option<Rational> {
        let (a, b, c, d) = self.wide(o);
        Rational::from_i64(a * d - c * b, b * d)
    }

    /// `self * o`, or `None` on overflow.
    pub fn checked_mul(self, o: Rational) -> Option<Rational> {
        let (a, b, c, d) = self.wide(o);
        Rational::from_i64(a * c, b * d)
    }

    /// `self / o`, or `None` on overflow or if `o` is zero.
    pub fn checked_div(self, o: Rational) -> Option<Rational> {
        let (a, b, c, d) = self.wide(o);
        Rational::from_i64(a * d, b * c)
    }

    /// `-self`, or `None` on overflow.
    pub fn checked_neg(self) -> Option<Rational> {
        Rational::from_i64(-i64::from(self.num), i64::from(self.den))
    }

    fn wide(self, o: Rational) -> (i64, i64, i64, i64) {
        (
            i64::from(self.num),
            i64::from(self.den),
            i64::from(o.num),
            i64::from(o.den),
        )
    }
}

impl Default for Rational {
    fn default() -> Self {
        Rational::ZERO
    }
}

impl From<i32> for Rational {
    fn from(n: i32) -> Self {
        Rational::integer(n)
    }
}

impl PartialOrd for Rational {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Rational {
    fn cmp(&self, other: &Self) -> Ordering {
        let (a, b, c, d) = self.wide(*other);
        (a * d).cmp(&(c * b))
    }
}

impl Add for Rational {
    type Output = Rational;
    fn add(self, o: Rational) -> Rational {
        self.checked_add(o)
            .expect("Rational addition overflowed i32")
    }
}

impl Sub for Rational {
    type Output = Rational;
    fn sub(self, o: Rational) -> Rational {
        self.checked_sub(o)
            .expect("Rational subtraction overflowed i32")
    }
}

impl Mul for Rational {
    type Output = Rational;
    fn mul(self, o: Rational) -> Rational {
        self.checked_mul(o)
            .expect("Rational multiplication overflowed i32")
    }
}

impl Div for Rational {
    type Output = Rational;
    fn div(self, o: Rational) -> Rational {
        assert!(!o.is_zero(), "Rational division by zero");
        self.checked_div(o)
            .expect("Rational division overflowed i32")
    }
}

impl Neg for Rational {
    type Output = Rational;
    fn neg(self) -> Rational {
        self.checked_neg()
            .expect("Rational negation overflowed i32")
    }
}

/// `"2"`, `"-1/2"`.
impl fmt::Display for Rational {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.den == 1 {
            write!(f, "{}", self.num)
        } else {
            write!(f, "{}/{}", self.num, self.den)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalisation() {
        let r = Rational::new(2, -4);
        assert_eq!((r.num(), r.den()), (-1, 2));
        assert_eq!(Rational::new(0, -7), Rational::ZERO);
        assert_eq!(Rational::new(6, 3), Rational::integer(2));
        assert!(Rational::new(6, 3).is_integer());
        assert!(!Rational::new(1, 3).is_integer());
    }

    #[test]
    #[should_panic(expected = "zero denominator")]
    fn zero_denominator_panics() {
        let _ = Rational::new(1, 0);
    }

    #[test]
    fn arithmetic() {
        let h = Rational::new(1, 2);
        let t = Rational::new(1, 3);
        assert_eq!(h + t, Rational::new(5, 6));
        assert_eq!(h - t, Rational::new(1, 6));
        assert_eq!(h * t, Rational::new(1, 6));
        assert_eq!(h / t, Rational::new(3, 2));
        assert_eq!(-h, Rational::new(-1, 2));
        assert_eq!(t.checked_div(Rational::ZERO), None);
        assert!(t < h);
        assert!(Rational::new(-1, 2) < Rational::ZERO);
        let big = Rational::integer(i32::MAX);
        assert_eq!(big.checked_add(Rational::ONE), None);
        assert_eq!(big.checked_mul(big), None);
        // Large intermediates that reduce back into range are fine.
        let a = Rational::new(i32::MAX, 2);
        assert_eq!(a * Rational::integer(2), big);
        assert_eq!(Rational::integer(i32::MIN).checked_neg(), None);
    }

    #[test]
    fn display() {
        assert_eq!(Rational::integer(2).to_string(), "2");
        assert_eq!(Rational::new(-1, 2).to_string(), "-1/2");
        assert_eq!(Rational::ZERO.to_string(), "0");
    }

    #[test]
    fn floats() {
        assert_eq!(Rational::from_f64(0.5), Some(Rational::new(1, 2)));
        assert_eq!(Rational::from_f64(-0.5), Some(Rational::new(-1, 2)));
        assert_eq!(Rational::from_f64(1.5), Some(Rational::new(3, 2)));
        assert_eq!(Rational::from_f64(0.25), Some(Rational::new(1, 4)));
        assert_eq!(Rational::from_f64(1.0 / 3.0), Some(Rational::new(1, 3)));
        assert_eq!(Rational::from_f64(-2.0), Some(Rational::integer(-2)));
        assert_eq!(Rational::from_f64(5.0 / 12.0), Some(Rational::new(5, 12)));
        assert_eq!(Rational::from_f64(0.0), Some(Rational::ZERO));
        assert_eq!(Rational::from_f64(-0.0), Some(Rational::ZERO));
        assert_eq!(Rational::from_f64(1.0 / 13.0), None);
        assert_eq!(Rational::from_f64(0.1234), None);
        assert_eq!(Rational::from_f64(f64::NAN), None);
        assert_eq!(Rational::from_f64(f64::INFINITY), None);
        assert_eq!(Rational::from_f64(1e300), None);
        assert_eq!(Rational::new(3, 4).to_f64(), 0.75);
    }
}

//! Property tests of the dimension algebra, rational arithmetic and quantity round trips.

use ganglion_units::{Dimension, Quantity, Rational, all_units};
use proptest::prelude::*;

fn rational() -> impl Strategy<Value = Rational> {
    (-24i32..=24, 1i32..=12).prop_map(|(n, d)| Rational::new(n, d))
}

fn dimension() -> impl Strategy<Value = Dimension> {
    proptest::array::uniform7(rational()).prop_map(Dimension::new)
}

fn int_dimension() -> impl Strategy<Value = Dimension> {
    proptest::array::uniform7(-4i32..=4).prop_map(Dimension::from_ints)
}

fn add(
    a: [Rational; 7],
    b: [Rational; 7],
    f: impl Fn(Rational, Rational) -> Rational,
) -> [Rational; 7] {
    std::array::from_fn(|i| f(a[i], b[i]))
}

proptest! {
    #[test]
    fn product_adds_exponents(a in dimension(), b in dimension()) {
        prop_assert_eq!((a * b).exponents(), add(a.exponents(), b.exponents(), |x, y| x + y));
        prop_assert_eq!((a / b).exponents(), add(a.exponents(), b.exponents(), |x, y| x - y));
        prop_assert_eq!(a * b, b * a);
    }

    #[test]
    fn division_round_trips(a in dimension(), b in dimension()) {
        prop_assert_eq!((a / b) * b, a);
        prop_assert_eq!(a * b.recip(), a / b);
        prop_assert!((a / a).is_dimensionless());
    }

    #[test]
    fn pow_and_sqrt_agree(a in dimension(), p in rational(), q in rational()) {
        prop_assert_eq!(a.sqrt().pow(Rational::integer(2)), a);
        prop_assert_eq!(a.pow(Rational::integer(2)).sqrt(), a);
        prop_assert_eq!(a.sqrt() * a.sqrt(), a);
        prop_assert_eq!(a.pow(p).pow(q), a.pow(p * q));
        prop_assert_eq!(a.pow(p) * a.pow(q), a.pow(p + q));
        prop_assert_eq!(a.pow(Rational::ZERO), Dimension::DIMENSIONLESS);
    }

    #[test]
    fn addition_needs_equal_dimensions(a in int_dimension(), b in int_dimension(), x in -1e3f64..1e3, y in -1e3f64..1e3) {
        let (qa, qb) = (Quantity::new(x, a), Quantity::new(y, b));
        prop_assert_eq!(qa.checked_add(qb).is_ok(), a == b);
        prop_assert_eq!(qa.checked_sub(qb).is_ok(), a == b);
        if let Err(e) = qa.checked_add(qb) {
            prop_assert_eq!((e.left, e.right), (a, b));
        }
    }

    #[test]
    fn display_parses_back(a in int_dimension()) {
        let text = a.to_string();
        let q = Quantity::parse(&format!("1*{text}")).map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
        prop_assert_eq!(q.dim, a, "{}", text);
        prop_assert_eq!(q.value, 1.0);
    }

    #[test]
    fn fractional_display_parses_back(a in dimension()) {
        let text = a.to_string();
        let q = Quantity::parse(&text).map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
        prop_assert_eq!(q.dim, a, "{}", text);
    }

    #[test]
    fn rational_matches_f64(a in rational(), b in rational()) {
        let close = |r: Rational, f: f64| (r.to_f64() - f).abs() <= 1e-12 * f.abs().max(1.0);
        prop_assert!(close(a + b, a.to_f64() + b.to_f64()));
        prop_assert!(close(a - b, a.to_f64() - b.to_f64()));
        prop_assert!(close(a * b, a.to_f64() * b.to_f64()));
        prop_assert!(close(-a, -a.to_f64()));
        if !b.is_zero() {
            prop_assert!(close(a / b, a.to_f64() / b.to_f64()));
        }
        prop_assert_eq!(Some(a.cmp(&b)), a.to_f64().partial_cmp(&b.to_f64()));
        prop_assert_eq!(a < b, a.to_f64() < b.to_f64());
        prop_assert_eq!(Rational::from_f64(a.to_f64()), Some(a));
        prop_assert!(a.den() > 0);
    }

    #[test]
    fn rational_checked_ops_never_panic(n1 in any::<i32>(), d1 in 1i32..=i32::MAX, n2 in any::<i32>(), d2 in 1i32..=i32::MAX) {
        let (a, b) = (Rational::new(n1, d1), Rational::new(n2, d2));
        for r in [a.checked_add(b), a.checked_sub(b), a.checked_mul(b), a.checked_div(b)].into_iter().flatten() {
            prop_assert!(r.den() > 0);
        }
    }

    #[test]
    fn unit_quantities_parse(idx in 0usize..2095, v in -1e6f64..1e6) {
        let unit = all_units().nth(idx).unwrap();
        let q = Quantity::parse(&format!("{v:?}*{}", unit.name)).unwrap();
        prop_assert_eq!(q.dim, unit.dim);
        prop_assert_eq!(q.value, v * unit.scale);
        prop_assert_eq!(q.in_unit(unit).unwrap(), v * unit.scale / unit.scale);
    }

    #[test]
    fn display_is_in_the_best_unit(v in 1e-20f64..1e20, idx in 0usize..2095) {
        let unit = all_units().nth(idx).unwrap();
        let q = Quantity::new(v, unit.dim);
        let shown = q.to_string();
        if let Some(best) = q.best_unit() {
            prop_assert!(shown.ends_with(&format!(" {}", best.name)), "{}", shown);
            let number = shown.split(' ').next().unwrap();
            let parsed = Quantity::parse(number).unwrap().value;
            prop_assert!((parsed * best.scale / v - 1.0).abs() < 1e-4, "{} vs {}", shown, v);
            prop_assert_eq!(best.dim, unit.dim);
        }
    }
}

//! brian2/tests/test_units.py, the cases that apply to model text: adding numbers to quantities, functions
//! that need dimensionless arguments, powers, comparisons, floor division and modulo.

use ganglion_units::{Dimension, Rational};

use crate::common::*;

const V: &str = "v : volt\nn : 1\n";

fn r(line: &str) -> Group {
    let model: &'static str = Box::leak(format!("{V}{line}").into_boxed_str());
    group(model)
}

#[test]
fn test_addition_subtraction_number_and_quantity() {
    let c = r("x = v + 5 : volt").check();
    assert_eq!(c.errors(), pairs(&[("inconsistent-units", "v + 5")]));
    assert_eq!(
        c.hints(),
        ["a bare number is dimensionless: give it units, e.g. `1*volt`"]
    );
}

#[test]
fn test_addition_subtraction_zero_is_not_special() {
    assert_eq!(
        r("x = v - 0 : volt").errors(),
        pairs(&[("inconsistent-units", "v - 0")])
    );
}

#[test]
fn test_addition_subtraction_same_units() {
    let m = r("x = v + 5*mV - 1*volt : volt").ok();
    assert_eq!(m.subexpression("x").unwrap().expr.dim, Dimension::VOLTAGE);
}

#[test]
fn test_unitsafe_functions_sin_of_quantity() {
    assert_eq!(
        r("x = sin(v) : 1").errors(),
        pairs(&[("argument-units", "v")])
    );
}

#[test]
fn test_unitsafe_functions_exp_and_log_of_quantity() {
    assert_eq!(
        r("x = exp(v) + log(v) : 1").errors(),
        pairs(&[("argument-units", "v"), ("argument-units", "v")])
    );
    r("x = exp(v/mV) + log(v/volt) : 1").ok();
}

#[test]
fn test_power_dimensionful_exponent() {
    let c = r("x = v ** (2*mV) : volt").check();
    assert_eq!(c.errors(), pairs(&[("exponent-units", "2*mV")]));
}

#[test]
fn test_power_variable_exponent() {
    // The units of `v**n` would depend on the value of n.
    assert_eq!(
        r("x = v ** n : volt").errors(),
        pairs(&[("non-constant-exponent", "n")])
    );
}

#[test]
fn test_power_constant_exponents() {
    let m = r("x = v**2 : volt**2\ny = v**0.5 : volt**0.5\nz = (v/mV)**n : 1").ok();
    assert_eq!(
        m.subexpression("x").unwrap().expr.dim,
        Dimension::VOLTAGE * Dimension::VOLTAGE
    );
    assert_eq!(
        m.subexpression("y").unwrap().expr.dim,
        Dimension::VOLTAGE.pow(Rational::HALF)
    );
}

#[test]
fn test_binary_operations_comparison_with_number() {
    let c = group(V).threshold("v > 1").reset("").check();
    assert_eq!(c.errors(), pairs(&[("inconsistent-units", "v > 1")]));
    assert_eq!(
        c.hints(),
        ["a bare number is dimensionless: give it units, e.g. `1*volt`"]
    );
}

#[test]
fn test_binary_operations_comparison_with_same_units() {
    group(V).threshold("v > 1*mV").reset("").ok();
}

#[test]
fn test_floor_division_with_units() {
    assert_eq!(
        r("x = v // (1*mV) : 1").errors(),
        pairs(&[("floor-division-units", "v // (1*mV)")])
    );
    r("x = (v/mV) // 1 : 1").ok();
}

#[test]
fn test_modulo_with_different_units() {
    assert_eq!(
        r("x = v % 2 : volt").errors(),
        pairs(&[("inconsistent-units", "v % 2")])
    );
    r("x = v % (2*mV) : volt").ok();
}

#[test]
fn test_multiplication_division_units() {
    let m = r("x = v*v/(2*mV) : volt").ok();
    assert_eq!(m.subexpression("x").unwrap().expr.dim, Dimension::VOLTAGE);
}

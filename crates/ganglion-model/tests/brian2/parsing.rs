//! brian2/tests/test_parsing.py and test_codestrings.py, the parts about model text: boolean-ness,
//! dimensions of expressions, functions' units, targeted syntax errors, noise splitting.

use ganglion_model::{StochasticType, TKind, ValueType};
use ganglion_units::{Dimension, Rational};

use crate::common::*;

/// test_parse_expression_unit's variables: `a` (volt*amp), `b` (volt), `c` (amp), plus `d` (dimensionless)
/// from test_parse_expression_unit_functions.
const ABCD: &str = "a : volt*amp\nb : volt\nc : amp\nd : 1\n";

fn va() -> Dimension {
    Dimension::VOLTAGE * Dimension::CURRENT
}

/// A group with `a, b, c, d` and the subexpression `r = <expr> : <unit>`.
fn with_r(line: &str) -> Group {
    let model: &'static str = Box::leak(format!("{ABCD}{line}").into_boxed_str());
    group(model)
}

/// The dimensions `expr` resolves to (checked as the subexpression `r`, declared with `unit`).
fn dims_of(expr: &str, unit: &str) -> Dimension {
    let m = with_r(&format!("r = {expr} : {unit}")).ok();
    m.subexpression("r").unwrap().expr.dim
}

/// Errors of `expr` used as the subexpression `r = <expr> : 1`.
fn errors_of(expr: &str) -> Vec<(&'static str, String)> {
    with_r(&format!("r = {expr} : 1")).errors()
}

// ---- test_is_boolean_expression ---------------------------------------------------------------------------

const BOOLS: &str = "a : boolean\nb : boolean\nc : integer\ns1 : boolean\ns2 : 1\n";

fn boolean_group(cond: &'static str) -> Group {
    group(BOOLS).threshold(cond).reset("")
}

#[test]
fn test_is_boolean_expression_boolean_conditions() {
    for cond in [
        "a or b",
        "s2 > c",
        "c > 5",
        "True",
        "a<b",
        "not (a>=b)",
        "s2 > c or a<b and s1",
    ] {
        let m = boolean_group(cond).ok();
        assert_eq!(
            m.event("spike").unwrap().condition.ty,
            ValueType::Bool,
            "{cond}"
        );
    }
}

#[test]
fn test_is_boolean_expression_non_boolean_conditions() {
    for cond in ["c", "s2", "a+b"] {
        assert_eq!(
            boolean_group(cond).errors(),
            pairs(&[("not-boolean", cond)]),
            "{cond}"
        );
    }
}

#[test]
fn test_is_boolean_expression_and_with_number() {
    // `a<b and c` with an integer c.
    assert_eq!(
        boolean_group("a<b and c").errors(),
        pairs(&[("not-boolean-operand", "c")])
    );
}

#[test]
fn test_is_boolean_expression_unknown_name() {
    assert_eq!(
        boolean_group("a or foo").errors(),
        pairs(&[("unknown-name", "foo")])
    );
}

#[test]
fn test_is_boolean_expression_typo_in_not() {
    assert_eq!(
        boolean_group("ot a").errors(),
        pairs(&[("unexpected-token", "a")])
    );
}

#[test]
fn test_is_boolean_expression_non_boolean_function_operand() {
    // `g(c) and f(a)` with a non-boolean g: here `abs(c)`.
    assert_eq!(
        boolean_group("abs(c) and a").errors(),
        pairs(&[("not-boolean-operand", "abs(c)")])
    );
}

// ---- test_parse_expression_unit ---------------------------------------------------------------------------

#[test]
fn test_parse_expression_unit_accepted() {
    let volt = Dimension::VOLTAGE;
    let one = Dimension::DIMENSIONLESS;
    assert_eq!(dims_of("a+b*c", "volt*amp"), va());
    assert_eq!(dims_of("a/(b*c)", "1"), one);
    assert_eq!(dims_of("a/(a-a)", "1"), one);
    assert_eq!(dims_of("b**2", "volt**2"), volt * volt);
    assert_eq!(dims_of("a%(b*c)", "volt*amp"), va());
    assert_eq!(dims_of("-b", "volt"), volt);
    assert_eq!(dims_of("(a/a)**(a/a)", "1"), one);
    assert_eq!(dims_of("sqrt(b)", "volt**0.5"), volt.pow(Rational::HALF));
    assert_eq!(dims_of("ceil(b)", "volt"), volt);
    assert_eq!(dims_of("sin(b/b)", "1"), one);
}

#[test]
fn test_parse_expression_unit_comparisons_and_logic_are_boolean() {
    for e in ["a<b*c", "not (a >= b*c)", "a/(b*c)<1", "a<mV*mA"] {
        let m = with_r(&format!("r = {e} : boolean")).ok();
        let r = m.subexpression("r").unwrap();
        assert_eq!(
            (r.expr.dim, r.ty),
            (Dimension::DIMENSIONLESS, ValueType::Bool),
            "{e}"
        );
    }
}

#[test]
fn test_parse_expression_unit_random_functions() {
    // rand()/randn() in a subexpression need `(constant over dt)` (test_subexpression_checks).
    for (e, dim) in [
        ("rand()*b", Dimension::VOLTAGE),
        ("sqrt(randn()*b**2)", Dimension::VOLTAGE),
    ] {
        let m = with_r(&format!("r = {e} : volt (constant over dt)")).ok();
        assert_eq!(m.subexpression("r").unwrap().expr.dim, dim, "{e}");
    }
}

#[test]
fn test_parse_expression_unit_sum_of_different_units() {
    assert_eq!(errors_of("a+b"), pairs(&[("inconsistent-units", "a+b")]));
}

#[test]
fn test_parse_expression_unit_comparison_of_different_units() {
    assert_eq!(
        with_r("r = a<b : boolean").errors(),
        pairs(&[("inconsistent-units", "a<b")])
    );
}

#[test]
fn test_parse_expression_unit_or_with_bad_comparison() {
    assert_eq!(
        with_r("r = d > 0 or b<c : boolean").errors(),
        pairs(&[("inconsistent-units", "b<c")])
    );
}

#[test]
fn test_parse_expression_unit_sin_of_quantity() {
    let c = with_r("r = sin(b) : 1").check();
    assert_eq!(c.errors(), pairs(&[("argument-units", "b")]));
    assert_eq!(
        c.hints(),
        ["divide by a quantity of volt to make the argument dimensionless"]
    );
}

#[test]
fn test_parse_expression_unit_sqrt_plus_quantity() {
    assert_eq!(
        with_r("r = sqrt(b) + b : volt").errors(),
        pairs(&[("inconsistent-units", "sqrt(b) + b")])
    );
}

#[test]
fn test_parse_expression_unit_too_many_arguments() {
    let c = with_r("r = sqrt(b, b) : volt").check();
    assert_eq!(c.errors(), pairs(&[("arity", "sqrt(b, b)")]));
    assert_eq!(
        c.messages(),
        ["function `sqrt` was called with 2 arguments, it takes 1"]
    );
}

#[test]
fn test_parse_expression_unit_no_arguments() {
    assert_eq!(errors_of("sqrt()"), pairs(&[("arity", "sqrt()")]));
}

#[test]
fn test_parse_expression_unit_int_with_two_arguments() {
    assert_eq!(errors_of("int(1, 2)"), pairs(&[("arity", "int(1, 2)")]));
}

// ---- test_parse_expression_unit_wrong_expressions ---------------------------------------------------------

#[test]
fn test_parse_expression_unit_wrong_expressions_non_constant_exponent() {
    assert_eq!(
        errors_of("a**b"),
        pairs(&[("exponent-units", "b")]),
        "b has units"
    );
    assert_eq!(
        with_r("r = b**d : volt").errors(),
        pairs(&[("non-constant-exponent", "d")])
    );
}

#[test]
fn test_parse_expression_unit_wrong_expressions_shift() {
    assert_eq!(errors_of("a << b"), pairs(&[("bitwise-operator", "<<")]));
}

#[test]
fn test_parse_expression_unit_wrong_expressions_unclosed_call() {
    let c = group(ABCD).threshold("int(True").reset("").check();
    assert_eq!(c.errors(), pairs(&[("unexpected-end", "")]));
    assert_eq!(c.diagnostics[0].span.start, "int(True".len());
}

// ---- test_parse_expression_unit_functions -----------------------------------------------------------------

#[test]
fn test_parse_expression_unit_functions_accepted() {
    for (e, unit) in [
        ("sin(5)", "1"),
        ("3 + sin(5)", "1"),
        ("d + sin(5)", "1"),
        ("3 + sin(d)", "1"),
        ("sqrt(b**2) + sqrt(7*mV**2)", "volt"),
        ("b + clip(3*mV, 0*mV, 5*mV)", "volt"),
    ] {
        with_r(&format!("r = {e} : {unit}")).ok();
    }
}

#[test]
fn test_parse_expression_unit_functions_sin_of_millivolts() {
    assert_eq!(errors_of("sin(5*mV)"), pairs(&[("argument-units", "5*mV")]));
}

#[test]
fn test_parse_expression_unit_functions_sin_of_power() {
    assert_eq!(errors_of("sin(a)"), pairs(&[("argument-units", "a")]));
}

#[test]
fn test_parse_expression_unit_functions_quantity_plus_sin() {
    assert_eq!(
        with_r("r = 3*mV + sin(5) : volt").errors(),
        pairs(&[("inconsistent-units", "3*mV + sin(5)")])
    );
    assert_eq!(
        with_r("r = b + sin(5) : volt").errors(),
        pairs(&[("inconsistent-units", "b + sin(5)")])
    );
}

#[test]
fn test_parse_expression_unit_functions_sqrt_of_dimensionless_plus_quantity() {
    assert_eq!(
        with_r("r = sqrt(d) + sqrt(7*mV**2) : volt").errors(),
        pairs(&[("inconsistent-units", "sqrt(d) + sqrt(7*mV**2)")])
    );
}

#[test]
fn test_parse_expression_unit_functions_clip_bounds_without_units() {
    let c = with_r("r = b + clip(3*mV, 0, 5) : volt").check();
    assert_eq!(
        c.errors(),
        pairs(&[("argument-units", "0"), ("argument-units", "5")])
    );
    assert_eq!(
        c.messages()[0],
        "argument 2 of `clip` has units of 1, but volt is expected"
    );
}

// ---- test_error_messages ----------------------------------------------------------------------------------

const VW: &str = "v : 1\nw : 1\nindex : integer\n";

fn vw_threshold(cond: &'static str) -> Checked {
    group(VW).threshold(cond).reset("").check()
}

#[test]
fn test_error_messages_caret() {
    let c = group(VW).reset("").threshold("3^2 > v").check();
    assert_eq!(c.errors(), pairs(&[("bitwise-operator", "^")]));
    assert!(c.hints()[0].contains("**"), "{:?}", c.hints());
}

#[test]
fn test_error_messages_pipe() {
    let c = vw_threshold("int(not_refractory | (v > 30)) > 0");
    assert_eq!(c.errors(), pairs(&[("bitwise-operator", "|")]));
    assert!(c.hints()[0].contains("`or`"), "{:?}", c.hints());
}

#[test]
fn test_error_messages_ampersand() {
    let c = vw_threshold("int((v > 30) & (w < 20)) > 0");
    assert_eq!(c.errors(), pairs(&[("bitwise-operator", "&")]));
    assert!(c.hints()[0].contains("`and`"), "{:?}", c.hints());
}

#[test]
fn test_error_messages_two_operators() {
    assert_eq!(
        vw_threshold("v +* 3 > 0").errors(),
        pairs(&[("unexpected-token", "*")])
    );
}

#[test]
fn test_error_messages_indexing() {
    let c = vw_threshold("v[index] > 0");
    assert_eq!(c.errors(), pairs(&[("indexing", "v[index]")]));
    assert!(c.messages()[0].contains("indexing"));
}

#[test]
fn test_error_messages_attribute() {
    let c = vw_threshold("v.value > 0");
    assert_eq!(c.errors(), pairs(&[("attribute", "v.value")]));
    assert!(c.messages()[0].contains("attribute"));
}

#[test]
fn test_error_messages_tuple() {
    let c = group(VW).threshold("v > 0").reset("w = (v, w)").check();
    assert_eq!(c.errors(), pairs(&[("tuple", "(v, w)")]));
    assert!(c.messages()[0].contains("tuple"));
}

#[test]
fn test_shadowed_internal_variable_function_call_error() {
    // Issue #1341: `xi(t)` calls the noise variable like a function.
    let c = group("dV/dt = (-V + sqrt(ms) * xi(t))/ms : 1").check();
    assert_eq!(c.errors(), pairs(&[("not-a-function", "xi(t)")]));
}

// ---- test_codestrings.py ----------------------------------------------------------------------------------

#[test]
fn test_expr_creation_missing_operator() {
    let c = group("v : volt").threshold("v 5 * mV").reset("").check();
    assert_eq!(c.errors(), pairs(&[("unexpected-token", "5")]));
    // The correct form is accepted.
    group("v : volt").threshold("v > 5 * mV").reset("").ok();
}

#[test]
fn test_split_stochastic_linear_noise() {
    let m = group(
        "dv/dt = (-v + I) / tau + sigma*xi_1/tau**.5 + xi_2*sigma2/sqrt(tau_2) : volt
         I : volt",
    )
    .ns("tau", "10*ms")
    .ns("tau_2", "20*ms")
    .ns("sigma", "1*mV")
    .ns("sigma2", "2*mV")
    .ok();
    assert_eq!(m.stochastic, StochasticType::Additive);
    assert_eq!(m.diff_eqs[0].rhs.noise_names(), ["xi_1", "xi_2"]);
}

#[test]
fn test_split_stochastic_noise_in_denominator() {
    // Brian2: `-v / tau + 1 / xi` cannot be split into f + g*xi. Units made consistent.
    let c = group("dv/dt = -v / tau + 1 / (xi*second**1.5) : 1")
        .ns("tau", "10*ms")
        .check();
    assert_eq!(
        c.errors(),
        pairs(&[("nonlinear-noise", "-v / tau + 1 / (xi*second**1.5)")])
    );
}

#[test]
fn test_abstract_code_dependencies_temporaries() {
    // A name first written in a block is a new temporary; later statements read it.
    let m = group("v : volt\nw : 1")
        .threshold("v > 0*mV")
        .reset("x = 2*v\nv = x - 1*mV\nw += 1")
        .ok();
    let code = &m.event_codes[0].code.statements;
    let new: Vec<_> = code
        .iter()
        .map(|s| (s.target.as_str(), s.new_temporary))
        .collect();
    assert_eq!(new, [("x", true), ("v", false), ("w", false)]);
    assert!(matches!(&code[1].value.kind, TKind::Binary(..)));
}

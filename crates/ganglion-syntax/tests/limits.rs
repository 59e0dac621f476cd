//! Limits on code size (`ganglion_syntax::limits`): deep or long code is refused with a located error
//! naming the limit, before any tree is built, and code just within the limits parses.

use ganglion_syntax::limits::{MAX_DEPTH, MAX_TOKENS, MAX_UNIT_TOKENS};
use ganglion_syntax::*;

/// The codes of the errors and the text they point at.
fn refused(errors: &[SyntaxError]) -> Vec<&'static str> {
    errors.iter().map(|e| e.code()).collect()
}

fn sum(terms: usize) -> String {
    vec!["x"; terms].join(" + ")
}

#[test]
fn deep_unary_minus_is_refused_at_the_first_sign_too_deep() {
    let src = format!("{}x", "-".repeat(50_000));
    let (e, errors) = parse_expression(&src);
    assert!(e.is_none());
    assert_eq!(refused(&errors), ["too-deep"]);
    assert_eq!(errors[0].span(), Span::new(MAX_DEPTH, MAX_DEPTH + 1));
    assert!(errors[0].to_string().contains(&MAX_DEPTH.to_string()));
    assert!(errors[0].hint().unwrap().contains("subexpressions"));
}

#[test]
fn long_sums_and_deep_brackets_are_refused_in_every_code_form() {
    let long = sum(20_000);
    let brackets = format!("{}x{}", "(".repeat(5000), ")".repeat(5000));
    let power = vec!["x"; 5000].join("**");
    for body in [&long, &brackets, &power] {
        let (_, errors) = parse_expression(body);
        assert_eq!(refused(&errors), ["too-deep"]);
        let (_, errors) = parse_statements(&format!("v = 1\nv += {body}\nw = 2"));
        assert_eq!(refused(&errors), ["too-deep"]);
        let (eqs, errors) = parse_equations(&format!("dv/dt = ({body})/ms : 1\nw : 1"));
        assert!(eqs.is_empty());
        assert_eq!(refused(&errors), ["too-deep"]);
    }
}

#[test]
fn code_just_within_the_depth_limit_parses() {
    // A sum of n terms: n - 1 operators; a statement adds `=` and an equation `=` and `/`.
    let (e, errors) = parse_expression(&sum(MAX_DEPTH + 1));
    assert!(errors.is_empty() && e.is_some(), "{errors:?}");
    let (_, errors) = parse_expression(&sum(MAX_DEPTH + 2));
    assert_eq!(refused(&errors), ["too-deep"]);
    let unary = format!("{}x", "-".repeat(MAX_DEPTH));
    assert!(parse_expression(&unary).1.is_empty());
    let brackets = format!("{}x{}", "(".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH));
    assert!(parse_expression(&brackets).1.is_empty());
    let calls = format!("{}x{}", "abs(".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH));
    assert!(parse_expression(&calls).1.is_empty());
    // Each equation and statement has its own budget.
    let eq = format!("dv/dt = {} : 1\n", sum(MAX_DEPTH));
    let (eqs, errors) = parse_equations(&eq.repeat(3));
    assert!(errors.is_empty() && eqs.len() == 3, "{errors:?}");
    let st = format!("v = {}; ", sum(MAX_DEPTH));
    let (sts, errors) = parse_statements(&st.repeat(3));
    assert!(errors.is_empty() && sts.len() == 3, "{errors:?}");
}

#[test]
fn long_shallow_code_and_long_units_are_refused() {
    // Many arguments: long but not deep.
    let args = format!("f({})", vec!["1"; MAX_TOKENS].join(", "));
    let (_, errors) = parse_expression(&args);
    assert_eq!(refused(&errors), ["too-long"]);
    assert!(errors[0].to_string().contains(&MAX_TOKENS.to_string()));
    let unit = vec!["volt"; MAX_UNIT_TOKENS].join("*");
    let (_, errors) = parse_equations(&format!("v = 1*volt : {unit}"));
    assert_eq!(refused(&errors), ["unit-too-long"]);
}

#[test]
fn hostile_code_is_refused_in_milliseconds() {
    let start = std::time::Instant::now();
    for src in [
        format!("{}x", "-".repeat(1_000_000)),
        format!("{}x", "(".repeat(1_000_000)),
        sum(1_000_000),
    ] {
        assert!(!parse_expression(&src).1.is_empty());
    }
    assert!(start.elapsed().as_secs() < 5, "{:?}", start.elapsed());
}

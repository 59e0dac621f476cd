//! Where syntax errors point: the end of what was written rather than trailing line breaks, and a hint for
//! a `)` that closes nothing.

use ganglion_syntax::*;

#[test]
fn unexpected_end_points_after_the_last_token_not_at_trailing_newlines() {
    // In a model file the code string ends with a line break, and the caret belongs on the code's line.
    let src = "dv/dt = -v/tau : volt (unless refractory\n";
    let (_, errors) = parse_equations(src);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].code(), "unexpected-end");
    assert_eq!(errors[0].span(), Span::new(40, 40));
    assert_eq!(&src[..40], src.trim_end());

    let (_, errors) = parse_statements("v = \n\n");
    assert_eq!(errors[0].code(), "unexpected-end");
    assert_eq!(errors[0].span(), Span::new(3, 3));

    let (_, errors) = parse_expression("f(v,  \n");
    assert_eq!(errors[0].code(), "unexpected-end");
    assert_eq!(errors[0].span(), Span::new(4, 4));
}

#[test]
fn unexpected_end_inside_the_text_is_unchanged() {
    // A missing unit on the first of two lines still points at the end of that line.
    let (_, errors) = parse_equations("dv/dt = -v/tau\nw : 1\n");
    assert_eq!(errors[0].code(), "missing-colon");
    assert_eq!(errors[0].span(), Span::new(14, 14));
}

#[test]
fn a_closing_bracket_too_many_has_a_hint() {
    let (_, errors) = parse_expression("v > Vt)");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].code(), "unexpected-token");
    assert_eq!(errors[0].span(), Span::new(6, 7));
    assert_eq!(
        errors[0].hint().as_deref(),
        Some("this `)` closes no `(`: remove it, or add the missing `(`")
    );
    // Other unexpected tokens get no such hint.
    let (_, errors) = parse_expression("v +* 3");
    assert_eq!(errors[0].hint(), None);
}

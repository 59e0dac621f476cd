//! Parser behaviour: the three code forms, Python precedence, targeted errors, recovery.

use ganglion_syntax::*;

fn expr(src: &str) -> Expr {
    let (e, errors) = parse_expression(src);
    assert!(errors.is_empty(), "{src}: {errors:?}");
    e.unwrap()
}

fn shape(src: &str) -> String {
    expr(src).to_string()
}

fn errors_of(src: &str) -> Vec<(&'static str, String)> {
    let (_, errors) = parse_expression(src);
    errors
        .iter()
        .map(|e| (e.code(), src[e.span().range()].to_string()))
        .collect()
}

#[test]
fn python_precedence() {
    // The printer brackets only what needs brackets, so printing shows the tree's shape.
    assert_eq!(shape("-2**2"), "-2**2");
    let e = expr("-2**2");
    assert!(matches!(
        e.kind,
        ExprKind::Unary {
            op: UnaryOp::Neg,
            ..
        }
    ));
    let e = expr("2**3**2");
    let ExprKind::Binary {
        op: BinOp::Pow,
        rhs,
        ..
    } = e.kind
    else {
        panic!()
    };
    assert!(matches!(rhs.kind, ExprKind::Binary { op: BinOp::Pow, .. }));
    assert_eq!(shape("(a + b) * c"), "(a + b) * c");
    assert_eq!(shape("a - (b - c)"), "a - (b - c)");
    assert_eq!(shape("(a - b) - c"), "a - b - c");
    assert_eq!(shape("2**-1"), "2**-1");
    assert_eq!(shape("(-2)**2"), "(-2)**2");
    assert_eq!(shape("not a < b and c or d"), "not a < b and c or d");
    let e = expr("not a < b and c or d");
    assert!(matches!(
        e.kind,
        ExprKind::Logical {
            op: LogicalOp::Or,
            ..
        }
    ));
    assert_eq!(shape("a // b % c * d / e"), "a // b % c * d / e");
    assert_eq!(shape("exp(-v/tau)*sqrt(x)"), "exp(-v / tau) * sqrt(x)");
}

#[test]
fn literals() {
    assert_eq!(expr("3").kind, ExprKind::Int(3));
    assert_eq!(expr("3.").kind, ExprKind::Float(3.0));
    assert_eq!(expr(".5").kind, ExprKind::Float(0.5));
    assert_eq!(expr("1e-3").kind, ExprKind::Float(1e-3));
    assert_eq!(expr("True").kind, ExprKind::Bool(true));
    assert_eq!(
        errors_of("99999999999999999999"),
        vec![("integer-too-large", "99999999999999999999".into())]
    );
}

#[test]
fn equations_forms_flags_and_multiline() {
    let src = "
# a comment
dv/dt = (ge + gi - (v - El))/taum : volt (unless refractory)  # trailing
dge/dt = -ge/taue
         + 0*volt/second : volt
I = sin(2*pi*f*t) : amp
f : Hz (constant, shared)
g : siemens/metre**2
x = rand() : 1 (constant over dt)
b : boolean
";
    let (eqs, errors) = parse_equations(src);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(eqs.len(), 7);
    assert_eq!(eqs[0].kind, EquationKind::Differential);
    assert_eq!(eqs[0].name.name, "v");
    assert_eq!(&src[eqs[0].name.span.range()], "v");
    assert_eq!(eqs[0].flags[0].text, "unless refractory");
    assert_eq!(
        eqs[1].expr.as_ref().unwrap().to_string(),
        "-ge / taue + 0 * volt / second"
    );
    assert_eq!(eqs[2].kind, EquationKind::Subexpression);
    assert_eq!(eqs[3].kind, EquationKind::Parameter);
    assert_eq!(
        eqs[3]
            .flags
            .iter()
            .map(|f| f.text.as_str())
            .collect::<Vec<_>>(),
        ["constant", "shared"]
    );
    assert_eq!(eqs[4].unit.to_string(), "siemens/metre**2");
    assert_eq!(eqs[5].flags[0].text, "constant over dt");
    assert_eq!(eqs[6].unit.to_string(), "boolean");
}

#[test]
fn diff_op_is_a_pattern_not_an_identifier() {
    let (eqs, errors) =
        parse_equations("dt/dt = 1/second : second\nddt/dt = 1 : 1\nd_x/dt = 0/second : 1");
    assert!(errors.is_empty(), "{errors:?}");
    let names: Vec<_> = eqs.iter().map(|e| e.name.name.as_str()).collect();
    assert_eq!(names, ["t", "dt", "_x"]);
}

#[test]
fn statements_split_on_newlines_and_semicolons() {
    let (s, errors) = parse_statements("v = -60*mV; w += b\n\n# reset done\nx **= 2\n");
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(s.len(), 3);
    assert_eq!(s[1].op, AssignOp::Add);
    assert_eq!(s[2].to_string(), "x **= 2");
    let (s, errors) = parse_statements("");
    assert!(s.is_empty() && errors.is_empty());
}

#[test]
fn targeted_messages() {
    assert_eq!(errors_of("3^2"), vec![("bitwise-operator", "^".into())]);
    assert_eq!(errors_of("a & b"), vec![("bitwise-operator", "&".into())]);
    assert_eq!(errors_of("a | b"), vec![("bitwise-operator", "|".into())]);
    assert_eq!(errors_of("v[index]"), vec![("indexing", "v[index]".into())]);
    assert_eq!(errors_of("v.value"), vec![("attribute", "v.value".into())]);
    assert_eq!(errors_of("(v, w)"), vec![("tuple", "(v, w)".into())]);
    assert_eq!(
        errors_of("a < b < c"),
        vec![("chained-comparison", "a < b < c".into())]
    );
    assert_eq!(
        errors_of("f(x=1)"),
        vec![("keyword-argument", "x=1".into())]
    );
    assert_eq!(errors_of("a << b"), vec![("bitwise-operator", "<<".into())]);
    assert_eq!(errors_of("'a'"), vec![("string-literal", "'a'".into())]);
    let e = parse_expression("x +* 3").1;
    assert_eq!(e[0].code(), "unexpected-token");
    assert_eq!(e[0].span(), Span::new(3, 4));
    let e = parse_expression("v 5 * mV").1;
    assert_eq!(e[0].code(), "unexpected-token");
    let e = parse_expression(">1").1;
    assert_eq!(e[0].span(), Span::new(0, 1));
}

#[test]
fn missing_colon_is_named() {
    let (_, errors) = parse_equations("dv/dt = -v / tau volt");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].code(), "missing-colon");
    assert_eq!(errors[0].span(), Span::new(17, 21));
}

#[test]
fn every_broken_equation_is_reported() {
    let src = "dv/dt = (v +* 2)/tau : volt\nx : volt\ny = 3^2 : 1\nz = a.b : 1\n";
    let (eqs, errors) = parse_equations(src);
    let codes: Vec<_> = errors.iter().map(|e| e.code()).collect();
    assert_eq!(
        codes,
        ["unexpected-token", "bitwise-operator", "attribute"],
        "{errors:?}"
    );
    // The good equation between the broken ones survives.
    assert!(eqs.iter().any(|e| e.name.name == "x"));
}

#[test]
fn statements_errors() {
    let (_, errors) = parse_statements("0");
    assert_eq!(errors[0].code(), "not-a-statement");
    let (_, errors) = parse_statements("v ^= 2\nw = 1 +\nx = 2");
    let codes: Vec<_> = errors.iter().map(|e| e.code()).collect();
    assert_eq!(codes, ["unsupported-assignment", "unexpected-end"]);
}

#[test]
fn an_equation_without_unit_does_not_swallow_the_next_line() {
    let src = "dv/dt = -v/tau\nI = 3^2 : amp\nw : 1\n";
    let (eqs, errors) = parse_equations(src);
    let codes: Vec<_> = errors.iter().map(|e| e.code()).collect();
    assert_eq!(codes, ["missing-colon", "bitwise-operator"], "{errors:?}");
    assert_eq!(errors[0].span(), Span::new(14, 14));
    assert!(eqs.iter().any(|e| e.name.name == "w"));
    // A genuine continuation line is still joined.
    let (eqs, errors) = parse_equations("dv/dt = -v/tau\n   + I/C : volt\n");
    assert!(errors.is_empty() && eqs.len() == 1);
}

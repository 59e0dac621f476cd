//! Property tests: parsing never panics, and printing then parsing gives the same tree.

use ganglion_syntax::*;
use proptest::prelude::*;

fn leaf() -> impl Strategy<Value = Expr> {
    prop_oneof![
        (0i64..1000).prop_map(ExprKind::Int),
        prop_oneof![Just(0.5f64), Just(1e-3), Just(2.0), Just(1.5e10), Just(0.1)]
            .prop_map(ExprKind::Float),
        any::<bool>().prop_map(ExprKind::Bool),
        prop_oneof![
            Just("v"),
            Just("tau"),
            Just("x_1"),
            Just("mV"),
            Just("I_syn")
        ]
        .prop_map(|n| ExprKind::Name(n.to_string())),
    ]
    .prop_map(|k| Expr::new(k, Span::default()))
}

fn expr() -> impl Strategy<Value = Expr> {
    leaf().prop_recursive(6, 64, 3, |inner| {
        let b = |k| Expr::new(k, Span::default());
        prop_oneof![
            (
                prop_oneof![
                    Just(BinOp::Add),
                    Just(BinOp::Sub),
                    Just(BinOp::Mul),
                    Just(BinOp::Div),
                    Just(BinOp::FloorDiv),
                    Just(BinOp::Mod),
                    Just(BinOp::Pow)
                ],
                inner.clone(),
                inner.clone()
            )
                .prop_map(move |(op, l, r)| b(ExprKind::Binary {
                    op,
                    lhs: Box::new(l),
                    rhs: Box::new(r)
                })),
            (
                prop_oneof![
                    Just(CmpOp::Lt),
                    Just(CmpOp::Eq),
                    Just(CmpOp::Ge),
                    Just(CmpOp::Ne)
                ],
                inner.clone(),
                inner.clone()
            )
                .prop_map(move |(op, l, r)| b(ExprKind::Compare {
                    op,
                    lhs: Box::new(l),
                    rhs: Box::new(r)
                })),
            (
                prop_oneof![Just(LogicalOp::And), Just(LogicalOp::Or)],
                inner.clone(),
                inner.clone()
            )
                .prop_map(move |(op, l, r)| b(ExprKind::Logical {
                    op,
                    lhs: Box::new(l),
                    rhs: Box::new(r)
                })),
            (
                prop_oneof![Just(UnaryOp::Neg), Just(UnaryOp::Pos), Just(UnaryOp::Not)],
                inner.clone()
            )
                .prop_map(move |(op, e)| b(ExprKind::Unary {
                    op,
                    operand: Box::new(e)
                })),
            (
                prop_oneof![Just("exp"), Just("clip"), Just("rand")],
                prop::collection::vec(inner, 0..3)
            )
                .prop_map(move |(f, args)| b(ExprKind::Call {
                    func: Ident {
                        name: f.to_string(),
                        span: Span::default()
                    },
                    args
                })),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn print_then_parse_is_identity(e in expr()) {
        let text = e.to_string();
        let (parsed, errors) = parse_expression(&text);
        prop_assert!(errors.is_empty(), "{}: {:?}", text, errors);
        prop_assert_eq!(parsed.unwrap().without_spans(), e);
    }

    #[test]
    fn spans_point_at_their_text(e in expr()) {
        let text = e.to_string();
        let (parsed, _) = parse_expression(&text);
        let parsed = parsed.unwrap();
        // Reprinting the text under any node's span and parsing it gives that node back.
        parsed.walk(&mut |node| {
            let sub = &text[node.span.range()];
            let (again, errors) = parse_expression(sub);
            assert!(errors.is_empty(), "{sub}");
            assert_eq!(again.unwrap().without_spans(), node.without_spans(), "{sub}");
        });
    }

    #[test]
    fn parsing_never_panics(s in "\\PC{0,80}") {
        let _ = parse_expression(&s);
        let _ = parse_statements(&s);
        let _ = parse_equations(&s);
    }

    #[test]
    fn parsing_model_like_text_never_panics(
        s in r"(d?[a-z]{1,3}(/dt)?|[0-9.e]{1,4}|[-+*/%()=:,;#<>!^&|\[\]. \n]|\*\*|//|unless|refractory|and|or|not){0,40}"
    ) {
        let (_, e1) = parse_expression(&s);
        let (_, e2) = parse_statements(&s);
        let (_, e3) = parse_equations(&s);
        for e in e1.iter().chain(&e2).chain(&e3) {
            let span = e.span();
            prop_assert!(span.start <= span.end && span.end <= s.len());
        }
    }
}

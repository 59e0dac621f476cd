//! The corpus of model files (`examples/**/*.toml`) as snapshots of their syntax trees: every code string
//! of every file is parsed with the parser of its form and printed as a compact S-expression, one snapshot
//! per file. A change of the grammar that changes how any real model reads shows up here. The test
//! also holds the corpus to what it promises: enough files, every one parsing and checking without errors.

use std::fmt::Write;

use ganglion_modelfile::{CodeForm, LoadError, ModelFile};
use ganglion_syntax::ast::{
    AssignOp, BinOp, CmpOp, Equation, EquationKind, Expr, ExprKind, LogicalOp, Statement, UnaryOp,
};
use ganglion_syntax::{Span, parse_equations, parse_expression, parse_statements};
use ganglion_tests::corpus;

/// `(op a b)`, `(call f a b)`, names and literals as written.
fn sexpr(e: &Expr, out: &mut String) {
    let node = |head: &str, children: &[&Expr], out: &mut String| {
        out.push('(');
        out.push_str(head);
        for c in children {
            out.push(' ');
            sexpr(c, out);
        }
        out.push(')');
    };
    match &e.kind {
        ExprKind::Int(v) => write!(out, "{v}").unwrap(),
        ExprKind::Float(v) => write!(out, "{v:?}").unwrap(),
        ExprKind::Bool(b) => out.push_str(if *b { "True" } else { "False" }),
        ExprKind::Name(n) => out.push_str(n),
        ExprKind::Error => out.push_str("<error>"),
        ExprKind::Unary { op, operand } => {
            let head = match op {
                UnaryOp::Neg => "neg",
                UnaryOp::Pos => "pos",
                UnaryOp::Not => "not",
            };
            node(head, &[operand], out);
        }
        ExprKind::Binary { op, lhs, rhs } => {
            let head = match op {
                BinOp::Add => "+",
                BinOp::Sub => "-",
                BinOp::Mul => "*",
                BinOp::Div => "/",
                BinOp::FloorDiv => "//",
                BinOp::Mod => "%",
                BinOp::Pow => "**",
            };
            node(head, &[lhs, rhs], out);
        }
        ExprKind::Compare { op, lhs, rhs } => {
            let head = match op {
                CmpOp::Eq => "==",
                CmpOp::Ne => "!=",
                CmpOp::Lt => "<",
                CmpOp::Le => "<=",
                CmpOp::Gt => ">",
                CmpOp::Ge => ">=",
            };
            node(head, &[lhs, rhs], out);
        }
        ExprKind::Logical { op, lhs, rhs } => {
            let head = match op {
                LogicalOp::And => "and",
                LogicalOp::Or => "or",
            };
            node(head, &[lhs, rhs], out);
        }
        ExprKind::Call { func, args } => {
            let args: Vec<&Expr> = args.iter().collect();
            node(&format!("call {}", func.name), &args, out);
        }
    }
}

fn expr_line(e: &Expr) -> String {
    let mut s = String::new();
    sexpr(e, &mut s);
    s
}

/// `(diff v <rhs> unit:volt flags:[unless refractory])`; the name's span is checked to cover the name.
fn equation_line(eq: &Equation, src: &str) -> String {
    assert_eq!(
        &src[eq.name.span.range()],
        eq.name.name,
        "the span of an equation's name covers the name"
    );
    let mut s = match eq.kind {
        EquationKind::Differential => format!("(diff {}", eq.name.name),
        EquationKind::Subexpression => format!("(subexpr {}", eq.name.name),
        EquationKind::Parameter => format!("(param {}", eq.name.name),
    };
    if let Some(e) = &eq.expr {
        s.push(' ');
        sexpr(e, &mut s);
    }
    write!(s, " unit:{}", eq.unit).unwrap();
    if !eq.flags.is_empty() {
        let flags: Vec<&str> = eq.flags.iter().map(|f| f.text.as_str()).collect();
        write!(s, " flags:[{}]", flags.join(", ")).unwrap();
    }
    s.push(')');
    s
}

fn statement_line(st: &Statement) -> String {
    let op = match st.op {
        AssignOp::Assign => "=",
        AssignOp::Add => "+=",
        AssignOp::Sub => "-=",
        AssignOp::Mul => "*=",
        AssignOp::Div => "/=",
        AssignOp::FloorDiv => "//=",
        AssignOp::Mod => "%=",
        AssignOp::Pow => "**=",
    };
    format!("({op} {} {})", st.target.name, expr_line(&st.value))
}

/// Whether `s` is one identifier (an integration method's name rather than a description).
fn is_name(s: &str) -> bool {
    let mut c = s.chars();
    c.next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && c.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The S-expression dump of every code string of a model file, in file order.
fn dump(name: &str, file: &ModelFile) -> String {
    let mut out = String::new();
    for (code, form) in file.code_strings() {
        let (line, column) = file.sources.line_column(code.source, Span::new(0, 0));
        let text = code.text.as_str();
        let (kind, lines, errors) = match form {
            CodeForm::Equations => {
                let (eqs, errors) = parse_equations(text);
                let lines = eqs.iter().map(|e| equation_line(e, text)).collect();
                ("equations", lines, errors)
            }
            CodeForm::Statements => {
                let (st, errors) = parse_statements(text);
                (
                    "statements",
                    st.iter().map(statement_line).collect(),
                    errors,
                )
            }
            CodeForm::Expression => {
                let (e, errors) = parse_expression(text);
                ("expression", e.iter().map(expr_line).collect(), errors)
            }
            CodeForm::Method if is_name(text.trim()) => (
                "method",
                vec![format!("(method {})", text.trim())],
                Vec::new(),
            ),
            CodeForm::Method => {
                let (st, errors) = parse_statements(text);
                ("method", st.iter().map(statement_line).collect(), errors)
            }
        };
        assert!(
            errors.is_empty(),
            "{name}:{line}:{column}: {text:?} does not parse: {errors:?}"
        );
        writeln!(out, "# {kind} @ {line}:{column}").unwrap();
        for l in lines {
            writeln!(out, "{l}").unwrap();
        }
    }
    out
}

/// Reads a corpus file; a file that is not a valid model file fails the test with the rendered reasons.
fn read(path: &std::path::Path) -> (String, ModelFile) {
    let name = corpus::name(path);
    let text = std::fs::read_to_string(path).unwrap();
    match ModelFile::parse_in(&name, &text, path.parent().map(|d| d.to_path_buf())) {
        Ok(f) => (name, f),
        Err(LoadError::Invalid {
            sources,
            diagnostics,
        }) => panic!("{}", sources.render(&diagnostics, false)),
        Err(LoadError::Io(e)) => panic!("{name}: {e}"),
    }
}

#[test]
fn corpus_syntax_trees() {
    let files = corpus::model_files();
    assert!(
        files.len() >= 30,
        "the corpus has {} model files, expected at least 30",
        files.len()
    );
    let mut seen = 0;
    insta::glob!("../examples", "**/*.toml", |path| {
        seen += 1;
        let (name, file) = read(path);
        insta::assert_snapshot!(dump(&name, &file));
    });
    assert_eq!(
        seen,
        files.len(),
        "insta's glob and corpus::model_files() disagree"
    );
}

#[test]
fn corpus_checks_without_errors() {
    for path in corpus::model_files() {
        let (name, file) = read(&path);
        let diagnostics = ganglion_model::check_model_file(&file);
        let errors: Vec<_> = diagnostics
            .iter()
            .filter(|d| d.is_error())
            .cloned()
            .collect();
        assert!(
            errors.is_empty(),
            "{name} does not check:\n{}",
            file.sources.render(&errors, false)
        );
    }
}

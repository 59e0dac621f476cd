//! Small constructors the grammar's actions call, kept out of the grammar file.

use crate::ast::*;
use crate::error::SyntaxError;

pub(crate) fn logical(op: LogicalOp, a: Expr, b: Expr, l: usize, r: usize) -> Expr {
    Expr::new(
        ExprKind::Logical {
            op,
            lhs: Box::new(a),
            rhs: Box::new(b),
        },
        Span::new(l, r),
    )
}

pub(crate) fn binary(op: BinOp, a: Expr, b: Expr, l: usize, r: usize) -> Expr {
    Expr::new(
        ExprKind::Binary {
            op,
            lhs: Box::new(a),
            rhs: Box::new(b),
        },
        Span::new(l, r),
    )
}

pub(crate) fn compare(op: CmpOp, a: Expr, b: Expr, l: usize, r: usize) -> Expr {
    Expr::new(
        ExprKind::Compare {
            op,
            lhs: Box::new(a),
            rhs: Box::new(b),
        },
        Span::new(l, r),
    )
}

pub(crate) fn unary(op: UnaryOp, a: Expr, l: usize, r: usize) -> Expr {
    Expr::new(
        ExprKind::Unary {
            op,
            operand: Box::new(a),
        },
        Span::new(l, r),
    )
}

/// Records a bitwise operator (not part of the language) and stands in an error node for the expression.
pub(crate) fn bitwise(
    errors: &mut Vec<SyntaxError>,
    op: &'static str,
    ol: usize,
    or: usize,
    l: usize,
    r: usize,
) -> Expr {
    errors.push(SyntaxError::BitwiseOperator {
        span: Span::new(ol, or),
        op,
    });
    Expr::error(Span::new(l, r))
}

pub(crate) fn int_literal(errors: &mut Vec<SyntaxError>, s: &str, l: usize, r: usize) -> Expr {
    match s.parse::<i64>() {
        Ok(v) => Expr::new(ExprKind::Int(v), Span::new(l, r)),
        Err(_) => {
            errors.push(SyntaxError::IntegerTooLarge {
                span: Span::new(l, r),
            });
            Expr::error(Span::new(l, r))
        }
    }
}

/// Parses a float literal the lexer accepted (`1.`, `.5`, `1e-3`); Rust's parser takes all of them.
pub(crate) fn parse_float(s: &str) -> f64 {
    s.parse().unwrap_or(f64::NAN)
}

/// A flag with its words joined by single spaces (`unless   refractory` → `unless refractory`).
pub(crate) fn flag(text: &str, span: Span) -> Flag {
    Flag {
        text: text.split_whitespace().collect::<Vec<_>>().join(" "),
        span,
    }
}

/// Records an error the parser recovered from.
pub(crate) fn recovered(
    errors: &mut Vec<SyntaxError>,
    err: lalrpop_util::ParseError<usize, crate::lexer::Tok<'_>, SyntaxError>,
    what: &'static str,
    src_len: usize,
) {
    if let Some(e) = SyntaxError::from_parse(err, what, src_len) {
        errors.push(e);
    }
}

//! The front end of Ganglion: Brian2's model language as text in, an AST with byte spans out.
//!
//! Three entry points, one per code form: [`parse_equations`] (a NeuronGroup's `model`),
//! [`parse_statements`] (reset, event code, integration-method descriptions) and [`parse_expression`]
//! (thresholds, event conditions, initial values). Each returns what it could parse together with every
//! syntax error it found; parsing never panics, whatever the input. The [`diagnostic`] module holds the
//! one renderer every later stage uses.
//!
//! Not here: what names mean, units, or whether a model makes sense (that is `ganglion-model`).

pub mod ast;
mod build;
pub mod diagnostic;
mod error;
pub mod lexer;
pub mod limits;
mod print;

lalrpop_util::lalrpop_mod!(
    #[allow(
        clippy::all,
        clippy::pedantic,
        unused_qualifications,
        missing_docs,
        unused_parens
    )]
    grammar
);

pub use ast::{
    AssignOp, BinOp, CmpOp, Equation, EquationKind, Expr, ExprKind, Flag, Ident, LogicalOp, Span,
    Statement, UnaryOp, UnitExpr, UnitExprKind,
};
pub use diagnostic::{Diagnostic, FileId, Placement, Severity, SourceId, SourceMap};
pub use error::SyntaxError;
pub use print::precedence;

use lexer::{Lexer, Mode};

fn finish(
    mut errors: Vec<SyntaxError>,
    lexer_errors: Vec<SyntaxError>,
    src: &str,
) -> Vec<SyntaxError> {
    errors.extend(lexer_errors);
    // "Unexpected end" points just after the last thing written, not at trailing line breaks (which, in a
    // model file, would put the caret on the line after the code).
    let end = src.trim_end().len();
    for e in &mut errors {
        if let SyntaxError::UnexpectedEnd { span, .. } = e
            && span.start > end
        {
            *span = Span::new(end, end);
        }
    }
    errors.sort_by_key(|e| (e.span().start, e.span().end));
    errors.dedup();
    errors
}

/// Parses a model's equations (`dv/dt = ... : volt (flags)`, `x = ... : unit`, `x : unit`).
pub fn parse_equations(src: &str) -> (Vec<Equation>, Vec<SyntaxError>) {
    let mut errors = Vec::new();
    let mut lexer = Lexer::new(src, Mode::Equations);
    let result = grammar::EquationsParser::new().parse(src, &mut errors, &mut lexer);
    let equations = match result {
        Ok(eqs) => eqs,
        Err(e) => {
            errors.extend(SyntaxError::from_parse(e, "equation", src.len()));
            Vec::new()
        }
    };
    (equations, finish(errors, lexer.errors, src))
}

/// Parses statements (`v = -60*mV`, `w += b; x *= 2`), one per line or separated by `;`.
pub fn parse_statements(src: &str) -> (Vec<Statement>, Vec<SyntaxError>) {
    let mut errors = Vec::new();
    let mut lexer = Lexer::new(src, Mode::Statements);
    let result = grammar::StatementsParser::new().parse(src, &mut errors, &mut lexer);
    let statements = match result {
        Ok(s) => s,
        Err(e) => {
            errors.extend(SyntaxError::from_parse(e, "statement", src.len()));
            Vec::new()
        }
    };
    (statements, finish(errors, lexer.errors, src))
}

/// Parses one expression (`v > -50*mV`). Returns `None` when nothing usable was parsed.
pub fn parse_expression(src: &str) -> (Option<Expr>, Vec<SyntaxError>) {
    let mut errors = Vec::new();
    let mut lexer = Lexer::new(src, Mode::Expression);
    let result = grammar::ExpressionParser::new().parse(src, &mut errors, &mut lexer);
    let expr = match result {
        Ok(e) => Some(e),
        Err(e) => {
            errors.extend(SyntaxError::from_parse(e, "expression", src.len()));
            None
        }
    };
    let errors = finish(errors, lexer.errors, src);
    (
        if errors.is_empty() {
            expr
        } else {
            expr.filter(|e| !e.has_error())
        },
        errors,
    )
}

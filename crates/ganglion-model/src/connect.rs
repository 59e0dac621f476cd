//! Brian2's `Synapses.connect`: which pairs get synapses, checked. A [`ConnectSpec`] holds the pattern
//! (every pair, explicit pairs, one-to-one, or Brian2's generator syntax), the condition and the
//! probability as checked expressions of a candidate pair (`i`, `j`, both groups' variables); making
//! the synapses from it is the network's job.

use ganglion_syntax::{Diagnostic, SourceId, Span};
use ganglion_units::Dimension;

use crate::error::ModelError;
use crate::expr::{Scope, TExpr, TKind, ValueType};
use crate::group::Code;
use crate::scope::check_code_expr;

/// The probability that a candidate pair gets synapses.
#[derive(Clone, Debug, PartialEq)]
pub enum Probability {
    /// A number (pairs are drawn by geometric jumps, in time proportional to the synapses made).
    Constant(f64),
    /// An expression of the pair.
    Expr(TExpr),
}

/// The candidate targets of Brian2's generator syntax.
#[derive(Clone, Debug, PartialEq)]
pub enum Targets {
    /// `j = expression of i`: one target per source neuron.
    Expr(TExpr),
    /// `k for k in range(...)` or `sample(...)`: the range's bounds (`stop`, `start, stop` or
    /// `start, stop, step`) as expressions of `i`.
    Range(Vec<TExpr>),
}

/// Which candidate pairs are considered.
#[derive(Clone, Debug, PartialEq)]
pub enum Pattern {
    /// Every pair of the two (sub)groups.
    Grid,
    /// Explicit pairs (indices relative to the subgroups), checked against their sizes.
    Pairs(Vec<usize>, Vec<usize>),
    /// Neuron `k` of the source to neuron `k` of the target (groups of the same size).
    OneToOne,
    /// Brian2's generator syntax.
    Generator(Targets),
}

/// A checked `connect` call.
#[derive(Clone, Debug, PartialEq)]
pub struct ConnectSpec {
    /// The candidates.
    pub pattern: Pattern,
    /// A boolean expression of the pair (the generator's `if` included, its variable read as `j`).
    pub condition: Option<TExpr>,
    /// The probability of each candidate (the generator's `sample(..., p=...)` included).
    pub p: Option<Probability>,
    /// Synapses per chosen pair.
    pub n: usize,
    /// Whether generated targets outside the target group are skipped (else refused).
    pub skip_if_invalid: bool,
}

impl ConnectSpec {
    /// Whether the condition is Brian2's `i != j` (pairs are then drawn without self-connections by
    /// the fast path).
    pub fn condition_is_not_self(&self) -> bool {
        matches!(&self.condition, Some(TExpr { kind: TKind::Compare(ganglion_syntax::ast::CmpOp::Ne, a, b), .. })
            if matches!(&a.kind, TKind::Var(x) if x == "i") && matches!(&b.kind, TKind::Var(y) if y == "j"))
    }
}

/// A probability as a user gives it.
#[derive(Clone, Copy, Debug)]
pub enum RawProbability<'a> {
    /// A number.
    Number(f64),
    /// An expression (a plain number written as text counts as a number).
    Expr(Code<'a>),
}

/// A pattern as a user gives it.
#[derive(Clone, Copy, Debug)]
pub enum RawPattern<'a> {
    /// Every pair.
    Grid,
    /// Explicit pairs.
    Pairs(&'a [usize], &'a [usize]),
    /// One-to-one.
    OneToOne,
    /// Brian2's generator syntax for `j`.
    Generator(Code<'a>),
}

/// A `connect` call as a user gives it.
#[derive(Clone, Copy, Debug)]
pub struct RawConnect<'a> {
    /// The candidates.
    pub pattern: RawPattern<'a>,
    /// A condition on the pair.
    pub condition: Option<Code<'a>>,
    /// A probability.
    pub p: Option<RawProbability<'a>>,
    /// Synapses per chosen pair.
    pub n: usize,
    /// Skip invalid generated targets.
    pub skip_if_invalid: bool,
}

/// What checking a connect call needs besides the call.
pub struct ConnectContext<'s, 'n> {
    /// The scope of a candidate pair: the synapses' variables, both groups' (`v_pre`, `v_post`), the
    /// namespaces.
    pub scope: &'s Scope<'n>,
    /// Neurons of the source and of the target (subgroups counted as their slice).
    pub sizes: (usize, usize),
    /// Where the call is (for problems that are not in a code string).
    pub at: Option<(SourceId, Span)>,
}

/// Checks a connect call.
pub fn check_connect(
    raw: &RawConnect<'_>,
    cx: &ConnectContext<'_, '_>,
) -> Result<ConnectSpec, Vec<Diagnostic>> {
    let at = cx.at;
    let invalid = |what: String| {
        let span = at.map_or(Span::default(), |(_, span)| span);
        let d = ModelError::Invalid {
            span,
            what,
            hint: None,
        }
        .to_diagnostic();
        vec![match at {
            Some((source, _)) => d.in_source(source),
            None => d,
        }]
    };
    let (n_pre, n_post) = cx.sizes;
    let mut condition = raw
        .condition
        .map(|c| check_condition(c, cx.scope))
        .transpose()?;
    let mut p = raw.p.map(|p| check_probability(p, cx.scope)).transpose()?;
    let pattern = match raw.pattern {
        RawPattern::Grid => Pattern::Grid,
        RawPattern::Pairs(i, j) => {
            if i.len() != j.len() {
                return Err(invalid(format!(
                    "connect: {} presynaptic and {} postsynaptic indices",
                    i.len(),
                    j.len()
                )));
            }
            if let Some((a, b)) = i.iter().zip(j).find(|(a, b)| **a >= n_pre || **b >= n_post) {
                return Err(invalid(format!(
                    "connect: the pair ({a}, {b}) is outside the {n_pre} x {n_post} neurons"
                )));
            }
            Pattern::Pairs(i.to_vec(), j.to_vec())
        }
        RawPattern::OneToOne => {
            if n_pre != n_post {
                return Err(invalid(format!(
                    "connect(j='i') needs groups of the same size ({n_pre} and {n_post})"
                )));
            }
            Pattern::OneToOne
        }
        RawPattern::Generator(code) => {
            let g = Generator::parse(code.text).map_err(|e| {
                invalid(format!(
                    "connect: cannot read the generator `{}`: {e}",
                    code.text
                ))
            })?;
            let piece = |text: &str| piece_expr(code, text, text, cx.scope);
            let targets = match &g.iteration {
                None => Targets::Expr(piece(&g.element)?),
                Some((var, bounds)) => {
                    if g.element.trim() != var {
                        return Err(invalid(format!(
                            "connect: the generator's element must be its variable `{var}` (not `{}`)",
                            g.element
                        )));
                    }
                    let bounds = bounds
                        .iter()
                        .map(|b| piece(b))
                        .collect::<Result<Vec<_>, _>>()?;
                    Targets::Range(bounds)
                }
            };
            // The generator's `if` reads its variable as `j`. Brian2 takes the condition of a
            // generator there, not as `condition=`.
            if condition.is_some() {
                return Err(invalid(
                    "connect: a generator takes its condition as `... if condition`, not as `condition`"
                        .into(),
                ));
            }
            if let Some(cond) = &g.condition {
                let text = match &g.iteration {
                    Some((var, _)) => replace_word(cond, var, "j"),
                    None => cond.clone(),
                };
                let e = piece_expr(code, cond, &text, cx.scope)?;
                condition = Some(boolean(e, code.source)?);
            }
            if let Some(sp) = &g.p {
                p = Some(match sp.trim().parse::<f64>() {
                    Ok(x) => Probability::Constant(x),
                    Err(_) => probability(piece_expr(code, sp, sp, cx.scope)?, code.source)?,
                });
            }
            Pattern::Generator(targets)
        }
    };
    Ok(ConnectSpec {
        pattern,
        condition,
        p,
        n: raw.n,
        skip_if_invalid: raw.skip_if_invalid,
    })
}

/// Checks an expression of a candidate pair.
fn pair_expr(code: Code<'_>, scope: &Scope<'_>) -> Result<TExpr, Vec<Diagnostic>> {
    let mut diagnostics = Vec::new();
    match check_code_expr(code.text, code.source, scope, &mut diagnostics) {
        Some(e) if !diagnostics.iter().any(Diagnostic::is_error) => Ok(e),
        _ => Err(diagnostics),
    }
}

/// Checks `text`, written as `piece` inside `code` (a generator's bound or condition): diagnostics point
/// at the piece in the whole code string.
fn piece_expr(
    code: Code<'_>,
    piece: &str,
    text: &str,
    scope: &Scope<'_>,
) -> Result<TExpr, Vec<Diagnostic>> {
    let offset = code.text.find(piece).unwrap_or(0);
    let mut e = pair_expr(
        Code {
            text,
            source: code.source,
        },
        scope,
    )
    .map_err(|diagnostics| {
        diagnostics
            .into_iter()
            .map(|mut d| {
                d.span = d.span.shifted(offset);
                for (span, _) in &mut d.secondary {
                    *span = span.shifted(offset);
                }
                d
            })
            .collect::<Vec<_>>()
    })?;
    e.span = e.span.shifted(offset);
    Ok(e)
}

fn check_condition(code: Code<'_>, scope: &Scope<'_>) -> Result<TExpr, Vec<Diagnostic>> {
    boolean(pair_expr(code, scope)?, code.source)
}

/// A condition, which must be boolean.
fn boolean(e: TExpr, source: SourceId) -> Result<TExpr, Vec<Diagnostic>> {
    if e.ty != ValueType::Bool {
        let err = ModelError::NotBoolean {
            span: e.span,
            context: "the condition of connect".into(),
        };
        return Err(vec![err.to_diagnostic().in_source(source)]);
    }
    Ok(e)
}

fn check_probability(
    p: RawProbability<'_>,
    scope: &Scope<'_>,
) -> Result<Probability, Vec<Diagnostic>> {
    let code = match p {
        RawProbability::Number(x) => return Ok(Probability::Constant(x)),
        RawProbability::Expr(code) => code,
    };
    if let Ok(x) = code.text.trim().parse::<f64>() {
        return Ok(Probability::Constant(x));
    }
    probability(pair_expr(code, scope)?, code.source)
}

/// A probability expression, which must be a dimensionless number.
fn probability(e: TExpr, source: SourceId) -> Result<Probability, Vec<Diagnostic>> {
    if !e.dim.is_dimensionless() || e.ty == ValueType::Bool {
        let err = ModelError::DimensionMismatch {
            span: e.span,
            context: "the probability of connect".into(),
            expected: Dimension::DIMENSIONLESS,
            found: e.dim,
        };
        return Err(vec![err.to_diagnostic().in_source(source)]);
    }
    Ok(Probability::Expr(e))
}

/// Brian2's generator syntax for `connect(j=...)`: `ELEMENT for VAR in range(...)|sample(...) [if COND]`,
/// or a plain expression.
#[derive(Debug, PartialEq)]
struct Generator {
    element: String,
    /// The loop variable and the range's arguments (`stop`, `start, stop` or `start, stop, step`).
    iteration: Option<(String, Vec<String>)>,
    condition: Option<String>,
    /// `sample(..., p=...)`'s probability.
    p: Option<String>,
}

impl Generator {
    fn parse(text: &str) -> Result<Generator, String> {
        let Some((element, rest)) = split_word(text, "for") else {
            return Ok(Generator {
                element: text.trim().to_string(),
                iteration: None,
                condition: None,
                p: None,
            });
        };
        let (var, rest) = split_word(rest, "in").ok_or("expected `for VAR in ...`")?;
        let var = var.trim().to_string();
        let rest = rest.trim();
        let (func, after) = rest
            .split_once('(')
            .ok_or("expected `range(...)` or `sample(...)`")?;
        let close = matching_paren(after).ok_or("unbalanced parentheses")?;
        let args = split_args(&after[..close]);
        let tail = after[close + 1..].trim();
        let condition = match tail.strip_prefix("if") {
            Some(c) if c.starts_with(|ch: char| ch.is_whitespace() || ch == '(') => {
                Some(c.trim().to_string())
            }
            None if tail.is_empty() => None,
            _ => return Err(format!("unexpected `{tail}`")),
        };
        let (bounds, p) = match func.trim() {
            "range" => (args, None),
            "sample" => {
                let mut bounds = Vec::new();
                let mut p = None;
                for a in args {
                    match a.split_once('=') {
                        Some((k, v)) if k.trim() == "p" => p = Some(v.trim().to_string()),
                        Some((k, _)) => {
                            return Err(format!("`sample` has no argument `{}`", k.trim()));
                        }
                        None => bounds.push(a),
                    }
                }
                (bounds, Some(p.ok_or("`sample` needs `p=`")?))
            }
            other => {
                return Err(format!(
                    "`{other}` (the iterators are `range` and `sample`)"
                ));
            }
        };
        if bounds.is_empty() || bounds.len() > 3 {
            return Err("a range takes 1 to 3 arguments".into());
        }
        Ok(Generator {
            element: element.trim().to_string(),
            iteration: Some((var, bounds)),
            condition,
            p,
        })
    }
}

/// Splits at the first occurrence of `word` as a whole word, outside parentheses.
fn split_word<'t>(text: &'t str, word: &str) -> Option<(&'t str, &'t str)> {
    let bytes = text.as_bytes();
    let mut depth = 0i32;
    for (k, ch) in text.char_indices() {
        match ch {
            '(' => depth += 1,
            ')' => depth -= 1,
            _ => {}
        }
        if depth == 0 && text[k..].starts_with(word) {
            let before =
                k == 0 || !(bytes[k - 1] as char).is_alphanumeric() && bytes[k - 1] != b'_';
            let end = k + word.len();
            let after =
                end >= text.len() || !(bytes[end] as char).is_alphanumeric() && bytes[end] != b'_';
            if before && after {
                return Some((&text[..k], &text[end..]));
            }
        }
    }
    None
}

/// The index of the `)` closing an already opened parenthesis.
fn matching_paren(text: &str) -> Option<usize> {
    let mut depth = 1;
    for (k, ch) in text.char_indices() {
        match ch {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(k);
                }
            }
            _ => {}
        }
    }
    None
}

/// Arguments separated by top-level commas.
fn split_args(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0;
    let mut start = 0;
    for (k, ch) in text.char_indices() {
        match ch {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(text[start..k].trim().to_string());
                start = k + 1;
            }
            _ => {}
        }
    }
    if !text[start..].trim().is_empty() {
        out.push(text[start..].trim().to_string());
    }
    out
}

/// `text` with the whole word `from` replaced by `to`.
fn replace_word(text: &str, from: &str, to: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some((before, after)) = split_word(rest, from) {
        out.push_str(before);
        out.push_str(to);
        rest = after;
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generators_are_read_as_brian2_writes_them() {
        let g = Generator::parse("k for k in range(i-3, i+4) if i != k").unwrap();
        assert_eq!(g.element, "k");
        assert_eq!(
            g.iteration,
            Some(("k".into(), vec!["i-3".into(), "i+4".into()]))
        );
        assert_eq!(g.condition.as_deref(), Some("i != k"));
        let g = Generator::parse("k for k in sample(N_post, p=0.1)").unwrap();
        assert_eq!(g.p.as_deref(), Some("0.1"));
        assert_eq!(Generator::parse("i + 1").unwrap().element, "i + 1");
        assert!(Generator::parse("k for k in zip(a)").is_err());
        assert_eq!(
            replace_word("i != k and kk > k", "k", "j"),
            "i != j and kk > j"
        );
    }
}

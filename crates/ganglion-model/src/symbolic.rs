//! Small symbolic operations on checked expressions: building nodes with the right type and dimensions,
//! substituting names, and splitting a right-hand side into its deterministic and noise parts.

use ganglion_syntax::Span;
use ganglion_syntax::ast::{BinOp, UnaryOp};
use ganglion_units::Dimension;

use crate::expr::{TExpr, TKind, ValueType};

/// A float literal (dimensionless).
pub fn float(v: f64) -> TExpr {
    TExpr {
        kind: TKind::Float(v),
        ty: ValueType::Float,
        dim: Dimension::DIMENSIONLESS,
        span: Span::default(),
    }
}

fn arithmetic(t: ValueType) -> ValueType {
    t.max(ValueType::Int)
}

/// `a * b`.
pub fn mul(a: TExpr, b: TExpr) -> TExpr {
    let span = a.span.to(b.span);
    TExpr {
        ty: arithmetic(a.ty.max(b.ty)),
        dim: a.dim * b.dim,
        kind: TKind::Binary(BinOp::Mul, Box::new(a), Box::new(b)),
        span,
    }
}

/// `a / b`.
pub fn div(a: TExpr, b: TExpr) -> TExpr {
    let span = a.span.to(b.span);
    TExpr {
        ty: ValueType::Float,
        dim: a.dim / b.dim,
        kind: TKind::Binary(BinOp::Div, Box::new(a), Box::new(b)),
        span,
    }
}

/// `a + b` (dimensions of `a`).
pub fn add(a: TExpr, b: TExpr) -> TExpr {
    let span = a.span.to(b.span);
    TExpr {
        ty: arithmetic(a.ty.max(b.ty)),
        dim: a.dim,
        kind: TKind::Binary(BinOp::Add, Box::new(a), Box::new(b)),
        span,
    }
}

/// `a - b` (dimensions of `a`).
pub fn sub(a: TExpr, b: TExpr) -> TExpr {
    let span = a.span.to(b.span);
    TExpr {
        ty: arithmetic(a.ty.max(b.ty)),
        dim: a.dim,
        kind: TKind::Binary(BinOp::Sub, Box::new(a), Box::new(b)),
        span,
    }
}

/// `-a`.
pub fn neg(a: TExpr) -> TExpr {
    TExpr {
        ty: arithmetic(a.ty),
        dim: a.dim,
        span: a.span,
        kind: TKind::Unary(UnaryOp::Neg, Box::new(a)),
    }
}

/// Replaces every `Var(name)` for which `f` returns an expression.
pub fn substitute(e: &TExpr, f: &mut impl FnMut(&str) -> Option<TExpr>) -> TExpr {
    rewrite(e, &mut |node| match &node.kind {
        TKind::Var(n) => f(n),
        _ => None,
    })
}

/// Rebuilds an expression, replacing every node for which `f` returns an expression (that node's
/// children are then not visited).
pub fn rewrite(e: &TExpr, f: &mut impl FnMut(&TExpr) -> Option<TExpr>) -> TExpr {
    ganglion_syntax::limits::with_stack(|| {
        if let Some(r) = f(e) {
            return r;
        }
        let kind = match &e.kind {
            TKind::Unary(op, a) => TKind::Unary(*op, Box::new(rewrite(a, f))),
            TKind::Binary(op, a, b) => {
                TKind::Binary(*op, Box::new(rewrite(a, f)), Box::new(rewrite(b, f)))
            }
            TKind::Compare(op, a, b) => {
                TKind::Compare(*op, Box::new(rewrite(a, f)), Box::new(rewrite(b, f)))
            }
            TKind::Logical(op, a, b) => {
                TKind::Logical(*op, Box::new(rewrite(a, f)), Box::new(rewrite(b, f)))
            }
            TKind::Call(b, args) => TKind::Call(*b, args.iter().map(|a| rewrite(a, f)).collect()),
            TKind::TimedArray { name, info, args } => TKind::TimedArray {
                name: name.clone(),
                info: info.clone(),
                args: args.iter().map(|a| rewrite(a, f)).collect(),
            },
            other => other.clone(),
        };
        TExpr {
            kind,
            ty: e.ty,
            dim: e.dim,
            span: e.span,
        }
    })
}

/// A right-hand side split as `f + Σ g_k * xi_k`.
#[derive(Clone, Debug, PartialEq)]
pub struct NoiseSplit {
    /// The deterministic part (`None` when there is none).
    pub deterministic: Option<TExpr>,
    /// Each noise symbol with its factor, in order of appearance (a symbol appears once).
    pub noise: Vec<(String, TExpr)>,
}

fn has_noise(e: &TExpr) -> bool {
    !e.noise_names().is_empty()
}

/// Splits `e` into deterministic and noise parts; `None` when noise does not enter linearly.
pub fn split_noise(e: &TExpr) -> Option<NoiseSplit> {
    if !has_noise(e) {
        return Some(NoiseSplit {
            deterministic: Some(e.clone()),
            noise: Vec::new(),
        });
    }
    match &e.kind {
        TKind::Noise(n) => Some(NoiseSplit {
            deterministic: None,
            noise: vec![(n.clone(), float(1.0))],
        }),
        TKind::Unary(UnaryOp::Pos, a) => split_noise(a),
        TKind::Unary(UnaryOp::Neg, a) => {
            let s = split_noise(a)?;
            Some(NoiseSplit {
                deterministic: s.deterministic.map(neg),
                noise: s.noise.into_iter().map(|(n, g)| (n, neg(g))).collect(),
            })
        }
        TKind::Binary(op @ (BinOp::Add | BinOp::Sub), a, b) => {
            let x = split_noise(a)?;
            let y = split_noise(b)?;
            let negate = *op == BinOp::Sub;
            let deterministic = match (x.deterministic, y.deterministic) {
                (Some(p), Some(q)) => Some(if negate { sub(p, q) } else { add(p, q) }),
                (Some(p), None) => Some(p),
                (None, Some(q)) => Some(if negate { neg(q) } else { q }),
                (None, None) => None,
            };
            let mut noise = x.noise;
            for (n, g) in y.noise {
                let g = if negate { neg(g) } else { g };
                match noise.iter_mut().find(|(m, _)| *m == n) {
                    Some(entry) => entry.1 = add(entry.1.clone(), g),
                    None => noise.push((n, g)),
                }
            }
            Some(NoiseSplit {
                deterministic,
                noise,
            })
        }
        TKind::Binary(BinOp::Mul, a, b) => {
            let (scaled, factor) = match (has_noise(a), has_noise(b)) {
                (true, false) => (a, b),
                (false, true) => (b, a),
                _ => return None,
            };
            let s = split_noise(scaled)?;
            let factor_on_right = std::ptr::eq(scaled.as_ref(), a.as_ref());
            let scale = |x: TExpr| {
                if x.kind == TKind::Float(1.0) {
                    (**factor).clone()
                } else if factor_on_right {
                    mul(x, (**factor).clone())
                } else {
                    mul((**factor).clone(), x)
                }
            };
            Some(NoiseSplit {
                deterministic: s.deterministic.map(scale),
                noise: s.noise.into_iter().map(|(n, g)| (n, scale(g))).collect(),
            })
        }
        TKind::Binary(BinOp::Div, a, b) if !has_noise(b) => {
            let s = split_noise(a)?;
            Some(NoiseSplit {
                deterministic: s.deterministic.map(|x| div(x, (**b).clone())),
                noise: s
                    .noise
                    .into_iter()
                    .map(|(n, g)| (n, div(g, (**b).clone())))
                    .collect(),
            })
        }
        _ => None,
    }
}

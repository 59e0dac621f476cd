//! Symbolic algebra on checked expressions, enough for the integration methods: simplification,
//! differentiation with respect to a state variable, substitution.

use ganglion_ir::Builtin;
use ganglion_ir::builtins::Formula;
use ganglion_model::symbolic::{add, div, float, mul, neg, sub};
use ganglion_model::{TExpr, TKind, ValueType};
use ganglion_syntax::ast::{BinOp, UnaryOp};

/// Whether `e` reads the variable (or temporary) `name`.
pub fn depends_on(e: &TExpr, name: &str) -> bool {
    ganglion_syntax::limits::with_stack(|| {
        let mut found = false;
        e.walk(&mut |n| {
            if let TKind::Var(v) = &n.kind {
                found |= v == name;
            }
        });
        found
    })
}

/// Whether `e` reads any of `names`.
pub fn depends_on_any(e: &TExpr, names: &[String]) -> bool {
    names.iter().any(|n| depends_on(e, n))
}

/// The literal value of `e`, if it is a number.
pub fn literal(e: &TExpr) -> Option<f64> {
    match e.kind {
        TKind::Float(v) => Some(v),
        TKind::Int(v) => Some(v as f64),
        _ => None,
    }
}

/// Whether `e` is the literal 0.
pub fn is_zero(e: &TExpr) -> bool {
    literal(e) == Some(0.0)
}

fn is_one(e: &TExpr) -> bool {
    literal(e) == Some(1.0)
}

fn lit(v: f64, like: &TExpr) -> TExpr {
    TExpr {
        span: like.span,
        ..float(v)
    }
}

/// Simplifies: folds arithmetic on literals and removes `0` and `1` where they do nothing (`x*0 → 0`,
/// `x*1 → x`, `x + 0 → x`, `0 - x → -x`, `x/1 → x`, `0/x → 0`, `--x → x`, `x**1 → x`).
pub fn simplify(e: &TExpr) -> TExpr {
    ganglion_syntax::limits::with_stack(|| match &e.kind {
        TKind::Unary(op, a) => {
            let a = simplify(a);
            match (op, &a.kind) {
                (UnaryOp::Pos, _) => a,
                (UnaryOp::Neg, _) if literal(&a).is_some() && a.ty == ValueType::Float => {
                    lit(-literal(&a).unwrap_or(0.0), e)
                }
                (UnaryOp::Neg, TKind::Unary(UnaryOp::Neg, inner)) => (**inner).clone(),
                _ => TExpr {
                    kind: TKind::Unary(*op, Box::new(a)),
                    ..e.clone()
                },
            }
        }
        TKind::Binary(op, a, b) => {
            let a = simplify(a);
            let b = simplify(b);
            let float_result = e.ty == ValueType::Float;
            if let (Some(x), Some(y)) = (literal(&a), literal(&b))
                && float_result
            {
                let v = match op {
                    BinOp::Add => Some(x + y),
                    BinOp::Sub => Some(x - y),
                    BinOp::Mul => Some(x * y),
                    BinOp::Div => Some(x / y),
                    BinOp::Pow => Some(x.powf(y)),
                    _ => None,
                };
                if let Some(v) = v {
                    return lit(v, e);
                }
            }
            let rebuild = |a: TExpr, b: TExpr| TExpr {
                kind: TKind::Binary(*op, Box::new(a), Box::new(b)),
                ..e.clone()
            };
            match op {
                BinOp::Add if is_zero(&a) => b,
                BinOp::Add if is_zero(&b) => a,
                BinOp::Sub if is_zero(&b) => a,
                BinOp::Sub if is_zero(&a) => simplify(&neg(b)),
                BinOp::Mul if is_zero(&a) || is_zero(&b) => lit(0.0, e),
                BinOp::Mul if is_one(&a) => b,
                BinOp::Mul if is_one(&b) => a,
                BinOp::Div if is_one(&b) => a,
                BinOp::Div if is_zero(&a) => lit(0.0, e),
                BinOp::Pow if is_one(&b) => a,
                BinOp::Pow if is_zero(&b) => lit(1.0, e),
                _ => rebuild(a, b),
            }
        }
        TKind::Compare(op, a, b) => TExpr {
            kind: TKind::Compare(*op, Box::new(simplify(a)), Box::new(simplify(b))),
            ..e.clone()
        },
        TKind::Logical(op, a, b) => TExpr {
            kind: TKind::Logical(*op, Box::new(simplify(a)), Box::new(simplify(b))),
            ..e.clone()
        },
        TKind::Call(f, args) => TExpr {
            kind: TKind::Call(*f, args.iter().map(simplify).collect()),
            ..e.clone()
        },
        TKind::TimedArray { name, info, args } => TExpr {
            kind: TKind::TimedArray {
                name: name.clone(),
                info: info.clone(),
                args: args.iter().map(simplify).collect(),
            },
            ..e.clone()
        },
        _ => e.clone(),
    })
}

fn call(f: Builtin, a: TExpr) -> TExpr {
    TExpr {
        span: a.span,
        ty: ValueType::Float,
        dim: a.dim,
        kind: TKind::Call(f, vec![a]),
    }
}

/// The derivative of `e` with respect to the variable `var` (not simplified), or `None` where `e`
/// depends on `var` through something without a usable derivative (`abs`, `floor`, comparisons, ...).
pub fn diff(e: &TExpr, var: &str) -> Option<TExpr> {
    ganglion_syntax::limits::with_stack(|| {
        if !depends_on(e, var) {
            return Some(lit(0.0, e));
        }
        Some(match &e.kind {
            TKind::Var(_) => lit(1.0, e),
            TKind::Unary(UnaryOp::Neg, a) => neg(diff(a, var)?),
            TKind::Unary(UnaryOp::Pos, a) => diff(a, var)?,
            TKind::Binary(op, a, b) => {
                let (da, db) = (depends_on(a, var), depends_on(b, var));
                let a_ = || diff(a, var);
                let b_ = || diff(b, var);
                let (a, b) = ((**a).clone(), (**b).clone());
                match op {
                    BinOp::Add => add(a_()?, b_()?),
                    BinOp::Sub => sub(a_()?, b_()?),
                    BinOp::Mul => match (da, db) {
                        (true, false) => mul(a_()?, b),
                        (false, true) => mul(a, b_()?),
                        _ => add(mul(a_()?, b.clone()), mul(a, b_()?)),
                    },
                    BinOp::Div => match (da, db) {
                        (true, false) => div(a_()?, b),
                        _ => {
                            // (a'b - ab')/b²
                            let num = sub(mul(a_()?, b.clone()), mul(a, b_()?));
                            div(num, mul(b.clone(), b))
                        }
                    },
                    BinOp::Pow => match (da, db) {
                        (true, false) => {
                            // b * a**(b-1) * a'
                            let exponent = sub(b.clone(), float(1.0));
                            let power = TExpr {
                                kind: TKind::Binary(
                                    BinOp::Pow,
                                    Box::new(a.clone()),
                                    Box::new(exponent),
                                ),
                                ty: ValueType::Float,
                                dim: a.dim,
                                span: e.span,
                            };
                            mul(mul(b, power), a_()?)
                        }
                        (false, true) => {
                            // a**b * ln(a) * b'
                            mul(mul(e.clone(), call(Builtin::Log, a)), b_()?)
                        }
                        _ => return None,
                    },
                    BinOp::FloorDiv | BinOp::Mod => return None,
                }
            }
            TKind::Call(f, args) if args.len() == 1 => {
                let u = &args[0];
                let du = diff(u, var)?;
                // f'(u) from the function's entry in the table of built-ins.
                let outer = formula(f.info().derivative.as_ref()?, u);
                mul(outer, du)
            }
            _ => return None,
        })
    })
}

/// A derivative rule of the table of built-ins ([`Formula`]) as an expression of the argument `u`.
fn formula(f: &Formula, u: &TExpr) -> TExpr {
    match f {
        Formula::Arg => u.clone(),
        Formula::Number(v) => float(*v),
        Formula::Call(g, x) => call(*g, formula(x, u)),
        Formula::Neg(x) => neg(formula(x, u)),
        Formula::Add(a, b) => add(formula(a, u), formula(b, u)),
        Formula::Sub(a, b) => sub(formula(a, u), formula(b, u)),
        Formula::Mul(a, b) => mul(formula(a, u), formula(b, u)),
        Formula::Div(a, b) => div(formula(a, u), formula(b, u)),
    }
}

/// Whether two expressions are the same tree (spans ignored).
pub fn same(a: &TExpr, b: &TExpr) -> bool {
    ganglion_syntax::limits::with_stack(|| {
        if a.ty != b.ty {
            return false;
        }
        match (&a.kind, &b.kind) {
            (TKind::Unary(o, x), TKind::Unary(p, y)) => o == p && same(x, y),
            (TKind::Binary(o, x1, x2), TKind::Binary(p, y1, y2)) => {
                o == p && same(x1, y1) && same(x2, y2)
            }
            (TKind::Compare(o, x1, x2), TKind::Compare(p, y1, y2)) => {
                o == p && same(x1, y1) && same(x2, y2)
            }
            (TKind::Logical(o, x1, x2), TKind::Logical(p, y1, y2)) => {
                o == p && same(x1, y1) && same(x2, y2)
            }
            (TKind::Call(f, xs), TKind::Call(g, ys)) => {
                f == g && xs.len() == ys.len() && xs.iter().zip(ys).all(|(x, y)| same(x, y))
            }
            (
                TKind::TimedArray {
                    name: f, args: xs, ..
                },
                TKind::TimedArray {
                    name: g, args: ys, ..
                },
            ) => f == g && xs.len() == ys.len() && xs.iter().zip(ys).all(|(x, y)| same(x, y)),
            (x, y) => x == y,
        }
    })
}

/// A product written as a literal coefficient times factors over factors.
struct Product {
    coefficient: f64,
    numerator: Vec<TExpr>,
    denominator: Vec<TExpr>,
}

fn product(e: &TExpr, out: &mut Product, inverted: bool) {
    ganglion_syntax::limits::with_stack(|| match &e.kind {
        TKind::Float(v) => {
            if inverted {
                out.coefficient /= v;
            } else {
                out.coefficient *= v;
            }
        }
        TKind::Int(v) if e.ty != ValueType::Bool => {
            if inverted {
                out.coefficient /= *v as f64;
            } else {
                out.coefficient *= *v as f64;
            }
        }
        TKind::Unary(UnaryOp::Neg, a) => {
            out.coefficient = -out.coefficient;
            product(a, out, inverted);
        }
        TKind::Binary(BinOp::Mul, a, b) => {
            product(a, out, inverted);
            product(b, out, inverted);
        }
        TKind::Binary(BinOp::Div, a, b) => {
            product(a, out, inverted);
            product(b, out, !inverted);
        }
        _ => {
            if inverted {
                out.denominator.push(e.clone());
            } else {
                out.numerator.push(e.clone());
            }
        }
    })
}

/// `num/den` with common factors cancelled, as a literal coefficient and the remaining expression
/// (`None` when nothing but the coefficient remains). `(I/tau)/(-1/tau)` gives `(-1, Some(I))`.
pub fn cancel_ratio(num: &TExpr, den: &TExpr) -> (f64, Option<TExpr>) {
    let mut p = Product {
        coefficient: 1.0,
        numerator: Vec::new(),
        denominator: Vec::new(),
    };
    product(num, &mut p, false);
    product(den, &mut p, true);
    let mut k = 0;
    while k < p.numerator.len() {
        if let Some(j) = p.denominator.iter().position(|d| same(d, &p.numerator[k])) {
            p.denominator.remove(j);
            p.numerator.remove(k);
        } else {
            k += 1;
        }
    }
    let mut rest: Option<TExpr> = None;
    for f in p.numerator {
        rest = Some(match rest {
            None => f,
            Some(r) => mul(r, f),
        });
    }
    for d in p.denominator {
        rest = Some(div(rest.unwrap_or_else(|| float(1.0)), d));
    }
    (p.coefficient, rest)
}

/// Whether `e` divides anywhere.
pub fn has_division(e: &TExpr) -> bool {
    let mut found = false;
    e.walk(&mut |n| {
        found |= matches!(
            n.kind,
            TKind::Binary(BinOp::Div | BinOp::FloorDiv | BinOp::Mod, ..)
        )
    });
    found
}

/// Replaces the variable `var` by `by` everywhere in `e`.
pub fn replace_var(e: &TExpr, var: &str, by: &TExpr) -> TExpr {
    ganglion_model::symbolic::substitute(e, &mut |n| (n == var).then(|| by.clone()))
}

/// Replaces the special symbol `t` by `by`.
pub fn replace_time(e: &TExpr, by: &TExpr) -> TExpr {
    ganglion_syntax::limits::with_stack(|| {
        let kind = match &e.kind {
            TKind::Special(ganglion_model::Special::T) => return by.clone(),
            TKind::Unary(op, a) => TKind::Unary(*op, Box::new(replace_time(a, by))),
            TKind::Binary(op, a, b) => TKind::Binary(
                *op,
                Box::new(replace_time(a, by)),
                Box::new(replace_time(b, by)),
            ),
            TKind::Compare(op, a, b) => TKind::Compare(
                *op,
                Box::new(replace_time(a, by)),
                Box::new(replace_time(b, by)),
            ),
            TKind::Logical(op, a, b) => TKind::Logical(
                *op,
                Box::new(replace_time(a, by)),
                Box::new(replace_time(b, by)),
            ),
            TKind::Call(f, args) => {
                TKind::Call(*f, args.iter().map(|a| replace_time(a, by)).collect())
            }
            TKind::TimedArray { name, info, args } => TKind::TimedArray {
                name: name.clone(),
                info: info.clone(),
                args: args.iter().map(|a| replace_time(a, by)).collect(),
            },
            other => other.clone(),
        };
        TExpr { kind, ..e.clone() }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ganglion_syntax::Span;
    use ganglion_units::Dimension;

    fn var(n: &str) -> TExpr {
        TExpr {
            kind: TKind::Var(n.into()),
            ty: ValueType::Float,
            dim: Dimension::DIMENSIONLESS,
            span: Span::default(),
        }
    }

    #[test]
    fn derivative_of_a_linear_expression_is_free_of_the_variable() {
        // (I - v)/tau
        let e = div(sub(var("I"), var("v")), var("tau"));
        let d = simplify(&diff(&e, "v").unwrap());
        assert!(!depends_on(&d, "v"));
        assert_eq!(d.to_string(), "-1.0 / tau");
        let b = simplify(&replace_var(&e, "v", &float(0.0)));
        assert_eq!(b.to_string(), "I / tau");
    }

    #[test]
    fn common_factors_cancel() {
        let b = div(var("I"), var("tau"));
        let a = div(float(-1.0), var("tau"));
        let (k, rest) = cancel_ratio(&b, &a);
        assert_eq!(k, -1.0);
        assert_eq!(rest.unwrap().to_string(), "I");
        let (k, rest) = cancel_ratio(&mul(var("g"), var("E")), &var("g"));
        assert_eq!((k, rest.unwrap().to_string()), (1.0, "E".to_string()));
    }

    #[test]
    fn derivative_of_a_nonlinear_expression_depends_on_it() {
        let e = mul(var("v"), var("v"));
        let d = simplify(&diff(&e, "v").unwrap());
        assert!(depends_on(&d, "v"));
        let e = call(Builtin::Exp, var("v"));
        assert!(depends_on(&simplify(&diff(&e, "v").unwrap()), "v"));
        let e = call(Builtin::Abs, var("v"));
        assert!(diff(&e, "v").is_none());
    }

    /// Every function of one argument differentiates as its entry in the table says: to `f'(v)` where
    /// it has a derivative rule, not at all where it has none.
    #[test]
    fn calls_differentiate_as_the_table_says() {
        for f in ganglion_ir::builtins::FUNCTIONS
            .iter()
            .filter(|f| f.arity == 1)
        {
            let e = call(f.builtin, var("v"));
            let d = diff(&e, "v");
            assert_eq!(d.is_some(), f.derivative.is_some(), "{}", f.name);
            if let Some(d) = d {
                assert!(depends_on(&d, "v"), "{}: {d}", f.name);
            }
        }
    }
}

//! Checking of statements (reset and event code, `run_regularly`): targets, dimensions, temporaries and
//! the rules for shared variables.

use ganglion_syntax::ast::{self, AssignOp, BinOp};

use crate::error::ModelError;
use crate::expr::{Scope, Special, TExpr, TKind, ValueType, VarInfo, builtin_constant, check_expr};

/// Where a block of statements runs, which decides what it may write.
#[derive(Clone, Copy, Debug)]
pub struct BlockRules {
    /// For messages: "reset code", "event code", "run_regularly code".
    pub context: &'static str,
    /// Whether shared variables may be written (in `run_regularly`, not in threshold or reset code).
    pub allow_shared_writes: bool,
}

/// Whether evaluating `e` gives one value for the whole group: it reads only shared things (and, unless
/// `allow_random`, calls no random function: in a statement `rand()` is drawn once, in a subexpression it
/// would be drawn per neuron).
pub fn is_shared_expr(e: &TExpr, scope: &Scope<'_>, allow_random: bool) -> Result<(), String> {
    let mut culprit = None;
    e.walk(&mut |n| match &n.kind {
        TKind::Var(v) => {
            let info = scope.temporaries.get(v).or_else(|| scope.variables.get(v));
            if info.is_some_and(|i| !i.shared) && culprit.is_none() {
                culprit = Some(v.clone());
            }
        }
        TKind::Special(Special::I) if culprit.is_none() => culprit = Some("i".to_string()),
        TKind::Call(b, _) if b.is_stateful() && !allow_random && culprit.is_none() => {
            culprit = Some(format!("{}()", b.name()))
        }
        _ => {}
    });
    match culprit {
        Some(c) => Err(c),
        None => Ok(()),
    }
}

/// Checks a block of statements. New temporaries are added to `scope` as they are defined.
pub fn check_statements(
    statements: &[ast::Statement],
    scope: &mut Scope<'_>,
    rules: BlockRules,
    errors: &mut Vec<ModelError>,
) -> Vec<crate::model::TStatement> {
    let mut out = Vec::new();
    let mut wrote_vector = false;
    for s in statements {
        let name = &s.target.name;
        let value = check_expr(&s.value, scope, errors);
        let target = scope
            .temporaries
            .get(name)
            .or_else(|| scope.variables.get(name))
            .cloned();
        let read_only = if Special::from_name(name).is_some() {
            Some("it is a special symbol")
        } else if builtin_constant(name).is_some() || ganglion_units::is_unit_name(name) {
            Some("it is a constant")
        } else if scope.namespaces.iter().any(|ns| ns.get(name).is_some()) && target.is_none() {
            Some("it is a constant from the namespace")
        } else if scope
            .namespaces
            .iter()
            .any(|ns| ns.timed_array(name).is_some())
            && target.is_none()
        {
            Some("it is a timed array")
        } else if target.as_ref().is_some_and(|t| t.subexpression) {
            Some("it is a subexpression")
        } else {
            None
        };
        if let Some(reason) = read_only {
            errors.push(ModelError::ReadOnly {
                span: s.target.span,
                name: name.clone(),
                reason,
            });
            continue;
        }
        let Some(value) = value else { continue };
        let Some(target) = target else {
            if s.op != AssignOp::Assign {
                errors.push(ModelError::UnknownName {
                    span: s.target.span,
                    name: name.clone(),
                    suggestion: scope.suggest(name),
                });
                continue;
            }
            // A new temporary: type and dimensions of its first value.
            let shared = is_shared_expr(&value, scope, false).is_ok();
            let info = VarInfo {
                ty: value.ty,
                dim: value.dim,
                shared,
                subexpression: false,
            };
            scope.temporaries.insert(name.clone(), info);
            out.push(crate::model::TStatement {
                target: name.clone(),
                op: s.op,
                ty: value.ty,
                value,
                new_temporary: true,
                shared,
                span: s.span,
            });
            continue;
        };
        let result_dim = match s.op.binop() {
            None => Some(value.dim),
            Some(BinOp::Add | BinOp::Sub | BinOp::Mod) => Some(value.dim),
            Some(BinOp::Mul) => Some(target.dim * value.dim),
            Some(BinOp::Div) => Some(target.dim / value.dim),
            Some(BinOp::FloorDiv) => {
                if !target.dim.is_dimensionless() || !value.dim.is_dimensionless() {
                    errors.push(ModelError::FloorDivUnits { span: s.span });
                    continue;
                }
                Some(value.dim)
            }
            Some(BinOp::Pow) => {
                if !value.dim.is_dimensionless() {
                    errors.push(ModelError::ExponentUnits {
                        span: value.span,
                        found: value.dim,
                    });
                    continue;
                }
                if target.dim.is_dimensionless() || value.const_value() == Some(1.0) {
                    Some(target.dim)
                } else {
                    None
                }
            }
        };
        if result_dim != Some(target.dim) {
            let found = result_dim.unwrap_or(value.dim);
            let context = match s.op {
                AssignOp::Assign => format!("the value assigned to `{name}`"),
                op => format!("`{name} {op} ...`"),
            };
            errors.push(ModelError::DimensionMismatch {
                span: value.span,
                context,
                expected: if s
                    .op
                    .binop()
                    .is_some_and(|o| matches!(o, BinOp::Mul | BinOp::Div))
                {
                    ganglion_units::Dimension::DIMENSIONLESS
                } else {
                    target.dim
                },
                found: if s
                    .op
                    .binop()
                    .is_some_and(|o| matches!(o, BinOp::Mul | BinOp::Div))
                {
                    value.dim
                } else {
                    found
                },
            });
            continue;
        }
        if target.ty == ValueType::Bool && value.ty != ValueType::Bool {
            errors.push(ModelError::NotBoolean {
                span: value.span,
                context: format!("the value assigned to the boolean `{name}`"),
            });
            continue;
        }
        if target.shared {
            if !rules.allow_shared_writes {
                errors.push(ModelError::SharedWrite {
                    span: s.target.span,
                    name: name.clone(),
                    context: rules.context.to_string(),
                });
                continue;
            }
            if let Err(var) = is_shared_expr(&value, scope, true) {
                errors.push(ModelError::ScalarFromVector {
                    span: value.span,
                    name: name.clone(),
                    var,
                });
                continue;
            }
            if wrote_vector {
                errors.push(ModelError::SharedWriteOrder { span: s.span });
                continue;
            }
        } else {
            wrote_vector = true;
        }
        out.push(crate::model::TStatement {
            target: name.clone(),
            op: s.op,
            ty: target.ty,
            value,
            new_temporary: false,
            shared: target.shared,
            span: s.span,
        });
    }
    out
}

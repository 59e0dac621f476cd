//! Checking of statements (reset and event code, `run_regularly`): targets, dimensions, temporaries and
//! the rules for shared variables.

use ganglion_syntax::ast::{self, AssignOp, BinOp};

use crate::error::ModelError;
use crate::expr::{Scope, Special, TExpr, TKind, ValueType, VarInfo, builtin_constant, check_expr};
use crate::model::TStatement;

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
) -> Vec<TStatement> {
    let mut wrote_vector = false;
    statements
        .iter()
        .filter_map(|s| check_statement(s, scope, rules, &mut wrote_vector, errors))
        .collect()
}

/// Checks one statement: its target may be written, its value fits the target, and shared writes keep
/// the rules; a new name defines a temporary. `wrote_vector` says whether an earlier statement wrote a
/// per-neuron variable (and is set when this one does).
fn check_statement(
    s: &ast::Statement,
    scope: &mut Scope<'_>,
    rules: BlockRules,
    wrote_vector: &mut bool,
    errors: &mut Vec<ModelError>,
) -> Option<TStatement> {
    let name = &s.target.name;
    let value = check_expr(&s.value, scope, errors);
    let target = scope
        .temporaries
        .get(name)
        .or_else(|| scope.variables.get(name))
        .cloned();
    if let Some(reason) = read_only_reason(name, target.as_ref(), scope) {
        errors.push(ModelError::ReadOnly {
            span: s.target.span,
            name: name.clone(),
            reason,
        });
        return None;
    }
    let value = value?;
    let Some(target) = target else {
        return new_temporary(s, value, scope, errors);
    };
    let problem = units_problem(s, &target, &value)
        .or_else(|| boolean_problem(name, &target, &value))
        .or_else(|| shared_write_problem(s, &target, &value, scope, rules, wrote_vector));
    if let Some(e) = problem {
        errors.push(e);
        return None;
    }
    Some(TStatement {
        target: name.clone(),
        op: s.op,
        ty: target.ty,
        value,
        new_temporary: false,
        shared: target.shared,
        span: s.span,
    })
}

/// Why `name` (the variable or temporary `target`, if it is one) cannot be written, if it cannot.
fn read_only_reason(
    name: &str,
    target: Option<&VarInfo>,
    scope: &Scope<'_>,
) -> Option<&'static str> {
    if Special::from_name(name).is_some() {
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
    } else if target.is_some_and(|t| t.subexpression) {
        Some("it is a subexpression")
    } else {
        None
    }
}

/// `name = value` for a name that is not a variable: a new temporary with the type and dimensions of
/// its first value (`name += value` is an unknown name).
fn new_temporary(
    s: &ast::Statement,
    value: TExpr,
    scope: &mut Scope<'_>,
    errors: &mut Vec<ModelError>,
) -> Option<TStatement> {
    let name = &s.target.name;
    if s.op != AssignOp::Assign {
        errors.push(ModelError::UnknownName {
            span: s.target.span,
            name: name.clone(),
            suggestion: scope.suggest(name),
        });
        return None;
    }
    let shared = is_shared_expr(&value, scope, false).is_ok();
    let info = VarInfo {
        ty: value.ty,
        dim: value.dim,
        shared,
        subexpression: false,
    };
    scope.temporaries.insert(name.clone(), info);
    Some(TStatement {
        target: name.clone(),
        op: s.op,
        ty: value.ty,
        value,
        new_temporary: true,
        shared,
        span: s.span,
    })
}

/// Whether the statement's result has the target's dimensions (`x *= y` and `x /= y` need a
/// dimensionless `y`, `//=` dimensionless operands, `**=` a dimensionless exponent).
fn units_problem(s: &ast::Statement, target: &VarInfo, value: &TExpr) -> Option<ModelError> {
    let result_dim = match s.op.binop() {
        None => Some(value.dim),
        Some(BinOp::Add | BinOp::Sub | BinOp::Mod) => Some(value.dim),
        Some(BinOp::Mul) => Some(target.dim * value.dim),
        Some(BinOp::Div) => Some(target.dim / value.dim),
        Some(BinOp::FloorDiv) => {
            if !target.dim.is_dimensionless() || !value.dim.is_dimensionless() {
                return Some(ModelError::FloorDivUnits { span: s.span });
            }
            Some(value.dim)
        }
        Some(BinOp::Pow) => {
            if !value.dim.is_dimensionless() {
                return Some(ModelError::ExponentUnits {
                    span: value.span,
                    found: value.dim,
                });
            }
            if target.dim.is_dimensionless() || value.const_value() == Some(1.0) {
                Some(target.dim)
            } else {
                None
            }
        }
    };
    if result_dim == Some(target.dim) {
        return None;
    }
    let name = &s.target.name;
    let context = match s.op {
        AssignOp::Assign => format!("the value assigned to `{name}`"),
        op => format!("`{name} {op} ...`"),
    };
    let scaling =
        s.op.binop()
            .is_some_and(|o| matches!(o, BinOp::Mul | BinOp::Div));
    Some(ModelError::DimensionMismatch {
        span: value.span,
        context,
        expected: if scaling {
            ganglion_units::Dimension::DIMENSIONLESS
        } else {
            target.dim
        },
        found: if scaling {
            value.dim
        } else {
            result_dim.unwrap_or(value.dim)
        },
    })
}

/// A boolean variable takes only booleans.
fn boolean_problem(name: &str, target: &VarInfo, value: &TExpr) -> Option<ModelError> {
    (target.ty == ValueType::Bool && value.ty != ValueType::Bool).then(|| ModelError::NotBoolean {
        span: value.span,
        context: format!("the value assigned to the boolean `{name}`"),
    })
}

/// The rules for shared variables: written only where `rules` allow it, from shared values, and before
/// any per-neuron variable (`wrote_vector`, which a write to one sets).
fn shared_write_problem(
    s: &ast::Statement,
    target: &VarInfo,
    value: &TExpr,
    scope: &Scope<'_>,
    rules: BlockRules,
    wrote_vector: &mut bool,
) -> Option<ModelError> {
    if !target.shared {
        *wrote_vector = true;
        return None;
    }
    let name = &s.target.name;
    if !rules.allow_shared_writes {
        return Some(ModelError::SharedWrite {
            span: s.target.span,
            name: name.clone(),
            context: rules.context.to_string(),
        });
    }
    if let Err(var) = is_shared_expr(value, scope, true) {
        return Some(ModelError::ScalarFromVector {
            span: value.span,
            name: name.clone(),
            var,
        });
    }
    if *wrote_vector {
        return Some(ModelError::SharedWriteOrder { span: s.span });
    }
    None
}

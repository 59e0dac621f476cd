//! Assigning values to state variables (Brian2's `G.v = ...`, `G.v['i > 5'] = ...`, `G.v[3] = ...`):
//! which variables can be written, and whether a value fits one. The Rust API and the model-file checker
//! both check assignments here, so the same mistake gets the same answer either way.

use ganglion_syntax::{Diagnostic, Span};
use ganglion_units::{Dimension, Quantity};

use crate::error::ModelError;
use crate::expr::{Scope, Special, TExpr, TKind, ValueType};
use crate::group::Code;
use crate::model::{NeuronGroupModel, VariableKind};
use crate::scope::check_code_expr;

/// Which elements an assignment writes.
#[derive(Clone, Debug, PartialEq)]
pub enum Selection {
    /// Every element.
    All,
    /// The elements where a boolean expression holds.
    Where(TExpr),
    /// These elements.
    Indices(Vec<usize>),
}

/// What an assignment writes.
#[derive(Clone, Debug, PartialEq)]
pub enum AssignedValue {
    /// One value (SI units) for every element written.
    Uniform(f64),
    /// One value (SI units) per element written.
    PerElement(Vec<f64>),
    /// An expression evaluated per element.
    Expr(TExpr),
}

/// A checked assignment to a variable of a group or synapses.
#[derive(Clone, Debug, PartialEq)]
pub struct Assignment {
    /// The variable.
    pub variable: String,
    /// The elements written.
    pub selection: Selection,
    /// The value.
    pub value: AssignedValue,
}

/// A value as a user gives it, before checking.
#[derive(Clone, Copy, Debug)]
pub enum RawValue<'a> {
    /// One quantity for every element (a plain number is a dimensionless quantity).
    Quantity(Quantity),
    /// One SI value per element.
    Values(&'a [f64]),
    /// An expression evaluated per element.
    Expr(Code<'a>),
}

/// Which elements a user asks to write, before checking.
#[derive(Clone, Copy, Debug)]
pub enum RawSelection<'a> {
    /// Every element.
    All,
    /// The elements where a condition holds.
    Where(Code<'a>),
    /// These elements.
    Indices(&'a [usize]),
}

/// What a writable variable is.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Writable {
    /// Its dimensions.
    pub dim: Dimension,
    /// Its type.
    pub ty: ValueType,
    /// Whether it has one value for the whole group.
    pub shared: bool,
}

/// Why a variable cannot be assigned to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NotWritable {
    /// The group has no such variable.
    Unknown {
        /// The nearest name of a variable it has.
        suggestion: Option<String>,
    },
    /// A subexpression: computed, not stored.
    Subexpression,
    /// Stored but read-only (`i`, `N`, the synapses' indices).
    ReadOnly {
        /// Whether it belongs to synapses (their `i`, `j`, `N_incoming`, ...).
        synaptic: bool,
    },
}

/// Whether `variable` of a group (or of synapses, whose `delay` is writable and whose indices are not)
/// can be assigned to, and what it is.
pub fn writable(
    model: &NeuronGroupModel,
    synapses: bool,
    variable: &str,
) -> Result<Writable, NotWritable> {
    if let Some(v) = model.variable(variable) {
        if v.kind == VariableKind::ConstantOverDt {
            return Err(NotWritable::Subexpression);
        }
        return Ok(Writable {
            dim: v.dim,
            ty: v.ty,
            shared: v.shared,
        });
    }
    if model.subexpression(variable).is_some() {
        return Err(NotWritable::Subexpression);
    }
    if synapses {
        match variable {
            "delay" => {
                return Ok(Writable {
                    dim: Dimension::TIME,
                    ty: ValueType::Float,
                    shared: false,
                });
            }
            "i" | "j" | "N_incoming" | "N_outgoing" | "N_pre" | "N_post" | "lastupdate" => {
                return Err(NotWritable::ReadOnly { synaptic: true });
            }
            _ => {}
        }
    }
    if Special::from_name(variable).is_some() {
        return Err(NotWritable::ReadOnly { synaptic: false });
    }
    let names = model.variables.iter().map(|v| v.name.as_str());
    Err(NotWritable::Unknown {
        suggestion: crate::expr::closest(variable, names),
    })
}

/// Why a value does not fit a variable.
#[derive(Clone, Debug, PartialEq)]
pub enum Unfit {
    /// A quantity of other dimensions (0 fits any unit, as in Brian2).
    Units {
        /// The quantity given.
        given: Quantity,
        /// The variable's dimensions.
        expected: Dimension,
    },
    /// Not one value per element.
    Length {
        /// Values given.
        given: usize,
        /// Elements of the variable.
        expected: usize,
    },
    /// Fractional values for an integer variable.
    NotWhole,
    /// Per-element values with a condition or indices that select some elements only.
    ValuesWithCondition,
    /// An index outside the variable.
    Index {
        /// The index.
        index: usize,
        /// Elements of the variable.
        len: usize,
    },
}

/// Checks a value for a writable variable of `n` elements, without expressions (those are checked
/// against a scope by [`check_assignment`]).
pub fn check_value(
    target: Writable,
    n: usize,
    value: &RawValue<'_>,
    selection: &RawSelection<'_>,
) -> Result<(), Unfit> {
    let len = if target.shared { 1 } else { n };
    if let RawSelection::Indices(ix) = selection
        && let Some(&bad) = ix.iter().find(|&&i| i >= len)
    {
        return Err(Unfit::Index { index: bad, len });
    }
    match value {
        RawValue::Quantity(q) => {
            if q.dim != target.dim && !(q.value == 0.0 && q.dim.is_dimensionless()) {
                return Err(Unfit::Units {
                    given: *q,
                    expected: target.dim,
                });
            }
            if target.ty == ValueType::Int && q.value.fract() != 0.0 {
                return Err(Unfit::NotWhole);
            }
        }
        RawValue::Values(values) => {
            let expected = match selection {
                RawSelection::All => len,
                RawSelection::Indices(ix) => ix.len(),
                RawSelection::Where(_) => return Err(Unfit::ValuesWithCondition),
            };
            if values.len() != expected {
                return Err(Unfit::Length {
                    given: values.len(),
                    expected,
                });
            }
            if target.ty == ValueType::Int && values.iter().any(|v| v.fract() != 0.0) {
                return Err(Unfit::NotWhole);
            }
        }
        RawValue::Expr(_) => {}
    }
    Ok(())
}

/// Checks an assignment whose target and plain values are already known to fit ([`writable`],
/// [`check_value`]): expressions and conditions against `scope`. `context` names the value in
/// messages ("the value of `v`", "the initial value of `v`").
pub fn check_assignment(
    variable: &str,
    target: Writable,
    value: &RawValue<'_>,
    selection: &RawSelection<'_>,
    scope: &Scope<'_>,
    context: &str,
) -> Result<Assignment, Vec<Diagnostic>> {
    let mut diagnostics = Vec::new();
    let selection = match selection {
        RawSelection::All => Selection::All,
        RawSelection::Indices(ix) => Selection::Indices(ix.to_vec()),
        RawSelection::Where(code) => {
            let Some(c) = check_code_expr(code.text, code.source, scope, &mut diagnostics) else {
                return Err(diagnostics);
            };
            if c.ty != ValueType::Bool {
                let e = ModelError::NotBoolean {
                    span: c.span,
                    context: "the condition".into(),
                };
                return Err(vec![e.to_diagnostic().in_source(code.source)]);
            }
            Selection::Where(c)
        }
    };
    let value = match value {
        RawValue::Quantity(q) => AssignedValue::Uniform(q.value),
        RawValue::Values(v) => AssignedValue::PerElement(v.to_vec()),
        RawValue::Expr(code) => {
            let Some(e) = check_code_expr(code.text, code.source, scope, &mut diagnostics) else {
                return Err(diagnostics);
            };
            if e.dim != target.dim {
                let err = ModelError::DimensionMismatch {
                    span: e.span,
                    context: context.to_string(),
                    expected: target.dim,
                    found: e.dim,
                };
                return Err(vec![err.to_diagnostic().in_source(code.source)]);
            }
            AssignedValue::Expr(e)
        }
    };
    if diagnostics.iter().any(Diagnostic::is_error) {
        return Err(diagnostics);
    }
    Ok(Assignment {
        variable: variable.to_string(),
        selection,
        value,
    })
}

impl Assignment {
    /// The value as an expression (a uniform value becomes a literal of the variable's dimensions).
    pub fn value_expr(&self, dim: Dimension) -> Option<TExpr> {
        match &self.value {
            AssignedValue::Expr(e) => Some(e.clone()),
            AssignedValue::Uniform(v) => Some(TExpr {
                kind: TKind::Float(*v),
                ty: ValueType::Float,
                dim,
                span: Span::default(),
            }),
            AssignedValue::PerElement(_) => None,
        }
    }
}

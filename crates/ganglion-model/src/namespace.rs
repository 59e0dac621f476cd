//! Namespaces: the external constants model code may refer to (Brian2's group and run namespaces).

use ganglion_syntax::{Diagnostic, SourceId, Span, parse_expression};
use ganglion_units::{Dimension, Quantity};

use crate::error::ModelError;
use crate::expr::{Scope, TExpr, ValueType, check_expr};

/// The value of an external constant.
#[derive(Clone, Debug, PartialEq)]
pub struct ExternalValue {
    /// The value in SI base units.
    pub value: f64,
    /// Its type.
    pub ty: ValueType,
    /// Its dimensions.
    pub dim: Dimension,
}

impl ExternalValue {
    /// A floating-point quantity.
    pub fn quantity(q: Quantity) -> ExternalValue {
        ExternalValue {
            value: q.value,
            ty: ValueType::Float,
            dim: q.dim,
        }
    }

    /// A dimensionless float.
    pub fn float(v: f64) -> ExternalValue {
        ExternalValue::quantity(Quantity::dimensionless(v))
    }

    /// A dimensionless integer.
    pub fn int(v: i64) -> ExternalValue {
        ExternalValue {
            value: v as f64,
            ty: ValueType::Int,
            dim: Dimension::DIMENSIONLESS,
        }
    }

    /// A boolean.
    pub fn bool(v: bool) -> ExternalValue {
        ExternalValue {
            value: f64::from(u8::from(v)),
            ty: ValueType::Bool,
            dim: Dimension::DIMENSIONLESS,
        }
    }

    /// The value as a quantity.
    pub fn as_quantity(&self) -> Quantity {
        Quantity::new(self.value, self.dim)
    }
}

/// An ordered set of named constants.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Namespace {
    entries: Vec<(String, ExternalValue)>,
}

impl Namespace {
    /// An empty namespace.
    pub fn new() -> Namespace {
        Namespace::default()
    }

    /// Sets `name` (replacing an earlier value).
    pub fn insert(&mut self, name: impl Into<String>, value: ExternalValue) {
        let name = name.into();
        match self.entries.iter_mut().find(|(n, _)| *n == name) {
            Some(e) => e.1 = value,
            None => self.entries.push((name, value)),
        }
    }

    /// The value of `name`.
    pub fn get(&self, name: &str) -> Option<&ExternalValue> {
        self.entries.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    /// The names, in insertion order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(n, _)| n.as_str())
    }

    /// The entries, in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &ExternalValue)> {
        self.entries.iter().map(|(n, v)| (n.as_str(), v))
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether it is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Evaluates a constant expression (`"10*ms"`, `"taum/4"`, `"2*pi*f0"`) against namespaces.
pub fn eval_constant(
    text: &str,
    source: SourceId,
    namespaces: &[&Namespace],
    what: &str,
) -> Result<ExternalValue, Vec<Diagnostic>> {
    let (expr, syntax) = parse_expression(text);
    if !syntax.is_empty() {
        return Err(syntax
            .iter()
            .map(|e| e.to_diagnostic().in_source(source))
            .collect());
    }
    let Some(expr) = expr else {
        return Err(Vec::new());
    };
    let scope = Scope {
        namespaces: namespaces.to_vec(),
        ..Scope::default()
    };
    let mut errors = Vec::new();
    let checked = check_expr(&expr, &scope, &mut errors);
    let diags = |errors: Vec<ModelError>| {
        errors
            .iter()
            .map(|e| e.to_diagnostic().in_source(source))
            .collect()
    };
    let Some(checked) = checked else {
        return Err(diags(errors));
    };
    constant_value(&checked).ok_or_else(|| {
        diags(vec![ModelError::Invalid {
            span: Span::new(0, text.len()),
            what: format!("{what} must be a constant (numbers, units and namespace constants)"),
            hint: Some(
                "time, neuron indices, variables and random numbers are not allowed here".into(),
            ),
        }])
    })
}

/// The value of a checked constant expression.
pub fn constant_value(e: &TExpr) -> Option<ExternalValue> {
    let value = e.const_value()?;
    Some(ExternalValue {
        value,
        ty: e.ty,
        dim: e.dim,
    })
}

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

/// A TimedArray (Brian2's `TimedArray(values, dt)`) as model code sees it: a function of time, and of a
/// neuron index when it is 2-D (rows are times, columns neurons). The values themselves live with the
/// network; the checker needs only the shape, the time step and the units.
#[derive(Clone, Debug, PartialEq)]
pub struct TimedArrayInfo {
    /// The time step of the values (seconds).
    pub dt: f64,
    /// Number of time steps (rows).
    pub steps: usize,
    /// Number of columns of a 2-D array (`None` for a 1-D array).
    pub columns: Option<usize>,
    /// The dimensions of the values.
    pub dim: Dimension,
}

impl TimedArrayInfo {
    /// Number of arguments a call takes: `ta(t)` or `ta(t, i)`.
    pub fn arity(&self) -> usize {
        if self.columns.is_some() { 2 } else { 1 }
    }

    /// Brian2's `TimedArray.is_locally_constant(dt)`: whether the value cannot change within a time
    /// step of length `dt` (the array's `dt` is an integer multiple of it), which lets `exact`
    /// integration treat `ta(t)` as a constant.
    pub fn is_locally_constant(&self, dt: f64) -> bool {
        if dt > self.dt {
            return false;
        }
        let ratio = self.dt / dt;
        ratio.floor() == ratio
    }
}

/// An ordered set of named constants (and timed arrays, which model code calls as functions).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Namespace {
    entries: Vec<(String, ExternalValue)>,
    timed_arrays: Vec<(String, TimedArrayInfo)>,
}

impl Namespace {
    /// An empty namespace.
    pub fn new() -> Namespace {
        Namespace::default()
    }

    /// Sets `name` (replacing an earlier value, or a timed array of that name).
    pub fn insert(&mut self, name: impl Into<String>, value: ExternalValue) {
        let name = name.into();
        self.timed_arrays.retain(|(n, _)| *n != name);
        match self.entries.iter_mut().find(|(n, _)| *n == name) {
            Some(e) => e.1 = value,
            None => self.entries.push((name, value)),
        }
    }

    /// Defines the timed array `name` (replacing an earlier one, or a constant of that name).
    pub fn insert_timed_array(&mut self, name: impl Into<String>, info: TimedArrayInfo) {
        let name = name.into();
        self.entries.retain(|(n, _)| *n != name);
        match self.timed_arrays.iter_mut().find(|(n, _)| *n == name) {
            Some(e) => e.1 = info,
            None => self.timed_arrays.push((name, info)),
        }
    }

    /// The timed array called `name`.
    pub fn timed_array(&self, name: &str) -> Option<&TimedArrayInfo> {
        self.timed_arrays
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
    }

    /// The timed arrays, in insertion order.
    pub fn timed_arrays(&self) -> impl Iterator<Item = (&str, &TimedArrayInfo)> {
        self.timed_arrays.iter().map(|(n, v)| (n.as_str(), v))
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

    /// Number of constants (timed arrays not counted).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether it holds no constants (timed arrays not counted).
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

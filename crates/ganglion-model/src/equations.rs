//! Equations: the three classes (differential equation, subexpression, parameter), identifier rules,
//! unit specifications, flags and duplicates — the checks Brian2 makes when an `Equations` object is
//! built, before any name is resolved.

use ganglion_ir::Builtin;
use ganglion_syntax::ast::{Equation, EquationKind, UnitExpr, UnitExprKind};
use ganglion_syntax::{Span, ast};
use ganglion_units::{Dimension, Rational, VarType};

use crate::error::ModelError;
use crate::expr::builtin_constant;

/// One equation after the structural checks.
#[derive(Clone, Debug, PartialEq)]
pub struct Declaration {
    /// Differential equation, subexpression or parameter.
    pub kind: EquationKind,
    /// The variable defined.
    pub name: String,
    /// Where the name is written.
    pub name_span: Span,
    /// The right-hand side (not yet resolved).
    pub expr: Option<ast::Expr>,
    /// The variable's dimensions (for a differential equation: of the variable, not its derivative).
    pub dim: Dimension,
    /// Float, integer or boolean.
    pub var_type: VarType,
    /// The flags, whitespace normalised, with their spans.
    pub flags: Vec<(String, Span)>,
    /// The whole equation.
    pub span: Span,
}

impl Declaration {
    /// Whether the equation carries `flag`.
    pub fn has_flag(&self, flag: &str) -> bool {
        self.flags.iter().any(|(f, _)| f == flag)
    }
}

/// Which flags each class of equation may carry (they differ between NeuronGroup and Synapses).
#[derive(Clone, Copy, Debug)]
pub struct FlagRules {
    /// Flags of differential equations.
    pub differential: &'static [&'static str],
    /// Flags of subexpressions.
    pub subexpression: &'static [&'static str],
    /// Flags of parameters.
    pub parameter: &'static [&'static str],
    /// Pairs that cannot be combined.
    pub incompatible: &'static [(&'static str, &'static str)],
}

/// The flags Synapses accept (Brian2's `Synapses.__init__`).
pub const SYNAPSES_FLAGS: FlagRules = FlagRules {
    differential: &["clock-driven", "event-driven"],
    subexpression: &["shared", "constant over dt", "summed"],
    parameter: &["constant", "shared"],
    incompatible: &[("clock-driven", "event-driven"), ("summed", "shared")],
};

/// The flags a NeuronGroup accepts (Brian2's `NeuronGroup.__init__`).
pub const NEURON_GROUP_FLAGS: FlagRules = FlagRules {
    differential: &["unless refractory"],
    subexpression: &["shared", "constant over dt"],
    parameter: &["constant", "shared", "linked"],
    incompatible: &[("linked", "constant"), ("linked", "shared")],
};

const PYTHON_KEYWORDS: [&str; 35] = [
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
    "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
    "with", "yield",
];

/// Why `name` may not be defined as a variable of a NeuronGroup (Brian2's identifier checks), or `None`.
pub fn identifier_problem(name: &str) -> Option<String> {
    let mut chars = name.chars();
    let valid = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        return Some(
            "names start with a letter and contain only ASCII letters, digits and `_`".into(),
        );
    }
    if name.starts_with('_') {
        return Some("names starting with `_` are reserved for internal variables".into());
    }
    if PYTHON_KEYWORDS.contains(&name) {
        return Some("it is a Python keyword".into());
    }
    if matches!(name, "t" | "dt" | "t_in_timesteps" | "i" | "N") {
        return Some("it is a special symbol every group provides".into());
    }
    if name == "xi" || name.starts_with("xi_") {
        return Some("`xi` and `xi_*` are reserved for noise".into());
    }
    if Builtin::from_name(name).is_some() || name == "poisson" {
        return Some("it is the name of a built-in function".into());
    }
    if builtin_constant(name).is_some() {
        return Some("it is a built-in constant".into());
    }
    if ganglion_units::is_unit_name(name) {
        return Some("it is the name of a unit".into());
    }
    if matches!(
        name,
        "not_refractory" | "refractory" | "refractory_until" | "lastspike"
    ) {
        return Some("it is reserved for refractoriness".into());
    }
    if name.ends_with("_pre") || name.ends_with("_post") {
        return Some("names ending in `_pre` or `_post` are reserved for synapses".into());
    }
    None
}

/// Reads a unit specification: `volt`, `siemens/metre**2`, `1`, `boolean`, `integer`.
pub fn unit_spec(u: &UnitExpr, errors: &mut Vec<ModelError>) -> Option<(Dimension, VarType)> {
    if let UnitExprKind::Name(n) = &u.kind {
        match n.as_str() {
            "boolean" => return Some((Dimension::DIMENSIONLESS, VarType::Boolean)),
            "integer" => return Some((Dimension::DIMENSIONLESS, VarType::Integer)),
            "bool" => {
                errors.push(ModelError::UseBoolean { span: u.span });
                return None;
            }
            "int" | "float" => {
                errors.push(ModelError::Invalid {
                    span: u.span,
                    what: format!("`{n}` is not a unit specification"),
                    hint: Some(if n == "int" {
                        "use `integer`".into()
                    } else {
                        "use `1`".into()
                    }),
                });
                return None;
            }
            _ => {}
        }
    }
    if let UnitExprKind::Number(v) = u.kind {
        // Brian2 compares the text with "1": `1.0` evaluates to a float, not a unit.
        if v == 1.0 && u.span.end - u.span.start == 1 {
            return Some((Dimension::DIMENSIONLESS, VarType::Float));
        }
        errors.push(ModelError::NotAUnit { span: u.span });
        return None;
    }
    let mut found = Vec::new();
    let dims = unit_dims(u, &mut found);
    // A number makes the whole specification a quantity (Brian2: "'2*volt' does not evaluate to a unit
    // but to a quantity"), so that is what the error points at.
    let mut quantity = false;
    for e in found {
        match e {
            ModelError::NotAUnit { .. } if quantity => {}
            ModelError::NotAUnit { .. } => {
                quantity = true;
                errors.push(ModelError::NotAUnit { span: u.span });
            }
            other => errors.push(other),
        }
    }
    dims.map(|d| (d, VarType::Float))
}

/// The dimensions of a unit expression over base units. As in Brian2, which evaluates the text and
/// requires a `Unit` as the result, a number may only appear as the `1` of `1/unit` (Brian2's
/// `Unit.__array_ufunc__` turns `1/second` into a unit, while `2/second`, `1*volt` and `1.0*volt` are
/// quantities).
fn unit_dims(u: &UnitExpr, errors: &mut Vec<ModelError>) -> Option<Dimension> {
    match &u.kind {
        UnitExprKind::Name(n) => match ganglion_units::lookup(n) {
            Some(unit) if unit.is_base => Some(unit.dim),
            Some(_) => {
                errors.push(ModelError::ScaledUnit {
                    span: u.span,
                    name: n.clone(),
                    base: ganglion_units::base_unit_for(n).map(String::from),
                });
                None
            }
            None => {
                let suggestion = ganglion_units::similar_unit_names(n, 5)
                    .into_iter()
                    .find(|s| ganglion_units::lookup(s).is_some_and(|u| u.is_base))
                    .map(String::from);
                let typed = matches!(n.as_str(), "boolean" | "integer" | "bool");
                if typed {
                    errors.push(ModelError::TypedWithUnits {
                        span: u.span,
                        ty: if n == "integer" { "integer" } else { "boolean" },
                    });
                } else {
                    errors.push(ModelError::UnknownUnit {
                        span: u.span,
                        name: n.clone(),
                        suggestion,
                    });
                }
                None
            }
        },
        UnitExprKind::Number(_) => {
            errors.push(ModelError::NotAUnit { span: u.span });
            None
        }
        UnitExprKind::Mul(a, b) => {
            let x = unit_dims(a, errors);
            let y = unit_dims(b, errors);
            Some(x? * y?)
        }
        UnitExprKind::Div(a, b) => {
            let x = match a.kind {
                UnitExprKind::Number(1.0) => Some(Dimension::DIMENSIONLESS),
                _ => unit_dims(a, errors),
            };
            let y = unit_dims(b, errors);
            Some(x? / y?)
        }
        UnitExprKind::Pow(a, n) => {
            let x = unit_dims(a, errors)?;
            match Rational::from_f64(*n).and_then(|r| x.checked_pow(r)) {
                Some(d) => Some(d),
                None => {
                    errors.push(ModelError::Invalid {
                        span: u.span,
                        what: format!("the exponent {n} is not a simple fraction"),
                        hint: Some("use an exponent such as 2, -1 or 0.5".into()),
                    });
                    None
                }
            }
        }
    }
}

fn kind_name(kind: EquationKind) -> &'static str {
    match kind {
        EquationKind::Differential => "a differential equation",
        EquationKind::Subexpression => "a subexpression",
        EquationKind::Parameter => "a parameter",
    }
}

/// The structural checks of a model's equations. Returns the declarations that passed them.
pub fn declarations(
    equations: &[Equation],
    rules: &FlagRules,
    errors: &mut Vec<ModelError>,
) -> Vec<Declaration> {
    let mut out: Vec<Declaration> = Vec::new();
    for eq in equations {
        let name = &eq.name.name;
        let mut ok = true;
        // A summed variable is named after its target (`I_post`).
        let summed = rules.subexpression.contains(&"summed")
            && eq.flags.iter().any(|f| f.text == "summed")
            && (name.ends_with("_post") || name.ends_with("_pre"));
        if let Some(reason) = identifier_problem(name)
            && !summed
        {
            errors.push(ModelError::InvalidIdentifier {
                span: eq.name.span,
                name: name.clone(),
                reason,
            });
            ok = false;
        }
        if let Some(prev) = out.iter().find(|d| d.name == *name) {
            errors.push(ModelError::Duplicate {
                span: eq.name.span,
                previous: prev.name_span,
                name: name.clone(),
            });
            continue;
        }
        let allowed = match eq.kind {
            EquationKind::Differential => rules.differential,
            EquationKind::Subexpression => rules.subexpression,
            EquationKind::Parameter => rules.parameter,
        };
        let mut flags: Vec<(String, Span)> = Vec::new();
        for f in &eq.flags {
            if !allowed.contains(&f.text.as_str()) {
                errors.push(ModelError::BadFlag {
                    span: f.span,
                    flag: f.text.clone(),
                    kind: kind_name(eq.kind),
                    allowed: allowed.to_vec(),
                });
                ok = false;
                continue;
            }
            for (a, b) in rules.incompatible {
                let clash = flags
                    .iter()
                    .find(|(g, _)| (g == a && f.text == *b) || (g == b && f.text == *a));
                if let Some((g, _)) = clash {
                    errors.push(ModelError::IncompatibleFlags {
                        span: f.span,
                        first: g.clone(),
                        second: f.text.clone(),
                    });
                    ok = false;
                }
            }
            if !flags.iter().any(|(g, _)| *g == f.text) {
                flags.push((f.text.clone(), f.span));
            }
        }
        let Some((dim, var_type)) = unit_spec(&eq.unit, errors) else {
            continue;
        };
        if eq.kind == EquationKind::Differential && var_type != VarType::Float {
            errors.push(ModelError::DiffEqNotFloat {
                span: eq.unit.span,
                name: name.clone(),
                ty: if var_type == VarType::Boolean {
                    "boolean"
                } else {
                    "integer"
                },
            });
            ok = false;
        }
        if ok {
            out.push(Declaration {
                kind: eq.kind,
                name: name.clone(),
                name_span: eq.name.span,
                expr: eq.expr.clone(),
                dim,
                var_type,
                flags,
                span: eq.span,
            });
        }
    }
    out
}

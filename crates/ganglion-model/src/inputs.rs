//! Brian2's inputs that are not groups: timed arrays (functions of time that model code calls) and
//! Poisson inputs (a binomially distributed number of input spikes added to a group's variable every
//! step).

use ganglion_modelfile::{TimedArraySpec, Value};
use ganglion_syntax::{Diagnostic, SourceId, Span};
use ganglion_units::Dimension;

use crate::error::ModelError;
use crate::expr::{Scope, TExpr, ValueType};
use crate::group::{Code, Location};
use crate::model::{NeuronGroupModel, VariableKind};
use crate::namespace::{Namespace, TimedArrayInfo, eval_constant};
use crate::scope::{check_code_expr, group_scope};

/// A timed array with its values, ready to be added to a network.
#[derive(Clone, Debug, PartialEq)]
pub struct TimedArrayData {
    /// Its name (what model code calls).
    pub name: String,
    /// Shape, time step and units.
    pub info: TimedArrayInfo,
    /// The values in SI units, row-major: one row per time step (of `columns` values for a 2-D array).
    pub values: Vec<f64>,
}

/// Why a timed array's values are not valid.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum TimedArrayError {
    /// A time step that is not positive and finite.
    #[error("the `dt` of timed array `{name}` must be positive, not {dt} s")]
    Dt {
        /// The timed array.
        name: String,
        /// Its time step (seconds).
        dt: f64,
    },
    /// No values.
    #[error("timed array `{name}` has no values")]
    Empty {
        /// The timed array.
        name: String,
    },
    /// Rows without values.
    #[error("the rows of timed array `{name}` are empty")]
    EmptyRows {
        /// The timed array.
        name: String,
    },
    /// Rows of different lengths.
    #[error(
        "the rows of timed array `{name}` differ in length: row 0 has {width} values, row {row} has {len}"
    )]
    Ragged {
        /// The timed array.
        name: String,
        /// Values of the first row.
        width: usize,
        /// The first row of another length.
        row: usize,
        /// Its length.
        len: usize,
    },
}

impl TimedArrayData {
    /// A timed array of `values` (SI units, rows of equal length for a 2-D array) with dimensions `dim`,
    /// one row every `dt` seconds. Errors say what is wrong with the values.
    pub fn new(
        name: &str,
        dt: f64,
        rows: Vec<Vec<f64>>,
        two_d: bool,
        dim: Dimension,
    ) -> Result<TimedArrayData, TimedArrayError> {
        let name_of = || name.to_string();
        if !(dt > 0.0 && dt.is_finite()) {
            return Err(TimedArrayError::Dt {
                name: name_of(),
                dt,
            });
        }
        if rows.is_empty() {
            return Err(TimedArrayError::Empty { name: name_of() });
        }
        let columns = if two_d {
            let width = rows[0].len();
            if width == 0 {
                return Err(TimedArrayError::EmptyRows { name: name_of() });
            }
            if let Some(k) = rows.iter().position(|r| r.len() != width) {
                return Err(TimedArrayError::Ragged {
                    name: name_of(),
                    width,
                    row: k,
                    len: rows[k].len(),
                });
            }
            Some(width)
        } else {
            None
        };
        Ok(TimedArrayData {
            name: name.to_string(),
            info: TimedArrayInfo {
                dt,
                steps: rows.len(),
                columns,
                dim,
            },
            values: rows.into_iter().flatten().collect(),
        })
    }
}

/// Whether `name` can name a function in model code (a Python identifier).
pub fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Reads a `[timed_arrays.NAME]` table: `dt` (a time), `values` (numbers, or quantities such as
/// `"1*nA"`; an array of arrays for a 2-D array, one row per time step), and `unit`, which plain numbers
/// are multiplied by. Quantities must have the units of `unit` (when given) and of each other; without
/// a unit or quantities, the values are dimensionless.
pub fn timed_array_from_file(
    spec: &TimedArraySpec,
    file: SourceId,
    namespace: &Namespace,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<TimedArrayData> {
    let mut reader = TimedArrayReader {
        spec,
        name: spec.name.value.as_str(),
        file,
        ns: [namespace],
        diagnostics,
        ok: true,
    };
    let dt = reader.dt();
    let unit = reader.unit();
    let table = reader.values()?;
    let (rows, dim) = reader.rows(&table, unit);
    if unit.is_none() {
        reader.check_plain_numbers(&table, &rows, dim);
    }
    let dt = dt?;
    if !reader.ok {
        return None;
    }
    match TimedArrayData::new(reader.name, dt, rows, table.two_d, dim) {
        Ok(t) => Some(t),
        Err(why) => {
            reader.invalid(table.span, why.to_string(), None);
            None
        }
    }
}

/// The parts of a `[timed_arrays.NAME]` table, read one after the other; every problem is reported,
/// and the array is refused when any part has one.
struct TimedArrayReader<'s> {
    spec: &'s TimedArraySpec,
    name: &'s str,
    file: SourceId,
    /// The namespace constants are evaluated in.
    ns: [&'s Namespace; 1],
    diagnostics: &'s mut Vec<Diagnostic>,
    /// No problem so far (besides the time step, which is `None` when it has one).
    ok: bool,
}

/// The `values` of a timed array, element by element.
struct ValueTable<'s> {
    /// Where the array is written.
    span: Span,
    /// Whether it is an array of rows.
    two_d: bool,
    /// The elements, row by row (one element a row for a 1-D array).
    elements: Vec<Vec<&'s Value>>,
}

impl<'s> TimedArrayReader<'s> {
    /// Reports an invalid part of the table.
    fn invalid(&mut self, span: Span, what: String, hint: Option<&str>) {
        let e = ModelError::Invalid {
            span,
            what,
            hint: hint.map(String::from),
        };
        self.diagnostics
            .push(e.to_diagnostic().in_source(self.file));
    }

    /// The time step: a positive time.
    fn dt(&mut self) -> Option<f64> {
        let (spec, name) = (self.spec, self.name);
        match eval_constant(
            &spec.dt.text,
            spec.dt.source,
            &self.ns,
            "a timed array's `dt`",
        ) {
            Ok(v) if v.dim == Dimension::TIME && v.value > 0.0 => Some(v.value),
            Ok(v) if v.dim == Dimension::TIME => {
                self.invalid(
                    spec.dt.span,
                    format!("the `dt` of timed array `{name}` must be positive"),
                    None,
                );
                None
            }
            Ok(v) => {
                let e = ModelError::DimensionMismatch {
                    span: Span::new(0, spec.dt.text.len()),
                    context: format!("the `dt` of timed array `{name}`"),
                    expected: Dimension::TIME,
                    found: v.dim,
                };
                self.diagnostics
                    .push(e.to_diagnostic().in_source(spec.dt.source));
                None
            }
            Err(d) => {
                self.diagnostics.extend(d);
                None
            }
        }
    }

    /// The unit plain numbers are multiplied by (scale and dimensions), when given.
    fn unit(&mut self) -> Option<(f64, Dimension)> {
        let code = self.spec.unit.as_ref()?;
        match eval_constant(&code.text, code.source, &self.ns, "a timed array's `unit`") {
            Ok(v) => Some((v.value, v.dim)),
            Err(d) => {
                self.diagnostics.extend(d);
                self.ok = false;
                None
            }
        }
    }

    /// The array of values. `None` when it is not an array, or mixes numbers and rows.
    fn values(&mut self) -> Option<ValueTable<'s>> {
        let (spec, name) = (self.spec, self.name);
        let Value::List(top) = &spec.values else {
            self.invalid(
                spec.values.span(),
                format!("the `values` of timed array `{name}` must be an array"),
                Some("write `values = [0.0, 1.0, 0.5]`, or an array of rows (one per time step) for a 2-D array"),
            );
            return None;
        };
        let nested = top
            .value
            .iter()
            .filter(|v| matches!(v, Value::List(_)))
            .count();
        let two_d = nested > 0;
        if two_d && nested != top.value.len() {
            self.invalid(
                top.span,
                format!("the `values` of timed array `{name}` mix numbers and rows"),
                Some("a 2-D timed array is an array of rows, one per time step"),
            );
            return None;
        }
        let elements = if two_d {
            top.value
                .iter()
                .map(|r| match r {
                    Value::List(l) => l.value.iter().collect(),
                    _ => Vec::new(),
                })
                .collect()
        } else {
            top.value.iter().map(|v| vec![v]).collect()
        };
        Some(ValueTable {
            span: top.span,
            two_d,
            elements,
        })
    }

    /// The values in SI units, row by row (without those that have problems), and their dimensions:
    /// the unit's, else the first quantity's, else none.
    fn rows(
        &mut self,
        table: &ValueTable<'_>,
        unit: Option<(f64, Dimension)>,
    ) -> (Vec<Vec<f64>>, Dimension) {
        let mut dim = unit.map(|(_, d)| d);
        let mut rows: Vec<Vec<f64>> = Vec::with_capacity(table.elements.len());
        for row in &table.elements {
            let mut out = Vec::with_capacity(row.len());
            for v in row {
                match self.value(v, table, &mut dim) {
                    Some(x) => out.push(x),
                    None => self.ok = false,
                }
            }
            rows.push(
                out.into_iter()
                    .map(|(x, quantity)| match (quantity, unit) {
                        (Some(_), _) => x,
                        (None, Some((scale, _))) => x * scale,
                        (None, None) => x,
                    })
                    .collect(),
            );
        }
        (rows, dim.unwrap_or(Dimension::DIMENSIONLESS))
    }

    /// One value of `table`: a plain number, or a quantity (with its dimensions), which must have the
    /// dimensions `dim` (set by the first quantity when unknown).
    fn value(
        &mut self,
        v: &Value,
        table: &ValueTable<'_>,
        dim: &mut Option<Dimension>,
    ) -> Option<(f64, Option<Dimension>)> {
        let (name, top, two_d) = (self.name, table.span, table.two_d);
        match v {
            Value::Number(n) => Some((n.value, None)),
            Value::Integer(n) => Some((n.value as f64, None)),
            Value::Expr(code) => {
                match eval_constant(
                    &code.text,
                    code.source,
                    &self.ns,
                    "a value of a timed array",
                ) {
                    Ok(q) if q.ty == ValueType::Bool => {
                        self.invalid(top, format!("timed array `{name}` holds a boolean"), None);
                        None
                    }
                    Ok(q) => {
                        let expected = *dim.get_or_insert(q.dim);
                        if q.dim != expected {
                            let e = ModelError::DimensionMismatch {
                                span: Span::new(0, code.text.len()),
                                context: format!("a value of timed array `{name}`"),
                                expected,
                                found: q.dim,
                            };
                            self.diagnostics
                                .push(e.to_diagnostic().in_source(code.source));
                            None
                        } else {
                            Some((q.value, Some(q.dim)))
                        }
                    }
                    Err(d) => {
                        self.diagnostics.extend(d);
                        None
                    }
                }
            }
            Value::Bool(_) | Value::List(_) => {
                self.invalid(
                    top,
                    format!(
                        "the values of timed array `{name}` must be numbers or quantities{}",
                        if two_d { " (rows of them)" } else { "" }
                    ),
                    None,
                );
                None
            }
        }
    }

    /// Without a unit, plain numbers (other than zero) in an array of quantities with units are refused.
    fn check_plain_numbers(&mut self, table: &ValueTable<'_>, rows: &[Vec<f64>], dim: Dimension) {
        if dim.is_dimensionless() {
            return;
        }
        let plain = table
            .elements
            .iter()
            .flatten()
            .zip(rows.iter().flatten())
            .any(|(v, x)| matches!(v, Value::Number(_) | Value::Integer(_)) && *x != 0.0);
        if plain {
            self.invalid(
                table.span,
                format!(
                    "timed array `{}` mixes plain numbers with quantities of {dim}",
                    self.name
                ),
                Some("write every value with its unit, or plain numbers and `unit = \"...\"`"),
            );
            self.ok = false;
        }
    }
}

/// Checks a Poisson input's target variable: a float state variable of the group with one value per
/// neuron (each neuron draws its own number of input spikes). Returns its dimensions.
pub fn check_poisson_target(
    model: &NeuronGroupModel,
    variable: &str,
    variable_at: Location,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Dimension> {
    let at = |e: ModelError| e.to_diagnostic().in_source(variable_at.source);
    let span = variable_at.span;
    let invalid = |what: String, hint: Option<&str>| {
        at(ModelError::Invalid {
            span,
            what,
            hint: hint.map(String::from),
        })
    };
    match model.variable(variable) {
        None => {
            if model.subexpression(variable).is_some() {
                diagnostics.push(at(ModelError::ReadOnly {
                    span,
                    name: variable.to_string(),
                    reason: "it is a subexpression",
                }));
            } else {
                let names = model.variables.iter().map(|v| v.name.as_str());
                diagnostics.push(at(ModelError::UnknownName {
                    span,
                    name: variable.to_string(),
                    suggestion: crate::expr::closest(variable, names),
                }));
            }
            None
        }
        Some(v) if v.kind == VariableKind::ConstantOverDt => {
            diagnostics.push(at(ModelError::ReadOnly {
                span,
                name: variable.to_string(),
                reason: "it is a subexpression",
            }));
            None
        }
        Some(v) if v.linked => {
            diagnostics.push(invalid(
                format!("a Poisson input cannot target the linked variable `{variable}`"),
                None,
            ));
            None
        }
        Some(v) if v.shared => {
            diagnostics.push(invalid(
                format!("a Poisson input cannot target the shared variable `{variable}`"),
                Some("each neuron receives its own number of input spikes; target a variable without the `(shared)` flag"),
            ));
            None
        }
        Some(v) if v.ty != ValueType::Float => {
            diagnostics.push(invalid(
                format!(
                    "a Poisson input adds to a float variable; `{variable}` is a {} variable",
                    v.ty
                ),
                None,
            ));
            None
        }
        Some(v) => Some(v.dim),
    }
}

/// Checks a Poisson input's target variable (see [`check_poisson_target`]) and weight (an expression in
/// the group's context, such as `"0.1*mV"` or `"w"`, with the variable's units) against the target group.
/// Returns the checked weight. `namespaces` are searched in order (the group's own, then the run's).
pub fn check_poisson_input(
    model: &NeuronGroupModel,
    variable: &str,
    variable_at: Location,
    weight: Code<'_>,
    namespaces: &[&Namespace],
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<TExpr> {
    let target = check_poisson_target(model, variable, variable_at, diagnostics);
    let first = namespaces.first().copied();
    let empty = Namespace::new();
    let mut scope: Scope<'_> = group_scope(model, namespaces.last().copied().unwrap_or(&empty));
    if namespaces.len() > 1
        && let Some(ns) = first
    {
        scope.namespaces.insert(0, ns);
    }
    let w = check_code_expr(weight.text, weight.source, &scope, diagnostics)?;
    let target = target?;
    if w.ty == ValueType::Bool {
        diagnostics.push(
            ModelError::Invalid {
                span: w.span,
                what: "a Poisson input's weight must be a number, not a boolean".into(),
                hint: None,
            }
            .to_diagnostic()
            .in_source(weight.source),
        );
        return None;
    }
    if w.dim != target {
        diagnostics.push(
            ModelError::DimensionMismatch {
                span: w.span,
                context: format!("the weight of a Poisson input to `{variable}`"),
                expected: target,
                found: w.dim,
            }
            .to_diagnostic()
            .in_source(weight.source),
        );
        return None;
    }
    Some(w)
}

/// Why a spike generator's spikes are not valid.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum SpikeTrainError {
    /// No neurons.
    #[error("a SpikeGeneratorGroup needs at least one neuron")]
    Empty,
    /// Indices and times of different lengths.
    #[error("SpikeGeneratorGroup: {indices} indices but {times} times")]
    Lengths {
        /// Number of indices.
        indices: usize,
        /// Number of times.
        times: usize,
    },
    /// An index outside the group.
    #[error("SpikeGeneratorGroup: index {index} is outside its {n} neurons")]
    Index {
        /// The index.
        index: usize,
        /// Neurons of the group.
        n: usize,
    },
    /// A time that is negative or not finite.
    #[error("SpikeGeneratorGroup: the spike time {time} s is negative or not finite")]
    Time {
        /// The time (seconds).
        time: f64,
    },
    /// A negative or non-finite replay period.
    #[error("SpikeGeneratorGroup: the period {period} s is negative or not finite")]
    Period {
        /// The period (seconds).
        period: f64,
    },
}

/// Checks the spikes of a spike generator of `n` neurons (Brian2's `SpikeGeneratorGroup`).
pub fn check_spike_train(
    n: usize,
    indices: &[usize],
    times: &[f64],
    period: f64,
) -> Result<(), SpikeTrainError> {
    if n == 0 {
        return Err(SpikeTrainError::Empty);
    }
    if indices.len() != times.len() {
        return Err(SpikeTrainError::Lengths {
            indices: indices.len(),
            times: times.len(),
        });
    }
    if let Some(&index) = indices.iter().find(|&&k| k >= n) {
        return Err(SpikeTrainError::Index { index, n });
    }
    if let Some(&time) = times.iter().find(|t| !t.is_finite() || **t < 0.0) {
        return Err(SpikeTrainError::Time { time });
    }
    if !(period.is_finite() && period >= 0.0) {
        return Err(SpikeTrainError::Period { period });
    }
    Ok(())
}

/// Why a Poisson input's numbers are not valid.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum PoissonInputError {
    /// `N = 0`.
    #[error("a Poisson input needs at least one input (N = 0)")]
    NoInputs,
    /// A negative or infinite rate.
    #[error("the rate of a Poisson input cannot be negative or infinite ({rate} Hz)")]
    Rate {
        /// The rate (Hz).
        rate: f64,
    },
    /// More than one spike per input and step.
    #[error(
        "the rate of a Poisson input times dt is {p}, more than one spike per input and step: use a smaller dt"
    )]
    TooLikely {
        /// `rate·dt`.
        p: f64,
    },
}

/// The probability of a spike per input and step of a Poisson input (Brian2:
/// `BinomialFunction(N, rate*target.clock.dt)`), or why there is none.
pub fn poisson_probability(n: u64, rate: f64, dt: f64) -> Result<f64, PoissonInputError> {
    if n == 0 {
        return Err(PoissonInputError::NoInputs);
    }
    if !(rate >= 0.0 && rate.is_finite()) {
        return Err(PoissonInputError::Rate { rate });
    }
    let p = rate * dt;
    if p > 1.0 {
        return Err(PoissonInputError::TooLikely { p });
    }
    Ok(p)
}

/// Why a linked variable cannot be linked to a variable of another group.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum LinkError {
    /// A group without the variable.
    #[error("group `{group}` has no variable `{variable}`")]
    UnknownVariable {
        /// The group.
        group: String,
        /// The variable.
        variable: String,
        /// The nearest variable it has.
        suggestion: Option<String>,
    },
    /// A variable without the `(linked)` flag.
    #[error(
        "`{variable}` of group `{group}` is not a linked variable (declare it with the `(linked)` flag)"
    )]
    NotLinked {
        /// The group.
        group: String,
        /// The variable.
        variable: String,
    },
    /// Variables of different dimensions.
    #[error(
        "cannot link `{target}.{variable}` (units of {target_dim}) to `{source_group}.{source_variable}` (units of {source_dim})"
    )]
    Units {
        /// The group with the linked variable.
        target: String,
        /// The linked variable.
        variable: String,
        /// Its dimensions.
        target_dim: Dimension,
        /// The group linked to.
        source_group: String,
        /// The variable linked to.
        source_variable: String,
        /// Its dimensions.
        source_dim: Dimension,
    },
    /// A shared linked variable linked to many values.
    #[error(
        "cannot link the shared `{target}.{variable}` (a shared subexpression reads it) to `{source_group}.{source_variable}`, which has {n} values: link it to a shared variable or to a group of one neuron"
    )]
    Shared {
        /// The group with the linked variable.
        target: String,
        /// The linked variable.
        variable: String,
        /// The group linked to.
        source_group: String,
        /// The variable linked to.
        source_variable: String,
        /// Its number of values.
        n: usize,
    },
}

/// Checks that `variable` of `target` can be linked to `source_variable` of `source` (Brian2's
/// `linked_var`).
pub fn check_link(
    target: &NeuronGroupModel,
    variable: &str,
    source: &NeuronGroupModel,
    source_variable: &str,
) -> Result<(), Box<LinkError>> {
    let unknown = |m: &NeuronGroupModel, v: &str| {
        Box::new(LinkError::UnknownVariable {
            group: m.name.clone(),
            variable: v.to_string(),
            suggestion: crate::expr::closest(v, m.variables.iter().map(|x| x.name.as_str())),
        })
    };
    let tv = target
        .variable(variable)
        .ok_or_else(|| unknown(target, variable))?;
    if !tv.linked {
        return Err(Box::new(LinkError::NotLinked {
            group: target.name.clone(),
            variable: variable.to_string(),
        }));
    }
    let sv = source
        .variable(source_variable)
        .ok_or_else(|| unknown(source, source_variable))?;
    if sv.dim != tv.dim {
        return Err(Box::new(LinkError::Units {
            target: target.name.clone(),
            variable: variable.to_string(),
            target_dim: tv.dim,
            source_group: source.name.clone(),
            source_variable: source_variable.to_string(),
            source_dim: sv.dim,
        }));
    }
    if tv.shared && !sv.shared && source.n != 1 {
        return Err(Box::new(LinkError::Shared {
            target: target.name.clone(),
            variable: variable.to_string(),
            source_group: source.name.clone(),
            source_variable: source_variable.to_string(),
            n: source.n,
        }));
    }
    Ok(())
}

//! Semantic errors and warnings: one variant per problem, each with the span it points at.

use ganglion_syntax::{Diagnostic, Span};
use ganglion_units::Dimension;

/// A problem found while checking a model (errors and warnings alike).
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ModelError {
    /// A name that resolves to nothing.
    #[error("unknown name `{name}`")]
    UnknownName {
        /// Where.
        span: Span,
        /// The name.
        name: String,
        /// The nearest known name, if any is close.
        suggestion: Option<String>,
    },
    /// Two sides of `+`, `-`, `%`, a comparison or `clip` with different dimensions.
    #[error("inconsistent units in `{op}`: {left} on the left, {right} on the right")]
    InconsistentUnits {
        /// The whole operation.
        span: Span,
        /// The operator.
        op: String,
        /// Dimensions on the left.
        left: Dimension,
        /// Dimensions on the right.
        right: Dimension,
    },
    /// An expression whose dimensions differ from what its place requires.
    #[error("{context} has units of {found}, but {expected} is expected")]
    DimensionMismatch {
        /// The expression.
        span: Span,
        /// What it is ("the right-hand side of `dv/dt`").
        context: String,
        /// The dimensions required.
        expected: Dimension,
        /// The dimensions found.
        found: Dimension,
    },
    /// A condition that is not boolean.
    #[error("{context} must be a boolean expression")]
    NotBoolean {
        /// The expression.
        span: Span,
        /// What it is ("the threshold").
        context: String,
    },
    /// An operand of `and`/`or`/`not` that is not boolean.
    #[error("operand of `{op}` is not boolean")]
    NotBooleanOperand {
        /// The operand.
        span: Span,
        /// The operator.
        op: &'static str,
    },
    /// A call with the wrong number of arguments.
    #[error("function `{name}` was called with {found} argument{}, it takes {expected}", if *found == 1 { "" } else { "s" })]
    Arity {
        /// The call.
        span: Span,
        /// The function.
        name: String,
        /// Arguments it takes.
        expected: usize,
        /// Arguments given.
        found: usize,
    },
    /// A function argument with the wrong dimensions.
    #[error("argument {index} of `{name}` has units of {found}, but {expected} is expected")]
    ArgumentUnits {
        /// The argument.
        span: Span,
        /// The function.
        name: String,
        /// Which argument (1-based).
        index: usize,
        /// Required dimensions.
        expected: Dimension,
        /// Found dimensions.
        found: Dimension,
    },
    /// A function argument of the wrong type.
    #[error("argument {index} of `{name}` must be {expected}")]
    ArgumentType {
        /// The argument.
        span: Span,
        /// The function.
        name: String,
        /// Which argument (1-based).
        index: usize,
        /// What it must be.
        expected: &'static str,
    },
    /// Calling something that is not a function.
    #[error("`{name}` is not a function")]
    NotAFunction {
        /// The call.
        span: Span,
        /// The name.
        name: String,
    },
    /// A function used as a value.
    #[error("`{name}` is a function; it must be called")]
    FunctionAsValue {
        /// Where.
        span: Span,
        /// The name.
        name: String,
    },
    /// `a ** b` with dimensions on `a` and a non-constant `b`.
    #[error("the exponent of a quantity with units must be a constant")]
    NonConstantExponent {
        /// The exponent.
        span: Span,
    },
    /// `a ** b` with `b` having dimensions.
    #[error("an exponent must be dimensionless, it has units of {found}")]
    ExponentUnits {
        /// The exponent.
        span: Span,
        /// Its dimensions.
        found: Dimension,
    },
    /// `//` on quantities with dimensions.
    #[error("floor division `//` needs dimensionless operands")]
    FloorDivUnits {
        /// The operation.
        span: Span,
    },
    /// A unit specification that names a scaled unit (`mV`).
    #[error("the unit specification uses `{name}`, which is not a base unit")]
    ScaledUnit {
        /// The unit name.
        span: Span,
        /// The name.
        name: String,
        /// The base unit to use.
        base: Option<String>,
    },
    /// A unit specification with an unknown name.
    #[error("unknown unit `{name}` in the unit specification")]
    UnknownUnit {
        /// The name.
        span: Span,
        /// The name.
        name: String,
        /// A close name.
        suggestion: Option<String>,
    },
    /// A unit specification that is a quantity (`2*volt`, `5`), not a unit.
    #[error("the unit specification must be a unit, not a quantity")]
    NotAUnit {
        /// The specification.
        span: Span,
    },
    /// `bool` instead of `boolean`.
    #[error("unknown type `bool` in the unit specification")]
    UseBoolean {
        /// Where.
        span: Span,
    },
    /// `boolean`/`integer` combined with a unit.
    #[error("`{ty}` variables cannot have units")]
    TypedWithUnits {
        /// The specification.
        span: Span,
        /// The type.
        ty: &'static str,
    },
    /// A differential equation of integer or boolean type.
    #[error("differential equations can only define floating-point variables, `{name}` is {ty}")]
    DiffEqNotFloat {
        /// The unit specification.
        span: Span,
        /// The variable.
        name: String,
        /// Its type.
        ty: &'static str,
    },
    /// A name that may not be defined.
    #[error("`{name}` cannot be used as a variable name: {reason}")]
    InvalidIdentifier {
        /// The name.
        span: Span,
        /// The name.
        name: String,
        /// Why not.
        reason: String,
    },
    /// A variable defined twice.
    #[error("duplicate definition of `{name}`")]
    Duplicate {
        /// The second definition.
        span: Span,
        /// The first.
        previous: Span,
        /// The name.
        name: String,
    },
    /// A flag not allowed for this kind of equation.
    #[error("{kind} cannot have the flag `{flag}`")]
    BadFlag {
        /// The flag.
        span: Span,
        /// The flag.
        flag: String,
        /// "a parameter", ...
        kind: &'static str,
        /// Flags it may have.
        allowed: Vec<&'static str>,
    },
    /// Two flags that cannot go together.
    #[error("the flags `{first}` and `{second}` cannot be combined")]
    IncompatibleFlags {
        /// The second flag.
        span: Span,
        /// One.
        first: String,
        /// The other.
        second: String,
    },
    /// `xi` outside a differential equation.
    #[error("noise (`{name}`) can only appear in differential equations")]
    NoiseOutsideDiffEq {
        /// Where.
        span: Span,
        /// The noise name.
        name: String,
    },
    /// The same plain `xi` in two equations.
    #[error("`xi` is used in more than one equation")]
    NoiseReused {
        /// The second use.
        span: Span,
    },
    /// Noise that does not enter linearly.
    #[error("noise must enter the equation as `f + g*{name}` (linearly)")]
    NonlinearNoise {
        /// The equation's right-hand side.
        span: Span,
        /// The noise name.
        name: String,
    },
    /// Subexpressions that depend on each other in a cycle.
    #[error("subexpressions depend on each other in a cycle: {}", cycle.join(" -> "))]
    SubexpressionCycle {
        /// One of the definitions.
        span: Span,
        /// The names on the cycle, first repeated at the end.
        cycle: Vec<String>,
    },
    /// A right-hand side or subexpression too large once the subexpressions it reads are substituted.
    #[error(
        "`{name}` with its subexpressions substituted is {nodes} nodes and {depth} levels deep, over the \
         limit of {max_nodes} nodes and {max_depth} levels"
    )]
    InlinedTooLarge {
        /// Its definition.
        span: Span,
        /// The variable or subexpression.
        name: String,
        /// The nodes of the substituted tree (saturating).
        nodes: usize,
        /// Its depth.
        depth: usize,
        /// [`ganglion_syntax::limits::MAX_INLINED_NODES`].
        max_nodes: usize,
        /// [`ganglion_syntax::limits::MAX_INLINED_DEPTH`].
        max_depth: usize,
    },
    /// `rand()` in a subexpression without `(constant over dt)`.
    #[error("the subexpression `{name}` calls a random function")]
    StatefulSubexpression {
        /// The call.
        span: Span,
        /// The subexpression.
        name: String,
    },
    /// A shared subexpression reading a per-neuron variable.
    #[error("the shared subexpression `{name}` refers to the per-neuron variable `{var}`")]
    SharedReadsVector {
        /// The read.
        span: Span,
        /// The subexpression.
        name: String,
        /// The variable.
        var: String,
    },
    /// A write to something that cannot be written.
    #[error("cannot write to `{name}`: {reason}")]
    ReadOnly {
        /// The target.
        span: Span,
        /// The name.
        name: String,
        /// Why.
        reason: &'static str,
    },
    /// A write to a shared variable where only per-neuron writes are allowed.
    #[error("writing to the shared variable `{name}` is not allowed in {context}")]
    SharedWrite {
        /// The target.
        span: Span,
        /// The variable.
        name: String,
        /// Where ("reset code").
        context: String,
    },
    /// A shared variable set from a per-neuron expression.
    #[error("the shared variable `{name}` cannot be set from the per-neuron value `{var}`")]
    ScalarFromVector {
        /// The value.
        span: Span,
        /// The target.
        name: String,
        /// A per-neuron variable read.
        var: String,
    },
    /// A write to a shared variable after a per-neuron write in the same block.
    #[error("writes to shared variables must come before writes to per-neuron variables")]
    SharedWriteOrder {
        /// The shared write.
        span: Span,
    },
    /// A refractory period that is neither a time nor a condition.
    #[error("the refractory period must be a time or a boolean condition, it has units of {found}")]
    RefractoryType {
        /// The expression.
        span: Span,
        /// Its dimensions.
        found: Dimension,
    },
    /// An event name that is not an identifier, or `spike` defined twice.
    #[error("invalid event `{name}`: {reason}")]
    BadEvent {
        /// Where.
        span: Span,
        /// The event.
        name: String,
        /// Why.
        reason: &'static str,
    },
    /// A `(summed)` subexpression whose target is not a per-neuron variable of the other group.
    #[error("invalid summed variable: {reason}")]
    BadSummed {
        /// Where.
        span: Span,
        /// Why.
        reason: String,
    },
    /// Synaptic code whose outcome may depend on the order in which synapses are processed (a warning,
    /// as in Brian2; Ganglion processes them in synapse order).
    #[error(
        "this code may not be well-defined: its outcome may depend on the order of the synapses ({reason})"
    )]
    OrderDependent {
        /// The statement found order-dependent.
        span: Span,
        /// Why.
        reason: String,
    },
    /// Code for an event the group does not define.
    #[error("unknown event `{name}`")]
    UnknownEvent {
        /// Where.
        span: Span,
        /// The event.
        name: String,
        /// Events the group has.
        known: Vec<String>,
    },
    /// Code added twice for one event.
    #[error("code for the event `{name}` has already been added")]
    DuplicateEventCode {
        /// The second code.
        span: Span,
        /// The event.
        name: String,
    },
    /// A namespace key that Brian2 reserves.
    #[error("namespace names cannot start with `_` (`{name}`)")]
    NamespaceUnderscore {
        /// The key.
        span: Span,
        /// The key.
        name: String,
    },
    /// A namespace value that is not a constant.
    #[error("the namespace entry `{name}` must be a constant value")]
    NamespaceNotConstant {
        /// The value.
        span: Span,
        /// The key.
        name: String,
    },
    /// A group size that is not a positive integer.
    #[error("a group needs at least one neuron, `N` is {n}")]
    GroupSize {
        /// The value.
        span: Span,
        /// The value.
        n: i64,
    },
    /// Something other than a plain value where one is required.
    #[error("{what}")]
    Invalid {
        /// Where.
        span: Span,
        /// What is wrong.
        what: String,
        /// How to fix it.
        hint: Option<String>,
    },
    /// Warning: `(unless refractory)` without a refractory period.
    #[error("`(unless refractory)` has no effect: the group has no refractory period")]
    NoRefractory {
        /// The flag.
        span: Span,
    },
    /// Warning: a threshold without reset or refractory period.
    #[error("the group has a threshold but neither a reset nor a refractory period")]
    OnlyThreshold {
        /// The threshold.
        span: Span,
    },
    /// Warning: a namespace constant that is NaN or infinite.
    #[error("the namespace entry `{name}` is {value}")]
    NotFinite {
        /// The entry.
        span: Span,
        /// Its name.
        name: String,
        /// Its value.
        value: f64,
    },
    /// Warning: a namespace name that shadows a built-in one.
    #[error("the namespace entry `{name}` is shadowed by the built-in {what} of the same name")]
    Shadowed {
        /// The key.
        span: Span,
        /// The name.
        name: String,
        /// "unit", "function", "constant", "variable".
        what: &'static str,
    },
}

impl ModelError {
    /// The span the problem points at.
    pub fn span(&self) -> Span {
        use ModelError::*;
        match self {
            UnknownName { span, .. }
            | InconsistentUnits { span, .. }
            | DimensionMismatch { span, .. }
            | NotBoolean { span, .. }
            | NotBooleanOperand { span, .. }
            | Arity { span, .. }
            | ArgumentUnits { span, .. }
            | ArgumentType { span, .. }
            | NotAFunction { span, .. }
            | FunctionAsValue { span, .. }
            | NonConstantExponent { span }
            | ExponentUnits { span, .. }
            | FloorDivUnits { span }
            | ScaledUnit { span, .. }
            | UnknownUnit { span, .. }
            | NotAUnit { span }
            | UseBoolean { span }
            | TypedWithUnits { span, .. }
            | DiffEqNotFloat { span, .. }
            | InvalidIdentifier { span, .. }
            | Duplicate { span, .. }
            | BadFlag { span, .. }
            | IncompatibleFlags { span, .. }
            | NoiseOutsideDiffEq { span, .. }
            | NoiseReused { span }
            | NonlinearNoise { span, .. }
            | SubexpressionCycle { span, .. }
            | InlinedTooLarge { span, .. }
            | StatefulSubexpression { span, .. }
            | SharedReadsVector { span, .. }
            | ReadOnly { span, .. }
            | SharedWrite { span, .. }
            | ScalarFromVector { span, .. }
            | SharedWriteOrder { span }
            | RefractoryType { span, .. }
            | BadEvent { span, .. }
            | BadSummed { span, .. }
            | OrderDependent { span, .. }
            | UnknownEvent { span, .. }
            | DuplicateEventCode { span, .. }
            | NamespaceUnderscore { span, .. }
            | NamespaceNotConstant { span, .. }
            | GroupSize { span, .. }
            | Invalid { span, .. }
            | NoRefractory { span }
            | OnlyThreshold { span }
            | Shadowed { span, .. }
            | NotFinite { span, .. } => *span,
        }
    }

    /// Whether this is only a warning.
    pub fn is_warning(&self) -> bool {
        matches!(
            self,
            ModelError::NoRefractory { .. }
                | ModelError::OnlyThreshold { .. }
                | ModelError::Shadowed { .. }
                | ModelError::NotFinite { .. }
                | ModelError::OrderDependent { .. }
        )
    }

    /// A stable short name for the kind of problem.
    pub fn code(&self) -> &'static str {
        use ModelError::*;
        match self {
            UnknownName { .. } => "unknown-name",
            InconsistentUnits { .. } => "inconsistent-units",
            DimensionMismatch { .. } => "dimension-mismatch",
            NotBoolean { .. } => "not-boolean",
            NotBooleanOperand { .. } => "not-boolean-operand",
            Arity { .. } => "arity",
            ArgumentUnits { .. } => "argument-units",
            ArgumentType { .. } => "argument-type",
            NotAFunction { .. } => "not-a-function",
            FunctionAsValue { .. } => "function-as-value",
            NonConstantExponent { .. } => "non-constant-exponent",
            ExponentUnits { .. } => "exponent-units",
            FloorDivUnits { .. } => "floor-division-units",
            ScaledUnit { .. } => "scaled-unit",
            UnknownUnit { .. } => "unknown-unit",
            NotAUnit { .. } => "not-a-unit",
            UseBoolean { .. } => "use-boolean",
            TypedWithUnits { .. } => "typed-with-units",
            DiffEqNotFloat { .. } => "diff-eq-not-float",
            InvalidIdentifier { .. } => "invalid-identifier",
            Duplicate { .. } => "duplicate-definition",
            BadFlag { .. } => "bad-flag",
            IncompatibleFlags { .. } => "incompatible-flags",
            NoiseOutsideDiffEq { .. } => "noise-outside-diff-eq",
            NoiseReused { .. } => "noise-reused",
            NonlinearNoise { .. } => "nonlinear-noise",
            SubexpressionCycle { .. } => "subexpression-cycle",
            InlinedTooLarge { .. } => "inlined-too-large",
            StatefulSubexpression { .. } => "stateful-subexpression",
            SharedReadsVector { .. } => "shared-reads-vector",
            ReadOnly { .. } => "read-only",
            SharedWrite { .. } => "shared-write",
            ScalarFromVector { .. } => "scalar-from-vector",
            SharedWriteOrder { .. } => "shared-write-order",
            RefractoryType { .. } => "refractory-type",
            BadEvent { .. } => "bad-event",
            BadSummed { .. } => "bad-summed",
            OrderDependent { .. } => "order-dependent",
            UnknownEvent { .. } => "unknown-event",
            DuplicateEventCode { .. } => "duplicate-event-code",
            NamespaceUnderscore { .. } => "namespace-underscore",
            NamespaceNotConstant { .. } => "namespace-not-constant",
            GroupSize { .. } => "group-size",
            Invalid { .. } => "invalid",
            NoRefractory { .. } => "no-refractory",
            OnlyThreshold { .. } => "only-threshold",
            Shadowed { .. } => "shadowed",
            NotFinite { .. } => "not-finite",
        }
    }

    /// A suggestion for fixing the problem.
    pub fn hint(&self) -> Option<String> {
        use ModelError::*;
        match self {
            InlinedTooLarge { .. } => Some(
                "subexpressions are substituted wherever they are read (as Brian2 does): read large ones \
                 fewer times, or store one that is constant over a time step with the flag \
                 `(constant over dt)`"
                    .into(),
            ),
            UnknownName { suggestion: Some(s), .. } => Some(format!("did you mean `{s}`?")),
            UnknownName { name, .. } => Some(format!(
                "define `{name}` in the model, or give it a value in the namespace (`{name} = \"...\"`)"
            )),
            InconsistentUnits { left, right, .. } => {
                if left.is_dimensionless() || right.is_dimensionless() {
                    let d = if left.is_dimensionless() { right } else { left };
                    Some(format!(
                        "a bare number is dimensionless: give it units, e.g. `1*{}`",
                        example_unit(*d)
                    ))
                } else {
                    None
                }
            }
            DimensionMismatch { expected, found, .. } => mismatch_hint(*expected, *found),
            NotBoolean { .. } => Some("write a comparison, e.g. `v > -50*mV`".into()),
            NotBooleanOperand { .. } => Some("`and`, `or` and `not` combine conditions such as `v > 0*mV`".into()),
            ArgumentUnits { expected, found, .. } if expected.is_dimensionless() => {
                Some(format!("divide by a quantity of {found} to make the argument dimensionless"))
            }
            NotAFunction { .. } => Some("multiply explicitly: `a*(b)`".into()),
            FunctionAsValue { name, .. } => Some(format!("call it: `{name}(...)`")),
            NonConstantExponent { .. } => {
                Some("units of the result would depend on the value; make the base dimensionless".into())
            }
            ScaledUnit { base: Some(b), .. } => Some(format!("use `{b}` instead")),
            UnknownUnit { suggestion: Some(s), .. } => Some(format!("did you mean `{s}`?")),
            UnknownUnit { .. } => Some(
                "use a base unit such as `volt`, `amp`, `siemens`, `farad`, `second`, `metre`, `hertz`, or `1`".into(),
            ),
            NotAUnit { .. } => Some("write only the unit, e.g. `volt`; use `1` for dimensionless".into()),
            UseBoolean { .. } => Some("use `boolean`".into()),
            TypedWithUnits { .. } => Some("boolean and integer variables are dimensionless".into()),
            DiffEqNotFloat { .. } => Some("make it a parameter, or use a unit (or `1`) for a float variable".into()),
            Duplicate { .. } => Some("remove or rename one of the definitions".into()),
            BadFlag { allowed, .. } if allowed.is_empty() => Some("this kind of equation takes no flags".into()),
            BadFlag { allowed, .. } => Some(format!(
                "allowed: {}",
                allowed.iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", ")
            )),
            NoiseReused { .. } => Some(
                "use `xi_1`, `xi_2`, ... for independent noise (the same name in two equations means the same noise)"
                    .into(),
            ),
            StatefulSubexpression { .. } => {
                Some("add the `(constant over dt)` flag, so that one value is drawn per time step".into())
            }
            SharedReadsVector { .. } => Some("remove `(shared)`, or make the variable shared too".into()),
            SharedWriteOrder { .. } => Some("move the shared assignment before the per-neuron ones".into()),
            RefractoryType { .. } => Some("write a time (`5*ms`) or a condition (`v > -20*mV`)".into()),
            UnknownEvent { known, .. } if known.is_empty() => {
                Some("the group defines no events: add a `threshold` or `events`".into())
            }
            UnknownEvent { known, .. } => Some(format!("the group's events are: {}", known.join(", "))),
            NamespaceUnderscore { .. } => Some("names starting with `_` are reserved for internal use".into()),
            GroupSize { .. } => Some("set `N` to the number of neurons, at least 1".into()),
            Invalid { hint, .. } => hint.clone(),
            NoRefractory { .. } => Some("give the group a `refractory` period, or remove the flag".into()),
            OnlyThreshold { .. } => Some(
                "neurons will spike at every step while above threshold; add a `reset` (or `reset = \"\"` to \
                 silence this)"
                    .into(),
            ),
            Shadowed { name, .. } => Some(format!("rename the namespace entry `{name}`")),
            NotFinite { .. } => Some(
                "code that reads it computes NaN or infinity, and a run stops with an error at the \
                 first state variable that becomes NaN or infinite"
                    .into(),
            ),
            ExponentUnits { .. } => Some("divide the exponent by a quantity of the same units".into()),
            FloorDivUnits { .. } => Some("divide by a quantity of the same units first, e.g. `(t/ms)//1`".into()),
            _ => None,
        }
    }

    /// The problem as a diagnostic for the renderer.
    pub fn to_diagnostic(&self) -> Diagnostic {
        let mut d = if self.is_warning() {
            Diagnostic::warning(self.to_string(), self.span())
        } else {
            Diagnostic::error(self.to_string(), self.span())
        }
        .with_code(self.code());
        match self {
            ModelError::DimensionMismatch {
                expected, found, ..
            } => {
                d = d.with_label(format!("expected {expected}, found {found}"));
            }
            ModelError::InconsistentUnits {
                left, right, op, ..
            } => {
                d = d.with_label(format!("{left} {op} {right}"));
            }
            ModelError::Duplicate { previous, .. } => {
                d = d.with_secondary(*previous, "first defined here");
            }
            _ => {}
        }
        if let Some(h) = self.hint() {
            d = d.with_hint(h);
        }
        d
    }
}

/// A unit whose dimensions are `d`, for examples in hints.
fn example_unit(d: Dimension) -> String {
    d.to_string()
}

/// "did you forget to divide by a time constant?" and friends.
fn mismatch_hint(expected: Dimension, found: Dimension) -> Option<String> {
    let per_second = Dimension::TIME.recip();
    if found * per_second == expected {
        Some("did you forget to divide by a time constant?".into())
    } else if found == expected * per_second {
        Some(
            "did you multiply by a time constant too often, or forget one in a denominator?".into(),
        )
    } else if found.is_dimensionless() {
        Some(format!(
            "a bare number is dimensionless: give it units, e.g. `1*{}`",
            expected
        ))
    } else if expected.is_dimensionless() {
        Some(format!(
            "divide by a quantity of {found} to make it dimensionless"
        ))
    } else {
        None
    }
}

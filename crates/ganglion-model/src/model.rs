//! The checked model of a NeuronGroup: what lowering starts from.

use ganglion_syntax::ast::AssignOp;
use ganglion_syntax::{SourceId, Span};
use ganglion_units::Dimension;

use crate::expr::{TExpr, ValueType};
use crate::namespace::Namespace;

/// What a stored variable is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VariableKind {
    /// Defined by a differential equation.
    Differential,
    /// A parameter (`x : unit`).
    Parameter,
    /// A `(constant over dt)` subexpression, stored once per step.
    ConstantOverDt,
    /// `lastspike` (added by refractoriness).
    LastSpike,
    /// `not_refractory` (added by refractoriness).
    NotRefractory,
}

/// A variable with storage (one value per neuron, or one for the group when shared).
#[derive(Clone, Debug, PartialEq)]
pub struct Variable {
    /// Its name.
    pub name: String,
    /// Its dimensions.
    pub dim: Dimension,
    /// Its type.
    pub ty: ValueType,
    /// What defines it.
    pub kind: VariableKind,
    /// `(shared)`: one value for the group.
    pub shared: bool,
    /// `(constant)`: does not change during a run.
    pub constant: bool,
    /// `(linked)`: refers to another group's variable.
    pub linked: bool,
    /// `(unless refractory)`: writes happen only while `not_refractory` (except in the spike reset).
    pub unless_refractory: bool,
}

/// A subexpression (`x = expr : unit`): inlined where it is read.
#[derive(Clone, Debug, PartialEq)]
pub struct Subexpression {
    /// Its name.
    pub name: String,
    /// Its definition.
    pub expr: TExpr,
    /// Its dimensions.
    pub dim: Dimension,
    /// Its type.
    pub ty: ValueType,
    /// `(shared)`.
    pub shared: bool,
    /// `(constant over dt)`: evaluated once per step into a stored variable of the same name.
    pub constant_over_dt: bool,
}

/// A differential equation.
#[derive(Clone, Debug, PartialEq)]
pub struct DiffEq {
    /// The variable integrated.
    pub var: String,
    /// The right-hand side as written (not multiplied by `int(not_refractory)`).
    pub rhs: TExpr,
    /// `(unless refractory)`.
    pub unless_refractory: bool,
    /// `(event-driven)` (synapses): integrated at the synapse's events, not every step.
    pub event_driven: bool,
    /// Where the equation is written (in the model's source).
    pub span: Span,
}

/// How the equations depend on noise (Brian2's `stochastic_type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StochasticType {
    /// No noise.
    Deterministic,
    /// Noise factors depend on neither time nor state variables.
    Additive,
    /// Some noise factor depends on time or a state variable.
    Multiplicative,
}

/// The refractory period of a group.
#[derive(Clone, Debug, PartialEq)]
pub enum Refractory {
    /// No refractoriness.
    None,
    /// A time (or per-neuron time expression): refractory while `t - lastspike < period`.
    Period(TExpr),
    /// A condition: refractory after a spike while the condition holds.
    Condition(TExpr),
}

/// A statement of checked code (reset, event code, `run_regularly`).
#[derive(Clone, Debug, PartialEq)]
pub struct TStatement {
    /// The variable (or new temporary) written.
    pub target: String,
    /// `=`, `+=`, ...
    pub op: AssignOp,
    /// The value.
    pub value: TExpr,
    /// Whether this statement defines a new temporary.
    pub new_temporary: bool,
    /// Type of the target.
    pub ty: ValueType,
    /// Whether the target is shared (one value for the group).
    pub shared: bool,
    /// Where it is written.
    pub span: Span,
}

/// A block of checked statements and where it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct CodeBlock {
    /// The statements, in order.
    pub statements: Vec<TStatement>,
    /// The code string.
    pub source: Option<SourceId>,
    /// The original text.
    pub text: String,
}

/// An event: a condition checked every step.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    /// Its name (`spike` for the threshold).
    pub name: String,
    /// The condition (for `spike`, without the refractoriness gate: lowering adds it).
    pub condition: TExpr,
    /// The code string of the condition.
    pub source: Option<SourceId>,
}

/// Code run on an event (`reset` for `spike`, or `run_on_event`).
#[derive(Clone, Debug, PartialEq)]
pub struct EventCode {
    /// The event.
    pub event: String,
    /// The code.
    pub code: CodeBlock,
}

/// A checked NeuronGroup model.
#[derive(Clone, Debug, PartialEq)]
pub struct NeuronGroupModel {
    /// The group's name.
    pub name: String,
    /// Number of neurons.
    pub n: usize,
    /// Stored variables, in definition order (refractoriness variables last).
    pub variables: Vec<Variable>,
    /// Subexpressions in dependency order.
    pub subexpressions: Vec<Subexpression>,
    /// Differential equations, in definition order.
    pub diff_eqs: Vec<DiffEq>,
    /// Deterministic, additive or multiplicative noise.
    pub stochastic: StochasticType,
    /// Events; `spike` first when there is a threshold.
    pub events: Vec<Event>,
    /// Code run on events; the reset is the code of `spike`.
    pub event_codes: Vec<EventCode>,
    /// The refractory period.
    pub refractory: Refractory,
    /// The external constants the model uses, with their values when checked.
    pub externals: Namespace,
    /// `(summed)` subexpressions of synapses: `x_post = expr` sums `expr` over each postsynaptic
    /// neuron's synapses into its variable `x` (or `_pre`, over each presynaptic neuron's).
    pub summed: Vec<Subexpression>,
    /// The equations as the user wrote them.
    pub user_equations: String,
    /// The model's code string.
    pub source: Option<SourceId>,
}

impl NeuronGroupModel {
    /// The stored variable called `name`.
    pub fn variable(&self, name: &str) -> Option<&Variable> {
        self.variables.iter().find(|v| v.name == name)
    }

    /// The subexpression called `name`.
    pub fn subexpression(&self, name: &str) -> Option<&Subexpression> {
        self.subexpressions.iter().find(|s| s.name == name)
    }

    /// The event called `name`.
    pub fn event(&self, name: &str) -> Option<&Event> {
        self.events.iter().find(|e| e.name == name)
    }

    /// Whether the group has refractoriness (and hence `lastspike` and `not_refractory`).
    pub fn has_refractoriness(&self) -> bool {
        self.refractory != Refractory::None
    }
}

//! `NeuronGroup`: the constructor parameters of Brian2's class, as a builder.

use ganglion_lower::Dtypes;
use ganglion_model::{ExternalValue, Namespace};
use ganglion_units::Quantity;

/// The refractory period of a group.
#[derive(Clone, Debug, PartialEq)]
pub enum Refractory {
    /// No refractoriness (Brian2's `refractory=False`).
    None,
    /// A time in seconds (`refractory=5*ms`).
    Time(f64),
    /// A time expression (`"(1 + rand())*ms"`, `"ref"`) or a boolean condition (`"v > -20*mV"`).
    Code(String),
}

/// Where a group's objects take their time step from.
#[derive(Clone, Debug, PartialEq)]
pub enum ClockChoice {
    /// The network's default clock.
    Default,
    /// A clock of its own with this `dt` (seconds).
    Dt(f64),
    /// A named clock shared with other objects (created with [`crate::Network::add_clock`]).
    Shared(String),
}

/// A group of neurons, described as Brian2's `NeuronGroup(N, model, ...)` is: build it with the
/// methods below and add it to a [`crate::Network`].
#[derive(Clone, Debug, PartialEq)]
pub struct NeuronGroup {
    pub(crate) n: usize,
    pub(crate) model: String,
    pub(crate) methods: Vec<String>,
    pub(crate) threshold: Option<String>,
    pub(crate) reset: Option<String>,
    pub(crate) refractory: Refractory,
    pub(crate) events: Vec<(String, String)>,
    pub(crate) namespace: Namespace,
    pub(crate) dtypes: Dtypes,
    pub(crate) clock: ClockChoice,
    pub(crate) order: i64,
    pub(crate) name: String,
}

impl NeuronGroup {
    /// `N` neurons following `model` (equations in Brian2's language).
    pub fn new(n: usize, model: impl Into<String>) -> NeuronGroup {
        NeuronGroup {
            n,
            model: model.into(),
            methods: default_methods(),
            threshold: None,
            reset: None,
            refractory: Refractory::None,
            events: Vec::new(),
            namespace: Namespace::new(),
            dtypes: Dtypes::default(),
            clock: ClockChoice::Default,
            order: 0,
            name: "neurongroup*".into(),
        }
    }

    /// The integration method: a name (`"exact"`, `"euler"`, `"rk4"`, ...) or a description string
    /// (`"x_new = x + dt*f(x,t)"`).
    pub fn method(mut self, method: impl Into<String>) -> NeuronGroup {
        self.methods = vec![method.into()];
        self
    }

    /// Methods to try in order (the default is `exact`, `euler`, `heun`).
    pub fn methods<S: Into<String>>(mut self, methods: impl IntoIterator<Item = S>) -> NeuronGroup {
        self.methods = methods.into_iter().map(Into::into).collect();
        self
    }

    /// The spike condition (`"v > -50*mV"`).
    pub fn threshold(mut self, condition: impl Into<String>) -> NeuronGroup {
        self.threshold = Some(condition.into());
        self
    }

    /// Statements run on each spike (`"v = -60*mV"`).
    pub fn reset(mut self, code: impl Into<String>) -> NeuronGroup {
        self.reset = Some(code.into());
        self
    }

    /// A refractory period in seconds.
    pub fn refractory_time(mut self, seconds: f64) -> NeuronGroup {
        self.refractory = Refractory::Time(seconds);
        self
    }

    /// A refractory period as an expression (a time, or a condition that keeps the neuron refractory).
    pub fn refractory(mut self, code: impl Into<String>) -> NeuronGroup {
        self.refractory = Refractory::Code(code.into());
        self
    }

    /// A custom event and its condition (Brian2's `events={'name': 'condition'}`).
    pub fn event(mut self, name: impl Into<String>, condition: impl Into<String>) -> NeuronGroup {
        self.events.push((name.into(), condition.into()));
        self
    }

    /// A constant of the group's own namespace.
    pub fn constant(mut self, name: impl Into<String>, value: Quantity) -> NeuronGroup {
        self.namespace.insert(name, ExternalValue::quantity(value));
        self
    }

    /// A constant of any type (integer, boolean, float with units) of the group's own namespace.
    pub fn external(mut self, name: impl Into<String>, value: ExternalValue) -> NeuronGroup {
        self.namespace.insert(name, value);
        self
    }

    /// Stores every floating-point variable in single precision (Brian2's `dtype=float32`).
    pub fn float32(mut self) -> NeuronGroup {
        self.dtypes.all_f32 = true;
        self
    }

    /// Stores one variable in single precision.
    pub fn float32_variable(mut self, name: impl Into<String>) -> NeuronGroup {
        self.dtypes.f32_vars.insert(name.into());
        self
    }

    /// A clock of the group's own with this time step (seconds).
    pub fn dt(mut self, dt: f64) -> NeuronGroup {
        self.clock = ClockChoice::Dt(dt);
        self
    }

    /// Uses a clock created with [`crate::Network::add_clock`].
    pub fn clock(mut self, name: impl Into<String>) -> NeuronGroup {
        self.clock = ClockChoice::Shared(name.into());
        self
    }

    /// The order of the group's objects within their slots.
    pub fn order(mut self, order: i64) -> NeuronGroup {
        self.order = order;
        self
    }

    /// The group's name; a trailing `*` numbers it (`neurongroup`, `neurongroup_1`, ...).
    pub fn name(mut self, name: impl Into<String>) -> NeuronGroup {
        self.name = name.into();
        self
    }
}

/// Brian2's automatic choice of integration method: the methods tried, in order.
pub(crate) fn default_methods() -> Vec<String> {
    ganglion_lower::methods::DEFAULT_METHODS
        .iter()
        .map(|s| s.to_string())
        .collect()
}

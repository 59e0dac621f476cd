//! `Synapses`, `connect` and `SpikeGeneratorGroup`: Brian2's classes as builders, and what a network
//! checks before its driver makes them.

use std::collections::HashMap;

use ganglion_lower::Dtypes;
use ganglion_model::connect::{ConnectContext, RawConnect, RawPattern, RawProbability};
use ganglion_model::{
    Code, Namespace, NeuronGroupSpec, OnEventSpec, RefractorySpec, SynapseContext,
};
use ganglion_syntax::Span;
use ganglion_units::Quantity;

use crate::driver::{GroupSettings, SynapseLink};
use crate::error::{Error, UsageError};
use crate::group::ClockChoice;
use crate::handles::{GroupHandle, Subgroup};
use crate::network::Network;

/// Synapses between two groups, described as Brian2's `Synapses(source, target, model, on_pre, ...)`:
/// build with the methods below, add with [`Network::add_synapses`], then [`Network::connect`].
#[derive(Clone, Debug, PartialEq)]
pub struct Synapses {
    pub(crate) source: Subgroup,
    pub(crate) target: Subgroup,
    pub(crate) model: String,
    pub(crate) pathways: Vec<(String, String)>,
    pub(crate) on_event: HashMap<String, String>,
    pub(crate) delay: f64,
    pub(crate) methods: Vec<String>,
    pub(crate) namespace: Namespace,
    pub(crate) dtypes: Dtypes,
    pub(crate) clock: ClockChoice,
    pub(crate) order: i64,
    pub(crate) name: String,
}

impl Synapses {
    /// Synapses from `source` to `target` with per-synapse `model` equations (may be empty).
    pub fn new(
        source: impl Into<Subgroup>,
        target: impl Into<Subgroup>,
        model: impl Into<String>,
    ) -> Synapses {
        Synapses {
            source: source.into(),
            target: target.into(),
            model: model.into(),
            pathways: Vec::new(),
            on_event: HashMap::new(),
            delay: 0.0,
            methods: crate::group::default_methods(),
            namespace: Namespace::new(),
            dtypes: Dtypes::default(),
            clock: ClockChoice::Default,
            order: 0,
            name: "synapses*".into(),
        }
    }

    /// Code run for each synapse when its presynaptic neuron spikes (after the delay).
    pub fn on_pre(self, code: impl Into<String>) -> Synapses {
        self.pathway("pre", code)
    }

    /// Code run for each synapse when its postsynaptic neuron spikes.
    pub fn on_post(self, code: impl Into<String>) -> Synapses {
        self.pathway("post", code)
    }

    /// A named pathway (`pre`, `post`, or another name starting with either, like Brian2's
    /// `on_pre={'pre': ..., 'pre2': ...}`; names starting with `post` are triggered by the target).
    pub fn pathway(mut self, name: impl Into<String>, code: impl Into<String>) -> Synapses {
        self.pathways.push((name.into(), code.into()));
        self
    }

    /// The event of the source (or, for `post` pathways, the target) that triggers a pathway, instead
    /// of `spike` (Brian2's `on_event`).
    pub fn on_event(mut self, pathway: impl Into<String>, event: impl Into<String>) -> Synapses {
        self.on_event.insert(pathway.into(), event.into());
        self
    }

    /// A delay for every synapse of the `pre` pathway, in seconds (per-synapse delays: set `delay`).
    pub fn delay(mut self, seconds: f64) -> Synapses {
        self.delay = seconds;
        self
    }

    /// The integration method of clock-driven equations.
    pub fn method(mut self, method: impl Into<String>) -> Synapses {
        self.methods = vec![method.into()];
        self
    }

    /// Integration methods to try in order (the default is `exact`, `euler`, `heun`).
    pub fn methods<S: Into<String>>(mut self, methods: impl IntoIterator<Item = S>) -> Synapses {
        self.methods = methods.into_iter().map(Into::into).collect();
        self
    }

    /// A constant of the synapses' own namespace.
    pub fn constant(mut self, name: impl Into<String>, value: Quantity) -> Synapses {
        self.namespace
            .insert(name.into(), ganglion_model::ExternalValue::quantity(value));
        self
    }

    /// A constant of any type (integer, boolean, float with units) of the synapses' own namespace.
    pub fn external(
        mut self,
        name: impl Into<String>,
        value: ganglion_model::ExternalValue,
    ) -> Synapses {
        self.namespace.insert(name.into(), value);
        self
    }

    /// Stores every floating-point variable as `float32`.
    pub fn float32(mut self) -> Synapses {
        self.dtypes.all_f32 = true;
        self
    }

    /// The clock of the synapses' objects.
    pub fn clock(mut self, clock: ClockChoice) -> Synapses {
        self.clock = clock;
        self
    }

    /// Order within the schedule slots.
    pub fn order(mut self, order: i64) -> Synapses {
        self.order = order;
        self
    }

    /// The name (a trailing `*` numbers it: `synapses`, `synapses_1`, ...).
    pub fn name(mut self, name: impl Into<String>) -> Synapses {
        self.name = name.into();
        self
    }
}

/// A `connect` call: which pairs get synapses (Brian2's `Synapses.connect`).
#[derive(Clone, Debug, PartialEq)]
pub struct Connect {
    pub(crate) pattern: ConnectPattern,
    pub(crate) condition: Option<String>,
    pub(crate) p: Option<ConnectP>,
    pub(crate) n: usize,
    pub(crate) skip_if_invalid: bool,
}

/// Which candidate pairs a [`Connect`] considers.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum ConnectPattern {
    Grid,
    Pairs(Vec<usize>, Vec<usize>),
    OneToOne,
    Generator(String),
}

/// A [`Connect`]'s probability.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum ConnectP {
    Number(f64),
    Expr(String),
}

impl Connect {
    fn with(pattern: ConnectPattern) -> Connect {
        Connect {
            pattern,
            condition: None,
            p: None,
            n: 1,
            skip_if_invalid: false,
        }
    }

    /// Every pair (`connect()`).
    pub fn all() -> Connect {
        Connect::with(ConnectPattern::Grid)
    }

    /// The pairs where `condition` holds (`connect(condition="i != j")`).
    pub fn condition(condition: impl Into<String>) -> Connect {
        Connect {
            condition: Some(condition.into()),
            ..Connect::all()
        }
    }

    /// Explicit pairs (`connect(i=[...], j=[...])`), indices relative to the (sub)groups.
    pub fn pairs(i: Vec<usize>, j: Vec<usize>) -> Connect {
        Connect::with(ConnectPattern::Pairs(i, j))
    }

    /// Neuron `k` of the source to neuron `k` of the target (`connect(j="i")`).
    pub fn one_to_one() -> Connect {
        Connect::with(ConnectPattern::OneToOne)
    }

    /// Targets given by Brian2's generator syntax (`j='k for k in range(i-3, i+4) if i != k'`,
    /// `j='k for k in sample(N_post, p=0.1)'`, or an expression of `i` such as `j='i + 1'`).
    pub fn generator(j: impl Into<String>) -> Connect {
        Connect::with(ConnectPattern::Generator(j.into()))
    }

    /// Skips generated targets outside the target group instead of refusing them (Brian2's
    /// `skip_if_invalid=True`).
    pub fn skip_if_invalid(mut self, skip: bool) -> Connect {
        self.skip_if_invalid = skip;
        self
    }

    /// Each candidate pair gets synapses with probability `p` (a number).
    pub fn p(mut self, p: f64) -> Connect {
        self.p = Some(ConnectP::Number(p));
        self
    }

    /// Each candidate pair gets synapses with a probability given by an expression of the pair
    /// (`"exp(-(x_pre - x_post)**2/(2*s**2))"`).
    pub fn p_expr(mut self, p: impl Into<String>) -> Connect {
        self.p = Some(ConnectP::Expr(p.into()));
        self
    }

    /// `n` synapses per chosen pair.
    pub fn n(mut self, n: usize) -> Connect {
        self.n = n;
        self
    }
}

/// Spikes at given times (Brian2's `SpikeGeneratorGroup`): neuron `indices[k]` spikes at `times[k]`
/// (seconds), replayed every `period` seconds when it is positive.
#[derive(Clone, Debug, PartialEq)]
pub struct SpikeGeneratorGroup {
    pub(crate) n: usize,
    pub(crate) indices: Vec<usize>,
    pub(crate) times: Vec<f64>,
    pub(crate) period: f64,
    pub(crate) name: String,
}

impl SpikeGeneratorGroup {
    /// `n` neurons spiking at the given times.
    pub fn new(n: usize, indices: Vec<usize>, times: Vec<f64>) -> SpikeGeneratorGroup {
        SpikeGeneratorGroup {
            n,
            indices,
            times,
            period: 0.0,
            name: "spikegeneratorgroup*".into(),
        }
    }

    /// Replays the spikes every `seconds`.
    pub fn period(mut self, seconds: f64) -> SpikeGeneratorGroup {
        self.period = seconds;
        self
    }

    /// The name.
    pub fn name(mut self, name: impl Into<String>) -> SpikeGeneratorGroup {
        self.name = name.into();
        self
    }
}

impl Network {
    /// The neurons a subgroup names, checked against its group.
    pub(crate) fn range_of(&self, s: Subgroup) -> Result<(usize, usize), Error> {
        let n = self.group_size(s.group);
        let stop = s.stop.unwrap_or(n);
        if s.start >= stop || stop > n {
            return Err(UsageError::Subgroup {
                group: self.group_name(s.group).to_string(),
                start: s.start,
                stop,
                n,
            }
            .into());
        }
        Ok((s.start, stop))
    }

    /// What synapses between these groups see of them.
    fn synapse_context(&self, syn: &Synapses) -> SynapseContext {
        let (source, target) = (
            self.driver.entry(syn.source.group),
            self.driver.entry(syn.target.group),
        );
        SynapseContext::new(
            &source.model,
            &target.model,
            syn.pathways.iter().map(|(p, _)| p.clone()).collect(),
        )
        .without_group_constants(&source.namespace, &target.namespace)
    }

    /// Adds synapses: checks the model and the pathways' code against the connected groups; the
    /// synapses exist once [`Network::connect`] makes them.
    pub fn add_synapses(&mut self, syn: Synapses) -> Result<GroupHandle, Error> {
        let name = self.unique_name(&syn.name)?;
        for (p, _) in &syn.pathways {
            if !(p.starts_with("pre") || p.starts_with("post")) {
                return Err(UsageError::PathwayName { name: p.clone() }.into());
            }
        }
        let source_range = self.range_of(syn.source)?;
        let target_range = self.range_of(syn.target)?;
        let model_src = self.add_source(format!("<model of {name}>"), &syn.model);
        let path_srcs: Vec<_> = syn
            .pathways
            .iter()
            .map(|(p, c)| self.add_source(format!("<on_{p} of {name}>"), c))
            .collect();
        let context = self.synapse_context(&syn);
        let on_event: Vec<OnEventSpec<'_>> = syn
            .pathways
            .iter()
            .zip(&path_srcs)
            .map(|((p, c), src)| OnEventSpec {
                event: p,
                event_location: ganglion_model::Location {
                    source: *src,
                    span: Span::new(0, c.len()),
                },
                code: Code {
                    text: c,
                    source: *src,
                },
            })
            .collect();
        let spec = NeuronGroupSpec {
            name: &name,
            n: 0,
            model: Code {
                text: &syn.model,
                source: model_src,
            },
            threshold: None,
            reset: None,
            refractory: RefractorySpec::None,
            events: Vec::new(),
            on_event,
            namespace: syn.namespace.clone(),
            shared_links: Vec::new(),
        };
        let (model, diagnostics) = ganglion_model::check_synapses(&spec, &context, &self.namespace);
        self.absorb(diagnostics)?;
        let model = model.expect("a model without errors");
        let clock = self.driver.clock_for(&syn.clock, &name)?;
        let link = SynapseLink {
            source: syn.source.group,
            source_range,
            target: syn.target.group,
            target_range,
            context,
            on_event: syn.on_event,
            delay: syn.delay,
        };
        let settings = GroupSettings {
            methods: syn.methods,
            method_at: None,
            dtypes: syn.dtypes,
            clock,
            order: syn.order,
            namespace: syn.namespace,
        };
        self.driver.add_synapses(model, link, settings)
    }

    /// Number of synapses of a Synapses object.
    pub fn synapse_count(&self, s: GroupHandle) -> usize {
        self.group_size(s)
    }

    /// Makes synapses (Brian2's `connect`): explicit pairs, one-to-one, or every pair where the
    /// condition holds, each with probability `p`, `n` synapses per pair. Returns how many were made.
    pub fn connect(&mut self, s: GroupHandle, c: Connect) -> Result<usize, Error> {
        let entry = self.driver.entry(s);
        let Some(syn) = entry.synapses.as_ref() else {
            return Err(UsageError::NotSynapses {
                group: entry.name.clone(),
            }
            .into());
        };
        let sizes = (
            syn.link.source_range.1 - syn.link.source_range.0,
            syn.link.target_range.1 - syn.link.target_range.0,
        );
        let name = entry.name.clone();
        let mut source =
            |what: &str, text: &str| self.add_source(format!("<{what} of {name}.connect>"), text);
        let condition_src = c.condition.as_deref().map(|t| source("condition", t));
        let p_src = match &c.p {
            Some(ConnectP::Expr(t)) => Some(source("p", t)),
            _ => None,
        };
        let generator_src = match &c.pattern {
            ConnectPattern::Generator(t) => Some(source("j", t)),
            _ => None,
        };
        let pattern = match &c.pattern {
            ConnectPattern::Grid => RawPattern::Grid,
            ConnectPattern::Pairs(i, j) => RawPattern::Pairs(i, j),
            ConnectPattern::OneToOne => RawPattern::OneToOne,
            ConnectPattern::Generator(t) => RawPattern::Generator(Code {
                text: t,
                source: generator_src.expect("registered above"),
            }),
        };
        let raw = RawConnect {
            pattern,
            condition: c
                .condition
                .as_deref()
                .zip(condition_src)
                .map(|(text, source)| Code { text, source }),
            p: c.p.as_ref().map(|p| match p {
                ConnectP::Number(x) => RawProbability::Number(*x),
                ConnectP::Expr(text) => RawProbability::Expr(Code {
                    text,
                    source: p_src.expect("registered above"),
                }),
            }),
            n: c.n,
            skip_if_invalid: c.skip_if_invalid,
        };
        let entry = self.driver.entry(s);
        let syn = entry.synapses.as_ref().expect("synapses");
        let mut scope =
            ganglion_model::synapse_scope(&entry.model, &syn.link.context, &self.namespace);
        scope.namespaces.insert(0, &entry.namespace);
        let cx = ConnectContext {
            scope: &scope,
            sizes,
            at: None,
        };
        let spec =
            ganglion_model::connect::check_connect(&raw, &cx).map_err(|d| self.model_error(d))?;
        let r = self.driver.connect(s, &spec, &self.namespace);
        self.attach(r)
    }

    /// Adds a spike generator: a group without variables whose spikes are given.
    pub fn add_spike_generator(&mut self, g: SpikeGeneratorGroup) -> Result<GroupHandle, Error> {
        ganglion_model::check_spike_train(g.n, &g.indices, &g.times, g.period)
            .map_err(UsageError::SpikeTrain)?;
        let handle = self.add_group(crate::NeuronGroup::new(g.n, "").name(g.name))?;
        let train = ganglion_runtime::synapses::SpikeTrain {
            indices: g.indices.iter().map(|&k| k as u32).collect(),
            times: g.times,
            period: g.period,
        };
        self.driver.add_generator(handle, train)?;
        Ok(handle)
    }
}

//! `Synapses`: Brian2's class as a builder, `connect`, and what a network does with them at a run
//! (lowering, pathways, summed variables).

use std::collections::HashMap;

use ganglion_ir::{Extent, Type};
use ganglion_lower::{Dtypes, LowerOptions, StorageInfo, SynapseSides, Via};
use ganglion_model::{
    Code, Namespace, NeuronGroupSpec, OnEventSpec, RefractorySpec, SynapseContext, TExpr, TKind,
    ValueType,
};
use ganglion_runtime::ObjectInfo;
use ganglion_runtime::synapses::{Delay, PathwaySpec};
use ganglion_syntax::{Diagnostic, Span};
use ganglion_units::{Dimension, Quantity};

use crate::group::ClockChoice;
use crate::network::{Error, GroupEntry, GroupHandle, GroupObjects, Network, value_map};

/// A group, or the contiguous slice `start..stop` of one (Brian2's `P[:3200]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Subgroup {
    /// The group.
    pub group: GroupHandle,
    /// First neuron.
    pub start: usize,
    /// One past the last neuron (`None`: the group's end).
    pub stop: Option<usize>,
}

impl GroupHandle {
    /// The neurons `start..stop` of the group.
    pub fn slice(self, start: usize, stop: usize) -> Subgroup {
        Subgroup {
            group: self,
            start,
            stop: Some(stop),
        }
    }
}

impl From<GroupHandle> for Subgroup {
    fn from(group: GroupHandle) -> Subgroup {
        Subgroup {
            group,
            start: 0,
            stop: None,
        }
    }
}

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
            methods: ganglion_lower::methods::DEFAULT_METHODS
                .iter()
                .map(|s| s.to_string())
                .collect(),
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

    /// A constant of the synapses' own namespace.
    pub fn constant(mut self, name: impl Into<String>, value: Quantity) -> Synapses {
        self.namespace
            .insert(name.into(), ganglion_model::ExternalValue::quantity(value));
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
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Connect {
    pub(crate) condition: Option<String>,
    pub(crate) p: Option<String>,
    pub(crate) n: usize,
    pub(crate) pairs: Option<(Vec<usize>, Vec<usize>)>,
    pub(crate) one_to_one: bool,
}

impl Connect {
    /// Every pair (`connect()`).
    pub fn all() -> Connect {
        Connect {
            n: 1,
            ..Connect::default()
        }
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
        Connect {
            pairs: Some((i, j)),
            ..Connect::all()
        }
    }

    /// Neuron `k` of the source to neuron `k` of the target (`connect(j="i")`).
    pub fn one_to_one() -> Connect {
        Connect {
            one_to_one: true,
            ..Connect::all()
        }
    }

    /// Each candidate pair gets synapses with probability `p` (a number).
    pub fn p(mut self, p: f64) -> Connect {
        self.p = Some(format!("{p:?}"));
        self
    }

    /// Each candidate pair gets synapses with a probability given by an expression of the pair
    /// (`"exp(-(x_pre - x_post)**2/(2*s**2))"`).
    pub fn p_expr(mut self, p: impl Into<String>) -> Connect {
        self.p = Some(p.into());
        self
    }

    /// `n` synapses per chosen pair.
    pub fn n(mut self, n: usize) -> Connect {
        self.n = n;
        self
    }
}

/// What a network keeps about a Synapses object besides what every group has.
pub(crate) struct SynapseEntry {
    pub(crate) source: GroupHandle,
    pub(crate) source_range: (usize, usize),
    pub(crate) target: GroupHandle,
    pub(crate) target_range: (usize, usize),
    pub(crate) context: SynapseContext,
    pub(crate) on_event: HashMap<String, String>,
    pub(crate) delay: f64,
    pub(crate) dtypes: Dtypes,
    /// The objects are in the schedule (from the first run on).
    pub(crate) registered: bool,
    /// `connect` calls made, numbering their random streams.
    pub(crate) connects: u64,
}

impl Network {
    fn range_of(&self, s: Subgroup) -> Result<(usize, usize), Error> {
        let n = self.group_size(s.group);
        let stop = s.stop.unwrap_or(n);
        if s.start >= stop || stop > n {
            return Err(Error::Usage(format!(
                "the subgroup {}..{stop} of `{}` is empty or outside its {n} neurons",
                s.start,
                self.group_name(s.group)
            )));
        }
        Ok((s.start, stop))
    }

    /// Adds synapses: checks the model and the pathways' code against the connected groups; the
    /// synapses exist once [`Network::connect`] makes them.
    pub fn add_synapses(&mut self, syn: Synapses) -> Result<GroupHandle, Error> {
        let name = self.unique_name(&syn.name)?;
        let model_src = self
            .sources
            .add_standalone(format!("<model of {name}>"), syn.model.clone());
        let path_srcs: Vec<_> = syn
            .pathways
            .iter()
            .map(|(p, c)| {
                self.sources
                    .add_standalone(format!("<on_{p} of {name}>"), c.clone())
            })
            .collect();
        let model = self.check_synapses(&syn, &name, model_src, &path_srcs)?;
        self.add_checked_synapses(syn, model)
    }

    /// Checks a Synapses object's model and pathways (code strings already registered).
    pub(crate) fn check_synapses(
        &mut self,
        syn: &Synapses,
        name: &str,
        model_src: ganglion_syntax::SourceId,
        path_srcs: &[ganglion_syntax::SourceId],
    ) -> Result<ganglion_model::NeuronGroupModel, Error> {
        for (p, _) in &syn.pathways {
            if !(p.starts_with("pre") || p.starts_with("post")) {
                return Err(Error::Usage(format!(
                    "pathway `{p}`: pathway names start with `pre` (triggered by the source) or `post` (by the target)"
                )));
            }
        }
        let context = SynapseContext::new(
            self.model(syn.source.group),
            self.model(syn.target.group),
            syn.pathways.iter().map(|(p, _)| p.clone()).collect(),
        );
        let on_event: Vec<OnEventSpec<'_>> = syn
            .pathways
            .iter()
            .zip(path_srcs)
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
            name,
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
        let (errors, warnings): (Vec<_>, Vec<_>) =
            diagnostics.into_iter().partition(Diagnostic::is_error);
        self.warnings.extend(warnings);
        model.ok_or_else(|| self.model_error_pub(errors))
    }

    /// Adds synapses whose model is checked (its name is the model's, already reserved).
    pub(crate) fn add_checked_synapses(
        &mut self,
        syn: Synapses,
        model: ganglion_model::NeuronGroupModel,
    ) -> Result<GroupHandle, Error> {
        let source_range = self.range_of(syn.source)?;
        let target_range = self.range_of(syn.target)?;
        let name = model.name.clone();
        let context = SynapseContext::new(
            self.model(syn.source.group),
            self.model(syn.target.group),
            syn.pathways.iter().map(|(p, _)| p.clone()).collect(),
        );
        let clock = self.clock_for(&syn.clock, &name)?;
        let sides = SynapseSides {
            source: self.group_name(syn.source.group),
            source_storage: &self.groups[syn.source.group.0].storage,
            target: self.group_name(syn.target.group),
            target_storage: &self.groups[syn.target.group.0].storage,
        };
        let storage = ganglion_lower::synapse_storage(&model, &sides, &syn.dtypes);
        let mut own: Vec<(String, StorageInfo)> = storage
            .iter()
            .filter(|(_, s)| s.via.is_none())
            .map(|(n, s)| (n.clone(), s.clone()))
            .collect();
        own.sort_by(|a, b| a.0.cmp(&b.0));
        let variables: Vec<(String, Type, Extent)> = own
            .iter()
            .map(|(n, s)| (n.clone(), s.ty, s.extent))
            .collect();
        let id = self.rt.add_group(&name, 0, &variables);
        let (n_pre, n_post) = (
            source_range.1 - source_range.0,
            target_range.1 - target_range.0,
        );
        for (var, value) in [("N_pre", n_pre), ("N_post", n_post)] {
            if let Some(a) = self.rt.groups[id.0].array_mut(var) {
                a.fill_from_f64(&[value as f64]);
            }
        }
        let kernels = ganglion_lower::GroupKernels {
            storage: own,
            method: None,
            state_update: None,
            thresholds: Vec::new(),
            event_codes: Vec::new(),
            subexpression_update: None,
        };
        self.groups.push(GroupEntry {
            name,
            id,
            model,
            kernels,
            storage,
            objects: GroupObjects::default(),
            clock,
            order: syn.order,
            namespace: syn.namespace,
            requested_methods: syn.methods,
            fusion: crate::fusion::Fusion::default(),
            linked: Default::default(),
            synapses: Some(SynapseEntry {
                source: syn.source.group,
                source_range,
                target: syn.target.group,
                target_range,
                context,
                on_event: syn.on_event,
                delay: syn.delay,
                dtypes: syn.dtypes,
                registered: false,
                connects: 0,
            }),
        });
        Ok(GroupHandle(self.groups.len() - 1))
    }

    /// Number of synapses of a Synapses object.
    pub fn synapse_count(&self, s: GroupHandle) -> usize {
        self.group_size(s)
    }

    /// Makes synapses (Brian2's `connect`): explicit pairs, one-to-one, or every pair where the
    /// condition holds, each with probability `p`, `n` synapses per pair. Returns how many were made.
    pub fn connect(&mut self, s: GroupHandle, c: Connect) -> Result<usize, Error> {
        let Some(entry) = self.groups[s.0].synapses.as_ref() else {
            return Err(Error::Usage(format!(
                "`{}` is a NeuronGroup, not Synapses",
                self.group_name(s)
            )));
        };
        let (src, tgt) = (entry.source_range, entry.target_range);
        let (n_pre, n_post) = (src.1 - src.0, tgt.1 - tgt.0);
        let stream = entry.connects;
        let mut pairs: Vec<(u32, u32)> = Vec::new();
        if let Some((i, j)) = &c.pairs {
            if i.len() != j.len() {
                return Err(Error::Usage(format!(
                    "connect: {} presynaptic and {} postsynaptic indices",
                    i.len(),
                    j.len()
                )));
            }
            for (&a, &b) in i.iter().zip(j) {
                if a >= n_pre || b >= n_post {
                    return Err(Error::Usage(format!(
                        "connect: the pair ({a}, {b}) is outside the {n_pre} x {n_post} neurons"
                    )));
                }
                pairs.push((a as u32, b as u32));
            }
        } else if c.one_to_one {
            if n_pre != n_post {
                return Err(Error::Usage(format!(
                    "connect(j='i') needs groups of the same size ({n_pre} and {n_post})"
                )));
            }
            pairs.extend((0..n_pre as u32).map(|k| (k, k)));
        } else {
            let p_const = match &c.p {
                None => Some(1.0),
                Some(text) => text.trim().parse::<f64>().ok(),
            };
            match (&c.condition, p_const) {
                (None, Some(p)) => {
                    pairs = random_pairs(n_pre, n_post, p, self.rt.seed, s.0 as u64, stream, false)
                }
                (Some(cond), Some(p)) if cond.replace(' ', "") == "i!=j" => {
                    pairs = random_pairs(n_pre, n_post, p, self.rt.seed, s.0 as u64, stream, true)
                }
                _ => pairs = self.evaluate_pairs(s, &c)?,
            }
        }
        let n = c.n;
        let made: Vec<(u32, u32)> = pairs
            .into_iter()
            .flat_map(|p| std::iter::repeat_n(p, n))
            .collect();
        self.append_synapses(s, &made)?;
        if let Some(e) = self.groups[s.0].synapses.as_mut() {
            e.connects += 1;
        }
        Ok(made.len())
    }

    /// Every candidate pair tested by a kernel: `condition and rand() < p`.
    fn evaluate_pairs(&mut self, s: GroupHandle, c: &Connect) -> Result<Vec<(u32, u32)>, Error> {
        let entry = &self.groups[s.0];
        let syn = entry.synapses.as_ref().expect("checked by the caller");
        let (src, tgt) = (syn.source_range, syn.target_range);
        let (n_pre, n_post) = (src.1 - src.0, tgt.1 - tgt.0);
        let mut scope = ganglion_model::group_scope(&entry.model, &self.namespace);
        for (n, v) in &syn.context.variables {
            scope
                .variables
                .entry(n.clone())
                .or_insert_with(|| v.clone());
        }
        scope.namespaces.insert(0, &entry.namespace);
        let name = entry.name.clone();
        let mut diagnostics = Vec::new();
        let mut check = |text: &str, what: &str, diagnostics: &mut Vec<Diagnostic>| {
            let src = self
                .sources
                .add_standalone(format!("<{what} of {name}.connect>"), text.to_string());
            ganglion_model::check_code_expr(text, src, &scope, diagnostics).map(|e| (e, src))
        };
        let cond = match &c.condition {
            Some(text) => match check(text, "condition", &mut diagnostics) {
                Some((e, _)) if e.ty == ValueType::Bool => Some(e),
                Some((e, src)) => {
                    let err = ganglion_model::ModelError::NotBoolean {
                        span: e.span,
                        context: "the condition of connect".into(),
                    };
                    diagnostics.push(err.to_diagnostic().in_source(src));
                    None
                }
                None => None,
            },
            None => None,
        };
        let p = match &c.p {
            Some(text) => match check(text, "p", &mut diagnostics) {
                Some((e, _)) if e.dim.is_dimensionless() && e.ty != ValueType::Bool => Some(e),
                Some((e, src)) => {
                    let err = ganglion_model::ModelError::DimensionMismatch {
                        span: e.span,
                        context: "the probability of connect".into(),
                        expected: Dimension::DIMENSIONLESS,
                        found: e.dim,
                    };
                    diagnostics.push(err.to_diagnostic().in_source(src));
                    None
                }
                None => None,
            },
            None => None,
        };
        if diagnostics.iter().any(Diagnostic::is_error) {
            return Err(self.model_error_pub(diagnostics));
        }
        let texpr = |kind, ty| TExpr {
            kind,
            ty,
            dim: Dimension::DIMENSIONLESS,
            span: Span::default(),
        };
        let mut keep = texpr(TKind::Bool(true), ValueType::Bool);
        if let Some(cond) = cond {
            keep = cond;
        }
        if let Some(p) = p {
            let draw = texpr(
                TKind::Call(ganglion_ir::Builtin::Rand, vec![]),
                ValueType::Float,
            );
            let test = texpr(
                TKind::Compare(ganglion_syntax::ast::CmpOp::Lt, Box::new(draw), Box::new(p)),
                ValueType::Bool,
            );
            keep = texpr(
                TKind::Logical(
                    ganglion_syntax::ast::LogicalOp::And,
                    Box::new(keep),
                    Box::new(test),
                ),
                ValueType::Bool,
            );
        }
        // The candidates, a block of rows at a time, as the synapses of a scratch group.
        let mut storage = entry.storage.clone();
        storage.insert(
            "_keep".into(),
            StorageInfo::own(Type::Bool, Extent::PerNeuron, ValueType::Bool),
        );
        let mut model = entry.model.clone();
        let kernel = ganglion_lower::lower_assignment(&model, &storage, "_keep", &keep, None);
        let overrides = value_map(&entry.namespace);
        let scratch_vars: Vec<(String, Type, Extent)> = kernel
            .arrays
            .iter()
            .filter(|a| !a.name.contains('.'))
            .map(|a| (a.name.clone(), a.ty, a.extent))
            .collect();
        let rows_per_block = (1usize << 20).div_ceil(n_post.max(1)).max(1);
        let mut pairs = Vec::new();
        self.sync_externals_pub();
        let mut row = 0;
        while row < n_pre {
            let rows = rows_per_block.min(n_pre - row);
            let n = rows * n_post;
            model.n = n;
            let g = self
                .rt
                .add_group(&format!("_connect_{}", s.0), n, &scratch_vars);
            let fill = |net: &mut Network, var: &str, f: &dyn Fn(usize, usize) -> usize| {
                if let Some(a) = net.rt.groups[g.0].array_mut(var) {
                    let values: Vec<f64> = (0..n)
                        .map(|k| f(row + k / n_post, k % n_post) as f64)
                        .collect();
                    a.fill_from_f64(&values);
                }
            };
            fill(self, "i", &|a, _| a);
            fill(self, "j", &|_, b| b);
            fill(self, "_synaptic_pre", &|a, _| a + src.0);
            fill(self, "_synaptic_post", &|_, b| b + tgt.0);
            for (var, value) in [("N_pre", n_pre), ("N_post", n_post)] {
                if let Some(a) = self.rt.groups[g.0].array_mut(var) {
                    a.fill_from_f64(&[value as f64]);
                }
            }
            let result = self.rt.execute(g, &kernel, overrides.clone());
            let keep = self
                .rt
                .groups
                .pop()
                .expect("the scratch group is the last one");
            result.map_err(Error::Usage)?;
            let flags = keep
                .array("_keep")
                .map(|a| a.to_f64_vec())
                .unwrap_or_default();
            for (k, f) in flags.iter().enumerate() {
                if *f != 0.0 {
                    pairs.push(((row + k / n_post) as u32, (k % n_post) as u32));
                }
            }
            row += rows;
        }
        Ok(pairs)
    }

    /// Appends synapses `(i, j)` (indices relative to the subgroups), with the default `delay`.
    fn append_synapses(&mut self, s: GroupHandle, pairs: &[(u32, u32)]) -> Result<(), Error> {
        let entry = &self.groups[s.0];
        let syn = entry.synapses.as_ref().expect("synapses");
        let (src, tgt, delay) = (syn.source_range, syn.target_range, syn.delay);
        let id = entry.id;
        let shared: Vec<String> = entry
            .storage
            .iter()
            .filter(|(_, v)| v.via.is_none() && v.extent == Extent::Shared)
            .map(|(n, _)| n.clone())
            .collect();
        let shared: Vec<&str> = shared.iter().map(String::as_str).collect();
        let g = &mut self.rt.groups[id.0];
        let old = g.n;
        let total = old + pairs.len();
        g.resize(total, &shared);
        let column = |g: &mut ganglion_runtime::Group, var: &str, f: &dyn Fn(u32, u32) -> f64| {
            if let Some(a) = g.array_mut(var) {
                for (k, &(i, j)) in pairs.iter().enumerate() {
                    a.set(
                        old + k,
                        &ganglion_ir::interp::Value::F64(f(i, j)).cast(a.ty()),
                    );
                }
            }
        };
        column(g, "i", &|i, _| f64::from(i));
        column(g, "j", &|_, j| f64::from(j));
        column(g, "_synaptic_pre", &|i, _| (i as usize + src.0) as f64);
        column(g, "_synaptic_post", &|_, j| (j as usize + tgt.0) as f64);
        column(g, "delay", &|_, _| delay);
        column(g, "lastupdate", &|_, _| 0.0);
        // N_incoming and N_outgoing of every synapse.
        let count = |g: &ganglion_runtime::Group, var: &str, n: usize| -> Vec<f64> {
            let idx = g.array(var).map(|a| a.to_f64_vec()).unwrap_or_default();
            let mut counts = vec![0usize; n];
            for &k in &idx {
                counts[k as usize] += 1;
            }
            idx.iter().map(|&k| counts[k as usize] as f64).collect()
        };
        let incoming = count(g, "j", tgt.1 - tgt.0);
        let outgoing = count(g, "i", src.1 - src.0);
        if let Some(a) = g.array_mut("N_incoming") {
            a.fill_from_f64(&incoming);
        }
        if let Some(a) = g.array_mut("N_outgoing") {
            a.fill_from_f64(&outgoing);
        }
        self.groups[s.0].model.n = total;
        Ok(())
    }

    /// Puts the synapses' objects into the schedule (at the first run after they were added):
    /// state updater, pathways, summed variables.
    pub(crate) fn register_synapses(&mut self) -> Result<(), Error> {
        for gi in 0..self.groups.len() {
            let ready = self.groups[gi]
                .synapses
                .as_ref()
                .is_some_and(|s| !s.registered);
            if !ready {
                continue;
            }
            let entry = &self.groups[gi];
            let syn = entry.synapses.as_ref().expect("synapses");
            let options = LowerOptions {
                methods: entry.requested_methods.clone(),
                dtypes: syn.dtypes.clone(),
            };
            let kernels =
                match ganglion_lower::lower_synapses(&entry.model, &entry.storage, &options) {
                    Ok(k) => k,
                    Err(e) => {
                        let model = entry.model.clone();
                        return Err(self.method_error_pub(&model, e));
                    }
                };
            let (name, id, clock, order) = (entry.name.clone(), entry.id, entry.clock, entry.order);
            let overrides = value_map(&entry.namespace);
            let (source, target) = (self.groups[syn.source.0].id, self.groups[syn.target.0].id);
            let (source_range, target_range) = (syn.source_range, syn.target_range);
            let on_event = syn.on_event.clone();
            let target_order = self.groups[syn.target.0].order;
            let info = |object: String, when: &str, order: i64| ObjectInfo {
                name: object,
                when: when.to_string(),
                order,
                clock,
                active: true,
                part_of: name.clone(),
            };
            let usage = Error::Usage;
            let mut objects = GroupObjects::default();
            if let Some(k) = &kernels.state_update {
                let o = self
                    .rt
                    .add_kernel(
                        info(format!("{name}_stateupdater"), "groups", order),
                        id,
                        k,
                        overrides.clone(),
                    )
                    .map_err(usage)?;
                objects.state_updater = Some(o);
            }
            for (pathway, k) in &kernels.pathways {
                let pre = pathway.starts_with("pre");
                let spec = PathwaySpec {
                    synapses: id.0,
                    source: if pre { source.0 } else { target.0 },
                    source_event: on_event
                        .get(pathway)
                        .cloned()
                        .unwrap_or_else(|| "spike".into()),
                    range: if pre { source_range } else { target_range },
                    index_array: if pre {
                        Via::Pre.index_array()
                    } else {
                        Via::Post.index_array()
                    }
                    .into(),
                    buffer: pathway.clone(),
                    delay: if pathway == "pre" {
                        Delay::PerSynapse("delay".into())
                    } else {
                        Delay::Homogeneous(0.0)
                    },
                };
                let o = self
                    .rt
                    .add_pathway(
                        // Brian2: presynaptic pathways at order -1, postsynaptic ones at +1.
                        info(
                            format!("{name}_{pathway}"),
                            "synapses",
                            if pre { -1 } else { 1 },
                        ),
                        spec,
                        k,
                        overrides.clone(),
                    )
                    .map_err(usage)?;
                objects.resetters.push((pathway.clone(), o));
            }
            for (var, via, k) in &kernels.summed {
                let (group, range) = match via {
                    Via::Post => (target, target_range),
                    Via::Pre => (source, source_range),
                };
                let o = self
                    .rt
                    .add_summed(
                        info(
                            format!("{name}_summed_variable_{var}"),
                            "groups",
                            target_order - 1,
                        ),
                        id,
                        group,
                        var,
                        range,
                        k,
                        overrides.clone(),
                    )
                    .map_err(usage)?;
                objects.run_regularly.push(o);
            }
            let entry = &mut self.groups[gi];
            entry.objects = objects;
            entry.kernels.method = kernels.method;
            entry.kernels.state_update = kernels.state_update;
            entry.kernels.event_codes = kernels.pathways.into_iter().map(|(_, k)| k).collect();
            if let Some(s) = entry.synapses.as_mut() {
                s.registered = true;
            }
        }
        Ok(())
    }
}

/// Pairs chosen independently with probability `p` (skipping `i == j` when asked), in row order, by
/// geometric jumps: the number of candidates skipped before the next success is drawn directly, so
/// sparse connectivity costs time in proportion to the synapses made, not to the pairs.
fn random_pairs(
    n_pre: usize,
    n_post: usize,
    p: f64,
    seed: u64,
    object: u64,
    call: u64,
    no_self: bool,
) -> Vec<(u32, u32)> {
    use ganglion_ir::random;
    let mut out = Vec::new();
    if p <= 0.0 {
        return out;
    }
    let key = random::key(
        seed,
        ganglion_ir::stream_id(&format!("connect:{object}:{call}")),
    );
    for i in 0..n_pre {
        if p >= 1.0 {
            out.extend(
                (0..n_post)
                    .filter(|&j| !(no_self && j == i))
                    .map(|j| (i as u32, j as u32)),
            );
            continue;
        }
        let log_q = (-p).ln_1p();
        let mut j: i64 = -1;
        let mut draw = 0u32;
        loop {
            let u = random::uniform(random::bits(key, i as u64, 0, draw));
            draw += 1;
            // (1 - u) is in (0, 1]: no log of zero.
            let skip = ((1.0 - u).ln() / log_q).floor();
            j += 1 + skip.min(n_post as f64) as i64;
            if j >= n_post as i64 {
                break;
            }
            if no_self && j as usize == i {
                continue;
            }
            out.push((i as u32, j as u32));
        }
    }
    out
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
    /// Adds a spike generator: a group without variables whose spikes are given.
    pub fn add_spike_generator(&mut self, g: SpikeGeneratorGroup) -> Result<GroupHandle, Error> {
        if g.n == 0 {
            return Err(Error::Usage(
                "a SpikeGeneratorGroup needs at least one neuron".into(),
            ));
        }
        if g.indices.len() != g.times.len() {
            return Err(Error::Usage(format!(
                "SpikeGeneratorGroup: {} indices but {} times",
                g.indices.len(),
                g.times.len()
            )));
        }
        if let Some(&k) = g.indices.iter().find(|&&k| k >= g.n) {
            return Err(Error::Usage(format!(
                "SpikeGeneratorGroup: index {k} is outside its {} neurons",
                g.n
            )));
        }
        if let Some(t) = g.times.iter().find(|t| !t.is_finite() || **t < 0.0) {
            return Err(Error::Usage(format!(
                "SpikeGeneratorGroup: the spike time {t} s is negative or not finite"
            )));
        }
        let handle = self.add_group(crate::NeuronGroup::new(g.n, "").name(g.name))?;
        let (id, clock, name) = (
            self.groups[handle.0].id,
            self.groups[handle.0].clock,
            self.groups[handle.0].name.clone(),
        );
        let info = ObjectInfo {
            name: format!("{name}_spikegenerator"),
            when: "thresholds".into(),
            order: 0,
            clock,
            active: true,
            part_of: name,
        };
        self.rt.add_generator(
            info,
            id,
            ganglion_runtime::synapses::SpikeTrain {
                indices: g.indices.iter().map(|&k| k as u32).collect(),
                times: g.times,
                period: g.period,
            },
        );
        Ok(handle)
    }
}

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
    pub(crate) generator: Option<String>,
    pub(crate) skip_if_invalid: bool,
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

    /// Targets given by Brian2's generator syntax (`j='k for k in range(i-3, i+4) if i != k'`,
    /// `j='k for k in sample(N_post, p=0.1)'`, or an expression of `i` such as `j='i + 1'`).
    pub fn generator(j: impl Into<String>) -> Connect {
        Connect {
            generator: Some(j.into()),
            ..Connect::all()
        }
    }

    /// Skips generated targets outside the target group instead of refusing them (Brian2's
    /// `skip_if_invalid=True`).
    pub fn skip_if_invalid(mut self, skip: bool) -> Connect {
        self.skip_if_invalid = skip;
        self
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
        )
        .without_group_constants(
            &self.entry(syn.source.group).namespace,
            &self.entry(syn.target.group).namespace,
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
        )
        .without_group_constants(
            &self.entry(syn.source.group).namespace,
            &self.entry(syn.target.group).namespace,
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
        } else if let Some(text) = &c.generator {
            pairs = self.generate_pairs(s, text, &c)?;
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

    /// Checks an expression of a candidate pair (`i`, `j`, both groups' variables).
    fn pair_expr(
        &mut self,
        s: GroupHandle,
        text: &str,
        what: &str,
    ) -> Result<(TExpr, ganglion_syntax::SourceId), Error> {
        let entry = &self.groups[s.0];
        let syn = entry.synapses.as_ref().expect("checked by the caller");
        let mut scope = ganglion_model::group_scope(&entry.model, &self.namespace);
        for (n, v) in &syn.context.variables {
            scope
                .variables
                .entry(n.clone())
                .or_insert_with(|| v.clone());
        }
        scope.namespaces.insert(0, &entry.namespace);
        let src = self.sources.add_standalone(
            format!("<{what} of {}.connect>", entry.name),
            text.to_string(),
        );
        let mut diagnostics = Vec::new();
        match ganglion_model::check_code_expr(text, src, &scope, &mut diagnostics) {
            Some(e) if !diagnostics.iter().any(Diagnostic::is_error) => Ok((e, src)),
            _ => Err(self.model_error_pub(diagnostics)),
        }
    }

    /// `condition and rand() < p` as one boolean expression of a pair.
    fn keep_expr(
        &mut self,
        s: GroupHandle,
        condition: Option<&str>,
        p: Option<&str>,
    ) -> Result<TExpr, Error> {
        let texpr = |kind, ty| TExpr {
            kind,
            ty,
            dim: Dimension::DIMENSIONLESS,
            span: Span::default(),
        };
        let mut keep = texpr(TKind::Bool(true), ValueType::Bool);
        if let Some(text) = condition {
            let (e, src) = self.pair_expr(s, text, "condition")?;
            if e.ty != ValueType::Bool {
                let err = ganglion_model::ModelError::NotBoolean {
                    span: e.span,
                    context: "the condition of connect".into(),
                };
                return Err(self.model_error_pub(vec![err.to_diagnostic().in_source(src)]));
            }
            keep = e;
        }
        if let Some(text) = p {
            let (e, src) = self.pair_expr(s, text, "p")?;
            if !e.dim.is_dimensionless() || e.ty == ValueType::Bool {
                let err = ganglion_model::ModelError::DimensionMismatch {
                    span: e.span,
                    context: "the probability of connect".into(),
                    expected: Dimension::DIMENSIONLESS,
                    found: e.dim,
                };
                return Err(self.model_error_pub(vec![err.to_diagnostic().in_source(src)]));
            }
            let draw = texpr(
                TKind::Call(ganglion_ir::Builtin::Rand, vec![]),
                ValueType::Float,
            );
            let test = texpr(
                TKind::Compare(ganglion_syntax::ast::CmpOp::Lt, Box::new(draw), Box::new(e)),
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
        Ok(keep)
    }

    /// Every candidate pair of the grid tested by a kernel: `condition and rand() < p`.
    fn evaluate_pairs(&mut self, s: GroupHandle, c: &Connect) -> Result<Vec<(u32, u32)>, Error> {
        let syn = self.groups[s.0]
            .synapses
            .as_ref()
            .expect("checked by the caller");
        let (src, tgt) = (syn.source_range, syn.target_range);
        let (n_pre, n_post) = (src.1 - src.0, tgt.1 - tgt.0);
        let keep = self.keep_expr(s, c.condition.as_deref(), c.p.as_deref())?;
        let pair = |k: usize| ((k / n_post) as u32, (k % n_post) as u32);
        self.candidates_where(s, keep, n_pre * n_post, &pair)
    }

    /// Values of expressions for `count` candidate pairs (`pair(k)`: `i`, `j` relative to the slices),
    /// computed by kernels over the candidates as the synapses of a scratch group, about a million at a
    /// time.
    fn eval_on_candidates(
        &mut self,
        s: GroupHandle,
        exprs: &[TExpr],
        count: usize,
        pair: &dyn Fn(usize) -> (u32, u32),
    ) -> Result<Vec<Vec<f64>>, Error> {
        let mut values: Vec<Vec<f64>> = vec![Vec::with_capacity(count); exprs.len()];
        self.eval_blocks(s, exprs, count, pair, &mut |_, n, outputs| {
            for (out, a) in values.iter_mut().zip(outputs) {
                out.extend((0..n).map(|k| a.get_f64(k)));
            }
        })?;
        Ok(values)
    }

    /// The candidates (`pair(k)`) for which a boolean expression holds, in order.
    fn candidates_where(
        &mut self,
        s: GroupHandle,
        keep: TExpr,
        count: usize,
        pair: &dyn Fn(usize) -> (u32, u32),
    ) -> Result<Vec<(u32, u32)>, Error> {
        let mut kept = Vec::new();
        self.eval_blocks(s, &[keep], count, pair, &mut |start, n, outputs| {
            if let Some(ganglion_ir::interp::ArrayData::Bool(flags)) = outputs.first() {
                kept.extend(
                    flags.as_slice()[..n]
                        .iter()
                        .enumerate()
                        .filter(|(_, f)| **f)
                        .map(|(k, _)| pair(start + k)),
                );
            } else if let Some(a) = outputs.first() {
                kept.extend(
                    (0..n)
                        .filter(|&k| a.get_f64(k) != 0.0)
                        .map(|k| pair(start + k)),
                );
            }
        })?;
        Ok(kept)
    }

    /// Evaluates expressions for `count` candidate pairs in blocks of about a million, one scratch group
    /// reused for every block; `visit(start, n, outputs)` sees each block's values: the first `n` elements
    /// of each output array.
    fn eval_blocks(
        &mut self,
        s: GroupHandle,
        exprs: &[TExpr],
        count: usize,
        pair: &dyn Fn(usize) -> (u32, u32),
        visit: &mut dyn FnMut(usize, usize, &[&ganglion_ir::interp::ArrayData]),
    ) -> Result<(), Error> {
        let entry = &self.groups[s.0];
        let syn = entry.synapses.as_ref().expect("checked by the caller");
        let (src, tgt) = (syn.source_range, syn.target_range);
        let (n_pre, n_post) = (src.1 - src.0, tgt.1 - tgt.0);
        let mut storage = entry.storage.clone();
        let model = entry.model.clone();
        let outputs: Vec<String> = (0..exprs.len()).map(|k| format!("_value{k}")).collect();
        for (name, e) in outputs.iter().zip(exprs) {
            let ty = match e.ty {
                ValueType::Bool => Type::Bool,
                ValueType::Int => Type::I64,
                ValueType::Float => Type::F64,
            };
            storage.insert(name.clone(), StorageInfo::own(ty, Extent::PerNeuron, e.ty));
        }
        let kernels: Vec<ganglion_ir::Kernel> = outputs
            .iter()
            .zip(exprs)
            .map(|(name, e)| ganglion_lower::lower_assignment(&model, &storage, name, e, None))
            .collect();
        let overrides = value_map(&entry.namespace);
        let mut scratch_vars: Vec<(String, Type, Extent)> = Vec::new();
        for k in &kernels {
            for a in k.arrays.iter().filter(|a| !a.name.contains('.')) {
                if !scratch_vars.iter().any(|(n, _, _)| *n == a.name) {
                    scratch_vars.push((a.name.clone(), a.ty, a.extent));
                }
            }
        }
        for v in ["i", "j", "_synaptic_pre", "_synaptic_post"] {
            if !scratch_vars.iter().any(|(n, _, _)| n == v) {
                scratch_vars.push((v.into(), Type::I32, Extent::PerNeuron));
            }
        }
        self.sync_externals_pub();
        let block = 1usize << 20;
        // One scratch group for every block (its arrays sized for the largest), removed at the end.
        let g = self.rt.add_group(
            &format!("_connect_{}", s.0),
            block.min(count),
            &scratch_vars,
        );
        let result = (|| {
            let mut start = 0;
            while start < count {
                let n = block.min(count - start);
                let group = &mut self.rt.groups[g.0];
                group.n = n;
                let (from, to) = (src.0 as i64, tgt.0 as i64);
                let pairs: Vec<(u32, u32)> = (start..start + n).map(pair).collect();
                let columns: [(&str, IndexOf); 4] = [
                    ("i", |(a, _), _, _| i64::from(a)),
                    ("j", |(_, b), _, _| i64::from(b)),
                    ("_synaptic_pre", |(a, _), from, _| i64::from(a) + from),
                    ("_synaptic_post", |(_, b), _, to| i64::from(b) + to),
                ];
                for (var, index) in columns {
                    match group.array_mut(var) {
                        // The indices' own type: no column of doubles for a million candidates.
                        Some(ganglion_ir::interp::ArrayData::I32(a)) => {
                            for (d, &p) in a.as_mut_slice().iter_mut().zip(&pairs) {
                                *d = index(p, from, to) as i32;
                            }
                        }
                        Some(arr) => {
                            for (k, &p) in pairs.iter().enumerate() {
                                arr.set_f64(k, index(p, from, to) as f64);
                            }
                        }
                        None => {}
                    }
                }
                for (var, value) in [("N_pre", n_pre), ("N_post", n_post)] {
                    if let Some(a) = group.array_mut(var) {
                        a.fill_from_f64(&[value as f64]);
                    }
                }
                for k in &kernels {
                    self.rt
                        .execute(g, k, overrides.clone())
                        .map_err(Error::Usage)?;
                }
                let group = &self.rt.groups[g.0];
                let values: Vec<&ganglion_ir::interp::ArrayData> = outputs
                    .iter()
                    .map(|name| {
                        group
                            .array(name)
                            .expect("the scratch group has every output")
                    })
                    .collect();
                visit(start, n, &values);
                start += n;
            }
            Ok(())
        })();
        self.rt
            .groups
            .pop()
            .expect("the scratch group is the last one");
        result
    }

    /// `connect(j='k for k in range(low, high[, step]) if condition')`, `j='k for k in
    /// sample(low, high, p=...)'` or `j='expression of i'` (Brian2's generator syntax): the candidate
    /// targets of each `i`, then the condition and probability per pair. Targets outside the target
    /// group are an error, or skipped with `skip_if_invalid`.
    fn generate_pairs(
        &mut self,
        s: GroupHandle,
        text: &str,
        c: &Connect,
    ) -> Result<Vec<(u32, u32)>, Error> {
        let syn = self.groups[s.0]
            .synapses
            .as_ref()
            .expect("checked by the caller");
        let (n_pre, n_post) = (
            syn.source_range.1 - syn.source_range.0,
            syn.target_range.1 - syn.target_range.0,
        );
        let g = Generator::parse(text).map_err(|e| {
            Error::Usage(format!("connect: cannot read the generator `{text}`: {e}"))
        })?;
        let per_row = |k: usize| (k as u32, 0u32);
        // Candidate targets of each row.
        let mut candidates: Vec<(u32, i64)> = Vec::new();
        match &g.iteration {
            None => {
                let (e, _) = self.pair_expr(s, &g.element, "j")?;
                let v = self.eval_on_candidates(s, &[e], n_pre, &per_row)?;
                for (i, j) in v[0].iter().enumerate() {
                    candidates.push((i as u32, *j as i64));
                }
            }
            Some((var, bounds)) => {
                if g.element.trim() != var {
                    return Err(Error::Usage(format!(
                        "connect: the generator's element must be its variable `{var}` (not `{}`)",
                        g.element
                    )));
                }
                let mut exprs = Vec::new();
                for b in bounds {
                    exprs.push(self.pair_expr(s, b, "range bound")?.0);
                }
                let v = self.eval_on_candidates(s, &exprs, n_pre, &per_row)?;
                for i in 0..n_pre {
                    let (low, high, step) = match v.len() {
                        1 => (0, v[0][i] as i64, 1),
                        2 => (v[0][i] as i64, v[1][i] as i64, 1),
                        _ => (v[0][i] as i64, v[1][i] as i64, v[2][i] as i64),
                    };
                    if step == 0 {
                        return Err(Error::Usage("connect: a range step of 0".into()));
                    }
                    let mut k = low;
                    while (step > 0 && k < high) || (step < 0 && k > high) {
                        candidates.push((i as u32, k));
                        k += step;
                    }
                }
            }
        }
        let mut valid = Vec::with_capacity(candidates.len());
        for (i, j) in candidates {
            if j >= 0 && (j as usize) < n_post {
                valid.push((i, j as u32));
            } else if !c.skip_if_invalid {
                return Err(Error::Usage(format!(
                    "connect: neuron {i} would connect to {j}, outside the target's {n_post} neurons (Brian2's skip_if_invalid skips such pairs)"
                )));
            }
        }
        let condition = match (&g.condition, &g.iteration) {
            (Some(cond), Some((var, _))) => Some(replace_word(cond, var, "j")),
            (Some(cond), None) => Some(cond.clone()),
            (None, _) => None,
        };
        let p = g.p.as_deref().or(c.p.as_deref());
        if condition.is_none() && p.is_none() {
            return Ok(valid);
        }
        let keep = self.keep_expr(s, condition.as_deref(), p)?;
        self.candidates_where(s, keep, valid.len(), &|k| valid[k])
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
                    a.set_f64(old + k, f(i, j));
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
                clock_dt: Some(self.rt.clocks[entry.clock.0].dt),
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

/// Brian2's generator syntax for `connect(j=...)`: `ELEMENT for VAR in range(...)|sample(...) [if COND]`,
/// or a plain expression.
#[derive(Debug, PartialEq)]
struct Generator {
    element: String,
    /// The loop variable and the range's arguments (`stop`, `start, stop` or `start, stop, step`).
    iteration: Option<(String, Vec<String>)>,
    condition: Option<String>,
    /// `sample(..., p=...)`'s probability.
    p: Option<String>,
}

impl Generator {
    fn parse(text: &str) -> Result<Generator, String> {
        let Some((element, rest)) = split_word(text, "for") else {
            return Ok(Generator {
                element: text.trim().to_string(),
                iteration: None,
                condition: None,
                p: None,
            });
        };
        let (var, rest) = split_word(rest, "in").ok_or("expected `for VAR in ...`")?;
        let var = var.trim().to_string();
        let rest = rest.trim();
        let (func, after) = rest
            .split_once('(')
            .ok_or("expected `range(...)` or `sample(...)`")?;
        let close = matching_paren(after).ok_or("unbalanced parentheses")?;
        let args = split_args(&after[..close]);
        let tail = after[close + 1..].trim();
        let condition = match tail.strip_prefix("if") {
            Some(c) if c.starts_with(|ch: char| ch.is_whitespace() || ch == '(') => {
                Some(c.trim().to_string())
            }
            None if tail.is_empty() => None,
            _ => return Err(format!("unexpected `{tail}`")),
        };
        let (bounds, p) = match func.trim() {
            "range" => (args, None),
            "sample" => {
                let mut bounds = Vec::new();
                let mut p = None;
                for a in args {
                    match a.split_once('=') {
                        Some((k, v)) if k.trim() == "p" => p = Some(v.trim().to_string()),
                        Some((k, _)) => {
                            return Err(format!("`sample` has no argument `{}`", k.trim()));
                        }
                        None => bounds.push(a),
                    }
                }
                (bounds, Some(p.ok_or("`sample` needs `p=`")?))
            }
            other => {
                return Err(format!(
                    "`{other}` (the iterators are `range` and `sample`)"
                ));
            }
        };
        if bounds.is_empty() || bounds.len() > 3 {
            return Err("a range takes 1 to 3 arguments".into());
        }
        Ok(Generator {
            element: element.trim().to_string(),
            iteration: Some((var, bounds)),
            condition,
            p,
        })
    }
}

/// Splits at the first occurrence of `word` as a whole word, outside parentheses.
fn split_word<'t>(text: &'t str, word: &str) -> Option<(&'t str, &'t str)> {
    let bytes = text.as_bytes();
    let mut depth = 0i32;
    for (k, ch) in text.char_indices() {
        match ch {
            '(' => depth += 1,
            ')' => depth -= 1,
            _ => {}
        }
        if depth == 0 && text[k..].starts_with(word) {
            let before =
                k == 0 || !(bytes[k - 1] as char).is_alphanumeric() && bytes[k - 1] != b'_';
            let end = k + word.len();
            let after =
                end >= text.len() || !(bytes[end] as char).is_alphanumeric() && bytes[end] != b'_';
            if before && after {
                return Some((&text[..k], &text[end..]));
            }
        }
    }
    None
}

/// The index of the `)` closing an already opened parenthesis.
fn matching_paren(text: &str) -> Option<usize> {
    let mut depth = 1;
    for (k, ch) in text.char_indices() {
        match ch {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(k);
                }
            }
            _ => {}
        }
    }
    None
}

/// Arguments separated by top-level commas.
fn split_args(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0;
    let mut start = 0;
    for (k, ch) in text.char_indices() {
        match ch {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(text[start..k].trim().to_string());
                start = k + 1;
            }
            _ => {}
        }
    }
    if !text[start..].trim().is_empty() {
        out.push(text[start..].trim().to_string());
    }
    out
}

/// `text` with the whole word `from` replaced by `to`.
fn replace_word(text: &str, from: &str, to: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some((before, after)) = split_word(rest, from) {
        out.push_str(before);
        out.push_str(to);
        rest = after;
    }
    out.push_str(rest);
    out
}

/// A synaptic index column of a candidate pair (`i`, `j`, `_synaptic_pre`, `_synaptic_post`), given the
/// source's and the target's first neuron.
type IndexOf = fn((u32, u32), i64, i64) -> i64;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generators_are_read_as_brian2_writes_them() {
        let g = Generator::parse("k for k in range(i-3, i+4) if i != k").unwrap();
        assert_eq!(g.element, "k");
        assert_eq!(
            g.iteration,
            Some(("k".into(), vec!["i-3".into(), "i+4".into()]))
        );
        assert_eq!(g.condition.as_deref(), Some("i != k"));
        let g = Generator::parse("k for k in sample(N_post, p=0.1)").unwrap();
        assert_eq!(g.p.as_deref(), Some("0.1"));
        assert_eq!(Generator::parse("i + 1").unwrap().element, "i + 1");
        assert!(Generator::parse("k for k in zip(a)").is_err());
        assert_eq!(
            replace_word("i != k and kk > k", "k", "j"),
            "i != j and kk > j"
        );
    }
}

//! Making synapses from a checked `connect` call: explicit pairs, one-to-one, every pair drawn with a
//! constant probability by geometric jumps, or candidate pairs tested by kernels (a condition, an
//! expression probability, Brian2's generator syntax), a million candidates at a time.

use ganglion_ir::interp::ArrayData;
use ganglion_ir::{Extent, Type};
use ganglion_lower::StorageInfo;
use ganglion_model::connect::{ConnectSpec, Pattern, Probability, Targets};
use ganglion_model::{Namespace, TExpr, TKind, ValueType};
use ganglion_syntax::Span;
use ganglion_units::Dimension;

use super::{Driver, value_map};
use crate::error::{Error, UsageError};
use crate::handles::GroupHandle;

/// A synaptic index column of a candidate pair (`i`, `j`, `_synaptic_pre`, `_synaptic_post`), given the
/// source's and the target's first neuron.
type IndexOf = fn((u32, u32), i64, i64) -> i64;

impl Driver {
    /// Makes the synapses of a checked connect call (Brian2's `connect`); returns how many.
    pub(crate) fn connect(
        &mut self,
        s: GroupHandle,
        c: &ConnectSpec,
        namespace: &Namespace,
    ) -> Result<usize, Error> {
        let entry = self.entry(s);
        let Some(syn) = entry.synapses.as_ref() else {
            return Err(UsageError::NotSynapses {
                group: entry.name.clone(),
            }
            .into());
        };
        let (src, tgt) = (syn.link.source_range, syn.link.target_range);
        let (n_pre, n_post) = (src.1 - src.0, tgt.1 - tgt.0);
        let stream = syn.connects;
        // What the synapses made will need, refused before making them where it is known (and
        // checked as they are made where a condition decides).
        let budget = SynapseBudget::new(entry.model.variables.len());
        if let Some(count) = crate::memory::expected_synapses(
            &c.pattern,
            c.condition.is_some() && !c.condition_is_not_self(),
            c.p.as_ref(),
            c.n,
            n_pre,
            n_post,
        ) {
            budget.check(count)?;
        }
        let mut made = Made::new(self.owned_targets(s), c.n, n_pre, budget.max);
        match &c.pattern {
            Pattern::Pairs(i, j) => {
                for (&a, &b) in i.iter().zip(j) {
                    made.offer((a as u32, b as u32));
                }
            }
            Pattern::OneToOne => (0..n_pre as u32).for_each(|k| made.offer((k, k))),
            Pattern::Generator(targets) => {
                self.generate_pairs(s, targets, c, namespace, &budget, &mut |p| made.offer(p))?
            }
            Pattern::Grid => {
                let p_const = match &c.p {
                    None => Some(1.0),
                    Some(Probability::Constant(p)) => Some(*p),
                    Some(Probability::Expr(_)) => None,
                };
                let seed = self.sim.seed();
                match (&c.condition, p_const) {
                    (None, Some(p)) => random_pairs(
                        n_pre,
                        n_post,
                        p,
                        (seed, s.0 as u64, stream),
                        false,
                        &mut |p| made.offer(p),
                    ),
                    (Some(_), Some(p)) if c.condition_is_not_self() => random_pairs(
                        n_pre,
                        n_post,
                        p,
                        (seed, s.0 as u64, stream),
                        true,
                        &mut |p| made.offer(p),
                    ),
                    _ => {
                        let keep = keep_expr(c.condition.as_ref(), c.p.as_ref());
                        let pair = |k: usize| ((k / n_post) as u32, (k % n_post) as u32);
                        self.candidates_where(
                            s,
                            keep,
                            n_pre * n_post,
                            &pair,
                            namespace,
                            &mut |p| made.offer(p),
                        )?
                    }
                }
            }
        }
        // Past the budget, `Made` stops keeping pairs and counts them: refused here.
        budget.check(made.pairs.len() as f64 + made.dropped as f64)?;
        let count = made.total as usize;
        self.append_synapses(s, &made.pairs, made.distributed());
        if let Some(e) = self.groups[s.0].synapses.as_mut() {
            e.connects += 1;
        }
        Ok(count)
    }

    /// Where the network is distributed: the targets (relative to the target subgroup) whose neurons
    /// this process owns; a process holds the synapses onto them.
    fn owned_targets(&self, s: GroupHandle) -> Option<(u32, u32)> {
        let syn = self.entry(s).synapses.as_ref()?;
        let target = self.sim.group(self.entry(syn.link.target).id);
        let ganglion_runtime::Layout::Block(start, stop) = *target.layout() else {
            // (A target every process runs whole: the driver refuses synapses onto one.)
            return None;
        };
        let (a, b) = syn.link.target_range;
        let (lo, hi) = (start.clamp(a, b), stop.clamp(a, b));
        Some(((lo - a) as u32, (hi - a) as u32))
    }

    /// Values of expressions for `count` candidate pairs (`pair(k)`: `i`, `j` relative to the slices).
    fn eval_on_candidates(
        &mut self,
        s: GroupHandle,
        exprs: &[TExpr],
        count: usize,
        pair: &dyn Fn(usize) -> (u32, u32),
        namespace: &Namespace,
    ) -> Result<Vec<Vec<f64>>, Error> {
        let mut values: Vec<Vec<f64>> = vec![Vec::with_capacity(count); exprs.len()];
        self.eval_blocks(s, exprs, count, pair, namespace, &mut |_, n, outputs| {
            for (out, a) in values.iter_mut().zip(outputs) {
                out.extend((0..n).map(|k| a.get_f64(k)));
            }
        })?;
        Ok(values)
    }

    /// The candidates (`pair(k)`) for which a boolean expression holds, in order, handed to `keep`.
    fn candidates_where(
        &mut self,
        s: GroupHandle,
        keep: TExpr,
        count: usize,
        pair: &dyn Fn(usize) -> (u32, u32),
        namespace: &Namespace,
        kept: &mut dyn FnMut((u32, u32)),
    ) -> Result<(), Error> {
        self.eval_blocks(
            s,
            &[keep],
            count,
            pair,
            namespace,
            &mut |start, n, outputs| {
                if let Some(ArrayData::Bool(flags)) = outputs.first() {
                    flags.as_slice()[..n]
                        .iter()
                        .enumerate()
                        .filter(|(_, f)| **f)
                        .for_each(|(k, _)| kept(pair(start + k)));
                } else if let Some(a) = outputs.first() {
                    (0..n)
                        .filter(|&k| a.get_f64(k) != 0.0)
                        .for_each(|k| kept(pair(start + k)));
                }
            },
        )
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
        namespace: &Namespace,
        visit: &mut dyn FnMut(usize, usize, &[&ArrayData]),
    ) -> Result<(), Error> {
        let entry = &self.groups[s.0];
        let syn = entry.synapses.as_ref().expect("checked by the caller");
        let (src, tgt) = (syn.link.source_range, syn.link.target_range);
        let (n_pre, n_post) = (src.1 - src.0, tgt.1 - tgt.0);
        let mut storage = entry.storage.clone();
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
            .map(|(name, e)| {
                ganglion_lower::lower_assignment(&entry.model, &storage, name, e, None)
            })
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
        self.sync_externals(namespace);
        let block = 1usize << 20;
        // One scratch group for every block (its arrays sized for the largest), removed at the end.
        let g = self.sim.add_group(
            &format!("_connect_{}", s.0),
            block.min(count),
            &scratch_vars,
        )?;
        let result = (|| {
            let mut start = 0;
            while start < count {
                let n = block.min(count - start);
                let group = self.sim.group_mut(g);
                group.set_n(n);
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
                        Some(ArrayData::I32(a)) => {
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
                    self.sim.execute(g, k, overrides.clone())?;
                }
                let group = self.sim.group(g);
                let values: Vec<&ArrayData> = outputs
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
        self.sim.remove_last_group(g);
        result
    }

    /// Brian2's generator syntax (`j='k for k in range(low, high[, step]) if condition'`, `j='k for k
    /// in sample(low, high, p=...)'` or `j='expression of i'`): the candidate targets of each `i`, then
    /// the condition and probability per pair. Targets outside the target group are an error, or
    /// skipped with `skip_if_invalid`.
    fn generate_pairs(
        &mut self,
        s: GroupHandle,
        targets: &Targets,
        c: &ConnectSpec,
        namespace: &Namespace,
        budget: &SynapseBudget,
        kept: &mut dyn FnMut((u32, u32)),
    ) -> Result<(), Error> {
        let syn = self.groups[s.0].synapses.as_ref().expect("synapses");
        let n_pre = syn.link.source_range.1 - syn.link.source_range.0;
        let n_post = syn.link.target_range.1 - syn.link.target_range.0;
        let per_row = |k: usize| (k as u32, 0u32);
        // Candidate targets of each row.
        let mut candidates: Vec<(u32, i64)> = Vec::new();
        match targets {
            Targets::Expr(e) => {
                let v = self.eval_on_candidates(
                    s,
                    std::slice::from_ref(e),
                    n_pre,
                    &per_row,
                    namespace,
                )?;
                for (i, j) in v[0].iter().enumerate() {
                    candidates.push((i as u32, *j as i64));
                }
            }
            Targets::Range(bounds) => {
                let v = self.eval_on_candidates(s, bounds, n_pre, &per_row, namespace)?;
                for i in 0..n_pre {
                    let (low, high, step) = match v.len() {
                        1 => (0, v[0][i] as i64, 1),
                        2 => (v[0][i] as i64, v[1][i] as i64, 1),
                        _ => (v[0][i] as i64, v[1][i] as i64, v[2][i] as i64),
                    };
                    if step == 0 {
                        return Err(UsageError::ZeroStep.into());
                    }
                    let row = if step > 0 {
                        (high.saturating_sub(low) as f64 / step as f64).ceil()
                    } else {
                        (low.saturating_sub(high) as f64 / -(step as f64)).ceil()
                    };
                    budget.check(candidates.len() as f64 + row.max(0.0))?;
                    let mut k = low;
                    while (step > 0 && k < high) || (step < 0 && k > high) {
                        candidates.push((i as u32, k));
                        k += step;
                    }
                }
            }
        }
        // Brian2 checks an `if` that depends on `i` alone before generating a row's targets, so a row
        // it rules out has no targets to check.
        let row_condition = c.condition.as_ref().filter(|e| depends_on_source_only(e));
        let mut rows_kept: Option<Vec<f64>> = None;
        let mut valid = Vec::with_capacity(candidates.len());
        for (i, j) in candidates {
            if j >= 0 && (j as usize) < n_post {
                valid.push((i, j as u32));
                continue;
            }
            if c.skip_if_invalid {
                continue;
            }
            if let Some(e) = row_condition {
                if rows_kept.is_none() {
                    let cond = std::slice::from_ref(e);
                    let v = self.eval_on_candidates(s, cond, n_pre, &per_row, namespace)?;
                    rows_kept = v.into_iter().next();
                }
                if rows_kept.as_ref().is_some_and(|r| r[i as usize] == 0.0) {
                    continue;
                }
            }
            return Err(UsageError::ConnectTarget { i, j, n: n_post }.into());
        }
        if c.condition.is_none() && c.p.is_none() {
            valid.into_iter().for_each(kept);
            return Ok(());
        }
        let keep = keep_expr(c.condition.as_ref(), c.p.as_ref());
        self.candidates_where(s, keep, valid.len(), &|k| valid[k], namespace, kept)
    }
}

/// Whether a connect condition reads only the presynaptic side (`i`, `N_pre`, `N_post`, `x_pre`), so
/// that it holds or fails for a whole row of candidates.
fn depends_on_source_only(condition: &TExpr) -> bool {
    !condition.is_stateful()
        && condition
            .variables()
            .iter()
            .all(|v| matches!(*v, "i" | "N_pre" | "N_post") || v.ends_with("_pre"))
}

/// `condition and rand() < p` as one boolean expression of a pair.
fn keep_expr(condition: Option<&TExpr>, p: Option<&Probability>) -> TExpr {
    let texpr = |kind, ty| TExpr {
        kind,
        ty,
        dim: Dimension::DIMENSIONLESS,
        span: Span::default(),
    };
    let mut keep = condition
        .cloned()
        .unwrap_or_else(|| texpr(TKind::Bool(true), ValueType::Bool));
    if let Some(p) = p {
        let p = match p {
            Probability::Expr(e) => e.clone(),
            Probability::Constant(x) => texpr(TKind::Float(*x), ValueType::Float),
        };
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
    keep
}

/// How many synapses a connect call may make: what [`memory_limit`](crate::memory::memory_limit)
/// leaves for synapses of this kind.
pub(crate) struct SynapseBudget {
    /// The most synapses.
    max: usize,
    /// Bytes of one synapse.
    bytes_per_synapse: f64,
    /// The limit, when known.
    limit: Option<u64>,
}

impl SynapseBudget {
    /// The budget of synapses with `variables` variables.
    fn new(variables: usize) -> SynapseBudget {
        let bytes_per_synapse =
            (variables as f64 + crate::memory::EXTRA_PER_SYNAPSE) * crate::memory::VALUE_BYTES;
        let limit = crate::memory::memory_limit();
        let max = limit.map_or(usize::MAX, |l| (l as f64 / bytes_per_synapse) as usize);
        SynapseBudget {
            max,
            bytes_per_synapse,
            limit,
        }
    }

    /// Refuses `count` synapses if they do not fit.
    fn check(&self, count: f64) -> Result<(), Error> {
        match self.limit {
            Some(limit) if count > self.max as f64 => {
                let bytes = (count * self.bytes_per_synapse) as u64;
                Err(UsageError::TooLarge {
                    what: format!("connect ({count:.0} synapses)"),
                    bytes,
                    total: bytes,
                    limit,
                }
                .into())
            }
            _ => Ok(()),
        }
    }
}

/// Pairs chosen independently with probability `p` (skipping `i == j` when asked), in row order, by
/// geometric jumps: the number of candidates skipped before the next success is drawn directly, so
/// sparse connectivity costs time in proportion to the synapses made, not to the pairs.
fn random_pairs(
    n_pre: usize,
    n_post: usize,
    p: f64,
    (seed, object, call): (u64, u64, u64),
    no_self: bool,
    out: &mut dyn FnMut((u32, u32)),
) {
    use ganglion_ir::random;
    if p <= 0.0 {
        return;
    }
    let key = random::key(
        seed,
        ganglion_ir::stream_id(&format!("connect:{object}:{call}")),
    );
    for i in 0..n_pre {
        if p >= 1.0 {
            (0..n_post)
                .filter(|&j| !(no_self && j == i))
                .for_each(|j| out((i as u32, j as u32)));
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
            out((i as u32, j as u32));
        }
    }
}

/// The synapses a connect call makes, as one process makes them: each pair `n` times, numbered in
/// order. Where the network is distributed, only those onto the targets this process owns are kept
/// (with their numbers), and each source's synapses are counted over all. Beyond `max` kept synapses
/// (the memory budget) pairs are counted in `dropped`, not kept: the call is refused after.
struct Made {
    owned: Option<(u32, u32)>,
    n: usize,
    max: usize,
    dropped: u64,
    pairs: Vec<(u32, u32)>,
    numbers: Vec<u64>,
    total: u64,
    outgoing: Vec<u32>,
}

impl Made {
    fn new(owned: Option<(u32, u32)>, n: usize, n_pre: usize, max: usize) -> Made {
        Made {
            owned,
            n,
            max,
            dropped: 0,
            pairs: Vec::new(),
            numbers: Vec::new(),
            total: 0,
            outgoing: if owned.is_some() {
                vec![0; n_pre]
            } else {
                Vec::new()
            },
        }
    }

    fn offer(&mut self, (i, j): (u32, u32)) {
        if self.pairs.len() >= self.max {
            self.dropped += self.n as u64;
            return;
        }
        match self.owned {
            None => {
                self.pairs.extend(std::iter::repeat_n((i, j), self.n));
                self.total += self.n as u64;
            }
            Some((lo, hi)) => {
                if let Some(c) = self.outgoing.get_mut(i as usize) {
                    *c += self.n as u32;
                }
                let keep = (lo..hi).contains(&j);
                for _ in 0..self.n {
                    if keep {
                        self.pairs.push((i, j));
                        self.numbers.push(self.total);
                    }
                    self.total += 1;
                }
            }
        }
    }

    /// For a distributed network: the numbers of the synapses kept (within this call), how many the
    /// call made in all, and each source's count.
    fn distributed(&self) -> Option<(&[u64], u64, &[u32])> {
        self.owned.map(|_| {
            (
                self.numbers.as_slice(),
                self.total,
                self.outgoing.as_slice(),
            )
        })
    }
}

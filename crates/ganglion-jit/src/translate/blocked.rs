//! The blocked loop: `exp`, `expm1` and `exprel` on a block of neurons at once, in Rust compiled for the
//! machine's widest vectors (`ganglion_ir::math::host`, called through the helpers of `abi`), where
//! Cranelift emits two lanes.
//!
//! The vector block is cut into phases at those calls: phase 0 computes what needs no such call and the
//! arguments of the first calls, which are stored for the whole block; after the phase has run over the
//! block, the helper computes the calls' results for the whole block; phase 1 reads them, and so on. A
//! value one phase computes and a later one reads is kept in the block's scratch memory in between. The
//! instructions of the vector block that do not depend on the neuron run once, before the loop. Every
//! instruction still runs once per neuron, loads and stores of an array keep their order, and events are
//! emitted in neuron order (all of one event in one phase), so the results are the two-neuron loop's, bit
//! for bit: the helpers compute the very functions the inline sequences compute. The neurons after the
//! last whole block go through the two-neuron loop.

use std::collections::{HashMap, HashSet};

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{Block, BlockArg, InstBuilder, StackSlotData, StackSlotKind, types};
use ganglion_ir::math::SliceFn;
use ganglion_ir::{ArrayId, Block as IrBlock, Builtin, Inst, Op, Type, ValueId};

use super::{Translator, V, flags, packed_type};

/// Neurons per block: enough that the helper calls cost little per neuron, few enough that the
/// block's scratch memory stays in the first-level cache.
pub(crate) const BLOCK: usize = 64;

/// How a kernel's vector block runs in the blocked loop.
pub(super) struct Plan {
    /// The phase of each top-level instruction of the vector block; `None` for those that do not
    /// depend on the neuron, run once before the loop.
    phase: Vec<Option<usize>>,
    /// How many phases.
    phases: usize,
    /// The calls computed for the whole block, by their result.
    calls: HashMap<ValueId, Batched>,
    /// For each phase, the values it reads from the scratch memory: (value, slot, type).
    reads: Vec<Vec<(ValueId, usize, Type)>>,
    /// For each phase, the values it writes there for later phases.
    writes: Vec<Vec<(ValueId, usize, Type)>>,
    /// Slots of the scratch memory (`BLOCK` values of 8 bytes each).
    slots: usize,
}

/// A call computed for a whole block by a helper.
struct Batched {
    f: SliceFn,
    arg: ValueId,
    /// The phase that computes its argument (its result is read from the next on).
    phase: usize,
    /// The slots of its arguments and results.
    input: usize,
    output: usize,
}

/// The function a call computes for a whole block, if it is one the blocked loop batches.
fn slice_fn(f: Builtin) -> Option<SliceFn> {
    match f {
        Builtin::Exp => Some(SliceFn::Exp),
        Builtin::Expm1 => Some(SliceFn::Expm1),
        Builtin::Exprel => Some(SliceFn::Exprel),
        _ => None,
    }
}

/// The helper's symbol.
pub(crate) fn symbol(f: SliceFn) -> &'static str {
    match f {
        SliceFn::Exp => "g_exp_block",
        SliceFn::Expm1 => "g_expm1_block",
        SliceFn::Exprel => "g_exprel_block",
    }
}

/// What a top-level instruction reads: its operands and, for an `If` block, every value its body reads
/// that the body does not define.
fn reads(inst: &Inst) -> Vec<ValueId> {
    let mut r = inst.op.operands();
    if let Op::If(_, body) = &inst.op {
        let mut defined = HashSet::new();
        body.walk(&mut |i: &Inst| {
            r.extend(i.op.operands().into_iter().filter(|v| !defined.contains(v)));
            if let Some(d) = i.result {
                defined.insert(d);
            }
        });
    }
    r.sort();
    r.dedup();
    r
}

/// The arrays an instruction (with its body) loads and stores, and whether it has an effect (a store,
/// an event, an `If` block).
fn accesses(inst: &Inst) -> (Vec<ArrayId>, Vec<ArrayId>, bool) {
    let (mut loads, mut stores) = (Vec::new(), Vec::new());
    let mut one = |i: &Inst| match &i.op {
        Op::Load(a, _) => loads.push(*a),
        Op::Store(a, _, _) => stores.push(*a),
        _ => {}
    };
    match &inst.op {
        Op::If(_, body) => body.walk(&mut one),
        _ => one(inst),
    }
    let effect = matches!(inst.op, Op::Store(..) | Op::Emit(..) | Op::If(..));
    (loads, stores, effect)
}

impl Translator<'_, '_> {
    /// The plan of the blocked loop, where the machine has wider vectors than two lanes, the kernel calls
    /// `exp`, `expm1` or `exprel` on values that differ between neurons, and every value that crosses
    /// phases can be kept packed (f64, i64, bool).
    pub(super) fn blocked_plan(&self) -> Option<Plan> {
        if !self.fma || !crate::abi::wide_host_math() {
            return None;
        }
        let insts = &self.kernel.vector.insts;
        let n = insts.len();
        // Where each top-level value is defined; which vary between neurons; which are defined in
        // `If` bodies (read only there).
        let mut top: HashMap<ValueId, usize> = HashMap::new();
        let mut varying: HashSet<ValueId> = HashSet::new();
        let mut nested: HashSet<ValueId> = HashSet::new();
        let mut once = vec![false; n];
        for (x, inst) in insts.iter().enumerate() {
            if let Op::If(_, body) = &inst.op {
                body.walk(&mut |i: &Inst| nested.extend(i.result));
            }
            let Some(r) = inst.result else { continue };
            top.insert(r, x);
            let varies = match &inst.op {
                Op::Load(..) | Op::NeuronIndex | Op::Random { .. } | Op::Binomial { .. } => true,
                op => op.operands().iter().any(|o| varying.contains(o)),
            };
            if varies || !inst.op.is_pure() {
                varying.insert(r);
            } else {
                once[x] = true;
            }
        }
        let batched = |x: usize| -> Option<SliceFn> {
            let inst = &insts[x];
            match &inst.op {
                Op::Call(f, args)
                    if !once[x]
                        && inst.ty == Type::F64
                        && args.len() == 1
                        && self.value_types.get(&args[0]) == Some(&Type::F64) =>
                {
                    slice_fn(*f)
                }
                _ => None,
            }
        };
        if !(0..n).any(|x| batched(x).is_some()) {
            return None;
        }
        // Phases: an instruction runs in the first phase where what it reads is available, and after
        // the accesses before it that it must follow.
        let mut phase: Vec<Option<usize>> = vec![None; n];
        let mut available: HashMap<ValueId, usize> = HashMap::new();
        let (mut last_load, mut last_store) = (HashMap::new(), HashMap::new());
        let mut last_effect = 0;
        for (x, inst) in insts.iter().enumerate() {
            if once[x] {
                continue;
            }
            let r = reads(inst);
            if r.iter().any(|v| nested.contains(v)) {
                return None;
            }
            let mut p = r
                .iter()
                .filter_map(|v| available.get(v))
                .copied()
                .max()
                .unwrap_or(0);
            let (loads, stores, effect) = accesses(inst);
            for a in &loads {
                p = p.max(last_store.get(a).copied().unwrap_or(0));
            }
            for a in &stores {
                p = p.max(last_load.get(a).copied().unwrap_or(0));
                p = p.max(last_store.get(a).copied().unwrap_or(0));
            }
            if effect {
                p = p.max(last_effect);
                last_effect = p;
            }
            for a in loads {
                let l = last_load.entry(a).or_insert(0);
                *l = (*l).max(p);
            }
            for a in stores {
                last_store.insert(a, p);
            }
            phase[x] = Some(p);
            if let Some(d) = inst.result {
                available.insert(d, if batched(x).is_some() { p + 1 } else { p });
            }
        }
        let phases = phase.iter().flatten().max().map_or(1, |p| p + 1);
        // The scratch memory: each batched call's arguments and results, and each value read in a later
        // phase than its own.
        let mut slots = 0;
        let mut calls = HashMap::new();
        for (x, inst) in insts.iter().enumerate() {
            if let (Some(f), Some(p), Some(r)) = (batched(x), phase[x], inst.result) {
                let Op::Call(_, args) = &inst.op else {
                    unreachable!("a batched call")
                };
                calls.insert(
                    r,
                    Batched {
                        f,
                        arg: args[0],
                        phase: p,
                        input: slots,
                        output: slots + 1,
                    },
                );
                slots += 2;
            }
        }
        let mut reads_of = vec![Vec::new(); phases];
        let mut writes_of = vec![Vec::new(); phases];
        let mut spilled: HashMap<ValueId, usize> = HashMap::new();
        for (x, inst) in insts.iter().enumerate() {
            let Some(q) = phase[x] else { continue };
            for v in reads(inst) {
                let Some(&d) = top.get(&v) else { continue };
                let Some(pd) = phase[d] else { continue };
                if let Some(c) = calls.get(&v) {
                    reads_of[q].push((v, c.output, Type::F64));
                } else if pd < q {
                    let ty = self.value_types[&v];
                    if !matches!(ty, Type::F64 | Type::I64 | Type::Bool) {
                        return None;
                    }
                    let slot = *spilled.entry(v).or_insert_with(|| {
                        slots += 1;
                        writes_of[pd].push((v, slots - 1, ty));
                        slots - 1
                    });
                    reads_of[q].push((v, slot, ty));
                }
            }
        }
        for r in &mut reads_of {
            r.sort_by_key(|(v, ..)| *v);
            r.dedup();
        }
        Some(Plan {
            phase,
            phases,
            calls,
            reads: reads_of,
            writes: writes_of,
            slots,
        })
    }

    /// Translates the instructions run once before the blocked loop (after which the caller splats the
    /// uniform values the loops read).
    pub(super) fn blocked_prelude(&mut self, plan: &Plan) {
        for (x, inst) in self.kernel.vector.insts.iter().enumerate() {
            if plan.phase[x].is_none() {
                self.inst(inst);
            }
        }
    }

    /// The blocked loop over whole blocks from neuron 0, which leaves for `wide_header` with the first
    /// neuron it did not run. Branches there from the current block when there is no whole block, and
    /// ends in a new current block (where the caller continues) that the entry reaches without
    /// entering the loop.
    pub(super) fn blocked_loop(
        &mut self,
        plan: &Plan,
        len: cranelift_codegen::ir::Value,
        wide: Block,
    ) {
        let k = self.kernel;
        let entry_vals = self.vals.clone();
        let entry_splats = self.splats.clone();
        let bytes = (BLOCK * 8) as i32;
        let slot = self.b.create_sized_stack_slot(StackSlotData::new(
            StackSlotKind::ExplicitSlot,
            (plan.slots * BLOCK * 8) as u32,
            6,
        ));
        let scratch = self.b.ins().stack_addr(types::I64, slot, 0);
        let header = self.b.create_block();
        self.b.append_block_param(header, types::I64);
        let body = self.b.create_block();
        let bypass = self.b.create_block();
        let zero = self.b.ins().iconst(types::I64, 0);
        let whole = self.b.ins().iconst(types::I64, BLOCK as i64);
        let some = self.b.ins().icmp(IntCC::SignedLessThanOrEqual, whole, len);
        self.b
            .ins()
            .brif(some, header, &[BlockArg::Value(zero)], bypass, &[]);
        self.b.switch_to_block(header);
        let start = self.b.block_params(header)[0];
        // `start + BLOCK <= len` (see the two-neuron loop's test).
        let last = self.b.ins().iadd_imm_s(len, 1 - BLOCK as i64);
        let fits = self.b.ins().icmp(IntCC::SignedLessThan, start, last);
        self.b
            .ins()
            .brif(fits, body, &[], wide, &[BlockArg::Value(start)]);
        self.b.switch_to_block(body);
        self.batched = plan
            .calls
            .iter()
            .map(|(r, c)| (*r, (c.arg, c.input as i32 * bytes)))
            .collect();
        for p in 0..plan.phases {
            let insts: Vec<Inst> = k
                .vector
                .insts
                .iter()
                .zip(&plan.phase)
                .filter(|(_, q)| **q == Some(p))
                .map(|(i, _)| i.clone())
                .collect();
            let phase_header = self.b.create_block();
            self.b.append_block_param(phase_header, types::I64);
            let phase_body = self.b.create_block();
            let phase_exit = self.b.create_block();
            let zero = self.b.ins().iconst(types::I64, 0);
            self.b.ins().jump(phase_header, &[BlockArg::Value(zero)]);
            self.b.switch_to_block(phase_header);
            let j = self.b.block_params(phase_header)[0];
            let more = self
                .b
                .ins()
                .icmp_imm_s(IntCC::SignedLessThan, j, BLOCK as i64);
            self.b.ins().brif(more, phase_body, &[], phase_exit, &[]);
            self.b.switch_to_block(phase_body);
            self.vals = entry_vals.clone();
            self.splats = entry_splats.clone();
            self.index = self.b.ins().iadd(start, j);
            let off = self.b.ins().ishl_imm_s(j, 3);
            let at = self.b.ins().iadd(scratch, off);
            self.scratch_at = Some(at);
            for &(v, s, ty) in &plan.reads[p] {
                let x = self
                    .b
                    .ins()
                    .load(packed_type(ty), flags(), at, s as i32 * bytes);
                self.vals.insert(v, V::Packed(x));
            }
            self.enter_loop_body();
            self.block(&IrBlock { insts });
            for &(v, s, ty) in &plan.writes[p] {
                let x = self.packed(v, ty);
                self.b.ins().store(flags(), x, at, s as i32 * bytes);
            }
            let next = self.b.ins().iadd_imm_s(j, 2);
            self.b.ins().jump(phase_header, &[BlockArg::Value(next)]);
            self.b.switch_to_block(phase_exit);
            let mut calls: Vec<&Batched> = plan.calls.values().filter(|c| c.phase == p).collect();
            calls.sort_by_key(|c| c.input);
            for c in calls {
                let input = self
                    .b
                    .ins()
                    .iadd_imm_s(scratch, c.input as i64 * bytes as i64);
                let output = self
                    .b
                    .ins()
                    .iadd_imm_s(scratch, c.output as i64 * bytes as i64);
                let n = self.b.ins().iconst(types::I64, BLOCK as i64);
                let f = self.func(symbol(c.f), &[types::I64; 3], None);
                self.b.ins().call(f, &[input, output, n]);
            }
        }
        self.batched.clear();
        self.scratch_at = None;
        self.uniform_base = None;
        self.splats = entry_splats;
        let next = self.b.ins().iadd_imm_s(start, BLOCK as i64);
        self.b.ins().jump(header, &[BlockArg::Value(next)]);
        self.b.switch_to_block(bypass);
    }

    /// A call the blocked loop computes for the whole block: stores its argument in the scratch memory
    /// (its result is read there by the next phases). Returns whether `inst` was one.
    pub(super) fn batched_call(&mut self, inst: &Inst) -> bool {
        let Some(&(arg, offset)) = inst.result.and_then(|r| self.batched.get(&r)) else {
            return false;
        };
        let x = self.packed(arg, Type::F64);
        let at = self.scratch_at.expect("inside the blocked loop");
        self.b.ins().store(flags(), x, at, offset);
        true
    }
}

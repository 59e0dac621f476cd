//! Control: emitted events and `If` blocks, both rare in the wide loop (tested on all lanes at once,
//! then handled lane by lane).

use cranelift_codegen::ir::{Block, InstBuilder, types};
use ganglion_ir::{Block as IrBlock, Inst, Op, Type, ValueId};

use super::{Translator, flags};

impl Translator<'_, '_> {
    /// Appends the neuron's index to event buffer `e` where `c` holds.
    pub(super) fn emit(&mut self, e: usize, c: ValueId) {
        // In the wide loop, events are rare: test all lanes at once and append lane by lane only
        // when some lane has the event.
        let after = (self.current_lanes().len() > 1).then(|| self.when_any_lane(c));
        self.emit_lanes(e, c);
        if let Some(after) = after {
            self.b.ins().jump(after, &[]);
            self.b.switch_to_block(after);
        }
    }

    /// The lane-by-lane part of [`Translator::emit`].
    fn emit_lanes(&mut self, e: usize, c: ValueId) {
        let cv = self.vals[&c].clone();
        for k in self.current_lanes() {
            let cond = self.lane_of(&cv, k, Type::Bool);
            let count = self.b.use_var(self.counts[e]);
            let off = self.b.ins().imul_imm_s(count, 4);
            let addr = self.b.ins().iadd(self.events[e], off);
            let i = self.neuron_index(k);
            let i32v = self.b.ins().ireduce(types::I32, i);
            self.b.ins().store(flags(), i32v, addr, 0);
            let inc = self.b.ins().uextend(types::I64, cond);
            let next = self.b.ins().iadd(count, inc);
            self.b.def_var(self.counts[e], next);
        }
    }

    /// How many instructions from the first of `insts` are events and `If` blocks of one condition (a
    /// spike's event and its reset), which the wide loop tests once: 0 outside the wide loop.
    pub(super) fn rare_run_len(&self, insts: &[Inst]) -> usize {
        let cond = |i: &Inst| match &i.op {
            Op::Emit(_, c) | Op::If(c, _) => Some(*c),
            _ => None,
        };
        if self.lanes() == 1 {
            return 0;
        }
        let Some(c) = insts.first().and_then(cond) else {
            return 0;
        };
        insts.iter().take_while(|i| cond(i) == Some(c)).count()
    }

    /// Events and `If` blocks of one condition ([`Translator::rare_run_len`]) behind one test of their
    /// condition on all lanes, each then run lane by lane as alone.
    pub(super) fn rare_run(&mut self, insts: &[Inst]) {
        let Some(Op::Emit(_, c) | Op::If(c, _)) = insts.first().map(|i| &i.op) else {
            unreachable!("a run of events and `If` blocks");
        };
        let after = self.when_any_lane(*c);
        for inst in insts {
            match &inst.op {
                Op::Emit(e, c) => self.emit_lanes(e.0 as usize, *c),
                Op::If(c, body) => self.if_lanes(*c, body),
                op => unreachable!("not an event or an `If` block: {op:?}"),
            }
        }
        self.b.ins().jump(after, &[]);
        self.b.switch_to_block(after);
    }

    /// Runs `body` where `c` holds.
    pub(super) fn if_block(&mut self, c: ValueId, body: &IrBlock) {
        if self.lanes() == 1 {
            let cond = self.scalar(c, Type::Bool);
            let then = self.b.create_block();
            let after = self.b.create_block();
            self.b.ins().brif(cond, then, &[], after, &[]);
            self.b.switch_to_block(then);
            self.block(body);
            self.b.ins().jump(after, &[]);
            self.b.switch_to_block(after);
        } else {
            // Rare path: test whether any lane needs the body, then run it lane by lane.
            let after = self.when_any_lane(c);
            self.if_lanes(c, body);
            self.b.ins().jump(after, &[]);
            self.b.switch_to_block(after);
        }
    }

    /// The lane-by-lane part of [`Translator::if_block`] in the wide loop.
    fn if_lanes(&mut self, c: ValueId, body: &IrBlock) {
        let cv = self.vals[&c].clone();
        for k in 0..self.width {
            let cond = self.lane_of(&cv, k, Type::Bool);
            let then = self.b.create_block();
            let next = self.b.create_block();
            self.b.ins().brif(cond, then, &[], next, &[]);
            self.b.switch_to_block(then);
            self.lane = Some(k);
            self.block(body);
            self.lane = None;
            self.b.ins().jump(next, &[]);
            self.b.switch_to_block(next);
        }
    }

    /// Branches on whether `c` holds in any lane: continues in a new block where it does, and returns
    /// the block where both paths meet (not yet switched to).
    fn when_any_lane(&mut self, c: ValueId) -> Block {
        let mask = self.packed(c, Type::Bool);
        let any = self.b.ins().vany_true(mask);
        let some = self.b.create_block();
        let after = self.b.create_block();
        self.b.ins().brif(any, some, &[], after, &[]);
        self.b.switch_to_block(some);
        after
    }
}

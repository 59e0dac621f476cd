//! One kernel → one Cranelift function `fn(ctx: *const CallCtx)` (the context is [`crate::abi::CallCtx`]).
//!
//! The vector block is translated twice: once two neurons wide (f64x2 lanes), for the main loop, and
//! once one neuron wide, for the tail (and for kernels that iterate over event buffers or use
//! single-precision values). Values are uniform (the same for every lane: setup and scalar code, and
//! what depends only on them), packed vectors, or one scalar per lane; an operation Cranelift can do on
//! packed lanes is done so, any other lane by lane. `If` bodies — rare paths such as a reset after a
//! spike — run lane by lane behind a test that any lane needs them.
//!
//! By what the instructions do: `lanes.rs` (values across lanes), `memory.rs` (the call's context,
//! loads and stores), `arith.rs` (operators, comparisons, selects, casts), `calls.rs` (built-in
//! functions, random draws, matrix exponentials), `control.rs` (events and `If` blocks).

mod arith;
mod blocked;
mod calls;
mod control;
mod lanes;
mod memory;

use std::collections::HashMap;

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{
    AbiParam, BlockArg, Endianness, FuncRef, InstBuilder, MemFlagsData, Signature, StackSlot,
    StackSlotData, StackSlotKind, Type as CType, Value, types,
};
use cranelift_frontend::{FunctionBuilder, Variable};
use cranelift_jit::JITModule;
use cranelift_module::{Linkage, Module};
use ganglion_ir::{Block as IrBlock, Domain, Extent, Index, Inst, Kernel, Op, Type, ValueId};

use crate::abi::offsets;

/// A value of the kernel during translation.
#[derive(Clone, Debug)]
enum V {
    /// The same for every lane (or the only lane).
    Uniform(Value),
    /// Packed lanes (f64x2, i64x2; booleans as i64x2 masks).
    Packed(Value),
    /// One scalar per lane.
    Lanes(Vec<Value>),
}

fn flags() -> MemFlagsData {
    MemFlagsData::trusted()
}

/// The Cranelift type of an IR scalar type (booleans are `i8` 0/1).
pub(crate) fn ctype(t: Type) -> CType {
    match t {
        Type::Bool => types::I8,
        Type::I32 => types::I32,
        Type::I64 => types::I64,
        Type::F32 => types::F32,
        Type::F64 => types::F64,
        Type::F64List(_) => types::I64,
    }
}

/// The vector type of a packed value in the two-lane loop. `f32` lanes ride in the low half of an
/// `f32x4` (loaded and stored 8 bytes at a time), so that they mix with `f64x2` lanes without shuffles.
fn packed_type(t: Type) -> CType {
    match t {
        Type::F64 => types::F64X2,
        Type::F32 => types::F32X4,
        _ => types::I64X2,
    }
}

/// Types whose values the two-lane loop keeps packed (others are held lane by lane).
fn packable(t: Type) -> bool {
    matches!(t, Type::F64 | Type::F32 | Type::I64 | Type::Bool)
}

/// Flags for bitcasts between vector types with different lane counts.
fn lanes_flags() -> MemFlagsData {
    MemFlagsData::new().with_endianness(Endianness::Little)
}

fn elem_size(t: Type) -> i64 {
    match t {
        Type::Bool => 1,
        Type::I32 | Type::F32 => 4,
        _ => 8,
    }
}

/// Whether the vector block can run two neurons per iteration.
pub(crate) fn vectorizable(k: &Kernel) -> bool {
    if k.domain != Domain::Neurons {
        return false;
    }
    let mut ok = true;
    k.vector.walk(&mut |i: &Inst| {
        ok &= !matches!(i.ty, Type::F64List(_));
        // A store to a shared element (or at a computed index, which two lanes may share) must be seen by
        // the next neuron's loads, in neuron order.
        ok &= !matches!(i.op, Op::Store(_, Index::Shared | Index::At(_), _));
    });
    ok
}

/// How many uniform values the wide loops keep splatted in registers; above that, they read each splat
/// from memory where they use it (x86-64 has 16 vector registers, and the loops need some for their own
/// values).
const SPLATS_IN_REGISTERS: usize = 10;

/// Whether the vector block calls a function the JIT emits as an inline sequence (`exp`, `expm1`,
/// `exprel`), whose constants come from the pool.
fn uses_sequences(k: &Kernel) -> bool {
    let mut found = false;
    k.vector.walk(&mut |i: &Inst| {
        if let Op::Call(f, _) = i.op {
            found |= f.info().lowering == ganglion_ir::builtins::Lowering::Sequence;
        }
    });
    found
}

pub(crate) struct Translator<'a, 'f> {
    pub(crate) b: FunctionBuilder<'f>,
    module: &'a mut JITModule,
    kernel: &'a Kernel,
    funcs: HashMap<String, FuncRef>,
    vals: HashMap<ValueId, V>,
    ctx: Value,
    arrays: Vec<Value>,
    /// Array lengths (elements), for accesses at computed indices.
    lens: Vec<Value>,
    events: Vec<Value>,
    counts: Vec<Variable>,
    width: usize,
    /// Inside an `If` body of the wide loop: the lane being processed.
    lane: Option<usize>,
    /// The index of the first neuron of the current iteration (i64), relative to the call's range.
    index: Value,
    /// The index of the call's first neuron (nonzero when a group is run in ranges on several threads;
    /// arrays are then passed from that neuron on): added where the neuron's identity matters (`i`,
    /// random draws, events), not where memory is addressed.
    first: Value,
    splats: HashMap<(ValueId, CType), Value>,
    value_types: HashMap<ValueId, Type>,
    in_scalar_code: bool,
    /// The lane `scalar` reads while an operation is done lane by lane.
    cur: usize,
    /// Vector constants of the inline math functions.
    pool: crate::math::ConstPool,
    /// Whether `exp`, `expm1` and `exprel` are emitted inline (they need fused multiply-add).
    fma: bool,
    /// In the blocked loop: the calls computed for the whole block, by result: their argument and
    /// where it goes, from `scratch_at` (`blocked.rs`).
    batched: HashMap<ValueId, (ValueId, i32)>,
    /// In the blocked loop: the scratch memory's address for the current pair of neurons.
    scratch_at: Option<Value>,
    /// The address of the stack slot where the entry stores the splats of the uniform values the loops
    /// read, and each one's offset there: the loops read them where used (as memory operands), so that they take no
    /// register through the loops (there are often more than registers).
    uniform_offsets: HashMap<(ValueId, CType), i32>,
    /// A stack slot holding that slot's address, which each loop body loads again
    /// ([`Translator::enter_loop_body`]): the splats, read from that address where used, then depend on
    /// the loop and are neither hoisted out of it (where they would stay live) nor kept in registers.
    uniform_home: Option<StackSlot>,
    /// The splats' address in the current loop body.
    uniform_base: Option<Value>,
}

impl<'a, 'f> Translator<'a, 'f> {
    pub(crate) fn new(
        b: FunctionBuilder<'f>,
        module: &'a mut JITModule,
        kernel: &'a Kernel,
    ) -> Self {
        Translator {
            b,
            module,
            kernel,
            funcs: HashMap::new(),
            vals: HashMap::new(),
            ctx: Value::from_u32(0),
            arrays: Vec::new(),
            lens: Vec::new(),
            events: Vec::new(),
            counts: Vec::new(),
            width: 1,
            lane: None,
            index: Value::from_u32(0),
            first: Value::from_u32(0),
            splats: HashMap::new(),
            value_types: {
                let mut m = HashMap::new();
                for b in [&kernel.setup, &kernel.scalar, &kernel.vector] {
                    b.walk(&mut |i: &Inst| {
                        if let Some(r) = i.result {
                            m.insert(r, i.ty);
                        }
                    });
                }
                m
            },
            in_scalar_code: false,
            cur: 0,
            pool: crate::math::ConstPool::default(),
            fma: crate::math::has_fma(),
            batched: HashMap::new(),
            scratch_at: None,
            uniform_offsets: HashMap::new(),
            uniform_home: None,
            uniform_base: None,
        }
    }

    fn func(&mut self, name: &str, params: &[CType], ret: Option<CType>) -> FuncRef {
        if let Some(f) = self.funcs.get(name) {
            return *f;
        }
        let mut sig = Signature::new(self.module.isa().default_call_conv());
        sig.params.extend(params.iter().map(|t| AbiParam::new(*t)));
        if let Some(r) = ret {
            sig.returns.push(AbiParam::new(r));
        }
        let id = self
            .module
            .declare_function(name, Linkage::Import, &sig)
            .expect("helper signatures are consistent");
        let f = self.module.declare_func_in_func(id, self.b.func);
        self.funcs.insert(name.to_string(), f);
        f
    }

    fn call(&mut self, name: &str, params: &[CType], ret: CType, args: &[Value]) -> Value {
        let f = self.func(name, params, Some(ret));
        let call = self.b.ins().call(f, args);
        self.b.inst_results(call)[0]
    }

    /// Builds the whole function; returns the vector constants it reads from the context's pool.
    pub(crate) fn translate(mut self) -> Vec<u128> {
        let k = self.kernel;
        let entry = self.b.create_block();
        self.b.append_block_params_for_function_params(entry);
        self.b.switch_to_block(entry);
        self.ctx = self.b.block_params(entry)[0];
        self.first = self.ctx_field(types::I64, offsets::FIRST);
        let counts_ptr = self.load_bindings();
        self.load_setup_values();
        self.index = self.b.ins().iconst(types::I64, 0);
        self.in_scalar_code = true;
        self.block(&k.scalar);
        self.in_scalar_code = false;
        let len = self.ctx_field(types::I64, offsets::LEN);
        let zero = self.b.ins().iconst(types::I64, 0);
        let tail_header = self.b.create_block();
        self.b.append_block_param(tail_header, types::I64);
        let exit = self.b.create_block();
        let scalar_vals = self.vals.clone();
        if vectorizable(k) {
            self.wide_loops(len, zero, tail_header);
        } else {
            self.b.ins().jump(tail_header, &[BlockArg::Value(zero)]);
        }
        // The one-neuron loop: the tail, or everything.
        self.vals = scalar_vals;
        self.tail_loop(len, tail_header, exit);
        self.b.switch_to_block(exit);
        for (e, var) in self.counts.clone().into_iter().enumerate() {
            let c = self.b.use_var(var);
            self.b.ins().store(flags(), c, counts_ptr, (e * 8) as i32);
        }
        self.b.ins().return_(&[]);
        self.b.seal_all_blocks();
        let config = self.module.target_config();
        self.b.finalize(config);
        self.pool.slots
    }

    /// Loads the pointers (and, for indexed arrays, lengths) of the arrays, and the pointers and counts
    /// of the event buffers; returns the address of the counts, where the exit stores them back.
    fn load_bindings(&mut self) -> Value {
        let k = self.kernel;
        let arrays_ptr = self.ctx_field(types::I64, offsets::ARRAYS);
        let lens_ptr = self.ctx_field(types::I64, offsets::LENS);
        for a in 0..k.arrays.len() {
            let p = self.word(arrays_ptr, a);
            self.arrays.push(p);
            let n = if k.arrays[a].extent == Extent::Indexed {
                self.word(lens_ptr, a)
            } else {
                self.b.ins().iconst(types::I64, 0)
            };
            self.lens.push(n);
        }
        let events_ptr = self.ctx_field(types::I64, offsets::EVENTS);
        let counts_ptr = self.ctx_field(types::I64, offsets::COUNTS);
        for e in 0..k.events.len() {
            let p = self.word(events_ptr, e);
            self.events.push(p);
            let var = self.b.declare_var(types::I64);
            let c = self.word(counts_ptr, e);
            self.b.def_var(var, c);
            self.counts.push(var);
        }
        counts_ptr
    }

    /// Element `k` of a table of 64-bit words at `base`.
    fn word(&mut self, base: Value, k: usize) -> Value {
        self.b.ins().load(types::I64, flags(), base, (k * 8) as i32)
    }

    /// Setup values used later come from the setup buffer.
    fn load_setup_values(&mut self) {
        let k = self.kernel;
        let setup_ptr = self.ctx_field(types::I64, offsets::SETUP);
        let mut used = Vec::new();
        k.scalar.walk(&mut |i: &Inst| used.extend(i.op.operands()));
        k.vector.walk(&mut |i: &Inst| used.extend(i.op.operands()));
        let mut setup_defs = Vec::new();
        k.setup.walk(&mut |i: &Inst| {
            if let Some(r) = i.result {
                setup_defs.push((r, i.ty));
            }
        });
        for (r, ty) in setup_defs {
            // (A list is read through its address, which the setup buffer holds.)
            if used.contains(&r) {
                let v = self
                    .b
                    .ins()
                    .load(ctype(ty), flags(), setup_ptr, (r.0 * 8) as i32);
                self.vals.insert(r, V::Uniform(v));
            }
        }
    }

    /// Splats every uniform value the vector block reads, before the loops (Cranelift hoists them no
    /// further than where they are first needed: inside the loop otherwise).
    fn splat_uniforms(&mut self) {
        let k = self.kernel;
        self.width = 2;
        self.splats.clear();
        // (What only `If` bodies read, they read lane by lane: no splat.)
        let mut read: Vec<ValueId> = k
            .vector
            .insts
            .iter()
            .flat_map(|i| i.op.operands())
            .collect();
        read.sort();
        read.dedup();
        let mut splats = Vec::new();
        for id in read {
            if let (Some(V::Uniform(_)), Some(ty)) =
                (self.vals.get(&id), self.value_types.get(&id).copied())
                && packable(ty)
            {
                splats.push(((id, packed_type(ty)), self.packed(id, ty)));
            }
        }
        if splats.is_empty() {
            return;
        }
        let slot = self.b.create_sized_stack_slot(StackSlotData::new(
            StackSlotKind::ExplicitSlot,
            (splats.len() * 16) as u32,
            4,
        ));
        let base = self.b.ins().stack_addr(types::I64, slot, 0);
        for (k, (key, s)) in splats.into_iter().enumerate() {
            let offset = (k * 16) as i32;
            self.b.ins().store(flags(), s, base, offset);
            self.uniform_offsets.insert(key, offset);
        }
        let home =
            self.b
                .create_sized_stack_slot(StackSlotData::new(StackSlotKind::ExplicitSlot, 8, 3));
        self.b.ins().stack_store(types::I64, base, home, 0);
        self.uniform_home = Some(home);
    }

    /// At the start of a loop body: the splats' address, read again (see `uniform_home`), and the pool's.
    fn enter_loop_body(&mut self) {
        let needed = self.width == 1 || self.uniform_offsets.len() > SPLATS_IN_REGISTERS;
        self.uniform_base = match self.uniform_home {
            Some(home) if needed => Some(self.b.ins().stack_load(types::I64, types::I64, home, 0)),
            _ => None,
        };
        self.load_pool_base();
    }

    /// A uniform value's splat (or, for a scalar type, its lane 0) where the loops read it: from the
    /// splats' slot, inside a loop body, when the wide loops read more uniform values than they can keep
    /// in registers (or, in the tail loop, for scalar types); `None` where the splat made at the entry
    /// serves.
    pub(super) fn uniform_from_memory(
        &mut self,
        id: ValueId,
        pt: CType,
        ty: CType,
    ) -> Option<Value> {
        let base = self.uniform_base?;
        if ty == pt && self.uniform_offsets.len() <= SPLATS_IN_REGISTERS {
            return None;
        }
        let offset = *self.uniform_offsets.get(&(id, pt))?;
        // Read-only and movable, like the pool's constants: placed where used, and merged into the
        // instruction that uses it.
        let flags = MemFlagsData::trusted().with_readonly().with_can_move();
        Some(self.b.ins().load(ty, flags, base, offset))
    }

    /// In the tail loop's body: the uniform values read from the splats' slot (lane 0), so that the
    /// values computed at the entry need not stay live through the wide loops.
    fn reload_uniforms(&mut self) {
        let mut ids: Vec<_> = self.uniform_offsets.iter().map(|(k, o)| (*o, *k)).collect();
        ids.sort_by_key(|(o, _)| *o);
        for (_, (id, pt)) in ids {
            let ty = self.value_types[&id];
            if matches!(ty, Type::F64 | Type::I64 | Type::F32)
                && pt == packed_type(ty)
                && matches!(self.vals.get(&id), Some(V::Uniform(_)))
                && let Some(x) = self.uniform_from_memory(id, pt, ctype(ty))
            {
                self.vals.insert(id, V::Uniform(x));
            }
        }
    }

    /// The wide loops: the blocked loop where the kernel has one ([`blocked`]), then the two-neuron loop
    /// from where it stopped (or from neuron 0), which leaves for `tail_header` with the first neuron it
    /// did not run. The entry branches to each loop's header, so that no loop's header is dominated by
    /// another's: Cranelift's loop-invariant code motion forgets an enclosing loop once it has visited
    /// another loop below that loop's header in the dominator tree, and would then leave the splats
    /// inside the loops.
    fn wide_loops(&mut self, len: Value, zero: Value, tail_header: cranelift_codegen::ir::Block) {
        let k = self.kernel;
        let scalar_vals = self.vals.clone();
        let plan = self.blocked_plan();
        if let Some(plan) = &plan {
            self.width = 2;
            self.blocked_prelude(plan);
        }
        self.splat_uniforms();
        let wide_header = self.b.create_block();
        self.b.append_block_param(wide_header, types::I64);
        if let Some(plan) = &plan {
            self.blocked_loop(plan, len, wide_header);
            self.vals = scalar_vals;
        }
        let wide_body = self.b.create_block();
        let two = self.b.ins().iconst(types::I64, 2);
        let some = self.b.ins().icmp(IntCC::SignedLessThanOrEqual, two, len);
        self.b.ins().brif(
            some,
            wide_header,
            &[BlockArg::Value(zero)],
            tail_header,
            &[BlockArg::Value(zero)],
        );
        self.b.switch_to_block(wide_header);
        let i = self.b.block_params(wide_header)[0];
        // `i + 2 <= len` as `i < len - 1`: an `i + 2` here would be merged with the one at the end of the
        // body and kept live (spilled) through it.
        let last = self.b.ins().iadd_imm_s(len, -1);
        let fits = self.b.ins().icmp(IntCC::SignedLessThan, i, last);
        self.b
            .ins()
            .brif(fits, wide_body, &[], tail_header, &[BlockArg::Value(i)]);
        self.b.switch_to_block(wide_body);
        self.enter_loop_body();
        self.index = i;
        self.width = 2;
        self.block(&k.vector);
        let next = self.b.ins().iadd_imm_s(i, 2);
        self.b.ins().jump(wide_header, &[BlockArg::Value(next)]);
        self.uniform_base = None;
    }

    /// Reads the pool's address, in the body of a wide loop: in every iteration, so that the constants
    /// loaded from it depend on the loop and are not hoisted out of it (where they would all stay live).
    /// Only kernels with inline functions read it.
    fn load_pool_base(&mut self) {
        if self.fma && uses_sequences(self.kernel) {
            self.pool.base = Some(self.ctx_field(types::I64, offsets::CONSTS));
        }
    }

    /// The one-neuron loop from the neuron `tail_header` receives to `len`, then to `exit`.
    fn tail_loop(
        &mut self,
        len: Value,
        tail_header: cranelift_codegen::ir::Block,
        exit: cranelift_codegen::ir::Block,
    ) {
        let k = self.kernel;
        self.width = 1;
        self.splats.clear();
        self.b.switch_to_block(tail_header);
        let i = self.b.block_params(tail_header)[0];
        let more = self.b.ins().icmp(IntCC::SignedLessThan, i, len);
        let tail_body = self.b.create_block();
        self.b.ins().brif(more, tail_body, &[], exit, &[]);
        self.b.switch_to_block(tail_body);
        self.enter_loop_body();
        self.reload_uniforms();
        self.index = match k.domain {
            Domain::Neurons => i,
            Domain::Events(_) => {
                let indices = self.ctx_field(types::I64, offsets::INDICES);
                let off = self.b.ins().imul_imm_s(i, 4);
                let addr = self.b.ins().iadd(indices, off);
                let idx = self.b.ins().load(types::I32, flags(), addr, 0);
                self.b.ins().uextend(types::I64, idx)
            }
        };
        self.block(&k.vector);
        let next = self.b.ins().iadd_imm_s(i, 1);
        self.b.ins().jump(tail_header, &[BlockArg::Value(next)]);
        self.uniform_base = None;
    }

    fn block(&mut self, block: &IrBlock) {
        let insts = &block.insts;
        let mut k = 0;
        while k < insts.len() {
            let run = self.rare_run_len(&insts[k..]);
            if run >= 2 {
                self.rare_run(&insts[k..k + run]);
                k += run;
            } else {
                self.inst(&insts[k]);
                k += 1;
            }
        }
    }

    /// Translates one instruction, by what it does.
    fn inst(&mut self, inst: &Inst) {
        match &inst.op {
            Op::Const(_) | Op::Param(_) | Op::Time | Op::Dt | Op::Step | Op::NeuronIndex => {
                self.context_value(inst)
            }
            Op::Load(a, index) => self.load(inst, *a, index),
            Op::Store(a, index, x) => self.store(*a, index, *x),
            Op::Unary(..) | Op::Binary(..) | Op::Cmp(..) | Op::Select(..) | Op::Cast(_) => {
                self.arithmetic(inst)
            }
            Op::Call(..) if self.batched_call(inst) => {}
            Op::Call(f, args) => self.builtin(inst, *f, args),
            Op::Random { .. } | Op::Binomial { .. } => self.draw(inst),
            Op::Expm { n, entries } => {
                let (n, entries) = (*n as usize, entries.clone());
                let v = self.per_lane(inst, &mut |t, _| t.expm(n, &entries));
                self.define(inst, v);
            }
            Op::Extract(x, idx) => {
                let (x, idx) = (*x, *idx);
                let v = self.per_lane(inst, &mut |t, _| {
                    let p = t.scalar(x, Type::I64);
                    t.b.ins().load(types::F64, flags(), p, (idx * 8) as i32)
                });
                self.define(inst, v);
            }
            Op::Emit(e, c) => self.emit(e.0 as usize, *c),
            Op::If(c, body) => self.if_block(*c, body),
        }
    }
}

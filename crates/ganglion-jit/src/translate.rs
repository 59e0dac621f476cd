//! One kernel → one Cranelift function `fn(ctx: *const CallCtx)`.
//!
//! The vector block is translated twice: once two neurons wide (f64x2 lanes), for the main loop, and
//! once one neuron wide, for the tail (and for kernels that iterate over event buffers or use
//! single-precision values). Values are uniform (the same for every lane: setup and scalar code, and
//! what depends only on them), packed vectors, or one scalar per lane; an operation Cranelift can do on
//! packed lanes is done so, any other lane by lane. `If` bodies — rare paths such as a reset after a
//! spike — run lane by lane behind a test that any lane needs them.

use std::collections::HashMap;

use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::{
    AbiParam, BlockArg, Endianness, FuncRef, InstBuilder, MemFlagsData, Signature, StackSlotData,
    StackSlotKind, Type as CType, Value, types,
};
use cranelift_frontend::{FunctionBuilder, Variable};
use cranelift_jit::JITModule;
use cranelift_module::{Linkage, Module};
use ganglion_ir::{
    BinOp, Block as IrBlock, Builtin, CmpOp, Const, Domain, Extent, Index, Inst, Kernel, Op, Type,
    UnOp, ValueId,
};

/// Byte offsets of the fields of [`crate::CallCtx`].
pub(crate) mod offsets {
    pub const ARRAYS: i32 = 0;
    pub const PARAMS: i32 = 8;
    pub const SETUP: i32 = 16;
    pub const EVENTS: i32 = 24;
    pub const COUNTS: i32 = 32;
    pub const INDICES: i32 = 40;
    pub const LEN: i32 = 48;
    pub const T: i32 = 56;
    pub const DT: i32 = 64;
    pub const STEP: i32 = 72;
    pub const KEYS: i32 = 80;
    pub const CONSTS: i32 = 88;
    pub const LENS: i32 = 96;
    pub const FAULT: i32 = 104;
    pub const FIRST: i32 = 112;
}

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

pub(crate) struct Translator<'a, 'f> {
    pub(crate) b: FunctionBuilder<'f>,
    module: &'a mut JITModule,
    kernel: &'a Kernel,
    funcs: HashMap<&'static str, FuncRef>,
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
        }
    }

    fn func(&mut self, name: &'static str, params: &[CType], ret: Option<CType>) -> FuncRef {
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
        self.funcs.insert(name, f);
        f
    }

    fn call(&mut self, name: &'static str, params: &[CType], ret: CType, args: &[Value]) -> Value {
        let f = self.func(name, params, Some(ret));
        let call = self.b.ins().call(f, args);
        self.b.inst_results(call)[0]
    }

    fn ctx_field(&mut self, ty: CType, offset: i32) -> Value {
        self.b.ins().load(ty, flags(), self.ctx, offset)
    }

    /// Builds the whole function; returns the vector constants it reads from the context's pool.
    pub(crate) fn translate(mut self) -> Vec<u128> {
        let k = self.kernel;
        let entry = self.b.create_block();
        self.b.append_block_params_for_function_params(entry);
        self.b.switch_to_block(entry);
        self.ctx = self.b.block_params(entry)[0];
        self.first = self.ctx_field(types::I64, offsets::FIRST);
        let arrays_ptr = self.ctx_field(types::I64, offsets::ARRAYS);
        let lens_ptr = self.ctx_field(types::I64, offsets::LENS);
        for a in 0..k.arrays.len() {
            let p = self
                .b
                .ins()
                .load(types::I64, flags(), arrays_ptr, (a * 8) as i32);
            self.arrays.push(p);
            let n = if k.arrays[a].extent == Extent::Indexed {
                self.b
                    .ins()
                    .load(types::I64, flags(), lens_ptr, (a * 8) as i32)
            } else {
                self.b.ins().iconst(types::I64, 0)
            };
            self.lens.push(n);
        }
        let events_ptr = self.ctx_field(types::I64, offsets::EVENTS);
        let counts_ptr = self.ctx_field(types::I64, offsets::COUNTS);
        for e in 0..k.events.len() {
            let p = self
                .b
                .ins()
                .load(types::I64, flags(), events_ptr, (e * 8) as i32);
            self.events.push(p);
            let var = self.b.declare_var(types::I64);
            let c = self
                .b
                .ins()
                .load(types::I64, flags(), counts_ptr, (e * 8) as i32);
            self.b.def_var(var, c);
            self.counts.push(var);
        }
        // Setup values used later come from the setup buffer.
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
            // Cranelift does not hoist: splat every uniform value the loop reads before the loop.
            self.width = 2;
            self.splats.clear();
            let mut read = Vec::new();
            k.vector.walk(&mut |i: &Inst| read.extend(i.op.operands()));
            read.sort();
            read.dedup();
            for id in read {
                if let (Some(V::Uniform(_)), Some(ty)) =
                    (self.vals.get(&id), self.value_types.get(&id).copied())
                    && packable(ty)
                {
                    self.packed(id, ty);
                }
            }
            let wide_header = self.b.create_block();
            self.b.append_block_param(wide_header, types::I64);
            let wide_body = self.b.create_block();
            self.b.ins().jump(wide_header, &[BlockArg::Value(zero)]);
            self.b.switch_to_block(wide_header);
            let i = self.b.block_params(wide_header)[0];
            let next = self.b.ins().iadd_imm_s(i, 2);
            let fits = self.b.ins().icmp(IntCC::SignedLessThanOrEqual, next, len);
            self.b
                .ins()
                .brif(fits, wide_body, &[], tail_header, &[BlockArg::Value(i)]);
            self.b.switch_to_block(wide_body);
            // The pool's address is read again in every iteration: the constants, loaded from it, then
            // depend on the loop and are not hoisted out of it (where they would all stay live).
            self.pool.base = Some(self.ctx_field(types::I64, offsets::CONSTS));
            self.index = i;
            self.width = 2;
            self.block(&k.vector);
            let next = self.b.ins().iadd_imm_s(i, 2);
            self.b.ins().jump(wide_header, &[BlockArg::Value(next)]);
        } else {
            self.b.ins().jump(tail_header, &[BlockArg::Value(zero)]);
        }
        // The one-neuron loop: the tail, or everything.
        self.vals = scalar_vals;
        self.width = 1;
        self.splats.clear();
        self.b.switch_to_block(tail_header);
        let i = self.b.block_params(tail_header)[0];
        let more = self.b.ins().icmp(IntCC::SignedLessThan, i, len);
        let tail_body = self.b.create_block();
        self.b.ins().brif(more, tail_body, &[], exit, &[]);
        self.b.switch_to_block(tail_body);
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

    fn block(&mut self, block: &IrBlock) {
        for inst in &block.insts {
            self.inst(inst);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Lanes

    fn lanes(&self) -> usize {
        if self.lane.is_some() { 1 } else { self.width }
    }

    /// Lane `k` of a value as a scalar (booleans as i8 0/1).
    fn lane_of(&mut self, v: &V, k: usize, ty: Type) -> Value {
        match v {
            V::Uniform(x) => *x,
            V::Lanes(xs) => xs[k],
            V::Packed(p) => {
                let x = self.b.ins().extractlane(*p, k as u8);
                if ty == Type::Bool {
                    self.b.ins().icmp_imm_s(IntCC::NotEqual, x, 0)
                } else {
                    x
                }
            }
        }
    }

    /// The scalar value of `id` in the current lane context.
    fn scalar(&mut self, id: ValueId, ty: Type) -> Value {
        let v = self
            .vals
            .get(&id)
            .cloned()
            .unwrap_or_else(|| panic!("%{} is defined before use", id.0));
        let k = self.lane.unwrap_or(self.cur);
        self.lane_of(&v, k, ty)
    }

    /// A packed vector of `id` (wide loop only).
    fn packed(&mut self, id: ValueId, ty: Type) -> Value {
        let v = self.vals.get(&id).cloned().expect("defined before use");
        let pt = packed_type(ty);
        match v {
            V::Packed(p) => p,
            V::Uniform(x) => {
                if let Some(s) = self.splats.get(&(id, pt)) {
                    return *s;
                }
                let x = if ty == Type::Bool { self.mask_of(x) } else { x };
                let s = self.b.ins().splat(pt, x);
                self.splats.insert((id, pt), s);
                s
            }
            V::Lanes(xs) => {
                let xs: Vec<Value> = if ty == Type::Bool {
                    xs.iter().map(|x| self.mask_of(*x)).collect()
                } else {
                    xs
                };
                let mut p = self.b.ins().scalar_to_vector(pt, xs[0]);
                for (k, x) in xs.iter().enumerate().skip(1) {
                    p = self.b.ins().insertlane(p, *x, k as u8);
                }
                p
            }
        }
    }

    /// An i64x2 boolean mask as a mask for `bitselect` on values of type `ty`: bitcast for f64 lanes;
    /// for f32 lanes, each 64-bit lane's low half moved to 32-bit lanes 0 and 1.
    fn mask_for(&mut self, mask: Value, ty: Type) -> Value {
        match ty {
            Type::F64 => self
                .b
                .ins()
                .bitcast(types::F64X2, MemFlagsData::new(), mask),
            Type::F32 => {
                let bytes = self.b.ins().bitcast(types::I8X16, lanes_flags(), mask);
                let order: Vec<u8> = [0u8, 1, 2, 3, 8, 9, 10, 11]
                    .into_iter()
                    .cycle()
                    .take(16)
                    .collect();
                let imm = self.b.func.dfg.immediates.push(order.into());
                let m = self.b.ins().shuffle(bytes, bytes, imm);
                self.b.ins().bitcast(types::F32X4, lanes_flags(), m)
            }
            _ => mask,
        }
    }

    /// An i8 0/1 boolean as an i64 lane mask (0 or -1).
    fn mask_of(&mut self, b: Value) -> Value {
        let wide = self.b.ins().uextend(types::I64, b);
        self.b.ins().ineg(wide)
    }

    fn define(&mut self, inst: &Inst, v: V) {
        if let Some(r) = inst.result {
            self.vals.insert(r, v);
        }
    }

    fn is_uniform(&self, ids: &[ValueId]) -> bool {
        ids.iter()
            .all(|id| matches!(self.vals.get(id), Some(V::Uniform(_))))
    }

    /// Runs `f` once per lane on scalar operands and collects the results.
    fn per_lane(&mut self, inst: &Inst, f: &mut dyn FnMut(&mut Self, usize) -> Value) -> V {
        let n = self.lanes();
        if n == 1
            || inst.result.is_some()
                && self.is_uniform(&inst.op.operands())
                && !lane_dependent(&inst.op)
        {
            self.cur = 0;
            return V::Uniform(f(self, self.lane.unwrap_or(0)));
        }
        let lanes = (0..n)
            .map(|k| {
                self.cur = k;
                f(self, k)
            })
            .collect();
        self.cur = 0;
        V::Lanes(lanes)
    }

    /// Like [`Translator::per_lane`], but never treats the result as uniform (random draws).
    fn per_lane_always(&mut self, f: &mut dyn FnMut(&mut Self, usize) -> Value) -> V {
        match self.lane {
            Some(k) => V::Uniform(f(self, k)),
            None if self.width == 1 => V::Uniform(f(self, 0)),
            None => {
                let lanes = (0..self.width)
                    .map(|k| {
                        self.cur = k;
                        f(self, k)
                    })
                    .collect();
                self.cur = 0;
                V::Lanes(lanes)
            }
        }
    }

    /// Zero of an IR type.
    fn zero(&mut self, ty: Type) -> Value {
        match ty {
            Type::F64 => self.b.ins().f64const(0.0),
            Type::F32 => self.b.ins().f32const(0.0),
            t => self.b.ins().iconst(ctype(t), 0),
        }
    }

    fn elem_addr(&mut self, base: Value, ty: Type, i: Value) -> Value {
        let off = self.b.ins().imul_imm_s(i, elem_size(ty));
        self.b.ins().iadd(base, off)
    }

    fn load_elem(&mut self, base: Value, ty: Type, i: Option<Value>) -> Value {
        let addr = match i {
            Some(i) => self.elem_addr(base, ty, i),
            None => base,
        };
        let v = self.b.ins().load(ctype(ty), flags(), addr, 0);
        if ty == Type::Bool {
            // Booleans in memory are 0/1 bytes already; keep them 0/1.
            self.b.ins().band_imm_s(v, 1)
        } else {
            v
        }
    }

    /// The index (i64) of lane `k`'s neuron in the whole group: the call's first neuron, plus the
    /// iteration's, plus `k`.
    fn neuron_index(&mut self, k: usize) -> Value {
        let i = self.b.ins().iadd_imm_s(self.index, k as i64);
        self.b.ins().iadd(i, self.first)
    }

    fn store_elem(&mut self, base: Value, ty: Type, i: Option<Value>, v: Value) {
        let addr = match i {
            Some(i) => self.elem_addr(base, ty, i),
            None => base,
        };
        self.b.ins().store(flags(), v, addr, 0);
    }

    /// Runs `access` when `i` is a valid element of array `a`; otherwise records a fault (the call
    /// reports it) and yields `fallback`.
    fn checked(
        &mut self,
        a: usize,
        i: Value,
        fallback: Option<Value>,
        access: &mut dyn FnMut(&mut Self) -> Option<Value>,
    ) -> Option<Value> {
        let ok = self.b.ins().icmp(IntCC::UnsignedLessThan, i, self.lens[a]);
        let inside = self.b.create_block();
        let outside = self.b.create_block();
        let after = self.b.create_block();
        let ty = fallback.map(|f| self.b.func.dfg.value_type(f));
        if let Some(t) = ty {
            self.b.append_block_param(after, t);
        }
        self.b.ins().brif(ok, inside, &[], outside, &[]);
        self.b.switch_to_block(inside);
        let v = access(self);
        let args: Vec<BlockArg> = v.into_iter().map(BlockArg::Value).collect();
        self.b.ins().jump(after, &args);
        self.b.switch_to_block(outside);
        let fault = self.ctx_field(types::I64, offsets::FAULT);
        let one = self.b.ins().iconst(types::I64, 1);
        self.b.ins().store(flags(), one, fault, 0);
        let args: Vec<BlockArg> = fallback.into_iter().map(BlockArg::Value).collect();
        self.b.ins().jump(after, &args);
        self.b.switch_to_block(after);
        ty.map(|_| self.b.block_params(after)[0])
    }

    fn binary_scalar(&mut self, op: BinOp, ty: Type, a: Value, c: Value) -> Value {
        let ins = self.b.ins();
        match (op, ty.is_float()) {
            (BinOp::Add, true) => ins.fadd(a, c),
            (BinOp::Sub, true) => ins.fsub(a, c),
            (BinOp::Mul, true) => ins.fmul(a, c),
            (BinOp::Div, true) => ins.fdiv(a, c),
            (BinOp::Add, false) => ins.iadd(a, c),
            (BinOp::Sub, false) => ins.isub(a, c),
            (BinOp::Mul, false) => ins.imul(a, c),
            (BinOp::And, _) => ins.band(a, c),
            (BinOp::Or, _) => ins.bor(a, c),
            (BinOp::FloorDiv, true) => {
                let q = self.b.ins().fdiv(a, c);
                self.floor(q, ty)
            }
            (BinOp::Mod, true) => {
                // x - y*floor(x/y), in the interpreter's order.
                let q = self.b.ins().fdiv(a, c);
                let f = self.floor(q, ty);
                let p = self.b.ins().fmul(c, f);
                self.b.ins().fsub(a, p)
            }
            (BinOp::Pow, true) => {
                if ty == Type::F32 {
                    self.call("g_powf32", &[types::F32, types::F32], types::F32, &[a, c])
                } else {
                    self.call("g_pow", &[types::F64, types::F64], types::F64, &[a, c])
                }
            }
            (BinOp::FloorDiv | BinOp::Mod, false) => {
                let name = if op == BinOp::FloorDiv {
                    "g_floordiv_i64"
                } else {
                    "g_mod_i64"
                };
                if ty == Type::I32 {
                    let (a, c) = (
                        self.b.ins().sextend(types::I64, a),
                        self.b.ins().sextend(types::I64, c),
                    );
                    let r = self.call(name, &[types::I64, types::I64], types::I64, &[a, c]);
                    self.b.ins().ireduce(types::I32, r)
                } else {
                    self.call(name, &[types::I64, types::I64], types::I64, &[a, c])
                }
            }
            (BinOp::Div | BinOp::Pow, false) => {
                unreachable!("the verifier allows `/` and `**` on floats only")
            }
        }
    }

    fn floor(&mut self, x: Value, ty: Type) -> Value {
        if ty == Type::F32 {
            let w = self.b.ins().fpromote(types::F64, x);
            let r = self.call("g_floor", &[types::F64], types::F64, &[w]);
            self.b.ins().fdemote(types::F32, r)
        } else {
            self.call("g_floor", &[types::F64], types::F64, &[x])
        }
    }

    fn cast_scalar(&mut self, v: Value, from: Type, to: Type) -> Value {
        if from == to {
            return v;
        }
        let ins = self.b.ins();
        match (from, to) {
            (Type::Bool, Type::I32 | Type::I64) => ins.uextend(ctype(to), v),
            (Type::Bool, Type::F32 | Type::F64) => ins.fcvt_from_uint(ctype(to), v),
            (Type::I32 | Type::I64, Type::Bool) => ins.icmp_imm_s(IntCC::NotEqual, v, 0),
            (Type::F64, Type::Bool) => {
                let zero = self.b.ins().f64const(0.0);
                self.b.ins().fcmp(FloatCC::NotEqual, v, zero)
            }
            (Type::F32, Type::Bool) => {
                let zero = self.b.ins().f32const(0.0);
                self.b.ins().fcmp(FloatCC::NotEqual, v, zero)
            }
            (Type::I32, Type::I64) => ins.sextend(types::I64, v),
            (Type::I64, Type::I32) => ins.ireduce(types::I32, v),
            (Type::I32 | Type::I64, Type::F32 | Type::F64) => ins.fcvt_from_sint(ctype(to), v),
            (Type::F32 | Type::F64, Type::I32 | Type::I64) => ins.fcvt_to_sint_sat(ctype(to), v),
            (Type::F32, Type::F64) => ins.fpromote(types::F64, v),
            (Type::F64, Type::F32) => ins.fdemote(types::F32, v),
            _ => v,
        }
    }

    fn call_scalar(&mut self, f: Builtin, arg_ty: Type, ty: Type, xs: &[Value]) -> Value {
        match f {
            Builtin::Sqrt => self.b.ins().sqrt(xs[0]),
            Builtin::Abs if arg_ty.is_float() => self.b.ins().fabs(xs[0]),
            Builtin::Abs => {
                let neg = self.b.ins().ineg(xs[0]);
                let is_neg = self.b.ins().icmp_imm_s(IntCC::SignedLessThan, xs[0], 0);
                self.b.ins().select(is_neg, neg, xs[0])
            }
            Builtin::Sign if !arg_ty.is_float() => {
                let pos = self.b.ins().icmp_imm_s(IntCC::SignedGreaterThan, xs[0], 0);
                let negv = self.b.ins().icmp_imm_s(IntCC::SignedLessThan, xs[0], 0);
                let p = self.b.ins().uextend(ctype(ty), pos);
                let n = self.b.ins().uextend(ctype(ty), negv);
                self.b.ins().isub(p, n)
            }
            Builtin::Clip if arg_ty.is_float() => {
                // min(max(x, low), high) with NaN staying NaN, as the interpreter does.
                let below = self.b.ins().fcmp(FloatCC::LessThan, xs[0], xs[1]);
                let y = self.b.ins().select(below, xs[1], xs[0]);
                let above = self.b.ins().fcmp(FloatCC::GreaterThan, y, xs[2]);
                self.b.ins().select(above, xs[2], y)
            }
            Builtin::Clip => {
                let below = self.b.ins().icmp(IntCC::SignedLessThan, xs[0], xs[1]);
                let y = self.b.ins().select(below, xs[1], xs[0]);
                let above = self.b.ins().icmp(IntCC::SignedGreaterThan, y, xs[2]);
                self.b.ins().select(above, xs[2], y)
            }
            Builtin::Exp | Builtin::Expm1 | Builtin::Exprel if self.fma => {
                let x = if arg_ty == Type::F32 {
                    self.b.ins().fpromote(types::F64, xs[0])
                } else {
                    xs[0]
                };
                let y = self.inline_math(f, x, false);
                if arg_ty == Type::F32 {
                    self.b.ins().fdemote(types::F32, y)
                } else {
                    y
                }
            }
            Builtin::Timestep => {
                // int64((t + 1e-3*dt)/dt)
                let k = self.b.ins().f64const(1e-3);
                let m = self.b.ins().fmul(k, xs[1]);
                let s = self.b.ins().fadd(xs[0], m);
                let q = self.b.ins().fdiv(s, xs[1]);
                self.b.ins().fcvt_to_sint_sat(types::I64, q)
            }
            _ => {
                let name = crate::helpers::unary_symbol(f)
                    .expect("every other built-in is a unary float function");
                if arg_ty == Type::F32 {
                    let w = self.b.ins().fpromote(types::F64, xs[0]);
                    let r = self.call(name, &[types::F64], types::F64, &[w]);
                    self.b.ins().fdemote(types::F32, r)
                } else {
                    self.call(name, &[types::F64], types::F64, &[xs[0]])
                }
            }
        }
    }

    /// `exp`, `expm1` or `exprel` of an f64 (or of f64x2 lanes), inline.
    fn inline_math(&mut self, f: Builtin, x: Value, vector: bool) -> Value {
        let pool = if vector { Some(&mut self.pool) } else { None };
        let mut m = crate::math::Math::new(&mut self.b, pool);
        match f {
            Builtin::Exp => m.exp(x),
            Builtin::Expm1 => m.expm1(x),
            _ => m.exprel(x),
        }
    }

    fn mix(&mut self, z: Value) -> Value {
        let a = self.b.ins().ushr_imm_u(z, 30);
        let z = self.b.ins().bxor(z, a);
        let z = self.b.ins().imul_imm_s(z, 0xbf58_476d_1ce4_e5b9_u64 as i64);
        let a = self.b.ins().ushr_imm_u(z, 27);
        let z = self.b.ins().bxor(z, a);
        let z = self.b.ins().imul_imm_s(z, 0x94d0_49bb_1331_11eb_u64 as i64);
        let a = self.b.ins().ushr_imm_u(z, 31);
        self.b.ins().bxor(z, a)
    }

    /// The counter-based generator of `ganglion_ir::random`, inline.
    fn random(&mut self, normal: bool, stream: u32, draw: u32, neuron: Option<Value>) -> Value {
        let bits = self.random_bits(stream, draw, neuron);
        if normal {
            self.call("g_normal", &[types::I64], types::F64, &[bits])
        } else {
            let top = self.b.ins().ushr_imm_u(bits, 11);
            let f = self.b.ins().fcvt_from_uint(types::F64, top);
            let scale = self.b.ins().f64const(1.0 / (1u64 << 53) as f64);
            self.b.ins().fmul(f, scale)
        }
    }

    /// A binomial sample (`ganglion_ir::random::Binomial`), by the helper the interpreter's code is.
    fn binomial(&mut self, n: u64, p: f64, stream: u32, draw: u32, neuron: Option<Value>) -> Value {
        let bits = self.random_bits(stream, draw, neuron);
        let (mode, words) = ganglion_ir::random::Binomial::new(n, p).to_words();
        let nv = self.b.ins().iconst(types::I64, n as i64);
        let mv = self.b.ins().iconst(types::I64, mode as i64);
        let mut args = vec![bits, nv, mv];
        for w in words {
            args.push(self.b.ins().f64const(w));
        }
        let sig = [
            types::I64,
            types::I64,
            types::I64,
            types::F64,
            types::F64,
            types::F64,
            types::F64,
        ];
        self.call("g_binomial", &sig, types::F64, &args)
    }

    /// The 64 random bits of one draw: `ganglion_ir::random::bits`, inline.
    fn random_bits(&mut self, stream: u32, draw: u32, neuron: Option<Value>) -> Value {
        let keys = self.ctx_field(types::I64, offsets::KEYS);
        let key = self
            .b
            .ins()
            .load(types::I64, flags(), keys, (stream * 8) as i32);
        let step = self.ctx_field(types::I64, offsets::STEP);
        let s = self
            .b
            .ins()
            .imul_imm_s(step, 0x9e37_79b9_7f4a_7c15_u64 as i64);
        let h = self.b.ins().iadd(key, s);
        let h = self.mix(h);
        let neuron = match neuron {
            Some(n) => n,
            None => self
                .b
                .ins()
                .iconst(types::I64, ganglion_ir::random::SCALAR_NEURON as i64),
        };
        let nm = self
            .b
            .ins()
            .imul_imm_s(neuron, 0xd1b5_4a32_d192_ed03_u64 as i64);
        let h = self.b.ins().bxor(h, nm);
        let dm = (u64::from(draw)).wrapping_mul(0x8cb9_2ba7_2f3d_8dd7);
        let h = self.b.ins().bxor_imm_s(h, dm as i64);
        self.mix(h)
    }

    /// Calls the matrix exponential on stack slots; the value is the address of the result list.
    fn expm(&mut self, n: usize, entries: &[ValueId]) -> Value {
        let input = self.b.create_sized_stack_slot(StackSlotData::new(
            StackSlotKind::ExplicitSlot,
            (n * n * 8) as u32,
            3,
        ));
        let output = self.b.create_sized_stack_slot(StackSlotData::new(
            StackSlotKind::ExplicitSlot,
            (2 * n * n * 8) as u32,
            3,
        ));
        for (k, e) in entries.iter().enumerate() {
            let v = self.scalar(*e, Type::F64);
            self.b
                .ins()
                .stack_store(types::I64, v, input, (k * 8) as i32);
        }
        let inp = self.b.ins().stack_addr(types::I64, input, 0);
        let out = self.b.ins().stack_addr(types::I64, output, 0);
        let nv = self.b.ins().iconst(types::I64, n as i64);
        let f = self.func("g_expm", &[types::I64, types::I64, types::I64], None);
        self.b.ins().call(f, &[nv, inp, out]);
        out
    }

    // ---------------------------------------------------------------------------------------------
    // Instructions

    fn inst(&mut self, inst: &Inst) {
        let wide = self.lanes() > 1;
        let ty = inst.ty;
        match &inst.op {
            Op::Const(c) => {
                let v = match c {
                    Const::Bool(b) => self.b.ins().iconst(types::I8, i64::from(*b)),
                    Const::I32(x) => self.b.ins().iconst(types::I32, i64::from(*x)),
                    Const::I64(x) => self.b.ins().iconst(types::I64, *x),
                    Const::F32(x) => self.b.ins().f32const(*x),
                    Const::F64(x) => self.b.ins().f64const(*x),
                };
                self.define(inst, V::Uniform(v));
            }
            Op::Param(p) => {
                let params = self.ctx_field(types::I64, offsets::PARAMS);
                let v = self
                    .b
                    .ins()
                    .load(ctype(ty), flags(), params, (p.0 * 8) as i32);
                self.define(inst, V::Uniform(v));
            }
            Op::Time => {
                let v = self.ctx_field(types::F64, offsets::T);
                self.define(inst, V::Uniform(v));
            }
            Op::Dt => {
                let v = self.ctx_field(types::F64, offsets::DT);
                self.define(inst, V::Uniform(v));
            }
            Op::Step => {
                let v = self.ctx_field(types::I64, offsets::STEP);
                self.define(inst, V::Uniform(v));
            }
            Op::NeuronIndex => {
                let v = self.per_lane(inst, &mut |t, k| t.neuron_index(k));
                self.define(inst, v);
            }
            Op::Load(a, index) => {
                let decl = self.kernel.arrays[a.0 as usize].clone();
                let base = self.arrays[a.0 as usize];
                let v = match index {
                    Index::Shared => V::Uniform(self.load_elem(base, decl.ty, None)),
                    Index::At(k) => {
                        let (k, a) = (*k, a.0 as usize);
                        self.per_lane(inst, &mut |t, _| {
                            let i = t.scalar(k, Type::I64);
                            let zero = t.zero(decl.ty);
                            t.checked(a, i, Some(zero), &mut |t| {
                                Some(t.load_elem(base, decl.ty, Some(i)))
                            })
                            .expect("a load has a value")
                        })
                    }
                    Index::Neuron if wide && matches!(decl.ty, Type::F64 | Type::I64) => {
                        let addr = self.elem_addr(base, decl.ty, self.index);
                        V::Packed(self.b.ins().load(packed_type(decl.ty), flags(), addr, 0))
                    }
                    Index::Neuron if wide && decl.ty == Type::F32 => {
                        // Two floats as one 8-byte load, into the low half of an f32x4.
                        let addr = self.elem_addr(base, decl.ty, self.index);
                        let pair = self.b.ins().load(types::I64, flags(), addr, 0);
                        let v = self.b.ins().scalar_to_vector(types::I64X2, pair);
                        V::Packed(self.b.ins().bitcast(types::F32X4, lanes_flags(), v))
                    }
                    Index::Neuron => self.per_lane(inst, &mut |t, k| {
                        let i = t.b.ins().iadd_imm_s(t.index, t.lane.unwrap_or(k) as i64);
                        t.load_elem(base, decl.ty, Some(i))
                    }),
                };
                self.define(inst, v);
            }
            Op::Store(a, index, x) => {
                let decl = self.kernel.arrays[a.0 as usize].clone();
                let base = self.arrays[a.0 as usize];
                match index {
                    Index::Shared => {
                        let v = self.scalar(*x, decl.ty);
                        self.store_elem(base, decl.ty, None, v);
                    }
                    Index::At(k) => {
                        // (Kernels storing at computed indices run one neuron at a time.)
                        let (k, a) = (*k, a.0 as usize);
                        let i = self.scalar(k, Type::I64);
                        let v = self.scalar(*x, decl.ty);
                        self.checked(a, i, None, &mut |t| {
                            t.store_elem(base, decl.ty, Some(i), v);
                            None
                        });
                    }
                    Index::Neuron if wide && matches!(decl.ty, Type::F64 | Type::I64) => {
                        let v = self.packed(*x, decl.ty);
                        let addr = self.elem_addr(base, decl.ty, self.index);
                        self.b.ins().store(flags(), v, addr, 0);
                    }
                    Index::Neuron if wide && decl.ty == Type::F32 => {
                        let v = self.packed(*x, decl.ty);
                        let v = self.b.ins().bitcast(types::I64X2, lanes_flags(), v);
                        let pair = self.b.ins().extractlane(v, 0);
                        let addr = self.elem_addr(base, decl.ty, self.index);
                        self.b.ins().store(flags(), pair, addr, 0);
                    }
                    Index::Neuron => {
                        let lanes: Vec<usize> = match self.lane {
                            Some(l) => vec![l],
                            None => (0..self.width).collect(),
                        };
                        let x_v = self.vals[x].clone();
                        for k in lanes {
                            let v = self.lane_of(&x_v, k, decl.ty);
                            let i = self.b.ins().iadd_imm_s(self.index, k as i64);
                            self.store_elem(base, decl.ty, Some(i), v);
                        }
                    }
                }
            }
            Op::Unary(op, x) => {
                let xt = self.value_types[x];
                let v = if wide && !self.is_uniform(&[*x]) && packable(xt) {
                    let p = self.packed(*x, xt);
                    V::Packed(match (op, xt) {
                        (UnOp::Neg, Type::F64 | Type::F32) => self.b.ins().fneg(p),
                        (UnOp::Neg, _) => self.b.ins().ineg(p),
                        (UnOp::Not, _) => self.b.ins().bnot(p),
                    })
                } else {
                    let op = *op;
                    let x = *x;
                    self.per_lane(inst, &mut |t, _| {
                        let v = t.scalar(x, xt);
                        match (op, xt) {
                            (UnOp::Neg, Type::F64 | Type::F32) => t.b.ins().fneg(v),
                            (UnOp::Neg, _) => t.b.ins().ineg(v),
                            (UnOp::Not, _) => t.b.ins().bxor_imm_s(v, 1),
                        }
                    })
                };
                self.define(inst, v);
            }
            Op::Binary(op, x, y) => {
                let (op, x, y) = (*op, *x, *y);
                let native = matches!(
                    (op, ty),
                    (
                        BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div,
                        Type::F64 | Type::F32
                    ) | (BinOp::Add | BinOp::Sub, Type::I64)
                        | (BinOp::And | BinOp::Or, Type::Bool)
                );
                let v = if wide && native && !self.is_uniform(&[x, y]) {
                    let (a, c) = (self.packed(x, ty), self.packed(y, ty));
                    V::Packed(match op {
                        BinOp::Add if ty.is_float() => self.b.ins().fadd(a, c),
                        BinOp::Sub if ty.is_float() => self.b.ins().fsub(a, c),
                        BinOp::Mul => self.b.ins().fmul(a, c),
                        BinOp::Div => self.b.ins().fdiv(a, c),
                        BinOp::Add => self.b.ins().iadd(a, c),
                        BinOp::Sub => self.b.ins().isub(a, c),
                        BinOp::And => self.b.ins().band(a, c),
                        _ => self.b.ins().bor(a, c),
                    })
                } else {
                    self.per_lane(inst, &mut |t, _| {
                        let (a, c) = (t.scalar(x, ty), t.scalar(y, ty));
                        t.binary_scalar(op, ty, a, c)
                    })
                };
                self.define(inst, v);
            }
            Op::Cmp(op, x, y) => {
                let (op, x, y) = (*op, *x, *y);
                let xt = self.value_types[&x];
                let v = if wide && packable(xt) && !self.is_uniform(&[x, y]) {
                    let (a, c) = (self.packed(x, xt), self.packed(y, xt));
                    V::Packed(if xt == Type::F64 {
                        self.b.ins().fcmp(float_cc(op), a, c)
                    } else if xt == Type::F32 {
                        // An i32x4 mask, two lanes used: widened to the i64x2 mask of booleans.
                        let m = self.b.ins().fcmp(float_cc(op), a, c);
                        self.b.ins().swiden_low(m)
                    } else {
                        self.b.ins().icmp(int_cc(op, xt == Type::Bool), a, c)
                    })
                } else {
                    self.per_lane(inst, &mut |t, _| {
                        let (a, c) = (t.scalar(x, xt), t.scalar(y, xt));
                        if xt.is_float() {
                            t.b.ins().fcmp(float_cc(op), a, c)
                        } else {
                            t.b.ins().icmp(int_cc(op, xt == Type::Bool), a, c)
                        }
                    })
                };
                self.define(inst, v);
            }
            Op::Select(c, x, y) => {
                let (c, x, y) = (*c, *x, *y);
                let v = if wide && packable(ty) && !self.is_uniform(&[c, x, y]) {
                    let mask = self.packed(c, Type::Bool);
                    let (a, d) = (self.packed(x, ty), self.packed(y, ty));
                    let mask = self.mask_for(mask, ty);
                    V::Packed(self.b.ins().bitselect(mask, a, d))
                } else {
                    self.per_lane(inst, &mut |t, _| {
                        let cv = t.scalar(c, Type::Bool);
                        let (a, d) = (t.scalar(x, ty), t.scalar(y, ty));
                        t.b.ins().select(cv, a, d)
                    })
                };
                self.define(inst, v);
            }
            Op::Cast(x) => {
                let x = *x;
                let from = self.value_types[&x];
                let v = if wide
                    && from == Type::Bool
                    && matches!(ty, Type::F64 | Type::F32 | Type::I64)
                    && !self.is_uniform(&[x])
                {
                    let mask = self.packed(x, Type::Bool);
                    let (one, zero) = match ty {
                        Type::F64 => (self.b.ins().f64const(1.0), self.b.ins().f64const(0.0)),
                        Type::F32 => (self.b.ins().f32const(1.0), self.b.ins().f32const(0.0)),
                        _ => (
                            self.b.ins().iconst(types::I64, 1),
                            self.b.ins().iconst(types::I64, 0),
                        ),
                    };
                    let (ones, zeros) = (
                        self.b.ins().splat(packed_type(ty), one),
                        self.b.ins().splat(packed_type(ty), zero),
                    );
                    let mask = self.mask_for(mask, ty);
                    V::Packed(self.b.ins().bitselect(mask, ones, zeros))
                } else if wide
                    && matches!((from, ty), (Type::F32, Type::F64) | (Type::F64, Type::F32))
                    && !self.is_uniform(&[x])
                {
                    let p = self.packed(x, from);
                    V::Packed(if from == Type::F32 {
                        self.b.ins().fvpromote_low(p)
                    } else {
                        self.b.ins().fvdemote(p)
                    })
                } else {
                    self.per_lane(inst, &mut |t, _| {
                        let v = t.scalar(x, from);
                        t.cast_scalar(v, from, ty)
                    })
                };
                self.define(inst, v);
            }
            Op::Call(f, args) => {
                let f = *f;
                let args = args.clone();
                let arg_ty = self.value_types[&args[0]];
                let v = if wide
                    && matches!(f, Builtin::Exp | Builtin::Expm1 | Builtin::Exprel)
                    && self.fma
                    && ty == Type::F64
                    && !self.is_uniform(&args)
                {
                    let p = self.packed(args[0], Type::F64);
                    V::Packed(self.inline_math(f, p, true))
                } else if wide
                    && matches!(f, Builtin::Sqrt | Builtin::Abs)
                    && ty.is_float()
                    && !self.is_uniform(&args)
                {
                    let p = self.packed(args[0], ty);
                    V::Packed(if f == Builtin::Sqrt {
                        self.b.ins().sqrt(p)
                    } else {
                        self.b.ins().fabs(p)
                    })
                } else if wide && f == Builtin::Timestep && !self.is_uniform(&args) {
                    // (t + 1e-3*dt)/dt on packed lanes, then the conversion lane by lane (x86 has no packed
                    // f64 → i64 conversion before AVX-512).
                    let (t, dt) = (
                        self.packed(args[0], Type::F64),
                        self.packed(args[1], Type::F64),
                    );
                    let k = self.b.ins().f64const(1e-3);
                    let k = self.b.ins().splat(types::F64X2, k);
                    let m = self.b.ins().fmul(k, dt);
                    let sum = self.b.ins().fadd(t, m);
                    let q = self.b.ins().fdiv(sum, dt);
                    let lanes = (0..self.width)
                        .map(|k| {
                            let x = self.b.ins().extractlane(q, k as u8);
                            self.b.ins().fcvt_to_sint_sat(types::I64, x)
                        })
                        .collect();
                    V::Lanes(lanes)
                } else {
                    self.per_lane(inst, &mut |t, _| {
                        let xs: Vec<Value> = args.iter().map(|a| t.scalar(*a, arg_ty)).collect();
                        t.call_scalar(f, arg_ty, ty, &xs)
                    })
                };
                self.define(inst, v);
            }
            Op::Random {
                normal,
                stream,
                draw,
            } => {
                let (normal, stream, draw) = (*normal, *stream, *draw);
                let v = self.per_lane_always(&mut |t, k| {
                    let neuron = (!t.in_scalar_code).then(|| t.neuron_index(k));
                    t.random(normal, stream, draw, neuron)
                });
                self.define(inst, v);
            }
            Op::Binomial { n, p, stream, draw } => {
                let (n, p, stream, draw) = (*n, *p, *stream, *draw);
                let v = self.per_lane_always(&mut |t, k| {
                    let neuron = (!t.in_scalar_code).then(|| t.neuron_index(k));
                    t.binomial(n, p, stream, draw, neuron)
                });
                self.define(inst, v);
            }
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
            Op::Emit(e, c) => {
                let (e, c) = (e.0 as usize, *c);
                let lanes: Vec<usize> = match self.lane {
                    Some(l) => vec![l],
                    None => (0..self.width).collect(),
                };
                let cv = self.vals[&c].clone();
                // In the wide loop, events are rare: test all lanes at once and append lane by lane only
                // when some lane has the event.
                let after = if lanes.len() > 1 {
                    let mask = self.packed(c, Type::Bool);
                    let any = self.b.ins().vany_true(mask);
                    let slow = self.b.create_block();
                    let after = self.b.create_block();
                    self.b.ins().brif(any, slow, &[], after, &[]);
                    self.b.switch_to_block(slow);
                    Some(after)
                } else {
                    None
                };
                for k in lanes {
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
                if let Some(after) = after {
                    self.b.ins().jump(after, &[]);
                    self.b.switch_to_block(after);
                }
            }
            Op::If(c, body) => {
                let c = *c;
                let body = body.clone();
                if self.lanes() == 1 {
                    let cond = self.scalar(c, Type::Bool);
                    let then = self.b.create_block();
                    let after = self.b.create_block();
                    self.b.ins().brif(cond, then, &[], after, &[]);
                    self.b.switch_to_block(then);
                    self.block(&body);
                    self.b.ins().jump(after, &[]);
                    self.b.switch_to_block(after);
                } else {
                    // Rare path: test whether any lane needs the body, then run it lane by lane.
                    let mask = self.packed(c, Type::Bool);
                    let any = self.b.ins().vany_true(mask);
                    let lanes_block = self.b.create_block();
                    let after = self.b.create_block();
                    self.b.ins().brif(any, lanes_block, &[], after, &[]);
                    self.b.switch_to_block(lanes_block);
                    let cv = self.vals[&c].clone();
                    for k in 0..self.width {
                        let cond = self.lane_of(&cv, k, Type::Bool);
                        let then = self.b.create_block();
                        let next = self.b.create_block();
                        self.b.ins().brif(cond, then, &[], next, &[]);
                        self.b.switch_to_block(then);
                        self.lane = Some(k);
                        self.block(&body);
                        self.lane = None;
                        self.b.ins().jump(next, &[]);
                        self.b.switch_to_block(next);
                    }
                    self.b.ins().jump(after, &[]);
                    self.b.switch_to_block(after);
                }
            }
        }
    }
}

/// Whether an operation's value differs between lanes even when its operands do not.
fn lane_dependent(op: &Op) -> bool {
    matches!(
        op,
        Op::NeuronIndex | Op::Random { .. } | Op::Binomial { .. } | Op::Load(_, Index::Neuron)
    )
}

fn float_cc(op: CmpOp) -> FloatCC {
    match op {
        CmpOp::Eq => FloatCC::Equal,
        CmpOp::Ne => FloatCC::NotEqual,
        CmpOp::Lt => FloatCC::LessThan,
        CmpOp::Le => FloatCC::LessThanOrEqual,
        CmpOp::Gt => FloatCC::GreaterThan,
        CmpOp::Ge => FloatCC::GreaterThanOrEqual,
    }
}

fn int_cc(op: CmpOp, unsigned: bool) -> IntCC {
    match (op, unsigned) {
        (CmpOp::Eq, _) => IntCC::Equal,
        (CmpOp::Ne, _) => IntCC::NotEqual,
        (CmpOp::Lt, false) => IntCC::SignedLessThan,
        (CmpOp::Le, false) => IntCC::SignedLessThanOrEqual,
        (CmpOp::Gt, false) => IntCC::SignedGreaterThan,
        (CmpOp::Ge, false) => IntCC::SignedGreaterThanOrEqual,
        (CmpOp::Lt, true) => IntCC::UnsignedLessThan,
        (CmpOp::Le, true) => IntCC::UnsignedLessThanOrEqual,
        (CmpOp::Gt, true) => IntCC::UnsignedGreaterThan,
        (CmpOp::Ge, true) => IntCC::UnsignedGreaterThanOrEqual,
    }
}

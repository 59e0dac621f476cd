//! What the call provides (parameters, the clock, the neuron index) and memory: loads and stores of
//! arrays at the current neuron, at element 0, or at a computed index (bounds-checked).

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{BlockArg, InstBuilder, Type as CType, Value, types};
use ganglion_ir::{ArrayId, Const, Index, Inst, Op, Type, ValueId};

use super::{Translator, V, ctype, elem_size, flags, lanes_flags, packed_type};
use crate::abi::offsets;

impl Translator<'_, '_> {
    /// A field of the call's context.
    pub(super) fn ctx_field(&mut self, ty: CType, offset: i32) -> Value {
        self.b.ins().load(ty, flags(), self.ctx, offset)
    }

    /// A constant, a parameter, the clock's time, `dt` or step, or the neuron index.
    pub(super) fn context_value(&mut self, inst: &Inst) {
        let ty = inst.ty;
        let v = match &inst.op {
            Op::Const(c) => V::Uniform(match c {
                Const::Bool(b) => self.b.ins().iconst(types::I8, i64::from(*b)),
                Const::I32(x) => self.b.ins().iconst(types::I32, i64::from(*x)),
                Const::I64(x) => self.b.ins().iconst(types::I64, *x),
                Const::F32(x) => self.b.ins().f32const(*x),
                Const::F64(x) => self.b.ins().f64const(*x),
            }),
            Op::Param(p) => {
                let params = self.ctx_field(types::I64, offsets::PARAMS);
                let v = self
                    .b
                    .ins()
                    .load(ctype(ty), flags(), params, (p.0 * 8) as i32);
                V::Uniform(v)
            }
            Op::Time => V::Uniform(self.ctx_field(types::F64, offsets::T)),
            Op::Dt => V::Uniform(self.ctx_field(types::F64, offsets::DT)),
            Op::Step => V::Uniform(self.ctx_field(types::I64, offsets::STEP)),
            Op::NeuronIndex => self.per_lane(inst, &mut |t, k| t.neuron_index(k)),
            op => unreachable!("not a value of the context: {op:?}"),
        };
        self.define(inst, v);
    }

    /// A load of array `a` at `index`.
    pub(super) fn load(&mut self, inst: &Inst, a: ArrayId, index: &Index) {
        let wide = self.lanes() > 1;
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

    /// A store of `x` into array `a` at `index`.
    pub(super) fn store(&mut self, a: ArrayId, index: &Index, x: ValueId) {
        let wide = self.lanes() > 1;
        let decl = self.kernel.arrays[a.0 as usize].clone();
        let base = self.arrays[a.0 as usize];
        match index {
            Index::Shared => {
                let v = self.scalar(x, decl.ty);
                self.store_elem(base, decl.ty, None, v);
            }
            Index::At(k) => {
                // (Kernels storing at computed indices run one neuron at a time.)
                let (k, a) = (*k, a.0 as usize);
                let i = self.scalar(k, Type::I64);
                let v = self.scalar(x, decl.ty);
                self.checked(a, i, None, &mut |t| {
                    t.store_elem(base, decl.ty, Some(i), v);
                    None
                });
            }
            Index::Neuron if wide && matches!(decl.ty, Type::F64 | Type::I64) => {
                let v = self.packed(x, decl.ty);
                let addr = self.elem_addr(base, decl.ty, self.index);
                self.b.ins().store(flags(), v, addr, 0);
            }
            Index::Neuron if wide && decl.ty == Type::F32 => {
                let v = self.packed(x, decl.ty);
                let v = self.b.ins().bitcast(types::I64X2, lanes_flags(), v);
                let pair = self.b.ins().extractlane(v, 0);
                let addr = self.elem_addr(base, decl.ty, self.index);
                self.b.ins().store(flags(), pair, addr, 0);
            }
            Index::Neuron if wide && decl.ty == Type::Bool && self.width == 2 => {
                // Both lanes' bytes in one store: each 0/-1 mask lane shifted to 0/1, its low byte moved
                // next to the other's, and the two bytes stored as one 16-bit word.
                let mask = self.packed(x, Type::Bool);
                let sixty_three = self.b.ins().iconst(types::I64, 63);
                let ones = self.b.ins().ushr(mask, sixty_three);
                let bytes = self.b.ins().bitcast(types::I8X16, lanes_flags(), ones);
                let order: Vec<u8> = [0u8, 8]
                    .into_iter()
                    .chain(std::iter::repeat_n(0, 14))
                    .collect();
                let imm = self.b.func.dfg.immediates.push(order.into());
                let packed = self.b.ins().shuffle(bytes, bytes, imm);
                let words = self.b.ins().bitcast(types::I16X8, lanes_flags(), packed);
                let pair = self.b.ins().extractlane(words, 0);
                let addr = self.elem_addr(base, decl.ty, self.index);
                self.b.ins().store(flags(), pair, addr, 0);
            }
            Index::Neuron => {
                let x_v = self.vals[&x].clone();
                for k in self.current_lanes() {
                    let v = self.lane_of(&x_v, k, decl.ty);
                    let i = self.b.ins().iadd_imm_s(self.index, k as i64);
                    self.store_elem(base, decl.ty, Some(i), v);
                }
            }
        }
    }

    /// Zero of an IR type.
    pub(super) fn zero(&mut self, ty: Type) -> Value {
        match ty {
            Type::F64 => self.b.ins().f64const(0.0),
            Type::F32 => self.b.ins().f32const(0.0),
            t => self.b.ins().iconst(ctype(t), 0),
        }
    }

    pub(super) fn elem_addr(&mut self, base: Value, ty: Type, i: Value) -> Value {
        let off = self.b.ins().imul_imm_s(i, elem_size(ty));
        self.b.ins().iadd(base, off)
    }

    pub(super) fn load_elem(&mut self, base: Value, ty: Type, i: Option<Value>) -> Value {
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
    pub(super) fn neuron_index(&mut self, k: usize) -> Value {
        let i = self.b.ins().iadd_imm_s(self.index, k as i64);
        self.b.ins().iadd(i, self.first)
    }

    pub(super) fn store_elem(&mut self, base: Value, ty: Type, i: Option<Value>, v: Value) {
        let addr = match i {
            Some(i) => self.elem_addr(base, ty, i),
            None => base,
        };
        self.b.ins().store(flags(), v, addr, 0);
    }

    /// Runs `access` when `i` is a valid element of array `a`; otherwise records a fault (the call
    /// reports it) and yields `fallback`.
    pub(super) fn checked(
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
}

//! Values across lanes: uniform, packed or one scalar per lane, and the conversions between them.

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{InstBuilder, MemFlagsData, Value, types};
use ganglion_ir::{Index, Inst, Op, Type, ValueId};

use super::{Translator, V, lanes_flags, packed_type};

impl Translator<'_, '_> {
    pub(super) fn lanes(&self) -> usize {
        if self.lane.is_some() { 1 } else { self.width }
    }

    /// The lanes an operation works on: the `If` body's lane, or every lane of the loop.
    pub(super) fn current_lanes(&self) -> Vec<usize> {
        match self.lane {
            Some(l) => vec![l],
            None => (0..self.width).collect(),
        }
    }

    /// Lane `k` of a value as a scalar (booleans as i8 0/1).
    pub(super) fn lane_of(&mut self, v: &V, k: usize, ty: Type) -> Value {
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
    pub(super) fn scalar(&mut self, id: ValueId, ty: Type) -> Value {
        let v = self
            .vals
            .get(&id)
            .cloned()
            .unwrap_or_else(|| panic!("%{} is defined before use", id.0));
        let k = self.lane.unwrap_or(self.cur);
        self.lane_of(&v, k, ty)
    }

    /// A packed vector of `id` (wide loop only).
    pub(super) fn packed(&mut self, id: ValueId, ty: Type) -> Value {
        let v = self.vals.get(&id).cloned().expect("defined before use");
        let pt = packed_type(ty);
        match v {
            V::Packed(p) => p,
            V::Uniform(x) => {
                if let Some(s) = self.uniform_from_memory(id, pt, pt) {
                    return s;
                }
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
    pub(super) fn mask_for(&mut self, mask: Value, ty: Type) -> Value {
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
    pub(super) fn mask_of(&mut self, b: Value) -> Value {
        let wide = self.b.ins().uextend(types::I64, b);
        self.b.ins().ineg(wide)
    }

    pub(super) fn define(&mut self, inst: &Inst, v: V) {
        if let Some(r) = inst.result {
            self.vals.insert(r, v);
        }
    }

    pub(super) fn is_uniform(&self, ids: &[ValueId]) -> bool {
        ids.iter()
            .all(|id| matches!(self.vals.get(id), Some(V::Uniform(_))))
    }

    /// Runs `f` once per lane on scalar operands and collects the results.
    pub(super) fn per_lane(
        &mut self,
        inst: &Inst,
        f: &mut dyn FnMut(&mut Self, usize) -> Value,
    ) -> V {
        if self.lanes() == 1
            || inst.result.is_some()
                && self.is_uniform(&inst.op.operands())
                && !lane_dependent(&inst.op)
        {
            self.cur = 0;
            return V::Uniform(f(self, self.lane.unwrap_or(0)));
        }
        self.each_lane(f)
    }

    /// Like [`Translator::per_lane`], but never treats the result as uniform (random draws).
    pub(super) fn per_lane_always(&mut self, f: &mut dyn FnMut(&mut Self, usize) -> Value) -> V {
        match self.lane {
            Some(k) => V::Uniform(f(self, k)),
            None if self.width == 1 => V::Uniform(f(self, 0)),
            None => self.each_lane(f),
        }
    }

    /// Runs `f` on every lane of the loop, in order.
    fn each_lane(&mut self, f: &mut dyn FnMut(&mut Self, usize) -> Value) -> V {
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

/// Whether an operation's value differs between lanes even when its operands do not.
fn lane_dependent(op: &Op) -> bool {
    matches!(
        op,
        Op::NeuronIndex | Op::Random { .. } | Op::Binomial { .. } | Op::Load(_, Index::Neuron)
    )
}

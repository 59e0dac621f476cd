//! Built-in functions (as their entries in `ganglion_ir::builtins::FUNCTIONS` say: a helper call, an
//! inline operation sequence, or instructions of the JIT's own), random draws and the matrix
//! exponential.

use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::{InstBuilder, StackSlotData, StackSlotKind, Value, types};
use ganglion_ir::builtins::Lowering;
use ganglion_ir::{Builtin, Inst, Op, Type, ValueId};

use super::{Translator, V, ctype, flags};
use crate::abi::offsets;
use crate::helpers;

impl Translator<'_, '_> {
    /// A call of a built-in function: on packed lanes where the JIT has instructions for it, otherwise
    /// lane by lane.
    pub(super) fn builtin(&mut self, inst: &Inst, f: Builtin, args: &[ValueId]) {
        let ty = inst.ty;
        let arg_ty = self.value_types[&args[0]];
        let packed = if self.lanes() > 1 && !self.is_uniform(args) {
            self.packed_call(f, args, ty)
        } else {
            None
        };
        let v = match packed {
            Some(v) => v,
            None => {
                let args = args.to_vec();
                self.per_lane(inst, &mut |t, _| {
                    let xs: Vec<Value> = args.iter().map(|a| t.scalar(*a, arg_ty)).collect();
                    t.call_scalar(f, arg_ty, ty, &xs)
                })
            }
        };
        self.define(inst, v);
    }

    /// A call on the packed lanes of the wide loop, where the JIT has instructions for it: the inline
    /// sequences of `exp`, `expm1` and `exprel`, `sqrt` and `abs`, and `timestep`.
    pub(super) fn packed_call(&mut self, f: Builtin, args: &[ValueId], ty: Type) -> Option<V> {
        match (f.info().lowering, f) {
            (Lowering::Sequence, _) if self.fma && ty == Type::F64 => {
                let p = self.packed(args[0], Type::F64);
                Some(V::Packed(self.inline_math(f, p, true)))
            }
            (Lowering::Inline, Builtin::Sqrt | Builtin::Abs) if ty.is_float() => {
                let p = self.packed(args[0], ty);
                Some(V::Packed(if f == Builtin::Sqrt {
                    self.b.ins().sqrt(p)
                } else {
                    self.b.ins().fabs(p)
                }))
            }
            (Lowering::Inline, Builtin::Timestep) => {
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
                Some(V::Lanes(lanes))
            }
            _ => None,
        }
    }

    /// A call on one lane's scalars, as the function's entry says.
    pub(super) fn call_scalar(
        &mut self,
        f: Builtin,
        arg_ty: Type,
        ty: Type,
        xs: &[Value],
    ) -> Value {
        if !arg_ty.is_float() {
            return self.integer_call(f, ty, xs);
        }
        match f.info().lowering {
            Lowering::Inline => self.inline_call(f, xs),
            Lowering::Sequence if self.fma => {
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
            _ => self.helper_call(f, arg_ty, xs[0]),
        }
    }

    /// A call of the helper of a function of one float (its table entry's function): single precision
    /// promoted to double, and the result demoted.
    pub(super) fn helper_call(&mut self, f: Builtin, arg_ty: Type, x: Value) -> Value {
        let name = helpers::symbol(f);
        if arg_ty == Type::F32 {
            let w = self.b.ins().fpromote(types::F64, x);
            let r = self.call(&name, &[types::F64], types::F64, &[w]);
            self.b.ins().fdemote(types::F32, r)
        } else {
            self.call(&name, &[types::F64], types::F64, &[x])
        }
    }

    /// The instructions of a function the JIT emits itself, on floats.
    pub(super) fn inline_call(&mut self, f: Builtin, xs: &[Value]) -> Value {
        match f {
            Builtin::Sqrt => self.b.ins().sqrt(xs[0]),
            Builtin::Abs => self.b.ins().fabs(xs[0]),
            Builtin::Clip => {
                // min(max(x, low), high) with NaN staying NaN, as the interpreter does.
                let below = self.b.ins().fcmp(FloatCC::LessThan, xs[0], xs[1]);
                let y = self.b.ins().select(below, xs[1], xs[0]);
                let above = self.b.ins().fcmp(FloatCC::GreaterThan, y, xs[2]);
                self.b.ins().select(above, xs[2], y)
            }
            Builtin::Timestep => {
                // int64((t + 1e-3*dt)/dt)
                let k = self.b.ins().f64const(1e-3);
                let m = self.b.ins().fmul(k, xs[1]);
                let s = self.b.ins().fadd(xs[0], m);
                let q = self.b.ins().fdiv(s, xs[1]);
                self.b.ins().fcvt_to_sint_sat(types::I64, q)
            }
            _ => unreachable!("`{f}` has no inline lowering in the JIT"),
        }
    }

    /// A function on integers (`abs`, `sign`, `clip`: those whose entry has `integers`).
    pub(super) fn integer_call(&mut self, f: Builtin, ty: Type, xs: &[Value]) -> Value {
        match f {
            Builtin::Abs => {
                let neg = self.b.ins().ineg(xs[0]);
                let is_neg = self.b.ins().icmp_imm_s(IntCC::SignedLessThan, xs[0], 0);
                self.b.ins().select(is_neg, neg, xs[0])
            }
            Builtin::Sign => {
                let pos = self.b.ins().icmp_imm_s(IntCC::SignedGreaterThan, xs[0], 0);
                let negv = self.b.ins().icmp_imm_s(IntCC::SignedLessThan, xs[0], 0);
                let p = self.b.ins().uextend(ctype(ty), pos);
                let n = self.b.ins().uextend(ctype(ty), negv);
                self.b.ins().isub(p, n)
            }
            Builtin::Clip => {
                let below = self.b.ins().icmp(IntCC::SignedLessThan, xs[0], xs[1]);
                let y = self.b.ins().select(below, xs[1], xs[0]);
                let above = self.b.ins().icmp(IntCC::SignedGreaterThan, y, xs[2]);
                self.b.ins().select(above, xs[2], y)
            }
            _ => unreachable!("`{f}` takes no integers"),
        }
    }

    /// `exp`, `expm1` or `exprel` of an f64 (or of f64x2 lanes), inline.
    pub(super) fn inline_math(&mut self, f: Builtin, x: Value, vector: bool) -> Value {
        let pool = if vector { Some(&mut self.pool) } else { None };
        let mut m = crate::math::Math::new(&mut self.b, pool);
        match f {
            Builtin::Exp => m.exp(x),
            Builtin::Expm1 => m.expm1(x),
            Builtin::Exprel => m.exprel(x),
            _ => unreachable!("`{f}` has no inline operation sequence"),
        }
    }

    /// A uniform, normal or binomial random draw, for each lane's neuron (never uniform across lanes).
    pub(super) fn draw(&mut self, inst: &Inst) {
        let v = match inst.op {
            Op::Random {
                normal,
                stream,
                draw,
            } => self.per_lane_always(&mut |t, k| {
                let neuron = (!t.in_scalar_code).then(|| t.neuron_index(k));
                t.random(normal, stream, draw, neuron)
            }),
            Op::Binomial { n, p, stream, draw } => self.per_lane_always(&mut |t, k| {
                let neuron = (!t.in_scalar_code).then(|| t.neuron_index(k));
                t.binomial(n, p, stream, draw, neuron)
            }),
            ref op => unreachable!("not a random draw: {op:?}"),
        };
        self.define(inst, v);
    }

    pub(super) fn mix(&mut self, z: Value) -> Value {
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
    pub(super) fn random(
        &mut self,
        normal: bool,
        stream: u32,
        draw: u32,
        neuron: Option<Value>,
    ) -> Value {
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
    pub(super) fn binomial(
        &mut self,
        n: u64,
        p: f64,
        stream: u32,
        draw: u32,
        neuron: Option<Value>,
    ) -> Value {
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
    pub(super) fn random_bits(&mut self, stream: u32, draw: u32, neuron: Option<Value>) -> Value {
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
    pub(super) fn expm(&mut self, n: usize, entries: &[ValueId]) -> Value {
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
}

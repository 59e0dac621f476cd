//! Operators, comparisons, selects and casts: on packed lanes where Cranelift has the instruction,
//! lane by lane otherwise.

use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::{InstBuilder, Value, types};
use ganglion_ir::{BinOp, Builtin, CmpOp, Inst, Op, Type, UnOp};

use super::{Translator, V, ctype, packable, packed_type};

impl Translator<'_, '_> {
    /// A unary or binary operator, a comparison, a select or a cast.
    pub(super) fn arithmetic(&mut self, inst: &Inst) {
        let v = match &inst.op {
            Op::Unary(..) => self.unary(inst),
            Op::Binary(..) => self.binary(inst),
            Op::Cmp(..) => self.compare(inst),
            Op::Select(..) => self.select(inst),
            Op::Cast(_) => self.cast(inst),
            op => unreachable!("not an arithmetic instruction: {op:?}"),
        };
        self.define(inst, v);
    }

    /// A unary operator: negation or `not`.
    pub(super) fn unary(&mut self, inst: &Inst) -> V {
        let Op::Unary(op, x) = &inst.op else {
            unreachable!("not Unary: {:?}", inst.op);
        };
        let wide = self.lanes() > 1;
        let xt = self.value_types[x];
        if wide && !self.is_uniform(&[*x]) && packable(xt) {
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
        }
    }

    /// A binary operator.
    pub(super) fn binary(&mut self, inst: &Inst) -> V {
        let Op::Binary(op, x, y) = &inst.op else {
            unreachable!("not Binary: {:?}", inst.op);
        };
        let wide = self.lanes() > 1;
        let ty = inst.ty;
        let (op, x, y) = (*op, *x, *y);
        let native = matches!(
            (op, ty),
            (
                BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div,
                Type::F64 | Type::F32
            ) | (BinOp::Add | BinOp::Sub, Type::I64)
                | (BinOp::And | BinOp::Or, Type::Bool)
        );
        if wide && native && !self.is_uniform(&[x, y]) {
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
        }
    }

    /// A comparison (a boolean).
    pub(super) fn compare(&mut self, inst: &Inst) -> V {
        let Op::Cmp(op, x, y) = &inst.op else {
            unreachable!("not Cmp: {:?}", inst.op);
        };
        let wide = self.lanes() > 1;
        let (op, x, y) = (*op, *x, *y);
        let xt = self.value_types[&x];
        if wide && packable(xt) && !self.is_uniform(&[x, y]) {
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
        }
    }

    /// A select between two values.
    pub(super) fn select(&mut self, inst: &Inst) -> V {
        let Op::Select(c, x, y) = &inst.op else {
            unreachable!("not Select: {:?}", inst.op);
        };
        let wide = self.lanes() > 1;
        let ty = inst.ty;
        let (c, x, y) = (*c, *x, *y);
        if wide && packable(ty) && !self.is_uniform(&[c, x, y]) {
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
        }
    }

    /// A conversion between types.
    pub(super) fn cast(&mut self, inst: &Inst) -> V {
        let Op::Cast(x) = &inst.op else {
            unreachable!("not Cast: {:?}", inst.op);
        };
        let wide = self.lanes() > 1;
        let ty = inst.ty;
        let x = *x;
        let from = self.value_types[&x];
        if wide
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
        }
    }

    pub(super) fn binary_scalar(&mut self, op: BinOp, ty: Type, a: Value, c: Value) -> Value {
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

    /// `floor(x)`, by the helper of the built-in function.
    pub(super) fn floor(&mut self, x: Value, ty: Type) -> Value {
        self.helper_call(Builtin::Floor, ty, x)
    }

    pub(super) fn cast_scalar(&mut self, v: Value, from: Type, to: Type) -> Value {
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

//! `exp`, `expm1` and `exprel` inline, on one f64 or on f64x2 lanes: the same operations, in the same
//! order, as `ganglion_ir::math`, so the JIT and the interpreter agree bit for bit, and the wide loop
//! needs no call per lane.

use cranelift_codegen::ir::{
    ConstantData, InstBuilder, MemFlagsData, Value, condcodes::FloatCC, types,
};
use cranelift_frontend::FunctionBuilder;
use ganglion_ir::math::{
    EXP_COEFFS, EXP_MAX, EXP_MIN, EXPM1_LARGE, LN2_HI, LN2_LO, LOG2E, ROUNDER,
};

/// Emits the functions on scalars (`vector == false`) or on f64x2 lanes.
pub(crate) struct Math<'a, 'f> {
    b: &'a mut FunctionBuilder<'f>,
    vector: bool,
}

impl<'a, 'f> Math<'a, 'f> {
    pub(crate) fn new(b: &'a mut FunctionBuilder<'f>, vector: bool) -> Self {
        Math { b, vector }
    }

    /// A float constant (in the wide loop, from the constant pool, which x86 reads as an operand).
    fn f(&mut self, c: f64) -> Value {
        if self.vector {
            let bytes: Vec<u8> = [c, c].iter().flat_map(|x| x.to_le_bytes()).collect();
            let h = self.b.func.dfg.constants.insert(ConstantData::from(bytes));
            self.b.ins().vconst(types::F64X2, h)
        } else {
            self.b.ins().f64const(c)
        }
    }

    fn i(&mut self, c: i64) -> Value {
        if self.vector {
            let bytes: Vec<u8> = [c, c].iter().flat_map(|x| x.to_le_bytes()).collect();
            let h = self.b.func.dfg.constants.insert(ConstantData::from(bytes));
            self.b.ins().vconst(types::I64X2, h)
        } else {
            self.b.ins().iconst(types::I64, c)
        }
    }

    fn bits(&mut self, x: Value) -> Value {
        let ty = if self.vector {
            types::I64X2
        } else {
            types::I64
        };
        self.b.ins().bitcast(ty, MemFlagsData::new(), x)
    }

    fn float(&mut self, k: Value) -> Value {
        let ty = if self.vector {
            types::F64X2
        } else {
            types::F64
        };
        self.b.ins().bitcast(ty, MemFlagsData::new(), k)
    }

    /// `if x <cc> c { a } else { b }`.
    fn select_cmp(&mut self, cc: FloatCC, x: Value, c: f64, a: Value, b: Value) -> Value {
        let c = self.f(c);
        let cond = self.b.ins().fcmp(cc, x, c);
        if self.vector {
            let mask = self.float(cond);
            self.b.ins().bitselect(mask, a, b)
        } else {
            self.b.ins().select(cond, a, b)
        }
    }

    /// `if x <cc> c { c2 } else { x }`.
    fn replace_if(&mut self, cc: FloatCC, x: Value, c: f64, by: f64) -> Value {
        let by = self.f(by);
        self.select_cmp(cc, x, c, by, x)
    }

    fn shift(&mut self, k: Value, left: bool, n: i64) -> Value {
        let n = self.b.ins().iconst(types::I64, n);
        if left {
            self.b.ins().ishl(k, n)
        } else {
            self.b.ins().ushr(k, n)
        }
    }

    /// `ganglion_ir::math::expm1_series`.
    fn series(&mut self, x: Value) -> Value {
        let mut p = self.f(EXP_COEFFS[0]);
        for c in &EXP_COEFFS[1..] {
            let m = self.b.ins().fmul(p, x);
            let c = self.f(*c);
            p = self.b.ins().fadd(m, c);
        }
        let m = self.b.ins().fmul(p, x);
        let one = self.f(1.0);
        let p = self.b.ins().fadd(m, one);
        self.b.ins().fmul(p, x)
    }

    /// `ganglion_ir::math::reduce`.
    fn reduce(&mut self, x: Value) -> (Value, Value) {
        let xc = self.replace_if(FloatCC::GreaterThan, x, 710.0, 710.0);
        let xc = self.replace_if(FloatCC::LessThan, xc, -746.0, -746.0);
        let log2e = self.f(LOG2E);
        let rounder = self.f(ROUNDER);
        let m = self.b.ins().fmul(xc, log2e);
        let t = self.b.ins().fadd(m, rounder);
        let kf = self.b.ins().fsub(t, rounder);
        let tb = self.bits(t);
        let rb = self.i(ROUNDER.to_bits() as i64);
        let k = self.b.ins().isub(tb, rb);
        let hi = self.f(LN2_HI);
        let lo = self.f(LN2_LO);
        let m = self.b.ins().fmul(kf, hi);
        let r = self.b.ins().fsub(xc, m);
        let m = self.b.ins().fmul(kf, lo);
        let r = self.b.ins().fsub(r, m);
        (k, self.series(r))
    }

    /// `ganglion_ir::math::pow2`.
    fn pow2(&mut self, k: Value) -> Value {
        let bias = self.i(1023);
        let e = self.b.ins().iadd(k, bias);
        let e = self.shift(e, true, 52);
        self.float(e)
    }

    /// `ganglion_ir::math::scale`.
    fn scale(&mut self, p: Value, k: Value) -> Value {
        let c2048 = self.i(2048);
        let h = self.b.ins().iadd(k, c2048);
        let h = self.shift(h, false, 1);
        let c1024 = self.i(1024);
        let k1 = self.b.ins().isub(h, c1024);
        let k2 = self.b.ins().isub(k, k1);
        let s1 = self.pow2(k1);
        let s2 = self.pow2(k2);
        let y = self.b.ins().fmul(p, s1);
        self.b.ins().fmul(y, s2)
    }

    /// `e^x` from the reduced argument, with the edges.
    fn exp_reduced(&mut self, x: Value, k: Value, q: Value) -> Value {
        let one = self.f(1.0);
        let p = self.b.ins().fadd(q, one);
        let y = self.scale(p, k);
        let inf = self.f(f64::INFINITY);
        let y = self.select_cmp(FloatCC::GreaterThan, x, EXP_MAX, inf, y);
        let zero = self.f(0.0);
        self.select_cmp(FloatCC::LessThan, x, EXP_MIN, zero, y)
    }

    /// `ganglion_ir::math::exp`.
    pub(crate) fn exp(&mut self, x: Value) -> Value {
        let (k, q) = self.reduce(x);
        self.exp_reduced(x, k, q)
    }

    /// `ganglion_ir::math::expm1`.
    pub(crate) fn expm1(&mut self, x: Value) -> Value {
        let (k, q) = self.reduce(x);
        let s = self.pow2(k);
        let one = self.f(1.0);
        let sq = self.b.ins().fmul(s, q);
        let s1 = self.b.ins().fsub(s, one);
        let mid = self.b.ins().fadd(sq, s1);
        let big = self.exp_reduced(x, k, q);
        let big = self.b.ins().fsub(big, one);
        let a = self.b.ins().fabs(x);
        self.select_cmp(FloatCC::LessThan, a, EXPM1_LARGE, mid, big)
    }

    /// `ganglion_ir::math::exprel`.
    pub(crate) fn exprel(&mut self, x: Value) -> Value {
        let e = self.expm1(x);
        let y = self.b.ins().fdiv(e, x);
        let inf = self.f(f64::INFINITY);
        let y = self.select_cmp(FloatCC::GreaterThan, x, 717.0, inf, y);
        let a = self.b.ins().fabs(x);
        let one = self.f(1.0);
        self.select_cmp(FloatCC::LessThan, a, 1e-16, one, y)
    }
}

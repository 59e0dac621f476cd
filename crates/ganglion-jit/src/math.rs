//! `exp`, `expm1` and `exprel` inline, on one f64 or on f64x2 lanes: the same operations, in the same
//! order, as `ganglion_ir::math`, so the JIT and the interpreter agree bit for bit, and the wide loop
//! needs no call per lane.

use cranelift_codegen::ir::{InstBuilder, MemFlagsData, Value, condcodes::FloatCC, types};
use cranelift_frontend::FunctionBuilder;
use ganglion_ir::math::{
    EXP_MAX, EXP_MIN, EXPM1_LARGE, INV_FACTORIAL, LN2_HI, LN2_LO, LOG2E, ROUNDER,
};

/// Vector constants of a kernel: pairs of lanes, 16-byte aligned, read by the code through a pointer in
/// the call context.
///
/// Each use reads its own slot. Cranelift would merge equal `vconst`s and hoist them out of the loop,
/// keeping dozens of registers busy (and spilling them); a load used once is folded into the
/// arithmetic instruction as a memory operand instead. The base address is loaded inside the loop, so
/// that nothing derived from it is hoisted.
#[derive(Default)]
pub(crate) struct ConstPool {
    pub(crate) slots: Vec<u128>,
    pub(crate) base: Option<Value>,
}

impl ConstPool {
    fn load(&mut self, b: &mut FunctionBuilder<'_>, ty: types::Type, bits: u64) -> Value {
        let offset = (self.slots.len() * 16) as i32;
        self.slots.push(u128::from(bits) | (u128::from(bits) << 64));
        let base = self.base.expect("the pool's base is loaded at entry");
        // Read-only and movable: the loads are placed next to their use, and folded into it.
        let flags = MemFlagsData::trusted().with_readonly().with_can_move();
        b.ins().load(ty, flags, base, offset)
    }
}

/// Emits the functions on scalars (no pool) or on f64x2 lanes (constants from the pool).
pub(crate) struct Math<'a, 'f> {
    b: &'a mut FunctionBuilder<'f>,
    pool: Option<&'a mut ConstPool>,
}

impl<'a, 'f> Math<'a, 'f> {
    pub(crate) fn new(b: &'a mut FunctionBuilder<'f>, pool: Option<&'a mut ConstPool>) -> Self {
        Math { b, pool }
    }

    fn vector(&self) -> bool {
        self.pool.is_some()
    }

    fn f(&mut self, c: f64) -> Value {
        match &mut self.pool {
            Some(pool) => pool.load(self.b, types::F64X2, c.to_bits()),
            None => self.b.ins().f64const(c),
        }
    }

    fn i(&mut self, c: i64) -> Value {
        match &mut self.pool {
            Some(pool) => pool.load(self.b, types::I64X2, c as u64),
            None => self.b.ins().iconst(types::I64, c),
        }
    }

    fn bits(&mut self, x: Value) -> Value {
        let ty = if self.vector() {
            types::I64X2
        } else {
            types::I64
        };
        self.b.ins().bitcast(ty, MemFlagsData::new(), x)
    }

    fn float(&mut self, k: Value) -> Value {
        let ty = if self.vector() {
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
        if self.vector() {
            let mask = self.float(cond);
            self.b.ins().bitselect(mask, a, b)
        } else {
            self.b.ins().select(cond, a, b)
        }
    }

    fn shift(&mut self, k: Value, left: bool, n: i64) -> Value {
        let n = self.b.ins().iconst(types::I64, n);
        if left {
            self.b.ins().ishl(k, n)
        } else {
            self.b.ins().ushr(k, n)
        }
    }

    /// `a·b + c`, rounded once.
    fn fma(&mut self, a: Value, b: Value, c: Value) -> Value {
        self.b.ins().fma(a, b, c)
    }

    /// `a·c1 + c0` for constants.
    fn fma_const(&mut self, a: Value, c1: f64, c0: f64) -> Value {
        let c1 = self.f(c1);
        let c0 = self.f(c0);
        self.fma(c1, a, c0)
    }

    /// `ganglion_ir::math::expm1_series` (Estrin's scheme).
    fn series(&mut self, x: Value) -> Value {
        let c = &INV_FACTORIAL;
        let e: Vec<Value> = (0..6)
            .map(|j| self.fma_const(x, c[2 * j + 3], c[2 * j + 2]))
            .collect();
        let x2 = self.b.ins().fmul(x, x);
        let f0 = self.fma(e[1], x2, e[0]);
        let f1 = self.fma(e[3], x2, e[2]);
        let f2 = self.fma(e[5], x2, e[4]);
        let x4 = self.b.ins().fmul(x2, x2);
        let g = self.fma(f1, x4, f0);
        let x8 = self.b.ins().fmul(x4, x4);
        let p = self.fma(f2, x8, g);
        self.fma(p, x2, x)
    }

    /// `ganglion_ir::math::reduce`.
    fn reduce(&mut self, x: Value) -> (Value, Value) {
        let log2e = self.f(LOG2E);
        let rounder = self.f(ROUNDER);
        let m = self.b.ins().fmul(x, log2e);
        let t = self.b.ins().fadd(m, rounder);
        let rounder = self.f(ROUNDER);
        let kf = self.b.ins().fsub(t, rounder);
        let tb = self.bits(t);
        let rb = self.i(ROUNDER.to_bits() as i64);
        let k = self.b.ins().isub(tb, rb);
        let hi = self.f(-LN2_HI);
        let r = self.fma(kf, hi, x);
        let lo = self.f(-LN2_LO);
        let r = self.fma(kf, lo, r);
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
        let s1 = self.b.ins().fsub(s, one);
        let mid = self.fma(s, q, s1);
        let big = self.exp_reduced(x, k, q);
        let one = self.f(1.0);
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

/// Whether this machine has fused multiply-add (the inline functions need it; without it the JIT calls
/// the same functions compiled into Ganglion, with the same results).
pub(crate) fn has_fma() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("fma")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        true
    }
}

//! Transcendental functions computed by a fixed sequence of IEEE operations, so that the interpreter and
//! the JIT's inline vector code give the same bits. Accurate to about one ulp over the whole domain, with
//! the right results at the edges: overflow to infinity, underflow to zero (through subnormals), NaN in →
//! NaN out.
//!
//! `exp` reduces `x = k·ln2 + r` (Cody–Waite, |r| ≤ ln2/2), evaluates `e^r − 1` by its Taylor series to
//! degree 13 (Estrin's scheme with fused multiply-adds: short dependency chains, so that several
//! exponentials of one kernel overlap in the pipeline), and scales by `2^k` in two halves so that
//! subnormal results are rounded once. Every step is an operation Cranelift has on f64x2 lanes without
//! AVX-512; the JIT emits exactly these steps (`ganglion-jit`'s `math.rs`). A fused multiply-add is
//! correctly rounded wherever it is computed (`f64::mul_add` here, the FMA instruction there), so the
//! bits agree.

/// `log2(e)`.
pub const LOG2E: f64 = std::f64::consts::LOG2_E;
/// `ln 2`, high part (trailing zeros make `k·LN2_HI` exact for |k| < 2^11).
pub const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
/// `ln 2 − LN2_HI`.
pub const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);
/// `1.5·2^52`: adding and subtracting it rounds to the nearest integer (ties to even).
pub const ROUNDER: f64 = 6_755_399_441_055_744.0;
/// Above this, `exp` overflows.
pub const EXP_MAX: f64 = 709.782_712_893_384;
/// Below this, `exp` is 0.
pub const EXP_MIN: f64 = -745.133_219_101_941_2;
/// `1/k!` for k = 0..=13: the Taylor coefficients of `e^x`.
pub const INV_FACTORIAL: [f64; 14] = [
    1.0,
    1.0,
    1.0 / 2.0,
    1.0 / 6.0,
    1.0 / 24.0,
    1.0 / 120.0,
    1.0 / 720.0,
    1.0 / 5_040.0,
    1.0 / 40_320.0,
    1.0 / 362_880.0,
    1.0 / 3_628_800.0,
    1.0 / 39_916_800.0,
    1.0 / 479_001_600.0,
    1.0 / 6_227_020_800.0,
];

/// `x + x²/2 + ... + x^13/13!`: `e^x − 1` by its Taylor series, accurate for |x| ≤ ln2/2. Estrin's
/// scheme on `x² · (1/2 + x/6 + ... + x^11/13!)`, then `+ x`.
#[inline]
pub fn expm1_series(x: f64) -> f64 {
    let c = &INV_FACTORIAL;
    // (Written out rather than with `array::map`, which is not inlined into the functions of `host`
    // and would run without their instructions.)
    let e = [
        c[3].mul_add(x, c[2]),
        c[5].mul_add(x, c[4]),
        c[7].mul_add(x, c[6]),
        c[9].mul_add(x, c[8]),
        c[11].mul_add(x, c[10]),
        c[13].mul_add(x, c[12]),
    ];
    let x2 = x * x;
    let f0 = e[1].mul_add(x2, e[0]);
    let f1 = e[3].mul_add(x2, e[2]);
    let f2 = e[5].mul_add(x2, e[4]);
    let x4 = x2 * x2;
    let g = f1.mul_add(x4, f0);
    let x8 = x4 * x4;
    let p = f2.mul_add(x8, g);
    p.mul_add(x2, x)
}

/// `x = k·ln2 + r`: returns `k` and `e^r − 1`. Outside [−746, 710] (and for NaN) `k` is meaningless;
/// the callers replace those results.
#[inline]
pub fn reduce(x: f64) -> (i64, f64) {
    let t = x * LOG2E + ROUNDER;
    let kf = t - ROUNDER;
    // Wrapping: for huge or non-finite inputs `k` is garbage, and is not used.
    let k = (t.to_bits() as i64).wrapping_sub(ROUNDER.to_bits() as i64);
    let r = kf.mul_add(-LN2_HI, x);
    let r = kf.mul_add(-LN2_LO, r);
    (k, expm1_series(r))
}

/// `2^k` for −1022 ≤ k ≤ 1023 (the bits of the exponent field, nothing else).
#[inline]
pub fn pow2(k: i64) -> f64 {
    f64::from_bits((k.wrapping_add(1023) as u64) << 52)
}

/// `p·2^k`, in two halves so that both factors are normal and a subnormal result is rounded once.
#[inline]
pub fn scale(p: f64, k: i64) -> f64 {
    let k1 = ((k.wrapping_add(2048) as u64) >> 1) as i64 - 1024;
    let k2 = k.wrapping_sub(k1);
    (p * pow2(k1)) * pow2(k2)
}

/// `e^x`.
#[inline]
pub fn exp(x: f64) -> f64 {
    let (k, q) = reduce(x);
    let y = scale(q + 1.0, k);
    let y = if x > EXP_MAX { f64::INFINITY } else { y };
    if x < EXP_MIN { 0.0 } else { y }
}

/// Where `expm1` stops reducing its argument and computes `e^x − 1` directly.
pub const EXPM1_LARGE: f64 = 40.0;

/// `e^x − 1`, accurate near 0: `2^k (e^r − 1) + (2^k − 1)` with `x = k·ln2 + r` (no cancellation; for
/// |x| < ln2/2, `k` = 0 and this is the series of `x` itself); `exp(x) − 1` for |x| ≥ 40, where the
/// subtraction is exact or rounds to −1.
#[inline]
pub fn expm1(x: f64) -> f64 {
    let (k, q) = reduce(x);
    let s = pow2(k);
    let mid = s.mul_add(q, s - 1.0);
    let big = scale(q + 1.0, k);
    let big = if x > EXP_MAX { f64::INFINITY } else { big };
    let big = if x < EXP_MIN { 0.0 } else { big };
    let big = big - 1.0;
    if x.abs() < EXPM1_LARGE { mid } else { big }
}

/// `(e^x − 1)/x`, 1 at 0 (Brian2's `exprel`).
#[inline]
pub fn exprel(x: f64) -> f64 {
    let y = expm1(x) / x;
    let y = if x > 717.0 { f64::INFINITY } else { y };
    if x.abs() < 1e-16 { 1.0 } else { y }
}

/// A function of this module applied to every element of a slice: `y[k] = f(x[k])`, the same bits as
/// [`exp`], [`expm1`] or [`exprel`] on each element. The JIT calls it once per block of neurons,
/// through [`host`], where the machine has wider vectors than the two lanes it emits itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SliceFn {
    /// [`exp`].
    Exp,
    /// [`expm1`].
    Expm1,
    /// [`exprel`].
    Exprel,
}

impl SliceFn {
    /// `y[k] = f(x[k])` for `k` below the shorter length, with this build's instructions.
    #[inline(always)]
    pub fn apply(self, x: &[f64], y: &mut [f64]) {
        // One loop per function, each with its function inline, so that the compiler vectorises it.
        #[inline(always)]
        fn map(x: &[f64], y: &mut [f64], f: impl Fn(f64) -> f64) {
            for (y, x) in y.iter_mut().zip(x) {
                *y = f(*x);
            }
        }
        match self {
            SliceFn::Exp => map(x, y, exp),
            SliceFn::Expm1 => map(x, y, expm1),
            SliceFn::Exprel => map(x, y, exprel),
        }
    }
}

/// [`SliceFn::apply`] compiled for wider vectors than the build's: the same Rust code, so the same IEEE
/// operations on each element (a fused multiply-add is one rounding in any width), vectorised by the
/// compiler four or eight lanes at a time. Calling one needs the machine to have the features its name
/// says (`unsafe`; the JIT's `abi` module checks them first).
pub mod host {
    use super::SliceFn;

    /// With AVX2 and FMA (four lanes).
    ///
    /// # Safety
    /// The machine has AVX2 and FMA.
    #[target_feature(enable = "avx2,fma")]
    #[cfg(target_arch = "x86_64")]
    pub fn apply_avx2(f: SliceFn, x: &[f64], y: &mut [f64]) {
        f.apply(x, y)
    }

    /// With AVX-512 (eight lanes).
    ///
    /// # Safety
    /// The machine has AVX-512F, AVX2 and FMA.
    #[target_feature(enable = "avx512f,avx2,fma")]
    #[cfg(target_arch = "x86_64")]
    pub fn apply_avx512(f: SliceFn, x: &[f64], y: &mut [f64]) {
        f.apply(x, y)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ulps(a: f64, b: f64) -> u64 {
        if a == b || (a.is_nan() && b.is_nan()) {
            return 0;
        }
        let (x, y) = (a.to_bits() as i64, b.to_bits() as i64);
        (x - y).unsigned_abs()
    }

    #[test]
    fn exp_is_within_one_ulp_of_libm() {
        let mut worst = 0;
        let mut x = -745.0;
        while x < 709.7 {
            worst = worst.max(ulps(exp(x), x.exp()));
            x += 0.0137;
        }
        for k in -2000..2000 {
            let x = k as f64 * 1e-3;
            worst = worst.max(ulps(exp(x), x.exp()));
        }
        assert!(worst <= 1, "worst error {worst} ulp");
    }

    #[test]
    fn exp_edges() {
        assert_eq!(exp(0.0), 1.0);
        assert_eq!(exp(f64::INFINITY), f64::INFINITY);
        assert_eq!(exp(f64::NEG_INFINITY), 0.0);
        assert!(exp(f64::NAN).is_nan());
        assert_eq!(exp(710.0), f64::INFINITY);
        assert_eq!(exp(-746.0), 0.0);
        // Subnormal results.
        let x = -740.0;
        assert!(ulps(exp(x), x.exp()) <= 1, "{} {}", exp(x), x.exp());
        assert!(exp(-745.0) > 0.0);
    }

    #[test]
    fn expm1_and_exprel() {
        let mut worst = 0;
        for k in -3000..3000 {
            let x = k as f64 * 3e-4;
            worst = worst.max(ulps(expm1(x), x.exp_m1()));
        }
        for k in -50..50 {
            let x = k as f64 * 1e-12;
            worst = worst.max(ulps(expm1(x), x.exp_m1()));
        }
        assert!(worst <= 2, "worst error {worst} ulp");
        assert_eq!(exprel(0.0), 1.0);
        assert!((exprel(1e-8) - 1.000000005).abs() < 1e-15);
        assert_eq!(exprel(800.0), f64::INFINITY);
        assert!(exprel(f64::NAN).is_nan());
        assert_eq!(exprel(-800.0), 1.0 / 800.0);
    }
}

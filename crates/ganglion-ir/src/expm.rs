//! The matrix exponential, for the `exact` integrator of linear systems.

/// For an `n`×`n` matrix `m` (row-major), returns `exp(m)` followed by `∫₀¹ exp(s·m) ds`, both row-major.
///
/// Computed as the exponential of the block matrix `[[m, c·I], [0, 0]]`, whose upper blocks are `exp(m)`
/// and `c·∫₀¹ exp(s·m) ds`. The integral is what makes singular `m` work: `dv/dt = 10*Hz` integrates
/// exactly. `c` is a power of two near the norm of `m` (so dividing by it is exact), so that the identity
/// block does not inflate the norm, and with it the number of squarings, when `m` is small (`M·dt`).
pub fn expm_with_integral(n: usize, m: &[f64]) -> Vec<f64> {
    let size = 2 * n;
    let norm = inf_norm(n, m);
    let c = if norm.is_finite() && norm > 0.0 {
        2f64.powi(norm.log2().floor().clamp(-60.0, 0.0) as i32)
    } else {
        1.0
    };
    let mut a = vec![0.0; size * size];
    for r in 0..n {
        for col in 0..n {
            a[r * size + col] = m[r * n + col];
        }
        a[r * size + n + r] = c;
    }
    let e = expm(size, &a);
    let mut out = Vec::with_capacity(2 * n * n);
    for r in 0..n {
        out.extend_from_slice(&e[r * size..r * size + n]);
    }
    for r in 0..n {
        out.extend(e[r * size + n..r * size + 2 * n].iter().map(|x| x / c));
    }
    out
}

fn inf_norm(n: usize, a: &[f64]) -> f64 {
    let mut norm: f64 = 0.0;
    for i in 0..n {
        let row: f64 = (0..n).map(|j| a[i * n + j].abs()).sum();
        if row.is_nan() {
            return f64::NAN;
        }
        norm = norm.max(row);
    }
    norm
}

fn matmul(n: usize, a: &[f64], b: &[f64]) -> Vec<f64> {
    let mut c = vec![0.0; n * n];
    for i in 0..n {
        for k in 0..n {
            let aik = a[i * n + k];
            if aik == 0.0 {
                continue;
            }
            for j in 0..n {
                c[i * n + j] += aik * b[k * n + j];
            }
        }
    }
    c
}

/// `exp(a)` of an `n`×`n` matrix (row-major).
///
/// Scaling and squaring on `exp(a) - I` rather than `exp(a)` (the matrix analogue of `expm1`): the
/// Taylor series of the scaled matrix without its leading `I`, then `E ← 2E + E²` for each squaring, and
/// `I + E` at the end. Squaring `exp` itself would double its rounding error at every squaring; this keeps
/// the result within a few ulp.
pub fn expm(n: usize, a: &[f64]) -> Vec<f64> {
    let norm = inf_norm(n, a);
    if !norm.is_finite() {
        return vec![f64::NAN; n * n];
    }
    // Scale so that the norm is at most 1/4, then square back.
    let mut squarings = 0;
    let mut scale = 1.0;
    while norm * scale > 0.25 && squarings < 1100 {
        scale *= 0.5;
        squarings += 1;
    }
    let scaled: Vec<f64> = a.iter().map(|x| x * scale).collect();
    // E = Σ_{k≥1} A^k / k!
    let mut e = scaled.clone();
    let mut term = scaled.clone();
    for k in 2..=30 {
        term = matmul(n, &term, &scaled);
        let inv = 1.0 / k as f64;
        term.iter_mut().for_each(|x| *x *= inv);
        let mut largest: f64 = 0.0;
        let mut size: f64 = 0.0;
        for (r, t) in e.iter_mut().zip(&term) {
            *r += t;
            largest = largest.max(t.abs());
            size = size.max(r.abs());
        }
        if largest <= size * 1e-18 {
            break;
        }
    }
    // Square E while it is small; once it is not, `I + E` has lost nothing and squaring `exp` itself
    // keeps the relative accuracy of entries that decay towards 0 (which `I + E` would cancel away).
    let mut remaining = squarings;
    while remaining > 0 && inf_norm(n, &e) <= 0.5 {
        let sq = matmul(n, &e, &e);
        for (x, s) in e.iter_mut().zip(sq) {
            *x = 2.0 * *x + s;
        }
        remaining -= 1;
    }
    for i in 0..n {
        e[i * n + i] += 1.0;
    }
    for _ in 0..remaining {
        e = matmul(n, &e, &e);
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalar_exponential_and_integral() {
        let r = expm_with_integral(1, &[-0.01]);
        assert!((r[0] - (-0.01f64).exp()).abs() < 1e-16);
        let integral = -(-0.01f64).exp_m1() / 0.01;
        assert!((r[1] - integral).abs() < 1e-15);
        // Singular: exp(0) = 1 and the integral is 1.
        assert_eq!(expm_with_integral(1, &[0.0]), vec![1.0, 1.0]);
    }

    #[test]
    fn rotation() {
        let t = 0.7f64;
        let e = expm(2, &[0.0, -t, t, 0.0]);
        let want = [t.cos(), -t.sin(), t.sin(), t.cos()];
        for (a, b) in e.iter().zip(want) {
            assert!((a - b).abs() < 1e-15, "{a} {b}");
        }
    }

    #[test]
    fn large_norms_are_scaled() {
        let e = expm(1, &[-50.0]);
        assert!(((e[0] - (-50.0f64).exp()) / (-50.0f64).exp()).abs() < 1e-12);
    }
}

//! The matrix exponential, for the `exact` integrator of linear systems.

/// For an `n`×`n` matrix `m` (row-major), returns `exp(m)` followed by `∫₀¹ exp(s·m) ds`, both row-major.
///
/// Computed as the exponential of the block matrix `[[m, I], [0, 0]]`, whose upper blocks are exactly
/// these two, by scaling and squaring with a Taylor series (to full double precision for the scaled
/// matrix). The integral is what makes singular `m` work: `dv/dt = 10*Hz` integrates exactly.
pub fn expm_with_integral(n: usize, m: &[f64]) -> Vec<f64> {
    let size = 2 * n;
    let mut a = vec![0.0; size * size];
    for r in 0..n {
        for c in 0..n {
            a[r * size + c] = m[r * n + c];
        }
        a[r * size + n + r] = 1.0;
    }
    let e = expm(size, &a);
    let mut out = Vec::with_capacity(2 * n * n);
    for r in 0..n {
        out.extend_from_slice(&e[r * size..r * size + n]);
    }
    for r in 0..n {
        out.extend_from_slice(&e[r * size + n..r * size + 2 * n]);
    }
    out
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
pub fn expm(n: usize, a: &[f64]) -> Vec<f64> {
    let norm = (0..n)
        .map(|i| (0..n).map(|j| a[i * n + j].abs()).sum::<f64>())
        .fold(0.0, f64::max);
    if !norm.is_finite() {
        return vec![f64::NAN; n * n];
    }
    // Scale so that the norm is at most 1/2, then square back.
    let mut squarings = 0;
    let mut scale = 1.0;
    while norm * scale > 0.5 && squarings < 1100 {
        scale *= 0.5;
        squarings += 1;
    }
    let scaled: Vec<f64> = a.iter().map(|x| x * scale).collect();
    let mut result = vec![0.0; n * n];
    let mut term = vec![0.0; n * n];
    for i in 0..n {
        result[i * n + i] = 1.0;
        term[i * n + i] = 1.0;
    }
    for k in 1..=30 {
        term = matmul(n, &term, &scaled);
        let inv = 1.0 / k as f64;
        term.iter_mut().for_each(|x| *x *= inv);
        let mut largest: f64 = 0.0;
        for (r, t) in result.iter_mut().zip(&term) {
            *r += t;
            largest = largest.max(t.abs());
        }
        if largest < 1e-18 {
            break;
        }
    }
    for _ in 0..squarings {
        result = matmul(n, &result, &result);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalar_exponential_and_integral() {
        let r = expm_with_integral(1, &[-0.01]);
        assert!((r[0] - (-0.01f64).exp()).abs() < 1e-16);
        let integral = (1.0 - (-0.01f64).exp()) / 0.01;
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

//! The counter-based random numbers every backend shares.
//!
//! A draw is a pure function of (seed, stream, step, neuron, draw number): no state advances, so the
//! numbers do not depend on the backend, on the order neurons are visited, or on the number of threads.
//! The hash is two rounds of the splitmix64 finaliser over the mixed counter.

/// The neuron number used for draws in scalar (per-step) code.
pub const SCALAR_NEURON: u64 = u64::MAX;

/// The splitmix64 finaliser: a bijective 64-bit mixer.
#[inline]
pub fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The key of one kernel's stream under a seed.
#[inline]
pub fn key(seed: u64, stream: u64) -> u64 {
    mix(seed ^ mix(stream ^ 0x6a09_e667_f3bc_c908))
}

/// The 64 random bits of one draw.
#[inline]
pub fn bits(key: u64, step: u64, neuron: u64, draw: u32) -> u64 {
    let h = mix(key.wrapping_add(step.wrapping_mul(0x9e37_79b9_7f4a_7c15)));
    mix(h
        ^ neuron.wrapping_mul(0xd1b5_4a32_d192_ed03)
        ^ u64::from(draw).wrapping_mul(0x8cb9_2ba7_2f3d_8dd7))
}

/// A uniform number in [0, 1) from random bits (53 bits of precision).
#[inline]
pub fn uniform(bits: u64) -> f64 {
    (bits >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A standard normal number from random bits: `rand_distr`'s ziggurat (Doornik's improved method), fed
/// the draw's bits first and, for the rare rejections, bits rehashed from them.
pub fn normal(bits: u64) -> f64 {
    use rand_distr::Distribution;
    rand_distr::StandardNormal.sample(&mut DrawBits(bits))
}

/// The random bits of one draw as a generator: the bits themselves, then a rehash of them per request.
struct DrawBits(u64);

impl rand::rand_core::TryRng for DrawBits {
    type Error = core::convert::Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        Ok((self.try_next_u64()? >> 32) as u32)
    }

    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        let b = self.0;
        self.0 = mix(b ^ 0xbb67_ae85_84ca_a73b);
        Ok(b)
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        for chunk in dst.chunks_mut(8) {
            let b = self.try_next_u64()?.to_le_bytes();
            chunk.copy_from_slice(&b[..chunk.len()]);
        }
        Ok(())
    }
}

/// `normal` with the C calling convention, for generated code.
pub extern "C" fn normal_c(bits: u64) -> f64 {
    normal(bits)
}

/// Brian2's `BinomialFunction(n, p)` (what `PoissonInput` draws from), with its constants computed once.
///
/// As Brian2: when `n·p > 5` and `n·(1-p) > 5` the sample is the normal approximation
/// `randn()·sqrt(n·p·(1-p)) + n·p` (a float, not rounded); otherwise it is exact, by numpy's inversion
/// algorithm (`rk_binomial_inversion`, which Brian2's compiled targets copy) on `min(p, 1-p)`, giving
/// `n - X` when `p > 0.5`. Both branches start from the 64 random bits of one draw; when the inversion
/// needs a fresh uniform number (it restarts past its bound), the next one comes from mixing those bits
/// again, so a sample is still a pure function of (seed, stream, step, neuron, draw).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Binomial {
    /// Number of trials.
    pub n: u64,
    /// How to sample.
    pub method: BinomialMethod,
}

/// How a [`Binomial`] is sampled, with the constants each way needs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum BinomialMethod {
    /// `randn()·scale + loc`.
    Normal {
        /// `n·p`.
        loc: f64,
        /// `sqrt(n·p·(1-p))`.
        scale: f64,
    },
    /// Inversion on `p_small = min(p, 1-p)`.
    Inversion {
        /// `min(p, 1-p)`.
        p_small: f64,
        /// `1 - p_small`.
        q: f64,
        /// `q**n`, computed as `exp(n·log(q))`.
        qn: f64,
        /// `min(n, n·p_small + 10·sqrt(n·p_small·q + 1))`: past it the inversion starts again.
        bound: f64,
        /// Whether `p > 0.5` (the sample is `n - X`).
        reverse: bool,
    },
}

/// Restarts of the inversion after which it gives up and returns its bound (never reached in practice:
/// each restart has a chance of about 1e-20 or less).
const MAX_RESTARTS: u32 = 64;

impl Binomial {
    /// The distribution of `n` trials of probability `p` (0 ≤ p ≤ 1), approximated by a normal
    /// distribution where Brian2 approximates it.
    pub fn new(n: u64, p: f64) -> Binomial {
        let nf = n as f64;
        let method = if nf * p > 5.0 && nf * (1.0 - p) > 5.0 {
            BinomialMethod::Normal {
                loc: nf * p,
                scale: (nf * p * (1.0 - p)).sqrt(),
            }
        } else {
            let reverse = p > 0.5;
            let p_small = if reverse { 1.0 - p } else { p };
            let q = 1.0 - p_small;
            let qn = (nf * q.ln()).exp();
            let bound = nf.min(nf * p_small + 10.0 * (nf * p_small * q + 1.0).sqrt());
            BinomialMethod::Inversion {
                p_small,
                q,
                qn,
                bound,
                reverse,
            }
        };
        Binomial { n, method }
    }

    /// The constants as plain words, for generated code: `(mode, [a, b, c, d])` with mode 0 for the
    /// normal approximation (`a` = loc, `b` = scale), 1 for inversion and 2 for reversed inversion
    /// (`a` = p_small, `b` = q, `c` = qn, `d` = bound). [`Binomial::from_words`] inverts it exactly.
    pub fn to_words(&self) -> (u64, [f64; 4]) {
        match self.method {
            BinomialMethod::Normal { loc, scale } => (0, [loc, scale, 0.0, 0.0]),
            BinomialMethod::Inversion {
                p_small,
                q,
                qn,
                bound,
                reverse,
            } => (1 + u64::from(reverse), [p_small, q, qn, bound]),
        }
    }

    /// The distribution [`Binomial::to_words`] described.
    pub fn from_words(n: u64, mode: u64, w: [f64; 4]) -> Binomial {
        let method = match mode {
            0 => BinomialMethod::Normal {
                loc: w[0],
                scale: w[1],
            },
            _ => BinomialMethod::Inversion {
                p_small: w[0],
                q: w[1],
                qn: w[2],
                bound: w[3],
                reverse: mode == 2,
            },
        };
        Binomial { n, method }
    }

    /// A sample from the random bits of one draw.
    pub fn sample(&self, bits: u64) -> f64 {
        match self.method {
            BinomialMethod::Normal { loc, scale } => normal(bits) * scale + loc,
            BinomialMethod::Inversion {
                p_small,
                q,
                qn,
                bound,
                reverse,
            } => {
                let n = self.n;
                let mut state = bits;
                let mut u = uniform(state);
                let mut x: u64 = 0;
                let mut px = qn;
                let mut restarts = 0;
                while u > px {
                    x += 1;
                    if x as f64 > bound {
                        restarts += 1;
                        if restarts > MAX_RESTARTS {
                            x = bound as u64;
                            break;
                        }
                        x = 0;
                        px = qn;
                        state = mix(state ^ 0x3c6e_f372_fe94_f82b);
                        u = uniform(state);
                    } else {
                        u -= px;
                        px = ((n - x + 1) as f64 * p_small * px) / (x as f64 * q);
                    }
                }
                if reverse { (n - x) as f64 } else { x as f64 }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uniform_moments() {
        let k = key(42, 7);
        let n = 200_000;
        let xs: Vec<f64> = (0..n).map(|i| uniform(bits(k, 3, i, 0))).collect();
        let mean = xs.iter().sum::<f64>() / n as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
        assert!((mean - 0.5).abs() < 0.005, "{mean}");
        assert!((var - 1.0 / 12.0).abs() < 0.002, "{var}");
        assert!(xs.iter().all(|x| (0.0..1.0).contains(x)));
    }

    #[test]
    fn normal_moments() {
        let k = key(1, 2);
        let n = 200_000;
        let xs: Vec<f64> = (0..n).map(|i| normal(bits(k, i, 5, 1))).collect();
        let mean = xs.iter().sum::<f64>() / n as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
        let kurt = xs.iter().map(|x| (x - mean).powi(4)).sum::<f64>() / n as f64 / var.powi(2);
        assert!(mean.abs() < 0.01, "{mean}");
        assert!((var - 1.0).abs() < 0.01, "{var}");
        assert!((kurt - 3.0).abs() < 0.05, "{kurt}");
        assert!(xs.iter().all(|x| x.is_finite()));
    }

    /// The distribution function at points from the tails to the centre, within 5 standard errors of
    /// the normal's (the ziggurat's layers, wedges and tail all take part).
    #[test]
    fn normal_distribution_function() {
        let k = key(7, 11);
        let n = 1_000_000u64;
        let xs: Vec<f64> = (0..n).map(|i| normal(bits(k, 42, i, 3))).collect();
        // Φ(z) for z = 0.5, 1, 2, 3, 3.5, 4.
        for (z, phi) in [
            (0.5, 0.691_462_461_274_013),
            (1.0, 0.841_344_746_068_543),
            (2.0, 0.977_249_868_051_821),
            (3.0, 0.998_650_101_968_370),
            (3.5, 0.999_767_370_920_964),
            (4.0, 0.999_968_328_758_167),
        ] {
            for (point, p) in [(z, phi), (-z, 1.0 - phi)] {
                let below = xs.iter().filter(|&&x| x < point).count() as f64 / n as f64;
                let se = (p * (1.0 - p) / n as f64).sqrt();
                assert!(
                    (below - p).abs() < 5.0 * se,
                    "P(x < {point}) = {below}, expected {p} ± {se}"
                );
            }
        }
        let centre = xs.iter().filter(|&&x| x < 0.0).count() as f64 / n as f64;
        assert!((centre - 0.5).abs() < 0.0025, "{centre}");
    }

    /// Mean and variance (ddof 0) of `count` samples of `b`, one per neuron of one step.
    fn moments(b: &Binomial, count: u64) -> (f64, f64, Vec<f64>) {
        let k = key(3, 9);
        let xs: Vec<f64> = (0..count).map(|i| b.sample(bits(k, 17, i, 2))).collect();
        let n = xs.len() as f64;
        let mean = xs.iter().sum::<f64>() / n;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
        (mean, var, xs)
    }

    /// The binomial probability of `k` successes in `n` trials.
    fn pmf(n: u64, p: f64, k: u64) -> f64 {
        let ln_choose: f64 = (1..=k).map(|j| ((n - k + j) as f64 / j as f64).ln()).sum();
        (ln_choose + k as f64 * p.ln() + (n - k) as f64 * (1.0 - p).ln()).exp()
    }

    #[test]
    fn binomial_inversion_has_the_binomial_distribution() {
        // (n, p): small n*p, moderate n*p, and p > 0.5 (sampled as n - X on 1 - p).
        for (n, p) in [(200u64, 0.002), (10, 0.3), (10, 0.8), (1, 0.5), (40, 0.1)] {
            let b = Binomial::new(n, p);
            assert!(
                matches!(b.method, BinomialMethod::Inversion { .. }),
                "{n}, {p}: {b:?}"
            );
            let count = 200_000u64;
            let (mean, var, xs) = moments(&b, count);
            let (m, v) = (n as f64 * p, n as f64 * p * (1.0 - p));
            // The standard error of the mean is sqrt(v/count); of the variance about v*sqrt(2/count).
            assert!(
                (mean - m).abs() < 5.0 * (v / count as f64).sqrt(),
                "{n}, {p}: mean {mean}"
            );
            assert!(
                (var - v).abs() < 6.0 * v * (2.0 / count as f64).sqrt() + 1e-3,
                "{n}, {p}: var {var}"
            );
            assert!(
                xs.iter()
                    .all(|x| x.fract() == 0.0 && *x >= 0.0 && *x <= n as f64)
            );
            // Each frequency within 5 standard errors of the exact probability.
            for k in 0..=n.min(12) {
                let f = xs.iter().filter(|x| **x == k as f64).count() as f64 / count as f64;
                let q = pmf(n, p, k);
                let se = (q * (1.0 - q) / count as f64).sqrt();
                assert!(
                    (f - q).abs() <= 5.0 * se + 1e-5,
                    "{n}, {p}: P({k}) = {f}, exact {q}"
                );
            }
        }
    }

    #[test]
    fn binomial_normal_approximation_where_brian2_uses_it() {
        // Brian2: normal when n*p > 5 and n*(1-p) > 5.
        for (n, p) in [(10_000u64, 0.001), (100, 0.5), (1000, 0.9)] {
            let b = Binomial::new(n, p);
            let BinomialMethod::Normal { loc, scale } = b.method else {
                panic!("{n}, {p}: {b:?}");
            };
            assert_eq!(loc, n as f64 * p);
            assert_eq!(scale, (n as f64 * p * (1.0 - p)).sqrt());
            let count = 200_000u64;
            let (mean, var, xs) = moments(&b, count);
            let v = n as f64 * p * (1.0 - p);
            assert!(
                (mean - loc).abs() < 5.0 * (v / count as f64).sqrt(),
                "{n}, {p}: mean {mean}"
            );
            assert!(
                (var - v).abs() < 6.0 * v * (2.0 / count as f64).sqrt(),
                "{n}, {p}: var {var}"
            );
            // Not rounded, as in Brian2.
            assert!(xs.iter().any(|x| x.fract() != 0.0));
        }
        // The boundary: n*p = 5 is not > 5.
        assert!(matches!(
            Binomial::new(100, 0.05).method,
            BinomialMethod::Inversion { .. }
        ));
        assert!(matches!(
            Binomial::new(100, 0.0501).method,
            BinomialMethod::Normal { .. }
        ));
        assert!(matches!(
            Binomial::new(100, 0.96).method,
            BinomialMethod::Inversion { reverse: true, .. }
        ));
    }

    #[test]
    fn binomial_edge_probabilities_and_words() {
        let k = key(1, 1);
        for i in 0..1000 {
            assert_eq!(Binomial::new(50, 0.0).sample(bits(k, i, 0, 0)), 0.0);
            assert_eq!(Binomial::new(50, 1.0).sample(bits(k, i, 0, 0)), 50.0);
        }
        for (n, p) in [(10u64, 0.3), (10, 0.8), (10_000, 0.001)] {
            let b = Binomial::new(n, p);
            let (mode, w) = b.to_words();
            let c = Binomial::from_words(n, mode, w);
            assert_eq!(b, c);
            for i in 0..100 {
                let r = bits(k, i, 3, 1);
                assert_eq!(b.sample(r).to_bits(), c.sample(r).to_bits());
            }
        }
    }

    #[test]
    fn draws_are_independent_of_each_coordinate() {
        let k = key(0, 0);
        let a = bits(k, 1, 1, 0);
        assert_ne!(a, bits(k, 2, 1, 0));
        assert_ne!(a, bits(k, 1, 2, 0));
        assert_ne!(a, bits(k, 1, 1, 1));
        assert_ne!(a, bits(key(1, 0), 1, 1, 0));
        assert_ne!(a, bits(key(0, 1), 1, 1, 0));
    }
}

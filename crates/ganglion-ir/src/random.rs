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

/// A standard normal number from random bits (Box–Muller on two uniforms derived from them).
pub fn normal(bits: u64) -> f64 {
    let u1 = ((bits >> 11) + 1) as f64 * (1.0 / (1u64 << 53) as f64); // (0, 1]
    let u2 = uniform(mix(bits ^ 0xbb67_ae85_84ca_a73b));
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// `normal` with the C calling convention, for generated code.
pub extern "C" fn normal_c(bits: u64) -> f64 {
    normal(bits)
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

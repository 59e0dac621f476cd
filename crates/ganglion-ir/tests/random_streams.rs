//! Random numbers are a pure function of (seed, stream, step, neuron, draw): the same neuron gets the same
//! numbers whatever order neurons are visited in (all of them, a permutation, a subset through an event
//! buffer), and the numbers change with each coordinate. The interpreter's draws are exactly the documented
//! counter-based function, which the JIT emits too.

mod common;

use common::*;
use ganglion_ir::interp::{self, ArrayData, Bindings, Clock};
use ganglion_ir::random;
use ganglion_ir::*;

/// `u[i] = rand()` (draw 0), `z[i] = randn()` (draw 1), and `s[i] = a scalar-block rand()` (draw 2).
fn draws(name: &str, domain_events: bool) -> Kernel {
    let mut k = Kernel::new(name, KernelKind::StateUpdate, Domain::Neurons);
    if domain_events {
        let e = k.event("spike");
        k.domain = Domain::Events(e);
    }
    let mut b = Builder::new(k);
    let u = f64_array(&mut b, "u");
    let z = f64_array(&mut b, "z");
    let s = f64_array(&mut b, "s");
    b.set_level(Level::Scalar);
    let per_step = b.value(
        Type::F64,
        Op::Random {
            normal: false,
            stream: 0,
            draw: 2,
        },
    );
    b.set_level(Level::Vector);
    let x = b.value(
        Type::F64,
        Op::Random {
            normal: false,
            stream: 0,
            draw: 0,
        },
    );
    store(&mut b, u, x);
    let y = b.value(
        Type::F64,
        Op::Random {
            normal: true,
            stream: 0,
            draw: 1,
        },
    );
    store(&mut b, z, y);
    store(&mut b, s, per_step);
    let k = b.finish();
    verify(&k).unwrap();
    k
}

const N: usize = 64;

/// Runs `k` once at `step` with `seed`; over the event buffer `order` when the kernel iterates over events.
/// Returns (u, z, s); unvisited neurons keep NaN.
fn run(k: &Kernel, seed: u64, step: i64, order: &[u32]) -> [Vec<f64>; 3] {
    let mut arrays: Vec<ArrayData> = (0..3)
        .map(|_| ArrayData::from_f64(vec![f64::NAN; N]))
        .collect();
    let mut buffer = order.to_vec();
    let setup = interp::run_setup(k, &[], 1e-4);
    let mut bind = Bindings {
        arrays: arrays.iter_mut().collect(),
        params: &[],
        events: if k.events.is_empty() {
            vec![]
        } else {
            vec![&mut buffer]
        },
        clock: Clock {
            t: step as f64 * 1e-4,
            dt: 1e-4,
            step,
        },
        seed,
        n: N,
        first: 0,
    };
    interp::run(k, &setup, &mut bind).unwrap();
    let [a, b, c] = [0, 1, 2].map(|i| arrays[i].to_f64_vec());
    [a, b, c]
}

#[test]
fn draws_do_not_depend_on_the_order_neurons_are_visited_in() {
    let all = run(&draws("G.stateupdater", false), 42, 7, &[]);
    let by_events = draws("G.stateupdater", true);
    let forward: Vec<u32> = (0..N as u32).collect();
    let backward: Vec<u32> = (0..N as u32).rev().collect();
    // A fixed permutation: i -> 37 i mod 64 (37 is odd, so this is a bijection).
    let shuffled: Vec<u32> = (0..N as u32).map(|i| (37 * i) % N as u32).collect();
    for order in [&forward, &backward, &shuffled] {
        let got = run(&by_events, 42, 7, order);
        for v in 0..2 {
            assert_eq!(got[v], all[v], "variable {v}, order {order:?}");
        }
    }
    // A subset sees exactly the numbers those neurons get in the full pass.
    let subset = [50u32, 3, 17];
    let got = run(&by_events, 42, 7, &subset);
    for i in 0..N {
        if subset.contains(&(i as u32)) {
            assert_eq!(got[0][i], all[0][i]);
            assert_eq!(got[1][i], all[1][i]);
        } else {
            assert!(got[0][i].is_nan());
        }
    }
}

#[test]
fn draws_are_the_documented_counter_based_function() {
    let k = draws("G.stateupdater", false);
    let [u, z, s] = run(&k, 5, 11, &[]);
    let key = random::key(5, k.streams[0]);
    assert_eq!(k.streams[0], stream_id("G.stateupdater"));
    for i in 0..N {
        assert_eq!(u[i], random::uniform(random::bits(key, 11, i as u64, 0)));
        assert_eq!(z[i], random::normal(random::bits(key, 11, i as u64, 1)));
    }
    // Scalar-block draws are one number per step, shared by every neuron.
    let shared = random::uniform(random::bits(key, 11, random::SCALAR_NEURON, 2));
    assert!(s.iter().all(|x| *x == shared));
}

#[test]
fn each_coordinate_changes_the_numbers() {
    let k = draws("G.stateupdater", false);
    let base = run(&k, 1, 3, &[]);
    let differs = |other: &[Vec<f64>; 3]| (0..N).all(|i| other[0][i] != base[0][i]);
    assert!(differs(&run(&k, 2, 3, &[])), "seed");
    assert!(differs(&run(&k, 1, 4, &[])), "step");
    assert!(
        differs(&run(&draws("H.stateupdater", false), 1, 3, &[])),
        "stream"
    );
    // Same coordinates, same numbers.
    assert_eq!(run(&k, 1, 3, &[]), base);
    // Neighbouring neurons and the two draws of one neuron are different numbers.
    for i in 1..N {
        assert_ne!(base[0][i], base[0][i - 1]);
    }
    // Uniform numbers lie in [0, 1); normal ones are finite.
    assert!(base[0].iter().all(|x| (0.0..1.0).contains(x)));
    assert!(base[1].iter().all(|x| x.is_finite()));
}

#[test]
fn neighbouring_counters_are_uncorrelated() {
    // Over 20000 (neuron, step) pairs: lag-1 correlations along neurons and along steps, and between
    // the two draws of one neuron, are all small; the uniform numbers fill ten bins evenly.
    let key = random::key(123, stream_id("G.stateupdater"));
    let (neurons, steps) = (200u64, 100u64);
    let u = |step: u64, i: u64, draw: u32| random::uniform(random::bits(key, step, i, draw));
    let corr = |pairs: &[(f64, f64)]| {
        let n = pairs.len() as f64;
        let (ma, mb) = pairs
            .iter()
            .fold((0.0, 0.0), |(a, b), (x, y)| (a + x / n, b + y / n));
        let cov = pairs.iter().map(|(x, y)| (x - ma) * (y - mb)).sum::<f64>() / n;
        let va = pairs.iter().map(|(x, _)| (x - ma).powi(2)).sum::<f64>() / n;
        let vb = pairs.iter().map(|(_, y)| (y - mb).powi(2)).sum::<f64>() / n;
        cov / (va * vb).sqrt()
    };
    let mut along_neurons = Vec::new();
    let mut along_steps = Vec::new();
    let mut across_draws = Vec::new();
    let mut bins = [0usize; 10];
    for s in 0..steps {
        for i in 0..neurons {
            let x = u(s, i, 0);
            along_neurons.push((x, u(s, i + 1, 0)));
            along_steps.push((x, u(s + 1, i, 0)));
            across_draws.push((x, u(s, i, 1)));
            bins[(x * 10.0) as usize] += 1;
        }
    }
    // 4 standard deviations of a correlation estimate over 20000 samples: 4/sqrt(20000) ≈ 0.028.
    for (what, pairs) in [
        ("neurons", &along_neurons),
        ("steps", &along_steps),
        ("draws", &across_draws),
    ] {
        let r = corr(pairs);
        assert!(r.abs() < 0.028, "correlation along {what}: {r}");
    }
    // Chi-square with 9 degrees of freedom; 27.9 is its 0.999 quantile.
    let expected = (neurons * steps) as f64 / 10.0;
    let chi2: f64 = bins
        .iter()
        .map(|&b| (b as f64 - expected).powi(2) / expected)
        .sum();
    assert!(chi2 < 27.9, "chi-square {chi2}, bins {bins:?}");
}

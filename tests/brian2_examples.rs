//! Brian2's NeuronGroup examples (`examples/brian2/`), run from their model files and from their Rust twins
//! (`crates/ganglion/examples/`), compared with Brian2 2.9.0 (`tests/reference/brian2_examples/`, made by the
//! `ref_*.py` scripts there).
//!
//! Deterministic examples: the same spike steps for every neuron (counts, sums of steps, full trains) and the
//! same traces (to 1e-9 of the trace's scale). Stochastic examples: Ganglion's random numbers are not numpy's,
//! so statistics are compared: the mean over K Ganglion seeds must lie within Brian2's mean over its seeds
//! ± 4 SD·sqrt(1/K + 1/n_seeds), with the SD taken over Brian2's seeds.
//!
//! Each Rust twin must give exactly what its model file gives (same seed, same network).

use std::collections::BTreeMap;

use ganglion::{BackendChoice, Network, SetValue};
use ganglion_modelfile::Located;
use ganglion_tests::corpus;
use ganglion_tests::model_files::{self, monitor};
use ganglion_tests::reference::{floats, ints};
use ganglion_tests::stats::{
    assert_stats, coincidence, first_spike_sd, isi_cv, mean, mean_isi, sd,
};
use serde_json::Value;

// The Rust twins, compiled into this test so that it can run them (their `main`s are unused here).
#[allow(dead_code)]
#[path = "../crates/ganglion/examples/brette_2004.rs"]
mod brette_2004_twin;
#[allow(dead_code)]
#[path = "../crates/ganglion/examples/brette_gerstner_2005.rs"]
mod brette_gerstner_2005_twin;
#[allow(dead_code)]
#[path = "../crates/ganglion/examples/brette_guigon_2003.rs"]
mod brette_guigon_2003_twin;
#[allow(dead_code)]
#[path = "../crates/ganglion/examples/if_curve_hodgkin_huxley.rs"]
mod if_curve_hodgkin_huxley_twin;
#[allow(dead_code)]
#[path = "../crates/ganglion/examples/if_curve_lif.rs"]
mod if_curve_lif_twin;
#[allow(dead_code)]
#[path = "../crates/ganglion/examples/non_reliability.rs"]
mod non_reliability_twin;
#[allow(dead_code)]
#[path = "../crates/ganglion/examples/phase_locking.rs"]
mod phase_locking_twin;
#[allow(dead_code)]
#[path = "../crates/ganglion/examples/reliability.rs"]
mod reliability_twin;
#[allow(dead_code)]
#[path = "../crates/ganglion/examples/rothman_manis_2003.rs"]
mod rothman_manis_2003_twin;
#[allow(dead_code)]
#[path = "../crates/ganglion/examples/stochastic_odes.rs"]
mod stochastic_odes_twin;
#[allow(dead_code)]
#[path = "../crates/ganglion/examples/touboul_brette_2008.rs"]
mod touboul_brette_2008_twin;
#[allow(dead_code)]
#[path = "../crates/ganglion/examples/wang_buszaki_1996.rs"]
mod wang_buszaki_1996_twin;

/// The backend under test (the interpreter is checked against the JIT in `tests/backends.rs`).
const BACKEND: BackendChoice = BackendChoice::Jit;

/// Ganglion seeds per stochastic example.
const SEEDS: [u64; 5] = [1, 2, 3, 4, 5];

/// Brian2's numbers for an example (`tests/reference/brian2_examples/<name>.json`).
fn reference(name: &str) -> Value {
    ganglion_tests::reference::reference("brian2_examples", name)
}

/// Builds `examples/brian2/<name>.toml` (with another seed if given), without running it.
fn build(name: &str, seed: Option<u64>) -> (Network, ganglion::RunPlan) {
    let path = corpus::example(&format!("brian2/{name}.toml"));
    let mut file = model_files::load(&path);
    if let Some(s) = seed {
        file.run.seed = Some(Located {
            value: s as i64,
            span: Default::default(),
        });
    }
    model_files::build(file, BACKEND, &path.display().to_string())
}

fn run_file(name: &str, seed: Option<u64>) -> Network {
    let (mut net, plan) = build(name, seed);
    model_files::run_segments(&mut net, &plan, None);
    net
}

/// A spike monitor's spikes as (neuron, step), in recording order.
fn spike_steps(net: &Network, name: &str, dt: f64) -> Vec<(u32, i64)> {
    let d = net.spike_data(monitor(net, name)).unwrap();
    d.i.iter()
        .zip(&d.t)
        .map(|(i, t)| (*i, (t / dt).round() as i64))
        .collect()
}

/// Compares spikes with Brian2's summary: counts, sums of spike steps and full trains per neuron.
fn assert_spike_summary(label: &str, spikes: &[(u32, i64)], want: &Value) {
    let n = want["n"].as_u64().unwrap() as usize;
    let mut counts = vec![0i64; n];
    let mut sums = vec![0i64; n];
    for (i, s) in spikes {
        counts[*i as usize] += 1;
        sums[*i as usize] += s;
    }
    assert_eq!(
        spikes.len() as i64,
        want["total"].as_i64().unwrap(),
        "{label}: total number of spikes"
    );
    let (want_counts, want_sums) = (ints(&want["counts"]), ints(&want["step_sums"]));
    let differing: Vec<String> = (0..n)
        .filter(|&k| counts[k] != want_counts[k] || sums[k] != want_sums[k])
        .map(|k| {
            format!(
                "neuron {k}: {} spikes (Brian2 {}), sum of steps {} (Brian2 {})",
                counts[k], want_counts[k], sums[k], want_sums[k]
            )
        })
        .collect();
    assert!(
        differing.is_empty(),
        "{label}: {} neurons differ from Brian2:\n{}",
        differing.len(),
        differing.join("\n")
    );
    for (k, train) in want["trains"].as_object().unwrap() {
        let k: u32 = k.parse().unwrap();
        let got: Vec<i64> = spikes
            .iter()
            .filter(|(i, _)| *i == k)
            .map(|(_, s)| *s)
            .collect();
        assert_eq!(got, ints(train), "{label}: spike steps of neuron {k}");
    }
}

/// Compares a trace with Brian2's, to 1e-9 of the trace's largest magnitude.
fn assert_trace(label: &str, got: &[f64], want: &[f64]) {
    assert_eq!(got.len(), want.len(), "{label}: number of samples");
    let scale = want.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    for (k, (a, b)) in got.iter().zip(want).enumerate() {
        assert!(
            (a - b).abs() <= 1e-9 * scale,
            "{label}: sample {k}: {a} vs Brian2's {b}"
        );
    }
}

/// Every `every`-th value of one recorded trace of a state monitor.
fn trace(net: &Network, name: &str, var: &str, every: usize) -> Vec<f64> {
    let d = net.state_data(monitor(net, name)).unwrap();
    let rows = &d.values.iter().find(|(v, _)| v == var).unwrap().1;
    rows[0].iter().step_by(every).copied().collect()
}

/// Steps (indices into a trace) where it crosses `level` upwards.
fn crossings(v: &[f64], level: f64) -> Vec<i64> {
    (1..v.len())
        .filter(|&k| v[k] > level && v[k - 1] <= level)
        .map(|k| k as i64)
        .collect()
}

/// The twin must record exactly what the model file recorded: every monitor, bit for bit.
fn assert_same_recordings(label: &str, file: &Network, twin: &Network) {
    let names = |net: &Network| -> Vec<String> {
        let mut v: Vec<String> = net
            .monitors()
            .into_iter()
            .map(|m| net.monitor_name(m).to_string())
            .collect();
        v.sort();
        v
    };
    assert_eq!(names(file), names(twin), "{label}: monitors");
    for m in file.monitors() {
        let name = file.monitor_name(m);
        let t = monitor(twin, name);
        assert_eq!(
            file.spike_data(m),
            twin.spike_data(t),
            "{label}: spike monitor `{name}` of the Rust twin differs from the model file's"
        );
        assert_eq!(
            file.state_data(m),
            twin.state_data(t),
            "{label}: state monitor `{name}` of the Rust twin differs from the model file's"
        );
        assert_eq!(
            file.rate_data(m),
            twin.rate_data(t),
            "{label}: rate monitor `{name}` of the Rust twin differs from the model file's"
        );
    }
}

// ---------------------------------------------------------------------------------------------------------
// Statistics, as `tests/reference/brian2_examples/common.py` defines them.

/// Spike trains (seconds) of neurons `0..n`.
fn trains(net: &Network, name: &str) -> Vec<Vec<f64>> {
    net.spike_data(monitor(net, name)).unwrap().spike_trains()
}

// ---------------------------------------------------------------------------------------------------------
// Deterministic examples: exact spike steps.

#[test]
fn if_curve_lif_gives_brian2_spikes() {
    let want = reference("if_curve_lif");
    let dt = want["dt"].as_f64().unwrap();
    let net = run_file("if_curve_lif", None);
    assert_spike_summary(
        "IF_curve_LIF",
        &spike_steps(&net, "monitor", dt),
        &want["spikes"],
    );
    let twin = if_curve_lif_twin::simulate(BACKEND).unwrap();
    assert_same_recordings("IF_curve_LIF", &net, &twin);
}

#[test]
fn if_curve_hodgkin_huxley_gives_brian2_spikes() {
    let want = reference("if_curve_hodgkin_huxley");
    let dt = want["dt"].as_f64().unwrap();
    let mut net = run_file("if_curve_hodgkin_huxley", None);
    let g = net.group_named("group").unwrap();
    // Brian2 (sympy) folds 0.7*nA/num_neurons into one constant before multiplying by i; Ganglion computes
    // 0.7*nA*i/num_neurons as written: some currents differ in the last bit, without changing any spike.
    for (k, (a, b)) in net
        .state(g, "I")
        .unwrap()
        .iter()
        .zip(floats(&want["I"]))
        .enumerate()
    {
        assert!(
            (a - b).abs() <= 4.0 * f64::EPSILON * b,
            "I of neuron {k}: {a} vs {b}"
        );
    }
    assert_spike_summary(
        "IF_curve_Hodgkin_Huxley",
        &spike_steps(&net, "monitor", dt),
        &want["spikes"],
    );
    let twin = if_curve_hodgkin_huxley_twin::simulate(BACKEND).unwrap();
    assert_same_recordings("IF_curve_Hodgkin_Huxley", &net, &twin);
}

#[test]
fn phase_locking_gives_brian2_spikes_from_brian2_initial_values() {
    let want = reference("phase_locking");
    let dt = want["dt"].as_f64().unwrap();
    // v starts from rand(): start from Brian2's draws instead, then the run is deterministic.
    let (mut net, plan) = build("phase_locking", None);
    let g = net.group_named("neurons").unwrap();
    net.set(g, "v", SetValue::Values(floats(&want["v_init"])))
        .unwrap();
    model_files::run_segments(&mut net, &plan, None);
    let mut got = spike_steps(&net, "S", dt);
    got.sort_by_key(|(i, s)| (*s, *i));
    let expected: Vec<(u32, i64)> = ints(&want["spikes"]["i"])
        .into_iter()
        .zip(ints(&want["spikes"]["step"]))
        .map(|(i, s)| (i as u32, s))
        .collect();
    assert_eq!(got.len(), expected.len(), "number of spikes");
    if let Some(k) = (0..got.len()).find(|&k| got[k] != expected[k]) {
        panic!(
            "spike {k} (neuron, step): {:?}, Brian2 {:?}",
            got[k], expected[k]
        );
    }
    let every = want["trace_every"].as_u64().unwrap() as usize;
    assert_trace(
        "phase_locking, v of neuron 50",
        &trace(&net, "trace", "v", every),
        &floats(&want["trace_v50"]),
    );
    // The twin draws v with rand() as the model file does.
    let twin = phase_locking_twin::simulate(BACKEND).unwrap();
    assert_same_recordings("phase_locking", &run_file("phase_locking", None), &twin);
}

#[test]
fn brette_2004_gives_brian2_spikes() {
    let want = reference("brette_2004");
    let dt = want["dt"].as_f64().unwrap();
    let net = run_file("brette_2004", None);
    assert_spike_summary("Brette_2004", &spike_steps(&net, "S", dt), &want["spikes"]);
    let twin = brette_2004_twin::simulate(BACKEND).unwrap();
    assert_same_recordings("Brette_2004", &net, &twin);
}

#[test]
fn touboul_brette_2008_gives_brian2_spikes_and_w() {
    let want = reference("touboul_brette_2008");
    let dt = want["dt"].as_f64().unwrap();
    let mut net = run_file("touboul_brette_2008", None);
    let g = net.group_named("neuron").unwrap();
    assert_eq!(
        net.state(g, "Vr").unwrap(),
        floats(&want["Vr"]),
        "Vr (numpy's linspace)"
    );
    let spikes = spike_steps(&net, "spikes", dt);
    assert_spike_summary("Touboul_Brette_2008", &spikes, &want["spikes"]);
    // w at each spike: the minimum, maximum and mean per neuron (the bifurcation diagram).
    let d = net.spike_data(monitor(&net, "spikes")).unwrap();
    let w = &d.values.iter().find(|(v, _)| v == "w_start").unwrap().1;
    let (w_min, w_max, w_mean) = (&want["w_min"], &want["w_max"], &want["w_mean"]);
    for k in 0..200u32 {
        let wk: Vec<f64> =
            d.i.iter()
                .zip(w)
                .filter(|(i, _)| **i == k)
                .map(|(_, w)| *w)
                .collect();
        if wk.is_empty() {
            assert!(w_min[k as usize].is_null(), "neuron {k} has no spikes");
            continue;
        }
        let got = [
            wk.iter().copied().fold(f64::INFINITY, f64::min),
            wk.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            mean(&wk),
        ];
        let expected = [w_min, w_max, w_mean].map(|v| v[k as usize].as_f64().unwrap());
        for (a, b) in got.iter().zip(expected) {
            assert!(
                (a - b).abs() <= 1e-9 * b.abs(),
                "neuron {k}: w at spikes {got:?}, Brian2 {expected:?}"
            );
        }
    }
    let twin = touboul_brette_2008_twin::simulate(BACKEND).unwrap();
    assert_same_recordings("Touboul_Brette_2008", &net, &twin);
}

#[test]
fn brette_gerstner_2005_gives_brian2_spikes_and_trace() {
    let want = reference("brette_gerstner_2005");
    let dt = want["dt"].as_f64().unwrap();
    let mut net = run_file("brette_gerstner_2005", None);
    let steps: Vec<i64> = spike_steps(&net, "spikes", dt)
        .into_iter()
        .map(|(_, s)| s)
        .collect();
    assert_eq!(steps, ints(&want["spike_steps"]), "spike steps");
    let every = want["trace_every"].as_u64().unwrap() as usize;
    assert_trace(
        "Brette_Gerstner_2005, vm",
        &trace(&net, "trace", "vm", every),
        &floats(&want["vm"]),
    );
    let g = net.group_named("neuron").unwrap();
    let w = net.state(g, "w").unwrap()[0];
    let w_want = want["w_final"].as_f64().unwrap();
    assert!(
        (w - w_want).abs() <= 1e-9 * w_want.abs(),
        "final w {w} vs {w_want}"
    );
    let twin = brette_gerstner_2005_twin::simulate(BACKEND).unwrap();
    assert_same_recordings("Brette_Gerstner_2005", &net, &twin);
}

#[test]
fn wang_buszaki_1996_gives_brian2_trace() {
    let want = reference("wang_buszaki_1996");
    let net = run_file("wang_buszaki_1996", None);
    let full = trace(&net, "M", "v", 1);
    assert_eq!(
        crossings(&full, -0.02),
        ints(&want["crossings"]),
        "steps of the action potentials (upward crossings of -20 mV)"
    );
    let every = want["trace_every"].as_u64().unwrap() as usize;
    assert_trace(
        "Wang_Buszaki_1996, v",
        &trace(&net, "M", "v", every),
        &floats(&want["v"]),
    );
    let twin = wang_buszaki_1996_twin::simulate(BACKEND).unwrap();
    assert_same_recordings("Wang_Buszaki_1996", &net, &twin);
}

#[test]
fn rothman_manis_2003_gives_brian2_trace() {
    let want = reference("rothman_manis_2003");
    let net = run_file("rothman_manis_2003", None);
    let d = net.state_data(monitor(&net, "M")).unwrap();
    assert!(
        (d.t[0] - want["t0"].as_f64().unwrap()).abs() < 1e-12,
        "the monitor starts at 50 ms"
    );
    let full = trace(&net, "M", "v", 1);
    assert_eq!(
        crossings(&full, -0.02),
        ints(&want["crossings"]),
        "samples of the action potentials (upward crossings of -20 mV)"
    );
    let every = want["trace_every"].as_u64().unwrap() as usize;
    assert_trace(
        "Rothman_Manis_2003, v",
        &trace(&net, "M", "v", every),
        &floats(&want["v"]),
    );
    let twin =
        rothman_manis_2003_twin::simulate(BACKEND, rothman_manis_2003_twin::NEURON_TYPE).unwrap();
    assert_same_recordings("Rothman_Manis_2003", &net, &twin);
}

// ---------------------------------------------------------------------------------------------------------
// Stochastic examples: statistics over seeds.

fn spike_stats(net: &Network, name: &str) -> BTreeMap<String, f64> {
    let tr = trains(net, name);
    BTreeMap::from([
        ("mean_isi".to_string(), mean_isi(&tr)),
        ("cv".to_string(), isi_cv(&tr)),
        ("first_spike_sd".to_string(), first_spike_sd(&tr)),
        ("coincidence".to_string(), coincidence(&tr, 1e-3, 0.1)),
    ])
}

#[test]
fn non_reliability_statistics_match_brian2() {
    let runs: Vec<_> = SEEDS
        .iter()
        .map(|s| spike_stats(&run_file("non_reliability", Some(*s)), "spikes"))
        .collect();
    assert_stats(
        "non_reliability",
        &runs,
        &reference("non_reliability")["stats"],
        &[],
    );
    let twin = non_reliability_twin::simulate(BACKEND, 3).unwrap();
    assert_same_recordings(
        "non_reliability",
        &run_file("non_reliability", Some(3)),
        &twin,
    );
}

#[test]
fn reliability_statistics_match_brian2() {
    let runs: Vec<_> = SEEDS
        .iter()
        .map(|s| spike_stats(&run_file("reliability", Some(*s)), "spikes"))
        .collect();
    assert_stats(
        "reliability",
        &runs,
        &reference("reliability")["stats"],
        &[],
    );
    let twin = reliability_twin::simulate(BACKEND, 3).unwrap();
    assert_same_recordings("reliability", &run_file("reliability", Some(3)), &twin);
}

#[test]
fn brette_guigon_2003_statistics_match_brian2() {
    let runs: Vec<_> = SEEDS
        .iter()
        .map(|s| {
            let net = run_file("brette_guigon_2003", Some(*s));
            let counts = &net.spike_data(monitor(&net, "S")).unwrap().count;
            let mut st = BTreeMap::new();
            for q in 0..5 {
                let n: u64 = counts[100 * q..100 * (q + 1)].iter().sum();
                st.insert(format!("rate_q{q}"), n as f64 / 100.0);
            }
            let b = trace(&net, "M", "B", 1);
            st.insert("B_mean".into(), mean(&b));
            st.insert("B_sd".into(), sd(&b));
            let tr = trains(&net, "S");
            st.insert("coincidence_q4".into(), coincidence(&tr[400..], 1e-3, 0.1));
            st
        })
        .collect();
    assert_stats(
        "Brette_Guigon_2003",
        &runs,
        &reference("brette_guigon_2003")["stats"],
        &[],
    );
    let twin = brette_guigon_2003_twin::simulate(BACKEND, 3).unwrap();
    assert_same_recordings(
        "Brette_Guigon_2003",
        &run_file("brette_guigon_2003", Some(3)),
        &twin,
    );
}

#[test]
fn stochastic_odes_statistics_match_brian2() {
    let want = reference("stochastic_odes");
    // One run (the file's seed): each group holds 10000 paths.
    let mut net = run_file("stochastic_odes", None);
    let mut st = BTreeMap::new();
    for (name, _, _) in stochastic_odes_twin::GROUPS {
        let g = net.group_named(name).unwrap();
        let x = net.state(g, "X").unwrap();
        let logs: Vec<f64> = x.iter().map(|x| x.ln()).collect();
        st.insert(format!("{name}.mean_log"), mean(&logs));
        st.insert(format!("{name}.sd_log"), sd(&logs));
        st.insert(format!("{name}.mean"), mean(&x));
        st.insert(format!("{name}.sd"), sd(&x));
        // The exact law of log X(1 s) (Stratonovich): mean 0.495, SD 0.1; 10000 paths give a standard
        // error of 0.001 for the mean (Ito's interpretation would give 0.490).
        let m = want["exact"]["mean_log"].as_f64().unwrap();
        let s = want["exact"]["sd_log"].as_f64().unwrap();
        assert!(
            (mean(&logs) - m).abs() < 4.0 * s / 100.0,
            "{name}: mean of log X {}",
            mean(&logs)
        );
        assert!(
            (sd(&logs) - s).abs() < 0.04 * s,
            "{name}: SD of log X {}",
            sd(&logs)
        );
    }
    assert_stats("stochastic_odes", &[st], &want["stats"], &[]);
    let twin = stochastic_odes_twin::simulate(BACKEND, 12347).unwrap();
    assert_same_recordings("stochastic_odes", &net, &twin);
}

/// Brette_Guigon_2003's pattern through the API: a shared subexpression may read a linked variable before
/// it is linked (as in Brian2); the link must then go to a single value.
#[test]
fn a_linked_variable_read_by_a_shared_subexpression_needs_one_value() {
    use ganglion::NeuronGroup;
    let mut net = Network::new(BACKEND);
    let wide = net
        .add_group(NeuronGroup::new(3, "x : 1").name("wide"))
        .unwrap();
    let one = net
        .add_group(NeuronGroup::new(1, "x : 1").name("one"))
        .unwrap();
    let g = net
        .add_group(NeuronGroup::new(4, "B = 2*x : 1 (shared)\nx : 1 (linked)").name("g"))
        .unwrap();
    let err = net.link(g, "x", wide, "x", None).unwrap_err().to_string();
    assert!(err.contains("shared"), "{err}");
    net.link(g, "x", one, "x", None).unwrap();
}

//! Brian2's network examples (issue 16): each runs from its model file (`examples/brian2/`, and for CUBA,
//! COBAHH and STDP `examples/`) and is compared with Brian2 2.9.0 (`tests/reference/brian2_examples/`, made
//! by the `ref_*.py` scripts there; CUBA and COBAHH use `tests/reference/synapses/`).
//!
//! Deterministic examples: the same traces (to 1e-9 of their scale), spike steps, weights and synapses.
//! Stochastic examples: Ganglion's random numbers are not numpy's, so statistics are compared: the mean over
//! K Ganglion seeds must lie within Brian2's mean over its seeds ± 4 SD·sqrt(1/K + 1/n_seeds), with the SD
//! taken over Brian2's seeds. Examples that only build a network (no `run()` in the script) run for 0 ms
//! and are compared by what they build. K is chosen per example to keep the whole file quick.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use ganglion::{BackendChoice, Network};
use ganglion_modelfile::{Located, ModelFile};
use ganglion_tests::corpus;
use ganglion_tests::model_files::monitor;
use ganglion_tests::reference::{floats, ints, reference as reference_in};
use ganglion_tests::stats::{assert_stats, mean, sd};
use serde_json::Value;

/// The backend under test (the interpreter is checked against the JIT in `tests/backends.rs`).
const BACKEND: BackendChoice = BackendChoice::Jit;

/// `tests/reference/brian2_examples/<name>.json`.
fn reference(name: &str) -> Value {
    reference_in("brian2_examples", name)
}

/// Builds a model file (a path relative to the repository root), with another seed if given.
fn build(file: &str, seed: Option<u64>) -> (Network, ganglion::RunPlan) {
    let path = corpus::workspace_root().join(file);
    let mut model = ModelFile::load(&path).unwrap_or_else(|e| panic!("{}: {e:?}", path.display()));
    if let Some(s) = seed {
        model.run.seed = Some(Located {
            value: s as i64,
            span: Default::default(),
        });
    }
    match Network::from_model_file(model, BACKEND) {
        Ok(x) => x,
        Err(ganglion::Error::Model(d)) => panic!("{}:\n{}", path.display(), d.render(false)),
        Err(e) => panic!("{}: {e}", path.display()),
    }
}

/// Runs what the model file asks: its segments, with their changes of state.
fn run(net: &mut Network, plan: &ganglion::RunPlan) {
    for seg in &plan.segments {
        for op in &seg.set {
            net.apply(op).unwrap();
        }
        net.run(seg.duration).unwrap();
    }
}

/// Builds and runs `examples/brian2/<name>.toml`.
fn run_example(name: &str, seed: Option<u64>) -> Network {
    run_file(&format!("examples/brian2/{name}.toml"), seed)
}

fn run_file(file: &str, seed: Option<u64>) -> Network {
    let (mut net, plan) = build(file, seed);
    run(&mut net, &plan);
    net
}

/// A spike monitor's spikes: neuron indices and times (seconds).
fn spikes(net: &Network, name: &str) -> (Vec<usize>, Vec<f64>) {
    let d = net.spike_data(monitor(net, name)).unwrap();
    (d.i.iter().map(|i| *i as usize).collect(), d.t.clone())
}

/// One variable of a state monitor: one trace per recorded neuron (or synapse).
fn traces(net: &Network, name: &str, var: &str) -> Vec<Vec<f64>> {
    let d = net.state_data(monitor(net, name)).unwrap();
    d.values
        .iter()
        .find(|(v, _)| v == var)
        .unwrap_or_else(|| panic!("monitor `{name}` has no variable `{var}`"))
        .1
        .clone()
}

fn handle(net: &Network, name: &str) -> ganglion::GroupHandle {
    net.group_named(name)
        .unwrap_or_else(|| panic!("no group or synapses `{name}`"))
}

fn state(net: &mut Network, name: &str, var: &str) -> Vec<f64> {
    let h = handle(net, name);
    net.state(h, var).unwrap()
}

/// Mean over neurons with at least 3 spikes of SD(ISI)/mean(ISI), as `common.py`'s `isi_cv`.
fn isi_cv(i: &[usize], t: &[f64], n: usize) -> f64 {
    let mut trains = vec![Vec::new(); n];
    for (k, s) in i.iter().zip(t) {
        trains[*k].push(*s);
    }
    let cvs: Vec<f64> = trains
        .iter()
        .filter(|tr| tr.len() >= 3)
        .map(|tr| {
            let isi: Vec<f64> = tr.windows(2).map(|w| w[1] - w[0]).collect();
            sd(&isi) / mean(&isi)
        })
        .collect();
    if cvs.is_empty() { 0.0 } else { mean(&cvs) }
}

/// Number of times `pred` holds.
fn count<T>(xs: &[T], pred: impl Fn(&T) -> bool) -> f64 {
    xs.iter().filter(|x| pred(x)).count() as f64
}

type Stats = BTreeMap<String, f64>;

fn stats<const N: usize>(pairs: [(&str, f64); N]) -> Stats {
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

/// Runs `f` on the model file for each seed.
fn over_seeds(seeds: &[u64], f: impl Fn(u64) -> Stats) -> Vec<Stats> {
    seeds.iter().map(|s| f(*s)).collect()
}

/// Seeds 1..=k.
fn seeds(k: u64) -> Vec<u64> {
    (1..=k).collect()
}

/// Every value within `rel` of its reference, relative to the reference's largest magnitude.
fn assert_close(label: &str, got: &[f64], want: &[f64], rel: f64) {
    assert_eq!(got.len(), want.len(), "{label}: number of values");
    let scale = want.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    for (k, (a, b)) in got.iter().zip(want).enumerate() {
        assert!(
            (a - b).abs() <= rel * scale,
            "{label}: value {k}: {a:e} vs Brian2's {b:e}"
        );
    }
}

/// Every `every`-th value.
fn every(xs: &[f64], every: usize) -> Vec<f64> {
    xs.iter().step_by(every).copied().collect()
}

// ---------------------------------------------------------------------------------------------------------
// CUBA.py, COBAHH.py and standalone/cuba_openmp.py: rates, CV, synapse counts.

/// CUBA-type statistics of a 4000-neuron network: `cuba_stats.py`'s definitions.
fn cuba_like_stats(net: &Network, spikes_name: &str) -> Stats {
    let (i, t) = spikes(net, spikes_name);
    let mut counts = vec![0usize; 4000];
    for k in &i {
        counts[*k] += 1;
    }
    stats([
        ("rate_hz", i.len() as f64 / 4000.0),
        ("cv", isi_cv(&i, &t, 4000)),
        ("n_cv_neurons", count(&counts, |c| *c >= 3)),
        ("spikes_first_100ms", count(&t, |t| *t < 0.1 - 1e-9)),
        ("Ce", net.synapse_count(handle(net, "Ce")) as f64),
        ("Ci", net.synapse_count(handle(net, "Ci")) as f64),
    ])
}

/// Renames `Ce`/`Ci` to the keys of `tests/reference/synapses/`'s summaries.
fn with_synapse_keys(mut s: Stats) -> Stats {
    for syn in ["Ce", "Ci"] {
        let v = s.remove(syn).unwrap();
        s.insert(format!("{syn}.n_synapses"), v);
    }
    s
}

const CUBA_KEYS: [&str; 6] = [
    "rate_hz",
    "cv",
    "n_cv_neurons",
    "spikes_first_100ms",
    "Ce.n_synapses",
    "Ci.n_synapses",
];

#[test]
fn cuba_matches_brian2() {
    let r = reference_in("synapses", "cuba");
    let runs = over_seeds(&seeds(2), |s| {
        with_synapse_keys(cuba_like_stats(
            &run_file("examples/cuba.toml", Some(s)),
            "spikes",
        ))
    });
    assert_stats("CUBA", &runs, &r["summary"], &CUBA_KEYS);
}

#[test]
fn cobahh_matches_brian2() {
    let r = reference_in("synapses", "cobahh");
    let runs = over_seeds(&seeds(1), |s| {
        with_synapse_keys(cuba_like_stats(
            &run_file("examples/cobahh.toml", Some(s)),
            "spikes",
        ))
    });
    assert_stats("COBAHH", &runs, &r["summary"], &CUBA_KEYS);
}

/// ge and gi are `(unless refractory)`: Brian2 also skips the synaptic increments of refractory targets.
#[test]
fn cuba_openmp_matches_brian2() {
    let want = reference("cuba_openmp");
    let runs = over_seeds(&seeds(2), |s| {
        cuba_like_stats(&run_example("cuba_openmp", Some(s)), "s_mon")
    });
    assert_stats("cuba_openmp", &runs, &want["stats"], &[]);
}

// ---------------------------------------------------------------------------------------------------------
// adaptive_threshold.py

#[test]
fn adaptive_threshold_matches_brian2() {
    let want = reference("adaptive_threshold");
    let runs = over_seeds(&seeds(10), |s| {
        let net = run_example("adaptive_threshold", Some(s));
        let d = net.spike_data(monitor(&net, "M_crossings")).unwrap();
        let vc: Vec<f64> = d
            .values
            .iter()
            .find(|(v, _)| v == "v")
            .unwrap()
            .1
            .iter()
            .map(|v| v / 1e-3)
            .collect();
        stats([
            ("n_spikes", d.i.len() as f64),
            ("v_cross_mean", mean(&vc)),
            ("v_cross_sd", sd(&vc)),
            ("vt_mean", mean(&traces(&net, "Mvt", "vt")[0]) / 1e-3),
            ("v_mean", mean(&traces(&net, "Mv", "v")[0]) / 1e-3),
        ])
    });
    assert_stats("adaptive_threshold", &runs, &want["stats"], &[]);
}

// ---------------------------------------------------------------------------------------------------------
// synapses/STDP.py and standalone/STDP_standalone.py: one model file, examples/stdp.toml, two references.

/// The weight statistics of `ref_stdp.py`, over one run of examples/stdp.toml (100 s), shared by the two
/// STDP tests.
fn stdp_runs() -> &'static Vec<Stats> {
    static RUNS: OnceLock<Vec<Stats>> = OnceLock::new();
    RUNS.get_or_init(|| {
        over_seeds(&seeds(1), |s| {
            let mut net = run_file("examples/stdp.toml", Some(s));
            let gmax = 0.01;
            let w: Vec<f64> = state(&mut net, "S", "w").iter().map(|w| w / gmax).collect();
            let d = net.state_data(monitor(&net, "w")).unwrap();
            let k = d.t.iter().position(|t| (t - 50.0).abs() < 1e-6).unwrap();
            let rec = traces(&net, "w", "w");
            stats([
                ("w_mean", mean(&w)),
                ("w_sd", sd(&w)),
                ("frac_low", count(&w, |w| *w < 0.1) / w.len() as f64),
                ("frac_high", count(&w, |w| *w > 0.9) / w.len() as f64),
                ("n_output", spikes(&net, "output").0.len() as f64),
                ("w0_at_50", rec[0][k] / gmax),
                ("w1_at_50", rec[1][k] / gmax),
            ])
        })
    })
}

#[test]
fn stdp_matches_brian2() {
    let want = reference("stdp");
    assert_stats("STDP", stdp_runs(), &want["stats"], &[]);
}

#[test]
fn stdp_standalone_matches_brian2() {
    let want = reference("stdp_standalone");
    assert_stats("STDP_standalone", stdp_runs(), &want["stats"], &[]);
}

// ---------------------------------------------------------------------------------------------------------
// synapses/gapjunctions.py, synapses/nonlinear.py: deterministic traces.

#[test]
fn gapjunctions_gives_brian2_traces() {
    let want = reference("gapjunctions");
    let mut net = run_example("gapjunctions", None);
    let v = traces(&net, "trace", "v");
    let step = want["trace_every"].as_u64().unwrap() as usize;
    for (row, key, neuron) in [(0, "v0", "0"), (1, "v5", "5")] {
        assert_eq!(
            v[row].len() as u64,
            want["n_samples"].as_u64().unwrap(),
            "samples"
        );
        assert_close(
            &format!("gapjunctions, v of neuron {neuron}"),
            &every(&v[row], step),
            &floats(&want[key]),
            1e-9,
        );
        let drops: Vec<i64> = (1..v[row].len())
            .filter(|&k| v[row][k] - v[row][k - 1] < -0.5)
            .map(|k| k as i64)
            .collect();
        assert_eq!(
            drops,
            ints(&want["drops"][neuron]),
            "gapjunctions: resets of neuron {neuron}"
        );
    }
    assert_close(
        "gapjunctions, final v",
        &state(&mut net, "neurons", "v"),
        &floats(&want["v_final"]),
        1e-9,
    );
    assert_eq!(
        net.synapse_count(handle(&net, "S")) as u64,
        want["n_synapses"].as_u64().unwrap()
    );
}

/// The synapses' monitor records `g`, the postsynaptic neuron's variable, by its plain name.
#[test]
fn nonlinear_gives_brian2_traces() {
    let want = reference("nonlinear");
    let mut net = run_example("nonlinear", None);
    let step = want["trace_every"].as_u64().unwrap() as usize;
    let m = traces(&net, "M", "g");
    for (k, row) in want["M_g"].as_array().unwrap().iter().enumerate() {
        assert_close(
            &format!("nonlinear, M.g of synapse {k}"),
            &every(&m[k], step),
            &floats(row),
            1e-9,
        );
    }
    assert_close(
        "nonlinear, Mn.g",
        &every(&traces(&net, "Mn", "g")[0], step),
        &floats(&want["Mn_g"]),
        1e-9,
    );
    assert_close(
        "nonlinear, final g_syn",
        &state(&mut net, "S", "g_syn"),
        &floats(&want["g_syn_final"]),
        1e-9,
    );
    assert_close(
        "nonlinear, final x",
        &state(&mut net, "S", "x"),
        &floats(&want["x_final"]),
        1e-9,
    );
    assert_close(
        "nonlinear, final v",
        &state(&mut net, "neurons", "v"),
        &[want["v_final"].as_f64().unwrap()],
        1e-9,
    );
}

// ---------------------------------------------------------------------------------------------------------
// synapses/synapses.py: random connections and delays; each trace follows its synapse exactly.

#[test]
fn synapses_matches_brian2() {
    let want = reference("synapses");
    let dt = 1e-4;
    let runs = over_seeds(&seeds(20), |s| {
        let mut net = run_example("synapses", Some(s));
        let i = state(&mut net, "syn", "i");
        let j = state(&mut net, "syn", "j");
        let d = state(&mut net, "syn", "delay");
        let v = traces(&net, "mon", "v");
        // Recorded v at step k >= s + 1 is w * exp(-dt/10ms)**(k-s-1), s = round(delay/dt),
        // w = exp(-s*dt/50ms) (the event-driven decay up to the arrival).
        for ((a, b), dd) in i.iter().zip(&j).zip(&d) {
            assert_eq!(a, b, "seed {s}: connect('i == j')");
            let st = (dd / dt).round();
            let w = (-st * dt / 0.05).exp();
            for (k, got) in v[*b as usize].iter().enumerate() {
                let k = k as f64;
                let expected = if k >= st + 1.0 {
                    w * (-dt / 0.01f64).exp().powf(k - st - 1.0)
                } else {
                    0.0
                };
                assert!(
                    (got - expected).abs() <= 1e-12,
                    "seed {s}: v of neuron {b} at step {k}: {got} (delay {dd}), expected {expected}"
                );
            }
        }
        let resid: Vec<f64> = i
            .iter()
            .zip(&d)
            .map(|(i, d)| (d - (1e-3 + i * 1e-3)) * 1e3)
            .collect();
        stats([
            ("n_synapses", i.len() as f64),
            ("delay_resid_mean_ms", mean(&resid)),
            ("delay_resid_sd_ms", sd(&resid)),
            ("v_sum_last", v.iter().map(|r| r[r.len() - 1]).sum()),
            ("changed", count(&v, |r| r.iter().any(|x| x.abs() > 0.0))),
        ])
    });
    assert_stats("synapses", &runs, &want["stats"], &[]);
}

// ---------------------------------------------------------------------------------------------------------
// synapses/state_variables.py, synapses/spatial_connections.py,
// synapses/efficient_gaussian_connectivity.py: what they build.

/// `S.w['i > j'] = ...`: every synapse with i > j gets Brian2's weight (to a few ulps: numpy's exp), the
/// others keep 0; the jitter of v is compared by its statistics.
#[test]
fn state_variables_builds_what_brian2_builds() {
    let want = reference("state_variables");
    let by_d = floats(&want["w_by_distance"]);
    let runs = over_seeds(&seeds(10), |s| {
        let mut net = run_example("state_variables", Some(s));
        let (i, j, w) = (
            state(&mut net, "S", "i"),
            state(&mut net, "S", "j"),
            state(&mut net, "S", "w"),
        );
        assert_eq!(i.len() as u64, want["n_synapses"].as_u64().unwrap());
        for k in 0..w.len() {
            let (a, b) = (i[k] as usize, j[k] as usize);
            assert_eq!((a, b), (k / 100, k % 100), "synapse order");
            let expected = if a > b { by_d[a - b - 1] } else { 0.0 };
            assert!(
                (w[k] - expected).abs() <= 4.0 * f64::EPSILON * expected,
                "w of synapse {a} -> {b}: {} vs Brian2's {expected}",
                w[k]
            );
        }
        let r: Vec<f64> = state(&mut net, "G", "v")
            .iter()
            .enumerate()
            .map(|(k, v)| v / 1e-3 - ((2.0 * std::f64::consts::PI * k as f64 / 100.0).sin() - 70.0))
            .collect();
        stats([("jitter_mean", mean(&r)), ("jitter_sd", sd(&r))])
    });
    assert_stats("state_variables", &runs, &want["stats"], &[]);
}

#[test]
fn spatial_connections_builds_what_brian2_builds() {
    let want = reference("spatial_connections");
    let det = &want["deterministic"];
    let runs = over_seeds(&seeds(5), |s| {
        let mut net = run_example("spatial_connections", Some(s));
        let (x, y) = (state(&mut net, "G", "x"), state(&mut net, "G", "y"));
        assert_eq!(x, floats(&want["x"]), "x");
        assert_eq!(y, floats(&want["y"]), "y");
        let (i, j) = (
            state(&mut net, "S_deterministic", "i"),
            state(&mut net, "S_deterministic", "j"),
        );
        assert_eq!(i.len() as u64, det["n_synapses"].as_u64().unwrap());
        let mut degree = vec![0i64; 400];
        let mut sums = vec![0i64; 400];
        for (a, b) in i.iter().zip(&j) {
            degree[*a as usize] += 1;
            sums[*a as usize] += *b as i64;
        }
        assert_eq!(
            degree,
            ints(&det["out_degree"]),
            "S_deterministic out-degrees"
        );
        assert_eq!(sums, ints(&det["target_sums"]), "S_deterministic targets");
        let (i, j) = (
            state(&mut net, "S_stochastic", "i"),
            state(&mut net, "S_stochastic", "j"),
        );
        let mut indeg = vec![0.0; 400];
        for b in &j {
            indeg[*b as usize] += 1.0;
        }
        let dist: Vec<f64> = i
            .iter()
            .zip(&j)
            .map(|(a, b)| {
                let (a, b) = (*a as usize, *b as usize);
                ((x[a] - x[b]).powi(2) + (y[a] - y[b]).powi(2)).sqrt() * 1e6
            })
            .collect();
        stats([
            ("n_synapses", i.len() as f64),
            ("indeg_sd", sd(&indeg)),
            ("mean_dist_um", mean(&dist)),
        ])
    });
    assert_stats("spatial_connections", &runs, &want["stats"], &[]);
}

#[test]
fn efficient_gaussian_connectivity_matches_brian2() {
    let want = reference("efficient_gaussian_connectivity");
    let runs = over_seeds(&seeds(2), |s| {
        let mut net = run_example("efficient_gaussian_connectivity", Some(s));
        let mut st = Stats::new();
        for method in ["naive", "limited", "divided"] {
            let syn = format!("S_{method}");
            let d: Vec<f64> = state(&mut net, &syn, "j")
                .iter()
                .zip(state(&mut net, &syn, "i"))
                .map(|(j, i)| j - i)
                .collect();
            st.insert(format!("{method}.n_synapses"), d.len() as f64);
            st.insert(format!("{method}.offset_sd"), sd(&d));
            st.insert(format!("{method}.self"), count(&d, |d| *d == 0.0));
            st.insert(format!("{method}.left_tail"), count(&d, |d| *d <= -10.0));
            st.insert(format!("{method}.right_tail"), count(&d, |d| *d >= 9.0));
        }
        st
    });
    assert_stats(
        "efficient_gaussian_connectivity",
        &runs,
        &want["stats"],
        &[],
    );
}

// ---------------------------------------------------------------------------------------------------------
// synapses/jeffress.py, synapses/licklider.py: delay lines and place codes.

/// Mean index of the spikes in each window of `width` seconds (0 for an empty window).
fn place_code(i: &[usize], t: &[f64], width: f64, windows: usize) -> Vec<f64> {
    (0..windows)
        .map(|w| {
            let (lo, hi) = (width * w as f64 - 1e-9, width * (w + 1) as f64 - 1e-9);
            let sel: Vec<f64> = i
                .iter()
                .zip(t)
                .filter(|(_, t)| **t >= lo && **t < hi)
                .map(|(i, _)| *i as f64)
                .collect();
            if sel.is_empty() { 0.0 } else { mean(&sel) }
        })
        .collect()
}

#[test]
fn jeffress_matches_brian2() {
    let want = reference("jeffress");
    let step = want["trace_every"].as_u64().unwrap() as usize;
    let runs = over_seeds(&seeds(5), |s| {
        let mut net = run_example("jeffress", Some(s));
        assert_close(
            "jeffress, synaptic delays",
            &state(&mut net, "synapses", "delay"),
            &floats(&want["syn_delay"]),
            1e-12,
        );
        let delay = traces(&net, "traces", "delay");
        for (k, row) in want["delay_trace"].as_array().unwrap().iter().enumerate() {
            assert_close(
                &format!("jeffress, delay of ear {k}"),
                &every(&delay[k], step),
                &floats(row),
                1e-9,
            );
        }
        let ears = net
            .spike_data(monitor(&net, "ear_spikes"))
            .unwrap()
            .count
            .clone();
        let (i, t) = spikes(&net, "spikes");
        let mut st = stats([
            ("ears.0", ears[0] as f64),
            ("ears.1", ears[1] as f64),
            ("total", i.len() as f64),
        ]);
        for (w, p) in place_code(&i, &t, 0.1, 10).into_iter().enumerate() {
            st.insert(format!("place.{w}"), p);
        }
        st
    });
    assert_stats("jeffress", &runs, &want["stats"], &[]);
}

#[test]
fn licklider_matches_brian2() {
    let want = reference("licklider");
    let runs = over_seeds(&seeds(3), |s| {
        let mut net = run_example("licklider", Some(s));
        assert_close(
            "licklider, synaptic delays",
            &state(&mut net, "synapses", "delay"),
            &floats(&want["syn_delay"]),
            1e-12,
        );
        let rec = net
            .spike_data(monitor(&net, "receptor_spikes"))
            .unwrap()
            .count
            .clone();
        let (i, t) = spikes(&net, "spikes");
        let mut st = stats([
            ("receptors.0", rec[0] as f64),
            ("receptors.1", rec[1] as f64),
            ("total", i.len() as f64),
        ]);
        for (w, p) in place_code(&i, &t, 0.1, 5).into_iter().enumerate() {
            st.insert(format!("place.{w}"), p);
        }
        st
    });
    assert_stats("licklider", &runs, &want["stats"], &[]);
}

// ---------------------------------------------------------------------------------------------------------
// frompapers/

#[test]
fn diesmann_et_al_1999_matches_brian2() {
    let want = reference("diesmann_et_al_1999");
    let runs = over_seeds(&seeds(5), |s| {
        let net = run_example("diesmann_et_al_1999", Some(s));
        let (i, t) = spikes(&net, "Mgp");
        let t: Vec<f64> = t.iter().map(|t| t * 1e3).collect();
        let mut st = Stats::new();
        for g in 0..10 {
            let volley: Vec<f64> = i
                .iter()
                .zip(&t)
                .filter(|(i, t)| **i / 100 == g && **t >= 50.0 && **t < 60.0)
                .map(|(_, t)| *t)
                .collect();
            let (m, s) = if volley.is_empty() {
                (0.0, 0.0)
            } else {
                (mean(&volley), sd(&volley))
            };
            st.insert(format!("volley_count.{g}"), volley.len() as f64);
            st.insert(format!("volley_mean_ms.{g}"), m);
            st.insert(format!("volley_sd_ms.{g}"), s);
        }
        st.insert("background".into(), count(&t, |t| *t < 50.0));
        st.insert("early".into(), count(&t, |t| *t < 10.0));
        st.insert(
            "synapses".into(),
            net.synapse_count(handle(&net, "S")) as f64,
        );
        st.insert("input_spikes".into(), spikes(&net, "Minput").0.len() as f64);
        st
    });
    assert_stats("Diesmann_et_al_1999", &runs, &want["stats"], &[]);
}

/// 210 segments: after each pairing, both weights must be Brian2's.
#[test]
fn clopath_et_al_2010_no_homeostasis_gives_brian2_weights() {
    let want = reference("clopath_et_al_2010_no_homeostasis");
    let (mut net, plan) = build(
        "examples/brian2/clopath_et_al_2010_no_homeostasis.toml",
        None,
    );
    let per_rate = want["w_after_pair"].as_array().unwrap();
    assert_eq!(plan.segments.len(), 2 * 15 * per_rate.len(), "segments");
    let mut segments = plan.segments.iter();
    for (rate, pairs) in per_rate.iter().enumerate() {
        for (pair, expected) in pairs.as_array().unwrap().iter().enumerate() {
            for seg in segments.by_ref().take(2) {
                for op in &seg.set {
                    net.apply(op).unwrap();
                }
                net.run(seg.duration).unwrap();
            }
            assert_close(
                &format!(
                    "Clopath_et_al_2010_no_homeostasis: w_ampa after pairing {pair} of rate {rate}"
                ),
                &state(&mut net, "Syn", "w_ampa"),
                &floats(expected),
                1e-9,
            );
        }
    }
    assert_eq!(state(&mut net, "Syn", "i"), floats(&want["syn_i"]));
}

#[test]
fn clopath_et_al_2010_homeostasis_matches_brian2() {
    let want = reference("clopath_et_al_2010_homeostasis");
    let runs = over_seeds(&seeds(10), |s| {
        let mut net = run_example("clopath_et_al_2010_homeostasis", Some(s));
        let mut w = state(&mut net, "Syn", "w_ampa");
        w.sort_by(f64::total_cmp);
        let rec = traces(&net, "W_evolution", "w_ampa");
        let mut st = stats([
            ("n_high", count(&w, |w| *w > 0.9)),
            ("n_low", count(&w, |w| *w < 0.1)),
            ("w_top2", mean(&w[3..])),
            ("w_mean", mean(&w)),
            (
                "v_homeo",
                state(&mut net, "Nrn_downstream", "v_homeo")[0] / 1e-3,
            ),
        ]);
        for t in [1usize, 5, 10] {
            let k = t * 2000;
            st.insert(
                format!("w_mean_at.{t}"),
                mean(&rec.iter().map(|r| r[k]).collect::<Vec<_>>()),
            );
        }
        st
    });
    assert_stats("Clopath_et_al_2010_homeostasis", &runs, &want["stats"], &[]);
}

/// `ref_brunel_hakim_1999.py`'s statistics of the population rate r over the steps >= 200.
fn lfp_stats(rate: &[f64]) -> Stats {
    let y = &rate[200..];
    let sm: Vec<f64> = y.windows(5).map(mean).collect();
    let m = mean(y);
    let z: Vec<f64> = y.iter().map(|x| x - m).collect();
    let ac: Vec<f64> = (0..121)
        .map(|k| {
            z[..z.len() - k]
                .iter()
                .zip(&z[k..])
                .map(|(a, b)| a * b)
                .sum()
        })
        .collect();
    let k = (40..121)
        .max_by(|a, b| ac[*a].total_cmp(&ac[*b]).then(b.cmp(a)))
        .unwrap();
    stats([
        ("rate_late", m),
        ("lfp_sd", sd(&sm)),
        ("period_ms", k as f64 * 0.1),
        ("ac_peak", ac[k] / ac[0]),
    ])
}

#[test]
fn brunel_hakim_1999_matches_brian2() {
    let want = reference("brunel_hakim_1999");
    let runs = over_seeds(&seeds(2), |s| {
        let net = run_example("brunel_hakim_1999", Some(s));
        let mut st = lfp_stats(&net.rate_data(monitor(&net, "LFP")).unwrap().rate);
        st.insert(
            "rate_hz".into(),
            spikes(&net, "M").0.len() as f64 / 5000.0 / 0.1,
        );
        st.insert(
            "n_synapses".into(),
            net.synapse_count(handle(&net, "conn")) as f64,
        );
        st
    });
    assert_stats("Brunel_Hakim_1999", &runs, &want["stats"], &[]);
}

/// `eta = 0` (an integer in the file) for the first segment, then `set = { "eta" = "1e-2" }`.
#[test]
fn vogels_et_al_2011_matches_brian2() {
    let want = reference("vogels_et_al_2011");
    let runs = over_seeds(&seeds(1), |s| {
        let mut net = run_example("vogels_et_al_2011", Some(s));
        let (_, t) = spikes(&net, "sm");
        let rate =
            |a: f64, b: f64| count(&t, |t| *t >= a - 1e-9 && *t < b - 1e-9) / 8000.0 / (b - a);
        let w = state(&mut net, "con_ie", "w");
        stats([
            ("rate_before", rate(0.05, 0.1)),
            ("rate_mid", rate(0.3, 0.4)),
            ("rate_after", rate(0.6, 0.7)),
            ("w_mean", mean(&w)),
            ("w_sd", sd(&w)),
            ("n_e", net.synapse_count(handle(&net, "con_e")) as f64),
            ("n_ii", net.synapse_count(handle(&net, "con_ii")) as f64),
            ("n_ie", net.synapse_count(handle(&net, "con_ie")) as f64),
        ])
    });
    assert_stats("Vogels_et_al_2011", &runs, &want["stats"], &[]);
}

#[test]
fn rossant_et_al_2011bis_matches_brian2() {
    let want = reference("rossant_et_al_2011bis");
    let runs = over_seeds(&seeds(10), |s| {
        let net = run_example("rossant_et_al_2011bis", Some(s));
        let counts = net.spike_data(monitor(&net, "M")).unwrap().count.clone();
        let v = traces(&net, "SM", "v");
        let mut st = Stats::new();
        for k in 0..2 {
            let mv: Vec<f64> = v[k].iter().map(|v| v / 1e-3).collect();
            st.insert(format!("count.{k}"), counts[k] as f64);
            st.insert(format!("v_mean.{k}"), mean(&mv));
            st.insert(format!("v_sd.{k}"), sd(&mv));
        }
        st
    });
    assert_stats("Rossant_et_al_2011bis", &runs, &want["stats"], &[]);
}

#[test]
fn sturzl_et_al_2000_matches_brian2() {
    let want = reference("sturzl_et_al_2000");
    let runs = over_seeds(&seeds(10), |s| {
        let mut net = run_example("sturzl_et_al_2000", Some(s));
        let pairs: Vec<(f64, f64)> = state(&mut net, "synapses_inh", "i")
            .into_iter()
            .zip(state(&mut net, "synapses_inh", "j"))
            .collect();
        let expected: Vec<(f64, f64)> = floats(&want["inh_i"])
            .into_iter()
            .zip(floats(&want["inh_j"]))
            .collect();
        assert_eq!(pairs, expected, "synapses_inh");
        let n = net
            .spike_data(monitor(&net, "spikes"))
            .unwrap()
            .count
            .clone();
        let degree = 2.0 * std::f64::consts::PI / 360.0;
        let (mut re, mut im) = (0.0, 0.0);
        let mut st = Stats::new();
        for (k, c) in n.iter().enumerate() {
            let gamma = (22.5 + 45.0 * k as f64) * degree;
            re += *c as f64 * gamma.cos();
            im += *c as f64 * gamma.sin();
            st.insert(format!("count.{k}"), *c as f64);
        }
        st.insert("phi_est_deg".into(), im.atan2(re) / degree);
        st.insert(
            "legs_total".into(),
            spikes(&net, "spikes_legs").0.len() as f64,
        );
        st
    });
    assert_stats("Sturzl_et_al_2000", &runs, &want["stats"], &[]);
}

/// Built at full size (300 million candidate pairs for recurrent_exc), run for 0.2 s.
#[test]
fn kremer_et_al_2011_barrel_cortex_matches_brian2() {
    let want = reference("kremer_et_al_2011_barrel_cortex");
    let runs = over_seeds(&seeds(1), |s| {
        let mut net = run_example("kremer_et_al_2011_barrel_cortex", Some(s));
        // EPSC = EPSP * (taue/taum)**(taum/(taue-taum)), EPSP = 1 mV, taue = 2 ms, taum = 10 ms.
        let epsc = 1e-3 * 0.2f64.powf(10.0 / (2.0 - 10.0));
        let w: Vec<f64> = state(&mut net, "feedforward", "w")
            .iter()
            .map(|w| w / epsc)
            .collect();
        let i = state(&mut net, "feedforward", "i");
        let j = state(&mut net, "feedforward", "j");
        let selectivity = state(&mut net, "layer4", "selectivity");
        let (mut sw, mut re, mut im) = (vec![0.0; 15625], vec![0.0; 15625], vec![0.0; 15625]);
        for k in 0..w.len() {
            let (a, b) = (i[k] as usize, j[k] as usize);
            sw[b] += w[k];
            re[b] += w[k] * selectivity[a].cos();
            im[b] += w[k] * selectivity[a].sin();
        }
        let strength: Vec<f64> = (0..15625)
            .filter(|&b| sw[b] > 0.0)
            .map(|b| re[b].hypot(im[b]) / sw[b])
            .collect();
        let vt = state(&mut net, "layer23", "vt");
        let ge = state(&mut net, "layer23", "ge");
        stats([
            ("n_ff", w.len() as f64),
            (
                "n_rexc",
                net.synapse_count(handle(&net, "recurrent_exc")) as f64,
            ),
            (
                "n_rinh",
                net.synapse_count(handle(&net, "recurrent_inh")) as f64,
            ),
            ("w_mean", mean(&w)),
            ("w_sd", sd(&w)),
            ("sel_strength", mean(&strength)),
            ("vt_exc", mean(&vt[..15625]) / 1e-3),
            ("vt_inh", mean(&vt[15625..]) / 1e-3),
            ("ge_exc", mean(&ge[..15625]) / 1e-3),
        ])
    });
    assert_stats(
        "Kremer_et_al_2011_barrel_cortex",
        &runs,
        &want["stats"],
        &[],
    );
}

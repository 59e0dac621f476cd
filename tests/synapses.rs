//! Synapses against Brian2 (`tests/reference/synapses/`, from Brian2 2.9.0): delivery at Brian2's delay
//! steps, summed variables, event-driven STDP traces, connectivity statistics, and the CUBA and COBAHH
//! networks' statistics.

use ganglion::{
    BackendChoice, Connect, Network, NeuronGroup, Record, SpikeGeneratorGroup, StateMonitor,
    Synapses,
};
use ganglion_modelfile::ModelFile;
use ganglion_tests::model_files::run_example;
use ganglion_tests::reference::{floats, indices};
use ganglion_tests::stats::isi_cv;
use serde_json::Value;

/// Brian2's numbers for a case (`tests/reference/synapses/<name>.json`).
fn reference(name: &str) -> Value {
    ganglion_tests::reference::reference("synapses", name)
}

const BACKENDS: [BackendChoice; 2] = [BackendChoice::Jit, BackendChoice::Interpreter];

#[test]
fn delivery_matches_brian2_step_for_step() {
    let r = reference("delays");
    let dt = r["dt_ms"].as_f64().unwrap() * 1e-3;
    let steps = r["n_steps"].as_u64().unwrap() as usize;
    for (variant, case) in r["variants"].as_object().unwrap() {
        for backend in BACKENDS {
            let mut net = Network::new(backend);
            let times: Vec<f64> = floats(&case["gen_times_ms"])
                .iter()
                .map(|t| t * 1e-3)
                .collect();
            let gi = indices(&case["gen_indices"]);
            let n_src = gi.iter().max().unwrap() + 1;
            let src = net
                .add_spike_generator(SpikeGeneratorGroup::new(n_src.max(3), gi, times))
                .unwrap();
            let (si, sj) = (indices(&case["syn_i"]), indices(&case["syn_j"]));
            let n_tgt = sj.iter().max().unwrap() + 1;
            let tgt = net.add_group(NeuronGroup::new(n_tgt, "v : 1")).unwrap();
            let syn = net
                .add_synapses(Synapses::new(src, tgt, "w : 1").on_pre("v_post += w"))
                .unwrap();
            net.connect(syn, Connect::pairs(si.clone(), sj)).unwrap();
            net.set(syn, "w", floats(&case["w"])).unwrap();
            let delays: Vec<f64> = match case["delays_ms_set"].as_array() {
                Some(d) if d.len() == 1 => vec![d[0].as_f64().unwrap() * 1e-3; si.len()],
                Some(d) => d.iter().map(|x| x.as_f64().unwrap() * 1e-3).collect(),
                None => vec![0.0; si.len()],
            };
            net.set(syn, "delay", delays).unwrap();
            let mon = net
                .add_state_monitor(StateMonitor::new(tgt, ["v"]).when("end"))
                .unwrap();
            net.run(steps as f64 * dt).unwrap();
            let got = &net.state_data(mon).unwrap().values[0].1;
            let want: Vec<Vec<f64>> = case["v"].as_array().unwrap().iter().map(floats).collect();
            assert_eq!(got, &want, "{variant} on {backend:?}");
        }
    }
}

#[test]
fn summed_variables_match_brian2() {
    let r = reference("summed");
    let (si, sj, w) = (indices(&r["syn_i"]), indices(&r["syn_j"]), floats(&r["w"]));
    for (name, case) in r["cases"].as_object().unwrap() {
        for backend in BACKENDS {
            let mut net = Network::new(backend);
            let timing = name == "timing";
            let src = net
                .add_group(
                    NeuronGroup::new(5, if timing { "dv/dt = 1/ms : 1" } else { "v : 1" })
                        .method("euler"),
                )
                .unwrap();
            net.set(src, "v", "i*1.0").unwrap();
            let n_tgt = case["I_final"].as_array().unwrap().len();
            let tgt = net.add_group(NeuronGroup::new(n_tgt, "I : 1")).unwrap();
            net.set(tgt, "I", vec![7.0; n_tgt]).unwrap();
            let syn = net
                .add_synapses(Synapses::new(
                    src,
                    tgt,
                    "w : 1\nI_post = w*v_pre : 1 (summed)",
                ))
                .unwrap();
            net.connect(syn, Connect::pairs(si.clone(), sj.clone()))
                .unwrap();
            net.set(syn, "w", w.clone()).unwrap();
            let mon = net
                .add_state_monitor(StateMonitor::new(tgt, ["I"]).when("end"))
                .unwrap();
            let steps = case["n_steps"].as_u64().unwrap();
            net.run(steps as f64 * 1e-4).unwrap();
            let got = &net.state_data(mon).unwrap().values[0].1;
            let want: Vec<Vec<f64>> = case["I"].as_array().unwrap().iter().map(floats).collect();
            for (g, w) in got.iter().zip(&want) {
                for (a, b) in g.iter().zip(w) {
                    assert!(
                        (a - b).abs() <= 1e-12 * b.abs().max(1.0),
                        "{name}: {got:?} vs {want:?}"
                    );
                }
            }
        }
    }
}

#[test]
fn stdp_with_event_driven_traces_matches_brian2() {
    let r = reference("stdp");
    let pre_i = indices(&r["pre_spikes"]["i"]);
    let pre_t: Vec<f64> = floats(&r["pre_spikes"]["step"])
        .iter()
        .map(|s| s * 1e-4)
        .collect();
    let post_t: Vec<f64> = floats(&r["post_steps"]).iter().map(|s| s * 1e-4).collect();
    let case = &r["cases"]["open_loop"];
    for backend in BACKENDS {
        let mut net = Network::new(backend);
        net.set_constant("taupre", ganglion_units::Quantity::parse("20*ms").unwrap());
        net.set_constant("taupost", ganglion_units::Quantity::parse("20*ms").unwrap());
        net.set_constant("wmax", ganglion_units::Quantity::parse("0.01").unwrap());
        net.set_constant("Apre", ganglion_units::Quantity::parse("1e-4").unwrap());
        net.set_constant(
            "Apost",
            ganglion_units::Quantity::parse("-1.05e-4").unwrap(),
        );
        let pre = net
            .add_spike_generator(SpikeGeneratorGroup::new(20, pre_i.clone(), pre_t.clone()))
            .unwrap();
        let post = net
            .add_spike_generator(SpikeGeneratorGroup::new(
                1,
                vec![0; post_t.len()],
                post_t.clone(),
            ))
            .unwrap();
        let syn = net
            .add_synapses(
                Synapses::new(
                    pre,
                    post,
                    "w : 1\ndapre/dt = -apre/taupre : 1 (event-driven)\ndapost/dt = -apost/taupost : 1 (event-driven)",
                )
                .on_pre(case["on_pre"].as_str().unwrap().replace("; ", "\n"))
                .on_post(case["on_post"].as_str().unwrap().replace("; ", "\n")),
            )
            .unwrap();
        net.connect(syn, Connect::pairs((0..20).collect(), vec![0; 20]))
            .unwrap();
        net.set(syn, "w", floats(&r["w_init"])).unwrap();
        net.run(0.1).unwrap();
        let close = |got: &[f64], want: &[f64], what: &str| {
            for (k, (a, b)) in got.iter().zip(want).enumerate() {
                assert!(
                    (a - b).abs() <= 1e-12 * b.abs().max(1e-6),
                    "{what} of synapse {k} on {backend:?}: {a:e} vs Brian2 {b:e}"
                );
            }
        };
        close(
            &net.state(syn, "w").unwrap(),
            &floats(&case["w_at_100ms"]),
            "w at 100 ms",
        );
        net.run(0.1).unwrap();
        close(
            &net.state(syn, "w").unwrap(),
            &floats(&case["w_final"]),
            "w",
        );
        close(
            &net.state(syn, "apre").unwrap(),
            &floats(&case["apre_stored"]),
            "apre",
        );
        close(
            &net.state(syn, "apost").unwrap(),
            &floats(&case["apost_stored"]),
            "apost",
        );
        let last: Vec<f64> = floats(&case["lastupdate_step"])
            .iter()
            .map(|s| s * 1e-4)
            .collect();
        close(&net.state(syn, "lastupdate").unwrap(), &last, "lastupdate");
    }
}

/// Within `k` standard deviations of Brian2's mean over its seeds.
fn within(x: f64, stat: &Value, k: f64, what: &str) {
    let (mean, sd) = (
        stat["mean"].as_f64().unwrap(),
        stat["std"].as_f64().unwrap(),
    );
    assert!(
        (x - mean).abs() <= k * sd,
        "{what}: {x} is not within {k} SD of Brian2's {mean} ± {sd}"
    );
}

#[test]
fn connectivity_statistics_match_brian2() {
    let r = reference("connect");
    for (case, connect, p) in [
        ("cond_p", Connect::condition("i != j"), 0.1),
        ("p_only", Connect::all(), 0.05),
    ] {
        let c = &r["cases"][case];
        let n = c["N"].as_u64().unwrap() as usize;
        let mut counts = Vec::new();
        for seed in 0..3 {
            let mut net = Network::new(BackendChoice::Jit);
            net.seed(seed);
            let g = net.add_group(NeuronGroup::new(n, "v : 1")).unwrap();
            let s = net.add_synapses(Synapses::new(g, g, "")).unwrap();
            let made = net.connect(s, connect.clone().p(p)).unwrap();
            let i = net.state(s, "i").unwrap();
            let j = net.state(s, "j").unwrap();
            let selfs = i.iter().zip(&j).filter(|(a, b)| a == b).count();
            if case == "cond_p" {
                assert_eq!(selfs, 0);
            }
            within(made as f64, &c["summary"]["n_synapses"], 4.0, case);
            let mut deg = vec![0.0; n];
            for &x in &j {
                deg[x as usize] += 1.0;
            }
            let mean = deg.iter().sum::<f64>() / n as f64;
            let sd = (deg.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / n as f64).sqrt();
            within(sd, &c["summary"]["in_degree_std"], 4.0, "in-degree SD");
            counts.push(made);
        }
        assert!(
            counts.windows(2).any(|w| w[0] != w[1]),
            "seeds give different connectivity"
        );
        // The same seed, the same synapses.
        let again = |seed| {
            let mut net = Network::new(BackendChoice::Interpreter);
            net.seed(seed);
            let g = net.add_group(NeuronGroup::new(n, "v : 1")).unwrap();
            let s = net.add_synapses(Synapses::new(g, g, "")).unwrap();
            net.connect(s, connect.clone().p(p)).unwrap();
            (net.state(s, "i").unwrap(), net.state(s, "j").unwrap())
        };
        assert_eq!(again(7), again(7));
    }
}

#[test]
fn conditions_and_probability_expressions_use_both_groups() {
    for backend in BACKENDS {
        let mut net = Network::new(backend);
        let g = net.add_group(NeuronGroup::new(30, "x : 1")).unwrap();
        net.set(g, "x", "i*1.0").unwrap();
        let s = net.add_synapses(Synapses::new(g, g, "")).unwrap();
        // A band: |x_pre - x_post| <= 2 and not the neuron itself, every pair kept (p = 1 as an expression).
        net.connect(
            s,
            Connect::condition("abs(x_pre - x_post) <= 2 and i != j").p_expr("1.0*(j >= 0)"),
        )
        .unwrap();
        let (i, j) = (net.state(s, "i").unwrap(), net.state(s, "j").unwrap());
        let expected: Vec<(f64, f64)> = (0..30i32)
            .flat_map(|a| {
                (0..30i32)
                    .filter(move |b| (a - b).abs() <= 2 && a != *b)
                    .map(move |b| (a as f64, b as f64))
            })
            .collect();
        let got: Vec<(f64, f64)> = i.into_iter().zip(j).collect();
        assert_eq!(got, expected, "{backend:?}");
        // Synapse 0 is 0 -> 1; neuron 1 receives from 0, 2 and 3; neuron 0 sends to 1 and 2.
        assert_eq!(net.state(s, "N_incoming").unwrap()[0], 3.0);
        assert_eq!(net.state(s, "N_outgoing").unwrap()[0], 2.0);
    }
}

#[test]
fn synapse_errors_are_reported_not_panicked() {
    let mut net = Network::new(BackendChoice::Interpreter);
    let g = net.add_group(NeuronGroup::new(3, "v : volt")).unwrap();
    let e = net
        .add_synapses(Synapses::new(g, g, "w : volt").on_pre("v_post += w*ms"))
        .unwrap_err();
    assert!(
        e.to_string().contains("dimension") || e.to_string().contains("unit"),
        "{e}"
    );
    let e = net
        .add_synapses(Synapses::new(g, g, "w : volt").on_pre("u_post += w"))
        .unwrap_err();
    assert!(e.to_string().contains("u_post"), "{e}");
    let s = net
        .add_synapses(Synapses::new(g, g, "w : volt").on_pre("v_post += w"))
        .unwrap();
    let e = net
        .connect(s, Connect::pairs(vec![0, 5], vec![1, 1]))
        .unwrap_err();
    assert!(e.to_string().contains("outside"), "{e}");
    let e = net.set(s, "i", vec![0.0]).unwrap_err();
    assert!(e.to_string().contains("read-only"), "{e}");
}

/// Rate, mean CV of inter-spike intervals (neurons with 3 spikes or more), those neurons, and spikes
/// before 100 ms.
fn spike_statistics(net: &Network, n: usize, duration: f64) -> (f64, f64, usize, usize) {
    let m = net.monitors()[0];
    let d = net.spike_data(m).unwrap();
    let trains = d.spike_trains();
    assert_eq!(trains.len(), n);
    let n_cv = trains.iter().filter(|t| t.len() >= 3).count();
    let rate = d.t.len() as f64 / n as f64 / duration;
    let early = d.t.iter().filter(|&&t| t < 0.1).count();
    (rate, isi_cv(&trains), n_cv, early)
}

/// Runs a network of the corpus (`examples/<name>.toml`: 4000 neurons, 1 s) and compares its statistics
/// with Brian2's over seeds (`tests/reference/synapses/<name>.json`).
fn assert_network_matches_brian2(name: &str, label: &str) {
    let r = reference(name);
    let s = &r["summary"];
    let net = run_example(&format!("{name}.toml"), BackendChoice::Jit);
    let (rate, cv, n_cv, early) = spike_statistics(&net, 4000, 1.0);
    within(rate, &s["rate_hz"], 4.0, &format!("{label} rate (Hz)"));
    within(cv, &s["cv"], 4.0, &format!("{label} ISI CV"));
    within(
        n_cv as f64,
        &s["n_cv_neurons"],
        4.0,
        &format!("{label} neurons with 3+ spikes"),
    );
    within(
        early as f64,
        &s["spikes_first_100ms"],
        4.0,
        &format!("{label} spikes in 100 ms"),
    );
    for syn in ["Ce", "Ci"] {
        let h = net.group_named(syn).unwrap();
        within(
            net.synapse_count(h) as f64,
            &s[format!("{syn}.n_synapses")],
            4.0,
            syn,
        );
    }
}

#[test]
fn cuba_matches_brian2_statistics() {
    assert_network_matches_brian2("cuba", "CUBA");
}

#[test]
fn cobahh_matches_brian2_statistics() {
    assert_network_matches_brian2("cobahh", "COBAHH");
}

#[test]
fn order_dependent_synaptic_code_gets_brian2s_warning() {
    let warnings_for = |code: &str| {
        let mut net = Network::new(BackendChoice::Interpreter);
        let g = net.add_group(NeuronGroup::new(3, "v : 1\nu : 1")).unwrap();
        net.add_synapses(Synapses::new(g, g, "w : 1").on_pre(code))
            .unwrap();
        net.warnings()
            .iter()
            .filter(|d| d.code == Some("order-dependent"))
            .count()
    };
    // Commutative updates, and code touching only the synapse, do not depend on the order.
    assert_eq!(warnings_for("v_post += w"), 0);
    assert_eq!(warnings_for("v_post += w\nu_post -= 2*w"), 0);
    assert_eq!(warnings_for("w = w*0.5"), 0);
    assert_eq!(warnings_for("v_post = 0"), 0);
    // The last synapse wins; a synapse reads what earlier ones changed; a random draw per synapse.
    assert_eq!(warnings_for("v_post = w"), 1);
    assert_eq!(warnings_for("v_post += w\nw = v_post"), 1);
    assert_eq!(warnings_for("v_post += w*rand()"), 1);
}

#[test]
fn generator_syntax_makes_brian2s_synapses() {
    let r = reference("connect");
    let c = &r["cases"]["generator"];
    let want: Vec<(f64, f64)> = floats(&c["i"]).into_iter().zip(floats(&c["j"])).collect();
    for backend in BACKENDS {
        let mut net = Network::new(backend);
        let g = net.add_group(NeuronGroup::new(20, "v : 1")).unwrap();
        let s = net.add_synapses(Synapses::new(g, g, "")).unwrap();
        let text = "k for k in range(i-3, i+4) if i != k";
        // Without skip_if_invalid, targets below 0 or above 19 are refused, as in Brian2.
        let e = net.connect(s, Connect::generator(text)).unwrap_err();
        assert!(e.to_string().contains("outside"), "{e}");
        net.connect(s, Connect::generator(text).skip_if_invalid(true))
            .unwrap();
        let (i, j) = (net.state(s, "i").unwrap(), net.state(s, "j").unwrap());
        let mut got: Vec<(f64, f64)> = i.into_iter().zip(j).collect();
        got.sort_by(|a, b| a.partial_cmp(b).unwrap());
        let mut want = want.clone();
        want.sort_by(|a, b| a.partial_cmp(b).unwrap());
        assert_eq!(got, want, "{backend:?}");
        // j as an expression of i, and sampling.
        let s2 = net.add_synapses(Synapses::new(g, g, "")).unwrap();
        net.connect(s2, Connect::generator("(i + 1) % 20")).unwrap();
        assert_eq!(net.state(s2, "j").unwrap()[19], 0.0);
        let s3 = net.add_synapses(Synapses::new(g, g, "")).unwrap();
        let made = net
            .connect(s3, Connect::generator("k for k in sample(N_post, p=0.5)"))
            .unwrap();
        assert!((100..300).contains(&made), "{made}");
    }
}

/// Synapses, spike generators, Poisson groups and the generator syntax from a model file.
#[test]
fn synapses_and_inputs_build_from_a_model_file() {
    let text = r#"
[run]
duration = "5*ms"

[groups.stim]
kind = "spike_generator"
N = 3
indices = [0, 1, 2]
times = ["1*ms", "2*ms", 0.003]

[groups.noise]
kind = "poisson"
N = 20
rates = "100*Hz"

[groups.P]
N = 20
model = "v : 1"

[synapses.ring]
source = "P"
target = "P"
model = "w : 1"
on_pre = "v_post += w"

[[synapses.ring.connect]]
j = "k for k in range(i-1, i+2) if i != k"
skip_if_invalid = true

[synapses.drive]
source = "stim"
target = "P[:3]"
on_pre = "v_post += 1"
delay = "0.5*ms"

[[synapses.drive.connect]]
j = "i"

[monitors.noise_spikes]
kind = "spike"
source = "noise"
"#;
    let file = ModelFile::parse("inline.toml", text).unwrap();
    let (mut net, plan) = Network::from_model_file(file, BackendChoice::Jit).unwrap();
    net.run(plan.segments[0].duration).unwrap();
    let ring = net.group_named("ring").unwrap();
    // Neurons 0 and 19 have one neighbour each, the 18 others two.
    assert_eq!(net.synapse_count(ring), 2 * 18 + 2);
    let p = net.group_named("P").unwrap();
    assert_eq!(&net.state(p, "v").unwrap()[..4], &[1.0, 1.0, 1.0, 0.0]);
    let m = net.monitors()[0];
    assert!(net.spike_data(m).unwrap().num_events() > 0);
}

/// Synaptic code reads the groups' subexpressions (`gain_pre`, `h_post`, `h`), with `i` and `N` in them
/// meaning the presynaptic (or postsynaptic) neuron's index and its group's size, and a subexpression read
/// after a write to what it depends on recomputed, as in Brian2.
#[test]
fn synaptic_code_reads_the_groups_subexpressions() {
    for backend in BACKENDS {
        let mut net = Network::new(backend);
        let p = net
            .add_group(
                NeuronGroup::new(2, "u : 1\ngain = 2*u + i : 1").threshold("t_in_timesteps == 3"),
            )
            .unwrap();
        net.set(p, "u", vec![1.0, 3.0]).unwrap();
        let q = net
            .add_group(NeuronGroup::new(3, "x : 1\nh = x + N + i : 1"))
            .unwrap();
        net.set(q, "x", vec![0.5, 0.0, 0.0]).unwrap();
        let syn = net
            .add_synapses(Synapses::new(p, q, "y : 1").on_pre("x_post += gain_pre\ny = h_post + h"))
            .unwrap();
        net.connect(syn, Connect::pairs(vec![0, 1, 1], vec![0, 2, 1]))
            .unwrap();
        net.run(0.5e-3).unwrap();
        // gain = [2, 7]; h = x + 3 + j, read after `x_post` changed.
        assert_eq!(
            net.state(q, "x").unwrap(),
            vec![2.5, 7.0, 7.0],
            "{backend:?}"
        );
        assert_eq!(
            net.state(syn, "y").unwrap(),
            vec![11.0, 24.0, 22.0],
            "{backend:?}"
        );
    }
    // (Brian2 2.9.0 gives x = [2.5, 7, 7] and y = [11, 24, 22] for this network.)
    // A subexpression using a constant of its group's own namespace, which synapses cannot see, is not
    // offered to them: naming it is an unknown name, reported before anything runs.
    let mut net = Network::new(BackendChoice::Jit);
    let p = net
        .add_group(NeuronGroup::new(2, "u : 1\ngain = k*u : 1").constant(
            "k",
            ganglion_units::Quantity::new(2.0, ganglion_units::Dimension::DIMENSIONLESS),
        ))
        .unwrap();
    let q = net.add_group(NeuronGroup::new(2, "x : 1")).unwrap();
    let err = net
        .add_synapses(Synapses::new(p, q, "").on_pre("x_post += gain_pre"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("gain_pre"), "{err}");
}

/// Brian2 makes synaptic writes to a neuron's `(unless refractory)` variable conditional on the neuron's
/// `not_refractory` (as in `standalone/cuba_openmp.py`, where `ge += we` is lost while the target is
/// refractory); writes to other variables of the neuron are not.
#[test]
fn synaptic_writes_to_unless_refractory_variables_wait_for_the_neuron() {
    for backend in [BackendChoice::Interpreter, BackendChoice::Jit] {
        let mut net = Network::new(backend);
        let src = net
            .add_spike_generator(SpikeGeneratorGroup::new(1, vec![0, 0], vec![1e-3, 7e-3]))
            .unwrap();
        let tgt = net
            .add_group(
                NeuronGroup::new(
                    1,
                    "dge/dt = -ge/second : 1 (unless refractory)\nx : 1\nv : 1",
                )
                .threshold("v > 0.5")
                .reset("v = 0")
                .refractory("5*ms")
                .method("exact"),
            )
            .unwrap();
        net.set(tgt, "v", vec![1.0]).unwrap(); // spikes at step 0: refractory until 5 ms
        let syn = net
            .add_synapses(Synapses::new(src, tgt, "").on_pre("ge_post += 1\nx_post += 1"))
            .unwrap();
        net.connect(syn, Connect::all()).unwrap();
        net.run(3e-3).unwrap();
        assert_eq!(
            net.state(tgt, "ge").unwrap(),
            [0.0],
            "{backend:?}: lost while refractory"
        );
        assert_eq!(
            net.state(tgt, "x").unwrap(),
            [1.0],
            "{backend:?}: x is not gated"
        );
        net.run(6e-3).unwrap();
        let ge = net.state(tgt, "ge").unwrap()[0];
        // Added at step 70 (after that step's update), then decayed over steps 71..=89.
        assert!((ge - (-1.9e-3f64).exp()).abs() < 1e-12, "{backend:?}: {ge}");
    }
}

/// Synaptic code that reads a neuron's variable after writing it sees what every synapse of the step
/// wrote, as with Brian2's numpy target (statement after statement over all the synapses): five synapses
/// onto one neuron each add 10 to `v`, then each reads `v_post` (Clopath et al. 2010's `on_post`).
#[test]
fn a_neurons_variable_read_after_a_write_sees_every_synapse_of_the_step() {
    for backend in BACKENDS {
        let mut net = Network::new(backend);
        let src = net
            .add_spike_generator(SpikeGeneratorGroup::new(5, (0..5).collect(), vec![1e-3; 5]))
            .unwrap();
        let tgt = net.add_group(NeuronGroup::new(1, "v : 1")).unwrap();
        let code = "v += 10\nseen = v_post*w\nlate = seen + 1\nfinal_seen = late";
        let syn = net
            .add_synapses(Synapses::new(src, tgt, "w : 1\nfinal_seen : 1").on_pre(code))
            .unwrap();
        net.connect(syn, Connect::all()).unwrap();
        net.set(syn, "w", vec![1.0, 2.0, 3.0, 4.0, 5.0]).unwrap();
        net.run(2e-3).unwrap();
        assert_eq!(net.state(tgt, "v").unwrap(), [50.0], "{backend:?}");
        // Every synapse reads 50 (one at a time, it would read 10, 20, ... 50); the temporaries
        // `seen` and `late` cross from one phase to the next per synapse.
        let seen = net.state(syn, "final_seen").unwrap();
        assert_eq!(seen, [51.0, 101.0, 151.0, 201.0, 251.0], "{backend:?}");
        let kernels = &net.kernels(syn).event_codes;
        assert_eq!(kernels.len(), 2, "two phases");
    }
    // Writing a neuron's variable after reading it stays synapse by synapse (Brian2 does the same).
    let mut net = Network::new(BackendChoice::Interpreter);
    let src = net
        .add_spike_generator(SpikeGeneratorGroup::new(3, vec![0, 1, 2], vec![1e-3; 3]))
        .unwrap();
    let tgt = net.add_group(NeuronGroup::new(1, "v : 1")).unwrap();
    let syn = net
        .add_synapses(Synapses::new(src, tgt, "seen : 1").on_pre("seen = v_post\nv_post += 1"))
        .unwrap();
    net.connect(syn, Connect::all()).unwrap();
    net.run(2e-3).unwrap();
    assert_eq!(net.state(syn, "seen").unwrap(), [0.0, 1.0, 2.0]);
    assert_eq!(net.kernels(syn).event_codes.len(), 1);
}

/// Brian2 checks a generator's `if` that depends on `i` alone before the row's targets: rows it rules
/// out may name targets outside the group (Diesmann et al. 1999), others may not.
#[test]
fn a_generators_condition_on_i_rules_out_rows_before_their_targets_are_checked() {
    let mut net = Network::new(BackendChoice::Interpreter);
    let g = net.add_group(NeuronGroup::new(10, "v : 1")).unwrap();
    let s = net.add_synapses(Synapses::new(g, g, "")).unwrap();
    let made = net
        .connect(
            s,
            Connect::generator("k for k in range(i+1, i+3) if i < N_pre - 2"),
        )
        .unwrap();
    assert_eq!(made, 16);
    assert_eq!(
        net.state(s, "j")
            .unwrap()
            .iter()
            .cloned()
            .fold(0.0, f64::max),
        9.0
    );
    // A condition on j is checked after the bounds, as in Brian2: out-of-range targets are errors.
    let s2 = net.add_synapses(Synapses::new(g, g, "")).unwrap();
    let e = net
        .connect(
            s2,
            Connect::generator("k for k in range(i+1, i+3) if j < 10"),
        )
        .unwrap_err();
    assert!(e.to_string().contains("outside"), "{e}");
}

/// A state monitor of synapses records their groups' variables: the postsynaptic `g` by its plain name
/// and `g_post`, the presynaptic `u_pre` (Brian2's `StateMonitor(S, 'g', record=...)`).
#[test]
fn state_monitors_of_synapses_record_their_groups_variables() {
    let mut net = Network::new(BackendChoice::Jit);
    let src = net.add_group(NeuronGroup::new(2, "u : 1")).unwrap();
    let tgt = net.add_group(NeuronGroup::new(3, "g : 1")).unwrap();
    net.set(src, "u", vec![10.0, 20.0]).unwrap();
    net.set(tgt, "g", vec![1.0, 2.0, 3.0]).unwrap();
    let syn = net.add_synapses(Synapses::new(src, tgt, "w : 1")).unwrap();
    net.connect(syn, Connect::pairs(vec![0, 1, 1], vec![2, 0, 1]))
        .unwrap();
    let vars = ["g", "g_post", "u_pre"].map(String::from).to_vec();
    let m = net
        .add_state_monitor(StateMonitor::new(syn, vars).record(Record::Indices(vec![0, 1, 2])))
        .unwrap();
    net.run(1e-4).unwrap();
    let data = net.state_data(m).unwrap();
    let first = |v: &str| -> Vec<f64> {
        let traces = &data.values.iter().find(|(n, _)| n == v).unwrap().1;
        traces.iter().map(|t| t[0]).collect()
    };
    assert_eq!(first("g"), [3.0, 1.0, 2.0]);
    assert_eq!(first("g_post"), [3.0, 1.0, 2.0]);
    assert_eq!(first("u_pre"), [10.0, 20.0, 20.0]);
    let bad = net.add_state_monitor(StateMonitor::new(syn, vec!["h".to_string()]));
    assert!(bad.is_err());
}

/// Indexed and conditional assignments in a model file (Brian2's `G.v[0] = ...`, `G.v[2:4] = ...`,
/// `S.w['i > j'] = ...`), in `init` and between runs, in the order written; a spike monitor of a spike
/// generator; `connect` with one `j` for every `i`.
#[test]
fn indexed_assignments_and_generator_monitors_from_a_model_file() {
    let text = r#"
[groups.stim]
kind = "spike_generator"
N = 3
indices = [0, 2]
times = ["1*ms", "2*ms"]

[groups.P]
N = 5
model = "v : 1"

[groups.P.init]
v = "i"
"v[0]" = 10
"v[-1]" = "v*2"
"v[1:3]" = "-v"

[synapses.S]
source = "stim"
target = "P"
model = "w : 1"
on_pre = "v_post += w"

[[synapses.S.connect]]
i = [0, 1, 2]
j = 4

[synapses.S.init]
w = 1
"w[i > 0]" = "i*10"

[monitors.generated]
kind = "spike"
source = "stim"

[[segments]]
duration = "3*ms"

[[segments]]
duration = "1*ms"
set = { "P.v[i >= 3]" = 0, "S.w[1]" = 7 }
"#;
    let file = ModelFile::parse("inline.toml", text).unwrap();
    let (mut net, plan) = Network::from_model_file(file, BackendChoice::Interpreter).unwrap();
    let (p, s) = (net.group_named("P").unwrap(), net.group_named("S").unwrap());
    assert_eq!(net.state(p, "v").unwrap(), [10.0, -1.0, -2.0, 3.0, 8.0]);
    assert_eq!(net.state(s, "w").unwrap(), [1.0, 10.0, 20.0]);
    net.run(plan.segments[0].duration).unwrap();
    // Synapses 0 and 2 fired onto neuron 4.
    assert_eq!(net.state(p, "v").unwrap()[4], 8.0 + 1.0 + 20.0);
    for op in &plan.segments[1].set {
        net.apply(op).unwrap();
    }
    assert_eq!(net.state(p, "v").unwrap(), [10.0, -1.0, -2.0, 0.0, 0.0]);
    assert_eq!(net.state(s, "w").unwrap(), [1.0, 7.0, 20.0]);
    let m = net.monitors()[0];
    let spikes = net.spike_data(m).unwrap();
    assert_eq!(spikes.i, [0, 2]);
}

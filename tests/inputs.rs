//! Brian2's inputs that are not groups — `TimedArray` and `PoissonInput` — against Brian2 2.9.0
//! (`tests/reference/inputs/`, made by the scripts there, numpy target).
//!
//! Timed arrays: every lookup case (1-D and 2-D; before 0, at and between multiples of dt, past the end;
//! several ratios of the array's dt to the group's) gives exactly Brian2's values, on both backends; a
//! membrane driven by a timed array follows Brian2's trace with the method Brian2 picks (`exact` when the
//! array is constant over a step, else `euler`). Poisson inputs: the number of spikes per neuron and step
//! has the binomial's mean and variance (both of Brian2's branches), a group driven by Poisson inputs has
//! Brian2's mean and SD of the membrane potential over time (statistically, over seeds), and the JIT and
//! the interpreter give the same bits.

use ganglion::{BackendChoice, Network, NeuronGroup, PoissonInput, Record, StateMonitor};
use ganglion_tests::model_files::run_example;
use ganglion_tests::reference::floats;
use ganglion_units::{Dimension, Quantity};
use serde_json::Value;

/// Brian2's numbers for a case (`tests/reference/inputs/<name>.json`).
fn reference(name: &str) -> Value {
    ganglion_tests::reference::reference("inputs", name)
}

const BACKENDS: [BackendChoice; 2] = [BackendChoice::Interpreter, BackendChoice::Jit];

/// The unit of a reference case, as a quantity of value 1.
fn unit(name: &str) -> Quantity {
    match name {
        "1" => Quantity::dimensionless(1.0),
        u => Quantity::parse(u).unwrap(),
    }
}

/// Runs one lookup case of `timed_array.json`: the recorded subexpressions, `[expr][neuron][step]`.
fn run_lookup(case: &Value, backend: BackendChoice) -> Vec<(String, Vec<Vec<f64>>)> {
    let ta_dt = case["ta_dt"].as_f64().unwrap();
    let group_dt = case["group_dt"].as_f64().unwrap();
    let n = case["n"].as_u64().unwrap() as usize;
    let u = case["unit"].as_str().unwrap();
    let mut net = Network::new(backend);
    net.set_dt(group_dt).unwrap();
    let values = &case["values"];
    let one = Quantity::new(1.0, unit(u).dim);
    if values[0].is_array() {
        let rows: Vec<Vec<f64>> = values.as_array().unwrap().iter().map(floats).collect();
        net.add_timed_array("ta", ta_dt, rows, one).unwrap();
    } else {
        net.add_timed_array("ta", ta_dt, floats(values), one)
            .unwrap();
    }
    let exprs = case["exprs"].as_object().unwrap();
    let model: Vec<String> = exprs
        .iter()
        .map(|(k, e)| format!("{k} = {} : {u}", e.as_str().unwrap()))
        .collect();
    let g = net
        .add_group(NeuronGroup::new(n, model.join("\n")))
        .unwrap();
    let names: Vec<String> = exprs.keys().cloned().collect();
    let m = net
        .add_state_monitor(StateMonitor::new(g, names.clone()).record(Record::All))
        .unwrap();
    let steps = case["steps"].as_u64().unwrap();
    net.run(steps as f64 * group_dt).unwrap();
    let data = net.state_data(m).unwrap();
    assert_eq!(data.t.len() as u64, steps);
    names
        .iter()
        .map(|k| {
            let (_, rows) = data.values.iter().find(|(n, _)| n == k).unwrap();
            (k.clone(), rows.clone())
        })
        .collect()
}

#[test]
fn timed_array_lookups_match_brian2_exactly() {
    let r = reference("timed_array");
    for (name, case) in r["lookups"].as_object().unwrap() {
        for backend in BACKENDS {
            for (k, rows) in run_lookup(case, backend) {
                let expected = &case["recorded"][&k];
                for (neuron, row) in rows.iter().enumerate() {
                    let want = floats(&expected[neuron]);
                    assert_eq!(
                        row.len(),
                        want.len(),
                        "{name}.{k} ({backend:?}): number of steps"
                    );
                    for (step, (x, y)) in row.iter().zip(&want).enumerate() {
                        assert!(
                            x.to_bits() == y.to_bits(),
                            "{name}: {k} = {} ({backend:?}), neuron {neuron}, step {step}: {x} != Brian2's {y}",
                            case["exprs"][&k]
                        );
                    }
                }
            }
        }
    }
}

/// `dv/dt = (R*I_in(t) - v)/tau` for 20 ms from `v = 0`.
fn run_dynamics(case: &Value, method: Option<&str>, backend: BackendChoice) -> (Vec<f64>, String) {
    let mut net = Network::new(backend);
    net.set_constant(
        "tau",
        Quantity::new(case["tau"].as_f64().unwrap(), Dimension::TIME),
    );
    net.set_constant(
        "R",
        Quantity::new(case["R"].as_f64().unwrap(), Dimension::RESISTANCE),
    );
    net.add_timed_array(
        "I_in",
        case["ta_dt"].as_f64().unwrap(),
        floats(&case["values_nA"]),
        Quantity::parse("1*nA").unwrap(),
    )
    .unwrap();
    let mut group = NeuronGroup::new(1, "dv/dt = (R*I_in(t) - v)/tau : volt");
    if let Some(m) = method {
        group = group.method(m);
    }
    let g = net.add_group(group).unwrap();
    let chosen = net.method_chosen(g).unwrap().chosen.clone();
    let m = net.add_state_monitor(StateMonitor::new(g, ["v"])).unwrap();
    net.run(0.02).unwrap();
    (net.state_data(m).unwrap().values[0].1[0].clone(), chosen)
}

#[test]
fn membrane_driven_by_a_timed_array_follows_brian2() {
    let r = reference("timed_array");
    let d = &r["dynamics"];
    for (name, want_method) in [
        ("exact_local", "exact"),
        ("exact_local_default", "exact"),
        ("default_nonlocal", "euler"),
        ("euler_nonlocal", "euler"),
    ] {
        let case = &d[name];
        let method = case["method"].as_str();
        let want = floats(&case["v"]);
        let scale = want.iter().fold(0.0f64, |m, x| m.max(x.abs()));
        for backend in BACKENDS {
            let (v, chosen) = run_dynamics(case, method, backend);
            assert_eq!(chosen, want_method, "{name}: method chosen");
            assert_eq!(v.len(), want.len(), "{name}: steps");
            for (k, (x, y)) in v.iter().zip(&want).enumerate() {
                assert!(
                    (x - y).abs() <= 1e-12 * scale,
                    "{name} ({backend:?}) step {k}: v = {x}, Brian2 {y}"
                );
            }
        }
    }
}

#[test]
fn noise_scaled_by_a_timed_array_constant_over_a_step_is_additive() {
    let r = reference("timed_array");
    let d = &r["dynamics"];
    for (ta_dt, accepted) in [
        (1e-3, d["stochastic"]["accepted"].as_bool().unwrap()),
        (
            0.05e-3,
            d["stochastic_nonlocal"]["accepted"].as_bool().unwrap(),
        ),
    ] {
        let mut net = Network::new(BackendChoice::Interpreter);
        net.set_constant("tau", Quantity::parse("10*ms").unwrap());
        net.set_constant("sigma", Quantity::parse("1*mV").unwrap());
        net.add_timed_array(
            "noise_amp",
            ta_dt,
            vec![1.0, 0.5, 2.0],
            Quantity::dimensionless(1.0),
        )
        .unwrap();
        let g = net.add_group(
            NeuronGroup::new(1, "dv/dt = -v/tau + sigma*noise_amp(t)*xi/sqrt(tau) : volt")
                .method("euler"),
        );
        assert_eq!(g.is_ok(), accepted, "dt {ta_dt}: {:?}", g.err());
    }
}

#[test]
fn timed_arrays_run_in_every_kind_of_code_and_in_float32_groups() {
    // Thresholds, resets, run_regularly and a float32 group read the same table.
    let results: Vec<Vec<f64>> = BACKENDS
        .iter()
        .map(|&backend| {
            let mut net = Network::new(backend);
            net.add_timed_array(
                "drive",
                0.5e-3,
                vec![0.0, 2.0, 0.0, 3.0, 1.0],
                Quantity::dimensionless(1.0),
            )
            .unwrap();
            net.add_timed_array(
                "per",
                1e-3,
                vec![vec![0.0, 1.0, 2.0], vec![10.0, 11.0, 12.0]],
                Quantity::parse("mV").unwrap(),
            )
            .unwrap();
            let g = net
                .add_group(
                    NeuronGroup::new(3, "x : 1\ny : volt\nc : 1")
                        .threshold("drive(t) > 1.5")
                        .reset("c += drive(t)"),
                )
                .unwrap();
            net.run_regularly(g, "x = x + drive(t)\ny = per(t, i)", None, None, None)
                .unwrap();
            let h = net
                .add_group(
                    NeuronGroup::new(3, "dz/dt = (per(t, i) - z)/(1*ms) : volt")
                        .float32()
                        .method("euler"),
                )
                .unwrap();
            net.run(3e-3).unwrap();
            let mut out = net.state(g, "x").unwrap();
            out.extend(net.state(g, "y").unwrap());
            out.extend(net.state(g, "c").unwrap());
            out.extend(net.state(h, "z").unwrap());
            out
        })
        .collect();
    assert_eq!(
        results[0].iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
        results[1].iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
        "interpreter vs JIT"
    );
    let r = &results[0];
    // x: the sum of drive over 30 steps of 0.1 ms: 5 steps of each value (0, 2, 0, 3), then 10 of the
    // last one (1).
    assert_eq!(&r[0..3], &[5.0 * 2.0 + 5.0 * 3.0 + 10.0 * 1.0; 3]);
    // y at the last step (t = 2.9 ms): the last row.
    assert_eq!(&r[3..6], &[10e-3, 11e-3, 12e-3]);
    // c: spikes (drive > 1.5) in steps 5..9 (2.0) and 15..19 (3.0): the reset adds drive(t).
    assert_eq!(&r[6..9], &[5.0 * 2.0 + 5.0 * 3.0; 3]);
    for k in 0..3 {
        let z = r[9 + k];
        let target = (10.0 + k as f64) * 1e-3;
        assert!((z - target).abs() < 0.2 * target, "z[{k}] = {z}");
    }
}

#[test]
fn timed_array_errors_point_at_the_call() {
    let mut net = Network::new(BackendChoice::Interpreter);
    net.add_timed_array("stim", 1e-3, vec![1.0, 2.0], Quantity::parse("nA").unwrap())
        .unwrap();
    net.add_timed_array(
        "grid",
        1e-3,
        vec![vec![1.0, 2.0]],
        Quantity::dimensionless(1.0),
    )
    .unwrap();
    let cases = [
        ("v = stim(t) : volt", "units of"),
        ("v = stim(5) : amp", "argument 1 of `stim`"),
        (
            "v = stim(t, i) : amp",
            "`stim` was called with 2 arguments, it takes 1",
        ),
        (
            "v = grid(t) : 1",
            "`grid` was called with 1 argument, it takes 2",
        ),
        (
            "v = grid(t, 0.5) : 1",
            "argument 2 of `grid` must be an integer",
        ),
        ("v = grid(t, 1*mV) : 1", "argument 2 of `grid`"),
        ("v = stimm(t) : amp", "did you mean `stim`"),
        ("v = stim : amp", "`stim` is a function"),
    ];
    for (model, expected) in cases {
        let err = net
            .add_group(NeuronGroup::new(2, model))
            .expect_err(model)
            .to_string();
        assert!(
            err.contains(expected),
            "{model}: expected `{expected}` in\n{err}"
        );
        assert!(err.contains('^'), "{model}: no caret in\n{err}");
    }
    // Names: taken, reserved, not identifiers, shadowing a constant of the namespace.
    assert!(
        net.add_timed_array("stim", 1e-3, vec![1.0], Quantity::dimensionless(1.0))
            .is_err()
    );
    assert!(
        net.add_timed_array("_x", 1e-3, vec![1.0], Quantity::dimensionless(1.0))
            .is_err()
    );
    assert!(
        net.add_timed_array("a b", 1e-3, vec![1.0], Quantity::dimensionless(1.0))
            .is_err()
    );
    net.set_constant("k", Quantity::dimensionless(1.0));
    assert!(
        net.add_timed_array("k", 1e-3, vec![1.0], Quantity::dimensionless(1.0))
            .is_err()
    );
    // Shapes and time steps.
    let one = Quantity::dimensionless(1.0);
    assert!(
        net.add_timed_array("e1", 1e-3, Vec::<f64>::new(), one)
            .is_err()
    );
    assert!(
        net.add_timed_array("e2", 1e-3, vec![vec![1.0], vec![1.0, 2.0]], one)
            .is_err()
    );
    assert!(net.add_timed_array("e3", 0.0, vec![1.0], one).is_err());
    assert!(net.add_timed_array("e4", -1e-3, vec![1.0], one).is_err());
}

/// One PoissonInput configuration of `poisson_input.json`, run with `seed`: the statistics the reference
/// script computes (see its docstring).
fn run_poisson(
    name: &str,
    params: &Value,
    seed: u64,
    backend: BackendChoice,
) -> std::collections::BTreeMap<String, f64> {
    let n_neurons = 1000;
    let spiking = params["spiking"].as_bool().unwrap();
    let mut net = Network::new(backend);
    net.seed(seed);
    net.set_constant("tau", Quantity::parse("10*ms").unwrap());
    let group = if spiking {
        NeuronGroup::new(n_neurons, "dv/dt = -v/tau : volt (unless refractory)")
            .threshold("v > 25*mV")
            .reset("v = 0*mV")
            .refractory("5*ms")
            .method("exact")
    } else {
        NeuronGroup::new(n_neurons, "dv/dt = -v/tau : volt").method("exact")
    };
    let g = net.add_group(group).unwrap();
    let slice = params["subgroup"].as_array().map(|s| {
        (
            s[0].as_u64().unwrap() as usize,
            s[1].as_u64().unwrap() as usize,
        )
    });
    let target: ganglion::Subgroup = match slice {
        Some((a, b)) => g.slice(a, b),
        None => g.into(),
    };
    let rate = params["rate_hz"].as_f64().unwrap();
    let w = params["weight_volt"].as_f64().unwrap();
    let weight = format!("{w:?}*volt");
    net.add_poisson_input(PoissonInput::new(
        target,
        "v",
        params["N"].as_u64().unwrap(),
        rate,
        weight,
    ))
    .unwrap();
    let coarse = net
        .add_state_monitor(StateMonitor::new(g, ["v"]).dt(1e-3))
        .unwrap();
    let first = slice.map_or(0, |s| s.0);
    let fine = net
        .add_state_monitor(
            StateMonitor::new(g, ["v"]).record(Record::Indices((first..first + 100).collect())),
        )
        .unwrap();
    let spikes = spiking.then(|| {
        net.add_spike_monitor(ganglion::SpikeMonitor::new(g))
            .unwrap()
    });
    net.run(0.3).unwrap();
    let mut out = std::collections::BTreeMap::new();
    let data = net.state_data(coarse).unwrap();
    let v = &data.values[0].1; // neuron x time
    let late: Vec<usize> = (0..data.t.len())
        .filter(|&k| data.t[k] >= 0.1 - 1e-9)
        .collect();
    let (mut mean, mut sd) = (0.0, 0.0);
    for &k in &late {
        let col: Vec<f64> = v.iter().map(|row| row[k] * 1e3).collect();
        let m = col.iter().sum::<f64>() / col.len() as f64;
        let var = col.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / col.len() as f64;
        mean += m;
        sd += var.sqrt();
    }
    out.insert("mean_mv".into(), mean / late.len() as f64);
    out.insert("sd_mv".into(), sd / late.len() as f64);
    if let Some((a, b)) = slice {
        let avg = |rows: &mut dyn Iterator<Item = &Vec<f64>>| {
            let (mut s, mut c) = (0.0, 0.0);
            for row in rows {
                for &k in &late {
                    s += row[k] * 1e3;
                    c += 1.0;
                }
            }
            s / c
        };
        out.insert("mean_in_mv".into(), avg(&mut v[a..b].iter()));
        out.insert("mean_out_mv".into(), avg(&mut v[..a].iter().chain(&v[b..])));
    }
    if let Some(s) = spikes {
        let count = net.spike_data(s).unwrap().num_events();
        out.insert("rate_hz".into(), count as f64 / n_neurons as f64 / 0.3);
    } else {
        let decay = (-0.1f64 / 10.0).exp();
        let rows = &net.state_data(fine).unwrap().values[0].1;
        let inc: Vec<f64> = rows
            .iter()
            .flat_map(|r| (0..200).map(move |k| (r[k + 1] - r[k] * decay) / w))
            .collect();
        let m = inc.iter().sum::<f64>() / inc.len() as f64;
        let var = inc.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / inc.len() as f64;
        out.insert("step_mean".into(), m);
        out.insert("step_var".into(), var);
    }
    let _ = name;
    out
}

#[test]
fn poisson_inputs_match_brian2_statistically() {
    let r = reference("poisson_input");
    let seeds: Vec<u64> = (1..=6).collect();
    for (name, cfg) in r["configs"].as_object().unwrap() {
        let runs: Vec<_> = seeds
            .iter()
            .map(|&s| run_poisson(name, &cfg["params"], s, BackendChoice::Jit))
            .collect();
        for (stat, summary) in cfg["summary"].as_object().unwrap() {
            let Some(ours) = runs
                .iter()
                .map(|m| m.get(stat).copied())
                .collect::<Option<Vec<f64>>>()
            else {
                continue;
            };
            let k = ours.len() as f64;
            let mean = ours.iter().sum::<f64>() / k;
            let b_mean = summary["mean"].as_f64().unwrap();
            let b_sd = summary["std"].as_f64().unwrap();
            let n = summary["n"].as_f64().unwrap();
            // The SD over seeds of both sides (at least 1e-9 for statistics that are exactly 0).
            let our_sd =
                (ours.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (k - 1.0)).sqrt();
            let sd = b_sd.max(our_sd).max(1e-9);
            let tolerance = 4.0 * sd * (1.0 / k + 1.0 / n).sqrt();
            eprintln!(
                "{name}.{stat}: Ganglion {mean:.4} ± {our_sd:.4}, Brian2 {b_mean:.4} ± {b_sd:.4}"
            );
            assert!(
                (mean - b_mean).abs() <= tolerance,
                "{name}.{stat}: Ganglion {mean} (SD {our_sd} over {k} seeds), Brian2 {b_mean} (SD {b_sd} over {n}); tolerance {tolerance}"
            );
        }
    }
}

#[test]
fn poisson_inputs_are_bit_identical_on_both_backends() {
    let run = |backend: BackendChoice| -> Vec<u64> {
        let mut net = Network::new(backend);
        net.seed(11);
        net.set_constant("tau", Quantity::parse("10*ms").unwrap());
        let g = net
            .add_group(
                NeuronGroup::new(
                    203,
                    "dv/dt = -v/tau : volt (unless refractory)\nw : volt\ndx/dt = -x/tau : 1",
                )
                .threshold("v > 2*mV")
                .reset("v = 0*mV")
                .refractory("2*ms"),
            )
            .unwrap();
        net.set(g, "w", "0.1*mV + 0.01*mV*(i % 7)").unwrap();
        // Both of Brian2's branches, a per-neuron weight, a subgroup, a dimensionless variable.
        net.add_poisson_input(PoissonInput::new(g, "v", 200, 20.0, "w"))
            .unwrap();
        net.add_poisson_input(PoissonInput::new(
            g.slice(50, 150),
            "v",
            10000,
            10.0,
            "0.01*mV",
        ))
        .unwrap();
        net.add_poisson_input(PoissonInput::new(g, "x", 3, 1000.0, "0.5").when("start"))
            .unwrap();
        net.run(0.05).unwrap();
        let mut out: Vec<u64> = net
            .state(g, "v")
            .unwrap()
            .iter()
            .map(|x| x.to_bits())
            .collect();
        out.extend(net.state(g, "x").unwrap().iter().map(|x| x.to_bits()));
        out
    };
    let a = run(BackendChoice::Interpreter);
    let b = run(BackendChoice::Jit);
    assert_eq!(a, b);
    // Something happened: inputs arrived in every neuron (x is never reset), and neurons spiked.
    assert!(a[203..].iter().all(|&x| f64::from_bits(x) > 0.0));
    assert!(a[..203].iter().any(|&v| f64::from_bits(v) > 0.0));
}

#[test]
fn poisson_input_errors() {
    let mut net = Network::new(BackendChoice::Interpreter);
    let g = net
        .add_group(NeuronGroup::new(
            10,
            "dv/dt = -v/(10*ms) : volt\ns : volt (shared)\nk : integer\ny = 2*v : volt",
        ))
        .unwrap();
    let cases: [(PoissonInput, &str); 9] = [
        (PoissonInput::new(g, "v", 10, 5.0, "1*nA"), "units of"),
        (
            PoissonInput::new(g, "vv", 10, 5.0, "1*mV"),
            "did you mean `v`",
        ),
        (PoissonInput::new(g, "s", 10, 5.0, "1*mV"), "shared"),
        (PoissonInput::new(g, "k", 10, 5.0, "1"), "float variable"),
        (PoissonInput::new(g, "y", 10, 5.0, "1*mV"), "subexpression"),
        (
            PoissonInput::new(g, "v", 0, 5.0, "1*mV"),
            "at least one input",
        ),
        (PoissonInput::new(g, "v", 10, -1.0, "1*mV"), "negative"),
        (
            PoissonInput::new(g, "v", 10, 20000.0, "1*mV"),
            "more than one spike",
        ),
        (
            PoissonInput::new(g.slice(5, 20), "v", 10, 5.0, "1*mV"),
            "not a non-empty part",
        ),
    ];
    for (input, expected) in cases {
        let err = net
            .add_poisson_input(input)
            .expect_err(expected)
            .to_string();
        assert!(err.contains(expected), "expected `{expected}` in\n{err}");
    }
}

/// `examples/inputs.toml` (a TimedArray stimulus, a 2-D TimedArray of gains, a PoissonInput to a
/// subgroup) built from the model file and from the API: the same spikes and traces, bit for bit, on
/// both backends.
#[test]
fn model_file_and_api_build_the_same_inputs() {
    let gains: Vec<Vec<f64>> = (0..2)
        .map(|row| {
            (0..100)
                .map(|k| {
                    let g = [0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 1.3, 1.4][k % 10];
                    if row == 0 { g } else { 1.9 - g }
                })
                .collect()
        })
        .collect();
    for backend in BACKENDS {
        let mut a = run_example("inputs.toml", backend);
        let ga = a.group_named("G").unwrap();

        let mut b = Network::new(backend);
        b.seed(3);
        b.set_constant("tau", Quantity::parse("10*ms").unwrap());
        b.set_constant("R", Quantity::parse("50*Mohm").unwrap());
        b.set_constant("El", Quantity::parse("-65*mV").unwrap());
        b.add_timed_array(
            "stimulus",
            0.05,
            vec![0.0, 0.6, 0.6, 0.0],
            Quantity::parse("nA").unwrap(),
        )
        .unwrap();
        b.add_timed_array("gain", 0.1, gains.clone(), Quantity::dimensionless(1.0))
            .unwrap();
        let gb = b
            .add_group(
                NeuronGroup::new(
                    100,
                    "dv/dt = (El - v + R*I)/tau : volt (unless refractory)\nI = gain(t, i)*stimulus(t) : amp",
                )
                .threshold("v > -50*mV")
                .reset("v = -65*mV")
                .refractory("5*ms")
                .name("G"),
            )
            .unwrap();
        b.set(gb, "v", "El").unwrap();
        b.add_poisson_input(
            PoissonInput::new(gb.slice(0, 80), "v", 1000, 5.0, "0.1*mV").name("background"),
        )
        .unwrap();
        b.run(0.2).unwrap();

        let bits = |net: &mut Network, g| -> Vec<u64> {
            let mut v: Vec<u64> = net
                .state(g, "v")
                .unwrap()
                .iter()
                .map(|x| x.to_bits())
                .collect();
            v.extend(
                net.state(g, "lastspike")
                    .unwrap()
                    .iter()
                    .map(|x| x.to_bits()),
            );
            v
        };
        assert_eq!(bits(&mut a, ga), bits(&mut b, gb), "{backend:?}");
        // The stimulus made neurons fire; the background reached only the first 80.
        let spikes = a.monitors()[0];
        let data = a.spike_data(spikes).unwrap();
        assert!(data.num_events() > 100, "{}", data.num_events());
    }
}

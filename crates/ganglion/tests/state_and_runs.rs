//! State access through the Rust API (setting with values, quantities, expressions and conditions; reading
//! variables and subexpressions; the errors), names, store/restore, repeated runs, external constants changed
//! between runs, NaN detection (test_neurongroup.py and test_network.py, brian2-semantics.md §1.8, §3.3, §4.2,
//! §4.8).

use ganglion::{BackendChoice, Error, Network, NeuronGroup, SetValue, SpikeMonitor, StateMonitor};
use ganglion_units::{Dimension, Quantity};

fn net() -> Network {
    Network::new(BackendChoice::Interpreter)
}

fn qty(s: &str) -> Quantity {
    Quantity::parse(s).unwrap()
}

fn usage(e: Error) -> String {
    match e {
        Error::Usage(m) => m.to_string(),
        other => panic!("expected a usage error, got: {other}"),
    }
}

fn model_error(e: Error) -> String {
    match e {
        Error::Model(d) => d.to_string(),
        other => panic!("expected a model error, got: {other}"),
    }
}

// ----------------------------------------------------------------------------------------------------------
// Setting and reading state

#[test]
fn set_with_quantities_values_and_expressions() {
    let mut net = net();
    let g = net
        .add_group(NeuronGroup::new(
            4,
            "v : volt\nx : 1\nk : integer\ns : 1 (shared)",
        ))
        .unwrap();
    net.set(g, "v", qty("-70*mV")).unwrap();
    assert_eq!(net.state(g, "v").unwrap(), [-0.07; 4]);
    net.set(g, "v", vec![1.0, 2.0, 3.0, 4.0]).unwrap();
    assert_eq!(net.state(g, "v").unwrap(), [1.0, 2.0, 3.0, 4.0]);
    net.set(g, "v", "-70*mV + i*mV").unwrap();
    let v = net.state(g, "v").unwrap();
    for (k, x) in v.iter().enumerate() {
        assert!((x - (-0.07 + k as f64 * 1e-3)).abs() < 1e-15, "{v:?}");
    }
    // A plain 0 sets a variable of any unit (Brian2 accepts `G.v = 0`).
    net.set(g, "v", Quantity::dimensionless(0.0)).unwrap();
    assert_eq!(net.state(g, "v").unwrap(), [0.0; 4]);
    net.set(g, "k", "i*2").unwrap();
    assert_eq!(net.state(g, "k").unwrap(), [0.0, 2.0, 4.0, 6.0]);
    // Python's semantics in expressions: `/` is true division, `//` floors.
    net.set(g, "x", "(i - 2)/4 + (i - 2)//4").unwrap();
    assert_eq!(net.state(g, "x").unwrap(), [-1.5, -1.25, 0.0, 0.25]);
    // A shared variable holds one value.
    net.set(g, "s", Quantity::dimensionless(0.5)).unwrap();
    assert_eq!(net.state(g, "s").unwrap(), [0.5]);
    net.set(g, "s", "s + 1").unwrap();
    assert_eq!(net.state(g, "s").unwrap(), [1.5]);
    // With units.
    let vq = net.state_with_units(g, "v").unwrap();
    assert_eq!(vq[0].dim, Dimension::VOLTAGE);
}

#[test]
fn set_from_an_expression_with_rand() {
    let values = |seed: u64| {
        let mut net = net();
        net.seed(seed);
        let g = net.add_group(NeuronGroup::new(100, "v : volt")).unwrap();
        net.set(g, "v", "-70*mV + rand()*10*mV").unwrap();
        net.state(g, "v").unwrap()
    };
    let a = values(1);
    assert!(a.iter().all(|&v| (-0.07..-0.06).contains(&v)), "{a:?}");
    let mean = a.iter().sum::<f64>() / a.len() as f64;
    assert!((mean - -0.065).abs() < 1e-3, "mean {mean}");
    let mut distinct = a.clone();
    distinct.sort_by(f64::total_cmp);
    distinct.dedup();
    assert_eq!(distinct.len(), 100, "one draw per neuron");
    assert_eq!(a, values(1), "the same seed gives the same values");
    assert_ne!(a, values(2), "another seed gives other values");
    // Two settings draw different numbers.
    let mut net = net();
    let g = net.add_group(NeuronGroup::new(10, "x : 1\ny : 1")).unwrap();
    net.set(g, "x", "rand()").unwrap();
    net.set(g, "y", "rand()").unwrap();
    assert_ne!(net.state(g, "x").unwrap(), net.state(g, "y").unwrap());
}

#[test]
fn conditional_set() {
    let mut net = net();
    let g = net
        .add_group(NeuronGroup::new(6, "v : volt\nx : 1"))
        .unwrap();
    net.set_where(g, "v", Some("i >= 3"), SetValue::Expr("i*mV".into()))
        .unwrap();
    let v = net.state(g, "v").unwrap();
    assert_eq!(v[..3], [0.0; 3]);
    for (k, x) in v.iter().enumerate().skip(3) {
        assert!((x - k as f64 * 1e-3).abs() < 1e-15, "{v:?}");
    }
    net.set_where(g, "v", Some("v > 4*mV"), qty("-1*mV").into())
        .unwrap();
    let v = net.state(g, "v").unwrap();
    assert_eq!(v[5], -1e-3);
    assert!((v[4] - 4e-3).abs() < 1e-15);
    net.set_where(
        g,
        "x",
        Some("i % 2 == 0"),
        SetValue::Expr("rand() + 1".into()),
    )
    .unwrap();
    let x = net.state(g, "x").unwrap();
    for (k, x) in x.iter().enumerate() {
        if k % 2 == 0 {
            assert!((1.0..2.0).contains(x));
        } else {
            assert_eq!(*x, 0.0);
        }
    }
    // A condition must be boolean; its units must agree (Brian2: `G.v['v >= 3']` for volt is an error).
    let err = net
        .set_where(g, "x", Some("i + 1"), SetValue::Expr("1".into()))
        .unwrap_err();
    assert!(model_error(err).contains("boolean"));
    let err = net
        .set_where(g, "x", Some("v >= 3"), SetValue::Expr("1".into()))
        .unwrap_err();
    model_error(err);
    let err = net
        .set_where(g, "x", Some("i > 2"), SetValue::Values(vec![1.0; 6]))
        .unwrap_err();
    usage(err);
}

/// Brian2's `test_state_variables` and `test_unknown_state_variables`: errors with useful messages.
#[test]
fn state_access_errors() {
    let mut net = net();
    let g = net
        .add_group(
            NeuronGroup::new(
                3,
                "dv/dt = -v/(10*ms) : volt\nI = 2*v/ohm : amp\nk : integer\nsh : 1 (shared)",
            )
            .name("G"),
        )
        .unwrap();
    // Unknown variable, with a suggestion.
    let m = usage(net.set(g, "vv", qty("1*mV")).unwrap_err());
    assert!(m.contains("`G` has no variable `vv`"), "{m}");
    assert!(m.contains("did you mean `v`"), "{m}");
    let m = usage(net.state(g, "unknown").unwrap_err());
    assert!(m.contains("unknown"), "{m}");
    // Wrong unit.
    let m = usage(net.set(g, "v", Quantity::dimensionless(-70.0)).unwrap_err());
    assert!(m.contains("`v`") && m.contains("units"), "{m}");
    let m = usage(net.set(g, "v", qty("-70*ms")).unwrap_err());
    assert!(m.contains("`v`"), "{m}");
    // 0 with units for a dimensionless variable is still wrong.
    let mut other = Network::new(BackendChoice::Interpreter);
    let h = other.add_group(NeuronGroup::new(1, "x : 1")).unwrap();
    usage(other.set(h, "x", qty("0*mV")).unwrap_err());
    // An expression of the wrong unit (Brian2: `G.v = "70 + i"`).
    let m = model_error(net.set(g, "v", "70 + i").unwrap_err());
    assert!(m.contains("the value of `v`"), "{m}");
    // Wrong length.
    let m = usage(net.set(g, "v", vec![1.0, 2.0]).unwrap_err());
    assert!(m.contains("2 values") && m.contains('3'), "{m}");
    let m = usage(net.set(g, "sh", vec![1.0, 2.0, 3.0]).unwrap_err());
    assert!(m.contains("3 values"), "{m}");
    // Read-only and subexpressions (Brian2: `TypeError`).
    for var in ["i", "N", "t", "dt"] {
        let m = usage(net.set(g, var, Quantity::dimensionless(1.0)).unwrap_err());
        assert!(m.contains("read-only"), "{var}: {m}");
    }
    let m = usage(net.set(g, "I", qty("1*nA")).unwrap_err());
    assert!(m.contains("subexpression"), "{m}");
    // Integers take whole numbers.
    let m = usage(net.set(g, "k", vec![0.5, 1.0, 2.0]).unwrap_err());
    assert!(m.contains("integer"), "{m}");
    // A bad expression: a syntax error and an unknown name, pointed at.
    let m = model_error(net.set(g, "v", "3*mV +* 2").unwrap_err());
    assert!(m.contains("<value of G.v>"), "{m}");
    let m = model_error(net.set(g, "v", "undefined_name*mV").unwrap_err());
    assert!(m.contains("undefined_name"), "{m}");
    // Nothing was changed by the failed settings.
    assert_eq!(net.state(g, "v").unwrap(), [0.0; 3]);
}

/// `state` of a subexpression evaluates it with the current values (also after a run), and of a shared one
/// gives one value.
#[test]
fn state_of_a_subexpression() {
    let mut net = net();
    let g = net
        .add_group(NeuronGroup::new(
            3,
            "dv/dt = (I_syn - v)/(10*ms) : 1\nI_syn = g*(E - v) : 1\nE : 1 (constant)\n\
             g : 1 (shared)\ng2 = 2*g : 1 (shared)",
        ))
        .unwrap();
    net.set(g, "E", "1.0 + i").unwrap();
    net.set(g, "g", Quantity::dimensionless(0.5)).unwrap();
    assert_eq!(net.state(g, "I_syn").unwrap(), [0.5, 1.0, 1.5]);
    assert_eq!(net.state(g, "g2").unwrap(), [1.0]);
    net.run(1e-3).unwrap();
    let v = net.state(g, "v").unwrap();
    let i_syn = net.state(g, "I_syn").unwrap();
    for k in 0..3 {
        assert_eq!(i_syn[k], 0.5 * ((1.0 + k as f64) - v[k]));
    }
}

/// Brian2's `NeuronGroup` constructor errors and name numbering.
#[test]
fn names_and_construction_errors() {
    let mut net = net();
    let a = net.add_group(NeuronGroup::new(1, "x : 1")).unwrap();
    let b = net.add_group(NeuronGroup::new(1, "x : 1")).unwrap();
    let c = net.add_group(NeuronGroup::new(1, "x : 1")).unwrap();
    assert_eq!(net.group_name(a), "neurongroup");
    assert_eq!(net.group_name(b), "neurongroup_1");
    assert_eq!(net.group_name(c), "neurongroup_2");
    let p = net
        .add_group(NeuronGroup::new(1, "x : 1").name("pop*"))
        .unwrap();
    let q = net
        .add_group(NeuronGroup::new(1, "x : 1").name("pop*"))
        .unwrap();
    assert_eq!(net.group_name(p), "pop");
    assert_eq!(net.group_name(q), "pop_1");
    net.add_group(NeuronGroup::new(1, "x : 1").name("exc"))
        .unwrap();
    let m = usage(
        net.add_group(NeuronGroup::new(1, "x : 1").name("exc"))
            .unwrap_err(),
    );
    assert!(m.contains("`exc` is already used"), "{m}");
    assert_eq!(net.group_named("pop_1"), Some(q));
    // Monitors are numbered the same way, and share the network's names.
    let m1 = net.add_state_monitor(StateMonitor::new(a, ["x"])).unwrap();
    let m2 = net.add_state_monitor(StateMonitor::new(a, ["x"])).unwrap();
    assert_eq!(net.monitor_name(m1), "statemonitor");
    assert_eq!(net.monitor_name(m2), "statemonitor_1");
    let err = net
        .add_state_monitor(StateMonitor::new(a, ["x"]).name("exc"))
        .unwrap_err();
    usage(err);
    // N = 0.
    let m = usage(net.add_group(NeuronGroup::new(0, "x : 1")).unwrap_err());
    assert!(m.contains("N = 0"), "{m}");
    // A model error points into the model.
    let m = model_error(
        net.add_group(NeuronGroup::new(1, "dv/dt = -v : volt"))
            .unwrap_err(),
    );
    assert!(m.contains("<model of neurongroup_3>"), "{m}");
}

/// A negative duration is refused (Brian2's `test_negative_duration_in_run`); a zero duration runs nothing.
#[test]
fn run_durations() {
    let mut net = net();
    let g = net
        .add_group(NeuronGroup::new(1, "dv/dt = 1/second : 1").method("euler"))
        .unwrap();
    assert!(matches!(
        net.run(-1e-3).unwrap_err(),
        Error::Run(ganglion_runtime::RunError::Duration(_))
    ));
    net.run(0.0).unwrap();
    assert_eq!(net.state(g, "v").unwrap(), [0.0]);
    assert_eq!(net.t(), 0.0);
}

/// Changing dt between runs is allowed only at a multiple of the new dt (Brian2's `test_dt_changes_between_runs`
/// and `test_incorrect_dt_defaultclock`).
#[test]
fn dt_changes_between_runs() {
    let mut net = net();
    let g = net
        .add_group(NeuronGroup::new(1, "dv/dt = 1/second : 1\nn_steps : 1").method("euler"))
        .unwrap();
    net.run_regularly(g, "n_steps += 1", None, None, None)
        .unwrap();
    net.run(0.5e-3).unwrap();
    assert_eq!(net.state(g, "n_steps").unwrap(), [5.0]);
    usage(net.set_dt(0.3e-3).unwrap_err());
    net.set_dt(0.5e-3).unwrap();
    net.run(1e-3).unwrap();
    assert_eq!(net.state(g, "n_steps").unwrap(), [7.0]);
    assert!((net.state(g, "v").unwrap()[0] - 1.5e-3).abs() < 1e-15);
}

// ----------------------------------------------------------------------------------------------------------
// Store, restore, repeated runs

fn noisy_network() -> (Network, ganglion::MonitorHandle, ganglion::MonitorHandle) {
    let mut net = net();
    net.seed(7);
    net.set_constant("tau", qty("10*ms"));
    let g = net
        .add_group(
            NeuronGroup::new(
                20,
                "dv/dt = (1.2 - v)/tau + 0.5*xi/sqrt(tau) : 1 (unless refractory)",
            )
            .threshold("v > 1")
            .reset("v = 0")
            .refractory_time(2e-3)
            .method("euler"),
        )
        .unwrap();
    net.set(g, "v", "rand()").unwrap();
    let spikes = net.add_spike_monitor(SpikeMonitor::new(g)).unwrap();
    let trace = net
        .add_state_monitor(
            StateMonitor::new(g, ["v"]).record(ganglion::Record::Indices(vec![0, 7])),
        )
        .unwrap();
    (net, spikes, trace)
}

/// Brian2's `test_store_restore`: run, store, run, restore, run again gives identical results, noise
/// included (the random streams are part of the state, as with Brian2's `restore_random_state=True`).
#[test]
fn store_restore_round_trip() {
    let (mut net, spikes, trace) = noisy_network();
    let g = net.groups()[0];
    let start = net.store();
    net.run(10e-3).unwrap();
    let middle = net.store();
    net.run(10e-3).unwrap();
    let v_end = net.state(g, "v").unwrap();
    let spikes_end = net.spike_data(spikes).unwrap().clone();
    let trace_end = net.state_data(trace).unwrap().clone();
    assert!(spikes_end.num_events() > 10, "the test needs spikes");
    // Back to the start.
    net.restore(&start);
    assert_eq!(net.t(), 0.0);
    assert!(net.spike_data(spikes).unwrap().t.is_empty());
    net.run(20e-3).unwrap();
    assert_eq!(net.state(g, "v").unwrap(), v_end);
    assert_eq!(net.spike_data(spikes).unwrap(), &spikes_end);
    assert_eq!(net.state_data(trace).unwrap(), &trace_end);
    // Back to the middle.
    net.restore(&middle);
    assert!((net.t() - 10e-3).abs() < 1e-15);
    net.run(10e-3).unwrap();
    assert_eq!(net.state(g, "v").unwrap(), v_end);
    assert_eq!(net.spike_data(spikes).unwrap(), &spikes_end);
    assert_eq!(net.state_data(trace).unwrap(), &trace_end);
    // Again (Brian2's issue #681).
    net.restore(&middle);
    net.run(10e-3).unwrap();
    assert_eq!(net.spike_data(spikes).unwrap(), &spikes_end);
    // Random values drawn when setting state repeat after a restore too (Brian2's
    // `restore(restore_random_state=True)`).
    let before = net.store();
    net.set(g, "v", "rand()").unwrap();
    let drawn = net.state(g, "v").unwrap();
    net.set(g, "v", "rand()").unwrap();
    assert_ne!(net.state(g, "v").unwrap(), drawn);
    net.restore(&before);
    net.set(g, "v", "rand()").unwrap();
    assert_eq!(net.state(g, "v").unwrap(), drawn);
}

/// Brian2's `test_small_runs`: many short runs give the same results as one long run.
#[test]
fn small_runs_equal_one_long_run() {
    let build = || {
        let mut net = net();
        let g = net
            .add_group(NeuronGroup::new(10, "dv/dt = -v / (10*ms) : 1"))
            .unwrap();
        net.set(g, "v", "(i + 1) / N").unwrap();
        let m = net.add_state_monitor(StateMonitor::new(g, ["v"])).unwrap();
        (net, m)
    };
    let (mut one, m1) = build();
    one.run(0.2).unwrap();
    let (mut many, m2) = build();
    let mut runtime: f64 = 1e-3;
    loop {
        runtime = (runtime * 3.0).min(0.2 - many.t());
        many.run(runtime).unwrap();
        if many.t() >= 0.2 - 1e-12 {
            break;
        }
    }
    assert_eq!(one.state_data(m1).unwrap(), many.state_data(m2).unwrap());
}

/// The same with noise, spikes and refractoriness, in runs of odd lengths.
#[test]
fn repeated_runs_equal_one_long_run_with_noise_and_spikes() {
    let (mut one, s1, t1) = noisy_network();
    one.run(30e-3).unwrap();
    let (mut many, s2, t2) = noisy_network();
    for d in [0.1e-3, 1.3e-3, 0.05e-3, 7.7e-3, 0.35e-3, 20.5e-3] {
        many.run(d).unwrap();
    }
    assert!((many.t() - 30e-3).abs() < 1e-12);
    assert_eq!(one.spike_data(s1).unwrap(), many.spike_data(s2).unwrap());
    assert_eq!(one.state_data(t1).unwrap(), many.state_data(t2).unwrap());
}

/// Brian2's `test_multiple_runs_constant_change`: an external constant changed between runs takes effect (in
/// a subexpression read by a monitor, and in the equations).
#[test]
fn multiple_runs_constant_change() {
    let mut net = net();
    net.set_constant("const_v", Quantity::dimensionless(1.0));
    net.set_constant("rate", qty("10*Hz"));
    let g = net
        .add_group(NeuronGroup::new(1, "v = const_v : 1\ndw/dt = rate : 1").method("euler"))
        .unwrap();
    let m = net
        .add_state_monitor(StateMonitor::new(g, ["v"]).record(ganglion::Record::Indices(vec![0])))
        .unwrap();
    net.run(1e-4).unwrap();
    net.set_constant("const_v", Quantity::dimensionless(2.0));
    net.set_constant("rate", qty("20*Hz"));
    net.run(1e-4).unwrap();
    assert_eq!(net.state_data(m).unwrap().values[0].1[0], [1.0, 2.0]);
    assert_eq!(net.state(g, "v").unwrap(), [2.0]);
    let w = net.state(g, "w").unwrap()[0];
    assert!((w - (10.0 * 1e-4 + 20.0 * 1e-4)).abs() < 1e-15, "{w}");
}

/// A group's own namespace wins over the network's.
#[test]
fn group_namespace_wins() {
    let mut net = net();
    net.set_constant("c", Quantity::dimensionless(1.0));
    let g = net
        .add_group(
            NeuronGroup::new(1, "dx/dt = c/second : 1")
                .constant("c", Quantity::dimensionless(3.0))
                .method("euler"),
        )
        .unwrap();
    net.run(1e-3).unwrap();
    assert!((net.state(g, "x").unwrap()[0] - 3e-3).abs() < 1e-15);
}

// ----------------------------------------------------------------------------------------------------------
// NaN detection

/// A variable that becomes NaN stops the run with the group, variable, neuron and the steps between which it
/// happened; what the monitors recorded until then stays readable.
#[test]
fn nan_detection() {
    let mut net = net();
    let g = net
        .add_group(
            NeuronGroup::new(3, "dv/dt = -1/ms : 1\ndw/dt = sqrt(v)/ms : 1")
                .method("euler")
                .name("G"),
        )
        .unwrap();
    // v falls by 0.1 per step: neuron 1 reaches v < 0 first.
    net.set(g, "v", vec![1.0, 0.05, 2.0]).unwrap();
    let m = net.add_state_monitor(StateMonitor::new(g, ["w"])).unwrap();
    net.set_check_interval(1);
    let err = net.run(1e-3).unwrap_err();
    let Error::Run(ganglion_runtime::RunError::NonFinite {
        group,
        variable,
        neuron,
        value,
        from_step,
        step,
        ..
    }) = &err
    else {
        panic!("expected NonFinite, got {err}");
    };
    assert_eq!(group, "G");
    assert_eq!(variable, "w");
    assert_eq!(*neuron, 1);
    assert_eq!(value, "NaN");
    // Step 0 takes v to -0.05; step 1 takes sqrt(-0.05): w is NaN after step 1.
    assert_eq!((*from_step, *step), (1, 2));
    let text = err.to_string();
    assert!(
        text.contains("`w`") && text.contains("`G`") && text.contains("neuron 1"),
        "{text}"
    );
    assert_eq!(net.state_data(m).unwrap().t.len(), 2);
    // With the default interval (100 steps) the run stops at the first check after the NaN appeared.
    let mut net2 = Network::new(BackendChoice::Interpreter);
    let g2 = net2
        .add_group(NeuronGroup::new(3, "dv/dt = -1/ms : 1\ndw/dt = sqrt(v)/ms : 1").method("euler"))
        .unwrap();
    net2.set(g2, "v", vec![1.0, 0.05, 2.0]).unwrap();
    match net2.run(20e-3).unwrap_err() {
        Error::Run(ganglion_runtime::RunError::NonFinite {
            from_step, step, ..
        }) => {
            assert_eq!((from_step, step), (0, 100));
        }
        other => panic!("{other}"),
    }
}

/// A value that is not finite in a variable no kernel writes (a parameter nothing reads) is reported at the
/// first check of the run; later checks look only at what the kernels write, which nothing else changes.
#[test]
fn nan_in_a_parameter_no_kernel_writes_is_reported() {
    let mut net = net();
    let g = net
        .add_group(
            NeuronGroup::new(3, "dv/dt = -v/(10*ms) : 1\nI : 1")
                .method("euler")
                .name("G"),
        )
        .unwrap();
    net.set(g, "I", vec![0.0, f64::NAN, 1.0]).unwrap();
    net.set_check_interval(1);
    match net.run(1e-3).unwrap_err() {
        Error::Run(ganglion_runtime::RunError::NonFinite {
            variable,
            neuron,
            step,
            ..
        }) => assert_eq!((variable.as_str(), neuron, step), ("I", 1, 1)),
        other => panic!("expected NonFinite, got {other}"),
    }
}

/// A run-namespace constant may change its value between runs, not its type: an integer constant set to
/// a float would be truncated in the kernels checked with an integer, so the run is refused; an integer
/// given to a float constant is converted exactly.
#[test]
fn constants_keep_their_type_between_runs() {
    let mut net = net();
    net.set_external("eta", ganglion_model::ExternalValue::int(0));
    net.set_external("rate", ganglion_model::ExternalValue::float(1.0));
    let g = net
        .add_group(NeuronGroup::new(1, "dw/dt = eta*rate/second : 1").method("euler"))
        .unwrap();
    net.run(1e-3).unwrap();
    net.set_external("rate", ganglion_model::ExternalValue::int(2));
    net.run(1e-3).unwrap();
    net.set_external("eta", ganglion_model::ExternalValue::float(0.01));
    let m = usage(net.run(1e-3).unwrap_err());
    assert!(
        m.contains("`eta`") && m.contains("integer") && m.contains("float"),
        "{m}"
    );
    assert_eq!(net.state(g, "w").unwrap(), [0.0]);
}

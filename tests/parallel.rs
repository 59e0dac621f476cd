//! Running groups in ranges on several threads changes nothing: the corpus models, the reference cases'
//! models, CUBA, COBAHH and STDP give the same spikes and final state, bit for bit, with 1, 2 and 7 threads.
//! The grain is set to 1 so that even small groups are split (into ranges of 64 neurons or more).

use std::path::Path;

use ganglion::{BackendChoice, Connect, Network, NeuronGroup, SpikeMonitor, Synapses};
use ganglion_tests::compare::{assert_same_run, fingerprint};
use ganglion_tests::corpus;
use ganglion_tests::model_files::{build_if_supported, load, run_segments};

/// Models with more neurons than this are left to their own tests (`network_examples.rs`): built three
/// times here, Kremer et al.'s connect alone would take minutes in the test profile.
const MAX_NEURONS: i64 = 20000;

/// Runs a model file for `duration` (or its own duration, if shorter) on `threads` threads; `None` for a
/// model using a feature that is not supported yet, or too large ([`MAX_NEURONS`]).
fn run(path: &Path, threads: usize, duration: f64) -> Option<Network> {
    let what = corpus::name(path);
    let file = load(path);
    if corpus::neurons(&file) > MAX_NEURONS {
        return None;
    }
    let (mut net, plan) = build_if_supported(file, BackendChoice::Jit, &what)?;
    net.set_threads(threads);
    net.set_parallel_grain(1);
    net.set_check_interval(0);
    run_segments(&mut net, &plan, Some(duration));
    Some(net)
}

fn same_for_every_thread_count(path: &Path, duration: f64) -> bool {
    let Some(one) = run(path, 1, duration) else {
        return false;
    };
    for threads in [2, 7] {
        let other = run(path, threads, duration).unwrap();
        let how = format!("between 1 and {threads} threads");
        assert_same_run(&corpus::name(path), &how, &one, &other);
    }
    true
}

#[test]
fn corpus_models_do_not_depend_on_the_thread_count() {
    let mut compared = 0;
    for path in corpus::model_files() {
        if same_for_every_thread_count(&path, 0.01) {
            compared += 1;
        }
    }
    assert!(compared >= 30, "only {compared} models compared");
}

/// The model files of Brian2's reference cases (`tests/reference/cases/`).
const REFERENCE_MODELS: [&str; 3] = [
    "brian2/if_curve_lif.toml",
    "reference/refractory.toml",
    "reference/subexpr_shared.toml",
];

#[test]
fn reference_models_do_not_depend_on_the_thread_count() {
    let mut compared = 0;
    for name in REFERENCE_MODELS {
        if same_for_every_thread_count(&corpus::example(name), 0.2) {
            compared += 1;
        }
    }
    assert!(compared >= 3, "only {compared} reference models compared");
}

/// CUBA's and COBAHH's synaptic code runs split by target neuron (with the grain at 1, every step); STDP's
/// `on_pre` by target and its `on_post` by synapse.
#[test]
fn cuba_cobahh_and_stdp_do_not_depend_on_the_thread_count() {
    assert!(same_for_every_thread_count(
        &corpus::example("cuba.toml"),
        0.2
    ));
    assert!(same_for_every_thread_count(
        &corpus::example("stdp.toml"),
        2.0
    ));
    assert!(same_for_every_thread_count(
        &corpus::example("cobahh.toml"),
        0.1
    ));
}

/// Many small groups, some smaller than the thread count, one split into ranges of 64 neurons.
#[test]
fn many_small_groups_on_many_threads() {
    let build = |threads: usize| {
        let mut net = Network::new(BackendChoice::Jit);
        net.set_threads(threads);
        net.set_parallel_grain(1);
        let mut monitors = Vec::new();
        for (k, n) in [1usize, 3, 7, 64, 65, 129, 1000].into_iter().enumerate() {
            let g = net
                .add_group(
                    NeuronGroup::new(
                        n,
                        "dv/dt = (1.2 - v)/(10*ms) + 0.3*xi/sqrt(10*ms) : 1 (unless refractory)",
                    )
                    .threshold("v > 1")
                    .reset("v = rand()*0.1")
                    .refractory_time(2e-3)
                    .name(format!("g{k}")),
                )
                .unwrap();
            net.set(g, "v", "rand()").unwrap();
            monitors.push(net.add_spike_monitor(SpikeMonitor::new(g)).unwrap());
        }
        net.run(0.05).unwrap();
        fingerprint(&net)
    };
    let one = build(1);
    assert!(one.iter().any(|(n, s)| n.ends_with(" i") && s.len() > 10));
    assert_eq!(one, build(3));
    assert_eq!(one, build(16));
}

/// Synapses with delays of up to 20 steps: changing the thread count between runs (which re-sorts what is
/// queued into the new parts) and restoring a snapshot taken on other threads change nothing.
#[test]
fn queued_spikes_survive_a_change_of_threads_and_a_restore() {
    let build = |threads: usize| {
        let mut net = Network::new(BackendChoice::Jit);
        net.set_threads(threads);
        net.set_parallel_grain(1);
        let p = net
            .add_group(
                NeuronGroup::new(200, "dv/dt = (1.1 - v)/(10*ms) + 0.2*xi/sqrt(10*ms) : 1")
                    .threshold("v > 1")
                    .reset("v = 0")
                    .name("P"),
            )
            .unwrap();
        net.set(p, "v", "rand()").unwrap();
        let q = net
            .add_group(NeuronGroup::new(150, "dv/dt = -v/(5*ms) : 1").name("Q"))
            .unwrap();
        let syn = net
            .add_synapses(Synapses::new(p, q, "w : 1").on_pre("v_post += w").name("S"))
            .unwrap();
        net.connect(syn, Connect::all().p(0.1)).unwrap();
        net.set(syn, "w", "0.01 + 0.001*j").unwrap();
        net.set(syn, "delay", "(i % 7)*0.3*ms + (j % 3)*0.1*ms")
            .unwrap();
        net.add_spike_monitor(SpikeMonitor::new(p)).unwrap();
        net
    };
    // One thread throughout.
    let mut net = build(1);
    net.run(0.02).unwrap();
    let snapshot = net.store();
    net.run(0.02).unwrap();
    let reference = fingerprint(&net);
    assert!(net.spike_data(net.monitors()[0]).unwrap().num_events() > 100);
    // One thread, then three: the queue is re-sorted into parts with spikes in flight.
    let mut net = build(1);
    net.run(0.02).unwrap();
    net.set_threads(3);
    net.run(0.02).unwrap();
    assert_eq!(fingerprint(&net), reference);
    // Three threads, a snapshot restored, then two threads.
    let mut net = build(3);
    net.run(0.03).unwrap();
    net.restore(&snapshot);
    net.set_threads(2);
    net.run(0.02).unwrap();
    assert_eq!(fingerprint(&net), reference);
}

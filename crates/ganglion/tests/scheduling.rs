//! Scheduling through the Rust API: Brian2's slots, orders and name ties, custom events moved in the schedule,
//! `run_regularly`, threshold and reset, refractoriness in its forms, several clocks, custom schedules and the
//! scheduling summary (brian2-semantics.md §3 and the tests of §4.2, §4.3, §4.8).
//!
//! Where a Brian2 test uses `NameLister` objects to log the order of execution, the tests here use
//! `run_regularly` operations that append a digit to a variable (`seq = seq*10 + 1`), so that the value of `seq`
//! spells the order in which the operations ran.

use ganglion::{
    BackendChoice, Error, GroupHandle, Network, NeuronGroup, SpikeMonitor, StateMonitor,
};
use ganglion_units::Quantity;

const DT: f64 = 1e-4;

fn net() -> Network {
    Network::new(BackendChoice::Interpreter)
}

fn value(net: &mut Network, g: GroupHandle, var: &str) -> Vec<f64> {
    net.state(g, var).unwrap()
}

fn spike_times(net: &Network, m: ganglion::MonitorHandle) -> Vec<f64> {
    net.spike_data(m).unwrap().t.clone()
}

fn assert_close(got: &[f64], want: &[f64], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: {got:?} vs {want:?}");
    for (a, b) in got.iter().zip(want) {
        assert!(
            (a - b).abs() <= 1e-12 + 1e-9 * b.abs(),
            "{what}: {got:?} vs {want:?}"
        );
    }
}

/// A one-neuron group whose `seq` records the order of operations added with [`log_op`].
fn logger(net: &mut Network) -> GroupHandle {
    net.add_group(NeuronGroup::new(1, "seq : 1").name("logger"))
        .unwrap()
}

fn log_op(net: &mut Network, g: GroupHandle, digit: u8, dt: Option<f64>, when: &str, order: i64) {
    net.run_regularly(
        g,
        &format!("seq = seq*10 + {digit}"),
        dt,
        Some(when),
        Some(order),
    )
    .unwrap();
}

fn seq(net: &mut Network, g: GroupHandle) -> String {
    format!("{}", value(net, g, "seq")[0] as u64)
}

// ----------------------------------------------------------------------------------------------------------
// Events, thresholds, resets, run_regularly (test_neurongroup.py)

/// Brian2's `test_custom_events`: each custom event's code runs in the step its condition holds.
#[test]
fn custom_events() {
    let mut net = net();
    let g = net
        .add_group(
            NeuronGroup::new(2, "event_time1 : second\nevent_time2 : second")
                .event("event1", "t>=i*ms and t<i*ms+dt")
                .event("event2", "t>=(i+1)*ms and t<(i+1)*ms+dt"),
        )
        .unwrap();
    net.run_on_event(g, "event1", "event_time1 = t", None, None)
        .unwrap();
    net.run_on_event(g, "event2", "event_time2 = t", None, None)
        .unwrap();
    net.run(2.1e-3).unwrap();
    assert_close(&value(&mut net, g, "event_time1"), &[0.0, 1e-3], "event1");
    assert_close(&value(&mut net, g, "event_time2"), &[1e-3, 2e-3], "event2");
}

/// Brian2's `test_custom_events_schedule`: event1's check moved to `after_resets`, event2's code at `resets`,
/// event1's code at `after_resets` with order 1: within a step, event2's code runs before event1 is checked.
#[test]
fn custom_events_schedule() {
    let mut net = net();
    let g = net
        .add_group(
            NeuronGroup::new(2, "x : 1\nevent_time : second")
                .event("event1", "x>0")
                .event("event2", "t>=(i+1)*ms and t<(i+1)*ms+dt"),
        )
        .unwrap();
    net.set_event_schedule(g, "event1", "after_resets", None)
        .unwrap();
    net.run_on_event(g, "event2", "x = 1", Some("resets"), None)
        .unwrap();
    net.run_on_event(
        g,
        "event1",
        "event_time = t\nx = 0",
        Some("after_resets"),
        Some(1),
    )
    .unwrap();
    net.run(2.1e-3).unwrap();
    assert_close(
        &value(&mut net, g, "event_time"),
        &[1e-3, 2e-3],
        "event_time",
    );
    // The objects are where the calls put them.
    let summary = net.scheduling_summary();
    let lines: Vec<&str> = summary.lines().collect();
    let pos = |name: &str| {
        lines
            .iter()
            .position(|l| l.starts_with(&format!("{name} ")))
            .unwrap_or_else(|| panic!("`{name}` missing from\n{summary}"))
    };
    assert!(pos("neurongroup_event2_thresholder") < pos("neurongroup_event2_resetter"));
    assert!(pos("neurongroup_event2_resetter") < pos("neurongroup_event1_thresholder"));
    assert!(pos("neurongroup_event1_thresholder") < pos("neurongroup_event1_resetter"));
}

/// Errors of `run_on_event` and `set_event_schedule` (Brian2: `ValueError`s).
#[test]
fn event_api_errors() {
    let mut net = net();
    let g = net
        .add_group(NeuronGroup::new(1, "x : 1").event("e", "x > 0"))
        .unwrap();
    let err = net
        .run_on_event(g, "spike", "x = 0", None, None)
        .unwrap_err();
    assert!(err.to_string().contains("unknown event `spike`"), "{err}");
    assert!(err.to_string().contains("threshold"), "{err}");
    net.run_on_event(g, "e", "x = 0", None, None).unwrap();
    let err = net.run_on_event(g, "e", "x = 1", None, None).unwrap_err();
    assert!(err.to_string().contains("already been added"), "{err}");
    let err = net
        .set_event_schedule(g, "nope", "after_resets", None)
        .unwrap_err();
    assert!(err.to_string().contains("unknown event `nope`"), "{err}");
}

/// Brian2's `test_run_regularly_scheduling`: `v1 += 1` at `start`, `v2 = v1` at `end`, `v3 = v1` at
/// `before_start`; after two steps v1 = 2, v2 = 2, v3 = 1.
#[test]
fn run_regularly_scheduling() {
    let mut net = net();
    let g = net
        .add_group(NeuronGroup::new(1, "v1 : 1\nv2 : 1\nv3 : 1"))
        .unwrap();
    net.run_regularly(g, "v1 += 1", None, None, None).unwrap();
    net.run_regularly(g, "v2 = v1", None, Some("end"), None)
        .unwrap();
    net.run_regularly(g, "v3 = v1", None, Some("before_start"), None)
        .unwrap();
    net.run(2.0 * DT).unwrap();
    assert_eq!(value(&mut net, g, "v1"), [2.0]);
    assert_eq!(value(&mut net, g, "v2"), [2.0]);
    assert_eq!(value(&mut net, g, "v3"), [1.0]);
}

/// `run_regularly` with its own `dt` runs every that many seconds, from t = 0.
#[test]
fn run_regularly_dt() {
    let mut net = net();
    let g = net
        .add_group(NeuronGroup::new(1, "count : 1\nlast : second"))
        .unwrap();
    net.run_regularly(g, "count += 1; last = t", Some(1e-3), None, None)
        .unwrap();
    net.run(10.05e-3).unwrap();
    // t = 0, 1, ..., 10 ms.
    assert_eq!(value(&mut net, g, "count"), [11.0]);
    assert_close(&value(&mut net, g, "last"), &[10e-3], "last");
}

/// Brian2's `test_threshold_reset`: threshold `v > 1` and reset `v = 0.5` act in the same step.
#[test]
fn threshold_reset() {
    let mut net = net();
    let g = net
        .add_group(
            NeuronGroup::new(3, "dv/dt = 0 / second : 1")
                .threshold("v > 1")
                .reset("v=0.5"),
        )
        .unwrap();
    net.set(g, "v", vec![0.0, 1.0, 2.0]).unwrap();
    net.run(DT).unwrap();
    assert_eq!(value(&mut net, g, "v"), [0.0, 1.0, 0.5]);
    assert_eq!(net.spikes(g), [2]);
}

/// Brian2's `only_threshold` warning: a threshold without reset or refractoriness warns; an empty reset or a
/// refractory period silences it.
#[test]
fn only_threshold_warning() {
    let mut net = net();
    net.add_group(NeuronGroup::new(1, "v : 1").threshold("True"))
        .unwrap();
    assert_eq!(net.warnings().len(), 1, "{:?}", net.warnings());
    net.add_group(NeuronGroup::new(1, "v : 1").threshold("True").reset(""))
        .unwrap();
    net.add_group(
        NeuronGroup::new(1, "v : 1")
            .threshold("True")
            .refractory_time(1e-3),
    )
    .unwrap();
    assert_eq!(net.warnings().len(), 1, "{:?}", net.warnings());
}

/// Spike times are stamped with the t of the step in which the threshold is found true, after that step's
/// update; a state monitor at `start` sees the value before the update.
#[test]
fn threshold_after_update_in_the_same_step() {
    let mut net = net();
    let g = net
        .add_group(
            NeuronGroup::new(1, "dv/dt = 1000*Hz : 1")
                .threshold("v > 0.45")
                .reset("v = 0")
                .method("euler"),
        )
        .unwrap();
    let spikes = net
        .add_spike_monitor(SpikeMonitor::new(g).variables(["v"]))
        .unwrap();
    let trace = net.add_state_monitor(StateMonitor::new(g, ["v"])).unwrap();
    net.run(6.0 * DT).unwrap();
    // v = 0.1, 0.2, ... after the updates of steps 0, 1, ...; 0.5 > 0.45 after the update of step 4.
    assert_close(&spike_times(&net, spikes), &[4.0 * DT], "spike times");
    assert_close(
        &net.spike_data(spikes).unwrap().values[0].1,
        &[0.5],
        "v at spike",
    );
    let recorded = &net.state_data(trace).unwrap().values[0].1[0];
    assert_close(recorded, &[0.0, 0.1, 0.2, 0.3, 0.4, 0.0], "v at start");
}

// ----------------------------------------------------------------------------------------------------------
// Refractoriness (test_refractory.py)

/// Brian2's `test_refractoriness_basic`: `(unless refractory)` clamps v; w keeps integrating.
#[test]
fn refractoriness_basic() {
    let mut net = net();
    let g = net
        .add_group(
            NeuronGroup::new(
                1,
                "dv/dt = 99.999*Hz : 1 (unless refractory)\ndw/dt = 99.999*Hz : 1",
            )
            .threshold("v>1")
            .reset("v=0;w=0")
            .refractory_time(5e-3),
        )
        .unwrap();
    let m = net
        .add_state_monitor(StateMonitor::new(g, ["v", "w"]).when("end"))
        .unwrap();
    net.run(20e-3).unwrap();
    let data = net.state_data(m).unwrap();
    let v = &data.values[0].1[0];
    let w = &data.values[1].1[0];
    assert_eq!(v.len(), 200);
    assert_eq!(&v[..100], &w[..100], "no difference before the spike");
    assert!(
        v[100..150].iter().all(|&x| x == 0.0),
        "v clamped: {:?}",
        &v[100..150]
    );
    assert_eq!(&w[..50], &w[101..151], "w evolves as before");
    assert!(w[101..151].iter().all(|&x| x > 0.0));
    assert!(v[150..200].iter().all(|&x| x > 0.0), "v grows again");
}

/// Brian2's `test_refractoriness_variables`: seven forms of the refractory period (a time string, boolean
/// conditions over `lastspike`, a subexpression, a boolean subexpression, a per-neuron parameter, a unitless
/// parameter times `ms`) clamp v for 5 ms after the spike at 10 ms.
#[test]
fn refractoriness_variables() {
    let model = "dv/dt = 99.999*Hz : 1 (unless refractory)\ndw/dt = 99.999*Hz : 1\nref : second\n\
                 ref_no_unit : 1\ntime_since_spike = (t - lastspike) +1e-3*dt : second\n\
                 ref_subexpression = (t - lastspike + 1e-3*dt) < ref : boolean";
    for form in [
        "5*ms",
        "(t-lastspike + 1e-3*dt) < 5*ms",
        "time_since_spike + 1e-3*dt < 5*ms",
        "ref_subexpression",
        "(t-lastspike + 1e-3*dt) < ref",
        "ref",
        "ref_no_unit*ms",
    ] {
        let mut net = net();
        let g = net
            .add_group(
                NeuronGroup::new(1, model)
                    .threshold("v>1")
                    .reset("v=0;w=0")
                    .refractory(form),
            )
            .unwrap_or_else(|e| panic!("{form}: {e}"));
        net.set(g, "ref", Quantity::parse("5*ms").unwrap()).unwrap();
        net.set(g, "ref_no_unit", Quantity::dimensionless(5.0))
            .unwrap();
        let m = net
            .add_state_monitor(StateMonitor::new(g, ["v", "w"]).when("end"))
            .unwrap();
        net.run(20e-3).unwrap();
        let data = net.state_data(m).unwrap();
        let (v, w) = (&data.values[0].1[0], &data.values[1].1[0]);
        assert_close(&v[..100], &w[..100], form);
        assert!(
            v[100..150].iter().all(|&x| x == 0.0),
            "{form}: {:?}",
            &v[100..150]
        );
        assert_close(&w[..50], &w[101..151], form);
        assert!(v[150..200].iter().all(|&x| x > 0.0), "{form}");
        // lastspike is the time of the spike.
        assert_close(&value(&mut net, g, "lastspike"), &[10e-3], form);
    }
}

/// Custom events are not gated by refractoriness (only the spike threshold is).
#[test]
fn custom_events_ignore_refractoriness() {
    let mut net = net();
    let g = net
        .add_group(
            NeuronGroup::new(1, "")
                .threshold("True")
                .refractory_time(5.0 * DT)
                .event("always", "True"),
        )
        .unwrap();
    let spikes = net.add_spike_monitor(SpikeMonitor::new(g)).unwrap();
    let events = net
        .add_event_monitor(ganglion::EventMonitor::new(g, "always"))
        .unwrap();
    net.run(10.0 * DT).unwrap();
    assert_eq!(net.spike_data(spikes).unwrap().num_events(), 2);
    assert_eq!(net.spike_data(events).unwrap().num_events(), 10);
}

/// Brian2's `test_scalar_threshold`: a condition on an external scalar applies to every neuron.
#[test]
fn scalar_threshold() {
    let mut net = net();
    net.set_constant("c", Quantity::dimensionless(2.0));
    let g = net
        .add_group(NeuronGroup::new(4, "").threshold("c > 1").reset(""))
        .unwrap();
    let m = net.add_spike_monitor(SpikeMonitor::new(g)).unwrap();
    net.run(DT).unwrap();
    assert_eq!(net.spike_data(m).unwrap().count, [1, 1, 1, 1]);
}

/// Brian2's `test_refractoriness_repeated`: `threshold='True'` with refractory 10 dt spikes at 0 and then
/// exactly every 10 dt.
#[test]
fn refractoriness_repeated() {
    let mut net = net();
    let g = net
        .add_group(
            NeuronGroup::new(1, "")
                .threshold("True")
                .refractory_time(10.0 * DT),
        )
        .unwrap();
    let m = net.add_spike_monitor(SpikeMonitor::new(g)).unwrap();
    net.run(10000.0 * DT).unwrap();
    let t = spike_times(&net, m);
    assert_eq!(t[0], 0.0);
    assert_eq!(t.len(), 1000);
    for w in t.windows(2) {
        assert!(((w[1] - w[0]) - 10.0 * DT).abs() < 1e-12, "{w:?}");
    }
}

/// The same with the period as a string.
#[test]
fn refractoriness_repeated_string() {
    let mut net = net();
    let g = net
        .add_group(
            NeuronGroup::new(1, "")
                .threshold("True")
                .refractory("10*dt"),
        )
        .unwrap();
    let m = net.add_spike_monitor(SpikeMonitor::new(g)).unwrap();
    net.run(100.0 * DT).unwrap();
    let steps: Vec<i64> = spike_times(&net, m)
        .iter()
        .map(|t| (t / DT).round() as i64)
        .collect();
    assert_eq!(steps, [0, 10, 20, 30, 40, 50, 60, 70, 80, 90]);
}

/// Brian2's `test_refractoriness_threshold`: a time, a time string, explicit boolean conditions, a per-neuron
/// parameter and a unitless parameter times `ms` all give spikes at 5 and 15 ms.
#[test]
fn refractoriness_threshold_forms() {
    let forms: [Option<&str>; 6] = [
        None, // 10*ms as a Quantity
        Some("10*ms"),
        Some("timestep(t-lastspike, dt) < timestep(10*ms, dt)"),
        Some("timestep(t-lastspike, dt) < timestep(ref, dt)"),
        Some("ref"),
        Some("ref_no_unit*ms"),
    ];
    for form in forms {
        let mut net = net();
        let mut group =
            NeuronGroup::new(1, "dv/dt = 199.999*Hz : 1\nref : second\nref_no_unit : 1")
                .threshold("v > 1")
                .reset("v=0");
        group = match form {
            None => group.refractory_time(10e-3),
            Some(code) => group.refractory(code),
        };
        let g = net.add_group(group).unwrap();
        net.set(g, "ref", Quantity::parse("10*ms").unwrap())
            .unwrap();
        net.set(g, "ref_no_unit", Quantity::dimensionless(10.0))
            .unwrap();
        let m = net.add_spike_monitor(SpikeMonitor::new(g)).unwrap();
        net.run(16e-3).unwrap();
        assert_close(&spike_times(&net, m), &[5e-3, 15e-3], &format!("{form:?}"));
    }
}

/// Brian2's `test_refractoriness_types`: a refractory period that is neither a time nor a condition is an
/// error.
#[test]
fn refractoriness_types() {
    for (model, refractory) in [
        ("", "3*Hz"),
        ("ref : Hz", "ref"),
        ("", "3"),
        ("ref : 1", "ref"),
    ] {
        let err = net()
            .add_group(NeuronGroup::new(1, model).refractory(refractory))
            .unwrap_err();
        assert!(
            matches!(err, Error::Model { .. }),
            "refractory = {refractory}: {err}"
        );
        let text = err.to_string();
        assert!(
            text.contains("refractory"),
            "refractory = {refractory}: {text}"
        );
    }
}

/// Writes to `(unless refractory)` variables are conditional on `not_refractory` in `run_regularly` code, but
/// not in reset or event code (Brian2's resetters override the conditional write; checked against Brian2
/// 2.9: v = 5, x = 1, y = 15).
#[test]
fn conditional_write_behaviour() {
    let mut net = net();
    let g = net
        .add_group(
            NeuronGroup::new(
                1,
                "dv/dt = 0/ms : 1 (unless refractory)\ndx/dt = 0/ms : 1 (unless refractory)\n\
                 dy/dt = 0/ms : 1\nc : 1",
            )
            .threshold("c > 0.5")
            .reset("c = 0")
            .refractory_time(1e-3)
            .event("ev", "t > 0.25*ms and t < 0.35*ms")
            .method("euler"),
        )
        .unwrap();
    net.set(g, "c", Quantity::dimensionless(1.0)).unwrap();
    net.run_regularly(g, "v += 1; y += 1", None, None, None)
        .unwrap();
    net.run_on_event(g, "ev", "x += 1", None, None).unwrap();
    net.run(1.5e-3).unwrap();
    // The spike at t = 0 makes the neuron refractory for steps 1 to 10 (run_regularly runs at `start`, before
    // the state updater lifts refractoriness at step 10).
    assert_eq!(value(&mut net, g, "v"), [5.0]);
    assert_eq!(value(&mut net, g, "x"), [1.0]);
    assert_eq!(value(&mut net, g, "y"), [15.0]);
}

/// The reset writes `(unless refractory)` variables although the neuron just became refractory.
#[test]
fn reset_writes_unconditionally() {
    let mut net = net();
    let g = net
        .add_group(
            NeuronGroup::new(1, "dv/dt = 1000*Hz : 1 (unless refractory)")
                .threshold("v > 0.25")
                .reset("v = -1")
                .refractory_time(2e-3)
                .method("euler"),
        )
        .unwrap();
    net.run(4.0 * DT).unwrap();
    assert_eq!(value(&mut net, g, "v"), [-1.0]);
}

// ----------------------------------------------------------------------------------------------------------
// The network (test_network.py)

/// Brian2's `test_network_different_clocks`: objects on clocks of 0.1 ms and 1 ms interleave as
/// `xy` + `xxxxxxxxxxy`*k (x has order 0, y order 1). Here y checks, every time it runs, that x ran exactly
/// 10·k + 1 times before it.
#[test]
fn network_different_clocks() {
    let mut net = net();
    let g = net
        .add_group(NeuronGroup::new(1, "cx : 1\nny : 1\nbad : 1"))
        .unwrap();
    net.run_regularly(g, "cx += 1", Some(0.1e-3), None, Some(0))
        .unwrap();
    net.run_regularly(
        g,
        "bad += int(cx != 10*ny + 1)\nny += 1",
        Some(1e-3),
        None,
        Some(1),
    )
    .unwrap();
    net.run(1.0 + DT).unwrap();
    assert_eq!(value(&mut net, g, "cx"), [10001.0]);
    assert_eq!(value(&mut net, g, "ny"), [1001.0]);
    assert_eq!(value(&mut net, g, "bad"), [0.0]);
}

/// The same with digits over a short run: with y first in its slot (order -1) it runs before x when both are
/// due.
#[test]
fn network_different_clocks_order() {
    let mut net = net();
    let g = logger(&mut net);
    log_op(&mut net, g, 1, Some(0.1e-3), "start", 0);
    log_op(&mut net, g, 2, Some(0.5e-3), "start", -1);
    net.run(1.05e-3).unwrap();
    assert_eq!(seq(&mut net, g), "21111121111121");
}

/// Clocks whose steps are not multiples of each other (0.1 ms and 0.25 ms) interleave by time, over two runs
/// (Brian2 2.9 gives 121121112, then 11211).
#[test]
fn network_incommensurate_clocks() {
    let mut net = net();
    let g = logger(&mut net);
    log_op(&mut net, g, 1, Some(0.1e-3), "start", 0);
    log_op(&mut net, g, 2, Some(0.25e-3), "start", 1);
    net.run(0.55e-3).unwrap();
    assert_eq!(seq(&mut net, g), "121121112");
    net.set(g, "seq", Quantity::dimensionless(0.0)).unwrap();
    net.run(0.45e-3).unwrap();
    assert_eq!(seq(&mut net, g), "11211");
}

/// Groups on different clocks: each integrates over its own steps.
#[test]
fn groups_on_different_clocks() {
    let mut net = net();
    let fast = net
        .add_group(NeuronGroup::new(1, "dv/dt = 1/second : 1").method("euler"))
        .unwrap();
    let slow = net
        .add_group(
            NeuronGroup::new(1, "dv/dt = 1/second : 1\nn_steps : 1")
                .method("euler")
                .dt(1e-3),
        )
        .unwrap();
    net.run_regularly(slow, "n_steps += 1", None, None, None)
        .unwrap();
    let m = net
        .add_state_monitor(StateMonitor::new(slow, ["v"]))
        .unwrap();
    net.run(2.05e-3).unwrap();
    // 21 steps of 0.1 ms; 3 steps of 1 ms (t = 0, 1, 2 ms).
    assert_close(&value(&mut net, fast, "v"), &[2.1e-3], "fast v");
    assert_close(&value(&mut net, slow, "v"), &[3e-3], "slow v");
    assert_eq!(value(&mut net, slow, "n_steps"), [3.0]);
    assert_close(
        &net.state_data(m).unwrap().t,
        &[0.0, 1e-3, 2e-3],
        "monitor t",
    );
    // The run ends at the requested time, and a second run continues every clock from there.
    assert!((net.t() - 2.05e-3).abs() < 1e-15);
    net.run(0.95e-3).unwrap();
    assert_close(&value(&mut net, fast, "v"), &[3e-3], "fast v");
    assert_eq!(value(&mut net, slow, "n_steps"), [3.0]);
    net.run(0.5e-3).unwrap();
    assert_eq!(value(&mut net, slow, "n_steps"), [4.0]);
}

/// Brian2's `test_network_different_when`: `start` before `end` in every step.
#[test]
fn network_different_when() {
    let mut net = net();
    let g = logger(&mut net);
    log_op(&mut net, g, 2, None, "end", 0);
    log_op(&mut net, g, 1, None, "start", 0);
    net.run(0.3e-3).unwrap();
    assert_eq!(seq(&mut net, g), "121212");
}

/// Brian2's `test_network_schedule_change`: a changed schedule is taken into account by the next run.
#[test]
fn network_schedule_change() {
    let mut net = net();
    let g = logger(&mut net);
    log_op(&mut net, g, 1, None, "thresholds", 0);
    log_op(&mut net, g, 2, None, "resets", 0);
    net.run(0.3e-3).unwrap();
    assert_eq!(seq(&mut net, g), "121212");
    net.set(g, "seq", Quantity::dimensionless(0.0)).unwrap();
    net.set_schedule(["start", "groups", "synapses", "resets", "thresholds", "end"])
        .unwrap();
    net.run(0.3e-3).unwrap();
    assert_eq!(seq(&mut net, g), "212121");
}

/// Brian2's `test_network_before_after_schedule`: `after_thresholds` runs before `before_resets` in a custom
/// schedule.
#[test]
fn network_before_after_schedule() {
    let mut net = net();
    let g = logger(&mut net);
    log_op(&mut net, g, 1, None, "before_resets", 0);
    log_op(&mut net, g, 2, None, "after_thresholds", 0);
    net.set_schedule(["thresholds", "resets", "end"]).unwrap();
    net.run(0.3e-3).unwrap();
    assert_eq!(seq(&mut net, g), "212121");
}

/// Brian2's `test_network_custom_slots`: a slot of one's own between `thresholds` and `synapses`.
#[test]
fn network_custom_slots() {
    let mut net = net();
    let g = logger(&mut net);
    log_op(&mut net, g, 1, None, "thresholds", 0);
    log_op(&mut net, g, 2, None, "in_between", 0);
    log_op(&mut net, g, 3, None, "resets", 0);
    net.set_schedule([
        "start",
        "groups",
        "thresholds",
        "in_between",
        "synapses",
        "resets",
        "end",
    ])
    .unwrap();
    net.run(0.3e-3).unwrap();
    assert_eq!(seq(&mut net, g), "123123123");
}

/// Brian2's `test_network_incorrect_schedule`: `before_`/`after_` names cannot be slots.
#[test]
fn network_incorrect_schedule() {
    let mut net = net();
    for bad in [vec!["start", "after_start"], vec!["before_start", "start"]] {
        let err = net.set_schedule(bad.clone()).unwrap_err();
        assert!(matches!(err, Error::Usage(_)), "{bad:?}: {err}");
    }
}

/// Objects in the same slot run by order, then by name; a group's `order` applies to all its objects.
#[test]
fn order_then_name() {
    let mut net = net();
    let g = logger(&mut net);
    // Three operations at `start`, order 0: by name `logger_run_regularly`, `..._1`, `..._2`.
    log_op(&mut net, g, 1, None, "start", 0);
    log_op(&mut net, g, 2, None, "start", 0);
    log_op(&mut net, g, 3, None, "start", -1);
    net.run(DT).unwrap();
    assert_eq!(seq(&mut net, g), "312");
    // A group's order applies to its objects: b (order -1) runs before a although `a` sorts first by name.
    let mut net = Network::new(BackendChoice::Interpreter);
    for (name, order) in [("a", 0), ("b", -1)] {
        let g = net
            .add_group(
                NeuronGroup::new(1, "dv/dt = 1/second : 1")
                    .method("euler")
                    .name(name)
                    .order(order),
            )
            .unwrap();
        net.run_regularly(g, "v += 1", None, None, None).unwrap();
    }
    let summary = net.scheduling_summary();
    let names: Vec<&str> = summary
        .lines()
        .skip(1)
        .map(|l| l.split(" | ").next().unwrap().trim())
        .collect();
    assert_eq!(
        names,
        [
            "b_run_regularly",
            "a_run_regularly",
            "b_stateupdater",
            "a_stateupdater"
        ],
        "{summary}"
    );
}

/// Brian2's `scheduling_summary()`: every object in the order it runs, with its group, clock, slot and order;
/// the setup of the reference case `subexpr_shared` gives the order Brian2 printed.
#[test]
fn scheduling_summary_contents() {
    let mut net = net();
    let eqs = "dv/dt = (I_syn + drive - v)/tau : 1\nI_syn = g*(E - v) : 1\n\
               drive = sin(2*pi*t/(2*ms)) : 1 (constant over dt)\ntau : second (constant)\n\
               E : 1 (constant)\ng : 1 (shared)";
    for method in ["euler", "rk4"] {
        let g = net
            .add_group(
                NeuronGroup::new(3, eqs)
                    .method(method)
                    .name(format!("G_{method}")),
            )
            .unwrap();
        net.run_regularly(g, "g = g + 0.1", Some(0.5e-3), None, None)
            .unwrap();
        net.add_state_monitor(StateMonitor::new(g, ["v", "I_syn", "drive", "g"]))
            .unwrap();
    }
    let summary = net.scheduling_summary();
    let names: Vec<&str> = summary
        .lines()
        .skip(1)
        .map(|l| l.split(" | ").next().unwrap().trim())
        .collect();
    assert_eq!(
        names,
        [
            "G_euler_subexpression_update",
            "G_rk4_subexpression_update",
            "G_euler_run_regularly",
            "G_rk4_run_regularly",
            "statemonitor",
            "statemonitor_1",
            "G_euler_stateupdater",
            "G_rk4_stateupdater",
        ],
        "{summary}"
    );
    let run_regularly = summary
        .lines()
        .find(|l| l.starts_with("G_euler_run_regularly"))
        .unwrap();
    assert!(run_regularly.contains("G_euler"), "{run_regularly}");
    assert!(run_regularly.contains("0.5 ms"), "{run_regularly}");
    assert!(run_regularly.contains("every 5 steps"), "{run_regularly}");
    assert!(run_regularly.contains("start"), "{run_regularly}");
    let update = summary
        .lines()
        .find(|l| l.starts_with("G_euler_subexpression_update"))
        .unwrap();
    assert!(update.contains("before_start"), "{update}");
}

/// The objects of a group with threshold, reset, a custom event and monitors, in Brian2's order and with
/// Brian2's names and default slots (checked against Brian2 2.9's `scheduling_summary()`). One difference:
/// Brian2 also lists `neurongroup_1_stateupdater` for the group without differential equations; Ganglion
/// schedules no state updater where there is nothing to integrate.
#[test]
fn scheduling_summary_of_a_full_group() {
    let mut net = net();
    let g = net
        .add_group(
            NeuronGroup::new(2, "dv/dt = -v/(10*ms) : 1\nx = v*2 : 1 (constant over dt)")
                .threshold("v > 1")
                .reset("v = 0")
                .event("ev", "v > 0.5")
                .method("exact"),
        )
        .unwrap();
    let g1 = net.add_group(NeuronGroup::new(1, "w : 1")).unwrap();
    assert_eq!(net.group_name(g1), "neurongroup_1");
    net.run_regularly(g, "v += 0.1", None, None, None).unwrap();
    net.run_regularly(g, "v += 0.1", Some(1e-3), Some("end"), None)
        .unwrap();
    net.run_on_event(g, "ev", "v += 0", None, None).unwrap();
    net.add_spike_monitor(SpikeMonitor::new(g)).unwrap();
    net.add_event_monitor(ganglion::EventMonitor::new(g, "ev"))
        .unwrap();
    net.add_state_monitor(
        StateMonitor::new(g, ["v"])
            .record(ganglion::Record::Indices(vec![1]))
            .dt(1e-3),
    )
    .unwrap();
    net.add_state_monitor(StateMonitor::new(g, ["v"])).unwrap();
    net.add_rate_monitor(ganglion::RateMonitor::new(g)).unwrap();
    let summary = net.scheduling_summary();
    let rows: Vec<(String, String, String)> = summary
        .lines()
        .skip(1)
        .map(|l| {
            let cols: Vec<&str> = l.split(" | ").map(str::trim).collect();
            (
                cols[0].to_string(),
                cols[3].to_string(),
                cols[4].to_string(),
            )
        })
        .collect();
    let want = [
        ("neurongroup_subexpression_update", "before_start", "0"),
        ("neurongroup_run_regularly", "start", "0"),
        ("statemonitor", "start", "0"),
        ("statemonitor_1", "start", "0"),
        ("neurongroup_stateupdater", "groups", "0"),
        ("neurongroup_spike_thresholder", "thresholds", "0"),
        ("spikemonitor", "thresholds", "1"),
        ("neurongroup_ev_thresholder", "after_thresholds", "0"),
        ("eventmonitor", "after_thresholds", "1"),
        ("neurongroup_spike_resetter", "resets", "0"),
        ("neurongroup_ev_resetter", "after_resets", "0"),
        ("neurongroup_run_regularly_1", "end", "0"),
        ("ratemonitor", "end", "0"),
    ];
    let want: Vec<(String, String, String)> = want
        .iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        .collect();
    assert_eq!(rows, want, "{summary}");
}

//! Monitors through the Rust API: spike monitors (with variables, subgroups, windows), event monitors, state
//! monitors (record indices, their own dt and slot, subexpressions and shared variables) and population rate
//! monitors with `smooth_rate` (Brian2's test_monitor.py, brian2-semantics.md §3.1).

use ganglion::{
    BackendChoice, EventMonitor, Network, NeuronGroup, RateMonitor, Record, SmoothingWindow,
    SpikeMonitor, StateMonitor,
};
use ganglion_units::Quantity;

const DT: f64 = 1e-4;

fn net() -> Network {
    Network::new(BackendChoice::Interpreter)
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

/// A group whose neuron i spikes every (i + 1) steps: `c` counts steps, the threshold fires when it reaches
/// i + 1 and the reset zeroes it.
fn clockwork(net: &mut Network, n: usize) -> ganglion::GroupHandle {
    net.add_group(
        NeuronGroup::new(n, "dc/dt = 1/dt : 1\nv : 1")
            .threshold("c > i + 0.5")
            .reset("c = 0\nv += 1")
            .method("euler")
            .name("clockwork"),
    )
    .unwrap()
}

#[test]
fn spike_monitor_records_indices_times_counts_and_variables() {
    let mut net = net();
    let g = clockwork(&mut net, 3);
    let m = net
        .add_spike_monitor(SpikeMonitor::new(g).variables(["c", "v"]))
        .unwrap();
    net.run(6.0 * DT).unwrap();
    let d = net.spike_data(m).unwrap();
    // Step k: c = k + 1 after the update for a neuron that has not spiked; neuron 0 spikes every step, 1 every
    // 2 steps (first at step 1), 2 every 3 steps (first at step 2). Within a step, indices ascend.
    let events: Vec<(u32, i64)> =
        d.i.iter()
            .zip(&d.t)
            .map(|(&i, &t)| (i, (t / DT).round() as i64))
            .collect();
    assert_eq!(
        events,
        [
            (0, 0),
            (0, 1),
            (1, 1),
            (0, 2),
            (2, 2),
            (0, 3),
            (1, 3),
            (0, 4),
            (0, 5),
            (1, 5),
            (2, 5)
        ]
    );
    assert_eq!(d.count, [6, 3, 2]);
    assert_eq!(d.num_events(), 11);
    // Variables are recorded at the threshold, before the reset.
    let c = &d.values.iter().find(|(n, _)| n == "c").unwrap().1;
    let want_c: Vec<f64> = d.i.iter().map(|&i| f64::from(i) + 1.0).collect();
    assert_close(c, &want_c, "c at spikes");
    let v = &d.values.iter().find(|(n, _)| n == "v").unwrap().1;
    assert_eq!(v[..4], [0.0, 1.0, 0.0, 2.0]);
    let trains = d.spike_trains();
    assert_eq!(trains[2].len(), 2);
    assert!((trains[2][1] - 5.0 * DT).abs() < 1e-15);
}

#[test]
fn spike_monitor_subgroup_and_window() {
    let mut net = net();
    let g = clockwork(&mut net, 4);
    let sub = net
        .add_spike_monitor(SpikeMonitor::new(g).subgroup(1, 3))
        .unwrap();
    let window = net
        .add_spike_monitor(SpikeMonitor::new(g).start(2.0 * DT).stop(4.0 * DT))
        .unwrap();
    net.run(6.0 * DT).unwrap();
    let d = net.spike_data(sub).unwrap();
    // Indices relative to the subgroup: neurons 1 and 2 are 0 and 1.
    assert_eq!(d.count, [3, 2]);
    assert!(d.i.iter().all(|&i| i < 2));
    let w = net.spike_data(window).unwrap();
    let steps: Vec<i64> = w.t.iter().map(|t| (t / DT).round() as i64).collect();
    assert!(steps.iter().all(|s| (2..4).contains(s)), "{steps:?}");
    assert_eq!(w.num_events(), 5); // step 2: neurons 0, 2; step 3: neurons 0, 1, 3
    // A subgroup outside the group is refused.
    let err = net
        .add_spike_monitor(SpikeMonitor::new(g).subgroup(2, 9))
        .unwrap_err();
    assert!(err.to_string().contains("[2:9]"), "{err}");
}

#[test]
fn spike_monitor_errors() {
    let mut net = net();
    let no_threshold = net.add_group(NeuronGroup::new(1, "v : 1")).unwrap();
    let err = net
        .add_spike_monitor(SpikeMonitor::new(no_threshold))
        .unwrap_err();
    assert!(err.to_string().contains("no event `spike`"), "{err}");
    let g = clockwork(&mut net, 2);
    let err = net
        .add_spike_monitor(SpikeMonitor::new(g).variables(["nope"]))
        .unwrap_err();
    assert!(err.to_string().contains("`nope`"), "{err}");
    let err = net
        .add_event_monitor(EventMonitor::new(g, "custom"))
        .unwrap_err();
    assert!(err.to_string().contains("no event `custom`"), "{err}");
}

/// Brian2's `test_event_monitor`: an EventMonitor records a custom event and variables at each event.
#[test]
fn event_monitor() {
    let mut net = net();
    let g = net
        .add_group(
            NeuronGroup::new(3, "dv/dt = (i + 1)*1000*Hz : 1")
                .event("crossed", "v > 1.05 and v <= 1.05 + (i + 1)*0.1")
                .method("euler"),
        )
        .unwrap();
    let m = net
        .add_event_monitor(EventMonitor::new(g, "crossed").variables(["v"]))
        .unwrap();
    net.run(20.0 * DT).unwrap();
    let d = net.spike_data(m).unwrap();
    // Neuron i gains (i + 1)·0.1 per step: v = (k + 1)(i + 1)·0.1 after step k, which is in
    // (1.05, 1.05 + (i+1)·0.1] for exactly one step.
    assert_eq!(d.count, [1, 1, 1]);
    let steps: Vec<(u32, i64)> =
        d.i.iter()
            .zip(&d.t)
            .map(|(&i, &t)| (i, (t / DT).round() as i64))
            .collect();
    assert_eq!(steps, [(2, 3), (1, 5), (0, 10)]);
    let v = &d.values[0].1;
    assert!((v[0] - 1.2).abs() < 1e-9 && (v[1] - 1.2).abs() < 1e-9 && (v[2] - 1.1).abs() < 1e-9);
    assert_eq!(net.monitor_name(m), "eventmonitor");
}

/// Brian2's `test_state_monitor`: record indices, the default slot `start` (values before the step's
/// update), `when = "end"` (after it), a monitor `dt` of its own, subexpressions and shared variables.
#[test]
fn state_monitor_indices_dt_and_when() {
    let mut net = net();
    let g = net
        .add_group(
            NeuronGroup::new(
                4,
                "dv/dt = (i + 1)/second : 1\nw = 2*v : 1\ns : 1 (shared)\nsw = 3*s : 1 (shared)",
            )
            .method("euler"),
        )
        .unwrap();
    net.set(g, "s", Quantity::dimensionless(0.5)).unwrap();
    let start = net
        .add_state_monitor(
            StateMonitor::new(g, ["v", "w", "s", "sw"]).record(Record::Indices(vec![3, 1])),
        )
        .unwrap();
    let end = net
        .add_state_monitor(
            StateMonitor::new(g, ["v"])
                .record(Record::Indices(vec![0]))
                .when("end"),
        )
        .unwrap();
    let slow = net
        .add_state_monitor(StateMonitor::new(g, ["v"]).dt(1e-3))
        .unwrap();
    let windowed = net
        .add_state_monitor(
            StateMonitor::new(g, ["v"])
                .record(Record::Indices(vec![0]))
                .start(2.0 * DT)
                .stop(5.0 * DT),
        )
        .unwrap();
    net.run(2.05e-3).unwrap();
    let d = net.state_data(start).unwrap();
    assert_eq!(d.indices, [3, 1]);
    assert_eq!(d.t.len(), 21);
    assert_close(&d.t[..3], &[0.0, DT, 2.0 * DT], "t");
    let v = &d.values[0].1;
    for (row, &i) in [3usize, 1].iter().enumerate() {
        for (k, x) in v[row].iter().enumerate() {
            assert!((x - (i as f64 + 1.0) * k as f64 * DT).abs() < 1e-12);
        }
    }
    let w = &d.values[1].1;
    for row in 0..2 {
        for k in 0..21 {
            assert_eq!(w[row][k], 2.0 * v[row][k]);
        }
    }
    assert_eq!(
        d.values[2].1,
        vec![vec![0.5; 21]; 2],
        "shared s, one row per recorded neuron"
    );
    assert_eq!(
        d.values[3].1,
        vec![vec![1.5; 21]; 2],
        "shared subexpression"
    );
    // At `end`: after the update.
    let e = net.state_data(end).unwrap();
    assert!((e.values[0].1[0][0] - DT).abs() < 1e-15);
    // Own dt: t = 0, 1, 2 ms, every neuron.
    let s = net.state_data(slow).unwrap();
    assert_close(&s.t, &[0.0, 1e-3, 2e-3], "slow t");
    assert_eq!(s.indices, [0, 1, 2, 3]);
    assert!((s.values[0].1[2][1] - 3.0 * 1e-3).abs() < 1e-12);
    // Window.
    let wd = net.state_data(windowed).unwrap();
    assert_close(&wd.t, &[2.0 * DT, 3.0 * DT, 4.0 * DT], "window t");
}

#[test]
fn state_monitor_errors() {
    let mut net = net();
    let g = net.add_group(NeuronGroup::new(3, "velocity : 1")).unwrap();
    let err = net
        .add_state_monitor(StateMonitor::new(g, ["velocty"]))
        .unwrap_err();
    assert!(err.to_string().contains("did you mean `velocity`"), "{err}");
    let err = net
        .add_state_monitor(StateMonitor::new(g, ["velocity"]).record(Record::Indices(vec![3])))
        .unwrap_err();
    assert!(err.to_string().contains("index 3"), "{err}");
}

/// A recorded subexpression uses the group's own namespace and the run's current external constants.
#[test]
fn state_monitor_subexpression_with_constants() {
    let mut net = net();
    net.set_constant("a", Quantity::dimensionless(10.0));
    let g = net
        .add_group(
            NeuronGroup::new(2, "y = c*a + i : 1\nx : 1")
                .constant("c", Quantity::dimensionless(3.0)),
        )
        .unwrap();
    let m = net.add_state_monitor(StateMonitor::new(g, ["y"])).unwrap();
    net.run(DT).unwrap();
    net.set_constant("a", Quantity::dimensionless(20.0));
    net.run(DT).unwrap();
    let d = net.state_data(m).unwrap();
    assert_eq!(d.values[0].1, [[30.0, 60.0], [31.0, 61.0]]);
    assert_eq!(net.state(g, "y").unwrap(), [60.0, 61.0]);
}

/// Brian2's `test_rate_monitor`: the rate is the number of spikes in the step / (N·dt); `smooth_rate` follows
/// Brian2's windows (flat: an odd number of steps, `int(width/2/dt)*2 + 1`; Gaussian: ±round(2·width/dt)
/// steps), convolved with `mode="same"`.
#[test]
fn rate_monitor_and_smooth_rate() {
    let mut net = net();
    let g = clockwork(&mut net, 4);
    let m = net.add_rate_monitor(RateMonitor::new(g)).unwrap();
    let sub = net
        .add_rate_monitor(RateMonitor::new(g).subgroup(0, 1))
        .unwrap();
    net.run(12.0 * DT).unwrap();
    let d = net.rate_data(m).unwrap().clone();
    assert_eq!(d.t.len(), 12);
    // Spikes per step: neuron i spikes at steps k with (k + 1) % (i + 1) == 0.
    let counts: Vec<f64> = (0..12)
        .map(|k| (0..4).filter(|i| (k + 1) % (i + 1) == 0).count() as f64)
        .collect();
    let want: Vec<f64> = counts.iter().map(|c| c / (4.0 * DT)).collect();
    assert_close(&d.rate, &want, "rate");
    assert_close(
        &net.rate_data(sub).unwrap().rate,
        &[1.0 / DT; 12],
        "subgroup rate",
    );
    assert_eq!(net.monitor_name(m), "ratemonitor");
    // Flat window of 0.3 ms: 3 steps.
    let flat = d.smooth_rate(SmoothingWindow::Flat(0.3e-3));
    let expect_flat = convolve_same(&d.rate, &[1.0 / 3.0; 3]);
    assert_close(&flat, &expect_flat, "flat");
    // Brian2 truncates: a flat window of 0.39 ms is int(1.95)*2 + 1 = 3 steps, of 0.4 ms 5 steps.
    assert_close(
        &d.smooth_rate(SmoothingWindow::Flat(0.39e-3)),
        &expect_flat,
        "flat 0.39",
    );
    assert_close(
        &d.smooth_rate(SmoothingWindow::Flat(0.4e-3)),
        &convolve_same(&d.rate, &[0.2; 5]),
        "flat 0.4",
    );
    // Gaussian of width 0.1 ms: ±2 steps, exp(-k²/2).
    let raw: Vec<f64> = (-2..=2)
        .map(|k: i32| (-(f64::from(k * k)) / 2.0).exp())
        .collect();
    let sum: f64 = raw.iter().sum();
    let kernel: Vec<f64> = raw.iter().map(|x| x / sum).collect();
    assert_close(
        &d.smooth_rate(SmoothingWindow::Gaussian(0.1e-3)),
        &convolve_same(&d.rate, &kernel),
        "gaussian",
    );
    // Brian2 2.9's numbers for this network (`PopulationRateMonitor.rate`, `smooth_rate('gaussian', 0.1*ms)`).
    assert_close(
        &d.rate,
        &[
            2500.0, 5000.0, 5000.0, 7500.0, 2500.0, 7500.0, 2500.0, 7500.0, 5000.0, 5000.0, 2500.0,
            10000.0,
        ],
        "Brian2's rate",
    );
    assert_close(
        &d.smooth_rate(SmoothingWindow::Gaussian(0.1e-3)),
        &[
            2500.0,
            4253.2749336178085,
            5338.059932259867,
            5532.268223601643,
            5078.23513140644,
            5057.986579967666,
            5078.23513140644,
            5532.268223601642,
            5338.059932259868,
            4798.161779114239,
            4942.013420032333,
            4909.146246698772,
        ],
        "Brian2's gaussian smoothing",
    );
}

/// numpy's `convolve(a, w, mode="same")` for an odd, symmetric window no longer than `a`.
fn convolve_same(a: &[f64], w: &[f64]) -> Vec<f64> {
    let h = (w.len() / 2) as i64;
    (0..a.len() as i64)
        .map(|i| {
            w.iter()
                .enumerate()
                .filter_map(|(k, wk)| {
                    let j = i + k as i64 - h;
                    (0..a.len() as i64).contains(&j).then(|| wk * a[j as usize])
                })
                .sum()
        })
        .collect()
}

/// A rate monitor needs spikes.
#[test]
fn rate_monitor_needs_a_threshold() {
    let mut net = net();
    let g = net.add_group(NeuronGroup::new(1, "v : 1")).unwrap();
    let err = net.add_rate_monitor(RateMonitor::new(g)).unwrap_err();
    assert!(err.to_string().contains("no threshold"), "{err}");
}

/// Monitors placed in another slot or order than their default.
#[test]
fn monitor_slots() {
    let mut net = net();
    let g = clockwork(&mut net, 1);
    // At `end` the reset has run: c is 0; at `start`, before the update, c is also 0; after the groups slot
    // but before the reset it is 1.
    let before_reset = net
        .add_state_monitor(StateMonitor::new(g, ["c"]).when("after_thresholds"))
        .unwrap();
    let at_end = net
        .add_state_monitor(StateMonitor::new(g, ["c"]).when("end"))
        .unwrap();
    net.run(3.0 * DT).unwrap();
    assert_eq!(
        net.state_data(before_reset).unwrap().values[0].1[0],
        [1.0; 3]
    );
    assert_eq!(net.state_data(at_end).unwrap().values[0].1[0], [0.0; 3]);
}

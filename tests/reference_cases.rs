//! Brian2's reference cases (`tests/reference/cases/`, copied from the project's shared reference
//! material): the same models built through the Rust API and run, compared with Brian2's numbers.

use ganglion::{BackendChoice, Network, NeuronGroup, Record, SpikeMonitor, StateMonitor};
use ganglion_tests::quantity as qty;
use ganglion_tests::reference::{floats, reference};
use ganglion_units::Quantity;
use serde_json::Value;

/// The backend under test (the JIT: the interpreter is checked against it in `tests/backends.rs`).
const BACKEND: BackendChoice = BackendChoice::Jit;

/// Brian2's numbers for a case (`tests/reference/cases/<name>.json`).
fn case(name: &str) -> Value {
    reference("cases", name)
}

#[test]
fn if_curve_lif_spike_counts_equal_brian2() {
    let reference = case("if_curve_lif");
    let mut net = Network::new(BACKEND);
    net.set_constant("tau", qty("10*ms"));
    net.set_constant("n", Quantity::dimensionless(1000.0));
    let g = net
        .add_group(
            NeuronGroup::new(
                1000,
                "dv/dt = (v0 - v) / tau : volt (unless refractory)\nv0 : volt",
            )
            .threshold("v > 10*mV")
            .reset("v = 0*mV")
            .refractory_time(5e-3)
            .method("exact"),
        )
        .unwrap();
    net.set(g, "v", qty("0*mV")).unwrap();
    net.set(g, "v0", "20*mV * i / (n-1)").unwrap();
    let m = net.add_spike_monitor(SpikeMonitor::new(g)).unwrap();
    net.run(1.0).unwrap();
    let counts = &net.spike_data(m).unwrap().count;
    let want = floats(&reference["spike_count"]);
    let differing: Vec<usize> = (0..1000).filter(|&i| counts[i] as f64 != want[i]).collect();
    assert!(
        differing.is_empty(),
        "neurons with other spike counts than Brian2's: {differing:?}"
    );
    let v0 = net.state(g, "v0").unwrap();
    for (a, b) in v0.iter().zip(floats(&reference["v0_mV"])) {
        assert!((a * 1e3 - b).abs() <= 1e-12 * b.abs().max(1e-12));
    }
}

fn spike_times_ms(net: &Network, m: ganglion::MonitorHandle) -> Vec<Vec<f64>> {
    net.spike_data(m)
        .unwrap()
        .spike_trains()
        .into_iter()
        .map(|ts| ts.into_iter().map(|t| t * 1e3).collect())
        .collect()
}

fn assert_same_times(got: &[Vec<f64>], want: &Value, label: &str) {
    for (i, times) in got.iter().enumerate() {
        let expected = want.get(i.to_string()).map(floats).unwrap_or_default();
        assert_eq!(
            times.len(),
            expected.len(),
            "{label}, neuron {i}: {times:?} vs {expected:?}"
        );
        for (a, b) in times.iter().zip(&expected) {
            assert!(
                (a - b).abs() < 1e-9,
                "{label}, neuron {i}: {a} ms vs Brian2's {b} ms"
            );
        }
    }
}

#[test]
fn refractory_forms_give_brian2_spike_times() {
    let reference = case("refractory");
    let want = &reference["spike_times_ms"];
    let mut net = Network::new(BACKEND);
    net.set_constant("tau", qty("10*ms"));
    let lif_unless = "dv/dt = (I - v)/tau : 1 (unless refractory)\nI : 1 (constant)";
    let lif_plain = "dv/dt = (I - v)/tau : 1\nI : 1 (constant)";
    let a = net
        .add_group(
            NeuronGroup::new(1, lif_unless)
                .threshold("v>1")
                .reset("v=0")
                .refractory_time(5e-3)
                .method("exact")
                .name("A"),
        )
        .unwrap();
    let b = net
        .add_group(
            NeuronGroup::new(1, lif_plain)
                .threshold("v>1")
                .reset("v=0")
                .refractory_time(5e-3)
                .method("exact")
                .name("B"),
        )
        .unwrap();
    let c = net
        .add_group(
            NeuronGroup::new(4, lif_unless)
                .threshold("v>1")
                .reset("v=0")
                .refractory("(1 + 0.5*i)*ms")
                .method("exact")
                .name("C"),
        )
        .unwrap();
    let d = net
        .add_group(
            NeuronGroup::new(4, format!("{lif_unless}\nref : second (constant)"))
                .threshold("v>1")
                .reset("v=0")
                .refractory("ref")
                .method("exact")
                .name("D"),
        )
        .unwrap();
    for g in [a, b, c, d] {
        net.set(g, "I", Quantity::dimensionless(1.5)).unwrap();
    }
    net.set(d, "ref", "(2 + 3*i)*ms").unwrap();
    for (name, value) in [
        ("area", "20000*umetre**2"),
        ("El", "-65*mV"),
        ("EK", "-90*mV"),
        ("ENa", "50*mV"),
        ("VT", "-63*mV"),
    ] {
        net.set_constant(name, qty(value));
    }
    let area = 20000e-12;
    net.set_constant("Cm", qty(&format!("{}*farad", 1e-6 * 1e4 * area)));
    net.set_constant("gl", qty(&format!("{}*siemens", 5e-5 * 1e4 * area)));
    net.set_constant("g_na", qty(&format!("{}*siemens", 100e-3 * 1e4 * area)));
    net.set_constant("g_kd", qty(&format!("{}*siemens", 30e-3 * 1e4 * area)));
    let hh = "
dv/dt = (gl*(El-v) - g_na*(m*m*m)*h*(v-ENa) - g_kd*(n*n*n*n)*(v-EK) + I)/Cm : volt
dm/dt = 0.32*(mV**-1)*4*mV/exprel((13.*mV-v+VT)/(4*mV))/ms*(1-m)-0.28*(mV**-1)*5*mV/exprel((v-VT-40.*mV)/(5*mV))/ms*m : 1
dn/dt = 0.032*(mV**-1)*5*mV/exprel((15.*mV-v+VT)/(5*mV))/ms*(1.-n)-.5*exp((10.*mV-v+VT)/(40.*mV))/ms*n : 1
dh/dt = 0.128*exp((17.*mV-v+VT)/(18.*mV))/ms*(1.-h)-4./(1+exp((40.*mV-v+VT)/(5.*mV)))/ms*h : 1
I : amp
";
    let e = net
        .add_group(
            NeuronGroup::new(1, hh)
                .threshold("v > -20*mV")
                .refractory("v > -20*mV")
                .method("exponential_euler")
                .name("E"),
        )
        .unwrap();
    net.set(e, "v", qty("-65*mV")).unwrap();
    net.set(e, "I", qty("0.5*nA")).unwrap();
    let monitors: Vec<_> = [a, b, c, d, e]
        .iter()
        .map(|g| net.add_spike_monitor(SpikeMonitor::new(*g)).unwrap())
        .collect();
    net.run(0.2).unwrap();
    for (label, m) in ["A", "B", "C", "D", "E"].iter().zip(&monitors) {
        assert_same_times(&spike_times_ms(&net, *m), &want[*label], label);
    }
}

#[test]
fn subexpressions_shared_variables_and_run_regularly_trace_brian2() {
    let reference = case("subexpr_shared");
    let mut net = Network::new(BACKEND);
    let eqs = "
dv/dt = (I_syn + drive - v)/tau : 1
I_syn = g*(E - v) : 1
drive = sin(2*pi*t/(2*ms)) : 1 (constant over dt)
tau : second (constant)
E : 1 (constant)
g : 1 (shared)
";
    let mut monitors = Vec::new();
    for method in ["euler", "rk4"] {
        let g = net
            .add_group(
                NeuronGroup::new(3, eqs)
                    .method(method)
                    .name(format!("G_{method}")),
            )
            .unwrap();
        net.set(g, "tau", "(5 + 5*i)*ms").unwrap();
        net.set(g, "E", "1.0 + i").unwrap();
        net.set(g, "g", Quantity::dimensionless(0.5)).unwrap();
        net.run_regularly(g, "g = g + 0.1", Some(0.5e-3), None, None)
            .unwrap();
        let m = net
            .add_state_monitor(
                StateMonitor::new(g, ["v", "I_syn", "drive", "g"]).record(Record::All),
            )
            .unwrap();
        monitors.push((format!("G_{method}"), m));
    }
    net.run(30.0 * 1e-4).unwrap();
    for (name, m) in monitors {
        let want = &reference["groups"][&name];
        let data = net.state_data(m).unwrap();
        let t_ms: Vec<f64> = data.t.iter().map(|t| t * 1e3).collect();
        let want_t = floats(&want["t_ms"]);
        assert_eq!(t_ms.len(), want_t.len());
        for (a, b) in t_ms.iter().zip(&want_t) {
            assert!((a - b).abs() < 1e-9);
        }
        for var in ["v", "I_syn", "drive"] {
            let (_, traces) = data.values.iter().find(|(n, _)| n == var).unwrap();
            for (k, trace) in traces.iter().enumerate() {
                let expected = floats(&want[var][k]);
                for (step, (a, b)) in trace.iter().zip(&expected).enumerate() {
                    let tol = 1e-9 * b.abs().max(1e-12);
                    assert!(
                        (a - b).abs() <= tol,
                        "{name}.{var}[{k}] at step {step}: {a} vs Brian2's {b}"
                    );
                }
            }
        }
        let (_, g_traces) = data.values.iter().find(|(n, _)| n == "g").unwrap();
        for (a, b) in g_traces[0].iter().zip(floats(&want["g"])) {
            assert!((a - b).abs() <= 1e-12, "{name}.g: {a} vs {b}");
        }
    }
}

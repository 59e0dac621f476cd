//! Brian2's reference cases built from their model files (`examples/reference/`, and for IF_curve_LIF the
//! Brian2 example's `examples/brian2/if_curve_lif.toml`) through
//! [`Network::from_model_file`] (the API behind `ganglion run`), run on the interpreter and compared with
//! Brian2's numbers in `tests/reference/cases/`. (`tests/reference_cases.rs` builds the same models with the
//! builder API.)

use std::path::PathBuf;

use ganglion::{BackendChoice, Network};
use ganglion_modelfile::ModelFile;
use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn reference(name: &str) -> Value {
    let path = root().join(format!("tests/reference/cases/{name}.json"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

/// Builds and runs a model file as `ganglion run` does.
fn run_file(name: &str) -> Network {
    let path = root().join("examples/reference").join(name);
    let file = ModelFile::load(&path).unwrap_or_else(|_| panic!("{name} loads"));
    let (mut net, plan) = match Network::from_model_file(file, BackendChoice::Interpreter) {
        Ok(x) => x,
        Err(e) => panic!("{name}: {e}"),
    };
    assert!(
        net.warnings().is_empty(),
        "{name}: {}",
        net.render(net.warnings())
    );
    for segment in &plan.segments {
        for op in &segment.set {
            net.apply(op).unwrap();
        }
        net.run(segment.duration).unwrap();
    }
    net
}

fn monitor(net: &Network, name: &str) -> ganglion::MonitorHandle {
    net.monitors()
        .into_iter()
        .find(|m| net.monitor_name(*m) == name)
        .unwrap_or_else(|| panic!("no monitor `{name}`"))
}

#[test]
fn if_curve_lif_from_its_model_file() {
    let net = run_file("../brian2/if_curve_lif.toml");
    let counts = &net.spike_data(monitor(&net, "monitor")).unwrap().count;
    let want = floats(&reference("if_curve_lif")["spike_count"]);
    let differing: Vec<usize> = (0..1000).filter(|&i| counts[i] as f64 != want[i]).collect();
    assert!(differing.is_empty(), "{differing:?}");
}

#[test]
fn refractory_from_its_model_file() {
    let net = run_file("refractory.toml");
    let want = reference("refractory");
    for group in ["A", "B", "C", "D", "E"] {
        let d = net
            .spike_data(monitor(&net, &format!("{group}_spikes")))
            .unwrap();
        for (i, times) in d.spike_trains().iter().enumerate() {
            let exp = want["spike_times_ms"][group]
                .get(i.to_string())
                .map(floats)
                .unwrap_or_default();
            assert_eq!(times.len(), exp.len(), "{group}[{i}]: {times:?} vs {exp:?}");
            for (a, b) in times.iter().zip(&exp) {
                assert!((a * 1e3 - b).abs() < 1e-9, "{group}[{i}]: {a} s vs {b} ms");
            }
        }
    }
}

#[test]
fn subexpr_shared_from_its_model_file() {
    let net = run_file("subexpr_shared.toml");
    let want = reference("subexpr_shared");
    // The monitors run in Brian2's order: `G_*_run_regularly` before `statemonitor` in the slot `start`.
    let summary = net.scheduling_summary();
    let names: Vec<&str> = summary
        .lines()
        .skip(1)
        .map(|l| l.split(" | ").next().unwrap())
        .collect();
    let brian2: Vec<&str> = want["scheduling_summary"]
        .as_str()
        .unwrap()
        .lines()
        .skip(2)
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(names, brian2, "{summary}");
    for (group, name) in [("G_euler", "statemonitor"), ("G_rk4", "statemonitor_1")] {
        let d = net.state_data(monitor(&net, name)).unwrap();
        let w = &want["groups"][group];
        assert_eq!(d.t.len(), 30);
        for (var, rows) in &d.values {
            if var == "g" {
                for (a, b) in rows[0].iter().zip(floats(&w["g"])) {
                    assert!((a - b).abs() <= 1e-12, "{group}.g");
                }
                continue;
            }
            for (k, row) in rows.iter().enumerate() {
                for (step, (a, b)) in row.iter().zip(floats(&w[var][k])).enumerate() {
                    assert!(
                        (a - b).abs() <= 1e-9 * b.abs().max(1e-12),
                        "{group}.{var}[{k}] at step {step}: {a} vs Brian2's {b}"
                    );
                }
            }
        }
    }
}

fn run_text(text: &str) -> Network {
    let file = ModelFile::parse("inline.toml", text).unwrap_or_else(|_| panic!("parses"));
    let (mut net, plan) = match Network::from_model_file(file, BackendChoice::Interpreter) {
        Ok(x) => x,
        Err(e) => panic!("{e}"),
    };
    for segment in &plan.segments {
        for op in &segment.set {
            net.apply(op).unwrap();
        }
        net.run(segment.duration).unwrap();
    }
    net
}

/// `on_event` code in a model file writes `(unless refractory)` variables even while the neuron is
/// refractory, as Brian2's resetters do (`run_regularly` code does not; checked against Brian2 2.9: v = 5,
/// x = 1, y = 15). The Rust API's `run_on_event` does this; the model-file path lowers `on_event` code in
/// ganglion-lower's `lower_group`, which makes writes of custom-event code conditional.
#[test]
fn on_event_code_writes_unconditionally() {
    let mut net = run_text(
        r#"
[run]
duration = "1.5*ms"

[groups.G]
N = 1
model = """
dv/dt = 0/ms : 1 (unless refractory)
dx/dt = 0/ms : 1 (unless refractory)
dy/dt = 0/ms : 1
c : 1
"""
method = "euler"
threshold = "c > 0.5"
reset = "c = 0"
refractory = "1*ms"
events = { ev = "t > 0.25*ms and t < 0.35*ms" }

[groups.G.init]
c = 1

[[groups.G.on_event]]
event = "ev"
code = "x += 1"

[[groups.G.run_regularly]]
code = "v += 1; y += 1"
"#,
    );
    let g = net.group_named("G").unwrap();
    assert_eq!(net.state(g, "v").unwrap(), [5.0]);
    assert_eq!(net.state(g, "y").unwrap(), [15.0]);
    assert_eq!(net.state(g, "x").unwrap(), [1.0]);
}

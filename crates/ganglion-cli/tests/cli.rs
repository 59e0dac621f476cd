//! End-to-end tests of the `ganglion` binary: Brian2's reference cases run from the model files in
//! `examples/reference/` and compared with Brian2's numbers in `tests/reference/cases/`, the exit status
//! contract (0 clean, 1 model errors or failed runs, 2 usage errors), the JSON and `.npz` outputs, `--duration`,
//! `--seed`, segments, and a run that produces NaN.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_ganglion");

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn example(name: &str) -> PathBuf {
    root().join("examples").join(name)
}

fn reference(name: &str) -> Value {
    let path = root().join(format!("tests/reference/cases/{name}.json"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// A fresh folder under the system's temporary folder, unique to this process and `name`.
fn temp_dir(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("ganglion-cli-tests-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn ganglion(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(root())
        .output()
        .expect("the ganglion binary runs")
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("exited normally")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs `ganglion run MODEL --out DIR --quiet [extra]` and asserts exit status 0.
fn run_ok(model: &Path, out: &Path, extra: &[&str]) {
    let mut args = vec![
        "run",
        model.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ];
    args.extend_from_slice(extra);
    let o = ganglion(&args);
    assert_eq!(code(&o), 0, "ganglion {args:?} failed:\n{}", stderr(&o));
}

/// Reads a JSON output; `NaN`, `Infinity` and `-Infinity` (which Python's json module writes and reads) become
/// `null`.
fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let text = text
        .replace("-Infinity", "null")
        .replace("Infinity", "null")
        .replace("NaN", "null");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|x| x.as_f64().unwrap_or(f64::NAN))
        .collect()
}

fn rows(v: &Value) -> Vec<Vec<f64>> {
    v.as_array().unwrap().iter().map(floats).collect()
}

// ----------------------------------------------------------------------------------------------------------
// Brian2's reference cases

const BACKENDS: [&str; 2] = ["jit", "interp"];

/// `if_curve_lif`: every neuron's spike count equals Brian2's.
#[test]
fn reference_if_curve_lif() {
    let want = floats(&reference("if_curve_lif")["spike_count"]);
    for backend in BACKENDS {
        let out = temp_dir(&format!("if_curve_lif-{backend}"));
        run_ok(
            &example("brian2/if_curve_lif.toml"),
            &out,
            &["--backend", backend],
        );
        let got = floats(&read_json(&out.join("monitor.json"))["count"]);
        assert_eq!(got.len(), 1000);
        let differing: Vec<usize> = (0..1000).filter(|&i| got[i] != want[i]).collect();
        assert!(
            differing.is_empty(),
            "{backend}: neurons whose spike count differs from Brian2's: {differing:?}"
        );
        let state = read_json(&out.join("group.state.json"));
        let v0 = floats(&state["v0"]);
        let want_v0 = floats(&reference("if_curve_lif")["v0_mV"]);
        for (a, b) in v0.iter().zip(&want_v0) {
            assert!((a * 1e3 - b).abs() <= 1e-12 * b.abs().max(1e-12));
        }
        for key in ["v", "lastspike", "not_refractory"] {
            assert_eq!(state[key].as_array().map(Vec::len), Some(1000), "{key}");
        }
        let _ = std::fs::remove_dir_all(&out);
    }
}

/// The README's command (`examples/brian2/if_curve_lif.toml`) gives Brian2's counts.
#[test]
fn readme_example_if_curve_lif() {
    let want = floats(&reference("if_curve_lif")["spike_count"]);
    let out = temp_dir("readme");
    run_ok(&example("brian2/if_curve_lif.toml"), &out, &[]);
    let got = floats(&read_json(&out.join("monitor.json"))["count"]);
    assert_eq!(got, want);
    assert!(out.join("group.state.json").exists());
    let _ = std::fs::remove_dir_all(&out);
}

/// `refractory`: every spike time of every group equals Brian2's.
#[test]
fn reference_refractory() {
    let want = reference("refractory");
    let want = &want["spike_times_ms"];
    for backend in BACKENDS {
        let out = temp_dir(&format!("refractory-{backend}"));
        run_ok(
            &example("reference/refractory.toml"),
            &out,
            &["--backend", backend],
        );
        for group in ["A", "B", "C", "D", "E"] {
            let m = read_json(&out.join(format!("{group}_spikes.json")));
            let i = floats(&m["i"]);
            let t = floats(&m["t"]);
            let expected = want[group].as_object().unwrap();
            let n = floats(&m["count"]).len();
            for neuron in 0..n {
                let got: Vec<f64> = i
                    .iter()
                    .zip(&t)
                    .filter(|(k, _)| **k as usize == neuron)
                    .map(|(_, t)| t * 1e3)
                    .collect();
                let exp = expected
                    .get(&neuron.to_string())
                    .map(floats)
                    .unwrap_or_default();
                assert_eq!(
                    got.len(),
                    exp.len(),
                    "{backend}: {group}[{neuron}]: {got:?} vs Brian2's {exp:?}"
                );
                for (a, b) in got.iter().zip(&exp) {
                    assert!(
                        (a - b).abs() < 1e-9,
                        "{backend}: {group}[{neuron}]: {a} ms vs Brian2's {b} ms"
                    );
                }
            }
        }
        let _ = std::fs::remove_dir_all(&out);
    }
}

/// `subexpr_shared`: traces of v, I_syn, drive within 1e-9 (relative) of Brian2's, g exact, under euler and
/// rk4.
#[test]
fn reference_subexpr_shared() {
    let want = reference("subexpr_shared");
    for backend in BACKENDS {
        let out = temp_dir(&format!("subexpr_shared-{backend}"));
        run_ok(
            &example("reference/subexpr_shared.toml"),
            &out,
            &["--backend", backend],
        );
        for (group, monitor) in [("G_euler", "statemonitor"), ("G_rk4", "statemonitor_1")] {
            let w = &want["groups"][group];
            let m = read_json(&out.join(format!("{monitor}.json")));
            let t = floats(&m["t"]);
            let want_t = floats(&w["t_ms"]);
            assert_eq!(t.len(), want_t.len(), "{group}");
            for (a, b) in t.iter().zip(&want_t) {
                assert!((a * 1e3 - b).abs() < 1e-9, "{group}: t {a} vs {b} ms");
            }
            assert_eq!(floats(&m["record"]), [0.0, 1.0, 2.0]);
            for var in ["v", "I_syn", "drive"] {
                let got = rows(&m[var]);
                let exp = rows(&w[var]);
                assert_eq!(got.len(), 3, "{group}.{var}");
                for (k, (g, e)) in got.iter().zip(&exp).enumerate() {
                    assert_eq!(g.len(), e.len(), "{group}.{var}[{k}]");
                    for (step, (a, b)) in g.iter().zip(e).enumerate() {
                        assert!(
                            (a - b).abs() <= 1e-9 * b.abs().max(1e-12),
                            "{backend}: {group}.{var}[{k}] at step {step}: {a} vs Brian2's {b}"
                        );
                    }
                }
            }
            let g = rows(&m["g"]);
            for (a, b) in g[0].iter().zip(floats(&w["g"])) {
                assert!((a - b).abs() <= 1e-12, "{group}.g: {a} vs {b}");
            }
            let state = read_json(&out.join(format!("{group}.state.json")));
            for (a, b) in floats(&state["v"]).iter().zip(floats(&w["final_v"])) {
                assert!(
                    (a - b).abs() <= 1e-9 * b.abs().max(1e-12),
                    "{group} final v"
                );
            }
            assert!((floats(&state["g"])[0] - w["final_g"].as_f64().unwrap()).abs() < 1e-12);
        }
        let _ = std::fs::remove_dir_all(&out);
    }
}

// ----------------------------------------------------------------------------------------------------------
// The other examples

#[test]
fn examples_check_and_run() {
    for name in [
        "lif.toml",
        "adaptive_threshold.toml",
        "custom_events.toml",
        "brian2/if_curve_lif.toml",
        "reference/refractory.toml",
        "reference/subexpr_shared.toml",
    ] {
        let path = example(name);
        let o = ganglion(&["check", path.to_str().unwrap()]);
        assert_eq!(code(&o), 0, "check {name}:\n{}", stderr(&o));
        let o = ganglion(&["ir", path.to_str().unwrap()]);
        assert_eq!(code(&o), 0, "ir {name}:\n{}", stderr(&o));
        assert!(!o.stdout.is_empty());
    }
    let out = temp_dir("lif");
    run_ok(&example("lif.toml"), &out, &[]);
    let spikes = read_json(&out.join("spikes.json"));
    let counts = floats(&spikes["count"]);
    // The first neurons' input stays below threshold; the last ones fire.
    assert_eq!(counts[0], 0.0);
    assert!(counts[99] > 10.0, "{counts:?}");
    let trace = read_json(&out.join("trace.json"));
    assert_eq!(floats(&trace["record"]), [0.0, 50.0, 99.0]);
    assert_eq!(rows(&trace["v"]).len(), 3);
    let rate = read_json(&out.join("rate.json"));
    assert_eq!(floats(&rate["t"]).len(), 2000);
    let total: f64 = floats(&rate["rate"]).iter().sum::<f64>() * 1e-4 * 100.0;
    assert!((total - counts.iter().sum::<f64>()).abs() < 1e-6);
    let _ = std::fs::remove_dir_all(&out);

    let out = temp_dir("custom_events");
    run_ok(&example("custom_events.toml"), &out, &[]);
    let ev = read_json(&out.join("Mgspike.json"));
    assert!(!floats(&ev["t"]).is_empty());
    assert_eq!(floats(&ev["g"]).len(), floats(&ev["t"]).len());
    assert!(floats(&ev["g"]).iter().all(|&g| g > 1.0));
    let _ = std::fs::remove_dir_all(&out);
}

// ----------------------------------------------------------------------------------------------------------
// Exit status

fn write_model(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

const GOOD: &str = r#"
[run]
duration = "2*ms"

[groups.G]
N = 2
model = "dv/dt = -v/(10*ms) : volt"
threshold = "v > 1*mV"
reset = "v = 0*mV"

[groups.G.init]
v = "2*mV*i"

[monitors.spikes]
kind = "spike"
source = "G"
"#;

const BAD_UNITS: &str = r#"
[run]
duration = "2*ms"

[groups.G]
N = 2
model = "dv/dt = -v : volt"
"#;

#[test]
fn exit_status() {
    let dir = temp_dir("exit");
    let good = write_model(&dir, "good.toml", GOOD);
    let bad = write_model(&dir, "bad.toml", BAD_UNITS);
    let not_toml = write_model(&dir, "broken.toml", "[run\nduration = ");
    let missing = dir.join("missing.toml");
    let (good, bad, not_toml, missing) = (
        good.to_str().unwrap(),
        bad.to_str().unwrap(),
        not_toml.to_str().unwrap(),
        missing.to_str().unwrap(),
    );
    let out = dir.join("out");
    let out = out.to_str().unwrap();
    let cases: Vec<(Vec<&str>, i32)> = vec![
        (vec!["check", good], 0),
        (vec!["check", bad], 1),
        (vec!["check", not_toml], 1),
        (vec!["check", missing], 2),
        (vec!["check"], 2),
        (vec!["check", good, "--color", "sometimes"], 2),
        (vec!["ir", good], 0),
        (vec!["ir", good, "--stage", "model"], 0),
        (vec!["ir", good, "--stage", "ast"], 0),
        (vec!["ir", bad], 1),
        (vec!["ir", good, "--group", "nope"], 2),
        (vec!["ir", good, "--stage", "nope"], 2),
        (vec!["ir", missing], 2),
        (vec!["run", good, "--out", out, "--quiet"], 0),
        (vec!["run", bad, "--out", out, "--quiet"], 1),
        (vec!["run", not_toml, "--out", out, "--quiet"], 1),
        (vec!["run", missing, "--out", out, "--quiet"], 2),
        (vec!["run", good, "--out", out, "--duration", "5*mV"], 2),
        (vec!["run", good, "--out", out, "--duration", "five ms"], 2),
        (vec!["run", good, "--out", out, "--seed", "-3"], 2),
        (vec!["run", good, "--out", out, "--backend", "gpu"], 2),
        (vec!["frobnicate"], 2),
        (vec![], 2),
    ];
    for (args, want) in cases {
        let o = ganglion(&args);
        assert_eq!(code(&o), want, "ganglion {args:?}:\n{}", stderr(&o));
    }
    // A model error points into the file, with a caret.
    let o = ganglion(&["check", bad, "--color", "never"]);
    let e = stderr(&o);
    assert!(e.contains("bad.toml:7:"), "{e}");
    assert!(e.contains('^'), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A monitor and a group may not share a name (their output files would collide).
#[test]
fn monitor_and_group_names_collide() {
    let dir = temp_dir("collide");
    let text = GOOD.replace("[monitors.spikes]", "[monitors.G]");
    let model = write_model(&dir, "collide.toml", &text);
    let o = ganglion(&["check", model.to_str().unwrap(), "--color", "never"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let o = ganglion(&[
        "run",
        model.to_str().unwrap(),
        "--out",
        dir.join("out").to_str().unwrap(),
        "--quiet",
    ]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let _ = std::fs::remove_dir_all(&dir);
}

/// `check` refuses what `run` would refuse before its first step: an integration method that cannot
/// integrate the equations, a connect outside the target group.
#[test]
fn check_builds_what_run_builds() {
    let dir = temp_dir("check-builds");
    let nonlinear = write_model(
        &dir,
        "nonlinear.toml",
        "[run]\nduration = \"1*ms\"\n[groups.G]\nN = 1\nmodel = \"dv/dt = -v**2/(10*ms) : 1\"\nmethod = \"exact\"\n",
    );
    let outside = write_model(
        &dir,
        "outside.toml",
        "[run]\nduration = \"1*ms\"\n[groups.G]\nN = 2\nmodel = \"v : 1\"\n[synapses.S]\nsource = \"G\"\ntarget = \"G\"\non_pre = \"v += 1\"\n[[synapses.S.connect]]\ni = [0]\nj = [5]\n",
    );
    for (model, says) in [(&nonlinear, "exact"), (&outside, "5")] {
        let o = ganglion(&["check", model.to_str().unwrap(), "--color", "never"]);
        assert_eq!(code(&o), 1, "{}", stderr(&o));
        assert!(stderr(&o).contains(says), "{}", stderr(&o));
    }
    let _ = std::fs::remove_dir_all(&dir);
}

// ----------------------------------------------------------------------------------------------------------
// Outputs

/// The names of the members of a zip archive, read from its central directory; each member's local header
/// is checked too. With `stored` members (no compression) also returns each member's bytes.
fn zip_members(bytes: &[u8]) -> Vec<(String, Option<Vec<u8>>)> {
    let u16_at = |p: usize| u16::from_le_bytes([bytes[p], bytes[p + 1]]) as usize;
    let u32_at = |p: usize| u32::from_le_bytes(bytes[p..p + 4].try_into().unwrap()) as usize;
    let eocd = (0..=bytes.len().saturating_sub(22))
        .rev()
        .find(|&p| bytes[p..p + 4] == [0x50, 0x4b, 0x05, 0x06])
        .expect("an end-of-central-directory record");
    let count = u16_at(eocd + 10);
    let mut p = u32_at(eocd + 16);
    let mut members = Vec::new();
    for _ in 0..count {
        assert_eq!(&bytes[p..p + 4], [0x50, 0x4b, 0x01, 0x02], "central header");
        let method = u16_at(p + 10);
        let compressed = u32_at(p + 20);
        let name_len = u16_at(p + 28);
        let extra_len = u16_at(p + 30);
        let comment_len = u16_at(p + 32);
        let local = u32_at(p + 42);
        let name = String::from_utf8(bytes[p + 46..p + 46 + name_len].to_vec()).unwrap();
        assert_eq!(
            &bytes[local..local + 4],
            [0x50, 0x4b, 0x03, 0x04],
            "local header of {name}"
        );
        let data_start = local + 30 + u16_at(local + 26) + u16_at(local + 28);
        let data = (method == 0 && compressed != 0xffff_ffff)
            .then(|| bytes[data_start..data_start + compressed].to_vec());
        members.push((name, data));
        p += 46 + name_len + extra_len + comment_len;
    }
    members
}

/// The header of an `.npy` file: (`descr`, `shape`).
fn npy_header(data: &[u8]) -> (String, String) {
    assert_eq!(&data[..6], b"\x93NUMPY", "npy magic");
    let (len, start) = if data[6] == 1 {
        (u16::from_le_bytes([data[8], data[9]]) as usize, 10)
    } else {
        (
            u32::from_le_bytes(data[8..12].try_into().unwrap()) as usize,
            12,
        )
    };
    let header = String::from_utf8_lossy(&data[start..start + len]).into_owned();
    let field = |key: &str| {
        let at = header
            .find(key)
            .unwrap_or_else(|| panic!("{key} in {header}"))
            + key.len();
        let rest = header[at..].trim_start_matches([':', ' ', '\'']);
        let end = if rest.starts_with('(') {
            rest.find(')').unwrap() + 1
        } else {
            rest.find('\'').unwrap()
        };
        rest[..end].to_string()
    };
    (field("'descr'"), field("'shape'"))
}

fn npz(path: &Path) -> Vec<(String, String, String)> {
    let bytes = std::fs::read(path).unwrap();
    zip_members(&bytes)
        .into_iter()
        .map(|(name, data)| match data {
            Some(d) => {
                let (descr, shape) = npy_header(&d);
                (name, descr, shape)
            }
            None => (name, String::new(), String::new()),
        })
        .collect()
}

/// A Python with numpy, if this machine has one (`GANGLION_TEST_PYTHON`, else `python3`).
fn python_with_numpy() -> Option<String> {
    let python = std::env::var("GANGLION_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
    let ok = Command::new(&python)
        .args(["-c", "import numpy"])
        .output()
        .is_ok_and(|o| o.status.success());
    ok.then_some(python)
}

/// The keys of a JSON object, sorted.
fn keys(v: &Value) -> Vec<&str> {
    let mut k: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    k.sort_unstable();
    k
}

#[test]
fn json_and_npz_outputs() {
    let out = temp_dir("outputs");
    run_ok(&example("lif.toml"), &out, &["--duration", "20*ms"]);
    let mut files: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(
        files,
        [
            "neurons.state.json",
            "neurons.state.npz",
            "rate.json",
            "rate.npz",
            "spikes.json",
            "spikes.npz",
            "trace.json",
            "trace.npz"
        ]
    );
    // JSON keys and shapes.
    let spikes = read_json(&out.join("spikes.json"));
    assert_eq!(keys(&spikes), ["count", "i", "t"]);
    let n_spikes = floats(&spikes["i"]).len();
    assert_eq!(floats(&spikes["t"]).len(), n_spikes);
    let trace = read_json(&out.join("trace.json"));
    assert_eq!(keys(&trace), ["record", "t", "v"]);
    assert_eq!(floats(&trace["t"]).len(), 200);
    let rate = read_json(&out.join("rate.json"));
    assert_eq!(keys(&rate), ["rate", "t"]);
    let state = read_json(&out.join("neurons.state.json"));
    for key in ["v", "I", "lastspike", "not_refractory"] {
        assert_eq!(floats(&state[key]).len(), 100, "{key}");
    }
    // npz: zip archives of .npy arrays with the same names and shapes.
    let spikes_npz = npz(&out.join("spikes.npz"));
    let names: Vec<&str> = spikes_npz.iter().map(|(n, _, _)| n.as_str()).collect();
    assert_eq!(names, ["i.npy", "t.npy", "count.npy"]);
    assert_eq!(spikes_npz[0].1, "<i8");
    assert_eq!(spikes_npz[1].1, "<f8");
    assert_eq!(spikes_npz[0].2, format!("({n_spikes},)"));
    assert_eq!(spikes_npz[2].2, "(100,)");
    let trace_npz = npz(&out.join("trace.npz"));
    let names: Vec<&str> = trace_npz.iter().map(|(n, _, _)| n.as_str()).collect();
    assert_eq!(names, ["t.npy", "v.npy", "record.npy"]);
    assert_eq!(trace_npz[1].2, "(3, 200)");
    let rate_npz = npz(&out.join("rate.npz"));
    let names: Vec<&str> = rate_npz.iter().map(|(n, _, _)| n.as_str()).collect();
    assert_eq!(names, ["t.npy", "rate.npy"]);
    let state_npz = npz(&out.join("neurons.state.npz"));
    for key in ["v.npy", "I.npy", "lastspike.npy", "not_refractory.npy"] {
        assert!(
            state_npz.iter().any(|(n, _, s)| n == key && s == "(100,)"),
            "{key}"
        );
    }
    // numpy, where there is one, reads the same numbers as the JSON holds.
    if let Some(python) = python_with_numpy() {
        let script = r#"
import json, sys, numpy as np
d = sys.argv[1]
for stem in ["spikes", "trace", "rate", "neurons.state"]:
    z = np.load(f"{d}/{stem}.npz")
    j = json.load(open(f"{d}/{stem}.json"))
    assert sorted(z.files) == sorted(j), (stem, z.files, list(j))
    for k in z.files:
        assert np.array_equal(z[k], np.asarray(j[k], dtype=z[k].dtype), equal_nan=True), (stem, k)
print("numpy ok")
"#;
        let o = Command::new(&python)
            .args(["-c", script, out.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "numpy could not read the outputs:\n{}",
            String::from_utf8_lossy(&o.stderr)
        );
    } else {
        eprintln!(
            "note: no python3 with numpy here; the .npz files were checked as zip archives only"
        );
    }
    let _ = std::fs::remove_dir_all(&out);
}

/// `--duration` replaces `[run] duration`; it is refused for a file with several segments.
#[test]
fn duration_override() {
    let out = temp_dir("duration");
    run_ok(
        &example("reference/subexpr_shared.toml"),
        &out,
        &["--duration", "1*ms"],
    );
    let m = read_json(&out.join("statemonitor.json"));
    assert_eq!(floats(&m["t"]).len(), 10);
    let dir = temp_dir("duration-segments");
    let text = GOOD.replace(
        "[run]\nduration = \"2*ms\"",
        "[run]\n\n[[segments]]\nduration = \"1*ms\"\n[[segments]]\nduration = \"1*ms\"",
    );
    let model = write_model(&dir, "segments.toml", &text);
    let o = ganglion(&[
        "run",
        model.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--duration",
        "1*ms",
    ]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("segments"), "{}", stderr(&o));
    let _ = std::fs::remove_dir_all(&out);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Segments: state and namespace constants set between runs take effect, like Brian2's consecutive `run()`
/// calls.
#[test]
fn segments_set_state_between_runs() {
    let dir = temp_dir("segments");
    let model = write_model(
        &dir,
        "segments.toml",
        r#"
[run]
dt = "0.1*ms"

[namespace]
rate = "10*Hz"

[groups.G]
N = 2
model = """
dx/dt = rate : 1
y : 1
"""
method = "euler"

[monitors.trace]
kind = "state"
source = "G"
variables = ["x", "y"]
record = [1]

[[segments]]
duration = "1*ms"

[[segments]]
duration = "1*ms"
set = { "G.y" = "i + 1", "rate" = "20*Hz" }

[[segments]]
duration = "0.5*ms"
set = { "G.x" = 0 }
"#,
    );
    let out = dir.join("out");
    run_ok(&model, &out, &[]);
    let trace = read_json(&out.join("trace.json"));
    let t = floats(&trace["t"]);
    assert_eq!(t.len(), 25);
    let x = &rows(&trace["x"])[0];
    let y = &rows(&trace["y"])[0];
    // 10 steps at 10 Hz, then 20 Hz; x set to 0 before the third segment (the monitor records after that).
    assert!((x[10] - 0.01).abs() < 1e-12, "{x:?}");
    assert!((x[19] - (0.01 + 9.0 * 20.0 * 1e-4)).abs() < 1e-12, "{x:?}");
    assert_eq!(x[20], 0.0, "{x:?}");
    assert!((x[24] - 4.0 * 20.0 * 1e-4).abs() < 1e-12, "{x:?}");
    assert_eq!(y[9], 0.0);
    assert_eq!(y[10], 2.0);
    let state = read_json(&out.join("G.state.json"));
    assert_eq!(floats(&state["y"]), [1.0, 2.0]);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The same seed gives the same run; another seed another one.
#[test]
fn seed_option() {
    let runs: Vec<Value> = ["1", "1", "2"]
        .iter()
        .enumerate()
        .map(|(k, seed)| {
            let out = temp_dir(&format!("seed-{k}"));
            run_ok(
                &example("lif.toml"),
                &out,
                &["--duration", "20*ms", "--seed", seed],
            );
            let v = read_json(&out.join("trace.json"));
            let _ = std::fs::remove_dir_all(&out);
            v
        })
        .collect();
    assert_eq!(runs[0], runs[1]);
    assert_ne!(runs[0], runs[2]);
}

/// A run that produces NaN stops with exit status 1, says which group, variable, neuron and step, and still
/// writes what the monitors recorded until then.
#[test]
fn nan_is_reported_and_recordings_are_written() {
    let dir = temp_dir("nan");
    let model = write_model(
        &dir,
        "nan.toml",
        r#"
[run]
duration = "50*ms"
dt = "0.1*ms"

[groups.cells]
N = 3
model = """
dv/dt = -1/ms : 1
dw/dt = sqrt(v)/ms : 1
"""
method = "euler"

[groups.cells.init]
v = "1 + i"

[monitors.w_trace]
kind = "state"
source = "cells"
variables = ["w"]
record = true
"#,
    );
    let out = dir.join("out");
    let o = ganglion(&[
        "run",
        model.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
        "--color",
        "never",
    ]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let e = stderr(&o);
    assert!(e.contains("`w`"), "{e}");
    assert!(e.contains("`cells`"), "{e}");
    assert!(e.contains("neuron 0"), "{e}");
    assert!(e.contains("NaN"), "{e}");
    assert!(e.contains("step"), "{e}");
    // v of neuron 0 falls below 0 after 10 steps: the NaN appears before the first check at step 100, and
    // the run stops there.
    assert!(e.contains("(step 100)"), "{e}");
    let trace = read_json(&out.join("w_trace.json"));
    let t = floats(&trace["t"]);
    assert_eq!(t.len(), 100);
    let w0 = &rows(&trace["w"])[0];
    assert!(w0[5].is_finite() && w0[99].is_nan(), "{w0:?}");
    assert!(out.join("w_trace.npz").exists());
    assert!(out.join("cells.state.json").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_output_that_cannot_be_written_is_an_error_naming_the_file_and_leaves_nothing_half_written() {
    let out = temp_dir("unwritable");
    // A folder where `spikes.json` should go: the rename over it fails (as a full disk or a read-only
    // folder would fail the write), whoever runs the test.
    std::fs::create_dir_all(out.join("spikes.json")).unwrap();
    let o = ganglion(&[
        "run",
        example("lif.toml").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("cannot write") && stderr(&o).contains("spikes.json"),
        "{}",
        stderr(&o)
    );
    let left: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(left.iter().all(|n| !n.contains(".tmp")), "{left:?}");
    // Nothing after the failed file either: no truncated or partial output.
    for name in &left {
        if name.ends_with(".json") && name != "spikes.json" {
            let text = std::fs::read_to_string(out.join(name)).unwrap();
            assert!(text.ends_with("}\n"), "{name} is truncated");
        }
    }
    let _ = std::fs::remove_dir_all(&out);
}

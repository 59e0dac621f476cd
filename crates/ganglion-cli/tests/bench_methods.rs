//! `ganglion bench methods`: prints a table per model and writes CSV, JSON and the charts (PNG and SVG);
//! the CSV and JSON parse and hold one row per (model, method, dt), for built-in models and a model file.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_ganglion");

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "ganglion-bench-methods-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Splits a CSV line (fields may be quoted, with `""` for a quote).
fn csv_split(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    out.push(cur);
    out
}

#[test]
fn bench_methods_writes_table_csv_json_and_charts() {
    let out = temp_dir("run");
    let model = root().join("examples/brian2/if_curve_lif.toml");
    let o = Command::new(BIN)
        .args([
            "bench",
            "methods",
            "--models",
            "decay,hh",
            "--model",
            model.to_str().unwrap(),
            "--method",
            "exact",
            "--method",
            "euler",
            "--method",
            "rk4",
            "--method",
            "mid: k = dt*f(x,t); x_new = x + dt*f(x + k/2, t + dt/2)",
            "--dt",
            "0.1*ms,0.05",
            "--duration",
            "10*ms",
            "--neurons",
            "10",
            "--timing-work",
            "1000",
            "--out",
            out.to_str().unwrap(),
        ])
        .current_dir(root())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stdout}\n{stderr}");
    for needle in [
        "== decay",
        "== hh",
        "== if_curve_lif",
        "max |err|",
        "ns/n-step",
    ] {
        assert!(stdout.contains(needle), "`{needle}` not in\n{stdout}");
    }
    // `exact` does not apply to HH: the table says why.
    assert!(stdout.contains("not applicable"), "{stdout}");

    // CSV: a header and one row per (model, method, dt) = 3 models x 4 methods x 2 dts.
    let csv = std::fs::read_to_string(out.join("methods.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    let header = csv_split(lines[0]);
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    assert_eq!(lines.len() - 1, 3 * 4 * 2, "{csv}");
    let mut keys = std::collections::HashSet::new();
    for l in &lines[1..] {
        let f = csv_split(l);
        assert_eq!(f.len(), header.len(), "{l}");
        let dt: f64 = f[col("dt_s")].parse().unwrap();
        assert!(
            keys.insert((
                f[col("model")].clone(),
                f[col("method")].clone(),
                dt.to_bits()
            )),
            "duplicate row {l}"
        );
        if f[col("status")] == "ok" {
            let e: f64 = f[col("max_abs_error")].parse().unwrap();
            let ns: f64 = f[col("ns_per_neuron_step")].parse().unwrap();
            let us: f64 = f[col("compile_us")].parse().unwrap();
            assert!(e.is_finite() && ns > 0.0 && us > 0.0, "{l}");
        }
    }
    let models: std::collections::HashSet<&str> = keys.iter().map(|k| k.0.as_str()).collect();
    assert_eq!(
        models,
        ["decay", "hh", "if_curve_lif"].into_iter().collect(),
        "{csv}"
    );
    // The user's description ran, at second order on the decay.
    let mid: Vec<Vec<String>> = lines[1..]
        .iter()
        .map(|l| csv_split(l))
        .filter(|f| f[col("model")] == "decay" && f[col("method")] == "mid")
        .collect();
    assert_eq!(mid.len(), 2);
    let order: f64 = mid[1][col("observed_order")].parse().unwrap();
    assert!((order - 2.0).abs() < 0.1, "{mid:?}");

    // JSON: the same rows, and the machine.
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("methods.json")).unwrap()).unwrap();
    let rows = json["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 3 * 4 * 2);
    assert!(json["machine"].as_str().unwrap().contains("cores"));
    let hh_rk4: Vec<&Value> = rows
        .iter()
        .filter(|r| r["model"] == "hh" && r["method"] == "rk4")
        .collect();
    assert_eq!(hh_rk4.len(), 2);
    for r in &hh_rk4 {
        assert_eq!(r["status"], "ok", "{r}");
        let limit = if r["dt_s"].as_f64().unwrap() < 0.75e-4 {
            0.01
        } else {
            0.1
        };
        assert!(r["max_abs_error"].as_f64().unwrap() < limit, "{r}");
    }

    // The charts: HH spikes, so its headline charts are of the spike-time error, and the trace's error
    // has its own chart.
    let stems = [
        "error_cost_decay",
        "error_dt_hh",
        "trace_error_cost_hh",
        "error_cost_if_curve_lif",
    ];
    for stem in stems {
        let png = std::fs::read(out.join(format!("{stem}.png"))).unwrap();
        assert_eq!(&png[1..4], b"PNG", "{stem}");
        let svg = std::fs::read_to_string(out.join(format!("{stem}.svg"))).unwrap();
        assert!(svg.contains("<svg"), "{stem}");
    }
    let svg = std::fs::read_to_string(out.join("error_dt_hh.svg")).unwrap();
    assert!(svg.contains("mean spike-time error (ms)"), "{svg}");
    let svg = std::fs::read_to_string(out.join("trace_error_cost_hh.svg")).unwrap();
    assert!(svg.contains("max |error| (mV)"), "{svg}");

    // The same charts again from methods.json, nothing measured.
    let redrawn = out.join("redrawn");
    let o = Command::new(BIN)
        .args(["bench", "methods", "--charts-from"])
        .arg(out.join("methods.json"))
        .arg("--out")
        .arg(&redrawn)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for stem in stems {
        for ext in ["png", "svg"] {
            let name = format!("{stem}.{ext}");
            assert!(redrawn.join(&name).exists(), "{name} not redrawn");
        }
    }
    let again = std::fs::read_to_string(redrawn.join("error_dt_hh.svg")).unwrap();
    assert!(again.contains("hh: spike-time error against dt"), "{again}");
    std::fs::remove_dir_all(&out).unwrap();
}

#[test]
fn bench_methods_rejects_bad_arguments() {
    for args in [
        vec!["bench", "methods", "--models", "nope"],
        vec!["bench", "methods", "--dt", "3*volt"],
        vec!["bench", "methods", "--model", "does/not/exist.toml"],
        vec!["bench", "methods", "--charts-from", "does/not/exist.json"],
    ] {
        let o = Command::new(BIN)
            .args(&args)
            .current_dir(root())
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{args:?}");
    }
}

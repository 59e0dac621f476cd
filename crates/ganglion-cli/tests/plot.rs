//! `ganglion run --plot` on the Brian2 examples (`examples/brian2/`): one PNG per monitor, plus firing rates
//! per neuron for spike monitors (against a variable with `--plot-against`); and `--seed` reaching the
//! initial values drawn with `rand()`.

use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_ganglion");

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn temp_dir(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("ganglion-plot-tests-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run(example: &str, out: &Path, extra: &[&str]) {
    let model = root().join("examples/brian2").join(example);
    let o = Command::new(BIN)
        .args([
            "run",
            model.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
        .arg("--quiet")
        .args(extra)
        .output()
        .expect("the ganglion binary runs");
    assert!(
        o.status.success(),
        "{example}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

fn assert_png(path: &Path) {
    let bytes =
        std::fs::read(path).unwrap_or_else(|e| panic!("{} was not written: {e}", path.display()));
    assert_eq!(&bytes[1..4], b"PNG", "{} is not a PNG", path.display());
    assert!(bytes.len() > 5000, "{} is nearly empty", path.display());
}

#[test]
fn spike_and_state_monitors_are_drawn() {
    let out = temp_dir("if_curve");
    run("if_curve_lif.toml", &out, &["--plot-against", "v0"]);
    assert_png(&out.join("monitor.png"));
    assert_png(&out.join("monitor_counts.png"));
    let _ = std::fs::remove_dir_all(&out);

    let out = temp_dir("phase_locking");
    run(
        "phase_locking.toml",
        &out,
        &["--plot", "--duration", "200*ms"],
    );
    for f in ["S.png", "S_counts.png", "trace.png"] {
        assert_png(&out.join(f));
    }
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn variables_recorded_at_spikes_are_drawn_against_a_parameter() {
    let out = temp_dir("touboul");
    // A shortened run is enough for the picture to exist.
    let model = std::fs::read_to_string(root().join("examples/brian2/touboul_brette_2008.toml"))
        .unwrap()
        .replace("duration = \"3*second\"", "duration = \"20*ms\"")
        .replace("start = \"3*second\"", "start = \"20*ms\"")
        .replace("duration = \"1*second\"", "duration = \"50*ms\"");
    let path = out.join("touboul.toml");
    std::fs::write(&path, model).unwrap();
    let o = Command::new(BIN)
        .args([
            "run",
            path.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
        .args(["--quiet", "--plot-against", "Vr"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for f in ["spikes.png", "spikes_counts.png", "spikes_w_start.png"] {
        assert_png(&out.join(f));
    }
    let _ = std::fs::remove_dir_all(&out);
}

/// `--seed` is applied before the network is built, so initial values drawn with `rand()` change with it.
#[test]
fn seed_reaches_initial_values() {
    let first_v = |seed: &str, k: usize| {
        let out = temp_dir(&format!("seed-{k}"));
        run(
            "phase_locking.toml",
            &out,
            &["--duration", "1*ms", "--seed", seed],
        );
        let text = std::fs::read_to_string(out.join("trace.json")).unwrap();
        let _ = std::fs::remove_dir_all(&out);
        // The first recorded value of v is its initial value.
        let v = text.split("\"v\": [[").nth(1).unwrap();
        v.split(',').next().unwrap().trim().to_string()
    };
    let (a, b, c) = (first_v("1", 0), first_v("1", 1), first_v("2", 2));
    assert_eq!(a, b);
    assert_ne!(a, c, "the initial rand() did not change with the seed");
}

//! `ganglion run --plot`: each kind of picture (raster, traces, population rate, weight histogram, firing
//! rate per neuron, values at spikes) drawn from real runs of `examples/` and read back: PNGs of the
//! right size that are neither blank nor flooded, with each series in its colour; SVGs that say what the
//! picture is (units, synapses as `i→j`, the parts of a raster). And `--seed` reaching the initial values
//! drawn with `rand()`.

use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_ganglion");

/// The first colours of ganglion-plot's palette (matplotlib's tab10), which series take in turn.
const PALETTE: [[u8; 3]; 3] = [[31, 119, 180], [255, 127, 14], [44, 160, 44]];

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
    run_model(&root().join("examples/brian2").join(example), out, extra);
}

fn run_model(model: &Path, out: &Path, extra: &[&str]) {
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
        "{}: {}",
        model.display(),
        String::from_utf8_lossy(&o.stderr)
    );
}

/// The RGB pixels of a PNG, after checking its size and that it is neither blank nor flooded.
fn assert_png(path: &Path) -> Vec<[u8; 3]> {
    let file = std::fs::File::open(path)
        .unwrap_or_else(|e| panic!("{} was not written: {e}", path.display()));
    let mut reader = png::Decoder::new(file).read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!((info.width, info.height), (1000, 625), "{}", path.display());
    let channels = info.color_type.samples();
    let pixels: Vec<[u8; 3]> = buf[..info.buffer_size()]
        .chunks(channels)
        .map(|p| [p[0], p[1], p[2]])
        .collect();
    let inked = pixels.iter().filter(|p| **p != [255, 255, 255]).count() as f64;
    let fraction = inked / pixels.len() as f64;
    assert!(
        (0.01..0.8).contains(&fraction),
        "{}: {:.1}% of the pixels are not white",
        path.display(),
        100.0 * fraction
    );
    pixels
}

fn svg(path: &Path) -> String {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{} was not written: {e}", path.display()))
}

#[test]
fn each_kind_of_picture_is_drawn_from_a_run() {
    // LIF: a raster, traces of three neurons in mV, the population rate, each neuron's rate.
    let out = temp_dir("lif");
    run_model(
        &root().join("examples/lif.toml"),
        &out,
        &["--plot-format", "both"],
    );
    for f in ["spikes", "spikes_counts", "rate"] {
        assert_png(&out.join(format!("{f}.png")));
    }
    let trace = assert_png(&out.join("trace.png"));
    for (k, c) in PALETTE.iter().enumerate() {
        assert!(trace.contains(c), "trace {k} is not drawn in its colour");
    }
    let text = svg(&out.join("trace.svg"));
    assert!(text.contains("v (mV)") && text.contains("time (ms)"));
    let text = svg(&out.join("rate.svg"));
    assert!(text.contains("population rate (Hz)") && text.contains("smoothed over"));
    let _ = std::fs::remove_dir_all(&out);

    // STDP, shortened: the weights of two synapses labelled i→j, and their histogram at the end.
    let out = temp_dir("stdp");
    run_model(
        &root().join("examples/stdp.toml"),
        &out,
        &["--plot-format", "both", "--duration", "2*second"],
    );
    assert_png(&out.join("w.png"));
    assert_png(&out.join("S_w_histogram.png"));
    let text = svg(&out.join("w.svg"));
    for label in ["synapse i→j", "0→0", "1→0", "time (ms)"] {
        assert!(text.contains(label), "w.svg lacks `{label}`");
    }
    assert!(!text.contains("neuron 0"), "synapses labelled as neurons");
    let text = svg(&out.join("S_w_histogram.svg"));
    assert!(text.contains("1\u{2009}000 synapses (input → neurons)"));
    let _ = std::fs::remove_dir_all(&out);

    // CUBA, shortened: the raster coloured by the Synapses each part of P projects through.
    let out = temp_dir("cuba");
    run_model(
        &root().join("examples/cuba.toml"),
        &out,
        &["--plot-format", "both", "--duration", "100*ms"],
    );
    let raster = assert_png(&out.join("spikes.png"));
    assert!(raster.contains(&PALETTE[0]) && raster.contains(&PALETTE[1]));
    let text = svg(&out.join("spikes.svg"));
    for label in ["0–3199: source of Ce", "3200–3999: source of Ci"] {
        assert!(text.contains(label), "spikes.svg lacks `{label}`");
    }
    let _ = std::fs::remove_dir_all(&out);
}

/// A monitor that recorded once (Brian2's exprel example evaluates its rates at one time): the values
/// across neurons, against the `--plot-against` variable.
#[test]
fn a_single_recording_is_drawn_across_neurons() {
    let out = temp_dir("exprel");
    run_model(
        &root().join("examples/models/exprel_function.toml"),
        &out,
        &["--plot-against", "v", "--plot-format", "both"],
    );
    assert_png(&out.join("rates_alpha_simple.png"));
    let text = svg(&out.join("rates_alpha_improved.svg"));
    assert!(text.contains("v (mV)") && text.contains("alpha_improved (kHz)"));
    assert!(!text.contains("time (ms)"), "drawn against time");
    let _ = std::fs::remove_dir_all(&out);
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

//! What the end-to-end tests share: the corpus of model files ([`corpus`]), Brian2's reference numbers
//! ([`reference`](mod@reference)), building and running model files ([`model_files`]), statistics of
//! spike trains ([`stats`]) and bit-for-bit comparisons of runs ([`compare`]).
//!
//! Not here: assertions about particular models (those are the tests in this folder).

use ganglion_units::Quantity;

/// A quantity written as Brian2 writes it (`"10*ms"`); panics on a typo in a test.
pub fn quantity(s: &str) -> Quantity {
    Quantity::parse(s).unwrap_or_else(|e| panic!("{s}: {e:?}"))
}

pub mod corpus {
    //! The corpus: every model file below `examples/`, one file per model. Snapshot tests, the backend and
    //! thread-count agreement tests, the benchmarks and the fuzz target all read it from there.

    use std::path::{Path, PathBuf};

    /// The workspace's root folder.
    pub fn workspace_root() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("the tests package lies inside the workspace")
            .to_path_buf()
    }

    /// The folder holding the corpus (`examples/`).
    pub fn examples_dir() -> PathBuf {
        workspace_root().join("examples")
    }

    /// A model file of the corpus, named relative to `examples/` (`"brian2/reliability.toml"`).
    pub fn example(relative: &str) -> PathBuf {
        examples_dir().join(relative)
    }

    /// Every model file of the corpus, sorted by path: the `*.toml` files below `examples/`.
    pub fn model_files() -> Vec<PathBuf> {
        let mut files = Vec::new();
        collect(&examples_dir(), &mut files);
        files.sort();
        files
    }

    fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
        let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for entry in entries {
            let entry = entry.unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
            let path = entry.path();
            let kind = entry
                .file_type()
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            if kind.is_dir() {
                collect(&path, files);
            } else if kind.is_file() && path.extension().is_some_and(|x| x == "toml") {
                files.push(path);
            }
        }
    }

    /// How many neurons a model file's groups have together: the largest models (Kremer et al.'s 31 000
    /// neurons, Vogels et al.'s 10 000) are left to their own tests in `network_examples.rs` by the tests
    /// that run the whole corpus several times.
    pub fn neurons(file: &ganglion_modelfile::ModelFile) -> i64 {
        file.groups
            .iter()
            .filter_map(|g| g.n.as_ref())
            .map(|n| n.value)
            .sum()
    }

    /// The name of a model file for messages: its path below `examples/` (`"brian2/reliability.toml"`).
    pub fn name(path: &Path) -> String {
        path.strip_prefix(examples_dir())
            .unwrap_or(path)
            .display()
            .to_string()
    }
}

pub mod reference {
    //! Brian2's numbers: the JSON files below `tests/reference/`, made by the `ref_*.py` scripts there.

    use serde_json::Value;

    use crate::corpus::workspace_root;

    /// `tests/reference/<set>/<name>.json` (`reference("synapses", "cuba")`).
    pub fn reference(set: &str, name: &str) -> Value {
        let path = workspace_root().join(format!("tests/reference/{set}/{name}.json"));
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    /// A JSON array of numbers.
    pub fn floats(v: &Value) -> Vec<f64> {
        v.as_array()
            .unwrap_or_else(|| panic!("not an array: {v}"))
            .iter()
            .map(|x| x.as_f64().unwrap_or_else(|| panic!("not a number: {x}")))
            .collect()
    }

    /// A JSON array of integers.
    pub fn ints(v: &Value) -> Vec<i64> {
        v.as_array()
            .unwrap_or_else(|| panic!("not an array: {v}"))
            .iter()
            .map(|x| x.as_i64().unwrap_or_else(|| panic!("not an integer: {x}")))
            .collect()
    }

    /// A JSON array of indices (written as numbers).
    pub fn indices(v: &Value) -> Vec<usize> {
        floats(v).into_iter().map(|x| x as usize).collect()
    }
}

pub mod model_files {
    //! Building a network from a model file and running what the file asks for, as `ganglion run` does.

    use std::path::Path;

    use ganglion::{BackendChoice, MonitorHandle, Network, RunPlan};
    use ganglion_modelfile::{LoadError, ModelFile};

    /// Reads a model file; panics with the rendered diagnostics if it is not one.
    pub fn load(path: &Path) -> ModelFile {
        match ModelFile::load(path) {
            Ok(file) => file,
            Err(LoadError::Invalid {
                sources,
                diagnostics,
            }) => panic!("{}", sources.render(&diagnostics, false)),
            Err(LoadError::Io(e)) => panic!("{}: {e}", path.display()),
        }
    }

    /// Builds the network a model file describes; `None` for a file using a feature that is not supported
    /// yet. Panics (with the rendered diagnostics) on any other error; `what` names the file.
    pub fn build_if_supported(
        file: ModelFile,
        backend: BackendChoice,
        what: &str,
    ) -> Option<(Network, RunPlan)> {
        match Network::from_model_file(file, backend) {
            Ok(x) => Some(x),
            Err(ganglion::Error::Model(d)) if d.to_string().contains("not supported yet") => None,
            Err(ganglion::Error::Model(d)) => panic!("{what}:\n{d}"),
            Err(e) => panic!("{what}: {e}"),
        }
    }

    /// Builds the network a model file describes; panics (with the rendered diagnostics) if it cannot.
    pub fn build(file: ModelFile, backend: BackendChoice, what: &str) -> (Network, RunPlan) {
        build_if_supported(file, backend, what)
            .unwrap_or_else(|| panic!("{what} uses a feature that is not supported yet"))
    }

    /// Runs what the model file asks for: its segments in order, each after its changes of state. With a
    /// `limit`, stops after that much simulated time (seconds), cutting the last segment short.
    pub fn run_segments(net: &mut Network, plan: &RunPlan, limit: Option<f64>) {
        let mut left = limit.unwrap_or(f64::INFINITY);
        for segment in &plan.segments {
            for op in &segment.set {
                net.apply(op).unwrap_or_else(|e| panic!("{e}"));
            }
            let duration = segment.duration.min(left);
            net.run(duration).unwrap_or_else(|e| panic!("{e}"));
            left -= duration;
            if left <= 0.0 {
                break;
            }
        }
    }

    /// Builds and runs a model file of the corpus (`examples/<relative>`) on `backend`.
    pub fn run_example(relative: &str, backend: BackendChoice) -> Network {
        let path = crate::corpus::example(relative);
        let (mut net, plan) = build(load(&path), backend, relative);
        run_segments(&mut net, &plan, None);
        net
    }

    /// The monitor called `name`.
    pub fn monitor(net: &Network, name: &str) -> MonitorHandle {
        net.monitors()
            .into_iter()
            .find(|m| net.monitor_name(*m) == name)
            .unwrap_or_else(|| panic!("no monitor `{name}`"))
    }
}

pub mod stats {
    //! Statistics of values and spike trains, as the reference scripts compute them with numpy
    //! (`tests/reference/brian2_examples/common.py`).

    use std::collections::BTreeMap;

    use serde_json::Value;

    /// The mean.
    pub fn mean(xs: &[f64]) -> f64 {
        xs.iter().sum::<f64>() / xs.len() as f64
    }

    /// The standard deviation with ddof = 0 (numpy's default).
    pub fn sd(xs: &[f64]) -> f64 {
        let m = mean(xs);
        (xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / xs.len() as f64).sqrt()
    }

    /// The inter-spike intervals of one spike train.
    fn isis(train: &[f64]) -> Vec<f64> {
        train.windows(2).map(|w| w[1] - w[0]).collect()
    }

    /// The mean inter-spike interval over all trains (0 without intervals).
    pub fn mean_isi(trains: &[Vec<f64>]) -> f64 {
        let all: Vec<f64> = trains.iter().flat_map(|tr| isis(tr)).collect();
        if all.is_empty() { 0.0 } else { mean(&all) }
    }

    /// The mean over the trains with 3 spikes or more of each train's coefficient of variation of its
    /// inter-spike intervals (0 without such trains).
    pub fn isi_cv(trains: &[Vec<f64>]) -> f64 {
        let cvs: Vec<f64> = trains
            .iter()
            .filter(|tr| tr.len() >= 3)
            .map(|tr| {
                let isi = isis(tr);
                sd(&isi) / mean(&isi)
            })
            .collect();
        if cvs.is_empty() { 0.0 } else { mean(&cvs) }
    }

    /// The standard deviation of the first spike times (trains without spikes left out).
    pub fn first_spike_sd(trains: &[Vec<f64>]) -> f64 {
        let first: Vec<f64> = trains.iter().filter_map(|tr| tr.first().copied()).collect();
        sd(&first)
    }

    /// The mean over spikes at `t >= t0` of the fraction of the other neurons with a spike within
    /// ±`window`.
    pub fn coincidence(trains: &[Vec<f64>], window: f64, t0: f64) -> f64 {
        let n = trains.len();
        let (mut total, mut spikes) = (0.0, 0usize);
        for (k, tr) in trains.iter().enumerate() {
            for &t in tr.iter().filter(|t| **t >= t0) {
                let others = trains
                    .iter()
                    .enumerate()
                    .filter(|(j, tj)| {
                        *j != k
                            && tj
                                .iter()
                                .any(|s| *s >= t - window - 1e-12 && *s <= t + window + 1e-12)
                    })
                    .count();
                total += others as f64 / (n - 1) as f64;
                spikes += 1;
            }
        }
        if spikes == 0 {
            0.0
        } else {
            total / spikes as f64
        }
    }

    /// Compares the mean of each statistic over Ganglion's runs with Brian2's statistics over seeds
    /// (`{"mean", "sd" or "std", "n"}` per statistic); `names` picks some, or all of `reference` if empty.
    pub fn assert_stats(
        label: &str,
        runs: &[BTreeMap<String, f64>],
        reference: &Value,
        names: &[&str],
    ) {
        let k = runs.len() as f64;
        let mut report = Vec::new();
        let mut failed = false;
        let all: Vec<String> = if names.is_empty() {
            reference.as_object().unwrap().keys().cloned().collect()
        } else {
            names.iter().map(|s| s.to_string()).collect()
        };
        for name in &all {
            let st = &reference[name.as_str()];
            let values: Vec<f64> = runs
                .iter()
                .map(|r| {
                    *r.get(name)
                        .unwrap_or_else(|| panic!("{label}: no statistic `{name}`"))
                })
                .collect();
            let got = mean(&values);
            let m = st["mean"].as_f64().unwrap();
            let s = st
                .get("sd")
                .or_else(|| st.get("std"))
                .and_then(Value::as_f64)
                .unwrap();
            let n = st["n"].as_f64().unwrap();
            let tol = 4.0 * s * (1.0 / k + 1.0 / n).sqrt();
            let ok = (got - m).abs() <= tol;
            failed |= !ok;
            report.push(format!(
                "{} {name}: Ganglion {got:.6} (mean of {k} runs), Brian2 {m:.6} ± {tol:.6}",
                if ok { "ok  " } else { "FAIL" }
            ));
        }
        assert!(!failed, "{label}:\n{}", report.join("\n"));
        eprintln!("{label}:\n{}", report.join("\n"));
    }
}

pub mod compare {
    //! Runs compared bit for bit: whatever the backend or the thread count, the same model leaves the same
    //! bits behind.

    use ganglion::Network;

    /// The bits of each value, every NaN the same.
    pub fn bits(x: &[f64]) -> Vec<u64> {
        x.iter()
            .map(|v| {
                if v.is_nan() {
                    0x7ff8 << 48
                } else {
                    v.to_bits()
                }
            })
            .collect()
    }

    /// Everything a run leaves, as bits: each group's state, and each monitor's spikes and recordings.
    pub fn fingerprint(net: &Network) -> Vec<(String, Vec<u64>)> {
        let mut out = Vec::new();
        for g in net.groups() {
            for (var, values, _) in net.group_state(g) {
                out.push((format!("{}.{var}", net.group_name(g)), bits(&values)));
            }
        }
        for m in net.monitors() {
            if let Some(d) = net.spike_data(m) {
                out.push((
                    format!("{} i", net.monitor_name(m)),
                    d.i.iter().map(|&i| i as u64).collect(),
                ));
                out.push((format!("{} t", net.monitor_name(m)), bits(&d.t)));
            }
            if let Some(d) = net.state_data(m) {
                for (var, rows) in &d.values {
                    for r in rows {
                        out.push((format!("{} {var}", net.monitor_name(m)), bits(r)));
                    }
                }
            }
        }
        out
    }

    /// Asserts that two runs of the same model left the same bits everywhere; `what` names the model and
    /// `how` what differs between the runs (`"between backends"`).
    pub fn assert_same_run(what: &str, how: &str, a: &Network, b: &Network) {
        let (a, b) = (fingerprint(a), fingerprint(b));
        for ((name, x), (_, y)) in a.iter().zip(&b) {
            assert!(x == y, "{what}: `{name}` differs {how}");
        }
        assert_eq!(a.len(), b.len(), "{what}: different state {how}");
    }
}

//! The JIT against the interpreter (the oracle): every model of the corpus, run for a while on both
//! backends from the same seed, gives bit-identical spikes, recordings and final state.

use ganglion::{BackendChoice, Network};
use ganglion_modelfile::ModelFile;

/// Simulated time per model: enough for spikes, resets and refractoriness in most models.
const DURATION: f64 = 0.02;

fn run(path: &std::path::Path, backend: BackendChoice) -> Option<Network> {
    let file = ModelFile::load(path).unwrap();
    let (mut net, plan) = match Network::from_model_file(file, backend) {
        Ok(x) => x,
        // Models using features that are not there yet (linked variables) are skipped; the
        // corpus test asserts they at least check clean.
        Err(ganglion::Error::Model { rendered, .. }) if rendered.contains("not supported yet") => {
            return None;
        }
        Err(e) => panic!("{}: {e}", path.display()),
    };
    net.set_check_interval(0);
    let mut left = DURATION;
    for seg in &plan.segments {
        for op in &seg.set {
            net.apply(op).unwrap();
        }
        let d = seg.duration.min(left);
        net.run(d)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        left -= d;
        if left <= 0.0 {
            break;
        }
    }
    Some(net)
}

fn same_bits(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()))
}

#[test]
fn corpus_models_agree_bit_for_bit() {
    let mut compared = 0;
    for path in ganglion_grammar::example_files() {
        let Some(jit) = run(&path, BackendChoice::Jit) else {
            continue;
        };
        let interp = run(&path, BackendChoice::Interpreter).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        for g in jit.groups() {
            for ((var, a, _), (_, b, _)) in jit.group_state(g).iter().zip(interp.group_state(g)) {
                assert!(
                    same_bits(a, &b),
                    "{name}: `{}.{var}` differs between backends",
                    jit.group_name(g)
                );
            }
        }
        for m in jit.monitors() {
            if let (Some(a), Some(b)) = (jit.spike_data(m), interp.spike_data(m)) {
                assert_eq!(
                    a.i,
                    b.i,
                    "{name}: spike indices of `{}` differ",
                    jit.monitor_name(m)
                );
                assert!(same_bits(&a.t, &b.t), "{name}: spike times differ");
            }
            if let (Some(a), Some(b)) = (jit.state_data(m), interp.state_data(m)) {
                for ((var, x), (_, y)) in a.values.iter().zip(&b.values) {
                    for (r, s) in x.iter().zip(y) {
                        assert!(same_bits(r, s), "{name}: recording of `{var}` differs");
                    }
                }
            }
        }
        compared += 1;
    }
    assert!(
        compared >= 30,
        "only {compared} corpus models could be compared"
    );
}

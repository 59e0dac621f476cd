//! The JIT against the interpreter (the oracle): every model of the corpus, run for a while on both
//! backends from the same seed, gives bit-identical spikes, recordings and final state.

use ganglion::{BackendChoice, Network};
use ganglion_modelfile::ModelFile;
use ganglion_tests::compare::{assert_same_run, bits};
use ganglion_tests::corpus;
use ganglion_tests::model_files::{build_if_supported, load, run_segments};

/// Simulated time per model: enough for spikes, resets and refractoriness in most models.
const DURATION: f64 = 0.02;

/// Models with more neurons than this are left to their own tests (`network_examples.rs` builds and
/// runs them against Brian2): on the interpreter they would take minutes.
const MAX_NEURONS: i64 = 8000;

/// Runs a model file for [`DURATION`] (or its own duration, if shorter); `None` for a model using a
/// feature that is not supported yet (the corpus test asserts such models at least check clean), or too
/// large for the interpreter ([`MAX_NEURONS`]).
fn run_file(file: ModelFile, backend: BackendChoice, what: &str) -> Option<Network> {
    if corpus::neurons(&file) > MAX_NEURONS {
        return None;
    }
    let (mut net, plan) = build_if_supported(file, backend, what)?;
    net.set_check_interval(0);
    run_segments(&mut net, &plan, Some(DURATION));
    Some(net)
}

#[test]
fn corpus_models_agree_bit_for_bit() {
    let mut compared = 0;
    for path in corpus::model_files() {
        let name = corpus::name(&path);
        let Some(jit) = run_file(load(&path), BackendChoice::Jit, &name) else {
            continue;
        };
        let interp = run_file(load(&path), BackendChoice::Interpreter, &name).unwrap();
        assert_same_run(&name, "between backends", &jit, &interp);
        compared += 1;
    }
    assert!(
        compared >= 30,
        "only {compared} corpus models could be compared"
    );
}

/// The corpus with every neuron group in `float32`: the JIT's two-lane loop carries `f32` values in
/// `f32x4` registers and converts to and from `f64x2`; the interpreter rounds each operation. Same bits.
#[test]
fn float32_corpus_models_agree_bit_for_bit() {
    let mut compared = 0;
    for path in corpus::model_files() {
        let text = std::fs::read_to_string(&path).unwrap();
        if text.contains("dtype") {
            continue;
        }
        let mut out = String::new();
        for line in text.lines() {
            out.push_str(line);
            out.push('\n');
            let t = line.trim();
            if t.starts_with("[groups.")
                && t.ends_with(']')
                && t[8..t.len() - 1]
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == '_')
            {
                out.push_str("dtype = \"float32\"\n");
            }
        }
        let name = format!("{} (float32)", corpus::name(&path));
        let dir = path.parent().map(|d| d.to_path_buf());
        let load = || ModelFile::parse_in(&name, &out, dir.clone()).unwrap();
        let Some(jit) = run_file(load(), BackendChoice::Jit, &name) else {
            continue;
        };
        let interp = run_file(load(), BackendChoice::Interpreter, &name).unwrap();
        assert_same_run(&name, "between backends", &jit, &interp);
        compared += 1;
    }
    assert!(
        compared >= 20,
        "only {compared} float32 corpus models could be compared"
    );
}

/// `exp`, `expm1` and `exprel` are computed inline by the JIT (on f64x2 lanes in the wide loop, on one
/// f64 in the tail and in float32 models): the same bits as the interpreter at the edges of their domains.
#[test]
fn exponentials_agree_bit_for_bit_at_the_edges() {
    let mut xs = vec![
        0.0,
        -0.0,
        1e-300,
        -1e-17,
        1e-16,
        1e-9,
        -0.3465,
        0.3466,
        0.3467,
        -0.3467,
        1.0,
        -1.0,
        39.999,
        40.0,
        -40.0,
        -40.001,
        700.0,
        709.78,
        709.79,
        710.0,
        716.9,
        717.1,
        -708.0,
        -740.0,
        -745.1,
        -745.2,
        -746.5,
        1e308,
        -1e308,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
    ];
    for k in -400..400 {
        xs.push(k as f64 * 0.0371);
    }
    // An odd count: the last neuron goes through the one-neuron tail of the loop.
    if xs.len() % 2 == 0 {
        xs.push(0.125);
    }
    let model = "x : 1\n ex : 1\n m : 1\n r : 1\n e32 : 1\n";
    let results: Vec<Vec<Vec<f64>>> = [BackendChoice::Jit, BackendChoice::Interpreter]
        .into_iter()
        .map(|backend| {
            let mut net = Network::new(backend);
            net.set_check_interval(0);
            let g = net
                .add_group(ganglion::NeuronGroup::new(xs.len(), model).float32_variable("e32"))
                .unwrap();
            net.set(g, "x", xs.clone()).unwrap();
            // Two operations: a kernel touching float32 runs one neuron at a time.
            net.run_regularly(
                g,
                "ex = exp(x)\nm = expm1(x)\nr = exprel(x)",
                None,
                None,
                None,
            )
            .unwrap();
            net.run_regularly(g, "e32 = exp(x)", None, None, None)
                .unwrap();
            net.run(1e-4).unwrap();
            ["ex", "m", "r", "e32"]
                .iter()
                .map(|v| net.state(g, v).unwrap())
                .collect()
        })
        .collect();
    for (k, var) in ["ex", "m", "r", "e32"].iter().enumerate() {
        for (i, (a, b)) in results[0][k].iter().zip(&results[1][k]).enumerate() {
            assert!(
                bits(&[*a]) == bits(&[*b]),
                "{var} at x = {}: JIT {a:e}, interpreter {b:e}",
                xs[i]
            );
        }
    }
    // And the values are the functions' values.
    let e = &results[0][0];
    assert_eq!(e[0], 1.0);
    assert!((e[10] - std::f64::consts::E).abs() < 1e-15);
    assert_eq!(results[0][2][0], 1.0);
}

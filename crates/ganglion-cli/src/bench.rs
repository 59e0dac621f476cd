//! `ganglion bench`: benchmarks that report, never assert.

use std::process::ExitCode;

use ganglion::BackendChoice;
use ganglion_bench::throughput::{Model, bandwidth_loop, measure, steps_for};

/// Which benchmark.
#[derive(clap::Subcommand)]
pub enum Which {
    /// Nanoseconds per neuron and step for LIF and HH groups, compile time per group, and a
    /// memory-bandwidth loop over the same bytes as LIF, measured in the same run.
    Throughput {
        /// Group sizes.
        #[arg(
            long,
            value_delimiter = ',',
            default_value = "1000,10000,100000,1000000"
        )]
        n: Vec<usize>,
        /// Models (`lif`, `hh`).
        #[arg(long, value_delimiter = ',', default_value = "lif,hh")]
        models: Vec<String>,
        /// Also run the interpreter (slow; small groups only).
        #[arg(long)]
        interp: bool,
    },
}

/// Runs a benchmark and prints its table.
pub fn run(which: Which) -> ExitCode {
    match which {
        Which::Throughput { n, models, interp } => throughput(&n, &models, interp),
    }
}

fn throughput(sizes: &[usize], models: &[String], interp: bool) -> ExitCode {
    let mut parsed = Vec::new();
    for m in models {
        match Model::parse(m) {
            Some(x) => parsed.push(x),
            None => {
                eprintln!("error: unknown model `{m}` (the models are `lif` and `hh`)");
                return ExitCode::from(2);
            }
        }
    }
    println!(
        "{:<6} {:<7} {:>9} {:>8} {:>12} {:>10} {:>16} {:>10}",
        "model", "backend", "N", "steps", "prepare ms", "run s", "ns/neuron-step", "spikes"
    );
    let mut lif_rows = Vec::new();
    for &model in &parsed {
        for &n in sizes {
            let hh_cap = model == Model::Hh && n > 100_000;
            if hh_cap {
                continue;
            }
            let mut backends = vec![BackendChoice::Jit];
            if interp && n <= 10_000 {
                backends.push(BackendChoice::Interpreter);
            }
            for backend in backends {
                let steps = if backend == BackendChoice::Interpreter {
                    (steps_for(n, model) / 50).max(20)
                } else {
                    steps_for(n, model)
                };
                match measure(model, n, steps, backend) {
                    Ok(r) => {
                        println!(
                            "{:<6} {:<7} {:>9} {:>8} {:>12.2} {:>10.3} {:>16.3} {:>10}",
                            model.name(),
                            r.backend,
                            r.n,
                            r.steps,
                            r.prepare_s * 1e3,
                            r.run_s,
                            r.ns_per_neuron_step(),
                            r.spikes
                        );
                        if model == Model::Lif && backend == BackendChoice::Jit {
                            lif_rows.push(r);
                        }
                    }
                    Err(e) => {
                        eprintln!("error: {e}");
                        return ExitCode::from(1);
                    }
                }
            }
        }
    }
    if let Some(big) = lif_rows.iter().max_by_key(|r| r.n) {
        let loop_ns = bandwidth_loop(big.n, big.steps);
        println!();
        println!(
            "memory-bandwidth loop over LIF's bytes, N = {}: {:.3} ns/element-step; LIF / loop = {:.2}",
            big.n,
            loop_ns,
            big.ns_per_neuron_step() / loop_ns
        );
    }
    ExitCode::SUCCESS
}

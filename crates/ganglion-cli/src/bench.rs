//! `ganglion bench`: benchmarks that report, never assert.

use std::path::PathBuf;
use std::process::ExitCode;

use ganglion::BackendChoice;
use ganglion_bench::methods;
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
        /// Models: `lif`, `hh` (one group), `cuba`, `cobahh` (Brian2's benchmark networks, 80 synapses
        /// per neuron).
        #[arg(long, value_delimiter = ',', default_value = "lif,hh")]
        models: Vec<String>,
        /// Also run the interpreter (slow; small groups only).
        #[arg(long)]
        interp: bool,
        /// Thread counts to measure (speed-ups are over the first).
        #[arg(long, value_delimiter = ',', default_value = "1")]
        threads: Vec<usize>,
    },
    /// Integration methods compared: for each model, method and time step, the error against a reference
    /// solution (analytic, or rk4 at dt/100), the cost (ns per neuron-step) and the compile time.
    /// Prints a table per model and writes methods.csv, methods.json and log-log charts (error against
    /// cost, error against dt; PNG and SVG) into the output folder.
    ///
    /// Built-in models: decay, lif (driven below threshold), osc (damped oscillator), lin (sinusoidal
    /// drive), hh (Hodgkin-Huxley, reference rk4 at dt/100), gbm (multiplicative noise: strong error on
    /// the same Brownian path), ou (additive noise: weak error of mean and variance).
    Methods {
        /// Model files to compare methods on (each group's method and dt are replaced; the reference is
        /// rk4 at dt/100). With `--model`, built-in models run only when named in `--models`.
        #[arg(long = "model", value_name = "FILE")]
        model: Vec<PathBuf>,
        /// Built-in models (default: all of them unless `--model` is given).
        #[arg(long, value_delimiter = ',')]
        models: Vec<String>,
        /// A method (repeatable): a name, or `NAME: LINE; LINE; x_new = ...`, a description in
        /// Brian2's language.
        /// Default: exact, euler, rk2, rk4, heun, milstein, exponential_euler and rk3_user (Kutta's
        /// third-order method as a description).
        #[arg(long = "method", value_name = "METHOD")]
        method: Vec<String>,
        /// Time steps, e.g. `0.1*ms,0.05*ms` (a plain number is in ms). Default: each model's own
        /// range (a model file's own dt).
        #[arg(long, value_delimiter = ',', value_name = "LIST")]
        dt: Vec<String>,
        /// Simulated time, e.g. `50*ms` (default: each model's own).
        #[arg(long)]
        duration: Option<String>,
        /// Neurons per group for the built-in models (the OU model uses 100 times as many).
        #[arg(long, default_value_t = 1000)]
        neurons: usize,
        /// Model files: the variable compared (default: each group's first differential equation).
        #[arg(long)]
        variable: Option<String>,
        /// The seed of the random streams.
        #[arg(long, default_value_t = 4321)]
        seed: u64,
        /// Neuron-steps per timed run: after the run that measures the error, 5 runs of this many
        /// neuron-steps are timed and the fastest gives the cost.
        #[arg(long, default_value_t = 2e6)]
        timing_work: f64,
        /// Where to write methods.csv, methods.json and the charts.
        #[arg(long, default_value = "out/bench-methods")]
        out: PathBuf,
        /// Measure nothing: redraw the charts from the methods.json of an earlier run (into `--out`).
        #[arg(long, value_name = "METHODS_JSON")]
        charts_from: Option<PathBuf>,
    },
}

/// Runs a benchmark and prints its table.
pub fn run(which: Which) -> ExitCode {
    match which {
        Which::Throughput {
            n,
            models,
            interp,
            threads,
        } => throughput(&n, &models, interp, &threads),
        Which::Methods {
            out,
            charts_from: Some(json),
            ..
        } => redraw_charts(&json, &out),
        Which::Methods {
            model,
            models,
            method,
            dt,
            duration,
            neurons,
            variable,
            seed,
            timing_work,
            out,
            charts_from: None,
        } => methods_bench(MethodsArgs {
            files: model,
            models,
            methods: method,
            dts: dt,
            duration,
            neurons,
            variable,
            seed,
            timing_work,
            out,
        }),
    }
}

struct MethodsArgs {
    files: Vec<PathBuf>,
    models: Vec<String>,
    methods: Vec<String>,
    dts: Vec<String>,
    duration: Option<String>,
    neurons: usize,
    variable: Option<String>,
    seed: u64,
    timing_work: f64,
    out: PathBuf,
}

/// Redraws the charts of `ganglion bench methods` from a methods.json.
fn redraw_charts(json: &std::path::Path, out: &std::path::Path) -> ExitCode {
    let reports = match methods::read_reports(json) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let written = std::fs::create_dir_all(out)
        .map_err(|e| format!("cannot create `{}`: {e}", out.display()))
        .and_then(|()| methods::write_charts(&reports, out));
    match written {
        Ok(files) => {
            println!(
                "drew the charts of {} models into {} ({} files, PNG and SVG)",
                reports.len(),
                out.display(),
                files.len()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}

/// A time: a quantity with units (`0.1*ms`) or a plain number of milliseconds.
fn parse_time(s: &str) -> Result<f64, String> {
    let s = s.trim();
    if let Ok(ms) = s.parse::<f64>() {
        return Ok(ms * 1e-3);
    }
    match ganglion_units::Quantity::parse(s) {
        Ok(q) if q.dim == ganglion_units::Dimension::TIME && q.value > 0.0 => Ok(q.value),
        _ => Err(format!(
            "`{s}` is not a positive time (write e.g. `0.1*ms`, or a plain number of ms)"
        )),
    }
}

fn methods_bench(args: MethodsArgs) -> ExitCode {
    let usage = |m: String| {
        eprintln!("error: {m}");
        ExitCode::from(2)
    };
    let mut config = methods::Config {
        neurons: args.neurons.max(1),
        seed: args.seed,
        variable: args.variable,
        min_work: args.timing_work.max(0.0),
        ..methods::Config::default()
    };
    if !args.methods.is_empty() {
        let mut ms = Vec::new();
        for m in &args.methods {
            match methods::Method::parse_arg(m) {
                Ok(m) => ms.push(m),
                Err(e) => return usage(e),
            }
        }
        config.methods = ms;
    }
    if !args.dts.is_empty() {
        let mut dts = Vec::new();
        for d in &args.dts {
            match parse_time(d) {
                Ok(v) => dts.push(v),
                Err(e) => return usage(e),
            }
        }
        config.dts = Some(dts);
    }
    if let Some(d) = &args.duration {
        match parse_time(d) {
            Ok(v) => config.duration = Some(v),
            Err(e) => return usage(e),
        }
    }
    let mut builtins = Vec::new();
    for m in &args.models {
        match methods::Builtin::parse(m) {
            Some(b) => builtins.push(b),
            None => {
                let names: Vec<&str> = methods::Builtin::ALL.iter().map(|b| b.name()).collect();
                return usage(format!(
                    "unknown model `{m}` (the built-in models are {})",
                    names.join(", ")
                ));
            }
        }
    }
    if builtins.is_empty() && args.files.is_empty() {
        builtins = methods::Builtin::ALL.to_vec();
    }
    let mut files = Vec::new();
    for path in &args.files {
        match methods::FileModel::load(path) {
            Ok(f) => files.push(f),
            Err(e) => {
                eprint!("{e}");
                eprintln!("error: cannot use `{}`", path.display());
                return ExitCode::from(if path.exists() { 1 } else { 2 });
            }
        }
    }
    println!("machine: {}", methods::machine());
    println!(
        "ganglion bench methods: {} neurons per group (timed), seed {}; timings on a shared machine are noisy\n",
        config.neurons, config.seed
    );
    let mut reports = Vec::new();
    for b in builtins {
        let r = methods::run_builtin(b, &config);
        println!("{}", methods::table(&r));
        reports.push(r);
    }
    for f in &files {
        let r = methods::run_file(f, &config);
        println!("{}", methods::table(&r));
        reports.push(r);
    }
    match methods::write_outputs(&reports, &config, &args.out) {
        Ok(written) => {
            println!(
                "wrote {} files to {} (methods.csv, methods.json, error_cost_*.png/svg, error_dt_*.png/svg, trace_error_cost_*.png/svg for spiking models)",
                written.len(),
                args.out.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}

fn throughput(sizes: &[usize], models: &[String], interp: bool, threads: &[usize]) -> ExitCode {
    let mut parsed = Vec::new();
    for m in models {
        match Model::parse(m) {
            Some(x) => parsed.push(x),
            None => {
                eprintln!(
                    "error: unknown model `{m}` (the models are `lif`, `hh`, `cuba` and `cobahh`)"
                );
                return ExitCode::from(2);
            }
        }
    }
    println!(
        "{:<6} {:<7} {:>9} {:>8} {:>7} {:>12} {:>18} {:>10} {:>16} {:>8} {:>10}",
        "model",
        "backend",
        "N",
        "steps",
        "threads",
        "prepare ms",
        "compile ms (n)",
        "run s",
        "ns/neuron-step",
        "speed-up",
        "spikes"
    );
    let mut lif_rows = Vec::new();
    for &model in &parsed {
        for &n in sizes {
            let hh_cap = matches!(model, Model::Hh | Model::Cobahh) && n > 100_000;
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
                let mut first: Option<(f64, usize)> = None;
                for &t in threads {
                    match measure(model, n, steps, backend, t) {
                        Ok(r) => {
                            let base = *first.get_or_insert((r.run_s, r.spikes));
                            if r.spikes != base.1 {
                                eprintln!(
                                    "error: {} spikes with {t} threads, {} with {}",
                                    r.spikes, base.1, threads[0]
                                );
                                return ExitCode::from(1);
                            }
                            println!(
                                "{:<6} {:<7} {:>9} {:>8} {:>7} {:>12.2} {:>18} {:>10.3} {:>16.3} {:>8.2} {:>10}",
                                model.name(),
                                r.backend,
                                r.n,
                                r.steps,
                                t,
                                r.prepare_s * 1e3,
                                format!("{:.2} ({})", r.compile_s * 1e3, r.kernels),
                                r.run_s,
                                r.ns_per_neuron_step(),
                                base.0 / r.run_s,
                                r.spikes
                            );
                            if model == Model::Lif
                                && backend == BackendChoice::Jit
                                && t == threads[0]
                            {
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

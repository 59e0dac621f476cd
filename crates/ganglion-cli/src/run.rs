//! `ganglion run MODEL.toml [--out DIR] [--backend jit|interp] [--seed N] [--duration D] [--plot]`.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use ganglion::{BackendChoice, Error, Network, Progress, Report, RunPlan};

use crate::check::{ColorChoice, load, report};

/// Options of `ganglion run`.
pub struct RunOptions {
    /// Where to write results.
    pub out: PathBuf,
    /// The kernel engine.
    pub backend: BackendChoice,
    /// Overrides `[run] seed`.
    pub seed: Option<u64>,
    /// Overrides `[run] threads`.
    pub threads: Option<usize>,
    /// Overrides `[run] duration`.
    pub duration: Option<String>,
    /// Show a progress bar (when standard error is a terminal).
    pub progress: bool,
    /// Draw each monitor as PNG.
    pub plot: bool,
    /// Draw firing rates against this variable.
    pub plot_against: Option<String>,
    /// The pictures' file format.
    pub plot_format: crate::plot::PlotFormat,
    /// Colour diagnostics.
    pub color: ColorChoice,
}

fn available_memory() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

fn human(bytes: u64) -> String {
    let gib = bytes as f64 / (1u64 << 30) as f64;
    if gib >= 1.0 {
        format!("{gib:.1} GiB")
    } else {
        format!("{:.1} MiB", bytes as f64 / (1u64 << 20) as f64)
    }
}

/// Runs a model file and writes its results.
pub fn run(path: &Path, options: RunOptions) -> ExitCode {
    match run_model(path, &options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(code) => code,
    }
}

/// Builds the network, runs its segments and writes what was recorded (also after a failed run); the
/// exit code on failure, with what went wrong already printed.
fn run_model(path: &Path, options: &RunOptions) -> Result<(), ExitCode> {
    let (mut net, mut plan, plots) = build(path, options)?;
    if let Some(d) = &options.duration {
        override_duration(&mut plan, d)?;
    }
    if plan.segments.is_empty() {
        eprintln!(
            "error: the model file says how long to run neither in `[run] duration` nor in `[[segments]]`"
        );
        eprintln!("hint: add `duration = \"1*second\"` under `[run]`, or give `--duration`");
        return Err(ExitCode::from(2));
    }
    let total = plan.duration();
    check_memory(&net, total)?;
    let stop = Arc::new(AtomicBool::new(false));
    {
        let stop = stop.clone();
        let _ = ctrlc::set_handler(move || stop.store(true, Ordering::Relaxed));
    }
    net.set_stop_flag(stop);
    let started = Instant::now();
    let failure = simulate(&mut net, &plan, total, options.progress);
    let elapsed = started.elapsed().as_secs_f64();
    let written = write_outputs(&net, &options.out, plots.as_ref());
    match &written {
        Ok(files) => eprintln!(
            "{}: simulated {} s in {elapsed:.3} s ({} backend); wrote {} files to {}",
            path.display(),
            // (Segment durations add up with rounding: 0.15000000000000002 s reads as 0.15 s.)
            format!("{:.9}", net.t())
                .trim_end_matches('0')
                .trim_end_matches('.'),
            net.backend_name(),
            files.len(),
            options.out.display()
        ),
        Err(e) => eprintln!("error: {e}"),
    }
    if let Some(e) = failure {
        eprintln!("error: {e}");
        eprintln!(
            "note: what was recorded until then is in {}",
            options.out.display()
        );
        return Err(ExitCode::from(1));
    }
    if written.is_err() {
        return Err(ExitCode::from(1));
    }
    Ok(())
}

/// Loads the model file (with `--seed`, which initial values such as `rand()` use too) and builds its
/// network (with `--threads`), printing diagnostics and warnings; also reads what `--plot` needs.
fn build(
    path: &Path,
    options: &RunOptions,
) -> Result<(Network, RunPlan, Option<crate::plot::PlotSpec>), ExitCode> {
    let mut file = load(path, options.color)?;
    // The seed is set before the network is built: initial values such as `rand()` use it too.
    if let Some(seed) = options.seed {
        file.run.seed = Some(ganglion_modelfile::Located {
            value: seed as i64,
            span: Default::default(),
        });
    }
    let plots = options.plot.then(|| {
        crate::plot::PlotSpec::new(&file, options.plot_against.clone(), options.plot_format)
    });
    let (mut net, plan) = build_network(file, options.backend, options.color)?;
    if let Some(t) = options.threads {
        net.set_threads(t);
    }
    Ok((net, plan, plots))
}

/// Builds a checked model file's network, printing its diagnostics (errors, or the warnings of a network
/// that builds).
pub fn build_network(
    file: ganglion_modelfile::ModelFile,
    backend: BackendChoice,
    color: ColorChoice,
) -> Result<(Network, RunPlan), ExitCode> {
    let (net, plan) = match Network::from_model_file(file, backend) {
        Ok(x) => x,
        Err(Error::Model(d)) => {
            report(d.sources(), d.list(), color);
            return Err(ExitCode::from(1));
        }
        Err(e) => {
            eprintln!("error: {e}");
            return Err(ExitCode::from(1));
        }
    };
    if !net.warnings().is_empty() {
        eprint!("{}", net.sources().render(net.warnings(), color.enabled()));
    }
    Ok((net, plan))
}

/// `--duration`: the duration of the one segment (or of a run when the file gives none).
fn override_duration(plan: &mut RunPlan, duration: &str) -> Result<(), ExitCode> {
    let q = match ganglion_units::Quantity::parse(duration) {
        Ok(q) if q.dim == ganglion_units::Dimension::TIME => q,
        _ => {
            eprintln!(
                "error: `--duration {duration}` is not a time (write e.g. `--duration 500*ms`)"
            );
            return Err(ExitCode::from(2));
        }
    };
    match &mut plan.segments[..] {
        [] => plan.segments.push(ganglion::Segment {
            duration: q.value,
            set: Vec::new(),
        }),
        [s] => s.duration = q.value,
        _ => {
            eprintln!(
                "error: the model file has several segments; `--duration` would be ambiguous"
            );
            return Err(ExitCode::from(2));
        }
    }
    Ok(())
}

/// Refuses a run that would need more than 80% of the available memory (state and recordings over
/// `total` seconds).
fn check_memory(net: &Network, total: f64) -> Result<(), ExitCode> {
    let needed = net.memory_estimate(total);
    if let Some(available) = available_memory()
        && needed > available / 10 * 8
    {
        eprintln!(
            "error: this run needs about {} of memory (state and recordings), but only {} is available",
            human(needed),
            human(available)
        );
        eprintln!(
            "hint: record fewer neurons or variables, give state monitors a larger `dt`, or shorten the run"
        );
        return Err(ExitCode::from(1));
    }
    Ok(())
}

/// Runs the segments in order (their changes, then the run), showing progress on a bar (`progress`,
/// when standard error is a terminal) or as text (`[run] report`); the error that stopped it, if any.
fn simulate(net: &mut Network, plan: &RunPlan, total: f64, progress: bool) -> Option<Error> {
    let bar = (progress && std::io::stderr().is_terminal()).then(|| {
        let b = indicatif::ProgressBar::new(1000);
        b.set_style(
            indicatif::ProgressStyle::with_template(
                "{bar:40} {percent:>3}% simulated, {elapsed} elapsed, ~{eta} left",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        b
    });
    let text_report = matches!(plan.report, Some(Report::Text | Report::Stdout));
    let mut done_before = 0.0;
    let mut failure = None;
    for seg in &plan.segments {
        if let Some(e) = seg.set.iter().find_map(|op| net.apply(op).err()) {
            failure = Some(e);
            break;
        }
        let bar_ref = bar.as_ref();
        let mut reporter = |p: Progress| {
            let fraction = if total > 0.0 {
                (done_before + p.completed * p.duration) / total
            } else {
                1.0
            };
            if let Some(b) = bar_ref {
                b.set_position((fraction * 1000.0) as u64);
            }
            if text_report && p.completed > 0.0 && p.completed < 1.0 {
                println!(
                    "{:.3} s ({:.0}%) simulated in {:.1} s",
                    p.start + p.completed * p.duration,
                    fraction * 100.0,
                    p.elapsed.as_secs_f64()
                );
            }
        };
        if text_report {
            println!(
                "Starting simulation at t={} s for a duration of {} s",
                net.t(),
                seg.duration
            );
        }
        if let Err(e) = net.run_with_report(seg.duration, Some(&mut reporter)) {
            failure = Some(e);
            break;
        }
        done_before += seg.duration;
    }
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    failure
}

/// Writes the recorded data, then the pictures (`--plot`); the files written.
fn write_outputs(
    net: &Network,
    out: &Path,
    plots: Option<&crate::plot::PlotSpec>,
) -> Result<Vec<PathBuf>, String> {
    let mut written = crate::output::write_all(net, out)?;
    if let Some(spec) = plots {
        written.extend(crate::plot::write_plots(net, out, spec)?);
    }
    Ok(written)
}

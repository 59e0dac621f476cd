//! `ganglion`: check, inspect, run and benchmark Brian2-style model files.
//!
//! Exit status: 0 when all went well, 1 when the model has errors (or a run failed), 2 for usage errors
//! (bad arguments, unreadable files).

mod bench;
mod check;
mod ir;
mod output;
mod plot;
mod run;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

/// Ganglion: Brian2's model language, compiled to native code.
#[derive(Parser)]
#[command(name = "ganglion", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// The kernel engine.
#[derive(Clone, Copy, Debug, ValueEnum)]
enum BackendArg {
    /// Native code compiled with Cranelift.
    Jit,
    /// The reference interpreter.
    Interp,
}

#[derive(Subcommand)]
enum Command {
    /// Run every static check on a model file (syntax, names, units, flags) and print diagnostics.
    Check {
        /// The model file (TOML).
        model: PathBuf,
        /// Colour the diagnostics: auto, always or never.
        #[arg(long, default_value = "auto")]
        color: check::ColorChoice,
    },
    /// Print the chosen integration method and every kernel's IR (or an earlier stage).
    Ir {
        /// The model file (TOML).
        model: PathBuf,
        /// Only this group.
        #[arg(long)]
        group: Option<String>,
        /// What to print.
        #[arg(long, value_enum, default_value = "ir")]
        stage: ir::Stage,
        /// Colour the diagnostics: auto, always or never.
        #[arg(long, default_value = "auto")]
        color: check::ColorChoice,
    },
    /// Benchmarks: `throughput` (ns per neuron-step, compile time, thread scaling, a memory-bandwidth loop) and
    /// `methods` (integration methods: error against cost).
    Bench {
        #[command(subcommand)]
        which: bench::Which,
    },
    /// Run a model file and write every monitor and every group's final state to a folder.
    Run {
        /// The model file (TOML).
        model: PathBuf,
        /// Where to write results (`<monitor>.json`, `<group>.state.json`, and `.npz` twins).
        #[arg(long, default_value = "out")]
        out: PathBuf,
        /// The kernel engine.
        #[arg(long, value_enum, default_value = "jit")]
        backend: BackendArg,
        /// The seed of the random streams (overrides `[run] seed`).
        #[arg(long)]
        seed: Option<u64>,
        /// Threads running large groups (overrides `[run] threads`; 0 or absent: every core). Results do
        /// not depend on it.
        #[arg(long)]
        threads: Option<usize>,
        /// How long to run, e.g. `500*ms` (overrides `[run] duration`).
        #[arg(long)]
        duration: Option<String>,
        /// Do not show a progress bar.
        #[arg(long)]
        quiet: bool,
        /// Also draw each monitor (`<monitor>.png`: raster, traces or population rate; spike monitors also
        /// get `<monitor>_counts.png`, the firing rate of each neuron) and the distribution of each
        /// synaptic parameter at the end (`<synapses>_<var>_histogram.png`).
        #[arg(long)]
        plot: bool,
        /// Draw firing rates against this variable of the monitored group instead of the neuron index (an
        /// f-I curve); implies `--plot`.
        #[arg(long, value_name = "VARIABLE")]
        plot_against: Option<String>,
        /// The pictures' file format; implies `--plot`.
        #[arg(long, value_enum, value_name = "FORMAT")]
        plot_format: Option<plot::PlotFormat>,
        /// Colour the diagnostics: auto, always or never.
        #[arg(long, default_value = "auto")]
        color: check::ColorChoice,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check { model, color } => check::run(&model, color),
        Command::Ir {
            model,
            group,
            stage,
            color,
        } => ir::run(&model, group.as_deref(), stage, color),
        Command::Bench { which } => bench::run(which),
        Command::Run {
            model,
            out,
            backend,
            seed,
            threads,
            duration,
            quiet,
            plot,
            plot_against,
            plot_format,
            color,
        } => run::run(
            &model,
            run::RunOptions {
                out,
                backend: match backend {
                    BackendArg::Jit => ganglion::BackendChoice::Jit,
                    BackendArg::Interp => ganglion::BackendChoice::Interpreter,
                },
                seed,
                threads,
                duration,
                progress: !quiet,
                plot: plot || plot_against.is_some() || plot_format.is_some(),
                plot_against,
                plot_format: plot_format.unwrap_or(plot::PlotFormat::Png),
                color,
            },
        ),
    }
}

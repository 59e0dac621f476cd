//! `ganglion`: check, inspect, run and benchmark Brian2-style model files.
//!
//! Exit status: 0 when all went well, 1 when the model has errors, 2 for usage errors (bad arguments,
//! unreadable files).

mod check;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Ganglion: Brian2's model language, compiled to native code.
#[derive(Parser)]
#[command(name = "ganglion", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check { model, color } => check::run(&model, color),
    }
}

//! `ganglion check MODEL.toml`.

use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;

use ganglion_modelfile::{LoadError, ModelFile};
use ganglion_syntax::{Diagnostic, SourceMap};

/// When to colour diagnostics.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum ColorChoice {
    /// When standard error is a terminal.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

impl ColorChoice {
    /// Whether to colour output.
    pub fn enabled(self) -> bool {
        match self {
            ColorChoice::Auto => std::io::stderr().is_terminal(),
            ColorChoice::Always => true,
            ColorChoice::Never => false,
        }
    }
}

/// Loads a model file, printing why not (exit status 2 for unreadable files, 1 for invalid ones).
pub fn load(path: &Path, color: ColorChoice) -> Result<ModelFile, ExitCode> {
    match ModelFile::load(path) {
        Ok(m) => Ok(m),
        Err(LoadError::Io(e)) => {
            eprintln!("error: cannot read `{}`: {e}", path.display());
            Err(ExitCode::from(2))
        }
        Err(LoadError::Invalid {
            sources,
            diagnostics,
        }) => {
            report(&sources, &diagnostics, color);
            Err(ExitCode::from(1))
        }
    }
}

/// Prints diagnostics and a summary line on standard error.
pub fn report(sources: &SourceMap, diagnostics: &[Diagnostic], color: ColorChoice) {
    eprint!("{}", sources.render(diagnostics, color.enabled()));
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = diagnostics.len() - errors;
    if errors > 0 {
        let plural = if errors == 1 { "" } else { "s" };
        eprintln!("error: the model has {errors} error{plural}");
    } else if warnings > 0 {
        let plural = if warnings == 1 { "" } else { "s" };
        eprintln!("warning: {warnings} warning{plural}");
    }
}

/// Runs the checks and prints the result: the model file is checked, and its network built as `run`
/// builds it before the first step (integration methods, lowering, `connect`, compiled kernels), so
/// that whatever `run` would refuse before simulating, `check` refuses too.
pub fn run(path: &Path, color: ColorChoice) -> ExitCode {
    let file = match load(path, color) {
        Ok(f) => f,
        Err(code) => return code,
    };
    let (groups, monitors) = (file.groups.len(), file.monitors.len());
    let synapses = file.synapses.len();
    let mut net = match crate::run::build_network(file, ganglion::BackendChoice::Jit, color) {
        Ok((net, _)) => net,
        Err(code) => return code,
    };
    if let Err(e) = net.run(0.0) {
        eprintln!("error: {e}");
        return ExitCode::from(1);
    }
    let warnings = net.warnings().len();
    if warnings > 0 {
        let plural = if warnings == 1 { "" } else { "s" };
        eprintln!("warning: {warnings} warning{plural}");
    }
    let count = |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
    let mut parts = vec![count(groups, "group")];
    if synapses > 0 {
        parts.push(format!(
            "{synapses} Synapses object{}",
            if synapses == 1 { "" } else { "s" }
        ));
    }
    parts.push(count(monitors, "monitor"));
    println!("{}: no errors ({})", path.display(), parts.join(", "));
    ExitCode::SUCCESS
}

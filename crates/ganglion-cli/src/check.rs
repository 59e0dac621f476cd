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

/// Runs the checks and prints the result.
pub fn run(path: &Path, color: ColorChoice) -> ExitCode {
    let file = match load(path, color) {
        Ok(f) => f,
        Err(code) => return code,
    };
    let diagnostics = ganglion_model::check_model_file(&file);
    report(&file.sources, &diagnostics, color);
    if diagnostics.iter().any(Diagnostic::is_error) {
        ExitCode::from(1)
    } else {
        println!(
            "{}: no errors ({} group{}, {} monitor{})",
            path.display(),
            file.groups.len(),
            if file.groups.len() == 1 { "" } else { "s" },
            file.monitors.len(),
            if file.monitors.len() == 1 { "" } else { "s" },
        );
        ExitCode::SUCCESS
    }
}

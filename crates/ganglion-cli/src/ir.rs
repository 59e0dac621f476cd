//! `ganglion ir MODEL.toml [--group G] [--stage ast|model|ir]`: the forms a model goes through.

use std::path::Path;
use std::process::ExitCode;

use ganglion_lower::{Dtypes, LowerOptions};
use ganglion_modelfile::{CodeForm, MethodSpec};
use ganglion_syntax::Diagnostic;

use crate::check::{ColorChoice, load, report};

/// Which form to print.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Stage {
    /// The parsed code strings, printed back canonically.
    Ast,
    /// The checked model: variables, units, types, flags, resolved externals.
    Model,
    /// The chosen integration method and every kernel's IR.
    Ir,
    /// Every kernel as Cranelift IR, as the JIT hands it to Cranelift.
    Clif,
}

/// Prints a stage of every group (or one).
pub fn run(path: &Path, group: Option<&str>, stage: Stage, color: ColorChoice) -> ExitCode {
    let file = match load(path, color) {
        Ok(f) => f,
        Err(code) => return code,
    };
    if let Some(g) = group
        && file.group(g).is_none()
    {
        let names: Vec<&str> = file.groups.iter().map(|g| g.name.value.as_str()).collect();
        eprintln!(
            "error: the model file has no group `{g}` (it has: {})",
            names.join(", ")
        );
        return ExitCode::from(2);
    }
    let wanted = |name: &str| group.is_none_or(|g| g == name);
    if stage == Stage::Ast {
        for spec in file.groups.iter().filter(|g| wanted(&g.name.value)) {
            println!("group {}", spec.name.value);
            for (code, form) in file.code_strings() {
                let belongs = [&spec.model, &spec.threshold, &spec.reset]
                    .into_iter()
                    .flatten()
                    .any(|c| c.source == code.source)
                    || spec.events.iter().any(|(_, c)| c.source == code.source);
                if !belongs {
                    continue;
                }
                match form {
                    CodeForm::Equations => {
                        let (eqs, _) = ganglion_syntax::parse_equations(&code.text);
                        println!("  equations:");
                        for e in eqs {
                            println!("    {e}");
                        }
                    }
                    CodeForm::Statements => {
                        let (stmts, _) = ganglion_syntax::parse_statements(&code.text);
                        println!("  statements:");
                        for s in stmts {
                            println!("    {s}");
                        }
                    }
                    CodeForm::Expression => {
                        if let (Some(e), _) = ganglion_syntax::parse_expression(&code.text) {
                            println!("  expression: {e}");
                        }
                    }
                    CodeForm::Method => {}
                }
            }
        }
        return ExitCode::SUCCESS;
    }
    let (checked, diagnostics) = ganglion_model::check_model_file_full(&file);
    if diagnostics.iter().any(Diagnostic::is_error) {
        report(&file.sources, &diagnostics, color);
        return ExitCode::from(1);
    }
    for model in checked.groups.iter().filter(|g| wanted(&g.name)) {
        if stage == Stage::Model {
            print!("{model}");
            continue;
        }
        let spec = file
            .group(&model.name)
            .expect("checked groups come from the file");
        let methods = match &spec.method {
            None => ganglion_lower::methods::DEFAULT_METHODS
                .iter()
                .map(|s| s.to_string())
                .collect(),
            Some(MethodSpec::One(c)) => vec![c.text.clone()],
            Some(MethodSpec::List(l)) => l.iter().map(|c| c.text.clone()).collect(),
        };
        let mut dtypes = Dtypes::default();
        if let Some(ganglion_modelfile::DtypeSpec::All(d)) = &spec.dtype {
            dtypes.all_f32 = d.value == "float32";
        }
        match ganglion_lower::lower_group(model, &LowerOptions { methods, dtypes }) {
            Ok(k) => {
                println!("group {} (N = {})", model.name, model.n);
                if let Some(m) = &k.method {
                    println!("{m}");
                }
                let mut jit = ganglion_jit::Jit::default();
                for kernel in k
                    .subexpression_update
                    .iter()
                    .chain(&k.state_update)
                    .chain(&k.thresholds)
                    .chain(&k.event_codes)
                {
                    println!();
                    if stage == Stage::Clif {
                        println!("; kernel {}", kernel.name);
                        match jit.clif(kernel) {
                            Ok(text) => print!("{text}"),
                            Err(e) => println!("; cannot translate: {e}"),
                        }
                    } else {
                        print!("{kernel}");
                    }
                }
                println!();
            }
            Err(e) => {
                eprintln!("error: group `{}`: {e}", model.name);
                if let ganglion_lower::LowerError::Method(
                    ganglion_lower::ChoiceError::NoneApplies { refused },
                ) = &e
                {
                    for (m, why) in refused {
                        eprintln!("  {m}: {why}");
                    }
                }
                return ExitCode::from(1);
            }
        }
    }
    ExitCode::SUCCESS
}

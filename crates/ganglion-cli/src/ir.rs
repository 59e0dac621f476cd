//! `ganglion ir MODEL.toml [--group G] [--stage ast|model|ir|clif|asm]`: the forms a model goes through.

use std::path::Path;
use std::process::ExitCode;

use ganglion_modelfile::CodeForm;
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
    /// Every kernel's machine code, as Cranelift prints it after register allocation.
    Asm,
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
    let (plan, diagnostics) = ganglion_model::plan_model_file(&file);
    if diagnostics.iter().any(Diagnostic::is_error) {
        report(&file.sources, &diagnostics, color);
        return ExitCode::from(1);
    }
    if stage == Stage::Model {
        for g in plan.groups.iter().filter(|g| wanted(&g.model.name)) {
            print!("{}", g.model);
        }
        return ExitCode::SUCCESS;
    }
    // The IR as it will run: build the network (the schedule decides fusion).
    let (mut net, _) =
        match ganglion::Network::from_model_file(file, ganglion::BackendChoice::Interpreter) {
            Ok(x) => x,
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::from(1);
            }
        };
    let mut jit = ganglion_jit::Jit::default();
    for g in net.groups() {
        let name = net.group_name(g).to_string();
        if !wanted(&name) {
            continue;
        }
        println!("group {name} (N = {})", net.group_size(g));
        if let Some(m) = net.method_chosen(g) {
            println!("{m}");
        }
        match net.fusion(g) {
            Ok(f) if f.active => {
                println!("fusion: state update, threshold and reset run in one pass")
            }
            Ok(f) => println!("fusion: off ({})", f.reason.clone().unwrap_or_default()),
            Err(e) => println!("fusion: off ({e})"),
        }
        let kernels = match net.scheduled_kernels(g) {
            Ok(k) => k,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(1);
            }
        };
        for kernel in &kernels {
            println!();
            if stage == Stage::Asm {
                println!("; kernel {}", kernel.name);
                match jit.asm(kernel) {
                    Ok(text) => print!("{text}"),
                    Err(e) => println!("; cannot compile: {e}"),
                }
            } else if stage == Stage::Clif {
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
    ExitCode::SUCCESS
}

//! Snapshots of the IR of the whole corpus of model files (`examples/**/*.toml`) under every integration
//! method: for each group, the method the default choice (`exact`, `euler`, `heun`) takes, then for each
//! method of the table `ganglion_lower::methods::METHODS` (`exact`, `exponential_euler`, `euler`, `rk2`,
//! `rk4`, `milstein`, `heun`) either the text form of every kernel (subexpression updater, state updater,
//! thresholders, event code) or the reason the method refuses the equations. One snapshot per model file; a change in lowering, in the passes or in the text
//! form shows up as a reviewable diff.

use std::fmt::Write;

use ganglion_lower::methods::METHODS;
use ganglion_lower::{ChoiceError, LowerError, LowerOptions, lower_group};
use ganglion_model::NeuronGroupModel;
use ganglion_modelfile::ModelFile;
use ganglion_syntax::Diagnostic;
use ganglion_tests::corpus;

fn refusal(e: &LowerError) -> String {
    match e {
        LowerError::Method(ChoiceError::NoneApplies { refused }) => refused
            .iter()
            .map(|(_, why)| why.as_str())
            .collect::<Vec<_>>()
            .join("; "),
        LowerError::Method(ChoiceError::Method(m)) => m.to_string(),
    }
}

/// The text of one group: its default choice, then every method's kernels or refusal.
fn group_text(model: &NeuronGroupModel) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "group {} (N = {})", model.name, model.n);
    match lower_group(model, &LowerOptions::default()) {
        Ok(k) => match &k.method {
            Some(m) => {
                let _ = writeln!(out, "default choice: {}", m.chosen);
            }
            None => out.push_str("default choice: none (no differential equations)\n"),
        },
        Err(e) => {
            let _ = writeln!(out, "default choice: refused: {}", refusal(&e));
        }
    }
    // Every method of the table, in its order (Brian2's order of registration).
    for method in METHODS.iter().map(|m| m.name) {
        let _ = writeln!(out, "\n=== {} / {method}", model.name);
        let options = LowerOptions {
            methods: vec![method.to_string()],
            ..Default::default()
        };
        match lower_group(model, &options) {
            Ok(k) => {
                if k.method.is_none() {
                    out.push_str("(no differential equations)\n");
                }
                for kernel in k
                    .subexpression_update
                    .iter()
                    .chain(&k.state_update)
                    .chain(&k.thresholds)
                    .chain(&k.event_codes)
                {
                    ganglion_ir::verify(kernel)
                        .unwrap_or_else(|e| panic!("{} under {method}: {e}", model.name));
                    let _ = write!(out, "{kernel}");
                }
            }
            Err(e) => {
                let _ = writeln!(out, "refused: {}", refusal(&e));
            }
        }
    }
    out
}

fn corpus_text(path: &std::path::Path) -> String {
    let file = ModelFile::load(path).unwrap_or_else(|e| panic!("{}: {e:?}", path.display()));
    let (plan, diagnostics) = ganglion_model::plan_model_file(&file);
    let errors: Vec<&Diagnostic> = diagnostics.iter().filter(|d| d.is_error()).collect();
    assert!(
        errors.is_empty(),
        "{}: the corpus model does not check:\n{}",
        path.display(),
        file.sources.render(&diagnostics, false)
    );
    let mut text = String::new();
    for g in &plan.groups {
        text.push_str(&group_text(&g.model));
        text.push('\n');
    }
    if plan.groups.is_empty() {
        text.push_str("(no NeuronGroups)\n");
    }
    text
}

#[test]
fn ir_of_the_corpus_under_every_method() {
    let mut count = 0;
    insta::glob!("../examples", "**/*.toml", |path| {
        count += 1;
        insta::assert_snapshot!(corpus_text(path));
    });
    assert_eq!(count, corpus::model_files().len());
    assert!(count >= 50, "only {count} corpus files");
}

#[test]
fn ir_text_is_deterministic() {
    // Lowering the same models twice gives the same text (no hash-map order leaks into the IR).
    for path in corpus::model_files().iter().step_by(5) {
        assert_eq!(corpus_text(path), corpus_text(path), "{}", path.display());
    }
}

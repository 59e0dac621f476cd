//! Semantic checks of Brian2 models: the checked, resolved model that code generation starts from.
//!
//! Not here: parsing (that is `ganglion-syntax`) or code generation (`ganglion-lower`).

use ganglion_modelfile::{CodeForm, ModelFile};
use ganglion_syntax::{Diagnostic, parse_equations, parse_expression, parse_statements};

/// Checks every code string of a model file and returns the diagnostics, attached to their sources.
pub fn check_model_file(file: &ModelFile) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (code, form) in file.code_strings() {
        let errors = match form {
            CodeForm::Equations => parse_equations(&code.text).1,
            CodeForm::Statements => parse_statements(&code.text).1,
            CodeForm::Expression => parse_expression(&code.text).1,
            CodeForm::Method if code.text.contains('=') => parse_statements(&code.text).1,
            CodeForm::Method => Vec::new(),
        };
        out.extend(
            errors
                .iter()
                .map(|e| e.to_diagnostic().in_source(code.source)),
        );
    }
    out
}

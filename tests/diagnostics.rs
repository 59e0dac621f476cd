//! Snapshots of the diagnostics for malformed model files: every `diagnostics/*.toml` is read, checked and
//! rendered as `ganglion check` prints it (without colour), and the text is pinned with insta. Each file
//! must produce at least one error, so that a snapshot can never quietly turn into "no problems".

use ganglion_model::check_model_file;
use ganglion_modelfile::{LoadError, ModelFile};
use ganglion_syntax::{Diagnostic, SourceMap};

/// Reads and checks a model file; returns the rendered diagnostics and whether any is an error.
fn check(name: &str, text: &str) -> (String, bool) {
    let render = |sources: &SourceMap, diagnostics: &[Diagnostic]| {
        (
            sources.render(diagnostics, false),
            diagnostics.iter().any(Diagnostic::is_error),
        )
    };
    match ModelFile::parse(name, text) {
        Ok(file) => render(&file.sources, &check_model_file(&file)),
        Err(LoadError::Invalid {
            sources,
            diagnostics,
        }) => render(&sources, &diagnostics),
        Err(LoadError::Io(e)) => panic!("{name}: {e}"),
    }
}

#[test]
fn diagnostics_of_malformed_model_files() {
    let mut count = 0;
    insta::glob!("diagnostics/*.toml", |path| {
        count += 1;
        let text = std::fs::read_to_string(path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy();
        assert!(
            text.starts_with("# "),
            "{name}: the first line must be a comment saying what the file shows"
        );
        let (rendered, has_error) = check(&name, &text);
        assert!(has_error, "{name} gives no error:\n{rendered}");
        insta::assert_snapshot!(rendered);
    });
    assert!(count >= 40, "only {count} diagnostics cases");
}

//! What the end-to-end tests share: the corpus of model files, and helpers for reading Brian2's reference
//! numbers, running model files and comparing results.
//!
//! Not here: assertions about particular models (those are the tests in this folder).

pub mod corpus {
    //! The corpus: every model file below `examples/`, one file per model. Snapshot tests, the backend and
    //! thread-count agreement tests, the benchmarks and the fuzz target all read it from there.

    use std::path::{Path, PathBuf};

    /// The workspace's root folder.
    pub fn workspace_root() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("the tests package lies inside the workspace")
            .to_path_buf()
    }

    /// The folder holding the corpus (`examples/`).
    pub fn examples_dir() -> PathBuf {
        workspace_root().join("examples")
    }

    /// A model file of the corpus, named relative to `examples/` (`"brian2/reliability.toml"`).
    pub fn example(relative: &str) -> PathBuf {
        examples_dir().join(relative)
    }

    /// Whether `path` is a second name for a model of the corpus: a symbolic link such as
    /// `examples/if_curve_lif.toml` (the README's command), which points at `brian2/if_curve_lif.toml`.
    pub fn is_alias(path: &Path) -> bool {
        path.symlink_metadata().is_ok_and(|m| m.is_symlink())
    }

    /// Every model file of the corpus, sorted by path: the `*.toml` files below `examples/`, aliases left
    /// out, so that each model is listed once.
    pub fn model_files() -> Vec<PathBuf> {
        let mut files = Vec::new();
        collect(&examples_dir(), &mut files);
        files.sort();
        files
    }

    fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
        let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for entry in entries {
            let entry = entry.unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
            let path = entry.path();
            let kind = entry
                .file_type()
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            if kind.is_dir() {
                collect(&path, files);
            } else if kind.is_file() && path.extension().is_some_and(|x| x == "toml") {
                files.push(path);
            }
        }
    }

    /// The name of a model file for messages: its path below `examples/` (`"brian2/reliability.toml"`).
    pub fn name(path: &Path) -> String {
        path.strip_prefix(examples_dir())
            .unwrap_or(path)
            .display()
            .to_string()
    }
}

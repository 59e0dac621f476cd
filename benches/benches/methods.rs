//! `cargo bench -p ganglion-bench --bench methods`: every built-in model of the method comparison with
//! the default methods and time steps; prints the tables and writes CSV, JSON and the charts into
//! `$GANGLION_BENCH_OUT`, else `$CARGO_TARGET_DIR/bench-methods/`, else `target/bench-methods/`. Same as
//! `ganglion bench methods`; a model name after `--` runs only that model
//! (`cargo bench -p ganglion-bench --bench methods -- hh`).

use std::path::PathBuf;

use ganglion_bench::methods::{Builtin, Config, machine, run_builtin, table, write_outputs};

fn main() {
    // `cargo bench` passes `--bench` (and any filter): a filter naming models runs only those.
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let config = Config::default();
    let out = match (
        std::env::var_os("GANGLION_BENCH_OUT"),
        std::env::var_os("CARGO_TARGET_DIR"),
    ) {
        (Some(out), _) => PathBuf::from(out),
        (None, Some(target)) => PathBuf::from(target).join("bench-methods"),
        (None, None) => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/bench-methods"),
    };
    println!("machine: {}", machine());
    let mut reports = Vec::new();
    for model in Builtin::ALL {
        if !filter.is_empty() && !filter.iter().any(|f| f == model.name()) {
            continue;
        }
        let report = run_builtin(model, &config);
        println!("{}", table(&report));
        reports.push(report);
    }
    match write_outputs(&reports, &config, &out) {
        Ok(files) => println!("wrote {} files to {}", files.len(), out.display()),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}

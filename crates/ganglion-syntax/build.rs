//! Compiles the lalrpop grammar (`src/grammar.lalrpop`) into `OUT_DIR/grammar.rs`.

fn main() {
    println!("cargo:rerun-if-changed=src/grammar.lalrpop");
    lalrpop::Configuration::new()
        .use_cargo_dir_conventions()
        .emit_rerun_directives(false)
        .process()
        .expect("the grammar compiles");
}

//! Compiles the lalrpop grammar kept in the workspace's `grammar/` folder.

fn main() {
    let grammar_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../grammar");
    let out_dir = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    println!(
        "cargo:rerun-if-changed={}",
        grammar_dir.join("ganglion.lalrpop").display()
    );
    lalrpop::Configuration::new()
        .set_in_dir(&grammar_dir)
        .set_out_dir(out_dir)
        .emit_rerun_directives(false)
        .process()
        .expect("the grammar compiles");
}

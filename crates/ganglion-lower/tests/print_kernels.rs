use ganglion_lower::*;
use ganglion_modelfile::ModelFile;

#[test]
fn print_if_curve() {
    for f in ["if_curve_lif", "cuba", "if_curve_hodgkin_huxley", "stochastic_odes"] {
        let path = format!("{}/../../grammar/examples/{f}.toml", env!("CARGO_MANIFEST_DIR"));
        let file = ModelFile::load(std::path::Path::new(&path)).unwrap();
        let (checked, diags) = ganglion_model::check_model_file_full(&file);
        assert!(diags.iter().all(|d| !d.is_error()));
        for g in &checked.groups {
            let mut opts = LowerOptions::default();
            if let Some(ganglion_modelfile::MethodSpec::One(c)) = &file.group(&g.name).unwrap().method {
                opts.methods = vec![c.text.clone()];
            }
            let k = lower_group(g, &opts).unwrap();
            println!("{}", k.method.as_ref().unwrap());
            for kernel in k.state_update.iter().chain(&k.thresholds).chain(&k.event_codes) {
                ganglion_ir::verify(kernel).unwrap();
                println!("{kernel}");
            }
        }
    }
}

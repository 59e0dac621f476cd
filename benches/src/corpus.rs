//! The models the benchmarks take from the corpus (`examples/`): the files are embedded when the harness
//! is compiled, so `ganglion bench` runs anywhere, and the benchmarks build the corpus's equations,
//! constants and code at the sizes they measure.

use ganglion::{GroupHandle, Network, NeuronGroup};
use ganglion_modelfile::{Code, GroupSpec, LoadError, MethodSpec, ModelFile, SynapsesSpec, Value};
use ganglion_units::Quantity;

/// Brian2's CUBA benchmark network (`examples/cuba.toml`).
pub const CUBA: (&str, &str) = ("cuba.toml", include_str!("../../examples/cuba.toml"));

/// Brian2's COBAHH benchmark network (`examples/cobahh.toml`).
pub const COBAHH: (&str, &str) = ("cobahh.toml", include_str!("../../examples/cobahh.toml"));

/// Brian2's `IF_curve_Hodgkin_Huxley` example (`examples/brian2/if_curve_hodgkin_huxley.toml`).
pub const IF_CURVE_HODGKIN_HUXLEY: (&str, &str) = (
    "if_curve_hodgkin_huxley.toml",
    include_str!("../../examples/brian2/if_curve_hodgkin_huxley.toml"),
);

/// A model file of the corpus, with its namespace evaluated.
pub struct CorpusModel {
    file: ModelFile,
    constants: Vec<(String, Quantity)>,
}

impl CorpusModel {
    /// Reads one of the embedded files ([`CUBA`], [`COBAHH`], ...). The corpus is checked by the tests, so
    /// a file that does not read or check is a bug of the build, and panics with the diagnostics.
    pub fn load((name, text): (&str, &str)) -> CorpusModel {
        let file = match ModelFile::parse(name, text) {
            Ok(f) => f,
            Err(LoadError::Invalid {
                sources,
                diagnostics,
            }) => panic!("{}", sources.render(&diagnostics, false)),
            Err(LoadError::Io(e)) => panic!("{name}: {e}"),
        };
        let (plan, diagnostics) = ganglion_model::plan_model_file(&file);
        if diagnostics.iter().any(|d| d.is_error()) {
            panic!("{}", file.sources.render(&diagnostics, false));
        }
        let constants = plan
            .namespace
            .iter()
            .map(|(name, value)| (name.to_string(), value.as_quantity()))
            .collect();
        CorpusModel { file, constants }
    }

    /// Sets every constant of the file's `[namespace]` in `net`.
    pub fn set_constants(&self, net: &mut Network) {
        for (name, value) in &self.constants {
            net.set_constant(name, *value);
        }
    }

    /// The text of the group's `model`.
    pub fn equations(&self, group: &str) -> &str {
        text(&self.group(group).model).unwrap_or_default()
    }

    /// The group `group` of the file with `n` neurons: its equations, method, threshold, reset and
    /// refractoriness (not its name, clock or initial values).
    pub fn neuron_group(&self, group: &str, n: usize) -> NeuronGroup {
        let spec = self.group(group);
        let mut g = NeuronGroup::new(n, self.equations(group));
        match &spec.method {
            Some(MethodSpec::One(m)) => g = g.method(m.text.as_str()),
            Some(MethodSpec::List(l)) => g = g.methods(l.iter().map(|m| m.text.as_str())),
            None => {}
        }
        if let Some(t) = text(&spec.threshold) {
            g = g.threshold(t);
        }
        if let Some(r) = text(&spec.reset) {
            g = g.reset(r);
        }
        match &spec.refractory {
            Some(Value::Expr(c)) => g = g.refractory(c.text.as_str()),
            None => {}
            Some(other) => panic!("{group}: refractory {other:?} is not an expression"),
        }
        g
    }

    /// Sets the initial values of the file's group `group` on `g`, in the order written.
    pub fn init(
        &self,
        net: &mut Network,
        g: GroupHandle,
        group: &str,
    ) -> Result<(), ganglion::Error> {
        for (var, value) in &self.group(group).init {
            assert!(
                var.index.is_none(),
                "{group}.{}: indexed initial values are not used by the benchmarks",
                var.key.value
            );
            match value {
                Value::Expr(c) => net.set(g, var.name.value.as_str(), c.text.as_str())?,
                other => panic!("{group}.{}: {other:?} is not an expression", var.name.value),
            }
        }
        Ok(())
    }

    /// The code of the synapses' `on_pre` pathway.
    pub fn on_pre(&self, synapses: &str) -> &str {
        let spec = self.synapses(synapses);
        match spec.on_pre.as_slice() {
            [(_, code)] => &code.text,
            _ => panic!("{synapses}: expected one on_pre pathway"),
        }
    }

    fn group(&self, name: &str) -> &GroupSpec {
        self.file
            .groups
            .iter()
            .find(|g| g.name.value == name)
            .unwrap_or_else(|| panic!("no group `{name}` in the corpus file"))
    }

    fn synapses(&self, name: &str) -> &SynapsesSpec {
        self.file
            .synapses
            .iter()
            .find(|s| s.name.value == name)
            .unwrap_or_else(|| panic!("no synapses `{name}` in the corpus file"))
    }
}

fn text(code: &Option<Code>) -> Option<&str> {
    code.as_ref().map(|c| c.text.as_str())
}

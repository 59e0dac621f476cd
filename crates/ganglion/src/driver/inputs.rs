//! Inputs that are not NeuronGroups: timed arrays (tables kernels read by computed index), Poisson
//! inputs (a binomial draw per neuron and step added to a variable), spike generators.

use ganglion_ir::interp::ArrayData;
use ganglion_model::TExpr;
use ganglion_model::inputs::TimedArrayData;
use ganglion_model::plan::Timing;
use ganglion_runtime::synapses::SpikeTrain;
use ganglion_runtime::{ObjectId, Slot};

use super::{Driver, value_map};
use crate::error::Error;
use crate::handles::GroupHandle;

/// A checked Poisson input.
pub(crate) struct PoissonInputParts<'a> {
    /// Its name (unique in the network).
    pub(crate) name: String,
    /// The target group.
    pub(crate) group: GroupHandle,
    /// The target neurons, when a part of the group.
    pub(crate) range: Option<(usize, usize)>,
    /// The target variable.
    pub(crate) variable: &'a str,
    /// Number of inputs.
    pub(crate) n: u64,
    /// Probability of a spike per input and step.
    pub(crate) p: f64,
    /// The weight, checked in the target's context.
    pub(crate) weight: &'a TExpr,
    /// Where it runs (default `synapses`).
    pub(crate) timing: Timing,
}

impl Driver {
    /// Puts a timed array's values into the runtime group every kernel reads timed arrays from.
    pub(crate) fn install_timed_array(&mut self, data: &TimedArrayData) {
        let group = ganglion_lower::TIMED_ARRAY_GROUP;
        let id = match self.sim.groups().iter().position(|g| g.name() == group) {
            Some(k) => ganglion_runtime::GroupId(k),
            None => self
                .sim
                .add_group(group, 0, &[])
                .expect("a group without variables allocates nothing"),
        };
        self.sim
            .group_mut(id)
            .set_array(&data.name, ArrayData::from_f64(data.values.clone()));
    }

    /// Adds a checked Poisson input: a kernel drawing the number of input spikes on the target's clock.
    pub(crate) fn add_poisson_input(
        &mut self,
        input: PoissonInputParts<'_>,
    ) -> Result<ObjectId, Error> {
        let entry = self.entry(input.group);
        let kernel = ganglion_lower::lower_poisson_input(
            &entry.model,
            &entry.storage,
            &format!("{}.{}", entry.name, input.name),
            input.variable,
            input.n,
            input.p,
            input.weight,
            input.range,
        );
        let info = self.info(
            input.group,
            input.name,
            Slot::at("synapses"),
            &input.timing,
            None,
        );
        let info = ganglion_runtime::ObjectInfo {
            order: input.timing.order.unwrap_or(0),
            ..info
        };
        let (id, overrides) = (entry.id, value_map(&entry.namespace));
        let obj = self.sim.add_kernel(info, id, &kernel, overrides)?;
        self.groups[input.group.0].objects.poisson_inputs.push(obj);
        Ok(obj)
    }

    /// Makes group `g` (a group without variables) a spike generator.
    pub(crate) fn add_generator(&mut self, g: GroupHandle, train: SpikeTrain) -> Result<(), Error> {
        let entry = self.entry(g);
        let name = format!("{}_spikegenerator", entry.name);
        let timing = Timing {
            when: None,
            order: Some(0),
        };
        let id = entry.id;
        let info = self.info(g, name, Slot::at("thresholds"), &timing, None);
        // Every process runs a spike generator whole (its spikes are few, and in its own order).
        self.sim
            .group_mut(id)
            .set_layout(ganglion_runtime::Layout::Whole);
        let object = self.sim.add_generator(info, id, train);
        // The generator is what makes the group's spikes: monitors of them run right after it.
        let objects = &mut self.groups[g.0].objects;
        objects.thresholders.push(("spike".to_string(), object));
        Ok(())
    }
}

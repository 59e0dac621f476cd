//! Inputs that are not groups: Brian2's `TimedArray` (a function of time that model code calls) and
//! `PoissonInput` (independent Poisson spike trains added to a variable of every neuron).

use ganglion_ir::interp::ArrayData;
use ganglion_model::{Code, Location, TimedArrayData};
use ganglion_runtime::{ObjectId, ObjectInfo};
use ganglion_syntax::Span;
use ganglion_units::Quantity;

use crate::network::{Error, Network};
use crate::synapses::Subgroup;

/// The values of a timed array: one per time step, or one row per time step (one value per column,
/// usually per neuron) for a 2-D array.
#[derive(Clone, Debug, PartialEq)]
pub enum TimedValues {
    /// `ta(t)`: one value per time step.
    OneD(Vec<f64>),
    /// `ta(t, i)`: rows are time steps, columns are indices.
    TwoD(Vec<Vec<f64>>),
}

impl From<Vec<f64>> for TimedValues {
    fn from(v: Vec<f64>) -> Self {
        TimedValues::OneD(v)
    }
}

impl From<&[f64]> for TimedValues {
    fn from(v: &[f64]) -> Self {
        TimedValues::OneD(v.to_vec())
    }
}

impl From<Vec<Vec<f64>>> for TimedValues {
    fn from(v: Vec<Vec<f64>>) -> Self {
        TimedValues::TwoD(v)
    }
}

/// Independent Poisson inputs to a variable of a group (Brian2's `PoissonInput(target, target_var, N,
/// rate, weight, when='synapses', order=0)`): every time step each neuron of `target` receives
/// `binomial(N, rate*dt)` input spikes and its variable grows by that many times `weight`. Far cheaper
/// than a `PoissonGroup` with synapses; the spikes are never stored.
#[derive(Clone, Debug, PartialEq)]
pub struct PoissonInput {
    /// The neurons receiving the inputs.
    pub target: Subgroup,
    /// The variable the inputs add to.
    pub variable: String,
    /// Number of inputs per neuron.
    pub n: u64,
    /// Rate of each input (Hz).
    pub rate: f64,
    /// What one input spike adds: an expression in the target group's context (`"0.1*mV"`, `"w"`).
    pub weight: String,
    /// Scheduling slot (default `synapses`).
    pub when: String,
    /// Order within the slot (default 0).
    pub order: i64,
    /// Its name (default `poissoninput`, numbered as Brian2 numbers them when taken).
    pub name: String,
}

impl PoissonInput {
    /// `n` inputs of `rate` Hz each to `variable` of `target` (a group or a slice of one), each spike
    /// adding `weight`.
    pub fn new(
        target: impl Into<Subgroup>,
        variable: impl Into<String>,
        n: u64,
        rate: f64,
        weight: impl Into<String>,
    ) -> PoissonInput {
        PoissonInput {
            target: target.into(),
            variable: variable.into(),
            n,
            rate,
            weight: weight.into(),
            when: "synapses".into(),
            order: 0,
            name: "poissoninput*".into(),
        }
    }

    /// Runs at another slot of the schedule.
    pub fn when(mut self, when: impl Into<String>) -> PoissonInput {
        self.when = when.into();
        self
    }

    /// Runs at this order within its slot.
    pub fn order(mut self, order: i64) -> PoissonInput {
        self.order = order;
        self
    }

    /// Names it (a trailing `*` numbers it when the name is taken).
    pub fn name(mut self, name: impl Into<String>) -> PoissonInput {
        self.name = name.into();
        self
    }
}

impl Network {
    /// Adds a timed array (Brian2's `TimedArray(values*unit, dt)`) that model code calls as `name(t)`
    /// (1-D `values`) or `name(t, i)` (2-D: one row per time step, one column per index). At time `t`
    /// the value is that of row `k` with `k*dt <= t < (k+1)*dt` (computed as Brian2 does, robust to
    /// rounding), the first row before 0 and the last after the end; a column out of range gives NaN.
    /// `values` are multiplied by `unit` (`Quantity::parse("1*nA")`, or a dimensionless 1), whose
    /// dimensions the values take. Groups added after it may call it; those added before cannot.
    pub fn add_timed_array(
        &mut self,
        name: &str,
        dt: f64,
        values: impl Into<TimedValues>,
        unit: Quantity,
    ) -> Result<(), Error> {
        if !ganglion_model::inputs::is_identifier(name) || name.starts_with('_') {
            return Err(Error::Usage(format!(
                "`{name}` cannot name a timed array: use letters, digits and `_`, starting with a letter"
            )));
        }
        if self.namespace.timed_array(name).is_some() {
            return Err(Error::Usage(format!(
                "a timed array called `{name}` already exists"
            )));
        }
        if self.namespace.get(name).is_some() {
            return Err(Error::Usage(format!(
                "`{name}` is a constant of the namespace; a timed array needs another name"
            )));
        }
        let scale = |row: Vec<f64>| row.into_iter().map(|x| x * unit.value).collect();
        let (rows, two_d) = match values.into() {
            TimedValues::OneD(v) => (v.into_iter().map(|x| vec![x * unit.value]).collect(), false),
            TimedValues::TwoD(rows) => (rows.into_iter().map(scale).collect(), true),
        };
        let data = TimedArrayData::new(name, dt, rows, two_d, unit.dim).map_err(Error::Usage)?;
        self.install_timed_array(data);
        Ok(())
    }

    /// Makes a checked timed array callable: its shape in the run namespace, its values in the runtime
    /// group every kernel reads timed arrays from.
    pub(crate) fn install_timed_array(&mut self, data: TimedArrayData) {
        self.namespace
            .insert_timed_array(data.name.clone(), data.info.clone());
        let group = ganglion_lower::TIMED_ARRAY_GROUP;
        let id = match self.rt.groups.iter().position(|g| g.name == group) {
            Some(k) => k,
            None => self.rt.add_group(group, 0, &[]).0,
        };
        let arrays = &mut self.rt.groups[id].arrays;
        arrays.retain(|(n, _)| *n != data.name);
        arrays.push((data.name, ArrayData::from_f64(data.values)));
    }

    /// Adds independent Poisson inputs to a variable of a group (Brian2's `PoissonInput`): see
    /// [`PoissonInput`]. The number of spikes is drawn per neuron and step from Brian2's binomial
    /// (the normal approximation when `N·p > 5` and `N·(1-p) > 5`, `p = rate·dt`), on both backends from
    /// the same random bits.
    pub fn add_poisson_input(&mut self, input: PoissonInput) -> Result<ObjectId, Error> {
        let g = input.target.group;
        let group = self.groups[g.0].name.clone();
        let weight_source = self.sources.add_standalone(
            format!("<weight of a Poisson input to {group}.{}>", input.variable),
            input.weight.clone(),
        );
        let variable_source = self.sources.add_standalone(
            format!("<variable of a Poisson input to {group}>"),
            input.variable.clone(),
        );
        let weight = input.weight.clone();
        self.add_poisson_input_at(
            &input,
            Code {
                text: &weight,
                source: weight_source,
            },
            Location {
                source: variable_source,
                span: Span::new(0, input.variable.len()),
            },
        )
    }

    /// [`Network::add_poisson_input`] with the weight's code and the variable's name located (in a
    /// model file, say) for diagnostics.
    pub(crate) fn add_poisson_input_at(
        &mut self,
        input: &PoissonInput,
        weight: Code<'_>,
        variable_at: Location,
    ) -> Result<ObjectId, Error> {
        let g = input.target.group;
        let n_neurons = self.groups[g.0].model.n;
        if self.groups[g.0].synapses.is_some() {
            return Err(Error::Usage(format!(
                "a Poisson input targets a group of neurons, and `{}` is synapses",
                self.groups[g.0].name
            )));
        }
        if input.n == 0 {
            return Err(Error::Usage(
                "a Poisson input needs at least one input (N = 0)".into(),
            ));
        }
        if !(input.rate >= 0.0 && input.rate.is_finite()) {
            return Err(Error::Usage(format!(
                "the rate of a Poisson input cannot be negative or infinite ({} Hz)",
                input.rate
            )));
        }
        let start = input.target.start;
        let stop = input.target.stop.unwrap_or(n_neurons);
        if start >= stop || stop > n_neurons {
            return Err(Error::Usage(format!(
                "the neurons {start}..{stop} are not a non-empty part of group `{}` of {n_neurons} neurons",
                self.groups[g.0].name
            )));
        }
        let entry = &self.groups[g.0];
        let dt = self.rt.clocks[entry.clock.0].dt;
        // Brian2: `BinomialFunction(N, rate*target.clock.dt)`, fixed when the input is created.
        let p = input.rate * dt;
        if p > 1.0 {
            return Err(Error::Usage(format!(
                "the rate of a Poisson input times dt is {p}, more than one spike per input and step: use a smaller dt"
            )));
        }
        let mut diagnostics = Vec::new();
        let checked = ganglion_model::check_poisson_input(
            &entry.model,
            &input.variable,
            variable_at,
            weight,
            &[&entry.namespace, &self.namespace],
            &mut diagnostics,
        );
        let Some(weight) = checked else {
            return Err(self.model_error_pub(diagnostics));
        };
        let name = self.unique_name(&input.name)?;
        let entry = &self.groups[g.0];
        let range = (start > 0 || stop < n_neurons).then_some((start, stop));
        let kernel = ganglion_lower::lower_poisson_input(
            &entry.model,
            &entry.storage,
            &format!("{}.{name}", entry.name),
            &input.variable,
            input.n,
            p,
            &weight,
            range,
        );
        let info = ObjectInfo {
            name,
            when: input.when.clone(),
            order: input.order,
            clock: entry.clock,
            active: true,
            part_of: entry.name.clone(),
        };
        let overrides = crate::network::value_map(&entry.namespace);
        let id = entry.id;
        let obj = self
            .rt
            .add_kernel(info, id, &kernel, overrides)
            .map_err(Error::Usage)?;
        self.groups[g.0].objects.poisson_inputs.push(obj);
        Ok(obj)
    }
}

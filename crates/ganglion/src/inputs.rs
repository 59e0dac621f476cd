//! Inputs that are not groups: Brian2's `TimedArray` (a function of time that model code calls) and
//! `PoissonInput` (independent Poisson spike trains added to a variable of every neuron).

use ganglion_model::plan::Timing;
use ganglion_model::{Code, Location, TimedArrayData};
use ganglion_runtime::ObjectId;
use ganglion_syntax::Span;
use ganglion_units::Quantity;

use crate::driver::PoissonInputParts;
use crate::error::{Error, NameProblem, UsageError};
use crate::handles::Subgroup;
use crate::network::Network;

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
        let problem = if !ganglion_model::inputs::is_identifier(name) || name.starts_with('_') {
            Some(NameProblem::NotIdentifier)
        } else if self.namespace.timed_array(name).is_some() {
            Some(NameProblem::Taken)
        } else if self.namespace.get(name).is_some() {
            Some(NameProblem::Constant)
        } else {
            None
        };
        if let Some(problem) = problem {
            return Err(UsageError::TimedArrayName {
                name: name.to_string(),
                problem,
            }
            .into());
        }
        let scale = |row: Vec<f64>| row.into_iter().map(|x| x * unit.value).collect();
        let (rows, two_d) = match values.into() {
            TimedValues::OneD(v) => (v.into_iter().map(|x| vec![x * unit.value]).collect(), false),
            TimedValues::TwoD(rows) => (rows.into_iter().map(scale).collect(), true),
        };
        let data =
            TimedArrayData::new(name, dt, rows, two_d, unit.dim).map_err(UsageError::TimedArray)?;
        self.install_timed_array(&data);
        Ok(())
    }

    /// Makes a checked timed array callable: its shape in the run namespace, its values where kernels
    /// read them.
    pub(crate) fn install_timed_array(&mut self, data: &TimedArrayData) {
        self.namespace
            .insert_timed_array(data.name.clone(), data.info.clone());
        self.driver.install_timed_array(data);
    }

    /// Adds independent Poisson inputs to a variable of a group (Brian2's `PoissonInput`): see
    /// [`PoissonInput`]. The number of spikes is drawn per neuron and step from Brian2's binomial
    /// (the normal approximation when `N·p > 5` and `N·(1-p) > 5`, `p = rate·dt`), on both backends from
    /// the same random bits.
    pub fn add_poisson_input(&mut self, input: PoissonInput) -> Result<ObjectId, Error> {
        let g = input.target.group;
        let group = self.group_name(g).to_string();
        let weight_source = self.add_source(
            format!("<weight of a Poisson input to {group}.{}>", input.variable),
            &input.weight,
        );
        let variable_source = self.add_source(
            format!("<variable of a Poisson input to {group}>"),
            &input.variable,
        );
        let entry = self.driver.entry(g);
        if entry.synapses.is_some() {
            return Err(UsageError::NotNeurons { group }.into());
        }
        let dt = self.driver.sim.clock(entry.clock).dt;
        let p = ganglion_model::poisson_probability(input.n, input.rate, dt)
            .map_err(UsageError::PoissonInput)?;
        let (start, stop) = self.range_of(input.target)?;
        let mut diagnostics = Vec::new();
        let entry = self.driver.entry(g);
        let weight = ganglion_model::check_poisson_input(
            &entry.model,
            &input.variable,
            Location {
                source: variable_source,
                span: Span::new(0, input.variable.len()),
            },
            Code {
                text: &input.weight,
                source: weight_source,
            },
            &[&entry.namespace, &self.namespace],
            &mut diagnostics,
        );
        let n_neurons = entry.model.n;
        self.absorb(diagnostics)?;
        let weight = weight.expect("a weight without errors");
        let name = self.unique_name(&input.name)?;
        let parts = PoissonInputParts {
            name,
            group: g,
            range: (start > 0 || stop < n_neurons).then_some((start, stop)),
            variable: &input.variable,
            n: input.n,
            p,
            weight: &weight,
            timing: Timing {
                when: Network::slot(Some(&input.when))?,
                order: Some(input.order),
            },
        };
        self.driver.add_poisson_input(parts)
    }
}

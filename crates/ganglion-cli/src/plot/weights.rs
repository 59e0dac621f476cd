//! The distribution of each synaptic parameter at the end of the run (STDP's `w`: Brian2's
//! `hist(S.w / gmax, 20)`).

use ganglion_model::VariableKind;
use ganglion_plot::{Axis, Chart, Series};

use super::{Figures, count, display_unit, duration, label};

/// Brian2's STDP example draws 20 bins.
const BINS: usize = 20;

/// Draws `<synapses>_<var>_histogram` for each parameter of each Synapses object whose values differ
/// between synapses.
pub(super) fn draw(f: &mut Figures<'_>) -> Result<(), String> {
    for syn in &f.spec.synapses {
        let Some(g) = f.net.group_named(&syn.name) else {
            continue;
        };
        let parameters: Vec<(String, bool)> = f
            .net
            .model(g)
            .variables
            .iter()
            .map(|v| {
                let wanted = v.kind == VariableKind::Parameter && !v.shared && !v.linked;
                (v.name.clone(), wanted)
            })
            .collect();
        for (var, values, dim) in f.net.group_state(g) {
            let wanted = parameters.iter().any(|(n, w)| *n == var && *w);
            let differ = values.iter().any(|v| *v != values[0]);
            if !wanted || values.len() < 2 || !differ {
                continue;
            }
            let (scale, unit) = display_unit(dim, values.iter().copied());
            let shown: Vec<f64> = values.iter().map(|v| v / scale).collect();
            let mut chart = Chart::new(
                format!(
                    "{}: {var} of {} synapses ({} → {}) at t = {}",
                    syn.name,
                    count(values.len()),
                    syn.source,
                    syn.target,
                    duration(f.net.t())
                ),
                Axis::new(label(&var, &unit)),
                Axis::new("synapses").from_zero(),
            );
            chart
                .series
                .push(Series::histogram("", &shown, BINS.min(values.len())));
            f.save(&chart, &format!("{}_{var}_histogram", syn.name))?;
        }
    }
    Ok(())
}

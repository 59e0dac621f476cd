//! State monitors: traces of each recorded variable in its unit, labelled by neuron or by synapse `i→j`.

use ganglion::StateData;
use ganglion_plot::{Axis, Chart, Series};
use ganglion_units::Dimension;

use super::{Figures, MonitorInfo, dimension, display_unit, label, resolve};

/// At most this many traces per picture.
const MAX_TRACES: usize = 10;
/// Above this many samples a trace is reduced to the minimum and maximum of each bin.
const MAX_POINTS: usize = 4000;

/// Draws `M` (one variable) or `M_<var>` (several) for a state monitor.
pub(super) fn draw(
    f: &mut Figures<'_>,
    name: &str,
    info: Option<&MonitorInfo>,
    d: &StateData,
) -> Result<(), String> {
    let source = info.and_then(|x| resolve(f.net, &x.source));
    let source_text = info.map_or("", |x| x.source.as_str());
    let (legend_title, names) = trace_names(f, source, &d.indices);
    let (start, stop) = f.window(info);
    for (var, rows) in &d.values {
        let dim = source.map_or(Dimension::DIMENSIONLESS, |s| dimension(f.net, s.group, var));
        let file = if d.values.len() == 1 {
            name.to_string()
        } else {
            format!("{name}_{var}")
        };
        if d.t.len() <= 2 && rows.len() >= 2 {
            let chart = profile(f, name, info, d, var, dim);
            f.save(&chart, &file)?;
            continue;
        }
        let shown = &rows[..rows.len().min(MAX_TRACES)];
        let (scale, unit) = display_unit(dim, shown.iter().flatten().copied());
        let which = match (shown.len(), names.first()) {
            (1, Some(one)) => format!(", {} {one}", legend_title.trim_end_matches(" i→j")),
            (n, _) if n < rows.len() => format!(" ({n} of {} recorded)", rows.len()),
            _ => String::new(),
        };
        let mut chart = Chart::new(
            format!("{name}: {var} of {source_text}{which}"),
            f.time_axis(start, stop),
            Axis::new(label(var, &unit)),
        );
        if shown.len() > 1 {
            chart.legend_title = Some(legend_title.clone());
        }
        for (row, trace_name) in shown.iter().zip(&names) {
            let points: Vec<(f64, f64)> =
                d.t.iter()
                    .zip(row)
                    .map(|(t, v)| (t * f.t_scale, v / scale))
                    .collect();
            chart
                .series
                .push(Series::line(trace_name.clone(), decimate(points)));
        }
        f.save(&chart, &file)?;
    }
    Ok(())
}

/// A monitor that recorded once or twice (a group evaluated at one time, as Brian2's `exprel_function`
/// example does): `var` at the last recording across every recorded neuron, against the `--plot-against`
/// variable (recorded by the monitor, or the group's) or against the neuron index.
fn profile(
    f: &Figures<'_>,
    name: &str,
    info: Option<&MonitorInfo>,
    d: &StateData,
    var: &str,
    dim: Dimension,
) -> Chart {
    let source = info.and_then(|x| resolve(f.net, &x.source));
    let source_text = info.map_or("", |x| x.source.as_str());
    let last = |row: &Vec<f64>| row.last().copied().unwrap_or(f64::NAN);
    let values: Vec<f64> = d
        .values
        .iter()
        .find(|(v, _)| v == var)
        .map_or_else(Vec::new, |(_, rows)| rows.iter().map(last).collect());
    let (scale, unit) = display_unit(dim, values.iter().copied());
    let against = f.spec.against.as_ref().and_then(|x_var| {
        let xs: Vec<f64> = match d.values.iter().find(|(v, _)| v == x_var) {
            Some((_, rows)) => rows.iter().map(last).collect(),
            None => {
                let s = source?;
                let (_, all, _) = f
                    .net
                    .group_state(s.group)
                    .into_iter()
                    .find(|(v, _, _)| v == x_var)?;
                d.indices
                    .iter()
                    .map(|k| all.get(s.start + k).copied())
                    .collect::<Option<_>>()?
            }
        };
        let x_dim = source.map_or(Dimension::DIMENSIONLESS, |s| {
            dimension(f.net, s.group, x_var)
        });
        let (x_scale, x_unit) = display_unit(x_dim, xs.iter().copied());
        Some((
            xs.into_iter().map(|x| x / x_scale).collect::<Vec<_>>(),
            label(x_var, &x_unit),
        ))
    });
    let at = d.t.last().map_or(String::new(), |t| {
        format!(" at t = {}", super::duration(*t))
    });
    let title = format!("{name}: {var} of each recorded neuron of {source_text}{at}");
    let y = Axis::new(label(var, &unit));
    match against {
        Some((xs, x_label)) => {
            let mut points: Vec<(f64, f64)> = xs
                .into_iter()
                .zip(values.iter().map(|v| v / scale))
                .collect();
            points.sort_by(|a, b| a.0.total_cmp(&b.0));
            let mut chart = Chart::new(title, Axis::new(x_label), y);
            chart.series.push(Series::line("", points));
            chart
        }
        None => {
            let points = d
                .indices
                .iter()
                .zip(&values)
                .map(|(k, v)| (*k as f64, v / scale))
                .collect();
            let mut chart = Chart::new(title, Axis::new("neuron index").integer(), y);
            chart.series.push(Series::dots("", points));
            chart
        }
    }
}

/// The legend's title and each trace's name: `neuron` and the index, or for synapses `synapse i→j` and
/// the indices of the pre- and postsynaptic neurons.
fn trace_names(
    f: &Figures<'_>,
    source: Option<super::Source>,
    indices: &[usize],
) -> (String, Vec<String>) {
    let plain = || {
        (
            "neuron".to_string(),
            indices.iter().map(|k| k.to_string()).collect(),
        )
    };
    let Some(s) = source else {
        return plain();
    };
    let is_synapses = f
        .spec
        .synapses
        .iter()
        .any(|syn| f.net.group_named(&syn.name) == Some(s.group));
    if !is_synapses {
        return plain();
    }
    let state = f.net.group_state(s.group);
    let column = |name: &str| {
        state
            .iter()
            .find(|(v, _, _)| v == name)
            .map(|(_, values, _)| values)
    };
    let (Some(i), Some(j)) = (column("i"), column("j")) else {
        return plain();
    };
    let names = indices
        .iter()
        .map(|&k| match (i.get(s.start + k), j.get(s.start + k)) {
            (Some(a), Some(b)) => format!("{a}→{b}"),
            _ => format!("synapse {k}"),
        })
        .collect();
    ("synapse i→j".to_string(), names)
}

/// Reduces a long trace to the first and last point and the minimum and maximum of each bin, in order.
fn decimate(points: Vec<(f64, f64)>) -> Vec<(f64, f64)> {
    if points.len() <= MAX_POINTS {
        return points;
    }
    let bin = points.len().div_ceil(MAX_POINTS / 2);
    let mut out = Vec::with_capacity(MAX_POINTS + 2);
    for chunk in points.chunks(bin) {
        let lo = chunk
            .iter()
            .enumerate()
            .min_by(|a, b| a.1.1.total_cmp(&b.1.1))
            .map_or(0, |(k, _)| k);
        let hi = chunk
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.1.total_cmp(&b.1.1))
            .map_or(0, |(k, _)| k);
        let (a, b) = if lo <= hi { (lo, hi) } else { (hi, lo) };
        out.push(chunk[a]);
        if b != a {
            out.push(chunk[b]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimation_keeps_extremes_in_order() {
        let points: Vec<(f64, f64)> = (0..100_000)
            .map(|k| (k as f64, if k == 54_321 { 10.0 } else { (k % 7) as f64 }))
            .collect();
        let d = decimate(points);
        assert!(d.len() <= MAX_POINTS + 2);
        assert!(d.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(d.iter().any(|p| p.1 == 10.0));
    }
}

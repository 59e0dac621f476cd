//! Spike and event monitors: the raster, each neuron's firing rate, and variables recorded at the spikes.

use ganglion::SpikeData;
use ganglion_plot::{Axis, Chart, GREY, PALETTE, Series};

use super::{Figures, MonitorInfo, Source, count, dimension, display_unit, label, resolve};

/// Above this many spikes per neuron a raster row is a solid line (about three pixels apart at most).
const DENSE_ROW: usize = 250;
/// A monitor of at most this many neurons with dense rows is drawn as rates over time instead.
const MAX_RATE_LINES: usize = 10;

/// Draws `M`, `M_counts` and `M_<var>` for a spike or event monitor.
pub(super) fn draw(
    f: &mut Figures<'_>,
    name: &str,
    info: Option<&MonitorInfo>,
    d: &SpikeData,
) -> Result<(), String> {
    let source = info.and_then(|x| resolve(f.net, &x.source));
    let n = d.count.len().max(1);
    let chart = if n <= MAX_RATE_LINES && d.num_events() / n > DENSE_ROW {
        rate_over_time(f, name, info, d)
    } else {
        raster(f, name, info, source, d)
    };
    f.save(&chart, name)?;
    let against = against(f, source);
    if d.count.len() >= 2 || against.is_some() {
        let chart = rate_per_neuron(f, name, info, d, against.as_ref());
        f.save(&chart, &format!("{name}_counts"))?;
    }
    for (var, values) in &d.values {
        let dim = source.map_or(ganglion_units::Dimension::DIMENSIONLESS, |s| {
            dimension(f.net, s.group, var)
        });
        let (scale, unit) = display_unit(dim, values.iter().copied());
        // Against the `--plot-against` variable of the spiking neuron (Touboul_Brette_2008's bifurcation
        // diagram), or against time.
        let (points, x): (Vec<(f64, f64)>, Axis) = match &against {
            Some((xs, x_label)) => (
                d.i.iter()
                    .zip(values)
                    .filter_map(|(i, v)| Some((*xs.get(*i as usize)?, v / scale)))
                    .collect(),
                Axis::new(x_label.clone()),
            ),
            None => {
                let (start, stop) = f.window(info);
                (
                    d.t.iter()
                        .zip(values)
                        .map(|(t, v)| (t * f.t_scale, v / scale))
                        .collect(),
                    f.time_axis(start, stop),
                )
            }
        };
        let events = info.map_or("spikes", |x| x.events);
        let mut chart = Chart::new(
            format!(
                "{name}: {var} at each of {} {events}",
                count(d.num_events())
            ),
            x,
            Axis::new(label(var, &unit)),
        );
        chart
            .series
            .push(Series::dots("", points).with_color(PALETTE[0]));
        f.save(&chart, &format!("{name}_{var}"))?;
    }
    Ok(())
}

/// The raster: time against neuron index, one dot per spike, coloured by part of the group when its
/// parts connect differently.
fn raster(
    f: &Figures<'_>,
    name: &str,
    info: Option<&MonitorInfo>,
    source: Option<Source>,
    d: &SpikeData,
) -> Chart {
    let (start, stop) = f.window(info);
    let n = d.count.len();
    let events = info.map_or("spikes", |x| x.events);
    let source_text = info.map_or("", |x| x.source.as_str());
    let window = stop - start;
    let mean = if window > 0.0 && n > 0 {
        format!(
            ", {:.1} Hz per neuron",
            d.num_events() as f64 / n as f64 / window
        )
    } else {
        String::new()
    };
    let neurons = if n == 1 { "neuron" } else { "neurons" };
    let mut chart = ganglion_plot::raster(
        &format!(
            "{name}: {} {events} of {source_text} ({} {neurons}{mean})",
            count(d.num_events()),
            count(n)
        ),
        f.time_axis(start, stop),
        &[],
        &[],
    );
    chart.y = chart.y.with_range(-0.5, n.max(1) as f64 - 0.5);
    let dot = |t: &f64, i: &u32| (t * f.t_scale, f64::from(*i));
    let parts = source.map_or_else(Vec::new, |s| parts(f, s));
    if parts.is_empty() {
        chart.series[0].points = d.t.iter().zip(&d.i).map(|(t, i)| dot(t, i)).collect();
        return chart;
    }
    chart.series.clear();
    chart.legend_title = Some("neurons".into());
    for (k, part) in parts.iter().enumerate() {
        let points =
            d.t.iter()
                .zip(&d.i)
                .filter(|(_, i)| (part.start..part.stop).contains(&(**i as usize)))
                .map(|(t, i)| dot(t, i))
                .collect();
        let color = if part.what.is_empty() {
            GREY
        } else {
            PALETTE[k % PALETTE.len()]
        };
        let range = format!("{}–{}", part.start, part.stop - 1);
        let legend = if part.what.is_empty() {
            range
        } else {
            format!("{range}: {}", part.what)
        };
        chart
            .series
            .push(Series::dots(legend, points).with_color(color));
    }
    chart
}

/// A few neurons that fire too often for a raster: each one's firing rate over time, counted in about
/// a hundred bins of a round width.
fn rate_over_time(f: &Figures<'_>, name: &str, info: Option<&MonitorInfo>, d: &SpikeData) -> Chart {
    let (start, stop) = f.window(info);
    let length = (stop - start).max(f64::MIN_POSITIVE);
    let target = length / 100.0;
    let decade = 10f64.powf(target.log10().floor());
    let bin = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * decade)
        .find(|w| *w >= target * 0.9999)
        .unwrap_or(10.0 * decade);
    let bins = (length / bin).ceil().max(1.0) as usize;
    let events = info.map_or("spikes", |x| x.events);
    let source_text = info.map_or("", |x| x.source.as_str());
    let mut chart = Chart::new(
        format!(
            "{name}: firing rate of {source_text} in bins of {} ({} {events})",
            super::duration(bin),
            count(d.num_events())
        ),
        f.time_axis(start, stop),
        Axis::new("firing rate (Hz)").from_zero(),
    );
    let mut counts = vec![vec![0usize; bins]; d.count.len()];
    for (t, i) in d.t.iter().zip(&d.i) {
        let k = (((t - start) / bin).max(0.0) as usize).min(bins - 1);
        counts[*i as usize][k] += 1;
    }
    for (neuron, row) in counts.iter().enumerate() {
        let points = row
            .iter()
            .enumerate()
            .map(|(k, c)| {
                let from = start + k as f64 * bin;
                let to = (from + bin).min(stop);
                ((from + to) / 2.0 * f.t_scale, *c as f64 / (to - from))
            })
            .collect();
        chart.series.push(Series::line(neuron.to_string(), points));
    }
    if chart.series.len() > 1 {
        chart.legend_title = Some("neuron".into());
    }
    chart
}

/// A part of a monitored group: neurons `start..stop` (monitor indices) and what sets them apart
/// (empty: the rest).
#[derive(Clone, Debug, PartialEq)]
struct Part {
    start: usize,
    stop: usize,
    what: String,
}

/// The parts of the monitored neurons that project through different Synapses (`source of Ce`), or else
/// that different PoissonInputs drive (`input background`), with the rest; none when that gives fewer
/// than two parts or the ranges overlap.
fn parts(f: &Figures<'_>, monitored: Source) -> Vec<Part> {
    let net = f.net;
    let in_group = |s: &Source| s.group == monitored.group;
    // Presynaptic ranges: the source's slice, narrowed to the synapses' own `i` (CUBA's `i < 3200`).
    let mut ranges: Vec<(usize, usize, String)> = Vec::new();
    for syn in &f.spec.synapses {
        let (Some(source), Some(g)) = (resolve(net, &syn.source), net.group_named(&syn.name))
        else {
            continue;
        };
        if !in_group(&source) {
            continue;
        }
        let state = net.group_state(g);
        let Some((_, i, _)) = state.iter().find(|(v, _, _)| v == "i") else {
            continue;
        };
        let lo = i.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = i.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        if lo.is_finite() {
            let range = (source.start + lo as usize, source.start + hi as usize + 1);
            ranges.push((range.0, range.1, format!("source of {}", syn.name)));
        }
    }
    if disjoint(&mut ranges).is_none() {
        ranges.clear();
        for input in &f.spec.inputs {
            if let Some(t) = resolve(net, &input.target)
                && in_group(&t)
            {
                ranges.push((t.start, t.stop, format!("input {}", input.name)));
            }
        }
        if disjoint(&mut ranges).is_none() {
            return Vec::new();
        }
    }
    let (a, z) = (monitored.start, monitored.stop);
    let mut out = Vec::new();
    let mut next = a;
    for (lo, hi, what) in ranges {
        let (lo, hi) = (lo.max(a), hi.min(z));
        if lo >= hi {
            continue;
        }
        if lo > next {
            out.push(Part {
                start: next - a,
                stop: lo - a,
                what: String::new(),
            });
        }
        out.push(Part {
            start: lo - a,
            stop: hi - a,
            what,
        });
        next = hi;
    }
    if next < z && !out.is_empty() {
        out.push(Part {
            start: next - a,
            stop: z - a,
            what: String::new(),
        });
    }
    if out.len() >= 2 { out } else { Vec::new() }
}

/// Sorts `ranges`, merges identical ones (their names joined); `None` when two overlap otherwise or
/// there are none.
fn disjoint(ranges: &mut Vec<(usize, usize, String)>) -> Option<()> {
    ranges.sort_by_key(|r| (r.0, r.1));
    let mut merged: Vec<(usize, usize, String)> = Vec::new();
    for r in ranges.drain(..) {
        match merged.last_mut() {
            Some(last) if (last.0, last.1) == (r.0, r.1) => {
                last.2 = format!("{}, {}", last.2, r.2.trim_start_matches("source of "));
            }
            Some(last) if r.0 < last.1 => return None,
            _ => merged.push(r),
        }
    }
    *ranges = merged;
    (!ranges.is_empty()).then_some(())
}

/// The `--plot-against` variable of the monitored neurons, in its display unit, with its axis label.
fn against(f: &Figures<'_>, source: Option<Source>) -> Option<(Vec<f64>, String)> {
    let var = f.spec.against.as_ref()?;
    let s = source?;
    let (_, values, dim) = f
        .net
        .group_state(s.group)
        .into_iter()
        .find(|(v, _, _)| v == var)?;
    let xs = values.get(s.start..s.stop)?.to_vec();
    let (scale, unit) = display_unit(dim, xs.iter().copied());
    Some((
        xs.into_iter().map(|x| x / scale).collect(),
        label(var, &unit),
    ))
}

/// Each neuron's firing rate over the recording window (spike counts for an empty window): dots against
/// the neuron index, or a curve against the `--plot-against` variable.
fn rate_per_neuron(
    f: &Figures<'_>,
    name: &str,
    info: Option<&MonitorInfo>,
    d: &SpikeData,
    against: Option<&(Vec<f64>, String)>,
) -> Chart {
    let (start, stop) = f.window(info);
    let window = stop - start;
    let (y, y_label) = if window > 0.0 {
        let rates: Vec<f64> = d.count.iter().map(|&c| c as f64 / window).collect();
        (rates, "firing rate (Hz)")
    } else {
        (d.count.iter().map(|&c| c as f64).collect(), "spikes")
    };
    let source_text = info.map_or("", |x| x.source.as_str());
    let title = format!(
        "{name}: firing rate per neuron of {source_text} over {}",
        super::duration(window)
    );
    let y_axis = Axis::new(y_label).from_zero();
    match against {
        Some((xs, x_label)) => {
            let mut points: Vec<(f64, f64)> = xs.iter().copied().zip(y).collect();
            points.sort_by(|a, b| a.0.total_cmp(&b.0));
            let mut chart = Chart::new(title, Axis::new(x_label.clone()), y_axis);
            chart.series.push(Series::line("", points));
            chart
        }
        None => {
            let n = y.len();
            let points = y
                .into_iter()
                .enumerate()
                .map(|(k, r)| (k as f64, r))
                .collect();
            let x = Axis::new("neuron index")
                .integer()
                .with_range(-0.5, n as f64 - 0.5);
            let mut chart = Chart::new(title, x, y_axis);
            chart.series.push(Series::dots("", points));
            chart
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_ranges_merge_and_overlapping_ones_do_not_colour() {
        let mut r = vec![
            (3200, 4000, "source of Ci".to_string()),
            (0, 3200, "source of Ce".to_string()),
            (0, 3200, "source of Ce2".to_string()),
        ];
        assert!(disjoint(&mut r).is_some());
        assert_eq!(r[0].2, "source of Ce, Ce2");
        assert_eq!(r[1].0, 3200);
        let mut r = vec![(0, 10, "a".to_string()), (5, 20, "b".to_string())];
        assert!(disjoint(&mut r).is_none());
    }
}

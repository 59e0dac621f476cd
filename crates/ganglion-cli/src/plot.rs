//! `ganglion run --plot`: the pictures a Brian2 example draws with matplotlib, as PNG files next to the
//! recorded data.
//!
//! For each monitor `M`:
//! - spike and event monitors: `M.png`, a raster (time against neuron index), and `M_counts.png`, the firing
//!   rate of each neuron over the recording window against its index, or against a variable of the
//!   monitored group (`--plot-against v0`: an f-I curve, as the IF_curve examples draw it); each variable
//!   recorded at the spikes gets `M_<var>.png`, its values against time or against that variable;
//! - state monitors: `M.png` (or `M_<var>.png` for each of several variables), the traces of at most ten
//!   recorded neurons;
//! - rate monitors: `M.png`, the population rate over time (averaged over bins when there are many steps).
//!
//! Times are shown in ms for runs up to 2 s and in s beyond; values in the unit Brian2 would display them in
//! (`mV` for a membrane potential).

use std::path::{Path, PathBuf};

use ganglion::{GroupHandle, Network, RateData, SpikeData, StateData};
use ganglion_modelfile::{Code, ModelFile};
use ganglion_plot::{Chart, Series};
use ganglion_units::{Dimension, Quantity};

/// At most this many traces per state monitor picture.
const MAX_TRACES: usize = 10;
/// Above this many samples a trace is reduced to the minimum and maximum of each bin.
const MAX_POINTS: usize = 4000;

/// What the pictures need from the model file: each monitor's source and recording window.
pub struct PlotSpec {
    monitors: Vec<MonitorInfo>,
    against: Option<String>,
}

struct MonitorInfo {
    name: String,
    events: &'static str,
    source: String,
    start: Option<Code>,
    stop: Option<Code>,
}

impl PlotSpec {
    /// Reads the monitors of `file`; `against` is the variable spike counts are drawn against.
    pub fn new(file: &ModelFile, against: Option<String>) -> PlotSpec {
        PlotSpec {
            monitors: file
                .monitors
                .iter()
                .map(|m| MonitorInfo {
                    name: m.name.value.clone(),
                    events: match m.kind.value {
                        ganglion_modelfile::MonitorKind::Event => "events",
                        _ => "spikes",
                    },
                    source: m.source.value.clone(),
                    start: m.start.clone(),
                    stop: m.stop.clone(),
                })
                .collect(),
            against,
        }
    }
}

/// The group a monitor watches and the first neuron of its slice.
fn source_group(net: &Network, source: &str) -> Option<(GroupHandle, usize, usize)> {
    let (name, slice) = ganglion_modelfile::split_subgroup(source).ok()?;
    let g = net.group_named(name)?;
    let n = net.group_size(g);
    Some(match slice {
        None => (g, 0, n),
        Some((a, z)) => (
            g,
            a.unwrap_or(0).max(0) as usize,
            z.map_or(n, |z| z.max(0) as usize),
        ),
    })
}

/// The dimensions of a variable or subexpression of a group.
fn dimension(net: &Network, g: GroupHandle, var: &str) -> Dimension {
    let model = net.model(g);
    model
        .variable(var)
        .map(|v| v.dim)
        .or_else(|| model.subexpression(var).map(|s| s.dim))
        .unwrap_or(Dimension::DIMENSIONLESS)
}

/// The scale and name of the unit to show values of `dim` in, chosen from their largest magnitude.
fn display_unit(dim: Dimension, values: impl Iterator<Item = f64>) -> (f64, String) {
    if dim.is_dimensionless() {
        return (1.0, String::new());
    }
    let largest = values
        .filter(|v| v.is_finite())
        .fold(0.0f64, |m, v| m.max(v.abs()));
    match Quantity::new(largest, dim).best_unit() {
        Some(u) if largest > 0.0 => (u.scale, u.name.clone()),
        _ => (1.0, dim.to_string()),
    }
}

fn label(name: &str, unit: &str) -> String {
    if unit.is_empty() {
        name.to_string()
    } else {
        format!("{name} ({unit})")
    }
}

/// Times are shown in ms for runs up to 2 s.
fn time_axis(t_end: f64) -> (f64, &'static str) {
    if t_end <= 2.0 {
        (1e3, "time (ms)")
    } else {
        (1.0, "time (s)")
    }
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

fn time_value(net: &Network, code: &Option<Code>) -> Option<f64> {
    let c = code.as_ref()?;
    ganglion_model::eval_constant(&c.text, c.source, &[net.namespace()], "a monitor's window")
        .ok()
        .map(|v| v.value)
}

/// Writes one or two PNG files per monitor into `dir`; returns the files written.
pub fn write_plots(net: &Network, dir: &Path, spec: &PlotSpec) -> Result<Vec<PathBuf>, String> {
    let t_end = net.t();
    let (t_scale, t_label) = time_axis(t_end);
    let mut plotter = Plotter {
        net,
        dir,
        against: spec.against.as_deref(),
        t_end,
        t_scale,
        t_label,
        written: Vec::new(),
    };
    for m in net.monitors() {
        let name = net.monitor_name(m).to_string();
        let info = spec.monitors.iter().find(|x| x.name == name);
        let monitor = Monitor {
            source: info.and_then(|x| source_group(net, &x.source)),
            source_text: info.map_or(String::new(), |x| x.source.clone()),
            name,
            info,
        };
        if let Some(d) = net.spike_data(m) {
            plotter.spikes(&monitor, d)?;
        } else if let Some(d) = net.state_data(m) {
            plotter.states(&monitor, d)?;
        } else if let Some(d) = net.rate_data(m) {
            plotter.rates(&monitor, d)?;
        }
    }
    Ok(plotter.written)
}

/// A monitor, as its pictures name it.
struct Monitor<'a> {
    name: String,
    /// What the model file says about it.
    info: Option<&'a MonitorInfo>,
    /// The group it watches and the range of its neurons.
    source: Option<(GroupHandle, usize, usize)>,
    /// Its source as written.
    source_text: String,
}

impl Monitor<'_> {
    /// The dimensions of a variable of the monitored group.
    fn dimension(&self, net: &Network, var: &str) -> Dimension {
        self.source
            .map_or(Dimension::DIMENSIONLESS, |(g, _, _)| dimension(net, g, var))
    }
}

/// Draws the pictures of a run's monitors into a folder.
struct Plotter<'a> {
    net: &'a Network,
    dir: &'a Path,
    /// The variable spike counts are drawn against (`--plot-against`).
    against: Option<&'a str>,
    /// The end of the run (seconds).
    t_end: f64,
    /// Times are multiplied by this for the time axis.
    t_scale: f64,
    t_label: &'static str,
    /// The files written so far.
    written: Vec<PathBuf>,
}

impl Plotter<'_> {
    /// Saves `chart` as `file` in the folder.
    fn save(&mut self, chart: &Chart, file: String) -> Result<(), String> {
        let path = self.dir.join(file);
        chart.save(&path)?;
        self.written.push(path);
        Ok(())
    }

    /// A spike or event monitor: the raster, the firing rate of each neuron, and each variable recorded
    /// at the spikes.
    fn spikes(&mut self, m: &Monitor<'_>, d: &SpikeData) -> Result<(), String> {
        let name = &m.name;
        let mut raster = Chart::new(
            format!(
                "{name}: {} {} of {}",
                d.num_events(),
                m.info.map_or("events", |x| x.events),
                m.source_text
            ),
            self.t_label,
            "neuron index",
        );
        raster.series.push(Series::markers(
            "spikes",
            d.t.iter()
                .zip(&d.i)
                .map(|(t, i)| (t * self.t_scale, f64::from(*i)))
                .collect(),
        ));
        self.save(&raster, format!("{name}.png"))?;
        let against = self.against_values(m);
        self.firing_rates(m, d, against.clone())?;
        self.values_at_spikes(m, d, against.as_ref())
    }

    /// The values of the `--plot-against` variable for the monitored neurons (in a display unit), and
    /// the axis label.
    fn against_values(&self, m: &Monitor<'_>) -> Option<(Vec<f64>, String)> {
        let var = self.against?;
        let (g, a, z) = m.source?;
        let values = self
            .net
            .group_state(g)
            .into_iter()
            .find(|(v, _, _)| v == var)?;
        let xs = values.1.get(a..z)?.to_vec();
        let (scale, unit) = display_unit(values.2, xs.iter().copied());
        Some((
            xs.into_iter().map(|x| x / scale).collect::<Vec<_>>(),
            label(var, &unit),
        ))
    }

    /// The firing rate of each neuron over the recording window, against its index or `against`.
    fn firing_rates(
        &mut self,
        m: &Monitor<'_>,
        d: &SpikeData,
        against: Option<(Vec<f64>, String)>,
    ) -> Result<(), String> {
        let start = m
            .info
            .and_then(|x| time_value(self.net, &x.start))
            .unwrap_or(0.0);
        let stop = m
            .info
            .and_then(|x| time_value(self.net, &x.stop))
            .map_or(self.t_end, |s| s.min(self.t_end));
        let window = stop - start;
        let (y, y_label) = if window > 0.0 {
            (
                d.count
                    .iter()
                    .map(|&c| c as f64 / window)
                    .collect::<Vec<_>>(),
                "firing rate (spikes/s)",
            )
        } else {
            (
                d.count.iter().map(|&c| c as f64).collect(),
                "number of spikes",
            )
        };
        let (xs, x_label) = against.unwrap_or_else(|| {
            (
                (0..y.len()).map(|k| k as f64).collect(),
                "neuron index".to_string(),
            )
        });
        let mut points: Vec<(f64, f64)> = xs.into_iter().zip(y).collect();
        points.sort_by(|a, b| a.0.total_cmp(&b.0));
        let name = &m.name;
        let mut counts = Chart::new(format!("{name}: firing rate per neuron"), x_label, y_label);
        counts.series.push(Series::line("rate", points));
        self.save(&counts, format!("{name}_counts.png"))
    }

    /// Variables recorded at each spike: against the `--plot-against` variable of the spiking neuron
    /// (Touboul_Brette_2008's bifurcation diagram), or against time.
    fn values_at_spikes(
        &mut self,
        m: &Monitor<'_>,
        d: &SpikeData,
        against: Option<&(Vec<f64>, String)>,
    ) -> Result<(), String> {
        let name = &m.name;
        for (var, values) in &d.values {
            let dim = m.dimension(self.net, var);
            let (scale, unit) = display_unit(dim, values.iter().copied());
            let (points, x_label): (Vec<(f64, f64)>, String) = match against {
                Some((xs, x_label)) => (
                    d.i.iter()
                        .zip(values)
                        .filter_map(|(i, v)| Some((*xs.get(*i as usize)?, v / scale)))
                        .collect(),
                    x_label.clone(),
                ),
                None => (
                    d.t.iter()
                        .zip(values)
                        .map(|(t, v)| (t * self.t_scale, v / scale))
                        .collect(),
                    self.t_label.to_string(),
                ),
            };
            let mut chart = Chart::new(
                format!("{name}: {var} at each spike"),
                x_label,
                label(var, &unit),
            );
            chart.series.push(Series::markers(var.as_str(), points));
            self.save(&chart, format!("{name}_{var}.png"))?;
        }
        Ok(())
    }

    /// A state monitor: the traces of at most [`MAX_TRACES`] neurons, one picture per variable.
    fn states(&mut self, m: &Monitor<'_>, d: &StateData) -> Result<(), String> {
        let name = &m.name;
        for (var, rows) in &d.values {
            let dim = m.dimension(self.net, var);
            let shown = &rows[..rows.len().min(MAX_TRACES)];
            let (scale, unit) = display_unit(dim, shown.iter().flatten().copied());
            let mut chart = Chart::new(
                format!("{name}: {var} of {}", m.source_text),
                self.t_label,
                label(var, &unit),
            );
            for (row, k) in shown.iter().zip(&d.indices) {
                let points: Vec<(f64, f64)> =
                    d.t.iter()
                        .zip(row)
                        .map(|(t, v)| (t * self.t_scale, v / scale))
                        .collect();
                chart
                    .series
                    .push(Series::line(format!("neuron {k}"), decimate(points)));
            }
            let file = if d.values.len() == 1 {
                format!("{name}.png")
            } else {
                format!("{name}_{var}.png")
            };
            self.save(&chart, file)?;
        }
        Ok(())
    }

    /// A population rate monitor: the rate over time, averaged over bins so that at most
    /// `MAX_POINTS/2` values are drawn.
    fn rates(&mut self, m: &Monitor<'_>, d: &RateData) -> Result<(), String> {
        let bin = d.rate.len().div_ceil(MAX_POINTS / 2).max(1);
        let points: Vec<(f64, f64)> =
            d.t.chunks(bin)
                .zip(d.rate.chunks(bin))
                .map(|(t, r)| (t[0] * self.t_scale, r.iter().sum::<f64>() / r.len() as f64))
                .collect();
        let name = &m.name;
        let mut chart = Chart::new(
            format!("{name}: population rate of {}", m.source_text),
            self.t_label,
            "rate (spikes/s)",
        );
        chart.series.push(Series::line("rate", points));
        self.save(&chart, format!("{name}.png"))
    }
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

    #[test]
    fn units_as_brian2_shows_them() {
        let (scale, unit) = display_unit(Dimension::VOLTAGE, [-0.07, 0.02].into_iter());
        assert_eq!((scale, unit.as_str()), (1e-3, "mV"));
        assert_eq!(
            display_unit(Dimension::DIMENSIONLESS, [5.0].into_iter()).1,
            ""
        );
    }
}

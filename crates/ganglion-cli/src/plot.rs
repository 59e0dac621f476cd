//! `ganglion run --plot`: the pictures a Brian2 user draws after a run, next to the recorded data.
//!
//! For each monitor `M`:
//! - spike and event monitors: `M` (a raster: time against neuron index, one colour per part of the group
//!   that projects through its own Synapses, or that a PoissonInput drives; for a few neurons too busy for
//!   a raster, their firing rates over time), `M_counts` (each neuron's firing rate over the recording
//!   window, against its index or, with `--plot-against v0`, against a variable of the group: an f-I
//!   curve), and `M_<var>` for each variable recorded at the spikes;
//! - state monitors: `M` (or `M_<var>` for each of several variables), at most ten traces in the
//!   variable's unit (`mV`, `nS`, `mS/cm²`), each labelled by its neuron, or by its synapse as `i→j`; a
//!   monitor that recorded only once or twice shows its values across the recorded neurons instead
//!   (against the `--plot-against` variable, or the neuron index);
//! - rate monitors: `M`, the population rate smoothed as Brian2's `smooth_rate(width=...)` does.
//!
//! And for each Synapses object with a parameter that differs between synapses (STDP's `w`):
//! `<synapses>_<var>_histogram`, the distribution at the end of the run, as Brian2's STDP example draws it.
//!
//! Times are in ms for runs up to 2 s, in s beyond; values in the unit Brian2 would display them in.
//! Pictures are PNG, SVG, or both (`--plot-format`).

mod population;
mod spikes;
mod traces;
mod weights;

use std::path::{Path, PathBuf};

use ganglion::{GroupHandle, Network};
use ganglion_modelfile::{Code, ModelFile, MonitorKind};
use ganglion_plot::Chart;
use ganglion_units::{Dimension, Quantity};

/// The file formats pictures are written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum PlotFormat {
    /// PNG (bitmaps, 1000 by 625 pixels).
    Png,
    /// SVG (vector graphics, for slides and papers).
    Svg,
    /// Both.
    Both,
}

impl PlotFormat {
    fn extensions(self) -> &'static [&'static str] {
        match self {
            PlotFormat::Png => &["png"],
            PlotFormat::Svg => &["svg"],
            PlotFormat::Both => &["png", "svg"],
        }
    }
}

/// What the pictures need from the model file: monitors with their sources and recording windows, the
/// synapses and Poisson inputs (which parts of a group they connect), the `--plot-*` options.
pub struct PlotSpec {
    monitors: Vec<MonitorInfo>,
    synapses: Vec<Connection>,
    inputs: Vec<Connection>,
    against: Option<String>,
    format: PlotFormat,
}

/// A monitor of the model file.
struct MonitorInfo {
    name: String,
    events: &'static str,
    source: String,
    start: Option<Code>,
    stop: Option<Code>,
}

/// A Synapses object or PoissonInput: its name, the group (or subgroup) it comes from or acts on.
struct Connection {
    name: String,
    source: String,
    target: String,
}

impl PlotSpec {
    /// Reads the monitors, synapses and inputs of `file`; `against` is the variable firing rates are drawn
    /// against.
    pub fn new(file: &ModelFile, against: Option<String>, format: PlotFormat) -> PlotSpec {
        PlotSpec {
            monitors: file
                .monitors
                .iter()
                .map(|m| MonitorInfo {
                    name: m.name.value.clone(),
                    events: match m.kind.value {
                        MonitorKind::Event => "events",
                        _ => "spikes",
                    },
                    source: m.source.value.clone(),
                    start: m.start.clone(),
                    stop: m.stop.clone(),
                })
                .collect(),
            synapses: file
                .synapses
                .iter()
                .map(|s| Connection {
                    name: s.name.value.clone(),
                    source: s.source.value.clone(),
                    target: s.target.value.clone(),
                })
                .collect(),
            inputs: file
                .poisson_inputs
                .iter()
                .map(|p| Connection {
                    name: p.name.value.clone(),
                    source: String::new(),
                    target: p.target.value.clone(),
                })
                .collect(),
            against,
            format,
        }
    }
}

/// A group, or the slice of it a monitor or connection names.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Source {
    group: GroupHandle,
    /// First element.
    start: usize,
    /// One past the last.
    stop: usize,
}

/// `group[a:b]` with Python's meaning of missing and negative bounds, in `0..n`.
fn slice_range(bounds: Option<ganglion_modelfile::SliceBounds>, n: usize) -> (usize, usize) {
    let at = |b: Option<i64>, default: usize| match b {
        None => default,
        Some(k) if k < 0 => n.saturating_sub(k.unsigned_abs() as usize),
        Some(k) => (k as usize).min(n),
    };
    let (a, b) = bounds.unwrap_or((None, None));
    let (a, b) = (at(a, 0), at(b, n));
    (a, b.max(a))
}

/// The group `source` names (`P` or `P[:3200]`) and the range of it.
fn resolve(net: &Network, source: &str) -> Option<Source> {
    let (name, slice) = ganglion_modelfile::split_subgroup(source).ok()?;
    let group = net.group_named(name)?;
    let (start, stop) = slice_range(slice, net.group_size(group));
    Some(Source { group, start, stop })
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

/// The scale and name of the unit to show values of `dim` in: Brian2's best unit for their largest
/// magnitude (`mV` for a membrane potential, `nS` for a conductance).
fn display_unit(dim: Dimension, values: impl Iterator<Item = f64>) -> (f64, String) {
    if dim.is_dimensionless() {
        return (1.0, String::new());
    }
    let largest = values
        .filter(|v| v.is_finite())
        .fold(0.0f64, |m, v| m.max(v.abs()));
    let plain = || {
        let name = dim.to_string().replace("**2", "²").replace("**3", "³");
        (1.0, name)
    };
    if largest == 0.0 {
        return plain();
    }
    if let Some(u) = Quantity::new(largest, dim).best_unit() {
        return (u.scale, u.name.clone());
    }
    // Per area, as physiologists write it: mS/cm², uA/cm², uF/cm² (1 cm² = 10⁻⁴ m²).
    let area = Dimension::from_ints([2, 0, 0, 0, 0, 0, 0]);
    let per_cm2 = dim
        .checked_mul(area)
        .and_then(|total| Quantity::new(largest * 1e-4, total).best_unit());
    match per_cm2 {
        Some(u) => (u.scale * 1e4, format!("{}/cm²", u.name)),
        None => plain(),
    }
}

/// `name (unit)`, or `name` for a dimensionless quantity.
fn label(name: &str, unit: &str) -> String {
    if unit.is_empty() {
        name.to_string()
    } else {
        format!("{name} ({unit})")
    }
}

/// A time for a title: `200 ms`, `1 s`, `100 s`.
fn duration(t: f64) -> String {
    let (v, unit) = if t < 1.0 { (t * 1e3, "ms") } else { (t, "s") };
    let s = format!("{v:.3}");
    format!("{} {unit}", s.trim_end_matches('0').trim_end_matches('.'))
}

/// A count with thin spaces between thousands: `22 220`.
fn count(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (k, c) in digits.chars().enumerate() {
        if k > 0 && (digits.len() - k).is_multiple_of(3) {
            out.push('\u{2009}');
        }
        out.push(c);
    }
    out
}

/// The value of a monitor's `start` or `stop` (seconds).
fn time_value(net: &Network, code: &Option<Code>) -> Option<f64> {
    let c = code.as_ref()?;
    ganglion_model::eval_constant(&c.text, c.source, &[net.namespace()], "a monitor's window")
        .ok()
        .map(|v| v.value)
}

/// What drawing needs throughout: the network, the options, the time axis, and the files written.
struct Figures<'a> {
    net: &'a Network,
    spec: &'a PlotSpec,
    dir: &'a Path,
    /// Seconds times this is the time axis' unit.
    t_scale: f64,
    t_label: &'static str,
    written: Vec<PathBuf>,
}

impl Figures<'_> {
    /// Writes `chart` as `<stem>.png` and/or `<stem>.svg`.
    fn save(&mut self, chart: &Chart, stem: &str) -> Result<(), String> {
        for ext in self.spec.format.extensions() {
            let path = self.dir.join(format!("{stem}.{ext}"));
            chart.save(&path).map_err(|e| e.to_string())?;
            self.written.push(path);
        }
        Ok(())
    }

    /// The time axis over `start..stop` seconds.
    fn time_axis(&self, start: f64, stop: f64) -> ganglion_plot::Axis {
        ganglion_plot::Axis::new(self.t_label).with_range(start * self.t_scale, stop * self.t_scale)
    }

    /// The recording window of a monitor (seconds): its `start` and `stop`, within the run.
    fn window(&self, info: Option<&MonitorInfo>) -> (f64, f64) {
        let t_end = self.net.t();
        let start = info
            .and_then(|x| time_value(self.net, &x.start))
            .unwrap_or(0.0);
        let stop = info
            .and_then(|x| time_value(self.net, &x.stop))
            .map_or(t_end, |s| s.min(t_end));
        (start.min(stop), stop)
    }
}

/// Draws every monitor, and the distributions of synaptic parameters, into `dir`; returns the files
/// written.
pub fn write_plots(net: &Network, dir: &Path, spec: &PlotSpec) -> Result<Vec<PathBuf>, String> {
    let (t_scale, t_label) = if net.t() <= 2.0 {
        (1e3, "time (ms)")
    } else {
        (1.0, "time (s)")
    };
    let mut f = Figures {
        net,
        spec,
        dir,
        t_scale,
        t_label,
        written: Vec::new(),
    };
    for m in net.monitors() {
        let name = net.monitor_name(m).to_string();
        let info = spec.monitors.iter().find(|x| x.name == name);
        if let Some(d) = net.spike_data(m) {
            spikes::draw(&mut f, &name, info, d)?;
        } else if let Some(d) = net.state_data(m) {
            traces::draw(&mut f, &name, info, d)?;
        } else if let Some(d) = net.rate_data(m) {
            population::draw(&mut f, &name, info, d)?;
        }
    }
    weights::draw(&mut f)?;
    Ok(f.written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_as_brian2_shows_them() {
        let (scale, unit) = display_unit(Dimension::VOLTAGE, [-0.07, 0.02].into_iter());
        assert_eq!((scale, unit.as_str()), (1e-3, "mV"));
        assert_eq!(
            display_unit(Dimension::DIMENSIONLESS, [5.0].into_iter()).1,
            ""
        );
        // A sodium conductance density of 388 S/m² reads 38.8 mS/cm².
        let siemens = Quantity::parse("siemens").unwrap().dim;
        let density = siemens / Dimension::from_ints([2, 0, 0, 0, 0, 0, 0]);
        let (scale, unit) = display_unit(density, [388.0].into_iter());
        assert_eq!(unit, "mS/cm²");
        assert!((388.0 / scale - 38.8).abs() < 1e-9);
    }

    #[test]
    fn slices_read_as_python_reads_them() {
        assert_eq!(slice_range(None, 10), (0, 10));
        assert_eq!(slice_range(Some((None, Some(8))), 10), (0, 8));
        assert_eq!(slice_range(Some((Some(8), None)), 10), (8, 10));
        assert_eq!(slice_range(Some((Some(-2), None)), 10), (8, 10));
        assert_eq!(slice_range(Some((Some(3), Some(20))), 10), (3, 10));
    }

    #[test]
    fn titles_read_naturally() {
        assert_eq!(duration(0.2), "200 ms");
        assert_eq!(duration(100.0), "100 s");
        assert_eq!(duration(1.5), "1.5 s");
        assert_eq!(count(22220), "22\u{2009}220");
        assert_eq!(count(999), "999");
    }
}

//! The charts of `ganglion bench methods`, drawn from a run or from the `methods.json` of an earlier one
//! (so the pictures can be redrawn without measuring again).
//!
//! Per model: `error_cost_<model>` (error against the cost of simulating one neuron for one second) and
//! `error_dt_<model>` (error against dt), log-log, one line with markers per method. The error is the
//! model's headline error, except for spiking models, whose traces differ mostly by where the spikes
//! fall: there it is the spike-time error (mean |t − t_ref| of matched spikes), and
//! `trace_error_cost_<model>` keeps the trace's error against cost.

use std::path::Path;

use ganglion_plot::{Axis, Chart, PALETTE, Series};
use ganglion_units::Quantity;
use serde_json::Value;

use super::{ModelReport, Row};

/// What a chart measures.
#[derive(Clone, Debug, PartialEq)]
enum Measure {
    /// The headline error (max or RMS) of the compared values, divided by `scale` (the SI value of
    /// `unit`).
    Headline { scale: f64, unit: Option<String> },
    /// The mean absolute spike-time difference (shown in ms).
    SpikeTime,
}

impl Measure {
    /// The headline error of `report`, in the unit Brian2 shows the reference's values in (`mV` for a
    /// membrane potential).
    fn headline(report: &ModelReport) -> Measure {
        let unit = report.rows.first().and_then(|r| {
            let dim = Quantity::parse(&r.unit).ok()?.dim;
            if dim.is_dimensionless() {
                return None;
            }
            let reference = report.rows.iter().find_map(|r| r.reference_scale)?;
            Quantity::new(reference, dim).best_unit()
        });
        Measure::Headline {
            scale: unit.map_or(1.0, |u| u.scale),
            unit: unit.map(|u| u.name.clone()),
        }
    }

    fn value(&self, r: &Row) -> Option<f64> {
        let v = match self {
            Measure::Headline { scale, .. } => r.error()? / scale,
            Measure::SpikeTime => r.spike_time_error? * 1e3,
        };
        (r.ok() && v > 0.0 && v.is_finite()).then_some(v)
    }

    fn label(&self, report: &ModelReport) -> String {
        match self {
            Measure::SpikeTime => "mean spike-time error (ms)".into(),
            Measure::Headline { unit, .. } => {
                let rms = report.rows.first().is_some_and(|r| r.headline_rms);
                let kind = if rms { "RMS error" } else { "max |error|" };
                match unit {
                    Some(u) => format!("{kind} ({u})"),
                    None => kind.to_string(),
                }
            }
        }
    }

    fn name(&self, report: &ModelReport) -> &'static str {
        match self {
            Measure::SpikeTime => "spike-time error",
            Measure::Headline { .. } if report.rows.first().is_some_and(|r| r.headline_rms) => {
                "RMS error"
            }
            Measure::Headline { .. } => "error",
        }
    }
}

/// Which of a row's figures is the x axis.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Against {
    Cost,
    Dt,
}

/// One chart of `measure` against `against`: a line with markers per method, in the order methods first
/// appear, each through its time steps from the largest.
fn chart(report: &ModelReport, measure: &Measure, against: Against) -> Chart {
    let x = match against {
        Against::Cost => Axis::log("cost (µs per neuron and simulated second)"),
        Against::Dt => Axis::log("dt (ms)"),
    };
    let what = match against {
        Against::Cost => "cost",
        Against::Dt => "dt",
    };
    let mut chart = Chart::new(
        format!("{}: {} against {what}", report.name, measure.name(report)),
        x,
        Axis::log(measure.label(report)),
    );
    // Every method of the run, measured or refused, in order: a method keeps its colour and marker in
    // every chart of the run.
    let mut methods: Vec<&str> = Vec::new();
    for r in &report.rows {
        if !methods.contains(&r.method.as_str()) {
            methods.push(&r.method);
        }
    }
    for (k, m) in methods.into_iter().enumerate() {
        let mut rows: Vec<&Row> = report.rows.iter().filter(|r| r.method == m).collect();
        rows.sort_by(|a, b| b.dt.total_cmp(&a.dt));
        let points: Vec<(f64, f64)> = rows
            .iter()
            .filter_map(|r| {
                let x = match against {
                    Against::Cost => r.cost_per_simulated_second()?,
                    Against::Dt => r.dt * 1e3,
                };
                Some((x, measure.value(r)?))
            })
            .collect();
        let rounding = matches!(measure, Measure::Headline { .. })
            && rows
                .iter()
                .filter(|r| r.ok())
                .all(|r| r.at_rounding_level());
        let name = if rounding {
            format!("{m} (rounding level)")
        } else {
            m.to_string()
        };
        if !points.is_empty() {
            let series = Series::line_markers(name, points)
                .with_color(PALETTE[k % PALETTE.len()])
                .with_marker(k);
            chart.series.push(series);
        }
    }
    if chart.series.is_empty() {
        chart.title.push_str(" (nothing measured)");
    }
    chart
}

fn file_stem(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The charts of one model, with their file stems (see the module's comment).
pub fn charts(report: &ModelReport) -> Vec<(String, Chart)> {
    let stem = file_stem(&report.name);
    let spiking = report
        .rows
        .iter()
        .any(|r| Measure::SpikeTime.value(r).is_some());
    let headline = if spiking {
        Measure::SpikeTime
    } else {
        Measure::headline(report)
    };
    let mut out = vec![
        (
            format!("error_cost_{stem}"),
            chart(report, &headline, Against::Cost),
        ),
        (
            format!("error_dt_{stem}"),
            chart(report, &headline, Against::Dt),
        ),
    ];
    if spiking {
        let mut c = chart(report, &Measure::headline(report), Against::Cost);
        c.title = c
            .title
            .replacen(": error against", ": error of the trace against", 1);
        out.push((format!("trace_error_cost_{stem}"), c));
    }
    out
}

/// The reports of the methods.json at `path`.
pub fn read_reports(path: &Path) -> Result<Vec<ModelReport>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    let json: Value =
        serde_json::from_str(&text).map_err(|e| format!("`{}`: {e}", path.display()))?;
    reports_from_json(&json).map_err(|e| format!("`{}`: {e}", path.display()))
}

/// A number of a JSON row (`null` for none).
fn number(row: &Value, key: &str) -> Option<f64> {
    row.get(key)?.as_f64()
}

/// The reports a `methods.json` holds (as [`super::to_json`] writes it), rows grouped by model in the
/// order the models are listed.
pub fn reports_from_json(json: &Value) -> Result<Vec<ModelReport>, String> {
    let models = json["models"]
        .as_array()
        .ok_or("no `models` list: not a methods.json written by `ganglion bench methods`")?;
    let rows = json["rows"]
        .as_array()
        .ok_or("no `rows` list: not a methods.json written by `ganglion bench methods`")?;
    let text = |v: &Value, key: &str| v[key].as_str().unwrap_or_default().to_string();
    let mut reports: Vec<ModelReport> = models
        .iter()
        .map(|m| ModelReport {
            name: text(m, "name"),
            description: text(m, "description"),
            compared: text(m, "compared"),
            rows: Vec::new(),
        })
        .collect();
    for r in rows {
        let model = text(r, "model");
        let dt = number(r, "dt_s").ok_or_else(|| format!("a row of `{model}` has no `dt_s`"))?;
        let mut row = Row::new(
            &model,
            &text(r, "method"),
            dt,
            &text(r, "reference"),
            &text(r, "unit"),
        );
        row.status = text(r, "status");
        row.max_abs_error = number(r, "max_abs_error");
        row.rms_error = number(r, "rms_error");
        row.observed_order = number(r, "observed_order");
        row.spike_time_error = number(r, "spike_time_error_s");
        row.spikes = r["spikes"].as_u64().map(|v| v as usize);
        row.spikes_ref = r["spikes_ref"].as_u64().map(|v| v as usize);
        row.ns_per_neuron_step = number(r, "ns_per_neuron_step");
        row.compile_us = number(r, "compile_us");
        row.neurons = r["neurons"].as_u64().unwrap_or(0) as usize;
        row.steps = r["steps"].as_u64().unwrap_or(0);
        row.headline_rms = r["headline_error"] == "rms";
        row.reference_scale = number(r, "reference_scale");
        if let Some(extra) = r["extra"].as_object() {
            row.extra = extra
                .iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_f64()?)))
                .collect();
        }
        match reports.iter_mut().find(|m| m.name == model) {
            Some(m) => m.rows.push(row),
            None => return Err(format!("a row names model `{model}`, which is not listed")),
        }
    }
    Ok(reports)
}

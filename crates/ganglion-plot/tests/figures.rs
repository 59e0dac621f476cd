//! Each kind of figure drawn to PNG and SVG, and the PNG read back: its size, that it is not blank, and
//! that each series' colour is in it (the legend's swatches and the data are drawn in the series'
//! colours). Not pixel snapshots: fonts and plotters' rasteriser may move a pixel.
//!
//! `GANGLION_KEEP_PLOTS=1` keeps the files (in the system's temporary folder) to look at.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use ganglion_plot::{Axis, Chart, PALETTE, Series, raster};

fn dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("ganglion-plot-figures-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Width, height and RGB pixels of a PNG.
fn read_png(path: &Path) -> (u32, u32, Vec<[u8; 3]>) {
    let decoder = png::Decoder::new(std::fs::File::open(path).unwrap());
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    let pixels = buf[..info.buffer_size()]
        .chunks(channels)
        .map(|p| [p[0], p[1], p[2]])
        .collect();
    (info.width, info.height, pixels)
}

/// Draws `chart` as PNG and SVG under `name` and checks both; returns the PNG's pixels.
fn check(chart: &Chart, name: &str) -> Vec<[u8; 3]> {
    let d = dir();
    let png = d.join(format!("{name}.png"));
    let svg = d.join(format!("{name}.svg"));
    chart.save(&png).unwrap();
    chart.save(&svg).unwrap();
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(
        text.contains("<svg") && text.contains(&chart.title),
        "{name}.svg"
    );
    let (w, h, pixels) = read_png(&png);
    assert_eq!((w, h), chart.size, "{name}.png");
    let inked = pixels.iter().filter(|p| **p != [255, 255, 255]).count();
    let fraction = inked as f64 / pixels.len() as f64;
    assert!(
        (0.01..0.8).contains(&fraction),
        "{name}.png: {:.1}% of the pixels are not white",
        fraction * 100.0
    );
    let colors: HashSet<[u8; 3]> = pixels.iter().copied().collect();
    for k in 0..chart.series.len() {
        let c = chart.series[k].color.unwrap_or(PALETTE[k % PALETTE.len()]);
        assert!(
            colors.contains(&c),
            "{name}.png: no pixel of series {k}'s colour {c:?}"
        );
    }
    pixels
}

fn finish() {
    if std::env::var_os("GANGLION_KEEP_PLOTS").is_none() {
        let _ = std::fs::remove_dir_all(dir());
    } else {
        eprintln!("figures kept in {}", dir().display());
    }
}

#[test]
fn every_kind_of_figure_is_drawn() {
    // A raster: 100 neurons, 20 spikes each, coloured by group.
    let (mut t, mut i) = (Vec::new(), Vec::new());
    for n in 0..100u32 {
        for k in 0..20 {
            t.push(f64::from(k) * 50.0 + f64::from(n % 7) * 3.0);
            i.push(n);
        }
    }
    let mut r = raster(
        "Spikes of P (100 neurons)",
        Axis::new("time (ms)").with_range(0.0, 1000.0),
        &t,
        &i,
    );
    let points = std::mem::take(&mut r.series[0].points);
    let (exc, inh): (Vec<_>, Vec<_>) = points.into_iter().partition(|p| p.1 < 80.0);
    r.series = vec![
        Series::dots("0–79 (Ce)", exc).with_color(PALETTE[0]),
        Series::dots("80–99 (Ci)", inh).with_color(PALETTE[3]),
    ];
    r.y = r.y.with_range(-0.5, 99.5);
    check(&r, "raster");

    // Traces in mV with a legend of neuron indices.
    let mut traces = Chart::new("v of G", Axis::new("time (ms)"), Axis::new("v (mV)"));
    for n in 0..3 {
        let pts = (0..2000)
            .map(|k| {
                let t = f64::from(k) * 0.1;
                (t, -70.0 + 20.0 * ((t * 0.05 + f64::from(n) / 3.0) % 1.0))
            })
            .collect();
        traces.series.push(Series::line(format!("{n}"), pts));
    }
    traces.legend_title = Some("neuron".into());
    check(&traces, "traces");

    // A population rate from zero.
    let mut rate = Chart::new(
        "Population rate of P",
        Axis::new("time (ms)"),
        Axis::new("rate (Hz)").from_zero(),
    );
    rate.series.push(Series::line(
        "",
        (0..1000)
            .map(|k| (f64::from(k), 20.0 + 10.0 * (f64::from(k) * 0.05).sin()))
            .collect(),
    ));
    check(&rate, "rate");

    // A histogram of weights near 0.01 (tick labels need four decimals).
    let values: Vec<f64> = (0..1000)
        .map(|k| 0.007 + 0.003 * (f64::from(k) * 0.618).fract())
        .collect();
    let mut hist = Chart::new("w of S", Axis::new("w"), Axis::new("synapses").from_zero());
    hist.series.push(Series::histogram("", &values, 20));
    check(&hist, "histogram");

    // Methods: log-log, markers, legend beside the data.
    let mut methods = Chart::new(
        "hh: spike-time error against cost",
        Axis::log("run cost (µs per neuron and simulated second)"),
        Axis::log("spike-time error (ms)"),
    );
    for (m, order) in [
        ("euler", 1),
        ("rk2", 2),
        ("rk4", 4),
        ("exponential_euler", 1),
    ] {
        methods.series.push(Series::line_markers(
            m,
            (0..4)
                .map(|k| {
                    let dt = 0.1 / 2f64.powi(k);
                    (700.0 * f64::from(order) / dt / 10.0, dt.powi(order))
                })
                .collect(),
        ));
    }
    check(&methods, "methods");
    finish();
}

#[test]
fn a_blank_chart_is_still_a_picture() {
    let c = Chart::new(
        "nothing recorded",
        Axis::new("time (ms)"),
        Axis::log("error"),
    );
    let d = dir().join("empty");
    std::fs::create_dir_all(&d).unwrap();
    c.save(&d.join("empty.png")).unwrap();
    let (w, h, _) = read_png(&d.join("empty.png"));
    assert_eq!((w, h), c.size);
}

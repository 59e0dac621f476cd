//! Figures: line charts with linear or logarithmic axes, spike rasters, traces — written as PNG and SVG
//! with plotters. The font (DejaVu Sans, `fonts/`) is embedded, so figures render on machines without
//! fonts installed.

use std::path::Path;
use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;

/// Above this many markers in a series, each is drawn as one pixel (above a tenth of it, as a small dot).
const DENSE_MARKERS: usize = 50_000;

static FONT: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
static REGISTER: Once = Once::new();

fn register_font() {
    REGISTER.call_once(|| {
        // The embedded font is a valid TrueType file; registration cannot fail for it.
        let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, FONT);
    });
}

/// A tick label: plain for moderate magnitudes, scientific otherwise.
fn tick(v: f64) -> String {
    let a = v.abs();
    if v == 0.0 {
        "0".into()
    } else if (1e-3..1e4).contains(&a) {
        let s = format!("{v:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        format!("{v:.0e}")
    }
}

/// One series of a chart.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// Its name in the legend.
    pub name: String,
    /// Points (x, y).
    pub points: Vec<(f64, f64)>,
    /// Draw markers instead of a line (rasters).
    pub markers: bool,
}

impl Series {
    /// A line through `points`.
    pub fn line(name: impl Into<String>, points: Vec<(f64, f64)>) -> Series {
        Series {
            name: name.into(),
            points,
            markers: false,
        }
    }

    /// Markers at `points`.
    pub fn markers(name: impl Into<String>, points: Vec<(f64, f64)>) -> Series {
        Series {
            name: name.into(),
            points,
            markers: true,
        }
    }
}

/// A chart: title, axis labels and scales, series.
#[derive(Clone, Debug, PartialEq)]
pub struct Chart {
    /// The title.
    pub title: String,
    /// Label of the x axis.
    pub x_label: String,
    /// Label of the y axis.
    pub y_label: String,
    /// Logarithmic x axis.
    pub log_x: bool,
    /// Logarithmic y axis.
    pub log_y: bool,
    /// The series.
    pub series: Vec<Series>,
}

impl Chart {
    /// An empty chart with linear axes.
    pub fn new(
        title: impl Into<String>,
        x_label: impl Into<String>,
        y_label: impl Into<String>,
    ) -> Chart {
        Chart {
            title: title.into(),
            x_label: x_label.into(),
            y_label: y_label.into(),
            log_x: false,
            log_y: false,
            series: Vec::new(),
        }
    }

    fn range(&self, axis: impl Fn(&(f64, f64)) -> f64, log: bool) -> (f64, f64) {
        let values = self
            .series
            .iter()
            .flat_map(|s| s.points.iter().map(&axis))
            .filter(|v| v.is_finite() && (!log || *v > 0.0));
        let (mut lo, mut hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
        if !lo.is_finite() {
            (lo, hi) = if log { (0.1, 1.0) } else { (0.0, 1.0) };
        }
        if lo == hi {
            if log {
                (lo, hi) = (lo / 2.0, hi * 2.0);
            } else {
                (lo, hi) = (lo - 0.5, hi + 0.5);
            }
        } else if log {
            (lo, hi) = (lo / 1.5, hi * 1.5);
        } else {
            let pad = (hi - lo) * 0.05;
            (lo, hi) = (lo - pad, hi + pad);
        }
        (lo, hi)
    }

    /// Writes the chart as PNG (`.png`) or SVG (any other extension).
    pub fn save(&self, path: &Path) -> Result<(), String> {
        register_font();
        let err = |e: &dyn std::fmt::Display| format!("cannot draw `{}`: {e}", path.display());
        let size = (900, 600);
        if path.extension().is_some_and(|e| e == "png") {
            let root = BitMapBackend::new(path, size).into_drawing_area();
            // plotters' bitmap backend fills the polygon of a line wider than one pixel wrongly when the
            // segment is vertical in pixels (a reset in a voltage trace): a stripe crosses the whole picture.
            self.draw(&root, 1).map_err(|e| err(&e))?;
            root.present().map_err(|e| err(&e))
        } else {
            let root = SVGBackend::new(path, size).into_drawing_area();
            self.draw(&root, 2).map_err(|e| err(&e))?;
            root.present().map_err(|e| err(&e))
        }
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        line_width: u32,
    ) -> Result<(), String>
    where
        DB::ErrorType: 'static,
    {
        let e = |x: &dyn std::fmt::Display| x.to_string();
        root.fill(&WHITE).map_err(|x| e(&x))?;
        let (x0, x1) = self.range(|p| p.0, self.log_x);
        let (y0, y1) = self.range(|p| p.1, self.log_y);
        let mut builder = ChartBuilder::on(root);
        builder
            .caption(&self.title, ("sans-serif", 22))
            .margin(15)
            .x_label_area_size(45)
            .y_label_area_size(70);
        macro_rules! body {
            ($chart:expr) => {{
                let mut chart = $chart;
                chart
                    .configure_mesh()
                    .x_desc(self.x_label.as_str())
                    .y_desc(self.y_label.as_str())
                    .x_label_formatter(&|v| tick(*v))
                    .y_label_formatter(&|v| tick(*v))
                    .label_style(("sans-serif", 14))
                    .draw()
                    .map_err(|x| e(&x))?;
                for (k, s) in self.series.iter().enumerate() {
                    let color = Palette99::pick(k).to_rgba();
                    let pts: Vec<(f64, f64)> = s
                        .points
                        .iter()
                        .copied()
                        .filter(|(x, y)| {
                            x.is_finite()
                                && y.is_finite()
                                && (!self.log_x || *x > 0.0)
                                && (!self.log_y || *y > 0.0)
                        })
                        .collect();
                    if s.markers && pts.len() > DENSE_MARKERS {
                        // A dense raster: one pixel per point (matplotlib's ',' marker).
                        chart
                            .draw_series(pts.iter().map(|p| Pixel::new(*p, color)))
                            .map_err(|x| e(&x))?
                            .label(s.name.as_str())
                            .legend(move |(x, y)| Circle::new((x + 10, y), 3, color.filled()));
                    } else if s.markers {
                        let radius = if pts.len() > DENSE_MARKERS / 10 { 1 } else { 2 };
                        chart
                            .draw_series(
                                pts.iter().map(|p| Circle::new(*p, radius, color.filled())),
                            )
                            .map_err(|x| e(&x))?
                            .label(s.name.as_str())
                            .legend(move |(x, y)| Circle::new((x + 10, y), 3, color.filled()));
                    } else {
                        chart
                            .draw_series(LineSeries::new(pts, color.stroke_width(line_width)))
                            .map_err(|x| e(&x))?
                            .label(s.name.as_str())
                            .legend(move |(x, y)| {
                                PathElement::new(
                                    vec![(x, y), (x + 20, y)],
                                    color.stroke_width(line_width),
                                )
                            });
                    }
                }
                if self.series.len() > 1 {
                    chart
                        .configure_series_labels()
                        .background_style(WHITE.mix(0.8))
                        .border_style(BLACK)
                        .label_font(("sans-serif", 14))
                        .draw()
                        .map_err(|x| e(&x))?;
                }
            }};
        }
        match (self.log_x, self.log_y) {
            (false, false) => body!(
                builder
                    .build_cartesian_2d(x0..x1, y0..y1)
                    .map_err(|x| e(&x))?
            ),
            (true, false) => body!(
                builder
                    .build_cartesian_2d((x0..x1).log_scale(), y0..y1)
                    .map_err(|x| e(&x))?
            ),
            (false, true) => body!(
                builder
                    .build_cartesian_2d(x0..x1, (y0..y1).log_scale())
                    .map_err(|x| e(&x))?
            ),
            (true, true) => {
                body!(
                    builder
                        .build_cartesian_2d((x0..x1).log_scale(), (y0..y1).log_scale())
                        .map_err(|x| e(&x))?
                )
            }
        }
        Ok(())
    }
}

/// A spike raster: one marker per spike at (time, neuron index).
pub fn raster(title: &str, times: &[f64], indices: &[u32]) -> Chart {
    let mut c = Chart::new(title, "time (s)", "neuron index");
    c.series.push(Series::markers(
        "spikes",
        times
            .iter()
            .zip(indices)
            .map(|(t, i)| (*t, f64::from(*i)))
            .collect(),
    ));
    c
}

/// Traces of a variable: one line per recorded neuron.
pub fn traces(title: &str, y_label: &str, t: &[f64], rows: &[(String, Vec<f64>)]) -> Chart {
    let mut c = Chart::new(title, "time (s)", y_label);
    for (name, values) in rows {
        c.series.push(Series::line(
            name.clone(),
            t.iter().copied().zip(values.iter().copied()).collect(),
        ));
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_png_and_svg_with_log_axes() {
        let dir = std::env::temp_dir().join(format!("ganglion-plot-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut c = Chart::new("error against cost", "ns per neuron-step", "max error");
        c.log_x = true;
        c.log_y = true;
        c.series.push(Series::line(
            "euler",
            vec![(1.0, 1e-2), (2.0, 5e-3), (4.0, 2.5e-3)],
        ));
        c.series
            .push(Series::line("rk4", vec![(4.0, 1e-8), (8.0, 1e-9)]));
        for name in ["c.png", "c.svg"] {
            let path = dir.join(name);
            c.save(&path).unwrap();
            let bytes = std::fs::read(&path).unwrap();
            assert!(bytes.len() > 1000, "{name} is too small");
        }
        let png = std::fs::read(dir.join("c.png")).unwrap();
        assert_eq!(&png[1..4], b"PNG");
        raster("raster", &[0.1, 0.2], &[0, 3])
            .save(&dir.join("r.svg"))
            .unwrap();
        if std::env::var_os("GANGLION_KEEP_PLOTS").is_none() {
            std::fs::remove_dir_all(&dir).unwrap();
        }
    }
}

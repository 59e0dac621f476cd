//! Figures for Ganglion: the pictures `ganglion run --plot` and `ganglion bench methods` draw — spike
//! rasters, traces, population rates, histograms, line charts on linear or logarithmic axes — as PNG or
//! SVG, with plotters. One chart per picture, drawn the way Brian2 users read them: units in the axis
//! labels, tick labels with the digits they need (decades on logarithmic axes), the legend beside the
//! data, markers at measured points.
//!
//! Not a general plotting library: what the data mean (which unit, which time scale, what to call a
//! series) is decided by the caller; this crate only draws. The font (DejaVu Sans, `fonts/`) is
//! embedded, so figures render on machines without fonts installed.

mod axis;
mod draw;
mod text;
mod ticks;

use std::path::{Path, PathBuf};

/// The embedded font.
pub(crate) static FONT: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");

/// The colours series get in turn: matplotlib's `tab10`, which Brian2's examples are drawn in.
pub const PALETTE: [[u8; 3]; 10] = [
    [31, 119, 180],
    [255, 127, 14],
    [44, 160, 44],
    [214, 39, 40],
    [148, 103, 189],
    [140, 86, 75],
    [227, 119, 194],
    [127, 127, 127],
    [188, 189, 34],
    [23, 190, 207],
];

/// Black: a raster of one population (Brian2's `'.k'`).
pub const BLACK: [u8; 3] = [0, 0, 0];

/// Grey: what is left over when the rest of a raster is coloured by group.
pub const GREY: [u8; 3] = [160, 160, 160];

/// A figure could not be written.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// Drawing or writing the file failed.
    #[error("cannot draw `{path}`: {message}")]
    Draw {
        /// The file.
        path: PathBuf,
        /// What went wrong, as plotters says it.
        message: String,
    },
}

/// How a series is drawn.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Style {
    /// A line through the points (traces, rates).
    Line,
    /// A dot at each point, sized by how many there are (rasters, values per neuron).
    Dots,
    /// A line with a marker at each point, one marker shape per series (measurements).
    LineMarkers,
    /// Bars from zero: each point is a bar's left edge and height (histograms).
    Bars {
        /// The width of every bar, in x units.
        width: f64,
    },
}

/// One series of a chart.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// Its name in the legend (a series without a name has no legend entry).
    pub name: String,
    /// Points (x, y).
    pub points: Vec<(f64, f64)>,
    /// How it is drawn.
    pub style: Style,
    /// Its colour; `None`: the next colour of [`PALETTE`].
    pub color: Option<[u8; 3]>,
    /// Its marker shape for [`Style::LineMarkers`] (circle, square, triangle, diamond, downward
    /// triangle, pentagon, left and right triangles, then again); `None`: the next one.
    pub marker: Option<usize>,
}

impl Series {
    fn new(name: impl Into<String>, points: Vec<(f64, f64)>, style: Style) -> Series {
        Series {
            name: name.into(),
            points,
            style,
            color: None,
            marker: None,
        }
    }

    /// A line through `points`.
    pub fn line(name: impl Into<String>, points: Vec<(f64, f64)>) -> Series {
        Series::new(name, points, Style::Line)
    }

    /// A dot at each of `points`.
    pub fn dots(name: impl Into<String>, points: Vec<(f64, f64)>) -> Series {
        Series::new(name, points, Style::Dots)
    }

    /// A line through `points` with a marker at each.
    pub fn line_markers(name: impl Into<String>, points: Vec<(f64, f64)>) -> Series {
        Series::new(name, points, Style::LineMarkers)
    }

    /// A histogram of `values` (the finite ones) in `bins` equal bins between their least and largest.
    pub fn histogram(name: impl Into<String>, values: &[f64], bins: usize) -> Series {
        let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
        let lo = finite.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = finite.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let bins = bins.max(1);
        let (lo, width) = if finite.is_empty() {
            (0.0, 1.0)
        } else if hi > lo {
            (lo, (hi - lo) / bins as f64)
        } else {
            (lo - 0.5, 1.0 / bins as f64)
        };
        let mut counts = vec![0usize; bins];
        for v in &finite {
            let k = (((v - lo) / width) as usize).min(bins - 1);
            counts[k] += 1;
        }
        let points = counts
            .iter()
            .enumerate()
            .map(|(k, c)| (lo + k as f64 * width, *c as f64))
            .collect();
        Series::new(name, points, Style::Bars { width })
    }

    /// The same series in `color`.
    pub fn with_color(mut self, color: [u8; 3]) -> Series {
        self.color = Some(color);
        self
    }

    /// The same series with marker shape `shape`.
    pub fn with_marker(mut self, shape: usize) -> Series {
        self.marker = Some(shape);
        self
    }
}

/// One axis: its label (with the unit, e.g. `v (mV)`), its scale and its range.
#[derive(Clone, Debug, PartialEq)]
pub struct Axis {
    /// The label.
    pub label: String,
    /// Logarithmic.
    pub log: bool,
    /// A fixed range; `None`: the data's, with a margin.
    pub range: Option<(f64, f64)>,
    /// Ticks at integers only (neuron indices).
    pub integer: bool,
    /// The range includes zero (rates, counts).
    pub from_zero: bool,
}

impl Axis {
    /// A linear axis labelled `label`.
    pub fn new(label: impl Into<String>) -> Axis {
        Axis {
            label: label.into(),
            log: false,
            range: None,
            integer: false,
            from_zero: false,
        }
    }

    /// A logarithmic axis labelled `label`.
    pub fn log(label: impl Into<String>) -> Axis {
        Axis {
            log: true,
            ..Axis::new(label)
        }
    }

    /// The same axis over `lo..hi`.
    pub fn with_range(mut self, lo: f64, hi: f64) -> Axis {
        self.range = Some((lo, hi));
        self
    }

    /// The same axis with ticks at integers only.
    pub fn integer(mut self) -> Axis {
        self.integer = true;
        self
    }

    /// The same axis, its range including zero.
    pub fn from_zero(mut self) -> Axis {
        self.from_zero = true;
        self
    }

    /// The range shown for data spanning `values`: the fixed range, or the data's with 5% to spare on
    /// each side (on a logarithmic axis, 5% of the decades), from zero when asked.
    fn span(&self, values: impl Iterator<Item = f64>) -> (f64, f64) {
        if let Some((lo, hi)) = self.range
            && hi > lo
            && (!self.log || lo > 0.0)
        {
            return (lo, hi);
        }
        let (mut lo, mut hi) = values
            .filter(|v| v.is_finite() && (!self.log || *v > 0.0))
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
                (a.min(v), b.max(v))
            });
        if !lo.is_finite() {
            return if self.log { (0.1, 10.0) } else { (0.0, 1.0) };
        }
        if self.log {
            let (a, b) = (lo.log10(), hi.log10());
            let pad = ((b - a) * 0.05).max(0.05);
            return (10f64.powf(a - pad), 10f64.powf(b + pad));
        }
        if self.from_zero {
            lo = lo.min(0.0);
            hi = hi.max(0.0);
        }
        if hi == lo {
            let half = if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
            (lo, hi) = (lo - half, hi + half);
        }
        let pad = (hi - lo) * 0.05;
        let lo = if self.from_zero && lo == 0.0 {
            0.0
        } else {
            lo - pad
        };
        let hi = if self.from_zero && hi == 0.0 {
            0.0
        } else {
            hi + pad
        };
        (lo, hi)
    }
}

/// A chart: title, axes, series, and the legend's title.
#[derive(Clone, Debug, PartialEq)]
pub struct Chart {
    /// The title.
    pub title: String,
    /// The x axis.
    pub x: Axis,
    /// The y axis.
    pub y: Axis,
    /// The series, drawn in order (later ones on top).
    pub series: Vec<Series>,
    /// A heading over the legend (e.g. `neuron`, `synapse i→j`).
    pub legend_title: Option<String>,
    /// Width and height in pixels (SVG: in user units).
    pub size: (u32, u32),
}

impl Chart {
    /// An empty chart.
    pub fn new(title: impl Into<String>, x: Axis, y: Axis) -> Chart {
        Chart {
            title: title.into(),
            x,
            y,
            series: Vec::new(),
            legend_title: None,
            size: (1000, 625),
        }
    }

    /// Writes the chart as PNG (`.png`) or SVG (any other extension).
    pub fn save(&self, path: &Path) -> Result<(), PlotError> {
        draw::save(self, path).map_err(|message| PlotError::Draw {
            path: path.to_path_buf(),
            message,
        })
    }

    /// The colour of series `k`.
    pub(crate) fn color(&self, k: usize) -> [u8; 3] {
        self.series[k].color.unwrap_or_else(|| {
            let automatic = self.series[..k].iter().filter(|s| s.color.is_none());
            PALETTE[automatic.count() % PALETTE.len()]
        })
    }

    /// The ranges of the two axes.
    pub(crate) fn spans(&self) -> ((f64, f64), (f64, f64)) {
        let xs = self.series.iter().flat_map(|s| {
            let width = match s.style {
                Style::Bars { width } => width,
                _ => 0.0,
            };
            s.points.iter().flat_map(move |p| [p.0, p.0 + width])
        });
        let ys = self.series.iter().flat_map(|s| {
            let bars = matches!(s.style, Style::Bars { .. });
            s.points
                .iter()
                .flat_map(move |p| [p.1, if bars { 0.0 } else { p.1 }])
        });
        (self.x.span(xs), self.y.span(ys))
    }
}

/// A spike raster: one dot per spike at (time, neuron index), in black.
pub fn raster(title: &str, x: Axis, times: &[f64], indices: &[u32]) -> Chart {
    let mut c = Chart::new(title, x, Axis::new("neuron index").integer());
    c.series.push(
        Series::dots(
            "",
            times
                .iter()
                .zip(indices)
                .map(|(t, i)| (*t, f64::from(*i)))
                .collect(),
        )
        .with_color(BLACK),
    );
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_counts_every_value_once() {
        let s = Series::histogram("w", &[0.0, 0.1, 0.2, 0.9, 1.0, f64::NAN], 10);
        let total: f64 = s.points.iter().map(|p| p.1).sum();
        assert_eq!(total, 5.0);
        assert_eq!(s.points.len(), 10);
        assert_eq!(
            s.points[9].1, 2.0,
            "the largest value goes into the last bin"
        );
        let one = Series::histogram("w", &[3.0, 3.0], 4);
        assert_eq!(one.points.iter().map(|p| p.1).sum::<f64>(), 2.0);
    }

    #[test]
    fn spans_pad_and_start_at_zero_where_asked() {
        let mut c = Chart::new("t", Axis::new("x"), Axis::new("y").from_zero());
        c.series
            .push(Series::line("a", vec![(0.0, 5.0), (10.0, 15.0)]));
        let ((x0, x1), (y0, y1)) = c.spans();
        assert!(x0 < 0.0 && x1 > 10.0);
        assert_eq!(y0, 0.0);
        assert!(y1 > 15.0);
        c.x = Axis::new("x").with_range(0.0, 10.0);
        assert_eq!(c.spans().0, (0.0, 10.0));
    }

    #[test]
    fn series_without_a_colour_take_the_palette_in_turn() {
        let mut c = Chart::new("t", Axis::new("x"), Axis::new("y"));
        c.series.push(Series::line("a", vec![]));
        c.series.push(Series::line("b", vec![]).with_color(GREY));
        c.series.push(Series::line("c", vec![]));
        assert_eq!(c.color(0), PALETTE[0]);
        assert_eq!(c.color(1), GREY);
        assert_eq!(c.color(2), PALETTE[1]);
    }
}

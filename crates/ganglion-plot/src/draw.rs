//! Drawing a [`Chart`]: the title over everything, the legend in a column right of the data (never on
//! it), the axes with our ticks, then the series.

use std::path::Path;
use std::sync::Once;

use plotters::coord::Shift;
use plotters::coord::cartesian::Cartesian2d;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::axis::Scale;
use crate::text::{Typeset, text_size};
use crate::ticks::multiplier;
use crate::{Chart, FONT, Style};

const TITLE: f64 = 24.0;
const LABEL: f64 = 20.0;
const TICK: f64 = 17.0;
const LEGEND: f64 = 17.0;
/// Lines of traces and charts.
const LINE_WIDTH: u32 = 2;
/// The radius of a marker at a measured point.
const MARKER: i32 = 5;
/// Grid lines at labelled ticks, and at the minor ticks of logarithmic axes.
const GRID: RGBColor = RGBColor(222, 222, 222);
const MINOR_GRID: RGBColor = RGBColor(240, 240, 240);
/// Space above the data, where the legend starts too.
const TOP: i32 = 10;

static REGISTER: Once = Once::new();

fn register_font() {
    REGISTER.call_once(|| {
        // The embedded font is a valid TrueType file; registration cannot fail for it.
        let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, FONT);
    });
}

/// Text at `size` pixels. `scale` makes SVG text as large as PNG text: plotters writes an SVG font size
/// of `size / 1.24`, while the bitmap text of this crate is `size` pixels from ascender to descender
/// (1.164 em in DejaVu Sans).
#[derive(Clone, Copy)]
struct Fonts {
    scale: f64,
}

impl Fonts {
    const PNG: Fonts = Fonts { scale: 1.0 };
    const SVG: Fonts = Fonts {
        scale: 1.24 / 1.164,
    };

    fn at(self, size: f64) -> TextStyle<'static> {
        ("sans-serif", size * self.scale).into_font().color(&BLACK)
    }
}

fn rgb(c: [u8; 3]) -> RGBColor {
    RGBColor(c[0], c[1], c[2])
}

/// Writes `chart` as PNG (`.png`) or SVG.
pub(crate) fn save(chart: &Chart, path: &Path) -> Result<(), String> {
    register_font();
    if path.extension().is_some_and(|e| e == "png") {
        let root = Typeset(BitMapBackend::new(path, chart.size)).into_drawing_area();
        draw(chart, &root, Fonts::PNG)?;
        root.present().map_err(|e| e.to_string())
    } else {
        let root = SVGBackend::new(path, chart.size).into_drawing_area();
        draw(chart, &root, Fonts::SVG)?;
        root.present().map_err(|e| e.to_string())
    }
}

/// An axis label with the multiplier of its tick labels: `w (×10⁻³)`, `v (×10³ mV)`.
fn described(label: &str, power: Option<i32>) -> String {
    let Some(p) = power else {
        return label.to_string();
    };
    match label.strip_suffix(')').and_then(|l| l.rsplit_once(" (")) {
        Some((name, unit)) => format!("{name} ({} {unit})", multiplier(p)),
        None => format!("{label} ({})", multiplier(p)),
    }
}

/// The series with a legend entry; none unless there are two, or one under a legend title.
fn legend_entries(chart: &Chart) -> Vec<usize> {
    let named: Vec<usize> = (0..chart.series.len())
        .filter(|k| !chart.series[*k].name.is_empty())
        .collect();
    if named.len() >= 2 || (named.len() == 1 && chart.legend_title.is_some()) {
        named
    } else {
        Vec::new()
    }
}

/// `text`, shortened with an ellipsis to at most `width` pixels.
fn fit(text: &str, width: i32) -> String {
    if text_size(text, LEGEND).0 <= width {
        return text.to_string();
    }
    let mut chars: Vec<char> = text.chars().collect();
    while !chars.is_empty() {
        chars.pop();
        let s: String = chars.iter().collect::<String>() + "…";
        if text_size(&s, LEGEND).0 <= width {
            return s;
        }
    }
    "…".into()
}

/// Left of a legend entry's text: the swatch.
const SWATCH: i32 = 44;

fn draw<DB: DrawingBackend>(
    chart: &Chart,
    root: &DrawingArea<DB, Shift>,
    fonts: Fonts,
) -> Result<(), String>
where
    DB::ErrorType: 'static,
{
    let e = |x: &dyn std::fmt::Display| x.to_string();
    root.fill(&WHITE).map_err(|x| e(&x))?;
    let body = root
        .titled(&chart.title, fonts.at(TITLE))
        .map_err(|x| e(&x))?;
    let (w, _) = body.dim_in_pixel();
    let entries = legend_entries(chart);
    let longest = entries
        .iter()
        .map(|k| text_size(&chart.series[*k].name, LEGEND).0)
        .chain(chart.legend_title.iter().map(|t| text_size(t, LEGEND).0))
        .max();
    let max_legend = w as i32 * 2 / 5;
    let legend_w = longest.map_or(0, |l| (l + SWATCH + 24).min(max_legend));
    let (plot, legend) = body.split_horizontally(w as i32 - legend_w);
    let ((x0, x1), (y0, y1)) = chart.spans();
    let (pw, ph) = plot.dim_in_pixel();
    let xs = Scale::new(
        x0,
        x1,
        chart.x.log,
        chart.x.integer,
        (pw as usize / 110).clamp(3, 10),
    );
    let ys = Scale::new(
        y0,
        y1,
        chart.y.log,
        chart.y.integer,
        (ph as usize / 55).clamp(3, 10),
    );
    let widest = ys
        .ticks()
        .major
        .iter()
        .map(|v| text_size(&ys.ticks().label(*v), TICK).0)
        .max()
        .unwrap_or(0);
    let x_label = described(&chart.x.label, xs.ticks().power());
    let y_label = described(&chart.y.label, ys.ticks().power());
    let mut cc = ChartBuilder::on(&plot)
        .margin_top(TOP)
        .margin_right(24)
        .margin_left(8)
        .margin_bottom(6)
        .x_label_area_size(TICK as i32 + LABEL as i32 + 26)
        .y_label_area_size(widest + LABEL as i32 + 26)
        .build_cartesian_2d(xs, ys)
        .map_err(|x| e(&x))?;
    cc.configure_mesh()
        .x_desc(x_label)
        .y_desc(y_label)
        .x_labels(100)
        .y_labels(100)
        .label_style(fonts.at(TICK))
        .axis_desc_style(fonts.at(LABEL))
        .bold_line_style(GRID.stroke_width(1))
        .light_line_style(MINOR_GRID.stroke_width(1))
        .axis_style(BLACK.stroke_width(1))
        .set_all_tick_mark_size(6)
        .draw()
        .map_err(|x| e(&x))?;
    for k in 0..chart.series.len() {
        draw_series(&mut cc, chart, k, (y0, y1)).map_err(|x| e(&x))?;
    }
    if legend_w > 0 {
        draw_legend(&legend, chart, &entries, legend_w, fonts).map_err(|x| e(&x))?;
    }
    Ok(())
}

/// Which marker shape series `k` gets: its own, or the next among the series drawn with markers.
fn marker_shape(chart: &Chart, k: usize) -> usize {
    chart.series[k].marker.unwrap_or_else(|| {
        chart.series[..k]
            .iter()
            .filter(|s| s.style == Style::LineMarkers && s.marker.is_none())
            .count()
    })
}

/// The corners of marker `shape` around its centre (`None`: a circle): circle, square, triangle,
/// diamond, downward triangle, pentagon, left and right triangles, in turn.
fn corners(shape: usize, r: i32) -> Option<Vec<(i32, i32)>> {
    match shape % 8 {
        0 => None,
        1 => Some(vec![
            (-r + 1, -r + 1),
            (r - 1, -r + 1),
            (r - 1, r - 1),
            (-r + 1, r - 1),
        ]),
        2 => Some(vec![(0, -r - 1), (r + 1, r), (-r - 1, r)]),
        3 => Some(vec![(0, -r - 1), (r + 1, 0), (0, r + 1), (-r - 1, 0)]),
        4 => Some(vec![(0, r + 1), (r + 1, -r), (-r - 1, -r)]),
        5 => Some(vec![
            (0, -r - 1),
            (r + 1, -r / 3),
            (r * 2 / 3, r),
            (-r * 2 / 3, r),
            (-r - 1, -r / 3),
        ]),
        6 => Some(vec![(-r - 1, 0), (r, -r - 1), (r, r + 1)]),
        _ => Some(vec![(r + 1, 0), (-r, -r - 1), (-r, r + 1)]),
    }
}

type Context<'a, DB> = ChartContext<'a, DB, Cartesian2d<Scale, Scale>>;

fn draw_series<DB: DrawingBackend>(
    cc: &mut Context<'_, DB>,
    chart: &Chart,
    k: usize,
    (y0, _): (f64, f64),
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let s = &chart.series[k];
    let color = rgb(chart.color(k));
    let points: Vec<(f64, f64)> = s
        .points
        .iter()
        .copied()
        .filter(|(x, y)| {
            x.is_finite()
                && y.is_finite()
                && (!chart.x.log || *x > 0.0)
                && (!chart.y.log || *y > 0.0)
        })
        .collect();
    match s.style {
        Style::Line => {
            cc.draw_series(LineSeries::new(points, color.stroke_width(LINE_WIDTH)))?;
        }
        Style::LineMarkers => {
            let shape = marker_shape(chart, k);
            cc.draw_series(LineSeries::new(
                points.iter().copied(),
                color.stroke_width(LINE_WIDTH),
            ))?;
            let style = color.filled();
            match corners(shape, MARKER) {
                None => {
                    cc.draw_series(points.iter().map(|p| Circle::new(*p, MARKER, style)))?;
                }
                Some(c) => {
                    cc.draw_series(
                        points
                            .iter()
                            .map(|p| EmptyElement::at(*p) + Polygon::new(c.clone(), style)),
                    )?;
                }
            }
        }
        Style::Dots => {
            let dots: usize = chart
                .series
                .iter()
                .filter(|s| s.style == Style::Dots)
                .map(|s| s.points.len())
                .sum();
            if dots > 50_000 {
                // A dense raster: one pixel per spike (matplotlib's ',' marker, as Brian2's CUBA draws it).
                cc.draw_series(points.iter().map(|p| Pixel::new(*p, color)))?;
            } else {
                let radius = match dots {
                    0..=500 => 3,
                    501..=5_000 => 2,
                    _ => 1,
                };
                cc.draw_series(
                    points
                        .iter()
                        .map(|p| Circle::new(*p, radius, color.filled())),
                )?;
            }
        }
        Style::Bars { width } => {
            let base = if chart.y.log { y0 } else { 0.0 };
            cc.draw_series(
                points
                    .iter()
                    .map(|(x, h)| Rectangle::new([(*x, base), (x + width, *h)], color.filled())),
            )?;
            cc.draw_series(points.iter().map(|(x, h)| {
                Rectangle::new([(*x, base), (x + width, *h)], WHITE.stroke_width(1))
            }))?;
        }
    }
    Ok(())
}

fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    chart: &Chart,
    entries: &[usize],
    width: i32,
    fonts: Fonts,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let left = 8;
    let text_left = left + SWATCH;
    let text_width = width - SWATCH - 16;
    let at_left = Pos::new(HPos::Left, VPos::Center);
    let (_, height) = area.dim_in_pixel();
    let mut y = TOP + 12;
    if let Some(t) = &chart.legend_title {
        area.draw(&Text::new(
            fit(t, width - 16),
            (left, y),
            fonts.at(LEGEND).pos(at_left),
        ))?;
        y += 28;
    }
    for (n, &k) in entries.iter().enumerate() {
        if y > height as i32 - 40 && n + 1 < entries.len() {
            let more = format!("… and {} more", entries.len() - n);
            area.draw(&Text::new(more, (left, y), fonts.at(LEGEND).pos(at_left)))?;
            break;
        }
        let s = &chart.series[k];
        let color = rgb(chart.color(k));
        let middle = (left + SWATCH / 2 - 4, y);
        let line = PathElement::new(
            vec![(left, y), (left + SWATCH - 12, y)],
            color.stroke_width(3),
        );
        match s.style {
            Style::Line => area.draw(&line)?,
            Style::LineMarkers => {
                area.draw(&line)?;
                match corners(marker_shape(chart, k), MARKER) {
                    None => area.draw(&Circle::new(middle, MARKER, color.filled()))?,
                    Some(c) => {
                        area.draw(&(EmptyElement::at(middle) + Polygon::new(c, color.filled())))?
                    }
                }
            }
            Style::Dots => area.draw(&Circle::new(middle, 5, color.filled()))?,
            Style::Bars { .. } => area.draw(&Rectangle::new(
                [(middle.0 - 9, y - 8), (middle.0 + 9, y + 8)],
                color.filled(),
            ))?,
        }
        let name = fit(&s.name, text_width);
        area.draw(&Text::new(
            name,
            (text_left, y),
            fonts.at(LEGEND).pos(at_left),
        ))?;
        y += 26;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multipliers_go_inside_the_unit() {
        assert_eq!(described("w", Some(-3)), "w (×10⁻³)");
        assert_eq!(described("v (mV)", Some(3)), "v (×10³ mV)");
        assert_eq!(described("v (mV)", None), "v (mV)");
    }
}

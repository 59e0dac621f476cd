//! One axis as plotters sees it: a linear or logarithmic map of a range onto pixels whose key points are
//! our ticks (labelled ones for plotters' bold lines, minor ones for its light lines) and whose labels
//! are our tick labels.

use std::ops::Range;

use plotters::coord::ranged1d::{KeyPointHint, NoDefaultFormatting, Ranged, ValueFormatter};

use crate::ticks::Ticks;

/// A linear or logarithmic axis over `lo..hi` with its ticks.
#[derive(Clone, Debug)]
pub(crate) struct Scale {
    lo: f64,
    hi: f64,
    log: bool,
    ticks: Ticks,
}

impl Scale {
    /// An axis over `lo..hi` (both positive when `log`) with at most `max_labels` labelled ticks.
    pub fn new(lo: f64, hi: f64, log: bool, integer: bool, max_labels: usize) -> Scale {
        let ticks = if log {
            Ticks::log(lo, hi, max_labels)
        } else {
            Ticks::linear(lo, hi, max_labels, integer)
        };
        Scale { lo, hi, log, ticks }
    }

    /// The ticks.
    pub fn ticks(&self) -> &Ticks {
        &self.ticks
    }

    /// Where `v` lies between the ends of the axis: 0 at `lo`, 1 at `hi`.
    fn fraction(&self, v: f64) -> f64 {
        if self.log {
            (v.ln() - self.lo.ln()) / (self.hi.ln() - self.lo.ln())
        } else {
            (v - self.lo) / (self.hi - self.lo)
        }
    }
}

impl Ranged for Scale {
    type FormatOption = NoDefaultFormatting;
    type ValueType = f64;

    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        // Far outside the range (or not a number), a point maps just beyond the drawing's edge.
        let f = self.fraction(*v);
        let f = if f.is_nan() { -1.0 } else { f.clamp(-1.0, 2.0) };
        limit.0 + (f * f64::from(limit.1 - limit.0)).round() as i32
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            self.ticks.minor.clone()
        } else {
            self.ticks.major.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.lo..self.hi
    }
}

impl ValueFormatter<f64> for Scale {
    fn format_ext(&self, v: &f64) -> String {
        self.ticks.label(*v)
    }
}

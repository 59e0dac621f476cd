//! Rate monitors: the population rate, smoothed as Brian2's `smooth_rate(window='flat', width=...)`.

use ganglion::{RateData, SmoothingWindow};
use ganglion_plot::{Axis, Chart, Series};

use super::{Figures, MonitorInfo, duration};

/// At most this many points are drawn (averages over bins of the smoothed rate beyond).
const MAX_POINTS: usize = 2000;
/// Smoothing costs window steps times recorded steps; the window shrinks to keep it below this.
const MAX_WORK: f64 = 1e9;

/// The smoothing width for `d`: a round 1, 2 or 5 times a power of ten, at least a two-hundredth of the
/// recording (5 ms for a 1 s run) and wide enough to hold about 20 spikes at the mean rate (a small
/// population needs a wider window), at most a tenth of the recording, and cheap enough to compute.
fn smoothing_width(d: &RateData, dt: f64) -> f64 {
    let length = d.rate.len() as f64 * dt;
    let mean = d.rate.iter().sum::<f64>() / d.rate.len().max(1) as f64;
    // The smallest non-zero rate is one spike in a step: 1 / (N dt).
    let one_spike = d
        .rate
        .iter()
        .copied()
        .filter(|r| *r > 0.0)
        .fold(f64::INFINITY, f64::min);
    let mut target = (length / 200.0).max(5.0 * dt);
    if mean > 0.0 && one_spike.is_finite() {
        target = target.max(20.0 * one_spike * dt / mean);
    }
    target = target.min(length / 10.0);
    let decade = 10f64.powf(target.log10().floor());
    let round = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * decade)
        .find(|w| *w >= target * 0.9999)
        .unwrap_or(10.0 * decade);
    let affordable = MAX_WORK / d.rate.len().max(1) as f64 * dt;
    round.min(affordable).max(dt)
}

/// Draws `M`, the smoothed population rate.
pub(super) fn draw(
    f: &mut Figures<'_>,
    name: &str,
    info: Option<&MonitorInfo>,
    d: &RateData,
) -> Result<(), String> {
    let dt = if d.dt > 0.0 {
        d.dt
    } else if d.t.len() >= 2 {
        d.t[1] - d.t[0]
    } else {
        f64::EPSILON
    };
    let (start, stop) = match (d.t.first(), d.t.last()) {
        (Some(a), Some(b)) => (*a, b + dt),
        _ => f.window(info),
    };
    let width = smoothing_width(d, dt);
    let smooth = d.smooth_rate(SmoothingWindow::Flat(width));
    let bin = smooth.len().div_ceil(MAX_POINTS).max(1);
    let points: Vec<(f64, f64)> =
        d.t.chunks(bin)
            .zip(smooth.chunks(bin))
            .map(|(t, r)| {
                let middle = (t[0] + t[t.len() - 1]) / 2.0;
                (middle * f.t_scale, r.iter().sum::<f64>() / r.len() as f64)
            })
            .collect();
    let source_text = info.map_or("", |x| x.source.as_str());
    let mut chart = Chart::new(
        format!(
            "{name}: population rate of {source_text}, smoothed over {}",
            duration(width)
        ),
        f.time_axis(start, stop),
        Axis::new("population rate (Hz)").from_zero(),
    );
    chart.series.push(Series::line("", points));
    f.save(&chart, name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn steady(n_neurons: f64, rate: f64, dt: f64, steps: usize) -> RateData {
        // One spike every so many steps, in a population of `n_neurons`.
        let every = (1.0 / (rate * n_neurons * dt)).round().max(1.0) as usize;
        RateData {
            t: (0..steps).map(|k| k as f64 * dt).collect(),
            rate: (0..steps)
                .map(|k| {
                    if k % every == 0 {
                        1.0 / (n_neurons * dt)
                    } else {
                        0.0
                    }
                })
                .collect(),
            dt,
        }
    }

    #[test]
    fn smoothing_widths_are_round_and_affordable() {
        // CUBA: 4000 neurons at about 5 Hz for 1 s: a two-hundredth of the run.
        let w = smoothing_width(&steady(4000.0, 5.0, 1e-4, 10_000), 1e-4);
        assert!((w - 5e-3).abs() < 1e-12, "{w}");
        // 100 neurons at 35 Hz for 200 ms: 20 spikes need about 6 ms; 10 ms.
        let w = smoothing_width(&steady(100.0, 35.0, 1e-4, 2_000), 1e-4);
        assert!((w - 1e-2).abs() < 1e-12, "{w}");
        // 100 s at 0.1 ms: a 0.5 s window would be 5000 steps over a million; it is cut to 1000 steps.
        let w = smoothing_width(&steady(4000.0, 5.0, 1e-4, 1_000_000), 1e-4);
        assert!((w - 0.1).abs() < 1e-9, "{w}");
    }
}

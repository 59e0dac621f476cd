//! Where an axis has its ticks and how their labels read: "nice" steps (1, 2, 2.5, 5 times a power of
//! ten) on linear axes, decades (or 1-2-5 within one decade) on logarithmic ones, and labels with the
//! digits the step needs, so that no two labels read the same.

/// The ticks of one axis.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Ticks {
    /// Labelled ticks, in increasing order.
    pub major: Vec<f64>,
    /// Unlabelled ticks (the 2..9 multiples between decades of a logarithmic axis).
    pub minor: Vec<f64>,
    form: Form,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Form {
    /// A linear axis: `value / 10^power` with this many decimals (`power` is 0 unless the values need a
    /// multiplier on the axis label).
    Linear { decimals: usize, power: i32 },
    /// A logarithmic axis within 10⁻³..10⁵: plain numbers, each with the decimals it needs.
    LogDecimal,
    /// A logarithmic axis beyond: `10⁻³`, `2×10⁻³`.
    LogPowers,
}

/// Superscript digits and minus sign, as DejaVu Sans has them.
fn superscript(n: i32) -> String {
    n.to_string()
        .chars()
        .map(|c| match c {
            '-' => '⁻',
            '0' => '⁰',
            '1' => '¹',
            '2' => '²',
            '3' => '³',
            '4' => '⁴',
            '5' => '⁵',
            '6' => '⁶',
            '7' => '⁷',
            '8' => '⁸',
            _ => '⁹',
        })
        .collect()
}

/// `×10ⁿ`, the multiplier an axis label carries when its tick labels are scaled.
pub(crate) fn multiplier(power: i32) -> String {
    format!("×10{}", superscript(power))
}

/// `v` with `decimals` decimals, without a minus sign on zero.
fn decimal(v: f64, decimals: usize) -> String {
    let s = format!("{v:.decimals$}");
    if s.starts_with('-') && s[1..].chars().all(|c| c == '0' || c == '.') {
        s[1..].to_string()
    } else {
        s
    }
}

/// The decimals a step of `step` needs (2.5 needs one more than 2 or 5).
fn decimals_for(step: f64) -> usize {
    let e = step.log10().floor();
    let mantissa = step / 10f64.powf(e);
    let extra = f64::from(u8::from((mantissa - 2.5).abs() < 1e-6));
    (extra - e).max(0.0) as usize
}

impl Ticks {
    /// Ticks for a linear axis over `lo..hi`: at most `max` labels at a nice step (integers only when
    /// `integer`, e.g. neuron indices).
    pub fn linear(lo: f64, hi: f64, max: usize, integer: bool) -> Ticks {
        let span = (hi - lo).abs().max(f64::MIN_POSITIVE);
        let raw = span / (max.max(2) - 1) as f64;
        let magnitude = 10f64.powf(raw.log10().floor());
        let mut step = 10.0 * magnitude;
        for m in [1.0, 2.0, 2.5, 5.0] {
            if m * magnitude >= raw * (1.0 - 1e-9) && !(integer && m == 2.5) {
                step = m * magnitude;
                break;
            }
        }
        if integer {
            step = step.max(1.0).round();
        }
        let first = (lo / step - 1e-9).ceil() as i64;
        let last = (hi / step + 1e-9).floor() as i64;
        let major: Vec<f64> = (first..=last).map(|k| k as f64 * step).collect();
        let largest = major.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        // Labels longer than about six characters get a multiplier on the axis label instead.
        let power = if largest >= 1e5 || (largest > 0.0 && largest < 1e-3) {
            (largest.log10() / 3.0).floor() as i32 * 3
        } else {
            0
        };
        let decimals = decimals_for(step / 10f64.powi(power));
        Ticks {
            major,
            minor: Vec::new(),
            form: Form::Linear { decimals, power },
        }
    }

    /// Ticks for a logarithmic axis over `lo..hi` (both positive): decades when at least two fall in the
    /// range (every k-th one when more than `max`), with the 2..9 multiples as unlabelled minor ticks;
    /// otherwise 1, 2 and 5 times powers of ten, or every multiple within a decade.
    pub fn log(lo: f64, hi: f64, max: usize) -> Ticks {
        let (a, b) = (lo.log10(), hi.log10());
        let inside = |v: f64| v >= lo * (1.0 - 1e-9) && v <= hi * (1.0 + 1e-9);
        let multiples = |ms: &[f64]| -> Vec<f64> {
            let mut out = Vec::new();
            for k in a.floor() as i32..=b.floor() as i32 {
                for m in ms {
                    let v = m * 10f64.powi(k);
                    if inside(v) {
                        out.push(v);
                    }
                }
            }
            out
        };
        let decades: Vec<i32> = (a.ceil() as i32..=b.floor() as i32).collect();
        let (major, minor) = if decades.len() >= 3 {
            let stride = decades.len().div_ceil(max.max(2)) as i32;
            let major: Vec<f64> = decades
                .iter()
                .filter(|k| k.rem_euclid(stride) == 0)
                .map(|k| 10f64.powi(*k))
                .collect();
            let minor = if stride == 1 {
                multiples(&[2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0])
            } else {
                decades
                    .iter()
                    .filter(|k| k.rem_euclid(stride) != 0)
                    .map(|k| 10f64.powi(*k))
                    .collect()
            };
            (major, minor)
        } else {
            let one_two_five = multiples(&[1.0, 2.0, 5.0]);
            let (major, minor) = if one_two_five.len() >= 3 {
                (one_two_five, multiples(&[3.0, 4.0, 6.0, 7.0, 8.0, 9.0]))
            } else {
                (
                    multiples(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]),
                    Vec::new(),
                )
            };
            let stride = major.len().div_ceil(max.max(2)).max(1);
            (major.into_iter().step_by(stride).collect(), minor)
        };
        let plain = major.iter().all(|v| (1e-3..1e5).contains(v));
        Ticks {
            major,
            minor,
            form: if plain {
                Form::LogDecimal
            } else {
                Form::LogPowers
            },
        }
    }

    /// The multiplier the axis label carries (`×10⁻⁶`), if the tick labels are scaled.
    pub fn power(&self) -> Option<i32> {
        match self.form {
            Form::Linear { power, .. } if power != 0 => Some(power),
            _ => None,
        }
    }

    /// The label of the tick at `v`.
    pub fn label(&self, v: f64) -> String {
        match self.form {
            Form::Linear { decimals, power } => decimal(v / 10f64.powi(power), decimals),
            Form::LogDecimal => decimal(v, decimals_for(v)),
            Form::LogPowers => {
                let e = v.log10().floor() as i32;
                let mantissa = (v / 10f64.powi(e)).round();
                if mantissa == 1.0 {
                    format!("10{}", superscript(e))
                } else {
                    format!("{mantissa}×10{}", superscript(e))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(t: &Ticks) -> Vec<String> {
        t.major.iter().map(|v| t.label(*v)).collect()
    }

    #[test]
    fn linear_labels_have_the_digits_the_step_needs() {
        // STDP's weights: 0.007 to 0.0101 read 0.007, 0.0075, ... (not 0.009 three times).
        let t = Ticks::linear(0.00698, 0.01012, 8, false);
        let l = labels(&t);
        assert_eq!(
            l,
            [
                "0.0070", "0.0075", "0.0080", "0.0085", "0.0090", "0.0095", "0.0100"
            ]
        );
        let t = Ticks::linear(-70.0, 20.0, 8, false);
        assert_eq!(labels(&t), ["-60", "-40", "-20", "0", "20"]);
        let t = Ticks::linear(0.0, 1.0, 5, false);
        assert_eq!(labels(&t), ["0.00", "0.25", "0.50", "0.75", "1.00"]);
        let t = Ticks::linear(0.0, 200.0, 9, false);
        assert_eq!(
            labels(&t),
            ["0", "25", "50", "75", "100", "125", "150", "175", "200"]
        );
    }

    #[test]
    fn linear_labels_are_distinct_over_many_ranges() {
        for (lo, hi) in [
            (0.0, 1e-7),
            (3.0, 3.001),
            (-1e6, 1e6),
            (0.1, 0.1003),
            (1e9, 1e9 + 5e7),
        ] {
            let t = Ticks::linear(lo, hi, 8, false);
            let l = labels(&t);
            assert!(t.major.len() >= 2, "{lo}..{hi}: {l:?}");
            let mut sorted = l.clone();
            sorted.dedup();
            assert_eq!(sorted, l, "{lo}..{hi}");
            assert!(l.iter().all(|s| s.len() <= 7), "{lo}..{hi}: {l:?}");
        }
        let t = Ticks::linear(0.0, 2e-5, 8, false);
        assert_eq!(t.power(), Some(-6));
        assert_eq!(t.label(1e-5), "10");
    }

    #[test]
    fn integer_axes_have_integer_ticks() {
        let t = Ticks::linear(-0.5, 2.5, 10, true);
        assert_eq!(labels(&t), ["0", "1", "2"]);
        let t = Ticks::linear(-0.5, 3999.5, 8, true);
        assert_eq!(t.major.first(), Some(&0.0));
        assert!(t.major.iter().all(|v| v.fract() == 0.0));
    }

    #[test]
    fn log_axes_label_decades_and_subdivide_short_ranges() {
        let t = Ticks::log(1e-16, 0.2, 8);
        assert!(t.major.len() <= 8, "{:?}", labels(&t));
        assert!(
            labels(&t).contains(&"10⁻¹⁶".to_string()),
            "{:?}",
            labels(&t)
        );
        let t = Ticks::log(0.9, 150.0, 8);
        assert_eq!(labels(&t), ["1", "10", "100"]);
        assert!(t.minor.contains(&2.0) && t.minor.contains(&90.0));
        // Run costs from 600 to 12000: 1000 and 10000 only are decades; 2000 and 5000 are labelled too,
        // and nothing crowds (7000 8000 9000 are minor ticks).
        let t = Ticks::log(600.0, 12000.0, 8);
        assert_eq!(labels(&t), ["1000", "2000", "5000", "10000"]);
        let t = Ticks::log(0.04, 0.9, 8);
        assert_eq!(labels(&t), ["0.05", "0.1", "0.2", "0.5"]);
        let t = Ticks::log(3.0, 8.0, 8);
        assert_eq!(labels(&t), ["3", "4", "5", "6", "7", "8"]);
        let t = Ticks::log(2e-6, 5e-5, 8);
        assert_eq!(labels(&t), ["2×10⁻⁶", "5×10⁻⁶", "10⁻⁵", "2×10⁻⁵", "5×10⁻⁵"]);
    }
}

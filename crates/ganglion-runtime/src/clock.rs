//! Clocks as integer step counters (Brian2's `Clock`): `t = step·dt`, never accumulated.

use crate::error::BuildError;

/// Brian2's tolerance for comparing times, relative to `dt`.
pub const EPSILON_DT: f64 = 1e-4;

/// A clock.
#[derive(Clone, Debug, PartialEq)]
pub struct Clock {
    /// Its name (`defaultclock`, or the name of the object that owns it).
    pub name: String,
    /// The time step (seconds).
    pub dt: f64,
    /// The current step.
    pub step: i64,
    /// The step at which the current run ends (exclusive).
    pub end: i64,
}

impl Clock {
    /// A clock at step 0.
    pub fn new(name: impl Into<String>, dt: f64) -> Clock {
        Clock {
            name: name.into(),
            dt,
            step: 0,
            end: 0,
        }
    }

    /// The current time.
    pub fn t(&self) -> f64 {
        self.step as f64 * self.dt
    }

    /// The step at time `t`: `round(t/dt)` when that is within `EPSILON_DT` of `t`, else `ceil(t/dt)`, so
    /// that consecutive runs never repeat or skip a step (Brian2's `_calc_timestep`).
    pub fn step_at(&self, t: f64) -> i64 {
        let rounded = (t / self.dt).round();
        let rounded_t = rounded * self.dt;
        if rounded_t == t || (rounded_t - t).abs() / self.dt <= EPSILON_DT {
            rounded as i64
        } else {
            (t / self.dt).ceil() as i64
        }
    }

    /// Sets the end of the run at time `end`.
    pub fn set_end(&mut self, end: f64) {
        self.end = self.step_at(end);
    }

    /// Changes `dt`; allowed only when the current time is a multiple of the new `dt` (Brian2's check).
    pub fn set_dt(&mut self, dt: f64) -> Result<(), BuildError> {
        let t = self.t();
        let steps = t / dt;
        if (steps - steps.round()).abs() > EPSILON_DT {
            return Err(BuildError::Dt {
                clock: self.name.clone(),
                dt,
                t,
            });
        }
        self.step = steps.round() as i64;
        self.dt = dt;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn end_of_run_rounding() {
        let mut c = Clock::new("c", 0.1e-3);
        c.set_end(0.3e-3);
        assert_eq!(c.end, 3);
        c.set_end(0.35e-3);
        assert_eq!(c.end, 4);
        // Brian2's test_runtime_rounding: dt = 20.000000000020002 us, 250 steps.
        let mut c = Clock::new("c", 20.000000000020002e-6);
        c.set_end(5e-3);
        assert_eq!(c.end, 250);
    }

    #[test]
    fn dt_change_needs_a_multiple() {
        let mut c = Clock::new("c", 0.1e-3);
        c.step = 5;
        assert!(c.set_dt(0.2e-3).is_err());
        c.step = 4;
        c.set_dt(0.2e-3).unwrap();
        assert_eq!(c.step, 2);
    }
}

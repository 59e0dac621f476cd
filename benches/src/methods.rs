//! Integration methods compared: for each model and each applicable method, over a range of time steps,
//! the error against a reference solution, the cost of a run (nanoseconds per neuron and step) and the
//! compile time of the group.
//!
//! References:
//!
//! - analytic solutions for the linear models (`decay`, `lif` below threshold, the damped oscillator `osc`,
//!   the sinusoidally driven linear system `lin`), compared on the whole recorded trace;
//! - `rk4` at `dt/100` (or finer: one reference at the smallest `dt`/100 serves every `dt` that is a whole
//!   multiple of it) for models without a closed form (`hh`, and any model file);
//! - for stochastic models, two comparisons, both stated in every row:
//!   - `gbm` (strong error): geometric Brownian motion driven by the *same* Brownian path as the method.
//!     Random numbers are a pure function of (seed, kernel name, step, neuron, draw), so a second network
//!     whose group has the same name, seed, size and `dt` and integrates `dW/dt = xi` draws exactly the
//!     numbers the tested method draws; its `W(T)` gives the exact solution at `T` (Stratonovich:
//!     `exp(mu*T + s*W)`, Itô: `exp((mu - s**2/2)*T + s*W)`) for every neuron;
//!   - `ou` (weak error): the mean and variance over many neurons of an Ornstein–Uhlenbeck process at `T`
//!     against their analytic values, estimated against the process sampled exactly in law on the same
//!     random numbers (common random numbers: most of the Monte Carlo noise cancels; the standard errors
//!     are in the JSON output).
//!
//! Cost: a group of `N` identical neurons (1000 by default) with one neuron recorded; after the error run,
//! [`TIMING_REPEATS`] runs of [`Config::min_work`] neuron-steps are timed and the fastest gives the
//! nanoseconds per neuron-step. Compile time: adding the group, setting its initial values and the first
//! zero-length run (check, lowering, JIT compilation).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Instant;

use ganglion::{
    BackendChoice, Error, GroupHandle, MonitorHandle, Network, NeuronGroup, Record, SpikeMonitor,
    StateMonitor,
};
use ganglion_lower::methods::METHODS;
use ganglion_model::StochasticType;
use ganglion_units::Quantity;
use serde_json::{Value, json};

use crate::corpus::{self, CorpusModel};

mod charts;
pub use charts::{charts, read_reports, reports_from_json};

/// Kutta's third-order method as a user description (Brian2's description language): it shows that a
/// user's own method goes through the same harness, and its order (3) sits between rk2's and rk4's.
pub const RK3_DESCRIPTION: &str = "k_1 = dt*f(x,t)\nk_2 = dt*f(x + k_1/2, t + dt/2)\nk_3 = dt*f(x - k_1 + 2*k_2, t + dt)\nx_new = x + (k_1 + 4*k_2 + k_3)/6";

/// An integration method to compare: a name for the reports and what is passed to `NeuronGroup::method`
/// (a method name or a description).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Method {
    /// The name in reports.
    pub name: String,
    /// A method name or a description in Brian2's language.
    pub text: String,
}

impl Method {
    /// A method known by name (`rk4`).
    pub fn named(name: &str) -> Method {
        Method {
            name: name.to_string(),
            text: name.to_string(),
        }
    }

    /// A user's description, reported as `name`.
    pub fn description(name: &str, text: &str) -> Method {
        Method {
            name: name.to_string(),
            text: text.to_string(),
        }
    }

    /// Parses a command-line argument: a method name (`rk4`), or `NAME: DESCRIPTION` with the lines of
    /// the description separated by `;` or newlines (`mid: k = dt*f(x,t); x_new = x + dt*f(x + k/2, t + dt/2)`).
    pub fn parse_arg(s: &str) -> Result<Method, String> {
        match s.split_once(':') {
            None => {
                let name = s.trim();
                if name.is_empty() {
                    return Err("an empty method name".into());
                }
                Ok(Method::named(name))
            }
            Some((name, text)) => {
                let name = name.trim();
                let ok = !name.is_empty()
                    && name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
                if !ok {
                    return Err(format!(
                        "`{s}`: a description is written `NAME: LINE; LINE; x_new = ...`"
                    ));
                }
                let lines: Vec<&str> = text
                    .split([';', '\n'])
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .collect();
                Ok(Method::description(name, &lines.join("\n")))
            }
        }
    }
}

/// The methods compared by default: every method of Ganglion's table (`ganglion_lower::methods::METHODS`,
/// in its order) and [`RK3_DESCRIPTION`] as `rk3 (user)`.
pub fn default_methods() -> Vec<Method> {
    let mut m: Vec<Method> = METHODS
        .iter()
        .map(|info| Method::named(info.name))
        .collect();
    m.push(Method::description("rk3_user", RK3_DESCRIPTION));
    m
}

/// A model shipped with the harness.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Builtin {
    /// Exponential decay `dv/dt = -v/tau`.
    Decay,
    /// A leaky integrate-and-fire neuron driven below threshold (threshold, reset and refractoriness
    /// present but never reached).
    Lif,
    /// A damped oscillator (two coupled linear equations).
    Osc,
    /// A linear equation driven by a sinusoid (explicit time dependence).
    Lin,
    /// The Hodgkin–Huxley neuron of Brian2's `IF_curve_Hodgkin_Huxley` example under a constant current.
    Hh,
    /// Geometric Brownian motion (multiplicative noise): strong error on a shared Brownian path.
    Gbm,
    /// An Ornstein–Uhlenbeck process (additive noise): weak error of mean and variance.
    Ou,
}

impl Builtin {
    /// Every built-in model, in report order.
    pub const ALL: [Builtin; 7] = [
        Builtin::Decay,
        Builtin::Lif,
        Builtin::Osc,
        Builtin::Lin,
        Builtin::Hh,
        Builtin::Gbm,
        Builtin::Ou,
    ];

    /// The model's name.
    pub fn name(self) -> &'static str {
        match self {
            Builtin::Decay => "decay",
            Builtin::Lif => "lif",
            Builtin::Osc => "osc",
            Builtin::Lin => "lin",
            Builtin::Hh => "hh",
            Builtin::Gbm => "gbm",
            Builtin::Ou => "ou",
        }
    }

    /// Parses a model name.
    pub fn parse(s: &str) -> Option<Builtin> {
        Builtin::ALL.into_iter().find(|b| b.name() == s)
    }

    /// The time steps compared by default (seconds), largest first: ranges in which every method's error
    /// is above rounding and in its asymptotic regime.
    pub fn default_dts(self) -> Vec<f64> {
        let ms: &[f64] = match self {
            Builtin::Decay | Builtin::Lif => &[0.8, 0.4, 0.2, 0.1, 0.05],
            Builtin::Osc | Builtin::Lin => &[0.4, 0.2, 0.1, 0.05, 0.025],
            Builtin::Hh => &[0.1, 0.05, 0.025, 0.0125],
            Builtin::Gbm => &[1.0, 0.5, 0.25, 0.125, 0.0625],
            Builtin::Ou => &[1.0, 0.5, 0.25, 0.125],
        };
        ms.iter().map(|x| x * 1e-3).collect()
    }

    /// The simulated time by default (seconds).
    pub fn default_duration(self) -> f64 {
        match self {
            Builtin::Decay | Builtin::Lif => 0.1,
            Builtin::Osc | Builtin::Lin | Builtin::Gbm => 0.2,
            Builtin::Hh => 0.05,
            Builtin::Ou => 0.02,
        }
    }

    /// What the model is, in one line.
    pub fn description(self) -> &'static str {
        match self {
            Builtin::Decay => "dv/dt = -v/tau : 1; tau = 10 ms, v(0) = 1",
            Builtin::Lif => {
                "dv/dt = (v_inf - v)/tau : volt (unless refractory); tau = 10 ms, v_inf = -55 mV, v(0) = -70 mV, threshold v > -50 mV (never reached), reset, refractory 5 ms"
            }
            Builtin::Osc => {
                "dx/dt = w*y : 1, dy/dt = -w*x - 2*zeta*w*y : 1; w = 2*pi*20 Hz, zeta = 0.1, x(0) = 1, y(0) = 0"
            }
            Builtin::Lin => {
                "dv/dt = -v/tau + a*sin(2*pi*f*t) : 1; tau = 10 ms, a = 100 Hz, f = 50 Hz, v(0) = 1"
            }
            Builtin::Hh => {
                "Brian2's IF_curve_Hodgkin_Huxley neuron (v, m, n, h) under I = 0.5 nA; v(0) = -65 mV, m = n = h = 0, threshold and refractory v > -20 mV"
            }
            Builtin::Gbm => {
                "dv/dt = mu*v + s*v*xi*second**-0.5 : 1; mu = 1 Hz, s = 1, v(0) = 1 (multiplicative noise)"
            }
            Builtin::Ou => {
                "dv/dt = -v/tau + sigma*xi*tau**-0.5 : 1; tau = 10 ms, sigma = 1, v(0) = 1 (additive noise)"
            }
        }
    }

    /// What is compared, against what.
    pub fn compared(self) -> &'static str {
        match self {
            Builtin::Decay | Builtin::Lif | Builtin::Lin => {
                "v of neuron 0 at every step against the analytic solution"
            }
            Builtin::Osc => "x and y of neuron 0 at every step against the analytic solution",
            Builtin::Hh => {
                "v of neuron 0 at every step against rk4 at dt/100 (or finer); spike times matched in order"
            }
            Builtin::Gbm => {
                "strong error: v(T) of every neuron against the exact solution on the same Brownian path (Stratonovich for heun and milstein; Ito for euler; for a description, the one it converges to); RMS over neurons"
            }
            Builtin::Ou => {
                "weak error: max(|mean error|, |variance error|) of v(T) over all neurons, paired with the OU process sampled exactly in law on the same random numbers (whose mean and variance are the analytic ones)"
            }
        }
    }

    fn unit(self) -> &'static str {
        match self {
            Builtin::Lif | Builtin::Hh => "volt",
            _ => "1",
        }
    }
}

/// What to run.
#[derive(Clone, Debug)]
pub struct Config {
    /// Time steps (seconds); `None`: each model's defaults.
    pub dts: Option<Vec<f64>>,
    /// Simulated time (seconds); `None`: each model's default (or the model file's).
    pub duration: Option<f64>,
    /// Neurons per group for the built-in models (the OU model uses 100 times as many).
    pub neurons: usize,
    /// The methods.
    pub methods: Vec<Method>,
    /// The kernel engine.
    pub backend: BackendChoice,
    /// Neuron-steps per timed run: after the error run, [`TIMING_REPEATS`] runs of this many
    /// neuron-steps (at least one step) are timed and the fastest counts. 0: no timing (tests).
    pub min_work: f64,
    /// The seed of the random streams.
    pub seed: u64,
    /// Model files: the variable compared (default: each group's first differential equation).
    pub variable: Option<String>,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            dts: None,
            duration: None,
            neurons: 1000,
            methods: default_methods(),
            backend: BackendChoice::Jit,
            min_work: 2e6,
            seed: 4321,
            variable: None,
        }
    }
}

/// Errors below this fraction of the reference's magnitude are at rounding level (a few thousand
/// roundings of a double accumulated over a run).
pub const ROUNDING: f64 = 1e-12;

/// One (model, method, dt).
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// The model.
    pub model: String,
    /// The method's name.
    pub method: String,
    /// The time step (seconds).
    pub dt: f64,
    /// `ok`, `not applicable: why` or `failed: why`.
    pub status: String,
    /// Largest absolute error over everything compared (SI units of `unit`).
    pub max_abs_error: Option<f64>,
    /// Root-mean-square error over everything compared.
    pub rms_error: Option<f64>,
    /// The observed order: log(error / error at the previous, larger dt) / log(dt ratio), on the
    /// model's headline error ([`Row::error`]).
    pub observed_order: Option<f64>,
    /// Mean absolute difference of matched spike times (seconds), where spikes occur.
    pub spike_time_error: Option<f64>,
    /// Spikes in the compared neurons.
    pub spikes: Option<usize>,
    /// Spikes of the reference.
    pub spikes_ref: Option<usize>,
    /// Nanoseconds per neuron and step.
    pub ns_per_neuron_step: Option<f64>,
    /// Check, lowering and compilation of the group (microseconds).
    pub compile_us: Option<f64>,
    /// Neurons simulated in the timed run.
    pub neurons: usize,
    /// Steps timed.
    pub steps: u64,
    /// What the error is measured against.
    pub reference: String,
    /// Unit of the errors.
    pub unit: String,
    /// Whether the headline error is the RMS error (strong error over neurons) rather than the maximum.
    pub headline_rms: bool,
    /// The largest magnitude of the reference values compared: errors below [`ROUNDING`] times it are at
    /// rounding level (no order is computed from them).
    pub reference_scale: Option<f64>,
    /// Model-specific figures (the other calculus's error, sample mean and variance, ...).
    pub extra: Vec<(String, f64)>,
}

impl Row {
    fn new(model: &str, method: &str, dt: f64, reference: &str, unit: &str) -> Row {
        Row {
            model: model.to_string(),
            method: method.to_string(),
            dt,
            status: "ok".into(),
            max_abs_error: None,
            rms_error: None,
            observed_order: None,
            spike_time_error: None,
            spikes: None,
            spikes_ref: None,
            ns_per_neuron_step: None,
            compile_us: None,
            neurons: 0,
            steps: 0,
            reference: reference.to_string(),
            unit: unit.to_string(),
            headline_rms: false,
            reference_scale: None,
            extra: Vec::new(),
        }
    }

    /// Whether the headline error is at rounding level (below [`ROUNDING`] times the reference's scale).
    pub fn at_rounding_level(&self) -> bool {
        match (self.error(), self.reference_scale) {
            (Some(e), Some(s)) => e <= ROUNDING * s,
            _ => false,
        }
    }

    /// The headline error: the RMS error for strong errors over neurons, the maximum otherwise.
    pub fn error(&self) -> Option<f64> {
        if self.headline_rms {
            self.rms_error
        } else {
            self.max_abs_error
        }
    }

    /// The cost of simulating one second of one neuron (microseconds): what a given accuracy costs,
    /// the x axis of the error-against-cost charts.
    pub fn cost_per_simulated_second(&self) -> Option<f64> {
        self.ns_per_neuron_step.map(|ns| ns / self.dt / 1e3)
    }

    /// Whether the method ran.
    pub fn ok(&self) -> bool {
        self.status == "ok"
    }
}

/// The rows of one model, with what the model is.
#[derive(Clone, Debug, PartialEq)]
pub struct ModelReport {
    /// The model's name.
    pub name: String,
    /// What it is.
    pub description: String,
    /// What is compared against what.
    pub compared: String,
    /// One row per (method, dt).
    pub rows: Vec<Row>,
}

// ---------------------------------------------------------------------------------------------------
// Running one network and reading it out
// ---------------------------------------------------------------------------------------------------

/// A network built for one (method, dt): what it records and how long it took to build.
struct Trial {
    net: Network,
    /// State monitors and the variable each records.
    traces: Vec<(MonitorHandle, String)>,
    /// Spike monitors, each with how many of its neurons are compared.
    spikes: Vec<(MonitorHandle, usize)>,
    compile_s: f64,
    neurons: usize,
    /// Durations of the runs (segments of a model file; one for the built-in models).
    segments: Vec<(f64, Vec<ganglion::SetOp>)>,
}

/// Timed runs per trial; the fastest counts (on a shared machine the minimum is the least disturbed).
pub const TIMING_REPEATS: usize = 5;

/// What a run cost.
#[derive(Clone, Copy, Debug)]
struct Cost {
    compile_s: f64,
    ns_per_neuron_step: f64,
    neurons: usize,
    steps: u64,
}

/// What a trial produced.
struct Outcome {
    /// One series per (variable, recorded neuron), sampled at every step.
    series: Vec<Vec<f64>>,
    /// Sample times of the series.
    t: Vec<f64>,
    /// Spike trains of the compared neurons.
    trains: Vec<Vec<f64>>,
    cost: Cost,
}

fn q(s: &str) -> Quantity {
    Quantity::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

/// Why a method was refused, in one line (the checker's notes name the method and the reason).
fn refusal(e: &Error) -> String {
    match e {
        Error::Model(diagnostics) => {
            let parts: Vec<String> = diagnostics
                .list()
                .iter()
                .filter(|d| d.is_error())
                .map(|d| {
                    if d.notes.is_empty() {
                        d.message.clone()
                    } else {
                        d.notes.join("; ")
                    }
                })
                .collect();
            parts.join("; ")
        }
        other => other.to_string(),
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The cost of a trial: the fastest of [`TIMING_REPEATS`] further runs of `min_work` neuron-steps each
/// (at least one step), going on from the state the error run left. The error run itself is not timed:
/// it also fills the monitors and touches memory for the first time.
fn cost(trial: &mut Trial, min_work: f64) -> Result<Cost, String> {
    let steps = ((min_work / trial.neurons as f64).ceil() as u64).max(1);
    trial.net.set_check_interval(0);
    let dt = trial.net.dt();
    let mut best = f64::INFINITY;
    for _ in 0..TIMING_REPEATS {
        let started = Instant::now();
        trial
            .net
            .run(steps as f64 * dt)
            .map_err(|e| one_line(&e.to_string()))?;
        best = best.min(started.elapsed().as_secs_f64() / steps as f64);
    }
    Ok(Cost {
        compile_s: trial.compile_s,
        ns_per_neuron_step: best / trial.neurons as f64 * 1e9,
        neurons: trial.neurons,
        steps,
    })
}

/// Runs every segment of a trial (the error run).
fn run_segments(trial: &mut Trial) -> Result<(), String> {
    for (duration, set) in &trial.segments {
        for op in set {
            trial.net.apply(op).map_err(|e| one_line(&e.to_string()))?;
        }
        trial
            .net
            .run(*duration)
            .map_err(|e| one_line(&e.to_string()))?;
    }
    Ok(())
}

/// Runs a trial: every segment, the traces and spikes read out, then the timed runs (none when
/// `min_work` is 0: references are not timed).
fn run_trial(mut trial: Trial, min_work: f64) -> Result<Outcome, String> {
    run_segments(&mut trial)?;
    let mut series = Vec::new();
    let mut t = Vec::new();
    for (m, var) in &trial.traces {
        if let Some(d) = trial.net.state_data(*m) {
            t.clone_from(&d.t);
            if let Some((_, rows)) = d.values.iter().find(|(n, _)| n == var) {
                series.extend(rows.iter().cloned());
            }
        }
    }
    let mut trains = Vec::new();
    for (m, k) in &trial.spikes {
        if let Some(d) = trial.net.spike_data(*m) {
            trains.extend(d.spike_trains().into_iter().take(*k));
        }
    }
    let cost = if min_work > 0.0 {
        cost(&mut trial, min_work)?
    } else {
        Cost {
            compile_s: trial.compile_s,
            ns_per_neuron_step: f64::NAN,
            neurons: trial.neurons,
            steps: 0,
        }
    };
    Ok(Outcome {
        series,
        t,
        trains,
        cost,
    })
}

/// Runs a trial of a stochastic built-in model and returns the final `v` of every neuron with the cost.
fn run_final_state(mut trial: Trial, min_work: f64) -> Result<(Vec<f64>, Cost), String> {
    run_segments(&mut trial)?;
    let g = trial.net.groups()[0];
    let v = trial.net.state(g, "v").map_err(|e| e.to_string())?;
    Ok((v, cost(&mut trial, min_work.max(1.0))?))
}

/// The largest magnitude in some series.
fn scale(series: &[Vec<f64>]) -> f64 {
    series.iter().flatten().fold(
        0.0f64,
        |m, x| if x.is_finite() { m.max(x.abs()) } else { m },
    )
}

/// Max and RMS of the differences over every compared sample.
fn error_stats(pairs: impl Iterator<Item = (f64, f64)>) -> (f64, f64) {
    let (mut max, mut sum, mut n) = (0.0f64, 0.0f64, 0usize);
    for (a, b) in pairs {
        let d = (a - b).abs();
        if d.is_nan() {
            max = f64::NAN;
        } else {
            max = max.max(d);
        }
        sum += d * d;
        n += 1;
    }
    (max, (sum / n.max(1) as f64).sqrt())
}

/// Spike trains matched neuron by neuron, spike by spike in order: the mean absolute time difference of
/// the matched pairs (`None` without a pair) and the spike counts.
pub fn spike_time_error(
    trains: &[Vec<f64>],
    reference: &[Vec<f64>],
) -> (Option<f64>, usize, usize) {
    let (mut sum, mut pairs) = (0.0, 0usize);
    for (a, b) in trains.iter().zip(reference) {
        for (x, y) in a.iter().zip(b) {
            sum += (x - y).abs();
            pairs += 1;
        }
    }
    let n: usize = trains.iter().map(Vec::len).sum();
    let n_ref: usize = reference.iter().map(Vec::len).sum();
    ((pairs > 0).then(|| sum / pairs as f64), n, n_ref)
}

fn fill_cost(row: &mut Row, c: &Cost) {
    row.ns_per_neuron_step = Some(c.ns_per_neuron_step).filter(|x| x.is_finite());
    row.compile_us = Some(c.compile_s * 1e6);
    row.neurons = c.neurons;
    row.steps = c.steps;
}

/// Compares a trial's series with a reference's, sampled `stride` times as finely.
fn compare_with_reference(row: &mut Row, o: &Outcome, reference: &Outcome, stride: usize) {
    let pairs = o.series.iter().zip(&reference.series).flat_map(|(a, r)| {
        a.iter()
            .enumerate()
            .filter_map(move |(k, x)| r.get(k * stride).map(|y| (*x, *y)))
    });
    let (max, rms) = error_stats(pairs);
    row.max_abs_error = Some(max);
    row.rms_error = Some(rms);
    row.reference_scale = Some(scale(&reference.series));
    let (st, n, n_ref) = spike_time_error(&o.trains, &reference.trains);
    if n + n_ref > 0 {
        row.spike_time_error = st;
        row.spikes = Some(n);
        row.spikes_ref = Some(n_ref);
    }
}

/// References computed so far: (dt, outcome).
#[derive(Default)]
struct References(Vec<(f64, Outcome)>);

impl References {
    /// A reference at `dt/100` or finer for `dt`, with its stride; computed with `build` when none fits.
    fn get(
        &mut self,
        dt: f64,
        finest: f64,
        build: &dyn Fn(f64) -> Result<Outcome, String>,
    ) -> Result<(&Outcome, usize), String> {
        let fits = |r: f64| {
            let k = dt / r;
            k >= 99.5 && (k - k.round()).abs() < 1e-6 * k
        };
        if !self.0.iter().any(|(r, _)| fits(*r)) {
            // The finest reference serves every dt that is a whole multiple of it.
            let r = if fits(finest / 100.0) {
                finest / 100.0
            } else {
                dt / 100.0
            };
            let o = build(r)?;
            self.0.push((r, o));
        }
        let (r, o) = self
            .0
            .iter()
            .find(|(r, _)| fits(*r))
            .expect("a fitting reference was just added");
        Ok((o, (dt / r).round() as usize))
    }
}

// ---------------------------------------------------------------------------------------------------
// Built-in models
// ---------------------------------------------------------------------------------------------------

/// Brian2's `IF_curve_Hodgkin_Huxley` example, whose neuron the `hh` model is, read once.
fn if_curve_hodgkin_huxley() -> &'static CorpusModel {
    static MODEL: OnceLock<CorpusModel> = OnceLock::new();
    MODEL.get_or_init(|| CorpusModel::load(corpus::IF_CURVE_HODGKIN_HUXLEY))
}

fn set_constants(net: &mut Network, model: Builtin) {
    let owned: Vec<(&str, String)> = match model {
        Builtin::Decay => vec![("tau", "10*ms".into())],
        Builtin::Lif => vec![
            ("tau", "10*ms".into()),
            ("v_inf", "-55*mV".into()),
            ("v_th", "-50*mV".into()),
            ("v_reset", "-70*mV".into()),
        ],
        Builtin::Osc => vec![
            ("w", format!("{}*Hz", 2.0 * std::f64::consts::PI * 20.0)),
            ("zeta", "0.1".into()),
        ],
        Builtin::Lin => vec![
            ("tau", "10*ms".into()),
            ("a", "100*Hz".into()),
            ("f", "50*Hz".into()),
        ],
        Builtin::Hh => {
            // The example's namespace: the conductances per area times `area`, as Brian2 computes them.
            if_curve_hodgkin_huxley().set_constants(net);
            return;
        }
        Builtin::Gbm => vec![("mu", "1*Hz".into()), ("s", "1".into())],
        Builtin::Ou => vec![("tau", "10*ms".into()), ("sigma", "1".into())],
    };
    for (name, value) in owned {
        net.set_constant(name, q(&value));
    }
}

fn builtin_group(model: Builtin, n: usize, method: &str) -> NeuronGroup {
    let g = match model {
        Builtin::Decay => NeuronGroup::new(n, "dv/dt = -v/tau : 1"),
        Builtin::Lif => NeuronGroup::new(n, "dv/dt = (v_inf - v)/tau : volt (unless refractory)")
            .threshold("v > v_th")
            .reset("v = v_reset")
            .refractory_time(5e-3),
        Builtin::Osc => NeuronGroup::new(n, "dx/dt = w*y : 1\ndy/dt = -w*x - 2*zeta*w*y : 1"),
        Builtin::Lin => NeuronGroup::new(n, "dv/dt = -v/tau + a*sin(2*pi*f*t) : 1"),
        Builtin::Hh => NeuronGroup::new(n, if_curve_hodgkin_huxley().equations("group"))
            .threshold("v > -20*mV")
            .refractory("v > -20*mV"),
        Builtin::Gbm => NeuronGroup::new(n, "dv/dt = mu*v + s*v*xi*second**-0.5 : 1"),
        Builtin::Ou => NeuronGroup::new(n, "dv/dt = -v/tau + sigma*xi*tau**-0.5 : 1"),
    };
    g.method(method).name("G")
}

fn builtin_init(net: &mut Network, g: GroupHandle, model: Builtin) -> Result<(), Error> {
    match model {
        Builtin::Decay | Builtin::Lin | Builtin::Gbm | Builtin::Ou => net.set(g, "v", q("1")),
        Builtin::Lif => net.set(g, "v", q("-70*mV")),
        Builtin::Osc => net.set(g, "x", q("1")),
        Builtin::Hh => {
            net.set(g, "v", q("-65*mV"))?;
            net.set(g, "I", q("0.5*nA"))
        }
    }
}

/// Builds a built-in model with `n` neurons, recording `vars` of neuron 0 at every step.
fn build_builtin(
    model: Builtin,
    method: &str,
    dt: f64,
    n: usize,
    duration: f64,
    config: &Config,
) -> Result<Trial, Error> {
    let mut net = Network::new(config.backend);
    net.seed(config.seed);
    net.set_dt(dt)?;
    set_constants(&mut net, model);
    let started = Instant::now();
    let g = net.add_group(builtin_group(model, n, method))?;
    builtin_init(&mut net, g, model)?;
    let vars: &[&str] = match model {
        Builtin::Osc => &["x", "y"],
        Builtin::Gbm | Builtin::Ou => &[],
        _ => &["v"],
    };
    let mut traces = Vec::new();
    for v in vars {
        let m = net.add_state_monitor(
            StateMonitor::new(g, [*v])
                .record(Record::Indices(vec![0]))
                .name(format!("trace_{v}")),
        )?;
        traces.push((m, v.to_string()));
    }
    let mut spikes = Vec::new();
    if model == Builtin::Hh {
        spikes.push((net.add_spike_monitor(SpikeMonitor::new(g))?, 1));
    }
    net.run(0.0)?;
    let compile_s = started.elapsed().as_secs_f64();
    Ok(Trial {
        net,
        traces,
        spikes,
        compile_s,
        neurons: n,
        segments: vec![(duration, Vec::new())],
    })
}

/// The analytic solution of a linear built-in model: one series per compared variable.
fn analytic(model: Builtin, t: &[f64]) -> Vec<Vec<f64>> {
    match model {
        Builtin::Decay => vec![t.iter().map(|t| (-t / 10e-3).exp()).collect()],
        Builtin::Lif => vec![
            t.iter()
                .map(|t| -55e-3 + (-70e-3 + 55e-3) * (-t / 10e-3).exp())
                .collect(),
        ],
        Builtin::Osc => {
            let w = 2.0 * std::f64::consts::PI * 20.0;
            let zeta = 0.1f64;
            let r = (1.0 - zeta * zeta).sqrt();
            let wd = w * r;
            let x = t
                .iter()
                .map(|t| (-zeta * w * t).exp() * ((wd * t).cos() + zeta / r * (wd * t).sin()))
                .collect();
            let y = t
                .iter()
                .map(|t| -(-zeta * w * t).exp() * (wd * t).sin() / r)
                .collect();
            vec![x, y]
        }
        Builtin::Lin => {
            let k = 1.0 / 10e-3;
            let w = 2.0 * std::f64::consts::PI * 50.0;
            let a = 100.0;
            let b = -a * w / (k * k + w * w);
            let ap = a * k / (k * k + w * w);
            vec![
                t.iter()
                    .map(|t| ap * (w * t).sin() + b * (w * t).cos() + (1.0 - b) * (-k * t).exp())
                    .collect(),
            ]
        }
        Builtin::Hh | Builtin::Gbm | Builtin::Ou => Vec::new(),
    }
}

fn dts_for(model_dts: Vec<f64>, config: &Config) -> Vec<f64> {
    let mut dts = config.dts.clone().unwrap_or(model_dts);
    dts.sort_by(|a, b| b.total_cmp(a));
    dts.dedup();
    dts
}

/// Runs one built-in model over every method and dt.
pub fn run_builtin(model: Builtin, config: &Config) -> ModelReport {
    let dts = dts_for(model.default_dts(), config);
    let duration = config.duration.unwrap_or(model.default_duration());
    let rows = match model {
        Builtin::Gbm => run_gbm(&dts, duration, config),
        Builtin::Ou => run_ou(&dts, duration, config),
        _ => run_deterministic_builtin(model, &dts, duration, config),
    };
    let mut report = ModelReport {
        name: model.name().to_string(),
        description: format!("{} (T = {} ms)", model.description(), duration * 1e3),
        compared: model.compared().to_string(),
        rows,
    };
    fill_orders(&mut report.rows);
    report
}

fn run_deterministic_builtin(
    model: Builtin,
    dts: &[f64],
    duration: f64,
    config: &Config,
) -> Vec<Row> {
    let reference_name = if model == Builtin::Hh {
        "rk4 at dt/100"
    } else {
        "analytic"
    };
    let mut refs = References::default();
    let finest = dts.iter().copied().fold(f64::INFINITY, f64::min);
    let build_ref = |dt: f64| -> Result<Outcome, String> {
        let trial = build_builtin(model, "rk4", dt, 1, duration, config)
            .map_err(|e| one_line(&refusal(&e)))?;
        run_trial(trial, 0.0)
    };
    let mut rows = Vec::new();
    for method in &config.methods {
        for &dt in dts {
            let mut row = Row::new(model.name(), &method.name, dt, reference_name, model.unit());
            let trial =
                match build_builtin(model, &method.text, dt, config.neurons, duration, config) {
                    Ok(t) => t,
                    Err(e) => {
                        row.status = format!("not applicable: {}", one_line(&refusal(&e)));
                        rows.push(row);
                        continue;
                    }
                };
            let o = match run_trial(trial, config.min_work) {
                Ok(o) => o,
                Err(e) => {
                    row.status = format!("failed: {e}");
                    rows.push(row);
                    continue;
                }
            };
            fill_cost(&mut row, &o.cost);
            if model == Builtin::Hh {
                match refs.get(dt, finest, &build_ref) {
                    Ok((r, stride)) => compare_with_reference(&mut row, &o, r, stride),
                    Err(e) => row.status = format!("failed: the reference: {e}"),
                }
            } else {
                let exact = analytic(model, &o.t);
                let pairs = o
                    .series
                    .iter()
                    .zip(&exact)
                    .flat_map(|(a, b)| a.iter().copied().zip(b.iter().copied()));
                let (max, rms) = error_stats(pairs);
                row.max_abs_error = Some(max);
                row.rms_error = Some(rms);
                row.reference_scale = Some(scale(&exact));
            }
            rows.push(row);
        }
    }
    rows
}

/// Geometric Brownian motion: the strong error at `T` against the exact solution on the Brownian path the
/// method drew (reconstructed by a second network that draws the same numbers).
fn run_gbm(dts: &[f64], duration: f64, config: &Config) -> Vec<Row> {
    let n = config.neurons;
    let (mu, s) = (1.0f64, 1.0f64);
    let mut rows = Vec::new();
    const ITO: &str = "exact Ito solution, same Brownian path";
    const STRATONOVICH: &str = "exact Stratonovich solution, same Brownian path";
    for method in &config.methods {
        let named = METHODS.iter().any(|info| info.name == method.text);
        let ito = method.text == "euler";
        let reference = if ito { ITO } else { STRATONOVICH };
        let first = rows.len();
        for &dt in dts {
            let mut row = Row::new("gbm", &method.name, dt, reference, "1");
            row.headline_rms = true;
            let trial = match build_builtin(Builtin::Gbm, &method.text, dt, n, duration, config) {
                Ok(t) => t,
                Err(e) => {
                    row.status = format!("not applicable: {}", one_line(&refusal(&e)));
                    rows.push(row);
                    continue;
                }
            };
            let result = run_final_state(trial, config.min_work)
                .and_then(|(v, c)| Ok((v, brownian_path(n, dt, duration, config)?, c)));
            match result {
                Err(e) => row.status = format!("failed: {e}"),
                Ok((v, w, c)) => {
                    fill_cost(&mut row, &c);
                    let strat: Vec<f64> = w.iter().map(|w| (mu * duration + s * w).exp()).collect();
                    let itos: Vec<f64> = w
                        .iter()
                        .map(|w| ((mu - s * s / 2.0) * duration + s * w).exp())
                        .collect();
                    let (smax, srms) = error_stats(v.iter().copied().zip(strat.iter().copied()));
                    let (imax, irms) = error_stats(v.iter().copied().zip(itos.iter().copied()));
                    if ito {
                        (row.max_abs_error, row.rms_error) = (Some(imax), Some(irms));
                    } else {
                        (row.max_abs_error, row.rms_error) = (Some(smax), Some(srms));
                    }
                    row.extra = vec![
                        ("stratonovich_max_abs_error".into(), smax),
                        ("stratonovich_rms_error".into(), srms),
                        ("ito_max_abs_error".into(), imax),
                        ("ito_rms_error".into(), irms),
                    ];
                }
            }
            rows.push(row);
        }
        // A user's description says nothing about its calculus: it is compared with the solution it
        // converges to, the one it is closer to at the smallest dt (both errors are in the JSON).
        if !named {
            let extra = |r: &Row, k: &str| r.extra.iter().find(|(n, _)| n == k).map(|(_, v)| *v);
            let finest = rows[first..]
                .iter()
                .filter(|r| r.ok())
                .min_by(|a, b| a.dt.total_cmp(&b.dt));
            let use_ito = finest.is_some_and(|r| {
                extra(r, "ito_rms_error").unwrap_or(f64::INFINITY)
                    < extra(r, "stratonovich_rms_error").unwrap_or(f64::INFINITY)
            });
            if use_ito {
                for r in rows[first..].iter_mut().filter(|r| r.ok()) {
                    r.reference = format!("{ITO} (the solution this description converges to)");
                    r.max_abs_error = extra(r, "ito_max_abs_error");
                    r.rms_error = extra(r, "ito_rms_error");
                }
            }
        }
    }
    rows
}

/// `W(T)` of every neuron: the Brownian path a group called `G` with `n` neurons draws under the seed at
/// `dt`, summed by a group with the same name that integrates `dW/dt = xi` (exact for any explicit
/// method: the increments are the draws).
pub fn brownian_path(
    n: usize,
    dt: f64,
    duration: f64,
    config: &Config,
) -> Result<Vec<f64>, String> {
    let mut net = Network::new(config.backend);
    net.seed(config.seed);
    net.set_dt(dt).map_err(|e| e.to_string())?;
    let g = net
        .add_group(
            NeuronGroup::new(n, "dv/dt = xi*second**-0.5 : 1")
                .method("euler")
                .name("G"),
        )
        .map_err(|e| one_line(&refusal(&e)))?;
    net.run(duration).map_err(|e| one_line(&e.to_string()))?;
    net.state(g, "v").map_err(|e| e.to_string())
}

/// The OU process of the `ou` model sampled exactly at the steps of `dt` (in law: `v <- v*exp(-dt/tau) +
/// sqrt((1 - exp(-2*dt/tau))/2)*n`), driven by the very normal numbers `n` the tested method draws: a group
/// with the same name, seed, size and `dt` integrates, with `euler`, an equation whose Euler step is that
/// recursion. Its mean and variance at `T` are the analytic ones exactly, and the pairing with the tested
/// method (common random numbers) removes most of the Monte Carlo noise from the weak error.
pub fn ou_exact_in_law(
    n: usize,
    dt: f64,
    duration: f64,
    config: &Config,
) -> Result<Vec<f64>, String> {
    let tau: f64 = 10e-3;
    let decay = (-dt / tau).exp();
    let tau_r = dt / (1.0 - decay);
    let sigma_r = ((1.0 - decay * decay) / (2.0 * dt)).sqrt();
    let mut net = Network::new(config.backend);
    net.seed(config.seed);
    net.set_dt(dt).map_err(|e| e.to_string())?;
    net.set_constant(
        "tau_r",
        Quantity::new(tau_r, ganglion_units::Dimension::TIME),
    );
    net.set_constant(
        "sigma_r",
        Quantity::new(sigma_r, ganglion_units::Dimension::DIMENSIONLESS),
    );
    let g = net
        .add_group(
            NeuronGroup::new(n, "dv/dt = -v/tau_r + sigma_r*xi*second**-0.5 : 1")
                .method("euler")
                .name("G"),
        )
        .map_err(|e| one_line(&refusal(&e)))?;
    net.set(g, "v", q("1")).map_err(|e| e.to_string())?;
    net.run(duration).map_err(|e| one_line(&e.to_string()))?;
    net.state(g, "v").map_err(|e| e.to_string())
}

fn mean_var(v: &[f64]) -> (f64, f64) {
    let m = v.len() as f64;
    let mean = v.iter().sum::<f64>() / m;
    let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (m - 1.0).max(1.0);
    (mean, var)
}

/// Ornstein–Uhlenbeck: the weak error of the mean and variance at `T` over many neurons, estimated
/// against [`ou_exact_in_law`] on the same random numbers.
fn run_ou(dts: &[f64], duration: f64, config: &Config) -> Vec<Row> {
    let n = config.neurons * 100;
    let tau = 10e-3;
    let mean_exact = (-duration / tau).exp();
    let var_exact = 0.5 * (1.0 - (-2.0 * duration / tau).exp());
    let mut rows = Vec::new();
    for method in &config.methods {
        for &dt in dts {
            let mut row = Row::new(
                "ou",
                &method.name,
                dt,
                "analytic mean and variance (paired with the exact-in-law process on the same noise)",
                "1",
            );
            let trial = match build_builtin(Builtin::Ou, &method.text, dt, n, duration, config) {
                Ok(t) => t,
                Err(e) => {
                    row.status = format!("not applicable: {}", one_line(&refusal(&e)));
                    rows.push(row);
                    continue;
                }
            };
            let result = run_final_state(trial, config.min_work)
                .and_then(|(v, c)| Ok((v, ou_exact_in_law(n, dt, duration, config)?, c)));
            match result {
                Err(e) => row.status = format!("failed: {e}"),
                Ok((v, r, c)) => {
                    fill_cost(&mut row, &c);
                    let m = v.len() as f64;
                    let (mean, var) = mean_var(&v);
                    let (mean_r, var_r) = mean_var(&r);
                    let d: Vec<f64> = v.iter().zip(&r).map(|(a, b)| a - b).collect();
                    let u: Vec<f64> = v
                        .iter()
                        .zip(&r)
                        .map(|(a, b)| (a - mean).powi(2) - (b - mean_r).powi(2))
                        .collect();
                    let (dm, dvar) = mean_var(&d);
                    let (_, uvar) = mean_var(&u);
                    let (em, ev) = (dm.abs(), (var - var_r).abs());
                    row.max_abs_error = Some(em.max(ev));
                    row.reference_scale = Some(var_exact);
                    row.extra = vec![
                        ("mean".into(), mean),
                        ("mean_exact".into(), mean_exact),
                        ("mean_weak_error".into(), em),
                        ("mean_weak_error_standard_error".into(), (dvar / m).sqrt()),
                        ("mean_unpaired_error".into(), (mean - mean_exact).abs()),
                        ("variance".into(), var),
                        ("variance_exact".into(), var_exact),
                        ("variance_weak_error".into(), ev),
                        (
                            "variance_weak_error_standard_error".into(),
                            (uvar / m).sqrt(),
                        ),
                        ("variance_unpaired_error".into(), (var - var_exact).abs()),
                    ];
                }
            }
            rows.push(row);
        }
    }
    rows
}

// ---------------------------------------------------------------------------------------------------
// Model files
// ---------------------------------------------------------------------------------------------------

/// A model file's text with every neuron group's method and `dt` replaced (and a seed if it has none).
pub fn rewrite_model_file(text: &str, method: &str, dt: f64, seed: u64) -> Result<String, String> {
    let mut doc: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| one_line(&e.to_string()))?;
    let dt_text = toml::Value::String(format!("{dt:e}*second"));
    let run = doc
        .entry("run")
        .or_insert_with(|| toml::Value::Table(toml::Table::new()));
    if let toml::Value::Table(run) = run {
        run.insert("dt".into(), dt_text.clone());
        run.entry("seed")
            .or_insert(toml::Value::Integer(seed as i64));
    }
    if let Some(toml::Value::Table(groups)) = doc.get_mut("groups") {
        for (_, g) in groups.iter_mut() {
            let toml::Value::Table(g) = g else { continue };
            let kind = g
                .get("kind")
                .and_then(toml::Value::as_str)
                .unwrap_or("neurons");
            if kind != "neurons" {
                continue;
            }
            g.insert("method".into(), toml::Value::String(method.to_string()));
            if g.contains_key("dt") {
                g.insert("dt".into(), dt_text.clone());
            }
        }
    }
    toml::to_string(&doc).map_err(|e| e.to_string())
}

/// A model file to compare methods on.
#[derive(Clone, Debug)]
pub struct FileModel {
    /// The name in reports (the file's stem).
    pub name: String,
    /// The file's text.
    pub text: String,
    /// The file's `[run] dt` (seconds), used when no `--dt` is given.
    pub dt: f64,
    /// Where it was read from.
    pub path: String,
}

impl FileModel {
    /// Reads a model file.
    pub fn load(path: &Path) -> Result<FileModel, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
        let name = path
            .file_stem()
            .map_or("model".into(), |s| s.to_string_lossy().into_owned());
        // Check it once as written, so that problems are reported as they would be by `ganglion check`.
        let dir = path.parent().map(|d| d.to_path_buf());
        let file = ganglion_modelfile::ModelFile::parse_in(&path.display().to_string(), &text, dir)
            .map_err(|e| match e {
                ganglion_modelfile::LoadError::Io(e) => e.to_string(),
                ganglion_modelfile::LoadError::Invalid {
                    sources,
                    diagnostics,
                } => sources.render(&diagnostics, false),
            })?;
        let net = Network::from_model_file(file, BackendChoice::Interpreter)
            .map_err(|e| e.to_string())?
            .0;
        Ok(FileModel {
            name,
            text,
            dt: net.dt(),
            path: path.display().to_string(),
        })
    }
}

/// Builds a model file with `method` at `dt`: records the compared variable of every group at up to ten
/// neurons, and the spikes of every group with a threshold. Errors say why in one line.
fn build_file(
    model: &FileModel,
    method: &str,
    dt: f64,
    config: &Config,
) -> Result<(Trial, bool, String), String> {
    let text = rewrite_model_file(&model.text, method, dt, config.seed)?;
    let file = ganglion_modelfile::ModelFile::parse(&model.name, &text).map_err(|e| match e {
        ganglion_modelfile::LoadError::Io(e) => e.to_string(),
        ganglion_modelfile::LoadError::Invalid {
            sources,
            diagnostics,
        } => sources.render(&diagnostics, false),
    })?;
    build_network(file, config).map_err(|e| one_line(&refusal(&e)))
}

/// [`build_file`] once the file is read.
fn build_network(
    file: ganglion_modelfile::ModelFile,
    config: &Config,
) -> Result<(Trial, bool, String), Error> {
    let started = Instant::now();
    let (mut net, mut plan) = Network::from_model_file(file, config.backend)?;
    let mut traces = Vec::new();
    let mut spikes = Vec::new();
    let mut neurons = 0;
    let mut stochastic = false;
    let mut units: Vec<String> = Vec::new();
    for g in net.groups() {
        let n = net.group_size(g);
        neurons += n;
        let model = net.model(g);
        stochastic |= model.stochastic != StochasticType::Deterministic;
        let var = match &config.variable {
            Some(v) if model.variable(v).is_some() => Some(v.clone()),
            Some(_) => None,
            None => model.diff_eqs.first().map(|d| d.var.clone()),
        };
        let has_spikes = model.event("spike").is_some();
        let name = net.group_name(g).to_string();
        if let Some(var) = var {
            if let Some(u) = model.variable(&var).map(|v| v.dim.to_string())
                && !units.contains(&u)
            {
                units.push(u);
            }
            let k = n.min(10);
            let record: Vec<usize> = if k <= 1 {
                vec![0]
            } else {
                (0..k).map(|j| j * (n - 1) / (k - 1)).collect()
            };
            let m = net.add_state_monitor(
                StateMonitor::new(g, [var.as_str()])
                    .record(Record::Indices(record))
                    .name(format!("bench_trace_{name}")),
            )?;
            traces.push((m, var));
        }
        if has_spikes {
            let m =
                net.add_spike_monitor(SpikeMonitor::new(g).name(format!("bench_spikes_{name}")))?;
            spikes.push((m, n));
        }
    }
    net.run(0.0)?;
    let compile_s = started.elapsed().as_secs_f64();
    if let Some(d) = config.duration {
        // (A file of several segments keeps its durations: one duration would be ambiguous.)
        if let [s] = &mut plan.segments[..] {
            s.duration = d;
        }
    }
    let segments = plan
        .segments
        .into_iter()
        .map(|s| (s.duration, s.set))
        .collect();
    Ok((
        Trial {
            net,
            traces,
            spikes,
            compile_s,
            neurons,
            segments,
        },
        stochastic,
        units.join(", "),
    ))
}

/// Runs a model file over every method and dt: the error against rk4 at dt/100 (deterministic models),
/// the cost and the compile time.
pub fn run_file(model: &FileModel, config: &Config) -> ModelReport {
    let dts = dts_for(vec![model.dt], config);
    let finest = dts.iter().copied().fold(f64::INFINITY, f64::min);
    let mut refs = References::default();
    let build_ref = |dt: f64| -> Result<Outcome, String> {
        let (trial, _, _) = build_file(model, "rk4", dt, config)?;
        run_trial(trial, 0.0)
    };
    let variable = config
        .variable
        .clone()
        .unwrap_or_else(|| "each group's first differential variable".into());
    let mut rows = Vec::new();
    let mut any_stochastic = false;
    for method in &config.methods {
        for &dt in &dts {
            let mut row = Row::new(&model.name, &method.name, dt, "rk4 at dt/100", "SI");
            let (trial, stochastic) = match build_file(model, &method.text, dt, config) {
                Ok((t, stochastic, unit)) => {
                    if !unit.is_empty() {
                        row.unit = unit;
                    }
                    (t, stochastic)
                }
                Err(e) => {
                    row.status = format!("not applicable: {e}");
                    rows.push(row);
                    continue;
                }
            };
            any_stochastic |= stochastic;
            let o = match run_trial(trial, config.min_work) {
                Ok(o) => o,
                Err(e) => {
                    row.status = format!("failed: {e}");
                    rows.push(row);
                    continue;
                }
            };
            fill_cost(&mut row, &o.cost);
            if stochastic {
                row.reference = "none (stochastic: the noise differs between time steps)".into();
            } else {
                match refs.get(dt, finest, &build_ref) {
                    Ok((r, stride)) => compare_with_reference(&mut row, &o, r, stride),
                    Err(e) => row.status = format!("failed: the reference: {e}"),
                }
            }
            rows.push(row);
        }
    }
    let compared = if any_stochastic {
        "stochastic model: cost and compile time only (no reference: a finer dt draws different noise)"
            .to_string()
    } else {
        format!(
            "{variable} at up to 10 neurons per group at every step against rk4 at dt/100 (or finer), SI units; spike times matched in order"
        )
    };
    let mut report = ModelReport {
        name: model.name.clone(),
        description: format!("model file `{}`", model.path),
        compared,
        rows,
    };
    fill_orders(&mut report.rows);
    report
}

// ---------------------------------------------------------------------------------------------------
// Reports
// ---------------------------------------------------------------------------------------------------

/// Fills each row's observed order from the row of the same model and method at the next larger dt.
pub fn fill_orders(rows: &mut [Row]) {
    for k in 0..rows.len() {
        let prev = (0..rows.len())
            .filter(|&j| {
                rows[j].model == rows[k].model
                    && rows[j].method == rows[k].method
                    && rows[j].dt > rows[k].dt
            })
            .min_by(|&a, &b| rows[a].dt.total_cmp(&rows[b].dt));
        rows[k].observed_order = prev.and_then(|j| {
            if rows[j].at_rounding_level() || rows[k].at_rounding_level() {
                return None;
            }
            let (e0, e1) = (rows[j].error()?, rows[k].error()?);
            let o = (e0 / e1).ln() / (rows[j].dt / rows[k].dt).ln();
            (e0 > 0.0 && e1 > 0.0 && o.is_finite()).then_some(o)
        });
    }
}

fn sci(x: Option<f64>) -> String {
    x.map_or("-".into(), |v| format!("{v:.2e}"))
}

fn fixed(x: Option<f64>, digits: usize) -> String {
    x.map_or("-".into(), |v| format!("{v:.digits$}"))
}

/// The terminal table of one model: a header saying what is compared, one line per (method, dt), and
/// one line per method that does not apply.
pub fn table(report: &ModelReport) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "== {}: {}", report.name, report.description);
    let _ = writeln!(s, "   compared: {}", report.compared);
    let unit = report.rows.first().map_or("", |r| r.unit.as_str());
    let _ = writeln!(
        s,
        "{:<18} {:>9} {:>10} {:>10} {:>6} {:>11} {:>11} {:>11} {:>11}",
        "method",
        "dt (ms)",
        "max |err|",
        "RMS err",
        "order",
        "spike err",
        "spikes",
        "ns/n-step",
        "compile us"
    );
    let mut refused: Vec<(String, String)> = Vec::new();
    for r in &report.rows {
        if r.status.starts_with("failed") {
            let _ = writeln!(s, "{:<18} {:>9} {}", r.method, r.dt * 1e3, r.status);
            continue;
        }
        if !r.ok() {
            let why = r.status.clone();
            if !refused.iter().any(|(m, w)| *m == r.method && *w == why) {
                refused.push((r.method.clone(), why));
            }
            continue;
        }
        let spikes = match (r.spikes, r.spikes_ref) {
            (Some(a), Some(b)) => format!("{a}/{b}"),
            _ => "-".into(),
        };
        let _ = writeln!(
            s,
            "{:<18} {:>9} {:>10} {:>10} {:>6} {:>11} {:>11} {:>11} {:>11}",
            r.method,
            format!("{}", r.dt * 1e3),
            sci(r.max_abs_error),
            sci(r.rms_error),
            if r.at_rounding_level() {
                "round".to_string()
            } else {
                fixed(r.observed_order, 2)
            },
            r.spike_time_error
                .map_or("-".into(), |v| format!("{:.4} ms", v * 1e3)),
            spikes,
            fixed(r.ns_per_neuron_step, 2),
            fixed(r.compile_us, 0),
        );
    }
    for (m, why) in refused {
        let _ = writeln!(s, "{m:<18} {why}");
    }
    let _ = writeln!(
        s,
        "   errors in {unit}; order = log(err(dt_prev)/err(dt)) / log(dt_prev/dt) on the {} error (round: at rounding level)",
        if report.rows.first().is_some_and(|r| r.headline_rms) {
            "RMS"
        } else {
            "max"
        }
    );
    s
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn num(x: Option<f64>) -> String {
    x.map_or(String::new(), |v| format!("{v:e}"))
}

/// The columns of the CSV file.
pub const CSV_COLUMNS: [&str; 19] = [
    "model",
    "method",
    "dt_s",
    "status",
    "max_abs_error",
    "rms_error",
    "observed_order",
    "spike_time_error_s",
    "spikes",
    "spikes_ref",
    "ns_per_neuron_step",
    "us_per_neuron_second",
    "compile_us",
    "neurons",
    "steps",
    "reference",
    "unit",
    "headline_error",
    "rounding_level",
];

/// Every row as CSV, with a header line.
pub fn to_csv(reports: &[ModelReport]) -> String {
    let mut s = CSV_COLUMNS.join(",");
    s.push('\n');
    for r in reports.iter().flat_map(|m| &m.rows) {
        let fields = [
            csv_field(&r.model),
            csv_field(&r.method),
            format!("{:e}", r.dt),
            csv_field(&r.status),
            num(r.max_abs_error),
            num(r.rms_error),
            num(r.observed_order),
            num(r.spike_time_error),
            r.spikes.map_or(String::new(), |v| v.to_string()),
            r.spikes_ref.map_or(String::new(), |v| v.to_string()),
            num(r.ns_per_neuron_step),
            num(r.cost_per_simulated_second()),
            num(r.compile_us),
            r.neurons.to_string(),
            r.steps.to_string(),
            csv_field(&r.reference),
            csv_field(&r.unit),
            if r.headline_rms { "rms" } else { "max" }.to_string(),
            r.at_rounding_level().to_string(),
        ];
        s.push_str(&fields.join(","));
        s.push('\n');
    }
    s
}

fn jnum(x: Option<f64>) -> Value {
    match x {
        Some(v) if v.is_finite() => json!(v),
        _ => Value::Null,
    }
}

/// The machine the figures come from, in one line.
pub fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!(
        "{cpu}, {cores} cores available, {} {}",
        std::env::consts::OS,
        std::env::consts::ARCH
    )
}

/// Every row as JSON, with the models' descriptions and the machine.
pub fn to_json(reports: &[ModelReport], config: &Config) -> Value {
    let rows: Vec<Value> = reports
        .iter()
        .flat_map(|m| &m.rows)
        .map(|r| {
            let mut o = json!({
                "model": r.model,
                "method": r.method,
                "dt_s": r.dt,
                "status": r.status,
                "max_abs_error": jnum(r.max_abs_error),
                "rms_error": jnum(r.rms_error),
                "observed_order": jnum(r.observed_order),
                "spike_time_error_s": jnum(r.spike_time_error),
                "spikes": r.spikes,
                "spikes_ref": r.spikes_ref,
                "ns_per_neuron_step": jnum(r.ns_per_neuron_step),
                "us_per_neuron_second": jnum(r.cost_per_simulated_second()),
                "compile_us": jnum(r.compile_us),
                "neurons": r.neurons,
                "steps": r.steps,
                "reference": r.reference,
                "unit": r.unit,
                "headline_error": if r.headline_rms { "rms" } else { "max" },
                "rounding_level": r.at_rounding_level(),
                "reference_scale": jnum(r.reference_scale),
            });
            if !r.extra.is_empty()
                && let Value::Object(map) = &mut o
            {
                let extra: serde_json::Map<String, Value> = r
                    .extra
                    .iter()
                    .map(|(k, v)| (k.clone(), jnum(Some(*v))))
                    .collect();
                map.insert("extra".into(), Value::Object(extra));
            }
            o
        })
        .collect();
    let models: Vec<Value> = reports
        .iter()
        .map(|m| json!({"name": m.name, "description": m.description, "compared": m.compared}))
        .collect();
    let methods: Vec<Value> = config
        .methods
        .iter()
        .map(|m| json!({"name": m.name, "method": m.text}))
        .collect();
    json!({
        "harness": "ganglion bench methods",
        "ganglion_version": env!("CARGO_PKG_VERSION"),
        "machine": machine(),
        "backend": match config.backend { BackendChoice::Jit => "jit", BackendChoice::Interpreter => "interpreter" },
        "neurons": config.neurons,
        "seed": config.seed,
        "methods": methods,
        "models": models,
        "rows": rows,
    })
}

/// Writes `methods.csv`, `methods.json` and every chart as PNG and SVG into `dir`; returns the paths.
pub fn write_outputs(
    reports: &[ModelReport],
    config: &Config,
    dir: &Path,
) -> Result<Vec<PathBuf>, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create `{}`: {e}", dir.display()))?;
    let mut written = Vec::new();
    let write = |name: &str, text: &str, written: &mut Vec<PathBuf>| -> Result<(), String> {
        let p = dir.join(name);
        std::fs::write(&p, text).map_err(|e| format!("cannot write `{}`: {e}", p.display()))?;
        written.push(p);
        Ok(())
    };
    write("methods.csv", &to_csv(reports), &mut written)?;
    let json =
        serde_json::to_string_pretty(&to_json(reports, config)).map_err(|e| e.to_string())?;
    write("methods.json", &json, &mut written)?;
    written.extend(write_charts(reports, dir)?);
    Ok(written)
}

/// Writes every chart of `reports` as PNG and SVG into `dir`; returns the paths.
pub fn write_charts(reports: &[ModelReport], dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut written = Vec::new();
    for report in reports {
        for (stem, chart) in charts(report) {
            for ext in ["png", "svg"] {
                let p = dir.join(format!("{stem}.{ext}"));
                chart.save(&p).map_err(|e| e.to_string())?;
                written.push(p);
            }
        }
    }
    Ok(written)
}

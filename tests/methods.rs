//! Integration methods, through the Rust API and the interpreter:
//!
//! * convergence orders against analytic solutions (euler 1, rk2 2, rk4 4; heun and milstein on
//!   deterministic equations are euler; a user's trapezoidal description is order 2);
//! * `exact` against analytic solutions of linear systems to 1e-12 (1-D, driven, a coupled 3-variable
//!   chain, an oscillator with complex eigenvalues, singular systems such as `dv/dt = 10*Hz`, per-neuron
//!   coefficients, constants re-read at each run), and `exponential_euler` exact for linear equations;
//! * Brian2's test_stateupdaters.py behaviours: the integrator code (`test_integrator_code`,
//!   `test_integrator_code2`), description parsing and errors, temporaries that do not clash with user
//!   names, the automatic choice (`test_determination`), the capability matrix (`test_priority`),
//!   milstein's diagonal-noise check, and refractoriness with every method.

use ganglion::{
    BackendChoice, GroupHandle, Network, NeuronGroup, Record, SpikeMonitor, StateMonitor,
};
use ganglion_lower::methods::{
    self, Integrates, METHODS, Method, MethodInfo, NoiseSupport, Plan, Routine, System,
};
use ganglion_tests::quantity as q;
use ganglion_units::Quantity;

/// The names of the methods of the table that `keep` selects, in table order.
fn method_names(keep: impl Fn(&MethodInfo) -> bool) -> Vec<&'static str> {
    METHODS.iter().filter(|m| keep(m)).map(|m| m.name).collect()
}

/// Every method of the table.
fn all_methods() -> Vec<&'static str> {
    method_names(|_| true)
}

/// The methods that accept additive noise.
fn additive_noise_methods() -> Vec<&'static str> {
    method_names(|m| m.noise != NoiseSupport::None)
}

/// The methods that accept multiplicative noise.
fn multiplicative_noise_methods() -> Vec<&'static str> {
    method_names(|m| m.noise == NoiseSupport::Multiplicative)
}

/// A model with its external constants and initial values (expressions), for `n` neurons.
#[derive(Clone, Copy)]
struct Model<'a> {
    eqs: &'a str,
    consts: &'a [(&'a str, &'a str)],
    init: &'a [(&'a str, &'a str)],
    n: usize,
}

impl<'a> Model<'a> {
    const fn new(eqs: &'a str) -> Model<'a> {
        Model {
            eqs,
            consts: &[],
            init: &[],
            n: 1,
        }
    }
}

fn network(m: &Model<'_>, dt: f64) -> Network {
    let mut net = Network::new(BackendChoice::Interpreter);
    net.set_dt(dt).unwrap();
    for (k, v) in m.consts {
        net.set_constant(k, q(v));
    }
    net
}

/// Builds the model with `method`, or returns the error's text.
fn try_build(m: &Model<'_>, method: &str, dt: f64) -> Result<(Network, GroupHandle), String> {
    let mut net = network(m, dt);
    let g = net
        .add_group(NeuronGroup::new(m.n, m.eqs).method(method))
        .map_err(|e| e.to_string())?;
    for (var, value) in m.init {
        net.set(g, var, *value).unwrap();
    }
    Ok((net, g))
}

fn build(m: &Model<'_>, method: &str, dt: f64) -> (Network, GroupHandle) {
    try_build(m, method, dt).unwrap_or_else(|e| panic!("`{method}` on {:?}: {e}", m.eqs))
}

/// The values of `vars` (one vector per variable, one entry per neuron) after running for `duration`.
fn final_state(
    m: &Model<'_>,
    method: &str,
    dt: f64,
    duration: f64,
    vars: &[&str],
) -> Vec<Vec<f64>> {
    let (mut net, g) = build(m, method, dt);
    net.run(duration).unwrap();
    vars.iter().map(|v| net.state(g, v).unwrap()).collect()
}

/// The largest error over variables and neurons, relative to the largest analytic value.
fn relative_error(got: &[Vec<f64>], want: &[Vec<f64>]) -> f64 {
    let scale = want
        .iter()
        .flatten()
        .fold(0.0f64, |m, x| m.max(x.abs()))
        .max(f64::MIN_POSITIVE);
    got.iter()
        .flatten()
        .zip(want.iter().flatten())
        .map(|(g, w)| (g - w).abs() / scale)
        .fold(0.0, f64::max)
}

// ---------------------------------------------------------------------------------------------------
// Models with analytic solutions (dimensionless time in the formulas is seconds unless noted).

const DECAY: Model<'static> = Model {
    eqs: "dv/dt = -v/tau : 1",
    consts: &[("tau", "10*ms")],
    init: &[("v", "1")],
    n: 1,
};

fn decay_at(t: f64) -> Vec<Vec<f64>> {
    vec![vec![(-t / 0.01).exp()]]
}

const DRIVEN: Model<'static> = Model {
    eqs: "dv/dt = (I - v)/tau : volt",
    consts: &[("tau", "10*ms"), ("I", "15*mV")],
    init: &[("v", "-5*mV")],
    n: 1,
};

fn driven_at(t: f64) -> Vec<Vec<f64>> {
    let (i, v0, tau) = (15e-3, -5e-3, 0.01);
    vec![vec![i + (v0 - i) * (-t / tau).exp()]]
}

const OSCILLATOR: Model<'static> = Model {
    eqs: "dx/dt = y/ms : 1\ndy/dt = (-x - 0.2*y)/ms : 1",
    consts: &[],
    init: &[("x", "1"), ("y", "0")],
    n: 1,
};

fn oscillator_at(t: f64) -> Vec<Vec<f64>> {
    // x'' + 0.2 x' + x = 0 (time in ms), x(0) = 1, x'(0) = 0.
    let t = t * 1e3;
    let g = 0.1f64;
    let w = (1.0 - g * g).sqrt();
    let d = (-g * t).exp();
    vec![
        vec![d * ((w * t).cos() + g / w * (w * t).sin())],
        vec![-d / w * (w * t).sin()],
    ]
}

const SINE_DRIVEN: Model<'static> = Model {
    eqs: "dv/dt = (sin(2*pi*freq*t) - v)/tau : 1",
    consts: &[("freq", "50*Hz"), ("tau", "10*ms")],
    init: &[("v", "0")],
    n: 1,
};

fn sine_driven_at(t: f64) -> Vec<Vec<f64>> {
    let (w, tau) = (2.0 * std::f64::consts::PI * 50.0, 0.01);
    let wt = w * tau;
    let norm = 1.0 + wt * wt;
    vec![vec![
        ((w * t).sin() - wt * (w * t).cos() + wt * (-t / tau).exp()) / norm,
    ]]
}

/// Errors in scientific notation.
fn sci(errors: &[f64]) -> String {
    errors
        .iter()
        .map(|e| format!("{e:.3e}"))
        .collect::<Vec<_>>()
        .join(", ")
}

type Analytic = fn(f64) -> Vec<Vec<f64>>;

/// (name, model, its variables, analytic solution, duration)
fn analytic_models() -> Vec<(
    &'static str,
    Model<'static>,
    Vec<&'static str>,
    Analytic,
    f64,
)> {
    vec![
        ("decay", DECAY, vec!["v"], decay_at as Analytic, 20e-3),
        ("driven", DRIVEN, vec!["v"], driven_at, 20e-3),
        (
            "oscillator",
            OSCILLATOR,
            vec!["x", "y"],
            oscillator_at,
            10e-3,
        ),
        ("sine-driven", SINE_DRIVEN, vec!["v"], sine_driven_at, 40e-3),
    ]
}

/// The observed orders log2(e(dt)/e(dt/2)) and log2(e(dt/2)/e(dt/4)), and the three errors.
fn observed_orders(
    m: &Model<'_>,
    method: &str,
    vars: &[&str],
    analytic: Analytic,
    duration: f64,
    dt: f64,
) -> ([f64; 2], [f64; 3]) {
    let errors: Vec<f64> = [dt, dt / 2.0, dt / 4.0]
        .iter()
        .map(|&h| {
            let got = final_state(m, method, h, duration, vars);
            let steps = (duration / h).round();
            relative_error(&got, &analytic(steps * h))
        })
        .collect();
    (
        [
            (errors[0] / errors[1]).log2(),
            (errors[1] / errors[2]).log2(),
        ],
        [errors[0], errors[1], errors[2]],
    )
}

#[test]
fn euler_rk2_rk4_converge_with_orders_1_2_4() {
    // Base steps per method (time steps at which truncation error dominates rounding by far).
    let cases: [(&str, f64, [f64; 4]); 3] = [
        ("euler", 1.0, [0.5e-3, 0.5e-3, 0.05e-3, 0.5e-3]),
        ("rk2", 2.0, [1e-3, 1e-3, 0.1e-3, 0.25e-3]),
        ("rk4", 4.0, [2e-3, 2e-3, 0.2e-3, 1e-3]),
    ];
    for (method, order, dts) in cases {
        let listed = methods::method_info(method).and_then(|m| m.order);
        assert_eq!(
            listed.map(f64::from),
            Some(order),
            "the table's order of {method}"
        );
        for ((name, m, vars, analytic, duration), dt) in analytic_models().into_iter().zip(dts) {
            let (orders, errors) = observed_orders(&m, method, &vars, analytic, duration, dt);
            println!(
                "{method:>6} {name:<12} dt = {dt:e}: errors {}, orders {orders:.3?}",
                sci(&errors)
            );
            for o in orders {
                assert!(
                    (o - order).abs() <= 0.3,
                    "{method} on {name}: observed order {o:.3} (errors {}), expected {order}",
                    sci(&errors)
                );
            }
        }
    }
}

#[test]
fn heun_and_milstein_on_deterministic_equations_are_euler() {
    // Without noise, Heun's `x + dt*f + .5*dW*(g + g_support)` and Milstein's `x + dt*f + g*dW + k` are
    // `x + dt*f`: the same numbers as euler.
    for (name, m, vars, _, duration) in analytic_models() {
        let dt = 0.5e-3;
        let euler = final_state(&m, "euler", dt, duration, &vars);
        for method in ["heun", "milstein"] {
            let got = final_state(&m, method, dt, duration, &vars);
            assert_eq!(got, euler, "{method} vs euler on {name}");
        }
    }
}

#[test]
fn a_user_description_is_a_method() {
    // Euler written by hand is euler.
    for (name, m, vars, _, duration) in analytic_models() {
        let dt = 0.5e-3;
        let euler = final_state(&m, "euler", dt, duration, &vars);
        let mine = final_state(&m, "x_new = x + dt*f(x,t)", dt, duration, &vars);
        assert_eq!(mine, euler, "hand-written euler on {name}");
    }
    // The trapezoidal rule (Heun's deterministic method), a description Brian2 does not ship, is second order.
    let trapezoid = "x_tilde = x + dt*f(x,t)\nx_new = x + dt/2*(f(x,t) + f(x_tilde,t+dt))";
    for ((name, m, vars, analytic, duration), dt) in analytic_models()
        .into_iter()
        .zip([1e-3, 1e-3, 0.1e-3, 0.25e-3])
    {
        let (orders, errors) = observed_orders(&m, trapezoid, &vars, analytic, duration, dt);
        println!(
            "trapezoid {name:<12}: errors {}, orders {orders:.3?}",
            sci(&errors)
        );
        for o in orders {
            assert!((o - 2.0).abs() <= 0.3, "trapezoid on {name}: order {o}");
        }
    }
    // The midpoint rule written with another temporary name is rk2 up to rounding.
    let midpoint = "half = x + dt/2*f(x,t)\nx_new = x + dt*f(half, t + dt/2)";
    for (name, m, vars, _, duration) in analytic_models() {
        let rk2 = final_state(&m, "rk2", 1e-3, duration, &vars);
        let mine = final_state(&m, midpoint, 1e-3, duration, &vars);
        assert!(
            relative_error(&mine, &rk2) < 1e-13,
            "midpoint vs rk2 on {name}"
        );
    }
}

#[test]
fn invalid_descriptions_are_errors() {
    let bad = [
        // no `x_new = ...` line: not a description, and not a method name either
        "x = x + dt * f(x, t)",
        // not an assignment
        "2 * x\nx_new = x + dt * f(x, t)",
        // `f` and `g` multiplied: the line cannot be split into a deterministic and a stochastic part
        "x_new = x + dt * f(x, t) * g(x, t) * dW",
        // augmented assignment
        "k = dt*f(x,t)\nx_new += k",
        // unknown names and functions
        "x_new = x + dt*f(x,t) + z",
        "k = foo(x)\nx_new = x + dt*k",
        // `f` needs (x, t)
        "x_new = x + dt*f(x)",
        // a description cannot redefine its own symbols
        "t = 1\nx_new = x + dt*f(x,t)",
        "x_new = x +",
    ];
    for description in bad {
        let r = try_build(&DECAY, description, 1e-4);
        assert!(r.is_err(), "{description:?} is accepted");
    }
    // Descriptions Brian2 parses are accepted (test_explicit_stateupdater_parsing).
    for description in [
        "x_new = x + dt * f(x, t)",
        "x2 = x + dt * f(x, t)\nx_new = x2",
    ] {
        assert!(
            try_build(&DECAY, description, 1e-4).is_ok(),
            "{description:?}"
        );
    }
    let noisy = Model {
        eqs: "dv/dt = -v / tau + v * xi * tau**-.5: 1",
        consts: &[("tau", "10*ms")],
        init: &[("v", "1")],
        n: 1,
    };
    let Some(MethodInfo {
        routine: Routine::Description(milstein),
        ..
    }) = methods::method_info("milstein")
    else {
        panic!("milstein is a description")
    };
    for description in [
        "x1 = g(x, t) * dW\nx2 = x + dt * f(x, t)\nx_new = x1 + x2",
        milstein,
    ] {
        let r = try_build(&noisy, description, 1e-4);
        assert!(r.is_ok(), "{description:?}: {:?}", r.err());
    }
    // Unknown names are errors with a suggestion; GSL and `independent` are refused with a reason.
    let e = try_build(&DECAY, "rk5", 1e-4).err().unwrap();
    assert!(e.contains("rk5"), "{e}");
    assert!(try_build(&DECAY, "does_not_exist", 1e-4).is_err());
    assert!(try_build(&DECAY, "gsl_rk2", 1e-4).is_err());
    assert!(try_build(&DECAY, "independent", 1e-4).is_err());
    // `linear` is `exact`.
    let (net, g) = build(&DECAY, "linear", 1e-4);
    assert_eq!(net.method_chosen(g).unwrap().chosen, "exact");
}

#[test]
fn non_autonomous_equations_see_the_time_of_each_stage() {
    // test_non_autonomous_equations: `x_new = x + dt*f(x, t + 0.5*dt)` on `dv/dt = t/second**2 : 1`
    // gives v = dt*(dt/2) after one step from t = 0.
    let m = Model {
        eqs: "dv/dt = t/second**2 : 1",
        ..Model::new("")
    };
    let dt = 0.25e-3;
    let got = final_state(&m, "x_new = x + dt*f(x, t + 0.5*dt)", dt, dt, &["v"]);
    assert_eq!(got[0][0], dt * (0.0 + 0.5 * dt));
    // And rk4 integrates dv/dt = t exactly (a quadrature of a linear function).
    let got = final_state(&m, "rk4", dt, 100.0 * dt, &["v"]);
    let t = 100.0 * dt;
    assert!((got[0][0] - t * t / 2.0).abs() < 1e-15, "{}", got[0][0]);
}

// ---------------------------------------------------------------------------------------------------
// Exact integration.

fn assert_exact(name: &str, got: &[Vec<f64>], want: &[Vec<f64>]) {
    let e = relative_error(got, want);
    println!("exact {name:<28}: relative error {e:.2e}");
    assert!(
        e <= 1e-12,
        "{name}: relative error {e:e}\n got {got:?}\nwant {want:?}"
    );
}

#[test]
fn exact_matches_analytic_solutions_of_linear_systems() {
    // 1-D decay over 1000 steps and over 100.
    for (dt, duration) in [(0.1e-3, 100e-3), (1e-3, 100e-3)] {
        let got = final_state(&DECAY, "exact", dt, duration, &["v"]);
        assert_exact("decay", &got, &decay_at(duration));
    }
    // Driven.
    let got = final_state(&DRIVEN, "exact", 0.1e-3, 50e-3, &["v"]);
    assert_exact("driven", &got, &driven_at(50e-3));
    // A damped oscillator (complex eigenvalues: Brian2's test_check_for_invalid_values_linear_integrator
    // gives NaN or refuses; we are exact): x' = y/ms, y' = (-0.5 x - 0.1 y)/ms.
    let m = Model {
        eqs: "dx/dt = y/ms : 1\ndy/dt = (-0.5*x - 0.1*y)/ms : 1",
        init: &[("x", "1")],
        ..Model::new("")
    };
    let t = 7.3e-3;
    let got = final_state(&m, "exact", 0.1e-3, t, &["x", "y"]);
    let (g, w0sq) = (0.05f64, 0.5f64);
    let w = (w0sq - g * g).sqrt();
    let tm = t * 1e3;
    let want = vec![
        vec![(-g * tm).exp() * ((w * tm).cos() + g / w * (w * tm).sin())],
        vec![-(-g * tm).exp() * w0sq / w * (w * tm).sin()],
    ];
    assert_exact("oscillator", &got, &want);
}

#[test]
fn exact_integrates_a_coupled_three_variable_system() {
    // v' = (w - v)/t1, w' = (u - w)/t2, u' = (U - u)/t3, distinct time constants.
    let m = Model {
        eqs: "dv/dt = (w - v)/tau1 : 1\ndw/dt = (u - w)/tau2 : 1\ndu/dt = (U - u)/tau3 : 1",
        consts: &[
            ("tau1", "5*ms"),
            ("tau2", "8*ms"),
            ("tau3", "13*ms"),
            ("U", "0.5"),
        ],
        init: &[("v", "0.2"), ("w", "-0.3"), ("u", "1")],
        n: 1,
    };
    let (t1, t2, t3, uinf) = (5e-3f64, 8e-3f64, 13e-3f64, 0.5f64);
    let (v0, w0, u0) = (0.2, -0.3, 1.0);
    let analytic = |t: f64| {
        let a = (u0 - uinf) * t3 / (t3 - t2);
        let bw = w0 - uinf - a;
        let c3 = a * t3 / (t3 - t1);
        let c2 = bw * t2 / (t2 - t1);
        let (e1, e2, e3) = ((-t / t1).exp(), (-t / t2).exp(), (-t / t3).exp());
        vec![
            vec![uinf + c3 * e3 + c2 * e2 + (v0 - uinf - c3 - c2) * e1],
            vec![uinf + a * e3 + bw * e2],
            vec![uinf + (u0 - uinf) * e3],
        ]
    };
    for (dt, duration) in [(0.1e-3, 30e-3), (1e-3, 60e-3)] {
        let got = final_state(&m, "exact", dt, duration, &["v", "w", "u"]);
        assert_exact("chain of three", &got, &analytic(duration));
    }
    // The default choice is exact for it.
    let (net, g) = build(&m, "exact", 1e-4);
    assert_eq!(net.method_chosen(g).unwrap().chosen, "exact");
}

#[test]
fn exact_integrates_singular_systems() {
    // Brian2 refuses `dv/dt = 10*Hz` (issue #1010) and falls back to euler; we integrate it exactly.
    let m = Model::new("dv/dt = 10*Hz : 1");
    let got = final_state(&m, "exact", 0.1e-3, 0.1, &["v"]);
    assert_exact("dv/dt = 10 Hz", &got, &[vec![1.0]]);
    // With a second variable reading it (test_priority's constant equation): w = -500 t².
    let m = Model::new("dv/dt = 10*Hz : 1\ndw/dt = -v/(10*ms) : 1");
    let got = final_state(&m, "exact", 0.1e-3, 0.1, &["v", "w"]);
    assert_exact(
        "constant and its integral",
        &got,
        &[vec![1.0], vec![-500.0 * 0.01]],
    );
    // A singular coupled matrix with a drive: s = v + w grows at 1 Hz, d = v - w relaxes to tau/2 Hz.
    let m = Model {
        eqs: "dv/dt = (w - v)/tau + 1*Hz : 1\ndw/dt = (v - w)/tau : 1",
        consts: &[("tau", "10*ms")],
        init: &[("v", "1"), ("w", "0")],
        n: 1,
    };
    let t = 25e-3;
    let got = final_state(&m, "exact", 0.1e-3, t, &["v", "w"]);
    let s = 1.0 + t;
    let d = 0.005 + (1.0 - 0.005) * (-2.0 * t / 0.01).exp();
    assert_exact(
        "singular coupled",
        &got,
        &[vec![(s + d) / 2.0], vec![(s - d) / 2.0]],
    );
}

#[test]
fn exact_with_per_neuron_coefficients() {
    // 1-D: tau a per-neuron parameter.
    let m = Model {
        eqs: "dv/dt = (I - v)/tau : 1\ntau : second (constant)\nI : 1",
        init: &[("tau", "(5 + 3*i)*ms"), ("I", "0.1*i"), ("v", "1")],
        n: 5,
        ..Model::new("")
    };
    let t = 40e-3;
    let got = final_state(&m, "exact", 0.1e-3, t, &["v"]);
    let want: Vec<f64> = (0..5)
        .map(|i| {
            let (tau, inp) = ((5.0 + 3.0 * i as f64) * 1e-3, 0.1 * i as f64);
            inp + (1.0 - inp) * (-t / tau).exp()
        })
        .collect();
    assert_exact("per-neuron tau", &got, &[want]);
    // 2-D: a per-neuron matrix (matrix exponential per neuron).
    let m = Model {
        eqs: "dv/dt = (w - v)/tau : 1\ndw/dt = -w/tau2 : 1\ntau : second (constant)",
        consts: &[("tau2", "20*ms")],
        init: &[("tau", "(4 + 2*i)*ms"), ("v", "0.5"), ("w", "1")],
        n: 4,
    };
    let got = final_state(&m, "exact", 0.1e-3, t, &["v", "w"]);
    let tau2 = 0.02;
    let (mut vs, mut ws) = (Vec::new(), Vec::new());
    for i in 0..4 {
        let tau = (4.0 + 2.0 * i as f64) * 1e-3;
        let c = tau2 / (tau2 - tau);
        vs.push(c * (-t / tau2).exp() + (0.5 - c) * (-t / tau).exp());
        ws.push((-t / tau2).exp());
    }
    assert_exact("per-neuron matrix", &got, &[vs, ws]);
}

#[test]
fn exact_rereads_external_constants_at_each_run() {
    let (mut net, g) = build(&DECAY, "exact", 0.1e-3);
    net.run(10e-3).unwrap();
    net.set_constant("tau", q("20*ms"));
    net.run(10e-3).unwrap();
    let got = net.state(g, "v").unwrap();
    let want = (-0.01f64 / 0.01).exp() * (-0.01f64 / 0.02).exp();
    assert_exact("tau changed between runs", &[got], &[vec![want]]);
}

#[test]
fn exact_agrees_with_rk4_where_sympy_once_gave_complex_solutions() {
    // test_priority's system "resulting in complex linear solution for older versions of sympy".
    let m = Model {
        eqs: "dv/dt = (ge+gi-(v+49*mV))/(20*ms) : volt\n\
              dge/dt = -ge/(5*ms) : volt\n\
              dgi/dt = Dgi/(5*ms) : volt\n\
              dDgi/dt = ((-2./5) * Dgi - (1./5**2)*gi)/(10*ms) : volt",
        init: &[
            ("v", "-60*mV"),
            ("ge", "3*mV"),
            ("gi", "-2*mV"),
            ("Dgi", "1*mV"),
        ],
        ..Model::new("")
    };
    let vars = ["v", "ge", "gi", "Dgi"];
    let exact = final_state(&m, "exact", 0.1e-3, 50e-3, &vars);
    let rk4 = final_state(&m, "rk4", 0.025e-3, 50e-3, &vars);
    let e = relative_error(&exact, &rk4);
    assert!(e < 1e-10, "exact vs fine rk4: {e:e}");
}

#[test]
fn exponential_euler_is_exact_for_linear_equations() {
    let got = final_state(&DRIVEN, "exponential_euler", 0.1e-3, 50e-3, &["v"]);
    assert_exact("exponential Euler, driven", &got, &driven_at(50e-3));
    let got = final_state(&DECAY, "exponential_euler", 1e-3, 100e-3, &["v"]);
    assert_exact("exponential Euler, decay", &got, &decay_at(100e-3));
    // Per-neuron drive and time constant.
    let m = Model {
        eqs: "dv/dt = (I - v)/tau : 1\ntau : second (constant)\nI : 1",
        init: &[("tau", "(5 + 3*i)*ms"), ("I", "0.1*i - 0.2"), ("v", "1")],
        n: 5,
        ..Model::new("")
    };
    let t = 40e-3;
    let got = final_state(&m, "exponential_euler", 0.1e-3, t, &["v"]);
    let want: Vec<f64> = (0..5)
        .map(|i| {
            let (tau, inp) = ((5.0 + 3.0 * i as f64) * 1e-3, 0.1 * i as f64 - 0.2);
            inp + (1.0 - inp) * (-t / tau).exp()
        })
        .collect();
    assert_exact("exponential Euler, per neuron", &got, &[want]);
}

#[test]
fn exponential_euler_on_a_conditionally_linear_system_is_first_order() {
    // v' = -(v + w²)/tau, w' = -w/tau: w is exact, v converges with order 1.
    let m = Model {
        eqs: "dv/dt = -(v + w**2)/tau : 1\ndw/dt = -w/tau : 1",
        consts: &[("tau", "10*ms")],
        init: &[("v", "1"), ("w", "0.8")],
        n: 1,
    };
    let analytic: Analytic = |t| {
        let (v0, w0, tau) = (1.0, 0.8f64, 0.01);
        let c = w0 * w0;
        vec![
            vec![c * (-2.0 * t / tau).exp() + (v0 - c) * (-t / tau).exp()],
            vec![w0 * (-t / tau).exp()],
        ]
    };
    let (orders, errors) = observed_orders(
        &m,
        "exponential_euler",
        &["v", "w"],
        analytic,
        20e-3,
        0.5e-3,
    );
    println!(
        "exponential_euler conditionally linear: errors {}, orders {orders:.3?}",
        sci(&errors)
    );
    for o in orders {
        assert!((o - 1.0).abs() <= 0.3, "order {o}");
    }
    let w = final_state(&m, "exponential_euler", 0.5e-3, 20e-3, &["w"]);
    assert_exact("exponential Euler, w", &w, &[analytic(20e-3)[1].clone()]);
}

#[test]
fn exponential_euler_accepts_hodgkin_huxley_gates_written_as_subexpressions() {
    // As Brian2 (sympy's `collect`), v inside functions and denominators belongs to the coefficients:
    // the Wang–Buzsáki model (m = m_inf(v)) and AdEx (exp(v)) are conditionally linear; a quadratic
    // term, or a dependence only through a function, is not.
    let accepted = [
        "dv/dt = -v*exp(v)/(10*ms) : 1",
        "dv/dt = -v/((10*ms)*(1 + v**2)) : 1",
        "dv/dt = ((1 - v) + exp(v))/(10*ms) : 1",
        "dv/dt = (-m**3*(v - 1) - v)/(10*ms) : 1\nm = 1/(1 + exp(-v)) : 1",
    ];
    for eqs in accepted {
        let r = try_build(&Model::new(eqs), "exponential_euler", 1e-4);
        assert!(r.is_ok(), "{eqs}: {:?}", r.err());
    }
    let refused = [
        "dv/dt = -v**2/(10*ms) : 1",
        "dv/dt = -(v + 1)**2/(10*ms) : 1",
        "dv/dt = -sqrt(v)/(10*ms) : 1",
        "dv/dt = -exp(v)/(10*ms) : 1",
    ];
    for eqs in refused {
        assert!(
            try_build(&Model::new(eqs), "exponential_euler", 1e-4).is_err(),
            "{eqs}"
        );
    }
    // A gate frozen at the start of the step: one step of `dv/dt = -v*exp(v)/tau` is
    // v*exp(-exp(v)*dt/tau) (B = 0, A = -exp(v)/tau).
    let m = Model {
        eqs: "dv/dt = -v*exp(v)/tau : 1",
        consts: &[("tau", "10*ms")],
        init: &[("v", "0.3")],
        n: 1,
    };
    let dt = 0.1e-3;
    let got = final_state(&m, "exponential_euler", dt, dt, &["v"]);
    let want = 0.3 * (-(0.3f64.exp()) / 0.01 * dt).exp();
    assert!((got[0][0] - want).abs() < 1e-15, "{} vs {want}", got[0][0]);
}

// ---------------------------------------------------------------------------------------------------
// The integrator code (Brian2's test_integrator_code, test_integrator_code2, docstring examples).

fn plan_of(eqs: &str, method: &str) -> Result<Plan, String> {
    let mut net = Network::new(BackendChoice::Interpreter);
    let g = net
        .add_group(NeuronGroup::new(1, eqs).method("euler"))
        .unwrap();
    let model = net.model(g);
    let vars = model.diff_eqs.iter().map(|d| d.var.clone()).collect();
    let rhs = model
        .diff_eqs
        .iter()
        .map(|d| ganglion_model::substituted(&d.rhs, &model.subexpressions))
        .collect();
    let system = System::new(vars, rhs);
    let method = methods::method_by_name(method).map_err(|e| e.to_string())?;
    methods::apply(&method, &system)
}

fn explicit(plan: Plan) -> (Vec<(String, String)>, Vec<String>) {
    match plan {
        Plan::Explicit { temps, finals } => (
            temps.into_iter().map(|(n, e)| (n, e.to_string())).collect(),
            finals.into_iter().map(|e| e.to_string()).collect(),
        ),
        Plan::Linear { .. } => panic!("a linear plan"),
    }
}

#[test]
fn brian2s_descriptions_verbatim() {
    // explicit.py, each line stripped of its indentation, and the number of intermediate lines of each.
    let brian2 = [
        ("euler", "x_new = x + dt * f(x,t) + g(x,t) * dW", 0),
        (
            "rk2",
            "k = dt * f(x,t)\nx_new = x + dt*f(x +  k/2, t + dt/2)",
            1,
        ),
        (
            "rk4",
            "k_1 = dt*f(x,t)\nk_2 = dt*f(x+k_1/2,t+dt/2)\nk_3 = dt*f(x+k_2/2,t+dt/2)\nk_4 = dt*f(x+k_3,t+dt)\nx_new = x+(k_1+2*k_2+2*k_3+k_4)/6",
            4,
        ),
        (
            "milstein",
            "x_support = x + dt*f(x, t) + dt**.5 * g(x, t)\ng_support = g(x_support, t)\nk = 1/(2*dt**.5)*(g_support - g(x, t))*(dW**2)\nx_new = x + dt*f(x,t) + g(x, t) * dW + k",
            3,
        ),
        (
            "heun",
            "x_support = x + g(x,t) * dW\ng_support = g(x_support,t+dt)\nx_new = x + dt*f(x,t) + .5*dW*(g(x,t)+g_support)",
            2,
        ),
    ];
    // Every description of the table is Brian2's, verbatim.
    for info in METHODS {
        let Routine::Description(ours) = info.routine else {
            continue;
        };
        let Some((_, theirs, _)) = brian2.iter().find(|(name, ..)| *name == info.name) else {
            panic!("`{}` is not one of Brian2's descriptions", info.name);
        };
        assert_eq!(ours, *theirs, "{}", info.name);
    }
    // The methods built from them accept the noise Brian2 declares.
    for (name, _, lines) in brian2 {
        match methods::method_by_name(name).unwrap() {
            Method::Explicit(d) => {
                assert_eq!(d.name, name);
                assert_eq!(d.lines.len(), lines, "{name}");
            }
            other => panic!("{name}: {other:?}"),
        }
    }
}

#[test]
fn the_table_gives_brian2s_names_and_default_choice() {
    assert_eq!(
        methods::METHOD_NAMES,
        [
            "exact",
            "linear",
            "exponential_euler",
            "euler",
            "rk2",
            "rk4",
            "milstein",
            "heun"
        ]
    );
    assert_eq!(methods::DEFAULT_METHODS, ["exact", "euler", "heun"]);
    // Every name and alias finds its entry, which builds the method of that name.
    for info in METHODS {
        for name in std::iter::once(info.name).chain(info.aliases.iter().copied()) {
            assert_eq!(methods::method_info(name), Some(info), "{name}");
            assert_eq!(
                methods::method_by_name(name).unwrap().name(),
                info.name,
                "{name}"
            );
        }
    }
}

#[test]
fn integrator_code_for_one_variable() {
    // test_integrator_code: 2, 2, 3, 6 abstract-code lines for linear, euler, rk2, rk4 — one output per
    // variable and 0, 1, 4 intermediates; intermediates are `__<temp>_<var>`.
    let eqs = "dv/dt = -v / (1 * second) : 1";
    assert!(matches!(
        plan_of(eqs, "exact").unwrap(),
        Plan::Linear { .. }
    ));
    let (temps, finals) = explicit(plan_of(eqs, "euler").unwrap());
    assert!(temps.is_empty());
    assert_eq!(finals.len(), 1);
    let (temps, _) = explicit(plan_of(eqs, "rk2").unwrap());
    assert_eq!(
        temps.iter().map(|t| t.0.as_str()).collect::<Vec<_>>(),
        ["__k_v"]
    );
    let (temps, _) = explicit(plan_of(eqs, "rk4").unwrap());
    assert_eq!(
        temps.iter().map(|t| t.0.as_str()).collect::<Vec<_>>(),
        ["__k_1_v", "__k_2_v", "__k_3_v", "__k_4_v"]
    );
    // The expressions (Brian2's docstring: `_v = -dt*v/tau + v`, `__k_2_v = -dt*(__k_1_v/2 + v)/tau`).
    let eqs = "dv/dt = -v / tau : 1\ntau : second (constant, shared)";
    let (_, finals) = explicit(plan_of(eqs, "euler").unwrap());
    assert_eq!(finals, ["v + dt * (-v / tau)"]);
    let (temps, finals) = explicit(plan_of(eqs, "rk4").unwrap());
    assert_eq!(temps[0].1, "dt * (-v / tau)");
    assert_eq!(temps[1].1, "dt * (-(v + __k_1_v / 2) / tau)");
    assert_eq!(temps[3].1, "dt * (-(v + __k_3_v) / tau)");
    assert_eq!(
        finals,
        ["v + (__k_1_v + 2 * __k_2_v + 2 * __k_3_v + __k_4_v) / 6"]
    );
}

#[test]
fn integrator_code_for_three_variables() {
    // test_integrator_code2: each new value uses the right variables.
    let eqs = "dv/dt=(ge+gi-v)/tau : volt\ndge/dt=-ge/taue : volt\ndgi/dt=-gi/taui : volt\n\
               tau : second (constant)\ntaue : second (constant)\ntaui : second (constant)";
    let Plan::Explicit { temps, finals } = plan_of(eqs, "euler").unwrap() else {
        panic!("euler is explicit")
    };
    assert!(temps.is_empty());
    let uses = |k: usize| {
        let mut v: Vec<&str> = finals[k].variables();
        v.sort();
        v.dedup();
        v
    };
    assert_eq!(uses(0), ["ge", "gi", "tau", "v"]);
    assert_eq!(uses(1), ["ge", "taue"]);
    assert_eq!(uses(2), ["gi", "taui"]);
    for f in &finals {
        assert!(f.to_string().contains("dt"), "{f}");
    }
}

#[test]
fn integrator_names_x_f_g_are_ordinary_variable_names() {
    // test_integrator_code: `x`, `f`, `g` as variable names give the same results as `x0`, `f0`, `g0`.
    for name in [
        "x",
        "f",
        "g",
        "k",
        "k_1",
        "x_support",
        "g_support",
        "dW",
        "x_new",
    ] {
        let mine = format!("d{name}/dt = -{name} / (10*ms) : 1");
        let other = "dz0/dt = -z0 / (10*ms) : 1";
        for method in all_methods() {
            let a = Model {
                eqs: &mine,
                ..Model::new("")
            };
            let b = Model::new(other);
            let (mut na, ga) = build(&a, method, 0.1e-3);
            let (mut nb, gb) = build(&b, method, 0.1e-3);
            na.set(ga, name, Quantity::dimensionless(0.7)).unwrap();
            nb.set(gb, "z0", Quantity::dimensionless(0.7)).unwrap();
            na.run(5e-3).unwrap();
            nb.run(5e-3).unwrap();
            assert_eq!(
                na.state(ga, name).unwrap(),
                nb.state(gb, "z0").unwrap(),
                "{name} under {method}"
            );
        }
    }
}

#[test]
fn user_names_do_not_clash_with_integrator_temporaries() {
    // test_temporary_variables(2): parameters named like a description's temporaries (`k_2` for rk4, `k`
    // for milstein and rk2, `x_support`, `g_support`) give the same numbers as harmless names.
    // Every explicit method on deterministic equations, and those accepting each kind of noise.
    let cases = [
        (
            "dv/dt = -(v + NAME)/(10*ms) : 1",
            method_names(|m| matches!(m.routine, Routine::Description(_))),
        ),
        (
            "dv/dt = -v/(10*ms) + NAME*xi*(10*ms)**-0.5 : 1",
            additive_noise_methods(),
        ),
        (
            "dv/dt = -v/(10*ms) + NAME*v*xi*(10*ms)**-0.5 : 1",
            multiplicative_noise_methods(),
        ),
    ];
    for (template, methods) in cases {
        for name in [
            "k",
            "k_1",
            "k_2",
            "k_v",
            "BA_v",
            "x_support",
            "g_support",
            "x",
            "f",
            "g",
        ] {
            for &method in &methods {
                let run = |param: &str| {
                    let eqs = format!(
                        "{}\n{param} : 1 (constant)",
                        template.replace("NAME", param)
                    );
                    let m = Model {
                        eqs: &eqs,
                        init: &[("v", "0.5")],
                        ..Model::new("")
                    };
                    let (mut net, g) = build(&m, method, 0.1e-3);
                    net.seed(3);
                    net.set(g, param, Quantity::dimensionless(0.25)).unwrap();
                    net.run(3e-3).unwrap();
                    net.state(g, "v").unwrap()
                };
                assert_eq!(
                    run(name),
                    run("harmless"),
                    "`{name}` under {method}: {template}"
                );
            }
        }
    }
    // The intermediates' own names (`__k_v`, `_BA_v`, `_v`) cannot be user names: names starting with an
    // underscore are reserved, as in Brian2.
    for name in ["__k_v", "_BA_v", "_v", "__x_support_v_xi"] {
        let eqs = format!("dv/dt = -(v + {name})/(10*ms) : 1\n{name} : 1");
        assert!(try_build(&Model::new(&eqs), "rk4", 1e-4).is_err(), "{name}");
    }
    // A state variable called `k` next to one read through it, under rk2 and rk4 (the intermediates of `k`
    // are `__k_k` and `__k_1_k`, ...).
    for method in ["rk2", "rk4", "milstein"] {
        let run = |a: &str, b: &str| {
            let eqs = format!("d{a}/dt = ({b} - {a})/(10*ms) : 1\nd{b}/dt = -{b}/(20*ms) : 1");
            let m = Model {
                eqs: &eqs,
                ..Model::new("")
            };
            let (mut net, g) = build(&m, method, 0.1e-3);
            net.set(g, a, Quantity::dimensionless(0.1)).unwrap();
            net.set(g, b, Quantity::dimensionless(1.0)).unwrap();
            net.run(5e-3).unwrap();
            (net.state(g, a).unwrap(), net.state(g, b).unwrap())
        };
        assert_eq!(run("k", "k_1"), run("p", "q"), "{method}");
        assert_eq!(run("x_support", "k"), run("p", "q"), "{method}");
    }
}

#[test]
fn subexpressions_give_the_same_results_for_every_method() {
    // test_subexpressions(_basic)
    let plain = Model {
        eqs: "dv/dt = (-v + sin(2*pi*100*Hz*t)) / (10*ms) : 1",
        init: &[("v", "1")],
        ..Model::new("")
    };
    let with_sub = Model {
        eqs: "dv/dt = I / (10*ms) : 1\nI = -v + sin(2*pi*100*Hz*t): 1",
        init: &[("v", "1")],
        ..Model::new("")
    };
    // Every method that integrates a time-dependent input (exact integration does not).
    for method in method_names(|m| m.integrates != Integrates::LinearSystems) {
        assert_eq!(
            final_state(&plain, method, 0.1e-3, 10e-3, &["v"]),
            final_state(&with_sub, method, 0.1e-3, 10e-3, &["v"]),
            "{method}"
        );
    }
}

// ---------------------------------------------------------------------------------------------------
// Which method is chosen, and which methods accept which equations.

fn chosen(eqs: &str, methods: &[&str]) -> Result<String, String> {
    let mut net = Network::new(BackendChoice::Interpreter);
    let g = net
        .add_group(NeuronGroup::new(1, eqs).methods(methods.iter().copied()))
        .map_err(|e| e.to_string())?;
    Ok(net.method_chosen(g).unwrap().chosen.clone())
}

const DEFAULT: [&str; 3] = ["exact", "euler", "heun"];
const ALL_METHODS: [&str; 6] = [
    "linear",
    "exact",
    "exponential_euler",
    "euler",
    "heun",
    "milstein",
];

#[test]
fn the_automatic_choice_is_brian2s() {
    // test_determination with Brian2's list of all methods.
    let cases = [
        ("dv/dt = -v / (10*ms) : 1", "exact"),
        (
            "dv/dt = -(v + w**2)/ (10*ms) : 1\ndw/dt = -w/ (10*ms) : 1",
            "exponential_euler",
        ),
        ("dv/dt = -sqrt(v) / (10*ms) : 1", "euler"),
        ("dv/dt = -v / (10*ms) + 0.1*second**-.5*xi: 1", "euler"),
        ("dv/dt = -v / (10*ms) + v*0.1*second**-.5*xi: 1", "heun"),
    ];
    for (eqs, want) in cases {
        assert_eq!(chosen(eqs, &ALL_METHODS).unwrap(), want, "{eqs}");
    }
    // The default (exact, euler, heun), as NeuronGroup tries it.
    let cases = [
        ("dv/dt = -v / (10*ms) : 1", "exact"),
        (
            "dv/dt = -(v + w**2)/ (10*ms) : 1\ndw/dt = -w/ (10*ms) : 1",
            "euler",
        ),
        ("dv/dt = -sqrt(v) / (10*ms) : 1", "euler"),
        ("dv/dt = -v / (10*ms) + 0.1*second**-.5*xi: 1", "euler"),
        ("dv/dt = -v / (10*ms) + v*0.1*second**-.5*xi: 1", "heun"),
        // Our documented choice: constant right-hand sides are integrated exactly (Brian2: euler).
        ("dv/dt = 10*Hz : 1", "exact"),
        // Time-dependent terms are not constant over a step (test_locally_constant_check).
        ("dv/dt = -v/(10*ms) + sin(2*pi*100*Hz*t)*Hz : 1", "euler"),
        ("dv/dt = -v/(10*ms) + t/second**2 : 1", "euler"),
        ("dv/dt = -v*t/(10*ms*second) : 1", "euler"),
        (
            "dv/dt = -v/(10*ms) + sin(2*pi*100*Hz*5*second)*Hz : 1",
            "exact",
        ),
    ];
    for (eqs, want) in cases {
        assert_eq!(chosen(eqs, &DEFAULT).unwrap(), want, "{eqs}");
    }
    // The choice is reported with the reasons of the refusals.
    let mut net = Network::new(BackendChoice::Interpreter);
    let g = net
        .add_group(NeuronGroup::new(1, "dv/dt = -sqrt(v) / (10*ms) : 1"))
        .unwrap();
    let choice = net.method_chosen(g).unwrap();
    assert_eq!(choice.requested, DEFAULT);
    assert_eq!(choice.refused.len(), 1);
    assert_eq!(choice.refused[0].0, "exact");
    assert!(choice.to_string().contains("method euler"), "{choice}");
    // An unknown name anywhere in the list is an error, as in Brian2.
    assert!(chosen("dv/dt = -v / (10*ms) : 1", &["exact", "does_not_exist"]).is_ok());
    assert!(chosen("dv/dt = -v / (10*ms) : 1", &["does_not_exist", "exact"]).is_err());
    // No method in the list applies.
    let e = chosen(
        "dv/dt = -v / (10*ms) + v*xi*second**-.5: 1",
        &["exact", "euler"],
    )
    .unwrap_err();
    assert!(e.contains("no integration method"), "{e}");
}

#[test]
fn the_capability_matrix_is_brian2s() {
    // test_priority: which methods integrate which equations. `None` in Brian2's matrix ("may refuse")
    // is our documented choice here: exact accepts constant right-hand sides and the four-variable system.
    let methods = [
        "exact",
        "euler",
        "exponential_euler",
        "rk2",
        "rk4",
        "heun",
        "milstein",
    ];
    let table: [(&str, [bool; 7]); 5] = [
        (
            "dv/dt = -param * v / (10*ms) : 1\nparam : 1 (constant, shared)",
            [true; 7],
        ),
        ("dv/dt = 10*Hz : 1\ndw/dt = -v/(10*ms) : 1", [true; 7]),
        (
            "dv/dt = (ge+gi-(v+49*mV))/(20*ms) : volt\ndge/dt = -ge/(5*ms) : volt\n\
             dgi/dt = Dgi/(5*ms) : volt\ndDgi/dt = ((-2./5) * Dgi - (1./5**2)*gi)/(10*ms) : volt",
            [true; 7],
        ),
        (
            "dv/dt = -v / (10*ms) + xi/(10*ms)**.5 : 1",
            [false, true, false, false, false, true, true],
        ),
        (
            "dv/dt = -v / (10*ms) + v*xi/(10*ms)**.5 : 1",
            [false, false, false, false, false, true, true],
        ),
    ];
    let mut listed = methods.to_vec();
    listed.sort_unstable();
    let mut known = all_methods();
    known.sort_unstable();
    assert_eq!(listed, known, "the matrix has a column for every method");
    for (eqs, able) in table {
        for (method, ok) in methods.iter().zip(able) {
            let got = chosen(eqs, &[method]);
            assert_eq!(got.is_ok(), ok, "{method} on {eqs}: {got:?}");
        }
    }
}

#[test]
fn multiplicative_noise_is_refused_by_additive_methods() {
    // test_multiplicative_noise: a noise factor that depends on a state variable or on t makes the
    // equations multiplicative, so euler refuses them; heun accepts.
    for eqs in [
        "dv/dt = v*xi*(5*ms)**-0.5 :1",
        "dv/dt = (t/ms)*xi*(5*ms)**-0.5 :1",
        "dv/dt = w*xi*(5*ms)**-0.5 :1\ndw/dt = -w/(10*ms) : 1",
        "dv/dt = xi_1*(5*ms)**-0.5 : 1\ndw/dt = (t/ms)*xi_2*(5*ms)**-0.5 :1",
        "dv/dt = xi_1*(5*ms)**-0.5 : 1\ndw/dt = v*xi_2*(5*ms)**-0.5 :1",
    ] {
        assert!(chosen(eqs, &["euler"]).is_err(), "euler on {eqs}");
        assert_eq!(chosen(eqs, &["heun"]).unwrap(), "heun", "{eqs}");
    }
    // A constant factor (a parameter) is additive.
    assert_eq!(
        chosen(
            "dv/dt = s*xi*(5*ms)**-0.5 : 1\ns : 1 (constant)",
            &["euler"]
        )
        .unwrap(),
        "euler"
    );
}

#[test]
fn milstein_needs_diagonal_noise() {
    let non_diagonal = [
        // two noise variables in one equation
        "dv/dt = -v/(10*ms) + v*xi_1*(5*ms)**-0.5 + xi_2*(5*ms)**-0.5 : 1",
        // one noise variable in two equations (Brian2 allows this for `xi_*` names, not for `xi`)
        "dv/dt = -v/(10*ms) + v*xi_1*(5*ms)**-0.5 : 1\ndw/dt = -w/(10*ms) + w*xi_1*(5*ms)**-0.5 : 1",
    ];
    for eqs in non_diagonal {
        let e = chosen(eqs, &["milstein"]).unwrap_err();
        assert!(e.contains("diagonal"), "{e}");
        assert_eq!(chosen(eqs, &["heun"]).unwrap(), "heun", "heun on {eqs}");
    }
    let diagonal = "dv/dt = -v/(10*ms) + v*xi_1*(5*ms)**-0.5 : 1\ndw/dt = -w/(10*ms) + w*xi_2*(5*ms)**-0.5 : 1";
    assert_eq!(chosen(diagonal, &["milstein"]).unwrap(), "milstein");
}

#[test]
fn noise_with_a_zero_factor_changes_nothing() {
    // test_multiple_noise_variables_extended: with the noise factor 0, euler and heun give the
    // deterministic solution (noise terms are not added twice, #330).
    let det = Model {
        eqs: "dx/dt = y : 1\ndy/dt = - 1*ms**-1*y - 40*ms**-2*x : Hz",
        init: &[("x", "0.5 + 0.5*i"), ("y", "0.5*i*Hz")],
        n: 2,
        ..Model::new("")
    };
    let reference = final_state(&det, "euler", 0.1e-3, 10e-3, &["x", "y"]);
    for eqs in [
        "dx/dt = y : 1\ndy/dt = noise_factor*ms**-1.5*xi_1 + noise_factor*ms**-1.5*xi_2 - 1*ms**-1*y - 40*ms**-2*x : Hz",
        "dx/dt = y + noise_factor*ms**-0.5*xi_1: 1\ndy/dt = noise_factor*ms**-1.5*xi_2 - 1*ms**-1*y - 40*ms**-2*x : Hz",
    ] {
        for method in ["euler", "heun"] {
            let m = Model {
                eqs,
                consts: &[("noise_factor", "0")],
                ..det
            };
            let got = final_state(&m, method, 0.1e-3, 10e-3, &["x", "y"]);
            assert!(
                relative_error(&got, &reference) < 1e-14,
                "{method} on {eqs}"
            );
        }
    }
}

#[test]
fn pure_additive_noise_has_the_right_variance_for_every_method() {
    // test_pure_noise_deterministic (Brian2 fakes randn; we check the statistics instead): x = sigma*W(t)
    // after 10 steps has variance sigma² t / ms, and all three methods draw the same numbers.
    let m = Model {
        eqs: "dx/dt = sigma*xi/sqrt(ms) : 1",
        consts: &[("sigma", "3")],
        n: 4000,
        ..Model::new("")
    };
    let dt = 0.1e-3;
    let mut results = Vec::new();
    let methods = additive_noise_methods();
    for &method in &methods {
        let (mut net, g) = build(&m, method, dt);
        net.seed(11);
        net.run(10.0 * dt).unwrap();
        results.push(net.state(g, "x").unwrap());
    }
    assert!(methods.len() >= 3, "{methods:?}");
    for (method, r) in methods.iter().zip(&results).skip(1) {
        assert_eq!(&results[0], r, "{method}");
    }
    let x = &results[0];
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let var = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    let want = 9.0 * 10.0 * dt / 1e-3;
    // The variance estimate over 4000 samples has a relative standard deviation of sqrt(2/4000) ≈ 2.2%.
    assert!(
        (var / want - 1.0).abs() < 0.1,
        "variance {var}, expected {want}"
    );
    assert!(mean.abs() < 4.0 * (want / n).sqrt(), "mean {mean}");
}

// ---------------------------------------------------------------------------------------------------
// Refractoriness with every method.

#[test]
fn refractoriness_changes_nothing_for_a_neuron_that_does_not_spike() {
    // test_refractory and test_refractory_stochastic: `(unless refractory)` with refractory = 1 ms on a
    // neuron that never spikes gives the same numbers as without.
    // Every method under every name, and those accepting additive noise.
    let cases = [
        ("dv/dt = -v/(10*ms) : 1", methods::METHOD_NAMES.to_vec()),
        (
            "dv/dt = -v/(10*ms) + second**-.5*xi : 1",
            additive_noise_methods(),
        ),
    ];
    for (eqs, methods) in cases {
        for &method in &methods {
            let run = |gated: bool| {
                let mut net = Network::new(BackendChoice::Interpreter);
                net.seed(5);
                let model = if gated {
                    format!("{eqs} (unless refractory)")
                } else {
                    eqs.to_string()
                };
                let mut group = NeuronGroup::new(10, model).method(method).name("G");
                if gated {
                    group = group.refractory_time(1e-3);
                }
                let g = net.add_group(group).unwrap();
                net.set(g, "v", "(i+1)/11.").unwrap();
                net.run(10e-3).unwrap();
                net.state(g, "v").unwrap()
            };
            assert_eq!(run(true), run(false), "{method} on {eqs}");
        }
    }
}

#[test]
fn unless_refractory_variables_stay_fixed_while_others_keep_integrating() {
    // v is gated; w is not and does not read v (same numbers as without refractoriness); u is not gated and
    // reads v (keeps changing while v is held).
    let deterministic = "dv/dt = (I - v)/tau : 1 (unless refractory)\n\
                         dw/dt = -w/(20*ms) : 1\n\
                         du/dt = (v - u)/(5*ms) : 1";
    let stochastic = "dv/dt = (I - v)/tau + 0.05*xi*tau**-0.5 : 1 (unless refractory)\n\
                      dw/dt = -w/(20*ms) : 1\n\
                      du/dt = (v - u)/(5*ms) : 1";
    let cases = [
        (deterministic, all_methods()),
        (stochastic, additive_noise_methods()),
    ];
    let dt = 0.1e-3;
    let refractory = 3e-3;
    for (eqs, methods) in cases {
        for &method in &methods {
            let mut net = Network::new(BackendChoice::Interpreter);
            net.set_constant("tau", q("10*ms"));
            net.set_constant("I", Quantity::dimensionless(2.0));
            net.seed(7);
            let g = net
                .add_group(
                    NeuronGroup::new(1, eqs)
                        .threshold("v > 1")
                        .reset("v = 0")
                        .refractory_time(refractory)
                        .method(method)
                        .name("G"),
                )
                .unwrap_or_else(|e| panic!("{method}: {e}"));
            net.set(g, "w", Quantity::dimensionless(1.0)).unwrap();
            let spikes = net.add_spike_monitor(SpikeMonitor::new(g)).unwrap();
            let trace = net
                .add_state_monitor(StateMonitor::new(g, ["v", "w", "u"]).record(Record::All))
                .unwrap();
            net.run(40e-3).unwrap();
            let times = net.spike_data(spikes).unwrap().t.clone();
            assert!(times.len() >= 2, "{method}: spikes {times:?}");
            let data = net.state_data(trace).unwrap();
            let var = |name: &str| {
                data.values
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, rows)| rows[0].clone())
                    .unwrap()
            };
            let (v, w, u) = (var("v"), var("w"), var("u"));
            for &ts in &times {
                // Recorded at the start of each step: from the step after the spike to the end of the
                // refractory period, v is the reset value.
                let during: Vec<usize> = (0..data.t.len())
                    .filter(|&k| {
                        data.t[k] > ts + dt / 2.0 && data.t[k] < ts + refractory + dt / 2.0
                    })
                    .collect();
                assert_eq!(
                    during.len(),
                    30,
                    "{method}: samples in the refractory period"
                );
                for &k in &during {
                    assert_eq!(
                        v[k], 0.0,
                        "{method}: v at {} after a spike at {ts}",
                        data.t[k]
                    );
                }
                // u keeps following v while v is held.
                let (first, last) = (during[0], *during.last().unwrap());
                assert_ne!(
                    u[first], u[last],
                    "{method}: u stopped during refractoriness"
                );
                // After the refractory period v moves again.
                if let Some(k) = (0..data.t.len()).find(|&k| data.t[k] > ts + refractory + 1.5 * dt)
                {
                    assert_ne!(v[k], 0.0, "{method}: v still held at {}", data.t[k]);
                }
            }
            // w follows its own equation as if there were no refractoriness at all.
            let steps = data.t.len();
            for (k, wk) in w.iter().enumerate().take(steps) {
                let t = data.t[k];
                let exact = (-t / 0.02f64).exp();
                assert!((wk - exact).abs() < 1e-3, "{method}: w({t}) = {wk}");
            }
        }
    }
}

#[test]
fn one_euler_step_is_the_hand_calculation() {
    // `dv/dt = -v/tau` under euler: v + dt*((-v)/tau), bit for bit; exact: v*exp((-1/tau)*dt).
    let tau = 0.01f64;
    let dt = 0.1e-3f64;
    let v0 = 0.7f64;
    let m = Model {
        eqs: "dv/dt = -v/tau : 1",
        consts: &[("tau", "0.01*second")],
        init: &[("v", "0.7")],
        n: 1,
    };
    let got = final_state(&m, "euler", dt, dt, &["v"])[0][0];
    assert_eq!(got.to_bits(), (v0 + dt * (-v0 / tau)).to_bits());
    let got = final_state(&m, "exact", dt, dt, &["v"])[0][0];
    assert_eq!(got.to_bits(), (v0 * ((-1.0 / tau) * dt).exp()).to_bits());
    // rk2: k = dt*(-v/tau); v + dt*(-(v + k/2)/tau)
    let got = final_state(&m, "rk2", dt, dt, &["v"])[0][0];
    let k = dt * (-v0 / tau);
    assert_eq!(got.to_bits(), (v0 + dt * (-(v0 + k / 2.0) / tau)).to_bits());
    // Two steps of euler.
    let got = final_state(&m, "euler", dt, 2.0 * dt, &["v"])[0][0];
    let v1 = v0 + dt * (-v0 / tau);
    assert_eq!(got.to_bits(), (v1 + dt * (-v1 / tau)).to_bits());
}

// ---------------------------------------------------------------------------------------------------
// Stochastic methods against hand calculations with the numbers they drew.

/// The Wiener increments `dW[step][neuron]` the state updater of `g` draws (its only noise symbol).
fn wiener_increments(
    net: &Network,
    g: GroupHandle,
    seed: u64,
    steps: u64,
    n: u64,
    dt: f64,
) -> Vec<Vec<f64>> {
    use ganglion_ir::{Op, random};
    let k = net.kernels(g).state_update.clone().unwrap();
    let mut draws = Vec::new();
    k.vector.walk(&mut |i| {
        if let Op::Random {
            normal: true,
            stream,
            draw,
        } = i.op
        {
            draws.push((stream, draw));
        }
    });
    assert_eq!(draws.len(), 1, "one noise draw per neuron and step\n{k}");
    let (stream, draw) = draws[0];
    let key = random::key(seed, k.streams[stream as usize]);
    (0..steps)
        .map(|s| {
            (0..n)
                .map(|i| dt.sqrt() * random::normal(random::bits(key, s, i, draw)))
                .collect()
        })
        .collect()
}

const GBM: Model<'static> = Model {
    eqs: "dX/dt = mu*X + sigma*X*xi*second**.5 : 1",
    consts: &[("mu", "0.5/second"), ("sigma", "0.8/second")],
    init: &[("X", "1 + 0.01*i")],
    n: 64,
};

#[test]
fn one_step_of_milstein_and_heun_is_brian2s_formula() {
    let (mu, sigma, dt, seed) = (0.5f64, 0.8f64, 0.1e-3f64, 17u64);
    for method in ["milstein", "heun"] {
        let (mut net, g) = build(&GBM, method, dt);
        net.seed(seed);
        let x0 = net.state(g, "X").unwrap();
        net.run(dt).unwrap();
        let got = net.state(g, "X").unwrap();
        let dw = &wiener_increments(&net, g, seed, 1, 64, dt)[0];
        for i in 0..64 {
            let (x, w) = (x0[i], dw[i]);
            let (f, gx) = (mu * x, sigma * x);
            let want = if method == "milstein" {
                // x_support = x + dt*f + dt**.5*g; k = (g(x_support) - g)/(2 dt**.5) * dW**2
                let support = x + dt * f + dt.sqrt() * gx;
                let k = (sigma * support - gx) / (2.0 * dt.sqrt()) * w * w;
                x + dt * f + gx * w + k
            } else {
                // x_support = x + g*dW; x + dt*f + dW/2*(g + g(x_support))
                let support = x + gx * w;
                x + dt * f + 0.5 * w * (gx + sigma * support)
            };
            assert!(
                (got[i] - want).abs() <= 1e-15 * want.abs(),
                "{method}, neuron {i}: {} vs {want}",
                got[i]
            );
        }
    }
}

#[test]
fn milstein_and_heun_converge_to_the_stratonovich_solution() {
    // Both of Brian2's multiplicative-noise methods integrate Stratonovich SDEs: geometric Brownian motion
    // dX = mu X dt + sigma X ∘ dW has the path-wise solution X0 exp(mu t + sigma W(t)), W the sum of the
    // drawn increments. Heun's strong error shrinks like dt. Brian2's derivative-free Milstein uses
    // `dW**2` (not `dW**2 - dt`) with the support point `x + dt*f + dt**.5*g`, which leaves a bias of
    // about sigma*mu*sqrt(dt)/2 per unit time: its strong order is 1/2 when the drift is not zero (checked
    // against Brian2's abstract code run in numpy). We follow Brian2's description verbatim.
    let (mu, sigma, seed, duration) = (0.5f64, 0.8f64, 23u64, 0.2f64);
    for (method, order) in [("heun", 1.0), ("milstein", 0.5)] {
        let mut errors = Vec::new();
        for dt in [0.4e-3f64, 0.1e-3] {
            let (mut net, g) = build(&GBM, method, dt);
            net.seed(seed);
            let x0 = net.state(g, "X").unwrap();
            net.run(duration).unwrap();
            let got = net.state(g, "X").unwrap();
            let steps = (duration / dt).round() as u64;
            let dw = wiener_increments(&net, g, seed, steps, 64, dt);
            let mut mean = 0.0f64;
            for i in 0..64 {
                let w: f64 = dw.iter().map(|row| row[i]).sum();
                let exact = x0[i] * (mu * duration + sigma * w).exp();
                mean += (got[i] - exact).abs() / exact / 64.0;
            }
            errors.push(mean);
        }
        let observed = (errors[0] / errors[1]).log2() / 2.0;
        println!(
            "{method}: mean strong errors {}, observed strong order {observed:.3}",
            sci(&errors)
        );
        assert!(errors[1] < 1e-3, "{method}: {errors:?}");
        assert!(
            (observed - order).abs() <= 0.25,
            "{method}: strong order {observed} (errors {errors:?}), expected {order}"
        );
    }
}

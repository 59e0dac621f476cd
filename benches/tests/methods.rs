//! The method-comparison harness on small models: each method's error shrinks at its theoretical order as
//! dt halves, exact integration is at rounding level, the Brownian path the harness reconstructs is the
//! one the stochastic methods draw, and the CSV and JSON outputs hold one row per (model, method, dt).
//!
//! These tests assert on errors only, never on timings.

use ganglion_bench::methods::{
    Builtin, CSV_COLUMNS, Config, Method, ModelReport, Row, brownian_path, charts, default_methods,
    reports_from_json, run_builtin, to_csv, to_json, write_outputs,
};

/// `a` and `b` hold the same keys, strings and arrays, and numbers equal to 12 digits.
fn assert_same_json(a: &serde_json::Value, b: &serde_json::Value, at: &str) {
    use serde_json::Value;
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            assert!(
                (x - y).abs() <= 1e-12 * x.abs().max(y.abs()),
                "{at}: {x} != {y}"
            );
        }
        (Value::Array(x), Value::Array(y)) => {
            assert_eq!(x.len(), y.len(), "{at}");
            for (k, (p, q)) in x.iter().zip(y).enumerate() {
                assert_same_json(p, q, &format!("{at}[{k}]"));
            }
        }
        (Value::Object(x), Value::Object(y)) => {
            let keys = |m: &serde_json::Map<String, Value>| m.keys().cloned().collect::<Vec<_>>();
            let (mut kx, mut ky) = (keys(x), keys(y));
            kx.sort();
            ky.sort();
            assert_eq!(kx, ky, "{at}");
            for (k, v) in x {
                assert_same_json(v, &y[k], &format!("{at}.{k}"));
            }
        }
        _ => assert_eq!(a, b, "{at}"),
    }
}

/// A small configuration: few neurons, no extra timing runs.
fn small(dts_ms: &[f64], duration_ms: f64, neurons: usize) -> Config {
    Config {
        dts: Some(dts_ms.iter().map(|x| x * 1e-3).collect()),
        duration: Some(duration_ms * 1e-3),
        neurons,
        min_work: 0.0,
        ..Config::default()
    }
}

fn rows<'a>(r: &'a ModelReport, method: &str) -> Vec<&'a Row> {
    let mut v: Vec<&Row> = r.rows.iter().filter(|x| x.method == method).collect();
    v.sort_by(|a, b| b.dt.total_cmp(&a.dt));
    v
}

/// Every observed order of `method` (dt halving) lies within `tol` of `order`.
fn assert_order(r: &ModelReport, method: &str, order: f64, tol: f64) {
    let rs = rows(r, method);
    assert!(rs.len() >= 2, "{}: {method} has {} rows", r.name, rs.len());
    for x in &rs {
        assert!(x.ok(), "{} {method} dt={}: {}", r.name, x.dt, x.status);
    }
    for x in &rs[1..] {
        let o = x
            .observed_order
            .unwrap_or_else(|| panic!("{} {method} dt={}: no order", r.name, x.dt));
        assert!(
            (o - order).abs() <= tol,
            "{} {method} dt={}: observed order {o:.3}, expected {order} (errors {:?})",
            r.name,
            x.dt,
            rs.iter().map(|r| r.error()).collect::<Vec<_>>()
        );
    }
}

/// The order over the whole range of dt (first to last), for noisy strong and weak errors.
fn assert_overall_order(r: &ModelReport, method: &str, order: f64, tol: f64) {
    let rs = rows(r, method);
    assert!(rs.iter().all(|x| x.ok()), "{rs:?}");
    let (a, b) = (rs[0], rs[rs.len() - 1]);
    let o = (a.error().unwrap() / b.error().unwrap()).ln() / (a.dt / b.dt).ln();
    assert!(
        (o - order).abs() <= tol,
        "{} {method}: order {o:.3} from dt={} to dt={}, expected {order} (errors {:?})",
        r.name,
        a.dt,
        b.dt,
        rs.iter().map(|r| r.error()).collect::<Vec<_>>()
    );
}

fn assert_rounding(r: &ModelReport, method: &str) {
    for x in rows(r, method) {
        assert!(x.ok(), "{} {method}: {}", r.name, x.status);
        let e = x.max_abs_error.unwrap();
        assert!(
            x.at_rounding_level() && e < 1e-13,
            "{} {method} dt={}: error {e:e} is not at rounding level",
            r.name,
            x.dt
        );
    }
}

#[test]
fn deterministic_methods_converge_at_their_order() {
    // Exponential decay: linear, so `exact` and `exponential_euler` are exact; heun and milstein reduce
    // to Euler on deterministic equations (their drift step is x + dt*f(x, t)).
    let decay = run_builtin(Builtin::Decay, &small(&[0.8, 0.4, 0.2], 40.0, 3));
    assert_order(&decay, "euler", 1.0, 0.1);
    assert_order(&decay, "heun", 1.0, 0.1);
    assert_order(&decay, "milstein", 1.0, 0.1);
    assert_order(&decay, "rk2", 2.0, 0.1);
    assert_order(&decay, "rk3_user", 3.0, 0.15);
    assert_order(&decay, "rk4", 4.0, 0.15);
    assert_rounding(&decay, "exact");
    assert_rounding(&decay, "exponential_euler");

    // The damped oscillator: a 2-D linear system (exact through the matrix exponential).
    let osc = run_builtin(Builtin::Osc, &small(&[0.4, 0.2, 0.1], 60.0, 2));
    assert_order(&osc, "euler", 1.0, 0.15);
    assert_order(&osc, "rk2", 2.0, 0.15);
    assert_order(&osc, "rk4", 4.0, 0.2);
    assert_rounding(&osc, "exact");

    // Explicit time dependence: `exact` refuses, the explicit methods keep their order.
    let lin = run_builtin(Builtin::Lin, &small(&[0.4, 0.2, 0.1], 40.0, 2));
    assert!(
        rows(&lin, "exact")
            .iter()
            .all(|r| r.status.starts_with("not applicable")),
        "{:?}",
        rows(&lin, "exact")
    );
    assert_order(&lin, "euler", 1.0, 0.1);
    assert_order(&lin, "rk2", 2.0, 0.1);
    assert_order(&lin, "rk4", 4.0, 0.15);
}

#[test]
fn hh_reference_and_spike_times() {
    // Hodgkin–Huxley against rk4 at dt/100: rk4's voltage error shrinks about 16-fold per halving, and
    // the spike times are compared.
    let mut config = small(&[0.05, 0.025], 15.0, 2);
    config.methods = vec![Method::named("rk4"), Method::named("exact")];
    let hh = run_builtin(Builtin::Hh, &config);
    let rk4 = rows(&hh, "rk4");
    assert!(rk4.iter().all(|r| r.ok()), "{rk4:?}");
    let o = rk4[1].observed_order.unwrap();
    assert!((3.0..=5.5).contains(&o), "rk4 order on HH: {o}");
    assert!(rk4[1].max_abs_error.unwrap() < 1e-3, "{rk4:?}");
    assert_eq!(rk4[1].spikes, rk4[1].spikes_ref);
    assert!(rk4[1].spikes.unwrap() >= 1, "{rk4:?}");
    assert!(rk4[1].spike_time_error.unwrap() <= 0.025e-3, "{rk4:?}");
    assert!(
        rows(&hh, "exact")
            .iter()
            .all(|r| r.status.starts_with("not applicable")),
    );
}

#[test]
fn the_reconstructed_brownian_path_is_the_one_each_method_draws() {
    // With additive noise of unit amplitude every explicit stochastic method adds exactly the increment
    // it drew, so v(T) - v(0) is the Brownian path at T, which `brownian_path` reconstructs separately.
    let config = Config {
        seed: 99,
        ..Config::default()
    };
    let (n, dt, t) = (7, 2e-4, 0.01);
    let w = brownian_path(n, dt, t, &config).unwrap();
    assert!(w.iter().any(|x| *x != 0.0));
    for m in ["euler", "milstein", "heun"] {
        let mut net = ganglion::Network::new(config.backend);
        net.seed(config.seed);
        net.set_dt(dt).unwrap();
        let g = net
            .add_group(
                ganglion::NeuronGroup::new(n, "dv/dt = xi*second**-0.5 : 1")
                    .method(m)
                    .name("G"),
            )
            .unwrap();
        net.run(t).unwrap();
        let v = net.state(g, "v").unwrap();
        for (a, b) in v.iter().zip(&w) {
            assert!((a - b).abs() <= 1e-14, "{m}: {a} != {b}");
        }
    }
}

/// Derivative-free Milstein for Ito equations, as a user's description.
const ITO_MILSTEIN: &str = "ito_milstein: x_support = x + dt*f(x, t) + dt**.5 * g(x, t); g_support = g(x_support, t); k = 1/(2*dt**.5)*(g_support - g(x, t))*(dW**2 - dt); x_new = x + dt*f(x,t) + g(x, t) * dW + k";

#[test]
fn stochastic_methods_converge() {
    // Geometric Brownian motion, strong error on the shared path: stochastic Heun is strong order 1 for
    // this scalar equation; Brian2's derivative-free Milstein description (correction (g(x+) - g(x)) dW**2
    // / (2 sqrt(dt)), no `- dt`) converges to the Stratonovich solution at order 1/2 (its correction
    // carries a drift term of mean O(dt**1.5) per step).
    let mut config = small(&[1.0, 0.5, 0.25, 0.125], 200.0, 1000);
    config.methods = vec![
        Method::named("heun"),
        Method::named("milstein"),
        Method::named("euler"),
        Method::parse_arg(ITO_MILSTEIN).unwrap(),
    ];
    let gbm = run_builtin(Builtin::Gbm, &config);
    assert_overall_order(&gbm, "heun", 1.0, 0.25);
    assert_overall_order(&gbm, "milstein", 0.5, 0.2);
    // The same description with the Ito correction `dW**2 - dt`, given by the user: strong order 1, and
    // the harness compares it with the Ito solution.
    assert_overall_order(&gbm, "ito_milstein", 1.0, 0.25);
    assert!(
        rows(&gbm, "ito_milstein")
            .iter()
            .all(|r| r.reference.starts_with("exact Ito")),
        "{:?}",
        rows(&gbm, "ito_milstein")
    );
    assert!(
        rows(&gbm, "euler")
            .iter()
            .all(|r| r.status.starts_with("not applicable")),
    );
    // Ornstein–Uhlenbeck, weak error: Euler–Maruyama (and heun and milstein, which coincide with it for
    // additive noise) is weak order 1.
    let mut config = small(&[1.0, 0.5, 0.25], 20.0, 100);
    config.methods = vec![Method::named("euler"), Method::named("heun")];
    let ou = run_builtin(Builtin::Ou, &config);
    assert_overall_order(&ou, "euler", 1.0, 0.15);
    assert_overall_order(&ou, "heun", 1.0, 0.15);
}

fn csv_split(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    out.push(cur);
    out
}

#[test]
fn csv_and_json_hold_one_row_per_model_method_and_dt() {
    let config = small(&[0.4, 0.2], 10.0, 2);
    let reports = vec![
        run_builtin(Builtin::Decay, &config),
        run_builtin(Builtin::Ou, &config),
    ];
    let expected = 2 * default_methods().len() * 2;
    let csv = to_csv(&reports);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], CSV_COLUMNS.join(","));
    assert_eq!(lines.len() - 1, expected);
    let mut keys = std::collections::HashSet::new();
    for l in &lines[1..] {
        let f = csv_split(l);
        assert_eq!(f.len(), CSV_COLUMNS.len(), "{l}");
        let dt: f64 = f[2].parse().unwrap();
        assert!(
            keys.insert((f[0].clone(), f[1].clone(), dt.to_bits())),
            "{l}"
        );
        if f[3] == "ok" {
            let e: f64 = f[4].parse().unwrap();
            assert!(e.is_finite(), "{l}");
        }
    }
    let json = to_json(&reports, &config);
    let text = serde_json::to_string(&json).unwrap();
    let back: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(back["rows"].as_array().unwrap().len(), expected);
    assert_eq!(back["models"].as_array().unwrap().len(), 2);
    // methods.json holds everything: the reports read back from it write the same JSON (to the last
    // digit or so: serde_json's number parsing may round the last bit), and so draw the same charts.
    let reread = reports_from_json(&back).unwrap();
    assert_same_json(&to_json(&reread, &config), &json, "");
    assert_eq!(
        charts(&reread[0])
            .iter()
            .map(|c| c.0.clone())
            .collect::<Vec<_>>(),
        ["error_cost_decay", "error_dt_decay"]
    );

    let dir = std::env::temp_dir().join(format!("ganglion-bench-methods-{}", std::process::id()));
    let files = write_outputs(&reports, &config, &dir).unwrap();
    for name in [
        "methods.csv",
        "methods.json",
        "error_cost_decay.png",
        "error_cost_decay.svg",
        "error_dt_ou.png",
    ] {
        assert!(files.contains(&dir.join(name)), "{name} missing: {files:?}");
    }
    let png = std::fs::read(dir.join("error_cost_decay.png")).unwrap();
    assert_eq!(&png[1..4], b"PNG");
    std::fs::remove_dir_all(&dir).unwrap();
}

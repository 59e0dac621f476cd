//! The matrix exponential and its integral against closed forms: diagonal, rotation, damped oscillator,
//! Jordan blocks (not diagonalisable), triangular matrices with distinct eigenvalues, singular matrices
//! (where the integral is what makes `dv/dt = 10*Hz` exact), large norms, and the `Expm` instruction.

mod common;

use common::*;
use ganglion_ir::expm::{expm, expm_with_integral};
use ganglion_ir::interp::Value;
use ganglion_ir::*;

fn close(got: &[f64], want: &[f64], rel: f64, what: &str) {
    assert_eq!(got.len(), want.len(), "{what}");
    let scale = want
        .iter()
        .fold(0.0f64, |m, x| m.max(x.abs()))
        .max(f64::MIN_POSITIVE);
    for (k, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= rel * scale,
            "{what}: entry {k}: {g} vs {w} (difference {:e}, allowed {:e})\n got {got:?}\nwant {want:?}",
            (g - w).abs(),
            rel * scale
        );
    }
}

/// `exp(m)` and `∫₀¹ exp(s m) ds` from `expm_with_integral`.
fn split(n: usize, m: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let out = expm_with_integral(n, m);
    assert_eq!(out.len(), 2 * n * n);
    (out[..n * n].to_vec(), out[n * n..].to_vec())
}

#[test]
fn diagonal_matrices() {
    let d = [-3.0, 0.5, 2.0];
    let m = [d[0], 0.0, 0.0, 0.0, d[1], 0.0, 0.0, 0.0, d[2]];
    let (e, i) = split(3, &m);
    let mut want_e = [0.0; 9];
    let mut want_i = [0.0; 9];
    for k in 0..3 {
        want_e[4 * k] = d[k].exp();
        want_i[4 * k] = d[k].exp_m1() / d[k];
    }
    close(&e, &want_e, 1e-15, "exp(diag)");
    close(&i, &want_i, 1e-15, "integral of exp(diag)");
    // The identity and the zero matrix.
    assert_eq!(expm(2, &[0.0; 4]), vec![1.0, 0.0, 0.0, 1.0]);
    let (e, i) = split(2, &[0.0; 4]);
    assert_eq!(e, vec![1.0, 0.0, 0.0, 1.0]);
    assert_eq!(i, vec![1.0, 0.0, 0.0, 1.0]);
}

#[test]
fn damped_oscillator() {
    // x' = y, y' = -w0² x - 2γ y: exp(M t) from the closed-form solution, t = 2.5.
    let (w0sq, g, t) = (0.5f64, 0.05f64, 2.5f64);
    let w = (w0sq - g * g).sqrt();
    let m = [0.0, t, -w0sq * t, -2.0 * g * t];
    let (c, s, d) = ((w * t).cos(), (w * t).sin(), (-g * t).exp());
    let want = [
        d * (c + g / w * s),
        d * s / w,
        -d * w0sq / w * s,
        d * (c - g / w * s),
    ];
    close(&expm(2, &m), &want, 1e-14, "damped oscillator");
}

#[test]
fn jordan_blocks_are_not_a_problem() {
    // [[a, 1], [0, a]] is not diagonalisable: exp = e^a [[1, 1], [0, 1]].
    for a in [-2.0f64, 0.0, 0.7] {
        let e = expm(2, &[a, 1.0, 0.0, a]);
        close(&e, &[a.exp(), a.exp(), 0.0, a.exp()], 1e-15, "Jordan block");
    }
    // 3x3 nilpotent: exp(N) = I + N + N²/2, its integral I + N/2 + N²/6.
    let n = [0.0, 2.0, 3.0, 0.0, 0.0, 5.0, 0.0, 0.0, 0.0];
    let (e, i) = split(3, &n);
    close(
        &e,
        &[1.0, 2.0, 3.0 + 5.0, 0.0, 1.0, 5.0, 0.0, 0.0, 1.0],
        1e-15,
        "nilpotent",
    );
    close(
        &i,
        &[1.0, 1.0, 1.5 + 10.0 / 6.0, 0.0, 1.0, 2.5, 0.0, 0.0, 1.0],
        1e-15,
        "integral, nilpotent",
    );
}

#[test]
fn triangular_with_distinct_eigenvalues() {
    // [[a, b], [0, d]]: exp = [[e^a, b (e^a - e^d)/(a - d)], [0, e^d]], also for a large spread.
    for (a, b, d) in [
        (-1.0f64, 3.0f64, -0.25f64),
        (-50.0, 49.0, -1.0),
        (-0.002, 1e3, -0.001),
    ] {
        let want = [a.exp(), b * (a.exp() - d.exp()) / (a - d), 0.0, d.exp()];
        close(&expm(2, &[a, b, 0.0, d]), &want, 1e-13, "triangular");
    }
    // The chain v' = (w - v)/t1, w' = (u - w)/t2, u' = -u/t3 over one unit of time.
    let (t1, t2, t3) = (0.5f64, 0.8, 1.3);
    let m = [
        -1.0 / t1,
        1.0 / t1,
        0.0,
        0.0,
        -1.0 / t2,
        1.0 / t2,
        0.0,
        0.0,
        -1.0 / t3,
    ];
    let e = expm(3, &m);
    // Column j of exp(M) is the solution at t = 1 from the unit vector e_j.
    let chain = |v0: f64, w0: f64, u0: f64| {
        let t = 1.0f64;
        let a = u0 * t3 / (t3 - t2);
        let bw = w0 - a;
        let c3 = a * t3 / (t3 - t1);
        let c2 = bw * t2 / (t2 - t1);
        let u = u0 * (-t / t3).exp();
        let w = a * (-t / t3).exp() + bw * (-t / t2).exp();
        let v = c3 * (-t / t3).exp() + c2 * (-t / t2).exp() + (v0 - c3 - c2) * (-t / t1).exp();
        [v, w, u]
    };
    let cols = [
        chain(1.0, 0.0, 0.0),
        chain(0.0, 1.0, 0.0),
        chain(0.0, 0.0, 1.0),
    ];
    let want: Vec<f64> = (0..9).map(|k| cols[k % 3][k / 3]).collect();
    close(&e, &want, 1e-14, "chain");
}

#[test]
fn the_integral_of_singular_matrices_is_exact() {
    // dv/dt = 10 Hz over dt = 0.1 ms: M = 0, so v_new = v + (∫ exp(0) ds) * 10 * dt = v + 1e-3.
    let (e, i) = split(1, &[0.0]);
    assert_eq!((e[0], i[0]), (1.0, 1.0));
    // M = [[0, 0], [0, -1]] (one conserved, one decaying component).
    let (e, i) = split(2, &[0.0, 0.0, 0.0, -1.0]);
    close(&e, &[1.0, 0.0, 0.0, (-1.0f64).exp()], 1e-15, "singular exp");
    close(
        &i,
        &[1.0, 0.0, 0.0, -(-1.0f64).exp_m1()],
        1e-15,
        "singular integral",
    );
    // M = [[-1, 1], [1, -1]] (sum conserved, difference decays at rate 2).
    let (e, i) = split(2, &[-1.0, 1.0, 1.0, -1.0]);
    let d = (-2.0f64).exp();
    close(
        &e,
        &[
            (1.0 + d) / 2.0,
            (1.0 - d) / 2.0,
            (1.0 - d) / 2.0,
            (1.0 + d) / 2.0,
        ],
        1e-15,
        "symmetric singular exp",
    );
    let id = -(-2.0f64).exp_m1() / 2.0; // ∫₀¹ e^{-2s} ds
    close(
        &i,
        &[
            (1.0 + id) / 2.0,
            (1.0 - id) / 2.0,
            (1.0 - id) / 2.0,
            (1.0 + id) / 2.0,
        ],
        1e-15,
        "symmetric singular integral",
    );
    // Invertible M: the integral is M⁻¹ (exp(M) - I).
    let (a, b, d) = (-0.3f64, 0.2, -0.7);
    let (_, i) = split(2, &[a, b, 0.0, d]);
    let want = [
        a.exp_m1() / a,
        b * ((a.exp_m1() / a) - (d.exp_m1() / d)) / (a - d),
        0.0,
        d.exp_m1() / d,
    ];
    close(&i, &want, 1e-14, "integral of a triangular matrix");
}

#[test]
fn large_norms_and_non_finite_entries() {
    for x in [-700.0f64, -50.0, 30.0] {
        let e = expm(1, &[x]);
        assert!(
            ((e[0] - x.exp()) / x.exp()).abs() < 1e-12,
            "exp({x}) = {}",
            e[0]
        );
    }
    // A non-finite entry makes the whole result NaN (a NaN check after the run then catches it), without
    // a panic or an endless scaling loop.
    let r = expm(2, &[f64::NAN, 0.0, 0.0, 1.0]);
    assert!(r.iter().all(|x| x.is_nan()), "{r:?}");
    assert!(
        expm_with_integral(2, &[0.0, f64::NAN, 0.0, 1.0])
            .iter()
            .all(|x| x.is_nan())
    );
    let r = expm(1, &[f64::INFINITY]);
    assert!(r[0].is_nan());
}

#[test]
fn the_expm_instruction_computes_the_same_in_setup_and_vector_code() {
    // setup: list = expm(M dt) with M = [[-1/tau, 1/tau], [0, -2/tau]]; vector: out[i] = list[k] for k = i.
    let mut k = Kernel::new("E", KernelKind::StateUpdate, Domain::Neurons);
    let tau = k.param("tau", Type::F64);
    let mut b = Builder::new(k);
    let out = f64_array(&mut b, "out");
    let out_v = f64_array(&mut b, "out_vector");
    let entries = |b: &mut Builder| {
        let dt = b.value(Type::F64, Op::Dt);
        let p = b.value(Type::F64, Op::Param(tau));
        let r = b.binary(Type::F64, BinOp::Div, dt, p);
        let zero = b.f64(0.0);
        let m1 = b.value(Type::F64, Op::Unary(UnOp::Neg, r));
        let two = b.f64(-2.0);
        let m2 = b.binary(Type::F64, BinOp::Mul, two, r);
        vec![m1, r, zero, m2]
    };
    b.set_level(Level::Setup);
    let e = entries(&mut b);
    let list = b.value(Type::F64List(8), Op::Expm { n: 2, entries: e });
    b.set_level(Level::Vector);
    let e = entries(&mut b);
    let list_v = b.value(Type::F64List(8), Op::Expm { n: 2, entries: e });
    let idx = b.value(Type::I64, Op::NeuronIndex);
    // Select element i by a chain of selects (lists are indexed by constants only).
    let pick = |b: &mut Builder, l: ValueId| {
        let mut acc = b.value(Type::F64, Op::Extract(l, 0));
        for kk in 1..8 {
            let x = b.value(Type::F64, Op::Extract(l, kk));
            let kc = b.constant(Const::I64(i64::from(kk)));
            let is = b.cmp(CmpOp::Eq, idx, kc);
            acc = b.value(Type::F64, Op::Select(is, x, acc));
        }
        acc
    };
    let a = pick(&mut b, list);
    store(&mut b, out, a);
    let a = pick(&mut b, list_v);
    store(&mut b, out_v, a);
    let k = b.finish();
    let mut run = Run::new(&k, 8);
    run.params = vec![Value::F64(0.01)];
    run.clock.dt = 1e-3;
    run.call(&k);
    let want = expm_with_integral(2, &[-0.1, 0.1, 0.0, -0.2]);
    assert_eq!(run.f64s(&k, "out"), want);
    assert_eq!(run.f64s(&k, "out_vector"), want);
    assert!(matches!(
        interp_setup_list(&k),
        Some(l) if l.len() == 8
    ));
}

fn interp_setup_list(k: &Kernel) -> Option<Vec<f64>> {
    let setup = ganglion_ir::interp::run_setup(k, &[Value::F64(0.01)], 1e-3);
    setup.lists().first().map(|(_, l)| l.to_vec())
}

//! Hostile input (issue 17): deep and long code, models too large for memory, malformed model files.
//! Each gets a clear error or a defined result within seconds — no panic, abort or unbounded memory —
//! and `ganglion check` (build the network as `run` does, then a run of no time) refuses whatever
//! `ganglion run` refuses.

use std::time::{Duration, Instant};

use ganglion::{BackendChoice, Error, Network};
use ganglion_modelfile::{LoadError, ModelFile};
use ganglion_syntax::limits::MAX_DEPTH;

/// Rust's default stack for threads other than `main` (and so for `cargo test`'s threads).
const THREAD_STACK: usize = 2 << 20;

/// The first error, as `code: message` with its place, or `None` when there is none.
fn first_error(
    sources: &ganglion_syntax::SourceMap,
    list: &[ganglion_syntax::Diagnostic],
) -> String {
    let d = list
        .iter()
        .find(|d| d.is_error())
        .expect("an error among the diagnostics");
    let place = d
        .source
        .map(|s| format!("{:?}", sources.line_column(s, d.span)))
        .unwrap_or_default();
    format!("{}: {} {place}", d.code.unwrap_or("-"), d.message)
}

fn error_of(e: Error, net_sources: Option<&ganglion_syntax::SourceMap>) -> String {
    match e {
        Error::Model(d) => first_error(d.sources(), d.list()),
        e => {
            let list = e.diagnostics();
            match net_sources {
                Some(s) => first_error(s, &list),
                None => first_error(&ganglion_syntax::SourceMap::new(), &list),
            }
        }
    }
}

/// What `ganglion check` does with a model file's text: read it, build the network as `run` does, run
/// no time. The first error, if any.
pub fn check(text: &str) -> Result<(), String> {
    build(text, BackendChoice::Jit).map(|_| ())
}

fn build(text: &str, backend: BackendChoice) -> Result<(Network, ganglion::RunPlan), String> {
    let file = match ModelFile::parse("model.toml", text) {
        Ok(f) => f,
        Err(LoadError::Invalid {
            sources,
            diagnostics,
        }) => return Err(first_error(&sources, &diagnostics)),
        Err(LoadError::Io(e)) => panic!("{e}"),
    };
    let (mut net, plan) = Network::from_model_file(file, backend).map_err(|e| error_of(e, None))?;
    match net.run(0.0) {
        Ok(()) => Ok((net, plan)),
        Err(e) => Err(error_of(e, Some(net.sources()))),
    }
}

/// What `ganglion run` does with a model file's text on `backend`: the first error, if any.
pub fn run(text: &str, backend: BackendChoice) -> Result<(), String> {
    let (mut net, plan) = build(text, backend)?;
    for segment in &plan.segments {
        for op in &segment.set {
            net.apply(op).map_err(|e| error_of(e, None))?;
        }
        net.run(segment.duration).map_err(|e| error_of(e, None))?;
    }
    Ok(())
}

/// Runs `f` on a thread with Rust's default 2 MiB stack; panics if it takes longer than `limit`.
fn on_small_stack<R: Send + 'static>(
    what: &str,
    limit: Duration,
    f: impl FnOnce() -> R + Send + 'static,
) -> R {
    let start = Instant::now();
    let r = std::thread::Builder::new()
        .stack_size(THREAD_STACK)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap_or_else(|_| panic!("{what}: panicked"));
    assert!(
        start.elapsed() < limit,
        "{what}: took {:?}",
        start.elapsed()
    );
    r
}

/// The places code appears in [`deep_model`], with the levels their text adds around the body.
const PLACES: [(&str, usize); 6] = [
    ("equation", 4),      // dv/dt = (BODY - v)/(10*ms) : 1
    ("subexpression", 1), // s = BODY : 1
    ("threshold", 4),     // v > 100 + 0*(BODY)
    ("reset", 3),         // v = 0*(BODY)
    ("initial value", 0), // BODY
    ("on_pre", 3),        // v_post += 0*(BODY)
];

/// A model whose code is as deep as [`MAX_DEPTH`] allows at every place code appears (one level deeper
/// at the place `over`): equations (integrated by `method`), a subexpression, a threshold, a reset, an
/// initial value and synaptic code.
fn deep_model(body: &dyn Fn(usize) -> String, method: &str, over: Option<&str>) -> String {
    let b: Vec<String> = PLACES
        .iter()
        .map(|&(place, around)| body(MAX_DEPTH - around + usize::from(over == Some(place))))
        .collect();
    format!(
        r#"[run]
duration = "0.3*ms"

[groups.G]
N = 3
model = """
dv/dt = ({} - v)/(10*ms) : 1
s = {} : 1
"""
method = "{method}"
threshold = "v > 100 + 0*({})"
reset = "v = 0*({})"

[groups.G.init]
v = "{}"

[synapses.S]
source = "G"
target = "G"
on_pre = "v_post += 0*({})"

[[synapses.S.connect]]
i = [0, 1]
j = [1, 2]

[monitors.M]
kind = "state"
source = "G"
variables = ["v", "s"]
record = true
"#,
        b[0], b[1], b[2], b[3], b[4], b[5]
    )
}

/// Code of a given depth.
type Body = Box<dyn Fn(usize) -> String + Send + Sync>;

/// The shapes of deep code: a sum of `n` terms, `n` unary minus signs, `n` nested brackets and calls.
fn deep_bodies() -> Vec<(&'static str, Body)> {
    vec![
        ("sum", Box::new(|n| vec!["1"; n + 1].join("+"))),
        (
            "product sum",
            // n / 2 products and their sums are n - 1 or n - 2 operators.
            Box::new(|n| {
                let tail = if n % 2 == 0 { "+1" } else { "+1*1" };
                vec!["0.5*v"; n / 2].join("+") + tail
            }),
        ),
        ("unary minus", Box::new(|n| format!("{}1", "-".repeat(n)))),
        (
            "brackets",
            Box::new(|n| format!("{}1{}", "(".repeat(n), ")".repeat(n))),
        ),
        (
            "calls",
            Box::new(|n| format!("{}1{}", "abs(".repeat(n), ")".repeat(n))),
        ),
    ]
}

#[test]
fn the_deepest_code_allowed_goes_through_every_stage_on_a_small_stack() {
    for (shape, body) in deep_bodies() {
        for method in ["euler", "exact", "rk4"] {
            let model = deep_model(&*body, method, None);
            let what = format!("{shape}, {method}");
            let w = what.clone();
            let result = on_small_stack(&what, Duration::from_secs(60), move || {
                (
                    check(&model),
                    run(&model, BackendChoice::Jit),
                    run(&model, BackendChoice::Interpreter),
                )
            });
            assert_eq!(result.0, Ok(()), "{w}: check");
            assert_eq!(result.1, Ok(()), "{w}: run (JIT)");
            assert_eq!(result.2, Ok(()), "{w}: run (interpreter)");
        }
    }
}

#[test]
fn code_one_level_too_deep_is_refused_where_it_is() {
    for (shape, body) in deep_bodies() {
        for (place, _) in PLACES {
            let model = deep_model(&*body, "euler", Some(place));
            let what = format!("{shape} one level too deep in the {place}");
            let e = on_small_stack(&what, Duration::from_secs(10), move || check(&model));
            let e = e.expect_err(&what);
            assert!(
                e.starts_with("too-deep:") && e.contains(&MAX_DEPTH.to_string()),
                "{what}: {e}"
            );
        }
    }
}

#[test]
fn hostile_depths_and_lengths_are_refused_in_seconds() {
    let models = [
        format!("{}v", "-".repeat(50_000)),
        format!("({})", vec!["1"; 20_000].join("+")),
        format!("{}v{}", "(".repeat(50_000), ")".repeat(50_000)),
    ]
    .map(|body| deep_model(&|_| body.clone(), "euler", None));
    for model in models {
        let e = on_small_stack("hostile", Duration::from_secs(10), move || {
            (check(&model), run(&model, BackendChoice::Jit))
        });
        assert!(
            e.0.as_ref().is_err_and(|e| e.starts_with("too-deep:")),
            "{e:?}"
        );
        assert_eq!(e.0, e.1);
    }
}

/// A group whose equations are `model` (integrated by `method`), recording `v`.
fn group_model(model: &str, method: &str) -> String {
    format!(
        r#"[run]
duration = "0.3*ms"

[groups.G]
N = 3
model = """
{model}
"""
method = "{method}"

[monitors.M]
kind = "state"
source = "G"
variables = ["v"]
record = true
"#
    )
}

#[test]
fn subexpressions_substituted_into_a_tree_too_large_are_refused_in_seconds() {
    // Each subexpression reads the one before twice: 2^40 nodes once substituted.
    let mut model = String::from("dv/dt = -s40/(10*ms) : 1\ns0 = v : 1\n");
    for k in 1..=40 {
        model += &format!("s{k} = s{} + s{} : 1\n", k - 1, k - 1);
    }
    let model = group_model(&model, "euler");
    let e = on_small_stack("doubling", Duration::from_secs(10), move || {
        (check(&model), run(&model, BackendChoice::Jit))
    });
    let message = e.0.clone().expect_err("refused");
    assert!(
        message.starts_with("inlined-too-large: `s16`")
            && message.contains(&ganglion_syntax::limits::MAX_INLINED_NODES.to_string()),
        "{message}"
    );
    assert_eq!(e.0, e.1);
}

#[test]
fn the_deepest_substituted_trees_allowed_go_through_every_stage_on_a_small_stack() {
    // s1: 990 levels; s2 reads it at the bottom of a sum of 990 more; the equation adds 3.
    let ones = |n: usize| vec!["1"; n].join(" + ");
    let model = format!(
        "dv/dt = -(v + s2)/(10*ms) : 1\ns1 = {} : 1\ns2 = s1 + {} : 1",
        ones(990),
        ones(989)
    );
    for method in ["euler", "exact", "rk4"] {
        let model = group_model(&model, method);
        let r = on_small_stack(method, Duration::from_secs(60), move || {
            (
                check(&model),
                run(&model, BackendChoice::Jit),
                run(&model, BackendChoice::Interpreter),
            )
        });
        assert_eq!(r, (Ok(()), Ok(()), Ok(())), "{method}");
    }
    let too_deep = format!(
        "dv/dt = -(v + s3)/(10*ms) : 1\ns1 = {} : 1\ns2 = s1 + {} : 1\ns3 = s2 + {} : 1",
        ones(990),
        ones(989),
        ones(30)
    );
    let e = check(&group_model(&too_deep, "euler")).expect_err("too deep");
    assert!(e.starts_with("inlined-too-large: `s3`"), "{e}");
}

/// A group of `n` neurons (`v` integrated) and whatever `more` adds, as a model file.
fn sized_model(n: &str, more: &str) -> String {
    format!(
        r#"[run]
duration = "1*ms"

[groups.G]
N = {n}
model = "dv/dt = -v/(10*ms) : 1"
threshold = "v > 1"
reset = "v = 0"

{more}
"#
    )
}

/// Asserts that `check` and `run` both refuse `model` as too large for memory, in under a second each,
/// and that the message names the estimate and what to change.
fn refused_as_too_large(what: &str, model: String) {
    let e = on_small_stack(what, Duration::from_secs(2), move || {
        (check(&model), run(&model, BackendChoice::Jit))
    });
    let message = e.0.clone().expect_err(what);
    assert!(
        message.contains("would need about") && message.contains("use fewer neurons"),
        "{what}: {message}"
    );
    assert_eq!(e.0, e.1, "{what}");
}

#[test]
fn models_too_large_for_memory_are_refused_before_anything_is_allocated() {
    refused_as_too_large("N = 10^12", sized_model("1000000000000", ""));
    // 16 GB per variable: refused wherever the limit is below the estimate (any machine but a large
    // server; the estimate itself is checked below).
    let n = 2_000_000_000.0;
    if ganglion::memory::memory_limit().is_some_and(|l| (l as f64) < n * 8.0 * 5.0) {
        refused_as_too_large("N = 2*10^9", sized_model("2000000000", ""));
    }
    let connect = |how: &str| {
        format!(
            "[groups.H]\nN = 100000\nmodel = \"x : 1\"\n\n[synapses.S]\nsource = \"G\"\ntarget = \"H\"\n\
             model = \"w : 1\"\non_pre = \"x_post += w\"\n\n[[synapses.S.connect]]\n{how}\n"
        )
    };
    refused_as_too_large(
        "p = 1 on 10^5 x 10^5",
        sized_model("100000", &connect("p = 1.0")),
    );
    refused_as_too_large(
        "every pair of 10^5 x 10^5",
        sized_model("100000", &connect("condition = \"i != j\"")),
    );
    // A generator whose range is known only when it is evaluated: refused as it is made.
    refused_as_too_large(
        "a range of 10^12 targets per neuron",
        sized_model(
            "10",
            &connect("j = \"k for k in range(0, 1000000000000)\"\nskip_if_invalid = true"),
        ),
    );
    // Recording every neuron's v at every step of a long run.
    refused_as_too_large(
        "a state monitor of 10^6 neurons over 10^7 steps",
        sized_model(
            "1000000",
            "[monitors.M]\nkind = \"state\"\nsource = \"G\"\nvariables = [\"v\"]\nrecord = true\n",
        )
        .replace("duration = \"1*ms\"", "duration = \"1000*second\""),
    );
}

#[test]
fn the_estimate_counts_state_synapses_and_recordings() {
    let text = sized_model("2000000000", "");
    let file = ModelFile::parse("model.toml", &text).unwrap_or_else(|_| panic!("parses"));
    let (plan, _) = ganglion_model::plan_model_file(&file);
    let parts = ganglion::memory::estimate_memory(&plan);
    let bytes: u64 = parts.iter().map(|p| p.bytes).sum();
    // v, lastspike, not_refractory, ... : at least one 8-byte value per neuron for v alone.
    assert!(bytes >= 16_000_000_000, "{parts:?}");
}

#[test]
fn the_api_refuses_groups_and_connect_calls_too_large() {
    let mut net = Network::new(BackendChoice::Interpreter);
    let g = ganglion::NeuronGroup::new(1_000_000_000_000usize, "dv/dt = -v/(10*ms) : 1");
    let e = net.add_group(g).expect_err("too large");
    assert!(e.to_string().contains("would need about"), "{e}");
    let start = Instant::now();
    let model = "dv/dt = -v/(10*ms) : 1";
    let a = net
        .add_group(ganglion::NeuronGroup::new(100_000, model))
        .unwrap();
    let b = net
        .add_group(ganglion::NeuronGroup::new(100_000, model))
        .unwrap();
    let s = net
        .add_synapses(ganglion::Synapses::new(a, b, "w : 1"))
        .unwrap();
    let e = net
        .connect(s, ganglion::Connect::all().p(1.0))
        .expect_err("too many synapses");
    assert!(e.to_string().contains("would need about"), "{e}");
    let range = ganglion::Connect::generator("k for k in range(0, 1000000000000)");
    let e = net
        .connect(s, range.skip_if_invalid(true))
        .expect_err("too many synapses");
    assert!(e.to_string().contains("would need about"), "{e}");
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn check_and_run_refuse_every_malformed_model_file_alike() {
    let dir = ganglion_tests::corpus::workspace_root().join("tests/diagnostics");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 40, "{}", files.len());
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let (checked, ran) = on_small_stack(&name, Duration::from_secs(30), move || {
            (check(&text), run(&text, BackendChoice::Jit))
        });
        assert!(checked.is_err(), "{name}: check passes");
        assert_eq!(checked, ran, "{name}: check and run disagree");
    }
}

#[test]
fn check_refuses_the_methods_run_refuses_with_a_hint_that_fits() {
    let nonlinear = group_model("dv/dt = -v**2/(10*ms) : 1", "exact");
    let e = check(&nonlinear).expect_err("exact on a non-linear equation");
    assert_eq!(Err(e.clone()), run(&nonlinear, BackendChoice::Jit));
    let hint = ganglion_hint(&nonlinear);
    assert!(
        hint.contains("euler") && !hint.contains("noise"),
        "{e}\nhint: {hint}"
    );
    let unknown = group_model("dv/dt = -v/(10*ms) : 1", "rk5");
    let e = check(&unknown).expect_err("rk5");
    assert_eq!(Err(e), run(&unknown, BackendChoice::Jit));
}

/// The hint of the first error building `text` gives.
fn ganglion_hint(text: &str) -> String {
    let file = ModelFile::parse("model.toml", text).unwrap_or_else(|_| panic!("parses"));
    match Network::from_model_file(file, BackendChoice::Jit) {
        Err(Error::Model(d)) => d
            .list()
            .iter()
            .find(|d| d.is_error())
            .and_then(|d| d.hint.clone())
            .unwrap_or_default(),
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("builds"),
    }
}

/// The warnings building `text` gives, as `code: message`.
fn warnings_of(text: &str) -> Vec<String> {
    let file = ModelFile::parse("model.toml", text).unwrap_or_else(|_| panic!("parses"));
    let (net, _) = Network::from_model_file(file, BackendChoice::Jit).expect("builds");
    net.warnings()
        .iter()
        .map(|d| format!("{}: {}", d.code.unwrap_or("-"), d.message))
        .collect()
}

#[test]
fn nan_and_infinity_in_the_namespace_and_initial_values_give_a_warning_or_a_defined_error() {
    let model = |namespace: &str, init: &str| {
        format!(
            "[run]\nduration = \"1*ms\"\n\n[namespace]\n{namespace}\n\n[groups.G]\nN = 2\n\
             model = \"dv/dt = -v/(tau*ms) + rate/second : 1\"\n\n[groups.G.init]\n{init}\n"
        )
    };
    let nan = model("tau = nan\nrate = 1.0", "");
    assert_eq!(
        warnings_of(&nan),
        ["not-finite: the namespace entry `tau` is NaN"]
    );
    let inf = model("tau = 10.0\nrate = inf", "");
    assert_eq!(
        warnings_of(&inf),
        ["not-finite: the namespace entry `rate` is inf"]
    );
    for (what, text) in [
        ("NaN in the namespace", nan),
        ("infinity in the namespace", inf),
        (
            "NaN as an initial value",
            model("tau = 10.0\nrate = 1.0", "v = nan"),
        ),
        (
            "infinity in an initial array",
            model("tau = 10.0\nrate = 1.0", "v = [1.0, -inf]"),
        ),
        (
            "an overflowing initial value",
            model("tau = 10.0\nrate = 1.0", "v = \"1e308*10\""),
        ),
    ] {
        for backend in [BackendChoice::Jit, BackendChoice::Interpreter] {
            let e = run(&text, backend).expect_err(what);
            assert!(
                ["became NaN", "became inf", "became -inf"]
                    .iter()
                    .any(|b| e.contains(b)),
                "{what}: {e}"
            );
        }
    }
}

#[test]
fn out_of_range_indices_are_refused_where_they_are_written() {
    let base = |more: &str| sized_model("2", more);
    let synapses = "[synapses.S]\nsource = \"G\"\ntarget = \"G\"\non_pre = \"v_post += 1\"\n\n[[synapses.S.connect]]\n";
    for (what, text, expected) in [
        (
            "a recorded index",
            base(
                "[monitors.M]\nkind = \"state\"\nsource = \"G\"\nvariables = [\"v\"]\nrecord = [0, 5]\n",
            ),
            "index 5 is out of range",
        ),
        (
            "an explicit pair",
            base(&format!("{synapses}i = [0, 1]\nj = [1, 7]\n")),
            "outside the 2 x 2 neurons",
        ),
        (
            "a generated target",
            base(&format!("{synapses}j = \"i + 5\"\n")),
            "outside the target's 2 neurons",
        ),
        (
            "an indexed initial value",
            base("[groups.G.init]\n\"v[7]\" = \"1\"\n"),
            "",
        ),
    ] {
        let t = text.clone();
        let (c, r) = on_small_stack(what, Duration::from_secs(10), move || {
            (check(&t), run(&t, BackendChoice::Jit))
        });
        let e = c.clone().expect_err(what);
        assert!(e.contains(expected), "{what}: {e}");
        assert_eq!(c, r, "{what}");
    }
    // A slice past the end is cut at the end, as Python's (and Brian2's) slices are.
    let slice = base("[monitors.M]\nkind = \"spike\"\nsource = \"G[1:9]\"\n");
    assert_eq!(run(&slice, BackendChoice::Jit), Ok(()));
}

#[test]
fn many_objects_and_large_arrays_give_a_result_or_an_error_in_seconds() {
    // 10^4 segments.
    let mut segments = sized_model("2", "").replace("duration = \"1*ms\"\n", "");
    for _ in 0..10_000 {
        segments += "\n[[segments]]\nduration = \"0.1*ms\"\n";
    }
    // 10^4 groups.
    let mut groups = String::from("[run]\nduration = \"0.1*ms\"\n");
    for k in 0..10_000 {
        groups += &format!("\n[groups.G{k}]\nN = 1\nmodel = \"dv/dt = -v/(10*ms) : 1\"\n");
    }
    // An initial array of 10^6 values, one too many.
    let values = vec!["0.5"; 1_000_001].join(",");
    let array = sized_model("1000000", &format!("[groups.G.init]\nv = [{values}]\n"));
    for (what, text, ok, limit) in [
        ("10^4 segments", segments, true, 60),
        ("10^4 groups", groups, true, 120),
        ("an array of 10^6 values", array, false, 60),
    ] {
        let r = on_small_stack(what, Duration::from_secs(limit), move || {
            run(&text, BackendChoice::Interpreter)
        });
        assert_eq!(r.is_ok(), ok, "{what}: {r:?}");
    }
}

#[test]
fn integer_division_by_zero_and_int_of_nan_give_the_same_defined_values_on_both_backends() {
    let text = r#"[run]
duration = "0.3*ms"

[groups.G]
N = 3
model = """
x : 1
q : integer
r : integer
c : integer
"""

[groups.G.init]
x = [0.0, 1.0, -1.0]

[[groups.G.run_regularly]]
code = """
q = (i + 7) // (i * 0)
r = (i + 7) % (i * 0)
c = int(x / 0.0 * 0.0) + int(x / 0.0)
"""

[monitors.M]
kind = "state"
source = "G"
variables = ["q", "r", "c"]
record = true
"#;
    let values = |backend| {
        let file = ModelFile::parse("model.toml", text).unwrap_or_else(|_| panic!("parses"));
        let (mut net, plan) = Network::from_model_file(file, backend).expect("builds");
        net.run(plan.segments[0].duration).expect("runs");
        let g = net.groups()[0];
        net.group_state(g)
            .into_iter()
            .filter(|(n, ..)| ["q", "r", "c"].contains(&n.as_str()))
            .map(|(n, v, _)| (n, v.iter().map(|x| x.to_bits()).collect::<Vec<_>>()))
            .collect::<Vec<_>>()
    };
    let jit = values(BackendChoice::Jit);
    assert_eq!(jit, values(BackendChoice::Interpreter));
    assert_eq!(jit.len(), 3, "{jit:?}");
}

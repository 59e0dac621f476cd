//! A fuzzer that runs models, not only parses them: model files generated from a small grammar of
//! Brian2's language (random equations, thresholds, resets, synapses, monitors, methods, hostile
//! numbers and sizes) and corpus files mutated token by token, each built and run for a few steps on the
//! JIT and on the interpreter. A run must not panic or abort, both backends must agree (the same first
//! error, or the same bits everywhere), and `check` must refuse whatever `run` refuses.
//!
//! `cargo run --release -p ganglion-tests --example fuzz_models -- SEED SECONDS [FAILURES_DIR]`
//! prints executions, failures and the time taken; each failing model is written to FAILURES_DIR
//! (default `fuzz-failures/`). The run is recorded in `docs/limits.md`.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use ganglion::{BackendChoice, Error, Network};
use ganglion_modelfile::{LoadError, ModelFile};
use ganglion_tests::compare::fingerprint;

/// SplitMix64: a small, seedable generator (no dependency).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
}

/// A random number as model code, hostile ones included.
fn number(r: &mut Rng) -> String {
    r.pick(&[
        "0",
        "1",
        "2",
        "0.5",
        "-3",
        "1e-300",
        "1e300",
        "1e308",
        "7",
        "0.0",
        "-0.0",
        "3.14159",
        "1e-9",
        "100",
        "2147483648",
        "9007199254740993",
    ])
    .to_string()
}

/// A random dimensionless expression of depth at most `depth` over `vars`.
fn expr(r: &mut Rng, vars: &[&str], depth: usize) -> String {
    if depth == 0 || r.chance(0.3) {
        return if r.chance(0.5) {
            r.pick(vars).to_string()
        } else {
            number(r)
        };
    }
    let a = expr(r, vars, depth - 1);
    let b = expr(r, vars, depth - 1);
    match r.below(14) {
        0 => format!("({a} + {b})"),
        1 => format!("({a} - {b})"),
        2 => format!("({a} * {b})"),
        3 => format!("({a} / {b})"),
        4 => format!("({a} // {b})"),
        5 => format!("({a} % {b})"),
        6 => format!("({a} ** {b})"),
        7 => format!("-{a}"),
        8 => format!(
            "{}({a})",
            r.pick(&[
                "exp", "log", "sqrt", "sin", "abs", "floor", "ceil", "tanh", "int", "sign"
            ])
        ),
        9 => format!("clip({a}, {b}, 1)"),
        10 => format!("({a} * int({b} > 0))"),
        11 => format!("int({a} > {b})"),
        12 => format!("int(({a} < {b}) and not ({a} == {b}))"),
        _ => format!("exprel({a})"),
    }
}

/// A generated model file.
fn generated(r: &mut Rng) -> String {
    let n = r.pick(&["1", "2", "3", "10", "33", "64"]);
    let method = r.pick(&[
        "euler",
        "rk2",
        "rk4",
        "exact",
        "heun",
        "milstein",
        "exponential_euler",
        "linear",
    ]);
    let vars = ["v", "w", "(t/ms)", "i", "N", "(dt/ms)"];
    let noise = if r.chance(0.2) { " + xi*ms**-0.5" } else { "" };
    let linear = r.chance(0.5);
    let dv = if linear {
        format!(
            "(-v + {})/(10*ms){noise}",
            expr(r, &["w", "i", "(t/ms)"], 2)
        )
    } else {
        format!("({})/ms{noise}", expr(r, &vars, 3))
    };
    let dw = format!("({})/(5*ms)", expr(r, &["v", "w", "i"], 2));
    let threshold = format!("v > {}", expr(r, &["w", "i"], 1));
    let reset = format!(
        "v = {}\nw += {}",
        expr(r, &["v", "w", "i"], 2),
        expr(r, &["v", "w"], 1)
    );
    let refractory = r.pick(&["0*ms", "1*ms", "v > 100", "dt"]);
    let mut text = format!(
        r#"[run]
duration = "{}"
dt = "{}"
seed = {}

[groups.G]
N = {n}
model = """
dv/dt = {dv} : 1 (unless refractory)
dw/dt = {dw} : 1
s = {} : 1
"""
method = "{method}"
threshold = "{threshold}"
reset = """
{reset}
"""
refractory = "{refractory}"

[groups.G.init]
v = "{}"
w = "{}"
"#,
        r.pick(&["0.3*ms", "1*ms", "0*ms", "0.05*ms"]),
        r.pick(&["0.1*ms", "0.01*ms", "1*ms"]),
        r.below(1000),
        expr(r, &["v", "w", "i"], 2),
        expr(r, &["i", "N"], 2),
        expr(r, &["i"], 1),
    );
    if r.chance(0.5) {
        let on_pre = format!("v_post += {}", expr(r, &["w_pre", "v_post", "i", "j"], 2));
        let connect = match r.below(5) {
            0 => "p = 0.5".to_string(),
            1 => format!(
                "condition = \"{}\"",
                r.pick(&["i != j", "i == j", "i < j", "abs(i - j) <= 1"])
            ),
            2 => {
                format!(
                    "j = \"{}\"",
                    r.pick(&[
                        "i",
                        "i + 1",
                        "k for k in range(i - 1, i + 2)",
                        "N_post - 1 - i"
                    ])
                ) + "\nskip_if_invalid = true"
            }
            3 => "i = [0, 0]\nj = [0, 0]".to_string(),
            _ => "p = 1.0".to_string(),
        };
        text += &format!(
            r#"
[synapses.S]
source = "G"
target = "G"
model = "x : 1"
on_pre = "{on_pre}"
delay = "{}"

[[synapses.S.connect]]
{connect}
"#,
            r.pick(&["0*ms", "0.2*ms", "1*ms"])
        );
    }
    text += r#"
[monitors.spikes]
kind = "spike"
source = "G"

[monitors.trace]
kind = "state"
source = "G"
variables = ["v", "w", "s"]
record = true
"#;
    if r.chance(0.3) {
        let start = text.find("duration = ").expect("a duration");
        let end = start + text[start..].find('\n').expect("a line");
        text.replace_range(start..=end, "");
        text += "\n[[segments]]\nduration = \"0.2*ms\"\n\n[[segments]]\nduration = \"0.1*ms\"\n[segments.set]\n\"G.w\" = \"1\"\n";
    }
    text
}

/// A corpus model file with a few of its tokens replaced, deleted or repeated.
fn mutated(r: &mut Rng, corpus: &[String]) -> String {
    let base = &corpus[r.below(corpus.len())];
    let tokens: Vec<&str> = base
        .split_inclusive(|c: char| !c.is_alphanumeric() && c != '_' && c != '.')
        .collect();
    let mut out: Vec<String> = tokens.iter().map(|t| t.to_string()).collect();
    for _ in 0..1 + r.below(3) {
        if out.is_empty() {
            break;
        }
        let k = r.below(out.len());
        match r.below(5) {
            0 => out[k] = number(r) + " ",
            1 => {
                out.remove(k);
            }
            2 => {
                let t = out[k].clone();
                out.insert(k, t);
            }
            3 => {
                out[k] = r
                    .pick(&["(", ")", "-", "**", "//", "*", "nan", "inf", "\"", "[", "]"])
                    .to_string()
            }
            _ => {
                out[k] = r
                    .pick(&["v", "i", "N", "dt", "t", "rand()", "xi", "1e308"])
                    .to_string()
            }
        }
    }
    let mut text = out.concat();
    // A few steps at most: shorten every duration.
    for d in ["duration = \"", "duration = '"] {
        let mut from = 0;
        while let Some(k) = text[from..].find(d) {
            let start = from + k + d.len();
            let end = text[start..]
                .find(['"', '\''])
                .map_or(text.len(), |e| start + e);
            text.replace_range(start..end, "0.3*ms");
            from = start;
        }
    }
    text
}

/// The first error, `code: message`.
fn first(e: &Error) -> String {
    e.diagnostics()
        .iter()
        .find(|d| d.is_error())
        .map(|d| format!("{}: {}", d.code.unwrap_or("-"), d.message))
        .unwrap_or_else(|| e.to_string())
}

/// Builds and runs `text` on `backend`: the bits it leaves, or its first error.
fn run(
    text: &str,
    backend: BackendChoice,
    only_check: bool,
) -> Result<Vec<(String, Vec<u64>)>, String> {
    let file = match ModelFile::parse("model.toml", text) {
        Ok(f) => f,
        Err(LoadError::Invalid { diagnostics, .. }) => {
            return Err(diagnostics
                .iter()
                .find(|d| d.is_error())
                .map(|d| d.message.clone())
                .unwrap_or_default());
        }
        Err(LoadError::Io(e)) => return Err(e.to_string()),
    };
    let (mut net, plan) = Network::from_model_file(file, backend).map_err(|e| first(&e))?;
    net.run(0.0).map_err(|e| first(&e))?;
    if only_check {
        return Ok(Vec::new());
    }
    for segment in &plan.segments {
        for op in &segment.set {
            net.apply(op).map_err(|e| first(&e))?;
        }
        net.run(segment.duration.min(2e-3)).map_err(|e| first(&e))?;
    }
    Ok(fingerprint(&net))
}

/// What went wrong with one model, if anything (`Ok(true)`: it built and ran, `Ok(false)`: both
/// backends refused it alike).
fn verdict(text: &str) -> Result<bool, String> {
    let outcome = std::panic::catch_unwind(|| {
        let check = run(text, BackendChoice::Jit, true);
        let jit = run(text, BackendChoice::Jit, false);
        let interp = run(text, BackendChoice::Interpreter, false);
        (check, jit, interp)
    });
    let (check, jit, interp) = match outcome {
        Ok(x) => x,
        Err(p) => {
            let msg = p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            return Err(format!("panic: {msg}"));
        }
    };
    match (&jit, &interp) {
        (Ok(a), Ok(b)) if a != b => {
            let differ: Vec<&String> = a
                .iter()
                .zip(b)
                .filter(|(x, y)| x != y)
                .map(|(x, _)| &x.0)
                .collect();
            return Err(format!("the backends differ in {differ:?}"));
        }
        (Ok(_), Err(e)) | (Err(e), Ok(_)) => return Err(format!("one backend fails: {e}")),
        (Err(a), Err(b)) if a != b && !(a.contains("became") && b.contains("became")) => {
            return Err(format!("the backends fail differently: {a} / {b}"));
        }
        _ => {}
    }
    // `check` builds as `run` does and runs no time: it refuses what run refuses before the first step.
    if let (Ok(_), Err(e)) = (&check, &jit)
        && !e.contains("became")
    {
        return Err(format!("check passes, run fails: {e}"));
    }
    if let Err(e) = &jit
        && std::env::var_os("FUZZ_VERBOSE").is_some()
    {
        println!("refused: {e}");
    }
    Ok(jit.is_ok())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let seed: u64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(1);
    let seconds: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(60);
    let failures = PathBuf::from(args.get(3).map_or("fuzz-failures", String::as_str));
    // Small corpus models (a few steps of the large networks take seconds each in themselves).
    let corpus: Vec<String> = ganglion_tests::corpus::model_files()
        .iter()
        .filter(|p| ModelFile::load(p).is_ok_and(|f| ganglion_tests::corpus::neurons(&f) <= 2000))
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .filter(|t| !t.contains(".npy"))
        .collect();
    // Panics are caught and counted; their messages would only repeat what the report says.
    std::panic::set_hook(Box::new(|_| {}));
    let mut r = Rng(seed);
    let start = Instant::now();
    let (mut executions, mut failed, mut built, mut refused) = (0u64, 0u64, 0u64, 0u64);
    while start.elapsed() < Duration::from_secs(seconds) {
        let text = if r.chance(0.6) {
            generated(&mut r)
        } else {
            mutated(&mut r, &corpus)
        };
        executions += 1;
        if std::env::var_os("FUZZ_SHOW").is_some() {
            println!("{text}");
        }
        // A watchdog: one model taking over a minute is a hang, reported with the model.
        let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let watch = {
            let (done, text, failures) = (done.clone(), text.clone(), failures.clone());
            std::thread::spawn(move || {
                let t0 = Instant::now();
                while !done.load(std::sync::atomic::Ordering::Relaxed) {
                    if t0.elapsed() > Duration::from_secs(60) {
                        let _ = std::fs::create_dir_all(&failures);
                        let path = failures.join(format!("{seed}-{executions}-hang.toml"));
                        let _ = std::fs::write(&path, &text);
                        println!("HANG {}: over 60 s", path.display());
                        std::process::exit(2);
                    }
                    std::thread::sleep(Duration::from_millis(100));
                }
            })
        };
        let outcome = verdict(&text);
        done.store(true, std::sync::atomic::Ordering::Relaxed);
        let _ = watch.join();
        match outcome {
            Ok(true) => built += 1,
            Ok(false) => refused += 1,
            Err(why) => {
                failed += 1;
                std::fs::create_dir_all(&failures).expect("a folder for failures");
                let path = failures.join(format!("{seed}-{executions}.toml"));
                let note: String = why.lines().map(|l| format!("# {l}\n")).collect();
                std::fs::write(&path, format!("{note}{text}"))
                    .expect("the failing model is written");
                println!("FAIL {}: {why}", path.display());
            }
        }
        if executions % 500 == 0 {
            println!(
                "{executions} executions in {:.0} s: {built} built and ran, {refused} refused, {failed} failures",
                start.elapsed().as_secs_f64()
            );
        }
    }
    println!(
        "seed {seed}: {executions} executions in {:.1} s: {built} built and ran on both backends, {refused} refused with the same error, {failed} failures",
        start.elapsed().as_secs_f64()
    );
    if failed > 0 {
        std::process::exit(1);
    }
}

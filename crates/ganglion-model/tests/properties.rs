//! Property tests: checking never panics on anything the parser makes of arbitrary text, and every
//! diagnostic points inside the code string it belongs to.
//!
//! The text is a soup of the model language's own tokens (names, reserved names, units, `xi`, flags,
//! operators, numbers, line breaks, `d<name>/dt`) plus a few characters it does not know, so that most inputs
//! get past the lexer and exercise the parser's recovery and every stage of the checker.

use ganglion_model::{
    Code, EventSpec, ExternalValue, Location, Namespace, NeuronGroupSpec, OnEventSpec,
    RefractorySpec, check_model_file, check_neuron_group,
};
use ganglion_modelfile::{LoadError, ModelFile};
use ganglion_syntax::{Diagnostic, SourceMap, Span};
use ganglion_units::{Dimension, Quantity};
use proptest::prelude::*;

const TOKENS: &[&str] = &[
    // names: the group's own, externals, reserved, refractoriness, synapse suffixes
    "v",
    "w",
    "x",
    "I",
    "ge",
    "tau",
    "tau_ge",
    "El",
    "_v",
    "v_pre",
    "t",
    "dt",
    "i",
    "N",
    "t_in_timesteps",
    "lastspike",
    "not_refractory",
    "refractory",
    "for",
    "unknown",
    // units and unit-spec words
    "volt",
    "mV",
    "ms",
    "second",
    "Hz",
    "amp",
    "nA",
    "siemens",
    "metre",
    "cm",
    "farad",
    "mmolar",
    "1",
    "boolean",
    "integer",
    "bool",
    "voltage",
    // noise
    "xi",
    "xi_1",
    "xi_2",
    // flags
    "(unless refractory)",
    "(constant)",
    "(shared)",
    "(constant over dt)",
    "(linked)",
    "(flag)",
    "(shared, constant)",
    "(linked, constant)",
    // functions
    "exp(",
    "sin(",
    "sqrt(",
    "log(",
    "clip(",
    "int(",
    "abs(",
    "rand()",
    "randn()",
    "timestep(",
    "exprel(",
    "ceil(",
    "sign(",
    "poisson(",
    // operators and punctuation
    "+",
    "-",
    "*",
    "/",
    "//",
    "%",
    "**",
    "(",
    ")",
    ":",
    "=",
    ",",
    "<",
    ">",
    "<=",
    ">=",
    "==",
    "!=",
    "and",
    "or",
    "not",
    "True",
    "False",
    "+=",
    "-=",
    "*=",
    "/=",
    "**=",
    "//=",
    "%=",
    ";",
    "#",
    "\n",
    "\n",
    "\n",
    // numbers
    "0",
    "2",
    "2.5",
    "1e-3",
    ".5",
    "99999999999999999999",
    "1.",
    // derivatives
    "dv/dt",
    "dw/dt",
    "dx/dt",
    "dxi/dt",
    "ddt/dt",
    "d/dt",
    // things the language does not have
    "^",
    "&",
    "|",
    "[",
    "]",
    ".",
    "'a'",
    "ü",
    "@",
    "!",
    "{",
    "<<",
    ">>=",
    "\\\n",
    "\t",
];

fn token() -> impl Strategy<Value = &'static str> {
    prop::sample::select(TOKENS)
}

/// Tokens joined by spaces or by nothing.
fn soup(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec((token(), any::<bool>()), 0..max).prop_map(|toks| {
        let mut s = String::new();
        for (t, space) in toks {
            s.push_str(t);
            if space {
                s.push(' ');
            }
        }
        s
    })
}

/// An expression built from the language's parts, well formed most of the time, so that checking gets
/// past the parser and into names, units, types and noise.
fn expr() -> impl Strategy<Value = String> {
    let atom = prop::sample::select(
        &[
            "v",
            "w",
            "x",
            "I",
            "ge",
            "n",
            "s",
            "tau",
            "El",
            "n_ext",
            "t",
            "dt",
            "i",
            "N",
            "xi",
            "xi_1",
            "xi_2",
            "lastspike",
            "not_refractory",
            "undefined",
            "1",
            "2.5",
            "0",
            "-3",
            "1e-3",
            "mV",
            "ms",
            "volt",
            "second",
            "Hz",
            "nA",
            "True",
            "False",
            "pi",
            "inf",
            "rand()",
            "randn()",
            "exp",
            "2*mV",
            "10*ms",
            "sqrt(ms)",
        ][..],
    )
    .prop_map(String::from);
    atom.prop_recursive(4, 24, 3, |inner| {
        prop_oneof![
            (
                inner.clone(),
                prop::sample::select(
                    &[
                        "+", "-", "*", "/", "//", "%", "**", "<", ">", "<=", "==", "!=", " and ",
                        " or ",
                    ][..]
                ),
                inner.clone()
            )
                .prop_map(|(a, op, b)| format!("{a}{op}{b}")),
            (prop::sample::select(&["-", "not ", "+"][..]), inner.clone())
                .prop_map(|(op, a)| format!("{op}{a}")),
            inner.clone().prop_map(|a| format!("({a})")),
            (
                prop::sample::select(
                    &[
                        "exp", "sqrt", "sin", "abs", "int", "log", "floor", "sign", "exprel"
                    ][..]
                ),
                inner.clone()
            )
                .prop_map(|(f, a)| format!("{f}({a})")),
            (inner.clone(), inner.clone(), inner.clone())
                .prop_map(|(a, b, c)| format!("clip({a}, {b}, {c})")),
            inner.clone().prop_map(|a| format!("timestep({a}, dt)")),
        ]
    })
}

/// An expression, or now and then a soup of tokens.
fn code_text(max: usize) -> impl Strategy<Value = String> {
    prop_oneof![4 => expr(), 1 => soup(max)]
}

/// A unit specification, mostly valid.
fn unit() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(
            &[
                "volt", "1", "second", "amp", "siemens/metre**2", "boolean", "integer", "volt**2",
                "second**-0.5", "hertz", "1/second", "mV", "2*volt", "bool", "volt second",
            ][..]
        )
        .prop_map(String::from),
        1 => soup(3),
    ]
}

/// Flags after a unit, mostly one of Brian2's.
fn flags() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(
            &[
                "", "", "", "(unless refractory)", "(constant)", "(shared)", "(constant over dt)",
                "(linked)", "(shared, constant over dt)", "(linked, shared)", "(flag)",
            ][..]
        )
        .prop_map(String::from),
        1 => soup(2),
    ]
}

/// Statements for a reset or event code.
fn statements() -> impl Strategy<Value = String> {
    let statement = (
        prop::sample::select(&["v", "w", "x", "I", "n", "s", "tmp", "t", "lastspike"][..]),
        prop::sample::select(&["=", "+=", "-=", "*=", "/=", "//=", "%=", "**="][..]),
        code_text(6),
    )
        .prop_map(|(t, op, e)| format!("{t} {op} {e}"));
    prop::collection::vec(prop_oneof![4 => statement, 1 => soup(8)], 0..4)
        .prop_map(|s| s.join("\n"))
}

/// Model text: equations of the three kinds with generated parts, mixed with raw soup lines.
fn model_text() -> impl Strategy<Value = String> {
    let names = || prop::sample::select(&["v", "w", "x", "I", "ge", "n", "s", "t", "xi", "_v"][..]);
    let line = prop_oneof![
        3 => (names(), code_text(8), unit(), flags())
            .prop_map(|(n, e, u, f)| format!("d{n}/dt = {e} : {u} {f}")),
        3 => (names(), code_text(8), unit(), flags())
            .prop_map(|(n, e, u, f)| format!("{n} = {e} : {u} {f}")),
        3 => (names(), unit(), flags()).prop_map(|(n, u, f)| format!("{n} : {u} {f}")),
        1 => soup(12),
    ];
    prop::collection::vec(line, 0..6).prop_map(|lines| lines.join("\n"))
}

#[derive(Debug, Clone)]
struct Case {
    model: String,
    threshold: Option<String>,
    reset: Option<String>,
    refractory: Option<String>,
    event: Option<(String, String)>,
    on_event: Option<(String, String)>,
}

fn case() -> impl Strategy<Value = Case> {
    (
        model_text(),
        prop::option::weighted(0.8, code_text(10)),
        prop::option::of(statements()),
        prop::option::of(code_text(5)),
        prop::option::of((
            prop::sample::select(&["e", "spike", "1e", ""][..]),
            code_text(6),
        )),
        prop::option::of((
            prop::sample::select(&["e", "spike", "other"][..]),
            statements(),
        )),
    )
        .prop_map(
            |(model, threshold, reset, refractory, event, on_event)| Case {
                model,
                threshold,
                reset,
                refractory,
                event: event.map(|(n, c)| (n.to_string(), c)),
                on_event: on_event.map(|(n, c)| (n.to_string(), c)),
            },
        )
}

/// Every diagnostic has a source, its span lies inside that source's text on character boundaries, and the
/// whole set renders.
fn assert_spans_inside(map: &SourceMap, diagnostics: &[Diagnostic]) -> Result<(), TestCaseError> {
    for d in diagnostics {
        let source = d
            .source
            .ok_or_else(|| TestCaseError::fail(format!("no source: {d:?}")))?;
        let text = map.text(source);
        let spans = std::iter::once(d.span).chain(d.secondary.iter().map(|(s, _)| *s));
        for Span { start, end } in spans {
            prop_assert!(
                start <= end && end <= text.len(),
                "span {start}..{end} outside {text:?}: {d:?}"
            );
            prop_assert!(
                text.is_char_boundary(start) && text.is_char_boundary(end),
                "span {start}..{end} splits a character of {text:?}: {d:?}"
            );
        }
        prop_assert!(d.code.is_some(), "diagnostic without a code: {d:?}");
    }
    let _ = map.render(diagnostics, false);
    Ok(())
}

/// A code string registered in `map`.
fn code<'a>(map: &mut SourceMap, name: &str, text: &'a str) -> Code<'a> {
    Code {
        text,
        source: map.add_standalone(name, text),
    }
}

fn run_namespace() -> Namespace {
    let mut ns = Namespace::new();
    ns.insert(
        "tau",
        ExternalValue::quantity(Quantity::new(0.01, Dimension::TIME)),
    );
    ns.insert(
        "tau_ge",
        ExternalValue::quantity(Quantity::new(0.005, Dimension::TIME)),
    );
    ns.insert(
        "El",
        ExternalValue::quantity(Quantity::new(-0.07, Dimension::VOLTAGE)),
    );
    ns.insert("n_ext", ExternalValue::int(3));
    ns
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn checking_a_group_never_panics_and_spans_stay_inside(c in case()) {
        let mut map = SourceMap::new();
        let model = code(&mut map, "model", &c.model);
        let threshold = c.threshold.as_deref().map(|t| code(&mut map, "threshold", t));
        let reset = c.reset.as_deref().map(|t| code(&mut map, "reset", t));
        let refractory = match c.refractory.as_deref() {
            None => RefractorySpec::Time(0.002),
            Some(r) => RefractorySpec::Code(code(&mut map, "refractory", r)),
        };
        let events = c
            .event
            .iter()
            .map(|(name, cond)| EventSpec {
                name,
                name_location: Location {
                    source: map.add_standalone("event", name.as_str()),
                    span: Span::new(0, name.len()),
                },
                condition: code(&mut map, "condition", cond),
            })
            .collect();
        let on_event = c
            .on_event
            .iter()
            .map(|(event, text)| OnEventSpec {
                event,
                event_location: Location {
                    source: map.add_standalone("on_event", event.as_str()),
                    span: Span::new(0, event.len()),
                },
                code: code(&mut map, "on_event code", text),
            })
            .collect();
        let spec = NeuronGroupSpec {
            name: "G",
            n: 3,
            model,
            threshold,
            reset,
            refractory,
            events,
            on_event,
            namespace: Namespace::new(),
            shared_links: vec!["x".into()],
        };
        let (model, diagnostics) = check_neuron_group(&spec, &run_namespace());
        assert_spans_inside(&map, &diagnostics)?;
        // A model comes back exactly when there is no error.
        prop_assert_eq!(model.is_some(), !diagnostics.iter().any(Diagnostic::is_error));
    }

    #[test]
    fn checking_a_model_file_never_panics_and_spans_stay_inside(c in case()) {
        let escape = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"");
        let mut toml = String::from("[namespace]\ntau = \"10*ms\"\n\n[groups.G]\nN = 2\n");
        toml.push_str(&format!("model = \"\"\"\n{}\n\"\"\"\n", escape(&c.model)));
        if let Some(t) = &c.threshold {
            toml.push_str(&format!("threshold = \"\"\"{}\"\"\"\n", escape(t)));
        }
        if let Some(r) = &c.reset {
            toml.push_str(&format!("reset = \"\"\"{}\"\"\"\n", escape(r)));
        }
        if let Some(r) = &c.refractory {
            toml.push_str(&format!("refractory = \"\"\"{}\"\"\"\n", escape(r)));
        }
        if let Some((name, cond)) = &c.event {
            toml.push_str(&format!("events = {{ \"{}\" = \"\"\"{}\"\"\" }}\n", escape(name), escape(cond)));
        }
        if let Some((event, code)) = &c.on_event {
            toml.push_str(&format!(
                "[[groups.G.on_event]]\nevent = \"{}\"\ncode = \"\"\"{}\"\"\"\n",
                escape(event),
                escape(code)
            ));
        }
        match ModelFile::parse("soup.toml", &toml) {
            Ok(file) => {
                let diagnostics = check_model_file(&file);
                assert_spans_inside(&file.sources, &diagnostics)?;
            }
            Err(LoadError::Invalid { sources, diagnostics }) => {
                assert_spans_inside(&sources, &diagnostics)?;
            }
            Err(LoadError::Io(e)) => prop_assert!(false, "{}", e),
        }
    }
}

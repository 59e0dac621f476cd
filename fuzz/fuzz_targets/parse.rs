//! Arbitrary UTF-8 through the three parsers, the NeuronGroup checker and the model-file reader and
//! checker: nothing may panic, and every diagnostic must point inside the code string it belongs to.
//!
//! Run from the workspace root with the corpus of model files as seeds (libFuzzer reads the folders after
//! the first one recursively, without writing to them):
//!
//! ```text
//! cargo fuzz run parse fuzz/corpus/parse examples -- -dict=fuzz/model.dict
//! ```
//!
//! (on a stable toolchain: `RUSTC_BOOTSTRAP=1 cargo fuzz run parse --sanitizer none ...`). `fuzz/model.dict`
//! holds the language's tokens for libFuzzer's `-dict=`.

#![no_main]

use ganglion_model::{
    Code, EventSpec, Location, Namespace, NeuronGroupSpec, OnEventSpec, RefractorySpec,
    check_neuron_group,
};
use ganglion_syntax::{
    Diagnostic, SourceMap, Span, parse_equations, parse_expression, parse_statements,
};
use ganglion_modelfile::{LoadError, ModelFile};
use libfuzzer_sys::fuzz_target;

/// Every diagnostic has a source and a span inside that source's text, on character boundaries.
fn check_spans(map: &SourceMap, diagnostics: &[Diagnostic]) {
    for d in diagnostics {
        let source = d.source.expect("a diagnostic without a source");
        let text = map.text(source);
        for Span { start, end } in std::iter::once(d.span).chain(d.secondary.iter().map(|s| s.0)) {
            assert!(
                start <= end && end <= text.len(),
                "span {start}..{end} outside the text: {d:?}"
            );
            assert!(
                text.is_char_boundary(start) && text.is_char_boundary(end),
                "{d:?}"
            );
        }
    }
    let _ = map.render(diagnostics, false);
}

fn spans_inside(text: &str, spans: impl IntoIterator<Item = Span>) {
    for s in spans {
        assert!(
            s.start <= s.end && s.end <= text.len(),
            "syntax error span {s:?} outside the text"
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };

    // The parsers alone.
    let (_, e) = parse_equations(text);
    spans_inside(text, e.iter().map(|e| e.span()));
    let (_, e) = parse_statements(text);
    spans_inside(text, e.iter().map(|e| e.span()));
    let (_, e) = parse_expression(text);
    spans_inside(text, e.iter().map(|e| e.span()));

    // The text as a group's model.
    let mut map = SourceMap::new();
    let model = Code {
        text,
        source: map.add_standalone("model", text),
    };
    let spec = NeuronGroupSpec {
        name: "G",
        n: 4,
        model,
        threshold: None,
        reset: None,
        refractory: RefractorySpec::None,
        events: Vec::new(),
        on_event: Vec::new(),
        namespace: Namespace::new(),
        shared_links: Vec::new(),
    };
    let (model, diagnostics) = check_neuron_group(&spec, &Namespace::new());
    check_spans(&map, &diagnostics);
    assert_eq!(
        model.is_some(),
        !diagnostics.iter().any(Diagnostic::is_error)
    );

    // The text as the threshold, reset, refractory period, event condition and event code of a group
    // with a few variables.
    let mut map = SourceMap::new();
    let vars = "dv/dt = -v/(10*ms) : volt (unless refractory)\nw : 1 (shared)\nn : integer\ns = 2*v : volt";
    let code = |map: &mut SourceMap, name: &str| Code {
        text,
        source: map.add_standalone(name, text),
    };
    let spec = NeuronGroupSpec {
        name: "G",
        n: 4,
        model: Code {
            text: vars,
            source: map.add_standalone("model", vars),
        },
        threshold: Some(code(&mut map, "threshold")),
        reset: Some(code(&mut map, "reset")),
        refractory: RefractorySpec::Code(code(&mut map, "refractory")),
        events: vec![EventSpec {
            name: "e",
            name_location: Location {
                source: map.add_standalone("event", "e"),
                span: Span::new(0, 1),
            },
            condition: code(&mut map, "condition"),
        }],
        on_event: vec![OnEventSpec {
            event: "e",
            event_location: Location {
                source: map.add_standalone("on_event", "e"),
                span: Span::new(0, 1),
            },
            code: code(&mut map, "event code"),
        }],
        namespace: Namespace::new(),
        shared_links: Vec::new(),
    };
    let (_, diagnostics) = check_neuron_group(&spec, &Namespace::new());
    check_spans(&map, &diagnostics);

    // The text as a whole model file (the seeds, the corpus's files, start here).
    match ModelFile::parse("fuzz.toml", text) {
        Ok(file) => check_spans(&file.sources, &ganglion_model::check_model_file(&file)),
        Err(LoadError::Invalid {
            sources,
            diagnostics,
        }) => check_spans(&sources, &diagnostics),
        Err(LoadError::Io(e)) => panic!("reading from memory failed: {e}"),
    }
});

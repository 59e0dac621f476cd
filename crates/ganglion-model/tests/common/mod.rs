//! A small harness for checking NeuronGroups the way Brian2's tests build them: every code string is
//! registered in a [`SourceMap`], the group is checked with [`check_neuron_group`], and each diagnostic
//! comes back as `(code, text under its span, severity)`, so that tests pin both the kind of problem and
//! the exact text it points at.

#![allow(dead_code)]

use ganglion_model::{
    Code, EventSpec, ExternalValue, Location, Namespace, NeuronGroupModel, NeuronGroupSpec,
    OnEventSpec, RefractorySpec, check_neuron_group, eval_constant, plan_model_file,
};
use ganglion_modelfile::{LoadError, ModelFile};
use ganglion_syntax::{Diagnostic, Severity, SourceMap, Span};

/// One diagnostic, reduced to what tests compare.
pub type Triple = (&'static str, String, Severity);

/// The refractory argument of a group.
#[derive(Clone, Copy, Debug)]
pub enum Refractory {
    /// Brian2's `refractory=False`.
    None,
    /// A time in seconds (`refractory=5*ms`).
    Time(f64),
    /// A string (`refractory="5*ms"`, `"v > 0*mV"`).
    Code(&'static str),
}

/// What a test passes to `NeuronGroup(...)`.
#[derive(Clone, Debug)]
pub struct Group {
    pub model: &'static str,
    pub threshold: Option<&'static str>,
    pub reset: Option<&'static str>,
    pub refractory: Refractory,
    pub events: Vec<(&'static str, &'static str)>,
    pub on_event: Vec<(&'static str, &'static str)>,
    /// The run namespace: names and constant expressions (`("tau", "10*ms")`).
    pub namespace: Vec<(&'static str, &'static str)>,
}

/// `NeuronGroup(1, model)`.
pub fn group(model: &'static str) -> Group {
    Group {
        model,
        threshold: None,
        reset: None,
        refractory: Refractory::None,
        events: Vec::new(),
        on_event: Vec::new(),
        namespace: Vec::new(),
    }
}

impl Group {
    pub fn threshold(mut self, t: &'static str) -> Group {
        self.threshold = Some(t);
        self
    }
    pub fn reset(mut self, r: &'static str) -> Group {
        self.reset = Some(r);
        self
    }
    pub fn refractory(mut self, r: &'static str) -> Group {
        self.refractory = Refractory::Code(r);
        self
    }
    pub fn refractory_time(mut self, seconds: f64) -> Group {
        self.refractory = Refractory::Time(seconds);
        self
    }
    pub fn event(mut self, name: &'static str, condition: &'static str) -> Group {
        self.events.push((name, condition));
        self
    }
    pub fn on_event(mut self, event: &'static str, code: &'static str) -> Group {
        self.on_event.push((event, code));
        self
    }
    pub fn ns(mut self, name: &'static str, value: &'static str) -> Group {
        self.namespace.push((name, value));
        self
    }

    /// Checks the group and reduces the diagnostics to triples.
    pub fn check(&self) -> Checked {
        let mut map = SourceMap::new();
        let mut namespace = Namespace::new();
        for (name, value) in &self.namespace {
            let src = map.add_standalone(format!("<namespace {name}>"), *value);
            let v: ExternalValue = eval_constant(value, src, &[&namespace], name)
                .unwrap_or_else(|d| panic!("bad namespace value {value}: {d:?}"));
            namespace.insert(*name, v);
        }
        let model = Code {
            text: self.model,
            source: map.add_standalone("<model>", self.model),
        };
        let threshold = self.threshold.map(|t| Code {
            text: t,
            source: map.add_standalone("<threshold>", t),
        });
        let reset = self.reset.map(|r| Code {
            text: r,
            source: map.add_standalone("<reset>", r),
        });
        let refractory = match self.refractory {
            Refractory::None => RefractorySpec::None,
            Refractory::Time(s) => RefractorySpec::Time(s),
            Refractory::Code(c) => RefractorySpec::Code(Code {
                text: c,
                source: map.add_standalone("<refractory>", c),
            }),
        };
        let events = self
            .events
            .iter()
            .map(|(name, cond)| EventSpec {
                name,
                name_location: Location {
                    source: map.add_standalone("<event name>", *name),
                    span: Span::new(0, name.len()),
                },
                condition: Code {
                    text: cond,
                    source: map.add_standalone(format!("<event {name}>"), *cond),
                },
            })
            .collect();
        let on_event = self
            .on_event
            .iter()
            .map(|(event, code)| OnEventSpec {
                event,
                event_location: Location {
                    source: map.add_standalone("<on_event event>", *event),
                    span: Span::new(0, event.len()),
                },
                code: Code {
                    text: code,
                    source: map.add_standalone(format!("<on_event {event}>"), *code),
                },
            })
            .collect();
        let spec = NeuronGroupSpec {
            name: "neurongroup",
            n: 1,
            model,
            threshold,
            reset,
            refractory,
            events,
            on_event,
            namespace: Namespace::new(),
            shared_links: Vec::new(),
        };
        let (model, diagnostics) = check_neuron_group(&spec, &namespace);
        Checked {
            triples: triples(&map, &diagnostics),
            diagnostics,
            model,
        }
    }

    /// Checks the group and returns the model, failing the test on any error.
    pub fn ok(&self) -> NeuronGroupModel {
        let c = self.check();
        assert!(
            c.errors().is_empty(),
            "expected no errors for {:?}, got {:?}",
            self.model,
            c.triples
        );
        c.model.expect("a model when there are no errors")
    }

    /// The error triples `(code, text)` (warnings left out).
    pub fn errors(&self) -> Vec<(&'static str, String)> {
        self.check().errors()
    }
}

/// The result of checking.
pub struct Checked {
    pub model: Option<NeuronGroupModel>,
    pub diagnostics: Vec<Diagnostic>,
    pub triples: Vec<Triple>,
}

impl Checked {
    /// `(code, text)` of every error.
    pub fn errors(&self) -> Vec<(&'static str, String)> {
        self.triples
            .iter()
            .filter(|t| t.2 == Severity::Error)
            .map(|t| (t.0, t.1.clone()))
            .collect()
    }

    /// `(code, text)` of every warning.
    pub fn warnings(&self) -> Vec<(&'static str, String)> {
        self.triples
            .iter()
            .filter(|t| t.2 == Severity::Warning)
            .map(|t| (t.0, t.1.clone()))
            .collect()
    }

    /// The messages, for asserting on wording.
    pub fn messages(&self) -> Vec<String> {
        self.diagnostics.iter().map(|d| d.message.clone()).collect()
    }

    /// The hints.
    pub fn hints(&self) -> Vec<String> {
        self.diagnostics
            .iter()
            .filter_map(|d| d.hint.clone())
            .collect()
    }
}

/// Reduces diagnostics to triples; every diagnostic must carry a code and a source, and its span must
/// lie inside that source's text.
pub fn triples(map: &SourceMap, diagnostics: &[Diagnostic]) -> Vec<Triple> {
    diagnostics
        .iter()
        .map(|d| {
            let code = d
                .code
                .unwrap_or_else(|| panic!("diagnostic without a code: {d:?}"));
            let source = d
                .source
                .unwrap_or_else(|| panic!("diagnostic without a source: {d:?}"));
            let text = map.text(source);
            let under = text
                .get(d.span.range())
                .unwrap_or_else(|| panic!("span {:?} outside {text:?}: {d:?}", d.span));
            (code, under.to_string(), d.severity)
        })
        .collect()
}

/// Reads and checks a model file given as text; returns the triples of every diagnostic (format errors
/// included).
pub fn check_file(text: &str) -> Vec<Triple> {
    match ModelFile::parse("model.toml", text) {
        Ok(file) => {
            let (_, diagnostics) = plan_model_file(&file);
            triples(&file.sources, &diagnostics)
        }
        Err(LoadError::Invalid {
            sources,
            diagnostics,
        }) => triples(&sources, &diagnostics),
        Err(LoadError::Io(e)) => panic!("{e}"),
    }
}

/// `(code, text)` pairs from string literals, for comparing with [`Checked::errors`].
pub fn pairs(list: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
    list.iter().map(|(c, t)| (*c, t.to_string())).collect()
}

//! Diagnostics and the one place that renders them.
//!
//! Every stage (syntax, semantics, the model file, the runtime) reports problems as [`Diagnostic`]s: a
//! severity, a message, the span it points at in a piece of code, a hint, and notes. Spans are relative to
//! the code string that was parsed; a [`SourceMap`] knows where each code string came from (a range of a
//! model file, or a string passed through the Rust API) and [`SourceMap::render`] turns diagnostics into
//! the familiar `file:line:column` text with the source line and a caret under the span, through
//! codespan-reporting. The same diagnostic goes to a terminal (with colour), a snapshot or a string.

use std::ops::Range;

use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label, Severity as CsSeverity};
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term;

use crate::ast::Span;

/// How bad a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    /// Something to know, not a problem.
    Note,
    /// Suspicious, but the model can still run.
    Warning,
    /// The model cannot run.
    Error,
}

/// Identifies one code string registered in a [`SourceMap`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SourceId(usize);

/// A problem found in model code, with the place it points at.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    /// Error, warning or note.
    pub severity: Severity,
    /// A stable short name for the kind of problem (`unknown-name`, `dimension-mismatch`, ...).
    pub code: Option<&'static str>,
    /// One line saying what is wrong.
    pub message: String,
    /// The code string the spans are relative to (`None` until the caller attaches it).
    pub source: Option<SourceId>,
    /// The span the message is about.
    pub span: Span,
    /// A short text printed under the caret.
    pub label: Option<String>,
    /// Further spans in the same code string, each with a short text.
    pub secondary: Vec<(Span, String)>,
    /// A suggestion for fixing it.
    pub hint: Option<String>,
    /// Further facts (e.g. the dimensions on both sides of a mismatch).
    pub notes: Vec<String>,
}

impl Diagnostic {
    fn new(severity: Severity, message: impl Into<String>, span: Span) -> Diagnostic {
        Diagnostic {
            severity,
            code: None,
            message: message.into(),
            source: None,
            span,
            label: None,
            secondary: Vec::new(),
            hint: None,
            notes: Vec::new(),
        }
    }

    /// An error at `span`.
    pub fn error(message: impl Into<String>, span: Span) -> Diagnostic {
        Diagnostic::new(Severity::Error, message, span)
    }

    /// A warning at `span`.
    pub fn warning(message: impl Into<String>, span: Span) -> Diagnostic {
        Diagnostic::new(Severity::Warning, message, span)
    }

    /// Sets the stable code.
    pub fn with_code(mut self, code: &'static str) -> Diagnostic {
        self.code = Some(code);
        self
    }

    /// Sets the hint.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Diagnostic {
        self.hint = Some(hint.into());
        self
    }

    /// Sets the text under the caret.
    pub fn with_label(mut self, label: impl Into<String>) -> Diagnostic {
        self.label = Some(label.into());
        self
    }

    /// Adds a note.
    pub fn with_note(mut self, note: impl Into<String>) -> Diagnostic {
        self.notes.push(note.into());
        self
    }

    /// Adds a secondary span.
    pub fn with_secondary(mut self, span: Span, label: impl Into<String>) -> Diagnostic {
        self.secondary.push((span, label.into()));
        self
    }

    /// Attaches the code string the spans are relative to (keeps an existing one).
    pub fn in_source(mut self, source: SourceId) -> Diagnostic {
        self.source.get_or_insert(source);
        self
    }

    /// Whether this is an error (not a warning or note).
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Where a code string sits in the file it came from.
#[derive(Clone, Debug, PartialEq)]
pub enum Placement {
    /// The code string is the text at `offset..` of the file, byte for byte.
    Exact {
        /// Byte offset of the code string's first byte in the file.
        offset: usize,
    },
    /// The code string was decoded from the file's `range` (escapes in a TOML string, say), so spans
    /// inside it can only be shown as that whole range.
    Within {
        /// The range of the file the code string came from.
        range: Range<usize>,
    },
}

#[derive(Clone, Debug)]
struct Snippet {
    file: usize,
    text: String,
    placement: Placement,
}

/// The files and code strings that diagnostics point into.
#[derive(Clone, Default)]
pub struct SourceMap {
    files: SimpleFiles<String, String>,
    snippets: Vec<Snippet>,
}

impl std::fmt::Debug for SourceMap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SourceMap")
            .field("snippets", &self.snippets.len())
            .finish()
    }
}

/// A file registered in a [`SourceMap`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FileId(usize);

impl SourceMap {
    /// An empty map.
    pub fn new() -> SourceMap {
        SourceMap::default()
    }

    /// Registers a whole file (a model file, say).
    pub fn add_file(&mut self, name: impl Into<String>, text: impl Into<String>) -> FileId {
        FileId(self.files.add(name.into(), text.into()))
    }

    /// The text of a registered file.
    pub fn file_text(&self, file: FileId) -> &str {
        self.files
            .get(file.0)
            .map(|f| f.source().as_str())
            .unwrap_or("")
    }

    /// Registers a code string that comes from `file`.
    pub fn add_snippet(
        &mut self,
        file: FileId,
        text: impl Into<String>,
        placement: Placement,
    ) -> SourceId {
        self.snippets.push(Snippet {
            file: file.0,
            text: text.into(),
            placement,
        });
        SourceId(self.snippets.len() - 1)
    }

    /// Registers a code string that is its own file, named `name` (e.g. `<model of group G>`).
    pub fn add_standalone(&mut self, name: impl Into<String>, text: impl Into<String>) -> SourceId {
        let text = text.into();
        let file = self.add_file(name, text.clone());
        self.add_snippet(file, text, Placement::Exact { offset: 0 })
    }

    /// The text of a registered code string.
    pub fn text(&self, source: SourceId) -> &str {
        &self.snippets[source.0].text
    }

    /// The file range a span of a code string points at.
    fn locate(&self, source: SourceId, span: Span) -> (usize, Range<usize>) {
        let snippet = &self.snippets[source.0];
        let len = snippet.text.len();
        let span = Span::new(
            span.start.min(len),
            span.end.min(len).max(span.start.min(len)),
        );
        match &snippet.placement {
            Placement::Exact { offset } => (snippet.file, span.shifted(*offset).range()),
            Placement::Within { range } => (snippet.file, range.clone()),
        }
    }

    /// The 1-based line and column a span starts at, in its file.
    pub fn line_column(&self, source: SourceId, span: Span) -> (usize, usize) {
        use codespan_reporting::files::Files;
        let (file, range) = self.locate(source, span);
        let line = self.files.line_index(file, range.start).unwrap_or(0);
        let col = self
            .files
            .column_number(file, line, range.start)
            .unwrap_or(1);
        (line + 1, col)
    }

    /// Renders diagnostics as text (`color` adds ANSI colours for a terminal).
    pub fn render(&self, diagnostics: &[Diagnostic], color: bool) -> String {
        let config = term::Config::default();
        let mut out = String::new();
        for d in diagnostics {
            let cs = self.to_codespan(d);
            if color {
                let mut buffer = term::termcolor::Buffer::ansi();
                if term::emit_to_write_style(&mut buffer, &config, &self.files, &cs).is_ok() {
                    out.push_str(&String::from_utf8_lossy(buffer.as_slice()));
                }
            } else if let Ok(s) = term::emit_into_string(&config, &self.files, &cs) {
                out.push_str(&s);
            }
        }
        out
    }

    fn to_codespan(&self, d: &Diagnostic) -> CsDiagnostic<usize> {
        let severity = match d.severity {
            Severity::Error => CsSeverity::Error,
            Severity::Warning => CsSeverity::Warning,
            Severity::Note => CsSeverity::Note,
        };
        let mut cs = CsDiagnostic::new(severity).with_message(&d.message);
        if let Some(code) = d.code {
            cs = cs.with_code(code);
        }
        if let Some(source) = d.source {
            let (file, range) = self.locate(source, d.span);
            let mut primary = Label::primary(file, range);
            if let Some(l) = &d.label {
                primary = primary.with_message(l);
            }
            let mut labels = vec![primary];
            for (span, text) in &d.secondary {
                let (file, range) = self.locate(source, *span);
                labels.push(Label::secondary(file, range).with_message(text));
            }
            cs = cs.with_labels(labels);
        }
        let mut notes = d.notes.clone();
        if let Some(h) = &d.hint {
            notes.push(format!("hint: {h}"));
        }
        cs.with_notes(notes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_caret_under_span_in_the_file() {
        let mut map = SourceMap::new();
        let file_text = "[groups.G]\nmodel = \"\"\"\ndv/dt = -v/tau : volt\n\"\"\"\n";
        let file = map.add_file("model.toml", file_text);
        let code = "dv/dt = -v/tau : volt\n";
        let offset = file_text.find("dv/dt").unwrap();
        let src = map.add_snippet(file, code, Placement::Exact { offset });
        let d = Diagnostic::error("unknown name `tau`", Span::new(11, 14))
            .with_hint("define it in [namespace]")
            .in_source(src);
        let text = map.render(&[d], false);
        assert!(text.contains("model.toml:3:12"), "{text}");
        assert!(text.contains("^^^"), "{text}");
        assert!(text.contains("hint: define it in [namespace]"), "{text}");
        assert_eq!(map.line_column(src, Span::new(11, 14)), (3, 12));
    }
}

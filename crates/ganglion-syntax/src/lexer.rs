//! The lexer: logos tokens plus a small adapter that knows which newlines matter.
//!
//! Brian2's three code forms treat line breaks differently:
//! - in **equations** an expression may run over several lines, and an equation ends at the end of the line
//!   that holds its unit specification (the first newline after a `:` outside brackets). The adapter
//!   turns exactly that newline into [`Tok::Eol`], and merges `d<name>/dt` at the start of an equation into
//!   one [`Tok::DiffOp`] (so `dv/dt` declares `v`, and `dt/dt` declares `t`);
//! - in **statements** every newline and every `;` separates statements ([`Tok::Sep`]);
//! - in a single **expression** newlines are insignificant.
//!
//! Characters that cannot start any token become [`Tok::Invalid`] tokens, and the lexer records a
//! [`SyntaxError`] for them, so that the parser can go on and report later errors too.

use std::collections::VecDeque;

use logos::Logos;

use crate::ast::Span;
use crate::error::SyntaxError;
use crate::limits::{MAX_DEPTH, MAX_TOKENS, MAX_UNIT_TOKENS};

/// A token of the model language.
#[derive(Logos, Clone, Copy, Debug, PartialEq)]
#[logos(skip r"[ \t\r\f]+")]
#[logos(skip r"\\\r?\n")]
#[logos(skip(r"#[^\n]*", allow_greedy = true))]
pub enum Tok<'s> {
    /// A line break (never reaches the parser: the adapter drops it or turns it into `Eol`/`Sep`).
    #[token("\n")]
    Newline,
    /// An identifier.
    #[regex(r"[A-Za-z_][A-Za-z0-9_]*")]
    Ident(&'s str),
    /// `d<name>/dt` at the start of an equation; holds `<name>`.
    DiffOp(&'s str),
    /// An integer literal.
    #[regex(r"[0-9]+")]
    Int(&'s str),
    /// A floating-point literal.
    #[regex(r"([0-9]+\.[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")]
    #[regex(r"[0-9]+[eE][+-]?[0-9]+")]
    Float(&'s str),
    /// `True`
    #[token("True")]
    True,
    /// `False`
    #[token("False")]
    False,
    /// `and`
    #[token("and")]
    And,
    /// `or`
    #[token("or")]
    Or,
    /// `not`
    #[token("not")]
    Not,
    /// `+`
    #[token("+")]
    Plus,
    /// `-`
    #[token("-")]
    Minus,
    /// `*`
    #[token("*")]
    Star,
    /// `/`
    #[token("/")]
    Slash,
    /// `//`
    #[token("//")]
    DoubleSlash,
    /// `%`
    #[token("%")]
    Percent,
    /// `**`
    #[token("**")]
    DoubleStar,
    /// `==`
    #[token("==")]
    EqEq,
    /// `!=`
    #[token("!=")]
    NotEq,
    /// `<`
    #[token("<")]
    Lt,
    /// `<=`
    #[token("<=")]
    Le,
    /// `>`
    #[token(">")]
    Gt,
    /// `>=`
    #[token(">=")]
    Ge,
    /// `=`
    #[token("=")]
    Assign,
    /// `+=`
    #[token("+=")]
    PlusAssign,
    /// `-=`
    #[token("-=")]
    MinusAssign,
    /// `*=`
    #[token("*=")]
    StarAssign,
    /// `/=`
    #[token("/=")]
    SlashAssign,
    /// `//=`
    #[token("//=")]
    DoubleSlashAssign,
    /// `%=`
    #[token("%=")]
    PercentAssign,
    /// `**=`
    #[token("**=")]
    DoubleStarAssign,
    /// An augmented assignment Brian2 does not support (`^=`, `&=`, `|=`, `<<=`, `>>=`).
    #[token("^=", |lex| lex.slice())]
    #[token("&=", |lex| lex.slice())]
    #[token("|=", |lex| lex.slice())]
    #[token("<<=", |lex| lex.slice())]
    #[token(">>=", |lex| lex.slice())]
    BadAssign(&'s str),
    /// `(`
    #[token("(")]
    LParen,
    /// `)`
    #[token(")")]
    RParen,
    /// `[`
    #[token("[")]
    LBracket,
    /// `]`
    #[token("]")]
    RBracket,
    /// `{`
    #[token("{")]
    LBrace,
    /// `}`
    #[token("}")]
    RBrace,
    /// `,`
    #[token(",")]
    Comma,
    /// `:`
    #[token(":")]
    Colon,
    /// `;`
    #[token(";")]
    Semicolon,
    /// `.`
    #[token(".")]
    Dot,
    /// `^` (not an operator in the model language: `**` is power)
    #[token("^")]
    Caret,
    /// `&` (not an operator: use `and`)
    #[token("&")]
    Ampersand,
    /// `|` (not an operator: use `or`)
    #[token("|")]
    Pipe,
    /// `~`
    #[token("~")]
    Tilde,
    /// `<<`
    #[token("<<")]
    ShiftLeft,
    /// `>>`
    #[token(">>")]
    ShiftRight,
    /// A string literal (not part of the language).
    #[regex(r#""([^"\\\n]|\\.)*"|'([^'\\\n]|\\.)*'"#)]
    Str(&'s str),
    /// The end of an equation (the newline after its unit specification, or the end of input).
    Eol,
    /// A statement separator (newline or `;`).
    Sep,
    /// Text that is not a token; the lexer has already reported it.
    Invalid(&'s str),
}

/// Which of the three code forms is being lexed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Model equations (`dv/dt = ... : volt`).
    Equations,
    /// Statements (reset, event code, integration-method descriptions).
    Statements,
    /// A single expression (threshold, event conditions, initial values).
    Expression,
}

type Spanned<'s> = (usize, Tok<'s>, usize);

/// The spanned token stream the parser reads.
pub struct Lexer<'s> {
    inner: logos::Lexer<'s, Tok<'s>>,
    mode: Mode,
    lookahead: VecDeque<Spanned<'s>>,
    depth: u32,
    seen_colon: bool,
    at_start: bool,
    pending_break: bool,
    finished: bool,
    budget: Budget,
    /// Errors found while lexing (invalid characters, string literals).
    pub errors: Vec<SyntaxError>,
}

/// The size and depth of the item (equation, statement or expression) being read, counted on the
/// tokens as they go to the parser, so that an item over the limits of [`crate::limits`] is refused
/// before any tree is built for it.
#[derive(Debug)]
struct Budget {
    /// Where the item starts.
    start: Option<usize>,
    /// Its tokens so far.
    tokens: usize,
    /// Its tokens after an equation's `:` (unit and flags).
    unit_tokens: usize,
    /// The item's level and each bracket open in it, innermost last.
    levels: Vec<Level>,
}

/// One level of brackets (or the item itself) in a [`Budget`].
#[derive(Clone, Copy, Debug, Default)]
struct Level {
    /// The depth the level starts at: the operators of the levels around it, one per bracket.
    base: usize,
    /// Its operators so far (unary and binary): each may be a node above whatever follows.
    operators: usize,
    /// The deepest bracket closed in it, counted from this level's operators.
    inner: usize,
}

impl Level {
    /// An upper bound on the depth of the syntax tree read so far at this level.
    fn depth(self) -> usize {
        self.base + self.operators + self.inner
    }
}

impl Budget {
    fn new() -> Budget {
        Budget {
            start: None,
            tokens: 0,
            unit_tokens: 0,
            levels: vec![Level::default()],
        }
    }

    /// Counts a token the parser will read; the limit it breaks, if any. `in_unit`: the token follows
    /// an equation's `:`.
    fn count(&mut self, tok: &Tok<'_>, span: Span, in_unit: bool) -> Result<(), SyntaxError> {
        if matches!(tok, Tok::Eol | Tok::Sep) {
            *self = Budget::new();
            return Ok(());
        }
        let start = *self.start.get_or_insert(span.start);
        self.tokens += 1;
        if self.tokens > MAX_TOKENS {
            return Err(SyntaxError::TooLong {
                span: Span::new(start, span.end),
                limit: MAX_TOKENS,
            });
        }
        if in_unit {
            self.unit_tokens += 1;
            if self.unit_tokens > MAX_UNIT_TOKENS {
                return Err(SyntaxError::UnitTooLong {
                    span: Span::new(start, span.end),
                    limit: MAX_UNIT_TOKENS,
                });
            }
        }
        let level = self
            .levels
            .last_mut()
            .expect("the item's level is never closed");
        match tok {
            Tok::LParen | Tok::LBracket | Tok::LBrace => {
                let base = level.base + level.operators + 1;
                self.levels.push(Level {
                    base,
                    ..Level::default()
                });
            }
            Tok::RParen | Tok::RBracket | Tok::RBrace => {
                if self.levels.len() > 1 {
                    let closed = self.levels.pop().expect("more than one level");
                    let outer = self.levels.last_mut().expect("the item's level");
                    outer.inner = outer.inner.max(closed.operators + closed.inner + 1);
                }
            }
            Tok::Ident(_)
            | Tok::DiffOp(_)
            | Tok::Int(_)
            | Tok::Float(_)
            | Tok::True
            | Tok::False
            | Tok::Str(_)
            | Tok::Invalid(_)
            | Tok::Comma
            | Tok::Colon => {}
            _ => level.operators += 1,
        }
        let depth = self.levels.last().map_or(0, |l| l.depth());
        if depth > MAX_DEPTH {
            return Err(SyntaxError::TooDeep {
                span,
                limit: MAX_DEPTH,
            });
        }
        Ok(())
    }
}

impl<'s> Lexer<'s> {
    /// A lexer over `src` for the given code form.
    pub fn new(src: &'s str, mode: Mode) -> Self {
        Lexer {
            inner: Tok::lexer(src),
            mode,
            lookahead: VecDeque::new(),
            depth: 0,
            seen_colon: false,
            at_start: true,
            pending_break: false,
            finished: false,
            budget: Budget::new(),
            errors: Vec::new(),
        }
    }

    /// Reads one token from logos, turning text that is not a token into [`Tok::Invalid`].
    fn fetch(&mut self) -> Option<Spanned<'s>> {
        let result = self.inner.next()?;
        let span = self.inner.span();
        let tok = match result {
            Ok(Tok::Str(s)) => {
                self.errors.push(SyntaxError::StringLiteral {
                    span: Span::new(span.start, span.end),
                });
                Tok::Invalid(s)
            }
            Ok(t) => t,
            Err(()) => {
                let text = self.inner.slice();
                let ch = text.chars().next().unwrap_or('\u{fffd}');
                self.errors.push(SyntaxError::InvalidCharacter {
                    span: Span::new(span.start, span.end),
                    ch,
                });
                Tok::Invalid(text)
            }
        };
        Some((span.start, tok, span.end))
    }

    /// The next raw token, from the lookahead buffer or from logos.
    fn raw(&mut self) -> Option<Spanned<'s>> {
        self.lookahead.pop_front().or_else(|| self.fetch())
    }

    /// Peeks at the `n`-th raw token after the current one, skipping newlines.
    fn peek_skipping_newlines(&mut self, n: usize) -> Option<Spanned<'s>> {
        let mut seen = 0;
        let mut idx = 0;
        loop {
            while idx >= self.lookahead.len() {
                let next = self.fetch()?;
                self.lookahead.push_back(next);
            }
            let t = self.lookahead[idx];
            idx += 1;
            if t.1 == Tok::Newline {
                continue;
            }
            if seen == n {
                return Some(t);
            }
            seen += 1;
        }
    }

    /// Drops lookahead tokens up to and including the `n`-th non-newline one.
    fn consume_skipping_newlines(&mut self, n: usize) {
        let mut seen = 0;
        while let Some(t) = self.lookahead.pop_front() {
            if t.1 == Tok::Newline {
                continue;
            }
            seen += 1;
            if seen == n {
                return;
            }
        }
    }

    fn track_depth(&mut self, tok: &Tok<'s>) {
        match tok {
            Tok::LParen | Tok::LBracket | Tok::LBrace => self.depth += 1,
            Tok::RParen | Tok::RBracket | Tok::RBrace => self.depth = self.depth.saturating_sub(1),
            Tok::Colon if self.depth == 0 => self.seen_colon = true,
            _ => {}
        }
    }

    /// Whether the text after a line break can only be the start of a new equation (`x =`, `x :`,
    /// `dx/dt`): then an equation without a unit ends here, and the parser reports it alone instead of
    /// swallowing the next line.
    fn next_line_starts_equation(&mut self) -> bool {
        let first = self.peek_skipping_newlines(0);
        let second = self.peek_skipping_newlines(1);
        match (first, second) {
            (Some((_, Tok::Ident(_), _)), Some((_, Tok::Assign | Tok::Colon, _))) => true,
            (Some((_, Tok::Ident(name), _)), Some((_, Tok::Slash, _))) if name.starts_with('d') => {
                matches!(
                    self.peek_skipping_newlines(2),
                    Some((_, Tok::Ident("dt"), _))
                ) && matches!(self.peek_skipping_newlines(3), Some((_, Tok::Assign, _)))
            }
            _ => false,
        }
    }

    fn next_equations(&mut self) -> Option<Spanned<'s>> {
        loop {
            let Some((l, tok, r)) = self.raw() else {
                if self.pending_break {
                    self.pending_break = false;
                    let end = self.inner.span().end;
                    return Some((end, Tok::Eol, end));
                }
                return None;
            };
            if tok == Tok::Newline {
                let ends = self.depth == 0
                    && self.pending_break
                    && (self.seen_colon || self.next_line_starts_equation());
                if ends {
                    self.seen_colon = false;
                    self.at_start = true;
                    self.pending_break = false;
                    return Some((l, Tok::Eol, r));
                }
                continue;
            }
            self.pending_break = true;
            let at_start = std::mem::take(&mut self.at_start);
            if let Tok::Ident(name) = tok
                && at_start
                && name.len() > 1
                && name.starts_with('d')
            {
                let slash = self.peek_skipping_newlines(0);
                let dt = self.peek_skipping_newlines(1);
                if let (Some((_, Tok::Slash, _)), Some((_, Tok::Ident("dt"), end))) = (slash, dt) {
                    self.consume_skipping_newlines(2);
                    return Some((l, Tok::DiffOp(&name[1..]), end));
                }
            }
            self.track_depth(&tok);
            return Some((l, tok, r));
        }
    }

    fn next_statements(&mut self) -> Option<Spanned<'s>> {
        loop {
            let Some((l, tok, r)) = self.raw() else {
                if self.pending_break {
                    self.pending_break = false;
                    let end = self.inner.span().end;
                    return Some((end, Tok::Sep, end));
                }
                return None;
            };
            if matches!(tok, Tok::Newline | Tok::Semicolon) {
                if self.pending_break {
                    self.pending_break = false;
                    return Some((l, Tok::Sep, r));
                }
                continue;
            }
            self.pending_break = true;
            return Some((l, tok, r));
        }
    }

    fn next_expression(&mut self) -> Option<Spanned<'s>> {
        loop {
            let (l, tok, r) = self.raw()?;
            if tok != Tok::Newline {
                return Some((l, tok, r));
            }
        }
    }
}

impl<'s> Iterator for Lexer<'s> {
    type Item = Result<Spanned<'s>, SyntaxError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.finished {
            return None;
        }
        let next = match self.mode {
            Mode::Equations => self.next_equations(),
            Mode::Statements => self.next_statements(),
            Mode::Expression => self.next_expression(),
        };
        let Some((l, tok, r)) = next else {
            self.finished = true;
            return None;
        };
        let in_unit = self.mode == Mode::Equations && self.seen_colon && tok != Tok::Eol;
        if let Err(e) = self.budget.count(&tok, Span::new(l, r), in_unit) {
            // The parser stops at this error: nothing more is read.
            self.finished = true;
            return Some(Err(e));
        }
        Some(Ok((l, tok, r)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(src: &str, mode: Mode) -> Vec<Tok<'_>> {
        Lexer::new(src, mode).map(|t| t.unwrap().1).collect()
    }

    #[test]
    fn diff_op_is_one_token_at_equation_start() {
        assert_eq!(
            toks("dv/dt = -v/tau : volt", Mode::Equations),
            vec![
                Tok::DiffOp("v"),
                Tok::Assign,
                Tok::Minus,
                Tok::Ident("v"),
                Tok::Slash,
                Tok::Ident("tau"),
                Tok::Colon,
                Tok::Ident("volt"),
                Tok::Eol
            ]
        );
        // `dt/dt` declares `t`; `dv/dt` inside an expression is a division.
        assert_eq!(toks("dt/dt = 1 : 1", Mode::Equations)[0], Tok::DiffOp("t"));
        assert_eq!(
            toks("x = dv/dt : 1", Mode::Equations)[2..5],
            [Tok::Ident("dv"), Tok::Slash, Tok::Ident("dt")]
        );
    }

    #[test]
    fn equation_ends_at_newline_after_unit() {
        let t = toks(
            "dv/dt = (a +\n b)/tau\n  + c : volt # comment\n\nx : 1\n",
            Mode::Equations,
        );
        assert_eq!(t.iter().filter(|t| **t == Tok::Eol).count(), 2);
    }

    #[test]
    fn statements_split_on_newline_and_semicolon() {
        let t = toks("\n v = 0; w += 1\n\n# c\n", Mode::Statements);
        assert_eq!(t.iter().filter(|t| **t == Tok::Sep).count(), 2);
        assert_eq!(t[0], Tok::Ident("v"));
    }

    #[test]
    fn numbers() {
        assert_eq!(
            toks("1 1.5 .5 5. 1e-3 2E4", Mode::Expression),
            vec![
                Tok::Int("1"),
                Tok::Float("1.5"),
                Tok::Float(".5"),
                Tok::Float("5."),
                Tok::Float("1e-3"),
                Tok::Float("2E4")
            ]
        );
    }

    #[test]
    fn invalid_characters_are_reported_and_skipped() {
        let mut lx = Lexer::new("v $ 1 'a'", Mode::Expression);
        let n = lx.by_ref().count();
        assert_eq!(n, 4);
        assert_eq!(lx.errors.len(), 2);
    }
}

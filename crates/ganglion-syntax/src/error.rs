//! Syntax errors: one variant per thing that can be wrong, each with the span it points at.

use lalrpop_util::ParseError;

use crate::ast::Span;
use crate::diagnostic::Diagnostic;
use crate::lexer::Tok;

/// A syntax error in model code.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum SyntaxError {
    /// A character that starts no token.
    #[error("invalid character `{ch}`")]
    InvalidCharacter {
        /// Where.
        span: Span,
        /// The character.
        ch: char,
    },
    /// A quoted string.
    #[error("string literals are not part of the model language")]
    StringLiteral {
        /// Where.
        span: Span,
    },
    /// A token the grammar does not allow here.
    #[error("unexpected {found}{}", expected_list(expected))]
    UnexpectedToken {
        /// Where.
        span: Span,
        /// What was found, described for people.
        found: String,
        /// What would have been accepted, described for people.
        expected: Vec<String>,
    },
    /// The text ended too early.
    #[error("unexpected end of {what}{}", expected_list(expected))]
    UnexpectedEnd {
        /// Where (an empty span at the end).
        span: Span,
        /// "expression", "equation", "statement".
        what: &'static str,
        /// What would have been accepted.
        expected: Vec<String>,
    },
    /// An equation whose unit is not introduced by `:`.
    #[error("expected `:` before the unit specification, found {found}")]
    MissingColon {
        /// Where the unit seems to start.
        span: Span,
        /// What was found.
        found: String,
    },
    /// `^`, `&`, `|`, `<<`, `>>`, `~`: Python's bitwise operators are not part of the language.
    #[error("`{op}` is not an operator of the model language")]
    BitwiseOperator {
        /// The operator.
        span: Span,
        /// Its text.
        op: &'static str,
    },
    /// `v[0]`
    #[error("indexing (`x[...]`) is not supported in model code")]
    Indexing {
        /// The indexed expression.
        span: Span,
    },
    /// `v.value`
    #[error("attribute access (`x.name`) is not supported in model code")]
    Attribute {
        /// The expression.
        span: Span,
    },
    /// `(a, b)`
    #[error("tuples are not supported in model code")]
    Tuple {
        /// The tuple.
        span: Span,
    },
    /// `a < b < c`
    #[error("chained comparisons are not supported")]
    ChainedComparison {
        /// The whole comparison.
        span: Span,
    },
    /// `f(x=1)`
    #[error("keyword arguments are not supported")]
    KeywordArgument {
        /// The argument.
        span: Span,
    },
    /// A call of something that is not a name: `(a)(b)`.
    #[error("only named functions can be called")]
    BadCall {
        /// The call.
        span: Span,
    },
    /// An integer literal that does not fit in 64 bits.
    #[error("integer literal too large")]
    IntegerTooLarge {
        /// The literal.
        span: Span,
    },
    /// `v ^= 2` and the other bitwise augmented assignments.
    #[error("`{op}` is not a supported assignment operator")]
    UnsupportedAssignment {
        /// The operator.
        span: Span,
        /// Its text.
        op: String,
    },
    /// An equation, statement or expression deeper than [`crate::limits::MAX_DEPTH`] levels (operators,
    /// brackets and calls).
    #[error(
        "code deeper than {limit} levels (operators, brackets and calls) in one equation, statement or expression"
    )]
    TooDeep {
        /// The token that goes one level too deep.
        span: Span,
        /// The limit.
        limit: usize,
    },
    /// An equation, statement or expression of more than [`crate::limits::MAX_TOKENS`] tokens.
    #[error("code longer than {limit} tokens in one equation, statement or expression")]
    TooLong {
        /// From its start to the token over the limit.
        span: Span,
        /// The limit.
        limit: usize,
    },
    /// A unit specification and flags of more than [`crate::limits::MAX_UNIT_TOKENS`] tokens.
    #[error("unit specification longer than {limit} tokens")]
    UnitTooLong {
        /// From the equation's start to the token over the limit.
        span: Span,
        /// The limit.
        limit: usize,
    },
    /// A line of statements that is not `variable = expression`.
    #[error("expected a statement `variable = expression`, found {found}")]
    NotAStatement {
        /// Where.
        span: Span,
        /// What was found.
        found: String,
    },
}

fn expected_list(expected: &[String]) -> String {
    match expected {
        [] => String::new(),
        [one] => format!(", expected {one}"),
        many => format!(", expected one of {}", many.join(", ")),
    }
}

impl SyntaxError {
    /// The span the error points at.
    pub fn span(&self) -> Span {
        match self {
            SyntaxError::InvalidCharacter { span, .. }
            | SyntaxError::StringLiteral { span }
            | SyntaxError::UnexpectedToken { span, .. }
            | SyntaxError::UnexpectedEnd { span, .. }
            | SyntaxError::MissingColon { span, .. }
            | SyntaxError::BitwiseOperator { span, .. }
            | SyntaxError::Indexing { span }
            | SyntaxError::Attribute { span }
            | SyntaxError::Tuple { span }
            | SyntaxError::ChainedComparison { span }
            | SyntaxError::KeywordArgument { span }
            | SyntaxError::BadCall { span }
            | SyntaxError::IntegerTooLarge { span }
            | SyntaxError::UnsupportedAssignment { span, .. }
            | SyntaxError::TooDeep { span, .. }
            | SyntaxError::TooLong { span, .. }
            | SyntaxError::UnitTooLong { span, .. }
            | SyntaxError::NotAStatement { span, .. } => *span,
        }
    }

    /// A suggestion for fixing the error, where there is an obvious one.
    pub fn hint(&self) -> Option<String> {
        Some(match self {
            SyntaxError::InvalidCharacter { ch, .. } if !ch.is_ascii() => {
                "names may only use ASCII letters, digits and `_`".into()
            }
            SyntaxError::StringLiteral { .. } => {
                "model code works on numbers; use a variable or a constant from the namespace"
                    .into()
            }
            SyntaxError::MissingColon { .. } => {
                "an equation reads `dv/dt = expression : unit`, e.g. `dv/dt = -v/tau : volt`".into()
            }
            SyntaxError::BitwiseOperator { op, .. } => match *op {
                "^" => "did you mean `**` (power)?".into(),
                "&" => "did you mean `and`?".into(),
                "|" => "did you mean `or`?".into(),
                "~" => "did you mean `not`?".into(),
                _ => "bit shifts have no meaning on physical quantities".into(),
            },
            SyntaxError::Indexing { .. } => {
                "model code is written for one neuron at a time: use the variable's name alone"
                    .into()
            }
            SyntaxError::Attribute { .. } => {
                "write the value itself, or define a name for it in the namespace".into()
            }
            SyntaxError::Tuple { .. } => "remove the comma, or use one value".into(),
            SyntaxError::ChainedComparison { .. } => {
                "write it as two comparisons joined by `and`, e.g. `a < b and b < c`".into()
            }
            SyntaxError::KeywordArgument { .. } => "pass the arguments by position".into(),
            SyntaxError::UnsupportedAssignment { .. } => {
                "use `=`, `+=`, `-=`, `*=`, `/=`, `//=`, `%=` or `**=`".into()
            }
            SyntaxError::TooDeep { .. } => {
                "each operator, bracket and call is a level (a sum of n terms is n levels): give parts of \
                 the expression names (subexpressions `s1 = ... : unit` in the equations, or constants in \
                 the namespace) and combine them"
                    .into()
            }
            SyntaxError::TooLong { .. } => {
                "split it: define parts as subexpressions (`s1 = ... : unit`) and combine them".into()
            }
            SyntaxError::UnitTooLong { .. } => {
                "a unit is written as a few names, e.g. `volt`, `siemens/metre**2`, `1`".into()
            }
            SyntaxError::NotAStatement { .. } => {
                "statements assign to a variable, e.g. `v = -60*mV` or `w += 1*nA`".into()
            }
            SyntaxError::UnexpectedToken {
                found, expected, ..
            } if found == "`)`" && expected.is_empty() => {
                "this `)` closes no `(`: remove it, or add the missing `(`".into()
            }
            _ => return None,
        })
    }

    /// A stable, short name for the kind of error (used in tests and snapshots).
    pub fn code(&self) -> &'static str {
        match self {
            SyntaxError::InvalidCharacter { .. } => "invalid-character",
            SyntaxError::StringLiteral { .. } => "string-literal",
            SyntaxError::UnexpectedToken { .. } => "unexpected-token",
            SyntaxError::UnexpectedEnd { .. } => "unexpected-end",
            SyntaxError::MissingColon { .. } => "missing-colon",
            SyntaxError::BitwiseOperator { .. } => "bitwise-operator",
            SyntaxError::Indexing { .. } => "indexing",
            SyntaxError::Attribute { .. } => "attribute",
            SyntaxError::Tuple { .. } => "tuple",
            SyntaxError::ChainedComparison { .. } => "chained-comparison",
            SyntaxError::KeywordArgument { .. } => "keyword-argument",
            SyntaxError::BadCall { .. } => "bad-call",
            SyntaxError::IntegerTooLarge { .. } => "integer-too-large",
            SyntaxError::UnsupportedAssignment { .. } => "unsupported-assignment",
            SyntaxError::NotAStatement { .. } => "not-a-statement",
            SyntaxError::TooDeep { .. } => "too-deep",
            SyntaxError::TooLong { .. } => "too-long",
            SyntaxError::UnitTooLong { .. } => "unit-too-long",
        }
    }

    /// The error as a diagnostic for the renderer.
    pub fn to_diagnostic(&self) -> Diagnostic {
        let mut d =
            Diagnostic::error(format!("syntax error: {self}"), self.span()).with_code(self.code());
        if let Some(h) = self.hint() {
            d = d.with_hint(h);
        }
        d
    }

    /// Converts a parser error (`None` for errors already reported by the lexer).
    pub(crate) fn from_parse(
        err: ParseError<usize, Tok<'_>, SyntaxError>,
        what: &'static str,
        src_len: usize,
    ) -> Option<SyntaxError> {
        Some(match err {
            ParseError::User { error } => error,
            ParseError::InvalidToken { location } => SyntaxError::UnexpectedToken {
                span: Span::new(location, (location + 1).min(src_len)),
                found: "an invalid token".into(),
                expected: vec![],
            },
            ParseError::UnrecognizedEof { location, expected } => SyntaxError::UnexpectedEnd {
                span: Span::new(location, location),
                what,
                expected: describe_expected(&expected),
            },
            ParseError::UnrecognizedToken {
                token: (l, tok, r),
                expected,
            } => {
                let span = Span::new(l, r);
                match tok {
                    Tok::Invalid(_) => return None,
                    Tok::Eol if expected.iter().any(|e| e == "\":\"") => {
                        SyntaxError::MissingColon {
                            span: Span::new(l, l),
                            found: "the end of the line".into(),
                        }
                    }
                    Tok::Eol | Tok::Sep => SyntaxError::UnexpectedEnd {
                        span: Span::new(l, l),
                        what,
                        expected: describe_expected(&expected),
                    },
                    Tok::Ident(_) | Tok::Int(_) | Tok::Float(_)
                        if expected.iter().any(|e| e == "\":\"") =>
                    {
                        SyntaxError::MissingColon {
                            span,
                            found: describe(&tok),
                        }
                    }
                    _ if what == "statement" && expected.iter().all(|e| e == "\"name\"") => {
                        SyntaxError::NotAStatement {
                            span,
                            found: describe(&tok),
                        }
                    }
                    _ => SyntaxError::UnexpectedToken {
                        span,
                        found: describe(&tok),
                        expected: describe_expected(&expected),
                    },
                }
            }
            ParseError::ExtraToken { token: (l, tok, r) } => SyntaxError::UnexpectedToken {
                span: Span::new(l, r),
                found: describe(&tok),
                expected: vec![],
            },
        })
    }
}

/// Describes a token for people: "name `v`", "`+`", "end of line".
pub(crate) fn describe(tok: &Tok<'_>) -> String {
    match tok {
        Tok::Ident(s) => format!("name `{s}`"),
        Tok::DiffOp(s) => format!("`d{s}/dt`"),
        Tok::Int(s) | Tok::Float(s) => format!("number `{s}`"),
        Tok::Str(s) | Tok::Invalid(s) => format!("`{s}`"),
        Tok::Eol => "end of line".into(),
        Tok::Sep => "end of statement".into(),
        Tok::Newline => "line break".into(),
        other => format!("`{}`", token_text(other)),
    }
}

fn token_text(tok: &Tok<'_>) -> &'static str {
    match tok {
        Tok::True => "True",
        Tok::False => "False",
        Tok::And => "and",
        Tok::Or => "or",
        Tok::Not => "not",
        Tok::Plus => "+",
        Tok::Minus => "-",
        Tok::Star => "*",
        Tok::Slash => "/",
        Tok::DoubleSlash => "//",
        Tok::Percent => "%",
        Tok::DoubleStar => "**",
        Tok::EqEq => "==",
        Tok::NotEq => "!=",
        Tok::Lt => "<",
        Tok::Le => "<=",
        Tok::Gt => ">",
        Tok::Ge => ">=",
        Tok::Assign => "=",
        Tok::PlusAssign => "+=",
        Tok::MinusAssign => "-=",
        Tok::StarAssign => "*=",
        Tok::SlashAssign => "/=",
        Tok::DoubleSlashAssign => "//=",
        Tok::PercentAssign => "%=",
        Tok::DoubleStarAssign => "**=",
        Tok::LParen => "(",
        Tok::RParen => ")",
        Tok::LBracket => "[",
        Tok::RBracket => "]",
        Tok::LBrace => "{",
        Tok::RBrace => "}",
        Tok::Comma => ",",
        Tok::Colon => ":",
        Tok::Semicolon => ";",
        Tok::Dot => ".",
        Tok::Caret => "^",
        Tok::Ampersand => "&",
        Tok::Pipe => "|",
        Tok::Tilde => "~",
        Tok::ShiftLeft => "<<",
        Tok::ShiftRight => ">>",
        _ => "?",
    }
}

/// Turns lalrpop's list of expected terminals into a short list for people.
fn describe_expected(expected: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |s: String| {
        if !out.contains(&s) {
            out.push(s);
        }
    };
    let mut operators = false;
    for e in expected {
        let t = e.trim_matches('"');
        match t {
            "name" => push("a name".into()),
            "int" | "float" => push("a number".into()),
            "diffop" => push("`d<variable>/dt`".into()),
            "eol" => push("end of line".into()),
            "sep" => push("end of statement".into()),
            "True" | "False" => push("`True` or `False`".into()),
            "(" => push("`(`".into()),
            ")" => push("`)`".into()),
            ":" => push("`:`".into()),
            "," => push("`,`".into()),
            "=" => push("`=`".into()),
            "-" if expected.len() <= 3 => push("`-`".into()),
            "bad=" | "invalid" => {}
            _ => operators = true,
        }
    }
    if operators {
        out.push("an operator".into());
    }
    out
}

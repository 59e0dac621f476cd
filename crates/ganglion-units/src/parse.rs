//! A small parser for quantity strings such as `"-70*mV"` or `"10*mV/ms"`.

use crate::{Dimension, Quantity, Rational, lookup, similar_unit_names};

/// Why a quantity string could not be parsed. Every variant but `Empty` carries the byte
/// offset into the input where parsing went wrong (see [`QuantityParseError::offset`]).
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum QuantityParseError {
    /// The string is empty or only whitespace.
    #[error("empty quantity string")]
    Empty,
    /// A character that cannot start a token.
    #[error("unexpected character '{found}' at byte {offset}")]
    UnexpectedChar {
        /// Byte offset of the character.
        offset: usize,
        /// The character.
        found: char,
    },
    /// A malformed number such as `1e` or `1e+`.
    #[error("invalid number '{text}' at byte {offset}")]
    InvalidNumber {
        /// Byte offset of the number.
        offset: usize,
        /// The malformed text.
        text: String,
    },
    /// A name that is not a unit.
    #[error("unknown unit '{name}' at byte {offset}{}", hint(suggestion))]
    UnknownUnit {
        /// Byte offset of the name.
        offset: usize,
        /// The name.
        name: String,
        /// The closest unit name, if one is near.
        suggestion: Option<&'static str>,
    },
    /// A token where another was required.
    #[error("expected {expected} at byte {offset}, found {found}")]
    Unexpected {
        /// Byte offset of the token found.
        offset: usize,
        /// What was required.
        expected: &'static str,
        /// What was found (a quoted token or "end of input").
        found: String,
    },
    /// Input left over after a complete quantity.
    #[error("unexpected {found} at byte {offset} after the end of the quantity")]
    TrailingInput {
        /// Byte offset of the first left-over token.
        offset: usize,
        /// The first left-over token, quoted.
        found: String,
    },
    /// `+` or `-` between quantities of different dimensions.
    #[error("'{op}' at byte {offset} combines different units ({left} and {right})")]
    DimensionMismatch {
        /// Byte offset of the operator.
        offset: usize,
        /// The operator.
        op: char,
        /// Dimension of the left operand.
        left: Dimension,
        /// Dimension of the right operand.
        right: Dimension,
    },
    /// An exponent with a dimension, as in `metre**mV`.
    #[error("the exponent at byte {offset} must be dimensionless, but has units {dim}")]
    DimensionfulExponent {
        /// Byte offset of the exponent.
        offset: usize,
        /// Its dimension.
        dim: Dimension,
    },
    /// An exponent of a dimensionful base that is not a fraction `p/q` with `q <= 12`.
    #[error("the exponent {value} at byte {offset} is not a simple fraction")]
    InexactExponent {
        /// Byte offset of the exponent.
        offset: usize,
        /// Its value.
        value: f64,
    },
    /// A dimension exponent outside the `i32` range.
    #[error("dimension exponent overflow at byte {offset}")]
    ExponentOverflow {
        /// Byte offset of the operator.
        offset: usize,
    },
}

fn hint(suggestion: &Option<&'static str>) -> String {
    suggestion.map_or_else(String::new, |s| format!(" (did you mean '{s}'?)"))
}

impl QuantityParseError {
    /// The byte offset where parsing went wrong (0 for `Empty`).
    pub fn offset(&self) -> usize {
        match self {
            QuantityParseError::Empty => 0,
            QuantityParseError::UnexpectedChar { offset, .. }
            | QuantityParseError::InvalidNumber { offset, .. }
            | QuantityParseError::UnknownUnit { offset, .. }
            | QuantityParseError::Unexpected { offset, .. }
            | QuantityParseError::TrailingInput { offset, .. }
            | QuantityParseError::DimensionMismatch { offset, .. }
            | QuantityParseError::DimensionfulExponent { offset, .. }
            | QuantityParseError::InexactExponent { offset, .. }
            | QuantityParseError::ExponentOverflow { offset } => *offset,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Tok<'a> {
    Num(f64),
    Name(&'a str),
    Plus,
    Minus,
    Star,
    StarStar,
    Slash,
    LParen,
    RParen,
    End,
}

impl Tok<'_> {
    fn describe(&self, src: &str, offset: usize) -> String {
        match self {
            Tok::End => "end of input".to_string(),
            Tok::Num(_) | Tok::Name(_) => {
                let len = src[offset..]
                    .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.')))
                    .unwrap_or(src.len() - offset);
                format!("'{}'", &src[offset..offset + len])
            }
            Tok::Plus => "'+'".into(),
            Tok::Minus => "'-'".into(),
            Tok::Star => "'*'".into(),
            Tok::StarStar => "'**'".into(),
            Tok::Slash => "'/'".into(),
            Tok::LParen => "'('".into(),
            Tok::RParen => "')'".into(),
        }
    }
}

type Spanned<'a> = (usize, Tok<'a>);

fn lex(src: &str) -> Result<Vec<Spanned<'_>>, QuantityParseError> {
    let bytes = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let start = i;
        let single = match c {
            b' ' | b'\t' | b'\n' | b'\r' => {
                i += 1;
                continue;
            }
            b'+' => Some(Tok::Plus),
            b'-' => Some(Tok::Minus),
            b'/' => Some(Tok::Slash),
            b'(' => Some(Tok::LParen),
            b')' => Some(Tok::RParen),
            b'*' if bytes.get(i + 1) == Some(&b'*') => {
                i += 2;
                out.push((start, Tok::StarStar));
                continue;
            }
            b'*' => Some(Tok::Star),
            _ => None,
        };
        if let Some(t) = single {
            out.push((start, t));
            i += 1;
            continue;
        }
        if c.is_ascii_digit() || (c == b'.' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit)) {
            i = lex_number(bytes, i).ok_or_else(|| {
                let end = bytes[start..]
                    .iter()
                    .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'.' | b'+' | b'-')))
                    .map_or(bytes.len(), |p| start + p);
                QuantityParseError::InvalidNumber {
                    offset: start,
                    text: src[start..end].to_string(),
                }
            })?;
            let value: f64 = src[start..i].parse().expect("lexed float literals parse");
            out.push((start, Tok::Num(value)));
            continue;
        }
        if c.is_ascii_alphabetic() || c == b'_' {
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            out.push((start, Tok::Name(&src[start..i])));
            continue;
        }
        let found = src[start..].chars().next().expect("non-empty remainder");
        return Err(QuantityParseError::UnexpectedChar {
            offset: start,
            found,
        });
    }
    out.push((src.len(), Tok::End));
    Ok(out)
}

/// Lexes a Python float literal starting at `i`; returns its end, or `None` if malformed.
fn lex_number(b: &[u8], mut i: usize) -> Option<usize> {
    let digits = |i: &mut usize| {
        let s = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i > s
    };
    digits(&mut i);
    if b.get(i) == Some(&b'.') {
        i += 1;
        digits(&mut i);
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if !digits(&mut i) {
            return None;
        }
    }
    Some(i)
}

struct Parser<'a> {
    src: &'a str,
    toks: Vec<Spanned<'a>>,
    pos: usize,
}

type PResult = Result<Quantity, QuantityParseError>;

impl<'a> Parser<'a> {
    fn peek(&self) -> Spanned<'a> {
        self.toks[self.pos]
    }

    fn bump(&mut self) -> Spanned<'a> {
        let t = self.toks[self.pos];
        if t.1 != Tok::End {
            self.pos += 1;
        }
        t
    }

    fn found(&self, (offset, tok): Spanned<'a>) -> String {
        tok.describe(self.src, offset)
    }

    /// expr := term (('+' | '-') term)*
    fn expr(&mut self) -> PResult {
        let mut left = self.term()?;
        loop {
            let (offset, tok) = self.peek();
            let op = match tok {
                Tok::Plus => '+',
                Tok::Minus => '-',
                _ => return Ok(left),
            };
            self.bump();
            let right = self.term()?;
            let res = if op == '+' {
                left.checked_add(right)
            } else {
                left.checked_sub(right)
            };
            left = res.map_err(|m| QuantityParseError::DimensionMismatch {
                offset,
                op,
                left: m.left,
                right: m.right,
            })?;
        }
    }

    /// term := factor (('*' | '/') factor)*
    fn term(&mut self) -> PResult {
        let mut left = self.factor()?;
        loop {
            let (offset, tok) = self.peek();
            if !matches!(tok, Tok::Star | Tok::Slash) {
                return Ok(left);
            }
            self.bump();
            let right = self.factor()?;
            let dim = if tok == Tok::Star {
                left.dim.checked_mul(right.dim)
            } else {
                left.dim.checked_div(right.dim)
            };
            let dim = dim.ok_or(QuantityParseError::ExponentOverflow { offset })?;
            let value = if tok == Tok::Star {
                left.value * right.value
            } else {
                left.value / right.value
            };
            left = Quantity::new(value, dim);
        }
    }

    /// factor := ('+' | '-') factor | power
    fn factor(&mut self) -> PResult {
        match self.peek().1 {
            Tok::Minus => {
                self.bump();
                Ok(-self.factor()?)
            }
            Tok::Plus => {
                self.bump();
                self.factor()
            }
            _ => self.power(),
        }
    }

    /// power := atom ('**' factor)?
    fn power(&mut self) -> PResult {
        let base = self.atom()?;
        let (op_offset, tok) = self.peek();
        if tok != Tok::StarStar {
            return Ok(base);
        }
        self.bump();
        let exp_offset = self.peek().0;
        let exp = self.factor()?;
        if !exp.is_dimensionless() {
            return Err(QuantityParseError::DimensionfulExponent {
                offset: exp_offset,
                dim: exp.dim,
            });
        }
        if base.is_dimensionless() {
            return Ok(Quantity::dimensionless(base.value.powf(exp.value)));
        }
        let p = Rational::from_f64(exp.value).ok_or(QuantityParseError::InexactExponent {
            offset: exp_offset,
            value: exp.value,
        })?;
        base.checked_powf(p)
            .ok_or(QuantityParseError::ExponentOverflow { offset: op_offset })
    }

    /// atom := NUMBER | NAME | '(' expr ')'
    fn atom(&mut self) -> PResult {
        let t @ (offset, tok) = self.bump();
        match tok {
            Tok::Num(v) => Ok(Quantity::dimensionless(v)),
            Tok::Name(name) => {
                lookup(name)
                    .map(|u| u.quantity())
                    .ok_or_else(|| QuantityParseError::UnknownUnit {
                        offset,
                        name: name.to_string(),
                        suggestion: similar_unit_names(name, 1).first().copied(),
                    })
            }
            Tok::LParen => {
                let inner = self.expr()?;
                let close = self.bump();
                if close.1 != Tok::RParen {
                    return Err(QuantityParseError::Unexpected {
                        offset: close.0,
                        expected: "')'",
                        found: self.found(close),
                    });
                }
                Ok(inner)
            }
            _ => Err(QuantityParseError::Unexpected {
                offset,
                expected: "a number, a unit name or '('",
                found: self.found(t),
            }),
        }
    }
}

pub(crate) fn parse_quantity(src: &str) -> PResult {
    if src.trim().is_empty() {
        return Err(QuantityParseError::Empty);
    }
    let toks = lex(src)?;
    let mut p = Parser { src, toks, pos: 0 };
    let q = p.expr()?;
    let rest = p.peek();
    if rest.1 != Tok::End {
        return Err(QuantityParseError::TrailingInput {
            offset: rest.0,
            found: p.found(rest),
        });
    }
    Ok(q)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> Quantity {
        Quantity::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn err(s: &str) -> QuantityParseError {
        Quantity::parse(s).expect_err(s)
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-12 * a.abs().max(b.abs())
    }

    #[test]
    fn accepted() {
        let v = Dimension::VOLTAGE;
        let s = Dimension::TIME;
        let cases: &[(&str, f64, Dimension)] = &[
            ("5*ms", 5e-3, s),
            ("-70*mV", -70e-3, v),
            ("0.1 * ms", 1e-4, s),
            ("10*mV/ms", 10.0, v / s),
            ("1e-3*second", 1e-3, s),
            ("2.5", 2.5, Dimension::DIMENSIONLESS),
            ("mV", 1e-3, v),
            ("1*nA", 1e-9, Dimension::CURRENT),
            ("3 * metre**2", 3.0, Dimension::LENGTH.pow(2.into())),
            ("5*second**-1", 5.0, Dimension::FREQUENCY),
            ("(10*ms)", 1e-2, s),
            (".5", 0.5, Dimension::DIMENSIONLESS),
            ("5.", 5.0, Dimension::DIMENSIONLESS),
            ("1E3*Hz", 1e3, Dimension::FREQUENCY),
            ("1.5e+2*ms", 0.15, s),
            ("  -(-2)*mV  ", 2e-3, v),
            ("+3", 3.0, Dimension::DIMENSIONLESS),
            ("-2**2", -4.0, Dimension::DIMENSIONLESS),
            ("2**3**2", 512.0, Dimension::DIMENSIONLESS),
            ("2**-1", 0.5, Dimension::DIMENSIONLESS),
            ("second**0.5", 1.0, s.sqrt()),
            ("(4*metre)**(1/2)", 2.0, Dimension::LENGTH.sqrt()),
            (
                "metre**(1/3)",
                1.0,
                Dimension::LENGTH.pow(Rational::new(1, 3)),
            ),
            ("-70*mV + 5*mV", -65e-3, v),
            ("1 - 0.5", 0.5, Dimension::DIMENSIONLESS),
            (
                "siemens/metre**2",
                1.0,
                Dimension::CONDUCTANCE / Dimension::LENGTH.pow(2.into()),
            ),
            ("1*cm2", 1e-4, Dimension::LENGTH.pow(2.into())),
            ("10*mM", 10.0, Dimension::CONCENTRATION),
            ("2*ms*ms/ms", 2e-3, s),
        ];
        for &(src, value, dim) in cases {
            let q = ok(src);
            assert!(close(q.value, value), "{src}: {} != {value}", q.value);
            assert_eq!(q.dim, dim, "{src}");
        }
        assert_eq!("5*ms".parse::<Quantity>(), Ok(ok("5*ms")));
    }

    #[test]
    fn rejected() {
        assert_eq!(err(""), QuantityParseError::Empty);
        assert_eq!(err("   "), QuantityParseError::Empty);
        match err("5*metr") {
            QuantityParseError::UnknownUnit {
                offset,
                name,
                suggestion,
            } => {
                assert_eq!((offset, name.as_str()), (2, "metr"));
                assert!(matches!(suggestion, Some("metre" | "meter")));
            }
            e => panic!("{e:?}"),
        }
        let e = err("5*metr");
        assert!(e.to_string().contains("did you mean"), "{e}");
        assert_eq!(
            err("5*voltage").to_string(),
            "unknown unit 'voltage' at byte 2"
        );
        assert!(matches!(
            err("5*ms garbage"),
            QuantityParseError::TrailingInput { offset: 5, .. }
        ));
        assert!(matches!(
            err("5 ms"),
            QuantityParseError::TrailingInput { offset: 2, .. }
        ));
        assert!(matches!(
            err("5*"),
            QuantityParseError::Unexpected { offset: 2, .. }
        ));
        assert!(matches!(
            err("(5*ms"),
            QuantityParseError::Unexpected { offset: 5, .. }
        ));
        assert!(matches!(
            err("5*ms)"),
            QuantityParseError::TrailingInput { offset: 4, .. }
        ));
        assert!(matches!(
            err("1e*ms"),
            QuantityParseError::InvalidNumber { offset: 0, .. }
        ));
        assert!(matches!(
            err("1e+"),
            QuantityParseError::InvalidNumber { offset: 0, .. }
        ));
        assert!(matches!(
            err("5 % 2"),
            QuantityParseError::UnexpectedChar {
                offset: 2,
                found: '%'
            }
        ));
        assert!(matches!(
            err("5//2"),
            QuantityParseError::Unexpected { offset: 2, .. }
        ));
        assert!(matches!(
            err("µs"),
            QuantityParseError::UnexpectedChar { offset: 0, .. }
        ));
        assert!(matches!(
            err("5*mV + 1*ms"),
            QuantityParseError::DimensionMismatch {
                offset: 5,
                op: '+',
                ..
            }
        ));
        assert!(matches!(
            err("5*mV + 1"),
            QuantityParseError::DimensionMismatch { .. }
        ));
        assert!(matches!(
            err("metre**mV"),
            QuantityParseError::DimensionfulExponent { offset: 7, .. }
        ));
        assert!(matches!(
            err("metre**0.123"),
            QuantityParseError::InexactExponent { offset: 7, .. }
        ));
        assert!(matches!(
            err("2mV"),
            QuantityParseError::TrailingInput { offset: 1, .. }
        ));
        assert!(matches!(
            err("metre**2000000000*metre**2000000000"),
            QuantityParseError::ExponentOverflow { .. }
        ));
        assert!(matches!(err("pi"), QuantityParseError::UnknownUnit { .. }));
        assert_eq!(err("5*ms garbage").offset(), 5);
        assert_eq!(err("").offset(), 0);
    }
}

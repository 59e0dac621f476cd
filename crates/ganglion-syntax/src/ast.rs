//! The abstract syntax tree. Every node carries the byte span of the text it came from.

use std::fmt;

/// A byte range `start..end` in the parsed text.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    /// The span `start..end`.
    pub const fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }

    /// The span moved right by `offset` bytes.
    pub fn shifted(self, offset: usize) -> Span {
        Span::new(self.start + offset, self.end + offset)
    }

    /// As a `Range`.
    pub fn range(self) -> std::ops::Range<usize> {
        self.start..self.end
    }
}

impl fmt::Debug for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}

/// A name with the place it was written.
#[derive(Clone, Debug, PartialEq)]
pub struct Ident {
    /// The name.
    pub name: String,
    /// Where it was written.
    pub span: Span,
}

/// An expression.
#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    /// What kind of expression.
    pub kind: ExprKind,
    /// Where it was written.
    pub span: Span,
}

/// The kinds of expression (a Python-3 subset).
#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    /// An integer literal (`3`).
    Int(i64),
    /// A floating-point literal (`3.0`, `1e-3`).
    Float(f64),
    /// `True` or `False`.
    Bool(bool),
    /// A name: a variable, constant, unit or function.
    Name(String),
    /// `-a`, `+a`, `not a`.
    Unary {
        /// The operator.
        op: UnaryOp,
        /// The operand.
        operand: Box<Expr>,
    },
    /// `a + b`, `a ** b`, ...
    Binary {
        /// The operator.
        op: BinOp,
        /// Left operand.
        lhs: Box<Expr>,
        /// Right operand.
        rhs: Box<Expr>,
    },
    /// `a < b` (one comparison: chained comparisons are rejected).
    Compare {
        /// The operator.
        op: CmpOp,
        /// Left operand.
        lhs: Box<Expr>,
        /// Right operand.
        rhs: Box<Expr>,
    },
    /// `a and b`, `a or b`.
    Logical {
        /// The operator.
        op: LogicalOp,
        /// Left operand.
        lhs: Box<Expr>,
        /// Right operand.
        rhs: Box<Expr>,
    },
    /// `f(a, b)`.
    Call {
        /// The function name.
        func: Ident,
        /// The arguments.
        args: Vec<Expr>,
    },
    /// Text that did not parse; a syntax error has been reported for it.
    Error,
}

/// Unary operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    /// `-`
    Neg,
    /// `+`
    Pos,
    /// `not`
    Not,
}

/// Arithmetic operators, with Python's semantics (`/` always divides as floats, `//` floors, `%` takes the
/// divisor's sign).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `//`
    FloorDiv,
    /// `%`
    Mod,
    /// `**`
    Pow,
}

/// Comparison operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CmpOp {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

/// Boolean connectives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LogicalOp {
    /// `and`
    And,
    /// `or`
    Or,
}

impl Expr {
    /// An expression of `kind` spanning `span`.
    pub fn new(kind: ExprKind, span: Span) -> Expr {
        Expr { kind, span }
    }

    /// A node standing for text that did not parse.
    pub fn error(span: Span) -> Expr {
        Expr::new(ExprKind::Error, span)
    }

    /// The same tree with every span set to `0..0`, for comparing shapes.
    pub fn without_spans(&self) -> Expr {
        let kind = match &self.kind {
            ExprKind::Unary { op, operand } => ExprKind::Unary {
                op: *op,
                operand: Box::new(operand.without_spans()),
            },
            ExprKind::Binary { op, lhs, rhs } => ExprKind::Binary {
                op: *op,
                lhs: Box::new(lhs.without_spans()),
                rhs: Box::new(rhs.without_spans()),
            },
            ExprKind::Compare { op, lhs, rhs } => ExprKind::Compare {
                op: *op,
                lhs: Box::new(lhs.without_spans()),
                rhs: Box::new(rhs.without_spans()),
            },
            ExprKind::Logical { op, lhs, rhs } => ExprKind::Logical {
                op: *op,
                lhs: Box::new(lhs.without_spans()),
                rhs: Box::new(rhs.without_spans()),
            },
            ExprKind::Call { func, args } => ExprKind::Call {
                func: Ident {
                    name: func.name.clone(),
                    span: Span::default(),
                },
                args: args.iter().map(Expr::without_spans).collect(),
            },
            other => other.clone(),
        };
        Expr::new(kind, Span::default())
    }

    /// Calls `f` on this node and every node below it, parents first.
    pub fn walk<'a>(&'a self, f: &mut impl FnMut(&'a Expr)) {
        f(self);
        match &self.kind {
            ExprKind::Unary { operand, .. } => operand.walk(f),
            ExprKind::Binary { lhs, rhs, .. }
            | ExprKind::Compare { lhs, rhs, .. }
            | ExprKind::Logical { lhs, rhs, .. } => {
                lhs.walk(f);
                rhs.walk(f);
            }
            ExprKind::Call { args, .. } => args.iter().for_each(|a| a.walk(f)),
            _ => {}
        }
    }

    /// Every name the expression reads (variables, constants, units), in order of appearance; function
    /// names are not included.
    pub fn names(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.walk(&mut |e| {
            if let ExprKind::Name(n) = &e.kind {
                out.push(n.as_str());
            }
        });
        out
    }

    /// Whether any node is an [`ExprKind::Error`].
    pub fn has_error(&self) -> bool {
        let mut found = false;
        self.walk(&mut |e| found |= matches!(e.kind, ExprKind::Error));
        found
    }
}

/// The three kinds of equation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EquationKind {
    /// `dv/dt = expr : unit`
    Differential,
    /// `x = expr : unit`
    Subexpression,
    /// `x : unit`
    Parameter,
}

/// One line (or multi-line entry) of a model's equations.
#[derive(Clone, Debug, PartialEq)]
pub struct Equation {
    /// Differential equation, subexpression or parameter.
    pub kind: EquationKind,
    /// The variable it defines.
    pub name: Ident,
    /// The right-hand side (absent for parameters).
    pub expr: Option<Expr>,
    /// The unit specification after `:`.
    pub unit: UnitExpr,
    /// The flags in brackets after the unit.
    pub flags: Vec<Flag>,
    /// The whole equation.
    pub span: Span,
}

/// A flag such as `unless refractory` or `constant over dt` (its words joined by single spaces).
#[derive(Clone, Debug, PartialEq)]
pub struct Flag {
    /// The flag's text, whitespace normalised.
    pub text: String,
    /// Where it was written.
    pub span: Span,
}

/// A unit specification (`volt`, `siemens/metre**2`, `1`, `boolean`).
#[derive(Clone, Debug, PartialEq)]
pub struct UnitExpr {
    /// Its shape.
    pub kind: UnitExprKind,
    /// Where it was written.
    pub span: Span,
}

/// The shapes of a unit specification.
#[derive(Clone, Debug, PartialEq)]
pub enum UnitExprKind {
    /// A unit name (or `boolean`, `integer`).
    Name(String),
    /// A number (`1` for dimensionless; anything else is rejected by the checker).
    Number(f64),
    /// `a * b`
    Mul(Box<UnitExpr>, Box<UnitExpr>),
    /// `a / b`
    Div(Box<UnitExpr>, Box<UnitExpr>),
    /// `a ** n`
    Pow(Box<UnitExpr>, f64),
}

/// The operator of a statement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AssignOp {
    /// `=`
    Assign,
    /// `+=`
    Add,
    /// `-=`
    Sub,
    /// `*=`
    Mul,
    /// `/=`
    Div,
    /// `//=`
    FloorDiv,
    /// `%=`
    Mod,
    /// `**=`
    Pow,
}

impl AssignOp {
    /// The arithmetic operator of an augmented assignment (`+=` → `+`), `None` for `=`.
    pub fn binop(self) -> Option<BinOp> {
        Some(match self {
            AssignOp::Assign => return None,
            AssignOp::Add => BinOp::Add,
            AssignOp::Sub => BinOp::Sub,
            AssignOp::Mul => BinOp::Mul,
            AssignOp::Div => BinOp::Div,
            AssignOp::FloorDiv => BinOp::FloorDiv,
            AssignOp::Mod => BinOp::Mod,
            AssignOp::Pow => BinOp::Pow,
        })
    }
}

/// A statement of reset or event code: `target op value`.
#[derive(Clone, Debug, PartialEq)]
pub struct Statement {
    /// The variable written.
    pub target: Ident,
    /// `=`, `+=`, ...
    pub op: AssignOp,
    /// The right-hand side.
    pub value: Expr,
    /// The whole statement.
    pub span: Span,
}

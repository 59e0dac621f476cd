//! The text form of the AST: Python syntax with the fewest brackets that keep the tree's shape, so
//! that parsing what was printed gives the same tree back.

use std::fmt;

use crate::ast::*;

/// How tightly an expression binds (higher binds tighter), by Python's rules.
pub fn precedence(e: &Expr) -> u8 {
    match &e.kind {
        ExprKind::Logical {
            op: LogicalOp::Or, ..
        } => 1,
        ExprKind::Logical {
            op: LogicalOp::And, ..
        } => 2,
        ExprKind::Unary {
            op: UnaryOp::Not, ..
        } => 3,
        ExprKind::Compare { .. } => 4,
        ExprKind::Binary {
            op: BinOp::Add | BinOp::Sub,
            ..
        } => 5,
        ExprKind::Binary {
            op: BinOp::Mul | BinOp::Div | BinOp::FloorDiv | BinOp::Mod,
            ..
        } => 6,
        ExprKind::Unary { .. } => 7,
        ExprKind::Binary { op: BinOp::Pow, .. } => 8,
        _ => 9,
    }
}

fn write_child(f: &mut fmt::Formatter<'_>, e: &Expr, min: u8) -> fmt::Result {
    if precedence(e) < min {
        write!(f, "({e})")
    } else {
        write!(f, "{e}")
    }
}

impl fmt::Display for BinOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::FloorDiv => "//",
            BinOp::Mod => "%",
            BinOp::Pow => "**",
        })
    }
}

impl fmt::Display for CmpOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        })
    }
}

impl fmt::Display for AssignOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.binop() {
            None => f.write_str("="),
            Some(op) => write!(f, "{op}="),
        }
    }
}

/// Writes a float so that it reads back as the same float and still looks like a float (`1.0`, `1e-05`).
pub(crate) fn write_float(f: &mut fmt::Formatter<'_>, v: f64) -> fmt::Result {
    if v.is_finite() {
        let s = format!("{v:?}");
        f.write_str(&s)
    } else if v.is_nan() {
        f.write_str("nan")
    } else if v > 0.0 {
        f.write_str("inf")
    } else {
        f.write_str("-inf")
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = precedence(self);
        match &self.kind {
            ExprKind::Int(v) => write!(f, "{v}"),
            ExprKind::Float(v) => write_float(f, *v),
            ExprKind::Bool(true) => f.write_str("True"),
            ExprKind::Bool(false) => f.write_str("False"),
            ExprKind::Name(n) => f.write_str(n),
            ExprKind::Error => f.write_str("<error>"),
            ExprKind::Unary { op, operand } => {
                f.write_str(match op {
                    UnaryOp::Neg => "-",
                    UnaryOp::Pos => "+",
                    UnaryOp::Not => "not ",
                })?;
                write_child(f, operand, p)
            }
            ExprKind::Binary {
                op: BinOp::Pow,
                lhs,
                rhs,
            } => {
                write_child(f, lhs, 9)?;
                f.write_str("**")?;
                write_child(f, rhs, 7)
            }
            ExprKind::Binary { op, lhs, rhs } => {
                write_child(f, lhs, p)?;
                write!(f, " {op} ")?;
                write_child(f, rhs, p + 1)
            }
            ExprKind::Compare { op, lhs, rhs } => {
                write_child(f, lhs, p + 1)?;
                write!(f, " {op} ")?;
                write_child(f, rhs, p + 1)
            }
            ExprKind::Logical { op, lhs, rhs } => {
                write_child(f, lhs, p)?;
                f.write_str(match op {
                    LogicalOp::And => " and ",
                    LogicalOp::Or => " or ",
                })?;
                write_child(f, rhs, p + 1)
            }
            ExprKind::Call { func, args } => {
                write!(f, "{}(", func.name)?;
                for (k, a) in args.iter().enumerate() {
                    if k > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{a}")?;
                }
                f.write_str(")")
            }
        }
    }
}

impl fmt::Display for UnitExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            UnitExprKind::Name(n) => f.write_str(n),
            UnitExprKind::Number(v) if v.fract() == 0.0 && v.abs() < 1e15 => write!(f, "{v}"),
            UnitExprKind::Number(v) => write_float(f, *v),
            UnitExprKind::Mul(a, b) => write!(f, "{a}*{b}"),
            UnitExprKind::Div(a, b) => write!(f, "{a}/{b}"),
            UnitExprKind::Pow(a, n) => write!(f, "{a}**{n}"),
        }
    }
}

impl fmt::Display for Statement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.target.name, self.op, self.value)
    }
}

impl fmt::Display for Equation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            EquationKind::Differential => write!(f, "d{}/dt = ", self.name.name)?,
            EquationKind::Subexpression => write!(f, "{} = ", self.name.name)?,
            EquationKind::Parameter => write!(f, "{}", self.name.name)?,
        }
        if let Some(e) = &self.expr {
            write!(f, "{e} ")?;
        } else {
            f.write_str(" ")?;
        }
        write!(f, ": {}", self.unit)?;
        if !self.flags.is_empty() {
            let flags: Vec<&str> = self.flags.iter().map(|fl| fl.text.as_str()).collect();
            write!(f, " ({})", flags.join(", "))?;
        }
        Ok(())
    }
}

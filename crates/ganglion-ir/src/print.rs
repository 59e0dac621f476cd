//! The stable, line-oriented text form of kernels (what `ganglion ir` prints and snapshots pin).

use std::fmt::{self, Write};

use crate::kernel::*;

fn op_name(op: BinOp) -> &'static str {
    match op {
        BinOp::Add => "add",
        BinOp::Sub => "sub",
        BinOp::Mul => "mul",
        BinOp::Div => "div",
        BinOp::FloorDiv => "floordiv",
        BinOp::Mod => "mod",
        BinOp::Pow => "pow",
        BinOp::And => "and",
        BinOp::Or => "or",
    }
}

fn cmp_name(op: CmpOp) -> &'static str {
    match op {
        CmpOp::Eq => "eq",
        CmpOp::Ne => "ne",
        CmpOp::Lt => "lt",
        CmpOp::Le => "le",
        CmpOp::Gt => "gt",
        CmpOp::Ge => "ge",
    }
}

fn write_const(out: &mut String, c: Const) {
    let _ = match c {
        Const::Bool(b) => write!(out, "{b}"),
        Const::I32(v) => write!(out, "{v}"),
        Const::I64(v) => write!(out, "{v}"),
        Const::F32(v) => write!(out, "{v:?}"),
        Const::F64(v) => write!(out, "{v:?}"),
    };
}

fn v(id: ValueId) -> String {
    format!("%{}", id.0)
}

fn index(k: &Kernel, a: ArrayId, i: Index) -> String {
    let name = k.arrays.get(a.0 as usize).map_or("?", |d| d.name.as_str());
    match i {
        Index::Neuron => format!("{name}[i]"),
        Index::Shared => format!("{name}[0]"),
        Index::At(k) => format!("{name}[{}]", v(k)),
    }
}

fn write_block(out: &mut String, k: &Kernel, b: &Block, indent: usize) {
    let pad = " ".repeat(indent);
    for inst in &b.insts {
        out.push_str(&pad);
        if let Some(r) = inst.result {
            let _ = write!(out, "{}: {} = ", v(r), inst.ty.name());
        }
        match &inst.op {
            Op::Const(c) => {
                out.push_str("const ");
                write_const(out, *c);
            }
            Op::Param(p) => {
                let _ = write!(
                    out,
                    "param {}",
                    k.params.get(p.0 as usize).map_or("?", |p| p.name.as_str())
                );
            }
            Op::Time => out.push_str("time"),
            Op::Dt => out.push_str("dt"),
            Op::Step => out.push_str("step"),
            Op::NeuronIndex => out.push_str("index"),
            Op::Load(a, i) => {
                let _ = write!(out, "load {}", index(k, *a, *i));
            }
            Op::Store(a, i, x) => {
                let _ = write!(out, "store {}, {}", index(k, *a, *i), v(*x));
            }
            Op::Unary(UnOp::Neg, x) => {
                let _ = write!(out, "neg {}", v(*x));
            }
            Op::Unary(UnOp::Not, x) => {
                let _ = write!(out, "not {}", v(*x));
            }
            Op::Binary(op, a, b) => {
                let _ = write!(out, "{} {}, {}", op_name(*op), v(*a), v(*b));
            }
            Op::Cmp(op, a, b) => {
                let _ = write!(out, "cmp.{} {}, {}", cmp_name(*op), v(*a), v(*b));
            }
            Op::Select(c, a, b) => {
                let _ = write!(out, "select {}, {}, {}", v(*c), v(*a), v(*b));
            }
            Op::Cast(x) => {
                let _ = write!(out, "cast {}", v(*x));
            }
            Op::Call(f, args) => {
                let args: Vec<String> = args.iter().map(|a| v(*a)).collect();
                let _ = write!(out, "call {}({})", f.name(), args.join(", "));
            }
            Op::Random {
                normal,
                stream,
                draw,
            } => {
                let kind = if *normal { "normal" } else { "uniform" };
                let _ = if *stream == 0 {
                    write!(out, "random.{kind} #{draw}")
                } else {
                    write!(out, "random.{kind} #{draw} (stream {stream})")
                };
            }
            Op::Binomial { n, p, stream, draw } => {
                let _ = if *stream == 0 {
                    write!(out, "random.binomial({n}, {p:?}) #{draw}")
                } else {
                    write!(out, "random.binomial({n}, {p:?}) #{draw} (stream {stream})")
                };
            }
            Op::Expm { n, entries } => {
                let args: Vec<String> = entries.iter().map(|a| v(*a)).collect();
                let _ = write!(out, "expm {n} [{}]", args.join(", "));
            }
            Op::Extract(x, i) => {
                let _ = write!(out, "extract {}[{i}]", v(*x));
            }
            Op::Emit(e, c) => {
                let _ = write!(
                    out,
                    "emit {} if {}",
                    k.events.get(e.0 as usize).map_or("?", |s| s.as_str()),
                    v(*c)
                );
            }
            Op::If(c, body) => {
                let _ = writeln!(out, "if {}:", v(*c));
                write_block(out, k, body, indent + 2);
                continue;
            }
        }
        out.push('\n');
    }
}

/// A short name for a kernel kind.
pub fn kind_name(kind: &KernelKind) -> String {
    match kind {
        KernelKind::StateUpdate => "state update".into(),
        KernelKind::Threshold(e) => format!("threshold {e}"),
        KernelKind::Reset(e) => format!("on {e}"),
        KernelKind::SubexpressionUpdate => "subexpression update".into(),
        KernelKind::RunRegularly => "run_regularly".into(),
        KernelKind::Init => "initial values".into(),
        KernelKind::Pathway(p) => format!("pathway {p}"),
        KernelKind::Summed(v) => format!("summed {v}"),
        KernelKind::PoissonInput(v) => format!("poisson input to {v}"),
        KernelKind::Fused(kinds) => {
            let names: Vec<String> = kinds.iter().map(kind_name).collect();
            format!("fused: {}", names.join(" + "))
        }
    }
}

impl fmt::Display for Kernel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let domain = match self.domain {
            Domain::Neurons => "neurons".to_string(),
            Domain::Events(e) => format!(
                "{} events",
                self.events.get(e.0 as usize).map_or("?", |s| s.as_str())
            ),
        };
        writeln!(
            f,
            "kernel {} ({}) over {}",
            self.name,
            kind_name(&self.kind),
            domain
        )?;
        for a in &self.arrays {
            let extent = match a.extent {
                Extent::PerNeuron => "per neuron",
                Extent::Shared => "shared",
                Extent::Indexed => "indexed",
            };
            writeln!(f, "  array {}: {} {}", a.name, a.ty.name(), extent)?;
        }
        for p in &self.params {
            writeln!(f, "  param {}: {}", p.name, p.ty.name())?;
        }
        for e in &self.events {
            writeln!(f, "  event {e}")?;
        }
        for (name, block) in [
            ("setup", &self.setup),
            ("scalar", &self.scalar),
            ("vector", &self.vector),
        ] {
            if block.insts.is_empty() {
                continue;
            }
            writeln!(f, "  {name}:")?;
            let mut s = String::new();
            write_block(&mut s, self, block, 4);
            f.write_str(&s)?;
        }
        Ok(())
    }
}

//! The stable text form of a checked model (`ganglion ir --stage model`).

use std::fmt;

use crate::model::*;

impl fmt::Display for NeuronGroupModel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "group {} (N = {})", self.name, self.n)?;
        writeln!(f, "  variables:")?;
        for v in &self.variables {
            let mut flags = Vec::new();
            if v.shared {
                flags.push("shared");
            }
            if v.constant {
                flags.push("constant");
            }
            if v.linked {
                flags.push("linked");
            }
            if v.unless_refractory {
                flags.push("unless refractory");
            }
            let kind = match v.kind {
                VariableKind::Differential => "differential",
                VariableKind::Parameter => "parameter",
                VariableKind::ConstantOverDt => "constant over dt",
                VariableKind::LastSpike => "lastspike",
                VariableKind::NotRefractory => "not_refractory",
            };
            write!(f, "    {} : {} {} [{}]", v.name, v.ty, v.dim, kind)?;
            if !flags.is_empty() {
                write!(f, " ({})", flags.join(", "))?;
            }
            writeln!(f)?;
        }
        if !self.subexpressions.is_empty() {
            writeln!(f, "  subexpressions:")?;
            for s in &self.subexpressions {
                let mut flags = Vec::new();
                if s.shared {
                    flags.push("shared");
                }
                if s.constant_over_dt {
                    flags.push("constant over dt");
                }
                write!(f, "    {} = {} : {} {}", s.name, s.expr, s.ty, s.dim)?;
                if !flags.is_empty() {
                    write!(f, " ({})", flags.join(", "))?;
                }
                writeln!(f)?;
            }
        }
        if !self.diff_eqs.is_empty() {
            writeln!(
                f,
                "  equations ({}):",
                match self.stochastic {
                    StochasticType::Deterministic => "deterministic",
                    StochasticType::Additive => "additive noise",
                    StochasticType::Multiplicative => "multiplicative noise",
                }
            )?;
            for d in &self.diff_eqs {
                let gate = if d.unless_refractory {
                    "  (unless refractory)"
                } else {
                    ""
                };
                writeln!(f, "    d{}/dt = {}{gate}", d.var, d.rhs)?;
            }
        }
        match &self.refractory {
            Refractory::None => {}
            Refractory::Period(e) => writeln!(f, "  refractory: period {e}")?,
            Refractory::Condition(e) => writeln!(f, "  refractory: while {e}")?,
        }
        for e in &self.events {
            writeln!(f, "  event {}: {}", e.name, e.condition)?;
        }
        for c in &self.event_codes {
            writeln!(f, "  on {}:", c.event)?;
            for s in &c.code.statements {
                let temp = if s.new_temporary { " (temporary)" } else { "" };
                writeln!(f, "    {} {} {}{temp}", s.target, s.op, s.value)?;
            }
        }
        if !self.externals.is_empty() {
            writeln!(f, "  externals:")?;
            for (name, v) in self.externals.iter() {
                writeln!(f, "    {name} = {:?} : {} {}", v.value, v.ty, v.dim)?;
            }
        }
        Ok(())
    }
}

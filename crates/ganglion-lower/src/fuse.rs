//! Fusion: consecutive kernels of one group run in one pass over its neurons.
//!
//! A state updater, the spike thresholder and the reset become one loop: integrate, test the threshold,
//! record the spike, apply the reset, while the neuron's state is still in registers. A kernel over an
//! event buffer (the reset) becomes an `If` on the condition that emitted the event. Whether fusion is
//! legal depends on the schedule (nothing in between may read or write the group's state); the caller
//! decides that, this module only builds the fused kernel.

use std::collections::HashMap;

use ganglion_ir::{
    ArrayId, Block, Domain, EventId, Inst, Kernel, KernelKind, Op, ParamId, ValueId,
};

/// Why kernels cannot be fused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("cannot fuse: {0}")]
pub struct FuseError(pub String);

struct Renamer {
    values: HashMap<ValueId, ValueId>,
    arrays: Vec<ArrayId>,
    params: Vec<ParamId>,
    events: Vec<EventId>,
    stream_offset: u32,
}

impl Renamer {
    fn v(&self, v: ValueId) -> ValueId {
        self.values[&v]
    }

    fn op(&self, op: &Op) -> Op {
        let v = |x: &ValueId| self.v(*x);
        match op {
            Op::Param(p) => Op::Param(self.params[p.0 as usize]),
            Op::Load(a, i) => Op::Load(self.arrays[a.0 as usize], *i),
            Op::Store(a, i, x) => Op::Store(self.arrays[a.0 as usize], *i, v(x)),
            Op::Unary(o, x) => Op::Unary(*o, v(x)),
            Op::Binary(o, a, b) => Op::Binary(*o, v(a), v(b)),
            Op::Cmp(o, a, b) => Op::Cmp(*o, v(a), v(b)),
            Op::Select(c, a, b) => Op::Select(v(c), v(a), v(b)),
            Op::Cast(x) => Op::Cast(v(x)),
            Op::Call(f, args) => Op::Call(*f, args.iter().map(v).collect()),
            Op::Random {
                normal,
                stream,
                draw,
            } => Op::Random {
                normal: *normal,
                stream: stream + self.stream_offset,
                draw: *draw,
            },
            Op::Binomial { n, p, stream, draw } => Op::Binomial {
                n: *n,
                p: *p,
                stream: stream + self.stream_offset,
                draw: *draw,
            },
            Op::Expm { n, entries } => Op::Expm {
                n: *n,
                entries: entries.iter().map(v).collect(),
            },
            Op::Extract(x, k) => Op::Extract(v(x), *k),
            Op::Emit(e, c) => Op::Emit(self.events[e.0 as usize], v(c)),
            Op::If(c, body) => Op::If(v(c), self.block_ref(body)),
            other => other.clone(),
        }
    }

    fn block_ref(&self, b: &Block) -> Block {
        Block {
            insts: b
                .insts
                .iter()
                .map(|i| Inst {
                    result: i.result.map(|r| self.v(r)),
                    ty: i.ty,
                    op: self.op(&i.op),
                })
                .collect(),
        }
    }
}

fn number_values(b: &Block, next: &mut u32, map: &mut HashMap<ValueId, ValueId>) {
    b.walk(&mut |i| {
        if let Some(r) = i.result {
            map.insert(r, ValueId(*next));
            *next += 1;
        }
    });
}

/// Fuses `kernels` (in schedule order) into one kernel over the group's neurons.
pub fn fuse(name: &str, kernels: &[&Kernel]) -> Result<Kernel, FuseError> {
    let mut out = Kernel::new(
        name,
        KernelKind::Fused(kernels.iter().map(|k| k.kind.clone()).collect()),
        Domain::Neurons,
    );
    out.streams.clear();
    let mut next = 0u32;
    // The condition that emitted each event, in the fused kernel's numbering.
    let mut emitted: HashMap<String, ValueId> = HashMap::new();
    let mut vector: Vec<Inst> = Vec::new();
    let mut stored_so_far: Vec<String> = Vec::new();
    for k in kernels {
        let mut values = HashMap::new();
        number_values(&k.setup, &mut next, &mut values);
        number_values(&k.scalar, &mut next, &mut values);
        number_values(&k.vector, &mut next, &mut values);
        let arrays = k
            .arrays
            .iter()
            .map(|a| out.array(&a.name, a.ty, a.extent))
            .collect();
        let params = k.params.iter().map(|p| out.param(&p.name, p.ty)).collect();
        let events = k.events.iter().map(|e| out.event(e)).collect();
        let r = Renamer {
            values,
            arrays,
            params,
            events,
            stream_offset: out.streams.len() as u32,
        };
        out.streams.extend(&k.streams);
        // Scalar code of a later kernel runs before the loop: it must not read what earlier loops write.
        let mut reads_stored = None;
        k.scalar.walk(&mut |i| {
            if let Op::Load(a, _) = &i.op
                && stored_so_far.contains(&k.arrays[a.0 as usize].name)
            {
                reads_stored = Some(k.arrays[a.0 as usize].name.clone());
            }
        });
        if let Some(a) = reads_stored {
            return Err(FuseError(format!(
                "`{}` reads `{a}` before the loop",
                k.name
            )));
        }
        out.setup.insts.extend(r.block_ref(&k.setup).insts);
        out.scalar.insts.extend(r.block_ref(&k.scalar).insts);
        let body = r.block_ref(&k.vector);
        match k.domain {
            Domain::Neurons => {
                for i in &body.insts {
                    if let Op::Emit(e, c) = &i.op {
                        emitted.insert(out.events[e.0 as usize].clone(), *c);
                    }
                }
                vector.extend(body.insts);
            }
            Domain::Events(e) => {
                let event = &k.events[e.0 as usize];
                let Some(cond) = emitted.get(event) else {
                    return Err(FuseError(format!(
                        "`{}` runs on `{event}`, which no earlier kernel emits",
                        k.name
                    )));
                };
                vector.push(Inst {
                    result: None,
                    ty: ganglion_ir::Type::Bool,
                    op: Op::If(*cond, body),
                });
            }
        }
        k.vector.walk(&mut |i| {
            if let Op::Store(a, _, _) = &i.op {
                stored_so_far.push(k.arrays[a.0 as usize].name.clone());
            }
        });
    }
    out.vector.insts = vector;
    out.num_values = next;
    ganglion_ir::verify(&out).map_err(|e| FuseError(e.to_string()))?;
    ganglion_ir::passes::optimize(&mut out);
    Ok(out)
}

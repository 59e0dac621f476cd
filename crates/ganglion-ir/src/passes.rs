//! Clean-up passes on kernels: hoisting loop-invariant work out of the per-neuron loop, merging equal
//! computations, and removing unused ones. Cranelift does none of this for us.

use std::collections::{HashMap, HashSet};

use crate::kernel::*;

/// Where a value is available.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Avail {
    Setup,
    Scalar,
    Vector,
}

/// Decides where an instruction may run, given where its operands are available.
type LevelOf<'a> = dyn Fn(&Inst, &HashMap<ValueId, Avail>, Avail) -> Avail + 'a;

/// Moves work to the outermost block where its inputs are available: values that depend only on
/// constants, parameters and `dt` go to setup (once per run); values that depend only on those, time
/// and shared variables not written by the vector code go to scalar (once per call). Nothing with an
/// effect moves, and random draws stay where they are.
pub fn hoist(kernel: &mut Kernel) {
    let mut avail: HashMap<ValueId, Avail> = HashMap::new();
    let mut setup = std::mem::take(&mut kernel.setup.insts);
    let mut scalar = std::mem::take(&mut kernel.scalar.insts);
    let vector = std::mem::take(&mut kernel.vector.insts);

    let written_in_vector: HashSet<ArrayId> = {
        let mut w = HashSet::new();
        Block {
            insts: vector.clone(),
        }
        .walk(&mut |i| {
            if let Op::Store(a, _, _) = &i.op {
                w.insert(*a);
            }
        });
        w
    };
    let written_in_scalar: HashSet<ArrayId> = {
        let mut w = HashSet::new();
        for i in &scalar {
            if let Op::Store(a, _, _) = &i.op {
                w.insert(*a);
            }
        }
        w
    };

    // Where an instruction could run, given its operands.
    let level_of = |inst: &Inst, avail: &HashMap<ValueId, Avail>, home: Avail| -> Avail {
        let operands = inst.op.operands();
        let inputs = operands
            .iter()
            .map(|v| avail.get(v).copied().unwrap_or(home))
            .max();
        let own = match &inst.op {
            Op::Const(_) | Op::Param(_) | Op::Dt => Avail::Setup,
            Op::Time | Op::Step => Avail::Scalar,
            Op::NeuronIndex => Avail::Vector,
            Op::Load(a, Index::Shared)
                if home == Avail::Vector && !written_in_vector.contains(a) =>
            {
                Avail::Scalar
            }
            Op::Load(a, Index::Shared)
                if home == Avail::Scalar && !written_in_scalar.contains(a) =>
            {
                Avail::Scalar
            }
            op if op.is_pure() => Avail::Setup,
            _ => home,
        };
        own.max(inputs.unwrap_or(Avail::Setup)).min(home)
    };

    // Setup stays as it is.
    for i in &setup {
        if let Some(r) = i.result {
            avail.insert(r, Avail::Setup);
        }
    }
    // Scalar: pure work that needs only setup values moves to setup.
    let mut kept_scalar = Vec::new();
    for inst in std::mem::take(&mut scalar) {
        let lvl = level_of(&inst, &avail, Avail::Scalar);
        if let Some(r) = inst.result {
            avail.insert(r, lvl);
        }
        if lvl == Avail::Setup {
            setup.push(inst);
        } else {
            kept_scalar.push(inst);
        }
    }
    scalar = kept_scalar;
    // Vector, including the pure work inside `If` bodies (which may move out to setup or scalar, but not
    // into the unconditional vector code).
    fn hoist_block(
        insts: Vec<Inst>,
        nested: bool,
        avail: &mut HashMap<ValueId, Avail>,
        setup: &mut Vec<Inst>,
        scalar: &mut Vec<Inst>,
        level_of: &LevelOf<'_>,
    ) -> Vec<Inst> {
        let mut kept = Vec::new();
        for mut inst in insts {
            if let Op::If(c, body) = &mut inst.op {
                let _ = c;
                let inner = std::mem::take(&mut body.insts);
                body.insts = hoist_block(inner, true, avail, setup, scalar, level_of);
                kept.push(inst);
                continue;
            }
            let lvl = level_of(&inst, avail, Avail::Vector);
            if let Some(r) = inst.result {
                avail.insert(
                    r,
                    if nested && lvl == Avail::Vector {
                        Avail::Vector
                    } else {
                        lvl
                    },
                );
            }
            match lvl {
                Avail::Setup => setup.push(inst),
                Avail::Scalar => scalar.push(inst),
                Avail::Vector => kept.push(inst),
            }
        }
        kept
    }
    let vector = hoist_block(
        vector,
        false,
        &mut avail,
        &mut setup,
        &mut scalar,
        &level_of,
    );
    kernel.setup.insts = setup;
    kernel.scalar.insts = scalar;
    kernel.vector.insts = vector;
}

/// A key that identifies a pure computation.
fn key(inst: &Inst) -> Option<String> {
    if !inst.op.is_pure() || inst.result.is_none() {
        return None;
    }
    Some(format!("{:?}|{:?}", inst.ty, inst.op))
}

/// Merges equal pure instructions (same operation, operands and type), keeping the first; later uses
/// are renamed to it. Values of outer blocks are visible in inner ones, so an inner duplicate of an
/// outer value is merged too.
pub fn cse(kernel: &mut Kernel) {
    let mut rename: HashMap<ValueId, ValueId> = HashMap::new();
    let mut seen: Vec<HashMap<String, ValueId>> = vec![HashMap::new()];
    fn block(
        b: &mut Block,
        rename: &mut HashMap<ValueId, ValueId>,
        seen: &mut Vec<HashMap<String, ValueId>>,
    ) {
        let mut kept = Vec::with_capacity(b.insts.len());
        for mut inst in std::mem::take(&mut b.insts) {
            rename_operands(&mut inst.op, rename);
            if let Op::If(_, body) = &mut inst.op {
                seen.push(HashMap::new());
                block(body, rename, seen);
                seen.pop();
                kept.push(inst);
                continue;
            }
            if let Some(k) = key(&inst) {
                if let Some(prev) = seen.iter().rev().find_map(|m| m.get(&k)) {
                    rename.insert(inst.result.expect("pure instructions have values"), *prev);
                    continue;
                }
                seen.last_mut()
                    .expect("a scope")
                    .insert(k, inst.result.expect("keyed"));
            }
            kept.push(inst);
        }
        b.insts = kept;
    }
    block(&mut kernel.setup, &mut rename, &mut seen);
    block(&mut kernel.scalar, &mut rename, &mut seen);
    block(&mut kernel.vector, &mut rename, &mut seen);
}

fn rename_operands(op: &mut Op, rename: &HashMap<ValueId, ValueId>) {
    let r = |v: &mut ValueId| {
        if let Some(n) = rename.get(v) {
            *v = *n;
        }
    };
    match op {
        Op::Load(_, Index::At(k)) => r(k),
        Op::Store(_, Index::At(k), v) => {
            r(k);
            r(v);
        }
        Op::Store(_, _, v)
        | Op::Unary(_, v)
        | Op::Cast(v)
        | Op::Extract(v, _)
        | Op::Emit(_, v)
        | Op::If(v, _) => r(v),
        Op::Binary(_, a, b) | Op::Cmp(_, a, b) => {
            r(a);
            r(b);
        }
        Op::Select(c, a, b) => {
            r(c);
            r(a);
            r(b);
        }
        Op::Call(_, args) | Op::Expm { entries: args, .. } => args.iter_mut().for_each(r),
        _ => {}
    }
}

/// Removes pure instructions whose values are never used.
pub fn dce(kernel: &mut Kernel) {
    loop {
        let mut used: HashSet<ValueId> = HashSet::new();
        for b in [&kernel.setup, &kernel.scalar, &kernel.vector] {
            b.walk(&mut |i| used.extend(i.op.operands()));
        }
        let mut removed = false;
        fn prune(b: &mut Block, used: &HashSet<ValueId>, removed: &mut bool) {
            b.insts.retain_mut(|i| {
                if let Op::If(_, body) = &mut i.op {
                    prune(body, used, removed);
                    return true;
                }
                let dead = i.op.is_pure() && i.result.is_some_and(|r| !used.contains(&r));
                *removed |= dead;
                !dead
            });
        }
        prune(&mut kernel.setup, &used, &mut removed);
        prune(&mut kernel.scalar, &used, &mut removed);
        prune(&mut kernel.vector, &used, &mut removed);
        if !removed {
            break;
        }
    }
}

/// Replaces `select(c, x, x)` by `x`.
pub fn fold_selects(kernel: &mut Kernel) {
    let mut rename: HashMap<ValueId, ValueId> = HashMap::new();
    fn block(b: &mut Block, rename: &mut HashMap<ValueId, ValueId>) {
        for inst in &mut b.insts {
            rename_operands(&mut inst.op, rename);
            if let Op::If(_, body) = &mut inst.op {
                block(body, rename);
            }
            if let (Op::Select(_, a, b), Some(r)) = (&inst.op, inst.result)
                && a == b
            {
                rename.insert(r, *a);
            }
        }
    }
    block(&mut kernel.setup, &mut rename);
    block(&mut kernel.scalar, &mut rename);
    block(&mut kernel.vector, &mut rename);
}

/// Evaluates pure operations whose operands are all constants (with the interpreter's semantics, so
/// the result is what every backend would compute) and replaces them by constants; `x**2` becomes
/// `x*x`.
pub fn fold_constants(kernel: &mut Kernel) {
    use crate::interp::{Value, eval_pure};
    let mut consts: HashMap<ValueId, Value> = HashMap::new();
    fn block(b: &mut Block, consts: &mut HashMap<ValueId, Value>) {
        for inst in &mut b.insts {
            if let Op::If(_, body) = &mut inst.op {
                block(body, consts);
                continue;
            }
            let Some(r) = inst.result else { continue };
            if let Op::Const(c) = inst.op {
                consts.insert(r, Value::of_const(c));
                continue;
            }
            if !inst.op.is_pure()
                || matches!(
                    inst.op,
                    Op::Param(_) | Op::Dt | Op::Time | Op::Step | Op::NeuronIndex
                )
            {
                continue;
            }
            // `x**2` is `x*x` (the same correctly rounded value; what numpy and gcc compute).
            if let Op::Binary(BinOp::Pow, x, y) = inst.op
                && consts.get(&y).is_some_and(|c| {
                    matches!(c, Value::F64(v) if *v == 2.0)
                        || matches!(c, Value::F32(v) if *v == 2.0)
                })
            {
                inst.op = Op::Binary(BinOp::Mul, x, x);
            }
            let operands = inst.op.operands();
            if operands.is_empty() || !operands.iter().all(|v| consts.contains_key(v)) {
                continue;
            }
            let args: Vec<Value> = operands.iter().map(|v| consts[v].clone()).collect();
            if let Some(value) = eval_pure(&inst.op, inst.ty, &args)
                && let Some(c) = value.as_const()
            {
                inst.op = Op::Const(c);
                consts.insert(r, value);
            }
        }
    }
    block(&mut kernel.setup, &mut consts);
    block(&mut kernel.scalar, &mut consts);
    block(&mut kernel.vector, &mut consts);
}

/// Store-to-load forwarding: a load of an element the same block already stored or loaded (with no
/// store to that array in between inside an `If`) is replaced by the known value. Fused kernels need
/// this: the thresholder's loads read what the state updater just stored.
pub fn forward_stores(kernel: &mut Kernel) {
    let mut rename: HashMap<ValueId, ValueId> = HashMap::new();
    /// Arrays stored to in a block. (A store to one element forgets every known element of the array:
    /// computed indices may alias.)
    fn stored_in(b: &Block) -> HashSet<ArrayId> {
        let mut s = HashSet::new();
        b.walk(&mut |i| {
            if let Op::Store(a, _, _) = &i.op {
                s.insert(*a);
            }
        });
        s
    }
    fn block(
        b: &mut Block,
        known: &mut HashMap<(ArrayId, Index), ValueId>,
        rename: &mut HashMap<ValueId, ValueId>,
    ) {
        let mut kept = Vec::with_capacity(b.insts.len());
        for mut inst in std::mem::take(&mut b.insts) {
            rename_operands(&mut inst.op, rename);
            match &mut inst.op {
                Op::Load(a, idx) => {
                    let key = (*a, *idx);
                    if let (Some(v), Some(r)) = (known.get(&key), inst.result) {
                        rename.insert(r, *v);
                        continue;
                    }
                    if let Some(r) = inst.result {
                        known.insert(key, r);
                    }
                }
                Op::Store(a, idx, x) => {
                    let a = *a;
                    known.retain(|(b, _), _| *b != a);
                    // A store at a computed index may not happen (an index out of range is skipped), so
                    // what it stores is not known to be there.
                    if !matches!(idx, Index::At(_)) {
                        known.insert((a, *idx), *x);
                    }
                }
                Op::If(_, body) => {
                    let mut inner = known.clone();
                    block(body, &mut inner, rename);
                    let stored = stored_in(body);
                    known.retain(|(a, _), _| !stored.contains(a));
                }
                _ => {}
            }
            kept.push(inst);
        }
        b.insts = kept;
    }
    for b in [&mut kernel.scalar, &mut kernel.vector] {
        let mut known = HashMap::new();
        block(b, &mut known, &mut rename);
    }
}

/// Merges `If` blocks with the same condition that follow each other (only emits and pure
/// instructions in between), so that a rare path is tested once.
pub fn merge_ifs(kernel: &mut Kernel) {
    fn block(b: &mut Block) {
        let mut out: Vec<Inst> = Vec::with_capacity(b.insts.len());
        for mut inst in std::mem::take(&mut b.insts) {
            if let Op::If(_, body) = &mut inst.op {
                block(body);
            }
            if let Op::If(c, body) = &inst.op {
                // The latest If in `out`, if only emits and pure instructions follow it.
                let prev = out.iter().rposition(|i| matches!(i.op, Op::If(..)));
                let clear = prev.is_some_and(|p| {
                    out[p + 1..]
                        .iter()
                        .all(|i| matches!(i.op, Op::Emit(..)) || i.op.is_pure())
                });
                if let (Some(p), true) = (prev, clear)
                    && let Op::If(pc, pbody) = &mut out[p].op
                    && pc == c
                {
                    pbody.insts.extend(body.insts.iter().cloned());
                    // The second body may read values defined between the two `If`s: move those (pure
                    // work and emits, which cannot depend on the first body) before the merged `If`.
                    let merged = out.remove(p);
                    out.push(merged);
                    continue;
                }
            }
            out.push(inst);
        }
        b.insts = out;
    }
    block(&mut kernel.vector);
}

/// Division by a value that is the same for every neuron becomes multiplication by its reciprocal,
/// computed once in the block that defines the divisor (per run or per step). A division costs a dozen
/// multiplications in the per-neuron loop. The result may differ from the exact quotient by one ulp, as
/// with the `-ffast-math` (reciprocal-math) flags Brian2 compiles its C++ code with. Run after `hoist`.
pub fn reciprocals(kernel: &mut Kernel) {
    let mut outer: HashMap<ValueId, bool> = HashMap::new(); // value → defined in setup?
    for i in &kernel.setup.insts {
        if let Some(r) = i.result {
            outer.insert(r, true);
        }
    }
    for i in &kernel.scalar.insts {
        if let Some(r) = i.result {
            outer.insert(r, false);
        }
    }
    let mut recip: HashMap<ValueId, ValueId> = HashMap::new();
    let mut new_setup = Vec::new();
    let mut new_scalar = Vec::new();
    let mut fresh = kernel.num_values;
    fn visit(
        b: &mut Block,
        outer: &HashMap<ValueId, bool>,
        recip: &mut HashMap<ValueId, ValueId>,
        out: (&mut Vec<Inst>, &mut Vec<Inst>),
        fresh: &mut u32,
    ) {
        let (new_setup, new_scalar) = out;
        for inst in &mut b.insts {
            if let Op::If(_, body) = &mut inst.op {
                visit(
                    body,
                    outer,
                    recip,
                    (&mut *new_setup, &mut *new_scalar),
                    fresh,
                );
                continue;
            }
            let ty = inst.ty;
            let Op::Binary(BinOp::Div, x, u) = inst.op else {
                continue;
            };
            let Some(&in_setup) = outer.get(&u) else {
                continue;
            };
            if !matches!(ty, Type::F64 | Type::F32) {
                continue;
            }
            let r = *recip.entry(u).or_insert_with(|| {
                let one = ValueId(*fresh);
                let r = ValueId(*fresh + 1);
                *fresh += 2;
                let dest = if in_setup {
                    &mut *new_setup
                } else {
                    &mut *new_scalar
                };
                let c = if ty == Type::F32 {
                    Const::F32(1.0)
                } else {
                    Const::F64(1.0)
                };
                dest.push(Inst {
                    result: Some(one),
                    ty,
                    op: Op::Const(c),
                });
                dest.push(Inst {
                    result: Some(r),
                    ty,
                    op: Op::Binary(BinOp::Div, one, u),
                });
                r
            });
            inst.op = Op::Binary(BinOp::Mul, x, r);
        }
    }
    visit(
        &mut kernel.vector,
        &outer,
        &mut recip,
        (&mut new_setup, &mut new_scalar),
        &mut fresh,
    );
    kernel.num_values = fresh;
    kernel.setup.insts.extend(new_setup);
    kernel.scalar.insts.extend(new_scalar);
}

/// Hoisting, merging and dead-code removal, in the order that cleans up the most.
pub fn optimize(kernel: &mut Kernel) {
    merge_ifs(kernel);
    forward_stores(kernel);
    fold_constants(kernel);
    cse(kernel);
    fold_selects(kernel);
    hoist(kernel);
    reciprocals(kernel);
    cse(kernel);
    dce(kernel);
    renumber(kernel);
}

/// Renumbers values `%0, %1, ...` in the order they are defined, for a tidy text form.
pub fn renumber(kernel: &mut Kernel) {
    let mut map: HashMap<ValueId, ValueId> = HashMap::new();
    fn block(b: &mut Block, map: &mut HashMap<ValueId, ValueId>) {
        for inst in &mut b.insts {
            rename_operands(&mut inst.op, map);
            if let Op::If(_, body) = &mut inst.op {
                block(body, map);
            }
            if let Some(r) = inst.result {
                let n = ValueId(map.len() as u32);
                map.insert(r, n);
                inst.result = Some(n);
            }
        }
    }
    block(&mut kernel.setup, &mut map);
    block(&mut kernel.scalar, &mut map);
    block(&mut kernel.vector, &mut map);
    kernel.num_values = map.len() as u32;
}

//! When the elements of an event kernel may be run on several threads: Brian2's synaptic code
//! (`ge_post += w`) writes the synapse's own variables and one neuron's variables, reached through the
//! synapse's `_synaptic_post` (or `_synaptic_pre`). Elements whose neurons differ never touch the same
//! memory, so an event buffer cut by that neuron's index (its *key*) can be run in ranges on different
//! threads; kept in buffer order within each range, every neuron sees its synapses in the order one
//! thread would, and the result is the same bit for bit.

use std::collections::HashMap;

use crate::kernel::{ArrayId, Domain, Extent, Index, Kernel, Op, ValueId};

/// How an event kernel's elements may be divided between threads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventSplit {
    /// By the element itself: the kernel writes only the current element of per-element arrays.
    Element,
    /// By the value of this array at the element (an integer array the kernel only reads): every write
    /// to another element is at that value, and the arrays written there are read only there.
    Key(ArrayId),
}

/// Whether `k` (a kernel over an event buffer) may run with its buffer divided between threads, and by
/// what: elements with different keys must never write the same memory. `None` where it may not (a
/// kernel over neurons, a store in scalar code or to a shared variable, an emitted event, writes through
/// two different indices, or an array written through an index and read through another).
pub fn event_split(k: &Kernel) -> Option<EventSplit> {
    if !matches!(k.domain, Domain::Events(_)) {
        return None;
    }
    let mut ok = true;
    k.scalar.walk(&mut |i| ok &= !matches!(i.op, Op::Store(..)));
    // Where each value of the vector code comes from: the array an integer key is loaded from.
    let mut key_of: HashMap<ValueId, ArrayId> = HashMap::new();
    let mut stored = vec![false; k.arrays.len()];
    k.vector.walk(&mut |i| match i.op {
        Op::Load(a, Index::Neuron) if i.ty.is_int() => {
            if let Some(r) = i.result {
                key_of.insert(r, a);
            }
        }
        Op::Cast(x) if i.ty.is_int() => {
            if let (Some(r), Some(&a)) = (i.result, key_of.get(&x)) {
                key_of.insert(r, a);
            }
        }
        Op::Store(a, _, _) => stored[a.0 as usize] = true,
        Op::Emit(..) => ok = false,
        _ => {}
    });
    if !ok {
        return None;
    }
    // Every access to a written array: the current element, or the element at the one key; never both.
    let mut key: Option<ArrayId> = None;
    let mut at_element = vec![false; k.arrays.len()];
    let mut at_key = vec![false; k.arrays.len()];
    k.vector.walk(&mut |i| {
        let (Op::Load(a, index) | Op::Store(a, index, _)) = i.op else {
            return;
        };
        let a_ = a.0 as usize;
        if !stored[a_] {
            return;
        }
        match index {
            Index::Neuron => {
                ok &= k.arrays[a_].extent == Extent::PerNeuron;
                at_element[a_] = true;
            }
            Index::Shared => ok = false,
            Index::At(v) => match key_of.get(&v) {
                Some(&by) if !stored[by.0 as usize] && key.is_none_or(|k| k == by) => {
                    key = Some(by);
                    at_key[a_] = true;
                }
                _ => ok = false,
            },
        }
    });
    if !ok || at_element.iter().zip(&at_key).any(|(e, k)| *e && *k) {
        return None;
    }
    Some(match key {
        Some(a) => EventSplit::Key(a),
        None => EventSplit::Element,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builder::{Builder, Level};
    use crate::kernel::{BinOp, EventId, KernelKind, Type};

    /// A pathway kernel with arrays `_synaptic_post`, `w` (the synapse's) and `P.v` (the target's).
    fn pathway() -> (Builder, ArrayId, ArrayId, ArrayId) {
        let mut b = Builder::new(Kernel::new(
            "S.pre",
            KernelKind::Pathway("pre".into()),
            Domain::Events(EventId(0)),
        ));
        b.kernel.event("pre");
        let post = b
            .kernel
            .array("_synaptic_post", Type::I32, Extent::PerNeuron);
        let w = b.kernel.array("w", Type::F64, Extent::PerNeuron);
        let v = b.kernel.array("P.v", Type::F64, Extent::Indexed);
        (b, post, w, v)
    }

    fn target(b: &mut Builder, post: ArrayId) -> ValueId {
        let raw = b.value(Type::I32, Op::Load(post, Index::Neuron));
        b.cast(Type::I64, raw)
    }

    #[test]
    fn synapse_only_code_splits_by_synapse() {
        let (mut b, _, w, _) = pathway();
        let x = b.value(Type::F64, Op::Load(w, Index::Neuron));
        let x = b.binary(Type::F64, BinOp::Add, x, x);
        b.effect(Op::Store(w, Index::Neuron, x));
        assert_eq!(event_split(&b.finish()), Some(EventSplit::Element));
    }

    #[test]
    fn code_writing_the_target_splits_by_it() {
        let (mut b, post, w, v) = pathway();
        let j = target(&mut b, post);
        let x = b.value(Type::F64, Op::Load(v, Index::At(j)));
        let y = b.value(Type::F64, Op::Load(w, Index::Neuron));
        let x = b.binary(Type::F64, BinOp::Add, x, y);
        b.effect(Op::Store(v, Index::At(j), x));
        b.effect(Op::Store(w, Index::Neuron, x));
        assert_eq!(event_split(&b.finish()), Some(EventSplit::Key(post)));
    }

    #[test]
    fn shared_or_scalar_stores_and_foreign_indices_are_not_split() {
        // A store to a shared variable.
        let (mut b, _, _, _) = pathway();
        let n = b.kernel.array("count", Type::F64, Extent::Shared);
        let one = b.f64(1.0);
        b.effect(Op::Store(n, Index::Shared, one));
        assert_eq!(event_split(&b.finish()), None);
        // A store in scalar code.
        let (mut b, _, w, _) = pathway();
        b.set_level(Level::Scalar);
        let one = b.f64(1.0);
        b.effect(Op::Store(w, Index::Shared, one));
        assert_eq!(event_split(&b.finish()), None);
        // A store at an index that is not loaded from a synaptic index array.
        let (mut b, _, w, v) = pathway();
        let x = b.value(Type::F64, Op::Load(w, Index::Neuron));
        let j = b.cast(Type::I64, x);
        b.effect(Op::Store(v, Index::At(j), x));
        assert_eq!(event_split(&b.finish()), None);
        // The target's variable read through another index than the one it is written through.
        let (mut b, post, w, v) = pathway();
        let pre = b
            .kernel
            .array("_synaptic_pre", Type::I32, Extent::PerNeuron);
        let i = target(&mut b, pre);
        let j = target(&mut b, post);
        let x = b.value(Type::F64, Op::Load(v, Index::At(i)));
        b.effect(Op::Store(v, Index::At(j), x));
        let _ = w;
        assert_eq!(event_split(&b.finish()), None);
    }
}

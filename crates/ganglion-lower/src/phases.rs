//! Brian2's numpy semantics for synaptic code that reads a neuron's variable after writing it.
//!
//! Brian2's numpy target runs a pathway's statements one at a time over all the synapses due in a step
//! (`v_post += 10*mV` for every synapse, then the next statement for every synapse), so a statement
//! that reads a neuron's variable sees what the earlier statements did to it through *all* synapses.
//! Run synapse by synapse, it would see only the synapses before it. When a pathway's code reads a
//! neuron's variable that an earlier statement wrote, the code is cut there into phases, each a kernel
//! over the same synapses, run one after the other. Brian2 gives up this vectorisation (and runs
//! synapse by synapse) when a statement writes a neuron's variable that an earlier one read; so does
//! Ganglion. Code that needs no cut stays one kernel.

use std::collections::HashSet;

use ganglion_model::{TStatement, ValueType};

use crate::codegen::StorageMap;

/// Where each phase of a pathway's statements starts (the first is 0).
pub fn phase_starts(statements: &[TStatement], storage: &StorageMap) -> Vec<usize> {
    // The array of a neuron's variable a name reaches through the synapse (`v_post`, `v` -> `P.v`).
    let neuron_array = |name: &str| -> Option<String> {
        let info = storage.get(name)?;
        info.via?;
        Some(info.array.clone().unwrap_or_else(|| name.to_string()))
    };
    let mut starts = vec![0];
    let mut read: HashSet<String> = HashSet::new();
    let mut written_in_phase: HashSet<String> = HashSet::new();
    for (k, s) in statements.iter().enumerate() {
        let reads: Vec<String> = s
            .value
            .variables()
            .into_iter()
            .filter_map(neuron_array)
            .collect();
        read.extend(reads.iter().cloned());
        let target = neuron_array(&s.target);
        if target.as_ref().is_some_and(|t| read.contains(t)) {
            // A neuron's variable written after being read: synapse by synapse, as Brian2 does.
            return vec![0];
        }
        if reads.iter().any(|r| written_in_phase.contains(r)) {
            starts.push(k);
            written_in_phase.clear();
        }
        if let Some(t) = target {
            written_in_phase.insert(t);
        }
    }
    starts
}

/// The temporaries that one phase defines and a later one reads, with their types, in order of
/// definition.
pub fn crossing_temporaries(
    statements: &[TStatement],
    starts: &[usize],
) -> Vec<(String, ValueType)> {
    let phase_of = |k: usize| starts.iter().rposition(|&s| s <= k).unwrap_or(0);
    let mut out: Vec<(String, ValueType)> = Vec::new();
    for (k, s) in statements.iter().enumerate() {
        if !s.new_temporary || out.iter().any(|(n, _)| *n == s.target) {
            continue;
        }
        let later = statements[k + 1..].iter().enumerate().any(|(d, u)| {
            phase_of(k + 1 + d) > phase_of(k) && u.value.variables().contains(&s.target.as_str())
        });
        if later {
            out.push((s.target.clone(), s.ty));
        }
    }
    out
}

/// The hidden per-synapse array holding temporary `name` of pathway `event` between phases.
pub fn carried_name(event: &str, name: &str) -> String {
    format!("_{event}_{name}")
}

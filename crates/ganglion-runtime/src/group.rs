//! The state of a group (one array per variable, one buffer per event) and linked variables.

use ganglion_ir::interp::ArrayData;
use ganglion_ir::{Extent, Type};

use crate::distribute::Layout;
use crate::error::BuildError;

/// Identifies a group of a simulation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct GroupId(pub usize);

/// The state of one group: one array per variable, one buffer per event.
#[derive(Clone, Debug, PartialEq)]
pub struct Group {
    name: String,
    n: usize,
    pub(crate) arrays: Vec<(String, ArrayData)>,
    /// Event buffers: the indices of the neurons with the event in the most recent check.
    pub(crate) events: Vec<(String, Vec<u32>)>,
    /// Which elements this process holds and runs when the simulation is distributed.
    pub(crate) layout: Layout,
    /// During a distributed run, the block of neurons this process runs (kernels over neurons run
    /// only these; outside runs every process runs every neuron, keeping its copy of the state whole).
    pub(crate) span: Option<(usize, usize)>,
    /// The shared variables (one element whatever the number of elements).
    pub(crate) shared: Vec<String>,
}

impl Group {
    /// A group of `n` elements with storage for `variables` (name, type, extent), all zero; an error
    /// naming the variable where its memory cannot be had.
    pub(crate) fn new(
        name: &str,
        n: usize,
        variables: &[(String, Type, Extent)],
    ) -> Result<Group, BuildError> {
        let arrays = variables
            .iter()
            .enumerate()
            .map(|(k, (v, ty, extent))| {
                let len = match extent {
                    Extent::PerNeuron | Extent::Indexed => n,
                    Extent::Shared => 1,
                };
                // Stagger equal-length arrays by a few cache lines each.
                let stagger = if len >= 1024 { (k * 9) % 64 * 8 } else { 0 };
                let array = ArrayData::try_staggered(*ty, len, stagger).ok_or_else(|| {
                    BuildError::OutOfMemory {
                        group: name.to_string(),
                        variable: v.clone(),
                        elements: len,
                    }
                })?;
                Ok((v.clone(), array))
            })
            .collect::<Result<_, BuildError>>()?;
        Ok(Group {
            name: name.to_string(),
            n,
            arrays,
            events: Vec::new(),
            layout: Layout::Whole,
            span: None,
            shared: variables
                .iter()
                .filter(|(_, _, e)| *e == Extent::Shared)
                .map(|(v, _, _)| v.clone())
                .collect(),
        })
    }

    /// Its name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Number of elements (neurons, or synapses).
    pub fn n(&self) -> usize {
        self.n
    }

    /// Makes kernels run over the first `n` elements (at most the arrays' length), as for a scratch
    /// group reused for blocks of different sizes.
    pub fn set_n(&mut self, n: usize) {
        self.n = n;
    }

    /// The variables and their storage, in the order they were added.
    pub fn arrays(&self) -> impl Iterator<Item = (&str, &ArrayData)> {
        self.arrays.iter().map(|(n, a)| (n.as_str(), a))
    }

    /// The storage of a variable.
    pub fn array(&self, name: &str) -> Option<&ArrayData> {
        self.arrays.iter().find(|(n, _)| n == name).map(|(_, a)| a)
    }

    /// The storage of a variable, writable.
    pub fn array_mut(&mut self, name: &str) -> Option<&mut ArrayData> {
        self.arrays
            .iter_mut()
            .find(|(n, _)| n == name)
            .map(|(_, a)| a)
    }

    pub(crate) fn array_index(&self, name: &str) -> Option<usize> {
        self.arrays.iter().position(|(n, _)| n == name)
    }

    /// The index of a variable's array, or the error naming who asked for it.
    pub(crate) fn require(&self, variable: &str, user: &str) -> Result<usize, BuildError> {
        self.array_index(variable)
            .ok_or_else(|| BuildError::MissingVariable {
                user: user.to_string(),
                group: self.name.clone(),
                variable: variable.to_string(),
            })
    }

    /// Sets a variable's storage (added at the end, replacing an array of that name).
    pub fn set_array(&mut self, name: &str, data: ArrayData) {
        self.arrays.retain(|(n, _)| n != name);
        self.arrays.push((name.to_string(), data));
    }

    /// Adds a variable (zero) unless it exists.
    pub(crate) fn add_array(&mut self, name: &str, ty: Type, extent: Extent) {
        if self.array_index(name).is_none() {
            let len = if extent == Extent::Shared {
                self.shared.push(name.to_string());
                1
            } else {
                self.n
            };
            self.arrays
                .push((name.to_string(), ArrayData::zeros(ty, len)));
        }
    }

    pub(crate) fn event_index(&mut self, name: &str) -> usize {
        match self.events.iter().position(|(n, _)| n == name) {
            Some(k) => k,
            None => {
                self.events.push((name.to_string(), Vec::new()));
                self.events.len() - 1
            }
        }
    }

    /// An event buffer, created empty when missing.
    pub(crate) fn event_buffer(&mut self, name: &str) -> &mut Vec<u32> {
        let k = self.event_index(name);
        &mut self.events[k].1
    }

    /// Resizes every per-element array to `n` elements (new ones zero); the arrays named in `shared`
    /// keep their one element.
    pub fn resize(&mut self, n: usize, shared: &[&str]) {
        for (name, a) in &mut self.arrays {
            if !shared.contains(&name.as_str()) {
                a.resize(n);
            }
        }
        self.n = n;
    }

    /// Which elements this process holds and runs when the simulation is distributed.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// Sets which elements this process holds and runs (see [`Layout`]).
    pub fn set_layout(&mut self, layout: Layout) {
        self.layout = layout;
    }

    /// The indices of the most recent check of an event (`spikes` for the event `spike`).
    pub fn event(&self, name: &str) -> &[u32] {
        self.events
            .iter()
            .find(|(n, _)| n == name)
            .map_or(&[][..], |(_, v)| v.as_slice())
    }
}

/// A linked variable: the target group's array mirrors a source group's variable (Brian2's
/// `linked_var`), refreshed right before anything of the target group runs.
#[derive(Clone, Debug, PartialEq)]
pub struct Link {
    /// The group with the linked variable.
    pub target: GroupId,
    /// The linked variable.
    pub target_var: String,
    /// The group it refers to.
    pub source: GroupId,
    /// The variable it refers to.
    pub source_var: String,
    /// For each target neuron, the source neuron (`None`: the same index, or element 0 when the target
    /// array has one element).
    pub index: Option<Vec<usize>>,
}

impl Link {
    /// Checks the link against the groups' arrays.
    pub(crate) fn check(&self, groups: &[Group]) -> Result<(), BuildError> {
        let source = &groups[self.source.0];
        let target = &groups[self.target.0];
        let src_len = source.arrays[source.require(&self.source_var, "a link")?]
            .1
            .len();
        let dst_len = target.arrays[target.require(&self.target_var, "a link")?]
            .1
            .len();
        if let Some(ix) = &self.index {
            if ix.len() != dst_len {
                return Err(BuildError::LinkIndexLength {
                    expected: dst_len,
                    found: ix.len(),
                });
            }
            if let Some(&bad) = ix.iter().find(|&&i| i >= src_len) {
                return Err(BuildError::LinkIndexOutOfRange {
                    index: bad,
                    source_group: source.name.clone(),
                    len: src_len,
                });
            }
        } else if src_len != dst_len && src_len != 1 {
            return Err(BuildError::LinkSizes {
                target: target.name.clone(),
                target_len: dst_len,
                source_group: source.name.clone(),
                variable: self.source_var.clone(),
                source_len: src_len,
            });
        }
        Ok(())
    }

    /// Copies the current values of the source into the linked variable.
    pub(crate) fn refresh(&self, groups: &mut [Group]) {
        let values: Vec<f64> = {
            let src = groups[self.source.0]
                .array(&self.source_var)
                .map(ArrayData::to_f64_vec)
                .unwrap_or_default();
            let len = groups[self.target.0]
                .array(&self.target_var)
                .map_or(0, ArrayData::len);
            (0..len)
                .map(|i| match &self.index {
                    Some(ix) => src[ix[i]],
                    None if src.len() == 1 => src[0],
                    None => src[i],
                })
                .collect()
        };
        if let Some(dst) = groups[self.target.0].array_mut(&self.target_var) {
            dst.fill_from_f64(&values);
        }
    }
}

/// Refreshes every linked variable of `group` from its source.
pub(crate) fn refresh_links(groups: &mut [Group], links: &[Link], group: GroupId) {
    for l in links.iter().filter(|l| l.target == group) {
        l.refresh(groups);
    }
}

#[cfg(test)]
mod memory_tests {
    use super::*;

    #[test]
    fn a_group_too_large_for_memory_is_an_error_naming_its_variable() {
        let vars = [("v".to_string(), Type::F64, Extent::PerNeuron)];
        // 2^60 doubles: more than any address space; the allocation is tried and refused, not aborted.
        match Group::new("G", 1 << 60, &vars) {
            Err(BuildError::OutOfMemory {
                group,
                variable,
                elements,
            }) => {
                assert_eq!((group.as_str(), variable.as_str()), ("G", "v"));
                assert_eq!(elements, 1 << 60);
            }
            other => panic!(
                "expected an out-of-memory error, got {:?}",
                other.map(|g| g.n)
            ),
        }
        assert!(Group::new("G", 1000, &vars).is_ok());
    }
}

//! What users hold on to: handles of groups and monitors, slices of groups, and the scheduled objects a
//! group contributes.

use ganglion_runtime::ObjectId;

/// A group (or Synapses object) added to a network.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct GroupHandle(pub(crate) usize);

/// A monitor added to a network.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MonitorHandle(pub(crate) usize);

/// A group, or the contiguous slice `start..stop` of one (Brian2's `P[:3200]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Subgroup {
    /// The group.
    pub group: GroupHandle,
    /// First neuron.
    pub start: usize,
    /// One past the last neuron (`None`: the group's end).
    pub stop: Option<usize>,
}

impl GroupHandle {
    /// The neurons `start..stop` of the group.
    pub fn slice(self, start: usize, stop: usize) -> Subgroup {
        Subgroup {
            group: self,
            start,
            stop: Some(stop),
        }
    }
}

impl From<GroupHandle> for Subgroup {
    fn from(group: GroupHandle) -> Subgroup {
        Subgroup {
            group,
            start: 0,
            stop: None,
        }
    }
}

/// The objects a group contributes to the schedule.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GroupObjects {
    /// The `StateUpdater`.
    pub state_updater: Option<ObjectId>,
    /// One `Thresholder` per event (for a spike generator, the generator makes its `spike` event).
    pub thresholders: Vec<(String, ObjectId)>,
    /// One `Resetter` per event with code (for Synapses: one per pathway).
    pub resetters: Vec<(String, ObjectId)>,
    /// The `SubexpressionUpdater`.
    pub subexpression_updater: Option<ObjectId>,
    /// `run_regularly` operations (for Synapses: also the summed variables).
    pub run_regularly: Vec<ObjectId>,
    /// Poisson inputs targeting the group.
    pub poisson_inputs: Vec<ObjectId>,
}

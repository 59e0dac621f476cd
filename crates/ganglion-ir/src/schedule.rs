//! Where kernels run within a time step: Brian2's schedule (`start, groups, thresholds, synapses,
//! resets, end`), each slot with a `before_` and an `after_` slot around it, and the validated [`Slot`]
//! an object names (its `when`).
//!
//! The vocabulary lives here, beside the kernels it places, because both the checker (which validates
//! what users write) and the runtime (which sorts objects by it) need it, and neither depends on the
//! other.

use std::fmt;

/// The time step of Brian2's `defaultclock` (seconds).
pub const DEFAULT_DT: f64 = 1e-4;

/// Brian2's default schedule (`core.network.default_schedule`).
pub const DEFAULT_SCHEDULE: [&str; 6] =
    ["start", "groups", "thresholds", "synapses", "resets", "end"];

/// Which of the three slots around a schedule entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Position {
    /// `before_<name>`.
    Before,
    /// `<name>`.
    At,
    /// `after_<name>`.
    After,
}

/// A place in the schedule (an object's `when`): an entry's name and where around it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Slot {
    name: String,
    position: Position,
}

/// Why a slot or a schedule is not valid.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SlotError {
    /// A slot name that is empty or not an identifier.
    #[error(
        "`{0}` is not a scheduling slot: slots are names such as `thresholds` or `after_resets`"
    )]
    Malformed(String),
    /// A slot the schedule does not have.
    #[error("unknown scheduling slot `{slot}`")]
    Unknown {
        /// The slot asked for.
        slot: String,
        /// Every slot of the schedule.
        known: Vec<String>,
    },
    /// A schedule entry named `before_...` or `after_...`.
    #[error(
        "`{0}` cannot be an entry of a schedule: `before_` and `after_` slots exist for every entry"
    )]
    Prefixed(String),
    /// A schedule naming an entry twice.
    #[error("the schedule names `{0}` twice")]
    Repeated(String),
}

impl Slot {
    /// The slot `when` names (`thresholds`, `before_resets`, `after_synapses`, ...).
    pub fn parse(when: &str) -> Result<Slot, SlotError> {
        let (position, name) = if let Some(s) = when.strip_prefix("before_") {
            (Position::Before, s)
        } else if let Some(s) = when.strip_prefix("after_") {
            (Position::After, s)
        } else {
            (Position::At, when)
        };
        let identifier = name.chars().next().is_some_and(|c| c.is_alphabetic())
            && name.chars().all(|c| c.is_alphanumeric() || c == '_');
        if !identifier {
            return Err(SlotError::Malformed(when.to_string()));
        }
        Ok(Slot {
            name: name.to_string(),
            position,
        })
    }

    /// The slot of a schedule entry itself (`Slot::at("thresholds")`).
    pub fn at(name: &str) -> Slot {
        Slot {
            name: name.to_string(),
            position: Position::At,
        }
    }

    /// The slot after a schedule entry (`after_thresholds`).
    pub fn after(name: &str) -> Slot {
        Slot {
            name: name.to_string(),
            position: Position::After,
        }
    }

    /// The slot before a schedule entry (`before_start`).
    pub fn before(name: &str) -> Slot {
        Slot {
            name: name.to_string(),
            position: Position::Before,
        }
    }

    /// The schedule entry it belongs to.
    pub fn entry(&self) -> &str {
        &self.name
    }

    /// Where around its entry.
    pub fn position(&self) -> Position {
        self.position
    }
}

impl fmt::Display for Slot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Position::Before => write!(f, "before_{}", self.name),
            Position::At => f.write_str(&self.name),
            Position::After => write!(f, "after_{}", self.name),
        }
    }
}

impl std::str::FromStr for Slot {
    type Err = SlotError;

    fn from_str(s: &str) -> Result<Slot, SlotError> {
        Slot::parse(s)
    }
}

/// The entries of a time step, in order (Brian2's `Network.schedule`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schedule {
    entries: Vec<String>,
}

impl Default for Schedule {
    fn default() -> Schedule {
        Schedule {
            entries: DEFAULT_SCHEDULE.iter().map(|s| s.to_string()).collect(),
        }
    }
}

impl Schedule {
    /// A schedule of these entries (each gets its `before_` and `after_` slots).
    pub fn new<S: AsRef<str>>(entries: impl IntoIterator<Item = S>) -> Result<Schedule, SlotError> {
        let mut out: Vec<String> = Vec::new();
        for e in entries {
            let e = e.as_ref();
            let slot = Slot::parse(e)?;
            if slot.position != Position::At {
                return Err(SlotError::Prefixed(e.to_string()));
            }
            if out.iter().any(|x| x == e) {
                return Err(SlotError::Repeated(e.to_string()));
            }
            out.push(e.to_string());
        }
        Ok(Schedule { entries: out })
    }

    /// The entries, in order.
    pub fn entries(&self) -> &[String] {
        &self.entries
    }

    /// Every slot, in the order objects in them run (`before_start`, `start`, `after_start`, ...).
    pub fn slots(&self) -> Vec<String> {
        self.entries
            .iter()
            .flat_map(|e| [format!("before_{e}"), e.clone(), format!("after_{e}")])
            .collect()
    }

    /// Where a slot runs: `3k`, `3k + 1`, `3k + 2` for `before_`, the entry and `after_` of entry `k`;
    /// `None` when the schedule does not have it.
    pub fn key(&self, slot: &Slot) -> Option<usize> {
        let offset = match slot.position {
            Position::Before => 0,
            Position::At => 1,
            Position::After => 2,
        };
        self.entries
            .iter()
            .position(|s| *s == slot.name)
            .map(|k| 3 * k + offset)
    }

    /// Whether the schedule has the slot (the error lists the slots it has).
    pub fn check(&self, slot: &Slot) -> Result<(), SlotError> {
        match self.key(slot) {
            Some(_) => Ok(()),
            None => Err(SlotError::Unknown {
                slot: slot.to_string(),
                known: self.slots(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_parse_and_print_as_written() {
        for when in ["start", "before_thresholds", "after_resets", "my_slot"] {
            assert_eq!(Slot::parse(when).unwrap().to_string(), when);
        }
        assert!(Slot::parse("").is_err());
        assert!(Slot::parse("after_").is_err());
        assert!(Slot::parse("3groups").is_err());
        assert!(Slot::parse("groups!").is_err());
    }

    #[test]
    fn keys_follow_brians_order() {
        let s = Schedule::default();
        assert_eq!(s.key(&Slot::parse("before_start").unwrap()), Some(0));
        assert_eq!(s.key(&Slot::parse("groups").unwrap()), Some(4));
        assert_eq!(s.key(&Slot::parse("after_end").unwrap()), Some(17));
        assert_eq!(s.key(&Slot::parse("nowhere").unwrap()), None);
    }

    #[test]
    fn unknown_slots_list_the_known_ones() {
        let s = Schedule::default();
        match s.check(&Slot::parse("after_treshold").unwrap()) {
            Err(SlotError::Unknown { known, .. }) => {
                assert_eq!(known.len(), 18);
                assert!(known.contains(&"after_thresholds".to_string()));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn schedules_refuse_prefixed_and_repeated_entries() {
        assert!(matches!(
            Schedule::new(["start", "after_start"]),
            Err(SlotError::Prefixed(_))
        ));
        assert!(matches!(
            Schedule::new(["start", "start"]),
            Err(SlotError::Repeated(_))
        ));
        assert_eq!(
            Schedule::new(["a", "b"]).unwrap().slots(),
            ["before_a", "a", "after_a", "before_b", "b", "after_b"]
        );
    }
}

//! Memory a network will need, estimated from what it is built from before anything is allocated, and
//! the limit it is held to: a model too large for the machine gets an error naming the estimate and
//! what to change, not an abort when an allocation fails (or minutes of building first).

use ganglion_model::connect::{Pattern, Probability, Targets};
use ganglion_model::plan::{MonitorKind, Side};
use ganglion_model::{Location, ModelPlan};

/// Bytes of one value of a state variable, a recorded value or a synaptic index (a `float64`: the
/// estimate does not count on smaller types).
pub(crate) const VALUE_BYTES: f64 = 8.0;

/// Values stored per element besides the model's variables (`i`, `lastspike`, `not_refractory`, an
/// event buffer's entry).
pub(crate) const EXTRA_PER_ELEMENT: f64 = 4.0;

/// Values stored per synapse besides its variables (presynaptic and postsynaptic index, the
/// queues' entries, `lastupdate`, the delay).
pub(crate) const EXTRA_PER_SYNAPSE: f64 = 6.0;

/// The part of the available memory a network may use.
pub const AVAILABLE_FRACTION: f64 = 0.8;

/// The environment variable that sets the memory limit (bytes, or with a suffix `K`, `M`, `G` or `T`).
pub const LIMIT_VARIABLE: &str = "GANGLION_MEMORY_LIMIT";

/// The memory (bytes) a network may use: [`LIMIT_VARIABLE`] when set, else [`AVAILABLE_FRACTION`] of
/// what the system has available now (Linux's `MemAvailable`); `None` where neither is known (then
/// only allocation failures stop a model too large).
pub fn memory_limit() -> Option<u64> {
    if let Ok(text) = std::env::var(LIMIT_VARIABLE) {
        return parse_bytes(&text);
    }
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = meminfo.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some((kib as f64 * 1024.0 * AVAILABLE_FRACTION) as u64)
}

/// `123`, `64K`, `1.5G`, ... as bytes.
fn parse_bytes(text: &str) -> Option<u64> {
    let text = text.trim();
    let (number, scale) = match text.chars().last()?.to_ascii_uppercase() {
        'K' => (&text[..text.len() - 1], 1u64 << 10),
        'M' => (&text[..text.len() - 1], 1 << 20),
        'G' => (&text[..text.len() - 1], 1 << 30),
        'T' => (&text[..text.len() - 1], 1 << 40),
        _ => (text, 1),
    };
    let value: f64 = number.trim().parse().ok()?;
    (value >= 0.0).then_some((value * scale as f64) as u64)
}

/// Bytes as people read them (`1.5 GiB`).
pub fn human_bytes(bytes: u64) -> String {
    let b = bytes as f64;
    if b >= (1u64 << 40) as f64 {
        format!("{:.1} TiB", b / (1u64 << 40) as f64)
    } else if b >= (1u64 << 30) as f64 {
        format!("{:.1} GiB", b / (1u64 << 30) as f64)
    } else {
        format!("{:.1} MiB", b / (1u64 << 20) as f64)
    }
}

/// One part of a model file's estimate.
#[derive(Clone, Debug)]
pub struct MemoryPart {
    /// What it is (`group `G` (N = 1000, 5 variables)`).
    pub what: String,
    /// Where it is written.
    pub at: Location,
    /// Bytes (an estimate; saturating).
    pub bytes: u64,
}

/// Bytes of `elements` elements with `variables` variables each (saturating).
pub(crate) fn state_bytes(elements: f64, variables: f64) -> u64 {
    (elements * variables * VALUE_BYTES) as u64
}

/// The synapses a connect call is expected to make, when known before making them: explicit pairs,
/// one-to-one, one target per source, or every pair with a constant probability (`p`·N_pre·N_post).
/// `None` when a condition or an expression decides (they are counted as they are made).
pub(crate) fn expected_synapses(
    pattern: &Pattern,
    condition: bool,
    p: Option<&Probability>,
    n: usize,
    n_pre: usize,
    n_post: usize,
) -> Option<f64> {
    let per_pair = n as f64;
    let p = match p {
        None => 1.0,
        Some(Probability::Constant(p)) => p.clamp(0.0, 1.0),
        Some(Probability::Expr(_)) => return None,
    };
    Some(match pattern {
        Pattern::Pairs(i, _) => i.len() as f64 * per_pair,
        Pattern::OneToOne => n_pre.min(n_post) as f64 * per_pair,
        Pattern::Generator(Targets::Expr(_)) if !condition => n_pre as f64 * p * per_pair,
        Pattern::Grid if !condition => p * n_pre as f64 * n_post as f64 * per_pair,
        _ => return None,
    })
}

/// The memory a model file's network needs, part by part: every group's state, the synapses each
/// connect call is expected to make, and what state and rate monitors record over all segments (spike
/// and event monitors grow with the activity and are not counted).
pub fn estimate_memory(plan: &ModelPlan) -> Vec<MemoryPart> {
    let mut parts = Vec::new();
    let mut sizes: Vec<(&str, f64, f64)> = Vec::new(); // name, elements, time step
    let default_dt = plan.run.dt.unwrap_or(ganglion_ir::schedule::DEFAULT_DT);
    for g in &plan.groups {
        let vars = g.model.variables.len() as f64 + EXTRA_PER_ELEMENT;
        parts.push(MemoryPart {
            what: format!(
                "group `{}` (N = {}, {} variable{})",
                g.model.name,
                g.model.n,
                g.model.variables.len(),
                if g.model.variables.len() == 1 {
                    ""
                } else {
                    "s"
                }
            ),
            at: g.at,
            bytes: state_bytes(g.model.n as f64, vars),
        });
        sizes.push((&g.model.name, g.model.n as f64, g.dt.unwrap_or(default_dt)));
    }
    let side = |sizes: &[(&str, f64, f64)], s: &Side| -> (f64, f64) {
        let (n, dt) = sizes
            .iter()
            .find(|(name, ..)| *name == s.group)
            .map_or((0.0, default_dt), |&(_, n, dt)| (n, dt));
        match s.range {
            Some((start, stop)) => (stop.saturating_sub(start) as f64, dt),
            None => (n, dt),
        }
    };
    for s in &plan.synapses {
        let (n_pre, _) = side(&sizes, &s.source);
        let (n_post, _) = side(&sizes, &s.target);
        let count: f64 = s
            .connect
            .iter()
            .filter_map(|(c, _)| {
                expected_synapses(
                    &c.pattern,
                    c.condition.is_some(),
                    c.p.as_ref(),
                    c.n,
                    n_pre as usize,
                    n_post as usize,
                )
            })
            .sum();
        let vars = s.model.variables.len() as f64 + EXTRA_PER_SYNAPSE;
        parts.push(MemoryPart {
            what: format!("synapses `{}` (about {count:.0} expected)", s.model.name),
            at: s.at,
            bytes: state_bytes(count, vars),
        });
        sizes.push((&s.model.name, count, s.dt.unwrap_or(default_dt)));
    }
    let duration = plan.duration();
    for m in &plan.monitors {
        let (elements, source_dt) = side(&sizes, &m.source);
        let steps = (duration / m.dt.unwrap_or(source_dt)).ceil().max(0.0);
        let per_step = match &m.kind {
            MonitorKind::State { variables, record } => {
                let recorded = record.as_ref().map_or(elements, |r| r.len() as f64);
                recorded * variables.len() as f64 + 1.0
            }
            MonitorKind::Rate => 2.0,
            MonitorKind::Event { .. } => continue,
        };
        parts.push(MemoryPart {
            what: format!("monitor `{}` ({steps:.0} steps)", m.name),
            at: m.at,
            bytes: state_bytes(steps, per_step),
        });
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_read_with_suffixes() {
        assert_eq!(parse_bytes("123"), Some(123));
        assert_eq!(parse_bytes("64K"), Some(64 << 10));
        assert_eq!(parse_bytes("1.5g"), Some(3 << 29));
        assert_eq!(parse_bytes("2T"), Some(2 << 40));
        assert_eq!(parse_bytes("lots"), None);
        assert_eq!(human_bytes(3 << 29), "1.5 GiB");
    }
}

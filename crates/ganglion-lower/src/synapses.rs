//! The kernels of a Synapses object. A Synapses object is lowered like a group whose elements are the
//! synapses: its clock-driven equations get a state updater over all synapses; each pathway's code
//! (`on_pre`, `on_post`) is a kernel over the synapses due that step, preceded by the exact update of the
//! event-driven equations over `t - lastupdate`; each summed variable is a kernel adding every synapse's
//! term into its neuron. Variables of the pre- and postsynaptic groups are arrays of those groups
//! (`P.v`), read and written at the synapse's neuron (`_synaptic_pre`, `_synaptic_post`).

use ganglion_ir::{BinOp as IrBin, Builder, Domain, Extent, Kernel, KernelKind, Op, Type};
use ganglion_model::{NeuronGroupModel, ValueType};

use crate::codegen::{Codegen, StorageInfo, StorageMap, Via};
use crate::group::{
    Dtypes, LowerError, LowerOptions, finish, float_type, lower_plan, state_updater, storage_map,
    system,
};
use crate::methods::{self, MethodChoice};
use crate::phases;

/// The groups a Synapses object connects.
#[derive(Clone, Copy, Debug)]
pub struct SynapseSides<'a> {
    /// The presynaptic group's name.
    pub source: &'a str,
    /// How its variables are stored.
    pub source_storage: &'a StorageMap,
    /// The postsynaptic group's name.
    pub target: &'a str,
    /// How its variables are stored.
    pub target_storage: &'a StorageMap,
}

/// Per-synapse integer variables every Synapses object has: the neurons (absolute indices into the
/// groups, `_synaptic_pre` and `_synaptic_post`; relative to the subgroups, `i` and `j`) and the
/// numbers of synapses of each synapse's neurons.
pub const SYNAPSE_INDICES: [&str; 6] = [
    "_synaptic_pre",
    "_synaptic_post",
    "i",
    "j",
    "N_incoming",
    "N_outgoing",
];

/// Shared integer variables of every Synapses object: the sizes of the (sub)groups connected.
pub const SYNAPSE_SIZES: [&str; 2] = ["N_pre", "N_post"];

/// How every variable a Synapses object's code can name is stored: its own variables, its indices,
/// `delay` and `lastupdate`, and the variables of the groups it connects, as `x_pre`, `x_post` and
/// (postsynaptic, unless the synapses define the name) `x`.
pub fn synapse_storage(
    model: &NeuronGroupModel,
    sides: &SynapseSides<'_>,
    dtypes: &Dtypes,
) -> StorageMap {
    let mut map = storage_map(model, dtypes);
    for name in SYNAPSE_INDICES {
        map.insert(
            name.into(),
            StorageInfo::own(Type::I32, Extent::PerNeuron, ValueType::Int),
        );
    }
    for name in SYNAPSE_SIZES {
        map.insert(
            name.into(),
            StorageInfo::own(Type::I32, Extent::Shared, ValueType::Int),
        );
    }
    for name in ["delay", "lastupdate"] {
        map.insert(
            name.into(),
            StorageInfo::own(Type::F64, Extent::PerNeuron, ValueType::Float),
        );
    }
    let mut refer = |group: &str, storage: &StorageMap, via: Via, names: &[String]| {
        let mut vars: Vec<(&String, &StorageInfo)> = storage
            .iter()
            .filter(|(v, s)| !v.starts_with('_') && s.via.is_none())
            .collect();
        vars.sort_by(|a, b| a.0.cmp(b.0));
        for (var, info) in vars {
            let reference = StorageInfo {
                array: Some(format!("{group}.{var}")),
                via: Some(via),
                ..info.clone()
            };
            for name in names.iter().map(|n| n.replace("{}", var)) {
                map.entry(name).or_insert_with(|| reference.clone());
            }
        }
    };
    refer(
        sides.source,
        sides.source_storage,
        Via::Pre,
        &["{}_pre".into()],
    );
    refer(
        sides.target,
        sides.target_storage,
        Via::Post,
        &["{}_post".into(), "{}".into()],
    );
    map
}

/// The kernels of a Synapses object.
#[derive(Clone, Debug, PartialEq)]
pub struct SynapseKernels {
    /// The method of the clock-driven equations.
    pub method: Option<MethodChoice>,
    /// The state updater of the clock-driven equations (slot `groups`).
    pub state_update: Option<Kernel>,
    /// Each pathway's code, by pathway (`pre`, `post`), over the pathway's event buffer: one kernel,
    /// or several run one after the other over the same synapses (phases, see [`crate::phases`]).
    pub pathways: Vec<(String, Kernel)>,
    /// Hidden per-synapse arrays that carry temporaries from one phase to the next (name, type).
    pub carried: Vec<(String, Type)>,
    /// Each summed variable: the neuron variable's name in its group, the side, and the kernel adding
    /// every synapse's term (the variable must be zeroed before).
    pub summed: Vec<(String, Via, Kernel)>,
}

/// Lowers a Synapses object's model (checked with its pathways as event code) to its kernels.
pub fn lower_synapses(
    model: &NeuronGroupModel,
    storage: &StorageMap,
    options: &LowerOptions,
) -> Result<SynapseKernels, LowerError> {
    let float = float_type(model, storage);
    let mut clock_driven = model.clone();
    clock_driven.diff_eqs.retain(|d| !d.event_driven);
    let (state_update, method) = if clock_driven.diff_eqs.is_empty() {
        (None, None)
    } else {
        let (k, m) = state_updater(&clock_driven, storage, float, options)?;
        (Some(k), m)
    };
    let mut event_driven = model.clone();
    event_driven.diff_eqs.retain(|d| d.event_driven);
    let event_update = if event_driven.diff_eqs.is_empty() {
        None
    } else {
        let sys = system(&event_driven, false);
        let (_, plan, _) = methods::choose(&["exact".to_string()], &sys)?;
        Some((sys, plan))
    };
    let mut pathways = Vec::new();
    let mut carried = Vec::new();
    for c in &model.event_codes {
        let statements = &c.code.statements;
        let starts = phases::phase_starts(statements, storage);
        let crossing = phases::crossing_temporaries(statements, &starts);
        let mut phase_storage = storage.clone();
        for (name, ty) in &crossing {
            let hidden = phases::carried_name(&c.event, name);
            let memory = match ty {
                ValueType::Float => Type::F64,
                ValueType::Int => Type::I64,
                ValueType::Bool => Type::Bool,
            };
            phase_storage.insert(
                hidden.clone(),
                StorageInfo::own(memory, Extent::PerNeuron, *ty),
            );
            carried.push((hidden, memory));
        }
        for (p, &start) in starts.iter().enumerate() {
            let end = starts.get(p + 1).copied().unwrap_or(statements.len());
            let (first, last) = (p == 0, p + 1 == starts.len());
            let name = match p {
                0 => format!("{}.{}", model.name, c.event),
                _ => format!("{}.{}.{}", model.name, c.event, p + 1),
            };
            let mut k = Kernel::new(name, KernelKind::Pathway(c.event.clone()), Domain::Neurons);
            let e = k.event(&c.event);
            k.domain = Domain::Events(e);
            let mut cg = Codegen::new(Builder::new(k), model, &phase_storage, float);
            if let (true, Some((sys, plan))) = (first, &event_update) {
                // Brian2: event-driven variables are brought up to date at each event, exactly.
                let t = cg.b.value(Type::F64, Op::Time);
                let last = cg.load("lastupdate");
                let since = cg.b.binary(Type::F64, IrBin::Sub, t, last);
                cg.dt_override = Some(since);
                let new = lower_plan(&mut cg, plan, sys, float);
                cg.dt_override = None;
                for (var, v) in sys.vars.iter().zip(new) {
                    cg.store(var, v, ValueType::Float, None);
                }
            }
            // Temporaries of earlier phases, as they left them.
            let defined_before = |n: &str| statements[..start].iter().any(|s| s.target == n);
            for (n, ty) in crossing.iter().filter(|(n, _)| defined_before(n)) {
                let v = cg.load(&phases::carried_name(&c.event, n));
                cg.set_temp(n, v, *ty);
            }
            cg.statements(&statements[start..end], true);
            for n in crossing.iter().map(|(n, _)| n) {
                let assigned = statements[start..end].iter().any(|s| s.target == *n);
                if let (true, false, Some((v, ty))) = (assigned, last, cg.temporary(n)) {
                    cg.store(&phases::carried_name(&c.event, n), v, ty, None);
                }
            }
            if let (true, Some(_)) = (last, &event_update) {
                let t = cg.b.value(Type::F64, Op::Time);
                cg.store("lastupdate", t, ValueType::Float, None);
            }
            pathways.push((c.event.clone(), finish(cg)));
        }
    }
    let mut summed = Vec::new();
    for s in &model.summed {
        let (var, via) = match s.name.strip_suffix("_post") {
            Some(v) => (v, Via::Post),
            None => (s.name.strip_suffix("_pre").unwrap_or(&s.name), Via::Pre),
        };
        let k = Kernel::new(
            format!("{}.summed_{}", model.name, s.name),
            KernelKind::Summed(s.name.clone()),
            Domain::Neurons,
        );
        let mut cg = Codegen::new(Builder::new(k), model, storage, float);
        let term = cg.expr_as(&s.expr, float);
        let old = cg.load(&s.name);
        let sum = cg.b.binary(float, IrBin::Add, old, term);
        cg.store(&s.name, sum, ValueType::Float, None);
        summed.push((var.to_string(), via, finish(cg)));
    }
    Ok(SynapseKernels {
        method,
        state_update,
        pathways,
        carried,
        summed,
    })
}

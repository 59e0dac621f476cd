//! Synapses: their storage, the synapses `connect` makes, and (at the first run after they are added)
//! their state updater, pathways and summed variables in the schedule.

use std::collections::HashMap;

use ganglion_ir::{Extent, Kernel, Type};
use ganglion_lower::{Dtypes, LowerOptions, StorageInfo, SynapseKernels, SynapseSides, Via};
use ganglion_model::plan::Timing;
use ganglion_model::{Location, NeuronGroupModel, SynapseContext};
use ganglion_runtime::Slot;
use ganglion_runtime::synapses::{Delay, PathwaySpec};
use ganglion_runtime::{Layout, Numbers};

use super::groups::{GroupSettings, method_error};
use super::{Driver, GroupEntry, value_map};
use crate::error::Error;
use crate::handles::{GroupHandle, GroupObjects};

/// What Synapses connect, what their code sees of the groups, and how their pathways are triggered.
pub(crate) struct SynapseLink {
    pub(crate) source: GroupHandle,
    pub(crate) source_range: (usize, usize),
    pub(crate) target: GroupHandle,
    pub(crate) target_range: (usize, usize),
    pub(crate) context: SynapseContext,
    /// Pathways triggered by an event other than `spike`.
    pub(crate) on_event: HashMap<String, String>,
    /// The `pre` pathway's delay (seconds).
    pub(crate) delay: f64,
}

/// What the driver keeps about a Synapses object besides what every group has.
pub(crate) struct SynapseEntry {
    pub(crate) link: SynapseLink,
    pub(crate) dtypes: Dtypes,
    pub(crate) method_at: Option<Location>,
    /// The objects are in the schedule (from the first run on).
    pub(crate) registered: bool,
    /// `connect` calls made, numbering their random streams.
    pub(crate) connects: u64,
    /// Where the network is distributed: the synapses made on every process, and each source
    /// neuron's count of them (`N_outgoing`).
    pub(crate) made: u64,
    pub(crate) outgoing: Vec<u32>,
}

impl Driver {
    /// Adds checked synapses (none made yet: `connect` makes them).
    pub(crate) fn add_synapses(
        &mut self,
        model: NeuronGroupModel,
        link: SynapseLink,
        s: GroupSettings,
    ) -> Result<GroupHandle, Error> {
        let name = model.name.clone();
        let sides = SynapseSides {
            source: &self.entry(link.source).name,
            source_storage: &self.entry(link.source).storage,
            target: &self.entry(link.target).name,
            target_storage: &self.entry(link.target).storage,
        };
        let storage = ganglion_lower::synapse_storage(&model, &sides, &s.dtypes);
        let mut own: Vec<(String, StorageInfo)> = storage
            .iter()
            .filter(|(_, st)| st.via.is_none())
            .map(|(n, st)| (n.clone(), st.clone()))
            .collect();
        own.sort_by(|a, b| a.0.cmp(&b.0));
        let variables: Vec<(String, Type, Extent)> = own
            .iter()
            .map(|(n, st)| (n.clone(), st.ty, st.extent))
            .collect();
        let id = self.sim.add_group(&name, 0, &variables)?;
        if self.sim.exchange().is_some() {
            // A process holds the synapses onto the neurons it owns.
            let target = self.sim.group(self.entry(link.target).id);
            if !matches!(target.layout(), Layout::Block(..)) {
                return Err(ganglion_runtime::BuildError::NotDistributed {
                    object: name,
                    what: "synapses onto a spike generator".into(),
                }
                .into());
            }
            self.sim
                .group_mut(id)
                .set_layout(Layout::Subset(Numbers::new()));
        }
        let sizes = [
            ("N_pre", link.source_range.1 - link.source_range.0),
            ("N_post", link.target_range.1 - link.target_range.0),
        ];
        for (var, value) in sizes {
            if let Some(a) = self.sim.group_mut(id).array_mut(var) {
                a.fill_from_f64(&[value as f64]);
            }
        }
        let kernels = ganglion_lower::GroupKernels {
            storage: own,
            method: None,
            state_update: None,
            thresholds: Vec::new(),
            event_codes: Vec::new(),
            subexpression_update: None,
        };
        self.groups.push(GroupEntry {
            name,
            id,
            model,
            kernels,
            storage,
            objects: GroupObjects::default(),
            clock: s.clock,
            order: s.order,
            namespace: s.namespace,
            requested_methods: s.methods,
            fusion: Default::default(),
            linked: Default::default(),
            synapses: Some(SynapseEntry {
                link,
                dtypes: s.dtypes,
                method_at: s.method_at,
                registered: false,
                connects: 0,
                made: 0,
                outgoing: Vec::new(),
            }),
        });
        Ok(GroupHandle(self.groups.len() - 1))
    }

    /// Appends synapses `(i, j)` (indices relative to the subgroups), with the default `delay`. In a
    /// distributed network `distributed` gives the numbers of these synapses among those the connect
    /// call made on every process, how many it made, and each source's count.
    pub(crate) fn append_synapses(
        &mut self,
        s: GroupHandle,
        pairs: &[(u32, u32)],
        distributed: Option<(&[u64], u64, &[u32])>,
    ) {
        let mut outgoing = None;
        let mut made_before = 0;
        if let Some((numbers, made, counts)) = distributed {
            let syn = self.groups[s.0].synapses.as_mut().expect("synapses");
            made_before = syn.made;
            syn.made += made;
            syn.outgoing.resize(counts.len(), 0);
            for (o, c) in syn.outgoing.iter_mut().zip(counts) {
                *o += c;
            }
            outgoing = Some(syn.outgoing.clone());
            let id = self.groups[s.0].id;
            if let Layout::Subset(held) = self.sim.group(id).layout() {
                let mut held = held.clone();
                for &k in numbers {
                    held.push(made_before + k);
                }
                self.sim.group_mut(id).set_layout(Layout::Subset(held));
            }
        }
        let entry = &self.groups[s.0];
        let syn = entry.synapses.as_ref().expect("synapses");
        let (src, tgt, delay) = (syn.link.source_range, syn.link.target_range, syn.link.delay);
        let shared: Vec<String> = entry
            .storage
            .iter()
            .filter(|(_, v)| v.via.is_none() && v.extent == Extent::Shared)
            .map(|(n, _)| n.clone())
            .collect();
        let shared: Vec<&str> = shared.iter().map(String::as_str).collect();
        let g = self.sim.group_mut(entry.id);
        let old = g.n();
        let total = old + pairs.len();
        g.resize(total, &shared);
        let column = |g: &mut ganglion_runtime::Group, var: &str, f: &dyn Fn(u32, u32) -> f64| {
            if let Some(a) = g.array_mut(var) {
                for (k, &(i, j)) in pairs.iter().enumerate() {
                    a.set_f64(old + k, f(i, j));
                }
            }
        };
        column(g, "i", &|i, _| f64::from(i));
        column(g, "j", &|_, j| f64::from(j));
        column(g, "_synaptic_pre", &|i, _| (i as usize + src.0) as f64);
        column(g, "_synaptic_post", &|_, j| (j as usize + tgt.0) as f64);
        column(g, "delay", &|_, _| delay);
        column(g, "lastupdate", &|_, _| 0.0);
        // N_incoming and N_outgoing of every synapse.
        let count = |g: &ganglion_runtime::Group, var: &str, n: usize| -> Vec<f64> {
            let idx = g.array(var).map(|a| a.to_f64_vec()).unwrap_or_default();
            let mut counts = vec![0usize; n];
            for &k in &idx {
                counts[k as usize] += 1;
            }
            idx.iter().map(|&k| counts[k as usize] as f64).collect()
        };
        let incoming = count(g, "j", tgt.1 - tgt.0);
        let outgoing = match &outgoing {
            // (Distributed: the synapses of a source are on every process; counted as they were made.)
            Some(counts) => g
                .array("i")
                .map(|a| a.to_f64_vec())
                .unwrap_or_default()
                .iter()
                .map(|&i| f64::from(counts[i as usize]))
                .collect(),
            None => count(g, "i", src.1 - src.0),
        };
        if let Some(a) = g.array_mut("N_incoming") {
            a.fill_from_f64(&incoming);
        }
        if let Some(a) = g.array_mut("N_outgoing") {
            a.fill_from_f64(&outgoing);
        }
        // `N` is every synapse, on every process.
        self.groups[s.0].model.n = match distributed {
            Some((_, made, _)) => (made_before + made) as usize,
            None => total,
        };
    }

    /// Puts the synapses' objects into the schedule (at the first run after they were added):
    /// state updater, pathways, summed variables.
    pub(crate) fn register_synapses(&mut self) -> Result<(), Error> {
        for gi in 0..self.groups.len() {
            let entry = &self.groups[gi];
            let Some(syn) = entry.synapses.as_ref().filter(|s| !s.registered) else {
                continue;
            };
            let options = LowerOptions {
                methods: entry.requested_methods.clone(),
                dtypes: syn.dtypes.clone(),
                clock_dt: Some(self.sim.clock(entry.clock).dt),
            };
            let kernels = ganglion_lower::lower_synapses(&entry.model, &entry.storage, &options)
                .map_err(|e| method_error(&entry.model, e, syn.method_at))?;
            let g = GroupHandle(gi);
            for (name, ty) in &kernels.carried {
                self.sim.add_array(entry.id, name, *ty, Extent::PerNeuron);
            }
            let entry = &self.groups[gi];
            let mut objects = GroupObjects::default();
            if let Some(k) = &kernels.state_update {
                let info = self.info(
                    g,
                    format!("{}_stateupdater", entry.name),
                    Slot::at("groups"),
                    &Timing::default(),
                    None,
                );
                let overrides = value_map(&entry.namespace);
                objects.state_updater = Some(self.sim.add_kernel(info, entry.id, k, overrides)?);
            }
            self.register_pathways(g, &kernels, &mut objects)?;
            self.register_summed(g, &kernels, &mut objects)?;
            let entry = &mut self.groups[gi];
            entry.objects = objects;
            entry.kernels.method = kernels.method;
            entry.kernels.state_update = kernels.state_update;
            entry.kernels.event_codes = kernels.pathways.into_iter().map(|(_, k)| k).collect();
            if let Some(s) = entry.synapses.as_mut() {
                s.registered = true;
            }
        }
        Ok(())
    }

    /// Each pathway: spikes of its source queued at their delays, then its code over the synapses due.
    fn register_pathways(
        &mut self,
        g: GroupHandle,
        kernels: &SynapseKernels,
        objects: &mut GroupObjects,
    ) -> Result<(), Error> {
        let entry = self.entry(g);
        let syn = entry.synapses.as_ref().expect("synapses");
        let (source, target) = (
            self.entry(syn.link.source).id,
            self.entry(syn.link.target).id,
        );
        let mut added = Vec::new();
        // A pathway's phases are consecutive kernels of the same pathway.
        let mut pathways: Vec<(&String, Vec<Kernel>)> = Vec::new();
        for (pathway, k) in &kernels.pathways {
            match pathways.last_mut() {
                Some((p, phases)) if *p == pathway => phases.push(k.clone()),
                _ => pathways.push((pathway, vec![k.clone()])),
            }
        }
        for (pathway, k) in pathways {
            let pre = pathway.starts_with("pre");
            let spec = PathwaySpec {
                synapses: entry.id.0,
                source: if pre { source.0 } else { target.0 },
                source_event: syn
                    .link
                    .on_event
                    .get(pathway)
                    .cloned()
                    .unwrap_or_else(|| "spike".into()),
                range: if pre {
                    syn.link.source_range
                } else {
                    syn.link.target_range
                },
                index_array: if pre { Via::Pre } else { Via::Post }.index_array().into(),
                buffer: pathway.clone(),
                delay: if pathway == "pre" {
                    Delay::PerSynapse("delay".into())
                } else {
                    Delay::Homogeneous(0.0)
                },
            };
            // Brian2: presynaptic pathways at order -1, postsynaptic ones at +1.
            let timing = Timing {
                when: None,
                order: Some(if pre { -1 } else { 1 }),
            };
            let name = format!("{}_{pathway}", entry.name);
            let info = self.info(g, name, Slot::at("synapses"), &timing, None);
            added.push((pathway, info, spec, k, value_map(&entry.namespace)));
        }
        for (pathway, info, spec, k, overrides) in added {
            let o = self.sim.add_pathway(info, spec, &k, overrides)?;
            objects.resetters.push((pathway.clone(), o));
        }
        Ok(())
    }

    /// Each summed variable: zeroed, then every synapse's term added, just before the target's group
    /// objects.
    fn register_summed(
        &mut self,
        g: GroupHandle,
        kernels: &SynapseKernels,
        objects: &mut GroupObjects,
    ) -> Result<(), Error> {
        let entry = self.entry(g);
        let syn = entry.synapses.as_ref().expect("synapses");
        let target_order = self.entry(syn.link.target).order;
        let mut added = Vec::new();
        for (var, via, k) in &kernels.summed {
            let (group, range) = match via {
                Via::Post => (self.entry(syn.link.target).id, syn.link.target_range),
                Via::Pre => (self.entry(syn.link.source).id, syn.link.source_range),
            };
            let timing = Timing {
                when: None,
                order: Some(target_order - 1),
            };
            let name = format!("{}_summed_variable_{var}", entry.name);
            let info = self.info(g, name, Slot::at("groups"), &timing, None);
            added.push((info, group, var, range, k, value_map(&entry.namespace)));
        }
        let id = entry.id;
        for (info, group, var, range, k, overrides) in added {
            let o = self
                .sim
                .add_summed(info, id, group, var, range, k, overrides)?;
            objects.run_regularly.push(o);
        }
        Ok(())
    }
}

//! A group's objects: lowering a checked group into its state updater, thresholders, resetters and
//! subexpression updater; event code, `run_regularly`, event schedules and links.

use std::collections::HashSet;

use ganglion_ir::{Extent, Kernel, KernelKind, Type};
use ganglion_lower::{ChoiceError, Dtypes, LowerError, LowerOptions, MethodError};
use ganglion_model::plan::Timing;
use ganglion_model::{
    CodeBlock, Location, Namespace, NeuronGroupModel, StochasticType, VariableKind,
};
use ganglion_runtime::{ClockId, Link, ObjectId, Slot};
use ganglion_syntax::{Diagnostic, Span};

use super::{Driver, GroupEntry, value_map};
use crate::error::{Error, UsageError};
use crate::handles::{GroupHandle, GroupObjects};

/// How a checked group is lowered and scheduled.
pub(crate) struct GroupSettings {
    /// Integration methods to try, in order.
    pub(crate) methods: Vec<String>,
    /// Where they are written, for an error when none applies (else the model).
    pub(crate) method_at: Option<Location>,
    /// Storage types.
    pub(crate) dtypes: Dtypes,
    /// Its clock.
    pub(crate) clock: ClockId,
    /// Order within the slots.
    pub(crate) order: i64,
    /// Its own namespace.
    pub(crate) namespace: Namespace,
}

impl Driver {
    /// Adds a checked group: chooses its integration method, lowers it, and schedules its objects.
    pub(crate) fn add_group(
        &mut self,
        model: NeuronGroupModel,
        s: GroupSettings,
    ) -> Result<GroupHandle, Error> {
        let options = LowerOptions {
            methods: s.methods.clone(),
            dtypes: s.dtypes.clone(),
            clock_dt: Some(self.sim.clock(s.clock).dt),
        };
        let kernels = ganglion_lower::lower_group(&model, &options)
            .map_err(|e| method_error(&model, e, s.method_at))?;
        let storage = ganglion_lower::storage_map(&model, &s.dtypes);
        let variables: Vec<(String, Type, Extent)> = kernels
            .storage
            .iter()
            .map(|(n, st)| (n.clone(), st.ty, st.extent))
            .collect();
        let id = self.sim.add_group(&model.name, model.n, &variables)?;
        if let Some(e) = self.sim.exchange() {
            // Distributed: every process stores the group; each runs its block of neurons.
            let (start, stop) = ganglion_runtime::distribute::block(model.n, e.ranks(), e.rank());
            self.sim
                .group_mut(id)
                .set_layout(ganglion_runtime::Layout::Block(start, stop));
        }
        // Brian2's initial values: 0, except lastspike = -1e4 s and not_refractory = True.
        for v in &model.variables {
            let (name, value) = match v.kind {
                VariableKind::LastSpike => ("lastspike", -1e4),
                VariableKind::NotRefractory => ("not_refractory", 1.0),
                _ => continue,
            };
            if let Some(a) = self.sim.group_mut(id).array_mut(name) {
                a.fill_from_f64(&vec![value; model.n]);
            }
        }
        let handle = GroupHandle(self.groups.len());
        self.groups.push(GroupEntry {
            name: model.name.clone(),
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
            linked: HashSet::new(),
            synapses: None,
        });
        self.schedule_group_kernels(handle)?;
        Ok(handle)
    }

    /// Puts a new group's kernels into the schedule at Brian2's slots.
    fn schedule_group_kernels(&mut self, g: GroupHandle) -> Result<(), Error> {
        /// What a kernel of the group is.
        enum Role {
            Subexpressions,
            StateUpdater,
            Thresholder(String),
            Resetter(String),
        }
        let entry = self.entry(g);
        let name = &entry.name;
        let (id, overrides) = (entry.id, value_map(&entry.namespace));
        let mut scheduled: Vec<(String, Slot, Kernel, Role)> = Vec::new();
        let k = &entry.kernels;
        if let Some(k) = &k.subexpression_update {
            let object = format!("{name}_subexpression_update");
            scheduled.push((
                object,
                Slot::before("start"),
                k.clone(),
                Role::Subexpressions,
            ));
        }
        if let Some(k) = &k.state_update {
            let object = format!("{name}_stateupdater");
            scheduled.push((object, Slot::at("groups"), k.clone(), Role::StateUpdater));
        }
        for k in &k.thresholds {
            if let KernelKind::Threshold(event) = &k.kind {
                let slot = if event == "spike" {
                    Slot::at("thresholds")
                } else {
                    Slot::after("thresholds")
                };
                let object = format!("{name}_{event}_thresholder");
                scheduled.push((object, slot, k.clone(), Role::Thresholder(event.clone())));
            }
        }
        for k in &k.event_codes {
            if let KernelKind::Reset(event) = &k.kind {
                let slot = if event == "spike" {
                    Slot::at("resets")
                } else {
                    Slot::after("resets")
                };
                let object = format!("{name}_{event}_resetter");
                scheduled.push((object, slot, k.clone(), Role::Resetter(event.clone())));
            }
        }
        let mut objects = GroupObjects::default();
        for (object, slot, kernel, role) in scheduled {
            let info = self.info(g, object, slot, &Timing::default(), None);
            let obj = self.sim.add_kernel(info, id, &kernel, overrides.clone())?;
            match role {
                Role::Subexpressions => objects.subexpression_updater = Some(obj),
                Role::StateUpdater => objects.state_updater = Some(obj),
                Role::Thresholder(e) => objects.thresholders.push((e, obj)),
                Role::Resetter(e) => objects.resetters.push((e, obj)),
            }
        }
        self.groups[g.0].objects = objects;
        Ok(())
    }

    /// Runs checked `code` on `event` (Brian2's `run_on_event`), at `after_resets` unless `timing`
    /// says otherwise.
    pub(crate) fn add_event_code(
        &mut self,
        g: GroupHandle,
        event: &str,
        block: &CodeBlock,
        timing: &Timing,
    ) -> Result<ObjectId, Error> {
        let entry = self.entry(g);
        let mut k = Kernel::new(
            format!("{}.resetter_{event}", entry.name),
            KernelKind::Reset(event.to_string()),
            ganglion_ir::Domain::Neurons,
        );
        let e = k.event(event);
        k.domain = ganglion_ir::Domain::Events(e);
        // Brian2's resetters (of any event) override the conditional write of `(unless refractory)`
        // variables: event code writes them even while the neuron is refractory.
        let kernel = ganglion_lower::lower_event_code(&entry.model, &entry.storage, block, k, true);
        let name = format!("{}_{event}_resetter", entry.name);
        let info = self.info(g, name, Slot::after("resets"), timing, None);
        let (id, overrides) = (entry.id, value_map(&entry.namespace));
        let obj = self.sim.add_kernel(info, id, &kernel, overrides)?;
        self.groups[g.0]
            .objects
            .resetters
            .push((event.to_string(), obj));
        Ok(obj)
    }

    /// Runs checked `code` every `dt` seconds (default: the group's clock) at `start` unless `timing`
    /// says otherwise (Brian2's `run_regularly`).
    pub(crate) fn add_run_regularly(
        &mut self,
        g: GroupHandle,
        block: &CodeBlock,
        dt: Option<f64>,
        timing: &Timing,
    ) -> Result<ObjectId, Error> {
        let entry = self.entry(g);
        let count = entry.objects.run_regularly.len();
        let object_name = if count == 0 {
            format!("{}_run_regularly", entry.name)
        } else {
            format!("{}_run_regularly_{count}", entry.name)
        };
        let kernel = ganglion_lower::lower_code(
            &entry.model,
            &entry.storage,
            block,
            &format!("{}.run_regularly_{count}", entry.name),
        );
        let (id, overrides) = (entry.id, value_map(&entry.namespace));
        let clock = dt.map(|dt| self.sim.add_clock(format!("{object_name}_clock"), dt));
        let info = self.info(g, object_name, Slot::at("start"), timing, clock);
        let obj = self.sim.add_kernel(info, id, &kernel, overrides)?;
        self.groups[g.0].objects.run_regularly.push(obj);
        Ok(obj)
    }

    /// Moves where an event's condition is checked (Brian2's `set_event_schedule`).
    pub(crate) fn set_event_schedule(
        &mut self,
        g: GroupHandle,
        event: &str,
        when: Slot,
        order: Option<i64>,
    ) -> Result<(), Error> {
        let entry = self.entry(g);
        let Some((_, id)) = entry.objects.thresholders.iter().find(|(e, _)| e == event) else {
            return Err(UsageError::UnknownEvent {
                group: entry.name.clone(),
                event: event.to_string(),
            }
            .into());
        };
        let (id, order) = (*id, order.unwrap_or(entry.order));
        self.sim.reschedule(id, when, order);
        Ok(())
    }

    /// Moves an object to another slot and order (those `timing` gives).
    pub(crate) fn reschedule(&mut self, id: ObjectId, timing: &Timing) {
        let info = self.sim.info(id);
        let when = timing.when.clone().unwrap_or_else(|| info.when.clone());
        let order = timing.order.unwrap_or(info.order);
        self.sim.reschedule(id, when, order);
    }

    /// Links `var` of `target` to `source_var` of `source` (checked with `ganglion_model::check_link`).
    pub(crate) fn link(
        &mut self,
        target: GroupHandle,
        var: &str,
        source: GroupHandle,
        source_var: &str,
        index: Option<Vec<usize>>,
    ) -> Result<(), Error> {
        let link = Link {
            target: self.entry(target).id,
            target_var: var.to_string(),
            source: self.entry(source).id,
            source_var: source_var.to_string(),
            index,
        };
        self.sim.add_link(link)?;
        self.groups[target.0].linked.insert(var.to_string());
        Ok(())
    }
}

/// Which methods integrate equations with this kind of noise, as a hint.
fn fitting_methods(noise: StochasticType) -> String {
    let methods = match noise {
        StochasticType::Deterministic => "`method = \"euler\"`, `\"rk2\"` or `\"rk4\"`",
        StochasticType::Additive => "`method = \"euler\"`, `\"heun\"` or `\"milstein\"`",
        StochasticType::Multiplicative => "`method = \"heun\"` or `\"milstein\"`",
    };
    let what = match noise {
        StochasticType::Deterministic => "any deterministic equations",
        StochasticType::Additive => "equations with additive noise",
        StochasticType::Multiplicative => "equations with multiplicative noise",
    };
    format!("choose a method that supports these equations: {methods} integrate {what}")
}

/// The diagnostic of a group (or synapses) whose equations no method can integrate: at the methods
/// where they are written, else at the model.
pub(crate) fn method_error(model: &NeuronGroupModel, e: LowerError, at: Option<Location>) -> Error {
    let LowerError::Method(choice) = e;
    let (message, notes, hint) = match &choice {
        ChoiceError::Method(m) => {
            let hint = match m {
                MethodError::Unknown {
                    suggestion: Some(s),
                    ..
                } => format!("did you mean `{s}`?"),
                _ => format!(
                    "the methods are: {}",
                    ganglion_lower::methods::METHOD_NAMES.join(", ")
                ),
            };
            (m.to_string(), Vec::new(), Some(hint))
        }
        ChoiceError::NoneApplies { refused } => (
            format!(
                "no integration method suitable for the equations of group `{}` was found",
                model.name
            ),
            refused
                .iter()
                .map(|(m, why)| format!("{m}: {why}"))
                .collect(),
            Some(fitting_methods(model.stochastic)),
        ),
    };
    let (source, span) = match at {
        Some(l) => (Some(l.source), l.span),
        None => (model.source, Span::new(0, model.user_equations.len())),
    };
    let mut d = Diagnostic::error(message, span).with_code("method");
    for n in notes {
        d = d.with_note(n);
    }
    if let Some(h) = hint {
        d = d.with_hint(h);
    }
    if let Some(s) = source {
        d = d.in_source(s);
    }
    Error::model(vec![d])
}

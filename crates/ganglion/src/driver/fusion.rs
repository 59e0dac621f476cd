//! Deciding, from the schedule, where a group's state updater, thresholder and reset can run as one
//! fused pass over its neurons, and keeping the runtime's objects in line with that decision.

use ganglion_ir::Kernel;
use ganglion_runtime::{ObjectId, ObjectInfo, Slot};

use super::{Driver, value_map};
use crate::error::Error;
use crate::handles::GroupHandle;

/// Where a group stands with fusion.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Fusion {
    /// The fused object, once created.
    pub(crate) object: Option<ObjectId>,
    /// Whether the fused kernel runs (instead of the separate ones) in the current schedule.
    pub active: bool,
    /// Why it does not, when it does not.
    pub reason: Option<String>,
}

impl Driver {
    /// The objects a fused kernel of group `g` would replace, in schedule order.
    fn fusable_parts(&self, g: GroupHandle) -> Option<Vec<ObjectId>> {
        let objects = &self.entry(g).objects;
        let su = objects.state_updater?;
        let th = objects.thresholders.iter().find(|(e, _)| e == "spike")?.1;
        let mut parts = vec![su, th];
        if let Some((_, rs)) = objects.resetters.iter().find(|(e, _)| e == "spike") {
            parts.push(*rs);
        }
        Some(parts)
    }

    /// Why the parts of group `g` cannot be fused in the current schedule, or `None` when they can.
    fn fusion_blocker(&self, g: GroupHandle, parts: &[ObjectId]) -> Option<String> {
        let infos: Vec<&ObjectInfo> = parts.iter().map(|id| self.sim.info(*id)).collect();
        let expected = ["groups", "thresholds", "resets"];
        for (info, when) in infos.iter().zip(expected) {
            if info.when != Slot::at(when) {
                return Some(format!("`{}` was moved to `{}`", info.name, info.when));
            }
            if !info.active {
                return Some(format!("`{}` is inactive", info.name));
            }
            if info.clock != infos[0].clock {
                return Some(format!("`{}` has its own clock", info.name));
            }
        }
        let schedule = self.sim.schedule();
        let key = |i: &ObjectInfo| {
            (
                schedule.key(&i.when).unwrap_or(usize::MAX),
                i.order,
                i.name.clone(),
            )
        };
        let first = key(infos[0]);
        let last = key(infos[infos.len() - 1]);
        if first >= last {
            return Some(
                "the schedule does not run the state update before the threshold and reset".into(),
            );
        }
        let group = self.entry(g).id;
        for k in 0..self.sim.object_count() {
            let id = ObjectId(k);
            if parts.contains(&id) || self.entry(g).fusion.object == Some(id) {
                continue;
            }
            let info = self.sim.info(id);
            if !info.active {
                continue;
            }
            let at = key(info);
            if at > first && at < last {
                let (other, touches) = self.sim.object_group(id);
                if other == group && touches {
                    return Some(format!(
                        "`{}` runs between the state update and the reset and uses the group's variables",
                        info.name
                    ));
                }
            }
        }
        None
    }

    /// Makes the runtime run a fused kernel for every group where the schedule allows it, and the
    /// separate kernels everywhere else.
    pub(crate) fn update_fusion(&mut self) -> Result<(), Error> {
        for gi in 0..self.groups.len() {
            let g = GroupHandle(gi);
            let Some(parts) = self.fusable_parts(g) else {
                self.groups[gi].fusion.reason =
                    Some("the group has no state updater or no threshold".into());
                continue;
            };
            let blocker = if self.fusion_enabled {
                self.fusion_blocker(g, &parts)
            } else {
                Some("fusion is switched off".to_string())
            };
            if blocker.is_none() && self.groups[gi].fusion.object.is_none() {
                match self.fused_object(g, &parts)? {
                    Ok(obj) => self.groups[gi].fusion.object = Some(obj),
                    Err(why) => {
                        self.groups[gi].fusion.reason = Some(why);
                        continue;
                    }
                }
            }
            let active = blocker.is_none() && self.groups[gi].fusion.object.is_some();
            for p in &parts {
                self.sim.set_replaced(*p, active);
            }
            if let Some(obj) = self.groups[gi].fusion.object {
                self.sim.set_replaced(obj, !active);
            }
            let f = &mut self.groups[gi].fusion;
            f.active = active;
            if active {
                f.reason = None;
            } else if blocker.is_some() {
                f.reason = blocker;
            }
        }
        Ok(())
    }

    /// Adds the fused kernel of group `g`'s `parts` to the schedule, where the state updater runs (or
    /// says why the kernels cannot be fused).
    fn fused_object(
        &mut self,
        g: GroupHandle,
        parts: &[ObjectId],
    ) -> Result<Result<ObjectId, String>, Error> {
        let kernels: Vec<Kernel> = parts
            .iter()
            .filter_map(|id| self.sim.kernel(*id).cloned())
            .collect();
        let refs: Vec<&Kernel> = kernels.iter().collect();
        let entry = self.entry(g);
        let fused = match ganglion_lower::fuse(&format!("{}.fused", entry.name), &refs) {
            Ok(k) => k,
            Err(e) => return Ok(Err(e.to_string())),
        };
        let su = self.sim.info(parts[0]).clone();
        let info = ObjectInfo {
            name: format!("{} (fused)", su.name),
            ..su
        };
        let (id, overrides) = (entry.id, value_map(&entry.namespace));
        Ok(Ok(self.sim.add_kernel(info, id, &fused, overrides)?))
    }

    /// The kernels group `g` runs, as they run: the fused kernel when fusion applies.
    pub(crate) fn scheduled_kernels(&mut self, g: GroupHandle) -> Result<Vec<Kernel>, Error> {
        self.update_fusion()?;
        let entry = self.entry(g);
        let mut ids: Vec<ObjectId> = Vec::new();
        let o = &entry.objects;
        ids.extend(o.subexpression_updater);
        ids.extend(o.state_updater);
        ids.extend(o.thresholders.iter().map(|(_, id)| *id));
        ids.extend(o.resetters.iter().map(|(_, id)| *id));
        ids.extend(o.run_regularly.iter().copied());
        ids.extend(o.poisson_inputs.iter().copied());
        ids.extend(entry.fusion.object);
        Ok(ids
            .into_iter()
            .filter(|id| !self.sim.is_replaced(*id))
            .filter_map(|id| self.sim.kernel(id).cloned())
            .collect())
    }
}

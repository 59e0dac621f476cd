//! Deciding, from the schedule, where a group's state updater, thresholder and reset can run as one
//! fused pass over its neurons, and keeping the runtime's objects in line with that decision.

use ganglion_ir::Kernel;
use ganglion_runtime::{ObjectId, ObjectInfo};

use crate::network::{Error, GroupHandle, Network};

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

impl Network {
    /// The objects a fused kernel of group `g` would replace, in schedule order.
    fn fusable_parts(&self, g: GroupHandle) -> Option<Vec<ObjectId>> {
        let objects = &self.groups[g.0].objects;
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
        let infos: Vec<&ObjectInfo> = parts.iter().map(|id| self.rt.info(*id)).collect();
        let expected = ["groups", "thresholds", "resets"];
        for (info, when) in infos.iter().zip(expected) {
            if info.when != when {
                return Some(format!("`{}` was moved to `{}`", info.name, info.when));
            }
            if !info.active {
                return Some(format!("`{}` is inactive", info.name));
            }
            if info.clock != infos[0].clock {
                return Some(format!("`{}` has its own clock", info.name));
            }
        }
        let key = |i: &ObjectInfo| {
            (
                self.rt.slot_key(&i.when).unwrap_or(usize::MAX),
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
        let group = self.groups[g.0].id;
        for k in 0..self.rt.object_count() {
            let id = ObjectId(k);
            if parts.contains(&id) || self.groups[g.0].fusion.object == Some(id) {
                continue;
            }
            let info = self.rt.info(id);
            if !info.active {
                continue;
            }
            let at = key(info);
            if at > first && at < last {
                let (other, touches) = self.rt.object_group(id);
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

    /// Allows or forbids fusion (allowed by default; results are the same either way).
    pub fn set_fusion(&mut self, enabled: bool) {
        self.fusion_enabled = enabled;
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
                let kernels: Vec<Kernel> = parts
                    .iter()
                    .filter_map(|id| self.rt.kernel(*id).cloned())
                    .collect();
                let refs: Vec<&Kernel> = kernels.iter().collect();
                let name = self.groups[gi].name.clone();
                let fused = match ganglion_lower::fuse(&format!("{name}.fused"), &refs) {
                    Ok(k) => k,
                    Err(e) => {
                        self.groups[gi].fusion.reason = Some(e.to_string());
                        continue;
                    }
                };
                let su = self.rt.info(parts[0]).clone();
                let info = ObjectInfo {
                    name: format!("{} (fused)", su.name),
                    ..su
                };
                let overrides = crate::network::value_map(&self.groups[gi].namespace);
                let id = self.groups[gi].id;
                let obj = self
                    .rt
                    .add_kernel(info, id, &fused, overrides)
                    .map_err(Error::Usage)?;
                self.groups[gi].fusion.object = Some(obj);
            }
            let active = blocker.is_none() && self.groups[gi].fusion.object.is_some();
            for p in &parts {
                self.rt.set_replaced(*p, active);
            }
            if let Some(obj) = self.groups[gi].fusion.object {
                self.rt.set_replaced(obj, !active);
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

    /// Whether group `g` runs fused in the current schedule (decided at each run), and why not.
    pub fn fusion(&mut self, g: GroupHandle) -> Result<&Fusion, Error> {
        self.update_fusion()?;
        Ok(&self.groups[g.0].fusion)
    }

    /// The kernels group `g` runs, as they run: the fused kernel when fusion applies.
    pub fn scheduled_kernels(&mut self, g: GroupHandle) -> Result<Vec<Kernel>, Error> {
        self.update_fusion()?;
        let entry = &self.groups[g.0];
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
            .filter(|id| !self.rt.is_replaced(*id))
            .filter_map(|id| self.rt.kernel(id).cloned())
            .collect())
    }
}

//! Reading and writing state: checked assignments (values written directly, expressions as kernels run
//! once), and values of variables and subexpressions.

use ganglion_ir::interp::ArrayData;
use ganglion_ir::{Extent, Kernel, Type};
use ganglion_model::assign::{AssignedValue, Assignment, Selection};
use ganglion_model::{Namespace, TExpr, TKind, ValueType};
use ganglion_units::Dimension;

use super::{Driver, value_map};
use crate::error::{Error, UsageError};
use crate::handles::GroupHandle;

impl Driver {
    /// Applies a checked assignment to group `g` (see `ganglion_model::assign`).
    pub(crate) fn assign(
        &mut self,
        g: GroupHandle,
        a: &Assignment,
        namespace: &Namespace,
    ) -> Result<(), Error> {
        if let ganglion_runtime::Layout::Subset(numbers) = self.sim.group(self.entry(g).id).layout()
            && self.assign_held(g, a, &numbers.clone(), namespace)?
        {
            return Ok(());
        }
        match (&a.selection, &a.value) {
            (Selection::All, AssignedValue::Uniform(v)) => {
                let array = self.array_mut(g, &a.variable)?;
                let len = array.len();
                array.fill_from_f64(&vec![*v; len]);
            }
            (Selection::All, AssignedValue::PerElement(values)) => {
                self.array_mut(g, &a.variable)?.fill_from_f64(values);
            }
            (Selection::Indices(ix), AssignedValue::Uniform(v)) => {
                let array = self.array_mut(g, &a.variable)?;
                for &i in ix {
                    array.set_f64(i, *v);
                }
            }
            (Selection::Indices(ix), AssignedValue::PerElement(values)) => {
                let array = self.array_mut(g, &a.variable)?;
                for (&i, &v) in ix.iter().zip(values) {
                    array.set_f64(i, v);
                }
            }
            (Selection::Indices(ix), AssignedValue::Expr(e)) => {
                let shared = self.is_shared(g, &a.variable);
                let values = self.evaluate(g, e, shared, namespace)?;
                let array = self.array_mut(g, &a.variable)?;
                for &i in ix {
                    array.set_f64(i, values[i]);
                }
            }
            (selection, _) => {
                let value = a
                    .value_expr(Dimension::DIMENSIONLESS)
                    .expect("per-element values come with all or some indices (checked)");
                let condition = match selection {
                    Selection::Where(c) => Some(c),
                    _ => None,
                };
                let entry = self.entry(g);
                let kernel = ganglion_lower::lower_assignment(
                    &entry.model,
                    &entry.storage,
                    &a.variable,
                    &value,
                    condition,
                );
                self.execute(g, &kernel, namespace)?;
            }
        }
        Ok(())
    }

    /// An assignment that names elements, to synapses of which this process holds some (a distributed
    /// network): the indices and values are those of one process, applied to the synapses held.
    /// Whether it was one.
    fn assign_held(
        &mut self,
        g: GroupHandle,
        a: &Assignment,
        numbers: &ganglion_runtime::Numbers,
        namespace: &Namespace,
    ) -> Result<bool, Error> {
        let values: Vec<(usize, f64)> = match (&a.selection, &a.value) {
            (Selection::All, AssignedValue::PerElement(values)) => (0..numbers.len())
                .map(|k| (k, values[numbers.number(k) as usize]))
                .collect(),
            (Selection::Indices(ix), AssignedValue::Uniform(v)) => ix
                .iter()
                .filter_map(|&i| numbers.local(i as u64).map(|k| (k, *v)))
                .collect(),
            (Selection::Indices(ix), AssignedValue::PerElement(values)) => ix
                .iter()
                .zip(values)
                .filter_map(|(&i, &v)| numbers.local(i as u64).map(|k| (k, v)))
                .collect(),
            (Selection::Indices(ix), AssignedValue::Expr(e)) => {
                let shared = self.is_shared(g, &a.variable);
                let values = self.evaluate(g, e, shared, namespace)?;
                ix.iter()
                    .filter_map(|&i| numbers.local(i as u64).map(|k| (k, values[k])))
                    .collect()
            }
            _ => return Ok(false),
        };
        let array = self.array_mut(g, &a.variable)?;
        for (k, v) in values {
            array.set_f64(k, v);
        }
        Ok(true)
    }

    /// The storage of a variable of group `g`.
    fn array_mut(&mut self, g: GroupHandle, var: &str) -> Result<&mut ArrayData, Error> {
        let (id, group) = (self.entry(g).id, self.entry(g).name.clone());
        self.sim.group_mut(id).array_mut(var).ok_or_else(|| {
            UsageError::UnknownVariable {
                group,
                variable: var.to_string(),
                suggestion: None,
            }
            .into()
        })
    }

    fn is_shared(&self, g: GroupHandle, var: &str) -> bool {
        self.entry(g).model.variable(var).is_some_and(|v| v.shared)
    }

    /// Runs a kernel of group `g` once, now.
    pub(crate) fn execute(
        &mut self,
        g: GroupHandle,
        kernel: &Kernel,
        namespace: &Namespace,
    ) -> Result<(), Error> {
        self.sync_externals(namespace);
        let entry = self.entry(g);
        let (id, overrides) = (entry.id, value_map(&entry.namespace));
        self.sim.execute(id, kernel, overrides)?;
        Ok(())
    }

    /// The values of a variable or subexpression of group `g`, in SI units.
    pub(crate) fn state(
        &mut self,
        g: GroupHandle,
        var: &str,
        namespace: &Namespace,
    ) -> Result<Vec<f64>, Error> {
        let entry = self.entry(g);
        if let Some(a) = self.sim.group(entry.id).array(var)
            && (entry.model.variable(var).is_some()
                || entry.synapses.is_some() && !var.starts_with('_'))
        {
            return Ok(a.to_f64_vec());
        }
        let Some(sub) = entry.model.subexpression(var).cloned() else {
            return Err(UsageError::UnknownVariable {
                group: entry.name.clone(),
                variable: var.to_string(),
                suggestion: None,
            }
            .into());
        };
        let value = TExpr {
            kind: TKind::Var(sub.name.to_string()),
            ty: sub.ty,
            dim: Dimension::DIMENSIONLESS,
            span: Default::default(),
        };
        self.evaluate_into(g, &value, &format!("_probe_{var}"), sub.shared, namespace)
    }

    /// The values of an expression of group `g`'s variables for every element.
    fn evaluate(
        &mut self,
        g: GroupHandle,
        e: &TExpr,
        shared: bool,
        namespace: &Namespace,
    ) -> Result<Vec<f64>, Error> {
        self.evaluate_into(g, e, "_probe_value", shared, namespace)
    }

    /// Evaluates an expression into the hidden array `scratch` of group `g` and returns its values.
    fn evaluate_into(
        &mut self,
        g: GroupHandle,
        e: &TExpr,
        scratch: &str,
        shared: bool,
        namespace: &Namespace,
    ) -> Result<Vec<f64>, Error> {
        let kernel = self.probe_kernel(g, e, scratch, shared);
        let id = self.entry(g).id;
        let extent = if shared {
            Extent::Shared
        } else {
            Extent::PerNeuron
        };
        self.sim.add_array(id, scratch, Type::F64, extent);
        self.execute(g, &kernel, namespace)?;
        Ok(self
            .sim
            .group(id)
            .array(scratch)
            .map(ArrayData::to_f64_vec)
            .unwrap_or_default())
    }

    /// A kernel that evaluates an expression (a subexpression, say) into a hidden array.
    pub(crate) fn probe_kernel(
        &self,
        g: GroupHandle,
        value: &TExpr,
        scratch: &str,
        shared: bool,
    ) -> Kernel {
        let entry = self.entry(g);
        let mut storage = entry.storage.clone();
        let extent = if shared {
            Extent::Shared
        } else {
            Extent::PerNeuron
        };
        storage.insert(
            scratch.to_string(),
            ganglion_lower::StorageInfo::own(Type::F64, extent, ValueType::Float),
        );
        ganglion_lower::lower_assignment(&entry.model, &storage, scratch, value, None)
    }
}

//! The scopes code is checked in: a group's variables and subexpressions, the synapses' view of their
//! groups, the namespaces.

use ganglion_syntax::{Diagnostic, SourceId, parse_expression};

use crate::expr::{Scope, TExpr, ValueType, VarInfo, check_expr};
use crate::group::SynapseContext;
use crate::model::{NeuronGroupModel, VariableKind};
use crate::namespace::Namespace;

/// The scope of a checked group's code: its variables, subexpressions and the run namespace.
pub fn group_scope<'a>(model: &NeuronGroupModel, run_ns: &'a Namespace) -> Scope<'a> {
    let mut scope = Scope {
        namespaces: vec![run_ns],
        ..Scope::default()
    };
    for v in &model.variables {
        scope.variables.insert(
            v.name.clone(),
            VarInfo {
                ty: v.ty,
                dim: v.dim,
                shared: v.shared,
                subexpression: v.kind == VariableKind::ConstantOverDt,
            },
        );
    }
    for s in &model.subexpressions {
        scope.variables.insert(
            s.name.clone(),
            VarInfo {
                ty: s.ty,
                dim: s.dim,
                shared: s.shared,
                subexpression: true,
            },
        );
    }
    scope
}

/// The scope of code about synapses (initial values, connect conditions): the synapses' own scope,
/// then what they see of their groups (`i`, `j`, `v_pre`, `v_post`, ...).
pub fn synapse_scope<'a>(
    model: &NeuronGroupModel,
    context: &SynapseContext,
    run_ns: &'a Namespace,
) -> Scope<'a> {
    let mut scope = group_scope(model, run_ns);
    for (n, v) in &context.variables {
        scope
            .variables
            .entry(n.clone())
            .or_insert_with(|| v.clone());
    }
    scope
}

/// Parses and checks one expression of a code string, reporting into `diagnostics`.
pub fn check_code_expr(
    text: &str,
    source: SourceId,
    scope: &Scope<'_>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<TExpr> {
    let (expr, syntax) = parse_expression(text);
    diagnostics.extend(syntax.iter().map(|e| e.to_diagnostic().in_source(source)));
    let expr = expr?;
    let mut errors = Vec::new();
    let e = check_expr(&expr, scope, &mut errors);
    diagnostics.extend(errors.iter().map(|e| e.to_diagnostic().in_source(source)));
    e
}

/// How a state monitor reads a name of a group or synapses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recordable {
    /// A stored variable of its own: recorded as it is.
    Stored,
    /// Computed each time it is recorded (a subexpression; for synapses, a variable of their groups
    /// such as `v_post`, or the postsynaptic `v` by its plain name).
    Computed {
        /// Its type.
        ty: ValueType,
        /// One value for the whole group.
        shared: bool,
    },
}

/// What a state monitor can record under `name` of a group (or of synapses seeing `context`), or
/// `None` for a name they do not have.
pub fn recordable(
    model: &NeuronGroupModel,
    context: Option<&SynapseContext>,
    name: &str,
) -> Option<Recordable> {
    if model.variable(name).is_some() {
        return Some(Recordable::Stored);
    }
    if let Some(s) = model.subexpression(name) {
        return Some(Recordable::Computed {
            ty: s.ty,
            shared: s.shared,
        });
    }
    let context = context?;
    if let Some((_, v)) = context.variables.iter().find(|(n, _)| n == name) {
        return Some(Recordable::Computed {
            ty: v.ty,
            shared: v.shared,
        });
    }
    let s = context.subexpressions.iter().find(|s| s.name == name)?;
    Some(Recordable::Computed {
        ty: s.ty,
        shared: s.shared,
    })
}

/// The names a state monitor of a group (or of synapses seeing `context`) can record, for
/// suggestions.
pub fn recordable_names<'a>(
    model: &'a NeuronGroupModel,
    context: Option<&'a SynapseContext>,
) -> impl Iterator<Item = &'a str> {
    let own = model.variables.iter().map(|v| v.name.as_str());
    let subs = model.subexpressions.iter().map(|s| s.name.as_str());
    let seen = context.into_iter().flat_map(|c| {
        let vars = c.variables.iter().map(|(n, _)| n.as_str());
        vars.chain(c.subexpressions.iter().map(|s| s.name.as_str()))
    });
    own.chain(subs).chain(seen)
}

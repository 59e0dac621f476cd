//! Checking a NeuronGroup: its equations, threshold, reset, refractoriness and events, into a
//! [`NeuronGroupModel`].

use std::collections::{HashMap, HashSet};

use ganglion_syntax::ast::{AssignOp, EquationKind};
use ganglion_syntax::limits::{MAX_INLINED_DEPTH, MAX_INLINED_NODES};
use ganglion_syntax::{
    Diagnostic, SourceId, Span, parse_equations, parse_expression, parse_statements,
};
use ganglion_units::Dimension;

use crate::equations::{Declaration, NEURON_GROUP_FLAGS, SYNAPSES_FLAGS, declarations};
use crate::error::ModelError;
use crate::expr::{Scope, Special, TExpr, TKind, ValueType, VarInfo, check_expr};
use crate::model::*;
use crate::namespace::Namespace;
use crate::statements::{BlockRules, check_statements, is_shared_expr};
use crate::symbolic::{rewrite, split_noise, substitute};

/// A code string handed to the checker.
#[derive(Clone, Copy, Debug)]
pub struct Code<'a> {
    /// The text.
    pub text: &'a str,
    /// Where diagnostics about it point.
    pub source: SourceId,
}

impl Code<'_> {
    /// The whole code string, as a place for diagnostics about it.
    fn whole(&self) -> Location {
        Location {
            source: self.source,
            span: Span::new(0, self.text.len()),
        }
    }
}

/// A place in a code string (for diagnostics about things that are not code, like an event's name).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Location {
    /// The code string.
    pub source: SourceId,
    /// The span in it.
    pub span: Span,
}

/// The refractory period as given.
#[derive(Clone, Copy, Debug)]
pub enum RefractorySpec<'a> {
    /// None (Brian2's `refractory=False`).
    None,
    /// A time in seconds (Brian2's `refractory=5*ms`).
    Time(f64),
    /// A string: a time expression or a boolean condition.
    Code(Code<'a>),
}

/// A custom event as given.
#[derive(Clone, Copy, Debug)]
pub struct EventSpec<'a> {
    /// The event's name.
    pub name: &'a str,
    /// Where the name is written.
    pub name_location: Location,
    /// The condition.
    pub condition: Code<'a>,
}

/// `run_on_event(event, code)` as given.
#[derive(Clone, Copy, Debug)]
pub struct OnEventSpec<'a> {
    /// The event.
    pub event: &'a str,
    /// Where the event's name is written.
    pub event_location: Location,
    /// The statements.
    pub code: Code<'a>,
}

/// Everything the NeuronGroup constructor takes that the checker needs.
#[derive(Clone, Debug)]
pub struct NeuronGroupSpec<'a> {
    /// The group's name.
    pub name: &'a str,
    /// Number of neurons (at least 1; the caller reports other values).
    pub n: usize,
    /// The equations.
    pub model: Code<'a>,
    /// The threshold condition.
    pub threshold: Option<Code<'a>>,
    /// The reset statements.
    pub reset: Option<Code<'a>>,
    /// The refractory period.
    pub refractory: RefractorySpec<'a>,
    /// Custom events.
    pub events: Vec<EventSpec<'a>>,
    /// `run_on_event` code.
    pub on_event: Vec<OnEventSpec<'a>>,
    /// The group's own namespace (Brian2's `namespace=` argument).
    pub namespace: Namespace,
    /// Linked variables whose source has one value (a shared variable, or a group of one neuron): they
    /// are shared in this group too.
    pub shared_links: Vec<String>,
}

/// What checking a Synapses model adds to checking a NeuronGroup's: the variables of the pre- and
/// postsynaptic groups (`v_pre`, `v_post`, `v`), the synapse's own indices and counts (`i`, `j`,
/// `N_incoming`, ...), and the pathways (`pre`, `post`) whose code runs on their events.
#[derive(Clone, Debug, Default)]
pub struct SynapseContext {
    /// Variables visible besides the model's own (its own definitions win).
    pub variables: Vec<(String, VarInfo)>,
    /// The pathways: events filled by spike propagation, without a condition.
    pub pathways: Vec<String>,
    /// The groups' subexpressions as the synapses see them (`g_pre`, `g_post`, `g`), written in terms of
    /// the synapse's names (`u_pre`, `i` for the presynaptic neuron's index, `N_pre`).
    pub subexpressions: Vec<Subexpression>,
}

impl SynapseContext {
    /// What the code of Synapses from `source` to `target` can name: every Synapses object's own
    /// variables (`i`, `j`, `N_incoming`, `N_outgoing`, `N_pre`, `N_post`, `delay`, `lastupdate`), and
    /// the stored variables of the groups as `x_pre`, `x_post` and (postsynaptic) `x`.
    pub fn new(
        source: &NeuronGroupModel,
        target: &NeuronGroupModel,
        pathways: Vec<String>,
    ) -> SynapseContext {
        let info = |ty, dim, shared| VarInfo {
            ty,
            dim,
            shared,
            subexpression: false,
        };
        let mut variables: Vec<(String, VarInfo)> = Vec::new();
        for n in ["i", "j", "N_incoming", "N_outgoing"] {
            variables.push((
                n.into(),
                info(ValueType::Int, Dimension::DIMENSIONLESS, false),
            ));
        }
        for n in ["N_pre", "N_post"] {
            variables.push((
                n.into(),
                info(ValueType::Int, Dimension::DIMENSIONLESS, true),
            ));
        }
        for n in ["delay", "lastupdate"] {
            variables.push((n.into(), info(ValueType::Float, Dimension::TIME, false)));
        }
        for (model, suffixes) in [(source, &["_pre"][..]), (target, &["_post", ""][..])] {
            for v in &model.variables {
                for s in suffixes {
                    let name = format!("{}{s}", v.name);
                    if !variables.iter().any(|(m, _)| *m == name) {
                        variables.push((name, info(v.ty, v.dim, v.shared)));
                    }
                }
            }
        }
        let mut subexpressions = Vec::new();
        for (model, side) in [(source, "_pre"), (target, "_post")] {
            let suffixes: &[&str] = if side == "_pre" {
                &["_pre"]
            } else {
                &["_post", ""]
            };
            for sub in &model.subexpressions {
                // `(constant over dt)` ones are stored: they are among the variables.
                if sub.constant_over_dt {
                    continue;
                }
                for s in suffixes {
                    let name = format!("{}{s}", sub.name);
                    if variables.iter().any(|(m, _)| *m == name) {
                        continue;
                    }
                    variables.push((
                        name.clone(),
                        VarInfo {
                            subexpression: true,
                            ..info(sub.ty, sub.dim, sub.shared)
                        },
                    ));
                    subexpressions.push(Subexpression {
                        name,
                        expr: seen_from_synapse(&sub.expr, model, side),
                        ..sub.clone()
                    });
                }
            }
        }
        SynapseContext {
            variables,
            pathways,
            subexpressions,
        }
    }
}

impl SynapseContext {
    /// Leaves out the groups' subexpressions that use a constant of their group's own namespace
    /// (`source` and `target`: Brian2's `namespace=` of each group), which the synapses' code does not
    /// see; naming one is then an unknown name.
    pub fn without_group_constants(mut self, source: &Namespace, target: &Namespace) -> Self {
        let hidden: Vec<String> = self
            .subexpressions
            .iter()
            .filter(|sub| {
                let ns = if sub.name.ends_with("_pre") {
                    source
                } else {
                    target
                };
                let mut uses = false;
                sub.expr.walk(&mut |e| {
                    if let TKind::External { name, .. } = &e.kind {
                        uses |= ns.get(name).is_some();
                    }
                });
                uses
            })
            .map(|sub| sub.name.clone())
            .collect();
        self.subexpressions.retain(|s| !hidden.contains(&s.name));
        self.variables.retain(|(n, _)| !hidden.contains(n));
        self
    }
}

/// An expression of a group's, as the synapses see it from `side` (`_pre` or `_post`): the group's
/// variables and subexpressions with the suffix, `i` as the synapse's index of that side (`i` or `j`),
/// `N` as `N_pre` or `N_post`.
fn seen_from_synapse(e: &TExpr, model: &NeuronGroupModel, side: &str) -> TExpr {
    rewrite(e, &mut |node| {
        let name = match &node.kind {
            TKind::Var(n) if model.variable(n).is_some() || model.subexpression(n).is_some() => {
                format!("{n}{side}")
            }
            TKind::Special(Special::I) => (if side == "_pre" { "i" } else { "j" }).to_string(),
            TKind::Special(Special::N) => format!("N{side}"),
            _ => return None,
        };
        Some(TExpr {
            kind: TKind::Var(name),
            ..node.clone()
        })
    })
}

/// Diagnostics gathered while checking, attached to their code strings.
#[derive(Default)]
struct Report {
    diagnostics: Vec<Diagnostic>,
}

impl Report {
    fn add(&mut self, source: SourceId, errors: Vec<ModelError>) {
        self.diagnostics
            .extend(errors.iter().map(|e| e.to_diagnostic().in_source(source)));
    }

    fn syntax(&mut self, source: SourceId, errors: &[ganglion_syntax::SyntaxError]) {
        self.diagnostics
            .extend(errors.iter().map(|e| e.to_diagnostic().in_source(source)));
    }

    fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Checks a NeuronGroup. Returns the checked model when there are no errors, and every diagnostic
/// (errors and warnings) either way.
pub fn check_neuron_group(
    spec: &NeuronGroupSpec<'_>,
    run_namespace: &Namespace,
) -> (Option<NeuronGroupModel>, Vec<Diagnostic>) {
    let mut report = Report::default();
    let model = check(spec, run_namespace, &mut report, None);
    let model = (!report.has_errors()).then_some(model);
    (model, report.diagnostics)
}

/// Checks the model and pathway code of a Synapses object, given as a NeuronGroup without threshold,
/// reset or refractoriness whose `on_event` entries are the pathways' code. Returns the checked model
/// when there are no errors, and every diagnostic either way.
pub fn check_synapses(
    spec: &NeuronGroupSpec<'_>,
    context: &SynapseContext,
    run_namespace: &Namespace,
) -> (Option<NeuronGroupModel>, Vec<Diagnostic>) {
    let mut report = Report::default();
    let model = check(spec, run_namespace, &mut report, Some(context));
    for c in &model.event_codes {
        if let (Some(source), Some(warning)) = (c.code.source, order_dependence(c, &model, context))
        {
            report.add(source, vec![warning]);
        }
    }
    let model = (!report.has_errors()).then_some(model);
    (model, report.diagnostics)
}

/// Brian2's permutation analysis (`brian2/codegen/permutation_analysis.py`): whether a pathway's code,
/// run over the synapses of one step, could give another result in another order of the synapses. Only
/// code that touches the pre- or postsynaptic groups' variables (whose elements several synapses share)
/// is analysed. Brian2 warns; so does Ganglion, which processes synapses in index order.
fn order_dependence(
    code: &EventCode,
    model: &NeuronGroupModel,
    context: &SynapseContext,
) -> Option<ModelError> {
    let statements = &code.code.statements;
    // Variables of the other groups (and shared ones): several synapses share their elements.
    let different: HashSet<&str> = context
        .variables
        .iter()
        .filter(|(n, v)| {
            !v.shared
                && model.variable(n).is_none()
                && !matches!(
                    n.as_str(),
                    "i" | "j" | "N_incoming" | "N_outgoing" | "delay" | "lastupdate"
                )
        })
        .map(|(n, _)| n.as_str())
        .collect();
    let touches = statements.iter().any(|s| {
        different.contains(s.target.as_str())
            || s.value.variables().iter().any(|v| different.contains(v))
    });
    if !touches {
        return None;
    }
    let warn = |span: Span, reason: &str| ModelError::OrderDependent {
        span,
        reason: reason.to_string(),
    };
    if let Some(s) = statements.iter().find(|s| s.value.is_stateful()) {
        return Some(warn(s.span, "a random number is drawn"));
    }
    let mut main: HashSet<String> = model.variables.iter().map(|v| v.name.clone()).collect();
    main.extend(["i", "j", "N_incoming", "N_outgoing", "delay", "lastupdate"].map(String::from));
    for s in statements {
        if s.new_temporary {
            main.insert(s.target.clone());
        }
    }
    let mut independent: HashSet<&str> = different.clone();
    let mut dependent_temps: HashSet<&str> = HashSet::new();
    let mut changed = true;
    while changed {
        changed = false;
        for s in statements {
            let vars: HashSet<&str> = s
                .value
                .variables()
                .into_iter()
                .filter(|v| main.contains(*v) || different.contains(v))
                .collect();
            if vars.len() == 1 && vars.contains(s.target.as_str()) {
                continue;
            }
            let permdep = vars
                .iter()
                .any(|v| different.contains(v) && !independent.contains(v))
                || vars.iter().any(|v| dependent_temps.contains(v));
            if s.new_temporary {
                if permdep && dependent_temps.insert(s.target.as_str()) {
                    changed = true;
                }
                continue;
            }
            let target = s.target.as_str();
            if main.contains(target) {
                if permdep {
                    return Some(warn(
                        s.span,
                        "a synaptic variable is computed from a neuron's variable that other synapses change",
                    ));
                }
            } else if different.contains(target) {
                match s.op {
                    AssignOp::Add | AssignOp::Sub | AssignOp::Mul | AssignOp::Div => {
                        if permdep {
                            return Some(warn(
                                s.span,
                                "an update of a neuron's variable reads another one that other synapses change",
                            ));
                        }
                        if independent.remove(target) {
                            changed = true;
                        }
                    }
                    AssignOp::Assign => {
                        let side = |n: &str| n.ends_with("_pre");
                        let other_side = vars
                            .iter()
                            .any(|v| different.contains(v) && side(v) != side(target));
                        if permdep || other_side || vars.iter().any(|v| main.contains(*v)) {
                            return Some(warn(
                                s.span,
                                "a neuron's variable is set to a value that differs between its synapses",
                            ));
                        }
                    }
                    _ => {
                        return Some(warn(
                            s.span,
                            "only `+=`, `-=`, `*=` and `/=` give the same result in any order",
                        ));
                    }
                }
            }
        }
    }
    None
}

/// The variables Brian2 adds to a group with a refractory period: name, dimensions, type, kind.
const REFRACTORY_VARIABLES: [(&str, Dimension, ValueType, VariableKind); 2] = [
    (
        "lastspike",
        Dimension::TIME,
        ValueType::Float,
        VariableKind::LastSpike,
    ),
    (
        "not_refractory",
        Dimension::DIMENSIONLESS,
        ValueType::Bool,
        VariableKind::NotRefractory,
    ),
];

/// Checks a group in Brian2's order, so that diagnostics come out in the order Brian2 raises them:
/// the equations, refractoriness, events, event code; then the stored variables and externals.
fn check(
    spec: &NeuronGroupSpec<'_>,
    run_ns: &Namespace,
    report: &mut Report,
    synapses: Option<&SynapseContext>,
) -> NeuronGroupModel {
    let cx = GroupChecker::new(spec, run_ns, synapses, report);
    let Equations {
        diff_eqs,
        mut subexpressions,
        summed,
        stochastic,
    } = cx.equations(report);
    cx.warn_unused_refractory_flags(report);
    let refractory = cx.refractory(report);
    let events = cx.events(report);
    let event_codes = cx.event_codes(report);
    cx.warn_only_threshold(&refractory, report);
    subexpressions.extend(cx.synapse_subexpressions());
    let mut model = NeuronGroupModel {
        name: spec.name.to_string(),
        n: spec.n,
        variables: cx.stored_variables(),
        subexpressions,
        diff_eqs,
        stochastic,
        events,
        event_codes,
        refractory,
        externals: Namespace::new(),
        summed,
        user_equations: spec.model.text.to_string(),
        source: Some(spec.model.source),
    };
    model.externals = cx.externals(&model);
    model
}

/// What the steps of checking one group share: the spec, the parsed declarations and the scope the
/// group's code is checked in. One method per part of the group.
struct GroupChecker<'s, 'a> {
    spec: &'s NeuronGroupSpec<'a>,
    run_ns: &'s Namespace,
    synapses: Option<&'s SynapseContext>,
    /// The equations' declarations.
    decls: Vec<Declaration>,
    /// Whether the group has a refractory period (which adds `lastspike` and `not_refractory`).
    has_refractory: bool,
    /// Linked variables that are shared in this group.
    shared_links: Vec<String>,
    /// The group's variables and namespaces, for name resolution.
    scope: Scope<'s>,
}

/// A group's checked equations.
struct Equations {
    diff_eqs: Vec<DiffEq>,
    /// In dependency order.
    subexpressions: Vec<Subexpression>,
    summed: Vec<Subexpression>,
    stochastic: StochasticType,
}

impl<'s, 'a> GroupChecker<'s, 'a> {
    /// Parses the equations into declarations (reporting syntax and declaration errors) and builds the
    /// scope. Refractoriness is decided first, because it adds variables.
    fn new(
        spec: &'s NeuronGroupSpec<'a>,
        run_ns: &'s Namespace,
        synapses: Option<&'s SynapseContext>,
        report: &mut Report,
    ) -> Self {
        let src = spec.model.source;
        let (equations, syntax) = parse_equations(spec.model.text);
        report.syntax(src, &syntax);
        let mut errors = Vec::new();
        let rules = if synapses.is_some() {
            &SYNAPSES_FLAGS
        } else {
            &NEURON_GROUP_FLAGS
        };
        let decls = declarations(&equations, rules, &mut errors);
        report.add(src, errors);
        let has_refractory = !matches!(spec.refractory, RefractorySpec::None);
        let shared_links = shared_links(spec, &decls);
        let scope = Scope {
            variables: scope_variables(&decls, &shared_links, has_refractory, synapses),
            temporaries: HashMap::new(),
            namespaces: vec![&spec.namespace, run_ns],
            allow_noise: false,
        };
        GroupChecker {
            spec,
            run_ns,
            synapses,
            decls,
            has_refractory,
            shared_links,
            scope,
        }
    }

    /// Checks the right-hand sides, orders the subexpressions and checks that noise enters linearly.
    fn equations(&self, report: &mut Report) -> Equations {
        let mut diff_eqs = Vec::new();
        let mut subexpressions = Vec::new();
        let mut summed = Vec::new();
        let mut errors = Vec::new();
        let mut plain_xi: Option<Span> = None;
        for d in &self.decls {
            let Some(rhs) = self.right_hand_side(d, &mut plain_xi, &mut errors) else {
                continue;
            };
            match d.kind {
                EquationKind::Differential => {
                    diff_eqs.extend(self.differential(d, rhs, &mut errors));
                }
                EquationKind::Subexpression if d.has_flag("summed") => {
                    summed.extend(self.summed(d, rhs, &mut errors));
                }
                EquationKind::Subexpression => {
                    subexpressions.extend(self.subexpression(d, rhs, &mut errors));
                }
                EquationKind::Parameter => {}
            }
        }
        let mut subexpressions = match order_subexpressions(subexpressions, &self.decls) {
            Ok(s) => s,
            Err(e) => {
                errors.push(*e);
                Vec::new()
            }
        };
        if !inlined_sizes_fit(&diff_eqs, &subexpressions, &self.decls, &mut errors) {
            // Substituting them (as the checks below do) would take unbounded time and memory.
            diff_eqs.clear();
            subexpressions.clear();
        }
        retain_linear_noise(&mut diff_eqs, &subexpressions, &mut errors);
        let stochastic = classify_noise(&diff_eqs, &subexpressions);
        report.add(self.spec.model.source, errors);
        Equations {
            diff_eqs,
            subexpressions,
            summed,
            stochastic,
        }
    }

    /// Checks the right-hand side of an equation and where noise appears in it; `plain_xi` is where an
    /// earlier differential equation used the plain `xi`. `None` when there is none or it has errors.
    fn right_hand_side(
        &self,
        d: &Declaration,
        plain_xi: &mut Option<Span>,
        errors: &mut Vec<ModelError>,
    ) -> Option<TExpr> {
        let ast = d.expr.as_ref()?;
        // Brian2 rejects a plain `xi` in two equations when the equations are built, before any unit is
        // checked (`Equations.__init__`), so this does not depend on the right-hand side checking.
        if d.kind == EquationKind::Differential
            && let Some(span) = plain_xi_in(ast)
        {
            if plain_xi.is_some() {
                errors.push(ModelError::NoiseReused { span });
                return None;
            }
            *plain_xi = Some(span);
        }
        let noise_scope = Scope {
            allow_noise: d.kind != EquationKind::Parameter,
            ..self.scope.clone()
        };
        let rhs = check_expr(ast, &noise_scope, errors)?;
        if d.kind != EquationKind::Differential {
            // `xi_*` may appear in a subexpression (it reaches the equations through substitution),
            // plain `xi` only in a differential equation.
            let mut plain = None;
            rhs.walk(&mut |n| {
                if n.kind == TKind::Noise("xi".into()) && plain.is_none() {
                    plain = Some(n.span);
                }
            });
            if let Some(span) = plain {
                errors.push(ModelError::NoiseOutsideDiffEq {
                    span,
                    name: "xi".into(),
                });
                return None;
            }
        }
        Some(rhs)
    }

    /// A differential equation `dx/dt = rhs`: `rhs` has the dimensions of `x` per second, and no noise
    /// when the equation is event-driven.
    fn differential(
        &self,
        d: &Declaration,
        rhs: TExpr,
        errors: &mut Vec<ModelError>,
    ) -> Option<DiffEq> {
        let context = || format!("the right-hand side of `d{}/dt`", d.name);
        if let Some(e) = dimension_problem(&rhs, d.dim / Dimension::TIME, context) {
            errors.push(e);
            return None;
        }
        let event_driven = d.has_flag("event-driven");
        if event_driven && !rhs.noise_names().is_empty() {
            errors.push(ModelError::NoiseOutsideDiffEq {
                span: rhs.span,
                name: rhs.noise_names()[0].to_string(),
            });
            return None;
        }
        Some(DiffEq {
            var: d.name.clone(),
            rhs,
            unless_refractory: d.has_flag("unless refractory"),
            event_driven,
            span: d.span,
        })
    }

    /// A `(summed)` variable of synapses: its target is a parameter of the other group with the same
    /// dimensions.
    fn summed(
        &self,
        d: &Declaration,
        rhs: TExpr,
        errors: &mut Vec<ModelError>,
    ) -> Option<Subexpression> {
        if let Some(reason) = self.summed_target_problem(d) {
            errors.push(ModelError::BadSummed {
                span: d.name_span,
                reason,
            });
            return None;
        }
        let context = || format!("the definition of the summed variable `{}`", d.name);
        if let Some(e) = dimension_problem(&rhs, d.dim, context) {
            errors.push(e);
            return None;
        }
        Some(defined(d, rhs, false, false))
    }

    /// What is wrong with the target of a `(summed)` variable, if anything.
    fn summed_target_problem(&self, d: &Declaration) -> Option<String> {
        match self.scope.variables.get(&d.name) {
            None => Some(format!(
                "`{}` is not a variable of the {} group",
                d.name,
                if d.name.ends_with("_pre") {
                    "presynaptic"
                } else {
                    "postsynaptic"
                }
            )),
            Some(v) if v.subexpression || v.shared => Some(format!(
                "`{}` must be a parameter of its group (one value per neuron)",
                d.name
            )),
            Some(v) if v.dim != d.dim => Some(format!(
                "`{}` has other dimensions than the summed variable's unit",
                d.name
            )),
            _ => None,
        }
    }

    /// A subexpression: dimensions and type as declared, no random function unless
    /// `(constant over dt)`, and only shared reads when `(shared)`.
    fn subexpression(
        &self,
        d: &Declaration,
        rhs: TExpr,
        errors: &mut Vec<ModelError>,
    ) -> Option<Subexpression> {
        let context = || format!("the definition of `{}`", d.name);
        if let Some(e) = dimension_problem(&rhs, d.dim, context) {
            errors.push(e);
            return None;
        }
        if d.var_type == ganglion_units::VarType::Boolean && rhs.ty != ValueType::Bool {
            errors.push(ModelError::NotBoolean {
                span: rhs.span,
                context: format!("the definition of the boolean `{}`", d.name),
            });
            return None;
        }
        let constant_over_dt = d.has_flag("constant over dt");
        if rhs.is_stateful() && !constant_over_dt {
            errors.push(ModelError::StatefulSubexpression {
                span: rhs.span,
                name: d.name.clone(),
            });
            return None;
        }
        let shared = d.has_flag("shared");
        if shared && let Err(var) = is_shared_expr(&rhs, &self.scope, false) {
            errors.push(ModelError::SharedReadsVector {
                span: rhs.span,
                name: d.name.clone(),
                var,
            });
            return None;
        }
        Some(defined(d, rhs, shared, constant_over_dt))
    }

    /// Warns about `(unless refractory)` flags in a group without a refractory period.
    fn warn_unused_refractory_flags(&self, report: &mut Report) {
        if self.has_refractory {
            return;
        }
        let warnings = self
            .decls
            .iter()
            .filter_map(|d| d.flags.iter().find(|(f, _)| f == "unless refractory"))
            .map(|(_, span)| ModelError::NoRefractory { span: *span })
            .collect();
        report.add(self.spec.model.source, warnings);
    }

    /// The refractory period: none, a time, or a checked time expression or condition.
    fn refractory(&self, report: &mut Report) -> Refractory {
        match self.spec.refractory {
            RefractorySpec::None => Refractory::None,
            RefractorySpec::Time(seconds) => Refractory::Period(TExpr {
                kind: TKind::Float(seconds),
                ty: ValueType::Float,
                dim: Dimension::TIME,
                span: Span::default(),
            }),
            RefractorySpec::Code(code) => {
                check_refractory(code, &self.scope, report).unwrap_or(Refractory::None)
            }
        }
    }

    /// The events: the threshold is the event `spike`, then the custom events.
    fn events(&self, report: &mut Report) -> Vec<Event> {
        let spec = self.spec;
        let mut events: Vec<Event> = Vec::new();
        if let Some(code) = spec.threshold
            && let Some(cond) = check_condition(code, &self.scope, "the threshold", report)
        {
            events.push(Event {
                name: "spike".into(),
                condition: cond,
                source: Some(code.source),
            });
        }
        for e in &spec.events {
            if let Some(reason) = self.event_name_problem(e, &events) {
                report.add(
                    e.name_location.source,
                    vec![ModelError::BadEvent {
                        span: e.name_location.span,
                        name: e.name.to_string(),
                        reason,
                    }],
                );
                continue;
            }
            let context = format!("the condition of the event `{}`", e.name);
            if let Some(cond) = check_condition(e.condition, &self.scope, &context, report) {
                events.push(Event {
                    name: e.name.to_string(),
                    condition: cond,
                    source: Some(e.condition.source),
                });
            }
        }
        events
    }

    /// What is wrong with a custom event's name, given the events defined before it, if anything.
    fn event_name_problem(&self, e: &EventSpec<'_>, earlier: &[Event]) -> Option<&'static str> {
        if !crate::inputs::is_identifier(e.name) {
            Some("event names must be valid identifiers")
        } else if e.name == "spike" && self.spec.threshold.is_some() {
            Some("`spike` is already defined by the threshold")
        } else if earlier.iter().any(|x| x.name == e.name) {
            Some("it is defined twice")
        } else {
            None
        }
    }

    /// The code run on events: the reset, then `run_on_event`.
    fn event_codes(&self, report: &mut Report) -> Vec<EventCode> {
        let mut codes: Vec<EventCode> = Vec::new();
        if let Some(reset) = self.spec.reset
            && let Some(c) = self.event_code("spike", None, reset, &codes, report)
        {
            codes.push(c);
        }
        for o in &self.spec.on_event {
            if let Some(c) =
                self.event_code(o.event, Some(o.event_location), o.code, &codes, report)
            {
                codes.push(c);
            }
        }
        codes
    }

    /// Checks the code run on `event` (named at `location`; `None` for the reset), which must be a
    /// known event without code among `earlier`.
    fn event_code(
        &self,
        event: &str,
        location: Option<Location>,
        code: Code<'_>,
        earlier: &[EventCode],
        report: &mut Report,
    ) -> Option<EventCode> {
        let known = self.event_names();
        if !known.iter().any(|n| n == event) {
            let location = location.unwrap_or_else(|| code.whole());
            report.add(
                location.source,
                vec![ModelError::UnknownEvent {
                    span: location.span,
                    name: event.to_string(),
                    known,
                }],
            );
            return None;
        }
        if earlier.iter().any(|c| c.event == event) {
            let location = location.unwrap_or_else(|| code.whole());
            report.add(
                location.source,
                vec![ModelError::DuplicateEventCode {
                    span: location.span,
                    name: event.to_string(),
                }],
            );
            return None;
        }
        let context = if event == "spike" && location.is_none() {
            "reset code"
        } else {
            "event code"
        };
        let block = check_block_report(code, &self.scope, context, false, report)?;
        Some(EventCode {
            event: event.to_string(),
            code: block,
        })
    }

    /// The events code can run on: `spike` (with a threshold), the custom events, the pathways.
    fn event_names(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        if self.spec.threshold.is_some() {
            names.push("spike".into());
        }
        names.extend(self.spec.events.iter().map(|e| e.name.to_string()));
        if let Some(s) = self.synapses {
            names.extend(s.pathways.iter().cloned());
        }
        names
    }

    /// Warns about a threshold without reset or refractoriness (unless it draws random numbers): the
    /// neuron would spike at every step once above it.
    fn warn_only_threshold(&self, refractory: &Refractory, report: &mut Report) {
        if let (Some(threshold), None, Refractory::None) =
            (self.spec.threshold, self.spec.reset, refractory)
            && !threshold.text.contains("rand(")
        {
            report.add(
                threshold.source,
                vec![ModelError::OnlyThreshold {
                    span: Span::new(0, threshold.text.trim_end().len()),
                }],
            );
        }
    }

    /// The stored variables: differential equations, parameters and `(constant over dt)`
    /// subexpressions in definition order, then the refractoriness variables.
    fn stored_variables(&self) -> Vec<Variable> {
        let mut vars: Vec<Variable> = Vec::new();
        for d in &self.decls {
            let kind = match d.kind {
                EquationKind::Differential => VariableKind::Differential,
                EquationKind::Parameter => VariableKind::Parameter,
                EquationKind::Subexpression if d.has_flag("constant over dt") => {
                    VariableKind::ConstantOverDt
                }
                EquationKind::Subexpression => continue,
            };
            vars.push(Variable {
                name: d.name.clone(),
                dim: d.dim,
                ty: d.var_type.into(),
                kind,
                shared: d.has_flag("shared") || self.shared_links.contains(&d.name),
                constant: d.has_flag("constant"),
                linked: d.has_flag("linked"),
                unless_refractory: self.has_refractory && d.has_flag("unless refractory"),
            });
        }
        if self.has_refractory {
            for (name, dim, ty, kind) in REFRACTORY_VARIABLES {
                vars.push(Variable {
                    name: name.into(),
                    dim,
                    ty,
                    kind,
                    shared: false,
                    constant: false,
                    linked: false,
                    unless_refractory: false,
                });
            }
        }
        vars
    }

    /// The groups' subexpressions that synapses read (those the model does not define itself).
    fn synapse_subexpressions(&self) -> Vec<Subexpression> {
        let Some(ctx) = self.synapses else {
            return Vec::new();
        };
        ctx.subexpressions
            .iter()
            .filter(|sub| !self.decls.iter().any(|d| d.name == sub.name))
            .cloned()
            .collect()
    }

    /// The constants of the group's and the run's namespaces that the checked model uses.
    fn externals(&self, model: &NeuronGroupModel) -> Namespace {
        let mut externals = Namespace::new();
        let mut collect = |e: &TExpr| {
            e.walk(&mut |n| {
                if let TKind::External { name, .. } = &n.kind
                    && let Some(v) = self
                        .spec
                        .namespace
                        .get(name)
                        .or_else(|| self.run_ns.get(name))
                {
                    externals.insert(name.clone(), v.clone());
                }
            })
        };
        model.diff_eqs.iter().for_each(|d| collect(&d.rhs));
        model.subexpressions.iter().for_each(|s| collect(&s.expr));
        model.summed.iter().for_each(|s| collect(&s.expr));
        model.events.iter().for_each(|e| collect(&e.condition));
        for c in &model.event_codes {
            c.code.statements.iter().for_each(|s| collect(&s.value));
        }
        if let Refractory::Period(e) | Refractory::Condition(e) = &model.refractory {
            collect(e);
        }
        externals
    }
}

/// A mismatch of `rhs`'s dimensions with `expected`, where `context` says what `rhs` is.
fn dimension_problem(
    rhs: &TExpr,
    expected: Dimension,
    context: impl FnOnce() -> String,
) -> Option<ModelError> {
    (rhs.dim != expected).then(|| ModelError::DimensionMismatch {
        span: rhs.span,
        context: context(),
        expected,
        found: rhs.dim,
    })
}

/// The subexpression `d` defines as `rhs`.
fn defined(d: &Declaration, rhs: TExpr, shared: bool, constant_over_dt: bool) -> Subexpression {
    Subexpression {
        name: d.name.clone(),
        expr: rhs,
        dim: d.dim,
        ty: d.var_type.into(),
        shared,
        constant_over_dt,
    }
}

/// The linked variables that are shared in the group: those the spec names, and those a shared
/// subexpression reads.
///
/// Brian2 checks that shared subexpressions read only shared variables when the group is created,
/// before its linked variables exist (`linked_var` comes later), so a shared subexpression may read a
/// linked variable. Such a variable is shared here, as a link to one value (a group of one neuron or a
/// shared variable) makes it; linking it to anything else is refused when the link is made.
fn shared_links(spec: &NeuronGroupSpec<'_>, decls: &[Declaration]) -> Vec<String> {
    let mut shared_links = spec.shared_links.clone();
    for d in decls {
        if d.kind == EquationKind::Subexpression
            && d.has_flag("shared")
            && let Some(ast) = &d.expr
        {
            for name in ast.names() {
                let linked = decls.iter().any(|x| x.name == name && x.has_flag("linked"));
                if linked && !shared_links.iter().any(|s| s == name) {
                    shared_links.push(name.to_string());
                }
            }
        }
    }
    shared_links
}

/// The variables a group's code can name: what synapses see of their groups, the group's own
/// (`(summed)` ones are the other group's), and the refractoriness variables.
fn scope_variables(
    decls: &[Declaration],
    shared_links: &[String],
    has_refractory: bool,
    synapses: Option<&SynapseContext>,
) -> HashMap<String, VarInfo> {
    let mut variables: HashMap<String, VarInfo> = HashMap::new();
    if let Some(ctx) = synapses {
        variables.extend(ctx.variables.iter().cloned());
    }
    for d in decls.iter().filter(|d| !d.has_flag("summed")) {
        variables.insert(
            d.name.clone(),
            VarInfo {
                ty: d.var_type.into(),
                dim: d.dim,
                shared: d.has_flag("shared") || shared_links.contains(&d.name),
                subexpression: d.kind == EquationKind::Subexpression,
            },
        );
    }
    if has_refractory {
        for (name, dim, ty, _) in REFRACTORY_VARIABLES {
            variables.insert(
                name.into(),
                VarInfo {
                    ty,
                    dim,
                    shared: false,
                    subexpression: false,
                },
            );
        }
    }
    variables
}

/// Drops the differential equations whose noise does not enter linearly once subexpressions are
/// substituted, reporting each.
fn retain_linear_noise(
    diff_eqs: &mut Vec<DiffEq>,
    subexpressions: &[Subexpression],
    errors: &mut Vec<ModelError>,
) {
    diff_eqs.retain(|d| {
        let rhs = substituted(&d.rhs, subexpressions);
        let noise = rhs.noise_names();
        if !noise.is_empty() && split_noise(&rhs).is_none() {
            errors.push(ModelError::NonlinearNoise {
                span: d.rhs.span,
                name: noise[0].to_string(),
            });
            return false;
        }
        true
    });
}

/// Where an expression first mentions the plain noise symbol `xi`.
fn plain_xi_in(e: &ganglion_syntax::Expr) -> Option<Span> {
    let mut found = None;
    e.walk(&mut |n| {
        if found.is_none() && matches!(&n.kind, ganglion_syntax::ExprKind::Name(x) if x == "xi") {
            found = Some(n.span);
        }
    });
    found
}

/// Checks a condition (threshold, event): it must be boolean.
fn check_condition(
    code: Code<'_>,
    scope: &Scope<'_>,
    context: &str,
    report: &mut Report,
) -> Option<TExpr> {
    let (expr, syntax) = parse_expression(code.text);
    report.syntax(code.source, &syntax);
    let expr = expr?;
    let mut errors = Vec::new();
    let checked = check_expr(&expr, scope, &mut errors);
    if let Some(c) = &checked
        && c.ty != ValueType::Bool
    {
        errors.push(ModelError::NotBoolean {
            span: c.span,
            context: context.to_string(),
        });
    }
    let ok = errors.is_empty();
    report.add(code.source, errors);
    checked.filter(|_| ok)
}

/// Checks statements run on an event or regularly, in a group's scope; reports into `diagnostics`.
pub fn check_block(
    code: Code<'_>,
    scope: &Scope<'_>,
    context: &'static str,
    allow_shared_writes: bool,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<CodeBlock> {
    let mut report = Report::default();
    let block = check_block_report(code, scope, context, allow_shared_writes, &mut report);
    diagnostics.extend(report.diagnostics);
    block
}

fn check_block_report(
    code: Code<'_>,
    scope: &Scope<'_>,
    context: &'static str,
    allow_shared_writes: bool,
    report: &mut Report,
) -> Option<CodeBlock> {
    let (statements, syntax) = parse_statements(code.text);
    report.syntax(code.source, &syntax);
    let mut scope = scope.clone();
    let mut errors = Vec::new();
    let rules = BlockRules {
        context,
        allow_shared_writes,
    };
    let checked = check_statements(&statements, &mut scope, rules, &mut errors);
    let ok = errors.is_empty() && syntax.is_empty();
    report.add(code.source, errors);
    ok.then(|| CodeBlock {
        statements: checked,
        source: Some(code.source),
        text: code.text.to_string(),
    })
}

/// Checks a refractory string: a time expression or a boolean condition.
fn check_refractory(code: Code<'_>, scope: &Scope<'_>, report: &mut Report) -> Option<Refractory> {
    let (expr, syntax) = parse_expression(code.text);
    report.syntax(code.source, &syntax);
    let expr = expr?;
    let mut errors = Vec::new();
    let checked = check_expr(&expr, scope, &mut errors);
    let result = checked.and_then(|c| {
        if c.ty == ValueType::Bool {
            Some(Refractory::Condition(c))
        } else if c.dim == Dimension::TIME {
            Some(Refractory::Period(c))
        } else {
            errors.push(ModelError::RefractoryType {
                span: c.span,
                found: c.dim,
            });
            None
        }
    });
    report.add(code.source, errors);
    result
}

/// Orders subexpressions so that each comes after those it reads; reports a cycle.
fn order_subexpressions(
    subs: Vec<Subexpression>,
    decls: &[Declaration],
) -> Result<Vec<Subexpression>, Box<ModelError>> {
    let names: Vec<String> = subs.iter().map(|s| s.name.clone()).collect();
    let deps: Vec<Vec<usize>> = subs
        .iter()
        .map(|s| {
            s.expr
                .variables()
                .iter()
                .filter_map(|v| names.iter().position(|n| n == v))
                .collect()
        })
        .collect();
    // Depth-first search with colours, keeping the path to name a cycle.
    let mut state = vec![0u8; subs.len()];
    let mut order = Vec::new();
    fn visit(
        k: usize,
        deps: &[Vec<usize>],
        state: &mut [u8],
        order: &mut Vec<usize>,
        path: &mut Vec<usize>,
    ) -> Result<(), Vec<usize>> {
        ganglion_syntax::limits::with_stack(|| {
            match state[k] {
                2 => return Ok(()),
                1 => {
                    let start = path.iter().position(|p| *p == k).unwrap_or(0);
                    let mut cycle = path[start..].to_vec();
                    cycle.push(k);
                    return Err(cycle);
                }
                _ => {}
            }
            state[k] = 1;
            path.push(k);
            for &d in &deps[k] {
                visit(d, deps, state, order, path)?;
            }
            path.pop();
            state[k] = 2;
            order.push(k);
            Ok(())
        })
    }
    for k in 0..subs.len() {
        if let Err(cycle) = visit(k, &deps, &mut state, &mut order, &mut Vec::new()) {
            let first = &names[cycle[0]];
            let span = decls
                .iter()
                .find(|d| d.name == *first)
                .map(|d| d.name_span)
                .unwrap_or_default();
            return Err(Box::new(ModelError::SubexpressionCycle {
                span,
                cycle: cycle.iter().map(|&c| names[c].clone()).collect(),
            }));
        }
    }
    let mut slots: Vec<Option<Subexpression>> = subs.into_iter().map(Some).collect();
    Ok(order.into_iter().filter_map(|k| slots[k].take()).collect())
}

/// Whether every subexpression and differential equation stays within [`MAX_INLINED_NODES`] nodes and
/// [`MAX_INLINED_DEPTH`] levels once the subexpressions it reads are substituted; reports those that do
/// not. `subexpressions` are in order (each after those it reads).
fn inlined_sizes_fit(
    diff_eqs: &[DiffEq],
    subexpressions: &[Subexpression],
    decls: &[Declaration],
    errors: &mut Vec<ModelError>,
) -> bool {
    /// Nodes and depth of `e` with the sizes of the substituted names in `sizes`.
    fn shape(e: &TExpr, sizes: &HashMap<&str, (usize, usize)>) -> (usize, usize) {
        ganglion_syntax::limits::with_stack(|| {
            let children: Vec<&TExpr> = match &e.kind {
                TKind::Var(n) => return sizes.get(n.as_str()).copied().unwrap_or((1, 1)),
                TKind::Unary(_, a) => vec![a],
                TKind::Binary(_, a, b) | TKind::Compare(_, a, b) | TKind::Logical(_, a, b) => {
                    vec![a, b]
                }
                TKind::Call(_, args) | TKind::TimedArray { args, .. } => args.iter().collect(),
                _ => Vec::new(),
            };
            children.iter().fold((1, 1), |(n, d), c| {
                let (cn, cd) = shape(c, sizes);
                (n.saturating_add(cn), d.max(cd.saturating_add(1)))
            })
        })
    }
    let mut sizes: HashMap<&str, (usize, usize)> = HashMap::new();
    let mut fits = true;
    let mut over = |name: &str, span: Span, (nodes, depth): (usize, usize)| {
        let too_large = nodes > MAX_INLINED_NODES || depth > MAX_INLINED_DEPTH;
        if too_large {
            errors.push(ModelError::InlinedTooLarge {
                span,
                name: name.to_string(),
                nodes,
                depth,
                max_nodes: MAX_INLINED_NODES,
                max_depth: MAX_INLINED_DEPTH,
            });
        }
        too_large
    };
    for s in subexpressions {
        let size = shape(&s.expr, &sizes);
        let span = decls
            .iter()
            .find(|d| d.name == s.name)
            .map_or(s.expr.span, |d| d.span);
        if over(&s.name, span, size) {
            // Reported once, where it is defined, not again where it is read.
            fits = false;
            sizes.insert(&s.name, (1, 1));
        } else if !s.constant_over_dt {
            sizes.insert(&s.name, size);
        }
    }
    for d in diff_eqs {
        fits &= !over(&d.var, d.span, shape(&d.rhs, &sizes));
    }
    fits
}

/// Brian2's `stochastic_type`: multiplicative when a noise factor depends on time or a state variable
/// integrated by the equations (directly or through subexpressions).
fn classify_noise(diff_eqs: &[DiffEq], subexpressions: &[Subexpression]) -> StochasticType {
    let mut any = false;
    let state: Vec<&str> = diff_eqs.iter().map(|d| d.var.as_str()).collect();
    let depends = |e: &TExpr| -> bool {
        let mut seen: Vec<String> = Vec::new();
        let mut stack = vec![e.clone()];
        while let Some(x) = stack.pop() {
            if x.uses_special(Special::T) {
                return true;
            }
            for v in x.variables() {
                if state.contains(&v) {
                    return true;
                }
                if let Some(s) = subexpressions.iter().find(|s| s.name == v)
                    && !seen.contains(&s.name)
                {
                    seen.push(s.name.clone());
                    stack.push(s.expr.clone());
                }
            }
        }
        false
    };
    for d in diff_eqs {
        if let Some(split) = split_noise(&substituted(&d.rhs, subexpressions)) {
            for (_, g) in &split.noise {
                any = true;
                if depends(g) {
                    return StochasticType::Multiplicative;
                }
            }
        }
    }
    if any {
        StochasticType::Additive
    } else {
        StochasticType::Deterministic
    }
}

/// `e` with every subexpression (except `(constant over dt)` ones, which are stored) replaced by its
/// definition, recursively.
pub fn substituted(e: &TExpr, subexpressions: &[Subexpression]) -> TExpr {
    substitute(e, &mut |name| {
        subexpressions
            .iter()
            .find(|s| s.name == name && !s.constant_over_dt)
            .map(|s| substituted(&s.expr, subexpressions))
    })
}

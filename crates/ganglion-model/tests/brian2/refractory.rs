//! brian2/tests/test_refractory.py: the refractoriness rewrite, the forms of `refractory`, its type errors,
//! and the `no_refractory` warning.

use ganglion_model::{Refractory, VariableKind};
use ganglion_units::Dimension;

use crate::common::*;

#[test]
fn test_add_refractoriness() {
    let m = group(
        "dv/dt = -x*v/second : volt (unless refractory)
         dw/dt = -w/second : amp
         x : 1",
    )
    .refractory_time(0.005)
    .ok();
    let ls = m.variable("lastspike").unwrap();
    assert_eq!(
        (ls.kind, ls.dim),
        (VariableKind::LastSpike, Dimension::TIME)
    );
    let nr = m.variable("not_refractory").unwrap();
    assert_eq!(nr.kind, VariableKind::NotRefractory);
    assert!(m.variable("v").unwrap().unless_refractory);
    assert!(!m.variable("w").unwrap().unless_refractory);
    assert!(m.diff_eqs[0].unless_refractory);
    assert!(m.has_refractoriness());
}

#[test]
fn test_add_refractoriness_without_refractory_adds_nothing() {
    let m = group("dv/dt = -v/(10*ms) : 1")
        .threshold("v > 1")
        .reset("v = 0")
        .ok();
    assert!(m.variable("lastspike").is_none() && m.variable("not_refractory").is_none());
    // ...so the refractoriness variables are unknown names.
    assert_eq!(
        group("dv/dt = -v/(10*ms) : 1")
            .threshold("v > 1 and not_refractory")
            .reset("v = 0")
            .errors(),
        pairs(&[("unknown-name", "not_refractory")])
    );
}

#[test]
fn test_missing_refractory_warning() {
    let c = group("dv/dt = -v / (10*ms) : 1 (unless refractory)")
        .threshold("v > 1")
        .reset("v = 0")
        .check();
    assert_eq!(c.errors(), []);
    assert_eq!(
        c.warnings(),
        pairs(&[("no-refractory", "unless refractory")])
    );
    assert!(c.model.is_some());
}

const VARIABLES: &str = "
    dv/dt = 99.999*Hz : 1 (unless refractory)
    dw/dt = 99.999*Hz : 1
    ref : second
    ref_no_unit : 1
    time_since_spike = (t - lastspike) +1e-3*dt : second
    ref_subexpression = (t - lastspike + 1e-3*dt) < ref : boolean
";

fn refractory_variables(r: &'static str) -> Refractory {
    group(VARIABLES)
        .threshold("v>1")
        .reset("v=0;w=0")
        .refractory(r)
        .ok()
        .refractory
}

#[test]
fn test_refractoriness_variables_time() {
    assert!(
        matches!(refractory_variables("5*ms"), Refractory::Period(e) if e.const_value() == Some(0.005))
    );
}

#[test]
fn test_refractoriness_variables_condition_on_lastspike() {
    assert!(matches!(
        refractory_variables("(t-lastspike + 1e-3*dt) < 5*ms"),
        Refractory::Condition(_)
    ));
}

#[test]
fn test_refractoriness_variables_condition_on_subexpression() {
    assert!(matches!(
        refractory_variables("time_since_spike + 1e-3*dt < 5*ms"),
        Refractory::Condition(_)
    ));
}

#[test]
fn test_refractoriness_variables_boolean_subexpression() {
    assert!(matches!(
        refractory_variables("ref_subexpression"),
        Refractory::Condition(_)
    ));
}

#[test]
fn test_refractoriness_variables_condition_on_parameter() {
    assert!(matches!(
        refractory_variables("(t-lastspike + 1e-3*dt) < ref"),
        Refractory::Condition(_)
    ));
}

#[test]
fn test_refractoriness_variables_time_parameter() {
    assert!(
        matches!(refractory_variables("ref"), Refractory::Period(e) if e.dim == Dimension::TIME)
    );
}

#[test]
fn test_refractoriness_variables_dimensionless_parameter_times_ms() {
    assert!(matches!(
        refractory_variables("ref_no_unit*ms"),
        Refractory::Period(_)
    ));
}

#[test]
fn test_refractoriness_types_frequency() {
    let c = group("").refractory("3*Hz").check();
    assert_eq!(c.errors(), pairs(&[("refractory-type", "3*Hz")]));
    assert_eq!(
        c.messages(),
        ["the refractory period must be a time or a boolean condition, it has units of 1/second"]
    );
}

#[test]
fn test_refractoriness_types_frequency_variable() {
    assert_eq!(
        group("ref: Hz").refractory("ref").errors(),
        pairs(&[("refractory-type", "ref")])
    );
}

#[test]
fn test_refractoriness_types_number() {
    assert_eq!(
        group("").refractory("3").errors(),
        pairs(&[("refractory-type", "3")])
    );
}

#[test]
fn test_refractoriness_types_dimensionless_variable() {
    assert_eq!(
        group("ref: 1").refractory("ref").errors(),
        pairs(&[("refractory-type", "ref")])
    );
}

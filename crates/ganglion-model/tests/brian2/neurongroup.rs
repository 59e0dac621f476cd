//! brian2/tests/test_neurongroup.py, the checks a NeuronGroup makes of its model text: unit errors in
//! threshold and reset, syntax errors, custom events, namespaces, subexpressions, shared variables, and
//! `N = 0` (through a model file).

use ganglion_model::{TKind, ValueType};
use ganglion_syntax::Severity;

use crate::common::*;

const DIMLESS: &str = "dv/dt = -v/(10*ms) : 1";

// ---- test_creation ----------------------------------------------------------------------------------------

#[test]
fn test_creation_accepted() {
    let m = group("dv/dt = -v/(10*ms) : 1")
        .reset("v=0")
        .threshold("v>1")
        .ok();
    assert_eq!(m.events.len(), 1);
    assert_eq!(m.event_codes[0].event, "spike");
}

#[test]
fn test_creation_zero_neurons() {
    let t = check_file("[groups.G]\nN = 0\nmodel = \"dv/dt = 5*Hz : 1\"\n");
    assert_eq!(t, [("group-size", "0".to_string(), Severity::Error)]);
}

#[test]
fn test_creation_negative_number_of_neurons() {
    let t = check_file("[groups.G]\nN = -3\nmodel = \"dv/dt = 5*Hz : 1\"\n");
    assert_eq!(t, [("group-size", "-3".to_string(), Severity::Error)]);
}

#[test]
fn test_creation_model_is_not_a_string() {
    // `NeuronGroup(1, object())`: in a model file, a model that is not a string.
    let t = check_file("[groups.G]\nN = 1\nmodel = 42\n");
    assert_eq!(t.len(), 1, "{t:?}");
    assert_eq!((t[0].0, t[0].1.as_str()), ("model-file", "42"));
}

// ---- test_unit_errors_threshold_reset ---------------------------------------------------------------------

#[test]
fn test_unit_errors_threshold_reset_threshold_in_millivolts() {
    let c = group(DIMLESS).threshold("v > -20*mV").reset("").check();
    assert_eq!(c.errors(), pairs(&[("inconsistent-units", "v > -20*mV")]));
    assert_eq!(c.diagnostics[0].label.as_deref(), Some("1 > volt"));
}

#[test]
fn test_unit_errors_threshold_reset_reset_in_millivolts() {
    let c = group(DIMLESS).threshold("True").reset("v = -65*mV").check();
    assert_eq!(c.errors(), pairs(&[("dimension-mismatch", "-65*mV")]));
}

#[test]
fn test_unit_errors_threshold_reset_dimensionless_temporary() {
    group(DIMLESS)
        .threshold("False")
        .reset("temp_var = -65\n                 v = temp_var")
        .ok();
}

#[test]
fn test_unit_errors_threshold_reset_empty_line() {
    let m = group(DIMLESS)
        .threshold("False")
        .reset("temp_var = -65\n\n                 v = temp_var")
        .ok();
    assert_eq!(m.event_codes[0].code.statements.len(), 2);
}

#[test]
fn test_unit_errors_threshold_reset_temporary_with_units() {
    assert_eq!(
        group(DIMLESS)
            .threshold("False")
            .reset("temp_var = -65*mV\n                         v = temp_var")
            .errors(),
        pairs(&[("dimension-mismatch", "temp_var")])
    );
}

#[test]
fn test_unit_errors_threshold_reset_inplace_division() {
    group(DIMLESS).threshold("False").reset("v /= 2").ok();
}

#[test]
fn test_unit_errors_threshold_reset_inplace_subtraction() {
    let c = group(DIMLESS)
        .threshold("False")
        .reset("v -= 60*mV")
        .check();
    assert_eq!(c.errors(), pairs(&[("dimension-mismatch", "60*mV")]));
    assert_eq!(
        c.messages(),
        ["`v -= ...` has units of volt, but 1 is expected"]
    );
}

// ---- test_syntax_errors -----------------------------------------------------------------------------------

#[test]
fn test_syntax_errors_threshold() {
    let c = group("dv/dt = 5*Hz : 1").threshold(">1").reset("").check();
    assert_eq!(c.errors(), pairs(&[("unexpected-token", ">")]));
}

#[test]
fn test_syntax_errors_reset() {
    let c = group("dv/dt = 5*Hz : 1")
        .threshold("True")
        .reset("0")
        .check();
    assert_eq!(c.errors(), pairs(&[("not-a-statement", "0")]));
}

#[test]
fn test_syntax_errors_unsupported_assignment() {
    // statements.py admits `>>=` etc. in its regex and rejects them later.
    assert_eq!(
        group("w : 1").threshold("True").reset("w >>= 1").errors(),
        pairs(&[("unsupported-assignment", ">>=")])
    );
}

// ---- test_incorrect_custom_event_definition ---------------------------------------------------------------

#[test]
fn test_incorrect_custom_event_definition_invalid_name() {
    assert_eq!(
        group("").event("1event", "True").errors(),
        pairs(&[("bad-event", "1event")])
    );
}

#[test]
fn test_incorrect_custom_event_definition_spike_twice() {
    assert_eq!(
        group("")
            .threshold("True")
            .reset("")
            .event("spike", "False")
            .errors(),
        pairs(&[("bad-event", "spike")])
    );
}

#[test]
fn test_incorrect_custom_event_definition_not_a_condition() {
    let c = group("").event("my_event", "10*mV").check();
    assert_eq!(c.errors(), pairs(&[("not-boolean", "10*mV")]));
    assert_eq!(
        c.messages(),
        ["the condition of the event `my_event` must be a boolean expression"]
    );
}

#[test]
fn test_incorrect_custom_event_definition_code_for_unknown_event() {
    let c = group("")
        .threshold("False")
        .reset("")
        .event("my_event", "True")
        .on_event("another_event", "")
        .check();
    assert_eq!(c.errors(), pairs(&[("unknown-event", "another_event")]));
    assert_eq!(c.hints(), ["the group's events are: spike, my_event"]);
}

#[test]
fn test_incorrect_custom_event_definition_code_added_twice() {
    // run_on_event('spike', ...) when the reset already is the code of `spike`.
    let c = group("v : 1")
        .threshold("v > 1")
        .reset("v = 0")
        .on_event("spike", "v = 1")
        .check();
    assert_eq!(c.errors(), pairs(&[("duplicate-event-code", "spike")]));
}

#[test]
fn test_custom_events_accepted() {
    let m = group("dv/dt = (g-v)/(50*ms) : 1\ndg/dt = -g/(10*ms) : 1\nallow : boolean")
        .threshold("v>1")
        .reset("v = 0; g = 0; allow = True;")
        .event("gspike", "g>1 and allow")
        .event("end_gspike", "g<1 and not allow")
        .on_event("gspike", "allow = False")
        .on_event("end_gspike", "allow = True")
        .ok();
    let events: Vec<_> = m.events.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(events, ["spike", "gspike", "end_gspike"]);
    let codes: Vec<_> = m.event_codes.iter().map(|c| c.event.as_str()).collect();
    assert_eq!(codes, ["spike", "gspike", "end_gspike"]);
}

// ---- test_namespace_errors, test_incomplete_namespace -----------------------------------------------------

#[test]
fn test_namespace_errors_in_equations() {
    let c = group("dv/dt = -v/tau : 1").check();
    assert_eq!(c.errors(), pairs(&[("unknown-name", "tau")]));
    // `tan` is a function, not a value: no suggestion to use it.
    assert_eq!(
        c.hints(),
        ["define `tau` in the model, or give it a value in the namespace (`tau = \"...\"`)"]
    );
}

#[test]
fn test_namespace_errors_in_reset() {
    assert_eq!(
        group("dv/dt = -v/tau : 1")
            .ns("tau", "10*ms")
            .threshold("False")
            .reset("v = v_r")
            .errors(),
        pairs(&[("unknown-name", "v_r")])
    );
}

#[test]
fn test_namespace_errors_in_threshold() {
    assert_eq!(
        group("dv/dt = -v/tau : 1")
            .ns("tau", "10*ms")
            .threshold("v > v_th")
            .reset("")
            .errors(),
        pairs(&[("unknown-name", "v_th")])
    );
}

#[test]
fn test_namespace_errors_suggestion() {
    let c = group("dv/dt = -v/taum : 1").ns("tau", "10*ms").check();
    assert_eq!(c.errors(), pairs(&[("unknown-name", "taum")]));
    assert_eq!(c.hints(), ["did you mean `tau`?"]);
}

#[test]
fn test_incomplete_namespace_resolved_from_run_namespace() {
    let m = group("dv/dt = -v/tau : 1").ns("tau", "10*ms").ok();
    let mut externals = Vec::new();
    m.diff_eqs[0].rhs.walk(&mut |e| {
        if let TKind::External { name, value } = &e.kind {
            externals.push((name.clone(), *value));
        }
    });
    assert_eq!(externals, [("tau".to_string(), 0.01)]);
}

#[test]
fn test_namespace_errors_underscore_key() {
    let t = check_file(
        "[namespace]\n_tau = \"10*ms\"\n[groups.G]\nN = 1\nmodel = \"dv/dt = -v/(10*ms) : 1\"\n",
    );
    assert_eq!(
        t,
        [("namespace-underscore", "_tau".to_string(), Severity::Error)]
    );
}

#[test]
fn test_namespace_warnings_shadowed_builtin() {
    // A namespace entry named like a built-in: the built-in wins, with a warning.
    let t =
        check_file("[namespace]\nN = 3\n[groups.G]\nN = 1\nmodel = \"dv/dt = -v/(10*ms) : 1\"\n");
    assert_eq!(t, [("shadowed", "N".to_string(), Severity::Warning)]);
}

// ---- test_subexpression_checks, test_scalar_subexpression, test_scalar_variable ---------------------------

#[test]
fn test_subexpression_checks_constant_over_dt_random() {
    let m = group(
        "dv/dt = -v / (10*ms) : volt
         y = rand() : 1 (constant over dt)
         z = 17*v**2 : volt**2",
    )
    .ok();
    assert!(m.subexpression("y").unwrap().constant_over_dt);
}

#[test]
fn test_subexpression_checks_random_without_constant_over_dt() {
    let c = group(
        "dv/dt = -v / (10*ms) : volt
         y = rand() : 1
         z = 17*v**2 : volt**2",
    )
    .check();
    assert_eq!(c.errors(), pairs(&[("stateful-subexpression", "rand()")]));
    assert_eq!(
        c.hints(),
        ["add the `(constant over dt)` flag, so that one value is drawn per time step"]
    );
}

#[test]
fn test_scalar_subexpression_accepted() {
    let m = group(
        "dv/dt = freq : 1
         freq : Hz (shared)
         number : 1 (shared)
         array : 1
         sub = freq + number*Hz : Hz (shared)",
    )
    .ok();
    assert!(m.subexpression("sub").unwrap().shared);
    assert!(m.variable("freq").unwrap().shared && !m.variable("array").unwrap().shared);
}

#[test]
fn test_scalar_subexpression_refers_to_vector() {
    let c = group(
        "dv/dt = freq : 1
         freq : Hz (shared)
         array : 1
         sub = freq + array*Hz : Hz (shared)",
    )
    .check();
    assert_eq!(
        c.errors(),
        pairs(&[("shared-reads-vector", "freq + array*Hz")])
    );
    assert_eq!(
        c.messages(),
        ["the shared subexpression `sub` refers to the per-neuron variable `array`"]
    );
}

#[test]
fn test_scalar_subexpression_random_function() {
    let c = group("x : 1\nsub = rand() : 1 (shared)").check();
    let errors = c.errors();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].1, "rand()");
}

#[test]
fn test_scalar_variable_write_in_reset() {
    // "Writing to scalar variable x not allowed in this context" (threshold/reset code).
    let c = group("x : 1 (shared)\ny : 1")
        .threshold("y > 0")
        .reset("x = 1")
        .check();
    assert_eq!(c.errors(), pairs(&[("shared-write", "x")]));
}

#[test]
fn test_scalar_variable_read_in_reset() {
    let m = group("x : 1 (shared)\ny : 1")
        .threshold("y > x")
        .reset("y = x")
        .ok();
    assert!(m.variable("x").unwrap().shared);
}

const SHARED_FILE: &str = "[groups.G]\nN = 10\nmodel = \"\"\"\nx : 1 (shared)\ny : 1\n\"\"\"\n";

#[test]
fn test_run_regularly_shared_write_after_vector_write() {
    let t = check_file(&format!(
        "{SHARED_FILE}[[groups.G.run_regularly]]\ncode = \"y = 1; x = 2\"\n"
    ));
    assert_eq!(
        t,
        [("shared-write-order", "x = 2".to_string(), Severity::Error)]
    );
}

#[test]
fn test_run_regularly_scalar_from_vector() {
    let t = check_file(&format!(
        "{SHARED_FILE}[[groups.G.run_regularly]]\ncode = \"x = y\"\n"
    ));
    assert_eq!(
        t,
        [("scalar-from-vector", "y".to_string(), Severity::Error)]
    );
}

#[test]
fn test_run_regularly_shared_write_accepted() {
    let t = check_file(&format!(
        "{SHARED_FILE}[[groups.G.run_regularly]]\ncode = \"x = 2\\ny = x + rand()\"\n"
    ));
    assert_eq!(t, []);
}

// ---- test_threshold_reset, test_no_code, test_integer_variables_and_mod, writes ---------------------------

#[test]
fn test_threshold_reset_accepted() {
    let m = group("dv/dt = 0/second : 1")
        .threshold("v > 1")
        .reset("v=0.5")
        .ok();
    assert_eq!(m.event("spike").unwrap().condition.to_string(), "v > 1");
    assert_eq!(m.event_codes[0].code.statements[0].value.to_string(), "0.5");
}

#[test]
fn test_threshold_reset_only_threshold_warning() {
    let c = group(DIMLESS).threshold("v > 1").check();
    assert_eq!(c.errors(), []);
    assert_eq!(c.warnings(), pairs(&[("only-threshold", "v > 1")]));
    // An empty reset, a refractory period, or a random threshold silence it.
    assert_eq!(
        group(DIMLESS)
            .threshold("v > 1")
            .reset("")
            .check()
            .warnings(),
        []
    );
    assert_eq!(
        group(DIMLESS)
            .threshold("v > 1")
            .refractory("5*ms")
            .check()
            .warnings(),
        []
    );
    assert_eq!(
        group(DIMLESS).threshold("rand() < 0.1").check().warnings(),
        []
    );
}

#[test]
fn test_no_code_parameter_only_group() {
    let m = group("v: 1").threshold("False").reset("").ok();
    assert!(m.diff_eqs.is_empty());
}

#[test]
fn test_integer_variables_and_mod() {
    let m = group("n : integer\nm : integer\nx : 1")
        .threshold("n % 3 == 0")
        .reset("n = n // 2 + m % 5\nx = n / 2")
        .ok();
    let s = &m.event_codes[0].code.statements;
    assert_eq!(s[0].value.ty, ValueType::Int);
    // `/` is always true division.
    assert_eq!(s[1].value.ty, ValueType::Float);
}

#[test]
fn test_state_variables_read_only_time() {
    assert_eq!(
        group("v : volt")
            .threshold("v > 0*mV")
            .reset("t = 0*second")
            .errors(),
        pairs(&[("read-only", "t")])
    );
}

#[test]
fn test_state_variables_write_to_subexpression() {
    let c = group("v : volt\ns = 2*v : volt")
        .threshold("v > 0*mV")
        .reset("s = 0*volt")
        .check();
    assert_eq!(c.errors(), pairs(&[("read-only", "s")]));
    assert_eq!(c.messages(), ["cannot write to `s`: it is a subexpression"]);
}

#[test]
fn test_state_variables_boolean_from_number() {
    assert_eq!(
        group("b : boolean\nv : 1")
            .threshold("v > 0")
            .reset("b = 1")
            .errors(),
        pairs(&[("not-boolean", "1")])
    );
}

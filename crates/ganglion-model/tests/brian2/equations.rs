//! brian2/tests/test_equations.py: unit specifications, identifier rules, the three kinds of equation,
//! construction errors, unit checking, and the derived properties (classes, order, noise).

use ganglion_model::{StochasticType, ValueType, VariableKind};
use ganglion_syntax::Severity;
use ganglion_units::Dimension;

use crate::common::*;

const VOLT: Dimension = Dimension::VOLTAGE;

/// The dimensions and type of the parameter `x` declared with `unit`.
fn declared(unit: &'static str) -> (Dimension, ValueType) {
    let model = match unit {
        "second" => "x : second",
        "1" => "x : 1",
        "volt" => "x : volt",
        "second ** -1" => "x : second ** -1",
        "farad / metre**2" => "x : farad / metre**2",
        "boolean" => "x : boolean",
        "integer" => "x : integer",
        "1/second" => "x : 1/second",
        other => panic!("no model for {other}"),
    };
    let m = group(model).ok();
    let x = m.variable("x").unwrap();
    (x.dim, x.ty)
}

// ---- test_utility_functions: dimensions_and_type_from_string -------------------------------------------

#[test]
fn test_utility_functions_accepted_unit_specifications() {
    let farad_per_m2 = Dimension::CAPACITANCE / (Dimension::LENGTH * Dimension::LENGTH);
    assert_eq!(declared("second"), (Dimension::TIME, ValueType::Float));
    assert_eq!(declared("1"), (Dimension::DIMENSIONLESS, ValueType::Float));
    assert_eq!(declared("volt"), (VOLT, ValueType::Float));
    assert_eq!(
        declared("second ** -1"),
        (Dimension::FREQUENCY, ValueType::Float)
    );
    assert_eq!(
        declared("farad / metre**2"),
        (farad_per_m2, ValueType::Float)
    );
    assert_eq!(
        declared("boolean"),
        (Dimension::DIMENSIONLESS, ValueType::Bool)
    );
    assert_eq!(
        declared("integer"),
        (Dimension::DIMENSIONLESS, ValueType::Int)
    );
}

#[test]
fn test_utility_functions_one_over_unit_is_a_unit() {
    // Brian2's `Unit.__array_ufunc__` turns `1/second` into a unit (np.reciprocal), unlike `2/second`.
    assert_eq!(
        declared("1/second"),
        (Dimension::FREQUENCY, ValueType::Float)
    );
}

#[test]
fn test_utility_functions_misspelled_base_unit() {
    let c = group("x : metr / second").check();
    assert_eq!(c.errors(), pairs(&[("unknown-unit", "metr")]));
    assert_eq!(c.hints(), ["did you mean `meter`?"]);
}

#[test]
fn test_utility_functions_incomplete_power() {
    let c = group("x : metre **").check();
    assert_eq!(c.errors(), pairs(&[("unexpected-end", "")]));
    assert_eq!(c.diagnostics[0].span.start, "x : metre **".len());
}

#[test]
fn test_utility_functions_number_is_not_a_unit() {
    assert_eq!(group("x : 5").errors(), pairs(&[("not-a-unit", "5")]));
}

#[test]
fn test_utility_functions_quantity_is_not_a_unit() {
    assert_eq!(
        group("x : 2 / second").errors(),
        pairs(&[("not-a-unit", "2 / second")])
    );
}

#[test]
fn test_utility_functions_scaled_unit_cm() {
    let c = group("x : farad / cm**2").check();
    assert_eq!(c.errors(), pairs(&[("scaled-unit", "cm")]));
    assert_eq!(c.hints(), ["use `metre` instead"]);
}

// ---- test_identifier_checks -------------------------------------------------------------------------------

#[test]
fn test_identifier_checks_legal_identifiers() {
    for name in ["v", "Vm", "V", "x", "ge", "g_i", "a2", "gaba_123"] {
        let model: &'static str = Box::leak(format!("{name} : 1").into_boxed_str());
        let m = group(model).ok();
        assert!(m.variable(name).is_some(), "{name}");
    }
}

/// Declares `name` as a parameter and returns the error triples.
fn declare(name: &str) -> Vec<(&'static str, String)> {
    let model: &'static str = Box::leak(format!("{name} : 1").into_boxed_str());
    group(model).errors()
}

#[test]
fn test_identifier_checks_leading_underscore() {
    assert_eq!(declare("_v"), pairs(&[("invalid-identifier", "_v")]));
}

#[test]
fn test_identifier_checks_leading_digit() {
    assert_eq!(declare("1v"), pairs(&[("unexpected-token", "1")]));
}

#[test]
fn test_identifier_checks_non_ascii() {
    let c = group("ü : 1").check();
    assert_eq!(c.errors(), pairs(&[("invalid-character", "ü")]));
    assert_eq!(
        c.hints(),
        ["names may only use ASCII letters, digits and `_`"]
    );
}

#[test]
fn test_identifier_checks_punctuation() {
    assert_eq!(declare("ge!"), pairs(&[("invalid-character", "!")]));
}

#[test]
fn test_identifier_checks_dotted_name() {
    assert_eq!(declare("v.x"), pairs(&[("unexpected-token", ".")]));
}

#[test]
fn test_identifier_checks_python_keywords() {
    for name in ["for", "else", "if"] {
        assert_eq!(declare(name), pairs(&[("invalid-identifier", name)]));
    }
}

#[test]
fn test_identifier_checks_reserved_names() {
    for name in ["t", "dt", "xi", "i", "N", "xi_1", "t_in_timesteps"] {
        assert_eq!(declare(name), pairs(&[("invalid-identifier", name)]));
    }
}

#[test]
fn test_identifier_checks_refractory_names() {
    for name in ["not_refractory", "refractory", "refractory_until"] {
        assert_eq!(declare(name), pairs(&[("invalid-identifier", name)]));
    }
}

#[test]
fn test_identifier_checks_function_names() {
    for name in ["exp", "sin", "sqrt"] {
        assert_eq!(declare(name), pairs(&[("invalid-identifier", name)]));
    }
}

#[test]
fn test_identifier_checks_constant_names() {
    for name in ["e", "pi", "inf"] {
        assert_eq!(declare(name), pairs(&[("invalid-identifier", name)]));
    }
}

#[test]
fn test_identifier_checks_unit_names() {
    for name in ["volt", "second", "mV", "nA"] {
        assert_eq!(declare(name), pairs(&[("invalid-identifier", name)]));
    }
}

#[test]
fn test_identifier_checks_pre_post_suffix() {
    // check_identifier_pre_post, registered by NeuronGroup.
    for name in ["v_pre", "v_post"] {
        assert_eq!(declare(name), pairs(&[("invalid-identifier", name)]));
    }
}

// ---- test_parse_equations ---------------------------------------------------------------------------------

#[test]
fn test_parse_equations_simple() {
    let m = group("dv/dt = -v / tau : 1").ns("tau", "10*ms").ok();
    let v = m.variable("v").unwrap();
    assert_eq!(v.kind, VariableKind::Differential);
    assert_eq!(v.dim, Dimension::DIMENSIONLESS);
    assert_eq!(m.diff_eqs.len(), 1);
}

#[test]
fn test_parse_equations_complex() {
    // Brian2's string, with `*volt` added to `I` (test_parse_equations only parses; a NeuronGroup also checks
    // units, and `sin(...)` is dimensionless).
    let m = group(
        "
        dv/dt = -(v +
                  ge + # excitatory conductance
                  I # external current
                 )/ tau : volt
        dge/dt = -ge / tau_ge : volt
        I = sin(2 * pi * f * t)*volt : volt
        f : Hz (constant)
        b : boolean
        n : integer
        ",
    )
    .ns("tau", "10*ms")
    .ns("tau_ge", "5*ms")
    .ok();
    assert_eq!(m.variable("v").unwrap().kind, VariableKind::Differential);
    assert_eq!(m.variable("ge").unwrap().kind, VariableKind::Differential);
    assert!(m.variable("I").is_none());
    let i = m.subexpression("I").unwrap();
    assert_eq!((i.dim, i.ty), (VOLT, ValueType::Float));
    let f = m.variable("f").unwrap();
    assert_eq!(
        (f.kind, f.dim, f.ty, f.constant),
        (
            VariableKind::Parameter,
            Dimension::FREQUENCY,
            ValueType::Float,
            true
        )
    );
    assert_eq!(m.variable("b").unwrap().ty, ValueType::Bool);
    assert_eq!(m.variable("n").unwrap().ty, ValueType::Int);
    assert_eq!(m.variable("v").unwrap().dim, VOLT);
    assert_eq!(m.variable("ge").unwrap().dim, VOLT);
    assert!(!m.variable("v").unwrap().constant);
    // The inline comments are gone from the right-hand side.
    assert_eq!(m.diff_eqs[0].rhs.to_string(), "-(v + ge + I) / tau");
}

#[test]
fn test_parse_equations_duplicate_variable() {
    let src = "dv/dt = -v / tau : 1\nv = 2 * t : 1";
    let c = group(src).ns("tau", "10*ms").check();
    assert_eq!(c.errors(), pairs(&[("duplicate-definition", "v")]));
    assert_eq!(c.diagnostics[0].span.start, src.rfind("v =").unwrap());
    assert_eq!(
        c.diagnostics[0].secondary[0].0.start, 1,
        "first defined at `dv`"
    );
}

#[test]
fn test_parse_equations_incomplete_diff_op() {
    // `dv/d` is not `d<name>/dt`; Brian2's filler line `x = 2 * t : 1` is a genuine unit error too.
    let c = group("dv/d = -v / tau : 1\nx = 2 * t : 1")
        .ns("tau", "10*ms")
        .check();
    assert_eq!(
        c.errors(),
        pairs(&[("unexpected-token", "/"), ("dimension-mismatch", "2 * t")])
    );
}

#[test]
fn test_parse_equations_two_colons() {
    let c = group("dv/dt = -v / tau : 1 : volt\nx = 2 * t / second : 1")
        .ns("tau", "10*ms")
        .check();
    assert_eq!(c.errors(), pairs(&[("unexpected-token", ":")]));
    assert_eq!(c.diagnostics[0].span.start, 21, "the second colon");
}

#[test]
fn test_parse_equations_quantity_as_unit() {
    assert_eq!(
        group("dv/dt = -v / tau : 2 * volt")
            .ns("tau", "10*ms")
            .errors(),
        pairs(&[("not-a-unit", "2 * volt")])
    );
}

#[test]
fn test_parse_equations_boolean_differential_equation() {
    assert_eq!(
        group("dv/dt = v / second : boolean").errors(),
        pairs(&[("diff-eq-not-float", "boolean")])
    );
}

#[test]
fn test_parse_equations_bool_is_not_a_type() {
    let c = group("b : bool").check();
    assert_eq!(c.errors(), pairs(&[("use-boolean", "bool")]));
    assert_eq!(c.hints(), ["use `boolean`"]);
}

// ---- test_construction_errors -----------------------------------------------------------------------------

#[test]
fn test_construction_errors_missing_colon() {
    let c = group("dv/dt = -v / tau volt").ns("tau", "1*ms").check();
    assert_eq!(c.errors(), pairs(&[("missing-colon", "volt")]));
}

#[test]
fn test_construction_errors_two_units() {
    assert_eq!(
        group("dv/dt = -v / tau : volt second")
            .ns("tau", "1*ms")
            .errors(),
        pairs(&[("unexpected-token", "second")])
    );
}

#[test]
fn test_construction_errors_scaled_unit() {
    let c = group("dv/dt = -v / tau : mvolt").ns("tau", "1*ms").check();
    assert_eq!(c.errors(), pairs(&[("scaled-unit", "mvolt")]));
    assert_eq!(c.hints(), ["use `volt` instead"]);
}

#[test]
fn test_construction_errors_unknown_unit() {
    let c = group("dv/dt = -v / tau : voltage")
        .ns("tau", "1*ms")
        .check();
    assert_eq!(c.errors(), pairs(&[("unknown-unit", "voltage")]));
}

#[test]
fn test_construction_errors_quantity_unit() {
    // `1.0*volt` evaluates to a Quantity, not a Unit.
    assert_eq!(
        group("dv/dt = -v / tau : 1.0*volt")
            .ns("tau", "1*ms")
            .errors(),
        pairs(&[("not-a-unit", "1.0*volt")])
    );
    assert_eq!(
        group("x : 1*volt").errors(),
        pairs(&[("not-a-unit", "1*volt")])
    );
    assert_eq!(group("x : 1.0").errors(), pairs(&[("not-a-unit", "1.0")]));
}

#[test]
fn test_construction_errors_duplicate_definition() {
    let c = group("dv/dt = -v / tau : volt\nv = 2 * t/second * volt : volt")
        .ns("tau", "1*ms")
        .check();
    assert_eq!(c.errors(), pairs(&[("duplicate-definition", "v")]));
}

#[test]
fn test_construction_errors_diff_eq_of_dt() {
    // `ddt/dt` declares `dt`.
    let c = group("ddt/dt = -dt / tau : volt").ns("tau", "1*ms").check();
    assert_eq!(c.errors(), pairs(&[("invalid-identifier", "dt")]));
    assert_eq!(c.diagnostics[0].span.start, 1);
}

#[test]
fn test_construction_errors_diff_eq_of_t() {
    let c = group("dt/dt = -t / tau : volt").ns("tau", "1*ms").check();
    assert_eq!(c.errors(), pairs(&[("invalid-identifier", "t")]));
}

#[test]
fn test_construction_errors_diff_eq_of_xi() {
    let c = group("dxi/dt = -xi / tau : volt").ns("tau", "1*ms").check();
    assert_eq!(c.errors(), pairs(&[("invalid-identifier", "xi")]));
}

#[test]
fn test_construction_errors_keyword_as_parameter() {
    assert_eq!(
        group("for : volt").errors(),
        pairs(&[("invalid-identifier", "for")])
    );
}

#[test]
fn test_construction_errors_digit_after_d() {
    // Brian2: EquationError or SyntaxError. `d1a/dt` declares `1a`, no identifier; Brian2's right-hand side
    // `-1a` does not parse either, and that is what is reported (the equation is dropped).
    let src = "d1a/dt = -1a / tau : volt";
    let c = group(src).ns("tau", "1*ms").check();
    assert_eq!(c.errors(), pairs(&[("missing-colon", "a")]));
    assert_eq!(c.diagnostics[0].span.start, src.find("a /").unwrap());
    // With a right-hand side that parses, the name itself is rejected.
    assert_eq!(
        group("d1a/dt = -x / tau : volt\nx : volt")
            .ns("tau", "1*ms")
            .errors(),
        pairs(&[("invalid-identifier", "1a")])
    );
}

#[test]
fn test_construction_errors_underscore_diff_eq() {
    assert_eq!(
        group("d_x/dt = -_x / tau : volt")
            .ns("tau", "1*ms")
            .errors(),
        pairs(&[("invalid-identifier", "_x")])
    );
}

#[test]
fn test_construction_errors_xi_in_subexpression() {
    let c = group(
        "dv/dt = -(v + I) / (5 * ms) : volt
         I = second**-1*xi**-2*volt : volt",
    )
    .check();
    assert_eq!(c.errors(), pairs(&[("noise-outside-diff-eq", "xi")]));
}

#[test]
fn test_construction_errors_xi_in_two_equations() {
    // Brian2's string verbatim: the check is structural, whatever the units say.
    let src = "dv/dt = -v / tau + xi/tau**.5 : volt
               dx/dt = -x / tau + 2*xi/tau : volt
               tau : second";
    let c = group(src).check();
    let errors = c.errors();
    assert!(
        errors.contains(&("noise-reused", "xi".to_string())),
        "{errors:?}"
    );
    let d = c
        .diagnostics
        .iter()
        .find(|d| d.code == Some("noise-reused"))
        .unwrap();
    assert_eq!(d.span.start, src.rfind("xi").unwrap(), "the second `xi`");
    // With consistent units it is the only error.
    let c = group(
        "dv/dt = -v / tau + xi*volt/tau**.5 : volt
         dx/dt = -x / tau + 2*xi*volt/tau**.5 : volt
         tau : second",
    )
    .check();
    assert_eq!(c.errors(), pairs(&[("noise-reused", "xi")]));
}

#[test]
fn test_construction_errors_same_xi_suffix_is_shared_noise() {
    // `xi_1` in two equations is the same noise, and allowed.
    let m = group(
        "dv/dt = -v/(10*ms) + xi_1/sqrt(ms) : 1
         dw/dt = -w/(10*ms) + xi_1/sqrt(ms) : 1",
    )
    .ok();
    assert_eq!(m.stochastic, StochasticType::Additive);
}

#[test]
fn test_construction_errors_unknown_flag() {
    let c = group("dv/dt = -v / (5 * ms) : volt (flag)").check();
    assert_eq!(c.errors(), pairs(&[("bad-flag", "flag")]));
    assert_eq!(c.hints(), ["allowed: `unless refractory`"]);
}

#[test]
fn test_construction_errors_flag_of_another_kind() {
    assert_eq!(
        group("dv/dt = -v / (5 * ms) : volt (constant)").errors(),
        pairs(&[("bad-flag", "constant")])
    );
    assert_eq!(
        group("x : 1 (unless refractory)").errors(),
        pairs(&[("bad-flag", "unless refractory")])
    );
    assert_eq!(
        group("x : 1\ny = x : 1 (constant)").errors(),
        pairs(&[("bad-flag", "constant")])
    );
}

#[test]
fn test_construction_errors_incompatible_flags() {
    assert_eq!(
        group("x : 1 (linked, constant)").errors(),
        pairs(&[("incompatible-flags", "constant")])
    );
    assert_eq!(
        group("x : 1 (shared, linked)").errors(),
        pairs(&[("incompatible-flags", "linked")])
    );
    // Used on different equations, they are fine.
    let m = group("x : 1 (linked)\ny : 1 (constant)").ok();
    assert!(m.variable("x").unwrap().linked && m.variable("y").unwrap().constant);
}

#[test]
fn test_construction_errors_circular_subexpressions() {
    let c = group(
        "dv/dt = -(v + w) / (10 * ms) : 1
         w = 2 * x : 1
         x = 3 * w : 1",
    )
    .check();
    assert_eq!(c.errors(), pairs(&[("subexpression-cycle", "w")]));
    assert!(
        c.messages()[0].ends_with("w -> x -> w"),
        "{:?}",
        c.messages()
    );
}

#[test]
fn test_construction_errors_boolean_diff_eq() {
    assert_eq!(
        group("dv/dt = -v / (10*ms) : boolean").errors(),
        pairs(&[("diff-eq-not-float", "boolean")])
    );
}

#[test]
fn test_construction_errors_integer_diff_eq() {
    assert_eq!(
        group("dv/dt = -v / (10*ms) : integer").errors(),
        pairs(&[("diff-eq-not-float", "integer")])
    );
}

// ---- test_unit_checking -----------------------------------------------------------------------------------

#[test]
fn test_unit_checking_missing_time_constant() {
    let c = group("dv/dt = -v : volt").check();
    assert_eq!(c.errors(), pairs(&[("dimension-mismatch", "-v")]));
    assert_eq!(c.hints(), ["did you forget to divide by a time constant?"]);
    assert_eq!(
        c.diagnostics[0].label.as_deref(),
        Some("expected volt/second, found volt")
    );
}

#[test]
fn test_unit_checking_external_constant_of_wrong_unit() {
    assert_eq!(
        group("dv/dt = -v / tau: volt").ns("tau", "5*mV").errors(),
        pairs(&[("dimension-mismatch", "-v / tau")])
    );
}

#[test]
fn test_unit_checking_external_current_of_wrong_unit() {
    assert_eq!(
        group("dv/dt = -(v + I) / (5 * ms): volt")
            .ns("I", "3*second")
            .errors(),
        pairs(&[("inconsistent-units", "v + I")])
    );
}

#[test]
fn test_unit_checking_parameter_of_wrong_unit() {
    assert_eq!(
        group("dv/dt = -(v + I) / (5 * ms): volt\nI : second").errors(),
        pairs(&[("inconsistent-units", "v + I")])
    );
}

#[test]
fn test_unit_checking_subexpression_of_wrong_unit() {
    assert_eq!(
        group("dv/dt = -v / (5 * ms) : volt\nI = 2 * v : amp").errors(),
        pairs(&[("dimension-mismatch", "2 * v")])
    );
}

// ---- test_properties, test_extract_subexpressions, test_dependency_calculation ----------------------------

const PROPERTIES: &str = "
    dv/dt = -(v + I)/ tau : volt
    I = sin(2 * 22/7. * f * t)* volt : volt
    f = freq * Hz: Hz
    freq : 1
";

#[test]
fn test_properties_equation_classes_and_order() {
    let m = group(PROPERTIES).ns("tau", "10*ms").ok();
    let diff: Vec<_> = m.diff_eqs.iter().map(|d| d.var.as_str()).collect();
    assert_eq!(diff, ["v"]);
    // Subexpressions in dependency order (Brian2's `ordered`: f, I, then v, then freq).
    let subs: Vec<_> = m.subexpressions.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(subs, ["f", "I"]);
    let stored: Vec<_> = m
        .variables
        .iter()
        .map(|v| (v.name.as_str(), v.kind))
        .collect();
    assert_eq!(
        stored,
        [
            ("v", VariableKind::Differential),
            ("freq", VariableKind::Parameter)
        ]
    );
    assert_eq!(m.subexpression("f").unwrap().dim, Dimension::FREQUENCY);
    assert_eq!(m.subexpression("I").unwrap().dim, VOLT);
    assert_eq!(m.variable("freq").unwrap().dim, Dimension::DIMENSIONLESS);
    // External identifiers: `tau` (volt, Hz, sin, t are built-ins).
    assert_eq!(m.externals.names().collect::<Vec<_>>(), ["tau"]);
    assert_eq!(m.stochastic, StochasticType::Deterministic);
}

#[test]
fn test_properties_additive_noise() {
    let m = group("dv/dt = -v / tau + 0.1*second**-.5*xi : 1")
        .ns("tau", "10*ms")
        .ok();
    assert_eq!(m.stochastic, StochasticType::Additive);
    assert_eq!(m.diff_eqs[0].rhs.noise_names(), ["xi"]);
}

#[test]
fn test_properties_two_noise_variables() {
    let m = group("dv/dt = -v / tau + 0.1*second**-.5*xi_1 +  0.1*second**-.5*xi_2: 1")
        .ns("tau", "10*ms")
        .ok();
    assert_eq!(m.stochastic, StochasticType::Additive);
    assert_eq!(m.diff_eqs[0].rhs.noise_names(), ["xi_1", "xi_2"]);
}

#[test]
fn test_properties_multiplicative_noise_in_t() {
    let m = group("dv/dt = -v / tau + 0.1*second**-1.5*xi*t : 1")
        .ns("tau", "10*ms")
        .ok();
    assert_eq!(m.stochastic, StochasticType::Multiplicative);
}

#[test]
fn test_properties_multiplicative_noise_in_v() {
    // Brian2's string has `second**-1.5` (its test does not check units); `-.5` makes it consistent.
    let m = group("dv/dt = -v / tau + 0.1*second**-.5*xi*v : 1")
        .ns("tau", "10*ms")
        .ok();
    assert_eq!(m.stochastic, StochasticType::Multiplicative);
}

#[test]
fn test_properties_multiplicative_noise_through_subexpression() {
    // stochastic_type looks at the noise factors after substituting subexpressions.
    let m = group(
        "dv/dt = -v / tau + sigma*xi : 1
         sigma = 0.1*second**-.5*v : second**-0.5",
    )
    .ns("tau", "10*ms")
    .ok();
    assert_eq!(m.stochastic, StochasticType::Multiplicative);
    let m = group(
        "dv/dt = -v / tau + sigma*xi : 1
         sigma = 0.1*second**-.5*s : second**-0.5
         s : 1",
    )
    .ns("tau", "10*ms")
    .ok();
    assert_eq!(m.stochastic, StochasticType::Additive);
}

#[test]
fn test_extract_subexpressions_constant_over_dt() {
    let m = group(
        "dv/dt = -v / (10*ms) : 1
         s1 = 2*v : 1
         s2 = -v : 1 (constant over dt)",
    )
    .ok();
    assert!(!m.subexpression("s1").unwrap().constant_over_dt);
    assert!(m.subexpression("s2").unwrap().constant_over_dt);
    // A `(constant over dt)` subexpression is stored (Brian2 turns it into a parameter).
    assert_eq!(m.variable("s2").unwrap().kind, VariableKind::ConstantOverDt);
    assert!(m.variable("s1").is_none());
}

#[test]
fn test_dependency_calculation_order() {
    let m = group(
        "dv/dt = I_m/C_m : volt
         I_m = I_ext + I_pas : amp
         I_ext = 1*nA + sin(2*pi*100*Hz*t)*nA : amp
         I_pas = g_L*(E_L - v) : amp
         gl_shared : siemens (shared)
         g_L = gl_shared : siemens",
    )
    .ns("C_m", "200*pF")
    .ns("E_L", "-70*mV")
    .ok();
    let order: Vec<_> = m.subexpressions.iter().map(|s| s.name.as_str()).collect();
    let pos = |n: &str| order.iter().position(|o| *o == n).unwrap();
    assert!(
        pos("I_ext") < pos("I_m") && pos("I_pas") < pos("I_m"),
        "{order:?}"
    );
    assert!(pos("g_L") < pos("I_pas"), "{order:?}");
}

#[test]
fn test_properties_warnings_are_not_errors() {
    let c = group("dv/dt = -v / (10*ms) : 1 (unless refractory)").check();
    assert!(c.model.is_some());
    assert!(c.triples.iter().all(|t| t.2 == Severity::Warning));
}

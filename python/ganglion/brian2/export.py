"""Brian2 objects as Ganglion objects: equations rendered from their dimensions, code strings, resolved
external names, and the calls of the low-level API that build the same network in Rust."""

import numbers

import numpy as np
from brian2 import (
    EventMonitor,
    NeuronGroup,
    PoissonGroup,
    PoissonInput,
    PopulationRateMonitor,
    SpikeGeneratorGroup,
    SpikeMonitor,
    StateMonitor,
    Synapses,
)
from brian2.core.functions import DEFAULT_FUNCTIONS, Function
from brian2.core.variables import Constant
from brian2.groups.group import CodeRunner
from brian2.groups.subgroup import Subgroup
from brian2.input.timedarray import TimedArray
from brian2.units.fundamentalunits import DIMENSIONLESS
from brian2.utils.stringtools import get_identifiers

from .. import _ganglion
from .refuse import refuse

#: Names Ganglion knows itself (units, `pi`, `e`, `inf`, built-in functions): never passed as constants.
_BUILTIN = {"pi", "e", "inf", "t", "dt", "i", "j", "N", "t_in_timesteps", "xi", "True", "False"}


def dims_of(dim):
    """The seven exponents of a Brian2 dimension (metre, kilogram, second, ampere, kelvin, mole,
    candela), as floats."""
    if dim is None or dim is DIMENSIONLESS:
        return [0.0] * 7
    return [float(x) for x in dim._dims]


def unit_of(eq):
    """The unit specification of an equation, rendered from its dimensions and type."""
    if eq.var_type == "integer":
        return "integer"
    if eq.var_type == "boolean":
        return "boolean"
    return _ganglion.unit_expression(dims_of(eq.dim))


def equation_line(eq, flags=None, name=None):
    """One line of the model language for a Brian2 `SingleEquation`."""
    name = name or eq.varname
    flags = list(eq.flags) if flags is None else flags
    suffix = f" ({', '.join(flags)})" if flags else ""
    unit = unit_of(eq)
    if eq.type == "differential equation":
        return f"d{name}/dt = {eq.expr.code} : {unit}{suffix}"
    if eq.type == "subexpression":
        return f"{name} = {eq.expr.code} : {unit}{suffix}"
    return f"{name} : {unit}{suffix}"


def group_model(group):
    """The model of a NeuronGroup, as the user wrote it but with units from dimensions."""
    return "\n".join(equation_line(eq) for eq in group.user_equations._equations.values())


def synapses_model(syn):
    """A Synapses object's model: Brian2 keeps it in pieces (continuous equations, event-driven ones,
    summed variables), put back together here."""
    lines = {}
    for eq in syn.equations._equations.values():
        if eq.varname != "lastupdate":
            lines[eq.varname] = equation_line(eq)
    if syn.event_driven is not None:
        for eq in syn.event_driven._equations.values():
            if eq.varname == "lastupdate":
                continue
            if eq.type == "differential equation":
                flags = sorted(set(eq.flags) | {"event-driven"})
                lines[eq.varname] = equation_line(eq, flags)
            else:
                lines.setdefault(eq.varname, equation_line(eq))
    for name, expr in constant_over_dt(syn).items():
        eq = syn.equations._equations[name]
        lines[name] = f"{name} = {expr} : {unit_of(eq)} (constant over dt)"
    for name, updater in syn.summed_updaters.items():
        var = syn.variables["_summed_" + name]
        unit = _ganglion.unit_expression(dims_of(var.dim))
        target = updater.target_varname
        lines[target] = f"{target} = {updater.expression.code} : {unit} (summed)"
    return "\n".join(lines.values())


def constant_over_dt(obj):
    """The `(constant over dt)` subexpressions of a group or synapses object: name -> expression. Brian2
    turns them into parameters computed by a `SubexpressionUpdater` before each step; Ganglion computes
    them itself."""
    if isinstance(obj, NeuronGroup) and not isinstance(obj, Synapses):
        return {
            eq.varname: eq.expr.code
            for eq in obj.user_equations._equations.values()
            if eq.type == "subexpression" and "constant over dt" in eq.flags
        }
    updater = getattr(obj, "subexpression_updater", None)
    out = {}
    if updater is not None:
        for line in updater.abstract_code.splitlines():
            if "=" in line:
                name, expr = line.split("=", 1)
                if name.strip() in obj.equations._equations:
                    out[name.strip()] = expr.strip()
    return out


def side(obj):
    """The group (and slice) a Brian2 group or subgroup stands for: `(group, start, stop)`."""
    if isinstance(obj, Subgroup):
        return obj.source, obj.start, obj.stop
    return obj, 0, len(obj)


def constant_value(value):
    """A resolved Brian2 constant as what the low-level API takes: `(value, dims)` or a plain value."""
    if isinstance(value, Constant):
        dims, value = value.dim, value.value
    else:
        dims = getattr(value, "dim", DIMENSIONLESS)
    value = np.asarray(value)
    if value.shape != ():
        return None
    value = value.item()
    if isinstance(value, bool):
        return value
    if isinstance(value, numbers.Integral) and dims is DIMENSIONLESS:
        return int(value)
    return (float(value), dims_of(dims))


class Externals:
    """The external names code of a network uses, resolved as Brian2 resolves them (the object's own
    namespace, then the run namespace), sorted into constants and timed arrays."""

    def __init__(self, run_namespace):
        self.run_namespace = run_namespace
        #: name -> (value, dims) or plain value, from the run namespace (re-read at every run)
        self.run = {}
        #: name -> TimedArray
        self.timed_arrays = {}

    def resolve(self, owner, codes, known=()):
        """Resolves the identifiers of `codes` (strings) for `owner`; returns the group-namespace
        constants (fixed), records run-namespace ones and timed arrays."""
        identifiers = set()
        for code in codes:
            if code:
                identifiers |= get_identifiers(code)
        identifiers -= set(owner.variables.keys()) | set(known) | _BUILTIN
        own = {}
        own_namespace = getattr(owner, "namespace", None) or {}
        for name in sorted(identifiers):
            if name in DEFAULT_FUNCTIONS:
                continue
            try:
                resolved = owner._resolve(name, run_namespace=self.run_namespace, user_identifier=True)
            except KeyError:
                continue  # Ganglion's checker reports the unknown name with its place
            if isinstance(resolved, TimedArray):
                self.timed_arrays[name] = resolved
                continue
            if isinstance(resolved, Function):
                if resolved is DEFAULT_FUNCTIONS.get(name):
                    continue
                refuse(owner, f"the user function `{name}`")
            if not isinstance(resolved, Constant):
                continue
            if _is_unit(name, resolved):
                continue
            value = constant_value(resolved)
            if value is None:
                continue
            if name in own_namespace:
                own[name] = value
            else:
                self.run[name] = value
        return own


def _is_unit(name, constant):
    """Whether Brian2 resolved `name` to a unit or a default constant (Ganglion knows those)."""
    from brian2.core.namespace import DEFAULT_CONSTANTS, DEFAULT_UNITS

    return name in DEFAULT_UNITS or name in DEFAULT_CONSTANTS


def group_codes(group):
    """Every code string of a NeuronGroup (for name resolution), its `run_regularly` code included."""
    codes = [eq.expr.code for eq in group.user_equations._equations.values() if eq.expr is not None]
    codes += [c for c in group.events.values() if c]
    codes += list(group.event_codes.values())
    if isinstance(group._refractory, str):
        codes.append(group._refractory)
    codes += [c.abstract_code for c in group.contained_objects if type(c) is CodeRunner]
    return codes


def synapses_codes(syn):
    """Every code string of a Synapses object."""
    codes = [eq.expr.code for eq in syn.equations._equations.values() if eq.expr is not None]
    if syn.event_driven is not None:
        codes += [eq.expr.code for eq in syn.event_driven._equations.values() if eq.expr is not None]
    codes += [u.expression.code for u in syn.summed_updaters.values()]
    codes += [p.code for p in syn._pathways]
    return codes


def refractory_of(group):
    """A NeuronGroup's refractory period: None, seconds, or a code string."""
    r = group._refractory
    if r is False or r is None:
        return None
    if isinstance(r, str):
        return r
    return float(r)


def method_choice(obj):
    """What integration methods an object asks for (Synapses keep it on their state updater, which
    exists only with clock-driven equations); None when it has nothing to integrate."""
    updater = getattr(obj, "state_updater", None)
    if updater is None:
        return None
    return updater.method_choice


def methods_of(obj):
    """The integration methods asked for: a name, or a list of names (None: Ganglion's default)."""
    m = method_choice(obj)
    if m is None:
        return None
    if isinstance(m, str):
        return m
    if isinstance(m, (list, tuple)) and all(isinstance(x, str) for x in m):
        return list(m)
    refuse(obj, f"the integration method {m!r} (Ganglion takes method names)")


def sorted_by_class(objects):
    """Objects in the order they are exported: inputs and groups, synapses, Poisson inputs, monitors."""
    rank = {
        SpikeGeneratorGroup: 0,
        PoissonGroup: 0,
        NeuronGroup: 0,
        Synapses: 1,
        PoissonInput: 2,
        SpikeMonitor: 3,
        EventMonitor: 3,
        StateMonitor: 3,
        PopulationRateMonitor: 3,
    }

    def key(o):
        for cls, r in rank.items():
            if isinstance(o, cls):
                return r
        return 9

    return sorted(objects, key=key)

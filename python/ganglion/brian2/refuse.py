"""What Ganglion's Brian2 device does not run, refused by name before anything is simulated."""

import re

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
from brian2.core.operations import NetworkOperation
from brian2.core.preferences import prefs
from brian2.core.variables import Subexpression
from brian2.groups.group import CodeRunner
from brian2.groups.neurongroup import Resetter, StateUpdater, SubexpressionUpdater, Thresholder
from brian2.groups.subgroup import Subgroup
from brian2.synapses.synapses import StateUpdater as SynapticStateUpdater
from brian2.synapses.synapses import SummedVariableUpdater, SynapticPathway

try:  # multicompartment models
    from brian2.spatialneuron.spatialneuron import SpatialNeuron, SpatialStateUpdater, SpatialSubgroup

    _SPATIAL = (SpatialNeuron, SpatialStateUpdater, SpatialSubgroup)
except ImportError:  # pragma: no cover
    _SPATIAL = ()

#: Objects the device runs (contained objects are run as part of their owner).
SUPPORTED = (
    NeuronGroup,
    Synapses,
    SynapticPathway,
    StateUpdater,
    SynapticStateUpdater,
    Thresholder,
    Resetter,
    SubexpressionUpdater,
    SummedVariableUpdater,
    PoissonGroup,
    PoissonInput,
    SpikeGeneratorGroup,
    Subgroup,
    SpikeMonitor,
    EventMonitor,
    StateMonitor,
    PopulationRateMonitor,
)


def refuse(obj, feature):
    """Raises Brian2's `NotImplementedError` naming the object and the feature."""
    where = getattr(obj, "_creation_stack", "") or ""
    where = f", created at {where.strip()}" if where.strip() else ""
    raise NotImplementedError(
        f"Ganglion's Brian2 device does not support {feature} (object '{obj.name}', "
        f"{type(obj).__name__}{where}); run this script on Brian2's runtime device instead."
    )


def check_supported(objects):
    """Refuses every object (and feature of one) the device cannot run."""
    if prefs.legacy.refractory_timing:
        raise NotImplementedError(
            "Ganglion's Brian2 device does not support prefs.legacy.refractory_timing (Brian2 < 2.1's "
            "refractoriness); run this script on Brian2's runtime device instead."
        )
    for obj in objects:
        if not obj.active:
            refuse(obj, "switching objects off (`active = False`)")
        if _SPATIAL and isinstance(obj, _SPATIAL):
            refuse(obj, "multicompartment neurons (SpatialNeuron)")
        if isinstance(obj, NetworkOperation):
            refuse(obj, "network_operation (Python code run during a simulation)")
        if type(obj) is CodeRunner:
            owner = obj.group
            if isinstance(owner, (Synapses, Subgroup)):
                refuse(obj, f"run_regularly on {type(owner).__name__}")
            continue
        if not isinstance(obj, SUPPORTED):
            refuse(obj, f"objects of type {type(obj).__name__}")
        if getattr(obj, "codeobj_class", None) is not None:
            refuse(obj, "an explicit codeobj_class")
        if isinstance(obj, (NeuronGroup, Synapses)) and not isinstance(obj, (PoissonGroup,)):
            _check_methods(obj)
        if isinstance(obj, Synapses):
            _check_synapses(obj)
        elif isinstance(obj, NeuronGroup):
            _check_links(obj)


def _check_methods(obj):
    updater = getattr(obj, "state_updater", None)
    if updater is None:
        return
    if getattr(updater, "method_options", None):
        refuse(obj, "method_options")
    m = updater.method_choice
    names = [m] if isinstance(m, str) else list(m) if isinstance(m, (list, tuple)) else None
    if names is None or not all(isinstance(x, str) for x in names):
        refuse(obj, f"the integration method {m!r} (give a method name)")
    for name in names:
        if name.startswith("gsl"):
            refuse(obj, f"the GSL integration method `{name}`")


def _check_links(group):
    codes = list(group.event_codes.values())
    codes += [c.abstract_code for c in group.contained_objects if type(c) is CodeRunner]
    for eq in group.user_equations._equations.values():
        if "linked" not in eq.flags:
            continue
        if isinstance(group.variables.get(eq.varname), Subexpression):
            refuse(group, f"the linked variable `{eq.varname}` referring to a subexpression")
        written = re.compile(rf"(^|;)\s*{re.escape(eq.varname)}\s*([-+*/]|//|\*\*)?=(?!=)", re.MULTILINE)
        if any(code and written.search(code) for code in codes):
            refuse(group, f"writing to the linked variable `{eq.varname}` (reset, event, run_regularly)")


def _check_synapses(syn):
    for s in (syn.source, syn.target):
        owner = s.source if isinstance(s, Subgroup) else s
        if isinstance(owner, Synapses):
            refuse(syn, "Synapses whose source or target are Synapses")
    if getattr(syn, "subexpression_updater", None) is not None:
        # Ganglion's synapses leave such a subexpression at 0 (its neuron groups compute it).
        refuse(syn, "`(constant over dt)` subexpressions in Synapses")
    if getattr(syn, "multisynaptic_index", None):
        refuse(syn, "multisynaptic_index")
    for p in syn._pathways:
        if not (p.objname.startswith("pre") or p.objname.startswith("post")):
            refuse(syn, f"the pathway name `{p.objname}` (Ganglion's start with `pre` or `post`)")
    for p in syn._pathways:
        delays = p.variables["delay"].get_value()
        if p.objname != "pre" and len(delays) and np.any(np.asarray(delays) != 0):
            refuse(syn, f"a delay on the pathway `{p.objname}` (Ganglion delays the `pre` pathway)")

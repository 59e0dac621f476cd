"""The device: Brian2's runtime device, with `Network.run` (and `connect`, `store`, `restore`) done by
Ganglion. Brian2 keeps its own arrays between runs; each run hands their values to one Ganglion network
per Brian2 network (kept alive while the network's objects stay the same), runs it, and writes the
results back into Brian2's arrays and monitors."""

import re
import time
import weakref

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
    second,
)
from brian2.core.namespace import get_local_namespace
from brian2.core.network import Network, TextReport, _check_multiple_summed_updaters
from brian2.core.preferences import prefs
from brian2.core.variables import ArrayVariable
from brian2.devices.device import RuntimeDevice
from brian2.groups.group import CodeRunner
from brian2.groups.subgroup import Subgroup
from brian2.units.fundamentalunits import fail_for_dimension_mismatch

from .. import _ganglion
from .export import (
    Externals,
    constant_over_dt,
    group_codes,
    group_model,
    methods_of,
    refractory_of,
    side,
    synapses_codes,
    synapses_model,
    dims_of,
)
from .refuse import check_supported, refuse


class _Stop(Exception):
    """Raised from the run's tick when Brian2 asked the network to stop."""


class Session:
    """A Ganglion network standing for a Brian2 network, with what maps one onto the other."""

    def __init__(self, gnet, signature):
        self.gnet = gnet
        self.signature = signature
        #: Brian2 object name -> ganglion Group (groups, synapses)
        self.groups = {}
        #: (Brian2 object, ganglion Group) for the groups and synapses, for state transfer
        self.owners = []
        #: (Brian2 monitor, ganglion Monitor, records already written back)
        self.monitors = []
        #: names of the run namespace pushed at every run
        self.constants = set()


def signature(objects):
    """What a Ganglion network built for `objects` depends on: when it changes, the network is built
    again. (Objects are compared by identity through weak references, which never match a new object
    that happens to get a dead one's `id`.)"""
    sig = []
    for o in objects:
        entry = [_Same(o), type(o).__name__, o.name, bool(o.active)]
        if isinstance(o, (NeuronGroup, Synapses, SpikeGeneratorGroup)):
            entry.append(len(o))
        if isinstance(o, SpikeGeneratorGroup):
            entry += [o._neuron_index.tobytes(), o._spike_time.tobytes(), _period(o)]
        if hasattr(o, "clock"):
            entry.append(float(o.clock.dt_))
        sig.append(tuple(entry))
    return tuple(sig)


class _Same:
    """Equal to another `_Same` of the very same live object."""

    def __init__(self, obj):
        self.ref = weakref.ref(obj)

    def __eq__(self, other):
        mine = self.ref()
        return isinstance(other, _Same) and mine is not None and mine is other.ref()

    def __hash__(self):
        return id(self.ref)


class GanglionDevice(RuntimeDevice):
    """Brian2's runtime device, with simulations run by Ganglion."""

    def __init__(self):
        super().__init__()
        self._sessions = {}
        self._stored = {}
        self._seed = None
        self.threads = 0
        self.backend = "jit"

    def activate(self, build_on_run=True, **kwargs):
        self.threads = int(kwargs.pop("threads", 0))
        self.backend = kwargs.pop("backend", "jit")
        super().activate(build_on_run=build_on_run, **kwargs)
        # What Brian2 still runs itself (connect and setters it falls back to) needs no compiler.
        prefs.codegen.target = "numpy"

    def reinit(self):
        self._sessions.clear()
        self._stored.clear()
        super().reinit()

    def seed(self, seed=None):
        super().seed(seed)
        self._seed = seed
        for s in self._sessions.values():
            s.seeded = False

    # ------------------------------------------------------------------------------------------------
    # Running

    def network_run(
        self,
        net,
        duration,
        report=None,
        report_period=10 * second,
        namespace=None,
        profile=None,
        level=0,
        **kwds,
    ):
        fail_for_dimension_mismatch(duration, second, "the duration of a run is a time")
        fail_for_dimension_mismatch(report_period, second, "report_period is a time")
        if float(duration) < 0:
            raise ValueError(f"Function 'run' expected a non-negative duration but got '{duration}'")
        if namespace is None:
            namespace = get_local_namespace(level + 2)
        objects = net.sorted_objects
        net._clocks = {o.clock for o in objects}
        t_start = net.t
        t_end = net.t + duration
        for clock in net._clocks:
            clock.set_interval(net.t, t_end)
        self._before_run(net, objects)
        if not objects:
            return
        check_supported(objects)
        externals = _externals(objects, namespace)
        try:
            session = self._session(net, objects, namespace, externals)
        except _ganglion.ModelError as e:
            _refuse_missing_function(e, objects)
            raise
        self._push(session, externals)
        report_callback = _report(report)
        completed = self._run(net, session, float(duration), report_callback, float(report_period), t_start, duration)
        self._write_back(net, session, completed, t_end)
        for obj in objects:
            if hasattr(obj, "_check_for_invalid_states"):
                obj._check_for_invalid_states()
        net.after_run()

    def _before_run(self, net, objects):
        """What Brian2's `Network.before_run` does besides the objects' own `before_run` (code
        generation, which Ganglion replaces)."""
        prefs.check_all_validated()
        names = [o.name for o in objects]
        if len(set(names)) != len(names):
            raise ValueError("All objects in a network need to have unique names")
        _check_multiple_summed_updaters(objects)
        net._stopped = False
        Network._globally_stopped = False
        net.check_dependencies()
        for obj in objects:
            if obj._network is None:
                obj._network = net.id
            elif obj._network != net.id:
                raise RuntimeError(
                    f"{obj.name} has already been run in the context of another network."
                )

    def _run(self, net, session, duration, report, report_period, t_start, brian_duration):
        """Runs the Ganglion network; returns the fraction of the run completed."""
        started = time.time()

        def tick():
            if net._stopped or Network._globally_stopped:
                raise _Stop()

        def progress(completed, elapsed):
            if report is not None:
                report(elapsed * second, completed, t_start, brian_duration)

        Network._globally_running = True
        try:
            session.gnet.run(duration, report=progress, report_period=report_period, tick=tick)
            completed = 1.0
        except _Stop:
            reached = session.gnet.t - float(t_start)
            completed = reached / duration if duration > 0 else 1.0
        finally:
            Network._globally_running = False
        self._last_run_time = time.time() - started
        self._last_run_completed_fraction = completed
        return completed

    # ------------------------------------------------------------------------------------------------
    # Building

    def _session(self, net, objects, namespace, externals):
        """The Ganglion network for `net`: the one of the last run while the objects (and the types of
        the constants their code was checked with) are the same."""
        timed_arrays = tuple(
            (name, _Same(externals.timed_arrays[name])) for name in sorted(externals.timed_arrays)
        )
        sig = (signature(objects), _types(externals.run), timed_arrays)
        session = self._sessions.get(net.id)
        stale = session is not None and abs(session.gnet.t - float(net.t_)) > 0.5 * float(
            self.defaultclock.dt_
        )
        if session is None or stale or session.signature != sig:
            session = self._build(objects, namespace, sig)
            session.gnet.set_time(float(net.t_))
            self._sessions[net.id] = session
        return session

    def _build(self, objects, namespace, sig):
        gnet = _ganglion.Network(backend=self.backend, threads=self.threads)
        session = Session(gnet, sig)
        session.seeded = False
        externals = Externals(namespace)
        defaultclock = self.defaultclock
        gnet.dt = float(defaultclock.dt_)
        builder = _Builder(session, externals, defaultclock)
        builder.build(objects)
        return session

    def _push(self, session, externals):
        """Hands the current state of Brian2's arrays, the run namespace and the seed to Ganglion."""
        gnet = session.gnet
        if not session.seeded:
            seed = self._seed
            if seed is None:
                seed = int(np.random.randint(0, 2**63 - 1, dtype=np.int64))
            gnet.seed(int(seed))
            session.seeded = True
        for name, value in externals.run.items():
            _set_constant(gnet, name, value)
        for obj, g in session.owners:
            computed = constant_over_dt(obj) if isinstance(obj, (NeuronGroup, Synapses)) else {}
            for name, (dims, ty, shared) in gnet.variables(g).items():
                var = obj.variables.get(name)
                if not isinstance(var, ArrayVariable) or getattr(var, "owner", None) is None:
                    continue
                if var.owner.name != obj.name:
                    continue
                if name in _NOT_PUSHED or name in computed:
                    continue
                values = np.asarray(var.get_value(), dtype=np.float64).ravel()
                if isinstance(obj, Synapses) and len(values) == 0:
                    continue
                gnet.set_values(g, name, np.ascontiguousarray(values))
            if isinstance(obj, Synapses):
                _push_delays(gnet, g, obj)

    # ------------------------------------------------------------------------------------------------
    # Writing back

    def _write_back(self, net, session, completed, t_end):
        gnet = session.gnet
        for obj, g in session.owners:
            for name in gnet.variables(g):
                var = obj.variables.get(name)
                if not isinstance(var, ArrayVariable) or getattr(var, "owner", None) is None:
                    continue
                if var.owner.name != obj.name:
                    continue
                values = gnet.get_state(g, name)
                target = var.get_value()
                if target.size != values.size:
                    continue
                target[...] = values.reshape(target.shape).astype(target.dtype, copy=False)
        for k, (mon, gmon, written) in enumerate(session.monitors):
            session.monitors[k] = (mon, gmon, _write_monitor(gnet, mon, gmon, written))
            if isinstance(mon, StateMonitor) and mon.codeobj is None:
                mon.codeobj = _SingleStep(mon)
        reached = gnet.t
        for clock in net._clocks:
            if completed >= 1.0:
                step = clock._i_end
            else:
                step = int(round(reached / float(clock.dt_)))
            clock.variables["timestep"].set_value(step)
            clock.variables["t"].set_value(step * float(clock.dt_))
        net.t_ = float(t_end) if completed >= 1.0 else reached

    # ------------------------------------------------------------------------------------------------
    # Store and restore: Brian2 keeps its arrays; Ganglion's spikes in flight and monitors go with them.

    def network_store(self, net, *args, **kwds):
        Network.store.original_function(net, *args, **kwds)
        name = args[0] if args else kwds.get("name", "default")
        session = self._sessions.get(net.id)
        if session is not None:
            self._stored[(net.id, name)] = (
                session,
                session.gnet.store(),
                [w for (_, _, w) in session.monitors],
            )

    def network_restore(self, net, *args, **kwds):
        Network.restore.original_function(net, *args, **kwds)
        name = args[0] if args else kwds.get("name", "default")
        stored = self._stored.get((net.id, name))
        if stored is None:
            self._sessions.pop(net.id, None)
            return
        session, snapshot, written = stored
        session.gnet.restore(snapshot)
        session.monitors = [(m, g, w) for (m, g, _), w in zip(session.monitors, written)]
        self._sessions[net.id] = session


_NOT_PUSHED = {"i", "j", "N", "N_incoming", "N_outgoing", "N_pre", "N_post", "lastupdate", "delay"}


def _externals(objects, namespace):
    """The run-namespace constants and timed arrays the objects' code uses, resolved now."""
    externals = Externals(namespace)
    for obj in objects:
        if isinstance(obj, Synapses):
            externals.resolve(obj, synapses_codes(obj))
        elif isinstance(obj, NeuronGroup):
            externals.resolve(obj, group_codes(obj))
        elif isinstance(obj, PoissonGroup) and isinstance(obj._rates, str):
            externals.resolve(obj, [obj._rates])
        elif isinstance(obj, PoissonInput) and isinstance(obj._weight, str):
            externals.resolve(side(obj._group)[0], [obj._weight])
    return externals


def _refuse_missing_function(error, objects):
    """A function of Brian2's that Ganglion does not have is a refusal, not a model error."""
    from brian2.core.functions import DEFAULT_FUNCTIONS

    for name in re.findall(r"unknown name `([A-Za-z_][A-Za-z0-9_]*)`", str(error)):
        if name in DEFAULT_FUNCTIONS:
            owner = next((o for o in objects if _uses(o, name)), objects[0])
            refuse(owner, f"Brian2's function `{name}`")


def _uses(obj, name):
    """Whether the code of a group or synapses object names `name`."""
    from brian2.utils.stringtools import get_identifiers

    if isinstance(obj, Synapses):
        codes = synapses_codes(obj)
    elif isinstance(obj, NeuronGroup):
        codes = group_codes(obj)
    else:
        return False
    return any(name in get_identifiers(c) for c in codes if c)


def _types(constants):
    """The type of each constant (a change of type needs the models checked again)."""
    return tuple(sorted((name, type(v).__name__) for name, v in constants.items()))


def _set_constant(gnet, name, value):
    if isinstance(value, tuple):
        gnet.set_constant(name, value[0], dims=value[1])
    else:
        gnet.set_constant(name, value)


def _push_delays(gnet, g, syn):
    """Per-synapse delays of the `pre` pathway (a homogeneous one is part of the synapses)."""
    for p in syn._pathways:
        if p.objname == "pre" and not p.variables["delay"].scalar and len(syn) > 0:
            values = np.asarray(p.variables["delay"].get_value(), dtype=np.float64)
            gnet.set_values(g, "delay", np.ascontiguousarray(values))


def _report(report):
    """Brian2's report argument as a callback `(elapsed, completed, start, duration)`."""
    import sys

    if report is None:
        return None
    if report in ("text", "stdout"):
        return TextReport(sys.stdout)
    if report == "stderr":
        return TextReport(sys.stderr)
    if callable(report):
        return report
    raise ValueError(f'Do not know how to handle report argument "{report}".')


def _size(mon):
    """Records a Brian2 monitor holds."""
    return int(np.asarray(mon.variables["N"].get_value()).ravel()[0])


class _SingleStep:
    """What `StateMonitor.record_single_timestep()` calls after a run: appends the source's current
    values at the current time, Brian2-side (Brian2 calls the monitor's code object)."""

    def __init__(self, mon):
        self.ref = weakref.ref(mon)

    def __call__(self):
        mon = self.ref()
        if mon is None:
            return
        n = _size(mon)
        mon.resize(n + 1)
        t = np.asarray(mon.clock.variables["t"].get_value()).ravel()[0]
        mon.variables["t"].get_value()[n] = float(t)
        record = np.asarray(mon.record, dtype=np.int64)
        for name in mon.record_variables:
            values = np.asarray(getattr(mon.source, name + "_")[:]).reshape(-1)
            mon.variables[name].get_value()[n, :] = values[record]


def _write_monitor(gnet, mon, gmon, written):
    """Appends what a Ganglion monitor recorded since the last write-back to the Brian2 monitor;
    returns how many records have been written."""
    if isinstance(mon, (SpikeMonitor, EventMonitor)):
        d = gnet.spike_data(gmon)
        new_i = d["i"][written:]
        k = len(new_i)
        old = _size(mon)
        mon.resize(old + k)
        mon.variables["N"].set_value(old + k)
        if "t" in mon.variables:
            mon.variables["t"].get_value()[old:] = d["t"][written:]
        if "i" in mon.variables:
            mon.variables["i"].get_value()[old:] = new_i
        for name, values in d["values"].items():
            mon.variables[name].get_value()[old:] = values[written:]
        counts = mon.variables["count"].get_value()
        counts += np.bincount(new_i, minlength=len(counts)).astype(counts.dtype)
        return written + k
    if isinstance(mon, StateMonitor):
        d = gnet.state_data(gmon)
        t = d["t"][written:]
        k = len(t)
        old = _size(mon)
        mon.resize(old + k)
        mon.variables["t"].get_value()[old:] = t
        for name, values in d["values"].items():
            values = np.asarray(values)
            if values.size == 0:
                continue  # nothing recorded (`record=False`), or no new samples
            mon.variables[name].get_value()[old:, :] = values[:, written:].T
        return written + k
    if isinstance(mon, PopulationRateMonitor):
        d = gnet.rate_data(gmon)
        t = d["t"][written:]
        k = len(t)
        old = _size(mon)
        mon.resize(old + k)
        mon.variables["N"].set_value(old + k)
        mon.variables["t"].get_value()[old:] = t
        mon.variables["rate"].get_value()[old:] = d["rate"][written:]
        return written + k
    return written


class _Builder:
    """Builds the Ganglion network of a list of Brian2 objects."""

    def __init__(self, session, externals, defaultclock):
        self.session = session
        self.gnet = session.gnet
        self.externals = externals
        self.defaultclock = defaultclock
        self.clocks = {}

    def build(self, objects):
        groups = [o for o in objects if isinstance(o, (NeuronGroup, PoissonGroup, SpikeGeneratorGroup))]
        synapses = [o for o in objects if isinstance(o, Synapses)]
        inputs = [o for o in objects if isinstance(o, PoissonInput)]
        monitors = [
            o
            for o in objects
            if isinstance(o, (SpikeMonitor, EventMonitor, StateMonitor, PopulationRateMonitor))
        ]
        # Every code string's names are resolved first: timed arrays must exist before the groups.
        for g in groups:
            if isinstance(g, NeuronGroup):
                self.externals.resolve(g, group_codes(g))
            elif isinstance(g, PoissonGroup) and isinstance(g._rates, str):
                self.externals.resolve(g, [g._rates])
        for s in synapses:
            self.externals.resolve(s, synapses_codes(s))
        for name, ta in self.externals.timed_arrays.items():
            values = np.asarray(ta.values, dtype=np.float64)
            self.gnet.add_timed_array(name, float(ta.dt), values, dims=dims_of(ta.dim))
        for name, value in self.externals.run.items():
            _set_constant(self.gnet, name, value)
        self.session.constants = set(self.externals.run)
        for g in groups:
            self.group(g)
        for g in groups:
            if isinstance(g, NeuronGroup):
                self.links(g)
        for s in synapses:
            self.synapses(s)
        for p in inputs:
            self.poisson_input(p)
        for m in monitors:
            self.monitor(m)

    def clock_of(self, obj, owner=None):
        """The `dt` (or shared clock) of an object: None on the default clock or its owner's."""
        clock = obj.clock
        if clock is self.defaultclock or clock.name == "defaultclock":
            return {}
        if owner is not None and clock is owner.clock:
            return {}
        return {"dt": float(clock.dt_)}

    def handle(self, obj):
        return self.session.groups[obj.name]

    def side(self, obj):
        group, start, stop = side(obj)
        g = self.handle(group)
        if start == 0 and stop == len(group):
            return g
        return (g, int(start), int(stop))

    def group(self, g):
        gnet = self.gnet
        if isinstance(g, SpikeGeneratorGroup):
            h = gnet.add_spike_generator(
                len(g),
                [int(k) for k in g._neuron_index],
                [float(t) for t in g._spike_time],
                period=_period(g),
                name=g.name,
            )
            self.session.groups[g.name] = h
            return
        if isinstance(g, PoissonGroup):
            rates = g._rates
            model = f"rates = {rates} : Hz" if isinstance(rates, str) else "rates : Hz"
            h = gnet.add_group(
                len(g),
                model,
                threshold="rand() < rates*dt",
                order=g.order,
                name=g.name,
                **self.clock_of(g),
            )
            self.session.groups[g.name] = h
            if not isinstance(rates, str):
                self.session.owners.append((g, h))
            return
        own = self.externals.resolve(g, group_codes(g))
        events = [(e, c) for e, c in g.events.items() if e != "spike"]
        h = gnet.add_group(
            len(g),
            group_model(g),
            threshold=g.events.get("spike"),
            reset=g.event_codes.get("spike"),
            refractory=refractory_of(g),
            events=events or None,
            method=methods_of(g),
            namespace=own or None,
            order=g.order,
            name=g.name,
            **self.clock_of(g),
        )
        self.session.groups[g.name] = h
        self.session.owners.append((g, h))
        for event, code in g.event_codes.items():
            if event == "spike":
                continue
            resetter = g.resetter[event]
            gnet.run_on_event(h, event, code, when=resetter.when, order=resetter.order)
        for event, thresholder in g.thresholder.items():
            default = "thresholds" if event == "spike" else "after_thresholds"
            if thresholder.when != default or thresholder.order != g.order:
                gnet.set_event_schedule(h, event, thresholder.when, order=thresholder.order)
        for c in g.contained_objects:
            if type(c) is CodeRunner:
                dt = self.clock_of(c, owner=g).get("dt")
                gnet.run_regularly(h, c.abstract_code, dt=dt, when=c.when, order=c.order)

    def links(self, g):
        for eq in g.user_equations._equations.values():
            if "linked" not in eq.flags:
                continue
            var = g.variables.get(eq.varname)
            if var is None or var.owner is None:
                continue  # not linked yet: Ganglion refuses the run with Brian2's message
            source = var.owner
            source_group = source.source if isinstance(source, Subgroup) else source
            index_name = g.variables.indices[eq.varname]
            index = None
            if index_name not in ("_idx", "0"):
                index = [int(k) for k in g.variables[index_name].get_value()]
            elif isinstance(source, Subgroup):
                index = list(range(source.start, source.stop))
                if len(index) != len(g):
                    index = None
            self.gnet.link(self.handle(g), eq.varname, self.handle(source_group), var.name, index=index)

    def synapses(self, s):
        own = self.externals.resolve(s, synapses_codes(s))
        pathways = []
        delay = 0.0
        on_event = {}
        for p in s._pathways:
            pathways.append((p.objname, p.code))
            if p.event != "spike":
                on_event[p.objname] = p.event
            if p.objname == "pre" and p.variables["delay"].scalar:
                delay = float(p.variables["delay"].get_value()[0])
        h = self.gnet.add_synapses(
            self.side(s.source),
            self.side(s.target),
            model=synapses_model(s),
            pathways=pathways,
            delay=delay,
            on_event=on_event or None,
            method=methods_of(s),
            namespace=own or None,
            order=s.order,
            name=s.name,
            **self.clock_of(s),
        )
        self.session.groups[s.name] = h
        self.session.owners.append((s, h))
        if len(s) > 0:
            source_offset = side(s.source)[1]
            target_offset = side(s.target)[1]
            i = np.asarray(s.variables["_synaptic_pre"].get_value(), dtype=np.int64) - source_offset
            j = np.asarray(s.variables["_synaptic_post"].get_value(), dtype=np.int64) - target_offset
            self.gnet.connect_arrays(h, np.ascontiguousarray(i), np.ascontiguousarray(j))
            _push_delays(self.gnet, h, s)

    def poisson_input(self, p):
        weight = p._weight
        if not isinstance(weight, str):
            dims = dims_of(getattr(weight, "dim", None))
            unit = _ganglion.unit_expression(dims)
            weight = f"{float(weight)!r}" if unit == "1" else f"{float(weight)!r}*{unit}"
        self.gnet.add_poisson_input(
            self.side(p._group),
            p._target_var,
            int(p.N),
            float(p.rate),
            weight,
            when=p.when,
            order=p.order,
            name=p.name,
        )

    def monitor(self, m):
        gnet = self.gnet
        if isinstance(m, (SpikeMonitor, EventMonitor)):
            variables = sorted(m.record_variables - {"i", "t"})
            event = None if isinstance(m, SpikeMonitor) and m.event == "spike" else m.event
            gm = gnet.add_spike_monitor(
                self.side(m.source),
                event=event,
                variables=variables,
                name=m.name,
                when=m.when,
                order=m.order,
            )
        elif isinstance(m, StateMonitor):
            group, start, _ = side(m.source)
            if isinstance(m.source, Synapses):
                group, start = m.source, 0
            record = [int(start + k) for k in np.asarray(m.record)]
            clock = self.clock_of(m, owner=group)
            gm = gnet.add_state_monitor(
                self.handle(group),
                list(m.record_variables),
                record=record,
                name=m.name,
                when=m.when,
                order=m.order,
                **clock,
            )
        elif isinstance(m, PopulationRateMonitor):
            gm = gnet.add_rate_monitor(self.side(m.source), name=m.name, when=m.when, order=m.order)
        else:  # pragma: no cover - refused earlier
            refuse(m, f"objects of type {type(m).__name__}")
        self.session.monitors.append((m, gm, 0))


def _period(generator):
    """A spike generator's replay period (seconds; 0 for none)."""
    return float(np.asarray(generator.variables["period"].get_value()).ravel()[0])

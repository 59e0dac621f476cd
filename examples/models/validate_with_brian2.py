#!/usr/bin/env python3
"""Validate the NeuronGroup models of Ganglion's corpus (``examples/models/``) against real Brian2.

For every ``*.toml`` model file in this folder (or the files named on the command line), build what the file
describes with Brian2 (NeuronGroups, run_on_event, event schedules, links, run_regularly, monitors, segments)
and run it briefly with the numpy code-generation target. Prints ``OK`` or ``FAIL`` per file and exits with
status 1 if any file failed.

Names are resolved the way the model file promises: only the file's ``[namespace]`` plus Brian2's built-in
units, functions and constants are visible (every group gets the file's namespace and every run gets an
explicit empty run namespace, so nothing leaks in from this script).

The files are restricted to the NeuronGroup part of the format: a file that uses ``[synapses.*]``,
``[poisson_inputs]``, ``[timed_arrays]`` or a group with a ``kind`` fails.

Usage:
    python validate_with_brian2.py                 # every *.toml next to this script, 5 ms each
    python validate_with_brian2.py --full          # the files' own durations
    python validate_with_brian2.py --duration 20   # at most 20 ms of simulated time per segment
    python validate_with_brian2.py cuba.toml -v    # selected files, with tracebacks
    python validate_with_brian2.py -w              # also show Brian2's warnings
"""

import argparse
import pathlib
import sys
import tomllib
import traceback

import numpy as np

import brian2
from brian2 import (EventMonitor, Network, NeuronGroup, PopulationRateMonitor, SpikeMonitor, StateMonitor,
                    defaultclock, linked_var, prefs, second)

_HERE = pathlib.Path(__file__).resolve().parent
_BRIAN2_NAMES = vars(brian2)

# The keys each table may hold (the NeuronGroup part of design.md's "The model file (CLI input)").
_TOP_KEYS = {"run", "namespace", "groups", "monitors", "segments"}
_RUN_KEYS = {"duration", "dt", "seed", "report", "threads"}
_GROUP_KEYS = {"N", "model", "method", "threshold", "reset", "refractory", "events", "order", "dt", "dtype",
               "init", "on_event", "event_schedule", "links", "run_regularly"}
_ON_EVENT_KEYS = {"event", "code", "when", "order"}
_LINK_KEYS = {"group", "variable", "index"}
_RUN_REGULARLY_KEYS = {"code", "dt", "when", "order"}
_MONITOR_KEYS = {"kind", "source", "variables", "record", "event", "start", "stop", "dt", "when", "order"}
_SEGMENT_KEYS = {"duration", "set"}


class ModelFileError(Exception):
    """The file breaks a rule of the format (as opposed to an error raised by Brian2)."""


def _check_keys(table, allowed, where):
    unknown = set(table) - allowed
    if unknown:
        raise ModelFileError(f"{where}: unknown key(s) {sorted(unknown)}")


def _value(v, namespace=None):
    """A namespace/quantity value: a string is evaluated over Brian2's names ("10*ms") and the namespace
    entries given (a namespace entry may use the entries above it), a number stays."""
    if isinstance(v, str):
        return eval(v, dict(_BRIAN2_NAMES, **(namespace or {})))
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return v
    raise ModelFileError(f"expected a string with units or a number, got {v!r}")


def _time(v):
    q = _value(v)
    if isinstance(q, (int, float)):  # plain numbers are seconds
        q = q * second
    if not brian2.have_same_dimensions(q, second):
        raise ModelFileError(f"{v!r} is not a time")
    return q


def _assign(group, var, value):
    """Set group.var like ``setattr`` does, but with the group's namespace only (no implicit namespace).

    A string is an expression with units ("-70*mV + rand()*10*mV"); a number, boolean or list (N values) is in SI.
    """
    if isinstance(value, str):
        group.state(var, use_units=True).set_item(slice(None), value, namespace={})
    elif isinstance(value, (bool, int, float, list)):
        group.state(var, use_units=False).set_item(slice(None), np.asarray(value), namespace={})
    else:
        raise ModelFileError(f"cannot set {group.name}.{var} to {value!r}")


def _source(name, groups):
    """A monitor source: a group name, or a contiguous slice of one ("P[:3200]")."""
    if "[" in name:
        base, _, rest = name.partition("[")
        start, _, stop = rest.rstrip("]").partition(":")
        group = groups[base.strip()]
        return group[int(start) if start.strip() else 0:int(stop) if stop.strip() else len(group)]
    return groups[name]


def _build_group(name, spec, namespace):
    if "kind" in spec:
        raise ModelFileError(f"groups.{name}: input groups (kind) are not part of these models")
    _check_keys(spec, _GROUP_KEYS, f"groups.{name}")
    kwargs = dict(model=spec["model"], namespace=namespace, name=name)
    for key in ("method", "threshold", "reset", "refractory", "events", "order"):
        if key in spec:
            kwargs[key] = spec[key]
    if "dt" in spec:
        kwargs["dt"] = _time(spec["dt"])
    if "dtype" in spec:
        dtype = spec["dtype"]
        kwargs["dtype"] = ({k: np.dtype(v) for k, v in dtype.items()} if isinstance(dtype, dict)
                           else np.dtype(dtype))
    group = NeuronGroup(spec["N"], **kwargs)
    for entry in spec.get("on_event", []):
        _check_keys(entry, _ON_EVENT_KEYS, f"groups.{name}.on_event")
        group.run_on_event(entry["event"], entry["code"], when=entry.get("when", "after_resets"),
                           order=entry.get("order"))
    for event, sched in spec.get("event_schedule", {}).items():
        group.set_event_schedule(event, when=sched.get("when", "after_thresholds"), order=sched.get("order"))
    for entry in spec.get("run_regularly", []):
        _check_keys(entry, _RUN_REGULARLY_KEYS, f"groups.{name}.run_regularly")
        group.run_regularly(entry["code"], dt=_time(entry["dt"]) if "dt" in entry else None,
                            when=entry.get("when", "start"), order=entry.get("order", 0))
    return group


def _build_monitor(name, spec, groups):
    _check_keys(spec, _MONITOR_KEYS, f"monitors.{name}")
    for key in ("start", "stop"):  # a recording window: Brian2 has no equivalent, check the value only
        if key in spec:
            _time(spec[key])
    source = _source(spec["source"], groups)
    kind = spec["kind"]
    common = dict(name=name)
    if "dt" in spec:
        common["dt"] = _time(spec["dt"])
    if "when" in spec:
        common["when"] = spec["when"]
    if "order" in spec:
        common["order"] = spec["order"]
    if kind == "spike":
        return SpikeMonitor(source, variables=spec.get("variables"), **common)
    if kind == "event":
        return EventMonitor(source, spec["event"], variables=spec.get("variables"), **common)
    if kind == "state":
        return StateMonitor(source, spec["variables"], record=spec.get("record", True), **common)
    if kind == "rate":
        return PopulationRateMonitor(source, **common)
    raise ModelFileError(f"monitors.{name}: unknown kind {kind!r}")


def validate(path, max_duration):
    """Build and run one model file; raises on any problem."""
    text = path.read_text()
    if not text.lstrip().startswith("#"):
        raise ModelFileError("the file must start with a comment header")
    doc = tomllib.loads(text)
    forbidden = {"synapses", "poisson_inputs", "timed_arrays"} & set(doc)
    if forbidden:
        raise ModelFileError(f"not a NeuronGroup-only file: {sorted(forbidden)}")
    _check_keys(doc, _TOP_KEYS, "top level")
    run = doc.get("run")
    if run is None:
        raise ModelFileError("missing [run]")
    _check_keys(run, _RUN_KEYS, "run")
    if not doc.get("monitors"):
        raise ModelFileError("no monitor")
    if ("duration" in run) == ("segments" in doc):
        raise ModelFileError("give either [run] duration or [[segments]]")

    defaultclock.dt = _time(run.get("dt", "0.1*ms"))
    brian2.seed(run.get("seed", 2024))

    namespace = {}
    for name, v in doc.get("namespace", {}).items():  # an entry may use the entries above it
        namespace[name] = _value(v, namespace)
    groups = {name: _build_group(name, spec, namespace) for name, spec in doc["groups"].items()}
    for name, spec in doc["groups"].items():  # links first: an init expression may read a linked variable
        for var, link in spec.get("links", {}).items():
            _check_keys(link, _LINK_KEYS, f"groups.{name}.links.{var}")
            target = linked_var(groups[link["group"]], link["variable"], index=link.get("index"))
            setattr(groups[name], var, target)
    for name, spec in doc["groups"].items():
        for var, value in spec.get("init", {}).items():
            _assign(groups[name], var, value)
    overlap = set(groups) & set(doc["monitors"])
    if overlap:
        raise ModelFileError(f"a monitor and a group share a name: {sorted(overlap)}")
    monitors = [_build_monitor(name, spec, groups) for name, spec in doc["monitors"].items()]

    net = Network(*groups.values(), *monitors)
    segments = doc.get("segments") or [{"duration": run["duration"]}]
    for k, segment in enumerate(segments):
        _check_keys(segment, _SEGMENT_KEYS, f"segments[{k}]")
        for target, value in segment.get("set", {}).items():
            if "." in target:
                gname, var = target.split(".", 1)
                _assign(groups[gname], var, value)
            else:
                if target not in namespace:
                    raise ModelFileError(f"segments[{k}]: {target!r} is not in [namespace]")
                namespace[target] = _value(value)  # the groups share this dict
        duration = _time(segment["duration"])
        if max_duration is not None:
            duration = min(duration, max_duration)
        net.run(duration, namespace={})
    return net


def _describe(exc):
    """One line per exception in the chain (Brian2 wraps the real cause in a generic message)."""
    parts = []
    while exc is not None:
        lines = str(exc).strip().splitlines()
        parts.append(f"{type(exc).__name__}: {lines[0] if lines else ''}")
        exc = exc.__cause__
    return " <- ".join(parts)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="*", type=pathlib.Path, help="model files (default: *.toml here)")
    parser.add_argument("--duration", type=float, default=5.0,
                        help="at most this many ms of simulated time per segment (default 5)")
    parser.add_argument("--full", action="store_true", help="run each file for its own duration")
    parser.add_argument("-v", "--verbose", action="store_true", help="print tracebacks of failures")
    parser.add_argument("-w", "--warnings", action="store_true", help="show Brian2's warnings")
    args = parser.parse_args(argv)

    prefs.codegen.target = "numpy"
    if args.warnings:
        brian2.BrianLogger.log_level_warn()
    else:
        brian2.BrianLogger.log_level_error()
    files = args.files or sorted(_HERE.glob("*.toml"))
    max_duration = None if args.full else args.duration * brian2.ms
    failures = 0
    for path in files:
        try:
            validate(path, max_duration)
        except Exception as exc:  # report every failure, keep going
            failures += 1
            print(f"FAIL {path.name}: {_describe(exc)}")
            if args.verbose:
                traceback.print_exc()
        else:
            print(f"OK   {path.name}")
    print(f"{len(files) - failures}/{len(files)} OK")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

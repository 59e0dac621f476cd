"""Ganglion: Brian2's model language, compiled to native code.

The low-level API is the Rust network itself::

    import ganglion
    net = ganglion.Network()
    net.set_constant("tau", 10e-3, dims=[0, 0, 1, 0, 0, 0, 0])
    g = net.add_group(100, "dv/dt = (1.1 - v)/tau : 1", threshold="v > 1", reset="v = 0",
                      method="exact")
    spikes = net.add_spike_monitor(g)
    net.run(0.1)
    net.spike_data(spikes)["t"]

Values are in SI units; dimensions are the seven exponents of metre, kilogram, second, ampere,
kelvin, mole and candela. ``Network.from_model_file(path)`` builds a network from a model file
(``docs/model-file.md``).

``import ganglion.brian2`` registers a Brian2 device: after ``set_device('ganglion')`` an unchanged
Brian2 script runs on Ganglion.
"""

from ._ganglion import (  # noqa: F401
    GanglionError,
    Group,
    ModelError,
    Monitor,
    Network,
    SimulationError,
    Snapshot,
    UsageError,
    segment_durations,
    unit_expression,
)

__all__ = [
    "GanglionError",
    "Group",
    "ModelError",
    "Monitor",
    "Network",
    "SimulationError",
    "Snapshot",
    "UsageError",
    "segment_durations",
    "unit_expression",
]

"""Ganglion as a Brian2 device.

After ``from brian2 import *``::

    import ganglion.brian2
    set_device('ganglion')

and the rest of the script runs unchanged: Brian2 builds its objects as usual, ``run()`` runs them on
Ganglion, and everything the script reads afterwards (``G.v``, ``S.w``, monitors' ``t``, ``i``,
``count``, ``spike_trains()``, ``smooth_rate()``) holds Ganglion's results. Several ``run()`` calls keep
one Ganglion network alive (time continues, spikes in flight stay in flight, changes of state and
namespace between runs apply). What Ganglion cannot run is refused with ``NotImplementedError`` before
anything is simulated.

Options: ``set_device('ganglion', threads=0, backend='jit')``.
"""

from brian2.devices.device import all_devices

from .device import GanglionDevice

#: The registered device.
ganglion_device = GanglionDevice()
all_devices["ganglion"] = ganglion_device

__all__ = ["GanglionDevice", "ganglion_device"]

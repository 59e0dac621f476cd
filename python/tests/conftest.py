"""Shared fixtures: the repository's paths, and a clean Brian2 state with the Ganglion device for each
device test."""

import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture
def root():
    """The repository's root."""
    return ROOT


@pytest.fixture
def brian_ganglion():
    """Brian2 with the Ganglion device, reset before and after the test."""
    brian2 = pytest.importorskip("brian2")
    from brian2.devices.device import reinit_devices

    import ganglion.brian2  # noqa: F401  (registers the device)

    reinit_devices()
    brian2.set_device("ganglion")
    brian2.start_scope()
    brian2.defaultclock.dt = 0.1 * brian2.ms
    yield brian2
    reinit_devices()
    brian2.set_device("runtime")

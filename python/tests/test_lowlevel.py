"""The low-level API: `ganglion.Network` from Python."""

import _thread
import threading

import numpy as np
import pytest

import ganglion

SECOND = [0, 0, 1, 0, 0, 0, 0]
VOLT = [2, 1, -3, -1, 0, 0, 0]


def lif(net, n=100, name="lif"):
    net.set_constant("tau", 10e-3, dims=SECOND)
    return net.add_group(
        n,
        "dv/dt = (v0 - v)/tau : 1 (unless refractory)\nv0 : 1",
        threshold="v > 1",
        reset="v = 0",
        refractory=2e-3,
        method="exact",
        name=name,
    )


def test_a_group_runs_and_its_state_reads_and_writes_as_numpy():
    net = ganglion.Network()
    g = lif(net)
    assert g.name == "lif"
    v0 = np.linspace(0.5, 2.0, 100)
    net.set_values(g, "v0", v0)
    np.testing.assert_array_equal(net.get_state(g, "v0"), v0)
    m = net.add_spike_monitor(g)
    net.run(0.1)
    assert net.t == pytest.approx(0.1)
    d = net.spike_data(m)
    assert d["count"][:33].sum() == 0  # v0 < 1: never spikes
    assert d["count"][-1] > 5
    assert len(d["i"]) == len(d["t"]) == d["count"].sum()
    assert isinstance(net.get_state(g, "v"), np.ndarray)


def test_both_backends_give_the_same_spikes():
    runs = []
    for backend in ["jit", "interp"]:
        net = ganglion.Network(backend=backend)
        net.seed(3)
        g = lif(net)
        net.set_expression(g, "v0", "0.5 + 1.5*rand()")
        m = net.add_spike_monitor(g)
        net.run(0.05)
        runs.append(net.spike_data(m))
    np.testing.assert_array_equal(runs[0]["i"], runs[1]["i"])
    np.testing.assert_array_equal(runs[0]["t"], runs[1]["t"])


def test_checker_errors_are_model_errors_with_the_rendered_diagnostics():
    net = ganglion.Network()
    with pytest.raises(ganglion.ModelError) as e:
        net.add_group(3, "dv/dt = -v : volt")
    text = str(e.value)
    assert "volt/second is expected" in text
    assert "^^" in text  # the caret under the span
    with pytest.raises(ganglion.UsageError):
        net.add_group(0, "v : 1")


def test_conditional_and_indexed_assignment():
    net = ganglion.Network()
    g = net.add_group(10, "x : 1")
    net.set_expression(g, "x", "i*2", condition="i > 5")
    np.testing.assert_array_equal(net.get_state(g, "x"), [0, 0, 0, 0, 0, 0, 12, 14, 16, 18])
    net.set_values(g, "x", np.array([1.0, 2.0]), indices=[0, 9])
    assert net.get_state(g, "x")[[0, 9]].tolist() == [1.0, 2.0]
    net.set_expression(g, "x", "-i", indices=[3])
    assert net.get_state(g, "x")[3] == -3


def test_synapses_connect_and_delays():
    net = ganglion.Network()
    src = net.add_spike_generator(2, [0, 1], [1e-3, 2e-3], name="src")
    tgt = net.add_group(3, "v : 1", name="tgt")
    s = net.add_synapses(src, tgt, "w : 1", pathways=[("pre", "v_post += w")], delay=1e-3)
    assert net.connect(s, i=[0, 1, 1], j=[0, 1, 2]) == 3
    net.set_values(s, "w", np.array([1.0, 2.0, 3.0]))
    net.run(5e-3)
    np.testing.assert_array_equal(net.get_state(tgt, "v"), [1.0, 2.0, 3.0])
    n = net.connect(s, condition="i != j", p=1.0)
    assert n == 4 and net.size(s) == 7


def test_store_and_restore_give_the_same_continuation():
    net = ganglion.Network()
    net.seed(1)
    g = lif(net)
    net.set_expression(g, "v0", "2*rand()")
    m = net.add_spike_monitor(g)
    net.run(0.01)
    snapshot = net.store()
    net.run(0.02)
    first = net.spike_data(m)["t"].copy()
    net.restore(snapshot)
    assert net.t == pytest.approx(0.01)
    net.run(0.02)
    np.testing.assert_array_equal(net.spike_data(m)["t"], first)


def test_model_files(root):
    net = ganglion.Network.from_model_file(str(root / "examples" / "lif.toml"))
    durations = ganglion.segment_durations(net)
    assert durations and all(d > 0 for d in durations)
    net.run_file()
    assert net.t == pytest.approx(sum(durations))
    with pytest.raises(ganglion.UsageError):
        ganglion.Network.from_model_file(str(root / "no such file.toml"))


def test_a_run_can_be_interrupted():
    net = ganglion.Network(threads=1)
    g = net.add_group(20000, "dv/dt = -v/(10*ms) : 1", method="euler")
    net.add_state_monitor(g, ["v"], record=[0])
    timer = threading.Timer(0.5, _thread.interrupt_main)
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        net.run(1000.0)
    timer.cancel()
    assert 0 < net.t < 1000.0


def test_report_and_tick_are_called():
    net = ganglion.Network()
    g = lif(net)
    seen = []
    net.run(0.01, report=lambda completed, elapsed: seen.append(completed), report_period=0.0)
    assert seen[0] == 0.0 and seen[-1] == 1.0

    class Stop(Exception):
        pass

    def tick():
        raise Stop()

    with pytest.raises(Stop):
        net.run(10.0, tick=tick)
    assert net.get_state(g, "v").shape == (100,)


def test_unit_expressions():
    assert ganglion.unit_expression(VOLT) == "volt"
    assert ganglion.unit_expression([0] * 7) == "1"
    assert ganglion.unit_expression([0, 0, -0.5, 0, 0, 0, 0]) != ""

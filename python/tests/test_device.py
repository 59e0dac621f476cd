"""The Brian2 device: Brian2's runtime semantics over several runs, and what it refuses."""

import numpy as np
import pytest

pytestmark = pytest.mark.filterwarnings("ignore")


def test_time_continues_and_spikes_in_flight_arrive_in_the_next_run(brian_ganglion):
    b = brian_ganglion
    src = b.SpikeGeneratorGroup(1, [0], [0.95] * b.ms)
    tgt = b.NeuronGroup(1, "v : 1")
    syn = b.Synapses(src, tgt, on_pre="v_post += 1", delay=2 * b.ms)
    syn.connect()
    mon = b.StateMonitor(tgt, "v", record=True)
    b.run(1 * b.ms)
    assert float(tgt.v[0]) == 0.0  # the spike is still in flight
    assert float(b.defaultclock.t / b.ms) == pytest.approx(1.0)
    b.run(3 * b.ms)
    assert float(tgt.v[0]) == 1.0
    assert len(mon.t) == 40
    assert float(mon.t[-1] / b.ms) == pytest.approx(3.9)


def test_state_and_namespace_changes_between_runs_apply(brian_ganglion):
    b = brian_ganglion
    tau = 10 * b.ms
    drive = 2.0
    g = b.NeuronGroup(5, "dv/dt = (drive - v)/tau : 1", threshold="v > 1", reset="v = 0", method="exact")
    spikes = b.SpikeMonitor(g)
    b.run(20 * b.ms)
    first = spikes.num_spikes
    assert first > 0
    drive = 0.5  # noqa: F841 (read by Brian2's namespace at the next run)
    g.v = 0
    b.run(50 * b.ms)
    assert spikes.num_spikes == first
    assert np.all(g.v[:] > 0.4)


def test_seed_makes_runs_reproducible(brian_ganglion):
    b = brian_ganglion

    def once():
        b.start_scope()
        b.seed(11)
        # (Ganglion's random streams are keyed by object names: a fresh process gives the same names.)
        g = b.NeuronGroup(
            50,
            "dv/dt = (1.2 - v)/(10*ms) + 0.3*xi/sqrt(ms) : 1",
            threshold="v > 1",
            reset="v = 0",
            name="noisy",
        )
        g.v = "rand()"
        m = b.SpikeMonitor(g)
        b.run(30 * b.ms)
        return np.array(m.i), np.array(m.t)

    a, c = once(), once()
    np.testing.assert_array_equal(a[0], c[0])
    np.testing.assert_array_equal(a[1], c[1])


def test_store_and_restore(brian_ganglion):
    b = brian_ganglion
    b.seed(2)
    g = b.NeuronGroup(20, "dv/dt = (1.2 - v)/(10*ms) + 0.5*xi/sqrt(ms) : 1", threshold="v > 1", reset="v = 0")
    m = b.SpikeMonitor(g)
    net = b.Network(g, m)
    net.run(10 * b.ms)
    net.store()
    net.run(20 * b.ms)
    t1 = np.array(m.t)
    net.restore()
    assert float(net.t / b.ms) == pytest.approx(10)
    net.run(20 * b.ms)
    np.testing.assert_array_equal(np.array(m.t), t1)


def test_report_text(brian_ganglion, capsys):
    b = brian_ganglion
    group = b.NeuronGroup(10, "dv/dt = -v/(10*ms) : 1")  # noqa: F841
    b.run(5 * b.ms, report="text")
    out = capsys.readouterr().out
    assert "Starting simulation" in out and "100%" in out


def test_monitors_read_as_brian2_types(brian_ganglion):
    b = brian_ganglion
    g = b.NeuronGroup(3, "dv/dt = (2 - v)/(10*ms) : 1", threshold="v > 1", reset="v = 0", method="exact")
    s = b.SpikeMonitor(g)
    st = b.StateMonitor(g, "v", record=[0, 2])
    r = b.PopulationRateMonitor(g)
    b.run(30 * b.ms)
    assert s.t.dim == b.second.dim
    trains = s.spike_trains()
    assert set(trains) == {0, 1, 2} and len(trains[0]) == s.count[0]
    assert st.v.shape == (2, 300)
    assert r.smooth_rate(width=5 * b.ms).dim == b.Hz.dim
    assert np.all(s.count[:] == s.count[0])


@pytest.mark.parametrize(
    "build, feature",
    [
        (lambda b: b.network_operation(lambda: None), "network_operation"),
        (lambda b: b.NeuronGroup(1, "dv/dt = -v/ms : 1", method="gsl"), "GSL"),
    ],
)
def test_what_ganglion_cannot_run_is_refused_by_name(brian_ganglion, build, feature):
    b = brian_ganglion
    group = b.NeuronGroup(1, "x : 1")  # noqa: F841 (kept alive: Brian2 runs what is alive)
    built = build(b)  # noqa: F841
    with pytest.raises(NotImplementedError) as e:
        b.run(1 * b.ms)
    assert feature in str(e.value)


def test_user_functions_are_refused(brian_ganglion):
    b = brian_ganglion

    @b.check_units(x=1, result=1)
    def f(x):
        return x

    group = b.NeuronGroup(1, "v = f(1) : 1")  # noqa: F841
    with pytest.raises(NotImplementedError) as e:
        b.run(1 * b.ms)
    assert "user function" in str(e.value)


def test_spatial_neurons_are_refused(brian_ganglion):
    b = brian_ganglion
    morpho = b.Soma(30 * b.um)
    neuron = b.SpatialNeuron(morphology=morpho, model="Im = 0*amp/meter**2 : amp/meter**2")  # noqa: F841
    with pytest.raises(NotImplementedError) as e:
        b.run(1 * b.ms)
    assert "multicompartment" in str(e.value)


def test_a_constant_may_change_its_type_between_runs(brian_ganglion):
    """Brian2 reads the namespace afresh at every run, with the new value's type (Vogels et al. 2011
    starts with `eta = 0` and sets `eta = 1e-2` later)."""
    b = brian_ganglion
    eta = 0
    g = b.NeuronGroup(1, "dw/dt = eta/ms : 1", method="euler")
    b.run(1 * b.ms)
    assert float(g.w[0]) == 0.0
    eta = 1e-2  # noqa: F841 (read by Brian2's namespace at the next run)
    b.run(1 * b.ms)
    assert float(g.w[0]) == pytest.approx(0.1 * 1e-2 * 10, rel=1e-9)


def test_a_refused_run_simulates_nothing(brian_ganglion):
    """The refusal comes before any state is touched: time, state and monitors stay as they were, and the
    message names the refused object."""
    b = brian_ganglion
    g = b.NeuronGroup(2, "dv/dt = (2 - v)/(10*ms) : 1", threshold="v > 1", reset="v = 0", method="exact")
    m = b.SpikeMonitor(g)
    net = b.Network(g, m)
    net.run(5 * b.ms)
    v = np.array(g.v[:])
    spikes = m.num_spikes

    @b.network_operation(dt=1 * b.ms, name="my_operation")
    def poke():
        g.v += 1

    net.add(poke)
    with pytest.raises(NotImplementedError) as e:
        net.run(5 * b.ms)
    assert "my_operation" in str(e.value) and "network_operation" in str(e.value)
    assert float(net.t / b.ms) == pytest.approx(5.0)
    np.testing.assert_array_equal(np.array(g.v[:]), v)
    assert m.num_spikes == spikes


@pytest.mark.parametrize(
    "method, feature",
    [
        ("gsl_rk4", "GSL"),
        ("explicit_updater", "integration method"),
        ("method_options", "method_options"),
    ],
)
def test_integrators_ganglion_lacks_are_refused(brian_ganglion, method, feature):
    b = brian_ganglion
    kwds = {}
    if method == "explicit_updater":
        kwds["method"] = b.ExplicitStateUpdater("x_new = x + dt*f(x, t)")
    elif method == "method_options":
        kwds = {"method": "euler", "method_options": {"anything": 1}}
    else:
        kwds["method"] = method
    g = b.NeuronGroup(1, "dv/dt = -v/(10*ms) : 1", name="integrated", **kwds)  # noqa: F841
    with pytest.raises(NotImplementedError) as e:
        b.run(1 * b.ms)
    assert feature in str(e.value) and "integrated" in str(e.value)


def test_functions_with_implementations_are_refused(brian_ganglion):
    b = brian_ganglion

    @b.implementation("numpy", discard_units=True)
    @b.check_units(x=1, result=1)
    def double(x):
        return 2 * x

    g = b.NeuronGroup(1, "v = double(2) : 1", name="calls_double")  # noqa: F841
    with pytest.raises(NotImplementedError) as e:
        b.run(1 * b.ms)
    assert "double" in str(e.value) and "calls_double" in str(e.value)


def test_synaptic_changes_between_runs_apply(brian_ganglion):
    """Weights and delays set between runs, and a monitor added before the second run, take effect."""
    b = brian_ganglion
    src = b.SpikeGeneratorGroup(1, [0, 0], [1, 11] * b.ms)
    tgt = b.NeuronGroup(1, "v : 1")
    syn = b.Synapses(src, tgt, "w : 1", on_pre="v_post += w")
    syn.connect()
    syn.w = 1
    b.run(10 * b.ms)
    assert float(tgt.v[0]) == 1.0
    syn.w = 5
    syn.delay = 2 * b.ms
    st = b.StateMonitor(tgt, "v", record=0)
    b.run(10 * b.ms)
    assert float(tgt.v[0]) == 6.0
    k = int(np.argmax(np.asarray(st.v[0]) > 1.5))
    assert float(st.t[k] / b.ms) == pytest.approx(13.1)  # spike at 11 ms, 2 ms delay, seen a step later


def test_monitors_accumulate_over_runs(brian_ganglion):
    b = brian_ganglion
    g = b.NeuronGroup(1, "dv/dt = (2 - v)/(10*ms) : 1", threshold="v > 1", reset="v = 0", method="exact")
    s = b.SpikeMonitor(g)
    st = b.StateMonitor(g, "v", record=0)
    r = b.PopulationRateMonitor(g)
    b.run(20 * b.ms)
    first = s.num_spikes
    b.run(20 * b.ms)
    assert len(st.t) == 400 and len(r.t) == 400
    np.testing.assert_allclose(np.diff(np.asarray(st.t)), 1e-4, rtol=1e-9)
    # Period 10 ms * ln 2: spikes at 7, 14 ms in the first run, 21, 28, 35 ms in the second.
    assert first == 2 and s.num_spikes == 5
    assert np.all(np.diff(np.asarray(s.t)) > 0)


def test_store_and_restore_keep_spikes_in_flight(brian_ganglion):
    b = brian_ganglion
    src = b.SpikeGeneratorGroup(1, [0], [0.5] * b.ms)
    tgt = b.NeuronGroup(1, "v : 1")
    syn = b.Synapses(src, tgt, on_pre="v_post += 1", delay=3 * b.ms)
    syn.connect()
    net = b.Network(src, tgt, syn)
    net.run(1 * b.ms)
    net.store("in_flight")
    net.run(5 * b.ms)
    assert float(tgt.v[0]) == 1.0
    net.restore("in_flight")
    assert float(tgt.v[0]) == 0.0
    net.run(5 * b.ms)
    assert float(tgt.v[0]) == 1.0


def test_changing_dt_between_runs(brian_ganglion):
    b = brian_ganglion
    g = b.NeuronGroup(1, "dv/dt = 1/ms : 1", method="euler")
    st = b.StateMonitor(g, "v", record=0)
    b.run(1 * b.ms)
    b.defaultclock.dt = 0.5 * b.ms
    b.run(2 * b.ms)
    assert float(g.v[0]) == pytest.approx(3.0)
    assert float(b.defaultclock.t / b.ms) == pytest.approx(3.0)
    assert len(st.t) == 10 + 4


def test_run_regularly_reads_the_run_namespace(brian_ganglion):
    """run_regularly code is checked with the script's constants, read again at every run."""
    b = brian_ganglion
    step = 2
    g = b.NeuronGroup(3, "x : 1")
    g.run_regularly("x += step", dt=1 * b.ms)
    b.run(3 * b.ms)
    assert list(g.x[:]) == [6, 6, 6]
    step = 10  # noqa: F841 (read by Brian2's namespace at the next run)
    b.run(1 * b.ms)
    assert list(g.x[:]) == [16, 16, 16]


def test_different_seeds_give_different_runs(brian_ganglion):
    """`seed(s)` seeds both Brian2's own draws (a `rand()` initialisation, a random connect) and
    Ganglion's (noise, Poisson spikes): another seed gives another run."""
    b = brian_ganglion

    def once(s):
        b.start_scope()
        b.seed(s)
        g = b.NeuronGroup(20, "dv/dt = -v/(10*ms) + 0.5*xi/sqrt(ms) : 1", threshold="v > 1", reset="v = 0",
                          name="noisy")
        g.v = "rand()"
        v0 = np.array(g.v[:])
        p = b.PoissonGroup(20, 200 * b.Hz, name="poisson")
        syn = b.Synapses(p, g, on_pre="v += 0.1", name="syn")
        syn.connect(p=0.3)
        m = b.SpikeMonitor(g)
        b.run(20 * b.ms)
        return v0, np.array(syn.i[:]), np.array(m.t)

    a, c, d = once(5), once(5), once(6)
    for x, y in zip(a, c):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(a[0], d[0]) and not np.array_equal(a[2], d[2])


def _inactive(b):
    g = b.NeuronGroup(1, "dv/dt = 1/ms : 1", name="switched_off")
    g.active = False
    return g


def _legacy(b):
    b.prefs.legacy.refractory_timing = True
    return b.NeuronGroup(1, "dv/dt = 1/ms : 1", threshold="v > 1", reset="v = 0", refractory=1 * b.ms)


def _named_pathway(b):
    src = b.NeuronGroup(1, "v : 1", threshold="v > 1")
    syn = b.Synapses(src, src, "w : 1", on_pre={"path_a": "w += 1"})
    syn.connect()
    return src, syn


def _synaptic_constant_over_dt(b):
    src = b.NeuronGroup(1, "v : 1", threshold="v > 1")
    syn = b.Synapses(src, src, "s = 5 : 1 (constant over dt)", on_pre="v_post += s")
    syn.connect()
    return src, syn


def _linked_subexpression(b):
    g = b.NeuronGroup(2, "dv/dt = 100*Hz : 1\nI = clip(v, 0, inf) : 1")
    g2 = b.NeuronGroup(2, "I_l : 1 (linked)")
    g2.I_l = b.linked_var(g.I)
    return g, g2


def _linked_write(b):
    g1 = b.NeuronGroup(3, "x : 1")
    g2 = b.NeuronGroup(3, "x_linked : 1 (linked)\ny : 1", threshold="y > 1", reset="y = 0; x_linked += 1")
    g2.x_linked = b.linked_var(g1, "x")
    return g1, g2


@pytest.mark.parametrize(
    "build, feature",
    [
        (_inactive, "active = False"),
        (_legacy, "legacy.refractory_timing"),
        (lambda b: b.NeuronGroup(1, "dv/dt = poisson(2)/ms : 1", method="euler"), "function `poisson`"),
        (_named_pathway, "pathway name `path_a`"),
        (_synaptic_constant_over_dt, "constant over dt"),
        (_linked_subexpression, "referring to a subexpression"),
        (_linked_write, "writing to the linked variable `x_linked`"),
    ],
)
def test_features_that_would_give_wrong_results_are_refused(brian_ganglion, build, feature):
    """Found by running Brian2's own standalone-compatible tests on the device: each of these gave a
    result differing from Brian2's, or a Ganglion error, before it was refused."""
    b = brian_ganglion
    b.prefs._backup()
    try:
        built = build(b)
        net = b.Network(*(built if isinstance(built, tuple) else (built,)))
        with pytest.raises(NotImplementedError) as e:
            net.run(1 * b.ms)
        assert feature in str(e.value)
    finally:
        b.prefs._restore()


def test_a_constant_over_dt_subexpression_of_a_group(brian_ganglion):
    b = brian_ganglion
    g = b.NeuronGroup(2, "dv/dt = c/ms : 1\nc = 1 + i : 1 (constant over dt)", method="euler")
    b.run(1 * b.ms)
    np.testing.assert_allclose(g.v[:], [1.0, 2.0])


def test_a_timed_array_replaced_between_runs(brian_ganglion):
    b = brian_ganglion
    inp = b.TimedArray([1, 2], dt=b.defaultclock.dt)
    group = b.NeuronGroup(1, "v = inp(t) : 1")
    mon = b.StateMonitor(group, "v", record=0)
    b.run(2 * b.defaultclock.dt)
    inp = b.TimedArray([0, 0, 3, 4], dt=b.defaultclock.dt)  # noqa: F841 (read at the next run)
    b.run(2 * b.defaultclock.dt)
    np.testing.assert_array_equal(mon.v[0], [1, 2, 3, 4])


def test_record_single_timestep_and_monitors_recording_nothing(brian_ganglion):
    b = brian_ganglion
    g = b.NeuronGroup(2, "dv/dt = -v/(5*ms) : 1\nf = clip(v, 0.1, 0.9) : 1")
    g.v = 1
    mon = b.StateMonitor(g, ["v", "f"], record=True)
    nothing = b.StateMonitor(g, "v", record=False)
    with pytest.raises(TypeError):
        mon.record_single_timestep()
    b.run(0.5 * b.ms)
    mon.record_single_timestep()
    assert len(mon.t) == 6 and float(mon.t[-1] / b.ms) == pytest.approx(0.5)
    np.testing.assert_array_equal(mon.v[:, -1], g.v[:])
    np.testing.assert_array_equal(mon.f[:, -1], np.clip(g.v[:], 0.1, 0.9))
    assert len(nothing.t) == 5 and nothing.v.shape == (0, 5)

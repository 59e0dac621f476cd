"""Delivery semantics of on_pre with delays. dt = 0.1 ms, numpy target, 10 ms (100 steps).

Source: SpikeGeneratorGroup(3, indices=[0, 1, 2, 0], times=[1.0, 2.05, 3.3, 7.0] ms).
Target: NeuronGroup(4, 'v : 1') (no dynamics, no threshold), v = 0.
Synapses(source, target, 'w : 1', on_pre='v_post += w'), connect(i=[0, 0, 1, 2], j=[0, 1, 2, 3]),
w = [1, 2, 3, 4].
StateMonitor(target, 'v', record=True, when='end'): one sample per step, t = step * dt.

Variants:
  heterogeneous  S.delay = [0, 0.25, 1.5, 0.33] ms (per synapse)
  homogeneous    Synapses(..., delay=2*ms) (one scalar delay for the pathway)
  rounding       one generator neuron spiking at 1 ms, 9 synapses onto 9 targets (w = 1 each) with
                 delays [0.04, 0.05, 0.06, 0.14, 0.15, 0.16, 0.25, 0.35, 0.45] ms: shows how a delay
                 becomes a whole number of steps
  collision      generator neurons 0 and 1 both spiking at 1 ms, both onto target 0 (w = 1, 2; no
                 delay), plus neuron 0 onto target 1 twice (two synapses i=0, j=1, w = 10, 20): shows
                 that several synapses hitting one target in one step all add up

Stored per variant: the generator's spike steps as Brian2 places them (SpikeMonitor), the delays (ms, as
set) and the delay in steps as Brian2's spike queue computes it, the monitor's steps, v traces
(one list per target, one value per step), and first_change_step: for each target the first step whose
recorded v differs from 0 (null if never).

Brian2's rules, which these numbers pin down:
  * SpikeGeneratorGroup spike step = int((t + 1e-3*dt) / dt) (floor after a shift of dt/1000), so
    2.05 ms -> step 20 (2.0 ms), 3.3 ms -> step 33.
  * delay in steps = int(delay / dt + 0.5) (round half up, computed in float64: 0.25 ms / 0.1 ms = 2.5
    -> 3 steps, but 0.15 ms / 0.1 ms = 1.4999999999999998 -> 1 step, 0.05 ms -> 0.5 -> 1 step).
  * a spike emitted at step n (thresholds slot) with delay d steps is delivered in the synapses slot
    of step n + d, so with delay 0 the target changes in the same step (seen by a when='end' monitor
    at step n)."""
from brian2 import *
from common import save, steps

prefs.codegen.target = 'numpy'
DT = 0.1*ms


def run_variant(indices, times_ms, n_src, i, j, w, delays_ms=None, scalar_delay_ms=None, n_tgt=None):
    start_scope()
    defaultclock.dt = DT
    n_tgt = n_tgt if n_tgt is not None else max(j) + 1
    G = SpikeGeneratorGroup(n_src, indices, np.array(times_ms) * ms)
    T = NeuronGroup(n_tgt, 'v : 1')
    if scalar_delay_ms is not None:
        S = Synapses(G, T, 'w : 1', on_pre='v_post += w', delay=scalar_delay_ms * ms)
    else:
        S = Synapses(G, T, 'w : 1', on_pre='v_post += w')
    S.connect(i=i, j=j)
    S.w = w
    if delays_ms is not None:
        S.delay = np.array(delays_ms) * ms
    sm = SpikeMonitor(G)
    M = StateMonitor(T, 'v', record=True, when='end')
    run(10*ms)
    dt = float(DT)
    # delays as stored by Brian2 (seconds) and in steps as the C++/Cython spike queue rounds them
    delay_s = np.atleast_1d(np.asarray(S.delay[:], dtype=float))
    delay_steps = [int(x / dt + 0.5) for x in delay_s]
    v = np.asarray(M.v[:], dtype=float)
    first = []
    for k in range(n_tgt):
        nz = np.nonzero(v[k] != 0)[0]
        first.append(int(nz[0]) if len(nz) else None)
    return dict(gen_indices=[int(x) for x in indices], gen_times_ms=[float(x) for x in times_ms],
                gen_spike_i=[int(x) for x in sm.i[:]], gen_spike_step=steps(sm.t[:], DT),
                syn_i=[int(x) for x in S.i[:]], syn_j=[int(x) for x in S.j[:]],
                w=[float(x) for x in S.w[:]],
                delays_ms_set=(list(map(float, delays_ms)) if delays_ms is not None
                               else [float(scalar_delay_ms)] if scalar_delay_ms is not None
                               else 'not set (default 0)'),
                delay_s_stored=[float(x) for x in delay_s], delay_steps=delay_steps,
                monitor_step=steps(M.t[:], DT), v=[[float(x) for x in row] for row in v],
                first_change_step=first)


variants = {}
variants['heterogeneous'] = run_variant([0, 1, 2, 0], [1.0, 2.05, 3.3, 7.0], 3,
                                        [0, 0, 1, 2], [0, 1, 2, 3], [1, 2, 3, 4],
                                        delays_ms=[0, 0.25, 1.5, 0.33])
variants['homogeneous'] = run_variant([0, 1, 2, 0], [1.0, 2.05, 3.3, 7.0], 3,
                                      [0, 0, 1, 2], [0, 1, 2, 3], [1, 2, 3, 4], scalar_delay_ms=2.0)
rd = [0.04, 0.05, 0.06, 0.14, 0.15, 0.16, 0.25, 0.35, 0.45]
variants['rounding'] = run_variant([0], [1.0], 1, [0] * len(rd), list(range(len(rd))), [1] * len(rd),
                                   delays_ms=rd)
variants['collision'] = run_variant([0, 1], [1.0, 1.0], 2, [0, 1, 0, 0], [0, 0, 1, 1], [1, 2, 10, 20])
for k, v in variants.items():
    print(k, 'gen steps', v['gen_spike_step'], 'delay steps', v['delay_steps'],
          'first change', v['first_change_step'], 'final v', [r[-1] for r in v['v']])
save('delays.json', dict(dt_ms=0.1, duration_ms=10.0, n_steps=100, monitor_when='end',
                         variants=variants, notes=__doc__),
     'Synaptic delivery with per-synapse and scalar delays, delay rounding, same-step collisions: '
     'v traces of the targets every step')

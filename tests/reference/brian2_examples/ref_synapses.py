"""Brian2 example synapses/synapses.py, plotting removed: G1 (10 neurons, v = 1.2, each fires at t = 0) ->
G2 through `connect('i == j', p=0.75)`, delays '1*ms + i*ms + 0.25*ms * randn()', event-driven w = 1 decaying
with 50 ms; StateMonitor of G2's v (record=True), 20 ms. Stochastic: statistics over 20 seeds (mean, SD with
ddof=1):
  n_synapses            number of synapses made
  delay_resid_mean_ms   mean over synapses of delay - (1 + i) ms, in ms
  delay_resid_sd_ms     their SD (ddof=0), in ms
  v_sum_last            sum over G2 of v at the last recorded step (19.9 ms)
  changed               number of G2 neurons whose v left 0
The rule that links each trace to its synapse (recorded v at step k >= s + 1 is w * exp(-dt/10ms)**(k-s-1),
with s = round(delay/dt) and w = exp(-s*dt/50ms)) is checked on every seed: `rule_max_error` is the largest
deviation from it."""
import builtins
import time
from brian2 import *
from common import save, tolerance
prefs.codegen.target = 'numpy'


def simulate(s):
    start_scope()
    seed(s)
    G1 = NeuronGroup(10, 'dv/dt = -v / (10*ms) : 1',
                     threshold='v > 1', reset='v=0.', method='exact')
    G1.v = 1.2
    G2 = NeuronGroup(10, 'dv/dt = -v / (10*ms) : 1',
                     threshold='v > 1', reset='v=0', method='exact')
    syn = Synapses(G1, G2, 'dw/dt = -w / (50*ms): 1 (event-driven)', on_pre='v += w')
    syn.connect('i == j', p=0.75)
    syn.delay = '1*ms + i*ms + 0.25*ms * randn()'
    syn.w = 1
    mon = StateMonitor(G2, 'v', record=True)
    run(20*ms)
    i, j, d = syn.i[:], syn.j[:], syn.delay_[:]
    v = np.asarray(mon.v)
    dt = float(defaultclock.dt)
    err = 0.0
    for a, b, dd in zip(i, j, d):
        st = int(round(dd / dt))
        w = np.exp(-st * dt / 0.05)
        k = np.arange(v.shape[1])
        want = np.where(k >= st + 1, w * np.exp(-dt / 0.01) ** (k - st - 1.0), 0.0)
        err = builtins.max(err, float(np.max(np.abs(v[b] - want))))
    resid = (d - (1e-3 + i * 1e-3)) * 1e3
    return dict(n_synapses=float(len(syn)), delay_resid_mean_ms=float(resid.mean()),
                delay_resid_sd_ms=float(resid.std()), v_sum_last=float(v[:, -1].sum()),
                changed=float((np.abs(v).max(axis=1) > 0).sum())), err


start = time.time()
seeds = list(range(1, 21))
out = [simulate(s) for s in seeds]
runs = [r for r, _ in out]
wall = (time.time() - start) / len(seeds)
save('synapses.json', dict(seeds=seeds, stats={k: tolerance([r[k] for r in runs]) for k in runs[0]},
     rule_max_error=builtins.max(e for _, e in out), wall_s_per_seed=wall),
     'synapses: statistics over 20 Brian2 seeds (mean, sd with ddof=1, n, lo..hi = mean ± 4 sd for one run); '
     'rule_max_error: largest deviation of a recorded v from the rule of its synapse (see the script)')

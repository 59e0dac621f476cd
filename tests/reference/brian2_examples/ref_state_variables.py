"""Brian2 example synapses/state_variables.py, the display left out (the script never calls run()): G.v set by
the string '(sin(2*pi*i/N) - 70 + 0.25*randn()) * mV', S connected all-to-all (100 x 100), and
S.w['i > j'] = 'exp(-(i - j)**2/space_constant) * mV'. What it builds is compared:
  n_synapses, order    the number of synapses and whether they are in Brian2's order (i major, then j)
  w_by_distance        w (volt) of a synapse with i - j = d, for d = 1..99 (every synapse with i <= j has 0)
  w_exact              every synapse's w matches w_by_distance[i - j] (or 0) bit for bit
  stats                over 20 seeds: the mean and SD (ddof=0) over the 100 neurons of the jitter
                       r = v/mV - (sin(2*pi*i/N) - 70), which should be 0.25*randn()"""
import builtins as py
import time
from brian2 import *
from common import save, tolerance
prefs.codegen.target = 'numpy'


def build(s):
    start_scope()
    seed(s)
    G = NeuronGroup(100, 'v:volt', threshold='v>-50*mV')
    G.v = '(sin(2*pi*i/N) - 70 + 0.25*randn()) * mV'
    S = Synapses(G, G, 'w : volt', on_pre='v += w')
    S.connect()
    space_constant = 200.0
    S.w['i > j'] = 'exp(-(i - j)**2/space_constant) * mV'
    return G, S


start = time.time()
seeds = list(range(1, 21))
runs = []
for s in seeds:
    G, S = build(s)
    k = np.arange(100)
    r = G.v_[:] / 1e-3 - (np.sin(2 * np.pi * k / 100) - 70)
    runs.append(dict(jitter_mean=float(r.mean()), jitter_sd=float(r.std())))
wall = (time.time() - start) / len(seeds)
i, j, w = S.i[:], S.j[:], S.w_[:]
order = py.bool(np.all(i == np.repeat(np.arange(100), 100)) and np.all(j == np.tile(np.arange(100), 100)))
by_d = [float(w[(i - j) == d][0]) for d in range(1, 100)]
w_exact = py.bool(py.all(w[n] == (by_d[i[n] - j[n] - 1] if i[n] > j[n] else 0.0) for n in range(len(w))))
save('state_variables.json', dict(n_synapses=int(len(S)), order=order, w_by_distance=by_d, w_exact=w_exact,
     seeds=seeds, stats={k: tolerance([r[k] for r in runs]) for k in runs[0]}, wall_s_per_seed=wall),
     'state_variables: what the script builds: synapse count and order, w (volt) by distance i - j, and '
     'statistics over 20 Brian2 seeds of the random jitter of v (mV)')

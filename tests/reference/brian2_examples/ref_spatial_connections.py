"""Brian2 example synapses/spatial_connections.py, the figure left out (the script never calls run()): 400
neurons on a 20 x 20 grid, S_deterministic (distance < 120 um) and S_stochastic (i != j, p = 1.5*Gaussian of
the distance, 60 um). What it builds is compared:
  x, y                         the positions (metre), exactly
  deterministic                n_synapses, and per source neuron the number of targets and the sum of their
                               indices (Brian2's synapses are ordered by i, then j; `targets_of_0` in full)
  stats (S_stochastic)         over 20 seeds: n_synapses, in-degree SD (ddof=0, over the 400 neurons), mean
                               distance (um) of a synapse's two neurons"""
import time
from brian2 import *
from common import save, tolerance
prefs.codegen.target = 'numpy'


def build(s):
    start_scope()
    seed(s)
    rows, cols = 20, 20
    G = NeuronGroup(rows * cols, '''x : meter
                                    y : meter''')
    grid_dist = 25*umeter
    G.x = '(i // rows) * grid_dist - rows/2.0 * grid_dist'
    G.y = '(i % rows) * grid_dist - cols/2.0 * grid_dist'
    distance = 120*umeter
    S_deterministic = Synapses(G, G)
    S_deterministic.connect('sqrt((x_pre - x_post)**2 + (y_pre - y_post)**2) < distance')
    S_stochastic = Synapses(G, G)
    S_stochastic.connect('i != j',
                         p='1.5 * exp(-((x_pre-x_post)**2 + (y_pre-y_post)**2)/(2*(60*umeter)**2))')
    return G, S_deterministic, S_stochastic


start = time.time()
seeds = list(range(1, 21))
runs = []
for s in seeds:
    G, Sd, Ss = build(s)
    x, y = G.x_[:], G.y_[:]
    i, j = Ss.i[:], Ss.j[:]
    dist = np.sqrt((x[i] - x[j]) ** 2 + (y[i] - y[j]) ** 2) * 1e6
    runs.append(dict(n_synapses=float(len(Ss)), indeg_sd=float(np.bincount(j, minlength=400).std()),
                     mean_dist_um=float(dist.mean())))
wall = (time.time() - start) / len(seeds)
i, j = Sd.i[:], Sd.j[:]
ordered = bool(np.all(np.diff(i * 400 + j) > 0))
save('spatial_connections.json', dict(x=[float(v) for v in x], y=[float(v) for v in y],
     deterministic=dict(n_synapses=int(len(Sd)), ordered=ordered,
                        out_degree=[int(c) for c in np.bincount(i, minlength=400)],
                        target_sums=[int(c) for c in np.bincount(i, weights=j, minlength=400)],
                        targets_of_0=[int(v) for v in j[i == 0]]),
     seeds=seeds, stats={k: tolerance([r[k] for r in runs]) for k in runs[0]}, wall_s_per_seed=wall),
     'spatial_connections: positions, the deterministic synapses (per source: count and sum of targets), '
     'statistics over 20 Brian2 seeds of the random synapses')

"""Brian2 example synapses/efficient_gaussian_connectivity.py without the timing loop and the plot: its three
functions naive, limited and divided, each building G (N neurons) and S with its connect() calls, for one size,
N = 2000 (the model file builds the three side by side on one group). Stochastic: statistics over 20 seeds,
per method (naive., limited., divided.):
  n_synapses     the number of synapses
  offset_sd      SD (ddof=0) of j - i over the synapses
  self           synapses with i == j (p = 1 there)
  left_tail      synapses with j - i <= -10 (only naive and divided reach them)
  right_tail     synapses with j - i >= 9 (range(i-w, i+w) stops at i+8: only naive and divided)
`build_s` holds the time each function took in Brian2 (numpy target), per seed."""
import time
from brian2 import *
from common import save, tolerance
prefs.codegen.target = 'numpy'

N = 2000


def naive(N):
    G = NeuronGroup(N, 'v:1', threshold='v>1', name='G')
    S = Synapses(G, G, on_pre='v += 1', name='S')
    S.connect(p='exp(-0.1*(i-j)**2)')
    return S


def limited(N, q=0.001):
    G = NeuronGroup(N, 'v:1', threshold='v>1', name='G')
    S = Synapses(G, G, on_pre='v += 1', name='S')
    w = int(ceil(sqrt(log(q)/-0.1)))
    S.connect(j='k for k in range(i-w, i+w) if rand()<exp(-0.1*(i-j)**2)', skip_if_invalid=True)
    return S


def divided(N, q=0.001):
    G = NeuronGroup(N, 'v:1', threshold='v>1', name='G')
    S = Synapses(G, G, on_pre='v += 1', name='S')
    w = int(ceil(sqrt(log(q)/-0.1)))
    S.connect(j='k for k in range(i-w, i+w) if rand()<exp(-0.1*(i-j)**2)', skip_if_invalid=True)
    pmax = exp(-0.1*w**2)
    S.connect(j='k for k in sample(0, i-w, p=pmax) if rand()<exp(-0.1*(i-j)**2)/pmax', skip_if_invalid=True)
    S.connect(j='k for k in sample(i+w, N_post, p=pmax) if rand()<exp(-0.1*(i-j)**2)/pmax', skip_if_invalid=True)
    return S


def stats(S):
    d = S.j[:].astype(int) - S.i[:].astype(int)
    return dict(n_synapses=float(len(d)), offset_sd=float(d.std()), self=float((d == 0).sum()),
                left_tail=float((d <= -10).sum()), right_tail=float((d >= 9).sum()))


seeds = list(range(1, 21))
runs, times = [], []
for s in seeds:
    row, tm = {}, {}
    for f in (naive, limited, divided):
        start_scope()
        seed(s)
        t0 = time.time()
        S = f(N)
        tm[f.__name__] = time.time() - t0
        row.update({f'{f.__name__}.{k}': v for k, v in stats(S).items()})
    runs.append(row)
    times.append(tm)
    print(s, tm, flush=True)
save('efficient_gaussian_connectivity.json', dict(N=N, seeds=seeds,
     stats={k: tolerance([r[k] for r in runs]) for k in runs[0]}, build_s=times),
     'efficient_gaussian_connectivity: statistics over 20 Brian2 seeds of the synapses made by naive, limited '
     'and divided for N = 2000 (mean, sd with ddof=1, n, lo..hi = mean ± 4 sd for one run)')

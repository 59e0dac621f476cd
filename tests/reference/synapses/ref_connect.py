"""Connectivity of Synapses.connect. numpy target (connection generation runs at the connect() call).

Stochastic cases, P = NeuronGroup(1000, 'v : 1'), one Synapses(P, P) per case, brian2.seed(s) before
each network is built (seeds 1..50); per seed the number of synapses, the number of self-connections
(i == j), and the in-degree / out-degree mean and SD (ddof=0) over all 1000 neurons; summary
mean/std(ddof=1)/min/max over seeds, plus the expected mean and binomial SD:
  cond_p      connect(condition='i != j', p=0.1): Binomial(1000*999, 0.1): 99900 +- 299.85
  p_only      connect(p=0.05):                    Binomial(1000*1000, 0.05): 50000 +- 217.94
              (self-connections allowed: about 50 of them)
Deterministic case, Q = NeuronGroup(20, 'v : 1'), Synapses(Q, Q):
  generator   connect(j='k for k in range(i-3, i+4) if i != k', skip_if_invalid=True): every (i, j) pair
              stored, in Brian2's order (sorted by i, then j).
Note: 50 seeds because 10 are too few for the spread: seeds 1..10 happen to give SDs of 426 and 337
(binomial: 300 and 218); over 200 seeds Brian2 gives 305 and 237, consistent with the binomial."""
import builtins

from brian2 import *
from common import save, summary

prefs.codegen.target = 'numpy'
SEEDS = list(range(1, 51))
BrianLogger.suppress_name('unused_brian_object')


def stoch(s, kind):
    start_scope()
    seed(s)
    P = NeuronGroup(1000, 'v : 1')
    S = Synapses(P, P)
    if kind == 'cond_p':
        S.connect(condition='i != j', p=0.1)
    else:
        S.connect(p=0.05)
    i, j = np.asarray(S.i[:]), np.asarray(S.j[:])
    indeg = np.bincount(j, minlength=1000)
    outdeg = np.bincount(i, minlength=1000)
    return dict(seed=s, n_synapses=int(len(i)), n_self=int((i == j).sum()),
                in_degree_mean=float(indeg.mean()), in_degree_std=float(indeg.std()),
                out_degree_mean=float(outdeg.mean()), out_degree_std=float(outdeg.std()))


def main():
    out = {}
    for kind, n_pairs, p, expr in (('cond_p', 1000 * 999, 0.1, "connect(condition='i != j', p=0.1)"),
                                   ('p_only', 1000 * 1000, 0.05, 'connect(p=0.05)')):
        rows = [stoch(s, kind) for s in SEEDS]
        out[kind] = dict(N=1000, connect=expr, expected_mean=n_pairs * p,
                         expected_sd=float(np.sqrt(n_pairs * p * (1 - p))), rows=rows,
                         summary={k: summary([r[k] for r in rows]) for k in rows[0] if k != 'seed'})
        print(kind, out[kind]['summary']['n_synapses'])
    start_scope()
    Q = NeuronGroup(20, 'v : 1')
    S = Synapses(Q, Q)
    S.connect(j='k for k in range(i-3, i+4) if i != k', skip_if_invalid=True)
    i, j = [int(x) for x in S.i[:]], [int(x) for x in S.j[:]]
    expected = sorted((a, b) for a in range(20) for b in range(a - 3, a + 4) if b != a and 0 <= b < 20)
    out['generator'] = dict(N=20, connect="connect(j='k for k in range(i-3, i+4) if i != k', "
                                          "skip_if_invalid=True)",
                            n_synapses=len(i), i=i, j=j,
                            equals_sorted_python_enumeration=builtins.bool(list(zip(i, j)) == expected))
    print('generator', len(i), out['generator']['equals_sorted_python_enumeration'])
    save('connect.json', dict(seeds=SEEDS, cases=out, notes=__doc__),
         'Synapses.connect: synapse counts for condition+p and p-only over 50 seeds; exact pairs of a '
         'generator expression with skip_if_invalid')


main()

"""Brian2 example synapses/gapjunctions.py, plotting removed: 10 IF neurons (exact), all-to-all gap junctions
through the summed variable Igap, 500 ms. Deterministic: v of neurons 0 and 5 (the StateMonitor of the
script) every 10th step, the steps where each trace drops (a reset: the spike was one step earlier), and the
final v of all neurons."""
import time
from brian2 import *
from common import save
prefs.codegen.target = 'numpy'

start = time.time()
n = 10
v0 = 1.05
tau = 10*ms

eqs = '''
dv/dt = (v0 - v + Igap) / tau : 1
Igap : 1 # gap junction current
'''

neurons = NeuronGroup(n, eqs, threshold='v > 1', reset='v = 0',
                      method='exact')
neurons.v = 'i * 1.0 / (n-1)'
trace = StateMonitor(neurons, 'v', record=[0, 5])

S = Synapses(neurons, neurons, '''
             w : 1 # gap junction conductance
             Igap_post = w * (v_pre - v_post) : 1 (summed)
             ''')
S.connect()
S.w = .02

run(500*ms)
wall = time.time() - start

v = np.asarray(trace.v)
drops = {str(k): [int(s) for s in np.nonzero(np.diff(v[r]) < -0.5)[0] + 1] for r, k in enumerate([0, 5])}
save('gapjunctions.json', dict(dt=float(defaultclock.dt), n_samples=int(v.shape[1]), trace_every=10,
     v0=[float(x) for x in v[0][::10]], v5=[float(x) for x in v[1][::10]], drops=drops,
     v_final=[float(x) for x in neurons.v[:]], n_synapses=int(len(S)), wall_s=wall),
     'gapjunctions: v of neurons 0 and 5 every 10th step (the script\'s StateMonitor, record=[0, 5]), the '
     'samples where each trace drops by more than 0.5 (the step after a spike), final v of all neurons')

"""Brian2 example standalone/cuba_openmp.py, plotting removed: CUBA (4000 LIF neurons, Ce from i < 3200 and
Ci from i >= 3200 at p = 0.02) with ge and gi `(unless refractory)` as well as v, 1 s. The script runs on the
cpp_standalone device with 4 OpenMP threads; this reference uses the numpy target (the conventions of this
folder; the device does not change the model). Stochastic: statistics over 20 seeds (mean, SD with ddof=1),
as tests/reference/synapses/cuba_stats.py defines them for CUBA:
  rate_hz             all spikes / 4000 / 1 s
  cv                  mean over neurons with >= 3 spikes of SD(ISI)/mean(ISI) (SD ddof=0)
  n_cv_neurons        how many neurons had >= 3 spikes
  spikes_first_100ms  spikes with t < 100 ms
  Ce, Ci              synapse counts"""
import time
from brian2 import *
from common import save, tolerance, isi_cv
prefs.codegen.target = 'numpy'


def simulate(s):
    start_scope()
    seed(s)
    taum = 20*ms
    taue = 5*ms
    taui = 10*ms
    Vt = -50*mV
    Vr = -60*mV
    El = -49*mV
    eqs = '''
    dv/dt  = (ge+gi-(v-El))/taum : volt (unless refractory)
    dge/dt = -ge/taue : volt (unless refractory)
    dgi/dt = -gi/taui : volt (unless refractory)
    '''
    P = NeuronGroup(4000, eqs, threshold='v>Vt', reset='v = Vr', refractory=5*ms,
                    method='exact')
    P.v = 'Vr + rand() * (Vt - Vr)'
    P.ge = 0*mV
    P.gi = 0*mV
    we = (60*0.27/10)*mV # excitatory synaptic weight (voltage)
    wi = (-20*4.5/10)*mV # inhibitory synaptic weight
    Ce = Synapses(P, P, on_pre='ge += we')
    Ci = Synapses(P, P, on_pre='gi += wi')
    Ce.connect('i<3200', p=0.02)
    Ci.connect('i>=3200', p=0.02)
    s_mon = SpikeMonitor(P)
    run(1 * second)
    i, t = np.asarray(s_mon.i[:]), np.asarray(s_mon.t_[:])
    counts = np.bincount(i, minlength=4000)
    return dict(rate_hz=len(i) / 4000 / 1.0, cv=isi_cv(i, t, 4000), n_cv_neurons=float((counts >= 3).sum()),
                spikes_first_100ms=float((t < 0.1 - 1e-9).sum()), Ce=float(len(Ce)), Ci=float(len(Ci)))


start = time.time()
seeds = list(range(1, 21))
runs = []
for s in seeds:
    runs.append(simulate(s))
    print(s, runs[-1], flush=True)
wall = (time.time() - start) / len(seeds)
save('cuba_openmp.json', dict(seeds=seeds, stats={k: tolerance([r[k] for r in runs]) for k in runs[0]},
     wall_s_per_seed=wall),
     'cuba_openmp: statistics over 20 Brian2 seeds (numpy target; mean, sd with ddof=1, n, lo..hi = mean ± 4 sd '
     'for one run)')

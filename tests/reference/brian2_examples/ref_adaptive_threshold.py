"""Brian2 example adaptive_threshold.py, plotting removed: one IF neuron with an adaptive threshold vt (+3 mV
per spike, relaxing to 10 mV), driven by a 500 Hz PoissonGroup through Synapses (on_pre 'v += 3*mV'), 2 s.
Stochastic: statistics over 20 seeds (mean, SD with ddof=1):
  n_spikes          spikes of the neuron (M_crossings)
  v_cross_mean      mean of v at the threshold crossings (mV; the SpikeMonitor's variable v)
  v_cross_sd        their SD (ddof=0, mV)
  vt_mean           mean of the recorded vt (Mvt, every step, mV)
  v_mean            mean of the recorded v (Mv, every step, mV)"""
import time
from brian2 import *
from common import save, tolerance
prefs.codegen.target = 'numpy'


def simulate(s):
    start_scope()
    seed(s)
    eqs = '''
    dv/dt = -v/(10*ms) : volt
    dvt/dt = (10*mV-vt)/(15*ms) : volt
    '''
    reset = '''
    v = 0*mV
    vt += 3*mV
    '''
    IF = NeuronGroup(1, model=eqs, reset=reset, threshold='v>vt',
                     method='exact')
    IF.vt = 10*mV
    PG = PoissonGroup(1, 500 * Hz)
    C = Synapses(PG, IF, on_pre='v += 3*mV')
    C.connect()
    Mv = StateMonitor(IF, 'v', record=True)
    Mvt = StateMonitor(IF, 'vt', record=True)
    M_crossings = SpikeMonitor(IF, variables='v')
    run(2*second)
    vc = M_crossings.v_[:] / 1e-3
    return dict(n_spikes=float(M_crossings.num_spikes), v_cross_mean=float(vc.mean()), v_cross_sd=float(vc.std()),
                vt_mean=float(Mvt.vt_[0].mean() / 1e-3), v_mean=float(Mv.v_[0].mean() / 1e-3))


start = time.time()
seeds = list(range(1, 21))
runs = [simulate(s) for s in seeds]
wall = (time.time() - start) / len(seeds)
save('adaptive_threshold.json', dict(seeds=seeds, stats={k: tolerance([r[k] for r in runs]) for k in runs[0]},
     wall_s_per_seed=wall),
     'adaptive_threshold: statistics over 20 Brian2 seeds (mean, sd with ddof=1, n, lo..hi = mean ± 4 sd for '
     'one run)')

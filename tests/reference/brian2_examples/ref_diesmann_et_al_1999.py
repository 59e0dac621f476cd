"""Brian2 example frompapers/Diesmann_et_al_1999.py, plotting removed: a synfire chain of 10 groups of 100
noisy IF neurons (euler), started by 85 input spikes around 50 ms, 100 ms. The input times (drawn with numpy
by the script) are drawn once, with numpy seed 1, and written to examples/brian2/
diesmann_et_al_1999_input_times.npy (seconds), which the model file reads; every seed here uses them.
Stochastic: statistics over 20 seeds (mean, SD with ddof=1):
  volley_count.g      spikes of group g (neurons 100g .. 100g+99) in [50 ms, 60 ms): the volley
  volley_mean_ms.g    their mean time (ms)
  volley_sd_ms.g      their SD (ddof=0, ms): the volley's spread
  background          spikes of all neurons before 50 ms
  early               spikes of all neurons before 10 ms (the start from uniform V)
  synapses            S's synapse count (deterministic: 90000)
  input_spikes        Minput's spike count (85)"""
import os
import time
from brian2 import *
from common import save, tolerance
prefs.codegen.target = 'numpy'

times_file = os.path.join(os.path.dirname(os.path.abspath(__file__)), '../../../examples/brian2/'
                          'diesmann_et_al_1999_input_times.npy')
np.random.seed(1)
drawn = np.asarray(np.random.randn(85)*1*ms + 50*ms)
np.save(times_file, drawn)
input_times = np.load(times_file)


def simulate(s):
    start_scope()
    seed(s)
    duration = 100*ms
    Vr = -70*mV
    Vt = -55*mV
    taum = 10*ms
    taupsp = 0.325*ms
    weight = 4.86*mV
    eqs = Equations('''
    dV/dt = (-(V-Vr)+x)*(1./taum) : volt
    dx/dt = (-x+y)*(1./taupsp) : volt
    dy/dt = -y*(1./taupsp)+25.27*mV/ms+
            (39.24*mV/ms**0.5)*xi : volt
    ''')
    n_groups = 10
    group_size = 100
    P = NeuronGroup(N=n_groups*group_size, model=eqs,
                    threshold='V>Vt', reset='V=Vr', refractory=1*ms,
                    method='euler')
    Pinput = SpikeGeneratorGroup(85, np.arange(85), input_times*second)
    S = Synapses(P, P, on_pre='y+=weight')
    S.connect(j='k for k in range((int(i/group_size)+1)*group_size, (int(i/group_size)+2)*group_size) '
                'if i<N_pre-group_size')
    Sinput = Synapses(Pinput, P[:group_size], on_pre='y+=weight')
    Sinput.connect()
    Mgp = SpikeMonitor(P)
    Minput = SpikeMonitor(Pinput)
    P.V = 'Vr + rand() * (Vt - Vr)'
    run(duration)
    i, t = Mgp.i[:], Mgp.t_[:] * 1e3
    out = {}
    for g in range(n_groups):
        m = (i // 100 == g) & (t >= 50) & (t < 60)
        out[f'volley_count.{g}'] = float(m.sum())
        out[f'volley_mean_ms.{g}'] = float(t[m].mean()) if m.any() else 0.0
        out[f'volley_sd_ms.{g}'] = float(t[m].std()) if m.any() else 0.0
    out['background'] = float((t < 50).sum())
    out['early'] = float((t < 10).sum())
    out['synapses'] = float(len(S))
    out['input_spikes'] = float(Minput.num_spikes)
    return out


start = time.time()
seeds = list(range(1, 21))
runs = [simulate(s) for s in seeds]
wall = (time.time() - start) / len(seeds)
save('diesmann_et_al_1999.json', dict(seeds=seeds, stats={k: tolerance([r[k] for r in runs]) for k in runs[0]},
     wall_s_per_seed=wall),
     'Diesmann_et_al_1999: statistics over 20 Brian2 seeds (mean, sd with ddof=1, n, lo..hi = mean ± 4 sd for '
     'one run) of the volley of each group, the background and early spikes')

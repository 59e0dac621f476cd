"""Brian2 example non_reliability.py, plotting removed: 25 IF neurons with the same constant input and
independent noise (euler), 500 ms. Stochastic: statistics over 20 seeds, each with mean and SD (ddof=1):
  mean_isi        mean of all interspike intervals (pooled over neurons), s
  cv              mean over neurons with >= 3 spikes of SD(ISI)/mean(ISI) (SD with ddof=0)
  first_spike_sd  SD (ddof=0) over neurons of the time of their first spike, s
  coincidence     mean over spikes at t >= 100 ms of the fraction of the other neurons that have a spike
                  within ±1 ms (any time): high when the spike times are reliable across neurons (trials)"""
from brian2 import *
from common import save, tolerance, mean_isi, isi_cv, coincidence
prefs.codegen.target = 'numpy'


def simulate(s):
    start_scope()
    seed(s)
    N = 25
    tau = 20*ms
    sigma = .015
    eqs_neurons = '''
    dx/dt = (1.1 - x) / tau + sigma * (2 / tau)**.5 * xi : 1 (unless refractory)
    '''
    neurons = NeuronGroup(N, model=eqs_neurons, threshold='x > 1', reset='x = 0',
                          refractory=5*ms, method='euler')
    spikes = SpikeMonitor(neurons)
    run(500*ms)
    i, t = spikes.i[:], spikes.t_[:]
    first = [t[i == k].min() for k in range(N) if (i == k).any()]
    return dict(mean_isi=mean_isi(i, t, N), cv=isi_cv(i, t, N), first_spike_sd=float(np.std(first)),
                coincidence=coincidence(i, t, N, 1e-3, t0=0.1))


runs = [simulate(s) for s in range(1, 21)]
save('non_reliability.json', dict(seeds=list(range(1, 21)),
     stats={k: tolerance([r[k] for r in runs]) for k in runs[0]}),
     'non_reliability: statistics over 20 Brian2 seeds (mean, sd with ddof=1, n, lo..hi = mean ± 4 sd for one run)')

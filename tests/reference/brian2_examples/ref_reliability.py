"""Brian2 example reliability.py, plotting removed: 25 noisy IF neurons that share the fluctuating input x of
a one-neuron Ornstein-Uhlenbeck process (a linked variable), x(0) = rand(), 500 ms. Stochastic: statistics
over 20 seeds (the shared input differs from seed to seed too), with mean and SD; the same
statistics as ref_non_reliability.py (mean_isi, cv, first_spike_sd, coincidence)."""
from brian2 import *
from common import save, tolerance, mean_isi, isi_cv, coincidence
prefs.codegen.target = 'numpy'


def simulate(s):
    start_scope()
    seed(s)
    N = 25
    tau_input = 5*ms
    neuron_input = NeuronGroup(1, 'dx/dt = -x / tau_input + (2 /tau_input)**.5 * xi : 1')
    tau = 10*ms
    sigma = .015
    eqs_neurons = '''
    dx/dt = (0.9 + .5 * I - x) / tau + sigma * (2 / tau)**.5 * xi : 1
    I : 1 (linked)
    '''
    neurons = NeuronGroup(N, model=eqs_neurons, threshold='x > 1',
                          reset='x = 0', refractory=5*ms, method='euler')
    neurons.x = 'rand()'
    neurons.I = linked_var(neuron_input, 'x')  # input.x is continuously fed into neurons.I
    spikes = SpikeMonitor(neurons)
    run(500*ms)
    i, t = spikes.i[:], spikes.t_[:]
    first = [t[i == k].min() for k in range(N) if (i == k).any()]
    return dict(mean_isi=mean_isi(i, t, N), cv=isi_cv(i, t, N), first_spike_sd=float(np.std(first)),
                coincidence=coincidence(i, t, N, 1e-3, t0=0.1))


runs = [simulate(s) for s in range(1, 21)]
save('reliability.json', dict(seeds=list(range(1, 21)),
     stats={k: tolerance([r[k] for r in runs]) for k in runs[0]}),
     'reliability: statistics over 20 Brian2 seeds (mean, sd with ddof=1, n, lo..hi = mean ± 4 sd for one run)')

"""Brian2 example frompapers/Brette_Guigon_2003.py, plotting removed: 500 leaky/anti-leaky neurons, all driven
through a shared nonlinearity B of the same Ornstein-Uhlenbeck input x (a linked variable), scaled by
p = i/N; euler, 1 s. Stochastic: statistics over 20 seeds, each with mean and SD (ddof=1):
  rate_q0 .. rate_q4  firing rate (Hz) of the neurons i in [100k, 100k+100), i.e. p in [0.2k, 0.2k+0.2)
  B_mean, B_sd        mean and SD (ddof=0) over the recorded steps of B (StateMonitor, record=0)
  coincidence_q4      for the neurons of the last fifth (p >= 0.8): mean over their spikes at t >= 100 ms of
                      the fraction of the other neurons of that fifth with a spike within ±1 ms"""
from brian2 import *
from common import save, tolerance, coincidence
prefs.codegen.target = 'numpy'


def simulate(s):
    start_scope()
    seed(s)
    N = 500
    tau = 33*ms
    taux = 20*ms
    sigma = 0.02
    eqs_input = '''
    dx/dt = -x/taux + (2/taux)**.5*xi : 1
    '''
    eqs = '''
    dv/dt = (v*I + 1)/tau + sigma*(2/tau)**.5*xi : 1
    I = 0.5 + 3*p*B : 1
    B = 2./(1 + exp(-2*x)) - 1 : 1 (shared)
    p : 1
    x : 1 (linked)
    '''
    input = NeuronGroup(1, eqs_input, method='euler')
    neurons = NeuronGroup(N, eqs, threshold='v>1', reset='v=0', method='euler')
    neurons.p = '1.0*i/N'
    neurons.v = 'rand()'
    neurons.x = linked_var(input, 'x')
    M = StateMonitor(neurons, 'B', record=0)
    S = SpikeMonitor(neurons)
    run(1000*ms)
    i, t = S.i[:], S.t_[:]
    out = {f'rate_q{k}': float(((i >= 100 * k) & (i < 100 * k + 100)).sum() / (100 * 1.0)) for k in range(5)}
    out['B_mean'] = float(M.B[0].mean())
    out['B_sd'] = float(M.B[0].std())
    q4 = i >= 400
    out['coincidence_q4'] = coincidence(i[q4] - 400, t[q4], 100, 1e-3, t0=0.1)
    return out


seeds = list(range(1, 21))
runs = [simulate(s) for s in seeds]
save('brette_guigon_2003.json', dict(seeds=seeds, stats={k: tolerance([r[k] for r in runs]) for k in runs[0]}),
     'Brette_Guigon_2003: statistics over 20 Brian2 seeds (mean, sd with ddof=1, n, lo..hi = mean ± 4 sd for '
     'one run)')

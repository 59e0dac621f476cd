"""Brian2 example frompapers/Brunel_Hakim_1999.py, plotting removed: 5000 noisy inhibitory IF neurons
(euler), connect(p=0.2) with delay 2 ms, 100 ms; SpikeMonitor and PopulationRateMonitor. Stochastic:
statistics over 20 seeds (mean, SD with ddof=1), with r the monitor's population rate (Hz, one value per
0.1 ms step) over the steps >= 200 (t >= 20 ms, after the start from V = Vr):
  rate_hz       spikes / 5000 / 0.1 s
  rate_late     mean of r
  lfp_sd        SD (ddof=0) of r smoothed by a flat 0.5 ms window (a 5-step moving average, 'valid')
  period_ms     the lag (4 .. 12 ms) where the autocorrelation of r - mean(r) peaks: the oscillation period
  ac_peak       the autocorrelation there, divided by the one at lag 0 (the oscillation's regularity)
  n_synapses    conn's synapse count"""
import time
from brian2 import *
from common import save, tolerance
prefs.codegen.target = 'numpy'


def lfp_stats(r):
    y = np.asarray(r, dtype=float)[200:]
    sm = np.convolve(y, np.ones(5) / 5, mode='valid')
    z = y - y.mean()
    ac = np.array([np.dot(z[:len(z) - k], z[k:]) for k in range(121)])
    k = int(np.argmax(ac[40:121])) + 40
    return dict(rate_late=float(y.mean()), lfp_sd=float(sm.std()), period_ms=k * 0.1, ac_peak=float(ac[k] / ac[0]))


def simulate(s):
    start_scope()
    seed(s)
    N = 5000
    Vr = 10*mV
    theta = 20*mV
    tau = 20*ms
    delta = 2*ms
    taurefr = 2*ms
    duration = .1*second
    C = 1000
    sparseness = float(C)/N
    J = .1*mV
    muext = 25*mV
    sigmaext = 1*mV
    eqs = """
    dV/dt = (-V+muext + sigmaext * sqrt(tau) * xi)/tau : volt
    """
    group = NeuronGroup(N, eqs, threshold='V>theta',
                        reset='V=Vr', refractory=taurefr, method='euler')
    group.V = Vr
    conn = Synapses(group, group, on_pre='V += -J', delay=delta)
    conn.connect(p=sparseness)
    M = SpikeMonitor(group)
    LFP = PopulationRateMonitor(group)
    run(duration)
    out = dict(rate_hz=float(M.num_spikes / 5000 / 0.1))
    out.update(lfp_stats(LFP.rate_[:]))
    out['n_synapses'] = float(len(conn))
    return out


start = time.time()
seeds = list(range(1, 21))
runs = []
for s in seeds:
    runs.append(simulate(s))
    print(s, runs[-1], flush=True)
wall = (time.time() - start) / len(seeds)
save('brunel_hakim_1999.json', dict(seeds=seeds, stats={k: tolerance([r[k] for r in runs]) for k in runs[0]},
     wall_s_per_seed=wall),
     'Brunel_Hakim_1999: statistics over 20 Brian2 seeds (mean, sd with ddof=1, n, lo..hi = mean ± 4 sd for '
     'one run) of the rate and the population oscillation')

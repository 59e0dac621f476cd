"""Brian2 example synapses/STDP.py, plotting removed: 1000 Poisson inputs at 15 Hz -> one LIF neuron through
STDP synapses with event-driven traces, w = rand()*gmax, 100 s (the model file is examples/stdp.toml).
The numpy target needs about 8 s per simulated second here (measured on a shared 2-core machine: about 14
minutes per seed); the cython target is used (the same results in distribution). Stochastic: statistics over
the seeds listed (mean, SD with ddof=1):
  w_mean          mean final w/gmax
  w_sd            its SD (ddof=0) over the 1000 synapses
  frac_low        fraction of synapses with final w < 0.1 gmax
  frac_high       fraction with final w > 0.9 gmax (the bimodal distribution of Song et al.)
  n_output        spikes of the output neuron in 100 s (counted by a SpikeMonitor added here; the script
                  records the input's spikes, which are not used)
  w0_at_50, w1_at_50   w/gmax of synapses 0 and 1 at 50 s (the script's StateMonitor, record=[0, 1])"""
import sys
import time
from brian2 import *
from common import save, tolerance

target = sys.argv[sys.argv.index('--target') + 1] if '--target' in sys.argv else 'cython'
n_seeds = int(sys.argv[sys.argv.index('--seeds') + 1]) if '--seeds' in sys.argv else 20
duration = float(sys.argv[sys.argv.index('--duration') + 1]) if '--duration' in sys.argv else 100.0
prefs.codegen.target = target


def simulate(s):
    start_scope()
    seed(s)
    N = 1000
    taum = 10*ms
    taupre = 20*ms
    taupost = taupre
    Ee = 0*mV
    vt = -54*mV
    vr = -60*mV
    El = -74*mV
    taue = 5*ms
    F = 15*Hz
    gmax = .01
    dApre = .01
    dApost = -dApre * taupre / taupost * 1.05
    dApost *= gmax
    dApre *= gmax
    eqs_neurons = '''
    dv/dt = (ge * (Ee-v) + El - v) / taum : volt
    dge/dt = -ge / taue : 1
    '''
    poisson_input = PoissonGroup(N, rates=F)
    neurons = NeuronGroup(1, eqs_neurons, threshold='v>vt', reset='v = vr',
                          method='euler')
    S = Synapses(poisson_input, neurons,
                 '''w : 1
                    dApre/dt = -Apre / taupre : 1 (event-driven)
                    dApost/dt = -Apost / taupost : 1 (event-driven)''',
                 on_pre='''ge += w
                        Apre += dApre
                        w = clip(w + Apost, 0, gmax)''',
                 on_post='''Apost += dApost
                         w = clip(w + Apre, 0, gmax)''',
                 )
    S.connect()
    S.w = 'rand() * gmax'
    mon = StateMonitor(S, 'w', record=[0, 1])
    s_mon = SpikeMonitor(poisson_input)
    out_mon = SpikeMonitor(neurons)
    t0 = time.time()
    run(duration*second)
    wall = time.time() - t0
    w = S.w[:] / gmax
    k = int(round(duration / 2 / 1e-4))
    return dict(w_mean=float(w.mean()), w_sd=float(w.std()), frac_low=float((w < 0.1).mean()),
                frac_high=float((w > 0.9).mean()), n_output=float(out_mon.num_spikes),
                w0_at_50=float(mon.w[0][k] / gmax), w1_at_50=float(mon.w[1][k] / gmax)), wall


if __name__ == '__main__':
    seeds = list(range(1, n_seeds + 1))
    runs, walls = [], []
    for s in seeds:
        r, wall = simulate(s)
        runs.append(r)
        walls.append(wall)
        print(s, r, 'run %.1f s' % wall, flush=True)
    save('stdp.json', dict(seeds=seeds, duration_s=duration,
         stats={k: tolerance([r[k] for r in runs]) for k in runs[0]}, run_s=walls),
         f'STDP: statistics over {len(seeds)} Brian2 seeds ({target} target; mean, sd with ddof=1, n, lo..hi = '
         'mean ± 4 sd for one run) of the weights after 100 s')

"""Brian2 example standalone/STDP_standalone.py, plotting removed: the STDP network of synapses/STDP.py
(1000 Poisson inputs -> one LIF neuron, 100 s), built and run as the script does, with the cpp_standalone
device (the project rebuilt and run once per seed). The model file is examples/stdp.toml (the device has
no counterpart in Ganglion). The same statistics as ref_stdp.py, over the seeds listed."""
import os
import shutil
import sys
import tempfile
import time
from brian2 import *
from common import save, tolerance

n_seeds = int(sys.argv[sys.argv.index('--seeds') + 1]) if '--seeds' in sys.argv else 10


def simulate(s, directory):
    device.reinit()
    device.activate(directory=directory)
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
    input = PoissonGroup(N, rates=F)
    neurons = NeuronGroup(1, eqs_neurons, threshold='v>vt', reset='v = vr',
                          method='euler')
    S = Synapses(input, neurons,
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
    s_mon = SpikeMonitor(input)
    out_mon = SpikeMonitor(neurons)
    t0 = time.time()
    run(100*second)
    wall = time.time() - t0
    w = S.w[:] / gmax
    k = int(round(50 / 1e-4))
    return dict(w_mean=float(w.mean()), w_sd=float(w.std()), frac_low=float((w < 0.1).mean()),
                frac_high=float((w > 0.9).mean()), n_output=float(out_mon.num_spikes),
                w0_at_50=float(mon.w[0][k] / gmax), w1_at_50=float(mon.w[1][k] / gmax)), wall


set_device('cpp_standalone', build_on_run=True)
seeds = list(range(1, n_seeds + 1))
runs, walls = [], []
for s in seeds:
    directory = tempfile.mkdtemp(prefix='STDP_standalone_')
    r, wall = simulate(s, directory)
    shutil.rmtree(directory, ignore_errors=True)
    runs.append(r)
    walls.append(wall)
    print(s, r, 'build and run %.1f s' % wall, flush=True)
save('stdp_standalone.json', dict(seeds=seeds, duration_s=100.0,
     stats={k: tolerance([r[k] for r in runs]) for k in runs[0]}, build_and_run_s=walls),
     f'STDP_standalone: statistics over {len(seeds)} Brian2 seeds (cpp_standalone; mean, sd with ddof=1, n, '
     'lo..hi = mean ± 4 sd for one run) of the weights after 100 s')

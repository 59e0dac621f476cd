"""Brian2 example synapses/licklider.py, plotting removed: two noisy receptors (euler, dt = 0.02 ms)
phase-locking to a distorted tone of rising pitch, 300 coincidence detectors with delays 1/f_j from receptor
1 (f_j log-spaced from 50 to 1000 Hz), 500 ms. Stored:
  syn_delay        the 600 synaptic delays (s), in Brian2's synapse order (i major)
  stats            over 20 seeds (mean, SD with ddof=1):
    receptors.k    spikes of receptor k (the script has no monitor on them: counted by a SpikeMonitor added
                   here, which changes nothing else)
    total          spikes of the 300 detectors
    place.w        mean index of the detectors' spikes in window w = [100w, 100w+100) ms (w = 0..4): the
                   place code of the pitch"""
import time
from brian2 import *
from common import save, tolerance
prefs.codegen.target = 'numpy'


def simulate(s):
    start_scope()
    seed(s)
    defaultclock.dt = .02 * ms
    max_delay = 20*ms # 50 Hz
    tau_ear = 1*ms
    sigma_ear = 0.0
    eqs_ear = '''
    dx/dt = (sound-x)/tau_ear+0.1*(2./tau_ear)**.5*xi : 1 (unless refractory)
    sound = 5*sin(2*pi*frequency*t)**3 : 1 # nonlinear distortion
    #sound = 5*(sin(4*pi*frequency*t)+.5*sin(6*pi*frequency*t)) : 1 # missing fundamental
    frequency = (200+200*t*Hz)*Hz : Hz # increasing pitch
    '''
    receptors = NeuronGroup(2, eqs_ear, threshold='x>1', reset='x=0',
                            refractory=2*ms, method='euler')
    min_freq = 50*Hz
    max_freq = 1000*Hz
    num_neurons = 300
    tau = 1*ms
    sigma = .1
    eqs_neurons = '''
    dv/dt = -v/tau+sigma*(2./tau)**.5*xi : 1
    '''
    neurons = NeuronGroup(num_neurons, eqs_neurons, threshold='v>1', reset='v=0',
                          method='euler')
    synapses = Synapses(receptors, neurons, on_pre='v += 0.5')
    synapses.connect()
    synapses.delay = 'i*1.0/exp(log(min_freq/Hz)+(j*1.0/(num_neurons-1))*log(max_freq/min_freq))*second'
    spikes = SpikeMonitor(neurons)
    receptor_spikes = SpikeMonitor(receptors)
    run(500*ms)
    i, t = spikes.i[:], spikes.t_[:]
    out = {f'receptors.{k}': float(receptor_spikes.count[k]) for k in range(2)}
    out['total'] = float(len(i))
    for w in range(5):
        m = (t >= 0.1 * w - 1e-9) & (t < 0.1 * (w + 1) - 1e-9)
        out[f'place.{w}'] = float(i[m].mean()) if m.any() else 0.0
    return out, synapses.delay_[:]


start = time.time()
seeds = list(range(1, 21))
runs = []
for s in seeds:
    r, syn_delay = simulate(s)
    runs.append(r)
    print(s, r, flush=True)
wall = (time.time() - start) / len(seeds)
save('licklider.json', dict(seeds=seeds, syn_delay=[float(x) for x in syn_delay],
     stats={k: tolerance([r[k] for r in runs]) for k in runs[0]}, wall_s_per_seed=wall),
     'licklider: synaptic delays and statistics over 20 Brian2 seeds (mean, sd with ddof=1, n, lo..hi = mean ± '
     '4 sd for one run) of spike counts and the place code')

"""Brian2 example synapses/jeffress.py, plotting removed: two noisy ears (euler, dt = 0.02 ms) hearing a
white-noise sound (TimedArray) with an interaural delay that follows the source around the head, 30
coincidence detectors fed through delay lines, 1 s. The sound (10*randn(50000), drawn by the script) is drawn
once, with numpy seed 1, stored as float32 in examples/brian2/jeffress_sound.npy, which the model file reads;
every seed here uses it. Stored:
  syn_delay          the 60 synaptic delays (s), in Brian2's synapse order (i major)
  delay_trace        the `traces` monitor (ears' delay, s) every 50th step, both ears (deterministic)
  stats              over 20 seeds (mean, SD with ddof=1):
    ears.k           spikes of ear k (the script has no monitor on them: counted by a SpikeMonitor added
                     here, which changes nothing else)
    total            spikes of the 30 detectors
    place.w          mean index of the detectors' spikes in window w = [100w, 100w+100) ms (w = 0..9):
                     the place code of the source's azimuth"""
import os
import time
from brian2 import *
from common import save, tolerance
prefs.codegen.target = 'numpy'

sound_file = os.path.join(os.path.dirname(os.path.abspath(__file__)), '../../../examples/brian2/'
                          'jeffress_sound.npy')
np.random.seed(1)
np.save(sound_file, (10 * np.random.randn(50000)).astype(np.float32))
sound_values = np.load(sound_file).astype(float)


def simulate(s):
    start_scope()
    seed(s)
    defaultclock.dt = .02*ms
    sound = TimedArray(sound_values, dt=defaultclock.dt) # white noise
    sound_speed = 300*metre/second
    interaural_distance = 20*cm # big head!
    max_delay = interaural_distance / sound_speed
    angular_speed = 2 * pi / second # 1 turn/second
    tau_ear = 1*ms
    sigma_ear = .1
    eqs_ears = '''
    dx/dt = (sound(t-delay)-x)/tau_ear+sigma_ear*(2./tau_ear)**.5*xi : 1 (unless refractory)
    delay = distance*sin(theta) : second
    distance : second # distance to the centre of the head in time units
    dtheta/dt = angular_speed : radian
    '''
    ears = NeuronGroup(2, eqs_ears, threshold='x>1', reset='x = 0',
                       refractory=2.5*ms, name='ears', method='euler')
    ears.distance = [-.5 * max_delay, .5 * max_delay]
    traces = StateMonitor(ears, 'delay', record=True)
    num_neurons = 30
    tau = 1*ms
    sigma = .1
    eqs_neurons = '''
    dv/dt = -v / tau + sigma * (2 / tau)**.5 * xi : 1
    '''
    neurons = NeuronGroup(num_neurons, eqs_neurons, threshold='v>1',
                          reset='v = 0', name='neurons', method='euler')
    synapses = Synapses(ears, neurons, on_pre='v += .5')
    synapses.connect()
    synapses.delay['i==0'] = '(1.0*j)/(num_neurons-1)*1.1*max_delay'
    synapses.delay['i==1'] = '(1.0*(num_neurons-j-1))/(num_neurons-1)*1.1*max_delay'
    spikes = SpikeMonitor(neurons)
    ear_spikes = SpikeMonitor(ears, name="ear_spikes")
    run(1000*ms)
    i, t = spikes.i[:], spikes.t_[:]
    out = {f'ears.{k}': float(ear_spikes.count[k]) for k in range(2)}
    out['total'] = float(len(i))
    for w in range(10):
        m = (t >= 0.1 * w - 1e-9) & (t < 0.1 * (w + 1) - 1e-9)
        out[f'place.{w}'] = float(i[m].mean()) if m.any() else 0.0
    return out, synapses.delay_[:], np.asarray(traces.delay_)


start = time.time()
seeds = list(range(1, 21))
runs = []
for s in seeds:
    r, syn_delay, trace = simulate(s)
    runs.append(r)
    print(s, r, flush=True)
wall = (time.time() - start) / len(seeds)
save('jeffress.json', dict(seeds=seeds, syn_delay=[float(x) for x in syn_delay], trace_every=50,
     delay_trace=[[float(x) for x in row[::50]] for row in trace],
     stats={k: tolerance([r[k] for r in runs]) for k in runs[0]}, wall_s_per_seed=wall),
     'jeffress: synaptic delays, the ears\' delay trace every 50th step, and statistics over 20 Brian2 seeds '
     '(mean, sd with ddof=1, n, lo..hi = mean ± 4 sd for one run) of spike counts and the place code')

"""Brian2 example phase_locking.py, plotting removed: 100 IF neurons with a sinusoidal drive, euler, 1 s.
The initial v = rand() is saved, so that Ganglion can start from the same values: then the run is
deterministic (spikes of all neurons, the trace of neuron 50 every 50th step)."""
from brian2 import *
from common import save, spikes_all
prefs.codegen.target = 'numpy'
seed(1)

tau = 20*ms
n = 100
b = 1.2  # constant current mean, the modulation varies
freq = 10*Hz
eqs = '''
dv/dt = (-v + a * sin(2 * pi * freq * t) + b) / tau : 1
a : 1
'''
neurons = NeuronGroup(n, model=eqs, threshold='v > 1', reset='v = 0', method='euler')
neurons.v = 'rand()'
neurons.a = '0.05 + 0.7*i/n'
v_init = [float(x) for x in neurons.v[:]]
S = SpikeMonitor(neurons)
trace = StateMonitor(neurons, 'v', record=50)
run(1000*ms)
save('phase_locking.json', dict(dt=float(defaultclock.dt), v_init=v_init,
     spikes=spikes_all(S.i, S.t, defaultclock.dt),
     trace_every=50, trace_v50=[float(x) for x in trace.v[0][::50]]),
     'phase_locking: initial v (from rand()), every spike (neuron, step), v of neuron 50 every 50th step')

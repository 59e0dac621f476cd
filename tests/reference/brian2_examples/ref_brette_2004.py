"""Brian2 example frompapers/Brette_2004.py, plotting removed: 2000 LIF neurons with a sinusoidal current,
a = linspace(2, 4, N), euler; 5 s discarded, then a SpikeMonitor records 5 s (as in the source).
Deterministic: per-neuron spike counts and sums of spike steps in the recorded 5 s."""
from brian2 import *
from common import save, spike_summary
prefs.codegen.target = 'numpy'

N = 2000
tau = 100*ms
freq = 1/tau
eqs = '''
dv/dt = (-v + a + 2*sin(2*pi*t/tau))/tau : 1
a : 1
'''
neurons = NeuronGroup(N, eqs, threshold='v>1', reset='v=0', method='euler')
neurons.a = linspace(2, 4, N)
run(5*second, report='text')  # discard the first spikes (wait for convergence)
S = SpikeMonitor(neurons)
run(5*second, report='text')
save('brette_2004.json', dict(dt=float(defaultclock.dt), start=5.0, duration=10.0,
     spikes=spike_summary(S.i, S.t, N, defaultclock.dt, trains=(0, 1000, 1999))),
     'Brette_2004: spikes from 5 s to 10 s: counts, sums of spike steps, three full trains')

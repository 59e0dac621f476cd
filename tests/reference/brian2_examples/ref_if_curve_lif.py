"""Brian2 example IF_curve_LIF.py (brian-team/brian2 examples/), plotting removed: 1000 LIF neurons,
v0 = 20 mV * i/(n-1), exact method, refractory 5 ms, 1 s. Deterministic: spike counts and spike steps."""
from brian2 import *
from common import save, spike_summary
prefs.codegen.target = 'numpy'

n = 1000
duration = 1*second
tau = 10*ms
eqs = '''
dv/dt = (v0 - v) / tau : volt (unless refractory)
v0 : volt
'''
group = NeuronGroup(n, eqs, threshold='v > 10*mV', reset='v = 0*mV',
                    refractory=5*ms, method='exact')
group.v = 0*mV
group.v0 = '20*mV * i / (n-1)'
monitor = SpikeMonitor(group)
run(duration)
save('if_curve_lif.json', dict(dt=float(defaultclock.dt), duration=float(duration),
     spikes=spike_summary(monitor.i, monitor.t, n, defaultclock.dt, trains=(500, 999))),
     'IF_curve_LIF: spike counts, sums of spike steps and two full trains (steps of 0.1 ms)')

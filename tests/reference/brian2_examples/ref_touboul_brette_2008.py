"""Brian2 example frompapers/Touboul_Brette_2008.py, plotting removed: 200 AdEx neurons whose reset Vr spans
-48.3..-47.7 mV (the bifurcation parameter), dt 0.01 ms, 3 s discarded, then 1 s with a StateMonitor of w
(when='start') and a SpikeMonitor, as in the source. The figure plots w at each spike (the StateMonitor's
value at the spike's step) against Vr.

Saved: per-neuron spike counts and sums of spike steps in the last second, and per neuron the number of
spikes, min, max and mean of w at spikes. Pass --dump FILE to also write every spike and its w (.npz)."""
import sys
from brian2 import *
from common import save, spike_summary
prefs.codegen.target = 'numpy'

defaultclock.dt = 0.01*ms
C = 281*pF
gL = 30*nS
EL = -70.6*mV
VT = -50.4*mV
DeltaT = 2*mV
tauw = 40*ms
a = 4*nS
b = 0.08*nA
I = .8*nA
Vcut = VT + 5 * DeltaT  # practical threshold condition
N = 200
eqs = """
dvm/dt=(gL*(EL-vm)+gL*DeltaT*exp((vm-VT)/DeltaT)+I-w)/C : volt
dw/dt=(a*(vm-EL)-w)/tauw : amp
Vr:volt
"""
neuron = NeuronGroup(N, model=eqs, threshold='vm > Vcut', reset="vm = Vr; w += b", method='euler')
neuron.vm = EL
neuron.w = a * (neuron.vm - EL)
neuron.Vr = linspace(-48.3 * mV, -47.7 * mV, N)  # bifurcation parameter
init_time = 3*second
run(init_time, report='text')  # we discard the first spikes
states = StateMonitor(neuron, "w", record=True, when='start')
spikes = SpikeMonitor(neuron)
run(1 * second, report='text')
i = spikes.i[:]
w = states.w_[i, int_(np.round((spikes.t_ - float(init_time)) / float(defaultclock.dt)))]
per = dict(w_min=[], w_max=[], w_mean=[])
for k in range(N):
    wk = w[i == k]
    per['w_min'].append(float(wk.min()) if len(wk) else None)
    per['w_max'].append(float(wk.max()) if len(wk) else None)
    per['w_mean'].append(float(wk.mean()) if len(wk) else None)
if '--dump' in sys.argv:
    np.savez(sys.argv[sys.argv.index('--dump') + 1], i=i, t=spikes.t_[:], w=w)
save('touboul_brette_2008.json', dict(dt=float(defaultclock.dt), start=3.0, duration=4.0,
     Vr=[float(x) for x in neuron.Vr_],
     spikes=spike_summary(i, spikes.t, N, defaultclock.dt, trains=()), **per),
     'Touboul_Brette_2008: spikes of the last second (counts, sums of steps); per neuron min, max and mean '
     'of w (amp) at its spikes (w recorded at the start of the spike step)')

"""Brian2 example frompapers/Brette_Gerstner_2005.py, plotting removed: one AdEx neuron (regular spiking),
I = 0, then 1 nA for 100 ms, then 0 again (three run() calls). Deterministic: spike steps and vm every 5th
step."""
from brian2 import *
from common import save, steps
prefs.codegen.target = 'numpy'

C = 281 * pF
gL = 30 * nS
taum = C / gL
EL = -70.6 * mV
VT = -50.4 * mV
DeltaT = 2 * mV
Vcut = VT + 5 * DeltaT
tauw, a, b, Vr = 144*ms, 4*nS, 0.0805*nA, -70.6*mV  # Regular spiking (as in the paper)
eqs = """
dvm/dt = (gL*(EL - vm) + gL*DeltaT*exp((vm - VT)/DeltaT) + I - w)/C : volt
dw/dt = (a*(vm - EL) - w)/tauw : amp
I : amp
"""
neuron = NeuronGroup(1, model=eqs, threshold='vm>Vcut', reset="vm=Vr; w+=b", method='euler')
neuron.vm = EL
trace = StateMonitor(neuron, 'vm', record=0)
spikes = SpikeMonitor(neuron)
run(20 * ms)
neuron.I = 1*nA
run(100 * ms)
neuron.I = 0*nA
run(20 * ms)
save('brette_gerstner_2005.json', dict(dt=float(defaultclock.dt), spike_steps=steps(spikes.t, defaultclock.dt),
     trace_every=5, vm=[float(x) for x in trace[0].vm_[::5]], w_final=float(neuron.w_[0])),
     'Brette_Gerstner_2005: spike steps, vm (volt) every 5th step, final w (amp)')

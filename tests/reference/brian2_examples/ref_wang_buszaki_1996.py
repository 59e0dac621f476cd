"""Brian2 example frompapers/Wang_Buszaki_1996.py, plotting removed: one Wang-Buzsaki interneuron, dt 0.01 ms,
exponential Euler, 100 ms. Deterministic: v every 50th step, and the steps where v crosses -20 mV upwards
(the action potentials; the source has no threshold)."""
from brian2 import *
from common import save
prefs.codegen.target = 'numpy'

defaultclock.dt = 0.01*ms
Cm = 1*uF # /cm**2
Iapp = 2*uA
gL = 0.1*msiemens
EL = -65*mV
ENa = 55*mV
EK = -90*mV
gNa = 35*msiemens
gK = 9*msiemens
eqs = '''
dv/dt = (-gNa*m**3*h*(v-ENa)-gK*n**4*(v-EK)-gL*(v-EL)+Iapp)/Cm : volt
m = alpha_m/(alpha_m+beta_m) : 1
alpha_m = 0.1/mV*10*mV/exprel(-(v+35*mV)/(10*mV))/ms : Hz
beta_m = 4*exp(-(v+60*mV)/(18*mV))/ms : Hz
dh/dt = 5*(alpha_h*(1-h)-beta_h*h) : 1
alpha_h = 0.07*exp(-(v+58*mV)/(20*mV))/ms : Hz
beta_h = 1./(exp(-0.1/mV*(v+28*mV))+1)/ms : Hz
dn/dt = 5*(alpha_n*(1-n)-beta_n*n) : 1
alpha_n = 0.01/mV*10*mV/exprel(-(v+34*mV)/(10*mV))/ms : Hz
beta_n = 0.125*exp(-(v+44*mV)/(80*mV))/ms : Hz
'''
neuron = NeuronGroup(1, eqs, method='exponential_euler')
neuron.v = -70*mV
neuron.h = 1
M = StateMonitor(neuron, 'v', record=0)
run(100*ms, report='text')
v = M[0].v_
up = np.nonzero((v[1:] > -0.02) & (v[:-1] <= -0.02))[0] + 1
save('wang_buszaki_1996.json', dict(dt=float(defaultclock.dt), trace_every=50,
     v=[float(x) for x in v[::50]], crossings=[int(x) for x in up],
     final=dict(v=float(neuron.v_[0]), h=float(neuron.h_[0]), n=float(neuron.n_[0]))),
     'Wang_Buszaki_1996: v (volt) every 50th step, steps of upward crossings of -20 mV, final state')

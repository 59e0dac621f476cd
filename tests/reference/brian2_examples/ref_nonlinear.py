"""Brian2 example synapses/nonlinear.py, plotting removed: two regularly firing inputs, NMDA-like clock-driven
synapses (g_syn, x) summed into the target's g, 1 s. Deterministic: M (StateMonitor(S, 'g', record=[0, 1]):
the postsynaptic g seen from each synapse) and Mn (g of the neuron) every 10th step, the synapses' final g_syn
and x, and the neuron's final v."""
import time
from brian2 import *
from common import save
prefs.codegen.target = 'numpy'

start = time.time()
a = 1 / (10*ms)
b = 1 / (10*ms)
c = 1 / (10*ms)

neuron_input = NeuronGroup(2, 'dv/dt = 1/(10*ms) : 1', threshold='v>1', reset='v = 0',
                    method='euler')
neurons = NeuronGroup(1, """dv/dt = (g-v)/(10*ms) : 1
                            g : 1""", method='exact')
S = Synapses(neuron_input, neurons, '''
                dg_syn/dt = -a*g_syn+b*x*(1-g_syn) : 1 (clock-driven)
                g_post = g_syn : 1 (summed)
                dx/dt=-c*x : 1 (clock-driven)
                w : 1 # synaptic weight
             ''', on_pre='x += w') # NMDA synapses

S.connect()
S.w = [1., 10.]
neuron_input.v = [0., 0.5]

M = StateMonitor(S, 'g',
                 # If not using standalone mode, this could also simply be
                 # record=True
                 record=np.arange(len(neuron_input)*len(neurons)))
Mn = StateMonitor(neurons, 'g', record=0)

run(1000*ms)
wall = time.time() - start
save('nonlinear.json', dict(dt=float(defaultclock.dt), n_samples=len(M.t), trace_every=10,
     M_g=[[float(x) for x in row[::10]] for row in M.g], Mn_g=[float(x) for x in Mn.g[0][::10]],
     g_syn_final=[float(x) for x in S.g_syn[:]], x_final=[float(x) for x in S.x[:]],
     v_final=float(neurons.v[0]), wall_s=wall),
     'nonlinear: the monitors M (g seen from synapses 0 and 1) and Mn (g of the neuron) every 10th step, '
     'final g_syn and x of the two synapses, final v of the neuron')

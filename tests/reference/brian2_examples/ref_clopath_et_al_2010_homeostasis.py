"""Brian2 example frompapers/Clopath_et_al_2010_homeostasis.py, plotting removed: 5 inputs (one at a time
fires at 35 Hz, chosen at random every 100 ms by run_regularly) -> 1 IF neuron through voltage-based STDP
synapses with homeostatic metaplasticity, dt = 0.5 ms, 20 s, StateMonitor of w_ampa (all synapses, every
step). Stochastic: statistics over 20 seeds (mean, SD with ddof=1):
  n_high, n_low     synapses with final w > 0.9 and < 0.1: the competition's outcome
  w_top2            mean of the two largest final weights (the winners)
  w_mean            mean final weight
  w_mean_at.T       mean over synapses of the recorded w at T = 1, 5, 10 s (W_evolution)
  v_homeo           the downstream neuron's final v_homeo (mV)"""
import time
from brian2 import *
from common import save, tolerance
prefs.codegen.target = 'numpy'


def simulate(s):
    start_scope()
    seed(s)
    V_rest = -70.*mV        # resting potential
    V_thresh = -55.*mV      # spiking threshold
    Theta_low = V_rest      # depolarization threshold for plasticity
    x_reset = 1.            # spike trace reset value
    taux = 15.*ms           # spike trace time constant
    A_LTD = 1.5e-4          # depression amplitude
    A_LTP = 1.5e-2          # potentiation amplitude
    tau_lowpass1 = 40*ms    # timeconstant for low-pass filtered voltage
    tau_lowpass2 = 30*ms    # timeconstant for low-pass filtered voltage
    tau_homeo = 1000*ms     # homeostatic timeconstant
    v_target = 12*mV**2     # target depolarisation
    Syn_model =   ('''
                w_ampa:1                # synaptic weight (ampa synapse)
                ''')
    Pre_eq = ('''
                g_ampa_post += w_ampa*ampa_max_cond                                                               # increment synaptic conductance
                A_LTD_u = A_LTD*(v_homeo**2/v_target)                                                             # metaplasticity
                w_minus = A_LTD_u*(v_lowpass1_post/mV - Theta_low/mV)*int(v_lowpass1_post/mV - Theta_low/mV > 0)  # synaptic depression
                w_ampa = clip(w_ampa-w_minus, 0, w_max)                                                           # hard bounds
                ''' )
    Post_eq = ('''
                v_lowpass1 += 10*mV                                                                                        # mimics the depolarisation effect due to a spike
                v_lowpass2 += 10*mV                                                                                        # mimics the depolarisation effect due to a spike
                v_homeo += 0.1*mV                                                                                          # mimics the depolarisation effect due to a spike
                w_plus = A_LTP*x_trace_pre*(v_lowpass2_post/mV - Theta_low/mV)*int(v_lowpass2_post/mV - Theta_low/mV > 0)  # synaptic potentiation
                w_ampa = clip(w_ampa+w_plus, 0, w_max)                                                                     # hard bounds
                ''' )
    gleak = 30.*nS                  # leak conductance
    C = 300.*pF                     # membrane capacitance
    tau_AMPA = 2.*ms                # AMPA synaptic timeconstant
    E_AMPA = 0.*mV                  # reversal potential AMPA
    ampa_max_cond = 5.e-8*siemens  # Ampa maximal conductance
    w_max = 1.                      # maximal ampa weight
    eqs_neurons = '''
    dv/dt = (gleak*(V_rest-v) + I_ext + I_syn)/C: volt      # voltage
    dv_lowpass1/dt = (v-v_lowpass1)/tau_lowpass1 : volt     # low-pass filter of the voltage
    dv_lowpass2/dt = (v-v_lowpass2)/tau_lowpass2 : volt     # low-pass filter of the voltage
    dv_homeo/dt = (v-V_rest-v_homeo)/tau_homeo : volt       # low-pass filter of the voltage
    I_ext : amp                                             # external current
    I_syn = g_ampa*(E_AMPA-v): amp                          # synaptic current
    dg_ampa/dt = -g_ampa/tau_AMPA : siemens                 # synaptic conductance
    dx_trace/dt = -x_trace/taux :1                          # spike trace
    '''
    eqs_inputs = '''
    dv/dt = gleak*(V_rest-v)/C: volt                        # voltage
    dx_trace/dt = -x_trace/taux :1                          # spike trace
    rates : Hz                                              # input rates
    selected_index : integer (shared)                       # active neuron
    '''
    defaultclock.dt = 500.*us                        # timestep
    Nr_neurons = 1                                   # Number of downstream neurons
    Nr_inputs = 5                                    # Number of input neurons
    input_rate = 35*Hz                               # Rates
    init_weight = 0.5                                # initial synaptic weight
    final_t = 20.*second                             # end of simulation
    input_time = 100.*ms                             # duration of an input
    Nrn_downstream = NeuronGroup(Nr_neurons, eqs_neurons, threshold='v>V_thresh',
                                 reset='v=V_rest;x_trace+=x_reset/(taux/ms)',
                                 method='euler')
    Nrns_input = NeuronGroup(Nr_inputs, eqs_inputs, threshold='rand()<rates*dt',
                             reset='v=V_rest;x_trace+=x_reset/(taux/ms)',
                             method='exact')
    Syn = Synapses(Nrns_input, Nrn_downstream,
                   model=Syn_model,
                   on_pre=Pre_eq,
                   on_post=Post_eq
                   )
    Syn.connect(i=numpy.arange(Nr_inputs), j=0)
    W_evolution = StateMonitor(Syn, 'w_ampa', record=True)
    Nrn_downstream.v = V_rest
    Nrn_downstream.v_lowpass1 = V_rest
    Nrn_downstream.v_lowpass2 = V_rest
    Nrn_downstream.v_homeo = 0
    Nrn_downstream.I_ext = 0.*amp
    Nrn_downstream.x_trace = 0.
    Nrns_input.v = V_rest
    Nrns_input.x_trace = 0.
    Syn.w_ampa = init_weight
    Nrns_input.run_regularly('''
                             selected_index = int(floor(rand()*Nr_inputs))
                             rates = input_rate * int(selected_index == i)  # All rates are zero except for the selected neuron
                             ''', dt=input_time)
    run(final_t)
    w = np.sort(Syn.w_ampa[:])
    out = dict(n_high=float((w > 0.9).sum()), n_low=float((w < 0.1).sum()), w_top2=float(w[3:].mean()),
               w_mean=float(w.mean()))
    for T in (1, 5, 10):
        k = int(round(T / 0.5e-3))
        out[f'w_mean_at.{T}'] = float(W_evolution.w_ampa[:, k].mean())
    out['v_homeo'] = float(Nrn_downstream.v_homeo[0] / mV)
    return out


start = time.time()
seeds = list(range(1, 21))
runs = []
for s in seeds:
    runs.append(simulate(s))
    print(s, runs[-1], flush=True)
wall = (time.time() - start) / len(seeds)
save('clopath_et_al_2010_homeostasis.json', dict(seeds=seeds,
     stats={k: tolerance([r[k] for r in runs]) for k in runs[0]}, wall_s_per_seed=wall),
     'Clopath_et_al_2010_homeostasis: statistics over 20 Brian2 seeds (mean, sd with ddof=1, n, lo..hi = '
     'mean ± 4 sd for one run) of the weights after the competition')

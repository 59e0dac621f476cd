"""Brian2 example frompapers/Clopath_et_al_2010_no_homeostasis.py, plotting removed: two IF neurons connected
both ways by voltage-based triplet STDP synapses, 15 pairings (neuron 0 forced above threshold, 10 ms later
neuron 1) at each of 7 rates, the state and weights reset before each rate; 210 run() calls, dt = 0.1 ms.
Deterministic (no random numbers). Stored:
  w_after_pair     [rate][pairing] -> [w_ampa of synapse 0 (0 -> 1), of synapse 1 (1 -> 0)] after the pairing
  weight_result    the script's result: 100 * w / init_weight at the end of each rate, [synapse][rate]
  weight_result_cython   the same with Brian2's cython target, which reads v_lowpass2_post in on_post before
                   the `v_lowpass2 += 10*mV` of the same code (numpy reads the new value; Ganglion follows the
                   statement order, as numpy does), run with `--cython` only"""
import sys
import time
from brian2 import *
from common import save

target = 'cython' if '--cython' in sys.argv else 'numpy'
prefs.codegen.target = target


def simulate():
    V_rest = -70.*mV        # resting potential
    V_thresh = -50.*mV      # spiking threshold
    Theta_low = V_rest      # depolarization threshold for plasticity
    x_reset = 1.            # spike trace reset value
    taux = 15.*ms           # spike trace time constant
    A_LTD = 1.5e-4          # depression amplitude
    A_LTP = 1.5e-2          # potentiation amplitude
    tau_lowpass1 = 40*ms    # timeconstant for low-pass filtered voltage
    tau_lowpass2 = 30*ms    # timeconstant for low-pass filtered voltage
    Syn_model = '''
                w_ampa:1                # synaptic weight (ampa synapse)
                '''
    Pre_eq = '''
             g_ampa_post += w_ampa*ampa_max_cond                                                             # increment synaptic conductance
             w_minus = A_LTD*(v_lowpass1_post/mV - Theta_low/mV)*int(v_lowpass1_post/mV - Theta_low/mV > 0)  # synaptic depression
             w_ampa = clip(w_ampa-w_minus,0,w_max)                                                           # hard bounds
             '''
    Post_eq = '''
              v_lowpass1 += 10*mV                                                                                        # mimics the depolarisation by a spike
              v_lowpass2 += 10*mV                                                                                        # mimics the depolarisation by a spike
              w_plus = A_LTP*x_trace_pre*(v_lowpass2_post/mV - Theta_low/mV)*int(v_lowpass2_post/mV - Theta_low/mV > 0)  # synaptic potentiation
              w_ampa = clip(w_ampa+w_plus,0,w_max)                                                                       # hard bounds
              '''
    gleak = 30.*nS                  # leak conductance
    C = 300.*pF                     # membrane capacitance
    tau_AMPA = 2.*ms                # AMPA synaptic timeconstant
    E_AMPA = 0.*mV                  # reversal potential AMPA
    ampa_max_cond = 5.e-10*siemens  # Ampa maximal conductance
    w_max = 1.                      # maximal ampa weight
    eqs_neurons = '''
    dv/dt = (gleak*(V_rest-v) + I_ext + I_syn)/C: volt      # voltage
    dv_lowpass1/dt = (v-v_lowpass1)/tau_lowpass1 : volt     # low-pass filter of the voltage
    dv_lowpass2/dt = (v-v_lowpass2)/tau_lowpass2 : volt     # low-pass filter of the voltage
    I_ext : amp                                             # external current
    I_syn = g_ampa*(E_AMPA-v): amp                          # synaptic current
    dg_ampa/dt = -g_ampa/tau_AMPA : siemens                 # synaptic conductance
    dx_trace/dt = -x_trace/taux :1                          # spike trace
    '''
    defaultclock.dt = 100.*us                           # timestep
    Nr_neurons = 2                                      # Number of neurons
    rate_array = [1., 5., 10., 15., 20., 30., 50.]*Hz   # Rates
    init_weight = 0.5                                   # initial synaptic weight
    reps = 15                                           # Number of pairings
    Nrns = NeuronGroup(Nr_neurons, eqs_neurons, threshold='v>V_thresh',
                       reset='v=V_rest;x_trace+=x_reset/(taux/ms)', method='euler')#
    Syn = Synapses(Nrns, Nrns,
                   model=Syn_model,
                   on_pre=Pre_eq,
                   on_post=Post_eq
                   )
    Syn.connect('i!=j')
    weight_result = np.zeros((2, len(rate_array)))               # to save the final weights
    w_after = []
    for jj, rate in enumerate(rate_array):
        pair_interval = 1./rate - 10*ms
        Nrns.v = V_rest
        Nrns.v_lowpass1 = V_rest
        Nrns.v_lowpass2 = V_rest
        Nrns.I_ext = 0*amp
        Nrns.x_trace = 0.
        Syn.w_ampa = init_weight
        row = []
        for ii in range(reps):
            Nrns.v[0] = V_thresh + 1*mV
            run(10*ms)
            Nrns.v[1] = V_thresh + 1*mV
            run(pair_interval)
            row.append([float(x) for x in Syn.w_ampa[:]])
        w_after.append(row)
        weight_result[0, jj] = 100.*Syn.w_ampa[0]/init_weight
        weight_result[1, jj] = 100.*Syn.w_ampa[1]/init_weight
    return w_after, weight_result, (list(Syn.i[:]), list(Syn.j[:])), int(defaultclock.timestep[:])


start = time.time()
w_after, weight_result, ij, steps = simulate()
wall = time.time() - start
if target == 'numpy':
    save('clopath_et_al_2010_no_homeostasis.json', dict(dt=1e-4, syn_i=ij[0], syn_j=ij[1], final_step=steps,
         w_after_pair=w_after, weight_result=weight_result, wall_s=wall),
         'Clopath_et_al_2010_no_homeostasis: w_ampa of both synapses after each pairing, per rate; the '
         "script's weight_result (percent of init_weight); the final time step")
else:
    import json
    import os
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'clopath_et_al_2010_no_homeostasis.json')
    data = json.load(open(path))
    data['weight_result_cython'] = weight_result.tolist()
    data['wall_s_cython'] = wall
    prefs.codegen.target = 'numpy'   # the file's header describes its main data, from the numpy target
    save('clopath_et_al_2010_no_homeostasis.json', {k: v for k, v in data.items() if k not in (
         'description', 'brian2_version', 'numpy_version', 'python', 'codegen_target', 'script')},
         data['description'])

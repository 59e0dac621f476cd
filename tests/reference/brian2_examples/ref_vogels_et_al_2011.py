"""Brian2 example frompapers/Vogels_et_al_2011.py, plotting removed, shortened as the model file: 10000
conductance-based IF neurons (8000 E, 2000 I, p = 0.02), inhibitory-to-excitatory STDP; eta = 0 for 0.1 s
(1 s in the script), then eta = 1e-2 for 0.6 s (9 s in the script). The numpy target is too slow for this
network (about 160 Hz before plasticity); the cython target is used (the same results in distribution).
Stochastic: statistics over the seeds listed (mean, SD with ddof=1):
  rate_before       rate (Hz) of the excitatory neurons (sm) in [0.05 s, 0.1 s): no plasticity
  rate_mid          in [0.3 s, 0.4 s)
  rate_after        in [0.6 s, 0.7 s): after 0.5 s of plasticity
  w_mean, w_sd      mean and SD (ddof=0) of con_ie's final w
  n_e, n_ii, n_ie   synapse counts of con_e, con_ii, con_ie
`build_s`, `run_s`: Brian2's times per seed."""
import sys
import time
from brian2 import *
from common import save, tolerance

target = sys.argv[sys.argv.index('--target') + 1] if '--target' in sys.argv else 'cython'
n_seeds = int(sys.argv[sys.argv.index('--seeds') + 1]) if '--seeds' in sys.argv else 20
prefs.codegen.target = target
T_BEFORE = 0.1*second   # 1*second in the script
T_AFTER = 0.6*second    # simtime - 1*second = 9 s in the script


def simulate(s):
    start_scope()
    seed(s)
    t0 = time.time()
    NE = 8000          # Number of excitatory cells
    NI = NE/4          # Number of inhibitory cells
    tau_ampa = 5.0*ms   # Glutamatergic synaptic time constant
    tau_gaba = 10.0*ms  # GABAergic synaptic time constant
    epsilon = 0.02      # Sparseness of synaptic connections
    tau_stdp = 20*ms    # STDP time constant
    gl = 10.0*nsiemens   # Leak conductance
    el = -60*mV          # Resting potential
    er = -80*mV          # Inhibitory reversal potential
    vt = -50.*mV         # Spiking threshold
    memc = 200.0*pfarad  # Membrane capacitance
    bgcurrent = 200*pA   # External current
    eqs_neurons='''
    dv/dt=(-gl*(v-el)-(g_ampa*v+g_gaba*(v-er))+bgcurrent)/memc : volt (unless refractory)
    dg_ampa/dt = -g_ampa/tau_ampa : siemens
    dg_gaba/dt = -g_gaba/tau_gaba : siemens
    '''
    neurons = NeuronGroup(NE+NI, model=eqs_neurons, threshold='v > vt',
                          reset='v=el', refractory=5*ms, method='euler')
    Pe = neurons[:NE]
    Pi = neurons[NE:]
    con_e = Synapses(Pe, neurons, on_pre='g_ampa += 0.3*nS')
    con_e.connect(p=epsilon)
    con_ii = Synapses(Pi, Pi, on_pre='g_gaba += 3*nS')
    con_ii.connect(p=epsilon)
    eqs_stdp_inhib = '''
    w : 1
    dApre/dt=-Apre/tau_stdp : 1 (event-driven)
    dApost/dt=-Apost/tau_stdp : 1 (event-driven)
    '''
    alpha = 3*Hz*tau_stdp*2  # Target rate parameter
    gmax = 100               # Maximum inhibitory weight
    con_ie = Synapses(Pi, Pe, model=eqs_stdp_inhib,
                      on_pre='''Apre += 1.
                             w = clip(w+(Apost-alpha)*eta, 0, gmax)
                             g_gaba += w*nS''',
                      on_post='''Apost += 1.
                              w = clip(w+Apre*eta, 0, gmax)
                           ''')
    con_ie.connect(p=epsilon)
    con_ie.w = 1e-10
    sm = SpikeMonitor(Pe)
    t1 = time.time()
    eta = 0          # Learning rate
    run(T_BEFORE)
    eta = 1e-2          # Learning rate
    run(T_AFTER)
    t2 = time.time()
    t = sm.t_[:]

    def rate(a, b):
        return float(((t >= a - 1e-9) & (t < b - 1e-9)).sum() / 8000 / (b - a))

    w = con_ie.w[:]
    return dict(rate_before=rate(0.05, 0.1), rate_mid=rate(0.3, 0.4), rate_after=rate(0.6, 0.7),
                w_mean=float(w.mean()), w_sd=float(w.std()), n_e=float(len(con_e)), n_ii=float(len(con_ii)),
                n_ie=float(len(con_ie))), t1 - t0, t2 - t1


seeds = list(range(1, n_seeds + 1))
runs, build_s, run_s = [], [], []
for s in seeds:
    r, b, t = simulate(s)
    runs.append(r)
    build_s.append(b)
    run_s.append(t)
    print(s, r, 'build %.1f s, run %.1f s' % (b, t), flush=True)
save('vogels_et_al_2011.json', dict(seeds=seeds, t_before_s=float(T_BEFORE), t_after_s=float(T_AFTER),
     stats={k: tolerance([r[k] for r in runs]) for k in runs[0]}, build_s=build_s, run_s=run_s),
     f'Vogels_et_al_2011 (0.1 s + 0.6 s): statistics over {len(seeds)} Brian2 seeds ({target} target; mean, sd '
     'with ddof=1, n, lo..hi = mean ± 4 sd for one run)')

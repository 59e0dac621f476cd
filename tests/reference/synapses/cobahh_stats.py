"""Brian2 example COBAHH.py (Brette et al. 2007, benchmark 3), plotting and the StateMonitor removed:
4000 Hodgkin-Huxley neurons with exponential conductances, Pe = P[:3200], Pi = P[3200:],
Ce = Synapses(Pe, P, on_pre='ge+=we') and Ci = Synapses(Pi, P, on_pre='gi+=wi'), each connect(p=0.02);
threshold 'v>-20*mV', refractory 3 ms (no reset), method 'exponential_euler', dt = 0.1 ms. As in the
example, the synapses are connected BEFORE the initial values are drawn (this fixes the order in which
the random numbers are used). Stochastic (connectivity and initial v, ge, gi): statistics over several
seeds (brian2.seed(s) before the network is built).

Per seed (the same statistics as cuba_stats.py):
  rate_hz            all spikes / N / duration
  rate_exc_hz        spikes of neurons 0..3199 / 3200 / duration; rate_inh_hz likewise for 3200..3999
  cv                 mean over neurons with >= 3 spikes of SD(ISI)/mean(ISI) (SD with ddof=0)
  n_cv_neurons       how many neurons had >= 3 spikes
  spikes_first_100ms spikes with t < 100 ms (steps 0..999)
  n_spikes           all spikes
  Ce, Ci             n_synapses; in-degree mean/SD (ddof=0) over all 4000 targets (zeros included),
                     min/max; out-degree mean/SD (ddof=0) over the source subgroup (3200 or 800)
Summary: mean, std (ddof=1), min, max over seeds of every number.

usage: python cobahh_stats.py [--seeds K] [--target numpy|cython] [--duration S]"""
import argparse
import time

from brian2 import *
from common import save, isi_cv, degree_stats, summarize_rows

ap = argparse.ArgumentParser()
ap.add_argument('--seeds', type=int, default=10)
ap.add_argument('--first-seed', type=int, default=1)
ap.add_argument('--target', default='numpy')
ap.add_argument('--duration', type=float, default=1.0)
args = ap.parse_args()
prefs.codegen.target = args.target

N = 4000
EQS = '''
dv/dt = (gl*(El-v)+ge*(Ee-v)+gi*(Ei-v)-
         g_na*(m*m*m)*h*(v-ENa)-
         g_kd*(n*n*n*n)*(v-EK))/Cm : volt
dm/dt = alpha_m*(1-m)-beta_m*m : 1
dn/dt = alpha_n*(1-n)-beta_n*n : 1
dh/dt = alpha_h*(1-h)-beta_h*h : 1
dge/dt = -ge*(1./taue) : siemens
dgi/dt = -gi*(1./taui) : siemens
alpha_m = 0.32*(mV**-1)*4*mV/exprel((13*mV-v+VT)/(4*mV))/ms : Hz
beta_m = 0.28*(mV**-1)*5*mV/exprel((v-VT-40*mV)/(5*mV))/ms : Hz
alpha_h = 0.128*exp((17*mV-v+VT)/(18*mV))/ms : Hz
beta_h = 4./(1+exp((40*mV-v+VT)/(5*mV)))/ms : Hz
alpha_n = 0.032*(mV**-1)*5*mV/exprel((15*mV-v+VT)/(5*mV))/ms : Hz
beta_n = .5*exp((10*mV-v+VT)/(40*mV))/ms : Hz
'''
PARAMS = dict(
    N='4000', dt='0.1*ms', duration=f'{args.duration}*second',
    area='20000*umetre**2', Cm='(1*ufarad*cm**-2) * area', gl='(5e-5*siemens*cm**-2) * area',
    El='-60*mV', EK='-90*mV', ENa='50*mV',
    g_na='(100*msiemens*cm**-2) * area', g_kd='(30*msiemens*cm**-2) * area', VT='-63*mV',
    taue='5*ms', taui='10*ms', Ee='0*mV', Ei='-80*mV', we='6*nS', wi='67*nS',
    eqs=EQS.strip(), threshold='v>-20*mV', reset='none', refractory='3*ms',
    method='exponential_euler',
    Ce="Synapses(P[:3200], P, on_pre='ge+=we'); Ce.connect(p=0.02)",
    Ci="Synapses(P[3200:], P, on_pre='gi+=wi'); Ci.connect(p=0.02)",
    init_order='Ce.connect, Ci.connect, then P.v, P.ge, P.gi (as in the example); m, n, h start at 0',
    init_v='El + (randn() * 5 - 5)*mV', init_ge='(randn() * 1.5 + 4) * 10.*nS',
    init_gi='(randn() * 12 + 20) * 10.*nS', init_m='0', init_n='0', init_h='0',
    synapse_delay='none (0 ms)',
    seeding='brian2.seed(s) right after start_scope(), before anything is built',
)


def simulate(s):
    start_scope()
    seed(s)
    defaultclock.dt = 0.1*ms
    area = 20000*umetre**2
    Cm = (1*ufarad*cm**-2) * area
    gl = (5e-5*siemens*cm**-2) * area
    El = -60*mV
    EK = -90*mV
    ENa = 50*mV
    g_na = (100*msiemens*cm**-2) * area
    g_kd = (30*msiemens*cm**-2) * area
    VT = -63*mV
    taue = 5*ms
    taui = 10*ms
    Ee = 0*mV
    Ei = -80*mV
    we = 6*nS
    wi = 67*nS
    P = NeuronGroup(N, model=Equations(EQS), threshold='v>-20*mV', refractory=3*ms,
                    method='exponential_euler')
    Pe = P[:3200]
    Pi = P[3200:]
    Ce = Synapses(Pe, P, on_pre='ge+=we')
    Ci = Synapses(Pi, P, on_pre='gi+=wi')
    Ce.connect(p=0.02)
    Ci.connect(p=0.02)
    P.v = 'El + (randn() * 5 - 5)*mV'
    P.ge = '(randn() * 1.5 + 4) * 10.*nS'
    P.gi = '(randn() * 12 + 20) * 10.*nS'
    s_mon = SpikeMonitor(P)
    t0 = time.time()
    run(args.duration * second)
    wall = time.time() - t0
    i, t = np.asarray(s_mon.i[:]), np.asarray(s_mon.t_[:])
    cv, ncv = isi_cv(i, t, N)
    row = dict(seed=s, rate_hz=len(i) / N / args.duration,
               rate_exc_hz=float((i < 3200).sum()) / 3200 / args.duration,
               rate_inh_hz=float((i >= 3200).sum()) / 800 / args.duration,
               cv=cv, n_cv_neurons=ncv,
               spikes_first_100ms=int((np.round(t / 1e-4) < 1000).sum()),
               n_spikes=int(len(i)),
               Ce=degree_stats(Ce, N, 3200), Ci=degree_stats(Ci, N, 800),
               wall_s=round(float(wall), 2))
    print(row, flush=True)
    return row


T0 = time.time()
seeds = list(range(args.first_seed, args.first_seed + args.seeds))
rows = [simulate(s) for s in seeds]
save('cobahh.json', dict(params=PARAMS, seeds=seeds, rows=rows, summary=summarize_rows(rows),
                         total_wall_s=round(time.time() - T0, 1), notes=__doc__),
     f'COBAHH (Brian2 example), {len(seeds)} seeds, {args.duration} s: firing rate, ISI CV, '
     'first-100-ms spikes, synapse counts and in-degrees')

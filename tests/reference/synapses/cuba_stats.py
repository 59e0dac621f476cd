"""Brian2 example CUBA.py (Brette et al. 2007, benchmark 2), plotting removed: 4000 LIF neurons with
exponential currents, Ce = Synapses(P, P, on_pre='ge += we') connected with 'i<3200' at p = 0.02 and
Ci = Synapses(P, P, on_pre='gi += wi') connected with 'i>=3200' at p = 0.02 (exactly as in the example; the
same distribution as connecting P[:3200] -> P and P[3200:] -> P at p = 0.02), v = 'Vr + rand()*(Vt - Vr)',
1 s, dt = 0.1 ms, method 'exact'. Stochastic (initial v and connectivity): statistics over several seeds
(brian2.seed(s) before the network is built).

Per seed:
  rate_hz            all spikes / N / duration
  rate_exc_hz        spikes of neurons 0..3199 / 3200 / duration; rate_inh_hz likewise for 3200..3999
  cv                 mean over neurons with >= 3 spikes of SD(ISI)/mean(ISI) (SD with ddof=0)
  n_cv_neurons       how many neurons had >= 3 spikes
  spikes_first_100ms spikes with t < 100 ms (steps 0..999)
  n_spikes           all spikes
  Ce, Ci             n_synapses; in-degree mean/SD (ddof=0) over all 4000 targets (zeros included),
                     min/max; out-degree mean/SD (ddof=0) over the 3200 (Ce: i < 3200) or 800 (Ci:
                     i >= 3200) neurons that can be sources
Summary: mean, std (ddof=1), min, max over seeds of every number.

usage: python cuba_stats.py [--seeds K] [--target numpy|cython] [--duration S]"""
import argparse
import time

from brian2 import *
from common import save, isi_cv, degree_stats, summarize_rows

ap = argparse.ArgumentParser()
ap.add_argument('--seeds', type=int, default=20)
ap.add_argument('--first-seed', type=int, default=1)
ap.add_argument('--target', default='numpy')
ap.add_argument('--duration', type=float, default=1.0)
args = ap.parse_args()
prefs.codegen.target = args.target

N = 4000
PARAMS = dict(
    N='4000', dt='0.1*ms', duration=f'{args.duration}*second',
    taum='20*ms', taue='5*ms', taui='10*ms', Vt='-50*mV', Vr='-60*mV', El='-49*mV',
    we='(60*0.27/10)*mV', wi='(-20*4.5/10)*mV',
    eqs='dv/dt  = (ge+gi-(v-El))/taum : volt (unless refractory)\n'
        'dge/dt = -ge/taue : volt\ndgi/dt = -gi/taui : volt',
    threshold='v>Vt', reset='v = Vr', refractory='5*ms', method='exact',
    init_v='Vr + rand() * (Vt - Vr)', init_ge='0*mV', init_gi='0*mV',
    Ce="Synapses(P, P, on_pre='ge += we'); Ce.connect('i<3200', p=0.02)",
    Ci="Synapses(P, P, on_pre='gi += wi'); Ci.connect('i>=3200', p=0.02)",
    synapse_delay='none (0 ms: delivered in the same step, synapses slot before groups resets)',
    seeding='brian2.seed(s) right after start_scope(), before anything is built',
)


def simulate(s):
    start_scope()
    seed(s)
    defaultclock.dt = 0.1*ms
    taum = 20*ms
    taue = 5*ms
    taui = 10*ms
    Vt = -50*mV
    Vr = -60*mV
    El = -49*mV
    eqs = '''
    dv/dt  = (ge+gi-(v-El))/taum : volt (unless refractory)
    dge/dt = -ge/taue : volt
    dgi/dt = -gi/taui : volt
    '''
    P = NeuronGroup(N, eqs, threshold='v>Vt', reset='v = Vr', refractory=5*ms, method='exact')
    P.v = 'Vr + rand() * (Vt - Vr)'
    P.ge = 0*mV
    P.gi = 0*mV
    we = (60*0.27/10)*mV
    wi = (-20*4.5/10)*mV
    Ce = Synapses(P, P, on_pre='ge += we')
    Ci = Synapses(P, P, on_pre='gi += wi')
    Ce.connect('i<3200', p=0.02)
    Ci.connect('i>=3200', p=0.02)
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
               Ce=degree_stats(Ce, N, N, slice(0, 3200)), Ci=degree_stats(Ci, N, N, slice(3200, N)),
               wall_s=round(float(wall), 2))
    print(row, flush=True)
    return row


T0 = time.time()
seeds = list(range(args.first_seed, args.first_seed + args.seeds))
rows = [simulate(s) for s in seeds]
save('cuba.json', dict(params=PARAMS, seeds=seeds, rows=rows, summary=summarize_rows(rows),
                       total_wall_s=round(time.time() - T0, 1), notes=__doc__),
     f'CUBA (Brian2 example), {len(seeds)} seeds: firing rate, ISI CV, first-100-ms spikes, '
     'synapse counts and in-degrees')

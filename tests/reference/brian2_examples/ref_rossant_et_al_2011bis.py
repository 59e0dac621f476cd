"""Brian2 example frompapers/Rossant_et_al_2011bis.py, plotting removed: two LIF neurons (exact), each with
4000 E and 1000 I independent Poisson inputs (PoissonInput), the second with 15 of its E inputs made
synchronous at 40 Hz events, 1 s. Stochastic: statistics over 20 seeds (mean, SD with ddof=1):
  count.k      spikes of neuron k (0: independent inputs, 1: with synchronous events)
  v_mean.k     mean of the recorded v (SM, every step, mV)
  v_sd.k       its SD (ddof=0, mV)"""
import time
from brian2 import *
from common import save, tolerance
prefs.codegen.target = 'numpy'


def simulate(s):
    start_scope()
    seed(s)
    theta = -55*mV
    El = -65*mV
    vmean = -65*mV
    taum = 5*ms
    taue = 3*ms
    taui = 10*ms
    eqs = Equations("""
                    dv/dt  = (ge+gi-(v-El))/taum : volt
                    dge/dt = -ge/taue : volt
                    dgi/dt = -gi/taui : volt
                    """)
    p = 15
    ne = 4000
    ni = 1000
    lambdac = 40*Hz
    lambdae = lambdai = 1*Hz
    we = .5*mV/(taum/taue)**(taum/(taue-taum))
    wi = (vmean-El-lambdae*ne*we*taue)/(lambdae*ni*taui)
    group = NeuronGroup(N=2, model=eqs, reset='v = El',
                        threshold='v>theta',
                        refractory=5*ms, method='exact')
    group.v = El
    group.ge = group.gi = 0
    p1 = PoissonInput(group[0:1], 'ge', N=ne, rate=lambdae, weight=we)
    p2 = PoissonInput(group[0:1], 'gi', N=ni, rate=lambdai, weight=wi)
    p3 = PoissonInput(group[1:], 'ge', N=ne, rate=lambdae-(p*1.0/ne)*lambdac, weight=we)
    p4 = PoissonInput(group[1:], 'gi', N=ni, rate=lambdai, weight=wi)
    p5 = PoissonInput(group[1:], 'ge', N=1, rate=lambdac, weight=p*we)
    M = SpikeMonitor(group)
    SM = StateMonitor(group, 'v', record=True)
    run(1*second)
    out = {}
    for k in range(2):
        out[f'count.{k}'] = float(M.count[k])
        out[f'v_mean.{k}'] = float(SM.v_[k].mean() / 1e-3)
        out[f'v_sd.{k}'] = float(SM.v_[k].std() / 1e-3)
    return out


start = time.time()
seeds = list(range(1, 21))
runs = [simulate(s) for s in seeds]
wall = (time.time() - start) / len(seeds)
save('rossant_et_al_2011bis.json', dict(seeds=seeds, stats={k: tolerance([r[k] for r in runs]) for k in runs[0]},
     wall_s_per_seed=wall),
     'Rossant_et_al_2011bis: statistics over 20 Brian2 seeds (mean, sd with ddof=1, n, lo..hi = mean ± 4 sd for '
     'one run) of both neurons\' spike counts and membrane potential')

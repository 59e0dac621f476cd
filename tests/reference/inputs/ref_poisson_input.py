"""PoissonInput statistics over seeds; numpy target, dt = 0.1 ms, 1000 neurons, 300 ms.

Each configuration drives `dv/dt = -v/tau : volt` (tau = 10 ms, exact) with one PoissonInput; v is
recorded every 1 ms for every neuron. Per seed (`rows`):

* `mean_mv`: the population mean of v (mV), averaged over the recordings at t >= 100 ms;
* `sd_mv`: the population SD of v (mV, ddof = 0), averaged over the same recordings;
* `step_mean`, `step_var`: mean and variance (ddof = 0) over neurons and steps of the increment that the
  input adds in one step, as a multiple of the weight (`(v[k+1] - v[k]*exp(-dt/tau)) / weight` with v
  recorded every step for the first 100 neurons the input reaches, over the first 200 steps): the
  binomial's mean N*p and variance N*p*(1-p) (or the normal approximation's);
* `rate_hz` (config `spiking` only): spikes / neurons / duration.

Configurations:

* `inversion`: N = 200 inputs at 20 Hz, weight 0.5 mV: p = 0.002, N*p = 0.4 -> exact binomial.
* `normal`: N = 10000 inputs at 10 Hz, weight 0.05 mV: N*p = 10 > 5 -> normal approximation.
* `spiking`: as `inversion` with threshold v > 25 mV, reset v = 0 mV, refractory 5 ms and
  `(unless refractory)`: the input's writes are skipped while refractory.
* `subgroup`: as `inversion`, the input targets G[250:750] only; `mean_in_mv` / `mean_out_mv` are the
  time-averaged population means inside and outside the slice.
"""
import argparse
import time

import numpy as np
from brian2 import *
from common import save, summarize_rows

parser = argparse.ArgumentParser()
parser.add_argument('--seeds', type=int, default=8)
args = parser.parse_args()

prefs.codegen.target = 'numpy'
N_NEURONS = 1000
DURATION = 300*ms
tau = 10*ms

CONFIGS = {
    'inversion': dict(N=200, rate=20*Hz, weight=0.5*mV),
    'normal': dict(N=10000, rate=10*Hz, weight=0.05*mV),
    'spiking': dict(N=200, rate=20*Hz, weight=0.5*mV, spiking=True),
    'subgroup': dict(N=200, rate=20*Hz, weight=0.5*mV, subgroup=(250, 750)),
}


def run(cfg, s):
    start_scope()
    seed(s)
    defaultclock.dt = 0.1*ms
    if cfg.get('spiking'):
        G = NeuronGroup(N_NEURONS, 'dv/dt = -v/tau : volt (unless refractory)', threshold='v > 25*mV',
                        reset='v = 0*mV', refractory=5*ms, method='exact')
    else:
        G = NeuronGroup(N_NEURONS, 'dv/dt = -v/tau : volt', method='exact')
    target = G[cfg['subgroup'][0]:cfg['subgroup'][1]] if 'subgroup' in cfg else G
    P = PoissonInput(target, 'v', cfg['N'], cfg['rate'], weight=cfg['weight'])
    M = StateMonitor(G, 'v', record=True, dt=1*ms)
    first = cfg['subgroup'][0] if 'subgroup' in cfg else 0
    Mf = StateMonitor(G, 'v', record=range(first, first + 100))
    S = SpikeMonitor(G) if cfg.get('spiking') else None
    net = Network(G, P, M, Mf, *([S] if S is not None else []))
    t0 = time.time()
    net.run(DURATION)
    wall = time.time() - t0
    v = np.asarray(M.v) / mV  # neurons x times
    late = np.asarray(M.t_) >= 0.1
    row = dict(seed=s, wall_s=wall,
               mean_mv=float(v[:, late].mean(axis=0).mean()),
               sd_mv=float(v[:, late].std(axis=0).mean()))
    if 'subgroup' in cfg:
        a, b = cfg['subgroup']
        inside = np.zeros(N_NEURONS, bool)
        inside[a:b] = True
        row['mean_in_mv'] = float(v[inside][:, late].mean())
        row['mean_out_mv'] = float(v[~inside][:, late].mean())
    if cfg.get('spiking'):
        row['rate_hz'] = float(S.num_spikes / N_NEURONS / float(DURATION))
    else:
        vf = np.asarray(Mf.v)[:, :201] / volt
        decay = np.exp(-float(defaultclock.dt / tau))
        inc = (vf[:, 1:] - vf[:, :-1] * decay) / float(cfg['weight'])
        row['step_mean'] = float(inc.mean())
        row['step_var'] = float(inc.var())
    return row


out = {}
total = time.time()
for name, cfg in CONFIGS.items():
    rows = [run(cfg, s) for s in range(1, args.seeds + 1)]
    out[name] = dict(params=dict(N=cfg['N'], rate=str(cfg['rate']), weight=str(cfg['weight']),
                                 rate_hz=float(cfg['rate'] / Hz), weight_volt=float(cfg['weight'] / volt),
                                 spiking=cfg.get('spiking', False) is True,
                                 subgroup=list(cfg['subgroup']) if 'subgroup' in cfg else None),
                     rows=rows, summary=summarize_rows(rows))
    print(name, {k: round(v['mean'], 4) for k, v in out[name]['summary'].items()})
save('poisson_input.json',
     dict(n_neurons=N_NEURONS, duration_ms=float(DURATION / ms), tau_ms=10.0, dt_ms=0.1,
          seeds=args.seeds, configs=out, total_wall_s=time.time() - total, notes=__doc__),
     'PoissonInput driving dv/dt = -v/tau: mean and SD of v, per-step increments, firing rate; over seeds')

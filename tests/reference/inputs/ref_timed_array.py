"""TimedArray lookups and dynamics driven by a TimedArray; numpy target (the values at every recorded
step are exact table entries, so they compare exactly).

Lookup cases (`lookups`): one group per case, subexpressions `a`, `b`, ... calling the timed array at
shifted times, recorded by a StateMonitor at every step (t = k*dt_group, k = 0..steps-1). Each case
gives the TimedArray's dt and values (SI), the group's dt and N, the subexpressions as written, and the
recorded values (one row per subexpression, neuron-major: row[neuron][step]).

* aligned:    TA dt = group dt = 0.1 ms (K = 16); before 0, at exact multiples, half steps, past the end.
* coarse:     TA dt = 1 ms over group dt 0.1 ms (K = 128); row changes exactly at multiples of 1 ms.
* fine:       TA dt = 0.01 ms under group dt 0.1 ms (K = 1: plain rounding, ties to even at +0.005 ms).
* nonaligned: TA dt = 0.03 ms (K = 4), not a divisor of the group's dt.
* dt015:      TA dt = 0.15 ms (K = 16), a non-integer multiple of the group's dt.
* twod:       2-D TA (5 steps x 3 columns, volt), dt = 0.2 ms; `ta2(t, i % 3)`, `ta2(t - 0.3*ms, 2 - i % 3)`.
* coarse_group: group dt 1 ms over a TA with dt 0.1 ms (K = 1).

Dynamics (`dynamics`): `dv/dt = (R*I_in(t) - v)/tau : volt` for 20 ms, v recorded every step:
* exact_local: I_in has dt = 1 ms, a multiple of the group's 0.1 ms, so it is constant over a step and
  Brian2 integrates with `exact` (method given explicitly, and the default choice gives the same).
* default_nonlocal: I_in has dt = 0.15 ms: not constant over a step, so `exact` refuses and the default
  choice falls to `euler`.
* stochastic: `dv/dt = -v/tau + sigma*noise_amp(t)*xi/sqrt(tau)` with `noise_amp` (dt = 1 ms) constant
  over a step: Brian2 accepts `euler` (additive noise only) for it; `accepted` records that it did.
"""
import numpy as np
from brian2 import *
from common import save

prefs.codegen.target = 'numpy'


def lookup(name, ta_values, ta_dt, group_dt, n, exprs, duration, unit='1'):
    ta = TimedArray(ta_values, dt=ta_dt)
    lines = [f'{k} = {e} : {unit}' for k, e in exprs.items()]
    G = NeuronGroup(n, '\n'.join(lines), dt=group_dt, namespace={'ta': ta})
    M = StateMonitor(G, list(exprs), record=True, dt=group_dt)
    net = Network(G, M)
    net.run(duration)
    vals = np.asarray(ta_values)
    return dict(ta_dt=float(ta_dt), group_dt=float(group_dt), n=n,
                values=np.asarray(vals, dtype=float).tolist(),
                exprs=exprs, unit=unit, steps=int(len(M.t)),
                recorded={k: np.asarray(getattr(M, k)).tolist() for k in exprs})


lookups = {}
lookups['aligned'] = lookup(
    'aligned', [1, 2, 3, 4, 5]*mV, 0.1*ms, 0.1*ms, 1,
    dict(a='ta(t)', b='ta(t - 0.25*ms)', c='ta(t + 0.05*ms)', d='ta(t + 10*ms)',
         x='ta(t - 0.1*ms)', f='ta(t + 0.1*ms)', g='ta(t - 1*second)'),
    1*ms, unit='volt')
lookups['coarse'] = lookup(
    'coarse', np.arange(10.0)*nA, 1*ms, 0.1*ms, 1,
    dict(a='ta(t)', b='ta(t - 0.05*ms)', c='ta(t + 0.05*ms)', d='ta(t - 0.1*ms)'),
    12*ms, unit='amp')
lookups['fine'] = lookup(
    'fine', np.arange(250.0), 0.01*ms, 0.1*ms, 1,
    dict(a='ta(t)', b='ta(t + 0.005*ms)', c='ta(t + 0.015*ms)', d='ta(t - 0.005*ms)'),
    2*ms)
lookups['nonaligned'] = lookup(
    'nonaligned', np.arange(70.0), 0.03*ms, 0.1*ms, 1,
    dict(a='ta(t)', b='ta(t + 0.01*ms)', c='ta(t + 0.015*ms)'),
    2*ms)
lookups['dt015'] = lookup(
    'dt015', np.arange(15.0), 0.15*ms, 0.1*ms, 1,
    dict(a='ta(t)', b='ta(t + 0.05*ms)'),
    2.5*ms)
lookups['twod'] = lookup(
    'twod', np.arange(15.0).reshape(5, 3)*volt, 0.2*ms, 0.1*ms, 6,
    dict(a='ta(t, i % 3)', b='ta(t - 0.3*ms, 2 - i % 3)'),
    1.5*ms, unit='volt')
lookups['coarse_group'] = lookup(
    'coarse_group', np.arange(300.0), 0.1*ms, 1*ms, 1,
    dict(a='ta(t)', b='ta(t + 0.05*ms)', c='ta(t + 0.5*ms)'),
    25*ms)


def dynamics(ta_dt, method, values, extra=''):
    I_in = TimedArray(values*nA, dt=ta_dt)
    tau = 10*ms
    R = 20*Mohm
    kw = {} if method is None else dict(method=method)
    G = NeuronGroup(1, 'dv/dt = (R*I_in(t) - v)/tau : volt', **kw)
    M = StateMonitor(G, 'v', record=True)
    net = Network(G, M)
    net.run(20*ms)
    return dict(ta_dt=float(ta_dt), method=method, values_nA=list(map(float, values)),
                tau=float(tau), R=float(R), v=np.asarray(M.v[0]).tolist())


rng = np.random.RandomState(7)
dyn = {}
dyn['exact_local'] = dynamics(1*ms, 'exact', np.round(rng.uniform(0, 2, 20), 3))
dyn['exact_local_default'] = dynamics(1*ms, None, dyn['exact_local']['values_nA'])
dyn['default_nonlocal'] = dynamics(0.15*ms, None, np.round(rng.uniform(0, 2, 140), 3))
dyn['euler_nonlocal'] = dynamics(0.15*ms, 'euler', dyn['default_nonlocal']['values_nA'])

noise_amp = TimedArray([1.0, 0.5, 2.0], dt=1*ms)
tau = 10*ms
sigma = 1*mV
G = NeuronGroup(1, 'dv/dt = -v/tau + sigma*noise_amp(t)*xi/sqrt(tau) : volt', method='euler')
net = Network(G)
net.run(1*ms)
dyn['stochastic'] = dict(accepted=True, model='dv/dt = -v/tau + sigma*noise_amp(t)*xi/sqrt(tau) : volt',
                         method='euler')
try:
    noise_fast = TimedArray([1.0, 0.5, 2.0], dt=0.05*ms)
    G = NeuronGroup(1, 'dv/dt = -v/tau + sigma*noise_fast(t)*xi/sqrt(tau) : volt', method='euler')
    Network(G).run(1*ms)
    dyn['stochastic_nonlocal'] = dict(accepted=True)
except Exception as e:  # multiplicative noise: euler refuses
    dyn['stochastic_nonlocal'] = dict(accepted=False, error=type(e).__name__)

save('timed_array.json', dict(lookups=lookups, dynamics=dyn, notes=__doc__),
     'TimedArray lookups at shifted times, 1-D and 2-D, several dt ratios; dynamics driven by TimedArrays')

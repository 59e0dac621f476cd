"""STDP with event-driven traces (the synapse model of Brian2's examples/synapses/STDP.py), driven by
fixed spike trains so that the result is fully deterministic. dt = 0.1 ms, numpy target, 200 ms
(2000 steps).

Parameters (the example's ratios and scaling): taupre = taupost = 20 ms, wmax = 0.01,
Apre = 0.01 * wmax = 1e-4, Apost = -Apre * taupre / taupost * 1.05 = -1.05e-4.
Synapse model:
    w : 1
    dapre/dt = -apre/taupre : 1 (event-driven)
    dapost/dt = -apost/taupost : 1 (event-driven)
Pre spikes: SpikeGeneratorGroup(20): each neuron has 10 distinct spike steps drawn with
np.random.RandomState(1) from steps 1..1989 (times = step * 0.1 ms, stored below); connect(j='0'):
synapse k has i = k, j = 0. w initial = wmax * (k + 1) / 21 for synapse k. No delays.
Post spike steps: 12 steps drawn from the same RandomState after the pre steps, plus 3 steps forced to
coincide with pre spikes (pre neuron 0's 3rd spike, neuron 5's 5th, neuron 12's 8th).

Cases:
  open_loop    post = SpikeGeneratorGroup(1) spiking at the post steps. Fully deterministic: on_pre =
               'apre += Apre; w = clip(w + apost, 0, wmax)' (no 'v += w': a generator has no v),
               on_post = 'apost += Apost; w = clip(w + apre, 0, wmax)'.
  teacher      post = NeuronGroup(1, 'v : 1', threshold='v > 1', reset='v = 0'), on_pre exactly
               'v += w; apre += Apre; w = clip(w + apost, 0, wmax)' (v is v_post), on_post as above. The
               post neuron is made to spike by a teacher SpikeGeneratorGroup(1) at the post steps through
               Synapses(teacher, post, on_pre='v_post += 2'): a teacher spike at step n is delivered in
               the synapses slot of step n, after the thresholds slot, so the post neuron crosses at step
               n + 1 (its recorded post spikes are the post steps + 1; the inputs, at most 20 * 0.01 per
               20 ms, never reach 1 on their own). Deterministic as long as the inputs stay far below
               threshold, which they do (max v from inputs recorded below).

Stored per case: final w, apre, apost and lastupdate per synapse as Brian2 stores them (the
event-driven traces are only brought up to date at the synapse's last pre/post event, i.e. at
lastupdate), the traces decayed to the end of the run (t = 200 ms) by exp(-(T - lastupdate)/tau),
w at t = 100 ms (the run is split in two 100 ms runs), the post spike steps, and (teacher) v final.
python_check: an independent event loop in plain numpy implementing Brian2's semantics as understood
(at each step: first all pre spikes of that step, then all post spikes -- the pre pathway has order -1,
the post pathway order +1 in the 'synapses' slot; on each event, traces decay exactly from lastupdate to
t = step * dt, then the statements run in order); max_abs_diff to Brian2 is stored."""
import builtins

from brian2 import *
from common import save, steps

prefs.codegen.target = 'numpy'
DT = 0.1*ms
N_PRE = 20
N_STEPS = 2000
taupre = taupost = 20*ms
wmax = 0.01
Apre = 0.01 * wmax
Apost = -Apre * (taupre / taupost) * 1.05

rs = np.random.RandomState(1)
pre_steps = [np.sort(rs.choice(np.arange(1, 1990), 10, replace=False)) for _ in range(N_PRE)]
post_steps = set(rs.choice(np.arange(1, 1990), 12, replace=False).tolist())
post_steps |= {int(pre_steps[0][2]), int(pre_steps[5][4]), int(pre_steps[12][7])}
post_steps = np.array(sorted(post_steps))
gen_i = np.concatenate([[k] * 10 for k in range(N_PRE)])
gen_steps = np.concatenate(pre_steps)
w0 = wmax * (np.arange(N_PRE) + 1) / 21.0
EQS = '''w : 1
dapre/dt = -apre/taupre : 1 (event-driven)
dapost/dt = -apost/taupost : 1 (event-driven)'''
ON_POST = 'apost += Apost; w = clip(w + apre, 0, wmax)'


def simulate(case):
    start_scope()
    defaultclock.dt = DT
    pre = SpikeGeneratorGroup(N_PRE, gen_i, gen_steps * DT)
    objs = []
    if case == 'open_loop':
        post = SpikeGeneratorGroup(1, np.zeros(len(post_steps), dtype=int), post_steps * DT)
        on_pre = 'apre += Apre; w = clip(w + apost, 0, wmax)'
    else:
        post = NeuronGroup(1, 'v : 1', threshold='v > 1', reset='v = 0')
        teacher = SpikeGeneratorGroup(1, np.zeros(len(post_steps), dtype=int), post_steps * DT)
        T = Synapses(teacher, post, on_pre='v_post += 2')
        T.connect(i=0, j=0)
        objs += [teacher, T]
        on_pre = 'v += w; apre += Apre; w = clip(w + apost, 0, wmax)'
    S = Synapses(pre, post, EQS, on_pre=on_pre, on_post=ON_POST)
    S.connect(j='0')
    S.w = w0
    post_mon = SpikeMonitor(post)
    net = Network(pre, post, S, post_mon, *objs)
    vmax_inputs = None
    if case == 'teacher':
        vm = StateMonitor(post, 'v', record=0, when='end')
        net.add(vm)
    net.run(100*ms)
    w_mid = [float(x) for x in S.w[:]]
    net.run(100*ms)
    T_end = float(N_STEPS * DT)
    lu = np.asarray(S.lastupdate[:], dtype=float)
    apre = np.asarray(S.apre[:], dtype=float)
    apost = np.asarray(S.apost[:], dtype=float)
    out = dict(syn_i=[int(x) for x in S.i[:]], syn_j=[int(x) for x in S.j[:]],
               on_pre=on_pre, on_post=ON_POST,
               w_final=[float(x) for x in S.w[:]], w_at_100ms=w_mid,
               apre_stored=apre.tolist(), apost_stored=apost.tolist(),
               lastupdate_step=steps(lu, DT),
               apre_at_end=(apre * np.exp(-(T_end - lu) / float(taupre))).tolist(),
               apost_at_end=(apost * np.exp(-(T_end - lu) / float(taupost))).tolist(),
               post_spike_step=steps(post_mon.t[:], DT))
    if case == 'teacher':
        v = np.asarray(vm.v[0], dtype=float)
        out['v_final'] = float(post.v[0])
        out['v_max_between_teacher_spikes'] = float(v[v < 1].max())
    return out


def python_check(post_spike_steps, with_v):
    """Independent event loop (see the docstring); returns w, apre, apost, lastupdate (steps), v."""
    dt = float(DT)
    tp, tq = float(taupre), float(taupost)
    w = w0.copy()
    apre = np.zeros(N_PRE)
    apost = np.zeros(N_PRE)
    lu = np.zeros(N_PRE)
    v = 0.0
    post_set = set(int(s) for s in post_spike_steps) if post_spike_steps is not None else set()
    by_step = {}
    for k, s in zip(gen_i, gen_steps):
        by_step.setdefault(int(s), []).append(int(k))
    teacher = set(int(s) for s in post_steps)
    for n in range(N_STEPS):
        t = n * dt
        if with_v and v > 1:         # thresholds + resets of the post neuron at step n
            pass                     # (handled below: the reset comes after the synapses slot)
        fired = with_v and v > 1
        for k in by_step.get(n, []):  # pre pathway (order -1)
            apre[k] *= np.exp(-(t - lu[k]) / tp)
            apost[k] *= np.exp(-(t - lu[k]) / tq)
            lu[k] = t
            if with_v:
                v += w[k]
            apre[k] += Apre
            w[k] = np.clip(w[k] + apost[k], 0, wmax)
        if with_v and n in teacher:   # teacher synapses (its own Synapses object, order 0)
            v += 2
        if (fired if with_v else n in post_set):  # post pathway (order +1)
            for k in range(N_PRE):
                apre[k] *= np.exp(-(t - lu[k]) / tp)
                apost[k] *= np.exp(-(t - lu[k]) / tq)
                lu[k] = t
                apost[k] += Apost
                w[k] = np.clip(w[k] + apre[k], 0, wmax)
        if fired:                    # resets slot
            v = 0.0
    return w, apre, apost, lu, v


def main():
    cases = {}
    for case in ('open_loop', 'teacher'):
        r = simulate(case)
        w, apre, apost, lu, v = python_check(post_steps if case == 'open_loop' else None,
                                             case == 'teacher')
        diff = np.max([np.abs(w - r['w_final']).max(), np.abs(apre - r['apre_stored']).max(),
                   np.abs(apost - r["apost_stored"]).max()])
        r['python_check'] = dict(max_abs_diff_w_apre_apost=float(diff),
                                 lastupdate_equal=builtins.bool(np.all(np.round(lu / float(DT)).astype(int)
                                                              == r['lastupdate_step'])))
        if case == 'teacher':
            r['python_check']['v_final'] = float(v)
        cases[case] = r
        print(case, 'post spikes', r['post_spike_step'], 'w final', np.round(r['w_final'], 6),
              'check', r['python_check'])
    save('stdp.json', dict(dt_ms=0.1, duration_ms=200.0, n_steps=N_STEPS,
                           params=dict(taupre='20*ms', taupost='20*ms', wmax=wmax, Apre=Apre, Apost=Apost,
                                       Apre_expr='0.01*wmax', Apost_expr='-Apre*taupre/taupost*1.05',
                                       model=EQS, w_init='wmax*(k+1)/21 for synapse k (k = i)',
                                       connect="connect(j='0')", rng='np.random.RandomState(1)'),
                           w_init=w0.tolist(),
                           pre_spikes=dict(i=[int(x) for x in gen_i], step=[int(x) for x in gen_steps]),
                           post_steps=[int(x) for x in post_steps], cases=cases, notes=__doc__),
         'STDP with event-driven traces on fixed spike trains: final weights and traces per synapse')


main()

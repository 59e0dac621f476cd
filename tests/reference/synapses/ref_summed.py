"""(summed) synaptic variables. dt = 0.1 ms, numpy target.

main: source NeuronGroup(5, 'v : 1'), v = i; target NeuronGroup(2, 'I : 1');
      Synapses(source, target, 'w : 1\\nI_post = w*v_pre : 1 (summed)'),
      connect(i=[0, 1, 2, 3, 4], j=[0, 0, 1, 1, 1]), w = [0.5, 1, 2, 3, 4]; run 1 step (0.1 ms).
      I recorded by StateMonitor(when='end') and read after the run: expected [0*0.5 + 1*1,
      2*2 + 3*3 + 4*4] = [1, 29].
unconnected_target: as main, but the target has 3 neurons and target 2 (no synapses) starts at I = 7:
      Brian2's summed-variable template zeroes every target neuron before summing, so it reads 0.
timing: source 'dv/dt = 1/ms : 1' (method 'euler'), v = i at t = 0, same synapses and weights as main,
      run 5 steps; v of the sources and I of the targets recorded at when='end'. The summed-variable
      updater runs in the 'groups' slot with order = target.order - 1 (here -1), i.e. BEFORE the state
      updaters of both groups, so I recorded at step n = sum w * v_pre as it was at the START of step n
      (v_pre = i + 0.1*n), while v_pre recorded at step n is already i + 0.1*(n + 1). Brian2 gives
      I = [1, 1.15, 1.3, 1.45, 1.6] and [29, 29.9, 30.8, 31.7, 32.6]: one step behind the recorded v."""
from brian2 import *
from common import save, steps

prefs.codegen.target = 'numpy'
DT = 0.1*ms
I_ = [0, 1, 2, 3, 4]
J_ = [0, 0, 1, 1, 1]
W_ = [0.5, 1, 2, 3, 4]


def build(src_model, n_tgt, n_steps, method=None, init_I=None):
    start_scope()
    defaultclock.dt = DT
    src = NeuronGroup(5, src_model, method=method) if method else NeuronGroup(5, src_model)
    src.v = 'i'
    tgt = NeuronGroup(n_tgt, 'I : 1')
    if init_I is not None:
        tgt.I = init_I
    S = Synapses(src, tgt, 'w : 1\nI_post = w*v_pre : 1 (summed)')
    S.connect(i=I_, j=J_)
    S.w = W_
    mI = StateMonitor(tgt, 'I', record=True, when='end')
    mv = StateMonitor(src, 'v', record=True, when='end')
    run(n_steps * DT)
    return dict(n_steps=n_steps, monitor_step=steps(mI.t[:], DT),
                I=[[float(x) for x in row] for row in np.asarray(mI.I[:])],
                v_pre=[[float(x) for x in row] for row in np.asarray(mv.v[:])],
                I_final=[float(x) for x in tgt.I[:]], v_pre_final=[float(x) for x in src.v[:]])


cases = dict(
    main=build('v : 1', 2, 1),
    unconnected_target=build('v : 1', 3, 1, init_I=[0, 0, 7]),
    timing=build('dv/dt = 1/ms : 1', 2, 5, method='euler'),
)
for k, v in cases.items():
    print(k, 'I final', v['I_final'], 'I trace', v['I'])
save('summed.json', dict(dt_ms=0.1, syn_i=I_, syn_j=J_, w=W_, source_init_v='i',
                         summed_expr='I_post = w*v_pre : 1 (summed)', cases=cases, notes=__doc__),
     '(summed) variables: values of the summed target variable after 1 step, zeroing of unconnected '
     'targets, and the order of the summation relative to the state updaters')

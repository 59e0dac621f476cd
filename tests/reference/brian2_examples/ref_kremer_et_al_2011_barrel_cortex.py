"""Brian2 example frompapers/Kremer_et_al_2011_barrel_cortex.py, plotting removed: 25 barrels, layer 4
(12100 Poisson-like neurons driven by moving bars), layer 2/3 (15625 exc + 3600 inh adaptive-threshold IF
neurons), plastic feedforward synapses within barrels and Gaussian lateral connections, built at full size
(recurrent_exc's connect evaluates p over 15625 x 19225 = 300 million pairs), then run for 0.2 s instead of
5 s (as the model file). The numpy target is too slow for this network: the cython target is used (the
same results in distribution). Stochastic: statistics over the seeds listed (mean, SD with ddof=1):
  n_ff, n_rexc, n_rinh   synapse counts of feedforward, recurrent_exc, recurrent_inh
  w_mean, w_sd           mean and SD (ddof=0) over the feedforward synapses of w/EPSC after the run
                         (all start at 0.5)
  sel_strength           mean over the excitatory layer-2/3 cells with feedforward synapses of
                         |sum w exp(1j*selectivity_pre)| / sum w over the cell's synapses (how strongly its
                         inputs favour one direction; the script's selectivity_exc is the angle)
  vt_exc, vt_inh         mean final threshold vt (mV) of the excitatory and inhibitory layer-2/3 cells
  ge_exc                 mean final ge (mV) of the excitatory cells
`build_s` and `run_s` per seed hold Brian2's times (connect and run)."""
import sys
import time
from brian2 import *
from common import save, tolerance

target = 'numpy' if '--numpy' in sys.argv else 'cython'
prefs.codegen.target = target
DURATION = 0.2*second   # 5*second in the script
n_seeds = int(sys.argv[sys.argv.index('--seeds') + 1]) if '--seeds' in sys.argv else 10


def simulate(s):
    start_scope()
    seed(s)
    t1 = time.time()
    M4, M23exc, M23inh = 22, 25, 12  # size of each barrel (in neurons)
    N4, N23exc, N23inh = M4**2, M23exc**2, M23inh**2  # neurons per barrel
    barrelarraysize = 5  # Choose 3 or 4 if memory error
    Nbarrels = barrelarraysize**2
    stim_change_time = 5*ms
    Fmax = .5/stim_change_time # maximum firing rate in layer 4 (.5 spike / stimulation)
    taum, taue, taui = 10*ms, 2*ms, 25*ms
    El = -70*mV
    Vt, vt_inc, tauvt = -55*mV, 2*mV, 50*ms  # adaptive threshold
    taup, taud = 5*ms, 25*ms
    Ap, Ad= .05, -.04
    EPSP, IPSP = 1*mV, -1*mV
    EPSC = EPSP * (taue/taum)**(taum/(taue-taum))
    IPSC = IPSP * (taui/taum)**(taum/(taui-taum))
    Ap, Ad = Ap*EPSC, Ad*EPSC
    eqs_layer4 = '''
    rate = int(is_active)*clip(cos(direction - selectivity), 0, inf)*Fmax: Hz
    is_active = abs((barrel_x + 0.5 - bar_x) * cos(direction) + (barrel_y + 0.5 - bar_y) * sin(direction)) < 0.5: boolean
    barrel_x : integer # The x index of the barrel
    barrel_y : integer # The y index of the barrel
    selectivity : 1
    # Stimulus parameters (same for all neurons)
    bar_x = cos(direction)*(t - stim_start_time)/(5*ms) + stim_start_x : 1 (shared)
    bar_y = sin(direction)*(t - stim_start_time)/(5*ms) + stim_start_y : 1 (shared)
    direction : 1 (shared) # direction of the current stimulus
    stim_start_time : second (shared) # start time of the current stimulus
    stim_start_x : 1 (shared) # start position of the stimulus
    stim_start_y : 1 (shared) # start position of the stimulus
    '''
    layer4 = NeuronGroup(N4*Nbarrels, eqs_layer4, threshold='rand() < rate*dt',
                         method='euler', name='layer4')
    layer4.barrel_x = '(i // N4) % barrelarraysize + 0.5'
    layer4.barrel_y = 'i // (barrelarraysize*N4) + 0.5'
    layer4.selectivity = '(i%N4)/(1.0*N4)*2*pi'  # for each barrel, selectivity between 0 and 2*pi
    stimradius = (11+1)*.5
    runner_code = '''
    direction = rand()*2*pi
    stim_start_x = barrelarraysize / 2.0 - cos(direction)*stimradius
    stim_start_y = barrelarraysize / 2.0 - sin(direction)*stimradius
    stim_start_time = t
    '''
    layer4.run_regularly(runner_code, dt=60*ms, when='start')
    eqs_layer23 = '''
    dv/dt=(ge+gi+El-v)/taum : volt
    dge/dt=-ge/taue : volt
    dgi/dt=-gi/taui : volt
    dvt/dt=(Vt-vt)/tauvt : volt # adaptation
    barrel_idx : integer
    x : 1  # in "barrel width" units
    y : 1  # in "barrel width" units
    '''
    layer23 = NeuronGroup(Nbarrels*(N23exc+N23inh), eqs_layer23,
                          threshold='v>vt', reset='v = El; vt += vt_inc',
                          refractory=2*ms, method='euler', name='layer23')
    layer23.v = El
    layer23.vt = Vt
    layer23exc = layer23[:Nbarrels*N23exc]
    layer23inh = layer23[Nbarrels*N23exc:]
    layer23exc.x = '(i % (barrelarraysize*M23exc)) * (1.0/M23exc)'
    layer23exc.y = '(i // (barrelarraysize*M23exc)) * (1.0/M23exc)'
    layer23exc.barrel_idx = 'floor(x) + floor(y)*barrelarraysize'
    layer23inh.x = 'i % (barrelarraysize*M23inh) * (1.0/M23inh)'
    layer23inh.y = 'i // (barrelarraysize*M23inh) * (1.0/M23inh)'
    layer23inh.barrel_idx = 'floor(x) + floor(y)*barrelarraysize'
    feedforward = Synapses(layer4, layer23exc,
                           model='''w:volt
                                    dA_source/dt = -A_source/taup : volt (event-driven)
                                    dA_target/dt = -A_target/taud : volt (event-driven)''',
                           on_pre='''ge+=w
                                  A_source += Ap
                                  w = clip(w+A_target, 0*volt, EPSC)''',
                           on_post='''
                                  A_target += Ad
                                  w = clip(w+A_source, 0*volt, EPSC)''',
                           name='feedforward')
    feedforward.connect('(barrel_x_pre + barrelarraysize*barrel_y_pre) == barrel_idx_post',
                        p=0.5)
    feedforward.w = EPSC*.5
    recurrent_exc = Synapses(layer23exc, layer23, model='w:volt', on_pre='ge+=w',
                             name='recurrent_exc')
    recurrent_exc.connect(p='.15*exp(-.5*(((x_pre-x_post)/.4)**2+((y_pre-y_post)/.4)**2))')
    recurrent_exc.w['j<Nbarrels*N23exc'] = EPSC*.3 # excitatory->excitatory
    recurrent_exc.w['j>=Nbarrels*N23exc'] = EPSC # excitatory->inhibitory
    recurrent_inh = Synapses(layer23inh, layer23exc, on_pre='gi+=IPSC',
                             name='recurrent_inh')
    recurrent_inh.connect(p='exp(-.5*(((x_pre-x_post)/.2)**2+((y_pre-y_post)/.2)**2))')
    t2 = time.time()
    run(DURATION)
    t3 = time.time()
    w = feedforward.w_[:] / float(EPSC)
    j = feedforward.j[:]
    sel = feedforward.selectivity_pre[:]
    n = len(layer23exc)
    sw = np.bincount(j, weights=w, minlength=n)
    re = np.bincount(j, weights=w * np.cos(sel), minlength=n)
    im = np.bincount(j, weights=w * np.sin(sel), minlength=n)
    has = sw > 0
    vt = layer23.vt_[:] / 1e-3
    out = dict(n_ff=float(len(feedforward)), n_rexc=float(len(recurrent_exc)), n_rinh=float(len(recurrent_inh)),
               w_mean=float(w.mean()), w_sd=float(w.std()),
               sel_strength=float((np.hypot(re[has], im[has]) / sw[has]).mean()),
               vt_exc=float(vt[:15625].mean()), vt_inh=float(vt[15625:].mean()),
               ge_exc=float(layer23.ge_[:15625].mean() / 1e-3))
    return out, t2 - t1, t3 - t2


seeds = list(range(1, n_seeds + 1))
runs, build_s, run_s = [], [], []
for s in seeds:
    r, b, t = simulate(s)
    runs.append(r)
    build_s.append(b)
    run_s.append(t)
    print(s, r, 'build %.1f s, run %.1f s' % (b, t), flush=True)
save('kremer_et_al_2011_barrel_cortex.json', dict(seeds=seeds, duration_s=float(DURATION),
     stats={k: tolerance([r[k] for r in runs]) for k in runs[0]}, build_s=build_s, run_s=run_s),
     f'Kremer_et_al_2011_barrel_cortex: full-size build, {float(DURATION)} s run ({target} target); statistics '
     f'over {len(seeds)} Brian2 seeds (mean, sd with ddof=1, n, lo..hi = mean ± 4 sd for one run)')

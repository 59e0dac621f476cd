"""Brian2 example frompapers/Sturzl_et_al_2000.py, plotting removed: 8 noisy leg receptors (euler) driven by
the wave through a TimedArray with per-leg delays, exciting their command neuron and inhibiting the 3
opposite ones, 500 ms. The wave (random phases drawn with numpy's rand() by the script) is drawn once, with
numpy seed 1, and written to examples/brian2/sturzl_et_al_2000_wave.npy, which the model file reads; every seed
here uses it. Stochastic: statistics over 20 seeds (mean, SD with ddof=1):
  count.k        spikes of command neuron k
  legs_total     spikes of all 8 receptors
  phi_est_deg    the script's estimate of the angle, imag(log(sum(nspikes * exp(gamma * 1j)))) in degrees
                 (the true angle is 144)"""
import os
import time
from brian2 import *
from common import save, tolerance
prefs.codegen.target = 'numpy'

wave_file = os.path.join(os.path.dirname(os.path.abspath(__file__)), '../../../examples/brian2/'
                         'sturzl_et_al_2000_wave.npy')

# Wave (vector w), as the script draws it, with numpy seed 1
np.random.seed(1)
duration = 500*ms
time_ = arange(int(duration / defaultclock.dt) + 1) * defaultclock.dt
Dtot = 0.
w = 0.
for f in arange(150, 451)*Hz:
    D = exp(-(f/Hz - 300) ** 2 / (2 * (50 ** 2)))
    rand_angle = 2 * pi * rand()
    w += 100 * D * cos(2 * pi * f * time_ + rand_angle)
    Dtot += D
w = .01 * w / Dtot
np.save(wave_file, np.asarray(w, dtype=float))
wave = np.load(wave_file)


def simulate(s):
    start_scope()
    seed(s)
    degree = 2 * pi / 360.
    duration = 500*ms
    R = 2.5*cm  # radius of scorpion
    vr = 50*meter/second  # Rayleigh wave speed
    phi = 144*degree  # angle of prey
    A = 250*Hz
    deltaI = .7*ms  # inhibitory delay
    gamma = (22.5 + 45 * arange(8)) * degree  # leg angle
    delay = R / vr * (1 - cos(phi - gamma))   # wave delay
    rates = TimedArray(wave, dt=defaultclock.dt)
    tau_legs = 1 * ms
    sigma = .01
    eqs_legs = """
    dv/dt = (1 + rates(t - d) - v)/tau_legs + sigma*(2./tau_legs)**.5*xi:1
    d : second
    """
    legs = NeuronGroup(8, model=eqs_legs, threshold='v > 1', reset='v = 0',
                       refractory=1*ms, method='euler')
    legs.d = delay
    spikes_legs = SpikeMonitor(legs)
    tau = 1 * ms
    taus = 1.001 * ms
    wex = 7
    winh = -2
    eqs_neuron = '''
    dv/dt = (x - v)/tau : 1
    dx/dt = (y - x)/taus : 1 # alpha currents
    dy/dt = -y/taus : 1
    '''
    neurons = NeuronGroup(8, model=eqs_neuron, threshold='v>1', reset='v=0',
                          method='exact')
    synapses_ex = Synapses(legs, neurons, on_pre='y+=wex')
    synapses_ex.connect(j='i')
    synapses_inh = Synapses(legs, neurons, on_pre='y+=winh', delay=deltaI)
    synapses_inh.connect('abs(((j - i) % N_post) - N_post/2) <= 1')
    spikes = SpikeMonitor(neurons)
    run(duration)
    nspikes = spikes.count[:]
    phi_est = imag(log(sum(nspikes * exp(gamma * 1j))))
    out = {f'count.{k}': float(nspikes[k]) for k in range(8)}
    out['legs_total'] = float(spikes_legs.num_spikes)
    out['phi_est_deg'] = float(phi_est / degree)
    return out, (list(synapses_inh.i[:]), list(synapses_inh.j[:]))


start = time.time()
seeds = list(range(1, 21))
out = [simulate(s) for s in seeds]
runs = [r for r, _ in out]
wall = (time.time() - start) / len(seeds)
save('sturzl_et_al_2000.json', dict(seeds=seeds, inh_i=out[0][1][0], inh_j=out[0][1][1],
     stats={k: tolerance([r[k] for r in runs]) for k in runs[0]}, wall_s_per_seed=wall),
     'Sturzl_et_al_2000: the inhibitory synapses (i, j), and statistics over 20 Brian2 seeds (mean, sd with '
     'ddof=1, n, lo..hi = mean ± 4 sd for one run) of the spike counts and the estimated angle')

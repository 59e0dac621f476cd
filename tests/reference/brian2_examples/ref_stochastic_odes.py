"""Brian2 example advanced/stochastic_odes.py, reduced to what can be compared without numpy's random stream:
geometric Brownian motion dX/dt = (mu - sigma**2/2) X + sigma X xi integrated with 'milstein' and 'heun' at
dt = 1 ms and 0.5 ms (the source's two largest dts), 10000 independent paths per method and dt (the source
simulates one path and compares it with the exact solution for the same Wiener process), 1 s, all four
groups in one network as in examples/brian2/stochastic_odes.toml.
The exact solution (Stratonovich) is X(T) = X0 exp((mu - sigma**2/2) T + sigma W(T)): log X(T) is normal with
mean (mu - sigma**2/2) T = 0.495 and SD sigma sqrt(T) = 0.1. Statistics over 20 seeds, per group:
  <group>.mean_log, <group>.sd_log   mean and SD (ddof=0) over paths of log X(T)
  <group>.mean, <group>.sd           mean and SD (ddof=0) over paths of X(T)"""
from brian2 import *
from common import save, tolerance
prefs.codegen.target = 'numpy'

X0 = 1
mu = 0.5/second  # drift
sigma = 0.1/second  # diffusion
runtime = 1*second
n_paths = 10000
groups = [('G_milstein_1ms', 'milstein', 1*ms), ('G_milstein_500us', 'milstein', 0.5*ms),
          ('G_heun_1ms', 'heun', 1*ms), ('G_heun_500us', 'heun', 0.5*ms)]


def simulate(s):
    start_scope()
    seed(s)
    out = {}
    gs = []
    for name, method, dt in groups:
        G = NeuronGroup(n_paths, 'dX/dt = (mu - 0.5*second*sigma**2)*X + X*sigma*xi*second**.5: 1',
                        dt=dt, method=method, name=name)
        G.X = X0
        gs.append(G)
    net = Network(*gs)
    net.run(runtime)
    for (name, _, _), G in zip(groups, gs):
        x = G.X[:]
        out[f'{name}.mean_log'] = float(np.log(x).mean())
        out[f'{name}.sd_log'] = float(np.log(x).std())
        out[f'{name}.mean'] = float(x.mean())
        out[f'{name}.sd'] = float(x.std())
    return out


seeds = list(range(1, 21))
runs = [simulate(s) for s in seeds]
save('stochastic_odes.json', dict(seeds=seeds, n_paths=n_paths,
     exact=dict(mean_log=float((mu - 0.5 * second * sigma**2) * runtime), sd_log=float(sigma * sqrt(second * runtime))),
     stats={k: tolerance([r[k] for r in runs]) for k in runs[0]}),
     'stochastic_odes: statistics of X(1 s) over 10000 paths per group, over 20 Brian2 seeds (mean, sd with '
     'ddof=1, n, lo..hi = mean ± 4 sd for one run)')

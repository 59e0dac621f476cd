#!/usr/bin/env python3
"""Brian2 and Ganglion side by side, in one invocation.

Runs the same models in Brian2 (numpy, cython and cpp_standalone targets) and in Ganglion, and prints for
each model and size the ratios Brian2 / Ganglion of the run time and of the whole-process time, and the
spike-count agreement (Ganglion spikes / Brian2 spikes).

Models:
  lif     Brian2's LIF benchmark (bench.py `lif`): dv/dt = (I - v)/tau, I = 2*i/(N-1), threshold v > 1,
          reset v = 0, refractory 5 ms, exact; N = 1000, 10000, 100000.
  hh      the Hodgkin-Huxley neuron of Brian2's IF_curve_Hodgkin_Huxley example (no synapses): I = 0.7 nA *
          i / N, exponential Euler, threshold and refractory v > -40 mV; N = 100, 1000, 10000.
  cuba    Brian2's CUBA and COBAHH networks (bench.py: 80 synapses per neuron); Ganglion runs the same
  cobahh  networks from model files written here.

All runs simulate 1 s (--duration) at dt = 0.1 ms, on one thread unless --threads says otherwise.

Timing, as in ../shared/bench/brian2/bench.py:
  run()    Brian2 runtime targets: time around net.run(duration) after a net.run(0*ms) warm-up;
           cpp_standalone: the simulation loop inside the binary (device._last_run_time).
           Ganglion: the "simulated ... in X s" time of `ganglion run` minus that of a zero-length run of
           the same file (which compiles the fused kernel), i.e. the loop without compilation.
  process  wall time of the whole process, measured here (Python start and imports, code generation,
           compilation, the run, writing outputs).

Brian2 comes from the Python given by --python, else $BRIAN2_PYTHON, else `python3`; without a Python that
imports brian2 the script says so and runs Ganglion alone. Set-up of Brian2 (any machine with Python 3 and
a C++ compiler):

    python3 -m venv .venv-brian2 && .venv-brian2/bin/pip install brian2 "numpy<2.4"

Ganglion is `target/release/ganglion` (build it with `cargo build --release -p ganglion-cli`) or --ganglion.

Threads (--threads N): Ganglion runs with --threads N and cpp_standalone with N OpenMP threads
(prefs.devices.cpp_standalone.openmp_threads; bench.py is run with that preference set); numpy and cython
run on one thread whatever N is.

Before and after (--baseline BIN): a second ganglion binary runs in the same invocation, its repetitions
alternating with the first's and Brian2's, so that both see the same machine.

Usage:
    python3 benches/brian2_side_by_side.py [--python PY] [--ganglion BIN] [--baseline BIN]
        [--bench lif,hh,cuba,cobahh] [--targets numpy,cython,cpp_standalone] [--lif-n 1000,10000,100000]
        [--hh-n 100,1000,10000] [--duration 1.0] [--reps 1] [--threads 1] [--json OUT.json]

At the end, a summary table (Markdown) gives every simulator's ns per neuron-step and the ratios of
Brian2's run() to each Ganglion binary's.

The machines this project runs on are shared and noisy: compare only ratios measured in the same run.
"""
import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DEFAULT_SCRIPTS = os.path.normpath(os.path.join(ROOT, "..", "shared", "bench", "brian2"))
TARGETS = ["numpy", "cython", "cpp_standalone"]

# ---------------------------------------------------------------------------------------------------
# Ganglion model files
# ---------------------------------------------------------------------------------------------------

LIF_TOML = """\
# bench.py's `lif`, written by benches/brian2_side_by_side.py
[run]
duration = "{duration}*second"
dt = "0.1*ms"
seed = 12345

[namespace]
tau = "10*ms"

[groups.G]
N = {n}
model = \"\"\"
dv/dt = (I - v)/tau : 1 (unless refractory)
I : 1 (constant)
\"\"\"
method = "exact"
threshold = "v>1"
reset = "v=0"
refractory = "5*ms"

[groups.G.init]
I = "2.0*i/(N-1)"

# Spikes are counted (as Brian2's SpikeMonitor(record=False)) through the population rate.
[monitors.rate]
kind = "rate"
source = "G"
"""

HH_TOML = """\
# Brian2's IF_curve_Hodgkin_Huxley neuron, written by benches/brian2_side_by_side.py
[run]
duration = "{duration}*second"
dt = "0.1*ms"
seed = 12345

[namespace]
Cm = "1*ufarad*cm**-2 * (20000*umetre**2)"
gl = "5e-5*siemens*cm**-2 * (20000*umetre**2)"
El = "-65*mV"
EK = "-90*mV"
ENa = "50*mV"
g_na = "100*msiemens*cm**-2 * (20000*umetre**2)"
g_kd = "30*msiemens*cm**-2 * (20000*umetre**2)"
VT = "-63*mV"

[groups.G]
N = {n}
model = \"\"\"
dv/dt = (gl*(El-v) - g_na*(m*m*m)*h*(v-ENa) - g_kd*(n*n*n*n)*(v-EK) + I)/Cm : volt
dm/dt = 0.32*(mV**-1)*4*mV/exprel((13.*mV-v+VT)/(4*mV))/ms*(1-m)-0.28*(mV**-1)*5*mV/exprel((v-VT-40.*mV)/(5*mV))/ms*m : 1
dn/dt = 0.032*(mV**-1)*5*mV/exprel((15.*mV-v+VT)/(5*mV))/ms*(1.-n)-.5*exp((10.*mV-v+VT)/(40.*mV))/ms*n : 1
dh/dt = 0.128*exp((17.*mV-v+VT)/(18.*mV))/ms*(1.-h)-4./(1+exp((40.*mV-v+VT)/(5.*mV)))/ms*h : 1
I : amp
\"\"\"
method = "exponential_euler"
threshold = "v > -40*mV"
refractory = "v > -40*mV"

[groups.G.init]
v = "El"
I = "0.7*nA * i / N"

[monitors.rate]
kind = "rate"
source = "G"
"""

CUBA_TOML = """\
# bench.py's `cuba`, written by benches/brian2_side_by_side.py: 80 synapses per neuron (p = 80/N). The
# excitatory and inhibitory synapses come from the slices P[:Ne] and P[Ne:] (bench.py connects P to P with
# the conditions i<Ne and i>=Ne: the same distribution, without testing N^2 pairs).
[run]
duration = "{duration}*second"
dt = "0.1*ms"
seed = 12345

[namespace]
taum = "20*ms"
taue = "5*ms"
taui = "10*ms"
Vt = "-50*mV"
Vr = "-60*mV"
El = "-49*mV"
we = "(60*0.27/10)*mV"
wi = "(-20*4.5/10)*mV"

[groups.P]
N = {n}
model = \"\"\"
dv/dt  = (ge+gi-(v-El))/taum : volt (unless refractory)
dge/dt = -ge/taue : volt
dgi/dt = -gi/taui : volt
\"\"\"
method = "exact"
threshold = "v>Vt"
reset = "v = Vr"
refractory = "5*ms"

[groups.P.init]
v = "Vr + rand() * (Vt - Vr)"

[synapses.Ce]
source = "P[:{ne}]"
target = "P"
on_pre = "ge += we"

[[synapses.Ce.connect]]
p = {p}

[synapses.Ci]
source = "P[{ne}:]"
target = "P"
on_pre = "gi += wi"

[[synapses.Ci.connect]]
p = {p}

[monitors.rate]
kind = "rate"
source = "P"
"""

COBAHH_TOML = """\
# bench.py's `cobahh`, written by benches/brian2_side_by_side.py: 80 synapses per neuron (p = 80/N).
[run]
duration = "{duration}*second"
dt = "0.1*ms"
seed = 12345

[namespace]
area = "20000*umetre**2"
Cm = "(1*ufarad*cm**-2) * area"
gl = "(5e-5*siemens*cm**-2) * area"
El = "-60*mV"
EK = "-90*mV"
ENa = "50*mV"
g_na = "(100*msiemens*cm**-2) * area"
g_kd = "(30*msiemens*cm**-2) * area"
VT = "-63*mV"
taue = "5*ms"
taui = "10*ms"
Ee = "0*mV"
Ei = "-80*mV"
we = "6*nS"
wi = "67*nS"

[groups.P]
N = {n}
model = \"\"\"
dv/dt = (gl*(El-v)+ge*(Ee-v)+gi*(Ei-v)-g_na*(m*m*m)*h*(v-ENa)-g_kd*(n*n*n*n)*(v-EK))/Cm : volt
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
\"\"\"
method = "exponential_euler"
threshold = "v>-20*mV"
refractory = "3*ms"

[groups.P.init]
v = "El + (randn() * 5 - 5)*mV"
ge = "(randn() * 1.5 + 4) * 10.*nS"
gi = "(randn() * 12 + 20) * 10.*nS"

[synapses.Ce]
source = "P[:{ne}]"
target = "P"
on_pre = "ge += we"

[[synapses.Ce.connect]]
p = {p}

[synapses.Ci]
source = "P[{ne}:]"
target = "P"
on_pre = "gi += wi"

[[synapses.Ci.connect]]
p = {p}

[monitors.rate]
kind = "rate"
source = "P"
"""

GANGLION_MODELS = {"lif": LIF_TOML, "hh": HH_TOML, "cuba": CUBA_TOML, "cobahh": COBAHH_TOML}

# ---------------------------------------------------------------------------------------------------
# The Brian2 side of models bench.py does not have (and of `lif` when bench.py is not at hand). Run as
# `PY brian2_side_by_side.py --brian2-runner BENCH TARGET N DURATION_S` with Brian2's Python; prints one
# JSON line with the fields bench.py prints.
# ---------------------------------------------------------------------------------------------------


def brian2_runner(bench, target, n, dur_s, threads=1):
    t_start = time.time()
    import numpy as np
    import brian2
    from brian2 import (NeuronGroup, SpikeMonitor, Network, defaultclock, prefs, set_device, seed,
                        device, ms, mV, nA, second, umetre, ufarad, cm, siemens, msiemens)

    tmpdir = None
    if target == "cpp_standalone":
        tmpdir = tempfile.mkdtemp(prefix="b2sa_")
        set_device("cpp_standalone", directory=tmpdir)
        prefs.devices.cpp_standalone.openmp_threads = threads
    else:
        prefs.codegen.target = target
    seed(12345)
    defaultclock.dt = 0.1 * ms
    duration = dur_s * second
    if bench == "lif":
        tau = 10 * ms
        G = NeuronGroup(n, """dv/dt = (I - v)/tau : 1 (unless refractory)
                              I : 1 (constant)""",
                        threshold="v>1", reset="v=0", refractory=5 * ms, method="exact",
                        namespace={"tau": tau})
        G.I = "2.0*i/(N-1)"
    elif bench == "hh":
        area = 20000 * umetre ** 2
        ns = dict(Cm=1 * ufarad * cm ** -2 * area, gl=5e-5 * siemens * cm ** -2 * area,
                  El=-65 * mV, EK=-90 * mV, ENa=50 * mV,
                  g_na=100 * msiemens * cm ** -2 * area, g_kd=30 * msiemens * cm ** -2 * area,
                  VT=-63 * mV)
        eqs = """
        dv/dt = (gl*(El-v) - g_na*(m*m*m)*h*(v-ENa) - g_kd*(n*n*n*n)*(v-EK) + I)/Cm : volt
        dm/dt = 0.32*(mV**-1)*4*mV/exprel((13.*mV-v+VT)/(4*mV))/ms*(1-m)-0.28*(mV**-1)*5*mV/exprel((v-VT-40.*mV)/(5*mV))/ms*m : 1
        dn/dt = 0.032*(mV**-1)*5*mV/exprel((15.*mV-v+VT)/(5*mV))/ms*(1.-n)-.5*exp((10.*mV-v+VT)/(40.*mV))/ms*n : 1
        dh/dt = 0.128*exp((17.*mV-v+VT)/(18.*mV))/ms*(1.-h)-4./(1+exp((40.*mV-v+VT)/(5.*mV)))/ms*h : 1
        I : amp
        """
        G = NeuronGroup(n, eqs, threshold="v > -40*mV", refractory="v > -40*mV",
                        method="exponential_euler", namespace=ns)
        G.v = ns["El"]
        G.I = "0.7*nA * i / N"
    else:
        raise ValueError(bench)
    mon = SpikeMonitor(G, record=False)
    net = Network(G, mon)
    out = dict(benchmark=bench, target=target, N=n, sim_time_s=dur_s, dt_ms=0.1,
               brian2=brian2.__version__, numpy=np.__version__, threads=threads)
    if target == "cpp_standalone":
        t = time.time()
        net.run(duration)
        out["run_call_s"] = time.time() - t
        out["run_s"] = float(device._last_run_time)
        out["compile_make_s"] = device.timers["compile"]["make"]
        out["run_s_source"] = "device._last_run_time"
    else:
        t = time.time()
        net.run(0 * ms)
        out["setup_s"] = time.time() - t
        t = time.time()
        net.run(duration)
        out["run_s"] = time.time() - t
        out["run_s_source"] = "time around net.run(duration) after net.run(0*ms) warm-up"
    out["n_spikes"] = int(mon.num_spikes)
    out["steps"] = int(round(dur_s / 1e-4))
    out["ns_per_neuron_step"] = out["run_s"] / (n * out["steps"]) * 1e9
    out["process_wall_s_inside"] = time.time() - t_start
    if tmpdir:
        shutil.rmtree(tmpdir, ignore_errors=True)
    print(json.dumps(out))


# ---------------------------------------------------------------------------------------------------
# The harness
# ---------------------------------------------------------------------------------------------------


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def find_brian2(arg):
    """The Python that imports brian2, with Brian2's and numpy's versions, or (None, why)."""
    candidates = [arg] if arg else ([os.environ["BRIAN2_PYTHON"]] if os.environ.get("BRIAN2_PYTHON")
                                    else ["python3"])
    reasons = []
    for py in candidates:
        try:
            p = subprocess.run([py, "-c", "import brian2, numpy; print(brian2.__version__, numpy.__version__)"],
                               capture_output=True, text=True, timeout=300)
        except (OSError, subprocess.TimeoutExpired) as e:
            reasons.append(f"{py}: {e}")
            continue
        if p.returncode == 0:
            b2, np_ = p.stdout.split()
            return py, dict(brian2=b2, numpy=np_)
        last = (p.stderr.strip().splitlines() or ["?"])[-1]
        reasons.append(f"{py}: {last}")
    return None, "; ".join(reasons)


def last_json_line(text):
    for line in reversed(text.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            return json.loads(line)
    raise ValueError("no JSON line in the output")


def run_brian2(py, scripts, bench, target, n, dur_s, timeout, threads=1):
    bench_py = os.path.join(scripts, "bench.py")
    if bench in ("lif", "cuba", "cobahh") and os.path.exists(bench_py):
        args = [bench, target, str(n), str(dur_s)]
        if threads == 1:
            cmd = [py, bench_py] + args
        else:
            # bench.py takes no thread count: set Brian2's preference, then run it as a script.
            cmd = [py, "-c", BENCH_PY_WITH_THREADS, str(threads), bench_py] + args
        source = "bench.py"
    elif bench in ("lif", "hh"):
        cmd = [py, os.path.abspath(__file__), "--brian2-runner", bench, target, str(n), str(dur_s),
               str(threads)]
        source = "brian2_side_by_side.py"
    else:
        return dict(error=f"{bench_py} not found (needed for `{bench}`)")
    t = time.time()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return dict(error=f"timed out after {timeout} s")
    wall = time.time() - t
    if p.returncode != 0:
        return dict(error=(p.stderr.strip().splitlines() or ["exit status %d" % p.returncode])[-1][-300:])
    try:
        r = last_json_line(p.stdout)
    except ValueError as e:
        return dict(error=str(e))
    r["process_wall_s"] = wall
    r["script"] = source
    return r


# Runs bench.py (argv[2:]) with cpp_standalone's OpenMP thread count set to argv[1].
BENCH_PY_WITH_THREADS = """
import runpy, sys
from brian2 import prefs
prefs.devices.cpp_standalone.openmp_threads = int(sys.argv[1])
sys.argv = sys.argv[2:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""

SIMULATED = re.compile(r"simulated ([0-9.eE+-]+) s in ([0-9.eE+-]+) s")


def ganglion_once(ganglion, model_file, out_dir, duration=None, threads=1):
    # One thread by default, as Brian2's single-threaded targets; --threads for cpp_standalone with OpenMP.
    cmd = [ganglion, "run", model_file, "--out", out_dir, "--quiet", "--threads", str(threads)]
    if duration is not None:
        cmd += ["--duration", duration]
    t = time.time()
    p = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.time() - t
    if p.returncode != 0:
        raise RuntimeError((p.stderr.strip().splitlines() or ["exit status %d" % p.returncode])[-1])
    m = SIMULATED.search(p.stderr)
    if not m:
        raise RuntimeError("no timing in ganglion's output: " + p.stderr.strip()[-200:])
    return float(m.group(2)), wall


def run_ganglion(ganglion, bench, n, dur_s, work, threads=1):
    model_file = os.path.join(work, f"{bench}_{n}.toml")
    with open(model_file, "w") as f:
        f.write(GANGLION_MODELS[bench].format(n=n, duration=dur_s, ne=int(0.8 * n), p=80.0 / n))
    out_dir = os.path.join(work, f"out_{bench}_{n}")
    try:
        setup_s, _ = ganglion_once(ganglion, model_file, out_dir + "_0", "0*ms", threads)
        loop_s, wall = ganglion_once(ganglion, model_file, out_dir, None, threads)
        with open(os.path.join(out_dir, "rate.json")) as f:
            rate = json.load(f)["rate"]
    except (RuntimeError, OSError, ValueError, KeyError) as e:
        return dict(error=str(e))
    # rate = spikes in the step / (N * dt)
    spikes = int(sum(round(r * n * 1e-4) for r in rate))
    steps = int(round(dur_s / 1e-4))
    run_s = max(loop_s - setup_s, 1e-9)
    return dict(run_s=run_s, run_loop_with_first_compile_s=loop_s, zero_run_s=setup_s,
                process_wall_s=wall, n_spikes=spikes, steps=steps,
                ns_per_neuron_step=run_s / (n * steps) * 1e9, model_file=os.path.basename(model_file))


def median_of(runs, key):
    vals = [r[key] for r in runs if key in r]
    return statistics.median(vals) if vals else None


def summarize(runs):
    """The medians of several runs of one simulator (the first run's other fields), with every run time."""
    good = [r for r in runs if "error" not in r]
    if not good:
        return runs[0]
    r = dict(good[0])
    for key in ("run_s", "process_wall_s", "ns_per_neuron_step"):
        if key in r:
            r[key] = median_of(good, key)
    r["reps"] = len(good)
    r["run_s_all"] = [g["run_s"] for g in good]
    return r


def fmt(x, spec):
    return "-" if x is None else format(x, spec)


def ratio(a, b):
    if a is None or b is None or b <= 0:
        return None
    return a / b


def print_block(bench, n, dur_s, threads, gs, b2):
    """`gs`: the Ganglion binaries' results, by label (the first is the one measured against Brian2)."""
    print(f"\n{bench}  N = {n}  ({dur_s:g} s at dt = 0.1 ms, {threads} thread{'s' if threads > 1 else ''})")
    print(f"  {'simulator':<24} {'run() s':>9} {'ns/n-step':>10} {'process s':>10} {'spikes':>9}"
          f"   {'B2/G run':>9} {'B2/G process':>12} {'G/B2 spikes':>11}")
    for label, g in gs.items():
        if g is None:
            print(f"  {label:<24} not supported yet by Ganglion (synapses)")
        elif "error" in g:
            print(f"  {label:<24} failed: {g['error']}")
        else:
            print(f"  {label:<24} {fmt(g['run_s'], '9.3f')} {fmt(g['ns_per_neuron_step'], '10.2f')} "
                  f"{fmt(g['process_wall_s'], '10.2f')} {g['n_spikes']:>9}")
    for target, r in b2.items():
        name = f"brian2 {target}"
        if "error" in r:
            print(f"  {name:<24} failed: {r['error']}")
            continue
        line = (f"  {name:<24} {fmt(r['run_s'], '9.3f')} {fmt(r['ns_per_neuron_step'], '10.2f')} "
                f"{fmt(r['process_wall_s'], '10.2f')} {r['n_spikes']:>9}")
        for k, (label, g) in enumerate(gs.items()):
            if g is None or "error" in g:
                continue
            rr = ratio(r["run_s"], g["run_s"])
            rp = ratio(r["process_wall_s"], g["process_wall_s"])
            rs = ratio(g["n_spikes"], r["n_spikes"]) if r["n_spikes"] else None
            cols = f"   {fmt(rr, '8.1f')}x {fmt(rp, '11.1f')}x {fmt(rs, '11.4f')}"
            if k == 0:
                line += cols
            else:
                line += f"\n  {'  vs ' + label:<24} {'':>9} {'':>10} {'':>10} {'':>9}{cols}"
        print(line)


def print_summary(results, threads):
    """One table: ns per neuron-step of every simulator, and Brian2 run() / Ganglion run() per column."""
    if not results:
        return
    cols = [f"{r['bench']} {r['N']}" for r in results]
    labels = list(results[0]["ganglion_runs"].keys())
    targets = list(results[0]["brian2"].keys())
    print(f"\nsummary ({threads} thread{'s' if threads > 1 else ''}; medians): ns per neuron-step, and "
          "Brian2 run() / Ganglion run() (above 1: Ganglion faster)")
    print("| | " + " | ".join(cols) + " |")
    print("|---|" + "---|" * len(cols))

    def ns(r):
        ok = r is not None and "error" not in r
        return fmt(r.get("ns_per_neuron_step") if ok else None, ".2f")

    for label in labels:
        print(f"| {label} ns | " + " | ".join(ns(r["ganglion_runs"][label]) for r in results) + " |")
    for t in targets:
        print(f"| brian2 {t} ns | " + " | ".join(ns(r["brian2"][t]) for r in results) + " |")
    for t in targets:
        for label in labels:
            vals = []
            for r in results:
                g, b = r["ganglion_runs"][label], r["brian2"][t]
                ok = g is not None and "error" not in g and "error" not in b
                vals.append(fmt(ratio(b["run_s"], g["run_s"]) if ok else None, ".2f") + "×")
            print(f"| {t} / {label} | " + " | ".join(vals) + " |")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--python", help="the Python with brian2 (default: $BRIAN2_PYTHON, else python3)")
    ap.add_argument("--ganglion", default=os.path.join(ROOT, "target", "release", "ganglion"),
                    help="the ganglion binary (default: target/release/ganglion)")
    ap.add_argument("--scripts", default=DEFAULT_SCRIPTS,
                    help="the folder with Brian2's bench.py (default: ../shared/bench/brian2)")
    ap.add_argument("--bench", default="lif,hh,cuba,cobahh")
    ap.add_argument("--targets", default=",".join(TARGETS))
    ap.add_argument("--lif-n", default="1000,10000,100000")
    ap.add_argument("--hh-n", default="100,1000,10000")
    ap.add_argument("--cuba-n", default="4000")
    ap.add_argument("--cobahh-n", default="4000")
    ap.add_argument("--duration", type=float, default=1.0, help="simulated seconds (default 1)")
    ap.add_argument("--reps", type=int, default=1, help="repetitions; medians are reported")
    ap.add_argument("--timeout", type=float, default=1800, help="seconds per Brian2 process")
    ap.add_argument("--json", help="also write every measurement to this file")
    ap.add_argument("--threads", type=int, default=1,
                    help="threads: Ganglion's --threads and cpp_standalone's OpenMP threads (default 1; "
                         "Brian2's runtime targets always run on one)")
    ap.add_argument("--baseline", help="a second ganglion binary, measured in the same runs (before/after)")
    ap.add_argument("--brian2-runner", nargs="+", metavar="ARG", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.brian2_runner:
        bench, target, n, dur = args.brian2_runner[:4]
        threads = int(args.brian2_runner[4]) if len(args.brian2_runner) > 4 else 1
        brian2_runner(bench, target, int(float(n)), float(dur), threads)
        return 0

    benches = [b for b in args.bench.split(",") if b]
    targets = [t for t in args.targets.split(",") if t]
    sizes = {b: [int(float(x)) for x in getattr(args, f"{b}_n").split(",") if x] for b in benches}
    unknown = [b for b in benches if b not in ("lif", "hh", "cuba", "cobahh")]
    if unknown:
        ap.error(f"unknown benchmark(s): {', '.join(unknown)}")

    started = time.time()
    print(f"machine: {cpu_name()}, {os.cpu_count()} cores, "
          f"{platform.system()} {platform.release()}; Python {platform.python_version()}")
    py, versions = find_brian2(args.python)
    if py is None:
        print(f"Brian2 is not available ({versions}): running Ganglion alone.")
        print("  (install it with: python3 -m venv .venv-brian2 && "
              ".venv-brian2/bin/pip install brian2 \"numpy<2.4\"; then pass --python .venv-brian2/bin/python)")
        targets = []
    else:
        print(f"Brian2 {versions['brian2']} (numpy {versions['numpy']}) from {py}; targets: {', '.join(targets)}")
    for label, binary in [("Ganglion", args.ganglion), ("baseline", args.baseline)]:
        if binary is None:
            continue
        if os.path.exists(binary):
            v = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.strip()
            print(f"{label}: {binary} ({v})")
        else:
            print(f"{label}: {binary} not found (build it with `cargo build --release -p ganglion-cli`)")
    if args.threads > 1:
        print(f"{args.threads} threads: Ganglion --threads {args.threads}, cpp_standalone with "
              f"{args.threads} OpenMP threads (numpy and cython run on one)")
    print("ratios: B2/G run = Brian2 run() / Ganglion run(); B2/G process = Brian2 process / Ganglion "
          "process; G/B2 spikes = Ganglion spikes / Brian2 spikes")

    results = []
    work = tempfile.mkdtemp(prefix="ganglion_side_by_side_")
    binaries = {"ganglion": args.ganglion}
    if args.baseline:
        binaries["ganglion (baseline)"] = args.baseline
    try:
        for bench in benches:
            for n in sizes[bench]:
                # Repetitions alternate between the simulators, so that a change of the machine's load
                # falls on all of them.
                runs = {label: [] for label in binaries}
                runs.update({t: [] for t in targets})
                for _ in range(args.reps):
                    for label, binary in binaries.items():
                        if os.path.exists(binary):
                            runs[label].append(run_ganglion(binary, bench, n, args.duration, work,
                                                            args.threads))
                        else:
                            runs[label].append(dict(error=f"{binary} was not found"))
                    for target in targets:
                        runs[target].append(run_brian2(py, args.scripts, bench, target, n, args.duration,
                                                       args.timeout, args.threads))
                gs = {label: summarize(runs[label]) for label in binaries}
                b2 = {target: summarize(runs[target]) for target in targets}
                print_block(bench, n, args.duration, args.threads, gs, b2)
                sys.stdout.flush()
                results.append(dict(bench=bench, N=n, duration_s=args.duration, threads=args.threads,
                                    ganglion=gs["ganglion"], ganglion_runs=gs, brian2=b2))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print_summary(results, args.threads)
    print(f"\ntotal wall time of this comparison: {time.time() - started:.0f} s")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(dict(machine=dict(processor=cpu_name(), cores=os.cpu_count(),
                                        system=platform.platform()),
                           brian2_python=py, brian2_versions=versions if py else None,
                           ganglion=args.ganglion, baseline=args.baseline, threads=args.threads,
                           results=results), f, indent=1)
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

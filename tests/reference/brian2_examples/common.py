"""Shared helpers of the reference scripts: compact JSON next to the calling script, with versions,
spike summaries in time steps, and statistics over several seeds."""
import json
import os
import platform
import sys

import numpy as np
import brian2


def _plain(x):
    """numpy scalars and arrays as plain Python values (for json.dumps)."""
    if isinstance(x, np.ndarray):
        return x.tolist()
    if isinstance(x, np.generic):
        return x.item()
    raise TypeError(f'not JSON serializable: {type(x)}')


def save(name, data, description):
    """Writes `name` next to the calling script: versions, a description, then `data`."""
    device = brian2.get_device()
    standalone = type(device).__name__ == 'CPPStandaloneDevice'
    out = dict(description=description, brian2_version=brian2.__version__,
               numpy_version=np.__version__, python=platform.python_version(),
               codegen_target='cpp_standalone' if standalone else str(brian2.prefs.codegen.target),
               script=os.path.basename(sys.argv[0]))
    out.update(data)
    path = os.path.join(os.path.dirname(os.path.abspath(sys.argv[0])), name)
    with open(path, 'w') as f:
        # One key per line, arrays on one line: small and diff-friendly.
        f.write('{\n')
        items = list(out.items())
        for k, (key, value) in enumerate(items):
            sep = ',' if k + 1 < len(items) else ''
            f.write(f' {json.dumps(key)}: {json.dumps(value, default=_plain)}{sep}\n')
        f.write('}\n')
    print('wrote', name, os.path.getsize(path), 'bytes')


def steps(t, dt):
    """Times (Quantity or seconds) as integer time steps."""
    return [int(x) for x in np.round(np.asarray(t) / float(dt))]


def spike_summary(i, t, n, dt, trains=()):
    """Per-neuron spike counts and sums of spike steps (one shifted spike changes a sum by 1), plus the
    full trains (in steps) of the neurons in `trains`."""
    i = np.asarray(i)
    s = np.asarray(steps(t, dt), dtype=np.int64)
    counts = np.bincount(i, minlength=n)
    sums = np.bincount(i, weights=s, minlength=n)
    return dict(n=int(n), total=int(len(i)), counts=[int(c) for c in counts],
                step_sums=[int(round(x)) for x in sums],
                trains={str(k): [int(x) for x in s[i == k]] for k in trains})


def spikes_all(i, t, dt):
    """Every spike as (neuron, step), sorted by step then neuron."""
    s = np.asarray(steps(t, dt))
    i = np.asarray(i)
    order = np.lexsort((i, s))
    return dict(i=[int(x) for x in i[order]], step=[int(x) for x in s[order]])


def tolerance(values, k=4.0):
    """Mean, SD (ddof=1) of a statistic over seeds, and the range mean ± k SD that one run should fall in.
    The tests run Ganglion with several seeds and accept the mean of K runs within
    mean ± k * SD * sqrt(1/K + 1/n_seeds)."""
    v = np.asarray(values, dtype=float)
    m, sd = float(v.mean()), float(v.std(ddof=1))
    return dict(mean=m, sd=sd, n=len(v), lo=m - k * sd, hi=m + k * sd, per_seed=[float(x) for x in v])


def isi_cv(i, t, n):
    """Mean over neurons (with at least 3 spikes) of the coefficient of variation of the ISIs."""
    i = np.asarray(i)
    t = np.asarray(t)
    cvs = []
    for k in range(n):
        isi = np.diff(np.sort(t[i == k]))
        if len(isi) >= 2:
            cvs.append(isi.std() / isi.mean())
    return float(np.mean(cvs)) if cvs else 0.0


def coincidence(i, t, n, window, t0=0.0):
    """Mean over spikes (at t >= t0) of the fraction of the other neurons that fire within ±window."""
    i = np.asarray(i)
    t = np.asarray(t)
    keep = t >= t0
    i, t = i[keep], t[keep]
    if len(t) == 0:
        return 0.0
    trains = [np.sort(t[i == k]) for k in range(n)]
    total = 0.0
    for k, tk in zip(i, t):
        c = 0
        for j in range(n):
            if j == k:
                continue
            tj = trains[j]
            a = np.searchsorted(tj, tk - window - 1e-12)
            b = np.searchsorted(tj, tk + window + 1e-12, side='right')
            c += b > a
        total += c / (n - 1)
    return float(total / len(t))


def mean_isi(i, t, n):
    """Mean of all interspike intervals, pooled over neurons."""
    i = np.asarray(i)
    t = np.asarray(t)
    isis = [np.diff(np.sort(t[i == k])) for k in range(n)]
    isis = np.concatenate(isis) if isis else np.array([])
    return float(isis.mean()) if len(isis) else 0.0

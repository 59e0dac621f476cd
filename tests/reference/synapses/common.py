"""Shared helpers of the Synapses reference scripts: compact JSON next to the calling script (with
versions), statistics of spike trains and connectivity, and summaries over seeds."""
import json
import os
import platform
import sys

import numpy as np
import brian2


def save(name, data, description):
    """Writes `name` next to the calling script: versions, a description, then `data` (one top-level
    key per line, values on one line: small and diff-friendly)."""
    out = dict(description=description, brian2_version=brian2.__version__,
               numpy_version=np.__version__, python=platform.python_version(),
               codegen_target=str(brian2.prefs.codegen.target),
               script=os.path.basename(sys.argv[0]))
    out.update(data)
    path = os.path.join(os.path.dirname(os.path.abspath(sys.argv[0])), name)
    with open(path, 'w') as f:
        f.write('{\n')
        items = list(out.items())
        for k, (key, value) in enumerate(items):
            sep = ',' if k + 1 < len(items) else ''
            f.write(f' {json.dumps(key)}: {json.dumps(value)}{sep}\n')
        f.write('}\n')
    print('wrote', name, os.path.getsize(path), 'bytes')


def steps(t, dt):
    """Times (Quantity or seconds) as integer time steps."""
    return [int(x) for x in np.round(np.asarray(t) / float(dt))]


def isi_cv(i, t, n):
    """Mean over neurons with >= 3 spikes of SD(ISI)/mean(ISI) (SD with ddof=0), and how many such
    neurons there were."""
    i = np.asarray(i)
    t = np.asarray(t)
    order = np.lexsort((t, i))
    i, t = i[order], t[order]
    bounds = np.searchsorted(i, np.arange(n + 1))
    cvs = []
    for k in range(n):
        tk = t[bounds[k]:bounds[k + 1]]
        if len(tk) >= 3:
            isi = np.diff(tk)
            cvs.append(isi.std() / isi.mean())
    return (float(np.mean(cvs)) if cvs else 0.0), len(cvs)


def degree_stats(S, n_target, n_source, sources=None):
    """Number of synapses, and mean / SD (ddof=0) over ALL target neurons (zeros included) of the
    in-degree, min and max; the same for the out-degree over the source indices `sources` (default
    all n_source sources; indices as seen by the Synapses object, i.e. within its source group)."""
    i = np.asarray(S.i[:])
    j = np.asarray(S.j[:])
    indeg = np.bincount(j, minlength=n_target)
    outdeg = np.bincount(i, minlength=n_source)
    if sources is not None:
        outdeg = outdeg[sources]
    return dict(n_synapses=int(len(j)),
                in_degree_mean=float(indeg.mean()), in_degree_std=float(indeg.std()),
                in_degree_min=int(indeg.min()), in_degree_max=int(indeg.max()),
                out_degree_mean=float(outdeg.mean()), out_degree_std=float(outdeg.std()))


def summary(values):
    """Mean, SD (ddof=1), min, max of a statistic over seeds."""
    v = np.asarray(values, dtype=float)
    return dict(mean=float(v.mean()), std=float(v.std(ddof=1)) if len(v) > 1 else 0.0,
                min=float(v.min()), max=float(v.max()), n=int(len(v)))


def summarize_rows(rows, skip=('seed', 'wall_s')):
    """Summary of every numeric key of the per-seed rows (flattening one level of dicts as a.b)."""
    flat = [flatten(r) for r in rows]
    return {k: summary([f[k] for f in flat]) for k in flat[0] if k not in skip}


def flatten(d, prefix=''):
    out = {}
    for k, v in d.items():
        if isinstance(v, dict):
            out.update(flatten(v, prefix + k + '.'))
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            out[prefix + k] = v
    return out

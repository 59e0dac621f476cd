"""Shared helpers of the input reference scripts (TimedArray, PoissonInput): compact JSON next to the
calling script (with versions) and summaries over seeds."""
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

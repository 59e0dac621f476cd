#!/usr/bin/env python3
"""Brian2 scripts on Ganglion's Brian2 device against Brian2 itself and Ganglion's CLI, in one invocation.

For each of `examples/python/{cuba,cobahh,stdp}.py` (Brian2's CUBA, COBAHH and synapses/STDP with the two
lines `import ganglion.brian2` / `set_device('ganglion')`), measures the wall time of the whole process
(Python start, imports, building, code generation and compilation, the run) of:

  device          the script as it is (Ganglion's Brian2 device)
  cython          the script without the two lines (Brian2's runtime device, cython target)
  cpp_standalone  the script with `set_device('cpp_standalone', directory=<temporary>)` instead
  cli             `ganglion run` on the equivalent model file (examples/{cuba,cobahh,stdp}.toml)

The plotting at the end of each script is removed in every variant (no matplotlib window, no figure). The
cython target caches compiled code between processes (~/.cython/brian_extensions): with --warm-cython a
first, untimed cython run fills the cache, so that the timed one is Brian2's best case.

Usage:
    python3 benches/python_device.py --python VENV/bin/python --ganglion BIN [--scripts cuba,cobahh,stdp]
        [--variants device,cython,cpp_standalone,cli] [--warm-cython] [--json OUT.json]

The Python must import brian2 2.9 and ganglion (`pip install ./python`); BIN is a release `ganglion`.
"""
import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PLOT = re.compile(
    r"^\s*(plot|plt\.\w+|xlabel|ylabel|show|subplot|xlim|ylim|hist|title|xticks|yticks|tight_layout|figure"
    r"|legend|xscale|yscale)\("
)
DEVICE_LINES = ["import ganglion.brian2", "set_device('ganglion')"]


def variant(source, kind, build_dir):
    """The script's text for one variant, without its plotting."""
    out = []
    for line in source.splitlines():
        if PLOT.match(line):
            continue
        if line.strip() in DEVICE_LINES:
            if kind == "device":
                out.append(line)
            elif kind == "cpp_standalone" and line.strip() == DEVICE_LINES[1]:
                out.append(f"set_device('cpp_standalone', directory={build_dir!r})")
            continue
        out.append(line)
    return "\n".join(out) + "\n"


def timed(cmd, cwd):
    start = time.perf_counter()
    p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if p.returncode != 0:
        sys.stderr.write(p.stdout[-2000:] + p.stderr[-4000:])
        raise SystemExit(f"failed: {' '.join(cmd)}")
    return wall


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--ganglion", default=os.path.join(ROOT, "target", "release", "ganglion"))
    ap.add_argument("--scripts", default="cuba,cobahh,stdp")
    ap.add_argument("--variants", default="device,cython,cpp_standalone,cli")
    ap.add_argument("--warm-cython", action="store_true")
    ap.add_argument("--json")
    args = ap.parse_args()
    results = {}
    with tempfile.TemporaryDirectory(prefix="ganglion-pybench-") as tmp:
        for name in args.scripts.split(","):
            source = open(os.path.join(ROOT, "examples", "python", f"{name}.py")).read()
            row = results.setdefault(name, {})
            for kind in args.variants.split(","):
                if kind == "cli":
                    model = os.path.join(ROOT, "examples", f"{name}.toml")
                    cmd = [args.ganglion, "run", model, "--out", os.path.join(tmp, f"{name}-cli")]
                else:
                    path = os.path.join(tmp, f"{name}_{kind}.py")
                    with open(path, "w") as f:
                        f.write(variant(source, kind, os.path.join(tmp, f"{name}-standalone")))
                    cmd = [args.python, path]
                    if kind == "cython" and args.warm_cython:
                        timed(cmd, tmp)
                row[kind] = timed(cmd, tmp)
                print(f"{name:8s} {kind:15s} {row[kind]:8.2f} s", flush=True)
    kinds = args.variants.split(",")
    print()
    ratios = " | cython / device | cpp_standalone / device | device − cli |"
    print("| script | " + " | ".join(kinds) + ratios)
    print("|---|" + "---:|" * (len(kinds) + 3))
    for name, row in results.items():
        cells = [f"{row[k]:.1f} s" for k in kinds]
        def ratio(k, row=row):
            return f"{row[k] / row['device']:.1f}×" if k in row and "device" in row else "–"

        diff = f"{row['device'] - row['cli']:+.1f} s" if "cli" in row and "device" in row else "–"
        tail = f" | {ratio('cython')} | {ratio('cpp_standalone')} | {diff} |"
        print(f"| {name} | " + " | ".join(cells) + tail)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(dict(machine=platform.platform(), cpus=os.cpu_count(), results=results), f, indent=1)


if __name__ == "__main__":
    main()

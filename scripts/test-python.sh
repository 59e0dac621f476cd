#!/usr/bin/env bash
# The Python package's tests: builds and installs `ganglion` (python/, maturin) into a virtualenv with
# Brian2 2.9.0 and numpy < 2.4, then runs the pytest suite (python/tests). The virtualenv is
# $GANGLION_VENV (default: .venv at the repository's root); it is created when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${GANGLION_VENV:-$PWD/.venv}"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --upgrade pip
"$venv/bin/pip" install --quiet "brian2==2.9.0" "numpy<2.4" "maturin>=1.16,<2" pytest
# Built against the repository's sources (maturin reuses target/ between runs).
PATH="$venv/bin:$PATH" CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}" \
  "$venv/bin/pip" install --quiet --no-build-isolation --force-reinstall --no-deps ./python
"$venv/bin/python" -m pytest python/tests -q -p no:cacheprovider "$@"

#!/usr/bin/env bash
# The project's test command (the README points here): every test of every Rust package, then the
# Python package's tests (scripts/test-python.sh: a virtualenv with Brian2 and the package, pytest).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --workspace --locked "$@"
./scripts/test-python.sh

#!/usr/bin/env bash
# The project's test command (the README points here): every test of every package.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --workspace --locked "$@"

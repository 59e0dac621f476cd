#!/usr/bin/env bash
# One network over MPI ranks writes what one process writes, byte for byte (issue 19). Needs an MPI
# library and libclang (Debian: `apt-get install libopenmpi-dev openmpi-bin libclang-dev`).
#
# 1. The rank tests over the in-process exchange, the corpus sweep included (minutes; not with --ci).
# 2. `ganglion` built with `--features mpi`; CUBA, COBAHH, STDP, Brunel-Hakim (delays) and gap
#    junctions (presynaptic reads, summed variables) run as one process and under `mpirun -np K` for
#    K = 1, 2, 3 (and 2 threads per rank); every output file compared with `cmp`.
#
# As root, OpenMPI needs OMPI_ALLOW_RUN_AS_ROOT=1 and OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 (set here).
set -euo pipefail
cd "$(dirname "$0")/.."

# `--ci`: leave out step 1 (`cargo test --workspace` has run the rank tests but the sweep) and build the
# test profile (simulator crates optimised, dependencies built for the tests reused) rather than release.
if [ "${1:-}" = "--ci" ]; then
    cargo build --locked -p ganglion-cli --features mpi
    bin=target/debug/ganglion
else
    cargo test --locked -p ganglion-tests --test ranks -- --include-ignored
    cargo build --locked --release -p ganglion-cli --features mpi
    bin=target/release/ganglion
fi
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# model file, duration
models=(
    "examples/cuba.toml 0.3*second"
    "examples/cobahh.toml 0.1*second"
    "examples/stdp.toml 5*second"
    "examples/brian2/brunel_hakim_1999.toml 0.1*second"
    "examples/brian2/gapjunctions.toml 0.1*second"
    "examples/models/gapjunctions.toml 0.1*second"
)
failed=0
for entry in "${models[@]}"; do
    read -r model duration <<<"$entry"
    name=$(basename "$(dirname "$model")")_$(basename "$model" .toml)
    "$bin" run "$model" --out "$out/$name/one" --duration "$duration" --threads 1 --quiet 2>/dev/null
    for run in "1 1" "2 1" "3 1" "3 2"; do
        read -r ranks threads <<<"$run"
        dir="$out/$name/np$ranks-t$threads"
        mpirun -np "$ranks" --oversubscribe "$bin" run "$model" --out "$dir" \
            --duration "$duration" --threads "$threads" --quiet 2>"$dir.log" || {
            echo "FAIL $model: mpirun -np $ranks (threads $threads) failed:"
            cat "$dir.log"
            failed=1
            continue
        }
        for f in "$out/$name/one"/*; do
            if ! cmp -s "$f" "$dir/$(basename "$f")"; then
                echo "FAIL $model: $(basename "$f") differs with $ranks ranks of $threads threads"
                failed=1
            fi
        done
        if [ "$(ls "$out/$name/one" | wc -l)" != "$(ls "$dir" | wc -l)" ]; then
            echo "FAIL $model: other files with $ranks ranks of $threads threads"
            failed=1
        fi
    done
    [ "$failed" = 0 ] && echo "ok $model: the same files over 1, 2 and 3 ranks"
done
exit "$failed"

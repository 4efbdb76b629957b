#!/usr/bin/env bash
# Runs every libFuzzer target for 10 minutes (MAITRE_FUZZ_SECONDS to change),
# two at a time (this machine has 2 cores: 8 targets take 40 minutes), and
# prints per target the executions, executions per second, the corpus size
# reached and the crash files. Builds build-fuzz-bench/ with clang,
# -Dfuzz=true and address,undefined sanitizers first. The corpora grown here
# stay in build-fuzz-bench/tests/fuzz/run/TARGET.corpus: copy new inputs
# worth keeping into tests/fuzz/corpus/TARGET/ (libFuzzer -merge=1 keeps
# only those adding coverage). Exits 1 when a target crashed.
#
#   bench/fuzz.sh [TARGET...]
set -uo pipefail
cd "$(dirname "$0")/.."
dir=${MAITRE_FUZZ_BUILD:-build-fuzz-bench}
secs=${MAITRE_FUZZ_SECONDS:-600}
if [ ! -f "$dir/build.ninja" ]; then
	CC=clang meson setup "$dir" -Dfuzz=true -Dtests=disabled -Dbench=false -Dbuildtype=debugoptimized \
		-Db_sanitize=address,undefined -Db_lundef=false >/dev/null || exit 1
fi
ninja -C "$dir" >/dev/null || exit 1
echo "bench/fuzz.sh: $secs s per target, 2 at a time, $(nproc) cores (other work on the machine shares them)"
exec tests/fuzz/run.sh "$dir" "$secs" 2 "$@"

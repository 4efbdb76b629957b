#!/usr/bin/env bash
# A/B of two source trees on the same machine, interleaved (A, B, A, B...),
# so both see the same minutes of a shared or drifting machine: every
# benchmark of docs/benchmarks.md that runs against maitred, the store or
# the Lambda bootstrap. Each tree gets a release build in its own
# `build-bench/` (the directory bench/http.sh, client.sh, adds.sh and
# mixed.sh use); the load average is printed before every run.
#
#   bench/ab.sh OLD_TREE NEW_TREE [OUT_DIR]
#   AB_ONLY="http adds" bench/ab.sh ...        # a subset
#
# OLD_TREE / NEW_TREE: checkouts (e.g. `git worktree add /tmp/old COMMIT`, or
# `git archive COMMIT | tar -x -C /tmp/old`); each needs tests/node_modules
# (npm ci, or a symlink) for bench-store's dynalite. A tree without
# bench/adds.sh gets this tree's copy (with bench/fsync.c) so adds/s can be
# compared. Outputs: OUT_DIR/<bench>-<A|B>-<n>.txt (default /tmp/maitre-ab).
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: bench/ab.sh OLD_TREE NEW_TREE [OUT_DIR]" >&2; exit 2; }
HERE=$(cd "$(dirname "$0")/.." && pwd)
A=$(cd "$1" && pwd)
B=$(cd "$2" && pwd)
OUT=${3:-/tmp/maitre-ab}
ONLY=${AB_ONLY:-http adds client codec store notify lambda}
mkdir -p "$OUT"

for t in "$A" "$B"; do
	if [ ! -f "$t/bench/adds.sh" ]; then
		cp "$HERE/bench/adds.sh" "$HERE/bench/fsync.c" "$t/bench/"
		grep -q bench-fsync "$t/bench/meson.build" ||
			printf "\nbench_fsync = executable('bench-fsync', 'fsync.c', dependencies: [sqlite])\n" >>"$t/bench/meson.build"
	fi
	if [ -f "$t/build-bench/build.ninja" ]; then
		meson setup --reconfigure "$t/build-bench" "$t" --buildtype=release -Dtests=disabled -Dbench=true >/dev/null
	else
		meson setup "$t/build-bench" "$t" --buildtype=release -Dtests=disabled -Dbench=true >/dev/null
	fi
	# only the targets this tree has (an older tree has no Lambda bootstrap
	# or client bench; its runs of those are skipped below)
	targets=$(ninja -C "$t/build-bench" -t targets all | sed 's/:.*//')
	want=""
	for x in backend/daemon/maitred backend/lambda/bootstrap bench/bench-hello bench/bench-store \
		bench/bench-notify bench/bench-codec bench/bench-client bench/bench-fsync; do
		grep -qx "$x" <<<"$targets" && want="$want $x"
	done
	# shellcheck disable=SC2086
	nice ninja -C "$t/build-bench" $want >/dev/null
done

# Whether tree $2 can run benchmark $1.
has() {
	case $1 in
	client) [ -x "$2/build-bench/bench/bench-client" ] ;;
	lambda) [ -x "$2/build-bench/backend/lambda/bootstrap" ] && [ -f "$2/bench/lambda.py" ] ;;
	*) true ;;
	esac
}

# Runs benchmark $1 on tree $2 (label $3), output to OUT_DIR.
run() {
	local what=$1 t=$2 label=$3 n=$4 f
	f="$OUT/$what-$label-$n.txt"
	if ! has "$what" "$t"; then
		echo "== $what: not in $t ($label)" >"$f"
		echo "ab: $f (skipped: not in this tree)"
		return 0
	fi
	{
		echo "== $what on $t ($label) at $(date -u +%H:%M:%S); $(uptime | sed 's/.*load/load/')"
		case $what in
		http) (cd "$t" && BENCH_DURATION=5s BENCH_ROUNDS=3 bench/http.sh) ;;
		adds) (cd "$t" && ADDS_SECONDS=3 BENCH_ROUNDS=1 bench/adds.sh) ;;
		client) (cd "$t" && BENCH_SECONDS=4 BENCH_ROUNDS=2 bench/client.sh) ;;
		codec) "$t/build-bench/bench/bench-codec" ;;
		store) (cd "$t" && build-bench/bench/bench-store) ;;
		notify) (cd "$t" && build-bench/bench/bench-notify) ;;
		lambda) /usr/bin/python3 "$t/bench/lambda.py" --bootstrap "$t/build-bench/backend/lambda/bootstrap" \
			--runs 20 --warm 2000 ;;
		esac
		echo "== end at $(date -u +%H:%M:%S); $(uptime | sed 's/.*load/load/')"
	} >"$f" 2>&1 || echo "ab: $what on $label failed (see $f)" >&2
	echo "ab: $f"
}

for what in $ONLY; do
	run "$what" "$A" A 1
	run "$what" "$B" B 1
done
# the figures this work is about, once more in the other order
for what in $ONLY; do
	case $what in http | adds) run "$what" "$B" B 2; run "$what" "$A" A 2 ;; esac
done

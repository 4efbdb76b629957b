#!/usr/bin/env bash
# Runs every libFuzzer target of a -Dfuzz=true build for SECONDS each, JOBS
# at a time (default 2: this machine has 2 cores), each from its committed
# seed corpus (tests/fuzz/corpus/TARGET, copied: the committed one is not
# changed) with its dictionary (tests/fuzz/TARGET.dict). Prints one line
# per target: executions, executions per second, corpus size at the end,
# crash files, and "ok" or "FAILED" (then the crash file and the end of the
# log). Exits 1 when a
# target crashed, leaked, timed out (-timeout=10 per input) or did not run.
# Used by test.sh (30 s) and bench/fuzz.sh (10 minutes).
#
#   tests/fuzz/run.sh BUILDDIR [SECONDS [JOBS [TARGET...]]]
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:?usage: run.sh BUILDDIR [SECONDS [JOBS [TARGET...]]]}
secs=${2:-30}
jobs=${3:-2}
shift $(($# < 3 ? $# : 3))
work="$build/tests/fuzz/run"
mkdir -p "$work"

targets=("$@")
if [ "${#targets[@]}" -eq 0 ]; then
	for t in "$build"/tests/fuzz/fuzz-*; do
		[ -f "$t" ] && [ -x "$t" ] && targets+=("$(basename "$t")")
	done
fi
if [ "${#targets[@]}" -eq 0 ]; then
	echo "run.sh: no fuzz targets in $build/tests/fuzz (configure with -Dfuzz=true and clang)"
	exit 1
fi

# Runs one target; its summary goes to $work/NAME.result.
run_one() {
	local name=$1 exe="$build/tests/fuzz/$1" corpus="$work/$1.corpus" log="$work/$1.log" rc
	rm -rf "$corpus" "$work/$name.crash-"* "$work/$name.leak-"* "$work/$name.timeout-"*
	mkdir -p "$corpus"
	[ -d "$here/corpus/$name" ] && cp "$here/corpus/$name"/* "$corpus"/ 2>/dev/null
	local dict=()
	[ -f "$here/$name.dict" ] && dict=(-dict="$here/$name.dict")
	"$exe" "${dict[@]}" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$work/$name." "$corpus" >"$log" 2>&1
	rc=$?
	local execs rate size arts
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
	size=$(find "$corpus" -type f | wc -l)
	arts=$(find "$work" -maxdepth 1 -name "$name.crash-*" -o -maxdepth 1 -name "$name.leak-*" \
		-o -maxdepth 1 -name "$name.timeout-*" -o -maxdepth 1 -name "$name.oom-*" | wc -l)
	printf '%s %s %s %s %s %s\n' "$name" "$rc" "${execs:-0}" "${rate:-0}" "$size" "$arts" >"$work/$name.result"
}

running=0
for name in "${targets[@]}"; do
	if [ "$running" -ge "$jobs" ]; then
		wait -n
		running=$((running - 1))
	fi
	run_one "$name" &
	running=$((running + 1))
done
wait

failed=0
printf '%-18s %12s %10s %8s %8s %s\n' target executions exec/s corpus crashes result
for name in "${targets[@]}"; do
	if [ ! -f "$work/$name.result" ]; then
		echo "$name: did not run"
		failed=1
		continue
	fi
	read -r _ rc execs rate size arts <"$work/$name.result"
	if [ "$rc" -eq 0 ] && [ "$arts" -eq 0 ] && [ "$execs" != 0 ]; then
		printf '%-18s %12s %10s %8s %8s %s\n' "$name" "$execs" "$rate" "$size" "$arts" ok
		continue
	fi
	printf '%-18s %12s %10s %8s %8s %s\n' "$name" "$execs" "$rate" "$size" "$arts" FAILED
	failed=1
	echo "  $name: exit $rc; crash files:" $(ls "$work/$name".{crash,leak,timeout,oom}-* 2>/dev/null)
	echo "  reproduce: $build/tests/fuzz/$name CRASH-FILE; log $work/$name.log, its end:"
	grep -v '^#[0-9]' "$work/$name.log" | tail -40 | sed 's/^/    /'
done
exit "$failed"

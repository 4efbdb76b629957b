# Start-up shared by the load benchmarks that drive a whole maitred
# (bench/adds.sh, bench/mixed.sh). Sourced, never run: `. bench/lib.sh`
# from the tree's root, after `set -euo pipefail`.
#   bench_build TARGET...        wrk present, the release build in $BUILD, the targets built
#   bench_tmp PREFIX [PARENT]    $TMP (mktemp -d PARENT/PREFIX-XXXXXX), $PIDS, clean-up on exit
#   bench_maitred                maitred on a free port with sending limits off:
#                                $M_PORT, $MPID, $BASE; its log in $TMP/maitred.log
#   bench_owner EMAIL PASSWORD   registers an owner and logs in: $TOKEN
#   free_port, json_get NAME     helpers
PY=/usr/bin/python3
BUILD=${MAITRE_BENCH_BUILD:-build-bench}

# Checks for wrk, configures the release build in $BUILD and builds the given targets.
bench_build() {
	command -v wrk >/dev/null || { echo "bench: wrk is not installed (apt-get install wrk)" >&2; exit 1; }
	if [ -f "$BUILD/build.ninja" ]; then
		meson setup --reconfigure "$BUILD" --buildtype=release -Dtests=disabled -Dbench=true >/dev/null
	else
		meson setup "$BUILD" --buildtype=release -Dtests=disabled -Dbench=true >/dev/null
	fi
	ninja -C "$BUILD" "$@" >/dev/null
}

# Stops what we started (by PID) and removes the temp dir.
bench_cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$TMP"
}

# Makes $TMP under ${2:-/tmp}, named $1-XXXXXX; removed (and $PIDS stopped) on exit.
bench_tmp() {
	TMP=$(mktemp -d "${2:-/tmp}/$1-XXXXXX")
	PIDS=()
	trap bench_cleanup EXIT
}

# Prints a free TCP port on 127.0.0.1.
free_port() {
	$PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# Prints the member $1 of the JSON object read from stdin.
json_get() {
	$PY -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"
}

# Starts maitred (data in $TMP/data, sending limits off: they count texts
# per number and per restaurant, not what a load measures) and waits for it.
bench_maitred() {
	M_PORT=$(free_port)
	MAITRE_SMS_PER_PARTY_HOUR=0 MAITRE_SMS_PER_NUMBER_HOUR=0 MAITRE_SMS_NEW_RESTAURANT_DAY=0 \
	MAITRE_SMS_RESTAURANT_DAY=0 \
		"$BUILD/backend/daemon/maitred" --listen "127.0.0.1:$M_PORT" --data-dir "$TMP/data" \
		${MAITRE_THREADS:+--threads "$MAITRE_THREADS"} 2>"$TMP/maitred.log" &
	MPID=$!
	PIDS+=($MPID)
	BASE="http://127.0.0.1:$M_PORT"
	local i
	for i in $(seq 1 500); do
		curl -sf -o /dev/null "$BASE/healthz" && break
		sleep 0.02
	done
	curl -sf -o /dev/null "$BASE/healthz" || { echo "bench: maitred did not come up" >&2; exit 1; }
}

# Registers the owner $1 with password $2 and logs in: $TOKEN.
bench_owner() {
	curl -sf -X POST "$BASE/register" -H 'content-type: application/json' \
		-d "{\"email\":\"$1\",\"password\":\"$2\",\"name\":\"Bench\"}" >/dev/null
	TOKEN=$(curl -sf -X POST "$BASE/auth/get-token" -H 'content-type: application/json' \
		-d "{\"email\":\"$1\",\"password\":\"$2\"}" | json_get accessToken)
}

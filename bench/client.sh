#!/usr/bin/env bash
# libmaitre-client benchmark (issue 8 item 4), everything in the same run:
#   GET /waitlists/{id}/waitees of a list of 50 parties (the route of bench/http.sh)
#   1. wrk on one connection (-t1 -c1): the ceiling for one connection;
#   2. the blocking interface (mtc_list_waitees in a loop, one connection reused);
#   3. the non-blocking interface, 1 call in flight (one connection), and 16 in
#      flight beside wrk -t2 -c16;
#   4. curl in a shell loop (a new process and connection per request);
#   5. the list cache: the same loop with If-None-Match (304 when the server
#      has list ETags);
# then the memory of a client holding a list of 1,000 parties (heap bytes and RSS).
# Each rate runs BENCH_SECONDS (default 5) per round, BENCH_ROUNDS rounds (default 3).
#
#   bench/client.sh            # release build in build-bench/
set -euo pipefail
cd "$(dirname "$0")/.."
PY=/usr/bin/python3
BUILD=${MAITRE_BENCH_BUILD:-build-bench}
SECS=${BENCH_SECONDS:-5}
ROUNDS=${BENCH_ROUNDS:-3}

command -v wrk >/dev/null || { echo "bench: wrk is not installed (apt-get install wrk)" >&2; exit 1; }
if [ -f "$BUILD/build.ninja" ]; then
	meson setup --reconfigure "$BUILD" --buildtype=release -Dtests=disabled -Dbench=true >/dev/null
else
	meson setup "$BUILD" --buildtype=release -Dtests=disabled -Dbench=true >/dev/null
fi
ninja -C "$BUILD" backend/daemon/maitred bench/bench-client >/dev/null

TMP=$(mktemp -d /tmp/maitre-client-bench-XXXXXX)
PIDS=()
# Stops what we started (by PID) and removes the temp dir.
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$TMP"
}
trap cleanup EXIT

# Prints a free TCP port on 127.0.0.1.
free_port() {
	$PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# Prints the member $1 of the JSON object read from stdin.
json_get() {
	$PY -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"
}

PORT=$(free_port)
"$BUILD/backend/daemon/maitred" --listen "127.0.0.1:$PORT" --data-dir "$TMP/data" 2>"$TMP/maitred.log" &
PIDS+=($!)
BASE="http://127.0.0.1:$PORT"
for i in $(seq 1 500); do curl -sf -o /dev/null "$BASE/healthz" && break; sleep 0.02; done

EMAIL="bench-client-$$@example.com"
curl -sf -X POST "$BASE/register" -H 'content-type: application/json' \
	-d "{\"email\":\"$EMAIL\",\"password\":\"bench passphrase 1\",\"name\":\"Bench\"}" >/dev/null
SESSION=$(curl -sf -X POST "$BASE/auth/get-token" -H 'content-type: application/json' \
	-d "{\"email\":\"$EMAIL\",\"password\":\"bench passphrase 1\"}")
TOKEN=$(echo "$SESSION" | json_get accessToken)
export MAITRE_BENCH_SESSION=$TMP/session
(umask 077; printf 'server=%s\nrefresh_token=%s\n' "$BASE" "$(echo "$SESSION" | json_get refreshToken)" >"$MAITRE_BENCH_SESSION")
mklist() {
	curl -sf -X POST "$BASE/waitlists" -H "authorization: $TOKEN" -H 'content-type: application/json' \
		-d "{\"name\":\"$1\"}" | json_get id
}
LIST=$(mklist "Fifty")
BIG=$(mklist "Thousand")
for i in $(seq 1 50); do
	curl -sf -o /dev/null -X POST "$BASE/waitlists/$LIST/waitees" -H "authorization: $TOKEN" \
		-H 'content-type: application/json' \
		-d "{\"name\":\"Guest $i\",\"partySize\":4,\"phoneNumber\":\"+14155550$((100 + i))\",\"notes\":\"booth\",\"notifyIn\":30}"
done
"$BUILD/bench/bench-client" fill "$BASE" "$BIG" 1000 >/dev/null
URL="$BASE/waitlists/$LIST/waitees"
BYTES=$(curl -sf -H "authorization: $TOKEN" "$URL" | wc -c)
ETAG=$(curl -sf -D - -o /dev/null -H "authorization: $TOKEN" "$URL" | tr -d '\r' | awk -F': ' 'tolower($1)=="etag"{print $2}' || true)
echo "route: GET /waitlists/{id}/waitees, 50 parties, $BYTES bytes; list ETag: ${ETAG:-none (304 path not available on this server)}"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) (other work shares the 2 cores)"

# The req/s of a wrk run.
wrk_rate() {
	wrk "$@" -H "Authorization: $TOKEN" "$URL" | awk '/Requests\/sec/ {printf "%.0f", $2}'
}
# The req/s of curl in a shell loop for SECS seconds.
curl_rate() {
	local n=0 end=$((SECONDS + SECS))
	while [ $SECONDS -lt $end ]; do
		curl -sf -o /dev/null -H "authorization: $TOKEN" "$URL"
		n=$((n + 1))
	done
	echo $((n / SECS))
}
# The req/s printed by bench-client; its CPU per call (us) goes to $TMP/cpu-MODE.
client_rate() {
	"$BUILD/bench/bench-client" rate "$BASE" "$LIST" "$SECS" "$@" >"$TMP/out"
	awk '{print $2}' "$TMP/out"
	sed -n 's/.* \([0-9]*\) us CPU per call.*/\1/p' "$TMP/out" >"$TMP/cpu-$1${2:-}"
}

printf '%-6s %12s %10s %12s %12s %12s %10s %12s\n' round "wrk -c1" blocking "nb 1 conn" "nb 16" "wrk -c16" "curl loop" "cached(304)"
for r in $(seq 1 "$ROUNDS"); do
	w1=$(wrk_rate -t1 -c1 -d"${SECS}s")
	b=$(client_rate blocking)
	n1=$(client_rate nonblocking 1)
	n16=$(client_rate nonblocking 16)
	w16=$(wrk_rate -t2 -c16 -d"${SECS}s")
	cl=$(curl_rate)
	ca=$(client_rate cached)
	printf '%-6s %12s %10s %12s %12s %12s %10s %12s\n' "$r" "$w1" "$b" "$n1" "$n16" "$w16" "$cl" "$ca"
	$PY -c "import sys; w1,b,n1,n16,w16,cl=map(float,sys.argv[1:]); print(f'       blocking/wrk-c1 {b/w1:.0%}  nb1/wrk-c1 {n1/w1:.0%}  nb16/wrk-c16 {n16/w16:.0%}  blocking/curl-loop {b/max(cl,1):.1f}x')" "$w1" "$b" "$n1" "$n16" "$w16" "$cl"
	echo "       client CPU per call: blocking $(cat "$TMP/cpu-blocking") us, nb 1 $(cat "$TMP/cpu-nonblocking1") us, nb 16 $(cat "$TMP/cpu-nonblocking16") us, cached $(cat "$TMP/cpu-cached") us"
done
"$BUILD/bench/bench-client" memory "$BASE" "$BIG"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

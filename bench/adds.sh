#!/usr/bin/env bash
# Write throughput of maitred on SQLite (issue 13): POST /waitlists/{id}/waitees
# with 32 clients (wrk -t2 -c32, a new party with its own phone number per
# request, so the joined text is queued and delivered to the log channel),
# on lists that already hold 0, 1,000, 5,000 and 10,000 parties, beside the
# durable-commit ceiling of the same directory measured in the same run
# (bench-fsync: serial fdatasync of 4 KiB, serial one-row SQLite commits).
# Goal: >= 3,000 adds/s, flat from 0 to 10,000 parties. Also printed:
# maitred's CPU time per add (user + system over the run / adds), the
# figure that depends least on what else the machine is running. Before
# each level the queue is drained (the prefill's joined texts delivered to
# the log channel; "drained" is how long that took), so every level starts
# with an idle notifier; the adds' own texts are delivered during the run
# and after it: "texts after" is how long the queue took to empty after
# wrk stopped, and "us CPU/add+text" maitred's CPU from the start of the
# run until then, per add (each add's joined text delivered, whatever the
# notifier kept up with during the run). "with texts/s" is the adds over
# the run and the texts after it: the rate a sustained load could keep
# with every joined text sent (a notifier that lags only grows a backlog).
#
#   bench/adds.sh                       # release build in build-bench/
#   ADDS_SECONDS=5 BENCH_ROUNDS=3 BENCH_CONNECTIONS=32 ADDS_LEVELS="0 1000 5000 10000" bench/adds.sh
#
# Sending limits are off in this run (MAITRE_SMS_*=0): they count texts per
# number and per restaurant, which is not what this measures.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
SECONDS_EACH=${ADDS_SECONDS:-3}
CONNS=${BENCH_CONNECTIONS:-32}
WRK_THREADS=${BENCH_WRK_THREADS:-2}
ROUNDS=${BENCH_ROUNDS:-2}
LEVELS=${ADDS_LEVELS:-0 1000 5000 10000}
DATA_PARENT=${ADDS_DATA_PARENT:-/tmp}

bench_build backend/daemon/maitred bench/bench-fsync
bench_tmp maitre-adds "$DATA_PARENT"
bench_maitred
EMAIL="adds-$$@example.com"
bench_owner "$EMAIL" "bench passphrase 1"

# One party per request, each with its own name and phone number.
cat >"$TMP/post.lua" <<'LUA'
local made = 0
function setup(thread)
	made = made + 1
	thread:set("tid", made)
end
local n = 0
local run = tonumber(os.getenv("ADDS_RUN") or "0")
function request()
	n = n + 1
	local body = string.format('{"name":"Guest %d-%d","partySize":%d,"phoneNumber":"+1%03d%07d","notifyIn":45,"notes":"bench"}',
		tid, n, n % 6 + 1, 200 + (run * 16 + tid) % 800, n % 10000000)
	return wrk.format("POST", nil, nil, body)
end
LUA

# Adds $2 parties to list $1 over 16 keep-alive connections; prints how many were added.
prefill() {
	$PY - "$M_PORT" "$TOKEN" "$1" "$2" "$3" <<'PYEOF'
import http.client, json, sys, threading
port, token, lst, want, run = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
lock, state = threading.Lock(), {"next": 0, "ok": 0}
def work(t):
    c = http.client.HTTPConnection("127.0.0.1", int(port), timeout=60)
    while True:
        with lock:
            if state["next"] >= want:
                return
            state["next"] += 1
            i = state["next"]
        body = json.dumps({"name": "Prefill %d" % i, "partySize": i % 6 + 1, "notifyIn": 45,
                           "phoneNumber": "+1%03d%07d" % (200 + (run * 16 + t) % 800, 9000000 + i)})
        c.request("POST", "/waitlists/%s/waitees" % lst, body,
                  {"Authorization": token, "Content-Type": "application/json"})
        r = c.getresponse()
        r.read()
        if r.status == 201:
            with lock:
                state["ok"] += 1
ts = [threading.Thread(target=work, args=(t,)) for t in range(16)]
for t in ts: t.start()
for t in ts: t.join()
print(state["ok"])
PYEOF
}

# Waits (at most 300 s) until the embedded queue is empty: the joined texts
# of the prefill delivered, so each level is measured with an idle notifier.
# Prints the seconds waited.
drain() {
	$PY - "$TMP/data/maitre.db" <<'PYEOF'
import sqlite3, sys, time
t0 = time.time()
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True, timeout=10)
while time.time() - t0 < 300:
    if db.execute("SELECT count(*) FROM mtq_messages").fetchone()[0] == 0:
        break
    time.sleep(0.2)
print("%.1f" % (time.time() - t0))
PYEOF
}

# Runs wrk on list $1 and prints "req_per_s p99_ms non2xx requests errors".
run_wrk() {
	local out
	out=$(wrk -t"$WRK_THREADS" -c"$CONNS" -d"$2" --latency -H "Authorization: $TOKEN" \
		-H 'Content-Type: application/json' -s "$TMP/post.lua" "$BASE/waitlists/$1/waitees")
	echo "$out" >>"$TMP/wrk.txt"
	echo "$out" | $PY -c '
import re, sys
t = sys.stdin.read()
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
m = re.search(r"^\s*99%\s+([\d.]+)(us|ms|s)\s*$", t, re.M)
p99 = float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]
bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", t)
n = re.search(r"(\d+) requests in", t).group(1)
err = re.search(r"Socket errors:.*", t)
print("%.0f %.3f %s %s %s" % (rps, p99, bad.group(1) if bad else "0", n, "errors" if err else "ok"))
'
}

# Prints maitred's CPU time so far (user + system), in microseconds.
cpu_us() {
	awk -v hz="$(getconf CLK_TCK)" '{print int(($14 + $15) * 1000000 / hz)}' "/proc/$MPID/stat"
}

# Prints "fdatasync_per_s sqlite_commits_per_s" for the data directory.
ceiling() {
	"$BUILD/bench/bench-fsync" "$TMP/data" 1 | awk '{v[$1]=$2} END {print v["fdatasync"], v["sqlite_commit"]}'
}

RUN=0
echo "bench: wrk -t$WRK_THREADS -c$CONNS -d${SECONDS_EACH}s, POST waitee (own phone each); levels: $LEVELS; $ROUNDS rounds; $(nproc) CPUs; $(uptime | sed 's/.*load/load/')"
: >"$TMP/rows.txt"
for r in $(seq 1 "$ROUNDS"); do
	for level in $LEVELS; do
		RUN=$((RUN + 1))
		LIST=$(curl -sf -X POST "$BASE/waitlists" -H "authorization: $TOKEN" -H 'content-type: application/json' \
			-d "{\"name\":\"Adds $r $level\",\"description\":\"bench\"}" | json_get id)
		have=0
		if [ "$level" -gt 0 ]; then
			have=$(prefill "$LIST" "$level" "$RUN")
		fi
		waited=$(drain)
		RUN=$((RUN + 1))
		read -r FD SQ < <(ceiling)
		c0=$(cpu_us)
		read -r rps p99 bad n err < <(ADDS_RUN=$RUN run_wrk "$LIST" "${SECONDS_EACH}s")
		c1=$(cpu_us)
		load=$(cut -d' ' -f1 /proc/loadavg)
		after=$(drain)
		c2=$(cpu_us)
		read -r FD2 SQ2 < <(ceiling)
		echo "$r $level $have $rps $p99 $bad $n $err $FD $SQ $FD2 $SQ2 $load $(( (c1 - c0) / (n > 0 ? n : 1) )) $waited $after $(( (c2 - c0) / (n > 0 ? n : 1) ))" >>"$TMP/rows.txt"
	done
done
kill -0 "$MPID" 2>/dev/null || { echo "bench: maitred died" >&2; exit 1; }

$PY - "$TMP/rows.txt" "$SECONDS_EACH" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
secs = float(sys.argv[2])
print("%-5s %7s %9s %9s %9s %7s %11s %11s %9s %9s %9s %5s %8s %11s %15s %12s" % ("round", "level", "parties", "adds/s", "p99 ms",
      "non2xx", "fdatasync/s", "sqlite c/s", "/fsync", "/sqlite", "us CPU/add", "load", "drained", "texts after",
      "us CPU/add+text", "with texts/s"))
by_level = {}
for (r, level, have, rps, p99, bad, n, err, fd, sq, fd2, sq2, load, cpu, waited, after, cpu2) in rows:
    fdm = (float(fd) + float(fd2)) / 2
    sqm = (float(sq) + float(sq2)) / 2
    rps = float(rps)
    # every add's joined text delivered too: the adds over the run plus the
    # time the notifier took after it (a backlog cannot grow for ever)
    sus = float(n) / (secs + float(after))
    print("%-5s %7s %9s %9.0f %9s %7s %11.0f %11.0f %8.2fx %8.2fx %9s %5s %7ss %10ss %15s %12.0f%s" % (r, level, have, rps,
          p99, bad, fdm, sqm, rps / fdm, rps / sqm, cpu, load, waited, after, cpu2, sus,
          "" if err == "ok" else "  socket errors"))
    by_level.setdefault(int(level), []).append((rps, rps / sqm, bad, sus))
meds = {l: statistics.median(x[0] for x in v) for l, v in by_level.items()}
sus_meds = {l: statistics.median(x[3] for x in v) for l, v in by_level.items()}
print("median adds/s per level: " + ", ".join("%d: %.0f" % (l, meds[l]) for l in sorted(meds)))
print("median adds/s with every joined text delivered (run + texts after): " +
      ", ".join("%d: %.0f" % (l, sus_meds[l]) for l in sorted(sus_meds)))
lo, hi = min(meds.values()), max(meds.values())
print("flatness (lowest / highest level median): %.0f%%" % (100.0 * lo / hi))
bad = sum(int(x[2]) for v in by_level.values() for x in v)
ok = lo >= 3000 and bad == 0
print("goal (>= 3000 adds/s at every level, no non-2xx): %s" % ("met" if ok else "NOT met"))
print("the same with every joined text delivered: %s" % ("met" if min(sus_meds.values()) >= 3000 and bad == 0 else "NOT met"))
PY
echo "bench: maitred wrote $(wc -l <"$TMP/maitred.log") log lines; $(grep -c '"status":201' "$TMP/maitred.log" || true) answered 201"

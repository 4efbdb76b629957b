#!/usr/bin/env bash
# Mixed load and soak of maitred (issue 13): wrk -t2 -c32 for MIXED_SECONDS
# (default 60; 600 for the soak) with one lua script that mixes, per request:
#   ~70% GET  /waitlists/{id}/waitees           (the host screens' poll)
#   ~14% POST /waitlists/{id}/waitees           (a new party, own phone number)
#   ~14% PUT  /waitlists/{id}/waitees/{id}      (seat a party this thread added)
#  ~0.2% POST /auth/get-token                   (a login: Argon2id, 19 MiB)
# It samples maitred's RSS every RSS_EVERY seconds (default 10), counts every
# answer that is not 2xx by kind (with the first bodies), and prints req/s,
# latency, the per-kind counts, the RSS series and its median per quarter of
# the run. Exit status 1 when any answer was not 2xx or a socket error happened
# (wrk gives up on an answer after MIXED_TIMEOUT, default 10s).
#
#   bench/mixed.sh                      # 60 s
#   MIXED_SECONDS=600 bench/mixed.sh    # the 10-minute soak
#
# Sending limits are off (they would answer 429 to a 32-client load with one
# restaurant's worth of texts, which is what they are for).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
SECS=${MIXED_SECONDS:-60}
CONNS=${BENCH_CONNECTIONS:-32}
WRK_THREADS=${BENCH_WRK_THREADS:-2}
EVERY=${RSS_EVERY:-10}
TIMEOUT=${MIXED_TIMEOUT:-10s}

bench_build backend/daemon/maitred
bench_tmp maitre-mixed
bench_maitred
EMAIL="mixed-$$@example.com"
PASS="bench passphrase 1"
bench_owner "$EMAIL" "$PASS"
LIST=$(curl -sf -X POST "$BASE/waitlists" -H "authorization: $TOKEN" -H 'content-type: application/json' \
	-d '{"name":"Dining room","description":"mixed"}' | json_get id)
for i in $(seq 1 50); do
	curl -sf -o /dev/null -X POST "$BASE/waitlists/$LIST/waitees" -H "authorization: $TOKEN" \
		-H 'content-type: application/json' \
		-d "{\"name\":\"Guest $i\",\"partySize\":$((i % 6 + 1)),\"phoneNumber\":\"+1555010$(printf %04d "$i")\",\"notifyIn\":30,\"notes\":\"window\"}"
done

cat >"$TMP/mixed.lua" <<'LUA'
local threads = {}
local made = 0
function setup(thread)
	made = made + 1
	thread:set("tid", made)
	table.insert(threads, thread)
end
local list = os.getenv("MIXED_LIST")
local token = os.getenv("MIXED_TOKEN")
local login = string.format('{"email":"%s","password":"%s"}', os.getenv("MIXED_EMAIL"), os.getenv("MIXED_PASS"))
local coll = "/waitlists/" .. list .. "/waitees"
local ids, nids = {}, 0
local n = 0
-- counts per kind, and what did not answer 2xx
sent = { get = 0, add = 0, seat = 0, login = 0 }
bad = { get = 0, add = 0, seat = 0, login = 0 }
samples = ""
function request()
	n = n + 1
	local r = math.random(1000)
	local auth = { ["Authorization"] = token, ["Content-Type"] = "application/json" }
	if r <= 2 then
		sent.login = sent.login + 1
		return wrk.format("POST", "/auth/get-token", { ["Content-Type"] = "application/json" }, login)
	elseif r <= 150 then
		sent.add = sent.add + 1
		local body = string.format('{"name":"Walk-in %d-%d","partySize":%d,"phoneNumber":"+1%03d%07d","notifyIn":45,"notes":"mixed"}',
			tid, n, n % 6 + 1, 200 + tid % 800, n % 10000000)
		return wrk.format("POST", coll, auth, body)
	elseif r <= 290 and nids > 0 then
		sent.seat = sent.seat + 1
		local id = ids[nids]
		ids[nids] = nil
		nids = nids - 1
		return wrk.format("PUT", coll .. "/" .. id, auth, '{"status":"seated"}')
	end
	sent.get = sent.get + 1
	return wrk.format("GET", coll, { ["Authorization"] = token })
end
function response(status, headers, body)
	local kind
	if body:sub(1, 1) == "[" then
		kind = "get"
	elseif body:find('"accessToken"', 1, true) then
		kind = "login"
	elseif body:find('"status":"waiting"', 1, true) then
		kind = "add"
		local id = body:match('"id":"([0-9A-Z]+)"')
		if id and status == 201 then
			nids = nids + 1
			ids[nids] = id
		end
	elseif body:find('"status":"seated"', 1, true) then
		kind = "seat"
	else
		kind = "other"
	end
	if status < 200 or status > 299 then
		bad[kind] = (bad[kind] or 0) + 1
		if #samples < 600 then
			samples = samples .. status .. " " .. body:sub(1, 160) .. "\n"
		end
	end
end
function done(summary, latency, requests)
	local tot_s, tot_b = { get = 0, add = 0, seat = 0, login = 0 }, {}
	local smp = ""
	for _, t in ipairs(threads) do
		local s, b = t:get("sent"), t:get("bad")
		for k, v in pairs(s) do tot_s[k] = (tot_s[k] or 0) + v end
		for k, v in pairs(b) do tot_b[k] = (tot_b[k] or 0) + v end
		smp = smp .. t:get("samples")
	end
	for _, k in ipairs({ "get", "add", "seat", "login" }) do
		io.write(string.format("MIXED %s sent %d not2xx %d\n", k, tot_s[k], tot_b[k] or 0))
	end
	io.write(string.format("MIXED other not2xx %d\n", tot_b["other"] or 0))
	io.write(string.format("MIXED p50 %.2f p99 %.2f max %.2f\n", latency:percentile(50) / 1000,
		latency:percentile(99) / 1000, latency.max / 1000))
	if #smp > 0 then io.write("MIXED samples:\n" .. smp) end
end
LUA

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$MPID/status"; }
echo "bench: mixed load, wrk -t$WRK_THREADS -c$CONNS -d${SECS}s --timeout $TIMEOUT; $(nproc) CPUs; $(uptime | sed 's/.*load/load/')"
: >"$TMP/rss.txt"
(
	t=0
	while kill -0 "$MPID" 2>/dev/null; do
		echo "$t $(rss_kib) $(cut -d' ' -f1 /proc/loadavg)" >>"$TMP/rss.txt"
		sleep "$EVERY"
		t=$((t + EVERY))
	done
) &
SAMPLER=$!
PIDS+=($SAMPLER)
MIXED_LIST=$LIST MIXED_TOKEN=$TOKEN MIXED_EMAIL=$EMAIL MIXED_PASS=$PASS \
	wrk -t"$WRK_THREADS" -c"$CONNS" -d"${SECS}s" --timeout "$TIMEOUT" --latency -s "$TMP/mixed.lua" "$BASE" \
	>"$TMP/wrk.txt" 2>&1 || true
echo "$(( SECS )) $(rss_kib) $(cut -d' ' -f1 /proc/loadavg)" >>"$TMP/rss.txt"
kill "$SAMPLER" 2>/dev/null || true
kill -0 "$MPID" 2>/dev/null || { echo "bench: maitred died" >&2; cat "$TMP/wrk.txt"; exit 1; }
grep -E "requests in|Requests/sec|Socket errors|Non-2xx" "$TMP/wrk.txt" || true
grep "^MIXED" "$TMP/wrk.txt" | sed 's/^MIXED /  /'
$PY - "$TMP/rss.txt" "$TMP/wrk.txt" <<'PY'
import re, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
t = open(sys.argv[2]).read()
print("RSS (MiB) every sample [t s: MiB (load)]:")
print("  " + ", ".join("%s: %.1f (%s)" % (r[0], int(r[1]) / 1024.0, r[2]) for r in rows))
# Medians per quarter: a login (Argon2id, 19 MiB) in flight at a sample
# shows as a spike; the medians show whether the baseline moves.
import statistics
end = int(rows[-1][0])
qs = [[int(r[1]) for r in rows if end * q / 4 <= int(r[0]) < end * (q + 1) / 4 or (q == 3 and int(r[0]) == end)]
      for q in range(4)]
if all(qs):
    med = [statistics.median(q) / 1024 for q in qs]
    print("RSS median per quarter: %s MiB; max %.1f MiB; second half drift %+.1f MiB" % (
        ", ".join("%.1f" % m for m in med), max(int(r[1]) for r in rows) / 1024, med[3] - med[2]))
bad = sum(int(m) for m in re.findall(r"not2xx (\d+)", t))
err = re.search(r"Socket errors:.*", t)
print("errors: %d answers not 2xx, %s" % (bad, err.group(0) if err else "no socket errors"))
sys.exit(1 if bad or err else 0)
PY

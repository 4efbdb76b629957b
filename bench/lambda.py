#!/usr/bin/python3
"""Cold start and warm rate of `bootstrap`, locally, under the Runtime API
stand-in of tests/lambda (docs/benchmarks.md, "Lambda bootstrap").

  bench/lambda.py --bootstrap build-release/backend/lambda/bootstrap [--runs 20] [--warm 5000]

Cold start: the time from just before exec (Popen) to the first response
posted to the stand-in, with the event already queued: process start,
dynamic linking, configuration, wiring, the first `next`, the handler, the
post. Median (and min/p90/max) of --runs fresh processes, and the peak RSS
of each process (ru_maxrss from wait4). Handlers measured:
  authorizer  verifies an HS256 token (what every protected route costs first)
  waitees     GET /waitlists/{id}/waitees of a 20-guest list (SQLite store in a
              temp dir: the DynamoDB store's first request would time the
              store emulator, not the runtime)
Warm: --warm invocations in one process; invocations per second through the
stand-in (a Python server: its own cost dominates) and the bootstrap's own
time per invocation (durationMs of its log lines: handler + posting the answer).
"""
import argparse
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "lambda"))
import runtime_api as rapi  # noqa: E402

SECRET = secrets.token_urlsafe(48)


def env_for(api, handler, store):
    return {"PATH": "/usr/bin:/bin", "AWS_LAMBDA_RUNTIME_API": api.address, "_HANDLER": handler,
            "MAITRE_STORE": store, "MAITRE_JWT_SECRET": SECRET, "AWS_REGION": "us-east-1"}


def start(bootstrap, api, handler, store, out):
    with open(out, "ab") as f:
        return subprocess.Popen([bootstrap], env=env_for(api, handler, store), stdout=f,
                                stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)


def peak_rss_kb(proc):
    """VmHWM: the peak RSS since exec (wait4's ru_maxrss would count the python parent forked before exec)."""
    with open("/proc/%d/status" % proc.pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return -1


def stop(proc, api, cpu=None):
    """Ends the process; returns its peak RSS (kB); appends its CPU ms to cpu."""
    rss = peak_rss_kb(proc)
    api.close_next()
    _, status, ru = os.wait4(proc.pid, 0)
    proc.returncode = status
    api.stop()
    if cpu is not None:
        cpu.append((ru.ru_utime + ru.ru_stime) * 1000.0)
    return rss


def setup_data(bootstrap, store, out):
    """Registers an owner, logs in, makes a list of 20 guests; returns (token, authorizer ctx, list id)."""
    fns = {}
    for h in ("register", "token", "authorizer", "waitlists", "waitees"):
        api = rapi.RuntimeAPI().start()
        fns[h] = (api, start(bootstrap, api, h, store, out))
    ev = rapi.apigw_event
    acct = {"email": "bench@example.com", "password": "correct horse battery", "name": "Bench"}
    fns["register"][0].invoke(ev("POST", "/register", body=acct))
    tok = json.loads(fns["token"][0].invoke(ev("POST", "/auth/get-token", body=acct)).json["body"])["accessToken"]
    ctx = fns["authorizer"][0].invoke(rapi.authorizer_event(tok)).json["context"]
    wl = json.loads(fns["waitlists"][0].invoke(ev("POST", "/waitlists", body={"name": "Bench"},
                                                  authorizer=ctx)).json["body"])["id"]
    for i in range(20):
        fns["waitees"][0].invoke(ev("POST", "/waitlists/%s/waitees" % wl, "/waitlists/{waitlistId}/waitees",
                                    body={"name": "Guest %d" % i, "phoneNumber": "+1555000%04d" % i,
                                          "notifyIn": 30}, path_params={"waitlistId": wl}, authorizer=ctx))
    for api, p in fns.values():
        stop(p, api)
    return tok, ctx, wl


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100.0 * (len(xs) - 1))))]


def cold(bootstrap, handler, store, event, runs, out):
    times, rss, cpu = [], [], []
    raw = json.dumps(event).encode()
    for _ in range(runs):
        api = rapi.RuntimeAPI().start()
        rid = api.submit(None, raw=raw)
        t0 = time.time()
        p = start(bootstrap, api, handler, store, out)
        r = api.wait(rid, 20)
        if r is None or r.kind != "response":
            sys.exit("cold %s: no response" % handler)
        times.append((r.at - t0) * 1000.0)
        rss.append(stop(p, api, cpu))
    return times, rss, cpu


def warm(bootstrap, handler, store, event, n, out):
    api = rapi.RuntimeAPI().start()
    log = out + "." + handler
    p = start(bootstrap, api, handler, store, log)
    raw = json.dumps(event).encode()
    for _ in range(200):
        api.invoke(None, raw=raw)
    t0 = time.monotonic()
    for _ in range(n):
        r = api.invoke(None, raw=raw)
        if r.kind != "response":
            sys.exit("warm %s: %s" % (handler, r.raw[:200]))
    secs = time.monotonic() - t0
    rss = stop(p, api)
    with open(log) as f:
        durs = [json.loads(x)["durationMs"] for x in f if '"msg":"invocation"' in x][200:]
    return n / secs, statistics.median(durs), pct(durs, 99), rss


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bootstrap", required=True)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--warm", type=int, default=5000)
    args = ap.parse_args()
    boot = os.path.abspath(args.bootstrap)
    d = tempfile.mkdtemp(prefix="maitre-bench-lambda-")
    out = os.path.join(d, "out.log")
    try:
        store = "sqlite:%s/maitre.db" % d
        tok, ctx, wl = setup_data(boot, store, out)
        auth_ev = rapi.authorizer_event(tok)
        list_ev = rapi.apigw_event("GET", "/waitlists/%s/waitees" % wl, "/waitlists/{waitlistId}/waitees",
                                   path_params={"waitlistId": wl}, authorizer=ctx)
        # the authorizer never touches the store: a DynamoDB URL costs no request at init
        ddb = "dynamodb://maitre?region=us-east-1&endpoint=http://127.0.0.1:9"
        rows = []
        for name, handler, st, ev in (("authorizer (DynamoDB store configured)", "authorizer", ddb, auth_ev),
                                      ("waitees list, 20 guests (SQLite)", "waitees", store, list_ev)):
            t, rss, cpu = cold(boot, handler, st, ev, args.runs, out)
            rows.append((name, t, rss, cpu))
        print("cold start, exec -> first response posted (%d runs each; load average %.1f)"
              % (args.runs, os.getloadavg()[0]))
        for name, t, rss, cpu in rows:
            print("  %-40s median %6.2f ms  min %6.2f  p90 %6.2f  max %6.2f   CPU (user+sys, whole process) "
                  "median %5.2f ms   peak RSS median %5.1f MiB (max %5.1f)"
                  % (name, statistics.median(t), min(t), pct(t, 90), max(t), statistics.median(cpu),
                     statistics.median(rss) / 1024.0, max(rss) / 1024.0))
        print("warm, one process, %d invocations" % args.warm)
        for name, handler, st, ev in (("authorizer", "authorizer", ddb, auth_ev),
                                      ("waitees list, 20 guests", "waitees", store, list_ev)):
            rate, med, p99, rss = warm(boot, handler, st, ev, args.warm, out)
            print("  %-40s %7.0f inv/s through the stand-in; bootstrap's own time per invocation median "
                  "%.3f ms, p99 %.3f ms (= %.0f inv/s); peak RSS %.1f MiB" % (name, rate, med, p99, 1000.0 / med,
                                                                             rss / 1024.0))
    finally:
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Cold start and warm rate of `bootstrap`, locally, under the Runtime API
stand-in of tests/lambda (docs/benchmarks.md, "Lambda bootstrap").

  bench/lambda.py --bootstrap build-release/backend/lambda/bootstrap [--runs 20] [--warm 5000]
                  [--floor build-release/bench/bench-lambda-floor] [--libcurl FILE]

Cold start: the time from just before exec (Popen) to the first response
posted to the stand-in, with the event already queued: process start,
dynamic linking, configuration, wiring, the first `next`, the handler, the
post. Median (and min/p90/max) of --runs fresh processes, and the peak RSS
of each process (VmHWM). The environment is a function's: AWS_REGION and
the role's credentials in AWS_ACCESS_KEY_ID / _SECRET_ACCESS_KEY /
_SESSION_TOKEN, AWS_LAMBDA_FUNCTION_NAME. Cases:
  authorizer  verifies an HS256 token and reads its account (what every
              protected route costs first), the key in MAITRE_JWT_SECRET,
              the SQLite store (on DynamoDB the account read is the
              first AWS call: it would load libcurl, and time the emulator)
  authorizer, key from SSM
              the same with MAITRE_JWT_SECRET_SSM, as deploy/template.yaml
              configures it, the SSM stand-in on loopback over plain HTTP:
              init loads libcurl (backend/lambda/curl-lazy.c) and makes one
              request; on AWS that request is HTTPS to SSM, not measured here
  authorizer, key from SSM, small libcurl (--libcurl FILE)
              the same with MAITRE_LIBCURL=FILE (deploy/build-libcurl's, what
              function.zip carries by default)
  authorizer, key through the extension
              MAITRE_JWT_SECRET_SSM with PARAMETERS_SECRETS_EXTENSION_HTTP_PORT:
              a stand-in of the Parameters and Secrets extension on loopback
              answers the key at the first invocation (plain HTTP, no libcurl)
  waitees     GET /waitlists/{id}/waitees of a 20-guest list (SQLite store in a
              temp dir: the DynamoDB store's first request would time the
              store emulator, not the runtime)
--floor: the same cold loop on bench/lambda-floor.c (fetch one invocation,
post "{}", exit: no library but libc), the harness's own share.
Warm: --warm invocations in one process; invocations per second through the
stand-in (a Python server: its own cost dominates) and the bootstrap's own
time per invocation (durationMs of its log lines: handler + posting the answer).
"""
import argparse
import json
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "lambda"))
import runtime_api as rapi  # noqa: E402

SECRET = secrets.token_urlsafe(48)


def env_for(api, handler, store, extra=None):
    env = {"PATH": "/usr/bin:/bin", "AWS_LAMBDA_RUNTIME_API": api.address, "_HANDLER": handler,
           "MAITRE_STORE": store, "MAITRE_JWT_SECRET": SECRET, "AWS_REGION": "us-east-1",
           "AWS_ACCESS_KEY_ID": "AKIDBENCHLAMBDA", "AWS_SECRET_ACCESS_KEY": "bench-secret-access-key",
           "AWS_SESSION_TOKEN": "bench-session-token", "AWS_LAMBDA_FUNCTION_NAME": "maitre-" + handler,
           "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128"}
    env.update(extra or {})
    return {k: v for k, v in env.items() if v is not None}


def start(bootstrap, api, handler, store, out, extra=None):
    """Starts bootstrap for handler: stdout appended to out, stderr to out + ".err"."""
    with open(out, "ab") as f, open(out + ".err", "ab") as e:
        return subprocess.Popen([bootstrap], env=env_for(api, handler, store, extra), stdout=f,
                                stderr=e, stdin=subprocess.DEVNULL)


def err_tail(out):
    """The last lines the bootstraps wrote to stderr (why one did not answer)."""
    try:
        with open(out + ".err", errors="replace") as f:
            return "".join(f.readlines()[-15:])
    except OSError:
        return ""


class FakeSSM:
    """Answers AmazonSSM.GetParameter with the bench's key (plain HTTP on loopback)."""

    def __init__(self):
        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self):
                super().setup()
                # head and body go out in two writes: without this, Nagle + delayed ACK add 40 ms
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def log_message(self, *a):
                pass

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                data = json.dumps({"Parameter": {"Name": "/maitre/jwt-secret", "Type": "SecureString",
                                                 "Value": SECRET}}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-amz-json-1.1")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class FakeExtension:
    """The Parameters and Secrets extension: answers GET .../parameters/get with the bench's key."""

    def __init__(self):
        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self):
                super().setup()
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def log_message(self, *a):
                pass

            def do_GET(self):
                if self.headers.get("X-Aws-Parameters-Secrets-Token") != "bench-session-token":
                    self.send_response(401)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                data = json.dumps({"Parameter": {"Name": "/maitre/jwt-secret", "Type": "SecureString",
                                                 "Value": SECRET}}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


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
    """Registers an owner, logs in, makes a list of 20 guests; returns (token, authorizer ctx, list id).
    The register function runs alone first: it creates the SQLite file, switches it to WAL and
    migrates it; processes opening a fresh file at the same moment could race for that switch."""
    fns = {}

    def fn(h):
        if h not in fns:
            api = rapi.RuntimeAPI().start()
            fns[h] = (api, start(bootstrap, api, h, store, out))
        return fns[h][0]

    def call(h, event, status):
        r = fn(h).invoke(event)
        if r is None or r.kind != "response" or r.json.get("statusCode", status) != status:
            for api, p in fns.values():
                if p.poll() is None:
                    p.kill()
                api.stop()
            sys.exit("setup: %s answered %s (want %s); the bootstraps' stderr:\n%s"
                     % (h, "nothing" if r is None else r.raw[:300], status, err_tail(out)))
        return r.json

    ev = rapi.apigw_event
    acct = {"email": "bench@example.com", "password": "correct horse battery", "name": "Bench"}
    call("register", ev("POST", "/register", body=acct), 201)
    for h in ("token", "authorizer", "waitlists", "waitees"):
        fn(h)
    tok = json.loads(call("token", ev("POST", "/auth/get-token", body=acct), 200)["body"])["accessToken"]
    ctx = call("authorizer", rapi.authorizer_event(tok), None)["context"]
    wl = json.loads(call("waitlists", ev("POST", "/waitlists", body={"name": "Bench"}, authorizer=ctx),
                         201)["body"])["id"]
    for i in range(20):
        call("waitees", ev("POST", "/waitlists/%s/waitees" % wl, "/waitlists/{waitlistId}/waitees",
                           body={"name": "Guest %d" % i, "phoneNumber": "+1555000%04d" % i, "notifyIn": 30},
                           path_params={"waitlistId": wl}, authorizer=ctx), 201)
    for api, p in fns.values():
        stop(p, api)
    return tok, ctx, wl


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100.0 * (len(xs) - 1))))]


def cold(bootstrap, handler, store, event, runs, out, extra=None):
    times, rss, cpu = [], [], []
    raw = json.dumps(event).encode()
    for _ in range(runs):
        api = rapi.RuntimeAPI().start()
        rid = api.submit(None, raw=raw)
        t0 = time.time()
        p = start(bootstrap, api, handler, store, out, extra)
        r = api.wait(rid, 20)
        if r is None or r.kind != "response":
            sys.exit("cold %s: no response: %r; stderr:\n%s" % (handler, r.raw[:300] if r else api.init_errors and
                                                               api.init_errors[0].raw, err_tail(out)))
        times.append((r.at - t0) * 1000.0)
        kb = stop(p, api, cpu)
        if kb >= 0:   # -1: the process had already exited (the floor does at once)
            rss.append(kb)
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
    ap.add_argument("--floor", help="bench-lambda-floor: measure the harness alone too")
    ap.add_argument("--libcurl", help="a small libcurl.so.4 (deploy/build-libcurl): the SSM row again on it")
    args = ap.parse_args()
    boot = os.path.abspath(args.bootstrap)
    load0 = os.getloadavg()
    d = tempfile.mkdtemp(prefix="maitre-bench-lambda-")
    out = os.path.join(d, "out.log")
    try:
        store = "sqlite:%s/maitre.db" % d
        tok, ctx, wl = setup_data(boot, store, out)
        auth_ev = rapi.authorizer_event(tok)
        list_ev = rapi.apigw_event("GET", "/waitlists/%s/waitees" % wl, "/waitlists/{waitlistId}/waitees",
                                   path_params={"waitlistId": wl}, authorizer=ctx)
        ssm = FakeSSM()
        from_ssm = {"MAITRE_JWT_SECRET": None, "MAITRE_JWT_SECRET_SSM": "/maitre/jwt-secret",
                    "MAITRE_SSM_ENDPOINT": ssm.url}
        ext = FakeExtension()
        via_ext = {"MAITRE_JWT_SECRET": None, "MAITRE_JWT_SECRET_SSM": "/maitre/jwt-secret",
                   "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT": str(ext.port)}
        cases = [("authorizer (SQLite)", "authorizer", store, auth_ev, None),
                 ("authorizer, key from SSM (stand-in)", "authorizer", store, auth_ev, from_ssm)]
        if args.libcurl:
            cases.append(("authorizer, key from SSM, small libcurl", "authorizer", store, auth_ev,
                          dict(from_ssm, MAITRE_LIBCURL=os.path.abspath(args.libcurl))))
        cases += [("authorizer, key via the extension", "authorizer", store, auth_ev, via_ext),
                  ("waitees list, 20 guests (SQLite)", "waitees", store, list_ev, None)]
        rows = []
        for name, handler, st, ev, extra in cases:
            t, rss, cpu = cold(boot, handler, st, ev, args.runs, out, extra)
            rows.append((name, t, rss, cpu))
        ssm.close()
        ext.close()
        if args.floor:
            t, rss, cpu = cold(os.path.abspath(args.floor), "floor", store, auth_ev, args.runs, out)
            rows.append(("floor: fetch + post only (libc)", t, rss, cpu))
        print("cold start, exec -> first response posted (%d runs each; load average (1/5/15 min) "
              "%.1f/%.1f/%.1f at the start, %.1f/%.1f/%.1f now)" % ((args.runs,) + load0 + os.getloadavg()))
        for name, t, rss, cpu in rows:
            print("  %-42s median %6.2f ms  min %6.2f  p90 %6.2f  max %6.2f   CPU (user+sys, whole process) "
                  "median %5.2f ms   peak RSS median %5.1f MiB (max %5.1f)"
                  % (name, statistics.median(t), min(t), pct(t, 90), max(t), statistics.median(cpu),
                     statistics.median(rss) / 1024.0 if rss else float("nan"), max(rss) / 1024.0 if rss else float("nan")))
        print("warm, one process, %d invocations" % args.warm)
        for name, handler, st, ev in (("authorizer", "authorizer", store, auth_ev),
                                      ("waitees list, 20 guests", "waitees", store, list_ev)):
            rate, med, p99, rss = warm(boot, handler, st, ev, args.warm, out)
            print("  %-40s %7.0f inv/s through the stand-in; bootstrap's own time per invocation median "
                  "%.3f ms, p99 %.3f ms (= %.0f inv/s); peak RSS %.1f MiB" % (name, rate, med, p99, 1000.0 / med,
                                                                             rss / 1024.0))
    finally:
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()

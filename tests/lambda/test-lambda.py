#!/usr/bin/python3
"""The real `bootstrap` under a Runtime API stand-in (runtime_api.py).

Each test starts bootstrap processes (one per function, as Lambda does) with
_HANDLER and the environment a function would get, feeds them events and
checks what they post back:
  - every handler's happy path and a failure path (SQLite store in a temp dir);
  - a handler failure and a bad event on /invocation/{id}/error, the runtime
    going on afterwards;
  - bad configuration on /runtime/init/error (unknown _HANDLER, no
    MAITRE_STORE, short secret, JWT secret missing for the authorizer);
  - a crash (SIGSEGV while the handler runs) and a handler still running at
    its deadline reported as errors before the deadline, never hung;
  - 10,000 warm invocations in one process: RSS flat, one connection;
  - the JWT secret from SSM and from Secrets Manager, through a stand-in that
    verifies the SigV4 signature of what it receives (tests/aws/fake-aws.py's
    verifier), and through a stand-in of the Parameters and Secrets extension
    that checks its token header: asked after INIT, no libcurl, the API when
    it refuses, an invocation error when neither answers;
  - _X_AMZN_TRACE_ID per invocation: the handler's AWS calls carry the
    invocation's trace (X-Amzn-Trace-Id), the next invocation's replaces it,
    and an invocation without one clears it;
  - the Runtime API client on the rest of HTTP/1.1: Connection: close on
    every answer, chunked events, a kept connection closed under it;
  - libcurl not loaded by a cold start that makes no AWS call.
Run by meson (suite lambda): test-lambda.py --bootstrap PATH [--sanitized].
"""
import argparse
import importlib.util
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import runtime_api as rapi  # noqa: E402

BOOTSTRAP = None
SANITIZED = False
SECRET = secrets.token_urlsafe(48)


def load_verifier():
    """tests/aws/fake-aws.py as a module (its SigV4 verifier functions)."""
    path = os.path.join(HERE, "..", "aws", "fake-aws.py")
    spec = importlib.util.spec_from_file_location("fake_aws", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


class Function:
    """One bootstrap process with its own Runtime API stand-in."""

    def __init__(self, handler, env, workdir, start=True):
        self.api = rapi.RuntimeAPI().start()
        self.handler = handler
        self.out_path = os.path.join(workdir, "%s-%d.out" % (handler or "none", id(self)))
        self.err_path = self.out_path[:-4] + ".err"
        full = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8",
                "AWS_LAMBDA_RUNTIME_API": self.api.address, "AWS_REGION": "us-east-1",
                "AWS_LAMBDA_FUNCTION_NAME": "maitre-" + (handler or "x"),
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128"}
        if handler is not None:
            full["_HANDLER"] = handler
        # MAITRE_LIBCURL: the suite on another libcurl (deploy/build-libcurl's)
        for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", "MAITRE_LIBCURL"):
            if k in os.environ:
                full[k] = os.environ[k]
        full.update(env)
        self.env = {k: v for k, v in full.items() if v is not None}
        self.proc = None
        if start:
            self.start()

    def start(self):
        self.t_exec = time.monotonic()
        with open(self.out_path, "wb") as out, open(self.err_path, "wb") as err:
            self.proc = subprocess.Popen([BOOTSTRAP], env=self.env, stdout=out, stderr=err,
                                         stdin=subprocess.DEVNULL)

    def invoke(self, event, **kw):
        return self.api.invoke(event, **kw)

    def rss_kb(self):
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return -1

    def log_lines(self):
        with open(self.out_path, encoding="utf-8", errors="replace") as f:
            return [json.loads(x) for x in f if x.strip()]

    def stdout_text(self):
        with open(self.out_path, encoding="utf-8", errors="replace") as f:
            return f.read()

    def stderr(self):
        with open(self.err_path, encoding="utf-8", errors="replace") as f:
            return f.read()

    def stop(self, timeout=20):
        """Ends the loop the way a Runtime API failure does; returns the exit status."""
        self.api.close_next()
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        self.api.stop()
        return rc


class Blackhole:
    """A TCP server that accepts connections and never answers (a hung store)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.conns = []
        threading.Thread(target=self.run, daemon=True).start()

    def run(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(c)

    def close(self):
        for c in self.conns:
            c.close()
        self.sock.close()


class Base(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="maitre-lambda-")
        self.functions = []
        self.store = "sqlite:%s/maitre.db" % self.dir

    def tearDown(self):
        for f in self.functions:
            if f.proc and f.proc.poll() is None:
                f.proc.kill()
                f.proc.wait()
            try:
                f.api.stop()
            except Exception:
                pass
        if not os.environ.get("MAITRE_TEST_KEEP"):
            shutil.rmtree(self.dir, ignore_errors=True)

    def fn(self, handler, **env):
        base = {"MAITRE_STORE": self.store, "MAITRE_JWT_SECRET": SECRET}
        base.update(env)
        f = Function(handler, base, self.dir)
        self.functions.append(f)
        return f

    def ok(self, f, event, status=None, **kw):
        r = f.invoke(event, **kw)
        self.assertIsNotNone(r, "no answer from %s; stderr: %s" % (f.handler, f.stderr()[-2000:]))
        self.assertEqual(r.kind, "response", "%s answered %s: %r" % (f.handler, r.kind, r.raw[:300]))
        if status is not None:
            self.assertEqual(r.json.get("statusCode"), status, r.raw[:500])
        return r.json

    def init_error(self, handler, env, etype, words):
        f = self.fn(handler, **env)
        r = f.api.wait_init_error()
        self.assertIsNotNone(r, "no init error; stderr: %s" % f.stderr())
        self.assertEqual(r.json["errorType"], etype)
        for w in words:
            self.assertIn(w, r.json["errorMessage"])
        self.assertEqual(f.proc.wait(timeout=10), 1)
        self.assertEqual(f.api.next_calls, 0)
        self.assertEqual(f.api.problems, [])
        return r

    def body(self, resp):
        return json.loads(resp["body"]) if resp.get("body") else None

    def clean_stop(self, f):
        rc = f.stop()
        self.assertEqual(rc, 1, "bootstrap should end with 1 when the Runtime API fails; "
                                "stderr: %s" % f.stderr()[-2000:])
        self.assertEqual(f.api.problems, [])


class TestHandlers(Base):
    """Every handler's happy path and a failure path, through the real loop."""

    def test_every_handler(self):
        hook = secrets.token_hex(16)
        env = {"MAITRE_SMS_HOOK_SECRET": hook}
        fs = {h: self.fn(h, **env) for h in ("healthz", "register", "token", "refresh", "logout", "authorizer",
                                             "waitlists", "waitees", "producer", "consumer", "sms-hook")}
        ev = rapi.apigw_event
        # healthz
        r = self.ok(fs["healthz"], ev("GET", "/healthz"), 200)
        self.assertEqual(fs["healthz"].invoke(None, raw=b"{not json").kind, "error")
        # register: created, then the same e-mail again is a conflict
        acct = {"email": "owner-%s@example.com" % secrets.token_hex(4), "password": "correct horse battery",
                "name": "Chez Test"}
        self.ok(fs["register"], ev("POST", "/register", body=acct), 201)
        self.ok(fs["register"], ev("POST", "/register", body=acct), 409)
        # token: a token, and a wrong password refused
        r = self.ok(fs["token"], ev("POST", "/auth/get-token", body={"email": acct["email"],
                                                                      "password": acct["password"]}), 200)
        tok = self.body(r)
        self.assertTrue(tok["accessToken"].startswith("Bearer "))
        self.ok(fs["token"], ev("POST", "/auth/get-token", body={"email": acct["email"], "password": "wrong pw 1"}),
                401)
        # authorizer: yes with the tenant in the context, no for a forged token
        a = self.ok(fs["authorizer"], rapi.authorizer_event(tok["accessToken"]))
        self.assertTrue(a["isAuthorized"])
        ctx = a["context"]
        self.assertTrue(ctx["sub"] and ctx["tenantId"])
        forged = tok["accessToken"][:-4] + ("AAAA" if not tok["accessToken"].endswith("AAAA") else "BBBB")
        self.assertFalse(self.ok(fs["authorizer"], rapi.authorizer_event(forged))["isAuthorized"])
        self.assertFalse(self.ok(fs["authorizer"], rapi.authorizer_event(None))["isAuthorized"])
        # refresh: a new pair; a made-up token refused
        r = self.ok(fs["refresh"], ev("POST", "/auth/refresh", body={"refreshToken": tok["refreshToken"]}), 200)
        tok2 = self.body(r)
        self.assertNotEqual(tok2["refreshToken"], tok["refreshToken"])
        self.ok(fs["refresh"], ev("POST", "/auth/refresh", body={"refreshToken": "x" * 40}), 401)
        # waitlists: create and list; another id answers 404
        r = self.ok(fs["waitlists"], ev("POST", "/waitlists", body={"name": "Patio"}, authorizer=ctx), 201)
        wl = self.body(r)["id"]
        r = self.ok(fs["waitlists"], ev("GET", "/waitlists", authorizer=ctx), 200)
        self.assertIn(wl, [x["id"] for x in self.body(r)])
        self.ok(fs["waitlists"], ev("PUT", "/waitlists/01ZZZZZZZZZZZZZZZZZZZZZZZZ", "/waitlists/{waitlistId}",
                                    body={"name": "x"}, path_params={"waitlistId": "01ZZZZZZZZZZZZZZZZZZZZZZZZ"},
                                    authorizer=ctx), 404)
        # waitees: a guest told now; a bad phone refused
        wpath = "/waitlists/%s/waitees" % wl
        r = self.ok(fs["waitees"], ev("POST", wpath, "/waitlists/{waitlistId}/waitees",
                                      body={"name": "Ana", "phoneNumber": "+15551230001", "notifyIn": 0},
                                      path_params={"waitlistId": wl}, authorizer=ctx), 201)
        guest = self.body(r)
        self.ok(fs["waitees"], ev("POST", wpath, "/waitlists/{waitlistId}/waitees",
                                  body={"name": "Bo", "phoneNumber": "555", "notifyIn": 0},
                                  path_params={"waitlistId": wl}, authorizer=ctx), 400)
        # producer: runs over the due index (the guest was queued at once by the waitees function)
        p = self.ok(fs["producer"], rapi.scheduled_event())
        self.assertNotIn("error", p)
        for k in ("queued", "skipped", "failed", "due"):
            self.assertIsInstance(p[k], int)
        # consumer: the message is delivered (log channel) and the guest marked notified;
        # a malformed record is reported in batchItemFailures
        msg = json.dumps({"waiteeId": guest["id"], "waitlistId": wl, "kind": "ready", "seq": 1})
        c = self.ok(fs["consumer"], rapi.sqs_event([("m-good", msg, "rh-1", 1), ("m-bad", "{}", "rh-2", 1)]))
        self.assertEqual(c["batchItemFailures"], [{"itemIdentifier": "m-bad"}])
        one = "/waitlists/%s/waitees/%s" % (wl, guest["id"])
        r = self.ok(fs["waitees"], ev("GET", one, "/waitlists/{waitlistId}/waitees/{waiteeId}",
                                      path_params={"waitlistId": wl, "waiteeId": guest["id"]}, authorizer=ctx), 200)
        self.assertEqual(self.body(r)["status"], "notified")
        # sms-hook: the guest answers 1 (confirmed); a wrong secret is refused
        form = "From=%2B15551230001&Body=1"
        hk = {"content-type": "application/x-www-form-urlencoded", "x-maitre-hook-secret": hook}
        self.ok(fs["sms-hook"], ev("POST", "/hooks/sms", body=form, headers=hk), 200)
        r = self.ok(fs["waitees"], ev("GET", one, "/waitlists/{waitlistId}/waitees/{waiteeId}",
                                      path_params={"waitlistId": wl, "waiteeId": guest["id"]}, authorizer=ctx), 200)
        self.assertEqual(self.body(r)["status"], "confirmed")
        hk["x-maitre-hook-secret"] = "wrong"
        self.ok(fs["sms-hook"], ev("POST", "/hooks/sms", body=form, headers=hk), 401)
        # logout: 204, then the refresh token is dead; a malformed body is refused
        self.ok(fs["logout"], ev("POST", "/auth/logout", body={"refreshToken": tok2["refreshToken"]}), 204)
        self.ok(fs["refresh"], ev("POST", "/auth/refresh", body={"refreshToken": tok2["refreshToken"]}), 401)
        self.ok(fs["logout"], ev("POST", "/auth/logout", body="[1,2"), 400)

        # one log line per invocation, cold only the first, nothing secret in them
        for h, f in fs.items():
            n = len(f.api.results)
            self.clean_stop(f)
            lines = [x for x in f.log_lines() if x.get("msg") == "invocation"]
            self.assertEqual(len(lines), n, h)
            self.assertEqual([x["cold"] for x in lines], [True] + [False] * (n - 1), h)
            self.assertEqual(sorted(x["requestId"] for x in lines), sorted(f.api.results), h)
            self.assertEqual(f.api.connections, 1, "%s opened %d connections" % (h, f.api.connections))
            text = f.stdout_text() + f.stderr()
            for s in (SECRET, tok["accessToken"][7:], tok["refreshToken"], acct["password"], hook):
                self.assertNotIn(s, text, h)


class TestErrors(Base):
    """What goes to /error and /init/error, and a runtime that never hangs."""

    def test_bad_event_then_goes_on(self):
        f = self.fn("waitlists")
        r = f.invoke(None, raw=b"\x00\x01 not json")
        self.assertEqual(r.kind, "error")
        self.assertEqual(r.json["errorType"], "Runtime.InvalidEvent")
        self.ok(f, rapi.apigw_event("GET", "/waitlists", authorizer={"sub": "01A", "tenantId": "01B",
                                                                     "role": "owner"}), 200)
        line = [x for x in f.log_lines() if x.get("msg") == "invocation"][0]
        self.assertEqual(line["outcome"], "error")
        self.assertEqual(line["errorType"], "Runtime.InvalidEvent")
        self.clean_stop(f)

    def test_deadline_already_passed(self):
        f = self.fn("healthz")
        r = f.invoke(rapi.apigw_event("GET", "/healthz"), deadline_ms=int(time.time() * 1000) - 10)
        self.assertEqual(r.kind, "error")
        self.assertEqual(r.json["errorType"], "Runtime.Timeout")
        self.ok(f, rapi.apigw_event("GET", "/healthz"), 200)
        self.clean_stop(f)

    def test_init_errors(self):
        self.init_error("no-such-handler", {}, "Runtime.UnknownHandler", ["no-such-handler", "waitees"])
        self.init_error(None, {}, "Runtime.UnknownHandler", ["_HANDLER"])
        self.init_error("waitees", {"MAITRE_STORE": None}, "Runtime.ConfigError", ["MAITRE_STORE"])
        self.init_error("waitees", {"MAITRE_STORE": "mysql://x"}, "Runtime.ConfigError", ["mysql"])
        r = self.init_error("token", {"MAITRE_JWT_SECRET": "short"}, "Runtime.ConfigError", ["at least 32"])
        self.assertNotIn("short", r.json["errorMessage"].replace("too short", ""))
        self.init_error("authorizer", {"MAITRE_JWT_SECRET": None}, "Runtime.ConfigError",
                        ["MAITRE_JWT_SECRET_SSM"])
        self.init_error("token", {"MAITRE_JWT_SECRET_SSM": "/a", "MAITRE_JWT_SECRET_ID": "b"},
                        "Runtime.ConfigError", ["only one"])
        # a handler that signs nothing starts without the secret
        f = self.fn("waitlists", MAITRE_JWT_SECRET=None)
        self.ok(f, rapi.apigw_event("GET", "/waitlists", authorizer={"sub": "01A", "tenantId": "01B",
                                                                     "role": "owner"}), 200)
        self.clean_stop(f)

    def test_no_runtime_api(self):
        p = subprocess.run([BOOTSTRAP], env={"PATH": "/usr/bin:/bin", "_HANDLER": "healthz"},
                           capture_output=True, timeout=10)
        self.assertEqual(p.returncode, 1)
        self.assertIn(b"AWS_LAMBDA_RUNTIME_API", p.stderr)

    def hung_store(self):
        self.hole = Blackhole()
        self.addCleanup(self.hole.close)
        return "dynamodb://maitre?region=us-east-1&endpoint=http://127.0.0.1:%d" % self.hole.port

    def test_deadline_honoured(self):
        f = self.fn("waitlists", MAITRE_STORE=self.hung_store(), AWS_ACCESS_KEY_ID="AKIDTEST",
                    AWS_SECRET_ACCESS_KEY="test-secret")
        deadline = int(time.time() * 1000) + 1200
        r = f.invoke(rapi.apigw_event("GET", "/waitlists", authorizer={"sub": "01A", "tenantId": "01B",
                                                                       "role": "owner"}),
                     deadline_ms=deadline, timeout_s=10)
        self.assertIsNotNone(r, "hung: no answer; stderr %s" % f.stderr()[-1000:])
        self.assertEqual(r.kind, "error")
        self.assertEqual(r.json["errorType"], "Runtime.Timeout")
        self.assertLess(r.at * 1000, deadline, "reported after the deadline")
        self.assertGreater(r.at * 1000, deadline - 400, "reported long before the deadline")
        self.assertEqual(f.proc.wait(timeout=10), 1)
        line = [x for x in f.log_lines() if x.get("msg") == "invocation"][-1]
        self.assertEqual(line["errorType"], "Runtime.Timeout")
        self.assertEqual(f.api.problems, [])

    def test_crash_reported(self):
        f = self.fn("waitlists", MAITRE_STORE=self.hung_store(), AWS_ACCESS_KEY_ID="AKIDTEST",
                    AWS_SECRET_ACCESS_KEY="test-secret")
        rid = f.api.submit(rapi.apigw_event("GET", "/waitlists", authorizer={"sub": "01A", "tenantId": "01B",
                                                                             "role": "owner"}), timeout_s=60)
        for _ in range(100):   # wait until the handler is inside its store call
            if self.hole.conns:
                break
            time.sleep(0.05)
        self.assertTrue(self.hole.conns, "the handler never reached the store")
        os.kill(f.proc.pid, signal.SIGSEGV)
        r = f.api.wait(rid, 10)
        self.assertIsNotNone(r, "a crash left the invocation hanging")
        self.assertEqual(r.kind, "error")
        self.assertEqual(r.json["errorType"], "Runtime.Crash")
        self.assertIn("SIGSEGV", r.json["errorMessage"])
        self.assertEqual(f.proc.wait(timeout=10), -signal.SIGSEGV)
        self.assertEqual(f.api.problems, [])


class TestWarm(Base):
    """Many invocations in one process."""

    def test_10000_warm_invocations(self):
        env = {}
        if SANITIZED:   # ASan keeps freed memory in quarantine: RSS would grow by design
            env["ASAN_OPTIONS"] = ":".join(x for x in (os.environ.get("ASAN_OPTIONS", ""),
                                                       "quarantine_size_mb=0:thread_local_quarantine_size_kb=0") if x)
        f = self.fn("authorizer", **env)
        reg = self.fn("register")
        tokf = self.fn("token")
        acct = {"email": "warm@example.com", "password": "correct horse battery", "name": "W"}
        self.ok(reg, rapi.apigw_event("POST", "/register", body=acct), 201)
        tok = self.body(self.ok(tokf, rapi.apigw_event("POST", "/auth/get-token", body=acct), 200))["accessToken"]
        good, bad = rapi.authorizer_event(tok), rapi.authorizer_event("Bearer x.y.z")
        raw_good, raw_bad = json.dumps(good).encode(), json.dumps(bad).encode()
        total, warmup = int(os.environ.get("MAITRE_TEST_WARM", "10000")), 1000
        rss = []
        t0 = time.monotonic()
        for i in range(total):
            r = f.invoke(None, raw=raw_bad if i % 10 == 9 else raw_good)
            self.assertIsNotNone(r, "no answer to invocation %d; bootstrap's exit status %r, connections %d, "
                                    "problems %r; stderr: %s" % (i, f.proc.poll(), f.api.connections,
                                                                 f.api.problems, f.stderr()[-2000:]))
            self.assertEqual(r.kind, "response")
            if i % 10 == 9:
                self.assertFalse(r.json["isAuthorized"])
            elif i % 1000 == 0:
                self.assertTrue(r.json["isAuthorized"])
            if i + 1 == warmup or i + 1 == total:
                rss.append(f.rss_kb())
        secs = time.monotonic() - t0
        growth = rss[1] - rss[0]
        print("warm: %d invocations in %.1f s (%.0f/s through the python stand-in), RSS %d kB after %d, "
              "%d kB after %d (+%d kB)" % (total, secs, total / secs, rss[0], warmup, rss[1], total, growth))
        self.assertLess(growth, 8192 if SANITIZED else 512, "RSS grew by %d kB" % growth)
        self.assertEqual(f.api.connections, 1)
        self.clean_stop(f)


class RecordingDynamo:
    """A DynamoDB stand-in that answers every request with no items and records its headers."""

    def __init__(self):
        self.requests = []
        outer = self

        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                outer.requests.append({"target": self.headers.get("X-Amz-Target"),
                                       "trace": self.headers.get_all("X-Amzn-Trace-Id") or [],
                                       "signed": self.headers.get("Authorization", "")})
                data = b'{"Items":[],"Count":0,"ScannedCount":0}'
                self.send_response(200)
                self.send_header("Content-Type", "application/x-amz-json-1.0")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class TestTrace(Base):
    """_X_AMZN_TRACE_ID is the running invocation's trace, seen by the handler's AWS calls."""

    def test_trace_set_replaced_cleared(self):
        ddb = RecordingDynamo()
        self.addCleanup(ddb.close)
        f = self.fn("waitlists", MAITRE_STORE="dynamodb://maitre?region=us-east-1&endpoint=" + ddb.url,
                    AWS_ACCESS_KEY_ID="AKIDTRACE", AWS_SECRET_ACCESS_KEY="trace-secret",
                    AWS_SESSION_TOKEN="trace-token")
        ctx = {"sub": "01HZZZZZZZZZZZZZZZZZZZZZZZ", "tenantId": "01HYYYYYYYYYYYYYYYYYYYYYYY", "role": "owner"}
        ev = rapi.apigw_event("GET", "/waitlists", authorizer=ctx)
        t1 = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
        t2 = "Root=1-5759e989-0123456789abcdef01234567;Parent=0123456789abcdef;Sampled=0"
        seen = []
        for trace in (t1, t2, "", t1):
            before = len(ddb.requests)
            r = f.invoke(ev, trace=trace)
            self.assertIsNotNone(r)
            self.assertEqual(r.kind, "response", r.raw[:300])
            mine = ddb.requests[before:]
            self.assertTrue(mine, "the handler made no DynamoDB call")
            seen.append({tuple(x["trace"]) for x in mine})
        self.assertEqual(seen[0], {(t1,)})
        self.assertEqual(seen[1], {(t2,)})          # replaced, not appended
        self.assertEqual(seen[2], {()})             # an invocation without a trace: none
        self.assertEqual(seen[3], {(t1,)})          # set again after being cleared
        self.clean_stop(f)

    def test_no_trace_header_off_lambda(self):
        """The header is Lambda's: without AWS_LAMBDA_FUNCTION_NAME (a process off Lambda) none is sent."""
        ddb = RecordingDynamo()
        self.addCleanup(ddb.close)
        f = self.fn("waitlists", MAITRE_STORE="dynamodb://maitre?region=us-east-1&endpoint=" + ddb.url,
                    AWS_ACCESS_KEY_ID="AKIDTRACE", AWS_SECRET_ACCESS_KEY="trace-secret",
                    AWS_LAMBDA_FUNCTION_NAME=None)
        ctx = {"sub": "01HZZZZZZZZZZZZZZZZZZZZZZZ", "tenantId": "01HYYYYYYYYYYYYYYYYYYYYYYY", "role": "owner"}
        r = f.invoke(rapi.apigw_event("GET", "/waitlists", authorizer=ctx), trace="Root=1-5759e988-bd862e3fe1be46a9")
        self.assertEqual(r.kind, "response")
        self.assertTrue(ddb.requests)
        self.assertEqual([x["trace"] for x in ddb.requests if x["trace"]], [])
        self.clean_stop(f)


class TestRuntimeHTTP(Base):
    """The Runtime API client (plain sockets) on what else HTTP/1.1 allows."""

    def run_mode(self, mode, n=12):
        f = self.fn("healthz")
        f.api.http_mode = mode
        for i in range(n):
            if i == n // 2:   # a bad event in the middle: an error, then the loop goes on
                r = f.invoke(None, raw=b"{not json")
                self.assertIsNotNone(r)
                self.assertEqual(r.kind, "error")
                self.assertEqual(r.json["errorType"], "Runtime.InvalidEvent")
                continue
            ev = rapi.apigw_event("GET", "/healthz", headers={"x-pad": "p" * (100 * i)})
            self.ok(f, ev, 200)
        conns = f.api.connections
        self.clean_stop(f)
        return conns

    def test_connection_close_on_every_answer(self):
        # next and the post of each invocation: a connection each
        self.assertGreaterEqual(self.run_mode("close"), 2 * 12)

    def test_chunked_events(self):
        # the events arrive in 7-byte chunks and parse: one kept connection throughout
        self.assertEqual(self.run_mode("chunked"), 1)

    def test_kept_connection_closed_under_it(self):
        # closed after every post without a word: the next `next` finds it closed and reopens
        self.assertGreaterEqual(self.run_mode("drop"), 12)

    def test_malformed_answer_ends_the_process(self):
        f = self.fn("healthz")
        f.api.http_mode = "badchunk"
        f.api.submit(rapi.apigw_event("GET", "/healthz"))
        self.assertEqual(f.proc.wait(timeout=20), 1)
        self.assertIn("malformed answer", f.stderr())
        self.assertEqual(f.api.results, {})

    def test_queue_only_where_notifications_are(self):
        # the authorizer never notifies: no queue (on SQLite, no second connection); waitees do
        auth = self.fn("authorizer")
        wait = self.fn("waitees")
        self.ok(auth, rapi.authorizer_event(None))
        self.ok(wait, rapi.apigw_event("GET", "/waitlists/x/waitees", "/waitlists/{waitlistId}/waitees",
                                       path_params={"waitlistId": "x"}))
        queue = {f.handler: [x for x in f.log_lines() if x.get("msg") == "init"][0]["queue"] for f in (auth, wait)}
        self.assertEqual(queue, {"authorizer": False, "waitees": True})
        def db_fds(f):   # SQLite connections open on the store's file
            fd_dir = "/proc/%d/fd" % f.proc.pid
            return sum(1 for x in os.listdir(fd_dir)
                       if os.readlink(os.path.join(fd_dir, x)) == self.store[len("sqlite:"):])
        self.assertEqual((db_fds(auth), db_fds(wait)), (1, 2))
        self.clean_stop(auth)
        self.clean_stop(wait)

    def test_cold_start_without_aws_call_does_not_load_libcurl(self):
        f = self.fn("authorizer", MAITRE_STORE="dynamodb://maitre?region=us-east-1",
                    AWS_ACCESS_KEY_ID="AKIDCOLD", AWS_SECRET_ACCESS_KEY="cold-secret")
        r = f.invoke(rapi.authorizer_event("Bearer x.y.z"))
        self.assertEqual(r.kind, "response")
        self.assertFalse(r.json["isAuthorized"])
        with open("/proc/%d/maps" % f.proc.pid) as m:
            maps = m.read()
        self.assertIn("libcjson", maps)
        self.assertNotIn("libcurl", maps)
        init = [x for x in f.log_lines() if x.get("msg") == "init"]
        self.assertEqual(init[0]["libcurl"], False)
        self.clean_stop(f)


class SecretStore:
    """SSM / Secrets Manager stand-in: verifies SigV4 and the request, answers the secret."""

    def __init__(self, verifier, access_key, secret_key, token, value, values=None):
        self.requests = []
        store = self
        values = values or {}   # parameter name -> value; others get value

        class H(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                hdrs = {}
                for k, v in self.headers.items():
                    hdrs.setdefault(k.lower(), []).append(v)
                why = store.check(verifier, hdrs, body, access_key, secret_key, token, self)
                store.requests.append({"target": self.headers.get("X-Amz-Target"), "why": why,
                                       "body": body.decode()})
                if why:
                    out, code = {"__type": "InvalidSignatureException", "message": why}, 403
                else:
                    t = self.headers.get("X-Amz-Target")
                    req = json.loads(body)
                    name = req.get("Name") or req.get("SecretId")
                    val = values.get(name, value)
                    out, code = ({"Parameter": {"Name": name, "Type": "SecureString", "Value": val}}, 200) \
                        if t == "AmazonSSM.GetParameter" else ({"Name": name, "SecretString": val}, 200)
                data = json.dumps(out).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/x-amz-json-1.1")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def check(self, v, hdrs, body, akid, secret, token, req):
        """Returns why the request is refused, or None."""
        import re
        auth = (hdrs.get("authorization") or [""])[0]
        m = re.match(r"AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request, "
                     r"SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$", auth)
        if not m:
            return "no SigV4 authorization"
        key, date, region, service, signed, sig = m.groups()
        target = (hdrs.get("x-amz-target") or [""])[0]
        want_service = "ssm" if target == "AmazonSSM.GetParameter" else "secretsmanager"
        if key != akid or region != "us-east-1" or service != want_service:
            return "wrong key, region or service scope"
        if (hdrs.get("content-type") or [""])[0] != "application/x-amz-json-1.1":
            return "not AWS JSON 1.1"
        if (hdrs.get("x-amz-security-token") or [None])[0] != token or "x-amz-security-token" not in signed:
            return "session token missing or unsigned"
        if "x-amz-target" not in signed.split(";"):
            return "target not signed"
        creq = v.canonical_request("POST", req.path.split("?")[0], "", hdrs, signed.split(";"),
                                   v.sha256_hex(body))
        if v.signature(secret, hdrs["x-amz-date"][0], region, service, creq) != sig:
            return "signature mismatch"
        j = json.loads(body)
        if target == "AmazonSSM.GetParameter" and j.get("WithDecryption") is not True:
            return "WithDecryption not asked"
        return None

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class TestSecretParameter(Base):
    def run_with(self, env_name, target, name):
        v = load_verifier()
        value = secrets.token_urlsafe(40)
        st = SecretStore(v, "AKIDLAMBDA", "lambda-secret-key", "session-token-xyz", value)
        self.addCleanup(st.close)
        env = {"MAITRE_JWT_SECRET": None, env_name: name, "AWS_ACCESS_KEY_ID": "AKIDLAMBDA",
               "AWS_SECRET_ACCESS_KEY": "lambda-secret-key", "AWS_SESSION_TOKEN": "session-token-xyz",
               "MAITRE_SSM_ENDPOINT": st.url, "MAITRE_SECRETSMANAGER_ENDPOINT": st.url}
        reg = self.fn("register")
        tokf = self.fn("token", **env)
        auth = self.fn("authorizer", MAITRE_JWT_SECRET=value)   # the same key given directly
        other = self.fn("authorizer")                    # another key
        acct = {"email": "p-%s@example.com" % secrets.token_hex(3), "password": "correct horse battery",
                "name": "P"}
        self.ok(reg, rapi.apigw_event("POST", "/register", body=acct), 201)
        tok = self.body(self.ok(tokf, rapi.apigw_event("POST", "/auth/get-token", body=acct), 200))["accessToken"]
        self.ok(tokf, rapi.apigw_event("POST", "/auth/get-token", body=acct), 200)
        # read once at init, whatever the number of invocations
        self.assertEqual(len(st.requests), 1, st.requests)
        self.assertIsNone(st.requests[0]["why"])
        self.assertEqual(st.requests[0]["target"], target)
        self.assertIn(name, st.requests[0]["body"])
        # signed with the parameter's value: accepted by the same key, refused by another
        self.assertTrue(self.ok(auth, rapi.authorizer_event(tok))["isAuthorized"])
        self.assertFalse(self.ok(other, rapi.authorizer_event(tok))["isAuthorized"])
        self.assertNotIn(value, tokf.stdout_text() + tokf.stderr())
        # a wrong secret key: the stand-in refuses the signature, the function an init error
        bad = self.fn("token", **dict(env, AWS_SECRET_ACCESS_KEY="not-the-key"))
        r = bad.api.wait_init_error()
        self.assertIsNotNone(r)
        self.assertEqual(r.json["errorType"], "Runtime.ConfigError")
        self.assertIn("InvalidSignatureException", r.json["errorMessage"])
        self.assertEqual(st.requests[-1]["why"], "signature mismatch")
        self.clean_stop(tokf)

    def test_channel_secrets(self):
        """MAITRE_SMS_TOKEN, MAITRE_SMTP_PASSWORD, MAITRE_SMS_HOOK_SECRET from SSM / Secrets Manager."""
        v = load_verifier()
        hook, sms_token, smtp_pw = secrets.token_hex(20), secrets.token_hex(16), secrets.token_urlsafe(18)
        st = SecretStore(v, "AKIDLAMBDA", "lambda-secret-key", "session-token-xyz", "unused",
                         values={"/maitre/sms-hook": hook, "/maitre/sms-token": sms_token,
                                 "maitre-smtp-password": smtp_pw, "/maitre/empty": ""})
        self.addCleanup(st.close)
        aws = {"AWS_ACCESS_KEY_ID": "AKIDLAMBDA", "AWS_SECRET_ACCESS_KEY": "lambda-secret-key",
               "AWS_SESSION_TOKEN": "session-token-xyz", "MAITRE_SSM_ENDPOINT": st.url,
               "MAITRE_SECRETSMANAGER_ENDPOINT": st.url}
        # the hook secret: the hook answers the gateway that knows it, refuses one that does not
        hookf = self.fn("sms-hook", MAITRE_SMS_HOOK_SECRET_SSM="/maitre/sms-hook", **aws)
        form = "From=%2B15550009999&Body=yes&MessageSid=SM" + secrets.token_hex(16)

        def hook_event(secret):
            return rapi.apigw_event("POST", "/hooks/sms", body=form,
                                    headers={"content-type": "application/x-www-form-urlencoded",
                                             "x-maitre-hook-secret": secret})
        self.ok(hookf, hook_event(hook), 200)
        self.ok(hookf, hook_event("not-" + hook), 401)
        # the consumer's channels: SMS token from SSM, SMTP password from Secrets Manager; without
        # them its init would fail ("MAITRE_SMS_URL is set but MAITRE_SMS_TOKEN is not")
        chan = {"MAITRE_SMS_URL": "http://127.0.0.1:9", "MAITRE_SMS_ACCOUNT": "ACtest", "MAITRE_SMS_FROM": "+15550001111",
                "MAITRE_SMS_TOKEN_SSM": "/maitre/sms-token", "MAITRE_SMTP_URL": "smtp://127.0.0.1:9",
                "MAITRE_SMTP_FROM": "maitre@example.com", "MAITRE_SMTP_USER": "maitre",
                "MAITRE_SMTP_PASSWORD_ID": "maitre-smtp-password"}
        cons = self.fn("consumer", **dict(aws, **chan))
        r = self.ok(cons, rapi.sqs_event([]))
        self.assertEqual(r.get("batchItemFailures"), [])
        asked = sorted((x["target"], x["why"]) for x in st.requests)
        self.assertEqual(asked, [("AmazonSSM.GetParameter", None), ("AmazonSSM.GetParameter", None),
                                 ("secretsmanager.GetSecretValue", None)])
        for f in (hookf, cons):
            text = f.stdout_text() + f.stderr()
            for secret in (hook, sms_token, smtp_pw):
                self.assertNotIn(secret, text)
        self.clean_stop(hookf)
        self.clean_stop(cons)
        # what is refused at init, naming the variables and never the value
        self.init_error("consumer", dict(aws, **dict(chan, MAITRE_SMS_TOKEN="x")), "Runtime.ConfigError",
                        ["MAITRE_SMS_TOKEN and a secret parameter (MAITRE_SMS_TOKEN_SSM)", "keep one"])
        self.init_error("consumer", dict(aws, **dict(chan, MAITRE_SMS_TOKEN_ID="t")), "Runtime.ConfigError",
                        ["set only one of MAITRE_SMS_TOKEN_SSM and MAITRE_SMS_TOKEN_ID"])
        self.init_error("sms-hook", dict(aws, MAITRE_SMS_HOOK_SECRET_SSM="/maitre/empty"), "Runtime.ConfigError",
                        ["MAITRE_SMS_HOOK_SECRET", "/maitre/empty", "empty"])
        r = self.init_error("consumer", dict(aws, **dict(chan, AWS_SECRET_ACCESS_KEY="not-the-key")),
                            "Runtime.ConfigError", ["cannot read the MAITRE_SMS_TOKEN", "InvalidSignatureException"])
        self.assertNotIn(sms_token, r.json["errorMessage"])

    def test_ssm(self):
        self.run_with("MAITRE_JWT_SECRET_SSM", "AmazonSSM.GetParameter", "/maitre/prod/jwt-secret")

    def test_secrets_manager(self):
        self.run_with("MAITRE_JWT_SECRET_ID", "secretsmanager.GetSecretValue",
                      "arn:aws:secretsmanager:us-east-1:123456789012:secret:maitre-jwt-AbCdEf")


class SecretsExtension:
    """The AWS Parameters and Secrets Lambda Extension, stood in: plain HTTP on
    loopback, GET /systemsmanager/parameters/get?name=N&withDecryption=true and
    /secretsmanager/get?secretId=N answering what GetParameter / GetSecretValue
    answer, only with the right X-Aws-Parameters-Secrets-Token (401 otherwise,
    as the extension does). Records every request with whether an invocation
    had been handed out by then (AWS serves the extension only after INIT)."""

    def __init__(self, token, value):
        self.requests = []
        self.api = None   # the function's RuntimeAPI, set before it starts
        ext = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                from urllib.parse import urlsplit, parse_qs
                u = urlsplit(self.path)
                q = {k: v[0] for k, v in parse_qs(u.query).items()}
                got = self.headers.get("X-Aws-Parameters-Secrets-Token")
                invoked = ext.api is not None and bool(ext.api.handed or ext.api.results)
                ext.requests.append({"path": u.path, "query": q, "token_ok": got == token, "invoked": invoked,
                                     "raw_query": u.query})
                if got != token:
                    out, code = {"message": "unauthorized"}, 401
                elif u.path == "/systemsmanager/parameters/get" and "name" in q:
                    out, code = {"Parameter": {"Name": q["name"], "Type": "SecureString", "Value": value,
                                               "Version": 1}}, 200
                elif u.path == "/secretsmanager/get" and "secretId" in q:
                    out, code = {"Name": q["secretId"], "SecretString": value}, 200
                else:
                    out, code = {"message": "not found"}, 404
                data = json.dumps(out).encode()
                self.send_response(code)
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


class TestSecretsExtension(Base):
    """The JWT secret through the Parameters and Secrets extension: asked at
    the first invocation (not during INIT), with the session token, without
    libcurl; the store's API when the extension refuses; an invocation error
    when neither gives it."""

    def setup_stores(self, ext_token="session-token-xyz"):
        v = load_verifier()
        value = secrets.token_urlsafe(40)
        api_store = SecretStore(v, "AKIDLAMBDA", "lambda-secret-key", "session-token-xyz", value)
        self.addCleanup(api_store.close)
        ext = SecretsExtension(ext_token, value)
        self.addCleanup(ext.close)
        env = {"MAITRE_JWT_SECRET": None, "AWS_ACCESS_KEY_ID": "AKIDLAMBDA",
               "AWS_SECRET_ACCESS_KEY": "lambda-secret-key", "AWS_SESSION_TOKEN": "session-token-xyz",
               "MAITRE_SSM_ENDPOINT": api_store.url, "MAITRE_SECRETSMANAGER_ENDPOINT": api_store.url,
               "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT": str(ext.port)}
        return value, api_store, ext, env

    def fn_with(self, ext, handler, env):
        f = Function(handler, dict({"MAITRE_STORE": self.store}, **env), self.dir, start=False)
        self.functions.append(f)
        ext.api = f.api
        f.start()
        return f

    def token_for(self, acct):
        reg = self.fn("register")
        self.ok(reg, rapi.apigw_event("POST", "/register", body=acct), 201)
        self.clean_stop(reg)

    def check_signed_with(self, value, tok):
        good = self.fn("authorizer", MAITRE_JWT_SECRET=value)
        self.assertTrue(self.ok(good, rapi.authorizer_event(tok))["isAuthorized"])
        self.assertFalse(self.ok(self.fn("authorizer"), rapi.authorizer_event(tok))["isAuthorized"])

    def run_ext(self, var, name, path, key):
        value, api_store, ext, env = self.setup_stores()
        acct = {"email": "x-%s@example.com" % secrets.token_hex(3), "password": "correct horse battery", "name": "X"}
        self.token_for(acct)
        f = self.fn_with(ext, "token", dict(env, **{var: name}))
        r = self.ok(f, rapi.apigw_event("POST", "/auth/get-token", body=acct), 200)
        tok = self.body(r)["accessToken"]
        self.ok(f, rapi.apigw_event("POST", "/auth/get-token", body=acct), 200)
        # once, after INIT, with the session token, the name in the query; the API never asked
        self.assertEqual(len(ext.requests), 1, ext.requests)
        q = ext.requests[0]
        self.assertEqual(q["path"], path)
        self.assertEqual(q["query"].get(key), name)
        self.assertTrue(q["token_ok"])
        self.assertTrue(q["invoked"], "the extension was asked during INIT")
        if key == "name":
            self.assertEqual(q["query"].get("withDecryption"), "true")
        self.assertEqual(api_store.requests, [])
        init = [x for x in f.log_lines() if x.get("msg") == "init"][0]
        self.assertEqual(init["jwtSecret"], "at the first invocation")
        read = [x for x in f.log_lines() if x.get("msg") == "secret read"]
        self.assertEqual([x["via"] for x in read], ["extension"])
        with open("/proc/%d/maps" % f.proc.pid) as m:
            self.assertNotIn("libcurl", m.read(), "the extension needs no libcurl")
        self.check_signed_with(value, tok)
        self.assertNotIn(value, f.stdout_text() + f.stderr())
        self.clean_stop(f)

    def test_ssm_through_extension(self):
        self.run_ext("MAITRE_JWT_SECRET_SSM", "/maitre/prod/jwt secret+1", "/systemsmanager/parameters/get", "name")

    def test_secrets_manager_through_extension(self):
        self.run_ext("MAITRE_JWT_SECRET_ID", "arn:aws:secretsmanager:us-east-1:123456789012:secret:maitre-jwt-AbCdEf",
                     "/secretsmanager/get", "secretId")

    def test_extension_refuses_then_api(self):
        # the extension expects another token: 401, then SSM's API (SigV4) gives the key
        value, api_store, ext, env = self.setup_stores(ext_token="another-token")
        acct = {"email": "y-%s@example.com" % secrets.token_hex(3), "password": "correct horse battery", "name": "Y"}
        self.token_for(acct)
        f = self.fn_with(ext, "token", dict(env, MAITRE_JWT_SECRET_SSM="/maitre/jwt"))
        tok = self.body(self.ok(f, rapi.apigw_event("POST", "/auth/get-token", body=acct), 200))["accessToken"]
        self.assertEqual(len(ext.requests), 1)
        self.assertFalse(ext.requests[0]["token_ok"])
        self.assertEqual([(x["target"], x["why"]) for x in api_store.requests], [("AmazonSSM.GetParameter", None)])
        self.assertEqual([x["via"] for x in f.log_lines() if x.get("msg") == "secret read"], ["ssm"])
        self.assertIn("HTTP 401", f.stderr())
        self.check_signed_with(value, tok)
        self.assertNotIn(value, f.stdout_text() + f.stderr())
        self.clean_stop(f)

    def test_neither_gives_it(self):
        # the extension refuses, the API refuses the signature: the first invocation gets
        # Runtime.ConfigError and the process ends (Lambda starts a fresh one)
        value, api_store, ext, env = self.setup_stores(ext_token="another-token")
        f = self.fn_with(ext, "authorizer", dict(env, MAITRE_JWT_SECRET_SSM="/maitre/jwt",
                                                 AWS_SECRET_ACCESS_KEY="not-the-key"))
        r = f.invoke(rapi.authorizer_event("Bearer a.b.c"))
        self.assertIsNotNone(r)
        self.assertEqual(r.kind, "error")
        self.assertEqual(r.json["errorType"], "Runtime.ConfigError")
        self.assertIn("InvalidSignatureException", r.json["errorMessage"])
        self.assertEqual(f.proc.wait(timeout=10), 1)
        self.assertEqual(f.api.init_errors, [])
        self.assertEqual(f.api.problems, [])

    def test_bad_port(self):
        self.init_error("authorizer", {"MAITRE_JWT_SECRET": None, "MAITRE_JWT_SECRET_SSM": "/maitre/jwt",
                                       "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT": "27x3"},
                        "Runtime.ConfigError", ["PARAMETERS_SECRETS_EXTENSION_HTTP_PORT", "port"])


def main():
    global BOOTSTRAP, SANITIZED
    ap = argparse.ArgumentParser()
    ap.add_argument("--bootstrap", required=True)
    ap.add_argument("--sanitized", action="store_true")
    args, rest = ap.parse_known_args()
    BOOTSTRAP = os.path.abspath(args.bootstrap)
    SANITIZED = args.sanitized
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()

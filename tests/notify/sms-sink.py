#!/usr/bin/python3
"""An SMS gateway sink for tests, with the Twilio Messages API shape.

Checks every request it gets:
  POST /2010-04-01/Accounts/{account}/Messages.json
  HTTP basic auth account:token
  form (application/x-www-form-urlencoded): To in E.164, From non-empty,
  Body non-empty and at most 1600 characters.
Anything else is answered 401/400/404/405 (Twilio-style JSON error) and
counted as rejected. Accepted messages are answered 201 and appended to a
JSON-lines file: {"key", "to", "from", "body", "time"}; the key is the
I-Twilio-Idempotency-Token or X-Maitre-Message-Key header ("" if none).

Control (not checked, not counted):
  GET  /stats    -> {"accepted", "rejected", "failed" (valid but answered with
                     the fail status), "duplicates", "byKey": {key: n},
                     "rejections": [{"status", "why"}...] (last 50)}
  POST /control  {"fail": 500}  answer every message with that status (0 = off)
                 {"delayMs": 3000} wait before answering messages
                 {"reset": true} forget counters (not the log file)

Usage: sms-sink.py --port-file F --account AC.. --token T [--log F]
                   [--port 0] [--fail-status N] [--delay-ms N]
Binds 127.0.0.1 (port 0 = any free port), writes the port to --port-file
when ready (atomically), exits 0 on SIGTERM or SIGINT.
"""
import argparse
import base64
import hmac
import json
import os
import re
import signal
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")


class Sink:
    """Shared state of the sink."""

    def __init__(self, args):
        self.account = args.account
        self.token = args.token
        self.log_path = args.log
        self.fail = args.fail_status
        self.delay_ms = args.delay_ms
        self.lock = threading.Lock()
        self.accepted = 0
        self.rejected = 0
        self.duplicates = 0
        self.failed = 0
        self.by_key = {}
        self.rejections = []
        self.seq = 0
        self.log = open(args.log, "a", encoding="utf-8") if args.log else None

    def reject(self, status, why):
        with self.lock:
            self.rejected += 1
            self.rejections.append({"status": status, "why": why})
            del self.rejections[:-50]

    def accept(self, key, to, frm, body):
        with self.lock:
            self.accepted += 1
            self.seq += 1
            n = self.by_key.get(key, 0) + 1
            self.by_key[key] = n
            if n > 1 and key:
                self.duplicates += 1
            if self.log:
                self.log.write(json.dumps({"key": key, "to": to, "from": frm, "body": body,
                                           "time": time.time()}) + "\n")
                self.log.flush()
            return "SM%032x" % self.seq

    def stats(self):
        with self.lock:
            return {"accepted": self.accepted, "rejected": self.rejected,
                    "failed": self.failed, "duplicates": self.duplicates, "byKey": dict(self.by_key),
                    "rejections": list(self.rejections), "fail": self.fail,
                    "delayMs": self.delay_ms}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as separate writes
    server_version = "sms-sink/1"

    def log_message(self, fmt, *a):  # quiet
        pass

    @property
    def sink(self):
        return self.server.sink

    def answer(self, status, obj):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def error(self, status, code, why):
        self.sink.reject(status, why)
        self.answer(status, {"code": code, "message": why, "status": status})

    def read_body(self):
        n = self.headers.get("Content-Length")
        if n is None:
            return None
        try:
            n = int(n)
        except ValueError:
            return None
        if n < 0 or n > 1 << 20:
            return None
        return self.rfile.read(n)

    def messages_path(self):
        return "/2010-04-01/Accounts/%s/Messages.json" % self.sink.account

    def do_GET(self):
        if self.path == "/stats":
            self.answer(200, self.sink.stats())
            return
        self.read_body()
        if self.path.startswith("/2010-04-01/"):
            self.error(405, 20004, "method not allowed")
        else:
            self.error(404, 20404, "not found")

    def do_PUT(self):
        self.read_body()
        self.error(405, 20004, "method not allowed")

    do_DELETE = do_PUT
    do_PATCH = do_PUT
    do_HEAD = do_PUT
    do_OPTIONS = do_PUT

    def do_POST(self):
        body = self.read_body()
        if self.path == "/control":
            try:
                c = json.loads(body or b"{}")
                with self.sink.lock:
                    if "fail" in c:
                        self.sink.fail = int(c["fail"])
                    if "delayMs" in c:
                        self.sink.delay_ms = int(c["delayMs"])
                    if c.get("reset"):
                        self.sink.accepted = self.sink.rejected = self.sink.duplicates = 0
                        self.sink.failed = 0
                        self.sink.by_key = {}
                        self.sink.rejections = []
                self.answer(200, self.sink.stats())
            except (ValueError, TypeError):
                self.answer(400, {"message": "bad control body"})
            return
        if self.path != self.messages_path():
            self.error(404, 20404, "unknown path %s" % self.path[:100])
            return
        auth = self.headers.get("Authorization", "")
        want = "Basic " + base64.b64encode(
            ("%s:%s" % (self.sink.account, self.sink.token)).encode()).decode()
        if not hmac.compare_digest(auth.encode(), want.encode()):
            self.error(401, 20003, "Authenticate")
            return
        if body is None:
            self.error(400, 21600, "no Content-Length")
            return
        ctype = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if ctype != "application/x-www-form-urlencoded":
            self.error(400, 21601, "Content-Type must be application/x-www-form-urlencoded")
            return
        try:
            form = urllib.parse.parse_qs(body.decode("utf-8"), keep_blank_values=True,
                                         strict_parsing=True, errors="strict")
        except (ValueError, UnicodeDecodeError):
            self.error(400, 21602, "malformed form body")
            return
        for name in ("To", "From", "Body"):
            if len(form.get(name, [])) != 1:
                self.error(400, 21603, "exactly one '%s' is required" % name)
                return
        to, frm, text = form["To"][0], form["From"][0], form["Body"][0]
        if not E164.match(to):
            self.error(400, 21211, "The 'To' number %s is not a valid phone number." % to[:20])
            return
        if not frm.strip():
            self.error(400, 21212, "The 'From' number is empty.")
            return
        if not text or len(text) > 1600:
            self.error(400, 21617, "The concatenated message body exceeds the 1600 character "
                       "limit or is empty.")
            return
        key = self.headers.get("I-Twilio-Idempotency-Token") or \
            self.headers.get("X-Maitre-Message-Key") or ""
        with self.sink.lock:
            fail, delay = self.sink.fail, self.sink.delay_ms
        if delay > 0:
            time.sleep(delay / 1000.0)
        if fail:
            # A failing gateway: valid requests answered with the status, counted as failed.
            with self.sink.lock:
                self.sink.failed += 1
            self.answer(fail, {"code": 20500, "message": "sink told to fail", "status": fail})
            return
        sid = self.sink.accept(key, to, frm, text)
        self.answer(201, {"sid": sid, "status": "queued", "to": to, "from": frm, "body": text,
                          "account_sid": self.sink.account})


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--account", required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--log", default=None)
    ap.add_argument("--fail-status", type=int, default=0)
    ap.add_argument("--delay-ms", type=int, default=0)
    args = ap.parse_args()

    srv = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    srv.daemon_threads = True
    srv.sink = Sink(args)

    def stop(signum, frame):
        threading.Thread(target=srv.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, args.port_file)
    srv.serve_forever(poll_interval=0.1)
    srv.server_close()
    if srv.sink.log:
        srv.sink.log.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

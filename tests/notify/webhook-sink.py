#!/usr/bin/python3
"""A webhook receiver for tests: verifies Maitre's signature on every POST.

X-Maitre-Signature must be "sha256=" + hex HMAC-SHA256(secret,
"<X-Maitre-Timestamp>.<raw body>"), the timestamp within --tolerance
seconds of now, the body a JSON object with event, kind, key, waiteeId,
waitlistId, text, timestamp (equal to the header). Valid: 204, and the
body is appended to --log as one JSON line {"valid": true, "event": {...}}.
Invalid: 401 (signature/timestamp) or 400 (body), logged with
"valid": false and "why". GET /stats -> {"valid": n, "invalid": n}.
--fail-status N answers every POST with N after checking it.

Usage: webhook-sink.py --port-file F --secret S --log F [--fail-status N]
Binds 127.0.0.1 on a free port, writes it to --port-file, exits on SIGTERM.
"""
import argparse
import hashlib
import hmac
import json
import os
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as separate writes

    def log_message(self, fmt, *a):
        pass

    def reply(self, status, obj=None):
        data = json.dumps(obj).encode() if obj is not None else b""
        self.send_response(status)
        if data:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def record(self, entry):
        srv = self.server
        with srv.lock:
            srv.counts["valid" if entry["valid"] else "invalid"] += 1
            srv.log.write(json.dumps(entry) + "\n")
            srv.log.flush()

    def do_GET(self):
        with self.server.lock:
            self.reply(200, dict(self.server.counts))

    def do_POST(self):
        srv = self.server
        raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        ts = self.headers.get("X-Maitre-Timestamp", "")
        sig = self.headers.get("X-Maitre-Signature", "")
        want = "sha256=" + hmac.new(srv.secret, ts.encode() + b"." + raw, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(sig.encode(), want.encode()):
            self.record({"valid": False, "why": "bad signature"})
            self.reply(401, {"error": "bad signature"})
            return
        try:
            if abs(time.time() - int(ts)) > srv.tolerance:
                raise ValueError
        except ValueError:
            self.record({"valid": False, "why": "stale timestamp"})
            self.reply(401, {"error": "stale timestamp"})
            return
        try:
            ev = json.loads(raw)
            for k in ("event", "kind", "key", "waiteeId", "waitlistId", "text"):
                if not isinstance(ev.get(k), str):
                    raise ValueError(k)
            if ev.get("timestamp") != int(ts):
                raise ValueError("timestamp")
            if self.headers.get("Content-Type", "") != "application/json":
                raise ValueError("content-type")
        except ValueError as e:
            self.record({"valid": False, "why": "bad body: %s" % e})
            self.reply(400, {"error": "bad body"})
            return
        self.record({"valid": True, "event": ev,
                     "messageKey": self.headers.get("X-Maitre-Message-Key", "")})
        if srv.fail:
            self.reply(srv.fail, {"error": "told to fail"})
        else:
            self.reply(204)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--secret", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--fail-status", type=int, default=0)
    ap.add_argument("--tolerance", type=int, default=300)
    a = ap.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    srv.secret = a.secret.encode()
    srv.tolerance = a.tolerance
    srv.fail = a.fail_status
    srv.lock = threading.Lock()
    srv.counts = {"valid": 0, "invalid": 0}
    srv.log = open(a.log, "a", encoding="utf-8")
    signal.signal(signal.SIGTERM, lambda s, f: threading.Thread(target=srv.shutdown, daemon=True).start())
    with open(a.port_file + ".tmp", "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(a.port_file + ".tmp", a.port_file)
    srv.serve_forever(poll_interval=0.1)
    srv.server_close()
    srv.log.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

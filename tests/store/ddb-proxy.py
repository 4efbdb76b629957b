#!/usr/bin/python3
"""A proxy in front of dynalite that loses answers, for the DynamoDB store tests.

Listens on 127.0.0.1 (free port), prints "PORT <n>", and forwards every
POST / to --upstream (dynalite), answering with its answer. With
--lose TARGET:N (e.g. UpdateItem:1) the Nth request whose X-Amz-Target ends
in ".TARGET" is forwarded and applied by dynalite, but its answer never
reaches the client: with --how drop (the default) the connection is closed
at once without a word (curl: empty reply, which the aws layer retries at
once, as it retries a 5xx or a reset); with --how hold the proxy keeps the
connection silent until the client gives up (its attempt timeout). The
client's retry is forwarded as usual.
GET /stats answers {"forwarded": N, "lost": N, "TARGET": N}; with --stats-file
the same JSON is also written to that file after every request (the tests
read it without an HTTP client), TARGET counting the forwarded requests of
--lose's target.
With --ccf-item the proxy answers a ConditionalCheckFailedException as real
DynamoDB does when the request asked for ReturnValuesOnConditionCheckFailure
= ALL_OLD (dynalite ignores it): it reads the current item from dynalite
(GetItem, consistent, of the request's Key, or for a PutItem of its Item's
PK and SK: the store's key schema) and adds it as "Item" to the error
answer (nothing when the item is absent). That GetItem is not counted.
"""
import argparse
import http.server
import json
import os
import select
import sys
import threading
import urllib.error
import urllib.request

FORWARD = ("Content-Type", "X-Amz-Target", "Authorization", "X-Amz-Date", "X-Amz-Security-Token")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--upstream", required=True, help="http://127.0.0.1:PORT of dynalite")
    ap.add_argument("--lose", default="", help="TARGET:N, the Nth request of TARGET loses its answer")
    ap.add_argument("--how", choices=("drop", "hold"), default="drop", help="how the answer is lost")
    ap.add_argument("--stats-file", default="", help="written with the counts after every request")
    ap.add_argument("--ccf-item", action="store_true",
                    help="a condition failure asked with ALL_OLD carries the current item, as on real DynamoDB")
    ap.add_argument("--hold-seconds", type=float, default=30.0, help="with --how hold: longest wait for the client")
    args = ap.parse_args()
    lose_target, lose_n = "", 0
    if args.lose:
        lose_target, n = args.lose.rsplit(":", 1)
        lose_n = int(n)
    lock = threading.Lock()
    state = {"forwarded": 0, "lost": 0, "seen": 0}

    def stats_json():
        return json.dumps({"forwarded": state["forwarded"], "lost": state["lost"], lose_target: state["seen"]})

    def upstream(target, body, headers):
        """POSTs body as target to dynalite; (status, body, content type)."""
        req = urllib.request.Request(args.upstream + "/", data=body, method="POST")
        for h in FORWARD:
            if headers.get(h) is not None:
                req.add_header(h, headers.get(h))
        req.add_header("X-Amz-Target", target)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, r.read(), r.headers.get("Content-Type")
        except urllib.error.HTTPError as e:
            return e.code, e.read(), e.headers.get("Content-Type")

    def with_current_item(target, body, headers, rbody):
        """The failure answer rbody with the current item added as "Item",
        when the request asked for it (ALL_OLD); rbody unchanged otherwise."""
        try:
            req, err = json.loads(body), json.loads(rbody)
        except ValueError:
            return rbody
        if req.get("ReturnValuesOnConditionCheckFailure") != "ALL_OLD":
            return rbody
        key = req.get("Key")
        if key is None:
            item = req.get("Item", {})
            key = {k: item[k] for k in ("PK", "SK") if k in item}
        get = {"TableName": req.get("TableName"), "Key": key, "ConsistentRead": True}
        prefix = target.rsplit(".", 1)[0]
        status, gbody, _ = upstream(prefix + ".GetItem", json.dumps(get).encode(), headers)
        if status != 200:
            return rbody
        cur = json.loads(gbody).get("Item")
        if cur is not None:
            err["Item"] = cur
        return json.dumps(err).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *a):
            pass

        def do_GET(self):
            with lock:
                body = stats_json().encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            target = self.headers.get("X-Amz-Target", "")
            status, rbody, ctype = upstream(target, body, self.headers)
            if args.ccf_item and status == 400 and b"ConditionalCheckFailedException" in rbody:
                rbody = with_current_item(target, body, self.headers, rbody)
            with lock:
                state["forwarded"] += 1
                lose = False
                if lose_target and target.endswith("." + lose_target):
                    state["seen"] += 1
                    lose = state["seen"] == lose_n
                if lose:
                    state["lost"] += 1
                if args.stats_file:
                    with open(args.stats_file + ".tmp", "w") as f:
                        f.write(stats_json())
                    os.replace(args.stats_file + ".tmp", args.stats_file)
            if lose:
                # applied upstream; the answer is lost
                if args.how == "hold":
                    select.select([self.connection], [], [], args.hold_seconds)
                self.close_connection = True
                return
            self.send_response(status)
            self.send_header("Content-Type", ctype or "application/x-amz-json-1.0")
            self.send_header("Content-Length", str(len(rbody)))
            self.end_headers()
            self.wfile.write(rbody)

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    print("PORT %d" % srv.server_address[1], flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())

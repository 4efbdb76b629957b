#!/usr/bin/python3
"""Stand-in for the two credential endpoints of the AWS credential chain.

Listens on 127.0.0.1 (free port), prints "PORT <n>", and serves:
  EC2 instance metadata, IMDSv2 only:
    PUT /latest/api/token  (X-aws-ec2-metadata-token-ttl-seconds: 1..21600) -> a session token
    GET /latest/meta-data/iam/security-credentials/        -> the role name
    GET /latest/meta-data/iam/security-credentials/ROLE    -> {"Code":"Success","AccessKeyId",...}
    both GETs refused with 401 without a valid X-aws-ec2-metadata-token (no IMDSv1)
  ECS / EKS container credentials:
    GET /creds  with Authorization: --auth (when given)    -> {"AccessKeyId",...}
Credentials are --access-key/--secret/--token, with Expiration now + --expires-in seconds.
GET /stats -> {"imdsToken": n, "imdsCreds": n, "container": n, "refused": n}
"""
import argparse
import datetime
import json
import secrets
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROLE = "maitre-role"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--access-key", required=True)
    ap.add_argument("--secret", required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--expires-in", type=int, default=3600)
    ap.add_argument("--auth", default=None)
    a = ap.parse_args()
    stats = {"imdsToken": 0, "imdsCreds": 0, "container": 0, "refused": 0}
    tokens = set()

    def creds():
        exp = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=a.expires_in)
        return {"Code": "Success", "Type": "AWS-HMAC", "AccessKeyId": a.access_key,
                "SecretAccessKey": a.secret, "Token": a.token,
                "Expiration": exp.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "LastUpdated": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")}

    class H(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def send(self, code, body, ctype="application/json"):
            data = body.encode() if isinstance(body, str) else body
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def refuse(self, code, why):
            stats["refused"] += 1
            self.send(code, json.dumps({"why": why}))

        def do_PUT(self):
            n = int(self.headers.get("Content-Length") or 0)
            if n:
                self.rfile.read(n)
            ttl = self.headers.get("X-aws-ec2-metadata-token-ttl-seconds", "")
            if self.path != "/latest/api/token" or not ttl.isdigit() or not 1 <= int(ttl) <= 21600:
                return self.refuse(400, "bad token request")
            t = secrets.token_urlsafe(24)
            tokens.add(t)
            stats["imdsToken"] += 1
            self.send(200, t, "text/plain")

        def do_GET(self):
            if self.path == "/stats":
                return self.send(200, json.dumps(stats))
            if self.path == "/creds":
                if a.auth is not None and self.headers.get("Authorization") != a.auth:
                    return self.refuse(403, "bad Authorization")
                stats["container"] += 1
                c = creds()
                del c["Code"], c["Type"], c["LastUpdated"]
                return self.send(200, json.dumps(c))
            base = "/latest/meta-data/iam/security-credentials/"
            if not self.path.startswith(base):
                return self.refuse(404, "unknown path")
            if self.headers.get("X-aws-ec2-metadata-token") not in tokens:
                return self.refuse(401, "IMDSv2 token missing")
            if self.path == base:
                return self.send(200, ROLE, "text/plain")
            if self.path != base + ROLE:
                return self.refuse(404, "unknown role")
            stats["imdsCreds"] += 1
            self.send(200, json.dumps(creds()))

    srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
    print("PORT %d" % srv.server_address[1], flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""Independent AWS SigV4 verifier and scripted AWS JSON 1.0 server for tests.

Listens on 127.0.0.1 (free port), prints "PORT <n>" and serves POST /.

--mode verify: recomputes the SigV4 signature of every request from its raw
  method, path, headers and body with hmac/hashlib and the secret given here;
  answers 200 {"verified": true, "signedHeaders": ...} when it matches and
  403 InvalidSignatureException (or IncompleteSignatureException) otherwise.
  Before serving, checks itself against the AWS documented S3 GET example
  (signature f0e8bdb8...) and exits 3 if that fails.
--mode script: answers requests in order from --sequence, e.g.
  "400:ThrottlingException,500,200"; after the list, 200 {}. "200:item",
  "200:keys2", "200:echo-unprocessed" and "400:ccf-item" (a conditional
  failure carrying the current item, version 7) give canned DynamoDB answers.
GET /stats answers {"posts": N} (requests received).
"""
import argparse
import datetime
import hashlib
import hmac
import http.server
import json
import re
import sys


def sha256_hex(data):
    return hashlib.sha256(data).hexdigest()


def hmac_sha256(key, msg):
    return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()


def signing_key(secret, date, region, service):
    k = hmac_sha256(("AWS4" + secret).encode("utf-8"), date)
    k = hmac_sha256(k, region)
    k = hmac_sha256(k, service)
    return hmac_sha256(k, "aws4_request")


def canonical_request(method, path, query, headers, signed, payload_hash):
    """headers: dict lower-name -> list of raw values."""
    lines = []
    for name in signed:
        vals = headers.get(name)
        if vals is None:
            raise ValueError("signed header %s is missing" % name)
        joined = ",".join(re.sub(r"\s+", " ", v.strip()) for v in vals)
        lines.append("%s:%s\n" % (name, joined))
    return "\n".join([method, path, query, "".join(lines), ";".join(signed), payload_hash])


def signature(secret, amz_date, region, service, creq):
    date = amz_date[:8]
    scope = "%s/%s/%s/aws4_request" % (date, region, service)
    sts = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, sha256_hex(creq.encode("utf-8"))])
    return hmac.new(signing_key(secret, date, region, service), sts.encode("utf-8"),
                    hashlib.sha256).hexdigest()


def self_test():
    """The AWS S3 documentation example (GET Object with Range)."""
    secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    headers = {
        "host": ["examplebucket.s3.amazonaws.com"],
        "range": ["bytes=0-9"],
        "x-amz-content-sha256": [sha256_hex(b"")],
        "x-amz-date": ["20130524T000000Z"],
    }
    signed = ["host", "range", "x-amz-content-sha256", "x-amz-date"]
    creq = canonical_request("GET", "/test.txt", "", headers, signed, sha256_hex(b""))
    sig = signature(secret, "20130524T000000Z", "us-east-1", "s3", creq)
    return sig == "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"


AUTH_RE = re.compile(r"^AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request,\s*"
                     r"SignedHeaders=([a-z0-9;\-]+),\s*Signature=([0-9a-f]{64})$")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    opts = None
    posts = 0

    def log_message(self, fmt, *args):
        pass

    def answer(self, code, obj, error_type=None):
        body = json.dumps(obj).encode("utf-8")
        self.send_response(code)
        self.send_header("Content-Type", "application/x-amz-json-1.0")
        self.send_header("Content-Length", str(len(body)))
        if error_type:
            self.send_header("x-amzn-ErrorType", error_type + ":http://internal.amazon.com/")
        self.end_headers()
        self.wfile.write(body)

    def fail(self, code, etype, msg):
        self.answer(code, {"__type": "com.amazon.coral.service#" + etype, "message": msg})

    def do_GET(self):
        self.answer(200, {"posts": Handler.posts})

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        Handler.posts += 1
        if self.opts.mode == "script":
            return self.scripted(body)
        return self.verify(body)

    def canned(self, kind, body):
        """Canned DynamoDB answers: item (GetItem hit), keys2 (Query with two
        keys), echo-unprocessed (BatchWriteItem handing every request back)."""
        if kind == "item":
            return {"Item": {"PK": {"S": "P"}, "SK": {"S": "S"}, "version": {"N": "1"}}}
        if kind == "keys2":
            return {"Count": 2, "Items": [{"PK": {"S": "WAITLIST#x"}, "SK": {"S": "WAITEE#1"}},
                                          {"PK": {"S": "WAITLIST#x"}, "SK": {"S": "WAITEE#2"}}]}
        if kind == "echo-unprocessed":
            req = json.loads(body or b"{}")
            return {"UnprocessedItems": req.get("RequestItems", {})}
        if kind.startswith("batch-"):
            return self.batch_get(kind, json.loads(body or b"{}"))
        return {}

    @staticmethod
    def batch_get(kind, req):
        """BatchGetItem of a refresh token and its family state (FAMILY#f / TOKEN#h, META):
        batch-meta-unprocessed: the token found, META handed back unprocessed;
        batch-meta-revoked: META found with revoked = 1 (the token too if asked);
        batch-found: the token found, no META item (never revoked)."""
        responses, unprocessed = {}, {}
        for table, spec in (req.get("RequestItems") or {}).items():
            for key in spec.get("Keys", []):
                pk, sk = key["PK"]["S"], key["SK"]["S"]
                if sk == "META":
                    if kind == "batch-meta-unprocessed":
                        unprocessed.setdefault(table, {"Keys": [], "ConsistentRead": True})["Keys"].append(key)
                    elif kind == "batch-meta-revoked":
                        responses.setdefault(table, []).append({"PK": {"S": pk}, "SK": {"S": sk},
                                                                "revoked": {"N": "1"}})
                    continue
                h = sk[len("TOKEN#"):]
                responses.setdefault(table, []).append({
                    "PK": {"S": pk}, "SK": {"S": sk}, "tokenHash": {"S": h},
                    "familyId": {"S": pk[len("FAMILY#"):]}, "userId": {"S": "01HUSER0000000000000000000"},
                    "createdAt": {"N": "1"}, "expiresAt": {"N": "4102444800000"}, "used": {"N": "0"}})
        return {"Responses": responses, "UnprocessedKeys": unprocessed}

    def scripted(self, body=b""):
        seq = [s for s in self.opts.sequence.split(",") if s]
        i = Handler.posts - 1
        if i >= len(seq):
            return self.answer(200, {})
        step = seq[i].split(":")
        code = int(step[0])
        if code == 200 and len(step) > 1:
            return self.answer(200, self.canned(step[1], body))
        if code == 200:
            return self.answer(200, {"step": i})
        etype = step[1] if len(step) > 1 else None
        if etype == "ccf-echo":   # the condition fails on the item this very request writes (an earlier attempt landed)
            req = json.loads(body or b"{}")
            return self.answer(code, {"__type": "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException",
                                      "message": "The conditional request failed", "Item": req.get("Item", {})})
        if etype == "ccf-update-echo":   # an UpdateItem whose earlier attempt landed: the item has its token
            req = json.loads(body or b"{}")
            item = dict(req.get("Key", {}))
            item["writeToken"] = req.get("ExpressionAttributeValues", {}).get(":wt", {"S": ""})
            item["used"] = {"N": "1"}
            return self.answer(code, {"__type": "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException",
                                      "message": "The conditional request failed", "Item": item})
        if etype == "ccf-item":   # a real DynamoDB failure with ReturnValuesOnConditionCheckFailure
            return self.answer(code, {"__type": "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException",
                                      "message": "The conditional request failed",
                                      "Item": {"PK": {"S": "P"}, "SK": {"S": "S"}, "version": {"N": "7"}}})
        if etype:
            return self.answer(code, {"__type": "com.amazonaws.dynamodb.v20120810#" + etype,
                                      "message": "scripted " + etype})
        return self.answer(code, {"message": "scripted HTTP %d" % code})

    def verify(self, body):
        o = self.opts
        auth = self.headers.get("Authorization", "")
        m = AUTH_RE.match(auth)
        if not m:
            return self.fail(403, "IncompleteSignatureException", "malformed Authorization: " + auth[:40])
        akid, date, region, service, signed_s, sig = m.groups()
        signed = signed_s.split(";")
        amz_date = self.headers.get("X-Amz-Date", "")
        if akid != o.access_key:
            return self.fail(403, "UnrecognizedClientException", "unknown access key")
        if region != o.region or service != o.service:
            return self.fail(403, "InvalidSignatureException", "wrong scope %s/%s" % (region, service))
        if not re.match(r"^\d{8}T\d{6}Z$", amz_date) or amz_date[:8] != date:
            return self.fail(403, "IncompleteSignatureException", "bad X-Amz-Date")
        when = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.timezone.utc)
        if abs((datetime.datetime.now(datetime.timezone.utc) - when).total_seconds()) > 300:
            return self.fail(403, "InvalidSignatureException", "signature expired")
        if signed != sorted(signed):
            return self.fail(403, "InvalidSignatureException", "SignedHeaders not sorted")
        for need in ("host", "x-amz-date", "x-amz-target", "content-type"):
            if need not in signed:
                return self.fail(403, "InvalidSignatureException", need + " is not signed")
        token = self.headers.get("X-Amz-Security-Token")
        if o.token is not None:
            if token != o.token:
                return self.fail(403, "UnrecognizedClientException", "missing or wrong security token")
            if "x-amz-security-token" not in signed:
                return self.fail(403, "InvalidSignatureException", "security token is not signed")
        elif token is not None:
            return self.fail(403, "UnrecognizedClientException", "unexpected security token")
        headers = {}
        for k, v in self.headers.items():
            headers.setdefault(k.lower(), []).append(v)
        path, _, query = self.path.partition("?")
        try:
            creq = canonical_request(self.command, path, query, headers, signed, sha256_hex(body))
        except ValueError as e:
            return self.fail(403, "InvalidSignatureException", str(e))
        want = signature(o.secret, amz_date, region, service, creq)
        if not hmac.compare_digest(want, sig):
            return self.fail(403, "InvalidSignatureException",
                             "The request signature we calculated does not match the signature you provided")
        self.answer(200, {"verified": True, "signedHeaders": signed_s,
                          "target": self.headers.get("X-Amz-Target", "")})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", choices=["verify", "script"], default="verify")
    ap.add_argument("--access-key", default="AKIDEXAMPLE")
    ap.add_argument("--secret", default="")
    ap.add_argument("--token", default=None)
    ap.add_argument("--region", default="us-east-1")
    ap.add_argument("--service", default="dynamodb")
    ap.add_argument("--sequence", default="")
    ap.add_argument("--self-test", action="store_true", help="only run the documented vector check")
    o = ap.parse_args()
    if not self_test():
        print("SELFTEST FAILED", flush=True)
        sys.exit(3)
    if o.self_test:
        print("SELFTEST OK", flush=True)
        return
    Handler.opts = o
    http.server.ThreadingHTTPServer.request_queue_size = 128
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    print("PORT %d" % srv.server_address[1], flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""A scripted fake SQS (JSON 1.0) for one test: partial SendMessageBatch failures.

Usage: sqs-flaky.py PORTFILE LOGFILE

Answers AmazonSQS.SendMessageBatch. The entry whose body is "one" fails with
SenderFault false (InternalError) on its first send and succeeds later; the
entry "two" always fails with SenderFault true (InvalidMessageContents); the
rest succeed. Every request body is appended to LOGFILE, one JSON per line.
Binds 127.0.0.1 port 0, writes the port to PORTFILE, exits on SIGTERM.
"""
import json
import os
import signal
import sys
import uuid
from http.server import BaseHTTPRequestHandler, HTTPServer

PORTFILE, LOGFILE = sys.argv[1], sys.argv[2]
failed_one = {"done": False}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with open(LOGFILE, "a") as f:
            f.write(body.decode() + "\n")
        target = self.headers.get("X-Amz-Target", "")
        if target != "AmazonSQS.SendMessageBatch" or "Authorization" not in self.headers:
            return self.answer(400, {"__type": "com.amazonaws.sqs#InvalidAction", "message": target})
        req = json.loads(body)
        ok, failed = [], []
        for e in req["Entries"]:
            if e["MessageBody"] == "one" and not failed_one["done"]:
                failed_one["done"] = True
                failed.append({"Id": e["Id"], "SenderFault": False, "Code": "InternalError"})
            elif e["MessageBody"] == "two":
                failed.append({"Id": e["Id"], "SenderFault": True, "Code": "InvalidMessageContents"})
            else:
                ok.append({"Id": e["Id"], "MessageId": str(uuid.uuid4()), "MD5OfMessageBody": "x"})
        out = {"Successful": ok}
        if failed:
            out["Failed"] = failed
        self.answer(200, out)

    def answer(self, status, obj):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/x-amz-json-1.0")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def main():
    server = HTTPServer(("127.0.0.1", 0), Handler)
    signal.signal(signal.SIGTERM, lambda *a: os._exit(0))
    with open(PORTFILE + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(PORTFILE + ".tmp", PORTFILE)
    server.serve_forever()


if __name__ == "__main__":
    main()

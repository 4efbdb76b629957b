"""A Lambda Runtime API stand-in for tests and benchmarks.

Speaks the protocol a custom runtime sees on AWS_LAMBDA_RUNTIME_API
(version 2018-06-01) on 127.0.0.1 and a free port:

  GET  /2018-06-01/runtime/invocation/next          blocks until invoke() queues an event;
                                                    answers it with Lambda-Runtime-Aws-Request-Id,
                                                    -Deadline-Ms, -Invoked-Function-Arn, -Trace-Id
  POST /2018-06-01/runtime/invocation/{id}/response 202; the id must be the one handed out
  POST /2018-06-01/runtime/invocation/{id}/error    202; needs Lambda-Runtime-Function-Error-Type
                                                    and a JSON body with errorType/errorMessage
  POST /2018-06-01/runtime/init/error               202; the same checks

Every answer is recorded with the time it arrived; anything that breaks the
protocol (unknown id, a second answer, a missing error header, a body that
is not JSON) goes to `problems`, which tests assert empty. HTTP/1.1 with
keep-alive, as on AWS: `connections` counts the TCP connections opened, so
a test can check that the runtime reuses its connection. `http_mode` tries
the runtime's HTTP client on what else HTTP/1.1 allows: "close" (every
answer says Connection: close and the connection ends), "chunked" (`next`
sends the event in chunks of 7 bytes, with a chunk extension and a
trailer), "drop" (the connection is closed after each post's answer without
a word, as an idle keep-alive timeout does).
"""
import json
import socket
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PREFIX = "/2018-06-01/runtime"
FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:maitre-test"


class Result:
    """What the runtime answered for one invocation."""

    def __init__(self, kind, body, headers):
        self.kind = kind              # "response" or "error"
        self.raw = body               # bytes as posted
        self.headers = headers        # dict, lower-case names
        self.at = time.time()         # wall time it arrived
        try:
            self.json = json.loads(body.decode("utf-8")) if body else None
        except ValueError:
            self.json = None


class RuntimeAPI:
    """The stand-in server; start() it, invoke() events, stop() it."""

    def __init__(self):
        self.lock = threading.Condition()
        self.pending = []             # invocations not yet handed out
        self.handed = {}              # request id -> invocation handed out, not answered
        self.results = {}             # request id -> Result
        self.init_errors = []         # Results of /init/error
        self.problems = []            # protocol violations seen
        self.connections = 0          # TCP connections accepted
        self.next_calls = 0           # GET .../next received
        self.closing = False          # next answers 500 once set
        self.http_mode = None         # None, "close", "chunked", "drop", "badchunk" (see the module's text)
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self):
                super().setup()
                # headers and body go out in separate writes: without this,
                # Nagle + delayed ACK cost 40 ms per answer
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                with api.lock:
                    api.connections += 1

            def log_message(self, fmt, *args):
                pass

            def reply(self, code, obj=None, headers=None):
                data = json.dumps(obj if obj is not None else {}).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                if api.http_mode == "close":
                    self.send_header("Connection", "close")
                elif api.http_mode == "drop":
                    self.close_connection = True
                self.end_headers()
                try:
                    self.wfile.write(data)
                except OSError:
                    pass   # the runtime went away (a crash, or the end of a test)

            def do_GET(self):
                if self.path != PREFIX + "/invocation/next":
                    api.problem("GET %s" % self.path)
                    return self.reply(404, {"errorType": "NotFound"})
                inv = api.take_next()
                if inv is None:
                    return self.reply(500, {"errorType": "Shutdown", "errorMessage": "emulator closing"})
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Lambda-Runtime-Aws-Request-Id", inv["id"])
                if inv["deadline_ms"]:
                    self.send_header("Lambda-Runtime-Deadline-Ms", str(inv["deadline_ms"]))
                self.send_header("Lambda-Runtime-Invoked-Function-Arn", FUNCTION_ARN)
                if inv["trace"]:
                    self.send_header("Lambda-Runtime-Trace-Id", inv["trace"])
                if api.http_mode == "close":
                    self.send_header("Connection", "close")
                if api.http_mode == "badchunk":   # a chunk size that is not hex: the runtime must give up
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    self.wfile.write(b"-5\r\nabcde\r\n0\r\n\r\n")
                    return
                if api.http_mode == "chunked":
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    ev = inv["event"]
                    for i in range(0, len(ev), 7):
                        part = ev[i:i + 7]
                        self.wfile.write(b"%x%s\r\n%s\r\n" % (len(part), b";x=1" if i == 0 else b"", part))
                    self.wfile.write(b"0\r\nX-Trailer: yes\r\n\r\n")
                    return
                self.send_header("Content-Length", str(len(inv["event"])))
                self.end_headers()
                self.wfile.write(inv["event"])

            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n else b""
                headers = {k.lower(): v for k, v in self.headers.items()}
                code = api.record(self.path, body, headers)
                self.reply(code, {"status": "OK"} if code == 202 else {"errorType": "InvalidRequest"})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.address = "127.0.0.1:%d" % self.port
        self.thread = None

    def problem(self, what):
        with self.lock:
            self.problems.append(what)

    def start(self):
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        with self.lock:
            self.closing = True
            self.lock.notify_all()
        self.server.shutdown()
        self.server.server_close()

    def close_next(self):
        """From now on, `next` answers 500 (the runtime should exit)."""
        with self.lock:
            self.closing = True
            self.lock.notify_all()

    def take_next(self):
        with self.lock:
            self.next_calls += 1
            while not self.pending and not self.closing:
                self.lock.wait()
            if not self.pending:
                return None
            inv = self.pending.pop(0)
            self.handed[inv["id"]] = inv
            return inv

    def record(self, path, body, headers):
        if not path.startswith(PREFIX + "/"):
            self.problem("POST %s" % path)
            return 404
        rest = path[len(PREFIX) + 1:]
        if rest in ("init/error",):
            r = Result("error", body, headers)
            self.check_error(r, "init")
            with self.lock:
                self.init_errors.append(r)
                self.lock.notify_all()
            return 202
        parts = rest.split("/")
        if len(parts) != 3 or parts[0] != "invocation" or parts[2] not in ("response", "error"):
            self.problem("POST %s" % path)
            return 404
        rid, kind = parts[1], parts[2]
        r = Result(kind, body, headers)
        with self.lock:
            if rid not in self.handed:
                self.problems.append("%s for unknown or answered id %s" % (kind, rid))
                return 400
            del self.handed[rid]
        if kind == "error":
            self.check_error(r, rid)
        elif r.json is None:
            self.problem("response of %s is not JSON" % rid)
        with self.lock:
            self.results[rid] = r
            self.lock.notify_all()
        return 202

    def check_error(self, r, what):
        if not r.headers.get("lambda-runtime-function-error-type"):
            self.problem("error of %s without Lambda-Runtime-Function-Error-Type" % what)
        j = r.json
        if not isinstance(j, dict) or not isinstance(j.get("errorType"), str) or \
                not isinstance(j.get("errorMessage"), str):
            self.problem("error of %s: body is not {errorType, errorMessage}: %r" % (what, r.raw[:200]))
        elif j["errorType"] != r.headers.get("lambda-runtime-function-error-type"):
            self.problem("error of %s: header and body disagree on the type" % what)

    def submit(self, event, deadline_ms=None, timeout_s=30.0, raw=None, trace=None):
        """Queues an event (a dict, or raw bytes); returns its request id. trace: the
        Lambda-Runtime-Trace-Id to hand out (None: a fresh one, "": no header)."""
        rid = str(uuid.uuid4())
        if deadline_ms is None:
            deadline_ms = int(time.time() * 1000 + timeout_s * 1000)
        data = raw if raw is not None else json.dumps(event).encode()
        if trace is None:
            trace = "Root=1-%08x-%s;Parent=%s;Sampled=0" % (int(time.time()), uuid.uuid4().hex[:24],
                                                              uuid.uuid4().hex[:16])
        with self.lock:
            self.pending.append({"id": rid, "event": data, "deadline_ms": deadline_ms, "trace": trace})
            self.lock.notify_all()
        return rid

    def wait(self, rid, timeout_s=30.0):
        """Waits for the answer of rid; returns its Result or None on timeout."""
        end = time.monotonic() + timeout_s
        with self.lock:
            while rid not in self.results:
                left = end - time.monotonic()
                if left <= 0:
                    return None
                self.lock.wait(left)
            return self.results[rid]

    def invoke(self, event, deadline_ms=None, timeout_s=30.0, raw=None, trace=None):
        """Queues an event and waits for its answer (Result or None)."""
        return self.wait(self.submit(event, deadline_ms, timeout_s, raw, trace), timeout_s + 5)

    def wait_init_error(self, timeout_s=15.0):
        end = time.monotonic() + timeout_s
        with self.lock:
            while not self.init_errors:
                left = end - time.monotonic()
                if left <= 0:
                    return None
                self.lock.wait(left)
            return self.init_errors[0]


def apigw_event(method, path, route_path=None, body=None, headers=None, path_params=None,
                authorizer=None, query=None):
    """An API Gateway HTTP API payload 2.0 event, as AWS sends it."""
    route = "%s %s" % (method, route_path or path)
    ev = {
        "version": "2.0",
        "routeKey": route,
        "rawPath": path,
        "rawQueryString": "&".join("%s=%s" % kv for kv in (query or {}).items()),
        "headers": dict({"content-type": "application/json", "user-agent": "test"}, **(headers or {})),
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "api",
            "domainName": "api.example.com",
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1",
                     "sourceIp": "203.0.113.9", "userAgent": "test"},
            "requestId": str(uuid.uuid4()),
            "routeKey": route,
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime()),
            "timeEpoch": int(time.time() * 1000),
        },
        "isBase64Encoded": False,
    }
    if query:
        ev["queryStringParameters"] = dict(query)
    if path_params:
        ev["pathParameters"] = dict(path_params)
    if authorizer is not None:
        ev["requestContext"]["authorizer"] = {"lambda": authorizer}
    if body is not None:
        ev["body"] = body if isinstance(body, str) else json.dumps(body)
    return ev


def authorizer_event(token, route="GET /waitlists", path="/waitlists"):
    """The REQUEST authorizer event (payload 2.0) for a header value."""
    ev = apigw_event(route.split(" ")[0], path, route.split(" ", 1)[1],
                     headers={"authorization": token} if token is not None else {})
    ev["type"] = "REQUEST"
    ev["routeArn"] = "arn:aws:execute-api:us-east-1:123456789012:api/$default/" + route.replace(" ", "")
    ev["identitySource"] = [token] if token is not None else []
    return ev


def scheduled_event():
    """The EventBridge scheduled event the producer gets every minute."""
    return {
        "version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event",
        "source": "aws.events", "account": "123456789012",
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "region": "us-east-1",
        "resources": ["arn:aws:events:us-east-1:123456789012:rule/maitre-producer"], "detail": {},
    }


def sqs_event(messages):
    """An SQS event: messages are (messageId, body, receiptHandle, receiveCount)."""
    records = []
    for mid, body, handle, count in messages:
        records.append({
            "messageId": mid, "receiptHandle": handle, "body": body,
            "attributes": {"ApproximateReceiveCount": str(count),
                           "SentTimestamp": str(int(time.time() * 1000)),
                           "ApproximateFirstReceiveTimestamp": str(int(time.time() * 1000))},
            "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
            "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:maitre-notify",
            "awsRegion": "us-east-1",
        })
    return {"Records": records}

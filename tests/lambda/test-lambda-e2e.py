#!/usr/bin/python3
"""The AWS mode end to end through the Runtime API stand-in: bootstrap
functions on DynamoDB (dynalite) and SQS (local-aws-sqs), the SMS stand-in
(tests/notify/sms-sink.py) as gateway.

register -> token -> authorizer -> API Gateway event creating a waitee due
now -> producer -> SQS -> consumer event -> the SMS stand-in receives the
text. Two guests: one created by a waitees function with the queue (told
at once, as "notify now" does), one by a waitees function whose queue is
not configured, so the producer is what finds it on the due index and
queues it. Messages are received from SQS and handed to the consumer as
Lambda's event source mapping does (and deleted unless reported failed).

Run under tests/tools dynalite-run, which starts dynalite and exports
MAITRE_TEST_STORE_URL and dummy AWS keys:
  dynalite-run test-lambda-e2e.py --bootstrap B --maitred M
"""
import argparse
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import runtime_api as rapi  # noqa: E402
tl = __import__("test-lambda")  # noqa: E402

ARGS = None
ACCOUNT, SINK_TOKEN = "ACe2elambda00000000000", "lambda-sink-token"


def wait_port_file(path, proc, timeout_s=20):
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError("helper exited with %s" % proc.returncode)
        try:
            with open(path) as f:
                v = f.read().strip()
            if v:
                return int(v)
        except (OSError, ValueError):
            pass
        time.sleep(0.05)
    raise RuntimeError("helper did not start")


def sqs(endpoint, target, body):
    """One SQS JSON 1.0 call to local-aws-sqs (it does not check signatures)."""
    req = urllib.request.Request(endpoint + "/", data=json.dumps(body).encode(), method="POST", headers={
        "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AmazonSQS." + target})
    with urllib.request.urlopen(req, timeout=10) as r:
        data = r.read()
    return json.loads(data) if data else {}


class TestEndToEnd(tl.Base):
    def setUp(self):
        super().setUp()
        self.procs = []
        url = os.environ.get("MAITRE_TEST_STORE_URL")
        if not url:
            self.skipTest("run under dynalite-run")
        self.store = url.replace("%s", "lambda-%d-%s" % (os.getpid(), secrets.token_hex(3)))
        # the table comes from the template on AWS; here maitred --init-store makes it
        p = subprocess.run([ARGS.maitred, "--store", self.store, "--init-store", "--data-dir", self.dir + "/d"],
                           capture_output=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        node = shutil.which("node") or "/usr/bin/node"
        pf = os.path.join(self.dir, "sqs.port")
        self.procs.append(subprocess.Popen([node, os.path.join(TESTS, "notify", "sqs-server.js"), pf],
                                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        self.sqs = "http://127.0.0.1:%d" % wait_port_file(pf, self.procs[-1])
        pf = os.path.join(self.dir, "sink.port")
        self.sms_log = os.path.join(self.dir, "sms.jsonl")
        self.procs.append(subprocess.Popen(["/usr/bin/python3", os.path.join(TESTS, "notify", "sms-sink.py"),
                                            "--port-file", pf, "--account", ACCOUNT, "--token", SINK_TOKEN,
                                            "--log", self.sms_log], stdout=subprocess.DEVNULL,
                                           stderr=subprocess.DEVNULL))
        self.sink = "http://127.0.0.1:%d" % wait_port_file(pf, self.procs[-1])
        dlq = sqs(self.sqs, "CreateQueue", {"QueueName": "maitre-notify-dlq"})["QueueUrl"]
        arn = "arn:aws:sqs:us-east-1:000000000000:maitre-notify-dlq"
        self.queue = sqs(self.sqs, "CreateQueue", {"QueueName": "maitre-notify", "Attributes": {
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": "5"})}})["QueueUrl"]
        self.assertTrue(dlq)

    def tearDown(self):
        for p in self.procs:
            p.terminate()
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        super().tearDown()

    def aws_env(self, queue=True):
        env = {"AWS_ACCESS_KEY_ID": os.environ.get("AWS_ACCESS_KEY_ID", "AKIDLOCALTEST"),
               "AWS_SECRET_ACCESS_KEY": os.environ.get("AWS_SECRET_ACCESS_KEY", "local-test-secret"),
               "AWS_SESSION_TOKEN": "lambda-session-token",
               "MAITRE_SMS_URL": self.sink, "MAITRE_SMS_ACCOUNT": ACCOUNT, "MAITRE_SMS_TOKEN": SINK_TOKEN,
               "MAITRE_SMS_FROM": "+15550001111"}
        if queue:
            env.update({"MAITRE_SQS_QUEUE_URL": self.queue, "MAITRE_SQS_ENDPOINT": self.sqs})
        return env

    def receive_all(self):
        """Receives what the queue holds, as the event source mapping does."""
        got = []
        for _ in range(5):
            r = sqs(self.sqs, "ReceiveMessage", {"QueueUrl": self.queue, "MaxNumberOfMessages": 10,
                                                 "WaitTimeSeconds": 1, "AttributeNames": ["All"]})
            msgs = r.get("Messages") or []
            if not msgs and got:
                break
            got += msgs
        return got

    def texts(self):
        try:
            with open(self.sms_log) as f:
                return [json.loads(x) for x in f if x.strip()]
        except OSError:
            return []

    def test_register_to_text(self):
        ev = rapi.apigw_event
        fs = {h: self.fn(h, **self.aws_env()) for h in ("register", "token", "authorizer", "waitlists",
                                                         "waitees", "producer")}
        # the consumer's SMS token from SSM (as deploy/template.yaml gives it): the SMS stand-in
        # takes only the right one, so a text arriving proves it was read
        env = self.aws_env()
        ssm = tl.SecretStore(tl.load_verifier(), env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"],
                             env["AWS_SESSION_TOKEN"], "unused", values={"/maitre/sms-token": SINK_TOKEN})
        self.addCleanup(ssm.close)
        env.update({"MAITRE_SMS_TOKEN": None, "MAITRE_SMS_TOKEN_SSM": "/maitre/sms-token",
                    "MAITRE_SSM_ENDPOINT": ssm.url})
        fs["consumer"] = self.fn("consumer", **env)
        waitees_no_queue = self.fn("waitees", **self.aws_env(queue=False))
        acct = {"email": "e2e-%s@example.com" % secrets.token_hex(3), "password": "correct horse battery",
                "name": "Lambda Bistro"}
        self.ok(fs["register"], ev("POST", "/register", body=acct), 201)
        tok = self.body(self.ok(fs["token"], ev("POST", "/auth/get-token", body=acct), 200))["accessToken"]
        a = self.ok(fs["authorizer"], rapi.authorizer_event(tok, "POST /waitlists", "/waitlists"))
        self.assertTrue(a["isAuthorized"])
        ctx = a["context"]
        wl = self.body(self.ok(fs["waitlists"], ev("POST", "/waitlists", body={"name": "Terrace"},
                                                   authorizer=ctx), 201))["id"]
        route = "/waitlists/{waitlistId}/waitees"
        a2 = self.ok(fs["authorizer"], rapi.authorizer_event(tok, "POST " + route, "/waitlists/%s/waitees" % wl))
        self.assertTrue(a2["isAuthorized"])
        now_guest = self.body(self.ok(fs["waitees"], ev(
            "POST", "/waitlists/%s/waitees" % wl, route, body={"name": "Ana", "phoneNumber": "+15557770001",
                                                                "notifyIn": 0},
            path_params={"waitlistId": wl}, authorizer=a2["context"]), 201))
        tick_guest = self.body(self.ok(waitees_no_queue, ev(
            "POST", "/waitlists/%s/waitees" % wl, route, body={"name": "Bo", "phoneNumber": "+15557770002",
                                                                "notifyIn": 0},
            path_params={"waitlistId": wl}, authorizer=a2["context"]), 201))
        # the producer finds the guest nobody queued yet (the GSI may lag a moment: a tick or two)
        queued = 0
        for _ in range(10):
            p = self.ok(fs["producer"], rapi.scheduled_event())
            self.assertNotIn("error", p)
            queued += p["queued"]
            if queued >= 1:
                break
            time.sleep(0.3)
        self.assertEqual(queued, 1)
        msgs = self.receive_all()
        bodies = [json.loads(m["Body"]) for m in msgs]
        self.assertEqual(sorted(b["waiteeId"] for b in bodies if b["kind"] == "ready"),
                         sorted([now_guest["id"], tick_guest["id"]]))
        event = rapi.sqs_event([(m["MessageId"], m["Body"], m["ReceiptHandle"],
                                 int(m.get("Attributes", {}).get("ApproximateReceiveCount", "1"))) for m in msgs])
        c = self.ok(fs["consumer"], event)
        self.assertEqual(c["batchItemFailures"], [])
        for m in msgs:
            sqs(self.sqs, "DeleteMessage", {"QueueUrl": self.queue, "ReceiptHandle": m["ReceiptHandle"]})
        texts = self.texts()
        to = sorted(t["to"] for t in texts)
        self.assertEqual(to, ["+15557770001", "+15557770002"])
        for t in texts:
            self.assertEqual(t["from"], "+15550001111")
            self.assertTrue(t["body"])
        # the guests are marked notified in DynamoDB
        for g in (now_guest, tick_guest):
            one = "/waitlists/%s/waitees/%s" % (wl, g["id"])
            r = self.ok(fs["waitees"], ev("GET", one, "/waitlists/{waitlistId}/waitees/{waiteeId}",
                                          path_params={"waitlistId": wl, "waiteeId": g["id"]},
                                          authorizer=a2["context"]), 200)
            self.assertEqual(self.body(r)["status"], "notified")
        # a second producer run queues nothing more, and a repeat delivery sends nothing
        self.assertEqual(self.ok(fs["producer"], rapi.scheduled_event())["queued"], 0)
        self.assertEqual(self.ok(fs["consumer"], event)["batchItemFailures"], [])
        self.assertEqual(len(self.texts()), 2)
        self.assertEqual([(x["target"], x["why"]) for x in ssm.requests], [("AmazonSSM.GetParameter", None)])
        for h, f in fs.items():
            self.clean_stop(f)
            self.assertNotIn("lambda-session-token", f.stdout_text() + f.stderr(), h)
            self.assertNotIn(SINK_TOKEN, f.stdout_text() + f.stderr(), h)


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--bootstrap", required=True)
    ap.add_argument("--maitred", required=True)
    ARGS, rest = ap.parse_known_args()
    tl.BOOTSTRAP = os.path.abspath(ARGS.bootstrap)
    if not (shutil.which("node") or os.path.exists("/usr/bin/node")):
        print("node is not installed: skipped")
        sys.exit(77)
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()

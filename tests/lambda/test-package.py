#!/usr/bin/python3
"""deploy/package: function.zip for provided.al2023.

- builds the zip from the built bootstrap and checks it (no file needs a glibc
  symbol newer than GLIBC_2.34, every library needed is carried or glibc's);
- the checker can fail: the same zip against GLIBC_2.33 is refused;
- the zip has bootstrap (0755) at the top and the libraries AL2023 lacks in lib/,
  none of glibc's; two builds give the same bytes;
- the unpacked zip runs: its bootstrap answers an invocation under the Runtime
  API stand-in with the libraries loaded from its own lib/ (RPATH), not the
  system's, both those linked and libcurl, which bootstrap dlopen()s at its
  first use (here: the JWT secret read from an SSM stand-in at init);
- a cold start that makes no AWS call does not load libcurl at all;
- --libcurl FILE carries FILE as lib/libcurl.so.4 (and refuses a file that is
  not one); with MAITRE_TEST_SMALL_LIBCURL (deploy/build-libcurl's output,
  which test.sh builds into the build directory) the zip carries it and its
  two libraries only, and runs on it, and the package's default (--libcurl
  auto) carries exactly that file from its build directory; without it the
  zip is built with --libcurl system (no network in a test);
- zoneinfo/: every zone of the system's tzdata (links as copies, no posix/
  or right/), TZif each; the unpacked bootstrap answers stats in a
  restaurant's zone from it (TZDIR pointing into the unpacked zip), and
  refuses that zone when the directory holds none (the control).
Run by meson: test-package.py --package deploy/package --bootstrap B
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import runtime_api as rapi  # noqa: E402

ARGS = None
SMALL = os.environ.get("MAITRE_TEST_SMALL_LIBCURL")
NO_SMALL = "MAITRE_TEST_SMALL_LIBCURL is not set (deploy/build-libcurl DIR makes one; test.sh does)"


def need_small(test):
    """Skips test without the small libcurl; under CI=true (test.sh's rule: a
    skipped test is a failure there) it fails instead, saying why."""
    if SMALL:
        return
    if os.environ.get("CI") == "true":
        test.fail(NO_SMALL)
    test.skipTest(NO_SMALL)


class FakeSSM:
    """Answers every POST with an SSM GetParameter answer holding value."""

    def __init__(self, value):
        self.requests = []
        outer = self

        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                outer.requests.append((self.headers.get("X-Amz-Target"), body))
                data = json.dumps({"Parameter": {"Name": "jwt", "Type": "SecureString", "Value": value}}).encode()
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


class TestPackage(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="maitre-package-")
        cls.zip = os.path.join(cls.dir, "function.zip")
        cls.run1 = subprocess.run([ARGS.package, "--bootstrap", ARGS.bootstrap, "--out", cls.zip, "--check",
                                   "--libcurl", SMALL or "system"], capture_output=True, text=True, timeout=120)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def test_builds_and_passes_glibc_check(self):
        self.assertEqual(self.run1.returncode, 0, self.run1.stderr)
        last = self.run1.stdout.strip().splitlines()[-1]
        self.assertIn("newest glibc symbol GLIBC_2.", last)
        print(last)

    def test_checker_refuses_newer_glibc(self):
        p = subprocess.run([ARGS.package, "--out", self.zip, "--check-only", "--max-glibc", "2.33"],
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 1)
        self.assertIn("needs GLIBC_2.34, newer than GLIBC_2.33", p.stderr)

    def test_contents(self):
        with zipfile.ZipFile(self.zip) as z:
            names = set(z.namelist())
            mode = (z.getinfo("bootstrap").external_attr >> 16) & 0o777
        self.assertEqual(mode, 0o755)
        for lib in ("libcurl.so.4", "libssl.so.3", "libcjson.so.1", "libjwt.so.0", "libcrypto.so.3"):
            self.assertIn("lib/" + lib, names)
        # libsodium and SQLite are linked statically when their .a is installed (backend/meson.build)
        linked = subprocess.run(["ldd", ARGS.bootstrap], capture_output=True, text=True, check=True).stdout
        for lib in ("libsodium.so.23", "libsqlite3.so.0"):
            self.assertEqual("lib/" + lib in names, lib in linked, lib)
        for lib in ("libc.so.6", "libm.so.6", "libresolv.so.2"):
            self.assertNotIn("lib/" + lib, names)
        self.assertFalse([n for n in names if n != "bootstrap" and not n.startswith(("lib/", "zoneinfo/"))])

    def test_zoneinfo_carried(self):
        with zipfile.ZipFile(self.zip) as z:
            zones = {n[9:]: z.read(n) for n in z.namelist() if n.startswith("zoneinfo/")}
        self.assertGreater(len(zones), 400)
        self.assertFalse([n for n in zones if n.startswith(("posix/", "right/")) or n == "localtime"])
        self.assertFalse([n for n, d in zones.items() if not d.startswith(b"TZif")])
        for name in ("Europe/Paris", "America/New_York", "Asia/Kolkata", "UTC"):
            with open("/usr/share/zoneinfo/" + name, "rb") as f:
                self.assertEqual(zones[name], f.read(), name)
        self.assertEqual(zones["US/Eastern"], zones["America/New_York"])   # a link, as a copy

    def test_zoneinfo_used_by_stats(self):
        """Stats in a restaurant's zone from the zip's zoneinfo/, not the system's."""
        task = self.unpack(self.zip, "task-tz")
        empty = os.path.join(self.dir, "no-zones")
        os.makedirs(empty, exist_ok=True)
        self.assertEqual(self.stats_status(task, os.path.join(task, "zoneinfo"), "Asia/Kolkata"), 200)
        self.assertEqual(self.stats_status(task, os.path.join(task, "zoneinfo"), "Asia/Not_A_Zone"), 400)
        self.assertEqual(self.stats_status(task, empty, "Asia/Kolkata"), 400)   # the control

    def unpack(self, zip_path, name):
        task = os.path.join(self.dir, name)
        if not os.path.isdir(task):
            with zipfile.ZipFile(zip_path) as z:
                z.extractall(task)
            os.chmod(os.path.join(task, "bootstrap"), 0o755)
        return task

    def stats_status(self, task, tzdir, zone):
        """statusCode of GET /waitlists/{id}/stats?tz=zone from the unpacked bootstrap with TZDIR=tzdir."""
        db = "sqlite:%s/tz-%s.db" % (self.dir, os.path.basename(tzdir))
        secret = "t" * 40

        def fn(handler, events, extra=None):
            api = rapi.RuntimeAPI().start()
            env = {"PATH": "/usr/bin:/bin", "AWS_LAMBDA_RUNTIME_API": api.address, "_HANDLER": handler,
                   "MAITRE_STORE": db, "MAITRE_JWT_SECRET": secret, "LAMBDA_TASK_ROOT": task, "TZDIR": tzdir}
            proc = subprocess.Popen([os.path.join(task, "bootstrap")], env=env, cwd=task,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            out = []
            try:
                for ev in events:
                    r = api.invoke(ev, timeout_s=20)
                    self.assertIsNotNone(r, handler)
                    self.assertEqual(r.kind, "response", handler)
                    out.append(r.json)
            finally:
                api.close_next()
                proc.wait(timeout=20)
                api.stop()
            return out

        ev = rapi.apigw_event
        acct = {"email": "tz@example.com", "password": "correct horse battery", "name": "TZ"}
        fn("register", [ev("POST", "/register", body=acct)])
        tok = json.loads(fn("token", [ev("POST", "/auth/get-token", body=acct)])[0]["body"])["accessToken"]
        ctx = fn("authorizer", [rapi.authorizer_event(tok)])[0]["context"]
        wls = json.loads(fn("waitlists", [ev("GET", "/waitlists", authorizer=ctx)])[0]["body"])
        if wls:
            wl = wls[0]["id"]
        else:
            wl = json.loads(fn("waitlists", [ev("POST", "/waitlists", body={"name": "Patio"},
                                                 authorizer=ctx)])[0]["body"])["id"]
        r = fn("stats", [ev("GET", "/waitlists/%s/stats" % wl, "/waitlists/{waitlistId}/stats",
                            path_params={"waitlistId": wl}, query={"tz": zone}, authorizer=ctx)])[0]
        return r["statusCode"]

    def test_reproducible(self):
        other = os.path.join(self.dir, "again.zip")
        subprocess.run([ARGS.package, "--bootstrap", ARGS.bootstrap, "--out", other, "--libcurl", SMALL or "system"],
                       check=True, capture_output=True, timeout=120)
        with open(self.zip, "rb") as a, open(other, "rb") as b:
            self.assertEqual(a.read(), b.read())

    def run_unpacked(self, extra_env, zip_path=None, name="task"):
        """Runs the unpacked zip's bootstrap for one healthz invocation; returns its /proc maps then."""
        task = os.path.join(self.dir, name)
        if not os.path.isdir(task):
            with zipfile.ZipFile(zip_path or self.zip) as z:
                z.extractall(task)
            os.chmod(os.path.join(task, "bootstrap"), 0o755)
        api = rapi.RuntimeAPI().start()
        env = {"PATH": "/usr/bin:/bin", "AWS_LAMBDA_RUNTIME_API": api.address, "_HANDLER": "healthz",
               "MAITRE_STORE": "sqlite:%s/m.db" % self.dir, "LAMBDA_TASK_ROOT": task}
        env.update(extra_env)
        proc = subprocess.Popen([os.path.join(task, "bootstrap")], env=env, cwd=task,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            r = api.invoke(rapi.apigw_event("GET", "/healthz"), timeout_s=20)
            self.assertIsNotNone(r)
            self.assertEqual(r.kind, "response")
            self.assertEqual(r.json["statusCode"], 200)
            with open("/proc/%d/maps" % proc.pid) as f:
                maps = f.read()
        finally:
            api.close_next()
            proc.wait(timeout=20)
            proc.stderr.close()
            api.stop()
        self.assertEqual(api.problems, [])
        return task, maps

    def test_unpacked_zip_runs_on_its_own_libraries(self):
        ssm = FakeSSM("k" * 40)
        self.addCleanup(ssm.close)
        task, maps = self.run_unpacked({
            "MAITRE_JWT_SECRET_SSM": "/maitre/jwt", "MAITRE_SSM_ENDPOINT": ssm.url, "AWS_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "AKIDPACKAGE", "AWS_SECRET_ACCESS_KEY": "package-secret",
            "AWS_SESSION_TOKEN": "package-token"})
        self.assertEqual(len(ssm.requests), 1)
        self.assertEqual(ssm.requests[0][0], "AmazonSSM.GetParameter")
        libs = ["libcurl.so.4", "libssl.so.3", "libcjson.so.1", "libjwt.so.0"]
        if not SMALL:
            libs.append("libnghttp2.so.14")   # Debian's libcurl
        for lib in libs:
            self.assertIn(os.path.join(task, "lib", lib), maps)
            self.assertNotIn("/x86_64-linux-gnu/" + lib, maps)

    def test_cold_start_without_aws_call_does_not_load_libcurl(self):
        task, maps = self.run_unpacked({"MAITRE_JWT_SECRET": "s" * 40})
        self.assertIn(os.path.join(task, "lib", "libcjson.so.1"), maps)
        for lib in ("libcurl.so.4", "libssl.so.3", "libnghttp2.so.14", "libgnutls.so.30", "libkrb5.so.3"):
            self.assertNotIn(lib, maps)


    def system_libcurl(self):
        out = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True, check=True).stdout
        for line in out.splitlines():
            parts = line.split("=>")
            if len(parts) == 2 and parts[0].split()[0] == "libcurl.so.4" and \
                    ("x86-64" in parts[0] or "AArch64" in parts[0]):
                return parts[1].strip()
        self.skipTest("no libcurl.so.4 in the ldconfig cache")

    def test_libcurl_option(self):
        path = self.system_libcurl()
        out = os.path.join(self.dir, "given.zip")
        p = subprocess.run([ARGS.package, "--bootstrap", ARGS.bootstrap, "--out", out, "--check", "--libcurl", path],
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        with zipfile.ZipFile(out) as z, open(path, "rb") as f:
            self.assertEqual(z.read("lib/libcurl.so.4"), f.read())
        with zipfile.ZipFile(self.zip) as z:
            cjson = [n for n in z.namelist() if n.startswith("lib/libcjson")][0]
            z.extract(cjson, self.dir)
        p = subprocess.run([ARGS.package, "--bootstrap", ARGS.bootstrap, "--out", out, "--libcurl",
                            os.path.join(self.dir, cjson)], capture_output=True, text=True, timeout=120)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("is not a libcurl.so.4", p.stderr)

    def test_default_carries_small_libcurl(self):
        """--libcurl auto (the default) takes the small libcurl from its build directory."""
        need_small(self)
        out = os.path.join(self.dir, "default.zip")
        p = subprocess.run([ARGS.package, "--bootstrap", ARGS.bootstrap, "--out", out, "--libcurl-dir",
                            os.path.dirname(os.path.dirname(SMALL))], capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertNotIn("WARNING", p.stderr)
        with zipfile.ZipFile(out) as z, open(SMALL, "rb") as f:
            self.assertEqual(z.read("lib/libcurl.so.4"), f.read())

    def test_small_libcurl(self):
        need_small(self)
        small = SMALL
        out = os.path.join(self.dir, "small.zip")
        p = subprocess.run([ARGS.package, "--bootstrap", ARGS.bootstrap, "--out", out, "--check", "--libcurl", small],
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        with zipfile.ZipFile(out) as z:
            libs = sorted(n[4:] for n in z.namelist() if n.startswith("lib/"))
        self.assertIn("libcurl.so.4", libs)
        self.assertIn("libssl.so.3", libs)
        for lib in ("libnghttp2.so.14", "libgnutls.so.30", "libkrb5.so.3", "libldap-2.5.so.0", "libssh2.so.1"):
            self.assertNotIn(lib, libs)
        print("small libcurl: %s" % p.stdout.strip().splitlines()[-1])
        ssm = FakeSSM("k" * 40)
        self.addCleanup(ssm.close)
        task, maps = self.run_unpacked({
            "MAITRE_JWT_SECRET_SSM": "/maitre/jwt", "MAITRE_SSM_ENDPOINT": ssm.url, "AWS_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "AKIDPACKAGE", "AWS_SECRET_ACCESS_KEY": "package-secret"}, out, "small")
        self.assertEqual(len(ssm.requests), 1)
        self.assertIn(os.path.join(task, "lib", "libcurl.so.4"), maps)
        self.assertNotIn("libnghttp2", maps)


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--package", required=True)
    ap.add_argument("--bootstrap", required=True)
    ARGS, rest = ap.parse_known_args()
    ARGS.bootstrap = os.path.abspath(ARGS.bootstrap)
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()

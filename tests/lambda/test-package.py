#!/usr/bin/python3
"""deploy/package: function.zip for provided.al2023.

- builds the zip from the built bootstrap and checks it (no file needs a glibc
  symbol newer than GLIBC_2.34, every library needed is carried or glibc's);
- the checker can fail: the same zip against GLIBC_2.33 is refused;
- the zip has bootstrap (0755) at the top and the libraries AL2023 lacks in lib/,
  none of glibc's; two builds give the same bytes;
- the unpacked zip runs: its bootstrap answers an invocation under the Runtime
  API stand-in with the libraries loaded from its own lib/ (RPATH), not the system's.
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
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import runtime_api as rapi  # noqa: E402

ARGS = None


class TestPackage(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="maitre-package-")
        cls.zip = os.path.join(cls.dir, "function.zip")
        cls.run1 = subprocess.run([ARGS.package, "--bootstrap", ARGS.bootstrap, "--out", cls.zip, "--check"],
                                  capture_output=True, text=True, timeout=120)

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
        for lib in ("libcurl.so.4", "libcjson.so.1", "libjwt.so.0", "libsodium.so.23", "libsqlite3.so.0"):
            self.assertIn("lib/" + lib, names)
        for lib in ("libc.so.6", "libm.so.6", "libresolv.so.2"):
            self.assertNotIn("lib/" + lib, names)
        self.assertFalse([n for n in names if n != "bootstrap" and not n.startswith("lib/")])

    def test_reproducible(self):
        other = os.path.join(self.dir, "again.zip")
        subprocess.run([ARGS.package, "--bootstrap", ARGS.bootstrap, "--out", other], check=True,
                       capture_output=True, timeout=120)
        with open(self.zip, "rb") as a, open(other, "rb") as b:
            self.assertEqual(a.read(), b.read())

    def test_unpacked_zip_runs_on_its_own_libraries(self):
        task = os.path.join(self.dir, "task")
        with zipfile.ZipFile(self.zip) as z:
            z.extractall(task)
        os.chmod(os.path.join(task, "bootstrap"), 0o755)
        api = rapi.RuntimeAPI().start()
        env = {"PATH": "/usr/bin:/bin", "AWS_LAMBDA_RUNTIME_API": api.address, "_HANDLER": "healthz",
               "MAITRE_STORE": "sqlite:%s/m.db" % self.dir, "LAMBDA_TASK_ROOT": task}
        proc = subprocess.Popen([os.path.join(task, "bootstrap")], env=env, cwd=task,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            r = api.invoke(rapi.apigw_event("GET", "/healthz"), timeout_s=20)
            self.assertIsNotNone(r)
            self.assertEqual(r.kind, "response")
            self.assertEqual(r.json["statusCode"], 200)
            with open("/proc/%d/maps" % proc.pid) as f:
                maps = f.read()
            for lib in ("libcurl.so.4", "libcjson.so.1", "libsodium.so.23"):
                self.assertIn(os.path.join(task, "lib", lib), maps)
                self.assertNotIn("/x86_64-linux-gnu/" + lib, maps)
        finally:
            api.close_next()
            proc.wait(timeout=20)
            api.stop()
        self.assertEqual(api.problems, [])


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

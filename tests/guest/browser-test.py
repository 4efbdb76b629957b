#!/usr/bin/python3
"""Issue 14 in a real browser: starts the built maitred on a free loopback
port, adds two parties through the API, opens the second party's status
page in headless Chromium (Debian's `chromium`) over the DevTools protocol,
takes screenshots at 360x740 and 1280x800, clicks "On my way", then "Leave
the line" and "Yes, leave the line" with real mouse events, and checks
after each click that the party's status changed in the API. Also opens the
self check-in page, fills it in by typing and submits it.

usage: browser-test.py MAITRED [--shots DIR]   (exit 77 = skipped: no chromium)
Only the standard library and python3-websocket (Debian) are used."""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import urllib.error
import base64

try:
    import websocket  # python3-websocket
except ImportError:
    print("SKIP: python3-websocket is not installed")
    sys.exit(77)

NAME = 'Zoë "Z" O\'Neil <script>window.__pwned=1</script>'


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Api:
    """A tiny JSON client for maitred."""

    def __init__(self, base):
        self.base = base
        self.token = None

    def call(self, method, path, body=None, form=None):
        data, headers = None, {}
        if body is not None:
            data = json.dumps(body).encode()
            headers["content-type"] = "application/json"
        if form is not None:
            data = form.encode()
            headers["content-type"] = "application/x-www-form-urlencoded"
        if self.token:
            headers["authorization"] = self.token
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                text = r.read().decode()
                return r.status, (json.loads(text) if text.startswith(("{", "[")) else text)
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()


class Tab:
    """One Chromium page over the DevTools protocol."""

    def __init__(self, ws_url):
        self.ws = websocket.create_connection(ws_url, timeout=30, suppress_origin=True)
        self.next_id = 0
        self.events = []

    def cmd(self, method, **params):
        self.next_id += 1
        my = self.next_id
        self.ws.send(json.dumps({"id": my, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == my:
                if "error" in msg:
                    raise RuntimeError("%s: %s" % (method, msg["error"]))
                return msg.get("result", {})
            self.events.append(msg)

    def wait_event(self, name, timeout=15):
        end = time.time() + timeout
        while time.time() < end:
            for i, ev in enumerate(self.events):
                if ev.get("method") == name:
                    del self.events[: i + 1]
                    return ev
            self.ws.settimeout(max(0.1, end - time.time()))
            try:
                self.events.append(json.loads(self.ws.recv()))
            except websocket.WebSocketTimeoutException:
                break
        raise RuntimeError("no %s within %ss" % (name, timeout))

    def js(self, expr):
        r = self.cmd("Runtime.evaluate", expression=expr, returnByValue=True)
        return r.get("result", {}).get("value")

    def navigate(self, url):
        self.events.clear()
        self.cmd("Page.navigate", url=url)
        self.wait_event("Page.loadEventFired")

    def click(self, selector):
        """A real mouse click in the middle of the element; waits for the next page."""
        box = self.js("(() => { const e = document.querySelector(%s); if (!e) return null;"
                      " e.scrollIntoView({block: 'center'}); const r = e.getBoundingClientRect();"
                      " return [r.x + r.width / 2, r.y + r.height / 2]; })()" % json.dumps(selector))
        assert box is not None, "no element %s on the page" % selector
        self.events.clear()
        for kind in ("mousePressed", "mouseReleased"):
            self.cmd("Input.dispatchMouseEvent", type=kind, x=box[0], y=box[1], button="left", clickCount=1)
        self.wait_event("Page.loadEventFired")

    def shot(self, width, height, path):
        self.cmd("Emulation.setDeviceMetricsOverride", width=width, height=height,
                 deviceScaleFactor=1, mobile=width < 600)
        self.cmd("Page.reload")
        self.wait_event("Page.loadEventFired")
        png = base64.b64decode(self.cmd("Page.captureScreenshot", format="png")["data"])
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        with open(path, "wb") as f:
            f.write(png)
        # readable at this width: nothing wider than the viewport
        assert self.js("document.documentElement.scrollWidth") <= width, "horizontal scroll at %d px" % width


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    maitred = sys.argv[1]
    shots = sys.argv[sys.argv.index("--shots") + 1] if "--shots" in sys.argv else None
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("SKIP: chromium is not installed (apt-get install chromium)")
        return 77
    root = tempfile.mkdtemp(prefix="maitre-browser-")
    shots = shots or root
    port = free_port()
    base = "http://127.0.0.1:%d" % port
    env = dict(os.environ, MAITRE_PUBLIC_URL=base, MAITRE_JWT_SECRET="b" * 48)
    log = open(os.path.join(root, "maitred.log"), "wb")
    srv = subprocess.Popen([maitred, "--listen", "127.0.0.1:%d" % port, "--data-dir", os.path.join(root, "data"),
                            "--tick-seconds", "3600"], env=env, stdout=log, stderr=log)
    browser = None
    try:
        api = Api(base)
        for _ in range(100):
            try:
                if api.call("GET", "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.05)
        st, _ = api.call("POST", "/register", {"email": "owner@example.com", "password": "correct horse battery",
                                               "name": "Owner"})
        assert st == 201, st
        st, tok = api.call("POST", "/auth/get-token", {"email": "owner@example.com", "password": "correct horse battery"})
        assert st == 200, tok
        api.token = tok["accessToken"]
        st, wl = api.call("POST", "/waitlists", {"name": "Chez Zoë — Main room"})
        assert st == 201, wl
        st, first = api.call("POST", "/waitlists/%s/waitees" % wl["id"], {"name": "Ana", "partySize": 2,
                                                                            "quotedMinutes": 20})
        assert st == 201, first
        st, w = api.call("POST", "/waitlists/%s/waitees" % wl["id"], {"name": NAME, "partySize": 4,
                                                                        "quotedMinutes": 25})
        assert st == 201, w
        assert w["guestUrl"].startswith(base + "/g/"), w["guestUrl"]

        def status():
            s, rec = api.call("GET", "/waitlists/%s/waitees/%s" % (wl["id"], w["id"]))
            assert s == 200, rec
            return rec["status"]

        profile = os.path.join(root, "profile")
        browser = subprocess.Popen([chromium, "--headless=new", "--no-sandbox", "--disable-gpu",
                                    "--no-first-run", "--no-default-browser-check", "--hide-scrollbars",
                                    "--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1",
                                    "--user-data-dir=" + profile, "about:blank"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        portfile = os.path.join(profile, "DevToolsActivePort")
        for _ in range(300):
            if os.path.exists(portfile) and open(portfile).read().count("\n") >= 1:
                break
            time.sleep(0.05)
        devport = int(open(portfile).read().split("\n")[0])
        targets = json.loads(urllib.request.urlopen("http://127.0.0.1:%d/json/list" % devport, timeout=10).read())
        page = [t for t in targets if t.get("type") == "page"][0]
        tab = Tab(page["webSocketDebuggerUrl"])
        tab.cmd("Page.enable")
        tab.cmd("Runtime.enable")
        tab.cmd("Emulation.setDeviceMetricsOverride", width=360, height=740, deviceScaleFactor=1, mobile=True)
        tab.navigate(w["guestUrl"])
        heading = tab.js("document.querySelector('h2').textContent")
        assert heading == NAME + ", party of 4", heading          # shown literally
        assert tab.js("window.__pwned") is None                     # and never run
        assert tab.js("document.querySelector('header h1').textContent") == "Chez Zoë — Main room"
        assert tab.js("document.querySelector('.big').textContent") == "#2"
        assert tab.js("document.documentElement.lang") == "en"
        assert tab.js("document.querySelectorAll('meta[http-equiv=refresh]').length") == 1
        tab.shot(360, 740, os.path.join(shots, "guest-status-360.png"))
        tab.shot(1280, 800, os.path.join(shots, "guest-status-1280.png"))
        tab.cmd("Emulation.setDeviceMetricsOverride", width=360, height=740, deviceScaleFactor=1, mobile=True)

        assert status() == "waiting"
        tab.click("#onmyway")
        assert status() == "confirmed", status()
        assert "On your way" in tab.js("document.body.innerText")
        tab.click("#leave")
        assert "Leave the line?" in tab.js("document.body.innerText")
        assert status() == "confirmed"                              # asking changes nothing
        tab.click("#leave-yes")
        assert status() == "cancelled", status()
        text = tab.js("document.body.innerText")
        assert "This visit has ended" in text and "Zo" not in text.split("Chez")[0] + text.split("Main room")[-1]

        # self check-in: the owner opens the door, a walk-in types and submits
        st, rec = api.call("PUT", "/waitlists/%s" % wl["id"], {"selfCheckIn": True})
        assert st == 200 and rec["checkInUrl"].startswith(base + "/j/"), rec
        tab.navigate(rec["checkInUrl"])
        tab.shot(360, 740, os.path.join(shots, "guest-checkin-360.png"))
        for field, value in (("#name", "Walk-in Wanda"), ("#party", "3"), ("#phone", "+1 415 555 0100")):
            tab.js("document.querySelector(%s).value = ''" % json.dumps(field))
            tab.js("document.querySelector(%s).focus()" % json.dumps(field))
            tab.cmd("Input.insertText", text=value)
        tab.click("#join-button")
        assert "Walk-in Wanda, party of 3" in tab.js("document.body.innerText")
        st, items = api.call("GET", "/waitlists/%s/waitees" % wl["id"])
        mine = [x for x in items if x["name"] == "Walk-in Wanda"]
        assert len(mine) == 1 and mine[0]["source"] == "self" and mine[0]["phoneNumber"] == "+14155550100", mine
        print("OK: status page, screenshots in %s, both buttons, self check-in" % shots)
        return 0
    finally:
        if browser is not None:
            browser.send_signal(signal.SIGTERM)
            try:
                browser.wait(10)
            except subprocess.TimeoutExpired:
                browser.kill()
        srv.send_signal(signal.SIGTERM)
        try:
            srv.wait(10)
        except subprocess.TimeoutExpired:
            srv.kill()
        if not os.environ.get("MAITRE_TEST_KEEP"):
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

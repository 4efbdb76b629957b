#!/usr/bin/python3
"""A desktop notification server for tests (org.freedesktop.Notifications).

Run inside `dbus-run-session`: owns the name on the session bus, records
every Notify call as one tab-separated line in a temporary file (app name,
summary, body, urgency hint, category hint, expire timeout), runs the
command given after "--" with TK_NOTIFY_LOG naming that file, and exits
with the command's status. A notification whose summary starts with
"slow" is answered after 1.5 s, to show that the caller is not blocked.

Usage: notify-server.py -- COMMAND [ARGS...]
"""
import os
import subprocess
import sys
import tempfile

import dbus
import dbus.mainloop.glib
import dbus.service
from gi.repository import GLib

IFACE = "org.freedesktop.Notifications"
SLOW_MS = 1500


def clean(s):
    """One field of a line: no tabs or newlines."""
    return str(s).replace("\t", "\\t").replace("\n", "\\n")


class Server(dbus.service.Object):
    """Answers the four methods libnotify calls and logs Notify."""

    def __init__(self, bus, log):
        super().__init__(bus, "/org/freedesktop/Notifications")
        self.log = log
        self.count = 0

    @dbus.service.method(IFACE, in_signature="susssasa{sv}i", out_signature="u",
                         async_callbacks=("reply", "error"))
    def Notify(self, app_name, replaces_id, app_icon, summary, body, actions, hints,
               expire_timeout, reply, error):
        self.count += 1
        ident = self.count
        urgency = int(hints["urgency"]) if "urgency" in hints else -1
        category = str(hints["category"]) if "category" in hints else ""
        fields = [app_name, summary, body, urgency, category, int(expire_timeout)]
        self.log.write("\t".join(clean(f) for f in fields) + "\n")
        self.log.flush()
        if str(summary).startswith("slow"):
            GLib.timeout_add(SLOW_MS, lambda: reply(dbus.UInt32(ident)) and False)
        else:
            reply(dbus.UInt32(ident))

    @dbus.service.method(IFACE, in_signature="", out_signature="as")
    def GetCapabilities(self):
        return ["body"]

    @dbus.service.method(IFACE, in_signature="", out_signature="ssss")
    def GetServerInformation(self):
        return ("maitre-test", "maitre", "1.0", "1.2")

    @dbus.service.method(IFACE, in_signature="u", out_signature="")
    def CloseNotification(self, ident):
        pass


def main():
    if "--" not in sys.argv or sys.argv.index("--") == len(sys.argv) - 1:
        sys.exit("usage: notify-server.py -- COMMAND [ARGS...]")
    command = sys.argv[sys.argv.index("--") + 1:]
    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    bus = dbus.SessionBus()
    fd, path = tempfile.mkstemp(prefix="tk-notify-", suffix=".log")
    log = os.fdopen(fd, "w", encoding="utf-8")
    name = dbus.service.BusName(IFACE, bus, do_not_queue=True)
    server = Server(bus, log)
    env = dict(os.environ, TK_NOTIFY_LOG=path)
    child = subprocess.Popen(command, env=env)
    loop = GLib.MainLoop()
    status = []

    def poll():
        rc = child.poll()
        if rc is None:
            return True
        status.append(rc)
        loop.quit()
        return False

    GLib.timeout_add(20, poll)
    loop.run()
    log.close()
    os.unlink(path)
    del server, name
    sys.exit(status[0] if status[0] >= 0 else 128 - status[0])


if __name__ == "__main__":
    main()

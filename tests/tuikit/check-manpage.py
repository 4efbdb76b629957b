#!/usr/bin/python3
"""Checks tui/maitre.1: groff formats it without a warning, and it names
every theme slot of tui/kit/theme.c and every config key the client reads,
so the page cannot fall behind the code.

Usage: check-manpage.py SOURCE_ROOT
"""
import os
import re
import subprocess
import sys


def main():
    root = sys.argv[1]
    page = os.path.join(root, "tui", "maitre.1")
    faults = []
    run = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z", page],
                         capture_output=True, text=True)
    if run.returncode != 0 or run.stderr.strip():
        faults.append("groff: " + (run.stderr.strip() or f"exit {run.returncode}"))
    with open(page, encoding="utf-8") as f:
        text = f.read()
    # roff escapes '-' as '\-'; compare on plain text
    plain = text.replace("\\-", "-")
    with open(os.path.join(root, "tui", "kit", "theme.c"), encoding="utf-8") as f:
        slots = re.findall(r'\[TK_SLOT_[A-Z_]+\] = "([a-z-]+)"', f.read())
    if len(slots) < 20:
        faults.append(f"found only {len(slots)} slot names in theme.c")
    themes = plain[plain.index(".SH THEMES"):plain.index(".SH DESKTOP")]
    for s in slots:
        if not re.search(r"\b" + re.escape(s) + r"\b", themes):
            faults.append(f"slot '{s}' is not in the THEMES section")
    for key in ("server", "email", "theme", "poll_interval", "country", "notifications"):
        if not re.search(r"^\.BI " + key + " ", plain, re.M):
            faults.append(f"config key '{key}' is not described")
    for theme in os.listdir(os.path.join(root, "themes")):
        name = theme[:-len(".theme")]
        if theme.endswith(".theme") and name not in plain:
            faults.append(f"theme '{name}' is not named")
    for fault in faults:
        print("maitre.1:", fault)
    print(f"{len(slots)} slots checked, {len(faults)} faults")
    sys.exit(1 if faults else 0)


if __name__ == "__main__":
    main()

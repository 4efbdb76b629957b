#!/usr/bin/python3
"""Layer check: fails when a file includes a header from a layer above its own.

The order is read from README.md, the line that starts with "Layer order:"
(lowest first, layers separated by " < ", folders of one layer by " = ").
A file may include headers of its own folder and of any folder in a lower
layer; a folder of the same layer or of a higher one is refused, and so is a
folder the order does not name (add it to README's map first).

Usage: check-layers.py SOURCE_ROOT   (exit 0 when clean, 1 with one line per fault)
       check-layers.py --self-test    (checks that the rules catch what they must)
"""
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')
CHECKED_TOPS = ("backend", "client", "tui")   # trees whose files are checked


def read_order(root):
    """Returns {folder: rank} from README's "Layer order:" line."""
    with open(os.path.join(root, "README.md"), encoding="utf-8") as f:
        for line in f:
            if line.startswith("Layer order:"):
                layers = line[len("Layer order:"):].strip().rstrip(".").split("<")
                rank = {}
                for i, layer in enumerate(layers):
                    for name in layer.split("="):
                        name = name.strip().strip("`").rstrip("/")
                        if name:
                            rank[name] = i
                return rank
    raise SystemExit("check-layers: README.md has no 'Layer order:' line")


def folder_of(root, path):
    """The layer folder of a source file: backend/X/... -> X, client/... -> client."""
    rel = os.path.relpath(path, root).split(os.sep)
    if rel[0] == "backend" and len(rel) > 2:
        return rel[1]
    return rel[0]


def check(root):
    """Returns (files checked, list of faults) for the tree at root."""
    rank = read_order(root)
    faults = []
    checked = 0
    for top in CHECKED_TOPS:
        for dirpath, _, files in os.walk(os.path.join(root, top)):
            for name in sorted(files):
                if not name.endswith((".c", ".h")):
                    continue
                path = os.path.join(dirpath, name)
                own = folder_of(root, path)
                rel = os.path.relpath(path, root)
                checked += 1
                if own not in rank:
                    faults.append(f"{rel}: folder '{own}' is not in README's layer order")
                    continue
                with open(path, encoding="utf-8", errors="replace") as f:
                    for lineno, line in enumerate(f, 1):
                        m = INCLUDE.match(line)
                        if m is None or "/" not in m.group(1):
                            continue   # same-folder header
                        dep = m.group(1).split("/")[0]
                        if dep == own:
                            continue
                        if own in ("client", "tui") and os.path.isdir(os.path.join(root, own, dep)):
                            continue   # a subfolder of the same program (tui/kit/...)
                        if dep not in rank:
                            faults.append(f"{rel}:{lineno}: includes {m.group(1)}: folder '{dep}' is not in README's layer order")
                        elif rank[dep] >= rank[own]:
                            faults.append(f"{rel}:{lineno}: includes {m.group(1)}: '{dep}' is not below '{own}'")
    return checked, faults


def self_test():
    """Builds small trees in a temporary folder and checks the verdicts."""
    import tempfile

    cases = [
        # (files {path: text}, expected number of faults)
        ({"backend/core/a.c": '#include "core/b.h"\n#include "b.h"\n'}, 0),
        ({"backend/store/s.c": '#include "core/a.h"\n'}, 0),
        ({"backend/core/a.c": '#include "store/store.h"\n'}, 1),       # upward
        ({"backend/auth/a.c": '#include "apigw/apigw.h"\n'}, 0),
        ({"backend/apigw/a.c": '#include "auth/auth.h"\n'}, 1),        # upward
        ({"backend/daemon/a.c": ' # include "lambda/l.h"\n'}, 1),      # same layer, other folder
        ({"backend/core/a.c": '#include "nowhere/x.h"\n'}, 1),         # folder not in the order
        ({"backend/nowhere/x.c": ''}, 1),                               # file in an unknown folder
        ({"tui/screen.c": '#include "client/maitre-client.h"\n'}, 0),
        ({"backend/handlers/h.c": '#include <store/store.h>\n'}, 0),   # system include: not ours
        ({"tui/screen.c": '#include "kit/theme.h"\n', "tui/kit/theme.h": ''}, 0),  # own subfolder
        ({"tui/screen.c": '#include "kit/theme.h"\n'}, 1),            # no such subfolder
        ({"client/c.c": '#include "tui/x.h"\n'}, 1),                  # upward
    ]
    readme = "Layer order: core < apigw < auth < store < handlers < daemon = lambda < client < tui\n"
    bad = 0
    for i, (files, want) in enumerate(cases):
        with tempfile.TemporaryDirectory() as root:
            with open(os.path.join(root, "README.md"), "w", encoding="utf-8") as f:
                f.write(readme)
            for rel, text in files.items():
                os.makedirs(os.path.dirname(os.path.join(root, rel)), exist_ok=True)
                with open(os.path.join(root, rel), "w", encoding="utf-8") as f:
                    f.write(text)
            _, faults = check(root)
            if len(faults) != want:
                print(f"self-test case {i}: {len(faults)} faults, expected {want}: {faults}")
                bad += 1
    print(f"check-layers self-test: {len(cases)} cases, {bad} wrong")
    return 1 if bad else 0


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--self-test":
        return self_test()
    root = sys.argv[1] if len(sys.argv) > 1 else "."
    checked, faults = check(root)
    for fault in faults:
        print(fault)
    if checked == 0:
        print("check-layers: no source files found under", root)
        return 1
    print(f"check-layers: {checked} files, {len(faults)} faults")
    return 1 if faults else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Lists functions in crates/*/src longer than a limit (default 150 lines).

Relies on rustfmt's layout: a function's closing brace stands alone at the indentation of its `fn` line.
Usage: scripts/long_functions.py [LIMIT] [PATH...]
"""
import pathlib
import re
import sys

FN = re.compile(r"^(\s*)(pub(\([a-z]+\))? )?(const )?(async )?(unsafe )?(extern \"C\" )?fn (\w+)")


def functions(path):
    lines = path.read_text().splitlines()
    for k, line in enumerate(lines):
        m = FN.match(line)
        if not m or line.rstrip().endswith(";"):
            continue
        indent = m.group(1)
        for e in range(k + 1, len(lines)):
            if lines[e] == indent + "}":
                yield m.group(8), k + 1, e - k + 1
                break


def main():
    args = sys.argv[1:]
    limit = int(args.pop(0)) if args and args[0].isdigit() else 150
    roots = [pathlib.Path(a) for a in args] or sorted(pathlib.Path("crates").glob("*/src"))
    found = []
    for root in roots:
        files = [root] if root.is_file() else sorted(root.rglob("*.rs"))
        for f in files:
            for name, line, length in functions(f):
                if length > limit:
                    found.append((length, f"{f}:{line}", name))
    for length, where, name in sorted(found, reverse=True):
        print(f"{length:5} {where} {name}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())

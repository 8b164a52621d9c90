#!/usr/bin/env python3
"""Give a generated portal (scripts/gen_corpus.py) a git history, for the provenance bench.

    python3 scripts/gen_history.py --portal /tmp/corpus --commits 10000

Makes `--portal` a git repository (it must not be one yet) whose first-parent history has
`--commits` commits, written with `git fast-import` (seconds, not minutes): the first commit
holds portal.yaml and the pages; then each record is added in its own commit at its
`created` instant (records sorted by it), so that evidence is committed when it is stated;
commits left over after every record is added are edits (a YAML comment line added to a
record's front matter, round robin, one day apart): each is a new blob to read and parse,
with no field changed. With fewer commits than
records, several records share a commit. The working tree is left equal to HEAD.
Deterministic: the same portal gives the same commit ids.
"""

from __future__ import annotations

import argparse
import calendar
import os
import re
import subprocess
import sys
import time

CREATED = re.compile(r"^created: *['\"]?([0-9]{4}-[0-9]{2}-[0-9]{2})(?:T([0-9]{2}):([0-9]{2}))?", re.M)


def created_epoch(text: str) -> int:
    m = CREATED.search(text)
    if not m:
        return 0
    y, mo, d = (int(x) for x in m.group(1).split("-"))
    hh = int(m.group(2) or 0)
    mm = int(m.group(3) or 0)
    return calendar.timegm((y, mo, d, hh, mm, 0))


def blob(path: str, data: bytes) -> bytes:
    return b"M 100644 inline " + path.encode() + b"\n" + b"data %d\n" % len(data) + data + b"\n"


def commit(mark: int, at: int, message: str, files: list[bytes]) -> bytes:
    who = b"Bench Committer <bench@example.com> %d +0000" % at
    msg = message.encode()
    head = b"commit refs/heads/main\nmark :%d\nauthor %s\ncommitter %s\ndata %d\n%s\n" % (
        mark, who, who, len(msg), msg)
    if mark > 1:
        head += b"from :%d\n" % (mark - 1)
    return head + b"".join(files)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--portal", required=True)
    ap.add_argument("--commits", type=int, default=10000)
    args = ap.parse_args(argv)
    root = os.path.abspath(args.portal)
    if os.path.exists(os.path.join(root, ".git")):
        print(f"{root} is already a git repository", file=sys.stderr)
        return 2
    records, others = [], []
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            path = os.path.relpath(os.path.join(folder, name), root).replace(os.sep, "/")
            with open(os.path.join(root, path), "rb") as fh:
                data = fh.read()
            if path.startswith("content/changes/") and name.endswith(".md"):
                records.append((created_epoch(data.decode("utf-8", "replace")), path, data))
            elif not name.startswith("."):
                others.append((path, data))
    records.sort()
    total = max(args.commits, 2)
    record_commits = min(len(records), total - 1)
    base = (records[0][0] if records else int(time.time())) - 86400
    stream = [commit(1, base, "Portal configuration and pages", [blob(p, d) for p, d in others])]
    mark = 1
    per = -(-len(records) // max(record_commits, 1)) if records else 0
    last_at = base
    for start in range(0, len(records), max(per, 1)):
        group = records[start:start + per]
        mark += 1
        last_at = max(last_at + 1, group[0][0])
        stream.append(commit(mark, last_at, f"Add {len(group)} record(s)",
                             [blob(p, d) for _, p, d in group]))
    current = {p: d for _, p, d in records}
    order = [p for _, p, _ in records]
    edit = 0
    while mark < total and order:
        path = order[edit % len(order)]
        edit += 1
        mark += 1
        last_at += 86400
        data = current[path]
        head, sep, body = data.partition(b"\n---\n")
        data = head + b"\n# bench edit %d\n" % edit + sep + body if sep else data + b"\n"
        current[path] = data
        stream.append(commit(mark, last_at, f"Edit {path}", [blob(path, data)]))
    subprocess.run(["git", "init", "-q", "-b", "main", root], check=True)
    subprocess.run(["git", "fast-import", "--quiet"], input=b"".join(stream), cwd=root, check=True)
    subprocess.run(["git", "reset", "-q", "--hard", "main"], cwd=root, check=True)
    print(f"{root}: {mark} commits, {len(records)} records", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

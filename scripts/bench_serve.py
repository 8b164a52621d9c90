#!/usr/bin/env python3
"""Edit-to-served latency of `changeportal serve` after one-record edits.

Copies a portal (by default a corpus of scripts/gen_corpus.py) into a temporary folder,
starts `serve --port 0` on it, then edits one public, deployed record at a time and measures
the time from the file write to the edit being served on that record's public page (polled
every 5 ms over loopback). The edits take turns over three kinds:

  body    a paragraph with a unique marker added at the top of the body (the public part)
  title   a unique marker put in front of the title
  status  `status: deployed` becomes `status: rolled_back` (the page must change)

A title or body edit counts as served once the page holds its marker; a status edit once
the page differs from the page served before the write. Prints each edit, then the median,
the p90 (nearest rank: the 18th of 20) and min/max, overall and per kind, next to the rebuild
time serve itself reports. A benchmark, not a test. scripts/bench --serve runs it.

    python3 scripts/gen_corpus.py --records 10000 --out /tmp/corpus-10k
    cargo build --release
    python3 scripts/bench_serve.py --corpus /tmp/corpus-10k            # 20 edits

    # or let the script generate the corpus:
    python3 scripts/bench_serve.py --generate 10000

Python 3.11 standard library only.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
POLL_SECONDS = 0.005
GIVE_UP_SECONDS = 60.0
SETTLE_SECONDS = 0.5
KINDS = ("body", "title", "status")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--corpus", type=Path, help="portal folder to benchmark on (copied, never modified)")
    source.add_argument("--generate", type=int, metavar="N", help="generate an N-record corpus with scripts/gen_corpus.py")
    parser.add_argument("--binary", type=Path, default=REPO / "target" / "release" / "changeportal",
                        help="changeportal binary (default: target/release/changeportal, built if missing)")
    parser.add_argument("--edits", type=int, default=20,
                        help="number of one-record edits, kinds in turn body, title, status (default 20)")
    parser.add_argument("--kinds", default=",".join(KINDS), help="edit kinds to take in turn (default body,title,status)")
    parser.add_argument("--now", default="2026-11-24", help="--now passed to serve (the corpus' reference date)")
    parser.add_argument("--workdir", type=Path, help="where the copy of the portal goes (default: the system's temp folder)")
    parser.add_argument("--json", type=Path, help="also write the results as JSON to this file")
    return parser.parse_args()


def ensure_binary(binary: Path) -> Path:
    if binary.is_file():
        return binary
    print(f"{binary} not found; running cargo build --release", file=sys.stderr)
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=REPO, check=True)
    return binary


def copy_portal(source: Path, target: Path) -> None:
    for name in ("portal.yaml", "content", "templates", "static"):
        path = source / name
        if path.is_dir():
            shutil.copytree(path, target / name)
        elif path.is_file():
            shutil.copy2(path, target / name)


class Serve:
    """A running `changeportal serve`, its address and its rebuild log."""

    def __init__(self, binary: Path, root: Path, now: str):
        self.process = subprocess.Popen(
            [str(binary), "serve", "--port", "0", "--now", now, "--root", str(root)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        self.rebuild_ms: list[tuple[int | None, ...]] = []
        self.failures = 0
        # Drain stderr from the start: the first build prints every deny-level
        # flag, which would fill the pipe and block serve.
        threading.Thread(target=self._read_log, daemon=True).start()
        self.address = self._read_address()

    def _read_address(self) -> str:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            match = re.search(r"http://([0-9.]+:[0-9]+)/", line)
            if match:
                return match.group(1)
        raise SystemExit("serve exited before printing its URL")

    def _read_log(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            match = re.search(r"\] built .* in (\d+) ms(?: \(check (\d+) ms, render (\d+) ms\))?", line)
            if match:
                self.rebuild_ms.append(tuple(int(g) if g else None for g in match.groups()))
            elif "] build failed" in line:
                self.failures += 1

    def get(self, path: str) -> tuple[int, str]:
        host, port = self.address.split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            return response.status, response.read().decode("utf-8", "replace")
        finally:
            connection.close()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def front_matter_value(text: str, key: str) -> str | None:
    match = re.search(rf"^{key}:\s*(.+?)\s*$", text.split("\n---", 1)[0], re.MULTILINE)
    return match.group(1).strip("\"'") if match else None


def public_records(root: Path, serve: Serve, wanted: int) -> list[tuple[Path, str]]:
    """Up to `wanted` public, deployed records spread over the corpus whose page is served."""
    files = sorted((root / "content" / "changes").rglob("*.md"))
    candidates = []
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        if (front_matter_value(text, "visibility") == "public" and front_matter_value(text, "status") == "deployed"
                and front_matter_value(text, "id") and front_matter_value(text, "embargo_until") is None):
            candidates.append(path)
    step = max(1, len(candidates) // (wanted * 3))
    chosen: list[tuple[Path, str]] = []
    for path in candidates[::step]:
        page = f"/changes/{front_matter_value(path.read_text(encoding='utf-8'), 'id').lower()}/"
        if serve.get(page)[0] == 200:
            chosen.append((path, page))
        if len(chosen) == wanted:
            break
    return chosen


def marked_title(value: str, marker: str) -> str:
    """The YAML title `value` with `marker` in front of its text, still valid YAML: inside the quotes of a
    quoted title (a marker before the quote would turn `"Fix: x"` into an invalid plain scalar)."""
    if value[:1] in ("'", '"'):
        return value[0] + marker + " " + value[1:]
    return f"{marker} {value}"


def edited_text(text: str, kind: str, marker: str) -> str:
    head, sep, body = text.partition("\n---\n")
    if kind == "title":
        head = re.sub(r"^title:\s*(.*)$", lambda m: "title: " + marked_title(m.group(1).strip(), marker), head,
                      count=1, flags=re.MULTILINE)
    elif kind == "body":
        body = f"\n{marker} was added to this note.\n" + body
    elif kind == "status":
        head = re.sub(r"^status:\s*deployed\s*$", "status: rolled_back", head, count=1, flags=re.MULTILINE)
    else:
        raise ValueError(kind)
    return head + sep + body


def edit_and_wait(serve: Serve, path: Path, page: str, kind: str, marker: str) -> float:
    """Applies one edit of `kind` to the record; seconds from the write until it is served."""
    text = path.read_text(encoding="utf-8")
    edited = edited_text(text, kind, marker)
    if edited == text:
        raise SystemExit(f"{path}: the {kind} edit changes nothing")
    before = serve.get(page)
    failures = serve.failures
    started = time.perf_counter()
    path.write_text(edited, encoding="utf-8")
    while True:
        status, body = serve.get(page)
        if serve.failures != failures or 'id="changeportal-overlay"' in body:
            # The overlay of a failed build quotes the edited line: that is not the edit served.
            raise SystemExit(f"{path}: the {kind} edit made the build fail; the bench's edits must stay valid")
        if (status, body) != before and (kind == "status" or (status == 200 and marker in body)):
            return time.perf_counter() - started
        if time.perf_counter() - started > GIVE_UP_SECONDS:
            raise SystemExit(f"{page} did not show the {kind} edit within {GIVE_UP_SECONDS:.0f} s")
        time.sleep(POLL_SECONDS)


def p90(values: list[float]) -> float:
    """Nearest-rank 90th percentile (the 18th of 20 sorted values)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]


def summary(values_ms: list[float]) -> dict:
    return {"n": len(values_ms), "median_ms": statistics.median(values_ms), "p90_ms": p90(values_ms),
            "min_ms": min(values_ms), "max_ms": max(values_ms)}


def main() -> None:
    args = parse_args()
    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    if not kinds or any(k not in KINDS for k in kinds):
        raise SystemExit(f"--kinds: choose from {', '.join(KINDS)}")
    binary = ensure_binary(args.binary)
    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench-serve-", dir=args.workdir) as scratch:
        root = Path(scratch) / "portal"
        if args.generate:
            subprocess.run([sys.executable, str(REPO / "scripts" / "gen_corpus.py"), "--records", str(args.generate),
                            "--out", str(root), "--quiet"], check=True)
        else:
            root.mkdir()
            copy_portal(args.corpus, root)
        records = len(list((root / "content" / "changes").rglob("*.md")))
        started = time.perf_counter()
        serve = Serve(binary, root, args.now)
        first_build = time.perf_counter() - started
        edits = []
        try:
            chosen = public_records(root, serve, args.edits)
            if not chosen:
                raise SystemExit("no public record page found to edit")
            if len(chosen) < args.edits:
                print(f"only {len(chosen)} public deployed records are served; {len(chosen)} edits", file=sys.stderr)
            time.sleep(SETTLE_SECONDS)
            for number, (path, page) in enumerate(chosen, 1):
                kind = kinds[(number - 1) % len(kinds)]
                latency = edit_and_wait(serve, path, page, kind, f"bench-edit-{number}-{os.getpid()}")
                edits.append({"kind": kind, "file": str(path.relative_to(root)), "page": page,
                              "ms": latency * 1000})
                print(f"edit {number} ({kind}): {path.relative_to(root)} served after {latency * 1000:.0f} ms",
                      flush=True)
                time.sleep(SETTLE_SECONDS)
        finally:
            serve.stop()
    latencies = [e["ms"] for e in edits]
    result = {"records": records, "binary": str(binary), "startup_s": first_build, "edits": edits,
              **summary(latencies),
              "by_kind": {k: summary([e["ms"] for e in edits if e["kind"] == k]) for k in kinds
                          if any(e["kind"] == k for e in edits)},
              "failures": serve.failures}
    rebuilds = serve.rebuild_ms[1:]
    print()
    print(f"corpus: {records} records; binary: {binary}")
    print(f"startup until the URL was printed (first build included): {first_build:.2f} s")
    print(f"write -> edit served, {len(latencies)} one-record edits: median {result['median_ms']:.0f} ms, "
          f"p90 {result['p90_ms']:.0f} ms, min {result['min_ms']:.0f} ms, max {result['max_ms']:.0f} ms")
    for kind, k in result["by_kind"].items():
        print(f"  {kind:6} {k['n']:2} edits: median {k['median_ms']:.0f} ms, p90 {k['p90_ms']:.0f} ms, "
              f"max {k['max_ms']:.0f} ms")
    if rebuilds:
        total = statistics.median(r[0] for r in rebuilds)
        result["rebuild_median_ms"] = total
        parts = ""
        if all(r[1] is not None for r in rebuilds):
            check = statistics.median(r[1] for r in rebuilds)
            render = statistics.median(r[2] for r in rebuilds)
            result["rebuild_check_median_ms"], result["rebuild_render_median_ms"] = check, render
            parts = f" (load+check {check:.0f} ms, render {render:.0f} ms)"
        print(f"rebuild time reported by serve: median {total:.0f} ms{parts}; the rest is serve's debounce "
              "window, the file watcher and the fetch")
    if serve.failures:
        print(f"warning: {serve.failures} rebuild(s) failed during the run", file=sys.stderr)
    if args.json:
        args.json.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

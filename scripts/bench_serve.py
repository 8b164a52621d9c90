#!/usr/bin/env python3
"""Rebuild latency of `changeportal serve` after a one-record edit.

Copies a portal (by default the 10,000-record corpus of scripts/gen_corpus.py)
into a temporary folder, starts `serve --port 0` on it, then edits the title of
one public record at a time and measures the time from the file write to the
new title being served on that record's page (polled every few milliseconds
over loopback). Prints each edit, then the median, min and max, next to the
rebuild time serve itself reports. A benchmark, not a test.

    python3 scripts/gen_corpus.py --records 10000 --out /tmp/corpus-10k
    cargo build --release
    python3 scripts/bench_serve.py --corpus /tmp/corpus-10k

    # or let the script generate the corpus:
    python3 scripts/bench_serve.py --generate 10000

Python 3.11 standard library only.
"""

from __future__ import annotations

import argparse
import http.client
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


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--corpus", type=Path, help="portal folder to benchmark on (copied, never modified)")
    source.add_argument("--generate", type=int, metavar="N", help="generate an N-record corpus with scripts/gen_corpus.py")
    parser.add_argument("--binary", type=Path, default=REPO / "target" / "release" / "changeportal",
                        help="changeportal binary (default: target/release/changeportal, built if missing)")
    parser.add_argument("--edits", type=int, default=7, help="number of one-record edits (default 7)")
    parser.add_argument("--now", default="2026-11-24", help="--now passed to serve (the corpus' reference date)")
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
        self.rebuild_ms: list[tuple[int, int, int]] = []
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
            match = re.search(r"\] built .* in (\d+) ms \(check (\d+) ms, render (\d+) ms\)", line)
            if match:
                self.rebuild_ms.append((int(match.group(1)), int(match.group(2)), int(match.group(3))))
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
    """Up to `wanted` records spread over the corpus whose public page is served."""
    files = sorted((root / "content" / "changes").rglob("*.md"))
    candidates = []
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        if front_matter_value(text, "visibility") == "public" and front_matter_value(text, "id"):
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


def edit_and_wait(serve: Serve, path: Path, page: str, marker: str) -> float:
    """Rewrites the record's title to include `marker`; seconds until served."""
    text = path.read_text(encoding="utf-8")
    edited = re.sub(r"^title:\s*(.*)$", lambda m: f"title: {marker} {m.group(1).strip()}", text, count=1,
                    flags=re.MULTILINE)
    started = time.perf_counter()
    path.write_text(edited, encoding="utf-8")
    while True:
        status, body = serve.get(page)
        if status == 200 and marker in body:
            return time.perf_counter() - started
        if time.perf_counter() - started > GIVE_UP_SECONDS:
            raise SystemExit(f"{page} did not show the edit within {GIVE_UP_SECONDS:.0f} s")
        time.sleep(POLL_SECONDS)


def main() -> None:
    args = parse_args()
    binary = ensure_binary(args.binary)
    with tempfile.TemporaryDirectory(prefix="bench-serve-") as scratch:
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
        try:
            chosen = public_records(root, serve, args.edits)
            if not chosen:
                raise SystemExit("no public record page found to edit")
            time.sleep(SETTLE_SECONDS)
            latencies = []
            for number, (path, page) in enumerate(chosen, 1):
                latency = edit_and_wait(serve, path, page, f"bench-edit-{number}-{os.getpid()}")
                latencies.append(latency)
                print(f"edit {number}: {path.relative_to(root)} served after {latency * 1000:.0f} ms", flush=True)
                time.sleep(SETTLE_SECONDS)
        finally:
            serve.stop()
    rebuilds = serve.rebuild_ms[1:]
    print()
    print(f"corpus: {records} records; binary: {binary}")
    print(f"startup until the URL was printed (first build included): {first_build:.2f} s")
    print(f"write -> new content served, {len(latencies)} one-record edits: "
          f"median {statistics.median(latencies) * 1000:.0f} ms, "
          f"min {min(latencies) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms")
    if rebuilds:
        total, check, render = (statistics.median(column) for column in zip(*rebuilds))
        print(f"rebuild time reported by serve: median {total:.0f} ms (load+check {check:.0f} ms, "
              f"render {render:.0f} ms); the rest is the 100 ms debounce window and the fetch")
    if serve.failures:
        print(f"warning: {serve.failures} rebuild(s) failed during the run", file=sys.stderr)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Benchmark `changeportal build` / `changeportal check` against Hugo on generated corpora.

Normally started through `scripts/bench`, which installs Hugo and GNU time when they are
missing and builds the release binary first. Standard library only.

    python3 scripts/bench.py --bin target/release/changeportal [--big] [--runs 5] [--serve]

For each corpus size N (1000 and 10000; 100000 too with --big) and each corpus shape of
gen_corpus.py (`default`: ~300-word bodies; `small`: ~150-word bodies) it generates a portal
and an equivalent Hugo site (reused when the same seed, N, shape and generator already exist
in the work folder), then runs one warm-up round and --runs timed rounds of

  (a) changeportal build --root CORPUS --out OUT --now NOW
  (b) changeportal check --root CORPUS --now NOW        (exit 1 = deny flags: expected), with
      its record store (kept in WORKDIR/record-store; warm after the warm-up round), and again
      with --no-cache (every file parsed, as on a fresh clone)
  (c) hugo --quiet -s HUGOSITE -d OUT

in turns (default build, check, hugo, then small build, check, hugo, then the next round),
each under `/usr/bin/time -f '%e %M %U %S'`. Where each run writes (--outputs):

  fresh   (default) a new output folder per run, none deleted before the bench ends: every
          run is a clean full build into an empty folder, as on a fresh clone or in CI.
  delete  one folder per command, removed right before every run (the bench's way before
          2026-12-01): on this machine kind's ext4 without a journal, creating files right
          after deleting thousands makes the kernel skip every recently freed inode, one by
          one, which triples the system time of both tools (docs/performance.md, sixth round).
  reuse   one folder per command, kept between runs: a rebuild into the previous output, the
          usual case of a writer's machine (Hugo overwrites in place, changeportal reuses its
          previous output's files and folders).

When the disk lacks room for fresh folders (free space below twice a run's output, in disk
blocks, plus 1 GB), the bench deletes that command's older outputs and says so in the report.
Every output goes when the bench ends, also on Ctrl-C, SIGTERM or SIGHUP (the running command's
process group is killed first).

It prints markdown tables of medians: wall, user and system
CPU time, peak RSS and output size per command, and the ratio build/hugo per shape and N.
With --serve it then runs scripts/bench_serve.py (edit-to-served latency of `serve`, median
and p90 over 20 one-record edits) on a 10,000-record corpus.
"""

from __future__ import annotations

import argparse
import glob
import importlib.util
import json
import math
import os
import platform
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
GNU_TIME = "/usr/bin/time"


def load_gen():
    sys.dont_write_bytecode = True  # keep scripts/ free of __pycache__
    spec = importlib.util.spec_from_file_location("gen_corpus", os.path.join(HERE, "gen_corpus.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def choose_workdir(requested: str | None) -> str:
    """--workdir, else $BENCH_DIR, else $TMPDIR/changeportal-bench (a disk folder on this machine kind).

    Not /dev/shm any more, though RAM would keep disk write-back out of the timings: changeportal
    refuses to read any file whose real path lies under /proc, /sys or /dev (src/load/tree.rs,
    SYSTEM_FOLDERS), and /dev/shm is under /dev, so every build there fails with invalid-record.
    Pass --workdir /dev/shm/... again once changeportal reads portals there."""
    if requested:
        return os.path.abspath(requested)
    env = os.environ.get("BENCH_DIR")
    if env:
        return os.path.abspath(env)
    return os.path.join(tempfile.gettempdir(), "changeportal-bench")


def fs_type(path: str) -> str:
    """File system type of the mount holding `path` (tmpfs, ext4, ...), from /proc/mounts."""
    best, kind = "", "?"
    try:
        with open("/proc/mounts", encoding="utf-8") as fh:
            for ln in fh:
                f = ln.split()
                if len(f) > 2 and (path == f[1] or path.startswith(f[1].rstrip("/") + "/")) and len(f[1]) >= len(best):
                    best, kind = f[1], f[2]
    except OSError:
        pass
    return kind


def corpus_ready(path: str, seed: int, n: int, digest: str, want_hugo: bool, shape: str) -> bool:
    try:
        with open(os.path.join(path, ".gencorpus.json"), encoding="utf-8") as fh:
            meta = json.load(fh)
    except (OSError, ValueError):
        return False
    return (meta.get("seed") == seed and meta.get("records") == n and meta.get("shape", "default") == shape
            and meta.get("generator_sha256") == digest and (meta.get("hugo") or not want_hugo))


def corpus_dirs(workdir: str, seed: int, n: int, shape: str) -> tuple[str, str]:
    # the default shape keeps the folder names it always had, so existing corpora are reused
    tag = "" if shape == "default" else shape + "-"
    return (os.path.join(workdir, "corpus-%ss%d-n%d" % (tag, seed, n)),
            os.path.join(workdir, "hugo-%ss%d-n%d" % (tag, seed, n)))


def ensure_corpus(gen, workdir: str, seed: int, n: int, want_hugo: bool,
                  shape: str = "default") -> tuple[str, str, float | None]:
    corpus, hugo = corpus_dirs(workdir, seed, n, shape)
    digest = gen.script_digest()
    ok = corpus_ready(corpus, seed, n, digest, False, shape) and (
        not want_hugo or corpus_ready(hugo, seed, n, digest, True, shape))
    if ok:
        log("corpus %s N=%d: reusing %s" % (shape, n, corpus))
        return corpus, hugo, None
    log("corpus %s N=%d: generating into %s ..." % (shape, n, corpus))
    t0 = time.perf_counter()
    gen.generate(seed, n, corpus, hugo if want_hugo else None, force=True, quiet=True, shape=shape)
    return corpus, hugo, time.perf_counter() - t0


def rm_rf(path: str) -> None:
    if os.path.islink(path) or os.path.isfile(path):
        os.remove(path)
    elif os.path.isdir(path):
        shutil.rmtree(path, ignore_errors=True)


def run_child(cmd: list[str], err) -> int:
    """Runs `cmd` in its own process group and returns its exit code. When the bench is interrupted
    (Ctrl-C, SIGTERM) the whole group is killed and waited for, so no build goes on writing into a
    folder the bench is about to remove."""
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err,
                         start_new_session=True)
    try:
        return p.wait()
    except BaseException:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except OSError:
            pass
        p.wait()
        raise


def exit_on_sigterm() -> None:
    """SIGTERM and SIGHUP end the bench like Ctrl-C: through the `finally` that removes its outputs."""
    def stop(signum, _frame):
        raise SystemExit(128 + signum)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, stop)


def machine_busy_s() -> float | None:
    """CPU seconds spent busy by the whole machine so far (all cores), from /proc/stat."""
    try:
        with open("/proc/stat", encoding="ascii") as fh:
            f = [int(x) for x in fh.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = f[3] + (f[4] if len(f) > 4 else 0)
    return (sum(f[:8]) - idle) / float(os.sysconf("SC_CLK_TCK"))


def children_cpu() -> tuple[float, float]:
    """User and system CPU seconds of this process' waited-for children so far (getrusage has
    microsecond resolution; GNU time's %U/%S only 10 ms)."""
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime, ru.ru_stime


def run_once(cmd: list[str], ok_codes: tuple[int, ...], scratch: str) -> dict:
    tfile = os.path.join(scratch, "time.txt")
    efile = os.path.join(scratch, "stderr.txt")
    with open(efile, "wb") as err:
        busy0, (u0, s0) = machine_busy_s(), children_cpu()
        t0 = time.perf_counter()
        returncode = run_child([GNU_TIME, "-f", "%e %M %U %S", "-o", tfile] + cmd, err)
        wall = time.perf_counter() - t0
        busy1, (u1, s1) = machine_busy_s(), children_cpu()
    if returncode not in ok_codes:
        with open(efile, "rb") as fh:
            tail = fh.read().decode("utf-8", "replace").rstrip().splitlines()[-12:]
        raise RuntimeError("command failed with exit code %d: %s\n%s" % (
            returncode, " ".join(cmd), "\n".join("    | " + ln for ln in tail)))
    with open(tfile, encoding="utf-8") as fh:
        last = [ln for ln in fh.read().splitlines() if ln.strip()][-1]
    e, m, tu, ts = last.split()
    user, sys_ = u1 - u0, s1 - s0  # includes GNU time itself: about 1 ms
    # CPU used by other processes while this run went on, as a share of the whole machine:
    # a few percent is normal; much more means the timings are disturbed.
    other = None
    if busy0 is not None and busy1 is not None and wall > 0:
        other = max(0.0, (busy1 - busy0) - (user + sys_)) / (wall * (os.cpu_count() or 1))
    return {"wall": wall, "elapsed": float(e), "maxrss_kb": int(m), "exit": returncode,
            "user_s": user, "sys_s": sys_, "cpu_s": user + sys_, "time_user_s": float(tu),
            "time_sys_s": float(ts), "other_load": other}


OUTPUT_MODES = ("fresh", "delete", "reuse")


class Series:
    """The runs of one command (one tool on one corpus), taken in turns with the others.

    `cmd` is a function of the output folder of a run (or None for a command that writes
    nothing); `out_base` names those folders, which `outputs` (one of OUTPUT_MODES) chooses."""

    def __init__(self, label: str, cmd, ok_codes: tuple[int, ...], out_base: str | None,
                 outputs: str = "fresh"):
        self.label, self.make_cmd, self.ok_codes = label, cmd, ok_codes
        self.out_base, self.outputs = out_base, (outputs if out_base else None)
        # the command as the log shows it: in fresh mode each run's folder gets its number
        self.cmd = cmd(out_base + "-<k>" if out_base and outputs == "fresh" else out_base)
        self.written: list[str] = []  # output folders of earlier runs, still on disk
        self.run_bytes: int | None = None  # disk space one run's output takes (fresh mode)
        self.fell_back = False  # fresh folders did not fit on the disk: older outputs were deleted
        self.samples: list[dict] = []
        self.error: str | None = None
        self.output: dict | None = None  # tree_stats of what the command wrote, after its first timed run

    def next_output(self) -> str | None:
        """The folder the next run writes to, after removing what the mode says to remove."""
        if self.out_base is None:
            return None
        if self.outputs == "reuse":
            return self.out_base
        if self.outputs == "delete":
            rm_rf(self.out_base)
            return self.out_base
        if self.written and self.run_bytes is None:
            self.run_bytes = disk_bytes(self.written[-1])
        if self.written and not room_for(self.run_bytes or 0, self.out_base):
            self.fell_back = True
            log("  %-22s not enough disk for a fresh folder: deleting %d older output(s)" % (
                self.label, len(self.written)))
            self.cleanup()
        path = "%s-%d" % (self.out_base, len(self.written) + 1)
        self.written.append(path)
        return path

    def cleanup(self) -> int:
        """Removes every output of this command, also those an interrupted earlier bench left;
        returns how many folders there were."""
        self.written = []
        if not self.out_base:
            return 0
        paths = [p for p in glob.glob(glob.escape(self.out_base) + "-*") + [self.out_base] if os.path.lexists(p)]
        for path in paths:
            rm_rf(path)
        return len(paths)

    def run(self, scratch: str, timed: bool, stats=None) -> None:
        if self.error:
            return
        out = self.next_output()
        self.cmd = self.make_cmd(out)
        try:
            s = run_once(self.cmd, self.ok_codes, scratch)
        except RuntimeError as e:
            self.error = str(e)
            log("  %-22s FAILED: %s" % (self.label, e))
            return
        if not timed:
            log("  %-22s warm-up %.3fs" % (self.label, s["wall"]))
            return
        self.samples.append(s)
        log("  %-22s %.3fs (user %.2f, sys %.2f), peak RSS %.1f MB, exit %d%s" % (
            self.label, s["wall"], s["user_s"], s["sys_s"], s["maxrss_kb"] / 1024.0, s["exit"],
            "" if s["other_load"] is None else ", other load %.0f%%" % (100 * s["other_load"])))
        if stats is not None and self.output is None:
            self.output = stats(out)

    def result(self) -> dict:
        if self.error:
            return {"cmd": self.cmd, "error": self.error}
        sm = self.samples
        walls = [s["wall"] for s in sm]
        med = lambda key: statistics.median(s[key] for s in sm)  # noqa: E731
        return {
            "cmd": self.cmd,
            "samples": sm,
            "median_s": statistics.median(walls),
            "min_s": min(walls),
            "max_s": max(walls),
            "median_elapsed_s": med("elapsed"),
            "median_maxrss_mb": med("maxrss_kb") / 1024.0,
            "median_user_s": med("user_s"),
            "median_sys_s": med("sys_s"),
            "median_cpu_s": med("cpu_s"),
            "exit_codes": sorted({s["exit"] for s in sm}),
            "max_other_load": max((s["other_load"] for s in sm if s["other_load"] is not None), default=None),
            "output": self.output,
            "outputs": self.outputs,
            "fell_back_to_delete": self.fell_back,
        }


def disk_bytes(path: str) -> int:
    """Disk space taken by the files and folders under `path` (allocated blocks, not file sizes)."""
    total = 0
    for dp, dns, fns in os.walk(path):
        for name in dns + fns:
            try:
                total += os.lstat(os.path.join(dp, name)).st_blocks * 512
            except OSError:
                pass
    return total


def room_for(run_bytes: int, out_base: str) -> bool:
    """Whether the file system of `out_base` holds another run's output twice over, plus 1 GB."""
    return shutil.disk_usage(os.path.dirname(out_base)).free > 2 * run_bytes + (1 << 30)


def tree_stats(path: str) -> dict:
    files = size = 0
    for dp, _, fns in os.walk(path):
        for f in fns:
            files += 1
            try:
                size += os.path.getsize(os.path.join(dp, f))
            except OSError:
                pass
    return {"files": files, "mb": round(size / 1048576.0, 1)}


def version_of(cmd: list[str]) -> str:
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
        return (p.stdout or p.stderr).strip().splitlines()[0] if (p.stdout or p.stderr).strip() else "?"
    except (OSError, subprocess.SubprocessError):
        return "?"


def git_rev() -> str:
    try:
        p = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
        rev = p.stdout.strip() or "none"
        dirty = subprocess.run(["git", "-C", REPO, "status", "--porcelain", "--", "src"],
                               capture_output=True, text=True).stdout.strip()
        return rev + ("+dirty" if dirty else "")
    except OSError:
        return "?"


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for ln in fh:
                if ln.startswith("model name"):
                    return ln.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def fmt(v, spec: str) -> str:
    return "n/a" if v is None else format(v, spec)


def p90(values: list[float]) -> float:
    """Nearest-rank 90th percentile: the 18th of 20 sorted values."""
    v = sorted(values)
    return v[max(0, math.ceil(0.9 * len(v)) - 1)]


def run_serve_bench(a, gen, workdir: str, scratch: str) -> dict:
    """scripts/bench_serve.py on a corpus of --serve-records records; its JSON summary."""
    corpus, _, gen_s = ensure_corpus(gen, workdir, a.seed, a.serve_records, False, a.serve_shape)
    out = os.path.join(scratch, "serve.json")
    cmd = [sys.executable, os.path.join(HERE, "bench_serve.py"), "--corpus", corpus, "--binary", a.bin,
           "--edits", str(a.edits), "--now", a.now, "--workdir", workdir, "--json", out]
    log("serve: %s" % " ".join(cmd))
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=sys.stderr)
    if p.returncode != 0:
        return {"shape": a.serve_shape, "records": a.serve_records, "error": "bench_serve.py exit %d" % p.returncode}
    with open(out, encoding="utf-8") as fh:
        res = json.load(fh)
    res["shape"] = a.serve_shape
    res["generate_s"] = gen_s
    return res


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="changeportal vs Hugo benchmark (see scripts/README.md)")
    ap.add_argument("--bin", default=os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(REPO, "target")),
                                                  "release", "changeportal"),
                    help="changeportal binary (default target/release/changeportal)")
    ap.add_argument("--hugo-bin", default="hugo")
    ap.add_argument("--sizes", default="1000,10000", help="comma-separated record counts (default 1000,10000)")
    ap.add_argument("--big", action="store_true", help="add N=100000")
    ap.add_argument("--shapes", default="default,small",
                    help="corpus shapes of gen_corpus.py, comma-separated (default: default,small)")
    ap.add_argument("--outputs", choices=OUTPUT_MODES, default="fresh",
                    help="where each run writes: a new folder per run (fresh, default), one folder removed "
                         "before every run (delete), or one folder kept between runs (reuse)")
    ap.add_argument("--runs", type=int, default=5, help="timed runs per command (default 5)")
    ap.add_argument("--warmup", type=int, default=1, help="untimed warm-up runs per command (default 1)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--now", default="2026-11-24", help="--now passed to changeportal (default 2026-11-24)")
    ap.add_argument("--workdir", help="where corpora and outputs live (default $TMPDIR/changeportal-bench; "
                                      "env BENCH_DIR)")
    ap.add_argument("--skip-hugo", action="store_true")
    ap.add_argument("--skip-changeportal", "--hugo-only", dest="skip_cp", action="store_true",
                    help="only run Hugo (e.g. before the binary exists)")
    ap.add_argument("--serve", action="store_true",
                    help="also measure edit-to-served latency of `changeportal serve` (scripts/bench_serve.py)")
    ap.add_argument("--serve-only", action="store_true", help="only the serve measurement, no full builds")
    ap.add_argument("--serve-records", type=int, default=10000, help="corpus size for --serve (default 10000)")
    ap.add_argument("--serve-shape", default="default", help="corpus shape for --serve (default: default)")
    ap.add_argument("--edits", type=int, default=20,
                    help="one-record edits for --serve, in turn body, title, status (default 20)")
    ap.add_argument("--json", help="also write every sample as JSON to this file")
    ap.add_argument("--no-build", action="store_true", help="(handled by scripts/bench: skip cargo build)")
    a = ap.parse_args(argv)

    gen = load_gen()
    sizes = [] if a.serve_only else [int(x) for x in a.sizes.split(",") if x.strip()]
    if a.big and not a.serve_only and 100000 not in sizes:
        sizes.append(100000)
    shapes = [x.strip() for x in a.shapes.split(",") if x.strip()]
    for sh in shapes + [a.serve_shape]:
        if sh not in gen.SHAPES:
            ap.error("unknown shape %r (one of %s)" % (sh, ", ".join(gen.SHAPES)))
    serve = a.serve or a.serve_only
    if a.runs < 1:
        ap.error("--runs must be >= 1")
    if a.outputs == "reuse" and a.warmup < 1:
        ap.error("--outputs reuse needs --warmup >= 1 (the first build into an empty folder is not a rebuild)")
    exit_on_sigterm()
    if not os.path.exists(GNU_TIME):
        sys.exit("bench: %s is missing (apt-get install -y time)" % GNU_TIME)
    use_cp = not a.skip_cp
    use_hugo = not a.skip_hugo and bool(sizes)
    if serve and not use_cp:
        ap.error("--serve needs changeportal (drop --hugo-only)")
    if use_cp and not os.access(a.bin, os.X_OK):
        sys.exit("bench: changeportal binary not found at %s (run cargo build --release, or pass --hugo-only)" % a.bin)
    if use_hugo and not shutil.which(a.hugo_bin):
        sys.exit("bench: hugo not found (apt-get install -y hugo, or pass --skip-hugo)")
    if not sizes and not serve:
        ap.error("nothing to run")
    if sizes and not (use_cp or use_hugo):
        ap.error("nothing to run")

    workdir = choose_workdir(a.workdir)
    os.makedirs(workdir, exist_ok=True)
    scratch = tempfile.mkdtemp(prefix="scratch-", dir=workdir)
    # `check`'s record store goes with the corpora, not into the user's cache folder
    os.environ["CHANGEPORTAL_CACHE_DIR"] = os.path.join(workdir, "record-store")
    env_info = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "loadavg": os.getloadavg(),
        "workdir": workdir,
        "workdir_fs": fs_type(os.path.realpath(workdir)),
        "changeportal": ("%s (repo HEAD %s)" % (a.bin, git_rev())) if use_cp else None,
        "hugo": version_of([a.hugo_bin, "version"]) if use_hugo else None,
        "runs": a.runs,
        "warmup": a.warmup,
        "seed": a.seed,
        "now": a.now,
        "shapes": shapes,
        "outputs": a.outputs,
    }
    log("bench: workdir %s, shapes %s, %d run(s) + %d warm-up per command, taken in turns, outputs %s" % (
        workdir, ",".join(shapes), a.runs, a.warmup, a.outputs))
    results = []
    serve_res = None
    started: list[Series] = []  # every Series, so an interrupted bench still removes its outputs
    try:
        for n in sizes:
            rows = []
            for shape in shapes:
                corpus, hugo_site, gen_s = ensure_corpus(gen, workdir, a.seed, n, use_hugo, shape)
                out_cp = os.path.join(workdir, "out-changeportal-%s-n%d" % (shape, n))
                out_hugo = os.path.join(workdir, "out-hugo-%s-n%d" % (shape, n))
                series = []
                if use_cp:
                    series.append(("build", Series("%s N=%d build" % (shape, n), lambda out, corpus=corpus: [
                        a.bin, "build", "--root", corpus, "--out", out, "--now", a.now], (0,), out_cp, a.outputs),
                        lambda out: {k: tree_stats(os.path.join(out, k)) for k in ("public", "internal")}))
                    # exit 1 = deny-level flags, which the corpus has on purpose
                    series.append(("check", Series("%s N=%d check" % (shape, n), lambda _, corpus=corpus: [
                        a.bin, "check", "--root", corpus, "--now", a.now], (0, 1), None), None))
                    # the same without the record store: every file parsed, as on a fresh clone
                    series.append(("check_cold", Series("%s N=%d check --no-cache" % (shape, n), lambda _, corpus=corpus: [
                        a.bin, "check", "--no-cache", "--root", corpus, "--now", a.now], (0, 1), None), None))
                if use_hugo:
                    series.append(("hugo", Series("%s N=%d hugo" % (shape, n), lambda out, site=hugo_site: [
                        a.hugo_bin, "--quiet", "-s", site, "-d", out], (0,), out_hugo, a.outputs),
                        tree_stats))
                for _, s, _ in series:
                    if s.cleanup():
                        log("  %-22s removed the outputs of an earlier, interrupted bench" % s.label)
                started.extend(s for _, s, _ in series)
                rows.append({"shape": shape, "records": n, "generate_s": gen_s, "corpus": corpus,
                             "series": series})
            log("N=%d: %s" % (n, ", ".join(" ".join(s.cmd) for r in rows for _, s, _ in r["series"])))
            # Turns: every command of every shape once per round (build, check, hugo, then the next
            # shape), so a drift of the machine's speed falls on all of them alike.
            for rnd in range(a.warmup + a.runs):
                timed = rnd >= a.warmup
                log("N=%d %s %d" % (n, "round" if timed else "warm-up", rnd - a.warmup + 1 if timed else rnd + 1))
                for r in rows:
                    for _, s, stats in r["series"]:
                        s.run(scratch, timed, stats)
            # The outputs stay until the end: deleting thousands of files now would slow the file
            # creation of the next size's runs (see --outputs).
            for r in rows:
                for key, s, _ in r.pop("series"):
                    r[key] = s.result()
                results.append(r)
        if serve:
            serve_res = run_serve_bench(a, gen, workdir, scratch)
    finally:
        for s in started:
            s.cleanup()
        # the temporary folder of a changeportal build that was killed before it could swap it in
        for path in glob.glob(os.path.join(glob.escape(workdir), ".changeportal-build-*")):
            rm_rf(path)
        rm_rf(scratch)

    # ------------------------------------------------------------------ report
    print()
    la = env_info["loadavg"]
    print("changeportal benchmark: %s, %s cores (%s, load average %.1f %.1f %.1f at the start); %d runs after %d "
          "warm-up, taken in turns, medians; now=%s, seed=%d" % (
              env_info["cpu"], env_info["cores"], env_info["date"], la[0], la[1], la[2], a.runs, a.warmup,
              a.now, a.seed))
    if use_cp:
        print("changeportal: %s" % env_info["changeportal"])
    if use_hugo:
        print("hugo: %s" % env_info["hugo"])
    print("workdir: %s (%s); outputs: %s" % (workdir, env_info["workdir_fs"], {
        "fresh": "a new folder per run, deleted after the rounds",
        "delete": "the output folder removed right before every run",
        "reuse": "a rebuild into the previous run's output"}[a.outputs]))
    failed = []
    ok = lambda r, k: r.get(k) if r.get(k) and "error" not in r[k] else None  # noqa: E731
    cell = lambda r, k, text: "FAILED" if (k in r and "error" in r[k]) else text  # noqa: E731
    if results:
        print()
        print("| shape | N | build (s) | build user (s) | build sys (s) | build peak RSS (MB) | build output (MB) "
              "| hugo (s) | hugo user (s) | hugo sys (s) | hugo peak RSS (MB) | hugo output (MB) | ratio build/hugo |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for r in results:
            for key in ("build", "check", "check_cold", "hugo"):
                if key in r and "error" in r[key]:
                    failed.append("%s N=%d %s: %s" % (r["shape"], r["records"], key, r[key]["error"].splitlines()[0]))
            b, h = ok(r, "build"), ok(r, "hugo")
            bs = b["median_s"] if b else None
            hs = h["median_s"] if h else None
            bo = b["output"] if b and b["output"] else None
            ho = h["output"] if h and h["output"] else None
            print("| %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                r["shape"], r["records"],
                cell(r, "build", fmt(bs, ".3f")), cell(r, "build", fmt(b and b["median_user_s"], ".2f")),
                cell(r, "build", fmt(b and b["median_sys_s"], ".2f")),
                cell(r, "build", fmt(b and b["median_maxrss_mb"], ".1f")),
                cell(r, "build", fmt(bo and bo["public"]["mb"] + bo["internal"]["mb"], ".1f")),
                cell(r, "hugo", fmt(hs, ".3f")), cell(r, "hugo", fmt(h and h["median_user_s"], ".2f")),
                cell(r, "hugo", fmt(h and h["median_sys_s"], ".2f")),
                cell(r, "hugo", fmt(h and h["median_maxrss_mb"], ".1f")),
                cell(r, "hugo", fmt(ho and ho["mb"], ".1f")),
                fmt(bs / hs if (bs and hs) else None, ".2f")))
        if use_cp:
            print()
            print("| shape | N | check (s) | check user (s) | check sys (s) | check peak RSS (MB) "
                  "| check --no-cache (s) | user (s) | sys (s) | peak RSS (MB) | build records/s |")
            print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
            for r in results:
                b, c, cc = ok(r, "build"), ok(r, "check"), ok(r, "check_cold")
                print("| %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                    r["shape"], r["records"], cell(r, "check", fmt(c and c["median_s"], ".3f")),
                    cell(r, "check", fmt(c and c["median_user_s"], ".2f")),
                    cell(r, "check", fmt(c and c["median_sys_s"], ".2f")),
                    cell(r, "check", fmt(c and c["median_maxrss_mb"], ".1f")),
                    cell(r, "check_cold", fmt(cc and cc["median_s"], ".3f")),
                    cell(r, "check_cold", fmt(cc and cc["median_user_s"], ".2f")),
                    cell(r, "check_cold", fmt(cc and cc["median_sys_s"], ".2f")),
                    cell(r, "check_cold", fmt(cc and cc["median_maxrss_mb"], ".1f")),
                    cell(r, "build", fmt(r["records"] / b["median_s"] if b else None, ",.0f"))))
        print()
        for r in results:
            parts = []
            b, c, cc, h = ok(r, "build"), ok(r, "check"), ok(r, "check_cold"), ok(r, "hugo")
            if b and b["output"]:
                bo = b["output"]
                parts.append("changeportal wrote public %d files / %.1f MB, internal %d files / %.1f MB" % (
                    bo["public"]["files"], bo["public"]["mb"], bo["internal"]["files"], bo["internal"]["mb"]))
            if h and h["output"]:
                parts.append("hugo wrote %d files / %.1f MB" % (h["output"]["files"], h["output"]["mb"]))
            wall = ["%s %.3f-%.3f s" % (k, x["min_s"], x["max_s"])
                    for k, x in (("build", b), ("check", c), ("check --no-cache", cc), ("hugo", h)) if x]
            if wall:
                parts.append("min-max " + ", ".join(wall))
            if c:
                parts.append("check exit %s" % "/".join(str(x) for x in c["exit_codes"]))
            if r["generate_s"] is not None:
                parts.append("corpus generated in %.1fs" % r["generate_s"])
            print("- %s N=%d: %s" % (r["shape"], r["records"], "; ".join(parts)))
    if serve_res is not None:
        print()
        if "error" in serve_res:
            failed.append("serve: %s" % serve_res["error"])
            print("serve: FAILED (%s)" % serve_res["error"])
        else:
            sr = serve_res
            kinds = sr["by_kind"]
            print("| serve: shape | N | edits | edit-to-served median (ms) | p90 (ms) | min-max (ms) | body / title / "
                  "status median (ms) | rebuild reported by serve, median (ms) | first build (s) |")
            print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
            print("| %s | %d | %d | %.0f | %.0f | %.0f-%.0f | %s | %s | %.2f |" % (
                sr["shape"], sr["records"], len(sr["edits"]), sr["median_ms"], sr["p90_ms"], sr["min_ms"], sr["max_ms"],
                " / ".join(fmt(kinds.get(k, {}).get("median_ms"), ".0f") for k in ("body", "title", "status")),
                fmt(sr.get("rebuild_median_ms"), ".0f"), sr["startup_s"]))
            if sr.get("failures"):
                print("- serve reported %d failed rebuild(s)" % sr["failures"])
    fell_back = ["%s N=%d %s" % (r["shape"], r["records"], k) for r in results for k in ("build", "hugo")
                 if k in r and r[k].get("fell_back_to_delete")]
    if fell_back:
        print()
        print("NOTE: no disk room for a fresh folder per run (%s): older outputs were deleted during the rounds,"
              " so later runs include the file system's cost of reusing just-freed inodes." % ", ".join(fell_back))
    noisy = [("%s N=%d" % (r["shape"], r["records"]), k, r[k]["max_other_load"]) for r in results
             for k in ("build", "check", "check_cold", "hugo")
             if k in r and r[k].get("max_other_load") is not None and r[k]["max_other_load"] > 0.10]
    if noisy:
        print()
        print("WARNING: other processes used CPU during the runs (%s); the timings are disturbed,"
              " rerun on a quiet machine." % ", ".join("%s %s %.0f%%" % (n, k, 100 * v) for n, k, v in noisy))
    if a.json:
        with open(a.json, "w", encoding="utf-8") as fh:
            json.dump({"env": env_info, "results": results, "serve": serve_res}, fh, indent=1)
        log("bench: samples written to %s" % a.json)
    if failed:
        print()
        for f in failed:
            print("FAILED: " + f)
        return 1
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except RuntimeError as e:
        sys.exit("bench: %s" % e)

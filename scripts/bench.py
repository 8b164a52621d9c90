#!/usr/bin/env python3
"""Benchmark `changeportal build` / `changeportal check` against Hugo on generated corpora.

Normally started through `scripts/bench`, which installs Hugo and GNU time when they are
missing and builds the release binary first. Standard library only.

    python3 scripts/bench.py --bin target/release/changeportal [--big] [--runs 5]

For each corpus size N (1000 and 10000; 100000 too with --big) it generates a portal and
an equivalent Hugo site with gen_corpus.py (reused when the same seed, N and generator
already exist in the work folder), then runs one warm-up and --runs timed runs of

  (a) changeportal build --root CORPUS --out OUT --now NOW
  (b) changeportal check --root CORPUS --now NOW        (exit 1 = deny flags: expected)
  (c) hugo --quiet -s HUGOSITE -d OUT

each under `/usr/bin/time -f '%e %M'`, removing the output folder before every run so
each one is a clean full build. It prints a markdown table of medians.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import resource
import shutil
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


def free_bytes(path: str) -> int:
    try:
        st = os.statvfs(path)
        return st.f_bavail * st.f_frsize
    except OSError:
        return 0


def choose_workdir(requested: str | None, largest_n: int) -> str:
    if requested:
        return os.path.abspath(requested)
    env = os.environ.get("BENCH_DIR")
    if env:
        return os.path.abspath(env)
    # Corpus + Hugo copy + three output trees (4 KB blocks): budget ~60 KB per record.
    need = largest_n * 60 * 1024
    shm = "/dev/shm"
    if os.path.isdir(shm) and os.access(shm, os.W_OK) and free_bytes(shm) > 2 * need:
        # RAM-backed: keeps disk write-back and discard noise out of the timings
        return os.path.join(shm, "changeportal-bench")
    return os.path.join(tempfile.gettempdir(), "changeportal-bench")


def corpus_ready(path: str, seed: int, n: int, digest: str, want_hugo: bool) -> bool:
    try:
        with open(os.path.join(path, ".gencorpus.json"), encoding="utf-8") as fh:
            meta = json.load(fh)
    except (OSError, ValueError):
        return False
    return (meta.get("seed") == seed and meta.get("records") == n
            and meta.get("generator_sha256") == digest and (meta.get("hugo") or not want_hugo))


def ensure_corpus(gen, workdir: str, seed: int, n: int, want_hugo: bool) -> tuple[str, str, float | None]:
    corpus = os.path.join(workdir, "corpus-s%d-n%d" % (seed, n))
    hugo = os.path.join(workdir, "hugo-s%d-n%d" % (seed, n))
    digest = gen.script_digest()
    ok = corpus_ready(corpus, seed, n, digest, False) and (
        not want_hugo or corpus_ready(hugo, seed, n, digest, True))
    if ok:
        log("corpus N=%d: reusing %s" % (n, corpus))
        return corpus, hugo, None
    log("corpus N=%d: generating into %s ..." % (n, corpus))
    t0 = time.perf_counter()
    gen.generate(seed, n, corpus, hugo if want_hugo else None, force=True)
    return corpus, hugo, time.perf_counter() - t0


def rm_rf(path: str) -> None:
    if os.path.islink(path) or os.path.isfile(path):
        os.remove(path)
    elif os.path.isdir(path):
        shutil.rmtree(path)


def machine_busy_s() -> float | None:
    """CPU seconds spent busy by the whole machine so far (all cores), from /proc/stat."""
    try:
        with open("/proc/stat", encoding="ascii") as fh:
            f = [int(x) for x in fh.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = f[3] + (f[4] if len(f) > 4 else 0)
    return (sum(f[:8]) - idle) / float(os.sysconf("SC_CLK_TCK"))


def children_cpu_s() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def run_once(cmd: list[str], ok_codes: tuple[int, ...], out_dir: str | None, scratch: str) -> dict:
    if out_dir:
        rm_rf(out_dir)
    tfile = os.path.join(scratch, "time.txt")
    efile = os.path.join(scratch, "stderr.txt")
    with open(efile, "wb") as err:
        busy0, own0 = machine_busy_s(), children_cpu_s()
        t0 = time.perf_counter()
        p = subprocess.run([GNU_TIME, "-f", "%e %M", "-o", tfile] + cmd,
                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)
        wall = time.perf_counter() - t0
        busy1, own1 = machine_busy_s(), children_cpu_s()
    if p.returncode not in ok_codes:
        with open(efile, "rb") as fh:
            tail = fh.read().decode("utf-8", "replace").rstrip().splitlines()[-12:]
        raise RuntimeError("command failed with exit code %d: %s\n%s" % (
            p.returncode, " ".join(cmd), "\n".join("    | " + ln for ln in tail)))
    with open(tfile, encoding="utf-8") as fh:
        last = [ln for ln in fh.read().splitlines() if ln.strip()][-1]
    e, m = last.split()
    # CPU used by other processes while this run went on, as a share of the whole machine:
    # a few percent is normal; much more means the timings are disturbed.
    other = None
    if busy0 is not None and busy1 is not None and wall > 0:
        other = max(0.0, (busy1 - busy0) - (own1 - own0)) / (wall * (os.cpu_count() or 1))
    return {"wall": wall, "elapsed": float(e), "maxrss_kb": int(m), "exit": p.returncode,
            "cpu_s": own1 - own0, "other_load": other}


def bench(label: str, cmd: list[str], ok_codes, out_dir, runs: int, warmup: int, scratch: str) -> dict:
    log("  %-8s %s" % (label, " ".join(cmd)))
    try:
        for _ in range(warmup):
            run_once(cmd, ok_codes, out_dir, scratch)
        samples = [run_once(cmd, ok_codes, out_dir, scratch) for _ in range(runs)]
    except RuntimeError as e:
        log("  %-8s FAILED: %s" % (label, e))
        return {"cmd": cmd, "error": str(e)}
    walls = [s["wall"] for s in samples]
    res = {
        "cmd": cmd,
        "samples": samples,
        "median_s": statistics.median(walls),
        "min_s": min(walls),
        "max_s": max(walls),
        "median_elapsed_s": statistics.median(s["elapsed"] for s in samples),
        "median_maxrss_mb": statistics.median(s["maxrss_kb"] for s in samples) / 1024.0,
        "median_cpu_s": statistics.median(s["cpu_s"] for s in samples),
        "exit_codes": sorted({s["exit"] for s in samples}),
        "max_other_load": max((s["other_load"] for s in samples if s["other_load"] is not None), default=None),
    }
    log("  %-8s median %.3fs (min %.3f, max %.3f), cpu %.2fs, peak RSS %.1f MB, exit %s, other load up to %s" % (
        label, res["median_s"], res["min_s"], res["max_s"], res["median_cpu_s"], res["median_maxrss_mb"],
        res["exit_codes"], fmt(None if res["max_other_load"] is None else 100 * res["max_other_load"], ".0f") + "%"))
    return res


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


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="changeportal vs Hugo benchmark (see scripts/README.md)")
    ap.add_argument("--bin", default=os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(REPO, "target")),
                                                  "release", "changeportal"),
                    help="changeportal binary (default target/release/changeportal)")
    ap.add_argument("--hugo-bin", default="hugo")
    ap.add_argument("--sizes", default="1000,10000", help="comma-separated record counts (default 1000,10000)")
    ap.add_argument("--big", action="store_true", help="add N=100000")
    ap.add_argument("--runs", type=int, default=5, help="timed runs per command (default 5)")
    ap.add_argument("--warmup", type=int, default=1, help="untimed warm-up runs per command (default 1)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--now", default="2026-11-24", help="--now passed to changeportal (default 2026-11-24)")
    ap.add_argument("--workdir", help="where corpora and outputs live (default /dev/shm/changeportal-bench "
                                      "when it has room, else $TMPDIR/changeportal-bench; env BENCH_DIR)")
    ap.add_argument("--skip-hugo", action="store_true")
    ap.add_argument("--skip-changeportal", "--hugo-only", dest="skip_cp", action="store_true",
                    help="only run Hugo (e.g. before the binary exists)")
    ap.add_argument("--json", help="also write every sample as JSON to this file")
    ap.add_argument("--no-build", action="store_true", help="(handled by scripts/bench: skip cargo build)")
    a = ap.parse_args(argv)

    sizes = [int(x) for x in a.sizes.split(",") if x.strip()]
    if a.big and 100000 not in sizes:
        sizes.append(100000)
    if a.runs < 1:
        ap.error("--runs must be >= 1")
    if not os.path.exists(GNU_TIME):
        sys.exit("bench: %s is missing (apt-get install -y time)" % GNU_TIME)
    use_cp = not a.skip_cp
    use_hugo = not a.skip_hugo
    if use_cp and not os.access(a.bin, os.X_OK):
        sys.exit("bench: changeportal binary not found at %s (run cargo build --release, or pass --hugo-only)" % a.bin)
    if use_hugo and not shutil.which(a.hugo_bin):
        sys.exit("bench: hugo not found (apt-get install -y hugo, or pass --skip-hugo)")
    if not (use_cp or use_hugo):
        ap.error("nothing to run")

    workdir = choose_workdir(a.workdir, max(sizes))
    os.makedirs(workdir, exist_ok=True)
    scratch = tempfile.mkdtemp(prefix="scratch-", dir=workdir)
    gen = load_gen()
    env_info = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "workdir": workdir,
        "changeportal": ("%s (repo HEAD %s)" % (a.bin, git_rev())) if use_cp else None,
        "hugo": version_of([a.hugo_bin, "version"]) if use_hugo else None,
        "runs": a.runs,
        "warmup": a.warmup,
        "seed": a.seed,
        "now": a.now,
    }
    log("bench: workdir %s, %d run(s) + %d warm-up per command" % (workdir, a.runs, a.warmup))
    results = []
    try:
        for n in sizes:
            corpus, hugo_site, gen_s = ensure_corpus(gen, workdir, a.seed, n, use_hugo)
            row: dict = {"records": n, "generate_s": gen_s, "corpus": corpus}
            out_cp = os.path.join(workdir, "out-changeportal-n%d" % n)
            out_hugo = os.path.join(workdir, "out-hugo-n%d" % n)
            log("N=%d" % n)
            if use_cp:
                row["build"] = bench("build", [a.bin, "build", "--root", corpus, "--out", out_cp, "--now", a.now],
                                     (0,), out_cp, a.runs, a.warmup, scratch)
                if "error" not in row["build"]:
                    row["build_output"] = {k: tree_stats(os.path.join(out_cp, k)) for k in ("public", "internal")}
                row["check"] = bench("check", [a.bin, "check", "--root", corpus, "--now", a.now],
                                     (0, 1), None, a.runs, a.warmup, scratch)
            if use_hugo:
                row["hugo"] = bench("hugo", [a.hugo_bin, "--quiet", "-s", hugo_site, "-d", out_hugo],
                                    (0,), out_hugo, a.runs, a.warmup, scratch)
                if "error" not in row["hugo"]:
                    row["hugo_output"] = tree_stats(out_hugo)
            results.append(row)
    finally:
        rm_rf(scratch)

    # ------------------------------------------------------------------ report
    print()
    print("changeportal benchmark: %s, %s cores (%s); %d runs after %d warm-up, medians; now=%s, seed=%d" % (
        env_info["cpu"], env_info["cores"], env_info["date"], a.runs, a.warmup, a.now, a.seed))
    if use_cp:
        print("changeportal: %s" % env_info["changeportal"])
    if use_hugo:
        print("hugo: %s" % env_info["hugo"])
    print("workdir: %s" % workdir)
    print()
    print("| N | changeportal build (s) | check (s) | build peak RSS (MB) | records/s | hugo (s) | hugo peak RSS (MB) | ratio build/hugo |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    failed = []
    for r in results:
        for key in ("build", "check", "hugo"):
            if key in r and "error" in r[key]:
                failed.append("N=%d %s: %s" % (r["records"], key, r[key]["error"].splitlines()[0]))
        b, c, h = (r.get(k) if r.get(k) and "error" not in r[k] else None for k in ("build", "check", "hugo"))
        bs = b["median_s"] if b else None
        hs = h["median_s"] if h else None
        cell = lambda key, text: "FAILED" if (key in r and "error" in r[key]) else text  # noqa: E731
        print("| %d | %s | %s | %s | %s | %s | %s | %s |" % (
            r["records"], cell("build", fmt(bs, ".3f")), cell("check", fmt(c["median_s"] if c else None, ".3f")),
            cell("build", fmt(b["median_maxrss_mb"] if b else None, ".1f")),
            cell("build", fmt(r["records"] / bs if bs else None, ",.0f")),
            cell("hugo", fmt(hs, ".3f")), cell("hugo", fmt(h["median_maxrss_mb"] if h else None, ".1f")),
            fmt(bs / hs if (bs and hs) else None, ".2f")))
    print()
    for r in results:
        parts = []
        if "build_output" in r:
            bo = r["build_output"]
            parts.append("changeportal wrote public %d files / %.1f MB, internal %d files / %.1f MB" % (
                bo["public"]["files"], bo["public"]["mb"], bo["internal"]["files"], bo["internal"]["mb"]))
        if "hugo_output" in r:
            parts.append("hugo wrote %d files / %.1f MB" % (r["hugo_output"]["files"], r["hugo_output"]["mb"]))
        cpu = ["%s %.2fs" % (k, r[k]["median_cpu_s"]) for k in ("build", "check", "hugo")
               if k in r and "error" not in r[k]]
        if cpu:
            parts.append("median CPU time (user+sys) " + ", ".join(cpu))
        if "check" in r and "error" not in r["check"]:
            parts.append("check exit %s, peak RSS %.1f MB" % ("/".join(str(x) for x in r["check"]["exit_codes"]),
                                                            r["check"]["median_maxrss_mb"]))
        if r["generate_s"] is not None:
            parts.append("corpus generated in %.1fs" % r["generate_s"])
        print("- N=%d: %s" % (r["records"], "; ".join(parts)))
    noisy = [(r["records"], k, r[k]["max_other_load"]) for r in results for k in ("build", "check", "hugo")
             if k in r and r[k].get("max_other_load") is not None and r[k]["max_other_load"] > 0.10]
    if noisy:
        print()
        print("WARNING: other processes used CPU during the runs (%s); the timings are disturbed,"
              " rerun on a quiet machine." % ", ".join("N=%d %s %.0f%%" % (n, k, 100 * v) for n, k, v in noisy))
    if a.json:
        with open(a.json, "w", encoding="utf-8") as fh:
            json.dump({"env": env_info, "results": results}, fh, indent=1)
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

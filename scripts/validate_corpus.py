#!/usr/bin/env python3
"""Check a corpus written by gen_corpus.py against the record format of SPEC.md.

    python3 scripts/validate_corpus.py /tmp/corpus [--hugo /tmp/corpus-hugo] [--yaml auto|pyyaml|builtin]

Checks every record's front matter (allowed keys, required fields, enums, date formats,
nested blocks), the body (internal marker, markdown elements), the file layout, and
re-derives the policy flags of SPEC.md section 4 with the corpus' "now" (2026-11-24).
Records raising flags must be exactly the ones gen_corpus.py listed as deliberate
in .gencorpus.json. Exit 0 when everything holds, 1 otherwise.

Uses PyYAML when it is importable (an independent parser); otherwise a small built-in
parser for the YAML subset the generator writes (standard library only, as in CI).
"""

from __future__ import annotations

import argparse
import calendar
import datetime as dt
import json
import os
import re
import sys
from collections import Counter

TYPES = {"feature", "improvement", "bugfix", "hotfix", "security", "maintenance", "deprecation", "infrastructure"}
CLASSES = {"standard", "normal", "emergency"}
STATUSES = {"proposed", "approved", "rejected", "scheduled", "in_progress", "deployed", "rolled_back", "cancelled"}
RISKS = {"low", "medium", "high"}
VIS = {"public", "internal"}
TOP_KEYS = {"id", "title", "type", "class", "status", "risk", "visibility", "summary", "author", "created",
            "scheduled", "deployed", "embargo_until", "systems", "tiers", "notified", "approvals", "testing",
            "rollback", "emergency", "review", "timeline", "post_incident", "links",
            "window_end", "deployed_by", "cancelled"}  # the last three: the `small` shape
REQUIRED = {"id", "title", "type", "status", "author", "created"}
APPROVAL_KEYS = {"by", "role", "decision", "at", "note"}
EMERGENCY_KEYS = {"reason", "declared_by", "declared_at"}
REVIEW_KEYS = {"by", "at", "link", "note"}
TIMELINE_KEYS = {"at", "by", "note", "link"}
PI_KEYS = {"at", "lessons", "improvements", "policy_review", "follow_ups"}
ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DT_RE = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
MARKER = "<!-- internal -->"
MARKER_LIKE = re.compile(r"^\s*<!--\s*internal\s*-->\s*$", re.I)
DAY = 86400
NOW_TS = calendar.timegm((2026, 11, 24, 0, 0, 0))  # replaced by --now in main()

# --------------------------------------------------------------------------- tiny YAML subset parser


class YamlSubsetError(ValueError):
    pass


def _scalar(text: str):
    t = text.strip()
    if t.startswith('"'):
        return json.loads(t)
    if t.startswith("'"):
        return t[1:-1].replace("''", "'")
    if t.startswith("["):
        inner = t[1:-1].strip()
        return [_scalar(x) for x in _split_flow(inner)] if inner else []
    if t.startswith("{"):
        inner = t[1:-1].strip()
        out = {}
        for part in _split_flow(inner):
            k, _, v = part.partition(":")
            out[k.strip()] = _scalar(v)
        return out
    if re.fullmatch(r"-?\d+", t):
        return int(t)
    if t in ("true", "false"):
        return t == "true"
    if t in ("null", "~", ""):
        return None
    return t


def _split_flow(s: str) -> list[str]:
    parts, depth, cur, inq = [], 0, [], False
    i = 0
    while i < len(s):
        c = s[i]
        if inq:
            cur.append(c)
            if c == "\\":
                cur.append(s[i + 1])
                i += 1
            elif c == '"':
                inq = False
        elif c == '"':
            inq = True
            cur.append(c)
        elif c in "[{":
            depth += 1
            cur.append(c)
        elif c in "]}":
            depth -= 1
            cur.append(c)
        elif c == "," and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(c)
        i += 1
    if cur and "".join(cur).strip():
        parts.append("".join(cur))
    return parts


def parse_yaml_subset(text: str):
    lines = [ln for ln in text.split("\n") if ln.strip() and not ln.lstrip().startswith("#")]
    pos = 0

    def indent(ln: str) -> int:
        return len(ln) - len(ln.lstrip(" "))

    def block(ind: int):
        nonlocal pos
        if pos >= len(lines):
            return None
        if lines[pos].lstrip().startswith("- ") and indent(lines[pos]) == ind:
            out = []
            while pos < len(lines) and indent(lines[pos]) == ind and lines[pos].lstrip().startswith("- "):
                item = lines[pos][ind + 2:]
                if re.match(r"^[A-Za-z_][\w-]*:( |$)", item):
                    # a map starting on the dash line: rewrite it as an indented map
                    lines[pos] = " " * (ind + 2) + item
                    out.append(block(ind + 2))
                else:
                    pos += 1
                    out.append(_scalar(item))
            return out
        out = {}
        while pos < len(lines) and indent(lines[pos]) == ind:
            ln = lines[pos]
            m = re.match(r"^\s*([A-Za-z_][\w-]*):(?: (.*))?$", ln)
            if not m:
                raise YamlSubsetError("cannot parse line: %r" % ln)
            key, val = m.group(1), (m.group(2) or "").strip()
            if key in out:
                raise YamlSubsetError("duplicate key %r" % key)
            pos += 1
            if val in ("|", "|-", ">"):
                buf = []
                # block scalar: raw lines more indented than the key (blank lines were dropped)
                while pos < len(lines) and indent(lines[pos]) > ind:
                    buf.append(lines[pos][ind + 2:])
                    pos += 1
                out[key] = "\n".join(buf) + ("\n" if val == "|" else "")
            elif val == "":
                if pos < len(lines) and (indent(lines[pos]) > ind or
                                         (indent(lines[pos]) == ind and lines[pos].lstrip().startswith("- "))):
                    out[key] = block(indent(lines[pos]))
                else:
                    out[key] = None
            else:
                out[key] = _scalar(val)
        if pos < len(lines) and indent(lines[pos]) > ind:
            raise YamlSubsetError("bad indentation: %r" % lines[pos])
        return out

    result = block(0)
    if pos != len(lines):
        raise YamlSubsetError("trailing content at: %r" % lines[pos])
    return result


def get_loader(which: str):
    if which in ("auto", "pyyaml"):
        try:
            import yaml  # type: ignore

            Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
            return "pyyaml", lambda t: yaml.load(t, Loader=Loader)
        except ImportError:
            if which == "pyyaml":
                raise
    return "builtin", parse_yaml_subset


# --------------------------------------------------------------------------- checks


def to_instant(v, what: str, errs: list, datetime_only: bool = False):
    """Return epoch seconds for a YAML date/datetime value (string or PyYAML object)."""
    if isinstance(v, dt.datetime):
        if v.tzinfo is None:
            v = v.replace(tzinfo=dt.timezone.utc)
        return v.timestamp()
    if isinstance(v, dt.date):
        if datetime_only:
            errs.append("%s: a date where a datetime is expected" % what)
        return calendar.timegm(v.timetuple())
    if not isinstance(v, str):
        errs.append("%s: not a date: %r" % (what, v))
        return None
    if DATE_RE.match(v):
        if datetime_only:
            errs.append("%s: a date where a datetime is expected" % what)
        return calendar.timegm(dt.date.fromisoformat(v).timetuple())
    if DT_RE.match(v):
        return dt.datetime.fromisoformat(v.replace("Z", "+00:00").replace("z", "+00:00")).timestamp()
    errs.append("%s: bad date %r" % (what, v))
    return None


def is_str(v) -> bool:
    return isinstance(v, str) and v != ""


def check_record(fm: dict, body: str, path: str, portal: dict, errs: list) -> dict:
    """Validate one record; return the normalised values used by the policy pass."""
    if not isinstance(fm, dict):
        errs.append("front matter is not a map")
        return {}
    for k in fm:
        if k not in TOP_KEYS:
            errs.append("unknown field %r" % k)
    for k in REQUIRED:
        if k not in fm:
            errs.append("missing required field %r" % k)
    rid = fm.get("id")
    if not (isinstance(rid, str) and ID_RE.match(rid)):
        errs.append("bad id %r" % rid)
    for k, allowed in (("type", TYPES), ("class", CLASSES), ("status", STATUSES), ("risk", RISKS),
                       ("visibility", VIS)):
        if k in fm and fm[k] not in allowed:
            errs.append("bad %s %r" % (k, fm[k]))
    for k in ("title", "author", "deployed_by"):
        if k in fm and not is_str(fm[k]):
            errs.append("%s is not a string" % k)
    cls = fm.get("class", "normal")
    status = fm.get("status")
    public = fm.get("visibility", "internal") == "public"
    if public:
        s = fm.get("summary")
        if not is_str(s) or "\n" in s:
            errs.append("public record without a one-line summary")
    n = {"id": rid, "class": cls, "status": status, "public": public, "type": fm.get("type"),
         "risk": fm.get("risk", "medium"), "author": fm.get("author"), "path": path}
    n["created"] = to_instant(fm.get("created"), "created", errs)
    for k in ("scheduled", "deployed", "embargo_until", "window_end", "cancelled"):
        n[k] = to_instant(fm[k], k, errs, datetime_only=True) if k in fm else None
    n["deployed_by"] = fm.get("deployed_by")
    if n["cancelled"] is not None and status != "cancelled":
        errs.append("cancelled on a record whose status is %s" % status)
    if n["cancelled"] is not None and n["created"] is not None and not n["created"] < n["cancelled"] <= NOW_TS:
        errs.append("cancelled is not between created and now")
    if status in ("deployed", "rolled_back") and n["deployed"] is None:
        errs.append("status %s without deployed" % status)
    for k in ("systems", "tiers", "links"):
        if k in fm and not (isinstance(fm[k], list) and all(is_str(x) for x in fm[k])):
            errs.append("%s is not a list of strings" % k)
    n["systems"] = fm.get("systems") or []
    n["tiers"] = fm.get("tiers")
    for u in fm.get("links") or []:
        if not str(u).startswith("https://"):
            errs.append("link is not a URL: %r" % u)
    n["notified"] = {}
    if "notified" in fm:
        if not isinstance(fm["notified"], dict):
            errs.append("notified is not a map")
        else:
            for t, d in fm["notified"].items():
                n["notified"][t] = to_instant(d, "notified." + t, errs)
    n["approvals"] = []
    if "approvals" in fm:
        if not isinstance(fm["approvals"], list):
            errs.append("approvals is not a list")
        for i, a in enumerate(fm.get("approvals") or []):
            if not isinstance(a, dict):
                errs.append("approval %d is not a map" % i)
                continue
            for k in a:
                if k not in APPROVAL_KEYS:
                    errs.append("approval %d: unknown key %r" % (i, k))
            for k in ("by", "role", "decision", "at"):
                if k not in a:
                    errs.append("approval %d: missing %r" % (i, k))
            if a.get("decision") not in ("approve", "reject"):
                errs.append("approval %d: bad decision %r" % (i, a.get("decision")))
            n["approvals"].append((a.get("by"), a.get("role"), a.get("decision"),
                                   to_instant(a.get("at"), "approval.at", errs, True)))
    for k in ("testing", "rollback"):
        if k in fm and not is_str(fm[k]):
            errs.append("%s is not a string" % k)
    n["rollback"] = fm.get("rollback")
    n["emergency"] = None
    if "emergency" in fm:
        e = fm["emergency"]
        if not isinstance(e, dict) or set(e) - EMERGENCY_KEYS:
            errs.append("bad emergency block %r" % (e,))
        else:
            n["emergency"] = e
            if "declared_at" in e:
                to_instant(e["declared_at"], "emergency.declared_at", errs, True)
    if cls == "emergency" and "emergency" not in fm:
        errs.append("emergency class without emergency block")
    n["review"] = None
    if "review" in fm:
        r = fm["review"]
        if not isinstance(r, dict) or set(r) - REVIEW_KEYS or "by" not in r or "at" not in r:
            errs.append("bad review block")
        else:
            n["review"] = to_instant(r["at"], "review.at", errs, True)
    tl_prev = None
    for i, t in enumerate(fm.get("timeline") or []):
        if not isinstance(t, dict) or set(t) - TIMELINE_KEYS or "at" not in t or "note" not in t:
            errs.append("bad timeline entry %d" % i)
            continue
        at = to_instant(t["at"], "timeline.at", errs, True)
        if tl_prev is not None and at is not None and at < tl_prev:
            errs.append("timeline out of order at entry %d" % i)
        tl_prev = at
    n["timeline_len"] = len(fm.get("timeline") or [])
    n["post_incident"] = None
    if "post_incident" in fm:
        p = fm["post_incident"]
        if not isinstance(p, dict) or set(p) - PI_KEYS or "at" not in p or "lessons" not in p:
            errs.append("bad post_incident block")
        else:
            to_instant(p["at"], "post_incident.at", errs, True)
            if p.get("policy_review", "none") not in ("none", "needed", "done"):
                errs.append("bad policy_review %r" % p.get("policy_review"))
            fu = p.get("follow_ups")
            if fu is not None and not (isinstance(fu, list) and all(is_str(x) for x in fu)):
                errs.append("follow_ups is not a list of strings")
            n["post_incident"] = p
    # body
    lines = body.split("\n")
    n["marker_exact"] = sum(1 for ln in lines if ln == MARKER)
    n["marker_malformed"] = sum(1 for ln in lines if ln != MARKER and MARKER_LIKE.match(ln))
    if public and n["marker_exact"] + n["marker_malformed"] != 1:
        errs.append("public record body has %d internal markers" % (n["marker_exact"] + n["marker_malformed"]))
    if not public and n["marker_exact"]:
        errs.append("internal record body has an internal marker")
    for what, rx in (("heading", r"(?m)^#{2,3} "), ("list", r"(?m)^- "), ("link", r"\]\(https://"),
                     ("code fence", r"(?m)^```\w+$"), ("table", r"(?m)^\|---\|")):
        if not re.search(rx, body):
            errs.append("body has no %s" % what)
    n["words"] = len(body.split())
    return n


def policy_flags(n: dict, portal: dict, ids: set, now: float) -> set:
    """Re-derive SPEC section 4 flags (warn and deny alike) for one normalised record."""
    f = set()
    pol = portal["policy"]
    board = {b["name"]: b["role"] for b in pol["board"]}
    deciders = set(pol["emergency"]["deciders"])
    tiers_cfg = portal["tiers"]
    cls, st = n["class"], n["status"]
    appr = [a for a in n["approvals"] if a[2] == "approve"]
    dep = n["deployed"]
    if cls == "normal" and st in ("approved", "scheduled", "in_progress", "deployed", "rolled_back"):
        if not appr:
            f.add("missing-approval")
        else:
            need = pol["approvals"]["normal"]
            roles = {a[1] for a in appr}
            if len(appr) < need["min"] or not set(need.get("roles", [])) <= roles:
                f.add("insufficient-approval")
        if dep is not None and any(a[3] > dep for a in appr):
            f.add("approval-after-deploy")
    if cls == "emergency" and dep is not None:
        within = pol["approvals"]["emergency"]["within_days"] * DAY
        ok = [a for a in appr if a[3] <= dep + within]
        if not ok and now > dep + within:
            f.add("missing-approval")
    for by, role, _, _ in n["approvals"]:
        if by == n["author"]:
            f.add("self-approval")
        if board.get(by) != role:
            f.add("approver-not-on-board")
    if st == "deployed":
        rej = [a for a in n["approvals"] if a[2] == "reject"]
        if rej and not any(a[3] > max(r[3] for r in rej) for a in appr):
            f.add("rejected-but-deployed")
    if cls == "emergency":
        e = n["emergency"] or {}
        if not e.get("reason") or not e.get("declared_by"):
            f.add("missing-emergency-reason")
        elif e["declared_by"] not in deciders:
            f.add("unauthorized-emergency")
        if dep is not None and n["review"] is None:
            f.add("missing-review")
    req = set(pol["require_post_incident_for"])
    if (cls in req or st in req) and dep is not None and n["post_incident"] is None:
        f.add("missing-post-incident")
    pi = n["post_incident"]
    if pi and pi.get("policy_review") == "needed" and not pi.get("follow_ups"):
        f.add("policy-review-pending")
    if pi:
        for ref in pi.get("follow_ups") or []:
            if not ref.startswith("https://") and ref not in ids:
                f.add("unknown-reference")
    if n["public"] and cls != "emergency":
        target = n["scheduled"] if n["scheduled"] is not None else dep
        if target is not None:
            for t in (n["tiers"] if n["tiers"] is not None else list(tiers_cfg)):
                cfg = tiers_cfg.get(t)
                if not cfg or cfg.get("notice_days", 0) <= 0:
                    continue
                if "types" in cfg and n["type"] not in cfg["types"]:
                    continue
                told = n["notified"].get(t, n["created"])
                if target - told < cfg["notice_days"] * DAY:
                    f.add("notice-too-short")
    if cls == "normal" and n["risk"] == "high" and not n["rollback"]:
        f.add("missing-rollback-plan")
    if any(s not in portal["systems"] for s in n["systems"]):
        f.add("unknown-reference")
    if n["tiers"] is not None and any(t not in tiers_cfg for t in n["tiers"]):
        f.add("unknown-reference")
    if n["marker_malformed"]:
        f.add("malformed-internal-marker")
    if n["deployed_by"] is not None and any(a[0] == n["deployed_by"] for a in n["approvals"]):
        f.add("deployer-approved")
    if n["window_end"] is not None and n["scheduled"] is not None and n["window_end"] <= n["scheduled"]:
        f.add("date-out-of-order")
    return f


def occupied(n: dict) -> list[tuple[float, float]]:
    """SPEC 4 windows: [scheduled, window_end), plus `deployed` when outside it; without a
    window, the `deployed` instant, else the `scheduled` instant (an instant is (t, t))."""
    s, e, d = n["scheduled"], n["window_end"], n["deployed"]
    if s is not None and e is not None and e > s:
        return [(s, e)] + ([(d, d)] if d is not None and not s <= d < e else [])
    if d is not None:
        return [(d, d)]
    return [(s, s)] if s is not None else []


def collisions(recs: list[dict]) -> set:
    """Ids raising SPEC 4 `change-collision`: two records that go ahead (neither cancelled nor
    rejected) share a system, and a window of one overlaps a span of the other (half-open
    windows; two instants never collide). A sweep per system over spans sorted by start."""
    by_sys: dict[str, list] = {}
    for n in recs:
        if n["status"] in ("cancelled", "rejected"):
            continue
        for a, b in occupied(n):
            for s in set(n["systems"]):
                by_sys.setdefault(s, []).append((a, b <= a, b, n["id"]))
    hit = set()
    for spans in by_sys.values():
        spans.sort()
        active: list[tuple[float, str]] = []
        for a, instant, b, rid in spans:
            active = [(end, o) for end, o in active if end > a]
            for _, o in active:
                if o != rid:
                    hit.update((o, rid))
            if not instant:
                active.append((b, rid))
    return hit


def split_front_matter(text: str):
    if not text.startswith("---\n"):
        return None, text
    end = text.find("\n---\n", 4)
    if end < 0:
        return None, text
    return text[4:end + 1], text[end + 5:]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="validate a gen_corpus.py corpus")
    ap.add_argument("corpus")
    ap.add_argument("--hugo", help="also check the Hugo site written with --hugo")
    ap.add_argument("--yaml", choices=("auto", "pyyaml", "builtin"), default="auto")
    ap.add_argument("--now", default="2026-11-24")
    ap.add_argument("--max-errors", type=int, default=20)
    a = ap.parse_args(argv)
    which, load = get_loader(a.yaml)
    now = calendar.timegm(dt.date.fromisoformat(a.now).timetuple())
    global NOW_TS
    NOW_TS = now
    problems: list[str] = []

    with open(os.path.join(a.corpus, "portal.yaml"), encoding="utf-8") as fh:
        portal = load(fh.read())
    for k in ("title", "base_url", "tiers", "systems", "policy"):
        if k not in portal:
            problems.append("portal.yaml: missing %s" % k)
    meta_path = os.path.join(a.corpus, ".gencorpus.json")
    meta = json.load(open(meta_path)) if os.path.exists(meta_path) else {"deliberate_flags": {}}

    root = os.path.join(a.corpus, "content", "changes")
    files = []
    for dp, _, fns in os.walk(root):
        files.extend(os.path.join(dp, f) for f in fns if f.endswith(".md"))
    files.sort()
    recs = []
    for path in files:
        errs: list[str] = []
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
        fm_text, body = split_front_matter(text)
        if fm_text is None:
            problems.append("%s: no front matter" % path)
            continue
        try:
            fm = load(fm_text)
        except Exception as e:  # noqa: BLE001
            problems.append("%s: YAML error: %s" % (path, e))
            continue
        n = check_record(fm, body, path, portal, errs)
        rel = os.path.relpath(path, root)
        year, fname = os.path.split(rel)
        if n.get("id") and not fname.startswith(n["id"] + "-"):
            errs.append("file name does not start with the id")
        if n.get("created") is not None and str(dt.datetime.utcfromtimestamp(n["created"]).year) != year:
            errs.append("folder %s is not the created year" % year)
        problems.extend("%s: %s" % (path, e) for e in errs)
        recs.append(n)

    ids = [n["id"] for n in recs]
    dup = [k for k, v in Counter(ids).items() if v > 1]
    if dup:
        problems.append("duplicate ids: %s" % dup[:5])
    idset = set(ids)
    if meta.get("records") is not None and meta["records"] != len(recs):
        problems.append("expected %d records, found %d" % (meta["records"], len(recs)))

    flag_counts: Counter = Counter()
    flagged_ids = {}
    colliding = collisions(recs)
    for n in recs:
        fl = policy_flags(n, portal, idset, now)
        if n["id"] in colliding:
            fl.add("change-collision")
        for c in fl:
            flag_counts[c] += 1
        if fl:
            flagged_ids[n["id"]] = sorted(fl)
    deliberate = meta.get("deliberate_flags", {})
    unexpected = sorted(set(flagged_ids) - set(deliberate))
    silent = sorted(set(deliberate) - set(flagged_ids))
    for rid in unexpected[:10]:
        problems.append("%s raises %s but is not a deliberate flag" % (rid, flagged_ids[rid]))
    for rid in silent[:10]:
        problems.append("%s was meant to raise %s but raises nothing" % (rid, deliberate[rid]))
    if len(unexpected) > 10 or len(silent) > 10:
        problems.append("... %d unexpected, %d silent in all" % (len(unexpected), len(silent)))

    if a.hugo:
        hroot = os.path.join(a.hugo, "content", "changes")
        hfiles = [f for f in os.listdir(hroot) if f.endswith(".md") and f != "_index.md"]
        if sorted(f[:-3] for f in hfiles) != sorted(ids):
            problems.append("hugo: content/changes does not hold one page per record")
        for f in hfiles[:2000]:
            fm_text, body = split_front_matter(open(os.path.join(hroot, f), encoding="utf-8").read())
            fm = load(fm_text) if fm_text else None
            if not isinstance(fm, dict) or "title" not in fm or "date" not in fm or set(fm) - {"title", "date", "summary"}:
                problems.append("hugo: %s: bad front matter" % f)
        for p in ("hugo.toml", "layouts/_default/baseof.html", "layouts/_default/single.html",
                  "layouts/_default/list.html"):
            if not os.path.exists(os.path.join(a.hugo, p)):
                problems.append("hugo: missing %s" % p)

    c = lambda key: Counter(n[key] for n in recs)  # noqa: E731
    print("validate_corpus: %d records, parser %s" % (len(recs), which))
    for key in ("class", "status", "type", "risk"):
        cc = c(key)
        print("  %-10s %s" % (key, ", ".join("%s %d (%.1f%%)" % (k, v, 100.0 * v / len(recs)) for k, v in sorted(cc.items()))))
    pub = sum(1 for n in recs if n["public"])
    print("  public     %d (%.1f%%); emergency timelines %s entries" % (
        pub, 100.0 * pub / len(recs),
        "-".join(str(x) for x in (min((n["timeline_len"] for n in recs if n["class"] == "emergency"), default=0),
                                  max((n["timeline_len"] for n in recs if n["class"] == "emergency"), default=0)))))
    sched_future = sum(1 for n in recs if n["status"] == "scheduled" and n["scheduled"] and n["scheduled"] > now)
    sched_all = sum(1 for n in recs if n["status"] == "scheduled")
    print("  scheduled  %d of %d in the future; body words avg %.0f" % (
        sched_future, sched_all, sum(n["words"] for n in recs) / len(recs)))
    if sched_future != sched_all:
        problems.append("%d scheduled records are not in the future" % (sched_all - sched_future))
    nf = {k: sum(1 for n in recs if n.get(k) is not None) for k in ("window_end", "deployed_by", "cancelled")}
    if any(nf.values()):
        print("  new fields window_end %d (of %d scheduled), deployed_by %d (of %d deployed or rolled back), "
              "cancelled %d (of %d cancelled)" % (
                  nf["window_end"], sum(1 for n in recs if n["scheduled"] is not None), nf["deployed_by"],
                  sum(1 for n in recs if n["status"] in ("deployed", "rolled_back")), nf["cancelled"],
                  sum(1 for n in recs if n["status"] == "cancelled")))
    print("  flagged    %d records (%.1f%%); by code: %s" % (
        len(flagged_ids), 100.0 * len(flagged_ids) / len(recs),
        ", ".join("%s %d" % kv for kv in sorted(flag_counts.items()))))
    if problems:
        print("PROBLEMS (%d):" % len(problems))
        for p in problems[:a.max_errors]:
            print("  " + p)
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())

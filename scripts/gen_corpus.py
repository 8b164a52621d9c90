#!/usr/bin/env python3
"""Generate a synthetic changeportal portal (and optionally an equivalent Hugo site).

Deterministic: the same --seed and --records always produce byte-identical trees.
Python 3.11 standard library only.

    python3 scripts/gen_corpus.py --records 10000 --out /tmp/corpus --hugo /tmp/corpus-hugo

Writes into --out:
    portal.yaml
    content/changes/<year>/CHG-000001-<slug>.md   (one per record)
    content/pages/about.md
    .gencorpus.json                               (seed, size, generator hash, deliberate flags)

and, with --hugo DIR:
    hugo.toml, content/changes/CHG-000001.md ..., layouts/_default/{baseof,single,list}.html

Two shapes (--shape): `default` (about 300-word bodies; byte-identical to what this script
always wrote for the same seed and size) and `small` (the same records with about 150-word
bodies, plus the SPEC 2 fields `window_end`, `deployed_by` and `cancelled` in a realistic share
of records; they are left out of `default` because any new field there would change its bytes).

"Now" for the corpus is 2026-11-24 (use `--now 2026-11-24` with changeportal). Records
span ~10 years up to that date; `scheduled` records lie in the future. About 3% of the
records deliberately raise flags (see FLAG_KINDS); the ids and kinds are listed in
.gencorpus.json. Every other record is meant to be flag-free under the generated policy.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import random
import re
import shutil
import sys
import time

GENERATOR_VERSION = 1
MARKER = ".gencorpus.json"

DAY = 86400
HOUR = 3600
MINUTE = 60


def _epoch(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> int:
    import calendar

    return calendar.timegm((y, m, d, hh, mm, 0, 0, 0, 0))


NOW = _epoch(2026, 11, 24)
NOW_TEXT = "2026-11-24"
START = _epoch(2016, 9, 15)  # ten years of history (first windows late 2016)

TYPES = ["feature", "improvement", "bugfix", "hotfix", "security", "maintenance",
         "deprecation", "infrastructure"]
CLASSES = ["standard", "normal", "emergency"]
STATUSES = ["proposed", "approved", "rejected", "scheduled", "in_progress", "deployed",
            "rolled_back", "cancelled"]
RISKS = ["low", "medium", "high"]

TIERS = {
    "enterprise": {"title": "Enterprise", "notice_days": 30,
                   "types": ["feature", "deprecation", "maintenance", "security", "infrastructure"]},
    "business": {"title": "Business", "notice_days": 7},
    "standard": {"title": "Standard", "notice_days": 0},
}

SYSTEMS = [
    ("billing-api", "Billing API", "payments"),
    ("payments-gateway", "Payments Gateway", "payments"),
    ("auth-service", "Authentication Service", "identity"),
    ("user-directory", "User Directory", "identity"),
    ("web-app", "Web Application", "frontend"),
    ("mobile-api", "Mobile API", "mobile"),
    ("public-api", "Public REST API", "platform"),
    ("search-cluster", "Search Cluster", "search"),
    ("notifications", "Notification Service", "messaging"),
    ("email-relay", "Email Relay", "messaging"),
    ("data-warehouse", "Data Warehouse", "data"),
    ("reporting", "Reporting Engine", "data"),
    ("postgres-main", "Primary PostgreSQL", "platform"),
    ("redis-cache", "Redis Cache", "platform"),
    ("object-storage", "Object Storage", "platform"),
    ("cdn-edge", "CDN Edge", "network"),
    ("k8s-platform", "Kubernetes Platform", "platform"),
    ("ci-pipeline", "CI Pipeline", "devex"),
    ("observability", "Metrics and Logging", "sre"),
    ("vpn-gateway", "VPN Gateway", "network"),
    ("audit-log", "Audit Log", "security"),
]
SYSTEM_KEYS = [s[0] for s in SYSTEMS]
SYSTEM_TITLE = {s[0]: s[1] for s in SYSTEMS}
UNKNOWN_SYSTEMS = ["legacy-ftp", "mainframe-bridge", "old-crm", "fax-gateway"]

BOARD = [
    ("Alice Chen", "engineering"),
    ("Marcus Webb", "engineering"),
    ("Sofia Ramirez", "engineering"),
    ("Omar Haddad", "operations"),
    ("Ingrid Larsen", "operations"),
    ("Kenji Watanabe", "planning"),
    ("Dana Lee", "management"),
    ("Priya Natarajan", "management"),
]
BOARD_BY_ROLE: dict[str, list[str]] = {}
for _n, _r in BOARD:
    BOARD_BY_ROLE.setdefault(_r, []).append(_n)
DECIDERS = ["Dana Lee", "Priya Natarajan", "Omar Haddad"]

STAFF = [
    "Aaron Brooks", "Beatriz Santos", "Chloe Martin", "Daniel Okafor", "Elena Petrova",
    "Farid Rahimi", "Grace Kim", "Hugo Lefevre", "Isabel Moreno", "Jonas Becker",
    "Keira O'Neill", "Liam Murphy", "Mei Tanaka", "Nikhil Rao", "Olivia Brown",
    "Pablo Duarte", "Quinn Foster", "Rosa Alvarez", "Samuel Adeyemi", "Tara Singh",
    "Umar Sheikh", "Valentina Rossi", "William Zhang", "Ximena Cruz", "Yusuf Demir",
    "Zoe Walker", "Anders Nilsson", "Bianca Costa", "Carlos Mendes", "Dmitri Ivanov",
    "Esther Cohen", "Felix Wagner",
]
# Authors: mostly staff, sometimes engineers who also sit on the board.
AUTHORS = STAFF + ["Alice Chen", "Marcus Webb", "Sofia Ramirez"]
NON_BOARD_APPROVERS = ["Liam Murphy", "Grace Kim", "Tara Singh"]

# Deliberate flag kinds (about 3% of records get one).
FLAG_KINDS = [
    "approval-after-deploy", "missing-approval", "insufficient-approval", "self-approval",
    "approver-not-on-board", "notice-too-short", "unknown-system", "unknown-tier",
    "missing-rollback-plan", "unauthorized-emergency", "missing-review",
    "missing-post-incident", "policy-review-pending", "rejected-but-deployed",
    "malformed-internal-marker", "unknown-follow-up", "missing-emergency-approval",
]
EMERGENCY_FLAGS = {"unauthorized-emergency", "missing-review", "policy-review-pending",
                   "unknown-follow-up", "missing-emergency-approval"}
NORMAL_DEPLOYED_FLAGS = {"approval-after-deploy", "missing-approval", "insufficient-approval",
                         "self-approval", "approver-not-on-board", "notice-too-short",
                         "missing-rollback-plan", "rejected-but-deployed"}

# --------------------------------------------------------------------------- word pools

FEATURE_THINGS = ["single sign-on", "audit export", "webhook retries", "bulk invoice download",
                  "usage dashboards", "custom roles", "dark mode", "saved searches",
                  "two-factor recovery codes", "CSV import", "API rate-limit headers",
                  "scheduled reports", "team workspaces", "SCIM provisioning",
                  "invoice reminders", "multi-currency pricing", "activity feed",
                  "granular API tokens", "data residency options", "IP allow lists"]
QUALITIES = ["latency", "reliability", "error handling", "pagination", "caching",
             "observability", "accessibility", "retry behaviour", "throughput", "startup time"]
OPERATIONS = ["invoice generation", "login", "search indexing", "report rendering",
              "file uploads", "webhook delivery", "password reset", "checkout",
              "nightly exports", "session refresh", "email delivery", "data sync"]
BUGS = ["duplicate charges on retry", "timezone offset in reports", "stale cache entries",
        "memory leak under load", "race condition in session refresh",
        "incorrect rounding of tax amounts", "broken pagination links",
        "missing audit entries", "double notification emails", "connection pool exhaustion",
        "truncated CSV exports", "expired certificate warning", "slow query on large accounts",
        "locale fallback error", "failed password reset links"]
SECRETS = ["database credentials", "signing keys", "API tokens", "TLS certificates",
           "service account keys", "webhook secrets"]
CONTROLS = ["TLS 1.3 only", "stricter CSP headers", "MFA for administrators",
            "session timeouts", "least-privilege IAM roles", "encrypted backups",
            "dependency pinning", "WAF rules"]
COMPONENTS = [("PostgreSQL", ["15.4", "15.6", "16.1", "16.3"]), ("Redis", ["7.0", "7.2"]),
              ("Kubernetes", ["1.27", "1.28", "1.29", "1.30"]), ("nginx", ["1.24", "1.25"]),
              ("OpenSSL", ["3.0.13", "3.1.5"]), ("Node.js", ["18", "20", "22"]),
              ("Elasticsearch", ["8.11", "8.13"]), ("Java runtime", ["17", "21"]),
              ("Python runtime", ["3.11", "3.12"]), ("Linux kernel", ["6.1", "6.6"])]
MAINTS = ["index maintenance", "certificate renewal", "backup verification",
          "disk cleanup", "log rotation", "node pool rotation", "vacuum and analyze",
          "failover drill", "capacity rebalancing"]
LEGACY = ["v1 REST endpoints", "legacy XML export", "basic-auth API access",
          "old dashboard", "SMS one-time codes", "TLS 1.1 support", "classic reports",
          "v2 webhooks payload"]
INFRA = ["a new region", "managed Kubernetes", "ARM instances", "a dedicated VPC",
         "autoscaling node pools", "a read-replica topology", "object-lock storage",
         "a multi-AZ deployment"]

SUBJECTS = ["This change", "The new release", "The update", "This rollout", "The migration",
            "The patch", "This work", "The deployment", "The new version", "This adjustment"]
VERBS = ["improves", "reduces", "removes", "adds", "streamlines", "hardens", "simplifies",
         "stabilises", "extends", "replaces", "tightens", "accelerates", "consolidates"]
OBJECTS = ["the request path for {sys}", "how {sys} handles peak traffic",
           "the error budget consumed by {sys}", "a long-standing limitation in {sys}",
           "the retry logic between {sys} and its clients", "the way {sys} stores session data",
           "configuration drift across {sys} nodes", "the monitoring coverage of {sys}",
           "the queue backlog in {sys}", "manual steps in the {sys} runbook",
           "the cost of running {sys}", "several slow database queries in {sys}"]
TAILS = ["without any downtime", "during the standard maintenance window",
         "for all customers in the affected tiers", "with no action required from you",
         "behind a feature flag at first", "in line with our security policy",
         "as announced in the previous release notes", "after a week in staging",
         "with automatic fallback to the previous behaviour", "region by region",
         "while keeping existing integrations working", "ahead of the quarterly audit"]
CONNECTORS = ["In addition,", "As a result,", "Meanwhile,", "Beyond that,", "In practice,",
              "For most accounts,", "Where needed,", "Over the following days,"]
CUSTOMER_NOTES = ["Existing API keys keep working", "No configuration change is needed",
                  "Dashboards may show a short gap in metrics", "Exports created before the change are unaffected",
                  "Webhook payloads keep the same schema", "Sessions stay valid across the switch",
                  "Administrators receive an email when it is complete",
                  "Scheduled reports run at their usual time", "Rate limits are unchanged",
                  "Audit logs record the change automatically"]
INTERNAL_NOTES = ["Feature flag owned by the platform team", "Canary at 5% for one hour",
                  "Runbook updated in the wiki", "Alert thresholds reviewed with SRE",
                  "Database migration is backwards compatible", "Capacity headroom checked at 40%",
                  "On-call briefed before the window", "Dashboards linked in the ticket",
                  "Load test reached twice the usual peak", "Secrets rotated through the vault"]
STEPS = ["Drain traffic", "Apply migration", "Deploy canary", "Verify metrics", "Promote release",
         "Update DNS", "Warm caches", "Run smoke tests", "Re-enable jobs", "Announce completion"]
TEAMS = ["platform", "payments", "identity", "sre", "frontend", "data", "security", "devex"]
CODE_SNIPPETS = [
    ("bash", "kubectl -n {team} rollout status deploy/{sys} --timeout=300s\nkubectl -n {team} get pods -l app={sys}"),
    ("sql", "ALTER TABLE events ADD COLUMN tenant_id bigint;\nCREATE INDEX CONCURRENTLY events_tenant_idx ON events (tenant_id);"),
    ("yaml", "service: {sys}\nreplicas: {n}\nresources:\n  limits:\n    memory: {m}Mi"),
    ("json", "{{\"service\": \"{sys}\", \"flag\": \"{team}-rollout\", \"percent\": {n}}}"),
    ("bash", "./scripts/migrate --service {sys} --dry-run\n./scripts/migrate --service {sys} --apply"),
]
TESTING_LINES = ["Unit and integration suites green in CI", "Soak test in staging for 48 hours",
                 "Load test at twice the usual peak", "Manual QA on the main user journeys",
                 "Contract tests against the public API", "Canary at 5% for one hour without errors",
                 "Database migration rehearsed on a production snapshot",
                 "Security scan with no new findings", "Synthetic checks passing in all regions"]
ROLLBACK_LINES = ["Revert the release with the deploy tool", "Disable the feature flag",
                  "Restore the previous container image tag", "Run the down migration",
                  "Fail back to the previous cluster", "Restore DNS to the old endpoint",
                  "Re-deploy the last known good build"]
EMERGENCY_REASONS = ["Active exploitation of a vulnerability in {sys}",
                     "Payment failures affecting a large share of checkouts in {sys}",
                     "Data corruption risk in {sys} after a bad release",
                     "Complete outage of {sys} for all customers",
                     "Certificate expiry would take {sys} offline within hours",
                     "Credential leak affecting {sys}",
                     "Runaway cost from a misconfigured autoscaler in {sys}"]
TIMELINE_PHASES = [
    ["Alert fired: error rate above threshold on {sys}", "On-call paged for {sys}",
     "Customer reports of failures in {sys}"],
    ["Incident channel opened, incident commander assigned", "Severity set to SEV-1", "Emergency change declared",
     "Status page updated: investigating"],
    ["Root cause narrowed to the latest release of {sys}", "Logs show exhausted connection pool",
     "Reproduced the failure in staging", "Identified the faulty configuration change"],
    ["Fix prepared and reviewed by a second engineer", "Hotfix branch cut from the release tag",
     "Mitigation: traffic shifted away from the failing nodes"],
    ["Fix deployed to canary", "Fix rolled out to all regions", "Configuration reverted"],
    ["Error rate back to baseline", "Synthetic checks green", "Backlog drained"],
    ["Status page updated: resolved", "Incident closed, post-incident review scheduled"],
]
LESSONS = ["Alerting caught the issue late; thresholds were too lax.",
           "The staging environment did not reproduce production traffic.",
           "The rollback path was slower than documented.",
           "Ownership of the affected component was unclear during the incident.",
           "A missing integration test let the regression through.",
           "Dependency upgrades need a canary phase even for patch releases."]
IMPROVEMENTS = ["Add an integration test for the failing path.",
                "Tighten the alert thresholds and add a burn-rate alert.",
                "Document the rollback procedure in the runbook.",
                "Add a canary stage to the deploy pipeline.",
                "Schedule a game day for this failure mode."]
APPROVAL_NOTES = ["Looks good", "Risk accepted", "Rollback plan reviewed",
                  "Window agreed with support", "Capacity checked", "Approved with monitoring",
                  "Customer notice confirmed"]
REJECT_NOTES = ["Insufficient test evidence", "Conflicts with the freeze period",
                "Rollback plan missing", "Needs a security review first",
                "Overlaps with another change on the same system"]
WINDOW_HOURS = [2, 3, 6, 14, 20, 21, 22, 23]

# --------------------------------------------------------------------------- helpers

_ISO = "%Y-%m-%dT%H:%M:%SZ"


def iso(ts: int) -> str:
    return time.strftime(_ISO, time.gmtime(ts))


def day(ts: int) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(ts))


def q(s: str) -> str:
    """YAML double-quoted scalar (JSON strings are valid YAML double-quoted scalars)."""
    return json.dumps(s)


def midnight(ts: int) -> int:
    return ts - ts % DAY


_slug_re = re.compile(r"[^a-z0-9]+")


def slugify(title: str) -> str:
    s = _slug_re.sub("-", title.lower()).strip("-")
    return s[:48].rstrip("-") or "change"


def weighted(rng: random.Random, items, weights):
    return rng.choices(items, weights)[0]


def pick_growth(rng: random.Random, lo: int, hi: int) -> int:
    """Timestamp in [lo, hi] with density growing linearly over time (a growing company)."""
    return lo + int((hi - lo) * math.sqrt(rng.random()))


def at_window(rng: random.Random, ts: int) -> int:
    """Snap a timestamp to a plausible change-window start on the same day."""
    return midnight(ts) + rng.choice(WINDOW_HOURS) * HOUR + rng.choice((0, 0, 15, 30, 45)) * MINUTE


def minute(ts: int) -> int:
    return ts - ts % MINUTE


# --------------------------------------------------------------------------- records


class Rec:
    __slots__ = ("idx", "id", "flag", "cls", "status", "type", "risk", "public", "tiers",
                 "systems", "author", "created", "created_dt", "scheduled", "deployed",
                 "embargo", "notified", "approvals", "testing", "rollback", "emergency",
                 "review", "timeline", "post_incident", "links", "title", "summary", "year",
                 "follow_up_refs", "window_end", "deployed_by", "cancelled")


def make_title(rng: random.Random, typ: str, sys_title: str) -> str:
    if typ == "feature":
        return rng.choice(["Add {f} to {s}", "Introduce {f} in {s}", "Launch {f} for {s}"]).format(
            f=rng.choice(FEATURE_THINGS), s=sys_title)
    if typ == "improvement":
        return rng.choice(["Improve {x} of {s}", "Speed up {o} in {s}", "Better {x} for {o}"]).format(
            x=rng.choice(QUALITIES), o=rng.choice(OPERATIONS), s=sys_title)
    if typ == "bugfix":
        return "Fix {b} in {s}".format(b=rng.choice(BUGS), s=sys_title)
    if typ == "hotfix":
        return "Hotfix: {b} in {s}".format(b=rng.choice(BUGS), s=sys_title)
    if typ == "security":
        return rng.choice(["Rotate {k} for {s}", "Enforce {c} on {s}", "Patch dependency vulnerability in {s}"]).format(
            k=rng.choice(SECRETS), c=rng.choice(CONTROLS), s=sys_title)
    if typ == "maintenance":
        comp, versions = rng.choice(COMPONENTS)
        return rng.choice(["Upgrade {c} to {v} on {s}", "Routine {m} for {s}"]).format(
            c=comp, v=rng.choice(versions), m=rng.choice(MAINTS), s=sys_title)
    if typ == "deprecation":
        return rng.choice(["Deprecate {l} in {s}", "Retire {l}", "Sunset {l} of {s}"]).format(
            l=rng.choice(LEGACY), s=sys_title)
    return rng.choice(["Migrate {s} to {i}", "Move {s} onto {i}", "Scale {s} with {i}"]).format(
        i=rng.choice(INFRA), s=sys_title)


def make_summary(rng: random.Random, typ: str, sys_title: str) -> str:
    lead = {
        "feature": "New: ", "improvement": "Improved: ", "bugfix": "Fixed: ", "hotfix": "Fixed: ",
        "security": "Security: ", "maintenance": "Maintenance: ", "deprecation": "Deprecation: ",
        "infrastructure": "Infrastructure: ",
    }[typ]
    return lead + rng.choice(VERBS) + " " + rng.choice(OBJECTS).format(sys=sys_title) + " " + rng.choice(TAILS) + "."


def sentence(rng: random.Random, sys_title: str, connector: bool = False) -> str:
    s = (rng.choice(SUBJECTS) + " " + rng.choice(VERBS) + " " + rng.choice(OBJECTS).format(sys=sys_title)
         + " " + rng.choice(TAILS) + ".")
    if connector:
        s = rng.choice(CONNECTORS) + " " + s[0].lower() + s[1:]
    return s


def paragraph(rng: random.Random, sys_title: str, n: int) -> str:
    return " ".join(sentence(rng, sys_title, i > 0 and rng.random() < 0.5) for i in range(n))


def make_body(rng: random.Random, r: Rec) -> str:
    sys_title = SYSTEM_TITLE.get(r.systems[0], r.systems[0]) if r.systems else "the platform"
    team = rng.choice(TEAMS)
    sys_key = r.systems[0] if r.systems else "platform"
    parts: list[str] = []
    if r.public:
        parts.append("## What is changing\n")
        parts.append(paragraph(rng, sys_title, 4) + "\n")
        parts.append("\n".join("- " + x for x in rng.sample(CUSTOMER_NOTES, 3)) + "\n")
        parts.append("## Impact\n")
        parts.append(paragraph(rng, sys_title, 3) + " Read the [release notes](https://docs.example.com/releases/"
                     + r.id.lower() + ") or check the [status page](https://status.example.com) during the window.\n")
        if r.flag == "malformed-internal-marker":
            parts.append(rng.choice(["<!--internal-->", "<!-- Internal -->", "<!-- internal  -->"]) + "\n")
        else:
            parts.append("<!-- internal -->\n")
        parts.append("## Implementation notes\n")
    else:
        parts.append("## Summary\n")
        parts.append(paragraph(rng, sys_title, 4) + "\n")
        parts.append("## Implementation notes\n")
        parts.append("\n".join("- " + x for x in rng.sample(INTERNAL_NOTES, 3)) + "\n")
    parts.append(paragraph(rng, sys_title, 3) + " Tracked in [" + r.id + "](https://tickets.example.com/browse/"
                 + r.id + ").\n")
    lang, code = rng.choice(CODE_SNIPPETS)
    parts.append("```" + lang + "\n" + code.format(team=team, sys=sys_key, n=rng.randint(2, 12),
                                                   m=rng.choice((256, 512, 1024, 2048))) + "\n```\n")
    steps = rng.sample(STEPS, 3)
    rows = ["| Step | Owner | Minutes |", "|---|---|---|"]
    for s in steps:
        rows.append("| " + s + " | " + rng.choice(TEAMS) + " | " + str(rng.randint(2, 45)) + " |")
    parts.append("\n".join(rows) + "\n")
    if r.public:
        parts.append("\n".join("- " + x for x in rng.sample(INTERNAL_NOTES, 2)) + "\n")
    parts.append("### Verification\n")
    parts.append(paragraph(rng, sys_title, 4) + "\n")
    return "\n".join(parts)


def make_body_small(rng: random.Random, r: Rec) -> str:
    """The `small` shape's body: about 150 words, with the same kinds of markdown elements as
    make_body (headings, a list, links, a fenced code block, a table; the internal marker in
    public records), so the renderer has the same work per element and less text."""
    sys_title = SYSTEM_TITLE.get(r.systems[0], r.systems[0]) if r.systems else "the platform"
    team = rng.choice(TEAMS)
    sys_key = r.systems[0] if r.systems else "platform"
    parts: list[str] = []
    if r.public:
        parts.append("## What is changing\n")
        parts.append(paragraph(rng, sys_title, 3) + "\n")
        parts.append("\n".join("- " + x for x in rng.sample(CUSTOMER_NOTES, 2)) + "\n")
        parts.append(paragraph(rng, sys_title, 1) + " Read the [release notes](https://docs.example.com/releases/"
                     + r.id.lower() + ").\n")
        if r.flag == "malformed-internal-marker":
            parts.append(rng.choice(["<!--internal-->", "<!-- Internal -->", "<!-- internal  -->"]) + "\n")
        else:
            parts.append("<!-- internal -->\n")
        parts.append("## Implementation notes\n")
    else:
        parts.append("## Summary\n")
        parts.append(paragraph(rng, sys_title, 3) + "\n")
        parts.append("## Implementation notes\n")
        parts.append("\n".join("- " + x for x in rng.sample(INTERNAL_NOTES, 2)) + "\n")
    parts.append(paragraph(rng, sys_title, 2) + " Tracked in [" + r.id + "](https://tickets.example.com/browse/"
                 + r.id + ").\n")
    lang, code = rng.choice(CODE_SNIPPETS)
    parts.append("```" + lang + "\n" + code.format(team=team, sys=sys_key, n=rng.randint(2, 12),
                                                   m=rng.choice((256, 512, 1024, 2048))) + "\n```\n")
    rows = ["| Step | Owner | Minutes |", "|---|---|---|"]
    for s in rng.sample(STEPS, 2):
        rows.append("| " + s + " | " + rng.choice(TEAMS) + " | " + str(rng.randint(2, 45)) + " |")
    parts.append("\n".join(rows) + "\n")
    return "\n".join(parts)


def _spans(r: Rec) -> list[tuple[int, int]]:
    """The spans a record occupies for SPEC 4 `change-collision`, as changeportal reads them:
    the planned window [scheduled, window_end), plus the `deployed` instant when it lies
    outside that window; without a window, the `deployed` instant, else the `scheduled` one."""
    out = []
    if r.scheduled is not None and r.window_end is not None and r.window_end > r.scheduled:
        out.append((r.scheduled, r.window_end))
        if r.deployed is not None and not (r.scheduled <= r.deployed < r.window_end):
            out.append((r.deployed, r.deployed))
    elif r.deployed is not None:
        out.append((r.deployed, r.deployed))
    elif r.scheduled is not None:
        out.append((r.scheduled, r.scheduled))
    return out


def add_small_fields(seed: int, recs: list[Rec]) -> dict[str, int]:
    """Give records of the `small` shape the newer SPEC 2 fields, from an RNG of their own:

    - `window_end` on about 75% of records with `scheduled`: the window holds `deployed` when
      there is one (15 to 90 minutes beyond it), else it lasts 1 to 4 hours; an in-progress
      change's window ends after now. A window that would touch another change's span on a
      shared system (SPEC 4 `change-collision`, compared with closed ends to be safe) is left
      out, so the shape still raises only its deliberate flags.
    - `deployed_by` on about 70% of deployed and rolled-back records: a staff member who is
      not among the record's approvers (else `deployer-approved`).
    - `cancelled` on about 85% of cancelled records: between `created` and the planned
      window (or now).
    """
    rng = random.Random(seed * 7919 + 1013)
    for r in recs:
        r.window_end = r.deployed_by = r.cancelled = None
    goes_ahead = lambda r: r.status not in ("cancelled", "rejected")  # noqa: E731
    occupied: dict[tuple[str, int], list[tuple[int, int, int]]] = {}

    def days(a: int, b: int) -> range:
        return range(a // DAY, b // DAY + 1)

    def add(r: Rec) -> None:
        for a, b in _spans(r):
            for s in set(r.systems):
                for d in days(a, b):
                    occupied.setdefault((s, d), []).append((a, b, r.idx))

    def clashes(r: Rec, a: int, b: int) -> bool:
        for s in set(r.systems):
            for d in days(a, b):
                for x, y, owner in occupied.get((s, d), ()):
                    if owner != r.idx and x <= b and a <= y:
                        return True
        return False

    for r in recs:
        if goes_ahead(r):
            add(r)
    counts = {"window_end": 0, "deployed_by": 0, "cancelled": 0}
    for r in recs:
        if r.scheduled is not None and rng.random() < 0.75:
            if r.deployed is not None and r.deployed >= r.scheduled:
                end = r.deployed + rng.choice((15, 30, 45, 60, 90)) * MINUTE
            else:
                end = r.scheduled + rng.choice((60, 90, 120, 180, 240)) * MINUTE
            if r.status == "in_progress":
                end = max(end, NOW + rng.randint(1, 4) * HOUR)
            end += (-end) % (15 * MINUTE)  # round up to a quarter hour
            if not goes_ahead(r) or not clashes(r, r.scheduled, end):
                r.window_end = end
                counts["window_end"] += 1
                if goes_ahead(r):
                    add(r)
        if r.status in ("deployed", "rolled_back") and rng.random() < 0.7:
            approvers = {a[0] for a in r.approvals}
            r.deployed_by = rng.choice([p for p in STAFF if p not in approvers])
            counts["deployed_by"] += 1
        if r.status == "cancelled" and rng.random() < 0.85:
            lo = r.created + HOUR
            hi = min(r.scheduled if r.scheduled is not None else NOW, NOW) - HOUR
            if hi > lo:
                r.cancelled = minute(rng.randint(lo, hi))
                counts["cancelled"] += 1
    return counts


def approvers_excluding(author: str, role: str, rng: random.Random) -> str:
    names = [n for n in BOARD_BY_ROLE[role] if n != author]
    return rng.choice(names)


def times_between(rng: random.Random, lo: int, hi: int, n: int) -> list[int]:
    if hi <= lo:
        hi = lo + HOUR
    return sorted(minute(rng.randint(lo, hi)) for _ in range(n))


def normal_approvals(rng: random.Random, r: Rec, lo: int, hi: int) -> list[tuple]:
    roles = ["engineering", "operations"]
    if rng.random() < 0.25:
        roles.append(rng.choice(["planning", "management"]))
    ts = times_between(rng, lo, hi, len(roles))
    out = []
    for role, t in zip(roles, ts):
        note = rng.choice(APPROVAL_NOTES) if rng.random() < 0.4 else None
        out.append((approvers_excluding(r.author, role, rng), role, "approve", t, note))
    return out


def lead_seconds(rng: random.Random, r: Rec) -> int:
    """Time between `created` (the notice date) and the change window."""
    tiers = r.tiers if r.tiers is not None else list(TIERS)
    need = 0
    if r.public and r.cls != "emergency":
        if "enterprise" in tiers:
            need = 31
        elif "business" in tiers:
            need = 8
    if r.flag == "notice-too-short":
        return rng.randint(2, 20) * DAY
    if r.cls == "standard":
        base = rng.randint(1, 10)
    else:
        base = rng.randint(2, 25)
    return max(base, need + rng.randint(0, 21)) * DAY + rng.randint(0, DAY)


def build_record(rng: random.Random, idx: int, n_total: int) -> Rec:
    r = Rec()
    r.idx = idx
    r.flag = rng.choice(FLAG_KINDS) if rng.random() < 0.03 else None
    f = r.flag
    r.follow_up_refs = None

    # class
    if f in EMERGENCY_FLAGS:
        r.cls = "emergency"
    elif f in NORMAL_DEPLOYED_FLAGS:
        r.cls = "normal"
    else:
        r.cls = weighted(rng, CLASSES, (25, 70, 5))

    # status
    if r.cls == "emergency":
        r.status = "rolled_back" if rng.random() < 0.1 else "deployed"
    elif f in NORMAL_DEPLOYED_FLAGS:
        r.status = "deployed"
    elif f == "missing-post-incident":
        r.status = "rolled_back"
    else:
        r.status = weighted(rng, STATUSES, (3, 2, 2.5, 4.5, 1.5, 80, 3, 3.5))
        if r.cls == "standard" and r.status in ("rejected", "proposed"):
            r.status = "deployed"

    # type and risk
    if r.cls == "emergency":
        r.type = weighted(rng, TYPES, (0, 0, 15, 40, 30, 0, 0, 15))
        r.risk = weighted(rng, RISKS, (10, 40, 50))
    elif r.cls == "standard":
        r.type = weighted(rng, TYPES, (0, 15, 10, 0, 10, 45, 0, 20))
        r.risk = weighted(rng, RISKS, (80, 20, 0))
    else:
        r.type = weighted(rng, TYPES, (22, 22, 18, 2, 8, 10, 6, 12))
        r.risk = weighted(rng, RISKS, (30, 50, 20))
    if f == "missing-rollback-plan":
        r.risk = "high"

    # visibility and tiers
    r.public = rng.random() < 0.6
    if f in ("notice-too-short", "malformed-internal-marker"):
        r.public = True
    if f == "notice-too-short":
        r.type = rng.choice(TIERS["enterprise"]["types"])
        r.tiers = rng.choice([None, ["enterprise"], ["enterprise", "business"]])
    elif r.public or rng.random() < 0.3:
        r.tiers = weighted(rng, [None, ["enterprise"], ["enterprise", "business"], ["business", "standard"],
                                 ["standard"], ["business"], ["enterprise", "business", "standard"]],
                           (35, 8, 15, 15, 12, 5, 10))
    else:
        r.tiers = None
    if f == "unknown-tier":
        r.tiers = (r.tiers or ["business"]) + ["platinum"]

    # systems
    k = weighted(rng, (1, 2, 3), (60, 30, 10))
    r.systems = rng.sample(SYSTEM_KEYS, k)
    if f == "unknown-system":
        r.systems.append(rng.choice(UNKNOWN_SYSTEMS))
    sys_title = SYSTEM_TITLE[r.systems[0]]

    # people
    if f == "self-approval":
        r.author = rng.choice(BOARD_BY_ROLE["engineering"])
    else:
        r.author = rng.choice(AUTHORS)

    r.title = make_title(rng, r.type, sys_title)
    r.summary = make_summary(rng, r.type, sys_title) if r.public else None

    r.scheduled = r.deployed = r.embargo = None
    r.notified = None
    r.approvals = []
    r.emergency = r.review = r.post_incident = None
    r.timeline = []
    r.created_dt = False

    if r.cls == "emergency":
        build_emergency(rng, r, n_total)
    else:
        build_planned(rng, r)

    r.year = int(time.strftime("%Y", time.gmtime(r.created)))

    # testing / rollback
    r.testing = None
    r.rollback = None
    if r.cls != "emergency" or rng.random() < 0.5:
        if rng.random() < 0.85:
            r.testing = "\n".join("- " + x for x in rng.sample(TESTING_LINES, rng.randint(2, 4)))
    if r.cls == "normal" and r.risk == "high":
        if f != "missing-rollback-plan":
            r.rollback = rng.choice(ROLLBACK_LINES) + ".\n" + rng.choice(ROLLBACK_LINES) + " if that is not enough."
    elif rng.random() < 0.8:
        r.rollback = rng.choice(ROLLBACK_LINES) + "."

    # embargo for some public security fixes
    if r.public and r.type == "security" and r.flag is None and rng.random() < 0.15:
        base = r.deployed or r.scheduled
        if base:
            r.embargo = minute(base + rng.randint(1, 7) * DAY)

    # links
    r.links = []
    for _ in range(weighted(rng, (0, 1, 2, 3), (30, 40, 20, 10))):
        if rng.random() < 0.5:
            r.links.append("https://git.example.com/%s/%s/pull/%d" % (rng.choice(TEAMS), r.systems[0], rng.randint(10, 9999)))
        else:
            r.links.append("https://tickets.example.com/browse/OPS-%d" % rng.randint(100, 99999))
    return r


def build_planned(rng: random.Random, r: Rec) -> None:
    f = r.flag
    st = r.status
    lead = lead_seconds(rng, r)
    has_sched = True
    if st in ("deployed", "rolled_back", "cancelled", "rejected"):
        anchor = pick_growth(rng, START + 70 * DAY, NOW - 2 * DAY)
        if st == "rolled_back":
            anchor = min(anchor, NOW - 10 * DAY)  # past the post-incident window
        sched = at_window(rng, anchor)
        created = midnight(sched - lead)
        if st in ("deployed", "rolled_back"):
            r.deployed = minute(sched + rng.randint(5, 180) * MINUTE)
            has_sched = rng.random() < 0.8
            if not has_sched:
                # notice is measured against `deployed` then
                created = midnight(r.deployed - lead)
        elif st == "cancelled":
            has_sched = rng.random() < 0.5
        else:
            has_sched = rng.random() < 0.3
    elif st == "scheduled":
        sched = at_window(rng, NOW + rng.randint(1, 75) * DAY)
        created = midnight(min(sched - lead, NOW - rng.randint(1, 10) * DAY))
    elif st == "in_progress":
        sched = minute(NOW - rng.randint(1, 20) * HOUR)
        created = midnight(sched - lead)
    elif st == "approved":
        created = midnight(NOW - rng.randint(1, 60) * DAY)
        has_sched = rng.random() < 0.6
        sched = at_window(rng, max(created + lead, NOW + rng.randint(1, 40) * DAY))
    else:  # proposed
        created = midnight(NOW - rng.randint(1, 120) * DAY)
        has_sched = rng.random() < 0.3
        sched = at_window(rng, max(created + lead, NOW + rng.randint(3, 60) * DAY))
    r.created = created
    r.scheduled = sched if has_sched else None

    # advance notice told to business customers later than `created`, still in time
    window = r.scheduled or r.deployed or sched
    tiers = r.tiers if r.tiers is not None else list(TIERS)
    if r.public and "business" in tiers and f is None and rng.random() < 0.1:
        latest = window - 8 * DAY
        if latest > created + DAY:
            r.notified = {"business": midnight(rng.randint(created + DAY, latest))}

    # approvals
    if r.cls == "normal":
        lo = created + HOUR
        hi = min(sched, NOW) - HOUR
        if st in ("approved", "scheduled", "in_progress", "deployed", "rolled_back") or (
                st == "cancelled" and rng.random() < 0.5):
            if f == "missing-approval":
                r.approvals = []
            elif f == "insufficient-approval":
                t = minute(rng.randint(lo, hi))
                r.approvals = [(approvers_excluding(r.author, "engineering", rng), "engineering", "approve", t, None)]
            else:
                r.approvals = normal_approvals(rng, r, lo, hi)
                if f == "approval-after-deploy":
                    a = list(r.approvals[-1])
                    a[3] = minute(r.deployed + rng.randint(1, 48) * HOUR)
                    r.approvals[-1] = tuple(a)
                elif f == "self-approval":
                    a = list(r.approvals[0])
                    a[0] = r.author  # author sits on the board as an engineer
                    r.approvals[0] = tuple(a)
                elif f == "approver-not-on-board":
                    a = list(r.approvals[1])
                    a[0] = rng.choice(NON_BOARD_APPROVERS)
                    r.approvals[1] = tuple(a)
                elif f == "rejected-but-deployed":
                    a = list(r.approvals[1])
                    a[2] = "reject"
                    a[4] = rng.choice(REJECT_NOTES)
                    r.approvals[1] = tuple(a)
        elif st == "rejected":
            ts = times_between(rng, lo, hi, 2)
            r.approvals = []
            if rng.random() < 0.5:
                r.approvals.append((approvers_excluding(r.author, "engineering", rng), "engineering", "approve", ts[0], None))
            r.approvals.append((approvers_excluding(r.author, "operations", rng), "operations", "reject", ts[1],
                                rng.choice(REJECT_NOTES)))

    # rolled back: short war-room timeline and a post-incident review
    if st == "rolled_back":
        d = r.deployed
        n = rng.randint(3, 6)
        notes = ["Deployment started", "Error rate increased after the deploy",
                 "Decision to roll back", "Rollback completed", "Metrics back to baseline",
                 "Post-incident review scheduled"]
        ts = times_between(rng, d, d + 3 * HOUR, n)
        ts[0] = d
        r.timeline = [(t, rng.choice(STAFF), notes[i] if i < len(notes) else notes[-1], None)
                      for i, t in enumerate(sorted(ts))]
        if f != "missing-post-incident":
            r.post_incident = make_post_incident(rng, r, d)


def make_post_incident(rng: random.Random, r: Rec, d: int) -> dict:
    pr = weighted(rng, ("none", "done", "needed"), (50, 30, 20))
    if r.flag == "policy-review-pending":
        pr = "needed"
    pi = {"at": minute(d + rng.randint(24, 150) * HOUR),
          "lessons": " ".join(rng.sample(LESSONS, 2)),
          "improvements": " ".join(rng.sample(IMPROVEMENTS, 2)) if rng.random() < 0.7 else None,
          "policy_review": pr,
          "follow_ups": None}
    if r.flag == "unknown-follow-up":
        pi["follow_ups"] = ["CHG-9%06d" % rng.randint(0, 999999)]
    elif pr == "needed" and r.flag != "policy-review-pending":
        refs = []
        for _ in range(rng.randint(1, 2)):
            if rng.random() < 0.7:
                refs.append(("ref", rng.random()))  # resolved to an existing id at write time
            else:
                refs.append(("url", "https://tickets.example.com/browse/POL-%d" % rng.randint(10, 999)))
        pi["follow_ups"] = refs
    return pi


def build_emergency(rng: random.Random, r: Rec, n_total: int) -> None:
    f = r.flag
    declared = minute(pick_growth(rng, START + 10 * DAY, NOW - 12 * DAY))
    d = minute(declared + rng.randint(60, 8 * 60) * MINUTE)
    r.deployed = d
    if rng.random() < 0.5:
        r.created = midnight(declared)
    else:
        r.created = declared
        r.created_dt = True
    sys_title = SYSTEM_TITLE[r.systems[0]]
    decider = rng.choice([n for n in STAFF if n not in DECIDERS]) if f == "unauthorized-emergency" else rng.choice(DECIDERS)
    r.emergency = {"reason": rng.choice(EMERGENCY_REASONS).format(sys=sys_title) + "; waiting for the next window would put customers at risk.",
                   "declared_by": decider, "declared_at": declared}
    # approvals: at least one within two days (often after deploy)
    if f != "missing-emergency-approval":
        n = weighted(rng, (1, 2), (70, 30))
        pool = [nm for nm, role in BOARD if nm != r.author and role in ("management", "operations")]
        names = rng.sample(pool, n)
        for nm in names:
            role = next(role for x, role in BOARD if x == nm)
            if rng.random() < 0.3:
                t = minute(declared + rng.randint(5, 40) * MINUTE)
            else:
                t = minute(d + rng.randint(30, 40 * 60) * MINUTE)
            r.approvals.append((nm, role, "approve", t, "Emergency approved retroactively" if t > d else "Emergency approved"))
        r.approvals.sort(key=lambda a: a[3])
    # review within three days
    if f != "missing-review":
        rv = [nm for nm in BOARD_BY_ROLE["engineering"] if nm != r.author]
        r.review = {"by": rng.choice(rv), "at": minute(d + rng.randint(4 * 60, 60 * 60) * MINUTE),
                    "link": "https://git.example.com/%s/%s/pull/%d" % (rng.choice(TEAMS), r.systems[0], rng.randint(10, 9999)),
                    "note": rng.choice(["Fix reviewed, follow-up tests requested", "Reviewed, no concerns",
                                        "Reviewed; config change should move to code"]) if rng.random() < 0.6 else None}
    # war-room timeline: 8-12 entries, in order, phases aligned with declaration and deploy
    n = rng.randint(8, 12)
    span = d - declared
    ranges = [(declared - 40 * MINUTE, declared - 2 * MINUTE), (declared, declared + span // 4),
              (declared + span // 4, declared + span // 2), (declared + span // 2, d - 15 * MINUTE),
              (d - 10 * MINUTE, d), (d + 5 * MINUTE, d + 2 * HOUR), (d + 2 * HOUR, d + 4 * HOUR)]
    nph = len(TIMELINE_PHASES)
    tl = []
    for i in range(n):
        phase = min(nph - 1, i * nph // n)
        if i == n - 1:
            phase = nph - 1
        lo, hi = ranges[phase]
        note = rng.choice(TIMELINE_PHASES[phase]).format(sys=sys_title)
        by = rng.choice(STAFF + DECIDERS) if rng.random() < 0.85 else None
        link = ("https://status.example.com/incidents/%d" % rng.randint(1000, 9999)) if rng.random() < 0.15 else None
        tl.append([minute(rng.randint(lo, max(lo, hi))), by, note, link])
    for i in range(1, n):  # keep the evidence in order
        if tl[i][0] < tl[i - 1][0]:
            tl[i][0] = tl[i - 1][0]
    tl = [tuple(x) for x in tl]
    r.timeline = tl
    if f != "missing-post-incident":
        r.post_incident = make_post_incident(rng, r, d)


# --------------------------------------------------------------------------- writing


def fmt_datetime_or_date(ts: int) -> str:
    return iso(ts)


def render_front_matter(r: Rec, id_of_ref) -> str:
    L = ["---", "id: " + r.id, "title: " + q(r.title), "type: " + r.type]
    if r.cls != "normal" or r.idx % 3:  # sometimes rely on the default
        L.append("class: " + r.cls)
    L.append("status: " + r.status)
    L.append("risk: " + r.risk)
    if r.public:
        L.append("visibility: public")
        L.append("summary: " + q(r.summary))
    elif r.idx % 2:
        L.append("visibility: internal")
    L.append("author: " + q(r.author))
    L.append("created: " + (iso(r.created) if r.created_dt else day(r.created)))
    if r.scheduled is not None:
        L.append("scheduled: " + iso(r.scheduled))
    if getattr(r, "window_end", None) is not None:  # `small` shape only
        L.append("window_end: " + iso(r.window_end))
    if r.deployed is not None:
        L.append("deployed: " + iso(r.deployed))
    if getattr(r, "deployed_by", None) is not None:
        L.append("deployed_by: " + q(r.deployed_by))
    if getattr(r, "cancelled", None) is not None:
        L.append("cancelled: " + iso(r.cancelled))
    if r.embargo is not None:
        L.append("embargo_until: " + iso(r.embargo))
    if r.systems:
        L.append("systems: [" + ", ".join(r.systems) + "]")
    if r.tiers is not None:
        L.append("tiers: [" + ", ".join(r.tiers) + "]")
    if r.notified:
        L.append("notified:")
        for k, v in r.notified.items():
            L.append("  " + k + ": " + day(v))
    if r.approvals:
        L.append("approvals:")
        for by, role, decision, at, note in r.approvals:
            L.append("  - by: " + q(by))
            L.append("    role: " + role)
            L.append("    decision: " + decision)
            L.append("    at: " + iso(at))
            if note:
                L.append("    note: " + q(note))
    if r.testing:
        L.append("testing: |")
        L.extend("  " + x for x in r.testing.split("\n"))
    if r.rollback:
        L.append("rollback: |")
        L.extend("  " + x for x in r.rollback.split("\n"))
    if r.emergency:
        e = r.emergency
        L.append("emergency:")
        L.append("  reason: " + q(e["reason"]))
        L.append("  declared_by: " + q(e["declared_by"]))
        L.append("  declared_at: " + iso(e["declared_at"]))
    if r.review:
        v = r.review
        L.append("review:")
        L.append("  by: " + q(v["by"]))
        L.append("  at: " + iso(v["at"]))
        if v["link"]:
            L.append("  link: " + v["link"])
        if v["note"]:
            L.append("  note: " + q(v["note"]))
    if r.timeline:
        L.append("timeline:")
        for at, by, note, link in r.timeline:
            L.append("  - at: " + iso(at))
            if by:
                L.append("    by: " + q(by))
            L.append("    note: " + q(note))
            if link:
                L.append("    link: " + link)
    if r.post_incident:
        p = r.post_incident
        L.append("post_incident:")
        L.append("  at: " + iso(p["at"]))
        L.append("  lessons: " + q(p["lessons"]))
        if p["improvements"]:
            L.append("  improvements: " + q(p["improvements"]))
        L.append("  policy_review: " + p["policy_review"])
        if p["follow_ups"]:
            L.append("  follow_ups:")
            for ref in p["follow_ups"]:
                if isinstance(ref, str):
                    L.append("    - " + ref)
                elif ref[0] == "url":
                    L.append("    - " + ref[1])
                else:
                    L.append("    - " + id_of_ref(r, ref[1]))
    if r.links:
        L.append("links:")
        L.extend("  - " + x for x in r.links)
    L.append("---")
    return "\n".join(L) + "\n"


def portal_yaml(n: int) -> str:
    L = [
        "# Synthetic benchmark portal generated by scripts/gen_corpus.py (%d records)." % n,
        "title: Example Cloud Change Portal",
        "base_url: https://changes.example.com",
        "internal_base_url: https://audit.example.internal",
        "theme: default",
        "timezone: UTC",
        "tiers:",
    ]
    for key, t in TIERS.items():
        L.append("  %s:" % key)
        L.append("    title: %s" % t["title"])
        L.append("    notice_days: %d" % t["notice_days"])
        if "types" in t:
            L.append("    types: [%s]" % ", ".join(t["types"]))
    L.append("systems:")
    for key, title, owner in SYSTEMS:
        L.append("  %s: { title: %s, owner: %s }" % (key, q(title), owner))
    L.append("policy:")
    L.append("  board:")
    for name, role in BOARD:
        L.append("    - { name: %s, role: %s }" % (q(name), role))
    L.append("  approvals:")
    L.append("    normal: { min: 2, roles: [engineering, operations] }")
    L.append("    standard: { min: 0 }")
    L.append("    emergency: { min: 1, within_days: 2 }")
    L.append("  emergency:")
    L.append("    deciders: [%s]" % ", ".join(q(d) for d in DECIDERS))
    L.append("    review_within_days: 3")
    L.append("    post_incident_within_days: 7")
    L.append("  require_post_incident_for: [emergency, rolled_back]")
    return "\n".join(L) + "\n"


ABOUT_PAGE = """---
title: About this portal
---

This portal lists changes to the Example Cloud platform. Subscribe to the feed of your
customer tier to hear about upcoming maintenance and deployed changes.
"""

HUGO_TOML = """baseURL = "https://changes.example.com/"
title = "Example Cloud Change Portal"
languageCode = "en-us"
buildFuture = true
buildExpired = true
rssLimit = 50
timeout = "10m"
disableKinds = ["taxonomy", "term"]

[outputs]
  home = ["HTML", "RSS"]
  section = ["HTML", "RSS"]
  page = ["HTML"]
"""

HUGO_BASEOF = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ if not .IsHome }}{{ .Title }} | {{ end }}{{ .Site.Title }}</title>
{{ with .OutputFormats.Get "rss" }}<link rel="alternate" type="application/rss+xml" title="{{ $.Site.Title }}" href="{{ .RelPermalink }}">{{ end }}
<style>body{font-family:sans-serif;max-width:60rem;margin:auto;padding:1rem}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2rem .5rem}</style>
</head>
<body>
<header><a href="{{ "/" | relURL }}">{{ .Site.Title }}</a> | <a href="{{ "/changes/" | relURL }}">All changes</a></header>
<main>
{{ block "main" . }}{{ end }}
</main>
</body>
</html>
"""

HUGO_SINGLE = """{{ define "main" }}
<article>
<h1>{{ .Title }}</h1>
<p><time datetime="{{ .Date.Format "2006-01-02T15:04:05Z07:00" }}">{{ .Date.Format "2006-01-02" }}</time> &middot; {{ .File.BaseFileName }}</p>
{{ with .Params.summary }}<p class="summary">{{ . }}</p>{{ end }}
{{ .Content }}
</article>
{{ end }}
"""

HUGO_LIST = """{{ define "main" }}
<h1>{{ .Title }}</h1>
{{ $pages := .RegularPages }}
{{ if .IsHome }}{{ $pages = first 50 .Site.RegularPages.ByDate.Reverse }}{{ end }}
<ul>
{{ range $pages }}
<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> <time>{{ .Date.Format "2006-01-02" }}</time>{{ with .Params.summary }} &mdash; {{ . }}{{ end }}</li>
{{ end }}
</ul>
{{ end }}
"""


def prepare_dir(path: str, force: bool) -> None:
    for guard in (".git", "Cargo.toml"):
        if os.path.exists(os.path.join(path, guard)):
            sys.exit("gen_corpus: refusing to write into %s: it holds %s (a source tree, not a corpus folder)"
                     % (path, guard))
    if os.path.isdir(path) and os.listdir(path):
        if not (os.path.exists(os.path.join(path, MARKER)) or force):
            sys.exit("gen_corpus: %s is not empty and was not made by this script (use --force)" % path)
        for name in ("content", "layouts", "portal.yaml", "hugo.toml", MARKER, "public", "resources"):
            p = os.path.join(path, name)
            if os.path.isdir(p):
                shutil.rmtree(p)
            elif os.path.exists(p):
                os.remove(p)
    os.makedirs(path, exist_ok=True)


def script_digest() -> str:
    with open(os.path.abspath(__file__), "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()


SHAPES = ("default", "small")


def generate(seed: int, n: int, out: str, hugo: str | None, force: bool = False, quiet: bool = False,
             shape: str = "default") -> dict:
    if shape not in SHAPES:
        raise ValueError("unknown shape %r (one of %s)" % (shape, ", ".join(SHAPES)))
    t0 = time.perf_counter()
    rng = random.Random(seed)
    recs = [build_record(rng, i, n) for i in range(n)]
    # ids follow the order records entered the portal
    recs.sort(key=lambda r: (r.created, r.idx))
    for i, r in enumerate(recs, 1):
        r.id = "CHG-%06d" % i
        r.idx = i

    def id_of_ref(r: Rec, u: float) -> str:
        j = 1 + int(u * n)
        if j == r.idx:
            j = j % n + 1
        return "CHG-%06d" % j

    new_fields = add_small_fields(seed, recs) if shape == "small" else None
    body_of = make_body_small if shape == "small" else make_body

    prepare_dir(out, force)
    changes = os.path.join(out, "content", "changes")
    os.makedirs(os.path.join(out, "content", "pages"), exist_ok=True)
    with open(os.path.join(out, "portal.yaml"), "w", encoding="utf-8") as fh:
        fh.write(portal_yaml(n) if shape == "default" else portal_yaml(n).replace(
            " records).", " records, shape %s)." % shape, 1))
    with open(os.path.join(out, "content", "pages", "about.md"), "w", encoding="utf-8") as fh:
        fh.write(ABOUT_PAGE)
    if hugo:
        prepare_dir(hugo, force)
        hchanges = os.path.join(hugo, "content", "changes")
        os.makedirs(hchanges, exist_ok=True)
        os.makedirs(os.path.join(hugo, "layouts", "_default"), exist_ok=True)
        for name, text in (("hugo.toml", HUGO_TOML), ("layouts/_default/baseof.html", HUGO_BASEOF),
                           ("layouts/_default/single.html", HUGO_SINGLE),
                           ("layouts/_default/list.html", HUGO_LIST),
                           ("content/_index.md", "---\ntitle: Example Cloud Change Portal\n---\n"),
                           ("content/changes/_index.md", "---\ntitle: All changes\n---\n")):
            with open(os.path.join(hugo, name), "w", encoding="utf-8") as fh:
                fh.write(text)

    counts: dict[str, dict[str, int]] = {"class": {}, "status": {}, "type": {}, "visibility": {}}
    flagged: dict[str, str] = {}
    made_years: set[int] = set()
    body_rng = random.Random(seed * 1000003 + 7)
    words = 0
    for r in recs:
        if r.year not in made_years:
            os.makedirs(os.path.join(changes, str(r.year)), exist_ok=True)
            made_years.add(r.year)
        body = body_of(body_rng, r)
        if r.idx <= 200:
            words += len(body.split())
        fm = render_front_matter(r, id_of_ref)
        path = os.path.join(changes, str(r.year), r.id + "-" + slugify(r.title) + ".md")
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(fm + "\n" + body)
        if hugo:
            hfm = ["---", "title: " + q(r.title), "date: " + iso(r.deployed or r.created)]
            if r.summary:
                hfm.append("summary: " + q(r.summary))
            hfm.append("---\n")
            with open(os.path.join(hchanges, r.id + ".md"), "w", encoding="utf-8") as fh:
                fh.write("\n".join(hfm) + "\n" + body)
        counts["class"][r.cls] = counts["class"].get(r.cls, 0) + 1
        counts["status"][r.status] = counts["status"].get(r.status, 0) + 1
        counts["type"][r.type] = counts["type"].get(r.type, 0) + 1
        vis = "public" if r.public else "internal"
        counts["visibility"][vis] = counts["visibility"].get(vis, 0) + 1
        if r.flag:
            flagged[r.id] = r.flag

    for c in counts.values():
        for k in sorted(c):
            c[k] = c.pop(k)
    meta = {
        "generator": "scripts/gen_corpus.py",
        "generator_version": GENERATOR_VERSION,
        "generator_sha256": script_digest(),
        "seed": seed,
        "records": n,
        # the default shape's file stays as it was: no "shape" key there
        **({"shape": shape} if shape != "default" else {}),
        "now": NOW_TEXT,
        "hugo": bool(hugo),
        "counts": counts,
        "avg_body_words": round(words / max(1, min(n, 200))),
        **({"new_fields": new_fields} if new_fields is not None else {}),
        "deliberate_flags": flagged,
    }
    text = json.dumps(meta, indent=1, sort_keys=False) + "\n"
    with open(os.path.join(out, MARKER), "w", encoding="utf-8") as fh:
        fh.write(text)
    if hugo:
        with open(os.path.join(hugo, MARKER), "w", encoding="utf-8") as fh:
            fh.write(text)
    elapsed = time.perf_counter() - t0
    if not quiet:
        print("gen_corpus: %d records (seed %d%s) -> %s%s in %.1fs; %d deliberately flagged (%.1f%%), ~%d words/body"
              % (n, seed, "" if shape == "default" else ", shape " + shape, out, (" + hugo " + hugo) if hugo else "", elapsed, len(flagged),
                 100.0 * len(flagged) / max(1, n), meta["avg_body_words"]), file=sys.stderr)
    return meta


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=42, help="RNG seed (default 42)")
    ap.add_argument("--records", "-n", type=int, default=1000, help="number of change records (default 1000)")
    ap.add_argument("--out", required=True, help="portal folder to write")
    ap.add_argument("--hugo", help="also write an equivalent Hugo site into this folder")
    ap.add_argument("--force", action="store_true",
                    help="write into a non-empty folder not made by this script (removes its content/, portal.yaml, ...)")
    ap.add_argument("--shape", choices=SHAPES, default="default",
                    help="default: ~300-word bodies (unchanged output); small: ~150-word bodies and the fields "
                         "window_end, deployed_by, cancelled in part of the records")
    ap.add_argument("--quiet", action="store_true")
    a = ap.parse_args(argv)
    if a.records < 1:
        ap.error("--records must be >= 1")
    if a.hugo and os.path.abspath(a.hugo) == os.path.abspath(a.out):
        ap.error("--hugo must differ from --out")
    generate(a.seed, a.records, a.out, a.hugo, a.force, a.quiet, a.shape)
    return 0


if __name__ == "__main__":
    sys.exit(main())

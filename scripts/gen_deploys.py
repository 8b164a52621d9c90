#!/usr/bin/env python3
"""Generates the example portal's deploy log, deploys.csv (SPEC 3 `deploy_log`).

Every deployed or rolled-back record gets entries for each of its systems:
canary and full rollout steps around its `deployed` instant (a rolled-back
one also the revert), some naming the record in `change`, the others left to
the system+time match (kept only when the record is the nearest of its
system within the window, as changeportal matches). Deliberate gaps, for the
flags to show: CHG-0021 and CHG-0033 have no entry (deploy-not-logged), and
three entries have no record (unrecorded-deploy). Deterministic: run it from
the repository root and commit the output.

    python3 scripts/gen_deploys.py > deploys.csv
"""
import csv
import glob
import random
import re
import sys
from datetime import datetime, timedelta, timezone

WINDOW = timedelta(hours=2)
UNLOGGED = {"CHG-0021", "CHG-0033"}
DEPLOYERS = ["deploy-bot", "Jonas Becker", "Grace Adeyemi", "Luca Moretti",
             "Ines Duarte", "Ethan Park", "Chloe Martin", "Sam Okafor"]
# A deployer who also approved the change (deployer-approved; the approval
# does not count).
DEPLOYER_APPROVED = {("CHG-0017", "rollout"): "Sofia Lindqvist"}
UNRECORDED = [
    ("2026-03-14T01:12:00Z", "edge-cdn", "cdn-cfg-7731", "Luca Moretti", ""),
    ("2026-08-02T22:47:00Z", "billing-api", "b41e0c9", "Ethan Park", ""),
    ("2026-10-12T16:05:00Z", "reporting", "r-2026.10.12", "Chloe Martin", "CHG-0099"),
]


def field(text, key):
    found = re.search(r"^" + key + r":\s*(.*?)\s*$", text, re.M)
    return found.group(1) if found else ""


def parse_instant(text):
    if len(text) == 10:
        return datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=timezone.utc)
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)


def records():
    for path in sorted(glob.glob("content/changes/**/*.md", recursive=True)):
        front = open(path, encoding="utf-8").read().split("---")[1]
        status = field(front, "status")
        deployed = field(front, "deployed")
        if status not in ("deployed", "rolled_back") or not deployed:
            continue
        systems = [s.strip() for s in field(front, "systems").strip("[]").split(",") if s.strip()]
        yield field(front, "id"), status, parse_instant(deployed), systems


def nearest(live, system, at):
    """The record id a change-less entry at `at` matches (as changeportal does)."""
    candidates = [(abs(deployed - at), rid.lower(), rid) for rid, _, deployed, systems in live
                  if system in systems and abs(deployed - at) <= WINDOW]
    return min(candidates)[2] if candidates else None


def iso(at):
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def main():
    rng = random.Random(14)
    live = list(records())
    rows = []
    for rid, status, deployed, systems in live:
        if rid in UNLOGGED:
            continue
        release = "r%s.%d" % (deployed.strftime("%Y.%m.%d"), rng.randint(1, 9))
        for system in systems:
            sha = "%07x" % rng.getrandbits(28)
            steps = [(-rng.randint(45, 80), "canary"), (-rng.randint(10, 40), "canary"), (0, "rollout")]
            if rng.random() < 0.6:
                steps.append((rng.randint(5, 40), "config"))
            if status == "rolled_back":
                steps.append((rng.randint(45, 100), "revert"))
            for minutes, step in steps:
                at = deployed + timedelta(minutes=minutes)
                ref = release if step == "rollout" and system == systems[0] else sha
                if step == "revert":
                    ref = "revert-" + sha
                by = "deploy-bot" if step in ("canary", "config") else rng.choice(DEPLOYERS[1:])
                if (rid, step) in DEPLOYER_APPROVED:
                    by = DEPLOYER_APPROVED[(rid, step)]
                change = rid if (rng.random() < 0.45 or nearest(live, system, at) != rid) else ""
                rows.append((iso(at), system, ref, by, change))
    rows.extend(UNRECORDED)
    rows.sort(key=lambda row: (row[0], row[1], row[2]))
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(["at", "system", "ref", "deployed_by", "change"])
    writer.writerows(rows)


if __name__ == "__main__":
    main()

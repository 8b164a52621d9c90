"""Parses each iCalendar file given on the command line with the Python
`icalendar` package (strictly: a line it cannot parse is an error) and
prints one JSON line per file: {"file", "name", "events": [{"uid",
"sequence", "status", "start", "end", "stamp", "summary"}]}, instants in
RFC 3339 UTC. Exits 1 on the first file that does not parse."""
import json
import sys

import icalendar


def utc(value):
    return value.dt.strftime("%Y-%m-%dT%H:%M:%SZ")


for path in sys.argv[1:]:
    with open(path, "rb") as handle:
        raw = handle.read()
    if b"\n" in raw.replace(b"\r\n", b""):
        sys.exit(f"{path}: a line does not end in CRLF")
    for line in raw.split(b"\r\n"):
        if len(line) > 75:
            sys.exit(f"{path}: a line is longer than 75 octets: {line!r}")
    calendar = icalendar.Calendar.from_ical(raw)
    for component in calendar.walk():
        if component.errors:
            sys.exit(f"{path}: {component.name}: {component.errors}")
    events = [
        {
            "uid": str(event["UID"]),
            "sequence": int(event.get("SEQUENCE", 0)),
            "status": str(event.get("STATUS", "")),
            "start": utc(event["DTSTART"]),
            "end": utc(event["DTEND"]),
            "stamp": utc(event["DTSTAMP"]),
            "summary": str(event["SUMMARY"]),
        }
        for event in calendar.walk("VEVENT")
    ]
    print(json.dumps({"file": path, "name": str(calendar.get("X-WR-CALNAME", "")), "events": events}))

"""Parses each feed file given on the command line with feedparser (the
parser most feed readers in Python use) and prints one JSON line per file:
{"file", "bozo", "error", "entries", "ids"}. Exit 0 even when a feed is
malformed: the Rust test decides."""
import json
import sys

import feedparser

for path in sys.argv[1:]:
    with open(path, "rb") as handle:
        parsed = feedparser.parse(handle.read())
    print(json.dumps({
        "file": path,
        "bozo": bool(parsed.bozo),
        "error": str(parsed.get("bozo_exception", "")),
        "entries": len(parsed.entries),
        "ids": [entry.get("id", "") for entry in parsed.entries],
    }))

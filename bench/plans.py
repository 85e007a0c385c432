#!/usr/bin/env python3
"""bench/plans.py — reads PostgreSQL log lines written by auto_explain (log_level warning) on
stdin and prints each plan indented, without the log prefix; the token lookup of every request
(api_tokens) is left out."""
import re
import sys

PREFIX = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ \w+ \[\d+\] \S+ WARNING:  ")
entries, cur = [], None
for line in sys.stdin:
    line = line.rstrip("\n")
    m = PREFIX.match(line)
    if m:
        cur = [line[m.end():]]
        entries.append(cur)
    elif cur is not None and line.startswith("\t"):
        cur.append(line[1:])
for e in entries:
    text = "\n".join(e)
    if "api_tokens" in text:
        continue
    print("  " + e[0])
    for l in e[1:]:
        print("    " + l)

#!/usr/bin/env python3
"""Write a `git fast-import` stream of a long spec history to stdout, for the
`check-history` scenario of bench/run.sh.

Usage: history_stream.py SPECS COMMITS

- The first commit on refs/heads/main adds SPECS specs (specs/%04d-history-N.md)
  at draft, each with its "Initial draft created" entry.
- Each of the next COMMITS commits moves one spec (round robin) from draft to
  review or back, with the changelog entry and `updated:` date that
  `git spec status` writes, signed by the commit's author; every tenth also
  edits README.md, as the rest of a project's work does.

So `git spec check --history` must read and compare every commit's spec
change and find nothing: every step is allowed, recorded, chained and signed
by its author, and no changelog line is ever rewritten.
"""
import datetime
import sys

AUTHOR = "Alice Martin"
EMAIL = "alice@example.com"
START = datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc)


def spec(number, status, entries, updated):
    lines = [
        "---",
        f"spec-id: SPEC-{number:04d}",
        f"title: History spec {number}",
        f"status: {status}",
        "priority: medium",
        f"owner: {AUTHOR} <{EMAIL}>",
        "created: 2025-01-01",
        f"updated: {updated}",
        "tags: [bench]",
        "---",
        "",
        f"# History spec {number}",
        "",
        "## Overview",
        "",
        f"Spec {number} of the history benchmark: one status step per commit.",
        "",
        "## Changelog",
        "",
        "- 2025-01-01: Initial draft created",
    ]
    lines.extend(entries)
    return ("\n".join(lines) + "\n").encode()


def data(out, payload):
    out.write(b"data %d\n" % len(payload))
    out.write(payload)
    out.write(b"\n")


def commit(out, when, message, files):
    stamp = int(when.timestamp())
    out.write(b"commit refs/heads/main\n")
    out.write(f"author {AUTHOR} <{EMAIL}> {stamp} +0000\n".encode())
    out.write(f"committer {AUTHOR} <{EMAIL}> {stamp} +0000\n".encode())
    data(out, message.encode())
    for path, content in files:
        out.write(f"M 100644 inline {path}\n".encode())
        data(out, content)


def main():
    specs, commits = int(sys.argv[1]), int(sys.argv[2])
    out = sys.stdout.buffer
    status = {n: "draft" for n in range(1, specs + 1)}
    entries = {n: [] for n in range(1, specs + 1)}
    path = {n: f"specs/{n:04d}-history-{n}.md" for n in status}
    first = [("README.md", b"# History benchmark\n")]
    first += [(path[n], spec(n, "draft", [], "2025-01-01")) for n in status]
    commit(out, START, "Specs", first)
    for k in range(1, commits + 1):
        n = (k - 1) % specs + 1
        when = START + datetime.timedelta(hours=k)
        day = when.strftime("%Y-%m-%d")
        old = status[n]
        new = "review" if old == "draft" else "draft"
        entries[n].append(f"- {day}: Status changed from {old} to {new} by {AUTHOR}")
        status[n] = new
        files = [(path[n], spec(n, new, entries[n], day))]
        if k % 10 == 0:
            files.append(("README.md", f"# History benchmark\n\nStep {k}.\n".encode()))
        commit(out, when, f"spec(SPEC-{n:04d}): {old} -> {new}", files)


main()

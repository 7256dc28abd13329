#!/usr/bin/env python3
"""Write a `git fast-import` stream for the git-spec benchmark fixture to stdout.

Usage: fast_import_stream.py SPECS BRANCHES REMOTES [CHUNK]

- refs/heads/main: SPECS spec files specs/%04d-spec-number-N.md, committed in
  chunks of CHUNK files (default 500) so main has a short, realistic history.
- refs/heads/spec/%05d-branch-spec-K (K = 1..BRANCHES): one commit on top of
  main adding specs/<id>-branch-spec-K.md, ids SPECS+1 .. SPECS+BRANCHES.
- refs/remotes/origin/feature-K (K = 1..REMOTES): one commit on top of main
  adding specs/<id>-feature-K.md, ids SPECS+BRANCHES+1 .. SPECS+BRANCHES+REMOTES.
- refs/remotes/origin/main points at main.

Every file differs (id, title, owner, priority, tags, body), so every blob and
every branch tree is distinct.  Dates are fixed so the fixture is reproducible.
"""
import sys

OWNERS = ["Alice Martin", "Bob Chen", "Carla Diaz", "Deepak Rao", "Eve Novak",
          "Farid Haddad", "Grace Kim"]
PRIORITIES = ["low", "medium", "high", "critical"]
TAGS = ["api", "auth", "billing", "cli", "docs", "infra", "perf", "search",
        "storage", "ui"]
STATUSES = ["draft", "draft", "review", "approved", "implemented"]
BASE_TS = 1767225600  # 2026-01-01T00:00:00Z

out = sys.stdout.buffer


def w(s):
    out.write(s.encode() if isinstance(s, str) else s)


def data(payload):
    b = payload.encode()
    w(b"data %d\n" % len(b))
    w(b)
    w(b"\n")


def spec_doc(n, title, status):
    owner = OWNERS[n % len(OWNERS)]
    prio = PRIORITIES[(n // 3) % len(PRIORITIES)]
    tags = ", ".join(sorted({TAGS[n % len(TAGS)], TAGS[(n * 7 + 3) % len(TAGS)]}))
    day = 1 + n % 28
    return (
        "---\n"
        f"spec-id: SPEC-{n:04d}\n"
        f"title: {title}\n"
        f"status: {status}\n"
        f"priority: {prio}\n"
        f"owner: {owner}\n"
        f"created: 2026-01-{day:02d}\n"
        f"updated: 2026-01-{day:02d}\n"
        f"tags: [{tags}]\n"
        "---\n\n"
        f"# {title}\n\n"
        "## Overview\n\n"
        f"Benchmark fixture spec number {n}, owned by {owner}.\n\n"
        "## Changelog\n\n"
        f"- 2026-01-{day:02d}: Initial draft created\n"
    )


def committer(ts):
    return f"committer Bench Fixture <bench@example.invalid> {ts} +0000\n"


def main():
    specs, branches, remotes = (int(a) for a in sys.argv[1:4])
    chunk = int(sys.argv[4]) if len(sys.argv) > 4 else 500
    mark = 0
    ts = BASE_TS
    main_mark = None

    # main: SPECS files in chunks
    n = 1
    while n <= specs:
        hi = min(specs, n + chunk - 1)
        mark += 1
        w(f"commit refs/heads/main\nmark :{mark}\n")
        w(committer(ts))
        data(f"Add specs {n:04d}..{hi:04d}\n")
        if main_mark is not None:
            w(f"from :{main_mark}\n")
        for i in range(n, hi + 1):
            w(f"M 100644 inline specs/{i:04d}-spec-number-{i}.md\n")
            data(spec_doc(i, f"Spec number {i}", STATUSES[i % len(STATUSES)]))
        main_mark = mark
        ts += 3600
        n = hi + 1
    if main_mark is None:
        sys.exit("SPECS must be >= 1")

    def side(ref, spec_id, slug, title):
        nonlocal mark, ts
        mark += 1
        ts += 60
        w(f"commit {ref}\nmark :{mark}\n")
        w(committer(ts))
        data(f"Add SPEC-{spec_id:04d}: {title}\n")
        w(f"from :{main_mark}\n")
        w(f"M 100644 inline specs/{spec_id:04d}-{slug}.md\n")
        data(spec_doc(spec_id, title, "draft"))

    next_id = specs + 1
    for k in range(1, branches + 1):
        slug = f"branch-spec-{k}"
        side(f"refs/heads/spec/{next_id:04d}-{slug}", next_id, slug, f"Branch spec {k}")
        next_id += 1
    for k in range(1, remotes + 1):
        side(f"refs/remotes/origin/feature-{k}", next_id, f"feature-{k}", f"Feature {k}")
        next_id += 1

    w(f"reset refs/remotes/origin/main\nfrom :{main_mark}\n\n")
    w("done\n")


if __name__ == "__main__":
    main()

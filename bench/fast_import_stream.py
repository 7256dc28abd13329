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

Every spec is what `git spec new` + `git spec status` would leave, so
`git spec check` passes on the fixture:
- front matter with all the standard keys (spec-id, title, status, priority
  low|medium|high|critical, owner, created, updated, tags as a YAML list);
- a status of the default workflow, reached by a path the workflow allows
  (draft -> review -> approved -> in-progress -> implemented, draft ->
  approved, review -> rejected, ... -> withdrawn, implemented -> superseded),
  each step recorded in the changelog exactly as `git spec status` writes it:
  `- YYYY-MM-DD: Status changed from <old> to <new> by <name>`;
- `created` is the "Initial draft created" date, `updated` the date of the
  last status change (or of a later edit), so updated >= created;
- a body of realistic size (about 1.5-4 KB: overview, problem, solution,
  requirements, success criteria, changelog) from the standard template's
  sections.

Every file differs (id, title, owner, priority, tags, dates, body), so every
blob and every branch tree is distinct. Everything is derived from the spec
number, so the fixture is reproducible.
"""
import datetime
import sys

OWNERS = ["Alice Martin", "Bob Chen", "Carla Diaz", "Deepak Rao", "Eve Novak",
          "Farid Haddad", "Grace Kim"]
PRIORITIES = ["low", "medium", "high", "critical"]
TAGS = ["api", "auth", "billing", "cli", "docs", "infra", "perf", "search",
        "storage", "ui", "mobile", "security"]
AREAS = ["the billing service", "the search index", "the public API",
         "the command-line client", "the storage layer", "the web dashboard",
         "the authentication flow", "the mobile app", "the metrics pipeline"]

# Paths through the default workflow (src/workflow.rs), from draft. The
# last status of a path is the spec's status. Weighted towards a backlog
# that is mostly draft/review/approved/implemented, as in a real project.
PATHS = [
    [],                                                         # draft
    [],                                                         # draft
    ["review", "draft"],                                        # draft, sent back
    ["review"],                                                 # review
    ["review"],                                                 # review
    ["approved"],                                               # approved
    ["review", "approved"],                                     # approved
    ["review", "approved", "in-progress"],                      # in-progress
    ["approved", "in-progress"],                                # in-progress
    ["review", "approved", "in-progress", "implemented"],       # implemented
    ["approved", "in-progress", "implemented"],                 # implemented
    ["review", "approved", "in-progress", "implemented"],       # implemented
    ["review", "rejected"],                                     # rejected
    ["withdrawn"],                                              # withdrawn
    ["review", "approved", "in-progress", "implemented", "superseded"],
    ["review", "approved"],                                     # approved
]
# Specs on side branches are new: draft, or sent to review on their branch.
BRANCH_PATHS = [[], [], ["review"]]

FIRST_DAY = datetime.date(2024, 1, 1)
BASE_TS = 1767225600  # 2026-01-01T00:00:00Z: commit times (all dates before)

out = sys.stdout.buffer


def w(s):
    out.write(s.encode() if isinstance(s, str) else s)


def data(payload):
    b = payload.encode()
    w(b"data %d\n" % len(b))
    w(b)
    w(b"\n")


def pick(seq, n, salt=0):
    return seq[(n * 2654435761 + salt * 40503) % 4294967296 % len(seq)]


def spec_doc(n, title, path):
    owner = OWNERS[n % len(OWNERS)]
    prio = PRIORITIES[(n // 3) % len(PRIORITIES)]
    ntags = 1 + n % 3
    tags = sorted({pick(TAGS, n, k) for k in range(ntags)})
    area = pick(AREAS, n, 1)

    # created: spread over ~20 months (2024-01-01..2025-08-22); each status change 1-20 days later.
    created = FIRST_DAY + datetime.timedelta(days=(n * 37) % 600)
    day = created
    changes = []
    status = "draft"
    for k, new in enumerate(path):
        day = day + datetime.timedelta(days=1 + (n + 7 * k) % 20)
        # Reviews and approvals are usually signed by someone else.
        by = owner if new in ("in-progress", "implemented") else pick(OWNERS, n, k + 2)
        changes.append(f"- {day.isoformat()}: Status changed from {status} to {new} by {by}\n")
        status = new
    updated = day
    if n % 4 == 0:  # an edit after the last status change
        updated = day + datetime.timedelta(days=1 + n % 9)

    reqs = "".join(
        f"{k}. **Requirement {k}**: {area} must handle case {n}.{k} "
        f"without a regression in latency or correctness.\n"
        f"   - Acceptance: covered by an automated test in CI.\n"
        f"   - Edge cases: empty input, very large input, concurrent updates.\n\n"
        for k in range(1, 2 + n % 6)
    )
    paragraphs = 1 + n % 3
    problem = "".join(
        f"Users of {area} report that step {k} of the workflow is slow or "
        f"confusing (ticket #{n * 10 + k}). The current behaviour was designed "
        f"for a much smaller team and does not scale to today's usage; support "
        f"spends several hours a week on it.\n\n"
        for k in range(1, paragraphs + 1)
    )
    return (
        "---\n"
        f"spec-id: SPEC-{n:04d}\n"
        f"title: {title}\n"
        f"status: {status}\n"
        f"priority: {prio}\n"
        f"owner: {owner}\n"
        f"created: {created.isoformat()}\n"
        f"updated: {updated.isoformat()}\n"
        f"tags: [{', '.join(tags)}]\n"
        "---\n\n"
        f"# {title}\n\n"
        "## Overview\n\n"
        f"Benchmark fixture spec number {n}, owned by {owner}: a change to "
        f"{area}.\n\n"
        "## Problem Statement\n\n"
        f"{problem}"
        "## Proposed Solution\n\n"
        f"Rework {area} so that the common path needs one request instead of "
        f"{2 + n % 5}, keep the old behaviour behind a flag for one release, "
        f"and measure the effect on the dashboards before removing it.\n\n"
        "## Requirements\n\n"
        "### Functional Requirements\n\n"
        f"{reqs}"
        "### Non-Functional Requirements\n\n"
        f"1. **Performance**: p95 latency under {50 + n % 200} ms.\n"
        "2. **Security**: no new data leaves the service boundary.\n\n"
        "## Success Criteria\n\n"
        "- [ ] All functional requirements are met and tested\n"
        "- [ ] Documentation is complete and reviewed\n\n"
        "## Changelog\n\n"
        "Track major changes to this spec:\n\n"
        f"- {created.isoformat()}: Initial draft created\n"
        + "".join(changes)
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
            data(spec_doc(i, f"Spec number {i}", PATHS[i % len(PATHS)]))
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
        data(spec_doc(spec_id, title, BRANCH_PATHS[spec_id % len(BRANCH_PATHS)]))

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

//! `git spec check`: integration tests through the real binary, on
//! temporary repositories made with the real `git` CLI (see `common`).
//!
//! Every rule has a failing and a passing case, and the output is compared
//! line by line: `path:line: rule: message` on stdout, a summary on stderr.

use std::process::Output;

use crate::common::*;

// ---------------------------------------------------------------------------
// Helpers local to these tests.
// ---------------------------------------------------------------------------

/// A valid spec: `spec-id` on line 2, `title` 3, `status` 4, `priority` 5,
/// `owner` 6, `created` 7, `updated` 8, `tags` 9; the changelog is last.
fn spec(number: u32, title: &str) -> String {
    format!(
        "---
spec-id: SPEC-{number:04}
title: {title}
status: draft
priority: medium
owner: Jane Doe <jane@example.com>
created: 2026-01-02
updated: 2026-01-03
tags: [auth]
---

# {title}

## Overview

Text.

## Changelog

- 2026-01-02: Initial draft created
"
    )
}

/// `spec(..)` with `from` replaced by `to` (asserting it was there).
fn edit(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "{from:?} not in:\n{text}");
    text.replacen(from, to, 1)
}

/// A repository with one commit (README.md) and these files, uncommitted.
fn repo_with(files: &[(&str, &str)]) -> TestRepo {
    let repo = TestRepo::with_commit();
    for (path, content) in files {
        repo.write(path, content);
    }
    repo
}

struct Checked {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    /// The whole run, as [`run_text`] shows it.
    run: String,
}

fn check(repo: &TestRepo, args: &[&str]) -> Checked {
    let mut all = vec!["check"];
    all.extend_from_slice(args);
    checked(repo.spec(&all))
}

fn checked(out: Output) -> Checked {
    let stderr = stderr(&out);
    assert!(!stderr.contains("panicked"), "panic:\n{stderr}");
    Checked {
        code: out.status.code(),
        stdout: stdout(&out),
        stderr,
        run: run_text(&out),
    }
}

/// Asserts a clean check: exit 0, nothing on stdout.
#[track_caller]
fn assert_clean(repo: &TestRepo, args: &[&str]) -> Checked {
    let out = check(repo, args);
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (Some(0), ""),
        "expected a clean check\n--- stderr ---\n{}",
        out.stderr
    );
    out
}

/// Asserts exit 1 and exactly these stdout lines (in order).
#[track_caller]
fn assert_findings(repo: &TestRepo, args: &[&str], expected: &[&str]) -> Checked {
    let out = check(repo, args);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(
        lines, expected,
        "unexpected findings\n--- stderr ---\n{}",
        out.stderr
    );
    assert_eq!(out.code, Some(1), "exit code\n{}", out.stderr);
    out
}

/// The findings of one rule only.
fn lines_of(out: &Checked, rule: &str) -> Vec<String> {
    let marker = format!(": {rule}: ");
    out.stdout
        .lines()
        .filter(|line| line.contains(&marker))
        .map(str::to_string)
        .collect()
}

const STATUSES: &str =
    "draft, review, approved, in-progress, implemented, rejected, withdrawn, superseded";

// ---------------------------------------------------------------------------
// Clean repositories and the output format.
// ---------------------------------------------------------------------------

#[test]
fn valid_specs_pass_silently() {
    let repo = repo_with(&[
        ("specs/0001-add-login.md", &spec(1, "Add login")),
        ("specs/0002-add-logout.md", &spec(2, "Add logout")),
        // Not specs: the index and a note without front matter.
        ("specs/README.md", "# Specs\n"),
        ("specs/notes.md", "Some notes.\n"),
    ]);
    let out = assert_clean(&repo, &[]);
    assert_eq!(out.stderr.trim(), "2 specs OK");
    let out = check(&repo, &["--format", "json"]);
    assert_eq!((out.code, out.stdout.as_str()), (Some(0), "[]\n"));
}

#[test]
fn no_spec_folder_is_clean() {
    let repo = TestRepo::with_commit();
    let out = check(&repo, &["--format", "json"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(out.stdout.trim(), "[]");
    assert_eq!(out.stderr.trim(), "0 specs OK");
}

#[test]
fn help_documents_every_rule() {
    let out = checked(TestRepo::new().spec(&["check", "--help"]));
    assert_eq!(out.code, Some(0));
    for rule in [
        "front-matter",
        "duplicate-id",
        "id-collision",
        "missing-key",
        "unknown-key",
        "unknown-status",
        "unknown-priority",
        "bad-date",
        "id-mismatch",
        "unrecorded-status",
        "--working-tree-only",
        "--against",
    ] {
        assert_contains(&out.stdout, rule);
    }
}

#[test]
fn findings_are_sorted_by_path_then_line_with_a_summary() {
    let repo = repo_with(&[
        (
            "specs/0002-b.md",
            &edit(
                &edit(&spec(2, "B"), "priority: medium", "priority: urgent"),
                "tags: [auth]",
                "tags: [auth]\nx-team: core",
            ),
        ),
        (
            "specs/0001-a.md",
            &edit(&spec(1, "A"), "updated: 2026-01-03", "updated: soon"),
        ),
    ]);
    let out = assert_findings(
        &repo,
        &[],
        &[
            "specs/0001-a.md:8: bad-date: updated \"soon\" is not a date written YYYY-MM-DD",
            "specs/0002-b.md:5: unknown-priority: priority \"urgent\" is not allowed; use one of: low, medium, high, critical",
            "specs/0002-b.md:10: unknown-key: unknown key `x-team`; the keys are spec-id, title, status, priority, owner, created, updated, tags, depends-on, supersedes, previous-ids; allow others with `[check] extra-keys` in .specrc",
        ],
    );
    assert_eq!(out.stderr.trim(), "3 problems in 2 specs");
}

#[test]
fn paths_are_relative_to_the_current_directory_in_text_and_to_the_root_in_json() {
    let repo = repo_with(&[(
        "specs/0001-a.md",
        &edit(&spec(1, "A"), "status: draft", "status: done"),
    )]);
    let expected = format!(
        "0001-a.md:4: unknown-status: status \"done\" is not in the workflow; use one of: {STATUSES}\n"
    );
    let out = checked(repo.spec_in("specs", &["check"]));
    assert_eq!(out.code, Some(1));
    assert_eq!(lines_of(&out, "unknown-status").join("\n") + "\n", expected);
    let out = checked(repo.spec_in("specs", &["check", "--format", "json"]));
    assert_eq!(out.code, Some(1));
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(json[0]["path"], "specs/0001-a.md");
}

#[test]
fn json_output() {
    let repo = repo_with(&[
        ("specs/0001-a.md", &spec(1, "A")),
        ("specs/0002-b.md", "no front matter\n"),
    ]);
    let out = check(&repo, &["--format", "json"]);
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    let json: serde_json::Value = serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", out.stdout));
    assert_eq!(
        json,
        serde_json::json!([{
            "path": "specs/0002-b.md",
            "line": 1,
            "rule": "front-matter",
            "message": "no front matter: the first line must be `---`",
        }])
    );
    assert_eq!(out.stderr.trim(), "1 problem in 1 spec");
}

// ---------------------------------------------------------------------------
// front-matter
// ---------------------------------------------------------------------------

#[test]
fn broken_front_matter_is_reported_and_the_others_are_still_checked() {
    let repo = repo_with(&[
        ("specs/0001-good.md", &spec(1, "Good")),
        ("specs/0002-none.md", "# Just a heading\n"),
        (
            "specs/0003-open.md",
            "---\nspec-id: SPEC-0003\ntitle: Open\n\n# Open\n",
        ),
        (
            "specs/0004-yaml.md",
            "---\nspec-id: SPEC-0004\ntitle: [unclosed\n---\n",
        ),
        (
            "specs/0005-other.md",
            &edit(
                &spec(5, "Other"),
                "created: 2026-01-02",
                "created: 2026-02-30",
            ),
        ),
    ]);
    let out = check(&repo, &[]);
    assert_eq!(out.code, Some(1));
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{}", out.stdout);
    assert_eq!(
        lines[0],
        "specs/0002-none.md:1: front-matter: no front matter: the first line must be `---`"
    );
    assert_eq!(
        lines[1],
        "specs/0003-open.md:1: front-matter: unterminated front matter: no closing `---` line"
    );
    assert!(
        lines[2].starts_with("specs/0004-yaml.md:4: front-matter: invalid YAML in front matter: "),
        "{}",
        lines[2]
    );
    assert_eq!(
        lines[3],
        "specs/0005-other.md:7: bad-date: created \"2026-02-30\" is not a date written YYYY-MM-DD"
    );
    assert_eq!(out.stderr.trim(), "4 problems in 4 specs");
}

// ---------------------------------------------------------------------------
// duplicate-id
// ---------------------------------------------------------------------------

#[test]
fn duplicate_ids_name_each_other() {
    let repo = repo_with(&[
        ("specs/0001-a.md", &spec(1, "A")),
        ("specs/0001-b.md", &spec(1, "B")),
        // The id in a broken file comes from its name.
        ("specs/0002-c.md", &spec(2, "C")),
        ("specs/0002-d.md", "oops\n"),
    ]);
    assert_findings(
        &repo,
        &["--working-tree-only"],
        &[
            "specs/0001-a.md:2: duplicate-id: SPEC-0001 is also the id of specs/0001-b.md; give each spec its own id: `git spec renumber specs/0001-a.md` gives this one the next free id",
            "specs/0001-b.md:2: duplicate-id: SPEC-0001 is also the id of specs/0001-a.md; give each spec its own id: `git spec renumber specs/0001-b.md` gives this one the next free id",
            "specs/0002-c.md:2: duplicate-id: SPEC-0002 is also the id of specs/0002-d.md; give each spec its own id: `git spec renumber specs/0002-c.md` gives this one the next free id",
            "specs/0002-d.md:1: duplicate-id: SPEC-0002 is also the id of specs/0002-c.md; give each spec its own id: `git spec renumber specs/0002-d.md` gives this one the next free id",
            "specs/0002-d.md:1: front-matter: no front matter: the first line must be `---`",
        ],
    );
}

#[test]
fn distinct_ids_are_not_duplicates() {
    let repo = repo_with(&[
        ("specs/0001-a.md", &spec(1, "A")),
        ("specs/0010-b.md", &spec(10, "B")),
        ("specs/0100-c.md", &spec(100, "C")),
    ]);
    assert_clean(&repo, &["--working-tree-only"]);
}

// ---------------------------------------------------------------------------
// missing-key and unknown-key
// ---------------------------------------------------------------------------

#[test]
fn missing_required_keys() {
    let text = edit(
        &edit(&spec(1, "A"), "owner: Jane Doe <jane@example.com>\n", ""),
        "title: A",
        "title:",
    );
    let text = edit(&text, "priority: medium", "priority: ''");
    let repo = repo_with(&[("specs/0001-a.md", &text)]);
    assert_findings(
        &repo,
        &[],
        &[
            "specs/0001-a.md:1: missing-key: required key `owner` is missing",
            "specs/0001-a.md:3: missing-key: required key `title` has no value",
            "specs/0001-a.md:5: missing-key: required key `priority` has no value",
            "specs/0001-a.md:5: unknown-priority: priority \"\" is not allowed; use one of: low, medium, high, critical",
        ],
    );
}

#[test]
fn required_keys_come_from_the_config() {
    let text = edit(&spec(1, "A"), "owner: Jane Doe <jane@example.com>\n", "");
    let repo = repo_with(&[
        ("specs/0001-a.md", &text),
        (".specrc", "[check]\nrequired = [\"title\", \"status\"]\n"),
    ]);
    assert_clean(&repo, &[]);
    repo.write(
        ".specrc",
        "[check]\nrequired = [\"title\", \"status\", \"reviewer\"]\n",
    );
    // A required key is allowed: `reviewer: Al` would be no unknown key.
    assert_findings(
        &repo,
        &[],
        &["specs/0001-a.md:1: missing-key: required key `reviewer` is missing"],
    );
    repo.write(
        "specs/0001-a.md",
        &edit(&text, "tags:", "reviewer: Al\ntags:"),
    );
    assert_clean(&repo, &[]);
}

#[test]
fn unknown_keys_unless_allowed_in_config() {
    let text = edit(
        &spec(1, "A"),
        "tags: [auth]",
        "tags: [auth]\nepic: login\nteam: core",
    );
    let repo = repo_with(&[("specs/0001-a.md", &text)]);
    let out = assert_findings(
        &repo,
        &[],
        &[
            "specs/0001-a.md:10: unknown-key: unknown key `epic`; the keys are spec-id, title, status, priority, owner, created, updated, tags, depends-on, supersedes, previous-ids; allow others with `[check] extra-keys` in .specrc",
            "specs/0001-a.md:11: unknown-key: unknown key `team`; the keys are spec-id, title, status, priority, owner, created, updated, tags, depends-on, supersedes, previous-ids; allow others with `[check] extra-keys` in .specrc",
        ],
    );
    assert_eq!(out.stderr.trim(), "2 problems in 1 spec");
    repo.write(".specrc", "[check]\nextra-keys = [\"epic\", \"team\"]\n");
    assert_clean(&repo, &[]);
}

// ---------------------------------------------------------------------------
// unknown-status and unknown-priority
// ---------------------------------------------------------------------------

#[test]
fn unknown_status_and_priority() {
    let text = edit(
        &edit(&spec(1, "A"), "status: draft", "status: done"),
        "priority: medium",
        "priority: P1",
    );
    let repo = repo_with(&[("specs/0001-a.md", &text)]);
    let out = check(&repo, &[]);
    assert_eq!(out.code, Some(1));
    assert_eq!(
        lines_of(&out, "unknown-status"),
        vec![format!(
            "specs/0001-a.md:4: unknown-status: status \"done\" is not in the workflow; use one of: {STATUSES}"
        )]
    );
    assert_eq!(
        lines_of(&out, "unknown-priority"),
        vec!["specs/0001-a.md:5: unknown-priority: priority \"P1\" is not allowed; use one of: low, medium, high, critical"]
    );

    // The same values are fine where the config has them.
    repo.write(
        ".specrc",
        "[priority]\nallowed = [\"P0\", \"P1\"]\ndefault = \"P1\"\n\n[workflow]\ninitial = \"todo\"\nstatuses = [\"todo\", \"done\"]\n[workflow.transitions]\ntodo = [\"done\"]\n",
    );
    let text = format!("{text}{}\n", status_entry_on("2026-01-03", "todo", "done"));
    repo.write("specs/0001-a.md", &text);
    assert_clean(&repo, &[]);
}

// ---------------------------------------------------------------------------
// bad-date
// ---------------------------------------------------------------------------

#[test]
fn bad_dates() {
    let repo = repo_with(&[
        (
            "specs/0001-a.md",
            &edit(
                &edit(&spec(1, "A"), "created: 2026-01-02", "created: 2026-1-2"),
                "updated: 2026-01-03",
                "updated: '2026-13-01'",
            ),
        ),
        (
            "specs/0002-b.md",
            &edit(&spec(2, "B"), "updated: 2026-01-03", "updated: 2025-12-31"),
        ),
    ]);
    assert_findings(
        &repo,
        &[],
        &[
            "specs/0001-a.md:7: bad-date: created \"2026-1-2\" is not a date written YYYY-MM-DD",
            "specs/0001-a.md:8: bad-date: updated \"2026-13-01\" is not a date written YYYY-MM-DD",
            "specs/0002-b.md:8: bad-date: updated 2025-12-31 is before created 2026-01-02",
        ],
    );
}

#[test]
fn good_dates() {
    let repo = repo_with(&[
        // Same day, quoted, leap day.
        (
            "specs/0001-a.md",
            &edit(
                &spec(1, "A"),
                "updated: 2026-01-03",
                "updated: \"2026-01-02\"",
            ),
        ),
        (
            "specs/0002-b.md",
            &edit(
                &edit(&spec(2, "B"), "created: 2026-01-02", "created: 2024-02-29"),
                "updated: 2026-01-03",
                "updated: 2024-03-01",
            ),
        ),
    ]);
    assert_clean(&repo, &[]);
}

// ---------------------------------------------------------------------------
// id-mismatch
// ---------------------------------------------------------------------------

#[test]
fn spec_id_must_match_the_file_name_and_the_configured_form() {
    let repo = repo_with(&[
        ("specs/0001-a.md", &spec(2, "A")),
        (
            "specs/0003-c.md",
            &edit(&spec(3, "C"), "SPEC-0003", "SPEC-3"),
        ),
        (
            "specs/0004-d.md",
            &edit(&spec(4, "D"), "SPEC-0004", "RFC-0004"),
        ),
    ]);
    assert_findings(
        &repo,
        &["--working-tree-only"],
        &[
            "specs/0001-a.md:2: id-mismatch: spec-id SPEC-0002 does not match the file name 0001-a.md (SPEC-0001)",
            "specs/0003-c.md:2: id-mismatch: spec-id \"SPEC-3\" should be written SPEC-0003",
            "specs/0004-d.md:2: id-mismatch: spec-id \"RFC-0004\" is not an id of the form SPEC-0004",
        ],
    );
}

#[test]
fn spec_id_in_a_configured_form() {
    let repo = repo_with(&[
        (
            "specs/rfc-007.md",
            &edit(&spec(7, "G"), "spec-id: SPEC-0007", "spec-id: RFC-007"),
        ),
        (
            ".specrc",
            "[id]\nprefix = \"RFC-\"\nwidth = 3\n[naming]\nfile = \"rfc-{id}.md\"\n",
        ),
    ]);
    assert_clean(&repo, &[]);
}

// ---------------------------------------------------------------------------
// unrecorded-status and --fix
// ---------------------------------------------------------------------------

#[test]
fn unrecorded_status() {
    let with_entry = format!(
        "{}{}\n",
        edit(&spec(2, "B"), "status: draft", "status: approved"),
        status_entry_on("2026-01-03", "draft", "review")
    );
    let repo = repo_with(&[
        (
            "specs/0001-a.md",
            &edit(&spec(1, "A"), "status: draft", "status: review"),
        ),
        ("specs/0002-b.md", &with_entry),
        (
            "specs/0003-c.md",
            &edit(&spec(3, "C"), "status: draft", "status: implemented"),
        ),
    ]);
    assert_findings(
        &repo,
        &[],
        &[
            "specs/0001-a.md:4: unrecorded-status: status is review but the changelog records no status change (a spec starts as draft); `git spec check --fix` appends the entry for draft -> review",
            "specs/0002-b.md:4: unrecorded-status: status is approved but the last status entry of the changelog moved it to review; `git spec check --fix` appends the entry for review -> approved",
            "specs/0003-c.md:4: unrecorded-status: status is implemented but the changelog records no status change (a spec starts as draft); --fix cannot record it: draft -> implemented is not allowed; from draft a spec may move to: review, approved, withdrawn; record it as forced with `git spec status SPEC-0003 implemented --force`, or set the status back to draft",
        ],
    );
}

#[test]
fn recorded_statuses_pass() {
    let repo = repo_with(&[
        // The initial status needs no entry.
        ("specs/0001-a.md", &spec(1, "A")),
        // The last status entry counts, even after other entries.
        (
            "specs/0002-b.md",
            &format!(
                "{}{}\n{}\n- 2026-01-05: Added a diagram\n",
                edit(&spec(2, "B"), "status: draft", "status: approved"),
                status_entry_on("2026-01-03", "draft", "review"),
                status_entry_on("2026-01-04", "review", "approved"),
            ),
        ),
        // Back to the initial status, recorded.
        (
            "specs/0003-c.md",
            &format!(
                "{}{}\n{}\n",
                spec(3, "C"),
                status_entry_on("2026-01-03", "draft", "review"),
                status_entry_on("2026-01-04", "review", "draft"),
            ),
        ),
    ]);
    assert_clean(&repo, &[]);
}

#[test]
fn fix_appends_the_missing_entries_and_a_second_check_is_clean() {
    let a = edit(&spec(1, "A"), "status: draft", "status: review");
    let b = format!(
        "{}{}\n",
        edit(&spec(2, "B"), "status: draft", "status: approved"),
        status_entry_on("2026-01-03", "draft", "review")
    );
    let repo = repo_with(&[("specs/0001-a.md", &a), ("specs/0002-b.md", &b)]);
    let out = check(&repo, &["--fix"]);
    assert_eq!(
        out.run,
        format!(
            "[exit 0]\n\
             --- stdout\n\
             --- stderr\n\
             fixed specs/0001-a.md:4: unrecorded-status: appended \"- {SPEC_DATE}: Status changed from draft to review by {USER_NAME}\"\n\
             fixed specs/0002-b.md:4: unrecorded-status: appended \"- {SPEC_DATE}: Status changed from review to approved by {USER_NAME}\"\n\
             2 specs OK\n"
        )
    );
    // One line appended to each and `updated:` set to today, nothing
    // else touched.
    assert_eq!(
        repo.read("specs/0001-a.md"),
        format!(
            "{}- 2026-01-15: Status changed from draft to review by Jane Doe\n",
            dated(&a)
        )
    );
    assert_eq!(
        repo.read("specs/0002-b.md"),
        format!(
            "{}- 2026-01-15: Status changed from review to approved by Jane Doe\n",
            dated(&b)
        )
    );
    assert_clean(&repo, &[]);
    // Nothing left to fix: --fix changes nothing.
    let before = repo.snapshot();
    assert_clean(&repo, &["--fix"]);
    repo.assert_unchanged(&before);
}

/// `text` with `updated:` set to today, as recording an entry sets it.
fn dated(text: &str) -> String {
    let start = text.find("updated: ").expect("an updated line") + "updated: ".len();
    let end = start + text[start..].find('\n').unwrap();
    format!("{}{SPEC_DATE}{}", &text[..start], &text[end..])
}

#[test]
fn fix_leaves_other_findings_alone() {
    let fixable = edit(
        &edit(&spec(1, "A"), "status: draft", "status: review"),
        "tags: [auth]",
        "tags: [auth]\nepic: x",
    );
    let refused = edit(&spec(2, "B"), "status: draft", "status: implemented");
    let unknown = edit(&spec(3, "C"), "status: draft", "status: done");
    let repo = repo_with(&[
        ("specs/0001-a.md", &fixable),
        ("specs/0002-b.md", &refused),
        ("specs/0003-c.md", &unknown),
    ]);
    let out = check(&repo, &["--fix"]);
    assert_eq!(out.code, Some(1));
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{}", out.stdout);
    assert!(lines[0].starts_with("specs/0001-a.md:10: unknown-key: "));
    assert!(lines[1].starts_with("specs/0002-b.md:4: unrecorded-status: status is implemented"));
    assert!(lines[2].starts_with("specs/0003-c.md:4: unknown-status: "));
    assert!(lines[3].starts_with("specs/0003-c.md:4: unrecorded-status: status is done"));
    assert_contains(
        lines[3],
        "--fix cannot record it: \"done\" is not a status of the workflow",
    );
    assert_eq!(
        out.stderr,
        "fixed specs/0001-a.md:4: unrecorded-status: appended \"- 2026-01-15: Status changed from draft to review by Jane Doe\"\n\
         4 problems in 3 specs\n"
    );
    assert_eq!(
        repo.read("specs/0001-a.md"),
        format!(
            "{}- 2026-01-15: Status changed from draft to review by Jane Doe\n",
            dated(&fixable)
        )
    );
    assert_eq!(repo.read("specs/0002-b.md"), refused);
    assert_eq!(repo.read("specs/0003-c.md"), unknown);
}

#[test]
fn fix_records_any_transition_when_the_workflow_is_not_enforced() {
    let text = edit(&spec(1, "A"), "status: draft", "status: implemented");
    let repo = repo_with(&[
        ("specs/0001-a.md", &text),
        (".specrc", "[workflow]\nenforce = false\n"),
    ]);
    let out = check(&repo, &["--fix"]);
    assert_eq!(out.code, Some(0), "{}{}", out.stdout, out.stderr);
    assert_eq!(
        repo.read("specs/0001-a.md"),
        format!(
            "{}- 2026-01-15: Status changed from draft to implemented by Jane Doe\n",
            dated(&text)
        )
    );
}

#[test]
fn without_fix_nothing_is_written() {
    let repo = repo_with(&[(
        "specs/0001-a.md",
        &edit(&spec(1, "A"), "status: draft", "status: review"),
    )]);
    repo.commit_all("specs");
    let before = repo.snapshot();
    let out = check(&repo, &[]);
    assert_eq!(out.code, Some(1));
    repo.assert_unchanged(&before);
}

#[test]
fn fix_needs_an_identity_only_when_there_is_something_to_fix() {
    let repo = TestRepo::without_identity();
    repo.write("specs/0001-a.md", &spec(1, "A"));
    assert_clean(&repo, &["--fix"]);
    repo.write(
        "specs/0001-a.md",
        &edit(&spec(1, "A"), "status: draft", "status: review"),
    );
    let out = check(&repo, &["--fix"]);
    assert_eq!(out.code, Some(1));
    assert_contains(&out.stderr, "user.name");
}

// ---------------------------------------------------------------------------
// id-collision
// ---------------------------------------------------------------------------

/// main has one commit; branch `a` (checked out) adds specs/0001-login.md
/// and branch `b` adds specs/0001-search.md: both took SPEC-0001.
fn two_branches_with_the_same_id() -> TestRepo {
    let repo = TestRepo::with_commit();
    repo.commit_files_on_branch("b", &[("specs/0001-search.md", &spec(1, "Search"))]);
    repo.git(&["checkout", "-q", "-b", "a"]);
    repo.write("specs/0001-login.md", &spec(1, "Login"));
    repo.commit_all("Add login spec");
    repo
}

const COLLISION: &str = "specs/0001-login.md:2: id-collision: SPEC-0001 is used for a different spec on branch b: specs/0001-search.md; give one of them a new id (`git spec renumber specs/0001-login.md` renumbers this one)";

#[test]
fn the_same_id_added_on_two_branches_is_a_collision() {
    let repo = two_branches_with_the_same_id();
    let out = assert_findings(&repo, &["--against", "b"], &[COLLISION]);
    assert_eq!(out.stderr.trim(), "1 problem in 1 spec");
    // Against every branch by default (main has no spec: nothing to say).
    assert_findings(&repo, &[], &[COLLISION]);
    // Twice: the second run reads the memo in .git/git-spec.
    assert!(repo.git_dir().join("git-spec/check-cache").exists());
    assert_findings(&repo, &[], &[COLLISION]);
    // The working tree only: no branch is read.
    assert_clean(&repo, &["--working-tree-only"]);
    assert_clean(&repo, &["--against", "main"]);
}

#[test]
fn collision_seen_from_the_other_side_and_through_remote_tracking_branches() {
    let repo = two_branches_with_the_same_id();
    let a = repo.rev_parse("a").unwrap();
    let b = repo.rev_parse("b").unwrap();
    repo.git(&["checkout", "-q", "b"]);
    assert_findings(
        &repo,
        &[],
        &["specs/0001-search.md:2: id-collision: SPEC-0001 is used for a different spec on branch a: specs/0001-login.md; give one of them a new id (`git spec renumber specs/0001-search.md` renumbers this one)"],
    );
    // Branch a exists locally and as origin/a; origin/HEAD is skipped.
    repo.git(&["update-ref", "refs/remotes/origin/a", &a]);
    repo.git(&["update-ref", "refs/remotes/origin/b", &b]);
    repo.git(&[
        "symbolic-ref",
        "refs/remotes/origin/HEAD",
        "refs/remotes/origin/a",
    ]);
    let out = assert_findings(
        &repo,
        &[],
        &["specs/0001-search.md:2: id-collision: SPEC-0001 is used for a different spec on branches a and origin/a: specs/0001-login.md; give one of them a new id (`git spec renumber specs/0001-search.md` renumbers this one)"],
    );
    // The remote-tracking branch of the same spec (origin/b) is no collision.
    assert!(!out.stdout.contains("origin/b"));
    let json = checked(repo.spec(&["check", "--against", "origin/a", "--format", "json"]));
    assert_eq!(json.code, Some(1));
    let json: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(json[0]["rule"], "id-collision");
    assert_eq!(json[0]["path"], "specs/0001-search.md");
    assert_eq!(json[0]["line"], 2);
}

#[test]
fn the_same_spec_under_the_same_path_is_no_collision() {
    let repo = two_branches_with_the_same_id();
    // Another branch with the very same spec file, changed.
    repo.commit_files_on_branch(
        "a-copy",
        &[(
            "specs/0001-login.md",
            &edit(&spec(1, "Login"), "title: Login", "title: Log in"),
        )],
    );
    let a_copy = repo.rev_parse("a-copy").unwrap();
    repo.git(&["update-ref", "refs/remotes/origin/a", &a_copy]);
    assert_clean(&repo, &["--against", "a-copy"]);
    assert_clean(&repo, &["--against", "origin/a", "--against", "main"]);
    assert_clean(&repo, &["--against", "HEAD"]);
}

#[test]
fn a_renamed_spec_is_no_collision() {
    let repo = TestRepo::with_commit();
    repo.write("specs/0001-login.md", &spec(1, "Login"));
    repo.commit_all("Add login spec");
    // A branch made before the rename still has the old name.
    repo.git(&["branch", "old"]);
    repo.commit_files_on_branch("old", &[("specs/0002-x.md", &spec(2, "X"))]);
    // Renamed in the working tree (uncommitted), then committed.
    repo.git(&["mv", "specs/0001-login.md", "specs/0001-sign-in.md"]);
    assert_clean(&repo, &[]);
    repo.commit_all("Rename");
    assert_clean(&repo, &[]);
    assert_clean(&repo, &["--against", "old"]);
    // Renamed on the branch: seen from the branch, main's name is old.
    repo.git(&["checkout", "-q", "old"]);
    assert_clean(&repo, &["--against", "main"]);
}

#[test]
fn a_new_collision_is_found_after_the_memo_was_written() {
    let repo = two_branches_with_the_same_id();
    assert_clean(&repo, &["--against", "main"]);
    assert_findings(&repo, &[], &[COLLISION]);
    // A third branch takes SPEC-0001 too, and b moves on.
    repo.commit_files_on_branch("c", &[("specs/0001-profile.md", &spec(1, "Profile"))]);
    repo.commit_files_on_branch("b", &[("specs/0002-more.md", &spec(2, "More"))]);
    assert_findings(
        &repo,
        &[],
        &[
            COLLISION,
            "specs/0001-login.md:2: id-collision: SPEC-0001 is used for a different spec on branch c: specs/0001-profile.md; give one of them a new id (`git spec renumber specs/0001-login.md` renumbers this one)",
        ],
    );
    // A corrupt memo is ignored.
    std::fs::write(
        repo.git_dir().join("git-spec/check-cache"),
        "garbage\nc zz\n",
    )
    .unwrap();
    assert_eq!(check(&repo, &[]).stdout.lines().count(), 2);
}

#[test]
fn collisions_with_uncommitted_specs_and_an_unborn_head() {
    let repo = TestRepo::new();
    repo.commit_files_on_branch("other", &[("specs/0001-x.md", &spec(1, "X"))]);
    repo.write("specs/0001-y.md", &spec(1, "Y"));
    assert_findings(
        &repo,
        &[],
        &["specs/0001-y.md:2: id-collision: SPEC-0001 is used for a different spec on branch other: specs/0001-x.md; give one of them a new id (`git spec renumber specs/0001-y.md` renumbers this one)"],
    );
}

#[test]
fn unknown_against_ref_is_an_error() {
    let repo = two_branches_with_the_same_id();
    let out = check(&repo, &["--against", "no-such-branch"]);
    assert_eq!(out.code, Some(1));
    assert_eq!(out.stdout, "");
    assert_contains(&out.stderr, "error: --against no-such-branch:");
    let out = checked(repo.spec(&["check", "--against", "b", "--working-tree-only"]));
    assert_eq!(out.code, Some(2), "clap refuses the combination");
}

#[test]
fn a_branch_that_merged_ours_and_kept_its_own_spec_still_collides() {
    let repo = TestRepo::with_commit();
    // b forks from main and takes SPEC-0001.
    repo.commit_files_on_branch("b", &[("specs/0001-search.md", &spec(1, "Search"))]);
    // main takes SPEC-0001 for another spec.
    repo.write("specs/0001-login.md", &spec(1, "Login"));
    repo.commit_all("Add login spec");
    let expected = "specs/0001-login.md:2: id-collision: SPEC-0001 is used for a different spec on branch b: specs/0001-search.md; give one of them a new id (`git spec renumber specs/0001-login.md` renumbers this one)";
    assert_findings(&repo, &[], &[expected]);
    // b merges main: our name is now in the merge base, and still on b.
    repo.git(&["checkout", "-q", "b"]);
    repo.git(&["merge", "-q", "--no-edit", "main"]);
    repo.git(&["checkout", "-q", "main"]);
    assert_findings(&repo, &[], &[expected]);
}

/// The check memo keeps, for the tree the branches are compared against,
/// which of its names carry a working-tree number under another name. That
/// answer belongs to one working tree: after a checkout of another branch
/// (whose files differ) it is worked out again, and finds what it must.
#[test]
fn the_memoised_candidates_of_a_tree_follow_the_working_tree() {
    let repo = TestRepo::with_commit();
    repo.write("specs/0001-a.md", &spec(1, "A"));
    repo.commit_all("A");
    repo.commit_files_on_branch("b", &[("specs/0002-search.md", &spec(2, "Search"))]);
    repo.commit_files_on_branch("c", &[("specs/0002-other.md", &spec(2, "Other"))]);
    repo.git(&["checkout", "-q", "-b", "a"]);
    repo.write("specs/0002-login.md", &spec(2, "Login"));
    repo.commit_all("Login");
    // d is a and one more spec: compared with a's tree, it adds a name.
    repo.commit_files_on_branch("d", &[("specs/0004-d.md", &spec(4, "D"))]);
    let on_a = [
        "specs/0002-login.md:2: id-collision: SPEC-0002 is used for a different spec on branch b: specs/0002-search.md; give one of them a new id (`git spec renumber specs/0002-login.md` renumbers this one)",
        "specs/0002-login.md:2: id-collision: SPEC-0002 is used for a different spec on branch c: specs/0002-other.md; give one of them a new id (`git spec renumber specs/0002-login.md` renumbers this one)",
    ];
    // Twice: the second from the memo.
    assert_findings(&repo, &[], &on_a);
    assert_findings(&repo, &[], &on_a);
    // On c, the tree of a (which d was compared with) holds
    // 0002-login.md, a name that now collides, on a and on d.
    repo.git(&["checkout", "-q", "c"]);
    let on_c = [
        "specs/0002-other.md:2: id-collision: SPEC-0002 is used for a different spec on branch b: specs/0002-search.md; give one of them a new id (`git spec renumber specs/0002-other.md` renumbers this one)",
        "specs/0002-other.md:2: id-collision: SPEC-0002 is used for a different spec on branches a and d: specs/0002-login.md; give one of them a new id (`git spec renumber specs/0002-other.md` renumbers this one)",
    ];
    assert_findings(&repo, &[], &on_c);
    std::fs::remove_dir_all(repo.git_dir().join("git-spec")).unwrap();
    assert_findings(&repo, &[], &on_c);
}

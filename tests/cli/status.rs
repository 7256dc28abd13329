//! `git spec status`: integration tests through the real binary, on
//! temporary repositories made with the real `git` CLI (see `common`).
//!
//! Every edit is checked against the full expected bytes of the file: the
//! command may change the `status:` value, the `updated:` value and append
//! one changelog line, and nothing else.

use std::fs;

use crate::common::*;

// ---------------------------------------------------------------------------
// Helpers local to these tests.
// ---------------------------------------------------------------------------

/// A repository with one commit (README.md) and `content` at `rel`.
fn repo_with(rel: &str, content: &str) -> TestRepo {
    let repo = TestRepo::with_commit();
    repo.write(rel, content);
    repo
}

fn bytes(repo: &TestRepo, rel: &str) -> Vec<u8> {
    let path = repo.path.join(rel);
    fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Asserts the exact bytes of a file, showing both sides escaped otherwise.
#[track_caller]
fn assert_bytes(repo: &TestRepo, rel: &str, expected: &str) {
    let actual = bytes(repo, rel);
    assert!(
        actual == expected.as_bytes(),
        "{rel} is not as expected\n--- expected ---\n{expected:?}\n--- actual ---\n{:?}",
        String::from_utf8_lossy(&actual)
    );
}

/// Asserts that `text` contains `<path>:<line number>:`.
#[track_caller]
fn assert_names_file_and_line(text: &str, path: &str) {
    let located = text.match_indices(&format!("{path}:")).any(|(at, m)| {
        let rest = &text[at + m.len()..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        digits > 0 && rest[digits..].starts_with(':')
    });
    assert!(located, "expected `{path}:<line>:` in:\n{text}");
}

/// A small spec with the given front matter lines and body.
fn doc(front_matter: &str, body: &str) -> String {
    format!("---\n{front_matter}---\n{body}")
}

const SPEC: &str = "specs/0001-login.md";

/// A plain spec SPEC-0001 in `status`, updated 2025-12-01, with a changelog.
fn simple(status: &str) -> String {
    doc(
        &format!("spec-id: SPEC-0001\ntitle: Login\nstatus: {status}\nupdated: 2025-12-01\n"),
        "\n# Login\n\n## Changelog\n\n- 2025-11-02: Initial draft created\n",
    )
}

/// [`simple`] after a move to `to` that appended `entry_line`.
fn simple_after(to: &str, entry_line: &str) -> String {
    doc(
        &format!("spec-id: SPEC-0001\ntitle: Login\nstatus: {to}\nupdated: {SPEC_DATE}\n"),
        &format!(
            "\n# Login\n\n## Changelog\n\n- 2025-11-02: Initial draft created\n{entry_line}\n"
        ),
    )
}

// ---------------------------------------------------------------------------
// Finding the spec.
// ---------------------------------------------------------------------------

#[test]
fn every_id_form_finds_the_spec() {
    let repo = repo_with(
        "specs/0042-oauth.md",
        &doc("spec-id: SPEC-0042\nstatus: draft\n", "body\n"),
    );
    for form in ["42", "0042", "SPEC-0042", "spec-0042", "Spec-0042", "00042"] {
        let out = repo.spec_ok(&["status", form]);
        assert_eq!(
            stdout(&out),
            "SPEC-0042: draft\nnext: review, approved, withdrawn\n",
            "form {form}"
        );
    }
    let out = repo.spec_ok(&["status", "spec-0042", "review"]);
    assert_eq!(stdout(&out), "SPEC-0042: draft -> review\n");
    assert_eq!(
        fm_str(&repo.read("specs/0042-oauth.md"), "status"),
        "review"
    );
}

#[test]
fn malformed_id_is_an_error() {
    let repo = repo_with(SPEC, &simple("draft"));
    for bad in ["abc", "SPEC-", "SPEC-00x1", "4 2", "RFC-0001"] {
        let err = repo.fails_untouched(&["status", bad, "approved"]);
        assert_contains(&err, "is not a spec id");
    }
}

#[test]
fn spec_id_in_front_matter_wins_over_the_file_name() {
    let original = doc("spec-id: SPEC-0042\nstatus: draft\n", "body\n");
    let repo = repo_with("specs/0005-x.md", &original);

    // The file name's number is not the spec's id.
    let err = repo.fails_untouched(&["status", "5", "approved"]);
    assert_contains(&err, "no spec SPEC-0005");
    assert_contains(&err, "SPEC-0042");

    let out = repo.spec_ok(&["status", "42", "approved"]);
    assert_eq!(stdout(&out), "SPEC-0042: draft -> approved\n");
    assert_bytes(
        &repo,
        "specs/0005-x.md",
        &format!(
            "{}\n## Changelog\n\n{}\n",
            doc("spec-id: SPEC-0042\nstatus: approved\n", "body\n"),
            status_entry("draft", "approved")
        ),
    );
}

#[test]
fn file_name_is_the_fallback_without_spec_id() {
    let repo = repo_with(
        "specs/0007-no-id.md",
        &doc("title: No id\nstatus: draft\n", "body\n"),
    );
    let out = repo.spec_ok(&["status", "7"]);
    assert_eq!(
        stdout(&out),
        "SPEC-0007: draft\nnext: review, approved, withdrawn\n"
    );
    let out = repo.spec_ok(&["status", "SPEC-0007", "review"]);
    assert_eq!(stdout(&out), "SPEC-0007: draft -> review\n");
    assert_eq!(
        fm_str(&repo.read("specs/0007-no-id.md"), "status"),
        "review"
    );
}

#[test]
fn unknown_id_lists_the_closest_ids() {
    let repo = TestRepo::with_commit();
    for n in [1, 2, 10, 40] {
        repo.write(
            format!("specs/{n:04}-s.md"),
            &doc(&format!("spec-id: SPEC-{n:04}\nstatus: draft\n"), ""),
        );
    }
    let err = repo.fails_untouched(&["status", "42", "approved"]);
    assert_contains(&err, "no spec SPEC-0042");
    assert_contains(&err, "SPEC-0040");
    // The closest one comes first.
    let at = |id: &str| err.find(id).unwrap_or(usize::MAX);
    assert!(at("SPEC-0040") < at("SPEC-0010"), "{err}");
    assert!(at("SPEC-0040") < at("SPEC-0001"), "{err}");

    let err = repo.fails_untouched(&["status", "42"]);
    assert_contains(&err, "no spec SPEC-0042");
}

#[test]
fn no_specs_at_all_is_an_error() {
    let repo = TestRepo::with_commit();
    let err = repo.fails_untouched(&["status", "1", "approved"]);
    assert_contains(&err, "no spec SPEC-0001");
    assert_contains(&err, "git spec new");
}

#[test]
fn duplicate_id_names_both_files_and_points_at_check() {
    let repo = TestRepo::with_commit();
    repo.write(
        "specs/0003-a.md",
        &doc("spec-id: SPEC-0003\nstatus: draft\n", ""),
    );
    // Same id in front matter, another number in the name.
    repo.write(
        "specs/0009-b.md",
        &doc("spec-id: SPEC-0003\nstatus: draft\n", ""),
    );
    let err = repo.fails_untouched(&["status", "3", "approved"]);
    assert_contains(&err, "SPEC-0003");
    assert_contains(&err, "specs/0003-a.md");
    assert_contains(&err, "specs/0009-b.md");
    assert_contains(&err, "git spec renumber <path>");
    let err = repo.fails_untouched(&["status", "3"]);
    assert_contains(&err, "specs/0009-b.md");
}

// ---------------------------------------------------------------------------
// The workflow.
// ---------------------------------------------------------------------------

#[test]
fn new_then_approved_works_with_the_defaults() {
    let repo = TestRepo::with_commit();
    let (path, before) = repo.new_spec(&["Add OAuth login"]);
    assert_eq!(path, "specs/0001-add-oauth-login.md");
    let out = repo.spec_ok(&["status", "1", "approved"]);
    assert_eq!(stdout(&out), "SPEC-0001: draft -> approved\n");

    assert!(before.contains("\nstatus: draft\n"), "{before}");
    assert!(before.ends_with(&format!("- {SPEC_DATE}: Initial draft created\n")));
    let expected = format!(
        "{}{}\n",
        before.replacen("\nstatus: draft\n", "\nstatus: approved\n", 1),
        status_entry("draft", "approved")
    );
    assert_bytes(&repo, &path, &expected);
    // The file is still the only change: untracked, on the spec's branch.
    assert_eq!(repo.status_porcelain(), format!("?? {path}\n"));
}

#[test]
fn disallowed_transition_names_current_and_allowed_and_changes_nothing() {
    let repo = repo_with(SPEC, &simple("draft"));
    let err = repo.fails_untouched(&["status", "1", "implemented"]);
    assert_contains(&err, "draft");
    assert_contains(&err, "implemented");
    assert_contains(&err, "review, approved, withdrawn");
    assert_contains(&err, "--force");
    assert_bytes(&repo, SPEC, &simple("draft"));

    // From a final status nothing is allowed.
    repo.write(SPEC, &simple("withdrawn"));
    let err = repo.fails_untouched(&["status", "1", "draft"]);
    assert_contains(&err, "withdrawn");
    assert_contains(&err, "final");
}

#[test]
fn force_performs_the_transition_and_the_entry_says_forced() {
    let repo = repo_with(SPEC, &simple("draft"));
    let out = repo.spec_ok(&["status", "1", "implemented", "--force"]);
    assert_eq!(stdout(&out), "SPEC-0001: draft -> implemented (forced)\n");
    let forced = format!("{} (forced)", status_entry("draft", "implemented"));
    assert_bytes(&repo, SPEC, &simple_after("implemented", &forced));

    // Out of a final status too, with a note after the marker.
    let out = repo.spec_ok(&["status", "1", "superseded"]);
    assert_eq!(stdout(&out), "SPEC-0001: implemented -> superseded\n");
    let out = repo.spec_ok(&["status", "1", "draft", "-f", "--note", "reopened"]);
    assert_eq!(stdout(&out), "SPEC-0001: superseded -> draft (forced)\n");
    let text = repo.read(SPEC);
    let last = text.lines().last().unwrap();
    assert_eq!(
        last,
        format!(
            "{} (forced) \u{2014} reopened",
            status_entry("superseded", "draft")
        )
    );
    // An allowed move with --force is not recorded as forced.
    repo.spec_ok(&["status", "1", "review", "--force"]);
    assert_eq!(
        repo.read(SPEC).lines().last().unwrap(),
        status_entry("draft", "review")
    );
}

#[test]
fn unknown_status_lists_the_statuses() {
    let repo = repo_with(SPEC, &simple("draft"));
    for args in [
        &["status", "1", "done"][..],
        &["status", "1", "done", "--force"][..],
        &["status", "1", "Approved"][..],
    ] {
        let err = repo.fails_untouched(args);
        assert_contains(
            &err,
            "draft, review, approved, in-progress, implemented, rejected, withdrawn, superseded",
        );
    }
    assert_bytes(&repo, SPEC, &simple("draft"));
}

#[test]
fn same_status_says_so_exits_zero_and_changes_nothing() {
    // A status the changelog records (a spec starts at draft).
    let repo = repo_with(SPEC, &simple("draft"));
    let before = repo.snapshot();
    let out = repo.spec_ok(&["status", "1", "draft"]);
    let said = format!("{}{}", stdout(&out), stderr(&out));
    assert_contains(&said, "already draft");
    repo.assert_unchanged(&before);
    assert_bytes(&repo, SPEC, &simple("draft"));

    // Also with --force and --commit: still nothing.
    repo.spec_ok(&["status", "1", "draft", "--force", "--commit"]);
    repo.assert_unchanged(&before);
}

#[test]
fn a_status_set_by_hand_is_recorded_by_status_with_that_status() {
    // review by hand, with no entry: `status 1 review` records the step
    // from the recorded status, as the hook and `check --fix` would.
    let repo = repo_with(SPEC, &simple("review"));
    let out = repo.spec_ok(&["status", "1", "review"]);
    assert_contains(
        &stderr(&out),
        "already review by hand: recorded the change from draft",
    );
    let text = repo.read(SPEC);
    assert_contains(&text, &format!("updated: {SPEC_DATE}"));
    assert!(text.ends_with(&format!(
        "- {SPEC_DATE}: Status changed from draft to review by {USER_NAME}\n"
    )));
    let check = repo.spec(&["check", "--working-tree-only"]);
    assert!(
        !stdout(&check).contains("unrecorded-status"),
        "{}",
        stdout(&check)
    );
    // Recorded now: the same command says so and changes nothing.
    let before = repo.snapshot();
    let said = repo.spec_ok(&["status", "1", "review"]);
    assert_contains(&stderr(&said), "already review; nothing changed");
    repo.assert_unchanged(&before);
}

#[test]
fn without_a_status_prints_current_and_next() {
    let cases = [
        (
            "draft",
            "SPEC-0001: draft\nnext: review, approved, withdrawn\n",
        ),
        (
            "review",
            "SPEC-0001: review\nnext: approved, rejected, draft, withdrawn\n",
        ),
        (
            "approved",
            "SPEC-0001: approved\nnext: in-progress, withdrawn\n",
        ),
        (
            "in-progress",
            "SPEC-0001: in-progress\nnext: implemented, withdrawn\n",
        ),
        ("implemented", "SPEC-0001: implemented\nnext: superseded\n"),
        ("rejected", "SPEC-0001: rejected (final)\n"),
        ("withdrawn", "SPEC-0001: withdrawn (final)\n"),
        ("superseded", "SPEC-0001: superseded (final)\n"),
    ];
    let repo = TestRepo::with_commit();
    for (status, expected) in cases {
        repo.write(SPEC, &simple(status));
        let before = repo.snapshot();
        let out = repo.spec_ok(&["status", "1"]);
        assert_eq!(stdout(&out), expected, "status {status}");
        repo.assert_unchanged(&before);
    }

    repo.write(SPEC, &simple("approved"));
    let out = repo.spec_ok(&["status", "1", "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(json["id"], "SPEC-0001");
    assert_eq!(json["status"], "approved");
    assert_eq!(
        json["next"],
        serde_json::json!(["in-progress", "withdrawn"])
    );
}

#[test]
fn custom_workflow_from_specrc_unenforced() {
    let repo = TestRepo::with_commit();
    repo.write(
        ".specrc",
        "dir = \"docs/rfcs\"\n\
         [id]\nprefix = \"RFC-\"\n\
         [workflow]\ninitial = \"todo\"\nenforce = false\n\
         statuses = [\"todo\", \"doing\", \"done\", \"dropped\"]\n\
         [workflow.transitions]\ntodo = [\"doing\", \"dropped\"]\ndoing = [\"done\", \"dropped\"]\n",
    );
    let (path, _) = repo.new_spec(&["Thing", "--no-branch"]);
    assert_eq!(path, "docs/rfcs/0001-thing.md");

    let out = repo.spec_ok(&["status", "rfc-1"]);
    assert_eq!(stdout(&out), "RFC-0001: todo\nnext: doing, dropped\n");

    // Not enforced: a move outside the table needs no --force and is not
    // recorded as forced.
    let out = repo.spec_ok(&["status", "RFC-0001", "done"]);
    assert_eq!(stdout(&out), "RFC-0001: todo -> done\n");
    let text = repo.read(&path);
    assert_eq!(fm_str(&text, "status"), "done");
    assert!(
        text.ends_with(&format!("{}\n", status_entry("todo", "done"))),
        "{text}"
    );

    let out = repo.spec_ok(&["status", "1"]);
    assert_eq!(stdout(&out), "RFC-0001: done (final)\n");

    // Statuses still come from the config: the default ones are unknown.
    let err = repo.fails_untouched(&["status", "1", "draft"]);
    assert_contains(&err, "todo, doing, done, dropped");

    // --commit with the configured folder (a nested tree) and prefix.
    repo.commit_all("rfc");
    repo.spec_ok(&["status", "1", "dropped", "--commit"]);
    assert_eq!(
        repo.git_out(&["log", "-1", "--format=%s"]),
        "spec(RFC-0001): done -> dropped"
    );
    assert_eq!(
        repo.git_out(&["diff-tree", "--no-commit-id", "--name-only", "-r", "HEAD"]),
        path
    );
    assert_eq!(repo.status_porcelain(), "");
}

#[test]
fn unknown_current_status_needs_force() {
    let repo = repo_with(SPEC, &simple("wip"));
    let out = repo.spec_ok(&["status", "1"]);
    assert_contains(&stdout(&out), "SPEC-0001: wip");
    assert_contains(&stdout(&out), "draft, review, approved");
    let err = repo.fails_untouched(&["status", "1", "approved"]);
    assert_contains(&err, "wip");
    assert_contains(&err, "--force");
    let out = repo.spec_ok(&["status", "1", "approved", "--force"]);
    assert_eq!(stdout(&out), "SPEC-0001: wip -> approved (forced)\n");
    let forced = format!("{} (forced)", status_entry("wip", "approved"));
    assert_bytes(&repo, SPEC, &simple_after("approved", &forced));
}

#[test]
fn custom_workflow_from_specrc_enforced() {
    let repo = TestRepo::with_commit();
    repo.write(
        ".specrc",
        "[workflow]\ninitial = \"todo\"\n\
         statuses = [\"todo\", \"doing\", \"done\"]\n\
         [workflow.transitions]\ntodo = [\"doing\"]\ndoing = [\"done\", \"todo\"]\n",
    );
    repo.write(SPEC, &simple("todo"));
    let err = repo.fails_untouched(&["status", "1", "done"]);
    assert_contains(&err, "todo");
    assert_contains(&err, "doing");
    assert_contains(&err, "--force");
    repo.spec_ok(&["status", "1", "doing"]);
    repo.spec_ok(&["status", "1", "done"]);
    let out = repo.spec_ok(&["status", "1"]);
    assert_eq!(stdout(&out), "SPEC-0001: done (final)\n");
    let text = repo.read(SPEC);
    assert!(
        text.ends_with(&format!(
            "{}\n{}\n",
            status_entry("todo", "doing"),
            status_entry("doing", "done")
        )),
        "{text}"
    );
}

// ---------------------------------------------------------------------------
// The edit: full expected bytes.
// ---------------------------------------------------------------------------

/// A hand-written document: comments, quoting, unknown and nested keys
/// (one of them also called `status`), blank lines, `status: draft` in the
/// body, a changelog followed by another section.
const RICH: &str = "---
# Metadata, edited by hand.
spec-id: \"SPEC-0001\"
title: 'Login: with OAuth'
x-review:
  status: pending   # nested, not the spec's status
  by: bob
status: draft    # see the workflow
priority: high
owner: Jane Doe <jane@example.com>

created: 2025-11-02
updated: 2025-12-01  # last touch
tags: [auth, \"security\"]
x-unknown: {a: 1, b: [2, 3]}
---

# Login with OAuth

The body may say status: draft, updated: 2025-12-01 and
## Changelog inside a code block:

```
## Changelog
- not this one
```

## Changelog

Track major changes to this spec:

- 2025-11-02: Initial draft created
- 2025-12-01: Reworded the scope

## Notes

Text after the changelog stays after it.
";

fn rich_after(entry_line: &str) -> String {
    RICH.replacen(
        "status: draft    # see the workflow",
        "status: approved    # see the workflow",
        1,
    )
    .replacen(
        "updated: 2025-12-01  # last touch",
        &format!("updated: {SPEC_DATE}  # last touch"),
        1,
    )
    .replacen(
        "- 2025-12-01: Reworded the scope\n",
        &format!("- 2025-12-01: Reworded the scope\n{entry_line}\n"),
        1,
    )
}

#[test]
fn edit_changes_only_status_updated_and_one_entry() {
    let repo = repo_with(SPEC, RICH);
    let out = repo.spec_ok(&["status", "1", "approved"]);
    assert_eq!(stdout(&out), "SPEC-0001: draft -> approved\n");
    let expected = rich_after(&status_entry("draft", "approved"));
    // The expectation itself differs from the input in exactly three lines.
    assert_eq!(RICH.lines().count() + 1, expected.lines().count());
    assert_bytes(&repo, SPEC, &expected);
}

#[test]
fn note_goes_after_an_em_dash() {
    let repo = repo_with(SPEC, RICH);
    repo.spec_ok(&[
        "status",
        "1",
        "approved",
        "--note",
        "LGTM from the security review",
    ]);
    let line = format!(
        "{} \u{2014} LGTM from the security review",
        status_entry("draft", "approved")
    );
    assert_bytes(&repo, SPEC, &rich_after(&line));

    // `-m` is the same option; a note cannot break the entry over two lines.
    let repo = repo_with(SPEC, RICH);
    repo.spec_ok(&["status", "1", "approved", "-m", "two\nlines"]);
    let line = format!("{} \u{2014} two lines", status_entry("draft", "approved"));
    assert_bytes(&repo, SPEC, &rich_after(&line));
}

#[test]
fn crlf_document_stays_crlf_and_the_new_line_too() {
    let crlf = RICH.replace('\n', "\r\n");
    let repo = repo_with(SPEC, &crlf);
    repo.spec_ok(&["status", "1", "approved"]);
    let expected = rich_after(&status_entry("draft", "approved")).replace('\n', "\r\n");
    assert_bytes(&repo, SPEC, &expected);
}

#[test]
fn utf8_bom_is_kept() {
    let repo = repo_with(SPEC, &format!("\u{feff}{RICH}"));
    repo.spec_ok(&["status", "1", "approved"]);
    let expected = format!("\u{feff}{}", rich_after(&status_entry("draft", "approved")));
    assert_bytes(&repo, SPEC, &expected);

    // BOM and CRLF together.
    let repo = repo_with(SPEC, &format!("\u{feff}{}", RICH.replace('\n', "\r\n")));
    repo.spec_ok(&["status", "1", "approved"]);
    assert_bytes(&repo, SPEC, &expected.replace('\n', "\r\n"));
}

#[test]
fn missing_final_newline_after_the_changelog_section_is_kept() {
    let input = RICH.trim_end_matches('\n');
    let repo = repo_with(SPEC, input);
    repo.spec_ok(&["status", "1", "approved"]);
    let expected = rich_after(&status_entry("draft", "approved"));
    assert_bytes(&repo, SPEC, expected.trim_end_matches('\n'));

    let repo = repo_with(SPEC, &input.replace('\n', "\r\n"));
    repo.spec_ok(&["status", "1", "approved"]);
    assert_bytes(
        &repo,
        SPEC,
        &expected.trim_end_matches('\n').replace('\n', "\r\n"),
    );
}

#[test]
fn missing_final_newline_on_the_last_changelog_entry() {
    // The entry is appended after the old last line; as in a new file, the
    // new last line ends with a newline (the line ending of the file).
    let input = simple("draft");
    let repo = repo_with(SPEC, input.trim_end_matches('\n'));
    repo.spec_ok(&["status", "1", "approved"]);
    assert_bytes(
        &repo,
        SPEC,
        &simple_after("approved", &status_entry("draft", "approved")),
    );

    let repo = repo_with(SPEC, &input.trim_end_matches('\n').replace('\n', "\r\n"));
    repo.spec_ok(&["status", "1", "approved"]);
    assert_bytes(
        &repo,
        SPEC,
        &simple_after("approved", &status_entry("draft", "approved")).replace('\n', "\r\n"),
    );
}

#[test]
fn quoting_style_of_status_and_updated_is_kept() {
    let cases = [
        ("status: 'draft'", "status: 'approved'"),
        ("status: \"draft\"", "status: \"approved\""),
        ("status: 'draft' # quoted", "status: 'approved' # quoted"),
        ("status:   draft", "status:   approved"),
        ("\"status\": draft", "\"status\": approved"),
    ];
    for (line, after) in cases {
        let front = |status_line: &str, updated: &str| {
            format!("spec-id: SPEC-0001\n{status_line}\nupdated: {updated}\nowner: x\n")
        };
        let body = "\n## Changelog\n\n- 2025-11-02: created\n";
        let repo = repo_with(SPEC, &doc(&front(line, "'2025-12-01'"), body));
        repo.spec_ok(&["status", "1", "approved"]);
        let expected = format!(
            "{}{}\n",
            doc(&front(after, &format!("'{SPEC_DATE}'")), body),
            status_entry("draft", "approved")
        );
        assert_bytes(&repo, SPEC, &expected);
    }

    let repo = repo_with(
        SPEC,
        &doc(
            "status: draft\nupdated: \"2025-12-01\" # c\n",
            "## Changelog\n",
        ),
    );
    repo.spec_ok(&["status", "1", "approved"]);
    assert_bytes(
        &repo,
        SPEC,
        &format!(
            "{}{}\n",
            doc(
                &format!("status: approved\nupdated: \"{SPEC_DATE}\" # c\n"),
                "## Changelog\n"
            ),
            status_entry("draft", "approved")
        ),
    );
}

#[test]
fn missing_changelog_section_is_added_at_the_end() {
    let front = "spec-id: SPEC-0001\nstatus: draft\nupdated: 2025-12-01\n";
    let front_after = format!("spec-id: SPEC-0001\nstatus: approved\nupdated: {SPEC_DATE}\n");
    let tail = format!("## Changelog\n\n{}\n", status_entry("draft", "approved"));
    let cases = [
        // (body before, body after)
        (
            "\n# T\n\nBody.\n".to_string(),
            format!("\n# T\n\nBody.\n\n{tail}"),
        ),
        (
            "\n# T\n\nBody.\n\n".to_string(),
            format!("\n# T\n\nBody.\n\n{tail}"),
        ),
        (
            "\n# T\n\nBody.".to_string(),
            format!("\n# T\n\nBody.\n\n{tail}"),
        ),
        ("".to_string(), format!("\n{tail}")),
    ];
    for (body, body_after) in &cases {
        for crlf in [false, true] {
            let eol = |s: String| if crlf { s.replace('\n', "\r\n") } else { s };
            let repo = repo_with(SPEC, &eol(doc(front, body)));
            repo.spec_ok(&["status", "1", "approved"]);
            assert_bytes(&repo, SPEC, &eol(doc(&front_after, body_after)));
        }
    }

    // Without an `updated:` key, none is added; BOM and CRLF kept.
    let input = "\u{feff}---\r\nstatus: draft\r\nspec-id: SPEC-0001\r\n---\r\nBody.";
    let repo = repo_with(SPEC, input);
    repo.spec_ok(&["status", "1", "review"]);
    assert_bytes(
        &repo,
        SPEC,
        &format!(
            "\u{feff}---\r\nstatus: review\r\nspec-id: SPEC-0001\r\n---\r\nBody.\r\n\r\n## Changelog\r\n\r\n{}\r\n",
            status_entry("draft", "review")
        ),
    );
}

#[test]
fn entries_are_appended_one_per_transition() {
    let repo = repo_with(SPEC, &simple("draft"));
    for to in ["review", "approved", "in-progress", "implemented"] {
        repo.spec_ok(&["status", "1", to]);
    }
    let text = repo.read(SPEC);
    let expected_tail = [
        "- 2025-11-02: Initial draft created".to_string(),
        status_entry("draft", "review"),
        status_entry("review", "approved"),
        status_entry("approved", "in-progress"),
        status_entry("in-progress", "implemented"),
    ]
    .join("\n");
    assert!(text.ends_with(&format!("\n{expected_tail}\n")), "{text}");
    assert_eq!(fm_str(&text, "status"), "implemented");
    assert_eq!(text.matches("status:").count(), 1, "{text}");
}

#[test]
fn the_name_comes_from_git_config() {
    let repo = repo_with(SPEC, &simple("draft"));
    repo.git(&["config", "user.name", "Zoë Ångström"]);
    repo.spec_ok(&["status", "1", "review"]);
    let text = repo.read(SPEC);
    assert!(
        text.ends_with(&format!(
            "- {SPEC_DATE}: Status changed from draft to review by Zoë Ångström\n"
        )),
        "{text}"
    );

    // Global config only.
    let repo = TestRepo::without_identity();
    repo.sandbox.set_global("user.name", "Global Person");
    repo.sandbox.set_global("user.email", "global@example.com");
    repo.write(SPEC, &simple("draft"));
    repo.spec_ok(&["status", "1", "review"]);
    assert!(repo
        .read(SPEC)
        .ends_with("Status changed from draft to review by Global Person\n"));
}

#[test]
fn the_date_is_pinned_by_git_spec_date() {
    let repo = repo_with(SPEC, &simple("draft"));
    let out = repo.spec_env(
        &["status", "1", "review"],
        &[("GIT_SPEC_DATE", Some("2030-02-03"))],
    );
    assert_success(&out);
    let text = repo.read(SPEC);
    assert_contains(&text, "\nupdated: 2030-02-03\n");
    assert!(
        text.ends_with("- 2030-02-03: Status changed from draft to review by Jane Doe\n"),
        "{text}"
    );
}

// ---------------------------------------------------------------------------
// Writing, --dry-run, --json, --commit.
// ---------------------------------------------------------------------------

#[test]
fn write_is_atomic_no_temp_file_left_and_mode_kept() {
    use std::os::unix::fs::PermissionsExt;
    let repo = repo_with(SPEC, &simple("draft"));
    let path = repo.path.join(SPEC);
    fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
    repo.spec_ok(&["status", "1", "approved"]);
    assert_eq!(repo.list_dir("specs"), vec!["0001-login.md"]);
    assert_eq!(
        fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o640
    );
    // Refused and failed runs leave no temp file either.
    let _ = repo.spec(&["status", "1", "draft"]);
    let _ = repo.spec(&["status", "1", "nope"]);
    assert_eq!(repo.list_dir("specs"), vec!["0001-login.md"]);
    assert_eq!(repo.list_dir(""), vec![".git", "README.md", "specs"]);
}

#[test]
fn dry_run_prints_a_unified_diff_and_changes_nothing() {
    let repo = repo_with(SPEC, &simple("draft"));
    repo.commit_all("add spec");
    let before = repo.snapshot();
    for flag in ["--dry-run", "-n"] {
        let out = repo.spec_ok(&["status", "1", "approved", flag, "--note", "ok"]);
        let diff = stdout(&out);
        assert_contains(&diff, "--- a/specs/0001-login.md\n");
        assert_contains(&diff, "+++ b/specs/0001-login.md\n");
        assert_contains(&diff, "\n@@ ");
        assert_contains(&diff, "\n-status: draft\n");
        assert_contains(&diff, "\n+status: approved\n");
        assert_contains(&diff, "\n-updated: 2025-12-01\n");
        assert_contains(&diff, &format!("\n+updated: {SPEC_DATE}\n"));
        assert_contains(
            &diff,
            &format!("\n+{} \u{2014} ok\n", status_entry("draft", "approved")),
        );
        // Only the status line, the updated line and the entry change.
        let changed: Vec<&str> = diff
            .lines()
            .filter(|l| {
                (l.starts_with('+') || l.starts_with('-'))
                    && !l.starts_with("+++")
                    && !l.starts_with("---")
            })
            .collect();
        assert_eq!(changed.len(), 5, "{diff}");
        repo.assert_unchanged(&before);
    }
    // --dry-run wins over --commit.
    repo.spec_ok(&["status", "1", "approved", "--dry-run", "--commit"]);
    repo.assert_unchanged(&before);
    assert_bytes(&repo, SPEC, &simple("draft"));
}

#[test]
fn json_output_has_id_path_from_to_forced() {
    let repo = repo_with(SPEC, &simple("draft"));
    let out = repo.spec_ok(&["status", "1", "approved", "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    assert_eq!(json["id"], "SPEC-0001");
    assert_eq!(json["path"], SPEC);
    assert_eq!(json["from"], "draft");
    assert_eq!(json["to"], "approved");
    assert_eq!(json["forced"], false);
    assert_eq!(fm_str(&repo.read(SPEC), "status"), "approved");

    let out = repo.spec_ok(&["status", "0001", "draft", "--json", "--force"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    assert_eq!(json["from"], "approved");
    assert_eq!(json["to"], "draft");
    assert_eq!(json["forced"], true);
    assert_eq!(fm_str(&repo.read(SPEC), "status"), "draft");

    // A refusal prints no JSON on stdout and an error on stderr.
    let out = repo.spec(&["status", "1", "implemented", "--json"]);
    assert_failure(&out);
    assert_eq!(stdout(&out), "");
}

#[test]
fn commit_commits_only_the_spec_and_leaves_the_rest_staged() {
    let repo = repo_with(SPEC, &simple("draft"));
    repo.commit_all("add spec");
    let parent = repo.head_oid().unwrap();
    // Another staged file, a staged file in the spec folder, and an
    // unstaged edit.
    repo.write("notes.txt", "staged\n");
    repo.write("specs/README.txt", "staged too\n");
    repo.git(&["add", "notes.txt", "specs/README.txt"]);
    repo.write("README.md", "# Project\n\nunstaged edit\n");

    let out = repo.spec_ok(&["status", "1", "approved", "--commit"]);
    assert_eq!(stdout(&out), "SPEC-0001: draft -> approved\n");

    assert_eq!(repo.head_ref().as_deref(), Some("refs/heads/main"));
    assert_eq!(
        repo.git_out(&["log", "-1", "--format=%s"]),
        "spec(SPEC-0001): draft -> approved"
    );
    assert_eq!(repo.git_out(&["log", "-1", "--format=%an <%ae>"]), OWNER);
    assert_eq!(repo.rev_parse("HEAD^").as_deref(), Some(parent.as_str()));
    assert_eq!(
        repo.git_out(&["diff-tree", "--no-commit-id", "--name-only", "-r", "HEAD"]),
        SPEC
    );
    assert_eq!(repo.git_out(&["rev-list", "--count", "HEAD"]), "3");
    let expected = simple_after("approved", &status_entry("draft", "approved"));
    assert_eq!(repo.show("HEAD", SPEC), expected);
    assert_bytes(&repo, SPEC, &expected);
    assert_eq!(
        repo.status_porcelain(),
        " M README.md\nA  notes.txt\nA  specs/README.txt\n"
    );
    assert_eq!(
        repo.git_out(&["diff", "--cached", "--name-only"]),
        "notes.txt\nspecs/README.txt"
    );
}

#[test]
fn commit_after_new_on_the_spec_branch() {
    let repo = TestRepo::with_commit();
    let (path, _) = repo.new_spec(&["Add OAuth login"]);
    let out = repo.spec_ok(&["status", "SPEC-0001", "approved", "--commit"]);
    assert_eq!(stdout(&out), "SPEC-0001: draft -> approved\n");
    assert_eq!(
        repo.head_ref().as_deref(),
        Some("refs/heads/spec/0001-add-oauth-login")
    );
    assert_eq!(
        repo.git_out(&["log", "-1", "--format=%B"]),
        "spec(SPEC-0001): draft -> approved"
    );
    assert_eq!(
        repo.tree_paths("HEAD"),
        vec!["README.md".to_string(), path.clone()]
    );
    assert_eq!(repo.status_porcelain(), "");
    assert_eq!(repo.show("HEAD", &path), repo.read(&path));
    // main did not move.
    assert_eq!(repo.git_out(&["rev-list", "--count", "main"]), "1");
}

#[test]
fn commit_in_a_repository_without_commits() {
    let repo = TestRepo::new();
    repo.write(SPEC, &simple("draft"));
    repo.spec_ok(&["status", "1", "review", "--commit"]);
    assert_eq!(
        repo.git_out(&["log", "--format=%s"]),
        "spec(SPEC-0001): draft -> review"
    );
    assert_eq!(repo.tree_paths("HEAD"), vec![SPEC.to_string()]);
    assert_eq!(repo.status_porcelain(), "");
}

#[test]
fn commit_keeps_the_file_mode() {
    use std::os::unix::fs::PermissionsExt;
    let repo = repo_with(SPEC, &simple("draft"));
    fs::set_permissions(repo.path.join(SPEC), fs::Permissions::from_mode(0o755)).unwrap();
    repo.commit_all("add spec");
    assert!(repo
        .git_out(&["ls-tree", "HEAD", SPEC])
        .starts_with("100755 "));
    repo.spec_ok(&["status", "1", "approved", "--commit"]);
    assert!(
        repo.git_out(&["ls-tree", "HEAD", SPEC])
            .starts_with("100755 "),
        "{}",
        repo.git_out(&["ls-tree", "HEAD", SPEC])
    );
    assert_eq!(repo.status_porcelain(), "");
}

#[test]
fn commit_applies_the_line_ending_attributes() {
    let repo = TestRepo::with_commit();
    repo.write(".gitattributes", "*.md text eol=crlf\n");
    repo.write(SPEC, &simple("draft").replace('\n', "\r\n"));
    repo.commit_all("add spec");
    // git stores the spec with LF; the working tree has CRLF; all clean.
    assert_eq!(repo.show("HEAD", SPEC), simple("draft"));
    assert_eq!(repo.status_porcelain(), "");

    repo.spec_ok(&["status", "1", "approved", "--commit"]);
    let expected = simple_after("approved", &status_entry("draft", "approved"));
    assert_bytes(&repo, SPEC, &expected.replace('\n', "\r\n"));
    assert_eq!(
        repo.show("HEAD", SPEC),
        expected,
        "the commit must hold LF, like `git commit` would"
    );
    assert_eq!(repo.status_porcelain(), "");
}

// ---------------------------------------------------------------------------
// Damaged documents: error with file and line, file untouched.
// ---------------------------------------------------------------------------

#[test]
fn missing_front_matter_names_file_and_line() {
    let repo = repo_with(SPEC, "# Login\n\nstatus: draft\n");
    for args in [&["status", "1", "approved"][..], &["status", "1"][..]] {
        let err = repo.fails_untouched(args);
        assert_contains(&err, "specs/0001-login.md:1:");
        assert_contains(&err, "front matter");
    }
    // A BOM alone does not make it front matter either.
    let repo = repo_with(SPEC, "\u{feff}\n---\nstatus: draft\n---\n");
    let err = repo.fails_untouched(&["status", "1", "approved"]);
    assert_contains(&err, "specs/0001-login.md:1:");
}

#[test]
fn unterminated_front_matter_names_file_and_line() {
    let repo = repo_with(SPEC, "---\nspec-id: SPEC-0001\nstatus: draft\n\n# Login\n");
    for args in [&["status", "1", "approved"][..], &["status", "1"][..]] {
        let err = repo.fails_untouched(args);
        assert_names_file_and_line(&err, SPEC);
        assert_contains(&err, "unterminated front matter");
    }
}

#[test]
fn invalid_yaml_names_the_line() {
    // Line 4 of the file is not valid YAML.
    let repo = repo_with(
        SPEC,
        "---\nspec-id: SPEC-0001\nstatus: draft\ntitle: a: b\nupdated: 2025-12-01\n---\nbody\n",
    );
    for args in [
        &["status", "1", "approved"][..],
        &["status", "1"][..],
        &["status", "1", "approved", "--force"][..],
    ] {
        let err = repo.fails_untouched(args);
        assert_contains(&err, "specs/0001-login.md:4:");
        assert_contains(&err, "YAML");
    }
    // A duplicate key is an error too (the edit would be ambiguous).
    let repo = repo_with(
        SPEC,
        "---\nstatus: draft\nspec-id: SPEC-0001\nstatus: review\n---\n",
    );
    let err = repo.fails_untouched(&["status", "1", "approved"]);
    assert_names_file_and_line(&err, SPEC);
    assert_contains(&err, "status");
}

#[test]
fn front_matter_without_status_is_an_error_and_untouched() {
    let repo = repo_with(SPEC, "---\nspec-id: SPEC-0001\ntitle: Login\n---\nbody\n");
    for args in [
        &["status", "1", "approved"][..],
        &["status", "1"][..],
        &["status", "1", "approved", "--force"][..],
    ] {
        let err = repo.fails_untouched(args);
        assert_contains(&err, SPEC);
        assert_contains(&err, "status");
    }
    // An empty value names its line.
    let repo = repo_with(
        SPEC,
        "---\nspec-id: SPEC-0001\nstatus:\ntitle: Login\n---\nbody\n",
    );
    let err = repo.fails_untouched(&["status", "1", "approved"]);
    assert_contains(&err, "specs/0001-login.md:3:");
}

#[test]
fn front_matter_without_status_names_a_line() {
    let repo = repo_with(SPEC, "---\nspec-id: SPEC-0001\ntitle: Login\n---\nbody\n");
    for args in [&["status", "1", "approved"][..], &["status", "1"][..]] {
        let err = repo.fails_untouched(args);
        assert_names_file_and_line(&err, SPEC);
    }
}

#[test]
fn invalid_utf8_names_the_line() {
    let repo = TestRepo::with_commit();
    let mut content = b"---\nspec-id: SPEC-0001\ntitle: caf".to_vec();
    content.extend_from_slice(b"\xe9\nstatus: draft\n---\n");
    repo.write("specs/.keep", "");
    fs::write(repo.path.join(SPEC), &content).unwrap();
    let err = repo.fails_untouched(&["status", "1", "approved"]);
    assert_contains(&err, "specs/0001-login.md:3:");
    assert_eq!(bytes(&repo, SPEC), content);
}

#[test]
fn without_an_identity_nothing_changes() {
    let repo = TestRepo::without_identity();
    repo.write(SPEC, &simple("draft"));
    let err = repo.fails_untouched(&["status", "1", "approved"]);
    assert_contains(&err, "user.name");
    assert_bytes(&repo, SPEC, &simple("draft"));
    // Showing the status needs no identity.
    let out = repo.spec_ok(&["status", "1"]);
    assert_contains(&stdout(&out), "SPEC-0001: draft");
}

#[test]
fn status_that_cannot_be_edited_in_place_is_refused_with_its_line() {
    let repo = repo_with(
        SPEC,
        "---\nspec-id: SPEC-0001\nstatus: >-\n  draft\nupdated: 2025-12-01\n---\n",
    );
    let err = repo.fails_untouched(&["status", "1", "approved"]);
    assert_contains(&err, "specs/0001-login.md:3:");
}

// ---------------------------------------------------------------------------
// Running from a subdirectory.
// ---------------------------------------------------------------------------

#[test]
fn works_from_a_subdirectory() {
    let repo = repo_with(SPEC, &simple("draft"));
    repo.write("docs/deep/notes.txt", "x\n");
    repo.commit_all("add spec and docs");

    let out = repo.spec_in("docs/deep", &["status", "1"]);
    assert_success(&out);
    assert_eq!(
        stdout(&out),
        "SPEC-0001: draft\nnext: review, approved, withdrawn\n"
    );

    let out = repo.spec_in("docs/deep", &["status", "1", "review", "--dry-run"]);
    assert_success(&out);
    assert_contains(&stdout(&out), "--- a/specs/0001-login.md\n");

    let out = repo.spec_in("docs/deep", &["status", "1", "review", "--json"]);
    assert_success(&out);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    // JSON paths are from the repository root, wherever the command ran.
    assert_eq!(json["path"], SPEC);
    assert_bytes(
        &repo,
        SPEC,
        &simple_after("review", &status_entry("draft", "review")),
    );

    // From inside the spec folder, with --commit.
    let out = repo.spec_in("specs", &["status", "1", "approved", "--commit"]);
    assert_success(&out);
    assert_eq!(
        repo.git_out(&["log", "-1", "--format=%s"]),
        "spec(SPEC-0001): review -> approved"
    );
    assert_eq!(
        repo.git_out(&["diff-tree", "--no-commit-id", "--name-only", "-r", "HEAD"]),
        SPEC
    );
    assert_eq!(repo.status_porcelain(), "");

    // Errors from a subdirectory still name the file.
    repo.write(SPEC, "no front matter\n");
    let before = repo.snapshot();
    let out = repo.spec_in("docs/deep", &["status", "1", "draft"]);
    let err = assert_failure(&out);
    assert_contains(&err, "0001-login.md:1:");
    repo.assert_unchanged(&before);
}

#[test]
fn works_in_a_linked_worktree() {
    let repo = repo_with(SPEC, &simple("draft"));
    repo.commit_all("add spec");
    let main_head = repo.head_oid().unwrap();
    let wt = repo.add_worktree("wt", "feature");
    let out = wt.spec_ok(&["status", "1", "approved", "--commit"]);
    assert_eq!(stdout(&out), "SPEC-0001: draft -> approved\n");
    assert_eq!(wt.head_ref().as_deref(), Some("refs/heads/feature"));
    assert_eq!(
        wt.git_out(&["log", "-1", "--format=%s"]),
        "spec(SPEC-0001): draft -> approved"
    );
    assert_eq!(wt.status_porcelain(), "");
    // The main worktree did not move and its file is untouched.
    assert_eq!(repo.head_oid().as_deref(), Some(main_head.as_str()));
    assert_eq!(repo.status_porcelain(), "");
    assert_bytes(&repo, SPEC, &simple("draft"));
}

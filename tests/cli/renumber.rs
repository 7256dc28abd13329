//! `git spec renumber`, through the built binary, on real repositories.

use std::collections::BTreeSet;

use crate::common::*;

// ===========================================================================
// Helpers
// ===========================================================================

/// A spec document as `git spec new` would write it, small enough to spell
/// out byte for byte in the assertions.
/// A spec after `renumber` from `previous`: `updated:` carries the day of
/// the renumbering, and `previous-ids` the old id.
fn renumbered_doc(id: &str, previous: &str, title: &str, body: &str) -> String {
    spec_doc(id, title, body)
        .replace("updated: 2026-01-10\n", "updated: 2026-01-15\n")
        .replace(
            "tags: []\n",
            &format!("tags: []\nprevious-ids: [{previous}]\n"),
        )
}

fn spec_doc(id: &str, title: &str, body: &str) -> String {
    format!(
        "---\n\
         spec-id: {id}\n\
         title: {title}\n\
         status: draft\n\
         priority: medium\n\
         owner: Jane Doe <jane@example.com>\n\
         created: 2026-01-10\n\
         updated: 2026-01-10\n\
         tags: []\n\
         ---\n\
         \n\
         # {title}\n\
         \n\
         ## Overview\n\
         \n\
         {body}\n\
         \n\
         ## Changelog\n\
         \n\
         - 2026-01-10: Initial draft created\n"
    )
}

/// The body of the spec that mentions SPEC-0001: whole words (replaced)
/// and look-alikes (kept).
const MENTIONS: &str = "Builds on SPEC-0001, see (SPEC-0001).\n\
SPEC-0001\n\
Not these: SPEC-00011, XSPEC-0001, SPEC-0001x, SPEC-0001_draft, spec-0001, SPEC-001.\n\
Last: SPEC-0001.";

const MENTIONS_AFTER: &str = "Builds on SPEC-0003, see (SPEC-0003).\n\
SPEC-0003\n\
Not these: SPEC-00011, XSPEC-0001, SPEC-0001x, SPEC-0001_draft, spec-0001, SPEC-001.\n\
Last: SPEC-0003.";

const ENTRY: &str = "- 2026-01-15: Renumbered from SPEC-0001 to SPEC-0003 by Jane Doe\n";

/// A repository with one commit on `main`, then, on the checked-out branch
/// `spec/0001-x`, a commit adding SPEC-0001 (`specs/0001-x.md`) and
/// SPEC-0002 (`specs/0002-other.md`, which mentions SPEC-0001). The next
/// free number is 3.
fn collision_free_repo() -> TestRepo {
    let repo = TestRepo::with_commit();
    repo.git(&["checkout", "-q", "-b", "spec/0001-x"]);
    repo.write(
        "specs/0001-x.md",
        &spec_doc("SPEC-0001", "X", "The X spec."),
    );
    repo.write(
        "specs/0002-other.md",
        &spec_doc("SPEC-0002", "Other", MENTIONS),
    );
    repo.commit_all("add specs");
    repo
}

fn renumber(repo: &TestRepo, args: &[&str]) -> std::process::Output {
    let mut all = vec!["renumber"];
    all.extend_from_slice(args);
    repo.spec(&all)
}

// ===========================================================================
// The main case
// ===========================================================================

#[test]
fn renumber_moves_the_file_rewrites_the_id_branch_changelog_and_whole_word_mentions() {
    let repo = collision_free_repo();
    let commit = repo.head_oid().unwrap();

    let out = renumber(&repo, &["1"]);
    assert_success(&out);
    assert_eq!(stdout(&out), "specs/0003-x.md\n");
    let err = stderr(&out);
    assert_contains(&err, "Renumbered SPEC-0001 to SPEC-0003");
    assert_contains(&err, "spec/0001-x");
    assert_contains(&err, "spec/0003-x");
    assert_contains(&err, "specs/0002-other.md");

    // The spec: new name (slug kept), new spec-id, one changelog entry.
    assert!(!repo.exists("specs/0001-x.md"));
    let expected = format!(
        "{}{ENTRY}",
        renumbered_doc("SPEC-0003", "SPEC-0001", "X", "The X spec.")
    );
    assert_eq!(repo.read("specs/0003-x.md"), expected);
    // Only whole-word mentions changed in the other spec.
    assert_eq!(
        repo.read("specs/0002-other.md"),
        spec_doc("SPEC-0002", "Other", MENTIONS_AFTER)
    );
    assert_eq!(
        repo.list_dir("specs"),
        vec!["0002-other.md".to_string(), "0003-x.md".to_string()]
    );

    // The branch is renamed and HEAD follows it; the commit is the same.
    assert_eq!(
        repo.branches(),
        vec!["main".to_string(), "spec/0003-x".to_string()]
    );
    assert_eq!(repo.head_ref().as_deref(), Some("refs/heads/spec/0003-x"));
    assert_eq!(repo.head_oid().as_deref(), Some(commit.as_str()));

    // The working tree carries the change, for the user to commit; the
    // rename is staged, as `git mv` stages it.
    assert_eq!(
        repo.status_porcelain(),
        " M specs/0002-other.md\nRM specs/0001-x.md -> specs/0003-x.md\n"
    );
    repo.commit_all("renumber");
    let renames = repo.git_out(&["diff", "--name-status", "-M", "HEAD~1", "HEAD"]);
    assert_contains(&renames, "specs/0001-x.md\tspecs/0003-x.md");
}

#[test]
fn renumber_accepts_the_id_in_every_spelling() {
    for spelling in ["1", "0001", "SPEC-0001", "spec-0001"] {
        let repo = collision_free_repo();
        let out = renumber(&repo, &[spelling]);
        assert_success(&out);
        assert_eq!(stdout(&out), "specs/0003-x.md\n", "{spelling}");
    }
}

#[test]
fn renumber_of_a_spec_without_its_branch_renames_no_branch() {
    let repo = TestRepo::with_commit();
    repo.write("specs/0001-x.md", &spec_doc("SPEC-0001", "X", "Body."));
    repo.write(
        "specs/0002-y.md",
        &spec_doc("SPEC-0002", "Y", "See SPEC-0001."),
    );
    repo.git(&["branch", "unrelated"]);
    let out = renumber(&repo, &["2", "--to", "10"]);
    assert_success(&out);
    assert_eq!(stdout(&out), "specs/0010-y.md\n");
    assert_eq!(
        repo.branches(),
        vec!["main".to_string(), "unrelated".to_string()]
    );
    assert_eq!(repo.head_ref().as_deref(), Some("refs/heads/main"));
    // Mentions of another id are left alone.
    assert_eq!(
        repo.read("specs/0001-x.md"),
        spec_doc("SPEC-0001", "X", "Body.")
    );
    assert_eq!(
        repo.read("specs/0010-y.md"),
        format!(
            "{}- 2026-01-15: Renumbered from SPEC-0002 to SPEC-0010 by Jane Doe\n",
            renumbered_doc("SPEC-0010", "SPEC-0002", "Y", "See SPEC-0001.")
        )
    );
}

#[test]
fn renumber_of_an_unknown_id_fails_and_changes_nothing() {
    let repo = collision_free_repo();
    let before = repo.snapshot();
    let err = assert_failure(&renumber(&repo, &["7"]));
    assert_contains(&err, "SPEC-0007");
    let err = assert_failure(&renumber(&repo, &["nonsense"]));
    assert_contains(&err, "nonsense");
    repo.assert_unchanged(&before);
}

// ===========================================================================
// --to
// ===========================================================================

#[test]
fn renumber_to_a_free_number() {
    let repo = collision_free_repo();
    let out = renumber(&repo, &["1", "--to", "7"]);
    assert_success(&out);
    assert_eq!(stdout(&out), "specs/0007-x.md\n");
    assert_eq!(
        repo.read("specs/0007-x.md"),
        format!(
            "{}- 2026-01-15: Renumbered from SPEC-0001 to SPEC-0007 by Jane Doe\n",
            renumbered_doc("SPEC-0007", "SPEC-0001", "X", "The X spec.")
        )
    );
    assert_eq!(
        repo.read("specs/0002-other.md"),
        spec_doc(
            "SPEC-0002",
            "Other",
            &MENTIONS_AFTER.replace("SPEC-0003", "SPEC-0007")
        )
    );
    assert_eq!(repo.head_ref().as_deref(), Some("refs/heads/spec/0007-x"));
    assert_eq!(
        repo.branches(),
        vec!["main".to_string(), "spec/0007-x".to_string()]
    );
}

#[test]
fn renumber_to_a_number_another_spec_uses_fails_and_changes_nothing() {
    let repo = collision_free_repo();
    let before = repo.snapshot();
    let out = renumber(&repo, &["1", "--to", "2"]);
    let err = assert_failure(&out);
    assert_eq!(stdout(&out), "");
    assert_contains(&err, "SPEC-0002");
    repo.assert_unchanged(&before);
}

#[test]
fn renumber_to_its_own_number_fails_and_changes_nothing() {
    let repo = collision_free_repo();
    let before = repo.snapshot();
    let err = assert_failure(&renumber(&repo, &["1", "--to", "1"]));
    assert_contains(&err, "SPEC-0001");
    let err = assert_failure(&renumber(&repo, &["1", "--to", "0"]));
    assert_contains(&err, "--to 0");
    repo.assert_unchanged(&before);
}

#[test]
fn renumber_to_a_number_used_on_another_branch_fails_and_changes_nothing() {
    let repo = collision_free_repo();
    // SPEC-0009 exists only on another branch.
    repo.commit_files_on_branch(
        "elsewhere",
        &[(
            "specs/0009-nine.md",
            &spec_doc("SPEC-0009", "Nine", "Body."),
        )],
    );
    let before = repo.snapshot();
    let err = assert_failure(&renumber(&repo, &["1", "--to", "9"]));
    assert_contains(&err, "SPEC-0009");
    repo.assert_unchanged(&before);
}

#[test]
fn renumber_to_a_reserved_number_fails_and_changes_nothing() {
    let repo = collision_free_repo();
    let head = repo.head_oid().unwrap();
    repo.git(&["update-ref", "refs/specs/remote/origin/ids/9", &head]);
    let before = repo.snapshot();
    let err = assert_failure(&renumber(&repo, &["1", "--to", "9"]));
    assert_contains(&err, "SPEC-0009");
    repo.assert_unchanged(&before);
}

#[test]
fn renumber_without_to_skips_reserved_numbers() {
    let repo = collision_free_repo();
    let head = repo.head_oid().unwrap();
    repo.git(&["update-ref", "refs/specs/remote/origin/ids/3", &head]);
    repo.git(&["update-ref", "refs/specs/remote/origin/ids/4", &head]);
    let out = renumber(&repo, &["1"]);
    assert_success(&out);
    assert_eq!(stdout(&out), "specs/0005-x.md\n");
}

// ===========================================================================
// --dry-run and --json
// ===========================================================================

#[test]
fn dry_run_prints_the_renames_and_diffs_and_changes_nothing() {
    let repo = collision_free_repo();
    let before = repo.snapshot();
    let out = renumber(&repo, &["1", "--dry-run"]);
    assert_success(&out);
    repo.assert_unchanged(&before);

    let text = stdout(&out);
    assert_contains(&text, "rename specs/0001-x.md -> specs/0003-x.md\n");
    assert_contains(&text, "rename branch spec/0001-x -> spec/0003-x\n");
    // The spec's own diff.
    assert_contains(&text, "--- a/specs/0001-x.md\n+++ b/specs/0003-x.md\n");
    assert_contains(&text, "\n-spec-id: SPEC-0001\n+spec-id: SPEC-0003\n");
    assert_contains(&text, &format!("\n+{ENTRY}"));
    // The mention diff, with the look-alikes kept.
    assert_contains(
        &text,
        "--- a/specs/0002-other.md\n+++ b/specs/0002-other.md\n",
    );
    assert_contains(&text, "\n-Builds on SPEC-0001, see (SPEC-0001).\n");
    assert_contains(&text, "\n+Builds on SPEC-0003, see (SPEC-0003).\n");
    assert_contains(&text, "\n-Last: SPEC-0001.\n");
    assert_contains(&text, "\n+Last: SPEC-0003.\n");
    assert!(!text.contains("-Not these"), "{text}");
    // Two file diffs: the spec and the one spec that mentions it.
    let diffs: Vec<&str> = text.lines().filter(|l| l.starts_with("--- a/")).collect();
    assert_eq!(
        diffs,
        vec!["--- a/specs/0001-x.md", "--- a/specs/0002-other.md"]
    );

    // `-n` is the same, and a real run then does what was shown.
    let short = renumber(&repo, &["1", "-n"]);
    assert_success(&short);
    assert_eq!(stdout(&short), text);
    repo.assert_unchanged(&before);
    assert_success(&renumber(&repo, &["1"]));
    assert_eq!(repo.head_ref().as_deref(), Some("refs/heads/spec/0003-x"));
    assert!(repo.exists("specs/0003-x.md"));
}

#[test]
fn dry_run_json_describes_the_plan_and_changes_nothing() {
    let repo = collision_free_repo();
    let before = repo.snapshot();
    let out = renumber(&repo, &["1", "--dry-run", "--json"]);
    assert_success(&out);
    repo.assert_unchanged(&before);
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON on stdout");
    assert_eq!(
        json,
        serde_json::json!({
            "old_id": "SPEC-0001",
            "new_id": "SPEC-0003",
            "old_path": "specs/0001-x.md",
            "new_path": "specs/0003-x.md",
            "branch": {"old": "spec/0001-x", "new": "spec/0003-x"},
            "rewritten": ["specs/0002-other.md"],
            "dry_run": true,
        })
    );
}

#[test]
fn json_reports_what_was_done() {
    let repo = TestRepo::with_commit();
    repo.write("specs/0001-x.md", &spec_doc("SPEC-0001", "X", "Body."));
    let out = renumber(&repo, &["1", "--to", "4", "--json"]);
    assert_success(&out);
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON on stdout");
    assert_eq!(
        json,
        serde_json::json!({
            "old_id": "SPEC-0001",
            "new_id": "SPEC-0004",
            "old_path": "specs/0001-x.md",
            "new_path": "specs/0004-x.md",
            "branch": null,
            "rewritten": [],
            "dry_run": false,
        })
    );
    assert!(repo.exists("specs/0004-x.md"));
    assert!(!repo.exists("specs/0001-x.md"));
}

// ===========================================================================
// With reservation
// ===========================================================================

#[test]
fn with_reserve_configured_the_new_number_is_reserved_on_the_remote_first() {
    let (sandbox, origin, clones) = team(2);
    let (a, b) = (&clones[0], &clones[1]);
    a.write(".specrc", "[id]\nreserve = \"origin\"\n");
    a.new_spec(&["X"]);
    assert_eq!(a.head_ref().as_deref(), Some("refs/heads/spec/0001-x"));
    // Meanwhile another clone took 2 and 3; A has not fetched.
    for title in ["Two", "Three"] {
        b.new_spec(&["--reserve", "--no-branch", title]);
    }
    assert_eq!(
        remote_reserved(&sandbox, &origin),
        BTreeSet::from([1, 2, 3])
    );

    let out = renumber(a, &["1"]);
    assert_success(&out);
    // 2 was refused on the remote; after the fetch the next free is 4.
    assert_eq!(stdout(&out), "specs/0004-x.md\n");
    assert_eq!(
        remote_reserved(&sandbox, &origin),
        BTreeSet::from([1, 2, 3, 4])
    );
    assert_eq!(mirrored(a, "origin"), BTreeSet::from([1, 2, 3, 4]));
    let git_dir = format!("--git-dir={}", origin.display());
    let record = stdout(&sandbox.git_in(
        &sandbox.root,
        &[
            &git_dir,
            "log",
            "-1",
            "--format=%an%n%B",
            "refs/specs/ids/4",
        ],
    ));
    assert_contains(&record, USER_NAME);
    assert_contains(&record, "SPEC-0004");
    assert_eq!(fm_str(&a.read("specs/0004-x.md"), "spec-id"), "SPEC-0004");
    assert_eq!(a.head_ref().as_deref(), Some("refs/heads/spec/0004-x"));
}

#[test]
fn with_reserve_a_to_number_reserved_elsewhere_fails_and_changes_nothing() {
    let (sandbox, origin, clones) = team(2);
    let (a, b) = (&clones[0], &clones[1]);
    a.write(".specrc", "[id]\nreserve = \"origin\"\n");
    a.new_spec(&["X"]);
    b.new_spec(&["--reserve", "--no-branch", "Two"]);
    b.new_spec(&["--reserve", "--no-branch", "Three"]);
    let files = a.list_dir("specs");
    let branches = a.branches();
    let head = a.head_ref();

    let err = assert_failure(&renumber(a, &["1", "--to", "3"]));
    assert_contains(&err, "SPEC-0003");
    assert_contains(&err, "origin");
    assert_eq!(a.list_dir("specs"), files);
    assert_eq!(a.branches(), branches);
    assert_eq!(a.head_ref(), head);
    assert_eq!(
        remote_reserved(&sandbox, &origin),
        BTreeSet::from([1, 2, 3])
    );

    // A free one is claimed as given.
    let out = renumber(a, &["1", "--to", "8"]);
    assert_success(&out);
    assert_eq!(stdout(&out), "specs/0008-x.md\n");
    assert_eq!(
        remote_reserved(&sandbox, &origin),
        BTreeSet::from([1, 2, 3, 8])
    );
}

#[test]
fn with_reserve_an_unreachable_remote_fails_and_changes_nothing() {
    let repo = collision_free_repo();
    repo.git(&["remote", "add", "gone", "/nonexistent/path.git"]);
    let before = repo.snapshot();
    let err = assert_failure(&renumber(&repo, &["1", "--reserve=gone"]));
    assert_contains(&err, "gone");
    repo.assert_unchanged(&before);
}

#[test]
fn reserve_flag_followed_by_the_id_reserves_on_origin() {
    let (sandbox, origin, clones) = team(1);
    let a = &clones[0];
    a.write("specs/0001-x.md", &spec_doc("SPEC-0001", "X", "Body."));
    let out = renumber(a, &["--reserve", "1"]);
    assert_success(&out);
    assert_eq!(stdout(&out), "specs/0002-x.md\n");
    assert_eq!(remote_reserved(&sandbox, &origin), BTreeSet::from([2]));
}

// ===========================================================================
// Fixing a collision between two branches
// ===========================================================================

/// `main` with one commit; branch `alpha` adds `specs/0023-alpha.md` and
/// branch `spec/0023-beta` (checked out) adds `specs/0023-beta.md`: both
/// SPEC-0023. `alpha_branch` names the first branch.
fn two_branch_collision(alpha_branch: &str) -> TestRepo {
    let repo = TestRepo::with_commit();
    repo.commit_files_on_branch(
        alpha_branch,
        &[(
            "specs/0023-alpha.md",
            &spec_doc("SPEC-0023", "Alpha", "Alpha body."),
        )],
    );
    repo.git(&["checkout", "-q", "-b", "spec/0023-beta", "main"]);
    repo.write(
        "specs/0023-beta.md",
        &spec_doc("SPEC-0023", "Beta", "Beta body."),
    );
    repo.commit_all("add beta");
    repo
}

#[test]
fn after_renumbering_a_collision_check_against_the_other_branch_is_clean() {
    let repo = two_branch_collision("alpha");
    // The collision is there to begin with.
    let out = repo.spec(&["check", "--against", "alpha"]);
    let err = assert_failure(&out);
    let found = stdout(&out);
    assert_contains(&found, "id-collision");
    assert_contains(&found, "SPEC-0023");
    assert!(!err.contains("not implemented"), "{err}");

    let out = renumber(&repo, &["23"]);
    assert_success(&out);
    assert_eq!(stdout(&out), "specs/0024-beta.md\n");
    assert_eq!(
        repo.head_ref().as_deref(),
        Some("refs/heads/spec/0024-beta")
    );
    assert_eq!(
        repo.branches(),
        vec![
            "alpha".to_string(),
            "main".to_string(),
            "spec/0024-beta".to_string()
        ]
    );

    // Clean in the working tree, before committing...
    let out = repo.spec(&["check", "--against", "alpha"]);
    assert_success(&out);
    assert_eq!(stdout(&out), "");
    // ...and once committed, against every branch too.
    repo.commit_all("renumber SPEC-0023 to SPEC-0024");
    let out = repo.spec(&["check", "--against", "alpha"]);
    assert_success(&out);
    assert_eq!(stdout(&out), "");
    let out = repo.spec(&["check"]);
    assert_success(&out);
    assert_eq!(stdout(&out), "");

    // And from the other side.
    repo.git(&["checkout", "-q", "alpha"]);
    let out = repo.spec(&["check", "--against", "spec/0024-beta"]);
    assert_success(&out);
    assert_eq!(stdout(&out), "");
}

#[test]
fn renumbering_in_a_collision_renames_the_specs_own_branch_not_the_other_one() {
    let repo = two_branch_collision("spec/0023-alpha");
    let alpha = repo.rev_parse("refs/heads/spec/0023-alpha").unwrap();

    let out = renumber(&repo, &["23"]);
    assert_success(&out);
    assert_eq!(stdout(&out), "specs/0024-beta.md\n");
    assert_eq!(
        repo.head_ref().as_deref(),
        Some("refs/heads/spec/0024-beta")
    );
    assert_eq!(
        repo.branches(),
        vec![
            "main".to_string(),
            "spec/0023-alpha".to_string(),
            "spec/0024-beta".to_string()
        ]
    );
    assert_eq!(
        repo.rev_parse("refs/heads/spec/0023-alpha").as_deref(),
        Some(alpha.as_str())
    );
    let out = repo.spec(&["check", "--against", "spec/0023-alpha"]);
    assert_success(&out);
    assert_eq!(stdout(&out), "");
}

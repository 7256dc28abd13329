//! Approvals: `git spec approve`, bound to the content, counted by
//! `[approval]` for `status`, the hook, `check`, `show` and `list`, with
//! three people (Jane owns the spec; Bob and Carol review it).

use std::process::Output;

use crate::common::*;

const SPEC: &str = "specs/0001-login.md";
const BOB: (&str, &str) = ("Bob Reviewer", "bob@example.com");
const CAROL: (&str, &str) = ("Carol Chief", "carol@example.com");

fn login(status: &str) -> String {
    format!(
        "---\nspec-id: SPEC-0001\ntitle: Login\nstatus: {status}\npriority: medium\n\
         owner: {OWNER}\ncreated: 2026-01-01\nupdated: 2026-01-01\n---\n\n# Login\n\n\
         ## Overview\n\nUsers sign in.\n\n## Changelog\n\n- 2026-01-01: Initial draft created\n"
    )
}

/// Spec 1 committed at `status` (recorded), with `specrc`.
fn repo_with(specrc: &str, status: &str) -> TestRepo {
    let repo = TestRepo::with_commit();
    repo.write(".specrc", specrc);
    let mut text = login(status);
    if status != "draft" {
        text.push_str(&status_entry("draft", status));
        text.push('\n');
    }
    repo.write(SPEC, &text);
    repo.commit_all("The login spec");
    repo
}

const TWO: &str = "[approval]\nrequired = { approved = 2 }\n";

fn findings(repo: &TestRepo) -> String {
    stdout(&repo.spec(&["check", "--working-tree-only"]))
}

#[test]
fn two_current_approvals_open_the_way_to_approved() {
    let repo = repo_with(TWO, "review");
    let err = repo.fails_untouched(&["status", "1", "approved"]);
    assert_contains(
        &err,
        "entering approved needs 2 current approvals and the spec has 0",
    );
    assert_contains(&err, "git spec approve");

    let out = repo.spec_as(BOB, &["approve", "1", "-m", "LGTM", "--commit"]);
    assert_success(&out);
    assert_contains(&stdout(&out), "1 current approval");
    // Committed by Bob, through git.
    assert_eq!(
        repo.git_out(&["log", "-1", "--format=%an <%ae> %s"]),
        "Bob Reviewer <bob@example.com> spec(SPEC-0001): approve"
    );
    let text = repo.read(SPEC);
    assert_contains(
        &text,
        "Approved by Bob Reviewer <bob@example.com> (content ",
    );
    assert_contains(&text, " \u{2014} LGTM");
    // Approving twice as it is changes nothing.
    let before = repo.snapshot();
    assert_success(&repo.spec_as(BOB, &["approve", "1"]));
    repo.assert_unchanged(&before);

    let err = repo.fails_untouched(&["status", "1", "approved"]);
    assert_contains(&err, "has 1");
    assert_contains(&err, "Bob Reviewer <bob@example.com>");
    assert_success(&repo.spec_as(CAROL, &["approve", "1", "--commit"]));
    assert_success(&repo.spec(&["status", "1", "approved"]));
    assert!(!findings(&repo).contains("approval"), "{}", findings(&repo));

    let shown =
        serde_json::from_str::<serde_json::Value>(&stdout(&repo.spec(&["show", "1", "--json"])))
            .unwrap();
    let approvals = shown["approvals"].as_array().unwrap();
    assert_eq!(approvals.len(), 2);
    assert_eq!(approvals[0]["email"], "bob@example.com");
    assert_eq!(approvals[1]["name"], "Carol Chief");
    assert!(approvals.iter().all(|a| a["current"] == true));
}

#[test]
fn an_edit_after_approval_makes_it_stale() {
    let repo = repo_with(TWO, "review");
    assert_success(&repo.spec_as(BOB, &["approve", "1"]));
    assert_success(&repo.spec_as(CAROL, &["approve", "1"]));
    assert_success(&repo.spec(&["status", "1", "approved"]));
    assert_success(&repo.spec(&["status", "1", "in-progress"]));
    // Status moves and `updated:` keep the approvals current...
    assert!(!findings(&repo).contains("approval"));
    // ...an edit of the text does not.
    repo.write(
        SPEC,
        &repo
            .read(SPEC)
            .replace("Users sign in.", "Users sign in with a passkey."),
    );
    let found = findings(&repo);
    assert_contains(&found, "specs/0001-login.md:4: approval: status is in-progress (past approved), which needs 2 current approvals and the spec has 0");
    assert_contains(&found, "stale: the spec changed after it");
    let shown = stdout(&repo.spec(&["show", "1"]));
    assert_contains(&shown, "Bob Reviewer <bob@example.com>");
    assert_contains(&shown, "stale: the spec changed after it");
}

#[test]
fn the_owners_own_approval_does_not_count_unless_allowed() {
    let repo = repo_with(TWO, "review");
    let err = repo.fails_untouched(&["approve", "1"]);
    assert_contains(&err, "your own approval does not count");
    let repo = repo_with(&format!("{TWO}self = true\n"), "review");
    assert_success(&repo.spec(&["approve", "1"]));
    assert_success(&repo.spec_as(BOB, &["approve", "1"]));
    assert_success(&repo.spec(&["status", "1", "approved"]));
}

#[test]
fn only_listed_approvers_may_approve() {
    let specrc = "[approval]\nrequired = { approved = 1 }\napprovers = [\"carol@example.com\"]\n";
    let repo = repo_with(specrc, "review");
    let before = repo.snapshot();
    let out = repo.spec_as(BOB, &["approve", "1"]);
    assert_contains(
        &assert_failure(&out),
        "bob@example.com is not one of the approvers",
    );
    repo.assert_unchanged(&before);
    assert_success(&repo.spec_as(CAROL, &["approve", "1"]));
    assert_success(&repo.spec(&["status", "1", "approved"]));
}

#[test]
fn force_passes_and_is_recorded_and_exempt() {
    let repo = repo_with(TWO, "review");
    assert_success(&repo.spec(&["status", "1", "approved", "--force"]));
    assert_contains(
        &repo.read(SPEC),
        &format!("Status changed from review to approved by {USER_NAME} (forced)"),
    );
    assert!(!findings(&repo).contains("approval"), "{}", findings(&repo));
}

#[test]
fn the_hook_refuses_a_hand_edit_into_a_status_that_needs_approvals() {
    let repo = repo_with(TWO, "review");
    assert_success(&repo.spec(&["hook", "install"]));
    repo.write(
        SPEC,
        &repo
            .read(SPEC)
            .replace("status: review", "status: approved"),
    );
    let out = repo.git_try(&["commit", "-q", "-a", "-m", "Approve myself"]);
    assert_eq!(out.status.code(), Some(1), "{}", run_text(&out));
    assert_contains(&stderr(&out), "entering approved needs 2 current approvals");
    assert_eq!(
        repo.git_out(&["log", "-1", "--format=%s"]),
        "The login spec"
    );
}

#[test]
fn list_shows_the_specs_waiting_for_approval() {
    let repo = repo_with(TWO, "review");
    let in_progress = login("in-progress").replace("SPEC-0001", "SPEC-0002");
    repo.write("specs/0002-other.md", &in_progress);
    let ids = |out: Output| -> Vec<String> {
        let rows: Vec<serde_json::Value> = serde_json::from_str(&stdout(&out)).unwrap();
        rows.iter()
            .map(|r| r["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        ids(repo.spec(&["list", "--format", "json"])),
        ["SPEC-0001", "SPEC-0002"]
    );
    assert_eq!(
        ids(repo.spec(&["list", "--awaiting-approval", "--format", "json"])),
        ["SPEC-0001"]
    );
    assert_success(&repo.spec_as(BOB, &["approve", "1"]));
    assert_success(&repo.spec_as(CAROL, &["approve", "1"]));
    assert!(ids(repo.spec(&["list", "--awaiting-approval", "--format", "json"])).is_empty());
}

#[test]
fn a_required_status_that_is_not_in_the_workflow_is_a_config_error() {
    let repo = repo_with("[approval]\nrequired = { aproved = 2 }\n", "review");
    let err = assert_failure(&repo.spec(&["list"]));
    assert_contains(&err, "approval.required");
    assert_contains(&err, "\"aproved\" is not a status of the workflow");
}

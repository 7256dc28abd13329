//! `git spec show <ID>`: integration tests through the real binary, on
//! temporary repositories made with the real `git` CLI (see `common`).

use crate::common::*;

#[track_caller]
fn show_ok(repo: &TestRepo, args: &[&str]) -> String {
    let mut all = vec!["show"];
    all.extend_from_slice(args);
    let out = repo.spec(&all);
    assert_success_ctx(&out, &format!("git spec {}", all.join(" ")));
    stdout(&out)
}

fn show_json(repo: &TestRepo, id: &str) -> serde_json::Value {
    let text = show_ok(repo, &[id, "--json"]);
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}):\n{text}"))
}

/// A repository with SPEC-0001 made by `git spec new` and moved to review.
fn reviewed() -> TestRepo {
    let repo = TestRepo::with_commit();
    repo.new_spec(&["--no-branch", "Add OAuth login", "-t", "auth", "-t", "web"]);
    assert_success(&repo.spec(&["status", "1", "review", "-m", "ready"]));
    repo
}

#[test]
fn text_summary_then_changelog() {
    let repo = reviewed();
    let expected = format!(
        "\
ID:       SPEC-0001
Title:    Add OAuth login
Status:   review (next: approved, rejected, draft, withdrawn)
Priority: medium
Owner:    {OWNER}
Created:  {SPEC_DATE}
Updated:  {SPEC_DATE}
Tags:     auth, web
Tasks:    0/35 done, 31 h estimated left
Path:     specs/0001-add-oauth-login.md

Changelog:
  - {SPEC_DATE}: Initial draft created
  - {SPEC_DATE}: Status changed from draft to review by {USER_NAME} \u{2014} ready
"
    );
    for id in ["1", "0001", "SPEC-0001", "spec-0001"] {
        assert_eq!(show_ok(&repo, &[id]), expected, "show {id}");
    }
}

#[test]
fn path_is_relative_to_the_current_directory() {
    let repo = reviewed();
    repo.write("src/lib/x.txt", "x");
    let out = repo.spec_in("src/lib", &["show", "1"]);
    assert_success(&out);
    assert_contains(
        &stdout(&out),
        "\nPath:     ../../specs/0001-add-oauth-login.md\n",
    );
    // JSON keeps the path from the repository root, as list does.
    let out = repo.spec_in("src/lib", &["show", "1", "--json"]);
    let value: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(value["path"], "specs/0001-add-oauth-login.md");
}

#[test]
fn json_is_the_list_record_plus_next_and_changelog() {
    let repo = reviewed();
    let value = show_json(&repo, "1");
    assert_eq!(
        value,
        serde_json::json!({
            "id": "SPEC-0001",
            "number": 1,
            "provisional": false,
            "title": "Add OAuth login",
            "status": "review",
            "priority": "medium",
            "owner": OWNER,
            "created": SPEC_DATE,
            "updated": SPEC_DATE,
            "tags": ["auth", "web"],
            "path": "specs/0001-add-oauth-login.md",
            "branch": null,
            "tasks": {"done": 0, "total": 35, "remaining_hours": 31},
            "next": ["approved", "rejected", "draft", "withdrawn"],
            "changelog": [
                format!("{SPEC_DATE}: Initial draft created"),
                format!("{SPEC_DATE}: Status changed from draft to review by {USER_NAME} \u{2014} ready"),
            ],
            "approvals": [],
            "relations": {"depends_on": [], "needed_by": [], "supersedes": [], "superseded_by": []},
        })
    );
    // The same record as `list --format json`.
    let out = repo.spec(&["list", "--format", "json"]);
    let listed: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let mut record = value.as_object().unwrap().clone();
    record.remove("next");
    record.remove("changelog");
    record.remove("approvals");
    record.remove("relations");
    assert_eq!(listed[0], serde_json::Value::Object(record));
}

#[test]
fn final_and_unknown_statuses() {
    let repo = TestRepo::with_commit();
    repo.write(
        "specs/0003-done.md",
        "---\nspec-id: SPEC-0003\ntitle: Done\nstatus: superseded\n---\n",
    );
    repo.write(
        "specs/0004-odd.md",
        "---\nspec-id: SPEC-0004\ntitle: Odd\nstatus: parked\ntags: solo\n---\n## Changelog\n",
    );
    let out = show_ok(&repo, &["3"]);
    assert_contains(&out, "Status:   superseded (final)\n");
    assert_contains(&out, "Priority: -\n");
    assert_contains(&out, "Tags:     -\n");
    assert!(out.ends_with("Changelog:\n  (no entries)\n"), "{out}");
    assert_eq!(show_json(&repo, "3")["next"], serde_json::json!([]));
    assert_eq!(show_json(&repo, "3")["changelog"], serde_json::json!([]));

    let out = show_ok(&repo, &["SPEC-4"]);
    assert_contains(
        &out,
        "Status:   parked (not a status of the workflow: draft, review,",
    );
    assert_contains(&out, "Tags:     solo\n");
    assert_eq!(show_json(&repo, "4")["next"], serde_json::json!([]));
}

#[test]
fn unknown_id_names_the_closest() {
    let repo = reviewed();
    let out = repo.spec(&["show", "7"]);
    let err = assert_failure(&out);
    assert_contains(&err, "no spec SPEC-0007");
    assert_contains(&err, "SPEC-0001");
    assert_eq!(stdout(&out), "");
    let err = assert_failure(&repo.spec(&["show", "nope"]));
    assert_contains(&err, "is not a spec id");
}

#[test]
fn broken_spec_is_an_error_with_file_and_line() {
    let repo = TestRepo::with_commit();
    repo.write(
        "specs/0002-broken.md",
        "---\nspec-id: SPEC-0002\ntitle: [oops\n---\n",
    );
    let out = repo.spec(&["show", "2"]);
    let err = assert_failure(&out);
    assert_contains(&err, "specs/0002-broken.md:");
    assert_contains(&err, "invalid YAML");
    assert_eq!(stdout(&out), "");
}

#[test]
fn show_changes_nothing() {
    let repo = reviewed();
    let before = repo.snapshot();
    show_ok(&repo, &["1"]);
    show_ok(&repo, &["1", "--json"]);
    repo.assert_unchanged(&before);
}

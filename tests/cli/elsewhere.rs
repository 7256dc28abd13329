//! Specs that live only on other branches: `show` and `log` find them
//! (`--branch` chooses), `status` says which branch to check out.

use crate::common::*;

/// Bob's clone, after Alice pushed `spec/0002-search` (SPEC-0002, moved
/// to review in a second commit) and Bob fetched it: his working tree has
/// SPEC-0001 only; SPEC-0002 is on `origin/spec/0002-search`.
fn fetched() -> (TestRepo, TestRepo) {
    let (_sandbox, _origin, clones) = team(2);
    let mut clones = clones.into_iter();
    let (alice, bob) = (clones.next().unwrap(), clones.next().unwrap());
    bob.write("specs/0001-login.md", &SpecFx::new(1, "Login").text());
    bob.commit_all("Login");
    alice.write("specs/0001-login.md", &SpecFx::new(1, "Login").text());
    alice.commit_all("Login");
    alice.git(&["switch", "-q", "-c", "spec/0002-search"]);
    alice.write("specs/0002-search.md", &SpecFx::new(2, "Search").text());
    alice.commit_all("Search");
    alice.spec_ok(&["status", "2", "review", "--commit"]);
    alice.git(&["push", "-q", "origin", "spec/0002-search"]);
    bob.git(&["fetch", "-q", "origin"]);
    (alice, bob)
}

#[test]
fn show_reads_a_spec_from_the_branch_that_has_it() {
    let (_alice, bob) = fetched();
    let out = bob.spec_ok(&["show", "2"]);
    assert_eq!(
        stderr(&out),
        "note: SPEC-0002 is not in the working tree; this is origin/spec/0002-search:specs/0002-search.md\n"
    );
    let text = stdout(&out);
    assert_contains(&text, "Title:    Search\n");
    assert_contains(&text, "Status:   review (next:");
    assert_contains(
        &text,
        "Path:     origin/spec/0002-search:specs/0002-search.md (not in the working tree)\n",
    );
    let out = bob.spec_ok(&["show", "2", "--json"]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["branch"], "origin/spec/0002-search");
    assert_eq!(json["path"], "specs/0002-search.md");
    assert_eq!(json["status"], "review");

    // --branch chooses; a branch without it says so.
    let out = bob.spec_ok(&["show", "2", "--branch", "origin/spec/0002-search"]);
    assert_eq!(stderr(&out), "", "a chosen branch needs no note");
    let err = bob.fails_untouched(&["show", "2", "--branch", "main"]);
    assert_contains(&err, "no spec SPEC-0002 on main");
    let err = bob.fails_untouched(&["show", "2", "--branch", "no-such-ref"]);
    assert_contains(&err, "--branch no-such-ref");
    // An id no branch has is the usual error.
    let err = bob.fails_untouched(&["show", "9"]);
    assert_contains(&err, "no spec SPEC-0009");
}

#[test]
fn two_branches_with_the_spec_are_both_named() {
    let (_alice, bob) = fetched();
    bob.git(&["branch", "a-copy", "origin/spec/0002-search"]);
    let out = bob.spec_ok(&["show", "2"]);
    assert_eq!(
        stderr(&out),
        "note: SPEC-0002 is not in the working tree; this is a-copy:specs/0002-search.md (also on origin/spec/0002-search; choose with --branch)\n"
    );
}

#[test]
fn log_follows_the_spec_on_its_branch() {
    let (alice, bob) = fetched();
    let out = bob.spec_ok(&["log", "2", "--json"]);
    let changes: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let steps: Vec<(serde_json::Value, serde_json::Value)> = changes
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["from"].clone(), c["to"].clone()))
        .collect();
    assert_eq!(
        steps,
        [
            (serde_json::Value::Null, "draft".into()),
            ("draft".into(), "review".into())
        ]
    );
    assert_eq!(
        changes[1]["commit"],
        alice.git_out(&["rev-parse", "spec/0002-search"])
    );
    assert_contains(&stderr(&out), "origin/spec/0002-search");
    let out = bob.spec_ok(&["log", "2", "--branch", "origin/spec/0002-search"]);
    assert_contains(&stdout(&out), "draft -> review");
}

#[test]
fn status_names_the_branch_to_check_out() {
    let (_alice, bob) = fetched();
    let err = bob.fails_untouched(&["status", "2", "approved"]);
    assert_contains(
        &err,
        "SPEC-0002 is not in the working tree: it is on origin/spec/0002-search (specs/0002-search.md); check it out with `git switch spec/0002-search`, then run the command again",
    );
    // The command it names works, and then status does.
    bob.git(&["switch", "-q", "spec/0002-search"]);
    bob.spec_ok(&["status", "2", "approved"]);
}

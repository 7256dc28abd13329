//! Provisional ids for contributors who cannot reserve on the shared
//! remote (a fork, no push rights) and for offline authors, and `promote`,
//! which numbers them once they land.

use std::process::Output;

use crate::common::*;

const RESERVE: &str = "[id]\nreserve = \"origin\"\n\n[references]\npaths = [\"docs/**/*.md\"]\n";

/// An upstream that refuses every push from the contributor (its
/// pre-receive hook sees `PUSHER=contributor`, as a server sees who is
/// pushing), a maintainer's clone and a contributor's clone, both with
/// reservation on.
fn upstream() -> (TestRepo, TestRepo, std::path::PathBuf) {
    let (sandbox, origin, clones) = team(2);
    let hook = origin.join("hooks/pre-receive");
    std::fs::write(
        &hook,
        "#!/bin/sh\nif [ \"$PUSHER\" = contributor ]; then\n  echo 'permission denied: contributors push to their forks' >&2\n  exit 1\nfi\n",
    )
    .unwrap();
    make_executable(&hook);
    let mut clones = clones.into_iter();
    let (maintainer, contributor) = (clones.next().unwrap(), clones.next().unwrap());
    maintainer.write(".specrc", RESERVE);
    maintainer.write("docs/plan.md", "# Plan\n");
    maintainer.commit_all("Reserve ids on origin");
    maintainer.git(&["push", "-q", "origin", "main"]);
    contributor.git(&["pull", "-q", "origin", "main"]);
    drop(sandbox);
    (maintainer, contributor, origin)
}

fn make_executable(path: &std::path::Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn as_contributor(repo: &TestRepo, args: &[&str]) -> Output {
    repo.spec_env(args, &[("PUSHER", Some("contributor"))])
}

/// The provisional id a `new` printed the path of (`specs/DRAFT-….md`).
fn draft_id(path: &str) -> String {
    let name = path.rsplit('/').next().unwrap();
    format!("SPEC-{}", &name[..14])
}

#[test]
fn a_contributor_gets_a_provisional_id_that_promote_numbers_when_it_lands() {
    let (maintainer, contributor, origin) = upstream();
    let sandbox = maintainer.sandbox.clone();

    // The contributor's reservation is refused: a provisional spec.
    let out = as_contributor(&contributor, &["new", "Fork feature"]);
    assert_success(&out);
    let path = stdout(&out).trim().to_string();
    assert!(
        path.starts_with("specs/DRAFT-") && path.ends_with("-fork-feature.md"),
        "{path}"
    );
    let draft = draft_id(&path);
    let err = stderr(&out);
    assert_contains(&err, "origin refused the reservation");
    assert_contains(&err, "provisional");
    assert_contains(&err, "git spec promote");
    assert_eq!(
        contributor.head_ref().unwrap(),
        format!("refs/heads/spec/{}-fork-feature", &draft[5..])
    );
    assert_contains(&contributor.read(&path), &format!("spec-id: {draft}\n"));
    // It works like any spec: status, list, show, check.
    contributor.spec_ok(&["status", &draft, "review"]);
    let json: serde_json::Value =
        serde_json::from_str(&stdout(&contributor.spec_ok(&["show", &draft, "--json"]))).unwrap();
    assert_eq!(
        (json["provisional"].clone(), json["number"].clone()),
        (true.into(), serde_json::Value::Null)
    );
    contributor.write("docs/plan.md", &format!("# Plan\n\nShip {draft} first.\n"));
    contributor.commit_all("Fork feature");
    let check = contributor.spec(&["check"]);
    assert_eq!(stdout(&check), "", "{}", run_text(&check));

    // Meanwhile the maintainer takes SPEC-0001, reserved on upstream.
    let (mine, _) = maintainer.new_spec(&["Maintainer feature"]);
    assert_eq!(mine, "specs/0001-maintainer-feature.md");
    maintainer.commit_all("Maintainer feature");
    maintainer.git(&["switch", "-q", "main"]);
    maintainer.git(&["merge", "-q", "--no-edit", "spec/0001-maintainer-feature"]);

    // The contributor's pull request is merged on main.
    let branch = format!("spec/{}-fork-feature", &draft[5..]);
    maintainer.git(&["fetch", "-q", contributor.path.to_str().unwrap(), &branch]);
    maintainer.git(&["merge", "-q", "--no-edit", "FETCH_HEAD"]);
    maintainer.git(&["push", "-q", "origin", "main"]);

    // CI on main fails until it is promoted.
    let check = maintainer.spec(&["check"]);
    assert_eq!(check.status.code(), Some(1), "{}", run_text(&check));
    assert_contains(
        &stdout(&check),
        &format!("{path}:1: provisional-id: {draft} is provisional on origin/main"),
    );

    // Promotion gives it the next number, reserved upstream.
    let out = maintainer.spec_ok(&["promote", "--commit"]);
    assert_eq!(stdout(&out), "specs/0002-fork-feature.md\n");
    assert_contains(&stderr(&out), &format!("Promoted {draft} to SPEC-0002"));
    assert!(remote_reserved(&sandbox, &origin).contains(&2));
    let text = maintainer.read("specs/0002-fork-feature.md");
    assert_contains(&text, "spec-id: SPEC-0002\n");
    assert_contains(&text, &format!("previous-ids: [{draft}]\n"));
    assert_contains(
        &text,
        &format!("- {SPEC_DATE}: Promoted from {draft} to SPEC-0002 by {USER_NAME}\n"),
    );
    assert_eq!(
        maintainer.read("docs/plan.md"),
        "# Plan\n\nShip SPEC-0002 first.\n"
    );
    assert_eq!(maintainer.status_porcelain(), "");
    assert_eq!(
        maintainer.git_out(&["log", "-1", "--format=%s"]),
        format!("spec: promote {draft} -> SPEC-0002")
    );
    maintainer.git(&["push", "-q", "origin", "main"]);
    let check = maintainer.spec(&["check"]);
    assert_eq!(
        (stdout(&check).as_str(), check.status.code()),
        ("", Some(0)),
        "{}",
        run_text(&check)
    );
    let audit = maintainer.spec(&["check", "--history"]);
    assert!(
        audit.status.success() && stdout(&audit).is_empty(),
        "{}",
        run_text(&audit)
    );
    // The old id still finds it.
    assert_contains(
        &stderr(&maintainer.spec_ok(&["show", &draft])),
        &format!("{draft} was renumbered to SPEC-0002"),
    );

    // A second promote changes nothing.
    let before = maintainer.snapshot();
    let again = maintainer.spec_ok(&["promote", "--commit"]);
    assert_contains(&stderr(&again), "nothing to promote");
    maintainer.assert_unchanged(&before);
}

#[test]
fn offline_authors_get_a_provisional_id_when_the_team_asks_for_it() {
    let repo = TestRepo::with_commit();
    // Without the setting: a number, which may collide later.
    repo.write(".specrc", "[id]\nreserve = \"origin\"\n");
    let (path, _) = repo.new_spec(&["Plain", "--offline", "--no-checkout"]);
    assert_eq!(path, "specs/0001-plain.md");
    repo.write(
        ".specrc",
        "[id]\nreserve = \"origin\"\nprovisional = true\n",
    );
    let (path, _) = repo.new_spec(&["On a train", "--offline", "--no-checkout"]);
    assert!(path.starts_with("specs/DRAFT-"), "{path}");
    // --provisional asks for one directly; two never share a token.
    let (other, _) = repo.new_spec(&["Another", "--provisional", "--no-checkout"]);
    assert!(other.starts_with("specs/DRAFT-") && draft_id(&other) != draft_id(&path));
    // None of them moves the next number.
    repo.write(".specrc", "[id]\nreserve = \"origin\"\n");
    let (next, _) = repo.new_spec(&["Next", "--offline", "--no-checkout"]);
    assert_eq!(next, "specs/0002-next.md");
    let out = repo.spec_ok(&["new", "X", "--provisional", "--dry-run", "--json"]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(
        (json["provisional"].clone(), json["number"].clone()),
        (true.into(), serde_json::Value::Null)
    );
}

#[test]
fn provisional_specs_go_through_the_hook_renumber_and_check_against() {
    let repo = TestRepo::with_commit();
    repo.spec_ok(&["hook", "install"]);
    let (path, _) = repo.new_spec(&["Draft one", "--provisional"]);
    let draft = draft_id(&path);
    repo.commit_all("Draft one");
    // A hand edit gets its entry from the hook.
    let text = repo.read(&path).replace("status: draft", "status: review");
    repo.write(&path, &text);
    assert_success(&repo.git_try(&["commit", "-q", "-a", "-m", "Review"]));
    assert_contains(&repo.show("HEAD", &path), &status_entry("draft", "review"));
    // check against main (which does not have it) is clean.
    let check = repo.spec(&["check", "--against", "main"]);
    assert_eq!(stdout(&check), "", "{}", run_text(&check));
    // promote of a numbered spec is refused; renumber works on a draft.
    let (numbered, _) = repo.new_spec(&["Numbered", "--no-checkout"]);
    assert_eq!(numbered, "specs/0001-numbered.md");
    let err = repo.fails_untouched(&["promote", "1"]);
    assert_contains(&err, "SPEC-0001 is not provisional");
    let out = repo.spec_ok(&["renumber", &draft, "--to", "7"]);
    assert_eq!(stdout(&out), "specs/0007-draft-one.md\n");
    assert_eq!(
        repo.head_ref().unwrap(),
        "refs/heads/spec/0007-draft-one",
        "the branch follows"
    );
    let list: serde_json::Value =
        serde_json::from_str(&stdout(&repo.spec_ok(&["list", "--format", "json"]))).unwrap();
    assert!(list
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["provisional"] == false));
}

#[test]
fn promote_dry_run_numbers_several_in_order_and_changes_nothing() {
    let repo = TestRepo::with_commit();
    let (a, _) = repo.new_spec(&["Alpha", "--provisional", "--no-checkout"]);
    let (b, _) = repo.new_spec(&["Beta", "--provisional", "--no-checkout"]);
    let before = repo.snapshot();
    let out = repo.spec_ok(&["promote", "--dry-run", "--json"]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let mut pairs: Vec<(String, String)> = json["promoted"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["old_id"].as_str().unwrap().to_string(),
                p["new_id"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    pairs.sort();
    let mut expected_from = vec![draft_id(&a), draft_id(&b)];
    expected_from.sort();
    assert_eq!(
        pairs.iter().map(|p| p.0.clone()).collect::<Vec<_>>(),
        expected_from
    );
    let mut to: Vec<String> = pairs.iter().map(|p| p.1.clone()).collect();
    to.sort();
    assert_eq!(to, ["SPEC-0001", "SPEC-0002"]);
    assert_eq!(json["dry_run"], true);
    repo.assert_unchanged(&before);
    // For real: both numbered, distinct (in the order of the drafts'
    // file names, which are random).
    repo.spec_ok(&["promote"]);
    let mut files = repo.list_dir("specs");
    files.sort();
    let numbers: Vec<&str> = files.iter().map(|f| &f[..5]).collect();
    assert_eq!(numbers, ["0001-", "0002-"], "{files:?}");
    let mut slugs: Vec<&str> = files.iter().map(|f| &f[5..]).collect();
    slugs.sort();
    assert_eq!(slugs, ["alpha.md", "beta.md"]);
}

//! `git spec log`: integration tests through the real binary, on temporary
//! repositories made with the real `git` CLI (see `common`).
//!
//! Every commit is made at its own pinned date (and some by other authors),
//! so the dates, names and ids in the output can be checked exactly.

use std::process::Output;

use crate::common::*;

// ---------------------------------------------------------------------------
// Helpers local to these tests.
// ---------------------------------------------------------------------------

/// `GIT_AUTHOR_DATE` for noon UTC on a day of 2026 (`"02-10"`).
fn noon(day: &str) -> String {
    format!("2026-{day}T12:00:00+00:00")
}

/// Environment for a commit at `date` by `author` (None: the repo's user).
fn commit_env(date: &str, author: Option<&str>) -> Vec<(&'static str, Option<String>)> {
    let mut env = vec![
        ("GIT_AUTHOR_DATE", Some(date.to_string())),
        ("GIT_COMMITTER_DATE", Some(date.to_string())),
    ];
    if let Some(author) = author {
        env.push(("GIT_AUTHOR_NAME", Some(author.to_string())));
        env.push(("GIT_AUTHOR_EMAIL", Some("someone@example.com".to_string())));
    }
    env
}

/// `git ARGS` with extra environment, asserting success.
#[track_caller]
fn git_env(repo: &TestRepo, args: &[&str], env: &[(&str, Option<String>)]) -> Output {
    let mut cmd = repo.git_cmd(args);
    for (name, value) in env {
        match value {
            Some(value) => cmd.env(name, value),
            None => cmd.env_remove(name),
        };
    }
    let out = run(&mut cmd);
    assert_success_ctx(&out, &format!("git {}", args.join(" ")));
    out
}

/// Stages everything and commits it at `date` by `author`; returns the id.
fn commit_at(repo: &TestRepo, message: &str, date: &str, author: Option<&str>) -> String {
    repo.git(&["add", "-A"]);
    git_env(
        repo,
        &["commit", "-q", "-m", message],
        &commit_env(date, author),
    );
    repo.head_oid().unwrap()
}

/// `git spec status ID TO --commit` at `date` by `author`; returns the id
/// of the commit it made.
fn status_commit(repo: &TestRepo, id: &str, to: &str, date: &str, author: Option<&str>) -> String {
    let env = commit_env(date, author);
    let env: Vec<(&str, Option<&str>)> = env.iter().map(|(k, v)| (*k, v.as_deref())).collect();
    let out = repo.spec_env(&["status", id, to, "--commit"], &env);
    assert_success(&out);
    repo.head_oid().unwrap()
}

/// Replaces the `status:` line of a spec file by hand.
fn set_status_by_hand(repo: &TestRepo, rel: &str, to: &str) {
    let text = repo.read(rel);
    let mut out = String::new();
    let mut done = false;
    for line in text.split_inclusive('\n') {
        if !done && line.starts_with("status:") {
            out.push_str(&format!("status: {to}\n"));
            done = true;
        } else {
            out.push_str(line);
        }
    }
    assert!(done, "no status line in {rel}:\n{text}");
    repo.write(rel, &out);
}

/// Appends a line to a file (an edit that leaves the status alone).
fn append(repo: &TestRepo, rel: &str, line: &str) {
    let text = repo.read(rel);
    repo.write(rel, &format!("{text}{line}\n"));
}

fn short(id: &str) -> &str {
    &id[..7]
}

/// `git spec log --json ID`, parsed.
fn log_json(repo: &TestRepo, id: &str) -> Vec<serde_json::Value> {
    let out = repo.spec_ok(&["log", "--json", id]);
    let value: serde_json::Value = serde_json::from_str(&stdout(&out))
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", stdout(&out)));
    value.as_array().expect("a JSON array").clone()
}

/// A spec document with the given status, large enough that git's rename
/// detection sees a rename with a one-line edit as a rename.
fn doc(id: u32, title: &str, status: &str) -> String {
    format!(
        "---\nspec-id: SPEC-{id:04}\ntitle: {title}\nstatus: {status}\npriority: medium\n\
         owner: Jane Doe <jane@example.com>\ncreated: 2026-01-01\nupdated: 2026-01-01\n---\n\n\
         # {title}\n\n## Overview\n\nUsers sign in with a password.\n\n## Requirements\n\n\
         1. Passwords are hashed.\n2. Sessions expire.\n3. Accounts lock after failures.\n\n\
         ## Changelog\n\n- 2026-01-01: Initial draft created\n"
    )
}

/// The repository of the main scenario and the commits that matter.
struct Story {
    repo: TestRepo,
    created: String,
    review: String,
    approved: String,
    in_progress: String,
}

/// SPEC-0001 through draft -> review -> approved -> in-progress, with
/// edits that leave the status alone, a pure rename and a rename made in
/// the same commit as a status change:
///
/// | date  | author       | how                        | change                         |
/// |-------|--------------|----------------------------|--------------------------------|
/// | 02-01 | Jane Doe     | `git spec new`, git commit | created (draft)                |
/// | 02-05 | Jane Doe     | hand edit, git commit      | body only                      |
/// | 02-10 | Bob Reviewer | `status --commit`          | draft -> review                |
/// | 02-15 | Jane Doe     | `git mv`, git commit       | 0001-add-login -> 0001-oauth-login |
/// | 02-20 | Carol Chief  | hand edit, git commit      | review -> approved             |
/// | 02-22 | Jane Doe     | hand edit, git commit      | body only                      |
/// | 02-25 | Jane Doe     | `git mv` + hand edit       | approved -> in-progress, renamed to 0001-oauth-sso |
fn story() -> Story {
    let repo = TestRepo::with_commit();
    let (path, _) = repo.new_spec(&["Add login", "--no-branch"]);
    assert_eq!(path, "specs/0001-add-login.md");
    let created = commit_at(&repo, "Add SPEC-0001", &noon("02-01"), None);

    append(&repo, &path, "More details.");
    commit_at(&repo, "Detail SPEC-0001", &noon("02-05"), None);

    let review = status_commit(&repo, "1", "review", &noon("02-10"), Some("Bob Reviewer"));

    repo.git(&["mv", &path, "specs/0001-oauth-login.md"]);
    commit_at(&repo, "Rename SPEC-0001", &noon("02-15"), None);

    set_status_by_hand(&repo, "specs/0001-oauth-login.md", "approved");
    let approved = commit_at(&repo, "Approve", &noon("02-20"), Some("Carol Chief"));

    append(&repo, "specs/0001-oauth-login.md", "Even more details.");
    commit_at(&repo, "Detail again", &noon("02-22"), None);

    repo.git(&["mv", "specs/0001-oauth-login.md", "specs/0001-oauth-sso.md"]);
    set_status_by_hand(&repo, "specs/0001-oauth-sso.md", "in-progress");
    let in_progress = commit_at(&repo, "Start SSO", &noon("02-25"), None);

    Story {
        repo,
        created,
        review,
        approved,
        in_progress,
    }
}

// ---------------------------------------------------------------------------
// The whole history, across renames.
// ---------------------------------------------------------------------------

#[test]
fn text_history_is_complete_across_renames_oldest_first() {
    let s = story();
    let out = s.repo.spec_ok(&["log", "SPEC-0001"]);
    let expected = format!(
        "[exit 0]\n\
         --- stdout\n\
         2026-02-01  {}  Jane Doe      (new)    -> draft\n\
         2026-02-10  {}  Bob Reviewer  draft    -> review\n\
         2026-02-20  {}  Carol Chief   review   -> approved\n\
         2026-02-25  {}  Jane Doe      approved -> in-progress\n\
         --- stderr\n",
        short(&s.created),
        short(&s.review),
        short(&s.approved),
        short(&s.in_progress),
    );
    assert_eq!(run_text(&out), expected);
}

#[test]
fn every_id_form_and_a_subdirectory_give_the_same_history() {
    let s = story();
    let reference = stdout(&s.repo.spec_ok(&["log", "1"]));
    for form in ["0001", "SPEC-0001", "spec-0001"] {
        assert_eq!(stdout(&s.repo.spec_ok(&["log", form])), reference, "{form}");
    }
    let out = s.repo.spec_in("specs", &["log", "1"]);
    assert_success(&out);
    assert_eq!(stdout(&out), reference);
}

#[test]
fn json_schema_ids_dates_authors_and_paths() {
    let s = story();
    let changes = log_json(&s.repo, "1");
    let expected = [
        (
            &s.created,
            "2026-02-01",
            "Jane Doe",
            None,
            "draft",
            "specs/0001-add-login.md",
        ),
        (
            &s.review,
            "2026-02-10",
            "Bob Reviewer",
            Some("draft"),
            "review",
            "specs/0001-add-login.md",
        ),
        (
            &s.approved,
            "2026-02-20",
            "Carol Chief",
            Some("review"),
            "approved",
            "specs/0001-oauth-login.md",
        ),
        (
            &s.in_progress,
            "2026-02-25",
            "Jane Doe",
            Some("approved"),
            "in-progress",
            "specs/0001-oauth-sso.md",
        ),
    ];
    assert_eq!(changes.len(), expected.len(), "{changes:#?}");
    for (change, (commit, date, author, from, to, path)) in changes.iter().zip(expected) {
        let object = change.as_object().expect("an object per change");
        let mut keys: Vec<&str> = object.keys().map(String::as_str).collect();
        keys.sort();
        assert_eq!(keys, ["author", "commit", "date", "from", "path", "to"]);
        assert_eq!(change["commit"], commit.as_str(), "full commit id");
        assert_eq!(change["commit"].as_str().unwrap().len(), 40);
        assert_eq!(change["date"], date);
        assert_eq!(change["author"], author);
        match from {
            None => assert!(change["from"].is_null(), "{change}"),
            Some(from) => assert_eq!(change["from"], from),
        }
        assert_eq!(change["to"], to);
        assert_eq!(change["path"], path);
    }
}

#[test]
fn commits_that_leave_the_status_alone_do_not_appear() {
    let s = story();
    let listed: Vec<String> = log_json(&s.repo, "1")
        .iter()
        .map(|c| c["commit"].as_str().unwrap().to_string())
        .collect();
    let all = s.repo.git_out(&["rev-list", "HEAD"]);
    assert_eq!(all.lines().count(), 8, "README + 7 spec commits");
    assert_eq!(
        listed,
        [&s.created, &s.review, &s.approved, &s.in_progress].map(|s| s.to_string())
    );
    // A later body-only commit changes nothing either.
    append(&s.repo, "specs/0001-oauth-sso.md", "Notes.");
    commit_at(&s.repo, "Notes", &noon("03-01"), None);
    assert_eq!(log_json(&s.repo, "1").len(), 4);
}

// ---------------------------------------------------------------------------
// Renames that git's rename detection does not see, merges, dates.
// ---------------------------------------------------------------------------

#[test]
fn rename_with_a_rewrite_is_followed_by_the_number_in_the_file_name() {
    let repo = TestRepo::with_commit();
    repo.write("specs/0003-search.md", &doc(3, "Search", "draft"));
    let created = commit_at(&repo, "add", &noon("03-01"), None);
    // New name and a completely different text: no longer "similar".
    repo.remove("specs/0003-search.md");
    repo.write(
        "specs/0003-full-text-search.md",
        "---\nspec-id: SPEC-0003\nstatus: review\n---\nRewritten from scratch.\n",
    );
    let review = commit_at(&repo, "rewrite", &noon("03-02"), None);
    let changes = log_json(&repo, "3");
    assert_eq!(changes.len(), 2, "{changes:#?}");
    assert_eq!(changes[0]["commit"], created.as_str());
    assert_eq!(changes[0]["path"], "specs/0003-search.md");
    assert_eq!(changes[1]["commit"], review.as_str());
    assert_eq!(changes[1]["from"], "draft");
    assert_eq!(changes[1]["to"], "review");
    assert_eq!(changes[1]["path"], "specs/0003-full-text-search.md");
}

#[test]
fn a_merged_branch_is_followed_into_the_branch() {
    let repo = TestRepo::with_commit();
    repo.git(&["checkout", "-q", "-b", "spec/0001-login"]);
    repo.write("specs/0001-login.md", &doc(1, "Login", "draft"));
    let created = commit_at(&repo, "add", &noon("04-01"), None);
    set_status_by_hand(&repo, "specs/0001-login.md", "review");
    let review = commit_at(&repo, "review", &noon("04-02"), Some("Bob Reviewer"));
    // main moves on meanwhile, then merges the branch.
    repo.git(&["checkout", "-q", "main"]);
    repo.write("src/lib.rs", "// code\n");
    commit_at(&repo, "code", &noon("04-03"), None);
    git_env(
        &repo,
        &["merge", "-q", "--no-ff", "-m", "Merge", "spec/0001-login"],
        &commit_env(&noon("04-04"), None),
    );
    // And approves it on main.
    set_status_by_hand(&repo, "specs/0001-login.md", "approved");
    let approved = commit_at(&repo, "approve", &noon("04-05"), None);

    let changes = log_json(&repo, "1");
    let got: Vec<(&str, &str)> = changes
        .iter()
        .map(|c| (c["commit"].as_str().unwrap(), c["to"].as_str().unwrap()))
        .collect();
    assert_eq!(
        got,
        [
            (created.as_str(), "draft"),
            (review.as_str(), "review"),
            (approved.as_str(), "approved")
        ]
    );
}

#[test]
fn a_merge_where_both_sides_edited_follows_the_side_the_status_came_from() {
    let repo = TestRepo::with_commit();
    repo.write("specs/0001-login.md", &doc(1, "Login", "draft"));
    let created = commit_at(&repo, "add", &noon("05-01"), None);
    repo.git(&["checkout", "-q", "-b", "review"]);
    set_status_by_hand(&repo, "specs/0001-login.md", "review");
    let review = commit_at(&repo, "review", &noon("05-02"), Some("Bob Reviewer"));
    repo.git(&["checkout", "-q", "main"]);
    // main edits another line of the same file: the merge differs from
    // both parents.
    let text = repo.read("specs/0001-login.md");
    repo.write(
        "specs/0001-login.md",
        &text.replace("Sessions expire.", "Sessions expire after a day."),
    );
    commit_at(&repo, "edit", &noon("05-03"), None);
    git_env(
        &repo,
        &["merge", "-q", "--no-ff", "-m", "Merge review", "review"],
        &commit_env(&noon("05-04"), None),
    );
    assert_eq!(
        fm_str(&repo.read("specs/0001-login.md"), "status"),
        "review"
    );
    let changes = log_json(&repo, "1");
    let got: Vec<(&str, &str)> = changes
        .iter()
        .map(|c| (c["commit"].as_str().unwrap(), c["to"].as_str().unwrap()))
        .collect();
    assert_eq!(
        got,
        [(created.as_str(), "draft"), (review.as_str(), "review")]
    );
}

#[test]
fn the_date_is_the_author_date_in_the_author_time_zone() {
    let repo = TestRepo::with_commit();
    repo.write("specs/0001-login.md", &doc(1, "Login", "draft"));
    // 2026-03-01 01:00 in UTC+2 is still February 28 in UTC; the committer
    // date is a week later and must not be used.
    git_env(&repo, &["add", "-A"], &[]);
    git_env(
        &repo,
        &["commit", "-q", "-m", "add"],
        &[
            ("GIT_AUTHOR_DATE", Some("2026-03-01T01:00:00+02:00".into())),
            (
                "GIT_COMMITTER_DATE",
                Some("2026-03-08T12:00:00+00:00".into()),
            ),
        ],
    );
    let changes = log_json(&repo, "1");
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0]["date"], "2026-03-01");
}

// ---------------------------------------------------------------------------
// Specs that are not (or no longer) in the working tree or in HEAD.
// ---------------------------------------------------------------------------

#[test]
fn an_uncommitted_spec_has_no_history_yet() {
    let repo = TestRepo::with_commit();
    repo.write("specs/0001-login.md", &doc(1, "Login", "draft"));
    let out = repo.spec_ok(&["log", "1"]);
    assert_eq!(stdout(&out), "");
    assert_contains(&stderr(&out), "SPEC-0001 has no committed status yet");
    assert!(log_json(&repo, "1").is_empty());
}

#[test]
fn in_a_repository_without_commits_there_is_no_history() {
    let repo = TestRepo::new();
    repo.write("specs/0001-login.md", &doc(1, "Login", "draft"));
    assert!(log_json(&repo, "1").is_empty());
}

#[test]
fn an_uncommitted_status_change_is_mentioned_on_stderr_only() {
    let s = story();
    set_status_by_hand(&s.repo, "specs/0001-oauth-sso.md", "implemented");
    let out = s.repo.spec_ok(&["log", "1"]);
    assert_eq!(stdout(&out).lines().count(), 4);
    assert_contains(
        &stderr(&out),
        "SPEC-0001: not committed yet: in-progress -> implemented in the working tree",
    );
}

#[test]
fn an_uncommitted_rename_still_finds_the_history() {
    let s = story();
    s.repo.git(&[
        "mv",
        "specs/0001-oauth-sso.md",
        "specs/0001-single-sign-on.md",
    ]);
    assert_eq!(log_json(&s.repo, "1").len(), 4);
}

#[test]
fn a_spec_deleted_from_the_working_tree_is_read_from_head() {
    let s = story();
    s.repo.remove("specs/0001-oauth-sso.md");
    assert_eq!(log_json(&s.repo, "1").len(), 4);
}

#[test]
fn unknown_and_malformed_ids_are_errors() {
    let s = story();
    let err = assert_failure(&s.repo.spec(&["log", "7"]));
    assert_contains(&err, "SPEC-0007");
    let err = assert_failure(&s.repo.spec(&["log", "abc"]));
    assert_contains(&err, "not a spec id");
}

#[test]
fn an_unreadable_version_in_between_is_not_a_change() {
    let repo = TestRepo::with_commit();
    repo.write("specs/0001-login.md", &doc(1, "Login", "draft"));
    let created = commit_at(&repo, "add", &noon("06-01"), None);
    // Broken front matter for one commit (unterminated), then fixed with a
    // new status.
    let good = repo.read("specs/0001-login.md");
    repo.write("specs/0001-login.md", &good.replacen("\n---\n", "\n", 1));
    commit_at(&repo, "oops", &noon("06-02"), None);
    repo.write(
        "specs/0001-login.md",
        &good.replace("status: draft", "status: review"),
    );
    let review = commit_at(&repo, "fix", &noon("06-03"), None);
    let changes = log_json(&repo, "1");
    let got: Vec<(&str, Option<&str>, &str)> = changes
        .iter()
        .map(|c| {
            (
                c["commit"].as_str().unwrap(),
                c["from"].as_str(),
                c["to"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (created.as_str(), None, "draft"),
            (review.as_str(), Some("draft"), "review")
        ]
    );
}

#[test]
fn a_renumbered_spec_keeps_its_history_through_git_rename_detection() {
    // Two branches both made SPEC-0002; this one was renumbered to 0004 in
    // the same commit that moved it to review. Only git's rename detection
    // can link the two files: the number in the name changed too.
    let repo = TestRepo::with_commit();
    repo.write("specs/0002-export.md", &doc(2, "Export", "draft"));
    let created = commit_at(&repo, "add", &noon("07-01"), None);
    repo.git(&["mv", "specs/0002-export.md", "specs/0004-export.md"]);
    repo.write(
        "specs/0004-export.md",
        &doc(4, "Export", "draft").replace("status: draft", "status: review"),
    );
    let review = commit_at(&repo, "renumber", &noon("07-02"), None);
    let changes = log_json(&repo, "4");
    assert_eq!(changes.len(), 2, "{changes:#?}");
    assert_eq!(changes[0]["commit"], created.as_str());
    assert_eq!(changes[0]["path"], "specs/0002-export.md");
    assert_eq!(changes[1]["commit"], review.as_str());
    assert_eq!(changes[1]["path"], "specs/0004-export.md");
    assert_eq!(changes[1]["from"], "draft");
}

#[test]
fn author_names_go_through_the_mailmap() {
    let s = story();
    s.repo.write(
        ".mailmap",
        "Robert Reviewer <bob@example.com> Bob Reviewer <someone@example.com>\n",
    );
    let changes = log_json(&s.repo, "1");
    assert_eq!(changes[1]["author"], "Robert Reviewer");
}

#[test]
fn a_shallow_clone_says_where_its_history_starts() {
    let s = story();
    let url = format!("file://{}", s.repo.path.display());
    s.repo.sandbox.git_in(
        &s.repo.sandbox.root,
        &["clone", "-q", "--depth", "2", &url, "shallow"],
    );
    let clone = TestRepo::at(&s.repo.sandbox, s.repo.sandbox.root.join("shallow"));
    let out = clone.spec_ok(&["log", "1"]);
    // HEAD~1 is where the clone starts: the status it had there, then the
    // change HEAD made.
    let first = clone.git_out(&["rev-parse", "HEAD~1"]);
    let text = stdout(&out);
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(
        text.lines()
            .next()
            .unwrap()
            .contains(&format!("{}  Jane Doe  (new)", short(&first))),
        "{text}"
    );
    assert!(
        text.lines()
            .nth(1)
            .unwrap()
            .ends_with("approved -> in-progress"),
        "{text}"
    );
    assert_contains(&stderr(&out), "shallow clone");
    assert_contains(&stderr(&out), "git fetch --unshallow");
    // The full repository has no such note.
    assert!(!stderr(&s.repo.spec_ok(&["log", "1"])).contains("shallow"));
}

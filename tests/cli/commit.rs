//! `--commit` (of `new` and `status`) goes through the user's own `git
//! commit`: their hooks run, `commit.gpgsign` applies, only the spec is
//! committed, and a refused commit leaves the change in the working tree
//! with HEAD where it was.

use std::fs;
use std::os::unix::fs::PermissionsExt;

use crate::common::*;

const SPEC: &str = "specs/0001-login.md";

/// A repository with one commit holding README.md and SPEC (a draft).
fn repo_with_spec() -> TestRepo {
    let repo = TestRepo::with_commit();
    repo.write(SPEC, &SpecFx::new(1, "Login").text());
    repo.commit_all("add spec");
    repo
}

/// Writes `.git/hooks/<name>` as an executable shell script.
fn hook(repo: &TestRepo, name: &str, body: &str) {
    let hooks = repo.git_dir().join("hooks");
    fs::create_dir_all(&hooks).unwrap();
    let path = hooks.join(name);
    fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
}

const REFUSING_HOOK: &str =
    "echo 'commit-msg: the subject must name a ticket (ABC-123)' >&2\nexit 1";
const HOOK_MESSAGE: &str = "commit-msg: the subject must name a ticket (ABC-123)";

const SIGN_OFF_HOOK: &str = "printf '\\nSigned-off-by: X <x@example.com>\\n' >> \"$1\"";

/// `git show --name-only HEAD`: the paths the last commit changed.
fn committed_paths(repo: &TestRepo) -> String {
    repo.git_out(&["show", "--name-only", "--format=", "HEAD"])
}

/// Asserts that `err` is the report of a commit git refused.
#[track_caller]
fn assert_not_committed(err: &str) {
    assert_contains(err, HOOK_MESSAGE);
    assert_contains(err, "nothing was committed");
    assert_contains(err, "HEAD is unchanged");
    assert_contains(err, "kept in the working tree");
}

// ---------------------------------------------------------------------------
// A commit-msg hook that refuses.
// ---------------------------------------------------------------------------

#[test]
fn a_refusing_commit_msg_hook_stops_status_commit_and_keeps_the_change() {
    let repo = repo_with_spec();
    hook(&repo, "commit-msg", REFUSING_HOOK);
    let head = repo.head_oid();

    let out = repo.spec(&["status", "1", "review", "--commit"]);
    let err = assert_failure(&out);
    assert_not_committed(&err);
    assert_contains(&err, "SPEC-0001 was changed in specs/0001-login.md");
    assert_eq!(stdout(&out), "", "no success line for a failed commit");

    assert_eq!(repo.head_oid(), head, "HEAD moved");
    assert_eq!(fm_str(&repo.read(SPEC), "status"), "review");
    assert_contains(&repo.read(SPEC), &status_entry("draft", "review"));
    // A change in the working tree, not staged (and not committed).
    assert_eq!(repo.status_porcelain(), format!(" M {SPEC}\n"));
    assert_eq!(repo.show("HEAD", SPEC), SpecFx::new(1, "Login").text());
    // No lock is left behind.
    assert!(!repo.git_dir().join("git-spec/edit.lock").exists());
}

#[test]
fn a_refusing_commit_msg_hook_stops_new_commit_and_keeps_the_file() {
    let repo = TestRepo::with_commit();
    hook(&repo, "commit-msg", REFUSING_HOOK);
    let head = repo.head_oid();
    let path = "specs/0001-t.md";

    let out = repo.spec(&["new", "T", "--commit"]);
    let err = assert_failure(&out);
    assert_not_committed(&err);
    assert_contains(
        &err,
        "SPEC-0001 was created at specs/0001-t.md on branch spec/0001-t but not committed",
    );

    // The branch was created and checked out; nothing was committed on it.
    assert_eq!(repo.head_ref().as_deref(), Some("refs/heads/spec/0001-t"));
    assert_eq!(repo.head_oid(), head, "HEAD moved");
    assert_eq!(repo.rev_parse("refs/heads/main"), head);
    assert!(repo.exists(path));
    assert_eq!(fm_str(&repo.read(path), "spec-id"), "SPEC-0001");
    // The new file is left as it was written: untracked, not staged.
    assert_eq!(repo.status_porcelain(), format!("?? {path}\n"));
    assert_eq!(repo.index_entries().lines().count(), 1, "only README.md");
}

#[test]
fn a_refusing_commit_msg_hook_stops_new_no_branch_commit_in_an_unborn_repository() {
    let repo = TestRepo::new();
    hook(&repo, "commit-msg", REFUSING_HOOK);

    let err = assert_failure(&repo.spec(&["new", "--no-branch", "T", "--commit"]));
    assert_not_committed(&err);
    assert_contains(
        &err,
        "SPEC-0001 was created at specs/0001-t.md but not committed",
    );
    assert_eq!(repo.head_oid(), None, "a commit was made");
    assert_eq!(repo.head_ref().as_deref(), Some("refs/heads/main"));
    assert_eq!(repo.status_porcelain(), "?? specs/0001-t.md\n");
}

// ---------------------------------------------------------------------------
// A commit-msg hook that edits the message; signing.
// ---------------------------------------------------------------------------

#[test]
fn a_commit_msg_hook_can_add_a_trailer_to_the_status_commit() {
    let repo = repo_with_spec();
    hook(&repo, "commit-msg", SIGN_OFF_HOOK);
    repo.spec_ok(&["status", "1", "review", "--commit"]);
    assert_eq!(
        repo.git_out(&["log", "-1", "--format=%B"]),
        "spec(SPEC-0001): draft -> review\n\nSigned-off-by: X <x@example.com>"
    );
    assert_eq!(committed_paths(&repo), SPEC);
    assert_eq!(repo.status_porcelain(), "");
}

#[test]
fn a_commit_msg_hook_can_add_a_trailer_to_the_new_commit() {
    let repo = TestRepo::with_commit();
    hook(&repo, "commit-msg", SIGN_OFF_HOOK);
    repo.new_spec(&["--commit", "Add login"]);
    assert_eq!(
        repo.git_out(&["log", "-1", "--format=%B"]),
        "spec(SPEC-0001): add Add login\n\nSigned-off-by: X <x@example.com>"
    );
    assert_eq!(committed_paths(&repo), "specs/0001-add-login.md");
    assert_eq!(repo.status_porcelain(), "");
}

#[test]
fn what_a_hook_prints_on_success_goes_to_stderr() {
    let repo = repo_with_spec();
    hook(&repo, "commit-msg", "echo 'hook: message looks fine'");
    let out = repo.spec_ok(&["status", "1", "review", "--commit"]);
    assert_eq!(stdout(&out), "SPEC-0001: draft -> review\n");
    assert_contains(&stderr(&out), "hook: message looks fine");
}

#[test]
fn a_failing_signing_program_fails_the_commit_as_git_commit_would() {
    let repo = repo_with_spec();
    let gpg = repo.sandbox.script("fake-gpg", "cat >/dev/null\nexit 1");
    repo.git(&["config", "commit.gpgsign", "true"]);
    repo.git(&["config", "gpg.program", gpg.to_str().unwrap()]);
    let head = repo.head_oid();

    let err = assert_failure(&repo.spec(&["status", "1", "review", "--commit"]));
    assert_contains(&err, "gpg failed to sign");
    assert_contains(&err, "nothing was committed");
    assert_contains(&err, "HEAD is unchanged");
    assert_eq!(repo.head_oid(), head);
    assert_eq!(fm_str(&repo.read(SPEC), "status"), "review");
    assert_eq!(repo.status_porcelain(), format!(" M {SPEC}\n"));

    let err = assert_failure(&repo.spec(&["new", "T", "--commit"]));
    assert_contains(&err, "gpg failed to sign");
    assert_eq!(repo.head_oid(), head);
}

#[test]
fn commit_gpgsign_signs_the_commits() {
    let repo = repo_with_spec();
    // Signs the way git expects gpg to: the signature on stdout, the
    // status line on the status fd (stderr, --status-fd=2).
    let gpg = repo.sandbox.script(
        "fake-gpg",
        "cat >/dev/null\n\
         printf '\\n[GNUPG:] SIG_CREATED D 1 8 00 1767225600 FAKE\\n' >&2\n\
         printf -- '-----BEGIN PGP SIGNATURE-----\\n\\nZmFrZQ==\\n-----END PGP SIGNATURE-----\\n'",
    );
    repo.git(&["config", "commit.gpgsign", "true"]);
    repo.git(&["config", "gpg.program", gpg.to_str().unwrap()]);

    repo.spec_ok(&["status", "1", "review", "--commit"]);
    assert_contains(
        &repo.git_out(&["cat-file", "commit", "HEAD"]),
        "gpgsig -----BEGIN PGP SIGNATURE-----",
    );
    repo.new_spec(&["--commit", "Signed"]);
    assert_contains(
        &repo.git_out(&["cat-file", "commit", "HEAD"]),
        "gpgsig -----BEGIN PGP SIGNATURE-----",
    );
}

#[test]
fn new_no_checkout_commit_is_made_without_hooks_or_signing() {
    // The documented exception: the branch is not checked out, so git
    // spec commits on it itself.
    let repo = TestRepo::with_commit();
    hook(&repo, "commit-msg", REFUSING_HOOK);
    let gpg = repo.sandbox.script("fake-gpg", "cat >/dev/null\nexit 1");
    repo.git(&["config", "commit.gpgsign", "true"]);
    repo.git(&["config", "gpg.program", gpg.to_str().unwrap()]);
    repo.spec_ok(&["new", "--no-checkout", "--commit", "Elsewhere"]);
    let branch = "refs/heads/spec/0001-elsewhere";
    assert_eq!(
        repo.git_out(&["log", "-1", "--format=%B", branch]),
        "spec(SPEC-0001): add Elsewhere"
    );
    assert!(!repo
        .git_out(&["cat-file", "commit", branch])
        .contains("gpgsig"));
}

// ---------------------------------------------------------------------------
// Only the spec is committed.
// ---------------------------------------------------------------------------

#[test]
fn another_staged_file_stays_staged_and_out_of_the_status_commit() {
    let repo = repo_with_spec();
    let parent = repo.head_oid().unwrap();
    repo.write("notes.txt", "staged\n");
    repo.git(&["add", "notes.txt"]);

    repo.spec_ok(&["status", "1", "review", "--commit"]);
    assert_eq!(committed_paths(&repo), SPEC);
    assert_eq!(repo.rev_parse("HEAD^").as_deref(), Some(parent.as_str()));
    assert_eq!(repo.status_porcelain(), "A  notes.txt\n");
    assert_eq!(
        repo.git_out(&["diff", "--cached", "--name-only"]),
        "notes.txt"
    );
}

#[test]
fn the_spec_path_goes_to_git_as_a_literal_pathspec() {
    // To git, `:specs/x.md` is pathspec magic: `:` then the path
    // `specs/x.md` from the top, a different file.
    let repo = TestRepo::with_commit();
    repo.write(".specrc", "dir = \":specs\"\n");
    repo.commit_all("spec folder with a colon");
    repo.write("specs/0001-t.md", "not a spec, staged\n");
    repo.git(&["add", "specs/0001-t.md"]);

    let (path, _) = repo.new_spec(&["--no-branch", "--commit", "T"]);
    assert_eq!(path, ":specs/0001-t.md");
    assert_eq!(committed_paths(&repo), ":specs/0001-t.md");
    repo.spec_ok(&["status", "1", "review", "--commit"]);
    assert_eq!(committed_paths(&repo), ":specs/0001-t.md");
    assert_eq!(repo.status_porcelain(), "A  specs/0001-t.md\n");
}

#[test]
fn status_commit_of_an_untracked_spec_adds_it() {
    let repo = TestRepo::with_commit();
    repo.write(SPEC, &SpecFx::new(1, "Login").text());
    repo.spec_ok(&["status", "1", "review", "--commit"]);
    assert_eq!(committed_paths(&repo), SPEC);
    assert_eq!(repo.status_porcelain(), "");
}

#[test]
fn a_refused_commit_of_an_untracked_spec_leaves_it_untracked() {
    let repo = TestRepo::with_commit();
    repo.write(SPEC, &SpecFx::new(1, "Login").text());
    hook(&repo, "commit-msg", REFUSING_HOOK);
    let err = assert_failure(&repo.spec(&["status", "1", "review", "--commit"]));
    assert_not_committed(&err);
    assert_eq!(repo.status_porcelain(), format!("?? {SPEC}\n"));
    assert_eq!(fm_str(&repo.read(SPEC), "status"), "review");
}

// ---------------------------------------------------------------------------
// git-spec's own pre-commit hook inside the commit.
// ---------------------------------------------------------------------------

#[test]
fn status_commit_with_the_git_spec_hook_installed_records_one_entry() {
    let repo = repo_with_spec();
    repo.spec_ok(&["hook", "install"]);
    // A held edit lock would make the hook wait this long, then fail.
    let out = repo.spec_env(
        &["status", "1", "review", "--commit"],
        &[("GIT_SPEC_LOCK_TIMEOUT_MS", Some("3000"))],
    );
    assert_success(&out);
    assert_eq!(
        repo.git_out(&["log", "-1", "--format=%s"]),
        "spec(SPEC-0001): draft -> review"
    );
    let committed = repo.show("HEAD", SPEC);
    assert_eq!(committed, repo.read(SPEC));
    assert_eq!(
        committed.matches("Status changed from").count(),
        1,
        "{committed}"
    );
    assert_contains(&committed, &status_entry("draft", "review"));
    assert_eq!(repo.status_porcelain(), "");
    assert!(!repo.git_dir().join("git-spec/edit.lock").exists());
}

#[test]
fn the_edit_lock_is_released_before_git_commit_runs_the_hooks() {
    // The git-spec hook takes the edit lock whenever it edits a spec:
    // held by `status` during the commit, the hook would wait and time out.
    let repo = repo_with_spec();
    hook(
        &repo,
        "pre-commit",
        "if [ -e \"$(git rev-parse --git-common-dir)/git-spec/edit.lock\" ]; then\n\
         echo 'pre-commit: edit.lock is held' >&2\n\
         exit 1\n\
         fi",
    );
    repo.spec_ok(&["status", "1", "review", "--commit"]);
    assert_eq!(committed_paths(&repo), SPEC);
}

#[test]
fn new_commit_with_the_git_spec_hook_installed() {
    let repo = TestRepo::with_commit();
    repo.spec_ok(&["hook", "install"]);
    let out = repo.spec_env(
        &["new", "--commit", "Hooked"],
        &[("GIT_SPEC_LOCK_TIMEOUT_MS", Some("3000"))],
    );
    assert_success(&out);
    assert_eq!(committed_paths(&repo), "specs/0001-hooked.md");
    assert_eq!(repo.status_porcelain(), "");
}

// ---------------------------------------------------------------------------
// The root commit.
// ---------------------------------------------------------------------------

#[test]
fn new_commit_in_a_repository_without_commits_makes_the_root_commit() {
    let repo = TestRepo::new();
    // The hook runs for the root commit too.
    hook(&repo, "commit-msg", SIGN_OFF_HOOK);
    let (path, content) = repo.new_spec(&["--commit", "Root"]);
    assert_eq!(path, "specs/0001-root.md");
    assert_eq!(
        repo.head_ref().as_deref(),
        Some("refs/heads/spec/0001-root")
    );
    assert_eq!(repo.git_out(&["rev-list", "--count", "HEAD"]), "1");
    assert_eq!(
        repo.git_out(&["rev-list", "--parents", "-n1", "HEAD"]),
        repo.head_oid().unwrap(),
        "a root commit has no parent"
    );
    assert_eq!(repo.tree_paths("HEAD"), vec![path.clone()]);
    assert_eq!(repo.show("HEAD", &path), content);
    assert_contains(
        &repo.git_out(&["log", "-1", "--format=%B"]),
        "Signed-off-by: X <x@example.com>",
    );
    assert_eq!(repo.status_porcelain(), "");
}

//! `git spec check --history`: the committed history replayed commit by
//! commit, with real commits by three people (Jane owns the spec, Bob
//! reviews, Mallory forges), `--no-verify`, branches, merges and signing.

use crate::common::*;

const SPEC: &str = "specs/0001-login.md";
const BOB: (&str, &str) = ("Bob Reviewer", "bob@example.com");
const CAROL: (&str, &str) = ("Carol Chief", "carol@example.com");
const MALLORY: (&str, &str) = ("Mallory", "mallory@example.com");

/// Spec 1 at `status`, with `entries` after the initial one.
fn login(status: &str, entries: &[String]) -> String {
    let mut text = format!(
        "---\nspec-id: SPEC-0001\ntitle: Login\nstatus: {status}\npriority: medium\n\
         owner: {OWNER}\ncreated: 2026-01-01\nupdated: 2026-01-01\n---\n\n# Login\n\n\
         ## Overview\n\nUsers sign in.\n\n## Changelog\n\n- 2026-01-01: Initial draft created\n"
    );
    for entry in entries {
        text.push_str(entry);
        text.push('\n');
    }
    text
}

/// The line of `needle` in the spec at HEAD (1-based).
fn line_of(repo: &TestRepo, needle: &str) -> usize {
    let text = repo.show("HEAD", SPEC);
    text.lines()
        .position(|line| line.contains(needle))
        .unwrap_or_else(|| panic!("{needle:?} not in\n{text}"))
        + 1
}

/// A repository whose first commits hold a README and spec 1 at draft.
fn repo_with_spec() -> TestRepo {
    let repo = TestRepo::with_commit();
    repo.write(SPEC, &login("draft", &[]));
    repo.commit_all("The login spec");
    repo
}

/// Writes the spec and commits it as `who`, skipping the hooks.
fn commit_spec_as(repo: &TestRepo, who: (&str, &str), text: &str, message: &str) -> String {
    repo.write(SPEC, text);
    let name = format!("user.name={}", who.0);
    let email = format!("user.email={}", who.1);
    repo.git(&["add", SPEC]);
    repo.git(&[
        "-c",
        &name,
        "-c",
        &email,
        "commit",
        "-q",
        "--no-verify",
        "-m",
        message,
    ]);
    repo.git_out(&["rev-parse", "--short=7", "HEAD"])
}

/// `check --history ARGS`: the findings on stdout, exit code, stderr.
fn history(repo: &TestRepo, args: &[&str]) -> (String, Option<i32>, String) {
    let mut full = vec!["check", "--history"];
    full.extend_from_slice(args);
    let out = repo.spec(&full);
    assert!(!stderr(&out).contains("panicked"), "{}", run_text(&out));
    (stdout(&out), out.status.code(), stderr(&out))
}

#[track_caller]
fn assert_clean(repo: &TestRepo, args: &[&str]) {
    let (found, code, err) = history(repo, args);
    assert_eq!((found.as_str(), code), ("", Some(0)), "{err}");
    assert_contains(&err, "commits OK");
}

#[test]
fn a_history_made_with_the_tool_reports_nothing() {
    let repo = repo_with_spec();
    assert_success(&repo.spec(&["hook", "install"]));
    repo.write(".specrc", "[approval]\nrequired = { approved = 1 }\n");
    repo.commit_all("Approvals needed");
    assert_success(&repo.spec(&["status", "1", "review", "--commit"]));
    assert_success(&repo.spec_as(BOB, &["approve", "1", "--commit"]));
    // A hand edit, recorded by the hook.
    let text = repo
        .read(SPEC)
        .replace("status: review", "status: approved");
    repo.write(SPEC, &text);
    assert_success(&repo.git_try(&["commit", "-q", "-a", "-m", "Approve"]));
    assert_contains(&repo.show("HEAD", SPEC), "from review to approved");
    assert_success(&repo.spec(&["status", "1", "in-progress", "--commit"]));

    let (_, _, err) = history(&repo, &[]);
    assert_clean(&repo, &[]);
    let commits = repo.git_out(&["rev-list", "--count", "HEAD"]);
    assert_contains(&err, &format!("{commits} commits OK"));
    // As JSON: an empty array.
    let out = repo.spec(&["check", "--history", "--format", "json"]);
    assert_success(&out);
    assert_eq!(stdout(&out).trim(), "[]");
}

#[test]
fn a_status_committed_with_no_verify_is_reported_with_its_commit() {
    let repo = repo_with_spec();
    assert_success(&repo.spec(&["hook", "install"]));
    let short = commit_spec_as(
        &repo,
        (USER_NAME, USER_EMAIL),
        &login("review", &[]),
        "Skip",
    );
    let (found, code, _) = history(&repo, &[]);
    assert_eq!(
        found,
        format!(
            "{SPEC}:4: history: {short}: status changed from draft to review without its \
             changelog entry (committed with --no-verify?)\n"
        )
    );
    assert_eq!(code, Some(1));
}

#[test]
fn a_forbidden_jump_not_recorded_as_forced_is_reported() {
    let repo = repo_with_spec();
    let jump = status_entry("draft", "implemented");
    let short = commit_spec_as(
        &repo,
        (USER_NAME, USER_EMAIL),
        &login("implemented", std::slice::from_ref(&jump)),
        "Done",
    );
    let line = line_of(&repo, &jump);
    let (found, code, _) = history(&repo, &[]);
    assert_eq!(
        found,
        format!(
            "{SPEC}:{line}: history: {short}: draft -> implemented is not allowed by the \
             workflow and is not recorded as forced\n"
        )
    );
    assert_eq!(code, Some(1));

    // The same jump made with `status --force` is recorded as forced: fine.
    let repo = repo_with_spec();
    assert_success(&repo.spec(&["status", "1", "implemented", "--force", "--commit"]));
    assert_clean(&repo, &[]);
}

#[test]
fn entries_in_another_persons_name_are_reported_as_forged() {
    let repo = repo_with_spec();
    // Mallory writes Bob's approval, and a status step signed by Jane.
    let approval =
        "- 2026-01-16: Approved by Bob Reviewer <bob@example.com> (content 0123456789ab)";
    let step = status_entry("draft", "review");
    let short = commit_spec_as(
        &repo,
        MALLORY,
        &login("review", &[step.clone(), approval.to_string()]),
        "Looks approved",
    );
    let (step_line, approval_line) = (line_of(&repo, &step), line_of(&repo, approval));
    let (found, code, _) = history(&repo, &[]);
    assert_eq!(
        found,
        format!(
            "{SPEC}:{step_line}: history: {short}: the entry says {USER_NAME} changed the \
             status, but the commit's author is Mallory <mallory@example.com>\n\
             {SPEC}:{approval_line}: history: {short}: the entry says Bob Reviewer approved, \
             but the commit's author is Mallory <mallory@example.com>\n"
        )
    );
    assert_eq!(code, Some(1));

    // .mailmap maps an author's other address onto the one they sign with.
    let repo = repo_with_spec();
    repo.write(
        ".mailmap",
        "Bob Reviewer <bob@example.com> <bob@laptop.local>\n",
    );
    repo.commit_all("mailmap");
    commit_spec_as(
        &repo,
        ("bob", "bob@laptop.local"),
        &login("draft", &[approval.to_string()]),
        "Approve",
    );
    assert_clean(&repo, &[]);
}

#[test]
fn a_changed_or_removed_changelog_line_is_reported() {
    let repo = repo_with_spec();
    assert_success(&repo.spec(&["status", "1", "review", "--commit"]));
    let recorded = repo.read(SPEC);
    let step = status_entry("draft", "review");
    // Rewrite the first entry, keep the second.
    let rewritten = recorded.replace(
        "- 2026-01-01: Initial draft created",
        "- 2025-06-01: Initial draft created",
    );
    let short = commit_spec_as(&repo, (USER_NAME, USER_EMAIL), &rewritten, "Backdate");
    let (found, code, _) = history(&repo, &[]);
    let line = line_of(&repo, "2025-06-01");
    assert_eq!(
        found,
        format!(
            "{SPEC}:{line}: history: {short}: the changelog line `- 2026-01-01: Initial draft \
             created` was changed or removed; the changelog is append-only\n"
        )
    );
    assert_eq!(code, Some(1));

    // Removing the step entry is reported too.
    let without = rewritten.replace(&format!("{step}\n"), "");
    let removed = commit_spec_as(&repo, (USER_NAME, USER_EMAIL), &without, "Drop");
    let (found, _, _) = history(&repo, &[]);
    assert_contains(
        &found,
        &format!("history: {removed}: the changelog line `{step}` was changed or removed"),
    );
}

#[test]
fn a_range_checks_only_the_commits_of_the_pull_request() {
    let repo = repo_with_spec();
    // An old bypass on main...
    let old = commit_spec_as(&repo, (USER_NAME, USER_EMAIL), &login("review", &[]), "Old");
    repo.git(&["switch", "-q", "-c", "feature"]);
    // ...and a forged approval on the pull request's branch.
    let approval =
        "- 2026-01-16: Approved by Bob Reviewer <bob@example.com> (content 0123456789ab)";
    let new = commit_spec_as(
        &repo,
        MALLORY,
        &login("review", &[approval.to_string()]),
        "Forge",
    );
    let (found, _, _) = history(&repo, &["main..feature"]);
    assert!(found.contains(&new) && !found.contains(&old), "{found}");
    assert_eq!(found.lines().count(), 1, "{found}");
    let (found, _, err) = history(&repo, &["main..HEAD"]);
    assert_eq!(found.lines().count(), 1, "{found}");
    assert!(!err.contains("commits OK"), "{err}");
    // The whole history has both.
    let (found, _, _) = history(&repo, &[]);
    assert!(found.contains(&new) && found.contains(&old), "{found}");
    // Nothing on main is new since main.
    assert_clean(&repo, &["feature..main"]);
}

#[test]
fn a_merge_is_not_blamed_for_what_a_merged_branch_did() {
    let repo = repo_with_spec();
    repo.git(&["switch", "-q", "-c", "feature"]);
    let bypass = commit_spec_as(
        &repo,
        (USER_NAME, USER_EMAIL),
        &login("review", &[]),
        "Skip",
    );
    repo.git(&["switch", "-q", "main"]);
    repo.write("README.md", "# Project\n\nMore.\n");
    repo.commit_all("Docs");
    repo.git(&["merge", "-q", "--no-ff", "--no-edit", "feature"]);
    let merge = repo.git_out(&["rev-parse", "--short=7", "HEAD"]);

    let (found, code, _) = history(&repo, &[]);
    assert_eq!(
        found,
        format!(
            "{SPEC}:4: history: {bypass}: status changed from draft to review without its \
             changelog entry (committed with --no-verify?)\n"
        ),
        "the merge {merge} must not be reported"
    );
    assert_eq!(code, Some(1));

    // A clean merge of steps made with the tool on both sides is fine.
    let repo = repo_with_spec();
    repo.git(&["switch", "-q", "-c", "feature"]);
    assert_success(&repo.spec(&["status", "1", "review", "--commit"]));
    repo.git(&["switch", "-q", "main"]);
    repo.write("README.md", "# Project\n\nMore.\n");
    repo.commit_all("Docs");
    repo.git(&["merge", "-q", "--no-ff", "--no-edit", "feature"]);
    assert_clean(&repo, &[]);
}

#[test]
fn approvals_must_be_signed_when_the_team_says_so() {
    let repo = repo_with_spec();
    repo.write(".specrc", "[approval]\nsigned = true\n");
    repo.commit_all("Signed approvals");
    // Bob signs with an SSH key that the allowed-signers file trusts.
    let keys = repo.sandbox.mkdir("keys");
    let key = keys.join("bob");
    let out = run(std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "bob", "-f"])
        .arg(&key));
    assert_success_ctx(&out, "ssh-keygen");
    let public = std::fs::read_to_string(keys.join("bob.pub")).unwrap();
    let allowed = keys.join("allowed_signers");
    std::fs::write(&allowed, format!("bob@example.com {public}")).unwrap();
    repo.git(&["config", "gpg.format", "ssh"]);
    repo.git(&[
        "config",
        "gpg.ssh.allowedSignersFile",
        allowed.to_str().unwrap(),
    ]);

    // Carol's approval is not signed.
    assert_success(&repo.spec_as(CAROL, &["approve", "1", "--commit"]));
    let carol = repo.git_out(&["rev-parse", "--short=7", "HEAD"]);
    // Bob's is, through his `git commit` (commit.gpgsign).
    repo.git(&["config", "user.signingkey", key.to_str().unwrap()]);
    repo.git(&["config", "commit.gpgsign", "true"]);
    assert_success(&repo.spec_as(BOB, &["approve", "1", "--commit"]));
    assert_success(&repo.git_try(&["verify-commit", "HEAD"]));

    let (found, code, _) = history(&repo, &[]);
    let line = line_of(&repo, "Approved by Carol Chief");
    assert_eq!(
        found,
        format!(
            "{SPEC}:{line}: history: {carol}: the approval was committed without a good \
             signature (approval.signed = true; see `git verify-commit {carol}`)\n"
        )
    );
    assert_eq!(code, Some(1));
}

#[test]
fn bad_revisions_are_clear_errors() {
    let repo = repo_with_spec();
    let before = repo.snapshot();
    let out = repo.spec(&["check", "--history", "no-such-branch"]);
    let err = assert_failure(&out);
    assert_contains(&err, "no-such-branch");
    let out = repo.spec(&["check", "--history", "HEAD", "--fix"]);
    assert_contains(&assert_failure(&out), "--fix");
    repo.assert_unchanged(&before);

    // A repository without commits has no history to check.
    let empty = TestRepo::new();
    assert_clean(&empty, &[]);
}

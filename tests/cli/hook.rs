//! The pre-commit hook, end to end: `git spec hook install` with the binary
//! under test, then real `git commit` runs in temporary repositories.
//!
//! After each commit the tests check the committed bytes (`git show
//! HEAD:path`), that no changelog entry is duplicated, and that `git status
//! --porcelain` shows nothing the hook left behind (only the user's own
//! unstaged edits, with their content).

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Output;

use crate::common::*;

const SPEC: &str = "specs/0001-login.md";
const SPEC2: &str = "specs/0002-search.md";

const OVERVIEW: &str = "Users sign in with a password.";
const OVERVIEW_EDITED: &str = "Users sign in with a password or a passkey.";

const INITIAL: &str = "- 2026-01-01: Initial draft created";

/// A spec document. The status line (line 4) and the overview line (line
/// 15) are far enough apart to be separate hunks for `git add -p`; the
/// changelog ends the file.
///
/// `updated:` is the day of the last change: the initial day without
/// entries, else today ([`SPEC_DATE`]), as `git spec status` and the hook
/// set it when they record an entry.
fn doc(id: u32, title: &str, status: &str, overview: &str, changelog: &[&str]) -> String {
    let updated = if changelog.is_empty() {
        "2026-01-01"
    } else {
        SPEC_DATE
    };
    let mut text = format!(
        "---\n\
         spec-id: SPEC-{id:04}\n\
         title: {title}\n\
         status: {status}\n\
         priority: medium\n\
         owner: Jane Doe <jane@example.com>\n\
         created: 2026-01-01\n\
         updated: {updated}\n\
         tags: [auth]\n\
         ---\n\
         \n\
         # {title}\n\
         \n\
         ## Overview\n\
         \n\
         {overview}\n\
         \n\
         ## Requirements\n\
         \n\
         1. Passwords are hashed.\n\
         2. Sessions expire.\n\
         3. Accounts lock after repeated failures.\n\
         \n\
         ## Open Questions\n\
         \n\
         1. Which identity provider?\n\
         \n\
         ## Changelog\n\
         \n\
         {INITIAL}\n"
    );
    for line in changelog {
        text.push_str(line);
        text.push('\n');
    }
    text
}

/// Spec 1 ("Login").
fn login(status: &str, changelog: &[&str]) -> String {
    doc(1, "Login", status, OVERVIEW, changelog)
}

/// Spec 1 with an edited overview.
fn login_edited(status: &str, changelog: &[&str]) -> String {
    doc(1, "Login", status, OVERVIEW_EDITED, changelog)
}

/// Spec 2 ("Search").
fn search(status: &str, changelog: &[&str]) -> String {
    doc(
        2,
        "Search",
        status,
        "Full-text search over specs.",
        changelog,
    )
}

/// A repository with one commit holding README.md and spec 1 at `draft`,
/// and no hook.
fn repo_with_spec() -> TestRepo {
    let repo = TestRepo::with_commit();
    repo.write(SPEC, &login("draft", &[]));
    repo.commit_all("Add the login spec");
    repo
}

/// [`repo_with_spec`] with the hook installed by the binary under test.
fn setup() -> TestRepo {
    let repo = repo_with_spec();
    install(&repo);
    repo
}

fn install(repo: &TestRepo) -> Output {
    let out = repo.spec(&["hook", "install"]);
    assert_success(&out);
    out
}

/// The default hook file (no core.hooksPath).
fn hook_file(repo: &TestRepo) -> PathBuf {
    repo.git_dir().join("hooks").join("pre-commit")
}

fn write_executable(path: &Path, content: &str) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, content).unwrap();
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).unwrap();
}

fn is_executable(path: &Path) -> bool {
    fs::metadata(path).unwrap().permissions().mode() & 0o111 != 0
}

/// How many lines of `text` are exactly `line`.
fn count_lines(text: &str, line: &str) -> usize {
    text.lines().filter(|l| *l == line).count()
}

/// No changelog item (a `- ` line) appears twice.
#[track_caller]
fn assert_no_duplicate_entries(text: &str) {
    let mut seen = std::collections::HashSet::new();
    for line in text.lines().filter(|l| l.starts_with("- ")) {
        assert!(seen.insert(line), "duplicated entry {line:?} in:\n{text}");
    }
}

/// Nothing in the working tree or the index differs from HEAD, and no
/// lock or temporary file was left behind.
#[track_caller]
fn assert_clean(repo: &TestRepo) {
    assert_eq!(repo.status_porcelain(), "", "git status is not clean");
    assert_no_leftovers(repo);
}

/// No `*.lock` file in the git dir and no temporary file of ours anywhere.
#[track_caller]
fn assert_no_leftovers(repo: &TestRepo) {
    fn walk(dir: &Path, found: &mut Vec<PathBuf>) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if path.is_dir() {
                walk(&path, found);
            } else if name.ends_with(".lock") || name.contains(".git-spec-") {
                found.push(path);
            }
        }
    }
    let mut found = Vec::new();
    walk(&repo.git_dir(), &mut found);
    walk(&repo.path, &mut found);
    assert!(found.is_empty(), "left behind: {found:?}");
}

/// `git commit ARGS` that must fail; returns its stderr (git's and the
/// hook's) and checks that HEAD did not move.
#[track_caller]
fn assert_commit_refused(repo: &TestRepo, args: &[&str]) -> String {
    let head = repo.head_oid();
    let out = repo.git_try(args);
    assert!(
        !out.status.success(),
        "the commit went through\nstdout: {}\nstderr: {}",
        stdout(&out),
        stderr(&out)
    );
    assert_eq!(repo.head_oid(), head, "HEAD moved");
    stderr(&out)
}

// ---------------------------------------------------------------------------
// The ways to commit.
// ---------------------------------------------------------------------------

#[test]
fn commit_m_records_a_hand_edited_status() {
    let repo = setup();
    repo.write(SPEC, &login("review", &[]));
    repo.git(&["add", SPEC]);
    let out = repo.git(&["commit", "-q", "-m", "Ready for review"]);

    let expected = login("review", &[&status_entry("draft", "review")]);
    assert_eq!(repo.show("HEAD", SPEC), expected);
    assert_eq!(repo.read(SPEC), expected);
    assert_no_duplicate_entries(&expected);
    assert_contains(&stderr(&out), &status_entry("draft", "review"));
    assert_clean(&repo);
}

#[test]
fn the_entry_has_the_documented_format() {
    let repo = setup();
    repo.write(SPEC, &login("review", &[]));
    repo.git(&["add", SPEC]);
    repo.git(&["commit", "-q", "-m", "Ready for review"]);
    let committed = repo.show("HEAD", SPEC);
    assert!(
        committed.ends_with(
            "- 2026-01-01: Initial draft created\n\
             - 2026-01-15: Status changed from draft to review by Jane Doe\n"
        ),
        "{committed}"
    );
}

#[test]
fn commit_a_records_the_status() {
    let repo = setup();
    repo.write(SPEC, &login_edited("approved", &[]));
    repo.git(&["commit", "-q", "-a", "-m", "Approve"]);

    let expected = login_edited("approved", &[&status_entry("draft", "approved")]);
    assert_eq!(repo.show("HEAD", SPEC), expected);
    assert_eq!(repo.read(SPEC), expected);
    assert_no_duplicate_entries(&expected);
    assert_clean(&repo);
}

#[test]
fn commit_with_a_path_records_the_status_and_leaves_the_index_clean() {
    let repo = setup();
    repo.write(SPEC, &login("review", &[]));
    // Not staged: `git commit <path>` takes the file from the working tree
    // through its own temporary index.
    repo.git(&["commit", "-q", "-m", "Ready for review", SPEC]);

    let expected = login("review", &[&status_entry("draft", "review")]);
    assert_eq!(repo.show("HEAD", SPEC), expected);
    assert_eq!(repo.read(SPEC), expected);
    assert_no_duplicate_entries(&expected);
    // Not `MM`: the real index got the same blob as the commit.
    assert_clean(&repo);
    assert_eq!(
        repo.git_out(&["ls-files", "-s", SPEC]),
        repo.git_out(&["ls-tree", "HEAD", SPEC])
            .replacen("100644 blob ", "100644 ", 1)
            .replacen('\t', " 0\t", 1)
    );
}

#[test]
fn commit_with_a_path_keeps_other_staged_changes_staged() {
    let repo = setup();
    repo.write("notes.txt", "staged, not committed\n");
    repo.git(&["add", "notes.txt"]);
    repo.write(SPEC, &login("review", &[]));
    repo.git(&["commit", "-q", "-m", "Ready for review", SPEC]);

    let expected = login("review", &[&status_entry("draft", "review")]);
    assert_eq!(repo.show("HEAD", SPEC), expected);
    assert_eq!(repo.read(SPEC), expected);
    assert_eq!(repo.tree_paths("HEAD"), ["README.md", SPEC]);
    assert_eq!(repo.status_porcelain(), "A  notes.txt\n");
    assert_no_leftovers(&repo);
}

#[test]
fn commit_include_with_a_path_records_the_status() {
    let repo = setup();
    repo.write(SPEC2, &search("draft", &[]));
    repo.git(&["add", SPEC2]);
    repo.write(SPEC, &login("review", &[]));
    repo.git(&["commit", "-q", "-i", "-m", "Review login, add search", SPEC]);

    let expected = login("review", &[&status_entry("draft", "review")]);
    assert_eq!(repo.show("HEAD", SPEC), expected);
    assert_eq!(repo.show("HEAD", SPEC2), search("draft", &[]));
    assert_eq!(repo.read(SPEC), expected);
    assert_clean(&repo);
}

#[test]
fn partial_staging_keeps_the_other_edit_unstaged() {
    let repo = setup();
    // Both edits in the working tree; only the status hunk is staged.
    repo.write(SPEC, &login_edited("review", &[]));
    let out = repo.git_with_input(&["add", "-p", SPEC], b"y\nn\n");
    assert_eq!(
        repo.git_out(&["show", &format!(":{SPEC}")]) + "\n",
        login("review", &[]),
        "git add -p did not stage exactly the status hunk\n{}",
        stdout(&out)
    );
    repo.git(&["commit", "-q", "-m", "Ready for review"]);

    // The commit has the status change and the entry, not the other edit.
    assert_eq!(
        repo.show("HEAD", SPEC),
        login("review", &[&status_entry("draft", "review")])
    );
    // The working file has both, the other edit still unstaged.
    let working = login_edited("review", &[&status_entry("draft", "review")]);
    assert_eq!(repo.read(SPEC), working);
    assert_no_duplicate_entries(&working);
    assert_eq!(repo.status_porcelain(), format!(" M {SPEC}\n"));
    assert_eq!(repo.git_out(&["diff", "--cached"]), "");
    let diff = repo.git_out(&["diff", "-U0", "--", SPEC]);
    let changed: Vec<&str> = diff
        .lines()
        .filter(|l| {
            (l.starts_with('+') || l.starts_with('-'))
                && !l.starts_with("+++")
                && !l.starts_with("---")
        })
        .collect();
    assert_eq!(
        changed,
        [format!("-{OVERVIEW}"), format!("+{OVERVIEW_EDITED}")],
        "{diff}"
    );
    assert_no_leftovers(&repo);
}

#[test]
fn amend_of_a_commit_with_the_entry_adds_no_second_one() {
    let repo = setup();
    repo.write(SPEC, &login("review", &[]));
    repo.git(&["commit", "-q", "-a", "-m", "Ready for review"]);
    let first = repo.head_oid().unwrap();
    let base = repo.rev_parse("HEAD^").unwrap();
    let with_entry = login("review", &[&status_entry("draft", "review")]);
    assert_eq!(repo.show("HEAD", SPEC), with_entry);

    // Amend with the message only, then with a further edit.
    repo.git(&["commit", "-q", "--amend", "-m", "Review, reworded"]);
    assert_eq!(repo.show("HEAD", SPEC), with_entry);
    repo.write(
        SPEC,
        &login_edited("review", &[&status_entry("draft", "review")]),
    );
    repo.git(&["commit", "-q", "--amend", "-a", "--no-edit"]);

    let expected = login_edited("review", &[&status_entry("draft", "review")]);
    assert_ne!(repo.head_oid().unwrap(), first);
    assert_eq!(repo.rev_parse("HEAD^").unwrap(), base);
    assert_eq!(repo.show("HEAD", SPEC), expected);
    assert_eq!(repo.read(SPEC), expected);
    assert_eq!(count_lines(&expected, &status_entry("draft", "review")), 1);
    assert_clean(&repo);
}

#[test]
fn amend_that_changes_the_status_records_it_once() {
    let repo = setup();
    repo.write("other.txt", "x\n");
    repo.commit_all("Unrelated");
    repo.write(SPEC, &login("review", &[]));
    repo.git(&["add", SPEC]);
    repo.git(&["commit", "-q", "--amend", "--no-edit"]);

    let expected = login("review", &[&status_entry("draft", "review")]);
    assert_eq!(repo.show("HEAD", SPEC), expected);
    assert_eq!(repo.read(SPEC), expected);
    assert_eq!(repo.tree_paths("HEAD"), ["README.md", "other.txt", SPEC]);
    assert_clean(&repo);
}

#[test]
fn two_specs_in_one_commit_both_get_their_entry() {
    let repo = repo_with_spec();
    repo.write(SPEC2, &search("review", &[]));
    repo.commit_all("Add the search spec");
    install(&repo);

    repo.write(SPEC, &login("review", &[]));
    repo.write(SPEC2, &search("approved", &[]));
    repo.git(&["commit", "-q", "-a", "-m", "Move both"]);

    let one = login("review", &[&status_entry("draft", "review")]);
    let two = search("approved", &[&status_entry("review", "approved")]);
    assert_eq!(repo.show("HEAD", SPEC), one);
    assert_eq!(repo.show("HEAD", SPEC2), two);
    assert_eq!(repo.read(SPEC), one);
    assert_eq!(repo.read(SPEC2), two);
    assert_clean(&repo);
}

#[test]
fn a_hand_edit_with_its_own_entry_gets_no_second_one() {
    let repo = setup();
    // The user's own line: another date and name, same transition.
    let own = "- 2026-01-10: Status changed from draft to review by Someone Else";
    let content = login("review", &[own]);
    repo.write(SPEC, &content);
    repo.git(&["add", SPEC]);
    repo.git(&["commit", "-q", "-m", "Ready for review"]);

    assert_eq!(repo.show("HEAD", SPEC), content);
    assert_eq!(repo.read(SPEC), content);
    assert_clean(&repo);
}

#[test]
fn a_change_made_with_git_spec_status_is_not_recorded_twice() {
    let repo = setup();
    let out = repo.spec(&["status", "1", "review"]);
    assert_success(&out);
    let content = repo.read(SPEC);
    assert_eq!(count_lines(&content, &status_entry("draft", "review")), 1);
    repo.git(&["commit", "-q", "-a", "-m", "Ready for review"]);

    assert_eq!(repo.show("HEAD", SPEC), content);
    assert_eq!(repo.read(SPEC), content);
    assert_no_duplicate_entries(&content);
    assert_clean(&repo);
}

#[test]
fn an_older_identical_transition_does_not_count() {
    // draft -> review -> draft on earlier days, now draft -> review again:
    // recorded again (only the last status entry counts).
    let repo = TestRepo::with_commit();
    let history = [
        "- 2026-01-10: Status changed from draft to review by Jane Doe",
        "- 2026-01-12: Status changed from review to draft by Jane Doe",
    ];
    repo.write(SPEC, &login("draft", &history));
    repo.commit_all("Back to draft");
    install(&repo);

    repo.write(SPEC, &login("review", &history));
    repo.git(&["commit", "-q", "-a", "-m", "Review again"]);
    let again = status_entry("draft", "review");
    let expected = login("review", &[history[0], history[1], &again]);
    assert_eq!(repo.show("HEAD", SPEC), expected);
    assert_eq!(repo.read(SPEC), expected);
    assert_no_duplicate_entries(&expected);
    assert_clean(&repo);
}

#[test]
fn the_same_transition_again_on_the_same_day_reaches_the_working_file() {
    // draft -> review -> draft earlier today, now draft -> review again.
    let repo = TestRepo::with_commit();
    let history = [
        status_entry("draft", "review"),
        status_entry("review", "draft"),
    ];
    repo.write(SPEC, &login("draft", &[&history[0], &history[1]]));
    repo.commit_all("Back to draft");
    install(&repo);

    repo.write(SPEC, &login("review", &[&history[0], &history[1]]));
    repo.git(&["commit", "-q", "-a", "-m", "Review again"]);
    let again = status_entry("draft", "review");
    let expected = login("review", &[&history[0], &history[1], &again]);
    // Both entries are true: the transition happened twice.
    assert_eq!(count_lines(&expected, &again), 2);
    assert_eq!(repo.show("HEAD", SPEC), expected);
    assert_eq!(repo.read(SPEC), expected);
    assert_clean(&repo);
}

#[test]
fn an_entry_left_unstaged_by_the_user_is_not_added_twice() {
    // The user wrote the status and its entry, but staged only the status
    // hunk: the commit gets the entry, the working file keeps one copy.
    let repo = setup();
    let own = status_entry("draft", "review");
    // Written by hand: the entry, but not the date.
    let by_hand =
        login("review", &[&own]).replace(&format!("updated: {SPEC_DATE}"), "updated: 2026-01-01");
    repo.write(SPEC, &by_hand);
    repo.git_with_input(&["add", "-p", SPEC], b"y\nn\n");
    assert_eq!(
        repo.git_out(&["show", &format!(":{SPEC}")]) + "\n",
        login("review", &[])
    );
    repo.git(&["commit", "-q", "-m", "Ready for review"]);

    let expected = login("review", &[&own]);
    assert_eq!(repo.show("HEAD", SPEC), expected);
    assert_eq!(repo.read(SPEC), expected);
    assert_clean(&repo);
}

#[test]
fn a_status_staged_then_changed_again_unstaged() {
    // Staged: draft -> review. Working tree: already approved. The commit
    // records draft -> review; the working file keeps `approved` and gets
    // the same entry, so the next commit records review -> approved.
    let repo = setup();
    repo.write(SPEC, &login("review", &[]));
    repo.git(&["add", SPEC]);
    repo.write(SPEC, &login("approved", &[]));
    repo.git(&["commit", "-q", "-m", "Review"]);

    let first = status_entry("draft", "review");
    assert_eq!(repo.show("HEAD", SPEC), login("review", &[&first]));
    assert_eq!(repo.read(SPEC), login("approved", &[&first]));
    assert_eq!(repo.status_porcelain(), format!(" M {SPEC}\n"));

    repo.git(&["commit", "-q", "-a", "-m", "Approve"]);
    let expected = login("approved", &[&first, &status_entry("review", "approved")]);
    assert_eq!(repo.show("HEAD", SPEC), expected);
    assert_eq!(repo.read(SPEC), expected);
    assert_clean(&repo);
}

#[test]
fn commit_from_a_subfolder_with_a_relative_path() {
    let repo = setup();
    repo.write(SPEC, &login("review", &[]));
    repo.git_in("specs", &["commit", "-q", "-m", "Review", "0001-login.md"]);
    let expected = login("review", &[&status_entry("draft", "review")]);
    assert_eq!(repo.show("HEAD", SPEC), expected);
    assert_eq!(repo.read(SPEC), expected);
    assert_clean(&repo);
}

#[test]
fn a_configured_spec_folder_is_the_one_watched() {
    let repo = TestRepo::with_commit();
    repo.write(".specrc", "dir = \"docs/specs\"\n");
    let spec = "docs/specs/0001-login.md";
    repo.write(spec, &login("draft", &[]));
    // specs/ is not the spec folder here: anything goes.
    repo.write(SPEC, &login("draft", &[]));
    repo.commit_all("Specs elsewhere");
    install(&repo);

    repo.write(spec, &login("review", &[]));
    repo.write(SPEC, &login("shipped", &[]));
    repo.git(&["commit", "-q", "-a", "-m", "Review"]);
    let expected = login("review", &[&status_entry("draft", "review")]);
    assert_eq!(repo.show("HEAD", spec), expected);
    assert_eq!(repo.read(spec), expected);
    assert_eq!(repo.show("HEAD", SPEC), login("shipped", &[]));
    assert_clean(&repo);
}

#[test]
fn a_spec_in_a_subfolder_of_the_spec_folder_counts() {
    let repo = TestRepo::with_commit();
    let spec = "specs/auth/0001-login.md";
    repo.write(spec, &login("draft", &[]));
    repo.commit_all("Nested spec");
    install(&repo);
    repo.write(spec, &login("review", &[]));
    repo.git(&["commit", "-q", "-a", "-m", "Review"]);
    let expected = login("review", &[&status_entry("draft", "review")]);
    assert_eq!(repo.show("HEAD", spec), expected);
    assert_eq!(repo.read(spec), expected);
    assert_clean(&repo);
}

#[test]
fn commit_p_keeps_the_other_edit_unstaged() {
    // `git commit -p`: git stages the chosen hunks in index.lock.
    let repo = setup();
    repo.write(SPEC, &login_edited("review", &[]));
    repo.git_with_input(&["commit", "-q", "-p", "-m", "Review"], b"y\nn\n");

    assert_eq!(
        repo.show("HEAD", SPEC),
        login("review", &[&status_entry("draft", "review")])
    );
    assert_eq!(
        repo.read(SPEC),
        login_edited("review", &[&status_entry("draft", "review")])
    );
    assert_eq!(repo.status_porcelain(), format!(" M {SPEC}\n"));
    assert_eq!(repo.git_out(&["diff", "--cached"]), "");
    assert_no_leftovers(&repo);
}

#[test]
fn a_forced_change_made_with_git_spec_status_is_committed_as_is() {
    // The override the refusal message suggests.
    let repo = setup();
    let out = repo.spec(&["status", "1", "implemented", "--force"]);
    assert_success(&out);
    let content = repo.read(SPEC);
    assert_contains(
        &content,
        "Status changed from draft to implemented by Jane Doe (forced)",
    );
    repo.git(&["commit", "-q", "-a", "-m", "Forced"]);
    assert_eq!(repo.show("HEAD", SPEC), content);
    assert_eq!(repo.read(SPEC), content);
    assert_no_duplicate_entries(&content);
    assert_clean(&repo);
}

// ---------------------------------------------------------------------------
// Refusals and --no-verify.
// ---------------------------------------------------------------------------

#[test]
fn a_forbidden_transition_is_refused() {
    let repo = setup();
    let content = login("implemented", &[]);
    repo.write(SPEC, &content);
    repo.git(&["add", SPEC]);
    let err = assert_commit_refused(&repo, &["commit", "-q", "-m", "Done already"]);

    assert_contains(&err, &format!("{SPEC}:4:"));
    assert_contains(&err, "draft -> implemented is not allowed");
    assert_contains(&err, "review, approved, withdrawn");
    assert_contains(&err, "--no-verify");
    // Nothing was touched: the staged change and the file are as they were.
    assert_eq!(repo.read(SPEC), content);
    assert_eq!(repo.status_porcelain(), format!("M  {SPEC}\n"));
    assert_no_leftovers(&repo);
}

#[test]
fn a_move_from_a_final_status_is_refused() {
    let repo = TestRepo::with_commit();
    repo.write(SPEC, &login("rejected", &[]));
    repo.commit_all("Rejected");
    install(&repo);
    repo.write(SPEC, &login("review", &[]));
    let err = assert_commit_refused(&repo, &["commit", "-q", "-a", "-m", "Reopen"]);
    assert_contains(&err, SPEC);
    assert_contains(&err, "rejected is a final status");
    assert_contains(&err, "--no-verify");
    assert_eq!(repo.read(SPEC), login("review", &[]));
}

#[test]
fn an_unknown_status_is_refused() {
    let repo = setup();
    repo.write(SPEC, &login("shipped", &[]));
    repo.git(&["add", SPEC]);
    let err = assert_commit_refused(&repo, &["commit", "-q", "-m", "Shipped"]);

    assert_contains(&err, &format!("{SPEC}:4:"));
    assert_contains(&err, "\"shipped\"");
    assert_contains(
        &err,
        "draft, review, approved, in-progress, implemented, rejected, withdrawn, superseded",
    );
    assert_contains(&err, "--no-verify");
    assert_eq!(repo.read(SPEC), login("shipped", &[]));
    assert_eq!(repo.status_porcelain(), format!("M  {SPEC}\n"));
}

/// Moving away from a status the workflow does not know is a repair: the
/// commit goes through and the changelog records it.
#[test]
fn leaving_an_unknown_status_is_refused_until_recorded_as_forced() {
    // One policy with `git spec status`: leaving a status the workflow
    // does not know needs --force, which the hook's message names; the
    // forced record then lets the same commit through.
    let repo = TestRepo::with_commit();
    repo.write(SPEC, &login("wip", &[]));
    repo.commit_all("A status from another tool");
    install(&repo);
    repo.write(SPEC, &login("draft", &[]));
    let err = assert_commit_refused(&repo, &["commit", "-q", "-a", "-m", "Repair"]);
    assert_contains(&err, "\"wip\" is not in the workflow");
    assert_contains(&err, "git spec status <id> <status> --force");

    assert_success(&repo.spec(&["status", "1", "draft", "--force"]));
    repo.git(&["commit", "-q", "-a", "-m", "Repair"]);
    let forced = format!("- {SPEC_DATE}: Status changed from wip to draft by {USER_NAME} (forced)");
    let expected = login("draft", &[&forced]);
    assert_eq!(repo.show("HEAD", SPEC), expected);
    assert_eq!(repo.read(SPEC), expected);
    assert_eq!(repo.status_porcelain(), "");
}

#[test]
fn malformed_front_matter_is_refused_with_file_and_line() {
    let repo = setup();
    let content = login("draft", &[]).replace("priority: medium\n", "priority: high: very\n");
    repo.write(SPEC, &content);
    repo.git(&["add", SPEC]);
    let err = assert_commit_refused(&repo, &["commit", "-q", "-m", "Oops"]);

    assert_contains(&err, &format!("{SPEC}:5:"));
    assert_contains(&err, "--no-verify");
    assert_eq!(repo.read(SPEC), content);
}

#[test]
fn a_removed_status_value_is_refused() {
    let repo = setup();
    let content = login("draft", &[]).replace("status: draft\n", "status:\n");
    repo.write(SPEC, &content);
    let err = assert_commit_refused(&repo, &["commit", "-q", "-a", "-m", "Oops"]);
    assert_contains(&err, &format!("{SPEC}:4:"));
    assert_contains(&err, "no status value");
}

#[test]
fn no_verify_skips_the_hook() {
    let repo = setup();
    let content = login("implemented", &[]);
    repo.write(SPEC, &content);
    repo.git(&["commit", "-q", "-a", "--no-verify", "-m", "Skip"]);

    assert_eq!(repo.show("HEAD", SPEC), content);
    assert_eq!(repo.read(SPEC), content);
    assert_clean(&repo);
}

#[test]
fn enforce_false_allows_any_transition_and_records_it() {
    let repo = TestRepo::with_commit();
    repo.write(".specrc", "[workflow]\nenforce = false\n");
    repo.write(SPEC, &login("draft", &[]));
    repo.commit_all("Spec, workflow not enforced");
    install(&repo);

    repo.write(SPEC, &login("implemented", &[]));
    repo.git(&["commit", "-q", "-a", "-m", "Done"]);
    let expected = login("implemented", &[&status_entry("draft", "implemented")]);
    assert_eq!(repo.show("HEAD", SPEC), expected);
    assert_eq!(repo.read(SPEC), expected);
    assert_clean(&repo);
}

// ---------------------------------------------------------------------------
// What gets no entry.
// ---------------------------------------------------------------------------

#[test]
fn a_new_spec_gets_no_entry() {
    let repo = setup();
    let content = search("review", &[]);
    repo.write(SPEC2, &content);
    repo.git(&["add", SPEC2]);
    repo.git(&["commit", "-q", "-m", "Add search"]);
    assert_eq!(repo.show("HEAD", SPEC2), content);
    assert_eq!(repo.read(SPEC2), content);
    assert_clean(&repo);
}

#[test]
fn the_first_commit_of_a_repository_is_left_alone() {
    let repo = TestRepo::new();
    install(&repo);
    let content = login("review", &[]);
    repo.write(SPEC, &content);
    repo.git(&["add", SPEC]);
    repo.git(&["commit", "-q", "-m", "Root commit"]);
    assert_eq!(repo.show("HEAD", SPEC), content);
    assert_clean(&repo);
}

#[test]
fn a_deleted_spec_gets_nothing() {
    let repo = setup();
    repo.git(&["rm", "-q", SPEC]);
    repo.git(&["commit", "-q", "-m", "Drop login"]);
    assert_eq!(repo.tree_paths("HEAD"), ["README.md"]);
    assert!(!repo.exists(SPEC));
    assert_clean(&repo);
}

#[test]
fn a_renamed_spec_gets_nothing_even_with_a_status_change() {
    let repo = setup();
    let renamed = "specs/0001-sign-in.md";
    repo.git(&["mv", SPEC, renamed]);
    let content = login("review", &[]);
    repo.write(renamed, &content);
    repo.git(&["add", renamed]);
    repo.git(&["commit", "-q", "-m", "Rename and review"]);
    assert_eq!(repo.tree_paths("HEAD"), ["README.md", renamed]);
    assert_eq!(repo.show("HEAD", renamed), content);
    assert_eq!(repo.read(renamed), content);
    assert_clean(&repo);
}

#[test]
fn edits_that_keep_the_status_get_nothing() {
    let repo = setup();
    let content = login_edited("draft", &[]);
    repo.write(SPEC, &content);
    repo.git(&["commit", "-q", "-a", "-m", "Reword"]);
    assert_eq!(repo.show("HEAD", SPEC), content);
    assert_eq!(repo.read(SPEC), content);
    assert_clean(&repo);
}

#[test]
fn markdown_outside_the_spec_folder_is_ignored() {
    let repo = setup();
    let elsewhere = "docs/login.md";
    repo.write(elsewhere, &login("draft", &[]));
    repo.commit_all("A copy outside specs/");
    repo.write(elsewhere, &login("shipped", &[]));
    repo.git(&["commit", "-q", "-a", "-m", "Not a spec"]);
    assert_eq!(repo.show("HEAD", elsewhere), login("shipped", &[]));
    assert_clean(&repo);
}

// ---------------------------------------------------------------------------
// Where the hook lives.
// ---------------------------------------------------------------------------

#[test]
fn a_linked_worktree_runs_the_main_repositorys_hook() {
    let repo = setup();
    let worktree = repo.add_worktree("wt", "feature");
    assert!(!worktree.path.join(".git").is_dir());

    worktree.write(SPEC, &login("review", &[]));
    worktree.git(&["add", SPEC]);
    worktree.git(&["commit", "-q", "-m", "Review in the worktree"]);
    let expected = login("review", &[&status_entry("draft", "review")]);
    assert_eq!(worktree.show("HEAD", SPEC), expected);
    assert_eq!(worktree.read(SPEC), expected);
    assert_clean(&worktree);

    // `git commit <path>` there too: the worktree's own real index.
    worktree.write(
        SPEC,
        &login("approved", &[&status_entry("draft", "review")]),
    );
    worktree.git(&["commit", "-q", "-m", "Approve in the worktree", SPEC]);
    let expected = login(
        "approved",
        &[
            &status_entry("draft", "review"),
            &status_entry("review", "approved"),
        ],
    );
    assert_eq!(worktree.show("HEAD", SPEC), expected);
    assert_eq!(worktree.read(SPEC), expected);
    assert_clean(&worktree);

    // The main worktree is untouched.
    assert_eq!(repo.read(SPEC), login("draft", &[]));
    assert_clean(&repo);
}

#[test]
fn install_from_a_linked_worktree_uses_the_shared_hooks_folder() {
    let repo = repo_with_spec();
    let worktree = repo.add_worktree("wt", "feature");
    install(&worktree);
    assert!(hook_file(&repo).is_file());
    assert!(fs::read_to_string(hook_file(&repo))
        .unwrap()
        .contains("# >>> git-spec pre-commit >>>"));
}

#[test]
fn a_relative_core_hooks_path_gets_the_hook_and_git_runs_it() {
    let repo = repo_with_spec();
    repo.git(&["config", "core.hooksPath", ".githooks"]);
    // Installed from a subfolder: the path is relative to the root, not to
    // the current folder.
    let out = repo.spec_in("specs", &["hook", "install"]);
    assert_success(&out);
    let hook = repo.path.join(".githooks/pre-commit");
    assert!(hook.is_file(), "{}", stderr(&out));
    assert!(is_executable(&hook));
    assert!(!repo.path.join("specs/.githooks").exists());
    assert!(!hook_file(&repo).exists());
    // Teams commit that folder.
    repo.commit_all("Share the hooks");

    repo.write(SPEC, &login("review", &[]));
    repo.git(&["commit", "-q", "-a", "-m", "Ready for review"]);
    let expected = login("review", &[&status_entry("draft", "review")]);
    assert_eq!(repo.show("HEAD", SPEC), expected);
    assert_eq!(repo.read(SPEC), expected);
    assert_clean(&repo);

    let status = repo.spec(&["hook", "status"]);
    assert_success(&status);
    assert_contains(&stdout(&status), "installed in .githooks/pre-commit");
}

#[test]
fn an_existing_shell_hook_keeps_running() {
    let repo = repo_with_spec();
    let log = repo.sandbox.root.join("user-hook.log");
    let user_hook = format!(
        "#!/bin/sh\n# the team's own checks\necho \"user hook ran\" >> '{}'\nexit 0\n",
        log.display()
    );
    write_executable(&hook_file(&repo), &user_hook);
    install(&repo);

    let installed = fs::read_to_string(hook_file(&repo)).unwrap();
    assert!(installed.starts_with("#!/bin/sh\n# >>> git-spec pre-commit >>>\n"));
    assert!(installed.ends_with(&user_hook["#!/bin/sh\n".len()..]));
    assert!(is_executable(&hook_file(&repo)));

    repo.write(SPEC, &login("review", &[]));
    repo.git(&["commit", "-q", "-a", "-m", "Ready for review"]);
    assert_eq!(fs::read_to_string(&log).unwrap(), "user hook ran\n");
    let expected = login("review", &[&status_entry("draft", "review")]);
    assert_eq!(repo.show("HEAD", SPEC), expected);
    assert_clean(&repo);
}

#[test]
fn an_existing_failing_shell_hook_still_stops_the_commit() {
    let repo = repo_with_spec();
    write_executable(
        &hook_file(&repo),
        "#!/bin/sh\necho 'lint failed' >&2\nexit 1\n",
    );
    install(&repo);
    repo.write(SPEC, &login("review", &[]));
    let err = assert_commit_refused(&repo, &["commit", "-q", "-a", "-m", "Review"]);
    assert_contains(&err, "lint failed");
}

#[test]
fn a_non_shell_hook_is_not_edited() {
    let repo = repo_with_spec();
    let python = "#!/usr/bin/env python3\nimport sys\nsys.exit(0)\n";
    write_executable(&hook_file(&repo), python);
    let out = repo.spec(&["hook", "install"]);
    let err = assert_failure(&out);
    assert_contains(&err, "not a shell script");
    assert_contains(&err, "git spec hook run pre-commit");
    assert_eq!(fs::read_to_string(hook_file(&repo)).unwrap(), python);
}

#[test]
fn installing_twice_changes_nothing() {
    let repo = repo_with_spec();
    write_executable(&hook_file(&repo), "#!/bin/bash\necho mine\n");
    install(&repo);
    let first = fs::read(hook_file(&repo)).unwrap();
    let out = install(&repo);
    assert_contains(&stdout(&out), "already installed");
    assert_eq!(fs::read(hook_file(&repo)).unwrap(), first);

    // Same without a user hook.
    let repo = repo_with_spec();
    install(&repo);
    let first = fs::read(hook_file(&repo)).unwrap();
    install(&repo);
    assert_eq!(fs::read(hook_file(&repo)).unwrap(), first);
    assert_eq!(
        String::from_utf8(first)
            .unwrap()
            .matches("# >>> git-spec pre-commit >>>")
            .count(),
        1
    );
}

#[test]
fn uninstall_restores_the_users_hook_byte_for_byte() {
    let repo = repo_with_spec();
    let user_hook = "#!/bin/bash\nset -e\necho mine\n\nexit 0\n";
    write_executable(&hook_file(&repo), user_hook);
    install(&repo);
    assert_ne!(fs::read_to_string(hook_file(&repo)).unwrap(), user_hook);

    let out = repo.spec(&["hook", "uninstall"]);
    assert_success(&out);
    assert_eq!(fs::read_to_string(hook_file(&repo)).unwrap(), user_hook);
    assert!(is_executable(&hook_file(&repo)));

    // A second uninstall has nothing to do.
    let out = repo.spec(&["hook", "uninstall"]);
    assert_success(&out);
    assert_contains(&stdout(&out), "not installed");
    assert_eq!(fs::read_to_string(hook_file(&repo)).unwrap(), user_hook);
}

#[test]
fn uninstall_restores_a_hook_without_shebang_byte_for_byte() {
    // git runs a hook without `#!` with sh, so it is a shell hook.
    let repo = repo_with_spec();
    let user_hook = "echo mine\n";
    write_executable(&hook_file(&repo), user_hook);
    install(&repo);
    let out = repo.spec(&["hook", "uninstall"]);
    assert_success(&out);
    assert_eq!(fs::read_to_string(hook_file(&repo)).unwrap(), user_hook);
}

#[test]
fn uninstall_removes_a_hook_file_it_created() {
    let repo = repo_with_spec();
    install(&repo);
    assert!(hook_file(&repo).is_file());
    let out = repo.spec(&["hook", "uninstall"]);
    assert_success(&out);
    assert!(!hook_file(&repo).exists());

    // And the hook no longer runs.
    repo.write(SPEC, &login("review", &[]));
    repo.git(&["commit", "-q", "-a", "-m", "Review"]);
    assert_eq!(repo.show("HEAD", SPEC), login("review", &[]));
}

#[test]
fn hook_status_before_and_after_install() {
    let repo = repo_with_spec();
    // Nothing would run git-spec: exit 1, for scripts and CI.
    let out = repo.spec(&["hook", "status"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stdout(&out),
        "not installed: .git/hooks/pre-commit does not exist (run `git spec hook install`)\n"
    );

    write_executable(&hook_file(&repo), "#!/bin/sh\necho mine\n");
    let out = repo.spec(&["hook", "status"]);
    assert_eq!(out.status.code(), Some(1));
    assert_contains(&stdout(&out), "not installed");
    assert_contains(&stdout(&out), "without the git-spec block");

    install(&repo);
    let out = repo.spec(&["hook", "status"]);
    assert_success(&out);
    let binary = Path::new(BIN).canonicalize().unwrap();
    assert_eq!(
        stdout(&out),
        format!(
            "installed in .git/hooks/pre-commit\ncalls {}\nthe hook also runs other commands, which keep running\n",
            binary.display()
        )
    );

    repo.spec(&["hook", "uninstall"]);
    fs::remove_file(hook_file(&repo)).unwrap();
    install(&repo);
    let out = repo.spec(&["hook", "status"]);
    assert_eq!(
        stdout(&out),
        format!(
            "installed in .git/hooks/pre-commit\ncalls {}\n",
            binary.display()
        )
    );
}

#[test]
fn the_hook_finds_git_spec_on_path_when_the_installed_binary_is_gone() {
    let repo = setup();
    // Point the block at a binary that does not exist; the fallback is
    // `git-spec` on PATH, which the harness puts first.
    let hook = hook_file(&repo);
    let text = fs::read_to_string(&hook).unwrap();
    let binary = Path::new(BIN).canonicalize().unwrap();
    let moved = text.replace(
        &format!("git_spec_bin='{}'", binary.display()),
        "git_spec_bin='/nonexistent/git-spec'",
    );
    assert_ne!(moved, text);
    fs::write(&hook, moved).unwrap();

    repo.write(SPEC, &login("review", &[]));
    repo.git(&["commit", "-q", "-a", "-m", "Review"]);
    assert_eq!(
        repo.show("HEAD", SPEC),
        login("review", &[&status_entry("draft", "review")])
    );
    assert_clean(&repo);
}

/// `git commit ARGS` with the PATH a GUI client gives hooks: `git` (linked
/// into a folder of its own), `/usr/bin` and `/bin`, and no folder holding
/// a `git-spec`.
fn commit_with_minimal_path(repo: &TestRepo, args: &[&str]) -> Output {
    let bin_dir = Path::new(BIN).parent().unwrap();
    let git = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .filter(|dir| dir != bin_dir)
        .map(|dir| dir.join("git"))
        .find(|git| git.is_file())
        .expect("git on PATH");
    let git_dir = repo.sandbox.root.join("git-only");
    if !git_dir.exists() {
        fs::create_dir_all(&git_dir).unwrap();
        std::os::unix::fs::symlink(&git, git_dir.join("git")).unwrap();
    }
    let dirs: Vec<PathBuf> = [git_dir, "/usr/bin".into(), "/bin".into()]
        .into_iter()
        .filter(|dir| !dir.join("git-spec").exists())
        .collect();
    let path = std::env::join_paths(dirs).unwrap();
    run(repo.git_cmd(args).env("PATH", path))
}

#[test]
fn the_hook_works_with_a_minimal_path() {
    let repo = setup();
    repo.write(SPEC, &login("review", &[]));
    let out = commit_with_minimal_path(&repo, &["commit", "-q", "-a", "-m", "Review"]);
    assert_success_ctx(&out, "git commit with a minimal PATH");
    let expected = login("review", &[&status_entry("draft", "review")]);
    assert_eq!(repo.show("HEAD", SPEC), expected);
    assert_eq!(repo.read(SPEC), expected);
    assert_clean(&repo);
}

#[test]
fn a_hook_that_finds_no_binary_says_what_to_do() {
    let repo = setup();
    let hook = hook_file(&repo);
    let text = fs::read_to_string(&hook).unwrap();
    let binary = Path::new(BIN).canonicalize().unwrap();
    fs::write(
        &hook,
        text.replace(
            &format!("git_spec_bin='{}'", binary.display()),
            "git_spec_bin='/nonexistent/git-spec'",
        ),
    )
    .unwrap();
    repo.write(SPEC, &login("review", &[]));
    let head = repo.head_oid();
    let out = commit_with_minimal_path(&repo, &["commit", "-q", "-a", "-m", "Review"]);
    assert!(!out.status.success());
    assert_eq!(repo.head_oid(), head);
    let err = stderr(&out);
    assert_contains(&err, "/nonexistent/git-spec");
    assert_contains(&err, "git spec hook install");
    assert_contains(&err, "--no-verify");
}

#[test]
fn install_replaces_an_older_block_in_place() {
    let repo = repo_with_spec();
    let user_hook = "#!/bin/sh\necho mine\n";
    write_executable(&hook_file(&repo), user_hook);
    install(&repo);
    let current = fs::read_to_string(hook_file(&repo)).unwrap();
    let binary = Path::new(BIN).canonicalize().unwrap();
    let old = current.replace(
        &format!("git_spec_bin='{}'", binary.display()),
        "git_spec_bin='/old/place/git-spec'",
    );
    fs::write(hook_file(&repo), &old).unwrap();

    install(&repo);
    assert_eq!(fs::read_to_string(hook_file(&repo)).unwrap(), current);
    repo.spec(&["hook", "uninstall"]);
    assert_eq!(fs::read_to_string(hook_file(&repo)).unwrap(), user_hook);
}

#[test]
fn install_creates_a_missing_hooks_folder() {
    let repo = repo_with_spec();
    let hooks = repo.git_dir().join("hooks");
    if hooks.exists() {
        fs::remove_dir_all(&hooks).unwrap();
    }
    install(&repo);
    assert!(is_executable(&hook_file(&repo)));
    repo.write(SPEC, &login("review", &[]));
    repo.git(&["commit", "-q", "-a", "-m", "Review"]);
    assert_eq!(
        repo.show("HEAD", SPEC),
        login("review", &[&status_entry("draft", "review")])
    );
}

#[test]
fn a_global_core_hooks_path_under_home_is_used() {
    let repo = repo_with_spec();
    repo.sandbox.set_global("core.hooksPath", "~/githooks");
    install(&repo);
    let hook = repo.sandbox.home.join("githooks/pre-commit");
    assert!(hook.is_file());
    assert!(!hook_file(&repo).exists());

    repo.write(SPEC, &login("review", &[]));
    repo.git(&["commit", "-q", "-a", "-m", "Review"]);
    assert_eq!(
        repo.show("HEAD", SPEC),
        login("review", &[&status_entry("draft", "review")])
    );
    assert_clean(&repo);
}

#[test]
fn a_binary_hook_is_not_overwritten() {
    let repo = repo_with_spec();
    // The start of an ELF executable: not UTF-8, not a shell script.
    let binary: &[u8] = b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00>\x00\x01\x00\x00\x00\xf0\x8f\xff\xfe";
    let hook = hook_file(&repo);
    fs::create_dir_all(hook.parent().unwrap()).unwrap();
    fs::write(&hook, binary).unwrap();
    fs::set_permissions(&hook, fs::Permissions::from_mode(0o755)).unwrap();

    let out = repo.spec(&["hook", "install"]);
    let after = fs::read(&hook).unwrap();
    assert!(
        after == binary,
        "the hook was overwritten with:\n{}",
        String::from_utf8_lossy(&after)
    );
    let err = assert_failure(&out);
    assert_contains(&err, "git spec hook run pre-commit");
}

#[test]
fn a_shell_hook_with_latin1_bytes_keeps_its_commands() {
    let repo = repo_with_spec();
    let log = repo.sandbox.root.join("user-hook.log");
    let mut user_hook = b"#!/bin/sh\n# v\xe9rifications de l'\xe9quipe\n".to_vec();
    user_hook.extend_from_slice(format!("echo ran >> '{}'\n", log.display()).as_bytes());
    let hook = hook_file(&repo);
    fs::create_dir_all(hook.parent().unwrap()).unwrap();
    fs::write(&hook, &user_hook).unwrap();
    fs::set_permissions(&hook, fs::Permissions::from_mode(0o755)).unwrap();

    let _ = repo.spec(&["hook", "install"]);
    let installed = fs::read(&hook).unwrap();
    // Either refused (file unchanged) or chained (the user's bytes kept).
    assert!(
        installed == user_hook || installed.ends_with(&user_hook[b"#!/bin/sh\n".len()..]),
        "the user's hook was replaced:\n{}",
        String::from_utf8_lossy(&installed)
    );
    repo.write(SPEC, &login("review", &[]));
    repo.git(&["commit", "-q", "-a", "-m", "Review"]);
    assert_eq!(fs::read_to_string(&log).unwrap(), "ran\n");
}

#[test]
fn a_symlinked_hook_stays_a_symlink_after_install_and_uninstall() {
    let repo = repo_with_spec();
    let script = repo.sandbox.root.join("shared-pre-commit");
    write_executable(&script, "#!/bin/sh\necho shared\n");
    let hook = hook_file(&repo);
    fs::create_dir_all(hook.parent().unwrap()).unwrap();
    std::os::unix::fs::symlink(&script, &hook).unwrap();

    let out = repo.spec(&["hook", "install"]);
    assert_failure(&out);
    assert_contains(&stderr(&out), "symbolic link");
    assert_contains(&stderr(&out), "git spec hook run pre-commit");
    let _ = repo.spec(&["hook", "uninstall"]);
    let meta = fs::symlink_metadata(&hook).unwrap();
    assert!(
        meta.file_type().is_symlink(),
        "the symlink was replaced by a file"
    );
    assert_eq!(fs::read_link(&hook).unwrap(), script);
    assert_eq!(
        fs::read_to_string(&script).unwrap(),
        "#!/bin/sh\necho shared\n"
    );
}

#[test]
fn uninstall_refuses_a_symlinked_hook_that_holds_the_block() {
    let repo = repo_with_spec();
    let script = repo.sandbox.root.join("shared-pre-commit");
    let shared = "#!/bin/sh\n# >>> git-spec pre-commit >>>\ngit spec hook run pre-commit || exit $?\n# <<< git-spec pre-commit <<<\necho shared\n";
    write_executable(&script, shared);
    let hook = hook_file(&repo);
    fs::create_dir_all(hook.parent().unwrap()).unwrap();
    std::os::unix::fs::symlink(&script, &hook).unwrap();

    let out = repo.spec(&["hook", "uninstall"]);
    let err = assert_failure(&out);
    assert_contains(&err, "symbolic link");
    assert_contains(&err, &script.display().to_string());
    assert!(fs::symlink_metadata(&hook)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(fs::read_link(&hook).unwrap(), script);
    assert_eq!(fs::read_to_string(&script).unwrap(), shared);
}

// ---------------------------------------------------------------------------
// Merges and cherry-picks.
// ---------------------------------------------------------------------------

/// Spec 1 moved draft -> review -> approved on branch `feature`, by two
/// commits through the hook; main gets an unrelated commit. HEAD: main.
fn diverged_on_status() -> TestRepo {
    let repo = setup();
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write(SPEC, &login("review", &[]));
    repo.git(&["commit", "-q", "-a", "-m", "Review"]);
    repo.write(
        SPEC,
        &login("approved", &[&status_entry("draft", "review")]),
    );
    repo.git(&["commit", "-q", "-a", "-m", "Approve"]);
    repo.git(&["checkout", "-q", "main"]);
    repo.write("README.md", "# Project\n\nMore.\n");
    repo.git(&["commit", "-q", "-a", "-m", "README"]);
    repo
}

fn approved_on_feature() -> String {
    login(
        "approved",
        &[
            &status_entry("draft", "review"),
            &status_entry("review", "approved"),
        ],
    )
}

#[test]
fn a_merge_of_a_branch_with_another_status_succeeds() {
    let repo = diverged_on_status();
    repo.git(&["merge", "-q", "--no-edit", "feature"]);
    assert_eq!(
        repo.git_out(&["rev-list", "--count", "--merges", "HEAD"]),
        "1"
    );
    assert_eq!(repo.show("HEAD", SPEC), approved_on_feature());
    assert_eq!(repo.read(SPEC), approved_on_feature());
    assert_clean(&repo);
}

#[test]
fn a_merge_committed_by_hand_gets_no_spurious_entry() {
    let repo = diverged_on_status();
    repo.git(&["merge", "-q", "--no-ff", "--no-commit", "feature"]);
    repo.git(&["commit", "-q", "--no-edit"]);
    assert_eq!(
        repo.git_out(&["rev-list", "--count", "--merges", "HEAD"]),
        "1"
    );
    assert_eq!(repo.show("HEAD", SPEC), approved_on_feature());
    assert_eq!(repo.read(SPEC), approved_on_feature());
    assert_clean(&repo);
}

#[test]
fn a_conflicted_merge_is_not_refused() {
    let repo = setup();
    repo.git(&["checkout", "-q", "-b", "feature"]);
    let mut log = Vec::new();
    for (from, to) in [
        ("draft", "review"),
        ("review", "approved"),
        ("approved", "in-progress"),
    ] {
        let history: Vec<&str> = log.iter().map(String::as_str).collect();
        repo.write(SPEC, &login(to, &history));
        repo.git(&["commit", "-q", "-a", "-m", to]);
        log.push(status_entry(from, to));
    }
    let history: Vec<&str> = log.iter().map(String::as_str).collect();
    let theirs = login("in-progress", &history);
    assert_eq!(repo.show("HEAD", SPEC), theirs);

    // main edits the line next to the status: a conflict.
    repo.git(&["checkout", "-q", "main"]);
    repo.write(
        SPEC,
        &login("draft", &[]).replace("priority: medium", "priority: high"),
    );
    repo.git(&["commit", "-q", "-a", "-m", "Raise the priority"]);
    let out = repo.git_try(&["merge", "-q", "feature"]);
    assert!(!out.status.success(), "expected a conflict");

    let resolved = theirs.replace("priority: medium", "priority: high");
    repo.write(SPEC, &resolved);
    repo.git(&["add", SPEC]);
    let out = repo.git_try(&["commit", "-q", "--no-edit"]);
    assert_success_ctx(&out, "git commit (merge resolution)");
    assert_eq!(
        repo.git_out(&["rev-list", "--count", "--merges", "HEAD"]),
        "1"
    );
    assert_eq!(repo.show("HEAD", SPEC), resolved);
    assert_eq!(repo.read(SPEC), resolved);
    assert_clean(&repo);
}

#[test]
fn a_cherry_pick_across_statuses_succeeds() {
    let repo = diverged_on_status();
    // On feature (approved), an edit that does not touch the status.
    repo.git(&["checkout", "-q", "feature"]);
    repo.write(
        SPEC,
        &login_edited(
            "approved",
            &[
                &status_entry("draft", "review"),
                &status_entry("review", "approved"),
            ],
        ),
    );
    repo.git(&["commit", "-q", "-a", "-m", "Reword"]);
    let pick = repo.head_oid().unwrap();
    repo.git(&["checkout", "-q", "main"]);

    repo.git(&["cherry-pick", &pick]);
    let expected = login_edited("draft", &[]);
    assert_eq!(repo.show("HEAD", SPEC), expected);
    assert_eq!(repo.read(SPEC), expected);
    assert_clean(&repo);
}

#[test]
fn a_cherry_pick_of_a_status_change_succeeds_without_a_second_entry() {
    let repo = setup();
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write(SPEC, &login("review", &[]));
    repo.git(&["commit", "-q", "-a", "-m", "Review"]);
    let pick = repo.head_oid().unwrap();
    repo.git(&["checkout", "-q", "main"]);

    repo.git(&["cherry-pick", &pick]);
    let expected = login("review", &[&status_entry("draft", "review")]);
    assert_eq!(repo.show("HEAD", SPEC), expected);
    assert_eq!(repo.read(SPEC), expected);
    assert_clean(&repo);
}

#[test]
fn a_conflicted_cherry_pick_continues_without_a_second_entry() {
    // `git cherry-pick --continue` runs pre-commit.
    let repo = setup();
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write(SPEC, &login_edited("review", &[]));
    repo.git(&["commit", "-q", "-a", "-m", "Review and reword"]);
    let pick = repo.head_oid().unwrap();
    repo.git(&["checkout", "-q", "main"]);
    repo.write(
        SPEC,
        &doc(1, "Login", "draft", "Users sign in with a token.", &[]),
    );
    repo.git(&["commit", "-q", "-a", "-m", "Another wording"]);

    let out = repo.git_try(&["cherry-pick", &pick]);
    assert!(!out.status.success(), "expected a conflict");
    let resolved = login_edited("review", &[&status_entry("draft", "review")]);
    repo.write(SPEC, &resolved);
    repo.git(&["add", SPEC]);
    let out = run(repo
        .git_cmd(&["cherry-pick", "--continue"])
        .env("GIT_EDITOR", "true"));
    assert_success_ctx(&out, "git cherry-pick --continue");
    assert_eq!(repo.show("HEAD", SPEC), resolved);
    assert_eq!(repo.read(SPEC), resolved);
    assert_clean(&repo);
}

// ---------------------------------------------------------------------------
// `hook run pre-commit --check` and `init --hook`.
// ---------------------------------------------------------------------------

#[test]
fn check_fails_and_changes_nothing_when_an_entry_is_missing() {
    let repo = repo_with_spec();
    repo.write(SPEC, &login_edited("review", &[]));
    repo.git(&["add", SPEC]);
    repo.write(SPEC, &login_edited("review", &[]).replace("medium", "low"));
    let before = repo.snapshot();
    let index_before = fs::read(repo.git_dir().join("index")).unwrap();

    let out = repo.spec(&["hook", "run", "pre-commit", "--check"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_contains(&stderr(&out), SPEC);
    assert_contains(&stderr(&out), "from draft to review");
    repo.assert_unchanged(&before);
    assert_eq!(
        fs::read(repo.git_dir().join("index")).unwrap(),
        index_before
    );
    assert_no_leftovers(&repo);
}

#[test]
fn check_passes_when_entries_are_there_or_nothing_changed() {
    let repo = repo_with_spec();
    let out = repo.spec(&["hook", "run", "pre-commit", "--check"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    repo.write(SPEC, &login("review", &[&status_entry("draft", "review")]));
    repo.git(&["add", SPEC]);
    let before = repo.snapshot();
    let out = repo.spec(&["hook", "run", "pre-commit", "--check"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    repo.assert_unchanged(&before);
}

#[test]
fn check_reads_the_index_not_the_working_tree() {
    let repo = repo_with_spec();
    // The working tree changes the status, the index does not.
    repo.write(SPEC, &login("review", &[]));
    let out = repo.spec(&["hook", "run", "pre-commit", "--check"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn check_refuses_a_forbidden_transition() {
    let repo = repo_with_spec();
    repo.write(SPEC, &login("implemented", &[]));
    repo.git(&["add", SPEC]);
    let err = repo.fails_untouched(&["hook", "run", "pre-commit", "--check"]);
    assert_contains(&err, "draft -> implemented is not allowed");
}

#[test]
fn init_with_hook_installs_it() {
    let repo = TestRepo::with_commit();
    let out = repo.spec(&["init", "--hook"]);
    assert_success(&out);
    let hook = fs::read_to_string(hook_file(&repo)).unwrap();
    assert!(hook.starts_with("#!/bin/sh\n# >>> git-spec pre-commit >>>\n"));
    assert!(is_executable(&hook_file(&repo)));
    let status = repo.spec(&["hook", "status"]);
    assert_contains(&stdout(&status), "installed in .git/hooks/pre-commit");

    repo.write(SPEC, &login("draft", &[]));
    repo.commit_all("Set up specs");
    repo.write(SPEC, &login("review", &[]));
    repo.git(&["commit", "-q", "-a", "-m", "Review"]);
    assert_eq!(
        repo.show("HEAD", SPEC),
        login("review", &[&status_entry("draft", "review")])
    );
    assert_clean(&repo);
}

#[test]
fn init_without_hook_installs_nothing() {
    let repo = TestRepo::with_commit();
    let out = repo.spec(&["init"]);
    assert_success(&out);
    assert!(!hook_file(&repo).exists());
}

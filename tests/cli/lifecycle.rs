//! The lifecycle as a team lives it: several status steps before one
//! commit, hand edits mixed in, `--amend`, `commit <path>`; and one
//! transition policy for `status`, the commit hook and `check --fix`.

use crate::common::*;

const SPEC: &str = "specs/0001-login.md";

/// Spec 1 at `status`, with `entries` after the initial one.
fn login(status: &str, entries: &[String]) -> String {
    let mut text = format!(
        "---\nspec-id: SPEC-0001\ntitle: Login\nstatus: {status}\npriority: medium\n\
         owner: {OWNER}\ncreated: 2026-01-01\nupdated: 2026-01-01\n---\n\n# Login\n\n\
         ## Changelog\n\n- 2026-01-01: Initial draft created\n"
    );
    for entry in entries {
        text.push_str(entry);
        text.push('\n');
    }
    text
}

/// A repository whose HEAD holds spec 1 at `status` (recorded by
/// `entries`), with the hook installed.
fn committed_at(status: &str, entries: &[String]) -> TestRepo {
    let repo = TestRepo::with_commit();
    repo.write(SPEC, &login(status, entries));
    repo.commit_all("The login spec");
    assert_success(&repo.spec(&["hook", "install"]));
    repo
}

/// The "Status changed" steps of the changelog, as (from, to).
fn steps(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|line| {
            let rest = line.split(": Status changed from ").nth(1)?;
            let (from, rest) = rest.split_once(" to ")?;
            let (to, _) = rest.split_once(" by ")?;
            Some((from.to_string(), to.to_string()))
        })
        .collect()
}

fn pairs(path: &[&str]) -> Vec<(String, String)> {
    path.windows(2)
        .map(|w| (w[0].to_string(), w[1].to_string()))
        .collect()
}

/// After a commit: one entry per real step, nothing for check to report,
/// nothing left in the working tree.
fn assert_recorded(repo: &TestRepo, path: &[&str]) {
    let committed = repo.show("HEAD", SPEC);
    assert_eq!(steps(&committed), pairs(path), "{committed}");
    assert_eq!(repo.read(SPEC), committed);
    let check = repo.spec(&["check", "--working-tree-only"]);
    assert!(
        !stdout(&check).contains("unrecorded-status"),
        "{}",
        run_text(&check)
    );
    let audit = repo.spec(&["check", "--history"]);
    assert!(
        audit.status.success() && stdout(&audit).is_empty(),
        "{}",
        run_text(&audit)
    );
    assert_eq!(repo.status_porcelain(), "");
}

/// Every path of two and three steps from draft in the default workflow.
fn paths_from_draft() -> Vec<Vec<&'static str>> {
    let next = |status: &str| -> &'static [&'static str] {
        match status {
            "draft" => &["review", "approved", "withdrawn"],
            "review" => &["approved", "rejected", "draft", "withdrawn"],
            "approved" => &["in-progress", "withdrawn"],
            "in-progress" => &["implemented", "withdrawn"],
            "implemented" => &["superseded"],
            _ => &[],
        }
    };
    let mut paths = vec![vec!["draft"]];
    let mut out = Vec::new();
    for length in 1..=3 {
        let mut longer = Vec::new();
        for path in &paths {
            for &to in next(path.last().unwrap()) {
                let mut step = path.clone();
                step.push(to);
                if length >= 2 {
                    out.push(step.clone());
                }
                longer.push(step);
            }
        }
        paths = longer;
    }
    out
}

#[test]
fn several_status_steps_before_one_commit_are_each_recorded_once() {
    let paths = paths_from_draft();
    assert_eq!(paths.len(), 13, "{paths:?}");
    for path in paths {
        let repo = committed_at("draft", &[]);
        for to in &path[1..] {
            assert_success(&repo.spec(&["status", "1", to]));
        }
        let out = repo.git_try(&["commit", "-q", "-a", "-m", "Triage"]);
        assert_success_ctx(&out, &format!("commit of {path:?}"));
        assert_recorded(&repo, &path);
    }
}

#[test]
fn a_chain_ending_in_a_final_status_is_accepted() {
    let entries = [
        status_entry("draft", "approved"),
        status_entry("approved", "in-progress"),
    ];
    let repo = committed_at("in-progress", &entries);
    assert_success(&repo.spec(&["status", "1", "implemented"]));
    assert_success(&repo.spec(&["status", "1", "superseded"]));
    repo.git(&["commit", "-q", "-a", "-m", "Done and replaced"]);
    assert_recorded(
        &repo,
        &[
            "draft",
            "approved",
            "in-progress",
            "implemented",
            "superseded",
        ],
    );
}

#[test]
fn a_step_by_status_then_a_hand_edit_gets_one_entry_for_the_hand_edit() {
    let repo = committed_at("draft", &[]);
    assert_success(&repo.spec(&["status", "1", "review"]));
    repo.write(
        SPEC,
        &repo
            .read(SPEC)
            .replace("status: review", "status: approved"),
    );
    let out = repo.git_try(&["commit", "-q", "-a", "-m", "Approved"]);
    assert_success(&out);
    assert_contains(&stderr(&out), &status_entry("review", "approved"));
    assert_recorded(&repo, &["draft", "review", "approved"]);
    // The hook dated the spec too.
    assert_contains(&repo.read(SPEC), &format!("updated: {SPEC_DATE}"));
}

#[test]
fn amending_a_chain_adds_nothing() {
    let repo = committed_at("draft", &[]);
    assert_success(&repo.spec(&["status", "1", "review"]));
    assert_success(&repo.spec(&["status", "1", "approved"]));
    repo.git(&["commit", "-q", "-a", "-m", "Approved"]);
    repo.git(&["commit", "-q", "--amend", "-a", "--no-edit"]);
    assert_recorded(&repo, &["draft", "review", "approved"]);
}

#[test]
fn commit_with_a_path_records_a_chain_and_leaves_the_index_clean() {
    let repo = committed_at("draft", &[]);
    assert_success(&repo.spec(&["status", "1", "review"]));
    repo.write(
        SPEC,
        &repo
            .read(SPEC)
            .replace("status: review", "status: withdrawn"),
    );
    repo.git(&["commit", "-q", "-m", "Withdrawn", SPEC]);
    assert_recorded(&repo, &["draft", "review", "withdrawn"]);
}

#[test]
fn a_chain_with_a_gap_is_refused_naming_the_missing_step() {
    // The changelog says approved -> in-progress, but HEAD is at draft.
    let repo = committed_at("draft", &[]);
    let made_up = login("in-progress", &[status_entry("approved", "in-progress")]);
    repo.write(SPEC, &made_up);
    let out = repo.git_try(&["commit", "-q", "-a", "-m", "Skip ahead"]);
    assert_eq!(out.status.code(), Some(1), "{}", run_text(&out));
    let err = stderr(&out);
    assert_contains(&err, "records a change from approved to in-progress");
    assert_contains(&err, "the step from draft to approved has no entry");
    assert_eq!(steps(&repo.show("HEAD", SPEC)), vec![]);
    assert_eq!(repo.read(SPEC), made_up);
}

#[test]
fn a_forbidden_step_after_recorded_ones_is_refused_with_a_remedy_that_works() {
    let repo = committed_at("draft", &[]);
    assert_success(&repo.spec(&["status", "1", "review"]));
    repo.write(
        SPEC,
        &repo
            .read(SPEC)
            .replace("status: review", "status: implemented"),
    );
    let out = repo.git_try(&["commit", "-q", "-a", "-m", "Too fast"]);
    assert_eq!(out.status.code(), Some(1), "{}", run_text(&out));
    let err = stderr(&out);
    assert_contains(&err, "review -> implemented is not allowed");
    assert_contains(&err, "git spec status <id> <status> --force");
    // The remedy the message names records the forced step...
    assert_success(&repo.spec(&["status", "1", "implemented", "--force"]));
    // ...and the same commit then goes through, with no invented entry.
    repo.git(&["commit", "-q", "-a", "-m", "Too fast"]);
    assert_recorded(&repo, &["draft", "review", "implemented"]);
    assert_contains(&repo.read(SPEC), "to implemented by Jane Doe (forced)");
}

#[test]
fn the_read_only_hook_names_check_fix_as_the_remedy() {
    let repo = committed_at("draft", &[]);
    repo.write(SPEC, &login("review", &[]));
    repo.git(&["add", SPEC]);
    let out = repo.spec(&["hook", "run", "pre-commit", "--check"]);
    assert_eq!(out.status.code(), Some(1), "{}", run_text(&out));
    assert_contains(&stderr(&out), "git spec check --fix");
    // And it works: the entry is appended, dated.
    assert_success(&repo.spec(&["check", "--fix", "--working-tree-only"]));
    let fixed = repo.read(SPEC);
    assert_eq!(steps(&fixed), pairs(&["draft", "review"]));
    assert_contains(&fixed, &format!("updated: {SPEC_DATE}"));
}

/// `status` (without --force), the hook and `check --fix` accept and
/// refuse the same moves: from × to × enforce. "wip" is a status the
/// workflow does not know (recorded by an older workflow).
#[test]
fn status_the_hook_and_check_fix_decide_alike() {
    for enforce in [true, false] {
        for from in ["draft", "review", "implemented", "wip"] {
            for to in ["review", "approved", "implemented", "draft"] {
                if from == to {
                    continue;
                }
                let entries: Vec<String> = match from {
                    "draft" => Vec::new(),
                    _ => vec![status_entry("draft", from)],
                };
                let specrc = format!("[workflow]\nenforce = {enforce}\n");
                let case = format!("{from} -> {to}, enforce = {enforce}");

                // git spec status
                let repo = TestRepo::with_commit();
                repo.write(".specrc", &specrc);
                repo.write(SPEC, &login(from, &entries));
                repo.commit_all("Start");
                let by_status = repo.spec(&["status", "1", to]).status.success();

                // the hook, on a hand edit
                let repo = TestRepo::with_commit();
                repo.write(".specrc", &specrc);
                repo.write(SPEC, &login(from, &entries));
                repo.commit_all("Start");
                assert_success(&repo.spec(&["hook", "install"]));
                repo.write(SPEC, &login(to, &entries));
                let by_hook = repo
                    .git_try(&["commit", "-q", "-a", "-m", "Move"])
                    .status
                    .success();

                // check --fix, on the same hand edit
                let repo = TestRepo::with_commit();
                repo.write(".specrc", &specrc);
                repo.write(SPEC, &login(to, &entries));
                let _ = repo.spec(&["check", "--fix", "--working-tree-only"]);
                let by_fix =
                    steps(&repo.read(SPEC)).last() == Some(&(from.to_string(), to.to_string()));

                assert_eq!(
                    (by_status, by_hook, by_fix),
                    (by_status, by_status, by_status),
                    "{case}: status, hook, check --fix"
                );
                let allowed = match (from, to) {
                    ("draft", "review")
                    | ("draft", "approved")
                    | ("review", "approved")
                    | ("review", "draft") => true,
                    _ => !enforce,
                };
                assert_eq!(by_status, allowed, "{case}");
            }
        }
    }
}

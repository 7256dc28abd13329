//! The global output options every command takes: `-q`, `-v`, `--color`,
//! and the colour conventions (NO_COLOR, CLICOLOR, CLICOLOR_FORCE,
//! `color.ui`), with the `error:` prefix styled as clap styles its own.

use crate::common::*;

const RED_ERROR: &str = "\x1b[1m\x1b[31merror:\x1b[0m";
const YELLOW_DRAFT: &str = "\x1b[33mdraft\x1b[0m";

fn repo() -> TestRepo {
    let repo = TestRepo::with_commit();
    repo.write("specs/0001-login.md", &SpecFx::new(1, "Login").text());
    repo.commit_all("Login");
    repo
}

#[test]
fn quiet_leaves_out_notes_but_never_errors_or_output() {
    let repo = repo();
    let out = repo.spec_ok(&["new", "Search", "--no-checkout", "-q"]);
    assert_eq!(stdout(&out), "specs/0002-search.md\n");
    assert_eq!(stderr(&out), "", "notes are left out");
    let loud = repo.spec_ok(&["new", "Billing", "--no-checkout"]);
    assert_contains(&stderr(&loud), "Created SPEC-0003");
    // After the subcommand too, and errors still show.
    let out = repo.spec(&["status", "9", "review", "--quiet"]);
    assert_contains(&assert_failure(&out), "error: no spec SPEC-0009");
    // -q and -v together make no sense.
    assert_failure(&repo.spec(&["list", "-q", "-v"]));
}

#[test]
fn verbose_shows_each_git_command() {
    let repo = repo();
    let out = repo.spec_ok(&["status", "1", "review", "--commit", "-v"]);
    assert_contains(&stderr(&out), "git-spec: running git commit --quiet -m");
    let out = repo.spec_ok(&["status", "1", "approved", "--commit"]);
    assert!(!stderr(&out).contains("running git"), "{}", run_text(&out));
}

#[test]
fn colour_follows_the_flag_then_the_conventions_then_git_config() {
    let repo = repo();
    let list = |args: &[&str], env: &[(&str, Option<&str>)]| {
        let mut all = vec!["list"];
        all.extend_from_slice(args);
        stdout(&repo.spec_env(&all, env))
    };
    // Piped: no colour by default.
    assert!(!list(&[], &[]).contains('\x1b'));
    // CLICOLOR_FORCE forces it; NO_COLOR wins over that; --color wins over all.
    assert_contains(&list(&[], &[("CLICOLOR_FORCE", Some("1"))]), YELLOW_DRAFT);
    assert!(!list(&[], &[("CLICOLOR_FORCE", Some("0"))]).contains('\x1b'));
    assert!(!list(
        &[],
        &[("CLICOLOR_FORCE", Some("1")), ("NO_COLOR", Some("1"))]
    )
    .contains('\x1b'));
    assert_contains(
        &list(&["--color", "always"], &[("NO_COLOR", Some("1"))]),
        YELLOW_DRAFT,
    );
    assert!(!list(&["--color", "never"], &[("CLICOLOR_FORCE", Some("1"))]).contains('\x1b'));
    // git's color.ui = always colours a pipe too, as git does.
    repo.git(&["config", "color.ui", "always"]);
    assert_contains(&list(&[], &[]), YELLOW_DRAFT);
    repo.git(&["config", "color.ui", "never"]);
    assert!(!list(&[], &[]).contains('\x1b'));
    // The error prefix is styled like clap's, only when colour is on.
    let out = repo.spec_env(&["show", "9"], &[("CLICOLOR_FORCE", Some("1"))]);
    assert!(stderr(&out).starts_with(RED_ERROR), "{:?}", stderr(&out));
    let out = repo.spec(&["show", "9"]);
    assert!(stderr(&out).starts_with("error: "), "{:?}", stderr(&out));
}

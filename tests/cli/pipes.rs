//! A closed stdout (`git spec show 2 | true`, `… | head`) ends every
//! command quietly: exit 0, or killed by SIGPIPE (141 in a shell), never a
//! panic (101) or an error message.

use std::io::Read;
use std::os::unix::process::ExitStatusExt;
use std::process::Stdio;

use crate::common::*;

/// Runs `git spec ARGS` with its stdout a pipe whose reading end is closed
/// at once; returns how it ended and what it wrote on stderr.
fn with_closed_stdout(repo: &TestRepo, args: &[&str]) -> (std::process::ExitStatus, String) {
    let mut child = repo
        .spec_cmd(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn git-spec");
    drop(child.stdout.take());
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    (child.wait().unwrap(), err)
}

#[test]
fn every_command_that_prints_ends_quietly_on_a_closed_stdout() {
    let repo = TestRepo::with_commit();
    // Enough specs that list and check print more than a pipe holds.
    for n in 1..=300u64 {
        repo.write(
            format!("specs/{n:04}-spec-{n}.md"),
            &SpecFx::new(n, "A spec with a title long enough to fill lines").text(),
        );
    }
    repo.commit_all("Specs");
    repo.spec_ok(&["link", "2", "--depends-on", "1"]);
    // So that `hook status` succeeds: a command that would exit 1 anyway
    // can write into the pipe before its reader closes it, and say 1.
    repo.spec_ok(&["hook", "install"]);
    let commands: &[&[&str]] = &[
        &["list"],
        &["list", "--format", "json"],
        &["list", "--format", "csv"],
        &["list", "--reserved"],
        &["list", "--all-branches"],
        &["show", "2"],
        &["show", "2", "--json"],
        &["log", "1"],
        &["log", "1", "--json"],
        &["status", "1"],
        &["status", "1", "--json"],
        &["status", "1", "review", "--dry-run"],
        &["check", "--working-tree-only", "--format", "json"],
        &["check", "--history"],
        &["graph", "--all"],
        &["graph", "--format", "dot"],
        &["hook", "status"],
        &["new", "Piped", "--dry-run"],
        &["renumber", "3", "--dry-run"],
        &["link", "3", "--depends-on", "1", "--dry-run"],
        &["completions", "bash"],
        &["--help"],
        &["list", "--help"],
    ];
    for args in commands {
        let (status, err) = with_closed_stdout(&repo, args);
        let quiet = status.code() == Some(0) || status.signal() == Some(libc_sigpipe());
        assert!(quiet, "git spec {}: {status:?}\n{err}", args.join(" "));
        assert!(
            !err.contains("panicked") && !err.contains("Broken pipe") && !err.contains("error:"),
            "git spec {}: {err}",
            args.join(" ")
        );
    }
    // Nothing was changed by any of them.
    assert_eq!(repo.status_porcelain(), " M specs/0002-spec-2.md\n");
}

/// SIGPIPE's number on every Unix git-spec runs on.
fn libc_sigpipe() -> i32 {
    13
}

//! `hook install` and `hook status` under real hook managers: husky and
//! lefthook from npm, the pre-commit framework from PyPI (installed by
//! `tests/e2e/setup.sh` into `.e2e/`). Each regenerates the hook file it
//! owns, so git-spec writes nothing there and prints the snippet for the
//! manager's configuration; with the snippet in place, a real commit runs
//! git-spec through the manager.

use std::path::{Path, PathBuf};

use crate::common::*;

const SPEC: &str = "specs/0001-login.md";

/// A tool `tests/e2e/setup.sh` installs; the test fails (never skips) when
/// it is missing.
fn tool(relative: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(".e2e")
        .join(relative);
    assert!(
        path.exists(),
        "{} is missing: run `bash tests/e2e/setup.sh` first (it installs the hook managers)",
        path.display()
    );
    path
}

/// A repository with spec 1 committed at draft.
fn repo_with_spec() -> TestRepo {
    let repo = TestRepo::with_commit();
    repo.write(SPEC, &SpecFx::new(1, "Login").text());
    repo.commit_all("Login");
    repo
}

/// Moves spec 1 to review by hand and commits it with `env`; the commit's
/// output.
fn commit_hand_edit(repo: &TestRepo, env: &[(&str, &str)]) -> std::process::Output {
    let text = repo.read(SPEC).replace("status: draft", "status: review");
    repo.write(SPEC, &text);
    let mut cmd = repo.git_cmd(&["commit", "-q", "-a", "-m", "Review"]);
    for (key, value) in env {
        cmd.env(key, value);
    }
    run(&mut cmd)
}

/// `hook install` under a manager: the snippet on stdout, the generated
/// hook file byte for byte as it was.
fn install_prints_the_snippet(repo: &TestRepo, hook: &Path, manager: &str, snippet: &str) {
    let before = std::fs::read(hook).unwrap_or_default();
    let out = repo.spec_ok(&["hook", "install"]);
    let text = stdout(&out);
    assert_contains(&text, &format!("{manager} manages this repository's hooks"));
    assert_contains(&text, snippet);
    assert_eq!(
        std::fs::read(hook).unwrap_or_default(),
        before,
        "{}",
        hook.display()
    );
    let status = repo.spec(&["hook", "status"]);
    assert_eq!(status.status.code(), Some(1), "{}", run_text(&status));
    assert_contains(&stdout(&status), &format!("{manager} manages the hooks"));
}

#[test]
fn husky_gets_a_line_in_its_pre_commit_and_then_runs_git_spec() {
    let repo = repo_with_spec();
    let node = which("node");
    let out = run(repo
        .command(&node, &repo.path)
        .arg(tool("node/node_modules/husky/bin.js")));
    assert_success(&out);
    assert_eq!(repo.git_out(&["config", "core.hooksPath"]), ".husky/_");
    let hook = repo.path.join(".husky/_/pre-commit");
    assert!(hook.exists(), "husky generated no hook");
    install_prints_the_snippet(&repo, &hook, "husky", "git spec hook run pre-commit");

    repo.write(".husky/pre-commit", "git spec hook run pre-commit\n");
    let status = repo.spec(&["hook", "status"]);
    assert_success(&status);
    assert_contains(
        &stdout(&status),
        "managed by husky: .husky/pre-commit runs git spec hook run pre-commit",
    );
    repo.commit_all("husky runs git-spec");
    let out = commit_hand_edit(&repo, &[]);
    assert_success(&out);
    assert_contains(&repo.show("HEAD", SPEC), &status_entry("draft", "review"));
}

#[test]
fn lefthook_gets_a_command_in_its_config_and_then_runs_git_spec() {
    let repo = repo_with_spec();
    let lefthook = tool("node/node_modules/.bin/lefthook");
    repo.write(
        "lefthook.yml",
        "pre-commit:\n  commands:\n    lint:\n      run: git --version\n",
    );
    repo.commit_all("lefthook");
    let out = run(repo.command(&lefthook, &repo.path).arg("install"));
    assert_success(&out);
    let hook = repo.git_dir().join("hooks/pre-commit");
    assert_contains(&std::fs::read_to_string(&hook).unwrap(), "lefthook");
    install_prints_the_snippet(
        &repo,
        &hook,
        "lefthook",
        "run: git spec hook run pre-commit",
    );

    repo.write(
        "lefthook.yml",
        "pre-commit:\n  commands:\n    lint:\n      run: git --version\n    git-spec:\n      run: git spec hook run pre-commit\n",
    );
    repo.commit_all("lefthook runs git-spec");
    assert_success(&repo.spec(&["hook", "status"]));
    let bin = lefthook.to_str().unwrap();
    let out = commit_hand_edit(&repo, &[("LEFTHOOK_BIN", bin)]);
    assert_success(&out);
    assert_contains(&repo.show("HEAD", SPEC), &status_entry("draft", "review"));
}

#[test]
fn the_pre_commit_framework_gets_a_check_hook_that_refuses_until_fixed() {
    let repo = repo_with_spec();
    let pre_commit = tool("venv/bin/pre-commit");
    let config = "repos:\n  - repo: local\n    hooks:\n      - id: git-spec\n        name: git-spec\n        entry: git spec hook run pre-commit --check\n        language: system\n        pass_filenames: false\n        always_run: true\n";
    repo.write(".pre-commit-config.yaml", "repos: []\n");
    repo.commit_all("pre-commit");
    let out = run(repo.command(&pre_commit, &repo.path).arg("install"));
    assert_success(&out);
    let hook = repo.git_dir().join("hooks/pre-commit");
    assert_contains(
        &std::fs::read_to_string(&hook).unwrap(),
        "File generated by pre-commit",
    );
    install_prints_the_snippet(
        &repo,
        &hook,
        "the pre-commit framework",
        "entry: git spec hook run pre-commit --check",
    );

    repo.write(".pre-commit-config.yaml", config);
    repo.commit_all("pre-commit runs git-spec");
    assert_success(&repo.spec(&["hook", "status"]));
    // The framework forbids hooks that change files: the check refuses,
    // naming the fix, and HEAD does not move.
    let head = repo.head_oid();
    let out = commit_hand_edit(&repo, &[]);
    assert!(!out.status.success(), "{}", run_text(&out));
    assert_contains(
        &format!("{}{}", stdout(&out), stderr(&out)),
        "git spec check --fix",
    );
    assert_eq!(repo.head_oid(), head);
    repo.spec_ok(&["check", "--fix", "--working-tree-only"]);
    let out = run(&mut repo.git_cmd(&["commit", "-q", "-a", "-m", "Review"]));
    assert_success(&out);
    assert_contains(&repo.show("HEAD", SPEC), &status_entry("draft", "review"));
}

/// A program on the test's PATH, by full path.
fn which(program: &str) -> PathBuf {
    std::env::var_os("PATH")
        .and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join(program))
                .find(|path| path.is_file())
        })
        .unwrap_or_else(|| panic!("{program} is not on PATH: the hook manager tests need it"))
}

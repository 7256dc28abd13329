//! The CI recipes in `ci/` (GitHub Actions and GitLab CI), run as the CI
//! would run them: their shell steps, read from the YAML files themselves,
//! in a clone of a local bare "origin" with a base branch and a pull
//! request's branch.

use std::path::Path;

use yaml_rust2::{Yaml, YamlLoader};

use crate::common::*;

fn load(file: &str) -> Yaml {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("ci").join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    YamlLoader::load_from_str(&text)
        .unwrap_or_else(|e| panic!("{file} is not YAML: {e}"))
        .remove(0)
}

/// The `run:` script of the step named "Check the specs" in the workflow.
fn github_script() -> String {
    let workflow = load("github-actions.yml");
    let steps = workflow["jobs"]["specs"]["steps"].as_vec().expect("steps");
    let step = steps
        .iter()
        .find(|s| s["name"].as_str() == Some("Check the specs"))
        .expect("a step named Check the specs");
    step["run"].as_str().expect("run").to_string()
}

/// The `script:` lines of the GitLab job, one command each.
fn gitlab_script() -> String {
    let job = load("gitlab-ci.yml");
    job["specs"]["script"]
        .as_vec()
        .expect("script")
        .iter()
        .map(|line| line.as_str().expect("a command").to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Runs `script` with bash as the CI runner would (`-e`: the first failing
/// command fails the job) in `repo`, with `env`.
fn run_ci(repo: &TestRepo, script: &str, env: &[(&str, &str)]) -> std::process::Output {
    let mut cmd = repo.command("bash", &repo.path);
    cmd.args(["-e", "-c", script]);
    for (key, value) in env {
        cmd.env(key, value);
    }
    run(&mut cmd)
}

/// A bare origin whose main holds SPEC-0001 and its index, and a clone on
/// the pull request's branch `feature` (from main).
fn pull_request() -> TestRepo {
    let (_sandbox, _origin, clones) = team(2);
    let mut clones = clones.into_iter();
    let (main, pr) = (clones.next().unwrap(), clones.next().unwrap());
    main.spec_ok(&["new", "Login", "--no-branch"]);
    main.spec_ok(&["index"]);
    main.commit_all("Login");
    main.git(&["push", "-q", "origin", "main"]);
    pr.git(&["pull", "-q", "origin", "main"]);
    pr.git(&["switch", "-q", "-c", "feature"]);
    pr
}

const GITHUB: &[(&str, &str)] = &[("BASE", "main")];
const GITLAB: &[(&str, &str)] = &[
    ("CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "main"),
    ("CI_DEFAULT_BRANCH", "main"),
];

#[test]
fn a_good_pull_request_passes_both_recipes() {
    let pr = pull_request();
    pr.spec_ok(&["hook", "install"]);
    pr.spec_ok(&["new", "Search", "--no-branch"]);
    pr.spec_ok(&["status", "2", "review"]);
    pr.spec_ok(&["index"]);
    pr.commit_all("Search");
    for (script, env) in [(github_script(), GITHUB), (gitlab_script(), GITLAB)] {
        let out = run_ci(&pr, &script, env);
        assert_success(&out);
        // Only the pull request's commit is audited.
        assert_contains(&stderr(&out), "1 commit OK");
    }
    // On the default branch itself (a push to main), the whole history.
    pr.git(&["switch", "-q", "main"]);
    for (script, env) in [
        (github_script(), GITHUB),
        (gitlab_script(), &[("CI_DEFAULT_BRANCH", "main")][..]),
    ] {
        assert_success(&run_ci(&pr, &script, env));
    }
}

#[test]
fn a_status_committed_without_its_entry_fails_the_job() {
    let pr = pull_request();
    let text = pr
        .read("specs/0001-login.md")
        .replace("status: draft", "status: approved");
    pr.write("specs/0001-login.md", &text);
    pr.git(&[
        "commit",
        "-q",
        "-a",
        "--no-verify",
        "-m",
        "Approve it quietly",
    ]);
    for (script, env) in [(github_script(), GITHUB), (gitlab_script(), GITLAB)] {
        let out = run_ci(&pr, &script, env);
        assert!(!out.status.success(), "{}", run_text(&out));
        // The working-tree check catches the unrecorded status first.
        assert_contains(&stdout(&out), "unrecorded-status");
    }
    // With the entry added but the history still holding the bypass, the
    // history audit is what fails it.
    pr.spec_ok(&["check", "--fix"]);
    pr.spec_ok(&["index"]);
    pr.git(&[
        "commit",
        "-q",
        "-a",
        "--no-verify",
        "-m",
        "Add the entry afterwards",
    ]);
    let out = run_ci(&pr, &github_script(), GITHUB);
    assert!(!out.status.success(), "{}", run_text(&out));
    assert_contains(&stdout(&out), "history: ");
    assert_contains(&stdout(&out), "without its changelog entry");
}

#[test]
fn an_id_the_base_branch_took_meanwhile_fails_the_job() {
    let (sandbox, origin, clones) = team(2);
    let _ = (&sandbox, &origin);
    let mut clones = clones.into_iter();
    let (main, pr) = (clones.next().unwrap(), clones.next().unwrap());
    pr.git(&["switch", "-q", "-c", "feature"]);
    pr.spec_ok(&["new", "Billing", "--no-branch"]);
    pr.spec_ok(&["index"]);
    pr.commit_all("Billing");
    main.spec_ok(&["new", "Search", "--no-branch"]);
    main.spec_ok(&["index"]);
    main.commit_all("Search");
    main.git(&["push", "-q", "origin", "main"]);
    let out = run_ci(&pr, &github_script(), GITHUB);
    assert!(!out.status.success(), "{}", run_text(&out));
    assert_contains(
        &stdout(&out),
        "id-collision: SPEC-0001 is used for a different spec on branch origin/main: specs/0001-search.md",
    );
    // A stale index alone fails it too.
    let pr = pull_request();
    pr.spec_ok(&["new", "Unindexed", "--no-branch"]);
    pr.commit_all("Unindexed");
    let out = run_ci(&pr, &gitlab_script(), GITLAB);
    assert!(!out.status.success(), "{}", run_text(&out));
}

#[test]
fn check_warns_in_a_shallow_checkout_of_one_commit() {
    let pr = pull_request();
    pr.git(&["push", "-q", "origin", "feature"]);
    // What a CI checkout makes: one commit, detached, no branch refs.
    let origin = pr.git_out(&["remote", "get-url", "origin"]);
    let ci = pr.sandbox.init_repo("ci-checkout");
    ci.git(&["remote", "add", "origin", &format!("file://{origin}")]);
    // By URL, so that not even a remote-tracking ref is made.
    ci.git(&[
        "fetch",
        "-q",
        "--depth",
        "1",
        &format!("file://{origin}"),
        "feature",
    ]);
    ci.git(&["checkout", "-q", "--detach", "FETCH_HEAD"]);
    let out = ci.spec(&["check"]);
    assert_success(&out);
    let err = stderr(&out);
    assert_contains(&err, "warning: no other branch to compare ids with");
    assert_contains(&err, "git fetch origin main");
    assert_contains(&err, "warning: this clone is shallow");
    assert_contains(&err, "git fetch --unshallow");
    // --working-tree-only compares nothing by design: no warning.
    let out = ci.spec(&["check", "--working-tree-only"]);
    assert!(!stderr(&out).contains("warning"), "{}", run_text(&out));
}

#[test]
fn the_hook_lets_a_commit_of_the_index_through() {
    let pr = pull_request();
    pr.spec_ok(&["hook", "install"]);
    pr.spec_ok(&["new", "Search", "--no-branch"]);
    pr.spec_ok(&["index"]);
    // specs/README.md is not a spec: the hook must not ask it for front matter.
    pr.git(&["add", "-A"]);
    let out = pr.git_try(&["commit", "-q", "-m", "Search and the index"]);
    assert_success(&out);
    assert_eq!(pr.status_porcelain(), "");
}

/// The release workflow builds for Linux, macOS and Windows and names its
/// archives as the cargo-binstall metadata in Cargo.toml expects them.
#[test]
fn the_release_workflow_and_the_binstall_metadata_agree() {
    let workflow = load("release.yml");
    let targets: Vec<String> = workflow["jobs"]["build"]["strategy"]["matrix"]["include"]
        .as_vec()
        .expect("a build matrix")
        .iter()
        .map(|entry| entry["target"].as_str().unwrap().to_string())
        .collect();
    for wanted in ["linux", "apple-darwin", "windows"] {
        assert!(targets.iter().any(|t| t.contains(wanted)), "{targets:?}");
    }
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("ci/release.yml"))
            .unwrap();
    assert!(text.contains("git-spec-${{ matrix.target }}.tar.gz"));
    assert!(text.contains("git-spec-${{ matrix.target }}.zip"));
    let manifest: toml::Value = toml::from_str(
        &std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml")).unwrap(),
    )
    .unwrap();
    let binstall = &manifest["package"]["metadata"]["binstall"];
    assert_eq!(
        binstall["pkg-url"].as_str(),
        Some("{ repo }/releases/download/v{ version }/{ name }-{ target }{ archive-suffix }")
    );
    assert_eq!(
        binstall["overrides"]["x86_64-pc-windows-msvc"]["pkg-fmt"].as_str(),
        Some("zip")
    );
}

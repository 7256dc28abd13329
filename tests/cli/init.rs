//! `git spec init`, through the built binary, on real repositories.

use std::path::Path;

use crate::common::*;
use git_spec::config::Config;

#[test]
fn init_writes_specrc_and_the_template() {
    let repo = TestRepo::with_commit();
    let refs = repo.refs();
    let index = repo.index_entries();
    let out = repo.spec(&["init"]);
    assert_success(&out);
    assert_eq!(
        stdout(&out),
        ".specrc\ntemplates/spec.md\n.gitignore\n.gitattributes\n"
    );

    let specrc = repo.read(".specrc");
    let config = Config::parse(&specrc, Path::new(".specrc")).unwrap();
    assert_eq!(config.template, "templates/spec.md");
    let defaults = Config {
        template: "templates/spec.md".into(),
        ..Config::default()
    };
    assert_eq!(
        config, defaults,
        "everything but the template is the default"
    );
    assert_eq!(repo.read("templates/spec.md"), git_spec::template::BUILT_IN);

    // Three new untracked files (and the merge driver in .git/config);
    // git state untouched.
    assert_eq!(repo.refs(), refs);
    assert_eq!(repo.index_entries(), index);
    assert_eq!(repo.head_ref().as_deref(), Some("refs/heads/main"));
    assert_eq!(
        repo.status_porcelain(),
        "?? .gitattributes\n?? .gitignore\n?? .specrc\n?? templates/spec.md\n"
    );
}

#[test]
fn new_uses_the_initialised_template() {
    let repo = TestRepo::with_commit();
    assert_success(&repo.spec(&["init"]));
    let template = repo.read("templates/spec.md");
    let edited = template.replacen(
        "## Problem Statement\n",
        "## Problem Statement\n\nTEAM MARKER for {{ SPEC_ID }}\n",
        1,
    );
    assert_ne!(edited, template);
    repo.write("templates/spec.md", &edited);

    let (path, content) = repo.new_spec(&["Uses the team template"]);
    assert_eq!(path, "specs/0001-uses-the-team-template.md");
    assert!(
        content.lines().any(|l| l == "TEAM MARKER for SPEC-0001"),
        "{content}"
    );
    assert_eq!(fm_str(&content, "title"), "Uses the team template");
}

#[test]
fn init_never_overwrites() {
    let repo = TestRepo::with_commit();
    assert_success(&repo.spec(&["init"]));
    let specrc = "# ours\ndir = \"docs\"\ntemplate = \"templates/spec.md\"\n";
    let template = "---\ntitle: {{TITLE}}\n---\n\n# {{TITLE}}\n\nOURS\n";
    repo.write(".specrc", specrc);
    repo.write("templates/spec.md", template);

    let out = repo.spec(&["init"]);
    assert_success(&out);
    assert_eq!(stdout(&out), "", "nothing written");
    let err = stderr(&out);
    assert_contains(&err, ".specrc exists; left unchanged");
    assert_contains(&err, "templates/spec.md exists; left unchanged");
    assert_eq!(repo.read(".specrc"), specrc);
    assert_eq!(repo.read("templates/spec.md"), template);

    // And the kept pair is what `new` uses.
    let (path, content) = repo.new_spec(&["Kept"]);
    assert_eq!(path, "docs/0001-kept.md");
    assert!(content.contains("\nOURS\n"), "{content}");
}

#[test]
fn init_keeps_an_existing_specrc_and_writes_the_missing_template() {
    let repo = TestRepo::with_commit();
    let specrc = "dir = \"rfcs\"\n";
    repo.write(".specrc", specrc);
    let out = repo.spec(&["init"]);
    assert_success(&out);
    assert_eq!(
        stdout(&out),
        "templates/spec.md\n.gitignore\n.gitattributes\n"
    );
    assert_eq!(repo.read(".specrc"), specrc);
    assert_eq!(repo.read("templates/spec.md"), git_spec::template::BUILT_IN);
}

#[test]
fn init_keeps_an_existing_template_and_writes_the_missing_specrc() {
    let repo = TestRepo::with_commit();
    let template = "---\ntitle: {{TITLE}}\n---\n\n# {{TITLE}}\n\nEXISTING\n";
    repo.write("templates/spec.md", template);
    let out = repo.spec(&["init"]);
    assert_success(&out);
    assert_eq!(stdout(&out), ".specrc\n.gitignore\n.gitattributes\n");
    assert_eq!(repo.read("templates/spec.md"), template);
    let (_, content) = repo.new_spec(&["Existing template"]);
    assert!(content.contains("\nEXISTING\n"), "{content}");
}

#[test]
fn init_from_a_subdirectory_writes_at_the_root() {
    let repo = TestRepo::with_commit();
    repo.write("src/deep/keep", "");
    let out = repo.spec_in("src/deep", &["init"]);
    assert_success(&out);
    assert_eq!(
        stdout(&out),
        "../../.specrc\n../../templates/spec.md\n../../.gitignore\n../../.gitattributes\n"
    );
    assert!(repo.exists(".specrc"));
    assert!(repo.exists("templates/spec.md"));
    assert!(!repo.exists("src/deep/.specrc"));
}

#[test]
fn init_in_an_unborn_repository() {
    let repo = TestRepo::new();
    assert_success(&repo.spec(&["init"]));
    assert!(repo.exists(".specrc"));
    assert_eq!(repo.head_oid(), None);
    let (path, _) = repo.new_spec(&["After init"]);
    assert_eq!(path, "specs/0001-after-init.md");
}

#[test]
fn init_in_a_linked_worktree_writes_in_that_worktree() {
    let repo = TestRepo::with_commit();
    let worktree = repo.add_worktree("wt", "wt-branch");
    let out = worktree.spec(&["init"]);
    assert_success(&out);
    assert_eq!(
        stdout(&out),
        ".specrc\ntemplates/spec.md\n.gitignore\n.gitattributes\n"
    );
    assert!(worktree.exists(".specrc"));
    assert!(!repo.exists(".specrc"));
}

#[test]
fn init_outside_a_repository_fails_and_writes_nothing() {
    let sandbox = Sandbox::new();
    let outside = sandbox.mkdir("outside");
    let out = sandbox.spec_in(&outside, &["init"]);
    let err = assert_failure(&out);
    assert_contains(&err, "not a git repository");
    assert_eq!(std::fs::read_dir(&outside).unwrap().count(), 0);
}

#[test]
fn init_in_a_bare_repository_fails_and_writes_nothing() {
    let sandbox = Sandbox::new();
    let bare = sandbox.init_bare("bare.git");
    let out = sandbox.spec_in(&bare, &["init"]);
    let err = assert_failure(&out);
    assert_contains(&err, "bare repository");
    assert!(!bare.join(".specrc").exists());
    assert!(!bare.join("templates").exists());
}

#[test]
fn init_with_a_broken_specrc_reports_it_and_keeps_it() {
    let repo = TestRepo::with_commit();
    let specrc = "dir = \"specs\"\n[id]\nwidht = 4\n";
    repo.write(".specrc", specrc);
    let out = repo.spec(&["init"]);
    let err = assert_failure(&out);
    assert_contains(&err, ".specrc:3");
    assert_contains(&err, "widht");
    assert_eq!(repo.read(".specrc"), specrc);
}

#[test]
fn init_ignores_the_board_folder_and_keeps_an_existing_gitignore() {
    // A new .gitignore holds the one line.
    let repo = TestRepo::with_commit();
    assert_success(&repo.spec(&["init"]));
    assert_eq!(repo.read(".gitignore"), "/spec-board/\n");
    assert_success(&repo.spec(&["board"]));
    assert!(repo.exists("spec-board/index.html"));
    assert_eq!(
        repo.git_out(&["status", "--porcelain", "--untracked-files=all"]),
        "?? .gitattributes\n?? .gitignore\n?? .specrc\n?? templates/spec.md",
        "the board's output is ignored"
    );

    // An existing one (without a final newline) keeps every byte.
    let repo = TestRepo::with_commit();
    repo.write(".gitignore", "# ours\r\n/target\r\n*.log");
    let out = repo.spec(&["init"]);
    assert_success(&out);
    assert_contains(&stdout(&out), ".gitignore\n");
    assert_eq!(
        repo.read(".gitignore"),
        "# ours\r\n/target\r\n*.log\n/spec-board/\n"
    );

    // A line that already ignores it (in any of git's spellings) is enough.
    for line in ["spec-board", "spec-board/", "/spec-board"] {
        let repo = TestRepo::with_commit();
        let existing = format!("node_modules/\n{line}\n");
        repo.write(".gitignore", &existing);
        let out = repo.spec(&["init"]);
        assert_success(&out);
        assert!(!stdout(&out).contains(".gitignore"), "{line}");
        assert_eq!(repo.read(".gitignore"), existing, "{line}");
    }
}

//! `git spec new`, through the built binary, on real repositories.

use std::collections::BTreeSet;
use std::process::Stdio;

use crate::common::*;

/// `--no-branch` plus the given arguments, in one call.
fn new_no_branch(repo: &TestRepo, title: &str, extra: &[&str]) -> (String, String) {
    let mut args = vec!["--no-branch"];
    args.extend_from_slice(extra);
    // `--` so that titles starting with `-` are not taken for options.
    args.extend(["--", title]);
    repo.new_spec(&args)
}

fn lines(text: &str) -> Vec<&str> {
    text.lines().collect()
}

// ===========================================================================
// Ids
// ===========================================================================

#[test]
fn empty_repo_gets_spec_0001_on_a_new_unborn_branch() {
    let repo = TestRepo::new();
    // A staged file with a further unstaged edit: both must survive.
    repo.write("a.txt", "staged\n");
    repo.git(&["add", "a.txt"]);
    repo.write("a.txt", "staged\nand edited\n");
    let index_before = repo.index_entries();

    let out = repo.spec(&["new", "Add OAuth login"]);
    assert_success(&out);
    assert_eq!(stdout(&out), "specs/0001-add-oauth-login.md\n");
    assert_contains(&stderr(&out), "SPEC-0001");

    let content = repo.read("specs/0001-add-oauth-login.md");
    assert_eq!(fm_str(&content, "spec-id"), "SPEC-0001");
    assert_eq!(fm_str(&content, "title"), "Add OAuth login");
    assert_eq!(fm_str(&content, "status"), "draft");
    assert_eq!(fm_str(&content, "priority"), "medium");
    assert_eq!(fm_str(&content, "owner"), OWNER);

    assert_eq!(
        repo.head_ref().as_deref(),
        Some("refs/heads/spec/0001-add-oauth-login")
    );
    // Still unborn: no commit, no ref at all.
    assert_eq!(repo.head_oid(), None);
    assert!(repo.refs().is_empty(), "{:?}", repo.refs());

    assert_eq!(repo.index_entries(), index_before);
    assert_eq!(repo.read("a.txt"), "staged\nand edited\n");
    assert_eq!(
        repo.status_porcelain(),
        "AM a.txt\n?? specs/0001-add-oauth-login.md\n"
    );
}

#[test]
fn first_commit_after_new_in_an_unborn_repo_lands_on_the_spec_branch() {
    let repo = TestRepo::new();
    repo.new_spec(&["First spec"]);
    repo.commit_all("first");
    assert_eq!(repo.branches(), vec!["spec/0001-first-spec".to_string()]);
    assert_eq!(
        repo.tree_paths("HEAD"),
        vec!["specs/0001-first-spec.md".to_string()]
    );
}

#[test]
fn new_moves_head_only_leaving_index_and_working_tree_as_they_were() {
    let repo = TestRepo::with_commit();
    let main = repo.head_oid().unwrap();
    repo.write("README.md", "# Project\nunstaged edit\n");
    repo.write("staged.txt", "staged\n");
    repo.git(&["add", "staged.txt"]);
    let index_before = repo.index_entries();

    let (path, _) = repo.new_spec(&["Add login"]);
    assert_eq!(path, "specs/0001-add-login.md");
    assert_eq!(
        repo.head_ref().as_deref(),
        Some("refs/heads/spec/0001-add-login")
    );
    assert_eq!(repo.head_oid().as_deref(), Some(main.as_str()));
    assert_eq!(
        repo.rev_parse("refs/heads/main").as_deref(),
        Some(main.as_str())
    );
    assert_eq!(repo.index_entries(), index_before);
    assert_eq!(repo.read("README.md"), "# Project\nunstaged edit\n");
    assert_eq!(
        repo.status_porcelain(),
        " M README.md\nA  staged.txt\n?? specs/0001-add-login.md\n"
    );
}

#[test]
fn id_counts_spec_files_in_the_working_tree() {
    let repo = TestRepo::with_commit();
    repo.write("specs/0005-untracked.md", "x\n");
    // Files that do not follow the pattern do not count.
    repo.write("specs/README.md", "x\n");
    repo.write("specs/0100-wrong-extension.txt", "x\n");
    repo.write("specs/notes-0200.md", "x\n");
    repo.write("specs/0300-.md", "x\n");
    repo.write("specs/sub/0400-nested.md", "x\n");
    repo.write("other/0500-elsewhere.md", "x\n");
    let (path, content) = repo.new_spec(&["Next"]);
    assert_eq!(path, "specs/0006-next.md");
    assert_eq!(fm_str(&content, "spec-id"), "SPEC-0006");
}

#[test]
fn id_counts_specs_committed_only_on_another_local_branch() {
    let repo = TestRepo::with_commit();
    repo.commit_files_on_branch("feature", &[("specs/0010-elsewhere.md", "x\n")]);
    assert!(!repo.exists("specs"));
    let (path, _) = repo.new_spec(&["Next"]);
    assert_eq!(path, "specs/0011-next.md");
}

/// A bare "origin", the test repository pushing to it, and a second clone.
fn origin_and_two_clones() -> (TestRepo, TestRepo) {
    let repo = TestRepo::with_commit();
    let origin = repo.sandbox.init_bare("origin.git");
    repo.git(&["remote", "add", "origin", origin.to_str().unwrap()]);
    repo.git(&["push", "-q", "origin", "main"]);
    let other = repo.sandbox.clone_repo(&origin, "other");
    (repo, other)
}

#[test]
fn id_counts_specs_on_remote_tracking_branches_only() {
    let (repo, other) = origin_and_two_clones();
    other.git(&["switch", "-q", "-c", "feature"]);
    other.write("specs/0007-from-a-teammate.md", "x\n");
    other.commit_all("teammate's spec");
    other.git(&["push", "-q", "origin", "feature"]);

    // Before the fetch the teammate's spec is unknown here.
    let out = repo.spec(&["new", "--dry-run", "--json", "Mine"]);
    assert_success(&out);
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["number"], 1);

    repo.git(&["fetch", "-q", "origin"]);
    assert!(repo.ref_exists("refs/remotes/origin/feature"));
    assert!(!repo.branches().contains(&"feature".to_string()));
    let (path, content) = repo.new_spec(&["Mine"]);
    assert_eq!(path, "specs/0008-mine.md");
    assert_eq!(fm_str(&content, "spec-id"), "SPEC-0008");
}

#[test]
fn id_counts_remote_tracking_branch_names() {
    let (repo, other) = origin_and_two_clones();
    // A pushed spec branch with no spec file in it.
    other.git(&["push", "-q", "origin", "HEAD:refs/heads/spec/0020-reserved"]);
    repo.git(&["fetch", "-q", "origin"]);
    let (path, _) = repo.new_spec(&["Mine"]);
    assert_eq!(path, "specs/0021-mine.md");
}

#[test]
fn id_counts_branch_names_following_the_pattern() {
    let repo = TestRepo::with_commit();
    repo.git(&["branch", "spec/0042-x"]);
    // Names that do not follow the pattern do not count.
    repo.git(&["branch", "feature/0099-x"]);
    repo.git(&["branch", "spec/0077"]);
    repo.git(&["tag", "spec/0088-tag"]);
    let (path, content) = repo.new_spec(&["Next"]);
    assert_eq!(path, "specs/0043-next.md");
    assert_eq!(fm_str(&content, "spec-id"), "SPEC-0043");
    assert_eq!(
        repo.head_ref().as_deref(),
        Some("refs/heads/spec/0043-next")
    );
}

#[test]
fn ids_do_not_go_backwards_when_a_spec_is_deleted_from_the_working_tree() {
    let repo = TestRepo::with_commit();
    repo.write("specs/0003-committed.md", "x\n");
    repo.commit_all("spec 3");
    repo.git(&["rm", "-q", "specs/0003-committed.md"]);
    assert!(!repo.exists("specs/0003-committed.md"));
    let (path, _) = new_no_branch(&repo, "After deletion", &[]);
    assert_eq!(path, "specs/0004-after-deletion.md");
}

#[test]
fn ids_do_not_go_backwards_after_switching_away_from_a_spec_branch() {
    let repo = TestRepo::with_commit();
    repo.new_spec(&["--commit", "On its branch"]);
    repo.git(&["switch", "-q", "main"]);
    assert!(!repo.exists("specs/0001-on-its-branch.md"));
    // Rename the branch so that only its tree carries the id.
    repo.git(&["branch", "-m", "spec/0001-on-its-branch", "parked"]);
    let (path, _) = repo.new_spec(&["Second"]);
    assert_eq!(path, "specs/0002-second.md");
}

#[test]
fn width_grows_past_the_padding() {
    let repo = TestRepo::with_commit();
    repo.write("specs/9999-last-padded.md", "x\n");
    repo.commit_all("spec 9999");
    let (path, content) = repo.new_spec(&["Next one"]);
    assert_eq!(path, "specs/10000-next-one.md");
    assert_eq!(fm_str(&content, "spec-id"), "SPEC-10000");
    assert_eq!(
        repo.head_ref().as_deref(),
        Some("refs/heads/spec/10000-next-one")
    );
    let (path, content) = repo.new_spec(&["And another"]);
    assert_eq!(path, "specs/10001-and-another.md");
    assert_eq!(fm_str(&content, "spec-id"), "SPEC-10001");
}

#[test]
fn ids_near_the_top_of_the_range_never_repeat() {
    let repo = TestRepo::with_commit();
    repo.write("specs/9999999999999999999-huge.md", "x\n");
    let out = repo.spec(&["new", "--no-branch", "One"]);
    if !out.status.success() {
        // A clear refusal is acceptable; a panic is not.
        assert_failure(&out);
        return;
    }
    let first = stdout(&out);
    let out = repo.spec(&["new", "--no-branch", "Two"]);
    if out.status.success() {
        let second = stdout(&out);
        let number = |p: &str| {
            p.trim()
                .trim_start_matches("specs/")
                .split('-')
                .next()
                .unwrap()
                .to_string()
        };
        assert_ne!(number(&first), number(&second), "the same id twice");
    } else {
        assert_failure(&out);
    }
}

// ===========================================================================
// The id cache in the git dir
// ===========================================================================

#[test]
fn id_cache_never_gives_stale_results() {
    let repo = TestRepo::with_commit();
    let (path, _) = repo.new_spec(&["First"]);
    assert_eq!(path, "specs/0001-first.md");
    assert!(repo.git_dir().join("git-spec").is_dir());

    // A branch appears with a higher id in its tree.
    repo.commit_files_on_branch("side", &[("specs/0050-side.md", "x\n")]);
    let (path, _) = repo.new_spec(&["Second"]);
    assert_eq!(path, "specs/0051-second.md");

    // The same branch moves forward to a commit with an even higher id.
    repo.commit_files_on_branch("side", &[("specs/0070-side-two.md", "x\n")]);
    let (path, _) = repo.new_spec(&["Third"]);
    assert_eq!(path, "specs/0071-third.md");

    // A branch is reset to a different commit whose tree has a higher id.
    repo.commit_files_on_branch("other", &[("specs/0090-other.md", "x\n")]);
    repo.git(&["update-ref", "refs/heads/side", "refs/heads/other"]);
    repo.git(&["branch", "-D", "other"]);
    let (path, _) = repo.new_spec(&["Fourth"]);
    assert_eq!(path, "specs/0091-fourth.md");
}

#[test]
fn id_cache_follows_a_change_of_spec_folder() {
    let repo = TestRepo::with_commit();
    repo.commit_files_on_branch("side", &[("docs/0030-in-docs.md", "x\n")]);
    let (path, _) = new_no_branch(&repo, "Default folder", &[]);
    assert_eq!(path, "specs/0001-default-folder.md");
    repo.write(".specrc", "dir = \"docs\"\n");
    let (path, _) = new_no_branch(&repo, "Docs folder", &[]);
    assert_eq!(path, "docs/0031-docs-folder.md");
}

#[test]
fn a_corrupt_id_cache_is_ignored() {
    let repo = TestRepo::with_commit();
    repo.commit_files_on_branch("side", &[("specs/0012-side.md", "x\n")]);
    new_no_branch(&repo, "Warm the cache", &[]);
    let cache_dir = repo.git_dir().join("git-spec");
    for entry in std::fs::read_dir(&cache_dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            std::fs::write(&path, "garbage\n\u{0}\u{1}not a cache\n").unwrap();
        }
    }
    let (path, _) = new_no_branch(&repo, "After corruption", &[]);
    assert_eq!(path, "specs/0014-after-corruption.md");
}

// ===========================================================================
// Owner
// ===========================================================================

#[test]
fn owner_comes_from_the_repository_config() {
    let repo = TestRepo::with_commit();
    let (_, content) = repo.new_spec(&["Owned"]);
    assert_eq!(fm_str(&content, "owner"), "Jane Doe <jane@example.com>");
}

#[test]
fn owner_comes_from_the_global_config_file() {
    let repo = TestRepo::without_identity();
    repo.sandbox.set_global("user.name", "Global Gus");
    repo.sandbox.set_global("user.email", "gus@example.org");
    let (_, content) = repo.new_spec(&["Owned globally"]);
    assert_eq!(fm_str(&content, "owner"), "Global Gus <gus@example.org>");
}

#[test]
fn repository_config_wins_over_global_config() {
    let repo = TestRepo::new();
    repo.sandbox.set_global("user.name", "Global Gus");
    repo.sandbox.set_global("user.email", "gus@example.org");
    let (_, content) = repo.new_spec(&["Owned locally"]);
    assert_eq!(fm_str(&content, "owner"), OWNER);
}

#[test]
fn owner_option_overrides_git_config() {
    let repo = TestRepo::with_commit();
    let (_, content) = repo.new_spec(&[
        "--owner",
        "Team Platform <platform@example.com>",
        "Owned by a team",
    ]);
    assert_eq!(
        fm_str(&content, "owner"),
        "Team Platform <platform@example.com>"
    );
}

#[test]
fn owner_option_works_without_any_identity() {
    let repo = TestRepo::without_identity();
    let (_, content) = repo.new_spec(&["--owner", "@platform-team", "Owned"]);
    assert_eq!(fm_str(&content, "owner"), "@platform-team");
}

#[test]
fn owner_format_from_specrc() {
    let repo = TestRepo::with_commit();
    repo.write(".specrc", "owner-format = \"{name} ({email})\"\n");
    let (_, content) = repo.new_spec(&["Formatted"]);
    assert_eq!(fm_str(&content, "owner"), "Jane Doe (jane@example.com)");
}

#[test]
fn missing_identity_is_an_error_that_shows_the_fix_and_changes_nothing() {
    let repo = TestRepo::without_identity();
    repo.write("README.md", "x\n");
    let before = repo.snapshot();
    let out = repo.spec(&["new", "No owner"]);
    let err = assert_failure(&out);
    assert_contains(&err, "git config");
    assert_contains(&err, "user.name");
    assert_contains(&err, "user.email");
    assert_eq!(stdout(&out), "");
    repo.assert_unchanged(&before);
    assert!(!repo.exists("specs"));
}

#[test]
fn missing_email_is_reported_with_its_fix() {
    let repo = TestRepo::without_identity();
    repo.git(&["config", "user.name", "Only A Name"]);
    let err = repo.fails_untouched(&["new", "No email"]);
    assert_contains(&err, "git config");
    assert_contains(&err, "user.email");
}

#[test]
fn commit_needs_an_identity_even_with_owner_option() {
    let repo = TestRepo::without_identity();
    repo.write("README.md", "x\n");
    let err = repo.fails_untouched(&["new", "--owner", "Someone", "--commit", "Needs author"]);
    assert_contains(&err, "user.name");
}

// ===========================================================================
// Dates
// ===========================================================================

#[test]
fn git_spec_date_pins_created_and_updated() {
    let mut repo = TestRepo::with_commit();
    repo.set_env("GIT_SPEC_DATE", "2031-02-03");
    let (_, content) = repo.new_spec(&["Dated"]);
    assert_eq!(fm_str(&content, "created"), "2031-02-03");
    assert_eq!(fm_str(&content, "updated"), "2031-02-03");
    assert!(
        content.ends_with("\n- 2031-02-03: Initial draft created\n"),
        "{content}"
    );
    // Dates are plain YYYY-MM-DD, as people write them by hand.
    assert_contains(front_matter_text(&content), "\ncreated: 2031-02-03\n");
}

#[test]
fn an_invalid_git_spec_date_is_a_clear_error() {
    let repo = TestRepo::with_commit();
    let before = repo.snapshot();
    for bad in [
        "2026-13-01",
        "2026-02-30",
        "15/01/2026",
        "tomorrow",
        "2026-1-5",
    ] {
        let out = repo.spec_env(&["new", "Dated"], &[("GIT_SPEC_DATE", Some(bad))]);
        let err = assert_failure(&out);
        assert_contains(&err, "GIT_SPEC_DATE");
        assert_contains(&err, "YYYY-MM-DD");
        repo.assert_unchanged(&before);
    }
}

#[test]
fn dates_default_to_today() {
    let mut repo = TestRepo::with_commit();
    repo.unset_env("GIT_SPEC_DATE");
    let today = || {
        let out = run(repo.command("date", &repo.path).arg("+%Y-%m-%d"));
        assert_success(&out);
        stdout(&out).trim().to_string()
    };
    let before = today();
    let (_, content) = repo.new_spec(&["Today"]);
    let after = today();
    let created = fm_str(&content, "created");
    assert!(
        created == before || created == after,
        "created {created}, today {before}/{after}"
    );
    assert_eq!(fm_str(&content, "updated"), created);
}

// ===========================================================================
// Slug
// ===========================================================================

#[test]
fn slug_transliterates_accents_and_drops_punctuation() {
    let repo = TestRepo::with_commit();
    let (path, content) = repo.new_spec(&["Crème brûlée: Über-Straße! (v2.0)"]);
    assert_eq!(path, "specs/0001-creme-brulee-uber-strasse-v2-0.md");
    assert_eq!(
        repo.head_ref().as_deref(),
        Some("refs/heads/spec/0001-creme-brulee-uber-strasse-v2-0")
    );
    assert_eq!(
        fm_str(&content, "title"),
        "Crème brûlée: Über-Straße! (v2.0)"
    );
}

#[test]
fn slug_is_cut_at_a_word_boundary() {
    let repo = TestRepo::with_commit();
    let title = "Allow administrators to configure single sign on for every workspace";
    let (path, _) = repo.new_spec(&[title]);
    let slug = path
        .strip_prefix("specs/0001-")
        .unwrap()
        .strip_suffix(".md")
        .unwrap();
    assert!(slug.len() <= 50, "{slug}");
    assert_eq!(slug, "allow-administrators-to-configure-single-sign-on");
    assert_eq!(
        repo.head_ref().unwrap(),
        format!("refs/heads/spec/0001-{slug}")
    );
}

#[test]
fn non_latin_titles_get_a_readable_ascii_slug() {
    let repo = TestRepo::with_commit();
    let (path, content) = repo.new_spec(&["日本語のタイトル"]);
    assert_eq!(path, "specs/0001-ri-ben-yu-notaitoru.md");
    assert_eq!(
        repo.head_ref().as_deref(),
        Some("refs/heads/spec/0001-ri-ben-yu-notaitoru")
    );
    let (path, _) = repo.new_spec(&["Вход через OAuth", "--no-checkout"]);
    assert_eq!(path, "specs/0002-vkhod-cherez-oauth.md");
    // Nothing spellable at all: the fallback.
    let (path, _) = repo.new_spec(&["!!!", "--no-checkout"]);
    assert_eq!(path, "specs/0003-spec.md");
    assert_eq!(fm_str(&content, "title"), "日本語のタイトル");
    assert!(lines(&content).contains(&"# 日本語のタイトル"), "{content}");
}

// ===========================================================================
// YAML front matter and Markdown body
// ===========================================================================

#[test]
fn tricky_titles_read_back_exactly() {
    let repo = TestRepo::with_commit();
    let titles = [
        r#"Fix: "quotes", #hash & more"#,
        "- starts with a dash",
        "[starts with a bracket]",
        "@starts with an at",
        "*starts with a star",
        "&anchor",
        "!tag",
        "|pipe",
        ">folded",
        "%directive",
        "`backtick`",
        "{braces}",
        "? question",
        "'single quoted'",
        "yes",
        "No",
        "null",
        "~",
        "true",
        "123",
        "0x1F",
        "1e3",
        ".inf",
        "2026-01-15",
        "key: value",
        "trailing colon:",
        "back\\slash",
        "tab\there",
        "Ünïcödé ✓ 😀",
        "--- not a document marker",
        "... nor this",
    ];
    for title in titles {
        let (path, content) = new_no_branch(&repo, title, &[]);
        assert_eq!(fm_str(&content, "title"), title, "{path}:\n{content}");
        let heading = format!("# {title}");
        assert!(
            lines(&content).contains(&heading.as_str()),
            "no {heading:?} line in {path}:\n{content}"
        );
        // The front matter keeps its 8 keys: nothing was injected.
        assert_eq!(
            front_matter(&content).as_hash().unwrap().len(),
            8,
            "{content}"
        );
    }
}

#[test]
fn tags_are_a_yaml_list() {
    let repo = TestRepo::with_commit();
    let (_, content) = new_no_branch(&repo, "Tagged", &[]);
    assert_eq!(fm_list(&content, "tags"), Vec::<String>::new());

    let tags = ["api", "a, b", "x: y", "[z]", "#hash", "yes", "42", "-dash"];
    let mut args = vec!["--no-branch", "Tagged more"];
    let tag_args: Vec<String> = tags.iter().map(|tag| format!("--tag={tag}")).collect();
    args.extend(tag_args.iter().map(String::as_str));
    let (_, content) = repo.new_spec(&args);
    assert_eq!(fm_list(&content, "tags"), tags.map(String::from).to_vec());
}

#[test]
fn template_syntax_in_values_appears_literally() {
    let repo = TestRepo::with_commit();
    let title = "Use {{ x }} and {% raw %} here";
    let description = "Body {{ y }} {% endraw %} {# not a comment #} {% if %}";
    let (_, content) = new_no_branch(&repo, title, &["--description", description]);
    assert_eq!(fm_str(&content, "title"), title);
    assert!(
        lines(&content).contains(&format!("# {title}").as_str()),
        "{content}"
    );
    assert!(lines(&content).contains(&description), "{content}");
}

#[test]
fn markdown_body_is_not_html_escaped() {
    let repo = TestRepo::with_commit();
    let title = r#"Tom & Jerry <3 "quotes" 'single'"#;
    let description = r#"Why & how: <b>bold</b> "quoted" a/b"#;
    let (_, content) = new_no_branch(&repo, title, &["--description", description]);
    assert!(
        lines(&content).contains(&format!("# {title}").as_str()),
        "{content}"
    );
    assert!(lines(&content).contains(&description), "{content}");
    for escaped in [
        "&amp;", "&lt;", "&gt;", "&quot;", "&#34;", "&#39;", "&#x27;", "&#x2F;",
    ] {
        assert!(!content.contains(escaped), "{escaped} in:\n{content}");
    }
}

// ===========================================================================
// Options
// ===========================================================================

#[test]
fn priority_option_and_default() {
    let repo = TestRepo::with_commit();
    let (_, content) = new_no_branch(&repo, "Default priority", &[]);
    assert_eq!(fm_str(&content, "priority"), "medium");
    let (_, content) = new_no_branch(&repo, "High priority", &["--priority", "high"]);
    assert_eq!(fm_str(&content, "priority"), "high");
}

#[test]
fn unknown_priority_lists_the_allowed_ones_and_changes_nothing() {
    let repo = TestRepo::with_commit();
    let err = repo.fails_untouched(&["new", "--priority", "urgent", "Too urgent"]);
    assert_contains(&err, "urgent");
    assert_contains(&err, "low, medium, high, critical");
}

#[test]
fn priorities_from_specrc() {
    let repo = TestRepo::with_commit();
    repo.write(
        ".specrc",
        "[priority]\nallowed = [\"p0\", \"p1\", \"p2\"]\ndefault = \"p1\"\n",
    );
    let (_, content) = new_no_branch(&repo, "Default", &[]);
    assert_eq!(fm_str(&content, "priority"), "p1");
    let (_, content) = new_no_branch(&repo, "Top", &["--priority", "p0"]);
    assert_eq!(fm_str(&content, "priority"), "p0");
    let err = repo.fails_untouched(&["new", "--priority", "high", "Old name"]);
    assert_contains(&err, "p0, p1, p2");
}

#[test]
fn tag_option_is_repeatable_and_short() {
    let repo = TestRepo::with_commit();
    let (_, content) = new_no_branch(
        &repo,
        "Tags",
        &["--tag", "api", "-t", "auth", "--tag", "ui"],
    );
    assert_eq!(fm_list(&content, "tags"), vec!["api", "auth", "ui"]);
}

#[test]
fn description_goes_into_the_overview() {
    let repo = TestRepo::with_commit();
    let description = "Let users sign in with their company account.";
    let (_, content) = new_no_branch(&repo, "Described", &["--description", description]);
    let overview = content.split("## Overview\n").nth(1).unwrap();
    let overview = overview.split("\n## ").next().unwrap();
    assert_eq!(overview.trim(), description);
}

#[test]
fn no_branch_writes_the_file_on_the_current_branch() {
    let repo = TestRepo::with_commit();
    let refs = repo.refs();
    let out = repo.spec(&["new", "--no-branch", "Here"]);
    assert_success(&out);
    assert_eq!(stdout(&out), "specs/0001-here.md\n");
    assert!(repo.exists("specs/0001-here.md"));
    assert_eq!(repo.head_ref().as_deref(), Some("refs/heads/main"));
    assert_eq!(repo.refs(), refs);
    assert_eq!(repo.status_porcelain(), "?? specs/0001-here.md\n");
}

#[test]
fn no_checkout_creates_the_branch_at_head_and_stays() {
    let repo = TestRepo::with_commit();
    let main = repo.head_oid().unwrap();
    let out = repo.spec(&["new", "--no-checkout", "Later"]);
    assert_success(&out);
    assert_eq!(stdout(&out), "specs/0001-later.md\n");
    assert_eq!(repo.head_ref().as_deref(), Some("refs/heads/main"));
    assert_eq!(repo.head_oid().as_deref(), Some(main.as_str()));
    assert_eq!(
        repo.rev_parse("refs/heads/spec/0001-later").as_deref(),
        Some(main.as_str())
    );
    assert!(repo.exists("specs/0001-later.md"));
    assert_eq!(repo.status_porcelain(), "?? specs/0001-later.md\n");
}

#[test]
fn no_checkout_in_an_unborn_repository_is_an_error() {
    let repo = TestRepo::new();
    let err = repo.fails_untouched(&["new", "--no-checkout", "Nowhere"]);
    assert_contains(&err, "--no-checkout");
}

#[test]
fn no_branch_and_no_checkout_conflict() {
    let repo = TestRepo::with_commit();
    repo.fails_untouched(&["new", "--no-branch", "--no-checkout", "Both"]);
}

#[test]
fn commit_commits_only_the_new_file_on_the_new_branch() {
    let repo = TestRepo::with_commit();
    let main = repo.head_oid().unwrap();
    repo.write("README.md", "# Project\nunstaged edit\n");
    repo.write("staged.txt", "staged\n");
    repo.git(&["add", "staged.txt"]);

    let (path, content) = repo.new_spec(&["--commit", "Add login"]);
    assert_eq!(path, "specs/0001-add-login.md");
    assert_eq!(
        repo.head_ref().as_deref(),
        Some("refs/heads/spec/0001-add-login")
    );
    let head = repo.head_oid().unwrap();
    assert_ne!(head, main);
    assert_eq!(repo.git_out(&["rev-parse", "HEAD^"]), main);
    assert_eq!(
        repo.rev_parse("refs/heads/main").as_deref(),
        Some(main.as_str())
    );
    // Tree = parent tree + only the new file.
    assert_eq!(
        repo.git_out(&[
            "diff-tree",
            "--no-commit-id",
            "-r",
            "--name-status",
            "HEAD^",
            "HEAD"
        ]),
        "A\tspecs/0001-add-login.md"
    );
    assert_eq!(repo.show("HEAD", "specs/0001-add-login.md"), content);
    let message = repo.git_out(&["log", "-1", "--format=%B"]);
    assert_contains(&message, "SPEC-0001");
    assert_eq!(
        repo.git_out(&["log", "-1", "--format=%an <%ae> %at|%cn <%ce> %ct"]),
        "Jane Doe <jane@example.com> 1767225600|Jane Doe <jane@example.com> 1767225600"
    );
    // The spec is clean; the other staged file is still staged and the
    // unstaged edit still unstaged.
    assert_eq!(repo.status_porcelain(), " M README.md\nA  staged.txt\n");
    assert_contains(&repo.index_entries(), "\tstaged.txt\n");
}

#[test]
fn commit_leaves_a_clean_status() {
    let repo = TestRepo::with_commit();
    repo.new_spec(&["--commit", "Clean"]);
    assert_eq!(repo.status_porcelain(), "");
    assert_eq!(repo.git_out(&["rev-list", "--count", "HEAD"]), "2");
}

#[test]
fn commit_in_an_unborn_repository_makes_a_root_commit() {
    let repo = TestRepo::new();
    repo.write("a.txt", "staged\n");
    repo.git(&["add", "a.txt"]);
    let (path, _) = repo.new_spec(&["--commit", "Root"]);
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
    assert_eq!(
        repo.tree_paths("HEAD"),
        vec!["specs/0001-root.md".to_string()]
    );
    assert_eq!(repo.status_porcelain(), "A  a.txt\n");
    assert_eq!(repo.branches(), vec!["spec/0001-root".to_string()]);
}

#[test]
fn no_checkout_commit_commits_on_the_branch_only() {
    let repo = TestRepo::with_commit();
    let main = repo.head_oid().unwrap();
    let out = repo.spec(&["new", "--no-checkout", "--commit", "Elsewhere"]);
    assert_success(&out);
    let branch = "refs/heads/spec/0001-elsewhere";
    assert_eq!(repo.head_ref().as_deref(), Some("refs/heads/main"));
    assert_eq!(repo.head_oid().as_deref(), Some(main.as_str()));
    assert_eq!(repo.git_out(&["rev-parse", &format!("{branch}^")]), main);
    assert_eq!(
        repo.git_out(&[
            "diff-tree",
            "--no-commit-id",
            "-r",
            "--name-status",
            &main,
            branch
        ]),
        "A\tspecs/0001-elsewhere.md"
    );
    let content = repo.show(branch, "specs/0001-elsewhere.md");
    assert_eq!(fm_str(&content, "spec-id"), "SPEC-0001");
    assert!(!repo.exists("specs"));
    assert_eq!(repo.status_porcelain(), "");
}

#[test]
fn no_branch_commit_commits_on_the_current_branch() {
    let repo = TestRepo::with_commit();
    let main = repo.head_oid().unwrap();
    repo.new_spec(&["--no-branch", "--commit", "Here"]);
    assert_eq!(repo.head_ref().as_deref(), Some("refs/heads/main"));
    assert_eq!(repo.git_out(&["rev-parse", "HEAD^"]), main);
    assert_eq!(
        repo.git_out(&[
            "diff-tree",
            "--no-commit-id",
            "-r",
            "--name-status",
            "HEAD^",
            "HEAD"
        ]),
        "A\tspecs/0001-here.md"
    );
    assert_eq!(repo.status_porcelain(), "");
    assert_eq!(repo.branches(), vec!["main".to_string()]);
}

#[test]
fn dry_run_changes_nothing_and_prints_the_would_be_content() {
    let repo = TestRepo::with_commit();
    let before = repo.snapshot();
    let out = repo.spec(&["new", "--dry-run", "Add login"]);
    assert_success(&out);
    let printed = stdout(&out);
    assert_eq!(fm_str(&printed, "spec-id"), "SPEC-0001");
    assert_eq!(fm_str(&printed, "title"), "Add login");
    assert!(lines(&printed).contains(&"# Add login"), "{printed}");
    let err = stderr(&out);
    assert_contains(&err, "specs/0001-add-login.md");
    assert_contains(&err, "spec/0001-add-login");
    repo.assert_unchanged(&before);

    // The content is what a real run then writes.
    let (_, content) = repo.new_spec(&["Add login"]);
    assert_eq!(content, printed);
}

#[test]
fn dry_run_in_an_unborn_repository_changes_nothing() {
    let repo = TestRepo::new();
    let before = repo.snapshot();
    assert_success(&repo.spec(&["new", "-n", "--commit", "Nothing"]));
    repo.assert_unchanged(&before);
}

#[test]
fn json_output() {
    let repo = TestRepo::with_commit();
    let out = repo.spec(&["new", "--json", "Add OAuth login"]);
    assert_success(&out);
    let json: serde_json::Value = serde_json::from_str(&stdout(&out))
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(&out)));
    let keys: BTreeSet<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        BTreeSet::from([
            "id",
            "number",
            "provisional",
            "title",
            "path",
            "branch",
            "owner",
            "status",
            "dry_run"
        ])
    );
    assert_eq!(json["id"], "SPEC-0001");
    assert_eq!(json["number"], 1);
    assert_eq!(json["title"], "Add OAuth login");
    assert_eq!(json["path"], "specs/0001-add-oauth-login.md");
    assert_eq!(json["branch"], "spec/0001-add-oauth-login");
    assert_eq!(json["owner"], OWNER);
    assert_eq!(json["status"], "draft");
    assert!(repo.exists("specs/0001-add-oauth-login.md"));
}

#[test]
fn json_output_without_branch_and_from_a_subdirectory() {
    let repo = TestRepo::with_commit();
    repo.write("sub/keep", "");
    let out = repo.spec_in("sub", &["new", "--json", "--no-branch", "Quoted \"title\""]);
    assert_success(&out);
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["branch"], serde_json::Value::Null);
    assert_eq!(json["title"], "Quoted \"title\"");
    // From the repository root, wherever the command ran.
    assert_eq!(json["path"], "specs/0001-quoted-title.md");
}

#[test]
fn dry_run_json_says_so() {
    let repo = TestRepo::with_commit();
    let before = repo.snapshot();
    let out = repo.spec(&["new", "--json", "--dry-run", "Maybe"]);
    assert_success(&out);
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["id"], "SPEC-0001");
    assert_eq!(json["path"], "specs/0001-maybe.md");
    assert_eq!(json["dry_run"], true);
    repo.assert_unchanged(&before);
}

/// An editor script that appends `marker` to the file it is given.
fn editor(repo: &TestRepo, name: &str, marker: &str) -> String {
    let path = repo
        .sandbox
        .script(name, &format!("printf '%s\\n' '{marker}' >> \"$1\""));
    path.to_str().unwrap().to_string()
}

#[test]
fn edit_opens_git_editor() {
    let repo = TestRepo::with_commit();
    let git_editor = editor(&repo, "git-editor.sh", "EDITED BY GIT_EDITOR");
    let core_editor = editor(&repo, "core-editor.sh", "EDITED BY core.editor");
    repo.git(&["config", "core.editor", &core_editor]);
    let out = repo.spec_env(
        &["new", "--edit", "Edited"],
        &[("GIT_EDITOR", Some(&git_editor))],
    );
    assert_success(&out);
    let content = repo.read("specs/0001-edited.md");
    assert!(content.ends_with("EDITED BY GIT_EDITOR\n"), "{content}");
    assert!(!content.contains("core.editor"), "{content}");
}

#[test]
fn edit_uses_core_editor_when_git_editor_is_unset() {
    let repo = TestRepo::with_commit();
    let core_editor = editor(&repo, "core-editor.sh", "EDITED BY core.editor");
    let visual = editor(&repo, "visual.sh", "EDITED BY VISUAL");
    repo.git(&["config", "core.editor", &core_editor]);
    let out = repo.spec_env(
        &["new", "--edit", "Edited"],
        &[("VISUAL", Some(&visual)), ("TERM", Some("xterm"))],
    );
    assert_success(&out);
    let content = repo.read("specs/0001-edited.md");
    assert!(content.ends_with("EDITED BY core.editor\n"), "{content}");
}

#[test]
fn edit_accepts_an_editor_with_arguments() {
    let repo = TestRepo::with_commit();
    let script = repo.sandbox.script(
        "args-editor.sh",
        "printf 'first arg: %s\\n' \"$1\" >> \"$2\"",
    );
    let editor = format!("{} --wait", script.display());
    let out = repo.spec_env(&["new", "--edit", "Args"], &[("GIT_EDITOR", Some(&editor))]);
    assert_success(&out);
    assert!(repo
        .read("specs/0001-args.md")
        .ends_with("first arg: --wait\n"));
}

/// The marker of the editor `git var GIT_EDITOR` names.
fn git_choice(repo: &TestRepo, env: &[(&str, Option<&str>)]) -> String {
    let mut cmd = repo.git_cmd(&["var", "GIT_EDITOR"]);
    for (name, value) in env {
        match value {
            Some(value) => cmd.env(name, value),
            None => cmd.env_remove(name),
        };
    }
    let out = run(&mut cmd);
    if out.status.success() {
        stdout(&out).trim().to_string()
    } else {
        String::new()
    }
}

#[test]
fn edit_chooses_the_editor_as_git_does() {
    let repo = TestRepo::with_commit();
    let visual = editor(&repo, "visual.sh", "EDITED BY VISUAL");
    let editor_var = editor(&repo, "editor.sh", "EDITED BY EDITOR");
    for (i, term) in ["xterm", "dumb"].into_iter().enumerate() {
        let env = [
            ("VISUAL", Some(visual.as_str())),
            ("EDITOR", Some(editor_var.as_str())),
            ("TERM", Some(term)),
        ];
        let chosen = git_choice(&repo, &env);
        let title = format!("Term {i}");
        let out = repo.spec_env(&["new", "--no-branch", "--edit", &title], &env);
        assert_success(&out);
        let content = repo.read(format!("specs/000{}-term-{i}.md", i + 1));
        let expected = if chosen == visual {
            "EDITED BY VISUAL\n"
        } else {
            "EDITED BY EDITOR\n"
        };
        assert!(
            content.ends_with(expected),
            "TERM={term}: git chooses {chosen}, the spec ends with:\n{}",
            content.lines().last().unwrap_or("")
        );
    }
}

// ===========================================================================
// Refusals: nothing changes
// ===========================================================================

// An existing branch with the computed name, or an existing file at the
// computed path, cannot be reached through the id rules alone: a branch
// named after the pattern raises the next id past its own number, and a file
// named after the pattern in the spec folder does too. What can be reached
// is a ref that makes the branch impossible to create (a branch named
// `spec` blocks `spec/...`) and a branch pattern that yields invalid names.

#[test]
fn a_branch_that_cannot_be_created_changes_nothing_git_can_see() {
    let repo = TestRepo::with_commit();
    repo.git(&["branch", "spec"]);
    let before = repo.snapshot();
    let out = repo.spec(&["new", "Blocked"]);
    let err = assert_failure(&out);
    assert_contains(&err, "cannot create branch spec/0001-blocked");
    assert_eq!(stdout(&out), "");
    let after = repo.snapshot();
    assert_eq!(after.head, before.head);
    assert_eq!(after.head_oid, before.head_oid);
    assert_eq!(after.refs, before.refs);
    assert_eq!(after.index, before.index);
    assert!(!repo.exists("specs/0001-blocked.md"));
    assert_eq!(repo.status_porcelain(), "");
}

#[test]
fn a_branch_that_cannot_be_created_leaves_no_empty_spec_folder() {
    let repo = TestRepo::with_commit();
    repo.git(&["branch", "spec"]);
    repo.fails_untouched(&["new", "Blocked"]);
    assert!(!repo.exists("specs"));
}

#[test]
fn a_branch_that_cannot_be_created_leaves_no_file_behind() {
    let repo = TestRepo::with_commit();
    repo.git(&["branch", "spec"]);
    repo.write("specs/keep.txt", "x\n");
    repo.fails_untouched(&["new", "Blocked"]);
    assert_eq!(repo.list_dir("specs"), vec!["keep.txt"]);
}

#[test]
fn an_invalid_branch_pattern_changes_nothing() {
    let repo = TestRepo::with_commit();
    repo.write(".specrc", "[naming]\nbranch = \"spec/{id}-{slug}.lock\"\n");
    let err = repo.fails_untouched(&["new", "Locked"]);
    assert_contains(&err, "branch");
}

#[test]
fn outside_a_git_repository() {
    let sandbox = Sandbox::new();
    let outside = sandbox.mkdir("outside");
    let out = sandbox.spec_in(&outside, &["new", "Nowhere"]);
    let err = assert_failure(&out);
    assert_contains(&err, "not a git repository");
    assert_eq!(std::fs::read_dir(&outside).unwrap().count(), 0);
}

#[test]
fn in_a_bare_repository() {
    let sandbox = Sandbox::new();
    let bare = sandbox.init_bare("bare.git");
    let refs_before = run(sandbox.command("git", &bare).args(["for-each-ref"]));
    let out = sandbox.spec_in(&bare, &["new", "Bare"]);
    let err = assert_failure(&out);
    assert_contains(&err, "bare repository");
    assert!(!bare.join("specs").exists());
    assert!(!bare.join("git-spec").join("new.lock").exists());
    let refs_after = run(sandbox.command("git", &bare).args(["for-each-ref"]));
    assert_eq!(refs_before.stdout, refs_after.stdout);
    let head = run(sandbox.command("git", &bare).args(["symbolic-ref", "HEAD"]));
    assert_eq!(stdout(&head), "refs/heads/main\n");
}

#[test]
fn empty_or_whitespace_title() {
    let repo = TestRepo::with_commit();
    let before = repo.snapshot();
    for title in ["", "   ", "\t", " \t "] {
        let err = assert_failure(&repo.spec(&["new", title]));
        assert_contains(&err, "title");
        repo.assert_unchanged(&before);
    }
    let err = assert_failure(&repo.spec(&["new", "two\nlines"]));
    assert_contains(&err, "single line");
    repo.assert_unchanged(&before);
    // No title at all: a usage error.
    assert_failure(&repo.spec(&["new"]));
    repo.assert_unchanged(&before);
}

#[test]
fn a_broken_specrc_names_the_file_and_line() {
    let repo = TestRepo::with_commit();
    let cases = [
        // (content, expected fragments)
        (
            "dir = \"specs\"\n[id]\nwidht = 4\n",
            vec![".specrc:3", "widht"],
        ),
        ("\n\n[id]\nwidth = \"four\"\n", vec![".specrc:4"]),
        ("dir = \"specs\n", vec![".specrc:1"]),
        (
            "# comment\n[naming]\nfile = \"spec.md\"\n",
            vec![".specrc:3", "naming.file", "{id}"],
        ),
        (
            "[naming]\n\nbranch = \"spec/{title}-{id}\"\n",
            vec![".specrc:3", "{title}"],
        ),
        (
            "[priority]\nallowed = [\"p1\"]\ndefault = \"p2\"\n",
            vec![".specrc", "priority.default"],
        ),
        (
            "[workflow]\ninitial = \"new\"\n",
            vec![".specrc:2", "workflow.initial"],
        ),
        ("colour = \"blue\"\n", vec![".specrc:1", "colour"]),
    ];
    for (content, expected) in cases {
        repo.write(".specrc", content);
        let before = repo.snapshot();
        let err = assert_failure(&repo.spec(&["new", "Configured"]));
        for fragment in expected {
            assert!(
                err.contains(fragment),
                "{fragment:?} missing for .specrc:\n{content}\nstderr:\n{err}"
            );
        }
        repo.assert_unchanged(&before);
    }
}

/// Each broken template: the file's content (None: the file is missing)
/// and what the error must name.
#[test]
fn template_errors_name_the_file_and_line() {
    let cases: [(&str, Option<&str>, &[&str]); 4] = [
        (
            "fails to parse",
            Some("---\ntitle: {{TITLE}}\n---\n\n# {{TITLE}}\n\nline 6\nline 7\n{% if %}\n"),
            &["templates/bad.md:9"],
        ),
        (
            "unknown variable",
            Some("---\ntitle: {{TITLE}}\n---\n\n# {{TITLE}}\n\n{{ TITEL }}\n"),
            &["templates/bad.md:7", "TITEL"],
        ),
        (
            "error in the front matter",
            Some("---\ntitle: {{TITLE}}\nowner: {{ OWNR }}\n---\n\n# {{TITLE}}\n"),
            &["templates/bad.md:3"],
        ),
        ("missing file", None, &["templates/bad.md"]),
    ];
    for (what, template, expected) in cases {
        let repo = TestRepo::with_commit();
        repo.write(".specrc", "template = \"templates/bad.md\"\n");
        if let Some(template) = template {
            repo.write("templates/bad.md", template);
        }
        let err = repo.fails_untouched(&["new", "Templated"]);
        for fragment in expected {
            assert!(
                err.contains(fragment),
                "{what}: {fragment:?} missing:\n{err}"
            );
        }
    }
}

#[test]
fn the_seed_placeholders_and_lower_case_names_work_in_a_custom_template() {
    let repo = TestRepo::with_commit();
    repo.write(".specrc", "template = \"templates/mine.md\"\n");
    repo.write(
        "templates/mine.md",
        "---\nspec-id: {{SPEC_ID}}\ntitle: {{ title }}\nstatus: {{STATUS}}\npriority: {{PRIORITY}}\n\
         owner: {{OWNER}}\ncreated: {{CREATED}}\nupdated: {{UPDATED}}\ntags: {{TAGS}}\n---\n\n\
         # {{ title }} ({{ number }}, {{ slug }})\n\n{{DESCRIPTION}}\n",
    );
    let (_, content) = new_no_branch(
        &repo,
        "Mine: custom",
        &["--tag", "a", "--description", "Desc & more"],
    );
    assert_eq!(fm_str(&content, "title"), "Mine: custom");
    assert_eq!(fm_list(&content, "tags"), vec!["a"]);
    assert!(
        lines(&content).contains(&"# Mine: custom (1, mine-custom)"),
        "{content}"
    );
    assert!(lines(&content).contains(&"Desc & more"), "{content}");
}

// ===========================================================================
// .specrc in effect
// ===========================================================================

const CUSTOM_SPECRC: &str = r#"dir = "docs/rfcs"

[id]
prefix = "RFC-"
width = 3

[naming]
file = "{id}_{slug}.md"
branch = "rfc/{id}/{slug}"
"#;

#[test]
fn specrc_sets_folder_prefix_width_and_patterns() {
    let repo = TestRepo::with_commit();
    repo.write(".specrc", CUSTOM_SPECRC);
    repo.write("docs/rfcs/007_old.md", "x\n");
    // Default-shaped names are not specs under this configuration.
    repo.write("specs/0099-default-shape.md", "x\n");
    repo.git(&["branch", "spec/0098-default-shape"]);
    repo.commit_all("config");
    repo.git(&["branch", "rfc/012/reserved"]);

    let out = repo.spec(&["new", "--json", "Add login"]);
    assert_success(&out);
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["id"], "RFC-013");
    assert_eq!(json["number"], 13);
    assert_eq!(json["path"], "docs/rfcs/013_add-login.md");
    assert_eq!(json["branch"], "rfc/013/add-login");
    assert_eq!(
        repo.head_ref().as_deref(),
        Some("refs/heads/rfc/013/add-login")
    );
    let content = repo.read("docs/rfcs/013_add-login.md");
    assert_eq!(fm_str(&content, "spec-id"), "RFC-013");
}

#[test]
fn specrc_is_found_from_a_subdirectory_and_paths_are_relative() {
    let repo = TestRepo::with_commit();
    repo.write(".specrc", "dir = \"docs/specs\"\n");
    repo.write("src/deep/keep", "");
    repo.commit_all("config");
    let out = repo.spec_in("src/deep", &["new", "From deep"]);
    assert_success(&out);
    assert_eq!(stdout(&out), "../../docs/specs/0001-from-deep.md\n");
    assert!(repo.exists("docs/specs/0001-from-deep.md"));
    assert!(!repo.exists("src/deep/docs"));
}

#[test]
fn path_is_relative_to_the_current_directory() {
    let repo = TestRepo::with_commit();
    repo.write("sub/keep", "");
    let out = repo.spec_in("sub", &["new", "From sub"]);
    assert_success(&out);
    assert_eq!(stdout(&out), "../specs/0001-from-sub.md\n");
    assert!(repo.exists("specs/0001-from-sub.md"));
    let out = repo.spec_in("specs", &["new", "--no-branch", "From specs"]);
    assert_success(&out);
    assert_eq!(stdout(&out), "0002-from-specs.md\n");
}

#[test]
fn specrc_and_ids_in_a_linked_worktree() {
    let repo = TestRepo::with_commit();
    repo.write(".specrc", "dir = \"rfcs\"\n[id]\nprefix = \"RFC-\"\n");
    repo.commit_all("config");
    let worktree = repo.add_worktree("wt", "wt-branch");

    let out = worktree.spec(&["new", "From worktree"]);
    assert_success(&out);
    assert_eq!(stdout(&out), "rfcs/0001-from-worktree.md\n");
    let content = worktree.read("rfcs/0001-from-worktree.md");
    assert_eq!(fm_str(&content, "spec-id"), "RFC-0001");
    assert!(!repo.exists("rfcs"));
    assert_eq!(
        worktree.head_ref().as_deref(),
        Some("refs/heads/spec/0001-from-worktree")
    );
    assert_eq!(repo.head_ref().as_deref(), Some("refs/heads/main"));

    // From a subdirectory of the worktree, and seen from the main one.
    worktree.write("sub/keep", "");
    let out = worktree.spec_in("sub", &["new", "--no-branch", "From worktree sub"]);
    assert_success(&out);
    assert_eq!(stdout(&out), "../rfcs/0002-from-worktree-sub.md\n");
    let (path, _) = repo.new_spec(&["From main"]);
    assert_eq!(
        path, "rfcs/0003-from-main.md",
        "the worktree's branch name and its uncommitted spec count"
    );
}

#[test]
fn linked_worktrees_of_one_clone_never_share_an_id() {
    let repo = TestRepo::with_commit();
    let worktree = repo.add_worktree("wt", "wt-branch");
    let (first, _) = repo.new_spec(&["--no-branch", "In main"]);
    let (second, _) = worktree.new_spec(&["--no-branch", "In worktree"]);
    assert_eq!(first, "specs/0001-in-main.md");
    assert_eq!(second, "specs/0002-in-worktree.md");
}

#[test]
fn remote_tracking_branch_names_of_a_remote_with_a_slash_count() {
    let repo = TestRepo::with_commit();
    let origin = repo.sandbox.init_bare("origin.git");
    repo.git(&["remote", "add", "team/origin", origin.to_str().unwrap()]);
    repo.git(&[
        "push",
        "-q",
        "team/origin",
        "HEAD:refs/heads/spec/0042-reserved",
    ]);
    repo.git(&["fetch", "-q", "team/origin"]);
    assert!(repo.ref_exists("refs/remotes/team/origin/spec/0042-reserved"));
    let (path, _) = repo.new_spec(&["--no-branch", "Mine"]);
    assert_eq!(path, "specs/0043-mine.md");
}

#[test]
fn a_crlf_template_still_quotes_front_matter() {
    let repo = TestRepo::with_commit();
    repo.write(".specrc", "template = \"templates/crlf.md\"\n");
    repo.write(
        "templates/crlf.md",
        "---\r\nspec-id: {{SPEC_ID}}\r\ntitle: {{TITLE}}\r\ntags: {{TAGS}}\r\n---\r\n\r\n# {{TITLE}}\r\n",
    );
    let title = r#"Fix: "quotes", #hash & more"#;
    let (_, content) = new_no_branch(&repo, title, &["--tag", "a, b"]);
    let normalized = content.replace("\r\n", "\n");
    assert_eq!(fm_str(&normalized, "title"), title);
    assert_eq!(fm_list(&normalized, "tags"), vec!["a, b"]);
    assert!(
        content.contains(&format!("\r\n# {title}\r\n")),
        "{content:?}"
    );
}

#[test]
fn spec_folder_written_with_a_dot_prefix_still_counts_branch_trees() {
    let repo = TestRepo::with_commit();
    repo.write(".specrc", "dir = \"./specs\"\n");
    repo.commit_files_on_branch("side", &[("specs/0040-side.md", "x\n")]);
    let (path, _) = new_no_branch(&repo, "Dotted", &[]);
    assert_eq!(path, "specs/0041-dotted.md");
}

#[test]
fn spec_folder_written_with_a_trailing_slash_still_counts_branch_trees() {
    let repo = TestRepo::with_commit();
    repo.write(".specrc", "dir = \"specs/\"\n");
    repo.commit_files_on_branch("side", &[("specs/0040-side.md", "x\n")]);
    let (path, _) = new_no_branch(&repo, "Slashed", &[]);
    assert_eq!(path, "specs/0041-slashed.md");
}

// ===========================================================================
// Concurrency and the lock
// ===========================================================================

fn spawn_all(repo: &TestRepo, args: Vec<Vec<String>>) -> Vec<std::process::Output> {
    let children: Vec<_> = args
        .into_iter()
        .map(|args| {
            repo.command(BIN, &repo.path)
                .args(args)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("cannot spawn git-spec")
        })
        .collect();
    children
        .into_iter()
        .map(|child| child.wait_with_output().unwrap())
        .collect()
}

#[test]
fn concurrent_runs_get_distinct_ids() {
    let repo = TestRepo::with_commit();
    let args = (0..8)
        .map(|i| vec!["new".into(), "--no-branch".into(), format!("T{i}")])
        .collect();
    let outputs = spawn_all(&repo, args);
    let mut paths = BTreeSet::new();
    for out in &outputs {
        assert_success(out);
        paths.insert(stdout(out).trim().to_string());
    }
    assert_eq!(paths.len(), 8, "{paths:?}");
    let files = repo.list_dir("specs");
    assert_eq!(files.len(), 8, "{files:?}");
    let numbers: BTreeSet<String> = files.iter().map(|f| f[..4].to_string()).collect();
    let expected: BTreeSet<String> = (1..=8).map(|n| format!("{n:04}")).collect();
    assert_eq!(numbers, expected);
    for file in &files {
        let content = repo.read(format!("specs/{file}"));
        assert_eq!(fm_str(&content, "spec-id"), format!("SPEC-{}", &file[..4]));
    }
    // No lock or temporary file left behind.
    assert!(!repo.git_dir().join("git-spec").join("new.lock").exists());
    assert_eq!(repo.status_porcelain().lines().count(), 8);
}

#[test]
fn concurrent_runs_with_branches_get_distinct_ids_and_branches() {
    let repo = TestRepo::with_commit();
    let args = (0..4)
        .map(|i| vec!["new".into(), format!("B{i}")])
        .collect();
    for out in spawn_all(&repo, args) {
        assert_success(&out);
    }
    let branches = repo.branches();
    let spec_branches: Vec<_> = branches.iter().filter(|b| b.starts_with("spec/")).collect();
    assert_eq!(spec_branches.len(), 4, "{branches:?}");
    let numbers: BTreeSet<&str> = spec_branches.iter().map(|b| &b[5..9]).collect();
    assert_eq!(numbers, BTreeSet::from(["0001", "0002", "0003", "0004"]));
    assert_eq!(repo.list_dir("specs").len(), 4);
    let head = repo.head_ref().unwrap();
    assert!(head.starts_with("refs/heads/spec/"), "{head}");
}

#[test]
fn a_stale_lock_is_reported_and_nothing_changes() {
    let repo = TestRepo::with_commit();
    let lock = repo.git_dir().join("git-spec").join("new.lock");
    std::fs::create_dir_all(lock.parent().unwrap()).unwrap();
    std::fs::write(&lock, "pid 4242\n").unwrap();
    let before = repo.snapshot();
    let out = repo.spec_env(
        &["new", "Locked out"],
        &[("GIT_SPEC_LOCK_TIMEOUT_MS", Some("200"))],
    );
    let err = assert_failure(&out);
    assert_contains(&err, &lock.display().to_string());
    assert_contains(&err, &format!("rm '{}'", lock.display()));
    repo.assert_unchanged(&before);
    assert!(lock.exists(), "someone else's lock is never removed");

    std::fs::remove_file(&lock).unwrap();
    let (path, _) = repo.new_spec(&["Locked out"]);
    assert_eq!(path, "specs/0001-locked-out.md");
}

// ===========================================================================
// Detached HEAD and linked worktrees with --commit
// ===========================================================================

#[test]
fn on_a_detached_head_the_branch_starts_at_the_head_commit() {
    let repo = TestRepo::with_commit();
    let first = repo.head_oid().unwrap();
    repo.write("second.txt", "x\n");
    repo.commit_all("second");
    repo.git(&["checkout", "-q", "--detach", &first]);
    let (path, _) = repo.new_spec(&["Detached"]);
    assert_eq!(path, "specs/0001-detached.md");
    assert_eq!(
        repo.head_ref().as_deref(),
        Some("refs/heads/spec/0001-detached")
    );
    assert_eq!(
        repo.rev_parse("refs/heads/spec/0001-detached").as_deref(),
        Some(first.as_str())
    );
}

#[test]
fn no_branch_commit_on_a_detached_head_advances_head() {
    let repo = TestRepo::with_commit();
    let first = repo.head_oid().unwrap();
    repo.git(&["checkout", "-q", "--detach"]);
    repo.new_spec(&["--no-branch", "--commit", "Detached commit"]);
    assert_eq!(repo.head_ref(), None, "still detached");
    assert_eq!(repo.git_out(&["rev-parse", "HEAD^"]), first);
    assert_eq!(
        repo.rev_parse("refs/heads/main").as_deref(),
        Some(first.as_str())
    );
    assert_eq!(repo.status_porcelain(), "");
}

#[test]
fn commit_in_a_linked_worktree_uses_that_worktree_and_its_index() {
    let repo = TestRepo::with_commit();
    repo.write("staged.txt", "main's staged file\n");
    repo.git(&["add", "staged.txt"]);
    let main_status = repo.status_porcelain();
    let worktree = repo.add_worktree("wt", "wt-branch");
    let base = worktree.head_oid().unwrap();

    let (path, _) = worktree.new_spec(&["--commit", "From worktree"]);
    assert_eq!(path, "specs/0001-from-worktree.md");
    assert_eq!(
        worktree.head_ref().as_deref(),
        Some("refs/heads/spec/0001-from-worktree")
    );
    assert_eq!(worktree.git_out(&["rev-parse", "HEAD^"]), base);
    assert_eq!(worktree.status_porcelain(), "");
    // The main worktree is untouched.
    assert_eq!(repo.head_ref().as_deref(), Some("refs/heads/main"));
    assert_eq!(repo.status_porcelain(), main_status);
    assert!(!repo.exists("specs"));
}

// ===========================================================================
// Identity resolved the way git resolves it
// ===========================================================================

#[test]
fn owner_from_a_conditional_include_in_the_global_config() {
    let repo = TestRepo::without_identity();
    let work = repo.sandbox.home.join("work.gitconfig");
    std::fs::write(
        &work,
        "[user]\n\tname = Work Wendy\n\temail = wendy@work.example\n",
    )
    .unwrap();
    repo.sandbox.set_global(
        &format!("includeIf.gitdir:{}/.path", repo.path.display()),
        work.to_str().unwrap(),
    );
    // git itself sees it...
    assert_eq!(repo.git_out(&["config", "user.name"]), "Work Wendy");
    // ...and so does git spec.
    let (_, content) = repo.new_spec(&["Included"]);
    assert_eq!(fm_str(&content, "owner"), "Work Wendy <wendy@work.example>");
}

#[test]
fn git_spec_runs_as_a_git_subcommand() {
    let repo = TestRepo::with_commit();
    let out = repo.git(&["spec", "new", "Through git"]);
    assert_eq!(stdout(&out), "specs/0001-through-git.md\n");
}

#[test]
fn owner_honours_git_dash_c_overrides() {
    let repo = TestRepo::with_commit();
    let out = repo.git(&["-c", "user.name=Command Line", "spec", "new", "Overridden"]);
    let path = stdout(&out).trim().to_string();
    let content = repo.read(&path);
    assert_eq!(
        fm_str(&content, "owner"),
        "Command Line <jane@example.com>",
        "git -c user.name=... is how git resolves the name for this command"
    );
}

#[test]
fn commit_with_edit_commits_the_edited_spec() {
    let repo = TestRepo::with_commit();
    let editor = editor(&repo, "editor.sh", "EDITED");
    let out = repo.spec_env(
        &["new", "--commit", "--edit", "Edited then committed"],
        &[("GIT_EDITOR", Some(&editor))],
    );
    assert_success(&out);
    let path = "specs/0001-edited-then-committed.md";
    assert!(repo.read(path).ends_with("EDITED\n"));
    assert_eq!(repo.show("HEAD", path), repo.read(path));
    assert_eq!(repo.status_porcelain(), "");
}

#[test]
fn no_branch_commit_in_an_unborn_repository_makes_the_first_commit_on_main() {
    let repo = TestRepo::new();
    repo.new_spec(&["--no-branch", "--commit", "First on main"]);
    assert_eq!(repo.head_ref().as_deref(), Some("refs/heads/main"));
    assert_eq!(repo.git_out(&["rev-list", "--count", "main"]), "1");
    assert_eq!(
        repo.tree_paths("main"),
        vec!["specs/0001-first-on-main.md".to_string()]
    );
    assert_eq!(repo.status_porcelain(), "");
}

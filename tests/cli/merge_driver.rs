//! The index's merge driver (`git spec index --install-merge-driver`,
//! `--merge-driver`): real merges, rebases and cherry-picks with the real
//! `git` CLI, which runs the driver the way it would for a user.

use std::fs;

use crate::common::*;

const INDEX: &str = "specs/README.md";
const LINE: &str = "/specs/README.md merge=git-spec-index";

fn spec_text(number: u64, title: &str) -> String {
    SpecFx::new(number, title).text()
}

/// A repository whose main holds SPEC-0001 and its index; with the
/// driver installed (before anything is committed) when `install`.
fn base(install: bool) -> TestRepo {
    let repo = TestRepo::with_commit();
    if install {
        repo.spec_ok(&["index", "--install-merge-driver"]);
    }
    repo.write("specs/0001-first.md", &spec_text(1, "First"));
    repo.spec_ok(&["index"]);
    repo.commit_all("first spec and the index");
    repo
}

/// Branch `name` from main, changed by `change`, with the index refreshed
/// and everything committed; it stays checked out.
fn branch(repo: &TestRepo, name: &str, change: impl FnOnce(&TestRepo)) {
    repo.git(&["switch", "-q", "-c", name, "main"]);
    change(repo);
    repo.spec_ok(&["index"]);
    repo.commit_all(name);
}

/// `one` adds SPEC-0002 and moves SPEC-0001 to review (its row changes
/// section); `two` adds SPEC-0003. `two` is checked out.
fn two_branches(install: bool) -> TestRepo {
    let repo = base(install);
    branch(&repo, "one", |r| {
        r.write("specs/0002-second.md", &spec_text(2, "Second"));
        r.spec_ok(&["status", "1", "review"]);
    });
    branch(&repo, "two", |r| {
        r.write("specs/0003-third.md", &spec_text(3, "Third"))
    });
    repo
}

/// The index is what `git spec index` writes for the merged specs, and
/// nothing is left over (no temporary file, nothing unmerged).
#[track_caller]
fn assert_index_is_current(repo: &TestRepo, specs: usize) {
    let check = repo.spec(&["index", "--check"]);
    assert_success_ctx(&check, "git spec index --check");
    let out = repo.spec_ok(&["index"]);
    let noun = if specs == 1 { "spec" } else { "specs" };
    assert_eq!(
        stdout(&out),
        format!("{INDEX}: unchanged ({specs} {noun})\n")
    );
    assert_eq!(repo.status_porcelain(), "");
    assert_eq!(repo.git_out(&["ls-files", "-u"]), "");
}

#[test]
fn two_branches_that_each_add_a_spec_merge_cleanly_with_the_driver() {
    let repo = two_branches(true);
    let out = repo.git(&["merge", "--no-edit", "one"]);
    assert!(!stdout(&out).contains("CONFLICT"), "{}", run_text(&out));
    assert_index_is_current(&repo, 3);
    let index = repo.read(INDEX);
    assert_contains(&index, "## draft (2)\n");
    assert_contains(&index, "## review (1)\n");
    for link in ["0001-first.md", "0002-second.md", "0003-third.md"] {
        assert_contains(&index, &format!("]({link})"));
    }
    // The merge commit holds that index.
    assert_eq!(repo.show("HEAD", INDEX), index);
}

#[test]
fn without_the_driver_the_same_merge_conflicts() {
    let repo = two_branches(false);
    let out = repo.git_try(&["merge", "--no-edit", "one"]);
    assert!(!out.status.success(), "{}", run_text(&out));
    assert_contains(
        &stdout(&out),
        "CONFLICT (content): Merge conflict in specs/README.md",
    );
    assert_contains(&repo.git_out(&["ls-files", "-u"]), INDEX);
    repo.git(&["merge", "--abort"]);
}

#[test]
fn the_committed_gitattributes_alone_runs_nothing() {
    // A clone gets .gitattributes with the repository, not the command:
    // until it defines the driver itself, git merges the index as text.
    let repo = two_branches(true);
    assert_eq!(repo.show("main", ".gitattributes"), format!("{LINE}\n"));
    repo.git(&[
        "config",
        "--local",
        "--remove-section",
        "merge.git-spec-index",
    ]);
    // `git spec index` says what is missing.
    let out = repo.spec_ok(&["index"]);
    assert_contains(
        &stderr(&out),
        "note: .gitattributes names the index merge driver, but this clone does not define it",
    );
    assert_contains(
        &stderr(&out),
        "run `git spec index --install-merge-driver` once",
    );
    let out = repo.git_try(&["merge", "--no-edit", "one"]);
    assert!(!out.status.success(), "{}", run_text(&out));
    assert_contains(&stdout(&out), "Merge conflict in specs/README.md");
    repo.git(&["merge", "--abort"]);

    repo.spec_ok(&["index", "--install-merge-driver"]);
    repo.git(&["merge", "--no-edit", "one"]);
    assert_index_is_current(&repo, 3);
    assert_eq!(stderr(&repo.spec_ok(&["index"])), "");
}

#[test]
fn a_rebase_and_a_cherry_pick_replay_through_the_driver() {
    let repo = two_branches(true);
    repo.git(&["rebase", "-q", "one"]);
    assert_index_is_current(&repo, 3);
    assert_eq!(
        repo.git_out(&["log", "--format=%s", "main..HEAD"]),
        "two\none"
    );

    let repo = two_branches(true);
    repo.git(&["cherry-pick", "one"]);
    assert_index_is_current(&repo, 3);
    assert_eq!(repo.git_out(&["log", "-1", "--format=%s"]), "one");
}

#[test]
fn a_row_changed_differently_on_both_sides_is_a_conflict_and_nothing_is_damaged() {
    let repo = base(true);
    let path = "specs/0001-first.md";
    // The title (line 3) on one side and the owner (line 6) on the other:
    // git merges the spec itself cleanly, but each side's row changed, and
    // the driver does not guess.
    branch(&repo, "one", |r| {
        let text = r
            .read(path)
            .replace("title: \"First\"", "title: \"Renamed\"");
        r.write(path, &text);
    });
    branch(&repo, "two", |r| {
        let text = r
            .read(path)
            .replace(&format!("owner: \"{OWNER}\""), "owner: \"Bob <bob@x.org>\"");
        r.write(path, &text);
    });
    let ours = repo.read(INDEX);
    let out = repo.git_try(&["merge", "--no-edit", "one"]);
    assert!(!out.status.success(), "{}", run_text(&out));
    let all = run_text(&out);
    assert_contains(
        &all,
        "git spec: cannot merge specs/README.md: the row of SPEC-0001 (0001-first.md) was changed on both sides, differently",
    );
    assert_contains(&all, "resolve the specs, then run `git spec index`");
    assert_contains(
        &all,
        "CONFLICT (content): Merge conflict in specs/README.md",
    );
    // Only the index is unmerged, and it is our side's, byte for byte.
    let unmerged = repo.git_out(&["ls-files", "-u"]);
    assert!(
        unmerged.contains(INDEX) && !unmerged.contains(path),
        "{unmerged}"
    );
    assert_eq!(repo.read(INDEX), ours);
    let spec = repo.read(path);
    assert_contains(&spec, "title: \"Renamed\"");
    assert_contains(&spec, "owner: \"Bob <bob@x.org>\"");
    assert_eq!(
        repo.list_dir(""),
        vec![".git", ".gitattributes", "README.md", "specs"]
    );

    // The way out the message gives: regenerate the index (allowed while
    // it is conflicted), add it, commit.
    let out = repo.spec_ok(&["index"]);
    assert_eq!(stdout(&out), "specs/README.md: updated (1 spec)\n");
    repo.git(&["add", INDEX]);
    repo.git(&["commit", "-q", "--no-edit"]);
    assert_index_is_current(&repo, 1);
    assert_contains(
        &repo.read(INDEX),
        "| [SPEC-0001](0001-first.md) | Renamed | Bob \\<bob@x.org\\> |",
    );
}

#[test]
fn an_index_edited_by_hand_on_one_side_is_a_conflict() {
    let repo = base(true);
    branch(&repo, "one", |r| {
        r.write("specs/0002-second.md", &spec_text(2, "Second"))
    });
    repo.git(&["switch", "-q", "-c", "two", "main"]);
    repo.write("specs/0003-third.md", &spec_text(3, "Third"));
    repo.spec_ok(&["index"]);
    let edited = format!("{}\nOur notes\n", repo.read(INDEX));
    repo.write(INDEX, &edited);
    repo.commit_all("two, with notes in the index");
    let out = repo.git_try(&["merge", "--no-edit", "one"]);
    assert!(!out.status.success(), "{}", run_text(&out));
    assert_contains(
        &run_text(&out),
        "git spec: cannot merge specs/README.md: your side's version is not an index as `git spec index` writes it (line 12: not part of an index: \"Our notes\")",
    );
    assert_eq!(repo.read(INDEX), edited);
    repo.git(&["merge", "--abort"]);
}

#[test]
fn install_keeps_an_existing_gitattributes_and_is_idempotent() {
    let repo = TestRepo::with_commit();
    let existing = "*.png binary\n*.md text eol=lf";
    repo.write(".gitattributes", existing);
    let out = repo.spec_ok(&["index", "--install-merge-driver"]);
    assert_eq!(
        stdout(&out),
        format!(".gitattributes: added \"{LINE}\"\ngit config merge.git-spec-index.driver: set in this clone\n")
    );
    assert_contains(&stderr(&out), "commit .gitattributes");
    assert_contains(
        &stderr(&out),
        "a repository can name a merge driver, never define one",
    );
    let written = format!("{existing}\n{LINE}\n");
    assert_eq!(repo.read(".gitattributes"), written);
    let driver = repo.git_out(&["config", "--local", "merge.git-spec-index.driver"]);
    assert!(
        driver.ends_with("git-spec' index --merge-driver %O %A %B %P"),
        "{driver}"
    );
    assert_eq!(
        repo.git_out(&["check-attr", "merge", "--", INDEX]),
        "specs/README.md: merge: git-spec-index"
    );
    // A README elsewhere is not the index.
    assert_eq!(
        repo.git_out(&["check-attr", "merge", "--", "docs/specs/README.md"]),
        "docs/specs/README.md: merge: unspecified"
    );

    let config = fs::read(repo.git_dir().join("config")).unwrap();
    let out = repo.spec_ok(&["index", "--install-merge-driver"]);
    assert_eq!(
        stdout(&out),
        format!(".gitattributes: already names the merge driver (\"{LINE}\")\ngit config merge.git-spec-index.driver: already set in this clone\n")
    );
    assert_eq!(stderr(&out), "");
    assert_eq!(repo.read(".gitattributes"), written);
    assert_eq!(fs::read(repo.git_dir().join("config")).unwrap(), config);
}

#[test]
fn install_keeps_crlf_and_a_line_of_the_teams_own() {
    let repo = TestRepo::with_commit();
    repo.write(".gitattributes", "*.png binary\r\n");
    repo.spec_ok(&["index", "--install-merge-driver"]);
    assert_eq!(
        repo.read(".gitattributes"),
        format!("*.png binary\r\n{LINE}\r\n")
    );

    let repo = TestRepo::with_commit();
    let own = "specs/README.md merge=git-spec-index\n";
    repo.write(".gitattributes", own);
    let out = repo.spec_ok(&["index", "--install-merge-driver"]);
    assert_contains(
        &stdout(&out),
        ".gitattributes: already names the merge driver",
    );
    assert_eq!(repo.read(".gitattributes"), own);
}

#[test]
fn install_follows_index_file_and_reports_an_override() {
    let repo = TestRepo::with_commit();
    repo.write(".specrc", "[index]\nfile = \"docs/all specs.md\"\n");
    repo.spec_ok(&["index", "--install-merge-driver"]);
    assert_eq!(
        repo.read(".gitattributes"),
        "\"/docs/all specs.md\" merge=git-spec-index\n"
    );
    assert_eq!(
        repo.git_out(&["check-attr", "merge", "--", "docs/all specs.md"]),
        "docs/all specs.md: merge: git-spec-index"
    );

    let repo = TestRepo::with_commit();
    repo.write("specs/.gitattributes", "README.md -merge\n");
    let out = repo.spec(&["index", "--install-merge-driver"]);
    let err = assert_failure(&out);
    assert_contains(
        &err,
        "git does not use the merge driver for specs/README.md",
    );
    assert_contains(&err, "`git check-attr merge -- specs/README.md` says unset");
    assert_contains(&err, "a .gitattributes in a subfolder");
}

#[test]
fn init_installs_the_driver_and_a_second_init_changes_nothing() {
    let repo = TestRepo::with_commit();
    let out = repo.spec_ok(&["init"]);
    assert_eq!(
        stdout(&out),
        ".specrc\ntemplates/spec.md\n.gitignore\n.gitattributes\n"
    );
    assert_contains(
        &stderr(&out),
        "defined the index merge driver in this clone's git config",
    );
    assert_eq!(repo.read(".gitattributes"), format!("{LINE}\n"));
    assert_contains(
        &repo.git_out(&["config", "--local", "merge.git-spec-index.driver"]),
        "index --merge-driver %O %A %B %P",
    );
    let out = repo.spec_ok(&["init"]);
    assert_eq!(stdout(&out), "");
    assert_contains(
        &stderr(&out),
        ".gitattributes already names the index merge driver; left unchanged",
    );
    assert_eq!(repo.read(".gitattributes"), format!("{LINE}\n"));
}

/// Three files for the driver's arguments, in the work tree's root (where
/// git puts them), and the index they merge into.
fn driver_files(repo: &TestRepo) {
    repo.write("specs/0001-first.md", &spec_text(1, "First"));
    repo.spec_ok(&["index"]);
    let index = repo.read(INDEX);
    for name in [".merge_file_o", ".merge_file_a", ".merge_file_b"] {
        repo.write(name, &index);
    }
}

#[test]
fn the_driver_refuses_bad_arguments_and_writes_nothing() {
    let repo = TestRepo::with_commit();
    driver_files(&repo);
    let outside = repo.sandbox.root.join("outside.md");
    fs::write(&outside, repo.read(INDEX)).unwrap();
    std::os::unix::fs::symlink(&outside, repo.path.join(".merge_file_link")).unwrap();
    fs::write(repo.git_dir().join("in-git.md"), repo.read(INDEX)).unwrap();
    let outside = outside.to_str().unwrap();
    let in_git = repo.git_dir().join("in-git.md");
    let in_git = in_git.to_str().unwrap();
    let cases: &[(&[&str], &str)] = &[
        (
            &[".merge_file_o", ".merge_file_a", ".merge_file_b", "src/main.rs"],
            "merges only the index file (specs/README.md per `index.file` in .specrc), not \"src/main.rs\"",
        ),
        (
            &[".merge_file_o", ".merge_file_a", ".merge_file_b", "/etc/passwd"],
            "PATH \"/etc/passwd\" is not a file of the work tree",
        ),
        (
            &[".merge_file_o", ".merge_file_a", ".merge_file_b", "../specs/README.md"],
            "climbs out with `..`",
        ),
        (
            &[".merge_file_o", outside, ".merge_file_b", INDEX],
            "OURS",
        ),
        (
            &[".merge_file_o", ".merge_file_link", ".merge_file_b", INDEX],
            "is a symbolic link",
        ),
        (
            &[".merge_file_o", in_git, ".merge_file_b", INDEX],
            "inside the git dir",
        ),
        (
            &[".merge_file_o", ".merge_file_a", ".merge_file_missing", INDEX],
            "THEIRS .merge_file_missing: cannot read it",
        ),
    ];
    for (files, message) in cases {
        let mut args = vec!["index", "--merge-driver"];
        args.extend_from_slice(files);
        let before = repo.snapshot();
        let err = assert_failure(&repo.spec(&args));
        assert_contains(&err, message);
        assert_contains(&err, "nothing was written");
        repo.assert_unchanged(&before);
    }
    let err = assert_failure(&repo.spec(&[
        "index",
        "--merge-driver",
        ".merge_file_o",
        ".merge_file_a",
        outside,
        INDEX,
    ]));
    assert_contains(&err, "outside the work tree");
    assert_eq!(fs::read_to_string(outside).unwrap(), repo.read(INDEX));

    // Three values, or a flag that makes no sense with it: usage errors.
    let out = repo.spec(&[
        "index",
        "--merge-driver",
        ".merge_file_o",
        ".merge_file_a",
        INDEX,
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", run_text(&out));
    let out = repo.spec(&[
        "index",
        "--check",
        "--merge-driver",
        ".merge_file_o",
        ".merge_file_a",
        ".merge_file_b",
        INDEX,
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", run_text(&out));
}

#[test]
fn the_driver_writes_the_merge_into_ours_only() {
    let repo = TestRepo::with_commit();
    driver_files(&repo);
    let base = repo.read(INDEX);
    repo.write("specs/0002-second.md", &spec_text(2, "Second"));
    repo.spec_ok(&["index"]);
    repo.write(".merge_file_b", &repo.read(INDEX));
    repo.remove("specs/0002-second.md");
    repo.write("specs/0003-third.md", &spec_text(3, "Third"));
    repo.spec_ok(&["index"]);
    repo.write(".merge_file_a", &repo.read(INDEX));
    repo.write("specs/0002-second.md", &spec_text(2, "Second"));
    repo.spec_ok(&["index"]);
    let expected = repo.read(INDEX);

    let mut before = repo.snapshot();
    let out = repo.spec(&[
        "index",
        "--merge-driver",
        ".merge_file_o",
        ".merge_file_a",
        ".merge_file_b",
        INDEX,
    ]);
    assert_success(&out);
    assert_eq!(run_text(&out), "[exit 0]\n--- stdout\n--- stderr\n");
    // Exactly one file changed: OURS, now the index of all three specs.
    for (path, content) in &mut before.files {
        if path == ".merge_file_a" {
            *content = expected.clone();
        }
    }
    repo.assert_unchanged(&before);
    assert_eq!(repo.read(".merge_file_o"), base);
}

#[test]
fn help_documents_the_driver() {
    let repo = TestRepo::with_commit();
    let help = stdout(&repo.spec_ok(&["index", "--help"]));
    assert_contains(&help, "--install-merge-driver");
    assert_contains(&help, "--merge-driver <BASE> <OURS> <THEIRS> <PATH>");
    assert_contains(&help, "can name a merge driver");
}

#[test]
fn two_branches_that_each_create_the_index_merge_cleanly() {
    // Adopting the index on two branches at once: git merges an index
    // that both sides added, with an empty base.
    let repo = TestRepo::with_commit();
    repo.spec_ok(&["index", "--install-merge-driver"]);
    repo.write("specs/0001-first.md", &spec_text(1, "First"));
    repo.commit_all("first spec, no index");
    branch(&repo, "one", |r| {
        r.write("specs/0002-second.md", &spec_text(2, "Second"))
    });
    branch(&repo, "two", |r| {
        r.write("specs/0003-third.md", &spec_text(3, "Third"))
    });
    repo.git(&["merge", "--no-edit", "one"]);
    assert_index_is_current(&repo, 3);
}

#[test]
fn gitattributes_naming_another_file_for_the_driver_gets_a_plain_conflict() {
    // The repository chooses which files name the driver; the driver
    // merges only the index and leaves anything else to the user.
    let repo = base(true);
    repo.write(
        ".gitattributes",
        &format!("{LINE}\n/README.md merge=git-spec-index\n"),
    );
    repo.commit_all("the driver for README.md too");
    branch(&repo, "one", |r| r.write("README.md", "# One\n"));
    branch(&repo, "two", |r| r.write("README.md", "# Two\n"));
    let out = repo.git_try(&["merge", "--no-edit", "one"]);
    assert!(!out.status.success(), "{}", run_text(&out));
    assert_contains(
        &stderr(&out),
        "merges only the index file (specs/README.md per `index.file` in .specrc), not \"README.md\"",
    );
    assert_contains(
        &stdout(&out),
        "CONFLICT (content): Merge conflict in README.md",
    );
    assert_eq!(repo.read("README.md"), "# Two\n");
    repo.git(&["merge", "--abort"]);
    assert_eq!(repo.status_porcelain(), "");
}

#[test]
fn a_gitattributes_link_is_never_written_through() {
    let repo = TestRepo::with_commit();
    let shared = repo.sandbox.root.join("shared-attributes");
    fs::write(&shared, "*.png binary\n").unwrap();
    std::os::unix::fs::symlink("../shared-attributes", repo.path.join(".gitattributes")).unwrap();
    for args in [&["init"][..], &["index", "--install-merge-driver"]] {
        let err = repo.fails_untouched(args);
        assert_contains(&err, ".gitattributes");
        assert_contains(&err, "outside the work tree");
    }
    // A link inside the work tree is refused too, and init writes nothing.
    fs::remove_file(repo.path.join(".gitattributes")).unwrap();
    repo.write("attrs/shared", "*.png binary\n");
    std::os::unix::fs::symlink("attrs/shared", repo.path.join(".gitattributes")).unwrap();
    for args in [&["init"][..], &["index", "--install-merge-driver"]] {
        let err = repo.fails_untouched(args);
        assert_contains(&err, ".gitattributes is a symbolic link");
    }
    assert_eq!(repo.read("attrs/shared"), "*.png binary\n");
    assert_eq!(fs::read_to_string(&shared).unwrap(), "*.png binary\n");
    assert_eq!(
        repo.git_try(&["config", "--local", "merge.git-spec-index.driver"])
            .status
            .code(),
        Some(1),
        "no driver defined"
    );
}

#[test]
fn two_files_with_the_same_id_are_two_rows_after_the_merge() {
    // Two offline clones both created SPEC-0002: rows belong to files,
    // so the merged index lists both, as `git spec index` does (and
    // `git spec check` reports the duplicate).
    let repo = base(true);
    branch(&repo, "one", |r| {
        r.write("specs/0002-alpha.md", &spec_text(2, "Alpha"))
    });
    branch(&repo, "two", |r| {
        r.write("specs/0002-beta.md", &spec_text(2, "Beta"))
    });
    repo.git(&["merge", "--no-edit", "one"]);
    assert_index_is_current(&repo, 3);
    let index = repo.read(INDEX);
    let alpha = index.find("](0002-alpha.md)").expect("alpha's row");
    let beta = index.find("](0002-beta.md)").expect("beta's row");
    assert!(alpha < beta, "{index}");
}

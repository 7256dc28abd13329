//! References that survive renumbering: mentions and links in specs, docs
//! and source (`[references] paths`), `previous-ids`, `stale-reference`,
//! and the duplicate a real merge creates, repaired by `renumber <path>`.

use crate::common::*;

const SEARCH: &str = "specs/0022-search.md";

fn spec(number: u64, title: &str, extra_front: &str, body: &str) -> String {
    format!(
        "---\nspec-id: SPEC-{number:04}\ntitle: {title}\nstatus: draft\npriority: medium\n\
         owner: {OWNER}\ncreated: 2026-01-01\nupdated: 2026-01-01\ntags: []\n{extra_front}---\n\n\
         # {title}\n\n{body}\n## Changelog\n\n- 2026-01-01: Initial draft created\n"
    )
}

/// Whole-word occurrences of `needle` (not inside `XSPEC-0022` or
/// `SPEC-00221`) in every file of the work tree (not `.git`), outside
/// lines that are changelog entries or `previous-ids`.
fn count_outside_history(repo: &TestRepo, needle: &str) -> usize {
    let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '-');
    let mut count = 0;
    for (_, text) in repo.snapshot().files {
        for line in text.lines() {
            if line.starts_with("- 2026") || line.starts_with("previous-ids") {
                continue;
            }
            for (at, _) in line.match_indices(needle) {
                let before = line[..at].chars().next_back();
                let after = line[at + needle.len()..].chars().next();
                let after_is_word = after.is_some_and(|c| c.is_alphanumeric() || c == '_');
                if !word(before) && !after_is_word {
                    count += 1;
                }
            }
        }
    }
    count
}

/// SPEC-0022 and ten specs that each mention it three times, link to it
/// once and depend on it (50 references); docs with 15 and source with 15
/// (80 in all), plus look-alikes, a changelog entry naming it, and an
/// ignored file, none of which may change.
fn eighty_references() -> TestRepo {
    let repo = TestRepo::with_commit();
    repo.write(
        ".specrc",
        "[references]\npaths = [\"docs/**/*.md\", \"src/**/*.rs\"]\n",
    );
    repo.write(".gitignore", "/target\n");
    repo.write(
        SEARCH,
        &spec(22, "Search", "", "SPEC-0022 is search itself.\n"),
    );
    for n in 1..=10u64 {
        let body =
            "Needs SPEC-0022 (see [search](0022-search.md)).\nSPEC-0022, and again SPEC-0022.\n\
                    Not SPEC-0022x nor XSPEC-0022.\n";
        let mut text = spec(
            n,
            &format!("Feature {n}"),
            "depends-on: [SPEC-0022]\n",
            body,
        );
        text.push_str("- 2026-01-02: Split from SPEC-0022 by Jane Doe\n");
        repo.write(format!("specs/{n:04}-feature-{n}.md"), &text);
    }
    let mut design = String::from("# Design\n\n");
    for i in 0..5 {
        design.push_str(&format!(
            "Step {i}: SPEC-0022 and SPEC-0022, [link](../specs/0022-search.md#goals).\n"
        ));
    }
    repo.write("docs/design/search.md", &design);
    let mut lib = String::new();
    for i in 0..10 {
        lib.push_str(&format!("// SPEC-0022: rule {i}\nfn f{i}() {{}}\n"));
    }
    repo.write("src/lib.rs", &lib);
    repo.write(
        "src/deep/index.rs",
        "/// SPEC-0022 SPEC-0022 SPEC-0022 SPEC-0022 SPEC-0022\npub fn search() {}\n",
    );
    repo.write("target/generated.rs", "// SPEC-0022 stays: ignored\n");
    repo.write("notes.txt", "SPEC-0022 outside the reference paths\n");
    repo.commit_all("Eighty references");
    repo
}

#[test]
fn renumbering_rewrites_eighty_references_and_leaves_no_stale_one() {
    let repo = eighty_references();
    // 80 references: 65 mentions of the id and 15 links to the file. Then
    // the spec's own id and prose, the ignored file and notes.txt.
    assert_eq!(count_outside_history(&repo, "SPEC-0022"), 65 + 2 + 1 + 1);
    assert_eq!(count_outside_history(&repo, "0022-search.md"), 15);
    let out = repo.spec_ok(&["renumber", "22", "--to", "40", "--commit"]);
    assert_eq!(stdout(&out), "specs/0040-search.md\n");

    // Every reference moved, but the ignored file and the one outside the
    // reference paths; the look-alikes and the changelogs stay.
    assert_eq!(
        count_outside_history(&repo, "SPEC-0022"),
        2,
        "ignored + notes.txt"
    );
    assert_eq!(count_outside_history(&repo, "SPEC-0040"), 65 + 2);
    assert_eq!(count_outside_history(&repo, "0040-search.md"), 15);
    assert_eq!(count_outside_history(&repo, "0022-search.md"), 0);
    assert_contains(
        &repo.read("specs/0001-feature-1.md"),
        "Not SPEC-0022x nor XSPEC-0022.",
    );
    assert_contains(
        &repo.read("specs/0001-feature-1.md"),
        "- 2026-01-02: Split from SPEC-0022 by Jane Doe\n",
    );
    assert_eq!(
        repo.read("target/generated.rs"),
        "// SPEC-0022 stays: ignored\n"
    );
    let renamed = repo.read("specs/0040-search.md");
    assert_contains(&renamed, "spec-id: SPEC-0040\n");
    assert_contains(&renamed, "previous-ids: [SPEC-0022]\n");
    assert_contains(&renamed, "SPEC-0040 is search itself.");
    assert_contains(
        &renamed,
        &format!("- {SPEC_DATE}: Renumbered from SPEC-0022 to SPEC-0040 by {USER_NAME}\n"),
    );

    // One commit: the rename as a rename, and the rewritten files.
    assert_eq!(repo.status_porcelain(), "");
    let changed = repo.git_out(&["show", "--name-status", "-M", "--format=%s", "HEAD"]);
    assert_contains(&changed, "spec(SPEC-0040): renumber from SPEC-0022\n");
    assert_contains(&changed, "specs/0022-search.md\tspecs/0040-search.md");
    assert_eq!(
        changed.lines().filter(|l| l.starts_with("M\t")).count(),
        13,
        "{changed}"
    );

    // Nothing for check to report, now or in the history.
    let check = repo.spec(&["check"]);
    assert_eq!(
        (stdout(&check).as_str(), check.status.code()),
        ("", Some(0)),
        "{}",
        run_text(&check)
    );
    let audit = repo.spec(&["check", "--history"]);
    assert!(
        audit.status.success() && stdout(&audit).is_empty(),
        "{}",
        run_text(&audit)
    );

    // The old id still finds the spec, saying where it went.
    for command in [
        &["show", "22"][..],
        &["log", "SPEC-0022"],
        &["status", "22"],
    ] {
        let out = repo.spec_ok(command);
        assert_contains(&stderr(&out), "note: SPEC-0022 was renumbered to SPEC-0040");
    }

    // A mention of the old id written afterwards is stale, with the new one.
    repo.write("docs/new.md", "# New\n\nSee SPEC-0022.\n");
    let text = repo
        .read("specs/0002-feature-2.md")
        .replace("## Changelog", "Later: SPEC-0022.\n\n## Changelog");
    repo.write("specs/0002-feature-2.md", &text);
    let line = text.lines().position(|l| l.starts_with("Later:")).unwrap() + 1;
    let out = repo.spec(&["check", "--working-tree-only"]);
    assert_eq!(
        stdout(&out),
        format!(
            "docs/new.md:3: stale-reference: mentions SPEC-0022, which was renumbered to SPEC-0040: write SPEC-0040\n\
             specs/0002-feature-2.md:{line}: stale-reference: mentions SPEC-0022, which was renumbered to SPEC-0040: write SPEC-0040\n"
        )
    );
}

#[test]
fn dry_run_shows_every_change_and_changes_nothing() {
    let repo = eighty_references();
    let before = repo.snapshot();
    let out = repo.spec_ok(&["renumber", "22", "--to", "40", "--dry-run"]);
    let diff = stdout(&out);
    assert_contains(
        &diff,
        "rename specs/0022-search.md -> specs/0040-search.md\n",
    );
    for path in [
        "docs/design/search.md",
        "src/lib.rs",
        "src/deep/index.rs",
        "specs/0007-feature-7.md",
    ] {
        assert_contains(&diff, &format!("+++ b/{path}\n"));
    }
    assert_contains(&diff, "+// SPEC-0040: rule 3\n");
    repo.assert_unchanged(&before);
}

#[test]
fn renumbering_twice_keeps_every_previous_id() {
    let repo = eighty_references();
    repo.spec_ok(&["renumber", "22", "--to", "40"]);
    repo.spec_ok(&["renumber", "40", "--to", "41"]);
    let text = repo.read("specs/0041-search.md");
    assert_contains(&text, "previous-ids: [SPEC-0022, SPEC-0040]\n");
    let out = repo.spec_ok(&["show", "22", "--json"]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["id"], "SPEC-0041");
    assert_eq!(count_outside_history(&repo, "SPEC-0041"), 65 + 2);
}

#[test]
fn a_duplicate_from_a_real_merge_is_repaired_by_renumbering_its_path() {
    let (_sandbox, _origin, clones) = team(2);
    let (alice, bob) = (&clones[0], &clones[1]);
    // Both create SPEC-0001 without reservation, each on a branch.
    let (login, _) = alice.new_spec(&["Login"]);
    alice.commit_all("Login");
    alice.git(&["push", "-q", "origin", "spec/0001-login"]);
    let (search, _) = bob.new_spec(&["Search"]);
    let mentions = "Relies on [search](0001-search.md) and on SPEC-0001.\n";
    bob.write("specs/0002-ui.md", &spec(2, "UI", "", mentions));
    bob.commit_all("Search and UI");
    bob.git(&["push", "-q", "origin", "spec/0001-search"]);
    assert_eq!(
        (login.as_str(), search.as_str()),
        ("specs/0001-login.md", "specs/0001-search.md")
    );

    // Alice merges both into main: a duplicate no merge tool sees.
    alice.git(&["switch", "-q", "main"]);
    alice.git(&["fetch", "-q", "origin"]);
    alice.git(&["merge", "-q", "--no-edit", "spec/0001-login"]);
    alice.git(&["merge", "-q", "--no-edit", "origin/spec/0001-search"]);
    let out = alice.spec(&["check", "--working-tree-only"]);
    assert_contains(
        &stdout(&out),
        "specs/0001-search.md:2: duplicate-id: SPEC-0001 is also the id of specs/0001-login.md; give each spec its own id: `git spec renumber specs/0001-search.md` gives this one the next free id\n",
    );
    // By id alone it cannot tell which.
    let err = alice.fails_untouched(&["renumber", "1"]);
    assert_contains(&err, "`git spec renumber <path>`");

    // The command the message names repairs it.
    let out = alice.spec_ok(&["renumber", "specs/0001-search.md", "--commit"]);
    assert_eq!(stdout(&out), "specs/0003-search.md\n");
    assert_contains(&stderr(&out), "mentions of SPEC-0001 were left as they are");
    // The link follows the file; the bare id, which is ambiguous, stays.
    assert_contains(
        &alice.read("specs/0002-ui.md"),
        "Relies on [search](0003-search.md) and on SPEC-0001.\n",
    );
    assert_eq!(alice.status_porcelain(), "");
    alice.git(&["push", "-q", "origin", "main"]);
    let check = alice.spec(&["check", "--against", "origin/main"]);
    assert_eq!(
        (stdout(&check).as_str(), check.status.code()),
        ("", Some(0)),
        "{}",
        run_text(&check)
    );
}

#[test]
fn renumber_by_path_refuses_what_is_not_a_spec_file() {
    let repo = eighty_references();
    std::fs::write(repo.sandbox.root.join("outside.md"), "# Outside\n").unwrap();
    let cases = [
        ("docs/design/search.md", "not a spec file of specs"),
        ("specs/9999-none.md", "no such file"),
        ("../outside.md", "not a spec file of specs"),
    ];
    for (path, message) in cases {
        let err = repo.fails_untouched(&["renumber", path]);
        assert_contains(&err, message);
    }
}

#[test]
fn reference_paths_never_reach_outside_the_work_tree() {
    // A glob that climbs out is refused when .specrc is read, naming it.
    let repo = TestRepo::with_commit();
    repo.write(".specrc", "[references]\npaths = [\"../**/*.md\"]\n");
    let err = assert_failure(&repo.spec(&["list"]));
    assert_contains(&err, ".specrc:2");
    assert_contains(&err, "references.paths");

    // A committed link to a file outside is matched by the glob but never
    // read or written through.
    let repo = eighty_references();
    let outside = repo.sandbox.root.join("outside.md");
    std::fs::write(&outside, "SPEC-0022 outside\n").unwrap();
    std::os::unix::fs::symlink(&outside, repo.path.join("docs/link.md")).unwrap();
    repo.commit_all("A link out");
    repo.spec_ok(&["renumber", "22", "--to", "40"]);
    assert_eq!(
        std::fs::read_to_string(&outside).unwrap(),
        "SPEC-0022 outside\n"
    );
    assert!(std::fs::symlink_metadata(repo.path.join("docs/link.md"))
        .unwrap()
        .file_type()
        .is_symlink());
}

//! The memos under `.git/git-spec/` that spare reading unchanged specs
//! (what each file's `spec-id` says and what its relation lists name, for
//! finding one spec and `show`'s reverse relations; each spec's record,
//! for `list`; what the rules of `check` made of each spec): an
//! optimisation only. Deleted, damaged, or behind a
//! file edited right after they were written, every answer stays the one
//! a full read gives.

use std::fs;
use std::path::PathBuf;

use crate::common::*;

/// Specs 1..=3 in the working tree (uncommitted edits are what the memos
/// must follow), 2 depending on 1 and 3 superseding 1.
fn three_specs() -> TestRepo {
    let repo = TestRepo::with_commit();
    repo.write("specs/0001-alpha.md", &SpecFx::new(1, "Alpha").text());
    let two = SpecFx::new(2, "Bravo")
        .text()
        .replace("tags: []\n", "tags: []\ndepends-on: [SPEC-0001]\n");
    repo.write("specs/0002-bravo.md", &two);
    let three = SpecFx::new(3, "Charlie")
        .text()
        .replace("tags: []\n", "tags: []\nsupersedes: [SPEC-0001]\n");
    repo.write("specs/0003-charlie.md", &three);
    repo.commit_all("three specs");
    repo
}

/// What the commands that read the memos answer, in one string.
fn answers(repo: &TestRepo) -> String {
    let mut all = String::new();
    for args in [
        &["show", "1", "--json"][..],
        &["show", "2"],
        &["show", "3"],
        &["status", "1"],
        &["log", "2"],
        &["list", "--format", "json"],
        &["check"],
        &["check", "--working-tree-only", "--json"],
    ] {
        let out = repo.spec(args);
        all.push_str(&format!(
            "$ git spec {}\n[exit {:?}]\n{}{}\n",
            args.join(" "),
            out.status.code(),
            stdout(&out),
            stderr(&out)
        ));
    }
    all
}

fn memo_files(repo: &TestRepo) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(repo.git_dir().join("git-spec")) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).collect();
    files.sort();
    files
}

/// The names of the memos, without their settings key.
fn memo_kinds(repo: &TestRepo) -> Vec<String> {
    memo_files(repo)
        .iter()
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy();
            name.rsplit_once('-')
                .map_or(name.to_string(), |(kind, _)| kind.to_string())
        })
        .collect()
}

/// Sets a file's mtime back to `mtime` (what an edit that keeps the size
/// and restores the time leaves for the stat data to tell: only ctime).
fn set_mtime(repo: &TestRepo, rel: &str, mtime: std::time::SystemTime) {
    fs::File::options()
        .write(true)
        .open(repo.path.join(rel))
        .unwrap()
        .set_modified(mtime)
        .unwrap();
}

#[test]
fn reads_fill_the_memos_and_answer_as_without_them() {
    let repo = three_specs();
    let cold = answers(&repo);
    assert_contains(&cold, "\"needed_by\": [\n      \"SPEC-0002\"\n    ]");
    assert_contains(&cold, "\"superseded_by\": [\n      \"SPEC-0003\"\n    ]");
    assert_eq!(
        memo_kinds(&repo),
        ["checks", "lookup", "records"],
        "{:?}",
        memo_files(&repo)
    );
    // Now from the memos.
    assert_eq!(answers(&repo), cold);
    // Deleted: the same answers, and the memos come back.
    fs::remove_dir_all(repo.git_dir().join("git-spec")).unwrap();
    assert_eq!(answers(&repo), cold);
    assert_eq!(memo_kinds(&repo), ["checks", "lookup", "records"]);
}

#[test]
fn a_damaged_memo_is_not_trusted() {
    let repo = three_specs();
    let cold = answers(&repo);
    let files = memo_files(&repo);
    assert_eq!(files.len(), 3);
    let originals: Vec<Vec<u8>> = files.iter().map(|f| fs::read(f).unwrap()).collect();
    // Each byte flipped in turn would be slow; flip one in each record
    // area (numbers, names, strings), truncate, append, and write junk.
    for (file, original) in files.iter().zip(&originals) {
        let len = original.len();
        let mut damages: Vec<Vec<u8>> = Vec::new();
        for at in [16, 20, 40, 64, 66, 70, len / 2, len - 9, len - 1] {
            let mut bytes = original.clone();
            bytes[at] ^= 0x01;
            damages.push(bytes);
        }
        damages.push(original[..len - 1].to_vec());
        damages.push(original[..len / 2].to_vec());
        damages.push([original.as_slice(), b"x"].concat());
        damages.push(b"git-spec fids v3 and then junk".to_vec());
        damages.push(Vec::new());
        for damaged in damages {
            fs::write(file, &damaged).unwrap();
            assert_eq!(answers(&repo), cold, "with {} damaged", file.display());
        }
        fs::write(file, original).unwrap();
    }
}

/// Memos written for other files of the same names (another clone's,
/// copied in) are not trusted: the stat data differs.
#[test]
fn a_memo_from_another_clone_is_not_trusted() {
    let repo = three_specs();
    let cold = answers(&repo);
    let other = TestRepo::with_commit();
    // The same names and ids, other titles and no relations.
    other.write("specs/0001-alpha.md", &SpecFx::new(1, "Seven").text());
    other.write("specs/0002-bravo.md", &SpecFx::new(2, "Eight").text());
    other.write("specs/0003-charlie.md", &SpecFx::new(3, "Nine").text());
    answers(&other);
    let (ours, theirs) = (memo_files(&repo), memo_files(&other));
    assert_eq!(memo_kinds(&repo), memo_kinds(&other));
    for (ours, theirs) in ours.iter().zip(&theirs) {
        fs::copy(theirs, ours).unwrap();
    }
    assert_eq!(answers(&repo), cold);
}

/// Edited right after a run wrote the memos, keeping the size and the
/// mtime (git's "racily clean" case: only the ctime, or nothing on a
/// coarse clock, tells the change), a spec is read again.
#[test]
fn an_edit_right_after_the_memo_was_written_is_seen() {
    let repo = three_specs();
    answers(&repo);
    answers(&repo); // the memos now hold every file
    let mtime = fs::metadata(repo.path.join("specs/0002-bravo.md"))
        .unwrap()
        .modified()
        .unwrap();
    // Same size: SPEC-0002 -> SPEC-0004, Bravo -> Delta, the relation
    // dropped for one of the same length.
    let edited = repo
        .read("specs/0002-bravo.md")
        .replace("spec-id: SPEC-0002", "spec-id: SPEC-0004")
        .replace("\"Bravo\"", "\"Delta\"")
        .replace("depends-on: [SPEC-0001]", "depends-on: [SPEC-0003]");
    assert_eq!(edited.len(), repo.read("specs/0002-bravo.md").len());
    repo.write("specs/0002-bravo.md", &edited);
    set_mtime(&repo, "specs/0002-bravo.md", mtime);

    let shown = stdout(&repo.spec_ok(&["show", "4"]));
    assert_contains(&shown, "Title:    Delta\n");
    assert_contains(&shown, "Path:     specs/0002-bravo.md\n");
    assert_contains(&shown, "depends on    SPEC-0003\n");
    let one = stdout(&repo.spec_ok(&["show", "1"]));
    assert!(
        !one.contains("needed by"),
        "SPEC-0001 is no longer needed:\n{one}"
    );
    let three = stdout(&repo.spec_ok(&["show", "3"]));
    assert_contains(&three, "needed by     SPEC-0004\n");
    let err = assert_failure(&repo.spec(&["status", "2"]));
    assert_contains(&err, "no spec SPEC-0002");
    let list: serde_json::Value =
        serde_json::from_str(&stdout(&repo.spec_ok(&["list", "--format", "json"]))).unwrap();
    let titles: Vec<(u64, &str)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["number"].as_u64().unwrap(), r["title"].as_str().unwrap()))
        .collect();
    assert_eq!(titles, [(1, "Alpha"), (3, "Charlie"), (4, "Delta")]);
    // check sees the new id (which no longer matches the name) and the
    // relation that moved.
    let out = repo.spec(&["check", "--working-tree-only"]);
    assert_eq!(
        stdout(&out),
        "specs/0002-bravo.md:2: id-mismatch: spec-id SPEC-0004 does not match the file name 0002-bravo.md (SPEC-0002)\n"
    );
    // `new` counts the edited id too.
    let (path, _) = repo.new_spec(&["--no-branch", "Echo"]);
    assert_eq!(path, "specs/0005-echo.md");

    // All of it again with fresh memos: the same.
    let now = answers(&repo);
    fs::remove_dir_all(repo.git_dir().join("git-spec")).unwrap();
    assert_eq!(answers(&repo), now);
}

/// Deleting, adding and renaming specs between runs: the memos follow the
/// folder.
#[test]
fn the_memos_follow_files_added_removed_and_renamed() {
    let repo = three_specs();
    answers(&repo);
    repo.remove("specs/0003-charlie.md");
    fs::rename(
        repo.path.join("specs/0002-bravo.md"),
        repo.path.join("specs/0009-bravo.md"),
    )
    .unwrap();
    repo.write("specs/0010-foxtrot.md", &SpecFx::new(10, "Foxtrot").text());
    let now = answers(&repo);
    assert_contains(&now, "Path:     specs/0009-bravo.md\n");
    assert!(!now.contains("Charlie"), "{now}");
    fs::remove_dir_all(repo.git_dir().join("git-spec")).unwrap();
    assert_eq!(answers(&repo), now);
    let shown = stdout(&repo.spec_ok(&["show", "10"]));
    assert_contains(&shown, "Title:    Foxtrot\n");
}

/// The memos hold what follows from the settings (the number a file
/// name carries under the file pattern, ids under the prefix): other
/// settings start other memos.
#[test]
fn a_changed_file_pattern_is_not_answered_from_the_old_memo() {
    let repo = TestRepo::with_commit();
    // No spec-id: the file name alone gives the number.
    let text = SpecFx::new(7, "Golf")
        .text()
        .replace("spec-id: SPEC-0007\n", "");
    repo.write("specs/0007-golf.md", &text);
    repo.commit_all("golf");
    for _ in 0..2 {
        assert_contains(&stdout(&repo.spec_ok(&["show", "7"])), "Title:    Golf\n");
    }
    repo.write(".specrc", "[naming]\nfile = \"spec-{id}.md\"\n");
    let err = assert_failure(&repo.spec(&["show", "7"]));
    assert_contains(&err, "no spec SPEC-0007");
    fs::rename(
        repo.path.join("specs/0007-golf.md"),
        repo.path.join("specs/spec-7.md"),
    )
    .unwrap();
    assert_contains(
        &stdout(&repo.spec_ok(&["show", "7"])),
        "Path:     specs/spec-7.md\n",
    );
}

#[test]
fn task_progress_comes_back_from_the_records_memo() {
    let repo = TestRepo::with_commit();
    let text = SpecFx::new(1, "Login").text().replace(
        "## Changelog",
        "1. [x] Done (estimate: 2 hours)\n2. [ ] Left (estimate: 3 hours)\n\n## Changelog",
    );
    repo.write("specs/0001-login.md", &text);
    // Older than the memo will be, so that the second run trusts it.
    let past = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    set_mtime(&repo, "specs/0001-login.md", past);
    let tasks = |repo: &TestRepo| {
        let out = repo.spec_ok(&["list", "--json"]);
        let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
        json[0]["tasks"].clone()
    };
    let first = tasks(&repo);
    assert_eq!(
        first,
        serde_json::json!({"done": 1, "total": 2, "remaining_hours": 3})
    );
    // The second run reads the record from the memo: the same progress.
    assert_eq!(tasks(&repo), first);
}

/// What check's rules made of a spec depends on the settings (required
/// keys, the workflow, priorities): a changed `.specrc` is never answered
/// from the memo of the old one, and going back answers as before.
#[test]
fn check_follows_a_changed_configuration() {
    let repo = three_specs();
    repo.spec_ok(&["check", "--working-tree-only"]);
    repo.spec_ok(&["check", "--working-tree-only"]);
    repo.write(
        ".specrc",
        "[check]\nrequired = [\"reviewer\"]\n\n[priority]\nallowed = [\"p1\"]\ndefault = \"p1\"\n",
    );
    let out = repo.spec(&["check", "--working-tree-only"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    for file in ["0001-alpha", "0002-bravo", "0003-charlie"] {
        assert_contains(
            &text,
            &format!("specs/{file}.md:1: missing-key: required key `reviewer` is missing\n"),
        );
        assert_contains(&text, &format!("specs/{file}.md:5: unknown-priority: "));
    }
    fs::remove_file(repo.path.join(".specrc")).unwrap();
    let out = repo.spec(&["check", "--working-tree-only"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert_eq!(stdout(&out), "");
}

/// `check --fix` appends the entry the memo said was missing, judged on
/// the file as it is, and the next check (from the memo again) is clean.
#[test]
fn check_fix_works_from_the_memo() {
    let repo = three_specs();
    let edited = repo
        .read("specs/0001-alpha.md")
        .replace("status: draft", "status: review");
    repo.write("specs/0001-alpha.md", &edited);
    for _ in 0..2 {
        let out = repo.spec(&["check", "--working-tree-only"]);
        assert_contains(&stdout(&out), "specs/0001-alpha.md:4: unrecorded-status: ");
    }
    let out = repo.spec(&["check", "--working-tree-only", "--fix"]);
    assert_contains(
        &stderr(&out),
        "fixed specs/0001-alpha.md:4: unrecorded-status: appended",
    );
    assert_eq!(stdout(&out), "");
    assert_contains(
        &repo.read("specs/0001-alpha.md"),
        "Status changed from draft to review",
    );
    let out = repo.spec(&["check", "--working-tree-only"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

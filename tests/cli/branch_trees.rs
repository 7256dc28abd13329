//! Branches' spec folders as `new` (the highest number in use) and
//! `list --all-branches` (the specs the working tree lacks) read them:
//! raw, against HEAD's spec folder, with libgit2 for any tree the raw
//! reader will not vouch for. Whatever the trees hold (names that are not
//! UTF-8, subfolders, symbolic links, submodules, other files, entries out
//! of order, old-style modes, trees shared by many refs), the answers are
//! the ones a plain read of every entry gives; and the id memo, deleted,
//! damaged or raced, never changes one.

use std::process::Stdio;

use crate::common::*;

/// One tree entry: (mode, object id, name).
type Entry = (String, String, Vec<u8>);

/// `git ARGS` with `input` on stdin; its stdout, trimmed.
fn git_stdin(repo: &TestRepo, args: &[&str], input: &[u8]) -> String {
    stdout(&repo.git_with_input(args, input)).trim().to_string()
}

/// The entries of tree `rev`.
fn entries(repo: &TestRepo, rev: &str) -> Vec<Entry> {
    let out = repo.git(&["ls-tree", "-z", rev]).stdout;
    out.split(|&b| b == 0)
        .filter(|line| !line.is_empty())
        .map(|line| {
            let tab = line.iter().position(|&b| b == b'\t').unwrap();
            let meta = String::from_utf8(line[..tab].to_vec()).unwrap();
            let fields: Vec<&str> = meta.split(' ').collect();
            (
                fields[0].to_string(),
                fields[2].to_string(),
                line[tab + 1..].to_vec(),
            )
        })
        .collect()
}

/// A well-formed tree of `entries` (git sorts them).
fn mktree(repo: &TestRepo, entries: &[Entry]) -> String {
    let mut input = Vec::new();
    for (mode, id, name) in entries {
        let kind = match mode.as_str() {
            "040000" => "tree",
            "160000" => "commit",
            _ => "blob",
        };
        input.extend_from_slice(format!("{mode} {kind} {id}\t").as_bytes());
        input.extend_from_slice(name);
        input.push(0);
    }
    git_stdin(repo, &["mktree", "-z", "--missing"], &input)
}

/// A tree object of exactly these bytes, which git would not write itself
/// (entries out of order, a mode with a leading zero).
fn literal_tree(repo: &TestRepo, bytes: &[u8]) -> String {
    git_stdin(
        repo,
        &["hash-object", "-t", "tree", "--literally", "-w", "--stdin"],
        bytes,
    )
}

/// The raw bytes of an entry, as a tree object stores it.
fn raw_entry(mode: &str, name: &[u8], id: &str) -> Vec<u8> {
    let mut out = format!("{mode} ").into_bytes();
    out.extend_from_slice(name);
    out.push(0);
    for at in (0..40).step_by(2) {
        out.push(u8::from_str_radix(&id[at..at + 2], 16).unwrap());
    }
    out
}

/// HEAD's spec folder as stored.
fn head_folder_bytes(repo: &TestRepo) -> Vec<u8> {
    repo.git(&["cat-file", "tree", "HEAD:specs"]).stdout
}

/// Points `branch` at a new commit on HEAD whose spec folder is `folder`.
fn branch_with_folder(repo: &TestRepo, branch: &str, folder: &str) -> String {
    let mut root: Vec<Entry> = entries(repo, "HEAD")
        .into_iter()
        .filter(|(_, _, name)| name != b"specs")
        .collect();
    root.push(("040000".into(), folder.into(), b"specs".to_vec()));
    let tree = mktree(repo, &root);
    let commit = repo.git_out(&["commit-tree", &tree, "-p", "HEAD", "-m", branch]);
    repo.git(&["update-ref", &format!("refs/heads/{branch}"), &commit]);
    commit
}

/// HEAD's spec folder with `extra` entries added.
fn folder_plus(repo: &TestRepo, extra: &[Entry]) -> String {
    let mut all = entries(repo, "HEAD:specs");
    all.extend_from_slice(extra);
    mktree(repo, &all)
}

fn blob(repo: &TestRepo, content: &str) -> String {
    repo.hash_object(content)
}

fn spec_blob(repo: &TestRepo, number: u64, title: &str) -> String {
    blob(repo, &SpecFx::new(number, title).text())
}

fn entry(mode: &str, id: &str, name: &[u8]) -> Entry {
    (mode.to_string(), id.to_string(), name.to_vec())
}

/// main with specs 1..=30 committed (named `NNNN-spec.md`).
fn thirty() -> TestRepo {
    let repo = TestRepo::with_commit();
    for number in 1..=30 {
        repo.write(
            format!("specs/{number:04}-spec.md"),
            &SpecFx::new(number, "On main").text(),
        );
    }
    repo.commit_all("thirty specs");
    repo
}

/// The id `new` would give, without changing anything.
fn next_id(repo: &TestRepo) -> String {
    let out = repo.spec_ok(&["new", "--json", "--dry-run", "Next"]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    json["id"].as_str().unwrap().to_string()
}

/// [`next_id`] with no memo, then from the memo it wrote.
fn next_id_cold_and_warm(repo: &TestRepo) -> String {
    let _ = std::fs::remove_dir_all(repo.git_dir().join("git-spec"));
    let cold = next_id(repo);
    assert_eq!(next_id(repo), cold, "from the memo");
    cold
}

// ---------------------------------------------------------------------------
// new: the highest number in every branch's spec folder
// ---------------------------------------------------------------------------

/// Every entry whose name follows the file pattern counts, whatever it
/// is (today's rule: a subfolder, a link or a submodule named like a spec
/// holds its number too); other names do not.
#[test]
fn every_kind_of_entry_counts_by_its_name() {
    type MakeEntry = fn(&TestRepo) -> Entry;
    let cases: Vec<(&str, MakeEntry, &str)> = vec![
        (
            "a name that is not UTF-8",
            |r| entry("100644", &spec_blob(r, 33, "Latin-1"), b"0033-caf\xe9.md"),
            "SPEC-0034",
        ),
        (
            "a subfolder",
            |r| {
                let inner = mktree(r, &[entry("100644", &spec_blob(r, 1, "x"), b"x.md")]);
                entry("040000", &inner, b"0034-folder.md")
            },
            "SPEC-0035",
        ),
        (
            "a symbolic link",
            |r| entry("120000", &blob(r, "0001-spec.md"), b"0035-link.md"),
            "SPEC-0036",
        ),
        (
            "a submodule",
            |r| entry("160000", &r.head_oid().unwrap(), b"0036-module.md"),
            "SPEC-0037",
        ),
        (
            "an executable file",
            |r| entry("100755", &spec_blob(r, 37, "Exec"), b"0037-exec.md"),
            "SPEC-0038",
        ),
        (
            "a file that is not Markdown",
            |r| entry("100644", &spec_blob(r, 38, "Text"), b"0038-notes.txt"),
            "SPEC-0031",
        ),
    ];
    for (what, make, expected) in cases {
        let repo = thirty();
        let extra = make(&repo);
        let folder = folder_plus(&repo, &[extra]);
        branch_with_folder(&repo, "side", &folder);
        assert_eq!(next_id_cold_and_warm(&repo), expected, "{what}");
    }
}

/// Trees git would not write (an entry out of order, a mode with a
/// leading zero, as old git versions wrote) are read as libgit2 reads
/// them.
#[test]
fn odd_trees_are_read_as_libgit2_reads_them() {
    let repo = thirty();
    let base = head_folder_bytes(&repo);
    let first = [
        raw_entry("100644", b"0039-first.md", &spec_blob(&repo, 39, "First")),
        base.clone(),
    ]
    .concat();
    branch_with_folder(&repo, "unsorted", &literal_tree(&repo, &first));
    assert_eq!(next_id_cold_and_warm(&repo), "SPEC-0040");

    let zero = [
        base.clone(),
        raw_entry("0100644", b"0040-zero.md", &spec_blob(&repo, 40, "Zero")),
    ]
    .concat();
    branch_with_folder(&repo, "zero-mode", &literal_tree(&repo, &zero));
    assert_eq!(next_id_cold_and_warm(&repo), "SPEC-0041");

    // The same entry twice.
    let twice = [
        base.clone(),
        raw_entry("100644", b"0041-twice.md", &spec_blob(&repo, 41, "Twice")),
        raw_entry("100644", b"0041-twice.md", &spec_blob(&repo, 41, "Twice")),
    ]
    .concat();
    branch_with_folder(&repo, "twice", &literal_tree(&repo, &twice));
    assert_eq!(next_id_cold_and_warm(&repo), "SPEC-0042");
}

/// A branch missing HEAD's last or middle specs has only its own highest
/// number (HEAD detached elsewhere and the working tree lower, so that
/// nothing else hides a wrong answer).
#[test]
fn branches_with_fewer_specs_than_head_count_what_they_have() {
    let repo = thirty();
    let all = entries(&repo, "HEAD:specs");
    let without = |drop: &[usize]| -> String {
        let kept: Vec<Entry> = all
            .iter()
            .enumerate()
            .filter(|(at, _)| !drop.contains(at))
            .map(|(_, e)| e.clone())
            .collect();
        mktree(&repo, &kept)
    };
    // specs 1..=29, and 1..=28 + 30 with 10..=20 gone.
    branch_with_folder(&repo, "no-last", &without(&[29]));
    let middle: Vec<usize> = (9..20).chain([28]).collect();
    branch_with_folder(&repo, "no-middle", &without(&middle));
    repo.git(&["checkout", "-q", "--detach", "HEAD"]);
    repo.git(&["branch", "-q", "-D", "main"]);
    for number in 27..=30 {
        repo.remove(format!("specs/{number:04}-spec.md"));
    }
    // no-middle has 30.
    assert_eq!(next_id_cold_and_warm(&repo), "SPEC-0031");
    repo.git(&["branch", "-q", "-D", "no-middle"]);
    assert_eq!(next_id_cold_and_warm(&repo), "SPEC-0030");
    repo.git(&["branch", "-q", "-D", "no-last"]);
    assert_eq!(next_id_cold_and_warm(&repo), "SPEC-0027");
}

/// Many refs on one tree, and a branch whose spec folder shares nothing
/// with HEAD's.
#[test]
fn shared_and_unrelated_trees() {
    let repo = thirty();
    let folder = folder_plus(
        &repo,
        &[entry(
            "100644",
            &spec_blob(&repo, 45, "Shared"),
            b"0045-shared.md",
        )],
    );
    for branch in ["a", "b", "c", "d"] {
        branch_with_folder(&repo, branch, &folder);
    }
    let far = mktree(
        &repo,
        &[entry(
            "100644",
            &spec_blob(&repo, 60, "Far"),
            b"0060-far.md",
        )],
    );
    branch_with_folder(&repo, "far", &far);
    assert_eq!(next_id_cold_and_warm(&repo), "SPEC-0061");
    repo.git(&["branch", "-q", "-D", "far"]);
    assert_eq!(next_id_cold_and_warm(&repo), "SPEC-0046");
}

/// A spec folder libgit2 cannot parse fails `new` with libgit2's error,
/// as it always did, rather than being skipped.
#[test]
fn a_tree_libgit2_refuses_is_an_error() {
    let repo = thirty();
    let bad = [head_folder_bytes(&repo), b"100644 truncated".to_vec()].concat();
    branch_with_folder(&repo, "bad", &literal_tree(&repo, &bad));
    let out = repo.spec(&["new", "--json", "--dry-run", "Next"]);
    let err = assert_failure(&out);
    assert_contains(&err, "failed to parse tree");
}

// ---------------------------------------------------------------------------
// The id memo is an optimisation only
// ---------------------------------------------------------------------------

/// A repository with one branch of each odd kind; `new` gives SPEC-0051.
fn odd_branches() -> TestRepo {
    let repo = thirty();
    let base = head_folder_bytes(&repo);
    let inner = mktree(
        &repo,
        &[entry("100644", &spec_blob(&repo, 1, "x"), b"x.md")],
    );
    let folder = folder_plus(
        &repo,
        &[
            entry(
                "100644",
                &spec_blob(&repo, 31, "Latin-1"),
                b"0031-caf\xe9.md",
            ),
            entry("040000", &inner, b"0032-folder.md"),
            entry("120000", &blob(&repo, "0001-spec.md"), b"0033-link.md"),
            entry("160000", &repo.head_oid().unwrap(), b"0034-module.md"),
            entry("100644", &spec_blob(&repo, 35, "Text"), b"0095-notes.txt"),
        ],
    );
    branch_with_folder(&repo, "odd", &folder);
    branch_with_folder(&repo, "odd-twin", &folder);
    let zero = [
        base,
        raw_entry("0100644", b"0050-zero.md", &spec_blob(&repo, 50, "Zero")),
    ]
    .concat();
    branch_with_folder(&repo, "zero-mode", &literal_tree(&repo, &zero));
    repo
}

#[test]
fn a_deleted_or_damaged_id_memo_changes_no_answer() {
    let repo = odd_branches();
    let cold = next_id_cold_and_warm(&repo);
    assert_eq!(cold, "SPEC-0051");
    let memo = repo.git_dir().join("git-spec/ids-cache");
    let original = std::fs::read(&memo).unwrap();
    // Every byte, flipped in turn; then cut short, lengthened, emptied.
    for at in 0..original.len() {
        let mut bytes = original.clone();
        bytes[at] ^= 0x01;
        std::fs::write(&memo, &bytes).unwrap();
        assert_eq!(next_id(&repo), cold, "byte {at} flipped");
    }
    for damaged in [
        original[..original.len() / 2].to_vec(),
        [
            original.as_slice(),
            b"0000000000000000000000000000000000000000 99\n",
        ]
        .concat(),
        Vec::new(),
    ] {
        std::fs::write(&memo, &damaged).unwrap();
        assert_eq!(next_id(&repo), cold);
    }
}

/// Runs that start together, all without a memo, race to write it: each
/// answers the same, and so does the run after them.
#[test]
fn racing_runs_agree() {
    let repo = odd_branches();
    for _ in 0..3 {
        let _ = std::fs::remove_dir_all(repo.git_dir().join("git-spec"));
        let children: Vec<_> = (0..4)
            .map(|_| {
                repo.spec_cmd(&["new", "--json", "--dry-run", "Next"])
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for child in children {
            let out = child.wait_with_output().unwrap();
            assert_success(&out);
            let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
            assert_eq!(json["id"], "SPEC-0051");
        }
        assert_eq!(next_id(&repo), "SPEC-0051");
    }
}

// ---------------------------------------------------------------------------
// list --all-branches: the specs the working tree lacks
// ---------------------------------------------------------------------------

/// What `list --all-branches --format json` says, compactly: the exit
/// code, `id branch path` per row, then stderr.
fn all_branches(repo: &TestRepo) -> String {
    let out = repo.spec(&["list", "--all-branches", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let mut text = format!("exit {:?}\n", out.status.code());
    for row in json.as_array().unwrap() {
        text.push_str(&format!(
            "{} {} {}\n",
            row["id"].as_str().unwrap(),
            row["branch"].as_str().unwrap_or("-"),
            row["path"].as_str().unwrap()
        ));
    }
    text.push_str(&stderr(&out));
    text
}

#[test]
fn all_branches_reads_every_kind_of_tree() {
    let repo = odd_branches();
    let plain = folder_plus(
        &repo,
        &[
            entry("100644", &spec_blob(&repo, 36, "Plain"), b"0036-plain.md"),
            entry(
                "100644",
                &spec_blob(&repo, 37, "Local too"),
                b"0037-local.md",
            ),
            entry("100755", &spec_blob(&repo, 38, "Exec"), b"0038-exec.md"),
            entry("100644", &blob(&repo, "# Read me\n"), b"README.md"),
            entry("100644", &spec_blob(&repo, 39, "Front"), b"notes.md"),
        ],
    );
    branch_with_folder(&repo, "plain", &plain);
    let base = head_folder_bytes(&repo);
    let first = [
        raw_entry("100644", b"0040-first.md", &spec_blob(&repo, 40, "First")),
        base.clone(),
    ]
    .concat();
    branch_with_folder(&repo, "unsorted", &literal_tree(&repo, &first));
    // A branch that deleted specs and changed one: nothing to show.
    let mut fewer: Vec<Entry> = entries(&repo, "HEAD:specs")
        .into_iter()
        .filter(|(_, _, name)| !name.starts_with(b"0005") && !name.starts_with(b"0006"))
        .collect();
    fewer[7].1 = spec_blob(&repo, 10, "Changed");
    branch_with_folder(&repo, "fewer", &mktree(&repo, &fewer));
    // The working tree: SPEC-0003 deleted (every branch still has it; the
    // first by name shows it), SPEC-0037 written but not committed (hides
    // plain's).
    repo.remove("specs/0003-spec.md");
    repo.write(
        "specs/0037-local.md",
        &SpecFx::new(37, "In the working tree").text(),
    );

    let expected = "\
exit Some(1)
SPEC-0001 - specs/0001-spec.md
SPEC-0002 - specs/0002-spec.md
SPEC-0003 fewer specs/0003-spec.md
SPEC-0004 - specs/0004-spec.md
SPEC-0005 - specs/0005-spec.md
SPEC-0006 - specs/0006-spec.md
SPEC-0007 - specs/0007-spec.md
SPEC-0008 - specs/0008-spec.md
SPEC-0009 - specs/0009-spec.md
SPEC-0010 - specs/0010-spec.md
SPEC-0011 - specs/0011-spec.md
SPEC-0012 - specs/0012-spec.md
SPEC-0013 - specs/0013-spec.md
SPEC-0014 - specs/0014-spec.md
SPEC-0015 - specs/0015-spec.md
SPEC-0016 - specs/0016-spec.md
SPEC-0017 - specs/0017-spec.md
SPEC-0018 - specs/0018-spec.md
SPEC-0019 - specs/0019-spec.md
SPEC-0020 - specs/0020-spec.md
SPEC-0021 - specs/0021-spec.md
SPEC-0022 - specs/0022-spec.md
SPEC-0023 - specs/0023-spec.md
SPEC-0024 - specs/0024-spec.md
SPEC-0025 - specs/0025-spec.md
SPEC-0026 - specs/0026-spec.md
SPEC-0027 - specs/0027-spec.md
SPEC-0028 - specs/0028-spec.md
SPEC-0029 - specs/0029-spec.md
SPEC-0030 - specs/0030-spec.md
SPEC-0036 plain specs/0036-plain.md
SPEC-0037 - specs/0037-local.md
SPEC-0038 plain specs/0038-exec.md
SPEC-0039 plain specs/notes.md
SPEC-0040 unsorted specs/0040-first.md
SPEC-0050 zero-mode specs/0050-zero.md
odd:specs/0033-link.md:1: no front matter: the first line must be `---`
";
    assert_eq!(all_branches(&repo), expected);
    // The same from the memos the first run wrote, and without them.
    assert_eq!(all_branches(&repo), expected);
    std::fs::remove_dir_all(repo.git_dir().join("git-spec")).unwrap();
    assert_eq!(all_branches(&repo), expected);
}

#[test]
fn all_branches_with_a_tree_libgit2_refuses_is_an_error() {
    let repo = thirty();
    let bad = [head_folder_bytes(&repo), b"100644 truncated".to_vec()].concat();
    branch_with_folder(&repo, "bad", &literal_tree(&repo, &bad));
    let out = repo.spec(&["list", "--all-branches", "--format", "json"]);
    let err = assert_failure(&out);
    assert_contains(&err, "failed to parse tree");
}

/// `check`'s id-collision rule reads branch folders raw against HEAD's
/// too: a file a branch adds with a working-tree number under another name
/// is a collision, whatever else the tree holds or however it is ordered;
/// a subfolder or submodule named like a spec is none (it is no file).
/// The same findings cold, from the memo, and with the memo deleted.
#[test]
fn check_reads_odd_branch_trees_as_libgit2_reads_them() {
    let repo = thirty();
    let base = head_folder_bytes(&repo);
    let text = |n: u64| spec_blob(&repo, n, "Other");
    // Well-formed: a symbolic link counts (libgit2 calls it a blob), a
    // folder and a submodule do not; one spec removed, one changed.
    let mut changed = entries(&repo, "HEAD:specs");
    changed.retain(|(_, _, name)| name != b"0005-spec.md");
    changed[10].1 = text(12);
    changed.push(entry("120000", &blob(&repo, "target"), b"0002-link.md"));
    let folder = repo.rev_parse("HEAD:specs").unwrap();
    changed.push(entry("040000", &folder, b"0003-folder.md"));
    changed.push(entry(
        "160000",
        &repo.rev_parse("HEAD").unwrap(),
        b"0004-module.md",
    ));
    branch_with_folder(&repo, "kinds", &mktree(&repo, &changed));
    // Plain: one spec added (read raw), one renamed on the branch (no
    // collision: the working tree's name was there and is gone).
    let plain = folder_plus(&repo, &[entry("100644", &text(8), b"0008-other.md")]);
    branch_with_folder(&repo, "plain", &plain);
    let mut renamed = entries(&repo, "HEAD:specs");
    renamed.retain(|(_, _, name)| name != b"0009-spec.md");
    renamed.push(entry("100644", &text(9), b"0009-renamed.md"));
    branch_with_folder(&repo, "renamed", &mktree(&repo, &renamed));
    // Out of order, and an old-style mode: read by libgit2, as before.
    let unsorted = [
        raw_entry("100644", b"0006-first.md", &text(6)),
        base.clone(),
    ]
    .concat();
    branch_with_folder(&repo, "unsorted", &literal_tree(&repo, &unsorted));
    let zero = [
        base.clone(),
        raw_entry("0100644", b"0007-zero.md", &text(7)),
    ]
    .concat();
    branch_with_folder(&repo, "zero-mode", &literal_tree(&repo, &zero));
    let collision = |n: u64, branch: &str, name: &str| {
        format!(
            "specs/{n:04}-spec.md:2: id-collision: SPEC-{n:04} is used for a different spec on branch {branch}: specs/{name}; give one of them a new id (`git spec renumber specs/{n:04}-spec.md` renumbers this one)"
        )
    };
    let expected = [
        collision(2, "kinds", "0002-link.md"),
        collision(6, "unsorted", "0006-first.md"),
        collision(7, "zero-mode", "0007-zero.md"),
        collision(8, "plain", "0008-other.md"),
    ]
    .join("\n")
        + "\n";
    let run = || {
        let out = repo.spec(&["check"]);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        stdout(&out)
    };
    assert_eq!(run(), expected);
    assert_eq!(run(), expected);
    std::fs::remove_dir_all(repo.git_dir().join("git-spec")).unwrap();
    assert_eq!(run(), expected);
}

/// How each branch's spec folder splits against HEAD's is memoised by the
/// two tree ids (`branch-splits`): what the working tree holds is applied
/// after, so a spec written or removed since is seen; and a damaged memo
/// (bytes flipped throughout, cut short, emptied) changes no answer.
#[test]
fn the_split_memo_follows_the_working_tree_and_is_never_trusted_damaged() {
    let repo = odd_branches();
    let plain = folder_plus(
        &repo,
        &[entry(
            "100644",
            &spec_blob(&repo, 36, "Plain"),
            b"0036-plain.md",
        )],
    );
    branch_with_folder(&repo, "plain", &plain);
    let cold = all_branches(&repo);
    assert_contains(&cold, "SPEC-0036 plain specs/0036-plain.md\n");
    let memo = repo.git_dir().join("git-spec/branch-splits");
    let original = std::fs::read(&memo).unwrap();
    assert_eq!(all_branches(&repo), cold);

    // Written in the working tree after the memo: the branch's is hidden.
    repo.write("specs/0036-plain.md", &SpecFx::new(36, "Here").text());
    let here = all_branches(&repo);
    assert_contains(&here, "SPEC-0036 - specs/0036-plain.md\n");
    assert!(!here.contains("SPEC-0036 plain"), "{here}");
    repo.remove("specs/0036-plain.md");
    assert_eq!(all_branches(&repo), cold);

    for at in (0..original.len()).step_by(11) {
        let mut bytes = original.clone();
        bytes[at] ^= 0x01;
        std::fs::write(&memo, &bytes).unwrap();
        assert_eq!(all_branches(&repo), cold, "byte {at} flipped");
    }
    for damaged in [original[..original.len() / 2].to_vec(), Vec::new()] {
        std::fs::write(&memo, &damaged).unwrap();
        assert_eq!(all_branches(&repo), cold);
    }
}

// ---------------------------------------------------------------------------
// packed trees: read in pieces of their delta chains
// ---------------------------------------------------------------------------

/// What `new`, `list --all-branches`, `check` and `log` say of a
/// repository, each from no memo.
fn every_answer(repo: &TestRepo) -> String {
    let _ = std::fs::remove_dir_all(repo.git_dir().join("git-spec"));
    let mut text = format!("new: {}\n", next_id(repo));
    let _ = std::fs::remove_dir_all(repo.git_dir().join("git-spec"));
    text.push_str(&all_branches(repo));
    let _ = std::fs::remove_dir_all(repo.git_dir().join("git-spec"));
    let check = repo.spec(&["check"]);
    text.push_str(&format!(
        "check: exit {:?}\n{}{}",
        check.status.code(),
        stdout(&check),
        stderr(&check)
    ));
    for number in ["7", "150", "299"] {
        let log = repo.spec(&["log", number]);
        text.push_str(&format!("log {number}: {}{}", stdout(&log), stderr(&log)));
    }
    text
}

/// Once the objects are packed (deltas 50 deep, as a clone's are), trees
/// are compared and searched in pieces of their delta chains rather than
/// rebuilt: every answer is the one the loose objects gave, for branches
/// that add, remove, rename and change specs, for branches built on each
/// other, for odd trees and for a history that changes one spec. (That
/// pieces give the splits and entries the bytes give, rather than leave a
/// tree to libgit2, is tested in `raw_tree` and `pack`.)
#[test]
fn packed_trees_give_the_answers_loose_trees_give() {
    let repo = TestRepo::with_commit();
    for number in 1..=300 {
        repo.write(
            format!("specs/{number:04}-spec.md"),
            &SpecFx::new(number, "On main").text(),
        );
    }
    repo.commit_all("three hundred specs");
    for (step, status) in ["review", "approved"].iter().enumerate() {
        for number in [7, 150, 299] {
            let mut spec = SpecFx::new(number, "On main");
            spec.status = status;
            spec.updated = ["2026-02-01", "2026-03-01"][step];
            repo.write(format!("specs/{number:04}-spec.md"), &spec.text());
        }
        repo.commit_all(&format!("specs to {status}"));
    }
    let text = |n: u64| spec_blob(&repo, n, "Other");
    // A chain of branches, each one spec more than the one before.
    let mut extra = Vec::new();
    for step in 0..6u64 {
        extra.push(entry(
            "100644",
            &text(301 + step),
            format!("{:04}-branch.md", 301 + step).as_bytes(),
        ));
        branch_with_folder(&repo, &format!("chain-{step}"), &folder_plus(&repo, &extra));
    }
    // Removed, renamed, changed, colliding, and odd kinds.
    let mut changed = entries(&repo, "HEAD:specs");
    changed.retain(|(_, _, name)| name != b"0005-spec.md" && name != b"0200-spec.md");
    changed[100].1 = text(102);
    changed.push(entry("100644", &text(200), b"0200-renamed.md"));
    changed.push(entry("120000", &blob(&repo, "target"), b"0002-link.md"));
    let folder = repo.rev_parse("HEAD:specs").unwrap();
    changed.push(entry("040000", &folder, b"0003-folder.md"));
    branch_with_folder(&repo, "changed", &mktree(&repo, &changed));
    let mut front = entries(&repo, "HEAD:specs");
    front.retain(|(_, _, name)| name != b"0001-spec.md");
    front.push(entry("100644", &text(1), b"0001-first.md"));
    branch_with_folder(&repo, "front", &mktree(&repo, &front));
    let base = head_folder_bytes(&repo);
    let unsorted = [
        raw_entry("100644", b"0006-first.md", &text(6)),
        base.clone(),
    ]
    .concat();
    branch_with_folder(&repo, "unsorted", &literal_tree(&repo, &unsorted));
    let zero = [base, raw_entry("0100644", b"0007-zero.md", &text(7))].concat();
    branch_with_folder(&repo, "zero-mode", &literal_tree(&repo, &zero));

    let loose = every_answer(&repo);
    assert_contains(&loose, "new: SPEC-0307");
    assert_contains(&loose, "SPEC-0306 chain-5 specs/0306-branch.md");
    assert_contains(
        &loose,
        "id-collision: SPEC-0006 is used for a different spec on branch unsorted",
    );
    assert_contains(&loose, "approved");
    repo.git(&["repack", "-adfq", "--depth=50", "--window=50"]);
    repo.git(&["prune-packed"]);
    let counted = repo.git_out(&["count-objects", "-v"]);
    assert_contains(&counted, "count: 0");
    assert_eq!(every_answer(&repo), loose);
    assert_eq!(repo.git_out(&["status", "--porcelain"]), "");
}

/// A pack damaged anywhere (a byte changed in object headers, delta
/// instructions, compressed streams) never makes the readers of packed
/// trees panic or answer from garbage: each command either gives the
/// answer of the undamaged pack or fails, saying why.
#[test]
fn a_damaged_pack_gives_the_right_answer_or_an_error() {
    let repo = thirty();
    let text = |n: u64| spec_blob(&repo, n, "Other");
    let mut extra = Vec::new();
    for step in 0..4u64 {
        extra.push(entry(
            "100644",
            &text(31 + step),
            format!("{:04}-branch.md", 31 + step).as_bytes(),
        ));
        branch_with_folder(&repo, &format!("b-{step}"), &folder_plus(&repo, &extra));
    }
    repo.git(&["repack", "-adfq", "--depth=50", "--window=50"]);
    repo.git(&["prune-packed"]);
    let commands: [&[&str]; 4] = [
        &["new", "--json", "--dry-run", "Next"],
        &["list", "--all-branches", "--format", "json"],
        &["check"],
        &["log", "7"],
    ];
    // Each command's exit code and output, from no memo.
    let run = |args: &[&str]| {
        let _ = std::fs::remove_dir_all(repo.git_dir().join("git-spec"));
        let out = repo.spec(args);
        (out.status.code(), stdout(&out), stderr(&out))
    };
    let good: Vec<_> = commands.iter().map(|args| run(args)).collect();
    assert_contains(&good[0].1, "SPEC-0035");
    assert_eq!(good[0].0, Some(0));
    let pack_dir = repo.git_dir().join("objects/pack");
    let pack = std::fs::read_dir(&pack_dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .find(|path| path.extension().is_some_and(|e| e == "pack"))
        .unwrap();
    let original = std::fs::read(&pack).unwrap();
    // Past the 12-byte header, up to the trailing checksum.
    let body = 12..original.len() - 20;
    let mut failed = 0;
    for k in 0..24 {
        let at = body.start + (body.len() * k) / 24 + k;
        for value in [0x00, 0xff, original[at] ^ 0x40] {
            let mut damaged = original.clone();
            damaged[at] = value;
            std::fs::remove_file(&pack).unwrap();
            std::fs::write(&pack, &damaged).unwrap();
            for (args, good) in commands.iter().zip(&good) {
                let (code, out, err) = run(args);
                let what = format!("byte {at} = {value:#x}, {args:?}: {err}");
                assert!(!err.contains("panicked") && code != Some(101), "{what}");
                if code == good.0 && out == good.1 {
                    continue;
                }
                // Not the good answer: then an error, said on stderr.
                failed += 1;
                assert!(code != Some(0) && code != good.0, "{what}\n{out}");
                assert!(!err.trim().is_empty(), "{what}");
            }
        }
    }
    assert!(failed > 0, "some damage is noticed");
    std::fs::remove_file(&pack).unwrap();
    std::fs::write(&pack, &original).unwrap();
    let again: Vec<_> = commands.iter().map(|args| run(args)).collect();
    assert_eq!(again, good);
}

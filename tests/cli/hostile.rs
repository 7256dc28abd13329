//! Hostile repositories: a clone whose `.specrc`, committed symbolic links,
//! templates, file names or git state try to make `git spec` run a
//! command, read or write outside the repository, leak a secret, lose an
//! edit or mix into a git operation. Each case checks that nothing ran
//! (no `PWNED` file anywhere in the sandbox), that nothing outside the
//! repository changed (a canary folder and the sandbox home, every path,
//! byte and mode), that the refusal names the key or file and its value,
//! and where it matters that the repository is as it was.
//!
//! Terminal escapes in repository data are covered by the `terminal` module.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{symlink, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::common::*;

// ===========================================================================
// Helpers
// ===========================================================================

/// Every entry under a folder: relative path (folders end with `/`) ->
/// (mode, content), the content of a symbolic link being its target.
/// Empty when the folder does not exist.
type Fingerprint = BTreeMap<String, (u32, Vec<u8>)>;

fn fingerprint(root: &Path) -> Fingerprint {
    fn walk(root: &Path, dir: &Path, out: &mut Fingerprint) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            let rel = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let meta = path.symlink_metadata().unwrap();
            if meta.file_type().is_symlink() {
                let target = fs::read_link(&path).unwrap();
                out.insert(rel, (meta.mode(), target.as_os_str().as_bytes().to_vec()));
            } else if meta.is_dir() {
                out.insert(format!("{rel}/"), (meta.mode(), Vec::new()));
                walk(root, &path, out);
            } else {
                out.insert(rel, (meta.mode(), fs::read(&path).unwrap()));
            }
        }
    }
    let mut out = Fingerprint::new();
    walk(root, root, &mut out);
    out
}

/// Title of the spec in the canary folder that must never be shown.
const SECRET_TITLE: &str = "SECRET";

/// The folders outside the repository that hostile content aims at: a
/// `canary` folder beside the repository (with a spec, a secret spec, a
/// `.specrc`, a template, a sub-folder) and the sandbox's home (with a
/// `.bashrc` and an SSH key), fingerprinted when made.
struct Canary {
    dir: PathBuf,
    home: PathBuf,
    before: (Fingerprint, Fingerprint),
}

impl Canary {
    fn new(sandbox: &Sandbox) -> Canary {
        let dir = sandbox.mkdir("canary");
        fs::write(dir.join("file.md"), "# A file outside the repository\n").unwrap();
        fs::write(dir.join("secret.md"), SpecFx::new(5, SECRET_TITLE).text()).unwrap();
        fs::write(dir.join("0001-victim.md"), SpecFx::new(1, "Victim").text()).unwrap();
        fs::write(dir.join("specrc"), "dir = \"specs\"\n").unwrap();
        fs::write(
            dir.join("t.md"),
            "---\nspec-id: {{SPEC_ID}}\ntitle: {{TITLE}}\nstatus: {{STATUS}}\npriority: {{PRIORITY}}\n\
             owner: {{OWNER}}\ncreated: {{CREATED}}\nupdated: {{UPDATED}}\ntags: {{TAGS}}\n---\n\n\
             # {{TITLE}}\n\nCANARY-TEMPLATE\n\n## Changelog\n",
        )
        .unwrap();
        fs::create_dir_all(dir.join("sub")).unwrap();
        fs::write(dir.join("sub/keep.txt"), "keep\n").unwrap();
        fs::set_permissions(dir.join("sub/keep.txt"), fs::Permissions::from_mode(0o600)).unwrap();
        let home = sandbox.home.clone();
        fs::write(home.join(".bashrc"), "# the user's shell startup\n").unwrap();
        fs::create_dir_all(home.join(".ssh")).unwrap();
        fs::write(home.join(".ssh/id"), "SSH-PRIVATE-KEY-CANARY\n").unwrap();
        let before = (fingerprint(&dir), fingerprint(&home));
        Canary { dir, home, before }
    }

    #[track_caller]
    fn assert_unchanged(&self) {
        for (dir, before) in [(&self.dir, &self.before.0), (&self.home, &self.before.1)] {
            let changed = changed_paths(before, &fingerprint(dir));
            assert!(
                changed.is_empty(),
                "outside the repository, {} changed: {changed:?}",
                dir.display()
            );
        }
    }
}

/// Everything of a repository a hostile run could change: HEAD (its
/// target, its commit, the bytes of `.git/HEAD`), refs, the index,
/// `git status`, every working-tree file (path, bytes, mode), the bytes of
/// `.git/config`, every hook, and git-spec's lock files.
#[derive(Debug, PartialEq)]
struct RepoState {
    head: Option<String>,
    head_oid: Option<String>,
    head_file: Vec<u8>,
    refs: Vec<String>,
    index: String,
    status: String,
    files: Fingerprint,
    config: Vec<u8>,
    hooks: Fingerprint,
    locks: Fingerprint,
}

fn repo_state(repo: &TestRepo) -> RepoState {
    let git_dir = repo.git_dir();
    let mut files = fingerprint(&repo.path);
    files.retain(|path, _| path != ".git" && !path.starts_with(".git/"));
    RepoState {
        head: repo.head_ref(),
        head_oid: repo.head_oid(),
        head_file: fs::read(git_dir.join("HEAD")).unwrap(),
        refs: repo.refs(),
        index: repo.index_entries(),
        status: repo.status_porcelain(),
        files,
        config: fs::read(git_dir.join("config")).unwrap(),
        hooks: fingerprint(&git_dir.join("hooks")),
        // Locks must be released after a refusal.
        locks: fingerprint(&git_dir.join("git-spec"))
            .into_iter()
            .filter(|(name, _)| name.ends_with(".lock") || name.ends_with(".lock/"))
            .collect(),
    }
}

/// The paths whose entry differs between two fingerprints.
fn changed_paths(before: &Fingerprint, after: &Fingerprint) -> Vec<String> {
    let mut paths: Vec<String> = before
        .keys()
        .chain(after.keys())
        .filter(|path| before.get(*path) != after.get(*path))
        .cloned()
        .collect();
    paths.dedup();
    paths
}

#[track_caller]
fn assert_repo_unchanged(repo: &TestRepo, before: &RepoState) {
    let after = repo_state(repo);
    if &after == before {
        return;
    }
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    let mut changes = Vec::new();
    if (&before.head, &before.head_oid) != (&after.head, &after.head_oid) {
        changes.push(format!(
            "HEAD: {:?} {:?} -> {:?} {:?}",
            before.head, before.head_oid, after.head, after.head_oid
        ));
    }
    if before.head_file != after.head_file {
        changes.push(format!(
            ".git/HEAD: {:?} -> {:?}",
            text(&before.head_file),
            text(&after.head_file)
        ));
    }
    if before.refs != after.refs {
        changes.push(format!("refs: {:?} -> {:?}", before.refs, after.refs));
    }
    if before.index != after.index {
        changes.push(format!("index:\n{}->\n{}", before.index, after.index));
    }
    if before.status != after.status {
        changes.push(format!(
            "git status:\n{}->\n{}",
            before.status, after.status
        ));
    }
    if before.config != after.config {
        changes.push(format!(
            ".git/config:\n{}->\n{}",
            text(&before.config),
            text(&after.config)
        ));
    }
    for (what, old, new) in [
        ("working-tree files", &before.files, &after.files),
        ("hooks", &before.hooks, &after.hooks),
        ("git-spec locks", &before.locks, &after.locks),
    ] {
        let paths = changed_paths(old, new);
        if !paths.is_empty() {
            changes.push(format!("{what}: {paths:?}"));
        }
    }
    panic!("the repository changed:\n{}", changes.join("\n"));
}

/// Asserts a reported failure (non-zero, no panic) whose stderr contains
/// every needle; returns stderr.
#[track_caller]
fn assert_refused(out: &Output, needles: &[&str]) -> String {
    let err = assert_failure(out);
    for needle in needles {
        assert!(
            err.contains(needle),
            "expected {needle:?} in the error message:\n{err}"
        );
    }
    err
}

/// Asserts that no file named `PWNED` exists anywhere in the sandbox (the
/// repositories, the canary, home) or in the test's own folder.
#[track_caller]
fn assert_no_pwned(sandbox: &Sandbox) {
    fn find(dir: &Path, found: &mut Vec<PathBuf>) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        for entry in entries {
            let entry = entry.unwrap();
            if entry.file_name() == "PWNED" {
                found.push(entry.path());
            }
            if entry.file_type().unwrap().is_dir() {
                find(&entry.path(), found);
            }
        }
    }
    let mut found = Vec::new();
    find(&sandbox.root, &mut found);
    let here = std::env::current_dir().unwrap().join("PWNED");
    if here.exists() {
        found.push(here);
    }
    assert!(found.is_empty(), "a command ran: {found:?}");
}

/// Asserts that `needle` is in no file under `root` (`.git` included) and
/// in neither output stream.
#[track_caller]
fn assert_nowhere(root: &Path, out: &Output, needle: &str) {
    assert!(
        !stdout(out).contains(needle),
        "{needle} on stdout:\n{}",
        stdout(out)
    );
    assert!(
        !stderr(out).contains(needle),
        "{needle} on stderr:\n{}",
        stderr(out)
    );
    for (path, (_, content)) in fingerprint(root) {
        assert!(
            !String::from_utf8_lossy(&content).contains(needle),
            "{needle} was written to {path}"
        );
    }
}

/// Runs a command, failing the test (after killing it) if it has not
/// ended within `limit`.
fn output_within(cmd: &mut Command, limit: Duration) -> Output {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cannot start the command");
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{cmd:?} still ran after {limit:?}: it hangs");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

fn spawn(repo: &TestRepo, args: &[&str]) -> Child {
    repo.spec_cmd(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cannot start git-spec")
}

/// A repository with one commit and a configured `origin` remote (a bare
/// repository of the sandbox), as a user who reserves ids would have.
fn repo_with_origin() -> (TestRepo, PathBuf) {
    let repo = TestRepo::with_commit();
    let origin = repo.sandbox.init_bare("origin.git");
    repo.git(&["remote", "add", "origin", origin.to_str().unwrap()]);
    repo.git(&["push", "-q", "origin", "main"]);
    (repo, origin)
}

#[test]
fn the_helpers_notice_what_they_guard_against() {
    let repo = TestRepo::with_commit();
    let canary = Canary::new(&repo.sandbox);
    // A mode change alone is a change.
    fs::set_permissions(
        canary.dir.join("file.md"),
        fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    let caught = std::panic::catch_unwind(|| canary.assert_unchanged());
    assert!(caught.is_err(), "a mode change went unnoticed");

    let before = repo_state(&repo);
    fs::write(repo.git_dir().join("hooks/pre-commit"), "#!/bin/sh\n").unwrap();
    let caught = std::panic::catch_unwind(|| assert_repo_unchanged(&repo, &before));
    assert!(caught.is_err(), "a new hook went unnoticed");

    fs::write(repo.path.join("specs-PWNED-not"), "").unwrap();
    assert_no_pwned(&repo.sandbox);
    fs::create_dir_all(repo.sandbox.root.join("deep/er")).unwrap();
    fs::write(repo.sandbox.root.join("deep/er/PWNED"), "").unwrap();
    let caught = std::panic::catch_unwind(|| assert_no_pwned(&repo.sandbox));
    assert!(caught.is_err(), "a PWNED file went unnoticed");

    let out = repo.spec(&["list"]);
    let caught = std::panic::catch_unwind(|| assert_refused(&out, &["x"]));
    assert!(caught.is_err(), "a success went unnoticed");
}

// ===========================================================================
// 1-2. `[id] reserve`: options, transports and other people's repositories
// ===========================================================================

const UPLOAD_PACK: &str = "--upload-pack=touch PWNED";

#[test]
fn reserve_that_is_a_git_option_runs_nothing() {
    let (repo, origin) = repo_with_origin();
    repo.write(".specrc", &format!("[id]\nreserve = \"{UPLOAD_PACK}\"\n"));
    repo.commit_all("hostile .specrc");
    let canary = Canary::new(&repo.sandbox);
    let origin_refs = bare_git(&repo.sandbox, &origin, &["for-each-ref"]);
    let before = repo_state(&repo);
    let quoted = format!("{UPLOAD_PACK:?}");
    let from_specrc: &[&str] = &["[id] reserve", &quoted, "not a remote"];
    let from_flag: &[&str] = &["--reserve", &quoted, "not a remote"];
    let from_line: &[&str] = &["the command line", &quoted, "not a remote"];
    let reserve_flag = format!("--reserve={UPLOAD_PACK}");
    let cases: &[(&[&str], &[&str])] = &[
        (&["fetch"], from_specrc),
        (&["new", "--reserve", "T"], from_specrc),
        (&["new", "T"], from_specrc),
        (&["new", "--no-branch", "T"], from_specrc),
        (&["new", "--commit", "T"], from_specrc),
        (&["new", &reserve_flag, "T"], from_flag),
        (&["fetch", "--", UPLOAD_PACK], from_line),
        // Without `--` clap takes it for an unknown option.
        (&["fetch", UPLOAD_PACK], &[]),
    ];
    for (args, needles) in cases {
        let out = repo.spec(args);
        assert_refused(&out, needles);
        assert_no_pwned(&repo.sandbox);
        assert!(!repo.exists("specs"), "{args:?} created a spec");
        assert_repo_unchanged(&repo, &before);
        canary.assert_unchanged();
    }
    // The same value from the user's own `git spec fetch` in another repo
    // without a .specrc: still not a remote.
    let plain = repo.sandbox.init_repo("plain");
    let out = plain.spec(&["fetch", "--", UPLOAD_PACK]);
    assert_refused(&out, from_line);
    assert_no_pwned(&repo.sandbox);
    assert_eq!(
        bare_git(&repo.sandbox, &origin, &["for-each-ref"]),
        origin_refs
    );
}

#[test]
fn reserve_on_the_fd_transport_is_refused_without_hanging() {
    let (repo, _origin) = repo_with_origin();
    repo.write(".specrc", "[id]\nreserve = \"fd::3\"\n");
    let canary = Canary::new(&repo.sandbox);
    let before = repo_state(&repo);
    for args in [
        &["new", "T"][..],
        &["new", "--reserve", "T"],
        &["new", "--reserve=fd::3", "T"],
        &["fetch"],
        &["fetch", "fd::3"],
    ] {
        let out = output_within(&mut repo.spec_cmd(args), Duration::from_secs(20));
        assert_refused(&out, &["\"fd::3\"", "not a remote"]);
        assert!(!repo.exists("specs"), "{args:?} created a spec");
        assert_repo_unchanged(&repo, &before);
    }
    canary.assert_unchanged();
}

#[test]
fn reserve_on_a_path_or_url_of_another_repository_is_refused() {
    let (repo, _origin) = repo_with_origin();
    let other = repo.sandbox.init_bare("other.git");
    let canary = Canary::new(&repo.sandbox);
    let url = format!("file://{}", other.display());
    for value in [other.to_str().unwrap(), url.as_str()] {
        repo.write(".specrc", &format!("[id]\nreserve = \"{value}\"\n"));
        let before = repo_state(&repo);
        assert_eq!(bare_git(&repo.sandbox, &other, &["for-each-ref"]), "");
        let quoted = format!("{value:?}");
        for args in [&["new", "T"][..], &["new", "--reserve", "T"], &["fetch"]] {
            let out = repo.spec(args);
            assert_refused(&out, &["[id] reserve", &quoted, "not a remote", "origin"]);
            assert!(!repo.exists("specs"), "{args:?} created a spec");
            assert_repo_unchanged(&repo, &before);
        }
        let flag = format!("--reserve={value}");
        let out = repo.spec(&["new", &flag, "T"]);
        assert_refused(&out, &["--reserve", &quoted, "not a remote"]);
        assert_repo_unchanged(&repo, &before);
        assert_eq!(
            bare_git(&repo.sandbox, &other, &["for-each-ref"]),
            "",
            "{value}: the other repository got refs"
        );
    }
    canary.assert_unchanged();
}

#[test]
fn reserve_on_a_configured_remote_still_works() {
    let (repo, origin) = repo_with_origin();
    repo.write(".specrc", "[id]\nreserve = \"origin\"\n");
    let (path, _) = repo.new_spec(&["T"]);
    assert_eq!(path, "specs/0001-t.md");
    assert_eq!(remote_reserved(&repo.sandbox, &origin), [1].into());
    let out = repo.spec(&["fetch"]);
    assert_success(&out);
    assert_contains(&stdout(&out), "1 reserved ids from origin");
}

// ===========================================================================
// 3. `[index] file` aimed at hooks, git's config, or outside the repository
// ===========================================================================

/// An executable pre-commit hook, so that an index written over it would
/// run on the next commit.
fn install_harmless_hook(repo: &TestRepo) {
    let hook = repo.git_dir().join("hooks/pre-commit");
    fs::write(&hook, "#!/bin/sh\nexit 0\n").unwrap();
    fs::set_permissions(&hook, fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn index_file_outside_the_work_tree_or_in_git_is_refused() {
    let repo = TestRepo::with_commit();
    let canary = Canary::new(&repo.sandbox);
    repo.new_spec(&["--no-branch", "First"]);
    repo.write(".husky/pre-commit", "#!/bin/sh\nnpm test\n");
    repo.commit_all("a spec and a husky hook");
    install_harmless_hook(&repo);
    let absolute = canary.dir.join("x.md");
    for value in [
        ".git/hooks/pre-commit",
        ".git/config",
        "../x.md",
        absolute.to_str().unwrap(),
        "../home/.bashrc",
        ".husky/pre-commit",
        "docs/../../x.md",
        ".GIT/hooks/x.md",
        "./.git/x.md",
    ] {
        repo.write(".specrc", &format!("[index]\nfile = \"{value}\"\n"));
        let before = repo_state(&repo);
        // Shown as git names it, without the leading `./`.
        let quoted = format!("{:?}", value.trim_start_matches("./"));
        for args in [
            &["index"][..],
            &["index", "--check"],
            &["list"],
            &["check"],
            &["new", "T"],
        ] {
            let out = repo.spec(args);
            assert_refused(&out, &[".specrc:2", "index.file", &quoted]);
            assert_repo_unchanged(&repo, &before);
            canary.assert_unchanged();
        }
    }
    assert!(!repo.sandbox.root.join("x.md").exists());
    assert_no_pwned(&repo.sandbox);
}

#[test]
fn a_refused_index_leaves_no_hook_for_the_next_commit_to_run() {
    let repo = TestRepo::with_commit();
    let canary = Canary::new(&repo.sandbox);
    repo.new_spec(&["--no-branch", "--", "$(touch PWNED) `touch PWNED`"]);
    repo.commit_all("a spec with shell in its title");
    install_harmless_hook(&repo);
    for (value, hooks_path) in [
        (".git/hooks/pre-commit", None),
        (".husky/pre-commit", Some(".husky")),
        (".husky/pre-commit.md", Some(".husky")),
    ] {
        if let Some(hooks_path) = hooks_path {
            repo.git(&["config", "core.hooksPath", hooks_path]);
        }
        repo.write(".specrc", &format!("[index]\nfile = \"{value}\"\n"));
        let before = repo_state(&repo);
        let out = repo.spec(&["index"]);
        if value.ends_with(".md") && hooks_path.is_some() {
            // Inside the work tree and a Markdown file: allowed, and git
            // runs `pre-commit`, not `pre-commit.md`.
            assert_success(&out);
        } else {
            assert_refused(&out, &["index.file", &format!("{value:?}")]);
            assert_repo_unchanged(&repo, &before);
        }
        repo.commit_all(&format!("commit after index = {value}"));
        assert_no_pwned(&repo.sandbox);
        canary.assert_unchanged();
    }
}

// ===========================================================================
// 4. Committed symbolic links and `dir` in the git dir
// ===========================================================================

/// The commands that open a project through `.specrc` and its paths, with
/// a spec 1 to act on where one is needed.
const PROJECT_COMMANDS: &[&[&str]] = &[
    &["new", "T"],
    &["new", "--no-branch", "T"],
    &["index"],
    &["list"],
    &["status", "1"],
    &["status", "1", "review"],
    &["show", "1"],
    &["check"],
];

/// Runs every command of [`PROJECT_COMMANDS`] (and `init`, when asked)
/// and asserts each is refused with `needles`, changing nothing.
#[track_caller]
fn assert_all_refused(repo: &TestRepo, canary: &Canary, with_init: bool, needles: &[&str]) {
    let before = repo_state(repo);
    let init: &[&[&str]] = if with_init { &[&["init"]] } else { &[] };
    for args in PROJECT_COMMANDS.iter().chain(init) {
        let out = repo.spec(args);
        let err = assert_failure(&out);
        for needle in needles {
            assert!(
                err.contains(needle),
                "git spec {args:?}: expected {needle:?} in the error message:\n{err}"
            );
        }
        assert_repo_unchanged(repo, &before);
        canary.assert_unchanged();
    }
}

/// A repository with one commit and the canary beside it.
fn repo_and_canary() -> (TestRepo, Canary) {
    let repo = TestRepo::with_commit();
    let canary = Canary::new(&repo.sandbox);
    (repo, canary)
}

#[test]
fn spec_folder_linked_out_of_the_repository_is_refused() {
    let (repo, canary) = repo_and_canary();
    symlink("../canary", repo.path.join("specs")).unwrap();
    repo.commit_all("specs -> ../canary");
    let link = repo.path.join("specs");
    let link = link.to_str().unwrap();
    assert_all_refused(
        &repo,
        &canary,
        true,
        &[
            "dir = \"specs\"",
            "leads outside the work tree",
            link,
            "canary",
        ],
    );
}

#[test]
fn spec_folder_linked_to_nowhere_is_refused() {
    let (repo, canary) = repo_and_canary();
    symlink("../canary/missing", repo.path.join("specs")).unwrap();
    repo.commit_all("specs -> ../canary/missing");
    let link = repo.path.join("specs");
    let link = link.to_str().unwrap();
    assert_all_refused(
        &repo,
        &canary,
        true,
        &["dir = \"specs\"", "cannot resolve", link],
    );
    assert!(!canary.dir.join("missing").exists());
}

#[test]
fn templates_folder_linked_out_of_the_repository_is_refused() {
    let (repo, canary) = repo_and_canary();
    symlink("../canary", repo.path.join("templates")).unwrap();
    repo.commit_all("templates -> ../canary");
    // `init` would write templates/spec.md (and .specrc, which it checks
    // first, would point at it).
    let before = repo_state(&repo);
    let out = repo.spec(&["init"]);
    assert_refused(
        &out,
        &["templates/spec.md", "leads outside the work tree", "canary"],
    );
    assert!(!repo.exists(".specrc"));
    assert_repo_unchanged(&repo, &before);
    canary.assert_unchanged();

    // A .specrc that uses a template through the link.
    repo.write(".specrc", "template = \"templates/t.md\"\n");
    repo.commit_all("template through the link");
    let link = repo.path.join("templates");
    let link = link.to_str().unwrap();
    assert_all_refused(
        &repo,
        &canary,
        false,
        &[
            "template = \"templates/t.md\"",
            "leads outside the work tree",
            link,
        ],
    );
}

#[test]
fn index_file_linked_out_of_the_repository_is_refused() {
    let (repo, canary) = repo_and_canary();
    repo.new_spec(&["--no-branch", "First"]);
    symlink("../../canary/file.md", repo.path.join("specs/README.md")).unwrap();
    repo.commit_all("specs/README.md -> ../../canary/file.md");
    let link = repo.path.join("specs/README.md");
    let link = link.to_str().unwrap();
    assert_all_refused(
        &repo,
        &canary,
        true,
        &[
            "index.file = \"specs/README.md\"",
            "leads outside the work tree",
            link,
        ],
    );
}

#[test]
fn specrc_linked_out_of_the_repository_is_refused() {
    let (repo, canary) = repo_and_canary();
    symlink("../canary/specrc", repo.path.join(".specrc")).unwrap();
    repo.commit_all(".specrc -> ../canary/specrc");
    let link = repo.path.join(".specrc");
    let link = link.to_str().unwrap();
    assert_all_refused(
        &repo,
        &canary,
        true,
        &[".specrc = \".specrc\"", "leads outside the work tree", link],
    );
}

#[test]
fn spec_folder_in_the_git_dir_is_refused() {
    let (repo, canary) = repo_and_canary();
    for value in [".git", ".git/x", "X/.GIT", "./.git/hooks"] {
        repo.write(".specrc", &format!("dir = \"{value}\"\n"));
        let shown = format!("{:?}", value.trim_start_matches("./"));
        assert_all_refused(&repo, &canary, true, &[".specrc:1", "dir", &shown, ".git"]);
        assert!(!repo.git_dir().join("x").exists());
        assert!(!repo.path.join("X").exists());
    }
}

#[test]
fn a_spec_linked_from_outside_is_never_read() {
    let (repo, canary) = repo_and_canary();
    repo.new_spec(&["--no-branch", "First"]);
    symlink("../../canary/secret.md", repo.path.join("specs/0005-x.md")).unwrap();
    repo.commit_all("specs/0005-x.md -> ../../canary/secret.md");
    for args in [
        &["list"][..],
        &["list", "--json"],
        &["list", "--all"],
        &["show", "5"],
        &["show", "0005-x"],
        &["check"],
        &["check", "--json"],
        &["status", "5"],
        &["log"],
        &["index", "--check"],
    ] {
        let out = repo.spec(args);
        assert!(
            !stdout(&out).contains(SECRET_TITLE) && !stderr(&out).contains(SECRET_TITLE),
            "git spec {args:?} showed the linked file:\n{}{}",
            stdout(&out),
            stderr(&out)
        );
        assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
    }
    let out = repo.spec(&["status", "5", "review"]);
    assert_failure(&out);
    let out = repo.spec(&["index"]);
    assert_success(&out);
    assert!(!repo.read("specs/README.md").contains(SECRET_TITLE));
    canary.assert_unchanged();
}

// ===========================================================================
// 5. Templates that read files or the environment
// ===========================================================================

#[test]
fn template_outside_the_repository_is_refused() {
    let (repo, canary) = repo_and_canary();
    repo.write("templates/t.md", "unused\n");
    for (value, needles) in [
        (
            "/etc/hostname",
            &[".specrc:1", "template", "\"/etc/hostname\"", "absolute"][..],
        ),
        (
            "../canary/t.md",
            &[".specrc:1", "template", "\"../canary/t.md\"", ".."],
        ),
        // Not a path of the repository: refused, pointing at git config.
        (
            "~/.ssh/id",
            &[".specrc:1", "template", "\"~/.ssh/id\"", "spec.template"],
        ),
    ] {
        repo.write(".specrc", &format!("template = \"{value}\"\n"));
        let before = repo_state(&repo);
        for args in [
            &["new", "T"][..],
            &["new", "--no-branch", "T"],
            &["new", "--dry-run", "T"],
        ] {
            let out = repo.spec(args);
            assert_refused(&out, needles);
            assert!(!stderr(&out).contains("SSH-PRIVATE-KEY-CANARY"));
            assert!(!stdout(&out).contains("CANARY-TEMPLATE"));
            assert!(!repo.exists("specs"), "{value}: a spec was created");
            assert_repo_unchanged(&repo, &before);
        }
    }
    canary.assert_unchanged();
}

const SECRET_VAR: &str = "GIT_SPEC_CANARY_SECRET";
const SECRET_VALUE: &str = "s3cr3t-token-from-ci";

/// A template of the repository: the built-in one with `extra` in its
/// body.
fn template_with(extra: &str) -> String {
    let built_in =
        fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/templates/spec.md")).unwrap();
    built_in.replacen("## Overview", &format!("{extra}\n\n## Overview"), 1)
}

#[test]
fn template_cannot_read_the_environment() {
    let (repo, canary) = repo_and_canary();
    for extra in [
        format!("{{{{ get_env(name=\"{SECRET_VAR}\") }}}}"),
        format!("{{{{ get_env(name=\"{SECRET_VAR}\", default=\"none\") }}}}"),
        format!("{{% set s = get_env(name=\"{SECRET_VAR}\") %}}{{{{ s }}}}"),
    ] {
        repo.write("templates/t.md", &template_with(&extra));
        repo.write(".specrc", "template = \"templates/t.md\"\n");
        let before = repo_state(&repo);
        for args in [
            &["new", "T"][..],
            &["new", "--commit", "T"],
            &["new", "--dry-run", "T"],
        ] {
            let out = repo.spec_env(args, &[(SECRET_VAR, Some(SECRET_VALUE))]);
            assert_refused(&out, &["templates/t.md", "get_env"]);
            assert_nowhere(&repo.path, &out, SECRET_VALUE);
            assert_repo_unchanged(&repo, &before);
        }
    }
    canary.assert_unchanged();
}

#[test]
fn template_cannot_include_files() {
    let (repo, canary) = repo_and_canary();
    let secret = canary.dir.join("secret.md");
    let secret = secret.to_str().unwrap();
    for extra in [
        "{% include \"/etc/hostname\" %}".to_string(),
        format!("{{% include \"{secret}\" %}}"),
        "{% include \"../canary/secret.md\" %}".to_string(),
        format!("{{% import \"{secret}\" as m %}}"),
    ] {
        repo.write("templates/t.md", &template_with(&extra));
        repo.write(".specrc", "template = \"templates/t.md\"\n");
        let before = repo_state(&repo);
        for args in [&["new", "T"][..], &["new", "--dry-run", "T"]] {
            let out = repo.spec(args);
            assert_refused(&out, &["templates/t.md"]);
            assert_nowhere(&repo.path, &out, SECRET_TITLE);
            assert_repo_unchanged(&repo, &before);
        }
    }
    // `extends` must be the first tag: a template of its own.
    repo.write("templates/t.md", &format!("{{% extends \"{secret}\" %}}\n"));
    let out = repo.spec(&["new", "T"]);
    assert_refused(&out, &["templates/t.md"]);
    assert_nowhere(&repo.path, &out, SECRET_TITLE);
    canary.assert_unchanged();
}

#[test]
fn the_users_own_template_may_be_anywhere() {
    let (repo, canary) = repo_and_canary();
    let outside = canary.dir.join("t.md");
    let outside = outside.to_str().unwrap();
    let (path, content) = repo.new_spec(&["--no-branch", "--template", outside, "From the flag"]);
    assert_eq!(path, "specs/0001-from-the-flag.md");
    assert_contains(&content, "CANARY-TEMPLATE");

    repo.git(&["config", "spec.template", outside]);
    // Even over a hostile `template` in .specrc: the user's choice wins.
    repo.write(".specrc", "template = \"templates/missing.md\"\n");
    let (path, content) = repo.new_spec(&["--no-branch", "From git config"]);
    assert_eq!(path, "specs/0002-from-git-config.md");
    assert_contains(&content, "CANARY-TEMPLATE");
    canary.assert_unchanged();
}

// ===========================================================================
// 6. Concurrent edits: never a lost change
// ===========================================================================

/// The `Status changed from A to B` entries of a spec, as (from, to, line).
fn status_entries(content: &str) -> Vec<(String, String, String)> {
    content
        .lines()
        .filter_map(|line| {
            let rest = line.split("Status changed from ").nth(1)?;
            let (from, rest) = rest.split_once(" to ")?;
            let to = rest.split(' ').next()?;
            Some((from.to_string(), to.to_string(), line.to_string()))
        })
        .collect()
}

/// Starts every job (`status 1 TARGET -m NOTE`, plus extra flags) at once,
/// waits for all, and checks that each one that succeeded left exactly one
/// entry with its note and target, that each failure says why, and that
/// the entries form one chain ending at the file's status.
fn race(repo: &TestRepo, path: &str, jobs: &[(&str, &[&str])], round: usize) {
    let notes: Vec<String> = (0..jobs.len())
        .map(|job| format!("round {round} job {job}"))
        .collect();
    let children: Vec<Child> = jobs
        .iter()
        .zip(&notes)
        .map(|((target, extra), note)| {
            let mut args = vec!["status", "1", target, "-m", note];
            args.extend_from_slice(extra);
            spawn(repo, &args)
        })
        .collect();
    let outputs: Vec<Output> = children
        .into_iter()
        .map(|child| child.wait_with_output().unwrap())
        .collect();
    let content = repo.read(path);
    front_matter(&content);
    let entries = status_entries(&content);
    let mut succeeded = 0;
    for (((target, _), note), out) in jobs.iter().zip(&notes).zip(&outputs) {
        let with_note: Vec<&(String, String, String)> = entries
            .iter()
            .filter(|(_, _, line)| line.ends_with(&format!("\u{2014} {note}")))
            .collect();
        if out.status.success() {
            succeeded += 1;
            assert_eq!(
                with_note.len(),
                1,
                "round {round}: {note} ({target}) succeeded but its entry is not there exactly once:\n{content}"
            );
            assert_eq!(&with_note[0].1, target, "{content}");
        } else {
            let err = assert_failure(out);
            assert!(
                err.contains("SPEC-0001") && (err.contains("--force") || err.contains("already")),
                "round {round}: {note} failed without saying why:\n{err}"
            );
            assert!(with_note.is_empty(), "{note} failed but wrote:\n{content}");
        }
    }
    assert!(succeeded >= 1, "round {round}: every job failed");
    assert_eq!(entries.len(), succeeded, "{content}");
    let mut status = "draft".to_string();
    for (from, to, line) in &entries {
        assert_eq!(
            from, &status,
            "round {round}: an entry does not follow the one before: {line}\n{content}"
        );
        status = to.clone();
    }
    assert_eq!(fm_str(&content, "status"), status, "{content}");
}

fn repo_for_races() -> (TestRepo, String, String) {
    let mut repo = TestRepo::with_commit();
    repo.set_env("GIT_SPEC_LOCK_TIMEOUT_MS", "20000");
    let (path, original) = repo.new_spec(&["--no-branch", "Raced"]);
    repo.commit_all("spec 1");
    (repo, path, original)
}

#[test]
fn two_status_changes_at_once_never_lose_one() {
    let (repo, path, original) = repo_for_races();
    for round in 0..20 {
        repo.write(&path, &original);
        // From draft both are allowed; after withdrawn (final) review is
        // not, after review withdrawn is: either order must be recorded.
        race(&repo, &path, &[("review", &[]), ("withdrawn", &[])], round);
    }
}

#[test]
fn four_status_changes_at_once_never_lose_one() {
    let (repo, path, original) = repo_for_races();
    for round in 0..3 {
        repo.write(&path, &original);
        race(
            &repo,
            &path,
            &[
                ("review", &[]),
                ("approved", &[]),
                ("withdrawn", &[]),
                ("rejected", &["--force"]),
            ],
            round,
        );
    }
}

// ===========================================================================
// 7. Git operations in progress, a held index lock
// ===========================================================================

/// A repository with spec 1 committed on main and a second commit.
fn repo_with_spec() -> (TestRepo, String) {
    let repo = TestRepo::with_commit();
    let (path, _) = repo.new_spec(&["--no-branch", "First"]);
    repo.commit_all("spec 1");
    repo.write("a.txt", "a\n");
    repo.commit_all("a.txt");
    (repo, path)
}

#[test]
fn new_is_refused_during_a_stopped_rebase() {
    let (repo, _) = repo_with_spec();
    let out = run(repo
        .git_cmd(&["rebase", "-q", "-i", "HEAD~1"])
        .env("GIT_SEQUENCE_EDITOR", "sed -i -e 's/^pick/edit/'"));
    assert_success(&out);
    assert!(
        repo.git_dir().join("rebase-merge").exists(),
        "the rebase did not stop"
    );
    let before = repo_state(&repo);
    for args in [
        &["new", "T"][..],
        &["new", "--no-branch", "T"],
        &["new", "--commit", "T"],
        &["status", "1", "review"],
        &["index"],
        &["init"],
    ] {
        let out = repo.spec(args);
        assert_refused(
            &out,
            &[
                "a rebase is in progress",
                "git rebase --continue",
                "nothing was changed",
            ],
        );
        assert_repo_unchanged(&repo, &before);
    }
    assert_eq!(repo.list_dir("specs"), vec!["0001-first.md".to_string()]);
    // A dry run changes nothing, so it may look.
    assert_success(&repo.spec(&["new", "--dry-run", "T"]));
    let out = run(repo
        .git_cmd(&["rebase", "--continue"])
        .env("GIT_EDITOR", "true"));
    assert_success(&out);
    assert!(!repo.git_dir().join("rebase-merge").exists());
    repo.new_spec(&["T"]);
}

/// Spec 1 changed on `other` and on main in the same line.
fn conflicting_branches(repo: &TestRepo, path: &str) {
    repo.git(&["switch", "-q", "-c", "other"]);
    let theirs = repo.read(path).replace("title: First", "title: Theirs");
    repo.write(path, &theirs);
    repo.commit_all("theirs");
    repo.git(&["switch", "-q", "main"]);
    let ours = repo.read(path).replace("title: First", "title: Ours");
    repo.write(path, &ours);
    repo.commit_all("ours");
}

#[test]
fn status_commit_is_refused_during_a_conflicted_merge() {
    let (repo, path) = repo_with_spec();
    conflicting_branches(&repo, &path);
    assert!(!repo.git_try(&["merge", "-q", "other"]).status.success());
    let unmerged = repo.git_out(&["ls-files", "-u"]);
    assert!(unmerged.contains(&path), "{unmerged}");
    let before = repo_state(&repo);
    for args in [
        &["status", "1", "review", "--commit"][..],
        &["status", "1", "review"],
        &["new", "--commit", "T"],
    ] {
        let out = repo.spec(args);
        assert_refused(&out, &["a merge is in progress", "nothing was changed"]);
        assert_repo_unchanged(&repo, &before);
        assert_eq!(repo.git_out(&["ls-files", "-u"]), unmerged);
        assert!(repo.git_dir().join("MERGE_HEAD").exists());
    }
    repo.git(&["merge", "--abort"]);
}

#[test]
fn status_is_refused_during_a_bisect_and_a_cherry_pick() {
    let (repo, path) = repo_with_spec();
    repo.git(&["bisect", "start"]);
    repo.git(&["bisect", "bad"]);
    let before = repo_state(&repo);
    let out = repo.spec(&["status", "1", "review"]);
    assert_refused(&out, &["a bisect is in progress", "git bisect reset"]);
    assert_repo_unchanged(&repo, &before);
    repo.git(&["bisect", "reset"]);

    conflicting_branches(&repo, &path);
    assert!(!repo.git_try(&["cherry-pick", "other"]).status.success());
    let before = repo_state(&repo);
    for args in [
        &["status", "1", "review"][..],
        &["status", "1", "review", "--commit"],
    ] {
        let out = repo.spec(args);
        assert_refused(
            &out,
            &["a cherry-pick is in progress", "git cherry-pick --continue"],
        );
        assert_repo_unchanged(&repo, &before);
    }
    repo.git(&["cherry-pick", "--abort"]);
    assert_success(&repo.spec(&["status", "1", "review"]));
}

#[test]
fn a_held_index_lock_refuses_commit_before_any_change() {
    let (repo, path) = repo_with_spec();
    let lock = repo.git_dir().join("index.lock");
    fs::write(&lock, "").unwrap();
    let spec_before = fs::read(repo.path.join(&path)).unwrap();
    let before = repo_state(&repo);
    for args in [
        &["status", "1", "review", "--commit"][..],
        &["new", "T", "--commit"],
        &["new", "--no-branch", "--commit", "T"],
        &["new", "--no-checkout", "--commit", "T"],
    ] {
        let out = repo.spec(args);
        assert_refused(&out, &["index.lock", "Nothing was changed"]);
        assert_eq!(fs::read(repo.path.join(&path)).unwrap(), spec_before);
        assert_repo_unchanged(&repo, &before);
    }
    fs::remove_file(&lock).unwrap();
    assert_success(&repo.spec(&["status", "1", "review", "--commit"]));
}

// ===========================================================================
// 8. Leftovers, odd names and odd values
// ===========================================================================

#[test]
fn stale_temp_files_are_removed_and_live_ones_kept() {
    let repo = TestRepo::with_commit();
    repo.new_spec(&["--no-branch", "X"]);
    // Pid numbers stay below 2^22 on Linux: this process never runs.
    let stale = "specs/.0001-x.md.git-spec-4294967.tmp";
    let live = format!("specs/.0001-x.md.git-spec-{}.tmp", std::process::id());
    repo.write(stale, "half written\n");
    repo.write(&live, "being written\n");
    assert_success(&repo.spec(&["list"]));
    assert!(
        !repo.exists(stale),
        "the stale temporary file is still there"
    );
    assert_eq!(repo.read(&live), "being written\n");
}

#[test]
fn a_folder_in_place_of_a_lock_fails_at_once() {
    let (repo, _) = repo_with_spec();
    for (lock, args) in [
        ("new.lock", &["new", "T"][..]),
        ("edit.lock", &["status", "1", "review"]),
    ] {
        let folder = repo.git_dir().join("git-spec").join(lock);
        fs::create_dir_all(&folder).unwrap();
        let before = repo_state(&repo);
        // The default timeout (10 s), and the same given explicitly: a
        // folder is nobody's lock, so neither is waited for.
        for timeout in [None, Some("10000")] {
            let mut cmd = repo.spec_cmd(args);
            match timeout {
                Some(ms) => cmd.env("GIT_SPEC_LOCK_TIMEOUT_MS", ms),
                None => cmd.env_remove("GIT_SPEC_LOCK_TIMEOUT_MS"),
            };
            let start = Instant::now();
            let out = output_within(&mut cmd, Duration::from_secs(20));
            let took = start.elapsed();
            assert!(took < Duration::from_secs(5), "{lock}: waited {took:?}");
            assert_refused(&out, &[folder.to_str().unwrap(), "not a lock file"]);
            assert_repo_unchanged(&repo, &before);
        }
        fs::remove_dir(&folder).unwrap();
    }
}

#[test]
fn hook_uninstall_leaves_a_linked_shared_hook_alone() {
    let repo = TestRepo::with_commit();
    assert_success(&repo.spec(&["hook", "install"]));
    let hook = repo.git_dir().join("hooks/pre-commit");
    let shared = repo.sandbox.mkdir("shared").join("pre-commit");
    let mut script = fs::read_to_string(&hook).unwrap();
    script.push_str("\necho shared checks\n");
    fs::write(&shared, &script).unwrap();
    fs::set_permissions(&shared, fs::Permissions::from_mode(0o755)).unwrap();
    fs::remove_file(&hook).unwrap();
    symlink(&shared, &hook).unwrap();
    let shared_before = fingerprint(shared.parent().unwrap());
    let before = repo_state(&repo);
    let out = repo.spec(&["hook", "uninstall"]);
    assert_refused(&out, &["pre-commit", "symbolic link"]);
    assert_repo_unchanged(&repo, &before);
    assert_eq!(fs::read_link(&hook).unwrap(), shared);
    assert_eq!(fingerprint(shared.parent().unwrap()), shared_before);
}

/// `specs/0009-<0xff>.md`: a name that is not UTF-8.
fn not_utf8_name() -> PathBuf {
    let mut name = b"specs/0009-".to_vec();
    name.push(0xff);
    name.extend_from_slice(b".md");
    PathBuf::from(std::ffi::OsStr::from_bytes(&name))
}

#[test]
fn a_file_name_that_is_not_utf8_still_counts() {
    let repo = TestRepo::with_commit();
    fs::create_dir_all(repo.path.join("specs")).unwrap();
    fs::write(
        repo.path.join(not_utf8_name()),
        SpecFx::new(9, "Odd").text(),
    )
    .unwrap();
    let (path, _) = repo.new_spec(&["--no-branch", "T"]);
    assert_eq!(path, "specs/0010-t.md");
    assert_success(&repo.spec(&["list"]));

    // Committed only on another branch.
    let repo = TestRepo::with_commit();
    repo.git(&["switch", "-q", "-c", "other"]);
    fs::create_dir_all(repo.path.join("specs")).unwrap();
    fs::write(repo.path.join(not_utf8_name()), "x\n").unwrap();
    repo.commit_all("a name that is not UTF-8");
    repo.git(&["switch", "-q", "main"]);
    assert!(!repo.exists("specs"));
    let (path, _) = repo.new_spec(&["T"]);
    assert_eq!(path, "specs/0010-t.md");
}

#[test]
fn the_spec_id_in_the_front_matter_counts_as_well_as_the_name() {
    let repo = TestRepo::with_commit();
    repo.write("specs/0001-x.md", &SpecFx::new(2, "X").text());
    let (path, content) = repo.new_spec(&["--no-branch", "T"]);
    assert_eq!(path, "specs/0003-t.md");
    assert_eq!(fm_str(&content, "spec-id"), "SPEC-0003");
}

#[test]
fn a_bogus_author_date_refuses_commit_before_any_change() {
    let (repo, path) = repo_with_spec();
    let spec_before = fs::read(repo.path.join(&path)).unwrap();
    let before = repo_state(&repo);
    for args in [
        &["status", "1", "review", "--commit"][..],
        &["new", "--commit", "T"],
    ] {
        let out = repo.spec_env(args, &[("GIT_AUTHOR_DATE", Some("bogus"))]);
        assert_refused(
            &out,
            &["GIT_AUTHOR_DATE", "\"bogus\"", "nothing was changed"],
        );
        assert_eq!(fs::read(repo.path.join(&path)).unwrap(), spec_before);
        assert_repo_unchanged(&repo, &before);
    }
}

#[test]
fn a_value_of_the_wrong_type_names_its_line_and_key() {
    let repo = TestRepo::with_commit();
    repo.write(".specrc", "[id]\nwidth = \"four\"\n");
    let before = repo_state(&repo);
    for args in [&["new", "T"][..], &["list"], &["init"]] {
        let out = repo.spec(args);
        assert_refused(&out, &[".specrc:2", "id.width"]);
        assert_repo_unchanged(&repo, &before);
    }
}

#[test]
fn a_description_that_starts_a_second_changelog_is_refused() {
    let repo = TestRepo::with_commit();
    let before = repo_state(&repo);
    for description in [
        "x\n\n## Changelog\n\n- fake",
        "## Changelog",
        "x\r\n## Changelog\r\n",
    ] {
        let out = repo.spec(&["new", "-d", description, "T"]);
        assert_refused(&out, &["## Changelog", "description"]);
        assert_repo_unchanged(&repo, &before);
    }
}

//! Test harness shared by the integration tests: runs the real `git-spec`
//! binary and the real `git` CLI in temporary repositories, isolated from
//! the machine's configuration.
//!
//! Every command (git or git-spec) gets:
//! - `HOME` and `XDG_CONFIG_HOME` inside a temporary "home" folder, and
//!   `GIT_CONFIG_GLOBAL` pointing at `<home>/.gitconfig` (which tests may
//!   write, see [`Sandbox::set_global`]); `GIT_CONFIG_NOSYSTEM=1`;
//! - pinned dates: `GIT_AUTHOR_DATE`, `GIT_COMMITTER_DATE` and
//!   `GIT_SPEC_DATE` ([`SPEC_DATE`]);
//! - `LC_ALL=C`, `GIT_CEILING_DIRECTORIES` = the sandbox root (so nothing
//!   outside the sandbox is ever taken for a repository);
//! - no inherited `GIT_*` variable (`GIT_DIR`, `GIT_INDEX_FILE`,
//!   `GIT_EDITOR`, `GIT_AUTHOR_NAME`...), no `VISUAL`, `EDITOR`, `EMAIL`,
//!   `NO_COLOR`, pager variables;
//! - the folder of the built `git-spec` first on `PATH`, so `git spec ...`
//!   (and hooks calling `git spec`) run the binary under test.
//!
//! Layout of a sandbox: `<root>/home`, and repositories as siblings
//! (`<root>/repo`, `<root>/origin.git`, `<root>/clone2`, ...).
//!
//! Typical use:
//!
//! ```ignore
//! let repo = TestRepo::with_commit();
//! let out = repo.spec(&["new", "Add login"]);
//! assert_success(&out);
//! assert_eq!(repo.head_ref().as_deref(), Some("refs/heads/spec/0001-add-login"));
//! ```

use std::ffi::{OsStr, OsString};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// The built binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_git-spec");

/// Value of `GIT_SPEC_DATE` for every command.
pub const SPEC_DATE: &str = "2026-01-15";

/// Value of `GIT_AUTHOR_DATE` / `GIT_COMMITTER_DATE` for every command.
pub const GIT_DATE: &str = "@1767225600 +0000";

/// Identity written to the repository config by [`TestRepo::new`].
pub const USER_NAME: &str = "Jane Doe";
pub const USER_EMAIL: &str = "jane@example.com";
/// `{name} <{email}>` for the identity above (the default owner format).
pub const OWNER: &str = "Jane Doe <jane@example.com>";

/// Variables removed from the inherited environment besides every `GIT_*`.
const REMOVED_VARS: &[&str] = &[
    "VISUAL",
    "EDITOR",
    "EMAIL",
    "NO_COLOR",
    "PAGER",
    "LESS",
    "LANGUAGE",
    "TERM",
    "CLICOLOR",
    "CLICOLOR_FORCE",
    // Help and tables wrap at the terminal's width: never the machine's.
    "COLUMNS",
];

// ---------------------------------------------------------------------------
// Sandbox: a temporary folder with an isolated home, holding repositories.
// ---------------------------------------------------------------------------

pub struct Sandbox {
    _dir: tempfile::TempDir,
    /// Canonical path of the temporary folder.
    pub root: PathBuf,
    /// The temporary `HOME`.
    pub home: PathBuf,
}

impl Sandbox {
    pub fn new() -> Arc<Sandbox> {
        let dir = tempfile::Builder::new()
            .prefix("git-spec-test-")
            .tempdir()
            .expect("cannot create a temporary folder");
        let root = dir.path().canonicalize().expect("canonical temp dir");
        let home = root.join("home");
        fs::create_dir_all(home.join(".config")).unwrap();
        let sandbox = Sandbox {
            _dir: dir,
            root,
            home,
        };
        fs::write(sandbox.global_config(), "").unwrap();
        sandbox.set_global("init.defaultBranch", "main");
        Arc::new(sandbox)
    }

    /// The file `GIT_CONFIG_GLOBAL` points at.
    pub fn global_config(&self) -> PathBuf {
        self.home.join(".gitconfig")
    }

    /// `git config --global key value`, in the sandbox's global file.
    pub fn set_global(&self, key: &str, value: &str) {
        let file = self.global_config();
        let out = self
            .command("git", &self.root)
            .args(["config", "--file"])
            .arg(&file)
            .args([key, value])
            .output()
            .expect("cannot run git");
        assert_success(&out);
    }

    /// An isolated command (see the module docs) running in `cwd`.
    pub fn command(&self, program: impl AsRef<OsStr>, cwd: &Path) -> Command {
        let path = path_with_bin_first();
        let mut cmd = Command::new(on_path(program.as_ref(), &path));
        cmd.current_dir(cwd);
        for (name, _) in std::env::vars_os() {
            let is_git = name.to_str().is_some_and(|n| n.starts_with("GIT_"));
            if is_git || REMOVED_VARS.iter().any(|r| OsStr::new(r) == name) {
                cmd.env_remove(&name);
            }
        }
        cmd.env("HOME", &self.home)
            .env("XDG_CONFIG_HOME", self.home.join(".config"))
            .env("GIT_CONFIG_GLOBAL", self.global_config())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_DATE", GIT_DATE)
            .env("GIT_COMMITTER_DATE", GIT_DATE)
            .env("GIT_SPEC_DATE", SPEC_DATE)
            .env("GIT_CEILING_DIRECTORIES", &self.root)
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("GIT_PAGER", "cat")
            .env("LC_ALL", "C")
            .env("PATH", &path)
            .stdin(Stdio::null());
        cmd
    }

    /// `git ARGS` in `cwd`, asserting success.
    pub fn git_in(&self, cwd: &Path, args: &[&str]) -> Output {
        let out = run(self.command("git", cwd).args(args));
        assert_success_ctx(&out, &format!("git {}", args.join(" ")));
        out
    }

    /// `git init` of a repository at `<root>/<name>`, with the test
    /// identity in its config and no commits.
    pub fn init_repo(self: &Arc<Self>, name: &str) -> TestRepo {
        let repo = self.init_repo_without_identity(name);
        repo.git(&["config", "user.name", USER_NAME]);
        repo.git(&["config", "user.email", USER_EMAIL]);
        repo
    }

    /// `git init` without any `user.*` in the repository config.
    pub fn init_repo_without_identity(self: &Arc<Self>, name: &str) -> TestRepo {
        let path = self.root.join(name);
        fs::create_dir_all(&path).unwrap();
        self.git_in(&path, &["init", "-q"]);
        TestRepo::at(self, path)
    }

    /// `git init --bare` at `<root>/<name>`; returns its path.
    pub fn init_bare(&self, name: &str) -> PathBuf {
        let path = self.root.join(name);
        fs::create_dir_all(&path).unwrap();
        self.git_in(&path, &["init", "-q", "--bare"]);
        path
    }

    /// `git clone URL <root>/<name>`, with the test identity configured.
    pub fn clone_repo(self: &Arc<Self>, url: &Path, name: &str) -> TestRepo {
        let path = self.root.join(name);
        let url = url.to_str().expect("UTF-8 path");
        let target = path.to_str().expect("UTF-8 path");
        self.git_in(&self.root, &["clone", "-q", url, target]);
        let repo = TestRepo::at(self, path);
        repo.git(&["config", "user.name", USER_NAME]);
        repo.git(&["config", "user.email", USER_EMAIL]);
        repo
    }

    /// A plain folder inside the sandbox (not a repository).
    pub fn mkdir(&self, name: &str) -> PathBuf {
        let path = self.root.join(name);
        fs::create_dir_all(&path).unwrap();
        path
    }

    /// Writes an executable shell script at `<root>/<name>` and returns its
    /// path (for editors and hooks).
    pub fn script(&self, name: &str, body: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let path = self.root.join(name);
        fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    /// Runs the binary under test in `cwd`, without asserting.
    pub fn spec_in(&self, cwd: &Path, args: &[&str]) -> Output {
        run(self.command(BIN, cwd).args(args))
    }
}

/// `program` as the command's PATH finds it (the first executable file
/// of that name), or as given when it holds a `/` or is not found.
///
/// Spawning by path lets std use `posix_spawn`; for a bare name with PATH
/// set in the command's environment it forks and execs instead, and a
/// fork copies the test process. That process is large once a panic has
/// been caught with `RUST_BACKTRACE` set (the backtrace loads the test
/// binary's debug info), which made every later `git` slower.
fn on_path(program: &OsStr, path: &OsStr) -> OsString {
    use std::os::unix::fs::PermissionsExt;
    if program.as_encoded_bytes().contains(&b'/') {
        return program.to_os_string();
    }
    std::env::split_paths(path)
        .map(|dir| dir.join(program))
        .find(|file| {
            fs::metadata(file).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
        .map_or_else(|| program.to_os_string(), PathBuf::into_os_string)
}

fn path_with_bin_first() -> OsString {
    let bin_dir = Path::new(BIN).parent().expect("binary folder");
    let mut paths = vec![bin_dir.to_path_buf()];
    if let Some(path) = std::env::var_os("PATH") {
        paths.extend(std::env::split_paths(&path));
    }
    std::env::join_paths(paths).expect("PATH")
}

// ---------------------------------------------------------------------------
// TestRepo: one working tree in a sandbox.
// ---------------------------------------------------------------------------

pub struct TestRepo {
    pub sandbox: Arc<Sandbox>,
    /// Root of the working tree (canonical).
    pub path: PathBuf,
    /// Extra environment for every command run through this repo.
    env: Vec<(OsString, Option<OsString>)>,
}

impl TestRepo {
    /// A fresh sandbox with `git init` at `<root>/repo`, the test identity
    /// in the repository config, and no commits (HEAD: unborn `main`).
    pub fn new() -> TestRepo {
        Sandbox::new().init_repo("repo")
    }

    /// [`TestRepo::new`] plus one commit on `main` adding `README.md`.
    pub fn with_commit() -> TestRepo {
        let repo = TestRepo::new();
        repo.write("README.md", "# Project\n");
        repo.git(&["add", "README.md"]);
        repo.git(&["commit", "-q", "-m", "Initial commit"]);
        repo
    }

    /// A repository with no `user.*` anywhere (neither repo nor global).
    pub fn without_identity() -> TestRepo {
        Sandbox::new().init_repo_without_identity("repo")
    }

    /// A handle on an existing working tree of the sandbox.
    pub fn at(sandbox: &Arc<Sandbox>, path: PathBuf) -> TestRepo {
        TestRepo {
            sandbox: Arc::clone(sandbox),
            path,
            env: Vec::new(),
        }
    }

    /// Sets an environment variable for every later command of this repo.
    pub fn set_env(&mut self, name: &str, value: impl AsRef<OsStr>) {
        self.env
            .push((name.into(), Some(value.as_ref().to_os_string())));
    }

    /// Removes an environment variable for every later command of this repo
    /// (e.g. `GIT_SPEC_DATE`).
    pub fn unset_env(&mut self, name: &str) {
        self.env.push((name.into(), None));
    }

    /// An isolated command in `cwd` with this repo's extra environment.
    pub fn command(&self, program: impl AsRef<OsStr>, cwd: &Path) -> Command {
        let mut cmd = self.sandbox.command(program, cwd);
        for (name, value) in &self.env {
            match value {
                Some(value) => cmd.env(name, value),
                None => cmd.env_remove(name),
            };
        }
        cmd
    }

    // --- git -------------------------------------------------------------

    /// A `git ARGS` command in the working-tree root, not yet run.
    pub fn git_cmd(&self, args: &[&str]) -> Command {
        let mut cmd = self.command("git", &self.path);
        cmd.args(args);
        cmd
    }

    /// Runs `git ARGS` in the root with `input` on stdin (`git add -p`,
    /// `git mktree`), asserting success.
    pub fn git_with_input(&self, args: &[&str], input: &[u8]) -> Output {
        use std::io::Write;
        let mut child = self
            .git_cmd(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("cannot run git");
        child.stdin.take().unwrap().write_all(input).unwrap();
        let out = child.wait_with_output().unwrap();
        assert_success_ctx(&out, &format!("git {}", args.join(" ")));
        out
    }

    /// Runs `git ARGS` in the root, asserting success.
    pub fn git(&self, args: &[&str]) -> Output {
        let out = run(&mut self.git_cmd(args));
        assert_success_ctx(&out, &format!("git {}", args.join(" ")));
        out
    }

    /// Runs `git ARGS` in `dir` (relative to the root, or absolute),
    /// asserting success.
    pub fn git_in(&self, dir: impl AsRef<Path>, args: &[&str]) -> Output {
        let cwd = self.path.join(dir);
        let out = run(self.command("git", &cwd).args(args));
        assert_success_ctx(&out, &format!("git {}", args.join(" ")));
        out
    }

    /// Runs `git ARGS` without asserting.
    pub fn git_try(&self, args: &[&str]) -> Output {
        run(&mut self.git_cmd(args))
    }

    /// Stdout of a successful `git ARGS`, without the trailing newline.
    pub fn git_out(&self, args: &[&str]) -> String {
        stdout(&self.git(args)).trim_end_matches('\n').to_string()
    }

    /// Stages everything and commits it.
    pub fn commit_all(&self, message: &str) {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "-m", message]);
    }

    /// Commits `files` (path, content) on top of `branch` (created from
    /// HEAD if it does not exist), through a temporary index: HEAD, the
    /// index and the working tree are untouched. Returns the commit id.
    pub fn commit_files_on_branch(&self, branch: &str, files: &[(&str, &str)]) -> String {
        let refname = format!("refs/heads/{branch}");
        let base = self.rev_parse(&refname).or_else(|| self.rev_parse("HEAD"));
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let index = self.sandbox.root.join(format!(
            "tmp-index-{}",
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = fs::remove_file(&index);
        let with_index = |args: &[&str]| {
            let out = run(self.git_cmd(args).env("GIT_INDEX_FILE", &index));
            assert_success_ctx(&out, &format!("git {}", args.join(" ")));
            stdout(&out).trim().to_string()
        };
        match &base {
            Some(base) => with_index(&["read-tree", base]),
            None => with_index(&["read-tree", "--empty"]),
        };
        for (path, content) in files {
            let blob = self.hash_object(content);
            with_index(&[
                "update-index",
                "--add",
                "--cacheinfo",
                &format!("100644,{blob},{path}"),
            ]);
        }
        let tree = with_index(&["write-tree"]);
        let _ = fs::remove_file(&index);
        let message = format!(
            "add {}",
            files.iter().map(|f| f.0).collect::<Vec<_>>().join(", ")
        );
        let mut args = vec!["commit-tree", tree.as_str(), "-m", message.as_str()];
        if let Some(base) = &base {
            args.extend(["-p", base.as_str()]);
        }
        let commit = self.git_out(&args);
        self.git(&["update-ref", &refname, &commit]);
        commit
    }

    /// Writes `content` as a blob; returns its id.
    pub fn hash_object(&self, content: &str) -> String {
        let mut child = self
            .git_cmd(&["hash-object", "-w", "--stdin"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("cannot run git");
        {
            use std::io::Write;
            let mut stdin = child.stdin.take().unwrap();
            stdin.write_all(content.as_bytes()).unwrap();
        }
        let out = child.wait_with_output().unwrap();
        assert_success(&out);
        stdout(&out).trim().to_string()
    }

    /// `git worktree add <root>/<name> -b <branch>`; the new worktree.
    pub fn add_worktree(&self, name: &str, branch: &str) -> TestRepo {
        let path = self.sandbox.root.join(name);
        self.git(&[
            "worktree",
            "add",
            "-q",
            "-b",
            branch,
            path.to_str().unwrap(),
        ]);
        let mut worktree = TestRepo::at(&self.sandbox, path);
        worktree.env = self.env.clone();
        worktree
    }

    // --- git-spec ----------------------------------------------------------

    /// A `git-spec ARGS` command in the working-tree root, not yet run.
    pub fn spec_cmd(&self, args: &[&str]) -> Command {
        let mut cmd = self.command(BIN, &self.path);
        cmd.args(args);
        cmd
    }

    /// Runs `git-spec ARGS` in the root; does not assert.
    pub fn spec(&self, args: &[&str]) -> Output {
        run(&mut self.spec_cmd(args))
    }

    /// Runs `git-spec ARGS` in the root and asserts success.
    #[track_caller]
    pub fn spec_ok(&self, args: &[&str]) -> Output {
        let out = self.spec(args);
        assert_success_ctx(&out, &format!("git spec {}", args.join(" ")));
        out
    }

    /// Runs `git-spec ARGS` in `dir` (relative to the root, or absolute).
    pub fn spec_in(&self, dir: impl AsRef<Path>, args: &[&str]) -> Output {
        let cwd = self.path.join(dir);
        run(self.command(BIN, &cwd).args(args))
    }

    /// Runs `git-spec ARGS` with extra environment (`None` removes one).
    pub fn spec_env(&self, args: &[&str], env: &[(&str, Option<&str>)]) -> Output {
        let mut cmd = self.spec_cmd(args);
        for (name, value) in env {
            match value {
                Some(value) => cmd.env(name, value),
                None => cmd.env_remove(name),
            };
        }
        run(&mut cmd)
    }

    /// `git spec ARGS` as someone else, `who` = (name, email): the
    /// identity through git config from the environment, which git and
    /// git-spec both read.
    pub fn spec_as(&self, who: (&str, &str), args: &[&str]) -> Output {
        self.spec_env(
            args,
            &[
                ("GIT_CONFIG_COUNT", Some("2")),
                ("GIT_CONFIG_KEY_0", Some("user.name")),
                ("GIT_CONFIG_VALUE_0", Some(who.0)),
                ("GIT_CONFIG_KEY_1", Some("user.email")),
                ("GIT_CONFIG_VALUE_1", Some(who.1)),
            ],
        )
    }

    /// Runs `git spec new ARGS`, asserts success, and returns the path it
    /// printed (relative to the root) and the file's content.
    pub fn new_spec(&self, args: &[&str]) -> (String, String) {
        let mut all = vec!["new"];
        all.extend_from_slice(args);
        let out = self.spec(&all);
        assert_success(&out);
        let path = stdout(&out).trim_end().to_string();
        let content = self.read(&path);
        (path, content)
    }

    /// Runs `git-spec ARGS` in the root and asserts a reported failure
    /// ([`assert_failure`]) that changed nothing a user can see
    /// ([`TestRepo::assert_unchanged`]); returns stderr.
    #[track_caller]
    pub fn fails_untouched(&self, args: &[&str]) -> String {
        let before = self.snapshot();
        let err = assert_failure(&self.spec(args));
        self.assert_unchanged(&before);
        err
    }

    // --- files -------------------------------------------------------------

    /// Writes a file (relative to the root), creating parent folders.
    pub fn write(&self, rel: impl AsRef<Path>, content: &str) {
        let path = self.path.join(rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).unwrap();
        }
        fs::write(&path, content).unwrap();
    }

    /// Reads a file (relative to the root).
    pub fn read(&self, rel: impl AsRef<Path>) -> String {
        let path = self.path.join(rel);
        fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
    }

    pub fn exists(&self, rel: impl AsRef<Path>) -> bool {
        self.path.join(rel).exists()
    }

    pub fn remove(&self, rel: impl AsRef<Path>) {
        fs::remove_file(self.path.join(rel)).unwrap();
    }

    /// Names of the entries of a folder (relative to the root), sorted;
    /// empty when it does not exist.
    pub fn list_dir(&self, rel: impl AsRef<Path>) -> Vec<String> {
        let Ok(entries) = fs::read_dir(self.path.join(rel)) else {
            return Vec::new();
        };
        let mut names: Vec<String> = entries
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    // --- state ---------------------------------------------------------------

    /// The git dir shared by all worktrees (`.git` of the main worktree).
    pub fn git_dir(&self) -> PathBuf {
        let dir = self.git_out(&["rev-parse", "--path-format=absolute", "--git-common-dir"]);
        PathBuf::from(dir)
    }

    /// The ref HEAD points at (`refs/heads/main`), None when detached.
    pub fn head_ref(&self) -> Option<String> {
        let out = self.git_try(&["symbolic-ref", "-q", "HEAD"]);
        out.status
            .success()
            .then(|| stdout(&out).trim().to_string())
    }

    /// The commit id HEAD resolves to, None in an unborn repository.
    pub fn head_oid(&self) -> Option<String> {
        self.rev_parse("HEAD")
    }

    /// `git rev-parse --verify -q REV^{commit}`... or any object: the id
    /// of a revision, None when it does not resolve.
    pub fn rev_parse(&self, rev: &str) -> Option<String> {
        let out = self.git_try(&["rev-parse", "--verify", "-q", rev]);
        out.status
            .success()
            .then(|| stdout(&out).trim().to_string())
    }

    pub fn ref_exists(&self, refname: &str) -> bool {
        self.rev_parse(refname).is_some()
    }

    /// Short names of the local branches, sorted.
    pub fn branches(&self) -> Vec<String> {
        let out = self.git_out(&["for-each-ref", "--format=%(refname:short)", "refs/heads/"]);
        let mut names: Vec<String> = out.lines().map(str::to_string).collect();
        names.sort();
        names
    }

    /// Every ref with its target, `refname oid` per line, sorted.
    pub fn refs(&self) -> Vec<String> {
        let out = self.git_out(&["for-each-ref", "--format=%(refname) %(objectname)"]);
        let mut lines: Vec<String> = out.lines().map(str::to_string).collect();
        lines.sort();
        lines
    }

    /// `git status --porcelain` (untracked files listed one by one).
    pub fn status_porcelain(&self) -> String {
        stdout(&self.git(&["status", "--porcelain", "--untracked-files=all"]))
    }

    /// `git ls-files --stage`: the index, entry by entry.
    pub fn index_entries(&self) -> String {
        stdout(&self.git(&["ls-files", "--stage"]))
    }

    /// Paths in a commit's tree, sorted (`git ls-tree -r --name-only`).
    pub fn tree_paths(&self, rev: &str) -> Vec<String> {
        let out = self.git_out(&["ls-tree", "-r", "--name-only", rev]);
        out.lines().map(str::to_string).collect()
    }

    /// Content of `path` at `rev` (`git show REV:PATH`).
    pub fn show(&self, rev: &str, path: &str) -> String {
        stdout(&self.git(&["show", &format!("{rev}:{path}")]))
    }

    /// Everything a user could see change: HEAD, refs, index, working-tree
    /// files and folders (outside `.git`).
    pub fn snapshot(&self) -> Snapshot {
        let mut files = Vec::new();
        walk(&self.path, &self.path, &mut files);
        files.sort();
        Snapshot {
            head: self.head_ref(),
            head_oid: self.head_oid(),
            refs: self.refs(),
            index: self.index_entries(),
            files,
        }
    }

    /// Asserts that nothing a user can see changed since `before`.
    pub fn assert_unchanged(&self, before: &Snapshot) {
        let after = self.snapshot();
        assert_eq!(before, &after, "the repository changed");
    }
}

/// State of a repository for "nothing changed" assertions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub head: Option<String>,
    pub head_oid: Option<String>,
    pub refs: Vec<String>,
    pub index: String,
    /// (relative path, content) of every file; folders end with `/` and
    /// have no content. Content is shown lossily as UTF-8.
    pub files: Vec<(String, String)>,
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let entry = entry.unwrap();
        let path = entry.path();
        let rel = path
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        if rel == ".git" {
            continue;
        }
        let kind = entry.file_type().unwrap();
        if kind.is_dir() {
            out.push((format!("{rel}/"), String::new()));
            walk(root, &path, out);
        } else {
            let content = fs::read(&path).unwrap_or_default();
            out.push((rel, String::from_utf8_lossy(&content).into_owned()));
        }
    }
}

// ---------------------------------------------------------------------------
// Processes and assertions.
// ---------------------------------------------------------------------------

/// Runs a command to completion, capturing its output.
pub fn run(cmd: &mut Command) -> Output {
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A whole run as one string: the exit status, then stdout and stderr,
/// for one assertion over all three (and for failure messages):
///
/// ```text
/// [exit 1]
/// --- stdout
/// ...
/// --- stderr
/// ...
/// ```
///
/// Output that does not end with a newline gets one, followed by
/// `\ no newline at end`, so the rendering keeps the difference.
pub fn run_text(out: &Output) -> String {
    let status = match out.status.code() {
        Some(code) => format!("[exit {code}]"),
        None => format!("[{}]", out.status),
    };
    let part = |text: String| {
        if text.is_empty() || text.ends_with('\n') {
            text
        } else {
            format!("{text}\n\\ no newline at end\n")
        }
    };
    format!(
        "{status}\n--- stdout\n{}--- stderr\n{}",
        part(stdout(out)),
        part(stderr(out))
    )
}

/// Asserts exit code 0; prints stdout and stderr otherwise.
#[track_caller]
pub fn assert_success(out: &Output) {
    assert!(out.status.success(), "command failed\n{}", run_text(out));
}

#[track_caller]
pub fn assert_success_ctx(out: &Output, what: &str) {
    assert!(out.status.success(), "`{what}` failed\n{}", run_text(out));
}

/// Asserts a non-zero exit that is a reported error (exit code 1 or 2,
/// never a crash or panic); returns stderr.
#[track_caller]
pub fn assert_failure(out: &Output) -> String {
    assert!(
        !out.status.success(),
        "command succeeded but should have failed\n{}",
        run_text(out)
    );
    let err = stderr(out);
    assert!(
        !err.contains("panicked"),
        "the command panicked\n{}",
        run_text(out)
    );
    assert!(
        matches!(out.status.code(), Some(1 | 2)),
        "unexpected exit code\n{}",
        run_text(out)
    );
    err
}

/// Asserts that `haystack` contains `needle`, showing both otherwise.
#[track_caller]
pub fn assert_contains(haystack: &str, needle: &str) {
    assert!(
        haystack.contains(needle),
        "expected to find {needle:?} in:\n{haystack}"
    );
}

// ---------------------------------------------------------------------------
// Spec documents.
// ---------------------------------------------------------------------------

/// The text between the opening `---` line and the next `---` line.
pub fn front_matter_text(document: &str) -> &str {
    let rest = document
        .strip_prefix("---\n")
        .unwrap_or_else(|| panic!("no front matter in:\n{document}"));
    let end = rest
        .find("\n---\n")
        .unwrap_or_else(|| panic!("front matter not closed in:\n{document}"));
    &rest[..end + 1]
}

/// The front matter parsed with yaml_rust2 (a mapping).
pub fn front_matter(document: &str) -> yaml_rust2::Yaml {
    let text = front_matter_text(document);
    let mut docs = yaml_rust2::YamlLoader::load_from_str(text)
        .unwrap_or_else(|e| panic!("front matter is not YAML ({e}):\n{text}"));
    assert_eq!(docs.len(), 1, "one YAML document expected:\n{text}");
    let doc = docs.remove(0);
    assert!(
        doc.as_hash().is_some(),
        "front matter is not a mapping:\n{text}"
    );
    doc
}

/// A front-matter field read as a string (panics if it is not one).
pub fn fm_str(document: &str, key: &str) -> String {
    let fm = front_matter(document);
    match &fm[key] {
        yaml_rust2::Yaml::String(s) => s.clone(),
        other => panic!("{key} is not a string but {other:?} in:\n{document}"),
    }
}

/// A front-matter list of strings (panics if it is not one).
pub fn fm_list(document: &str, key: &str) -> Vec<String> {
    let fm = front_matter(document);
    let items = fm[key]
        .as_vec()
        .unwrap_or_else(|| panic!("{key} is not a list in:\n{document}"));
    items
        .iter()
        .map(|item| {
            item.as_str()
                .unwrap_or_else(|| panic!("{key} has a non-string item {item:?}"))
                .to_string()
        })
        .collect()
}

/// One spec's front matter values, for fixture files: a valid spec whose
/// exact bytes no assertion depends on. Lines: `spec-id` 2, `title` 3,
/// `status` 4, `priority` 5, `owner` 6, `created` 7, `updated` 8, `tags` 9;
/// the changelog (one "Initial draft created" entry) ends the file.
///
/// ```ignore
/// repo.write("specs/0002-x.md", &SpecFx { status: "review", ..SpecFx::new(2, "X") }.text());
/// ```
#[derive(Clone)]
pub struct SpecFx<'a> {
    pub number: u64,
    pub title: &'a str,
    pub status: &'a str,
    pub priority: &'a str,
    pub owner: &'a str,
    pub updated: &'a str,
    pub tags: &'a [&'a str],
}

impl Default for SpecFx<'_> {
    fn default() -> Self {
        SpecFx {
            number: 1,
            title: "A spec",
            status: "draft",
            priority: "medium",
            owner: OWNER,
            updated: "2026-01-10",
            tags: &[],
        }
    }
}

impl<'a> SpecFx<'a> {
    /// The defaults with this number and title.
    pub fn new(number: u64, title: &'a str) -> Self {
        SpecFx {
            number,
            title,
            ..SpecFx::default()
        }
    }

    /// The document: front matter (title, owner and tags double-quoted),
    /// a heading and the changelog.
    pub fn text(&self) -> String {
        let tags: Vec<String> = self.tags.iter().map(|t| yaml_quoted(t)).collect();
        format!(
            "---\nspec-id: SPEC-{:04}\ntitle: {}\nstatus: {}\npriority: {}\nowner: {}\ncreated: 2026-01-01\nupdated: {}\ntags: [{}]\n---\n\n# {}\n\n## Changelog\n\n- 2026-01-01: Initial draft created\n",
            self.number,
            yaml_quoted(self.title),
            self.status,
            self.priority,
            yaml_quoted(self.owner),
            self.updated,
            tags.join(", "),
            self.title
        )
    }
}

/// A double-quoted YAML scalar.
pub fn yaml_quoted(value: &str) -> String {
    format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The changelog line `git spec status` (and the commit hook) writes on
/// `date` for the test identity, without the newline.
pub fn status_entry_on(date: &str, from: &str, to: &str) -> String {
    format!("- {date}: Status changed from {from} to {to} by {USER_NAME}")
}

/// [`status_entry_on`] the pinned day [`SPEC_DATE`].
pub fn status_entry(from: &str, to: &str) -> String {
    status_entry_on(SPEC_DATE, from, to)
}

// ---------------------------------------------------------------------------
// A team: one bare origin and clones of it, for reservation tests.
// ---------------------------------------------------------------------------

/// A sandbox with a bare `origin.git` holding one commit on `main`, and
/// `count` clones of it (`clone0`, `clone1`, ...).
pub fn team(count: usize) -> (Arc<Sandbox>, PathBuf, Vec<TestRepo>) {
    let sandbox = Sandbox::new();
    let origin = sandbox.init_bare("origin.git");
    let first = sandbox.clone_repo(&origin, "clone0");
    first.write("README.md", "# Project\n");
    first.commit_all("Initial commit");
    first.git(&["push", "-q", "origin", "main"]);
    let mut clones = vec![first];
    for i in 1..count {
        clones.push(sandbox.clone_repo(&origin, &format!("clone{i}")));
    }
    (sandbox, origin, clones)
}

/// `git --git-dir=<bare> ARGS`, asserting success; stdout.
pub fn bare_git(sandbox: &Sandbox, bare: &Path, args: &[&str]) -> String {
    let git_dir = format!("--git-dir={}", bare.display());
    let mut all = vec![git_dir.as_str()];
    all.extend_from_slice(args);
    stdout(&sandbox.git_in(&sandbox.root, &all))
}

/// Every ref under `refs/specs` of a bare repository (what
/// `git --git-dir=origin.git for-each-ref refs/specs` shows), by name.
pub fn remote_spec_refs(sandbox: &Sandbox, bare: &Path) -> Vec<String> {
    bare_git(
        sandbox,
        bare,
        &["for-each-ref", "--format=%(refname)", "refs/specs"],
    )
    .lines()
    .map(str::to_string)
    .collect()
}

/// The numbers of the reservation refs `refs/specs/ids/<n>` of a bare
/// repository; panics on any other ref under `refs/specs`.
pub fn remote_reserved(sandbox: &Sandbox, bare: &Path) -> std::collections::BTreeSet<u64> {
    remote_spec_refs(sandbox, bare)
        .iter()
        .map(|name| {
            name.strip_prefix("refs/specs/ids/")
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("unexpected ref on the remote: {name}"))
        })
        .collect()
}

/// The numbers of a clone's local copy of `remote`'s reservations
/// (`refs/specs/remote/<remote>/ids/<n>`).
pub fn mirrored(repo: &TestRepo, remote: &str) -> std::collections::BTreeSet<u64> {
    let namespace = format!("refs/specs/remote/{remote}/ids/");
    repo.git_out(&["for-each-ref", "--format=%(refname)", &namespace])
        .lines()
        .map(|name| {
            name.strip_prefix(&namespace)
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("unexpected mirror ref: {name}"))
        })
        .collect()
}

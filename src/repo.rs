//! Everything that touches git2: discovery, identity, refs and commits;
//! and the commits made with the user's own `git commit`.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use anyhow::{anyhow, bail, Context, Result};
use git2::{Oid, Repository, Signature};

pub struct Repo {
    pub git: Repository,
    /// Root of the working tree (of this worktree, for a linked one).
    pub workdir: PathBuf,
}

/// `user.name` / `user.email` as git resolves them for this repository.
#[derive(Debug, Clone)]
pub struct Identity {
    pub name: String,
    pub email: String,
}

impl Repo {
    /// Opens the repository around the current directory the way git does,
    /// honouring `GIT_DIR`, `GIT_INDEX_FILE` (the index a hook must see) and
    /// `GIT_CONFIG_GLOBAL`.
    pub fn open() -> Result<Repo> {
        // libgit2 re-hashes every object it reads (git itself does not);
        // on a first run over thousands of large spec trees that hashing
        // was most of the time. Object ids are still checked by git fsck.
        git2::opts::strict_hash_verification(false);
        let git = Repository::open_from_env().map_err(|err| {
            if err.code() == git2::ErrorCode::NotFound {
                anyhow!("not a git repository (or any of the parent directories): run git spec inside a repository, or create one with `git init`")
            } else {
                anyhow!("cannot open the git repository: {}", err.message())
            }
        })?;
        if git.is_bare() {
            bail!(
                "{} is a bare repository: git spec needs a working tree; run it in a clone (`git clone {}`)",
                git.path().display(),
                git.path().display()
            );
        }
        let workdir = git
            .workdir()
            .ok_or_else(|| anyhow!("the repository has no working tree"))?;
        let workdir = workdir
            .canonicalize()
            .unwrap_or_else(|_| workdir.to_path_buf());
        Ok(Repo { git, workdir })
    }

    /// The git dir shared by all worktrees: locks and caches live there so
    /// that every worktree of a clone sees them.
    pub fn common_dir(&self) -> &Path {
        self.git.commondir()
    }

    /// A config value as git resolves it, including `git -c key=value`
    /// (GIT_CONFIG_PARAMETERS) and GIT_CONFIG_COUNT/KEY/VALUE, which
    /// libgit2 ignores. None when unset or empty.
    pub fn config_string(&self, key: &str) -> Option<String> {
        let value = match command_line_config(key) {
            Some(value) => Some(value),
            None => self.git.config().ok()?.get_string(key).ok(),
        };
        value.filter(|v| !v.trim().is_empty())
    }

    pub fn identity(&self) -> Result<Identity> {
        let get = |key: &str| self.config_string(key);
        match (get("user.name"), get("user.email")) {
            (Some(name), Some(email)) => Ok(Identity { name, email }),
            (name, email) => {
                let mut fixes = Vec::new();
                if name.is_none() {
                    fixes.push("git config --global user.name \"Your Name\"");
                }
                if email.is_none() {
                    fixes.push("git config --global user.email \"you@example.com\"");
                }
                bail!(
                    "git does not know who you are (user.name/user.email are not set); run:\n  {}\n(or drop --global to set it for this repository only)",
                    fixes.join("\n  ")
                )
            }
        }
    }

    /// The commit HEAD points at, or None in a repository without commits.
    pub fn head_commit(&self) -> Result<Option<git2::Commit<'_>>> {
        match self.git.head() {
            Ok(head) => Ok(Some(
                head.peel_to_commit()
                    .context("HEAD does not point at a commit")?,
            )),
            Err(err)
                if err.code() == git2::ErrorCode::UnbornBranch
                    || err.code() == git2::ErrorCode::NotFound =>
            {
                Ok(None)
            }
            Err(err) => Err(err).context("cannot read HEAD"),
        }
    }

    /// The full ref name HEAD points at (also when unborn), None when detached.
    pub fn head_ref_name(&self) -> Option<String> {
        let head = self.git.find_reference("HEAD").ok()?;
        head.symbolic_target().ok().flatten().map(str::to_string)
    }

    /// Author/committer signatures as `git commit` would make them: the
    /// configured identity, overridden by `GIT_AUTHOR_*` / `GIT_COMMITTER_*`
    /// (libgit2's own `signature()` ignores those variables).
    pub fn signatures(
        &self,
        identity: &Identity,
    ) -> Result<(Signature<'static>, Signature<'static>)> {
        let make = |role: &str| -> Result<Signature<'static>> {
            let name =
                std::env::var(format!("GIT_{role}_NAME")).unwrap_or_else(|_| identity.name.clone());
            let email = std::env::var(format!("GIT_{role}_EMAIL"))
                .unwrap_or_else(|_| identity.email.clone());
            let var = format!("GIT_{role}_DATE");
            match std::env::var(&var) {
                Ok(date) => {
                    let (seconds, offset_minutes) = parse_git_date(&date)
                        .ok_or_else(|| anyhow!("cannot read {var}={date:?}: use \"@<seconds> +0000\" or \"YYYY-MM-DDTHH:MM:SS+00:00\""))?;
                    Ok(Signature::new(
                        &name,
                        &email,
                        &git2::Time::new(seconds, offset_minutes),
                    )?)
                }
                Err(_) => Ok(Signature::now(&name, &email)?),
            }
        };
        Ok((make("AUTHOR")?, make("COMMITTER")?))
    }

    /// Commits `tree` on top of `parent` (None: a root commit) and points
    /// `refname` at it, without touching the index or working tree. git2
    /// runs no hooks and does not sign: only for a branch that is not
    /// checked out; everything else commits through [`Repo::git_commit`].
    fn commit_tree(
        &self,
        refname: &str,
        parent: Option<&git2::Commit<'_>>,
        tree: Oid,
        message: &str,
        identity: &Identity,
    ) -> Result<Oid> {
        let (author, committer) = self.signatures(identity)?;
        let tree = self.git.find_tree(tree)?;
        let parents: Vec<&git2::Commit<'_>> = parent.into_iter().collect();
        let oid = self
            .git
            .commit(None, &author, &committer, message, &tree, &parents)
            .context("cannot create the commit")?;
        let expected = parent.map(|p| p.id());
        match expected {
            Some(old) => self
                .git
                .reference_matching(refname, oid, true, old, message),
            None => self.git.reference(refname, oid, false, message),
        }
        .with_context(|| format!("cannot update {refname}"))?;
        Ok(oid)
    }

    /// Commits one file with these bytes as a regular file, and nothing
    /// else, on top of `parent` (None: a root commit) and points `refname`
    /// at it; the index and working tree are left alone. For a branch that
    /// is not checked out, which `git commit` cannot commit on: no hooks
    /// run and `commit.gpgsign` does not apply (see [`Repo::git_commit`]).
    pub fn commit_file(
        &self,
        refname: &str,
        parent: Option<&git2::Commit<'_>>,
        relative: &Path,
        content: &[u8],
        message: &str,
        identity: &Identity,
    ) -> Result<Oid> {
        let base = parent.map(|c| c.tree()).transpose()?;
        let blob = self.git.blob(content)?;
        let tree = self.tree_with_file(base.as_ref(), relative, blob, 0o100644)?;
        self.commit_tree(refname, parent, tree, message, identity)
    }

    /// Commits exactly `paths` (relative to the root, in the working tree)
    /// on HEAD with the user's own git: `git add` for a path git does not
    /// track yet, then `git commit --only -- <paths>`. Only those paths
    /// are committed; whatever else is staged stays staged and out of the
    /// commit. The user's hooks run (`commit-msg`, `pre-commit`, ...),
    /// `commit.gpgsign` applies, and git reads `GIT_AUTHOR_*` /
    /// `GIT_COMMITTER_*` itself. Paths go as literal pathspecs (no glob
    /// or magic), after `--`.
    ///
    /// git's output is captured: on success it goes to stderr (a hook's
    /// prints); on failure the error says whether HEAD moved (it is
    /// checked), quotes git and ends with `kept`, what the caller leaves in
    /// the working tree ("SPEC-0042 was changed in specs/x.md but not
    /// committed: the change is kept in the working tree"). A path this
    /// call staged is unstaged again then, so the index is as it was.
    pub fn git_commit(&self, paths: &[&Path], message: &str, kept: &str) -> Result<()> {
        let head_before = self.head_oid();
        let mut added = Vec::new();
        for path in paths {
            let tracked = self
                .run_git(&[
                    "ls-files".into(),
                    "-z".into(),
                    "--cached".into(),
                    "--".into(),
                    literal(path),
                ])
                .context(kept.to_string())?;
            if !tracked.status.success() {
                bail!(
                    "cannot ask git whether {} is tracked, so nothing was committed (HEAD is unchanged):\n{}{kept}",
                    path.display(),
                    quoted_output(&tracked)
                );
            }
            // A path git does not track but that is gone from the work
            // tree is a deletion (the old name of a renamed spec): `commit
            // --only` takes it from HEAD, with nothing to add.
            if tracked.stdout.is_empty() && self.workdir.join(path).exists() {
                // `--force`: the user asked for this file to be committed,
                // even in a folder a .gitignore covers.
                let add = self
                    .run_git(&["add".into(), "--force".into(), "--".into(), literal(path)])
                    .context(kept.to_string())?;
                if !add.status.success() {
                    self.unstage(&added);
                    bail!(
                        "`git add {}` failed, so nothing was committed (HEAD is unchanged):\n{}{kept}",
                        path.display(),
                        quoted_output(&add)
                    );
                }
                added.push(*path);
            }
        }
        let mut args: Vec<OsString> = vec![
            "commit".into(),
            "--quiet".into(),
            "-m".into(),
            message.into(),
            "--only".into(),
            "--".into(),
        ];
        args.extend(paths.iter().map(|path| literal(path)));
        let out = match self.run_git(&args) {
            Ok(out) => out,
            Err(err) => {
                self.unstage(&added);
                return Err(err.context(kept.to_string()));
            }
        };
        let head_after = self.head_oid();
        if out.status.success() {
            // What a hook printed, as git would have shown it.
            for stream in [&out.stdout, &out.stderr] {
                if !stream.is_empty() {
                    eprint!("{}", crate::term::text(&String::from_utf8_lossy(stream)));
                }
            }
            return Ok(());
        }
        if head_after != head_before {
            bail!(
                "`git commit` reported an error, but HEAD moved from {} to {}: check the commit with `git log -1 --stat`:\n{}",
                describe(head_before),
                describe(head_after),
                quoted_output(&out)
            );
        }
        self.unstage(&added);
        bail!(
            "`git commit` failed, so nothing was committed (HEAD is unchanged):\n{}{kept}",
            quoted_output(&out)
        )
    }

    /// The commit HEAD resolves to, None while unborn (or unreadable).
    fn head_oid(&self) -> Option<Oid> {
        self.git.refname_to_id("HEAD").ok()
    }

    /// Takes paths that [`Repo::git_commit`] staged out of the index again.
    fn unstage(&self, paths: &[&Path]) {
        if paths.is_empty() {
            return;
        }
        let mut args: Vec<OsString> = vec![
            "rm".into(),
            "--cached".into(),
            "--quiet".into(),
            "--ignore-unmatch".into(),
            "--".into(),
        ];
        args.extend(paths.iter().map(|path| literal(path)));
        let _ = self.run_git(&args);
    }

    /// `git ARGS` in the working-tree root, with stdin closed and the
    /// output captured: the one place git-spec runs the user's `git` (for
    /// `--commit`, and `reserve`'s push and fetch). Arguments go as a
    /// list, never through a shell; no password prompt can hold it up.
    pub fn run_git<S: AsRef<std::ffi::OsStr>>(&self, args: &[S]) -> Result<Output> {
        if crate::term::verbose() > 0 {
            let shown: Vec<String> = args
                .iter()
                .map(|a| a.as_ref().to_string_lossy().into_owned())
                .collect();
            errln!("git-spec: running git {}", shown.join(" "));
        }
        Command::new("git")
            .args(args)
            .current_dir(&self.workdir)
            .env("GIT_TERMINAL_PROMPT", "0")
            .stdin(Stdio::null())
            .output()
            .context("cannot run git (is it installed and on PATH?)")
    }

    /// A tree equal to `base` (or empty) with `path` set to `blob`.
    fn tree_with_file(
        &self,
        base: Option<&git2::Tree<'_>>,
        path: &Path,
        blob: Oid,
        mode: i32,
    ) -> Result<Oid> {
        let components: Vec<&str> = path
            .iter()
            .map(|c| {
                c.to_str()
                    .ok_or_else(|| anyhow!("path {} is not UTF-8", path.display()))
            })
            .collect::<Result<_>>()?;
        self.insert_into_tree(base, &components, blob, mode)
    }

    fn insert_into_tree(
        &self,
        base: Option<&git2::Tree<'_>>,
        components: &[&str],
        blob: Oid,
        mode: i32,
    ) -> Result<Oid> {
        let mut builder = self.git.treebuilder(base)?;
        let (name, rest) = components
            .split_first()
            .ok_or_else(|| anyhow!("empty path"))?;
        if rest.is_empty() {
            builder.insert(name, blob, mode)?;
        } else {
            let subtree = match base.and_then(|tree| tree.get_name(name)) {
                Some(entry) if entry.kind() == Some(git2::ObjectType::Tree) => {
                    Some(self.git.find_tree(entry.id())?)
                }
                _ => None,
            };
            let sub = self.insert_into_tree(subtree.as_ref(), rest, blob, mode)?;
            builder.insert(name, sub, 0o040000)?;
        }
        Ok(builder.write()?)
    }

    /// Refuses while git is in the middle of something (a merge, rebase,
    /// cherry-pick, revert, am or bisect): git itself refuses to switch
    /// branches then, for a reason (`rebase --continue` commits onto
    /// whatever HEAD is by then), and a spec written now would be mixed
    /// into the operation's result. `doing` names the command for the
    /// message.
    pub fn ensure_no_operation_in_progress(&self, doing: &str) -> Result<()> {
        use git2::RepositoryState as State;
        let (what, finish) = match self.git.state() {
            State::Clean => return Ok(()),
            State::Merge => ("a merge", "git commit (or git merge --abort)"),
            State::Revert | State::RevertSequence => {
                ("a revert", "git revert --continue (or --abort)")
            }
            State::CherryPick | State::CherryPickSequence => {
                ("a cherry-pick", "git cherry-pick --continue (or --abort)")
            }
            State::Bisect => ("a bisect", "git bisect reset"),
            State::Rebase | State::RebaseInteractive | State::RebaseMerge => {
                ("a rebase", "git rebase --continue (or --abort)")
            }
            State::ApplyMailbox | State::ApplyMailboxOrRebase => {
                ("git am", "git am --continue (or --abort)")
            }
        };
        bail!("{what} is in progress: {doing} would mix into it; finish it first with {finish}, then run the command again; nothing was changed")
    }

    /// Whether the index holds a merge conflict for `relative` (from the
    /// root): sides to choose, or conflict markers git left in the file.
    pub fn is_conflicted(&self, relative: &Path) -> Result<bool> {
        let index = self.git.index().context("cannot read the index")?;
        if !index.has_conflicts() {
            return Ok(false);
        }
        let conflicted = index.conflicts()?.flatten().any(|conflict| {
            [conflict.ancestor, conflict.our, conflict.their]
                .into_iter()
                .flatten()
                .any(|entry| Path::new(std::str::from_utf8(&entry.path).unwrap_or("")) == relative)
        });
        Ok(conflicted)
    }

    /// Refuses when the index holds a merge conflict for `relative` (a
    /// spec that still has conflict markers, or sides to choose).
    pub fn ensure_not_conflicted(&self, relative: &Path) -> Result<()> {
        if self.is_conflicted(relative)? {
            bail!(
                "{} has a merge conflict: resolve it and `git add` it first; nothing was changed",
                relative.display()
            );
        }
        Ok(())
    }

    /// Everything `--commit` needs, checked before the first byte of the
    /// working tree changes: no other git holding the index lock, and
    /// author and committer that git would accept (GIT_AUTHOR_DATE...).
    /// `through_libgit2`: the commit is made by libgit2 (`new --no-checkout
    /// --commit`), whose dates are read by [`Repo::signatures`]; else git
    /// reads them, and `git var` is asked.
    pub fn ensure_can_commit(&self, identity: &Identity, through_libgit2: bool) -> Result<()> {
        let lock = self.git.path().join("index.lock");
        if lock.exists() {
            bail!(
                "unable to create '{}': file exists.\n\
                 Another git process seems to be running in this repository; if it is not, \
                 remove the file and run the command again: rm '{}'\nNothing was changed.",
                lock.display(),
                lock.display()
            );
        }
        if through_libgit2 {
            self.signatures(identity)
                .context("cannot commit, so nothing was changed")?;
            return Ok(());
        }
        // What `git commit` itself will make of the identity and dates
        // (git reads more date formats than we do).
        for ident in ["GIT_AUTHOR_IDENT", "GIT_COMMITTER_IDENT"] {
            let out = self.run_git(&["var", ident])?;
            if !out.status.success() {
                let (role, prefix) = match ident {
                    "GIT_AUTHOR_IDENT" => ("author", "GIT_AUTHOR_"),
                    _ => ("committer", "GIT_COMMITTER_"),
                };
                // Name what the user set, which is usually the culprit.
                let set: Vec<String> = ["NAME", "EMAIL", "DATE"]
                    .iter()
                    .filter_map(|part| {
                        let var = format!("{prefix}{part}");
                        std::env::var(&var)
                            .ok()
                            .map(|value| format!("{var}={value:?}"))
                    })
                    .collect();
                let set = if set.is_empty() {
                    "user.name and user.email".to_string()
                } else {
                    set.join(", ")
                };
                bail!(
                    "cannot commit: git refuses the {role} it would record ({set}): {}; nothing was changed",
                    String::from_utf8_lossy(&out.stderr).trim()
                );
            }
        }
        Ok(())
    }

    /// The remotes the user configured (`git remote`).
    pub fn remote_names(&self) -> Vec<String> {
        self.git
            .remotes()
            .map(|names| {
                names
                    .iter()
                    .flatten()
                    .flatten()
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The roots of every working tree of this clone: the main one and
    /// each linked worktree (this one included), as far as they exist.
    pub fn worktree_roots(&self) -> Vec<PathBuf> {
        let mut roots = vec![self.workdir.clone()];
        let common = self.common_dir();
        // The main worktree is the folder holding the common `.git`.
        if common.file_name().is_some_and(|name| name == ".git") {
            if let Some(main) = common.parent() {
                roots.push(main.to_path_buf());
            }
        }
        if let Ok(names) = self.git.worktrees() {
            for name in names.iter().flatten().flatten() {
                if let Ok(worktree) = self.git.find_worktree(name) {
                    roots.push(worktree.path().to_path_buf());
                }
            }
        }
        let mut unique: Vec<PathBuf> = Vec::new();
        for root in roots {
            let root = root.canonicalize().unwrap_or(root);
            if root.is_dir() && !unique.contains(&root) {
                unique.push(root);
            }
        }
        unique
    }

    /// Path relative to the working-tree root, with `/` separators.
    /// A path as every `--json` prints it: from the repository root,
    /// `/`-separated, wherever the command ran.
    pub fn json_path(&self, path: &Path) -> String {
        self.relative_to_root(path)
            .to_string_lossy()
            .replace('\\', "/")
    }

    pub fn relative_to_root(&self, path: &Path) -> PathBuf {
        path.strip_prefix(&self.workdir)
            .unwrap_or(path)
            .to_path_buf()
    }
}

/// `path` as a pathspec that matches exactly that path (`:(literal)`):
/// a `*`, `?`, `[` or a leading `:` in a file name stays literal.
fn literal(path: &Path) -> OsString {
    let mut spec = OsString::from(":(literal)");
    spec.push(path);
    spec
}

/// What git printed (stdout, then stderr), each line indented by two
/// spaces and ending with a newline; empty when it printed nothing.
fn quoted_output(out: &Output) -> String {
    let mut quoted = String::new();
    for stream in [&out.stdout, &out.stderr] {
        for line in String::from_utf8_lossy(stream).lines() {
            if !line.trim().is_empty() {
                quoted.push_str("  ");
                quoted.push_str(line.trim_end());
                quoted.push('\n');
            }
        }
    }
    quoted
}

/// A commit id for a message, or `no commit` for an unborn HEAD.
fn describe(oid: Option<Oid>) -> String {
    oid.map_or_else(|| "no commit".to_string(), |oid| oid.to_string())
}

/// The last value `git -c` or GIT_CONFIG_COUNT gave `key` (keys compare
/// case-insensitively, as git's section and variable names do).
fn command_line_config(key: &str) -> Option<String> {
    let mut found = None;
    if let Ok(parameters) = std::env::var("GIT_CONFIG_PARAMETERS") {
        for (name, value) in parse_config_parameters(&parameters) {
            if name.eq_ignore_ascii_case(key) {
                found = Some(value);
            }
        }
    }
    let count: usize = std::env::var("GIT_CONFIG_COUNT")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    for i in 0..count {
        let name = std::env::var(format!("GIT_CONFIG_KEY_{i}")).unwrap_or_default();
        if name.eq_ignore_ascii_case(key) {
            found = std::env::var(format!("GIT_CONFIG_VALUE_{i}")).ok();
        }
    }
    found
}

/// GIT_CONFIG_PARAMETERS as git writes it: entries separated by spaces,
/// each `'key'='value'` (or the older `'key=value'`), shell single-quoted
/// with `'\''` for a quote.
fn parse_config_parameters(text: &str) -> Vec<(String, String)> {
    let mut chars = text.chars().peekable();
    let mut entries = Vec::new();
    // One shell word made of quoted parts and backslash-escaped characters.
    let word = |chars: &mut std::iter::Peekable<std::str::Chars<'_>>| -> Option<String> {
        let mut out = String::new();
        let mut any = false;
        loop {
            match chars.peek() {
                Some('\'') => {
                    chars.next();
                    any = true;
                    for c in chars.by_ref() {
                        if c == '\'' {
                            break;
                        }
                        out.push(c);
                    }
                }
                Some('\\') => {
                    chars.next();
                    out.extend(chars.next());
                    any = true;
                }
                _ => break,
            }
        }
        any.then_some(out)
    };
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let Some(first) = word(&mut chars) else { break };
        if chars.next_if_eq(&'=').is_some() {
            entries.push((first, word(&mut chars).unwrap_or_default()));
        } else if let Some((key, value)) = first.split_once('=') {
            entries.push((key.to_string(), value.to_string()));
        } else {
            // `-c key` alone means true.
            entries.push((first, "true".to_string()));
        }
    }
    entries
}

/// The id of the spec folder's tree in a commit; None when `commit` is not
/// a commit (a ref may point at a tag or a tree) or has no such folder.
pub fn spec_folder(git: &git2::Repository, commit: Oid, dir: &str) -> Result<Option<Oid>> {
    // An object that cannot be read is an error, as it is for git: a
    // branch skipped would hand out the ids it uses. A ref to something
    // other than a commit holds no spec folder.
    let object = git.find_object(commit, None).map_err(|err| {
        anyhow::anyhow!(
            "cannot read commit {commit} (`git fsck` tells what is damaged): {}",
            err.message()
        )
    })?;
    let Some(commit) = object.as_commit() else {
        return Ok(None);
    };
    let tree = commit.tree().map_err(|err| {
        anyhow::anyhow!(
            "cannot read the tree of commit {} (`git fsck` tells what is damaged): {}",
            commit.id(),
            err.message()
        )
    })?;
    match tree.get_path(Path::new(dir)) {
        Ok(entry) if entry.kind() == Some(git2::ObjectType::Tree) => Ok(Some(entry.id())),
        Ok(_) => Ok(None),
        Err(err) if err.code() == git2::ErrorCode::NotFound => Ok(None),
        Err(err) => Err(anyhow::anyhow!(
            "cannot read {dir} in commit {} (`git fsck` tells what is damaged): {}",
            commit.id(),
            err.message()
        )),
    }
}

/// [`spec_folder`] of each branch tip `(branch, commit)`, in order; an
/// error names the branch. A first `new` or a `list --all-branches` asks
/// for thousands (a commit and its root tree read each, about 8 µs), so
/// they are shared among threads, each with its own handle on the object
/// database.
pub fn spec_folders(
    git: &git2::Repository,
    tips: &[(&str, Oid)],
    dir: &str,
) -> Result<Vec<Option<Oid>>> {
    let git_dir = git.path();
    crate::parallel::map_with(
        tips,
        256,
        || git2::Repository::open(git_dir),
        |git, &(branch, commit)| {
            let git = git
                .as_ref()
                .map_err(|e| anyhow::anyhow!("cannot open the repository: {}", e.message()))?;
            spec_folder(git, commit, dir)
                .with_context(|| format!("cannot read the tree of {branch}"))
        },
    )
    .into_iter()
    .collect()
}

/// `git diff`-style unified diff of one file's change, computed by libgit2.
pub fn unified_diff(old: &[u8], new: &[u8], old_path: &Path, new_path: &Path) -> Result<String> {
    let mut patch = git2::Patch::from_buffers(old, Some(old_path), new, Some(new_path), None)?;
    Ok(String::from_utf8_lossy(&patch.to_buf()?).into_owned())
}

/// How to show `path` to the user: relative to the current directory.
pub fn display_path(path: &Path) -> PathBuf {
    let Ok(cwd) = std::env::current_dir() else {
        return path.to_path_buf();
    };
    let cwd = cwd.canonicalize().unwrap_or(cwd);
    relative_path(path, &cwd)
}

/// `path` relative to `base`, with `..` where needed (both absolute).
pub fn relative_path(path: &Path, base: &Path) -> PathBuf {
    let path_parts: Vec<_> = path.components().collect();
    let base_parts: Vec<_> = base.components().collect();
    let common = path_parts
        .iter()
        .zip(&base_parts)
        .take_while(|(a, b)| a == b)
        .count();
    let mut out = PathBuf::new();
    for _ in common..base_parts.len() {
        out.push("..");
    }
    for part in &path_parts[common..] {
        out.push(part);
    }
    out
}

/// The date formats of `GIT_AUTHOR_DATE` that tests and scripts use:
/// `@<seconds> <+hhmm>`, `<seconds> <+hhmm>`, RFC 3339 and RFC 2822.
fn parse_git_date(value: &str) -> Option<(i64, i32)> {
    let value = value.trim();
    let raw = value.strip_prefix('@').unwrap_or(value);
    let mut parts = raw.split_whitespace();
    if let (Some(secs), tz) = (parts.next(), parts.next()) {
        if let Ok(seconds) = secs.parse::<i64>() {
            let offset = match tz {
                None => 0,
                Some(tz) => parse_tz(tz)?,
            };
            return Some((seconds, offset));
        }
    }
    let parsed = chrono::DateTime::parse_from_rfc3339(value)
        .or_else(|_| chrono::DateTime::parse_from_rfc2822(value))
        .or_else(|_| chrono::DateTime::parse_from_str(value, "%Y-%m-%d %H:%M:%S %z"))
        .ok()?;
    Some((parsed.timestamp(), parsed.offset().local_minus_utc() / 60))
}

fn parse_tz(tz: &str) -> Option<i32> {
    let (sign, digits) = match tz.as_bytes().first()? {
        b'+' => (1, &tz[1..]),
        b'-' => (-1, &tz[1..]),
        _ => (1, tz),
    };
    if digits.len() != 4 {
        return None;
    }
    let hours: i32 = digits[..2].parse().ok()?;
    let minutes: i32 = digits[2..].parse().ok()?;
    Some(sign * (hours * 60 + minutes))
}

/// `message` (a subject line ending in a newline) with the trailer
/// `Spec-Agent: CLIENT` when an agent made the change through
/// `git spec mcp`, so that `git log` and reviewers tell an agent's commit
/// from a person's (`git log --format='%(trailers:key=Spec-Agent)'`).
pub fn with_agent_trailer(message: String, via: Option<&str>) -> String {
    match via {
        Some(client) => format!("{}\n\nSpec-Agent: {client}\n", message.trim_end()),
        None => message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths() {
        assert_eq!(
            relative_path(Path::new("/r/specs/a.md"), Path::new("/r")),
            PathBuf::from("specs/a.md")
        );
        assert_eq!(
            relative_path(Path::new("/r/specs/a.md"), Path::new("/r/src/x")),
            PathBuf::from("../../specs/a.md")
        );
    }

    #[test]
    fn config_parameters() {
        assert_eq!(
            parse_config_parameters(
                "'user.name'='Command Line' 'core.editor=vim -f' 'x.y'='it'\\''s'"
            ),
            vec![
                ("user.name".to_string(), "Command Line".to_string()),
                ("core.editor".to_string(), "vim -f".to_string()),
                ("x.y".to_string(), "it's".to_string()),
            ]
        );
    }

    #[test]
    fn git_dates() {
        assert_eq!(
            parse_git_date("@1700000000 +0100"),
            Some((1_700_000_000, 60))
        );
        assert_eq!(
            parse_git_date("1700000000 -0230"),
            Some((1_700_000_000, -150))
        );
        assert_eq!(
            parse_git_date("2026-01-02T03:04:05Z"),
            Some((1_767_323_045, 0))
        );
        assert_eq!(parse_git_date("yesterday"), None);
    }
}

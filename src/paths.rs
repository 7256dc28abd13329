//! The one place that turns a path taken from the repository into a path
//! the tool may read or write.
//!
//! Everything in a clone is untrusted input: `.specrc` comes with the pull
//! request under review, and so do committed symbolic links (`specs ->
//! ../outside` is a legitimate git object). A path from the repository
//! (`dir`, `template`, `index.file`, the files `init` writes) is accepted
//! only when it is relative, has no `..`, does not name `.git`, and every
//! part of it that exists, symbolic links followed, resolves inside the
//! work tree and outside the git dir. Whatever does not exist yet is
//! created by the tool as plain folders and files, so it stays inside too.

use std::path::{Component, Path, PathBuf};

use anyhow::{anyhow, bail, Result};

use crate::repo::Repo;

/// Where repository paths must stay: the work tree, minus the git dirs.
#[derive(Debug, Clone)]
pub struct Bounds {
    /// The work tree's root as given (for building and showing paths).
    root: PathBuf,
    /// The same, symbolic links resolved (for comparing).
    real_root: PathBuf,
    /// This worktree's git dir and the common one, resolved.
    git_dirs: Vec<PathBuf>,
}

impl Bounds {
    pub fn of(repo: &Repo) -> Bounds {
        let resolve = |path: &Path| path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
        let mut git_dirs = vec![resolve(repo.git.path()), resolve(repo.common_dir())];
        git_dirs.dedup();
        Bounds {
            root: repo.workdir.clone(),
            real_root: resolve(&repo.workdir),
            git_dirs,
        }
    }

    /// `value` (as written in `.specrc`, named `key` in messages) as a path
    /// under the work tree, after proving it stays inside. The returned
    /// path is the lexical one (`<root>/specs/x`), which is what the user
    /// sees; every link along it was checked.
    pub fn inside(&self, value: &str, key: &str) -> Result<PathBuf> {
        let relative = lexically_inside(value, key)?;
        // A command-line option (`--out`) is fixed on the command line,
        // a key in .specrc.
        let repoint = if key.starts_with("--") {
            format!("give {key} a folder of the work tree")
        } else {
            format!("point `{key}` in .specrc at a folder of the work tree")
        };
        let full = self.root.join(&relative);
        // The longest part of the path that exists decides where it leads:
        // the rest will be created as plain folders and files.
        let mut existing = full.as_path();
        while existing.symlink_metadata().is_err() {
            match existing.parent() {
                Some(parent) if parent.starts_with(&self.root) => existing = parent,
                _ => break,
            }
        }
        let real = existing.canonicalize().map_err(|err| {
            anyhow::anyhow!(
                "{key} = {value:?}: cannot resolve {}: {err} (a symbolic link to nowhere?); \
                 remove the link or {repoint}",
                existing.display()
            )
        })?;
        if !real.starts_with(&self.real_root) {
            bail!(
                "{key} = {value:?} leads outside the work tree: {} resolves to {} through a symbolic link; \
                 git spec never reads or writes outside the repository (remove the link, or {repoint})",
                existing.display(),
                real.display()
            );
        }
        if let Some(git_dir) = self.git_dirs.iter().find(|dir| real.starts_with(dir)) {
            bail!(
                "{key} = {value:?} leads into the git dir {} ({} resolves to {}); \
                 git spec never writes there: {repoint}",
                git_dir.display(),
                existing.display(),
                real.display()
            );
        }
        Ok(full)
    }
}

impl Bounds {
    /// An existing regular file, given absolute or relative to the
    /// current directory (the temporary files git hands a merge driver
    /// are in the work tree's root), proven inside the work tree and
    /// outside the git dirs. A symbolic link is refused, not followed.
    pub fn existing_file(&self, path: &Path) -> Result<PathBuf> {
        let metadata = path
            .symlink_metadata()
            .map_err(|err| anyhow!("cannot read it: {err}"))?;
        if metadata.file_type().is_symlink() {
            bail!("it is a symbolic link, and git hands a merge driver regular files; git spec does not follow it");
        }
        if !metadata.is_file() {
            bail!("it is not a regular file");
        }
        let real = path
            .canonicalize()
            .map_err(|err| anyhow!("cannot resolve it: {err}"))?;
        if !real.starts_with(&self.real_root) {
            bail!(
                "it is outside the work tree {}; git spec never reads or writes outside the repository",
                self.root.display()
            );
        }
        if let Some(git_dir) = self.git_dirs.iter().find(|dir| real.starts_with(dir)) {
            bail!(
                "it is inside the git dir {}, which belongs to git",
                git_dir.display()
            );
        }
        Ok(real)
    }
}

/// The checks that need no file system: relative, no `..`, no `.git`
/// part. Returns the path with `.` parts and doubled slashes dropped.
pub fn lexically_inside(value: &str, key: &str) -> Result<PathBuf> {
    let example = match key {
        "template" => "templates/spec.md",
        "index.file" => "specs/README.md",
        "--out" => "spec-board",
        _ => "specs",
    };
    let fix = format!(
        "give `{key}` a path inside the repository, relative to its root, such as \"{example}\""
    );
    if value.trim().is_empty() {
        bail!("{key} is empty: {fix}");
    }
    if value.contains('\0') {
        bail!("{key} = {value:?} contains a NUL byte: {fix}");
    }
    let path = Path::new(value);
    // `C:\x` and `\\server\x` are absolute on Windows; `/x` everywhere.
    if path.is_absolute() || value.starts_with(['/', '\\']) || value.get(1..2) == Some(":") {
        bail!("{key} = {value:?} is an absolute path: {fix}");
    }
    if value.starts_with('~') {
        bail!("{key} = {value:?} names a home folder, but .specrc paths are relative to the repository root: {fix} (a template of your own goes in `git config spec.template`)");
    }
    let mut clean = PathBuf::new();
    for part in value.split(['/', '\\']) {
        match part {
            "" | "." => continue,
            ".." => bail!("{key} = {value:?} climbs out with `..`: {fix}"),
            part if part.eq_ignore_ascii_case(".git") => {
                bail!("{key} = {value:?} names a `.git` folder, which belongs to git: {fix}")
            }
            part => clean.push(part),
        }
    }
    if clean.as_os_str().is_empty() {
        bail!("{key} = {value:?} names the repository root itself: {fix}");
    }
    debug_assert!(clean
        .components()
        .all(|c| matches!(c, Component::Normal(_))));
    Ok(clean)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lexical_rules() {
        assert_eq!(
            lexically_inside("./docs//specs/", "dir").unwrap(),
            PathBuf::from("docs/specs")
        );
        for bad in [
            "",
            " ",
            "/etc",
            "\\\\server\\x",
            "C:\\x",
            "../x",
            "a/../../x",
            ".git",
            "x/.GIT/hooks",
            ".",
            "./",
            "~/.ssh/id",
        ] {
            let err = lexically_inside(bad, "index.file").unwrap_err().to_string();
            assert!(err.contains("index.file"), "{bad}: {err}");
        }
    }
}

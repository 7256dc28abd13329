//! A folder of generated files that git-spec owns (the board's site):
//! written whole or not at all, and never over files it did not write.
//!
//! The folder holds a manifest, [`MANIFEST`], naming every file git-spec
//! wrote there. A new version is written into a fresh sibling folder, then
//! swapped in with two renames, so a reader (a static host serving the
//! folder, a browser) sees the old site or the new one, never half of
//! each; a run killed midway leaves the old site and a temporary sibling
//! that the next run removes. The folder is refused when it holds anything
//! the manifest does not name (or, without a manifest, anything at all):
//! `--out docs` must not replace someone's documentation.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};

use crate::repo::display_path;

/// The manifest's file name inside the folder.
pub const MANIFEST: &str = ".git-spec-board";

/// The manifest's first line: what wrote the folder and how to read it.
const MANIFEST_HEADER: &str =
    "# Written by `git spec board`; it replaces every file listed below on each run.";

/// Replaces the folder `dir` by one holding exactly `files` (flat names,
/// no `/`) and the manifest. `dir` must not exist, be empty, or hold only
/// files of an earlier run; `flag` names the option that chose it, for
/// messages.
pub fn replace_folder(dir: &Path, files: &[(String, Vec<u8>)], flag: &str) -> Result<()> {
    let shown = display_path(dir);
    let shown = shown.display();
    let previous = previous_files(dir, flag)?;
    let (parent, name) = match (dir.parent(), dir.file_name()) {
        (Some(parent), Some(name)) => (parent, name.to_string_lossy().into_owned()),
        _ => bail!("{flag} {shown}: not a folder git spec can write"),
    };
    fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
    remove_stale_siblings(parent, &name);

    let pid = std::process::id();
    let staging = parent.join(format!(".{name}.git-spec-{pid}.tmp"));
    // Files of the earlier run that stay the same are linked, not written
    // again: creating 10,000 inodes is most of what a board costs.
    let reuse = previous.as_ref().map(|_| dir);
    let written = write_staging(&staging, files, reuse);
    if let Err(err) = written {
        let _ = fs::remove_dir_all(&staging);
        return Err(err);
    }

    match previous {
        None => fs::rename(&staging, dir).map_err(|err| {
            let _ = fs::remove_dir_all(&staging);
            anyhow!("cannot create {shown}: {err}")
        })?,
        Some(previous) => {
            let old = parent.join(format!(".{name}-old.git-spec-{pid}.tmp"));
            if let Err(err) = fs::rename(dir, &old) {
                let _ = fs::remove_dir_all(&staging);
                bail!("cannot replace {shown}: {err}");
            }
            if let Err(err) = fs::rename(&staging, dir) {
                // Put the old site back: nothing is lost.
                let _ = fs::rename(&old, dir);
                let _ = fs::remove_dir_all(&staging);
                bail!("cannot replace {shown}: {err}");
            }
            remove_listed(&old, &previous);
        }
    }
    Ok(())
}

/// What an existing `dir` holds from an earlier run: None when it does not
/// exist, the names of its files when it is empty or holds only files its
/// manifest names. Anything else is an error that says how to fix it.
fn previous_files(dir: &Path, flag: &str) -> Result<Option<Vec<String>>> {
    let shown = display_path(dir);
    let shown = shown.display();
    let meta = match fs::symlink_metadata(dir) {
        Ok(meta) => meta,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(err).with_context(|| format!("cannot read {shown}")),
    };
    if meta.file_type().is_symlink() {
        bail!(
            "{flag} {shown} is a symbolic link; git spec board does not write through links: give {flag} a plain folder"
        );
    }
    if !meta.is_dir() {
        bail!("{flag} {shown} is a file, not a folder: give {flag} a folder that git spec board may fill");
    }
    let mut names = Vec::new();
    for entry in fs::read_dir(dir).with_context(|| format!("cannot read {shown}"))? {
        let entry = entry.with_context(|| format!("cannot read {shown}"))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let is_file = entry.file_type().is_ok_and(|t| t.is_file());
        names.push((name, is_file));
    }
    if names.is_empty() {
        return Ok(Some(Vec::new()));
    }
    let manifest = dir.join(MANIFEST);
    let listed: Vec<String> = match fs::symlink_metadata(&manifest) {
        Ok(meta) if meta.is_file() => fs::read_to_string(&manifest)
            .with_context(|| format!("cannot read {}", display_path(&manifest).display()))?
            .lines()
            .filter(|line| !line.starts_with('#') && !line.is_empty())
            .map(str::to_string)
            .collect(),
        _ => bail!(
            "{flag} {shown} is not empty and was not written by git spec board (it has no {MANIFEST}); \
             nothing was written: give {flag} a new or empty folder, such as spec-board"
        ),
    };
    let mut foreign: Vec<&str> = names
        .iter()
        .filter(|(name, is_file)| {
            name != MANIFEST && (!is_file || !listed.iter().any(|l| l == name))
        })
        .map(|(name, _)| name.as_str())
        .collect();
    if !foreign.is_empty() {
        foreign.sort();
        let count = foreign.len();
        foreign.truncate(5);
        bail!(
            "{flag} {shown} holds {} that git spec board did not write: {}{}; nothing was written: \
             move {} elsewhere, or give {flag} another folder",
            crate::term::plural(count, "entry", "entries"),
            foreign.join(", "),
            if count > 5 { ", ..." } else { "" },
            if count == 1 { "it" } else { "them" }
        );
    }
    Ok(Some(listed))
}

/// Writes the files and then the manifest into a new folder `staging`. A
/// file whose content is already in `reuse` (the folder being replaced,
/// whose files were all written by git-spec) under the same name is
/// hard-linked from there instead.
fn write_staging(staging: &Path, files: &[(String, Vec<u8>)], reuse: Option<&Path>) -> Result<()> {
    fs::create_dir(staging).with_context(|| format!("cannot create {}", staging.display()))?;
    let mut manifest = String::from(MANIFEST_HEADER);
    manifest.push('\n');
    // Creating files is most of the time; two threads overlap it.
    let written = crate::parallel::map(files, 512, |(name, content)| -> Result<()> {
        debug_assert!(!name.contains(['/', '\\']) && name != MANIFEST && !name.starts_with('.'));
        let path = staging.join(name);
        let linked = reuse.is_some_and(|old| {
            let old = old.join(name);
            let same = fs::symlink_metadata(&old)
                .is_ok_and(|meta| meta.is_file() && meta.len() == content.len() as u64)
                && fs::read(&old).is_ok_and(|bytes| bytes == *content);
            same && fs::hard_link(&old, &path).is_ok()
        });
        if !linked {
            fs::write(&path, content)
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        Ok(())
    });
    written.into_iter().collect::<Result<()>>()?;
    for (name, _) in files {
        manifest.push_str(name);
        manifest.push('\n');
    }
    let path = staging.join(MANIFEST);
    fs::write(&path, manifest).with_context(|| format!("cannot write {}", path.display()))
}

/// Removes a replaced site: the files its manifest listed, the manifest,
/// then the folder if that left it empty. Anything else someone put there
/// meanwhile stays (with the folder).
fn remove_listed(old: &Path, listed: &[String]) {
    for name in listed {
        if !name.contains(['/', '\\']) && name != "." && name != ".." {
            let _ = fs::remove_file(old.join(name));
        }
    }
    let _ = fs::remove_file(old.join(MANIFEST));
    if fs::remove_dir(old).is_err() {
        errln!(
            "note: {} was left in place: it holds files added while the board was written",
            display_path(old).display()
        );
    }
}

/// Removes the temporary folders of runs that were killed midway
/// (`.NAME.git-spec-PID.tmp`, `.NAME-old.git-spec-PID.tmp`, their process
/// gone).
fn remove_stale_siblings(parent: &Path, name: &str) {
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let sibling = entry.file_name().to_string_lossy().into_owned();
        let ours = sibling.starts_with(&format!(".{name}.git-spec-"))
            || sibling.starts_with(&format!(".{name}-old.git-spec-"));
        if ours
            && crate::fsutil::is_stale_temp(&sibling)
            && entry.file_type().is_ok_and(|t| t.is_dir())
        {
            let path: PathBuf = entry.path();
            let _ = fs::remove_dir_all(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(names: &[&str]) -> Vec<(String, Vec<u8>)> {
        names
            .iter()
            .map(|n| (n.to_string(), n.as_bytes().to_vec()))
            .collect()
    }

    fn listing(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn replaces_its_own_files_and_nothing_else() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("site");
        replace_folder(&dir, &files(&["a.html", "b.html"]), "--out").unwrap();
        assert_eq!(listing(&dir), [MANIFEST, "a.html", "b.html"]);
        use std::os::unix::fs::MetadataExt;
        let inode = fs::metadata(dir.join("a.html")).unwrap().ino();
        replace_folder(&dir, &files(&["a.html"]), "--out").unwrap();
        assert_eq!(listing(&dir), [MANIFEST, "a.html"], "b.html is gone");
        assert_eq!(
            fs::metadata(dir.join("a.html")).unwrap().ino(),
            inode,
            "an unchanged file is linked, not written again"
        );
        let changed = vec![("a.html".to_string(), b"new".to_vec())];
        replace_folder(&dir, &changed, "--out").unwrap();
        assert_eq!(fs::read(dir.join("a.html")).unwrap(), b"new");
        assert_eq!(listing(root.path()), ["site"], "no temporary folder left");

        fs::write(dir.join("notes.txt"), "mine").unwrap();
        let err = replace_folder(&dir, &files(&["a.html"]), "--out")
            .unwrap_err()
            .to_string();
        assert!(err.contains("notes.txt"), "{err}");
        assert_eq!(fs::read_to_string(dir.join("notes.txt")).unwrap(), "mine");
    }

    #[test]
    fn refuses_a_folder_without_a_manifest_and_a_link() {
        let root = tempfile::tempdir().unwrap();
        let docs = root.path().join("docs");
        fs::create_dir(&docs).unwrap();
        fs::write(docs.join("index.html"), "theirs").unwrap();
        let err = replace_folder(&docs, &files(&["index.html"]), "--out")
            .unwrap_err()
            .to_string();
        assert!(err.contains("was not written by git spec board"), "{err}");
        assert_eq!(
            fs::read_to_string(docs.join("index.html")).unwrap(),
            "theirs"
        );

        let link = root.path().join("link");
        std::os::unix::fs::symlink(&docs, &link).unwrap();
        let err = replace_folder(&link, &files(&["index.html"]), "--out")
            .unwrap_err()
            .to_string();
        assert!(err.contains("symbolic link"), "{err}");

        let empty = root.path().join("empty");
        fs::create_dir(&empty).unwrap();
        replace_folder(&empty, &files(&["index.html"]), "--out").unwrap();
        assert_eq!(listing(&empty), [MANIFEST, "index.html"]);
    }
}

//! A folder of generated files that git-spec owns (the board's site):
//! written only inside that folder, each file whole, and never over files
//! it did not write.
//!
//! The folder holds a manifest, [`MANIFEST`], naming every file git-spec
//! wrote there. The folder is refused when it holds anything the manifest
//! does not name (or, without a manifest, anything at all): `--out docs`
//! must not replace someone's documentation.
//!
//! A run first writes the manifest naming the old files and the new ones,
//! then each new file as a temporary file beside it that is renamed over
//! the old one (a reader never sees half a page), leaves a file whose
//! bytes did not change untouched (creating 10,000 files is most of what a
//! board costs), removes the old files the new site lacks, and writes the
//! manifest of the new site last. A run killed midway leaves only files
//! the manifest names, and temporary files that the next run removes.

use std::collections::HashSet;
use std::fs;
use std::io::Write as _;
use std::path::Path;

use anyhow::{bail, Context, Result};

use crate::repo::display_path;

/// The manifest's file name inside the folder.
pub const MANIFEST: &str = ".git-spec-board";

/// The manifest's first line: what wrote the folder and how to read it.
const MANIFEST_HEADER: &str =
    "# Written by `git spec board`; it replaces every file listed below on each run.";

/// Makes the folder `dir` hold exactly `files` (flat names, no `/`, not
/// starting with `.`) and the manifest. `dir` must not exist, be empty, or
/// hold only files of an earlier run; `flag` names the option that chose
/// it, for messages.
pub fn replace_folder(dir: &Path, files: &[(String, Vec<u8>)], flag: &str) -> Result<()> {
    let previous = previous_files(dir, flag)?;
    if previous.is_none() {
        fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let old = previous.unwrap_or_default();
    let new: Vec<&str> = files.iter().map(|(name, _)| name.as_str()).collect();

    // Every file that may be there until this run ends is listed first.
    let old_names: HashSet<&str> = old.iter().map(String::as_str).collect();
    let new_names: HashSet<&str> = new.iter().copied().collect();
    let mut listed: Vec<&str> = old.iter().map(String::as_str).collect();
    listed.extend(new.iter().copied().filter(|name| !old_names.contains(name)));
    write_manifest(dir, &listed)?;

    // Two threads overlap the file system's work.
    let written = crate::parallel::map(files, 512, |(name, content)| -> Result<()> {
        debug_assert!(!name.contains(['/', '\\']) && !name.starts_with('.'));
        let path = dir.join(name);
        let unchanged = fs::symlink_metadata(&path)
            .is_ok_and(|meta| meta.is_file() && meta.len() == content.len() as u64)
            && fs::read(&path).is_ok_and(|bytes| bytes == *content);
        if unchanged {
            return Ok(());
        }
        write_atomically(&path, content)
    });
    written.into_iter().collect::<Result<()>>()?;

    for name in old.iter().filter(|name| !new_names.contains(name.as_str())) {
        let path = dir.join(name);
        if let Err(err) = fs::remove_file(&path) {
            if err.kind() != std::io::ErrorKind::NotFound {
                return Err(err).with_context(|| format!("cannot remove {}", path.display()));
            }
        }
    }
    write_manifest(dir, &new)
}

/// Writes `path` through a temporary file in the same folder renamed over
/// it. Not synced to disk: the site is made again from the repository.
fn write_atomically(path: &Path, content: &[u8]) -> Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    let temp = path.with_file_name(format!(".{name}{TEMP_MARK}{}.tmp", std::process::id()));
    let result = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temp)
        .and_then(|mut file| file.write_all(content))
        .and_then(|()| fs::rename(&temp, path));
    if let Err(err) = result {
        let _ = fs::remove_file(&temp);
        return Err(err).with_context(|| format!("cannot write {}", path.display()));
    }
    Ok(())
}

/// The part of a temporary file's name that marks it as git-spec's (see
/// [`crate::fsutil::is_stale_temp`]).
const TEMP_MARK: &str = ".git-spec-";

fn write_manifest(dir: &Path, names: &[&str]) -> Result<()> {
    let mut manifest = String::from(MANIFEST_HEADER);
    manifest.push('\n');
    for name in names {
        manifest.push_str(name);
        manifest.push('\n');
    }
    write_atomically(&dir.join(MANIFEST), manifest.as_bytes())
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
        if is_file && crate::fsutil::is_stale_temp(&name) {
            // Left by a run that was killed midway.
            let _ = fs::remove_file(entry.path());
            continue;
        }
        names.push((name, is_file));
    }
    if names.is_empty() {
        return Ok(Some(Vec::new()));
    }
    let files: HashSet<&str> = names
        .iter()
        .filter(|(_, is_file)| *is_file)
        .map(|(name, _)| name.as_str())
        .collect();
    let manifest = dir.join(MANIFEST);
    let listed: Vec<String> = match fs::symlink_metadata(&manifest) {
        Ok(meta) if meta.is_file() => fs::read_to_string(&manifest)
            .with_context(|| format!("cannot read {}", display_path(&manifest).display()))?
            .lines()
            // The manifest may come with the repository: only the files
            // it names that are really in the folder count, so a line such
            // as `../README.md` can never make a run remove anything else.
            .filter(|line| files.contains(line))
            .filter(|line| *line != MANIFEST)
            .map(str::to_string)
            .collect(),
        _ => bail!(
            "{flag} {shown} is not empty and was not written by git spec board (it has no {MANIFEST}); \
             nothing was written: give {flag} a new or empty folder, such as spec-board"
        ),
    };
    let known: HashSet<&str> = listed.iter().map(String::as_str).collect();
    let mut foreign: Vec<&str> = names
        .iter()
        .filter(|(name, is_file)| name != MANIFEST && (!is_file || !known.contains(name.as_str())))
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
            "an unchanged file is left as it is"
        );
        let changed = vec![("a.html".to_string(), b"new".to_vec())];
        replace_folder(&dir, &changed, "--out").unwrap();
        assert_eq!(fs::read(dir.join("a.html")).unwrap(), b"new");
        assert_eq!(listing(root.path()), ["site"], "nothing written beside it");
        assert_eq!(
            fs::read_to_string(dir.join(MANIFEST))
                .unwrap()
                .lines()
                .skip(1)
                .collect::<Vec<_>>(),
            ["a.html"]
        );

        // A killed run's temporary file goes; a manifest line naming a
        // file elsewhere removes nothing.
        fs::write(dir.join(".a.html.git-spec-999999999.tmp"), "half").unwrap();
        fs::write(root.path().join("keep.md"), "keep").unwrap();
        fs::write(dir.join(MANIFEST), "#\na.html\n../keep.md\n").unwrap();
        replace_folder(&dir, &files(&["b.html"]), "--out").unwrap();
        assert_eq!(listing(&dir), [MANIFEST, "b.html"]);
        assert_eq!(
            fs::read_to_string(root.path().join("keep.md")).unwrap(),
            "keep"
        );

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

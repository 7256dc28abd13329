//! Atomic file writes: a reader (or a crash) sees the old file or the new
//! one, never half of one.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context, Result};

/// Writes a file that must not exist yet. The content goes to a temporary
/// file in the same folder, which is then hard-linked into place: linking
/// fails if the name is taken, so an existing file is never overwritten,
/// even by a racing process.
pub fn write_new(path: &Path, content: &[u8]) -> Result<()> {
    let temp = write_temp(path, content, None)?;
    let linked = fs::hard_link(&temp, path);
    let _ = fs::remove_file(&temp);
    linked.map_err(|err| {
        if err.kind() == std::io::ErrorKind::AlreadyExists {
            anyhow!("{} already exists; it was left unchanged", path.display())
        } else {
            anyhow!("cannot create {}: {err}", path.display())
        }
    })
}

/// Writes a file atomically, replacing it if it exists and keeping its
/// permissions. A symbolic link is never replaced (the rename would turn
/// a committed link into a file) nor written through.
pub fn replace(path: &Path, content: &[u8]) -> Result<()> {
    let existing = fs::symlink_metadata(path).ok();
    if existing
        .as_ref()
        .is_some_and(|m| m.file_type().is_symlink())
    {
        return Err(anyhow!(
            "{} is a symbolic link; git spec does not write through links: point the setting at the file itself",
            path.display()
        ));
    }
    let permissions = existing.map(|m| m.permissions());
    let temp = write_temp(path, content, permissions)?;
    fs::rename(&temp, path).map_err(|err| {
        let _ = fs::remove_file(&temp);
        anyhow!("cannot write {}: {err}", path.display())
    })
}

/// Replaces a file that must still hold `expected`, the bytes the caller
/// read and edited: if anything else changed it meanwhile (an editor, a
/// script), nothing is written and the error says so. Callers hold
/// [`crate::lock::edit_lock`], so other git-spec processes wait instead.
pub fn replace_expected(path: &Path, expected: &[u8], content: &[u8]) -> Result<()> {
    let current = fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    if current != expected {
        return Err(anyhow!(
            "{} changed while git spec was editing it; nothing was written: run the command again",
            path.display()
        ));
    }
    replace(path, content)
}

/// The name part that marks our temporary files: `.NAME.git-spec-PID.tmp`.
const TEMP_MARK: &str = ".git-spec-";

/// Whether `name` is a temporary file of a git-spec process that is gone
/// (killed between writing it and renaming it into place), which is safe
/// to remove. Files of running processes, and anything else, are not.
pub fn is_stale_temp(name: &str) -> bool {
    let Some(rest) = name.strip_prefix('.').and_then(|n| n.strip_suffix(".tmp")) else {
        return false;
    };
    let Some((_, pid)) = rest.rsplit_once(TEMP_MARK) else {
        return false;
    };
    pid.parse().is_ok_and(crate::lock::process_is_gone)
}

fn write_temp(
    path: &Path,
    content: &[u8],
    permissions: Option<fs::Permissions>,
) -> Result<PathBuf> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    let temp = dir.join(format!(".{name}{TEMP_MARK}{}.tmp", std::process::id()));
    let result = (|| -> std::io::Result<()> {
        let mut file: File = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)?;
        file.write_all(content)?;
        if let Some(permissions) = permissions {
            file.set_permissions(permissions)?;
        }
        file.sync_all()
    })();
    if let Err(err) = result {
        let _ = fs::remove_file(&temp);
        return Err(err).with_context(|| format!("cannot write {}", temp.display()));
    }
    Ok(temp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_new_never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.md");
        write_new(&path, b"one").unwrap();
        let err = write_new(&path, b"two").unwrap_err().to_string();
        assert!(err.contains("already exists"), "{err}");
        assert_eq!(fs::read(&path).unwrap(), b"one");
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temp file left"
        );
    }

    #[test]
    fn replace_never_touches_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("target.md");
        fs::write(&target, "kept").unwrap();
        let link = dir.path().join("link.md");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let err = replace(&link, b"new").unwrap_err().to_string();
        assert!(err.contains("symbolic link"), "{err}");
        assert!(fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(fs::read(&target).unwrap(), b"kept");
    }

    #[test]
    fn replace_keeps_mode() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.md");
        fs::write(&path, "old").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        replace(&path, b"new").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"new");
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
}

//! Atomic file writes: a reader (or a crash) sees the old file or the new
//! one, never half of one. The temporary files come from `tempfile`, in the
//! target's folder (so the final rename or link stays on one file system),
//! named `.NAME.git-spec-PID.XXXXXX.tmp` so that one a killed process left
//! behind can be recognised and removed ([`is_stale_temp`]).

use std::fs;
use std::io::Write;
use std::path::Path;

use anyhow::{anyhow, Context, Result};
use tempfile::NamedTempFile;

/// Writes a file that must not exist yet: the content goes to a temporary
/// file, which `persist_noclobber` links into place, failing if the name is
/// taken, so an existing file is never overwritten, even by a racing
/// process.
pub fn write_new(path: &Path, content: &[u8]) -> Result<()> {
    let temp = write_temp(path, content, None)?;
    temp.persist_noclobber(path).map(|_| ()).map_err(|err| {
        if err.error.kind() == std::io::ErrorKind::AlreadyExists {
            anyhow!("{} already exists; it was left unchanged", path.display())
        } else {
            anyhow!("cannot create {}: {}", path.display(), err.error)
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
    temp.persist(path)
        .map(|_| ())
        .map_err(|err| anyhow!("cannot write {}: {}", path.display(), err.error))
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

/// The name part that marks our temporary files: `.NAME.git-spec-PID.…`.
pub(crate) const TEMP_MARK: &str = ".git-spec-";

/// Whether `name` is a temporary file of a git-spec process that is gone
/// (killed between writing it and renaming it into place), which is safe
/// to remove. Files of running processes, and anything else, are not.
pub fn is_stale_temp(name: &str) -> bool {
    let Some(rest) = name.strip_prefix('.').and_then(|n| n.strip_suffix(".tmp")) else {
        return false;
    };
    let Some((_, after)) = rest.rsplit_once(TEMP_MARK) else {
        return false;
    };
    // `PID` then, from tempfile, `.XXXXXX` (older versions wrote none).
    let pid = after.split('.').next().unwrap_or(after);
    pid.parse().is_ok_and(crate::lock::process_is_gone)
}

fn write_temp(
    path: &Path,
    content: &[u8],
    permissions: Option<fs::Permissions>,
) -> Result<NamedTempFile> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    let prefix = format!(".{name}{TEMP_MARK}{}.", std::process::id());
    let mut temp = tempfile::Builder::new()
        .prefix(&prefix)
        .suffix(".tmp")
        .tempfile_in(dir)
        .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
    (|| -> std::io::Result<()> {
        temp.write_all(content)?;
        if let Some(permissions) = permissions {
            temp.as_file().set_permissions(permissions)?;
        }
        temp.as_file().sync_all()
    })()
    .with_context(|| format!("cannot write {}", temp.path().display()))?;
    // On an error above, dropping `temp` removes the file.
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
    fn temp_names_say_whose_they_are() {
        assert!(is_stale_temp(".a.md.git-spec-999999999.AbC123.tmp"));
        assert!(is_stale_temp(".a.md.git-spec-999999999.tmp"));
        let mine = format!(".a.md.git-spec-{}.AbC123.tmp", std::process::id());
        assert!(!is_stale_temp(&mine));
        assert!(!is_stale_temp("a.md"));
        assert!(!is_stale_temp(".a.md.tmp"));
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

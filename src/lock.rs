//! A lock file in the git dir, the way git's own `.lock` files work:
//! whoever creates the file exclusively holds the lock; removing it
//! releases it. `new.lock` is held while a spec id is chosen and its file
//! and branch are created, so two `git spec new` in one clone cannot pick
//! the same id; `edit.lock` while a spec is read, changed and written back
//! in place, so two edits at the same moment take turns instead of one
//! silently losing the other's change.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context, Result};

/// How long to wait for another `git spec` before suspecting a stale lock.
/// `GIT_SPEC_LOCK_TIMEOUT_MS` overrides it.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

pub struct Lock {
    path: PathBuf,
}

impl Lock {
    /// Waits for and takes `<dir>/<name>.lock`.
    pub fn acquire(dir: &Path, name: &str) -> Result<Lock> {
        fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let path = dir.join(format!("{name}.lock"));
        let timeout = std::env::var("GIT_SPEC_LOCK_TIMEOUT_MS")
            .ok()
            .and_then(|ms| ms.parse().ok())
            .map(Duration::from_millis)
            .unwrap_or(DEFAULT_TIMEOUT);
        let start = Instant::now();
        let mut pause = Duration::from_millis(2);
        loop {
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(mut file) => {
                    // Who holds it, for the person looking at a stale lock.
                    let _ = writeln!(file, "pid {}", std::process::id());
                    return Ok(Lock { path });
                }
                Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {
                    let metadata = match path.symlink_metadata() {
                        Ok(metadata) => metadata,
                        // Released between our attempt and this look:
                        // try again at once.
                        Err(err) if err.kind() == std::io::ErrorKind::NotFound => continue,
                        Err(err) => {
                            return Err(err)
                                .with_context(|| format!("cannot read {}", path.display()))
                        }
                    };
                    if !metadata.is_file() {
                        // A folder or a link in the way is not a lock anyone
                        // holds: waiting for it would only waste the timeout.
                        return Err(anyhow!(
                            "unable to create '{}': something that is not a lock file is in the way.\n\
                             Remove it to continue: rm -r '{}'",
                            path.display(),
                            path.display()
                        ));
                    }
                    let holder = fs::read_to_string(&path).unwrap_or_default();
                    let holder = holder.trim();
                    if let Some(pid) = dead_holder(holder) {
                        // The holder may have released the lock and ended
                        // between our read and the look at /proc: a lock
                        // that is gone or changed is not stale.
                        let now = fs::read_to_string(&path).unwrap_or_default();
                        if now.trim() != holder {
                            continue;
                        }
                        return Err(anyhow!(
                            "unable to create '{}': file exists.\n\
                             It was left by git spec process {pid}, which is no longer running (it was interrupted).\n\
                             Remove the file to continue: rm '{}'",
                            path.display(),
                            path.display()
                        ));
                    }
                    if start.elapsed() >= timeout {
                        let holder = if holder.is_empty() {
                            "holder unknown"
                        } else {
                            holder
                        };
                        return Err(anyhow!(
                            "unable to create '{}': file exists.\n\
                             Another git spec process ({holder}) seems to be running in this repository.\n\
                             If it is not, a previous run was interrupted and left the lock behind:\n\
                             remove the file to continue: rm '{}'",
                            path.display(),
                            path.display()
                        ));
                    }
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_millis(50));
                }
                Err(err) => {
                    return Err(err).with_context(|| format!("cannot create {}", path.display()))
                }
            }
        }
    }
}

/// The lock held while specs are edited in place (`status`, the commit
/// hook, `check --fix`, `renumber`), in the common git dir so that every
/// worktree shares it.
pub fn edit_lock(repo: &crate::repo::Repo) -> Result<Lock> {
    Lock::acquire(&repo.common_dir().join("git-spec"), "edit")
}

/// The process id in a lock written by `acquire` (`pid N`), when that
/// process is known not to run any more. Only where `/proc` shows every
/// process (Linux); elsewhere, and for a live or unknown holder, None.
fn dead_holder(holder: &str) -> Option<u32> {
    let pid: u32 = holder.strip_prefix("pid ")?.trim().parse().ok()?;
    let proc_root = Path::new("/proc");
    if !proc_root.join("self").exists() || proc_root.join(pid.to_string()).exists() {
        return None;
    }
    Some(pid)
}

/// Whether the process `pid` is known to have ended (see `dead_holder`).
pub fn process_is_gone(pid: u32) -> bool {
    dead_holder(&format!("pid {pid}")).is_some()
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_holder_waits_then_reports_stale_lock() {
        let dir = tempfile::tempdir().unwrap();
        let first = Lock::acquire(dir.path(), "ids").unwrap();
        std::env::set_var("GIT_SPEC_LOCK_TIMEOUT_MS", "50");
        let err = Lock::acquire(dir.path(), "ids").err().unwrap().to_string();
        assert!(err.contains("ids.lock"), "{err}");
        assert!(err.contains("rm '"), "{err}");
        drop(first);
        assert!(Lock::acquire(dir.path(), "ids").is_ok());
    }

    #[test]
    fn a_folder_or_a_dead_holder_is_reported_at_once() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("x.lock")).unwrap();
        let start = Instant::now();
        let err = Lock::acquire(dir.path(), "x").err().unwrap().to_string();
        assert!(err.contains("x.lock"), "{err}");
        assert!(err.contains("not a lock file"), "{err}");
        assert!(start.elapsed() < Duration::from_secs(5));
        if Path::new("/proc/self").exists() {
            // Pid numbers are below 2^22 on Linux: this one never runs.
            std::fs::write(dir.path().join("y.lock"), "pid 4294967\n").unwrap();
            let err = Lock::acquire(dir.path(), "y").err().unwrap().to_string();
            assert!(err.contains("no longer running"), "{err}");
            assert!(err.contains("y.lock"), "{err}");
        }
    }
}

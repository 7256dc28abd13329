//! A lock file in the git dir, the way git's own `.lock` files work:
//! whoever creates the file exclusively holds the lock; removing it
//! releases it. Held while a spec id is chosen and its file and branch are
//! created, so two `git spec new` in one clone cannot pick the same id.

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
                    if start.elapsed() >= timeout {
                        let holder = fs::read_to_string(&path).unwrap_or_default();
                        return Err(anyhow!(
                            "unable to create '{}': file exists.\n\
                             Another git spec process ({}) seems to be running in this repository.\n\
                             If it is not, a previous run was interrupted and left the lock behind:\n\
                             remove the file to continue: rm '{}'",
                            path.display(),
                            holder.trim(),
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
}

//! Team-wide id reservation on the shared remote.
//!
//! Sequential ids collide when two clones create a spec before either
//! pushes. The git server the team already has can arbitrate: a push of
//! `refs/specs/ids/<n>` with `--force-with-lease=refs/specs/ids/<n>:` (an
//! empty expectation: the ref must not exist yet) is an atomic
//! compare-and-swap on any git server, so exactly one clone wins each
//! number. No server configuration is needed.
//!
//! The push and fetch run the user's `git` (through [`Repo::run_git`]), so
//! they use the user's transport, credentials and SSH configuration.

use std::process::Output;

use anyhow::{anyhow, bail, Context, Result};

use crate::config::Config;
use crate::repo::{Identity, Repo};

/// Where reservations live on the remote.
pub const REMOTE_NAMESPACE: &str = "refs/specs/ids/";

/// The remote refused the reservation itself (a server hook, no push
/// rights): retrying cannot win, and `new` falls back to a provisional id.
#[derive(Debug)]
pub struct Refused {
    pub remote: String,
    /// What the server said.
    pub reason: String,
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} refused the reservation: {}\nNothing was created. Ask whoever runs the server to allow pushes to refs/specs/ids/*, use --offline, or --provisional for an id that is numbered when the spec lands.",
            self.remote, self.reason
        )
    }
}

impl std::error::Error for Refused {}

/// How many numbers to try before giving up on a busy remote.
const MAX_ATTEMPTS: usize = 32;

/// The local copy of a remote's reservations.
pub fn mirror_namespace(remote: &str) -> String {
    format!("refs/specs/remote/{remote}/ids/")
}

/// The number in a reservation ref (remote or mirrored), if it is one.
pub fn number_in_ref(refname: &str) -> Option<u64> {
    let rest = refname.strip_prefix("refs/specs/")?;
    let number = match rest.strip_prefix("ids/") {
        Some(number) => number,
        None => rest.strip_prefix("remote/")?.split_once("/ids/")?.1,
    };
    number.parse().ok()
}

/// The remote to reserve ids on, if any: `--offline` wins (with a warning
/// when .specrc asks for reservation), then `--reserve[=REMOTE]` (bare:
/// the configured remote, else origin), then `[id] reserve` in .specrc.
/// The name is checked with [`checked_remote`].
pub fn remote_to_use(
    repo: &Repo,
    flag: Option<&str>,
    offline: bool,
    config: &Config,
) -> Result<Option<String>> {
    let configured = (!config.id.reserve.is_empty()).then(|| config.id.reserve.clone());
    if offline {
        if let Some(remote) = &configured {
            errln!(
                "warning: --offline: the id is not reserved on {remote}; another clone may take the same one (git spec check finds collisions)"
            );
        }
        return Ok(None);
    }
    let (remote, source) = match flag {
        Some("") => match configured {
            Some(remote) => (remote, "`[id] reserve` in .specrc"),
            None => ("origin".to_string(), "--reserve (default)"),
        },
        Some(remote) => (remote.to_string(), "--reserve"),
        None => match configured {
            Some(remote) => (remote, "`[id] reserve` in .specrc"),
            None => return Ok(None),
        },
    };
    checked_remote(repo, &remote, source).map(Some)
}

/// A remote name that may be handed to `git push` / `git fetch`: one of
/// the remotes the user configured (`git remote`), so the URL, transport
/// and credentials are the user's own. A value from the repository can
/// otherwise be an option (`--upload-pack=CMD` runs CMD), a transport
/// that hangs (`fd::3`) or a path to somebody else's repository.
pub fn checked_remote(repo: &Repo, name: &str, source: &str) -> Result<String> {
    let remotes = repo.remote_names();
    if !name.starts_with('-') && remotes.iter().any(|remote| remote == name) {
        return Ok(name.to_string());
    }
    let known = if remotes.is_empty() {
        "this clone has no remotes".to_string()
    } else {
        format!("the remotes are {}", remotes.join(", "))
    };
    bail!(
        "{source} names {name:?}, which is not a remote of this clone ({known}): \
         ids are reserved only on a remote you configured, so that its URL and transport are yours; \
         add it with `git remote add <name> <url>`, or name one of yours"
    )
}

/// A reservation as this clone knows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Reservation {
    pub number: u64,
    /// The remote it was made on.
    pub remote: String,
    /// Who reserved it and when (`YYYY-MM-DD`), from the reservation commit.
    pub reserved_by: String,
    pub reserved_at: String,
}

/// Every reservation in the local copies (`refs/specs/remote/*/ids/*`),
/// by number.
pub fn known_reservations(repo: &Repo) -> Result<Vec<Reservation>> {
    let mut found = Vec::new();
    for reference in repo.git.references_glob("refs/specs/remote/*")? {
        let reference = reference?;
        let Ok(name) = reference.name() else { continue };
        let Some(number) = number_in_ref(name) else {
            continue;
        };
        let remote = name
            .trim_start_matches("refs/specs/remote/")
            .rsplit_once("/ids/")
            .map_or("", |(remote, _)| remote)
            .to_string();
        let (reserved_by, reserved_at) = match reference.peel_to_commit() {
            Ok(commit) => {
                let author = commit.author();
                let when = chrono::DateTime::from_timestamp(author.when().seconds(), 0)
                    .map(|t| t.format("%Y-%m-%d").to_string())
                    .unwrap_or_default();
                (author.name().unwrap_or_default().to_string(), when)
            }
            Err(_) => (String::new(), String::new()),
        };
        found.push(Reservation {
            number,
            remote,
            reserved_by,
            reserved_at,
        });
    }
    found.sort_by(|a, b| {
        a.number
            .cmp(&b.number)
            .then_with(|| a.remote.cmp(&b.remote))
    });
    Ok(found)
}

/// Updates the local copy of `remote`'s reservations.
pub fn fetch(repo: &Repo, remote: &str) -> Result<()> {
    let refspec = format!("+{REMOTE_NAMESPACE}*:{}*", mirror_namespace(remote));
    let output = git(
        repo,
        &[
            "fetch",
            "--quiet",
            "--no-tags",
            "--no-write-fetch-head",
            // Nothing after `--` is read as an option.
            "--",
            remote,
            &refspec,
        ],
    )?;
    if !output.status.success() {
        bail!(
            "cannot fetch the id reservations from {remote}: {}\n\
             Check the remote (git remote -v) and your connection, or use --offline to allocate locally.",
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(())
}

/// Claims `candidate` or the next free number on `remote`, fetching the
/// reservations after each refusal. `next_free` recomputes the candidate
/// from everything known locally (it must count the mirrored refs).
pub fn reserve(
    repo: &Repo,
    remote: &str,
    identity: &Identity,
    spec_id_of: impl Fn(u64) -> String,
    mut candidate: u64,
    mut next_free: impl FnMut() -> Result<u64>,
) -> Result<u64> {
    for _ in 0..MAX_ATTEMPTS {
        let marker = reservation_object(repo, identity, &spec_id_of(candidate))?;
        match claim(repo, remote, candidate, marker)? {
            Claim::Won => {
                record_locally(repo, remote, candidate, marker)?;
                return Ok(candidate);
            }
            Claim::Taken => {
                fetch(repo, remote)?;
                candidate = next_free()?.max(candidate + 1);
            }
        }
    }
    bail!(
        "could not reserve an id on {remote} after {MAX_ATTEMPTS} attempts: others keep taking them; try again, or use --offline"
    )
}

/// Claims exactly `number`; false when someone else holds it (the local
/// copy of the reservations is then refreshed).
pub fn reserve_exact(
    repo: &Repo,
    remote: &str,
    identity: &Identity,
    spec_id: &str,
    number: u64,
) -> Result<bool> {
    let marker = reservation_object(repo, identity, spec_id)?;
    match claim(repo, remote, number, marker)? {
        Claim::Won => {
            record_locally(repo, remote, number, marker)?;
            Ok(true)
        }
        Claim::Taken => {
            fetch(repo, remote)?;
            Ok(false)
        }
    }
}

fn record_locally(repo: &Repo, remote: &str, number: u64, marker: git2::Oid) -> Result<()> {
    // Remember it locally, so the next run counts it without a fetch.
    let mirror = format!("{}{number}", mirror_namespace(remote));
    repo.git
        .reference(&mirror, marker, true, "git spec: reserved")
        .with_context(|| format!("cannot record {mirror}"))?;
    Ok(())
}

enum Claim {
    Won,
    Taken,
}

/// The create-only push of one reservation ref.
fn claim(repo: &Repo, remote: &str, number: u64, marker: git2::Oid) -> Result<Claim> {
    let target = format!("{REMOTE_NAMESPACE}{number}");
    let lease = format!("--force-with-lease={target}:");
    let refspec = format!("{marker}:{target}");
    // --no-verify: a user's pre-push hook is for code, not for this ref.
    let output = git(
        repo,
        &[
            "push",
            "--porcelain",
            "--quiet",
            "--no-verify",
            &lease,
            "--",
            remote,
            &refspec,
        ],
    )?;
    if output.status.success() {
        return Ok(Claim::Won);
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    // With --porcelain a refused ref is a line starting with "!". The lease
    // failing ("[rejected] (stale info)", or the ref existing) means another
    // clone won; "[remote rejected]" is the server's own refusal (a hook,
    // permissions), which retrying cannot fix. An unreachable remote prints
    // no status line at all.
    if let Some(line) = stdout.lines().find(|line| line.starts_with('!')) {
        if !line.contains("[remote rejected]") {
            return Ok(Claim::Taken);
        }
        // Two pushes racing for one ref can also end as "[remote rejected]
        // (failed to update ref)": if the ref exists now, another clone won.
        fetch(repo, remote)?;
        let mirror = format!("{}{number}", mirror_namespace(remote));
        if repo.git.find_reference(&mirror).is_ok() {
            return Ok(Claim::Taken);
        }
        return Err(Refused {
            remote: remote.to_string(),
            reason: format!(
                "{target}: {}\n{}",
                line.rsplit('\t').next().unwrap_or(line),
                String::from_utf8_lossy(&output.stderr).trim()
            ),
        }
        .into());
    }
    // Refused before any ref was looked at: no rights on the repository
    // (an HTTP 403, an SSH key the server does not accept for writing).
    let stderr = String::from_utf8_lossy(&output.stderr);
    let lower = stderr.to_lowercase();
    if ["permission", "denied", "403", "not allowed", "forbidden"]
        .iter()
        .any(|word| lower.contains(word))
    {
        return Err(Refused {
            remote: remote.to_string(),
            reason: stderr.trim().to_string(),
        }
        .into());
    }
    Err(anyhow!(
        "cannot reserve {target} on {remote}: {}\n\
         Nothing was created. Check the remote (git remote -v) and your connection, or use --offline to allocate locally.",
        String::from_utf8_lossy(&output.stderr).trim()
    ))
}

/// A small commit (empty tree, no parent) that records who reserved the id
/// and when; the reservation ref points at it.
fn reservation_object(repo: &Repo, identity: &Identity, spec_id: &str) -> Result<git2::Oid> {
    let (author, committer) = repo.signatures(identity)?;
    let empty_tree = repo.git.treebuilder(None)?.write()?;
    let tree = repo.git.find_tree(empty_tree)?;
    // The nonce makes every reservation object distinct. Two identical
    // objects (same person, same second) would have the same id, and git
    // reports pushing a ref to the value it already has as success: both
    // clones would "win" the number.
    let nonce = {
        use std::hash::BuildHasher;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        std::collections::hash_map::RandomState::new()
            .hash_one((std::process::id(), now.as_nanos()))
    };
    let message = format!(
        "Reserve {spec_id}\n\nReserved-by: {} <{}>\nNonce: {nonce:016x}\n",
        identity.name, identity.email
    );
    Ok(repo
        .git
        .commit(None, &author, &committer, &message, &tree, &[])?)
}

fn git(repo: &Repo, args: &[&str]) -> Result<Output> {
    repo.run_git(args)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reservation_ref_numbers() {
        assert_eq!(number_in_ref("refs/specs/ids/42"), Some(42));
        assert_eq!(number_in_ref("refs/specs/remote/origin/ids/7"), Some(7));
        assert_eq!(number_in_ref("refs/specs/remote/a/b/ids/9"), Some(9));
        assert_eq!(number_in_ref("refs/heads/ids/1"), None);
        assert_eq!(number_in_ref("refs/specs/ids/x"), None);
    }
}

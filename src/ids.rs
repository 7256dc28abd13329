//! Allocating spec ids (how they are written and read back from names is
//! [`crate::scheme`]).
//!
//! A new id is one more than the highest id in use anywhere the team can
//! see: the working tree, the spec folder at the tip of every local and
//! remote-tracking branch, and branch names that follow the branch pattern.
//! Trees and refs are read through git2 in this one process. A commit's
//! highest id never changes (commits are immutable), so it is memoised in a
//! cache file in the git dir, which makes repeated runs cost one read of the
//! refs and of the spec folder.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use git2::Oid;

use crate::config::Config;
use crate::memo::ObjectMemo;
use crate::raw_tree;
use crate::repo::Repo;
use crate::scheme::{counts_for_next, IdScheme, NamePattern};

/// The highest ids found in each place `git spec new` looks, so that the
/// caller can explain a choice and tests can check each source.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Highest {
    pub working_tree: u64,
    pub branch_trees: u64,
    pub branch_names: u64,
    /// Ids reserved on a shared remote (`refs/specs/...`), spec or not.
    pub reservations: u64,
}

impl Highest {
    pub fn max(&self) -> u64 {
        self.working_tree
            .max(self.branch_trees)
            .max(self.branch_names)
            .max(self.reservations)
    }
}

/// Scans everything and returns the highest ids in use.
pub fn highest_in_use(repo: &Repo, config: &Config, scheme: &IdScheme) -> Result<Highest> {
    // Every worktree of the clone: a spec written (not yet committed) in
    // one worktree must not be handed out again in another. Each folder
    // has its memo in the common git dir. The folders are read on a thread
    // of their own while this one reads the refs: each takes about as long.
    let folders: Vec<(PathBuf, PathBuf)> = repo
        .worktree_roots()
        .into_iter()
        .map(|root| {
            let folder = root.join(&config.dir);
            let memo = folder_memo_at(repo, &folder, config);
            (folder, memo)
        })
        .collect();
    std::thread::scope(|scope| {
        let working_tree = scope.spawn(|| -> Result<u64> {
            let mut highest = 0;
            for (folder, memo) in &folders {
                highest = highest.max(crate::catalog::highest_in_folder(
                    folder,
                    scheme,
                    Some(memo),
                )?);
            }
            Ok(highest)
        });
        let mut highest = highest_in_refs(repo, config, scheme)?;
        highest.working_tree = working_tree
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
        Ok(highest)
    })
}

/// The highest ids in branch trees, branch names and reservations.
fn highest_in_refs(repo: &Repo, config: &Config, scheme: &IdScheme) -> Result<Highest> {
    let mut highest = Highest::default();
    let remotes = repo.remote_names();
    // Commit id or spec-tree id -> the highest number in it, valid forever
    // for a given spec folder and file pattern, which the header records.
    // v2: names that are not UTF-8 hold their number (v1 skipped them).
    let mut cache: ObjectMemo<u64> = ObjectMemo::load(
        repo.common_dir(),
        "ids-cache",
        format!(
            "git-spec ids-cache v2 dir={:?} file={:?}",
            config.dir, config.naming.file
        ),
    );
    // Commits not in the cache, each once, in ref order, with the first
    // ref that names each.
    let mut unknown_commits: Vec<(String, Oid)> = Vec::new();
    let mut seen_commits: HashSet<Oid> = HashSet::new();
    let references = repo
        .git
        .references()
        .context("cannot list the repository's refs")?;
    for reference in references {
        let Ok(reference) = reference else { continue };
        let Ok(name) = reference.name() else { continue };
        if let Some(number) = crate::reserve::number_in_ref(name) {
            highest.reservations = highest.reservations.max(number);
            continue;
        }
        let Some(short) = branch_name(name, &remotes) else {
            continue;
        };
        if let Some(number) = scheme.branch.number_in(short) {
            highest.branch_names = highest.branch_names.max(counts_for_next(number));
        }
        let Some(commit_id) = reference.target() else {
            continue;
        };
        if let Some(number) = cache.get(commit_id).copied() {
            highest.branch_trees = highest.branch_trees.max(number);
            continue;
        }
        if seen_commits.insert(commit_id) {
            unknown_commits.push((name.to_string(), commit_id));
        }
    }
    // Spec trees not in the cache, each once, and the commits waiting for
    // them.
    let mut unknown_trees: Vec<Oid> = Vec::new();
    let mut seen_trees: HashSet<Oid> = HashSet::new();
    let mut waiting: Vec<(Oid, Oid)> = Vec::new();
    let tips: Vec<(&str, Oid)> = unknown_commits
        .iter()
        .map(|(name, commit)| (name.as_str(), *commit))
        .collect();
    let folders = crate::repo::spec_folders(&repo.git, &tips, &config.dir)?;
    for ((_, commit_id), folder) in tips.into_iter().zip(folders) {
        match folder {
            None => cache.insert(commit_id, 0),
            Some(tree_id) => match cache.get(tree_id).copied() {
                Some(number) => {
                    cache.insert(commit_id, number);
                    highest.branch_trees = highest.branch_trees.max(number);
                }
                None => {
                    if seen_trees.insert(tree_id) {
                        unknown_trees.push(tree_id);
                    }
                    waiting.push((commit_id, tree_id));
                }
            },
        }
    }
    for (tree_id, number) in read_trees(repo, &config.dir, &unknown_trees, &scheme.file)? {
        cache.insert(tree_id, number);
        highest.branch_trees = highest.branch_trees.max(number);
    }
    for (commit_id, tree_id) in waiting {
        let number = cache.get(tree_id).copied().unwrap_or(0);
        cache.insert(commit_id, number);
    }
    cache.save(|_| true);
    Ok(highest)
}

/// The memo of what each file of `folder` (under a canonical worktree
/// root) says its `spec-id` is (see [`crate::memo::StatMemo`]), which `new`
/// keeps up to date for every worktree: one file per folder, id prefix
/// and file pattern, in the common git dir.
fn folder_memo_at(repo: &Repo, folder: &Path, config: &Config) -> PathBuf {
    // The file pattern too: the memo holds the number each name carries.
    let key = memo_key(&[
        &folder.to_string_lossy(),
        &config.id.prefix,
        &config.naming.file,
    ]);
    repo.common_dir()
        .join("git-spec")
        .join(format!("folder-ids-{key}"))
}

/// A file-name-safe key for the settings a memo depends on (the spec
/// folder, the id prefix), so that changing one starts a new memo rather
/// than trusting the old one.
pub fn memo_key(settings: &[&str]) -> String {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    settings.hash(&mut hasher);
    format!("{:016x}", hasher.finish())
}

/// The branch a ref names, as the branch pattern sees it: `refs/heads/x`
/// and `refs/remotes/<remote>/x` both give `x`; other refs give None.
fn branch_name<'a>(refname: &'a str, remotes: &[String]) -> Option<&'a str> {
    if let Some(branch) = refname.strip_prefix("refs/heads/") {
        return Some(branch);
    }
    let remote_branch = refname.strip_prefix("refs/remotes/")?;
    strip_remote_name(remote_branch, remotes).filter(|branch| *branch != "HEAD")
}

/// `origin/spec/0042-x` -> `spec/0042-x`: drops the longest configured
/// remote name (remote names may contain `/`), else the first component.
fn strip_remote_name<'a>(remote_branch: &'a str, remotes: &[String]) -> Option<&'a str> {
    remotes
        .iter()
        .filter_map(|remote| {
            remote_branch
                .strip_prefix(remote.as_str())?
                .strip_prefix('/')
        })
        .min_by_key(|branch| branch.len())
        .or_else(|| remote_branch.split_once('/').map(|(_, branch)| branch))
}

/// The highest number in each tree. A first run in a big clone reads
/// thousands, so they are shared among threads, each with its own handle
/// on the object database.
///
/// Most of them are HEAD's spec folder give or take a few specs, so each
/// is split against that tree (see [`crate::raw_tree`]): the highest
/// number among the base's first or last entries is known beforehand, only
/// the entries in between are looked at. A tree the raw reader will not
/// vouch for is read through libgit2, as before.
fn read_trees(
    repo: &Repo,
    dir: &str,
    trees: &[Oid],
    pattern: &NamePattern,
) -> Result<Vec<(Oid, u64)>> {
    if trees.is_empty() {
        return Ok(Vec::new());
    }
    let base = raw_tree::Base::for_spec_folders(repo, dir, trees);
    // The highest number among the base's entries `..k` (`head[k]`) and
    // `k..` (`tail[k]`).
    let numbers: Vec<u64> = base
        .iter()
        .flat_map(raw_tree::Base::entries)
        .map(|entry| number_of(entry.name, pattern))
        .collect();
    let head: Vec<u64> = std::iter::once(0)
        .chain(numbers.iter().scan(0, |highest, &n| {
            *highest = n.max(*highest);
            Some(*highest)
        }))
        .collect();
    let mut tail: Vec<u64> = std::iter::once(0)
        .chain(numbers.iter().rev().scan(0, |highest, &n| {
            *highest = n.max(*highest);
            Some(*highest)
        }))
        .collect();
    tail.reverse();
    let split = |git: &git2::Repository, id: Oid| -> Option<u64> {
        let split = base.as_ref()?.split_tree(git, id)?;
        let highest = split
            .own()
            .map(|entry| number_of(entry.name, pattern))
            .max()
            .unwrap_or(0);
        Some(
            highest
                .max(head[split.split.head])
                .max(tail[split.split.tail]),
        )
    };
    let git_dir = repo.git.path();
    crate::parallel::map_with(
        trees,
        16,
        || git2::Repository::open(git_dir),
        |git, &id| {
            let git = git
                .as_ref()
                .map_err(|e| anyhow::anyhow!("cannot open the repository: {e}"))?;
            if let Some(highest) = split(git, id) {
                return Ok((id, highest));
            }
            Ok((id, highest_in_tree(&git.find_tree(id)?, pattern)))
        },
    )
    .into_iter()
    .collect()
}

/// The number an entry's name gives for the next id (0 for none): what
/// [`highest_in_tree`] takes the highest of.
fn number_of(name: &[u8], pattern: &NamePattern) -> u64 {
    pattern
        .number_in(&String::from_utf8_lossy(name))
        .map_or(0, counts_for_next)
}

/// Where `number` is used, if anywhere: a spec in a worktree, a branch's
/// spec folder or name, or a reservation. Reads every branch's spec tree,
/// so it is for rare checks such as `renumber --to`.
pub fn where_used(
    repo: &Repo,
    config: &Config,
    scheme: &IdScheme,
    number: u64,
) -> Result<Option<String>> {
    for workdir in repo.worktree_roots() {
        let folder = workdir.join(&config.dir);
        if let Ok(entries) = fs::read_dir(&folder) {
            for entry in entries.flatten() {
                let name = entry.file_name();
                if scheme.file.number_in(&name.to_string_lossy()) == Some(number) {
                    return Ok(Some(format!("by {}", folder.join(name).display())));
                }
            }
        }
    }
    let remotes = repo.remote_names();
    for reference in repo.git.references()?.flatten() {
        let Ok(name) = reference.name() else { continue };
        if crate::reserve::number_in_ref(name) == Some(number) {
            return Ok(Some(format!("reserved as {name}")));
        }
        let Some(short) = branch_name(name, &remotes) else {
            continue;
        };
        if scheme.branch.number_in(short) == Some(number) {
            return Ok(Some(format!("by the branch {name}")));
        }
        let Some(commit_id) = reference.target() else {
            continue;
        };
        if let Some(tree_id) = crate::repo::spec_folder(&repo.git, commit_id, &config.dir)? {
            let tree = repo.git.find_tree(tree_id)?;
            let found = tree.iter().any(|entry| {
                scheme
                    .file
                    .number_in(&String::from_utf8_lossy(entry.name_bytes()))
                    == Some(number)
            });
            if found {
                return Ok(Some(format!("in {name}")));
            }
        }
    }
    Ok(None)
}

/// One more than the highest id in use anywhere.
pub fn next_free(repo: &Repo, config: &Config, scheme: &IdScheme) -> Result<u64> {
    highest_in_use(repo, config, scheme)?
        .max()
        .checked_add(1)
        .ok_or_else(|| {
            anyhow::anyhow!(
                "no spec number is left: the highest one in use is the largest possible"
            )
        })
}

/// The lock held while an id is chosen and put to use (`new`,
/// `renumber`), in the common git dir so that every worktree shares it.
pub fn allocation_lock(repo: &Repo) -> Result<crate::lock::Lock> {
    crate::lock::Lock::acquire(&repo.common_dir().join("git-spec"), "new")
}

/// Highest number among a tree's entry names. This runs over every entry of
/// every unknown spec tree (millions on a first run in a large repository),
/// so the full pattern match is done only for a name whose number would
/// raise the maximum; walking backwards over the sorted entries makes that
/// rare.
fn highest_in_tree(tree: &git2::Tree<'_>, pattern: &NamePattern) -> u64 {
    let mut highest = 0;
    for index in (0..tree.len()).rev() {
        let Some(entry) = tree.get(index) else {
            continue;
        };
        let name = entry.name_bytes();
        if let Some(candidate) = pattern.quick_number(name) {
            if candidate <= highest {
                continue;
            }
        }
        highest = highest.max(number_of(name, pattern));
    }
    highest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_names_with_slashes() {
        let remotes = vec!["origin".to_string(), "team/origin".to_string()];
        assert_eq!(
            strip_remote_name("origin/spec/0001-a", &remotes),
            Some("spec/0001-a")
        );
        assert_eq!(
            strip_remote_name("team/origin/spec/0002-b", &remotes),
            Some("spec/0002-b")
        );
        assert_eq!(
            strip_remote_name("gone/spec/0003-c", &remotes),
            Some("spec/0003-c")
        );
    }
}

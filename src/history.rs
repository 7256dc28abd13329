//! A spec's status history as git recorded it: the walk behind
//! `git spec log`, kept apart from the command so that others (a board,
//! `check`) can use it.
//!
//! # How the history is walked
//!
//! From HEAD, one commit at a time down a single line of parents, the way
//! `git log -- <file>` simplifies history by default:
//!
//! - at each commit, the spec's version in each parent is looked up (same
//!   path; or, when the path is absent there, the file it was renamed from:
//!   git's rename detection on the spec folder, then a file of the parent's
//!   spec folder with the same number in its name that the commit deleted);
//! - if a parent holds the very same blob, the commit did not touch the
//!   spec: follow that parent (the first such one at a merge), nothing to
//!   report. A branch merged into main is thus followed into the branch,
//!   where the status changes were made;
//! - otherwise the commit changed the spec: remember it, and follow the
//!   parent whose version has the same status (at a merge: the side the
//!   status came from), else the first parent holding the spec;
//! - no parent holds the spec: this commit created it, the walk stops.
//!
//! The result is one linear history, oldest first. Only the commits that
//! changed the spec's blob have their blob read and parsed (once per blob
//! id); every other step compares tree entry ids, and a whole subtree is
//! skipped when its id is unchanged. So the cost is one commit, its root
//! tree and, when the commit touched the spec folder, one raw read of the
//! parent's spec folder per commit between HEAD and the spec's creation:
//! 20,000 commits that each change one of 2,000 specs take about 0.4 s
//! (release build), like `git log -- <file>` on the same repository.
//!
//! A version whose front matter cannot be read (or has no `status`) does
//! not count as a change: the next readable version is compared with the
//! last readable one.

use std::collections::hash_map::Entry;
use std::collections::{BinaryHeap, HashMap};
use std::path::{Component, Path};

use anyhow::{Context, Result};
use git2::{Commit, Oid, Repository, Tree};
use serde::Serialize;

use crate::catalog;
use crate::document::Document;
use crate::project::Project;

/// One status change, as `--json` prints it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// Full commit id.
    pub commit: String,
    /// Author date of the commit, `YYYY-MM-DD`, in the author's time zone.
    pub date: String,
    /// Author name (after `.mailmap`).
    pub author: String,
    /// The previous status; null for the first one (the commit that
    /// created the file, or where a shallow clone's history starts).
    pub from: Option<String>,
    pub to: String,
    /// The spec's path at that commit, relative to the repository root.
    pub path: String,
}

/// Where the walk starts.
pub struct Start {
    pub number: u64,
    /// The spec's path in HEAD's tree, None when it is not committed.
    pub head_path: Option<String>,
    /// The status in the working tree, when the file there can be read.
    pub worktree_status: Option<String>,
}

/// Finds the spec the way `git spec status` does (in the working tree),
/// then its path in HEAD: the same path, or a file of HEAD's spec folder
/// with the same number (a rename not committed yet). A spec deleted from
/// the working tree (or unreadable there) is looked up in HEAD alone.
pub fn locate(project: &Project, input: &str, head: Option<&Commit<'_>>) -> Result<Start> {
    let git = &project.repo.git;
    let dir = slash_path(Path::new(&project.config.dir));
    let head_tree = head.map(|c| c.tree()).transpose()?;
    // HEAD's spec folder is read ahead on a thread of its own while the
    // working tree is looked up, which does not need it: the first read of
    // a packed folder of 10,000 specs inflates its chain's whole object
    // (1.5 ms), and the lookup leaves a core idle part of the time.
    let head_folder = head_tree
        .as_ref()
        .and_then(|tree| tree.get_path(Path::new(&dir)).ok())
        .filter(|entry| entry.kind() == Some(git2::ObjectType::Tree))
        .map(|entry| entry.id());
    let common_dir = project.repo.common_dir();
    let found = std::thread::scope(|scope| {
        if let Some(folder) = head_folder {
            scope.spawn(move || crate::pack::tree_pieces_in(common_dir, folder));
        }
        catalog::find(project, input)
    });
    match found {
        Ok((spec, document)) => {
            let relative = slash_path(&project.repo.relative_to_root(&spec.path));
            let head_path = match &head_tree {
                Some(tree) => path_in_tree(project, tree, &relative, spec.number)?,
                None => None,
            };
            Ok(Start {
                number: spec.number,
                head_path,
                worktree_status: document.get("status"),
            })
        }
        Err(err) => {
            // Only a spec that HEAD holds exactly once can stand in.
            let number = project.scheme.parse(input);
            if let (Some(number), Some(tree)) = (number, &head_tree) {
                let mut found = by_number(project, git, tree, &dir, number)?;
                if found.len() == 1 {
                    return Ok(Start {
                        number,
                        head_path: Some(found.remove(0)),
                        worktree_status: None,
                    });
                }
            }
            Err(err)
        }
    }
}

/// Where a working-tree spec at `relative` (`/`-separated) is in `tree`
/// (HEAD's): the same path, or the one file of the tree's spec folder with
/// the same number (a rename not committed yet); None when neither.
pub fn path_in_tree(
    project: &Project,
    tree: &Tree<'_>,
    relative: &str,
    number: u64,
) -> Result<Option<String>> {
    let git = &project.repo.git;
    if blob_at(git, tree, relative)?.is_some() {
        return Ok(Some(relative.to_string()));
    }
    let dir = slash_path(Path::new(&project.config.dir));
    let mut found = by_number(project, git, tree, &dir, number)?;
    Ok((found.len() == 1).then(|| found.remove(0)))
}

/// [`path_in_tree`] of many working-tree specs, (path, number) each, with
/// the spec folder of `tree` read once rather than once per spec.
pub fn paths_in_tree(
    project: &Project,
    tree: &Tree<'_>,
    specs: &[(&str, u64)],
) -> Result<Vec<Option<String>>> {
    let git = &project.repo.git;
    let dir = slash_path(Path::new(&project.config.dir));
    let mut cache = TreeCache::default();
    let mut found = Vec::with_capacity(specs.len());
    for &(relative, number) in specs {
        if cache.blob_at(git, tree, relative)?.is_some() {
            found.push(Some(relative.to_string()));
            continue;
        }
        let mut named = by_number(project, git, tree, &dir, number)?;
        found.push((named.len() == 1).then(|| named.remove(0)));
    }
    Ok(found)
}

/// One version of the spec along the walk.
#[derive(Debug, Clone)]
struct Version {
    path: String,
    blob: Oid,
}

pub struct StatusHistory<'a> {
    pub project: &'a Project,
    pub git: &'a Repository,
    pub number: u64,
    /// The spec folder, `/`-separated.
    pub dir: String,
}

/// Where one spec's walk starts, for [`StatusHistory::changes_of_many`].
#[derive(Debug, Clone)]
pub struct WalkStart {
    /// The commit whose version of the spec is the newest.
    pub commit: Oid,
    /// The spec's path in that commit, `/`-separated from the root.
    pub path: String,
    /// The spec's number (finds the file it was renamed from).
    pub number: u64,
}

/// One spec's walk in progress.
struct Walk<'r> {
    version: Version,
    number: u64,
    /// Commits that changed the spec's blob, newest first.
    changed: Vec<(Commit<'r>, Version)>,
}

/// What the walks of many specs share: trees are immutable, so anything
/// read from a tree id (or a pair of them) holds forever. Without it, each
/// of 10,000 specs would read its spec folder's trees and diff them again.
#[derive(Default)]
struct TreeCache {
    /// Spec folder tree -> its entries by name.
    folders: HashMap<Oid, HashMap<Vec<u8>, FolderEntry>>,
    /// (parent tree, child tree) -> renames in the spec folder, by new path.
    renames: HashMap<(Oid, Oid), HashMap<String, Version>>,
    /// (parent tree, child tree) -> spec files of the parent's spec folder
    /// absent from the child's: (number in the name, path), in tree order.
    deleted: HashMap<(Oid, Oid), Vec<(u64, String)>>,
    /// Whether folder lookups go through `folders`: worth it when many
    /// specs look in the same folder, not for one spec's walk.
    share_folders: bool,
}

/// An entry of a raw tree object.
#[derive(Debug, Clone, Copy)]
struct FolderEntry {
    id: Oid,
    /// A regular file (mode 100644 or 100755): what a spec version is.
    regular: bool,
    /// A blob of any kind (a symbolic link too), as [`blob_at`] finds.
    blob: bool,
}

impl TreeCache {
    fn folder(&mut self, git: &Repository, id: Oid) -> Result<&HashMap<Vec<u8>, FolderEntry>> {
        Ok(match self.folders.entry(id) {
            Entry::Occupied(known) => known.into_mut(),
            Entry::Vacant(slot) => slot.insert(raw_tree_entries(git, id)?),
        })
    }

    /// [`blob_at`], with the folder holding the file read once for all
    /// the lookups in it.
    fn blob_at(&mut self, git: &Repository, tree: &Tree<'_>, path: &str) -> Result<Option<Oid>> {
        let Some((dir, name)) = path.rsplit_once('/') else {
            return blob_at(git, tree, path);
        };
        let folder = match tree.get_path(Path::new(dir)) {
            Ok(entry) if entry.kind() == Some(git2::ObjectType::Tree) => entry.id(),
            _ => return Ok(None),
        };
        Ok(self
            .folder(git, folder)?
            .get(name.as_bytes())
            .filter(|entry| entry.blob)
            .map(|entry| entry.id))
    }
}

impl StatusHistory<'_> {
    /// The status changes, oldest first, of the spec at `path` in `head`;
    /// and whether the walk ended at the edge of a shallow clone rather
    /// than at the commit that created the spec.
    pub fn changes(&self, head: &Commit<'_>, path: &str) -> Result<(Vec<Change>, bool)> {
        let start = WalkStart {
            commit: head.id(),
            path: path.to_string(),
            number: self.number,
        };
        let mut all = self.walk(&[start], false)?;
        Ok(all.remove(0))
    }

    /// [`StatusHistory::changes`] of many specs at once (`self.number` is
    /// not used: each start has its own), in the order of `starts`. Each
    /// spec's walk is exactly the one `changes` makes; they advance
    /// together, newest commit first, so a commit and its trees are read
    /// once for all the specs that pass through it.
    pub fn changes_of_many(&self, starts: &[WalkStart]) -> Result<Vec<(Vec<Change>, bool)>> {
        self.walk(starts, true)
    }

    fn walk(&self, starts: &[WalkStart], share_folders: bool) -> Result<Vec<(Vec<Change>, bool)>> {
        let git = self.git;
        let mut cache = TreeCache {
            share_folders,
            ..TreeCache::default()
        };
        let mut statuses = Statuses::default();
        let mut walks: Vec<Walk<'_>> = Vec::with_capacity(starts.len());
        // The walks waiting at each commit, and the commits to visit,
        // newest first.
        let mut waiting: HashMap<Oid, Vec<usize>> = HashMap::new();
        let mut queue: BinaryHeap<(i64, Oid)> = BinaryHeap::new();
        let arrive = |waiting: &mut HashMap<Oid, Vec<usize>>,
                      queue: &mut BinaryHeap<(i64, Oid)>,
                      commit: &Commit<'_>,
                      walk: usize| {
            let at = waiting.entry(commit.id()).or_default();
            if at.is_empty() {
                queue.push((commit.time().seconds(), commit.id()));
            }
            at.push(walk);
        };
        let mut start_trees: HashMap<Oid, Tree<'_>> = HashMap::new();
        for start in starts {
            let commit = git.find_commit(start.commit)?;
            let tree = match start_trees.get(&start.commit) {
                Some(tree) => tree.clone(),
                None => {
                    let tree = commit.tree()?;
                    start_trees.insert(start.commit, tree.clone());
                    tree
                }
            };
            let blob = if share_folders {
                cache.blob_at(git, &tree, &start.path)?
            } else {
                blob_at(git, &tree, &start.path)?
            }
            .with_context(|| format!("{} is not a file in {}", start.path, commit.id()))?;
            walks.push(Walk {
                version: Version {
                    path: start.path.clone(),
                    blob,
                },
                number: start.number,
                changed: Vec::new(),
            });
            arrive(&mut waiting, &mut queue, &commit, walks.len() - 1);
        }
        drop(start_trees);

        while let Some((_, id)) = queue.pop() {
            let Some(here) = waiting.remove(&id) else {
                continue;
            };
            let commit = git.find_commit(id)?;
            let tree = commit.tree()?;
            let parents: Vec<Commit<'_>> = commit.parents().collect();
            let parent_trees = parents
                .iter()
                .map(|p| p.tree())
                .collect::<Result<Vec<_>, _>>()?;
            for index in here {
                let walk = &mut walks[index];
                let mut candidates: Vec<(usize, Version)> = Vec::new();
                let mut same = None;
                for (p, parent_tree) in parent_trees.iter().enumerate() {
                    let Some(old) = self.version_in(
                        parent_tree,
                        &tree,
                        &walk.version,
                        walk.number,
                        &mut cache,
                    )?
                    else {
                        continue;
                    };
                    if old.blob == walk.version.blob {
                        same = Some((p, old));
                        break;
                    }
                    candidates.push((p, old));
                }
                if let Some((p, old)) = same {
                    walk.version = old;
                    arrive(&mut waiting, &mut queue, &parents[p], index);
                    continue;
                }
                walk.changed.push((commit.clone(), walk.version.clone()));
                if candidates.is_empty() {
                    continue;
                }
                let pick = if candidates.len() == 1 {
                    0
                } else {
                    let status = statuses.get(git, &walk.version)?;
                    let mut pick = 0;
                    for (i, (_, old)) in candidates.iter().enumerate() {
                        if statuses.get(git, old)? == status {
                            pick = i;
                            break;
                        }
                    }
                    pick
                };
                let (p, old) = candidates.swap_remove(pick);
                walk.version = old;
                arrive(&mut waiting, &mut queue, &parents[p], index);
            }
        }

        let mailmap = git.mailmap().ok();
        let mut results = Vec::with_capacity(walks.len());
        for walk in &walks {
            let truncated = match walk.changed.last() {
                Some((oldest, _)) => {
                    oldest.parent_count() == 0 && self.is_shallow_edge(oldest.id())
                }
                None => false,
            };
            let mut changes = Vec::new();
            let mut last: Option<String> = None;
            for (commit, version) in walk.changed.iter().rev() {
                let Some(status) = statuses.get(git, version)? else {
                    continue;
                };
                if last.as_deref() == Some(status.as_str()) {
                    continue;
                }
                let author = match &mailmap {
                    Some(mailmap) => commit.author_with_mailmap(mailmap)?,
                    None => commit.author().to_owned(),
                };
                changes.push(Change {
                    commit: commit.id().to_string(),
                    date: author_date(&author.when()),
                    author: String::from_utf8_lossy(author.name_bytes()).into_owned(),
                    from: last.clone(),
                    to: status.clone(),
                    path: version.path.clone(),
                });
                last = Some(status);
            }
            results.push((changes, truncated));
        }
        Ok(results)
    }

    /// Whether `commit` is where a shallow clone's history was cut (its
    /// parents exist but were not fetched): listed in `.git/shallow`.
    fn is_shallow_edge(&self, commit: Oid) -> bool {
        if !self.git.is_shallow() {
            return false;
        }
        let shallow = self.project.repo.common_dir().join("shallow");
        let id = commit.to_string();
        std::fs::read_to_string(shallow).is_ok_and(|text| text.lines().any(|l| l.trim() == id))
    }

    /// The spec's version in a parent (whose tree is `parent_tree`), given
    /// its version in the child (whose tree is `child_tree`); None when the
    /// parent does not hold it.
    fn version_in(
        &self,
        parent_tree: &Tree<'_>,
        child_tree: &Tree<'_>,
        child: &Version,
        number: u64,
        cache: &mut TreeCache,
    ) -> Result<Option<Version>> {
        if parent_tree.id() == child_tree.id() {
            return Ok(Some(child.clone()));
        }
        if let Some(blob) = blob_in_parent(self.git, parent_tree, child_tree, child, cache)? {
            return Ok(Some(Version {
                path: child.path.clone(),
                blob,
            }));
        }
        // The path is new in this commit: renamed, or created.
        let pair = (parent_tree.id(), child_tree.id());
        let renames = match cache.renames.entry(pair) {
            Entry::Occupied(known) => known.into_mut(),
            Entry::Vacant(slot) => slot.insert(self.renames(parent_tree, child_tree)?),
        };
        if let Some(old) = renames.get(&child.path) {
            return Ok(Some(old.clone()));
        }
        let deleted = match cache.deleted.entry(pair) {
            Entry::Occupied(known) => known.into_mut(),
            Entry::Vacant(slot) => slot.insert(deleted_specs(
                self.project,
                self.git,
                parent_tree,
                child_tree,
                &self.dir,
            )?),
        };
        let found = deleted
            .iter()
            .find(|(n, _)| *n == number)
            .map(|(_, path)| path.clone());
        match found {
            Some(path) => {
                let blob = blob_at(self.git, parent_tree, &path)?
                    .with_context(|| format!("{path} vanished from tree {}", parent_tree.id()))?;
                Ok(Some(Version { path, blob }))
            }
            None => Ok(None),
        }
    }

    /// git's rename detection on the spec folder: for each renamed file,
    /// its new path and its old version in the parent.
    fn renames(
        &self,
        parent_tree: &Tree<'_>,
        child_tree: &Tree<'_>,
    ) -> Result<HashMap<String, Version>> {
        let mut options = git2::DiffOptions::new();
        options.pathspec(&self.dir).disable_pathspec_match(true);
        let mut diff =
            self.git
                .diff_tree_to_tree(Some(parent_tree), Some(child_tree), Some(&mut options))?;
        let mut renames = HashMap::new();
        // Only a deleted file can be the source of a rename: without one,
        // git's similarity search has nothing to do.
        if !diff.deltas().any(|d| d.status() == git2::Delta::Deleted) {
            return Ok(renames);
        }
        let mut find = git2::DiffFindOptions::new();
        find.renames(true);
        diff.find_similar(Some(&mut find))?;
        for delta in diff.deltas() {
            if delta.status() != git2::Delta::Renamed {
                continue;
            }
            if let (Some(new), Some(old)) = (delta.new_file().path(), delta.old_file().path()) {
                renames.entry(slash_path(new)).or_insert(Version {
                    path: slash_path(old),
                    blob: delta.old_file().id(),
                });
            }
        }
        Ok(renames)
    }
}

/// Statuses of blobs, each blob read and parsed at most once. None: the
/// front matter cannot be read or has no status.
#[derive(Default)]
struct Statuses {
    cache: HashMap<Oid, Option<String>>,
}

impl Statuses {
    fn get(&mut self, git: &Repository, version: &Version) -> Result<Option<String>> {
        if let Some(status) = self.cache.get(&version.blob) {
            return Ok(status.clone());
        }
        let blob = git
            .find_blob(version.blob)
            .with_context(|| format!("cannot read {} ({})", version.path, version.blob))?;
        let status = Document::parse(Path::new(&version.path), blob.content())
            .ok()
            .and_then(|document| document.get("status"));
        self.cache.insert(version.blob, status.clone());
        Ok(status)
    }
}

/// The blob at `path` (`/`-separated) in `tree`, None if there is none.
/// The folder holding it (often a tree of thousands of specs) is read
/// raw, like every folder of the walk ([`raw_tree_entry`]): libgit2
/// parsed it whole, twice for one `git spec log`, since it does not keep
/// trees that large in its cache.
fn blob_at(git: &Repository, tree: &Tree<'_>, path: &str) -> Result<Option<Oid>> {
    let (folder, name) = match path.rsplit_once('/') {
        None => (tree.id(), path),
        Some((dir, name)) => match tree.get_path(Path::new(dir)) {
            Ok(entry) if entry.kind() == Some(git2::ObjectType::Tree) => (entry.id(), name),
            Ok(_) => return Ok(None),
            Err(err) if err.code() == git2::ErrorCode::NotFound => return Ok(None),
            Err(err) => return Err(err.into()),
        },
    };
    // Blobs are 100644, 100755 and 120000 (a symbolic link), as libgit2
    // found them before.
    Ok(raw_tree_entry(git, folder, name)?
        .filter(|(mode, _)| mode.starts_with(b"100") || mode.as_slice() == b"120000")
        .map(|(_, id)| id))
}

/// The blob at the child's path in the parent's tree, walking both trees
/// side by side: as soon as a subtree has the same id in both, the blob is
/// the child's, without reading further. The child's folder holding the
/// file is never read (its blob id is known), so a commit that changed
/// another spec costs one read of the parent's spec folder.
fn blob_in_parent(
    git: &Repository,
    parent_tree: &Tree<'_>,
    child_tree: &Tree<'_>,
    child: &Version,
    cache: &mut TreeCache,
) -> Result<Option<Oid>> {
    let mut parent = parent_tree.clone();
    let mut current = child_tree.clone();
    let parts: Vec<&str> = child.path.split('/').collect();
    let last = parts.len() - 1;
    for (i, part) in parts.iter().enumerate() {
        let Some((id, kind)) = parent.get_name(part).map(|e| (e.id(), e.kind())) else {
            return Ok(None);
        };
        if i == last {
            return Ok((kind == Some(git2::ObjectType::Blob)).then_some(id));
        }
        let Some(child_id) = current.get_name(part).map(|e| e.id()) else {
            return Ok(None);
        };
        if child_id == id {
            return Ok(Some(child.blob));
        }
        if kind != Some(git2::ObjectType::Tree) {
            return Ok(None);
        }
        if i + 1 == last {
            // The folder holding the file: often a large tree (thousands
            // of specs), read raw rather than parsed into entries; or, when
            // many walks share it, indexed once.
            if !cache.share_folders {
                return raw_tree_blob(git, id, parts[last]);
            }
            return Ok(cache
                .folder(git, id)?
                .get(parts[last].as_bytes())
                .filter(|entry| entry.regular)
                .map(|entry| entry.id));
        }
        parent = git.find_tree(id)?;
        current = git.find_tree(child_id)?;
    }
    Ok(None)
}

/// `f` of the bytes of tree `tree` as stored ([`crate::raw_tree::with_tree`]);
/// when it cannot be read, libgit2's error, which says why.
fn with_raw<R>(git: &Repository, tree: Oid, f: impl FnOnce(&[u8]) -> R) -> Result<R> {
    match crate::raw_tree::with_tree(git, tree, f) {
        Some(result) => Ok(result),
        None => Err(match git.find_tree(tree) {
            Err(err) => err.into(),
            Ok(_) => anyhow::anyhow!("cannot read tree {tree}"),
        }),
    }
}

/// Every entry of the tree `tree`, read raw (see [`crate::raw_tree`]).
fn raw_tree_entries(git: &Repository, tree: Oid) -> Result<HashMap<Vec<u8>, FolderEntry>> {
    with_raw(git, tree, |data| {
        let mut entries = HashMap::new();
        for raw in crate::raw_tree::entries(data) {
            let entry = FolderEntry {
                id: Oid::from_bytes(raw.id)?,
                regular: raw.mode.starts_with(b"100"),
                blob: raw.mode.starts_with(b"100") || raw.mode == b"120000",
            };
            entries.entry(raw.name.to_vec()).or_insert(entry);
        }
        Ok(entries)
    })?
}

/// The regular file named `name` in the tree `tree` (see
/// [`raw_tree_entry`]).
fn raw_tree_blob(git: &Repository, tree: Oid, name: &str) -> Result<Option<Oid>> {
    Ok(raw_tree_entry(git, tree, name)?
        .filter(|(mode, _)| mode.starts_with(b"100"))
        .map(|(_, id)| id))
}

/// The mode and id of the first entry named `name` in the tree `tree`,
/// found in the raw tree object (see [`crate::raw_tree`]) rather than in
/// libgit2's parse of all of it.
fn raw_tree_entry(git: &Repository, tree: Oid, name: &str) -> Result<Option<(Vec<u8>, Oid)>> {
    // A packed tree is looked up in its pieces, without rebuilding it: in
    // a large spec folder most entries are jumped over (see
    // `pack::Pieces::find`).
    if let Some(pieces) = crate::pack::tree_pieces(git, tree) {
        return pieces
            .find(name.as_bytes())
            .map(|(mode, id)| Ok((mode, Oid::from_bytes(&id)?)))
            .transpose();
    }
    with_raw(git, tree, |data| {
        crate::raw_tree::entries(data)
            .find(|entry| entry.name == name.as_bytes())
            .map(|entry| Ok((entry.mode.to_vec(), Oid::from_bytes(entry.id)?)))
            .transpose()
    })?
}

/// Paths of the spec files in `tree`'s spec folder whose name carries
/// `number`, sorted.
fn by_number(
    project: &Project,
    git: &Repository,
    tree: &Tree<'_>,
    dir: &str,
    number: u64,
) -> Result<Vec<String>> {
    let Some(folder) = subtree(git, tree, dir)? else {
        return Ok(Vec::new());
    };
    let mut found = Vec::new();
    for entry in folder.iter() {
        if entry.kind() != Some(git2::ObjectType::Blob) {
            continue;
        }
        let Ok(name) = std::str::from_utf8(entry.name_bytes()) else {
            continue;
        };
        if !name.ends_with(".md") || project.scheme.file.number_in(name) != Some(number) {
            continue;
        }
        found.push(if dir.is_empty() {
            name.to_string()
        } else {
            format!("{dir}/{name}")
        });
    }
    Ok(found)
}

/// The spec files of `parent_tree`'s spec folder that `child_tree`'s
/// lacks, as (number in the name, path), in tree order: the old names of
/// files a commit renamed (what [`by_number`] with `deleted_in` finds, for
/// every number at once).
fn deleted_specs(
    project: &Project,
    git: &Repository,
    parent_tree: &Tree<'_>,
    child_tree: &Tree<'_>,
    dir: &str,
) -> Result<Vec<(u64, String)>> {
    let Some(folder) = subtree(git, parent_tree, dir)? else {
        return Ok(Vec::new());
    };
    let other = subtree(git, child_tree, dir)?;
    let mut found = Vec::new();
    for entry in folder.iter() {
        if entry.kind() != Some(git2::ObjectType::Blob) {
            continue;
        }
        let Ok(name) = std::str::from_utf8(entry.name_bytes()) else {
            continue;
        };
        if !name.ends_with(".md") || other.as_ref().is_some_and(|o| o.get_name(name).is_some()) {
            continue;
        }
        let Some(number) = project.scheme.file.number_in(name) else {
            continue;
        };
        found.push((
            number,
            if dir.is_empty() {
                name.to_string()
            } else {
                format!("{dir}/{name}")
            },
        ));
    }
    Ok(found)
}

/// The tree at `dir` in `tree` (`tree` itself for the root).
fn subtree<'r>(git: &'r Repository, tree: &Tree<'r>, dir: &str) -> Result<Option<Tree<'r>>> {
    if dir.is_empty() {
        return Ok(Some(tree.clone()));
    }
    match tree.get_path(Path::new(dir)) {
        Ok(entry) if entry.kind() == Some(git2::ObjectType::Tree) => {
            Ok(Some(git.find_tree(entry.id())?))
        }
        _ => Ok(None),
    }
}

/// A relative path as git writes it: `/`-separated, without `.` parts.
pub fn slash_path(path: &Path) -> String {
    path.components()
        .filter_map(|c| match c {
            Component::Normal(part) => Some(part.to_string_lossy()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// `YYYY-MM-DD` in the signature's own time zone, as `git log --date=short`.
fn author_date(time: &git2::Time) -> String {
    let offset = chrono::FixedOffset::east_opt(time.offset_minutes() * 60)
        .unwrap_or_else(|| chrono::FixedOffset::east_opt(0).expect("UTC"));
    match chrono::DateTime::from_timestamp(time.seconds(), 0) {
        Some(utc) => utc.with_timezone(&offset).format("%Y-%m-%d").to_string(),
        None => "????-??-??".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_the_author_time_zone() {
        // 2026-01-01T00:30:00Z is still 2025-12-31 in New York.
        assert_eq!(
            author_date(&git2::Time::new(1_767_227_400, -300)),
            "2025-12-31"
        );
        assert_eq!(
            author_date(&git2::Time::new(1_767_227_400, 0)),
            "2026-01-01"
        );
    }

    #[test]
    fn slash_paths() {
        assert_eq!(slash_path(Path::new("./specs/")), "specs");
        assert_eq!(slash_path(Path::new("docs/specs/a.md")), "docs/specs/a.md");
    }
}

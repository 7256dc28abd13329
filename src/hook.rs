//! The pre-commit check: every status change in the commit gets its
//! changelog entry, in the commit itself.
//!
//! git runs the hook with `GIT_INDEX_FILE` naming the index being committed
//! (`index.lock` for `commit -a`, `next-index-PID.lock` for `commit <path>`);
//! `Repo::open` reads that one. The edit is written as a new blob into that
//! index and applied to the working-tree file as well, never with `git add`,
//! so unstaged edits are neither committed nor lost.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use git2::{Delta, DiffOptions, Index, Oid};

use crate::document::{status_change_entry, Document};
use crate::project::Project;
use crate::workflow::TransitionError;
use crate::{clock, fsutil};

/// What happened to one staged spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The changelog entry was appended (path relative to the root, entry).
    Recorded { path: PathBuf, entry: String },
    /// The changelog lacks the entry and `--check` forbade the edit.
    Missing {
        path: PathBuf,
        from: String,
        to: String,
    },
}

/// Why the commit must not go ahead: one message per spec.
#[derive(Debug)]
pub struct Refusal(pub Vec<String>);

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0.join("\n"))
    }
}

impl std::error::Error for Refusal {}

/// A staged spec whose status differs from HEAD's.
struct StatusChange {
    path: PathBuf,
    staged_blob: Oid,
    staged: Document,
    from: String,
    to: String,
}

/// Checks the index being committed; with `fix`, appends the missing
/// entries (to the index and the working tree). Errors with [`Refusal`]
/// when a spec is malformed or its transition is not allowed.
pub fn pre_commit(project: &Project, fix: bool) -> Result<Vec<Outcome>> {
    let repo = &project.repo;
    let Some(head) = repo.head_commit()? else {
        // The first commit only adds specs; additions get no entry.
        return Ok(Vec::new());
    };
    let head_tree = head.tree()?;
    let mut index = repo
        .git
        .index()
        .context("cannot read the index being committed")?;

    let mut refusals = Vec::new();
    let mut changes = staged_status_changes(project, &head_tree, &index, &mut refusals)?;
    // A merge brings statuses from its other parents, where they were
    // recorded already: only a status none of the parents has is new.
    let other_parents = merge_heads(project)?;
    changes.retain(|change| {
        !other_parents.iter().any(|tree| {
            status_at(project, tree, &change.path).as_deref() == Some(change.to.as_str())
        })
    });
    let workflow = &project.config.workflow;
    let mut pending = Vec::new();
    for change in changes {
        if change.staged.last_status_change().as_ref()
            == Some(&(change.from.clone(), change.to.clone()))
        {
            // Recorded already: by `git spec status`, by hand, or by this
            // hook on the commit being amended.
            continue;
        }
        match workflow.check(&change.from, &change.to) {
            Ok(()) => pending.push(change),
            Err(TransitionError::UnknownStatus(status)) => refusals.push(format!(
                "{}:{}: status {status:?} is not in the workflow; use one of: {}",
                change.path.display(),
                change.staged.line_of("status").unwrap_or(1),
                workflow.statuses.join(", ")
            )),
            // Leaving a status the workflow does not know is a repair.
            Err(TransitionError::UnknownCurrent(_)) => pending.push(change),
            Err(refusal) if workflow.enforce => refusals.push(format!(
                "{}:{}: {refusal}",
                change.path.display(),
                change.staged.line_of("status").unwrap_or(1)
            )),
            Err(_) => pending.push(change),
        }
    }
    if !refusals.is_empty() {
        refusals.push(
            "Fix the status (or run `git spec status <id> <status> --force`, which records the forced change), \
             or skip this check once with `git commit --no-verify`; `[workflow] enforce = false` in .specrc allows any transition."
                .to_string(),
        );
        return Err(Refusal(refusals).into());
    }
    if pending.is_empty() {
        return Ok(Vec::new());
    }
    if !fix {
        return Ok(pending
            .into_iter()
            .map(|c| Outcome::Missing {
                path: c.path,
                from: c.from,
                to: c.to,
            })
            .collect());
    }

    let name = repo.identity()?.name;
    let today = clock::today()?;
    // The working-tree files are edited in place, like `git spec status`
    // does: take turns with it.
    let _lock = crate::lock::edit_lock(repo)?;
    let mut outcomes = Vec::new();
    for change in pending {
        let entry = status_change_entry(&today, &change.from, &change.to, &name, None, false);
        let new_bytes = change.staged.with_changelog_entry(&entry);
        let new_blob = repo.git.blob(&new_bytes)?;
        replace_blob(
            &mut index,
            &change.path,
            change.staged_blob,
            new_blob,
            new_bytes.len(),
        )?;
        update_working_file(project, &change, &entry)?;
        update_real_index(
            project,
            &change.path,
            change.staged_blob,
            new_blob,
            new_bytes.len(),
        )?;
        outcomes.push(Outcome::Recorded {
            path: change.path,
            entry,
        });
    }
    index
        .write()
        .context("cannot write the index being committed")?;
    Ok(outcomes)
}

/// Staged spec files whose status differs from HEAD's. Only modified files
/// count: additions, deletions and renames carry no transition. The diff is
/// limited to the spec folder and compares ids, so a commit that touches no
/// spec costs no blob reads.
fn staged_status_changes(
    project: &Project,
    head_tree: &git2::Tree<'_>,
    index: &Index,
    refusals: &mut Vec<String>,
) -> Result<Vec<StatusChange>> {
    let repo = &project.repo;
    let mut options = DiffOptions::new();
    options.pathspec(format!("{}/", project.config.dir.trim_end_matches('/')));
    options.disable_pathspec_match(false);
    let diff = repo
        .git
        .diff_tree_to_index(Some(head_tree), Some(index), Some(&mut options))
        .context("cannot compare the index with HEAD")?;
    let mut changes = Vec::new();
    for delta in diff.deltas() {
        if delta.status() != Delta::Modified {
            continue;
        }
        let Some(path) = delta.new_file().path().map(Path::to_path_buf) else {
            continue;
        };
        if path.extension().and_then(|e| e.to_str()) != Some("md") {
            continue;
        }
        let old_blob = repo.git.find_blob(delta.old_file().id())?;
        let new_blob = repo.git.find_blob(delta.new_file().id())?;
        let staged = match Document::parse(&path, new_blob.content()) {
            Ok(document) => document,
            Err(err) => {
                refusals.push(format!("{err}; fix the front matter"));
                continue;
            }
        };
        // A spec that was malformed in HEAD has no status to compare with.
        let Ok(old) = Document::parse(&path, old_blob.content()) else {
            continue;
        };
        let (Some(from), Some(to)) = (old.get("status"), staged.get("status")) else {
            if staged.get("status").is_none() {
                refusals.push(format!(
                    "{}:{}: the front matter has no status value; add one such as `status: draft`",
                    path.display(),
                    staged.line_of("status").unwrap_or(1)
                ));
            }
            continue;
        };
        if from != to {
            changes.push(StatusChange {
                path,
                staged_blob: delta.new_file().id(),
                staged,
                from,
                to,
            });
        }
    }
    Ok(changes)
}

/// The trees of the commits being merged in (MERGE_HEAD), if a merge is
/// being committed.
fn merge_heads(project: &Project) -> Result<Vec<git2::Tree<'_>>> {
    let path = project.repo.git.path().join("MERGE_HEAD");
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Ok(Vec::new());
    };
    let mut trees = Vec::new();
    for line in text.lines() {
        if let Ok(oid) = Oid::from_str(line.trim()) {
            trees.push(project.repo.git.find_commit(oid)?.tree()?);
        }
    }
    Ok(trees)
}

/// The status of the spec at `path` in `tree`, if it has one.
fn status_at(project: &Project, tree: &git2::Tree<'_>, path: &Path) -> Option<String> {
    let entry = tree.get_path(path).ok()?;
    let blob = project.repo.git.find_blob(entry.id()).ok()?;
    Document::parse(path, blob.content()).ok()?.get("status")
}

/// Points the index entry for `path` at `new_blob`, if it still holds
/// `old_blob` (anything else is the user's and is left alone).
fn replace_blob(
    index: &mut Index,
    path: &Path,
    old_blob: Oid,
    new_blob: Oid,
    size: usize,
) -> Result<bool> {
    let Some(mut entry) = index.get_path(path, 0) else {
        return Ok(false);
    };
    if entry.id != old_blob {
        return Ok(false);
    }
    entry.id = new_blob;
    entry.file_size = u32::try_from(size).unwrap_or(u32::MAX);
    index
        .add(&entry)
        .with_context(|| format!("cannot update {} in the index", path.display()))?;
    Ok(true)
}

/// The same entry in the working-tree file, which may hold more edits than
/// the index: they stay. Skipped when the file's last recorded change is
/// this transition already (the user wrote it, unstaged).
fn update_working_file(project: &Project, change: &StatusChange, entry: &str) -> Result<()> {
    let full = project.repo.workdir.join(&change.path);
    if full.symlink_metadata().is_ok_and(|m| !m.is_file()) {
        // A link (or anything but a file) in the working tree is not the
        // spec that was staged; writing through it could leave the tree.
        return Ok(());
    }
    let Ok(bytes) = std::fs::read(&full) else {
        // Deleted in the working tree: nothing to keep in step.
        return Ok(());
    };
    let Ok(document) = Document::parse(&change.path, &bytes) else {
        return Ok(());
    };
    if document.last_status_change() == Some((change.from.clone(), change.to.clone())) {
        return Ok(());
    }
    fsutil::replace_expected(&full, &bytes, &document.with_changelog_entry(entry))
}

/// `git commit <path>` commits a temporary index and afterwards installs
/// the real one (`index.lock`, prepared before the hook ran). Without this
/// the real index would keep the file without the entry, and `git status`
/// would show it modified both ways after a clean commit.
fn update_real_index(
    project: &Project,
    path: &Path,
    old_blob: Oid,
    new_blob: Oid,
    size: usize,
) -> Result<()> {
    let Some(index_file) = std::env::var_os("GIT_INDEX_FILE") else {
        return Ok(());
    };
    let is_partial_commit_index = Path::new(&index_file)
        .file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with("next-index-"));
    if !is_partial_commit_index {
        return Ok(());
    }
    let real = project.repo.git.path().join("index.lock");
    if !real.exists() {
        return Ok(());
    }
    let mut index =
        Index::open(&real).with_context(|| format!("cannot read {}", real.display()))?;
    if replace_blob(&mut index, path, old_blob, new_blob, size)? {
        index
            .write()
            .with_context(|| format!("cannot write {}", real.display()))?;
    }
    Ok(())
}

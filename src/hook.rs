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

use crate::config::ApprovalConfig;
use crate::document::{status_change_entry, Document, StatusStep};
use crate::project::Project;
use crate::workflow::{TransitionError, Workflow};
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
    /// The spec in HEAD.
    head: Document,
    /// HEAD's status (for a pending entry: where the entry starts).
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
        match missing_step(workflow, &change).and_then(|pending| {
            approved_enough(&project.config.approval, &change).map(|()| pending)
        }) {
            Ok(None) => {}
            Ok(Some(from)) => pending.push(StatusChange { from, ..change }),
            Err(refusal) => refusals.push(refusal),
        }
    }
    if !refusals.is_empty() {
        refusals.push(
            "Fix the status; or record the change as forced with `git spec status <id> <status> --force` \
             and `git add` the spec; or skip this check once with `git commit --no-verify`. \
             `[workflow] enforce = false` in .specrc allows any transition."
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
        let new_bytes = change.staged.with_recorded_entry(&today, &entry)?;
        let new_blob = repo.git.blob(&new_bytes)?;
        replace_blob(
            &mut index,
            &change.path,
            change.staged_blob,
            new_blob,
            new_bytes.len(),
        )?;
        update_working_file(project, &change, &today, &entry)?;
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

/// What the changelog entries added since HEAD leave to record. They are
/// accepted when they form a path from HEAD's status that the workflow
/// allows (an entry recorded as forced is a recorded override); a status
/// beyond the path's end then needs one entry, from the end to the staged
/// status: Some(that start). Anything else is refused, naming the step.
fn missing_step(workflow: &Workflow, change: &StatusChange) -> Result<Option<String>, String> {
    let head_steps = change.head.status_steps();
    let staged_steps = change.staged.status_steps();
    // Entries already in HEAD: the common start of both changelogs.
    let same =
        |a: &StatusStep, b: &StatusStep| (&a.from, &a.to, a.forced) == (&b.from, &b.to, b.forced);
    let kept = head_steps
        .iter()
        .zip(&staged_steps)
        .take_while(|(a, b)| same(a, b))
        .count();
    let path = change.path.display();
    let mut at = change.from.clone();
    for step in &staged_steps[kept..] {
        if step.from != at {
            return Err(format!(
                "{path}:{}: the changelog records a change from {} to {}, but the status was {at} at that point: \
                 the step from {at} to {} has no entry",
                step.line, step.from, step.to, step.from
            ));
        }
        if !step.forced {
            if let Err(refusal) = workflow.decide(&at, &step.to, false) {
                return Err(format!("{path}:{}: {refusal}", step.line));
            }
        }
        at = step.to.clone();
    }
    if at == change.to {
        return Ok(None);
    }
    match workflow.decide(&at, &change.to, false) {
        Ok(_) => Ok(Some(at)),
        Err(TransitionError::UnknownStatus(status)) => Err(format!(
            "{path}:{}: status {status:?} is not in the workflow; use one of: {}",
            change.staged.line_of("status").unwrap_or(1),
            workflow.statuses.join(", ")
        )),
        Err(refusal) => Err(format!(
            "{path}:{}: {refusal}",
            change.staged.line_of("status").unwrap_or(1)
        )),
    }
}

/// A status that needs approvals (`[approval] required`) is entered only
/// with enough current ones, or by a step recorded as forced (`git spec
/// status <id> <status> --force`), as `git spec status` would.
fn approved_enough(config: &ApprovalConfig, change: &StatusChange) -> Result<(), String> {
    if change.from == change.to {
        return Ok(());
    }
    let forced_in = change
        .staged
        .status_steps()
        .last()
        .is_some_and(|step| step.to == change.to && step.forced);
    match crate::approval::shortfall(&change.staged, &change.to, config) {
        Some(short) if !forced_in => Err(format!(
            "{}:{}: {short}",
            change.path.display(),
            change.staged.line_of("status").unwrap_or(1)
        )),
        _ => Ok(()),
    }
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
        // The index `git spec index` writes, a README or notes in the
        // folder are not specs.
        let index_file = Path::new(&project.config.index.file);
        if !crate::catalog::is_spec_file(&project.scheme, index_file, &path, new_blob.content()) {
            continue;
        }
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
        // A status that came back where it was can still carry new
        // entries (review -> draft -> review), which must form a path.
        if from != to || staged.status_steps().len() != old.status_steps().len() {
            changes.push(StatusChange {
                path,
                staged_blob: delta.new_file().id(),
                staged,
                head: old,
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

/// The same edit in the working-tree file, which may hold more edits than
/// the index: they stay. The entry is skipped when the file's last
/// recorded change is this transition already (the user wrote it,
/// unstaged); `updated:` is set when the file still has the value the
/// staged spec had, so the working tree does not undo the commit's date.
fn update_working_file(
    project: &Project,
    change: &StatusChange,
    today: &str,
    entry: &str,
) -> Result<()> {
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
    let needs_entry =
        document.last_status_change() != Some((change.from.clone(), change.to.clone()));
    let updated = document.get("updated");
    let values: Vec<(&str, &str)> = if updated.is_some()
        && updated == change.staged.get("updated")
        && updated.as_deref() != Some(today)
    {
        vec![("updated", today)]
    } else {
        Vec::new()
    };
    let edited = match (needs_entry, values.is_empty()) {
        (false, true) => return Ok(()),
        (false, false) => document.with_values(&values),
        (true, _) => document.with_values_and_entry(&values, entry),
    };
    // A value that cannot be set in place leaves the rest of the edit.
    let edited = match edited {
        Ok(edited) => edited,
        Err(_) if needs_entry => document.with_changelog_entry(entry),
        Err(_) => return Ok(()),
    };
    fsutil::replace_expected(&full, &bytes, &edited)
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

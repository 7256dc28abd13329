//! Specs on other branches, read from their trees without a checkout.

use std::collections::HashSet;
use std::path::Path;

use anyhow::{Context, Result};

use super::{is_spec_file, Catalog, RawSpec, Spec, SpecRecord};
use crate::document::DocumentError;
use crate::project::Project;

/// Local and remote-tracking branches but the checked-out one, with their
/// short names (`main`, `origin/feature`), skipping symbolic refs such as
/// origin/HEAD: the branches whose specs are compared with the working tree.
pub fn branch_tips(project: &Project) -> Result<Vec<(String, git2::Oid)>> {
    let current = project.repo.head_ref_name();
    let mut out = Vec::new();
    for reference in project
        .repo
        .git
        .references()
        .context("cannot list the repository's refs")?
    {
        let Ok(reference) = reference else { continue };
        let Ok(name) = reference.name() else { continue };
        if Some(name) == current.as_deref() {
            continue;
        }
        let short = name
            .strip_prefix("refs/heads/")
            .or_else(|| name.strip_prefix("refs/remotes/"));
        let (Some(short), Some(target)) = (short, reference.target()) else {
            continue;
        };
        if short.ends_with("/HEAD") {
            continue;
        }
        out.push((short.to_string(), target));
    }
    Ok(out)
}

/// A spec that cannot be parsed, and the branch it was read from.
pub struct Broken {
    pub branch: Option<String>,
    pub error: DocumentError,
}

impl std::fmt::Display for Broken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.branch {
            // `branch:path` is how git names a file on a branch
            // (`git show branch:path` prints it).
            Some(branch) => write!(f, "{branch}:{}", self.error),
            None => write!(f, "{}", self.error),
        }
    }
}

/// Specs on local and remote-tracking branches (other than the checked-out
/// one) whose path is not in the working tree. A path found on several
/// branches is taken from the first branch by name.
///
/// Every branch's spec folder tree has to be read (about a millisecond for
/// a folder of 10,000 specs), so distinct trees are read once each, in
/// parallel; a blob is read and parsed only for a path not seen yet.
pub fn branch_specs(
    project: &Project,
    working_tree: &[SpecRecord],
    working_tree_errors: &[Broken],
) -> Result<(Vec<SpecRecord>, Vec<Broken>)> {
    let (specs, errors) = branch_catalog(project, working_tree, working_tree_errors)?;
    Ok((specs.into_iter().map(|s| s.record).collect(), errors))
}

/// [`branch_specs`] with each spec's document, for the board's pages.
pub fn branch_catalog(
    project: &Project,
    working_tree: &[SpecRecord],
    working_tree_errors: &[Broken],
) -> Result<(Vec<Spec>, Vec<Broken>)> {
    let repo = &project.repo.git;
    // Every spec lives directly in the spec folder: its file name is its key.
    let file_name = |path: &Path| {
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    let mut seen: HashSet<String> = working_tree
        .iter()
        .map(|r| file_name(Path::new(&r.path)))
        .chain(working_tree_errors.iter().map(|b| file_name(&b.error.path)))
        .collect();
    let index_file = Path::new(&project.config.index.file);

    let mut branches = branch_tips(project)?;
    branches.sort();
    // (branch, spec folder tree) in branch order, each tree once.
    let mut trees: Vec<(String, git2::Oid)> = Vec::new();
    let mut seen_trees: HashSet<git2::Oid> = HashSet::new();
    for (branch, target) in branches {
        let Some(folder) = crate::repo::spec_folder(repo, target, &project.config.dir)
            .with_context(|| format!("cannot read the tree of {branch}"))?
        else {
            continue;
        };
        if seen_trees.insert(folder) {
            trees.push((branch, folder));
        }
    }

    let ids: Vec<git2::Oid> = trees.iter().map(|(_, id)| *id).collect();
    let candidates = markdown_entries(repo, &ids, &seen)?;
    let mut records = Vec::new();
    let mut errors = Vec::new();
    for ((branch, _), entries) in trees.iter().zip(candidates) {
        let mut raw = Vec::new();
        for (name, blob) in entries {
            if seen.contains(&name) {
                continue;
            }
            let blob = repo
                .find_blob(blob)
                .with_context(|| format!("cannot read {name} on {branch}"))?;
            let path = Path::new(&project.config.dir).join(&name);
            if is_spec_file(&project.scheme, index_file, &path, blob.content()) {
                raw.push(RawSpec {
                    path,
                    bytes: blob.content().to_vec(),
                });
                seen.insert(name);
            }
        }
        if raw.is_empty() {
            continue;
        }
        let catalog = Catalog::parse(project, raw, Some(branch));
        records.extend(catalog.specs);
        errors.extend(catalog.errors.into_iter().map(|error| Broken {
            branch: Some(branch.clone()),
            error,
        }));
    }
    Ok((records, errors))
}

/// For each tree: its `.md` blobs (name, blob id) whose name is not in
/// `known`. Trees are shared among threads, each with its own handle on the
/// object database (a Repository cannot be shared).
fn markdown_entries(
    repo: &git2::Repository,
    trees: &[git2::Oid],
    known: &HashSet<String>,
) -> Result<Vec<Vec<(String, git2::Oid)>>> {
    const PER_THREAD: usize = 16;
    let git_dir = repo.path();
    crate::parallel::map_with(
        trees,
        PER_THREAD,
        || git2::Repository::open(git_dir),
        |git, &id| -> Result<Vec<(String, git2::Oid)>> {
            let git = git.as_ref().map_err(|err| anyhow::anyhow!("{err}"))?;
            let tree = git.find_tree(id)?;
            let mut out = Vec::new();
            for entry in tree.iter() {
                if entry.kind() != Some(git2::ObjectType::Blob) {
                    continue;
                }
                let Ok(name) = std::str::from_utf8(entry.name_bytes()) else {
                    continue;
                };
                if name.ends_with(".md") && !known.contains(name) {
                    out.push((name.to_string(), entry.id()));
                }
            }
            Ok(out)
        },
    )
    .into_iter()
    .collect()
}

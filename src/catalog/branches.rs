//! Specs on other branches, read from their trees without a checkout.

use std::collections::HashSet;
use std::path::Path;

use anyhow::{Context, Result};

use super::{is_spec_file, Catalog, RawSpec, Spec, SpecRecord};
use crate::document::DocumentError;
use crate::memo::{ObjectMemo, Record};
use crate::project::Project;
use crate::raw_tree;

/// Local and remote-tracking branches but the checked-out one, with their
/// short names (`main`, `origin/feature`), skipping symbolic refs such as
/// origin/HEAD: the branches whose specs are compared with the working tree.
pub fn branch_tips(project: &Project) -> Result<Vec<(String, git2::Oid)>> {
    let mut out = Vec::new();
    each_other_branch(project, |short, target| {
        out.push((short.to_string(), target));
        true
    })?;
    Ok(out)
}

/// Whether there is any branch [`branch_tips`] would give, stopping at the
/// first: `check`'s warning needs no more.
pub fn has_other_branch(project: &Project) -> Result<bool> {
    let mut found = false;
    each_other_branch(project, |_, _| {
        found = true;
        false
    })?;
    Ok(found)
}

/// Calls `each` with every branch of [`branch_tips`] until it returns
/// false.
fn each_other_branch(
    project: &Project,
    mut each: impl FnMut(&str, git2::Oid) -> bool,
) -> Result<()> {
    let current = project.repo.head_ref_name();
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
        if !each(short, target) {
            break;
        }
    }
    Ok(())
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
    let tips: Vec<(&str, git2::Oid)> = branches
        .iter()
        .map(|(branch, target)| (branch.as_str(), *target))
        .collect();
    let folders = crate::repo::spec_folders(repo, &tips, &project.config.dir)?;
    for ((branch, _), folder) in branches.into_iter().zip(folders) {
        let Some(folder) = folder else { continue };
        if seen_trees.insert(folder) {
            trees.push((branch, folder));
        }
    }

    let ids: Vec<git2::Oid> = trees.iter().map(|(_, id)| *id).collect();
    let base = raw_tree::Base::for_spec_folders(&project.repo, &project.config.dir, &ids);
    let candidates = markdown_entries(project, base, &ids, &seen)?;
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
/// `known`, in tree order. Trees are shared among threads, each with its
/// own handle on the object database (a Repository cannot be shared).
///
/// Branches' spec folders are mostly the same tree give or take a few
/// specs, so each is split against a base (see [`crate::raw_tree`]): the
/// entries it shares with the
/// base were decided once, only the rest are looked at. A tree the raw
/// reader will not vouch for is read through libgit2 as before.
///
/// How each tree splits against the base is memoised by the two tree ids
/// in `.git/git-spec/branch-splits`: trees never change, and past about
/// 18,000 specs reading one costs milliseconds (libgit2 inflates the spec
/// folder's delta base again for each), so a later run reads none but the
/// base.
fn markdown_entries(
    project: &Project,
    base: Option<raw_tree::Base>,
    trees: &[git2::Oid],
    known: &HashSet<String>,
) -> Result<Vec<Vec<(String, git2::Oid)>>> {
    const PER_THREAD: usize = 16;
    let repo = &project.repo.git;
    // Symbolic links and files alike, as libgit2's kind says; a symbolic
    // link's blob is then no spec (`is_spec_file` reads it).
    let wanted = |is_blob: bool, name: &[u8]| -> Option<String> {
        let name = std::str::from_utf8(name).ok().filter(|_| is_blob)?;
        (name.ends_with(".md") && !known.contains(name)).then(|| name.to_string())
    };
    // The base's wanted entries, by entry index: usually none (the working
    // tree has HEAD's specs).
    let base_wanted: Vec<(usize, String, git2::Oid)> = base
        .iter()
        .flat_map(|base| base.entries().enumerate())
        .filter_map(|(index, entry)| {
            let name = wanted(entry.is_blob_kind(), entry.name)?;
            Some((index, name, entry.oid()))
        })
        .collect();
    let base_id = base.as_ref().map(raw_tree::Base::id);
    let mut memo: ObjectMemo<OwnEntries> = ObjectMemo::load(
        project.repo.common_dir(),
        "branch-splits",
        "git-spec branch-splits v1".to_string(),
    );
    let memoised: Vec<Option<OwnEntries>> = trees
        .iter()
        .map(|tree| {
            memo.get(*tree)
                .filter(|own| Some(own.base) == base_id)
                .filter(|own| base.as_ref().is_some_and(|b| own.split.tail <= b.len()))
                .cloned()
        })
        .collect();
    let split = |git: &git2::Repository, id: git2::Oid| -> Option<OwnEntries> {
        let base = base.as_ref()?;
        let split = base.split_tree(git, id)?;
        let entries = split
            .own()
            .map(|entry| (entry.is_blob_kind(), entry.name.to_vec(), entry.oid()))
            .collect();
        Some(OwnEntries {
            base: base.id(),
            split: split.split,
            entries,
        })
    };
    let to_read: Vec<git2::Oid> = trees
        .iter()
        .zip(&memoised)
        .filter(|(_, known)| known.is_none())
        .map(|(id, _)| *id)
        .collect();
    let git_dir = repo.path();
    let read = crate::parallel::map_with(
        &to_read,
        PER_THREAD,
        || git2::Repository::open(git_dir),
        |git, &id| -> Result<Result<OwnEntries, Vec<(String, git2::Oid)>>> {
            let git = git.as_ref().map_err(|err| anyhow::anyhow!("{err}"))?;
            if let Some(own) = split(git, id) {
                return Ok(Ok(own));
            }
            let tree = git.find_tree(id)?;
            Ok(Err(tree
                .iter()
                .filter_map(|entry| {
                    let is_blob = entry.kind() == Some(git2::ObjectType::Blob);
                    Some((wanted(is_blob, entry.name_bytes())?, entry.id()))
                })
                .collect()))
        },
    );
    let mut read = to_read.iter().zip(read);
    let mut out = Vec::with_capacity(trees.len());
    for known in memoised {
        let own = match known {
            Some(own) => own,
            None => {
                let (id, result) = read.next().expect("one read per tree not memoised");
                match result? {
                    Ok(own) => {
                        memo.insert(*id, own.clone());
                        own
                    }
                    // Read by libgit2: the entries as they are.
                    Err(entries) => {
                        out.push(entries);
                        continue;
                    }
                }
            }
        };
        let base = base.as_ref().expect("a split has a base");
        let pick = |range: std::ops::Range<usize>| {
            base_wanted
                .iter()
                .filter(move |(index, ..)| range.contains(index))
                .map(|(_, name, id)| (name.clone(), *id))
        };
        let own_wanted = own
            .entries
            .iter()
            .filter_map(|(is_blob, name, id)| Some((wanted(*is_blob, name)?, *id)));
        out.push(
            pick(0..own.split.head)
                .chain(own_wanted)
                .chain(pick(own.split.tail..base.len()))
                .collect(),
        );
    }
    memo.save(|own| own.entries.len() <= 4096);
    Ok(out)
}

/// How a branch's spec folder splits against the base (see
/// [`raw_tree::Split`]), with the tree's own entries there: (whether
/// libgit2 calls it a blob, name, id).
#[derive(Debug, Clone, PartialEq)]
struct OwnEntries {
    base: git2::Oid,
    split: raw_tree::Split,
    entries: Vec<(bool, Vec<u8>, git2::Oid)>,
}

/// `BASE HEAD TAIL COUNT`, then a line per entry: `b` (a blob) or `o`,
/// the id, the name in hex (names are any bytes).
impl Record for OwnEntries {
    fn write(&self, out: &mut String) {
        use std::fmt::Write;
        let _ = write!(
            out,
            "{} {} {} {}",
            self.base,
            self.split.head,
            self.split.tail,
            self.entries.len()
        );
        for (is_blob, name, id) in &self.entries {
            let _ = write!(out, "\n{} {id} ", if *is_blob { 'b' } else { 'o' });
            for byte in name {
                let _ = write!(out, "{byte:02x}");
            }
        }
    }

    fn read<'a>(rest: &str, more: &mut impl Iterator<Item = &'a str>) -> Option<OwnEntries> {
        let mut fields = rest.split(' ');
        let base = git2::Oid::from_str(fields.next()?).ok()?;
        let head: usize = fields.next()?.parse().ok()?;
        let tail: usize = fields.next()?.parse().ok()?;
        let count: usize = fields.next()?.parse().ok()?;
        if fields.next().is_some() || head > tail {
            return None;
        }
        let entries = (0..count)
            .map(|_| {
                let mut fields = more.next()?.split(' ');
                let is_blob = match fields.next()? {
                    "b" => true,
                    "o" => false,
                    _ => return None,
                };
                let id = git2::Oid::from_str(fields.next()?).ok()?;
                let hex = fields.next()?;
                if fields.next().is_some() || hex.len() % 2 != 0 {
                    return None;
                }
                let name = (0..hex.len())
                    .step_by(2)
                    .map(|at| u8::from_str_radix(hex.get(at..at + 2)?, 16).ok())
                    .collect::<Option<Vec<u8>>>()?;
                Some((is_blob, name, id))
            })
            .collect::<Option<Vec<_>>>()?;
        Some(OwnEntries {
            base,
            split: raw_tree::Split { head, tail },
            entries,
        })
    }
}

/// Which of `wanted` some branch (local or remote-tracking, the checked-out
/// one included) has a spec file for, by the number in its file name: how
/// `check` and `link` tell a reference to a spec that lives on another
/// branch from one that names no spec at all. Called only for numbers the
/// working tree does not have, which is rare, so the trees are read
/// without a cache, each distinct one once, until every number is found.
pub fn numbers_on_branches(
    project: &Project,
    wanted: &std::collections::BTreeSet<u64>,
) -> Result<std::collections::BTreeSet<u64>> {
    let mut found = std::collections::BTreeSet::new();
    if wanted.is_empty() {
        return Ok(found);
    }
    let repo = &project.repo.git;
    let mut tips = branch_tips(project)?;
    if let Some(head) = project.repo.head_commit()? {
        tips.push(("HEAD".into(), head.id()));
    }
    let mut seen_trees: HashSet<git2::Oid> = HashSet::new();
    for (branch, target) in tips {
        let Some(folder) = crate::repo::spec_folder(repo, target, &project.config.dir)
            .with_context(|| format!("cannot read the tree of {branch}"))?
        else {
            continue;
        };
        if !seen_trees.insert(folder) {
            continue;
        }
        let tree = repo.find_tree(folder)?;
        for entry in tree.iter() {
            let Ok(name) = std::str::from_utf8(entry.name_bytes()) else {
                continue;
            };
            if let Some(number) = project.scheme.file.number_in(name) {
                if wanted.contains(&number) {
                    found.insert(number);
                }
            }
        }
        if found.len() == wanted.len() {
            break;
        }
    }
    Ok(found)
}

/// A spec file read from a branch's tree.
pub struct OnBranch {
    /// The branch's short name (`spec/0007-x`, `origin/feature`), or the
    /// revision as the user gave it.
    pub branch: String,
    pub commit: git2::Oid,
    /// Relative to the root, `/`-separated.
    pub path: String,
    pub document: crate::document::Document,
}

/// The spec numbered `number` on the branches (local and remote-tracking,
/// by name), or on `revision` alone when given: one per branch, the
/// branches sorted by name. A branch holding several files with the number
/// offers none of them (which one would be a guess).
pub fn on_branches(
    project: &Project,
    number: u64,
    revision: Option<&str>,
) -> Result<Vec<OnBranch>> {
    let repo = &project.repo.git;
    let tips = match revision {
        Some(revision) => {
            let commit = repo
                .revparse_single(revision)
                .and_then(|object| object.peel_to_commit())
                .map_err(|err| anyhow::anyhow!("--branch {revision}: {}", err.message()))?;
            vec![(revision.to_string(), commit.id())]
        }
        None => {
            let mut tips = branch_tips(project)?;
            tips.sort();
            tips
        }
    };
    let mut out = Vec::new();
    for (branch, commit) in tips {
        let Some(folder) = crate::repo::spec_folder(repo, commit, &project.config.dir)? else {
            continue;
        };
        let tree = repo.find_tree(folder)?;
        let mut found = Vec::new();
        for entry in tree.iter() {
            let Ok(name) = std::str::from_utf8(entry.name_bytes()) else {
                continue;
            };
            if entry.kind() == Some(git2::ObjectType::Blob)
                && name.ends_with(".md")
                && project.scheme.file.number_in(name) == Some(number)
            {
                found.push((name.to_string(), entry.id()));
            }
        }
        let [(name, blob)] = found.as_slice() else {
            continue;
        };
        let path = format!("{}/{name}", project.config.dir.trim_end_matches('/'));
        let blob = repo.find_blob(*blob)?;
        let document = crate::document::Document::parse(
            Path::new(&format!("{branch}:{path}")),
            blob.content(),
        )?;
        out.push(OnBranch {
            branch,
            commit,
            path,
            document,
        });
    }
    Ok(out)
}

/// The spec a user named, from the working tree, else from a branch (with
/// a note on stderr naming it); from `branch` alone when given.
pub enum Located {
    WorkingTree(super::working_tree::SpecFile, crate::document::Document),
    Branch(OnBranch),
}

pub fn find_anywhere(
    project: &Project,
    folder: &super::working_tree::SpecFolder,
    input: &str,
    branch: Option<&str>,
) -> Result<Located> {
    if let Some(branch) = branch {
        let number = project.scheme.parse(input).ok_or_else(|| {
            anyhow::anyhow!(
                "{input:?} is not a spec id: write it as 42 or {}",
                project.scheme.spec_id(42)
            )
        })?;
        return match pick(project, number, Some(branch))? {
            Some(found) => Ok(Located::Branch(found)),
            None => Err(not_on(project, number, branch)),
        };
    }
    match folder.find(project, input) {
        Ok((file, document)) => Ok(Located::WorkingTree(file, document)),
        Err(err) => match project.scheme.parse(input) {
            Some(number) => match pick(project, number, None)? {
                Some(found) => Ok(Located::Branch(found)),
                None => Err(err),
            },
            None => Err(err),
        },
    }
}

/// Why `--branch BRANCH` found no spec numbered `number`, and how to look.
pub fn not_on(project: &Project, number: u64, branch: &str) -> anyhow::Error {
    anyhow::anyhow!(
        "no spec {} on {branch}: `git spec list --all-branches` shows which branches hold which specs",
        project.scheme.spec_id(number)
    )
}

/// The spec numbered `number` on `branch`, or on the first branch by name
/// that has it, saying on stderr which one (and the others) when the
/// branch was not named.
pub fn pick(project: &Project, number: u64, branch: Option<&str>) -> Result<Option<OnBranch>> {
    let mut found = on_branches(project, number, branch)?;
    if found.is_empty() {
        return Ok(None);
    }
    let first = found.remove(0);
    if branch.is_none() {
        let others: Vec<&str> = found.iter().map(|f| f.branch.as_str()).collect();
        let also = if others.is_empty() {
            String::new()
        } else {
            format!(" (also on {}; choose with --branch)", others.join(", "))
        };
        errln!(
            "note: {} is not in the working tree; this is {}:{}{also}",
            project.scheme.spec_id(number),
            first.branch,
            first.path
        );
    }
    Ok(Some(first))
}

/// Why a command that changes a spec cannot act on `input` when it is not
/// in the working tree but on a branch: which branch to check out.
pub fn only_on_branch(project: &Project, input: &str) -> Option<anyhow::Error> {
    let number = project.scheme.parse(input)?;
    let found = on_branches(project, number, None).ok()?;
    let first = found.first()?;
    let local = project
        .repo
        .git
        .find_branch(&first.branch, git2::BranchType::Local)
        .is_ok();
    // `git switch feature` makes a local branch of `origin/feature`.
    let switch_to = if local {
        first.branch.as_str()
    } else {
        first
            .branch
            .split_once('/')
            .map_or(first.branch.as_str(), |(_, name)| name)
    };
    Some(anyhow::anyhow!(
        "{} is not in the working tree: it is on {} ({}); check it out with `git switch {switch_to}`, then run the command again",
        project.scheme.spec_id(number),
        first.branch,
        first.path
    ))
}

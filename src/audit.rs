//! `git spec check --history`: the rules that only the history can tell,
//! replayed commit by commit with git2.
//!
//! Every commit of the range (all of them, not only the first-parent line)
//! whose spec folder differs from its first parent's is diffed against that
//! parent on the spec folder, with git's rename detection; each spec file
//! it added, modified or renamed is checked:
//!
//! - a status change without the changelog entries that lead to it (the
//!   chain rule of the commit hook: each added step starts where the last
//!   one ended, from the parent's status, and ends at the new status);
//! - an added step the workflow forbids that is not recorded as forced;
//! - an added status entry signed with another name than the commit's
//!   author, or an approval entry with another email (after `.mailmap`);
//! - a changelog line of the parent that is no longer there, in order (the
//!   changelog is append-only);
//! - with `approval.signed = true`, a commit that adds an approval entry
//!   without a good signature (`git verify-commit`, so the user's gpg, ssh
//!   or x509 set-up and trust decide, as they do for git).
//!
//! A file the commit adds is checked for the signatures of its entries only.
//! At a merge, a file whose new blob is one of the parents' is skipped (the
//! change was made, and is checked, on that side), and entries that one of
//! the other parents already holds are not attributed to the merge.
//!
//! Blobs are read only for files the diff names, and each blob is parsed
//! once (memo by blob id); a commit whose spec folder has the same tree id
//! as its first parent's costs a tree lookup.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::rc::Rc;
use std::sync::OnceLock;

use anyhow::{Context, Result};
use git2::{Commit, Delta, Oid, Repository, Tree};
use regex::Regex;

use crate::document::{Document, StatusStep};
use crate::history::slash_path;
use crate::project::Project;
use crate::rules::Finding;
use crate::workflow::Workflow;

const RULE: &str = "history";

/// What the rules need of one version of a spec.
struct Version {
    status: Option<String>,
    status_line: usize,
    entries: Vec<(usize, String)>,
    steps: Vec<StatusStep>,
}

/// The outcome of a history check.
pub struct Report {
    pub findings: Vec<Finding>,
    /// Commits walked.
    pub commits: usize,
}

/// Checks every commit of `revs` (a revision: all its history; or a range
/// such as `origin/main..HEAD`).
pub fn check(project: &Project, revs: &str) -> Result<Report> {
    let git = &project.repo.git;
    let mut walk = git.revwalk()?;
    if revs == "HEAD"
        && git
            .head()
            .is_err_and(|e| e.code() == git2::ErrorCode::UnbornBranch)
    {
        return Ok(Report {
            findings: Vec::new(),
            commits: 0,
        });
    }
    let spec = git
        .revparse(revs)
        .with_context(|| format!("cannot resolve the revisions {revs:?}"))?;
    let commit_of = |object: &git2::Object<'_>| -> Result<Oid> {
        Ok(object
            .peel_to_commit()
            .with_context(|| format!("{revs:?} does not name a commit"))?
            .id())
    };
    let mode = spec.mode();
    if mode.contains(git2::RevparseMode::SINGLE) {
        let from = spec.from().context("empty revision")?;
        walk.push(commit_of(from)?)?;
    } else {
        let (Some(from), Some(to)) = (spec.from(), spec.to()) else {
            anyhow::bail!("{revs:?}: a range needs both ends");
        };
        let (from, to) = (commit_of(from)?, commit_of(to)?);
        walk.push(to)?;
        if mode.contains(git2::RevparseMode::MERGE_BASE) {
            walk.push(from)?;
            if let Ok(base) = git.merge_base(from, to) {
                walk.hide(base)?;
            }
        } else {
            walk.hide(from)?;
        }
    }

    let mut audit = Audit {
        project,
        git,
        workflow: &project.config.workflow,
        dir: slash_path(Path::new(&project.config.dir)),
        mailmap: git.mailmap().ok(),
        versions: HashMap::new(),
        verified: HashMap::new(),
        findings: Vec::new(),
    };
    let mut commits = 0;
    for id in walk {
        let commit = git.find_commit(id?)?;
        commits += 1;
        audit.commit(&commit)?;
    }
    Ok(Report {
        findings: audit.findings,
        commits,
    })
}

struct Audit<'a> {
    project: &'a Project,
    git: &'a Repository,
    workflow: &'a Workflow,
    /// The spec folder, `/`-separated (empty: the root).
    dir: String,
    mailmap: Option<git2::Mailmap>,
    /// Parsed blobs; None: unreadable front matter.
    versions: HashMap<Oid, Option<Rc<Version>>>,
    /// `git verify-commit` answers, by commit.
    verified: HashMap<Oid, bool>,
    findings: Vec<Finding>,
}

/// The author of a commit, as the rules compare it.
struct Author {
    name: String,
    /// The name before `.mailmap`.
    raw_name: String,
    email: String,
}

impl Audit<'_> {
    fn commit(&mut self, commit: &Commit<'_>) -> Result<()> {
        let tree = commit.tree()?;
        let folder = self.folder_id(&tree)?;
        let parents: Vec<Commit<'_>> = commit.parents().collect();
        let parent_trees = parents
            .iter()
            .map(Commit::tree)
            .collect::<Result<Vec<_>, _>>()?;
        // Nothing changed in the spec folder against one of the parents:
        // what changed came from that side of a merge (or nothing did).
        for parent_tree in &parent_trees {
            if self.folder_id(parent_tree)? == folder {
                return Ok(());
            }
        }
        if folder.is_none() {
            return Ok(());
        }
        let first = parent_trees.first();
        let mut options = git2::DiffOptions::new();
        if !self.dir.is_empty() {
            options
                .pathspec(format!("{}/", self.dir))
                .disable_pathspec_match(false);
        }
        let mut diff = self
            .git
            .diff_tree_to_tree(first, Some(&tree), Some(&mut options))
            .with_context(|| format!("cannot diff {}", commit.id()))?;
        // Rename detection compares contents: only worth it when the commit
        // both adds and deletes a spec file.
        let statuses: Vec<Delta> = diff.deltas().map(|delta| delta.status()).collect();
        if statuses.contains(&Delta::Added) && statuses.contains(&Delta::Deleted) {
            let mut find = git2::DiffFindOptions::new();
            find.renames(true);
            diff.find_similar(Some(&mut find))?;
        }
        let mut changed = Vec::new();
        for delta in diff.deltas() {
            let added = match delta.status() {
                Delta::Added => true,
                Delta::Modified | Delta::Renamed => false,
                _ => continue,
            };
            let Some(path) = delta.new_file().path().map(slash_path) else {
                continue;
            };
            if !self.is_spec_path(&path) {
                continue;
            }
            let old = (!added).then(|| delta.old_file().id());
            changed.push((path, old, delta.new_file().id()));
        }
        if changed.is_empty() {
            return Ok(());
        }
        let author = self.author(commit)?;
        let short = short_id(commit.id());
        for (path, old, new) in changed {
            // The other parents' versions (same path) at a merge.
            let mut others = Vec::new();
            for parent_tree in parent_trees.iter().skip(1) {
                if let Some(blob) = blob_at(parent_tree, &path)? {
                    others.push(blob);
                }
            }
            if others.contains(&new) {
                continue;
            }
            self.file(commit.id(), &short, &author, &path, old, new, &others)?;
        }
        Ok(())
    }

    /// One spec file the commit changed: `old` is its blob in the first
    /// parent (None: added), `others` the other parents' blobs.
    #[allow(clippy::too_many_arguments)]
    fn file(
        &mut self,
        commit: Oid,
        short: &str,
        author: &Author,
        path: &str,
        old: Option<Oid>,
        new: Oid,
        others: &[Oid],
    ) -> Result<()> {
        let Some(version) = self.version(path, new)? else {
            return Ok(());
        };
        let parent = match old {
            Some(old) => self.version(path, old)?,
            None => None,
        };
        // Entries the other parents hold were not written in this commit.
        let mut merged: HashSet<String> = HashSet::new();
        for &other in others {
            if let Some(other) = self.version(path, other)? {
                merged.extend(other.entries.iter().map(|(_, text)| text.clone()));
            }
        }

        // Rule 4, and which entries are this commit's: those not matched,
        // in order, with the parent's.
        let mut own = vec![true; version.entries.len()];
        if let Some(parent) = &parent {
            let mut next = 0;
            for (_, text) in &parent.entries {
                match version.entries[next..].iter().position(|(_, t)| t == text) {
                    Some(at) => {
                        own[next + at] = false;
                        next += at + 1;
                    }
                    None => {
                        let line = version
                            .entries
                            .get(next)
                            .or(version.entries.last())
                            .map_or(version.status_line, |(line, _)| *line);
                        self.findings.push(Finding::new(
                            path,
                            line,
                            RULE,
                            format!(
                                "{short}: the changelog line `{text}` was changed or removed; \
                                 the changelog is append-only"
                            ),
                        ));
                    }
                }
            }
        }
        let added: HashSet<usize> = version
            .entries
            .iter()
            .zip(&own)
            .filter(|((_, text), own)| **own && !merged.contains(text))
            .map(|((line, _), _)| *line)
            .collect();

        // Rule 3: the signatures of the entries this commit wrote.
        for (line, text) in &version.entries {
            if !added.contains(line) {
                continue;
            }
            if let Some(message) = forged(text, author) {
                self.findings.push(Finding::new(
                    path,
                    *line,
                    RULE,
                    format!("{short}: {message}"),
                ));
            }
            if self.project.config.approval.signed
                && crate::approval::parse_entry(text).is_some()
                && !self.verified(commit)?
            {
                self.findings.push(Finding::new(
                    path,
                    *line,
                    RULE,
                    format!(
                        "{short}: the approval was committed without a good signature \
                         (approval.signed = true; see `git verify-commit {short}`)"
                    ),
                ));
            }
        }

        // Rules 1 and 2: a new file starts at its status.
        let Some(parent) = parent else {
            return Ok(());
        };
        let (Some(from), Some(to)) = (parent.status.clone(), version.status.clone()) else {
            return Ok(());
        };
        let same = |a: &StatusStep, b: &StatusStep| {
            (&a.from, &a.to, a.forced) == (&b.from, &b.to, b.forced)
        };
        let kept = parent
            .steps
            .iter()
            .zip(&version.steps)
            .take_while(|(a, b)| same(a, b))
            .count();
        let mut at = from.clone();
        let mut chained = true;
        for step in &version.steps[kept..] {
            if step.from != at {
                chained = false;
            }
            if !step.forced
                && added.contains(&step.line)
                && self.workflow.decide(&step.from, &step.to, false).is_err()
            {
                self.findings.push(Finding::new(
                    path,
                    step.line,
                    RULE,
                    format!(
                        "{short}: {} -> {} is not allowed by the workflow and is not recorded as forced",
                        step.from, step.to
                    ),
                ));
            }
            at = step.to.clone();
        }
        let merged_status = others.iter().any(|&other| {
            self.versions
                .get(&other)
                .and_then(Option::as_ref)
                .is_some_and(|v| v.status.as_deref() == Some(to.as_str()))
        });
        if from != to && !(chained && at == to) && !merged_status {
            self.findings.push(Finding::new(
                path,
                version.status_line,
                RULE,
                format!(
                    "{short}: status changed from {from} to {to} without its changelog entry \
                     (committed with --no-verify?)"
                ),
            ));
        }
        Ok(())
    }

    /// Whether `git verify-commit` accepts the commit's signature.
    fn verified(&mut self, commit: Oid) -> Result<bool> {
        if let Some(&good) = self.verified.get(&commit) {
            return Ok(good);
        }
        let good = self
            .project
            .repo
            .run_git(&["verify-commit", &commit.to_string()])?
            .status
            .success();
        self.verified.insert(commit, good);
        Ok(good)
    }

    /// The parsed blob, read and parsed once per run.
    fn version(&mut self, path: &str, blob: Oid) -> Result<Option<Rc<Version>>> {
        if let Some(version) = self.versions.get(&blob) {
            return Ok(version.clone());
        }
        let content = self
            .git
            .find_blob(blob)
            .with_context(|| format!("cannot read {path} ({blob})"))?;
        let version = Document::parse(Path::new(path), content.content())
            .ok()
            .map(|document| {
                Rc::new(Version {
                    status: document.get("status"),
                    status_line: document.line_of("status").unwrap_or(1),
                    entries: document.changelog_entries(),
                    steps: document.status_steps(),
                })
            });
        self.versions.insert(blob, version.clone());
        Ok(version)
    }

    /// The id of the spec folder's tree in `tree`, None when there is none.
    fn folder_id(&self, tree: &Tree<'_>) -> Result<Option<Oid>> {
        if self.dir.is_empty() {
            return Ok(Some(tree.id()));
        }
        match tree.get_path(Path::new(&self.dir)) {
            Ok(entry) if entry.kind() == Some(git2::ObjectType::Tree) => Ok(Some(entry.id())),
            Ok(_) => Ok(None),
            Err(err) if err.code() == git2::ErrorCode::NotFound => Ok(None),
            Err(err) => Err(err.into()),
        }
    }

    /// A spec file: a `.md` file of the spec folder whose name carries a
    /// number.
    fn is_spec_path(&self, path: &str) -> bool {
        let name = match path.rsplit_once('/') {
            Some((folder, name)) if folder == self.dir => name,
            None if self.dir.is_empty() => path,
            _ => return false,
        };
        name.ends_with(".md") && self.project.scheme.file.number_in(name).is_some()
    }

    fn author(&self, commit: &Commit<'_>) -> Result<Author> {
        let raw = commit.author();
        let mapped = match &self.mailmap {
            Some(mailmap) => commit.author_with_mailmap(mailmap)?,
            None => raw.to_owned(),
        };
        Ok(Author {
            name: String::from_utf8_lossy(mapped.name_bytes()).into_owned(),
            raw_name: String::from_utf8_lossy(raw.name_bytes()).into_owned(),
            email: String::from_utf8_lossy(mapped.email_bytes()).into_owned(),
        })
    }
}

/// Why `entry` is not the author's to write, if it is not: a status entry
/// signed with another name, an approval with another email.
fn forged(entry: &str, author: &Author) -> Option<String> {
    static STATUS: OnceLock<Regex> = OnceLock::new();
    let status = STATUS.get_or_init(|| {
        Regex::new(r"^- .*?: Status changed from .+? to .+? by (.+)$").expect("valid regex")
    });
    let who = format!("{} <{}>", author.name, author.email);
    if let Some((_, name, email, _)) = crate::approval::parse_entry(entry) {
        if !email.eq_ignore_ascii_case(&author.email) {
            return Some(format!(
                "the entry says {name} approved, but the commit's author is {who}"
            ));
        }
        return None;
    }
    if let Some(caps) = status.captures(entry) {
        // An agent's step (`… by Jane Doe (via claude-code)`) is signed by
        // the person it acted for.
        let signed = crate::document::without_via(&caps[1]);
        let signed = signed.split(" \u{2014} ").next().unwrap_or("");
        let name = signed.strip_suffix(" (forced)").unwrap_or(signed).trim();
        if name != author.name && name != author.raw_name {
            return Some(format!(
                "the entry says {name} changed the status, but the commit's author is {who}"
            ));
        }
    }
    None
}

fn short_id(id: Oid) -> String {
    id.to_string()[..7].to_string()
}

/// The blob at `path` (`/`-separated) in `tree`, None if there is none.
fn blob_at(tree: &Tree<'_>, path: &str) -> Result<Option<Oid>> {
    match tree.get_path(Path::new(path)) {
        Ok(entry) if entry.kind() == Some(git2::ObjectType::Blob) => Ok(Some(entry.id())),
        Ok(_) => Ok(None),
        Err(err) if err.code() == git2::ErrorCode::NotFound => Ok(None),
        Err(err) => Err(err.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn author() -> Author {
        Author {
            name: "Mallory".into(),
            raw_name: "mal".into(),
            email: "m@x".into(),
        }
    }

    #[test]
    fn forged_entries() {
        let a = author();
        assert_eq!(
            forged(
                "- 2026-01-16: Approved by Bob Reviewer <bob@example.com> (content 0123456789ab)",
                &a
            )
            .unwrap(),
            "the entry says Bob Reviewer approved, but the commit's author is Mallory <m@x>"
        );
        assert!(forged(
            "- 2026-01-16: Approved by Mallory M <M@x> (content 0123456789ab) \u{2014} ok",
            &a
        )
        .is_none());
        assert!(forged(
            "- 2026-01-16: Status changed from draft to review by Mallory (forced) \u{2014} why",
            &a
        )
        .is_none());
        assert!(forged(
            "- 2026-01-16: Status changed from draft to review by mal",
            &a
        )
        .is_none());
        assert!(forged(
            "- 2026-01-16: Status changed from draft to review by Mallory \u{2014} ok (via claude-code)",
            &a
        )
        .is_none());
        assert!(
            forged("- 2026-01-16: Status changed from a to b by Bob", &a)
                .unwrap()
                .starts_with("the entry says Bob changed the status")
        );
        assert!(forged("- 2026-01-01: Initial draft created", &a).is_none());
    }
}

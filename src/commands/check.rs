//! `git spec check`: validation of every spec in the working tree, for CI
//! and hooks. Read-only unless `--fix`.
//!
//! The per-spec rules are in [`crate::rules`]; ids that other branches use
//! for a different spec are found by [`crate::collisions`].

use std::collections::{BTreeSet, HashMap, HashSet};
use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};

use crate::catalog::WorkingFile;
use crate::checked::{self, Checked};
use crate::collisions;
use crate::document::status_change_entry;
use crate::project::Project;
use crate::relations::Links;
use crate::repo::{display_path, relative_path};
use crate::rules::{self, Checker, Finding, Unrecorded};
use crate::term::plural;
use crate::{clock, fsutil, term};

const LONG_ABOUT: &str = "\
Check every spec of the working tree and print one line per problem:

    path:line: rule: message

sorted by path and line, with a summary on stderr. Exit status 0 when all is well, 1 otherwise \
(also when an error stops the check). Read-only unless --fix.

Rules:
  front-matter       no front matter, an unterminated one, or invalid YAML
  duplicate-id       two files in the working tree carry the same spec id
  id-collision       another branch uses the id for a different spec (same number, other file
                     name): the collision two branches create when both add SPEC-0023. Checked
                     against every local and remote-tracking branch (but the current one), or
                     the refs given with --against; files named in shared history (renames) are
                     not collisions
  missing-key        a key of `[check] required` is absent, null or empty
  unknown-key        a top-level key that is neither standard nor in `[check] extra-keys`
  unknown-status     the status is not in the workflow
  unknown-priority   the priority is not in `[priority] allowed`
  bad-date           created/updated is not a real YYYY-MM-DD date, or updated is before created
  id-mismatch        spec-id differs from the number in the file name, or is not written like
                     SPEC-0042 (prefix and zero-padded number)
  unrecorded-status  the status is not where the last \"Status changed from X to Y\" changelog entry
                     left it (edited by hand, committed with --no-verify); a spec without such an
                     entry must have the workflow's initial status
  approval           at or past a status that `[approval] required` gives a number of approvals
                     (every path to the status passes through it), without that many current
                     ones: approved content edited since, or never approved (a step into it
                     recorded as forced is exempt)
  dangling-reference a depends-on or supersedes item, or a SPEC-NNNN mention in the prose
                     (outside code blocks), that names an id no spec has in the working tree
                     or on any branch (with --working-tree-only: in the working tree)
  stale-reference    a relation or a mention, in a spec or a file of [references] paths, of
                     an id that a spec had before `git spec renumber` (its previous-ids)
  dependency-cycle   specs whose depends-on lists go round in a circle
  depends-on-final   a dependency on a spec that will not be done (rejected, withdrawn or
                     superseded)
  provisional-id     a provisional spec (SPEC-DRAFT-7f3a2c9b) on a branch of [id] promote-on (default:
                     the default branch of the reservation remote or origin), where
                     `git spec promote` should have given it a number
  history            with --history only: a commit that changed a status without the changelog
                     entries leading to it, recorded a step the workflow forbids without marking
                     it forced, added a status or approval entry in another person's name than
                     the commit's author (after .mailmap), or changed or removed an earlier
                     changelog line (the changelog is append-only)

--fix appends the missing changelog entry for unrecorded-status when the workflow allows the \
transition (as the commit hook does), dated today and signed with user.name; what it fixed is \
reported on stderr, and the other problems are left for you.

--history [REVS] checks the committed history instead of the working tree (the other rules do \
not run): every commit of REVS (a revision, meaning all of its history, or a range such as \
origin/main..HEAD; default HEAD), merges and merged branches included, that changed a spec \
file, against its first parent (renames followed as git detects them). A merge is not blamed for \
what a merged side changed: that side's commits are checked. A spec's first commit is checked \
only for the signatures of its entries. Each message starts with the commit's short id; the path \
and line are the file's at that commit.

--format json prints an array of {\"path\", \"line\", \"rule\", \"message\"} objects (paths relative \
to the repository root; in text they are relative to the current directory).";

#[derive(Debug, Args)]
#[command(after_long_help = LONG_ABOUT)]
pub struct CheckArgs {
    /// Output format
    #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
    pub format: CheckFormat,
    /// The same as --format json
    #[arg(long, conflicts_with = "format")]
    pub json: bool,
    /// Compare ids with this ref (e.g. origin/main) instead of all other branches (repeatable)
    #[arg(long, value_name = "REF")]
    pub against: Vec<String>,
    /// Check the working tree only: skip the id-collision rule (no branch is read)
    #[arg(long, conflicts_with = "against")]
    pub working_tree_only: bool,
    /// Repair what is safe to repair (the missing changelog entry)
    #[arg(long)]
    pub fix: bool,
    /// Check the commits of REVS (default HEAD: all its history; or a range
    /// like origin/main..HEAD) instead of the working tree
    #[arg(
        long,
        value_name = "REVS",
        num_args = 0..=1,
        default_missing_value = "HEAD",
        conflicts_with_all = ["fix", "against", "working_tree_only"]
    )]
    pub history: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    Text,
    Json,
}

/// What `check` found.
pub struct CheckReport {
    /// Sorted by path, line and rule: the `--format json` array.
    pub findings: Vec<Finding>,
    /// How many spec files were checked.
    pub spec_count: usize,
}

pub fn run(mut args: CheckArgs) -> Result<i32> {
    if args.json {
        args.format = CheckFormat::Json;
    }
    let project = Project::open()?;
    if let Some(revs) = &args.history {
        return history(&project, revs, args.format);
    }
    if !args.working_tree_only {
        warn_about_what_was_not_compared(&project, &args)?;
    }
    let report = check_specs(&project, &args)?;
    let CheckReport {
        findings,
        spec_count,
    } = &report;
    print(&project, findings, args.format)?;
    if findings.is_empty() {
        errln!("{} OK", plural(*spec_count, "spec", "specs"));
    } else {
        summary(findings);
    }
    Ok(i32::from(!findings.is_empty()))
}

/// Checks every spec of the working tree as `args` asks (with `fix`,
/// repairing what is safe). Both `git spec check` and the MCP tool
/// `spec_check` call it.
///
/// Each file is checked on the thread that reads it, and only what the
/// rules over the whole tree need is kept of it ([`Checked`]); what a file
/// said is memoised by its stat data, so an unchanged spec is neither read
/// nor parsed again.
pub fn check_specs(project: &Project, args: &CheckArgs) -> Result<CheckReport> {
    // --fix edits specs in place: read and write them under the edit lock.
    let _lock = if args.fix {
        project
            .repo
            .ensure_no_operation_in_progress("git spec check --fix")?;
        Some(crate::lock::edit_lock(&project.repo)?)
    } else {
        None
    };
    let (config, scheme) = (&project.config, &project.scheme);
    let checker = Checker::new(config, scheme);
    let root = &project.repo.workdir;
    let folder = crate::catalog::folder_values(
        project,
        "checks",
        &checked::memo_settings(config),
        |relative, bytes| {
            let bytes =
                bytes.with_context(|| format!("cannot read {}", root.join(relative).display()))?;
            Ok(Checked::of(&checker, config, scheme, relative, bytes))
        },
    )?;
    let mut specs = Vec::with_capacity(folder.len());
    let mut broken = Vec::new();
    for (_, checked) in folder {
        match checked {
            // Boxed still: sorting ten thousand 256-byte values moved
            // them and took a scratch copy (5 MB at the peak).
            Checked::Spec(spec) => specs.push(spec),
            Checked::Broken(error) => broken.push(*error),
            Checked::NotSpec => {}
        }
    }
    // In a catalog's order (by number, then path), which the relation
    // rules' first-of-a-number and the fixes follow.
    specs.sort_by(|a, b| {
        a.links
            .number
            .cmp(&b.links.number)
            .then_with(|| a.file.path.cmp(&b.file.path))
    });
    broken.sort_by(|a, b| a.path.cmp(&b.path));
    let spec_count = specs.len() + broken.len();

    let mut findings: Vec<Finding> = broken.iter().map(rules::front_matter).collect();
    let mut unrecorded = Vec::new();
    let mut files = Vec::with_capacity(spec_count);
    let mut links = Vec::with_capacity(specs.len());
    for spec in specs {
        findings.extend(spec.findings);
        if let Some(missing) = spec.unrecorded {
            unrecorded.push((spec.file.path.clone(), *missing));
        }
        files.push(spec.file);
        links.push(spec.links);
    }
    files.extend(
        broken
            .iter()
            .map(|error| WorkingFile::broken(scheme, error)),
    );
    findings.extend(rules::duplicate_ids(scheme, &files));
    findings.extend(relation_findings(
        project,
        &links,
        &files,
        args.working_tree_only,
    )?);

    if !args.working_tree_only {
        // One memo of branch trees for both, saved once.
        let mut memo = collisions::Cache::load(project);
        findings.extend(collisions::find(project, &mut memo, &files, &args.against)?);
        findings.extend(provisional_findings(project, &mut memo)?);
        memo.save();
    }

    let unrecorded = if args.fix {
        fix(project, unrecorded)?
    } else {
        unrecorded
    };
    for (path, (line, found)) in unrecorded {
        findings.push(Finding::new(
            &path,
            line,
            "unrecorded-status",
            found.message(),
        ));
    }

    sort(&mut findings);
    Ok(CheckReport {
        findings,
        spec_count,
    })
}

/// Says on stderr when the id check had little to go on: a clone with no
/// branch to compare with (a CI checkout of one branch), or a shallow clone (whose
/// branches' history, which tells renames from collisions, is cut).
fn warn_about_what_was_not_compared(project: &Project, args: &CheckArgs) -> Result<()> {
    // A repository without remotes has nobody to collide with; a clone
    // that sees no branch but its own is a CI checkout of one ref.
    if args.against.is_empty()
        && !project.repo.remote_names().is_empty()
        && !crate::catalog::has_other_branch(project)?
    {
        errln!(
            "warning: no other branch to compare ids with, so id collisions cannot be found: fetch the base branch (git fetch origin main) or name it with --against origin/main"
        );
    }
    if project.repo.git.is_shallow() {
        errln!(
            "warning: this clone is shallow, so renames in the history cannot be told from collisions and the history is cut: run `git fetch --unshallow` (in GitHub Actions: actions/checkout with fetch-depth: 0)"
        );
    }
    Ok(())
}

/// The relation rules. An id the working tree lacks may be a spec on
/// another branch: the branches are asked only for those, and not at all
/// with --working-tree-only (then only the working tree counts).
fn relation_findings(
    project: &Project,
    links: &[Links],
    files: &[WorkingFile],
    working_tree_only: bool,
) -> Result<Vec<Finding>> {
    let scheme = &project.scheme;
    let here: BTreeSet<u64> = files.iter().filter_map(|f| f.id).collect();
    let mut elsewhere: BTreeSet<u64> = BTreeSet::new();
    for spec in links {
        let referenced = spec
            .references
            .iter()
            .filter_map(|r| r.number)
            .chain(spec.mentions.iter().map(|&(_, n)| n));
        elsewhere.extend(referenced.filter(|n| !here.contains(n)));
    }
    let on_branches = if working_tree_only {
        BTreeSet::new()
    } else {
        crate::catalog::numbers_on_branches(project, &elsewhere)?
    };
    let exists = |n: u64| here.contains(&n) || on_branches.contains(&n);
    let mut findings = crate::relations::findings(scheme, &project.config.workflow, links, &exists);
    // Old ids left in the reference files: read only when some spec was
    // renumbered at all.
    let renamed = crate::relations::renumbered(links);
    if !renamed.is_empty() {
        for path in crate::references::files(project)? {
            let Ok(bytes) = std::fs::read(&path) else {
                continue;
            };
            findings.extend(crate::relations::stale_in_file(
                scheme,
                &project.repo.json_path(&path),
                &bytes,
                &renamed,
                &exists,
            ));
        }
    }
    Ok(findings)
}

/// `provisional-id`: provisional specs on the branches where numbers are
/// handed out (`[id] promote-on`; default: the reservation remote's, or
/// origin's, default branch), which `git spec promote` should have
/// numbered when they landed.
fn provisional_findings(project: &Project, memo: &mut collisions::Cache) -> Result<Vec<Finding>> {
    let git = &project.repo.git;
    let refs: Vec<String> = if project.config.id.promote_on.is_empty() {
        let remote = match project.config.id.reserve.as_str() {
            "" => "origin",
            remote => remote,
        };
        // origin/HEAD names the default branch; a CI checkout may lack it.
        let head = git
            .find_reference(&format!("refs/remotes/{remote}/HEAD"))
            .ok()
            .and_then(|r| r.symbolic_target().ok().flatten().map(str::to_string))
            .and_then(|t| t.strip_prefix("refs/remotes/").map(str::to_string));
        let fallback = ["main", "master"]
            .iter()
            .map(|b| format!("{remote}/{b}"))
            .find(|b| git.revparse_single(b).is_ok());
        head.or(fallback).into_iter().collect()
    } else {
        project.config.id.promote_on.clone()
    };
    let mut out = Vec::new();
    for name in refs {
        let Ok(commit) = git.revparse_single(&name).and_then(|o| o.peel_to_commit()) else {
            continue;
        };
        let Some(folder) = crate::repo::spec_folder(git, commit.id(), &project.config.dir)? else {
            continue;
        };
        for file in collisions::provisional_names(project, memo, folder)? {
            let Some(number) = project.scheme.file.number_in(&file) else {
                continue;
            };
            let relative = format!("{}/{file}", project.config.dir.trim_end_matches('/'));
            let path = if project.repo.workdir.join(&relative).exists() {
                relative
            } else {
                format!("{name}:{relative}")
            };
            out.push(Finding::new(
                &path,
                1,
                "provisional-id",
                format!(
                    "{} is provisional on {name}, where it should have its number by now: run `git spec promote --commit` on it and push",
                    project.scheme.spec_id(number)
                ),
            ));
        }
    }
    Ok(out)
}

/// `--history REVS`: the history rules alone.
fn history(project: &Project, revs: &str, format: CheckFormat) -> Result<i32> {
    let mut report = crate::audit::check(project, revs)?;
    sort(&mut report.findings);
    print(project, &report.findings, format)?;
    if report.findings.is_empty() {
        errln!("{} OK", plural(report.commits, "commit", "commits"));
    } else {
        summary(&report.findings);
    }
    Ok(i32::from(!report.findings.is_empty()))
}

fn sort(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        (a.path.as_str(), a.line, a.rule, a.message.as_str()).cmp(&(
            b.path.as_str(),
            b.line,
            b.rule,
            b.message.as_str(),
        ))
    });
}

/// `N problems in M specs`, on stderr.
fn summary(findings: &[Finding]) {
    {
        let with_problems = findings
            .iter()
            .map(|f| f.path.as_str())
            .collect::<HashSet<_>>()
            .len();
        errln!(
            "{} in {}",
            plural(findings.len(), "problem", "problems"),
            plural(with_problems, "spec", "specs")
        );
    }
}

fn print(project: &Project, findings: &[Finding], format: CheckFormat) -> Result<()> {
    let mut text = String::new();
    match format {
        CheckFormat::Json => {
            text = serde_json::to_string_pretty(findings)?;
            text.push('\n');
        }
        CheckFormat::Text => {
            // Paths relative to the current directory, which is resolved
            // once (display_path would do it for every line).
            let cwd = std::env::current_dir()
                .ok()
                .map(|cwd| cwd.canonicalize().unwrap_or(cwd));
            let mut shown: HashMap<&str, String> = HashMap::new();
            for finding in findings {
                let path = shown.entry(&finding.path).or_insert_with(|| {
                    let full = project.repo.workdir.join(&finding.path);
                    match &cwd {
                        Some(cwd) => relative_path(&full, cwd),
                        None => full,
                    }
                    .display()
                    .to_string()
                });
                text.push_str(&format!(
                    "{path}:{}: {}: {}\n",
                    finding.line, finding.rule, finding.message
                ));
            }
        }
    }
    // JSON keeps the exact data; text shows the controls in it.
    let text = match format {
        CheckFormat::Json => std::borrow::Cow::Borrowed(text.as_str()),
        CheckFormat::Text => term::text(&text),
    };
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(err) if err.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(err).context("cannot write to stdout")
        }
        _ => Ok(()),
    }
}

/// `--fix`: appends the missing entries that are safe to append; returns
/// the ones left as findings. Each spec to fix is read and judged again
/// (the check may have taken its findings from the memo), under the edit
/// lock that `check_specs` holds.
fn fix(
    project: &Project,
    unrecorded: Vec<(String, (usize, Unrecorded))>,
) -> Result<Vec<(String, (usize, Unrecorded))>> {
    let (fixable, mut left): (Vec<_>, Vec<_>) = unrecorded
        .into_iter()
        .partition(|(_, (_, found))| found.refusal.is_none());
    if fixable.is_empty() {
        return Ok(left);
    }
    let name = project.repo.identity()?.name;
    let today = clock::today()?;
    for (path, _) in fixable {
        let full = project.repo.workdir.join(&path);
        let bytes =
            std::fs::read(&full).with_context(|| format!("cannot read {}", full.display()))?;
        let document = crate::document::Document::parse(Path::new(&path), &bytes)?;
        let Some(found) = rules::unrecorded_status(&project.config.workflow, &document) else {
            continue;
        };
        let line = document.line_of("status").unwrap_or(1);
        if found.refusal.is_some() {
            left.push((path, (line, found)));
            continue;
        }
        let entry = status_change_entry(&today, &found.from, &found.to, &name, None, false);
        let fixed = document.with_recorded_entry(&today, &entry)?;
        project.repo.ensure_not_conflicted(Path::new(&path))?;
        fsutil::replace_expected(&full, &bytes, &fixed)?;
        errln!(
            "fixed {}:{line}: unrecorded-status: appended \"{entry}\"",
            display_path(&full).display(),
        );
    }
    Ok(left)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn help_names_every_rule() {
        for (rule, _) in rules::RULES {
            assert!(LONG_ABOUT.contains(&format!("\n  {rule} ")), "{rule}");
        }
    }
}

//! `git spec renumber <ID> [--to N]`: fix an id collision after the fact.
//!
//! Moves the file to its new name (staged like `git mv` when git tracks
//! it), rewrites `spec-id`, records the old id in `previous-ids` (so `show
//! 22` still finds the spec), renames the spec's branch when it follows the
//! branch pattern, rewrites Markdown links to the old file name and
//! whole-word mentions of the old id in the other specs and in the files of
//! `[references] paths` (never in a changelog, which records the past), and
//! records the change in the changelog. Everything is planned first, so
//! `--dry-run` shows exactly what a real run does.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use clap::Args;
use serde::Serialize;

use crate::catalog;
use crate::document::Document;
use crate::project::Project;
use crate::references;
use crate::repo::{display_path, unified_diff};
use crate::{clock, fsutil, ids, reserve};

#[derive(Debug, Args)]
#[command(after_help = "\
Two files with one id (the duplicate a merge of two branches creates) are told apart
by path: `git spec renumber specs/0022-search.md`. Then the other file still has the
id, so mentions of it are left as they are and only links to the renamed file change.

Rewritten, besides the spec itself: Markdown links to the old file name and whole-word
mentions of the old id in every other spec (outside its changelog) and in the files
`[references] paths` in .specrc names (globs such as \"docs/**/*.md\"). The spec gets
`previous-ids: [OLD]`, so `show OLD`, `status OLD` and `log OLD` still find it, and
`check` reports mentions of the old id that are left (stale-reference).")]
pub struct RenumberArgs {
    /// The spec to renumber: 42, 0042, SPEC-0042, or the path of its file
    pub id: String,
    /// The new number (default: the next free one)
    #[arg(long, value_name = "N")]
    pub to: Option<u64>,
    /// Show every change (file move, branch rename, edits as diffs); change nothing
    #[arg(long, short = 'n')]
    pub dry_run: bool,
    /// Reserve the new number on this remote first (default: `[id] reserve` in .specrc)
    #[arg(long, value_name = "REMOTE", num_args = 0..=1, default_missing_value = "", require_equals = true)]
    pub reserve: Option<String>,
    /// Do not reserve the new number even if .specrc says so
    #[arg(long, conflicts_with = "reserve")]
    pub offline: bool,
    /// Print the result as JSON on stdout
    #[arg(long)]
    pub json: bool,
    /// Commit the rename and every rewritten file (and only them) with `git commit`
    #[arg(long)]
    pub commit: bool,
}

#[derive(Debug, Serialize)]
pub(crate) struct Renumbered {
    pub old_id: String,
    pub new_id: String,
    /// From the repository root, like every path in `--json`.
    pub old_path: String,
    pub new_path: String,
    /// The spec's branch, renamed: `{"old", "new"}`.
    pub branch: Option<BranchRename>,
    /// The other files whose references were rewritten.
    pub rewritten: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dry_run: Option<bool>,
}

#[derive(Debug, Serialize)]
pub(crate) struct BranchRename {
    pub old: String,
    pub new: String,
}

impl Renumbered {
    /// The `--json` record of `plan` (`dry_run` left to the caller).
    pub(crate) fn of(project: &Project, plan: &Plan) -> Renumbered {
        Renumbered {
            old_id: plan.old_id.clone(),
            new_id: plan.new_id.clone(),
            old_path: project.repo.json_path(&plan.old_path),
            new_path: project.repo.json_path(&plan.new_path),
            branch: plan.branch.as_ref().map(|(old, new)| BranchRename {
                old: old.clone(),
                new: new.clone(),
            }),
            rewritten: plan
                .rewrites
                .iter()
                .map(|r| project.repo.json_path(&r.path))
                .collect(),
            dry_run: None,
        }
    }
}

/// One file rewrite in the plan.
pub(crate) struct Rewrite {
    pub path: PathBuf,
    old: Vec<u8>,
    new: Vec<u8>,
}

pub fn run(args: RenumberArgs) -> Result<i32> {
    let project = Project::open()?;
    let scheme = &project.scheme;
    let _locks = locks(&project, args.dry_run, "git spec renumber")?;
    let (spec, document) = match catalog::find_by_path(&project, &args.id)? {
        Some(found) => found,
        None => catalog::find(&project, &args.id)?,
    };
    let old_number = spec.number;
    let old_id = scheme.spec_id(old_number);
    // Another file with the same id (a duplicate): a mention of the id
    // may mean either spec, so mentions are left alone.
    let shared_with: Vec<PathBuf> = catalog::scan(&project)?
        .into_iter()
        .filter(|other| other.number == old_number && other.path != spec.path)
        .map(|other| other.path)
        .collect();
    let ambiguous = !shared_with.is_empty();
    if args.commit && !args.dry_run {
        let identity = project.repo.identity()?;
        project.repo.ensure_can_commit(&identity, false)?;
    }
    if !args.dry_run {
        project
            .repo
            .ensure_not_conflicted(&project.repo.relative_to_root(&spec.path))?;
    }

    let new_number = choose_number(&project, &args, old_number)?;
    let name = project.repo.identity()?.name;
    let today = clock::today()?;
    let entry = format!(
        "- {today}: Renumbered from {old_id} to {} by {name}",
        scheme.spec_id(new_number)
    );
    let plan = plan(&project, &spec, &document, new_number, &entry, ambiguous)?;
    let new_id = plan.new_id.clone();
    let old_name = plan.old_name.clone();
    let result = Renumbered {
        dry_run: Some(args.dry_run),
        ..Renumbered::of(&project, &plan)
    };
    if args.dry_run {
        if args.json {
            println!("{}", serde_json::to_string_pretty(&result)?);
        } else {
            show_plan(&project, &plan)?;
        }
        return Ok(0);
    }
    let staged = apply(&project, &plan)?;
    if args.commit {
        let paths = committed_paths(&project, &plan, staged);
        let paths: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
        let kept = "the renumbering is kept in the working tree; fix what git reports, then commit it with `git commit`";
        // The edit lock is not held by `git commit`'s own hook run.
        drop(_locks);
        project.repo.git_commit(
            &paths,
            &format!("spec({new_id}): renumber from {old_id}\n"),
            kept,
        )?;
    }
    if ambiguous && !args.json {
        let others: Vec<String> = shared_with
            .iter()
            .map(|p| display_path(p).display().to_string())
            .collect();
        errln!(
            "note: {old_id} is still the id of {}, so mentions of {old_id} were left as they are; links to {old_name} were updated",
            others.join(", ")
        );
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&result)?);
    } else {
        outln!("{}", display_path(&plan.new_path).display());
        errln!("Renumbered {old_id} to {new_id}");
        if let Some((from, to)) = &plan.branch {
            errln!("renamed branch {from} to {to}");
        }
        for rewrite in &plan.rewrites {
            errln!(
                "updated mentions in {}",
                display_path(&rewrite.path).display()
            );
        }
    }
    Ok(0)
}

/// Both locks a renumbering holds (none for a dry run), taken before
/// anything is read: the new number must stay free, and the specs whose
/// mentions are rewritten must not change meanwhile. `promote` takes them
/// too. `doing` names the command if git is in the middle of something.
pub(crate) fn locks(
    project: &Project,
    dry_run: bool,
    doing: &str,
) -> Result<Option<(crate::lock::Lock, crate::lock::Lock)>> {
    if dry_run {
        return Ok(None);
    }
    project.repo.ensure_no_operation_in_progress(doing)?;
    Ok(Some((
        ids::allocation_lock(&project.repo)?,
        crate::lock::edit_lock(&project.repo)?,
    )))
}

/// Everything renumbering `spec` to `new_number` changes, with `entry` as
/// its changelog line; nothing is changed yet. `ambiguous`: another file
/// has the old id too, so mentions of it are left alone. `promote` plans
/// its promotions through this too.
pub(crate) fn plan(
    project: &Project,
    spec: &catalog::SpecFile,
    document: &Document,
    new_number: u64,
    entry: &str,
    ambiguous: bool,
) -> Result<Plan> {
    let scheme = &project.scheme;
    let old_number = spec.number;
    let old_id = scheme.spec_id(old_number);
    let new_id = scheme.spec_id(new_number);
    let padded = scheme.padded(new_number);

    // The spec itself: new name, new spec-id, one changelog entry.
    let old_name = spec
        .path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let new_name = scheme
        .file
        .renumbered(old_name, old_number, &padded)
        .ok_or_else(|| {
            anyhow!(
                "{} does not follow the file pattern `{}`: rename it by hand",
                display_path(&spec.path).display(),
                project.config.naming.file
            )
        })?;
    let new_path = spec.path.with_file_name(&new_name);
    if new_path.exists() {
        bail!(
            "{} already exists; nothing was changed",
            display_path(&new_path).display()
        );
    }
    let today = clock::today()?;
    let old_bytes = document.bytes().to_vec();
    let relative = project.repo.relative_to_root(&spec.path);
    let with_id = match document.get("spec-id") {
        Some(_) => Document::parse(&relative, &document.with_values(&[("spec-id", &new_id)])?)?,
        None => document.clone(),
    };
    let mut previous = with_id.list("previous-ids");
    if !previous
        .iter()
        .any(|id| scheme.parse(id) == Some(old_number))
    {
        previous.push(old_id.clone());
    }
    let new_bytes = with_id.with_list_and_entry("previous-ids", &previous, &today, entry)?;
    // Its own prose may name it too (not its front matter or changelog).
    let new_bytes = if ambiguous {
        new_bytes
    } else {
        let own = Document::parse(&relative, &new_bytes)?;
        references::rewrite(
            &new_bytes,
            &own.protected_spans(true),
            &[references::mention(&old_id, &new_id)],
        )
    };

    // Links to the old file name, and mentions of the old id as a whole
    // word, in the other specs (not their changelogs) and the reference
    // files.
    let mut replacements = vec![references::link(old_name, &new_name)];
    if !ambiguous {
        replacements.push(references::mention(&old_id, &new_id));
    }
    let mut rewrites = Vec::new();
    let mut consider = |path: PathBuf, bytes: Vec<u8>, protected: Vec<(usize, usize)>| {
        if !replacements
            .iter()
            .any(|(pattern, _)| pattern.is_match(&bytes))
        {
            return;
        }
        let new = references::rewrite(&bytes, &protected, &replacements);
        if new != bytes {
            rewrites.push(Rewrite {
                path,
                old: bytes,
                new,
            });
        }
    };
    for raw in catalog::read_working_tree(project)? {
        let full = project.repo.workdir.join(&raw.path);
        if full == spec.path {
            continue;
        }
        let protected = Document::parse(&raw.path, &raw.bytes)
            .map(|d| d.protected_spans(false))
            .unwrap_or_default();
        consider(full, raw.bytes, protected);
    }
    for path in references::files(project)? {
        let bytes = std::fs::read(&path)
            .with_context(|| format!("cannot read {}", display_path(&path).display()))?;
        consider(path, bytes, Vec::new());
    }

    // The branch, if one follows the pattern with the old number.
    let branch = renamed_branch(project, old_name, old_number, &padded)?;

    Ok(Plan {
        old_id,
        new_id,
        old_name: old_name.to_string(),
        old_path: spec.path.clone(),
        new_path,
        old_bytes,
        new_bytes,
        rewrites,
        branch,
    })
}

/// The paths a commit of `plan` holds: the old name when the rename was
/// staged, the new one, and every rewritten file.
pub(crate) fn committed_paths(project: &Project, plan: &Plan, staged: bool) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = Vec::new();
    if staged {
        paths.push(project.repo.relative_to_root(&plan.old_path));
    }
    paths.push(project.repo.relative_to_root(&plan.new_path));
    paths.extend(
        plan.rewrites
            .iter()
            .map(|r| project.repo.relative_to_root(&r.path)),
    );
    paths
}

/// Every change `renumber` makes, worked out before any is made.
pub(crate) struct Plan {
    pub old_id: String,
    pub new_id: String,
    /// The old file name.
    pub old_name: String,
    pub old_path: PathBuf,
    pub new_path: PathBuf,
    old_bytes: Vec<u8>,
    new_bytes: Vec<u8>,
    /// The other specs whose mentions of the old id change.
    pub rewrites: Vec<Rewrite>,
    /// The spec's branch, renamed (from, to).
    pub branch: Option<(String, String)>,
}

/// `--dry-run`: the renames, then every file's change as a diff.
pub(crate) fn show_plan(project: &Project, plan: &Plan) -> Result<()> {
    let shown = |path: &Path| display_path(path).display().to_string();
    outln!(
        "rename {} -> {}",
        shown(&plan.old_path),
        shown(&plan.new_path)
    );
    if let Some((from, to)) = &plan.branch {
        outln!("rename branch {from} -> {to}");
    }
    let old_rel = project.repo.relative_to_root(&plan.old_path);
    let new_rel = project.repo.relative_to_root(&plan.new_path);
    out!(
        "{}",
        unified_diff(&plan.old_bytes, &plan.new_bytes, &old_rel, &new_rel)?
    );
    for rewrite in &plan.rewrites {
        let rel = project.repo.relative_to_root(&rewrite.path);
        out!("{}", unified_diff(&rewrite.old, &rewrite.new, &rel, &rel)?);
    }
    Ok(())
}

/// Makes the changes. A file git tracks is moved with `git mv`, so the
/// rename is staged as a user's `git mv` would stage it, then rewritten in
/// place; an untracked one is written under its new name first (never
/// overwriting) and the old one goes, so a failure midway leaves the spec
/// readable under one of its names. Then the mentions and the branch.
/// Returns whether the rename was staged.
pub(crate) fn apply(project: &Project, plan: &Plan) -> Result<bool> {
    let old_shown = display_path(&plan.old_path).display().to_string();
    if std::fs::read(&plan.old_path).ok().as_deref() != Some(plan.old_bytes.as_slice()) {
        bail!(
            "{old_shown} changed while git spec was renumbering it; nothing was changed: run the command again"
        );
    }
    let old_rel = project.repo.relative_to_root(&plan.old_path);
    let new_rel = project.repo.relative_to_root(&plan.new_path);
    let tracked = project
        .repo
        .git
        .index()
        .ok()
        .and_then(|index| index.get_path(&old_rel, 0))
        .is_some();
    if tracked {
        let out = project.repo.run_git(&[
            std::ffi::OsStr::new("mv"),
            std::ffi::OsStr::new("--"),
            old_rel.as_os_str(),
            new_rel.as_os_str(),
        ])?;
        if !out.status.success() {
            bail!(
                "`git mv {} {}` failed, so nothing was changed: {}",
                old_rel.display(),
                new_rel.display(),
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        fsutil::replace_expected(&plan.new_path, &plan.old_bytes, &plan.new_bytes)?;
    } else {
        fsutil::write_new(&plan.new_path, &plan.new_bytes)?;
        std::fs::remove_file(&plan.old_path)
            .with_context(|| format!("cannot remove {old_shown}"))?;
    }
    for rewrite in &plan.rewrites {
        fsutil::replace_expected(&rewrite.path, &rewrite.old, &rewrite.new)?;
    }
    if let Some((from, to)) = &plan.branch {
        let mut local = project
            .repo
            .git
            .find_branch(from, git2::BranchType::Local)?;
        local
            .rename(to, false)
            .with_context(|| format!("cannot rename branch {from} to {to}"))?;
    }
    Ok(tracked)
}

/// `--to N` if it is free, otherwise the next free number; reserved on the
/// shared remote first when reservation is on.
fn choose_number(project: &Project, args: &RenumberArgs, old: u64) -> Result<u64> {
    let scheme = &project.scheme;
    let next_free = || ids::next_free(&project.repo, &project.config, scheme);
    let candidate = match args.to {
        Some(0) => bail!("--to 0: spec numbers start at 1"),
        Some(n) if n == old => bail!("{} already has that number", scheme.spec_id(old)),
        Some(n) => {
            if let Some(place) = ids::where_used(&project.repo, &project.config, scheme, n)? {
                bail!(
                    "{} is already used ({place}); pick another number or leave out --to",
                    scheme.spec_id(n)
                );
            }
            n
        }
        None => next_free()?,
    };
    let remote = reserve::remote_to_use(
        &project.repo,
        args.reserve.as_deref(),
        args.offline,
        &project.config,
    )?;
    let Some(remote) = remote.filter(|_| !args.dry_run) else {
        return Ok(candidate);
    };
    let identity = project.repo.identity()?;
    if args.to.is_some() {
        // An explicit number is claimed as it is, or refused.
        let won = reserve::reserve_exact(
            &project.repo,
            &remote,
            &identity,
            &scheme.spec_id(candidate),
            candidate,
        )?;
        if !won {
            bail!(
                "{} is already reserved on {remote}; pick another number or leave out --to",
                scheme.spec_id(candidate)
            );
        }
        return Ok(candidate);
    }
    reserve::reserve(
        &project.repo,
        &remote,
        &identity,
        |n| scheme.spec_id(n),
        candidate,
        next_free,
    )
}

/// The spec's own branch (the branch pattern filled with the old number
/// and the file's slug) and its new name. Another spec's branch with the
/// same number, the other side of a collision, is never touched.
fn renamed_branch(
    project: &Project,
    old_file_name: &str,
    old: u64,
    new_padded: &str,
) -> Result<Option<(String, String)>> {
    let scheme = &project.scheme;
    let slug = scheme.file.slug_in(old_file_name).unwrap_or_default();
    let own = scheme.branch.format(&scheme.padded(old), slug);
    if project
        .repo
        .git
        .find_branch(&own, git2::BranchType::Local)
        .is_err()
    {
        return Ok(None);
    }
    let Some(new_name) = scheme.branch.renumbered(&own, old, new_padded) else {
        return Ok(None);
    };
    if project
        .repo
        .git
        .find_branch(&new_name, git2::BranchType::Local)
        .is_ok()
    {
        bail!("branch {new_name} already exists; nothing was changed");
    }
    Ok(Some((own, new_name)))
}

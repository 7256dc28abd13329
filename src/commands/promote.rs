//! `git spec promote [ID…]`: give provisional specs (`SPEC-DRAFT-…`) their
//! real numbers, once they have landed where numbers are handed out.
//!
//! Each promotion is a renumbering ([`super::renumber::plan`]): file and
//! branch renamed, `spec-id` rewritten, references rewritten, the old id
//! kept in `previous-ids`, and the entry `Promoted from SPEC-DRAFT-… to
//! SPEC-0042 by NAME`. The number is the next free one, reserved on the
//! shared remote first when reservation is on.

use std::path::{Path, PathBuf};

use anyhow::{bail, Result};
use clap::Args;
use serde::Serialize;

use super::renumber;
use crate::catalog;
use crate::project::Project;
use crate::repo::display_path;
use crate::scheme::is_provisional;
use crate::{clock, ids, reserve};

#[derive(Debug, Args)]
#[command(after_help = "\
Without IDs, every provisional spec of the working tree is promoted, in the order of
their files' names. Run it where the specs have landed (the main branch), by someone
who can push there and reserve on the shared remote: a maintainer, or the CI job after
a merge (`git spec promote --commit && git push`). Running it again, with nothing
provisional left, changes nothing.")]
pub struct PromoteArgs {
    /// The provisional specs to promote (SPEC-DRAFT-7f3a2c9b); default: all of them
    pub ids: Vec<String>,
    /// Show every change (file moves, branch renames, edits as diffs); change nothing
    #[arg(long, short = 'n')]
    pub dry_run: bool,
    /// Commit the promotions (and only the files they change) with `git commit`
    #[arg(long)]
    pub commit: bool,
    /// Reserve the numbers on this remote (default: `[id] reserve` in .specrc)
    #[arg(long, value_name = "REMOTE", num_args = 0..=1, default_missing_value = "", require_equals = true)]
    pub reserve: Option<String>,
    /// Do not reserve the numbers even if .specrc says so
    #[arg(long, conflicts_with = "reserve")]
    pub offline: bool,
    /// Print the promotions as JSON on stdout
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Serialize)]
struct Report {
    /// Each promotion as `renumber --json` reports a renumbering.
    promoted: Vec<renumber::Renumbered>,
    dry_run: bool,
}

pub fn run(args: PromoteArgs) -> Result<i32> {
    let project = Project::open()?;
    let scheme = &project.scheme;
    let _locks = renumber::locks(&project, args.dry_run, "git spec promote")?;
    let identity = project.repo.identity()?;
    if args.commit && !args.dry_run {
        project.repo.ensure_can_commit(&identity, false)?;
    }

    // Which specs: the ones named, else every provisional one.
    let mut targets: Vec<catalog::SpecFile> = Vec::new();
    if args.ids.is_empty() {
        targets.extend(
            catalog::scan(&project)?
                .into_iter()
                .filter(|spec| is_provisional(spec.number)),
        );
        targets.sort_by(|a, b| a.path.cmp(&b.path));
    } else {
        for input in &args.ids {
            let (spec, _) = catalog::find(&project, input)?;
            if !is_provisional(spec.number) {
                bail!(
                    "{} is not provisional: it has its number already; nothing was changed",
                    scheme.spec_id(spec.number)
                );
            }
            if !targets.iter().any(|t| t.path == spec.path) {
                targets.push(spec);
            }
        }
    }
    if targets.is_empty() {
        if args.json {
            let report = Report {
                promoted: Vec::new(),
                dry_run: args.dry_run,
            };
            println!("{}", serde_json::to_string_pretty(&report)?);
        } else {
            errln!("no provisional spec in the working tree; nothing to promote");
        }
        return Ok(0);
    }

    let remote = reserve::remote_to_use(
        &project.repo,
        args.reserve.as_deref(),
        args.offline,
        &project.config,
    )?;
    let today = clock::today()?;
    let mut promoted = Vec::new();
    let mut paths: Vec<PathBuf> = Vec::new();
    // A dry run applies nothing, so the numbers it shows are counted on
    // from the first free one.
    let mut dry_next = None;
    for target in &targets {
        // Read again: an earlier promotion may have rewritten it.
        let (spec, document) =
            match catalog::find_by_path(&project, &target.path.to_string_lossy())? {
                Some(found) => found,
                None => bail!(
                    "{} is gone: it changed while git spec was promoting; run the command again",
                    display_path(&target.path).display()
                ),
            };
        let next_free = || ids::next_free(&project.repo, &project.config, scheme);
        let number = match (&remote, args.dry_run) {
            (_, true) => {
                let next = match dry_next {
                    Some(next) => next,
                    None => next_free()?,
                };
                dry_next = Some(next + 1);
                next
            }
            (None, false) => next_free()?,
            (Some(remote), false) => reserve::reserve(
                &project.repo,
                remote,
                &identity,
                |n| scheme.spec_id(n),
                next_free()?,
                next_free,
            )?,
        };
        let old_id = scheme.spec_id(spec.number);
        let entry = format!(
            "- {today}: Promoted from {old_id} to {} by {}",
            scheme.spec_id(number),
            identity.name
        );
        let plan = renumber::plan(&project, &spec, &document, number, &entry, false)?;
        if args.dry_run {
            if !args.json {
                renumber::show_plan(&project, &plan)?;
            }
        } else {
            project
                .repo
                .ensure_not_conflicted(&project.repo.relative_to_root(&spec.path))?;
            let staged = renumber::apply(&project, &plan)?;
            for path in renumber::committed_paths(&project, &plan, staged) {
                if !paths.contains(&path) {
                    paths.push(path);
                }
            }
        }
        promoted.push(renumber::Renumbered::of(&project, &plan));
    }
    if args.commit && !args.dry_run {
        drop(_locks);
        let shown: Vec<String> = promoted
            .iter()
            .map(|p| format!("{} -> {}", p.old_id, p.new_id))
            .collect();
        let paths: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
        project.repo.git_commit(
            &paths,
            &format!("spec: promote {}\n", shown.join(", ")),
            "the promotions are kept in the working tree; fix what git reports, then commit them with `git commit`",
        )?;
    }
    if args.json {
        let report = Report {
            promoted,
            dry_run: args.dry_run,
        };
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else if !args.dry_run {
        for p in &promoted {
            outln!(
                "{}",
                display_path(&project.repo.workdir.join(&p.new_path)).display()
            );
            errln!("Promoted {} to {}", p.old_id, p.new_id);
            if let Some(branch) = &p.branch {
                errln!("renamed branch {} to {}", branch.old, branch.new);
            }
            for path in &p.rewritten {
                errln!("updated mentions in {path}");
            }
        }
    }
    Ok(0)
}

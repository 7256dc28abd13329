//! `git spec supersede <OLD> --by <NEW>`: NEW records `supersedes: [OLD]`,
//! and OLD moves to `superseded` through the workflow, in one step.

use anyhow::{bail, Result};
use clap::Args;
use serde::Serialize;

use crate::document::{status_change_entry, Document};
use crate::project::Project;
use crate::relations::Kind;
use crate::repo::{display_path, unified_diff};
use crate::workflow::{Move, TransitionError};
use crate::{approval, catalog, clock, fsutil, lock};

/// The status a superseded spec moves to.
const SUPERSEDED: &str = "superseded";

#[derive(Debug, Args)]
#[command(after_help = "\
Two files change, and nothing else in them: NEW gets OLD in its `supersedes:` list
with the entry `Supersedes SPEC-OLD by NAME`; OLD moves to `superseded` as `git spec
status OLD superseded` would move it (the workflow decides; --force passes and is
recorded as forced), with the note `Superseded by SPEC-NEW` on its status entry.
Nothing is written unless both edits can be made. Running it again changes nothing.")]
pub struct SupersedeArgs {
    /// The spec being replaced: 42, 0042 or SPEC-0042
    pub old: String,
    /// The spec that replaces it
    #[arg(long, value_name = "NEW")]
    pub by: String,
    /// Move OLD to superseded even where the workflow does not allow it (recorded as forced)
    #[arg(long, short)]
    pub force: bool,
    /// Print the diffs that would be applied; change nothing
    #[arg(long, short = 'n')]
    pub dry_run: bool,
    /// Commit both files (and only them) with `git commit`
    #[arg(long)]
    pub commit: bool,
    /// Print the result as JSON on stdout
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Serialize)]
struct Superseded<'a> {
    old: &'a str,
    new: &'a str,
    /// OLD's status before.
    from: &'a str,
    to: &'a str,
    forced: bool,
    paths: Vec<String>,
    changed: bool,
    dry_run: bool,
}

pub fn run(args: SupersedeArgs) -> Result<i32> {
    let project = Project::open()?;
    let scheme = &project.scheme;
    let workflow = &project.config.workflow;
    if !workflow.is_status(SUPERSEDED) {
        bail!(
            "the workflow has no status `{SUPERSEDED}` ([workflow] statuses in .specrc: {}); add it to supersede specs",
            workflow.statuses.join(", ")
        );
    }
    let _lock = if args.dry_run {
        None
    } else {
        project
            .repo
            .ensure_no_operation_in_progress("git spec supersede")?;
        Some(lock::edit_lock(&project.repo)?)
    };
    let (old_file, old_doc) = catalog::find(&project, &args.old)?;
    let (new_file, new_doc) = catalog::find(&project, &args.by)?;
    let old_id = scheme.spec_id(old_file.number);
    let new_id = scheme.spec_id(new_file.number);
    if old_file.number == new_file.number {
        bail!("{old_id} cannot supersede itself");
    }
    let old_rel = project.repo.relative_to_root(&old_file.path);
    let new_rel = project.repo.relative_to_root(&new_file.path);
    let name = project.repo.identity()?.name;
    let today = clock::today()?;

    // NEW's list.
    let mut items = new_doc.list(Kind::Supersedes.key());
    let new_bytes = if items
        .iter()
        .any(|i| scheme.parse(i) == Some(old_file.number))
    {
        None
    } else {
        items.push(old_id.clone());
        let entry = format!("- {today}: Supersedes {old_id} by {name}");
        Some(new_doc.with_list_and_entry(Kind::Supersedes.key(), &items, &today, &entry)?)
    };

    // OLD's status, under the same policy as `git spec status`.
    let from = old_doc.get("status").unwrap_or_default();
    let (old_bytes, forced) = if from == SUPERSEDED {
        (None, false)
    } else {
        let forced = match workflow.decide(&from, SUPERSEDED, args.force) {
            Ok(step) => step == Move::Forced,
            Err(TransitionError::UnknownCurrent(_)) if !args.force => bail!(
                "{}: {old_id} is at {from:?}, which the workflow does not know; use --force to move it to {SUPERSEDED}; nothing was changed",
                display_path(&old_file.path).display()
            ),
            Err(refusal) => bail!(
                "{old_id}: {refusal}; use --force to override; nothing was changed"
            ),
        };
        let forced = match approval::shortfall(&old_doc, SUPERSEDED, &project.config.approval) {
            None => forced,
            Some(_) if args.force => true,
            Some(short) => {
                bail!("{old_id}: {short}\nnothing was changed; use --force to move it anyway")
            }
        };
        let note = format!("Superseded by {new_id}");
        let entry = status_change_entry(&today, &from, SUPERSEDED, &name, Some(&note), forced);
        (
            Some(old_doc.with_status_change(SUPERSEDED, &today, &entry)?),
            forced,
        )
    };

    let changed = new_bytes.is_some() || old_bytes.is_some();
    let edits: Vec<(&std::path::Path, &Document, &Vec<u8>, &std::path::Path)> = [
        (
            new_file.path.as_path(),
            &new_doc,
            new_bytes.as_ref(),
            new_rel.as_path(),
        ),
        (
            old_file.path.as_path(),
            &old_doc,
            old_bytes.as_ref(),
            old_rel.as_path(),
        ),
    ]
    .into_iter()
    .filter_map(|(path, doc, bytes, rel)| bytes.map(|b| (path, doc, b, rel)))
    .collect();

    if args.dry_run {
        if !args.json {
            for (_, doc, bytes, rel) in &edits {
                out!("{}", unified_diff(doc.bytes(), bytes, rel, rel)?);
            }
        }
    } else if changed {
        for (_, _, _, rel) in &edits {
            project.repo.ensure_not_conflicted(rel)?;
        }
        if args.commit {
            let identity = project.repo.identity()?;
            project.repo.ensure_can_commit(&identity, false)?;
        }
        for (path, doc, bytes, _) in &edits {
            fsutil::replace_expected(path, doc.bytes(), bytes)?;
        }
        drop(_lock);
        if args.commit {
            let paths: Vec<&std::path::Path> = edits.iter().map(|(_, _, _, rel)| *rel).collect();
            let kept = "the changes are kept in the working tree; fix what git reports, then commit them with `git commit`".to_string();
            project.repo.git_commit(
                &paths,
                &format!("spec({new_id}): supersedes {old_id}\n"),
                &kept,
            )?;
        }
    }
    if args.json {
        let out = Superseded {
            old: &old_id,
            new: &new_id,
            from: &from,
            to: SUPERSEDED,
            forced,
            paths: edits
                .iter()
                .map(|(path, _, _, _)| project.repo.json_path(path))
                .collect(),
            changed,
            dry_run: args.dry_run,
        };
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else if !changed {
        errln!("{new_id} already supersedes {old_id}, which is {SUPERSEDED}; nothing changed");
    } else if !args.dry_run {
        let how = if forced { " (forced)" } else { "" };
        outln!("{new_id} supersedes {old_id}; {old_id}: {from} -> {SUPERSEDED}{how}");
    }
    Ok(0)
}

//! `git spec status <ID> [STATUS]`: show a spec's status, or move it along
//! the workflow, editing exactly the status line, the updated line and one
//! changelog entry.

use anyhow::{anyhow, bail, Result};
use clap::Args;
use serde::Serialize;

use crate::document::{status_change_entry, via_suffix, Document};
use crate::project::Project;
use crate::repo::{display_path, unified_diff, with_agent_trailer};
use crate::workflow::{Move, TransitionError};
use crate::{approval, catalog, clock, fsutil, lock};

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// The spec: 42, 0042 or SPEC-0042
    pub id: String,
    /// The new status; without it, print the current status and the allowed next ones
    pub status: Option<String>,
    /// Make a transition the workflow does not allow (the changelog says it was forced)
    #[arg(long, short)]
    pub force: bool,
    /// A note for the changelog entry, after an em dash
    #[arg(long, short = 'm')]
    pub note: Option<String>,
    /// Print the diff that would be applied; change nothing
    #[arg(long, short = 'n')]
    pub dry_run: bool,
    /// Print the result as JSON on stdout
    #[arg(long)]
    pub json: bool,
    /// Commit the spec file (and only it) with a message like `spec(SPEC-0042): draft -> approved`
    #[arg(long)]
    pub commit: bool,
}

/// What `--json` prints after a move (or an attempt that found the spec
/// already there: `changed` false).
#[derive(Debug, Serialize)]
pub struct Transition {
    id: String,
    path: String,
    from: String,
    to: String,
    forced: bool,
    changed: bool,
    /// A dry run: `changed` says what a real run would do.
    dry_run: bool,
}

/// What `--json` prints without a new status.
#[derive(Debug, Serialize)]
pub struct Current {
    id: String,
    path: String,
    status: String,
    next: Vec<String>,
}

/// The `--json` shape of any `git spec status` run.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum StatusJson {
    Current(Current),
    Transition(Transition),
}

/// What one `git spec status` did.
pub enum StatusOutcome {
    /// No status given: the current one and the allowed next ones.
    Shown(Current),
    /// The spec is already at the status; nothing changed.
    Unchanged(Transition),
    /// The move was made. `hand_edited`: the status line already said
    /// so, and only the changelog entry and `updated:` were missing.
    Changed {
        transition: Transition,
        hand_edited: bool,
    },
    /// `--dry-run`: the diff that would be applied, and the move.
    WouldChange {
        diff: String,
        transition: Transition,
    },
}

impl StatusOutcome {
    /// The `--json` shape.
    pub fn into_json(self) -> Option<StatusJson> {
        match self {
            StatusOutcome::Shown(current) => Some(StatusJson::Current(current)),
            StatusOutcome::Unchanged(transition)
            | StatusOutcome::Changed { transition, .. }
            | StatusOutcome::WouldChange { transition, .. } => {
                Some(StatusJson::Transition(transition))
            }
        }
    }
}

pub fn run(args: StatusArgs) -> Result<i32> {
    let project = Project::open()?;
    let outcome = change_status(&project, &args, None)?;
    if let (StatusOutcome::WouldChange { diff, .. }, false) = (&outcome, args.json) {
        out!("{diff}");
        return Ok(0);
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&outcome.into_json())?);
        return Ok(0);
    }
    match outcome {
        StatusOutcome::Shown(current) => show_current(&project, &current),
        StatusOutcome::Unchanged(Transition { id, from, .. }) => {
            errln!("{id} is already {from}; nothing changed")
        }
        StatusOutcome::Changed {
            transition,
            hand_edited,
        } => {
            let Transition {
                id,
                from,
                to,
                forced,
                ..
            } = transition;
            if hand_edited {
                errln!("{id} was already {to} by hand: recorded the change from {from}");
            }
            let how = if forced { " (forced)" } else { "" };
            outln!("{id}: {from} -> {to}{how}");
        }
        StatusOutcome::WouldChange { .. } => unreachable!("printed above"),
    }
    Ok(0)
}

/// Shows or changes a spec's status as `args` asks, and says what it did.
/// Both `git spec status` and the MCP tool `spec_status` call it; `via` is
/// the MCP client acting for the user, named at the end of the changelog
/// entry (see [`crate::document::via_suffix`]).
pub fn change_status(
    project: &Project,
    args: &StatusArgs,
    via: Option<&str>,
) -> Result<StatusOutcome> {
    let changing = args.status.is_some() && !args.dry_run;
    // Held from reading the spec to writing it back: a second `status`
    // on the same spec waits, then reads the first one's result.
    let lock = if changing {
        project
            .repo
            .ensure_no_operation_in_progress("git spec status")?;
        Some(lock::edit_lock(&project.repo)?)
    } else {
        None
    };
    let (spec, document) = match catalog::find(project, &args.id) {
        Ok(found) => found,
        Err(err) => return Err(catalog::only_on_branch(project, &args.id).unwrap_or(err)),
    };
    let spec_id = project.scheme.spec_id(spec.number);
    let shown_path = display_path(&spec.path).display().to_string();
    let current = current_status(&document)?;

    let Some(target) = args.status.as_deref() else {
        let next = project.config.workflow.next(&current).to_vec();
        return Ok(StatusOutcome::Shown(Current {
            id: spec_id,
            path: project.repo.json_path(&spec.path),
            status: current,
            next,
        }));
    };

    let target = target.trim();
    // A status already set to `target` by hand, with no changelog entry:
    // the move from the status the changelog last recorded is made now
    // (its entry, `updated:`), under the same policy as any other move.
    // This is what the hook's refusal asks for.
    let hand_edited = target == current;
    let current = if hand_edited {
        recorded_status(project, &spec.path, &document)?
    } else {
        current
    };
    let transition = |forced: bool, changed: bool| Transition {
        id: spec_id.clone(),
        path: project.repo.json_path(&spec.path),
        from: current.clone(),
        to: target.to_string(),
        forced,
        changed,
        dry_run: args.dry_run,
    };
    if target == current {
        return Ok(StatusOutcome::Unchanged(transition(false, false)));
    }
    let forced = forced_or_refused(project, args, &spec_id, &shown_path, &current, target)?;
    // Approvals a status needs (`[approval] required`): --force passes,
    // recorded as forced.
    let forced = match approval::shortfall(&document, target, &project.config.approval) {
        None => forced,
        Some(_) if args.force => true,
        Some(short) => bail!(
            "{spec_id}: {short}\nnothing was changed; use --force to move it anyway (recorded as forced)"
        ),
    };

    let identity = project.repo.identity()?;
    let relative = project.repo.relative_to_root(&spec.path);
    if changing {
        project.repo.ensure_not_conflicted(&relative)?;
        if args.commit {
            project.repo.ensure_can_commit(&identity, false)?;
        }
    }
    let today = clock::today()?;
    let mut entry = status_change_entry(
        &today,
        &current,
        target,
        &identity.name,
        args.note.as_deref(),
        forced,
    );
    if let Some(client) = via {
        entry.push_str(&via_suffix(client));
    }
    let new_bytes = document.with_status_change(target, &today, &entry)?;

    if args.dry_run {
        let diff = unified_diff(document.bytes(), &new_bytes, &relative, &relative)?;
        return Ok(StatusOutcome::WouldChange {
            diff,
            transition: transition(forced, true),
        });
    }
    fsutil::replace_expected(&spec.path, document.bytes(), &new_bytes)?;
    // The edit is written: let go of the edit lock before `git commit`,
    // whose pre-commit hook (`git spec hook run pre-commit`) takes it too.
    drop(lock);
    if args.commit {
        let message = with_agent_trailer(format!("spec({spec_id}): {current} -> {target}\n"), via);
        let kept = format!(
            "{spec_id} was changed in {shown_path} but not committed: the change is kept in the working tree; fix what git reports, then commit it with `git commit -- {shown_path}`"
        );
        project.repo.git_commit(&[&relative], &message, &kept)?;
    }
    Ok(StatusOutcome::Changed {
        transition: transition(forced, true),
        hand_edited,
    })
}

/// The status the spec's history last recorded: the last "Status changed"
/// entry's, else the committed one (HEAD's, which is where the commit hook
/// starts), else the workflow's initial status.
fn recorded_status(
    project: &Project,
    path: &std::path::Path,
    document: &Document,
) -> Result<String> {
    if let Some((_, to)) = document.last_status_change() {
        return Ok(to);
    }
    let relative = project.repo.relative_to_root(path);
    let committed = project.repo.head_commit()?.and_then(|head| {
        let entry = head.tree().ok()?.get_path(&relative).ok()?;
        let blob = project.repo.git.find_blob(entry.id()).ok()?;
        Document::parse(&relative, blob.content())
            .ok()?
            .get("status")
    });
    Ok(committed.unwrap_or_else(|| project.config.workflow.initial.clone()))
}

/// `git spec status <ID>` as text: the current status and the allowed
/// next ones.
fn show_current(project: &Project, current: &Current) {
    let workflow = &project.config.workflow;
    let Current {
        id, status, next, ..
    } = current;
    if !workflow.is_status(status) {
        outln!(
            "{id}: {status} (not a status of the workflow: {})",
            workflow.statuses.join(", ")
        );
    } else if next.is_empty() {
        outln!("{id}: {status} (final)");
    } else {
        outln!("{id}: {status}\nnext: {}", next.join(", "));
    }
}

/// Whether the move from `current` to `target` is forced (false: the
/// workflow allows it), or why it is refused.
fn forced_or_refused(
    project: &Project,
    args: &StatusArgs,
    spec_id: &str,
    shown_path: &str,
    current: &str,
    target: &str,
) -> Result<bool> {
    let workflow = &project.config.workflow;
    match workflow.decide(current, target, args.force) {
        Ok(step) => Ok(step == Move::Forced),
        Err(TransitionError::UnknownStatus(status)) => {
            bail!(
                "unknown status {status:?}: the statuses are {}",
                workflow.statuses.join(", ")
            )
        }
        Err(refusal @ TransitionError::UnknownCurrent(_)) => {
            bail!("{shown_path}: {refusal}; use --force to move it to {target}")
        }
        Err(refusal) => bail!("{spec_id}: {refusal}; use --force to override"),
    }
}

/// The document's status, or an error that names the file and line.
pub fn current_status(document: &Document) -> Result<String> {
    document.get("status").ok_or_else(|| {
        // Without a `status:` key, point at the front matter's first line.
        let line = document.line_of("status").unwrap_or(1);
        anyhow!(
            "{}:{line}: the front matter has no status value; add a line such as `status: draft`",
            document.path().display()
        )
    })
}

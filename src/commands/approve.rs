//! `git spec approve <ID>`: record your approval of a spec's current
//! content in its changelog (see [`crate::approval`]).

use anyhow::{bail, Result};
use clap::Args;
use serde::Serialize;

use crate::approval;
use crate::project::Project;
use crate::repo::{display_path, with_agent_trailer};
use crate::{catalog, clock, fsutil, lock};

#[derive(Debug, Args)]
#[command(after_help = "\
Appends `- DATE: Approved by NAME <EMAIL> (content HASH)` to the changelog, with your
git identity. HASH is a digest of the spec without its status, updated and changelog:
editing anything else makes the approval stale. `[approval] required` in .specrc says
how many distinct current approvals a status needs (`git spec status` refuses to enter
it with fewer, unless --force); `[approval] approvers` limits who may approve, and
`self = false` (the default) keeps the owner's own approval from counting.")]
pub struct ApproveArgs {
    /// The spec: 42, 0042 or SPEC-0042
    pub id: String,
    /// A note for the entry, after an em dash
    #[arg(long, short = 'm')]
    pub note: Option<String>,
    /// Commit the spec file (and only it) with `git commit`
    #[arg(long)]
    pub commit: bool,
    /// Print the result as JSON on stdout
    #[arg(long)]
    pub json: bool,
}

/// What `--json` prints.
#[derive(Debug, Serialize)]
pub struct Approved {
    id: String,
    path: String,
    name: String,
    email: String,
    content: String,
    /// Distinct current approvals that count, this one included.
    approvals: usize,
    /// false: you had approved this content already; nothing was written.
    pub changed: bool,
}

pub fn run(args: ApproveArgs) -> Result<i32> {
    let project = Project::open()?;
    let approved = approve_spec(&project, &args, None)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&approved)?);
    } else if approved.changed {
        let Approved {
            id,
            name,
            content,
            approvals,
            ..
        } = &approved;
        outln!(
            "{id}: approved by {name} (content {content}); {approvals} current approval{}",
            if *approvals == 1 { "" } else { "s" }
        );
    } else {
        errln!(
            "you approved {} as it is already; nothing changed",
            approved.id
        );
    }
    Ok(0)
}

/// Records the user's approval of the spec `args` names, and says what
/// was recorded (the `--json` shape). Both `git spec approve` and the MCP
/// tool `spec_approve` call it; `via` is the MCP client acting for the
/// user, named at the end of the entry and in a commit's `Spec-Agent`
/// trailer.
pub fn approve_spec(project: &Project, args: &ApproveArgs, via: Option<&str>) -> Result<Approved> {
    let config = &project.config.approval;
    project
        .repo
        .ensure_no_operation_in_progress("git spec approve")?;
    let lock = lock::edit_lock(&project.repo)?;
    let (spec, document) = catalog::find(project, &args.id)?;
    let spec_id = project.scheme.spec_id(spec.number);
    let shown_path = display_path(&spec.path).display().to_string();
    let relative = project.repo.relative_to_root(&spec.path);
    project.repo.ensure_not_conflicted(&relative)?;
    let identity = project.repo.identity()?;
    if args.commit {
        project.repo.ensure_can_commit(&identity, false)?;
    }
    let email = identity.email.to_lowercase();
    if !config.approvers.is_empty()
        && !config
            .approvers
            .iter()
            .any(|a| a.eq_ignore_ascii_case(&email))
    {
        bail!(
            "{} is not one of the approvers of this repository (`[approval] approvers` in .specrc: {}); nothing was changed",
            identity.email,
            config.approvers.join(", ")
        );
    }
    let owner = document.get("owner").unwrap_or_default();
    if !config.self_approval && approval::is_owner(&owner, &email) {
        bail!(
            "you own {spec_id} ({}), and your own approval does not count here (`[approval] self = false` in .specrc): ask someone else to approve it; nothing was changed",
            document.get("owner").unwrap_or_default()
        );
    }
    let content = approval::content_digest(&document);
    let existing = approval::approvals(&document, config);
    let already = existing
        .iter()
        .any(|a| a.current && a.email.eq_ignore_ascii_case(&email));
    let approved = |changed: bool, approvals: usize| Approved {
        id: spec_id.clone(),
        path: project.repo.json_path(&spec.path),
        name: identity.name.clone(),
        email: identity.email.clone(),
        content: content.clone(),
        approvals,
        changed,
    };
    if already {
        return Ok(approved(false, approval::counted(&existing)));
    }

    let today = clock::today()?;
    let mut entry = approval::entry(
        &today,
        &identity.name,
        &identity.email,
        &content,
        args.note.as_deref(),
    );
    if let Some(client) = via {
        entry.push_str(&crate::document::via_suffix(client));
    }
    let new_bytes = document.with_recorded_entry(&today, &entry)?;
    fsutil::replace_expected(&spec.path, document.bytes(), &new_bytes)?;
    // The commit's pre-commit hook takes the edit lock too.
    drop(lock);
    let recorded = crate::document::Document::parse(&relative, &new_bytes)?;
    let count = approval::counted(&approval::approvals(&recorded, config));
    if args.commit {
        let kept = format!(
            "{spec_id} was approved in {shown_path} but not committed: the change is kept in the working tree; fix what git reports, then commit it with `git commit -- {shown_path}`"
        );
        let message = with_agent_trailer(format!("spec({spec_id}): approve\n"), via);
        project.repo.git_commit(&[&relative], &message, &kept)?;
    }
    Ok(approved(true, count))
}

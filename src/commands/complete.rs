//! `git spec __complete KIND [ID]`: the values the shell completion scripts
//! offer that only the repository knows (hidden: scripts call it, people do
//! not). Prints one candidate per line and never fails: outside a
//! repository, or with a broken spec, it prints what it can (or nothing),
//! exit 0, so a TAB never shows an error.

use clap::{Args, ValueEnum};

use crate::catalog;
use crate::project::Project;

#[derive(Debug, Args)]
pub struct CompleteArgs {
    pub kind: CompleteKind,
    /// For `next`: the spec whose next statuses to offer
    pub id: Option<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum CompleteKind {
    /// The working tree's spec ids, as numbers and as SPEC-0042
    Ids,
    /// The statuses the spec ID may move to next
    Next,
    /// Every status of the workflow
    Statuses,
    /// Local and remote-tracking branches
    Refs,
}

pub fn run(args: CompleteArgs) -> anyhow::Result<i32> {
    let Ok(project) = Project::open() else {
        return Ok(0);
    };
    let mut out = Vec::new();
    match args.kind {
        CompleteKind::Ids => {
            for spec in catalog::scan(&project).unwrap_or_default() {
                out.push(project.scheme.spec_id(spec.number));
                if !crate::scheme::is_provisional(spec.number) {
                    out.push(spec.number.to_string());
                }
            }
        }
        CompleteKind::Next => {
            let Some(id) = args.id else { return Ok(0) };
            if let Ok((_, document)) = catalog::find(&project, &id) {
                let status = document.get("status").unwrap_or_default();
                out.extend(project.config.workflow.next(&status).iter().cloned());
            }
        }
        CompleteKind::Statuses => out.extend(project.config.workflow.statuses.iter().cloned()),
        CompleteKind::Refs => {
            if let Ok(tips) = catalog::branch_tips(&project) {
                out.extend(tips.into_iter().map(|(name, _)| name));
            }
            if let Some(head) = project.repo.head_ref_name() {
                out.extend(head.strip_prefix("refs/heads/").map(str::to_string));
            }
            out.sort();
        }
    }
    // Plain words, one per line: a value from the repository with a space
    // or a control character would only confuse the shell.
    for candidate in out {
        if !candidate.is_empty()
            && !candidate
                .chars()
                .any(|c| c.is_whitespace() || c.is_control())
        {
            println!("{candidate}");
        }
    }
    Ok(0)
}

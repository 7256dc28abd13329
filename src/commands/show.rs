//! `git spec show <ID>`: one spec's front matter and changelog.

use anyhow::Result;
use clap::Args;
use serde::Serialize;

use crate::approval::{self, Approval};
use crate::catalog::{self, SpecRecord};
use crate::project::Project;
use crate::repo::display_path;
use crate::tasks::TaskProgress;

#[derive(Debug, Args)]
#[command(after_help = "\
JSON (--json): the keys of `git spec list --format json` (id, number, title, status,
priority, owner, created, updated, tags, path, branch, tasks), plus next (the statuses the
workflow allows from the current one), changelog (the entries, without the
leading \"- \") and approvals (each {name, email, date, content, current}: current is
false when the spec changed after the approval).")]
pub struct ShowArgs {
    /// The spec: 42, 0042 or SPEC-0042
    pub id: String,
    /// Print the same data as JSON
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Serialize)]
struct Shown<'a> {
    #[serde(flatten)]
    record: &'a SpecRecord,
    next: &'a [String],
    changelog: Vec<String>,
    approvals: Vec<Approval>,
}

pub fn run(args: ShowArgs) -> Result<i32> {
    let project = Project::open()?;
    let workflow = &project.config.workflow;
    let (file, document) = catalog::find(&project, &args.id)?;
    // The record exactly as `list` builds it, from the spec `find` read.
    let record = &SpecRecord::of(
        &project.scheme,
        &project.repo.relative_to_root(&file.path),
        &document,
        None,
    );
    let changelog: Vec<String> = document
        .changelog_entries()
        .into_iter()
        .map(|(_, entry)| entry.strip_prefix("- ").unwrap_or(&entry).to_string())
        .collect();
    let next = workflow.next(&record.status);
    let approvals = approval::approvals(&document, &project.config.approval);

    if args.json {
        let shown = Shown {
            record,
            next,
            changelog,
            approvals,
        };
        println!("{}", serde_json::to_string_pretty(&shown)?);
        return Ok(0);
    }

    let or_dash = |value: &str| {
        if value.trim().is_empty() {
            "-".to_string()
        } else {
            value.to_string()
        }
    };
    let status = if record.status.is_empty() {
        "- (no status)".to_string()
    } else if !workflow.is_status(&record.status) {
        format!(
            "{} (not a status of the workflow: {})",
            record.status,
            workflow.statuses.join(", ")
        )
    } else if next.is_empty() {
        format!("{} (final)", record.status)
    } else {
        format!("{} (next: {})", record.status, next.join(", "))
    };
    let tags = if record.tags.is_empty() {
        "-".to_string()
    } else {
        record.tags.join(", ")
    };
    let mut text = String::new();
    for (label, value) in [
        ("ID", or_dash(&record.id)),
        ("Title", or_dash(&record.title)),
        ("Status", status),
        ("Priority", or_dash(&record.priority)),
        ("Owner", or_dash(&record.owner)),
        ("Created", or_dash(&record.created)),
        ("Updated", or_dash(&record.updated)),
        ("Tags", tags),
        ("Tasks", tasks_text(&record.tasks)),
        ("Path", display_path(&file.path).display().to_string()),
    ] {
        text.push_str(&format!("{:<10}{value}\n", format!("{label}:")));
    }
    let config = &project.config.approval;
    if !approvals.is_empty() || !config.required.is_empty() {
        text.push_str("\nApprovals:\n");
        if approvals.is_empty() {
            text.push_str("  (none)\n");
        }
        for approval in &approvals {
            text.push_str(&format!(
                "  {} <{}> on {} (content {}): {}\n",
                approval.name,
                approval.email,
                approval.date,
                approval.content,
                approval.why_not.unwrap_or("counts")
            ));
        }
        for (status, needed) in &config.required {
            text.push_str(&format!(
                "  {status} needs {needed}; {} count now\n",
                approval::counted(&approvals)
            ));
        }
    }
    text.push_str("\nChangelog:\n");
    if changelog.is_empty() {
        text.push_str("  (no entries)\n");
    }
    for entry in &changelog {
        text.push_str(&format!("  - {entry}\n"));
    }
    out!("{text}");
    Ok(0)
}

/// `3/24 done, 12 h estimated left`; `-` for a spec without tasks.
fn tasks_text(tasks: &TaskProgress) -> String {
    if tasks.total == 0 {
        return "-".to_string();
    }
    format!(
        "{} done, {} estimated left",
        tasks.fraction(),
        tasks.hours_text()
    )
}

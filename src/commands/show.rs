//! `git spec show <ID>`: one spec's front matter and changelog.

use anyhow::Result;
use clap::Args;
use serde::Serialize;

use crate::approval::{self, Approval};
use crate::catalog::{self, Located, SpecRecord};
use crate::project::Project;
use crate::relations;
use crate::repo::display_path;
use crate::tasks::TaskProgress;

#[derive(Debug, Args)]
#[command(after_help = "\
A spec that is in no file of the working tree is read from the first branch (by name)
that holds it, with a note on stderr; --branch REF chooses the branch.

JSON (--json): the keys of `git spec list --format json` (id, number, title, status,
priority, owner, created, updated, tags, path, branch: null for the working tree, else
the branch the spec was read from, tasks), plus next (the statuses the
workflow allows from the current one), changelog (the entries, without the
leading \"- \"), approvals (each {name, email, date, content, current}: current is
false when the spec changed after the approval) and relations ({depends_on, needed_by,
supersedes, superseded_by}, lists of ids; the reverse ones from the working tree's
other specs).")]
pub struct ShowArgs {
    /// The spec: 42, 0042 or SPEC-0042
    pub id: String,
    /// Print the same data as JSON
    #[arg(long)]
    pub json: bool,
    /// Read the spec from this branch (or any revision) instead of the working tree
    #[arg(long, value_name = "REF")]
    pub branch: Option<String>,
}

/// What `--json` prints.
#[derive(Debug, Serialize)]
pub struct Shown {
    #[serde(flatten)]
    record: SpecRecord,
    next: Vec<String>,
    changelog: Vec<String>,
    approvals: Vec<Approval>,
    relations: relations::Both,
    /// Where the text output says the spec is (the record's path is from
    /// the root): the file, or `branch:path`.
    #[serde(skip)]
    shown_path: String,
}

/// The spec `id` names, read as `show` reports it (the `--json` shape):
/// from the working tree, else from a branch that holds it (from `branch`
/// alone when given). Both `git spec show` and the MCP tool `spec_show`
/// call it.
pub fn show_spec(project: &Project, id: &str, branch: Option<&str>) -> Result<Shown> {
    let workflow = &project.config.workflow;
    // One listing of the spec folder for the spec and the specs naming it.
    let folder = catalog::SpecFolder::read(project)?;
    let (relative, document, branch, shown_path) =
        match catalog::find_anywhere(project, &folder, id, branch)? {
            Located::WorkingTree(file, document) => (
                project.repo.relative_to_root(&file.path),
                document,
                None,
                display_path(&file.path).display().to_string(),
            ),
            Located::Branch(found) => {
                let shown = format!("{}:{} (not in the working tree)", found.branch, found.path);
                (found.path.into(), found.document, Some(found.branch), shown)
            }
        };
    // The record exactly as `list` builds it, from the spec found.
    let record = SpecRecord::of(&project.scheme, &relative, &document, branch.as_deref());
    let changelog: Vec<String> = document
        .changelog_entries()
        .into_iter()
        .map(|(_, entry)| entry.strip_prefix("- ").unwrap_or(&entry).to_string())
        .collect();
    let next = workflow.next(&record.status).to_vec();
    let approvals = approval::approvals(&document, &project.config.approval);
    let relations = relations::both(
        &project.scheme,
        record.number,
        &document,
        &folder.referrers(record.number),
    );
    Ok(Shown {
        record,
        next,
        changelog,
        approvals,
        relations,
        shown_path,
    })
}

pub fn run(args: ShowArgs) -> Result<i32> {
    let project = Project::open()?;
    let workflow = &project.config.workflow;
    let shown = show_spec(&project, &args.id, args.branch.as_deref())?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&shown)?);
        return Ok(0);
    }
    let Shown {
        record,
        next,
        changelog,
        approvals,
        relations,
        shown_path,
    } = &shown;

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
        ("Path", shown_path.clone()),
    ] {
        text.push_str(&format!("{:<10}{value}\n", format!("{label}:")));
    }
    let config = &project.config.approval;
    if !approvals.is_empty() || !config.required.is_empty() {
        text.push_str("\nApprovals:\n");
        if approvals.is_empty() {
            text.push_str("  (none)\n");
        }
        for approval in approvals {
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
                approval::counted(approvals)
            ));
        }
    }
    if !relations.is_empty() {
        text.push_str("\nRelations:\n");
        for (label, ids) in [
            ("depends on", &relations.depends_on),
            ("needed by", &relations.needed_by),
            ("supersedes", &relations.supersedes),
            ("superseded by", &relations.superseded_by),
        ] {
            if !ids.is_empty() {
                text.push_str(&format!("  {label:<14}{}\n", ids.join(", ")));
            }
        }
    }
    text.push_str("\nChangelog:\n");
    if changelog.is_empty() {
        text.push_str("  (no entries)\n");
    }
    for entry in changelog {
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

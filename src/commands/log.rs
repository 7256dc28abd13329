//! `git spec log <ID>`: a spec's status history as git recorded it (the
//! walk is [`crate::history`]).

use std::path::Path;

use anyhow::Result;
use clap::Args;

use crate::catalog;
use crate::history::{locate, slash_path, Change, Start, StatusHistory};
use crate::project::Project;

#[derive(Debug, Args)]
pub struct LogArgs {
    /// The spec: 42, 0042 or SPEC-0042
    pub id: String,
    /// Print the history as JSON
    #[arg(long)]
    pub json: bool,
    /// Follow the spec's history on this branch (or any revision) instead of HEAD
    #[arg(long, value_name = "REF")]
    pub branch: Option<String>,
}

/// A spec's status history, as `log` reports it.
pub struct SpecLog {
    pub spec_id: String,
    /// The `--json` shape: one entry per committed status change, oldest first.
    pub changes: Vec<Change>,
    /// The history was cut short by a shallow clone.
    pub truncated: bool,
    /// The status in the working tree, which may not be committed yet.
    pub worktree_status: Option<String>,
}

/// The status history of the spec `id` names (followed on `branch`, or
/// on the branch that holds it when the working tree does not). Both `git spec log` and the
/// MCP tool `spec_log` call it.
pub fn spec_log(project: &Project, id: &str, branch: Option<&str>) -> Result<SpecLog> {
    let git = &project.repo.git;
    let head = project.repo.head_commit()?;
    // A spec that lives only on another branch (or the one --branch
    // names) is followed from that branch's tip.
    let (start, head) = match (branch, locate(project, id, head.as_ref())) {
        (None, Ok(start)) => (start, head),
        (branch, located) => {
            let Some(number) = project.scheme.parse(id) else {
                return match located {
                    Err(err) => Err(err),
                    Ok(_) => anyhow::bail!(
                        "{:?} is not a spec id: write it as 42 or {}",
                        id,
                        project.scheme.spec_id(42)
                    ),
                };
            };
            match catalog::pick(project, number, branch)? {
                Some(found) => {
                    let tip = git.find_commit(found.commit)?;
                    let start = Start {
                        number,
                        head_path: Some(found.path),
                        worktree_status: None,
                    };
                    (start, Some(tip))
                }
                None => match (branch, located) {
                    (Some(branch), _) => return Err(catalog::not_on(project, number, branch)),
                    (None, Err(err)) => return Err(err),
                    (None, Ok(_)) => unreachable!("the first arm took a spec that was found"),
                },
            }
        }
    };
    let spec_id = project.scheme.spec_id(start.number);
    let (changes, truncated) = match (&head, &start.head_path) {
        (Some(head), Some(path)) => {
            let history = StatusHistory {
                project,
                git,
                number: start.number,
                dir: slash_path(Path::new(&project.config.dir)),
            };
            history.changes(head, path)?
        }
        _ => (Vec::new(), false),
    };
    Ok(SpecLog {
        spec_id,
        changes,
        truncated,
        worktree_status: start.worktree_status,
    })
}

impl SpecLog {
    /// The note a shallow clone deserves, if this is one.
    pub fn shallow_note(&self) -> Option<String> {
        let first = self.changes.first().filter(|_| self.truncated)?;
        Some(format!(
            "this is a shallow clone and its history starts at {}: {} may be older than that; run `git fetch --unshallow` for the whole history",
            &first.commit[..7.min(first.commit.len())],
            self.spec_id
        ))
    }
}

pub fn run(args: LogArgs) -> Result<i32> {
    let project = Project::open()?;
    let log = spec_log(&project, &args.id, args.branch.as_deref())?;
    if let Some(note) = log.shallow_note() {
        errln!("note: {note}");
    }
    let SpecLog {
        spec_id,
        changes,
        worktree_status,
        ..
    } = &log;
    if args.json {
        println!("{}", serde_json::to_string_pretty(changes)?);
        return Ok(0);
    }
    if changes.is_empty() {
        errln!("{spec_id} has no committed status yet: commit it, then git spec log shows each status change");
        return Ok(0);
    }
    out!("{}", render_text(changes));
    if let (Some(last), Some(now)) = (changes.last(), worktree_status.as_deref()) {
        if last.to != now {
            errln!(
                "{spec_id}: not committed yet: {} -> {now} in the working tree",
                last.to
            );
        }
    }
    Ok(0)
}

/// One line per change, columns aligned:
/// `2026-01-15  a1b2c3d  Jane Doe  draft -> review`.
fn render_text(changes: &[Change]) -> String {
    const CREATED: &str = "(new)";
    let from = |c: &Change| c.from.clone().unwrap_or_else(|| CREATED.to_string());
    let author_width = changes
        .iter()
        .map(|c| c.author.chars().count())
        .max()
        .unwrap_or(0);
    let from_width = changes
        .iter()
        .map(|c| from(c).chars().count())
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for change in changes {
        let short: String = change.commit.chars().take(7).collect();
        out.push_str(&format!(
            "{}  {short}  {:<author_width$}  {:<from_width$} -> {}\n",
            change.date,
            change.author,
            from(change),
            change.to,
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_columns_are_aligned() {
        let change = |author: &str, from: Option<&str>, to: &str| Change {
            commit: "a1b2c3d4e5f6".into(),
            date: "2026-01-15".into(),
            author: author.into(),
            from: from.map(str::to_string),
            to: to.into(),
            path: "specs/0001-x.md".into(),
        };
        let text = render_text(&[
            change("Jane Doe", None, "draft"),
            change("Bob", Some("draft"), "review"),
        ]);
        assert_eq!(
            text,
            "2026-01-15  a1b2c3d  Jane Doe  (new) -> draft\n\
             2026-01-15  a1b2c3d  Bob       draft -> review\n"
        );
    }
}

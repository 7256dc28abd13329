//! `git spec index`: a Markdown index of all specs, grouped by status.
//!
//! The content depends only on the specs (no timestamp), so running it
//! twice changes nothing and `--check` can tell CI whether it is stale.
//! `--install-merge-driver` and `--merge-driver` (what git runs) keep two
//! branches that each add a spec from conflicting on it: see
//! [`crate::merge_driver`].

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;

use crate::catalog::{self, SpecRecord};
use crate::index_file::{self, first_difference, Layout};
use crate::merge_driver::{self, Change, DriverFiles};
use crate::project::Project;
use crate::repo::display_path;
use crate::term::plural;
use crate::{fsutil, paths};

#[derive(Debug, Args)]
#[command(after_help = "\
The file is [index] file in .specrc (default specs/README.md). It lists every spec of
the working tree, one section per status in workflow order (statuses without specs
are left out, statuses the workflow does not know come last under \"Other\"), with
a link to the file, the title, the owner and the updated date. It holds no
timestamp: running the command again changes nothing.

Merges: two branches that each add a spec and refresh the index would conflict on it.
--install-merge-driver (also run by `git spec init`) adds \"/specs/README.md
merge=git-spec-index\" to .gitattributes (commit it) and defines the driver's command in
this clone's git config (each clone runs it once: a repository can name a merge driver but
never define its command). git then runs `git spec index --merge-driver %O %A %B %P`,
which merges the three versions of the index row by row (one row per spec file: the side
that changed a row wins) and writes the result into %A only, exactly as `git spec index`
would write it. A row changed on both sides differently, or a version edited by hand, is a
conflict (exit 1, %A untouched): resolve the specs, then run `git spec index` (allowed
while the index file is conflicted) and `git add` the index.

Exit status: 0; 1 when a spec cannot be parsed (nothing is written), or with --check
when the file is missing or out of date, or with --merge-driver on a conflict.")]
pub struct IndexArgs {
    /// Exit non-zero if the index file is out of date; write nothing (for CI)
    #[arg(long, conflicts_with_all = ["install_merge_driver", "merge_driver"])]
    pub check: bool,
    /// Print {"path", "state", "specs", "check"} as JSON on stdout (state: created, updated,
    /// unchanged; with --check: up-to-date, out-of-date, missing)
    #[arg(long)]
    pub json: bool,
    /// Register the merge driver: a line in .gitattributes and the command in this clone's git config
    #[arg(long, conflicts_with = "merge_driver")]
    pub install_merge_driver: bool,
    /// What git runs to merge the index file (see below): writes the merged index into OURS only
    #[arg(long, num_args = 4, value_names = ["BASE", "OURS", "THEIRS", "PATH"])]
    pub merge_driver: Option<Vec<PathBuf>>,
}

pub fn run(args: IndexArgs) -> Result<i32> {
    let project = Project::open()?;
    if let Some(files) = &args.merge_driver {
        // git runs the driver in the middle of its merge: no check for an
        // operation in progress, no lock, and nothing read from the
        // working tree's specs (they are not merged yet).
        let [base, ours, theirs, path] = files.as_slice() else {
            unreachable!("clap takes exactly four values");
        };
        return merge_driver::merge(
            &project,
            &DriverFiles {
                base,
                ours,
                theirs,
                path,
            },
        );
    }
    if args.install_merge_driver {
        let installed = merge_driver::install(&project)?;
        let file = installed.attributes_file.display();
        let line = &installed.line;
        match installed.attributes {
            Change::Unchanged => outln!("{file}: already names the merge driver (\"{line}\")"),
            Change::Created => outln!("{file}: created with \"{line}\""),
            Change::Updated => outln!("{file}: added \"{line}\""),
        }
        let key = &installed.config_key;
        match installed.config {
            Change::Unchanged => outln!("git config {key}: already set in this clone"),
            Change::Created => outln!("git config {key}: set in this clone"),
            Change::Updated => outln!("git config {key}: updated in this clone"),
        }
        if installed.attributes != Change::Unchanged {
            errln!("{}", merge_driver::COMMIT_NOTE);
        }
        return Ok(0);
    }
    if !args.check {
        if let Err(busy) = project
            .repo
            .ensure_no_operation_in_progress("git spec index")
        {
            // Regenerating an index that a merge left conflicted is how
            // that conflict is resolved, so it is allowed then; otherwise
            // the index waits for the operation to finish, like every
            // command that writes. (The git index is read only here.)
            let relative = paths::lexically_inside(&project.config.index.file, "index.file")?;
            if !project.repo.is_conflicted(&relative)? {
                return Err(busy);
            }
        }
    }
    let (records, errors) = catalog::working_tree_records(&project)?;
    if !errors.is_empty() {
        for error in &errors {
            errln!("{error}");
        }
        errln!(
            "error: the index was not {}: {} cannot be parsed; fix {} first",
            if args.check { "checked" } else { "written" },
            plural(errors.len(), "spec", "specs"),
            if errors.len() == 1 { "it" } else { "them" }
        );
        return Ok(1);
    }
    let index_file = project.index_file.clone();
    let records: Vec<&SpecRecord> = records.iter().collect();
    let layout = Layout {
        workflow: &project.config.workflow,
        root: &project.repo.workdir,
        folder: index_file.parent().unwrap_or(&project.repo.workdir),
    };
    let content = index_file::render(&layout, &records);
    let shown = display_path(&index_file);
    let shown = shown.display();

    let current = match std::fs::read(&index_file) {
        Ok(bytes) => Some(bytes),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => None,
        Err(err) => {
            return Err(err).with_context(|| format!("cannot read {shown}"));
        }
    };
    let count = plural(records.len(), "spec", "specs");
    let json_path = project.repo.json_path(&index_file);
    let report = |state: &str| -> Result<()> {
        if args.json {
            let value = serde_json::json!({
                "path": json_path,
                "state": state,
                "specs": records.len(),
                "check": args.check,
            });
            println!("{}", serde_json::to_string_pretty(&value)?);
        }
        Ok(())
    };
    if args.check {
        let state = match &current {
            None => "missing",
            Some(current) if current == content.as_bytes() => "up-to-date",
            Some(_) => "out-of-date",
        };
        report(state)?;
        return Ok(match current {
            None => {
                errln!("{shown} does not exist: run git spec index to write it");
                1
            }
            Some(current) if current == content.as_bytes() => 0,
            Some(current) => {
                let line = first_difference(&current, content.as_bytes());
                errln!(
                    "{shown} is out of date (first difference at line {line}): run git spec index to update it"
                );
                1
            }
        });
    }
    match current {
        Some(current) if current == content.as_bytes() => {
            if args.json {
                report("unchanged")?;
            } else {
                outln!("{shown}: unchanged ({count})");
            }
        }
        existing => {
            if let Some(parent) = index_file.parent() {
                std::fs::create_dir_all(parent)
                    .with_context(|| format!("cannot create {}", parent.display()))?;
            }
            fsutil::replace(&index_file, content.as_bytes())?;
            let how = if existing.is_some() {
                "updated"
            } else {
                "created"
            };
            if args.json {
                report(how)?;
            } else {
                outln!("{shown}: {how} ({count})");
            }
        }
    }
    if merge_driver::named_but_undefined(&project) {
        errln!(
            "note: .gitattributes names the index merge driver, but this clone does not define it, \
             so git merges {shown} as text (and two branches that each add a spec conflict on it): \
             run `git spec index --install-merge-driver` once in this clone"
        );
    }
    Ok(0)
}

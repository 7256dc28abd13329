//! `git spec link <ID> --depends-on <ID>` and `git spec unlink …`: edit a
//! spec's relation lists in place, with a changelog entry.

use std::collections::BTreeSet;

use anyhow::{bail, Result};
use clap::Args;
use serde::Serialize;

use crate::catalog::{self, Catalog};
use crate::document::Document;
use crate::project::Project;
use crate::relations::{Graph, Kind};
use crate::repo::{display_path, unified_diff};
use crate::{clock, fsutil, lock};

#[derive(Debug, Args)]
#[command(after_help = "\
The relations are lists in the front matter, `depends-on: [SPEC-0003]` and
`supersedes: [SPEC-0001]`, edited in place (nothing else in the file changes but
`updated:` and one changelog entry per kind, such as `- DATE: Now depends on
SPEC-0003 by NAME`). `link` refuses an id that no spec has in the working tree or
on any branch, the spec itself, and a dependency that would close a circle;
linking what is already linked, or unlinking what is not, changes nothing. `show`
lists relations both ways, `graph` draws them, and `check` reports dangling ones,
cycles and dependencies on rejected, withdrawn or superseded specs.

To supersede a spec and move it to `superseded` in one step, use `git spec
supersede OLD --by NEW`.")]
pub struct LinkArgs {
    /// The spec whose relations change: 42, 0042 or SPEC-0042
    pub id: String,
    /// Specs it depends on (repeatable)
    #[arg(long = "depends-on", value_name = "ID")]
    pub depends_on: Vec<String>,
    /// Specs it supersedes (repeatable)
    #[arg(long, value_name = "ID")]
    pub supersedes: Vec<String>,
    /// Print the diff that would be applied; change nothing
    #[arg(long, short = 'n')]
    pub dry_run: bool,
    /// Commit the spec file (and only it) with `git commit`
    #[arg(long)]
    pub commit: bool,
    /// Print the result as JSON on stdout
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Serialize)]
struct Linked<'a> {
    id: &'a str,
    path: String,
    #[serde(rename = "depends-on")]
    depends_on: Vec<String>,
    supersedes: Vec<String>,
    changed: bool,
    dry_run: bool,
}

/// `link` (remove = false) and `unlink` (remove = true).
pub fn run(args: LinkArgs, remove: bool) -> Result<i32> {
    let command = if remove { "unlink" } else { "link" };
    if args.depends_on.is_empty() && args.supersedes.is_empty() {
        bail!("nothing to {command}: name at least one --depends-on ID or --supersedes ID");
    }
    let project = Project::open()?;
    let scheme = &project.scheme;
    let _lock = if args.dry_run {
        None
    } else {
        project
            .repo
            .ensure_no_operation_in_progress(&format!("git spec {command}"))?;
        Some(lock::edit_lock(&project.repo)?)
    };
    let (spec, document) = catalog::find(&project, &args.id)?;
    let spec_id = scheme.spec_id(spec.number);
    let relative = project.repo.relative_to_root(&spec.path);
    let shown_path = display_path(&spec.path).display().to_string();

    // The ids asked for, per kind, as numbers.
    let mut asked: Vec<(Kind, Vec<u64>)> = Vec::new();
    for (kind, inputs) in [
        (Kind::DependsOn, &args.depends_on),
        (Kind::Supersedes, &args.supersedes),
    ] {
        let mut numbers = Vec::new();
        for input in inputs {
            let number = scheme.parse(input).ok_or_else(|| {
                anyhow::anyhow!(
                    "--{} {input:?} is not a spec id: write it as 42, {} or {}",
                    kind.key(),
                    scheme.padded(42),
                    scheme.spec_id(42)
                )
            })?;
            if number == spec.number {
                let relation = match kind {
                    Kind::DependsOn => "depend on",
                    Kind::Supersedes => "supersede",
                };
                bail!("{spec_id} cannot {relation} itself; nothing was changed");
            }
            if !numbers.contains(&number) {
                numbers.push(number);
            }
        }
        if !numbers.is_empty() {
            asked.push((kind, numbers));
        }
    }

    if !remove {
        let catalog = Catalog::working_tree(&project)?;
        let here: BTreeSet<u64> = catalog.specs.iter().map(|s| s.record.number).collect();
        let missing: BTreeSet<u64> = asked
            .iter()
            .flat_map(|(_, numbers)| numbers.iter().copied())
            .filter(|n| !here.contains(n))
            .collect();
        let elsewhere = catalog::numbers_on_branches(&project, &missing)?;
        if let Some(unknown) = missing.iter().find(|n| !elsewhere.contains(n)) {
            bail!(
                "no spec is {} in the working tree or on any branch; nothing was changed",
                scheme.spec_id(*unknown)
            );
        }
        let graph = Graph::of(scheme, &catalog.specs);
        for (kind, numbers) in &asked {
            if *kind != Kind::DependsOn {
                continue;
            }
            for &target in numbers {
                if let Some(path) = graph.dependency_path(target, spec.number) {
                    let mut shown: Vec<String> = vec![spec_id.clone()];
                    shown.extend(path.iter().map(|&n| scheme.spec_id(n)));
                    bail!(
                        "{spec_id} cannot depend on {}: that would close a circle ({}); nothing was changed",
                        scheme.spec_id(target),
                        shown.join(" -> ")
                    );
                }
            }
        }
    }

    let name = project.repo.identity()?.name;
    let today = clock::today()?;
    let mut current = document.clone();
    let mut changed = false;
    for (kind, numbers) in &asked {
        // A mapping would be replaced, and what it said lost: the user
        // decides what it meant.
        if !current.is_list_like(kind.key()) {
            bail!(
                "{}:{}: `{}` is not a list of spec ids; write it like `{}: [{}]` first; nothing was changed",
                shown_path,
                current.line_of(kind.key()).unwrap_or(1),
                kind.key(),
                kind.key(),
                scheme.spec_id(42)
            );
        }
        let mut items = current.list(kind.key());
        let mut touched = Vec::new();
        for &number in numbers {
            let present = items.iter().any(|item| scheme.parse(item) == Some(number));
            match (present, remove) {
                (false, false) => {
                    items.push(scheme.spec_id(number));
                    touched.push(scheme.spec_id(number));
                }
                (true, true) => {
                    // Every way it is written (`SPEC-0001`, `1`), and twice.
                    items.retain(|item| scheme.parse(item) != Some(number));
                    touched.push(scheme.spec_id(number));
                }
                _ => {}
            }
        }
        if touched.is_empty() {
            continue;
        }
        let phrase = match (kind, remove) {
            (Kind::DependsOn, false) => "Now depends on",
            (Kind::DependsOn, true) => "No longer depends on",
            (Kind::Supersedes, false) => "Supersedes",
            (Kind::Supersedes, true) => "No longer supersedes",
        };
        let entry = format!("- {today}: {phrase} {} by {name}", touched.join(", "));
        let bytes = current.with_list_and_entry(kind.key(), &items, &today, &entry)?;
        current = Document::parse(&relative, &bytes)?;
        changed = true;
    }

    if changed && !args.dry_run {
        project.repo.ensure_not_conflicted(&relative)?;
        if args.commit {
            let identity = project.repo.identity()?;
            project.repo.ensure_can_commit(&identity, false)?;
        }
    }
    if args.dry_run {
        if !args.json {
            out!(
                "{}",
                unified_diff(document.bytes(), current.bytes(), &relative, &relative)?
            );
        }
    } else if changed {
        fsutil::replace_expected(&spec.path, document.bytes(), current.bytes())?;
        drop(_lock);
        if args.commit {
            let kept = format!(
                "{spec_id} was changed in {shown_path} but not committed: the change is kept in the working tree; fix what git reports, then commit it with `git commit -- {shown_path}`"
            );
            project.repo.git_commit(
                &[&relative],
                &format!("spec({spec_id}): {command}\n"),
                &kept,
            )?;
        }
    }
    if args.json {
        let out = Linked {
            id: &spec_id,
            path: project.repo.json_path(&spec.path),
            depends_on: current.list(Kind::DependsOn.key()),
            supersedes: current.list(Kind::Supersedes.key()),
            changed,
            dry_run: args.dry_run,
        };
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else if !changed {
        errln!(
            "{spec_id}: {}; nothing changed",
            if remove {
                "no such relation"
            } else {
                "already linked"
            }
        );
    } else if !args.dry_run {
        let list = |kind: Kind| {
            let items = current.list(kind.key());
            if items.is_empty() {
                "-".to_string()
            } else {
                items.join(", ")
            }
        };
        outln!(
            "{spec_id}: depends on {}; supersedes {}",
            list(Kind::DependsOn),
            list(Kind::Supersedes)
        );
    }
    Ok(0)
}

//! `git spec board`: a static site of every spec (a column per status, a
//! card per spec, a page per spec with its body, status timeline and
//! approvals), for a browser or any static host. The HTML is built by
//! [`crate::board`]; the folder is replaced whole by
//! [`crate::generated_dir`].

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use anyhow::{anyhow, Context, Result};
use clap::Args;

use crate::board::{self, BoardSpec};
use crate::catalog::{self, Broken, Catalog, Spec};
use crate::history::{self, Change, StatusHistory, WalkStart};
use crate::paths::Bounds;
use crate::project::Project;
use crate::repo::display_path;
use crate::term::plural;
use crate::{approval, generated_dir};

/// Where the site goes without `--out`, from the repository root.
pub const DEFAULT_OUT: &str = "spec-board";

#[derive(Debug, Args)]
#[command(after_help = "\
Writes index.html (one column per workflow status in workflow order, statuses the
workflow does not know last; one card per spec with id, title, owner, priority, tags,
updated date and task progress; filters by text, tag, owner and priority that work
from file://) and one page per spec (SPEC-0042.html: the spec rendered from Markdown,
its status timeline as `git spec log` shows it, its approvals, a link back).

The pages load nothing: no CDN, font or analytics, CSS and script inline. Everything
from the repository is escaped, raw HTML in a spec shows as text, and links other
than relative, http(s) and mailto are dropped. The output has no timestamp: the same
commit gives the same files.

--out must be inside the work tree and outside .git (symbolic links resolved), and
either not exist, be empty, or hold only what an earlier `git spec board` wrote there
(listed in its .git-spec-board manifest); anything else is refused and nothing is
written. Nothing is written outside it: each file goes through a temporary file
inside it renamed into place (never half a page), a page whose bytes did not
change is left as it is, and files the new site lacks are removed.

Exit status: 0; 1 when a spec cannot be parsed (the site is written without it and
each is reported as path:line: message).")]
pub struct BoardArgs {
    /// The folder to write, relative to the current directory
    /// [default: spec-board at the repository root]
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Also specs that exist only on other local or remote-tracking branches
    /// (read from their trees, no checkout), with the branch named
    #[arg(long, short)]
    pub all_branches: bool,
}

pub fn run(args: BoardArgs) -> Result<i32> {
    let project = Project::open()?;
    let out_dir = out_folder(&project, args.out.as_deref())?;

    let catalog = Catalog::working_tree(&project)?;
    let mut broken: Vec<Broken> = catalog
        .errors
        .into_iter()
        .map(|error| Broken {
            branch: None,
            error,
        })
        .collect();
    let mut specs: Vec<Spec> = catalog.specs;
    if args.all_branches {
        let records: Vec<_> = specs.iter().map(|s| s.record.clone()).collect();
        let (more, errors) = catalog::branch_catalog(&project, &records, &broken)?;
        specs.extend(more);
        broken.extend(errors);
    }

    let timelines = timelines(&project, &specs)?;
    let ids: Vec<String> = specs
        .iter()
        .map(|s| project.scheme.spec_id(s.record.number))
        .collect();
    let pages = board::page_names(&ids);
    let approvals = crate::parallel::map(&specs, 256, |spec| {
        approval::approvals(&spec.document, &project.config.approval)
    });
    let mut relations =
        crate::relations::Graph::of(&project.scheme, &specs).both_ways(&project.scheme);
    let board_specs: Vec<BoardSpec<'_>> = specs
        .iter()
        .zip(timelines)
        .zip(pages)
        .zip(approvals)
        .map(|(((spec, timeline), page), approvals)| BoardSpec {
            record: &spec.record,
            body: spec.document.body(),
            approvals,
            relations: relations.remove(&spec.record.number).unwrap_or_default(),
            timeline,
            page,
        })
        .collect();
    let files = board::site(&project.config.workflow, &board_specs);
    generated_dir::replace_folder(&out_dir, &files, "--out")?;

    outln!(
        "{}/index.html: {} ({} pages)",
        display_path(&out_dir).display(),
        plural(board_specs.len(), "spec", "specs"),
        files.len()
    );
    for item in &broken {
        errln!("{item}");
    }
    if !broken.is_empty() {
        errln!(
            "error: {} left off the board: fix {} (git spec check shows every problem)",
            plural(
                broken.len(),
                "spec that cannot be parsed was",
                "specs that cannot be parsed were"
            ),
            if broken.len() == 1 { "it" } else { "them" }
        );
        return Ok(1);
    }
    Ok(0)
}

/// `--out` (relative to the current directory) as a path inside the work
/// tree, through the same checks as every path from `.specrc`: no `.git`,
/// nothing outside, symbolic links followed.
fn out_folder(project: &Project, out: Option<&Path>) -> Result<PathBuf> {
    let bounds = Bounds::of(&project.repo);
    let Some(out) = out else {
        return bounds.inside(DEFAULT_OUT, "--out");
    };
    let root = &project.repo.workdir;
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let absolute = lexically_normal(&cwd.join(out));
    let real_root = root.canonicalize().unwrap_or_else(|_| root.clone());
    let relative = absolute
        .strip_prefix(root)
        .or_else(|_| absolute.strip_prefix(&real_root))
        .map_err(|_| {
            anyhow!(
                "--out {:?} is outside the work tree {}: git spec board writes only inside the repository; \
                 give --out a folder inside it, such as {DEFAULT_OUT}",
                out.display().to_string(),
                root.display()
            )
        })?;
    let relative = relative.to_str().ok_or_else(|| {
        anyhow!(
            "--out {:?} is not valid UTF-8: give --out a folder with a UTF-8 name",
            out.display().to_string()
        )
    })?;
    bounds.inside(relative, "--out")
}

/// `path` with `.` and `..` parts resolved as text (a `..` above the root
/// stays at the root).
fn lexically_normal(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Each spec's status timeline, as `git spec log` computes it: from HEAD
/// for the working tree's specs, from its branch's tip for the others. A
/// spec that is not committed there has none. All walks run together.
fn timelines(project: &Project, specs: &[Spec]) -> Result<Vec<Vec<Change>>> {
    let git = &project.repo.git;
    let head = project.repo.head_commit()?;
    let head_tree = head.as_ref().map(|c| c.tree()).transpose()?;
    let tips: HashMap<String, git2::Oid> = if specs.iter().any(|s| s.record.branch.is_some()) {
        catalog::branch_tips(project)?.into_iter().collect()
    } else {
        HashMap::new()
    };
    // Where the working tree's specs are in HEAD, all in one read.
    let in_head: Vec<Option<String>> = match &head_tree {
        Some(tree) => {
            let asked: Vec<(&str, u64)> = specs
                .iter()
                .filter(|s| s.record.branch.is_none())
                .map(|s| (s.record.path.as_str(), s.record.number))
                .collect();
            history::paths_in_tree(project, tree, &asked)?
        }
        None => Vec::new(),
    };
    let mut in_head = in_head.into_iter();
    // (index into specs, where its walk starts)
    let mut starts: Vec<(usize, WalkStart)> = Vec::new();
    for (index, spec) in specs.iter().enumerate() {
        let record = &spec.record;
        let start = match &record.branch {
            None => match (&head, in_head.next().flatten()) {
                (Some(head), Some(path)) => Some(WalkStart {
                    commit: head.id(),
                    path,
                    number: record.number,
                }),
                _ => None,
            },
            Some(branch) => tips
                .get(branch)
                .filter(|tip| git.find_commit(**tip).is_ok())
                .map(|tip| WalkStart {
                    commit: *tip,
                    path: record.path.clone(),
                    number: record.number,
                }),
        };
        if let Some(start) = start {
            starts.push((index, start));
        }
    }
    let history = StatusHistory {
        project,
        git,
        // Only `changes` reads it; each walk start has its own number.
        number: 0,
        dir: history::slash_path(Path::new(&project.config.dir)),
    };
    let walks: Vec<WalkStart> = starts.iter().map(|(_, s)| s.clone()).collect();
    let changes = history
        .changes_of_many(&walks)
        .context("cannot read the specs' history")?;
    let mut timelines = vec![Vec::new(); specs.len()];
    for ((index, _), (changes, _truncated)) in starts.iter().zip(changes) {
        timelines[*index] = changes;
    }
    Ok(timelines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dots_are_resolved_as_text() {
        assert_eq!(
            lexically_normal(Path::new("/r/a/./b/../c")),
            PathBuf::from("/r/a/c")
        );
        assert_eq!(
            lexically_normal(Path::new("/r/../../x")),
            PathBuf::from("/x")
        );
    }
}

//! `git spec init`: write `.specrc` and `templates/spec.md` for the team to
//! customise (never overwriting either), register the index's merge
//! driver (a line added to `.gitattributes`, the command in the clone's
//! git config), and add `spec-board/` (what `git spec board` writes by
//! default) to `.gitignore`, keeping every line already there.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;

use crate::merge_driver::{self, Change};
use crate::paths::Bounds;
use crate::project::Project;
use crate::repo::{display_path, Repo};
use crate::{config, fsutil, template};

/// Where `init` puts the editable copy of the built-in template.
pub const TEMPLATE_PATH: &str = "templates/spec.md";

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Also install the pre-commit hook (see `git spec hook install`)
    #[arg(long)]
    pub hook: bool,
    /// Print {"written": [paths from the root]} as JSON on stdout
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: InitArgs) -> Result<i32> {
    if args.hook && args.json {
        anyhow::bail!(
            "--hook prints what it installed, which --json cannot hold: leave out --json, or run `git spec hook install` afterwards"
        );
    }
    let repo = Repo::open()?;
    repo.ensure_no_operation_in_progress("git spec init")?;
    // The written .specrc points at the written template, so that editing
    // templates/spec.md takes effect; every other line is the example's.
    let specrc = config::EXAMPLE.replacen(
        "template = \"\"",
        &format!("template = \"{TEMPLATE_PATH}\""),
        1,
    );
    // A committed `templates -> ../outside` link must not make init
    // write outside the work tree: both paths are checked first.
    let bounds = Bounds::of(&repo);
    let files = [
        (bounds.inside(config::FILE_NAME, config::FILE_NAME)?, specrc),
        (
            bounds.inside(TEMPLATE_PATH, TEMPLATE_PATH)?,
            template::BUILT_IN.to_string(),
        ),
    ];
    // And the .gitattributes that the merge driver's install edits.
    let attributes_path = merge_driver::attributes_path(&bounds)?;
    // The configuration in effect afterwards (the existing .specrc, or
    // the one written here) must be usable before anything is written:
    // a committed `specs -> ../outside` link or a hostile .specrc is
    // refused up front, not after .specrc and the template are created.
    let existing = config::Config::load(&repo.workdir, &bounds)?;
    let (in_effect, from) = match existing.path {
        Some(path) => (existing.config, path),
        None => {
            let path = files[0].0.clone();
            (config::Config::parse(&files[0].1, &path)?, path)
        }
    };
    crate::project::Paths::check(&bounds, &in_effect, Some(&from))?;
    let mut written = Vec::new();
    for (path, content) in files {
        let shown = display_path(&path);
        if path.symlink_metadata().is_ok() {
            errln!("{} exists; left unchanged", shown.display());
            continue;
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        fsutil::write_new(&path, content.as_bytes())?;
        written.push(path);
    }
    written.extend(ignore_board_output(&bounds)?);
    // Reading the result back proves the pair works together.
    let project = Project::open()?;
    // So that two branches that each add a spec merge their index cleanly.
    let installed = merge_driver::install(&project)?;
    let attributes = installed.attributes_file.display();
    match installed.attributes {
        Change::Unchanged => {
            errln!("{attributes} already names the index merge driver; left unchanged")
        }
        Change::Created | Change::Updated => written.push(attributes_path.clone()),
    }
    if args.json {
        let paths: Vec<String> = written.iter().map(|p| repo.json_path(p)).collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({ "written": paths }))?
        );
    } else {
        for path in &written {
            outln!("{}", display_path(path).display());
        }
    }
    if installed.config != Change::Unchanged {
        errln!(
            "defined the index merge driver in this clone's git config ({})",
            installed.config_key
        );
    }
    if installed.attributes != Change::Unchanged {
        errln!("{}", merge_driver::COMMIT_NOTE);
    }
    if args.hook {
        crate::commands::hook::install(&repo)?;
    } else {
        errln!("tip: `git spec hook install` (or `git spec init --hook`) records hand-edited statuses in the changelog on commit");
    }
    Ok(0)
}

/// The line `init` adds to `.gitignore`: generated output is not committed.
const BOARD_IGNORE: &str = "/spec-board/";

/// Adds [`BOARD_IGNORE`] to `.gitignore` (creating it if needed) unless a
/// line already ignores the board's folder. The file is otherwise kept
/// byte for byte: the line is appended, after a newline if the last line
/// has none.
fn ignore_board_output(bounds: &Bounds) -> Result<Option<PathBuf>> {
    let path = bounds.inside(".gitignore", ".gitignore")?;
    let shown = display_path(&path);
    let current = match std::fs::read(&path) {
        Ok(bytes) => Some(bytes),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => None,
        Err(err) => return Err(err).with_context(|| format!("cannot read {}", shown.display())),
    };
    let text = String::from_utf8_lossy(current.as_deref().unwrap_or_default());
    let ignored = text.lines().any(|line| {
        let line = line.trim();
        let line = line.strip_prefix('/').unwrap_or(line);
        let line = line.strip_suffix('/').unwrap_or(line);
        line == crate::commands::board::DEFAULT_OUT
    });
    if ignored {
        return Ok(None);
    }
    match current {
        None => fsutil::write_new(&path, format!("{BOARD_IGNORE}\n").as_bytes())?,
        Some(bytes) => {
            let mut content = bytes.clone();
            if !content.is_empty() && !content.ends_with(b"\n") {
                content.push(b'\n');
            }
            content.extend_from_slice(BOARD_IGNORE.as_bytes());
            content.push(b'\n');
            fsutil::replace_expected(&path, &bytes, &content)?;
        }
    }
    Ok(Some(path))
}

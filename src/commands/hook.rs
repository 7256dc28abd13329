//! `git spec hook install|uninstall|status|run`: the pre-commit hook that
//! records hand-edited status changes in the changelog.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand, ValueEnum};

use crate::fsutil;
use crate::hook::{self, Outcome};
use crate::hook_file;
use crate::hook_managers;
use crate::project::Project;
use crate::repo::{display_path, Repo};

#[derive(Debug, Args)]
pub struct HookArgs {
    #[command(subcommand)]
    pub action: HookAction,
}

#[derive(Debug, Subcommand)]
pub enum HookAction {
    /// Add the pre-commit hook (to core.hooksPath if set, else .git/hooks), keeping any existing
    /// hook; under husky, lefthook or pre-commit, print the snippet for its configuration instead
    Install,
    /// Remove exactly what `install` added
    Uninstall,
    /// Say what would run git-spec on a commit (exit 1 when nothing would), hook managers included
    Status(StatusArgs),
    /// Run a hook now (this is what the installed hook calls)
    Run(RunArgs),
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Print {"runs_git_spec", "path", "manager", "config", "binary", "others"} as JSON
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The hook to run
    pub hook: HookName,
    /// Only check: report missing changelog entries and fail, change nothing
    /// (for the pre-commit framework, which forbids hooks that modify files)
    #[arg(long)]
    pub check: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum HookName {
    PreCommit,
}

pub fn run(args: HookArgs) -> Result<i32> {
    match args.action {
        HookAction::Install => install(&Repo::open()?),
        HookAction::Uninstall => uninstall(&Repo::open()?),
        HookAction::Status(args) => status(&Repo::open()?, args.json),
        HookAction::Run(run) => run_hook(&run),
    }
}

fn hook_path(repo: &Repo) -> Result<PathBuf> {
    Ok(hook_file::hooks_dir(repo)?.join("pre-commit"))
}

pub fn install(repo: &Repo) -> Result<i32> {
    let path = hook_path(repo)?;
    let shown = display_path(&path);
    // A hook manager regenerates the file: our block would be dropped at
    // its next run, so its own configuration is where git-spec goes.
    if let Some(found) = hook_managers::detect(repo, &path) {
        if hook_file::has_block(&std::fs::read_to_string(&path).unwrap_or_default()) {
            errln!(
                "note: {} holds a git-spec block, but {} generates that file and will drop it",
                shown.display(),
                found.manager.name()
            );
        }
        if found.runs_git_spec {
            outln!(
                "{} manages this repository's hooks, and {} already runs git-spec; nothing to install",
                found.manager.name(),
                display_path(&found.config).display()
            );
        } else {
            outln!(
                "{} manages this repository's hooks and regenerates {}, so git-spec wrote nothing there; {}",
                found.manager.name(),
                shown.display(),
                found.manager.snippet()
            );
        }
        return Ok(0);
    }
    let binary = std::env::current_exe()
        .and_then(|p| p.canonicalize())
        .context("cannot tell where the git-spec binary is")?;
    let block = hook_file::block(&binary);
    let chain_hint = "To run both, call git-spec from it: add the command\n  git spec hook run pre-commit\nand fail the hook when it fails.";
    if path
        .symlink_metadata()
        .is_ok_and(|m| m.file_type().is_symlink())
    {
        bail!(
            "{} is a symbolic link, probably to a script shared with other repositories, so git-spec will not edit it.\n{chain_hint}",
            shown.display()
        );
    }
    let existing = match std::fs::read(&path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => Some(text),
            Err(_) => bail!(
                "{} is not a UTF-8 text script (a compiled program, or another encoding), so git-spec will not edit it.\n{chain_hint}",
                shown.display()
            ),
        },
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => None,
        Err(err) => return Err(err).with_context(|| format!("cannot read {}", shown.display())),
    };
    let text = match existing.as_deref() {
        Some(text) if text.contains(&block) => {
            outln!(
                "the git-spec pre-commit hook is already installed in {}",
                shown.display()
            );
            return Ok(0);
        }
        // An older block (say, another binary path) is replaced in place.
        Some(text) if hook_file::has_block(text) => {
            let rest = hook_file::without_block(text);
            hook_file::with_block(rest.as_deref(), &block)
        }
        Some(text) if !hook_file::is_shell_script(text) => bail!(
            "{} exists and is not a shell script, so git-spec will not edit it.\n{chain_hint}",
            shown.display()
        ),
        other => hook_file::with_block(other, &block),
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let was_disabled = existing.is_some() && !is_executable(&path);
    fsutil::replace(&path, text.as_bytes())?;
    if was_disabled {
        // The user switched the hook off with chmod -x; that stays their call.
        errln!(
            "note: {} is not executable, so git does not run it (nor git-spec's part); `chmod +x` it to turn it on",
            shown.display()
        );
    } else {
        make_executable(&path)?;
    }
    outln!(
        "installed the git-spec pre-commit hook in {}",
        shown.display()
    );
    if repo.config_string("core.hooksPath").is_some() {
        errln!(
            "note: core.hooksPath is set; if a hook manager (lefthook, husky) generates that folder, \
             add `git spec hook run pre-commit` to its configuration instead (see the README)"
        );
    }
    Ok(0)
}

fn uninstall(repo: &Repo) -> Result<i32> {
    let path = hook_path(repo)?;
    let shown = display_path(&path);
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    if hook_file::has_block(&text)
        && path
            .symlink_metadata()
            .is_ok_and(|m| m.file_type().is_symlink())
    {
        // Install never writes through a link, so the block came with the
        // script the link points at, which other repositories may share.
        let target = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
        bail!(
            "{} is a symbolic link to {}, which holds the git-spec block; git-spec will not edit a script that other repositories may share.\n\
             Remove the link (rm '{}') to stop running it here, or remove the block from {} by hand.",
            shown.display(),
            target.display(),
            shown.display(),
            target.display()
        );
    }
    if !hook_file::has_block(&text) {
        outln!(
            "the git-spec pre-commit hook is not installed in {}",
            shown.display()
        );
        return Ok(0);
    }
    match hook_file::without_block(&text) {
        Some(rest) => {
            fsutil::replace(&path, rest.as_bytes())?;
            outln!(
                "removed the git-spec block from {}; the rest of the hook stays",
                shown.display()
            );
        }
        None => {
            std::fs::remove_file(&path)
                .with_context(|| format!("cannot remove {}", shown.display()))?;
            outln!("removed {}", shown.display());
        }
    }
    Ok(0)
}

/// What `hook status` found.
#[derive(Debug, serde::Serialize)]
struct HookState {
    /// Whether a commit would run git-spec.
    runs_git_spec: bool,
    /// The hook file git runs, from the repository root when inside it.
    path: String,
    /// The hook manager that owns it, if any (husky, lefthook, pre-commit).
    manager: Option<&'static str>,
    /// The manager's configuration file.
    config: Option<String>,
    /// The binary our block calls.
    binary: Option<String>,
    /// Whether the hook file runs other commands too.
    others: bool,
}

/// What would run git-spec on a commit; exit 1 when nothing would.
fn status(repo: &Repo, json: bool) -> Result<i32> {
    let path = hook_path(repo)?;
    let shown = display_path(&path);
    let mut state = HookState {
        runs_git_spec: false,
        path: repo.json_path(&path),
        manager: None,
        config: None,
        binary: None,
        others: false,
    };
    let mut lines = Vec::new();
    if let Some(found) = hook_managers::detect(repo, &path) {
        let config = display_path(&found.config);
        state.manager = Some(match found.manager {
            hook_managers::Manager::Husky => "husky",
            hook_managers::Manager::Lefthook => "lefthook",
            hook_managers::Manager::PreCommit => "pre-commit",
        });
        state.config = Some(repo.json_path(&found.config));
        state.runs_git_spec = found.runs_git_spec;
        if found.runs_git_spec {
            lines.push(format!(
                "managed by {}: {} runs git spec hook run pre-commit",
                found.manager.name(),
                config.display()
            ));
        } else {
            lines.push(format!(
                "not installed: {} manages the hooks and {} does not run git-spec; {}",
                found.manager.name(),
                config.display(),
                found.manager.snippet()
            ));
        }
    } else {
        match std::fs::read_to_string(&path).ok().as_deref() {
            None => lines.push(format!(
                "not installed: {} does not exist (run `git spec hook install`)",
                shown.display()
            )),
            Some(text) if !hook_file::has_block(text) => lines.push(format!(
                "not installed: {} exists without the git-spec block (run `git spec hook install`)",
                shown.display()
            )),
            Some(text) => {
                let binary = text
                    .lines()
                    .find_map(|line| line.strip_prefix("git_spec_bin="))
                    .map(|quoted| quoted.trim_matches('\'').replace("'\\''", "'"))
                    .unwrap_or_default();
                state.runs_git_spec = true;
                state.others = hook_file::without_block(text).is_some();
                lines.push(format!("installed in {}", shown.display()));
                if Path::new(&binary).is_file() {
                    lines.push(format!("calls {binary}"));
                } else {
                    lines.push(format!("calls {binary}, which no longer exists: the hook falls back to git-spec on PATH; run `git spec hook install` again"));
                }
                if state.others {
                    lines.push("the hook also runs other commands, which keep running".into());
                }
                state.binary = Some(binary);
            }
        }
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&state)?);
    } else {
        for line in &lines {
            outln!("{line}");
        }
    }
    Ok(i32::from(!state.runs_git_spec))
}

fn run_hook(args: &RunArgs) -> Result<i32> {
    match args.hook {
        HookName::PreCommit => {
            let project = Project::open()?;
            let outcomes = hook::pre_commit(&project, !args.check)?;
            let mut missing = false;
            for outcome in &outcomes {
                match outcome {
                    Outcome::Recorded { path, entry } => {
                        errln!("git-spec: {}: recorded \"{entry}\"", path.display())
                    }
                    Outcome::Missing { path, from, to } => {
                        missing = true;
                        errln!(
                            "git-spec: {}: status changed from {from} to {to} without a changelog entry; \
                             `git spec check --fix` appends it (then `git add` the spec), and `git spec hook install` \
                             installs the hook that does so on every commit",
                            path.display()
                        );
                    }
                }
            }
            Ok(if missing { 1 } else { 0 })
        }
    }
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(_path: &Path) -> bool {
    true
}

#[cfg(unix)]
fn make_executable(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mut permissions = std::fs::metadata(path)?.permissions();
    permissions.set_mode(permissions.mode() | 0o755);
    std::fs::set_permissions(path, permissions)
        .with_context(|| format!("cannot make {} executable", path.display()))
}

#[cfg(not(unix))]
fn make_executable(_path: &Path) -> Result<()> {
    Ok(())
}

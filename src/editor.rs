//! Opening a file in the user's editor, chosen the way git chooses it.

use std::path::Path;
use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::repo::Repo;

/// `$GIT_EDITOR`, then `core.editor`, then `$VISUAL` (unless the terminal
/// is dumb), then `$EDITOR`, then `vi` — git's own order (`git var
/// GIT_EDITOR`).
pub fn choose(repo: &Repo) -> Result<String> {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    let dumb = std::env::var("TERM").map_or(true, |term| term == "dumb");
    let chosen = env("GIT_EDITOR")
        .or_else(|| repo.config_string("core.editor"))
        .or_else(|| if dumb { None } else { env("VISUAL") })
        .or_else(|| env("EDITOR"));
    match chosen {
        Some(editor) => Ok(editor),
        None if dumb => bail!(
            "the terminal is dumb and no editor is set: set GIT_EDITOR, core.editor or EDITOR"
        ),
        None => Ok("vi".to_string()),
    }
}

/// Runs the editor on `path` and waits for it. Like git, the editor value
/// is a shell snippet (it may carry arguments, e.g. `code --wait`), so it
/// runs through `sh` with the path passed as a separate argument.
pub fn edit(repo: &Repo, path: &Path) -> Result<()> {
    let editor = choose(repo)?;
    let status = Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$@\""))
        .arg(&editor)
        .arg(path)
        .status()
        .with_context(|| format!("cannot start the editor {editor:?}"))?;
    if !status.success() {
        bail!("the editor {editor:?} exited with {status}");
    }
    Ok(())
}

//! The pre-commit hook file: where git looks for it, and our marked block
//! inside it. The block is added to an existing shell hook rather than
//! replacing it, so the team's own hook keeps running.

use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::repo::Repo;

pub const BEGIN: &str = "# >>> git-spec pre-commit >>>";
pub const END: &str = "# <<< git-spec pre-commit <<<";
/// Inside the block when install also wrote the `#!/bin/sh` line above it
/// (the hook had none), so that uninstall takes that line away too.
const ADDED_SHEBANG: &str = "# (git-spec also added the #!/bin/sh line above)";

/// The folder git runs hooks from: `core.hooksPath` (a relative one is
/// relative to the working-tree root, `~/` is the home folder), else the
/// common git dir's `hooks/`, which linked worktrees share.
pub fn hooks_dir(repo: &Repo) -> Result<PathBuf> {
    match repo.config_string("core.hooksPath") {
        Some(path) => {
            let path = match path.strip_prefix("~/") {
                Some(rest) => std::env::var_os("HOME")
                    .map(PathBuf::from)
                    .unwrap_or_default()
                    .join(rest),
                None => PathBuf::from(path),
            };
            Ok(if path.is_absolute() {
                path
            } else {
                repo.workdir.join(path)
            })
        }
        None => Ok(repo.common_dir().join("hooks")),
    }
}

/// Our block, calling the binary by the absolute path known now and
/// falling back to PATH: GUI clients run hooks with a minimal PATH.
pub fn block(binary: &Path) -> String {
    let quoted = shell_quote(&binary.display().to_string());
    format!(
        "{BEGIN}\n\
         # Added by `git spec hook install`; `git spec hook uninstall` removes it.\n\
         git_spec_bin={quoted}\n\
         if [ -x \"$git_spec_bin\" ]; then\n\
         \x20   \"$git_spec_bin\" hook run pre-commit || exit $?\n\
         elif command -v git-spec >/dev/null 2>&1; then\n\
         \x20   git-spec hook run pre-commit || exit $?\n\
         else\n\
         \x20   echo \"git-spec pre-commit hook: git-spec is neither at $git_spec_bin nor on PATH.\" >&2\n\
         \x20   echo \"Install it again and run 'git spec hook install', or skip the hook once with 'git commit --no-verify'.\" >&2\n\
         \x20   exit 1\n\
         fi\n\
         {END}\n"
    )
}

/// `text` as one single-quoted shell word.
pub fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

/// Whether a hook's text is a shell script we can add lines to.
pub fn is_shell_script(text: &str) -> bool {
    let first = text.lines().next().unwrap_or("");
    let Some(interpreter) = first.strip_prefix("#!") else {
        // No shebang: git runs it with sh.
        return !text.as_bytes().contains(&0);
    };
    let mut words = interpreter.split_whitespace();
    let program = words.next().unwrap_or("");
    let program = if program.ends_with("/env") {
        words.next().unwrap_or("")
    } else {
        program
    };
    let name = program.rsplit('/').next().unwrap_or("");
    matches!(name, "sh" | "bash" | "dash" | "zsh" | "ksh" | "ash")
}

pub fn has_block(text: &str) -> bool {
    text.lines().any(|line| line == BEGIN)
}

/// The hook with our block placed right after the shebang line, so that it
/// runs even if the rest of the script ends with `exit 0`.
pub fn with_block(existing: Option<&str>, block: &str) -> String {
    match existing {
        None => format!("#!/bin/sh\n{block}"),
        Some(text) if text.starts_with("#!") => {
            let (shebang, rest) = match text.find('\n') {
                Some(end) => text.split_at(end + 1),
                None => (text, ""),
            };
            let shebang = if shebang.ends_with('\n') {
                shebang.to_string()
            } else {
                format!("{shebang}\n")
            };
            format!("{shebang}{block}{rest}")
        }
        Some(text) => {
            let flagged = block.replacen('\n', &format!("\n{ADDED_SHEBANG}\n"), 1);
            format!("#!/bin/sh\n{flagged}{text}")
        }
    }
}

/// The hook without our block; None when nothing else would be left.
pub fn without_block(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut inside = false;
    let mut added_shebang = false;
    for line in text.split_inclusive('\n') {
        let bare = line.trim_end_matches(['\n', '\r']);
        if inside && bare == ADDED_SHEBANG {
            added_shebang = true;
        } else if bare == BEGIN {
            inside = true;
        } else if bare == END && inside {
            inside = false;
        } else if !inside {
            out.push_str(line);
        }
    }
    if added_shebang {
        if let Some(rest) = out.strip_prefix("#!/bin/sh\n") {
            out = rest.to_string();
        }
    }
    let meaningful = out
        .lines()
        .any(|line| !line.trim().is_empty() && !line.starts_with("#!"));
    meaningful.then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adds_after_shebang_and_removes_exactly() {
        let existing = "#!/bin/bash\necho mine\nexit 0\n";
        let block = block(Path::new("/usr/bin/git-spec"));
        let installed = with_block(Some(existing), &block);
        assert!(
            installed.starts_with("#!/bin/bash\n# >>> git-spec"),
            "{installed}"
        );
        assert!(installed.ends_with("echo mine\nexit 0\n"));
        assert!(has_block(&installed));
        assert_eq!(without_block(&installed).as_deref(), Some(existing));
        assert_eq!(without_block(&with_block(None, &block)), None);
        let bare = "echo mine\n";
        assert_eq!(
            without_block(&with_block(Some(bare), &block)).as_deref(),
            Some(bare)
        );
    }

    #[test]
    fn recognises_shell_scripts() {
        assert!(is_shell_script("#!/bin/sh\n"));
        assert!(is_shell_script("#!/usr/bin/env bash\n"));
        assert!(is_shell_script("echo no shebang\n"));
        assert!(!is_shell_script("#!/usr/bin/env python3\n"));
        assert!(!is_shell_script("#!/usr/bin/node\n"));
    }

    #[test]
    fn quotes_paths() {
        assert_eq!(shell_quote("/a b/it's"), "'/a b/it'\\''s'");
    }
}

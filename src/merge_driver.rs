//! The merge driver that keeps the index file from conflicting when two
//! branches each add a spec: its registration, and the merge git runs.
//!
//! Registration has two halves, and the split is the trust model: a line
//! in `.gitattributes` (repository content, committed and shared) can only
//! *name* a driver for the index file; the command that driver runs is
//! defined in this clone's own git config, which no repository can write.
//! A clone that has not defined it merges the index as plain text.
//!
//! git runs the driver while merge-ort computes the result in memory,
//! before the working tree is updated (checked on git 2.47: the specs the
//! other side added are not on disk yet, and MERGE_HEAD is not written),
//! so the driver cannot regenerate the index from the merged specs.
//! Instead it merges the three versions of the index row by row (see
//! [`crate::index_file::merge`]): each row is a function of one spec's
//! record, so the merged rows are the merged records' rows.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};

use crate::fsutil;
use crate::index_file;
use crate::paths::{lexically_inside, Bounds};
use crate::project::Project;
use crate::repo::display_path;

/// The driver's name in `.gitattributes` and in `merge.<name>.*`.
pub const NAME: &str = "git-spec-index";

/// The attributes file `install` edits: the one at the work tree's root.
const ATTRIBUTES_FILE: &str = ".gitattributes";

/// The files git hands the driver: `%O %A %B %P`.
pub struct DriverFiles<'a> {
    /// The common ancestor's version (empty when both sides added it).
    pub base: &'a Path,
    /// Our version; the merged result is written here, and nowhere else.
    pub ours: &'a Path,
    pub theirs: &'a Path,
    /// The path of the file being merged, relative to the work tree.
    pub path: &'a Path,
}

/// Merges the index as git's merge driver: writes the merged index into
/// `files.ours` and returns 0, or returns 1 (a conflict for git to
/// report) with `files.ours` untouched when a row changed on both sides
/// differently or a version is not an index git spec wrote. Bad
/// arguments are errors, and nothing is written then either.
pub fn merge(project: &Project, files: &DriverFiles<'_>) -> Result<i32> {
    let index = index_relative(project)?;
    let path = files.path.to_string_lossy();
    let given = lexically_inside(&path, "PATH").map_err(|err| {
        anyhow!(
            "git spec index --merge-driver: PATH {path:?} is not a file of the work tree ({err:#}); nothing was written"
        )
    })?;
    if given != index {
        bail!(
            "git spec index --merge-driver merges only the index file ({} per `index.file` in .specrc), not {path:?}: \
             a `merge={NAME}` line in .gitattributes names another file; remove that line; nothing was written",
            index.display()
        );
    }
    let bounds = Bounds::of(&project.repo);
    let mut texts = Vec::new();
    for (role, side, file) in [
        ("BASE", "the common ancestor's", files.base),
        ("OURS", "your side's", files.ours),
        ("THEIRS", "the other side's", files.theirs),
    ] {
        let file = bounds.existing_file(file).map_err(|err| {
            anyhow!(
                "git spec index --merge-driver: {role} {}: {err}; nothing was written",
                file.display()
            )
        })?;
        let bytes = std::fs::read(&file)
            .with_context(|| format!("cannot read {role} {}", file.display()))?;
        let text = String::from_utf8(bytes).map_err(|_| {
            anyhow!(
                "git spec index --merge-driver: {role} {} is not UTF-8 text; nothing was written",
                file.display()
            )
        })?;
        texts.push((side, file, text));
    }
    let shown = index.display();
    let how_to_resolve = format!(
        "{shown} is left as on your side and git reports it as conflicted: \
         resolve the specs, then run `git spec index` and `git add {shown}`"
    );
    let workflow = &project.config.workflow;
    let mut versions = Vec::new();
    for (side, _, text) in &texts {
        match index_file::parse(text, workflow, &project.scheme) {
            Ok(rows) => versions.push(rows),
            Err(err) => {
                errln!(
                    "git spec: cannot merge {shown}: {side} version is not an index as `git spec index` writes it ({err})"
                );
                errln!("git spec: {how_to_resolve}");
                return Ok(1);
            }
        }
    }
    match index_file::merge(workflow, &versions[0], &versions[1], &versions[2]) {
        Ok(merged) => {
            fsutil::replace(&texts[1].1, merged.as_bytes())?;
            Ok(0)
        }
        Err(conflicts) => {
            for conflict in conflicts {
                errln!(
                    "git spec: cannot merge {shown}: the row of {} ({}) was {}",
                    conflict.id,
                    conflict.target,
                    conflict.what
                );
            }
            errln!("git spec: {how_to_resolve}");
            Ok(1)
        }
    }
}

/// `index.file` as a path relative to the root.
fn index_relative(project: &Project) -> Result<PathBuf> {
    lexically_inside(&project.config.index.file, "index.file")
}

/// The index file as a `.gitattributes` pattern: anchored at the root
/// (a bare `README.md` would match in every folder), glob characters
/// escaped, C-quoted when it holds a space or a quote.
fn attributes_pattern(relative: &str) -> String {
    let mut pattern = String::from("/");
    for c in relative.chars() {
        if matches!(c, '*' | '?' | '[' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    if pattern.chars().any(|c| c.is_whitespace() || c == '"') {
        format!("\"{}\"", pattern.replace('\\', "\\\\").replace('"', "\\\""))
    } else {
        pattern
    }
}

/// The command git runs, by the binary's absolute path: GUI clients run
/// git with a minimal PATH.
fn driver_command() -> Result<String> {
    let binary = std::env::current_exe()
        .and_then(|p| p.canonicalize())
        .context("cannot tell where the git-spec binary is")?;
    Ok(format!(
        "{} index --merge-driver %O %A %B %P",
        crate::hook_file::shell_quote(&binary.display().to_string())
    ))
}

/// What [`install`] did.
pub struct Installed {
    /// The root's `.gitattributes`, as shown to the user.
    pub attributes_file: PathBuf,
    /// The line naming the driver for the index file.
    pub line: String,
    pub attributes: Change,
    /// `merge.git-spec-index.driver`.
    pub config_key: String,
    pub config: Change,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// It was already so.
    Unchanged,
    /// Written where there was nothing.
    Created,
    /// Added to or replacing what was there (which is kept, for a file).
    Updated,
}

/// Registers the driver: the `.gitattributes` line (appended, keeping the
/// file's bytes, unless git already gives the index file the driver from
/// it) and `merge.git-spec-index.*` in this clone's config; then asks git
/// whether the index file really gets the driver. Running it again
/// changes nothing.
pub fn install(project: &Project) -> Result<Installed> {
    let index = index_relative(project)?;
    let index_slashed = index.to_string_lossy().replace('\\', "/");
    let line = format!("{} merge={NAME}", attributes_pattern(&index_slashed));
    let attributes_file = attributes_path(&Bounds::of(&project.repo))?;
    let shown = display_path(&attributes_file);

    let existing = match std::fs::read(&attributes_file) {
        Ok(bytes) => Some(bytes),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => None,
        Err(err) => return Err(err).with_context(|| format!("cannot read {}", shown.display())),
    };
    // A line of the team's own (`specs/README.md merge=git-spec-index`)
    // does as well as ours, as long as git reads it so.
    let mention = format!("merge={NAME}");
    let named_here = existing.as_deref().is_some_and(|bytes| {
        bytes
            .split(|&b| b == b'\n')
            .any(|l| l.trim_ascii() == line.as_bytes() || contains(l, mention.as_bytes()))
    });
    let attributes = if named_here && merge_attribute(project, &index)?.as_deref() == Some(NAME) {
        Change::Unchanged
    } else {
        let mut content = existing.clone().unwrap_or_default();
        // The file's own line ending, and a complete last line before ours.
        let newline: &[u8] = if content.windows(2).any(|w| w == b"\r\n") {
            b"\r\n"
        } else {
            b"\n"
        };
        if !content.is_empty() && !content.ends_with(b"\n") {
            content.extend_from_slice(newline);
        }
        content.extend_from_slice(line.as_bytes());
        content.extend_from_slice(newline);
        fsutil::replace(&attributes_file, &content)?;
        if existing.is_some() {
            Change::Updated
        } else {
            Change::Created
        }
    };

    let command = driver_command()?;
    let mut config = project
        .repo
        .git
        .config()
        .and_then(|c| c.open_level(git2::ConfigLevel::Local))
        .context("cannot open this clone's git config")?;
    let config_key = format!("merge.{NAME}.driver");
    let current = config.get_string(&config_key).ok();
    let config_change = if current.as_deref() == Some(command.as_str()) {
        Change::Unchanged
    } else {
        let cannot = || format!("cannot set {config_key} in this clone's git config");
        config
            .set_str(
                &format!("merge.{NAME}.name"),
                "git spec index: merge the spec index row by row",
            )
            .with_context(cannot)?;
        config.set_str(&config_key, &command).with_context(cannot)?;
        if current.is_some() {
            Change::Updated
        } else {
            Change::Created
        }
    };

    // What git itself makes of every attributes file (a subfolder's
    // .gitattributes or .git/info/attributes may override the root's).
    let effective = merge_attribute(project, &index)?;
    if effective.as_deref() != Some(NAME) {
        bail!(
            "git does not use the merge driver for {index_slashed}: `git check-attr merge -- {index_slashed}` says {}, \
             although {} has \"{line}\"; another attributes file overrides it \
             (a .gitattributes in a subfolder, .git/info/attributes or core.attributesFile): remove the `merge` setting there",
            effective.as_deref().unwrap_or("unspecified"),
            shown.display()
        );
    }
    Ok(Installed {
        attributes_file: shown,
        line,
        attributes,
        config_key,
        config: config_change,
    })
}

/// The root's `.gitattributes`, which install may write: inside the work
/// tree, and not a symbolic link (it would be written through, into a
/// file other repositories may share). `init` checks it before writing
/// anything.
pub fn attributes_path(bounds: &Bounds) -> Result<PathBuf> {
    let path = bounds.inside(ATTRIBUTES_FILE, ATTRIBUTES_FILE)?;
    if path
        .symlink_metadata()
        .is_ok_and(|m| m.file_type().is_symlink())
    {
        bail!(
            "{} is a symbolic link; git spec does not write through links, so the merge driver was not installed: \
             replace the link with a file, or add \"{}\" to the file it points at yourself",
            display_path(&path).display(),
            "/<index.file> merge=git-spec-index"
        );
    }
    Ok(path)
}

/// Whether the root's `.gitattributes` names the driver while this clone
/// does not define it (a fresh clone of a repository that uses it): git
/// then merges the index as text. Cheap enough for every `git spec index`:
/// one small file read and a config lookup, no git process.
pub fn named_but_undefined(project: &Project) -> bool {
    let attributes = project.repo.workdir.join(ATTRIBUTES_FILE);
    let mention = format!("merge={NAME}");
    let named = std::fs::read(attributes).is_ok_and(|bytes| contains(&bytes, mention.as_bytes()));
    named
        && project
            .repo
            .config_string(&format!("merge.{NAME}.driver"))
            .is_none()
}

/// What to tell the user after the first install: the half each clone
/// must do itself.
pub const COMMIT_NOTE: &str = "note: commit .gitattributes so that every clone names the merge driver; \
     each clone defines its command once with `git spec index --install-merge-driver` (or `git spec init`): \
     a repository can name a merge driver, never define one";

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The `merge` attribute git gives `relative` (None: unspecified).
fn merge_attribute(project: &Project, relative: &Path) -> Result<Option<String>> {
    let args: Vec<OsString> = vec![
        "check-attr".into(),
        "-z".into(),
        "merge".into(),
        "--".into(),
        relative.as_os_str().to_os_string(),
    ];
    let out = project.repo.run_git(&args)?;
    if !out.status.success() {
        bail!(
            "`git check-attr merge -- {}` failed: {}",
            relative.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    // `<path> NUL merge NUL <value> NUL`
    let value = out
        .stdout
        .split(|&b| b == 0)
        .nth(2)
        .map(|v| String::from_utf8_lossy(v).into_owned());
    Ok(value.filter(|v| v != "unspecified"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_are_anchored_and_escaped() {
        assert_eq!(attributes_pattern("specs/README.md"), "/specs/README.md");
        assert_eq!(attributes_pattern("INDEX.md"), "/INDEX.md");
        assert_eq!(attributes_pattern("a[1]*.md"), "/a\\[1]\\*.md");
        assert_eq!(
            attributes_pattern("my specs/\"x\".md"),
            "\"/my specs/\\\"x\\\".md\""
        );
    }
}

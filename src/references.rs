//! References to a spec from outside its file: whole-word mentions of its
//! id and Markdown links to its file name, in the other specs and in the
//! files `[references] paths` names. `renumber` rewrites them; `check`
//! reports the ones left pointing at an id a spec no longer has.

use std::path::PathBuf;

use anyhow::{bail, Result};
use regex::bytes::Regex;

use crate::paths::Bounds;
use crate::project::Project;

/// A glob of `[references] paths` as a regex over `/`-separated paths from
/// the root: `**` crosses folders, `*` and `?` stay within one.
fn glob_regex(glob: &str) -> Regex {
    let mut pattern = String::from("^");
    let mut chars = glob.trim_start_matches("./").chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '*' if chars.peek() == Some(&'*') => {
                chars.next();
                if chars.peek() == Some(&'/') {
                    chars.next();
                    pattern.push_str("(?:.*/)?");
                } else {
                    pattern.push_str(".*");
                }
            }
            '*' => pattern.push_str("[^/]*"),
            '?' => pattern.push_str("[^/]"),
            c => pattern.push_str(&regex::escape(&c.to_string())),
        }
    }
    pattern.push('$');
    Regex::new(&pattern).expect("an escaped glob makes a valid regex")
}

/// The files `[references] paths` matches, outside the spec folder: the
/// ones git tracks or would track (`git ls-files --cached --others
/// --exclude-standard`, so build output and ignored files are left out),
/// each a regular file proven inside the work tree (a symbolic link is
/// never followed, as anywhere else).
pub fn files(project: &Project) -> Result<Vec<PathBuf>> {
    let globs: Vec<Regex> = project
        .config
        .references
        .paths
        .iter()
        .map(|g| glob_regex(g))
        .collect();
    if globs.is_empty() {
        return Ok(Vec::new());
    }
    let out = project.repo.run_git(&[
        "ls-files",
        "-z",
        "--cached",
        "--others",
        "--exclude-standard",
        "--deduplicate",
    ])?;
    if !out.status.success() {
        bail!(
            "cannot list the files for [references] paths: git ls-files failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let bounds = Bounds::of(&project.repo);
    let spec_dir = format!("{}/", project.config.dir.trim_end_matches('/'));
    let mut files = Vec::new();
    for name in out.stdout.split(|&b| b == 0).filter(|n| !n.is_empty()) {
        if !globs.iter().any(|glob| glob.is_match(name)) || name.starts_with(spec_dir.as_bytes()) {
            continue;
        }
        let Ok(name) = std::str::from_utf8(name) else {
            continue;
        };
        let Ok(path) = bounds.inside(name, "references.paths") else {
            continue;
        };
        match std::fs::symlink_metadata(&path) {
            Ok(meta) if meta.file_type().is_file() => files.push(path),
            _ => {}
        }
    }
    Ok(files)
}

/// `bytes` with each of `replacements` applied outside the `protected`
/// byte spans.
pub fn rewrite(
    bytes: &[u8],
    protected: &[(usize, usize)],
    replacements: &[(Regex, Vec<u8>)],
) -> Vec<u8> {
    let mut spans = protected.to_vec();
    spans.sort();
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    let replace = |segment: &[u8], out: &mut Vec<u8>| {
        let mut text = segment.to_vec();
        for (pattern, with) in replacements {
            text = pattern.replace_all(&text, with.as_slice()).into_owned();
        }
        out.extend_from_slice(&text);
    };
    for (start, end) in spans {
        let (start, end) = (start.max(at).min(bytes.len()), end.min(bytes.len()));
        if start > at {
            replace(&bytes[at..start], &mut out);
        }
        if end > start {
            out.extend_from_slice(&bytes[start..end]);
            at = end;
        }
    }
    replace(&bytes[at..], &mut out);
    out
}

/// A whole-word mention of `id` (not inside `XSPEC-0042` or `SPEC-00421`),
/// replaced by `new`; `$1` keeps the character before it.
pub fn mention(id: &str, new: &str) -> (Regex, Vec<u8>) {
    let pattern = Regex::new(&format!(r"(^|[^\w-]){}\b", regex::escape(id)))
        .expect("an escaped id makes a valid regex");
    (pattern, format!("${{1}}{new}").into_bytes())
}

/// A Markdown link target ending in the file name `old`, as in
/// `(0042-x.md)`, `(specs/0042-x.md#goals)` or `<../specs/0042-x.md>`,
/// replaced by `new`.
pub fn link(old: &str, new: &str) -> (Regex, Vec<u8>) {
    let pattern = Regex::new(&format!(
        r#"([(/<\s"'\[]|^){}([)#>\s"'\]]|$)"#,
        regex::escape(old)
    ))
    .expect("an escaped name makes a valid regex");
    (pattern, format!("${{1}}{new}${{2}}").into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        let cases = [
            ("docs/**/*.md", "docs/a.md", true),
            ("docs/**/*.md", "docs/x/y/a.md", true),
            ("docs/**/*.md", "docs/a.rs", false),
            ("docs/*.md", "docs/x/a.md", false),
            ("src/**/*.rs", "src/main.rs", true),
            ("**/*.md", "README.md", true),
            ("README.?d", "README.md", true),
            ("a.b", "axb", false),
        ];
        for (glob, path, matches) in cases {
            assert_eq!(
                glob_regex(glob).is_match(path.as_bytes()),
                matches,
                "{glob} {path}"
            );
        }
    }

    #[test]
    fn rewrites_outside_protected_spans() {
        let text = b"SPEC-0022 and XSPEC-0022, SPEC-00221; [x](../specs/0022-a.md#top)\n- kept SPEC-0022\nSPEC-0022.";
        let replacements = [
            mention("SPEC-0022", "SPEC-0031"),
            link("0022-a.md", "0031-a.md"),
        ];
        let protected_start = text.iter().position(|&b| b == b'\n').unwrap() + 1;
        let protected_end = protected_start + "- kept SPEC-0022\n".len();
        let out = rewrite(text, &[(protected_start, protected_end)], &replacements);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "SPEC-0031 and XSPEC-0022, SPEC-00221; [x](../specs/0031-a.md#top)\n- kept SPEC-0022\nSPEC-0031."
        );
    }
}

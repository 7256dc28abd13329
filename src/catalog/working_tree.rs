//! Reading the working tree's spec folder: every spec (for `list`,
//! `check`, `index`), one spec by the id a user typed (for `status`,
//! `show`, `log`, `renumber`), and the ids a folder holds (for `new`).
//!
//! A spec's id is the `spec-id` in its front matter; the number in the file
//! name is the fallback for a file whose front matter has none (or cannot
//! be read), so a half-written spec can still be found and repaired.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};

use super::{is_spec_file, parse_one, Catalog, RawSpec, SpecNumbers, SpecRecord, PER_THREAD};
use crate::document::{Document, DocumentError};
use crate::memo::{Stamp, StatMemo};
use crate::parallel;
use crate::project::Project;
use crate::repo::display_path;
use crate::scheme::IdScheme;

impl Catalog {
    /// Every spec in the working tree's spec folder. The files are read
    /// by the parsing threads: reading 10,000 files one after another cost
    /// as much as parsing them.
    pub fn working_tree(project: &Project) -> Result<Catalog> {
        let names = markdown_files(project)?;
        let (scheme, index_file) = (&project.scheme, Path::new(&project.config.index.file));
        let root = &project.repo.workdir;
        let read = parallel::map(&names, PER_THREAD, |relative| -> Result<Option<RawSpec>> {
            let full = root.join(relative);
            let bytes =
                std::fs::read(&full).with_context(|| format!("cannot read {}", full.display()))?;
            Ok(
                is_spec_file(scheme, index_file, relative, &bytes).then(|| RawSpec {
                    path: relative.clone(),
                    bytes,
                }),
            )
        });
        let raw = read
            .into_iter()
            .filter_map(Result::transpose)
            .collect::<Result<Vec<_>>>()?;
        Ok(Catalog::parse(project, raw, None))
    }
}

/// The records of every spec in the working tree, for commands that need
/// only the front matter (`list`, `index`), sorted like a [`Catalog`].
///
/// Each thread reads its share of the files into one reused buffer,
/// parses them and keeps only the records: the documents are dropped on
/// the thread that made them. Keeping 10,000 documents alive until the end
/// cost more (page faults, heap growth) than parsing them.
pub fn working_tree_records(project: &Project) -> Result<(Vec<SpecRecord>, Vec<DocumentError>)> {
    let names = markdown_files(project)?;
    let (scheme, index_file) = (&project.scheme, Path::new(&project.config.index.file));
    let root = &project.repo.workdir;
    let results = parallel::map_with(
        &names,
        PER_THREAD,
        || Vec::with_capacity(64 * 1024),
        |buffer: &mut Vec<u8>, relative| -> Result<Option<Result<SpecRecord, DocumentError>>> {
            let full = root.join(relative);
            buffer.clear();
            // `take` skips the fstat that File's own read_to_end makes
            // for a size hint.
            std::fs::File::open(&full)
                .and_then(|file| file.take(u64::MAX).read_to_end(buffer))
                .with_context(|| format!("cannot read {}", full.display()))?;
            if !is_spec_file(scheme, index_file, relative, buffer) {
                return Ok(None);
            }
            let raw = RawSpec {
                path: relative.clone(),
                bytes: std::mem::take(buffer),
            };
            let record = parse_one(scheme, &raw, None).map(|spec| spec.record);
            *buffer = raw.bytes;
            Ok(Some(record))
        },
    );
    let mut records = Vec::with_capacity(names.len());
    let mut errors = Vec::new();
    for result in results {
        match result? {
            Some(Ok(record)) => records.push(record),
            Some(Err(err)) => errors.push(err),
            None => {}
        }
    }
    records.sort_by(|a, b| a.number.cmp(&b.number).then_with(|| a.path.cmp(&b.path)));
    errors.sort_by(|a, b| a.path.cmp(&b.path));
    Ok((records, errors))
}

/// The Markdown files of the working tree's spec folder (not recursive),
/// relative to the repository root. Symbolic links are skipped: a spec is
/// a regular file, and a link could lead out of the work tree.
pub fn markdown_files(project: &Project) -> Result<Vec<PathBuf>> {
    let folder = project.spec_dir();
    let entries = match std::fs::read_dir(folder) {
        Ok(entries) => entries,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(err) => return Err(err).with_context(|| format!("cannot read {}", folder.display())),
    };
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.with_context(|| format!("cannot read {}", folder.display()))?;
        let name = entry.file_name();
        if name.as_encoded_bytes().starts_with(b".")
            && crate::fsutil::is_stale_temp(&name.to_string_lossy())
        {
            // Left by a git-spec killed mid-write: the next run cleans up.
            let _ = std::fs::remove_file(entry.path());
            continue;
        }
        if !name.to_string_lossy().ends_with(".md")
            || !entry.file_type().map(|t| t.is_file()).unwrap_or(false)
        {
            continue;
        }
        names.push(Path::new(&project.config.dir).join(name));
    }
    Ok(names)
}

/// The spec files of the working tree (the spec folder, not recursive).
pub fn read_working_tree(project: &Project) -> Result<Vec<RawSpec>> {
    let index_file = Path::new(&project.config.index.file);
    let mut raw = Vec::new();
    for relative in markdown_files(project)? {
        let full = project.repo.workdir.join(&relative);
        let bytes =
            std::fs::read(&full).with_context(|| format!("cannot read {}", full.display()))?;
        if is_spec_file(&project.scheme, index_file, &relative, &bytes) {
            raw.push(RawSpec {
                path: relative,
                bytes,
            });
        }
    }
    Ok(raw)
}

/// One spec file and the number it carries.
#[derive(Debug, Clone)]
pub struct SpecFile {
    pub path: PathBuf,
    pub number: u64,
}

/// Every Markdown file in the spec folder that carries a number.
pub fn scan(project: &Project) -> Result<Vec<SpecFile>> {
    let mut specs = Vec::new();
    for relative in markdown_files(project)? {
        let path = project.repo.workdir.join(&relative);
        let spec_id = fs::read(&path)
            .ok()
            .and_then(|bytes| crate::document::quick_spec_id(&bytes));
        let numbers = SpecNumbers::of(
            &project.scheme,
            &relative.to_string_lossy(),
            spec_id.as_deref(),
        );
        if let Some(number) = numbers.id() {
            specs.push(SpecFile { path, number });
        }
    }
    specs.sort_by(|a, b| a.number.cmp(&b.number).then_with(|| a.path.cmp(&b.path)));
    Ok(specs)
}

/// Finds the spec a user named (`42`, `0042`, `SPEC-0042`) and parses it.
pub fn find(project: &Project, input: &str) -> Result<(SpecFile, Document)> {
    let number = project.scheme.parse(input).ok_or_else(|| {
        anyhow!(
            "{input:?} is not a spec id: write it as 42, {} or {}",
            project.scheme.padded(42),
            project.scheme.spec_id(42)
        )
    })?;
    let specs = scan(project)?;
    let matches: Vec<&SpecFile> = specs.iter().filter(|s| s.number == number).collect();
    let spec_id = project.scheme.spec_id(number);
    match matches.as_slice() {
        [] => {
            if let Some((spec, document)) = renumbered(project, &specs, number)? {
                errln!(
                    "note: {spec_id} was renumbered to {} ({})",
                    project.scheme.spec_id(spec.number),
                    display_path(&spec.path).display()
                );
                return Ok((spec, document));
            }
            let mut closest: Vec<&SpecFile> = specs.iter().collect();
            closest.sort_by_key(|s| s.number.abs_diff(number));
            let mut ids: Vec<String> = closest
                .iter()
                .take(3)
                .map(|s| project.scheme.spec_id(s.number))
                .collect();
            ids.dedup();
            let folder = display_path(project.spec_dir());
            if ids.is_empty() {
                bail!(
                    "no spec {spec_id}: {} holds no specs (create one with git spec new \"Title\")",
                    folder.display()
                );
            }
            bail!(
                "no spec {spec_id} in {}; the closest ids are {}",
                folder.display(),
                ids.join(", ")
            );
        }
        [spec] => {
            let bytes = fs::read(&spec.path)
                .with_context(|| format!("cannot read {}", spec.path.display()))?;
            let document = Document::parse(&display_path(&spec.path), &bytes)?;
            Ok(((*spec).clone(), document))
        }
        several => {
            let files: Vec<String> = several
                .iter()
                .map(|s| display_path(&s.path).display().to_string())
                .collect();
            bail!(
                "{spec_id} is used by {} files: {}; name the file to act on one of them, or give each spec its own id with `git spec renumber <path>`",
                files.len(),
                files.join(" and ")
            );
        }
    }
}

/// The spec whose `previous-ids` holds `number`, if one does: only the
/// files whose bytes hold the number's digits are parsed.
fn renumbered(
    project: &Project,
    specs: &[SpecFile],
    number: u64,
) -> Result<Option<(SpecFile, Document)>> {
    let digits = project.scheme.needle(number).to_lowercase();
    for spec in specs {
        let Ok(bytes) = fs::read(&spec.path) else {
            continue;
        };
        if !bytes
            .windows(digits.len())
            .any(|window| window == digits.as_bytes())
        {
            continue;
        }
        let Ok(document) = Document::parse(&display_path(&spec.path), &bytes) else {
            continue;
        };
        if document
            .list("previous-ids")
            .iter()
            .any(|id| project.scheme.parse(id) == Some(number))
        {
            return Ok(Some((spec.clone(), document)));
        }
    }
    Ok(None)
}

/// The spec file a user named by its path (relative to the current
/// directory or to the repository root), when `input` looks like a path
/// (it names a `.md` file, or holds a `/`): how a spec whose id another
/// file also carries can be told from that file. None when `input` is an
/// id.
pub fn find_by_path(project: &Project, input: &str) -> Result<Option<(SpecFile, Document)>> {
    if !(input.ends_with(".md") || input.contains('/') || input.contains('\\')) {
        return Ok(None);
    }
    let given = Path::new(input);
    let candidates = [
        std::env::current_dir().map(|cwd| cwd.join(given)).ok(),
        Some(project.repo.workdir.join(given)),
    ];
    let spec_dir = project
        .spec_dir()
        .canonicalize()
        .unwrap_or_else(|_| project.spec_dir().to_path_buf());
    for candidate in candidates.into_iter().flatten() {
        let Ok(meta) = fs::symlink_metadata(&candidate) else {
            continue;
        };
        let real = candidate.canonicalize().unwrap_or(candidate.clone());
        if !meta.file_type().is_file() || real.parent() != Some(spec_dir.as_path()) {
            bail!(
                "{input}: not a spec file of {} (a regular .md file directly in the spec folder)",
                display_path(project.spec_dir()).display()
            );
        }
        let path = spec_dir.join(real.file_name().expect("a file has a name"));
        let bytes = fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let document = Document::parse(&display_path(&path), &bytes)?;
        let relative = project.repo.relative_to_root(&path);
        let numbers = SpecNumbers::of(
            &project.scheme,
            &relative.to_string_lossy(),
            document.get("spec-id").as_deref(),
        );
        let Some(number) = numbers.id() else {
            bail!("{input}: the file carries no spec number in its name or spec-id");
        };
        return Ok(Some((SpecFile { path, number }, document)));
    }
    bail!("{input}: no such file")
}

/// Highest id used in a folder of the working tree: in the file names
/// (read lossily, so a name that is not UTF-8 still holds its number) and
/// in the `spec-id` of each Markdown file's front matter, since a file
/// `0001-x.md` that says `SPEC-0002` holds 0002 too.
///
/// Reading 10,000 files tripled the time of `new`, so what each file says
/// is memoised by its stat data, the way git's index avoids reading
/// unchanged files: a file is read again only when its size, times or inode
/// changed. Without `memo` every file is read.
pub fn highest_in_folder(folder: &Path, scheme: &IdScheme, memo: Option<&Path>) -> Result<u64> {
    let entries = match fs::read_dir(folder) {
        Ok(entries) => entries,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(err) => return Err(err).with_context(|| format!("cannot read {}", folder.display())),
    };
    let mut highest = 0;
    let mut markdown = Vec::new();
    for entry in entries {
        let entry = entry.with_context(|| format!("cannot read {}", folder.display()))?;
        let name = entry.file_name();
        let lossy = name.to_string_lossy();
        if let Some(number) = scheme.file.number_in(&lossy) {
            highest = highest.max(crate::scheme::counts_for_next(number));
        }
        if lossy.ends_with(".md") && entry.file_type().is_ok_and(|t| t.is_file()) {
            markdown.push(entry);
        }
    }
    let known = memo.map(StatMemo::load).unwrap_or_default();
    let names: Vec<std::ffi::OsString> = markdown.iter().map(fs::DirEntry::file_name).collect();
    let positions: Vec<usize> = (0..markdown.len()).collect();
    let seen = crate::parallel::map_with(
        &positions,
        256,
        || Vec::with_capacity(8 * 1024),
        |buffer: &mut Vec<u8>, &position| {
            let entry = &markdown[position];
            // DirEntry::metadata is an lstat relative to the open folder,
            // which spares resolving the whole path again for each file.
            let stamp = entry.metadata().ok().map(|meta| Stamp::from(&meta));
            let name = names[position].as_encoded_bytes();
            if let Some(number) = stamp.and_then(|stamp| known.get(position, name, stamp)) {
                return (stamp, number);
            }
            let path = entry.path();
            use std::io::Read;
            buffer.clear();
            // The spec-id is in the first lines; 8 KiB holds any front
            // matter a person writes.
            let read =
                fs::File::open(&path).and_then(|file| file.take(8 * 1024).read_to_end(buffer));
            let number = read
                .ok()
                .and_then(|_| crate::document::quick_spec_id(buffer))
                .and_then(|id| scheme.parse(&id))
                .unwrap_or(0);
            (stamp, number)
        },
    );
    for (_, number) in &seen {
        highest = highest.max(crate::scheme::counts_for_next(*number));
    }
    if let Some(memo) = memo {
        let names: Vec<&[u8]> = names.iter().map(|n| n.as_encoded_bytes()).collect();
        known.save(memo, &names, &seen);
    }
    Ok(highest)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scheme() -> IdScheme {
        IdScheme::new(&crate::config::Config::default())
    }

    #[test]
    fn folder_ids_come_from_names_and_front_matter_and_are_memoised() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("specs");
        let memo = dir.path().join("memo");
        fs::create_dir(&folder).unwrap();
        let old = std::time::SystemTime::now() - std::time::Duration::from_secs(60);
        let write = |name: &str, text: &str| {
            let path = folder.join(name);
            fs::write(&path, text).unwrap();
            fs::File::options()
                .write(true)
                .open(&path)
                .unwrap()
                .set_modified(old)
                .unwrap();
        };
        write("0001-a.md", "---\nspec-id: SPEC-0007\n---\n");
        write("0003-b.md", "---\nspec-id: SPEC-0003\n---\n");
        write("notes.md", "# not a spec\n");
        let s = scheme();
        assert_eq!(highest_in_folder(&folder, &s, Some(&memo)).unwrap(), 7);
        let saved = StatMemo::load(&memo);
        assert_eq!(saved.len(), 3, "every file is remembered");
        // From the memo, then after an edit that keeps the size.
        assert_eq!(highest_in_folder(&folder, &s, Some(&memo)).unwrap(), 7);
        write("0001-a.md", "---\nspec-id: SPEC-0009\n---\n");
        assert_eq!(highest_in_folder(&folder, &s, Some(&memo)).unwrap(), 9);
        // A name that is not UTF-8 still holds its number.
        use std::os::unix::ffi::OsStrExt;
        fs::write(
            folder.join(std::ffi::OsStr::from_bytes(b"0012-\xff.md")),
            "x",
        )
        .unwrap();
        assert_eq!(highest_in_folder(&folder, &s, None).unwrap(), 12);
    }
}

//! All specs at once: read from the working tree or from a branch's tree,
//! parsed into records for `list`, `show`, `check` and `index`.
//!
//! A spec that cannot be parsed never hides the others: it comes back as a
//! [`DocumentError`] next to the records of the rest.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Serialize;

use crate::document::{Document, DocumentError};
use crate::parallel;
use crate::project::Project;
use crate::scheme::IdScheme;

/// The front matter of one spec, as `list --format json` prints it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SpecRecord {
    /// `spec-id` as written, or derived from the file name when absent.
    pub id: String,
    pub number: u64,
    pub title: String,
    pub status: String,
    pub priority: String,
    pub owner: String,
    pub created: String,
    pub updated: String,
    pub tags: Vec<String>,
    /// Path relative to the repository root, `/`-separated.
    pub path: String,
    /// The branch it was read from; None for the working tree.
    pub branch: Option<String>,
}

/// One parsed spec: its record and the document behind it.
#[derive(Debug, Clone)]
pub struct Spec {
    pub record: SpecRecord,
    pub document: Document,
}

/// What reading a set of specs produced.
#[derive(Debug, Default)]
pub struct Catalog {
    pub specs: Vec<Spec>,
    /// Files that look like specs but cannot be parsed.
    pub errors: Vec<DocumentError>,
}

/// A spec file's name and bytes, from the working tree or a tree object.
pub struct RawSpec {
    /// Path relative to the repository root.
    pub path: PathBuf,
    pub bytes: Vec<u8>,
}

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

    /// Parses raw files; the work is shared among threads because a large
    /// repository holds thousands of specs.
    pub fn parse(project: &Project, raw: Vec<RawSpec>, branch: Option<&str>) -> Catalog {
        // Only the id scheme crosses threads: a git2 Repository cannot.
        let scheme = &project.scheme;
        let results = parallel::map(&raw, PER_THREAD, |raw| parse_one(scheme, raw, branch));
        let mut catalog = Catalog::default();
        for result in results {
            match result {
                Ok(spec) => catalog.specs.push(spec),
                Err(err) => catalog.errors.push(err),
            }
        }
        catalog.specs.sort_by(|a, b| {
            a.record
                .number
                .cmp(&b.record.number)
                .then_with(|| a.record.path.cmp(&b.record.path))
        });
        catalog.errors.sort_by(|a, b| a.path.cmp(&b.path));
        catalog
    }
}

/// Specs per thread worth starting one for.
const PER_THREAD: usize = 256;

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

fn parse_one(
    scheme: &IdScheme,
    raw: &RawSpec,
    branch: Option<&str>,
) -> Result<Spec, DocumentError> {
    let document = Document::parse(&raw.path, &raw.bytes)?;
    let name = raw.path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let written_id = document.get("spec-id");
    let number = written_id
        .as_deref()
        .and_then(|id| scheme.parse(id))
        .or_else(|| scheme.file.number_in(name))
        .unwrap_or(0);
    let get = |key: &str| document.get(key).unwrap_or_default();
    let record = SpecRecord {
        id: written_id.unwrap_or_else(|| scheme.spec_id(number)),
        number,
        title: get("title"),
        status: get("status"),
        priority: get("priority"),
        owner: get("owner"),
        created: get("created"),
        updated: get("updated"),
        tags: document.tags(),
        path: raw.path.to_string_lossy().replace('\\', "/"),
        branch: branch.map(str::to_string),
    };
    Ok(Spec { record, document })
}

/// Whether a file in the spec folder is a spec: a Markdown file whose name
/// follows the file pattern or that starts with front matter (so a
/// README.md or the generated index is not mistaken for a broken spec).
pub fn is_spec_file(scheme: &IdScheme, index_file: &Path, relative: &Path, bytes: &[u8]) -> bool {
    let Some(name) = relative.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    if !name.ends_with(".md") || relative == index_file {
        return false;
    }
    let body = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
    scheme.file.number_in(name).is_some()
        || body.starts_with(b"---\n")
        || body.starts_with(b"---\r\n")
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

/// Local and remote-tracking branches but the checked-out one, with their
/// short names (`main`, `origin/feature`), skipping symbolic refs such as
/// origin/HEAD: the branches whose specs are compared with the working tree.
pub fn other_branches(project: &Project) -> Result<Vec<(String, git2::Oid)>> {
    let current = project.repo.head_ref_name();
    let mut out = Vec::new();
    for reference in project
        .repo
        .git
        .references()
        .context("cannot list the repository's refs")?
    {
        let Ok(reference) = reference else { continue };
        let Ok(name) = reference.name() else { continue };
        if Some(name) == current.as_deref() {
            continue;
        }
        let short = name
            .strip_prefix("refs/heads/")
            .or_else(|| name.strip_prefix("refs/remotes/"));
        let (Some(short), Some(target)) = (short, reference.target()) else {
            continue;
        };
        if short.ends_with("/HEAD") {
            continue;
        }
        out.push((short.to_string(), target));
    }
    Ok(out)
}

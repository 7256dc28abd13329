//! All specs at once: read from the working tree or from a branch's tree,
//! parsed into records for `list`, `show`, `check` and `index`.
//!
//! A spec that cannot be parsed never hides the others: it comes back as a
//! [`DocumentError`] next to the records of the rest.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::document::{Document, DocumentError};
use crate::parallel;
use crate::project::Project;
use crate::scheme::IdScheme;
use crate::tasks::TaskProgress;

mod branches;
mod working_tree;

pub use branches::{
    branch_catalog, branch_specs, branch_tips, find_anywhere, has_other_branch, not_on,
    numbers_on_branches, only_on_branch, pick, Broken, Located,
};
pub use working_tree::{
    find, find_by_path, folder_values, highest_in_folder, read_working_tree, scan,
    working_tree_records, SpecFile, SpecFolder,
};

/// The front matter of one spec, as `list --format json` prints it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SpecRecord {
    /// `spec-id` as written, or derived from the file name when absent.
    pub id: String,
    /// null for a provisional id, which is not a number yet.
    #[serde(serialize_with = "number_or_null")]
    pub number: u64,
    /// Whether the id is provisional (`SPEC-DRAFT-…`, `git spec promote`
    /// gives it a number).
    pub provisional: bool,
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
    /// The body's checklist: items done, items in all, hours left.
    pub tasks: TaskProgress,
}

fn number_or_null<S: serde::Serializer>(number: &u64, serializer: S) -> Result<S::Ok, S::Error> {
    if crate::scheme::is_provisional(*number) {
        serializer.serialize_none()
    } else {
        serializer.serialize_u64(*number)
    }
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

/// The numbers a spec file carries: the one its `spec-id` says and the
/// one in its file name. They differ only in a spec that is wrong (check's
/// `id-mismatch`), and then each use needs a different one; this is the
/// one place that says which.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SpecNumbers {
    /// From `spec-id`, if it is an id of this repository's form.
    pub written: Option<u64>,
    /// From the file name, if it follows the file pattern.
    pub named: Option<u64>,
}

impl SpecNumbers {
    /// `path` is a file name or a `/`-separated path; `spec_id` the value
    /// of `spec-id`, if any.
    pub fn of(scheme: &IdScheme, path: &str, spec_id: Option<&str>) -> SpecNumbers {
        let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
        SpecNumbers {
            written: spec_id.and_then(|id| scheme.parse(id)),
            named: scheme.file.number_in(name),
        }
    }

    /// The spec's id: what `spec-id` says, else the file name's number.
    /// How a spec is found, listed and checked for duplicates.
    pub fn id(&self) -> Option<u64> {
        self.written.or(self.named)
    }

    /// The number compared with file names on other branches (which are
    /// compared by name alone): the file name's, else `spec-id`.
    pub fn name_first(&self) -> Option<u64> {
        self.named.or(self.written)
    }
}

/// A spec file of the working tree, as the id rules see it.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkingFile {
    /// Relative to the root, `/`-separated.
    pub path: String,
    /// The spec id for duplicates: `spec-id`, else the number in the name.
    pub id: Option<u64>,
    /// The number compared with other branches' file names: the one in
    /// the name, else `spec-id`.
    pub number: Option<u64>,
    /// Line of `spec-id`, or 1.
    pub line: usize,
}

impl WorkingFile {
    /// A parsed spec.
    pub fn of(scheme: &IdScheme, record: &SpecRecord, document: &Document) -> WorkingFile {
        let path = &record.path;
        let numbers = SpecNumbers::of(scheme, path, document.get("spec-id").as_deref());
        WorkingFile {
            path: path.clone(),
            id: numbers.id(),
            number: numbers.name_first(),
            line: document.line_of("spec-id").unwrap_or(1),
        }
    }

    /// A file whose front matter cannot be read still carries the number
    /// in its name.
    pub fn broken(scheme: &IdScheme, error: &DocumentError) -> WorkingFile {
        let path = error.path.to_string_lossy().replace('\\', "/");
        let named = SpecNumbers::of(scheme, &path, None).named;
        WorkingFile {
            path,
            id: named,
            number: named,
            line: 1,
        }
    }
}

impl WorkingFile {
    /// The file name.
    pub fn name(&self) -> &str {
        file_name(&self.path)
    }
}

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// Specs per thread worth starting one for.
const PER_THREAD: usize = 256;

fn parse_one(
    scheme: &IdScheme,
    raw: &RawSpec,
    branch: Option<&str>,
) -> Result<Spec, DocumentError> {
    let document = Document::parse(&raw.path, &raw.bytes)?;
    let record = SpecRecord::of(scheme, &raw.path, &document, branch);
    Ok(Spec { record, document })
}

impl SpecRecord {
    /// The record of a parsed spec at `relative` (from the repository
    /// root), read from `branch` (None: the working tree).
    pub fn of(
        scheme: &IdScheme,
        relative: &Path,
        document: &Document,
        branch: Option<&str>,
    ) -> SpecRecord {
        let path = relative.to_string_lossy().replace('\\', "/");
        let written_id = document.get("spec-id");
        let number = SpecNumbers::of(scheme, &path, written_id.as_deref())
            .id()
            .unwrap_or(0);
        let get = |key: &str| document.get(key).unwrap_or_default();
        SpecRecord {
            id: written_id.unwrap_or_else(|| scheme.spec_id(number)),
            number,
            provisional: crate::scheme::is_provisional(number),
            title: get("title"),
            status: get("status"),
            priority: get("priority"),
            owner: get("owner"),
            created: get("created"),
            updated: get("updated"),
            tags: document.tags(),
            path,
            branch: branch.map(str::to_string),
            tasks: TaskProgress::of_lines(document.body(), document.body_lines()),
        }
    }
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

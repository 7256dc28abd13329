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

mod branches;
mod working_tree;

pub use branches::{branch_specs, branch_tips, Broken};
pub use working_tree::{
    find, highest_in_folder, markdown_files, read_working_tree, scan, working_tree_records,
    SpecFile,
};

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

//! The specs in the working tree: finding one by the id a user typed.
//!
//! A spec's id is the `spec-id` in its front matter; the number in the file
//! name is the fallback for a file whose front matter has none (or cannot
//! be read), so a half-written spec can still be found and repaired.

use std::fs;
use std::path::PathBuf;

use anyhow::{anyhow, bail, Context, Result};

use crate::document::Document;
use crate::project::Project;
use crate::repo::display_path;

/// One spec file and the number it carries.
#[derive(Debug, Clone)]
pub struct SpecFile {
    pub path: PathBuf,
    pub number: u64,
}

/// Every Markdown file in the spec folder that carries a number.
pub fn scan(project: &Project) -> Result<Vec<SpecFile>> {
    let mut specs = Vec::new();
    for relative in crate::catalog::markdown_files(project)? {
        let path = project.repo.workdir.join(&relative);
        let name = relative
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let from_front_matter = fs::read(&path).ok().and_then(|bytes| {
            crate::document::quick_spec_id(&bytes).and_then(|id| project.scheme.parse(&id))
        });
        if let Some(number) = from_front_matter.or_else(|| project.scheme.file.number_in(name)) {
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
                "{spec_id} is used by {} files: {}; give each spec its own id (git spec check lists duplicate ids)",
                files.len(),
                files.join(" and ")
            );
        }
    }
}

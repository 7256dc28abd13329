//! What `git spec check` needs of one spec file, worked out on the reading
//! threads and memoised by the file's stat data.
//!
//! Checking 10,000 specs used to parse them all into documents, keep every
//! document until the end (53 MB at 10,000 specs, 228 MB at 50,000) and
//! then run the rules: most of `check`'s time and all of its memory. The
//! per-spec rules depend only on the file's bytes and name and on the
//! configuration, so a file's findings, its ids and what its relation
//! lists say are computed once, right after the file is read, and the
//! document is dropped; the memo (keyed by the whole configuration, see
//! [`memo_settings`]) gives them back for every file whose stat data did
//! not change. The rules over the whole tree (duplicate ids, relations,
//! id collisions) run on these summaries.

use std::path::Path;

use crate::catalog::{is_spec_file, SpecRecord, WorkingFile};
use crate::config::Config;
use crate::document::{Document, DocumentError};
use crate::memo::{put_varint, put_vstr, take, take_varint, take_vstr, StatValue};
use crate::relations::{Kind, Links, Reference};
use crate::rules::{self, Checker, Finding, Unrecorded};
use crate::scheme::IdScheme;

/// One Markdown file of the spec folder, as `check` sees it.
#[derive(Debug, Clone, PartialEq)]
pub enum Checked {
    NotSpec,
    Spec(Box<CheckedSpec>),
    /// Front matter that cannot be read: not memoised, so that its error is
    /// worked out (and reported) again each time.
    Broken(Box<DocumentError>),
}

/// What the rules made of one spec that parses.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedSpec {
    pub file: WorkingFile,
    /// The per-spec rules' findings (all about this file).
    pub findings: Vec<Finding>,
    /// `unrecorded-status`, with the line of `status`.
    pub unrecorded: Option<Box<(usize, Unrecorded)>>,
    pub links: Links,
}

impl Checked {
    /// Reads the file at `relative` (from the repository root) whose bytes
    /// are `bytes`.
    pub fn of(
        checker: &Checker<'_>,
        config: &Config,
        scheme: &IdScheme,
        relative: &Path,
        bytes: &[u8],
    ) -> Checked {
        if !is_spec_file(scheme, Path::new(&config.index.file), relative, bytes) {
            return Checked::NotSpec;
        }
        let document = match Document::parse(relative, bytes) {
            Ok(document) => document,
            Err(err) => return Checked::Broken(Box::new(err)),
        };
        let record = SpecRecord::of(scheme, relative, &document, None);
        let mut findings = Vec::new();
        checker.spec(&record, &document, &mut findings);
        let unrecorded = rules::unrecorded_status(&config.workflow, &document)
            .map(|found| Box::new((document.line_of("status").unwrap_or(1), found)));
        Checked::Spec(Box::new(CheckedSpec {
            file: WorkingFile::of(scheme, &record, &document),
            findings,
            unrecorded,
            links: Links::of(scheme, &record, &document),
        }))
    }
}

/// What the memo's name is keyed by besides the folder: every setting a
/// rule reads (the debug form of the whole configuration, which changes
/// when any of them does).
pub fn memo_settings(config: &Config) -> String {
    format!("{config:?}")
}

impl StatValue for Checked {
    const MAGIC: &'static [u8; 16] = b"git-spec chks v4";

    fn encode(&self, out: &mut Vec<u8>) {
        let spec = match self {
            Checked::NotSpec => return out.push(0),
            Checked::Broken(_) => return out.push(2),
            Checked::Spec(spec) => spec,
        };
        out.push(1);
        let file = &spec.file;
        put_vstr(out, &file.path);
        put_number(out, file.id);
        put_number(out, file.number);
        put_varint(out, file.line as u64);
        put_varint(out, spec.findings.len() as u64);
        for finding in &spec.findings {
            put_varint(out, finding.line as u64);
            put_vstr(out, finding.rule);
            put_vstr(out, &finding.message);
        }
        match &spec.unrecorded {
            None => out.push(0),
            Some(found) => {
                let (line, found) = &**found;
                out.push(1);
                put_varint(out, *line as u64);
                put_vstr(out, &found.from);
                put_vstr(out, &found.to);
                out.push(u8::from(found.recorded));
                put_text(out, found.refusal.as_deref());
            }
        }
        let links = &spec.links;
        put_varint(out, links.number);
        put_vstr(out, &links.status);
        put_varint(out, links.not_lists.len() as u64);
        for &(kind, line) in &links.not_lists {
            out.push(kind.byte());
            put_varint(out, line as u64);
        }
        put_varint(out, links.references.len() as u64);
        for reference in &links.references {
            out.push(reference.kind.byte());
            put_vstr(out, &reference.written);
            put_number(out, reference.number);
            put_varint(out, reference.line as u64);
        }
        put_varint(out, links.mentions.len() as u64);
        for &(line, number) in &links.mentions {
            put_varint(out, line as u64);
            put_varint(out, number);
        }
        put_varint(out, links.previous.len() as u64);
        for &number in &links.previous {
            put_varint(out, number);
        }
        put_varint(out, links.depends_line as u64);
    }

    fn decode(bytes: &mut &[u8]) -> Option<Checked> {
        match take(bytes, 1)?[0] {
            0 => return Some(Checked::NotSpec),
            1 => {}
            _ => return None,
        }
        let path = take_vstr(bytes)?;
        let file = WorkingFile {
            id: take_number(bytes)?,
            number: take_number(bytes)?,
            line: take_usize(bytes)?,
            path: path.clone(),
        };
        let findings = (0..take_varint(bytes)?)
            .map(|_| {
                let line = take_usize(bytes)?;
                let rule = take_vstr(bytes)?;
                // The rule names are static: a name no rule has is damage.
                let (rule, _) = rules::RULES.iter().find(|(name, _)| *name == rule)?;
                Some(Finding::new(&path, line, rule, take_vstr(bytes)?))
            })
            .collect::<Option<Vec<_>>>()?;
        let unrecorded = match take(bytes, 1)?[0] {
            0 => None,
            1 => {
                let line = take_usize(bytes)?;
                let found = Unrecorded {
                    from: take_vstr(bytes)?,
                    to: take_vstr(bytes)?,
                    recorded: take_bool(bytes)?,
                    refusal: take_text(bytes)?,
                };
                Some(Box::new((line, found)))
            }
            _ => return None,
        };
        let number = take_varint(bytes)?;
        let status = take_vstr(bytes)?;
        let not_lists = (0..take_varint(bytes)?)
            .map(|_| Some((take_kind(bytes)?, take_usize(bytes)?)))
            .collect::<Option<Vec<_>>>()?;
        let references = (0..take_varint(bytes)?)
            .map(|_| {
                Some(Reference {
                    kind: take_kind(bytes)?,
                    written: take_vstr(bytes)?,
                    number: take_number(bytes)?,
                    line: take_usize(bytes)?,
                })
            })
            .collect::<Option<Vec<_>>>()?;
        let mentions = (0..take_varint(bytes)?)
            .map(|_| Some((take_usize(bytes)?, take_varint(bytes)?)))
            .collect::<Option<Vec<_>>>()?;
        let previous = (0..take_varint(bytes)?)
            .map(|_| take_varint(bytes))
            .collect::<Option<Vec<_>>>()?;
        let links = Links {
            number,
            path,
            status,
            not_lists,
            references,
            mentions,
            previous,
            depends_line: take_usize(bytes)?,
        };
        Some(Checked::Spec(Box::new(CheckedSpec {
            file,
            findings,
            unrecorded,
            links,
        })))
    }

    fn keep(&self) -> bool {
        !matches!(self, Checked::Broken(_))
    }
}

fn put_number(out: &mut Vec<u8>, number: Option<u64>) {
    out.push(u8::from(number.is_some()));
    put_varint(out, number.unwrap_or(0));
}

fn take_number(bytes: &mut &[u8]) -> Option<Option<u64>> {
    let present = take_bool(bytes)?;
    let number = take_varint(bytes)?;
    Some(present.then_some(number))
}

fn put_text(out: &mut Vec<u8>, text: Option<&str>) {
    out.push(u8::from(text.is_some()));
    put_vstr(out, text.unwrap_or(""));
}

fn take_text(bytes: &mut &[u8]) -> Option<Option<String>> {
    let present = take_bool(bytes)?;
    let text = take_vstr(bytes)?;
    Some(present.then_some(text))
}

fn take_bool(bytes: &mut &[u8]) -> Option<bool> {
    match take(bytes, 1)?[0] {
        0 => Some(false),
        1 => Some(true),
        _ => None,
    }
}

fn take_usize(bytes: &mut &[u8]) -> Option<usize> {
    usize::try_from(take_varint(bytes)?).ok()
}

fn take_kind(bytes: &mut &[u8]) -> Option<Kind> {
    Kind::from_byte(take(bytes, 1)?[0])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_checked_spec_survives_the_memo_encoding() {
        let config = Config::default();
        let scheme = IdScheme::new(&config);
        let checker = Checker::new(&config, &scheme);
        let text = "---\nspec-id: SPEC-0002\ntitle: T\nstatus: review\npriority: urgent\n\
                    depends-on: {a: 1}\nsupersedes: [SPEC-0001, nope]\nprevious-ids: [SPEC-0009]\n\
                    bogus: 1\n---\n\nSee SPEC-0003.\n";
        let checked = Checked::of(
            &checker,
            &config,
            &scheme,
            Path::new("specs/0002-t.md"),
            text.as_bytes(),
        );
        let Checked::Spec(spec) = &checked else {
            panic!("{checked:?}")
        };
        assert!(!spec.findings.is_empty() && spec.unrecorded.is_some());
        assert!(!spec.links.not_lists.is_empty() && spec.links.mentions == [(12, 3)]);
        let mut bytes = Vec::new();
        checked.encode(&mut bytes);
        let mut rest = bytes.as_slice();
        assert_eq!(Checked::decode(&mut rest), Some(checked));
        assert!(rest.is_empty());
        // Cut short anywhere, it does not decode.
        for len in 0..bytes.len() {
            let mut cut = &bytes[..len];
            assert_eq!(
                Checked::decode(&mut cut).filter(|_| cut.is_empty()),
                None,
                "{len}"
            );
        }
    }
}

//! Reading the working tree's spec folder: every spec (for `list`,
//! `check`, `index`), one spec by the id a user typed (for `status`,
//! `show`, `log`, `renumber`), and the ids a folder holds (for `new`).
//!
//! A spec's id is the `spec-id` in its front matter; the number in the file
//! name is the fallback for a file whose front matter has none (or cannot
//! be read), so a half-written spec can still be found and repaired.
//!
//! What each file says (its numbers; its record; what its relation lists
//! name) is memoised by the file's stat data in `.git/git-spec/`
//! ([`read_folder`]), so `list`, `new` and a lookup by id read and parse
//! only the specs that changed.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};

use super::{is_spec_file, Catalog, RawSpec, SpecNumbers, SpecRecord, PER_THREAD};
use crate::document::{Document, DocumentError};
use crate::memo::{Observed, Stamp, StatMemo, StatValue};
use crate::parallel;
use crate::project::Project;
use crate::relations::{Kind, Referrer};
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
/// What each file says is memoised by its stat data (see
/// [`read_folder`]), so an unchanged spec is not read or parsed again.
pub fn working_tree_records(project: &Project) -> Result<(Vec<SpecRecord>, Vec<DocumentError>)> {
    let seen = working_tree_seen(project)?;
    let mut boxed = Vec::with_capacity(seen.len());
    let mut errors = Vec::new();
    for (_, seen) in seen {
        match seen {
            Seen::Spec(record) => boxed.push(record),
            Seen::Broken(err) => errors.push(err),
            Seen::NotSpec => {}
        }
    }
    // Sorted while boxed: moving 10,000 records of 280 bytes (and the
    // scratch copy a stable sort takes) cost more than the comparisons.
    // Paths in one folder are unique, so the order is total and an
    // unstable sort gives the same result.
    boxed.sort_unstable_by(|a, b| a.number.cmp(&b.number).then_with(|| a.path.cmp(&b.path)));
    let records: Vec<SpecRecord> = boxed.into_iter().map(|record| *record).collect();
    errors.sort_by(|a, b| a.path.cmp(&b.path));
    Ok((records, errors))
}

/// The working tree's spec folder as a lookup by id sees it, from one
/// listing: each Markdown file's numbers (its name's and its `spec-id`'s)
/// and what its relation lists name. Both are memoised by stat data in one
/// memo, so `show` (which needs the spec and the specs that name it) lists
/// and stats the folder once, and reads only the files that changed.
pub struct SpecFolder {
    base: PathBuf,
    entries: Vec<(std::ffi::OsString, Lookup)>,
}

/// What the lookup memo holds of one Markdown file.
#[derive(Debug, Clone, PartialEq)]
struct Lookup {
    numbers: SpecNumbers,
    /// None: not a spec, or one that cannot be parsed (list and check say
    /// why); it names nothing.
    referrer: Option<Referrer>,
}

impl SpecFolder {
    pub fn read(project: &Project) -> Result<SpecFolder> {
        let (scheme, index_file) = (&project.scheme, Path::new(&project.config.index.file));
        let dir = Path::new(&project.config.dir);
        let memo = folder_memo(project, "lookup");
        let folder = read_folder(project.spec_dir(), Some(&memo), |name, bytes| {
            let relative = dir.join(name);
            let named = scheme.file.number_in(&name.to_string_lossy());
            // An unreadable file still holds the number in its name.
            let Ok(bytes) = bytes else {
                return Ok(Lookup {
                    numbers: SpecNumbers {
                        written: None,
                        named,
                    },
                    referrer: None,
                });
            };
            let referrer = if is_spec_file(scheme, index_file, &relative, bytes) {
                Document::parse(&relative, bytes).ok().map(|document| {
                    let record = SpecRecord::of(scheme, &relative, &document, None);
                    Referrer::of(scheme, record.number, &document)
                })
            } else {
                None
            };
            Ok(Lookup {
                numbers: SpecNumbers {
                    written: written_number(scheme, bytes),
                    named,
                },
                referrer,
            })
        })?;
        Ok(SpecFolder {
            base: project.repo.workdir.join(&project.config.dir),
            entries: folder.markdown,
        })
    }

    /// Every Markdown file that carries a number, sorted by number (then
    /// path).
    pub fn specs(&self) -> Vec<SpecFile> {
        let mut specs: Vec<SpecFile> = self
            .entries
            .iter()
            .filter_map(|(name, lookup)| {
                Some(SpecFile {
                    path: self.base.join(name),
                    number: lookup.numbers.id()?,
                })
            })
            .collect();
        specs.sort_by(|a, b| a.number.cmp(&b.number).then_with(|| a.path.cmp(&b.path)));
        specs
    }

    /// The specs whose relation lists name `number`, sorted like a
    /// [`Catalog`]: the reverse relations `show` prints.
    pub fn referrers(&self, number: u64) -> Vec<Referrer> {
        let mut found: Vec<(&std::ffi::OsString, &Referrer)> = self
            .entries
            .iter()
            .filter_map(|(name, lookup)| {
                let referrer = lookup.referrer.as_ref()?;
                referrer
                    .refs
                    .iter()
                    .any(|&(_, n)| n == number)
                    .then_some((name, referrer))
            })
            .collect();
        // As a Catalog sorts: by number, then path (the folder is the same).
        found.sort_by(|a, b| a.1.number.cmp(&b.1.number).then_with(|| a.0.cmp(b.0)));
        found
            .into_iter()
            .map(|(_, referrer)| referrer.clone())
            .collect()
    }

    /// Finds the spec a user named (`42`, `0042`, `SPEC-0042`) and parses it.
    pub fn find(&self, project: &Project, input: &str) -> Result<(SpecFile, Document)> {
        // Only the files that carry the number become SpecFiles: a path
        // for each of 10,000 files, sorted, cost more than the lookup.
        // Without a match, the error (closest ids, a renumbered spec)
        // needs them all.
        if let Some(number) = project.scheme.parse(input) {
            let mut matches: Vec<SpecFile> = self
                .entries
                .iter()
                .filter(|(_, lookup)| lookup.numbers.id() == Some(number))
                .map(|(name, _)| SpecFile {
                    path: self.base.join(name),
                    number,
                })
                .collect();
            if !matches.is_empty() {
                matches.sort_by(|a, b| a.path.cmp(&b.path));
                return find_among(project, &matches, input);
            }
        }
        find_among(project, &self.specs(), input)
    }
}

impl StatValue for Lookup {
    const MAGIC: &'static [u8; 16] = b"git-spec look v1";
    fn encode(&self, out: &mut Vec<u8>) {
        self.numbers.encode(out);
        self.referrer.encode(out);
    }
    fn decode(bytes: &mut &[u8]) -> Option<Self> {
        Some(Lookup {
            numbers: SpecNumbers::decode(bytes)?,
            referrer: Option::<Referrer>::decode(bytes)?,
        })
    }
}

/// What a spec names in its relation lists (None: not a spec, or one that
/// cannot be parsed).
impl StatValue for Option<Referrer> {
    const MAGIC: &'static [u8; 16] = b"git-spec refs v2";
    fn encode(&self, out: &mut Vec<u8>) {
        use crate::memo::put_u64;
        let Some(referrer) = self else {
            out.push(0);
            return;
        };
        out.push(1);
        put_u64(out, referrer.number);
        put_u64(out, referrer.refs.len() as u64);
        for &(kind, number) in &referrer.refs {
            out.push(kind.byte());
            put_u64(out, number);
        }
    }
    fn decode(bytes: &mut &[u8]) -> Option<Self> {
        use crate::memo::{take, take_u64};
        match take(bytes, 1)?[0] {
            0 => Some(None),
            1 => {
                let number = take_u64(bytes)?;
                let refs = decode_refs(bytes)?;
                Some(Some(Referrer { number, refs }))
            }
            _ => None,
        }
    }
}

fn decode_refs(bytes: &mut &[u8]) -> Option<Vec<(Kind, u64)>> {
    use crate::memo::{take, take_u64};
    (0..take_u64(bytes)?)
        .map(|_| {
            let kind = Kind::from_byte(take(bytes, 1)?[0])?;
            Some((kind, take_u64(bytes)?))
        })
        .collect()
}

/// What a Markdown file of the spec folder is, as `list` needs it.
#[derive(Debug, Clone, PartialEq)]
enum Seen {
    NotSpec,
    Spec(Box<SpecRecord>),
    /// Not memoised: parsed again each time, so its error is reported.
    Broken(DocumentError),
}

impl StatValue for Seen {
    const MAGIC: &'static [u8; 16] = b"git-spec recs v4";
    fn encode(&self, out: &mut Vec<u8>) {
        use crate::memo::{put_varint, put_vstr};
        match self {
            Seen::NotSpec => out.push(0),
            Seen::Spec(record) => {
                out.push(1);
                put_vstr(out, &record.id);
                put_varint(out, record.number);
                for text in [
                    &record.title,
                    &record.status,
                    &record.priority,
                    &record.owner,
                    &record.created,
                    &record.updated,
                    &record.path,
                ] {
                    put_vstr(out, text);
                }
                put_varint(out, record.tags.len() as u64);
                for tag in &record.tags {
                    put_vstr(out, tag);
                }
                // The body's checklist, so `list` need not read the body.
                put_varint(out, record.tasks.done as u64);
                put_varint(out, record.tasks.total as u64);
                crate::memo::put_u64(out, record.tasks.remaining_hours.to_bits());
            }
            Seen::Broken(_) => out.push(2),
        }
    }

    fn decode(bytes: &mut &[u8]) -> Option<Seen> {
        use crate::memo::{take, take_varint, take_vstr};
        match take(bytes, 1)?[0] {
            0 => Some(Seen::NotSpec),
            1 => {
                let id = take_vstr(bytes)?;
                let number = take_varint(bytes)?;
                let mut text = || take_vstr(bytes);
                let (title, status, priority, owner, created, updated, path) = (
                    text()?,
                    text()?,
                    text()?,
                    text()?,
                    text()?,
                    text()?,
                    text()?,
                );
                let tags = (0..take_varint(bytes)?)
                    .map(|_| take_vstr(bytes))
                    .collect::<Option<Vec<_>>>()?;
                let tasks = crate::tasks::TaskProgress {
                    done: usize::try_from(take_varint(bytes)?).ok()?,
                    total: usize::try_from(take_varint(bytes)?).ok()?,
                    remaining_hours: f64::from_bits(crate::memo::take_u64(bytes)?),
                };
                let record = SpecRecord {
                    id,
                    number,
                    provisional: crate::scheme::is_provisional(number),
                    title,
                    status,
                    priority,
                    owner,
                    created,
                    updated,
                    tags,
                    path,
                    branch: None,
                    tasks,
                };
                Some(Seen::Spec(Box::new(record)))
            }
            _ => None,
        }
    }

    fn keep(&self) -> bool {
        !matches!(self, Seen::Broken(_))
    }
}

/// Every Markdown file of the working tree's spec folder, as [`Seen`],
/// in listing order. Each file is read and parsed only if the records
/// memo does not know its stat data; reading and parsing 10,000 specs was
/// most of `list`'s time.
fn working_tree_seen(project: &Project) -> Result<Vec<(std::ffi::OsString, Seen)>> {
    let (scheme, index_file) = (&project.scheme, Path::new(&project.config.index.file));
    // Only these cross threads: a git2 Repository cannot.
    let (root, dir) = (&project.repo.workdir, Path::new(&project.config.dir));
    let memo = folder_memo(project, "records");
    let folder = read_folder(project.spec_dir(), Some(&memo), |name, bytes| {
        let relative = dir.join(name);
        let bytes =
            bytes.with_context(|| format!("cannot read {}", root.join(&relative).display()))?;
        if !is_spec_file(scheme, index_file, &relative, bytes) {
            return Ok(Seen::NotSpec);
        }
        Ok(match Document::parse(&relative, bytes) {
            Ok(document) => {
                Seen::Spec(Box::new(SpecRecord::of(scheme, &relative, &document, None)))
            }
            Err(err) => Seen::Broken(err),
        })
    })?;
    Ok(folder.markdown)
}

/// Every Markdown file of the working tree's spec folder, in listing
/// order, with what `read` makes of it (given its path from the root and
/// its bytes, or the error reading it), memoised by stat data in memo
/// `kind`, whose name is keyed by `settings` too: what `read` depends on
/// besides the file. Only files the memo does not know are read.
pub fn folder_values<V: StatValue + Send + Sync>(
    project: &Project,
    kind: &str,
    settings: &str,
    read: impl Fn(&Path, std::io::Result<&[u8]>) -> Result<V> + Sync,
) -> Result<Vec<(std::ffi::OsString, V)>> {
    let dir = Path::new(&project.config.dir);
    let memo = folder_memo_with(project, kind, settings);
    let folder = read_folder(project.spec_dir(), Some(&memo), |name, bytes| {
        read(&dir.join(name), bytes)
    })?;
    Ok(folder.markdown)
}

/// A memo `kind` of this worktree's spec folder, keyed by every setting
/// what it holds depends on (the folder, the id scheme, the index file
/// that is not a spec), so that changing one starts a new memo.
fn folder_memo(project: &Project, kind: &str) -> PathBuf {
    folder_memo_with(project, kind, "")
}

/// [`folder_memo`] keyed by `settings` too.
fn folder_memo_with(project: &Project, kind: &str, settings: &str) -> PathBuf {
    let root = project
        .repo
        .workdir
        .canonicalize()
        .unwrap_or(project.repo.workdir.clone());
    let folder = root.join(&project.config.dir);
    let key = crate::ids::memo_key(&[
        &folder.to_string_lossy(),
        &format!("{:?}", project.scheme),
        &project.config.index.file,
        settings,
    ]);
    project
        .repo
        .common_dir()
        .join("git-spec")
        .join(format!("{kind}-{key}"))
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

/// Every Markdown file in the spec folder that carries a number, sorted
/// by number. What each file's `spec-id` says comes from the lookup memo
/// ([`SpecFolder`]) when the file's stat data did not change, so finding
/// one spec among 10,000 costs a listing and an `lstat` of each, not a
/// read of each.
pub fn scan(project: &Project) -> Result<Vec<SpecFile>> {
    Ok(SpecFolder::read(project)?.specs())
}

/// [`read_folder`] for the numbers each Markdown file carries, in its
/// name and in its `spec-id` (both memoised: matching a name against the
/// file pattern was most of a warm lookup's instructions).
fn read_numbers(
    folder: &Path,
    scheme: &IdScheme,
    memo: Option<&Path>,
) -> Result<Folder<SpecNumbers>> {
    read_folder(folder, memo, |name, bytes| {
        Ok(SpecNumbers {
            // An unreadable file still holds the number in its name.
            written: bytes.ok().and_then(|bytes| written_number(scheme, bytes)),
            named: scheme.file.number_in(&name.to_string_lossy()),
        })
    })
}

/// The numbers of a spec file, as the folder-ids memo holds them.
/// v4: the name's number too; v3 held only `spec-id`'s.
impl StatValue for SpecNumbers {
    const MAGIC: &'static [u8; 16] = b"git-spec fids v4";
    fn encode(&self, out: &mut Vec<u8>) {
        for number in [self.written, self.named] {
            out.push(u8::from(number.is_some()));
            crate::memo::put_u64(out, number.unwrap_or(0));
        }
    }
    fn decode(bytes: &mut &[u8]) -> Option<Self> {
        let mut number = || -> Option<Option<u64>> {
            let present = crate::memo::take(bytes, 1)?[0];
            let number = crate::memo::take_u64(bytes)?;
            match present {
                0 => Some(None),
                1 => Some(Some(number)),
                _ => None,
            }
        };
        Some(SpecNumbers {
            written: number()?,
            named: number()?,
        })
    }
}

/// The number a spec file's `spec-id` says: what [`scan`] and
/// [`highest_in_folder`] memoise.
fn written_number(scheme: &IdScheme, bytes: &[u8]) -> Option<u64> {
    crate::document::quick_spec_id(bytes).and_then(|id| scheme.parse(&id))
}

/// Finds the spec a user named (`42`, `0042`, `SPEC-0042`) and parses it.
pub fn find(project: &Project, input: &str) -> Result<(SpecFile, Document)> {
    SpecFolder::read(project)?.find(project, input)
}

/// [`find`] among the spec files of a listing.
fn find_among(project: &Project, specs: &[SpecFile], input: &str) -> Result<(SpecFile, Document)> {
    let number = project.scheme.parse(input).ok_or_else(|| {
        anyhow!(
            "{input:?} is not a spec id: write it as 42, {} or {}",
            project.scheme.padded(42),
            project.scheme.spec_id(42)
        )
    })?;
    let matches: Vec<&SpecFile> = specs.iter().filter(|s| s.number == number).collect();
    let spec_id = project.scheme.spec_id(number);
    match matches.as_slice() {
        [] => {
            if let Some((spec, document)) = renumbered(project, specs, number)? {
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
            bail!(
                "{input}: the file carries no spec number in its name or spec-id; add one such as `spec-id: {}` to its front matter",
                project.scheme.spec_id(42)
            );
        };
        return Ok(Some((SpecFile { path, number }, document)));
    }
    bail!(
        "{input}: no such file; give the spec's id (42, {}) or the path of its file in {}",
        project.scheme.spec_id(42),
        display_path(project.spec_dir()).display()
    )
}

/// Highest id used in a folder of the working tree: in the file names
/// (read lossily, so a name that is not UTF-8 still holds its number) and
/// in the `spec-id` of each Markdown file's front matter, since a file
/// `0001-x.md` that says `SPEC-0002` holds 0002 too.
///
/// Reading 10,000 files tripled the time of `new`, so what each file says
/// is memoised by its stat data (see [`read_folder`]). Without `memo`
/// every file is read.
pub fn highest_in_folder(folder: &Path, scheme: &IdScheme, memo: Option<&Path>) -> Result<u64> {
    let folder = read_numbers(folder, scheme, memo)?;
    let in_markdown = folder
        .markdown
        .iter()
        .flat_map(|(_, numbers)| [numbers.written, numbers.named])
        .flatten();
    let in_other_names = folder
        .other_names
        .iter()
        .filter_map(|name| scheme.file.number_in(&name.to_string_lossy()));
    Ok(in_markdown
        .chain(in_other_names)
        .map(crate::scheme::counts_for_next)
        .max()
        .unwrap_or(0))
}

/// A folder as [`read_folder`] saw it.
struct Folder<V> {
    /// The names of the other entries (folders, links, other files).
    other_names: Vec<std::ffi::OsString>,
    /// The regular `.md` files, in listing order, with what each said.
    markdown: Vec<(std::ffi::OsString, V)>,
}

/// Lists `folder` and works out what each Markdown file says (`read`,
/// given the file's name and bytes, or the error reading it), reading only
/// the files whose stat data the memo does not know, the way git's index
/// avoids reading unchanged files: a file is read again when its size,
/// times or inode changed, or when it changed in the same clock tick as
/// the memo was written (racily clean). The memo is then brought up to
/// date. Symbolic links are not followed: a spec is a regular file.
///
/// This thread only lists the folder. The threads of
/// [`parallel::map_batches_as_produced`] take each Markdown file while the
/// listing goes on: its `lstat`, its record in the memo, and its bytes if
/// it changed. The listing was a third of a lookup's time and the
/// `lstat`s most of the rest; this way they overlap. The first of them to
/// need the memo (megabytes for 10,000 specs) loads it.
fn read_folder<V: StatValue + Send + Sync>(
    folder: &Path,
    memo: Option<&Path>,
    read: impl Fn(&std::ffi::OsStr, std::io::Result<&[u8]>) -> Result<V> + Sync,
) -> Result<Folder<V>> {
    let entries = match fs::read_dir(folder) {
        Ok(entries) => entries,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            return Ok(Folder {
                other_names: Vec::new(),
                markdown: Vec::new(),
            })
        }
        Err(err) => return Err(err).with_context(|| format!("cannot read {}", folder.display())),
    };
    let known: std::sync::OnceLock<StatMemo<V>> = std::sync::OnceLock::new();
    let known = || known.get_or_init(|| memo.map(StatMemo::load).unwrap_or_default());
    let mut other_names = Vec::new();
    let mut failed = None;
    // The regular `.md` files, numbered in listing order (the memo's
    // order).
    let markdown = entries
        .map_while(|entry| entry.map_err(|err| failed = Some(err)).ok())
        .filter_map(|entry| {
            let name = entry.file_name();
            let lossy = name.to_string_lossy();
            if lossy.starts_with('.') && crate::fsutil::is_stale_temp(&lossy) {
                // Left by a git-spec killed mid-write: the next run cleans up.
                let _ = std::fs::remove_file(entry.path());
                return None;
            }
            if lossy.ends_with(".md") && entry.file_type().is_ok_and(|t| t.is_file()) {
                return Some((name, entry));
            }
            other_names.push(name);
            None
        })
        .enumerate();
    let batches = parallel::map_batches_as_produced(
        markdown,
        256,
        || Vec::with_capacity(8 * 1024),
        |buffer: &mut Vec<u8>, (position, (name, entry))| -> Result<Observed<V>> {
            // DirEntry::metadata is an lstat relative to the open folder,
            // which spares resolving the whole path again for each file.
            let stamp = entry.metadata().ok().map(|meta| Stamp::from(&meta));
            let bytes_of_name = name.as_encoded_bytes();
            if let Some(hit) = stamp.and_then(|stamp| known().get(position, bytes_of_name, stamp)) {
                return Ok(Observed {
                    name,
                    stamp,
                    value: hit.value,
                    in_place: hit.in_place,
                });
            }
            buffer.clear();
            // `take` skips the fstat that File's own read_to_end makes
            // for a size hint.
            let bytes = fs::File::open(entry.path())
                .and_then(|file| file.take(u64::MAX).read_to_end(buffer))
                .map(|_| buffer.as_slice());
            let value = read(&name, bytes)?;
            Ok(Observed {
                name,
                stamp,
                value,
                in_place: false,
            })
        },
    );
    if let Some(err) = failed {
        return Err(err).with_context(|| format!("cannot read {}", folder.display()));
    }
    let observed = batches
        .into_iter()
        .map(|batch| batch.into_iter().collect::<Result<Vec<_>>>())
        .collect::<Result<Vec<_>>>()?;
    if let Some(memo) = memo {
        known().save(memo, observed.iter().flatten());
    }
    let markdown = observed
        .into_iter()
        .flatten()
        .map(|file| (file.name, file.value))
        .collect();
    Ok(Folder {
        other_names,
        markdown,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scheme() -> IdScheme {
        IdScheme::new(&crate::config::Config::default())
    }

    /// A spec folder and a memo path in a temporary directory.
    struct TestFolder {
        _dir: tempfile::TempDir,
        folder: PathBuf,
        memo: PathBuf,
    }

    impl TestFolder {
        fn new() -> TestFolder {
            let dir = tempfile::tempdir().unwrap();
            let (folder, memo) = (dir.path().join("specs"), dir.path().join("memo"));
            fs::create_dir(&folder).unwrap();
            TestFolder {
                _dir: dir,
                folder,
                memo,
            }
        }

        /// Writes `name` with a modification time a minute ago, so that
        /// the memo trusts it (it is not racily clean).
        fn write(&self, name: &str, text: &str) {
            let path = self.folder.join(name);
            fs::write(&path, text).unwrap();
            let old = std::time::SystemTime::now() - std::time::Duration::from_secs(60);
            let file = fs::File::options().write(true).open(&path).unwrap();
            file.set_modified(old).unwrap();
        }
    }

    #[test]
    fn folder_ids_come_from_names_and_front_matter_and_are_memoised() {
        let test = TestFolder::new();
        let (folder, memo) = (test.folder.clone(), test.memo.clone());
        let write = |name: &str, text: &str| test.write(name, text);
        write("0001-a.md", "---\nspec-id: SPEC-0007\n---\n");
        write("0003-b.md", "---\nspec-id: SPEC-0003\n---\n");
        write("notes.md", "# not a spec\n");
        let s = scheme();
        assert_eq!(highest_in_folder(&folder, &s, Some(&memo)).unwrap(), 7);
        let saved: StatMemo<SpecNumbers> = StatMemo::load(&memo);
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

    /// What a test's read saw of one file: its first line.
    #[derive(Debug, Clone, PartialEq)]
    struct FirstLine(String);

    impl StatValue for FirstLine {
        const MAGIC: &'static [u8; 16] = b"git-spec test v1";
        fn encode(&self, out: &mut Vec<u8>) {
            crate::memo::put_vstr(out, &self.0);
        }
        fn decode(bytes: &mut &[u8]) -> Option<Self> {
            crate::memo::take_vstr(bytes).map(FirstLine)
        }
    }

    /// A folder of many batches of files, among other entries, as the
    /// threads that stat and read them while it is listed see it: every
    /// Markdown file once, in listing order, read only when the memo does
    /// not know it, and an error of any one file is the folder's error.
    #[test]
    fn a_large_folder_is_read_in_listing_order_while_it_is_listed() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let test = TestFolder::new();
        let (folder, memo) = (test.folder.clone(), test.memo.clone());
        let write = |name: &str, text: &str| test.write(name, text);
        for n in 0..1500 {
            write(&format!("{n:04}-spec.md"), &format!("spec {n}\nbody\n"));
            if n % 100 == 0 {
                write(&format!("{n:04}-notes.txt"), "not markdown\n");
            }
        }
        fs::create_dir(folder.join("folder.md")).unwrap();
        std::os::unix::fs::symlink("0001-spec.md", folder.join("link.md")).unwrap();
        // A temporary file of a git-spec that is gone: removed, not listed.
        let stale = format!(".0002-spec.md{}{}.tmp", crate::fsutil::TEMP_MARK, u32::MAX);
        write(&stale, "half written\n");

        let reads = AtomicUsize::new(0);
        let read = |name: &std::ffi::OsStr, bytes: std::io::Result<&[u8]>| -> Result<FirstLine> {
            reads.fetch_add(1, Ordering::Relaxed);
            let text = String::from_utf8(bytes?.to_vec())?;
            anyhow::ensure!(!text.starts_with("fail"), "{name:?} cannot be read");
            Ok(FirstLine(text.lines().next().unwrap_or("").to_string()))
        };
        // What the folder holds, in the order the system lists it.
        let expected = || -> (Vec<(std::ffi::OsString, FirstLine)>, Vec<std::ffi::OsString>) {
            let (mut markdown, mut others) = (Vec::new(), Vec::new());
            for entry in fs::read_dir(&folder).unwrap() {
                let entry = entry.unwrap();
                let name = entry.file_name();
                if name.to_string_lossy().ends_with(".md") && entry.file_type().unwrap().is_file() {
                    let text = fs::read_to_string(entry.path()).unwrap();
                    markdown.push((name, FirstLine(text.lines().next().unwrap().to_string())));
                } else {
                    others.push(name);
                }
            }
            (markdown, others)
        };

        let first = read_folder(&folder, Some(&memo), read).unwrap();
        assert!(
            !folder.join(&stale).exists(),
            "the stale temporary file is removed"
        );
        let (markdown, others) = expected();
        assert_eq!(markdown.len(), 1500);
        assert_eq!(first.markdown, markdown);
        assert_eq!(first.other_names, others);
        assert_eq!(others.len(), 17, "15 text files, a folder and a link");
        assert_eq!(reads.swap(0, Ordering::Relaxed), 1500);

        // Again: all from the memo. Then one file changed in the middle,
        // with its size kept: only it is read.
        let again = read_folder(&folder, Some(&memo), read).unwrap();
        assert_eq!(again.markdown, markdown);
        assert_eq!(reads.swap(0, Ordering::Relaxed), 0);
        write("0987-spec.md", "SPEC 987\nbody\n");
        let edited = read_folder(&folder, Some(&memo), read).unwrap();
        assert_eq!(reads.swap(0, Ordering::Relaxed), 1);
        assert_eq!(edited.markdown, expected().0);
        assert!(edited
            .markdown
            .contains(&("0987-spec.md".into(), FirstLine("SPEC 987".into()))));

        // One file the read refuses: the folder cannot be read.
        write("1234-spec.md", "fail\n");
        let Err(err) = read_folder(&folder, Some(&memo), read) else {
            panic!("a file that cannot be read is the folder's error");
        };
        assert!(format!("{err:#}").contains("1234-spec.md"), "{err:#}");
    }
}

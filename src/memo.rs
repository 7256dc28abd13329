//! Memo files under `<git common dir>/git-spec/`: what was worked out from
//! git objects (or files) once, so the next run does not do it again.
//!
//! A memo only saves time. One that cannot be read, or that was written
//! for other settings (its header says which), is started afresh; one
//! that cannot be written costs time on the next run, nothing else.
//!
//! Two kinds, because they are keyed differently:
//! - [`ObjectMemo`]: by object id. Objects are immutable, so an entry is
//!   valid forever; only the entries the latest run used are written
//!   back, so the file follows the current refs instead of growing.
//! - [`StatMemo`]: what each file of a working-tree folder said, by its
//!   stat data, the way git's index avoids reading unchanged files.

use std::collections::HashMap;
use std::fs;
use std::hash::Hash;
use std::path::{Path, PathBuf};

use git2::Oid;

/// How a memo's values are written: one line per entry, starting with the
/// key, and as many lines after it as the value needs.
pub trait Record: Clone {
    /// Appends the entry's text; `key` is already written, with a space.
    fn write(&self, out: &mut String);
    /// Reads a value from the rest of its first line and from `more`
    /// (the lines after it); None when the text is not one.
    fn read<'a>(rest: &str, more: &mut impl Iterator<Item = &'a str>) -> Option<Self>;
}

/// A memo of values by object id (see the module's notes).
pub struct ObjectMemo<V: Record> {
    path: PathBuf,
    header: String,
    known: HashMap<Oid, V>,
    used: HashMap<Oid, V>,
    changed: bool,
}

impl<V: Record> ObjectMemo<V> {
    /// Loads `<common dir>/git-spec/<name>` if its first line is `header`.
    pub fn load(common_dir: &Path, name: &str, header: String) -> ObjectMemo<V> {
        let path = common_dir.join("git-spec").join(name);
        let mut known = HashMap::new();
        if let Ok(text) = fs::read_to_string(&path) {
            let mut lines = text.split('\n');
            if lines.next() == Some(header.as_str())
                && read_entries(&mut lines, &mut known).is_none()
            {
                // Damaged: trust none of it.
                known.clear();
            }
        }
        ObjectMemo {
            path,
            header,
            known,
            used: HashMap::new(),
            changed: false,
        }
    }

    /// The value for `key`, if known; it is kept when the memo is saved.
    pub fn get(&mut self, key: Oid) -> Option<&V> {
        if !self.used.contains_key(&key) {
            let value = self.known.get(&key)?.clone();
            self.used.insert(key, value);
        }
        self.used.get(&key)
    }

    pub fn insert(&mut self, key: Oid, value: V) {
        self.known.insert(key, value.clone());
        self.used.insert(key, value);
        self.changed = true;
    }

    /// Writes the entries this run used, atomically, when anything
    /// changed or was dropped; `keep` can leave out entries too large to
    /// be worth their space.
    pub fn save(&self, keep: impl Fn(&V) -> bool) {
        if !self.changed && self.used.len() == self.known.len() {
            return;
        }
        let mut text = String::with_capacity(self.header.len() + 1 + self.used.len() * 56);
        text.push_str(&self.header);
        text.push('\n');
        for (key, value) in &self.used {
            if !keep(value) {
                continue;
            }
            text.push_str(&key.to_string());
            text.push(' ');
            value.write(&mut text);
            text.push('\n');
        }
        write_memo(&self.path, text.as_bytes());
    }
}

fn read_entries<'a, K: Hash + Eq + std::str::FromStr, V: Record>(
    lines: &mut impl Iterator<Item = &'a str>,
    into: &mut HashMap<K, V>,
) -> Option<()> {
    while let Some(line) = lines.next() {
        if line.is_empty() {
            continue;
        }
        let (key, rest) = line.split_once(' ')?;
        let key = key.parse().ok()?;
        into.insert(key, V::read(rest, lines)?);
    }
    Some(())
}

/// A number per object (the highest spec id in a commit's or a tree's
/// spec folder).
impl Record for u64 {
    fn write(&self, out: &mut String) {
        out.push_str(&self.to_string());
    }
    fn read<'a>(rest: &str, _: &mut impl Iterator<Item = &'a str>) -> Option<u64> {
        rest.parse().ok()
    }
}

fn write_memo(path: &Path, bytes: &[u8]) {
    if let Some(dir) = path.parent() {
        let _ = fs::create_dir_all(dir);
    }
    let _ = crate::fsutil::replace(path, bytes);
}

/// What `lstat` says of a file, as far as telling a change goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    size: u64,
    mtime_ns: i128,
    ctime_ns: i128,
    inode: u64,
}

impl From<&fs::Metadata> for Stamp {
    fn from(meta: &fs::Metadata) -> Stamp {
        use std::os::unix::fs::MetadataExt;
        Stamp {
            size: meta.len(),
            mtime_ns: i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec()),
            ctime_ns: i128::from(meta.ctime()) * 1_000_000_000 + i128::from(meta.ctime_nsec()),
            inode: meta.ino(),
        }
    }
}

impl Stamp {
    /// The later of the two times: what "racily clean" compares.
    fn changed_ns(&self) -> i128 {
        self.mtime_ns.max(self.ctime_ns)
    }
}

/// A number per file of a folder (the spec-id each spec said), by the
/// file's [`Stamp`].
///
/// The file is binary and in the order the folder was listed, which stays
/// the same while the folder does not change: a lookup is then a
/// comparison with the record at the same position, with no parsing of
/// text or hashing (both showed up as a third of `new`'s time with 10,000
/// specs). A name found elsewhere is looked up in a map built on demand.
#[derive(Debug, Default)]
pub struct StatMemo {
    records: Vec<(Stamp, u64, Vec<u8>)>,
    by_name: std::sync::OnceLock<HashMap<Vec<u8>, usize>>,
    /// When the memo was written (its file's mtime).
    written_ns: i128,
}

const STAT_MEMO_MAGIC: &[u8; 16] = b"git-spec fids v1";

impl StatMemo {
    pub fn load(path: &Path) -> StatMemo {
        use std::os::unix::fs::MetadataExt;
        let bytes = fs::read(path).unwrap_or_default();
        let Some(mut rest) = bytes.strip_prefix(STAT_MEMO_MAGIC.as_slice()) else {
            return StatMemo::default();
        };
        let written_ns = fs::metadata(path).map_or(0, |meta| {
            i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec())
        });
        let mut records = Vec::new();
        // size, mtime, ctime, inode, number, name length, name.
        while rest.len() >= 58 {
            let u64_at = |at: usize| u64::from_le_bytes(rest[at..at + 8].try_into().unwrap());
            let i128_at = |at: usize| i128::from_le_bytes(rest[at..at + 16].try_into().unwrap());
            let stamp = Stamp {
                size: u64_at(0),
                mtime_ns: i128_at(8),
                ctime_ns: i128_at(24),
                inode: u64_at(40),
            };
            let number = u64_at(48);
            let len = u16::from_le_bytes([rest[56], rest[57]]) as usize;
            let Some(name) = rest.get(58..58 + len) else {
                break;
            };
            records.push((stamp, number, name.to_vec()));
            rest = &rest[58 + len..];
        }
        StatMemo {
            records,
            by_name: std::sync::OnceLock::new(),
            written_ns,
        }
    }

    /// How many files the memo knows.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// The number the file at `position` of the listing said, if its name
    /// and stamp are the ones recorded. As with git's index, a file whose
    /// times are not older than the memo is "racily clean": changed again
    /// within the same clock tick, it would keep its stamp, so it is read.
    pub fn get(&self, position: usize, name: &[u8], stamp: Stamp) -> Option<u64> {
        let record = match self.records.get(position) {
            Some(record) if record.2 == name => record,
            _ => {
                let by_name = self.by_name.get_or_init(|| {
                    self.records
                        .iter()
                        .enumerate()
                        .map(|(at, record)| (record.2.clone(), at))
                        .collect()
                });
                &self.records[*by_name.get(name)?]
            }
        };
        (record.0 == stamp && stamp.changed_ns() < self.written_ns).then_some(record.1)
    }

    /// Writes what this run saw (`names` in listing order, each with its
    /// stamp and number), if it differs from what was loaded.
    pub fn save(&self, path: &Path, names: &[&[u8]], seen: &[(Option<Stamp>, u64)]) {
        let unchanged = names.len() == self.records.len()
            && names.iter().zip(seen).zip(&self.records).all(
                |((name, (stamp, number)), record)| {
                    *stamp == Some(record.0)
                        && *number == record.1
                        && *name == record.2.as_slice()
                        // A racily clean record is written again, later.
                        && record.0.changed_ns() < self.written_ns
                },
            );
        if unchanged {
            return;
        }
        let mut out = Vec::with_capacity(STAT_MEMO_MAGIC.len() + 90 * names.len());
        out.extend_from_slice(STAT_MEMO_MAGIC);
        for (name, (stamp, number)) in names.iter().zip(seen) {
            let Some(stamp) = stamp else { continue };
            let Ok(len) = u16::try_from(name.len()) else {
                continue;
            };
            out.extend_from_slice(&stamp.size.to_le_bytes());
            out.extend_from_slice(&stamp.mtime_ns.to_le_bytes());
            out.extend_from_slice(&stamp.ctime_ns.to_le_bytes());
            out.extend_from_slice(&stamp.inode.to_le_bytes());
            out.extend_from_slice(&number.to_le_bytes());
            out.extend_from_slice(&len.to_le_bytes());
            out.extend_from_slice(name);
        }
        write_memo(path, &out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_memo_keeps_what_was_used() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (
            Oid::hash_object(git2::ObjectType::Blob, b"a").unwrap(),
            Oid::hash_object(git2::ObjectType::Blob, b"b").unwrap(),
        );
        let mut memo: ObjectMemo<u64> = ObjectMemo::load(dir.path(), "m", "h v1".into());
        memo.insert(a, 7);
        memo.insert(b, 9);
        memo.save(|_| true);
        let mut memo: ObjectMemo<u64> = ObjectMemo::load(dir.path(), "m", "h v1".into());
        assert_eq!(memo.get(a), Some(&7));
        memo.save(|_| true);
        // b was not used, so it is gone.
        let mut memo: ObjectMemo<u64> = ObjectMemo::load(dir.path(), "m", "h v1".into());
        assert_eq!(memo.get(a), Some(&7));
        assert_eq!(memo.get(b), None);
        // Another header: nothing is trusted.
        let mut other: ObjectMemo<u64> = ObjectMemo::load(dir.path(), "m", "h v2".into());
        assert_eq!(other.get(a), None);
        // A damaged file: nothing is trusted.
        fs::write(
            dir.path().join("git-spec/m"),
            format!("h v1\n{a} 7\n{b} x\n"),
        )
        .unwrap();
        let mut damaged: ObjectMemo<u64> = ObjectMemo::load(dir.path(), "m", "h v1".into());
        assert_eq!(damaged.get(a), None);
    }
}

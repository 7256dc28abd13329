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
        let text = fs::read_to_string(&path).ok();
        if let Some(text) = text.as_deref().and_then(checked_text) {
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
        // A run that used nothing (a check with no branch to compare)
        // leaves the memo for the next one.
        if !self.changed && (self.used.is_empty() || self.used.len() == self.known.len()) {
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
        let sum = checksum(text.as_bytes());
        text.push_str(&format!("{CHECKSUM_MARK}{sum:016x}\n"));
        write_memo(&self.path, text.as_bytes());
    }
}

/// What starts an [`ObjectMemo`]'s last line, the checksum of the text
/// before it: a number changed in any digit (a tree's highest id lowered)
/// would otherwise be trusted and hand out an id already in use.
const CHECKSUM_MARK: &str = "checksum ";

/// The text of an [`ObjectMemo`] file without its checksum line; None
/// unless that line is there and matches.
fn checked_text(text: &str) -> Option<&str> {
    let (before, last) = text.strip_suffix('\n')?.rsplit_once('\n')?;
    // The lines before the checksum's, each with its newline.
    let body = &text[..before.len() + 1];
    let sum = last.strip_prefix(CHECKSUM_MARK)?;
    (sum.len() == 16 && u64::from_str_radix(sum, 16).ok()? == checksum(body.as_bytes()))
        .then_some(body)
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
    mtime: Time,
    ctime: Time,
    inode: u64,
}

/// A time as `lstat` gives it, in seconds and nanoseconds: an `i128` of
/// nanoseconds is aligned to 16 bytes, which made what a listing keeps of
/// each of 10,000 files 16 bytes larger. Memo files hold the `i128`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Time {
    secs: i64,
    nanos: i64,
}

impl Time {
    fn ns(self) -> i128 {
        i128::from(self.secs) * 1_000_000_000 + i128::from(self.nanos)
    }

    /// The time `ns` nanoseconds after the epoch (a memo's number, which
    /// [`Time::ns`] wrote; one out of range is as good as damaged, and
    /// matches no file).
    fn from_ns(ns: i128) -> Time {
        Time {
            secs: i64::try_from(ns.div_euclid(1_000_000_000)).unwrap_or(i64::MAX),
            nanos: ns.rem_euclid(1_000_000_000) as i64,
        }
    }
}

impl From<&fs::Metadata> for Stamp {
    fn from(meta: &fs::Metadata) -> Stamp {
        use std::os::unix::fs::MetadataExt;
        Stamp {
            size: meta.len(),
            mtime: Time {
                secs: meta.mtime(),
                nanos: meta.mtime_nsec(),
            },
            ctime: Time {
                secs: meta.ctime(),
                nanos: meta.ctime_nsec(),
            },
            inode: meta.ino(),
        }
    }
}

impl Stamp {
    /// The later of the two times: what "racily clean" compares.
    fn changed_ns(&self) -> i128 {
        self.mtime.ns().max(self.ctime.ns())
    }
}

/// What a [`StatMemo`] remembers of each file, in its binary form.
pub trait StatValue: Clone + PartialEq {
    /// The memo file's first bytes: another kind of memo, or another
    /// version of this one, is not read.
    const MAGIC: &'static [u8; 16];
    fn encode(&self, out: &mut Vec<u8>);
    /// Reads one value from the front of `bytes`, advancing it.
    fn decode(bytes: &mut &[u8]) -> Option<Self>;
    /// Whether the value may be kept for the next run (what a broken file
    /// said is worked out again, so that its error is reported each time).
    fn keep(&self) -> bool {
        true
    }
}

/// What each file of a folder said (`V`), by the file's [`Stamp`].
///
/// The file is binary and in the order the folder was listed, which stays
/// the same while the folder does not change: a lookup is then a
/// comparison with the record at the same position, with no parsing of
/// text or hashing (both showed up as a third of `new`'s time with 10,000
/// specs). A name found elsewhere is looked up in a map built on demand.
/// Loading only finds where each record is; a value is decoded when it is
/// looked up (on the reading threads), so nothing is copied twice.
/// The file ends with a checksum of the rest: a memo damaged in any byte
/// is not trusted at all (a wrong value would find the wrong spec).
#[derive(Debug)]
pub struct StatMemo<V> {
    bytes: Vec<u8>,
    /// Where each record starts in `bytes` (4 bytes a file, not a parsed
    /// record: with 10,000 specs that was a megabyte more at the peak).
    records: Vec<u32>,
    by_name: std::sync::OnceLock<HashMap<Vec<u8>, usize>>,
    /// When the memo was written (its file's mtime).
    written_ns: i128,
    value: std::marker::PhantomData<V>,
}

/// Where one file's record is in the memo's bytes.
#[derive(Debug, Clone)]
struct StatRecord {
    stamp: Stamp,
    name: std::ops::Range<usize>,
    value: std::ops::Range<usize>,
}

/// What a run saw of one file of the folder: its name and stamp (None:
/// it could not be stat'ed, so it is not memoised), what it says, and
/// whether that came from the memo at the same position of the listing.
pub struct Observed<V> {
    pub name: std::ffi::OsString,
    pub stamp: Option<Stamp>,
    pub value: V,
    pub in_place: bool,
}

/// A lookup that found the file: what it said, and whether it was at the
/// same position of the listing as when the memo was written.
pub struct Known<V> {
    pub value: V,
    pub in_place: bool,
}

impl<V> Default for StatMemo<V> {
    fn default() -> Self {
        StatMemo {
            bytes: Vec::new(),
            records: Vec::new(),
            by_name: std::sync::OnceLock::new(),
            written_ns: 0,
            value: std::marker::PhantomData,
        }
    }
}

/// Helpers for [`StatValue`] encodings: little-endian integers, varints,
/// strings after their length.
pub fn put_u64(out: &mut Vec<u8>, value: u64) {
    out.extend_from_slice(&value.to_le_bytes());
}

pub fn take<'a>(bytes: &mut &'a [u8], len: usize) -> Option<&'a [u8]> {
    if bytes.len() < len {
        return None;
    }
    let (head, rest) = bytes.split_at(len);
    *bytes = rest;
    Some(head)
}

pub fn take_u64(bytes: &mut &[u8]) -> Option<u64> {
    Some(u64::from_le_bytes(take(bytes, 8)?.try_into().ok()?))
}

/// An unsigned number in as few bytes as it needs (LEB128: seven bits a
/// byte, the high bit set on all but the last): the lines and counts of a
/// spec fit in one or two bytes, where a `u64` takes eight.
pub fn put_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8 & 0x7f) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

pub fn take_varint(bytes: &mut &[u8]) -> Option<u64> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = take(bytes, 1)?[0];
        let bits = u64::from(byte & 0x7f);
        // More bits than a u64 holds is damage, not a number.
        if shift == 63 && bits > 1 {
            return None;
        }
        value |= bits << shift;
        if byte & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

/// A string after its length as a varint (see [`put_varint`]).
pub fn put_vstr(out: &mut Vec<u8>, text: &str) {
    put_varint(out, text.len() as u64);
    out.extend_from_slice(text.as_bytes());
}

pub fn take_vstr(bytes: &mut &[u8]) -> Option<String> {
    let len = usize::try_from(take_varint(bytes)?).ok()?;
    String::from_utf8(take(bytes, len)?.to_vec()).ok()
}

/// The stamp's size, mtime, ctime and inode, the name's length, the
/// value's length; then the name and the value.
const STAT_RECORD_FIXED: usize = 8 + 16 + 16 + 8 + 2 + 4;

/// FNV-1a over 64-bit words, then the length: enough to tell a damaged or
/// truncated memo (each step is a bijection, so any one changed word
/// changes the result), at a byte per cycle it cost 2 ms for the
/// records of 10,000 specs. Nothing here defends against someone who can
/// write `.git`.
fn checksum(bytes: &[u8]) -> u64 {
    let step = |hash: u64, word: u64| (hash ^ word).wrapping_mul(0x0100_0000_01b3);
    let mut words = bytes.chunks_exact(8);
    let mut hash = 0xcbf2_9ce4_8422_2325;
    for word in &mut words {
        hash = step(hash, u64::from_le_bytes(word.try_into().unwrap()));
    }
    let mut tail = [0u8; 8];
    tail[..words.remainder().len()].copy_from_slice(words.remainder());
    hash = step(hash, u64::from_le_bytes(tail));
    step(hash, bytes.len() as u64)
}

impl<V: StatValue> StatMemo<V> {
    pub fn load(path: &Path) -> StatMemo<V> {
        use std::os::unix::fs::MetadataExt;
        let bytes = fs::read(path).unwrap_or_default();
        let magic = V::MAGIC.len();
        if !bytes.starts_with(V::MAGIC) || bytes.len() < magic + 8 {
            return StatMemo::default();
        }
        let end = bytes.len() - 8;
        if checksum(&bytes[magic..end]).to_le_bytes() != bytes[end..] {
            return StatMemo::default();
        }
        let written_ns = fs::metadata(path).map_or(0, |meta| {
            i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec())
        });
        let mut records = Vec::new();
        let mut at = magic;
        while at < end {
            let (Some(record), Ok(start)) = (locate_record(&bytes[..end], at), u32::try_from(at))
            else {
                return StatMemo::default();
            };
            at = record.value.end;
            records.push(start);
        }
        StatMemo {
            bytes,
            records,
            by_name: std::sync::OnceLock::new(),
            written_ns,
            value: std::marker::PhantomData,
        }
    }

    /// How many files the memo knows.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// What the file at `position` of the listing said, if its name and
    /// stamp are the ones recorded (and the value decodes). As with git's
    /// index, a file whose times are not older than the memo is "racily
    /// clean": changed again within the same clock tick, it would keep its
    /// stamp, so it is read.
    pub fn get(&self, position: usize, name: &[u8], stamp: Stamp) -> Option<Known<V>> {
        // Every start was located when the memo was loaded; the checksum
        // is not part of a record.
        let body = &self.bytes[..self.bytes.len().saturating_sub(8)];
        let record_at = |start: u32| locate_record(body, start as usize);
        let name_at = |record: &StatRecord| &self.bytes[record.name.clone()];
        let (record, in_place) = match self.records.get(position).and_then(|&at| record_at(at)) {
            Some(record) if name_at(&record) == name => (record, true),
            _ => {
                let by_name = self.by_name.get_or_init(|| {
                    self.records
                        .iter()
                        .enumerate()
                        .filter_map(|(at, &start)| Some((name_at(&record_at(start)?).to_vec(), at)))
                        .collect()
                });
                (record_at(self.records[*by_name.get(name)?])?, false)
            }
        };
        if record.stamp != stamp || stamp.changed_ns() >= self.written_ns {
            return None;
        }
        let mut value = &self.bytes[record.value.clone()];
        let decoded = V::decode(&mut value).filter(|_| value.is_empty())?;
        Some(Known {
            value: decoded,
            in_place,
        })
    }

    /// Writes what this run saw (every file in listing order), unless
    /// all of it came from this memo at the same position and nothing was
    /// added or removed. A racily clean record was not a hit, so it is
    /// written again, later.
    pub fn save<'a>(&self, path: &Path, observed: impl Iterator<Item = &'a Observed<V>> + Clone)
    where
        V: 'a,
    {
        let count = observed.clone().count();
        if count == self.records.len() && observed.clone().all(|file| file.in_place) {
            return;
        }
        let mut out = Vec::with_capacity(V::MAGIC.len() + 90 * count);
        out.extend_from_slice(V::MAGIC);
        let mut value_bytes = Vec::new();
        for file in observed {
            let Some(stamp) = file.stamp.filter(|_| file.value.keep()) else {
                continue;
            };
            let name = file.name.as_encoded_bytes();
            let Ok(len) = u16::try_from(name.len()) else {
                continue;
            };
            value_bytes.clear();
            file.value.encode(&mut value_bytes);
            let Ok(value_len) = u32::try_from(value_bytes.len()) else {
                continue;
            };
            out.extend_from_slice(&stamp.size.to_le_bytes());
            out.extend_from_slice(&stamp.mtime.ns().to_le_bytes());
            out.extend_from_slice(&stamp.ctime.ns().to_le_bytes());
            out.extend_from_slice(&stamp.inode.to_le_bytes());
            out.extend_from_slice(&len.to_le_bytes());
            out.extend_from_slice(&value_len.to_le_bytes());
            out.extend_from_slice(name);
            out.extend_from_slice(&value_bytes);
        }
        let sum = checksum(&out[V::MAGIC.len()..]);
        out.extend_from_slice(&sum.to_le_bytes());
        write_memo(path, &out);
    }
}

/// The record starting at `at` in `bytes`, if it fits.
fn locate_record(bytes: &[u8], at: usize) -> Option<StatRecord> {
    let fixed = bytes.get(at..at.checked_add(STAT_RECORD_FIXED)?)?;
    let u64_at = |at: usize| u64::from_le_bytes(fixed[at..at + 8].try_into().unwrap());
    let i128_at = |at: usize| i128::from_le_bytes(fixed[at..at + 16].try_into().unwrap());
    let stamp = Stamp {
        size: u64_at(0),
        mtime: Time::from_ns(i128_at(8)),
        ctime: Time::from_ns(i128_at(24)),
        inode: u64_at(40),
    };
    let name_len = u16::from_le_bytes([fixed[48], fixed[49]]) as usize;
    let value_len = u32::from_le_bytes(fixed[50..54].try_into().unwrap()) as usize;
    let name_start = at + STAT_RECORD_FIXED;
    let value_start = name_start.checked_add(name_len)?;
    let value_end = value_start.checked_add(value_len)?;
    (value_end <= bytes.len()).then_some(StatRecord {
        stamp,
        name: name_start..value_start,
        value: value_start..value_end,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_round_trip_and_refuse_damage() {
        for value in [0, 1, 127, 128, 300, u64::from(u32::MAX), 1 << 62, u64::MAX] {
            let mut out = Vec::new();
            put_varint(&mut out, value);
            let mut rest = out.as_slice();
            assert_eq!(take_varint(&mut rest), Some(value));
            assert!(rest.is_empty());
            let mut cut = &out[..out.len() - 1];
            assert_eq!(take_varint(&mut cut), None, "{value} cut short");
        }
        let mut too_long: &[u8] = &[0xff; 11];
        assert_eq!(take_varint(&mut too_long), None);
        let mut overflow: &[u8] = &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02];
        assert_eq!(take_varint(&mut overflow), None);
    }

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
        // Nor one whose every line reads well but one digit changed.
        memo.insert(a, 7);
        memo.save(|_| true);
        let path = dir.path().join("git-spec/m");
        let good = fs::read_to_string(&path).unwrap();
        let mut memo: ObjectMemo<u64> = ObjectMemo::load(dir.path(), "m", "h v1".into());
        assert_eq!(memo.get(a), Some(&7));
        fs::write(&path, good.replace(" 7\n", " 6\n")).unwrap();
        let mut changed: ObjectMemo<u64> = ObjectMemo::load(dir.path(), "m", "h v1".into());
        assert_eq!(changed.get(a), None);
        // Without its checksum line (as written before there was one).
        let without = good.rsplit_once("checksum ").unwrap().0;
        fs::write(&path, without).unwrap();
        let mut old: ObjectMemo<u64> = ObjectMemo::load(dir.path(), "m", "h v1".into());
        assert_eq!(old.get(a), None);
    }

    #[test]
    fn stat_memo_trusts_only_records_older_than_itself() {
        let dir = tempfile::tempdir().unwrap();
        let (file, memo) = (dir.path().join("a.md"), dir.path().join("memo"));
        fs::write(&file, "x").unwrap();
        let stamp = Stamp::from(&fs::symlink_metadata(&file).unwrap());
        let set_memo_time = |ns: i128| {
            let time = std::time::UNIX_EPOCH + std::time::Duration::from_nanos(ns as u64);
            fs::File::options()
                .write(true)
                .open(&memo)
                .unwrap()
                .set_modified(time)
                .unwrap();
        };
        let observed = Observed {
            name: "a.md".into(),
            stamp: Some(stamp),
            value: Some(7),
            in_place: false,
        };
        StatMemo::<Option<u8>>::default().save(&memo, [observed].iter());
        // Written in the same tick as the file changed: racily clean.
        set_memo_time(stamp.changed_ns());
        let loaded: StatMemo<Option<u8>> = StatMemo::load(&memo);
        assert!(loaded.get(0, b"a.md", stamp).is_none());
        // Written later: trusted, for that name and stamp only.
        set_memo_time(stamp.changed_ns() + 1);
        let loaded: StatMemo<Option<u8>> = StatMemo::load(&memo);
        assert_eq!(
            loaded.get(0, b"a.md", stamp).map(|k| k.value),
            Some(Some(7))
        );
        assert!(loaded.get(0, b"b.md", stamp).is_none());
        let other = Stamp { size: 2, ..stamp };
        assert!(loaded.get(0, b"a.md", other).is_none());
        // Another kind of memo in the same file is not read.
        let other: StatMemo<u8> = StatMemo::load(&memo);
        assert_eq!(other.records.len(), 0);
    }

    impl StatValue for u8 {
        const MAGIC: &'static [u8; 16] = b"git-spec test v2";
        fn encode(&self, out: &mut Vec<u8>) {
            out.push(*self);
        }
        fn decode(bytes: &mut &[u8]) -> Option<Self> {
            Some(take(bytes, 1)?[0])
        }
    }

    impl StatValue for Option<u8> {
        const MAGIC: &'static [u8; 16] = b"git-spec test v1";
        fn encode(&self, out: &mut Vec<u8>) {
            out.push(self.unwrap_or(0));
        }
        fn decode(bytes: &mut &[u8]) -> Option<Self> {
            Some(Some(take(bytes, 1)?[0]))
        }
    }
}

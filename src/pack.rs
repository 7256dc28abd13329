//! Large tree objects read straight from the repository's pack files.
//!
//! Why: past about 18,000 specs the spec folder's tree is over 1 MB, and
//! libgit2's pack cache keeps no delta base over 1 MB. That tree is the
//! delta base of every branch's spec folder (47 deltas deep in the
//! benchmark's fixture), so each of a thousand branch trees read through
//! libgit2 inflated the whole chain again: seconds for `new`, `check`,
//! `list --all-branches` and `log` at 100,000 specs. Here the chain is
//! resolved once per thread and its objects are kept (up to
//! [`CACHE_LIMIT`]), as git's own delta base cache does.
//!
//! Only objects of at least [`MIN_SIZE`] bytes are read here; anything
//! else, and anything this reader does not know for certain (an index
//! that is not version 2, an object only in a loose file or an alternate,
//! a delta whose sizes do not add up, a stream that does not inflate), is
//! left to libgit2 by answering None.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use git2::{Oid, Repository};

/// Below this, libgit2 caches the object itself and is as fast.
pub const MIN_SIZE: u64 = 1024 * 1024;

/// Past this a size in a pack is not believed (the object is left to
/// libgit2): a damaged or hostile pack must not make us ask for any
/// amount of memory it names.
const MAX_SIZE: u64 = 512 * 1024 * 1024;

/// How many bytes of resolved objects one thread keeps, the least
/// recently used going first. The base every branch tree is a delta of is
/// used by each, so it stays.
const CACHE_LIMIT: usize = 64 * 1024 * 1024;

/// The tree `id` as stored (its entries' bytes), when it is a packed
/// object of at least [`MIN_SIZE`] bytes that this reader can resolve.
pub fn read_tree(git: &Repository, id: Oid) -> Option<Arc<Vec<u8>>> {
    let objects = git.commondir().join("objects");
    // A repack or a fetch changes the folder of packs: read it again then.
    let listed = std::fs::metadata(objects.join("pack"))
        .and_then(|meta| meta.modified())
        .ok();
    PACKS.with(|packs| {
        let mut packs = packs.borrow_mut();
        if packs
            .as_ref()
            .is_none_or(|p| p.objects != objects || p.listed != listed)
        {
            *packs = Some(Packs::open(&objects, listed));
        }
        let packs = packs.as_mut()?;
        let (pack, offset) = packs.find(id)?;
        let (kind, data) = packs.object(pack, offset, MIN_SIZE)?;
        (kind == TREE).then_some(data)
    })
}

thread_local! {
    /// One reader per thread: the threads that read branch trees each
    /// resolve the chain once, without sharing a lock.
    static PACKS: RefCell<Option<Packs>> = const { RefCell::new(None) };
}

/// Where an object is: (pack, offset).
type Place = (usize, u64);
/// An object's type and bytes.
type Resolved = (u8, Arc<Vec<u8>>);

const TREE: u8 = 2;
const OFS_DELTA: u8 = 6;
const REF_DELTA: u8 = 7;

/// The pack files of one object database.
struct Packs {
    objects: PathBuf,
    /// When the folder of packs was last changed, as seen when it was read.
    listed: Option<std::time::SystemTime>,
    packs: Vec<Pack>,
    /// Resolved objects by (pack, offset), with when each was last used:
    /// the bases of deltas.
    cache: HashMap<Place, (Resolved, u64)>,
    cached_bytes: usize,
    clock: u64,
}

/// One `.pack` and its version 2 `.idx`.
struct Pack {
    file: File,
    /// The whole index file.
    idx: Vec<u8>,
    count: usize,
}

impl Pack {
    fn open(idx_path: &Path) -> Option<Pack> {
        let idx = std::fs::read(idx_path).ok()?;
        // "\377tOc", version 2, the fan-out table.
        if idx.len() < 8 + 256 * 4 || idx[..8] != [0xff, b't', b'O', b'c', 0, 0, 0, 2] {
            return None;
        }
        let count = u32_at(&idx, 8 + 255 * 4)? as usize;
        // Ids, CRCs and offsets; large offsets after them are bounds-checked
        // when read.
        if idx.len() < 8 + 256 * 4 + count * 28 {
            return None;
        }
        let file = File::open(idx_path.with_extension("pack")).ok()?;
        Some(Pack { file, idx, count })
    }

    /// The offset of `id` in the pack, if the index holds it.
    fn find(&self, id: &[u8]) -> Option<u64> {
        let first = id[0] as usize;
        let start = if first == 0 {
            0
        } else {
            u32_at(&self.idx, 8 + (first - 1) * 4)? as usize
        };
        let end = u32_at(&self.idx, 8 + first * 4)? as usize;
        let ids = 8 + 256 * 4;
        let (mut low, mut high) = (start, end.min(self.count));
        while low < high {
            let middle = (low + high) / 2;
            let at = ids + middle * 20;
            match self.idx.get(at..at + 20)?.cmp(id) {
                std::cmp::Ordering::Less => low = middle + 1,
                std::cmp::Ordering::Greater => high = middle,
                std::cmp::Ordering::Equal => return self.offset(middle),
            }
        }
        None
    }

    fn offset(&self, index: usize) -> Option<u64> {
        let offsets = 8 + 256 * 4 + self.count * 24;
        let small = u32_at(&self.idx, offsets + index * 4)?;
        if small & 0x8000_0000 == 0 {
            return Some(u64::from(small));
        }
        let large = offsets + self.count * 4 + (small & 0x7fff_ffff) as usize * 8;
        let bytes = self.idx.get(large..large + 8)?;
        Some(u64::from_be_bytes(bytes.try_into().ok()?))
    }

    /// The object's header at `offset`: its type, its size once inflated,
    /// where the delta's base is (for a delta), and where its zlib stream
    /// starts.
    fn header(&self, offset: u64) -> Option<Header> {
        let mut bytes = [0u8; 64];
        let read = self.file.read_at(&mut bytes, offset).ok()?;
        let bytes = &bytes[..read];
        let mut at = 0;
        let mut byte = *bytes.get(at)?;
        at += 1;
        let kind = (byte >> 4) & 7;
        let mut size = u64::from(byte & 15);
        let mut shift = 4;
        while byte & 0x80 != 0 {
            byte = *bytes.get(at)?;
            at += 1;
            if shift > 57 {
                return None;
            }
            size |= u64::from(byte & 0x7f) << shift;
            shift += 7;
        }
        let base = match kind {
            OFS_DELTA => {
                byte = *bytes.get(at)?;
                at += 1;
                let mut back = u64::from(byte & 0x7f);
                while byte & 0x80 != 0 {
                    byte = *bytes.get(at)?;
                    at += 1;
                    back = back.checked_add(1)?.checked_mul(128)? | u64::from(byte & 0x7f);
                }
                Some(Base::At(offset.checked_sub(back)?))
            }
            REF_DELTA => {
                let id = bytes.get(at..at + 20)?.to_vec();
                at += 20;
                Some(Base::Id(id))
            }
            1..=4 => None,
            _ => return None,
        };
        Some(Header {
            kind,
            size,
            base,
            data: offset + at as u64,
        })
    }

    /// The zlib stream at `at`, which must inflate to exactly `size` bytes.
    fn inflate(&self, at: u64, size: u64) -> Option<Vec<u8>> {
        let size = usize::try_from(size).ok().filter(|_| size <= MAX_SIZE)?;
        let mut out = Vec::with_capacity(size);
        let mut inflater = flate2::Decompress::new(true);
        let mut input = vec![0u8; 64 * 1024];
        let mut position = at;
        loop {
            let read = self.file.read_at(&mut input, position).ok()?;
            if read == 0 {
                return None;
            }
            let (before_in, before_out) = (inflater.total_in(), out.len());
            let status = inflater
                .decompress_vec(&input[..read], &mut out, flate2::FlushDecompress::None)
                .ok()?;
            position += inflater.total_in() - before_in;
            if out.len() > size {
                return None;
            }
            let stuck = inflater.total_in() == before_in && out.len() == before_out;
            if stuck && out.len() < out.capacity() {
                return None;
            }
            match status {
                flate2::Status::StreamEnd => break,
                // The output is full but the stream goes on: more bytes
                // than the header said.
                _ if out.len() == size && out.capacity() == size => {
                    out.reserve(1);
                }
                _ => {}
            }
        }
        (out.len() == size).then_some(out)
    }
}

struct Header {
    kind: u8,
    size: u64,
    base: Option<Base>,
    /// Where the zlib stream starts.
    data: u64,
}

enum Base {
    At(u64),
    Id(Vec<u8>),
}

impl Packs {
    fn open(objects: &Path, listed: Option<std::time::SystemTime>) -> Packs {
        let mut packs = Vec::new();
        if let Ok(entries) = std::fs::read_dir(objects.join("pack")) {
            let mut names: Vec<PathBuf> = entries
                .filter_map(|entry| Some(entry.ok()?.path()))
                .filter(|path| path.extension().is_some_and(|e| e == "idx"))
                .collect();
            names.sort();
            packs.extend(names.iter().filter_map(|path| Pack::open(path)));
        }
        Packs {
            objects: objects.to_path_buf(),
            listed,
            packs,
            cache: HashMap::new(),
            cached_bytes: 0,
            clock: 0,
        }
    }

    fn find(&self, id: Oid) -> Option<Place> {
        self.find_bytes(id.as_bytes())
    }

    fn find_bytes(&self, id: &[u8]) -> Option<Place> {
        self.packs
            .iter()
            .enumerate()
            .find_map(|(index, pack)| Some((index, pack.find(id)?)))
    }

    /// The object at `offset` of pack `pack`, resolved through its delta
    /// chain: its type and bytes. None when it is smaller than `min_size`
    /// (libgit2 then reads it) or anything is not as expected.
    fn object(&mut self, pack: usize, offset: u64, min_size: u64) -> Option<Resolved> {
        // The size of what is asked for, before any work: a whole object's
        // is in its header, a delta's at the start of the delta.
        let top = self.packs.get(pack)?.header(offset)?;
        let size = match top.base {
            None => top.size,
            Some(_) => result_size(&self.packs[pack].inflate(top.data, top.size)?)?,
        };
        if size < min_size {
            return None;
        }
        // Down the chain to a cached object or a whole one.
        let mut chain: Vec<(Place, Header)> = Vec::new();
        let mut at = (pack, offset);
        let (kind, mut data) = loop {
            self.clock += 1;
            if let Some(((kind, data), used)) = self.cache.get_mut(&at) {
                *used = self.clock;
                break (*kind, Arc::clone(data));
            }
            if chain.len() > 10_000 {
                return None;
            }
            let header = self.packs.get(at.0)?.header(at.1)?;
            let next = match &header.base {
                None => {
                    let data = self.packs[at.0].inflate(header.data, header.size)?;
                    break (header.kind, Arc::new(data));
                }
                Some(Base::At(base)) => (at.0, *base),
                Some(Base::Id(id)) => self.find_bytes(id)?,
            };
            chain.push((at, header));
            at = next;
        };
        if !(1..=4).contains(&kind) {
            return None;
        }
        // Up again, applying each delta: every object on the way is the
        // base of the one above it, and of other chains through it.
        while let Some((place, header)) = chain.pop() {
            let delta = self.packs[place.0].inflate(header.data, header.size)?;
            self.remember(at, kind, &data);
            data = Arc::new(apply_delta(&data, &delta)?);
            at = place;
        }
        self.remember(at, kind, &data);
        Some((kind, data))
    }

    fn remember(&mut self, at: Place, kind: u8, data: &Arc<Vec<u8>>) {
        self.clock += 1;
        if let Some((_, used)) = self.cache.get_mut(&at) {
            *used = self.clock;
            return;
        }
        if data.len() > CACHE_LIMIT {
            return;
        }
        while self.cached_bytes + data.len() > CACHE_LIMIT {
            let Some(oldest) = self
                .cache
                .iter()
                .min_by_key(|(_, (_, used))| *used)
                .map(|(place, _)| *place)
            else {
                break;
            };
            if let Some(((_, gone), _)) = self.cache.remove(&oldest) {
                self.cached_bytes -= gone.len();
            }
        }
        self.cached_bytes += data.len();
        self.cache
            .insert(at, ((kind, Arc::clone(data)), self.clock));
    }
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

/// A size at the start of a delta: seven bits a byte, low bits first.
fn delta_size(delta: &[u8], at: &mut usize) -> Option<u64> {
    let mut size = 0u64;
    let mut shift = 0;
    loop {
        let byte = *delta.get(*at)?;
        *at += 1;
        if shift > 63 {
            return None;
        }
        size |= u64::from(byte & 0x7f) << shift;
        shift += 7;
        if byte & 0x80 == 0 {
            return Some(size);
        }
    }
}

/// The size of the object a delta makes.
fn result_size(delta: &[u8]) -> Option<u64> {
    let mut at = 0;
    delta_size(delta, &mut at)?;
    delta_size(delta, &mut at)
}

/// `base` changed by git's delta `delta`: copies from the base and
/// inserted bytes. None when the delta does not fit the base or does not
/// make the size it announces.
fn apply_delta(base: &[u8], delta: &[u8]) -> Option<Vec<u8>> {
    let mut at = 0;
    if delta_size(delta, &mut at)? != base.len() as u64 {
        return None;
    }
    let size = delta_size(delta, &mut at)?;
    let size = usize::try_from(size).ok().filter(|_| size <= MAX_SIZE)?;
    let mut out = Vec::with_capacity(size);
    while at < delta.len() {
        let op = delta[at];
        at += 1;
        if op & 0x80 != 0 {
            let mut offset = 0usize;
            let mut length = 0usize;
            for bit in 0..4 {
                if op & (1 << bit) != 0 {
                    offset |= usize::from(*delta.get(at)?) << (8 * bit);
                    at += 1;
                }
            }
            for bit in 0..3 {
                if op & (0x10 << bit) != 0 {
                    length |= usize::from(*delta.get(at)?) << (8 * bit);
                    at += 1;
                }
            }
            if length == 0 {
                length = 0x10000;
            }
            out.extend_from_slice(base.get(offset..offset.checked_add(length)?)?);
        } else if op != 0 {
            let length = usize::from(op);
            out.extend_from_slice(delta.get(at..at + length)?);
            at += length;
        } else {
            return None;
        }
        if out.len() > size {
            return None;
        }
    }
    (out.len() == size).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::{Command, Stdio};

    fn git(dir: &Path, args: &[&str]) -> Vec<u8> {
        let out = Command::new("git")
            .current_dir(dir)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    }

    /// A repository whose spec folder is a tree of over 1 MB in a deep
    /// delta chain (each commit adds a file and changes one), repacked as
    /// a clone's would be, with the same trees in a second pack too.
    fn deep_chain() -> (tempfile::TempDir, Vec<Oid>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path();
        git(path, &["init", "-q", "-b", "main"]);
        let mut stream = String::new();
        stream.push_str("blob\nmark :1\ndata 4\nabc\n\n");
        let names: Vec<String> = (0..26_000)
            .map(|n| format!("{n:06}-a-spec-with-a-name.md"))
            .collect();
        for commit in 0..12 {
            stream.push_str(&format!(
                "commit refs/heads/main\ncommitter A <a@b> {} +0000\ndata 2\nc\n",
                1_700_000_000 + commit
            ));
            if commit == 0 {
                for name in &names {
                    stream.push_str(&format!("M 100644 :1 specs/{name}\n"));
                }
            } else {
                stream.push_str(&format!(
                    "M 100644 inline specs/{:06}-added.md\ndata 2\n{commit}\n",
                    30_000 + commit
                ));
                stream.push_str(&format!("D specs/{}\n", names[commit as usize * 7]));
            }
            stream.push('\n');
        }
        let mut child = Command::new("git")
            .current_dir(path)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .args(["fast-import", "--quiet"])
            .stdin(Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stream.as_bytes())
            .unwrap();
        assert!(child.wait().unwrap().success());
        git(path, &["repack", "-adq", "--depth=50", "--window=20"]);
        let trees: Vec<Oid> = String::from_utf8(git(path, &["log", "--format=%H", "main"]))
            .unwrap()
            .lines()
            .map(|commit| {
                let tree = git(path, &["rev-parse", &format!("{commit}:specs")]);
                Oid::from_str(String::from_utf8(tree).unwrap().trim()).unwrap()
            })
            .collect();
        (dir, trees)
    }

    #[test]
    fn large_trees_come_out_as_libgit2_reads_them() {
        let (dir, trees) = deep_chain();
        let repo = Repository::open(dir.path()).unwrap();
        let odb = repo.odb().unwrap();
        let mut read_here = 0;
        // Twice: the second time from the cache.
        for _ in 0..2 {
            for &tree in &trees {
                let expected = odb.read(tree).unwrap();
                assert!(expected.data().len() as u64 >= MIN_SIZE);
                if let Some(data) = read_tree(&repo, tree) {
                    assert_eq!(data.as_slice(), expected.data(), "tree {tree}");
                    read_here += 1;
                }
            }
        }
        assert_eq!(
            read_here,
            2 * trees.len(),
            "every large tree read from the pack"
        );
        // Small objects and objects that are not trees are left to libgit2.
        let head = repo.head().unwrap().peel_to_commit().unwrap();
        assert!(read_tree(&repo, head.tree_id()).is_none());
        assert!(read_tree(&repo, head.id()).is_none());
    }

    #[test]
    fn deltas_that_do_not_fit_are_refused() {
        // base "hello world", copy 0..5 then insert "!".
        let base = b"hello world";
        let delta = [11, 6, 0x90, 5, 1, b'!'];
        assert_eq!(apply_delta(base, &delta).as_deref(), Some(&b"hello!"[..]));
        for bad in [
            vec![12, 6, 0x90, 5, 1, b'!'],    // another base size
            vec![11, 7, 0x90, 5, 1, b'!'],    // another result size
            vec![11, 6, 0x91, 8, 5, 1, b'!'], // a copy past the base's end
            vec![11, 6, 0x90, 5, 0],          // op 0
            vec![11, 6, 0x90, 5, 2, b'!'],    // an insert past the end
            vec![11, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01, 0x90, 5], // 32 GiB announced
        ] {
            assert_eq!(apply_delta(base, &bad), None, "{bad:?}");
        }
    }
}

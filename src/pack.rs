//! Large tree objects read straight from the repository's pack files.
//!
//! Why: past about 18,000 specs the spec folder's tree is over 1 MB, and
//! libgit2's pack cache keeps no delta base over 1 MB. That tree is the
//! delta base of every branch's spec folder (47 deltas deep in the
//! benchmark's fixture), so each of a thousand branch trees read through
//! libgit2 inflated the whole chain again: seconds for `new`, `check`,
//! `list --all-branches` and `log` at 100,000 specs.
//!
//! Here a chain is resolved once per process, and without rebuilding each
//! object: an object is [`Pieces`], stretches of the chain's whole object
//! and bytes its deltas inserted, kept (up to [`CACHE_LIMIT`]) as the
//! base of the objects above it. Two trees of one chain are compared in
//! pieces ([`crate::raw_tree::Base::split_tree`]); [`read_tree`] rebuilds
//! one.
//!
//! [`read_tree`] answers for trees of at least [`MIN_SIZE`] bytes; for
//! anything this reader does not know for certain (an index
//! that is not version 2, an object only in a loose file or an alternate,
//! a delta whose sizes do not add up, a stream that does not inflate), is
//! left to libgit2 by answering None.

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

/// How many bytes of resolved objects the process keeps, the least
/// recently used going first. The whole object every branch tree is in
/// pieces of is used by each, so it stays.
const CACHE_LIMIT: usize = 64 * 1024 * 1024;

/// The tree `id` as stored (its entries' bytes), when it is a packed
/// object of at least [`MIN_SIZE`] bytes that this reader can resolve.
pub fn read_tree(git: &Repository, id: Oid) -> Option<Arc<Vec<u8>>> {
    let pieces = tree_pieces(git, id)?;
    (pieces.len() as u64 >= MIN_SIZE).then(|| Arc::new(pieces.read(0..pieces.len())))
}

/// The packed tree `id` as [`Pieces`] of its delta chain's whole object,
/// without rebuilding it: what comparing it with another tree of the same
/// chain needs (see [`crate::raw_tree::Base::split_tree`]). None when it
/// is not a packed tree this reader can resolve.
pub fn tree_pieces(git: &Repository, id: Oid) -> Option<Arc<Pieces>> {
    tree_pieces_in(git.commondir(), id)
}

/// [`tree_pieces`] of the repository whose common git dir is
/// `common_dir`: a thread without a `Repository` of its own (which cannot
/// be shared) can read a tree ahead for another, whose later
/// [`tree_pieces`] of it then comes from the cache.
pub fn tree_pieces_in(common_dir: &Path, id: Oid) -> Option<Arc<Pieces>> {
    with_packs(common_dir, |packs| {
        let (pack, offset) = packs.find(id)?;
        packs.pieces(pack, offset)
    })
}

/// `f` of the process's reader of the packs of the repository whose
/// common git dir is `common_dir`.
fn with_packs<R>(common_dir: &Path, f: impl FnOnce(&mut Packs) -> Option<R>) -> Option<R> {
    let objects = common_dir.join("objects");
    // A repack or a fetch changes the folder of packs: read it again then.
    let listed = std::fs::metadata(objects.join("pack"))
        .and_then(|meta| meta.modified())
        .ok();
    let mut packs = PACKS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if packs
        .as_ref()
        .is_none_or(|p| p.objects != objects || p.listed != listed)
    {
        *packs = Some(Packs::open(&objects, listed));
    }
    f(packs.as_mut()?)
}

/// One reader for the process: the threads that read branch trees share
/// the chain's whole object and bases (resolving them is most of the
/// work; each tree above them is a small delta), taking turns.
static PACKS: std::sync::Mutex<Option<Packs>> = std::sync::Mutex::new(None);

/// Where an object is: (pack, offset).
type Place = (usize, u64);

const TREE: u8 = 2;
const OFS_DELTA: u8 = 6;
const REF_DELTA: u8 = 7;

/// The pack files of one object database.
struct Packs {
    objects: PathBuf,
    /// When the folder of packs was last changed, as seen when it was read.
    listed: Option<std::time::SystemTime>,
    packs: Vec<Pack>,
    /// Objects resolved as [`Pieces`], by (pack, offset): small, as they
    /// share their whole object and hold only the deltas' bytes; the
    /// bases of the deltas above them.
    pieces: HashMap<Place, Kept>,
    /// The sum of what `pieces` costs.
    pieces_bytes: usize,
    /// Counts uses, for the least recently used.
    clock: u64,
}

/// An object in [`Packs::pieces`]: when it was last used, and its cost.
struct Kept {
    pieces: Arc<Pieces>,
    used: u64,
    cost: usize,
}

/// One `.pack` and its version 2 `.idx`.
struct Pack {
    /// The index file's path: which pack a [`Pieces`]'s whole object is in.
    path: Arc<Path>,
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
        Some(Pack {
            path: Arc::from(idx_path),
            file,
            idx,
            count,
        })
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
        // A branch tree's delta is a few hundred bytes compressed: read a
        // little first, then more at a time.
        let mut input = vec![0u8; 4096];
        let mut position = at;
        loop {
            let read = self.file.read_at(&mut input, position).ok()?;
            if input.len() < 64 * 1024 {
                input.resize(input.len() * 4, 0);
            }
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
            pieces: HashMap::new(),
            pieces_bytes: 0,
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

    /// The tree at `offset` of pack `pack` as [`Pieces`] of its chain's
    /// whole object: down the chain to an object already in pieces or a
    /// whole one, then up again, each delta composed with its base's
    /// pieces. None when the chain does not end in a whole tree, or
    /// anything is not as expected.
    fn pieces(&mut self, pack: usize, offset: u64) -> Option<Arc<Pieces>> {
        let mut chain: Vec<(Place, Header)> = Vec::new();
        let mut at = (pack, offset);
        let mut pieces = loop {
            self.clock += 1;
            if let Some(kept) = self.pieces.get_mut(&at) {
                kept.used = self.clock;
                break Arc::clone(&kept.pieces);
            }
            if chain.len() > 10_000 {
                return None;
            }
            let header = self.packs.get(at.0)?.header(at.1)?;
            let next = match &header.base {
                None if header.kind == TREE => {
                    let data = self.packs[at.0].inflate(header.data, header.size)?;
                    let root = (Arc::clone(&self.packs[at.0].path), at.1);
                    let whole = Arc::new(Pieces::whole(root, data));
                    self.keep_pieces(at, &whole);
                    break whole;
                }
                None => return None,
                Some(Base::At(base)) => (at.0, *base),
                Some(Base::Id(id)) => self.find_bytes(id)?,
            };
            chain.push((at, header));
            at = next;
        };
        while let Some((place, header)) = chain.pop() {
            let delta = self.packs[place.0].inflate(header.data, header.size)?;
            let mut next = pieces.apply(&delta)?;
            if next.parts.len() > FLATTEN_PARTS {
                // Far from its whole object (the chain's first tree may be
                // a small, old one): this object becomes the whole one of
                // the objects above it, which then cost a few parts each.
                let root = (Arc::clone(&self.packs[place.0].path), place.1);
                next = Pieces::whole(root, next.read(0..next.len));
            }
            pieces = Arc::new(next);
            self.keep_pieces(place, &pieces);
        }
        Some(pieces)
    }

    /// Keeps `pieces` for the objects above it, within [`CACHE_LIMIT`]:
    /// its parts, and its whole object when it is its own. The least
    /// recently used go first.
    fn keep_pieces(&mut self, at: Place, pieces: &Arc<Pieces>) {
        let mut cost = pieces.parts.len() * std::mem::size_of::<Part>();
        if pieces.root.1 == at.1 && Arc::ptr_eq(&pieces.root.0, &self.packs[at.0].path) {
            cost += pieces.whole.bytes.len();
        }
        if cost > CACHE_LIMIT {
            return;
        }
        while self.pieces_bytes + cost > CACHE_LIMIT {
            let Some(oldest) = self
                .pieces
                .iter()
                .min_by_key(|(_, kept)| kept.used)
                .map(|(place, _)| *place)
            else {
                break;
            };
            if let Some(gone) = self.pieces.remove(&oldest) {
                self.pieces_bytes -= gone.cost;
            }
        }
        self.clock += 1;
        self.pieces_bytes += cost;
        let kept = Kept {
            pieces: Arc::clone(pieces),
            used: self.clock,
            cost,
        };
        if let Some(old) = self.pieces.insert(at, kept) {
            self.pieces_bytes -= old.cost;
        }
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

/// One instruction of a git delta.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    /// `len` bytes of the base from `from`.
    Copy { from: usize, len: usize },
    /// `len` bytes of the delta itself from `from`.
    Insert { from: usize, len: usize },
}

/// A delta's instructions and the size of what it makes, after checking
/// that it is a delta of a base of `base_len` bytes. The iterator gives
/// None for an instruction that cannot be read (an op 0, an insert past
/// the delta's end); whether the copies fit the base and the sizes add
/// up is for the caller.
fn delta_ops(
    delta: &[u8],
    base_len: usize,
) -> Option<(usize, impl Iterator<Item = Option<Op>> + '_)> {
    let mut at = 0;
    if delta_size(delta, &mut at)? != base_len as u64 {
        return None;
    }
    let size = delta_size(delta, &mut at)?;
    let size = usize::try_from(size).ok().filter(|_| size <= MAX_SIZE)?;
    let ops = std::iter::from_fn(move || {
        let op = *delta.get(at)?;
        at += 1;
        if op & 0x80 != 0 {
            let mut from = 0usize;
            let mut len = 0usize;
            for bit in 0..4 {
                if op & (1 << bit) != 0 {
                    let Some(&byte) = delta.get(at) else {
                        return Some(None);
                    };
                    from |= usize::from(byte) << (8 * bit);
                    at += 1;
                }
            }
            for bit in 0..3 {
                if op & (0x10 << bit) != 0 {
                    let Some(&byte) = delta.get(at) else {
                        return Some(None);
                    };
                    len |= usize::from(byte) << (8 * bit);
                    at += 1;
                }
            }
            if len == 0 {
                len = 0x10000;
            }
            Some(Some(Op::Copy { from, len }))
        } else if op != 0 {
            let len = usize::from(op);
            if at + len > delta.len() {
                return Some(None);
            }
            at += len;
            Some(Some(Op::Insert {
                from: at - len,
                len,
            }))
        } else {
            Some(None)
        }
    });
    Some((size, ops))
}

/// A stretch of an object in [`Pieces`]; never empty.
#[derive(Debug, Clone)]
enum Part {
    /// Bytes `from..from + len` of the chain's whole object.
    Whole { from: usize, len: usize },
    /// Bytes `from..from + len` of a delta: bytes it inserted.
    Inserted {
        delta: Arc<Vec<u8>>,
        from: usize,
        len: usize,
    },
}

impl Part {
    fn len(&self) -> usize {
        match self {
            Part::Whole { len, .. } | Part::Inserted { len, .. } => *len,
        }
    }
}

/// An object of a delta chain as what its deltas make of it: stretches
/// of the chain's whole object and bytes the deltas inserted, in order.
///
/// Why: past 20,000 specs each branch's spec folder is a tree of
/// megabytes, a delta of a few hundred bytes away from the others.
/// Rebuilding each to compare it with HEAD's was most of a first `new` or
/// `check` (a thousand trees of 4 MB copied, then compared byte by byte).
/// In pieces, two trees of one chain are compared a stretch at a time: a
/// stretch both copy from the same place of the whole object is equal
/// without looking at it.
#[derive(Debug)]
pub struct Pieces {
    /// The chain's whole object: its pack's index file and offset.
    root: (Arc<Path>, u64),
    whole: Arc<Whole>,
    /// Where each part starts in the object.
    starts: Vec<usize>,
    parts: Vec<Part>,
    len: usize,
}

/// The whole object of a chain, and where its entries start, for
/// looking a name up ([`Pieces::find`]).
#[derive(Debug)]
struct Whole {
    bytes: Vec<u8>,
    /// Where each entry starts as [`crate::raw_tree::entries`] reads
    /// them, then where the last ends; None when the names are not in
    /// strictly increasing byte order (a name cannot then be looked up by
    /// halving). Made when first asked for.
    entries: std::sync::OnceLock<Option<Vec<usize>>>,
}

impl Whole {
    fn entries(&self) -> Option<&[usize]> {
        self.entries
            .get_or_init(|| {
                let mut bounds = vec![0];
                let mut last: Option<&[u8]> = None;
                let mut at = 0;
                while let Some((entry, next)) = crate::raw_tree::entry_at(&self.bytes, at) {
                    if last.is_some_and(|last| last >= entry.name) {
                        return None;
                    }
                    last = Some(entry.name);
                    bounds.push(next);
                    at = next;
                }
                Some(bounds)
            })
            .as_deref()
    }
}

/// Past this many parts an object is not worth keeping in pieces (a delta
/// that scatters its base): None, and the caller rebuilds it.
const MAX_PARTS: usize = 1 << 16;

/// Past this many parts an object is rebuilt and taken as the whole object
/// of the ones above it in its chain (see [`Packs::pieces`]).
const FLATTEN_PARTS: usize = 512;

impl Pieces {
    fn whole(root: (Arc<Path>, u64), bytes: Vec<u8>) -> Pieces {
        let len = bytes.len();
        let whole = Arc::new(Whole {
            bytes,
            entries: std::sync::OnceLock::new(),
        });
        let parts = if len == 0 {
            Vec::new()
        } else {
            vec![Part::Whole { from: 0, len }]
        };
        Pieces {
            root,
            whole,
            starts: if len == 0 { Vec::new() } else { vec![0] },
            parts,
            len,
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether `self` and `other` are pieces of the same whole object, so
    /// that [`Pieces::common_prefix`] can skip what both copy from it.
    pub fn same_chain(&self, other: &Pieces) -> bool {
        self.root == other.root
    }

    /// The object `delta` makes of this one, in pieces.
    fn apply(&self, delta: &[u8]) -> Option<Pieces> {
        let (size, ops) = delta_ops(delta, self.len)?;
        // The bytes this delta inserts, gathered in one buffer (an insert
        // is at most 127 bytes, a new spec's entries take hundreds of
        // them): consecutive inserts make one part. The parts point at a
        // stand-in until the buffer is done.
        let mut inserted: Vec<u8> = Vec::new();
        let stand_in: Arc<Vec<u8>> = Arc::new(Vec::new());
        let mut out = Pieces {
            root: self.root.clone(),
            whole: Arc::clone(&self.whole),
            starts: Vec::new(),
            parts: Vec::new(),
            len: 0,
        };
        for op in ops {
            match op? {
                Op::Copy { from, len } => {
                    if from.checked_add(len)? > self.len {
                        return None;
                    }
                    let mut index = self.part_at(from);
                    let mut at = from;
                    while at < from + len {
                        let start = self.starts[index];
                        let take = (start + self.parts[index].len()).min(from + len) - at;
                        out.push(self.parts[index].slice(at - start, take));
                        at += take;
                        index += 1;
                    }
                }
                Op::Insert { from, len } => {
                    out.push(Part::Inserted {
                        delta: Arc::clone(&stand_in),
                        from: inserted.len(),
                        len,
                    });
                    inserted.extend_from_slice(&delta[from..from + len]);
                }
            }
            if out.len > size || out.parts.len() > MAX_PARTS {
                return None;
            }
        }
        if out.len != size {
            return None;
        }
        let inserted = Arc::new(inserted);
        for part in &mut out.parts {
            if let Part::Inserted { delta, .. } = part {
                if Arc::ptr_eq(delta, &stand_in) {
                    *delta = Arc::clone(&inserted);
                }
            }
        }
        Some(out)
    }

    /// Appends `part`, joined to the last one when it goes on from it.
    fn push(&mut self, part: Part) {
        if let (
            Some(Part::Inserted { delta, from, len }),
            Part::Inserted {
                delta: next_delta,
                from: next,
                len: more,
            },
        ) = (self.parts.last_mut(), &part)
        {
            if Arc::ptr_eq(delta, next_delta) && *from + *len == *next {
                *len += more;
                self.len += more;
                return;
            }
        }
        if let (
            Some(Part::Whole { from, len }),
            Part::Whole {
                from: next,
                len: more,
            },
        ) = (self.parts.last_mut(), &part)
        {
            if *from + *len == *next {
                *len += more;
                self.len += more;
                return;
            }
        }
        self.starts.push(self.len);
        self.len += part.len();
        self.parts.push(part);
    }

    /// The index of the part that holds byte `at` (< len).
    fn part_at(&self, at: usize) -> usize {
        self.starts.partition_point(|&start| start <= at) - 1
    }

    /// The bytes of part `index`.
    fn bytes(&self, index: usize) -> &[u8] {
        match &self.parts[index] {
            Part::Whole { from, len } => &self.whole.bytes[*from..*from + *len],
            Part::Inserted { delta, from, len } => &delta[*from..*from + *len],
        }
    }

    /// Bytes `range` of the object, copied out.
    pub fn read(&self, range: std::ops::Range<usize>) -> Vec<u8> {
        let range = range.start.min(self.len)..range.end.min(self.len);
        let mut out = Vec::with_capacity(range.len());
        if range.start >= range.end {
            return out;
        }
        let mut index = self.part_at(range.start);
        while out.len() < range.len() {
            let start = self.starts[index];
            let bytes = self.bytes(index);
            let from = range.start + out.len() - start;
            let take = (bytes.len() - from).min(range.len() - out.len());
            out.extend_from_slice(&bytes[from..from + take]);
            index += 1;
        }
        out
    }

    /// Where byte `at` of part `index` comes from in the whole object, if
    /// it comes from there.
    fn whole_offset(&self, index: usize, at: usize) -> Option<usize> {
        match self.parts[index] {
            Part::Whole { from, .. } => Some(from + at - self.starts[index]),
            Part::Inserted { .. } => None,
        }
    }

    /// The first entry named `name`, as a scan with
    /// [`crate::raw_tree::entries`] of the rebuilt bytes finds it: its
    /// mode and id. The scan goes entry by entry, but where it stands at
    /// an entry of the whole object, the whole object's entries that the
    /// part copies are looked up by halving and jumped over.
    pub fn find(&self, name: &[u8]) -> Option<(Vec<u8>, [u8; 20])> {
        let whole = &self.whole.bytes;
        let found = |entry: crate::raw_tree::RawEntry<'_>| {
            Some((entry.mode.to_vec(), entry.id.try_into().ok()?))
        };
        let bounds = self.whole.entries();
        let (mut at, mut index) = (0, 0);
        // Rebuilt bytes from `window.0` on, for the entries parsed one by one.
        let mut window: (usize, Vec<u8>) = (0, Vec::new());
        while at < self.len {
            while self.starts[index] + self.parts[index].len() <= at {
                index += 1;
            }
            if let (Some(bounds), Some(from)) = (bounds, self.whole_offset(index, at)) {
                if let Ok(first) = bounds.binary_search(&from) {
                    let part_end = from + (self.starts[index] + self.parts[index].len() - at);
                    // The whole object's entries first..end are in the part.
                    let end = bounds.partition_point(|&b| b <= part_end) - 1;
                    if end > first {
                        let (mut low, mut high) = (first, end);
                        while low < high {
                            let middle = (low + high) / 2;
                            let (entry, _) = crate::raw_tree::entry_at(whole, bounds[middle])?;
                            match entry.name.cmp(name) {
                                std::cmp::Ordering::Less => low = middle + 1,
                                std::cmp::Ordering::Greater => high = middle,
                                std::cmp::Ordering::Equal => return found(entry),
                            }
                        }
                        at += bounds[end] - from;
                        continue;
                    }
                }
            }
            // One entry, parsed from the window, widened until it holds
            // the entry or reaches the end (a malformed entry ends the
            // scan, as it ends `entries`).
            at = loop {
                if at >= window.0 {
                    if let Some((entry, next)) = crate::raw_tree::entry_at(&window.1, at - window.0)
                    {
                        if entry.name == name {
                            return found(entry);
                        }
                        break window.0 + next;
                    }
                    if window.0 + window.1.len() >= self.len {
                        return None;
                    }
                }
                let size = if window.0 == at {
                    window.1.len() * 2
                } else {
                    0
                }
                .max(4096);
                window = (at, self.read(at..at + size));
            };
        }
        None
    }

    /// How many leading bytes `self` and `other` share. Stretches both
    /// copy from the same place of the whole object are equal without a
    /// look; the rest is compared byte for byte.
    pub fn common_prefix(&self, other: &Pieces) -> usize {
        let same = self.same_chain(other);
        let limit = self.len.min(other.len);
        let (mut i, mut j, mut at) = (0, 0, 0);
        while at < limit {
            let end_i = self.starts[i] + self.parts[i].len();
            let end_j = other.starts[j] + other.parts[j].len();
            let n = end_i.min(end_j) - at;
            let equal = same
                && self.whole_offset(i, at).is_some()
                && self.whole_offset(i, at) == other.whole_offset(j, at);
            if equal {
                at += n;
            } else {
                let a = &self.bytes(i)[at - self.starts[i]..][..n];
                let b = &other.bytes(j)[at - other.starts[j]..][..n];
                let k = crate::raw_tree::common_prefix(a, b);
                at += k;
                if k < n {
                    break;
                }
            }
            if at == end_i {
                i += 1;
            }
            if at == end_j {
                j += 1;
            }
        }
        at.min(limit)
    }

    /// How many trailing bytes `self` and `other` share (as
    /// [`Pieces::common_prefix`]).
    pub fn common_suffix(&self, other: &Pieces) -> usize {
        let same = self.same_chain(other);
        let limit = self.len.min(other.len);
        // The parts that hold the byte before each end.
        let (mut i, mut j, mut done) = (self.parts.len(), other.parts.len(), 0);
        while done < limit {
            let (end_a, end_b) = (self.len - done, other.len - done);
            while self.starts[i - 1] >= end_a {
                i -= 1;
            }
            while other.starts[j - 1] >= end_b {
                j -= 1;
            }
            let (start_a, start_b) = (self.starts[i - 1], other.starts[j - 1]);
            let n = (end_a - start_a).min(end_b - start_b).min(limit - done);
            let equal = same
                && self.whole_offset(i - 1, end_a - n).is_some()
                && self.whole_offset(i - 1, end_a - n) == other.whole_offset(j - 1, end_b - n);
            if equal {
                done += n;
            } else {
                let a = &self.bytes(i - 1)[end_a - n - start_a..end_a - start_a];
                let b = &other.bytes(j - 1)[end_b - n - start_b..end_b - start_b];
                let k = crate::raw_tree::common_suffix(a, b);
                done += k;
                if k < n {
                    break;
                }
            }
        }
        done
    }
}

impl Part {
    /// `len` bytes of the part from `at`.
    fn slice(&self, at: usize, len: usize) -> Part {
        match self {
            Part::Whole { from, .. } => Part::Whole {
                from: from + at,
                len,
            },
            Part::Inserted { delta, from, .. } => Part::Inserted {
                delta: Arc::clone(delta),
                from: from + at,
                len,
            },
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
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
    pub(crate) fn deep_chain() -> (tempfile::TempDir, Vec<Oid>) {
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

    /// Pieces of a whole object of `bytes`, outside any pack.
    fn whole(bytes: &[u8]) -> Pieces {
        Pieces::whole((Arc::from(Path::new("test.idx")), 0), bytes.to_vec())
    }

    #[test]
    fn names_are_found_in_pieces_as_a_scan_finds_them() {
        let (dir, trees) = deep_chain();
        let repo = Repository::open(dir.path()).unwrap();
        let odb = repo.odb().unwrap();
        let mut jumped = 0;
        for &tree in &trees {
            let object = odb.read(tree).unwrap();
            let bytes = object.data();
            let pieces = tree_pieces(&repo, tree).unwrap();
            let mut names: Vec<Vec<u8>> = crate::raw_tree::entries(bytes)
                .step_by(1999)
                .map(|entry| entry.name.to_vec())
                .collect();
            names.extend((1..12).map(|n| format!("{:06}-added.md", 30_000 + n).into_bytes()));
            names.extend(
                ["", "000000", "zzz", "000007-a-spec-with-a-name.md"]
                    .map(|n| n.as_bytes().to_vec()),
            );
            if let Some(last) = crate::raw_tree::entries(bytes).last() {
                names.push(last.name.to_vec());
            }
            for name in names {
                let scanned = crate::raw_tree::entries(bytes)
                    .find(|entry| entry.name == name.as_slice())
                    .map(|entry| (entry.mode.to_vec(), <[u8; 20]>::try_from(entry.id).unwrap()));
                assert_eq!(
                    pieces.find(&name),
                    scanned,
                    "{} in {tree}",
                    String::from_utf8_lossy(&name)
                );
            }
            jumped += usize::from(pieces.parts.len() < 100);
        }
        assert_eq!(
            jumped,
            trees.len(),
            "every tree a few parts of its whole object"
        );
    }

    /// git's delta format applied byte by byte, as the format says: the
    /// oracle for [`Pieces::apply`].
    fn reference_apply(base: &[u8], delta: &[u8]) -> Option<Vec<u8>> {
        let mut at = 0;
        if delta_size(delta, &mut at)? != base.len() as u64 {
            return None;
        }
        let size = usize::try_from(delta_size(delta, &mut at)?).ok()?;
        let mut out = Vec::new();
        while at < delta.len() {
            let op = delta[at];
            at += 1;
            if op & 0x80 != 0 {
                let (mut from, mut len) = (0usize, 0usize);
                for bit in 0..7 {
                    if op & (1 << bit) != 0 {
                        let byte = usize::from(*delta.get(at)?);
                        at += 1;
                        if bit < 4 {
                            from |= byte << (8 * bit);
                        } else {
                            len |= byte << (8 * (bit - 4));
                        }
                    }
                }
                if len == 0 {
                    len = 0x10000;
                }
                out.extend_from_slice(base.get(from..from.checked_add(len)?)?);
            } else if op != 0 {
                out.extend_from_slice(delta.get(at..at + usize::from(op))?);
                at += usize::from(op);
            } else {
                return None;
            }
            if out.len() > size {
                return None;
            }
        }
        (out.len() == size).then_some(out)
    }

    /// A delta instruction, for writing deltas in tests.
    enum TestOp {
        /// (from, len) of the base.
        Copy(usize, usize),
        Insert(Vec<u8>),
    }

    /// The delta of `ops` from a base of `base_len` bytes, encoded as git
    /// writes it (an empty insert is left out: git has no such op).
    fn write_delta(base_len: usize, ops: &[TestOp]) -> Vec<u8> {
        let result: usize = ops
            .iter()
            .map(|op| match op {
                TestOp::Copy(_, len) => *len,
                TestOp::Insert(bytes) => bytes.len(),
            })
            .sum();
        let mut out = Vec::new();
        for mut n in [base_len, result] {
            loop {
                let byte = (n & 0x7f) as u8;
                n >>= 7;
                if n == 0 {
                    out.push(byte);
                    break;
                }
                out.push(byte | 0x80);
            }
        }
        for op in ops {
            match op {
                TestOp::Copy(from, len) => {
                    out.push(0x80 | 0x0f | 0x70);
                    out.extend_from_slice(&(*from as u32).to_le_bytes());
                    out.extend_from_slice(&(*len as u32).to_le_bytes()[..3]);
                }
                TestOp::Insert(bytes) if bytes.is_empty() => {}
                TestOp::Insert(bytes) => {
                    out.push(bytes.len() as u8);
                    out.extend_from_slice(bytes);
                }
            }
        }
        out
    }

    /// A delta from a base of `base_len` bytes: each seed a copy from it
    /// or an insert of bytes of `alphabet`.
    fn encode(base_len: usize, seeds: &[(u8, u16, u16)], alphabet: &[u8]) -> Vec<u8> {
        let ops: Vec<TestOp> = seeds
            .iter()
            .map(|&(kind, a, b)| {
                if kind % 3 != 0 && base_len > 0 {
                    let from = usize::from(a) % base_len;
                    TestOp::Copy(from, 1 + usize::from(b) % (base_len - from))
                } else {
                    let len = 1 + usize::from(b) % 40;
                    TestOp::Insert(
                        (0..len)
                            .map(|k| alphabet[(usize::from(a) + k) % alphabet.len()])
                            .collect(),
                    )
                }
            })
            .collect();
        write_delta(base_len, &ops)
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(500))]
        /// Chains of deltas in pieces hold the bytes the deltas make; they
        /// compare, and are read, as those bytes; a damaged delta is
        /// refused exactly when the format refuses it.
        #[test]
        fn pieces_are_the_bytes_their_deltas_make(
            base in proptest::collection::vec(0u8..3, 0..300),
            chain in proptest::collection::vec(
                proptest::collection::vec((0u8..6, 0u16..400, 0u16..400), 1..10),
                1..6,
            ),
            damage in proptest::collection::vec((0usize..64, 0u8..=255), 0..3),
        ) {
            let alphabet = [0u8, 1, 2];
            let mut objects = vec![(whole(&base), base.clone())];
            for seeds in &chain {
                let (below, bytes) = objects.last().unwrap();
                let mut delta = encode(bytes.len(), seeds, &alphabet);
                if objects.len() == chain.len() {
                    for &(at, value) in &damage {
                        let len = delta.len();
                        delta[at % len] = value;
                    }
                }
                let expected = reference_apply(bytes, &delta);
                let made = below.apply(&delta);
                proptest::prop_assert_eq!(made.as_ref().map(|p| p.read(0..p.len())), expected.clone());
                match (made, expected) {
                    (Some(pieces), Some(bytes)) => objects.push((pieces, bytes)),
                    _ => break,
                }
            }
            for (x, xb) in &objects {
                for (y, yb) in &objects {
                    proptest::prop_assert_eq!(x.common_prefix(y), crate::raw_tree::common_prefix(xb, yb));
                    proptest::prop_assert_eq!(x.common_suffix(y), crate::raw_tree::common_suffix(xb, yb));
                }
                let (from, to) = (xb.len() / 3, xb.len() / 3 * 2 + 7);
                proptest::prop_assert_eq!(x.read(from..to), &xb[from.min(xb.len())..to.min(xb.len())]);
            }
        }
    }

    #[test]
    fn deltas_that_do_not_fit_are_refused() {
        // base "hello world", copy 0..5 then insert "!".
        let base = whole(b"hello world");
        let delta = Arc::new(vec![11, 6, 0x90, 5, 1, b'!']);
        let made = base.apply(&delta).unwrap();
        assert_eq!(made.read(0..made.len()), b"hello!");
        for bad in [
            vec![12, 6, 0x90, 5, 1, b'!'],    // another base size
            vec![11, 7, 0x90, 5, 1, b'!'],    // another result size
            vec![11, 6, 0x91, 8, 5, 1, b'!'], // a copy past the base's end
            vec![11, 6, 0x90, 5, 0],          // op 0
            vec![11, 6, 0x90, 5, 2, b'!'],    // an insert past the end
            vec![11, 6, 0x91, 8],             // a copy cut short
            vec![11, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01, 0x90, 5], // 32 GiB announced
        ] {
            assert!(base.apply(&Arc::new(bad.clone())).is_none(), "{bad:?}");
        }
    }

    /// Pieces made by a chain of deltas, compared with the bytes each
    /// makes when applied to the whole bytes of the one below.
    #[test]
    fn pieces_compare_as_their_bytes_do() {
        use TestOp::{Copy, Insert};
        let bytes: Vec<u8> = (0..4000u32).map(|n| (n * 7 % 251) as u8).collect();
        let root = whole(&bytes);
        // a: the middle cut out and something inserted there.
        let a = root
            .apply(&write_delta(
                4000,
                &[Copy(0, 1000), Insert(b"xyz".to_vec()), Copy(2000, 2000)],
            ))
            .unwrap();
        // b: a with its start moved to its end and another insert.
        let b = a
            .apply(&write_delta(
                3003,
                &[Copy(500, 2503), Copy(0, 500), Insert(b"tail".to_vec())],
            ))
            .unwrap();
        // c: b's bytes, copied in small steps (parts that line up with
        // nobody's).
        let steps: Vec<TestOp> = (0..3007)
            .step_by(97)
            .map(|at| Copy(at, 97.min(3007 - at)))
            .collect();
        let c = b.apply(&write_delta(3007, &steps)).unwrap();
        let d = root
            .apply(&write_delta(4000, &[Copy(0, 3999), Insert(b"!".to_vec())]))
            .unwrap();
        // e: inserts in a row, then a copy: one part of inserted bytes.
        let e = d
            .apply(&[0xa0, 0x1f, 8, 2, b'a', b'b', 2, b'c', b'd', 0x90, 4][..])
            .unwrap();
        assert_eq!(e.read(0..e.len()), [&b"abcd"[..], &d.read(0..4)].concat());
        assert_eq!(e.parts.len(), 2);
        let all = [&root, &a, &b, &c, &d, &e];
        for x in all {
            let xb = x.read(0..x.len());
            assert_eq!(xb.len(), x.len());
            for y in all {
                let yb = y.read(0..y.len());
                assert_eq!(x.common_prefix(y), crate::raw_tree::common_prefix(&xb, &yb));
                assert_eq!(x.common_suffix(y), crate::raw_tree::common_suffix(&xb, &yb));
            }
            assert_eq!(x.read(3..20), &xb[3.min(xb.len())..20.min(xb.len())]);
            assert_eq!(x.read(2990..5000), &xb[2990.min(xb.len())..]);
        }
        let mut expected = bytes[..1000].to_vec();
        expected.extend_from_slice(b"xyz");
        expected.extend_from_slice(&bytes[2000..]);
        assert_eq!(a.read(0..a.len()), expected);
        assert_eq!(c.read(0..c.len()), b.read(0..b.len()));
    }
}

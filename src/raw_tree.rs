//! Tree objects read as the bytes git stores, `<mode> <name>\0<20-byte id>`
//! per entry, rather than parsed by libgit2 into an entry list.
//!
//! Why: the spec folder of every branch is read on a first `new` and by
//! `list --all-branches`, thousands of trees of 10,000 entries each, almost
//! all of them the same tree give or take a spec. libgit2's parsing (an
//! octal `strtol` and a copied id per entry) and a lookup per name cost
//! most of those commands. A [`Base`] tree is parsed once; any other tree
//! is then compared with it byte for byte (`memcmp` speed), or a stretch
//! at a time when both are packed in one delta chain ([`Base::split_tree`]),
//! and only the entries in the stretch where the two differ are parsed one
//! by one.
//!
//! Only trees that libgit2 would read the same way take this path: an
//! entry whose mode is not plain octal digits, an empty name, a truncated
//! id make [`Base::split`] give None, and the caller reads that tree with
//! libgit2 as before, so that an odd tree gives the answer (or the error)
//! it always gave.

use std::sync::Arc;

use git2::{ObjectType, Oid, Repository};

use crate::pack::Pieces;

/// One entry of a raw tree object.
#[derive(Debug, Clone, Copy)]
pub struct RawEntry<'a> {
    /// Octal digits, as stored (`100644`, `40000`, `120000`, `160000`).
    pub mode: &'a [u8],
    pub name: &'a [u8],
    /// The 20 bytes of the object id.
    pub id: &'a [u8],
}

impl RawEntry<'_> {
    /// Whether libgit2 calls the entry a blob (`git_tree_entry_type`):
    /// anything but a folder or a submodule, so symbolic links (120000)
    /// too. Only for entries [`strict_entry`] accepted (plain octal mode).
    pub fn is_blob_kind(&self) -> bool {
        let mode = octal(self.mode).unwrap_or(0);
        !matches!(mode & 0o170000, 0o040000 | 0o160000)
    }

    pub fn oid(&self) -> Oid {
        Oid::from_bytes(self.id).unwrap_or(Oid::ZERO_SHA1)
    }
}

/// The entries of a raw tree object, as stored. Stops at the first
/// malformed entry (for readers that only look things up).
pub fn entries(data: &[u8]) -> impl Iterator<Item = RawEntry<'_>> {
    let mut at = 0;
    std::iter::from_fn(move || {
        let (entry, next) = entry_at(data, at)?;
        at = next;
        Some(entry)
    })
}

/// The entry at `data[at..]` as [`entries`] reads it, and where the next
/// one starts; None at the end or at a malformed entry.
pub fn entry_at(data: &[u8], at: usize) -> Option<(RawEntry<'_>, usize)> {
    let space = data.get(at..)?.iter().position(|&b| b == b' ')?;
    let mode = &data[at..at + space];
    let name_start = at + space + 1;
    let nul = data[name_start..].iter().position(|&b| b == 0)?;
    let name = &data[name_start..name_start + nul];
    let id_start = name_start + nul + 1;
    let id = data.get(id_start..id_start + 20)?;
    Some((RawEntry { mode, name, id }, id_start + 20))
}

/// The entry at `data[at..]` and where the next one starts, when it is one
/// libgit2 parses the same way (`git_tree__parse_raw`): a mode of one to
/// six octal digits that fits in 16 bits, a space, a name of 1 to 65,535
/// bytes, a NUL, 20 bytes of id. None for anything else (libgit2 may still
/// accept it, say a mode with a sign; the caller then asks libgit2).
fn strict_entry(data: &[u8], at: usize) -> Option<(RawEntry<'_>, usize)> {
    let rest = data.get(at..)?;
    let space = rest.iter().take(7).position(|&b| b == b' ')?;
    let mode = &rest[..space];
    if mode.is_empty() || octal(mode)? > u32::from(u16::MAX) {
        return None;
    }
    let name_start = space + 1;
    let nul = memchr_nul(&rest[name_start..])?;
    if nul == 0 || nul > usize::from(u16::MAX) {
        return None;
    }
    let name = &rest[name_start..name_start + nul];
    let id_start = name_start + nul + 1;
    let id = rest.get(id_start..id_start + 20)?;
    Some((RawEntry { mode, name, id }, at + id_start + 20))
}

/// The value of a mode in octal digits; None if it has another character
/// or does not fit in 32 bits.
fn octal(digits: &[u8]) -> Option<u32> {
    digits.iter().try_fold(0u32, |value, &digit| {
        if !(b'0'..=b'7').contains(&digit) {
            return None;
        }
        value.checked_mul(8)?.checked_add(u32::from(digit - b'0'))
    })
}

fn memchr_nul(bytes: &[u8]) -> Option<usize> {
    bytes.iter().position(|&b| b == 0)
}

/// `f` of the raw bytes of tree `id` (not copied: a spec folder's tree
/// is half a megabyte at 10,000 specs), or None when it cannot be read or
/// is not a tree (the caller then asks libgit2, which reports why). A
/// tree of a megabyte or more comes from [`crate::pack`], which keeps the
/// delta bases libgit2 would inflate again for every branch.
pub fn with_tree<R>(git: &Repository, id: Oid, f: impl FnOnce(&[u8]) -> R) -> Option<R> {
    if let Some(data) = crate::pack::read_tree(git, id) {
        return Some(f(&data));
    }
    let odb = git.odb().ok()?;
    let object = odb.read(id).ok()?;
    (object.kind() == ObjectType::Tree).then(|| f(object.data()))
}

/// A tree parsed once, that others are compared with (see the module's
/// notes): typically HEAD's spec folder, which most branches' spec folders
/// are a few entries away from.
pub struct Base {
    /// The tree's id (what a memo of splits against it is keyed by).
    id: Oid,
    data: Vec<u8>,
    /// Where each entry starts, then the end of the data: entry `k` is
    /// `data[bounds[k]..bounds[k + 1]]`.
    bounds: Vec<usize>,
    /// The same bytes as pieces of their delta chain (see
    /// [`crate::pack::Pieces`]), when the tree is packed: other trees of
    /// the chain are then split without being rebuilt.
    pieces: Option<Arc<Pieces>>,
}

/// A tree split against a [`Base`]: how ([`Split`]), and the tree's own
/// entries in between, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeSplit {
    pub split: Split,
    /// The bytes of the own entries, each one [`strict_entry`] accepts.
    own: Vec<u8>,
}

impl TreeSplit {
    /// The tree's entries that are not the base's, in stored order.
    pub fn own(&self) -> impl Iterator<Item = RawEntry<'_>> {
        entries(&self.own)
    }
}

/// Why a split of part of a tree stopped.
enum Unsplit {
    /// An entry [`strict_entry`] refuses: the tree is read with libgit2.
    Refused,
    /// The bytes given ran out before the split was found.
    Short,
}

/// How a tree is made of a [`Base`]'s entries and its own: the base's
/// entries `..head`, then the tree's own entries (given to `split`'s
/// callback), then the base's entries `tail..`. `head` and `tail` are
/// entry indices of the base.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Split {
    pub head: usize,
    pub tail: usize,
}

impl Base {
    /// The base for reading `trees`, spec folders of `dir`: HEAD's spec
    /// folder, which most branches are a few specs away from, else the
    /// first of them. None when neither can be read raw (a base only saves
    /// time, so nothing here is an error).
    pub fn for_spec_folders(repo: &crate::repo::Repo, dir: &str, trees: &[Oid]) -> Option<Base> {
        let head = repo.head_commit().ok().flatten().map(|commit| commit.id());
        let head_folder = head.and_then(|id| crate::repo::spec_folder(&repo.git, id, dir).ok()?);
        let id = head_folder.or(trees.first().copied())?;
        Base::read(&repo.git, id)
    }

    /// Tree `id` as a base; None when it cannot be read raw.
    pub fn read(git: &Repository, id: Oid) -> Option<Base> {
        // A packed tree is rebuilt from its pieces, which are kept for
        // splitting the other trees of its chain.
        if let Some(pieces) = crate::pack::tree_pieces(git, id) {
            let mut base = Base::new(id, pieces.read(0..pieces.len()))?;
            base.pieces = Some(pieces);
            return Some(base);
        }
        Base::new(id, with_tree(git, id, <[u8]>::to_vec)?)
    }

    /// The tree `id`, whose bytes are `data`. None when `data` has an
    /// entry [`strict_entry`] refuses.
    pub fn new(id: Oid, data: Vec<u8>) -> Option<Base> {
        let mut bounds = vec![0];
        let mut at = 0;
        while at < data.len() {
            at = strict_entry(&data, at)?.1;
            bounds.push(at);
        }
        Some(Base {
            id,
            data,
            bounds,
            pieces: None,
        })
    }

    pub fn len(&self) -> usize {
        self.bounds.len() - 1
    }

    pub fn id(&self) -> Oid {
        self.id
    }

    /// The base's entry `index`, in stored order.
    pub fn entry(&self, index: usize) -> Option<RawEntry<'_>> {
        let start = *self.bounds.get(index)?;
        self.bounds.get(index + 1)?;
        strict_entry(&self.data, start).map(|(entry, _)| entry)
    }

    /// The base's entries, in stored order.
    pub fn entries(&self) -> impl Iterator<Item = RawEntry<'_>> + '_ {
        self.bounds
            .windows(2)
            .filter_map(|w| strict_entry(&self.data, w[0]).map(|(entry, _)| entry))
    }

    /// Splits tree `id` against the base (see [`Base::split`]). A packed
    /// tree of the base's delta chain is split from its pieces: only the
    /// stretch where it differs from the base is rebuilt. None as for
    /// [`Base::split`], or when the tree cannot be read raw.
    pub fn split_tree(&self, git: &Repository, id: Oid) -> Option<TreeSplit> {
        if let Some(mine) = &self.pieces {
            if let Some(theirs) = crate::pack::tree_pieces(git, id).filter(|p| p.same_chain(mine)) {
                return self.split_pieces(mine, &theirs);
            }
        }
        with_tree(git, id, |data| self.split(data))?
    }

    /// [`Base::split`] of `tree`, a tree in pieces of the same chain as
    /// `mine`, the base's pieces.
    fn split_pieces(&self, mine: &Pieces, tree: &Pieces) -> Option<TreeSplit> {
        let prefix = mine.common_prefix(tree);
        let suffix = mine.common_suffix(tree);
        let head = self.bounds.partition_point(|&b| b <= prefix) - 1;
        let start = self.bounds[head];
        // The differing stretch and a little more: the split ends at the
        // first entry that starts in the common suffix, unless the entries
        // there do not line up with the base's.
        let ends = [
            tree.len().saturating_sub(suffix).max(start) + 4096,
            tree.len(),
        ];
        for end in ends {
            let window = tree.read(start..end.min(tree.len()));
            match self.split_from(head, suffix, tree.len(), &window) {
                Ok(split) => return Some(split),
                Err(Unsplit::Refused) => return None,
                Err(Unsplit::Short) => continue,
            }
        }
        None
    }

    /// Splits `tree` (raw bytes) as [`Split`] says. None when the tree has
    /// an entry [`strict_entry`] refuses.
    ///
    /// The common prefix of the two byte strings, cut back to the end of a
    /// base entry, is the base's first entries (parsing an entry reads
    /// only its own bytes). From there the tree is parsed entry by entry
    /// until it reaches a point where the rest of it equals the rest of
    /// the base from a base entry's start on: that rest is those entries.
    pub fn split(&self, tree: &[u8]) -> Option<TreeSplit> {
        let prefix = common_prefix(&self.data, tree);
        let suffix = common_suffix(&self.data, tree);
        let head = self.bounds.partition_point(|&b| b <= prefix) - 1;
        self.split_from(head, suffix, tree.len(), &tree[self.bounds[head]..])
            .ok()
    }

    /// The split of a tree of `tree_len` bytes that begins with the base's
    /// entries `..head` and ends with `suffix` bytes of the base, from
    /// `rest`: the tree's bytes from the end of those entries on (all of
    /// them, or the first few).
    fn split_from(
        &self,
        head: usize,
        suffix: usize,
        tree_len: usize,
        rest: &[u8],
    ) -> Result<TreeSplit, Unsplit> {
        let start = self.bounds[head];
        let mut at = start;
        loop {
            // tree[at..] == base[at + len(base) - len(tree)..] here.
            if at + suffix >= tree_len {
                let in_base = at + self.data.len() - tree_len;
                if let Ok(tail) = self.bounds.binary_search(&in_base) {
                    return Ok(TreeSplit {
                        split: Split { head, tail },
                        own: rest[..at - start].to_vec(),
                    });
                }
            }
            // A prefix of an entry's bytes never parses as another entry:
            // cut short, it only fails.
            match strict_entry(rest, at - start) {
                Some((_, next)) => at = start + next,
                None if start + rest.len() < tree_len => return Err(Unsplit::Short),
                None => return Err(Unsplit::Refused),
            }
        }
    }
}

/// How many leading bytes `a` and `b` share, compared a block at a time
/// (`memcmp`) rather than byte by byte.
pub(crate) fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    const BLOCK: usize = 512;
    let len = a.len().min(b.len());
    let mut n = 0;
    while n + BLOCK <= len && a[n..n + BLOCK] == b[n..n + BLOCK] {
        n += BLOCK;
    }
    while n < len && a[n] == b[n] {
        n += 1;
    }
    n
}

/// How many trailing bytes `a` and `b` share (see [`common_prefix`]).
pub(crate) fn common_suffix(a: &[u8], b: &[u8]) -> usize {
    const BLOCK: usize = 512;
    let len = a.len().min(b.len());
    let (a, b) = (&a[a.len() - len..], &b[b.len() - len..]);
    let mut n = 0;
    while n + BLOCK <= len && a[len - n - BLOCK..len - n] == b[len - n - BLOCK..len - n] {
        n += BLOCK;
    }
    while n < len && a[len - n - 1] == b[len - n - 1] {
        n += 1;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(mode: &str, name: &[u8], id: u8) -> Vec<u8> {
        let mut out = mode.as_bytes().to_vec();
        out.push(b' ');
        out.extend_from_slice(name);
        out.push(0);
        out.extend_from_slice(&[id; 20]);
        out
    }

    fn tree(entries: &[(&str, &[u8], u8)]) -> Vec<u8> {
        entries
            .iter()
            .flat_map(|(mode, name, id)| entry(mode, name, *id))
            .collect()
    }

    /// Entries as (mode, name, first byte of the id).
    type Described = Vec<(Vec<u8>, Vec<u8>, u8)>;

    /// What `split` says the tree is.
    fn rebuilt(base: &Base, data: &[u8]) -> Option<Described> {
        let split = base.split(data)?;
        let own: Vec<RawEntry<'_>> = split.own().collect();
        let split = split.split;
        let all: Vec<RawEntry<'_>> = base.entries().collect();
        let described: Vec<RawEntry<'_>> = all[..split.head]
            .iter()
            .copied()
            .chain(own)
            .chain(all[split.tail..].iter().copied())
            .collect();
        Some(
            described
                .iter()
                .map(|e| (e.mode.to_vec(), e.name.to_vec(), e.id[0]))
                .collect(),
        )
    }

    fn parsed(data: &[u8]) -> Described {
        entries(data)
            .map(|e| (e.mode.to_vec(), e.name.to_vec(), e.id[0]))
            .collect()
    }

    #[test]
    fn a_split_describes_the_tree_exactly() {
        let names: Vec<Vec<u8>> = (0..200)
            .map(|n| format!("{n:04}-spec.md").into_bytes())
            .collect();
        let full: Vec<(&str, &[u8], u8)> =
            names.iter().map(|n| ("100644", n.as_slice(), 1)).collect();
        let base = Base::new(Oid::ZERO_SHA1, tree(&full)).unwrap();
        assert_eq!(base.len(), 200);
        let mut variants: Vec<Vec<(&str, &[u8], u8)>> = vec![
            full.clone(),
            Vec::new(),
            full[1..].to_vec(),
            full[..199].to_vec(),
            full[50..120].to_vec(),
        ];
        let mut added = full.clone();
        added.insert(100, ("100644", b"0099a.md", 2));
        variants.push(added);
        let mut changed = full.clone();
        changed[7].2 = 9;
        changed[150].0 = "120000";
        variants.push(changed);
        let mut repeated = full.clone();
        repeated.extend_from_slice(&full);
        variants.push(repeated);
        // An id whose bytes look like the start of an entry.
        let mut tricky = full.clone();
        tricky[3].2 = b' ';
        tricky.push(("40000", b"sub", 0));
        variants.push(tricky);
        for variant in variants {
            let data = tree(&variant);
            assert_eq!(rebuilt(&base, &data), Some(parsed(&data)));
        }
    }

    #[test]
    fn trees_libgit2_might_read_otherwise_are_refused() {
        let base = Base::new(Oid::ZERO_SHA1, tree(&[("100644", b"a.md", 1)])).unwrap();
        for bad in [
            tree(&[("+100644", b"a.md", 1)]),
            tree(&[("100648", b"a.md", 1)]),
            tree(&[("100644", b"", 1)]),
            tree(&[("1006440", b"a.md", 1)]),
            b"100644 a.md\0short".to_vec(),
        ] {
            assert_eq!(base.split(&bad), None, "{bad:?}");
            assert!(Base::new(Oid::ZERO_SHA1, bad).is_none());
        }
    }

    #[test]
    fn kinds_follow_libgit2() {
        let data = tree(&[
            ("100644", b"a", 0),
            ("100755", b"b", 0),
            ("120000", b"c", 0),
            ("40000", b"d", 0),
            ("160000", b"e", 0),
        ]);
        let kinds: Vec<bool> = entries(&data).map(|e| e.is_blob_kind()).collect();
        assert_eq!(kinds, [true, true, true, false, false]);
    }

    #[test]
    fn splits_from_pieces_are_splits_of_the_bytes() {
        let (dir, trees) = crate::pack::tests::deep_chain();
        let repo = Repository::open(dir.path()).unwrap();
        let odb = repo.odb().unwrap();
        let bytes: Vec<Vec<u8>> = trees
            .iter()
            .map(|&id| odb.read(id).unwrap().data().to_vec())
            .collect();
        for (b, &base_id) in trees.iter().enumerate() {
            let base = Base::read(&repo, base_id).unwrap();
            let pieces = base.pieces.as_ref().expect("a packed base is in pieces");
            assert_eq!(base.data, bytes[b]);
            for (t, &tree) in trees.iter().enumerate() {
                let theirs = crate::pack::tree_pieces(&repo, tree).unwrap();
                assert!(theirs.same_chain(pieces), "tree {t} in the base's chain");
                let split = base.split_tree(&repo, tree);
                assert!(split.is_some(), "tree {t} against base {b}");
                assert_eq!(split, base.split(&bytes[t]), "tree {t} against base {b}");
            }
        }
    }
}

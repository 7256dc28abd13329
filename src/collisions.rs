//! `id-collision`: ids in the working tree that another branch uses for a
//! different spec, the collision two branches create when both add
//! SPEC-0023.
//!
//! Branches are compared by the names in their spec folder; no file is
//! read. What a spec folder tree holds is memoised, as a difference from a
//! base tree, by tree id in `<git dir>/git-spec/check-cache`, so with
//! thousands of branches a run reads the refs, the cache and one tree.
//! Renames found in shared history are not collisions.

use std::collections::{BTreeMap, HashMap, HashSet};

use anyhow::{anyhow, Result};
use git2::{ObjectType, Oid, Repository};

use crate::catalog::WorkingFile;
use crate::memo::{ObjectMemo, Record};
use crate::project::Project;
use crate::raw_tree;
use crate::repo::spec_folder;
use crate::rules::Finding;
use crate::scheme::NamePattern;

// ---------------------------------------------------------------------------
// id-collision
// ---------------------------------------------------------------------------

/// A commit whose spec folder is compared with the working tree.
struct Target {
    /// How the finding names it: a branch's short name, or the ref as given.
    label: String,
    commit: Oid,
}

/// `id-collision` findings against `against`, or against every local and
/// remote-tracking branch except the checked-out one.
pub fn find(
    project: &Project,
    cache: &mut Cache,
    files: &[WorkingFile],
    against: &[String],
) -> Result<Vec<Finding>> {
    let git = &project.repo.git;
    let targets = targets(project, against)?;
    if targets.is_empty() || files.iter().all(|file| file.number.is_none()) {
        return Ok(Vec::new());
    }
    let working = Working::new(files, &project.scheme.file);

    let dir = project.config.dir.as_str();
    let head = project.repo.head_commit()?;
    let head_tree = match &head {
        Some(commit) => spec_folder(git, commit.id(), dir)?,
        None => None,
    };

    // Commit -> spec folder tree, then the trees not yet summarised.
    // Commits not in the memo are read on all cores (a first run reads
    // thousands).
    let known: Vec<Option<Option<Oid>>> = targets.iter().map(|t| cache.commit(t.commit)).collect();
    let unknown_commits: Vec<(&str, Oid)> = targets
        .iter()
        .zip(&known)
        .filter(|(_, known)| known.is_none())
        .map(|(target, _)| (target.label.as_str(), target.commit))
        .collect();
    let mut found_folders = crate::repo::spec_folders(git, &unknown_commits, dir)?.into_iter();
    let mut target_trees = Vec::with_capacity(targets.len());
    for (target, known) in targets.iter().zip(known) {
        let tree = match known {
            Some(tree) => tree,
            None => {
                let tree = found_folders.next().flatten();
                cache.remember_commit(target.commit, tree);
                tree
            }
        };
        target_trees.push(tree);
    }
    // Each once, in branch order (a set: with 10,000 refs a linear search
    // of the list was 50 million comparisons).
    let mut unknown: Vec<Oid> = Vec::new();
    let mut seen: HashSet<Oid> = HashSet::new();
    for tree in target_trees.iter().flatten() {
        if cache.summary(*tree).is_none() && seen.insert(*tree) {
            unknown.push(*tree);
        }
    }
    if !unknown.is_empty() {
        let base = head_tree.unwrap_or(unknown[0]);
        for (tree, summary) in summarise(git, &unknown, base, working.pattern)? {
            cache.remember_tree(tree, summary);
        }
    }

    // Candidates: names on a branch with a working-tree number but not a
    // working-tree name. Worked out once per base, then per tree from its
    // difference to the base.
    let mut base_candidates: HashMap<Oid, Option<Vec<String>>> = HashMap::new();
    let mut tree_candidates: HashMap<Oid, Vec<String>> = HashMap::new();
    for tree in target_trees.iter().flatten() {
        if tree_candidates.contains_key(tree) {
            continue;
        }
        let mut summary = cache
            .summary(*tree)
            .cloned()
            .expect("every tree was summarised");
        let mut from_base = working.base_candidates(git, cache, &mut base_candidates, summary.base);
        if from_base.is_none() {
            // The base is gone (gc): this tree becomes its own base.
            summary = Summary {
                base: *tree,
                added: Vec::new(),
                removed: Vec::new(),
            };
            cache.remember_tree(*tree, summary.clone());
            from_base = working.base_candidates(git, cache, &mut base_candidates, *tree);
        }
        let mut candidates = from_base.unwrap_or_default();
        candidates.retain(|name| !summary.removed.contains(name));
        candidates.extend(working.candidates(summary.added.iter().map(String::as_str)));
        tree_candidates.insert(*tree, candidates);
    }

    // Each candidate against each working file with its number, unless
    // shared history says one is a rename of the other.
    let mut history = SharedHistory::new(git, dir, head.as_ref().map(|c| c.id()), head_tree);
    let mut found: BTreeMap<(usize, String), Vec<String>> = BTreeMap::new();
    for (target, tree) in targets.iter().zip(&target_trees) {
        let Some(tree) = tree else { continue };
        for name in &tree_candidates[tree] {
            let Some(number) = working.pattern.number_in(name) else {
                continue;
            };
            for index in working.with_number(number) {
                if history.is_rename(target.commit, *tree, name, files[index].name())? {
                    continue;
                }
                found
                    .entry((index, name.clone()))
                    .or_default()
                    .push(target.label.clone());
            }
        }
    }
    Ok(found
        .into_iter()
        .map(|((index, name), labels)| collision(project, &files[index], &name, labels))
        .collect())
}

/// The refs to compare with: `--against` as given, else every branch.
fn targets(project: &Project, against: &[String]) -> Result<Vec<Target>> {
    if against.is_empty() {
        return branch_targets(project);
    }
    against
        .iter()
        .map(|spec| {
            let commit = project
                .repo
                .git
                .revparse_single(spec)
                .and_then(|object| object.peel_to_commit())
                .map_err(|err| anyhow!("--against {spec}: {}", err.message()))?;
            Ok(Target {
                label: spec.clone(),
                commit: commit.id(),
            })
        })
        .collect()
}

/// The finding for `file`, whose number `name` also carries on the
/// branches `labels`.
fn collision(
    project: &Project,
    file: &WorkingFile,
    name: &str,
    mut labels: Vec<String>,
) -> Finding {
    labels.sort();
    labels.dedup();
    let shown = match labels.len() {
        1 => format!("branch {}", labels[0]),
        n if n <= 4 => format!(
            "branches {} and {}",
            labels[..n - 1].join(", "),
            labels[n - 1]
        ),
        n => format!("branches {} and {} more", labels[..3].join(", "), n - 3),
    };
    let other = format!("{}/{name}", project.config.dir);
    Finding::new(
        &file.path,
        file.line,
        "id-collision",
        format!(
            "{} is used for a different spec on {shown}: {other}; give one of them a new id (`git spec renumber {}` renumbers this one)",
            project.scheme.spec_id(file.number.unwrap_or(0)),
            file.path
        ),
    )
}

/// Local and remote-tracking branches, but the checked-out one.
fn branch_targets(project: &Project) -> Result<Vec<Target>> {
    Ok(crate::catalog::branch_tips(project)?
        .into_iter()
        .map(|(label, commit)| Target { label, commit })
        .collect())
}

/// The working tree's spec files, for the candidate test. The index by
/// number is built when a candidate test first needs it: with every base's
/// candidates memoised and nothing added on the branches, a run needs none.
struct Working<'a> {
    files: &'a [WorkingFile],
    /// (number, index into `files`), sorted: a sorted vector, not a map of
    /// vectors, since 100,000 small allocations were most of its cost.
    by_number: std::cell::OnceCell<Vec<(u64, usize)>>,
    pattern: &'a NamePattern,
}

impl<'a> Working<'a> {
    fn new(files: &'a [WorkingFile], pattern: &'a NamePattern) -> Working<'a> {
        Working {
            files,
            by_number: std::cell::OnceCell::new(),
            pattern,
        }
    }

    /// The indices of the working files whose number compared with other
    /// branches is `number`.
    fn with_number(&self, number: u64) -> impl Iterator<Item = usize> + '_ {
        let sorted = self.by_number.get_or_init(|| {
            let mut sorted: Vec<(u64, usize)> = self
                .files
                .iter()
                .enumerate()
                .filter_map(|(index, file)| Some((file.number?, index)))
                .collect();
            sorted.sort_unstable();
            sorted
        });
        let start = sorted.partition_point(|&(n, _)| n < number);
        sorted[start..]
            .iter()
            .take_while(move |&&(n, _)| n == number)
            .map(|&(_, index)| index)
    }

    /// What the candidates of a tree depend on besides the tree: every
    /// working file's name and number, as 128 bits (two SipHash digests
    /// with different starts, fed in one pass), so that a memoised answer
    /// is used only for the very same working tree.
    fn fingerprint(&self) -> String {
        use std::hash::{Hash, Hasher};
        let mut digests = [1u8, 2].map(|start| {
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            start.hash(&mut hasher);
            hasher
        });
        for file in self.files {
            let name = file.name();
            for hasher in &mut digests {
                name.hash(hasher);
                file.number.hash(hasher);
            }
        }
        let [first, second] = digests.map(|hasher| hasher.finish());
        format!("{first:016x}{second:016x}")
    }

    /// The names that carry a working-tree number without being a
    /// working-tree name. A working file of that name would carry the
    /// name's number, so only the files with that number are compared.
    fn candidates<'n>(&self, names: impl Iterator<Item = &'n str>) -> Vec<String> {
        names
            .filter(|name| {
                self.pattern.number_in(name).is_some_and(|number| {
                    let mut same = self.with_number(number).peekable();
                    same.peek().is_some() && same.all(|index| self.files[index].name() != *name)
                })
            })
            .map(str::to_string)
            .collect()
    }

    /// The candidates among all the files of a base tree, memoised for
    /// this run and, by the working tree's fingerprint, in the check memo
    /// (reading a tree of 10,000 names was most of a warm check's id
    /// test); None when the tree cannot be read.
    fn base_candidates(
        &self,
        git: &Repository,
        cache: &mut Cache,
        memo: &mut HashMap<Oid, Option<Vec<String>>>,
        base: Oid,
    ) -> Option<Vec<String>> {
        if let Some(known) = memo.get(&base) {
            return known.clone();
        }
        let fingerprint = self.fingerprint();
        let found = match cache.candidates(base, &fingerprint) {
            Some(names) => Some(names.to_vec()),
            None => {
                let found = git.find_tree(base).ok().map(|tree| {
                    let names = blob_names(&tree);
                    self.candidates(
                        names
                            .iter()
                            .filter_map(|name| std::str::from_utf8(name).ok()),
                    )
                });
                if let Some(names) = &found {
                    cache.remember_candidates(base, fingerprint, names.clone());
                }
                found
            }
        };
        memo.insert(base, found.clone());
        found
    }
}

/// Names of the files (blobs) of a tree, in git's order, which for files
/// alone is byte order.
fn blob_names(tree: &git2::Tree<'_>) -> Vec<Vec<u8>> {
    let mut names: Vec<Vec<u8>> = tree
        .iter()
        .filter(|entry| entry.kind() == Some(ObjectType::Blob))
        .map(|entry| entry.name_bytes().to_vec())
        .collect();
    if !names.is_sorted() {
        names.sort();
    }
    names
}

/// What a spec folder tree holds, as a difference to another one (the
/// base): file names that follow the file pattern, added and removed.
#[derive(Debug, Clone, PartialEq)]
struct Summary {
    base: Oid,
    added: Vec<String>,
    removed: Vec<String>,
}

/// Summaries of `trees` against `base`, whose file names are given. A
/// first run in a large clone reads thousands of trees, so the work is
/// shared among threads, each with its own handle on the repository.
fn summarise(
    git: &Repository,
    trees: &[Oid],
    base: Oid,
    pattern: &NamePattern,
) -> Result<Vec<(Oid, Summary)>> {
    const PER_THREAD_MINIMUM: usize = 16;
    // Most trees are the base give or take a spec: compared with it as raw
    // bytes, only the stretch where they differ is read entry by entry
    // (libgit2 parsed all 10,000 entries of each of 2,000 trees). A base
    // whose file names are not in byte order is read the old way.
    let raw_base = raw_tree::Base::read(git, base).filter(|raw| {
        let names: Vec<&[u8]> = raw
            .entries()
            .filter(raw_tree::RawEntry::is_blob_kind)
            .map(|entry| entry.name)
            .collect();
        names.windows(2).all(|pair| pair[0] < pair[1])
    });
    // The base's file names, for the trees read the old way: from the raw
    // base when there is one (its kinds are libgit2's, its names in order),
    // so the base is read once.
    let base_names: Vec<Vec<u8>> = match &raw_base {
        Some(raw) => raw
            .entries()
            .filter(raw_tree::RawEntry::is_blob_kind)
            .map(|entry| entry.name.to_vec())
            .collect(),
        None => blob_names(&git.find_tree(base)?),
    };
    let base_names = base_names.as_slice();
    let one = |git: &Repository, id: Oid| -> Result<(Oid, Summary)> {
        if let Some(summary) = raw_base
            .as_ref()
            .and_then(|raw| split_summary(git, raw, base, id, pattern))
        {
            return Ok((id, summary));
        }
        // Straight from the entries: copying ten thousand names out of
        // each of thousands of trees would cost more than reading them.
        let tree = git.find_tree(id)?;
        let mut differ = Differ::new(base, base_names, pattern);
        let in_order = tree
            .iter()
            .filter(|entry| entry.kind() == Some(ObjectType::Blob))
            .all(|entry| differ.push(entry.name_bytes()));
        let summary = if in_order {
            differ.finish()
        } else {
            difference(base, base_names, &blob_names(&tree), pattern)
        };
        Ok((id, summary))
    };
    let git_dir = git.path();
    crate::parallel::map_with(
        trees,
        PER_THREAD_MINIMUM,
        || Repository::open(git_dir),
        |git, &tree| {
            let git = git
                .as_ref()
                .map_err(|err| anyhow!("cannot open the repository: {}", err.message()))?;
            one(git, tree)
        },
    )
    .into_iter()
    .collect()
}

/// The [`Summary`] of tree `id` against the raw base, from the stretch
/// where the two differ: the tree's own entries there against the base's
/// entries they replace. None (read it the old way) when that stretch is
/// anything but files in byte order between the base's neighbouring
/// entries, so that an odd tree gives the answer it always gave.
fn split_summary(
    git: &Repository,
    raw: &raw_tree::Base,
    base: Oid,
    id: Oid,
    pattern: &NamePattern,
) -> Option<Summary> {
    let tree = raw.split_tree(git, id)?;
    let own: Vec<raw_tree::RawEntry<'_>> = tree.own().collect();
    let split = tree.split;
    let in_order = own.windows(2).all(|pair| pair[0].name < pair[1].name);
    let after_head = match (split.head.checked_sub(1), own.first()) {
        (Some(before), Some(first)) => raw.entry(before)?.name < first.name,
        _ => true,
    };
    let before_tail = match (split.tail < raw.len(), own.last()) {
        (true, Some(last)) => last.name < raw.entry(split.tail)?.name,
        _ => true,
    };
    if !(in_order && after_head && before_tail && own.iter().all(|e| e.is_blob_kind())) {
        return None;
    }
    let replaced: Vec<&[u8]> = (split.head..split.tail)
        .map(|index| raw.entry(index))
        .collect::<Option<Vec<_>>>()?
        .into_iter()
        .filter(raw_tree::RawEntry::is_blob_kind)
        .map(|entry| entry.name)
        .collect();
    let mut summary = Summary {
        base,
        added: Vec::new(),
        removed: Vec::new(),
    };
    for entry in &own {
        if replaced.binary_search(&entry.name).is_err() {
            keep(pattern, entry.name, &mut summary.added);
        }
    }
    for name in &replaced {
        if !own.iter().any(|entry| entry.name == *name) {
            keep(pattern, name, &mut summary.removed);
        }
    }
    Some(summary)
}

/// The pattern-following names only in `names` (added) and only in
/// `base_names` (removed); both lists sorted.
fn difference(
    base: Oid,
    base_names: &[Vec<u8>],
    names: &[Vec<u8>],
    pattern: &NamePattern,
) -> Summary {
    let mut differ = Differ::new(base, base_names, pattern);
    for name in names {
        differ.push(name);
    }
    differ.finish()
}

/// A merge of sorted names against the sorted names of a base, one name at
/// a time.
struct Differ<'a> {
    base_names: &'a [Vec<u8>],
    pattern: &'a NamePattern,
    /// Next base name to compare.
    next: usize,
    previous: Vec<u8>,
    summary: Summary,
}

impl<'a> Differ<'a> {
    fn new(base: Oid, base_names: &'a [Vec<u8>], pattern: &'a NamePattern) -> Differ<'a> {
        Differ {
            base_names,
            pattern,
            next: 0,
            previous: Vec::new(),
            summary: Summary {
                base,
                added: Vec::new(),
                removed: Vec::new(),
            },
        }
    }

    /// Takes the next name; false when it is not after the previous one
    /// (the merge then needs sorted names).
    fn push(&mut self, name: &[u8]) -> bool {
        if !self.previous.is_empty() && name <= self.previous.as_slice() {
            return false;
        }
        self.previous.clear();
        self.previous.extend_from_slice(name);
        while let Some(old) = self.base_names.get(self.next) {
            if old.as_slice() >= name {
                break;
            }
            keep(self.pattern, old, &mut self.summary.removed);
            self.next += 1;
        }
        if self.base_names.get(self.next).map(Vec::as_slice) == Some(name) {
            self.next += 1;
        } else {
            keep(self.pattern, name, &mut self.summary.added);
        }
        true
    }

    fn finish(mut self) -> Summary {
        for old in &self.base_names[self.next..] {
            keep(self.pattern, old, &mut self.summary.removed);
        }
        self.summary
    }
}

/// Adds `name` to `into` if it follows the file pattern.
fn keep(pattern: &NamePattern, name: &[u8], into: &mut Vec<String>) {
    if let Ok(name) = std::str::from_utf8(name) {
        if pattern.number_in(name).is_some() {
            into.push(name.to_string());
        }
    }
}

/// Tells a renamed spec from a collision, from history: the other name is
/// not a different spec when it is in HEAD's spec folder (renamed in the
/// working tree), or in the spec folder of the merge base of HEAD and the
/// branch (renamed on this side since they forked), or when the working
/// tree's name is in the merge base and no longer on the branch (renamed
/// on the branch).
struct SharedHistory<'r> {
    git: &'r Repository,
    dir: &'r str,
    head: Option<Oid>,
    head_tree: Option<Oid>,
    /// Branch commit -> spec folder of its merge base with HEAD.
    merge_bases: HashMap<Oid, Option<Oid>>,
    /// Merge base -> its spec folder (many branches share one).
    base_trees: HashMap<Oid, Option<Oid>>,
    trees: HashMap<Oid, git2::Tree<'r>>,
}

impl<'r> SharedHistory<'r> {
    fn new(git: &'r Repository, dir: &'r str, head: Option<Oid>, head_tree: Option<Oid>) -> Self {
        SharedHistory {
            git,
            dir,
            head,
            head_tree,
            merge_bases: HashMap::new(),
            base_trees: HashMap::new(),
            trees: HashMap::new(),
        }
    }

    fn is_rename(&mut self, commit: Oid, tree: Oid, other: &str, ours: &str) -> Result<bool> {
        let Some(head) = self.head else {
            return Ok(false);
        };
        if self.has(self.head_tree, other)? {
            return Ok(true);
        }
        let base_tree = match self.merge_bases.get(&commit) {
            Some(known) => *known,
            None => {
                let base_tree = match self.git.merge_base(head, commit) {
                    Ok(base) => match self.base_trees.get(&base) {
                        Some(known) => *known,
                        None => {
                            let found = spec_folder(self.git, base, self.dir)?;
                            self.base_trees.insert(base, found);
                            found
                        }
                    },
                    Err(_) => None,
                };
                self.merge_bases.insert(commit, base_tree);
                base_tree
            }
        };
        if self.has(base_tree, other)? {
            return Ok(true);
        }
        Ok(self.has(base_tree, ours)? && !self.has(Some(tree), ours)?)
    }

    /// Whether a spec folder tree has a file of this name.
    fn has(&mut self, tree: Option<Oid>, name: &str) -> Result<bool> {
        let Some(id) = tree else {
            return Ok(false);
        };
        if !self.trees.contains_key(&id) {
            self.trees.insert(id, self.git.find_tree(id)?);
        }
        Ok(has(self.trees.get(&id), name))
    }
}

fn has(tree: Option<&git2::Tree<'_>>, name: &str) -> bool {
    tree.is_some_and(|tree| {
        tree.get_name(name)
            .is_some_and(|entry| entry.kind() == Some(ObjectType::Blob))
    })
}

// ---------------------------------------------------------------------------
// The cache
// ---------------------------------------------------------------------------

/// What the check memo holds, by object id, in
/// `<git common dir>/git-spec/check-cache` (see [`ObjectMemo`]): for a
/// commit, its spec folder tree; for a tree, its [`Summary`]. Commit and
/// tree ids never coincide, so one memo holds both.
///
/// Format after the id: `c TREE` (a zero id: no spec folder), or
/// `t BASE ADDED REMOVED` followed by that many `+NAME` then `-NAME` lines,
/// or `w FINGERPRINT COUNT` followed by that many `+NAME` lines (`\` and
/// newlines in names escaped as `\\` and `\n`).
///
/// A `w` entry is a base tree's candidates for one working tree (see
/// [`Working::base_candidates`]), under an id derived from the tree's
/// ([`candidates_key`]), which no object has.
#[derive(Debug, Clone, PartialEq)]
enum Memoised {
    SpecFolder(Option<Oid>),
    Tree(Summary),
    Candidates {
        fingerprint: String,
        names: Vec<String>,
    },
    /// The provisional specs' file names in a spec folder tree, under an
    /// id derived from the tree's ([`derived_key`]).
    Provisional(Vec<String>),
}

/// Where the candidates of `base` are memoised: an id made from the
/// tree's, so that they do not take the place of its summary.
fn candidates_key(base: Oid) -> Oid {
    derived_key("candidates", base)
}

/// An id for what is memoised about `tree` under `what`, which no object
/// has (the hash of a text naming both).
fn derived_key(what: &str, tree: Oid) -> Oid {
    Oid::hash_object(
        ObjectType::Blob,
        format!("git-spec check {what} of {tree}").as_bytes(),
    )
    .unwrap_or(tree)
}

impl Record for Memoised {
    fn write(&self, out: &mut String) {
        match self {
            Memoised::SpecFolder(tree) => {
                out.push_str(&format!("c {}", tree.unwrap_or(Oid::ZERO_SHA1)));
            }
            Memoised::Tree(summary) => {
                out.push_str(&format!(
                    "t {} {} {}",
                    summary.base,
                    summary.added.len(),
                    summary.removed.len()
                ));
                write_names(out, '+', &summary.added);
                write_names(out, '-', &summary.removed);
            }
            Memoised::Candidates { fingerprint, names } => {
                out.push_str(&format!("w {fingerprint} {}", names.len()));
                write_names(out, '+', names);
            }
            Memoised::Provisional(names) => {
                out.push_str(&format!("p {}", names.len()));
                write_names(out, '+', names);
            }
        }
    }

    fn read<'a>(rest: &str, more: &mut impl Iterator<Item = &'a str>) -> Option<Memoised> {
        let mut fields = rest.split(' ');
        let oid = |text: Option<&str>| Oid::from_str(text?).ok();
        match fields.next()? {
            "c" => {
                let tree = oid(fields.next())?;
                Some(Memoised::SpecFolder((!tree.is_zero()).then_some(tree)))
            }
            "t" => {
                let base = oid(fields.next())?;
                let added: usize = fields.next()?.parse().ok()?;
                let removed: usize = fields.next()?.parse().ok()?;
                let added = read_names(more, added, '+')?;
                let removed = read_names(more, removed, '-')?;
                Some(Memoised::Tree(Summary {
                    base,
                    added,
                    removed,
                }))
            }
            "w" => {
                let fingerprint = fields.next()?.to_string();
                let count: usize = fields.next()?.parse().ok()?;
                let names = read_names(more, count, '+')?;
                Some(Memoised::Candidates { fingerprint, names })
            }
            "p" => {
                let count: usize = fields.next()?.parse().ok()?;
                let names = read_names(more, count, '+')?;
                Some(Memoised::Provisional(names))
            }
            _ => None,
        }
    }
}

/// One line per name after an entry's first: `mark` and the name, escaped.
fn write_names(out: &mut String, mark: char, names: &[String]) {
    for name in names {
        out.push('\n');
        out.push(mark);
        out.push_str(&escape(name));
    }
}

/// `count` lines of [`write_names`] with `mark`.
fn read_names<'a>(
    more: &mut impl Iterator<Item = &'a str>,
    count: usize,
    mark: char,
) -> Option<Vec<String>> {
    (0..count)
        .map(|_| more.next()?.strip_prefix(mark).map(unescape))
        .collect()
}

/// The check memo, with the lookups `find` makes.
/// Loaded once per check and saved at its end ([`Cache::save`] keeps only
/// the entries the run used, so one run must use one `Cache`).
pub struct Cache(ObjectMemo<Memoised>);

/// The file names of provisional specs (`SPEC-DRAFT-…`) in a spec folder
/// tree, in tree order, memoised in the check memo: `check` asks it of the
/// branches where numbers are handed out on every run, and trees do not
/// change.
pub fn provisional_names(project: &Project, cache: &mut Cache, tree: Oid) -> Result<Vec<String>> {
    if let Some(names) = cache.provisional(tree) {
        return Ok(names.to_vec());
    }
    let pattern = &project.scheme.file;
    let mut names = Vec::new();
    for entry in project.repo.git.find_tree(tree)?.iter() {
        let Ok(name) = std::str::from_utf8(entry.name_bytes()) else {
            continue;
        };
        if pattern
            .number_in(name)
            .is_some_and(crate::scheme::is_provisional)
        {
            names.push(name.to_string());
        }
    }
    cache.remember_provisional(tree, names.clone());
    Ok(names)
}

/// Summaries longer than this are not kept (a tree far from the base).
const MAX_CACHED_NAMES: usize = 4096;

impl Cache {
    pub fn load(project: &Project) -> Cache {
        Cache(ObjectMemo::load(
            project.repo.common_dir(),
            "check-cache",
            format!(
                "git-spec check-cache v3 dir={:?} file={:?}",
                project.config.dir, project.config.naming.file
            ),
        ))
    }

    /// The spec tree of a commit: Some(answer) when known.
    fn commit(&mut self, commit: Oid) -> Option<Option<Oid>> {
        match self.0.get(commit)? {
            Memoised::SpecFolder(tree) => Some(*tree),
            _ => None,
        }
    }

    fn remember_commit(&mut self, commit: Oid, tree: Option<Oid>) {
        self.0.insert(commit, Memoised::SpecFolder(tree));
    }

    fn summary(&mut self, tree: Oid) -> Option<&Summary> {
        match self.0.get(tree)? {
            Memoised::Tree(summary) => Some(summary),
            _ => None,
        }
    }

    /// The candidates of `base` for the working tree of `fingerprint`.
    fn candidates(&mut self, base: Oid, fingerprint: &str) -> Option<&[String]> {
        match self.0.get(candidates_key(base))? {
            Memoised::Candidates {
                fingerprint: known,
                names,
            } if known == fingerprint => Some(names),
            _ => None,
        }
    }

    fn remember_candidates(&mut self, base: Oid, fingerprint: String, names: Vec<String>) {
        self.0.insert(
            candidates_key(base),
            Memoised::Candidates { fingerprint, names },
        );
    }

    /// The provisional names of spec folder tree `tree`.
    fn provisional(&mut self, tree: Oid) -> Option<&[String]> {
        match self.0.get(derived_key("provisional names", tree))? {
            Memoised::Provisional(names) => Some(names),
            _ => None,
        }
    }

    fn remember_provisional(&mut self, tree: Oid, names: Vec<String>) {
        self.0.insert(
            derived_key("provisional names", tree),
            Memoised::Provisional(names),
        );
    }

    fn remember_tree(&mut self, tree: Oid, summary: Summary) {
        self.0.insert(tree, Memoised::Tree(summary));
    }

    pub fn save(&self) {
        self.0.save(|entry| match entry {
            Memoised::Tree(summary) => {
                summary.added.len() + summary.removed.len() <= MAX_CACHED_NAMES
            }
            Memoised::Candidates { names, .. } | Memoised::Provisional(names) => {
                names.len() <= MAX_CACHED_NAMES
            }
            Memoised::SpecFolder(_) => true,
        });
    }
}

fn escape(name: &str) -> String {
    name.replace('\\', "\\\\").replace('\n', "\\n")
}

fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match (c, c == '\\') {
            (_, true) => match chars.next() {
                Some('n') => out.push('\n'),
                Some(other) => out.push(other),
                None => out.push('\\'),
            },
            (c, false) => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<Vec<u8>> {
        list.iter().map(|n| n.as_bytes().to_vec()).collect()
    }

    #[test]
    fn difference_keeps_pattern_names_only() {
        let pattern = NamePattern::new("{id}-{slug}.md");
        let base = names(&["0001-a.md", "0002-b.md", "README.md"]);
        let tree = names(&["0001-a.md", "0002-c.md", "0003-d.md", "notes.md"]);
        let summary = difference(Oid::ZERO_SHA1, &base, &tree, &pattern);
        assert_eq!(summary.added, vec!["0002-c.md", "0003-d.md"]);
        assert_eq!(summary.removed, vec!["0002-b.md"]);
    }

    #[test]
    fn escaping_round_trips() {
        for name in ["plain.md", "a\\b.md", "line\nbreak.md", "end\\", "\\n"] {
            assert_eq!(unescape(&escape(name)), name);
            assert!(!escape(name).contains('\n'));
        }
    }
}

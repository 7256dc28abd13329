//! Relations between specs: the `depends-on` and `supersedes` lists of the
//! front matter, and mentions of spec ids (`SPEC-0042`) in the prose.
//!
//! Everything here is computed from parsed documents: `show` reads the
//! reverse links (needed by, superseded by) from the same graph that
//! `graph` draws and `check` judges, so the three never disagree.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::catalog::Spec;
use crate::document::Document;
use crate::rules::Finding;
use crate::scheme::IdScheme;
use crate::workflow::Workflow;

/// A kind of relation, as a front-matter key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    DependsOn,
    Supersedes,
}

impl Kind {
    pub const ALL: [Kind; 2] = [Kind::DependsOn, Kind::Supersedes];

    /// The front-matter key.
    pub fn key(self) -> &'static str {
        match self {
            Kind::DependsOn => "depends-on",
            Kind::Supersedes => "supersedes",
        }
    }

    /// The kind as one byte, in the memos that keep relations.
    pub fn byte(self) -> u8 {
        match self {
            Kind::DependsOn => 0,
            Kind::Supersedes => 1,
        }
    }

    /// The kind a memo's byte stands for; None for any other byte.
    pub fn from_byte(byte: u8) -> Option<Kind> {
        match byte {
            0 => Some(Kind::DependsOn),
            1 => Some(Kind::Supersedes),
            _ => None,
        }
    }
}

/// A spec's relations both ways, as `show` prints them.
#[derive(Debug, Default, Serialize)]
pub struct Both {
    pub depends_on: Vec<String>,
    pub needed_by: Vec<String>,
    pub supersedes: Vec<String>,
    pub superseded_by: Vec<String>,
}

impl Both {
    pub fn is_empty(&self) -> bool {
        self.depends_on.is_empty()
            && self.needed_by.is_empty()
            && self.supersedes.is_empty()
            && self.superseded_by.is_empty()
    }
}

/// A spec that names other specs in its relation lists: its number and,
/// for each item that is an id of this repository's form, the kind and
/// the number it names (in file order).
#[derive(Debug, Clone, PartialEq)]
pub struct Referrer {
    pub number: u64,
    pub refs: Vec<(Kind, u64)>,
}

impl Referrer {
    pub fn of(scheme: &IdScheme, number: u64, document: &Document) -> Referrer {
        let refs = references(scheme, document)
            .into_iter()
            .filter_map(|reference| Some((reference.kind, reference.number?)))
            .collect();
        Referrer { number, refs }
    }
}

/// The relations of spec `number` (whose document is `document`) both
/// ways, the reverse ones from `others` (in the order given). Relation
/// items are listed as written when they are not ids of this repository's
/// form.
pub fn both(scheme: &IdScheme, number: u64, document: &Document, others: &[Referrer]) -> Both {
    let mut out = Both::default();
    for reference in references(scheme, document) {
        let shown = match reference.number {
            Some(n) => scheme.spec_id(n),
            None => reference.written,
        };
        match reference.kind {
            Kind::DependsOn => out.depends_on.push(shown),
            Kind::Supersedes => out.supersedes.push(shown),
        }
    }
    for other in others {
        if other.number == number {
            continue;
        }
        for &(kind, named) in &other.refs {
            if named != number {
                continue;
            }
            let id = scheme.spec_id(other.number);
            let list = match kind {
                Kind::DependsOn => &mut out.needed_by,
                Kind::Supersedes => &mut out.superseded_by,
            };
            if !list.contains(&id) {
                list.push(id);
            }
        }
    }
    out
}

/// One item of a relation list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    pub kind: Kind,
    /// As written.
    pub written: String,
    /// The number it names, if it is an id of this repository's form.
    pub number: Option<u64>,
    /// Line of the key.
    pub line: usize,
}

/// What the relation rules need of one spec, worked out from its document
/// once: `check` computes it on the reading threads and memoises it by the
/// file's stat data, so the rules run over ten thousand specs without
/// keeping (or parsing again) a single document.
#[derive(Debug, Clone, PartialEq)]
pub struct Links {
    pub number: u64,
    /// Relative to the root, `/`-separated.
    pub path: String,
    pub status: String,
    /// Relation keys whose value is not a list (a mapping, say), with the
    /// key's line.
    pub not_lists: Vec<(Kind, usize)>,
    pub references: Vec<Reference>,
    /// Ids mentioned in the prose: `(line, number)`.
    pub mentions: Vec<(usize, u64)>,
    /// The numbers of `previous-ids` (what `renumber` recorded).
    pub previous: Vec<u64>,
    /// Line of `depends-on`, or 1.
    pub depends_line: usize,
}

impl Links {
    pub fn of(
        scheme: &IdScheme,
        record: &crate::catalog::SpecRecord,
        document: &Document,
    ) -> Links {
        Links {
            number: record.number,
            path: record.path.clone(),
            status: record.status.clone(),
            not_lists: Kind::ALL
                .into_iter()
                .filter(|kind| !document.is_list_like(kind.key()))
                .map(|kind| (kind, document.line_of(kind.key()).unwrap_or(1)))
                .collect(),
            references: references(scheme, document),
            mentions: mentions(scheme, document),
            previous: document
                .list("previous-ids")
                .iter()
                .filter_map(|id| scheme.parse(id))
                .collect(),
            depends_line: document.line_of(Kind::DependsOn.key()).unwrap_or(1),
        }
    }
}

/// The relation lists of one document, in file order.
pub fn references(scheme: &IdScheme, document: &Document) -> Vec<Reference> {
    let mut out = Vec::new();
    for kind in Kind::ALL {
        let line = document.line_of(kind.key()).unwrap_or(1);
        for written in document.list(kind.key()) {
            out.push(Reference {
                kind,
                number: scheme.parse(&written),
                written,
                line,
            });
        }
    }
    out
}

/// The ids of the form `PREFIX` + digits mentioned as whole words in the
/// prose (outside fenced code): `(line, number)`.
pub fn mentions(scheme: &IdScheme, document: &Document) -> Vec<(usize, u64)> {
    document
        .prose_lines()
        .flat_map(|(line, text)| scheme.mentions_in(text).map(move |number| (line, number)))
        .collect()
}

/// `stale-reference`: `what` (a relation key, `mentions`) names `old`,
/// which is now `now`.
fn stale_finding(
    scheme: &IdScheme,
    path: &str,
    line: usize,
    what: &str,
    old: u64,
    now: u64,
) -> Finding {
    Finding::new(
        path,
        line,
        "stale-reference",
        format!(
            "{what} {}, which was renumbered to {}: write {}",
            scheme.spec_id(old),
            scheme.spec_id(now),
            scheme.spec_id(now)
        ),
    )
}

/// A spec of the graph.
#[derive(Debug, Clone, Serialize)]
pub struct Node {
    pub id: String,
    pub number: u64,
    pub title: String,
    pub status: String,
    pub path: String,
}

/// A relation between two specs, by number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Edge {
    pub from: u64,
    pub kind: Kind,
    pub to: u64,
}

/// Every spec of a catalog and the relations between them.
#[derive(Debug, Default)]
pub struct Graph {
    pub nodes: BTreeMap<u64, Node>,
    pub edges: BTreeSet<Edge>,
}

impl Graph {
    pub fn of(scheme: &IdScheme, specs: &[Spec]) -> Graph {
        let mut graph = Graph::default();
        for spec in specs {
            let record = &spec.record;
            let references = references(scheme, &spec.document);
            graph.add(
                scheme,
                record.number,
                &record.title,
                &record.status,
                &record.path,
                &references,
            );
        }
        graph
    }

    /// The graph of specs already reduced to their [`Links`], for the
    /// rules: only the specs a relation touches (as its source or its
    /// target) are nodes, and nodes have no titles. Most specs relate to
    /// none, and making a node of each (its id, status and path copied)
    /// was most of the relation rules' time with 100,000 specs.
    pub fn of_links(scheme: &IdScheme, specs: &[Links]) -> Graph {
        let related: BTreeSet<u64> = specs
            .iter()
            .filter(|spec| spec.references.iter().any(|r| r.number.is_some()))
            .flat_map(|spec| {
                std::iter::once(spec.number).chain(spec.references.iter().filter_map(|r| r.number))
            })
            .collect();
        let mut graph = Graph::default();
        for spec in specs.iter().filter(|spec| related.contains(&spec.number)) {
            graph.add(
                scheme,
                spec.number,
                "",
                &spec.status,
                &spec.path,
                &spec.references,
            );
        }
        graph
    }

    /// One spec and its relations (the first spec of a number is its node).
    fn add(
        &mut self,
        scheme: &IdScheme,
        number: u64,
        title: &str,
        status: &str,
        path: &str,
        references: &[Reference],
    ) {
        self.nodes.entry(number).or_insert_with(|| Node {
            id: scheme.spec_id(number),
            number,
            title: title.to_string(),
            status: status.to_string(),
            path: path.to_string(),
        });
        for reference in references {
            if let Some(to) = reference.number {
                self.edges.insert(Edge {
                    from: number,
                    kind: reference.kind,
                    to,
                });
            }
        }
    }

    /// The specs `number` points at with `kind`.
    pub fn targets(&self, number: u64, kind: Kind) -> Vec<u64> {
        self.edges
            .iter()
            .filter(|e| e.from == number && e.kind == kind)
            .map(|e| e.to)
            .collect()
    }

    /// The specs that point at `number` with `kind`.
    pub fn sources(&self, number: u64, kind: Kind) -> Vec<u64> {
        self.edges
            .iter()
            .filter(|e| e.to == number && e.kind == kind)
            .map(|e| e.from)
            .collect()
    }

    /// Every spec's relations both ways, from the edges alone (linear in
    /// their number): what the board's pages show.
    pub fn both_ways(&self, scheme: &IdScheme) -> BTreeMap<u64, Both> {
        let mut out: BTreeMap<u64, Both> = BTreeMap::new();
        for edge in &self.edges {
            let (to, from) = (scheme.spec_id(edge.to), scheme.spec_id(edge.from));
            match edge.kind {
                Kind::DependsOn => {
                    out.entry(edge.from).or_default().depends_on.push(to);
                    out.entry(edge.to).or_default().needed_by.push(from);
                }
                Kind::Supersedes => {
                    out.entry(edge.from).or_default().supersedes.push(to);
                    out.entry(edge.to).or_default().superseded_by.push(from);
                }
            }
        }
        out
    }

    /// A path of `depends-on` edges from `from` to `to`, both included, if
    /// there is one.
    pub fn dependency_path(&self, from: u64, to: u64) -> Option<Vec<u64>> {
        let mut previous: BTreeMap<u64, u64> = BTreeMap::new();
        let mut queue = std::collections::VecDeque::from([from]);
        let mut seen = BTreeSet::from([from]);
        while let Some(at) = queue.pop_front() {
            if at == to {
                let mut path = vec![to];
                let mut step = to;
                while let Some(&back) = previous.get(&step) {
                    path.push(back);
                    step = back;
                }
                path.reverse();
                return Some(path);
            }
            for next in self.targets(at, Kind::DependsOn) {
                if seen.insert(next) {
                    previous.insert(next, at);
                    queue.push_back(next);
                }
            }
        }
        None
    }

    /// Each `depends-on` cycle once, as the path from its smallest number
    /// back to it (`[1, 2, 1]`); a spec that depends on itself is `[n, n]`.
    pub fn cycles(&self) -> Vec<Vec<u64>> {
        let mut out: Vec<Vec<u64>> = Vec::new();
        let mut covered: BTreeSet<u64> = BTreeSet::new();
        let starts: BTreeSet<u64> = self
            .edges
            .iter()
            .filter(|e| e.kind == Kind::DependsOn)
            .map(|e| e.from)
            .collect();
        for &start in &starts {
            if covered.contains(&start) {
                continue;
            }
            // The shortest way back to `start` through its own targets.
            let back = self
                .targets(start, Kind::DependsOn)
                .into_iter()
                .filter_map(|next| self.dependency_path(next, start))
                .min_by_key(Vec::len);
            if let Some(back) = back {
                let mut cycle = vec![start];
                cycle.extend(back);
                covered.extend(cycle.iter().copied());
                out.push(cycle);
            }
        }
        out
    }
}

/// The relation rules of `check` over the working tree's specs:
///
/// - `dangling-reference`: a relation item, or a mention in the prose,
///   that names an id `exists` says no spec has;
/// - `dependency-cycle`: specs that depend on each other in a circle;
/// - `depends-on-final`: a dependency on a spec that will not be done (a
///   final `rejected`, `withdrawn` or `superseded`).
pub fn findings(
    scheme: &IdScheme,
    workflow: &Workflow,
    specs: &[Links],
    exists: &dyn Fn(u64) -> bool,
) -> Vec<Finding> {
    let graph = Graph::of_links(scheme, specs);
    let renamed = renumbered(specs);
    let stale = |path: &str, line: usize, what: &str, number: u64| {
        renamed
            .get(&number)
            .map(|&now| stale_finding(scheme, path, line, what, number, now))
    };
    let mut out = Vec::new();
    for spec in specs {
        let path = &spec.path;
        for &(kind, line) in &spec.not_lists {
            out.push(Finding::new(
                path,
                line,
                "dangling-reference",
                format!(
                    "{} is not a list of spec ids; write it like `{}: [{}]`",
                    kind.key(),
                    kind.key(),
                    scheme.spec_id(42)
                ),
            ));
        }
        for reference in &spec.references {
            let key = reference.kind.key();
            match reference.number {
                None => out.push(Finding::new(
                    path,
                    reference.line,
                    "dangling-reference",
                    format!(
                        "{key}: {:?} is not a spec id; write it like {}",
                        reference.written,
                        scheme.spec_id(42)
                    ),
                )),
                Some(number) if !exists(number) && renamed.contains_key(&number) => {
                    out.extend(stale(path, reference.line, &format!("{key}: names"), number));
                }
                Some(number) if !exists(number) => out.push(Finding::new(
                    path,
                    reference.line,
                    "dangling-reference",
                    format!(
                        "{key}: no spec has the id {}; fix the id or drop it with `git spec unlink {} --{key} {}`",
                        scheme.spec_id(number),
                        scheme.spec_id(spec.number),
                        scheme.spec_id(number)
                    ),
                )),
                Some(number) if reference.kind == Kind::DependsOn => {
                    if let Some(target) = graph.nodes.get(&number) {
                        if is_dead_end(workflow, &target.status) {
                            let successors: Vec<String> = graph
                                .sources(number, Kind::Supersedes)
                                .into_iter()
                                .map(|n| scheme.spec_id(n))
                                .collect();
                            let instead = if successors.is_empty() {
                                String::new()
                            } else {
                                format!(" (superseded by {})", successors.join(", "))
                            };
                            out.push(Finding::new(
                                path,
                                reference.line,
                                "depends-on-final",
                                format!(
                                    "depends on {}, which is {}{instead}: it will not be done; \
                                     depend on what replaces it or drop it",
                                    target.id, target.status
                                ),
                            ));
                        }
                    }
                }
                Some(_) => {}
            }
        }
        let mut reported = BTreeSet::new();
        for &(line, number) in &spec.mentions {
            if exists(number) || !reported.insert(number) {
                continue;
            }
            if let Some(finding) = stale(path, line, "mentions", number) {
                out.push(finding);
            } else {
                out.push(Finding::new(
                    path,
                    line,
                    "dangling-reference",
                    format!(
                        "mentions {}, and no spec has that id",
                        scheme.spec_id(number)
                    ),
                ));
            }
        }
    }
    for cycle in graph.cycles() {
        let first = cycle[0];
        let Some(node) = graph.nodes.get(&first) else {
            continue;
        };
        let spec = specs
            .iter()
            .find(|s| s.number == first)
            .expect("a node is a spec");
        let shown: Vec<String> = cycle.iter().map(|&n| scheme.spec_id(n)).collect();
        out.push(Finding::new(
            &node.path,
            spec.depends_line,
            "dependency-cycle",
            format!(
                "the dependencies go round in a circle: {}; one of them must not depend on the next",
                shown.join(" -> ")
            ),
        ));
    }
    out
}

/// Old number -> the number of the spec that lists it in `previous-ids`.
pub fn renumbered(specs: &[Links]) -> BTreeMap<u64, u64> {
    let mut out = BTreeMap::new();
    for spec in specs {
        for &old in &spec.previous {
            out.insert(old, spec.number);
        }
    }
    out
}

/// `stale-reference` in a file of `[references] paths` (not a spec): each
/// line that mentions an old id of `renamed` no spec has any more.
pub fn stale_in_file(
    scheme: &IdScheme,
    path: &str,
    bytes: &[u8],
    renamed: &BTreeMap<u64, u64>,
    exists: &dyn Fn(u64) -> bool,
) -> Vec<Finding> {
    let text = String::from_utf8_lossy(bytes);
    let mut out = Vec::new();
    for (index, line) in text.lines().enumerate() {
        for number in scheme.mentions_in(line) {
            if let Some(&now) = renamed.get(&number).filter(|_| !exists(number)) {
                out.push(stale_finding(
                    scheme,
                    path,
                    index + 1,
                    "mentions",
                    number,
                    now,
                ));
            }
        }
    }
    out
}

/// A final status that means the spec will not be done: `rejected`,
/// `withdrawn` or `superseded`, judged by name because a workflow's own
/// last status (a final `done`) is final too, and fine to depend on.
fn is_dead_end(workflow: &Workflow, status: &str) -> bool {
    workflow.is_final(status) && matches!(status, "rejected" | "withdrawn" | "superseded")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use std::path::Path;

    fn spec(scheme: &IdScheme, path: &str, text: &str) -> Spec {
        let document = Document::parse(Path::new(path), text.as_bytes()).unwrap();
        let record = crate::catalog::SpecRecord::of(scheme, Path::new(path), &document, None);
        Spec { record, document }
    }

    fn text(id: u64, status: &str, extra: &str, body: &str) -> String {
        format!(
            "---\nspec-id: SPEC-{id:04}\ntitle: T{id}\nstatus: {status}\n{extra}---\n\n{body}\n"
        )
    }

    #[test]
    fn mentions_are_whole_words_outside_code() {
        let scheme = IdScheme::new(&Config::default());
        let s = spec(
            &scheme,
            "specs/0001-a.md",
            &text(
                1,
                "draft",
                "",
                "See SPEC-0002 and (SPEC-0003).\nNot XSPEC-0004 nor SPEC-0005x.\n```\nSPEC-0006\n```\n",
            ),
        );
        let numbers: Vec<u64> = mentions(&scheme, &s.document)
            .into_iter()
            .map(|(_, n)| n)
            .collect();
        assert_eq!(numbers, [2, 3]);
    }

    #[test]
    fn cycles_are_found_once() {
        let scheme = IdScheme::new(&Config::default());
        let specs = vec![
            spec(
                &scheme,
                "specs/0001-a.md",
                &text(1, "draft", "depends-on: [SPEC-0002]\n", ""),
            ),
            spec(
                &scheme,
                "specs/0002-b.md",
                &text(2, "draft", "depends-on: [SPEC-0003]\n", ""),
            ),
            spec(
                &scheme,
                "specs/0003-c.md",
                &text(3, "draft", "depends-on: [SPEC-0001]\n", ""),
            ),
            spec(
                &scheme,
                "specs/0004-d.md",
                &text(4, "draft", "depends-on: [SPEC-0004]\n", ""),
            ),
            spec(
                &scheme,
                "specs/0005-e.md",
                &text(5, "draft", "depends-on: [SPEC-0001]\n", ""),
            ),
        ];
        let graph = Graph::of(&scheme, &specs);
        assert_eq!(graph.cycles(), vec![vec![1, 2, 3, 1], vec![4, 4]]);
        assert_eq!(graph.sources(1, Kind::DependsOn), [3, 5]);
    }
}

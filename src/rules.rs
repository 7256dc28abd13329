//! The rules of `git spec check` that look at one spec at a time, or at the
//! working tree as a whole (duplicate ids). Pure functions over parsed
//! documents and the configuration: no git, no file system, so they can be
//! unit-tested and reused (a hook or an editor integration could call them).
//!
//! Cross-branch id collisions need the object database and live in
//! `commands::check`.

use std::collections::{BTreeMap, HashSet};

use serde::Serialize;

use crate::catalog::{SpecNumbers, SpecRecord, WorkingFile};
use crate::config::{Config, STANDARD_KEYS};
use crate::document::{Document, DocumentError};
use crate::scheme::IdScheme;
use crate::workflow::{TransitionError, Workflow};

/// Every rule: name (as printed) and what it checks; a test of `check`
/// keeps its `--help` naming each one, and the man page lists them.
pub const RULES: &[(&str, &str)] = &[
    (
        "front-matter",
        "the file has no front matter, an unterminated one, or invalid YAML",
    ),
    (
        "duplicate-id",
        "two files in the working tree carry the same spec id",
    ),
    (
        "id-collision",
        "another branch uses the id for a different spec (same number, other file name)",
    ),
    (
        "missing-key",
        "a key of `[check] required` is absent, null or empty",
    ),
    (
        "unknown-key",
        "a top-level key is neither standard nor in `[check] extra-keys`",
    ),
    ("unknown-status", "the status is not in the workflow"),
    (
        "unknown-priority",
        "the priority is not in `[priority] allowed`",
    ),
    (
        "bad-date",
        "`created`/`updated` is not a real YYYY-MM-DD date, or `updated` is before `created`",
    ),
    (
        "id-mismatch",
        "`spec-id` differs from the number in the file name, or is not written like SPEC-0042",
    ),
    (
        "unrecorded-status",
        "the status is not the one the last changelog status entry moved to (fixable)",
    ),
    (
        "approval",
        "at or past a status that needs approvals, without enough current ones",
    ),
    (
        "dangling-reference",
        "a relation or a SPEC-NNNN mention names an id no spec has on any branch",
    ),
    (
        "stale-reference",
        "a mention of an id a spec had before it was renumbered (its previous-ids)",
    ),
    (
        "dependency-cycle",
        "specs that depend on each other in a circle",
    ),
    (
        "depends-on-final",
        "a dependency on a rejected, withdrawn or superseded spec",
    ),
    (
        "provisional-id",
        "a provisional spec on a branch of `[id] promote-on`, not promoted yet",
    ),
    (
        "history",
        "a commit changed a status without its entries, recorded a forbidden step as unforced, \
         signed an entry in another's name, or rewrote the changelog (--history)",
    ),
];

/// One problem, as printed: `path:line: rule: message`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Path relative to the repository root, `/`-separated.
    pub path: String,
    /// 1-based line; 1 when no line is more precise.
    pub line: usize,
    pub rule: &'static str,
    pub message: String,
}

impl Finding {
    pub fn new(path: &str, line: usize, rule: &'static str, message: String) -> Finding {
        Finding {
            path: path.to_string(),
            line: line.max(1),
            rule,
            message,
        }
    }
}

/// A broken document, as a `front-matter` finding.
pub fn front_matter(error: &DocumentError) -> Finding {
    Finding::new(
        &error.path.to_string_lossy().replace('\\', "/"),
        error.line.unwrap_or(1),
        "front-matter",
        error.message.clone(),
    )
}

/// The per-spec rules, with what they need from the configuration prepared
/// once for thousands of specs.
pub struct Checker<'a> {
    config: &'a Config,
    scheme: &'a IdScheme,
    allowed_keys: HashSet<&'a str>,
}

impl<'a> Checker<'a> {
    pub fn new(config: &'a Config, scheme: &'a IdScheme) -> Checker<'a> {
        let allowed_keys = STANDARD_KEYS
            .iter()
            .copied()
            .chain(config.check.extra_keys.iter().map(String::as_str))
            // A key the team requires is obviously allowed.
            .chain(config.check.required.iter().map(String::as_str))
            .collect();
        Checker {
            config,
            scheme,
            allowed_keys,
        }
    }

    /// Every per-spec finding for one parsed spec (not `unrecorded-status`,
    /// see [`unrecorded_status`], nor the whole-tree rules).
    pub fn spec(&self, record: &SpecRecord, doc: &Document, out: &mut Vec<Finding>) {
        let path = record.path.as_str();
        let keys = doc.keys();
        let line_of = |key: &str| doc.line_of(key).unwrap_or(1);

        for key in &self.config.check.required {
            if !keys.iter().any(|(k, _)| k == key) {
                out.push(Finding::new(
                    path,
                    1,
                    "missing-key",
                    format!("required key `{key}` is missing"),
                ));
            } else if key != "tags" && doc.get(key).is_none_or(|v| v.trim().is_empty()) {
                // `tags` is a list: `get` cannot tell an empty one from null.
                out.push(Finding::new(
                    path,
                    line_of(key),
                    "missing-key",
                    format!("required key `{key}` has no value"),
                ));
            }
        }

        for (key, line) in &keys {
            if !self.allowed_keys.contains(key.as_str()) {
                out.push(Finding::new(
                    path,
                    *line,
                    "unknown-key",
                    format!(
                        "unknown key `{key}`; the keys are {}; allow others with `[check] extra-keys` in .specrc",
                        self.known_keys()
                    ),
                ));
            }
        }

        let workflow = &self.config.workflow;
        if let Some(status) = doc.get("status") {
            if !workflow.is_status(&status) {
                out.push(Finding::new(
                    path,
                    line_of("status"),
                    "unknown-status",
                    format!(
                        "status {status:?} is not in the workflow; use one of: {}",
                        workflow.statuses.join(", ")
                    ),
                ));
            }
        }
        if let Some(priority) = doc.get("priority") {
            let allowed = &self.config.priority.allowed;
            if !allowed.contains(&priority) {
                out.push(Finding::new(
                    path,
                    line_of("priority"),
                    "unknown-priority",
                    format!(
                        "priority {priority:?} is not allowed; use one of: {}",
                        allowed.join(", ")
                    ),
                ));
            }
        }

        self.dates(doc, path, out);
        self.id(doc, path, out);
        self.approvals(doc, path, out);
    }

    fn known_keys(&self) -> String {
        let mut keys: Vec<&str> = STANDARD_KEYS.to_vec();
        for key in self
            .config
            .check
            .extra_keys
            .iter()
            .chain(&self.config.check.required)
        {
            if !keys.contains(&key.as_str()) {
                keys.push(key);
            }
        }
        keys.join(", ")
    }

    fn dates(&self, doc: &Document, path: &str, out: &mut Vec<Finding>) {
        let mut valid = BTreeMap::new();
        for key in ["created", "updated"] {
            let Some(value) = doc.get(key) else { continue };
            if is_date(&value) {
                valid.insert(key, value);
            } else {
                out.push(Finding::new(
                    path,
                    doc.line_of(key).unwrap_or(1),
                    "bad-date",
                    format!("{key} {value:?} is not a date written YYYY-MM-DD"),
                ));
            }
        }
        if let (Some(created), Some(updated)) = (valid.get("created"), valid.get("updated")) {
            // Valid YYYY-MM-DD dates sort like the days they name.
            if updated < created {
                out.push(Finding::new(
                    path,
                    doc.line_of("updated").unwrap_or(1),
                    "bad-date",
                    format!("updated {updated} is before created {created}"),
                ));
            }
        }
    }

    /// `approval`: a spec at or past a status of `[approval] required`
    /// must still hold the approvals it needed (none went stale), unless
    /// it entered that status by a step recorded as forced.
    fn approvals(&self, doc: &Document, path: &str, out: &mut Vec<Finding>) {
        let config = &self.config.approval;
        if config.required.is_empty() {
            return;
        }
        let Some(status) = doc.get("status") else {
            return;
        };
        let steps = doc.status_steps();
        for (required, _) in
            crate::approval::held_requirements(&self.config.workflow, config, &status)
        {
            if steps.iter().any(|s| s.to == required && s.forced) {
                continue;
            }
            if let Some(short) = crate::approval::shortfall(doc, required, config) {
                let short = short.replacen(&format!("entering {required} needs"), "needs", 1);
                let past = if required == status {
                    String::new()
                } else {
                    format!(" (past {required})")
                };
                out.push(Finding::new(
                    path,
                    doc.line_of("status").unwrap_or(1),
                    "approval",
                    format!("status is {status}{past}, which {short}").replace('\n', ";"),
                ));
            }
        }
    }

    fn id(&self, doc: &Document, path: &str, out: &mut Vec<Finding>) {
        let Some(written) = doc.get("spec-id") else {
            return;
        };
        let line = doc.line_of("spec-id").unwrap_or(1);
        let name = path.rsplit('/').next().unwrap_or(path);
        let numbers = SpecNumbers::of(self.scheme, path, Some(&written));
        let in_name = numbers.named;
        let message = match (numbers.written, in_name) {
            (None, _) => format!(
                "spec-id {written:?} is not an id of the form {}",
                self.scheme.spec_id(in_name.unwrap_or(1))
            ),
            (Some(number), Some(named)) if number != named => format!(
                "spec-id {written} does not match the file name {name} ({})",
                self.scheme.spec_id(named)
            ),
            (Some(number), _) if written != self.scheme.spec_id(number) => format!(
                "spec-id {written:?} should be written {}",
                self.scheme.spec_id(number)
            ),
            _ => return,
        };
        out.push(Finding::new(path, line, "id-mismatch", message));
    }
}

/// A `YYYY-MM-DD` date that exists in the calendar.
pub fn is_date(value: &str) -> bool {
    let b = value.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let number = |range: std::ops::Range<usize>| -> Option<u32> {
        b[range.clone()]
            .iter()
            .all(u8::is_ascii_digit)
            .then(|| value[range].parse().ok())
            .flatten()
    };
    match (number(0..4), number(5..7), number(8..10)) {
        (Some(year), Some(month), Some(day)) => {
            chrono::NaiveDate::from_ymd_opt(year as i32, month, day).is_some()
        }
        _ => false,
    }
}

/// `duplicate-id`: every file whose id another file also carries, each
/// naming the others.
pub fn duplicate_ids(scheme: &IdScheme, files: &[WorkingFile]) -> Vec<Finding> {
    let mut by_number: BTreeMap<u64, Vec<&WorkingFile>> = BTreeMap::new();
    for file in files {
        if let Some(id) = file.id {
            by_number.entry(id).or_default().push(file);
        }
    }
    let mut out = Vec::new();
    for (number, files) in by_number.into_iter().filter(|(_, f)| f.len() > 1) {
        for file in &files {
            let others: Vec<&str> = files
                .iter()
                .filter(|other| other.path != file.path)
                .map(|other| other.path.as_str())
                .collect();
            out.push(Finding::new(
                &file.path,
                file.line,
                "duplicate-id",
                format!(
                    "{} is also the id of {}; give each spec its own id: `git spec renumber {}` gives this one the next free id",
                    scheme.spec_id(number),
                    others.join(", "),
                    file.path
                ),
            ));
        }
    }
    out
}

/// A status the changelog does not record, and the entry that would.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unrecorded {
    /// The status the changelog last recorded (the workflow's initial
    /// status when it records none).
    pub from: String,
    /// The status in the front matter.
    pub to: String,
    /// Whether the changelog records any status change at all.
    pub recorded: bool,
    /// Why appending the entry would not be safe; None when `--fix` may.
    pub refusal: Option<String>,
}

impl Unrecorded {
    pub fn message(&self) -> String {
        let mut message = if self.recorded {
            format!(
                "status is {} but the last status entry of the changelog moved it to {}",
                self.to, self.from
            )
        } else {
            format!(
                "status is {} but the changelog records no status change (a spec starts as {})",
                self.to, self.from
            )
        };
        match &self.refusal {
            None => message.push_str(&format!(
                "; `git spec check --fix` appends the entry for {} -> {}",
                self.from, self.to
            )),
            Some(why) => {
                message.push_str(&format!("; --fix cannot record it: {why}"));
            }
        }
        message
    }
}

/// `unrecorded-status`: the status in the front matter is not where the
/// last "Status changed from X to Y" entry left it (say, edited by hand and
/// committed with `--no-verify`). A spec with no status entry is fine while
/// it has the workflow's initial status. Transitions are judged by
/// [`Workflow::check`], as by `git spec status` and the commit hook.
pub fn unrecorded_status(workflow: &Workflow, doc: &Document) -> Option<Unrecorded> {
    let status = doc.get("status")?;
    let last = doc.last_status_change();
    let recorded = last.is_some();
    let from = last.map_or_else(|| workflow.initial.clone(), |(_, to)| to);
    if from == status {
        return None;
    }
    let refusal = match workflow.decide(&from, &status, false) {
        Ok(_) => None,
        Err(TransitionError::UnknownStatus(_)) => Some(format!(
            "{status:?} is not a status of the workflow ({})",
            workflow.statuses.join(", ")
        )),
        Err(refused) => {
            let id = doc.get("spec-id").unwrap_or_else(|| "<id>".to_string());
            Some(format!(
                "{refused}; record it as forced with `git spec status {id} {status} --force`, or set the status back to {from}"
            ))
        }
    };
    Some(Unrecorded {
        from,
        to: status,
        recorded,
        refusal,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Spec;
    use std::path::Path;

    fn doc(text: &str) -> Document {
        Document::parse(Path::new("specs/0001-a.md"), text.as_bytes()).unwrap()
    }

    fn spec(path: &str, text: &str) -> Spec {
        let document = Document::parse(Path::new(path), text.as_bytes()).unwrap();
        let config = Config::default();
        let scheme = IdScheme::new(&config);
        let record = crate::catalog::SpecRecord {
            id: document.get("spec-id").unwrap_or_default(),
            number: document
                .get("spec-id")
                .and_then(|id| scheme.parse(&id))
                .unwrap_or(0),
            provisional: false,
            title: String::new(),
            status: String::new(),
            priority: String::new(),
            owner: String::new(),
            created: String::new(),
            updated: String::new(),
            tags: Vec::new(),
            path: path.to_string(),
            branch: None,
            tasks: Default::default(),
        };
        Spec { record, document }
    }

    fn findings(path: &str, text: &str) -> Vec<(usize, &'static str, String)> {
        let config = Config::default();
        let scheme = IdScheme::new(&config);
        let mut out = Vec::new();
        let spec = spec(path, text);
        Checker::new(&config, &scheme).spec(&spec.record, &spec.document, &mut out);
        out.into_iter()
            .map(|f| (f.line, f.rule, f.message))
            .collect()
    }

    const GOOD: &str = "---\nspec-id: SPEC-0001\ntitle: A\nstatus: draft\npriority: low\nowner: Jo\ncreated: 2026-01-01\nupdated: 2026-01-02\ntags: []\n---\n## Changelog\n- 2026-01-01: Initial draft created\n";

    #[test]
    fn good_spec_has_no_findings() {
        assert_eq!(findings("specs/0001-a.md", GOOD), vec![]);
        assert_eq!(unrecorded_status(&Workflow::default(), &doc(GOOD)), None);
    }

    #[test]
    fn dates() {
        for ok in ["2026-01-01", "2024-02-29", "0001-12-31"] {
            assert!(is_date(ok), "{ok}");
        }
        for bad in [
            "2026-1-01",
            "2026-02-30",
            "2023-02-29",
            "2026-13-01",
            "26-01-01",
            "2026/01/01",
            "2026-01-01T00:00",
            "+026-01-01",
            "",
        ] {
            assert!(!is_date(bad), "{bad}");
        }
        let text = GOOD.replace("updated: 2026-01-02", "updated: 2025-12-31");
        assert_eq!(
            findings("specs/0001-a.md", &text),
            vec![(
                8,
                "bad-date",
                "updated 2025-12-31 is before created 2026-01-01".into()
            )]
        );
    }

    #[test]
    fn ids() {
        let cases = [
            (
                "SPEC-0002",
                "does not match the file name 0001-a.md (SPEC-0001)",
            ),
            ("SPEC-1", "should be written SPEC-0001"),
            ("'0001'", "should be written SPEC-0001"),
            ("RFC-1", "is not an id of the form SPEC-0001"),
        ];
        for (written, message) in cases {
            let text = GOOD.replace("SPEC-0001", written);
            let found = findings("specs/0001-a.md", &text);
            assert_eq!(found.len(), 1, "{written}: {found:?}");
            assert_eq!(found[0].1, "id-mismatch");
            assert!(found[0].2.contains(message), "{written}: {found:?}");
        }
        // A name that does not follow the pattern only needs a well-formed id.
        assert_eq!(findings("specs/notes.md", GOOD), vec![]);
    }

    #[test]
    fn keys() {
        let text = GOOD
            .replace("owner: Jo\n", "owner:\nreviewer: Al\n")
            .replace("title: A\n", "");
        let found = findings("specs/0001-a.md", &text);
        assert_eq!(
            found.iter().map(|f| (f.0, f.1)).collect::<Vec<_>>(),
            vec![(1, "missing-key"), (5, "missing-key"), (6, "unknown-key")],
            "{found:?}"
        );
    }

    #[test]
    fn unrecorded() {
        let wf = Workflow::default();
        let text = GOOD.replace("status: draft", "status: review");
        let found = unrecorded_status(&wf, &doc(&text)).unwrap();
        assert_eq!(
            (found.from.as_str(), found.to.as_str(), found.recorded),
            ("draft", "review", false)
        );
        assert_eq!(found.refusal, None);

        let text = format!(
            "{}- 2026-01-02: Status changed from draft to review by Jo\n",
            GOOD.replace("status: draft", "status: review")
        );
        assert_eq!(unrecorded_status(&wf, &doc(&text)), None);
        let text = text.replace("status: review", "status: approved");
        let found = unrecorded_status(&wf, &doc(&text)).unwrap();
        assert_eq!((found.from.as_str(), found.recorded), ("review", true));
        assert_eq!(found.refusal, None);

        let text = GOOD.replace("status: draft", "status: implemented");
        let found = unrecorded_status(&wf, &doc(&text)).unwrap();
        assert!(found.refusal.is_some());
        let relaxed = Workflow {
            enforce: false,
            ..Workflow::default()
        };
        assert_eq!(
            unrecorded_status(&relaxed, &doc(&text)).unwrap().refusal,
            None
        );
        let text = GOOD.replace("status: draft", "status: done");
        assert!(unrecorded_status(&relaxed, &doc(&text))
            .unwrap()
            .refusal
            .is_some());
    }

    #[test]
    fn duplicates_name_each_other() {
        let scheme = IdScheme::new(&Config::default());
        let file = |path: &str, id: u64, line: usize| WorkingFile {
            path: path.to_string(),
            id: Some(id),
            number: Some(id),
            line,
        };
        let uses = [
            file("specs/0001-a.md", 1, 2),
            file("specs/0002-b.md", 2, 2),
            file("specs/0001-c.md", 1, 1),
        ];
        let found = duplicate_ids(&scheme, &uses);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].path, "specs/0001-a.md");
        assert!(found[0].message.contains("specs/0001-c.md"));
        assert_eq!(found[1].path, "specs/0001-c.md");
        assert!(found[1].message.contains("specs/0001-a.md"));
    }
}

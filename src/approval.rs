//! Approvals: recorded in the spec's changelog, bound to its content.
//!
//! An approval is a changelog entry
//!
//! ```text
//! - 2026-01-15: Approved by Jane Doe <jane@example.com> (content 1a2b3c4d5e6f) — LGTM
//! ```
//!
//! whose `content` is a digest of the spec without its volatile parts (the
//! `status` and `updated` values and the changelog section): editing any
//! other byte makes older approvals stale, while recording them, or moving
//! the status, does not. Everything is in the file and in git, so anyone
//! can check it offline; `check --history` checks that each approval was
//! committed by the person it names.

use std::sync::OnceLock;

use regex::Regex;

use crate::config::ApprovalConfig;
use crate::document::Document;
use crate::workflow::Workflow;

/// One approval entry of a changelog.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Approval {
    pub name: String,
    pub email: String,
    pub date: String,
    /// The content digest the approver saw.
    pub content: String,
    /// Whether the spec's content is still what was approved.
    pub current: bool,
    /// Whether it counts for `[approval] required` (current, by an allowed
    /// approver, not the owner's own unless `self = true`).
    #[serde(skip)]
    pub counts: bool,
    /// Why it does not count, for messages.
    #[serde(skip)]
    pub why_not: Option<&'static str>,
}

/// The entry `approve` appends.
pub fn entry(date: &str, name: &str, email: &str, content: &str, note: Option<&str>) -> String {
    let mut entry = format!("- {date}: Approved by {name} <{email}> (content {content})");
    if let Some(note) = note.map(str::trim).filter(|n| !n.is_empty()) {
        entry.push_str(" \u{2014} ");
        entry.push_str(note);
    }
    entry
}

/// The digest approvals are bound to: the first 12 hex digits of git's
/// blob id of the spec with the `status` and `updated` lines and the
/// changelog section left out, line endings as LF and without a BOM (so a
/// checkout with other line endings keeps its approvals).
pub fn content_digest(document: &Document) -> String {
    let text = String::from_utf8_lossy(document.bytes());
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let volatile = [document.line_of("status"), document.line_of("updated")];
    let changelog = document.changelog_lines();
    let mut kept = String::with_capacity(text.len());
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        if volatile.contains(&Some(number))
            || changelog.is_some_and(|(start, end)| number >= start && number < end)
        {
            continue;
        }
        kept.push_str(line.strip_suffix('\r').unwrap_or(line));
        kept.push('\n');
    }
    git2::Oid::hash_object(git2::ObjectType::Blob, kept.as_bytes())
        .map(|oid| oid.to_string()[..12].to_string())
        .unwrap_or_default()
}

/// What an approval entry says: (date, name, email, content digest).
pub fn parse_entry(line: &str) -> Option<(&str, &str, &str, &str)> {
    static PATTERN: OnceLock<Regex> = OnceLock::new();
    let pattern = PATTERN.get_or_init(|| {
        Regex::new(r"^- (.*?): Approved by (.+?) <([^<>]*)> \(content ([0-9a-f]+)\)")
            .expect("valid regex")
    });
    let caps = pattern.captures(line)?;
    let part = |i| caps.get(i).map_or("", |m: regex::Match<'_>| m.as_str());
    Some((part(1), part(2), part(3), part(4)))
}

/// The approvals in a spec's changelog, oldest first, each judged against
/// the spec's current content and the configuration.
pub fn approvals(document: &Document, config: &ApprovalConfig) -> Vec<Approval> {
    // The digest hashes the whole spec: only worth it when there is an
    // approval to compare it with (most specs have none).
    let digest = std::cell::OnceCell::new();
    let owner = document.get("owner").unwrap_or_default().to_lowercase();
    document
        .changelog_entries()
        .iter()
        .filter_map(|(_, line)| {
            let (date, name, email, content) = parse_entry(line)?;
            let email = email.to_string();
            let current = content == digest.get_or_init(|| content_digest(document)).as_str();
            let allowed = config.approvers.is_empty()
                || config
                    .approvers
                    .iter()
                    .any(|a| a.eq_ignore_ascii_case(&email));
            let own = is_owner(&owner, &email);
            let why_not = if !current {
                Some("stale: the spec changed after it")
            } else if !allowed {
                Some("not an approver (`[approval] approvers`)")
            } else if own && !config.self_approval {
                Some("the owner's own (`[approval] self = false`)")
            } else {
                None
            };
            Some(Approval {
                date: date.to_string(),
                name: name.to_string(),
                email,
                content: content.to_string(),
                current,
                counts: why_not.is_none(),
                why_not,
            })
        })
        .collect()
}

/// Whether `email` is the one in the spec's `owner:` (`Name <email>`, or
/// the bare address), compared without case.
pub fn is_owner(owner: &str, email: &str) -> bool {
    let (owner, email) = (owner.trim().to_lowercase(), email.trim().to_lowercase());
    !email.is_empty() && (owner == email || owner.contains(&format!("<{email}>")))
}

/// How many distinct people's approvals count.
pub fn counted(approvals: &[Approval]) -> usize {
    let mut emails: Vec<String> = approvals
        .iter()
        .filter(|a| a.counts)
        .map(|a| a.email.to_lowercase())
        .collect();
    emails.sort();
    emails.dedup();
    emails.len()
}

/// Why `document` may not enter `status`: it needs more current
/// approvals than it has. None when it may (or when `status` needs none).
pub fn shortfall(document: &Document, status: &str, config: &ApprovalConfig) -> Option<String> {
    let needed = *config.required.get(status)?;
    let list = approvals(document, config);
    let have = counted(&list);
    if have >= needed {
        return None;
    }
    let mut message = format!(
        "entering {status} needs {needed} current approval{} and the spec has {have}",
        if needed == 1 { "" } else { "s" }
    );
    if list.is_empty() {
        message.push_str(" (none recorded: `git spec approve <id>` records one)");
    }
    for approval in &list {
        message.push_str(&format!(
            "\n  {} <{}> on {}: {}",
            approval.name,
            approval.email,
            approval.date,
            approval.why_not.unwrap_or("counts")
        ));
    }
    Some(message)
}

/// The statuses that need approvals a spec at `status` should still hold:
/// the required statuses that every path from the initial status to
/// `status` passes through (`status` itself included). A spec that is
/// withdrawn straight from draft never needed its approvals.
pub fn held_requirements<'a>(
    workflow: &Workflow,
    config: &'a ApprovalConfig,
    status: &str,
) -> Vec<(&'a str, usize)> {
    config
        .required
        .iter()
        .filter(|(required, _)| {
            required.as_str() == status || passes_through(workflow, required, status)
        })
        .map(|(required, count)| (required.as_str(), *count))
        .collect()
}

/// Whether `target` can be reached from the initial status, but not
/// without `through`.
fn passes_through(workflow: &Workflow, through: &str, target: &str) -> bool {
    let reachable = |avoid: Option<&str>| {
        let mut seen = vec![workflow.initial.clone()];
        let mut queue = vec![workflow.initial.clone()];
        while let Some(status) = queue.pop() {
            for next in workflow.next(&status) {
                if Some(next.as_str()) == avoid || seen.contains(next) {
                    continue;
                }
                seen.push(next.clone());
                queue.push(next.clone());
            }
        }
        seen.iter().any(|s| s == target)
    };
    target != workflow.initial && reachable(None) && !reachable(Some(through))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn doc(text: &str) -> Document {
        Document::parse(Path::new("specs/0001-a.md"), text.as_bytes()).unwrap()
    }

    const SPEC: &str = "---\nspec-id: SPEC-0001\nstatus: review\nupdated: 2026-01-01\nowner: Jane <jane@x>\n---\n\n# A\n\nBody.\n\n## Changelog\n\n- 2026-01-01: Initial draft created\n";

    #[test]
    fn the_digest_ignores_status_updated_and_changelog_only() {
        let base = content_digest(&doc(SPEC));
        let moved = SPEC
            .replace("status: review", "status: approved")
            .replace("updated: 2026-01-01", "updated: 2026-02-02")
            + "- 2026-02-02: Status changed from review to approved by X\n";
        assert_eq!(content_digest(&doc(&moved)), base);
        assert_eq!(content_digest(&doc(&SPEC.replace('\n', "\r\n"))), base);
        assert_ne!(content_digest(&doc(&SPEC.replace("Body.", "Body!"))), base);
        assert_ne!(
            content_digest(&doc(&SPEC.replace("owner: Jane", "owner: Joe"))),
            base
        );
        assert_eq!(base.len(), 12);
    }

    #[test]
    fn approvals_count_once_per_person_and_only_when_current() {
        let digest = content_digest(&doc(SPEC));
        let text = format!(
            "{SPEC}{}\n{}\n{}\n{}\n",
            entry("2026-01-02", "Bob", "bob@x", &digest, Some("LGTM")),
            entry("2026-01-02", "Bob", "bob@x", &digest, None),
            entry("2026-01-03", "Carol", "carol@x", "000000000000", None),
            entry("2026-01-03", "Jane", "jane@x", &digest, None),
        );
        let config = ApprovalConfig::default();
        let list = approvals(&doc(&text), &config);
        assert_eq!(list.len(), 4);
        assert!(!list[2].current);
        assert!(!list[3].counts, "the owner's own");
        assert_eq!(counted(&list), 1);
        let selfish = ApprovalConfig {
            self_approval: true,
            ..ApprovalConfig::default()
        };
        assert_eq!(counted(&approvals(&doc(&text), &selfish)), 2);
        let listed = ApprovalConfig {
            approvers: vec!["carol@x".into()],
            ..ApprovalConfig::default()
        };
        assert_eq!(counted(&approvals(&doc(&text), &listed)), 0);
    }

    #[test]
    fn the_owner_is_matched_by_the_whole_address() {
        assert!(is_owner("Jane Doe <Jane@Example.com>", "jane@example.com"));
        assert!(is_owner("jane@example.com", "jane@example.com"));
        assert!(!is_owner("Jane Doe <jane@example.com>", "e@example.com"));
        assert!(!is_owner("Jane Doe <jane@example.com>", ""));
    }

    #[test]
    fn requirements_hold_past_the_status_that_needs_them() {
        let workflow = Workflow::default();
        let config = ApprovalConfig {
            required: [("approved".to_string(), 2)].into_iter().collect(),
            ..ApprovalConfig::default()
        };
        for (status, held) in [
            ("draft", false),
            ("review", false),
            ("approved", true),
            ("in-progress", true),
            ("implemented", true),
            ("superseded", true),
            ("withdrawn", false),
            ("rejected", false),
        ] {
            assert_eq!(
                !held_requirements(&workflow, &config, status).is_empty(),
                held,
                "{status}"
            );
        }
    }
}

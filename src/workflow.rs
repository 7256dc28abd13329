//! Statuses and the transitions allowed between them.
//!
//! One implementation shared by `git spec status`, the commit hook and
//! `git spec check`, so the three can never disagree about what is allowed.

use std::collections::BTreeMap;

use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct Workflow {
    /// Status given to a new spec.
    pub initial: String,
    /// Refuse transitions not listed in `transitions`.
    pub enforce: bool,
    /// Every status, in display order.
    pub statuses: Vec<String>,
    /// status -> statuses it may move to; a status without an entry is final.
    pub transitions: BTreeMap<String, Vec<String>>,
}

impl Default for Workflow {
    fn default() -> Self {
        let list = |items: &[&str]| items.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let transitions = [
            ("draft", list(&["review", "approved", "withdrawn"])),
            (
                "review",
                list(&["approved", "rejected", "draft", "withdrawn"]),
            ),
            ("approved", list(&["in-progress", "withdrawn"])),
            ("in-progress", list(&["implemented", "withdrawn"])),
            ("implemented", list(&["superseded"])),
        ]
        .into_iter()
        .map(|(from, to)| (from.to_string(), to))
        .collect();
        Workflow {
            initial: "draft".into(),
            enforce: true,
            statuses: list(&[
                "draft",
                "review",
                "approved",
                "in-progress",
                "implemented",
                "rejected",
                "withdrawn",
                "superseded",
            ]),
            transitions,
        }
    }
}

/// A move the workflow lets be made (see [`Workflow::decide`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    Allowed,
    /// Made with `--force`; the changelog entry says `(forced)`.
    Forced,
}

/// Why a transition is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransitionError {
    /// The target is not a status of this workflow.
    UnknownStatus(String),
    /// The current status is not a status of this workflow.
    UnknownCurrent(String),
    /// Both statuses exist but the workflow has no such edge.
    NotAllowed {
        from: String,
        to: String,
        allowed: Vec<String>,
    },
}

impl std::fmt::Display for TransitionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            // Quoted, not Debug-escaped: what reaches a terminal has its
            // controls shown by `term`, the same way as everything else.
            TransitionError::UnknownStatus(status) => {
                write!(f, "unknown status \"{status}\"")
            }
            TransitionError::UnknownCurrent(status) => {
                write!(f, "the current status \"{status}\" is not in the workflow")
            }
            TransitionError::NotAllowed { from, to, allowed } => {
                if allowed.is_empty() {
                    write!(f, "{from} -> {to} is not allowed: {from} is a final status")
                } else {
                    write!(
                        f,
                        "{from} -> {to} is not allowed; from {from} a spec may move to: {}",
                        allowed.join(", ")
                    )
                }
            }
        }
    }
}

impl Workflow {
    pub fn is_status(&self, status: &str) -> bool {
        self.statuses.iter().any(|s| s == status)
    }

    /// Statuses reachable in one step from `status` (empty when final).
    pub fn next(&self, status: &str) -> &[String] {
        self.transitions
            .get(status)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    pub fn is_final(&self, status: &str) -> bool {
        self.next(status).is_empty()
    }

    /// Checks the move `from -> to` against the table, whether or not the
    /// workflow is enforced: callers decide what an error means (`--force`,
    /// `enforce = false`).
    pub fn check(&self, from: &str, to: &str) -> Result<(), TransitionError> {
        if !self.is_status(to) {
            return Err(TransitionError::UnknownStatus(to.to_string()));
        }
        if !self.is_status(from) {
            return Err(TransitionError::UnknownCurrent(from.to_string()));
        }
        if self.next(from).iter().any(|s| s == to) {
            Ok(())
        } else {
            Err(TransitionError::NotAllowed {
                from: from.to_string(),
                to: to.to_string(),
                allowed: self.next(from).to_vec(),
            })
        }
    }

    /// The one transition policy, for `status`, the commit hook and
    /// `check --fix` alike: whether `from -> to` may be made, and whether
    /// it is then recorded as forced.
    ///
    /// - A target outside the workflow is refused, even with `force`.
    /// - A move the table lists is made, not forced.
    /// - Any other move (one the table does not list, or leaving a status
    ///   the workflow does not know) is made as forced with `force`; made,
    ///   not forced, when the workflow is not enforced; refused otherwise.
    ///
    /// The hook and `check --fix` never force: what they refuse, `git spec
    /// status <id> <status> --force` records.
    pub fn decide(&self, from: &str, to: &str, force: bool) -> Result<Move, TransitionError> {
        match self.check(from, to) {
            Ok(()) => Ok(Move::Allowed),
            Err(unknown @ TransitionError::UnknownStatus(_)) => Err(unknown),
            Err(_) if force => Ok(Move::Forced),
            Err(_) if !self.enforce => Ok(Move::Allowed),
            Err(refusal) => Err(refusal),
        }
    }

    /// Consistency of a configured workflow: (dotted key inside
    /// `[workflow]`, message) for the first problem.
    pub fn validate(&self) -> Result<(), (String, String)> {
        if self.statuses.is_empty() {
            return Err(("statuses".into(), "must list at least one status".into()));
        }
        for status in &self.statuses {
            if status.is_empty()
                || status
                    .chars()
                    .any(|c| c.is_whitespace() || c == ':' || c == '#')
            {
                return Err((
                    "statuses".into(),
                    format!(
                        "{status:?} is not a usable status: use a word without spaces, ':' or '#'"
                    ),
                ));
            }
        }
        if let Some(dup) = self
            .statuses
            .iter()
            .enumerate()
            .find_map(|(i, s)| self.statuses[..i].contains(s).then_some(s))
        {
            return Err(("statuses".into(), format!("{dup:?} is listed twice")));
        }
        if !self.is_status(&self.initial) {
            return Err((
                "initial".into(),
                format!(
                    "{:?} is not one of the statuses: {}",
                    self.initial,
                    self.statuses.join(", ")
                ),
            ));
        }
        for (from, targets) in &self.transitions {
            if !self.is_status(from) {
                return Err((
                    format!("transitions.{from}"),
                    format!(
                        "{from:?} is not one of the statuses: {}",
                        self.statuses.join(", ")
                    ),
                ));
            }
            if let Some(unknown) = targets.iter().find(|to| !self.is_status(to)) {
                return Err((
                    format!("transitions.{from}"),
                    format!(
                        "{unknown:?} is not one of the statuses: {}",
                        self.statuses.join(", ")
                    ),
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decide_over_from_to_enforce_force() {
        use Move::*;
        // (from, to, enforce, force) -> decision; "wip" is not a status.
        let cases = [
            ("draft", "review", true, false, Ok(Allowed)),
            ("draft", "review", true, true, Ok(Allowed)),
            ("draft", "implemented", true, false, Err(())),
            ("draft", "implemented", true, true, Ok(Forced)),
            ("draft", "implemented", false, false, Ok(Allowed)),
            ("draft", "implemented", false, true, Ok(Forced)),
            ("superseded", "draft", true, false, Err(())),
            ("superseded", "draft", true, true, Ok(Forced)),
            ("wip", "draft", true, false, Err(())),
            ("wip", "draft", true, true, Ok(Forced)),
            ("wip", "draft", false, false, Ok(Allowed)),
            ("draft", "bogus", true, true, Err(())),
            ("draft", "bogus", false, true, Err(())),
        ];
        for (from, to, enforce, force, expected) in cases {
            let workflow = Workflow {
                enforce,
                ..Workflow::default()
            };
            assert_eq!(
                workflow.decide(from, to, force).map_err(|_| ()),
                expected,
                "{from} -> {to}, enforce {enforce}, force {force}"
            );
        }
    }

    #[test]
    fn default_table() {
        let wf = Workflow::default();
        assert!(wf.validate().is_ok());
        assert_eq!(wf.check("draft", "approved"), Ok(()));
        assert_eq!(wf.check("draft", "review"), Ok(()));
        assert_eq!(wf.check("review", "rejected"), Ok(()));
        assert_eq!(wf.check("approved", "in-progress"), Ok(()));
        assert_eq!(wf.check("in-progress", "implemented"), Ok(()));
        assert_eq!(wf.check("implemented", "superseded"), Ok(()));
        for status in ["rejected", "withdrawn", "superseded"] {
            assert!(wf.is_final(status), "{status}");
        }
        for status in ["draft", "review", "approved", "in-progress"] {
            assert_eq!(wf.check(status, "withdrawn"), Ok(()), "{status}");
        }
    }

    #[test]
    fn refused_transition_lists_allowed() {
        let wf = Workflow::default();
        let err = wf.check("draft", "implemented").unwrap_err();
        assert_eq!(
            err,
            TransitionError::NotAllowed {
                from: "draft".into(),
                to: "implemented".into(),
                allowed: vec!["review".into(), "approved".into(), "withdrawn".into()],
            }
        );
        assert!(err.to_string().contains("review, approved, withdrawn"));
        let err = wf.check("rejected", "draft").unwrap_err();
        assert!(err.to_string().contains("final"), "{err}");
    }

    #[test]
    fn unknown_statuses() {
        let wf = Workflow::default();
        assert_eq!(
            wf.check("draft", "done"),
            Err(TransitionError::UnknownStatus("done".into()))
        );
        assert_eq!(
            wf.check("todo", "draft"),
            Err(TransitionError::UnknownCurrent("todo".into()))
        );
    }

    #[test]
    fn validate_rejects_bad_tables() {
        let mut wf = Workflow::default();
        wf.transitions.insert("draft".into(), vec!["done".into()]);
        assert_eq!(wf.validate().unwrap_err().0, "transitions.draft");
        let mut wf = Workflow::default();
        wf.statuses.push("draft".into());
        assert_eq!(wf.validate().unwrap_err().0, "statuses");
        let wf = Workflow {
            initial: "new".into(),
            ..Workflow::default()
        };
        assert_eq!(wf.validate().unwrap_err().0, "initial");
    }
}

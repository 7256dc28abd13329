//! What an agent may do, from `[agents]` in `.specrc`: checked before a
//! tool changes anything, and a refusal names the key that refused, so
//! the user knows what to change (or whom to ask).

use anyhow::{bail, Result};

use crate::config::AgentsConfig;

/// Refuses a status change `agents` does not allow an agent to make:
/// a target outside `agents.statuses`, or a forced move without
/// `agents.force`.
pub fn check_status_change(
    agents: &AgentsConfig,
    id: &str,
    target: &str,
    force: bool,
) -> Result<()> {
    let target = target.trim();
    if !agents.statuses.iter().any(|status| status == target) {
        bail!(
            "refused by the policy agents.statuses in .specrc: an agent may move a spec only to {}, not to {target:?}; nothing was changed. A person can run `git spec status {id} {target}`, or add {target:?} to `[agents] statuses` in .specrc",
            allowed(&agents.statuses)
        );
    }
    if force && !agents.force {
        bail!(
            "refused by the policy agents.force = false in .specrc: an agent may not force a transition the workflow does not allow; nothing was changed. A person can run `git spec status {id} {target} --force`, or set `[agents] force = true` in .specrc"
        );
    }
    Ok(())
}

/// Refuses to record an approval unless `agents.approve` allows it: an
/// approval is a person's judgement, which an agent does not make on
/// its own.
pub fn check_approval(agents: &AgentsConfig, id: &str) -> Result<()> {
    if !agents.approve {
        bail!(
            "refused by the policy agents.approve = false in .specrc: an agent may not record approvals; nothing was changed. A person can run `git spec approve {id}`, or set `[agents] approve = true` in .specrc"
        );
    }
    Ok(())
}

fn allowed(statuses: &[String]) -> String {
    if statuses.is_empty() {
        "none (the list is empty)".to_string()
    } else {
        statuses.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_let_an_agent_propose_but_not_decide() {
        let agents = AgentsConfig::default();
        assert!(check_status_change(&agents, "1", "review", false).is_ok());
        assert!(check_status_change(&agents, "1", " withdrawn ", false).is_ok());
        let err = check_status_change(&agents, "1", "approved", false).unwrap_err();
        assert!(err.to_string().contains("agents.statuses"), "{err}");
        let err = check_status_change(&agents, "1", "review", true).unwrap_err();
        assert!(err.to_string().contains("agents.force"), "{err}");
    }

    #[test]
    fn forcing_and_approving_are_allowed_when_the_policy_says_so() {
        let agents = AgentsConfig {
            force: true,
            approve: true,
            ..AgentsConfig::default()
        };
        assert!(check_status_change(&agents, "1", "review", true).is_ok());
        assert!(check_approval(&agents, "1").is_ok());
        let err = check_approval(&AgentsConfig::default(), "1").unwrap_err();
        assert!(err.to_string().contains("agents.approve"), "{err}");
    }
}

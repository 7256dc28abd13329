//! `git spec mcp [--repo DIR]`: serve the repository to coding agents over
//! the Model Context Protocol, on stdin and stdout, until stdin closes.
//! The server itself is [`crate::mcp`].

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;

#[derive(Debug, Args)]
#[command(after_help = "\
Register it with an agent, e.g. Claude Code: claude mcp add git-spec -- git spec mcp
Tools: spec_new, spec_status, spec_approve, spec_list, spec_show, spec_check, spec_log
(each returns the --json shape of the command it is named after); resources:
spec://SPEC-0042.
What agents may do is set in .specrc, [agents] (statuses, force, approve).
Messages and errors go to stderr; stdout carries only the protocol.")]
pub struct McpArgs {
    /// The repository to serve (default: the one around the current directory)
    #[arg(long, value_name = "DIR")]
    pub repo: Option<PathBuf>,
}

pub fn run(args: McpArgs) -> Result<i32> {
    if let Some(dir) = &args.repo {
        // Every tool call opens the project around the current directory,
        // as each CLI run does: serving DIR is working from it.
        std::env::set_current_dir(dir)
            .with_context(|| format!("--repo {}: cannot enter the folder", dir.display()))?;
    }
    // Refuse to start outside a repository, or on a broken .specrc, rather
    // than answer every call with the same error: the agent's user sees
    // this when registering the server. (A .specrc broken later is a tool
    // error of each call, and the server keeps running.)
    crate::project::Project::open()?;
    crate::mcp::serve()?;
    Ok(0)
}

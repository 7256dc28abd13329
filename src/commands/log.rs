//! `git spec log <ID>`: a spec's status history as git recorded it.

use anyhow::Result;
use clap::Args;

#[derive(Debug, Args)]
pub struct LogArgs {
    /// The spec: 42, 0042 or SPEC-0042
    pub id: String,
    /// Print the history as JSON
    #[arg(long)]
    pub json: bool,
}

pub fn run(_args: LogArgs) -> Result<i32> {
    anyhow::bail!("git spec log is not implemented yet")
}

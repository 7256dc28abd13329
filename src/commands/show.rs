//! `git spec show <ID>`: one spec's front matter and changelog.

use anyhow::Result;
use clap::Args;

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The spec: 42, 0042 or SPEC-0042
    pub id: String,
    /// Print the same data as JSON
    #[arg(long)]
    pub json: bool,
}

pub fn run(_args: ShowArgs) -> Result<i32> {
    anyhow::bail!("git spec show is not implemented yet")
}

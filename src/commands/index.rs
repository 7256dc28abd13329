//! `git spec index`: a Markdown index of all specs, grouped by status.

use anyhow::Result;
use clap::Args;

#[derive(Debug, Args)]
pub struct IndexArgs {
    /// Exit non-zero if the index file is out of date; write nothing (for CI)
    #[arg(long)]
    pub check: bool,
}

pub fn run(_args: IndexArgs) -> Result<i32> {
    anyhow::bail!("git spec index is not implemented yet")
}

//! `git spec completions <SHELL>`: shell completion scripts.

use anyhow::Result;
use clap::Args;

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to generate completions for
    pub shell: clap_complete::Shell,
}

pub fn run(_args: CompletionsArgs) -> Result<i32> {
    anyhow::bail!("git spec completions is not implemented yet")
}

//! `git spec man`: the man page, so that `git spec --help` works.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Folder to write git-spec.1 into
    #[arg(long, short, default_value = ".")]
    pub out_dir: PathBuf,
}

pub fn run(_args: ManArgs) -> Result<i32> {
    anyhow::bail!("git spec man is not implemented yet")
}

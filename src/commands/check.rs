//! `git spec check`: read-only validation of every spec, for CI and hooks.

use anyhow::Result;
use clap::{Args, ValueEnum};

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Output format
    #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
    pub format: CheckFormat,
    /// Compare ids with this ref (e.g. origin/main) instead of all other branches (repeatable)
    #[arg(long, value_name = "REF")]
    pub against: Vec<String>,
    /// Repair what is safe to repair (the missing changelog entry)
    #[arg(long)]
    pub fix: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    Text,
    Json,
}

pub fn run(_args: CheckArgs) -> Result<i32> {
    anyhow::bail!("git spec check is not implemented yet")
}

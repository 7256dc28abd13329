//! `git spec list`: the specs as a table, JSON or CSV, filtered and sorted.

use anyhow::Result;
use clap::{Args, ValueEnum};

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only specs with this status (repeatable)
    #[arg(long, short)]
    pub status: Vec<String>,
    /// Only specs whose owner contains this text (case-insensitive)
    #[arg(long)]
    pub owner: Option<String>,
    /// Only specs with this tag (repeatable: all must be present)
    #[arg(long, short)]
    pub tag: Vec<String>,
    /// Only specs with this priority (repeatable)
    #[arg(long, short)]
    pub priority: Vec<String>,
    /// Sort order
    #[arg(long, value_enum, default_value_t = SortKey::Id)]
    pub sort: SortKey,
    /// Also specs that exist only on other local or remote-tracking branches
    #[arg(long, short)]
    pub all_branches: bool,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Colour the status column (honours NO_COLOR)
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SortKey {
    Id,
    Status,
    Updated,
    Priority,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
    Csv,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

pub fn run(_args: ListArgs) -> Result<i32> {
    anyhow::bail!("git spec list is not implemented yet")
}

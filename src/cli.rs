//! Command-line parsing and dispatch; errors become messages and exit codes.

use clap::{Parser, Subcommand};

use crate::commands::{hook, init, new, status};

#[derive(Debug, Parser)]
#[command(
    name = "git-spec",
    bin_name = "git spec",
    version,
    about = "Feature specs as Markdown in your repository, with their lifecycle run through git",
    long_about = "Feature specs as Markdown in your repository, with their lifecycle run through git.\n\n\
        Specs live in the spec folder (default specs/) with YAML front matter and a changelog.\n\
        Configuration: .specrc at the repository root (see `git spec init`).\n\
        Set GIT_SPEC_DATE=YYYY-MM-DD to pin today's date for reproducible output."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write .specrc and templates/spec.md to customise (never overwrites)
    Init(init::InitArgs),
    /// Create a spec: next free id, owner from git config, branch and file from the template
    New(new::NewArgs),
    /// Show a spec's status, or move it to another one along the workflow
    Status(status::StatusArgs),
    /// Install, remove or run the pre-commit hook that keeps changelogs true
    Hook(hook::HookArgs),
}

/// Runs the command line and returns the process exit code.
pub fn main() -> i32 {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Init(args) => init::run(args),
        Command::New(args) => new::run(args),
        Command::Status(args) => status::run(args),
        Command::Hook(args) => hook::run(args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            1
        }
    }
}

//! Command-line parsing and dispatch; errors become messages and exit codes.

use clap::{Parser, Subcommand};

use crate::commands::{
    approve, board, check, complete, completions, fetch, graph, hook, index, init, link, list, log,
    man, mcp, new, promote, renumber, show, status, supersede,
};

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
    /// Say less: no notes or progress on stderr (errors are still printed)
    #[arg(long, short, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Say more on stderr (each git command git-spec runs); repeatable
    #[arg(long, short, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// When to colour output
    #[arg(long, value_enum, global = true, default_value_t = crate::term::ColorChoice::Auto)]
    pub color: crate::term::ColorChoice,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write .specrc and templates/spec.md to customise (never overwrites); register the index merge driver
    Init(init::InitArgs),
    /// Create a spec: next free id, owner from git config, branch and file from the template
    New(new::NewArgs),
    /// Show a spec's status, or move it to another one along the workflow
    Status(status::StatusArgs),
    /// Record your approval of a spec's current content in its changelog
    Approve(approve::ApproveArgs),
    /// Add relations to a spec: --depends-on ID, --supersedes ID
    Link(link::LinkArgs),
    /// Remove relations from a spec: --depends-on ID, --supersedes ID
    Unlink(link::LinkArgs),
    /// Mark a spec superseded by another: NEW supersedes OLD, OLD moves to superseded
    Supersede(supersede::SupersedeArgs),
    /// Draw the relations between specs (Mermaid, DOT or JSON)
    Graph(graph::GraphArgs),
    /// Give provisional specs (SPEC-DRAFT-7f3a2c9b) their numbers, once they have landed
    Promote(promote::PromoteArgs),
    /// Give a spec a new number: file, spec-id, branch and mentions in other specs
    Renumber(renumber::RenumberArgs),
    /// Update the local copy of the id reservations from the shared remote
    Fetch(fetch::FetchArgs),
    /// Install, remove or run the pre-commit hook that keeps changelogs true
    Hook(hook::HookArgs),
    /// List specs as a table, JSON or CSV
    List(list::ListArgs),
    /// Show one spec's front matter and changelog
    Show(show::ShowArgs),
    /// Check every spec (ids, front matter, statuses, changelog) for CI; read-only unless --fix
    Check(check::CheckArgs),
    /// A spec's status history as git recorded it
    Log(log::LogArgs),
    /// Serve this repository to coding agents over MCP (stdio), with the policy of [agents] in .specrc
    Mcp(mcp::McpArgs),
    /// Write the Markdown index of all specs (default specs/README.md)
    Index(index::IndexArgs),
    /// Write a static web site of all specs: a board by status, a page per spec
    Board(board::BoardArgs),
    /// Values for the completion scripts (ids, next statuses, refs)
    #[command(name = "__complete", hide = true)]
    Complete(complete::CompleteArgs),
    /// Print shell completions (bash, zsh, fish, powershell, elvish)
    Completions(completions::CompletionsArgs),
    /// Print the man page, or write every page into --out-dir (git spec --help shows them)
    Man(man::ManArgs),
}

/// The definition of the whole command line, for the commands that
/// describe it (completions, man pages): they receive it rather than
/// import this module, which imports them.
pub fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}

/// A closed stdout ends the process quietly, as it ends `git log | head`:
/// Rust ignores SIGPIPE, so every print to a closed pipe would otherwise
/// panic ("failed printing to stdout: Broken pipe", exit 101) or surface as
/// an error. Restoring the default action once, here, covers every command
/// and every print: the shell sees 141, the status of a process the pipe's
/// reader stopped. Children started with `Command` get the default anyway.
pub fn restore_sigpipe() {
    // SAFETY: called first thing in main, before any thread exists;
    // `signal` with SIG_DFL installs no handler code.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// Runs the command line and returns the process exit code.
pub fn main() -> i32 {
    let cli = Cli::parse();
    crate::term::configure(crate::term::Settings {
        quiet: cli.quiet,
        verbose: cli.verbose,
        color: cli.color,
    });
    let result = match cli.command {
        Command::Init(args) => init::run(args),
        Command::New(args) => new::run(args),
        Command::Status(args) => status::run(args),
        Command::Hook(args) => hook::run(args),
        Command::List(args) => list::run(args),
        Command::Show(args) => show::run(args),
        Command::Check(args) => check::run(args),
        Command::Log(args) => log::run(args),
        Command::Index(args) => index::run(args),
        Command::Mcp(args) => mcp::run(args),
        Command::Board(args) => board::run(args),
        Command::Completions(args) => completions::run(args, command()),
        Command::Complete(args) => complete::run(args),
        Command::Man(args) => man::run(args, command()),
        Command::Fetch(args) => fetch::run(args),
        Command::Renumber(args) => renumber::run(args),
        Command::Approve(args) => approve::run(args),
        Command::Link(args) => link::run(args, false),
        Command::Unlink(args) => link::run(args, true),
        Command::Supersede(args) => supersede::run(args),
        Command::Graph(args) => graph::run(args),
        Command::Promote(args) => promote::run(args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            crate::term::error(&format!("{err:#}"));
            1
        }
    }
}

//! `git spec fetch [REMOTE]`: update the local copy of the id reservations.

use anyhow::Result;
use clap::Args;

use crate::project::Project;
use crate::reserve;

#[derive(Debug, Args)]
pub struct FetchArgs {
    /// The remote holding the reservations (default: `[id] reserve` in .specrc, else origin)
    pub remote: Option<String>,
    /// Print {"remote", "reserved"} as JSON on stdout
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: FetchArgs) -> Result<i32> {
    let project = Project::open()?;
    let (remote, source) = match (args.remote, project.config.id.reserve.as_str()) {
        (Some(remote), _) => (remote, "the command line"),
        (None, "") => ("origin".to_string(), "git spec fetch (default)"),
        (None, configured) => (configured.to_string(), "`[id] reserve` in .specrc"),
    };
    let remote = reserve::checked_remote(&project.repo, &remote, source)?;
    reserve::fetch(&project.repo, &remote)?;
    let namespace = reserve::mirror_namespace(&remote);
    let count = project
        .repo
        .git
        .references_glob(&format!("{namespace}*"))?
        .filter_map(|r| r.ok())
        .count();
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(
                &serde_json::json!({"remote": remote, "reserved": count})
            )?
        );
    } else {
        outln!("{count} reserved ids from {remote} (in {namespace}*)");
    }
    Ok(0)
}

//! One file per subcommand; each defines its clap arguments and `run`.

pub mod check;
pub mod completions;
pub mod fetch;
pub mod hook;
pub mod index;
pub mod init;
pub mod list;
pub mod log;
pub mod man;
pub mod new;
pub mod renumber;
pub mod show;
pub mod status;

use anyhow::Result;

use crate::config::{Config, LoadedConfig};
use crate::ids::IdScheme;
use crate::repo::Repo;

/// What every command works with: the repository, its configuration and
/// how ids look in it.
pub struct Project {
    pub repo: Repo,
    pub config: Config,
    /// Where the configuration came from (None: built-in defaults).
    pub config_path: Option<std::path::PathBuf>,
    pub scheme: IdScheme,
}

impl Project {
    pub fn open() -> Result<Project> {
        let repo = Repo::open()?;
        let LoadedConfig { config, path } = Config::load(&repo.workdir)?;
        let scheme = IdScheme::new(&config);
        Ok(Project {
            repo,
            config,
            config_path: path,
            scheme,
        })
    }

    /// The spec folder in the working tree.
    pub fn spec_dir(&self) -> std::path::PathBuf {
        self.repo.workdir.join(&self.config.dir)
    }
}

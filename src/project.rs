//! The context every command works with: the repository, its `.specrc`,
//! how ids look, and the paths the configuration names, proven inside the
//! work tree. Commands and the modules below them take it from here.

use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::config::{Config, LoadedConfig};
use crate::paths::Bounds;
use crate::repo::Repo;
use crate::scheme::IdScheme;

/// What every command works with: the repository, its configuration and
/// how ids look in it.
pub struct Project {
    pub repo: Repo,
    pub config: Config,
    pub scheme: IdScheme,
    /// The spec folder, proven inside the work tree.
    spec_dir: PathBuf,
    /// `index.file`, proven inside the work tree.
    pub index_file: PathBuf,
    /// `template` from .specrc, proven inside the work tree (None: unset).
    pub template_file: Option<PathBuf>,
}

impl Project {
    /// Opens the repository around the current directory and its
    /// `.specrc`. Every path the configuration names is checked here,
    /// before any command reads or writes through it: a hostile
    /// repository is refused up front, with the key and the value.
    pub fn open() -> Result<Project> {
        let repo = Repo::open()?;
        let bounds = Bounds::of(&repo);
        let LoadedConfig { config, path } = Config::load(&repo.workdir, &bounds)?;
        let scheme = IdScheme::new(&config);
        let Paths {
            spec_dir,
            index_file,
            template_file,
        } = Paths::check(&bounds, &config, path.as_deref())?;
        Ok(Project {
            repo,
            config,
            scheme,
            spec_dir,
            index_file,
            template_file,
        })
    }

    /// The spec folder in the working tree.
    pub fn spec_dir(&self) -> &Path {
        &self.spec_dir
    }
}

/// The paths a configuration names, each proven inside the work tree.
pub struct Paths {
    pub spec_dir: PathBuf,
    pub index_file: PathBuf,
    /// None: `template` is unset (the built-in one).
    pub template_file: Option<PathBuf>,
}

impl Paths {
    /// Checks the spec folder, `index.file` and `template` of `config`;
    /// an error names the `.specrc` at `path` (None: the built-in
    /// defaults), the key and the value. `init` calls it too, before it
    /// writes anything.
    pub fn check(bounds: &Bounds, config: &Config, path: Option<&Path>) -> Result<Paths> {
        let located = |result: Result<PathBuf>| {
            result.map_err(|err| match path {
                Some(path) => {
                    anyhow::anyhow!("{}: {err:#}", crate::repo::display_path(path).display())
                }
                None => err,
            })
        };
        Ok(Paths {
            spec_dir: located(bounds.inside(&config.dir, "dir"))?,
            index_file: located(bounds.inside(&config.index.file, "index.file"))?,
            template_file: match config.template.as_str() {
                "" => None,
                template => Some(located(bounds.inside(template, "template"))?),
            },
        })
    }
}

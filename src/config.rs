//! `.specrc`: the team's configuration, TOML at the repository root.
//!
//! Every key has a built-in default (the values in `.specrc.example`), so a
//! repository without the file works. Mistakes are reported with the file,
//! line and key, because a config error is usually found by a teammate who
//! did not write the file.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context, Result};
use serde::Deserialize;

use crate::workflow::Workflow;

/// Name of the configuration file at the root of the working tree.
pub const FILE_NAME: &str = ".specrc";

/// The documented example, shipped so that `git spec init` can write it.
pub const EXAMPLE: &str = include_str!("../.specrc.example");

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    /// Folder holding the specs, relative to the repository root.
    pub dir: String,
    /// Template path relative to the repository root; empty = built-in.
    pub template: String,
    /// How `owner:` is written; `{name}` and `{email}` from git config.
    pub owner_format: String,
    pub id: IdConfig,
    pub naming: NamingConfig,
    pub priority: PriorityConfig,
    pub workflow: Workflow,
    pub check: CheckConfig,
    pub index: IndexConfig,
    pub approval: ApprovalConfig,
    pub references: ReferencesConfig,
    pub agents: AgentsConfig,
}

/// Where `renumber` rewrites mentions of a spec's old id and `check` looks
/// for stale ones, besides the specs themselves.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct ReferencesConfig {
    /// Globs relative to the root (`docs/**/*.md`, `src/**/*.rs`); `*` and
    /// `?` stay within a folder, `**` crosses folders.
    pub paths: Vec<String>,
}

/// What a coding agent may do through `git spec mcp`. The defaults let an
/// agent draft and propose, never decide: moving a spec to an approved or
/// later status, forcing a transition and recording an approval stay with
/// people, who run the CLI.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct AgentsConfig {
    /// The statuses an agent may move a spec to.
    pub statuses: Vec<String>,
    /// Whether an agent may force a transition the workflow does not allow.
    pub force: bool,
    /// Whether an agent may record approvals.
    pub approve: bool,
}

impl Default for AgentsConfig {
    fn default() -> Self {
        AgentsConfig {
            statuses: ["draft", "review", "withdrawn"].map(String::from).to_vec(),
            force: false,
            approve: false,
        }
    }
}

/// The front matter keys of the standard template.
pub const STANDARD_KEYS: &[&str] = &[
    "spec-id",
    "title",
    "status",
    "priority",
    "owner",
    "created",
    "updated",
    "tags",
    "depends-on",
    "supersedes",
    "previous-ids",
];

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct CheckConfig {
    /// Front matter keys every spec must have.
    pub required: Vec<String>,
    /// Keys allowed besides the standard ones.
    pub extra_keys: Vec<String>,
}

/// Approvals recorded in the changelog (`git spec approve`). By default no
/// status needs any, so nothing changes for a team that does not opt in.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct ApprovalConfig {
    /// status -> how many distinct current approvals entering it needs.
    pub required: std::collections::BTreeMap<String, usize>,
    /// E-mail addresses whose approvals count; empty: anyone's.
    pub approvers: Vec<String>,
    /// Whether the spec's owner's own approval counts.
    #[serde(rename = "self")]
    pub self_approval: bool,
    /// Whether `check --history` requires every commit that records an
    /// approval to carry a good signature (`git verify-commit`).
    pub signed: bool,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct IndexConfig {
    /// The Markdown index `git spec index` writes, relative to the root.
    pub file: String,
}

impl Default for CheckConfig {
    fn default() -> Self {
        CheckConfig {
            required: [
                "spec-id", "title", "status", "priority", "owner", "created", "updated",
            ]
            .map(String::from)
            .to_vec(),
            extra_keys: Vec::new(),
        }
    }
}

impl Default for IndexConfig {
    fn default() -> Self {
        IndexConfig {
            file: "specs/README.md".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct IdConfig {
    pub prefix: String,
    pub width: usize,
    /// Remote on which `new` reserves ids for the whole team; "" = off.
    pub reserve: String,
    /// Whether `new --offline` gives a provisional id (`SPEC-DRAFT-…`)
    /// rather than a number that may collide later.
    pub provisional: bool,
    /// Branches (refs) on which a provisional spec is a `check` finding:
    /// where `git spec promote` must have run. Empty: the default branch
    /// of the reservation remote (or origin), such as origin/main.
    pub promote_on: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct NamingConfig {
    /// File name pattern inside `dir`.
    pub file: String,
    /// Branch name pattern for `git spec new`.
    pub branch: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct PriorityConfig {
    pub allowed: Vec<String>,
    pub default: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            dir: "specs".into(),
            template: String::new(),
            owner_format: "{name} <{email}>".into(),
            id: IdConfig::default(),
            naming: NamingConfig::default(),
            priority: PriorityConfig::default(),
            workflow: Workflow::default(),
            check: CheckConfig::default(),
            index: IndexConfig::default(),
            approval: ApprovalConfig::default(),
            references: ReferencesConfig::default(),
            agents: AgentsConfig::default(),
        }
    }
}

impl Default for IdConfig {
    fn default() -> Self {
        IdConfig {
            prefix: "SPEC-".into(),
            width: 4,
            reserve: String::new(),
            provisional: false,
            promote_on: Vec::new(),
        }
    }
}

impl Default for NamingConfig {
    fn default() -> Self {
        NamingConfig {
            file: "{id}-{slug}.md".into(),
            branch: "spec/{id}-{slug}".into(),
        }
    }
}

impl Default for PriorityConfig {
    fn default() -> Self {
        PriorityConfig {
            allowed: ["low", "medium", "high", "critical"]
                .map(String::from)
                .to_vec(),
            default: "medium".into(),
        }
    }
}

/// A configuration together with where it came from, for error messages.
#[derive(Debug, Clone)]
pub struct LoadedConfig {
    pub config: Config,
    /// The `.specrc` that was read, or None when the defaults apply.
    pub path: Option<PathBuf>,
}

impl Config {
    /// Reads `<root>/.specrc`, or returns the defaults when it does not
    /// exist. A `.specrc` that is a symbolic link out of the work tree is
    /// refused: its content would be someone else's file.
    pub fn load(root: &Path, bounds: &crate::paths::Bounds) -> Result<LoadedConfig> {
        let path = root.join(FILE_NAME);
        if path.symlink_metadata().is_ok() {
            bounds.inside(FILE_NAME, FILE_NAME).map_err(|err| {
                anyhow!(
                    "{} is a symbolic link that does not stay in the work tree, so it is not read: \
                     git spec takes its configuration only from the repository itself; remove the link ({err:#})",
                    path.display()
                )
            })?;
        }
        let source = match std::fs::read_to_string(&path) {
            Ok(source) => source,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                return Ok(LoadedConfig {
                    config: Config::default(),
                    path: None,
                })
            }
            Err(err) => return Err(err).with_context(|| format!("cannot read {}", path.display())),
        };
        let config = Config::parse(&source, &path)?;
        Ok(LoadedConfig {
            config,
            path: Some(path),
        })
    }

    /// Parses and validates configuration text; `path` is only for messages.
    pub fn parse(source: &str, path: &Path) -> Result<Config> {
        let mut config: Config = toml::from_str(source).map_err(|err| {
            let line = err.span().map(|span| line_at(source, span.start));
            let message = err.message().trim_end().to_string();
            // A wrong type is reported at the value: name its key too, so
            // the reader knows which setting wants what.
            let key = line
                .and_then(|line| key_at_line(source, line))
                .filter(|key| !message.contains(key.rsplit('.').next().unwrap_or(key)));
            match (line, key) {
                (Some(line), Some(key)) => anyhow!("{}:{line}: {key}: {message}", path.display()),
                (Some(line), None) => anyhow!("{}:{line}: {message}", path.display()),
                _ => anyhow!("{}: {message}", path.display()),
            }
        })?;
        // `./specs` and `specs/` name the folder git calls `specs`.
        config.dir = normalize_dir(&config.dir);
        config.index.file = normalize_dir(&config.index.file);
        let located = |invalid: Invalid| {
            let key = invalid.key;
            match key_line(source, &key) {
                Some(line) => anyhow!("{}:{line}: {key}: {}", path.display(), invalid.message),
                None => anyhow!("{}: {key}: {}", path.display(), invalid.message),
            }
        };
        config.validate().map_err(located)?;
        if key_line(source, "agents.statuses").is_some() {
            config.validate_agents().map_err(located)?;
        }
        Ok(config)
    }

    /// `[agents] statuses`, as the file sets it: a status the workflow
    /// lacks is a typo that would silently deny (or, after a rename, allow)
    /// an agent something. The default list is not checked: with a
    /// workflow of its own a team that never set it gives agents the
    /// default statuses it has, which may be none.
    fn validate_agents(&self) -> std::result::Result<(), Invalid> {
        match self
            .agents
            .statuses
            .iter()
            .find(|status| !self.workflow.is_status(status))
        {
            Some(unknown) => Err(Invalid {
                key: "agents.statuses".into(),
                message: format!(
                    "{unknown:?} is not a status of the workflow: {}",
                    self.workflow.statuses.join(", ")
                ),
            }),
            None => Ok(()),
        }
    }

    fn validate(&self) -> std::result::Result<(), Invalid> {
        let invalid = |table: &str, key: &str, message: String| Invalid {
            key: if table.is_empty() {
                key.to_string()
            } else {
                format!("{table}.{key}")
            },
            message,
        };
        // Paths come from the repository, which may be hostile: the lexical
        // rules here, symbolic links when the project is opened (`paths`).
        crate::paths::lexically_inside(&self.dir, "dir")
            .map_err(|err| invalid("", "dir", without_key(err, "dir")))?;
        if !self.template.is_empty() {
            crate::paths::lexically_inside(&self.template, "template")
                .map_err(|err| invalid("", "template", without_key(err, "template")))?;
        }
        crate::paths::lexically_inside(&self.index.file, "index.file")
            .map_err(|err| invalid("index", "file", without_key(err, "index.file")))?;
        if !self.index.file.ends_with(".md") {
            return Err(invalid(
                "index",
                "file",
                format!(
                    "{:?} must be a Markdown file ending in .md, such as \"specs/README.md\"",
                    self.index.file
                ),
            ));
        }
        for glob in &self.references.paths {
            crate::paths::lexically_inside(glob, "references.paths").map_err(|err| {
                invalid("references", "paths", without_key(err, "references.paths"))
            })?;
        }
        if self.id.width == 0 || self.id.width > 18 {
            return Err(invalid(
                "id",
                "width",
                format!("{} must be between 1 and 18", self.id.width),
            ));
        }
        if self
            .id
            .prefix
            .chars()
            .any(|c| c.is_whitespace() || c.is_ascii_digit())
        {
            return Err(invalid(
                "id",
                "prefix",
                format!("{:?} must not contain spaces or digits", self.id.prefix),
            ));
        }
        for (key, pattern) in [("file", &self.naming.file), ("branch", &self.naming.branch)] {
            if !pattern.contains("{id}") {
                return Err(invalid(
                    "naming",
                    key,
                    format!("{pattern:?} lacks {{id}}: every name must carry the spec number, e.g. \"{{id}}-{{slug}}\""),
                ));
            }
            if let Some(unknown) = unknown_placeholder(pattern) {
                return Err(invalid(
                    "naming",
                    key,
                    format!("{pattern:?} uses {unknown}; the placeholders are {{id}} and {{slug}}"),
                ));
            }
        }
        if self.naming.file.contains('/') || self.naming.file.contains('\\') {
            return Err(invalid(
                "naming",
                "file",
                format!(
                    "{:?} must be a file name without folders (set `dir` for the folder)",
                    self.naming.file
                ),
            ));
        }
        if !self.priority.allowed.contains(&self.priority.default) {
            return Err(invalid(
                "priority",
                "default",
                format!(
                    "{:?} is not one of the allowed priorities: {}",
                    self.priority.default,
                    self.priority.allowed.join(", ")
                ),
            ));
        }
        self.workflow
            .validate()
            .map_err(|(key, message)| invalid("workflow", &key, message))?;
        for (status, count) in &self.approval.required {
            if !self.workflow.is_status(status) {
                return Err(invalid(
                    "approval",
                    "required",
                    format!(
                        "{status:?} is not a status of the workflow: {}",
                        self.workflow.statuses.join(", ")
                    ),
                ));
            }
            if *count == 0 {
                return Err(invalid(
                    "approval",
                    "required",
                    format!("{status} = 0 needs no approval: leave it out"),
                ));
            }
        }
        if self.owner_format.trim().is_empty() {
            return Err(invalid("", "owner-format", "must not be empty".into()));
        }
        Ok(())
    }
}

/// The folder as git names it: `/`-separated, without `.` parts or a
/// trailing slash. `..` and absolute paths are kept for `validate` to reject.
fn normalize_dir(dir: &str) -> String {
    let parts: Vec<&str> = dir
        .split(['/', '\\'])
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    if dir.starts_with('/') {
        return dir.to_string();
    }
    parts.join("/")
}

/// The message of a `paths` error without its leading `key = `, which the
/// validation error adds back with the line.
fn without_key(err: anyhow::Error, key: &str) -> String {
    let text = err.to_string();
    match text.strip_prefix(&format!("{key} = ")) {
        Some(rest) => rest.to_string(),
        None => text
            .strip_prefix(&format!("{key} "))
            .unwrap_or(&text)
            .to_string(),
    }
}

/// A validation failure, located by its dotted TOML key.
struct Invalid {
    key: String,
    message: String,
}

fn unknown_placeholder(pattern: &str) -> Option<String> {
    let mut rest = pattern;
    while let Some(start) = rest.find('{') {
        let after = &rest[start..];
        let end = after.find('}').map(|e| e + 1).unwrap_or(after.len());
        let placeholder = &after[..end];
        if placeholder != "{id}" && placeholder != "{slug}" {
            return Some(placeholder.to_string());
        }
        rest = &after[end..];
    }
    None
}

/// 1-based line of a byte offset.
fn line_at(source: &str, offset: usize) -> usize {
    source[..offset.min(source.len())].matches('\n').count() + 1
}

/// The dotted key set on a 1-based line (`id.width` for `width = 4` under
/// `[id]`), if the line sets one.
fn key_at_line(source: &str, wanted: usize) -> Option<String> {
    let mut table = String::new();
    for (index, raw) in source.lines().enumerate() {
        let line = raw.trim();
        if line.starts_with('[') {
            table = line
                .trim_matches(|c| c == '[' || c == ']')
                .trim()
                .to_string();
        } else if index + 1 == wanted {
            let (name, _) = line.split_once('=')?;
            let name = name.trim().trim_matches('"');
            return Some(if table.is_empty() {
                name.to_string()
            } else {
                format!("{table}.{name}")
            });
        }
    }
    None
}

/// 1-based line where the dotted `key` (such as `naming.file` or
/// `workflow.transitions.draft`) is set: its last part inside the table
/// named by the rest.
fn key_line(source: &str, dotted: &str) -> Option<usize> {
    let (table, key) = dotted.rsplit_once('.').unwrap_or(("", dotted));
    let mut current = String::new();
    for (index, raw) in source.lines().enumerate() {
        let line = raw.trim();
        if line.starts_with('[') {
            current = line
                .trim_matches(|c| c == '[' || c == ']')
                .trim()
                .to_string();
            continue;
        }
        let Some((name, _)) = line.split_once('=') else {
            continue;
        };
        let name = name.trim().trim_matches('"');
        if (current == table && name == key) || (current.is_empty() && name == dotted) {
            return Some(index + 1);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(source: &str) -> Result<Config> {
        Config::parse(source, Path::new(".specrc"))
    }

    #[test]
    fn example_equals_defaults() {
        assert_eq!(parse(EXAMPLE).unwrap(), Config::default());
    }

    #[test]
    fn folder_is_normalised() {
        assert_eq!(
            parse("dir = \"./docs/specs/\"\n").unwrap().dir,
            "docs/specs"
        );
        assert!(parse("dir = \"../x\"\n").is_err());
        assert!(parse("dir = \"/abs\"\n").is_err());
        assert!(parse("dir = \"./\"\n").is_err());
    }

    #[test]
    fn empty_file_is_defaults() {
        assert_eq!(parse("").unwrap(), Config::default());
    }

    #[test]
    fn unknown_key_names_line_and_key() {
        let err = parse("dir = \"docs\"\n[id]\nprefx = \"X-\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with(".specrc:3:"), "{err}");
        assert!(err.contains("prefx"), "{err}");
    }

    #[test]
    fn wrong_type_names_line_and_key() {
        let err = parse("\n[id]\nwidth = \"four\"\n").unwrap_err().to_string();
        assert!(err.starts_with(".specrc:3: id.width: "), "{err}");
        let err = parse("dir = 3\n").unwrap_err().to_string();
        assert!(err.starts_with(".specrc:1: dir: "), "{err}");
    }

    #[test]
    fn paths_from_the_repository_stay_inside() {
        for (source, key) in [
            ("dir = \".git\"\n", "dir"),
            ("dir = \"docs/../../x\"\n", "dir"),
            ("template = \"/etc/hostname\"\n", "template"),
            ("template = \"../t.md\"\n", "template"),
            ("[index]\nfile = \"../x.md\"\n", "index.file"),
            ("[index]\nfile = \"/tmp/x.md\"\n", "index.file"),
            ("[index]\nfile = \".git/hooks/pre-commit\"\n", "index.file"),
            ("[index]\nfile = \".husky/pre-commit\"\n", "index.file"),
        ] {
            let err = parse(source).unwrap_err().to_string();
            assert!(err.contains(&format!(": {key}: ")), "{source}: {err}");
        }
        assert_eq!(
            parse("[index]\nfile = \"./docs//index.md\"\n")
                .unwrap()
                .index
                .file,
            "docs/index.md"
        );
    }

    #[test]
    fn pattern_without_id_is_rejected_with_line() {
        let err = parse("[naming]\nfile = \"x.md\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with(".specrc:2: naming.file:"), "{err}");
        assert!(err.contains("lacks {id}"), "{err}");
    }

    #[test]
    fn unknown_placeholder_is_rejected() {
        let err = parse("[naming]\nbranch = \"spec/{id}-{title}\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("{title}"), "{err}");
    }

    #[test]
    fn default_priority_must_be_allowed() {
        let err = parse("[priority]\nallowed = [\"p1\", \"p2\"]\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("priority.default"), "{err}");
    }

    #[test]
    fn agents_policy_is_validated_with_line_and_key() {
        let err = parse("[agents]\nstatuses = [\"draft\", \"aproved\"]\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with(".specrc:2: agents.statuses:"), "{err}");
        assert!(err.contains("\"aproved\""), "{err}");
        let err = parse("[agents]\nforce = \"yes\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with(".specrc:2: agents.force:"), "{err}");
        let err = parse("[agents]\napprove = false\nmerge = true\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with(".specrc:3:"), "{err}");
        assert!(err.contains("merge"), "{err}");
        // The default list is not held against a workflow of the team's own.
        let own = "[workflow]\ninitial = \"todo\"\nstatuses = [\"todo\", \"done\"]\n[workflow.transitions]\ntodo = [\"done\"]\n";
        assert!(parse(own).is_ok(), "{:?}", parse(own).err());
        let allowed = parse("[agents]\nstatuses = [\"review\"]\nforce = true\n").unwrap();
        assert_eq!(allowed.agents.statuses, ["review"]);
        assert!(allowed.agents.force);
    }

    #[test]
    fn workflow_errors_name_key() {
        let err = parse("[workflow]\ninitial = \"new\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with(".specrc:2: workflow.initial:"), "{err}");
        let err = parse("[workflow.transitions]\ndraft = [\"done\"]\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("done"), "{err}");
    }
}

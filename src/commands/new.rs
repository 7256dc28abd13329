//! `git spec new <TITLE>`: allocate the next id, create the branch and the
//! spec file from the template.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use clap::Args;
use serde::Serialize;

use crate::project::Project;
use crate::repo::{display_path, with_agent_trailer, Identity};
use crate::template::{SpecValues, Template};
use crate::{clock, editor, fsutil, ids, reserve, slug};

#[derive(Debug, Args)]
pub struct NewArgs {
    /// Title of the spec (quote it: "Add OAuth login")
    pub title: String,
    /// Priority (one of `[priority] allowed` in .specrc; default from `[priority] default`)
    #[arg(long, short)]
    pub priority: Option<String>,
    /// Tag for the spec; repeat for several (--tag api --tag auth)
    #[arg(long = "tag", short = 't', value_name = "TAG")]
    pub tags: Vec<String>,
    /// Owner, instead of user.name/user.email from git config
    #[arg(long)]
    pub owner: Option<String>,
    /// One-paragraph description for the Overview section
    #[arg(long, short)]
    pub description: Option<String>,
    /// Write the file on the current branch; create no branch
    #[arg(long, conflicts_with = "no_checkout")]
    pub no_branch: bool,
    /// Create the branch but stay on the current one (with --commit, the
    /// spec is committed on the new branch and not left in the working tree)
    #[arg(long)]
    pub no_checkout: bool,
    /// Commit the new file (and only it) on the spec's branch, with your
    /// `git commit` (hooks run, commit.gpgsign applies); with --no-checkout
    /// the branch is not checked out, so git spec commits itself: no hooks,
    /// no signing
    #[arg(long)]
    pub commit: bool,
    /// Open the new spec in your editor ($GIT_EDITOR, core.editor, $VISUAL, $EDITOR)
    #[arg(long, short)]
    pub edit: bool,
    /// Template file to use instead of `template` in .specrc (also: git config spec.template)
    #[arg(long, value_name = "FILE")]
    pub template: Option<PathBuf>,
    /// Show what would be created; change nothing
    #[arg(long, short = 'n')]
    pub dry_run: bool,
    /// Print the result as JSON on stdout
    #[arg(long)]
    pub json: bool,
    /// Reserve the id on a shared remote first (default: `[id] reserve` in .specrc, else origin)
    #[arg(long, value_name = "REMOTE", num_args = 0..=1, default_missing_value = "", require_equals = true)]
    pub reserve: Option<String>,
    /// Do not reserve the id even if .specrc says so: allocate from what this clone knows
    /// (a provisional id with `[id] provisional = true`)
    #[arg(long, conflicts_with = "reserve")]
    pub offline: bool,
    /// Give the spec a provisional id (SPEC-DRAFT-7f3a2c9b) that `git spec promote` numbers once it
    /// lands: for forks and anyone who cannot reserve on the shared remote
    #[arg(long, conflicts_with_all = ["reserve", "offline"])]
    pub provisional: bool,
}

/// What `--json` prints.
#[derive(Debug, Serialize)]
pub struct Created {
    id: String,
    /// null for a provisional id.
    number: Option<u64>,
    provisional: bool,
    title: String,
    path: String,
    branch: Option<String>,
    owner: String,
    status: String,
    dry_run: bool,
}

pub fn run(args: NewArgs) -> Result<i32> {
    let project = Project::open()?;
    let plan = create_spec(&project, &args, None)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&plan.created)?);
    } else if args.dry_run {
        errln!(
            "would create {} ({})",
            plan.shown_path.display(),
            plan.spec_id
        );
        if let Some(branch) = &plan.branch {
            errln!("on the new branch {branch}");
        }
        out!("{}", plan.content);
    } else {
        outln!("{}", plan.shown_path.display());
        let spec_id = &plan.spec_id;
        match &plan.branch {
            Some(branch) if args.no_checkout => {
                errln!("Created {spec_id} on the new branch {branch} (not checked out)")
            }
            Some(branch) => errln!("Created {spec_id}; switched to the new branch {branch}"),
            None => errln!("Created {spec_id}"),
        }
        if plan.created.provisional {
            errln!(
                "{spec_id} is provisional: `git spec promote` gives it the next number once it lands on the main branch"
            );
        }
    }
    Ok(0)
}

/// Creates the spec `args` asks for (with `dry_run`, only works it out)
/// and returns what was created; `plan.created` is what `--json` prints.
/// Both `git spec new` and the MCP tool `spec_new` call it. `via` is the
/// MCP client acting for the user, whose name ends the template's last
/// changelog entry (see [`crate::document::via_suffix`]).
pub fn create_spec(project: &Project, args: &NewArgs, via: Option<&str>) -> Result<Plan> {
    let request = Request::check(project, args)?;
    // Held from choosing the number until the file and branch hold it.
    let lock = if args.dry_run {
        None
    } else {
        Some(ids::allocation_lock(&project.repo)?)
    };
    let number = allocate(project, args, &request)?;
    let plan = Plan::new(project, args, &request, number, via)?;
    if args.dry_run {
        return Ok(plan);
    }
    let target_ref = create(project, args, &plan)?;
    // The file and branch now hold the id for any other run.
    drop(lock);
    if args.edit {
        editor::edit(&project.repo, &plan.path)
            .with_context(|| format!("the spec was created at {}", plan.shown_path.display()))?;
    }
    if args.commit {
        commit(project, &request, &plan, &target_ref, via)?;
    }
    Ok(plan)
}

/// What the user asked for, checked: everything that can be checked
/// without the lock is checked first, so bad input changes nothing and
/// holds up nobody.
struct Request {
    title: String,
    priority: String,
    tags: Vec<String>,
    description: String,
    /// Who runs the command; None only with --owner and without --commit.
    identity: Option<Identity>,
    owner: String,
    today: String,
    template: Template,
}

impl Request {
    fn check(project: &Project, args: &NewArgs) -> Result<Request> {
        let config = &project.config;
        let title = args.title.trim();
        if title.is_empty() {
            bail!(
                "the title is empty: give the spec a title, e.g. git spec new \"Add OAuth login\""
            );
        }
        if title.contains(['\n', '\r']) {
            bail!("the title must be a single line (use --description for more text)");
        }
        let priority = args
            .priority
            .clone()
            .unwrap_or_else(|| config.priority.default.clone());
        if !config.priority.allowed.contains(&priority) {
            bail!(
                "unknown priority {priority:?}: use one of {} (set `[priority] allowed` in .specrc to change the list)",
                config.priority.allowed.join(", ")
            );
        }
        for tag in &args.tags {
            if tag.trim().is_empty() || tag.contains(['\n', '\r']) {
                bail!("tag {tag:?} is empty or spans lines: give a single-line word such as --tag api");
            }
        }
        if let Some(description) = &args.description {
            if description
                .lines()
                .any(|line| crate::document::is_changelog_heading(line.trim_end_matches('\r')))
            {
                bail!("the description holds a `## Changelog` heading, which would start a second changelog that git spec and the hook would read instead of the real one: leave the heading out (the spec has its own Changelog section)");
            }
        }
        if !args.dry_run {
            project
                .repo
                .ensure_no_operation_in_progress("git spec new")?;
        }
        let identity = match &args.owner {
            // The identity still matters for --commit; without it, an
            // explicit owner is enough.
            Some(_) if !args.commit => project.repo.identity().ok(),
            _ => Some(project.repo.identity()?),
        };
        let owner = match &args.owner {
            Some(owner) if owner.trim().is_empty() => {
                bail!("--owner is empty: give a name, e.g. --owner \"Jane Doe <jane@example.com>\"")
            }
            Some(owner) => owner.trim().to_string(),
            None => {
                let identity = identity
                    .as_ref()
                    .expect("identity is required without --owner");
                config
                    .owner_format
                    .replace("{name}", &identity.name)
                    .replace("{email}", &identity.email)
            }
        };
        let today = clock::today()?;
        let template = load_template(project, args.template.as_deref())?;
        if args.edit && args.no_checkout && args.commit {
            bail!("--edit cannot be combined with --no-checkout --commit: the spec goes straight to its branch and is not in the working tree to edit");
        }
        if args.no_checkout && project.repo.head_commit()?.is_none() {
            bail!("--no-checkout needs a commit to create the branch at, and this repository has none yet: make a first commit, or leave out --no-checkout");
        }
        if args.commit && !args.dry_run {
            project
                .repo
                .ensure_can_commit(commit_identity(&identity)?, args.no_checkout)?;
        }
        Ok(Request {
            title: title.to_string(),
            priority,
            tags: args.tags.iter().map(|t| t.trim().to_string()).collect(),
            description: args.description.clone().unwrap_or_default(),
            identity,
            owner,
            today,
            template,
        })
    }
}

fn commit_identity(identity: &Option<Identity>) -> Result<&Identity> {
    identity
        .as_ref()
        .ok_or_else(|| anyhow!("--commit needs user.name and user.email in git config"))
}

/// The next free number, reserved on the shared remote first when
/// reservation is on (a dry run only says it would be).
fn allocate(project: &Project, args: &NewArgs, request: &Request) -> Result<u64> {
    let config = &project.config;
    if args.provisional || (args.offline && config.id.provisional) {
        return provisional_id(project, &request.title);
    }
    let next_free = || ids::next_free(&project.repo, config, &project.scheme);
    let number = next_free()?;
    let reserve_on =
        reserve::remote_to_use(&project.repo, args.reserve.as_deref(), args.offline, config)?;
    let Some(remote) = &reserve_on else {
        return Ok(number);
    };
    if args.dry_run {
        errln!(
            "would reserve {} on {remote}",
            project.scheme.spec_id(number)
        );
        return Ok(number);
    }
    let identity = request.identity.as_ref().ok_or_else(|| {
        anyhow!(
            "reserving an id records who reserved it: set user.name and user.email in git config"
        )
    })?;
    match reserve::reserve(
        &project.repo,
        remote,
        identity,
        |n| project.scheme.spec_id(n),
        number,
        next_free,
    ) {
        Err(err) if err.downcast_ref::<reserve::Refused>().is_some() => {
            let refused = err
                .downcast_ref::<reserve::Refused>()
                .expect("just checked");
            let reason: Vec<String> = refused
                .reason
                .lines()
                .filter(|line| !line.trim().is_empty())
                .map(|line| format!("  {}", line.trim()))
                .collect();
            errln!(
                "note: {remote} refused the reservation:\n{}\nso this spec gets a provisional id: it gets its number when someone who can push runs `git spec promote` after it lands",
                reason.join("\n")
            );
            provisional_id(project, &request.title)
        }
        result => result,
    }
}

/// A provisional id no branch, file or reservation uses: a random token
/// (the hasher's keys come from the operating system's randomness, and the
/// title and time are mixed in).
fn provisional_id(project: &Project, title: &str) -> Result<u64> {
    use std::hash::{BuildHasher, Hasher};
    for attempt in 0u32..64 {
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write(title.as_bytes());
        hasher.write_u32(attempt);
        hasher.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos()),
        );
        hasher.write_u32(std::process::id());
        let number = crate::scheme::provisional(hasher.finish() as u32);
        if ids::where_used(&project.repo, &project.config, &project.scheme, number)?.is_none() {
            return Ok(number);
        }
    }
    anyhow::bail!("cannot find an unused provisional id")
}

/// Everything `new` will create, worked out before anything is.
pub struct Plan {
    spec_id: String,
    /// The spec file in the working tree.
    path: PathBuf,
    shown_path: PathBuf,
    branch: Option<String>,
    content: String,
    /// With --no-checkout --commit the spec lives only on its branch.
    write_to_working_tree: bool,
    /// What --json prints.
    pub created: Created,
}

impl Plan {
    fn new(
        project: &Project,
        args: &NewArgs,
        request: &Request,
        number: u64,
        via: Option<&str>,
    ) -> Result<Plan> {
        let config = &project.config;
        let slug = slug::slugify(&request.title);
        let padded = project.scheme.padded(number);
        let spec_id = project.scheme.spec_id(number);
        let file_name = project.scheme.file.format(&padded, &slug);
        let path = project.spec_dir().join(&file_name);
        let branch = (!args.no_branch).then(|| project.scheme.branch.format(&padded, &slug));
        if path.exists() {
            bail!(
                "{} already exists; nothing was changed",
                display_path(&path).display()
            );
        }
        if let Some(branch) = &branch {
            let refname = format!("refs/heads/{branch}");
            if !git2::Reference::is_valid_name(&refname) {
                bail!("{branch:?} is not a valid branch name: check `[naming] branch` in .specrc");
            }
            if project.repo.git.find_reference(&refname).is_ok() {
                bail!("branch {branch} already exists; nothing was changed (delete it with `git branch -D {branch}` if it is stale)");
            }
        }
        let values = SpecValues {
            spec_id: spec_id.clone(),
            number,
            title: request.title.clone(),
            slug,
            status: config.workflow.initial.clone(),
            priority: request.priority.clone(),
            owner: request.owner.clone(),
            created: request.today.clone(),
            updated: request.today.clone(),
            tags: request.tags.clone(),
            description: request.description.clone(),
        };
        let mut content = request.template.render(&values)?;
        if let Some(client) = via {
            content = with_last_entry_via(&path, content, client);
        }
        let shown_path = display_path(&path);
        let provisional = crate::scheme::is_provisional(number);
        let created = Created {
            id: spec_id.clone(),
            number: (!provisional).then_some(number),
            provisional,
            title: request.title.clone(),
            path: project.repo.json_path(&path),
            branch: branch.clone(),
            owner: request.owner.clone(),
            status: config.workflow.initial.clone(),
            dry_run: args.dry_run,
        };
        Ok(Plan {
            spec_id,
            path,
            shown_path,
            branch,
            content,
            write_to_working_tree: !(args.no_checkout && args.commit),
            created,
        })
    }
}

/// `content` with [`via_suffix`](crate::document::via_suffix) at the end
/// of its last changelog entry (the template's "Initial draft created"),
/// so the spec records that an agent created it. A template without a
/// changelog entry is left as it is: there is no entry to mark.
fn with_last_entry_via(path: &Path, content: String, client: &str) -> String {
    let Some((line, _)) = crate::document::Document::parse(path, content.as_bytes())
        .ok()
        .and_then(|document| document.changelog_entries().pop())
    else {
        return content;
    };
    let mut marked = String::with_capacity(content.len() + client.len() + 8);
    for (index, text) in content.split_inclusive('\n').enumerate() {
        if index + 1 != line {
            marked.push_str(text);
            continue;
        }
        let body = text.trim_end_matches(['\n', '\r']);
        marked.push_str(body);
        marked.push_str(&crate::document::via_suffix(client));
        marked.push_str(&text[body.len()..]);
    }
    marked
}

/// Writes the file and creates the branch; on failure both are undone.
/// Returns the ref to commit on.
fn create(project: &Project, args: &NewArgs, plan: &Plan) -> Result<String> {
    let folder = project.spec_dir();
    let created_folder = plan.write_to_working_tree && !folder.exists();
    let undo_file = || {
        if plan.write_to_working_tree {
            let _ = std::fs::remove_file(&plan.path);
        }
        if created_folder {
            // Only succeeds while empty, which is what we left.
            let _ = std::fs::remove_dir(folder);
        }
    };
    if plan.write_to_working_tree {
        std::fs::create_dir_all(folder)
            .with_context(|| format!("cannot create {}", folder.display()))?;
        if let Err(err) = fsutil::write_new(&plan.path, plan.content.as_bytes()) {
            undo_file();
            return Err(err);
        }
    }
    create_branch(project, args, plan.branch.as_deref()).inspect_err(|_| undo_file())
}

/// Commits the new file, and only it, on `target_ref`: with the user's
/// own `git commit` when the file is in the working tree (on the branch
/// just checked out, or the current one with --no-branch), so hooks and
/// signing apply; with --no-checkout the branch is not checked out, which
/// `git commit` cannot commit on, so libgit2 makes the commit there.
fn commit(
    project: &Project,
    request: &Request,
    plan: &Plan,
    target_ref: &str,
    via: Option<&str>,
) -> Result<()> {
    let spec_id = &plan.spec_id;
    let message = with_agent_trailer(format!("spec({spec_id}): add {}\n", request.title), via);
    let relative = project.repo.relative_to_root(&plan.path);
    if plan.write_to_working_tree {
        let shown = plan.shown_path.display();
        let on = match &plan.branch {
            Some(branch) => format!(" on branch {branch}"),
            None => String::new(),
        };
        let kept = format!(
            "{spec_id} was created at {shown}{on} but not committed: the file is kept in the working tree; fix what git reports, then `git add` and commit it"
        );
        return project.repo.git_commit(&[&relative], &message, &kept);
    }
    let identity = commit_identity(&request.identity)?;
    // The tip of the ref being committed on; None while it is unborn.
    let parent = project
        .repo
        .git
        .find_reference(target_ref)
        .and_then(|r| r.peel_to_commit())
        .ok();
    project
        .repo
        .commit_file(
            target_ref,
            parent.as_ref(),
            &relative,
            plan.content.as_bytes(),
            &message,
            identity,
        )
        .with_context(|| match &plan.branch {
            Some(branch) => format!("{spec_id} was created on branch {branch}, but not committed"),
            None => format!("{spec_id} was created, but not committed"),
        })?;
    Ok(())
}

/// The template, in this order: `--template`, then `spec.template` in the
/// user's git config (both the user's own choice, so they may name any
/// file), then `template` in .specrc (the repository's, so it was proven
/// to be inside the work tree when the project was opened), else the
/// built-in one.
fn load_template(project: &Project, flag: Option<&Path>) -> Result<Template> {
    if let Some(path) = flag {
        return Template::from_file(path, path, "--template");
    }
    if let Some(value) = project.repo.config_string("spec.template") {
        let path = expand_home(&value);
        return Template::from_file(&path, &path, "spec.template in your git config");
    }
    match &project.template_file {
        Some(path) => Template::from_file(
            path,
            Path::new(&project.config.template),
            "`template` in .specrc",
        ),
        None => Ok(Template::built_in()),
    }
}

/// `~/x` as git reads a path in its config.
fn expand_home(value: &str) -> PathBuf {
    match value.strip_prefix("~/") {
        Some(rest) => std::env::var_os("HOME")
            .map(PathBuf::from)
            .unwrap_or_default()
            .join(rest),
        None => PathBuf::from(value),
    }
}

/// Creates (and checks out) the branch and returns the ref to commit on.
/// On failure the branch is deleted and HEAD put back as it was.
fn create_branch(project: &Project, args: &NewArgs, branch: Option<&str>) -> Result<String> {
    let repo = &project.repo;
    let previous_head = repo.head_ref_name();
    let Some(branch) = branch else {
        return Ok(previous_head.unwrap_or_else(|| "HEAD".to_string()));
    };
    let refname = format!("refs/heads/{branch}");
    let head_commit = repo.head_commit()?;
    let mut created_branch = false;
    let result = (|| -> Result<()> {
        if let Some(commit) = &head_commit {
            repo.git
                .branch(branch, commit, false)
                .with_context(|| format!("cannot create branch {branch}"))?;
            created_branch = true;
        }
        if !args.no_checkout {
            // Moving HEAD only: index and working tree stay as they are,
            // which is safe with uncommitted changes. Without commits, HEAD
            // becomes the new unborn branch.
            repo.git
                .set_head(&refname)
                .with_context(|| format!("cannot switch to {branch}"))?;
        }
        Ok(())
    })();
    if let Err(err) = result {
        if let Some(head) = &previous_head {
            let _ = repo.git.set_head(head);
        }
        if created_branch {
            if let Ok(mut reference) = repo.git.find_reference(&refname) {
                let _ = reference.delete();
            }
        }
        return Err(err);
    }
    Ok(refname)
}

//! The MCP server behind `git spec mcp`: tools and resources over the
//! repository of the current directory, for coding agents.
//!
//! Each tool is a thin layer over the function its CLI command calls
//! (`new::create_spec`, `status::change_status`, `approve::approve_spec`,
//! `list::list_specs`, `show::show_spec`, `check::check_specs`,
//! `log::spec_log`), and returns what that command prints with `--json`
//! as the structured content (an array under one key, since MCP wants an
//! object there) and as the text content, exactly as the CLI prints it. Every call opens the project afresh, as a CLI run
//! does: a `.specrc` edited or broken meanwhile is read, or reported, on
//! the next call. A failure is a tool error (`isError`) carrying the CLI's
//! message; nothing a call does ends the server, which stops when stdin
//! closes.
//!
//! Changes are the user's, made through the client: changelog entries end
//! with ` (via CLIENT)` (the client's `clientInfo.name`), commits carry
//! the trailer `Spec-Agent: CLIENT`, and `[agents]` in `.specrc`
//! ([`policy`]) bounds what a tool may change.

mod policy;
mod stdout;

use std::panic::{catch_unwind, AssertUnwindSafe};

use anyhow::{Context, Result};
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{
    CallToolResult, ContentBlock, Implementation, ListResourceTemplatesResult, ListResourcesResult,
    PaginatedRequestParams, ReadResourceRequestParams, ReadResourceResponse, ReadResourceResult,
    Resource, ResourceContents, ResourceTemplate, ServerCapabilities, ServerConfig,
};
use rmcp::service::RequestContext;
use rmcp::{schemars, tool, tool_handler, tool_router, ErrorData, RoleServer, ServerHandler};
use serde::{Deserialize, Serialize};

use crate::catalog;
use crate::commands::approve::{self, ApproveArgs};
use crate::commands::check::{self, CheckArgs, CheckFormat};
use crate::commands::list::{self, Format, ListArgs, SortKey};
use crate::commands::new::{self, NewArgs};
use crate::commands::status::{self, StatusArgs};
use crate::commands::{log, show};
use crate::project::Project;

/// Where a spec is found as a resource: `spec://SPEC-0042`.
const SCHEME: &str = "spec://";
const MARKDOWN: &str = "text/markdown";

/// Serves the repository of the current directory on stdin and stdout
/// until stdin closes.
pub fn serve() -> Result<()> {
    let protocol_out = stdout::take_for_protocol()?;
    // One client, one request at a time, on a pipe: the current-thread
    // runtime does it all without a pool of worker threads. Timers are on
    // because rmcp times out requests it sends.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let transport = (tokio::io::stdin(), protocol_out);
        let service = rmcp::ServiceExt::serve(SpecServer, transport)
            .await
            .context("the MCP client did not initialize the session")?;
        service
            .waiting()
            .await
            .context("the MCP session ended with an error")?;
        Ok(())
    })
}

/// The server: the tools (routed by rmcp's macros, `#[tool_router]`
/// below) and the resources. It holds nothing: each call opens the
/// project.
#[derive(Clone, Default)]
pub struct SpecServer;

// -- Tool arguments. Their doc comments are the descriptions in the input
// -- schemas the client sees; unknown arguments are errors, not ignored.

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewInput {
    /// Title of the spec, one line, e.g. "Add OAuth login".
    pub title: String,
    /// Priority: one of `[priority] allowed` in .specrc (default: low, medium, high, critical); without it, `[priority] default`.
    #[serde(default)]
    pub priority: Option<String>,
    /// Tags for the spec, e.g. ["api", "auth"].
    #[serde(default)]
    pub tags: Vec<String>,
    /// One-paragraph description for the Overview section.
    #[serde(default)]
    pub description: Option<String>,
    /// true (default): create the spec's branch (`[naming] branch`, e.g. spec/0042-add-oauth-login) and switch to it, as `git spec new` does; false: write the file on the current branch and create no branch.
    #[serde(default = "yes")]
    pub branch: bool,
    /// Commit the new file (and only it) with the user's `git commit`, on the spec's branch (or the current one without a branch); the commit carries the trailer `Spec-Agent: <client name>`. Default false: the file is left for the user to review and commit.
    #[serde(default)]
    pub commit: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusInput {
    /// The spec: 42, 0042 or SPEC-0042.
    pub id: String,
    /// The new status, one of `[agents] statuses` in .specrc (default: draft, review, withdrawn) and allowed by the workflow from the current one; without it, the current status and the allowed next ones.
    #[serde(default)]
    pub status: Option<String>,
    /// A note for the changelog entry (why the status changes).
    #[serde(default)]
    pub note: Option<String>,
    /// Make a transition the workflow does not allow (recorded as forced); refused unless `[agents] force = true` in .specrc.
    #[serde(default)]
    pub force: bool,
    /// Commit the spec file (and only it) with the user's `git commit`, with a message like `spec(SPEC-0042): draft -> review` and the trailer `Spec-Agent: <client name>`. Default false.
    #[serde(default)]
    pub commit: bool,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApproveInput {
    /// The spec: 42, 0042 or SPEC-0042.
    pub id: String,
    /// A note for the approval's changelog entry.
    #[serde(default)]
    pub note: Option<String>,
    /// Commit the spec file (and only it) with the user's `git commit`, with the trailer `Spec-Agent: <client name>`. Default false.
    #[serde(default)]
    pub commit: bool,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListInput {
    /// Only specs with one of these statuses.
    #[serde(default)]
    pub status: Vec<String>,
    /// Only specs whose owner contains this text (case-insensitive).
    #[serde(default)]
    pub owner: Option<String>,
    /// Only specs with all of these tags.
    #[serde(default)]
    pub tag: Vec<String>,
    /// Only specs with one of these priorities.
    #[serde(default)]
    pub priority: Vec<String>,
    /// Sort order (default id; ties by id): id ascending, status in workflow order, updated newest first, priority in `[priority] allowed` order.
    #[serde(default)]
    pub sort: Option<SortOrder>,
    /// Reverse the sort order.
    #[serde(default)]
    pub reverse: bool,
    /// Also specs that exist only on other local or remote-tracking branches (their `branch` is set).
    #[serde(default)]
    pub all_branches: bool,
    /// Only specs waiting for approval (`[approval] required` in .specrc).
    #[serde(default)]
    pub awaiting_approval: bool,
}

#[derive(Debug, Clone, Copy, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum SortOrder {
    Id,
    Status,
    Updated,
    Priority,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SpecInput {
    /// The spec: 42, 0042 or SPEC-0042.
    pub id: String,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckInput {
    /// Compare ids with these refs (e.g. origin/main) instead of all other branches.
    #[serde(default)]
    pub against: Vec<String>,
    /// Check the working tree only: skip the id-collision rule (no branch is read).
    #[serde(default)]
    pub working_tree_only: bool,
}

#[tool_router]
impl SpecServer {
    #[tool(
        description = "Create a spec, as `git spec new --json`: the next free id (shared with people running git spec at the same time), the owner from git config, the file from the template and, unless branch is false, its branch. Returns {id, number, title, path, branch, owner, status}.",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = false
        )
    )]
    fn spec_new(
        &self,
        Parameters(input): Parameters<NewInput>,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResult, ErrorData> {
        let client = client_name(&context);
        answer(|| {
            let project = Project::open()?;
            let args = NewArgs {
                title: input.title,
                priority: input.priority,
                tags: input.tags,
                owner: None,
                description: input.description,
                no_branch: !input.branch,
                no_checkout: false,
                commit: input.commit,
                edit: false,
                template: None,
                dry_run: false,
                json: true,
                reserve: None,
                offline: false,
                provisional: false,
            };
            let plan = new::create_spec(&project, &args, Some(&client))?;
            object(&plan.created)
        })
    }

    #[tool(
        description = "Show a spec's status and the allowed next ones, or move it to another status along the workflow, as `git spec status --json`: the status and updated lines change and a changelog entry is appended. Which statuses an agent may set is `[agents] statuses` in .specrc. Returns {id, path, status, next} without a status, else {id, path, from, to, forced, changed}.",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    fn spec_status(
        &self,
        Parameters(input): Parameters<StatusInput>,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResult, ErrorData> {
        let client = client_name(&context);
        answer(|| {
            let project = Project::open()?;
            if let Some(target) = &input.status {
                policy::check_status_change(
                    &project.config.agents,
                    &input.id,
                    target,
                    input.force,
                )?;
            }
            let args = StatusArgs {
                id: input.id,
                status: input.status,
                force: input.force,
                note: input.note,
                dry_run: false,
                json: true,
                commit: input.commit,
            };
            let outcome = status::change_status(&project, &args, Some(&client))?;
            object(&outcome.into_json())
        })
    }

    #[tool(
        description = "Record the user's approval of a spec's current content in its changelog, as `git spec approve --json`; refused unless `[agents] approve = true` in .specrc (by default approving is left to people). Returns {id, path, name, email, content, approvals, changed}.",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    fn spec_approve(
        &self,
        Parameters(input): Parameters<ApproveInput>,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResult, ErrorData> {
        let client = client_name(&context);
        answer(|| {
            let project = Project::open()?;
            policy::check_approval(&project.config.agents, &input.id)?;
            let args = ApproveArgs {
                id: input.id,
                note: input.note,
                commit: input.commit,
                json: true,
            };
            object(&approve::approve_spec(&project, &args, Some(&client))?)
        })
    }

    #[tool(
        description = "List specs, as `git spec list --format json`: {specs: [{id, number, title, status, priority, owner, created, updated, tags, path, branch}], errors: [\"path:line: message\" for each file that cannot be read]}.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    fn spec_list(
        &self,
        Parameters(input): Parameters<ListInput>,
    ) -> Result<CallToolResult, ErrorData> {
        answer(|| {
            let project = Project::open()?;
            let args = ListArgs {
                status: input.status,
                owner: input.owner,
                tag: input.tag,
                priority: input.priority,
                sort: match input.sort.unwrap_or(SortOrder::Id) {
                    SortOrder::Id => SortKey::Id,
                    SortOrder::Status => SortKey::Status,
                    SortOrder::Updated => SortKey::Updated,
                    SortOrder::Priority => SortKey::Priority,
                },
                reverse: input.reverse,
                all_branches: input.all_branches,
                format: Format::Json,
                json: true,
                awaiting_approval: input.awaiting_approval,
                reserved: false,
                width: None,
            };
            let listing = list::list_specs(&project, &args)?;
            let errors: Vec<String> = listing.broken.iter().map(ToString::to_string).collect();
            let mut result = array("specs", &listing.records)?;
            if let Some(serde_json::Value::Object(structured)) = &mut result.structured_content {
                structured.insert("errors".into(), errors.clone().into());
            }
            if !errors.is_empty() {
                result.content.push(ContentBlock::text(errors.join("\n")));
            }
            Ok(result)
        })
    }

    #[tool(
        description = "One spec, as `git spec show --json`: the keys of spec_list, plus next (the statuses the workflow allows from the current one), changelog (the entries) and approvals.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    fn spec_show(
        &self,
        Parameters(input): Parameters<SpecInput>,
    ) -> Result<CallToolResult, ErrorData> {
        answer(|| {
            let project = Project::open()?;
            object(&show::show_spec(&project, &input.id, None)?)
        })
    }

    #[tool(
        description = "Check every spec of the working tree (ids, front matter, statuses, changelog, ids other branches use), as `git spec check --format json`, changing nothing: {findings: [{path, line, rule, message}], specs: how many were checked}. No findings: all is well.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    fn spec_check(
        &self,
        Parameters(input): Parameters<CheckInput>,
    ) -> Result<CallToolResult, ErrorData> {
        answer(|| {
            let project = Project::open()?;
            let args = CheckArgs {
                format: CheckFormat::Json,
                json: true,
                against: input.against,
                working_tree_only: input.working_tree_only,
                fix: false,
                history: None,
            };
            let report = check::check_specs(&project, &args)?;
            let mut result = array("findings", &report.findings)?;
            if let Some(serde_json::Value::Object(structured)) = &mut result.structured_content {
                structured.insert("specs".into(), report.spec_count.into());
            }
            Ok(result)
        })
    }

    #[tool(
        description = "A spec's status history as git recorded it, as `git spec log --json`: {changes: [{commit, date, author, from, to, path}]}, oldest first (from is null where the spec was created).",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    fn spec_log(
        &self,
        Parameters(input): Parameters<SpecInput>,
    ) -> Result<CallToolResult, ErrorData> {
        answer(|| {
            let project = Project::open()?;
            let spec_log = log::spec_log(&project, &input.id, None)?;
            let mut result = array("changes", &spec_log.changes)?;
            if let Some(note) = spec_log.shallow_note() {
                result
                    .content
                    .push(ContentBlock::text(format!("note: {note}")));
            }
            Ok(result)
        })
    }
}

#[tool_handler]
impl ServerHandler for SpecServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_resources()
                .build(),
        )
        .with_server_info(Implementation::new("git-spec", env!("CARGO_PKG_VERSION")))
        .with_instructions(
            "git-spec keeps feature specs as Markdown files in this git repository. \
             Create specs with spec_new (never pick numbers yourself), move them along \
             the workflow with spec_status (spec_approve records an approval where the \
             team allows agents to), read them with spec_list, spec_show, \
             spec_log and spec_check, or attach one as the resource spec://SPEC-0042. \
             What an agent may do is set by [agents] in .specrc: by default it \
             proposes (review) and people approve.",
        )
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        let resources = guarded(spec_resources).map_err(|err| {
            ErrorData::internal_error(format!("cannot list the specs: {err:#}"), None)
        })?;
        Ok(ListResourcesResult {
            resources,
            ..Default::default()
        })
    }

    async fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, ErrorData> {
        let template = ResourceTemplate::new(format!("{SCHEME}{{id}}"), "spec")
            .with_title("A spec by id")
            .with_description("The spec file, e.g. spec://SPEC-0042 (spec://42 works too)")
            .with_mime_type(MARKDOWN);
        Ok(ListResourceTemplatesResult {
            resource_templates: vec![template],
            ..Default::default()
        })
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        let uri = request.uri;
        let Some(id) = uri.strip_prefix(SCHEME) else {
            return Err(ErrorData::invalid_params(
                format!("{uri:?} is not a spec: spec resources are named like spec://SPEC-0042"),
                None,
            ));
        };
        let text = guarded(|| {
            let project = Project::open()?;
            let (_, document) = catalog::find(&project, id)?;
            Ok(String::from_utf8_lossy(document.bytes()).into_owned())
        })
        .map_err(|err| ErrorData::resource_not_found(format!("{err:#}"), None))?;
        let contents = ResourceContents::text(text, uri).with_mime_type(MARKDOWN);
        Ok(ReadResourceResult::new(vec![contents]).into())
    }
}

/// Every spec of the working tree as a resource.
fn spec_resources() -> Result<Vec<Resource>> {
    let project = Project::open()?;
    let (records, _) = catalog::working_tree_records(&project)?;
    Ok(records
        .into_iter()
        .map(|record| {
            let id = project.scheme.spec_id(record.number);
            Resource::new(format!("{SCHEME}{id}"), id)
                .with_title(record.title)
                .with_description(format!("{}, {}", record.status, record.path))
                .with_mime_type(MARKDOWN)
        })
        .collect())
}

/// The client's name from its `clientInfo`, made safe for one changelog
/// line (see [`safe_client_name`]).
fn client_name(context: &RequestContext<RoleServer>) -> String {
    safe_client_name(
        &context
            .client_info()
            .map(|info| info.name)
            .unwrap_or_default(),
    )
}

/// `raw` as it may end a changelog entry and a commit trailer: the client
/// chooses it, and it ends up in the user's files. One line, control and
/// bidi characters shown as escapes (as on a terminal), at most 80
/// characters; a name with nothing left says so.
fn safe_client_name(raw: &str) -> String {
    let name: String = crate::term::field(raw.trim()).chars().take(80).collect();
    match name.trim() {
        "" => "an unnamed MCP client".to_string(),
        name => name.to_string(),
    }
}

/// `call`, with a panic turned into an error: a bug met by one call
/// fails that call, not the server.
fn guarded<T>(call: impl FnOnce() -> Result<T>) -> Result<T> {
    catch_unwind(AssertUnwindSafe(call)).unwrap_or_else(|_| {
        Err(anyhow::anyhow!(
            "git spec failed unexpectedly (a bug: see the server's log on stderr, and please report it)"
        ))
    })
}

/// A tool's answer: its result, or a tool error (`isError`) with the
/// message the CLI would print.
fn answer(call: impl FnOnce() -> Result<CallToolResult>) -> Result<CallToolResult, ErrorData> {
    Ok(guarded(call)
        .unwrap_or_else(|err| CallToolResult::error(vec![ContentBlock::text(format!("{err:#}"))])))
}

/// The CLI's `--json` object as the structured content, and as the text
/// content exactly as the CLI prints it.
fn object(value: &impl Serialize) -> Result<CallToolResult> {
    let mut result = CallToolResult::structured(serde_json::to_value(value)?);
    result.content = vec![ContentBlock::text(serde_json::to_string_pretty(value)?)];
    Ok(result)
}

/// The CLI's `--json` array under `key` in the structured content, and
/// as the text content exactly as the CLI prints it.
fn array<T: Serialize>(key: &str, items: &[T]) -> Result<CallToolResult> {
    let mut structured = serde_json::Map::new();
    structured.insert(key.to_string(), serde_json::to_value(items)?);
    let mut result = CallToolResult::structured(serde_json::Value::Object(structured));
    result.content = vec![ContentBlock::text(serde_json::to_string_pretty(items)?)];
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_name_stays_one_harmless_line() {
        assert_eq!(safe_client_name("claude-code"), "claude-code");
        assert_eq!(safe_client_name("  Cursor \n"), "Cursor");
        assert_eq!(
            safe_client_name("evil\n- 2026-01-01: Status changed\x1b[2J"),
            "evil - 2026-01-01: Status changed\\x1b[2J"
        );
        assert_eq!(safe_client_name("a\u{202e}b"), "a\\u{202e}b");
        assert_eq!(safe_client_name(&"x".repeat(500)).len(), 80);
        assert_eq!(safe_client_name(" \t "), "an unnamed MCP client");
    }
}

//! `git spec mcp`: the MCP server driven by a real MCP client, the
//! official Python SDK (`mcp` on PyPI), through `tests/e2e/mcp_client.py`.
//! The SDK lives in `.e2e/venv`, which `bash tests/e2e/setup.sh` creates;
//! without it these tests fail and say so (they never skip).
//!
//! Every session also checks that the server's stdout carried nothing but
//! JSON-RPC messages.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{json, Value};

use crate::common::*;

/// The client name the driver gives in `clientInfo`.
const CLIENT: &str = "e2e-agent";

/// The Python of `.e2e/venv`, checked to have the MCP SDK.
fn python() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let python = root.join(".e2e/venv/bin/python");
    let has_sdk = std::process::Command::new(&python)
        .args(["-c", "import mcp.client.stdio"])
        .output()
        .is_ok_and(|out| out.status.success());
    assert!(
        has_sdk,
        "the MCP tests drive git spec mcp with the official MCP Python SDK, which is not installed in {}: run `bash tests/e2e/setup.sh` first",
        python.display()
    );
    python
}

/// What one session answered.
struct Session {
    /// One answer per step, in order.
    answers: Vec<Value>,
}

/// Runs `steps` (see tests/e2e/mcp_client.py) in one session of
/// `git spec mcp --repo <repo>`, asserting that its stdout was protocol only.
#[track_caller]
fn session(repo: &TestRepo, steps: Value) -> Session {
    static COUNT: AtomicUsize = AtomicUsize::new(0);
    let driver = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/e2e/mcp_client.py");
    let log = repo.sandbox.root.join(format!(
        "mcp-stdout-{}.log",
        COUNT.fetch_add(1, Ordering::Relaxed)
    ));
    let mut child = repo
        .command(python(), &repo.path)
        .arg(&driver)
        .arg(BIN)
        .arg(&repo.path)
        .arg(&log)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cannot run the MCP client");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(steps.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_success_ctx(&out, "the MCP client (tests/e2e/mcp_client.py)");
    let answers: Vec<Value> = serde_json::from_str(&stdout(&out))
        .unwrap_or_else(|e| panic!("the client printed no JSON ({e}):\n{}", run_text(&out)));
    let protocol = std::fs::read_to_string(&log).expect("the server's stdout log");
    assert!(!protocol.is_empty(), "the server wrote nothing on stdout");
    for line in protocol.lines() {
        let message: Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("stdout carried a line that is not JSON ({e}): {line:?}"));
        assert_eq!(message["jsonrpc"], "2.0", "not JSON-RPC: {line}");
    }
    Session { answers }
}

/// A tool call step.
fn call(tool: &str, args: Value) -> Value {
    json!({"op": "call", "tool": tool, "args": args})
}

/// The structured content of a successful tool result.
#[track_caller]
fn ok(answer: &Value) -> &Value {
    assert_eq!(answer["isError"], false, "the call failed: {answer:#}");
    &answer["structured"]
}

/// The message of a tool error.
#[track_caller]
fn tool_error(answer: &Value) -> String {
    assert_eq!(answer["isError"], true, "the call did not fail: {answer:#}");
    answer["text"][0].as_str().unwrap().to_string()
}

/// What `git spec ARGS` printed as JSON.
#[track_caller]
fn cli_json(repo: &TestRepo, args: &[&str]) -> Value {
    let out = repo.spec(args);
    serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| {
        panic!(
            "git spec {args:?} printed no JSON ({e}): {}",
            run_text(&out)
        )
    })
}

/// The message `git spec ARGS` fails with, without `error: `.
#[track_caller]
fn cli_error(repo: &TestRepo, args: &[&str]) -> String {
    let err = assert_failure(&repo.spec(args));
    err.trim_end()
        .strip_prefix("error: ")
        .unwrap_or_else(|| panic!("no error line: {err}"))
        .to_string()
}

#[test]
fn initialize_lists_the_tools_with_their_schemas_and_the_resources() {
    let repo = TestRepo::with_commit();
    repo.new_spec(&["First", "--no-branch"]);
    let session = session(
        &repo,
        json!([{"op": "info"}, {"op": "tools"}, {"op": "resources"}, {"op": "templates"}]),
    );
    let [info, tools, resources, templates] = &session.answers[..] else {
        panic!("{:?}", session.answers)
    };
    assert_eq!(info["serverInfo"]["name"], "git-spec");
    assert!(info["capabilities"]["tools"].is_object(), "{info}");
    assert!(info["capabilities"]["resources"].is_object(), "{info}");

    let tools = tools["tools"].as_array().unwrap();
    let names: Vec<&str> = tools.iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "spec_approve",
            "spec_check",
            "spec_list",
            "spec_log",
            "spec_new",
            "spec_show",
            "spec_status"
        ]
    );
    for tool in tools {
        let name = tool["name"].as_str().unwrap();
        let read_only = ["spec_check", "spec_list", "spec_log", "spec_show"].contains(&name);
        assert_eq!(tool["annotations"]["readOnlyHint"], read_only, "{tool:#}");
        assert!(tool["description"].as_str().unwrap().len() > 40, "{tool:#}");
        let schema = &tool["inputSchema"];
        assert_eq!(schema["type"], "object", "{tool:#}");
        assert_eq!(schema["additionalProperties"], false, "{tool:#}");
        // Every argument is described for the model that fills it in.
        for (argument, property) in schema["properties"].as_object().unwrap() {
            let description = property["description"].as_str().unwrap_or("");
            assert!(
                !description.is_empty(),
                "{name}.{argument} has no description"
            );
        }
    }
    let schema = |name: &str| &tools[names.iter().position(|n| *n == name).unwrap()]["inputSchema"];
    assert_eq!(schema("spec_new")["required"], json!(["title"]));
    let new_arguments: Vec<&String> = schema("spec_new")["properties"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(
        new_arguments,
        [
            "branch",
            "commit",
            "description",
            "priority",
            "tags",
            "title"
        ]
    );
    assert_eq!(schema("spec_new")["properties"]["branch"]["default"], true);
    assert_eq!(schema("spec_status")["required"], json!(["id"]));
    for argument in ["id", "status", "note", "force", "commit"] {
        assert!(
            schema("spec_status")["properties"][argument].is_object(),
            "{argument}"
        );
    }
    for filter in [
        "status",
        "owner",
        "tag",
        "priority",
        "sort",
        "reverse",
        "all_branches",
    ] {
        assert!(
            schema("spec_list")["properties"][filter].is_object(),
            "{filter}"
        );
    }

    let resources = resources["resources"].as_array().unwrap();
    assert_eq!(resources.len(), 1, "{resources:?}");
    assert_eq!(resources[0]["uri"], "spec://SPEC-0001");
    assert_eq!(resources[0]["name"], "SPEC-0001");
    assert_eq!(resources[0]["title"], "First");
    assert_eq!(resources[0]["mimeType"], "text/markdown");
    assert_eq!(
        templates["resourceTemplates"][0]["uriTemplate"],
        "spec://{id}"
    );
}

#[test]
fn two_specs_are_created_and_read_back_as_the_cli_reads_them() {
    let repo = TestRepo::with_commit();
    let session = session(
        &repo,
        json!([
            call("spec_new", json!({"title": "Add OAuth login", "priority": "high",
                "tags": ["auth", "api"], "description": "Sign in with a provider."})),
            call("spec_new", json!({"title": "Rate limits", "branch": false})),
            call("spec_show", json!({"id": "1"})),
            call("spec_show", json!({"id": "SPEC-0002"})),
            call("spec_list", json!({})),
            call("spec_list", json!({"tag": ["auth"]})),
            {"op": "resources"},
            {"op": "read", "uri": "spec://SPEC-0001"},
            {"op": "read", "uri": "spec://2"},
        ]),
    );
    let a = &session.answers;
    // The first one on its own branch, as `git spec new` does; the second
    // on the branch then current.
    let first = ok(&a[0]);
    assert_eq!(first["id"], "SPEC-0001");
    assert_eq!(first["branch"], "spec/0001-add-oauth-login");
    assert_eq!(first["owner"], OWNER);
    assert_eq!(first["status"], "draft");
    assert_eq!(first["path"], "specs/0001-add-oauth-login.md");
    let second = ok(&a[1]);
    assert_eq!(second["id"], "SPEC-0002");
    assert_eq!(second["branch"], Value::Null);
    assert!(repo.ref_exists("refs/heads/spec/0001-add-oauth-login"));
    assert!(!repo.ref_exists("refs/heads/spec/0002-rate-limits"));
    assert_eq!(
        repo.head_ref().as_deref(),
        Some("refs/heads/spec/0001-add-oauth-login")
    );

    let document = repo.read("specs/0001-add-oauth-login.md");
    assert_eq!(fm_str(&document, "priority"), "high");
    assert_eq!(fm_list(&document, "tags"), ["auth", "api"]);
    assert_contains(&document, "Sign in with a provider.");
    // The agent's step is marked as the agent's.
    assert_contains(
        &document,
        &format!("- {SPEC_DATE}: Initial draft created (via {CLIENT})\n"),
    );

    // Read back: the very JSON the CLI prints.
    assert_eq!(ok(&a[2]), &cli_json(&repo, &["show", "1", "--json"]));
    assert_eq!(ok(&a[3]), &cli_json(&repo, &["show", "2", "--json"]));
    assert_eq!(
        a[2]["text"][0],
        stdout(&repo.spec(&["show", "1", "--json"])).trim_end()
    );
    assert_eq!(
        ok(&a[4])["specs"],
        cli_json(&repo, &["list", "--format", "json"])
    );
    assert_eq!(ok(&a[4])["errors"], json!([]));
    let tagged: Vec<&Value> = ok(&a[5])["specs"].as_array().unwrap().iter().collect();
    assert_eq!(tagged.len(), 1);
    assert_eq!(tagged[0]["id"], "SPEC-0001");

    let uris: Vec<&str> = a[6]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["uri"].as_str().unwrap())
        .collect();
    assert_eq!(uris, ["spec://SPEC-0001", "spec://SPEC-0002"]);
    assert_eq!(a[7]["contents"][0]["text"], document);
    assert_eq!(a[7]["contents"][0]["mimeType"], "text/markdown");
    assert_eq!(
        a[8]["contents"][0]["text"],
        repo.read("specs/0002-rate-limits.md")
    );
}

#[test]
fn a_status_the_policy_forbids_is_refused_and_the_file_is_unchanged() {
    let repo = TestRepo::with_commit();
    let (path, _) = repo.new_spec(&["Add login", "--no-branch"]);
    let before = std::fs::read(repo.path.join(&path)).unwrap();
    let snapshot = repo.snapshot();
    let session = session(
        &repo,
        json!([
            call("spec_status", json!({"id": "1", "status": "approved"})),
            call(
                "spec_status",
                json!({"id": "1", "status": "withdrawn", "force": true})
            ),
            call("spec_status", json!({"id": "1"})),
        ]),
    );
    let a = &session.answers;
    let refused = tool_error(&a[0]);
    assert_contains(&refused, "agents.statuses");
    assert_contains(&refused, "\"approved\"");
    assert_contains(&refused, "git spec status 1 approved");
    assert_contains(&tool_error(&a[1]), "agents.force");
    assert_eq!(std::fs::read(repo.path.join(&path)).unwrap(), before);
    repo.assert_unchanged(&snapshot);
    // Reading the status is not a change.
    assert_eq!(
        ok(&a[2]),
        &json!({"id": "SPEC-0001", "path": path, "status": "draft",
            "next": ["review", "approved", "withdrawn"]})
    );
}

#[test]
fn an_allowed_status_is_recorded_as_made_through_the_client() {
    let repo = TestRepo::with_commit();
    let (path, _) = repo.new_spec(&["Add login", "--no-branch"]);
    let session = session(
        &repo,
        json!([
            {"op": "client", "name": "claude-code"},
            call("spec_status", json!({"id": "1", "status": "review", "note": "ready for review"})),
            call("spec_status", json!({"id": "1", "status": "review"})),
            call("spec_check", json!({})),
        ]),
    );
    let a = &session.answers;
    assert_eq!(
        ok(&a[0]),
        &json!({"id": "SPEC-0001", "path": path, "from": "draft", "to": "review",
            "forced": false, "changed": true, "dry_run": false})
    );
    let document = repo.read(&path);
    assert_eq!(fm_str(&document, "status"), "review");
    let last = document.lines().last().unwrap();
    assert_eq!(
        last,
        format!(
            "- {SPEC_DATE}: Status changed from draft to review by {USER_NAME} \u{2014} ready for review (via claude-code)"
        )
    );
    // Asking again changes nothing.
    assert_eq!(ok(&a[1])["changed"], false);
    assert_eq!(repo.read(&path), document);
    // The entry still reads as a recorded status change.
    assert_eq!(ok(&a[2]), &json!({"findings": [], "specs": 1}));
    repo.spec_ok(&["check"]);
}

#[test]
fn the_policy_comes_from_specrc() {
    let repo = TestRepo::with_commit();
    repo.write(
        ".specrc",
        "[agents]\nstatuses = [\"review\", \"approved\"]\nforce = true\n",
    );
    let (path, _) = repo.new_spec(&["Add login", "--no-branch"]);
    let session = session(
        &repo,
        json!([
            call("spec_status", json!({"id": "1", "status": "approved"})),
            call(
                "spec_status",
                json!({"id": "1", "status": "review", "force": true})
            ),
            call("spec_status", json!({"id": "1", "status": "withdrawn"})),
        ]),
    );
    let a = &session.answers;
    assert_eq!(ok(&a[0])["to"], "approved");
    // approved -> review is not in the workflow: forced, as the policy lets.
    assert_eq!(ok(&a[1])["forced"], true);
    assert_contains(&tool_error(&a[2]), "agents.statuses");
    let document = repo.read(&path);
    assert_contains(
        &document,
        &format!("by {USER_NAME} (forced) (via {CLIENT})\n"),
    );
    repo.spec_ok(&["check"]);
}

#[test]
fn bad_calls_are_tool_errors_and_the_server_keeps_answering() {
    let repo = TestRepo::with_commit();
    repo.new_spec(&["Add login", "--no-branch"]);
    repo.write(
        "specs/0002-broken.md",
        "---\nspec-id: SPEC-0002\ntitle: [unclosed\n---\n",
    );
    let session = session(
        &repo,
        json!([
            call("spec_show", json!({"id": "99"})),
            call("spec_show", json!({"id": "not-an-id"})),
            call("spec_show", json!({"idd": "1"})),
            call("spec_status", json!({"id": 1, "status": "review"})),
            call("spec_new", json!({"title": "   ", "branch": false})),
            call("spec_new", json!({"title": "X", "priority": "urgent", "branch": false})),
            call("spec_show", json!({"id": "2"})),
            call("spec_list", json!({})),
            call("spec_log", json!({"id": "99"})),
            call("spec_nothing", json!({})),
            {"op": "read", "uri": "spec://SPEC-0099"},
            {"op": "write", "path": ".specrc", "content": "[agents]\nstatuses = \"draft\"\n"},
            call("spec_list", json!({})),
            {"op": "remove", "path": ".specrc"},
            call("spec_show", json!({"id": "1"})),
        ]),
    );
    let a = &session.answers;
    // The CLI's own messages.
    assert_eq!(tool_error(&a[0]), cli_error(&repo, &["show", "99"]));
    assert_eq!(tool_error(&a[1]), cli_error(&repo, &["show", "not-an-id"]));
    assert_contains(&tool_error(&a[2]), "unknown field `idd`");
    assert_contains(&tool_error(&a[3]), "invalid type");
    assert_eq!(
        tool_error(&a[4]),
        cli_error(&repo, &["new", "   ", "--no-branch"])
    );
    assert_eq!(
        tool_error(&a[5]),
        cli_error(&repo, &["new", "X", "--priority", "urgent", "--no-branch"])
    );
    // A broken spec: the error names its file and line; the list still
    // has the others, and says which file it could not read.
    let broken = tool_error(&a[6]);
    assert_eq!(broken, cli_error(&repo, &["show", "2"]));
    assert_contains(&broken, "specs/0002-broken.md:4: invalid YAML");
    let listing = ok(&a[7]);
    assert_eq!(listing["specs"].as_array().unwrap().len(), 1);
    assert_contains(
        listing["errors"][0].as_str().unwrap(),
        "specs/0002-broken.md:4: invalid YAML",
    );
    assert_eq!(tool_error(&a[8]), cli_error(&repo, &["log", "99"]));
    // An unknown tool and an unknown resource are protocol errors.
    assert!(a[9]["error"].is_string(), "{}", a[9]);
    assert_contains(a[10]["error"].as_str().unwrap(), "SPEC-0099");
    // A .specrc broken while serving is each call's error, with its line.
    assert_contains(&tool_error(&a[12]), ".specrc:2: agents.statuses:");
    // And through it all the server kept answering.
    assert_eq!(ok(&a[14])["id"], "SPEC-0001");
    assert_eq!(
        repo.list_dir("specs"),
        ["0001-add-login.md", "0002-broken.md"]
    );
}

#[test]
fn spec_new_and_cli_new_at_the_same_moment_get_distinct_ids() {
    let repo = TestRepo::with_commit();
    let rounds = 4;
    let steps: Vec<Value> = (0..rounds)
        .map(|round| {
            json!({"op": "race_new",
                "args": {"title": format!("Agent {round}"), "branch": false},
                "cli": ["new", format!("Person {round}"), "--no-branch", "--json"]})
        })
        .collect();
    let session = session(&repo, Value::Array(steps));
    let mut ids = Vec::new();
    for answer in &session.answers {
        ids.push(ok(&answer["tool"])["id"].as_str().unwrap().to_string());
        assert_eq!(answer["cli"]["code"], 0, "{answer:#}");
        let cli: Value = serde_json::from_str(answer["cli"]["stdout"].as_str().unwrap()).unwrap();
        ids.push(cli["id"].as_str().unwrap().to_string());
    }
    let mut distinct = ids.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 2 * rounds, "{ids:?}");
    assert_eq!(repo.list_dir("specs").len(), 2 * rounds);
    repo.spec_ok(&["check", "--working-tree-only"]);
}

#[test]
fn spec_log_and_spec_check_answer_as_the_cli() {
    let repo = TestRepo::with_commit();
    let (path, _) = repo.new_spec(&["Add login", "--no-branch"]);
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "-m", "add spec"]);
    repo.spec_ok(&["status", "1", "review"]);
    repo.git(&["commit", "-q", "-am", "review"]);
    // An edit by hand: check reports it.
    let document = repo
        .read(&path)
        .replace("status: review", "status: approved");
    repo.write(&path, &document);
    let session = session(
        &repo,
        json!([
            call("spec_log", json!({"id": "1"})),
            call("spec_check", json!({})),
            call("spec_check", json!({"working_tree_only": true})),
        ]),
    );
    let a = &session.answers;
    assert_eq!(
        ok(&a[0])["changes"],
        cli_json(&repo, &["log", "1", "--json"])
    );
    assert_eq!(ok(&a[0])["changes"].as_array().unwrap().len(), 2);
    let findings = &ok(&a[1])["findings"];
    assert_eq!(findings, &cli_json(&repo, &["check", "--format", "json"]));
    assert_eq!(findings[0]["rule"], "unrecorded-status");
    assert_eq!(ok(&a[2])["specs"], 1);
    // Checking changed nothing.
    assert_eq!(repo.read(&path), document);
}

#[test]
fn the_server_does_not_start_without_a_repository_to_serve() {
    let repo = TestRepo::with_commit();
    let missing = repo.sandbox.root.join("missing");
    let out = repo.spec(&["mcp", "--repo", missing.to_str().unwrap()]);
    let err = assert_failure(&out);
    assert_contains(&err, "--repo");
    assert_contains(&err, "missing");
    assert_eq!(stdout(&out), "", "stdout is the protocol's");

    let folder = repo.sandbox.mkdir("plain");
    let out = repo.spec_in(&folder, &["mcp"]);
    assert_contains(&assert_failure(&out), "not a git repository");
    assert_eq!(stdout(&out), "");

    repo.write(".specrc", "[agents]\nstatus = [\"draft\"]\n");
    let out = repo.spec(&["mcp"]);
    assert_contains(&assert_failure(&out), ".specrc:2:");
    assert_eq!(stdout(&out), "");
}

#[test]
fn commits_made_through_the_server_carry_the_agent_trailer() {
    let repo = TestRepo::with_commit();
    let session = session(
        &repo,
        json!([
            call("spec_new", json!({"title": "Add login", "commit": true})),
            call(
                "spec_status",
                json!({"id": "1", "status": "review", "commit": true})
            ),
            call("spec_log", json!({"id": "1"})),
        ]),
    );
    let a = &session.answers;
    assert_eq!(ok(&a[0])["branch"], "spec/0001-add-login");
    assert_eq!(ok(&a[1])["changed"], true);
    assert_eq!(
        repo.git_out(&["log", "-1", "--format=%B", "HEAD~1"])
            .trim_end(),
        format!("spec(SPEC-0001): add Add login\n\nSpec-Agent: {CLIENT}")
    );
    assert_eq!(
        repo.git_out(&["log", "-1", "--format=%B", "HEAD"])
            .trim_end(),
        format!("spec(SPEC-0001): draft -> review\n\nSpec-Agent: {CLIENT}")
    );
    assert_eq!(repo.status_porcelain(), "");
    let changes = &ok(&a[2])["changes"];
    assert_eq!(changes.as_array().unwrap().len(), 2, "{changes}");
    assert_eq!(changes[1]["to"], "review");
    // The history audit reads the agent's step as the user's own, through
    // the client: nothing forged.
    let audit = repo.spec(&["check", "--history"]);
    assert!(
        audit.status.success() && stdout(&audit).is_empty(),
        "{}",
        run_text(&audit)
    );
}

#[test]
fn approvals_are_refused_unless_the_policy_lets_agents_record_them() {
    let repo = TestRepo::with_commit();
    let (path, _) = repo.new_spec(&[
        "Add login",
        "--no-branch",
        "--owner",
        "Bob <bob@example.com>",
    ]);
    let snapshot = repo.snapshot();
    let refused = session(&repo, json!([call("spec_approve", json!({"id": "1"}))]));
    let err = tool_error(&refused.answers[0]);
    assert_contains(&err, "agents.approve");
    assert_contains(&err, "git spec approve 1");
    repo.assert_unchanged(&snapshot);

    repo.write(".specrc", "[agents]\napprove = true\n");
    let allowed = session(
        &repo,
        json!([
            call(
                "spec_approve",
                json!({"id": "1", "note": "LGTM", "commit": true})
            ),
            call("spec_approve", json!({"id": "1"})),
            call("spec_show", json!({"id": "1"})),
        ]),
    );
    let a = &allowed.answers;
    let approved = ok(&a[0]);
    assert_eq!(approved["changed"], true);
    assert_eq!(approved["approvals"], 1);
    assert_eq!(approved["email"], USER_EMAIL);
    // The same content approved again: nothing to record.
    assert_eq!(ok(&a[1])["changed"], false);
    let approvals = &ok(&a[2])["approvals"];
    assert_eq!(approvals.as_array().unwrap().len(), 1, "{approvals}");
    assert_eq!(approvals[0]["current"], true);
    let last = repo.read(&path).lines().last().unwrap().to_string();
    assert!(
        last.starts_with(&format!("- {SPEC_DATE}: Approved by {OWNER} (content ")),
        "{last}"
    );
    assert!(
        last.ends_with(&format!(" \u{2014} LGTM (via {CLIENT})")),
        "{last}"
    );
    assert_eq!(
        repo.git_out(&["log", "-1", "--format=%B"]).trim_end(),
        format!("spec(SPEC-0001): approve\n\nSpec-Agent: {CLIENT}")
    );
}

/// A provisional spec (SPEC-DRAFT-…) is a spec like any other through MCP:
/// shown, moved, listed as provisional.
#[test]
fn a_provisional_spec_works_through_the_server() {
    let repo = TestRepo::with_commit();
    let (path, _) = repo.new_spec(&["Fork idea", "--provisional", "--no-checkout"]);
    let name = path.rsplit('/').next().unwrap();
    let draft = format!("SPEC-{}", &name[..14]);
    let session = session(
        &repo,
        json!([
            call("spec_show", json!({"id": draft})),
            call("spec_status", json!({"id": draft, "status": "review"})),
            call("spec_list", json!({})),
        ]),
    );
    let a = &session.answers;
    assert_eq!(ok(&a[0])["provisional"], true);
    assert_eq!(ok(&a[0])["number"], Value::Null);
    assert_eq!(ok(&a[1])["to"], "review");
    let specs = ok(&a[2])["specs"].as_array().unwrap().clone();
    assert_eq!(specs.len(), 1);
    assert_eq!(
        (specs[0]["id"].as_str(), specs[0]["provisional"].as_bool()),
        (Some(draft.as_str()), Some(true))
    );
    assert_contains(&repo.read(&path), "status: review\n");
}

//! `git spec list`: integration tests through the real binary, on
//! temporary repositories made with the real `git` CLI (see `common`).

use std::path::Path;
use std::process::Output;

use crate::common::*;

// ---------------------------------------------------------------------------
// Helpers local to these tests.
// ---------------------------------------------------------------------------

fn spec_path(number: u64) -> String {
    format!("specs/{number:04}-spec.md")
}

fn write_spec(repo: &TestRepo, fx: &SpecFx) -> String {
    let path = spec_path(fx.number);
    repo.write(&path, &fx.text());
    path
}

#[track_caller]
fn list_ok(repo: &TestRepo, args: &[&str]) -> String {
    let mut all = vec!["list"];
    all.extend_from_slice(args);
    let out = repo.spec(&all);
    assert_success_ctx(&out, &format!("git spec {}", all.join(" ")));
    stdout(&out)
}

/// The ids of a table, in order.
fn table_ids(table: &str) -> Vec<String> {
    let mut lines = table.lines();
    let header = lines.next().expect("a header line");
    assert!(header.starts_with("ID "), "not a table header: {header}");
    lines
        .map(|l| l.split_whitespace().next().unwrap().to_string())
        .collect()
}

fn ids(repo: &TestRepo, args: &[&str]) -> Vec<String> {
    let mut all = vec!["--color", "never"];
    all.extend_from_slice(args);
    table_ids(&list_ok(repo, &all))
}

fn json(repo: &TestRepo, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    let text = list_ok(repo, &all);
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}):\n{text}"))
}

fn id_list(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// A repository (one commit) with five varied specs in the working tree.
fn varied() -> TestRepo {
    let repo = TestRepo::with_commit();
    for fx in [
        SpecFx {
            number: 1,
            title: "Login",
            status: "approved",
            priority: "high",
            owner: "Jane Doe <jane@example.com>",
            updated: "2026-01-05",
            tags: &["auth", "web"],
        },
        SpecFx {
            number: 2,
            title: "Search",
            status: "draft",
            priority: "low",
            owner: "Bob Chen <bob@example.com>",
            updated: "2026-01-09",
            tags: &["web"],
        },
        SpecFx {
            number: 3,
            title: "Billing",
            status: "review",
            priority: "critical",
            owner: "Alice Martin <alice@example.com>",
            updated: "2026-01-07",
            tags: &["billing"],
        },
        SpecFx {
            number: 4,
            title: "Exports",
            status: "parked",
            priority: "medium",
            owner: "jane roe <jroe@example.com>",
            updated: "2026-01-09",
            tags: &["auth"],
        },
        SpecFx {
            number: 5,
            title: "Audit log",
            status: "draft",
            priority: "urgent",
            owner: "Bob Chen <bob@example.com>",
            updated: "2025-12-31",
            tags: &["auth", "web", "billing"],
        },
    ] {
        write_spec(&repo, &fx);
    }
    repo
}

// ---------------------------------------------------------------------------
// Table.
// ---------------------------------------------------------------------------

#[test]
fn table_lists_every_spec_in_aligned_columns() {
    let repo = TestRepo::with_commit();
    write_spec(
        &repo,
        &SpecFx {
            number: 1,
            title: "Add login",
            tags: &["auth"],
            ..SpecFx::default()
        },
    );
    write_spec(
        &repo,
        &SpecFx {
            number: 12,
            title: "Export CSV",
            status: "in-progress",
            priority: "high",
            owner: "Bob <b@x.org>",
            updated: "2026-01-12",
            ..SpecFx::default()
        },
    );
    let out = list_ok(&repo, &[]);
    let expected = "\
ID         STATUS       PRIORITY  OWNER                        UPDATED     TASKS  TITLE
SPEC-0001  draft        medium    Jane Doe <jane@example.com>  2026-01-10  -      Add login
SPEC-0012  in-progress  high      Bob <b@x.org>                2026-01-12  -      Export CSV
";
    assert_eq!(out, expected);
}

#[test]
fn specs_made_by_new_are_listed() {
    let repo = TestRepo::with_commit();
    repo.new_spec(&["--no-branch", "First one", "-t", "x"]);
    repo.new_spec(&["--no-branch", "Second one", "-p", "high"]);
    let out = list_ok(&repo, &[]);
    assert_eq!(table_ids(&out), id_list(&["SPEC-0001", "SPEC-0002"]));
    assert_contains(
        &out,
        &format!("SPEC-0002  draft   high      {OWNER}  {SPEC_DATE}  0/35   Second one"),
    );
}

#[test]
fn missing_values_show_a_dash_and_controls_become_spaces() {
    let repo = TestRepo::with_commit();
    repo.write(
        "specs/0007-bare.md",
        "---\nspec-id: SPEC-0007\ntitle: \"Two\\nlines\"\nstatus: draft\n---\n",
    );
    let out = list_ok(&repo, &[]);
    assert_eq!(
        out.lines().nth(1).unwrap(),
        "SPEC-0007  draft   -         -      -        -      Two lines"
    );
}

#[test]
fn ids_sort_numerically() {
    let repo = TestRepo::with_commit();
    for number in [10000, 9999, 2, 100] {
        write_spec(
            &repo,
            &SpecFx {
                number,
                ..SpecFx::default()
            },
        );
    }
    let expected = id_list(&["SPEC-0002", "SPEC-0100", "SPEC-9999", "SPEC-10000"]);
    assert_eq!(ids(&repo, &[]), expected);
    assert_eq!(ids(&repo, &["--sort", "id"]), expected);
    let mut reversed = expected.clone();
    reversed.reverse();
    assert_eq!(ids(&repo, &["--sort", "id", "--reverse"]), reversed);
    let numbers: Vec<u64> = json(&repo, &[])
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["number"].as_u64().unwrap())
        .collect();
    assert_eq!(numbers, [2, 100, 9999, 10000]);
}

// ---------------------------------------------------------------------------
// Filters.
// ---------------------------------------------------------------------------

#[test]
fn status_filter_is_any_of() {
    let repo = varied();
    assert_eq!(
        ids(&repo, &["--status", "draft"]),
        id_list(&["SPEC-0002", "SPEC-0005"])
    );
    assert_eq!(
        ids(&repo, &["-s", "draft", "--status", "approved"]),
        id_list(&["SPEC-0001", "SPEC-0002", "SPEC-0005"])
    );
}

#[test]
fn unknown_filter_values_get_a_note_but_still_filter() {
    let repo = varied();
    let out = repo.spec(&["list", "--status", "parked", "--color", "never"]);
    assert_success(&out);
    assert_eq!(table_ids(&stdout(&out)), id_list(&["SPEC-0004"]));
    assert_contains(&stderr(&out), "\"parked\" is not a status of the workflow");
    let out = repo.spec(&["list", "--priority", "urgent"]);
    assert_success(&out);
    assert_eq!(table_ids(&stdout(&out)), id_list(&["SPEC-0005"]));
    assert_contains(&stderr(&out), "\"urgent\" is not an allowed priority");
}

#[test]
fn owner_filter_is_a_case_insensitive_substring() {
    let repo = varied();
    assert_eq!(
        ids(&repo, &["--owner", "JANE"]),
        id_list(&["SPEC-0001", "SPEC-0004"])
    );
    assert_eq!(
        ids(&repo, &["--owner", "bob@example"]),
        id_list(&["SPEC-0002", "SPEC-0005"])
    );
}

#[test]
fn tag_filter_requires_all_tags() {
    let repo = varied();
    assert_eq!(
        ids(&repo, &["--tag", "auth"]),
        id_list(&["SPEC-0001", "SPEC-0004", "SPEC-0005"])
    );
    assert_eq!(
        ids(&repo, &["-t", "auth", "--tag", "web"]),
        id_list(&["SPEC-0001", "SPEC-0005"])
    );
    assert_eq!(
        ids(&repo, &["-t", "auth", "-t", "web", "-t", "billing"]),
        id_list(&["SPEC-0005"])
    );
}

#[test]
fn priority_filter_is_any_of() {
    let repo = varied();
    assert_eq!(
        ids(&repo, &["--priority", "high", "-p", "critical"]),
        id_list(&["SPEC-0001", "SPEC-0003"])
    );
}

#[test]
fn filters_combine() {
    let repo = varied();
    assert_eq!(
        ids(
            &repo,
            &["--status", "draft", "--tag", "web", "--owner", "bob", "-p", "low"]
        ),
        id_list(&["SPEC-0002"])
    );
}

#[test]
fn nothing_matching_prints_nothing_and_a_note() {
    let repo = varied();
    let out = repo.spec(&["list", "--status", "implemented"]);
    assert_success(&out);
    assert_eq!(stdout(&out), "");
    assert_contains(&stderr(&out), "no specs match");

    let out = repo.spec(&["list", "--status", "implemented", "--format", "json"]);
    assert_success(&out);
    assert_eq!(stdout(&out).trim(), "[]");

    let out = repo.spec(&["list", "--status", "implemented", "--format", "csv"]);
    assert_success(&out);
    assert_eq!(
        stdout(&out),
        "id,number,title,status,priority,owner,created,updated,tags,path,branch\n"
    );
}

#[test]
fn no_specs_at_all() {
    let repo = TestRepo::with_commit();
    let out = repo.spec(&["list"]);
    assert_success(&out);
    assert_eq!(stdout(&out), "");
    assert_contains(&stderr(&out), "no specs in specs/");
    assert_eq!(json(&repo, &[]), serde_json::json!([]));
}

// ---------------------------------------------------------------------------
// Sorting.
// ---------------------------------------------------------------------------

#[test]
fn sort_by_status_follows_the_workflow_then_unknown_then_id() {
    let repo = varied();
    assert_eq!(
        ids(&repo, &["--sort", "status"]),
        id_list(&[
            "SPEC-0002",
            "SPEC-0005",
            "SPEC-0003",
            "SPEC-0001",
            "SPEC-0004"
        ])
    );
}

#[test]
fn sort_by_status_uses_the_configured_order() {
    let repo = varied();
    repo.write(
        ".specrc",
        "[workflow]\nstatuses = [\"parked\", \"approved\", \"review\", \"draft\"]\ntransitions = {}\n",
    );
    assert_eq!(
        ids(&repo, &["--sort", "status"]),
        id_list(&[
            "SPEC-0004",
            "SPEC-0001",
            "SPEC-0003",
            "SPEC-0002",
            "SPEC-0005"
        ])
    );
}

#[test]
fn sort_by_updated_is_newest_first_with_ties_by_id() {
    let repo = varied();
    assert_eq!(
        ids(&repo, &["--sort", "updated"]),
        id_list(&[
            "SPEC-0002",
            "SPEC-0004",
            "SPEC-0003",
            "SPEC-0001",
            "SPEC-0005"
        ])
    );
    assert_eq!(
        ids(&repo, &["--sort", "updated", "--reverse"]),
        id_list(&[
            "SPEC-0005",
            "SPEC-0001",
            "SPEC-0003",
            "SPEC-0004",
            "SPEC-0002"
        ])
    );
}

#[test]
fn sort_by_priority_follows_the_allowed_list_then_unknown() {
    let repo = varied();
    // low, medium, high, critical, then "urgent" (not allowed).
    assert_eq!(
        ids(&repo, &["--sort", "priority"]),
        id_list(&[
            "SPEC-0002",
            "SPEC-0004",
            "SPEC-0001",
            "SPEC-0003",
            "SPEC-0005"
        ])
    );
    repo.write(
        ".specrc",
        "[priority]\nallowed = [\"urgent\", \"critical\", \"high\", \"medium\", \"low\"]\n",
    );
    assert_eq!(
        ids(&repo, &["--sort", "priority"]),
        id_list(&[
            "SPEC-0005",
            "SPEC-0003",
            "SPEC-0001",
            "SPEC-0004",
            "SPEC-0002"
        ])
    );
}

#[test]
fn sort_ties_are_broken_by_numeric_id() {
    let repo = TestRepo::with_commit();
    for number in [10000, 9999, 3] {
        write_spec(
            &repo,
            &SpecFx {
                number,
                ..SpecFx::default()
            },
        );
    }
    let expected = id_list(&["SPEC-0003", "SPEC-9999", "SPEC-10000"]);
    for key in ["status", "updated", "priority"] {
        assert_eq!(ids(&repo, &["--sort", key]), expected, "--sort {key}");
    }
}

// ---------------------------------------------------------------------------
// JSON and CSV.
// ---------------------------------------------------------------------------

#[test]
fn json_has_exactly_the_documented_keys() {
    let repo = varied();
    let value = json(&repo, &[]);
    let items = value.as_array().unwrap();
    assert_eq!(items.len(), 5);
    let keys: Vec<&str> = items[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut expected = vec![
        "id",
        "number",
        "provisional",
        "title",
        "status",
        "priority",
        "owner",
        "created",
        "updated",
        "tags",
        "path",
        "branch",
        "tasks",
    ];
    let mut sorted = keys.clone();
    sorted.sort();
    expected.sort();
    assert_eq!(sorted, expected);
    assert_eq!(
        items[0],
        serde_json::json!({
            "id": "SPEC-0001",
            "number": 1,
            "provisional": false,
            "title": "Login",
            "status": "approved",
            "priority": "high",
            "owner": "Jane Doe <jane@example.com>",
            "created": "2026-01-01",
            "updated": "2026-01-05",
            "tags": ["auth", "web"],
            "path": "specs/0001-spec.md",
            "branch": null,
            "tasks": {"done": 0, "total": 0, "remaining_hours": 0},
        })
    );
}

#[test]
fn json_paths_are_from_the_root_in_a_subdirectory_too() {
    let repo = varied();
    let out = repo.spec_in("specs", &["list", "--format", "json"]);
    assert_success(&out);
    let value: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(value[0]["path"], "specs/0001-spec.md");
}

#[test]
fn csv_quotes_as_rfc_4180() {
    let repo = TestRepo::with_commit();
    write_spec(
        &repo,
        &SpecFx {
            number: 1,
            title: "Fix: \"quotes\", commas",
            tags: &["a", "b c"],
            ..SpecFx::default()
        },
    );
    write_spec(
        &repo,
        &SpecFx {
            number: 2,
            title: "Plain",
            owner: "Bob",
            ..SpecFx::default()
        },
    );
    let out = list_ok(&repo, &["--format", "csv"]);
    let expected = "\
id,number,title,status,priority,owner,created,updated,tags,path,branch
SPEC-0001,1,\"Fix: \"\"quotes\"\", commas\",draft,medium,Jane Doe <jane@example.com>,2026-01-01,2026-01-10,a;b c,specs/0001-spec.md,
SPEC-0002,2,Plain,draft,medium,Bob,2026-01-01,2026-01-10,,specs/0002-spec.md,
";
    assert_eq!(out, expected);
}

// ---------------------------------------------------------------------------
// Colour and width.
// ---------------------------------------------------------------------------

const YELLOW_DRAFT: &str = "\x1b[33mdraft\x1b[0m";

#[test]
fn colour_always_never_and_auto_when_piped() {
    let repo = varied();
    let always = list_ok(&repo, &["--color", "always"]);
    assert_contains(&always, YELLOW_DRAFT);
    assert_contains(&always, "\x1b[36mapproved\x1b[0m");
    // An unknown status stands out; the header is never coloured.
    assert_contains(&always, "\x1b[1m\x1b[31mparked\x1b[0m");
    assert!(always.lines().next().unwrap().starts_with("ID "));
    // Columns stay aligned: colour codes do not count as width.
    let plain = list_ok(&repo, &["--color", "never"]);
    let stripped = always
        .replace(YELLOW_DRAFT, "draft")
        .replace("\x1b[36mapproved\x1b[0m", "approved")
        .replace("\x1b[35mreview\x1b[0m", "review")
        .replace("\x1b[1m\x1b[31mparked\x1b[0m", "parked");
    assert_eq!(stripped, plain);
    assert!(!plain.contains('\x1b'));
    // auto: stdout is a pipe here, so no colour.
    assert!(!list_ok(&repo, &[]).contains('\x1b'));
    assert!(!list_ok(&repo, &["--color", "auto"]).contains('\x1b'));
}

#[test]
fn colour_always_wins_over_no_color() {
    let repo = varied();
    let out = repo.spec_env(&["list", "--color", "always"], &[("NO_COLOR", Some("1"))]);
    assert_success(&out);
    assert_contains(&stdout(&out), YELLOW_DRAFT);
    let out = repo.spec_env(&["list"], &[("NO_COLOR", Some("1"))]);
    assert!(!stdout(&out).contains('\x1b'));
}

#[test]
fn json_and_csv_are_never_coloured() {
    let repo = varied();
    assert!(!list_ok(&repo, &["--format", "json", "--color", "always"]).contains('\x1b'));
    assert!(!list_ok(&repo, &["--format", "csv", "--color", "always"]).contains('\x1b'));
}

#[test]
fn width_shortens_titles_with_an_ellipsis() {
    let repo = TestRepo::with_commit();
    write_spec(
        &repo,
        &SpecFx {
            number: 1,
            title: "A rather long title that will not fit in a narrow terminal",
            owner: "Jo",
            ..SpecFx::default()
        },
    );
    // ID(9)+2, STATUS(6)+2, PRIORITY(8)+2, OWNER(5)+2, UPDATED(10)+2,
    // TASKS(5)+2 = 55, so the title gets 12 columns.
    let out = list_ok(&repo, &["--width", "67"]);
    let row = out.lines().nth(1).unwrap();
    assert_eq!(row.chars().count(), 67, "{row}");
    assert!(row.ends_with("  A rather lo…"), "{row}");
    // Too narrow: the title keeps ten characters.
    let out = list_ok(&repo, &["--width", "20"]);
    assert!(out.lines().nth(1).unwrap().ends_with("A rather …"), "{out}");
    // Not a terminal and no --width: nothing is cut, whatever COLUMNS says.
    let out = repo.spec_env(&["list"], &[("COLUMNS", Some("50"))]);
    assert_contains(&stdout(&out), "narrow terminal");
}

/// Runs `git-spec ARGS` with stdout on a pseudo-terminal (util-linux
/// `script`, which every machine of this project has; a test never passes
/// by skipping).
fn on_terminal(repo: &TestRepo, args: &[&str], env: &[(&str, &str)]) -> Option<String> {
    assert!(
        Path::new("/usr/bin/script").exists(),
        "/usr/bin/script (util-linux) is needed to run git-spec on a terminal"
    );
    let command = std::iter::once(BIN)
        .chain(args.iter().copied())
        .map(|a| format!("'{}'", a.replace('\'', "'\\''")))
        .collect::<Vec<_>>()
        .join(" ");
    let mut cmd = repo.command("/usr/bin/script", &repo.path);
    cmd.args(["-q", "-e", "-c", &command, "/dev/null"]);
    for (name, value) in env {
        cmd.env(name, value);
    }
    let out: Output = run(&mut cmd);
    assert_success(&out);
    Some(stdout(&out).replace("\r\n", "\n"))
}

#[test]
fn on_a_terminal_auto_colours_and_fits_the_width() {
    let repo = TestRepo::with_commit();
    write_spec(
        &repo,
        &SpecFx {
            number: 1,
            title: "A rather long title that will not fit in a narrow terminal",
            owner: "Jo",
            ..SpecFx::default()
        },
    );
    let Some(out) = on_terminal(&repo, &["list"], &[("COLUMNS", "67")]) else {
        return;
    };
    assert_contains(&out, YELLOW_DRAFT);
    let row = out.lines().nth(1).unwrap().replace(YELLOW_DRAFT, "draft");
    assert_eq!(row.chars().count(), 67, "{row}");
    assert!(row.ends_with('…'), "{row}");

    let out = on_terminal(&repo, &["list"], &[("NO_COLOR", "1"), ("COLUMNS", "200")]).unwrap();
    assert!(!out.contains('\x1b'), "{out:?}");
    assert_contains(&out, "narrow terminal");
    // An empty NO_COLOR does not count.
    let out = on_terminal(&repo, &["list"], &[("NO_COLOR", "")]).unwrap();
    assert_contains(&out, YELLOW_DRAFT);
    let out = on_terminal(&repo, &["list", "--color", "never"], &[]).unwrap();
    assert!(!out.contains('\x1b'), "{out:?}");
}

// ---------------------------------------------------------------------------
// Broken specs.
// ---------------------------------------------------------------------------

#[test]
fn a_broken_spec_does_not_hide_the_others() {
    let repo = varied();
    repo.write(
        "specs/0006-broken.md",
        "---\nspec-id: SPEC-0006\ntitle: [unclosed\nstatus: draft\n---\n",
    );
    let out = repo.spec(&["list", "--color", "never"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(
        table_ids(&stdout(&out)),
        id_list(&[
            "SPEC-0001",
            "SPEC-0002",
            "SPEC-0003",
            "SPEC-0004",
            "SPEC-0005"
        ])
    );
    let err = stderr(&out);
    assert!(err.starts_with("specs/0006-broken.md:"), "{err}");
    let line: usize = err
        .split(':')
        .nth(1)
        .unwrap()
        .parse()
        .expect("a line number");
    assert!((3..=5).contains(&line), "{err}");

    let out = repo.spec(&["list", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let value: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(value.as_array().unwrap().len(), 5);
    assert_contains(&stderr(&out), "specs/0006-broken.md:");
}

#[test]
fn a_spec_without_front_matter_is_reported_at_line_1() {
    let repo = varied();
    repo.write("specs/0009-no-front-matter.md", "# Just a title\n");
    // Not a spec: a README without front matter is left alone.
    repo.write("specs/NOTES.md", "# Notes\n");
    let out = repo.spec(&["list", "--format", "csv"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out).lines().count(), 6);
    assert_eq!(
        stderr(&out).lines().collect::<Vec<_>>(),
        ["specs/0009-no-front-matter.md:1: no front matter: the first line must be `---`"]
    );
}

// ---------------------------------------------------------------------------
// --all-branches.
// ---------------------------------------------------------------------------

/// A repository whose `main` has SPEC-0001 committed, with:
/// - `feature` (local): SPEC-0001 changed and SPEC-0002 added;
/// - `alpha` and `zeta` (local): both add the same path, SPEC-0003;
/// - `origin/remote-only` (remote-tracking, from a bare origin): SPEC-0004.
fn branchy() -> TestRepo {
    let repo = TestRepo::with_commit();
    write_spec(
        &repo,
        &SpecFx {
            number: 1,
            title: "On main",
            ..SpecFx::default()
        },
    );
    repo.commit_all("SPEC-0001");
    let text = |number, title| SpecFx::new(number, title).text();
    repo.commit_files_on_branch(
        "feature",
        &[
            (&spec_path(1), &text(1, "Changed on feature")),
            (&spec_path(2), &text(2, "Only on feature")),
        ],
    );
    repo.commit_files_on_branch("zeta", &[(&spec_path(3), &text(3, "From zeta"))]);
    repo.commit_files_on_branch("alpha", &[(&spec_path(3), &text(3, "From alpha"))]);

    let origin = repo.sandbox.init_bare("origin.git");
    let other = repo.sandbox.clone_repo(&repo.path, "other");
    other.commit_files_on_branch(
        "remote-only",
        &[(&spec_path(4), &text(4, "Only on the remote"))],
    );
    other.git(&["push", "-q", origin.to_str().unwrap(), "remote-only"]);
    repo.git(&["remote", "add", "origin", origin.to_str().unwrap()]);
    repo.git(&["fetch", "-q", "origin"]);
    repo
}

#[test]
fn all_branches_adds_specs_found_only_on_other_branches() {
    let repo = branchy();
    // Without the option: the working tree only.
    assert_eq!(ids(&repo, &[]), id_list(&["SPEC-0001"]));

    let before = repo.snapshot();
    let value = json(&repo, &["--all-branches"]);
    repo.assert_unchanged(&before);
    let rows: Vec<(String, String, serde_json::Value)> = value
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap().to_string(),
                r["title"].as_str().unwrap().to_string(),
                r["branch"].clone(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            // From the working tree, not from feature.
            (
                "SPEC-0001".into(),
                "On main".into(),
                serde_json::Value::Null
            ),
            (
                "SPEC-0002".into(),
                "Only on feature".into(),
                "feature".into()
            ),
            // The same path on alpha and zeta: once, from the first branch.
            ("SPEC-0003".into(), "From alpha".into(), "alpha".into()),
            (
                "SPEC-0004".into(),
                "Only on the remote".into(),
                "origin/remote-only".into()
            ),
        ]
    );
}

#[test]
fn all_branches_table_has_a_branch_column() {
    let repo = branchy();
    let out = list_ok(&repo, &["-a", "--color", "never"]);
    let row = |id: &str, branch: &str, title: &str| {
        format!("{id}  draft   medium    {OWNER}  2026-01-10  -      {branch:<18}  {title}\n")
    };
    let expected = [
        format!(
            "ID         STATUS  PRIORITY  {:<27}  UPDATED     TASKS  BRANCH              TITLE\n",
            "OWNER"
        ),
        row("SPEC-0001", "-", "On main"),
        row("SPEC-0002", "feature", "Only on feature"),
        row("SPEC-0003", "alpha", "From alpha"),
        row("SPEC-0004", "origin/remote-only", "Only on the remote"),
    ]
    .concat();
    assert_eq!(out, expected);
}

#[test]
fn all_branches_applies_filters_and_sorts_to_branch_specs() {
    let repo = branchy();
    let out = list_ok(
        &repo,
        &[
            "-a", "--format", "csv", "--owner", "jane", "--sort", "id", "-r",
        ],
    );
    let ids: Vec<&str> = out
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(ids, ["SPEC-0004", "SPEC-0003", "SPEC-0002", "SPEC-0001"]);
    assert!(out.contains(",origin/remote-only\n"), "{out}");
}

#[test]
fn all_branches_skips_the_checked_out_branch_and_deleted_files() {
    let repo = branchy();
    // Deleted in the working tree but still committed on main (checked
    // out): main is not read, and the first other branch by name that has
    // the file (alpha, made from main) names it.
    repo.remove(spec_path(1));
    let value = json(&repo, &["--all-branches"]);
    let first = &value.as_array().unwrap()[0];
    assert_eq!(first["id"], "SPEC-0001");
    assert_eq!(first["branch"], "alpha");
    assert_eq!(first["title"], "On main");
}

#[test]
fn all_branches_reports_a_broken_spec_on_a_branch() {
    let repo = branchy();
    repo.commit_files_on_branch("broken", &[("specs/0005-broken.md", "---\ntitle: x\n")]);
    let out = repo.spec(&["list", "--all-branches", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let value: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(value.as_array().unwrap().len(), 4);
    assert_eq!(
        stderr(&out).trim_end(),
        "broken:specs/0005-broken.md:1: unterminated front matter: no closing `---` line"
    );
    // Without --all-branches the broken branch is not read.
    let out = repo.spec(&["list"]);
    assert_success(&out);
}

#[test]
fn all_branches_in_a_repository_without_commits() {
    let repo = TestRepo::new();
    write_spec(&repo, &SpecFx::default());
    assert_eq!(ids(&repo, &["--all-branches"]), id_list(&["SPEC-0001"]));
}

#[test]
fn outside_a_repository_is_an_error() {
    let sandbox = Sandbox::new();
    let dir = sandbox.mkdir("plain");
    let out = sandbox.spec_in(&dir, &["list"]);
    let err = assert_failure(&out);
    assert_contains(&err, "not a git repository");
}

#[test]
fn table_columns_line_up_by_display_width_with_cjk_owners() {
    use unicode_width::UnicodeWidthStr;
    let repo = TestRepo::with_commit();
    repo.write(
        "specs/0001-a.md",
        &SpecFx {
            owner: "王小明 <wang@example.com>",
            ..SpecFx::new(1, "Login")
        }
        .text(),
    );
    repo.write("specs/0002-b.md", &SpecFx::new(2, "Search").text());
    let out = repo.spec_ok(&["list"]);
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    // The column after OWNER starts at the same display column everywhere.
    let column = |line: &str| {
        let at = line.find("2026-").expect("a date column");
        line[..at].width()
    };
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert_eq!(column(lines[1]), column(lines[2]), "{lines:#?}");
    assert_eq!(
        lines[0].find("UPDATED").map(|at| lines[0][..at].width()),
        Some(column(lines[1]))
    );
}

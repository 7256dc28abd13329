//! Relations between specs: `link`, `unlink`, `supersede`, reverse links
//! in `show`, `graph` in each format, and the relation rules of `check`.

use crate::common::*;

const LOGIN: &str = "specs/0001-login.md";
const API: &str = "specs/0002-login-api.md";
const SSO: &str = "specs/0003-sso.md";

/// Three committed specs: Login, Login API, SSO, at `statuses`.
fn three(statuses: [&str; 3]) -> TestRepo {
    let repo = TestRepo::with_commit();
    for (i, (path, title)) in [(LOGIN, "Login"), (API, "Login API"), (SSO, "SSO")]
        .into_iter()
        .enumerate()
    {
        let mut text = SpecFx {
            status: statuses[i],
            ..SpecFx::new(i as u64 + 1, title)
        }
        .text();
        if statuses[i] != "draft" {
            text.push_str(&status_entry("draft", statuses[i]));
            text.push('\n');
        }
        repo.write(path, &text);
    }
    repo.commit_all("Three specs");
    repo
}

/// The findings of `check --working-tree-only` for `rule`, as
/// `path:line: message` lines.
fn findings(repo: &TestRepo, rule: &str) -> Vec<String> {
    let out = repo.spec(&["check", "--working-tree-only"]);
    stdout(&out)
        .lines()
        .filter_map(|line| {
            let (place, rest) = line.split_once(&format!(": {rule}: "))?;
            Some(format!("{place}: {rest}"))
        })
        .collect()
}

#[test]
fn link_edits_the_list_in_place_with_an_entry_and_unlink_takes_it_back() {
    let repo = three(["draft"; 3]);
    let before = repo.read(LOGIN);
    let out = repo.spec_ok(&[
        "link",
        "1",
        "--depends-on",
        "2",
        "--depends-on",
        "SPEC-0003",
    ]);
    assert_eq!(
        stdout(&out),
        "SPEC-0001: depends on SPEC-0002, SPEC-0003; supersedes -\n"
    );
    let expected = before
        .replace("updated: 2026-01-10\n", &format!("updated: {SPEC_DATE}\n"))
        .replace(
            "tags: []\n---\n",
            "tags: []\ndepends-on: [SPEC-0002, SPEC-0003]\n---\n",
        )
        + &format!("- {SPEC_DATE}: Now depends on SPEC-0002, SPEC-0003 by {USER_NAME}\n");
    assert_eq!(repo.read(LOGIN), expected);
    assert_eq!(repo.status_porcelain(), format!(" M {LOGIN}\n"));

    // Linking again changes nothing.
    let again = repo.spec_ok(&["link", "1", "--depends-on", "0002"]);
    assert_contains(&stderr(&again), "already linked; nothing changed");
    assert_eq!(repo.read(LOGIN), expected);

    // Unlinking one keeps the other; unlinking the last removes the key.
    repo.spec_ok(&["unlink", "1", "--depends-on", "2"]);
    let text = repo.read(LOGIN);
    assert_contains(&text, "depends-on: [SPEC-0003]\n");
    assert_contains(
        &text,
        &format!("- {SPEC_DATE}: No longer depends on SPEC-0002 by {USER_NAME}\n"),
    );
    repo.spec_ok(&["unlink", "1", "--depends-on", "3"]);
    let text = repo.read(LOGIN);
    assert!(!text.contains("depends-on"), "{text}");
    let nothing = repo.spec_ok(&["unlink", "1", "--depends-on", "3"]);
    assert_contains(&stderr(&nothing), "no such relation; nothing changed");
}

#[test]
fn a_block_list_with_a_comment_is_rewritten_and_the_rest_kept() {
    let repo = three(["draft"; 3]);
    let text = repo.read(SSO).replace(
        "tags: []\n",
        "tags: []\nsupersedes:   # what this replaces\n  - SPEC-0001\n# keep me\nextra: 1\n",
    );
    repo.write(".specrc", "[check]\nextra-keys = [\"extra\"]\n");
    repo.write(SSO, &text);
    repo.spec_ok(&["link", "3", "--supersedes", "2"]);
    let after = repo.read(SSO);
    assert_contains(
        &after,
        "tags: []\nsupersedes: [SPEC-0001, SPEC-0002]\n# keep me\nextra: 1\n",
    );
    // A one-line list keeps its comment.
    let text = repo
        .read(API)
        .replace("tags: []\n", "tags: []\ndepends-on: [SPEC-0001]  # first\n");
    repo.write(API, &text);
    repo.spec_ok(&["link", "2", "--depends-on", "3"]);
    assert_contains(
        &repo.read(API),
        "depends-on: [SPEC-0001, SPEC-0003]  # first\n",
    );
}

#[test]
fn link_refuses_unknown_ids_itself_and_circles_and_changes_nothing() {
    let repo = three(["draft"; 3]);
    repo.spec_ok(&["link", "1", "--depends-on", "2"]);
    repo.spec_ok(&["link", "2", "--depends-on", "3"]);
    repo.commit_all("links");
    let err = repo.fails_untouched(&["link", "3", "--depends-on", "1"]);
    assert_contains(
        &err,
        "SPEC-0003 cannot depend on SPEC-0001: that would close a circle (SPEC-0003 -> SPEC-0001 -> SPEC-0002 -> SPEC-0003)",
    );
    let err = repo.fails_untouched(&["link", "1", "--depends-on", "99"]);
    assert_contains(
        &err,
        "no spec is SPEC-0099 in the working tree or on any branch",
    );
    let err = repo.fails_untouched(&["link", "1", "--supersedes", "1"]);
    assert_contains(&err, "SPEC-0001 cannot supersede itself");
    let err = repo.fails_untouched(&["link", "1", "--depends-on", "two"]);
    assert_contains(&err, "--depends-on \"two\" is not a spec id");
    let err = repo.fails_untouched(&["link", "1"]);
    assert_contains(&err, "nothing to link");

    // A spec that lives only on another branch can be linked to.
    repo.commit_files_on_branch(
        "spec/0004-tokens",
        &[("specs/0004-tokens.md", &SpecFx::new(4, "Tokens").text())],
    );
    repo.spec_ok(&["link", "3", "--depends-on", "4"]);
    assert_contains(&repo.read(SSO), "depends-on: [SPEC-0004]");
    // `check` asks the branches for it; --working-tree-only reads none, so
    // there only the working tree's specs count.
    let out = repo.spec(&["check"]);
    assert!(!stdout(&out).contains("dangling"), "{}", run_text(&out));
    assert_eq!(findings(&repo, "dangling-reference").len(), 1);
}

#[test]
fn link_dry_run_and_json_and_commit() {
    let repo = three(["draft"; 3]);
    let before = repo.snapshot();
    let out = repo.spec_ok(&["link", "2", "--depends-on", "1", "--dry-run"]);
    assert_contains(&stdout(&out), "+depends-on: [SPEC-0001]\n");
    repo.assert_unchanged(&before);
    let out = repo.spec_ok(&["link", "2", "--depends-on", "1", "--dry-run", "--json"]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["dry_run"], true);
    assert_eq!(json["changed"], true);
    assert_eq!(json["depends-on"], serde_json::json!(["SPEC-0001"]));
    assert_eq!(json["path"], API);
    repo.assert_unchanged(&before);

    let out = repo.spec_ok(&["link", "2", "--depends-on", "1", "--commit", "--json"]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(
        (json["changed"].clone(), json["dry_run"].clone()),
        (true.into(), false.into())
    );
    assert_eq!(
        repo.git_out(&["log", "-1", "--format=%s", "--name-only"]),
        format!("spec(SPEC-0002): link\n\n{API}")
    );
    assert_eq!(repo.status_porcelain(), "");
}

#[test]
fn supersede_moves_the_old_spec_through_the_workflow() {
    let repo = three(["implemented", "draft", "draft"]);
    let out = repo.spec_ok(&["supersede", "1", "--by", "3", "--commit"]);
    assert_eq!(
        stdout(&out),
        "SPEC-0003 supersedes SPEC-0001; SPEC-0001: implemented -> superseded\n"
    );
    let old = repo.read(LOGIN);
    assert_contains(&old, "status: superseded\n");
    assert_contains(
        &old,
        &format!(
            "{} \u{2014} Superseded by SPEC-0003\n",
            status_entry("implemented", "superseded")
        ),
    );
    let new = repo.read(SSO);
    assert_contains(&new, "supersedes: [SPEC-0001]\n");
    assert_contains(
        &new,
        &format!("- {SPEC_DATE}: Supersedes SPEC-0001 by {USER_NAME}\n"),
    );
    // One commit with both files, nothing left over.
    assert_eq!(
        repo.git_out(&["log", "-1", "--format=%s", "--name-only"]),
        format!("spec(SPEC-0003): supersedes SPEC-0001\n\n{LOGIN}\n{SSO}")
    );
    assert_eq!(repo.status_porcelain(), "");
    // Again: nothing to do.
    let again = repo.spec_ok(&["supersede", "1", "--by", "3"]);
    assert_contains(&stderr(&again), "nothing changed");
    assert_eq!(repo.status_porcelain(), "");
    // The history is clean, and so is check.
    assert_success(&repo.spec(&["check", "--history"]));
    assert_eq!(findings(&repo, "depends-on-final"), Vec::<String>::new());
}

#[test]
fn supersede_refuses_what_the_workflow_refuses_unless_forced() {
    let repo = three(["draft", "draft", "draft"]);
    let err = repo.fails_untouched(&["supersede", "1", "--by", "3"]);
    assert_contains(&err, "SPEC-0001: draft -> superseded is not allowed");
    assert_contains(&err, "--force");
    repo.spec_ok(&["supersede", "1", "--by", "3", "--force"]);
    assert_contains(
        &repo.read(LOGIN),
        &format!(
            "- {SPEC_DATE}: Status changed from draft to superseded by {USER_NAME} (forced) \u{2014} Superseded by SPEC-0003\n"
        ),
    );
    let err = repo.fails_untouched(&["supersede", "2", "--by", "2"]);
    assert_contains(&err, "cannot supersede itself");
}

#[test]
fn show_lists_relations_both_ways() {
    let repo = three(["implemented", "draft", "draft"]);
    repo.spec_ok(&["link", "2", "--depends-on", "1"]);
    repo.spec_ok(&["link", "3", "--depends-on", "1"]);
    repo.spec_ok(&["supersede", "1", "--by", "3"]);
    let out = repo.spec_ok(&["show", "1"]);
    assert_contains(
        &stdout(&out),
        "\nRelations:\n  needed by     SPEC-0002, SPEC-0003\n  superseded by SPEC-0003\n\nChangelog:\n",
    );
    let out = repo.spec_ok(&["show", "3", "--json"]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(
        json["relations"],
        serde_json::json!({
            "depends_on": ["SPEC-0001"],
            "needed_by": [],
            "supersedes": ["SPEC-0001"],
            "superseded_by": [],
        })
    );
    // A spec without relations shows no section.
    let repo = three(["draft"; 3]);
    assert!(!stdout(&repo.spec_ok(&["show", "2"])).contains("Relations"));
}

#[test]
fn graph_in_each_format_escapes_titles() {
    let repo = three(["implemented", "draft", "draft"]);
    let hostile = repo.read(API).replace(
        "title: \"Login API\"",
        "title: \"Login \\\"API\\\"]; click n1 <b>x</b>\"",
    );
    repo.write(API, &hostile);
    repo.spec_ok(&["link", "2", "--depends-on", "1", "--depends-on", "3"]);
    repo.spec_ok(&["link", "3", "--supersedes", "1"]);
    let mermaid = stdout(&repo.spec_ok(&["graph"]));
    assert_eq!(
        mermaid,
        "graph LR\n  n1[\"SPEC-0001: Login\"]:::implemented\n  \
         n2[\"SPEC-0002: Login #quot;API#quot;]; click n1 #lt;b#gt;x#lt;/b#gt;\"]:::draft\n  \
         n3[\"SPEC-0003: SSO\"]:::draft\n  n2 -->|depends on| n1\n  n2 -->|depends on| n3\n  \
         n3 -.->|supersedes| n1\n  classDef implemented fill:#dcfce7,stroke:#15803d\n  \
         classDef draft fill:#fef9c3,stroke:#a16207\n"
    );
    let dot = stdout(&repo.spec_ok(&["graph", "--format", "dot"]));
    assert_contains(
        &dot,
        "  \"SPEC-0002\" [label=\"SPEC-0002: Login \\\"API\\\"]; click n1 <b>x</b>\", class=\"draft\", tooltip=\"draft\"];\n",
    );
    assert_contains(
        &dot,
        "  \"SPEC-0003\" -> \"SPEC-0001\" [label=\"supersedes\", style=dashed];\n",
    );
    let json: serde_json::Value =
        serde_json::from_str(&stdout(&repo.spec_ok(&["graph", "--format", "json"]))).unwrap();
    assert_eq!(json["nodes"].as_array().unwrap().len(), 3);
    assert_eq!(
        json["edges"][2],
        serde_json::json!({"from": "SPEC-0003", "to": "SPEC-0001", "kind": "supersedes"})
    );
    assert_eq!(
        json["nodes"][1]["title"],
        "Login \"API\"]; click n1 <b>x</b>"
    );
    // A spec without relations is left out unless --all.
    let repo = three(["draft"; 3]);
    assert_eq!(stdout(&repo.spec_ok(&["graph"])), "graph LR\n");
    let all = stdout(&repo.spec_ok(&["graph", "--all"]));
    assert_eq!(
        all.lines().filter(|l| l.contains(":::")).count(),
        3,
        "{all}"
    );
}

#[test]
fn check_reports_dangling_references_and_mentions() {
    let repo = three(["draft"; 3]);
    assert_eq!(findings(&repo, "dangling-reference"), Vec::<String>::new());
    // Mentions count in the prose, not in code blocks or the changelog.
    let text = repo
        .read(LOGIN)
        .replace(
            "tags: []\n",
            "tags: []\ndepends-on: [SPEC-0002, SPEC-0042, nope]\n",
        )
        .replace(
            "## Changelog\n",
            "See SPEC-0003 and SPEC-0077, not XSPEC-0078.\n\n```\nSPEC-0079 in an example\n```\n\n## Changelog\n",
        )
        + "- 2026-01-02: Split out of SPEC-0080\n";
    repo.write(LOGIN, &text);
    assert_eq!(
        findings(&repo, "dangling-reference"),
        [
            format!("{LOGIN}:10: depends-on: \"nope\" is not a spec id; write it like SPEC-0042"),
            format!("{LOGIN}:10: depends-on: no spec has the id SPEC-0042; fix the id or drop it with `git spec unlink SPEC-0001 --depends-on SPEC-0042`"),
            format!("{LOGIN}:15: mentions SPEC-0077, and no spec has that id"),
        ]
    );
    // Standard keys: no unknown-key for the relation lists.
    assert_eq!(findings(&repo, "unknown-key"), Vec::<String>::new());
    // The unlink the message names works.
    repo.spec_ok(&["unlink", "SPEC-0001", "--depends-on", "SPEC-0042"]);
    assert_eq!(findings(&repo, "dangling-reference").len(), 2);
}

#[test]
fn check_reports_cycles_and_dependencies_on_dead_specs() {
    let repo = three(["draft", "draft", "withdrawn"]);
    // A circle written by hand (link refuses to make one).
    for (path, target) in [(LOGIN, "SPEC-0002"), (API, "SPEC-0001")] {
        let text = repo
            .read(path)
            .replace("tags: []\n", &format!("tags: []\ndepends-on: [{target}]\n"));
        repo.write(path, &text);
    }
    assert_eq!(
        findings(&repo, "dependency-cycle"),
        [format!(
            "{LOGIN}:10: the dependencies go round in a circle: SPEC-0001 -> SPEC-0002 -> SPEC-0001; one of them must not depend on the next"
        )]
    );
    assert_eq!(findings(&repo, "depends-on-final"), Vec::<String>::new());
    repo.spec_ok(&["link", "2", "--depends-on", "3"]);
    assert_eq!(
        findings(&repo, "depends-on-final"),
        [format!(
            "{API}:10: depends on SPEC-0003, which is withdrawn: it will not be done; depend on what replaces it or drop it"
        )]
    );
    let out = repo.spec(&["check", "--working-tree-only"]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn unlink_removes_every_way_the_id_is_written() {
    let repo = three(["draft"; 3]);
    let text = repo.read(API).replace(
        "tags: []\n",
        "tags: []\ndepends-on: [SPEC-0001, 1, SPEC-0003]\n",
    );
    repo.write(API, &text);
    repo.spec_ok(&["unlink", "2", "--depends-on", "SPEC-0001"]);
    let after = repo.read(API);
    assert_contains(&after, "depends-on: [SPEC-0003]\n");
    assert_contains(
        &after,
        &format!("- {SPEC_DATE}: No longer depends on SPEC-0001 by {USER_NAME}\n"),
    );
}

#[test]
fn a_relation_that_is_not_a_list_is_reported() {
    let repo = three(["draft"; 3]);
    let text = repo
        .read(LOGIN)
        .replace("tags: []\n", "tags: []\ndepends-on: {spec: SPEC-0002}\n");
    repo.write(LOGIN, &text);
    assert_eq!(
        findings(&repo, "dangling-reference"),
        [format!(
            "{LOGIN}:10: depends-on is not a list of spec ids; write it like `depends-on: [SPEC-0042]`"
        )]
    );
    // link does not replace it (and lose what it said).
    let err = repo.fails_untouched(&["link", "1", "--depends-on", "3"]);
    assert_contains(
        &err,
        "specs/0001-login.md:10: `depends-on` is not a list of spec ids",
    );
}

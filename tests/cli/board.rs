//! `git spec board`: the static site, through the real binary on real
//! repositories, and in a real headless Chromium (tests/e2e/board.mjs,
//! driven through playwright-core).

use std::path::{Path, PathBuf};

use crate::common::*;

/// One spec of the realistic repository.
struct Fx {
    title: &'static str,
    owner: &'static str,
    priority: &'static str,
    tags: &'static [&'static str],
    /// The statuses it moves through after draft, one commit each.
    moves: &'static [&'static str],
    /// How many of the template's task boxes are checked.
    checked: usize,
}

const JANE: &str = "Jane Doe <jane@example.com>";
const BOB: &str = "Bob Stone <bob@example.com>";
const PRIYA: &str = "Priya Nair <priya@example.com>";
const LUIS: &str = "Luis Ortega <luis@example.com>";

/// A dozen specs across every status of the default workflow.
const TEAM: &[Fx] = &[
    Fx {
        title: "Add OAuth login",
        owner: JANE,
        priority: "high",
        tags: &["auth", "web"],
        moves: &["review", "approved", "in-progress"],
        checked: 14,
    },
    Fx {
        title: "Export reports as CSV",
        owner: BOB,
        priority: "medium",
        tags: &["export", "reports"],
        moves: &["review"],
        checked: 0,
    },
    Fx {
        title: "Rate-limit the public API",
        owner: PRIYA,
        priority: "critical",
        tags: &["api", "security"],
        moves: &["review", "approved"],
        checked: 3,
    },
    Fx {
        title: "Dark mode for the dashboard",
        owner: JANE,
        priority: "low",
        tags: &["web", "ui"],
        moves: &[],
        checked: 0,
    },
    Fx {
        title: "Audit log of admin actions",
        owner: PRIYA,
        priority: "high",
        tags: &["security", "compliance"],
        moves: &["review", "approved", "in-progress", "implemented"],
        checked: 35,
    },
    Fx {
        title: "Offline sync for the mobile app",
        owner: LUIS,
        priority: "medium",
        tags: &["mobile"],
        moves: &["review", "rejected"],
        checked: 0,
    },
    Fx {
        title: "Single sign-on with SAML",
        owner: BOB,
        priority: "high",
        tags: &["auth"],
        moves: &["withdrawn"],
        checked: 0,
    },
    Fx {
        title: "Search across projects",
        owner: LUIS,
        priority: "medium",
        tags: &["search", "web"],
        moves: &["review", "approved", "in-progress"],
        checked: 21,
    },
    Fx {
        title: "Webhooks for build events",
        owner: BOB,
        priority: "low",
        tags: &["api"],
        moves: &["review"],
        checked: 2,
    },
    Fx {
        title: "Retire the v1 REST API",
        owner: PRIYA,
        priority: "medium",
        tags: &["api"],
        moves: &["approved", "in-progress", "implemented", "superseded"],
        checked: 35,
    },
    Fx {
        title: "Usage-based billing",
        owner: JANE,
        priority: "critical",
        tags: &["billing"],
        moves: &["review", "approved"],
        checked: 6,
    },
    Fx {
        title: "Two-factor authentication",
        owner: LUIS,
        priority: "high",
        tags: &["auth", "security"],
        moves: &[],
        checked: 0,
    },
];

/// The hostile spec's title, which must show as text.
const SCRIPT_TITLE: &str = "<script>alert(1)</script>";

/// The id of the `index`-th spec of [`TEAM`] (0-based).
fn id(index: usize) -> String {
    format!("SPEC-{:04}", index + 1)
}

/// A repository with [`TEAM`] committed, each status change its own
/// commit (so the timelines have several entries), task boxes of the
/// template checked, an approval by another person, a link from one spec
/// to another; with `hostile`, also SPEC-0013 titled [`SCRIPT_TITLE`] with
/// HTML, script links and a remote image in its body, and SPEC-0014 with a
/// status the workflow does not know.
fn team_repo(hostile: bool) -> TestRepo {
    let repo = TestRepo::with_commit();
    for fx in TEAM {
        let mut args = vec![
            "--no-branch",
            fx.title,
            "--owner",
            fx.owner,
            "-p",
            fx.priority,
        ];
        for tag in fx.tags {
            args.extend(["-t", tag]);
        }
        let (path, text) = repo.new_spec(&args);
        let mut text = text;
        for _ in 0..fx.checked {
            text = text.replacen("[ ]", "[x]", 1);
        }
        repo.write(&path, &text);
    }
    // SPEC-0001 links to SPEC-0002's file.
    let first = spec_path(&repo, 1);
    let second = spec_path(&repo, 2);
    let text = repo.read(&first).replacen(
        "## Problem Statement\n",
        &format!(
            "## Problem Statement\n\nExports are covered by [the CSV spec]({}).\n",
            second.trim_start_matches("specs/")
        ),
        1,
    );
    repo.write(&first, &text);
    if hostile {
        let (path, text) = repo.new_spec(&[
            "--no-branch",
            SCRIPT_TITLE,
            "--owner",
            "<i>Mallory</i> <m@example.com>",
            "-t",
            "<b>tag</b>",
        ]);
        let text = text.replacen(
            "## Problem Statement\n",
            "## Problem Statement\n\n<script>alert(2)</script>\n\nInline <img src=x onerror=alert(3)> html, \
             [a link](javascript:alert(4)), ![a tracker](https://example.com/pixel.png).\n",
            1,
        );
        repo.write(&path, &text);
        repo.write(
            "specs/0014-blocked.md",
            &SpecFx {
                number: 14,
                title: "Waiting on legal",
                status: "blocked",
                ..SpecFx::default()
            }
            .text(),
        );
    }
    repo.commit_all("specs");
    for (index, fx) in TEAM.iter().enumerate() {
        for status in fx.moves {
            assert_success(&repo.spec(&["status", &id(index), status]));
            repo.commit_all(&format!("{} {status}", id(index)));
        }
    }
    // Bob approves SPEC-0003.
    repo.git(&["config", "user.name", "Bob Stone"]);
    repo.git(&["config", "user.email", "bob@example.com"]);
    assert_success(&repo.spec(&["approve", "3", "-m", "limits look right"]));
    repo.git(&["config", "user.name", USER_NAME]);
    repo.git(&["config", "user.email", USER_EMAIL]);
    repo.commit_all("approve SPEC-0003");
    repo
}

/// The path (from the root) of the spec numbered `number`.
fn spec_path(repo: &TestRepo, number: u64) -> String {
    let prefix = format!("{number:04}-");
    let name = repo
        .list_dir("specs")
        .into_iter()
        .find(|n| n.starts_with(&prefix))
        .unwrap_or_else(|| panic!("no spec {number}"));
    format!("specs/{name}")
}

/// The final status of the `index`-th spec of [`TEAM`].
fn final_status(fx: &Fx) -> &'static str {
    fx.moves.last().copied().unwrap_or("draft")
}

/// Every file the board wrote, as text, by name.
fn site(dir: &Path) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read_to_string(e.path()).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

#[test]
fn writes_an_index_and_a_page_per_spec_with_a_manifest() {
    let repo = team_repo(false);
    let out = repo.spec(&["board"]);
    assert_success(&out);
    assert_eq!(stdout(&out), "spec-board/index.html: 12 specs (13 pages)\n");
    let mut expected: Vec<String> = (0..TEAM.len()).map(|i| format!("{}.html", id(i))).collect();
    expected.extend([".git-spec-board".to_string(), "index.html".to_string()]);
    expected.sort();
    assert_eq!(repo.list_dir("spec-board"), expected);
    let manifest = repo.read("spec-board/.git-spec-board");
    for name in expected.iter().filter(|n| n.ends_with(".html")) {
        assert!(manifest.lines().any(|l| l == name), "{name} in {manifest}");
    }

    // Columns in workflow order, each spec in its status's column.
    let index = repo.read("spec-board/index.html");
    let mut at = Vec::new();
    for status in [
        "draft",
        "review",
        "approved",
        "in-progress",
        "implemented",
        "rejected",
        "withdrawn",
        "superseded",
    ] {
        let marker = format!("data-status=\"{status}\"");
        at.push(index.find(&marker).unwrap_or_else(|| panic!("no {marker}")));
    }
    assert!(at.windows(2).all(|w| w[0] < w[1]), "workflow order: {at:?}");
    for (i, fx) in TEAM.iter().enumerate() {
        let column = index
            .find(&format!("data-status=\"{}\"", final_status(fx)))
            .unwrap();
        let card = index.find(&format!("data-id=\"{}\"", id(i))).unwrap();
        let next = index[column + 1..]
            .find("data-status=")
            .map_or(index.len(), |n| column + 1 + n);
        assert!(
            column < card && card < next,
            "{} in {}",
            id(i),
            final_status(fx)
        );
    }
    // Task progress on the card: 14 of the template's 35 boxes.
    assert_contains(&index, "<span>14/35</span>");

    // A spec page: rendered body, timeline, approvals, link back.
    let page = repo.read("spec-board/SPEC-0003.html");
    assert_contains(&page, "<a href=\"index.html\">");
    assert_contains(&page, "<h2 id=\"timeline\">Status timeline</h2>");
    assert_contains(&page, "(new) &rarr; draft");
    assert_contains(&page, "review &rarr; approved");
    assert_contains(&page, "Bob Stone &lt;bob@example.com&gt;");
    assert_contains(&page, "<h3>Problem Statement</h3>");
    assert_contains(&page, "3/35 done, 29 h estimated left");
    // The link to another spec's file leads to its page.
    let first = repo.read("spec-board/SPEC-0001.html");
    assert_contains(&first, "<a href=\"SPEC-0002.html\">the CSV spec</a>");

    // Nothing requested from anywhere: no URL in a src, no link to a
    // stylesheet or font, a policy that forbids it.
    for (name, text) in site(&repo.path.join("spec-board")) {
        assert!(!text.contains(" src="), "{name}");
        assert!(!text.contains("<link"), "{name}");
        assert!(!text.contains("@import"), "{name}");
        if name.ends_with(".html") {
            assert_contains(
                &text,
                "Content-Security-Policy\" content=\"default-src 'none'",
            );
        }
    }
}

#[test]
fn the_timeline_is_what_git_spec_log_says() {
    let repo = team_repo(false);
    // A renamed spec keeps its history.
    let old = spec_path(&repo, 2);
    repo.git(&["mv", &old, "specs/0002-export-csv.md"]);
    repo.git(&["commit", "-q", "-m", "rename"]);
    assert_success(&repo.spec(&["board"]));
    for (i, _) in TEAM.iter().enumerate() {
        let out = repo.spec(&["log", &id(i), "--json"]);
        assert_success(&out);
        let log: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
        let commits: Vec<&str> = log
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["commit"].as_str().unwrap())
            .collect();
        assert!(!commits.is_empty(), "{}", id(i));
        let page = repo.read(format!("spec-board/{}.html", id(i)));
        let shown: Vec<&str> = page
            .split("<tr class=\"change\" data-commit=\"")
            .skip(1)
            .map(|rest| &rest[..40])
            .collect();
        assert_eq!(shown, commits, "{}", id(i));
    }
}

#[test]
fn repository_html_is_text_everywhere() {
    let repo = team_repo(true);
    let out = repo.spec(&["board"]);
    assert_success(&out);
    for (name, text) in site(&repo.path.join("spec-board")) {
        let scripts = text.matches("<script").count();
        let expected = usize::from(name == "index.html");
        assert_eq!(scripts, expected, "{name}: only the board's own script");
        assert!(!text.contains("<img"), "{name}");
        assert!(!text.contains("<b>tag"), "{name}");
        assert!(!text.contains("<i>Mallory"), "{name}");
        assert!(!text.to_lowercase().contains("javascript:"), "{name}");
    }
    let page = repo.read("spec-board/SPEC-0013.html");
    assert_contains(&page, "&lt;script&gt;alert(1)&lt;/script&gt;</h1>");
    assert_contains(&page, "&lt;script&gt;alert(2)&lt;/script&gt;");
    // The image is a link, not a request.
    assert_contains(
        &page,
        "<a href=\"https://example.com/pixel.png\">[image] a tracker</a>",
    );
    // The unknown status gets the last column.
    let index = repo.read("spec-board/index.html");
    let blocked = index.find("data-status=\"blocked\"").unwrap();
    let superseded = index.find("data-status=\"superseded\"").unwrap();
    assert!(superseded < blocked);
    assert_contains(&index, "(not in the workflow)");
}

#[test]
fn out_is_refused_unless_it_holds_only_an_earlier_board() {
    let repo = team_repo(false);
    // Someone's folder.
    repo.write("docs/guide.md", "# Guide\n");
    let err = repo.fails_untouched(&["board", "--out", "docs"]);
    assert_contains(
        &err,
        "--out docs is not empty and was not written by git spec board",
    );
    // Outside the work tree, into .git, through a link that leads outside.
    let err = repo.fails_untouched(&["board", "--out", "../elsewhere"]);
    assert_contains(&err, "outside the work tree");
    let err = repo.fails_untouched(&["board", "--out", ".git/board"]);
    assert_contains(&err, "names a `.git` folder");
    let outside = repo.sandbox.mkdir("outside");
    std::os::unix::fs::symlink(&outside, repo.path.join("linked")).unwrap();
    let err = repo.fails_untouched(&["board", "--out", "linked/site"]);
    assert_contains(&err, "leads outside the work tree");
    let err = repo.fails_untouched(&["board", "--out", "linked"]);
    assert_contains(&err, "leads outside the work tree");
    assert_eq!(std::fs::read_dir(&outside).unwrap().count(), 0);
    std::fs::remove_file(repo.path.join("linked")).unwrap();
    // A link to a folder inside: still not written through.
    std::os::unix::fs::symlink(repo.path.join("docs"), repo.path.join("docs-link")).unwrap();
    let err = repo.fails_untouched(&["board", "--out", "docs-link"]);
    assert_contains(&err, "is a symbolic link");

    // Without --out, the board goes to the root's spec-board/ from anywhere.
    let sub = repo.path.join("specs");
    let out = repo.spec_in(&sub, &["board"]);
    assert_success(&out);
    assert_eq!(
        stdout(&out),
        "../spec-board/index.html: 12 specs (13 pages)\n"
    );
    assert!(repo.exists("spec-board/index.html"));

    // Its own earlier output is replaced; the same commit gives the same files.
    let out = repo.spec_in(&sub, &["board", "--out", "../site"]);
    assert_success(&out);
    assert_eq!(stdout(&out), "../site/index.html: 12 specs (13 pages)\n");
    let first = site(&repo.path.join("site"));
    assert_success(&repo.spec(&["board", "--out", "site"]));
    assert_eq!(site(&repo.path.join("site")), first, "deterministic");
    // A page of a deleted spec goes with the next run.
    repo.git(&["rm", "-q", &spec_path(&repo, 12)]);
    assert_success(&repo.spec(&["board", "--out", "site"]));
    assert!(!repo.exists("site/SPEC-0012.html"));
    assert!(repo.exists("site/SPEC-0011.html"));
    // A file added by hand makes it someone's folder again.
    repo.write("site/notes.txt", "mine");
    let err = repo.fails_untouched(&["board", "--out", "site"]);
    assert_contains(
        &err,
        "holds 1 entry that git spec board did not write: notes.txt",
    );
    // No temporary folder is left beside it.
    let left: Vec<String> = repo
        .list_dir("")
        .into_iter()
        .filter(|n| n.contains("git-spec"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    // An empty folder is fine.
    std::fs::create_dir(repo.path.join("empty")).unwrap();
    assert_success(&repo.spec(&["board", "--out", "empty"]));
    assert!(repo.exists("empty/index.html"));
}

#[test]
fn all_branches_adds_specs_only_on_other_branches() {
    let repo = team_repo(false);
    repo.commit_files_on_branch(
        "feature",
        &[(
            "specs/0020-on-feature.md",
            &SpecFx {
                number: 20,
                title: "Only on feature",
                status: "review",
                ..SpecFx::default()
            }
            .text(),
        )],
    );
    assert_success(&repo.spec(&["board"]));
    assert!(!repo.exists("spec-board/SPEC-0020.html"));
    let out = repo.spec(&["board", "--all-branches"]);
    assert_success(&out);
    assert_contains(&stdout(&out), "13 specs");
    let page = repo.read("spec-board/SPEC-0020.html");
    assert_contains(&page, "<dt>Branch</dt><dd><code>feature</code></dd>");
    assert_contains(&page, "(new) &rarr; review");
}

#[test]
fn a_broken_spec_is_reported_and_the_others_are_written() {
    let repo = team_repo(false);
    repo.write("specs/0030-broken.md", "---\ntitle: [unclosed\n---\n");
    let out = repo.spec(&["board"]);
    assert_eq!(out.status.code(), Some(1));
    assert_contains(&stderr(&out), "specs/0030-broken.md:");
    assert_contains(&stderr(&out), "left off the board");
    assert!(repo.exists("spec-board/SPEC-0001.html"));
    assert!(!repo.exists("spec-board/SPEC-0030.html"));
}

#[test]
fn help_tells_what_it_writes() {
    let repo = TestRepo::with_commit();
    let out = repo.spec(&["board", "--help"]);
    assert_success(&out);
    let help = stdout(&out);
    for needle in [
        "--out <DIR>",
        "--all-branches",
        "index.html",
        "SPEC-0042.html",
        ".git-spec-board",
        "inside the work tree",
        "Nothing is written outside it",
    ] {
        assert_contains(&help, needle);
    }
}

// ---------------------------------------------------------------------------
// In a real browser.
// ---------------------------------------------------------------------------

/// What tests/e2e/board.mjs saw.
fn browse(
    repo: &TestRepo,
    site: &Path,
    actions: &serde_json::Value,
    screenshot: Option<&Path>,
) -> serde_json::Value {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let modules = crate_dir.join(".e2e/node/node_modules");
    let setup = "run `bash tests/e2e/setup.sh` (it installs Debian's chromium and playwright-core into .e2e/)";
    assert!(
        modules.join("playwright-core").is_dir(),
        "playwright-core is not in {}: {setup}",
        modules.display()
    );
    assert!(
        Path::new("/usr/bin/chromium").exists(),
        "/usr/bin/chromium is missing: {setup}"
    );
    let mut cmd = repo.command("node", &repo.path);
    cmd.env("NODE_PATH", &modules)
        .arg(crate_dir.join("tests/e2e/board.mjs"))
        .arg(site)
        .arg(actions.to_string());
    if let Some(path) = screenshot {
        cmd.arg(path);
    }
    let out = match cmd.output() {
        Ok(out) => out,
        Err(err) => panic!("cannot run node ({err}): {setup}"),
    };
    assert!(
        out.status.success(),
        "tests/e2e/board.mjs failed ({}):\n{}\n{}",
        out.status,
        stdout(&out),
        stderr(&out)
    );
    serde_json::from_str(&stdout(&out))
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(&out)))
}

fn ids_where(filter: impl Fn(&Fx) -> bool) -> Vec<String> {
    // Cards are read column by column, in workflow order, then by id.
    let order = [
        "draft",
        "review",
        "approved",
        "in-progress",
        "implemented",
        "rejected",
        "withdrawn",
        "superseded",
    ];
    let mut ids: Vec<(usize, usize)> = TEAM
        .iter()
        .enumerate()
        .filter(|(_, fx)| filter(fx))
        .map(|(i, fx)| {
            (
                order.iter().position(|s| *s == final_status(fx)).unwrap(),
                i,
            )
        })
        .collect();
    ids.sort();
    ids.into_iter().map(|(_, i)| id(i)).collect()
}

fn strings(value: &serde_json::Value) -> Vec<String> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn the_board_works_in_headless_chromium() {
    let repo = team_repo(true);
    assert_success(&repo.spec(&["board"]));
    let site = repo.path.join("spec-board");
    let actions = serde_json::json!([
        {"fill": "export"},
        {"reset": true},
        {"select": ["f-tag", "auth"]},
        {"reset": true},
        {"keys": ["f-priority", "ArrowDown"]},
        {"keys": ["f-owner", "ArrowDown", "ArrowDown"]},
        {"reset": true},
        {"fill": "jane web"},
    ]);
    let seen = browse(&repo, &site, &actions, None);
    // BOARD_SCREENSHOT=path also saves a picture of the board of the
    // realistic repository without the hostile specs (docs/board.png).
    if let Some(path) = std::env::var_os("BOARD_SCREENSHOT").map(PathBuf::from) {
        let clean = team_repo(false);
        assert_success(&clean.spec(&["board"]));
        let shown = browse(
            &clean,
            &clean.path.join("spec-board"),
            &serde_json::json!([]),
            Some(&path),
        );
        assert_eq!(shown["requests"], serde_json::json!([]));
    }

    // Nothing ran, nothing was asked of the network, nothing failed.
    assert_eq!(seen["dialogs"], serde_json::json!([]), "a dialog opened");
    assert_eq!(
        seen["requests"],
        serde_json::json!([]),
        "requests left the page"
    );
    assert_eq!(seen["consoleErrors"], serde_json::json!([]));
    assert_eq!(seen["pageErrors"], serde_json::json!([]));
    assert_eq!(seen["indexScripts"], 1, "only the board's own script");

    // Every spec in its status's column, unknown statuses last.
    let columns = seen["columns"].as_array().unwrap();
    let statuses: Vec<&str> = columns
        .iter()
        .map(|c| c["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        [
            "draft",
            "review",
            "approved",
            "in-progress",
            "implemented",
            "rejected",
            "withdrawn",
            "superseded",
            "blocked"
        ]
    );
    for column in columns {
        let status = column["status"].as_str().unwrap();
        let mut expected = ids_where(|fx| final_status(fx) == status);
        if status == "draft" {
            expected.push("SPEC-0013".into());
        }
        if status == "blocked" {
            expected.push("SPEC-0014".into());
        }
        assert_eq!(strings(&column["ids"]), expected, "column {status}");
        assert_eq!(
            column["count"],
            expected.len().to_string(),
            "count of {status}"
        );
        // The status is written out, not only coloured.
        assert!(
            column["heading"].as_str().unwrap().starts_with(status),
            "{column}"
        );
    }

    // Filters hide and show cards; keyboard alone reaches them.
    let all: Vec<String> = columns.iter().flat_map(|c| strings(&c["ids"])).collect();
    let filtered = seen["filtered"].as_array().unwrap();
    let visible = |step: usize| strings(&filtered[step]["visible"]);
    for step in filtered {
        assert_eq!(step["reached"], true, "not reachable with Tab: {step}");
    }
    assert_eq!(
        visible(0),
        ids_where(|fx| fx.title.to_lowercase().contains("export") || fx.tags.contains(&"export"))
    );
    assert_eq!(filtered[0]["shown"], "1 of 14 specs shown");
    assert_eq!(visible(1), all);
    assert_eq!(visible(2), ids_where(|fx| fx.tags.contains(&"auth")));
    assert_eq!(visible(3), all);
    // Priorities sorted: critical is the first after "All priorities".
    assert_eq!(visible(4), ids_where(|fx| fx.priority == "critical"));
    // Owners sorted: <i>Mallory</i> first, then Bob; with critical still on.
    assert_eq!(
        visible(5),
        ids_where(|fx| fx.priority == "critical" && fx.owner == BOB)
    );
    assert_eq!(visible(6), all);
    assert_eq!(
        visible(7),
        ids_where(|fx| fx.owner == JANE && fx.tags.contains(&"web"))
    );

    // Every page opens, shows its spec, has no script, links back.
    let pages = seen["pages"].as_array().unwrap();
    assert_eq!(pages.len(), 14);
    for page in pages {
        assert_eq!(page["exists"], true, "{page}");
        assert_eq!(page["scripts"], 0, "{page}");
        assert!(
            page["back"]
                .as_str()
                .unwrap()
                .ends_with("/spec-board/index.html"),
            "{page}"
        );
        let headings = strings(&page["headings"]);
        for heading in ["Summary", "Status timeline", "Approvals", "Document"] {
            assert!(
                headings.contains(&heading.to_string()),
                "{heading} in {page}"
            );
        }
    }
    let hostile = pages
        .iter()
        .find(|p| p["href"].as_str().unwrap().ends_with("/SPEC-0013.html"))
        .unwrap();
    assert_eq!(hostile["h1"], format!("SPEC-0013{SCRIPT_TITLE}"));
    assert_eq!(seen["back"], "Spec board");
    // Links between pages resolve (links in spec bodies to files of the
    // repository, such as the template's `(link)`, are not the board's).
    let links = seen["links"].as_array().unwrap();
    let between: Vec<&serde_json::Value> = links
        .iter()
        .filter(|l| l["to"].as_str().unwrap().ends_with(".html"))
        .collect();
    assert!(between.len() >= 15, "{links:?}");
    for link in between {
        assert_eq!(link["exists"], true, "{link}");
    }
    assert!(
        links
            .iter()
            .any(|l| l["to"].as_str().unwrap().ends_with("/SPEC-0002.html")
                && l["from"].as_str().unwrap().ends_with("/SPEC-0001.html")),
        "the link from SPEC-0001 to SPEC-0002's file"
    );
}

#[test]
fn spec_pages_link_their_relations_both_ways() {
    let repo = TestRepo::with_commit();
    repo.write("specs/0001-login.md", &SpecFx::new(1, "Login").text());
    repo.write("specs/0002-api.md", &SpecFx::new(2, "API").text());
    repo.write("specs/0003-sso.md", &SpecFx::new(3, "SSO").text());
    repo.spec_ok(&["link", "2", "--depends-on", "1"]);
    repo.spec_ok(&["link", "3", "--supersedes", "2"]);
    repo.spec_ok(&["board"]);
    let page = |id: &str| repo.read(format!("spec-board/{id}.html"));
    assert_contains(
        &page("SPEC-0002"),
        "<dt>Depends on</dt><dd><a href=\"SPEC-0001.html\">SPEC-0001</a></dd>",
    );
    assert_contains(
        &page("SPEC-0002"),
        "<dt>Superseded by</dt><dd><a href=\"SPEC-0003.html\">SPEC-0003</a></dd>",
    );
    assert_contains(
        &page("SPEC-0001"),
        "<dt>Needed by</dt><dd><a href=\"SPEC-0002.html\">SPEC-0002</a></dd>",
    );
    // A spec without relations has no such section.
    repo.write("specs/0004-alone.md", &SpecFx::new(4, "Alone").text());
    repo.spec_ok(&["board"]);
    assert!(!page("SPEC-0004").contains("id=\"relations\""));
}

#[test]
fn a_provisional_spec_has_its_card_and_page() {
    let repo = TestRepo::with_commit();
    let (path, _) = repo.new_spec(&["Fork idea", "--provisional", "--no-checkout"]);
    let name = path.rsplit('/').next().unwrap();
    let draft = format!("SPEC-{}", &name[..14]);
    repo.spec_ok(&["board"]);
    assert!(repo.exists(format!("spec-board/{draft}.html")), "{draft}");
    assert_contains(
        &repo.read("spec-board/index.html"),
        &format!("href=\"{draft}.html\""),
    );
}

//! One machine-output contract: every command's `--json` is JSON on
//! stdout, the same from the root and from a subfolder, with every path
//! from the repository root, and `dry_run` present wherever the command has
//! `--dry-run`.

use serde_json::Value;

use crate::common::*;

/// Keys whose values are paths, and keys whose values are lists of them.
const PATH_KEYS: &[&str] = &["path", "old_path", "new_path", "config"];
const PATH_LIST_KEYS: &[&str] = &["paths", "written", "rewritten"];

/// Every path in `value` is relative to the root, `/`-separated.
fn assert_root_relative(value: &Value, what: &str) {
    let check = |path: &str| {
        assert!(
            !path.starts_with("../") && !path.starts_with('/') && !path.contains('\\'),
            "{what}: {path:?} is not a path from the repository root"
        );
    };
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                match inner {
                    Value::String(path) if PATH_KEYS.contains(&key.as_str()) => check(path),
                    Value::Array(items) if PATH_LIST_KEYS.contains(&key.as_str()) => {
                        for item in items {
                            check(item.as_str().unwrap_or_else(|| panic!("{what}: {key}")));
                        }
                    }
                    _ => assert_root_relative(inner, what),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| assert_root_relative(v, what)),
        _ => {}
    }
}

/// `git spec ARGS` in `dir`: its stdout parsed as JSON.
fn json_in(repo: &TestRepo, dir: &str, args: &[&str]) -> Value {
    let out = repo.spec_in(dir, args);
    assert!(
        !stderr(&out).contains("panicked"),
        "git spec {}\n{}",
        args.join(" "),
        run_text(&out)
    );
    serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| {
        panic!(
            "git spec {}: stdout is not JSON ({e})\n{}",
            args.join(" "),
            run_text(&out)
        )
    })
}

/// Three specs (1 links to 2), committed, an index, and a subfolder.
fn repo() -> TestRepo {
    let repo = TestRepo::with_commit();
    for (n, title) in [(1u64, "Login"), (2, "Search"), (3, "Billing")] {
        repo.write(
            format!("specs/{n:04}-{}.md", title.to_lowercase()),
            &SpecFx::new(n, title).text(),
        );
    }
    repo.write("src/deep/keep", "");
    repo.commit_all("Specs");
    repo.spec_ok(&["link", "1", "--depends-on", "2", "--commit"]);
    repo.spec_ok(&["index"]);
    repo.commit_all("Index");
    repo
}

#[test]
fn every_read_and_every_dry_run_is_the_same_json_from_a_subfolder() {
    let repo = repo();
    let commands: &[(&[&str], bool)] = &[
        // (arguments, has --dry-run)
        (&["list", "--json"], false),
        (&["list", "--format", "json"], false),
        (&["show", "1", "--json"], false),
        (&["status", "1", "--json"], false),
        (&["log", "1", "--json"], false),
        (&["check", "--json"], false),
        (&["check", "--history", "--json"], false),
        (&["graph", "--format", "json"], false),
        (&["index", "--check", "--json"], false),
        (&["hook", "status", "--json"], false),
        (&["status", "1", "review", "--dry-run", "--json"], true),
        (
            &["new", "Payments", "--dry-run", "--json", "--no-checkout"],
            true,
        ),
        (&["renumber", "3", "--dry-run", "--json"], true),
        (
            &["link", "3", "--depends-on", "1", "--dry-run", "--json"],
            true,
        ),
        (
            &[
                "supersede",
                "2",
                "--by",
                "3",
                "--force",
                "--dry-run",
                "--json",
            ],
            true,
        ),
        (&["promote", "--dry-run", "--json"], true),
    ];
    let before = repo.snapshot();
    for (args, dry) in commands {
        let what = args.join(" ");
        let at_root = json_in(&repo, ".", args);
        let below = json_in(&repo, "src/deep", args);
        assert_eq!(at_root, below, "git spec {what}: root and subfolder differ");
        assert_root_relative(&at_root, &what);
        if *dry {
            let flag = match &at_root {
                Value::Object(map) => map.get("dry_run").cloned(),
                _ => None,
            };
            assert_eq!(flag, Some(Value::Bool(true)), "git spec {what}: dry_run");
        }
    }
    repo.assert_unchanged(&before);
}

#[test]
fn changes_report_dry_run_false_and_paths_from_the_root() {
    let repo = repo();
    let commands: &[&[&str]] = &[
        &["status", "1", "review", "--json"],
        &["new", "Payments", "--json", "--no-checkout"],
        &["renumber", "3", "--json"],
        &["link", "2", "--depends-on", "4", "--json"],
        &["index", "--json"],
    ];
    for args in commands {
        let what = args.join(" ");
        let value = json_in(&repo, "src/deep", args);
        assert_root_relative(&value, &what);
        if let Some(flag) = value.get("dry_run") {
            assert_eq!(flag, &Value::Bool(false), "git spec {what}");
        }
    }
    // Those with --dry-run say so even when it was not given.
    let value = json_in(&repo, ".", &["status", "2", "review", "--json"]);
    assert_eq!(value["dry_run"], false);
    let value = json_in(&repo, ".", &["new", "Refunds", "--json", "--no-checkout"]);
    assert_eq!(value["dry_run"], false);
    // init, in a repository of its own.
    let fresh = TestRepo::with_commit();
    fresh.write("src/deep/keep", "");
    let value = json_in(&fresh, "src/deep", &["init", "--json"]);
    assert_eq!(
        value["written"],
        serde_json::json!([
            ".specrc",
            "templates/spec.md",
            ".gitignore",
            ".gitattributes"
        ])
    );
}

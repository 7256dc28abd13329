//! The documentation cannot drift from the binary: every ```console block
//! of the README is run, command by command, in a new repository, and every
//! command's `--help` is compared with its snapshot in `tests/cli/help/`
//! (`GIT_SPEC_BLESS=1 cargo test --locked transcripts` rewrites the
//! snapshots after a deliberate change; review the diff).

use std::path::{Path, PathBuf};

use crate::common::*;

/// `(command, expected stdout)` of each `$ ` line in the README's
/// ```console blocks, in order.
fn readme_transcript() -> Vec<(String, String)> {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    let mut steps: Vec<(String, String)> = Vec::new();
    let mut inside = false;
    for line in readme.lines() {
        if !inside {
            inside = line == "```console";
            continue;
        }
        if line == "```" {
            inside = false;
            continue;
        }
        match line.strip_prefix("$ ") {
            Some(command) => steps.push((command.to_string(), String::new())),
            None => {
                let (_, out) = steps.last_mut().expect("output before any command");
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    steps
}

#[test]
fn the_readme_transcript_is_what_the_binary_prints() {
    let steps = readme_transcript();
    assert!(steps.len() >= 5, "the README lost its transcript");
    let repo = TestRepo::with_commit();
    for (command, expected) in steps {
        let out = run(repo.command("sh", &repo.path).args(["-c", &command]));
        assert!(out.status.success(), "$ {command}\n{}", run_text(&out));
        assert_eq!(stdout(&out), expected, "$ {command}");
    }
}

/// Every command path: `[]`, `["new"]`, `["hook", "install"]`, ...
fn command_paths() -> Vec<Vec<String>> {
    fn walk(command: &clap::Command, prefix: Vec<String>, out: &mut Vec<Vec<String>>) {
        out.push(prefix.clone());
        for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
            let mut path = prefix.clone();
            path.push(sub.get_name().to_string());
            walk(sub, path, out);
        }
    }
    let mut out = Vec::new();
    walk(&git_spec::cli::command(), Vec::new(), &mut out);
    out
}

#[test]
fn every_help_matches_its_snapshot() {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cli/help");
    let bless = std::env::var_os("GIT_SPEC_BLESS").is_some();
    let sandbox = Sandbox::new();
    let mut names = Vec::new();
    for path in command_paths() {
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--help");
        let out = sandbox.spec_in(&sandbox.root, &args);
        assert_success_ctx(&out, &args.join(" "));
        let name = if path.is_empty() {
            "git-spec".to_string()
        } else {
            format!("git-spec-{}", path.join("-"))
        };
        let file: PathBuf = folder.join(format!("{name}.txt"));
        if bless {
            std::fs::create_dir_all(&folder).unwrap();
            std::fs::write(&file, stdout(&out)).unwrap();
        } else {
            let expected = std::fs::read_to_string(&file).unwrap_or_else(|_| {
                panic!(
                    "no snapshot {}: run GIT_SPEC_BLESS=1 cargo test --locked transcripts",
                    file.display()
                )
            });
            assert_eq!(stdout(&out), expected, "git spec {} --help", path.join(" "));
        }
        names.push(format!("{name}.txt"));
    }
    // No snapshot of a command that no longer exists.
    for entry in std::fs::read_dir(&folder).unwrap() {
        let file = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(names.contains(&file), "{file}: no such command any more");
    }
}

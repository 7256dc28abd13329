//! `git spec completions` and `git spec man`: integration tests through the
//! real binary. Neither command needs a repository, so they run in a plain
//! folder of the sandbox.
//!
//! The bash script is executed by bash (which these tests need); git's own
//! completion script and groff are used when the machine has them.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::Arc;

use crate::common::*;

// ---------------------------------------------------------------------------
// Helpers local to these tests.
// ---------------------------------------------------------------------------

const SHELLS: &[&str] = &["bash", "zsh", "fish", "powershell", "elvish"];

/// Runs `git-spec ARGS` in a plain (non-repository) folder; asserts success.
#[track_caller]
fn spec_ok(sandbox: &Arc<Sandbox>, args: &[&str]) -> Output {
    let cwd = sandbox.mkdir("plain");
    let out = sandbox.spec_in(&cwd, args);
    assert_success_ctx(&out, &format!("git spec {}", args.join(" ")));
    out
}

/// Writes the bash completion script into the sandbox; returns its path.
fn bash_script(sandbox: &Arc<Sandbox>) -> PathBuf {
    let out = spec_ok(sandbox, &["completions", "bash"]);
    let path = sandbox.root.join("git-spec.bash");
    std::fs::write(&path, &out.stdout).unwrap();
    path
}

/// Runs a bash script (with `set -u` off: completion scripts rely on
/// unset variables) and returns stdout; asserts success.
#[track_caller]
fn bash(sandbox: &Arc<Sandbox>, script: &str) -> String {
    let out =
        run(sandbox
            .command("bash", &sandbox.root)
            .args(["--norc", "--noprofile", "-c", script]));
    assert_success_ctx(&out, &format!("bash -c {script}"));
    stdout(&out)
}

/// Completes `line` (the cursor at its end) with the function `entry`
/// after sourcing `setup`; returns COMPREPLY, one entry per line.
///
/// `entry` is called the way bash calls a `complete -F` function:
/// `entry <command> <current word> <previous word>`.
fn complete(sandbox: &Arc<Sandbox>, setup: &str, entry: &str, line: &str) -> Vec<String> {
    let script = format!(
        r#"{setup}
COMP_LINE='{line}'
COMP_POINT=${{#COMP_LINE}}
read -ra COMP_WORDS <<< "$COMP_LINE"
[[ "$COMP_LINE" == *" " ]] && COMP_WORDS+=("")
COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 ))
COMPREPLY=()
{entry} "${{COMP_WORDS[0]}}" "${{COMP_WORDS[COMP_CWORD]}}" "${{COMP_WORDS[COMP_CWORD-1]}}"
printf '%s\n' "${{COMPREPLY[@]}}"
"#
    );
    bash(sandbox, &script)
        .lines()
        .map(|l| l.trim_end().to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

/// git's bash completion, where distributions install it.
fn git_completion_script() -> Option<&'static Path> {
    [
        "/usr/share/bash-completion/completions/git",
        "/usr/share/git/completion/git-completion.bash",
        "/usr/share/git-core/contrib/completion/git-completion.bash",
        "/etc/bash_completion.d/git",
    ]
    .into_iter()
    .map(Path::new)
    .find(|p| p.is_file())
}

#[track_caller]
fn assert_has(items: &[String], wanted: &str) {
    assert!(
        items.iter().any(|i| i == wanted),
        "expected {wanted:?} among {items:?}"
    );
}

// ---------------------------------------------------------------------------
// Completions.
// ---------------------------------------------------------------------------

#[test]
fn every_shell_gets_a_script_naming_the_subcommands() {
    let sandbox = Sandbox::new();
    for shell in SHELLS {
        let out = spec_ok(&sandbox, &["completions", shell]);
        let script = stdout(&out);
        assert!(!script.trim().is_empty(), "{shell}: empty script");
        for sub in ["new", "status", "log", "man", "completions"] {
            assert!(
                script.contains(sub),
                "{shell}: no {sub:?} in the script:\n{script}"
            );
        }
        assert!(script.contains("git-spec"), "{shell}: no git-spec");
        assert_eq!(stderr(&out), "", "{shell}");
    }
}

#[test]
fn an_unknown_shell_is_a_usage_error() {
    let sandbox = Sandbox::new();
    let out = sandbox.spec_in(&sandbox.root, &["completions", "tcsh"]);
    let err = assert_failure(&out);
    assert_contains(&err, "bash");
}

#[test]
fn bash_script_is_valid_bash() {
    let sandbox = Sandbox::new();
    let path = bash_script(&sandbox);
    let out = run(sandbox.command("bash", &sandbox.root).arg("-n").arg(&path));
    assert_success_ctx(&out, "bash -n git-spec.bash");
    // Sourcing it defines both entry points and registers git-spec.
    let defined = bash(
        &sandbox,
        &format!(
            "source '{}' && declare -F _git__spec _git_spec && complete -p git-spec",
            path.display()
        ),
    );
    assert_contains(&defined, "_git__spec");
    assert_contains(&defined, "_git_spec");
    // git-spec itself goes through the dynamic values first.
    assert_contains(&defined, "-F _git_spec_dynamic");
    assert!(defined.trim_end().ends_with(" git-spec"), "{defined}");
}

#[test]
fn bash_completes_git_spec_subcommands_and_their_options() {
    let sandbox = Sandbox::new();
    let setup = format!("source '{}'", bash_script(&sandbox).display());
    let got = complete(&sandbox, &setup, "_git__spec", "git-spec st");
    assert_eq!(got, ["status"]);
    let got = complete(&sandbox, &setup, "_git__spec", "git-spec ");
    assert_has(&got, "new");
    assert_has(&got, "status");
    // Options of a subcommand: broken in clap_complete's own output for a
    // hyphenated name (clap-rs/clap#6421), repaired by git-spec.
    let got = complete(&sandbox, &setup, "_git__spec", "git-spec log --j");
    assert_eq!(got, ["--json"]);
    let got = complete(&sandbox, &setup, "_git__spec", "git-spec status 1 --c");
    // --color is global: every command has it.
    assert_eq!(got, ["--commit", "--color"]);
    let got = complete(&sandbox, &setup, "_git__spec", "git-spec completions f");
    assert_eq!(got, ["fish"]);
}

/// `_git_spec` as git's completion calls it: no arguments, with git's
/// `words`, `cword` and `__git_cmd_idx` in scope.
#[test]
fn bash_git_spec_entry_point_takes_git_words() {
    let sandbox = Sandbox::new();
    let setup = format!("source '{}'", bash_script(&sandbox).display());
    let call = |words: &[&str], idx: Option<usize>| -> Vec<String> {
        let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
        let idx = idx.map_or(String::new(), |i| format!("local __git_cmd_idx={i};"));
        let script = format!(
            "{setup}\nf() {{ local words=({}) cword={} cur='{}'; {idx} COMPREPLY=(); _git_spec; printf '%s\\n' \"${{COMPREPLY[@]}}\"; }}\nf",
            quoted.join(" "),
            words.len() - 1,
            words[words.len() - 1],
        );
        bash(&sandbox, &script)
            .lines()
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect()
    };
    assert_eq!(call(&["git", "spec", "st"], Some(1)), ["status"]);
    assert_eq!(
        call(&["git", "-C", "repo", "spec", "log", "--j"], Some(3)),
        ["--json"]
    );
    // Older git completion without __git_cmd_idx: `spec` is word 1.
    assert_eq!(call(&["git", "spec", "hook", "ins"], None), ["install"]);
    // Bound to an alias with `__git_complete gs _git_spec`: index 0.
    assert_eq!(call(&["gs", "li"], Some(0)), ["link", "list"]);
}

/// The real thing, when git's completion script is installed: `git spec
/// <TAB>` goes through git's `__git_main` to `_git_spec`.
#[test]
fn bash_git_spec_through_gits_own_completion() {
    let Some(git_completion) = git_completion_script() else {
        eprintln!("skipped: git's bash completion script is not installed");
        return;
    };
    let sandbox = Sandbox::new();
    let setup = format!(
        "source '{}'\nsource '{}'",
        git_completion.display(),
        bash_script(&sandbox).display()
    );
    // `__git_wrap__git_main` is what git's script registers for `git`.
    let entry = "__git_wrap__git_main";
    assert_eq!(complete(&sandbox, &setup, entry, "git spec st"), ["status"]);
    assert_eq!(
        complete(&sandbox, &setup, entry, "git spec log --j"),
        ["--json"]
    );
    assert_eq!(
        complete(&sandbox, &setup, entry, "git -C . spec man --o"),
        ["--out-dir"]
    );
    let got = complete(&sandbox, &setup, entry, "git spec ");
    assert_has(&got, "new");
    assert_has(&got, "status");
}

#[test]
fn zsh_script_defines_the_function_zshs_git_completion_calls() {
    let sandbox = Sandbox::new();
    let script = stdout(&spec_ok(&sandbox, &["completions", "zsh"]));
    assert!(script.starts_with("#compdef git-spec"), "{script}");
    // zsh's _git completes `git spec ...` by calling _git-spec.
    assert_contains(&script, "_git-spec()");
}

#[test]
fn fish_script_completes_the_git_spec_command() {
    let sandbox = Sandbox::new();
    let script = stdout(&spec_ok(&sandbox, &["completions", "fish"]));
    assert_contains(&script, "complete -c git-spec");
}

// ---------------------------------------------------------------------------
// Man pages.
// ---------------------------------------------------------------------------

#[test]
fn man_writes_the_pages_into_a_new_folder_and_prints_their_paths() {
    let sandbox = Sandbox::new();
    let out_dir = sandbox.root.join("share/man/man1");
    assert!(!out_dir.exists());
    let out = spec_ok(&sandbox, &["man", "--out-dir", out_dir.to_str().unwrap()]);
    let printed: Vec<PathBuf> = stdout(&out).lines().map(PathBuf::from).collect();
    assert_eq!(printed[0], out_dir.join("git-spec.1"));
    for page in [
        "git-spec.1",
        "git-spec-new.1",
        "git-spec-status.1",
        "git-spec-log.1",
    ] {
        assert!(out_dir.join(page).is_file(), "{page} not written");
        assert!(printed.contains(&out_dir.join(page)), "{page} not printed");
    }
    for path in &printed {
        assert!(path.is_file(), "{} printed but not written", path.display());
    }
    assert!(
        !printed.iter().any(|p| p.to_string_lossy().contains("help")),
        "{printed:?}"
    );

    let page = std::fs::read_to_string(out_dir.join("git-spec.1")).unwrap();
    // Title, section, date (pinned by GIT_SPEC_DATE), source and manual.
    let th = format!(".TH GIT-SPEC 1 {SPEC_DATE} \"git-spec ");
    assert_contains(&page, &th);
    assert_contains(&page, "\"git-spec Manual\"");
    for section in [
        ".SH NAME",
        ".SH SYNOPSIS",
        ".SH SUBCOMMANDS",
        ".SH \"SEE ALSO\"",
    ] {
        assert_contains(&page, section);
    }
    // Subcommands are listed with their pages (roff escapes hyphens).
    for sub in ["new", "status", "log", "man"] {
        assert_contains(&page, &format!("git\\-spec\\-{sub}(1)"));
    }
    let log = std::fs::read_to_string(out_dir.join("git-spec-log.1")).unwrap();
    assert_contains(&log, ".TH GIT-SPEC-LOG 1");
    assert_contains(&log, "\\-\\-json");
    assert_contains(&log, "git spec log");
}

#[test]
fn man_without_a_folder_prints_the_page_and_writes_nothing() {
    let sandbox = Sandbox::new();
    let cwd = sandbox.mkdir("here");
    let out = sandbox.spec_in(&cwd, &["man"]);
    assert_success(&out);
    assert_eq!(
        std::fs::read_dir(&cwd).unwrap().count(),
        0,
        "nothing is written where the user stands"
    );
    assert!(stdout(&out).starts_with(".ie"), "{}", run_text(&out));
    assert_contains(&stdout(&out), ".TH GIT-SPEC 1");
    assert_contains(&stderr(&out), "--out-dir ~/.local/share/man/man1");
}

#[test]
fn man_into_an_impossible_folder_is_an_error() {
    let sandbox = Sandbox::new();
    let file = sandbox.root.join("a-file");
    std::fs::write(&file, "").unwrap();
    let out = sandbox.spec_in(
        &sandbox.root,
        &["man", "--out-dir", file.join("man1").to_str().unwrap()],
    );
    let err = assert_failure(&out);
    assert_contains(&err, "cannot create");
}

/// When groff is installed: every page renders without a warning.
#[test]
fn man_pages_render_with_groff() {
    let sandbox = Sandbox::new();
    let probe = sandbox
        .command("groff", &sandbox.root)
        .arg("--version")
        .output();
    if !probe.is_ok_and(|o| o.status.success()) {
        eprintln!("skipped: groff is not installed");
        return;
    }
    let out_dir = sandbox.root.join("man1");
    spec_ok(&sandbox, &["man", "-o", out_dir.to_str().unwrap()]);
    let mut pages: Vec<PathBuf> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    pages.sort();
    for page in pages {
        let out = run(sandbox
            .command("groff", &sandbox.root)
            // Plain text: no bold or underline by overstriking.
            .args(["-man", "-Tutf8", "-ww", "-P-cbou"])
            .arg(&page));
        assert_success_ctx(&out, &format!("groff {}", page.display()));
        assert_eq!(stderr(&out), "", "groff warnings for {}", page.display());
        let text = stdout(&out);
        assert_contains(&text, "NAME");
        assert_contains(&text, "SYNOPSIS");
    }
}

#[test]
fn the_man_page_carries_the_reference() {
    let sandbox = Sandbox::new();
    let out = sandbox.spec_in(&sandbox.root, &["man"]);
    assert_success(&out);
    // roff writes a hyphen as `\-`.
    let page = stdout(&out).replace("\\-", "-");
    for section in [
        ".SH CONFIGURATION",
        ".SH WORKFLOW",
        ".SH \"CHECK RULES\"",
        ".SH \"EXIT STATUS\"",
        ".SH ENVIRONMENT",
        ".SH EXAMPLES",
    ] {
        assert_contains(&page, section);
    }
    // Every check rule and every .specrc key is there.
    for rule in [
        "dangling-reference",
        "provisional-id",
        "history",
        "approval",
    ] {
        assert_contains(&page, rule);
    }
    for key in ["promote-on", "signed", "statuses", "paths", "extra-keys"] {
        assert_contains(&page, key);
    }
}

/// `git spec status 1 <TAB>` offers the statuses spec 1 may move to,
/// `show <TAB>` the ids, `check --against <TAB>` the branches: values only
/// the repository knows, asked of `git-spec __complete`.
#[test]
fn bash_completes_ids_next_statuses_and_refs_from_the_repository() {
    let repo = TestRepo::with_commit();
    repo.write("specs/0001-login.md", &SpecFx::new(1, "Login").text());
    repo.write(
        "specs/0002-search.md",
        &SpecFx {
            status: "approved",
            ..SpecFx::new(2, "Search")
        }
        .text(),
    );
    repo.git(&["branch", "feature"]);
    let script = repo.path.join("../git-spec.bash");
    std::fs::write(&script, repo.spec_ok(&["completions", "bash"]).stdout).unwrap();
    let complete = |line: &str| -> Vec<String> {
        let body = format!(
            r#"source '{}'
COMP_LINE='{line}'
read -ra COMP_WORDS <<< "$COMP_LINE"
[[ "$COMP_LINE" == *" " ]] && COMP_WORDS+=("")
COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 ))
COMPREPLY=()
_git_spec_dynamic "${{COMP_WORDS[0]}}" "${{COMP_WORDS[COMP_CWORD]}}" "${{COMP_WORDS[COMP_CWORD-1]}}"
printf '%s\n' "${{COMPREPLY[@]}}""#,
            script.display()
        );
        let out =
            run(repo
                .command("bash", &repo.path)
                .args(["--norc", "--noprofile", "-c", &body]));
        assert_success(&out);
        stdout(&out)
            .lines()
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect()
    };
    assert_eq!(
        complete("git-spec status 1 "),
        ["review", "approved", "withdrawn"]
    );
    assert_eq!(complete("git-spec status 2 "), ["in-progress", "withdrawn"]);
    assert_eq!(complete("git-spec show SPEC-"), ["SPEC-0001", "SPEC-0002"]);
    assert_eq!(
        complete("git-spec log "),
        ["SPEC-0001", "1", "SPEC-0002", "2"]
    );
    assert_eq!(complete("git-spec check --against f"), ["feature"]);
    assert_eq!(
        complete("git-spec link 2 --depends-on SPEC-000"),
        ["SPEC-0001", "SPEC-0002"]
    );
    // Options still come from the static completion.
    assert_eq!(complete("git-spec status 1 --dr"), ["--dry-run"]);
    // Outside a repository there is nothing to offer, and no error.
    let out = run(repo
        .sandbox
        .command(BIN, &repo.sandbox.root)
        .args(["__complete", "ids"]));
    assert_success(&out);
    assert_eq!(stdout(&out), "");
}

/// zsh and fish offer the same repository values as bash: fish through
/// its own `complete -C`, zsh through the helpers its value actions call
/// (with `compadd` standing in for the completion system, which needs a
/// terminal). Both shells are installed by tests/e2e/setup.sh.
#[test]
fn zsh_and_fish_complete_ids_next_statuses_and_refs() {
    let repo = TestRepo::with_commit();
    repo.write("specs/0001-login.md", &SpecFx::new(1, "Login").text());
    repo.git(&["branch", "feature"]);
    let shell_output = |shell: &str, script: &str| -> Vec<String> {
        let found = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
            .any(|dir| dir.join(shell).is_file());
        assert!(
            found,
            "{shell} is missing: run `bash tests/e2e/setup.sh` first"
        );
        let out = run(repo.command(shell, &repo.path).args(["-c", script]));
        assert_success_ctx(&out, shell);
        stdout(&out)
            .lines()
            .map(|l| l.split('\t').next().unwrap().to_string())
            .collect()
    };
    let fish_script = repo.path.join("../git-spec.fish");
    std::fs::write(&fish_script, repo.spec_ok(&["completions", "fish"]).stdout).unwrap();
    let fish = |line: &str| {
        shell_output(
            "fish",
            &format!("source '{}'; complete -C '{line}'", fish_script.display()),
        )
    };
    assert_eq!(
        fish("git-spec status 1 "),
        ["approved", "review", "withdrawn"]
    );
    assert_eq!(fish("git-spec show SPEC-"), ["SPEC-0001"]);
    assert_eq!(fish("git-spec check --against f"), ["feature"]);

    let zsh_script = repo.path.join("../_git-spec");
    std::fs::write(&zsh_script, repo.spec_ok(&["completions", "zsh"]).stdout).unwrap();
    let zsh = |call: &str| {
        shell_output(
            "zsh",
            &format!(
                "source '{}' 2>/dev/null; compadd() {{ print -l -- ${{(P)2}} }}; {call}",
                zsh_script.display()
            ),
        )
    };
    assert_eq!(
        zsh("line=(1); _git_spec_next"),
        ["review", "approved", "withdrawn"]
    );
    assert_eq!(zsh("_git_spec_ids"), ["SPEC-0001", "1"]);
    assert_eq!(zsh("_git_spec_refs"), ["feature", "main"]);
    // The value actions are wired where a command takes them.
    let script = std::fs::read_to_string(&zsh_script).unwrap();
    assert_contains(
        &script,
        "':id -- The spec\\: 42, 0042 or SPEC-0042:_git_spec_ids'",
    );
    assert_contains(&script, "the allowed next ones:_git_spec_next'");
    assert_contains(&script, "]:REF:_git_spec_refs'");
}

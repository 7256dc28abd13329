//! Output from a hostile repository: terminal control characters and
//! Unicode bidi overrides in spec titles, statuses, owners, tags,
//! changelog entries, file names, `.specrc` values and commit authors are
//! shown as visible escapes (`\x1b`, `\u{202e}`) in human-readable output,
//! and kept exactly in JSON.

use std::process::Output;

use crate::common::*;

/// Retitles the terminal (OSC 0 ... BEL), clears it (CSI 2 J), reverses
/// what follows (U+202E) and starts a C1 CSI (U+009B).
const TITLE: &str = "\x1b]0;pwned\x07Title\x1b[2J \u{202e}desrever\u{9b}2J end";
/// [`TITLE`] as it must be shown.
const TITLE_SHOWN: &str = "\\x1b]0;pwned\\x07Title\\x1b[2J \\u{202e}desrever\\x9b2J end";

const OWNER_H: &str = "Eve \x1b[31mRed\u{202e}";
const OWNER_SHOWN: &str = "Eve \\x1b[31mRed\\u{202e}";
const TAG_A: &str = "a\x1b[1mb";
const TAG_B: &str = "c\u{202e}d";

/// A status of the workflow `.specrc` sets up, with a screen clear in it.
const REVIEW: &str = "re\x1b[2Jview";
const REVIEW_SHOWN: &str = "re\\x1b[2Jview";

/// SPEC-0002's status, which the workflow does not know.
const BAD: &str = "bad\x1b[5mstatus";
const BAD_SHOWN: &str = "bad\\x1b[5mstatus";

/// A changelog line of SPEC-0001 (raw in the Markdown body).
const NOTE: &str = "- 2026-01-02: Note \x1b[2J\x07 cleared";
const NOTE_SHOWN: &str = "Note \\x1b[2J\\x07 cleared";

const SPEC1: &str = "specs/0001-hostile.md";
/// SPEC-0002's file name holds a screen clear.
const SPEC2: &str = "specs/0002-\x1b[2Jodd.md";
const SPEC2_SHOWN: &str = "specs/0002-\\x1b[2Jodd.md";

const INDEX_SHOWN: &str = "specs/\\x1b]0;idx\\x07README.md";

/// An author name that retitles the terminal.
const AUTHOR: &str = "Mal\x1b]0;owned\x07ory";
const AUTHOR_SHOWN: &str = "Mal\\x1b]0;owned\\x07ory";

/// `value` as a YAML double-quoted scalar, controls and bidi characters
/// written as YAML escapes.
fn yaml(value: &str) -> String {
    let mut out = String::from("\"");
    for c in value.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push_str(&format!("\\x{:02X}", c as u32)),
            '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => {
                out.push_str(&format!("\\u{:04X}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `value` as a TOML basic string.
fn toml(value: &str) -> String {
    let mut out = String::from("\"");
    for c in value.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn spec_doc(
    id: u32,
    title: &str,
    status: &str,
    owner: &str,
    tags: &[&str],
    log: &[&str],
) -> String {
    let tags: Vec<String> = tags.iter().map(|t| yaml(t)).collect();
    let mut text = format!(
        "---\nspec-id: SPEC-{id:04}\ntitle: {}\nstatus: {}\npriority: medium\nowner: {}\n\
         created: 2026-01-01\nupdated: 2026-01-01\ntags: [{}]\n---\n\n# Spec {id}\n\n\
         ## Changelog\n\n- 2026-01-01: Initial draft created\n",
        yaml(title),
        yaml(status),
        yaml(owner),
        tags.join(", "),
    );
    for line in log {
        text.push_str(line);
        text.push('\n');
    }
    text
}

/// The hostile repository, all committed on `main`: a workflow with
/// [`REVIEW`], an index file name with OSC in it, SPEC-0001 with [`TITLE`],
/// [`OWNER_H`], two hostile tags and [`NOTE`], SPEC-0002 in [`BAD`] with a
/// file name that clears the screen.
fn hostile() -> TestRepo {
    let repo = TestRepo::with_commit();
    repo.write(
        ".specrc",
        &format!(
            "[index]\nfile = {}\n\n[workflow]\ninitial = \"draft\"\nstatuses = [\"draft\", {review}, \"done\"]\n\n\
             [workflow.transitions]\ndraft = [{review}]\n{review} = [\"done\", \"draft\"]\n",
            toml("specs/\x1b]0;idx\x07README.md"),
            review = toml(REVIEW),
        ),
    );
    repo.write(
        SPEC1,
        &spec_doc(1, TITLE, "draft", OWNER_H, &[TAG_A, TAG_B], &[NOTE]),
    );
    repo.write(SPEC2, &spec_doc(2, "Odd", BAD, "Bob", &[], &[]));
    repo.commit_all("Hostile specs");
    repo
}

/// Asserts that neither stdout nor stderr holds ESC, BEL, the C1 CSI or a
/// bidi override.
#[track_caller]
fn assert_no_controls(out: &Output) {
    for (name, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        let text = String::from_utf8(bytes.clone())
            .unwrap_or_else(|e| panic!("{name} is not UTF-8 ({e}): {bytes:?}"));
        assert!(!bytes.contains(&0x1b), "ESC in {name}: {text:?}");
        assert!(!bytes.contains(&0x07), "BEL in {name}: {text:?}");
        assert!(!text.contains('\u{9b}'), "U+009B in {name}: {text:?}");
        assert!(!text.contains('\u{202e}'), "U+202E in {name}: {text:?}");
    }
}

/// `git spec ARGS`, asserting success and clean output; stdout.
#[track_caller]
fn spec_clean(repo: &TestRepo, args: &[&str]) -> (String, String) {
    let out = repo.spec(args);
    assert_success_ctx(&out, &format!("git spec {args:?}"));
    assert_no_controls(&out);
    (stdout(&out), stderr(&out))
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}):\n{text}"))
}

// ---------------------------------------------------------------------------
// Human-readable output.
// ---------------------------------------------------------------------------

#[test]
fn show_shows_the_controls_of_every_value() {
    let repo = hostile();
    let (out, _) = spec_clean(&repo, &["show", "1"]);
    assert_contains(&out, &format!("\nTitle:    {TITLE_SHOWN}\n"));
    assert_contains(&out, &format!("\nOwner:    {OWNER_SHOWN}\n"));
    assert_contains(&out, "\nTags:     a\\x1b[1mb, c\\u{202e}d\n");
    assert_contains(&out, &format!("\nStatus:   draft (next: {REVIEW_SHOWN})\n"));
    assert_contains(&out, &format!("  - 2026-01-02: {NOTE_SHOWN}\n"));

    let (out, _) = spec_clean(&repo, &["show", "2"]);
    assert_contains(
        &out,
        &format!(
            "\nStatus:   {BAD_SHOWN} (not a status of the workflow: draft, {REVIEW_SHOWN}, done)\n"
        ),
    );
    assert_contains(&out, &format!("\nPath:     {SPEC2_SHOWN}\n"));
}

#[test]
fn status_shows_the_controls_of_the_current_and_next_statuses() {
    let repo = hostile();
    let (out, _) = spec_clean(&repo, &["status", "1"]);
    assert_eq!(out, format!("SPEC-0001: draft\nnext: {REVIEW_SHOWN}\n"));
    let (out, _) = spec_clean(&repo, &["status", "2"]);
    assert_eq!(
        out,
        format!(
            "SPEC-0002: {BAD_SHOWN} (not a status of the workflow: draft, {REVIEW_SHOWN}, done)\n"
        )
    );
}

#[test]
fn a_move_shows_the_controls_of_the_new_status() {
    let repo = hostile();
    let (out, _) = spec_clean(&repo, &["status", "1", REVIEW]);
    assert_eq!(out, format!("SPEC-0001: draft -> {REVIEW_SHOWN}\n"));
    // The file has the exact value.
    assert_contains(&repo.read(SPEC1), &format!("status: {}\n", yaml(REVIEW)));
}

#[test]
fn a_forced_move_shows_the_controls_of_the_old_status() {
    let repo = hostile();
    let (out, _) = spec_clean(&repo, &["status", "2", "done", "--force"]);
    assert_eq!(out, format!("SPEC-0002: {BAD_SHOWN} -> done (forced)\n"));
}

#[test]
fn dry_run_diff_shows_the_controls_and_keeps_the_file() {
    let repo = hostile();
    let before = repo.read(SPEC1);
    let (out, _) = spec_clean(&repo, &["status", "1", REVIEW, "--dry-run"]);
    // The changelog lines are raw in the file, so in the diff.
    assert_contains(&out, &format!("\n - 2026-01-02: {NOTE_SHOWN}\n"));
    assert_contains(
        &out,
        &format!("\n+- {SPEC_DATE}: Status changed from draft to {REVIEW_SHOWN} by {USER_NAME}\n"),
    );
    assert_eq!(repo.read(SPEC1), before);
}

#[test]
fn errors_show_the_controls_of_the_values_they_quote() {
    let repo = hostile();
    let out = repo.spec(&["status", "1", "bad\x1bstatus"]);
    let err = assert_failure(&out);
    assert_no_controls(&out);
    assert_contains(&err, "error: unknown status");
    assert_contains(
        &err,
        &format!("the statuses are draft, {REVIEW_SHOWN}, done"),
    );

    // A spec that cannot be parsed: the error names its file.
    repo.write(
        "specs/0003-\x1b]0;x\x07.md",
        "---\nspec-id: SPEC-0003\ntitle: [unclosed\n---\n",
    );
    let out = repo.spec(&["show", "3"]);
    let err = assert_failure(&out);
    assert_no_controls(&out);
    assert_contains(&err, "error: ");
    assert_contains(&err, "specs/0003-\\x1b]0;x\\x07.md");
}

#[test]
fn log_shows_the_controls_of_authors_and_statuses() {
    let repo = hostile();
    spec_clean(&repo, &["status", "1", REVIEW]);
    repo.git(&["add", "-A"]);
    let out = run(repo
        .git_cmd(&["commit", "-q", "-m", "Review"])
        .env("GIT_AUTHOR_NAME", AUTHOR)
        .env("GIT_AUTHOR_EMAIL", "mallory@example.com"));
    assert_success(&out);

    let (out, _) = spec_clean(&repo, &["log", "1"]);
    assert_contains(&out, AUTHOR_SHOWN);
    assert_contains(&out, REVIEW_SHOWN);

    let out = repo.spec(&["log", "1", "--json"]);
    assert_success(&out);
    let changes = json(&stdout(&out));
    let last = changes.as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["author"], AUTHOR);
    assert_eq!(last["to"], REVIEW);
}

#[test]
fn list_table_shows_the_controls_of_every_cell() {
    let repo = hostile();
    let (out, _) = spec_clean(&repo, &["list"]);
    let row = out.lines().nth(1).unwrap();
    assert!(row.starts_with("SPEC-0001  draft"), "{out}");
    assert_contains(row, OWNER_SHOWN);
    assert!(row.ends_with(TITLE_SHOWN), "{out}");
    assert_contains(&out, &format!("SPEC-0002  {BAD_SHOWN}"));
}

#[test]
fn check_shows_the_controls_of_paths_and_values() {
    let repo = hostile();
    let out = repo.spec(&["check"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_no_controls(&out);
    let text = stdout(&out);
    assert_contains(&text, &format!("{SPEC2_SHOWN}:4: unknown-status: "));
    assert_contains(&text, &format!("draft, {REVIEW_SHOWN}, done"));

    // JSON keeps the exact path.
    let out = repo.spec(&["check", "--format", "json"]);
    let findings = json(&stdout(&out));
    let paths: Vec<&str> = findings
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert!(paths.contains(&SPEC2), "{paths:?}");
}

#[test]
fn index_messages_show_the_controls_of_the_file_name() {
    let repo = hostile();
    let (out, _) = spec_clean(&repo, &["index"]);
    assert_eq!(out, format!("{INDEX_SHOWN}: created (2 specs)\n"));
    let (out, _) = spec_clean(&repo, &["index"]);
    assert_eq!(out, format!("{INDEX_SHOWN}: unchanged (2 specs)\n"));

    repo.write(
        SPEC2,
        &repo.read(SPEC2).replace("title: \"Odd\"", "title: Odder"),
    );
    let out = repo.spec(&["index", "--check"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_no_controls(&out);
    assert_contains(&stderr(&out), &format!("{INDEX_SHOWN} is out of date"));
}

#[test]
fn the_hook_message_shows_the_controls_of_the_recorded_entry() {
    let repo = hostile();
    assert_success(&repo.spec(&["hook", "install"]));
    // A hand edit leaving the unknown status: the hook's refusal names it,
    // with its controls shown.
    repo.write(SPEC2, &repo.read(SPEC2).replace(&yaml(BAD), "draft"));
    let refused = repo.git_try(&["commit", "-q", "-a", "-m", "Repair"]);
    assert_eq!(refused.status.code(), Some(1), "{}", stderr(&refused));
    assert_no_controls(&refused);
    assert_contains(&stderr(&refused), BAD_SHOWN);
    // Without enforcement that is a move like any other, which the hook
    // records.
    repo.write(
        ".specrc",
        &repo.read(".specrc").replace(
            "[workflow]\ninitial",
            "[workflow]\nenforce = false\ninitial",
        ),
    );
    let out = repo.git_try(&["commit", "-q", "-a", "-m", "Repair"]);
    assert_success(&out);
    assert_no_controls(&out);
    let err = stderr(&out);
    assert_contains(&err, &format!("git-spec: {SPEC2_SHOWN}: recorded \""));
    assert_contains(
        &err,
        &format!("Status changed from {BAD_SHOWN} to draft by {USER_NAME}"),
    );
    // The file records the exact value.
    assert_contains(&repo.read(SPEC2), &format!("from {BAD} to draft"));
}

// ---------------------------------------------------------------------------
// Machine output keeps the exact data.
// ---------------------------------------------------------------------------

#[test]
fn json_keeps_the_exact_values() {
    let repo = hostile();
    let out = repo.spec(&["show", "1", "--json"]);
    assert_success(&out);
    let shown = json(&stdout(&out));
    assert_eq!(shown["title"], TITLE);
    assert_eq!(shown["owner"], OWNER_H);
    assert_eq!(shown["tags"], serde_json::json!([TAG_A, TAG_B]));
    assert_eq!(shown["next"], serde_json::json!([REVIEW]));
    let changelog = shown["changelog"].as_array().unwrap();
    assert_eq!(changelog.last().unwrap(), NOTE.strip_prefix("- ").unwrap());

    let out = repo.spec(&["list", "--format", "json"]);
    assert_success(&out);
    let records = json(&stdout(&out));
    let records = records.as_array().unwrap();
    assert_eq!(records[0]["title"], TITLE);
    assert_eq!(records[0]["owner"], OWNER_H);
    assert_eq!(records[1]["status"], BAD);
    assert_eq!(records[1]["path"], SPEC2);

    let out = repo.spec(&["status", "2", "--json"]);
    assert_success(&out);
    assert_eq!(json(&stdout(&out))["status"], BAD);
}

#[test]
fn csv_keeps_the_exact_values() {
    let repo = hostile();
    let out = repo.spec(&["list", "--format", "csv"]);
    assert_success(&out);
    assert_contains(&stdout(&out), TITLE);
    assert_contains(&stdout(&out), BAD);
}

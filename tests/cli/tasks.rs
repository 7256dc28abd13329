//! Task progress (checklist items of a spec's body) as `list`, `list
//! --format json` and `show` print it, through the real binary.

use crate::common::*;

/// A spec whose body is `body`, written as SPEC-`number`.
fn spec_with_body(repo: &TestRepo, number: u64, body: &str) {
    let fx = SpecFx::new(number, "Tasks");
    let text = fx
        .text()
        .replacen("\n## Changelog\n", &format!("\n{body}\n## Changelog\n"), 1);
    repo.write(format!("specs/{number:04}-tasks.md"), &text);
}

fn tasks_json(repo: &TestRepo, id: &str) -> serde_json::Value {
    let out = repo.spec(&["show", id, "--json"]);
    assert_success(&out);
    let value: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    value["tasks"].clone()
}

#[test]
fn the_seed_template_as_shipped_has_nothing_done() {
    let repo = TestRepo::with_commit();
    repo.new_spec(&["--no-branch", "From the template"]);
    assert_eq!(
        tasks_json(&repo, "1"),
        serde_json::json!({"done": 0, "total": 35, "remaining_hours": 31})
    );
    // The same through the copy `init` writes to templates/spec.md.
    let repo = TestRepo::with_commit();
    assert_success(&repo.spec(&["init"]));
    repo.new_spec(&["--no-branch", "From the team template"]);
    assert_eq!(
        tasks_json(&repo, "1"),
        serde_json::json!({"done": 0, "total": 35, "remaining_hours": 31})
    );
}

#[test]
fn checking_items_of_the_template_moves_the_count_and_the_hours() {
    let repo = TestRepo::with_commit();
    let (path, text) = repo.new_spec(&["--no-branch", "Half done"]);
    let text = text
        .replacen("1. [ ] **Setup", "1. [x] **Setup", 1)
        .replacen("- 1.1 [ ] Create", "- 1.1 [X] Create", 1)
        .replacen("3. [ ] **Frontend", "3. [x] **Frontend", 1)
        .replacen("- [ ] All functional", "- [x] All functional", 1);
    repo.write(&path, &text);
    assert_eq!(
        tasks_json(&repo, "1"),
        // 2 + 10 hours done of 31.
        serde_json::json!({"done": 4, "total": 35, "remaining_hours": 19})
    );
    let out = repo.spec(&["show", "1"]);
    assert_contains(
        &stdout(&out),
        "\nTasks:    4/35 done, 19 h estimated left\n",
    );
}

#[test]
fn nested_items_in_every_list_style_count() {
    let repo = TestRepo::with_commit();
    spec_with_body(
        &repo,
        1,
        "\
- [x] top (estimate: 1 hour)
  - [ ] nested dash (estimate: 2 hours)
    * [X] deeper star
      + [ ] deepest plus (estimate: 0.5 hours)
1. [ ] ordered
   1) [x] ordered paren
      - 1.1 [ ] sub-numbered (estimate: 4 hours)
> - [ ] in a quote
",
    );
    assert_eq!(
        tasks_json(&repo, "1"),
        serde_json::json!({"done": 3, "total": 8, "remaining_hours": 6.5})
    );
}

#[test]
fn boxes_in_code_blocks_do_not_count() {
    let repo = TestRepo::with_commit();
    spec_with_body(
        &repo,
        1,
        "\
```markdown
- [x] fenced (estimate: 9 hours)
- [ ] fenced
```

~~~
1. [x] tilde fenced
~~~

    - [x] indented code block
    - [ ] indented code block

- [ ] the only task (estimate: 2 hours)

Text with [x] and [ ] in a paragraph, and `- [x]` in code.
",
    );
    assert_eq!(
        tasks_json(&repo, "1"),
        serde_json::json!({"done": 0, "total": 1, "remaining_hours": 2})
    );
}

#[test]
fn crlf_files_count_the_same() {
    let repo = TestRepo::with_commit();
    let body = "- [x] one\n  - [ ] two (estimate: 3 hours)\n\n```\n- [x] code\n```\n";
    spec_with_body(&repo, 1, body);
    let lf = tasks_json(&repo, "1");
    let crlf = repo.read("specs/0001-tasks.md").replace('\n', "\r\n");
    repo.write("specs/0001-tasks.md", &crlf);
    assert_eq!(tasks_json(&repo, "1"), lf);
    assert_eq!(
        lf,
        serde_json::json!({"done": 1, "total": 2, "remaining_hours": 3})
    );
}

#[test]
fn list_has_a_tasks_column_and_json_key() {
    let repo = TestRepo::with_commit();
    spec_with_body(&repo, 1, "- [x] a\n- [x] b\n- [ ] c\n");
    spec_with_body(&repo, 2, "No tasks at all.\n");
    let out = repo.spec(&["list", "--color", "never"]);
    assert_success(&out);
    let table = stdout(&out);
    let header = table.lines().next().unwrap();
    assert!(header.contains("  TASKS  TITLE"), "{table}");
    let column = header.find("TASKS").unwrap();
    let cells: Vec<&str> = table
        .lines()
        .skip(1)
        .map(|line| line[column..].split_whitespace().next().unwrap())
        .collect();
    assert_eq!(cells, ["2/3", "-"], "{table}");

    let out = repo.spec(&["list", "--format", "json"]);
    let items: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(
        items[0]["tasks"],
        serde_json::json!({"done": 2, "total": 3, "remaining_hours": 0})
    );
    assert_eq!(
        items[1]["tasks"],
        serde_json::json!({"done": 0, "total": 0, "remaining_hours": 0})
    );
}

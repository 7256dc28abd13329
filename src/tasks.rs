//! Task progress of a spec: its checklist items, checked or not, and the
//! hours still estimated for the unchecked ones.
//!
//! A task is a list item (any marker: `-`, `*`, `+`, `1.`, `1)`; at any
//! depth) whose text starts with `[ ]`, `[x]` or `[X]`, optionally after a
//! sub-number such as `1.1`: the seed template writes both
//! `1. [ ] **Setup** (estimate: 2 hours)` and `- 1.1 [ ] Create project
//! structure`, and the second is not a GFM task list item, so
//! pulldown-cmark's own task-list events would miss it. pulldown-cmark
//! still decides what is a list item: a `[x]` in a fenced or indented code
//! block, an HTML block or a paragraph is not one.
//!
//! `list` computes this for every spec, and parsing 10,000 bodies with
//! pulldown-cmark cost more than the rest of `list` together. So a body
//! without any box is not looked at, and a body in the shapes specs
//! usually have (no line indented 4 or more, no tab, no HTML or quote,
//! code only in fences at the margin) is read line by line by
//! [`scan_simple`], which a property test holds to the same answer as the
//! parser; any other body goes to pulldown-cmark.

use std::sync::OnceLock;

use pulldown_cmark::{Event, Options, Parser, Tag};
use regex::Regex;
use serde::{Serialize, Serializer};

/// What `list`, `show` and the board print: `done/total`, and the hours
/// still estimated.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct TaskProgress {
    /// Items checked `[x]` or `[X]`.
    pub done: usize,
    /// All items, checked or not.
    pub total: usize,
    /// Sum of the `(estimate: N hours)` of the unchecked items; a whole
    /// number is written without a fraction (`31`, not `31.0`).
    #[serde(serialize_with = "hours")]
    pub remaining_hours: f64,
}

impl TaskProgress {
    /// The progress of a spec body (the Markdown after the front matter)
    /// on its own; the commands have its parsed lines ([`Self::of_lines`]).
    #[cfg(test)]
    pub fn of(body: &str) -> TaskProgress {
        let lines = body.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
        TaskProgress::of_lines(body, lines)
    }

    /// The progress of a spec body (the Markdown after the front matter),
    /// given its lines too (without their line ends), as a parsed document
    /// has them: `list` then looks for each spec's line ends once.
    pub fn of_lines<'a>(body: &str, lines: impl Iterator<Item = &'a str>) -> TaskProgress {
        if !has_checkbox(body) {
            return TaskProgress::default();
        }
        scan_simple(lines).unwrap_or_else(|| TaskProgress::parsed(body))
    }

    /// The progress as pulldown-cmark's list items say: exact for any body.
    fn parsed(body: &str) -> TaskProgress {
        let mut progress = TaskProgress::default();
        for (event, range) in Parser::new_ext(body, Options::empty()).into_offset_iter() {
            if let Event::Start(Tag::Item) = event {
                if let Some(task) = task_of_item(&body[range]) {
                    progress.add(task);
                }
            }
        }
        progress
    }

    fn add(&mut self, (checked, hours): (bool, Option<f64>)) {
        self.total += 1;
        if checked {
            self.done += 1;
        } else {
            self.remaining_hours += hours.unwrap_or(0.0);
        }
    }

    /// `3/24`, the form of the TASKS column; `-` for a spec without tasks.
    pub fn fraction(&self) -> String {
        if self.total == 0 {
            "-".to_string()
        } else {
            format!("{}/{}", self.done, self.total)
        }
    }

    /// `31 h` (or `1.5 h`), for text output.
    pub fn hours_text(&self) -> String {
        format!("{} h", format_hours(self.remaining_hours))
    }
}

/// Hours as people write them: `31`, `1.5`.
pub fn format_hours(hours: f64) -> String {
    if hours.fract() == 0.0 {
        format!("{hours:.0}")
    } else {
        let text = format!("{hours:.2}");
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

fn hours<S: Serializer>(hours: &f64, serializer: S) -> Result<S::Ok, S::Error> {
    if hours.fract() == 0.0 && *hours >= 0.0 && *hours < u64::MAX as f64 {
        serializer.serialize_u64(*hours as u64)
    } else {
        serializer.serialize_f64(*hours)
    }
}

/// Whether the text holds `[ ]`, `[x]` or `[X]` anywhere: the cheap test
/// before parsing.
fn has_checkbox(text: &str) -> bool {
    // Searching for one byte is what memchr does fastest.
    let bytes = text.as_bytes();
    text.match_indices(']').any(|(at, _)| {
        at >= 2 && bytes[at - 2] == b'[' && matches!(bytes[at - 1], b' ' | b'x' | b'X')
    })
}

/// The progress of a body read line by line, or None when the body has
/// a shape where telling list items from other text needs the parser:
/// a line indented 4 or more or holding a tab (code, or a list nested
/// past the margin), a line starting with `<` or `>` (HTML, a quote), a
/// fence not at the margin, or an ordered item not numbered 1 right after
/// text (CommonMark reads that as the text going on). Everything inside a
/// fence opened at the margin is code; with every other line indented 3 or
/// less, a line that starts like a task is a list item.
fn scan_simple<'a>(lines: impl Iterator<Item = &'a str>) -> Option<TaskProgress> {
    let mut progress = TaskProgress::default();
    // The open fence: its character and length.
    let mut fence: Option<(u8, usize)> = None;
    let mut before = Before::Break;
    for line in lines {
        let text = line.trim_start_matches(' ');
        let indent = line.len() - text.len();
        if let Some((mark, open)) = fence {
            let run = text.bytes().take_while(|&b| b == mark).count();
            if indent <= 3 && run >= open && text[run..].trim().is_empty() {
                fence = None;
                before = Before::Break;
            }
            continue;
        }
        if text.trim().is_empty() {
            before = Before::Break;
            continue;
        }
        if indent >= 4 || line.contains('\t') || text.starts_with(['<', '>']) {
            return None;
        }
        if let Some(mark) = text.bytes().next().filter(|b| matches!(b, b'`' | b'~')) {
            let run = text.bytes().take_while(|&b| b == mark).count();
            if run >= 3 {
                // A fence inside a list item ends with the item: the
                // parser's business. So is a backtick in a ``` info string.
                if indent > 0 || (mark == b'`' && text[run..].contains('`')) {
                    return None;
                }
                fence = Some((mark, run));
                continue;
            }
        }
        let Some(marker) = list_marker_len(text) else {
            before = Before::Text;
            continue;
        };
        // An item whose text opens a fence, a quote, HTML or another list
        // holds what follows in it: the parser's business.
        let after = &text[marker..];
        let content = after.trim_start_matches(' ');
        if content.starts_with("```")
            || content.starts_with("~~~")
            || content.starts_with(['<', '>'])
            || list_marker_len(content).is_some()
        {
            return None;
        }
        // An empty item, or an ordered one not numbered 1, cannot interrupt
        // a paragraph: right after text it is more of the text. Right after
        // an item at the margin, a line not indented into that item starts
        // a new item; anything else is the parser's business.
        let restricted = content.is_empty() || ordered_start(text).is_some_and(|n| n != 1);
        let free = match before {
            Before::Break => true,
            Before::Item { margin, content } => margin && indent < content,
            Before::Text => false,
        };
        if restricted && !free {
            return None;
        }
        let spaces = after.len() - content.len();
        before = Before::Item {
            margin: indent == 0,
            content: indent
                + marker
                + if content.is_empty() || spaces > 4 {
                    1
                } else {
                    spaces
                },
        };
        if let Some(task) = task_of_item(text) {
            progress.add(task);
        }
    }
    Some(progress)
}

/// What the line before was, for [`scan_simple`].
#[derive(Clone, Copy)]
enum Before {
    /// A blank line, the end of a fence, or the start of the body.
    Break,
    /// Text: a paragraph (or its continuation), a heading, a rule.
    Text,
    /// A list item: whether its marker is at the margin, and the indent of
    /// its content.
    Item { margin: bool, content: usize },
}

/// The number of an ordered list marker (`12.` or `12)`) at the start.
fn ordered_start(text: &str) -> Option<u64> {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    if (1..=9).contains(&digits) && matches!(text.as_bytes().get(digits), Some(b'.' | b')')) {
        text[..digits].parse().ok()
    } else {
        None
    }
}

/// The length of a list marker at the start, with the space after it (or
/// the end of the line).
fn list_marker_len(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let marker = match bytes.first()? {
        b'-' | b'*' | b'+' => 1,
        _ => {
            ordered_start(text)?;
            bytes.iter().take_while(|b| b.is_ascii_digit()).count() + 1
        }
    };
    match bytes.get(marker) {
        None | Some(b' ') => Some(marker),
        _ => None,
    }
}

/// For a list item's source (its marker, maybe after some indentation): whether it is a task,
/// checked or not, and the estimate on its first line.
fn task_of_item(item: &str) -> Option<(bool, Option<f64>)> {
    static START: OnceLock<Regex> = OnceLock::new();
    static ESTIMATE: OnceLock<Regex> = OnceLock::new();
    // The marker, one to four spaces (five make the item's text a code
    // block), an optional sub-number (`1.1`, `2.`), then the box and a
    // space or the end of the line.
    let start = START.get_or_init(|| {
        Regex::new(r"^(?:[-*+]|[0-9]{1,9}[.)]) {1,4}(?:[0-9]+(?:\.[0-9]+)*\.?[ \t]+)?\[([ xX])\](?:[ \t]|\r?$)")
            .expect("valid regex")
    });
    let estimate = ESTIMATE.get_or_init(|| {
        Regex::new(r"(?i)\(\s*estimate:\s*([0-9]+(?:\.[0-9]+)?)\s*(?:h|hrs?|hours?)\s*\)")
            .expect("valid regex")
    });
    // A nested item's range may start with part of its indentation.
    let item = item.trim_start_matches([' ', '\t']);
    let first_line = item.split('\n').next().unwrap_or(item);
    // Most items are not tasks: without a box on the line, no regex runs.
    if !has_checkbox(first_line) {
        return None;
    }
    // `find` rather than `captures`: no allocation for each of the
    // thousands of items `list` reads. The box is the last `]` matched.
    let matched = start.find(first_line)?.as_str();
    let close = matched.rfind(']')?;
    let checked = matched.as_bytes()[close - 1] != b' ';
    // Only an unchecked item's estimate counts, and most lines have none.
    let hours = (!checked && first_line.to_ascii_lowercase().contains("estimate"))
        .then(|| estimate.captures(first_line))
        .flatten()
        .and_then(|c| c[1].parse::<f64>().ok());
    Some((checked, hours))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(text: &str) -> (usize, usize, f64) {
        let p = TaskProgress::of(text);
        (p.done, p.total, p.remaining_hours)
    }

    #[test]
    fn every_list_style_and_sub_numbers() {
        let text = "\
- [ ] a
* [x] b
+ [X] c
1. [ ] d (estimate: 2 hours)
2) [x] e (estimate: 5 hours)
   - 2.1 [ ] f (estimate: 1.5 h)
   - 2.2 [x] g
";
        assert_eq!(of(text), (4, 7, 3.5));
    }

    #[test]
    fn code_blocks_and_paragraphs_do_not_count() {
        let text = "\
Some [x] in a paragraph.

```
- [x] fenced
```

    - [x] indented code

~~~md
1. [ ] tilde fence
~~~

- [ ] real
";
        assert_eq!(of(text), (0, 1, 0.0));
    }

    #[test]
    fn nested_lists_and_crlf() {
        let text = "- [ ] top (estimate: 3 hours)\r\n    - [x] nested\r\n        - [ ] deeper (estimate: 1 hour)\r\n";
        assert_eq!(of(text), (1, 3, 4.0));
    }

    #[test]
    fn a_box_needs_a_space_after_it() {
        assert_eq!(of("- [x]done\n- [ ]\n- [y] no\n- [] no\n"), (0, 1, 0.0));
    }

    #[test]
    fn the_seed_template_has_nothing_done() {
        let template = include_str!("../templates/spec.md");
        let progress = TaskProgress::of(template);
        assert_eq!((progress.done, progress.total), (0, 35));
        assert_eq!(progress.remaining_hours, 31.0);
    }

    fn line_list(text: &str) -> impl Iterator<Item = &str> {
        text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l))
    }

    #[test]
    fn a_documents_lines_give_the_same_progress() {
        let body =
            "# T\r\n\r\n- [x] a\r\n  - [ ] b (estimate: 2 hours)\r\n```\r\n- [x] c\r\n```\r\n";
        let text = format!("---\r\ntitle: T\r\n---\r\n{body}");
        let document = crate::document::Document::parse(
            std::path::Path::new("specs/0001-t.md"),
            text.as_bytes(),
        )
        .unwrap();
        assert_eq!(document.body(), body);
        let progress = TaskProgress::of_lines(document.body(), document.body_lines());
        assert_eq!(progress, TaskProgress::of(body));
        assert_eq!(
            (progress.done, progress.total, progress.remaining_hours),
            (1, 2, 2.0)
        );
    }

    #[test]
    fn the_template_and_plain_checklists_take_the_fast_path() {
        let template = include_str!("../templates/spec.md");
        assert_eq!(
            scan_simple(line_list(template)),
            Some(TaskProgress::parsed(template))
        );
        let plain = "## Success Criteria\n\n- [ ] one\n- [x] two\n";
        assert!(scan_simple(line_list(plain)).is_some());
        // Shapes that need the parser.
        for text in [
            "- [ ] a\n    - [x] nested four deep\n",
            "  ```\n- [x] b\n  ```\n",
            "> - [ ] quoted\n",
            "text\n2. [ ] goes on the text\n",
        ] {
            assert_eq!(scan_simple(line_list(text)), None, "{text:?}");
        }
    }

    /// Lines the line scanner reads itself.
    const SIMPLE_LINES: &[&str] = &[
        "",
        "text",
        "# Heading",
        "---",
        "```",
        "```rust",
        "~~~",
        "````",
        "``` a`b",
        "- [ ] a (estimate: 2 hours)",
        "- [x] b",
        "* [X] c",
        "+ [ ] d",
        "1. [ ] e (estimate: 1.5 h)",
        "2. [x] f",
        "1) [ ] g",
        "10. [ ] h",
        "   - 1.1 [ ] i (estimate: 3 hours)",
        "  - [x] j",
        "   1. [ ] k",
        "-     [ ] n",
        "- [y] q",
        "-[ ] r",
        "- ```",
        "1.",
        "-",
        "[ ] s",
        "2. text",
        "***",
        "===",
        "  continued",
        "- [ ]",
        "3) [X] t",
        "0. [ ] u",
        "01. [x] v",
        "- ~~~",
    ];
    /// Lines that may send a body to the parser.
    const OTHER_LINES: &[&str] = &[
        "    - [ ] l",
        "    code [x]",
        "      - [x] m",
        "> - [ ] o",
        "<div>",
        "</div>",
        "\t- [ ] p",
        "   ```",
        "  ~~~",
        " ```",
        "- - [ ] w",
        "- > x",
        "- <b>",
        "1. ```",
    ];

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3000))]
        /// Wherever the line scanner answers, it answers as the parser.
        #[test]
        fn the_fast_path_agrees_with_the_parser(
            lines in proptest::collection::vec(
                proptest::prop_oneof![
                    12 => proptest::sample::select(SIMPLE_LINES),
                    1 => proptest::sample::select(OTHER_LINES),
                ],
                0..20,
            ),
            crlf in proptest::bool::ANY,
        ) {
            let body = lines.join(if crlf { "\r\n" } else { "\n" });
            if let Some(fast) = scan_simple(line_list(&body)) {
                proptest::prop_assert_eq!(fast, TaskProgress::parsed(&body), "{:?}", body);
            }
        }
    }

    #[test]
    fn json_hours_are_whole_when_they_can_be() {
        let whole = TaskProgress {
            done: 1,
            total: 2,
            remaining_hours: 31.0,
        };
        assert_eq!(
            serde_json::to_string(&whole).unwrap(),
            r#"{"done":1,"total":2,"remaining_hours":31}"#
        );
        assert_eq!(format_hours(1.5), "1.5");
        assert_eq!(format_hours(0.0), "0");
    }
}

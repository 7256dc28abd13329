//! Property: a status change edits a document surgically. Whatever the
//! document looks like (comments, unknown keys, quoting, line endings, BOM,
//! where and whether the changelog is), the output differs from the input in
//! exactly the `status` value, the `updated` value and one inserted entry
//! line (or an appended `## Changelog` section when there was none).

use std::path::Path;

use git_spec::document::{status_change_entry, Document};
use proptest::prelude::*;
use proptest::sample::{select, subsequence};

const BOM: &str = "\u{feff}";
const DATE: &str = "2026-11-27";

/// Old statuses: each one is also valid written plain.
const OLD_STATUSES: &[&str] = &[
    "draft",
    "review",
    "in-progress",
    "it's",
    "say \"hi\"",
    "on hold",
];
/// New statuses, including some that cannot stay plain.
const NEW_STATUSES: &[&str] = &[
    "approved",
    "in-progress",
    "it's",
    "say \"hi\"",
    "needs: work",
    "#7",
    "back\\slash",
];
const KEYS: &[&str] = &[
    "spec-id",
    "title",
    "priority",
    "owner",
    "created",
    "tags",
    "x-custom",
    "reviewers",
    "status-note",
    "updated-by",
    "links",
    "notes",
];

#[derive(Debug, Clone, Copy, PartialEq)]
enum Style {
    Plain,
    Single,
    Double,
}

fn style() -> impl Strategy<Value = Style> {
    prop_oneof![Just(Style::Plain), Just(Style::Single), Just(Style::Double)]
}

/// How the test expects a value to be written in a style; the new statuses
/// above are chosen so this small model is exact for them.
fn write(value: &str, style: Style) -> String {
    let double = || format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""));
    match style {
        Style::Plain if value.starts_with('#') || value.contains(": ") => double(),
        Style::Plain => value.to_string(),
        Style::Single => format!("'{}'", value.replace('\'', "''")),
        Style::Double => double(),
    }
}

/// A replaceable `key: value # comment` line, split around the value.
#[derive(Debug, Clone)]
struct ValueLine {
    style: Style,
    /// `key:` plus spacing.
    prefix: String,
    /// Trailing blanks and comment.
    suffix: String,
}

fn value_line(key: &'static str) -> impl Strategy<Value = ValueLine> {
    (
        style(),
        select(&[" ", "   "][..]),
        select(&["", "  # set by git spec", " #", "   "][..]),
    )
        .prop_map(move |(style, gap, suffix)| ValueLine {
            style,
            prefix: format!("{key}:{gap}"),
            suffix: suffix.to_string(),
        })
}

/// Lines of an extra front matter key of a random shape.
fn extra_key_lines(key: &str, shape: usize) -> Vec<String> {
    let one = |v: &str| vec![format!("{key}: {v}")];
    match shape {
        0 => one("hello world"),
        1 => one("'it''s # not a comment'"),
        2 => one("\"say \\\"x\\\" # not a comment\""),
        3 => one("[a, 'b c']   # flow list"),
        4 => vec![format!("{key}:"), "  - a".into(), "  - 'b'".into()],
        5 => one("42"),
        6 => one("2026-01-01"),
        7 => vec![
            format!("{key}: |"),
            "  line one".into(),
            "  ---".into(),
            "  status: not a key".into(),
        ],
        8 => vec![
            format!("{key}:"),
            "  status: nested".into(),
            "  b: two".into(),
        ],
        9 => vec![format!("{key}:")],
        10 => one("plain # trailing comment"),
        _ => vec![format!("{key}: first"), "  continued".into()],
    }
}

fn filler_lines(kind: usize) -> Vec<String> {
    let lines: &[&str] = match kind {
        0 => &["Some text about the spec."],
        1 => &["### A subsection"],
        2 => &["```", "## Changelog", "- not an entry", "```"],
        3 => &["## Overview", "", "- an item"],
        4 => &["~~~md", "## x", "~~~"],
        5 => &[""],
        _ => &["# Title"],
    };
    lines.iter().map(|l| l.to_string()).collect()
}

#[derive(Debug, Clone)]
struct Changelog {
    blank_after_heading: bool,
    intro: bool,
    old_status_entry: bool,
    entries: usize,
    fence: bool,
    trailing_text: bool,
    trailing_blanks: usize,
    /// 0: nothing after the section, 1: another `##` section, 2: a `#` one.
    after: usize,
}

fn changelog() -> impl Strategy<Value = Changelog> {
    (
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        0..4usize,
        any::<bool>(),
        any::<bool>(),
        0..3usize,
        0..3usize,
    )
        .prop_map(
            |(
                blank_after_heading,
                intro,
                old_status_entry,
                entries,
                fence,
                trailing_text,
                trailing_blanks,
                after,
            )| {
                Changelog {
                    blank_after_heading,
                    intro,
                    old_status_entry,
                    entries,
                    fence,
                    trailing_text,
                    trailing_blanks,
                    after,
                }
            },
        )
}

#[derive(Debug, Clone)]
struct Case {
    bom: bool,
    /// Line ending per line, before the final newline decision.
    eols: Vec<&'static str>,
    lines: Vec<String>,
    final_newline: bool,
    status_line: usize,
    status: ValueLine,
    old_status: String,
    updated: Option<(usize, ValueLine)>,
    /// The line the entry must follow; `None` when there is no changelog.
    anchor: Option<usize>,
}

prop_compose! {
    fn case()(
        bom in any::<bool>(),
        eol_mode in 0..3usize,
        eol_bits in proptest::collection::vec(any::<bool>(), 128),
        keys in subsequence(KEYS, 0..KEYS.len()).prop_shuffle(),
        shapes in proptest::collection::vec(0..12usize, KEYS.len()),
        comments in proptest::collection::vec((0..16usize, select(&["# a comment", "#", "  # indented", "", "# status: fake"][..])), 0..4),
        status in value_line("status"),
        old_status in select(OLD_STATUSES),
        status_at in 0..16usize,
        updated in proptest::option::of((value_line("updated"), 0..16usize)),
        before in proptest::collection::vec(0..7usize, 0..5),
        changelog in proptest::option::of(changelog()),
        trailing_blanks in 0..3usize,
        final_newline in any::<bool>(),
    ) -> Case {
        let mut items: Vec<Vec<String>> = keys
            .iter()
            .zip(&shapes)
            .map(|(key, &shape)| extra_key_lines(key, shape))
            .collect();
        for (at, comment) in comments {
            items.insert(at % (items.len() + 1), vec![comment.to_string()]);
        }
        // Markers stand in for the value lines until their index is known.
        items.insert(status_at % (items.len() + 1), vec!["\0status".into()]);
        if let Some((_, at)) = &updated {
            items.insert(at % (items.len() + 1), vec!["\0updated".into()]);
        }

        let mut lines = vec!["---".to_string()];
        lines.extend(items.into_iter().flatten());
        lines.push("---".into());
        let status_line = lines.iter().position(|l| l == "\0status").unwrap();
        lines[status_line] = format!("{}{}{}", status.prefix, write(old_status, status.style), status.suffix);
        let updated = updated.map(|(line, _)| {
            let at = lines.iter().position(|l| l == "\0updated").unwrap();
            lines[at] = format!("{}{}{}", line.prefix, write("2026-01-01", line.style), line.suffix);
            (at, line)
        });

        for kind in before {
            lines.extend(filler_lines(kind));
        }
        let anchor = changelog.map(|c| {
            lines.push("## Changelog".into());
            let mut anchor = lines.len() - 1;
            let mut push = |lines: &mut Vec<String>, line: &str| {
                lines.push(line.to_string());
                if !line.trim().is_empty() {
                    anchor = lines.len() - 1;
                }
            };
            if c.blank_after_heading {
                push(&mut lines, "");
            }
            if c.intro {
                push(&mut lines, "Track major changes to this spec:");
                push(&mut lines, "");
            }
            if c.old_status_entry {
                push(&mut lines, "- 2025-12-31: Status changed from draft to review by Old");
            }
            for i in 0..c.entries {
                push(&mut lines, &format!("- 2026-01-0{}: Note {i}", i + 1));
            }
            if c.fence {
                for line in ["```text", "## x", "- 2026-01-09: Status changed from a to b by Fence", "```"] {
                    push(&mut lines, line);
                }
            }
            if c.trailing_text {
                push(&mut lines, "");
                push(&mut lines, "Older history lives in the wiki.");
            }
            for _ in 0..c.trailing_blanks {
                push(&mut lines, "");
            }
            match c.after {
                1 => lines.extend(["## Appendix", "", "- not an entry"].map(String::from)),
                2 => lines.extend(["# Top level", "text"].map(String::from)),
                _ => {}
            }
            anchor
        });
        lines.extend(std::iter::repeat_n(String::new(), trailing_blanks));
        if !final_newline {
            // Without a final newline a file cannot end with an empty line.
            while lines.last().is_some_and(|l| l.is_empty()) {
                lines.pop();
            }
        }

        let eols = (0..lines.len())
            .map(|i| match eol_mode {
                0 => "\n",
                1 => "\r\n",
                _ if eol_bits[i % eol_bits.len()] => "\r\n",
                _ => "\n",
            })
            .collect();
        Case {
            bom,
            eols,
            lines,
            final_newline,
            status_line,
            status,
            old_status: old_status.to_string(),
            updated,
            anchor,
        }
    }
}

impl Case {
    fn bytes(&self) -> Vec<u8> {
        let mut text = if self.bom {
            BOM.to_string()
        } else {
            String::new()
        };
        for (i, (line, eol)) in self.lines.iter().zip(&self.eols).enumerate() {
            text.push_str(line);
            if self.final_newline || i + 1 < self.lines.len() {
                text.push_str(eol);
            }
        }
        text.into_bytes()
    }
}

/// `(content, line ending)` pairs, after the BOM.
fn split(text: &str) -> Vec<(String, String)> {
    text.strip_prefix(BOM)
        .unwrap_or(text)
        .split_inclusive('\n')
        .map(|line| {
            let content = line.trim_end_matches('\n').trim_end_matches('\r');
            (content.to_string(), line[content.len()..].to_string())
        })
        .collect()
}

/// The line ending for a line added after `lines[i]`: its own, else the
/// closest one above.
fn eol_after(lines: &[(String, String)], i: usize) -> String {
    lines[..=i]
        .iter()
        .rev()
        .map(|(_, eol)| eol.clone())
        .find(|eol| !eol.is_empty())
        .unwrap_or_else(|| "\n".into())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn status_change_is_surgical(
        case in case(),
        new_status in select(NEW_STATUSES),
        name in select(&["Jane", "Jo Doe", "Zoë"][..]),
        note in proptest::option::of(select(&["looks good", "see #12: details"][..])),
        forced in any::<bool>(),
    ) {
        let path = Path::new("specs/SPEC-0001.md");
        let input_bytes = case.bytes();
        let input = String::from_utf8(input_bytes.clone()).unwrap();
        let doc = Document::parse(path, &input_bytes).expect("generated documents parse");
        prop_assert_eq!(doc.get("status"), Some(case.old_status.clone()));
        prop_assert_eq!(doc.line_of("status"), Some(case.status_line + 1));

        let entry = status_change_entry(DATE, &case.old_status, new_status, name, note, forced);
        let output = String::from_utf8(doc.with_status_change(new_status, DATE, &entry).unwrap()).unwrap();
        prop_assert_eq!(output.starts_with(BOM), case.bom);

        let before = split(&input);
        let mut after = split(&output);
        let last = before.len() - 1;
        let mut expected_eol_of_last = before[last].1.clone();
        match case.anchor {
            Some(anchor) => {
                prop_assert_eq!(after.len(), before.len() + 1);
                let (inserted, eol) = after.remove(anchor + 1);
                prop_assert_eq!(&inserted, &entry);
                let expected_eol = eol_after(&before, anchor);
                if anchor == last {
                    // The entry became the last line: it and the old last line end with a newline.
                    prop_assert_eq!(&eol, &expected_eol);
                    expected_eol_of_last = expected_eol;
                } else {
                    prop_assert_eq!(&eol, &before[anchor].1);
                }
            }
            None => {
                let eol = eol_after(&before, last);
                let mut tail = vec![];
                if !before[last].0.trim().is_empty() {
                    tail.push(String::new());
                }
                tail.extend(["## Changelog".to_string(), String::new(), entry.clone()]);
                prop_assert_eq!(after.len(), before.len() + tail.len());
                let appended = after.split_off(before.len());
                for ((content, line_eol), want) in appended.iter().zip(&tail) {
                    prop_assert_eq!(content, want);
                    prop_assert_eq!(line_eol, &eol);
                }
                if before[last].1.is_empty() {
                    expected_eol_of_last = eol;
                }
            }
        }

        // What is left must be the input, but for the two value lines.
        prop_assert_eq!(after.len(), before.len());
        for (i, ((out_line, out_eol), (in_line, in_eol))) in after.iter().zip(&before).enumerate() {
            let expected_eol = if i == last { &expected_eol_of_last } else { in_eol };
            prop_assert_eq!(out_eol, expected_eol, "line ending of line {}", i + 1);
            let expected_line = if i == case.status_line {
                let s = &case.status;
                format!("{}{}{}", s.prefix, write(new_status, s.style), s.suffix)
            } else if let Some((_, u)) = case.updated.as_ref().filter(|(at, _)| *at == i) {
                format!("{}{}{}", u.prefix, write(DATE, u.style), u.suffix)
            } else {
                in_line.clone()
            };
            prop_assert_eq!(out_line, &expected_line, "line {}", i + 1);
        }

        let reread = Document::parse(path, output.as_bytes()).expect("output parses");
        prop_assert_eq!(reread.get("status"), Some(new_status.to_string()));
        prop_assert_eq!(reread.get("updated"), case.updated.as_ref().map(|_| DATE.to_string()));
        prop_assert_eq!(reread.keys(), doc.keys());
        prop_assert_eq!(
            reread.last_status_change(),
            Some((case.old_status.clone(), new_status.to_string()))
        );
        prop_assert_eq!(reread.changelog_entries().last().map(|(_, e)| e.clone()), Some(entry.clone()));

        // The hand-edit path appends the same line and nothing else.
        let appended = String::from_utf8(doc.with_changelog_entry(&entry)).unwrap();
        let appended_doc = Document::parse(path, appended.as_bytes()).unwrap();
        prop_assert_eq!(appended_doc.get("status"), doc.get("status"));
        prop_assert_eq!(appended_doc.changelog_entries().last().map(|(_, e)| e.clone()), Some(entry));
    }
}

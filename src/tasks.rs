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
//! `list` computes this for every spec, so a body without any `[` + space
//! or x + `]` is not parsed at all.

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
    /// The progress of a spec body (the Markdown after the front matter).
    pub fn of(body: &str) -> TaskProgress {
        let mut progress = TaskProgress::default();
        if !has_checkbox(body) {
            return progress;
        }
        for (event, range) in Parser::new_ext(body, Options::empty()).into_offset_iter() {
            if let Event::Start(Tag::Item) = event {
                if let Some((checked, hours)) = task_of_item(&body[range]) {
                    progress.total += 1;
                    if checked {
                        progress.done += 1;
                    } else {
                        progress.remaining_hours += hours.unwrap_or(0.0);
                    }
                }
            }
        }
        progress
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
    text.as_bytes()
        .windows(3)
        .any(|w| w[0] == b'[' && w[2] == b']' && matches!(w[1], b' ' | b'x' | b'X'))
}

/// For a list item's source (its marker, maybe after some indentation): whether it is a task,
/// checked or not, and the estimate on its first line.
fn task_of_item(item: &str) -> Option<(bool, Option<f64>)> {
    static START: OnceLock<Regex> = OnceLock::new();
    static ESTIMATE: OnceLock<Regex> = OnceLock::new();
    // The marker, an optional sub-number (`1.1`, `2.`), then the box and a
    // space or the end of the line.
    let start = START.get_or_init(|| {
        Regex::new(r"^(?:[-*+]|[0-9]{1,9}[.)])[ \t]+(?:[0-9]+(?:\.[0-9]+)*\.?[ \t]+)?\[([ xX])\](?:[ \t]|\r?$)")
            .expect("valid regex")
    });
    let estimate = ESTIMATE.get_or_init(|| {
        Regex::new(r"(?i)\(\s*estimate:\s*([0-9]+(?:\.[0-9]+)?)\s*(?:h|hrs?|hours?)\s*\)")
            .expect("valid regex")
    });
    // A nested item's range may start with part of its indentation.
    let item = item.trim_start_matches([' ', '\t']);
    let first_line = item.split('\n').next().unwrap_or(item);
    let caps = start.captures(first_line)?;
    let checked = &caps[1] != " ";
    let hours = estimate
        .captures(first_line)
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

//! Spec documents: Markdown with YAML front matter.
//!
//! A [`Document`] keeps the original text and only indexes it (line spans,
//! top-level keys with their positions, fenced code blocks). Edits are
//! splices into that text: nothing is ever re-serialised, so comments,
//! unknown keys, quoting, spacing, line endings and a BOM all survive, and a
//! diff of an edit shows exactly the lines that were meant to change.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use regex::Regex;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};
use yaml_rust2::Yaml;

const BOM: &str = "\u{feff}";

/// A problem with one document, pointing at a file line when there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentError {
    pub path: PathBuf,
    /// 1-based line in the file.
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for DocumentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.path.display(), line, self.message),
            None => write!(f, "{}: {}", self.path.display(), self.message),
        }
    }
}

impl std::error::Error for DocumentError {}

/// The changelog line recorded for a status change.
///
/// `- {date}: Status changed from {from} to {to} by {name}`, then ` (forced)`
/// and ` — {note}` when they apply. [`Document::last_status_change`] reads
/// this format back.
pub fn status_change_entry(
    date: &str,
    from: &str,
    to: &str,
    name: &str,
    note: Option<&str>,
    forced: bool,
) -> String {
    let mut entry = format!("- {date}: Status changed from {from} to {to} by {name}");
    if forced {
        entry.push_str(" (forced)");
    }
    // An empty note would leave a dangling dash that reads like a truncation.
    if let Some(note) = note.map(str::trim).filter(|n| !n.is_empty()) {
        entry.push_str(" \u{2014} ");
        entry.push_str(note);
    }
    entry
}

/// What ends a changelog entry made by an agent through `git spec mcp`:
/// ` (via CLIENT)`, the MCP client's name, so readers and `check` can tell
/// an agent's step from a person's. The entry is still signed with the
/// user's own name: the agent acts for them.
pub fn via_suffix(client: &str) -> String {
    format!(" (via {client})")
}

/// `signed` (what follows `by` in an entry) without a trailing
/// [`via_suffix`].
pub fn without_via(signed: &str) -> &str {
    match signed.rfind(" (via ") {
        Some(at) if signed.ends_with(')') => &signed[..at],
        _ => signed,
    }
}

/// One "Status changed from X to Y by NAME" entry of a changelog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusStep {
    /// 1-based line of the entry.
    pub line: usize,
    pub from: String,
    pub to: String,
    /// Recorded as forced: `by NAME (forced)`.
    pub forced: bool,
}

impl StatusStep {
    fn parse(line: usize, entry: &str) -> Option<StatusStep> {
        static PATTERN: OnceLock<Regex> = OnceLock::new();
        let pattern = PATTERN.get_or_init(|| {
            Regex::new(r"^- .*?: Status changed from (.+?) to (.+?) by (.+)$").expect("valid regex")
        });
        let caps = pattern.captures(entry)?;
        // The name, then " (forced)", then an optional " — note", then
        // " (via CLIENT)" when an agent made it.
        let signed = without_via(&caps[3]);
        let signed = signed.split(" \u{2014} ").next().unwrap_or("");
        Some(StatusStep {
            line,
            from: caps[1].to_string(),
            to: caps[2].to_string(),
            forced: signed.ends_with(" (forced)"),
        })
    }
}

/// Byte offsets of one line in the document text.
#[derive(Debug, Clone, Copy)]
struct Line {
    start: usize,
    /// End of the content, before `\n` or `\r\n`.
    end: usize,
    /// Start of the next line (equals `end` on a last line without newline).
    next: usize,
}

/// A position reported by the YAML parser, translated to the file.
#[derive(Debug, Clone, Copy)]
struct Pos {
    /// 0-based index into `Document::lines`.
    line: usize,
    /// 0-based column, in characters (as yaml-rust2 counts).
    col: usize,
}

#[derive(Debug, Clone)]
enum Value {
    Scalar {
        text: String,
        style: TScalarStyle,
        at: Pos,
    },
    /// Scalar items of a sequence, with their style so nulls can be told
    /// apart from the string "null".
    Sequence(Vec<(String, TScalarStyle)>),
    /// Mappings, aliases and anything else not read as a value here.
    Other,
}

#[derive(Debug, Clone)]
struct Entry {
    key: String,
    key_style: TScalarStyle,
    key_at: Pos,
    value: Value,
}

/// A replacement of `text[start..end]`.
struct Splice {
    start: usize,
    end: usize,
    text: String,
}

/// A spec document: original text plus indexes into it.
#[derive(Debug, Clone)]
pub struct Document {
    path: PathBuf,
    text: String,
    lines: Vec<Line>,
    /// Index of the line that closes the front matter; the body follows it.
    fm_close: usize,
    entries: Vec<Entry>,
    /// Per line: part of a fenced code block (fence lines included). Only
    /// body lines can be set.
    in_code: Vec<bool>,
}

impl Document {
    /// Parses a document.
    ///
    /// Accepts an optional UTF-8 BOM, LF or CRLF line endings (mixed too)
    /// and a missing final newline. The first line must be `---`; the front
    /// matter ends at the next `---` or `...` line and must be a YAML
    /// mapping.
    pub fn parse(path: &Path, bytes: &[u8]) -> Result<Document, DocumentError> {
        let error = |line: usize, message: String| DocumentError {
            path: path.to_path_buf(),
            line: Some(line),
            message,
        };
        let text = match std::str::from_utf8(bytes) {
            Ok(text) => text.to_owned(),
            Err(e) => {
                let line = bytes[..e.valid_up_to()]
                    .iter()
                    .filter(|&&b| b == b'\n')
                    .count()
                    + 1;
                return Err(error(line, "not valid UTF-8".into()));
            }
        };
        let lines = split_lines(&text);
        let line_text = |i: usize| &text[lines[i].start..lines[i].end];

        if lines.is_empty() || !is_delimiter(line_text(0), "---") {
            return Err(error(
                1,
                "no front matter: the first line must be `---`".into(),
            ));
        }
        let fm_close = (1..lines.len())
            .find(|&i| is_delimiter(line_text(i), "---") || is_delimiter(line_text(i), "..."))
            .ok_or_else(|| error(1, "unterminated front matter: no closing `---` line".into()))?;

        // The YAML text starts at file line 2, so a parser line N (1-based)
        // is file line N + 1, and also the index N into `lines`.
        let yaml = &text[lines[1].start..lines[fm_close].start];
        let yaml_error = |e: yaml_rust2::ScanError| {
            // End-of-input errors point past the YAML; the closing line is
            // where the reader should look.
            let line = (e.marker().line() + 1).clamp(2, fm_close + 1);
            error(
                line,
                format!("invalid YAML in front matter: {}", describe(&e)),
            )
        };
        // One pass of the event parser (not also the loader: parsing is
        // most of what `list` and `check` cost over 10,000 specs).
        let mut collector = Collector::default();
        Parser::new_from_str(yaml)
            .load(&mut collector, true)
            .map_err(yaml_error)?;
        if let Some(line) = collector.second_document_line {
            return Err(error(
                line + 1,
                "front matter must be a single YAML document".into(),
            ));
        }
        // Nothing but comments or blank lines is an empty mapping.
        if collector.root_is_mapping == Some(false) {
            let line = collector.root_line.map_or(2, |l| l + 1);
            return Err(error(line, "front matter is not a YAML mapping".into()));
        }
        // Duplicate keys would make an edit ambiguous.
        for (i, entry) in collector.entries.iter().enumerate() {
            if collector.entries[..i].iter().any(|e| e.key == entry.key) {
                return Err(error(
                    entry.key_at.line + 1,
                    format!(
                        "invalid YAML in front matter: duplicate key `{}`",
                        entry.key
                    ),
                ));
            }
        }

        let in_code = fenced_lines(&text, &lines, fm_close + 1);
        Ok(Document {
            path: path.to_path_buf(),
            entries: collector.entries,
            text,
            lines,
            fm_close,
            in_code,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The bytes the document was parsed from, exactly.
    pub fn bytes(&self) -> &[u8] {
        self.text.as_bytes()
    }

    /// The Markdown after the front matter's closing line, as written.
    pub fn body(&self) -> &str {
        &self.text[self.lines[self.fm_close].next..]
    }

    /// The lines of [`Document::body`] without their `\n` or `\r\n`,
    /// from the index parsing made (no second search for line ends).
    pub fn body_lines(&self) -> impl Iterator<Item = &str> {
        self.lines[self.fm_close + 1..]
            .iter()
            .map(|line| &self.text[line.start..line.end])
    }

    /// The value of a top-level scalar key, as written for plain scalars
    /// (numbers, dates and booleans keep their spelling) and unquoted for
    /// quoted ones. `None` if the key is absent, null or not a scalar.
    pub fn get(&self, key: &str) -> Option<String> {
        match &self.entry(key)?.value {
            Value::Scalar { text, style, .. } if !is_null(text, *style) => Some(text.clone()),
            _ => None,
        }
    }

    /// The 1-based file line of a top-level key.
    pub fn line_of(&self, key: &str) -> Option<usize> {
        self.entry(key).map(|e| e.key_at.line + 1)
    }

    /// Top-level keys in file order, with their 1-based lines.
    pub fn keys(&self) -> Vec<(String, usize)> {
        self.entries
            .iter()
            .map(|e| (e.key.clone(), e.key_at.line + 1))
            .collect()
    }

    /// `tags` as a list: a YAML sequence (flow or block) or a single scalar.
    /// Null items are skipped; absent or null `tags` gives an empty list.
    pub fn tags(&self) -> Vec<String> {
        self.list("tags")
    }

    /// Whether top-level `key`, when present, can be read as a list: a
    /// sequence, a scalar or null, not a mapping or an alias.
    pub fn is_list_like(&self, key: &str) -> bool {
        !matches!(self.entry(key).map(|e| &e.value), Some(Value::Other))
    }

    /// A top-level key read as a list (`tags`, `depends-on`, ...): a YAML
    /// sequence (flow or block) or a single scalar. Null items are skipped;
    /// an absent or null key gives an empty list.
    pub fn list(&self, key: &str) -> Vec<String> {
        match self.entry(key).map(|e| &e.value) {
            Some(Value::Sequence(items)) => items
                .iter()
                .filter(|(text, style)| !is_null(text, *style))
                .map(|(text, _)| text.clone())
                .collect(),
            Some(Value::Scalar { text, style, .. }) if !is_null(text, *style) => {
                vec![text.clone()]
            }
            _ => Vec::new(),
        }
    }

    /// List items (lines starting with `- `) of the `## Changelog` section,
    /// outside code blocks, with their 1-based lines, in file order.
    pub fn changelog_entries(&self) -> Vec<(usize, String)> {
        let Some((heading, end)) = self.changelog_section() else {
            return Vec::new();
        };
        (heading + 1..end)
            .filter(|&i| !self.in_code[i] && self.line(i).starts_with("- "))
            .map(|i| (i + 1, self.line(i).to_string()))
            .collect()
    }

    /// `(from, to)` of the last "Status changed from X to Y" changelog
    /// entry. Only the last such entry counts: an older identical
    /// transition says nothing about the current status.
    /// The lines of the `## Changelog` section, 1-based: from its heading
    /// to the line before the next level 1 or 2 heading (or past the end).
    pub fn changelog_lines(&self) -> Option<(usize, usize)> {
        self.changelog_section()
            .map(|(heading, end)| (heading + 1, end + 1))
    }

    /// Every "Status changed" entry of the changelog, oldest first.
    pub fn status_steps(&self) -> Vec<StatusStep> {
        self.changelog_entries()
            .iter()
            .filter_map(|(line, entry)| StatusStep::parse(*line, entry))
            .collect()
    }

    /// The whole file with `entry` appended to the changelog and, when the
    /// front matter has one, `updated:` set to `date`: what recording a
    /// status edited by hand changes (the hook, `check --fix`, `status`).
    pub fn with_recorded_entry(&self, date: &str, entry: &str) -> Result<Vec<u8>, DocumentError> {
        let values: Vec<(&str, &str)> = match self.get("updated") {
            Some(updated) if updated != date => vec![("updated", date)],
            _ => Vec::new(),
        };
        self.with_values_and_entry(&values, entry)
    }

    pub fn last_status_change(&self) -> Option<(String, String)> {
        static PATTERN: OnceLock<Regex> = OnceLock::new();
        let pattern = PATTERN.get_or_init(|| {
            Regex::new(r"^- .*?: Status changed from (.+?) to (.+?) by .+$").expect("valid regex")
        });
        self.changelog_entries()
            .iter()
            .rev()
            .find_map(|(_, entry)| {
                let caps = pattern.captures(entry)?;
                Some((caps[1].to_string(), caps[2].to_string()))
            })
    }

    /// The whole file after a status change: `status:` set to `new_status`,
    /// `updated:` (only if present) set to `date`, and `entry` appended to
    /// the changelog. Values keep their quoting style and trailing comment.
    ///
    /// Fails, pointing at a line, if there is no top-level `status:` or if
    /// `status`/`updated` is not a single-line scalar that can be replaced
    /// in place.
    pub fn with_status_change(
        &self,
        new_status: &str,
        date: &str,
        entry: &str,
    ) -> Result<Vec<u8>, DocumentError> {
        let mut values = vec![("status", new_status)];
        if self.entry("updated").is_some() {
            values.push(("updated", date));
        }
        self.with_values_and_entry(&values, entry)
    }

    /// The whole file with each `(key, value)` set in place (the keys must
    /// exist; quoting style and comments are kept) and `entry` appended to
    /// the changelog. Used by `status` and `renumber`.
    pub fn with_values_and_entry(
        &self,
        values: &[(&str, &str)],
        entry: &str,
    ) -> Result<Vec<u8>, DocumentError> {
        let mut splices = vec![self.changelog_splice(entry)];
        for (key, value) in values {
            let splice = self.value_splice(key, value)?.ok_or_else(|| {
                self.error(
                    Some(1),
                    format!("no top-level `{key}:` key in the front matter"),
                )
            })?;
            splices.push(splice);
        }
        let out = self.apply(splices);
        let reread = self.reread(&out)?;
        for (key, value) in values {
            if reread.get(key).as_deref() != Some(*value) {
                return Err(self.error(
                    self.line_of(key),
                    "refusing an edit that would not read back as written".into(),
                ));
            }
        }
        Ok(out)
    }

    /// The whole file with each `(key, value)` set in place, and nothing
    /// else changed (the keys must exist).
    pub fn with_values(&self, values: &[(&str, &str)]) -> Result<Vec<u8>, DocumentError> {
        let mut splices = Vec::new();
        for (key, value) in values {
            let splice = self.value_splice(key, value)?.ok_or_else(|| {
                self.error(
                    Some(1),
                    format!("no top-level `{key}:` key in the front matter"),
                )
            })?;
            splices.push(splice);
        }
        Ok(self.apply(splices))
    }

    /// The whole file with top-level `key` set to the flow list `items`
    /// (`depends-on: [SPEC-0001, SPEC-0003]`), `updated:` (when present)
    /// set to `date` and `entry` appended to the changelog. An absent key
    /// is added as the last line of the front matter; with no items the
    /// key's lines are removed. A comment on a one-line value is kept, and
    /// nothing else changes; the comment or blank lines after a block list
    /// stay where they are.
    pub fn with_list_and_entry(
        &self,
        key: &str,
        items: &[String],
        date: &str,
        entry: &str,
    ) -> Result<Vec<u8>, DocumentError> {
        let mut splices = vec![self.changelog_splice(entry)];
        if self.get("updated").is_some_and(|updated| updated != date) {
            splices.extend(self.value_splice("updated", date)?);
        }
        let flow = format!("{key}: [{}]", items.join(", "));
        match self.entry(key) {
            Some(found) => {
                if found.key_at.col != 0 || found.key_style != TScalarStyle::Plain {
                    return Err(self.error(
                        Some(found.key_at.line + 1),
                        format!("cannot update `{key}`: it is not a plain top-level key; edit it by hand"),
                    ));
                }
                let first = found.key_at.line;
                let next = self
                    .entries
                    .iter()
                    .map(|e| e.key_at.line)
                    .filter(|&line| line > first)
                    .min()
                    .unwrap_or(self.fm_close);
                // Blank and comment lines before the next key belong to it.
                let mut last = next - 1;
                while last > first && {
                    let text = self.line(last).trim();
                    text.is_empty() || text.starts_with('#')
                } {
                    last -= 1;
                }
                let start = self.lines[first].start;
                let end = self.lines[last].next;
                let text = if items.is_empty() {
                    String::new()
                } else {
                    let own = self.line(first);
                    let comment = if first == last {
                        &own[strip_comment(own).trim_end().len()..]
                    } else {
                        ""
                    };
                    let eol = self.eol_at(last);
                    format!("{flow}{comment}{eol}")
                };
                splices.push(Splice { start, end, text });
            }
            None if items.is_empty() => {}
            None => {
                let at = self.lines[self.fm_close].start;
                let eol = self.eol_at(self.fm_close - 1);
                splices.push(Splice {
                    start: at,
                    end: at,
                    text: format!("{flow}{eol}"),
                });
            }
        }
        let out = self.apply(splices);
        let reread = self.reread(&out)?;
        if reread.list(key) != items {
            return Err(self.error(
                self.line_of(key),
                "refusing an edit that would not read back as written".into(),
            ));
        }
        Ok(out)
    }

    /// `out`, an edit of this document, parsed again: cheap insurance that
    /// an edit never leaves a damaged document behind, whatever odd YAML
    /// the value sat in.
    fn reread(&self, out: &[u8]) -> Result<Document, DocumentError> {
        Document::parse(&self.path, out).map_err(|e| {
            self.error(
                e.line,
                format!(
                    "refusing an edit that would break the document: {}",
                    e.message
                ),
            )
        })
    }

    /// Byte spans a rewrite of mentions must leave alone: the changelog
    /// section (a record of the past) and, when `front_matter` is set, the
    /// front matter (where the spec's own `spec-id` and `previous-ids`
    /// live).
    pub fn protected_spans(&self, front_matter: bool) -> Vec<(usize, usize)> {
        let mut spans = Vec::new();
        if front_matter {
            spans.push((0, self.lines[self.fm_close].next));
        }
        if let Some((heading, end)) = self.changelog_section() {
            let start = self.lines[heading].start;
            let end = self.lines.get(end).map_or(self.text.len(), |l| l.start);
            spans.push((start, end));
        }
        spans
    }

    /// Body lines outside fenced code blocks and outside the changelog,
    /// with their 1-based numbers: where a mention of another spec is a
    /// reference, not an example or a record of the past (an entry such as
    /// `No longer depends on SPEC-0042` names an id on purpose).
    pub fn prose_lines(&self) -> impl Iterator<Item = (usize, &str)> {
        let changelog = self.changelog_section();
        (self.fm_close + 1..self.lines.len())
            .filter(move |&i| {
                !self.in_code[i] && !changelog.is_some_and(|(heading, end)| i >= heading && i < end)
            })
            .map(|i| (i + 1, self.line(i)))
    }

    /// The whole file with only `entry` appended to the changelog (for a
    /// status already edited by hand).
    pub fn with_changelog_entry(&self, entry: &str) -> Vec<u8> {
        self.apply(vec![self.changelog_splice(entry)])
    }

    fn entry(&self, key: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.key == key)
    }

    fn line(&self, i: usize) -> &str {
        &self.text[self.lines[i].start..self.lines[i].end]
    }

    fn error(&self, line: Option<usize>, message: String) -> DocumentError {
        DocumentError {
            path: self.path.clone(),
            line,
            message,
        }
    }

    /// The line ending to use for a line added after line `i`: its own, or
    /// the closest one above when `i` is a last line without newline.
    fn eol_at(&self, i: usize) -> &'static str {
        let found = (0..=i).rev().find_map(|j| {
            let l = self.lines[j];
            (l.next > l.end).then(|| &self.text[l.end..l.next])
        });
        match found {
            Some("\r\n") => "\r\n",
            _ => "\n",
        }
    }

    /// `(heading line, end)` of the first `## Changelog` section; the end is
    /// exclusive: the next level 1 or 2 heading, or the end of the file.
    fn changelog_section(&self) -> Option<(usize, usize)> {
        let body = self.fm_close + 1..self.lines.len();
        let heading = body
            .clone()
            .find(|&i| !self.in_code[i] && is_changelog_heading(self.line(i)))?;
        let end = (heading + 1..self.lines.len())
            .find(|&i| !self.in_code[i] && matches!(heading_level(self.line(i)), Some(1 | 2)))
            .unwrap_or(self.lines.len());
        Some((heading, end))
    }

    fn changelog_splice(&self, entry: &str) -> Splice {
        // An entry is one list item; a stray line break would split it and
        // break the one-line-per-change contract.
        let entry: String = entry
            .chars()
            .map(|c| if matches!(c, '\r' | '\n') { ' ' } else { c })
            .collect();
        match self.changelog_section() {
            Some((heading, end)) => {
                let anchor = (heading..end)
                    .rev()
                    .find(|&i| !self.line(i).trim().is_empty())
                    .unwrap_or(heading);
                let line = self.lines[anchor];
                let eol = self.eol_at(anchor);
                if line.next > line.end {
                    Splice {
                        start: line.next,
                        end: line.next,
                        text: format!("{entry}{eol}"),
                    }
                } else {
                    // The anchor ends the file without a newline; the entry
                    // becomes the last line and gets one, as a new file would.
                    Splice {
                        start: line.end,
                        end: line.end,
                        text: format!("{eol}{entry}{eol}"),
                    }
                }
            }
            None => {
                let last = self.lines.len() - 1;
                let eol = self.eol_at(last);
                let mut text = String::new();
                if !self.text.ends_with('\n') {
                    text.push_str(eol);
                }
                // One blank line before the heading, not two when the file
                // already ends with one.
                if !self.line(last).trim().is_empty() {
                    text.push_str(eol);
                }
                text.push_str(&format!("## Changelog{eol}{eol}{entry}{eol}"));
                Splice {
                    start: self.text.len(),
                    end: self.text.len(),
                    text,
                }
            }
        }
    }

    /// The splice that sets top-level `key` to `new`, or `None` if the key is
    /// absent.
    fn value_splice(&self, key: &str, new: &str) -> Result<Option<Splice>, DocumentError> {
        let Some(entry) = self.entry(key) else {
            return Ok(None);
        };
        let fail = |why: &str| {
            self.error(
                Some(entry.key_at.line + 1),
                format!("cannot update `{key}`: {why}; edit it by hand"),
            )
        };
        let Value::Scalar { text, style, at } = &entry.value else {
            return Err(fail("its value is not a single scalar"));
        };
        let line = self.lines[at.line];
        let line_text = self.line(at.line);
        let start = char_to_byte(line_text, at.col).ok_or_else(|| fail("value not found"))?;
        let rest = &line_text[start..];
        let splice = |from: usize, to: usize, text: String| {
            Ok(Some(Splice {
                start: line.start + from,
                end: line.start + to,
                text,
            }))
        };
        match style {
            TScalarStyle::Plain if text.is_empty() => {
                // `key:` with nothing after it: the parser points at the next
                // token, so the value goes right after the key's colon.
                let colon = self
                    .colon_after_key(entry)
                    .ok_or_else(|| fail("cannot find the `:` after the key"))?;
                Ok(Some(Splice {
                    start: colon + 1,
                    end: colon + 1,
                    text: format!(" {}", render(new, TScalarStyle::Plain)),
                }))
            }
            TScalarStyle::Plain => {
                let written = strip_comment(rest).trim_end();
                // A plain scalar folded over several lines reads back as
                // more than its first line.
                if written != text {
                    return Err(fail("its value spans several lines"));
                }
                splice(start, start + written.len(), render(new, *style))
            }
            TScalarStyle::SingleQuoted | TScalarStyle::DoubleQuoted => {
                let len = quoted_len(rest).ok_or_else(|| fail("its value spans several lines"))?;
                splice(start, start + len, render(new, *style))
            }
            TScalarStyle::Literal | TScalarStyle::Folded => {
                Err(fail("its value is a block scalar"))
            }
        }
    }

    /// Absolute byte offset of the `:` after `entry`'s key, when nothing but
    /// blanks or a comment follows it.
    fn colon_after_key(&self, entry: &Entry) -> Option<usize> {
        let line = self.lines[entry.key_at.line];
        let line_text = self.line(entry.key_at.line);
        let key_start = char_to_byte(line_text, entry.key_at.col)?;
        let after_key = &line_text[key_start..];
        let key_len = match entry.key_style {
            TScalarStyle::Plain if after_key.starts_with(&entry.key) => entry.key.len(),
            TScalarStyle::SingleQuoted | TScalarStyle::DoubleQuoted => quoted_len(after_key)?,
            _ => return None,
        };
        let tail = &after_key[key_len..];
        let colon = key_len + (tail.len() - tail.trim_start_matches([' ', '\t']).len());
        let after_colon = after_key[colon..].strip_prefix(':')?.trim_start();
        if !(after_colon.is_empty() || after_colon.starts_with('#')) {
            return None;
        }
        Some(line.start + key_start + colon)
    }

    fn apply(&self, mut splices: Vec<Splice>) -> Vec<u8> {
        splices.sort_by_key(|s| s.start);
        let mut out = String::with_capacity(self.text.len() + 128);
        let mut copied = 0;
        for splice in splices {
            out.push_str(&self.text[copied..splice.start]);
            out.push_str(&splice.text);
            copied = splice.end;
        }
        out.push_str(&self.text[copied..]);
        out.into_bytes()
    }
}

/// Splits into lines after an optional BOM. A final newline does not start
/// another (empty) line.
fn split_lines(text: &str) -> Vec<Line> {
    let mut lines = Vec::new();
    let mut start = if text.starts_with(BOM) { BOM.len() } else { 0 };
    while start < text.len() {
        let (end, next) = match text[start..].find('\n') {
            Some(nl) => {
                let nl = start + nl;
                let end = if text[..nl].ends_with('\r') {
                    nl - 1
                } else {
                    nl
                };
                (end, nl + 1)
            }
            None => (text.len(), text.len()),
        };
        lines.push(Line { start, end, next });
        start = next;
    }
    lines
}

/// The parser's message, with the duplicate-key one (whose column points
/// past the value) reworded for people.
fn describe(e: &yaml_rust2::ScanError) -> String {
    match e.info().strip_suffix(": duplicated key in mapping") {
        Some(key) => {
            let key = key
                .strip_prefix("String(\"")
                .and_then(|k| k.strip_suffix("\")"))
                .unwrap_or(key);
            format!("duplicate key `{key}`")
        }
        None => format!("{} (column {})", e.info(), e.marker().col() + 1),
    }
}

fn is_delimiter(line: &str, marker: &str) -> bool {
    line.trim_end_matches([' ', '\t']) == marker
}

fn is_null(text: &str, style: TScalarStyle) -> bool {
    style == TScalarStyle::Plain && matches!(text, "" | "~" | "null" | "Null" | "NULL")
}

/// Level of an ATX heading (`## Title`) written at the start of the line.
fn heading_level(line: &str) -> Option<usize> {
    let level = line.len() - line.trim_start_matches('#').len();
    let rest = &line[level..];
    ((1..=6).contains(&level) && (rest.is_empty() || rest.starts_with([' ', '\t'])))
        .then_some(level)
}

/// Whether a line is the `## Changelog` heading (any case, closing `#`s).
pub fn is_changelog_heading(line: &str) -> bool {
    heading_level(line) == Some(2)
        && line[2..]
            .trim()
            .trim_end_matches('#')
            .trim_end()
            .eq_ignore_ascii_case("changelog")
}

/// Marks the lines of fenced code blocks (``` or ~~~, CommonMark rules for
/// closing) from line `from` on, so headings inside them are not sections.
fn fenced_lines(text: &str, lines: &[Line], from: usize) -> Vec<bool> {
    let mut marks = vec![false; lines.len()];
    let mut open: Option<(char, usize)> = None;
    for (i, line) in lines.iter().enumerate().skip(from) {
        let fence = fence_of(&text[line.start..line.end]);
        match open {
            None => {
                if let Some((c, n, info)) = fence {
                    // A backtick in the info string makes it inline code.
                    if !(c == '`' && info.contains('`')) {
                        open = Some((c, n));
                        marks[i] = true;
                    }
                }
            }
            Some((c, n)) => {
                marks[i] = true;
                if let Some((c2, n2, rest)) = fence {
                    if c2 == c && n2 >= n && rest.trim().is_empty() {
                        open = None;
                    }
                }
            }
        }
    }
    marks
}

/// `(fence char, run length, rest)` if the line opens or may close a fence.
fn fence_of(line: &str) -> Option<(char, usize, &str)> {
    let trimmed = line.trim_start_matches(' ');
    if line.len() - trimmed.len() > 3 {
        return None;
    }
    let c = trimmed.chars().next().filter(|c| matches!(c, '`' | '~'))?;
    let run = trimmed.len() - trimmed.trim_start_matches(c).len();
    (run >= 3).then(|| (c, run, &trimmed[run..]))
}

fn char_to_byte(s: &str, col: usize) -> Option<usize> {
    s.char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(s.len()))
        .nth(col)
}

/// The line up to a YAML comment (a `#` after a blank).
fn strip_comment(s: &str) -> &str {
    let mut prev_blank = false;
    for (i, c) in s.char_indices() {
        if c == '#' && prev_blank {
            return &s[..i];
        }
        prev_blank = matches!(c, ' ' | '\t');
    }
    s
}

/// Length of the quoted scalar at the start of `s`, quotes included, if it
/// closes on this line.
fn quoted_len(s: &str) -> Option<usize> {
    let quote = s.chars().next().filter(|c| matches!(c, '\'' | '"'))?;
    let mut chars = s.char_indices().skip(1);
    while let Some((i, c)) = chars.next() {
        match (quote, c) {
            ('\'', '\'') => {
                if s[i + 1..].starts_with('\'') {
                    chars.next();
                } else {
                    return Some(i + 1);
                }
            }
            ('"', '\\') => {
                chars.next();
            }
            ('"', '"') => return Some(i + 1),
            _ => {}
        }
    }
    None
}

/// `value` written in `style`, falling back to double quotes where the style
/// cannot carry it as the same string.
fn render(value: &str, style: TScalarStyle) -> String {
    match style {
        TScalarStyle::SingleQuoted if !value.chars().any(needs_escape) => {
            format!("'{}'", value.replace('\'', "''"))
        }
        TScalarStyle::Plain if stays_plain(value) => value.to_string(),
        _ => crate::yaml::double_quoted(value),
    }
}

fn needs_escape(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}')
}

/// Whether `value` written plain reads back as that same string (not a
/// number, bool or null, not an indicator, no comment or `key: ` inside).
/// More permissive than `yaml::scalar`, which writes new values: here a
/// plain value (a status, a date) is replaced by another in the same style.
fn stays_plain(value: &str) -> bool {
    let Some(first) = value.chars().next() else {
        return false;
    };
    !"-?:,[]{}#&*!|>'\"%@`".contains(first)
        && value.trim() == value
        && !value.chars().any(needs_escape)
        && !value.contains(": ")
        && !value.contains(" #")
        && !value.ends_with(':')
        && !matches!(value, "Null" | "NULL")
        && matches!(Yaml::from_str(value), Yaml::String(_))
}

/// Collects the top-level keys of the first YAML document with their
/// positions, from the parser's marked events.
#[derive(Default)]
struct Collector {
    documents: usize,
    /// Parser line of a second document start, if any.
    second_document_line: Option<usize>,
    /// Parser line of the root node.
    root_line: Option<usize>,
    /// Whether the root node is a mapping (None: no root node at all).
    root_is_mapping: Option<bool>,
    /// Nesting: 0 outside the root, 1 inside the root mapping.
    depth: usize,
    want_key: bool,
    /// The key whose value comes next; `None` for complex keys.
    key: Option<(String, TScalarStyle, Pos)>,
    /// Items of a top-level sequence value being read.
    sequence: Option<Vec<(String, TScalarStyle)>>,
    entries: Vec<Entry>,
}

impl Collector {
    /// A node directly inside the root mapping is complete.
    fn node_done(&mut self, as_key: Option<(String, TScalarStyle, Pos)>, value: Value) {
        if self.want_key {
            self.key = as_key;
            self.want_key = false;
        } else {
            if let Some((key, key_style, key_at)) = self.key.take() {
                self.entries.push(Entry {
                    key,
                    key_style,
                    key_at,
                    value,
                });
            }
            self.want_key = true;
        }
    }
}

impl MarkedEventReceiver for Collector {
    fn on_event(&mut self, event: Event, mark: Marker) {
        if event == Event::DocumentStart {
            self.documents += 1;
            if self.documents == 2 {
                self.second_document_line = Some(mark.line());
            }
            return;
        }
        if self.documents != 1 {
            return;
        }
        let pos = Pos {
            line: mark.line(),
            col: mark.col(),
        };
        if self.depth == 0
            && matches!(
                event,
                Event::MappingStart(..)
                    | Event::SequenceStart(..)
                    | Event::Scalar(..)
                    | Event::Alias(_)
            )
        {
            self.root_line.get_or_insert(mark.line());
            self.root_is_mapping
                .get_or_insert(matches!(event, Event::MappingStart(..)));
        }
        match event {
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                if self.depth == 0 {
                    self.want_key = true;
                } else if self.depth == 1 && !self.want_key {
                    self.sequence = matches!(event, Event::SequenceStart(..)).then(Vec::new);
                }
                self.depth += 1;
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.depth = self.depth.saturating_sub(1);
                if self.depth == 1 {
                    let value = match self.sequence.take() {
                        Some(items) => Value::Sequence(items),
                        None => Value::Other,
                    };
                    self.node_done(None, value);
                }
            }
            Event::Scalar(text, style, ..) => match self.depth {
                1 => {
                    let value = Value::Scalar {
                        text: text.clone(),
                        style,
                        at: pos,
                    };
                    self.node_done(Some((text, style, pos)), value);
                }
                2 => {
                    if let Some(items) = &mut self.sequence {
                        items.push((text, style));
                    }
                }
                _ => {}
            },
            Event::Alias(_) if self.depth == 1 => self.node_done(None, Value::Other),
            _ => {}
        }
    }
}

/// The `spec-id` value of a document's front matter, read without a full
/// YAML parse: `catalog::scan` and `new` read every spec, and this keeps it
/// cheap.
pub fn quick_spec_id(bytes: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(bytes).ok()?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.lines();
    if lines.next()?.trim_end() != "---" {
        return None;
    }
    for line in lines {
        let line = line.trim_end();
        if line == "---" || line == "..." {
            return None;
        }
        if let Some(value) = line.strip_prefix("spec-id:") {
            let value = value.split(" #").next().unwrap_or("").trim();
            let value = value.trim_matches(|c| c == '"' || c == '\'');
            return (!value.is_empty()).then(|| value.to_string());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quick_spec_id_reads_front_matter_only() {
        assert_eq!(
            quick_spec_id(b"---\nspec-id: SPEC-0042\n---\n").as_deref(),
            Some("SPEC-0042")
        );
        assert_eq!(
            quick_spec_id(b"\xef\xbb\xbf---\r\nspec-id: \"SPEC-7\" # x\r\n---\r\n").as_deref(),
            Some("SPEC-7")
        );
        assert_eq!(
            quick_spec_id(b"---\ntitle: x\n---\nspec-id: SPEC-1\n"),
            None
        );
        assert_eq!(quick_spec_id(b"# no front matter\n"), None);
    }

    fn parse(text: &str) -> Document {
        Document::parse(Path::new("specs/x.md"), text.as_bytes()).expect("parses")
    }

    fn parse_err(bytes: &[u8]) -> DocumentError {
        Document::parse(Path::new("specs/x.md"), bytes).expect_err("must fail")
    }

    fn status_change(doc: &str, status: &str, date: &str, entry: &str) -> String {
        String::from_utf8(parse(doc).with_status_change(status, date, entry).unwrap()).unwrap()
    }

    const ENTRY: &str = "- 2026-11-27: Status changed from draft to approved by Jane";

    #[test]
    fn entries_made_through_an_agent_keep_their_meaning() {
        let via = via_suffix("claude-code");
        let entries = [
            format!(
                "{}{via}",
                status_change_entry("2026-01-15", "draft", "review", "Jane", None, true)
            ),
            format!(
                "{}{via}",
                status_change_entry("2026-01-15", "review", "draft", "Jane", Some("back"), false)
            ),
        ];
        let doc = parse(&format!(
            "---\nstatus: draft\n---\n## Changelog\n\n{}\n{}\n",
            entries[0], entries[1]
        ));
        let steps = doc.status_steps();
        assert_eq!(steps.len(), 2);
        assert!(steps[0].forced, "{:?}", steps[0]);
        assert_eq!(
            (steps[0].from.as_str(), steps[0].to.as_str()),
            ("draft", "review")
        );
        assert!(!steps[1].forced);
        assert_eq!(
            doc.last_status_change(),
            Some(("review".to_string(), "draft".to_string()))
        );
    }

    #[test]
    fn error_display_has_path_and_line() {
        let e = parse_err(b"hello\n");
        assert_eq!(e.line, Some(1));
        assert_eq!(
            e.to_string(),
            "specs/x.md:1: no front matter: the first line must be `---`"
        );
        let e = DocumentError {
            path: "a.md".into(),
            line: None,
            message: "m".into(),
        };
        assert_eq!(e.to_string(), "a.md: m");
    }

    #[test]
    fn missing_front_matter() {
        assert_eq!(parse_err(b"").line, Some(1));
        assert_eq!(parse_err(b"\n---\na: b\n---\n").line, Some(1));
        assert_eq!(parse_err(b"# Title\n").line, Some(1));
    }

    #[test]
    fn unterminated_front_matter() {
        let e = parse_err(b"---\nstatus: draft\n\n# Title\n");
        assert_eq!(e.line, Some(1));
        assert!(e.message.contains("unterminated"), "{e}");
    }

    #[test]
    fn invalid_yaml_reports_file_line() {
        let e = parse_err(b"---\ntitle: ok\nstatus: [draft\nowner: x\n---\n");
        assert!(e.message.contains("invalid YAML"), "{e}");
        assert!(matches!(e.line, Some(3..=5)), "{e}");

        let e = parse_err(b"---\na: 1\nb: 2\n  c: 3\n---\n");
        assert_eq!(e.line, Some(4), "{e}");

        let e = parse_err(b"---\nstatus: a\nstatus: b\n---\n");
        assert_eq!(e.line, Some(3), "{e}");
        assert!(e.message.ends_with("duplicate key `status`"), "{e}");
    }

    #[test]
    fn non_mapping_front_matter() {
        let e = parse_err(b"---\n\n- a\n- b\n---\n");
        assert_eq!(e.line, Some(3), "{e}");
        assert!(e.message.contains("not a YAML mapping"), "{e}");
        let e = parse_err(b"---\njust text\n---\n");
        assert_eq!(e.line, Some(2), "{e}");
    }

    #[test]
    fn not_utf8_reports_line() {
        let e = parse_err(b"---\ntitle: ok\nowner: \xff\n---\n");
        assert_eq!(e.line, Some(3));
        assert!(e.message.contains("UTF-8"));
    }

    #[test]
    fn empty_front_matter_is_an_empty_mapping() {
        let doc = parse("---\n# nothing yet\n---\nBody\n");
        assert!(doc.keys().is_empty());
        let e = doc.with_status_change("x", "d", ENTRY).unwrap_err();
        assert_eq!(e.line, Some(1));
        assert!(e.message.contains("status"));
    }

    #[test]
    fn dots_close_front_matter() {
        let doc = parse("---\nstatus: draft\n...\n# Body\n");
        assert_eq!(doc.get("status").as_deref(), Some("draft"));
    }

    #[test]
    fn get_values_as_written() {
        let doc = parse(concat!(
            "---\n",
            "spec-id: 0042\n",
            "title: 'it''s here'\n",
            "quote: \"a\\\"b\"\n",
            "created: 2026-01-02\n",
            "flag: yes\n",
            "on: True\n",
            "nothing:\n",
            "tilde: ~\n",
            "nested:\n  a: b\n",
            "empty: ''\n",
            "---\n",
        ));
        assert_eq!(doc.get("spec-id").as_deref(), Some("0042"));
        assert_eq!(doc.get("title").as_deref(), Some("it's here"));
        assert_eq!(doc.get("quote").as_deref(), Some("a\"b"));
        assert_eq!(doc.get("created").as_deref(), Some("2026-01-02"));
        assert_eq!(doc.get("flag").as_deref(), Some("yes"));
        assert_eq!(doc.get("on").as_deref(), Some("True"));
        assert_eq!(doc.get("nothing"), None);
        assert_eq!(doc.get("tilde"), None);
        assert_eq!(doc.get("nested"), None);
        assert_eq!(doc.get("empty").as_deref(), Some(""));
        assert_eq!(doc.get("absent"), None);
    }

    #[test]
    fn keys_and_lines() {
        let doc = parse("\u{feff}---\n# c\nb: 1\n\"a\": |\n  x\n  y\nc:\n  - 1\n---\n");
        assert_eq!(
            doc.keys(),
            vec![("b".into(), 3), ("a".into(), 4), ("c".into(), 7)]
        );
        assert_eq!(doc.line_of("a"), Some(4));
        assert_eq!(doc.line_of("z"), None);
        assert_eq!(doc.get("a").as_deref(), Some("x\ny\n"));
    }

    #[test]
    fn tags_in_every_shape() {
        assert_eq!(
            parse("---\ntags: [a, 'b c']\n---\n").tags(),
            vec!["a", "b c"]
        );
        assert_eq!(
            parse("---\ntags:\n  - a\n  - ~\n  - 3\n---\n").tags(),
            vec!["a", "3"]
        );
        assert_eq!(parse("---\ntags: solo\n---\n").tags(), vec!["solo"]);
        assert!(parse("---\ntags: []\n---\n").tags().is_empty());
        assert!(parse("---\ntags:\n---\n").tags().is_empty());
        assert!(parse("---\ntitle: x\n---\n").tags().is_empty());
    }

    const DOC: &str = "---
# Front matter comment
spec-id: SPEC-0042
title: Add OAuth login
status: draft
x-custom: {a: 1}   # unknown key
updated: 2026-01-01
tags: [auth]
---

# Add OAuth login

## Changelog

Track major changes to this spec:

- 2026-01-01: Initial draft created
";

    #[test]
    fn status_change_touches_only_three_lines() {
        let out = status_change(DOC, "approved", "2026-11-27", ENTRY);
        let expected = DOC
            .replace("status: draft", "status: approved")
            .replace("updated: 2026-01-01", "updated: 2026-11-27")
            + ENTRY
            + "\n";
        assert_eq!(out, expected);
        let doc = parse(&out);
        assert_eq!(doc.get("status").as_deref(), Some("approved"));
        assert_eq!(
            doc.last_status_change(),
            Some(("draft".into(), "approved".into()))
        );
    }

    #[test]
    fn quoting_styles_and_comments_kept() {
        let doc = "---\nstatus:   'draft'  # lifecycle\nupdated: \"2026-01-01\" # auto\n---\n## Changelog\n- a\n";
        let out = status_change(doc, "it's", "2026-11-27", ENTRY);
        assert_eq!(
            out,
            format!("---\nstatus:   'it''s'  # lifecycle\nupdated: \"2026-11-27\" # auto\n---\n## Changelog\n- a\n{ENTRY}\n")
        );
        assert_eq!(parse(&out).get("status").as_deref(), Some("it's"));

        let doc = "---\nstatus: \"draft\"\n---\n";
        let out = status_change(doc, "a\"b\\c", "d", ENTRY);
        assert!(
            out.starts_with("---\nstatus: \"a\\\"b\\\\c\"\n---\n"),
            "{out}"
        );
        assert_eq!(parse(&out).get("status").as_deref(), Some("a\"b\\c"));
    }

    #[test]
    fn plain_values_that_need_quotes_become_double_quoted() {
        for (new, written) in [
            ("in-progress", "in-progress"),
            ("needs: work", "\"needs: work\""),
            ("#1", "\"#1\""),
            ("- x", "\"- x\""),
            ("true", "\"true\""),
            ("42", "\"42\""),
            ("null", "\"null\""),
            ("", "\"\""),
        ] {
            let out = status_change("---\nstatus: draft # c\n---\n", new, "d", ENTRY);
            assert!(
                out.starts_with(&format!("---\nstatus: {written} # c\n")),
                "{new}: {out}"
            );
            assert_eq!(parse(&out).get("status").as_deref(), Some(new));
        }
    }

    #[test]
    fn empty_status_value_is_filled_after_the_colon() {
        let out = status_change(
            "---\nstatus: # pick one\ntitle: t\n---\n",
            "draft",
            "d",
            ENTRY,
        );
        assert!(
            out.starts_with("---\nstatus: draft # pick one\ntitle: t\n"),
            "{out}"
        );
        let out = status_change("---\n\"status\":\n---\n", "draft", "d", ENTRY);
        assert!(out.starts_with("---\n\"status\": draft\n"), "{out}");
    }

    #[test]
    fn unreplaceable_status_is_an_error_with_line() {
        for doc in [
            "---\ntitle: t\nstatus: two\n  lines\n---\n",
            "---\ntitle: t\nstatus: |\n  block\n---\n",
            "---\ntitle: t\nstatus: [a]\n---\n",
            "---\ntitle: t\nstatus: 'open\n  quote'\n---\n",
        ] {
            let e = parse(doc).with_status_change("x", "d", ENTRY).unwrap_err();
            assert_eq!(e.line, Some(3), "{doc}: {e}");
        }
        let e = parse("---\ntitle: t\n---\n")
            .with_status_change("x", "d", ENTRY)
            .unwrap_err();
        assert_eq!(e.line, Some(1));
    }

    #[test]
    fn value_on_the_line_after_its_key() {
        let out = status_change("---\nstatus:\n  draft  # c\n---\n", "done", "d", ENTRY);
        assert!(out.starts_with("---\nstatus:\n  done  # c\n---\n"), "{out}");
    }

    #[test]
    fn unreplaceable_updated_is_an_error_with_its_line() {
        let doc = parse("---\nstatus: draft\nupdated: >\n  folded\n---\n");
        let e = doc.with_status_change("done", "d", ENTRY).unwrap_err();
        assert_eq!(e.line, Some(3), "{e}");
    }

    #[test]
    fn updated_is_not_added_when_absent() {
        let out = status_change(
            "---\nstatus: draft\n---\n## Changelog\n",
            "done",
            "2026-11-27",
            ENTRY,
        );
        assert_eq!(
            out,
            format!("---\nstatus: done\n---\n## Changelog\n{ENTRY}\n")
        );
    }

    #[test]
    fn bom_and_crlf_kept() {
        let doc = "\u{feff}---\r\nstatus: draft\r\nupdated: 2026-01-01\r\n---\r\n## Changelog\r\n\r\n- old\r\n\r\n";
        let out = status_change(doc, "approved", "2026-11-27", ENTRY);
        assert_eq!(
            out,
            format!("\u{feff}---\r\nstatus: approved\r\nupdated: 2026-11-27\r\n---\r\n## Changelog\r\n\r\n- old\r\n{ENTRY}\r\n\r\n")
        );
    }

    #[test]
    fn mixed_line_endings_follow_the_anchor_line() {
        let doc = "---\r\nstatus: draft\n---\r\n## Changelog\n- old\r\n";
        let out = status_change(doc, "a", "d", ENTRY);
        assert_eq!(
            out,
            format!("---\r\nstatus: a\n---\r\n## Changelog\n- old\r\n{ENTRY}\r\n")
        );
    }

    #[test]
    fn missing_final_newline() {
        // Entry in the middle: the file still ends without newline.
        let doc = "---\nstatus: draft\n---\n## Changelog\n- old\n## Notes\nend";
        let out = status_change(doc, "a", "d", ENTRY);
        assert_eq!(
            out,
            format!("---\nstatus: a\n---\n## Changelog\n- old\n{ENTRY}\n## Notes\nend")
        );

        // Entry after the last line: it gets a newline like any new last line.
        let doc = "---\r\nstatus: draft\r\n---\r\n## Changelog\r\n- old";
        let out = status_change(doc, "a", "d", ENTRY);
        assert_eq!(
            out,
            format!("---\r\nstatus: a\r\n---\r\n## Changelog\r\n- old\r\n{ENTRY}\r\n")
        );

        // No changelog and no final newline.
        let doc = "---\nstatus: draft\n---\nBody";
        let out = status_change(doc, "a", "d", ENTRY);
        assert_eq!(
            out,
            format!("---\nstatus: a\n---\nBody\n\n## Changelog\n\n{ENTRY}\n")
        );
    }

    #[test]
    fn changelog_followed_by_another_section() {
        let doc = "---\nstatus: draft\n---\n## Changelog\n\n- one\n- two\n\n\n## Appendix\n\n- not an entry\n";
        let out = status_change(doc, "a", "d", ENTRY);
        assert_eq!(
            out,
            format!("---\nstatus: a\n---\n## Changelog\n\n- one\n- two\n{ENTRY}\n\n\n## Appendix\n\n- not an entry\n")
        );
        let doc = parse(&out);
        assert_eq!(
            doc.changelog_entries(),
            vec![(6, "- one".into()), (7, "- two".into()), (8, ENTRY.into())]
        );
        // A level 3 heading stays inside the section.
        let doc = "---\nstatus: draft\n---\n## Changelog\n- one\n### Details\ntext\n# Top\n";
        let out = status_change(doc, "a", "d", ENTRY);
        assert!(
            out.ends_with(&format!("### Details\ntext\n{ENTRY}\n# Top\n")),
            "{out}"
        );
    }

    #[test]
    fn changelog_with_trailing_text_gets_entry_after_it() {
        let doc =
            "---\nstatus: draft\n---\n## Changelog\n- one\n\nSee the wiki for older history.\n";
        let out = status_change(doc, "a", "d", ENTRY);
        assert!(
            out.ends_with(&format!("older history.\n{ENTRY}\n")),
            "{out}"
        );
    }

    #[test]
    fn changelog_missing_is_appended() {
        let doc = "---\nstatus: draft\n---\n# Title\n\nText.\n";
        let out = status_change(doc, "a", "d", ENTRY);
        assert_eq!(
            out,
            format!("---\nstatus: a\n---\n# Title\n\nText.\n\n## Changelog\n\n{ENTRY}\n")
        );
        let doc = "---\r\nstatus: draft\r\n---\r\nText.\r\n\r\n";
        let out = status_change(doc, "a", "d", ENTRY);
        assert_eq!(
            out,
            format!("---\r\nstatus: a\r\n---\r\nText.\r\n\r\n## Changelog\r\n\r\n{ENTRY}\r\n")
        );
        let out = status_change("---\nstatus: x\n---", "a", "d", ENTRY);
        assert_eq!(
            out,
            format!("---\nstatus: a\n---\n\n## Changelog\n\n{ENTRY}\n")
        );
    }

    #[test]
    fn empty_changelog_section() {
        let doc = "---\nstatus: draft\n---\n## Changelog\n\n## Next\n";
        let out = status_change(doc, "a", "d", ENTRY);
        assert_eq!(
            out,
            format!("---\nstatus: a\n---\n## Changelog\n{ENTRY}\n\n## Next\n")
        );
    }

    #[test]
    fn fenced_code_is_not_a_section_boundary() {
        let doc = "---\nstatus: draft\n---\n```\n## Changelog\n```\n## Changelog\n- one\n```md\n## x\n- fenced\n```\n\nAfter the fence.\n## End\n";
        let out = status_change(doc, "a", "d", ENTRY);
        assert!(
            out.ends_with(&format!("After the fence.\n{ENTRY}\n## End\n")),
            "{out}"
        );
        assert_eq!(
            parse(&out).changelog_entries(),
            vec![(8, "- one".into()), (15, ENTRY.into())]
        );
        let doc = "---\nstatus: draft\n---\n## Changelog\n- one\n~~~~\n## x\n~~~\n~~~~\n";
        let out = status_change(doc, "a", "d", ENTRY);
        assert!(out.ends_with(&format!("~~~\n~~~~\n{ENTRY}\n")), "{out}");
    }

    #[test]
    fn with_changelog_entry_only_appends() {
        let out = parse(DOC).with_changelog_entry(ENTRY);
        assert_eq!(String::from_utf8(out).unwrap(), format!("{DOC}{ENTRY}\n"));
        // Line breaks cannot smuggle in extra lines.
        let out = parse(DOC).with_changelog_entry("- a\nb");
        assert_eq!(String::from_utf8(out).unwrap(), format!("{DOC}- a b\n"));
    }

    #[test]
    fn status_change_entry_format() {
        assert_eq!(
            status_change_entry("2026-11-27", "draft", "approved", "Jane", None, false),
            ENTRY
        );
        assert_eq!(
            status_change_entry("2026-11-27", "review", "draft", "Jo Doe", Some("needs work"), true),
            "- 2026-11-27: Status changed from review to draft by Jo Doe (forced) \u{2014} needs work"
        );
        assert_eq!(
            status_change_entry("d", "a", "b", "n", Some("  "), false),
            "- d: Status changed from a to b by n"
        );
    }

    #[test]
    fn last_status_change_reads_the_last_entry_only() {
        let entries = [
            status_change_entry("2026-01-01", "draft", "review", "A", None, false),
            status_change_entry(
                "2026-01-02",
                "review",
                "draft",
                "B",
                Some("by and to"),
                true,
            ),
            "- 2026-01-03: Added a diagram".to_string(),
        ];
        let doc = format!(
            "---\nstatus: draft\n---\n## Changelog\n{}\n",
            entries.join("\n")
        );
        assert_eq!(
            parse(&doc).last_status_change(),
            Some(("review".into(), "draft".into()))
        );
        let doc = format!(
            "---\nstatus: draft\n---\n## Changelog\n- x\n```\n{}\n```\n",
            entries[0]
        );
        assert_eq!(parse(&doc).last_status_change(), None);
        assert_eq!(
            parse("---\nstatus: draft\n---\n").last_status_change(),
            None
        );
    }

    #[test]
    fn template_shaped_document() {
        let doc = "---\nspec-id: SPEC-0001\ntitle: T\nstatus: draft\npriority: medium\nowner: Jane\ncreated: 2026-01-01\nupdated: 2026-01-01\ntags: []\n---\n\n# T\n\n## References\n\n- [Design Document](link)\n\n## Changelog\n\nTrack major changes to this spec:\n\n- 2026-01-01: Initial draft created\n";
        let out = status_change(doc, "review", "2026-02-02", ENTRY);
        assert!(out.ends_with(&format!("- 2026-01-01: Initial draft created\n{ENTRY}\n")));
        assert_eq!(
            parse(doc).changelog_entries(),
            vec![(22, "- 2026-01-01: Initial draft created".into())]
        );
    }
}

//! `git spec list`: the specs as a table, JSON or CSV, filtered and sorted.
//!
//! A spec that cannot be parsed never hides the others: every other spec is
//! printed, the broken one is reported on stderr as `path:line: message`,
//! and the exit code is 1.

use std::cmp::Ordering;
use std::io::{self, IsTerminal, Write};

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use crate::catalog::{self, Broken, SpecRecord};
use crate::config::Config;
use crate::project::Project;
use crate::{reserve, term};

#[derive(Debug, Args)]
#[command(after_help = "\
Sort orders (ties are broken by id, numerically: SPEC-9999 before SPEC-10000):
  id        ascending
  status    workflow order ([workflow] statuses); unknown statuses last
  updated   newest first; specs without a date last
  priority  the order of [priority] allowed (default: low, medium, high, critical); unknown last
--reverse reverses any of them.

The TASKS column counts the body's checklist items, checked ([x] or [X]) of all
([ ] too), in any list style and nesting, code blocks left out: 3/24, or - for none.

JSON (--format json): an array of objects with the keys id, number, title, status,
priority, owner, created, updated, tags (array), path (from the repository root),
branch (null for the working tree) and tasks ({done, total, remaining_hours}: the
sum of the `(estimate: N hours)` of the unchecked items).
CSV (--format csv): the same columns but tasks, after a header line, RFC 4180
quoting, tags joined by ';', lines ending in LF.

Exit status: 0, or 1 when a spec cannot be parsed (reported on stderr as
path:line: message, after the list of the others).")]
pub struct ListArgs {
    /// Only specs with this status (repeatable: any of them)
    #[arg(long, short)]
    pub status: Vec<String>,
    /// Only specs whose owner contains this text (case-insensitive)
    #[arg(long)]
    pub owner: Option<String>,
    /// Only specs with this tag, exactly (repeatable: all must be present)
    #[arg(long, short)]
    pub tag: Vec<String>,
    /// Only specs with this priority (repeatable: any of them)
    #[arg(long, short)]
    pub priority: Vec<String>,
    /// Sort order (see below)
    #[arg(long, value_enum, default_value_t = SortKey::Id)]
    pub sort: SortKey,
    /// Reverse the sort order
    #[arg(long, short)]
    pub reverse: bool,
    /// Also specs that exist only on other local or remote-tracking branches
    /// (read from their trees, no checkout), with the branch named; a file on
    /// several branches is listed once, from the first branch by name
    #[arg(long, short)]
    pub all_branches: bool,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// The same as --format json
    #[arg(long, conflicts_with = "format")]
    pub json: bool,
    /// Only specs waiting for approval: a status they may move to next needs
    /// more current approvals (`[approval] required`) than they hold
    #[arg(long)]
    pub awaiting_approval: bool,
    /// List the ids reserved on the shared remote instead (from the local
    /// copy; `git spec fetch` updates it), with the spec that uses each, if any
    #[arg(long, conflicts_with_all = ["status", "owner", "tag", "priority", "all_branches"])]
    pub reserved: bool,
    /// Fit table rows in this many columns by shortening titles
    /// [default: the terminal's width (COLUMNS first); no limit when not a terminal]
    #[arg(long, value_name = "COLUMNS")]
    pub width: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SortKey {
    Id,
    Status,
    Updated,
    Priority,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
    Csv,
}

pub fn run(mut args: ListArgs) -> Result<i32> {
    if args.json {
        args.format = Format::Json;
    }
    let project = Project::open()?;
    let config = &project.config;
    warn_unknown_values(config, &args);

    if args.reserved {
        let (records, _) = catalog::working_tree_records(&project)?;
        return list_reserved(&project, &records, args.format);
    }
    let Listing { records, broken } = list_specs(&project, &args)?;

    let stdout = io::stdout();
    let is_terminal = stdout.is_terminal();
    let mut out = io::BufWriter::new(stdout.lock());
    let written = match args.format {
        Format::Json => write_json(&mut out, &records),
        Format::Csv => write_csv(&mut out, &records),
        Format::Table if records.is_empty() => Ok(()),
        Format::Table => {
            // The status column, coloured by the global --color rules.
            let colour = term::colour(
                is_terminal,
                project.repo.config_string("color.ui").as_deref(),
            );
            let width = args
                .width
                .or_else(|| is_terminal.then(terminal_width))
                .filter(|&w| w > 0);
            let table = Table {
                records: &records,
                branch_column: args.all_branches,
                colour,
                width,
                config,
            };
            table.write(&mut out)
        }
    }
    .and_then(|()| out.flush());
    match written {
        Ok(()) => {}
        // `git spec list | head`: the reader has all it wanted.
        Err(err) if err.kind() == io::ErrorKind::BrokenPipe => {}
        Err(err) => return Err(err).context("cannot write the list"),
    }
    drop(out);

    if records.is_empty() && args.format == Format::Table && broken.is_empty() {
        errln!("{}", empty_note(&project, &args));
    }
    for item in &broken {
        errln!("{item}");
    }
    // Same as the documents above: the process is about to exit.
    std::mem::forget(records);
    Ok(if broken.is_empty() { 0 } else { 1 })
}

/// The specs `list` shows, and the ones it could not read.
pub struct Listing {
    /// Filtered and sorted: the `--format json` array.
    pub records: Vec<SpecRecord>,
    /// Files that cannot be parsed (`path:line: message`).
    pub broken: Vec<Broken>,
}

/// The specs `args` selects (its filters, sort order and branches; not
/// `--reserved`, `--format` or the table options). Both `git spec list`
/// and the MCP tool `spec_list` call it.
pub fn list_specs(project: &Project, args: &ListArgs) -> Result<Listing> {
    let (mut records, errors) = catalog::working_tree_records(project)?;
    let mut broken: Vec<Broken> = errors
        .into_iter()
        .map(|error| Broken {
            branch: None,
            error,
        })
        .collect();
    if args.all_branches {
        let (more, errors) = catalog::branch_specs(project, &records, &broken)?;
        records.extend(more);
        broken.extend(errors);
    }

    records.retain(|record| matches(record, args));
    if args.awaiting_approval {
        records.retain(|record| awaits_approval(project, record));
    }
    sort(&mut records, args.sort, &project.config);
    if args.reverse {
        records.reverse();
    }
    Ok(Listing { records, broken })
}

/// A reservation and the working-tree spec that uses its id.
#[derive(Debug, serde::Serialize)]
struct ReservedId<'a> {
    id: String,
    #[serde(flatten)]
    reservation: &'a reserve::Reservation,
    /// Path of the spec with this id in the working tree, if any.
    spec: Option<&'a str>,
}

fn list_reserved(project: &Project, records: &[SpecRecord], format: Format) -> Result<i32> {
    let reservations = reserve::known_reservations(&project.repo)?;
    let rows: Vec<ReservedId<'_>> = reservations
        .iter()
        .map(|reservation| ReservedId {
            id: project.scheme.spec_id(reservation.number),
            reservation,
            spec: records
                .iter()
                .find(|r| r.number == reservation.number)
                .map(|r| r.path.as_str()),
        })
        .collect();
    let mut out = io::BufWriter::new(io::stdout().lock());
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &rows)?;
            writeln!(out)?;
        }
        Format::Csv => {
            writeln!(out, "id,number,remote,reserved_by,reserved_at,spec")?;
            for row in &rows {
                let r = row.reservation;
                let fields = [
                    row.id.clone(),
                    r.number.to_string(),
                    r.remote.clone(),
                    r.reserved_by.clone(),
                    r.reserved_at.clone(),
                    row.spec.unwrap_or("").to_string(),
                ];
                let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
                writeln!(out, "{}", line.join(","))?;
            }
        }
        Format::Table if rows.is_empty() => {
            errln!("no reserved ids known here (git spec fetch updates them from the remote)");
        }
        Format::Table => {
            let cells: Vec<[String; 5]> = rows
                .iter()
                .map(|row| {
                    let r = row.reservation;
                    [
                        row.id.clone(),
                        term::field(&r.remote).into_owned(),
                        term::field(&r.reserved_by).into_owned(),
                        term::field(&r.reserved_at).into_owned(),
                        term::field(row.spec.unwrap_or("-")).into_owned(),
                    ]
                })
                .collect();
            let header = ["ID", "REMOTE", "RESERVED BY", "DATE", "SPEC"].map(String::from);
            let widths: Vec<usize> = (0..5)
                .map(|i| {
                    cells
                        .iter()
                        .chain([&header])
                        .map(|c| c[i].width())
                        .max()
                        .unwrap_or(0)
                })
                .collect();
            for row in std::iter::once(&header).chain(&cells) {
                let line: Vec<String> = row
                    .iter()
                    .zip(&widths)
                    .map(|(cell, width)| pad_to(cell, *width))
                    .collect();
                writeln!(out, "{}", line.join("  ").trim_end())?;
            }
        }
    }
    out.flush()?;
    Ok(0)
}

/// Why nothing was printed.
fn empty_note(project: &Project, args: &ListArgs) -> String {
    let filtered = !args.status.is_empty()
        || args.owner.is_some()
        || !args.tag.is_empty()
        || !args.priority.is_empty();
    if filtered {
        "no specs match".to_string()
    } else {
        format!(
            "no specs in {}/ (create one with git spec new \"Title\")",
            project.config.dir
        )
    }
}

/// A `--status` or `--priority` that no configuration knows is most likely a
/// typo; say so (it still filters: specs may carry values the config lacks).
fn warn_unknown_values(config: &Config, args: &ListArgs) {
    for status in &args.status {
        if !config.workflow.is_status(status) {
            errln!(
                "note: {status:?} is not a status of the workflow ({})",
                config.workflow.statuses.join(", ")
            );
        }
    }
    for priority in &args.priority {
        if !config.priority.allowed.contains(priority) {
            errln!(
                "note: {priority:?} is not an allowed priority ({})",
                config.priority.allowed.join(", ")
            );
        }
    }
}

fn matches(record: &SpecRecord, args: &ListArgs) -> bool {
    if !args.status.is_empty() && !args.status.contains(&record.status) {
        return false;
    }
    if !args.priority.is_empty() && !args.priority.contains(&record.priority) {
        return false;
    }
    if let Some(owner) = &args.owner {
        if !record.owner.to_lowercase().contains(&owner.to_lowercase()) {
            return false;
        }
    }
    args.tag.iter().all(|tag| record.tags.contains(tag))
}

/// Sorts by `key`, then by number, path and branch (working tree first).
/// A path is listed once per branch, so the order is total and unstable
/// sorts give the one result (without a stable sort's scratch copy of
/// 10,000 records; sorting by id what is sorted by id already is a scan).
fn sort(records: &mut [SpecRecord], key: SortKey, config: &Config) {
    let rank = |list: &[String], value: &str| list.iter().position(|s| s == value);
    let by_id = |a: &SpecRecord, b: &SpecRecord| {
        a.number
            .cmp(&b.number)
            .then_with(|| a.path.cmp(&b.path))
            .then_with(|| a.branch.cmp(&b.branch))
    };
    // Known values in the configured order, then unknown ones by name.
    let ranked = |list: &[String], a: &str, b: &str| match (rank(list, a), rank(list, b)) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => a.cmp(b),
    };
    match key {
        SortKey::Id => records.sort_unstable_by(by_id),
        SortKey::Status => records.sort_unstable_by(|a, b| {
            ranked(&config.workflow.statuses, &a.status, &b.status).then_with(|| by_id(a, b))
        }),
        SortKey::Priority => records.sort_unstable_by(|a, b| {
            ranked(&config.priority.allowed, &a.priority, &b.priority).then_with(|| by_id(a, b))
        }),
        SortKey::Updated => records.sort_unstable_by(|a, b| {
            // Newest first; dates are YYYY-MM-DD, so text order is date
            // order. An empty date sorts last.
            match (a.updated.is_empty(), b.updated.is_empty()) {
                (false, true) => Ordering::Less,
                (true, false) => Ordering::Greater,
                _ => b.updated.cmp(&a.updated),
            }
            .then_with(|| by_id(a, b))
        }),
    }
}

// ---------------------------------------------------------------------------
// Output.
// ---------------------------------------------------------------------------

/// The records as one pretty-printed JSON array. Ten thousand records are
/// 4 MB of JSON, so pieces of the array are written on the parsing
/// threads and joined: each piece is an array of its own, whose brackets
/// the join drops (the bytes are those of the whole array written at once).
fn write_json(out: &mut impl Write, records: &[SpecRecord]) -> io::Result<()> {
    const PER_PIECE: usize = 2048;
    if records.len() <= PER_PIECE {
        serde_json::to_writer_pretty(&mut *out, records).map_err(io::Error::from)?;
        return writeln!(out);
    }
    let pieces: Vec<&[SpecRecord]> = records.chunks(PER_PIECE).collect();
    let texts = crate::parallel::map(&pieces, 1, serde_json::to_vec_pretty);
    out.write_all(b"[\n")?;
    for (index, text) in texts.into_iter().enumerate() {
        let text = text.map_err(io::Error::from)?;
        // "[\n  {...},\n  {...}\n]" -> "  {...},\n  {...}"
        let inner = &text[2..text.len() - 2];
        if index > 0 {
            out.write_all(b",\n")?;
        }
        out.write_all(inner)?;
    }
    out.write_all(b"\n]\n")
}

const CSV_HEADER: [&str; 11] = [
    "id", "number", "title", "status", "priority", "owner", "created", "updated", "tags", "path",
    "branch",
];

fn write_csv(out: &mut impl Write, records: &[SpecRecord]) -> io::Result<()> {
    writeln!(out, "{}", CSV_HEADER.join(","))?;
    for r in records {
        let number = r.number.to_string();
        let tags = r.tags.join(";");
        let fields = [
            r.id.as_str(),
            &number,
            &r.title,
            &r.status,
            &r.priority,
            &r.owner,
            &r.created,
            &r.updated,
            &tags,
            &r.path,
            r.branch.as_deref().unwrap_or(""),
        ];
        let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        writeln!(out, "{}", line.join(","))?;
    }
    Ok(())
}

/// RFC 4180: a field with a comma, a double quote or a line break is put in
/// double quotes, with its double quotes doubled.
fn csv_field(field: &str) -> String {
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}

/// COLUMNS when set, else the terminal's width, else 80.
fn terminal_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|&c| c > 0)
        .or_else(|| {
            terminal_size::terminal_size_of(std::io::stdout())
                .map(|(terminal_size::Width(w), _)| usize::from(w))
                .filter(|&w| w > 0)
        })
        .unwrap_or(80)
}

/// The style of a status: where it stands in the default workflow's
/// lifecycle; other workflows' final statuses are grey, unknown ones bold red.
fn status_style(status: &str, config: &Config) -> Option<anstyle::Style> {
    use anstyle::{AnsiColor, Style};
    let colour = |c: AnsiColor| Style::new().fg_color(Some(c.into()));
    Some(match status {
        "draft" => colour(AnsiColor::Yellow),
        "review" => colour(AnsiColor::Magenta),
        "approved" => colour(AnsiColor::Cyan),
        "in-progress" => colour(AnsiColor::Blue),
        "implemented" => colour(AnsiColor::Green),
        "rejected" => colour(AnsiColor::Red),
        "withdrawn" | "superseded" => colour(AnsiColor::BrightBlack),
        _ if !config.workflow.is_status(status) => colour(AnsiColor::Red).bold(),
        _ if config.workflow.is_final(status) => colour(AnsiColor::BrightBlack),
        _ => return None,
    })
}

struct Table<'a> {
    records: &'a [SpecRecord],
    branch_column: bool,
    colour: bool,
    /// Fit rows in this many columns by shortening titles.
    width: Option<usize>,
    config: &'a Config,
}

/// The smallest width a shortened title keeps.
const MIN_TITLE: usize = 10;

impl Table<'_> {
    fn write(&self, out: &mut impl Write) -> io::Result<()> {
        let header: Vec<&str> = if self.branch_column {
            vec![
                "ID", "STATUS", "PRIORITY", "OWNER", "UPDATED", "TASKS", "BRANCH", "TITLE",
            ]
        } else {
            vec![
                "ID", "STATUS", "PRIORITY", "OWNER", "UPDATED", "TASKS", "TITLE",
            ]
        };
        let rows: Vec<Vec<String>> = self
            .records
            .iter()
            .map(|r| {
                let mut row = vec![
                    cell(&r.id),
                    cell(&r.status),
                    cell(&r.priority),
                    cell(&r.owner),
                    cell(&r.updated),
                    r.tasks.fraction(),
                ];
                if self.branch_column {
                    row.push(cell(r.branch.as_deref().unwrap_or("")));
                }
                row.push(cell(&r.title));
                row
            })
            .collect();
        let last = header.len() - 1;
        // Display widths: a CJK character takes two columns, a combining
        // mark none.
        let mut widths: Vec<usize> = header.iter().map(|h| h.width()).collect();
        for row in &rows {
            for (i, value) in row.iter().enumerate() {
                widths[i] = widths[i].max(value.width());
            }
        }
        // Everything before the title, with two spaces between columns.
        let prefix: usize = widths[..last].iter().map(|w| w + 2).sum();
        let title_width = self
            .width
            .map(|total| total.saturating_sub(prefix).max(MIN_TITLE));

        let header: Vec<String> = header.iter().map(|h| h.to_string()).collect();
        self.write_row(out, &header, &widths, title_width, false)?;
        for row in &rows {
            self.write_row(out, row, &widths, title_width, self.colour)?;
        }
        Ok(())
    }

    fn write_row(
        &self,
        out: &mut impl Write,
        row: &[String],
        widths: &[usize],
        title_width: Option<usize>,
        colour: bool,
    ) -> io::Result<()> {
        let last = row.len() - 1;
        let mut line = String::new();
        for (i, value) in row.iter().enumerate() {
            if i == last {
                match title_width {
                    Some(max) => line.push_str(&shorten(value, max)),
                    None => line.push_str(value),
                }
                break;
            }
            let pad = widths[i] - value.width() + 2;
            match status_style(value, self.config).filter(|_| colour && i == 1) {
                Some(style) => line.push_str(&format!("{style}{value}{style:#}")),
                None => line.push_str(value),
            }
            line.extend(std::iter::repeat_n(' ', pad));
        }
        writeln!(out, "{}", line.trim_end())
    }
}

/// Whether a spec of the working tree could move next to a status that
/// needs more current approvals than it holds. Reads the file again: the
/// records keep no documents.
fn awaits_approval(project: &Project, record: &SpecRecord) -> bool {
    let config = &project.config.approval;
    if record.branch.is_some() || config.required.is_empty() {
        return false;
    }
    let next = project.config.workflow.next(&record.status);
    if !next
        .iter()
        .any(|status| config.required.contains_key(status))
    {
        return false;
    }
    let path = project.repo.workdir.join(&record.path);
    let Ok(bytes) = std::fs::read(&path) else {
        return false;
    };
    let Ok(document) = crate::document::Document::parse(std::path::Path::new(&record.path), &bytes)
    else {
        return false;
    };
    next.iter()
        .any(|status| crate::approval::shortfall(&document, status, config).is_some())
}

/// A table cell: one line with its controls shown (see [`term::field`]),
/// `-` when empty.
fn cell(value: &str) -> String {
    let value = term::field(value);
    if value.trim().is_empty() {
        "-".to_string()
    } else {
        value.into_owned()
    }
}

/// `value` cut to `max` columns of display width, the last one an
/// ellipsis; a wide character that would straddle the edge is left out.
fn shorten(value: &str, max: usize) -> String {
    if value.width() <= max {
        return value.to_string();
    }
    let mut cut = String::new();
    let mut used = 0;
    for c in value.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > max.saturating_sub(1) {
            break;
        }
        cut.push(c);
        used += w;
    }
    cut.push('…');
    cut
}

/// `value` followed by spaces up to `width` columns of display width.
fn pad_to(value: &str, width: usize) -> String {
    let mut out = value.to_string();
    out.extend(std::iter::repeat_n(
        ' ',
        width.saturating_sub(value.width()),
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_are_display_columns() {
        assert_eq!(pad_to("王小明", 8), "王小明  ");
        assert_eq!(pad_to("Bob", 8), "Bob     ");
        // Six columns of CJK do not fit in 5: two characters and the ellipsis.
        assert_eq!(shorten("王小明王", 6), "王小…");
        assert_eq!(shorten("王小明", 6), "王小明");
        assert_eq!(
            shorten("e\u{301}e\u{301}e\u{301}", 3),
            "e\u{301}e\u{301}e\u{301}"
        );
    }

    #[test]
    fn json_written_in_pieces_is_the_json_of_the_whole_array() {
        let record = |n: u64| SpecRecord {
            id: format!("SPEC-{n:04}"),
            number: n,
            provisional: false,
            title: format!("T\u{e9}\"{n}\"\n"),
            status: "draft".into(),
            priority: "low".into(),
            owner: "O".into(),
            created: "2026-01-01".into(),
            updated: "2026-01-02".into(),
            tags: if n.is_multiple_of(2) {
                vec!["a".into()]
            } else {
                vec![]
            },
            path: format!("specs/{n:04}-t.md"),
            branch: n.is_multiple_of(3).then(|| "b".into()),
            tasks: crate::tasks::TaskProgress::default(),
        };
        for count in [0, 1, 2048, 2049, 5000] {
            let records: Vec<SpecRecord> = (1..=count).map(record).collect();
            let mut pieces = Vec::new();
            write_json(&mut pieces, &records).unwrap();
            let mut whole = serde_json::to_vec_pretty(&records).unwrap();
            whole.push(b'\n');
            assert_eq!(
                String::from_utf8(pieces).unwrap(),
                String::from_utf8(whole).unwrap(),
                "{count}"
            );
        }
    }

    #[test]
    fn csv_quoting() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a, b"), "\"a, b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("two\nlines"), "\"two\nlines\"");
        assert_eq!(csv_field(""), "");
    }

    #[test]
    fn shorten_keeps_width() {
        assert_eq!(shorten("short", 10), "short");
        assert_eq!(shorten("exactly10!", 10), "exactly10!");
        assert_eq!(shorten("a longer title", 10), "a longer …");
        assert_eq!(shorten("ééééééééééé", 5), "éééé…");
    }

    #[test]
    fn cells_are_one_line() {
        assert_eq!(cell(""), "-");
        assert_eq!(cell("a\tb\nc"), "a b c");
    }
}

//! The board's static site: `index.html` (one column per status, one card
//! per spec, filters) and one page per spec, as HTML strings. Everything
//! from the repository goes through [`html::escape`] or
//! [`html::markdown`]; the pages load nothing (their Content Security
//! Policy forbids it too: a slip in escaping still could not fetch or, on
//! a spec page, run anything).
//!
//! The output depends only on the specs and their history (no timestamp),
//! so running `git spec board` again over the same commit changes nothing.

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;
use std::sync::OnceLock;

use crate::approval::Approval;
use crate::catalog::SpecRecord;
use crate::history::Change;
use crate::tasks::format_hours;
use crate::workflow::Workflow;

pub mod html;

use html::escape;

const STYLE: &str = include_str!("board.css");

/// The stylesheets of index.html and of a spec page, from [`STYLE`]'s
/// shared part and each one's own, without comments and runs of spaces
/// (a board of 10,000 pages carries its stylesheet 10,000 times).
fn styles() -> &'static (String, String) {
    static STYLES: OnceLock<(String, String)> = OnceLock::new();
    STYLES.get_or_init(|| {
        let (shared, rest) = STYLE
            .split_once("/* == board ==")
            .expect("board.css has its board marker");
        let (board, page) = rest
            .split_once("/* == page ==")
            .expect("board.css has its page marker");
        let shared = minify_css(shared);
        (
            format!("{shared}{}", minify_css(board)),
            format!("{shared}{}", minify_css(page)),
        )
    })
}

/// CSS without comments (a part may start inside one, after its marker)
/// and with each run of white space made one space.
fn minify_css(css: &str) -> String {
    let mut css = css;
    if let Some(end) = css.find("*/").filter(|&end| !css[..end].contains("/*")) {
        css = &css[end + 2..];
    }
    let mut out = String::with_capacity(css.len());
    let mut rest = css;
    while let Some(start) = rest.find("/*") {
        out.push_str(&rest[..start]);
        rest = rest[start..]
            .find("*/")
            .map_or("", |end| &rest[start + end + 2..]);
    }
    out.push_str(rest);
    let mut compact = String::with_capacity(out.len());
    let mut space = false;
    for c in out.trim().chars() {
        if c.is_whitespace() {
            space = true;
            continue;
        }
        if space && !compact.is_empty() {
            compact.push(' ');
        }
        space = false;
        compact.push(c);
    }
    compact.push('\n');
    compact
}
const FILTER_SCRIPT: &str = include_str!("filter.js");

/// The board page may run its own inline script and style and load nothing.
const INDEX_POLICY: &str = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";
/// A spec page runs no script at all: it holds the rendered body.
const PAGE_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

/// One spec as the board shows it.
pub struct BoardSpec<'a> {
    pub record: &'a SpecRecord,
    /// The Markdown after the front matter.
    pub body: &'a str,
    pub approvals: Vec<Approval>,
    /// Its relations both ways, by id.
    pub relations: crate::relations::Both,
    /// Status changes, oldest first (`git spec log`).
    pub timeline: Vec<Change>,
    /// The file name of its page, `SPEC-0042.html`.
    pub page: String,
}

/// A status column: the workflow's, then unknown ones.
struct Column<'s, 'a> {
    status: String,
    /// Index into the colour palette (`.s0`..`.s8`).
    shade: usize,
    known: bool,
    specs: Vec<&'s BoardSpec<'a>>,
}

/// The site's files: `index.html` first, then one page per spec.
pub fn site(workflow: &Workflow, specs: &[BoardSpec<'_>]) -> Vec<(String, Vec<u8>)> {
    // A spec's file name -> its page (the first spec of that name wins:
    // the working tree's before a branch's).
    let pages: HashMap<&str, &str> = specs
        .iter()
        .rev()
        .map(|s| (file_name(&s.record.path), s.page.as_str()))
        .collect();
    // An id -> its page, for the relations.
    let by_id: HashMap<&str, &str> = specs
        .iter()
        .rev()
        .map(|s| (s.record.id.as_str(), s.page.as_str()))
        .collect();
    let columns = columns(workflow, specs);
    let mut files = Vec::with_capacity(specs.len() + 1);
    files.push((
        "index.html".to_string(),
        index(&columns, specs).into_bytes(),
    ));
    let shade_of: HashMap<&str, usize> = columns
        .iter()
        .map(|c| (c.status.as_str(), c.shade))
        .collect();
    // Rendering 10,000 bodies is worth two cores.
    let rendered = crate::parallel::map(specs, 256, |spec| {
        let shade = shade_of
            .get(spec.record.status.as_str())
            .copied()
            .unwrap_or(8);
        (
            spec.page.clone(),
            page(spec, shade, &pages, &by_id).into_bytes(),
        )
    });
    files.extend(rendered);
    files
}

/// The page file name of each spec: its id in the repository's form
/// (`SPEC-0042.html`), made of safe characters only; a second spec with
/// the same id (a collision `git spec check` reports) gets `-2`.
pub fn page_names(ids: &[String]) -> Vec<String> {
    let mut taken: HashMap<String, usize> = HashMap::new();
    ids.iter()
        .map(|id| {
            let mut base: String = id
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            if base.is_empty() || base.eq_ignore_ascii_case("index") {
                base = format!("spec-{base}");
            }
            let seen = taken.entry(base.to_ascii_lowercase()).or_insert(0);
            *seen += 1;
            if *seen == 1 {
                format!("{base}.html")
            } else {
                format!("{base}-{seen}.html")
            }
        })
        .collect()
}

fn columns<'s, 'a>(workflow: &Workflow, specs: &'s [BoardSpec<'a>]) -> Vec<Column<'s, 'a>> {
    let mut columns: Vec<Column<'s, 'a>> = workflow
        .statuses
        .iter()
        .enumerate()
        .map(|(i, status)| Column {
            status: status.clone(),
            shade: i.min(7),
            known: true,
            specs: Vec::new(),
        })
        .collect();
    let mut unknown: BTreeSet<&str> = BTreeSet::new();
    for spec in specs {
        if !workflow.is_status(&spec.record.status) {
            unknown.insert(&spec.record.status);
        }
    }
    for status in unknown {
        columns.push(Column {
            status: status.to_string(),
            shade: 8,
            known: false,
            specs: Vec::new(),
        });
    }
    let position: HashMap<String, usize> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| (c.status.clone(), i))
        .collect();
    for spec in specs {
        columns[position[&spec.record.status]].specs.push(spec);
    }
    for column in &mut columns {
        column.specs.sort_by_key(|spec| spec.record.number);
    }
    columns
}

fn head(title: &str, policy: &str, style: &str, out: &mut String) {
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{policy}\">\n\
         <meta name=\"referrer\" content=\"no-referrer\">\n\
         <meta name=\"generator\" content=\"git spec board\">\n\
         <title>{}</title>\n<style>\n{style}</style>\n</head>\n",
        escape(title)
    );
}

/// `(no status)` for an empty status, else the status.
fn status_label(status: &str) -> &str {
    if status.trim().is_empty() {
        "(no status)"
    } else {
        status
    }
}

fn index(columns: &[Column<'_, '_>], specs: &[BoardSpec<'_>]) -> String {
    let mut out = String::with_capacity(4096 + specs.len() * 900);
    head("Spec board", INDEX_POLICY, &styles().0, &mut out);
    out.push_str("<body>\n<a class=\"skip\" href=\"#board\">Skip to the board</a>\n");
    let _ = writeln!(
        out,
        "<header class=\"top\">\n<h1>Spec board</h1>\n<p>{} in {} statuses, from <code>git spec board</code></p>\n</header>",
        plural(specs.len(), "spec", "specs"),
        columns.len()
    );

    // Filters: the values the specs carry, sorted.
    let mut tags = BTreeSet::new();
    let mut owners = BTreeSet::new();
    let mut priorities = BTreeSet::new();
    for spec in specs {
        tags.extend(spec.record.tags.iter().map(String::as_str));
        if !spec.record.owner.is_empty() {
            owners.insert(spec.record.owner.as_str());
        }
        if !spec.record.priority.is_empty() {
            priorities.insert(spec.record.priority.as_str());
        }
    }
    out.push_str(
        "<form id=\"filters\" role=\"search\" aria-label=\"Filter specs\">\n\
         <label for=\"f-text\">Text<input id=\"f-text\" type=\"search\" placeholder=\"id, title, owner, tag\" autocomplete=\"off\"></label>\n",
    );
    for (id, label, all, values) in [
        ("f-tag", "Tag", "All tags", &tags),
        ("f-owner", "Owner", "All owners", &owners),
        ("f-priority", "Priority", "All priorities", &priorities),
    ] {
        let _ = write!(
            out,
            "<label for=\"{id}\">{label}<select id=\"{id}\"><option value=\"\">{all}</option>"
        );
        for value in values {
            let value = escape(value);
            let _ = write!(out, "<option value=\"{value}\">{value}</option>");
        }
        out.push_str("</select></label>\n");
    }
    let _ = writeln!(
        out,
        "<button type=\"reset\">Clear filters</button>\n<p id=\"shown\" role=\"status\" aria-live=\"polite\">{}</p>\n</form>",
        plural(specs.len(), "spec", "specs")
    );

    out.push_str("<main id=\"board\" class=\"board\" aria-label=\"Specs by status\">\n");
    for (i, column) in columns.iter().enumerate() {
        let label = escape(status_label(&column.status));
        let _ = writeln!(
            out,
            "<section class=\"column s{shade}\" aria-labelledby=\"col-{i}\" data-status=\"{label}\">\n\
             <h2 id=\"col-{i}\"><span class=\"badge\" aria-hidden=\"true\"></span>{label}{unknown}<span class=\"count\"><span class=\"n\">{count}</span><span class=\"sr\"> {noun}</span></span></h2>",
            shade = column.shade,
            unknown = if column.known {
                ""
            } else {
                " <span class=\"muted\">(not in the workflow)</span>"
            },
            count = column.specs.len(),
            noun = if column.specs.len() == 1 { "spec" } else { "specs" },
        );
        if column.specs.is_empty() {
            out.push_str("<p class=\"empty\">No specs.</p>\n");
        } else {
            out.push_str("<ol class=\"cards\">\n");
            for spec in &column.specs {
                card(spec, column.shade, &mut out);
            }
            out.push_str("</ol>\n");
        }
        out.push_str("</section>\n");
    }
    out.push_str("</main>\n<script>\n");
    out.push_str(FILTER_SCRIPT);
    out.push_str("</script>\n</body>\n</html>\n");
    out
}

fn card(spec: &BoardSpec<'_>, shade: usize, out: &mut String) {
    let r = spec.record;
    let search = format!(
        "{} {} {} {} {} {}",
        r.id,
        r.title,
        r.owner,
        r.status,
        r.priority,
        r.tags.join(" ")
    )
    .to_lowercase();
    let _ = write!(
        out,
        "<li class=\"card s{shade}\" data-id=\"{id}\" data-text=\"{text}\" data-tags=\"{tags}\" data-owner=\"{owner}\" data-priority=\"{priority}\">\n\
         <h3><a href=\"{page}\"><span class=\"id\">{id}</span>{title}</a></h3>\n<dl>",
        id = escape(&r.id),
        text = escape(&search),
        tags = escape(&r.tags.join("\n")),
        owner = escape(&r.owner),
        priority = escape(&r.priority),
        page = escape(&spec.page),
        title = escape(or_untitled(&r.title)),
    );
    let _ = write!(out, "<dt>Owner</dt><dd>{}</dd>", escape(or_dash(&r.owner)));
    let _ = write!(
        out,
        "<dt>Priority</dt><dd>{}</dd>",
        escape(or_dash(&r.priority))
    );
    if !r.tags.is_empty() {
        out.push_str("<dt>Tags</dt><dd><ul class=\"tags\">");
        for tag in &r.tags {
            let _ = write!(out, "<li>{}</li>", escape(tag));
        }
        out.push_str("</ul></dd>");
    }
    let _ = write!(
        out,
        "<dt>Updated</dt><dd>{}</dd>",
        escape(or_dash(&r.updated))
    );
    if let Some(branch) = &r.branch {
        let _ = write!(out, "<dt>Branch</dt><dd>{}</dd>", escape(branch));
    }
    if r.tasks.total > 0 {
        let _ = write!(
            out,
            "<dt>Tasks</dt><dd class=\"progress\"><span>{}</span>{}</dd>",
            r.tasks.fraction(),
            bar(r.tasks.done, r.tasks.total)
        );
    }
    out.push_str("</dl>\n</li>\n");
}

/// A progress bar that only repeats the `3/24` next to it.
fn bar(done: usize, total: usize) -> String {
    let percent = (done * 100).checked_div(total).unwrap_or(0);
    format!(
        "<span class=\"bar\" aria-hidden=\"true\"><span style=\"width:{percent}%\"></span></span>"
    )
}

fn page(
    spec: &BoardSpec<'_>,
    shade: usize,
    pages: &HashMap<&str, &str>,
    by_id: &HashMap<&str, &str>,
) -> String {
    let r = spec.record;
    let mut out = String::with_capacity(8192 + spec.body.len() * 2);
    head(
        &format!("{} {} – Spec board", r.id, or_untitled(&r.title)),
        PAGE_POLICY,
        &styles().1,
        &mut out,
    );
    let _ = writeln!(
        out,
        "<body>\n<div class=\"page\">\n<header>\n<nav aria-label=\"Board\"><a href=\"index.html\">&larr; All specs</a></nav>\n\
         <h1><span class=\"id\">{}</span>{}</h1>\n</header>\n<main>",
        escape(&r.id),
        escape(or_untitled(&r.title))
    );

    out.push_str("<section aria-labelledby=\"summary\">\n<h2 id=\"summary\">Summary</h2>\n<dl class=\"facts\">\n");
    let _ = writeln!(
        out,
        "<dt>Status</dt><dd><span class=\"status s{shade}\"><span class=\"badge\" aria-hidden=\"true\"></span>{}</span></dd>",
        escape(status_label(&r.status))
    );
    for (label, value) in [
        ("Priority", &r.priority),
        ("Owner", &r.owner),
        ("Created", &r.created),
        ("Updated", &r.updated),
    ] {
        let _ = writeln!(out, "<dt>{label}</dt><dd>{}</dd>", escape(or_dash(value)));
    }
    let tags = if r.tags.is_empty() {
        "-".to_string()
    } else {
        r.tags.join(", ")
    };
    let _ = writeln!(out, "<dt>Tags</dt><dd>{}</dd>", escape(&tags));
    let tasks = if r.tasks.total == 0 {
        "-".to_string()
    } else {
        format!(
            "{} done, {} h estimated left",
            r.tasks.fraction(),
            format_hours(r.tasks.remaining_hours)
        )
    };
    let _ = writeln!(out, "<dt>Tasks</dt><dd>{}</dd>", escape(&tasks));
    let _ = writeln!(
        out,
        "<dt>File</dt><dd><code>{}</code></dd>",
        escape(&r.path)
    );
    if let Some(branch) = &r.branch {
        let _ = writeln!(
            out,
            "<dt>Branch</dt><dd><code>{}</code></dd>",
            escape(branch)
        );
    }
    out.push_str("</dl>\n</section>\n");

    out.push_str(
        "<section aria-labelledby=\"timeline\">\n<h2 id=\"timeline\">Status timeline</h2>\n",
    );
    if spec.timeline.is_empty() {
        out.push_str(
            "<p class=\"muted\">No committed status yet: commit the spec, then each status change shows here.</p>\n",
        );
    } else {
        out.push_str("<table>\n<thead><tr><th scope=\"col\">Date</th><th scope=\"col\">Change</th><th scope=\"col\">By</th><th scope=\"col\">Commit</th></tr></thead>\n<tbody>\n");
        for change in &spec.timeline {
            let from = change.from.as_deref().unwrap_or("(new)");
            let short: String = change.commit.chars().take(7).collect();
            let _ = writeln!(
                out,
                "<tr class=\"change\" data-commit=\"{commit}\"><td><time>{date}</time></td><td>{from} &rarr; {to}</td><td>{author}</td><td><code>{short}</code></td></tr>",
                commit = escape(&change.commit),
                date = escape(&change.date),
                from = escape(from),
                to = escape(&change.to),
                author = escape(&change.author),
            );
        }
        out.push_str("</tbody>\n</table>\n");
    }
    out.push_str("</section>\n");

    out.push_str("<section aria-labelledby=\"approvals\">\n<h2 id=\"approvals\">Approvals</h2>\n");
    if spec.approvals.is_empty() {
        out.push_str(
            "<p class=\"muted\">None recorded (<code>git spec approve</code> records one).</p>\n",
        );
    } else {
        out.push_str("<table>\n<thead><tr><th scope=\"col\">Date</th><th scope=\"col\">By</th><th scope=\"col\">Content</th><th scope=\"col\">Counts</th></tr></thead>\n<tbody>\n");
        for approval in &spec.approvals {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{} &lt;{}&gt;</td><td><code>{}</code></td><td>{}</td></tr>",
                escape(&approval.date),
                escape(&approval.name),
                escape(&approval.email),
                escape(&approval.content),
                escape(approval.why_not.unwrap_or("yes"))
            );
        }
        out.push_str("</tbody>\n</table>\n");
    }
    out.push_str("</section>\n");

    let relations = &spec.relations;
    if !relations.is_empty() {
        out.push_str("<section aria-labelledby=\"relations\">\n<h2 id=\"relations\">Relations</h2>\n<dl class=\"facts\">\n");
        for (label, ids) in [
            ("Depends on", &relations.depends_on),
            ("Needed by", &relations.needed_by),
            ("Supersedes", &relations.supersedes),
            ("Superseded by", &relations.superseded_by),
        ] {
            if ids.is_empty() {
                continue;
            }
            // A spec the board has gets a link; one it lacks is named.
            let links: Vec<String> = ids
                .iter()
                .map(|id| match by_id.get(id.as_str()) {
                    Some(page) => format!("<a href=\"{}\">{}</a>", escape(page), escape(id)),
                    None => escape(id),
                })
                .collect();
            let _ = writeln!(out, "<dt>{label}</dt><dd>{}</dd>", links.join(", "));
        }
        out.push_str("</dl>\n</section>\n");
    }

    // Links to another spec's file (`0002-x.md`, `../specs/0002-x.md`)
    // lead to its page.
    let link_target = |url: &str| -> Option<String> {
        // An anchor is dropped: the page's ids are not the file's.
        let path = url.split(['#', '?']).next().unwrap_or(url);
        let name = file_name(path);
        if !name.ends_with(".md") {
            return None;
        }
        pages.get(name).map(|page| page.to_string())
    };
    let _ = writeln!(
        out,
        "<article class=\"body\" aria-labelledby=\"document\">\n<h2 id=\"document\">Document</h2>\n{}</article>",
        html::markdown(spec.body, &link_target)
    );
    out.push_str("</main>\n</div>\n</body>\n</html>\n");
    out
}

/// The last part of a `/`-separated path.
fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

fn or_dash(value: &str) -> &str {
    if value.trim().is_empty() {
        "-"
    } else {
        value
    }
}

fn or_untitled(value: &str) -> &str {
    if value.trim().is_empty() {
        "(untitled)"
    } else {
        value
    }
}

fn plural(count: usize, one: &str, many: &str) -> String {
    crate::term::plural(count, one, many)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stylesheets_are_split_and_compact() {
        let (board, page) = styles();
        assert!(board.contains(".card {") && !board.contains(".facts"));
        assert!(page.contains(".facts {") && !page.contains(".card {"));
        for css in [board, page] {
            assert!(css.contains("prefers-color-scheme: dark"));
            assert!(!css.contains("/*") && !css.contains("*/") && !css.contains("  "));
        }
        assert_eq!(
            minify_css("a { b: c; } /* x */\n  d {}"),
            "a { b: c; } d {}\n"
        );
    }

    #[test]
    fn page_names_are_safe_and_unique() {
        let ids = ["SPEC-0001", "SPEC-0001", "../../etc/x", "", "index"].map(String::from);
        assert_eq!(
            page_names(&ids),
            [
                "SPEC-0001.html",
                "SPEC-0001-2.html",
                "______etc_x.html",
                "spec-.html",
                "spec-index.html"
            ]
        );
    }
}

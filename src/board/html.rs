//! HTML from repository data, which is untrusted: every value is escaped,
//! and Markdown is rendered with its raw HTML shown as text.
//!
//! A spec's body may hold `<script>`, `<img src=x onerror=...>`, a
//! `javascript:` link or an image on a tracking server. pulldown-cmark
//! passes raw HTML through and keeps any link destination, so the events
//! are rewritten before rendering: raw HTML becomes text, a link keeps its
//! destination only when it is relative or http(s)/mailto, and an image
//! becomes a link to it (no page of the board loads anything).

use pulldown_cmark::{CowStr, Event, HeadingLevel, LinkType, Options, Parser, Tag, TagEnd};

/// `text` with `&`, `<`, `>`, `"` and `'` escaped: safe in element
/// content and in a quoted attribute value.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // NUL and other C0 controls but tab and line breaks are not
            // allowed in HTML text.
            c if c.is_control() && !matches!(c, '\t' | '\n' | '\r') => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// A spec body rendered to HTML. Headings go one level down (the page's
/// own `<h1>` is the spec's title); `link_target` may rewrite a relative
/// link (a link to another spec's file becomes a link to its page).
pub fn markdown(body: &str, link_target: &dyn Fn(&str) -> Option<String>) -> String {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_FOOTNOTES;
    let events = Parser::new_ext(body, options).flat_map(|event| rewrite(event, link_target));
    let mut out = String::with_capacity(body.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut out, events);
    out
}

/// One event made safe; an image becomes several.
fn rewrite<'a>(event: Event<'a>, link_target: &dyn Fn(&str) -> Option<String>) -> Vec<Event<'a>> {
    match event {
        // Raw HTML is shown, never interpreted.
        Event::Html(html) | Event::InlineHtml(html) => vec![Event::Text(html)],
        Event::Start(Tag::Heading {
            level,
            id,
            classes,
            attrs,
        }) => vec![Event::Start(Tag::Heading {
            level: lower(level),
            id,
            classes,
            attrs,
        })],
        Event::End(TagEnd::Heading(level)) => vec![Event::End(TagEnd::Heading(lower(level)))],
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => vec![Event::Start(Tag::Link {
            link_type,
            dest_url: safe_destination(dest_url, link_target),
            title,
            id,
        })],
        Event::Start(Tag::Image {
            dest_url, title, ..
        }) => vec![
            Event::Start(Tag::Link {
                link_type: LinkType::Inline,
                dest_url: safe_destination(dest_url, link_target),
                title,
                id: CowStr::Borrowed(""),
            }),
            Event::Text(CowStr::Borrowed("[image] ")),
        ],
        Event::End(TagEnd::Image) => vec![Event::End(TagEnd::Link)],
        other => vec![other],
    }
}

fn lower(level: HeadingLevel) -> HeadingLevel {
    match level {
        HeadingLevel::H1 => HeadingLevel::H2,
        HeadingLevel::H2 => HeadingLevel::H3,
        HeadingLevel::H3 => HeadingLevel::H4,
        HeadingLevel::H4 => HeadingLevel::H5,
        _ => HeadingLevel::H6,
    }
}

/// A link destination the board may keep: relative (a page, an anchor),
/// or http, https or mailto. Anything else (`javascript:`, `data:`,
/// `file:`, `vbscript:`) becomes `#`.
fn safe_destination<'a>(
    url: CowStr<'a>,
    link_target: &dyn Fn(&str) -> Option<String>,
) -> CowStr<'a> {
    // Browsers drop tabs and line breaks inside a URL and ignore leading
    // spaces and controls: `java\tscript:` is still javascript.
    let compact: String = url
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .collect();
    let scheme_end = compact.find(':');
    let path_start = compact.find(['/', '?', '#']);
    let has_scheme = match (scheme_end, path_start) {
        (Some(colon), Some(path)) => colon < path,
        (Some(_), None) => true,
        _ => false,
    };
    if !has_scheme {
        if let Some(target) = link_target(&compact) {
            return CowStr::from(target);
        }
        return url;
    }
    let scheme = compact[..scheme_end.unwrap_or(0)].to_ascii_lowercase();
    if matches!(scheme.as_str(), "http" | "https" | "mailto") {
        url
    } else {
        CowStr::Borrowed("#")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(body: &str) -> String {
        markdown(body, &|_| None)
    }

    #[test]
    fn escape_covers_text_and_attributes() {
        assert_eq!(
            escape("<script>alert('1') & \"x\"</script>"),
            "&lt;script&gt;alert(&#39;1&#39;) &amp; &quot;x&quot;&lt;/script&gt;"
        );
        assert_eq!(escape("a\0b"), "a\u{fffd}b");
    }

    #[test]
    fn raw_html_is_text() {
        let html = render("<script>alert(1)</script>\n\nHi <img src=x onerror=alert(1)> there\n");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{html}"
        );
    }

    #[test]
    fn dangerous_links_and_images_are_defused() {
        let html = render(
            "[a](javascript:alert(1)) [b](JaVa\tScRiPt:x) [c](data:text/html,x) [d](https://example.com/) [e](other.md#x)\n\n![pic](https://tracker.example/p.png)\n",
        );
        assert!(!html.to_lowercase().contains("javascript"), "{html}");
        assert!(!html.contains("data:"), "{html}");
        assert!(html.contains(r#"href="https://example.com/""#), "{html}");
        assert!(html.contains(r#"href="other.md#x""#), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(
            html.contains(r#"<a href="https://tracker.example/p.png">[image] pic</a>"#),
            "{html}"
        );
    }

    #[test]
    fn headings_go_one_level_down_and_links_can_be_rewritten() {
        let html = markdown("# Title\n\n[next](0002-next.md)\n", &|url| {
            (url == "0002-next.md").then(|| "SPEC-0002.html".to_string())
        });
        assert!(html.contains("<h2>Title</h2>"), "{html}");
        assert!(html.contains(r#"href="SPEC-0002.html""#), "{html}");
    }
}

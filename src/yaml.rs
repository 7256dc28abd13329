//! Writing YAML scalars for front matter.
//!
//! Values typed by users (titles, owners, tags) are data: a title such as
//! `Fix: "quotes", #hash & more` must read back as exactly that title in any
//! YAML parser. Plain style is kept for values that are unambiguous strings,
//! so ordinary front matter looks as people write it by hand.

/// A YAML scalar for `value`: plain when that reads back as the same
/// string, double-quoted with escapes otherwise.
pub fn scalar(value: &str) -> String {
    if is_safe_plain(value) {
        value.to_string()
    } else {
        double_quoted(value)
    }
}

/// A YAML flow sequence: `[a, "b, c"]`.
pub fn flow_list<S: AsRef<str>>(items: &[S]) -> String {
    let items: Vec<String> = items.iter().map(|item| scalar(item.as_ref())).collect();
    format!("[{}]", items.join(", "))
}

/// Always double-quoted, escaping everything YAML does not allow raw.
pub fn double_quoted(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if is_printable(c) => out.push(c),
            c if (c as u32) <= 0xFF => out.push_str(&format!("\\x{:02X}", c as u32)),
            c if (c as u32) <= 0xFFFF => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push_str(&format!("\\U{:08X}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// YAML 1.2's printable set, minus the line breaks U+0085, U+2028 and
/// U+2029, which some parsers fold even inside quotes, and the BOM.
fn is_printable(c: char) -> bool {
    matches!(c as u32,
        0x20..=0x7E | 0xA0..=0x2027 | 0x202A..=0xD7FF | 0xE000..=0xFEFE | 0xFF00..=0xFFFD | 0x10000..=0x10FFFF)
}

/// Plain scalars are allowed only for a conservative shape: starts with a
/// letter, holds letters, digits, spaces and a few harmless punctuation
/// marks, and is not a word YAML 1.1 reads as a boolean or null.
fn is_safe_plain(value: &str) -> bool {
    let Some(first) = value.chars().next() else {
        return false;
    };
    if !first.is_alphabetic() || value.ends_with(' ') {
        return false;
    }
    let harmless = |c: char| {
        c.is_alphanumeric()
            || matches!(
                c,
                ' ' | '-' | '_' | '.' | '(' | ')' | '/' | '+' | '<' | '>' | '@'
            )
    };
    if !value.chars().all(|c| harmless(c) && is_printable(c)) {
        return false;
    }
    const RESERVED: &[&str] = &[
        "y", "n", "yes", "no", "true", "false", "on", "off", "null", "nan", "inf",
    ];
    !RESERVED.contains(&value.to_ascii_lowercase().as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_when_safe() {
        assert_eq!(scalar("Add OAuth login"), "Add OAuth login");
        assert_eq!(scalar("in-progress"), "in-progress");
        assert_eq!(scalar("Café crème"), "Café crème");
    }

    #[test]
    fn quoted_when_needed() {
        assert_eq!(
            scalar(r#"Fix: "quotes", #hash & more"#),
            r#""Fix: \"quotes\", #hash & more""#
        );
        assert_eq!(scalar("-dash"), "\"-dash\"");
        assert_eq!(scalar("[x]"), "\"[x]\"");
        assert_eq!(scalar("@at"), "\"@at\"");
        assert_eq!(scalar("*star"), "\"*star\"");
        assert_eq!(scalar("yes"), "\"yes\"");
        assert_eq!(scalar("2024"), "\"2024\"");
        assert_eq!(scalar(""), "\"\"");
        assert_eq!(scalar("Jane <jane@example.com>"), "Jane <jane@example.com>");
        assert_eq!(scalar("a\u{0}b\u{85}c"), "\"a\\x00b\\x85c\"");
    }

    #[test]
    fn lists() {
        assert_eq!(flow_list::<&str>(&[]), "[]");
        assert_eq!(flow_list(&["api", "a, b"]), "[api, \"a, b\"]");
    }
}

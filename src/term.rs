//! What git-spec prints to a terminal from repository data goes through
//! here first.
//!
//! Spec titles, statuses, owners, tags, changelog entries, file names,
//! branch names, commit authors and `.specrc` values all come from the
//! repository, which may be someone else's. A terminal obeys the control
//! characters in what it is given: `ESC ] 0 ; ... BEL` retitles the window,
//! `ESC [ 2 J` clears the screen, a lone `\r` returns to the start of the
//! line to overwrite it, and Unicode bidi overrides (U+202E) or invisible
//! characters make the text read differently from what it is. So every
//! such character is shown as a visible escape instead: `\x1b` (two
//! lower-case hex digits) up to U+00FF, `\u{202e}` above, and the line
//! breaks and tabs that only change the layout become a space in a
//! one-line [`field`] and stay as they are in multi-line [`text`].
//!
//! Human-readable output uses [`outln!`](crate::outln), [`out!`](crate::out)
//! and [`errln!`](crate::errln), which pass the whole formatted string
//! through [`text`]. Machine output (JSON, CSV) keeps the exact data, and
//! output generated from git-spec's own definitions (completions, man
//! pages) needs none of this.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::sync::OnceLock;

/// When to colour output: `--color`, on every command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, unless NO_COLOR, CLICOLOR=0 or color.ui says otherwise
    #[default]
    Auto,
    Always,
    Never,
}

/// The global output options (`-q`, `-v`, `--color`), set once by `cli`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Settings {
    pub quiet: bool,
    pub verbose: u8,
    pub color: ColorChoice,
}

static SETTINGS: OnceLock<Settings> = OnceLock::new();

pub fn configure(settings: Settings) {
    let _ = SETTINGS.set(settings);
}

fn settings() -> Settings {
    SETTINGS.get().copied().unwrap_or_default()
}

/// `-q`: notes and progress on stderr are left out (errors never are).
pub fn quiet() -> bool {
    settings().quiet
}

/// `-v` (repeatable): how much more to say on stderr.
pub fn verbose() -> u8 {
    settings().verbose
}

/// Whether to colour a stream that `is_terminal` or not: `--color always`
/// and `never` decide; `auto` follows the conventions every colouring tool
/// shares (NO_COLOR set and non-empty: never; CLICOLOR_FORCE set and not
/// `0`: always; CLICOLOR=0: never), then git's own `color.ui` (`never` or
/// `false`: never; `always`: always), then whether it is a terminal.
pub fn colour(is_terminal: bool, color_ui: Option<&str>) -> bool {
    match settings().color {
        ColorChoice::Always => return true,
        ColorChoice::Never => return false,
        ColorChoice::Auto => {}
    }
    let set = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    if set("NO_COLOR").is_some() {
        return false;
    }
    if set("CLICOLOR_FORCE").is_some_and(|v| v != "0") {
        return true;
    }
    if set("CLICOLOR").is_some_and(|v| v == "0") {
        return false;
    }
    match color_ui.map(str::to_ascii_lowercase).as_deref() {
        Some("never" | "false" | "no" | "off" | "0") => return false,
        Some("always") => return true,
        _ => {}
    }
    is_terminal
}

/// `error: MESSAGE` on stderr, the prefix styled as clap styles its own
/// (bold red) when stderr is coloured. Never silenced by `-q`.
pub fn error(message: &str) {
    use std::io::IsTerminal;
    let prefix = if colour(std::io::stderr().is_terminal(), None) {
        let style = anstyle::Style::new()
            .bold()
            .fg_color(Some(anstyle::AnsiColor::Red.into()));
        format!("{style}error:{style:#}")
    } else {
        "error:".to_string()
    };
    eprintln!("{prefix} {}", text(message));
}

/// `s` made safe for one line of a terminal (a table cell, a title after
/// a label): tabs and line breaks (`\t`, `\n`, `\r`, U+0085, U+2028,
/// U+2029) become one space; other control and bidi or invisible
/// formatting characters become visible escapes (`\x1b`, `\u{202e}`).
/// Borrowed when nothing changes.
pub fn field(s: &str) -> Cow<'_, str> {
    clean(s, Mode::Field)
}

/// `s` made safe for a terminal as multi-line text (messages, diffs, a
/// whole output): as [`field`], but `\n` and `\t` stay, and so does `\r`
/// directly before `\n` (CRLF files); a lone `\r` is escaped.
pub fn text(s: &str) -> Cow<'_, str> {
    clean(s, Mode::Text)
}

/// `1 spec`, `2 specs`: a count with its noun, for messages.
pub fn plural(count: usize, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Field,
    Text,
}

enum Action {
    Keep,
    Space,
    Escape,
}

fn action(c: char, next: Option<u8>, mode: Mode) -> Action {
    match c {
        // Printable ASCII, by far the most common: decided first.
        ' '..='~' => Action::Keep,
        '\n' | '\t' if mode == Mode::Text => Action::Keep,
        '\r' if mode == Mode::Text => {
            if next == Some(b'\n') {
                Action::Keep
            } else {
                Action::Escape
            }
        }
        '\t' | '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}' => Action::Space,
        // C0, DEL and C1.
        c if c.is_control() => Action::Escape,
        // Bidi controls and invisible formatting characters. The zero-width
        // (non-)joiners U+200C and U+200D stay: emoji sequences and Indic
        // and Persian spelling need them, and they hide nothing.
        '\u{061c}'
        | '\u{200b}'
        | '\u{200e}'..='\u{200f}'
        | '\u{202a}'..='\u{202e}'
        | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{2069}'
        | '\u{feff}' => Action::Escape,
        _ => Action::Keep,
    }
}

fn clean(s: &str, mode: Mode) -> Cow<'_, str> {
    let bytes = s.as_bytes();
    let next = |i: usize| bytes.get(i + 1).copied();
    let Some((start, _)) = s
        .char_indices()
        .find(|&(i, c)| !matches!(action(c, next(i), mode), Action::Keep))
    else {
        return Cow::Borrowed(s);
    };
    let mut out = String::with_capacity(s.len() + 16);
    out.push_str(&s[..start]);
    for (i, c) in s[start..].char_indices() {
        match action(c, next(start + i), mode) {
            Action::Keep => out.push(c),
            Action::Space => out.push(' '),
            Action::Escape if u32::from(c) <= 0xff => {
                let _ = write!(out, "\\x{:02x}", u32::from(c));
            }
            Action::Escape => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
        }
    }
    Cow::Owned(out)
}

/// `println!` for human-readable output: the formatted line goes through
/// [`term::text`](crate::term::text).
#[macro_export]
macro_rules! outln {
    () => {
        ::std::println!()
    };
    ($($arg:tt)*) => {
        ::std::println!("{}", $crate::term::text(&::std::format!($($arg)*)))
    };
}

/// `print!` for human-readable output: the formatted text goes through
/// [`term::text`](crate::term::text).
#[macro_export]
macro_rules! out {
    ($($arg:tt)*) => {
        ::std::print!("{}", $crate::term::text(&::std::format!($($arg)*)))
    };
}

/// `eprintln!` for messages (notes, progress, what was done): the
/// formatted line goes through [`term::text`](crate::term::text), and
/// `-q` leaves it out.
#[macro_export]
macro_rules! errln {
    () => {
        if !$crate::term::quiet() {
            ::std::eprintln!()
        }
    };
    ($($arg:tt)*) => {
        if !$crate::term::quiet() {
            ::std::eprintln!("{}", $crate::term::text(&::std::format!($($arg)*)))
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_values_are_borrowed() {
        for s in ["", "Add OAuth login", "Crème brûlée 日本語 😀", "a-b_c (d)"] {
            assert!(matches!(field(s), Cow::Borrowed(_)), "{s:?}");
            assert!(matches!(text(s), Cow::Borrowed(_)), "{s:?}");
        }
        let lines = "two\nlines\twith a tab\r\nand CRLF\n";
        assert!(matches!(text(lines), Cow::Borrowed(_)));
    }

    #[test]
    fn escape_and_bel_are_shown() {
        assert_eq!(field("a\x1bb\x07c"), "a\\x1bb\\x07c");
        assert_eq!(text("a\x1bb\x07c"), "a\\x1bb\\x07c");
        assert_eq!(field("\0\x7f"), "\\x00\\x7f");
    }

    #[test]
    fn osc_and_csi_sequences_are_shown() {
        let title = "\x1b]0;pwned\x07Title\x1b[2J";
        assert_eq!(field(title), "\\x1b]0;pwned\\x07Title\\x1b[2J");
        assert_eq!(text(title), "\\x1b]0;pwned\\x07Title\\x1b[2J");
    }

    #[test]
    fn c1_controls_are_shown() {
        assert_eq!(field("a\u{9b}2Jb"), "a\\x9b2Jb");
        assert_eq!(text("\u{80}\u{9f}"), "\\x80\\x9f");
    }

    #[test]
    fn bidi_and_invisible_characters_are_shown() {
        assert_eq!(field("abc\u{202e}def"), "abc\\u{202e}def");
        assert_eq!(text("\u{2066}x\u{2069}"), "\\u{2066}x\\u{2069}");
        assert_eq!(
            field("\u{61c}\u{200b}\u{200f}\u{202a}\u{2060}\u{2064}\u{feff}"),
            "\\u{61c}\\u{200b}\\u{200f}\\u{202a}\\u{2060}\\u{2064}\\u{feff}"
        );
        // Other non-ASCII text stays.
        assert_eq!(field("é\u{a0}\u{ad}\u{301}"), "é\u{a0}\u{ad}\u{301}");
    }

    #[test]
    fn field_is_one_line() {
        assert_eq!(field("a\tb\nc\rd\r\ne"), "a b c d  e");
        assert_eq!(field("a\u{85}b\u{2028}c\u{2029}d"), "a b c d");
    }

    #[test]
    fn text_keeps_lines_tabs_and_crlf_but_not_a_lone_cr() {
        assert_eq!(text("a\tb\nc\r\nd"), "a\tb\nc\r\nd");
        assert_eq!(text("done\rfake line\n"), "done\\x0dfake line\n");
        assert_eq!(text("end\r"), "end\\x0d");
        assert_eq!(text("\r\r\n"), "\\x0d\r\n");
        assert_eq!(text("a\u{2028}b"), "a b");
    }

    #[test]
    fn the_first_changed_character_may_be_anywhere() {
        assert_eq!(field("\x1b"), "\\x1b");
        assert_eq!(field("日本\x1b語"), "日本\\x1b語");
        assert_eq!(field("end\x1b"), "end\\x1b");
    }
}

//! How spec ids look in a repository: the prefix and padding of `spec-id`
//! (`SPEC-0042`), and the file and branch name patterns (`{id}-{slug}.md`)
//! that carry the number. Reading and allocating ids build on this.

use crate::config::Config;

/// Provisional ids (`SPEC-DRAFT-7f3a2c9b`), for specs whose author could not
/// reserve a number: a random 32-bit token that can never collide with a
/// number. Inside the program they are numbers too, in a window no real
/// spec number reaches, so every command handles them as any other spec;
/// only the allocation of the next number leaves them out
/// ([`counts_for_next`]).
const PROVISIONAL_BASE: u64 = 1 << 62;
const PROVISIONAL_SPAN: u64 = 1 << 32;
/// What stands where the digits would: `DRAFT-` and eight hex digits.
const DRAFT: &str = "DRAFT-";
const TOKEN_DIGITS: usize = 8;

/// Whether `number` is a provisional id.
pub fn is_provisional(number: u64) -> bool {
    (PROVISIONAL_BASE..PROVISIONAL_BASE + PROVISIONAL_SPAN).contains(&number)
}

/// The number a provisional token stands for.
pub fn provisional(token: u32) -> u64 {
    PROVISIONAL_BASE + u64::from(token)
}

/// Whether a number in use pushes the next free number up: provisional ids
/// never do.
pub fn counts_for_next(number: u64) -> u64 {
    if is_provisional(number) {
        0
    } else {
        number
    }
}

/// `DRAFT-7f3a2c9b` at the start of `text` (case-insensitive), as its
/// number, with the length it takes.
fn draft_at(text: &str) -> Option<(u64, usize)> {
    let rest = text.get(..DRAFT.len())?;
    if !rest.eq_ignore_ascii_case(DRAFT) {
        return None;
    }
    let hex = text.get(DRAFT.len()..DRAFT.len() + TOKEN_DIGITS)?;
    if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    // Not followed by more hex: `DRAFT-7f3a2c9b1` is no token.
    if text[DRAFT.len() + TOKEN_DIGITS..]
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_hexdigit())
    {
        return None;
    }
    let token = u32::from_str_radix(hex, 16).ok()?;
    Some((provisional(token), DRAFT.len() + TOKEN_DIGITS))
}

/// A file or branch name pattern such as `{id}-{slug}.md`, split into parts.
#[derive(Debug, Clone)]
pub struct NamePattern {
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq)]
enum Part {
    Literal(String),
    Id,
    Slug,
}

impl NamePattern {
    pub fn new(pattern: &str) -> NamePattern {
        let mut parts = Vec::new();
        let mut rest = pattern;
        while !rest.is_empty() {
            let next = [("{id}", Part::Id), ("{slug}", Part::Slug)]
                .into_iter()
                .filter_map(|(token, part)| rest.find(token).map(|at| (at, token.len(), part)))
                .min_by_key(|(at, _, _)| *at);
            match next {
                Some((at, len, part)) => {
                    if at > 0 {
                        parts.push(Part::Literal(rest[..at].to_string()));
                    }
                    parts.push(part);
                    rest = &rest[at + len..];
                }
                None => {
                    parts.push(Part::Literal(rest.to_string()));
                    rest = "";
                }
            }
        }
        NamePattern { parts }
    }

    pub fn format(&self, padded_id: &str, slug: &str) -> String {
        self.parts
            .iter()
            .map(|part| match part {
                Part::Literal(text) => text.as_str(),
                Part::Id => padded_id,
                Part::Slug => slug,
            })
            .collect()
    }

    /// An upper bound of `number_in` read cheaply from the bytes: the digits
    /// where the id stands when the pattern starts with `{id}`, optionally
    /// after a literal. None when that shortcut does not apply.
    pub(crate) fn quick_number(&self, name: &[u8]) -> Option<u64> {
        let rest = match self.parts.as_slice() {
            [Part::Id, ..] => name,
            [Part::Literal(prefix), Part::Id, ..] => match name.strip_prefix(prefix.as_bytes()) {
                Some(rest) => rest,
                None => return Some(0),
            },
            _ => return None,
        };
        let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        if digits > 19 {
            return None;
        }
        // No digits: the name cannot match, so 0 is a safe upper bound.
        Some(
            rest[..digits]
                .iter()
                .fold(0, |n, b| n * 10 + u64::from(b - b'0')),
        )
    }

    /// `name` with its id changed from `old` to `new_padded`, everything
    /// else (the slug, above all) kept; None if `name` does not carry `old`.
    pub fn renumbered(&self, name: &str, old: u64, new_padded: &str) -> Option<String> {
        if self.number_in(name) != Some(old) {
            return None;
        }
        let new: u64 = new_padded.parse().ok()?;
        if is_provisional(old) {
            // Promotion: the `DRAFT-…` token gives way to the number.
            let at = name.to_ascii_uppercase().find(DRAFT)?;
            let candidate = format!(
                "{}{new_padded}{}",
                &name[..at],
                &name[at + DRAFT.len() + TOKEN_DIGITS..]
            );
            return (self.number_in(&candidate) == Some(new)).then_some(candidate);
        }
        let bytes = name.as_bytes();
        let mut start = 0;
        while start < bytes.len() {
            if !bytes[start].is_ascii_digit() {
                start += 1;
                continue;
            }
            let end = start
                + bytes[start..]
                    .iter()
                    .take_while(|b| b.is_ascii_digit())
                    .count();
            if name[start..end].parse::<u64>().ok() == Some(old) {
                let candidate = format!("{}{new_padded}{}", &name[..start], &name[end..]);
                if self.number_in(&candidate) == Some(new) {
                    return Some(candidate);
                }
            }
            start = end;
        }
        None
    }

    /// The number in a name that follows the pattern. A hand-written
    /// matcher rather than a regex: it runs on every entry of every spec
    /// tree on the first run, and must cost next to nothing.
    pub fn number_in(&self, name: &str) -> Option<u64> {
        match_parts(&self.parts, name, Captured::default())?.number
    }

    /// The slug in a name that follows the pattern (None when the pattern
    /// has no `{slug}`).
    pub fn slug_in<'a>(&self, name: &'a str) -> Option<&'a str> {
        match_parts(&self.parts, name, Captured::default())?.slug
    }
}

/// What a name that follows a pattern carries.
#[derive(Debug, Clone, Copy, Default)]
struct Captured<'a> {
    number: Option<u64>,
    slug: Option<&'a str>,
}

fn match_parts<'a>(parts: &[Part], text: &'a str, found: Captured<'a>) -> Option<Captured<'a>> {
    let Some((part, rest)) = parts.split_first() else {
        return if text.is_empty() && found.number.is_some() {
            Some(found)
        } else {
            None
        };
    };
    match part {
        Part::Literal(literal) => match_parts(rest, text.strip_prefix(literal.as_str())?, found),
        Part::Id => {
            if let Some((number, len)) = draft_at(text) {
                return match_parts(
                    rest,
                    &text[len..],
                    Captured {
                        number: Some(number),
                        ..found
                    },
                );
            }
            let digits = text.bytes().take_while(u8::is_ascii_digit).count();
            // u64 holds every 19-digit number and some of 20 digits.
            if digits == 0 || digits > 20 {
                return None;
            }
            let number = text[..digits]
                .parse()
                .ok()
                .filter(|&n| !is_provisional(n))?;
            match_parts(
                rest,
                &text[digits..],
                Captured {
                    number: Some(number),
                    ..found
                },
            )
        }
        Part::Slug => {
            if rest.is_empty() {
                return if text.is_empty() {
                    None
                } else {
                    match_parts(
                        rest,
                        "",
                        Captured {
                            slug: Some(text),
                            ..found
                        },
                    )
                };
            }
            // The slug is at least one character; try every split point.
            text.char_indices()
                .skip(1)
                .map(|(at, _)| at)
                .find_map(|at| {
                    match_parts(
                        rest,
                        &text[at..],
                        Captured {
                            slug: Some(&text[..at]),
                            ..found
                        },
                    )
                })
        }
    }
}

/// How ids look in this repository: prefix, padding and name patterns.
#[derive(Clone)]
pub struct IdScheme {
    pub prefix: String,
    pub width: usize,
    pub file: NamePattern,
    pub branch: NamePattern,
    /// `SPEC-0042` as a whole word in text (not inside `XSPEC-0042` or
    /// `SPEC-00421`), compiled once, when first needed: compiling it was
    /// a millisecond of every command, and most never look at prose.
    mention: std::sync::OnceLock<regex::Regex>,
}

/// Without the compiled regex, which follows from the prefix: the debug
/// form keys the memos, so it must not depend on whether the regex was
/// compiled yet.
impl std::fmt::Debug for IdScheme {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdScheme")
            .field("prefix", &self.prefix)
            .field("width", &self.width)
            .field("file", &self.file)
            .field("branch", &self.branch)
            .finish()
    }
}

impl IdScheme {
    pub fn new(config: &Config) -> IdScheme {
        IdScheme {
            prefix: config.id.prefix.clone(),
            width: config.id.width,
            file: NamePattern::new(&config.naming.file),
            branch: NamePattern::new(&config.naming.branch),
            mention: std::sync::OnceLock::new(),
        }
    }

    /// The numbers of the ids `line` mentions as whole words, in order.
    pub fn mentions_in<'a>(&'a self, line: &'a str) -> impl Iterator<Item = u64> + 'a {
        // Most lines mention nothing: a substring test is cheaper than the
        // regex, and `check` runs this over every line of every spec.
        let candidate = line.contains(self.prefix.as_str());
        let mention = candidate.then(|| {
            self.mention.get_or_init(|| {
                regex::Regex::new(&format!(
                    r"(?:^|[^\w-]){}(\d+)\b",
                    regex::escape(&self.prefix)
                ))
                .expect("an escaped prefix makes a valid regex")
            })
        });
        mention
            .into_iter()
            .flat_map(move |mention| mention.captures_iter(line))
            .filter_map(|caps| caps[1].parse().ok())
    }

    /// `42` -> `0042`; wider numbers keep all their digits; a provisional
    /// id is `DRAFT-7f3a2c9b`.
    pub fn padded(&self, number: u64) -> String {
        if is_provisional(number) {
            return format!("{DRAFT}{:08x}", number - PROVISIONAL_BASE);
        }
        format!("{number:0width$}", width = self.width)
    }

    /// Text that every way of writing `number` as an id holds (`42` for
    /// `SPEC-0042`, `42`, `0042`; `DRAFT-7f3a2c9b` for a provisional id):
    /// a cheap test of which files may refer to it at all.
    pub fn needle(&self, number: u64) -> String {
        if is_provisional(number) {
            format!("{:08x}", number - PROVISIONAL_BASE)
        } else {
            number.to_string()
        }
    }

    /// `42` -> `SPEC-0042`.
    pub fn spec_id(&self, number: u64) -> String {
        format!("{}{}", self.prefix, self.padded(number))
    }

    /// Reads an id as users type it: `42`, `0042`, `SPEC-0042`,
    /// `spec-0042` (the prefix is case-insensitive).
    pub fn parse(&self, input: &str) -> Option<u64> {
        let input = input.trim();
        let digits = if input.len() > self.prefix.len()
            && input.is_char_boundary(self.prefix.len())
            && input[..self.prefix.len()].eq_ignore_ascii_case(&self.prefix)
        {
            &input[self.prefix.len()..]
        } else {
            input
        };
        if let Some((number, len)) = draft_at(digits) {
            return (len == digits.len()).then_some(number);
        }
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        digits.parse().ok().filter(|&n| !is_provisional(n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scheme() -> IdScheme {
        IdScheme::new(&Config::default())
    }

    #[test]
    fn formats_and_parses_ids() {
        let s = scheme();
        assert_eq!(s.spec_id(42), "SPEC-0042");
        assert_eq!(s.spec_id(10000), "SPEC-10000");
        for input in ["42", "0042", "SPEC-0042", "spec-0042", " Spec-42 "] {
            assert_eq!(s.parse(input), Some(42), "{input}");
        }
        for input in ["", "SPEC-", "x42", "SPEC-00a2", "-42"] {
            assert_eq!(s.parse(input), None, "{input}");
        }
    }

    #[test]
    fn numbers_in_names() {
        let s = scheme();
        assert_eq!(s.file.number_in("0042-add-login.md"), Some(42));
        assert_eq!(s.file.number_in("10000-x.md"), Some(10000));
        assert_eq!(s.file.number_in("README.md"), None);
        assert_eq!(s.file.number_in("0042-.md"), None);
        assert_eq!(s.file.number_in("0042-x.txt"), None);
        assert_eq!(s.branch.number_in("spec/0042-add-login"), Some(42));
        assert_eq!(s.branch.number_in("feature/0042-add-login"), None);
        assert_eq!(s.file.quick_number(b"0042-add-login.md"), Some(42));
        assert_eq!(s.file.quick_number(b"README.md"), Some(0));
        let prefixed = NamePattern::new("rfc-{id}.md");
        assert_eq!(prefixed.quick_number(b"rfc-0007.md"), Some(7));
        assert_eq!(prefixed.quick_number(b"other.md"), Some(0));
        let odd = NamePattern::new("{slug}.{id}.md");
        assert_eq!(odd.quick_number(b"a.17.md"), None);
        assert_eq!(
            s.file.number_in("10000000000000000000-x.md"),
            Some(10_000_000_000_000_000_000)
        );
        assert_eq!(s.file.number_in("99999999999999999999-x.md"), None);
    }

    #[test]
    fn renumbering_names_keeps_the_slug() {
        let s = scheme();
        assert_eq!(
            s.file
                .renumbered("0023-add-2023-report.md", 23, "0031")
                .as_deref(),
            Some("0031-add-2023-report.md")
        );
        assert_eq!(
            s.branch.renumbered("spec/0023-x", 23, "10000").as_deref(),
            Some("spec/10000-x")
        );
        assert_eq!(s.branch.renumbered("feature/0023-x", 23, "0031"), None);
        let odd = NamePattern::new("{slug}-{id}.md");
        assert_eq!(
            odd.renumbered("v23-fix-0023.md", 23, "0031").as_deref(),
            Some("v23-fix-0031.md")
        );
    }

    #[test]
    fn provisional_ids() {
        let s = scheme();
        let n = provisional(0x7f3a_2c9b);
        assert!(
            is_provisional(n) && !is_provisional(42) && !is_provisional(10_000_000_000_000_000_000)
        );
        assert_eq!(s.spec_id(n), "SPEC-DRAFT-7f3a2c9b");
        for input in [
            "SPEC-DRAFT-7f3a2c9b",
            "spec-draft-7F3A2C9B",
            "DRAFT-7f3a2c9b",
        ] {
            assert_eq!(s.parse(input), Some(n), "{input}");
        }
        for input in [
            "SPEC-DRAFT-7f3a2c9",
            "SPEC-DRAFT-7f3a2c9b0",
            "SPEC-DRAFT-",
            "SPEC-4611686018427387904",
        ] {
            assert_eq!(s.parse(input), None, "{input}");
        }
        assert_eq!(s.file.number_in("DRAFT-7f3a2c9b-login.md"), Some(n));
        assert_eq!(s.branch.number_in("spec/DRAFT-7f3a2c9b-login"), Some(n));
        assert_eq!(s.file.quick_number(b"DRAFT-7f3a2c9b-login.md"), Some(0));
        assert_eq!(
            s.file
                .renumbered("DRAFT-7f3a2c9b-login.md", n, "0042")
                .as_deref(),
            Some("0042-login.md")
        );
        assert_eq!(counts_for_next(n), 0);
        assert_eq!(counts_for_next(7), 7);
    }

    #[test]
    fn slugs_in_names() {
        let s = scheme();
        assert_eq!(s.file.slug_in("0042-add-login.md"), Some("add-login"));
        let odd = NamePattern::new("{slug}.{id}.md");
        assert_eq!(odd.number_in("a.b.17.md"), Some(17));
        assert_eq!(odd.slug_in("a.b.17.md"), Some("a.b"));
        assert_eq!(odd.format("0017", "a-b"), "a-b.0017.md");
    }
}

//! Property tests for what `git spec new` generates, through the library:
//! for arbitrary Unicode titles (and owners and tags), the front matter of
//! the built-in template parses as YAML and gives back exactly the values,
//! and the slug is a valid file name and git ref component.

use git_spec::slug::{slugify, MAX_LEN};
use git_spec::template::{SpecValues, Template};
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::{Config as ProptestConfig, RngSeed};
use yaml_rust2::Yaml;

use crate::common::{fm_list, fm_str, front_matter};

/// Characters that matter to YAML, Markdown, tera or slugs, plus YAML line
/// breaks (U+0085, U+2028, U+2029), the BOM, controls and wide characters.
const SPECIAL: &[char] = &[
    ':',
    '"',
    '\'',
    '#',
    '-',
    '[',
    ']',
    '{',
    '}',
    '@',
    '*',
    '&',
    '!',
    '|',
    '>',
    '<',
    '%',
    '`',
    ',',
    '?',
    '~',
    '\\',
    '/',
    '.',
    ' ',
    '\t',
    '\u{0}',
    '\u{7}',
    '\u{1b}',
    '\u{7f}',
    '\u{85}',
    '\u{a0}',
    '\u{ad}',
    '\u{200b}',
    '\u{200d}',
    '\u{2028}',
    '\u{2029}',
    '\u{3000}',
    '\u{feff}',
    '\u{fffe}',
    '\u{ffff}',
    '\u{e000}',
    '\u{1f600}',
    '\u{10ffff}',
    'é',
    'ß',
    'Æ',
    'ﬁ',
    '①',
    '日',
    'İ',
    'ı',
    '\u{301}',
];

/// Words that YAML or slugs treat specially.
const WORDS: &[&str] = &[
    "Add",
    "OAuth",
    "login",
    "yes",
    "No",
    "null",
    "true",
    "False",
    "~",
    "on",
    "off",
    "y",
    "n",
    "123",
    "0x1F",
    "1e3",
    ".inf",
    ".nan",
    "2026-01-15",
    "12:30",
    "-",
    "--",
    "---",
    "...",
    "{{",
    "}}",
    "{{ x }}",
    "{% raw %}",
    "{% endraw %}",
    "{#",
    "#}",
    "&amp;",
    "<b>",
    "a: b",
    "# c",
    "don't",
    "Crème",
    "brûlée",
    "Straße",
    "日本語",
    "😀",
    "x.lock",
    "@{",
    "..",
    "HEAD",
];

/// Leading characters YAML reads as indicators.
const LEADS: &[&str] = &[
    "-", "- ", "[", "]", "{", "}", "@", "*", "&", "!", "|", ">", "%", "`", "'", "\"", "#", "?",
    "? ", ":", ": ", ",", "---", "...", " ", "\t", "\u{feff}", "\u{85}", "\u{2028}",
];

/// Any char except `\n` and `\r`, which the CLI rejects in a title.
fn title_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => any::<char>(),
        3 => select(SPECIAL),
        4 => prop::char::range('a', 'z'),
        1 => prop::char::range('A', 'Z'),
        1 => prop::char::range('0', '9'),
    ]
    .prop_filter("the CLI rejects line breaks", |c| *c != '\n' && *c != '\r')
}

fn chars(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(title_char(), 0..max).prop_map(String::from_iter)
}

fn words() -> impl Strategy<Value = String> {
    prop::collection::vec(select(WORDS), 1..8).prop_map(|w| w.join(" "))
}

fn title() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => chars(40),
        2 => words(),
        2 => (select(LEADS), chars(20)).prop_map(|(lead, rest)| format!("{lead}{rest}")),
        1 => (words(), select(LEADS)).prop_map(|(w, tail)| format!("{w}{tail}")),
    ]
}

/// Tags as the CLI passes them: non-empty after trimming, single-line.
fn tag() -> impl Strategy<Value = String> {
    prop_oneof![select(WORDS).prop_map(String::from), chars(12)]
        .prop_map(|t| t.trim().to_string())
        .prop_filter("the CLI rejects empty tags", |t| !t.is_empty())
}

fn values(title: &str, owner: &str, tags: Vec<String>) -> SpecValues {
    SpecValues {
        spec_id: "SPEC-0001".into(),
        number: 1,
        title: title.into(),
        slug: slugify(title),
        status: "draft".into(),
        priority: "medium".into(),
        owner: owner.into(),
        created: "2026-01-15".into(),
        updated: "2026-01-15".into(),
        tags,
        description: title.into(),
    }
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        // Deterministic: the same inputs on every run and every machine.
        rng_seed: RngSeed::Fixed(0x6769_742d_7370_6563),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn check_document(title: &str, owner: &str, tags: &[String]) -> Result<(), TestCaseError> {
    let document = Template::built_in()
        .render(&values(title, owner, tags.to_vec()))
        .map_err(|e| TestCaseError::fail(format!("render failed: {e:#}")))?;
    let fm = front_matter(&document);
    let hash = fm.as_hash().unwrap();
    prop_assert_eq!(hash.len(), 8, "8 keys expected:\n{}", document);
    prop_assert_eq!(fm_str(&document, "title"), title);
    prop_assert_eq!(fm_str(&document, "owner"), owner);
    prop_assert_eq!(fm_list(&document, "tags"), tags.to_vec());
    prop_assert_eq!(&fm["spec-id"], &Yaml::String("SPEC-0001".into()));
    prop_assert_eq!(&fm["created"], &Yaml::String("2026-01-15".into()));
    // The body has the title as typed, on its own line, and the template's
    // line count is unchanged (a value never adds or removes lines).
    let heading = format!("\n# {title}\n");
    prop_assert!(
        document.contains(&heading),
        "no heading line in:\n{}",
        document
    );
    prop_assert_eq!(
        document.matches('\n').count(),
        git_spec::template::BUILT_IN.matches('\n').count()
    );
    Ok(())
}

fn check_slug(title: &str) -> Result<(), TestCaseError> {
    let slug = slugify(title);
    prop_assert!(!slug.is_empty());
    prop_assert!(slug.len() <= MAX_LEN, "{} is longer than {}", slug, MAX_LEN);
    prop_assert!(
        slug.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
        "bad character in {:?}",
        slug
    );
    prop_assert!(!slug.starts_with('-') && !slug.ends_with('-'), "{:?}", slug);
    prop_assert!(!slug.contains("--"), "{:?}", slug);
    let refname = format!("refs/heads/spec/0001-{slug}");
    prop_assert!(git2::Reference::is_valid_name(&refname), "{}", refname);
    prop_assert_eq!(slugify(title), slug.clone(), "deterministic");
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn front_matter_reads_back_exact_values(
        title in title(),
        owner in title(),
        tags in prop::collection::vec(tag(), 0..4),
    ) {
        check_document(&title, &owner, &tags)?;
    }

    #[test]
    fn slug_is_a_valid_file_name_and_ref_component(title in title()) {
        check_slug(&title)?;
    }

    /// Titles made of lower-case ASCII words: the slug is the words joined
    /// by `-`, cut at the last word that fits.
    #[test]
    fn slug_of_plain_words_keeps_the_words(
        words in prop::collection::vec("[a-z0-9]{1,12}", 1..10),
        separators in prop::collection::vec(select(&[" ", "  ", " - ", ", ", ": ", "\t"][..]), 9),
    ) {
        let mut title = String::new();
        for (i, word) in words.iter().enumerate() {
            if i > 0 {
                title.push_str(separators[i - 1]);
            }
            title.push_str(word);
        }
        let mut expected = String::new();
        for word in &words {
            let extra = if expected.is_empty() { word.len() } else { word.len() + 1 };
            if expected.len() + extra > MAX_LEN {
                break;
            }
            if !expected.is_empty() {
                expected.push('-');
            }
            expected.push_str(word);
        }
        prop_assert_eq!(slugify(&title), expected);
    }
}

/// Specific characters named in the brief, one by one, as whole titles and
/// inside words: a failure here names the character directly.
#[test]
fn each_special_character_round_trips() {
    for &c in SPECIAL {
        for title in [
            c.to_string(),
            format!("a{c}b"),
            format!("{c}start"),
            format!("end{c}"),
        ] {
            let tags = vec![format!("t{c}g")];
            check_document(&title, &title, &tags)
                .unwrap_or_else(|e| panic!("U+{:04X} in {title:?}: {e}", c as u32));
            check_slug(&title).unwrap_or_else(|e| panic!("U+{:04X} in {title:?}: {e}", c as u32));
        }
    }
}

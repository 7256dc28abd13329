//! Titles to slugs: the part of file and branch names that says what a spec
//! is about. A slug is lower-case ASCII words joined by `-`, so it is always
//! a valid file name on every platform and a valid git ref component.

use unicode_normalization::UnicodeNormalization;

/// Longest slug, in characters; cut at a word boundary.
pub const MAX_LEN: usize = 50;

/// Used when a title has no ASCII letters or digits at all.
pub const FALLBACK: &str = "spec";

pub fn slugify(title: &str) -> String {
    let mut ascii = String::with_capacity(title.len());
    // NFKD splits "é" into "e" + a combining accent, which is then dropped;
    // letters that do not decompose get a conventional spelling.
    for c in title.nfkd() {
        match c {
            'ß' => ascii.push_str("ss"),
            'æ' | 'Æ' => ascii.push_str("ae"),
            'œ' | 'Œ' => ascii.push_str("oe"),
            'ø' | 'Ø' => ascii.push('o'),
            'đ' | 'Đ' | 'ð' | 'Ð' => ascii.push('d'),
            'ł' | 'Ł' => ascii.push('l'),
            'þ' | 'Þ' => ascii.push_str("th"),
            'ı' => ascii.push('i'),
            c if c.is_ascii_alphanumeric() => ascii.push(c.to_ascii_lowercase()),
            // Apostrophes join rather than split: "don't" -> "dont".
            '\'' | '\u{2019}' => {}
            c if is_combining_mark(c) => {}
            _ => ascii.push(' '),
        }
    }

    let mut slug = String::new();
    for word in ascii.split_whitespace() {
        let extra = if slug.is_empty() {
            word.len()
        } else {
            word.len() + 1
        };
        if slug.len() + extra > MAX_LEN {
            if slug.is_empty() {
                // One word longer than the limit: cut the word itself.
                slug.push_str(&word[..MAX_LEN]);
            }
            break;
        }
        if !slug.is_empty() {
            slug.push('-');
        }
        slug.push_str(word);
    }
    if slug.is_empty() {
        FALLBACK.to_string()
    } else {
        slug
    }
}

/// Combining diacritical marks left behind by NFKD decomposition.
fn is_combining_mark(c: char) -> bool {
    matches!(c as u32, 0x0300..=0x036F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF | 0xFE20..=0xFE2F)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_and_accents() {
        assert_eq!(slugify("Add OAuth login"), "add-oauth-login");
        assert_eq!(
            slugify("Crème brûlée über Straße"),
            "creme-brulee-uber-strasse"
        );
        assert_eq!(
            slugify("Fix: \"quotes\", #hash & more"),
            "fix-quotes-hash-more"
        );
        assert_eq!(slugify("  don't   stop  "), "dont-stop");
        assert_eq!(slugify("ﬁle №5"), "file-no5");
    }

    #[test]
    fn never_empty() {
        assert_eq!(slugify("日本語"), "spec");
        assert_eq!(slugify("!!!"), "spec");
        assert_eq!(slugify(""), "spec");
    }

    #[test]
    fn cut_at_word_boundary() {
        let slug = slugify("one two three four five six seven eight nine ten eleven twelve");
        assert!(slug.len() <= MAX_LEN, "{slug}");
        assert_eq!(slug, "one-two-three-four-five-six-seven-eight-nine-ten");
        let long = "x".repeat(80);
        assert_eq!(slugify(&long).len(), MAX_LEN);
    }
}

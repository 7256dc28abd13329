//! Titles to slugs: the part of file and branch names that says what a spec
//! is about. A slug is lower-case ASCII words joined by `-`, so it is always
//! a valid file name on every platform and a valid git ref component.

/// Longest slug, in characters; cut at a word boundary.
pub const MAX_LEN: usize = 50;

/// Used when a title has no letters or digits at all, in any script.
pub const FALLBACK: &str = "spec";

pub fn slugify(title: &str) -> String {
    // deunicode spells every script in ASCII (Cyrillic, Greek, CJK,
    // accented Latin): "Привет" -> "Privet", "日本語" -> "Ri Ben Yu".
    let spelled = deunicode::deunicode(title);
    let mut ascii = String::with_capacity(spelled.len());
    for c in spelled.chars() {
        match c {
            c if c.is_ascii_alphanumeric() => ascii.push(c.to_ascii_lowercase()),
            // Apostrophes join rather than split: "don't" -> "dont".
            '\'' | '\u{2019}' => {}
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
    fn other_scripts_are_spelled_in_ascii() {
        assert_eq!(slugify("Вход через OAuth"), "vkhod-cherez-oauth");
        assert_eq!(slugify("Σύνδεση χρήστη"), "sundese-khreste");
        assert_eq!(slugify("日本語の検索"), "ri-ben-yu-nojian-suo");
    }

    #[test]
    fn never_empty() {
        assert_eq!(slugify("!!!"), "spec");
        assert_eq!(slugify("🙂"), "slight-smile");
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

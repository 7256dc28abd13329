//! Rendering new specs from a tera template.
//!
//! The team's seed template uses the same placeholder (`{{TITLE}}`) in the
//! YAML front matter and in the Markdown body, where it needs different
//! encodings: YAML-quoted above, as typed below. So the front matter and the
//! body are rendered as two templates with two contexts. Values are passed
//! as data, never spliced into template source, so a title containing
//! `{{ x }}` or `{% raw %}` comes out literally, and nothing is HTML-escaped.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, Result};

use crate::yaml;

/// The built-in template: the team's seed, unchanged.
pub const BUILT_IN: &str = include_str!("../templates/spec.md");

/// Name shown in messages for the built-in template.
const BUILT_IN_NAME: &str = "<built-in templates/spec.md>";

/// The values a template can use.
#[derive(Debug, Clone)]
pub struct SpecValues {
    pub spec_id: String,
    pub number: u64,
    pub title: String,
    pub slug: String,
    pub status: String,
    pub priority: String,
    pub owner: String,
    pub created: String,
    pub updated: String,
    pub tags: Vec<String>,
    pub description: String,
}

pub struct Template {
    source: String,
    /// Where the source came from, for error messages.
    origin: PathBuf,
}

impl Template {
    pub fn built_in() -> Template {
        Template {
            source: BUILT_IN.to_string(),
            origin: PathBuf::from(BUILT_IN_NAME),
        }
    }

    /// Reads a template file; `shown` is how the path is printed and
    /// `setting` the place that named it, for the fix in messages.
    pub fn from_file(path: &Path, shown: &Path, setting: &str) -> Result<Template> {
        let source = std::fs::read_to_string(path).map_err(|err| {
            anyhow!(
                "cannot read the template {} (from {setting}): {err}; fix that setting, or remove it for the built-in template",
                shown.display()
            )
        })?;
        Ok(Template {
            source,
            origin: shown.to_path_buf(),
        })
    }

    pub fn render(&self, values: &SpecValues) -> Result<String> {
        let (front, body) = split_front_matter(&self.source);
        let front_lines = front.matches('\n').count();
        let mut tera = sandboxed_tera();
        // The body template starts with a comment spanning the front
        // matter's lines, so that tera's line numbers are file line numbers.
        let padded_body = if front.is_empty() {
            body.to_string()
        } else {
            format!("{{#{}#}}{}", "\n".repeat(front_lines), body)
        };
        tera.add_raw_templates(vec![("front", front), ("body", padded_body.as_str())])
            .map_err(|err| self.error(err))?;
        let front_out = tera
            .render("front", &context(values, true))
            .map_err(|err| self.error(err))?;
        let body_out = tera
            .render("body", &context(values, false))
            .map_err(|err| self.error(err))?;
        Ok(front_out + &body_out)
    }

    /// A tera error as "template FILE:LINE: what went wrong".
    fn error(&self, err: tera::Error) -> anyhow::Error {
        let mut messages = vec![err.to_string()];
        let mut source = std::error::Error::source(&err);
        while let Some(inner) = source {
            messages.push(inner.to_string());
            source = inner.source();
        }
        let detail = messages.join(": ");
        let line =
            line_from_parse_error(&detail).or_else(|| self.line_of_missing_variable(&detail));
        let origin = self.origin.display();
        match line {
            Some(line) => anyhow!("template {origin}:{line}: {}", tidy(&detail)),
            None => anyhow!("template {origin}: {}", tidy(&detail)),
        }
    }

    /// Render errors carry no position; find the variable's first use.
    fn line_of_missing_variable(&self, detail: &str) -> Option<usize> {
        let name = detail.split("Variable `").nth(1)?.split('`').next()?;
        let pattern =
            regex::Regex::new(&format!(r"\{{[{{%][^}}]*\b{}\b", regex::escape(name))).ok()?;
        self.source
            .lines()
            .position(|line| pattern.is_match(line))
            .map(|index| index + 1)
    }
}

/// Most `range` a template may ask for: enough for any table, too little
/// to exhaust memory (tera's own builds the whole list first).
const MAX_RANGE: usize = 10_000;

/// A tera instance for templates that may come from a hostile repository:
/// nothing is HTML-escaped; `get_env` (which would copy CI secrets such as
/// `GITHUB_TOKEN` into the spec) answers with an error; `range` is capped.
/// Only the two templates added here exist, so `include`, `import` and
/// `extends` cannot reach any file.
fn sandboxed_tera() -> tera::Tera {
    let mut tera = tera::Tera::default();
    tera.autoescape_on(vec![]);
    tera.register_function(
        "get_env",
        |_: &std::collections::HashMap<String, tera::Value>| -> tera::Result<tera::Value> {
            Err(tera::Error::msg(
                "get_env is not available: spec templates cannot read the environment",
            ))
        },
    );
    tera.register_function("range", capped_range);
    tera
}

/// tera's `range(end, start=0, step_by=1)`, refusing more than [`MAX_RANGE`]
/// items.
fn capped_range(
    args: &std::collections::HashMap<String, tera::Value>,
) -> tera::Result<tera::Value> {
    let number = |name: &str, default: Option<u64>| -> tera::Result<u64> {
        match args.get(name) {
            Some(value) => value.as_u64().ok_or_else(|| {
                tera::Error::msg(format!(
                    "range: `{name}` must be a whole number, not {value}"
                ))
            }),
            None => default.ok_or_else(|| tera::Error::msg("range: `end` is required")),
        }
    };
    let (start, end, step) = (
        number("start", Some(0))?,
        number("end", None)?,
        number("step_by", Some(1))?,
    );
    if step == 0 {
        return Err(tera::Error::msg("range: `step_by` must not be 0"));
    }
    let count = end.saturating_sub(start).div_ceil(step);
    if count > MAX_RANGE as u64 {
        return Err(tera::Error::msg(format!(
            "range: {count} items is more than the {MAX_RANGE} a spec template may use"
        )));
    }
    Ok(tera::Value::Array(
        (start..end)
            .step_by(step as usize)
            .map(tera::Value::from)
            .collect(),
    ))
}

/// Drops tera's internal template names from messages.
fn tidy(detail: &str) -> String {
    detail
        .replace(" while rendering 'front'", "")
        .replace(" while rendering 'body'", "")
        .replace("Failed to parse 'front': ", "")
        .replace("Failed to parse 'body': ", "")
        .replace("Failed to render 'front': ", "")
        .replace("Failed to render 'body': ", "")
        .replace('\n', " ")
}

/// Tera parse errors contain pest's "--> LINE:COLUMN".
fn line_from_parse_error(detail: &str) -> Option<usize> {
    let after = detail.split("--> ").nth(1)?;
    after.split(':').next()?.trim().parse().ok()
}

/// Splits at the end of the front matter: `---` on the first line up to and
/// including the closing `---` line (without its line break). A template
/// without front matter is all body.
fn split_front_matter(source: &str) -> (&str, &str) {
    let first_line_end = source.find('\n').unwrap_or(source.len());
    if source[..first_line_end].trim_end() != "---" {
        return ("", source);
    }
    let mut offset = first_line_end + 1;
    while offset < source.len() {
        let end = source[offset..]
            .find('\n')
            .map_or(source.len(), |e| offset + e);
        if source[offset..end].trim_end() == "---" {
            let close = offset + source[offset..end].trim_end_matches('\r').len();
            return (&source[..close], &source[close..]);
        }
        offset = end + 1;
    }
    ("", source)
}

fn context(values: &SpecValues, for_yaml: bool) -> tera::Context {
    let text = |value: &str| {
        if for_yaml {
            yaml::scalar(value)
        } else {
            value.to_string()
        }
    };
    let tags = if for_yaml {
        yaml::flow_list(&values.tags)
    } else {
        values.tags.join(", ")
    };
    let mut ctx = tera::Context::new();
    let mut insert = |name: &str, value: String| {
        ctx.insert(name.to_ascii_uppercase(), &value);
        ctx.insert(name, &value);
    };
    insert("spec_id", text(&values.spec_id));
    insert("title", text(&values.title));
    insert("slug", values.slug.clone());
    insert("status", text(&values.status));
    insert("priority", text(&values.priority));
    insert("owner", text(&values.owner));
    // Dates are YYYY-MM-DD, which YAML reads as a date: left unquoted, the
    // way people write them by hand.
    insert("created", values.created.clone());
    insert("updated", values.updated.clone());
    insert("tags", tags);
    insert("description", text(&values.description));
    ctx.insert("number", &values.number);
    ctx.insert("NUMBER", &values.number);
    ctx
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(title: &str) -> SpecValues {
        SpecValues {
            spec_id: "SPEC-0042".into(),
            number: 42,
            title: title.into(),
            slug: crate::slug::slugify(title),
            status: "draft".into(),
            priority: "medium".into(),
            owner: "Jane Doe <jane@example.com>".into(),
            created: "2026-01-02".into(),
            updated: "2026-01-02".into(),
            tags: vec!["api".into(), "a, b".into()],
            description: "Why & how <b>".into(),
        }
    }

    #[test]
    fn seed_renders_with_yaml_front_matter_and_raw_body() {
        let out = Template::built_in()
            .render(&values(r#"Fix: "quotes" {{ x }}"#))
            .unwrap();
        assert!(
            out.starts_with("---\nspec-id: SPEC-0042\ntitle: \"Fix: \\\"quotes\\\" {{ x }}\"\n"),
            "{out}"
        );
        assert!(out.contains("\n# Fix: \"quotes\" {{ x }}\n"), "{out}");
        assert!(out.contains("tags: [api, \"a, b\"]\n"), "{out}");
        assert!(
            out.contains("owner: Jane Doe <jane@example.com>\n"),
            "{out}"
        );
        assert!(out.contains("Why & how <b>"), "{out}");
        assert!(
            out.ends_with("- 2026-01-02: Initial draft created\n"),
            "{out}"
        );
        // Same number of lines as the seed: nothing inserted or lost.
        assert_eq!(out.lines().count(), BUILT_IN.lines().count());
    }

    #[test]
    fn parse_error_names_file_and_line() {
        let template = Template {
            source: "---\ntitle: {{ TITLE }}\n---\n\nok\n{% if %}\n".into(),
            origin: PathBuf::from("templates/spec.md"),
        };
        let err = template.render(&values("x")).unwrap_err().to_string();
        assert!(err.starts_with("template templates/spec.md:6:"), "{err}");
    }

    #[test]
    fn templates_cannot_read_the_environment_or_files() {
        std::env::set_var("GIT_SPEC_TEST_SECRET", "s3cret");
        for body in [
            "{{ get_env(name=\"GIT_SPEC_TEST_SECRET\") }}",
            "{{ get_env(name=\"GIT_SPEC_TEST_SECRET\", default=\"\") }}",
            "{% include \"/etc/hostname\" %}",
            "{% include \"../../.specrc\" %}",
            "{% import \"/etc/passwd\" as x %}",
            "{% extends \"/etc/passwd\" %}",
            "{% for i in range(end=100000000000) %}x{% endfor %}",
        ] {
            let template = Template {
                source: format!("---\ntitle: {{{{ TITLE }}}}\n---\n\n{body}\n"),
                origin: PathBuf::from("t.md"),
            };
            match template.render(&values("x")) {
                Ok(out) => panic!("{body} rendered: {out}"),
                Err(err) => assert!(!err.to_string().contains("s3cret"), "{err}"),
            }
        }
        let template = Template {
            source: "{% for i in range(start=1, end=4) %}{{ i }}{% endfor %}".into(),
            origin: PathBuf::from("t.md"),
        };
        assert_eq!(template.render(&values("x")).unwrap(), "123");
    }

    #[test]
    fn unknown_variable_names_line() {
        let template = Template {
            source: "---\ntitle: {{ TITLE }}\n---\n\n# {{ TITEL }}\n".into(),
            origin: PathBuf::from("t.md"),
        };
        let err = template.render(&values("x")).unwrap_err().to_string();
        assert!(err.starts_with("template t.md:5:"), "{err}");
        assert!(err.contains("TITEL"), "{err}");
    }
}

//! `git spec man`: the man pages, so that `git spec --help` works.
//!
//! git turns `git spec --help` into `man git-spec`, so the page has to be
//! installed where `man` looks. The pages are rendered by clap_mangen from
//! the same clap definitions as `-h`: `git-spec.1` for the command, and one
//! `git-spec-<sub>.1` per subcommand (`git-spec-hook-install.1` for nested
//! ones), like git's own `git-commit.1`.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Args;
use clap_mangen::roff::{bold, roman, Roff};

#[derive(Debug, Args)]
#[command(after_help = "\
With --out-dir, writes git-spec.1 and one page per subcommand (git-spec-new.1,
git-spec-hook-install.1, ...) into that folder, and prints each path. Without it, writes
nothing: prints git-spec.1 on stdout (try `git spec man | man -l -`).

`git spec --help` makes git run `man git-spec`: install the pages where man looks, e.g.
  git spec man --out-dir ~/.local/share/man/man1")]
pub struct ManArgs {
    /// Folder to write every page into (created if needed)
    #[arg(long, short, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
}

/// One rendered page.
pub struct Page {
    /// `git-spec.1`, `git-spec-new.1`, ...
    pub file_name: String,
    pub roff: Vec<u8>,
}

/// `command` is the whole command line's definition, from `cli`.
pub fn run(args: ManArgs, command: clap::Command) -> Result<i32> {
    let pages = pages(command)?;
    let Some(out_dir) = args.out_dir else {
        // No folder named: nothing is written where the user happens to be.
        use std::io::Write;
        let mut stdout = std::io::stdout().lock();
        stdout.write_all(&pages[0].roff)?;
        stdout.flush()?;
        errln!(
            "note: this is git-spec.1 alone; `git spec man --out-dir ~/.local/share/man/man1` installs every page"
        );
        return Ok(0);
    };
    fs::create_dir_all(&out_dir).with_context(|| format!("cannot create {}", out_dir.display()))?;
    for page in &pages {
        let path = out_dir.join(&page.file_name);
        write_page(&path, &page.roff)?;
        outln!("{}", path.display());
    }
    Ok(0)
}

/// Through a temporary file and a rename ([`crate::fsutil::replace`]), so
/// that a `man` running at the same time never reads half a page.
fn write_page(path: &Path, bytes: &[u8]) -> Result<()> {
    crate::fsutil::replace(path, bytes)
}

/// Every page: the command first, then the subcommands depth first.
pub fn pages(command: clap::Command) -> Result<Vec<Page>> {
    // An empty date would shift the other `.TH` fields (clap_mangen writes
    // no quotes around it), so the page carries the day it was generated,
    // or GIT_SPEC_DATE.
    let date = crate::clock::today()?;
    let mut root = command.disable_help_subcommand(true);
    // Sets every subcommand's display name (`git-spec-new`) and bin name
    // (`git spec new`, used in SYNOPSIS).
    root.build();
    let mut pages = Vec::new();
    collect(&root, None, &date, &mut pages)?;
    Ok(pages)
}

fn collect(
    command: &clap::Command,
    parent: Option<&str>,
    date: &str,
    pages: &mut Vec<Page>,
) -> Result<()> {
    let name = page_name(command);
    let mut roff = Vec::new();
    clap_mangen::Man::new(command.clone())
        .title(name.to_uppercase())
        .section("1")
        .date(date)
        .source(format!("git-spec {}", env!("CARGO_PKG_VERSION")))
        .manual("git-spec Manual")
        .render(&mut roff)
        .with_context(|| format!("cannot render the man page of {name}"))?;

    let children: Vec<&clap::Command> = command
        .get_subcommands()
        .filter(|sub| !sub.is_hide_set())
        .collect();
    // SEE ALSO: the parent page and git(1); SUBCOMMANDS already lists the
    // children's pages.
    let mut see_also: Vec<String> = parent.into_iter().map(str::to_string).collect();
    see_also.push("git".to_string());
    let mut extra = Roff::new();
    if parent.is_none() {
        reference(&mut extra);
    }
    extra.control("SH", ["SEE ALSO"]);
    let mut inlines = Vec::new();
    for (i, page) in see_also.iter().enumerate() {
        if i > 0 {
            inlines.push(roman(", "));
        }
        inlines.push(bold(page.as_str()));
        inlines.push(roman("(1)"));
    }
    extra.text(inlines);
    roff.extend_from_slice(extra.to_roff().as_bytes());

    pages.push(Page {
        file_name: format!("{name}.1"),
        roff,
    });
    for sub in children {
        collect(sub, Some(&name), date, pages)?;
    }
    Ok(())
}

/// The reference that git's own pages carry, on git-spec.1: every
/// `.specrc` key (the commented example, which a test keeps equal to the
/// defaults), the default workflow, the check rules, the exit status, the
/// environment and examples.
fn reference(roff: &mut Roff) {
    // groff takes ASCII: an em dash of the example becomes `--`.
    let preformatted = |roff: &mut Roff, text: &str| {
        roff.control("nf", [] as [&str; 0]);
        for line in text.lines() {
            roff.text([roman(deunicode::deunicode(line))]);
        }
        roff.control("fi", [] as [&str; 0]);
    };
    roff.control("SH", ["CONFIGURATION"]);
    roff.text([roman(
        ".specrc at the repository root, TOML; every key with its default and what it means:",
    )]);
    preformatted(roff, crate::config::EXAMPLE);

    roff.control("SH", ["WORKFLOW"]);
    roff.text([roman(
        "The default statuses and the moves between them ([workflow] in .specrc changes both; a status without moves is final):",
    )]);
    let workflow = crate::workflow::Workflow::default();
    let moves: Vec<String> = workflow
        .statuses
        .iter()
        .map(|status| match workflow.next(status) {
            [] => format!("{status} (final)"),
            next => format!("{status} -> {}", next.join(", ")),
        })
        .collect();
    preformatted(roff, &moves.join("\n"));

    roff.control("SH", ["CHECK RULES"]);
    for (rule, what) in crate::rules::RULES {
        roff.control("TP", [] as [&str; 0]);
        roff.text([bold(*rule)]);
        roff.text([roman(*what)]);
    }

    roff.control("SH", ["EXIT STATUS"]);
    for (code, what) in [
        ("0", "success; for check, nothing found"),
        ("1", "an error (the message says what and how to fix it), or check and index --check found problems, or hook status found nothing that runs git-spec"),
        ("2", "the command line is wrong (unknown option, missing argument)"),
        ("141", "stdout was closed by its reader (git spec list | head): killed by SIGPIPE, quietly, as git is"),
    ] {
        roff.control("TP", [] as [&str; 0]);
        roff.text([bold(code)]);
        roff.text([roman(what)]);
    }

    roff.control("SH", ["ENVIRONMENT"]);
    for (name, what) in [
        (
            "GIT_SPEC_DATE",
            "YYYY-MM-DD to use as today (reproducible output)",
        ),
        (
            "NO_COLOR, CLICOLOR, CLICOLOR_FORCE",
            "colour with --color auto, as in other tools; then git's color.ui",
        ),
        (
            "VISUAL, EDITOR",
            "the editor of new --edit, after git's core.editor",
        ),
        (
            "GIT_DIR, GIT_WORK_TREE, GIT_INDEX_FILE",
            "honoured as git honours them (the commit hook depends on GIT_INDEX_FILE)",
        ),
    ] {
        roff.control("TP", [] as [&str; 0]);
        roff.text([bold(name)]);
        roff.text([roman(what)]);
    }

    roff.control("SH", ["EXAMPLES"]);
    preformatted(
        roff,
        "git spec new \"Add OAuth login\"          # SPEC-0001, its branch and file\n\
         git spec status 1 review                 # along the workflow, with a changelog entry\n\
         git spec approve 1 --commit              # your approval, bound to the content\n\
         git spec hook install                    # hand-edited statuses recorded on commit\n\
         git spec check --against origin/main     # in CI, on a pull request\n\
         git spec check --history origin/main..HEAD\n\
         git spec list --json | jq '.[].status'",
    );
}

/// `git-spec` for the command, `git-spec-new` for a subcommand.
fn page_name(command: &clap::Command) -> String {
    command
        .get_display_name()
        .unwrap_or_else(|| command.get_name())
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_page_per_subcommand() {
        let pages = pages(crate::cli::command()).unwrap();
        let names: Vec<&str> = pages.iter().map(|p| p.file_name.as_str()).collect();
        assert_eq!(names[0], "git-spec.1");
        assert!(names.contains(&"git-spec-new.1"), "{names:?}");
        assert!(names.contains(&"git-spec-log.1"), "{names:?}");
        assert!(!names.iter().any(|n| n.contains("help")), "{names:?}");
    }
}

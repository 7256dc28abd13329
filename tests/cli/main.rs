//! The integration tests, as one test binary: each module holds the tests
//! of one command or concern, and `common` is the harness they share (it
//! runs the real `git-spec` binary and the real `git` CLI in temporary
//! repositories).

mod common;

mod approval;
mod board;
mod branch_trees;
mod caches;
mod check;
mod ci_recipe;
mod commit;
mod document_props;
mod elsewhere;
mod history;
mod hook;
mod hook_managers;
mod hostile;
mod index;
mod init;
mod json_contract;
mod lifecycle;
mod list;
mod log;
mod mcp;
mod merge_driver;
mod new;
mod new_props;
mod output_flags;
mod pipes;
mod provisional;
mod references;
mod relations;
mod renumber;
mod reserve;
mod shell;
mod show;
mod status;
mod tasks;
mod terminal;
mod transcripts;

/// Every `tests/cli/*.rs` file (and `tests/cli/*/mod.rs`) is declared here as `mod NAME;`: a file
/// nobody declares would never be compiled, and its tests never run.
#[test]
fn every_test_file_is_a_module() {
    let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cli");
    let main = std::fs::read_to_string(folder.join("main.rs")).expect("read main.rs");
    let declared: Vec<&str> = main
        .lines()
        .filter_map(|line| line.strip_prefix("mod ")?.strip_suffix(';'))
        .collect();
    let mut files = Vec::new();
    for entry in std::fs::read_dir(&folder).expect("read tests/cli") {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        // A file `NAME.rs`, or a folder `NAME/` holding `mod.rs`.
        let module = match name.strip_suffix(".rs") {
            Some(module) => module.to_string(),
            None if entry.path().join("mod.rs").is_file() => name,
            None => continue,
        };
        if module != "main" && module != "common" {
            files.push(module);
        }
    }
    files.sort();
    assert!(
        !files.is_empty(),
        "no test files found in {}",
        folder.display()
    );
    let missing: Vec<&String> = files
        .iter()
        .filter(|m| !declared.contains(&m.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "tests/cli/main.rs does not declare {missing:?}: add `mod NAME;` for each"
    );
}

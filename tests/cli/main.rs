//! The integration tests, as one test binary: each module holds the tests
//! of one command or concern, and `common` is the harness they share (it
//! runs the real `git-spec` binary and the real `git` CLI in temporary
//! repositories).

mod common;

mod check;
mod document_props;
mod hook;
mod hostile;
mod index;
mod init;
mod list;
mod log;
mod new;
mod new_props;
mod renumber;
mod reserve;
mod shell;
mod show;
mod status;
mod terminal;

//! One file per subcommand; each defines its clap arguments and `run`.

pub mod approve;
pub mod board;
pub mod check;
pub mod complete;
pub mod completions;
pub mod fetch;
pub mod graph;
pub mod hook;
pub mod index;
pub mod init;
pub mod link;
pub mod list;
pub mod log;
pub mod man;
pub mod mcp;
pub mod new;
pub mod promote;
pub mod renumber;
pub mod show;
pub mod status;
pub mod supersede;

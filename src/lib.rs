//! git-spec: feature specs as Markdown files in the repository they
//! describe, with their lifecycle (ids, owners, branches, status,
//! changelog) run through git. `main.rs` only calls [`cli::main`].

// First, so that its output macros (`outln!`, `out!`, `errln!`) are in
// scope in every module below.
#[macro_use]
pub mod term;

pub mod catalog;
pub mod cli;
pub mod clock;
pub mod collisions;
pub mod commands;
pub mod config;
pub mod document;
pub mod editor;
pub mod fsutil;
pub mod history;
pub mod hook;
pub mod hook_file;
pub mod ids;
pub mod lock;
pub mod memo;
pub mod parallel;
pub mod paths;
pub mod project;
pub mod repo;
pub mod reserve;
pub mod rules;
pub mod scheme;
pub mod slug;
pub mod template;
pub mod workflow;
pub mod yaml;

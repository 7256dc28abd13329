//! git-spec: feature specs as Markdown files in the repository they
//! describe, with their lifecycle (ids, owners, branches, status,
//! changelog) run through git. `main.rs` only calls [`cli::main`].

// Modules are private to the crate, so the compiler reports what nothing
// uses; the public ones are what the integration tests read directly (the
// binary is the product: `cli::main`).

// First, so that its output macros (`outln!`, `out!`, `errln!`) are in
// scope in every module below.
#[macro_use]
mod term;

mod approval;
mod audit;
mod board;
mod catalog;
mod checked;
pub mod cli;
mod clock;
mod collisions;
mod commands;
pub mod config;
pub mod document;
mod editor;
mod fsutil;
mod generated_dir;
mod history;
mod hook;
mod hook_file;
mod hook_managers;
mod ids;
mod index_file;
mod lock;
mod mcp;
mod memo;
mod merge_driver;
mod pack;
mod parallel;
mod paths;
mod project;
mod raw_tree;
mod references;
mod relations;
mod repo;
mod reserve;
mod rules;
mod scheme;
pub mod slug;
mod tasks;
pub mod template;
mod workflow;
mod yaml;

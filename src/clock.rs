//! Today's date for `created`/`updated` and changelog entries.

use anyhow::{anyhow, Result};

/// Pins the date (`YYYY-MM-DD`) for reproducible output: tests, demos,
/// regenerating examples.
pub const DATE_VAR: &str = "GIT_SPEC_DATE";

/// Today's local date as `YYYY-MM-DD`, or the pinned one.
pub fn today() -> Result<String> {
    match std::env::var(DATE_VAR) {
        Ok(pinned) => {
            let valid = pinned.len() == 10
                && chrono::NaiveDate::parse_from_str(&pinned, "%Y-%m-%d").is_ok();
            if !valid {
                return Err(anyhow!("{DATE_VAR}={pinned:?} is not a date: use YYYY-MM-DD, e.g. {DATE_VAR}=2026-01-31"));
            }
            Ok(pinned)
        }
        Err(_) => Ok(chrono::Local::now().format("%Y-%m-%d").to_string()),
    }
}

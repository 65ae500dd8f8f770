//! One module per subcommand.

mod batch;
mod check;
mod checkpoint;
mod classify;
mod compare;
mod impact;
mod lists;
mod matrix;
mod records;
mod replay;
mod rules;
mod screen;
mod serve;
mod tokens;

use crate::cli::{Cli, Command};
use crate::context::Context;
use anyhow::Result;
use std::fmt;

/// A user error: exit code 2. The message names the field and what is accepted.
#[derive(Debug)]
pub struct BadInput(pub String);

impl fmt::Display for BadInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BadInput {}

pub fn bad(message: impl Into<String>) -> anyhow::Error {
    BadInput(message.into()).into()
}

/// Runs a subcommand; returns the process exit code.
pub fn run(cli: Cli) -> Result<u8> {
    let cx = Context::new(cli.data_dir, cli.rules_dir);
    match cli.command {
        Command::Check(a) => check::run(&cx, *a),
        Command::Matrix(a) => matrix::run(&cx, a),
        Command::Rules { command } => rules::run(&cx, command),
        Command::Screen(a) => screen::run(&cx, a),
        Command::Compare(a) => compare::run(a),
        Command::Lists { command } => lists::run(&cx, command),
        Command::Classify(a) => classify::run(a),
        Command::Batch(a) => batch::run(&cx, a),
        Command::Serve(a) => serve::run(&cx, a),
        Command::Openapi => {
            let document = server::api::openapi::document();
            println!("{}", serde_json::to_string_pretty(&document)?);
            Ok(crate::exit::OK)
        }
        Command::Tokens { command } => tokens::run(&cx, command),
        Command::Records { command } => records::run(&cx, command),
    }
}

/// Today's date (UTC): the default as-of date.
pub fn today() -> ear::Date {
    chrono::Utc::now().date_naive()
}

/// Parses an `--as-of` flag: a date, not after today unless `allow_future`.
pub fn as_of(flag: &Option<String>, allow_future: bool) -> Result<ear::Date> {
    match flag {
        None => Ok(today()),
        Some(s) => {
            let date = ear::parse_date(s).ok_or_else(|| {
                bad(format!(
                    "--as-of: '{s}' is not a date; give YYYY-MM-DD, e.g. 2023-06-01"
                ))
            })?;
            not_future("--as-of", date, allow_future)?;
            Ok(date)
        }
    }
}

/// Refuses an as-of date after today unless `--allow-future` was given: ace knows the
/// regulation as it stands, not as it will stand. `field` names the flag or JSON field.
pub fn not_future(field: &str, date: ear::Date, allow_future: bool) -> Result<()> {
    let today = today();
    if date > today && !allow_future {
        return Err(bad(format!(
            "{field}: {date} is after today ({today}); ace knows the regulation only as it stands: \
             give a date up to {today}, or add --allow-future to apply today's rules to that date"
        )));
    }
    Ok(())
}

/// Refuses a CSV header that names a column the reader uses more than once (one of the two
/// values would otherwise be silently dropped); the error names the column and both places.
pub fn no_repeated_column(path: &std::path::Path, header: &[String], used: &[&str]) -> Result<()> {
    for (i, h) in header.iter().enumerate() {
        if !used.contains(&h.as_str()) {
            continue;
        }
        if let Some(j) = header[i + 1..].iter().position(|other| other == h) {
            return Err(bad(format!(
                "{}: line 1: column `{h}` appears twice in the header (columns {} and {}); \
                 give each column once (accepted columns: {})",
                path.display(),
                i + 1,
                i + j + 2,
                used.join(", ")
            )));
        }
    }
    Ok(())
}

/// Reads a file, or standard input for `-`.
pub fn read_input(path: &std::path::Path) -> Result<String> {
    use anyhow::Context as _;
    use std::io::Read;
    if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .context("reading standard input")?;
        Ok(s)
    } else {
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
    }
}

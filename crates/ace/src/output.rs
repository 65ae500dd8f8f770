//! Standard output and error that a closed reader cannot turn into a panic.
//!
//! `ace screen --batch names.csv | head` closes the pipe after a few lines. The standard
//! `print!`/`println!` panic when a write fails; ace's own versions (the macros below,
//! which shadow the standard ones in the whole crate) end the process instead, quietly and
//! with exit status 0, as ripgrep does: the reader has everything it asked for. Errors
//! from writes that return a `Result` (`BufWriter`, `csv::Writer`, `serde_json::to_writer`)
//! reach `main`, which ends the same way when one of them is a broken pipe
//! ([`is_broken_pipe`]). Writes to standard error that fail are dropped (there is nowhere
//! left to report them).

use std::io::{self, Write};

/// Writes formatted text to standard output; a closed reader ends the process quietly
/// (status 0), any other failure ends it with status 1 and a message.
pub fn stdout(args: std::fmt::Arguments<'_>) {
    let mut out = io::stdout().lock();
    if let Err(e) = out.write_fmt(args) {
        if e.kind() == io::ErrorKind::BrokenPipe {
            quiet_exit();
        }
        let _ = writeln!(io::stderr(), "ace: writing to standard output: {e}");
        std::process::exit(i32::from(crate::exit::FAILURE));
    }
}

/// Writes formatted text to standard error, ignoring failures.
pub fn stderr(args: std::fmt::Arguments<'_>) {
    let _ = io::stderr().lock().write_fmt(args);
}

/// Ends the process after the reader of standard output went away: exit status 0,
/// nothing printed.
pub fn quiet_exit() -> ! {
    std::process::exit(i32::from(crate::exit::OK))
}

/// Whether an error (or any error in its chain) is a write to a closed pipe.
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        if let Some(io) = cause.downcast_ref::<io::Error>() {
            return io.kind() == io::ErrorKind::BrokenPipe;
        }
        // serde_json and csv keep the io::Error inside without exposing it as a source.
        if let Some(json) = cause.downcast_ref::<serde_json::Error>() {
            return json.io_error_kind() == Some(io::ErrorKind::BrokenPipe);
        }
        if let Some(csv) = cause.downcast_ref::<csv::Error>() {
            return matches!(csv.kind(), csv::ErrorKind::Io(io) if io.kind() == io::ErrorKind::BrokenPipe);
        }
        false
    })
}

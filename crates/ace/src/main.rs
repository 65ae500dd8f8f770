//! `ace` — the command line over the `ear`, `decide`, `lists`, `screen` and `classify`
//! crates. Thin on purpose: parsing flags, choosing the data directory, printing.

/// `print!`/`println!`/`eprint!`/`eprintln!` for the whole crate (textual scope: every
/// module declared below uses these instead of the standard ones): a closed pipe on
/// standard output ends ace quietly instead of panicking (see `output`).
macro_rules! print {
    ($($arg:tt)*) => { $crate::output::stdout(format_args!($($arg)*)) };
}
macro_rules! println {
    () => { $crate::output::stdout(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::output::stdout(format_args!("{}\n", format_args!($($arg)*))) };
}
macro_rules! eprint {
    ($($arg:tt)*) => { $crate::output::stderr(format_args!($($arg)*)) };
}
macro_rules! eprintln {
    () => { $crate::output::stderr(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::output::stderr(format_args!("{}\n", format_args!($($arg)*))) };
}

mod cli;
mod cmd;
mod context;
mod output;
mod pipeline;
mod progress;
mod render;

use clap::Parser;
use std::process::ExitCode;

/// mimalloc: the engine allocates one string per finding; the system allocator made
/// that a third of the time of a determination (see bench/README.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Exit codes, documented in `ace --help`.
pub mod exit {
    pub const OK: u8 = 0;
    pub const FAILURE: u8 = 1;
    pub const BAD_INPUT: u8 = 2;
    pub const LICENSE_REQUIRED: u8 = 3;
    pub const PROHIBITED: u8 = 4;
    pub const HOLD: u8 = 5;
}

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    match cmd::run(args) {
        Ok(code) => ExitCode::from(code),
        Err(e) if output::is_broken_pipe(&e) => output::quiet_exit(),
        Err(e) => {
            let code = match e.downcast_ref::<cmd::BadInput>() {
                Some(_) => exit::BAD_INPUT,
                None => exit::FAILURE,
            };
            eprintln!("ace: {e:#}");
            ExitCode::from(code)
        }
    }
}

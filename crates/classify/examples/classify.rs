//! Try the classification guidance without the `ace` binary:
//!
//! ```text
//! cargo run -p classify --example classify                 # interactive
//! cargo run -p classify --example classify -- answers.yaml # from a file (`-` = stdin)
//! ```
//! Prints the classification as JSON on standard output.

use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let outcome = match std::env::args().nth(1) {
        Some(file) => classify::load_answers(Path::new(&file)).and_then(|a| classify::classify(&a)),
        None => classify::interactive::run(),
    };
    match outcome.map(|c| serde_json::to_string_pretty(&c)) {
        Ok(Ok(json)) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Ok(Err(e)) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

//! Screens names given on the command line against all bundled lists and
//! prints the matches with their explanations (a debugging aid).
//!
//! `cargo run --release -p screen --example probe -- "NAME" ["NAME"...]`

#[path = "common/mod.rs"]
mod common;

use screen::{Query, Screener, DEFAULT_REVIEW_THRESHOLD};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let screener = Screener::new(common::latin_only(common::load_all()?));
    for name in std::env::args().skip(1) {
        println!("== {name}");
        for m in screener
            .screen(&Query::name(name.clone()), DEFAULT_REVIEW_THRESHOLD)
            .iter()
            .take(5)
        {
            println!(
                "  {} {} {}",
                m.score,
                common::entry_key(&screener.entries()[m.entry_index]),
                m.explanation.summary
            );
        }
        let c = screen::compare(&name, &name, None);
        println!("  (self-compare {})", c.score);
    }
    Ok(())
}

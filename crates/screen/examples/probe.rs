//! Screens names given on the command line against all bundled lists and
//! prints the matches with their explanations (a debugging aid).
//!
//! `cargo run --release -p screen --example probe -- "NAME" ["NAME"...]`
//!
//! `COUNTRY=CN` gives the queries a country; `BUNDLED=1` screens against the
//! snapshot compiled into `ace` (`lists::snapshot::bundled`) instead of the
//! list files of the evaluation.

#[path = "common/mod.rs"]
mod common;

use screen::{Query, Screener, DEFAULT_REVIEW_THRESHOLD};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let entries = if std::env::var_os("BUNDLED").is_some() {
        lists::snapshot::bundled()?.entries
    } else {
        common::latin_only(common::load_all()?)
    };
    let screener = Screener::new(entries);
    let country = std::env::var("COUNTRY").ok();
    for name in std::env::args().skip(1) {
        println!("== {name}");
        let q = Query {
            name: name.clone(),
            country: country.clone(),
            kind: None,
        };
        for m in screener.screen(&q, DEFAULT_REVIEW_THRESHOLD).iter().take(5) {
            let e = &screener.entries()[m.entry_index];
            println!(
                "  {} {} [{}]{} {}",
                m.score,
                common::entry_key(e),
                e.countries.join(","),
                if m.generic_only { " generic" } else { "" },
                m.explanation.summary
            );
        }
        let c = screen::compare(&name, &name, None);
        println!("  (self-compare {})", c.score);
    }
    Ok(())
}

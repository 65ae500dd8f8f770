//! Every match (score and full explanation) of every development-set query,
//! at 0.70 and 0.85, over the evaluation's index (Latin names only) and over
//! all names, one JSON array per line: run it before and after a change that
//! must not change any score, and compare the files (`cmp`).
//!
//! `cargo run --release -p screen --example dump_matches OUT [DEVSET]`

#[path = "common/mod.rs"]
mod common;

use screen::{Query, Screener, DEFAULT_REVIEW_THRESHOLD, DEFAULT_THRESHOLD};
use std::io::Write;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let out = args.first().ok_or("usage: dump_matches OUT [DEVSET]")?;
    let path = args.get(1).map_or_else(common::devset_path, Into::into);
    let cases = common::read_devset(&path)?;
    let mut f = std::io::BufWriter::new(std::fs::File::create(out)?);
    let indexes = [
        ("latin", common::latin_only(common::load_all()?)),
        ("all", common::load_all()?),
    ];
    for (label, entries) in indexes {
        let s = Screener::new(entries);
        for (i, c) in cases.iter().enumerate() {
            for th in [DEFAULT_REVIEW_THRESHOLD, DEFAULT_THRESHOLD] {
                let m = s.screen(&Query::name(c.query.clone()), th);
                writeln!(f, "{label} {i} {th} {}", serde_json::to_string(&m)?)?;
            }
        }
    }
    f.flush()?;
    Ok(())
}

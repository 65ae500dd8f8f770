//! Index build time, single-threaded queries per second over the development
//! set's queries, and peak RSS, with all bundled lists loaded together.
//!
//! `cargo run --release -p screen --example throughput [DEVSET] [SECONDS] [NAMES_OUT]`
//!
//! With `NAMES_OUT`, also writes every indexed name as `LIST:id<TAB>name`, one
//! per line, for the brute-force baseline (`bench/screening/baseline.py`).

#[path = "common/mod.rs"]
mod common;

use screen::{Query, Screener, DEFAULT_THRESHOLD};
use std::time::{Duration, Instant};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let path = args.first().map_or_else(common::devset_path, Into::into);
    let seconds: f64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(3.0);
    let queries: Vec<Query> = common::read_devset(&path)?
        .into_iter()
        .map(|c| Query::name(c.query))
        .collect();
    let t = Instant::now();
    let entries = common::load_all()?;
    let load = t.elapsed();
    let names: usize = entries.iter().map(|e| e.names().count()).sum();
    if let Some(out) = args.get(2) {
        dump_names(&entries, out)?;
    }
    let n_entries = entries.len();
    // A zero time budget is one pass over the queries (for instruction
    // counts): the index is then built once, not three times more.
    let build = if seconds > 0.0 {
        best_build(entries)?
    } else {
        let t = Instant::now();
        drop(Screener::new(entries));
        t.elapsed()
    };
    let screener = Screener::new(common::load_all()?);
    let (qps, hits) = run(&screener, &queries, Duration::from_secs_f64(seconds));
    println!(
        "entries: {n_entries}, names incl. aliases: {names}, list load (parse) time: {:.0} ms",
        load.as_secs_f64() * 1e3
    );
    println!(
        "index build time: {:.0} ms (best of 3)",
        build.as_secs_f64() * 1e3
    );
    println!(
        "queries: {}, hits per query at {DEFAULT_THRESHOLD}: {:.3}",
        queries.len(),
        hits
    );
    println!("throughput: {qps:.0} queries/s (single thread)");
    println!(
        "peak RSS (VmHWM): {:.0} MiB",
        common::peak_rss_mib().unwrap_or(f64::NAN)
    );
    println!(
        "RESULT qps={qps:.0} build_ms={:.0} rss_mib={:.0}",
        build.as_secs_f64() * 1e3,
        common::peak_rss_mib().unwrap_or(f64::NAN)
    );
    Ok(())
}

fn dump_names(entries: &[lists::model::Entry], out: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut f = std::io::BufWriter::new(std::fs::File::create(out)?);
    for e in entries {
        for (n, _) in e.names() {
            let n = n.replace(['\t', '\n', '\r'], " ");
            writeln!(f, "{}\t{n}", common::entry_key(e))?;
        }
    }
    f.flush()
}

fn best_build(entries: Vec<lists::model::Entry>) -> Result<Duration, Box<dyn std::error::Error>> {
    let mut best = Duration::MAX;
    for _ in 0..3 {
        let e = entries.clone();
        let t = Instant::now();
        let s = Screener::new(e);
        best = best.min(t.elapsed());
        drop(s);
    }
    Ok(best)
}

/// Screens every query in turn until `budget` has passed (whole passes only).
fn run(s: &Screener, queries: &[Query], budget: Duration) -> (f64, f64) {
    let t = Instant::now();
    let mut done = 0usize;
    let mut hits = 0usize;
    // THRESHOLD=0.70 measures what `ace check` and the server do: they screen at the
    // review threshold, so that the "needs review" band is reported too.
    let threshold = std::env::var("THRESHOLD")
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or(DEFAULT_THRESHOLD);
    while t.elapsed() < budget || done == 0 {
        for q in queries {
            hits += s.screen(q, threshold).len();
        }
        done += queries.len();
    }
    (
        done as f64 / t.elapsed().as_secs_f64(),
        hits as f64 / done as f64,
    )
}

//! Decides a fixed mix of transactions N times on one thread and prints decisions per
//! second. Run under `perf stat -e instructions:u` for a load-independent count:
//! `cargo run --release -p decide --example throughput -- 1000000`.

use decide::{decide, parse_input};
use ear::{parse_date, Law};
use std::time::Instant;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const CASES: [&str; 4] = [
    r#"{"date":"2023-06-01","item":{"eccn":"4D004"},"destination":"CN","end_user":{"kind":"government"}}"#,
    r#"{"date":"2023-06-01","item":{"eccn":"4D004"},"destination":"DE","end_user":{"kind":"non_government"}}"#,
    r#"{"date":"2024-06-01","item":{"eccn":"5A001.j"},"destination":"JP"}"#,
    r#"{"date":"2022-04-01","item":{"eccn":"4E001.c"},"destination":"IL","end_user":{"kind":"government","government_role":"national_csirt"},"purpose":"vulnerability_disclosure"}"#,
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let law = Law::bundled()?;
    let today = parse_date("2026-11-22").ok_or("date")?;
    let txs = CASES
        .iter()
        .map(|s| parse_input(s)?.validate(&law, today))
        .collect::<Result<Vec<_>, decide::InputError>>()?;
    let start = Instant::now();
    let mut findings = 0usize;
    for i in 0..n {
        let d = decide(&txs[i % txs.len()], &law)?;
        findings += d.trace.len();
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{n} determinations in {secs:.3}s: {:.0}/s on one thread ({:.1} findings each)",
        n as f64 / secs,
        findings as f64 / n as f64
    );
    Ok(())
}

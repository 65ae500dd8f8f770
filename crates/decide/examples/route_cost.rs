//! A three-leg route (two intermediate consignees, then the destination) against the same
//! three destinations decided as three single-leg transactions, N times each on one thread:
//! the issue asks the route to cost less than the three. Prints both per decision, and
//! runs only one side with `route` or `singles` as the second argument (for callgrind:
//! `valgrind --tool=callgrind target/profiling/examples/route_cost 20000 route`).

use decide::{decide, parse_input, Transaction};
use ear::{parse_date, Law};
use std::time::Instant;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const THREE_LEGS: &str = r#"{"date":"2024-06-01","item":{"eccn":"4D004"},"destination":"DE","end_user":{"kind":"non_government"},"intermediate_consignees":[{"country":"NL","role":"distributor","kind":"non_government"},{"country":"FR","role":"forwarder"}]}"#;
const SINGLES: [&str; 3] = [
    r#"{"date":"2024-06-01","item":{"eccn":"4D004"},"destination":"NL","end_user":{"kind":"non_government"}}"#,
    r#"{"date":"2024-06-01","item":{"eccn":"4D004"},"destination":"FR","end_user":{"kind":"non_government"}}"#,
    r#"{"date":"2024-06-01","item":{"eccn":"4D004"},"destination":"DE","end_user":{"kind":"non_government"}}"#,
];

/// Seconds to decide `txs` (in turn) `n` times each.
fn time(law: &Law, txs: &[Transaction], n: usize) -> Result<f64, decide::InputError> {
    let start = Instant::now();
    let mut legs = 0usize;
    for _ in 0..n {
        for tx in txs {
            legs += decide(tx, law)?.legs.len();
        }
    }
    std::hint::black_box(legs);
    Ok(start.elapsed().as_secs_f64())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(200_000);
    let only = args.next();
    let law = Law::bundled()?;
    let today = parse_date("2026-11-22").ok_or("date")?;
    let route = vec![parse_input(THREE_LEGS)?.validate(&law, today)?];
    let singles = SINGLES
        .iter()
        .map(|s| parse_input(s)?.validate(&law, today))
        .collect::<Result<Vec<_>, decide::InputError>>()?;
    if only.as_deref() != Some("singles") {
        let secs = time(&law, &route, n)?;
        println!("three-leg route:         {:.2} µs", secs * 1e6 / n as f64);
    }
    if only.as_deref() != Some("route") {
        let secs = time(&law, &singles, n)?;
        println!("three single-leg (sum):  {:.2} µs", secs * 1e6 / n as f64);
    }
    Ok(())
}

//! Durable append throughput and latency with group commit.
//!
//! `cargo run --release -p records --example append_bench -- sqlite|postgres [threads] [appends_per_thread] [handles]`
//!
//! `handles` opens the store that many times (each with its own writer and connections), as
//! several `ace serve` processes would; threads are spread over them.
//!
//! SQLite writes a file in a temporary directory; PostgreSQL uses a fresh database `ace_bench`
//! on the server of `ACE_TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/test`).
//! Each thread appends determination-sized records (about 2 KB) back to back, as HTTP workers
//! writing the record before the response would.

use std::sync::Arc;
use std::time::{Duration, Instant};

use records::{NewRecord, RecordKind, RecordStore};
use serde_json::json;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let backend = args.first().map_or("sqlite", String::as_str).to_string();
    let threads: usize = args.get(1).map_or(Ok(64), |s| s.parse())?;
    let per_thread: usize = args.get(2).map_or(Ok(500), |s| s.parse())?;
    let handles: usize = args.get(3).map_or(Ok(1), |s| s.parse())?.max(1);
    let dir = tempfile::tempdir()?;
    let url = match backend.as_str() {
        "postgres" => fresh_postgres_database()?,
        _ => dir.path().join("records.sqlite").display().to_string(),
    };
    // Several handles stand for several server processes sharing the database.
    let stores: Vec<Arc<dyn RecordStore>> = (0..handles)
        .map(|_| records::open(&url).map(Arc::from))
        .collect::<Result<_, _>>()?;
    let store = stores[0].clone();
    // Warm up: connections, caches, first pages of the file.
    store.append(record(0, 0))?;

    let started = Instant::now();
    let workers: Vec<_> = (0..threads)
        .map(|t| {
            let store = stores[t % stores.len()].clone();
            std::thread::spawn(move || append_loop(store.as_ref(), t, per_thread))
        })
        .collect();
    let mut latencies = Vec::with_capacity(threads * per_thread);
    for worker in workers {
        latencies.extend(worker.join().map_err(|_| "worker panicked")??);
    }
    let elapsed = started.elapsed();
    report(
        &format!("{backend} x{handles}"),
        threads,
        &mut latencies,
        elapsed,
    );
    let verified = store.verify()?;
    println!("verify: ok={} records={}", verified.ok, verified.records);
    Ok(())
}

fn append_loop(store: &dyn RecordStore, thread: usize, n: usize) -> records::Result<Vec<Duration>> {
    let mut latencies = Vec::with_capacity(n);
    for i in 0..n {
        let started = Instant::now();
        store.append(record(thread, i))?;
        latencies.push(started.elapsed());
    }
    Ok(latencies)
}

fn report(backend: &str, threads: usize, latencies: &mut [Duration], elapsed: Duration) {
    latencies.sort_unstable();
    let at = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{backend}: {} appends from {threads} threads in {:.2} s = {:.0} appends/s; latency p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        latencies.len(),
        elapsed.as_secs_f64(),
        latencies.len() as f64 / elapsed.as_secs_f64(),
        ms(at(0.50)),
        ms(at(0.99)),
        ms(at(1.0)),
    );
}

/// A record about the size of a real determination with its trace.
fn record(thread: usize, i: usize) -> NewRecord {
    let trace: Vec<_> = (0..10)
        .map(|step| {
            json!({"citation": format!("15 CFR 740.22(c)({step})"), "check": "destination not in Country Group D:5",
                   "held": step % 3 != 0, "because": "CY is not listed in supplement no. 1 to part 740 as of 2024-05-29",
                   "confidence": "ecfr-data"})
        })
        .collect();
    NewRecord {
        kind: RecordKind::Determination,
        actor: format!("worker-{thread}"),
        input: json!({"item": {"eccn": "5A002.a", "for": "cybersecurity"}, "destination": "DE",
                      "parties": [{"name": "Beispiel GmbH", "role": "end_user"}], "date": "2024-05-29", "n": i}),
        output: json!({"outcome": "ACE", "trace": trace, "unverified": false}),
        ruleset: Some("9f".repeat(32)),
        list_snapshot: Some("a1".repeat(32)),
        transaction_id: Some(format!("bench-{thread}-{i}")),
    }
}

fn fresh_postgres_database() -> Result<String, Box<dyn std::error::Error>> {
    let admin_url = std::env::var("ACE_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string());
    let mut admin = postgres::Client::connect(&admin_url, postgres::NoTls)?;
    admin.batch_execute("DROP DATABASE IF EXISTS ace_bench WITH (FORCE)")?;
    admin.batch_execute("CREATE DATABASE ace_bench")?;
    let base = admin_url
        .rsplit_once('/')
        .map_or(admin_url.as_str(), |(b, _)| b);
    Ok(format!("{base}/ace_bench"))
}

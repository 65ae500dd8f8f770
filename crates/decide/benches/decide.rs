//! Determinations per second on one core, `decide` alone (validation excluded and
//! included, reported separately). Target (issue): at least 1,000,000/s.

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use decide::{decide, parse_input};
use ear::{parse_date, Law};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const CASES: [&str; 4] = [
    r#"{"date":"2023-06-01","item":{"eccn":"4D004"},"destination":"CN","end_user":{"kind":"government"}}"#,
    r#"{"date":"2023-06-01","item":{"eccn":"4D004"},"destination":"DE","end_user":{"kind":"non_government"}}"#,
    r#"{"date":"2024-06-01","item":{"eccn":"5A001.j"},"destination":"JP"}"#,
    r#"{"date":"2022-04-01","item":{"eccn":"4E001.c"},"destination":"IL","end_user":{"kind":"government","government_role":"national_csirt"},"purpose":"vulnerability_disclosure"}"#,
];

fn bench(c: &mut Criterion) {
    let law = Law::bundled().expect("bundled rules");
    let today = parse_date("2026-11-22").expect("date");
    let txs: Vec<_> = CASES
        .iter()
        .map(|s| {
            parse_input(s)
                .expect("json")
                .validate(&law, today)
                .expect("valid")
        })
        .collect();
    let mut g = c.benchmark_group("decide");
    g.throughput(Throughput::Elements(txs.len() as u64));
    g.bench_function("decide_only", |b| {
        b.iter(|| {
            for tx in &txs {
                black_box(decide(black_box(tx), &law).expect("decides"));
            }
        })
    });
    let inputs: Vec<_> = CASES
        .iter()
        .map(|s| parse_input(s).expect("json"))
        .collect();
    g.bench_function("validate_and_decide", |b| {
        b.iter(|| {
            for input in &inputs {
                let tx = input.validate(&law, today).expect("valid");
                black_box(decide(&tx, &law).expect("decides"));
            }
        })
    });
    g.finish();
    route(c, &law, today);
}

/// A three-leg route (two intermediate consignees) against three single-leg
/// transactions: the issue asks the first to cost less than the second.
fn route(c: &mut Criterion, law: &Law, today: ear::Date) {
    const THREE_LEGS: &str = r#"{"date":"2024-06-01","item":{"eccn":"4D004"},"destination":"DE","end_user":{"kind":"non_government"},"intermediate_consignees":[{"country":"NL","role":"distributor","kind":"non_government"},{"country":"FR","role":"forwarder"}]}"#;
    const SINGLES: [&str; 3] = [
        r#"{"date":"2024-06-01","item":{"eccn":"4D004"},"destination":"NL","end_user":{"kind":"non_government"}}"#,
        r#"{"date":"2024-06-01","item":{"eccn":"4D004"},"destination":"FR","end_user":{"kind":"non_government"}}"#,
        r#"{"date":"2024-06-01","item":{"eccn":"4D004"},"destination":"DE","end_user":{"kind":"non_government"}}"#,
    ];
    let three = parse_input(THREE_LEGS).expect("json");
    let singles: Vec<_> = SINGLES
        .iter()
        .map(|s| parse_input(s).expect("json"))
        .collect();
    let mut g = c.benchmark_group("route");
    g.bench_function("three_leg_transaction", |b| {
        b.iter(|| {
            let tx = three.validate(law, today).expect("valid");
            black_box(decide(&tx, law).expect("decides"));
        })
    });
    let three_tx = three.validate(law, today).expect("valid");
    g.bench_function("three_leg_decide_only", |b| {
        b.iter(|| black_box(decide(black_box(&three_tx), law).expect("decides")))
    });
    g.bench_function("three_single_leg_transactions", |b| {
        b.iter(|| {
            for input in &singles {
                let tx = input.validate(law, today).expect("valid");
                black_box(decide(&tx, law).expect("decides"));
            }
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

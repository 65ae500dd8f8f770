//! `ace batch`: many transactions at once — screened, decided, on every core; bad rows
//! reported with their line numbers and skipped, never silently dropped.

use super::{bad, today};
use crate::cli::{BatchArgs, OutFormat};
use crate::context::Context;
use crate::exit;
use anyhow::{Context as _, Result};
use decide::screening::screen_parties;
use decide::{decide, TransactionInput};
use ear::Law;
use screen::Screener;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{BufWriter, IsTerminal, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// One input row, parsed or rejected.
struct InputRow {
    line: usize,
    parsed: Result<TransactionInput, String>,
}

/// One output row.
#[derive(Serialize)]
pub struct OutputRow {
    pub line: usize,
    pub id: Option<String>,
    /// NOT_SUBJECT … PROHIBITED, or REJECTED for a bad row.
    pub outcome: String,
    pub deciding: Vec<String>,
    pub hits: Vec<Hit>,
    pub needs_review: Vec<Hit>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The record written for this determination (with --record).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record_id: Option<i64>,
    #[serde(skip)]
    pub determination: Option<serde_json::Value>,
    #[serde(skip)]
    pub input: Option<TransactionInput>,
}

#[derive(Serialize, Clone)]
pub struct Hit {
    pub party: String,
    pub list: String,
    pub id: String,
    pub name: String,
    pub score: f64,
}

pub fn run(cx: &Context, a: BatchArgs) -> Result<u8> {
    if a.rescreen {
        return rescreen(cx, &a);
    }
    let Some(file) = a.file.clone() else {
        return Err(bad("batch: give a FILE of transactions, or --rescreen"));
    };
    let law = cx.law()?;
    let text = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
    let rows = parse_file(&file, &text, a.jsonl)?;
    if a.strict {
        if let Some((line, e)) = rows
            .iter()
            .find_map(|r| r.parsed.as_ref().err().map(|e| (r.line, e)))
        {
            return Err(bad(format!(
                "{}: line {line}: {e} (--strict stops at the first bad row)",
                file.display()
            )));
        }
    }
    let (screener, snapshot) = if a.no_screen {
        (None, None)
    } else {
        let s = cx.snapshot()?;
        let hash = s.meta.hash.clone();
        (Some(Screener::new(s.entries)), Some(hash))
    };
    let store = if a.record {
        Some(open_store(cx, &a)?)
    } else {
        None
    };
    let started = Instant::now();
    let snapshot = snapshot.as_deref().unwrap_or("");
    let mut out_rows = Vec::with_capacity(rows.len());
    // With --record, rows are decided and recorded a chunk at a time, so a run killed
    // half-way has recorded whole chunks and a restart skips them (idempotent ids).
    let chunk = if store.is_some() {
        RECORD_CHUNK
    } else {
        rows.len().max(1)
    };
    for part in rows.chunks(chunk) {
        let mut decided = process(part, &law, screener.as_ref(), snapshot, a.threads);
        if let Some(store) = &store {
            record_rows(store.as_ref(), &mut decided, &law, snapshot, &a.actor)?;
        }
        out_rows.extend(decided);
    }
    if a.strict {
        if let Some(r) = out_rows.iter().find(|r| r.error.is_some()) {
            return Err(bad(format!(
                "{}: line {}: {} (--strict)",
                file.display(),
                r.line,
                r.error.as_deref().unwrap_or("")
            )));
        }
    }
    write_output(&a, &out_rows)?;
    summary(&out_rows, started.elapsed());
    Ok(exit::OK)
}

/// Rows decided and recorded per record-store transaction with --record.
const RECORD_CHUNK: usize = 5_000;

fn open_store(cx: &Context, a: &BatchArgs) -> Result<Box<dyn records::RecordStore>> {
    let url = a.database.clone().unwrap_or_else(|| {
        cx.data_dir
            .join("records.sqlite3")
            .to_string_lossy()
            .into_owned()
    });
    records::open(&url).with_context(|| format!("opening the record store {url}"))
}

/// The idempotency key of a row: its `id`, or a digest of the transaction when it has none.
fn transaction_id(input: &TransactionInput) -> String {
    match &input.id {
        Some(id) => id.clone(),
        None => {
            let canonical =
                records::canonical_json(&serde_json::to_value(input).unwrap_or_default());
            format!(
                "sha256:{}",
                &records::sha256_hex(canonical.as_bytes())[..32]
            )
        }
    }
}

/// Appends one record per decided row in one store transaction; rows already recorded
/// (same transaction id) get their existing record back and are not appended again.
fn record_rows(
    store: &dyn records::RecordStore,
    rows: &mut [OutputRow],
    law: &Law,
    snapshot: &str,
    actor: &str,
) -> Result<()> {
    let mut new = Vec::new();
    let mut which = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        let (Some(input), Some(det)) = (&r.input, &r.determination) else {
            continue;
        };
        new.push(records::NewRecord {
            kind: records::RecordKind::Determination,
            actor: actor.to_string(),
            input: serde_json::to_value(input)?,
            output: serde_json::json!({ "determination": det, "hits": r.hits, "needs_review": r.needs_review }),
            ruleset: Some(law.hash().to_string()),
            list_snapshot: (!snapshot.is_empty()).then(|| snapshot.to_string()),
            transaction_id: Some(transaction_id(input)),
        });
        which.push(i);
    }
    if new.is_empty() {
        return Ok(());
    }
    let recorded = store.append_many(new).context("recording determinations")?;
    for (i, rec) in which.into_iter().zip(recorded) {
        rows[i].record_id = Some(rec.id);
    }
    Ok(())
}

/// `--rescreen`: every recorded determination against today's lists and rules.
fn rescreen(cx: &Context, a: &BatchArgs) -> Result<u8> {
    let law = cx.law()?;
    let snapshot = cx.snapshot()?;
    let hash = snapshot.meta.hash.clone();
    let screener = Screener::new(snapshot.entries);
    let store = open_store(cx, a)?;
    let out: Box<dyn Write> = match &a.out {
        Some(p) => {
            Box::new(std::fs::File::create(p).with_context(|| format!("creating {}", p.display()))?)
        }
        None => Box::new(std::io::stdout().lock()),
    };
    let mut out = BufWriter::new(out);
    let (mut seen, mut changed, mut after) = (0usize, 0usize, None);
    loop {
        let page = store.list(&records::Filter {
            kind: Some(records::RecordKind::Determination),
            after_id: after,
            limit: Some(1000),
            ..Default::default()
        })?;
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        for rec in &page {
            seen += 1;
            if let Some(change) = rescreen_one(rec, &law, &screener, &hash) {
                changed += 1;
                serde_json::to_writer(&mut out, &change)?;
                out.write_all(b"\n")?;
            }
        }
    }
    out.flush()?;
    eprintln!("{seen} recorded determinations re-run against list snapshot {} and rules {}: {changed} would now change", &hash[..12], &law.hash()[..12]);
    Ok(exit::OK)
}

/// A recorded determination whose outcome would change today, if it would.
fn rescreen_one(
    rec: &records::Record,
    law: &Law,
    screener: &Screener,
    snapshot: &str,
) -> Option<serde_json::Value> {
    let old = rec
        .output
        .pointer("/determination/outcome")
        .and_then(|v| v.as_str())?
        .to_string();
    let mut input: TransactionInput = serde_json::from_value(rec.input.clone()).ok()?;
    // Drop the list memberships screening added last time: re-screen from the names.
    for p in input
        .end_user
        .iter_mut()
        .chain(input.consignee.iter_mut())
        .chain(input.purchaser.iter_mut())
        .chain(input.intermediate_consignees.iter_mut())
    {
        p.lists.retain(|h| h.score.is_none());
    }
    let report = screen_parties(
        &mut input,
        screener,
        snapshot,
        screen::DEFAULT_THRESHOLD,
        screen::DEFAULT_REVIEW_THRESHOLD,
    );
    let date = rec
        .output
        .pointer("/determination/as_of")
        .and_then(|v| v.as_str())
        .and_then(ear::parse_date)
        .unwrap_or_else(today);
    let result = input.validate(law, date).and_then(|tx| decide(&tx, law));
    let (new, deciding) = match &result {
        Ok(d) => (
            d.outcome.to_string(),
            d.deciding_citations()
                .into_iter()
                .map(str::to_string)
                .collect::<Vec<_>>(),
        ),
        Err(e) => (format!("ERROR: {e}"), vec![]),
    };
    (new != old).then(|| {
        let hits: Vec<serde_json::Value> = report.parties.iter().flat_map(|p| p.hits.iter().map(move |m| serde_json::json!({"party": p.name, "list": list_code(m), "id": m.id, "name": m.name, "score": m.score}))).collect();
        serde_json::json!({"record_id": rec.id, "transaction_id": rec.transaction_id, "recorded_outcome": old, "outcome_now": new, "deciding": deciding, "hits": hits})
    })
}

/// CSV with a header (one column per contract field) or JSON Lines.
fn parse_file(path: &std::path::Path, bytes: &[u8], force_jsonl: bool) -> Result<Vec<InputRow>> {
    let jsonl = force_jsonl
        || path
            .extension()
            .is_some_and(|e| e == "jsonl" || e == "ndjson")
        || bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    if jsonl {
        let text = std::str::from_utf8(bytes)
            .map_err(|e| bad(format!("{}: not UTF-8 text ({e})", path.display())))?;
        return Ok(text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(i, l)| InputRow {
                line: i + 1,
                parsed: decide::parse_input(l).map_err(|e| e.to_string()),
            })
            .collect());
    }
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| {
            bad(format!(
                "{}: line 1: cannot read the header: {e}",
                path.display()
            ))
        })?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    decide::csv_row::check_header(&header)
        .map_err(|e| bad(format!("{}: line 1: {e}", path.display())))?;
    let mut rows = Vec::new();
    for record in reader.records() {
        match record {
            Ok(r) => {
                let line = r.position().map(|p| p.line() as usize).unwrap_or(0);
                let fields: Vec<&str> = r.iter().collect();
                let parsed = if fields.len() != header.len() {
                    Err(format!(
                        "{} fields where the header has {}",
                        fields.len(),
                        header.len()
                    ))
                } else {
                    decide::csv_row::from_row(&header, &fields).map_err(|e| e.to_string())
                };
                rows.push(InputRow { line, parsed });
            }
            Err(e) => {
                let line = e.position().map(|p| p.line() as usize).unwrap_or(0);
                rows.push(InputRow {
                    line,
                    parsed: Err(format!("not valid CSV: {e}")),
                });
            }
        }
    }
    Ok(rows)
}

/// Decides every row on `threads` workers (default: every core), keeping input order.
fn process(
    rows: &[InputRow],
    law: &Law,
    screener: Option<&Screener>,
    snapshot: &str,
    threads: Option<usize>,
) -> Vec<OutputRow> {
    let workers = threads
        .unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
        })
        .max(1);
    let chunk = rows.len().div_ceil(workers).max(1);
    let done = AtomicUsize::new(0);
    let today = today();
    std::thread::scope(|scope| {
        let handles: Vec<_> = rows
            .chunks(chunk)
            .map(|part| {
                let done = &done;
                scope.spawn(move || {
                    part.iter()
                        .map(|r| {
                            let out = decide_row(r, law, screener, snapshot, today);
                            done.fetch_add(1, Ordering::Relaxed);
                            out
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        progress(&done, rows.len(), &handles);
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    })
}

fn progress<T>(done: &AtomicUsize, total: usize, handles: &[std::thread::ScopedJoinHandle<'_, T>]) {
    if !std::io::stderr().is_terminal() || total < 1000 {
        return;
    }
    let start = Instant::now();
    while handles.iter().any(|h| !h.is_finished()) {
        std::thread::sleep(Duration::from_millis(250));
        let n = done.load(Ordering::Relaxed);
        let secs = start.elapsed().as_secs_f64().max(1e-3);
        let rate = n as f64 / secs;
        let eta = if rate > 0.0 {
            (total - n) as f64 / rate
        } else {
            0.0
        };
        let width = 30;
        let filled = width * n / total.max(1);
        eprint!(
            "\r[{}{}] {n}/{total} {rate:.0}/s ETA {eta:.0}s ",
            "#".repeat(filled),
            " ".repeat(width - filled)
        );
    }
    eprintln!();
}

fn decide_row(
    r: &InputRow,
    law: &Law,
    screener: Option<&Screener>,
    snapshot: &str,
    today: ear::Date,
) -> OutputRow {
    let mut row = OutputRow {
        line: r.line,
        id: None,
        outcome: "REJECTED".into(),
        deciding: vec![],
        hits: vec![],
        needs_review: vec![],
        error: None,
        record_id: None,
        determination: None,
        input: None,
    };
    let mut input = match &r.parsed {
        Ok(i) => i.clone(),
        Err(e) => {
            row.error = Some(e.clone());
            return row;
        }
    };
    row.id = input.id.clone();
    if let Some(s) = screener {
        let report = screen_parties(
            &mut input,
            s,
            snapshot,
            screen::DEFAULT_THRESHOLD,
            screen::DEFAULT_REVIEW_THRESHOLD,
        );
        for p in &report.parties {
            let to_hit = |m: &screen::Match| Hit {
                party: p.name.clone(),
                list: list_code(m),
                id: m.id.clone(),
                name: m.name.clone(),
                score: m.score,
            };
            row.hits.extend(p.hits.iter().map(to_hit));
            row.needs_review.extend(p.needs_review.iter().map(to_hit));
        }
    }
    let decided = input.validate(law, today).and_then(|tx| decide(&tx, law));
    match decided {
        Ok(d) => {
            row.outcome = d.outcome.to_string();
            row.deciding = d
                .deciding_citations()
                .into_iter()
                .map(str::to_string)
                .collect();
            row.determination = serde_json::to_value(&d).ok();
        }
        Err(e) => row.error = Some(e.to_string()),
    }
    row.input = Some(input);
    row
}

fn list_code(m: &screen::Match) -> String {
    serde_json::to_value(m.list)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn write_output(a: &BatchArgs, rows: &[OutputRow]) -> Result<()> {
    let sink: Box<dyn Write> = match &a.out {
        Some(p) => {
            Box::new(std::fs::File::create(p).with_context(|| format!("creating {}", p.display()))?)
        }
        None => Box::new(std::io::stdout().lock()),
    };
    let mut w = BufWriter::new(sink);
    // (rows are written once all are decided so the output keeps input order)
    let format = a.out_format.unwrap_or(match &a.out {
        Some(p) if p.extension().is_some_and(|e| e == "csv") => OutFormat::Csv,
        _ => OutFormat::Jsonl,
    });
    match format {
        OutFormat::Jsonl => {
            for r in rows {
                serde_json::to_writer(&mut w, r)?;
                w.write_all(b"\n")?;
            }
        }
        OutFormat::Csv => {
            let mut c = csv::Writer::from_writer(w);
            c.write_record([
                "line",
                "id",
                "outcome",
                "deciding",
                "hits",
                "needs_review",
                "error",
            ])?;
            let fmt = |hs: &[Hit]| {
                hs.iter()
                    .map(|h| format!("{}:{}:{}:{:.2}", h.list, h.id, h.name, h.score))
                    .collect::<Vec<_>>()
                    .join(" | ")
            };
            for r in rows {
                c.write_record([
                    r.line.to_string(),
                    r.id.clone().unwrap_or_default(),
                    r.outcome.clone(),
                    r.deciding.join("; "),
                    fmt(&r.hits),
                    fmt(&r.needs_review),
                    r.error.clone().unwrap_or_default(),
                ])?;
            }
            c.flush()?;
            return Ok(());
        }
    }
    w.flush()?;
    Ok(())
}

fn summary(rows: &[OutputRow], elapsed: Duration) {
    let mut outcomes: BTreeMap<&str, usize> = BTreeMap::new();
    let mut lists: BTreeMap<&str, usize> = BTreeMap::new();
    for r in rows {
        *outcomes.entry(r.outcome.as_str()).or_default() += 1;
        for h in &r.hits {
            *lists.entry(h.list.as_str()).or_default() += 1;
        }
    }
    let rate = rows.len() as f64 / elapsed.as_secs_f64().max(1e-9);
    eprintln!(
        "{} transactions in {:.2}s ({rate:.0}/s)",
        rows.len(),
        elapsed.as_secs_f64()
    );
    eprintln!(
        "  outcomes: {}",
        outcomes
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    eprintln!(
        "  hits per list: {}",
        if lists.is_empty() {
            "none".to_string()
        } else {
            lists
                .iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect::<Vec<_>>()
                .join(", ")
        }
    );
    let rejected: Vec<&OutputRow> = rows.iter().filter(|r| r.error.is_some()).collect();
    if !rejected.is_empty() {
        eprintln!("  rejected rows: {}", rejected.len());
        for r in rejected.iter().take(20) {
            eprintln!("    line {}: {}", r.line, r.error.as_deref().unwrap_or(""));
        }
        if rejected.len() > 20 {
            eprintln!(
                "    ... and {} more (each is in the output with outcome REJECTED)",
                rejected.len() - 20
            );
        }
    }
}

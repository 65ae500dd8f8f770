//! `ace batch`: many transactions at once — screened, decided, on every core; bad rows
//! reported with their line numbers and skipped, never silently dropped.

use super::{bad, today};
use crate::cli::{BatchArgs, OutFormat};
use crate::context::Context;
use crate::exit;
use crate::progress::Progress;
use anyhow::{Context as _, Result};
use decide::screening::screen_parties;
use decide::TransactionInput;
use ear::Law;
use screen::Screener;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{BufWriter, Write};
use std::sync::atomic::Ordering;
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
    let mut source = RowSource::open(&file, &text, a.jsonl)?;
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
    let snapshot = snapshot.as_deref().unwrap_or("");
    let started = Instant::now();
    let mut sink = Sink::open(&a)?;
    let mut summary = Summary::default();
    let progress = Progress::new(source.estimated_rows());
    // Rows are read, decided (on every core), recorded and written a chunk at a time:
    // memory stays flat whatever the file's size, the output keeps input order, and with
    // --record a run killed half-way has recorded whole chunks that a restart skips.
    let chunk = if store.is_some() {
        RECORD_CHUNK
    } else {
        PROCESS_CHUNK
    };
    loop {
        let part = source.next_chunk(chunk);
        if part.is_empty() {
            break;
        }
        let keep = store.is_some();
        let mut decided = process(
            &part,
            &law,
            screener.as_ref(),
            snapshot,
            a.threads,
            keep,
            &progress,
        );
        if a.strict {
            if let Some(r) = decided.iter().find(|r| r.error.is_some()) {
                return Err(bad(format!(
                    "{}: line {}: {} (--strict stops at the first bad row)",
                    file.display(),
                    r.line,
                    r.error.as_deref().unwrap_or("")
                )));
            }
        }
        if let Some(store) = &store {
            record_rows(store.as_ref(), &mut decided, &law, snapshot, &a.actor)?;
        }
        for r in &decided {
            summary.add(r);
            sink.write(r)?;
        }
    }
    progress.finish();
    sink.finish()?;
    summary.print(started.elapsed());
    Ok(exit::OK)
}

/// Rows decided per chunk without --record.
const PROCESS_CHUNK: usize = 50_000;

/// Rows decided and recorded per record-store transaction with --record.
const RECORD_CHUNK: usize = 5_000;

/// The record store of `--database` (the same default and error as `ace records`).
fn open_store(cx: &Context, a: &BatchArgs) -> Result<Box<dyn records::RecordStore>> {
    Ok(super::records::open_store(cx, &a.db)?.0)
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
    // Only reads the records: a missing database is refused, not created empty.
    let store = super::records::open_existing_store(cx, &a.db)?.0;
    let (pending, out): (_, Box<dyn Write>) = match &a.out {
        Some(p) => {
            let (pending, file) = PendingFile::create(p)?;
            (Some(pending), Box::new(file))
        }
        None => (None, Box::new(std::io::stdout().lock())),
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
    drop(out);
    if let Some(pending) = pending {
        pending.commit()?;
    }
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
    let result = decide::determine(&input, law, date).map(|(_, d)| d);
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

/// The rows of a CSV file with a header (one column per contract field) or of JSON
/// Lines, read a chunk at a time.
enum RowSource<'a> {
    Jsonl {
        lines: std::iter::Enumerate<std::str::Lines<'a>>,
        estimate: usize,
    },
    Csv {
        header: Vec<String>,
        records: csv::StringRecordsIntoIter<&'a [u8]>,
        estimate: usize,
        lines: LineCounter<'a>,
    },
}

/// Line numbers from byte offsets, counting '\n' only: after a CRLF line end the csv
/// crate's record position (line and byte) is at the '\n' of the line before, one line
/// too low; a record never starts with a line end, so those are skipped.
struct LineCounter<'a> {
    bytes: &'a [u8],
    /// The byte offset counted up to, and the 1-based line it is on.
    at: usize,
    line: usize,
}

impl LineCounter<'_> {
    /// The line of a byte offset (offsets are asked for in increasing order).
    fn line_of(&mut self, offset: usize) -> usize {
        let mut offset = offset.min(self.bytes.len());
        while matches!(self.bytes.get(offset), Some(b'\r' | b'\n')) {
            offset += 1;
        }
        if offset < self.at {
            self.at = 0;
            self.line = 1;
        }
        self.line += self.bytes[self.at..offset]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        self.at = offset;
        self.line
    }
}

impl<'a> RowSource<'a> {
    fn open(path: &std::path::Path, bytes: &'a [u8], force_jsonl: bool) -> Result<Self> {
        let estimate = bytecount_lines(bytes);
        let jsonl = force_jsonl
            || path
                .extension()
                .is_some_and(|e| e == "jsonl" || e == "ndjson")
            || bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
        if jsonl {
            let text = std::str::from_utf8(bytes)
                .map_err(|e| bad(format!("{}: not UTF-8 text ({e})", path.display())))?;
            return Ok(RowSource::Jsonl {
                lines: text.lines().enumerate(),
                estimate,
            });
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
        Ok(RowSource::Csv {
            header,
            records: reader.into_records(),
            estimate: estimate.saturating_sub(1),
            lines: LineCounter {
                bytes,
                at: 0,
                line: 1,
            },
        })
    }

    fn estimated_rows(&self) -> usize {
        match self {
            RowSource::Jsonl { estimate, .. } | RowSource::Csv { estimate, .. } => *estimate,
        }
    }

    /// Up to `n` more rows, parsed or rejected with the reason.
    fn next_chunk(&mut self, n: usize) -> Vec<InputRow> {
        let mut out = Vec::with_capacity(n.min(65_536));
        while out.len() < n {
            let row = match self {
                RowSource::Jsonl { lines, .. } => match lines.find(|(_, l)| !l.trim().is_empty()) {
                    Some((i, l)) => InputRow {
                        line: i + 1,
                        parsed: decide::parse_input(l).map_err(|e| e.to_string()),
                    },
                    None => break,
                },
                RowSource::Csv {
                    header,
                    records,
                    lines,
                    ..
                } => match records.next() {
                    Some(Ok(r)) => {
                        let line = r.position().map_or(0, |p| lines.line_of(p.byte() as usize));
                        csv_row(header, &r, line)
                    }
                    Some(Err(e)) => InputRow {
                        line: e.position().map_or(0, |p| lines.line_of(p.byte() as usize)),
                        parsed: Err(format!("not valid CSV: {e}")),
                    },
                    None => break,
                },
            };
            out.push(row);
        }
        out
    }
}

fn csv_row(header: &[String], r: &csv::StringRecord, line: usize) -> InputRow {
    let fields: Vec<&str> = r.iter().collect();
    let parsed = if fields.len() != header.len() {
        Err(format!(
            "{} fields where the header has {}",
            fields.len(),
            header.len()
        ))
    } else {
        decide::csv_row::from_row(header, &fields).map_err(|e| e.to_string())
    };
    InputRow { line, parsed }
}

fn bytecount_lines(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b == b'\n').count()
}

/// Decides every row on `threads` workers (default: every core), keeping input order.
/// `keep` retains each row's input and determination for recording.
fn process(
    rows: &[InputRow],
    law: &Law,
    screener: Option<&Screener>,
    snapshot: &str,
    threads: Option<usize>,
    keep: bool,
    progress: &Progress,
) -> Vec<OutputRow> {
    let workers = threads
        .unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
        })
        .max(1);
    let chunk = rows.len().div_ceil(workers).max(1);
    let today = today();
    std::thread::scope(|scope| {
        let handles: Vec<_> = rows
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|r| {
                            let out = decide_row(r, law, screener, snapshot, today, keep);
                            progress.done.fetch_add(1, Ordering::Relaxed);
                            out
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        progress.show_while(&handles);
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    })
}

fn decide_row(
    r: &InputRow,
    law: &Law,
    screener: Option<&Screener>,
    snapshot: &str,
    today: ear::Date,
    keep: bool,
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
    if let Err(e) = input.check_names() {
        row.error = Some(e.to_string());
        return row;
    }
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
    let decided = decide::determine(&input, law, today).map(|(_, d)| d);
    match decided {
        Ok(d) => {
            row.outcome = d.outcome.to_string();
            row.deciding = d
                .deciding_citations()
                .into_iter()
                .map(str::to_string)
                .collect();
            if keep {
                row.determination = serde_json::to_value(&d).ok();
            }
        }
        Err(e) => row.error = Some(e.to_string()),
    }
    if keep {
        row.input = Some(input);
    }
    row
}

fn list_code(m: &screen::Match) -> String {
    serde_json::to_value(m.list)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// The results file of `--out`, written under a temporary name in its directory
/// (`.NAME.incomplete-PID`) and renamed into place only when the run completes: a run that
/// stops (--strict at a bad row, an error) leaves no results file that looks complete,
/// and one killed outright leaves only the file named incomplete.
struct PendingFile {
    temp: std::path::PathBuf,
    target: std::path::PathBuf,
    file: std::fs::File,
    committed: bool,
}

impl PendingFile {
    /// Creates the temporary file; returns it with a handle to write through.
    fn create(target: &std::path::Path) -> Result<(PendingFile, std::fs::File)> {
        let name = target.file_name().ok_or_else(|| {
            bad(format!(
                "--out: '{}' does not name a file; give a file path such as results.csv",
                target.display()
            ))
        })?;
        let temp = target.with_file_name(format!(
            ".{}.incomplete-{}",
            name.to_string_lossy(),
            std::process::id()
        ));
        let file = std::fs::File::create(&temp)
            .with_context(|| format!("--out: creating {}", temp.display()))?;
        let writer = file
            .try_clone()
            .with_context(|| format!("--out: opening {}", temp.display()))?;
        let pending = PendingFile {
            temp,
            target: target.to_path_buf(),
            file,
            committed: false,
        };
        Ok((pending, writer))
    }

    /// The run is complete: the results are made durable and take the `--out` name.
    fn commit(mut self) -> Result<()> {
        self.file
            .sync_all()
            .with_context(|| format!("--out: writing {}", self.temp.display()))?;
        std::fs::rename(&self.temp, &self.target).with_context(|| {
            format!(
                "--out: renaming {} to {}",
                self.temp.display(),
                self.target.display()
            )
        })?;
        self.committed = true;
        Ok(())
    }
}

impl Drop for PendingFile {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

/// Where results go, one row at a time, in input order.
/// With `--out`, the file is written under a temporary name and renamed by `finish`.
enum Sink {
    Jsonl(BufWriter<Box<dyn Write>>, Option<PendingFile>),
    Csv(
        Box<csv::Writer<BufWriter<Box<dyn Write>>>>,
        Option<PendingFile>,
    ),
}

impl Sink {
    fn open(a: &BatchArgs) -> Result<Sink> {
        let (pending, out): (_, Box<dyn Write>) = match &a.out {
            Some(target) => {
                let (pending, file) = PendingFile::create(target)?;
                (Some(pending), Box::new(file))
            }
            None => (None, Box::new(std::io::stdout().lock())),
        };
        let format = a.out_format.unwrap_or(match &a.out {
            Some(p) if p.extension().is_some_and(|e| e == "csv") => OutFormat::Csv,
            _ => OutFormat::Jsonl,
        });
        let w = BufWriter::new(out);
        Ok(match format {
            OutFormat::Jsonl => Sink::Jsonl(w, pending),
            OutFormat::Csv => {
                let mut c = csv::Writer::from_writer(w);
                c.write_record([
                    "line",
                    "id",
                    "outcome",
                    "deciding",
                    "hits",
                    "needs_review",
                    "record_id",
                    "error",
                ])?;
                Sink::Csv(Box::new(c), pending)
            }
        })
    }

    fn write(&mut self, r: &OutputRow) -> Result<()> {
        match self {
            Sink::Jsonl(w, _) => {
                serde_json::to_writer(&mut *w, r)?;
                w.write_all(b"\n")?;
            }
            Sink::Csv(c, _) => {
                let fmt = |hs: &[Hit]| {
                    hs.iter()
                        .map(|h| format!("{}:{}:{}:{:.2}", h.list, h.id, h.name, h.score))
                        .collect::<Vec<_>>()
                        .join(" | ")
                };
                c.write_record([
                    r.line.to_string(),
                    r.id.clone().unwrap_or_default(),
                    r.outcome.clone(),
                    r.deciding.join("; "),
                    fmt(&r.hits),
                    fmt(&r.needs_review),
                    r.record_id.map(|i| i.to_string()).unwrap_or_default(),
                    r.error.clone().unwrap_or_default(),
                ])?;
            }
        }
        Ok(())
    }

    /// Flushes the results and, with `--out`, gives the file its name: only a complete
    /// run leaves a results file.
    fn finish(self) -> Result<()> {
        let pending = match self {
            Sink::Jsonl(mut w, pending) => {
                w.flush()?;
                pending
            }
            Sink::Csv(mut c, pending) => {
                c.flush()?;
                pending
            }
        };
        match pending {
            Some(p) => p.commit(),
            None => Ok(()),
        }
    }
}

/// The end-of-run summary: counts per outcome, hits per list, rejected rows.
#[derive(Default)]
struct Summary {
    total: usize,
    outcomes: BTreeMap<String, usize>,
    lists: BTreeMap<String, usize>,
    rejected: usize,
    first_rejected: Vec<(usize, String)>,
}

impl Summary {
    fn add(&mut self, r: &OutputRow) {
        self.total += 1;
        *self.outcomes.entry(r.outcome.clone()).or_default() += 1;
        for h in &r.hits {
            *self.lists.entry(h.list.clone()).or_default() += 1;
        }
        if let Some(e) = &r.error {
            self.rejected += 1;
            if self.first_rejected.len() < 20 {
                self.first_rejected.push((r.line, e.clone()));
            }
        }
    }

    fn print(&self, elapsed: Duration) {
        let joined = |m: &BTreeMap<String, usize>| {
            if m.is_empty() {
                "none".to_string()
            } else {
                m.iter()
                    .map(|(k, v)| format!("{k} {v}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        };
        let rate = self.total as f64 / elapsed.as_secs_f64().max(1e-9);
        eprintln!(
            "{} transactions in {:.2}s ({rate:.0}/s)",
            self.total,
            elapsed.as_secs_f64()
        );
        eprintln!("  outcomes: {}", joined(&self.outcomes));
        eprintln!("  hits per list: {}", joined(&self.lists));
        if self.rejected > 0 {
            eprintln!("  rejected rows: {}", self.rejected);
            for (line, e) in &self.first_rejected {
                eprintln!("    line {line}: {e}");
            }
            if self.rejected > self.first_rejected.len() {
                eprintln!(
                    "    ... and {} more (each is in the output with outcome REJECTED)",
                    self.rejected - self.first_rejected.len()
                );
            }
        }
    }
}

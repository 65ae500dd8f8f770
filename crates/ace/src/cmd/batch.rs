//! `ace batch`: many transactions at once — screened, decided, on every core; bad rows
//! reported with their line numbers and skipped, never silently dropped.
//!
//! A pipeline ([`crate::pipeline`]): one thread reads and parses the file a batch of rows
//! at a time, every core screens (through a memo: a name recurring on many rows is
//! screened once), decides and serialises the records, and this thread hands the records
//! to the store's writer and writes the results, both in input order, so the record chain
//! is the same whatever the number of threads. The file is streamed: memory stays
//! flat whatever its size.

use super::{bad, today};
use crate::cli::{BatchArgs, OutFormat};
use crate::context::Context;
use crate::exit;
use crate::pipeline::{self, Emit, Stopped};
use crate::progress::Progress;
use anyhow::{anyhow, Context as _, Result};
use decide::batch_record::{self, Hit};
use decide::memo::MemoScreener;
use decide::TransactionInput;
use ear::Law;
use serde::Serialize;
use std::collections::{BTreeMap, VecDeque};
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::Path;
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
    /// Whether the outcome rests on unverified data (a regulatory value marked unverified,
    /// a listing date no snapshot of the row's date can show): `ace check` says so too.
    pub unverified: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The record written for this determination (with --record).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record_id: Option<i64>,
    /// The record to append (with --record), made and prepared for the store (canonical
    /// texts, compact form) by the worker that decided the row.
    #[serde(skip)]
    pub record: Option<Result<records::Prepared, String>>,
    /// The transaction id of the record handed to the store, until it is committed.
    #[serde(skip)]
    pub committing: Option<String>,
}

pub fn run(cx: &Context, a: BatchArgs) -> Result<u8> {
    if a.rescreen {
        return rescreen(cx, &a);
    }
    let Some(file) = a.file.clone() else {
        return Err(bad("batch: give a FILE of transactions, or --rescreen"));
    };
    let law = cx.law()?;
    let input =
        std::fs::File::open(&file).with_context(|| format!("reading {}", file.display()))?;
    let source = RowSource::open(&file, BufReader::with_capacity(1 << 16, input), a.jsonl)?;
    let (screener, published) = if a.no_screen {
        (None, None)
    } else {
        let (meta, screener) = cx.screening()?;
        let capacity = if a.no_memo { 0 } else { BATCH_MEMO_CAPACITY };
        let published = meta.published_on();
        (
            Some(MemoScreener::new(screener, meta.hash, capacity)),
            published,
        )
    };
    let store = if a.record {
        Some(open_store(cx, &a)?)
    } else {
        None
    };
    let recording = store.as_ref().map(|s| Recording {
        actor: a.actor.as_str(),
        preparer: s.preparer(),
    });
    let started = Instant::now();
    let mut out = Output {
        sink: Sink::open(&a)?,
        summary: Summary::default(),
        progress: Progress::new(estimate_rows(&file)),
        store,
        committing: VecDeque::new(),
        awaiting: 0,
        committed: crossbeam_channel::unbounded(),
        strict: a.strict,
        file: &file,
    };
    let job = Job {
        law: &law,
        screener: screener.as_ref(),
        published,
        recording,
        today: today(),
    };
    let threads = a
        .threads
        .unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
        })
        .max(1);
    let ran = pipeline::run(
        threads,
        IN_FLIGHT_PER_THREAD * threads,
        move |emit| source.read_all(emit),
        |rows| job.decide(rows),
        |rows| out.take(rows),
    );
    match ran {
        Ok(()) => {}
        Err(Stopped::Failed(e)) => return Err(e),
        Err(Stopped::WorkerPanicked) => {
            return Err(anyhow!(
                "internal error: a worker stopped; the output and the records end before the row it was on"
            ))
        }
    }
    out.finish(started.elapsed())?;
    Ok(exit::OK)
}

/// Rows read, decided and handed on together: a few milliseconds of work.
const JOB_ROWS: usize = 256;

/// Jobs in the pipeline at once per worker thread (read, being decided, or decided and
/// waiting for an earlier one): enough to keep every core busy, few enough for flat memory.
const IN_FLIGHT_PER_THREAD: usize = 8;

/// Records handed to the store's writer and not yet committed, at most (--record): the
/// writer commits up to 2,048 at a time, so one commit's worth waits while another is made.
const MAX_AWAITING: usize = 2_048;

/// Distinct screening queries `ace batch` remembers (a query is a name with its country:
/// a million generated rows hold ~73,000); a few tens of MB at most.
const BATCH_MEMO_CAPACITY: usize = 1 << 17;

/// What every worker needs to decide a row.
struct Job<'a> {
    law: &'a Law,
    screener: Option<&'a MemoScreener>,
    /// When the screening snapshot was published: a row dated before it is answered, as
    /// `ace check` answers it, with what no snapshot of that date can show (decide::as_of).
    published: Option<ear::Date>,
    /// With --record: how the records are made.
    recording: Option<Recording<'a>>,
    today: ear::Date,
}

/// How `--record` makes a row's record on the worker that decided it.
struct Recording<'a> {
    /// The actor the records name.
    actor: &'a str,
    /// Works out each record's canonical texts and compact form, so that the thread that
    /// hands records to the writer in input order only hands them over.
    preparer: records::Preparer,
}

impl Job<'_> {
    fn decide(&self, rows: Vec<InputRow>) -> Vec<OutputRow> {
        rows.into_iter().map(|r| self.decide_row(r)).collect()
    }
}

/// This thread's end of the pipeline: the results in input order, the records appended
/// in input order, the summary.
struct Output<'a> {
    sink: Sink,
    summary: Summary,
    progress: Progress,
    store: Option<Box<dyn records::RecordStore>>,
    /// Rows in input order whose record is handed to the store and not yet committed (and
    /// the rows after them): a row is written only once its record is durable.
    committing: VecDeque<OutputRow>,
    /// How many of `committing` await a record.
    awaiting: usize,
    /// The store's answers, in the order the records were handed to it.
    committed: (
        crossbeam_channel::Sender<records::Result<records::Appended>>,
        crossbeam_channel::Receiver<records::Result<records::Appended>>,
    ),
    strict: bool,
    file: &'a Path,
}

impl Output<'_> {
    /// Takes one job's rows: with --record, hands their records to the store's writer
    /// without waiting for the commit (the writer group-commits whatever is queued, in
    /// order, while the workers decide the next rows), then writes every row whose record
    /// is durable.
    fn take(&mut self, rows: Vec<OutputRow>) -> Result<()> {
        self.progress.advance(rows.len());
        // --strict: the first bad row stops the run before its job is recorded or written.
        if self.strict {
            if let Some(r) = rows.iter().find(|r| r.error.is_some()) {
                return Err(bad(format!(
                    "{}: line {}: {} (--strict stops at the first bad row)",
                    self.file.display(),
                    r.line,
                    r.error.as_deref().unwrap_or("")
                )));
            }
        }
        let Some(store) = &self.store else {
            for r in &rows {
                self.summary.add(r);
                self.sink.write(r)?;
            }
            return Ok(());
        };
        for mut r in rows {
            match r.record.take() {
                Some(Ok(record)) => {
                    r.committing = Some(record.transaction_id().unwrap_or_default().to_string());
                    let answer = self.committed.0.clone();
                    store.append_prepared_then(
                        record,
                        Box::new(move |recorded| {
                            let _ = answer.send(recorded);
                        }),
                    );
                    self.awaiting += 1;
                }
                Some(Err(e)) => {
                    return Err(anyhow!("line {}: cannot make the record: {e}", r.line));
                }
                None => {}
            }
            self.committing.push_back(r);
        }
        self.write_committed(MAX_AWAITING)
    }

    /// Writes the rows at the front of `committing` whose records are committed, waiting
    /// for the store while more than `max` records are outstanding.
    fn write_committed(&mut self, max: usize) -> Result<()> {
        while let Some(front) = self.committing.front_mut() {
            if let Some(expected) = &front.committing {
                // The writer answers in the order it was handed the records.
                let answer = if self.awaiting > max {
                    self.committed.1.recv().ok()
                } else {
                    self.committed.1.try_recv().ok()
                };
                let Some(answer) = answer else { break };
                let record = answer.context("recording determinations")?;
                if record.transaction_id.as_ref() != Some(expected) {
                    return Err(anyhow!(
                        "internal error: line {}: the record store answered for transaction {:?}, not {expected}",
                        front.line,
                        record.transaction_id
                    ));
                }
                front.record_id = Some(record.id);
                front.committing = None;
                self.awaiting -= 1;
            }
            if let Some(r) = self.committing.pop_front() {
                self.summary.add(&r);
                self.sink.write(&r)?;
            }
        }
        Ok(())
    }

    fn finish(mut self, elapsed: Duration) -> Result<()> {
        self.write_committed(0)?;
        self.progress.finish();
        self.sink.finish()?;
        self.summary.print(elapsed);
        Ok(())
    }
}

/// The number of lines of `file`, for the progress bar — counted only when there is one
/// to show (standard error is a terminal), a block at a time.
fn estimate_rows(file: &Path) -> usize {
    use std::io::IsTerminal;
    if !std::io::stderr().is_terminal() {
        return 0;
    }
    let Ok(mut f) = std::fs::File::open(file) else {
        return 0;
    };
    let mut block = vec![0u8; 1 << 20];
    let mut lines = 0;
    while let Ok(n @ 1..) = f.read(&mut block) {
        lines += block[..n].iter().filter(|&&b| b == b'\n').count();
    }
    lines
}

/// The record store of `--database` (the same default and error as `ace records`).
fn open_store(cx: &Context, a: &BatchArgs) -> Result<Box<dyn records::RecordStore>> {
    Ok(super::records::open_store(cx, &a.db)?.0)
}

/// The idempotency key of a row: its `id`, or a digest of the transaction (`value`, its
/// JSON) when it has none.
fn transaction_id(input: &TransactionInput, canonical: &records::Canonical) -> String {
    match &input.id {
        Some(id) => id.clone(),
        None => format!(
            "sha256:{}",
            &records::sha256_hex(canonical.as_str().as_bytes())[..32]
        ),
    }
}

/// The record of a decided row, prepared for the store on the worker that decided it: its
/// input and output written as canonical text straight from the values (no JSON document
/// is built first).
fn new_record(
    input: &TransactionInput,
    determination: &decide::Determination,
    row: &OutputRow,
    law: &Law,
    snapshot: &str,
    recording: &Recording,
) -> Result<records::Prepared, String> {
    let input_text = records::Canonical::of(input).map_err(|e| e.to_string())?;
    let output_text = records::Canonical::of(&batch_record::RecordedOutput {
        determination,
        hits: &row.hits,
        needs_review: &row.needs_review,
    })
    .map_err(|e| e.to_string())?;
    let head = records::RecordHead {
        kind: records::RecordKind::Determination,
        actor: recording.actor.to_string(),
        transaction_id: Some(transaction_id(input, &input_text)),
        ruleset: Some(law.hash().to_string()),
        list_snapshot: (!snapshot.is_empty()).then(|| snapshot.to_string()),
    };
    Ok(recording.preparer.prepare(head, input_text, output_text))
}

/// `--rescreen`: every recorded determination against today's lists and rules.
fn rescreen(cx: &Context, a: &BatchArgs) -> Result<u8> {
    let law = cx.law()?;
    let (meta, screener) = cx.screening()?;
    let hash = meta.hash.clone();
    let published = meta.published_on();
    // Recorded transactions name the same parties again and again: each is screened once.
    let screener = MemoScreener::new(screener, hash.clone(), BATCH_MEMO_CAPACITY);
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
            if let Some(change) = rescreen_one(rec, &law, &screener, &hash, published) {
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
    screener: &MemoScreener,
    snapshot: &str,
    published: Option<ear::Date>,
) -> Option<serde_json::Value> {
    let old = rec
        .output
        .pointer("/determination/outcome")
        .and_then(|v| v.as_str())?
        .to_string();
    let mut input: TransactionInput = serde_json::from_value(rec.input.clone()).ok()?;
    // Drop the list memberships screening added last time: re-screen from the names.
    batch_record::unscreened(&mut input, &rec.output);
    let report = batch_record::screen_row(&mut input, screener, snapshot, published);
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
        let hits: Vec<serde_json::Value> = report.parties.iter().flat_map(|p| p.hits.iter().map(move |m| serde_json::json!({"party": p.name, "list": m.list.code(), "id": m.id, "name": m.name, "score": m.score}))).collect();
        serde_json::json!({"record_id": rec.id, "transaction_id": rec.transaction_id, "recorded_outcome": old, "outcome_now": new, "deciding": deciding, "hits": hits})
    })
}

/// The rows of a CSV file with a header (one column per contract field) or of JSON
/// Lines, read a batch at a time from a stream.
enum RowSource<R> {
    Jsonl {
        reader: R,
        /// Lines read so far.
        line: usize,
        buf: Vec<u8>,
    },
    Csv {
        header: Vec<String>,
        reader: Box<csv::Reader<LineEnds<R>>>,
        record: csv::StringRecord,
    },
}

/// A reader that notes where the line ends ('\r', '\n') of what it passes on are, for
/// line numbers from byte offsets, counting '\n' only: after a CRLF line end the csv
/// crate's record position (line and byte) is at the '\n' of the line before, one line
/// too low; a record never starts with a line end, so those are skipped. Only the line
/// ends of bytes read ahead of the last offset asked for are kept (the csv reader's
/// buffer): memory stays flat whatever the file's size.
struct LineEnds<R> {
    inner: R,
    /// Bytes passed on so far.
    passed: u64,
    /// Line ends passed on and not yet counted: offset, and whether it is '\n'.
    ends: VecDeque<(u64, bool)>,
    /// The 1-based line of the last offset asked for.
    line: usize,
}

impl<R: Read> Read for LineEnds<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        for (i, &b) in buf[..n].iter().enumerate() {
            if b == b'\n' || b == b'\r' {
                self.ends.push_back((self.passed + i as u64, b == b'\n'));
            }
        }
        self.passed += n as u64;
        Ok(n)
    }
}

impl<R> LineEnds<R> {
    fn new(inner: R) -> Self {
        LineEnds {
            inner,
            passed: 0,
            ends: VecDeque::new(),
            line: 1,
        }
    }

    /// The line of a byte offset (offsets are asked for in increasing order; an earlier
    /// one gets the line of the last).
    fn line_of(&mut self, offset: u64) -> usize {
        let mut offset = offset;
        while let Some(&(at, newline)) = self.ends.front() {
            if at > offset {
                break;
            }
            if at == offset {
                // A line end where the record would start: it ends the line before.
                offset += 1;
            }
            self.line += usize::from(newline);
            self.ends.pop_front();
        }
        self.line
    }
}

impl<R: BufRead> RowSource<R> {
    fn open(path: &Path, mut input: R, force_jsonl: bool) -> Result<Self> {
        let mut starts_like_json = || -> Result<bool> {
            let head = input
                .fill_buf()
                .with_context(|| format!("reading {}", path.display()))?;
            Ok(head.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{'))
        };
        let jsonl = force_jsonl
            || path
                .extension()
                .is_some_and(|e| e == "jsonl" || e == "ndjson")
            || starts_like_json()?;
        if jsonl {
            return Ok(RowSource::Jsonl {
                reader: input,
                line: 0,
                buf: Vec::new(),
            });
        }
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(LineEnds::new(input));
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
            reader: Box::new(reader),
            record: csv::StringRecord::new(),
        })
    }

    /// Every row, [`JOB_ROWS`] at a time, into the pipeline; stops early when it stops.
    /// A row that cannot be parsed is handed on with the reason; only a file that cannot
    /// be read any further ends the run with an error.
    fn read_all(mut self, emit: &mut Emit<'_, Vec<InputRow>>) -> Result<()> {
        loop {
            let rows = self.next_rows(JOB_ROWS)?;
            if rows.is_empty() || !emit.send(rows) {
                return Ok(());
            }
        }
    }

    /// Up to `n` more rows, parsed or rejected with the reason.
    fn next_rows(&mut self, n: usize) -> Result<Vec<InputRow>> {
        let mut out = Vec::with_capacity(n);
        while out.len() < n {
            let row = match self {
                RowSource::Jsonl { reader, line, buf } => {
                    buf.clear();
                    if reader.read_until(b'\n', buf).context("reading the input")? == 0 {
                        break;
                    }
                    *line += 1;
                    let text = buf.strip_suffix(b"\n").unwrap_or(buf);
                    let text = text.strip_suffix(b"\r").unwrap_or(text);
                    match std::str::from_utf8(text) {
                        Ok(t) if t.trim().is_empty() => continue,
                        Ok(t) => InputRow {
                            line: *line,
                            parsed: decide::parse_input(t).map_err(|e| e.to_string()),
                        },
                        Err(e) => InputRow {
                            line: *line,
                            parsed: Err(format!("not UTF-8 text ({e})")),
                        },
                    }
                }
                RowSource::Csv {
                    header,
                    reader,
                    record,
                } => match reader.read_record(record) {
                    Ok(true) => {
                        let line = record
                            .position()
                            .map_or(0, |p| reader.get_mut().line_of(p.byte()));
                        csv_row(header, record, line)
                    }
                    Ok(false) => break,
                    Err(e) => {
                        if let csv::ErrorKind::Io(io) = e.kind() {
                            return Err(anyhow!("reading the input: {io}"));
                        }
                        InputRow {
                            line: e
                                .position()
                                .map_or(0, |p| reader.get_mut().line_of(p.byte())),
                            parsed: Err(format!("not valid CSV: {e}")),
                        }
                    }
                },
            };
            out.push(row);
        }
        Ok(out)
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

impl Job<'_> {
    /// Screens (through the memo), decides and, with --record, makes the record of one row.
    fn decide_row(&self, r: InputRow) -> OutputRow {
        let mut row = OutputRow {
            line: r.line,
            id: None,
            outcome: "REJECTED".into(),
            deciding: vec![],
            hits: vec![],
            needs_review: vec![],
            unverified: false,
            error: None,
            record_id: None,
            record: None,
            committing: None,
        };
        let mut input = match r.parsed {
            Ok(i) => i,
            Err(e) => {
                row.error = Some(e);
                return row;
            }
        };
        row.id = input.id.clone();
        if let Err(e) = input.check_names() {
            row.error = Some(e.to_string());
            return row;
        }
        let snapshot = self.screener.map_or("", |s| s.snapshot());
        if let Some(s) = self.screener {
            let report = batch_record::screen_row(&mut input, s, snapshot, self.published);
            (row.hits, row.needs_review) = batch_record::hits_of(&report);
        }
        match decide::determine(&input, self.law, self.today).map(|(_, d)| d) {
            Ok(d) => {
                row.outcome = d.outcome.to_string();
                row.unverified = d.unverified;
                row.deciding = d
                    .deciding_citations()
                    .into_iter()
                    .map(str::to_string)
                    .collect();
                if let Some(recording) = &self.recording {
                    row.record = Some(new_record(&input, &d, &row, self.law, snapshot, recording));
                }
            }
            Err(e) => row.error = Some(e.to_string()),
        }
        row
    }
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
                    "unverified",
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
                    r.unverified.to_string(),
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Every scenario input of the decide crate, decided.
    fn scenarios(law: &Law) -> Vec<(TransactionInput, decide::Determination)> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../decide/tests/scenarios");
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .expect("scenario directory")
            .map(|e| e.expect("entry").path())
            .collect();
        files.sort();
        let mut decided = Vec::new();
        for file in files {
            let text = std::fs::read_to_string(&file).expect("scenario file");
            let doc: toml::Table = toml::from_str(&text).expect("scenario TOML");
            let scenarios = doc.get("scenario").and_then(|s| s.as_array());
            for s in scenarios.into_iter().flatten() {
                let Some(input) = s.get("input") else {
                    continue;
                };
                let Ok(input) = input.clone().try_into::<TransactionInput>() else {
                    continue;
                };
                if let Ok((_, d)) = decide::determine(&input, law, today()) {
                    decided.push((input, d));
                }
            }
        }
        decided
    }

    #[test]
    fn records_are_written_as_the_json_documents_were_canonicalised() {
        let law = Law::bundled().expect("bundled rules");
        let decided = scenarios(&law);
        assert!(
            decided.len() > 50,
            "only {} scenarios decided",
            decided.len()
        );
        let hits = vec![Hit {
            party: "end_user".into(),
            list: "SDN".into(),
            id: "36216".into(),
            name: "Ünïcode \"quoted\" GmbH".into(),
            score: 0.8734,
        }];
        for (input, d) in &decided {
            let via_value = records::canonical_json(&serde_json::json!({
                "determination": serde_json::to_value(d).expect("value"),
                "hits": hits,
                "needs_review": [],
            }));
            let direct = records::Canonical::of(&batch_record::RecordedOutput {
                determination: d,
                hits: &hits,
                needs_review: &[],
            })
            .expect("canonical");
            assert_eq!(direct.as_str(), via_value);
            let input_value = serde_json::to_value(input).expect("value");
            assert_eq!(
                records::Canonical::of(input).expect("canonical").as_str(),
                records::canonical_json(&input_value)
            );
        }
    }
}

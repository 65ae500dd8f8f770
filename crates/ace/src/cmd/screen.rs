//! `ace screen`: one name, or a file of names, against the active list snapshot.

use super::bad;
use crate::cli::ScreenArgs;
use crate::context::Context;
use crate::exit;
use anyhow::{Context as _, Result};
use screen::{Query, Screener};
use std::io::{BufRead, BufWriter, Write};

pub fn run(cx: &Context, a: ScreenArgs) -> Result<u8> {
    let threshold = a.threshold.unwrap_or(screen::DEFAULT_THRESHOLD);
    if !(0.0..=1.0).contains(&threshold) {
        return Err(bad(format!("--threshold: {threshold} is outside 0..1")));
    }
    let country = a.country.as_deref().map(country_code).transpose()?;
    let (meta, screener) = cx.screening()?;
    let hash = meta.hash;
    match &a.batch {
        Some(path) => batch(&screener, path, threshold, a.threads),
        None => {
            let name = a.name.clone().unwrap_or_default();
            screen::check_name(&name).map_err(|e| bad(format!("NAME: {e}")))?;
            let matches = screener.screen(
                &Query {
                    name: name.clone(),
                    country: country.clone(),
                    kind: None,
                },
                threshold,
            );
            if a.json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(
                        &serde_json::json!({"query": name, "country": country, "snapshot": hash, "threshold": threshold, "matches": matches})
                    )?
                );
            } else {
                println!(
                    "\"{name}\" against list snapshot {} (threshold {threshold}):",
                    &hash[..12]
                );
                if matches.is_empty() {
                    println!("  no match");
                }
                for m in &matches {
                    println!(
                        "  {:.2}  {:?} {}  {}  (matched \"{}\")\n        {}",
                        m.score, m.list, m.id, m.name, m.matched, m.explanation.summary
                    );
                }
            }
            Ok(exit::OK)
        }
    }
}

fn country_code(input: &str) -> Result<String> {
    countries::lookup(input)
        .map(|c| c.alpha2.to_string())
        .ok_or_else(|| {
            bad(format!(
                "--country: unknown country '{input}'; give an ISO 3166-1 code or English name"
            ))
        })
}

/// Queries screened per round: each round is split over the workers and written in
/// input order before the next starts, so memory stays flat whatever the file's size.
const ROUND: usize = 8192;

/// One row of a screening batch: its line number, and its query or why it cannot be
/// screened (reported in the output, not fatal to the run).
struct Row {
    line: usize,
    query: std::result::Result<Query, String>,
}

/// One query per line, or a CSV with a `name` (and optional `country`) header; screened
/// on `threads` workers (default: every core), output in input order.
fn batch(
    screener: &Screener,
    path: &std::path::Path,
    threshold: f64,
    threads: Option<usize>,
) -> Result<u8> {
    let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let lines: Vec<String> = std::io::BufReader::new(file)
        .lines()
        .collect::<Result<_, _>>()
        .with_context(|| format!("reading {} (it must be UTF-8 text)", path.display()))?;
    let rows = parse_batch(path, &lines)?;
    let workers = threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);
    let out = std::io::stdout();
    let mut out = BufWriter::new(out.lock());
    let progress = crate::progress::Progress::new(rows.len());
    let mut bad_rows = 0;
    for round in rows.chunks(ROUND) {
        for part in screen_round(screener, round, threshold, workers)? {
            bad_rows += part.bad_rows;
            out.write_all(&part.json_lines)?;
        }
        progress.advance(round.len());
    }
    progress.finish();
    out.flush()?;
    if bad_rows > 0 {
        eprintln!(
            "ace screen: {bad_rows} row(s) could not be screened; each has an \"error\" in the output naming its line"
        );
    }
    Ok(exit::OK)
}

/// What one worker wrote for its share of a round.
struct Part {
    json_lines: Vec<u8>,
    bad_rows: usize,
}

/// Screens a round of rows on `workers` threads, each a contiguous share, in order.
fn screen_round(
    screener: &Screener,
    rows: &[Row],
    threshold: f64,
    workers: usize,
) -> Result<Vec<Part>> {
    let share = rows.len().div_ceil(workers).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = rows
            .chunks(share)
            .map(|mine| s.spawn(move || screen_rows(screener, mine, threshold)))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .map_err(|_| anyhow::anyhow!("a screening worker stopped unexpectedly"))?
            })
            .collect()
    })
}

fn screen_rows(screener: &Screener, rows: &[Row], threshold: f64) -> Result<Part> {
    let mut part = Part {
        json_lines: Vec::new(),
        bad_rows: 0,
    };
    for row in rows {
        let checked = row.query.as_ref().map_err(Clone::clone).and_then(|q| {
            screen::check_name(&q.name)
                .map(|()| q)
                .map_err(|e| format!("name: {e}"))
        });
        let value = match checked {
            Ok(q) => {
                let matches = screener.screen(q, threshold);
                serde_json::json!({"line": row.line, "query": q.name, "country": q.country, "matches": matches})
            }
            Err(error) => {
                part.bad_rows += 1;
                let query = row.query.as_ref().ok().map(|q| q.name.clone());
                serde_json::json!({"line": row.line, "query": query, "error": error})
            }
        };
        serde_json::to_writer(&mut part.json_lines, &value)?;
        part.json_lines.push(b'\n');
    }
    Ok(part)
}

fn parse_batch(path: &std::path::Path, lines: &[String]) -> Result<Vec<Row>> {
    let header: Vec<String> = lines
        .first()
        .map(|h| {
            split_csv(h)
                .into_iter()
                .map(|c| c.trim().to_ascii_lowercase())
                .collect()
        })
        .unwrap_or_default();
    let name_col = header.iter().position(|c| c == "name");
    let Some(name_col) = name_col.filter(|_| {
        header.len() > 1
            || lines
                .first()
                .is_some_and(|l| l.trim().eq_ignore_ascii_case("name"))
    }) else {
        return Ok(lines
            .iter()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(i, l)| Row {
                line: i + 1,
                query: Ok(Query::name(l.trim())),
            })
            .collect());
    };
    super::no_repeated_column(path, &header, &["name", "country"])?;
    let country_col = header.iter().position(|c| c == "country");
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate().skip(1) {
        if line.trim().is_empty() {
            continue;
        }
        let cols = split_csv(line);
        let name = cols
            .get(name_col)
            .map(|s| s.trim().to_string())
            .unwrap_or_default();
        let country = country_col
            .and_then(|c| cols.get(c))
            .map(|s| s.trim())
            .filter(|s| !s.is_empty());
        let query = match country.map(|c| countries::lookup(c).ok_or(c)).transpose() {
            Ok(country) => Ok(Query {
                name,
                country: country.map(|c| c.alpha2.to_string()),
                kind: None,
            }),
            Err(c) => Err(format!(
                "country: '{c}' is not an ISO 3166-1 code or a country name"
            )),
        };
        out.push(Row { line: i + 1, query });
    }
    Ok(out)
}

/// Splits one CSV line (RFC 4180 quoting within the line).
pub fn split_csv(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                if let Some(f) = fields.last_mut() {
                    f.push('"');
                }
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(String::new()),
            (c, _) => {
                if let Some(f) = fields.last_mut() {
                    f.push(c);
                }
            }
        }
    }
    fields
}

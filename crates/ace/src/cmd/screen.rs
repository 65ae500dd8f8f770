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
    let snapshot = cx.snapshot()?;
    let hash = snapshot.meta.hash.clone();
    let screener = Screener::new(snapshot.entries);
    match &a.batch {
        Some(path) => batch(&screener, path, threshold),
        None => {
            let name = a.name.clone().unwrap_or_default();
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

/// One query per line, or a CSV with a `name` (and optional `country`) header.
fn batch(screener: &Screener, path: &std::path::Path, threshold: f64) -> Result<u8> {
    let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let lines: Vec<String> = std::io::BufReader::new(file)
        .lines()
        .collect::<Result<_, _>>()
        .with_context(|| format!("reading {} (it must be UTF-8 text)", path.display()))?;
    let queries = parse_batch(&lines, path)?;
    let out = std::io::stdout();
    let mut out = BufWriter::new(out.lock());
    let progress = crate::progress::Progress::new(queries.len());
    for q in &queries {
        let matches = screener.screen(q, threshold);
        serde_json::to_writer(
            &mut out,
            &serde_json::json!({"query": q.name, "country": q.country, "matches": matches}),
        )?;
        out.write_all(b"\n")?;
        progress.advance(1);
    }
    progress.finish();
    out.flush()?;
    Ok(exit::OK)
}

fn parse_batch(lines: &[String], path: &std::path::Path) -> Result<Vec<Query>> {
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
            .filter(|l| !l.trim().is_empty())
            .map(|l| Query::name(l.trim()))
            .collect());
    };
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
        let country =
            match country_col
                .and_then(|c| cols.get(c))
                .map(|s| s.trim())
                .filter(|s| !s.is_empty())
            {
                Some(c) => Some(country_code(c).map_err(|e| {
                    bad(format!("{}: line {}: country: {e}", path.display(), i + 1))
                })?),
                None => None,
            };
        out.push(Query {
            name,
            country,
            kind: None,
        });
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

//! `ace screen`: one name, or a file of names, against the active list snapshot.

use super::bad;
use crate::cli::ScreenArgs;
use crate::context::Context;
use crate::exit;
use anyhow::{Context as _, Result};
use screen::{Query, Screener};
use std::io::{BufRead, BufWriter, Write};
use std::sync::atomic::{AtomicUsize, Ordering};

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

/// Rows a worker takes at a time: the workers take the next chunk of a round
/// until none is left, so that they finish together however the cost of the
/// rows varies along the file (a contiguous share per worker left one of them
/// working alone at the end of a round).
const CHUNK: usize = 64;

/// Screens a round of rows on `workers` threads, chunk by chunk; the parts in
/// input order.
fn screen_round(
    screener: &Screener,
    rows: &[Row],
    threshold: f64,
    workers: usize,
) -> Result<Vec<Part>> {
    let chunks: Vec<&[Row]> = rows.chunks(CHUNK).collect();
    let next = AtomicUsize::new(0);
    let work = || -> Result<Vec<(usize, Part)>> {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(mine) = chunks.get(i) else {
                return Ok(done);
            };
            done.push((i, screen_rows(screener, mine, threshold)?));
        }
    };
    let mut parts: Vec<(usize, Part)> = Vec::with_capacity(chunks.len());
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers.min(chunks.len()))
            .map(|_| s.spawn(work))
            .collect();
        for h in handles {
            let done = h
                .join()
                .map_err(|_| anyhow::anyhow!("a screening worker stopped unexpectedly"))??;
            parts.extend(done);
        }
        Ok::<_, anyhow::Error>(())
    })?;
    parts.sort_unstable_by_key(|p| p.0);
    Ok(parts.into_iter().map(|p| p.1).collect())
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
        match checked {
            Ok(q) => {
                let matches = screener.screen(q, threshold);
                let screened = sorted::Screened {
                    line: row.line,
                    query: q,
                    matches: &matches,
                };
                serde_json::to_writer(&mut part.json_lines, &screened)?;
            }
            Err(error) => {
                part.bad_rows += 1;
                let query = row.query.as_ref().ok().map(|q| q.name.clone());
                let value = serde_json::json!({"line": row.line, "query": query, "error": error});
                serde_json::to_writer(&mut part.json_lines, &value)?;
            }
        }
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

/// A screened row written as JSON straight from the matches, with the keys of
/// every object in sorted order: byte for byte what the output was when each
/// row was first made a `serde_json::Value` (whose maps are ordered by key),
/// without building that tree of copied strings for every match.
mod sorted {
    use screen::{Adjustment, Explanation, Match, Query, TokenMatch, UnmatchedToken};
    use serde::ser::{Serialize, SerializeStruct, Serializer};

    /// One row of the output: `{"country", "line", "matches", "query"}`.
    pub struct Screened<'a> {
        pub line: usize,
        pub query: &'a Query,
        pub matches: &'a [Match],
    }

    impl Serialize for Screened<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let mut o = s.serialize_struct("Screened", 4)?;
            o.serialize_field("country", &self.query.country)?;
            o.serialize_field("line", &self.line)?;
            o.serialize_field("matches", &All(self.matches))?;
            o.serialize_field("query", &self.query.name)?;
            o.end()
        }
    }

    /// A value serialised with its keys in sorted order.
    struct Sorted<'a, T>(&'a T);

    /// A slice, each item [`Sorted`].
    struct All<'a, T>(&'a [T]);

    impl<T> Serialize for All<'_, T>
    where
        for<'b> Sorted<'b, T>: Serialize,
    {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.collect_seq(self.0.iter().map(Sorted))
        }
    }

    // Each impl names every field of its type (no `..`): a field added to one
    // of them does not compile here until it is written too.

    impl Serialize for Sorted<'_, Match> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let Match {
                list,
                id,
                name,
                matched,
                score,
                explanation,
                generic_only,
                entry_index: _,
            } = self.0;
            let mut o = s.serialize_struct("Match", 7)?;
            o.serialize_field("explanation", &Sorted(explanation))?;
            o.serialize_field("generic_only", generic_only)?;
            o.serialize_field("id", id)?;
            o.serialize_field("list", list)?;
            o.serialize_field("matched", matched)?;
            o.serialize_field("name", name)?;
            o.serialize_field("score", score)?;
            o.end()
        }
    }

    impl Serialize for Sorted<'_, Explanation> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let Explanation {
                summary,
                matched_name,
                weak_alias,
                tokens,
                unmatched_query,
                unmatched_name,
                query_coverage,
                name_coverage,
                base_score,
                adjustments,
            } = self.0;
            let mut o = s.serialize_struct("Explanation", 10)?;
            o.serialize_field("adjustments", &All(adjustments))?;
            o.serialize_field("base_score", base_score)?;
            o.serialize_field("matched_name", matched_name)?;
            o.serialize_field("name_coverage", name_coverage)?;
            o.serialize_field("query_coverage", query_coverage)?;
            o.serialize_field("summary", summary)?;
            o.serialize_field("tokens", &All(tokens))?;
            o.serialize_field("unmatched_name", &All(unmatched_name))?;
            o.serialize_field("unmatched_query", &All(unmatched_query))?;
            o.serialize_field("weak_alias", weak_alias)?;
            o.end()
        }
    }

    impl Serialize for Sorted<'_, Adjustment> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let Adjustment {
                kind,
                detail,
                effect,
            } = self.0;
            let mut o = s.serialize_struct("Adjustment", 3)?;
            o.serialize_field("detail", detail)?;
            o.serialize_field("effect", effect)?;
            o.serialize_field("kind", kind)?;
            o.end()
        }
    }

    impl Serialize for Sorted<'_, TokenMatch> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let TokenMatch {
                query,
                matched,
                how,
                distance,
                similarity,
                weight,
            } = self.0;
            let mut o = s.serialize_struct("TokenMatch", 6)?;
            o.serialize_field("distance", distance)?;
            o.serialize_field("how", how)?;
            o.serialize_field("matched", matched)?;
            o.serialize_field("query", query)?;
            o.serialize_field("similarity", similarity)?;
            o.serialize_field("weight", weight)?;
            o.end()
        }
    }

    impl Serialize for Sorted<'_, UnmatchedToken> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let UnmatchedToken {
                token,
                weight,
                legal_form,
            } = self.0;
            let mut o = s.serialize_struct("UnmatchedToken", 3)?;
            o.serialize_field("legal_form", legal_form)?;
            o.serialize_field("token", token)?;
            o.serialize_field("weight", weight)?;
            o.end()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lists::model::{Entry, ListId, PartyKind};

    /// The rows as written now against the `serde_json::Value` they were
    /// first written through: the same bytes, for matches with typos,
    /// unmatched tokens, legal forms, adjustments and a country.
    #[test]
    fn rows_are_written_as_the_value_tree_wrote_them() {
        let entry = |list, id: &str, name: &str, kind, country: &str| Entry {
            countries: vec![country.to_string()],
            ..Entry::bare(list, id.into(), name.into(), kind)
        };
        let entries = vec![
            entry(
                ListId::Sdn,
                "1",
                "MADURO MOROS, Nicolas",
                PartyKind::Individual,
                "VE",
            ),
            entry(
                ListId::EntityList,
                "2",
                "Positive Technologies AO",
                PartyKind::Entity,
                "RU",
            ),
            entry(
                ListId::Sdn,
                "3",
                "UMAROV, Doku Khamatovich",
                PartyKind::Individual,
                "RU",
            ),
            entry(
                ListId::EntityList,
                "4",
                "NSO Group",
                PartyKind::Entity,
                "IL",
            ),
            entry(
                ListId::Sdn,
                "5",
                "Ministry of Public Security",
                PartyKind::Entity,
                "KP",
            ),
        ];
        let screener = Screener::new(entries);
        let queries = [
            Query::name("Nicolas Maduro Moros"),
            Query::name("Positive Technologies JSC"),
            Query::name("Positive Technologies LLC"),
            Query::name("Doku Umarof"),
            Query::name("Umarov Doku Khamatovich"),
            Query::name("NSO Group Technologies"),
            Query {
                name: "Ministry of Public Security".into(),
                country: Some("CN".into()),
                kind: None,
            },
            Query {
                name: "Nicolas \"Maduro\" Moros".into(),
                country: Some("VE".into()),
                kind: Some(PartyKind::Entity),
            },
        ];
        let mut seen = 0;
        for (i, q) in queries.iter().enumerate() {
            for threshold in [0.5, 0.85] {
                let matches = screener.screen(q, threshold);
                seen += matches.len();
                let value = serde_json::json!({"line": i, "query": q.name, "country": q.country, "matches": matches});
                let streamed = sorted::Screened {
                    line: i,
                    query: q,
                    matches: &matches,
                };
                assert_eq!(
                    serde_json::to_string(&streamed).ok(),
                    serde_json::to_string(&value).ok(),
                    "{q:?}"
                );
            }
        }
        assert!(seen > 8, "the queries must match something ({seen})");
    }
}

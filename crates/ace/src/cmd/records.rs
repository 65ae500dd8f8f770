//! `ace records`: verify the hash chain, list, show and export the records ace keeps.

use super::bad;
use crate::cli::{DatabaseArg, ExportFormat, KindOfRecord, RecordFilterArgs, RecordsCommand};
use crate::context::Context;
use crate::exit;
use anyhow::{Context as _, Result};
use records::{Filter, Format, Record, RecordKind, RecordStore, VerifyReport};
use std::io::Write;

/// The file name of the embedded record store inside the data directory.
const SQLITE_FILE: &str = "records.sqlite3";

/// Opens the record store of `--database`, or DATA_DIR/records.sqlite3; returns it and
/// where it is (a PostgreSQL URL is shown without its password).
pub fn open_store(cx: &Context, db: &DatabaseArg) -> Result<(Box<dyn RecordStore>, String)> {
    let target = match &db.database {
        Some(url) => url.clone(),
        None => cx.data_dir.join(SQLITE_FILE).to_string_lossy().into_owned(),
    };
    let shown = without_password(&target);
    let store =
        records::open(&target).with_context(|| format!("opening the record store {shown}"))?;
    Ok((store, shown))
}

/// Opens the record store for a command that only reads it (verify, list, show, export):
/// a SQLite file that does not exist is refused, naming the path, instead of being created
/// empty (a mistyped path would otherwise verify as "ok").
pub fn open_existing_store(
    cx: &Context,
    db: &DatabaseArg,
) -> Result<(Box<dyn RecordStore>, String)> {
    let (target, source) = match &db.database {
        Some(url) => (url.clone(), "--database"),
        None => (
            cx.data_dir.join(SQLITE_FILE).to_string_lossy().into_owned(),
            "the default record store (DATA_DIR/records.sqlite3)",
        ),
    };
    let is_postgres = target.starts_with("postgres://") || target.starts_with("postgresql://");
    if !is_postgres {
        let path = std::path::Path::new(target.strip_prefix("sqlite:").unwrap_or(&target));
        if !path.is_file() {
            return Err(bad(format!(
                "{source}: there is no records database at {}; give the path of an existing \
                 SQLite records file or a postgres:// URL with --database (or ACE_DATABASE), \
                 or --data-dir for another data directory; records are created by \
                 `ace batch --record` and `ace serve`",
                path.display()
            )));
        }
    }
    open_store(cx, db)
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`.
fn without_password(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_string();
    };
    let rest = &url[scheme_end + 3..];
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    match (authority.rfind('@'), authority.find(':')) {
        (Some(at), Some(colon)) if colon < at => format!(
            "{}{}:***{}",
            &url[..scheme_end + 3],
            &authority[..colon],
            &rest[at..]
        ),
        _ => url.to_string(),
    }
}

pub fn run(cx: &Context, command: RecordsCommand) -> Result<u8> {
    match command {
        RecordsCommand::Verify {
            json,
            against,
            public_key,
            checkpoints,
            db,
        } if !against.is_empty() => {
            let (store, _) = open_existing_store(cx, &db)?;
            let pin = super::checkpoint::pinned_key(cx, public_key.as_deref(), &checkpoints)?;
            super::checkpoint::verify_against(&*store, &against, pin.as_deref(), json)
        }
        RecordsCommand::Verify { json, db, .. } => verify(&*open_existing_store(cx, &db)?.0, json),
        RecordsCommand::Checkpoint {
            json,
            checkpoints,
            db,
        } => {
            super::checkpoint::checkpoint(cx, &*open_existing_store(cx, &db)?.0, &checkpoints, json)
        }
        RecordsCommand::VerifyExport {
            export,
            against,
            public_key,
            json,
        } => super::checkpoint::verify_export(&export, &against, public_key.as_deref(), json),
        RecordsCommand::List {
            filter,
            limit,
            json,
            db,
        } => {
            let filter = Filter {
                limit,
                ..filter_of(&filter)
            };
            let records = open_existing_store(cx, &db)?
                .0
                .list(&filter)
                .map_err(time_error)?;
            print_list(&records, json)?;
            Ok(exit::OK)
        }
        RecordsCommand::Replay {
            id,
            all,
            since,
            json,
            db,
        } => super::replay::run(cx, id, all.then_some(since).flatten(), json, &db),
        RecordsCommand::Impact {
            from,
            rules,
            json,
            db,
        } => super::impact::run(cx, from.as_deref(), rules.as_deref(), json, &db),
        RecordsCommand::Show { id, db } => {
            let record = open_existing_store(cx, &db)?
                .0
                .get(id)?
                .ok_or_else(|| bad(format!("records show: there is no record {id}")))?;
            println!("{}", serde_json::to_string_pretty(&record)?);
            Ok(exit::OK)
        }
        RecordsCommand::Export {
            filter,
            format,
            out,
            db,
        } => {
            let (store, _) = open_existing_store(cx, &db)?;
            let format = match format {
                ExportFormat::Jsonl => Format::Jsonl,
                ExportFormat::Csv => Format::Csv,
            };
            let filter = filter_of(&filter);
            let written = match out {
                Some(path) => {
                    let file = std::fs::File::create(&path)
                        .with_context(|| format!("creating {}", path.display()))?;
                    let mut w = std::io::BufWriter::new(file);
                    store.export(&filter, format, &mut w).map_err(time_error)?
                }
                None => {
                    let mut w = std::io::BufWriter::new(std::io::stdout().lock());
                    store.export(&filter, format, &mut w).map_err(time_error)?
                }
            };
            eprintln!("ace: exported {written} records");
            Ok(exit::OK)
        }
    }
}

fn verify(store: &dyn RecordStore, json: bool) -> Result<u8> {
    let report = store.verify()?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_verify(&report);
    }
    Ok(if report.ok { exit::OK } else { exit::FAILURE })
}

pub(super) fn print_verify(report: &VerifyReport) {
    match (&report.first_broken, &report.head) {
        (Some(link), _) => {
            println!("BROKEN at record {}: {}", link.id, link.problem);
            eprintln!(
                "ace: the record chain is broken at record {}: {}",
                link.id, link.problem
            );
        }
        (None, Some(head)) => println!(
            "ok: {} records, every link holds; head: record {} hash {}",
            report.records, head.id, head.hash
        ),
        (None, None) => println!("ok: no records yet"),
    }
}

fn filter_of(f: &RecordFilterArgs) -> Filter {
    Filter {
        since: f.since.clone(),
        until: f.until.clone(),
        kind: f.kind.map(|k| match k {
            KindOfRecord::Determination => RecordKind::Determination,
            KindOfRecord::Screening => RecordKind::Screening,
            KindOfRecord::Review => RecordKind::Review,
            KindOfRecord::Access => RecordKind::Access,
        }),
        actor: f.actor.clone(),
        ..Filter::default()
    }
}

/// A bad `--since`/`--until` is the user's to fix (exit 2).
fn time_error(e: records::Error) -> anyhow::Error {
    match e {
        records::Error::InvalidTime { .. } => bad(format!("--since/--until: {e}")),
        other => other.into(),
    }
}

fn print_list(records: &[Record], json: bool) -> Result<()> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for r in records {
        if json {
            writeln!(out, "{}", serde_json::to_string(r)?)?;
        } else {
            writeln!(
                out,
                "{:>6}  {}  {:<13} {:<16} {}",
                r.id,
                r.created_at,
                r.kind.as_str(),
                r.actor,
                summary(r)
            )?;
        }
    }
    out.flush()?;
    Ok(())
}

/// One line about what a record says.
fn summary(r: &Record) -> String {
    let text =
        |v: &serde_json::Value, key: &str| v.get(key).and_then(|x| x.as_str()).map(str::to_string);
    let count = |key: &str| {
        r.output
            .get(key)
            .and_then(|x| x.as_array())
            .map_or(0, Vec::len)
    };
    match r.kind {
        RecordKind::Determination => text(&r.output, "outcome").unwrap_or_default(),
        RecordKind::Screening => format!(
            "{}: {} hits, {} to review",
            text(&r.output, "name").unwrap_or_default(),
            count("hits"),
            count("needs_review")
        ),
        RecordKind::Review => format!(
            "{} ({})",
            text(&r.output, "verdict").unwrap_or_default(),
            text(&r.output, "reason").unwrap_or_default()
        ),
        RecordKind::Access => records::describe_access(&r.input),
    }
}

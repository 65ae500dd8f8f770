//! `ace lists`: import, rollback, status, update.

use super::bad;
use crate::cli::ListsCommand;
use crate::context::Context;
use crate::exit;
use anyhow::Result;
use lists::formats::{Format, ParseOptions};
use lists::model::ListId;
use lists::snapshot::{
    staleness_warning, ImportError, ImportMode, ImportOptions, Imported, SnapshotMeta,
    SnapshotStore,
};
use std::path::PathBuf;

pub fn run(cx: &Context, command: ListsCommand) -> Result<u8> {
    let store = cx.list_store()?;
    match command {
        ListsCommand::Import {
            files,
            format,
            lenient,
            replace_all,
            force,
            published,
        } => {
            let format = match format {
                Some(f) => Some(f.parse::<Format>().map_err(|_| {
                    bad(format!(
                        "--format: '{f}' is not one of csl-csv, csl-json, ofac-csv, dpl, un-xml"
                    ))
                })?),
                None => None,
            };
            let opts = ImportOptions {
                prepare: None,
                format,
                parse: ParseOptions { lenient },
                mode: if replace_all {
                    ImportMode::ReplaceAll
                } else {
                    ImportMode::Merge
                },
                force,
                published: match published.as_deref() {
                    Some(text) => Some(ear::parse_date(text).ok_or_else(|| {
                        bad(format!(
                            "--published: '{text}' is not a date; give YYYY-MM-DD, e.g. 2023-11-30"
                        ))
                    })?),
                    None => None,
                },
            };
            let imported = import(&store, &files, &opts, "import refused")?;
            println!("imported and activated snapshot {}", imported.meta.hash);
            print_imported(&imported);
            super::impact::after_activation(cx, &imported.previous, &default_db())?;
        }
        ListsCommand::Rollback { hash } => {
            let rolled = store.rollback(hash.as_deref()).map_err(|e| match e {
                lists::snapshot::RollbackError::Store(e) => anyhow::Error::from(e)
                    .context("rollback failed, the active snapshot is unchanged"),
                other => bad(format!(
                    "rollback refused, the active snapshot is unchanged: {other}"
                )),
            })?;
            prepare_index(&store, &rolled.meta);
            println!(
                "rolled back: snapshot {} is active again (was {})",
                rolled.meta.hash, rolled.previous
            );
            print_meta(&rolled.meta);
        }
        ListsCommand::Status { json, max_age_days } => {
            let status = store.status()?;
            let meta = match &status.active {
                Some(m) => m.clone(),
                None => store.bundled_meta()?,
            };
            let today = chrono::Utc::now().date_naive();
            let stale = staleness_warning(&meta, today, max_age_days);
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&serde_json::json!({
                        "dir": status.dir,
                        "active": meta,
                        "age_days": meta.age_days(today),
                        "max_age_days": max_age_days,
                        "stale": stale,
                        "stored": status.stored,
                        "history": status.history,
                    }))?
                );
            } else {
                println!("list store {}", status.dir.display());
                if status.active.is_none() {
                    println!("no snapshot imported: using the bundled snapshot");
                }
                println!("active snapshot {}", meta.hash);
                print_meta(&meta);
                match (meta.data_date(), meta.age_days(today)) {
                    (Some(date), Some(age)) => {
                        println!("  data as of {date}: {age} days old (max {max_age_days})")
                    }
                    _ => println!("  data date unknown"),
                }
                if let Some(warning) = stale {
                    println!("warning: {warning}");
                }
                if !status.history.is_empty() {
                    println!("activation history (oldest first):");
                    let last = status.history.len() - 1;
                    for (i, a) in status.history.iter().enumerate() {
                        // The active snapshot's own activation: the last line, when
                        // ACTIVE still says so.
                        let mark = if i == last && a.hash == meta.hash {
                            "*"
                        } else {
                            " "
                        };
                        println!(
                            "  {mark} {}  {}  {:<11} {}",
                            a.at,
                            &a.hash[..12.min(a.hash.len())],
                            a.action.name(),
                            a.detail
                        );
                    }
                }
                println!("{} snapshots stored", status.stored.len());
            }
        }
        ListsCommand::Update { url, force } => {
            let url = url.unwrap_or_else(|| lists::snapshot::CSL_JSON_URL.to_string());
            let dir = cx.data_dir.join("downloads");
            std::fs::create_dir_all(&dir)?;
            let path = lists::snapshot::download_csl(&url, &dir)?;
            let opts = ImportOptions {
                force,
                ..ImportOptions::default()
            };
            let imported = import(&store, &[path], &opts, "the downloaded list was refused")?;
            println!(
                "downloaded {url} and activated snapshot {}",
                imported.meta.hash
            );
            print_imported(&imported);
            super::impact::after_activation(cx, &imported.previous, &default_db())?;
        }
    }
    Ok(exit::OK)
}

/// Imports, turning a refusal into bad input (exit 2) that says nothing changed.
fn import(
    store: &SnapshotStore,
    files: &[PathBuf],
    opts: &ImportOptions,
    refused: &str,
) -> Result<Imported> {
    let opts = ImportOptions {
        prepare: Some(prepare_index),
        ..*opts
    };
    store.import(files, &opts).map_err(|e| match e {
        ImportError::Store(e) => {
            anyhow::Error::from(e).context(format!("{refused}, the active snapshot is unchanged"))
        }
        other => bad(format!(
            "{refused}, the active snapshot is unchanged: {other}"
        )),
    })
}

/// Builds the screening index beside a snapshot (once: later starts map it).
/// A failure is said, not fatal: the index is built again where it is needed.
fn prepare_index(store: &SnapshotStore, meta: &SnapshotMeta) {
    if let Err(e) = store.open_derived::<screen::Screener>(meta) {
        eprintln!(
            "ace: warning: the screening index of snapshot {} was not built: {e}",
            meta.hash
        );
    }
}

fn codes(lists: &[ListId]) -> String {
    lists
        .iter()
        .map(|l| l.code())
        .collect::<Vec<_>>()
        .join(", ")
}

fn print_imported(imported: &Imported) {
    println!("  replaced {}", codes(&imported.replaced));
    if imported.kept.is_empty() {
        println!("  kept no list of the previous snapshot");
    } else {
        println!(
            "  kept {} from snapshot {}",
            codes(&imported.kept),
            &imported.previous[..12.min(imported.previous.len())]
        );
    }
    for loss in &imported.losses {
        println!("  forced: {loss}");
    }
    print_meta(&imported.meta);
}

fn print_meta(meta: &SnapshotMeta) {
    println!(
        "  created {}, published {}{}",
        meta.created_at,
        meta.published_on()
            .map(|d| d.to_string())
            .unwrap_or_else(|| "unknown".into()),
        if meta.bundled {
            " (bundled with ace)"
        } else {
            ""
        }
    );
    for s in &meta.sources {
        let lists: Vec<&str> = s.lists.keys().map(|l| l.code()).collect();
        println!(
            "  source {} ({}) dated {}: {} entries{}, sha256 {}",
            s.file_name,
            s.format,
            s.source_date.as_deref().unwrap_or("unknown"),
            s.entries,
            if lists.is_empty() {
                String::new()
            } else {
                format!(" [{}]", lists.join(", "))
            },
            &s.sha256[..12.min(s.sha256.len())]
        );
    }
    let counts: Vec<String> = meta
        .counts
        .iter()
        .map(|(l, n)| format!("{}: {n}", l.code()))
        .collect();
    println!("  {} entries — {}", meta.total(), counts.join(", "));
    for w in meta.warnings.iter().take(5) {
        println!("  warning: {w}");
    }
    if meta.warnings.len() > 5 {
        println!("  ... and {} more warnings", meta.warnings.len() - 5);
    }
}

/// The record store `ace records` would use (ACE_DATABASE, else the default file).
fn default_db() -> crate::cli::DatabaseArg {
    crate::cli::DatabaseArg {
        database: std::env::var("ACE_DATABASE").ok().filter(|d| !d.is_empty()),
    }
}

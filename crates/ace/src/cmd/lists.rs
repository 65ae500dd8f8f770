//! `ace lists`: import, status, update.

use super::bad;
use crate::cli::ListsCommand;
use crate::context::Context;
use crate::exit;
use anyhow::Result;
use lists::formats::{Format, ParseOptions};

pub fn run(cx: &Context, command: ListsCommand) -> Result<u8> {
    let store = cx.list_store()?;
    match command {
        ListsCommand::Import {
            files,
            format,
            lenient,
        } => {
            let format = match format {
                Some(f) => Some(f.parse::<Format>().map_err(|_| {
                    bad(format!(
                        "--format: '{f}' is not one of csl-csv, csl-json, ofac-csv, dpl, un-xml"
                    ))
                })?),
                None => None,
            };
            let meta = store
                .import(&files, format, &ParseOptions { lenient })
                .map_err(|e| {
                    bad(format!(
                        "import refused, the active snapshot is unchanged: {e}"
                    ))
                })?;
            println!("imported and activated snapshot {}", meta.hash);
            print_meta(&meta);
        }
        ListsCommand::Status { json } => {
            let status = store.status()?;
            let meta = match &status.active {
                Some(m) => m.clone(),
                None => cx.snapshot()?.meta,
            };
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(
                        &serde_json::json!({"dir": status.dir, "active": meta, "stored": status.stored})
                    )?
                );
            } else {
                println!("list store {}", status.dir.display());
                if status.active.is_none() {
                    println!("no snapshot imported: using the bundled snapshot");
                }
                println!("active snapshot {}", meta.hash);
                print_meta(&meta);
            }
        }
        ListsCommand::Update { url } => {
            let url = url.unwrap_or_else(|| lists::snapshot::CSL_JSON_URL.to_string());
            let dir = cx.data_dir.join("downloads");
            std::fs::create_dir_all(&dir)?;
            let path = lists::snapshot::download_csl(&url, &dir)?;
            let meta = store
                .import(&[path], None, &ParseOptions::default())
                .map_err(|e| {
                    bad(format!(
                        "the downloaded list was refused, the active snapshot is unchanged: {e}"
                    ))
                })?;
            println!("downloaded {url} and activated snapshot {}", meta.hash);
            print_meta(&meta);
        }
    }
    Ok(exit::OK)
}

fn print_meta(meta: &lists::snapshot::SnapshotMeta) {
    println!(
        "  created {}{}",
        meta.created_at,
        if meta.bundled {
            " (bundled with ace)"
        } else {
            ""
        }
    );
    for s in &meta.sources {
        println!(
            "  source {} ({}) dated {}: {} entries, sha256 {}",
            s.file_name,
            s.format,
            s.source_date.as_deref().unwrap_or("unknown"),
            s.entries,
            &s.sha256[..12.min(s.sha256.len())]
        );
    }
    let counts: Vec<String> = meta
        .counts
        .iter()
        .map(|(l, n)| {
            format!(
                "{}: {n}",
                serde_json::to_value(l)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default()
            )
        })
        .collect();
    println!("  {} entries — {}", meta.total(), counts.join(", "));
    for w in meta.warnings.iter().take(5) {
        println!("  warning: {w}");
    }
    if meta.warnings.len() > 5 {
        println!("  ... and {} more warnings", meta.warnings.len() - 5);
    }
}

//! `ace records impact`: which recorded determinations of the last five years would now
//! come out differently — with the active list snapshot instead of an earlier one, or with
//! other rules data (`server::service::impact`). Also printed after `ace lists import`
//! and `ace lists update` when a record store exists.

use super::bad;
use crate::cli::DatabaseArg;
use crate::context::Context;
use crate::exit;
use anyhow::Result;
use server::service::impact::{self, Impact, ImpactDate};
use server::service::replay;
use std::path::Path;
use std::sync::Arc;

/// How many changed determinations the text output lists (all are in `--json`).
const SHOWN: usize = 50;

/// `ace records impact [--from HASH | --rules DIR] [--json]`.
pub fn run(
    cx: &Context,
    from: Option<&str>,
    rules: Option<&Path>,
    json: bool,
    db: &DatabaseArg,
) -> Result<u8> {
    let (store, _) = super::records::open_existing_store(cx, db)?;
    let store: Arc<dyn records::RecordStore> = Arc::from(store);
    let today = chrono::Utc::now().date_naive();
    let report = match rules {
        Some(dir) => {
            let other = ear::Law::with_overrides(dir)
                .map_err(|e| bad(format!("--rules {}: {e}", dir.display())))?;
            let before = state(cx, cx.law()?, &store)?;
            let after = state(cx, other, &store)?;
            impact::impact(&before, &after, ImpactDate::Recorded, today)
                .map_err(|e| bad(format!("records impact: {e}")))?
        }
        None => {
            replay::set_list_store(cx.list_store()?);
            let active = state(cx, cx.law()?, &store)?;
            impact::impact_of_snapshot(&active, from, today)
                .map_err(|e| bad(format!("records impact: {e}")))?
        }
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print(&report);
    }
    Ok(exit::OK)
}

/// After a list import or update: the impact on the records kept in the default store
/// (or `--database`), in a few lines; nothing when there is no record store.
pub fn after_activation(cx: &Context, previous: &str, db: &DatabaseArg) -> Result<()> {
    let Ok((store, _)) = super::records::open_existing_store(cx, db) else {
        return Ok(());
    };
    let store: Arc<dyn records::RecordStore> = Arc::from(store);
    replay::set_list_store(cx.list_store()?);
    let active = state(cx, cx.law()?, &store)?;
    let today = chrono::Utc::now().date_naive();
    match impact::impact_of_snapshot(&active, Some(previous), today) {
        Ok(report) => print(&report),
        Err(e) => println!("impact on recorded determinations not computed: {e}"),
    }
    Ok(())
}

/// A state over the active snapshot, `law` and `store`.
fn state(
    cx: &Context,
    law: ear::Law,
    store: &Arc<dyn records::RecordStore>,
) -> Result<server::AppState> {
    let (meta, screener) = cx.screening()?;
    Ok(server::AppState::new(
        law,
        screener,
        meta,
        Arc::clone(store),
    ))
}

fn short(hash: &str) -> &str {
    &hash[..12.min(hash.len())]
}

fn print(r: &Impact) {
    let what = if r.before.list_snapshot != r.after.list_snapshot {
        format!(
            "list snapshot {} → {}, as of today",
            short(&r.before.list_snapshot),
            short(&r.after.list_snapshot)
        )
    } else {
        format!(
            "rules {} → {}, as of each record's date",
            short(&r.before.ruleset),
            short(&r.after.ruleset)
        )
    };
    println!(
        "impact ({what}): {} of {} current determinations recorded since {} would now come out differently",
        r.changed.len(),
        r.examined,
        r.since
    );
    for c in r.changed.iter().take(SHOWN) {
        let tx = c
            .transaction_id
            .as_deref()
            .map(|t| format!(" [{t}]"))
            .unwrap_or_default();
        println!(
            "  record {}{tx} as of {}: {} → {} ({})",
            c.record_id,
            c.as_of,
            c.outcome_before,
            c.outcome_after,
            c.deciding_after.join("; ")
        );
    }
    if r.changed.len() > SHOWN {
        println!(
            "  … and {} more (ace records impact --json)",
            r.changed.len() - SHOWN
        );
    }
    for s in &r.skipped {
        println!("  record {} not weighed: {}", s.record_id, s.why);
    }
}

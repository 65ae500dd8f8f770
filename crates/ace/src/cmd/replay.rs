//! `ace records replay`: re-run recorded determinations with the ruleset and list
//! snapshot named in their records (`server::service::replay`), and show whether each is
//! byte-identical, differs, or cannot be replayed (and what is missing).

use super::bad;
use crate::cli::DatabaseArg;
use crate::context::Context;
use crate::exit;
use anyhow::Result;
use server::service::replay::{self, Replay, ReplayStatus};
use std::sync::Arc;

/// Replays record `id`, or every determination since `since`; exit 0 when every replay
/// is identical, 1 when one differs or cannot be replayed.
pub fn run(
    cx: &Context,
    id: Option<i64>,
    since: Option<String>,
    json: bool,
    db: &DatabaseArg,
) -> Result<u8> {
    let (store, _) = super::records::open_store(cx, db)?;
    let law = cx.law()?;
    replay::set_list_store(cx.list_store()?);
    // No snapshot is in service here: each replay loads the one its record names.
    let none = lists::snapshot::SnapshotMeta {
        hash: String::new(),
        created_at: String::new(),
        sources: Vec::new(),
        counts: Default::default(),
        warnings: Vec::new(),
        bundled: false,
        based_on: None,
        published: None,
    };
    let state = server::AppState::new(
        law,
        screen::Screener::new(Vec::new()),
        none,
        Arc::from(store),
    );
    let replays = match (id, since) {
        (Some(id), _) => {
            vec![replay::replay(&state, id).map_err(|e| bad(format!("records replay: {e}")))?]
        }
        (None, Some(since)) => replay::replay_since(&state, &since)
            .map_err(|e| bad(format!("records replay --since: {e}")))?,
        (None, None) => {
            return Err(bad(
                "records replay: give a record id, or --all --since DATE",
            ))
        }
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&replays)?);
    } else {
        for r in &replays {
            print_one(r);
        }
        if id.is_none() {
            let count = |s: ReplayStatus| replays.iter().filter(|r| r.status == s).count();
            println!(
                "{} determination(s) replayed: {} identical, {} differ, {} cannot be replayed",
                replays.len(),
                count(ReplayStatus::Identical),
                count(ReplayStatus::Differs),
                count(ReplayStatus::CannotReplay)
            );
        }
    }
    Ok(
        if replays.iter().all(|r| r.status == ReplayStatus::Identical) {
            exit::OK
        } else {
            exit::FAILURE
        },
    )
}

fn print_one(r: &Replay) {
    let status = match r.status {
        ReplayStatus::Identical => "identical",
        ReplayStatus::Differs => "DIFFERS",
        ReplayStatus::CannotReplay => "CANNOT REPLAY",
    };
    println!("record {}: {status}", r.record_id);
    println!("  recorded output {}", r.recorded_hash);
    if let Some(h) = &r.replayed_hash {
        println!("  replayed output {h}");
    }
    if let Some(rules) = &r.ruleset {
        println!("  ruleset {rules}");
    }
    if let Some(snapshot) = &r.list_snapshot {
        println!("  list snapshot {snapshot}");
    }
    if let Some(m) = &r.missing {
        println!("  missing: {m}");
    }
    for d in &r.differences {
        println!("  differs at {d}");
    }
    if let Some(n) = &r.note {
        println!("  note: {n}");
    }
}

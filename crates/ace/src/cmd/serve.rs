//! `ace serve`: the HTTP API and the web UI over the data directory's rules, list
//! snapshot and record store.
//!
//! The list snapshot is not fixed for the server's life: a thread polls the store's
//! `ACTIVE` every `ACE_LIST_POLL_SECONDS` (default 5; 0 turns it off) and, when an
//! import or a rollback made another snapshot active, builds its index and swaps it in
//! (requests in flight finish on the old one). Another signs a checkpoint of the record
//! chain's head at start, every `--checkpoint-every` (default 1h) when records were
//! added, and at a graceful shutdown.

use super::bad;
use super::records::open_store;
use crate::cli::ServeArgs;
use crate::context::Context;
use crate::exit;
use anyhow::{Context as _, Result};
use std::sync::Arc;
use std::time::Duration;

/// How often the list store's `ACTIVE` is read, in seconds (0: never).
const POLL_ENV: &str = "ACE_LIST_POLL_SECONDS";
const DEFAULT_POLL_SECONDS: u64 = 5;

pub fn run(cx: &Context, args: ServeArgs) -> Result<u8> {
    let poll = poll_interval(std::env::var(POLL_ENV).ok().as_deref())?;
    let settings = args
        .settings
        .as_deref()
        .map(server::ui::settings::Settings::load)
        .transpose()
        .map_err(|e| bad(e.to_string()))?;
    let checkpoint_every = super::checkpoint::every(&args.checkpoint_every)?;
    let law = cx.law()?;
    let lists = cx.list_store()?;
    let meta = lists.active_meta()?;
    let (screener, how) = lists.open_derived::<screen::Screener>(&meta)?;
    crate::context::report(&meta, &how);
    let (store, where_) = open_store(cx, &args.db)?;
    let today = chrono::Utc::now().date_naive();
    let max_age = lists::snapshot::max_age_days_from_env().map_err(bad)?;
    if let Some(warning) = lists::snapshot::staleness_warning(&meta, today, max_age) {
        eprintln!("ace: warning: {warning}");
    }
    server::service::set_clearance_months(args.clearance_months);
    let state = server::AppState::new(law, screener, meta, Arc::from(store));
    if let Some(settings) = settings {
        // A fresh state has none set: this cannot be refused.
        let _ = state.set_ui_settings(settings);
    }
    // Replays (POST /v1/determinations/{id}/replay) load recorded snapshots from here.
    server::service::replay::set_list_store(lists.clone());
    if let Some(every) = poll {
        state
            .watch_list_store(lists, every)
            .context("starting the list snapshot watcher")?;
    }
    let checkpoints = checkpoint_every
        .map(|every| super::checkpoint::start_periodic(cx, state.store(), &args.checkpoints, every))
        .transpose()?;
    server::serve(state, &args.listen, |addr| {
        eprintln!("ace: listening on http://{addr} (records: {where_})");
    })
    .with_context(|| format!("serving on {}", args.listen))?;
    // The records acknowledged before the shutdown are anchored too.
    if let Some(checkpoints) = checkpoints {
        checkpoints.finish();
    }
    eprintln!("ace: stopped; every acknowledged record is stored");
    Ok(exit::OK)
}

/// `ACE_LIST_POLL_SECONDS`: seconds (fractions allowed), 0 for no polling; unset or
/// empty: 5.
fn poll_interval(value: Option<&str>) -> Result<Option<Duration>> {
    let seconds = match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => DEFAULT_POLL_SECONDS as f64,
        Some(v) => v
            .parse::<f64>()
            .ok()
            .filter(|s| s.is_finite() && *s >= 0.0 && *s <= 86_400.0)
            .ok_or_else(|| {
                bad(format!(
                    "{POLL_ENV}: '{v}' is not a number of seconds (0 to 86400, e.g. 5 or 0.5; 0 turns polling off; default {DEFAULT_POLL_SECONDS})"
                ))
            })?,
    };
    Ok((seconds > 0.0).then(|| Duration::from_secs_f64(seconds)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_poll_interval_is_seconds_and_zero_turns_it_off() {
        assert_eq!(
            poll_interval(None).ok().flatten(),
            Some(Duration::from_secs(5))
        );
        assert_eq!(
            poll_interval(Some(" 2 ")).ok().flatten(),
            Some(Duration::from_secs(2))
        );
        assert_eq!(
            poll_interval(Some("0.25")).ok().flatten(),
            Some(Duration::from_millis(250))
        );
        assert!(poll_interval(Some("0")).is_ok_and(|p| p.is_none()));
        for bad in ["2s", "-1", "NaN", "1e9"] {
            let err = poll_interval(Some(bad)).err().map(|e| e.to_string());
            assert!(
                err.as_deref()
                    .is_some_and(|e| e.contains(POLL_ENV) && e.contains(bad)),
                "{bad}: {err:?}"
            );
        }
    }
}

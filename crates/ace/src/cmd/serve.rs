//! `ace serve`: the HTTP API and the web UI over the data directory's rules, list
//! snapshot and record store.

use super::records::open_store;
use crate::cli::ServeArgs;
use crate::context::Context;
use crate::exit;
use anyhow::{Context as _, Result};
use std::sync::Arc;

pub fn run(cx: &Context, args: ServeArgs) -> Result<u8> {
    let law = cx.law()?;
    let snapshot = cx.snapshot()?;
    let (store, where_) = open_store(cx, &args.db)?;
    let screener = screen::Screener::new(snapshot.entries);
    let state = server::AppState::new(law, screener, snapshot.meta, Arc::from(store));
    server::serve(state, &args.listen, |addr| {
        eprintln!("ace: listening on http://{addr} (records: {where_})");
    })
    .with_context(|| format!("serving on {}", args.listen))?;
    eprintln!("ace: stopped; every acknowledged record is stored");
    Ok(exit::OK)
}

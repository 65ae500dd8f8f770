//! One data directory holds everything ace keeps; this is where it is chosen and where
//! the regulation and the list snapshot are loaded from.

use anyhow::{Context as _, Result};
use ear::Law;
use lists::snapshot::{SnapshotMeta, SnapshotStore};
use screen::Screener;
use std::path::{Path, PathBuf};

pub struct Context {
    pub data_dir: PathBuf,
    rules_dir: Option<PathBuf>,
}

impl Context {
    pub fn new(data_dir: Option<PathBuf>, rules_dir: Option<PathBuf>) -> Context {
        Context {
            data_dir: data_dir.unwrap_or_else(default_data_dir),
            rules_dir,
        }
    }

    /// The regulation: bundled, with overrides from --rules-dir or DATA_DIR/rules.
    pub fn law(&self) -> Result<Law> {
        let implicit = self.data_dir.join("rules");
        let dir = match &self.rules_dir {
            Some(d) => Some(d.clone()),
            None if implicit.is_dir() => Some(implicit),
            None => None,
        };
        match dir {
            Some(d) => Law::with_overrides(&d)
                .with_context(|| format!("loading rules from {}", d.display())),
            None => Law::bundled().context("loading the bundled rules"),
        }
    }

    pub fn list_store(&self) -> Result<SnapshotStore> {
        let dir = self.data_dir.join("lists");
        SnapshotStore::open(&dir)
            .with_context(|| format!("opening the list store {}", dir.display()))
    }

    /// The active list snapshot (else the bundled one), ready to screen: its meta
    /// and its index, mapped from beside the snapshot (built there first when
    /// absent, stale or damaged). No entry is read until a match needs it.
    pub fn screening(&self) -> Result<(SnapshotMeta, Screener)> {
        self.screening_as_of(None)
    }

    /// The list snapshot a determination as of `date` screens against (`YYYY-MM-DD`;
    /// `None` or an unreadable date: the active one), ready to screen (see
    /// [`Context::screening`]): the active snapshot when it was published on or before
    /// the date, else the newest stored one published by then; when none was, the
    /// active one (the determination then says no snapshot covers the date).
    pub fn screening_as_of(&self, date: Option<&str>) -> Result<(SnapshotMeta, Screener)> {
        let store = self.list_store()?;
        let meta = match date.and_then(ear::parse_date) {
            Some(date) => store.meta_for_date(date)?.0,
            None => store.active_meta()?,
        };
        let (screener, how) = store.open_derived::<Screener>(&meta)?;
        report(&meta, &how);
        Ok((meta, screener))
    }
}

/// Says on standard error when a snapshot's screening index was there but could not be
/// used (damaged, cut short, built by another version), or could not be kept.
pub fn report(meta: &SnapshotMeta, how: &lists::snapshot::Opened) {
    let lists::snapshot::Opened::Built { why, not_written } = how else {
        return;
    };
    let short = &meta.hash[..12.min(meta.hash.len())];
    if let Some(why) = why {
        eprintln!("ace: the screening index of list snapshot {short} was built again: {why}");
    }
    if let Some(e) = not_written {
        eprintln!(
            "ace: warning: the screening index of list snapshot {short} could not be kept: {e}"
        );
    }
}

/// `$XDG_DATA_HOME/ace`, else `~/.local/share/ace`, else `./.ace`.
fn default_data_dir() -> PathBuf {
    if let Some(x) = std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
        return Path::new(&x).join("ace");
    }
    match std::env::var_os("HOME").filter(|v| !v.is_empty()) {
        Some(home) => Path::new(&home).join(".local/share/ace"),
        None => PathBuf::from(".ace"),
    }
}

//! Immutable, content-addressed list snapshots.
//!
//! Layout of a store directory (`<ace data dir>/lists`):
//!
//! ```text
//! ACTIVE                      the hash of the active snapshot (one line)
//! LOCK                        present while an import or rollback runs
//! HISTORY                     every activation, oldest first (JSON Lines, see history)
//! snapshots/<hash>/entries.json   all entries, canonical order, one JSON array
//! snapshots/<hash>/meta.json      SnapshotMeta
//! snapshots/<hash>/screen.idx     the screening index, derived (see `derived`)
//! bundled/<key>/meta.json         the bundled snapshot's meta, worked out once
//! bundled/<key>/screen.idx        the bundled snapshot's screening index
//! ```
//!
//! **Lists are replaced list by list.** An import replaces the lists its files carry
//! (the lists that have at least one entry in them: `dpl.txt` carries DPL, `sdn.csv`
//! SDN, a UN XML file UN, a CSL file every list it has rows of) and keeps every other
//! list, with its sources, from the snapshot in force (the active one, else the
//! bundled one). [`ImportMode::ReplaceAll`] replaces the whole snapshot instead.
//!
//! **Shrinking is refused.** A new snapshot that would drop a list, or hold more than
//! 10% fewer entries of a list than the snapshot in force, is refused with the lists
//! and counts named, unless forced ([`ImportOptions::force`]).
//!
//! An import parses and validates every file first (any error: nothing is
//! written), builds the snapshot in a temporary directory, fsyncs it, renames it to
//! `snapshots/<hash>`, reads it back and checks its hash, and only then replaces
//! `ACTIVE` atomically (temp file, fsync, rename, fsync directory), then appends the
//! activation to `HISTORY` (rewritten the same way). So a failed or interrupted
//! import leaves the previous active snapshot in force. Snapshots are never modified
//! or deleted after they are written, so [`SnapshotStore::rollback`] can make any
//! earlier one active again; re-importing identical content re-activates the existing
//! snapshot (its meta keeps its first `created_at`).

mod age;
mod canonical;
mod derived;
mod download;
mod fsio;
mod history;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use age::{
    max_age_days_from_env, parse_max_age_days, staleness_warning, DEFAULT_MAX_AGE_DAYS, MAX_AGE_ENV,
};
pub use canonical::content_hash_of_lines;
pub use derived::{Derived, Opened, SharedBytes, BUNDLED_KEY};
pub use download::{download_csl, DownloadError, CSL_CSV_URL, CSL_JSON_URL};
pub use history::{Activation, ActivationKind};

use crate::formats::{self, Format, InvalidList, LoadError, Loaded, ParseOptions};
use crate::model::{Entry, ListId};

/// One source file of a snapshot.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceMeta {
    pub file_name: String,
    pub format: Format,
    /// SHA-256 (hex) of the file as read (for OFAC, of the primary file).
    pub sha256: String,
    /// The list's own date, see [`Loaded::source_date`].
    pub source_date: Option<String>,
    /// Entries this file contributes to the snapshot (for a source kept from an
    /// earlier snapshot, to the lists kept).
    pub entries: usize,
    /// The same per list: which lists this file is the source of. Empty in snapshots
    /// written before lists were replaced list by list.
    #[serde(default)]
    pub lists: BTreeMap<ListId, usize>,
}

/// What a snapshot holds and where it came from (`meta.json`).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotMeta {
    /// SHA-256 (hex) over the canonical serialization of all entries.
    pub hash: String,
    /// When the snapshot was built, RFC 3339 UTC.
    pub created_at: String,
    pub sources: Vec<SourceMeta>,
    pub counts: BTreeMap<ListId, usize>,
    pub warnings: Vec<String>,
    /// True for the data compiled into the binary ([`bundled`]).
    #[serde(default)]
    pub bundled: bool,
    /// The snapshot whose other lists this one kept (an import replacing some lists),
    /// `None` for a snapshot built from its files alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub based_on: Option<String>,
    /// The date the lists were published (`YYYY-MM-DD`): given at import
    /// (`--published`), else the newest date its sources carry, else the import date.
    /// A determination as of a date uses a snapshot published on or before it
    /// ([`SnapshotStore::for_date`]). Absent in metas written before it was recorded:
    /// [`SnapshotMeta::published_on`] falls back as above.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
}

impl SnapshotMeta {
    /// Total number of entries.
    pub fn total(&self) -> usize {
        self.counts.values().sum()
    }

    /// The sources `list` came from (file names).
    pub fn sources_of(&self, list: ListId) -> Vec<&str> {
        self.sources
            .iter()
            .filter(|s| s.lists.contains_key(&list))
            .map(|s| s.file_name.as_str())
            .collect()
    }
}

/// A snapshot: its meta and its entries in canonical order (by list, then id).
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub meta: SnapshotMeta,
    pub entries: Vec<Entry>,
}

/// Which snapshot covers a date ([`SnapshotStore::for_date`]).
#[derive(Debug, Clone)]
pub enum Covered {
    /// A snapshot published on or before the date.
    Yes(Snapshot),
    /// Every snapshot was published after the date: the active one, which cannot show
    /// entries removed between the date and its publication.
    No(Snapshot),
}

impl Covered {
    /// The snapshot, covering or not.
    pub fn snapshot(self) -> Snapshot {
        match self {
            Covered::Yes(s) | Covered::No(s) => s,
        }
    }
}

/// What `lists status` shows.
#[derive(Debug, Clone)]
pub struct StoreStatus {
    pub dir: PathBuf,
    /// Meta of the active snapshot; `None` when nothing was imported.
    pub active: Option<SnapshotMeta>,
    /// Hashes of every stored snapshot, sorted.
    pub stored: Vec<String>,
    /// Every activation, oldest first (`HISTORY`).
    pub history: Vec<Activation>,
}

/// Whether an import keeps the lists its files do not carry.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ImportMode {
    /// Replace the lists the files carry, keep the others from the snapshot in force.
    #[default]
    Merge,
    /// The files alone make the new snapshot.
    ReplaceAll,
}

/// How to import.
#[derive(Debug, Clone, Copy, Default)]
pub struct ImportOptions {
    /// Run on the new snapshot once it is stored, before it is activated: ace
    /// builds the screening index beside it here, so that whoever sees the
    /// activation (a running server) finds the index ready. It cannot refuse the
    /// import: a derived file missing later is built where it is needed.
    pub prepare: Option<fn(&SnapshotStore, &SnapshotMeta)>,
    /// Force one format for every file (else each is detected).
    pub format: Option<Format>,
    pub parse: ParseOptions,
    pub mode: ImportMode,
    /// Accept a snapshot that drops a list or loses more than 10% of one.
    pub force: bool,
    /// The date the files were published, when they do not carry one (or carry a
    /// wrong one): recorded as the snapshot's `published`.
    pub published: Option<chrono::NaiveDate>,
}

/// What a list would lose: all of it (`after == 0`) or more than 10%.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListLoss {
    pub list: ListId,
    pub before: usize,
    pub after: usize,
}

impl std::fmt::Display for ListLoss {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let lost = self.before - self.after;
        if self.after == 0 {
            write!(
                f,
                "{} would be dropped (all {} entries)",
                self.list, self.before
            )
        } else {
            write!(
                f,
                "{} would go from {} to {} entries ({lost} lost, {:.1}%)",
                self.list,
                self.before,
                self.after,
                lost as f64 * 100.0 / self.before as f64
            )
        }
    }
}

/// Lists of `before` that `after` drops or shrinks by more than 10%.
pub fn losses(before: &BTreeMap<ListId, usize>, after: &BTreeMap<ListId, usize>) -> Vec<ListLoss> {
    before
        .iter()
        .filter_map(|(&list, &before)| {
            let after = after.get(&list).copied().unwrap_or(0);
            let lost = before.saturating_sub(after);
            (before > 0 && (after == 0 || lost * 10 > before)).then_some(ListLoss {
                list,
                before,
                after,
            })
        })
        .collect()
}

/// What an import did.
#[derive(Debug, Clone)]
pub struct Imported {
    /// The snapshot now active.
    pub meta: SnapshotMeta,
    /// The snapshot in force before (the bundled one's hash when nothing was imported).
    pub previous: String,
    /// Lists taken from the files.
    pub replaced: Vec<ListId>,
    /// Lists kept from the previous snapshot.
    pub kept: Vec<ListId>,
    /// Lists dropped or shrunk, accepted because the import was forced.
    pub losses: Vec<ListLoss>,
}

/// What a rollback did.
#[derive(Debug, Clone)]
pub struct RolledBack {
    /// The snapshot now active.
    pub meta: SnapshotMeta,
    /// The snapshot active before.
    pub previous: String,
}

/// Errors reading or writing the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("list store {}: {action}: {source}", path.display())]
    Io {
        path: PathBuf,
        action: &'static str,
        #[source]
        source: std::io::Error,
    },
    #[error("list store {}: corrupt snapshot: {reason}", path.display())]
    Corrupt { path: PathBuf, reason: String },
    #[error("bundled list data: {0}")]
    Bundled(#[source] Box<LoadError>),
}

/// Why an import was refused; the active snapshot is unchanged in every case.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("no list files given")]
    NoFiles,
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error(transparent)]
    Invalid(#[from] InvalidList),
    #[error(
        "the new snapshot would lose entries compared with the snapshot in force ({}): {}; \
         refused (check the files; to replace those lists anyway, import with --force)",
        short(active),
        losses.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
    )]
    Shrinks {
        active: String,
        losses: Vec<ListLoss>,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a rollback was refused; the active snapshot is unchanged in every case.
#[derive(Debug, thiserror::Error)]
pub enum RollbackError {
    #[error("no earlier snapshot to roll back to: the history has no snapshot other than the active one ({})", short(active))]
    NoEarlier { active: String },
    #[error("no stored snapshot has a hash starting with `{given}` (give a hash or a prefix of one from `ace lists status`, or `bundled`)")]
    NotFound { given: String },
    #[error("`{given}` is the start of several snapshot hashes ({}); give more digits", candidates.iter().map(|c| short(c)).collect::<Vec<_>>().join(", "))]
    Ambiguous {
        given: String,
        candidates: Vec<String>,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The first 12 digits of a hash, as messages show it.
fn short(hash: &str) -> &str {
    &hash[..hash.len().min(12)]
}

/// A directory of snapshots with one active.
#[derive(Debug, Clone)]
pub struct SnapshotStore {
    dir: PathBuf,
    /// Metas read before, by hash: a snapshot's directory is complete when it appears (it
    /// is renamed into place) and never changes, so what was read stays true for as long
    /// as the directory is there. Shared by clones.
    metas: Arc<Mutex<HashMap<String, Arc<SnapshotMeta>>>>,
    /// The last listing of the snapshots directory, kept while the directory is unchanged
    /// (see [`Listing::current`]). Shared by clones.
    listing: Arc<Mutex<Option<Listing>>>,
}

/// The stored snapshots' hashes as listed at `read_at`, when the directory's modification
/// time was `modified`.
#[derive(Debug)]
struct Listing {
    modified: SystemTime,
    read_at: SystemTime,
    hashes: Vec<String>,
}

/// How long after the directory's last change a listing must have been read to be kept:
/// a file system stamps modification times coarsely (a clock tick, up to seconds on
/// some), so a change within the same stamp as the listing's would go unseen.
const LISTING_SETTLED: Duration = Duration::from_secs(2);

impl Listing {
    /// Whether this listing is still the directory's: the directory was not changed since
    /// (same modification time), and the listing was read well after that time.
    fn current(&self, modified: SystemTime) -> bool {
        self.modified == modified
            && self
                .read_at
                .duration_since(modified)
                .is_ok_and(|settled| settled >= LISTING_SETTLED)
    }
}

const ACTIVE: &str = "ACTIVE";
/// Held (created, then removed) while an import or rollback reads the active snapshot
/// and activates another, so two at once cannot lose each other's lists or history.
const LOCK: &str = "LOCK";
use history::HISTORY;
const SNAPSHOTS: &str = "snapshots";
const ENTRIES_FILE: &str = "entries.json";
const META_FILE: &str = "meta.json";

fn io_error<'p>(
    path: &'p Path,
    action: &'static str,
) -> impl FnOnce(std::io::Error) -> StoreError + 'p {
    move |source| StoreError::Io {
        path: path.to_path_buf(),
        action,
        source,
    }
}

fn corrupt(path: &Path, reason: impl Into<String>) -> StoreError {
    StoreError::Corrupt {
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}

impl SnapshotStore {
    /// Opens (creating if needed) the store at `dir`.
    pub fn open(dir: &Path) -> Result<Self, StoreError> {
        let snapshots = dir.join(SNAPSHOTS);
        fs::create_dir_all(&snapshots).map_err(io_error(&snapshots, "cannot create directory"))?;
        Ok(SnapshotStore {
            dir: dir.to_path_buf(),
            metas: Arc::default(),
            listing: Arc::default(),
        })
    }

    /// The store's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn snapshot_dir(&self, hash: &str) -> PathBuf {
        self.dir.join(SNAPSHOTS).join(hash)
    }

    /// Parses, validates and stores `files` as one new snapshot, then makes it active.
    /// In [`ImportMode::Merge`] the files replace the lists they carry and the other
    /// lists of the snapshot in force are kept; in [`ImportMode::ReplaceAll`] the files
    /// alone make the snapshot. A snapshot that drops a list or loses more than 10% of
    /// one is refused unless `opts.force`. OFAC companion files (`alt.csv`, ...) in
    /// `files` are skipped: they are read through their primary file.
    pub fn import(&self, files: &[PathBuf], opts: &ImportOptions) -> Result<Imported, ImportError> {
        let format = opts.format;
        let files: Vec<&PathBuf> = files
            .iter()
            .filter(|f| !is_skipped_companion(f, format))
            .collect();
        if files.is_empty() {
            return Err(ImportError::NoFiles);
        }
        let mut inputs = Vec::with_capacity(files.len());
        for file in &files {
            let loaded = formats::load_path_as(file, format, &opts.parse)?;
            formats::validate(file, &loaded)?;
            let sha256 = file_sha256(file)?;
            inputs.push(Input {
                file_name: display_name(file),
                sha256,
                loaded,
            });
        }
        // One import or rollback at a time from here: the snapshot in force is the base
        // of the merge, and must still be in force when the result is activated.
        let _lock = fsio::DirLock::acquire(&self.dir.join(LOCK)).map_err(io_error(
            &self.dir.join(LOCK),
            "cannot take the store's lock",
        ))?;
        // Read before anything is written, so a corrupt history refuses the import.
        let history = self.history()?;
        let current = self.active_or_bundled()?;
        let replaced: BTreeSet<ListId> = inputs
            .iter()
            .flat_map(|i| i.loaded.entries.iter().map(|e| e.list))
            .collect();
        let kept = match opts.mode {
            ImportMode::Merge => Kept::from_snapshot(current.clone(), &replaced),
            ImportMode::ReplaceAll => Kept::default(),
        };
        let kept_lists: Vec<ListId> = kept.lists.iter().copied().collect();
        let names: Vec<String> = inputs.iter().map(|i| i.file_name.clone()).collect();
        let mut built = build(inputs, kept, now_rfc3339(), false)
            .map_err(|e| corrupt(&self.dir, e.to_string()))?;
        built.meta.published = Some(match opts.published {
            Some(date) => date.to_string(),
            None => built
                .meta
                .data_date()
                .map(|d| d.to_string())
                .unwrap_or_else(|| built.meta.created_at.chars().take(10).collect()),
        });
        let losses = losses(&current.meta.counts, &built.meta.counts);
        if !losses.is_empty() && !opts.force {
            return Err(ImportError::Shrinks {
                active: current.meta.hash,
                losses,
            });
        }
        let meta = self.store(&built)?;
        if let Some(prepare) = opts.prepare {
            prepare(self, &meta);
        }
        let (action, detail) = match opts.mode {
            ImportMode::ReplaceAll => (ActivationKind::ReplaceAll, names.join(", ")),
            ImportMode::Merge if kept_lists.is_empty() => {
                (ActivationKind::Import, names.join(", "))
            }
            ImportMode::Merge => (
                ActivationKind::Import,
                format!(
                    "{}; kept {} from {}",
                    names.join(", "),
                    join_lists(&kept_lists),
                    short(&current.meta.hash)
                ),
            ),
        };
        self.activate_recorded(history, &current.meta, &meta.hash, action, detail)?;
        Ok(Imported {
            meta,
            previous: current.meta.hash,
            replaced: replaced.into_iter().collect(),
            kept: kept_lists,
            losses,
        })
    }

    /// Makes an earlier snapshot active again: `target` is a hash, a unique prefix of
    /// one (4 digits or more), or `bundled`; `None` is the snapshot active before the
    /// current one (the newest other snapshot in the history), so rolling back twice
    /// returns to where it started. The bundled snapshot is written to the store when
    /// it is the target. Snapshots are immutable and never deleted, so any snapshot
    /// ever activated can be rolled back to.
    pub fn rollback(&self, target: Option<&str>) -> Result<RolledBack, RollbackError> {
        let lock_path = self.dir.join(LOCK);
        let _lock = fsio::DirLock::acquire(&lock_path)
            .map_err(io_error(&lock_path, "cannot take the store's lock"))?;
        let history = self.history()?;
        // Parsing the bundled data takes a while: once at most.
        let mut bundled_once: Option<Snapshot> = None;
        let mut bundled = || -> Result<Snapshot, StoreError> {
            if bundled_once.is_none() {
                bundled_once = Some(bundled()?);
            }
            bundled_once
                .clone()
                .ok_or_else(|| corrupt(Path::new("(bundled)"), "not parsed"))
        };
        let current = match self.active_hash()? {
            Some(hash) => self.load_meta(&hash)?,
            None => bundled()?.meta,
        };
        let hash = match target {
            None => history::previous(&history, &current.hash)
                .map(|a| a.hash.clone())
                .ok_or_else(|| RollbackError::NoEarlier {
                    active: current.hash.clone(),
                })?,
            Some(given) => self.resolve(given, || Ok(bundled()?.meta.hash))?,
        };
        let meta = match self.load(&hash) {
            Ok(snapshot) => {
                let recomputed = canonical::hash_of_entries(&snapshot.entries)
                    .map_err(|e| corrupt(&self.snapshot_dir(&hash), e.to_string()))?;
                if recomputed != hash {
                    return Err(corrupt(
                        &self.snapshot_dir(&hash),
                        format!("entries hash to {recomputed}, not {hash}"),
                    )
                    .into());
                }
                snapshot.meta
            }
            Err(e) => {
                let bundled = bundled()?;
                if bundled.meta.hash != hash {
                    return Err(e.into());
                }
                self.store_snapshot(bundled)?
            }
        };
        let detail = format!("from {}", short(&current.hash));
        self.activate_recorded(history, &current, &hash, ActivationKind::Rollback, detail)?;
        Ok(RolledBack {
            meta,
            previous: current.hash,
        })
    }

    /// The full hash for a hash, a unique prefix of a stored one, or `bundled`.
    fn resolve(
        &self,
        given: &str,
        mut bundled_hash: impl FnMut() -> Result<String, StoreError>,
    ) -> Result<String, RollbackError> {
        let wanted = given.trim().to_ascii_lowercase();
        if wanted == "bundled" {
            return Ok(bundled_hash()?);
        }
        if wanted.len() < 4 || !wanted.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(RollbackError::NotFound {
                given: given.to_owned(),
            });
        }
        let mut candidates: Vec<String> = self
            .stored()?
            .into_iter()
            .filter(|h| h.starts_with(&wanted))
            .collect();
        if candidates.is_empty() {
            let bundled = bundled_hash()?;
            if bundled.starts_with(&wanted) {
                candidates.push(bundled);
            }
        }
        match candidates.len() {
            0 => Err(RollbackError::NotFound {
                given: given.to_owned(),
            }),
            1 => Ok(candidates.remove(0)),
            _ => Err(RollbackError::Ambiguous {
                given: given.to_owned(),
                candidates,
            }),
        }
    }

    /// Writes a snapshot held in memory (the bundled one) to the store.
    fn store_snapshot(&self, snapshot: Snapshot) -> Result<SnapshotMeta, StoreError> {
        let canonical = canonical::canonicalize(snapshot.entries)
            .map_err(|e| corrupt(&self.dir, e.to_string()))?;
        let built = Built {
            meta: snapshot.meta,
            entries: canonical.entries,
            serialized: canonical.serialized,
        };
        self.store(&built)
    }

    /// The activation history, oldest first (empty before the first activation).
    pub fn history(&self) -> Result<Vec<Activation>, StoreError> {
        history::read(&self.dir.join(HISTORY))
    }

    /// Points `ACTIVE` at `hash`, then records the activation in `HISTORY`. When the
    /// history is empty, the snapshot in force until now (`previous`) is recorded
    /// first, so this activation can be rolled back.
    fn activate_recorded(
        &self,
        mut history: Vec<Activation>,
        previous: &SnapshotMeta,
        hash: &str,
        action: ActivationKind,
        detail: String,
    ) -> Result<(), StoreError> {
        let at = now_rfc3339();
        if history.is_empty() {
            history.push(Activation {
                at: at.clone(),
                hash: previous.hash.clone(),
                action: ActivationKind::InUse,
                detail: if previous.bundled {
                    "bundled with ace".to_owned()
                } else {
                    "active before the history began".to_owned()
                },
            });
        }
        self.activate(hash)?;
        history.push(Activation {
            at,
            hash: hash.to_owned(),
            action,
            detail,
        });
        let path = self.dir.join(HISTORY);
        history::write(&path, &history).map_err(|e| {
            corrupt(
                &path,
                format!("snapshot {hash} is active, but its activation could not be recorded: {e}"),
            )
        })
    }

    /// Writes a built snapshot (or reuses an identical stored one) and verifies it.
    fn store(&self, built: &Built) -> Result<SnapshotMeta, StoreError> {
        let hash = &built.meta.hash;
        let target = self.snapshot_dir(hash);
        if let Ok(existing) = self.load(hash) {
            return Ok(existing.meta);
        }
        let temp = self
            .dir
            .join(SNAPSHOTS)
            .join(format!(".tmp-{}", fsio::unique_suffix()));
        let written = self.write_dir(&temp, built).and_then(|()| {
            if target.exists() {
                fs::remove_dir_all(&target)
                    .map_err(io_error(&target, "cannot remove corrupt snapshot"))?;
            }
            fs::rename(&temp, &target).map_err(io_error(&target, "cannot move snapshot into place"))
        });
        if let Err(e) = written {
            let _ = fs::remove_dir_all(&temp);
            return Err(e);
        }
        let snapshots = self.dir.join(SNAPSHOTS);
        fsio::sync_dir(&snapshots).map_err(io_error(&snapshots, "cannot sync directory"))?;
        let stored = self.load(hash)?;
        let recomputed = canonical::hash_of_entries(&stored.entries)
            .map_err(|e| corrupt(&target, e.to_string()))?;
        if recomputed != *hash {
            return Err(corrupt(
                &target,
                format!("read back with hash {recomputed}, expected {hash}"),
            ));
        }
        Ok(stored.meta)
    }

    fn write_dir(&self, dir: &Path, built: &Built) -> Result<(), StoreError> {
        fs::create_dir_all(dir).map_err(io_error(dir, "cannot create directory"))?;
        let entries_path = dir.join(ENTRIES_FILE);
        fsio::write_synced(&entries_path, &canonical::json_array(&built.serialized))
            .map_err(io_error(&entries_path, "cannot write"))?;
        let meta_path = dir.join(META_FILE);
        let meta_json = serde_json::to_vec_pretty(&built.meta)
            .map_err(|e| corrupt(&meta_path, e.to_string()))?;
        fsio::write_synced(&meta_path, &meta_json).map_err(io_error(&meta_path, "cannot write"))?;
        fsio::sync_dir(dir).map_err(io_error(dir, "cannot sync directory"))
    }

    /// Points `ACTIVE` at `hash` (atomic replace).
    fn activate(&self, hash: &str) -> Result<(), StoreError> {
        let path = self.dir.join(ACTIVE);
        fsio::replace_atomically(&path, format!("{hash}\n").as_bytes())
            .map_err(io_error(&path, "cannot write"))
    }

    /// The hash in `ACTIVE`, or `None` when nothing was imported.
    pub fn active_hash(&self) -> Result<Option<String>, StoreError> {
        let path = self.dir.join(ACTIVE);
        let text = match fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io_error(&path, "cannot read")(e)),
        };
        let hash = text.trim();
        if !is_hash(hash) {
            return Err(corrupt(&path, format!("`{hash}` is not a snapshot hash")));
        }
        Ok(Some(hash.to_owned()))
    }

    /// The active snapshot, or `None` when nothing was imported.
    pub fn active(&self) -> Result<Option<Snapshot>, StoreError> {
        self.active_hash()?.map(|hash| self.load(&hash)).transpose()
    }

    /// The active snapshot, else the bundled one. The bundled snapshot is **not**
    /// installed as active: the store stays empty until an explicit import, so
    /// `status` can say that bundled data is in use, and a newer binary's newer
    /// bundled data is picked up without any migration.
    pub fn active_or_bundled(&self) -> Result<Snapshot, StoreError> {
        match self.active()? {
            Some(snapshot) => Ok(snapshot),
            None => bundled(),
        }
    }

    /// Reads a stored snapshot by hash and checks it is consistent with its meta.
    pub fn load(&self, hash: &str) -> Result<Snapshot, StoreError> {
        let dir = self.snapshot_dir(hash);
        let meta = self.load_meta(hash)?;
        let entries_path = dir.join(ENTRIES_FILE);
        let bytes = fs::read(&entries_path).map_err(io_error(&entries_path, "cannot read"))?;
        let entries: Vec<Entry> =
            serde_json::from_slice(&bytes).map_err(|e| corrupt(&entries_path, e.to_string()))?;
        if entries.len() != meta.total() {
            return Err(corrupt(
                &entries_path,
                format!("{} entries, meta.json says {}", entries.len(), meta.total()),
            ));
        }
        Ok(Snapshot { meta, entries })
    }

    fn load_meta(&self, hash: &str) -> Result<SnapshotMeta, StoreError> {
        let path = self.snapshot_dir(hash).join(META_FILE);
        let bytes = fs::read(&path).map_err(io_error(&path, "cannot read"))?;
        let meta: SnapshotMeta =
            serde_json::from_slice(&bytes).map_err(|e| corrupt(&path, e.to_string()))?;
        if meta.hash != hash {
            return Err(corrupt(
                &path,
                format!("hash {} does not match its directory", meta.hash),
            ));
        }
        Ok(meta)
    }

    /// The active snapshot's meta, the stored snapshots and the activation history,
    /// without loading entries.
    pub fn status(&self) -> Result<StoreStatus, StoreError> {
        let active = self
            .active_hash()?
            .map(|hash| self.load_meta(&hash))
            .transpose()?;
        Ok(StoreStatus {
            dir: self.dir.clone(),
            active,
            stored: self.stored()?,
            history: self.history()?,
        })
    }

    /// The meta of a stored snapshot, without its entries.
    pub fn meta(&self, hash: &str) -> Result<SnapshotMeta, StoreError> {
        self.load_meta(hash)
    }

    /// The snapshot a determination as of `date` screens against: the active one (else
    /// the bundled one) when it was published on or before `date`; otherwise the stored
    /// or bundled snapshot published most recently on or before `date` (ties: the one
    /// built last). `Covered::No` when every snapshot was published after `date`: the
    /// active one is used and the answer must say that no snapshot covers the date.
    pub fn for_date(&self, date: chrono::NaiveDate) -> Result<Covered, StoreError> {
        let (meta, covered) = self.meta_for_date(date)?;
        let snapshot = self.snapshot_of(&meta)?;
        Ok(if covered {
            Covered::Yes(snapshot)
        } else {
            Covered::No(snapshot)
        })
    }

    /// The meta of the snapshot [`SnapshotStore::for_date`] gives, and whether it
    /// covers the date, without reading any entries.
    pub fn meta_for_date(
        &self,
        date: chrono::NaiveDate,
    ) -> Result<(SnapshotMeta, bool), StoreError> {
        let current = self.active_meta()?;
        if current.published_on().is_some_and(|p| p <= date) {
            return Ok((current, true));
        }
        match self.newest_published_by(date)? {
            Some(meta) => Ok((meta, true)),
            None => Ok((current, false)),
        }
    }

    /// The meta of the stored or bundled snapshot published most recently on or before
    /// `date` (ties: the one built last); `None` when every one was published after it.
    /// Reads metas only (the bundled one's is worked out once, see
    /// [`SnapshotStore::bundled_meta`]).
    pub fn newest_published_by(
        &self,
        date: chrono::NaiveDate,
    ) -> Result<Option<SnapshotMeta>, StoreError> {
        // Shared, not cloned: asked for every dated determination.
        let mut best: Option<(chrono::NaiveDate, Arc<SnapshotMeta>)> = None;
        let mut candidates = vec![self.bundled_meta_once()?];
        for hash in self.stored()? {
            candidates.push(self.known_meta(&hash)?);
        }
        for meta in candidates {
            let Some(published) = meta.published_on().filter(|p| *p <= date) else {
                continue;
            };
            let better = match &best {
                None => true,
                Some((p, b)) => (published, meta.created_at.as_str()) > (*p, b.created_at.as_str()),
            };
            if better {
                best = Some((published, meta));
            }
        }
        Ok(best.map(|(_, meta)| SnapshotMeta::clone(&meta)))
    }

    /// A snapshot by hash: a stored one, or the bundled one when `hash` is its hash.
    /// `Ok(None)` when neither has it.
    pub fn find(&self, hash: &str) -> Result<Option<Snapshot>, StoreError> {
        if self.is_stored(hash) {
            return self.load(hash).map(Some);
        }
        if self.bundled_meta()?.hash != hash {
            return Ok(None);
        }
        let bundled = bundled()?;
        Ok((bundled.meta.hash == hash).then_some(bundled))
    }

    /// The meta of stored snapshot `hash`, read once (see [`SnapshotStore::metas`]): asked
    /// for every dated determination, it must not cost a file read each time.
    fn known_meta(&self, hash: &str) -> Result<Arc<SnapshotMeta>, StoreError> {
        self.remembered(hash, || self.load_meta(hash))
    }

    /// [`SnapshotStore::bundled_meta`], read once: the binary's snapshot does not change
    /// while it runs.
    fn bundled_meta_once(&self) -> Result<Arc<SnapshotMeta>, StoreError> {
        self.remembered("bundled", || self.bundled_meta())
    }

    /// The meta kept under `key`, else the one `read` gives (then kept).
    fn remembered(
        &self,
        key: &str,
        read: impl FnOnce() -> Result<SnapshotMeta, StoreError>,
    ) -> Result<Arc<SnapshotMeta>, StoreError> {
        if let Some(meta) = self.metas.lock().ok().and_then(|m| m.get(key).cloned()) {
            return Ok(meta);
        }
        let meta = Arc::new(read()?);
        if let Ok(mut metas) = self.metas.lock() {
            metas.insert(key.to_string(), Arc::clone(&meta));
        }
        Ok(meta)
    }

    /// Hashes of every stored snapshot, sorted. Asked for every dated determination: the
    /// directory is listed again only when it changed (one `stat` otherwise).
    fn stored(&self) -> Result<Vec<String>, StoreError> {
        let snapshots = self.dir.join(SNAPSHOTS);
        // Read before listing: a change made while listing moves the time on, so the next
        // call lists again.
        let modified = fs::metadata(&snapshots)
            .and_then(|m| m.modified())
            .map_err(io_error(&snapshots, "cannot read the modification time of"))?;
        let kept = self.listing.lock().ok().and_then(|listing| {
            listing
                .as_ref()
                .filter(|l| l.current(modified))
                .map(|l| l.hashes.clone())
        });
        if let Some(hashes) = kept {
            return Ok(hashes);
        }
        let read_at = SystemTime::now();
        let mut hashes: Vec<String> = fs::read_dir(&snapshots)
            .map_err(io_error(&snapshots, "cannot list"))?
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|name| is_hash(name))
            .collect();
        hashes.sort();
        if let Ok(mut listing) = self.listing.lock() {
            *listing = Some(Listing {
                modified,
                read_at,
                hashes: hashes.clone(),
            });
        }
        Ok(hashes)
    }
}

/// One parsed input file.
struct Input {
    file_name: String,
    sha256: String,
    loaded: Loaded,
}

/// A snapshot ready to be written.
struct Built {
    meta: SnapshotMeta,
    entries: Vec<Entry>,
    serialized: Vec<Vec<u8>>,
}

/// What an import keeps from the snapshot in force: the entries of the lists the files
/// do not carry, and the sources of those lists.
#[derive(Default)]
struct Kept {
    entries: Vec<Entry>,
    sources: Vec<SourceMeta>,
    lists: BTreeSet<ListId>,
    warnings: Vec<String>,
    based_on: Option<String>,
}

impl Kept {
    fn from_snapshot(snapshot: Snapshot, replaced: &BTreeSet<ListId>) -> Kept {
        let entries: Vec<Entry> = snapshot
            .entries
            .into_iter()
            .filter(|e| !replaced.contains(&e.list))
            .collect();
        let lists: BTreeSet<ListId> = entries.iter().map(|e| e.list).collect();
        let mut warnings = Vec::new();
        let sources = snapshot
            .meta
            .sources
            .into_iter()
            .filter_map(|mut source| {
                if source.lists.is_empty() {
                    // Written before sources recorded their lists: keep it, say so.
                    warnings.push(format!(
                        "source {} of snapshot {} does not record which lists it gave; kept as a source of the lists kept ({})",
                        source.file_name,
                        short(&snapshot.meta.hash),
                        join_lists(&lists.iter().copied().collect::<Vec<_>>())
                    ));
                    return Some(source);
                }
                source.lists.retain(|list, _| !replaced.contains(list));
                source.entries = source.lists.values().sum();
                (!source.lists.is_empty()).then_some(source)
            })
            .collect();
        Kept {
            entries,
            sources,
            lists,
            warnings,
            based_on: Some(snapshot.meta.hash),
        }
    }
}

/// Combines parsed files and what is kept into a snapshot: canonical order, hash, meta.
fn build(
    inputs: Vec<Input>,
    kept: Kept,
    created_at: String,
    bundled: bool,
) -> Result<Built, serde_json::Error> {
    let mut sources = Vec::with_capacity(inputs.len() + kept.sources.len());
    let mut warnings = Vec::new();
    let mut all = Vec::new();
    for input in inputs {
        let mut lists = BTreeMap::new();
        for entry in &input.loaded.entries {
            *lists.entry(entry.list).or_insert(0) += 1;
        }
        sources.push(SourceMeta {
            file_name: input.file_name,
            format: input.loaded.format,
            sha256: input.sha256,
            source_date: input.loaded.source_date,
            entries: input.loaded.entries.len(),
            lists,
        });
        warnings.extend(input.loaded.warnings);
        all.extend(input.loaded.entries);
    }
    sources.sort_by(|a, b| a.file_name.cmp(&b.file_name));
    sources.extend(kept.sources);
    warnings.extend(kept.warnings);
    all.extend(kept.entries);
    let canonical = canonical::canonicalize(all)?;
    warnings.extend(canonical.conflicts.iter().map(|(list, id)| {
        format!(
            "list {list} id `{id}` comes with different content from more than one file; both kept"
        )
    }));
    let meta = SnapshotMeta {
        hash: canonical::content_hash(&canonical.serialized),
        created_at,
        sources,
        counts: canonical::counts(&canonical.entries),
        warnings,
        bundled,
        based_on: kept.based_on,
        published: None,
    };
    Ok(Built {
        meta,
        entries: canonical.entries,
        serialized: canonical.serialized,
    })
}

/// `EL, SDN, UN`.
fn join_lists(lists: &[ListId]) -> String {
    lists
        .iter()
        .map(|l| l.code())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether `name` is a 64-digit lowercase hex hash.
fn is_hash(name: &str) -> bool {
    name.len() == 64
        && name
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// OFAC companions are read through their primary file; skip them in a file list
/// (unless a format other than OFAC was forced, in which case they are parsed as given).
fn is_skipped_companion(file: &Path, format: Option<Format>) -> bool {
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    matches!(format, None | Some(Format::OfacCsv)) && formats::ofac::is_companion_name(&name)
}

fn display_name(file: &Path) -> String {
    file.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| file.display().to_string())
}

fn file_sha256(file: &Path) -> Result<String, LoadError> {
    let bytes = fs::read(file).map_err(|source| LoadError::Read {
        file: file.to_path_buf(),
        source,
    })?;
    Ok(hex::encode(Sha256::digest(&bytes)))
}

fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The full CSL of 2026-07-31 (JSON), compiled into the binary as a zstd frame (build.rs).
const BUNDLED_CSL: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/csl.json.zst"));
/// The UN consolidated list generated 2026-02-27, compiled in as a zstd frame (build.rs).
const BUNDLED_UN: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/un.xml.zst"));

/// The bytes of a bundled list file: its frame decompressed.
fn bundled_file(name: &str, frame: &[u8]) -> Result<Vec<u8>, StoreError> {
    let broken = |why: String| corrupt(Path::new(name), format!("bundled file: {why}"));
    let size = match zstd_safe::get_frame_content_size(frame) {
        Ok(Some(size)) => usize::try_from(size).map_err(|_| broken("too large".into()))?,
        _ => return Err(broken("not a zstd frame with its size".into())),
    };
    let mut bytes = Vec::with_capacity(size);
    zstd_safe::decompress(&mut bytes, frame)
        .map_err(|code| broken(zstd_safe::get_error_name(code).to_string()))?;
    Ok(bytes)
}

/// The meta of [`bundled`], computed once per process.
pub fn bundled_meta() -> Result<SnapshotMeta, StoreError> {
    static META: std::sync::OnceLock<SnapshotMeta> = std::sync::OnceLock::new();
    if let Some(meta) = META.get() {
        return Ok(meta.clone());
    }
    let meta = bundled()?.meta;
    Ok(META.get_or_init(|| meta).clone())
}

/// The snapshot compiled into the binary (full CSL of 2026-07-31 + UN list of
/// 2026-02-27), so screening works offline with no files. Parsed on each call (tens
/// of milliseconds in release); keep the result. Its `created_at` is the newest
/// source date at 00:00 UTC, so its meta is the same on every machine.
pub fn bundled() -> Result<Snapshot, StoreError> {
    let opts = ParseOptions::default();
    let sources = [
        ("consolidated_2026-07-31.json", Format::CslJson, BUNDLED_CSL),
        ("UN_consolidated.xml", Format::UnXml, BUNDLED_UN),
    ];
    let mut inputs = Vec::with_capacity(sources.len());
    for (name, format, frame) in sources {
        let bytes = &bundled_file(name, frame)?;
        let parsed = formats::parse_bytes(format, Path::new(name), bytes, &opts)
            .map_err(|e| StoreError::Bundled(Box::new(e)))?;
        let loaded = Loaded {
            format,
            entries: parsed.entries,
            lines: parsed.lines,
            warnings: parsed.warnings,
            source_date: parsed.source_date,
        };
        inputs.push(Input {
            file_name: name.to_owned(),
            sha256: hex::encode(Sha256::digest(bytes)),
            loaded,
        });
    }
    let newest = inputs
        .iter()
        .filter_map(|i| i.loaded.source_date.clone())
        .max()
        .unwrap_or_default();
    let created_at = format!("{newest}T00:00:00Z");
    let mut built = build(inputs, Kept::default(), created_at, true)
        .map_err(|e| corrupt(Path::new("(bundled)"), e.to_string()))?;
    // The bundled default covers its own date onwards.
    built.meta.published = (!newest.is_empty()).then_some(newest);
    Ok(Snapshot {
        meta: built.meta,
        entries: built.entries,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash(n: u8) -> String {
        format!("{n:02x}").repeat(32)
    }

    /// Stamps the snapshots directory with modification time `at`, as if its last change
    /// had been then.
    fn stamp_directory(store: &SnapshotStore, at: SystemTime) {
        let dir = fs::File::open(store.dir.join(SNAPSHOTS)).expect("open the directory");
        dir.set_modified(at).expect("set mtime");
    }

    #[test]
    fn a_kept_listing_gives_way_to_a_snapshot_added_since() {
        let root = tempfile::tempdir().expect("dir");
        let store = SnapshotStore::open(root.path()).expect("store");
        fs::create_dir(store.dir.join(SNAPSHOTS).join(hash(1))).expect("mkdir");
        stamp_directory(&store, SystemTime::now() - Duration::from_secs(60));
        assert_eq!(store.stored().expect("list"), vec![hash(1)]);
        assert_eq!(store.stored().expect("kept"), vec![hash(1)]);

        fs::create_dir(store.dir.join(SNAPSHOTS).join(hash(2))).expect("mkdir");
        assert_eq!(
            store.stored().expect("listed again"),
            vec![hash(1), hash(2)]
        );
        fs::remove_dir(store.dir.join(SNAPSHOTS).join(hash(1))).expect("rmdir");
        assert_eq!(store.stored().expect("listed again"), vec![hash(2)]);
    }

    #[test]
    fn a_listing_is_kept_only_once_the_directory_has_settled() {
        let modified = SystemTime::now();
        let listing = |read_after: Duration| Listing {
            modified,
            read_at: modified + read_after,
            hashes: vec![],
        };
        // Read in the same stamp as the last change: a change right after could carry
        // the same time, so this listing is never trusted.
        assert!(!listing(Duration::from_millis(5)).current(modified));
        assert!(listing(LISTING_SETTLED).current(modified));
        assert!(!listing(LISTING_SETTLED).current(modified + Duration::from_nanos(1)));
        // A clock set back (read "before" the change) is not trusted either.
        let earlier = Listing {
            modified,
            read_at: modified - Duration::from_secs(10),
            hashes: vec![],
        };
        assert!(!earlier.current(modified));
    }

    #[test]
    fn a_listing_read_too_soon_after_a_change_is_read_again() {
        let root = tempfile::tempdir().expect("dir");
        let store = SnapshotStore::open(root.path()).expect("store");
        let snapshots = store.dir.join(SNAPSHOTS);
        let listed_at = fs::metadata(&snapshots)
            .and_then(|m| m.modified())
            .expect("mtime");
        assert!(store.stored().expect("list").is_empty());
        // A change stamped with the same time as the listing's (a coarse file-system
        // clock): the directory looks unchanged, yet the new entry must be seen.
        fs::create_dir(snapshots.join(hash(3))).expect("mkdir");
        stamp_directory(&store, listed_at);
        assert_eq!(store.stored().expect("listed again"), vec![hash(3)]);
    }
}

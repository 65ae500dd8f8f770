//! Immutable, content-addressed list snapshots.
//!
//! Layout of a store directory (`<ace data dir>/lists`):
//!
//! ```text
//! ACTIVE                      the hash of the active snapshot (one line)
//! snapshots/<hash>/entries.json   all entries, canonical order, one JSON array
//! snapshots/<hash>/meta.json      SnapshotMeta
//! ```
//!
//! An import parses and validates every file first (any error: nothing is
//! written), builds the snapshot in a temporary directory, fsyncs it, renames it to
//! `snapshots/<hash>`, reads it back and checks its hash, and only then replaces
//! `ACTIVE` atomically (temp file, fsync, rename, fsync directory). So a failed or
//! interrupted import leaves the previous active snapshot in force. Snapshots are
//! never modified after they are written; re-importing identical content
//! re-activates the existing snapshot (its meta keeps its first `created_at`).

mod canonical;
mod download;
mod fsio;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use download::{download_csl, DownloadError, CSL_CSV_URL, CSL_JSON_URL};

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
    /// Entries this file contributed.
    pub entries: usize,
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
}

impl SnapshotMeta {
    /// Total number of entries.
    pub fn total(&self) -> usize {
        self.counts.values().sum()
    }
}

/// A snapshot: its meta and its entries in canonical order (by list, then id).
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub meta: SnapshotMeta,
    pub entries: Vec<Entry>,
}

/// What `lists status` shows.
#[derive(Debug, Clone)]
pub struct StoreStatus {
    pub dir: PathBuf,
    /// Meta of the active snapshot; `None` when nothing was imported.
    pub active: Option<SnapshotMeta>,
    /// Hashes of every stored snapshot, sorted.
    pub stored: Vec<String>,
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
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A directory of snapshots with one active.
#[derive(Debug, Clone)]
pub struct SnapshotStore {
    dir: PathBuf,
}

const ACTIVE: &str = "ACTIVE";
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
    /// The files together replace the previous snapshot. `format` forces a format for
    /// every file (else each is detected). OFAC companion files (`alt.csv`, ...) in
    /// `files` are skipped: they are read through their primary file.
    pub fn import(
        &self,
        files: &[PathBuf],
        format: Option<Format>,
        opts: &ParseOptions,
    ) -> Result<SnapshotMeta, ImportError> {
        let files: Vec<&PathBuf> = files
            .iter()
            .filter(|f| !is_skipped_companion(f, format))
            .collect();
        if files.is_empty() {
            return Err(ImportError::NoFiles);
        }
        let mut inputs = Vec::with_capacity(files.len());
        for file in files {
            let loaded = formats::load_path_as(file, format, opts)?;
            formats::validate(file, &loaded)?;
            let sha256 = file_sha256(file)?;
            inputs.push(Input {
                file_name: display_name(file),
                sha256,
                loaded,
            });
        }
        let built =
            build(inputs, now_rfc3339(), false).map_err(|e| corrupt(&self.dir, e.to_string()))?;
        let meta = self.store(&built)?;
        self.activate(&meta.hash)?;
        Ok(meta)
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

    /// The active snapshot's meta and the stored snapshots, without loading entries.
    pub fn status(&self) -> Result<StoreStatus, StoreError> {
        let active = self
            .active_hash()?
            .map(|hash| self.load_meta(&hash))
            .transpose()?;
        let snapshots = self.dir.join(SNAPSHOTS);
        let mut stored: Vec<String> = fs::read_dir(&snapshots)
            .map_err(io_error(&snapshots, "cannot list"))?
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|name| is_hash(name))
            .collect();
        stored.sort();
        Ok(StoreStatus {
            dir: self.dir.clone(),
            active,
            stored,
        })
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

/// Combines parsed files into a snapshot: canonical order, hash, meta.
fn build(
    inputs: Vec<Input>,
    created_at: String,
    bundled: bool,
) -> Result<Built, serde_json::Error> {
    let mut sources = Vec::with_capacity(inputs.len());
    let mut warnings = Vec::new();
    let mut all = Vec::new();
    for input in inputs {
        sources.push(SourceMeta {
            file_name: input.file_name,
            format: input.loaded.format,
            sha256: input.sha256,
            source_date: input.loaded.source_date,
            entries: input.loaded.entries.len(),
        });
        warnings.extend(input.loaded.warnings);
        all.extend(input.loaded.entries);
    }
    sources.sort_by(|a, b| a.file_name.cmp(&b.file_name));
    let canonical = canonical::canonicalize(all)?;
    warnings.extend(canonical.conflicts.iter().map(|(list, id)| {
        format!("list {list:?} id `{id}` comes with different content from more than one file; both kept")
    }));
    let meta = SnapshotMeta {
        hash: canonical::content_hash(&canonical.serialized),
        created_at,
        sources,
        counts: canonical::counts(&canonical.entries),
        warnings,
        bundled,
    };
    Ok(Built {
        meta,
        entries: canonical.entries,
        serialized: canonical.serialized,
    })
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

/// The full CSL of 2026-07-31 (JSON), compiled into the binary.
const BUNDLED_CSL: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../data/lists/csl/consolidated_2026-07-31.json"
));
/// The UN consolidated list generated 2026-02-27, compiled into the binary.
const BUNDLED_UN: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../data/lists/un/UN_consolidated.xml"
));

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
    for (name, format, bytes) in sources {
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
    let built = build(inputs, created_at, true)
        .map_err(|e| corrupt(Path::new("(bundled)"), e.to_string()))?;
    Ok(Snapshot {
        meta: built.meta,
        entries: built.entries,
    })
}

//! Files derived from a snapshot and kept beside it — the screening index —,
//! used where they lie (memory-mapped) and built again whenever they do not
//! open.
//!
//! ```text
//! snapshots/<hash>/<FILE>     beside a stored snapshot (written at import)
//! bundled/<key>/meta.json     the bundled snapshot's meta, worked out once
//! bundled/<key>/<FILE>        the bundled snapshot's derived files
//! ```
//!
//! `<key>` is `ACE_BUNDLED_KEY` (build.rs: a SHA-256 over the bundled list files,
//! this crate's sources and `Cargo.lock`), so the bundled snapshot is parsed
//! and hashed once per binary and data directory, not at every start, and no
//! binary reads what another's bundled data gave. A derived file is written
//! like every file of the store (temp file, fsync, rename, mode 0644 under the
//! usual umask) and never modified in place, so a mapped file does not change
//! under its reader. Whether its bytes are still good is the [`Derived`]
//! type's to say ([`Derived::open`]: `screen` checks version, the code that
//! built it, the snapshot's hash, length and a hash of every byte); any
//! refusal, or an absent or unreadable file, means it is built again from the
//! snapshot and replaced — never used as it is.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{bundled, corrupt, fsio, io_error, is_hash, Snapshot, SnapshotMeta, SnapshotStore};
use super::{StoreError, META_FILE};

/// The key of the bundled snapshot compiled into this binary (see the module doc).
pub const BUNDLED_KEY: &str = env!("ACE_BUNDLED_KEY");
const BUNDLED: &str = "bundled";

/// Bytes shared between the threads that read them (a mapped file, or a
/// build kept in memory).
pub type SharedBytes = Arc<dyn AsRef<[u8]> + Send + Sync>;

/// A structure derived from a snapshot, kept in one file beside it.
pub trait Derived: Sized {
    /// The file's name in the snapshot's directory.
    const FILE: &'static str;
    /// What [`Derived::build`] gives: the file's bytes.
    type Built: AsRef<[u8]> + Send + Sync + 'static;
    /// The file's bytes for `snapshot`.
    fn build(snapshot: &Snapshot) -> Self::Built;
    /// Opens the file's bytes as the derived file of the snapshot whose
    /// content hash is `snapshot`; an error says why they cannot be used.
    /// `source`, when given, reads the same bytes from the file (to check them
    /// without touching every page of the mapping).
    fn open(
        bytes: SharedBytes,
        source: Option<&mut dyn io::Read>,
        snapshot: &str,
    ) -> Result<Self, String>;
}

/// How [`SnapshotStore::open_derived`] came by its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Opened {
    /// The file beside the snapshot, mapped.
    Mapped,
    /// Built from the snapshot: `why` the file there was not used (`None`:
    /// there was none), and whether writing the new one failed (the build is
    /// used all the same).
    Built {
        why: Option<String>,
        not_written: Option<String>,
    },
}

/// Maps a file read-only; the file is returned too, to read the same bytes.
fn map(path: &Path) -> io::Result<(SharedBytes, fs::File)> {
    let file = fs::File::open(path)?;
    // SAFETY: the mapping is read-only, and the store never changes a derived
    // file in place (it replaces it by rename, which leaves a reader's inode
    // as it was), so the bytes do not change while mapped. A process writing
    // into the file behind the store's back could change them; what is read
    // is then still bounds-checked, and was checked against its hash on
    // opening.
    let map = unsafe { memmap2::Mmap::map(&file)? };
    Ok((Arc::new(map), file))
}

impl SnapshotStore {
    fn bundled_dir(&self) -> PathBuf {
        self.dir.join(BUNDLED).join(BUNDLED_KEY)
    }

    /// Whether `hash` is a snapshot stored here.
    pub(super) fn is_stored(&self, hash: &str) -> bool {
        is_hash(hash) && self.snapshot_dir(hash).join(META_FILE).exists()
    }

    /// Where the derived files of the snapshot of `meta` are kept: beside a
    /// stored snapshot, else (the bundled one) in the bundled directory.
    pub fn derived_dir(&self, meta: &SnapshotMeta) -> PathBuf {
        if self.is_stored(&meta.hash) {
            self.snapshot_dir(&meta.hash)
        } else {
            self.bundled_dir()
        }
    }

    /// The bundled snapshot's meta, read from the bundled directory when an
    /// earlier run worked it out; otherwise worked out (the bundled lists are
    /// parsed and hashed) and written there for the next run.
    pub fn bundled_meta(&self) -> Result<SnapshotMeta, StoreError> {
        let dir = self.bundled_dir();
        let path = dir.join(META_FILE);
        let kept = fs::read(&path)
            .ok()
            .and_then(|b| serde_json::from_slice::<SnapshotMeta>(&b).ok())
            .filter(|m| m.bundled && is_hash(&m.hash));
        if let Some(meta) = kept {
            return Ok(meta);
        }
        let meta = super::bundled_meta()?;
        // A cache: when it cannot be written, the next run works it out again.
        if let Ok(json) = serde_json::to_vec_pretty(&meta) {
            if fs::create_dir_all(&dir).is_ok() && fsio::replace_atomically(&path, &json).is_ok() {
                self.remove_other_bundled();
            }
        }
        Ok(meta)
    }

    /// Removes what other binaries' bundled data left (best effort).
    fn remove_other_bundled(&self) {
        let Ok(read) = fs::read_dir(self.dir.join(BUNDLED)) else {
            return;
        };
        for e in read.flatten() {
            if e.file_name() != BUNDLED_KEY {
                let _ = fs::remove_dir_all(e.path());
            }
        }
    }

    /// The active snapshot's meta, else the bundled one's, without reading
    /// any entries.
    pub fn active_meta(&self) -> Result<SnapshotMeta, StoreError> {
        match self.active_hash()? {
            Some(hash) => self.load_meta(&hash),
            None => self.bundled_meta(),
        }
    }

    /// The snapshot of `meta`, entries and all: a stored one is read, the
    /// bundled one parsed.
    pub fn snapshot_of(&self, meta: &SnapshotMeta) -> Result<Snapshot, StoreError> {
        if self.is_stored(&meta.hash) {
            return self.load(&meta.hash);
        }
        let snapshot = bundled()?;
        if snapshot.meta.hash != meta.hash {
            return Err(corrupt(
                &self.snapshot_dir(&meta.hash),
                "no such snapshot, stored or bundled",
            ));
        }
        Ok(snapshot)
    }

    /// The derived file `D` of the snapshot of `meta`: the one beside it,
    /// mapped, when `D` opens it; otherwise built from the snapshot, written
    /// in its place, and used.
    pub fn open_derived<D: Derived>(&self, meta: &SnapshotMeta) -> Result<(D, Opened), StoreError> {
        let dir = self.derived_dir(meta);
        let path = dir.join(D::FILE);
        let why = match map(&path) {
            Ok((bytes, mut file)) => match D::open(bytes, Some(&mut file), &meta.hash) {
                Ok(d) => return Ok((d, Opened::Mapped)),
                Err(why) => Some(why),
            },
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => Some(e.to_string()),
        };
        let snapshot = self.snapshot_of(meta)?;
        let built = D::build(&snapshot);
        let written = fs::create_dir_all(&dir)
            .and_then(|()| fsio::replace_atomically(&path, built.as_ref()))
            .map_err(|e| io_error(&path, "cannot write")(e).to_string());
        let d = D::open(Arc::new(built), None, &meta.hash)
            .map_err(|e| corrupt(&path, format!("a fresh build does not open: {e}")))?;
        Ok((
            d,
            Opened::Built {
                why,
                not_written: written.err(),
            },
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Entry, ListId, PartyKind};

    /// A derived file of the entries' ids, with a checksum.
    struct Ids(Vec<String>);

    impl Derived for Ids {
        const FILE: &'static str = "ids.test";
        type Built = Vec<u8>;

        fn build(snapshot: &Snapshot) -> Vec<u8> {
            let text: Vec<&str> = snapshot.entries.iter().map(|e| e.id.as_str()).collect();
            let text = text.join("\n");
            let sum: u32 = text.bytes().map(u32::from).sum();
            format!("{sum}\n{}\n{text}", snapshot.meta.hash).into_bytes()
        }

        fn open(
            bytes: SharedBytes,
            _: Option<&mut dyn io::Read>,
            snapshot: &str,
        ) -> Result<Self, String> {
            let text = std::str::from_utf8((*bytes).as_ref()).map_err(|e| e.to_string())?;
            let mut lines = text.splitn(3, '\n');
            let (sum, hash, rest) = (lines.next(), lines.next(), lines.next().unwrap_or(""));
            if hash != Some(snapshot) {
                return Err("another snapshot".into());
            }
            if sum != Some(&rest.bytes().map(u32::from).sum::<u32>().to_string()) {
                return Err("checksum".into());
            }
            Ok(Ids(rest.split('\n').map(str::to_owned).collect()))
        }
    }

    fn entry(id: &str) -> Entry {
        Entry::bare(
            ListId::Sdn,
            id.into(),
            format!("NAME {id}"),
            PartyKind::Entity,
        )
    }

    fn store_with_snapshot() -> (tempfile::TempDir, SnapshotStore, SnapshotMeta) {
        let tmp = tempfile::tempdir().expect("temp dir");
        let store = SnapshotStore::open(tmp.path()).expect("store");
        let canonical =
            super::super::canonical::canonicalize(vec![entry("1"), entry("2")]).expect("canonical");
        let built = super::super::Built {
            meta: SnapshotMeta {
                hash: super::super::canonical::content_hash(&canonical.serialized),
                created_at: "2026-12-02T00:00:00Z".into(),
                sources: Vec::new(),
                counts: super::super::canonical::counts(&canonical.entries),
                warnings: Vec::new(),
                bundled: false,
                based_on: None,
                published: None,
            },
            entries: canonical.entries,
            serialized: canonical.serialized,
        };
        let meta = store.store(&built).expect("stored");
        (tmp, store, meta)
    }

    #[test]
    fn a_derived_file_is_built_once_then_mapped() {
        let (_tmp, store, meta) = store_with_snapshot();
        let (ids, how) = store.open_derived::<Ids>(&meta).expect("built");
        assert_eq!(ids.0, ["1", "2"]);
        assert_eq!(
            how,
            Opened::Built {
                why: None,
                not_written: None
            }
        );
        let path = store.snapshot_dir(&meta.hash).join(Ids::FILE);
        assert!(path.exists(), "written beside the snapshot");
        let (ids, how) = store.open_derived::<Ids>(&meta).expect("mapped");
        assert_eq!((ids.0.len(), how), (2, Opened::Mapped));
    }

    #[test]
    fn a_derived_file_that_does_not_check_is_rebuilt_not_trusted() {
        let (_tmp, store, meta) = store_with_snapshot();
        store.open_derived::<Ids>(&meta).expect("built");
        let path = store.snapshot_dir(&meta.hash).join(Ids::FILE);
        let good = fs::read(&path).expect("read");
        let mut bad = good.clone();
        let last = bad.len() - 1;
        bad[last] = b'9';
        fs::write(&path, &bad).expect("damaged");
        let (ids, how) = store.open_derived::<Ids>(&meta).expect("rebuilt");
        assert_eq!(ids.0, ["1", "2"], "the damaged id is not read");
        assert!(matches!(how, Opened::Built { why: Some(ref why), .. } if why == "checksum"));
        assert_eq!(
            fs::read(&path).expect("read"),
            good,
            "replaced by a good one"
        );
    }

    #[test]
    fn the_bundled_meta_is_worked_out_once_and_kept() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let store = SnapshotStore::open(tmp.path()).expect("store");
        let meta = store.bundled_meta().expect("bundled");
        let kept = store.bundled_dir().join(META_FILE);
        assert!(kept.exists());
        assert_eq!(store.bundled_meta().expect("kept"), meta);
        assert_eq!(store.derived_dir(&meta), store.bundled_dir());
        // A kept meta that does not read as a bundled one is worked out again.
        fs::write(&kept, b"{}").expect("damaged");
        assert_eq!(store.bundled_meta().expect("again"), meta);
        // Another binary's bundled directory is removed when this one's is written.
        let other = tmp.path().join(BUNDLED).join("0".repeat(64));
        fs::create_dir_all(&other).expect("other");
        fs::remove_file(&kept).expect("removed");
        store.bundled_meta().expect("again");
        assert!(!other.exists());
    }
}

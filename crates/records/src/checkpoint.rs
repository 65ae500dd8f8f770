//! Signed checkpoints of the chain head: the anchor kept outside the database.
//!
//! The chain proves that no record was changed *relative to the records after it*; it
//! cannot prove that the newest records were not deleted, nor that someone with write
//! access did not rewrite record 5 and recompute every later hash. A checkpoint closes
//! both gaps: it states "record N with hash H was the head of the chain, N records, at
//! time T", signed with an Ed25519 key that lives in a file, not in the database. Kept
//! elsewhere (a copy off the host, a ticket, an auditor's archive), it is checked later
//! with [`check_checkpoint`]: record N must still exist (else the chain was truncated)
//! and still carry H (else it was rewritten); since every record hashes its
//! predecessor's hash, H fixes records 1..N exactly.
//!
//! ## The signed text
//!
//! A checkpoint file is a JSON object with the fields of [`Checkpoint`]. The signature
//! is Ed25519 (RFC 8032, pure) over the UTF-8 bytes of the canonical JSON (the rule of
//! the crate docs: keys sorted, no whitespace) of the object **without** `signature`:
//!
//! ```text
//! {"created_at":"…","format":"ace-records-checkpoint/1","head_hash":"…","head_id":42,"public_key":"…","records":42}
//! ```
//!
//! `public_key` (32 bytes) and `signature` (64 bytes) are lowercase hex.

use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use ring::signature::{Ed25519KeyPair, KeyPair, UnparsedPublicKey, ED25519};
use serde::{Deserialize, Serialize};

use crate::canonical::{canonical_json, record_hash, GENESIS_HASH};
use crate::error::{Error, Result};
use crate::store::RecordStore;
use crate::types::{BrokenLink, Filter, Head, Record};

/// The `format` of every checkpoint this version writes.
pub const CHECKPOINT_FORMAT: &str = "ace-records-checkpoint/1";

/// The first line of a key file: says what the file is, and that it is secret.
const KEY_HEADER: &str = "# ace records checkpoint signing key (Ed25519 seed, hex). Secret: keep this file 0600 and out of the database's backups.";

/// Records read per page while checking the chain before signing.
const PAGE: usize = 1000;

/// A signed statement of the chain head. See the module docs for the signed text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Checkpoint {
    /// Always [`CHECKPOINT_FORMAT`] for this version.
    pub format: String,
    /// The id of the newest record at the time.
    pub head_id: i64,
    /// Its hash.
    pub head_hash: String,
    /// How many records the chain had (ids are 1..=head_id without gaps, so = head_id).
    pub records: u64,
    /// When the checkpoint was made (RFC 3339, UTC, µs).
    pub created_at: String,
    /// The signer's Ed25519 public key, 64 lowercase hex digits.
    pub public_key: String,
    /// Ed25519 signature of the signed text, 128 lowercase hex digits.
    pub signature: String,
}

impl Checkpoint {
    /// The bytes that are signed: canonical JSON of every field but `signature`.
    pub fn signed_text(&self) -> String {
        let value = serde_json::json!({
            "format": self.format,
            "head_id": self.head_id,
            "head_hash": self.head_hash,
            "records": self.records,
            "created_at": self.created_at,
            "public_key": self.public_key,
        });
        canonical_json(&value)
    }

    /// Parses a checkpoint file's text and checks its signature against its own key:
    /// a checkpoint that does not verify is refused, whatever it says.
    pub fn parse(text: &str) -> Result<Checkpoint> {
        let checkpoint: Checkpoint = serde_json::from_str(text).map_err(|e| {
            bad(format!(
                "not a checkpoint ({e}); expected the JSON object `ace records checkpoint` writes"
            ))
        })?;
        checkpoint.verify_signature()?;
        Ok(checkpoint)
    }

    /// Reads and parses a checkpoint file.
    pub fn read(path: &Path) -> Result<Checkpoint> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            bad(format!(
                "checkpoint file {}: cannot be read: {e}",
                path.display()
            ))
        })?;
        Checkpoint::parse(&text).map_err(|e| match e {
            Error::Checkpoint(problem) => {
                Error::Checkpoint(format!("checkpoint file {}: {problem}", path.display()))
            }
            other => other,
        })
    }

    /// Checks the format, the fields' shapes and the signature (by `public_key`).
    pub fn verify_signature(&self) -> Result<()> {
        if self.format != CHECKPOINT_FORMAT {
            return Err(bad(format!(
                "format is {:?}; this ace reads {CHECKPOINT_FORMAT:?}",
                self.format
            )));
        }
        if self.head_id < 1 || !is_hex(&self.head_hash, 32) {
            return Err(bad(
                "head_id must be 1 or more and head_hash 64 lowercase hex digits".to_string(),
            ));
        }
        let key = hex_bytes(&self.public_key, 32, "public_key")?;
        let signature = hex_bytes(&self.signature, 64, "signature")?;
        UnparsedPublicKey::new(&ED25519, key)
            .verify(self.signed_text().as_bytes(), &signature)
            .map_err(|_| {
                bad(format!(
                    "the signature does not verify with public_key {}: the checkpoint was \
                     altered or not signed by that key; it is refused",
                    self.public_key
                ))
            })
    }

    /// The head it anchors.
    pub fn head(&self) -> Head {
        Head {
            id: self.head_id,
            hash: self.head_hash.clone(),
        }
    }

    /// Pretty JSON, as written to a checkpoint file.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

/// An Ed25519 signing key read from (or created in) a key file.
pub struct SigningKey {
    pair: Ed25519KeyPair,
    public_hex: String,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("public_key", &self.public_hex)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// Reads the key file at `path`; creates it (mode 0600, with its directory) with a
    /// fresh random key when there is none, and writes the public key beside it
    /// (`PATH.pub`). Returns the key and whether it was created.
    pub fn load_or_create(path: &Path) -> Result<(SigningKey, bool)> {
        if path.exists() {
            return Ok((SigningKey::load(path)?, false));
        }
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let mut seed = [0u8; 32];
        getrandom::getrandom(&mut seed)
            .map_err(|e| Error::Key(format!("no randomness for a new key: {e}")))?;
        let key = SigningKey::from_seed(&seed)?;
        let mut file = create_private(path).map_err(|e| {
            Error::Key(format!(
                "key file {}: cannot be created: {e}",
                path.display()
            ))
        })?;
        writeln!(file, "{KEY_HEADER}\n{}", hex::encode(seed))?;
        file.sync_all()?;
        std::fs::write(public_key_path(path), format!("{}\n", key.public_hex))?;
        Ok((key, true))
    }

    /// Reads an existing key file: a line of 64 hex digits (the seed); lines starting
    /// with `#` are comments.
    pub fn load(path: &Path) -> Result<SigningKey> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::Key(format!("key file {}: cannot be read: {e}", path.display())))?;
        let seed_hex = text
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty() && !l.starts_with('#'))
            .unwrap_or_default();
        let seed = hex::decode(seed_hex)
            .ok()
            .filter(|s| s.len() == 32)
            .ok_or_else(|| {
                Error::Key(format!(
                    "key file {}: expected a line of 64 hex digits (an Ed25519 seed), as \
                     `ace records checkpoint` creates",
                    path.display()
                ))
            })?;
        SigningKey::from_seed(&seed)
    }

    fn from_seed(seed: &[u8]) -> Result<SigningKey> {
        let pair = Ed25519KeyPair::from_seed_unchecked(seed)
            .map_err(|e| Error::Key(format!("not an Ed25519 seed: {e}")))?;
        let public_hex = hex::encode(pair.public_key().as_ref());
        Ok(SigningKey { pair, public_hex })
    }

    /// The public key, 64 lowercase hex digits: what an auditor pins.
    pub fn public_key_hex(&self) -> &str {
        &self.public_hex
    }

    /// Signs a checkpoint of `head` (a chain of `records` records), made now.
    pub fn sign(&self, head: &Head, records: u64) -> Checkpoint {
        let mut checkpoint = Checkpoint {
            format: CHECKPOINT_FORMAT.to_string(),
            head_id: head.id,
            head_hash: head.hash.clone(),
            records,
            created_at: crate::time::now(),
            public_key: self.public_hex.clone(),
            signature: String::new(),
        };
        checkpoint.signature =
            hex::encode(self.pair.sign(checkpoint.signed_text().as_bytes()).as_ref());
        checkpoint
    }
}

/// Where the public key of the key file at `path` is written: `PATH.pub`.
pub fn public_key_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".pub");
    PathBuf::from(name)
}

/// Creates a new file readable and writable by its owner only (0600 on Unix), failing
/// if it exists.
pub fn create_private(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// Signs checkpoints of one store, checking every record since the last checkpoint it
/// signed before signing the next (the first time, the whole chain): a broken chain is
/// never signed.
#[derive(Debug)]
pub struct Checkpointer {
    key: SigningKey,
    last: Option<Head>,
}

impl Checkpointer {
    /// A checkpointer that has signed nothing yet.
    pub fn new(key: SigningKey) -> Self {
        Checkpointer { key, last: None }
    }

    /// The key it signs with.
    pub fn key(&self) -> &SigningKey {
        &self.key
    }

    /// Checks the records after the last signed head and signs the new head. `Ok(None)`
    /// when there are no records or the head has not moved since the last checkpoint;
    /// `Error::Checkpoint` naming the broken link when the chain does not hold, or what
    /// happened to the head it signed last when that is gone or changed.
    pub fn next(&mut self, store: &dyn RecordStore) -> Result<Option<Checkpoint>> {
        // The head signed last must still be there: a server notices a truncation or a
        // rewrite below it at its next tick, not only when someone checks.
        if let Some(last) = &self.last {
            if let Some(found) = check_anchor(store, &Anchor::Head(last.clone()))? {
                return Err(bad(format!(
                    "against the last checkpoint signed: {}; nothing was signed",
                    found.problem
                )));
            }
        }
        let (start, prev) = match &self.last {
            Some(h) => (h.id, h.hash.clone()),
            None => (0, GENESIS_HASH.to_string()),
        };
        let head = match store.check_chain_after(start, &prev)? {
            Ok(Some(head)) => head,
            Ok(None) => return Ok(None),
            Err(broken) => {
                return Err(bad(format!(
                    "the chain is broken at record {}: {}; nothing was signed \
                     (run `ace records verify`)",
                    broken.id, broken.problem
                )))
            }
        };
        let id = head.id;
        let checkpoint = self.key.sign(&head, u64::try_from(id).unwrap_or(0));
        self.last = Some(head);
        Ok(Some(checkpoint))
    }
}

/// What is wrong with record `r` as the link after `prev` at `expected_id`, if anything.
fn link_problem(r: &Record, expected_id: i64, prev: &str) -> Option<String> {
    if r.id != expected_id {
        return Some(format!("expected id {expected_id}, found {}", r.id));
    }
    let recomputed = record_hash(r);
    if recomputed != r.hash {
        return Some(format!(
            "hash mismatch: stored {} recomputed {recomputed}",
            r.hash
        ));
    }
    if r.prev_hash != prev {
        return Some(format!(
            "prev_hash {} is not the hash of the record before ({prev})",
            r.prev_hash
        ));
    }
    None
}

/// Writes `checkpoint` into `dir` (created if missing) as `HEADID-TIME.json`, atomically
/// (a temporary file renamed); returns the file's path.
pub fn write_checkpoint(dir: &Path, checkpoint: &Checkpoint) -> Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let stamp: String = checkpoint
        .created_at
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    let name = format!("checkpoint-{:012}-{stamp}.json", checkpoint.head_id);
    let path = dir.join(&name);
    let temp = dir.join(format!(".{name}.tmp"));
    let mut file = std::fs::File::create(&temp)?;
    writeln!(file, "{}", checkpoint.to_json())?;
    file.sync_all()?;
    std::fs::rename(&temp, &path)?;
    Ok(path)
}

/// What an anchor (a checkpoint, or a head hash noted by hand) is checked against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Anchor {
    /// Record `id` had `hash`.
    Head(Head),
    /// Some record had this hash (its id was not noted).
    Hash(String),
}

impl Anchor {
    /// Parses `HASH` (64 hex digits) or `ID:HASH`.
    pub fn parse(text: &str) -> Option<Anchor> {
        let text = text.trim();
        match text.split_once(':') {
            Some((id, hash)) => {
                let id: i64 = id.trim().parse().ok().filter(|i| *i >= 1)?;
                let hash = hash.trim().to_ascii_lowercase();
                is_hex(&hash, 32).then_some(Anchor::Head(Head { id, hash }))
            }
            None => {
                let hash = text.to_ascii_lowercase();
                is_hex(&hash, 32).then_some(Anchor::Hash(hash))
            }
        }
    }
}

/// Checks an anchor against the store: `None` when it holds, else what was found —
/// **truncation** (the anchored record is gone: the newest records were deleted) or a
/// **rewritten chain** (the record is there with another hash: it or an earlier record
/// was rewritten and the later hashes recomputed, or the chain was cut and refilled).
/// Check the chain itself with [`RecordStore::verify`] too: an anchor that holds fixes
/// every record up to it only if every link up to it holds.
pub fn check_anchor(store: &dyn RecordStore, anchor: &Anchor) -> Result<Option<BrokenLink>> {
    let head = store.head()?;
    let newest = head
        .as_ref()
        .map_or("the store holds no records".to_string(), |h| {
            format!("the chain now ends at record {}", h.id)
        });
    match anchor {
        Anchor::Head(anchor) => {
            let problem = match store.get(anchor.id)? {
                None => Some(format!(
                    "truncation: record {} (the anchored head, hash {}) is missing and {newest}: \
                     the newest records were deleted",
                    anchor.id, anchor.hash
                )),
                Some(r) if r.hash != anchor.hash => Some(format!(
                    "rewritten chain: record {} has hash {} but the anchor signed {}: record {} \
                     or an earlier one was rewritten and the later hashes recomputed (or the \
                     chain was cut and refilled)",
                    anchor.id, r.hash, anchor.hash, anchor.id
                )),
                Some(_) => None,
            };
            Ok(problem.map(|problem| BrokenLink {
                id: anchor.id,
                problem,
            }))
        }
        Anchor::Hash(hash) => {
            let mut after = 0;
            loop {
                let page = store.list(&Filter {
                    after_id: Some(after),
                    limit: Some(PAGE),
                    ..Filter::default()
                })?;
                if page.iter().any(|r| &r.hash == hash) {
                    return Ok(None);
                }
                match page.last() {
                    Some(r) if page.len() == PAGE => after = r.id,
                    _ => break,
                }
            }
            Ok(Some(BrokenLink {
                id: head.map_or(0, |h| h.id),
                problem: format!(
                    "no record has hash {hash} and {newest}: the records up to it were deleted \
                     (truncation) or rewritten with recomputed hashes"
                ),
            }))
        }
    }
}

/// The result of checking an export file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportCheck {
    /// Records read.
    pub records: u64,
    /// The newest record read.
    pub head: Option<Head>,
    /// The first broken link of the chain in the file, if any.
    pub first_broken: Option<BrokenLink>,
    /// For each anchor given, in order: `None` when it holds, else the problem.
    pub anchors: Vec<Option<BrokenLink>>,
}

/// Checks an export (`ace records export --format jsonl`, every record, unfiltered)
/// without any database: each line's hash recomputed, each `prev_hash` linked, ids
/// 1, 2, 3…; then each anchor against the records read. Errors name the line.
pub fn verify_export(reader: impl BufRead, anchors: &[Anchor]) -> Result<ExportCheck> {
    let mut by_id: HashMap<i64, usize> = HashMap::new();
    let mut by_hash: HashMap<&str, usize> = HashMap::new();
    for (i, a) in anchors.iter().enumerate() {
        match a {
            Anchor::Head(h) => {
                by_id.insert(h.id, i);
            }
            Anchor::Hash(h) => {
                by_hash.insert(h.as_str(), i);
            }
        }
    }
    let mut seen: Vec<Option<String>> = vec![None; anchors.len()];
    let mut check = ExportCheck {
        records: 0,
        head: None,
        first_broken: None,
        anchors: Vec::new(),
    };
    let mut prev = GENESIS_HASH.to_string();
    for (n, line) in reader.lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let record: Record = serde_json::from_str(&line).map_err(|e| {
            bad(format!(
                "line {}: not a record of `ace records export --format jsonl`: {e}",
                n + 1
            ))
        })?;
        check.records += 1;
        if check.first_broken.is_none() {
            let expected = check.head.as_ref().map_or(1, |h| h.id + 1);
            if let Some(problem) = link_problem(&record, expected, &prev) {
                check.first_broken = Some(BrokenLink {
                    id: record.id,
                    problem: format!("line {}: {problem}", n + 1),
                });
            }
        }
        if let Some(&i) = by_id.get(&record.id) {
            seen[i] = Some(record.hash.clone());
        }
        if let Some(&i) = by_hash.get(record.hash.as_str()) {
            seen[i] = Some(record.hash.clone());
        }
        prev = record.hash.clone();
        check.head = Some(Head {
            id: record.id,
            hash: record.hash,
        });
    }
    let last = check
        .head
        .as_ref()
        .map_or("the export holds no records".to_string(), |h| {
            format!("the export ends at record {}", h.id)
        });
    check.anchors = anchors
        .iter()
        .zip(seen)
        .map(|(anchor, found)| match (anchor, found) {
            (Anchor::Head(h), None) => Some(BrokenLink {
                id: h.id,
                problem: format!(
                    "truncation: record {} (the anchored head) is not in the export and {last}",
                    h.id
                ),
            }),
            (Anchor::Head(h), Some(found)) if found != h.hash => Some(BrokenLink {
                id: h.id,
                problem: format!(
                    "rewritten chain: record {} has hash {found} but the anchor signed {}",
                    h.id, h.hash
                ),
            }),
            (Anchor::Hash(hash), None) => Some(BrokenLink {
                id: 0,
                problem: format!("no record of the export has hash {hash} and {last}"),
            }),
            _ => None,
        })
        .collect();
    Ok(check)
}

/// The thread of [`spawn_periodic`]: [`Periodic::finish`] (or dropping it) makes the last
/// checkpoint and ends it.
#[derive(Debug)]
pub struct Periodic {
    stop: Option<std::sync::mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Periodic {
    /// Signs the records added since the last checkpoint, if any, and waits for the
    /// thread to end: what a graceful shutdown calls, so that nothing recorded before it
    /// is left unanchored.
    pub fn finish(mut self) {
        self.stop.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Periodic {
    fn drop(&mut self) {
        // The thread makes its last checkpoint and ends on its own.
        self.stop.take();
    }
}

/// Starts a thread that checkpoints the store at once (anchoring what the server found),
/// then every `every`, and a last time when stopped: each time it checks the records
/// appended since its last checkpoint, signs the head and writes the checkpoint into
/// `dir` — nothing when no record was appended. Failures are reported on standard error
/// and retried at the next tick.
pub fn spawn_periodic(
    store: Arc<dyn RecordStore>,
    key: SigningKey,
    dir: PathBuf,
    every: Duration,
) -> std::io::Result<Periodic> {
    let (stop, stopped) = std::sync::mpsc::channel::<()>();
    let thread = std::thread::Builder::new()
        .name("ace-checkpoint".into())
        .spawn(move || {
            let mut signer = Checkpointer::new(key);
            let mut tick = || match signer
                .next(store.as_ref())
                .and_then(|c| c.map(|c| write_checkpoint(&dir, &c)).transpose())
            {
                Ok(Some(path)) => eprintln!("ace: checkpoint written: {}", path.display()),
                Ok(None) => {}
                Err(e) => eprintln!("ace: checkpoint not written: {e}"),
            };
            tick();
            loop {
                match stopped.recv_timeout(every) {
                    Err(std::sync::mpsc::RecvTimeoutError::Timeout) => tick(),
                    // Stopped (finish, or the handle dropped): a last one, then done.
                    Ok(()) | Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                        tick();
                        return;
                    }
                }
            }
        })?;
    Ok(Periodic {
        stop: Some(stop),
        thread: Some(thread),
    })
}

fn bad(problem: String) -> Error {
    Error::Checkpoint(problem)
}

fn is_hex(text: &str, bytes: usize) -> bool {
    text.len() == bytes * 2 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn hex_bytes(text: &str, bytes: usize, field: &str) -> Result<Vec<u8>> {
    if !is_hex(text, bytes) {
        return Err(bad(format!(
            "{field} must be {} lowercase hex digits",
            bytes * 2
        )));
    }
    hex::decode(text).map_err(|e| bad(format!("{field}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SigningKey {
        SigningKey::from_seed(&[7u8; 32]).expect("seed")
    }

    #[test]
    fn a_signed_checkpoint_verifies_and_any_change_is_refused() {
        let head = Head {
            id: 5,
            hash: "ab".repeat(32),
        };
        let signed = key().sign(&head, 5);
        let text = signed.to_json();
        assert_eq!(Checkpoint::parse(&text).expect("verifies"), signed);
        assert!(signed.signed_text().starts_with("{\"created_at\":"));
        assert!(!signed.signed_text().contains("signature"));
        for (field, tampered) in [
            (
                "head_id",
                Checkpoint {
                    head_id: 4,
                    ..signed.clone()
                },
            ),
            (
                "head_hash",
                Checkpoint {
                    head_hash: "cd".repeat(32),
                    ..signed.clone()
                },
            ),
            (
                "records",
                Checkpoint {
                    records: 6,
                    ..signed.clone()
                },
            ),
            (
                "created_at",
                Checkpoint {
                    created_at: "2020-01-01T00:00:00.000000Z".into(),
                    ..signed.clone()
                },
            ),
            (
                "public_key",
                Checkpoint {
                    public_key: SigningKey::from_seed(&[8u8; 32])
                        .expect("seed")
                        .public_key_hex()
                        .to_string(),
                    ..signed.clone()
                },
            ),
        ] {
            let refused = Checkpoint::parse(&tampered.to_json()).expect_err(field);
            assert!(
                refused.to_string().contains("refused"),
                "{field}: {refused}"
            );
        }
        let unknown = text.replacen('{', "{\"extra\": 1,", 1);
        assert!(Checkpoint::parse(&unknown).is_err());
    }

    #[test]
    fn anchors_parse_as_hash_or_id_and_hash() {
        let h = "AB".repeat(32);
        assert_eq!(Anchor::parse(&h), Some(Anchor::Hash(h.to_lowercase())));
        assert_eq!(
            Anchor::parse(&format!("12:{h}")),
            Some(Anchor::Head(Head {
                id: 12,
                hash: h.to_lowercase()
            }))
        );
        for bad in ["", "abc", "0:ab", &format!("x:{h}"), &h[2..]] {
            assert_eq!(Anchor::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_periodic_thread_signs_at_start_on_each_new_head_and_when_finished() {
        let dir = tempfile::tempdir().expect("dir");
        let store: Arc<dyn RecordStore> = Arc::from(
            crate::open(&dir.path().join("r.sqlite3").display().to_string()).expect("store"),
        );
        let append = |n: i64| {
            store
                .append(crate::NewRecord {
                    kind: crate::RecordKind::Determination,
                    actor: "a".into(),
                    input: serde_json::json!({ "n": n }),
                    output: serde_json::json!({"outcome": "NLR"}),
                    ruleset: None,
                    list_snapshot: None,
                    transaction_id: None,
                })
                .expect("append")
        };
        let out = dir.path().join("checkpoints");
        let heads = || {
            let mut heads: Vec<i64> = std::fs::read_dir(&out)
                .into_iter()
                .flatten()
                .filter_map(|e| Checkpoint::read(&e.ok()?.path()).ok())
                .map(|c| c.head_id)
                .collect();
            heads.sort_unstable();
            heads
        };
        let wait_for = |n: usize| {
            let started = std::time::Instant::now();
            while heads().len() < n {
                assert!(started.elapsed() < Duration::from_secs(10), "{:?}", heads());
                std::thread::sleep(Duration::from_millis(10));
            }
        };
        append(1);
        // At once: the head the server found.
        let slow = spawn_periodic(
            Arc::clone(&store),
            key(),
            out.clone(),
            Duration::from_secs(3600),
        )
        .expect("thread");
        wait_for(1);
        append(2);
        // When stopped: what was added since, without waiting for the next tick.
        slow.finish();
        assert_eq!(heads(), vec![1, 2]);
        // Every tick: a new head only.
        let fast = spawn_periodic(
            Arc::clone(&store),
            key(),
            out.clone(),
            Duration::from_millis(20),
        )
        .expect("thread");
        wait_for(3);
        std::thread::sleep(Duration::from_millis(100));
        assert_eq!(heads(), vec![1, 2, 2], "none while the head stays");
        let third = append(3);
        wait_for(4);
        fast.finish();
        assert_eq!(heads(), vec![1, 2, 2, 3]);
        assert_eq!(
            check_anchor(
                store.as_ref(),
                &Anchor::Head(Head {
                    id: 3,
                    hash: third.hash
                })
            )
            .expect("check"),
            None
        );
    }

    #[test]
    fn the_key_file_is_private_and_reloads_to_the_same_key() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("keys").join("checkpoint.key");
        let (created, fresh) = SigningKey::load_or_create(&path).expect("create");
        assert!(fresh);
        let (loaded, fresh) = SigningKey::load_or_create(&path).expect("load");
        assert!(!fresh);
        assert_eq!(created.public_key_hex(), loaded.public_key_hex());
        let public = std::fs::read_to_string(public_key_path(&path)).expect("pub");
        assert_eq!(public.trim(), created.public_key_hex());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::write(&path, "not a key\n").expect("write");
        let err = SigningKey::load(&path).expect_err("garbage refused");
        assert!(err.to_string().contains("64 hex digits"), "{err}");
    }
}

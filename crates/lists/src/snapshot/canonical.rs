//! The canonical form of a snapshot's entries, and its content hash.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use crate::model::{Entry, ListId};

/// A tag hashed before the entries, so a change of canonical form changes every hash.
const HASH_DOMAIN: &[u8] = b"ace-lists-snapshot-v1\n";

/// Entries in canonical order with their canonical JSON serialization.
pub(crate) struct Canonical {
    pub entries: Vec<Entry>,
    pub serialized: Vec<Vec<u8>>,
    /// `(list, id)` pairs that appear with different content in different files.
    pub conflicts: Vec<(ListId, String)>,
}

/// Sorts entries by (list, id, serialization) and drops exact duplicates (the same
/// entry given in two files). The order of the input does not matter.
pub(crate) fn canonicalize(entries: Vec<Entry>) -> Result<Canonical, serde_json::Error> {
    let mut keyed = Vec::with_capacity(entries.len());
    for entry in entries {
        let bytes = serde_json::to_vec(&entry)?;
        keyed.push((entry.list, entry.id.clone(), bytes, entry));
    }
    keyed.sort_by(|a, b| (a.0, &a.1, &a.2).cmp(&(b.0, &b.1, &b.2)));
    keyed.dedup_by(|later, earlier| later.2 == earlier.2);
    let conflicts = keyed
        .windows(2)
        .filter(|w| w[0].0 == w[1].0 && w[0].1 == w[1].1)
        .map(|w| (w[0].0, w[0].1.clone()))
        .collect();
    let (serialized, entries) = keyed
        .into_iter()
        .map(|(_, _, bytes, entry)| (bytes, entry))
        .unzip();
    Ok(Canonical {
        entries,
        serialized,
        conflicts,
    })
}

/// SHA-256 (hex) over the canonical serializations, one per line.
pub(crate) fn content_hash(serialized: &[Vec<u8>]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(HASH_DOMAIN);
    for bytes in serialized {
        hasher.update(bytes);
        hasher.update(b"\n");
    }
    hex::encode(hasher.finalize())
}

/// SHA-256 (hex) of canonical serializations already laid out one per line
/// (each followed by a newline): the same hash as [`content_hash`].
pub fn content_hash_of_lines(lines: &[u8]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(HASH_DOMAIN);
    hasher.update(lines);
    hex::encode(hasher.finalize())
}

/// The hash of entries already in canonical order (used to verify a stored snapshot).
pub(crate) fn hash_of_entries(entries: &[Entry]) -> Result<String, serde_json::Error> {
    let serialized = entries
        .iter()
        .map(serde_json::to_vec)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(content_hash(&serialized))
}

/// How many entries each list has.
pub(crate) fn counts(entries: &[Entry]) -> BTreeMap<ListId, usize> {
    let mut counts = BTreeMap::new();
    for entry in entries {
        *counts.entry(entry.list).or_insert(0) += 1;
    }
    counts
}

/// The entries as one JSON array, from their serializations.
pub(crate) fn json_array(serialized: &[Vec<u8>]) -> Vec<u8> {
    let total: usize = serialized.iter().map(|s| s.len() + 2).sum();
    let mut out = Vec::with_capacity(total + 2);
    out.push(b'[');
    for (i, bytes) in serialized.iter().enumerate() {
        if i > 0 {
            out.extend_from_slice(b",\n");
        }
        out.extend_from_slice(bytes);
    }
    out.extend_from_slice(b"]\n");
    out
}

//! Shared by the development-set generator, the evaluation and the
//! throughput benchmark: loading the bundled lists and a seeded RNG.

#![allow(dead_code)]

use lists::model::Entry;
use std::path::{Path, PathBuf};

/// The list files indexed together, relative to the workspace root.
pub const LIST_FILES: [&str; 4] = [
    "data/lists/csl/consolidated_2026-07-31.json",
    "data/lists/ofac_sdn/sdn.csv",
    "data/lists/bis_dpl/dpl.txt",
    "data/lists/un/UN_consolidated.xml",
];

/// The workspace root (two levels above this crate).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Loads every list in [`LIST_FILES`] with `lists::formats`, leniently.
pub fn load_all() -> Result<Vec<Entry>, lists::LoadError> {
    let root = workspace_root();
    let opts = lists::ParseOptions { lenient: true };
    let mut all = Vec::new();
    for f in LIST_FILES {
        let loaded = lists::load_path(&root.join(f), &opts)?;
        all.extend(loaded.entries);
    }
    Ok(all)
}

/// The key that identifies an entry in the development set: `LIST:id`.
pub fn entry_key(e: &Entry) -> String {
    let list = serde_json::to_value(e.list)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    format!("{list}:{}", e.id)
}

/// Whether a name is written in Latin letters only (after accents).
pub fn is_latin(name: &str) -> bool {
    name.chars().all(|c| {
        !c.is_alphabetic() || c.is_ascii_alphabetic() || ('\u{C0}'..='\u{24F}').contains(&c)
    })
}

/// The entries as the evaluation indexes them: names in other scripts
/// (UN `NAME_ORIGINAL_SCRIPT` aliases) removed, so that queries in those
/// scripts must be matched by transliteration, not by an exact alias.
pub fn latin_only(entries: Vec<Entry>) -> Vec<Entry> {
    entries
        .into_iter()
        .map(|mut e| {
            e.aliases.retain(|a| is_latin(&a.name));
            e
        })
        .collect()
}

/// SplitMix64: small, seeded, good enough for sampling.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    pub fn chance(&mut self, p: f64) -> bool {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
}

/// Peak resident set size of this process, in MiB, from /proc/self/status.
pub fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// One labelled query of the development set.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Case {
    pub query: String,
    /// `listed` or `not_listed`.
    pub label: String,
    /// The perturbation (listed) or the culture / hard-negative kind (not listed).
    pub kind: String,
    /// `LIST:id` of the entry the query was made from (listed cases).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    /// The name the query was made from, for reading the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// Path of the committed development set.
pub fn devset_path() -> PathBuf {
    workspace_root().join("bench/screening/devset.jsonl")
}

/// Reads the development set.
pub fn read_devset(path: &Path) -> Result<Vec<Case>, Box<dyn std::error::Error>> {
    let text = std::fs::read_to_string(path)?;
    let mut out = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        out.push(serde_json::from_str(line)?);
    }
    Ok(out)
}

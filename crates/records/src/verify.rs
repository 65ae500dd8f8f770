//! Checking the chain link by link, as the pages of records stream past.

use crate::canonical::GENESIS_HASH;
use crate::row::Row;
use crate::types::{BrokenLink, Head, VerifyReport};

/// The state of a chain check: what the next record must look like.
pub(crate) struct ChainCheck {
    expected_id: i64,
    prev_hash: String,
    records: u64,
    broken: Option<BrokenLink>,
    head: Option<Head>,
}

impl ChainCheck {
    /// A check starting at record 1.
    pub fn new() -> Self {
        ChainCheck {
            expected_id: 1,
            prev_hash: GENESIS_HASH.to_string(),
            records: 0,
            broken: None,
            head: None,
        }
    }

    /// Checks the next row; false once a link is broken (the rest need not be read).
    pub fn next(&mut self, row: &Row) -> bool {
        self.records += 1;
        if let Some(problem) = self.problem(row) {
            self.broken = Some(BrokenLink {
                id: row.id,
                problem,
            });
            return false;
        }
        self.expected_id = row.id + 1;
        self.prev_hash = row.hash.clone();
        self.head = Some(Head {
            id: row.id,
            hash: row.hash.clone(),
        });
        true
    }

    fn problem(&self, row: &Row) -> Option<String> {
        if row.id != self.expected_id {
            return Some(self.gap(row.id));
        }
        let recomputed = row.recomputed_hash();
        if recomputed != row.hash {
            return Some(format!(
                "hash mismatch: stored {} recomputed {recomputed}",
                row.hash
            ));
        }
        if row.prev_hash != self.prev_hash {
            return Some(self.unlinked(row));
        }
        None
    }

    fn gap(&self, found: i64) -> String {
        let missing = self.expected_id;
        if missing == 1 {
            format!("id 1 missing (the chain starts at {found})")
        } else if found == missing + 1 {
            format!(
                "id {missing} missing (gap between {} and {found})",
                missing - 1
            )
        } else {
            format!(
                "ids {missing}..={} missing (gap between {} and {found})",
                found - 1,
                missing - 1
            )
        }
    }

    fn unlinked(&self, row: &Row) -> String {
        if row.id == 1 {
            format!(
                "prev_hash of record 1 is {} instead of the genesis value (64 zeros)",
                row.prev_hash
            )
        } else {
            format!(
                "prev_hash does not match record {}'s hash (prev_hash {}, record {} hash {})",
                row.id - 1,
                row.prev_hash,
                row.id - 1,
                self.prev_hash
            )
        }
    }

    /// The report.
    pub fn finish(self) -> VerifyReport {
        VerifyReport {
            records: self.records,
            ok: self.broken.is_none(),
            first_broken: self.broken,
            head: self.head,
        }
    }
}

//! Earlier review decisions applied to new screenings: a reviewer's "true match" confirms
//! the membership, a "false positive" clears the party against that entry ("good guys").
//!
//! A decision is kept under the party's normalized name ([`party_key`]), its country
//! when one was known, and the entry (list and id). A false positive **lapses** when the
//! entry has changed since the decision (its content hash, [`entry_hash`], differs: a new
//! alias, address or country may be exactly what makes it a match now) or after its expiry
//! (default 12 months, [`DEFAULT_CLEARANCE_MONTHS`]); a lapsed clearance is shown, not
//! applied, and the match is open again. A true match lapses only when the entry changes.

use crate::screening::{Decided, Verdict, Verdicts};
use crate::transaction::Role;
use ear::Date;
use lists::model::{Entry, ListId};
use screen::Match;
use sha2::{Digest, Sha256};

/// How long a false-positive clearance lasts unless configured otherwise.
pub const DEFAULT_CLEARANCE_MONTHS: u32 = 12;

/// A recorded review decision, as screening applies it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clearance {
    /// [`party_key`] of the party's name.
    pub party_key: String,
    /// ISO alpha-2 code of the party's country when the decision was made, if known:
    /// a decision for a party in one country does not clear a namesake elsewhere.
    pub country: Option<String>,
    pub list: ListId,
    pub entry_id: String,
    /// [`entry_hash`] of the entry as the reviewer saw it; `None` for decisions recorded
    /// before entries were hashed (they never lapse on content, only on expiry).
    pub entry_hash: Option<String>,
    pub verdict: Verdict,
    /// Who decided (token name), when (`YYYY-MM-DD`), why.
    pub by: String,
    pub on: Date,
    pub reason: String,
    /// The record that holds the decision.
    pub record_id: Option<i64>,
}

/// The decisions in force on a date.
pub struct Clearances<'a> {
    pub decisions: &'a [Clearance],
    pub today: Date,
    /// False positives older than this many months lapse.
    pub months: u32,
}

/// Why a decision no longer applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lapse {
    EntryChanged,
    Expired { on: Date },
}

impl Clearance {
    /// Whether this decision is about party `key` (in `country`) and entry `m`.
    fn concerns(&self, key: &str, country: Option<&str>, m: &Match) -> bool {
        self.party_key == key
            && self.list == m.list
            && self.entry_id == m.id
            && (self.country.is_none() || self.country.as_deref() == country)
    }

    /// Why the decision has lapsed for `entry` on `today`, if it has.
    pub fn lapse(&self, entry: &Entry, today: Date, months: u32) -> Option<Lapse> {
        if self
            .entry_hash
            .as_deref()
            .is_some_and(|h| h != entry_hash(entry))
        {
            return Some(Lapse::EntryChanged);
        }
        if self.verdict == Verdict::FalsePositive {
            let until = self.on.checked_add_months(chrono::Months::new(months))?;
            if today >= until {
                return Some(Lapse::Expired { on: until });
            }
        }
        None
    }

    fn line(&self) -> String {
        let record = self
            .record_id
            .map(|id| format!(" (record {id})"))
            .unwrap_or_default();
        format!(
            "decided {} by {} on {}{record}: {}",
            match self.verdict {
                Verdict::TrueMatch => "true match",
                Verdict::FalsePositive => "false positive",
            },
            self.by,
            self.on,
            self.reason
        )
    }
}

impl Verdicts for Clearances<'_> {
    fn verdict(
        &self,
        _role: Role,
        name: &str,
        country: Option<&str>,
        m: &Match,
        entry: &Entry,
    ) -> Option<Decided> {
        let key = party_key(name);
        let newest = self
            .decisions
            .iter()
            .filter(|c| c.concerns(&key, country, m))
            .max_by_key(|c| (c.on, c.record_id))?;
        match newest.lapse(entry, self.today, self.months) {
            None => Some(Decided {
                verdict: newest.verdict,
                decided: newest.line(),
                lapsed: None,
            }),
            Some(lapse) => Some(Decided {
                verdict: newest.verdict,
                decided: newest.line(),
                lapsed: Some(match lapse {
                    Lapse::EntryChanged => {
                        "the listed entry has changed since this decision".to_string()
                    }
                    Lapse::Expired { on } => format!("the clearance expired on {on}"),
                }),
            }),
        }
    }
}

/// The key review decisions are kept under: the party's name as the screening engine
/// normalizes it (case, script, punctuation, legal-form spelling).
pub fn party_key(name: &str) -> String {
    let kind = screen::normalize::NameKind::from_party(None);
    let tokens = screen::normalize::tokenize(name, kind);
    let key = tokens
        .iter()
        .map(|t| t.text.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    if key.is_empty() {
        name.trim().to_lowercase()
    } else {
        key
    }
}

/// SHA-256 (hex) of an entry's canonical JSON: changes whenever anything the reviewer
/// saw changes (a name, alias, address, country, program or date).
pub fn entry_hash(entry: &Entry) -> String {
    let json = serde_json::to_vec(entry).unwrap_or_default();
    hex::encode(Sha256::digest(&json))
}

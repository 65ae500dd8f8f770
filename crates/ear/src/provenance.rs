//! Where a regulatory value comes from, and how sure ace is of it.

use serde::{Deserialize, Serialize};
use std::fmt;

/// How a value was established (REGULATION.md's confidence marks).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Confidence {
    /// Read in the CFR or Federal Register text.
    Text,
    /// From a machine extraction of the official eCFR XML.
    EcfrData,
    /// From secondary summaries of a rule.
    Summary,
    /// The best reconstruction available; findings resting on it must say so.
    Unverified,
}

impl Confidence {
    pub fn is_unverified(self) -> bool {
        self == Confidence::Unverified
    }
}

impl fmt::Display for Confidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Confidence::Text => "text",
            Confidence::EcfrData => "ecfr-data",
            Confidence::Summary => "summary",
            Confidence::Unverified => "unverified",
        })
    }
}

/// The source of a value and the confidence in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provenance {
    pub source: String,
    pub confidence: Confidence,
}

impl Provenance {
    pub fn new(source: impl Into<String>, confidence: Confidence) -> Self {
        Provenance {
            source: source.into(),
            confidence,
        }
    }
}

impl fmt::Display for Provenance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} [{}]", self.source, self.confidence)
    }
}

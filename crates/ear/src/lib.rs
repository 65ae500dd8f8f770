//! The Export Administration Regulations' cybersecurity-item controls as dated, cited data.
//!
//! Everything regulatory lives in the TOML files of `data/` (bundled into the binary,
//! overridable by a directory): Country Groups, Country Chart columns, the CCL entries,
//! part 746 embargoes, the periods of 740.22's two texts. This crate parses and validates
//! them and answers "as of this date" questions, each answer carrying its source.
//!
//! It knows nothing of transactions, lists, storage or HTTP.

pub mod calendar;
mod data;
pub mod destination;
pub mod eccn;
mod error;
mod law;
pub mod provenance;

pub use destination::Destination;
pub use eccn::{Eccn, ProductGroup};
pub use error::EarError;
pub use law::{
    rows_confidence, AceVersion, ChartCell, ChartColumn, ChartWhy, DerivedFlag, EccnEntry, Embargo,
    GroupId, Law, Membership, RedFlag, RuleFile, SdnProgramRule,
};
pub use provenance::{Confidence, Provenance};

/// A calendar date (no time zone: the EAR's effective dates are days).
pub type Date = chrono::NaiveDate;

/// Parses `YYYY-MM-DD`, the only date form ace accepts.
pub fn parse_date(s: &str) -> Option<Date> {
    Date::parse_from_str(s.trim(), "%Y-%m-%d").ok()
}

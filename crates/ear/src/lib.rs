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
    let s = s.trim();
    // Nearly every date is exactly ten characters, digits and dashes: read those directly
    // (a request's date is read several times); chrono's format-driven parse, a thousand
    // instructions a call, decides the rest (`2024-6-1`, a signed year...) as it always has.
    match plain_iso_date(s) {
        Some((year, month, day)) => Date::from_ymd_opt(year, month, day),
        None => Date::parse_from_str(s, "%Y-%m-%d").ok(),
    }
}

/// Year, month and day of `s` when it is four digits, a dash, two digits, a dash and two
/// digits (the numbers as written, in range or not); `None` for any other shape.
fn plain_iso_date(s: &str) -> Option<(i32, u32, u32)> {
    let b: &[u8; 10] = s.as_bytes().try_into().ok()?;
    let digits_at = [0, 1, 2, 3, 5, 6, 8, 9];
    if b[4] != b'-' || b[7] != b'-' || !digits_at.iter().all(|&i| b[i].is_ascii_digit()) {
        return None;
    }
    let number = |from: usize, to: usize| {
        b[from..to]
            .iter()
            .fold(0u16, |n, &c| n * 10 + u16::from(c - b'0'))
    };
    Some((
        i32::from(number(0, 4)),
        u32::from(number(5, 7)),
        u32::from(number(8, 10)),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `parse_date` answered before it read plain dates itself.
    fn by_format(s: &str) -> Option<Date> {
        Date::parse_from_str(s.trim(), "%Y-%m-%d").ok()
    }

    #[test]
    fn plain_dates_and_other_shapes_parse_as_the_format_parses_them() {
        for s in [
            "2024-06-01",
            " 2024-06-01\n",
            "2024-02-29",
            "2023-02-29",
            "2024-13-01",
            "2024-00-10",
            "2024-04-31",
            "0000-01-01",
            "9999-12-31",
            "2024-6-1",
            "+2024-06-01",
            "2024/06/01",
            "2024-06-0a",
            "20240601",
            "",
            "２０２４-06-01",
        ] {
            assert_eq!(parse_date(s), by_format(s), "{s:?}");
        }
        assert_eq!(parse_date("2024-06-01"), Date::from_ymd_opt(2024, 6, 1));
    }

    proptest::proptest! {
        #[test]
        fn any_date_shaped_text_parses_as_the_format_parses_it(
            s in "[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9+ -]{0,12}"
        ) {
            proptest::prop_assert_eq!(parse_date(&s), by_format(&s));
        }
    }
}

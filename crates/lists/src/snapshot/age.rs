//! How old a snapshot's data is, and the warning every answer carries when it is too old.
//!
//! A snapshot is as old as the newest of its sources' own dates (`source_date`: the
//! UN `dateGenerated`, the CSL's generation date, the newest DPL `Last_Update`, ...);
//! when no source carries a date, as old as the snapshot itself (`created_at`). A
//! source dated only by month (`2025-06`, from a file name) counts from the first day
//! of that month, so the age is never understated.

use chrono::NaiveDate;

use super::SnapshotMeta;

/// Days after which a snapshot is called stale when nothing else is configured.
pub const DEFAULT_MAX_AGE_DAYS: u32 = 7;

/// The environment variable that sets the maximum age in days.
pub const MAX_AGE_ENV: &str = "ACE_LIST_MAX_AGE_DAYS";

/// Parses a `YYYY-MM-DD` date, a `YYYY-MM` month (its first day) or an RFC 3339
/// timestamp (its UTC date).
fn parse_date(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Some(date);
    }
    if let Ok(stamp) = chrono::DateTime::parse_from_rfc3339(text) {
        return Some(stamp.with_timezone(&chrono::Utc).date_naive());
    }
    let (year, month) = text.split_once('-')?;
    if year.len() != 4 || month.len() != 2 {
        return None;
    }
    NaiveDate::from_ymd_opt(year.parse().ok()?, month.parse().ok()?, 1)
}

impl SnapshotMeta {
    /// The date the snapshot's lists were published: `published` when recorded, else
    /// [`SnapshotMeta::data_date`].
    pub fn published_on(&self) -> Option<NaiveDate> {
        self.published
            .as_deref()
            .and_then(parse_date)
            .or_else(|| self.data_date())
    }

    /// The date the snapshot's data is as of: the newest `source_date` of its sources,
    /// else the date of `created_at`. `None` when neither can be read.
    pub fn data_date(&self) -> Option<NaiveDate> {
        self.sources
            .iter()
            .filter_map(|s| s.source_date.as_deref().and_then(parse_date))
            .max()
            .or_else(|| parse_date(&self.created_at))
    }

    /// Whole days from [`SnapshotMeta::data_date`] to `today` (0 when the data is dated
    /// after `today`); `None` when the snapshot has no readable date.
    pub fn age_days(&self, today: NaiveDate) -> Option<i64> {
        self.data_date()
            .map(|date| (today - date).num_days().max(0))
    }
}

/// A warning when the snapshot's data is older than `max_age_days` on `today` (or has
/// no date at all); `None` when it is recent enough. The text names the snapshot, its
/// date, its age and how to update it.
pub fn staleness_warning(
    meta: &SnapshotMeta,
    today: NaiveDate,
    max_age_days: u32,
) -> Option<String> {
    let short = &meta.hash[..meta.hash.len().min(12)];
    let Some(date) = meta.data_date() else {
        return Some(format!(
            "list snapshot {short} carries no date (neither its sources nor created_at `{}`), so its age is unknown: screening may miss recent listings; update with `ace lists update` or `ace lists import`",
            meta.created_at
        ));
    };
    let age = (today - date).num_days().max(0);
    if age <= i64::from(max_age_days) {
        return None;
    }
    Some(format!(
        "list snapshot {short} is {age} days old (data as of {date}, more than {max_age_days} days before {today}): screening may miss recent listings; update with `ace lists update` or `ace lists import`"
    ))
}

/// Reads a maximum age in days (`ACE_LIST_MAX_AGE_DAYS`, a flag): a whole number of
/// days, 0 or more. The error names `what` and what is accepted.
pub fn parse_max_age_days(what: &str, text: &str) -> Result<u32, String> {
    text.trim().parse::<u32>().map_err(|_| {
        format!("{what}: '{text}' is not a number of days (a whole number, 0 or more; default {DEFAULT_MAX_AGE_DAYS})")
    })
}

/// The maximum age from `ACE_LIST_MAX_AGE_DAYS`, else [`DEFAULT_MAX_AGE_DAYS`]. An
/// unreadable value is an error naming the variable.
pub fn max_age_days_from_env() -> Result<u32, String> {
    match std::env::var(MAX_AGE_ENV) {
        Ok(text) if !text.trim().is_empty() => parse_max_age_days(MAX_AGE_ENV, &text),
        _ => Ok(DEFAULT_MAX_AGE_DAYS),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::Format;
    use crate::snapshot::SourceMeta;
    use std::collections::BTreeMap;

    fn meta(created_at: &str, dates: &[Option<&str>]) -> SnapshotMeta {
        SnapshotMeta {
            hash: "ab".repeat(32),
            published: None,
            created_at: created_at.into(),
            sources: dates
                .iter()
                .enumerate()
                .map(|(i, d)| SourceMeta {
                    file_name: format!("f{i}"),
                    format: Format::Dpl,
                    sha256: String::new(),
                    source_date: d.map(String::from),
                    entries: 1,
                    lists: BTreeMap::new(),
                })
                .collect(),
            counts: BTreeMap::new(),
            warnings: vec![],
            bundled: false,
            based_on: None,
        }
    }

    fn day(text: &str) -> NaiveDate {
        parse_date(text).unwrap_or(NaiveDate::MIN)
    }

    #[test]
    fn the_newest_source_date_decides_the_age() {
        let m = meta(
            "2026-08-10T12:00:00Z",
            &[Some("2021-07-07"), Some("2026-07-31"), None],
        );
        assert_eq!(m.data_date(), Some(day("2026-07-31")));
        assert_eq!(m.age_days(day("2026-08-07")), Some(7));
        assert_eq!(staleness_warning(&m, day("2026-08-07"), 7), None);
        let warning = staleness_warning(&m, day("2026-08-08"), 7).unwrap_or_default();
        assert!(
            warning.contains("8 days old") && warning.contains("2026-07-31"),
            "{warning}"
        );
        assert!(warning.contains("abababababab"), "{warning}");
    }

    #[test]
    fn without_source_dates_created_at_decides_and_months_count_from_their_first_day() {
        let m = meta("2026-08-10T23:30:00+00:00", &[None]);
        assert_eq!(m.data_date(), Some(day("2026-08-10")));
        let m = meta("2026-08-10T00:00:00Z", &[Some("2025-06")]);
        assert_eq!(m.data_date(), Some(day("2025-06-01")));
        assert_eq!(m.age_days(day("2025-06-30")), Some(29));
    }

    #[test]
    fn no_date_at_all_is_a_warning_and_a_future_date_is_not() {
        let m = meta("yesterday", &[None, Some("garbage")]);
        assert_eq!(m.age_days(day("2026-01-01")), None);
        let warning = staleness_warning(&m, day("2026-01-01"), 7).unwrap_or_default();
        assert!(warning.contains("no date"), "{warning}");
        let m = meta("2030-01-01T00:00:00Z", &[]);
        assert_eq!(m.age_days(day("2026-01-01")), Some(0));
        assert_eq!(staleness_warning(&m, day("2026-01-01"), 0), None);
    }

    #[test]
    fn max_age_is_a_whole_number_of_days() {
        assert_eq!(parse_max_age_days("X", " 30 "), Ok(30));
        assert_eq!(parse_max_age_days("X", "0"), Ok(0));
        for bad in ["-1", "7d", "", "1.5"] {
            let err = parse_max_age_days("ACE_LIST_MAX_AGE_DAYS", bad).err();
            assert!(
                err.as_deref().is_some_and(
                    |e| e.contains("ACE_LIST_MAX_AGE_DAYS") && e.contains("whole number")
                ),
                "{bad}: {err:?}"
            );
        }
    }
}

//! Timestamps: RFC 3339, UTC, microseconds, so that text order is time order.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};

use crate::error::{Error, Result};

/// Now, as stored: `2024-05-29T12:34:56.123456Z`.
pub fn now() -> String {
    format_utc(Utc::now())
}

/// The time `span` from now, as [`now`] writes it (saturating far in the future).
pub fn after(span: std::time::Duration) -> String {
    let span = chrono::Duration::from_std(span).unwrap_or(chrono::Duration::MAX);
    format_utc(
        Utc::now()
            .checked_add_signed(span)
            .unwrap_or(DateTime::<Utc>::MAX_UTC),
    )
}

fn format_utc(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// The later of two stored timestamps, so that `created_at` never goes backwards along the chain
/// even when several servers with slightly different clocks append.
pub fn not_before(now: String, previous: &str) -> String {
    if now.as_str() < previous {
        previous.to_string()
    } else {
        now
    }
}

/// A filter bound (`YYYY-MM-DD` = midnight UTC, or RFC 3339 in any offset) in stored form.
pub fn normalize_bound(value: &str) -> Result<String> {
    let trimmed = value.trim();
    if let Ok(date) = NaiveDate::parse_from_str(trimmed, "%Y-%m-%d") {
        let midnight = date.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
        return midnight.map(format_utc).ok_or_else(|| invalid(value));
    }
    DateTime::parse_from_rfc3339(trimmed)
        .map(|t| format_utc(t.with_timezone(&Utc)))
        .map_err(|_| invalid(value))
}

fn invalid(value: &str) -> Error {
    Error::InvalidTime {
        value: value.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_are_normalized_to_utc_micros() {
        assert_eq!(
            normalize_bound("2024-05-29").ok(),
            Some("2024-05-29T00:00:00.000000Z".to_string())
        );
        assert_eq!(
            normalize_bound("2024-05-29T14:00:00+02:00").ok(),
            Some("2024-05-29T12:00:00.000000Z".to_string())
        );
        assert!(normalize_bound("yesterday").is_err());
    }

    #[test]
    fn now_has_microseconds_and_z() {
        let t = now();
        assert_eq!(t.len(), "2024-05-29T12:34:56.123456Z".len());
        assert!(t.ends_with('Z'));
    }
}

//! The calendar of known dates: every dated change the rules data holds, past and announced,
//! so that `ace rules calendar` can list them and a determination close to one can say so.

use crate::law::{ColumnRule, Law, Membership};
use crate::provenance::Provenance;
use crate::Date;
use chrono::Datelike;
use serde::Serialize;
use std::sync::Arc;

/// How close to a known change an as-of date must be for a determination to mention it.
pub const NEAR_DAYS: i64 = 30;

/// The calendar as kept in a `Law`: the changes, oldest first, and their days (days from
/// the common era) for the lookups of [`Law::changes_near`].
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Calendar {
    changes: Vec<Arc<KnownChange>>,
    days: Vec<i32>,
}

/// One dated change in the rules data.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KnownChange {
    /// The first day the new state holds.
    pub date: Date,
    /// ISO code of the country the change concerns; `None` for one that concerns every
    /// transaction (a new text of 740.22, the affiliates rule).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// What changes, in one line.
    pub what: String,
    pub source: String,
    pub confidence: crate::Confidence,
}

impl KnownChange {
    fn new(date: Date, country: Option<&str>, what: String, p: &Provenance) -> Self {
        KnownChange {
            date,
            country: country.map(str::to_string),
            what,
            source: p.source.clone(),
            confidence: p.confidence,
        }
    }

    /// Whether the change concerns a transaction touching `countries`.
    pub fn concerns(&self, countries: &[&str]) -> bool {
        self.country
            .as_deref()
            .is_none_or(|c| countries.contains(&c))
    }
}

impl Law {
    /// Every dated change in the rules data, oldest first (worked out once per `Law`;
    /// shared, so that a determination naming some of them copies no text).
    pub fn calendar(&self) -> &[Arc<KnownChange>] {
        &self.calendar_index().changes
    }

    fn calendar_index(&self) -> &Calendar {
        self.calendar.get_or_init(|| {
            let changes: Vec<Arc<KnownChange>> =
                self.build_calendar().into_iter().map(Arc::new).collect();
            let days = changes.iter().map(|c| c.date.num_days_from_ce()).collect();
            Calendar { changes, days }
        })
    }

    fn build_calendar(&self) -> Vec<KnownChange> {
        let mut out = Vec::new();
        let (from, p) = self.controls_from();
        out.push(KnownChange::new(
            from,
            None,
            "the cybersecurity-item controls and License Exception ACE take effect".into(),
            p,
        ));
        for v in self.ace_versions() {
            let what = format!("the {} text of 740.22 applies", v.name);
            out.push(KnownChange::new(v.from, None, what, &v.provenance));
        }
        for g in self.groups() {
            for m in &g.members {
                memberships(&mut out, m, &format!("Country Group {}", g.id));
            }
        }
        for c in self.columns() {
            if let ColumnRule::XExcept(exceptions) = &c.rule {
                for m in exceptions {
                    let (joins, leaves) = (
                        format!("{} loses its X in column {}", m.country, c.id),
                        format!("{} has an X again in column {}", m.country, c.id),
                    );
                    dated(&mut out, m, joins, leaves);
                }
            }
        }
        for e in self.embargoes() {
            for d in &e.destinations {
                let on = format!("{} ({}) applies to {d}: {}", e.section, e.id, e.scope);
                let off = format!("{} ({}) no longer applies to {d}", e.section, e.id);
                push_dates(&mut out, e.from, e.until, Some(d), on, off, &e.provenance);
            }
        }
        for d in self.mil_intel_rows() {
            let on = format!("{} becomes a 744.22 destination", d.country);
            let off = format!("{} is no longer a 744.22 destination", d.country);
            dated(&mut out, d, on, off);
        }
        for t in &self.treated_as {
            let what = format!("{} is treated as {}", t.input, t.as_country);
            out.push(KnownChange::new(
                t.from,
                Some(&t.input),
                what,
                &t.provenance,
            ));
        }
        for f in self.red_flags() {
            let on = format!("red flag {} applies", f.id);
            let off = format!("red flag {} no longer applies", f.id);
            // A flag in force since the period ace models begins is not a change.
            let from = f.from.filter(|d| *d > from);
            push_dates(&mut out, from, f.until, None, on, off, &f.provenance);
        }
        for a in self.affiliates_periods() {
            let what = if a.in_force {
                "the affiliates rule (50% owned by listed parties) is in force"
            } else {
                "the affiliates rule is suspended"
            };
            out.push(KnownChange::new(a.from, None, what.into(), &a.provenance));
        }
        out.sort_by(|a, b| a.date.cmp(&b.date).then_with(|| a.what.cmp(&b.what)));
        out
    }

    /// The known changes within [`NEAR_DAYS`] of `date` (either side) that concern a
    /// transaction touching `countries`.
    pub fn changes_near(&self, date: Date, countries: &[&str]) -> Vec<Arc<KnownChange>> {
        // Day numbers, not dates: this runs for every determination.
        let Calendar { changes, days } = self.calendar_index();
        let day = date.num_days_from_ce();
        let span = NEAR_DAYS as i32;
        let start = days.partition_point(|&d| d < day - span);
        let end = days.partition_point(|&d| d <= day + span);
        changes[start..end]
            .iter()
            .filter(|c| c.concerns(countries))
            .cloned()
            .collect()
    }
}

fn memberships(out: &mut Vec<KnownChange>, m: &Membership, group: &str) {
    let on = format!("{} joins {group}", m.country);
    let off = format!("{} leaves {group}", m.country);
    dated(out, m, on, off);
}

fn dated(out: &mut Vec<KnownChange>, m: &Membership, on: String, off: String) {
    let country = Some(m.country.as_str());
    push_dates(out, m.from, m.until, country, on, off, &m.provenance);
}

fn push_dates(
    out: &mut Vec<KnownChange>,
    from: Option<Date>,
    until: Option<Date>,
    country: Option<&str>,
    on: String,
    off: String,
    p: &Provenance,
) {
    if let Some(f) = from {
        out.push(KnownChange::new(f, country, on, p));
    }
    if let Some(u) = until {
        out.push(KnownChange::new(u, country, off, p));
    }
}

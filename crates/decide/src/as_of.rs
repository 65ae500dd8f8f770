//! The lists as of the determination's date: a list membership decides only if its entry
//! was listed on or before the as-of date and not removed by then.
//!
//! Screening states each membership's listing dates (`lists::dates`: the list's own
//! start and end dates, an Entity List entry's Federal Register date). Before the review:
//!
//! - an entry listed after the as-of date is taken out and shown as "listed later (on
//!   …)"; one removed on or before it, as "removed (on …)";
//! - an entry whose listing date is unknown (OFAC's legacy files carry none), or only
//!   bracketed by unverified dates that contain the as-of date, is applied — the safe
//!   side: it can only make the answer stricter — and the determination says so and is
//!   marked unverified, unless the snapshot it came from was published on or before the
//!   as-of date (then the entry was certainly listed by then);
//! - when the snapshot screened against was published after the as-of date, no snapshot
//!   covers that date: entries are filtered by their listing dates, but an entry removed
//!   before the snapshot was published is not in it, so the answer cannot show a party
//!   was not listed on the as-of date. It says so, and is marked unverified.
//!
//! A membership stated by the caller without any date applies on every date, as before.
//! Without the snapshot's publication date (a caller that screened without saying it),
//! entries listed later or removed are still taken out, but nothing else is remarked.

use crate::determination::{Determination, Finding, Step};
use crate::error::InputError;
use crate::transaction::{ListCode, ListHit, OwnerInput, PartyInput, Role, Transaction};
use ear::{Confidence, Date};
use std::borrow::Cow;

/// What the as-of date does to one dated membership.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Standing {
    /// Listed on the date, as far as the data can show: applied, nothing to say.
    Listed,
    /// Listed on the date: applied, with a note (the date matters: an as-of date before
    /// the snapshot's), `verified` when the listing date rests on verified data.
    ListedNoted { verified: bool },
    /// Applied on the safe side: the listing date is unknown or uncertain around the date.
    Unsure,
    /// Listed after the date (`verified`: the date is exact and verified).
    Later { on: String, verified: bool },
    /// Removed on or before the date.
    Removed { on: String },
}

/// The transaction with the memberships not in force on its date taken out (`None` when
/// nothing changed), and the findings that say what the dates did.
pub(crate) struct AsOf {
    pub(crate) tx: Option<Transaction>,
    findings: Vec<Finding>,
}

impl AsOf {
    /// Adds the findings to the parties step of `d`'s trace and marks `d` unverified
    /// when one rests on unverified data.
    pub(crate) fn annotate(self, d: &mut Determination) {
        if self.findings.is_empty() {
            return;
        }
        d.unverified |= self.findings.iter().any(Finding::rests_on_unverified);
        let at = d
            .trace
            .iter()
            .position(|f| {
                !matches!(
                    f.step,
                    Step::Period | Step::SubjectToEar | Step::Classification | Step::Parties
                )
            })
            .unwrap_or(d.trace.len());
        d.trace.splice(at..at, self.findings);
    }
}

/// Checks every dated membership of `tx` (parties and owners, through the layers) against
/// `tx.date`; returns the transaction without the memberships not in force, and the
/// findings. A malformed date is an input error naming the field.
pub(crate) fn apply(tx: &Transaction) -> Result<AsOf, InputError> {
    let published = tx.screened_against.as_ref().and_then(|s| s.published);
    let mut findings = Vec::new();
    if let (Some(snapshot), Some(p)) = (&tx.screened_against, published) {
        if p > tx.date {
            findings.push(coverage_finding(tx, &snapshot.hash, p));
        }
    }
    let any_dated = tx
        .all_parties()
        .any(|(_, p)| has_dated(&p.lists, &p.owners));
    if !any_dated {
        return Ok(AsOf { tx: None, findings });
    }
    let mut out = tx.clone();
    let mut changed = false;
    let roles: Vec<Role> = tx.all_parties().map(|(r, _)| r).collect();
    for (index, role) in roles.into_iter().enumerate() {
        let Some(party) = out.party_mut(index) else {
            continue;
        };
        let field = role.field().to_string();
        let who = party
            .name
            .clone()
            .unwrap_or_else(|| role.label().to_string());
        changed |= filter_party(
            party,
            &field,
            &format!("the {} {who}", role.label()),
            tx.date,
            published,
            &mut findings,
        )?;
    }
    Ok(AsOf {
        tx: changed.then_some(out),
        findings,
    })
}

fn has_dated(lists: &[ListHit], owners: &[OwnerInput]) -> bool {
    lists.iter().any(ListHit::is_dated) || owners.iter().any(|o| has_dated(&o.lists, &o.owners))
}

/// Filters one party's memberships and its owners'; true when something was taken out.
fn filter_party(
    party: &mut PartyInput,
    field: &str,
    who: &str,
    date: Date,
    published: Option<Date>,
    findings: &mut Vec<Finding>,
) -> Result<bool, InputError> {
    let mut changed = filter_lists(&mut party.lists, field, who, date, published, findings)?;
    changed |= filter_owners(&mut party.owners, field, date, published, findings)?;
    Ok(changed)
}

fn filter_owners(
    owners: &mut [OwnerInput],
    field: &str,
    date: Date,
    published: Option<Date>,
    findings: &mut Vec<Finding>,
) -> Result<bool, InputError> {
    let mut changed = false;
    for (i, owner) in owners.iter_mut().enumerate() {
        let field = format!("{field}.owners[{i}]");
        let who = format!("the owner {}", owner.name.as_deref().unwrap_or("(unnamed)"));
        changed |= filter_lists(&mut owner.lists, &field, &who, date, published, findings)?;
        changed |= filter_owners(&mut owner.owners, &field, date, published, findings)?;
    }
    Ok(changed)
}

fn filter_lists(
    lists: &mut Vec<ListHit>,
    field: &str,
    who: &str,
    date: Date,
    published: Option<Date>,
    findings: &mut Vec<Finding>,
) -> Result<bool, InputError> {
    let before = lists.len();
    let mut kept = Vec::with_capacity(before);
    for (i, hit) in std::mem::take(lists).into_iter().enumerate() {
        if !hit.is_dated() {
            kept.push(hit);
            continue;
        }
        let field = format!("{field}.lists[{i}]");
        let standing = standing(&hit, &field, date, published)?;
        if let Some(f) = finding(&hit, &standing, who, date) {
            findings.push(f);
        }
        if matches!(
            standing,
            Standing::Listed | Standing::ListedNoted { .. } | Standing::Unsure
        ) {
            kept.push(hit);
        }
    }
    *lists = kept;
    Ok(lists.len() != before)
}

/// Parses an optional `YYYY-MM-DD` field of a membership.
fn date_field(value: &Option<String>, field: &str, name: &str) -> Result<Option<Date>, InputError> {
    match value {
        None => Ok(None),
        Some(s) => ear::parse_date(s).map(Some).ok_or_else(|| {
            InputError::new(
                format!("{field}.{name}"),
                format!("'{s}' is not a date; give YYYY-MM-DD, e.g. 2023-07-18"),
            )
        }),
    }
}

/// Where a membership stands on `date`. Checks, in order: removed on or before the date;
/// an exact listing date after it; the snapshot published by the date (certainly listed);
/// a bracket wholly after the date; a bracket wholly before it; else unsure.
fn standing(
    hit: &ListHit,
    field: &str,
    date: Date,
    published: Option<Date>,
) -> Result<Standing, InputError> {
    let standing = dated_standing(hit, field, date, published)?;
    // Without the snapshot's date (a caller that did not say it) nothing shows whether the
    // date matters: an entry not shown to be listed later or removed applies, unremarked.
    Ok(match standing {
        Standing::ListedNoted { .. } | Standing::Unsure if published.is_none() => Standing::Listed,
        other => other,
    })
}

/// [`standing`] before the caller's lack of a snapshot date is taken into account.
fn dated_standing(
    hit: &ListHit,
    field: &str,
    date: Date,
    published: Option<Date>,
) -> Result<Standing, InputError> {
    let listed_on = date_field(&hit.listed_on, field, "listed_on")?;
    let not_before = date_field(&hit.listed_not_before, field, "listed_not_before")?;
    let by = date_field(&hit.listed_by, field, "listed_by")?;
    let removed = date_field(&hit.removed_on, field, "removed_on")?;
    let verified = !hit.listing_unverified;
    if let Some(r) = removed.filter(|r| *r <= date) {
        return Ok(Standing::Removed { on: r.to_string() });
    }
    // The snapshot was published on or before the date: the entry was listed by then.
    let covered = published.is_some_and(|p| p <= date);
    if let Some(on) = listed_on {
        return Ok(if on > date {
            Standing::Later {
                on: on.to_string(),
                verified,
            }
        } else if covered {
            Standing::Listed
        } else {
            Standing::ListedNoted { verified }
        });
    }
    if covered {
        return Ok(Standing::Listed);
    }
    if let Some(nb) = not_before.filter(|nb| *nb > date) {
        return Ok(Standing::Later {
            on: format!("not before {nb}"),
            verified: false,
        });
    }
    if by.is_some_and(|b| b <= date) {
        return Ok(Standing::ListedNoted { verified });
    }
    Ok(Standing::Unsure)
}

/// The citation of a list's effect, with the entry's Federal Register citation.
fn citation(hit: &ListHit) -> String {
    let list = match hit.list {
        ListCode::EntityList => "15 CFR 744.11; 15 CFR part 744, supp. no. 4",
        ListCode::DeniedPersons => "15 CFR 736.2(b)(4) (General Prohibition Four)",
        ListCode::Unverified => "15 CFR 744.15; 15 CFR part 744, supp. no. 6",
        ListCode::MilitaryEndUser => "15 CFR 744.21; 15 CFR part 744, supp. no. 7",
        ListCode::Sdn => "31 CFR chapter V (OFAC sanctions regulations)",
    };
    match hit.federal_register.as_deref().map(str::trim) {
        Some(fr) if !fr.is_empty() => format!("{list}; {fr}"),
        _ => list.to_string(),
    }
}

/// The finding for one membership's standing (`None` when there is nothing to say).
fn finding(hit: &ListHit, standing: &Standing, who: &str, date: Date) -> Option<Finding> {
    let entry = format!(
        "{} ({}{})",
        hit.name.as_deref().unwrap_or("a listed entry"),
        hit.list.code(),
        hit.id
            .as_deref()
            .map(|id| format!(" entry {id}"))
            .unwrap_or_default()
    );
    let basis = hit
        .listing
        .as_deref()
        .unwrap_or("dates stated with the membership");
    let (check, held, because, confidence) = match standing {
        Standing::Listed => return None,
        Standing::ListedNoted { verified } => (
            "a list entry was in force on the as-of date",
            true,
            format!(
                "{who} matches {entry}, listed {} — before {date}: applied ({basis})",
                hit.listed_on
                    .as_deref()
                    .map(|d| format!("on {d}"))
                    .or_else(|| hit.listed_by.as_deref().map(|d| format!("by {d}")))
                    .unwrap_or_default()
            ),
            if *verified {
                Confidence::Summary
            } else {
                Confidence::Unverified
            },
        ),
        Standing::Unsure => (
            "a list entry was in force on the as-of date",
            true,
            format!(
                "{who} matches {entry}, whose listing date on or before {date} cannot be shown ({basis}): applied on the safe side, as if listed by then — confirm when it was listed"
            ),
            Confidence::Unverified,
        ),
        Standing::Later { on, verified } => (
            "a list entry was in force on the as-of date",
            false,
            format!(
                "{who} matches {entry}, listed later ({}): not on the list on {date}, so it does not decide ({basis})",
                if on.starts_with("not before") { on.clone() } else { format!("on {on}") }
            ),
            if *verified {
                Confidence::Summary
            } else {
                Confidence::Unverified
            },
        ),
        Standing::Removed { on } => (
            "a list entry was in force on the as-of date",
            false,
            format!(
                "{who} matches {entry}, removed from the list on {on}: not on the list on {date}, so it does not decide ({basis})"
            ),
            Confidence::Summary,
        ),
    };
    Some(Finding {
        step: Step::Parties,
        citation: Cow::Owned(citation(hit)),
        check,
        held,
        because: Cow::Owned(because),
        confidence,
    })
}

/// The statement that no snapshot covers the as-of date.
fn coverage_finding(tx: &Transaction, hash: &str, published: Date) -> Finding {
    let short = &hash[..hash.len().min(12)];
    Finding {
        step: Step::Parties,
        citation: Cow::Owned(format!(
            "list snapshot {short} (published {published})"
        )),
        check: "a list snapshot covers the as-of date",
        held: false,
        because: Cow::Owned(format!(
            "no list snapshot covers {}: the parties were screened against snapshot {short}, published {published}; entries are filtered by their listing dates, but an entry removed from a list before {published} is not in it, so this answer cannot show that a party was not listed on {} (import a snapshot published on or before that date to settle it)",
            tx.on, tx.on
        )),
        confidence: Confidence::Unverified,
    }
}

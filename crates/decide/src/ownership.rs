//! A party restricted through its owners.
//!
//! - OFAC's 50 Percent Rule: an entity owned 50% or more, in the aggregate, directly or
//!   indirectly, by blocked persons is blocked too — added up through the layers (an owner
//!   that is itself 50% owned by blocked persons is blocked).
//! - BIS's affiliates rule (90 FR 47201): while in force, an entity owned 50% or more by
//!   Entity List parties takes their Entity List license requirement.
//! - An owner known to be listed whose share is unknown (Red Flag 29): the party's
//!   membership is *possible*, so the answer holds until a person learns the share.
//!
//! The result is stated as list memberships of the party (`via_owners` says how), so the
//! order of review and [`crate::hold`] treat them like any other.

use crate::transaction::{
    ListCode, ListHit, MembershipStatus, OwnerInput, PartyInput, Transaction,
};
use ear::{Date, Law};

/// How far an owner (or the owners of a party, added up) carries a list's restriction.
#[derive(Debug, Default)]
struct Share {
    /// Owned by confirmed listed (or blocked) owners, in percent.
    confirmed: f64,
    /// Owned by owners whose listing is only possible.
    possible: f64,
    /// Names of listed owners whose share is unknown.
    unknown: Vec<String>,
    /// The listed owners, "NAME (30%)", and the first one's entry (for the EL requirement).
    named: Vec<String>,
    entry: Option<ListHit>,
}

/// The transaction with memberships its parties take from their owners.
pub(crate) fn attribute(tx: &Transaction, law: &Law) -> Option<Transaction> {
    let has_owners = tx.all_parties().any(|(_, p)| !p.owners.is_empty());
    if !has_owners {
        return None;
    }
    let mut out = tx.clone();
    let derive = |p: &mut PartyInput| {
        let found = memberships(&p.owners, law, tx.date);
        p.lists.extend(found);
    };
    derive(&mut out.end_user);
    out.parties.iter_mut().for_each(|(_, p)| derive(p));
    Some(out)
}

/// The memberships a party with these owners takes.
fn memberships(owners: &[OwnerInput], law: &Law, date: Date) -> Vec<ListHit> {
    let mut out = Vec::new();
    let (threshold, (citation, prov)) = law.ofac_fifty_percent();
    let blocked = share(owners, ListCode::Sdn, threshold);
    if let Some(hit) = membership(
        &blocked,
        ListCode::Sdn,
        threshold,
        || format!("OFAC's 50 Percent Rule ({citation}; {})", prov.source),
        law,
    ) {
        out.push(hit);
    }
    if let Some(rule) = law.affiliates_rule(date).filter(|r| r.in_force) {
        let listed = share(owners, ListCode::EntityList, rule.threshold_percent);
        let source = rule.provenance.source.clone();
        if let Some(hit) = membership(
            &listed,
            ListCode::EntityList,
            rule.threshold_percent,
            || format!("BIS's affiliates rule ({source})"),
            law,
        ) {
            out.push(hit);
        }
    }
    out
}

/// The party's membership of `list` through owners holding `share`.
fn membership(
    share: &Share,
    list: ListCode,
    threshold: f64,
    rule: impl Fn() -> String,
    law: &Law,
) -> Option<ListHit> {
    let owners = share.named.join(", ");
    let (status, reason) = if share.confirmed >= threshold {
        (MembershipStatus::Confirmed, None)
    } else if share.confirmed + share.possible >= threshold {
        (
            MembershipStatus::Possible,
            Some(format!("owned {:.0}% by owners whose listing is possible ({owners}): confirm the owners' matches", share.confirmed + share.possible)),
        )
    } else if !share.unknown.is_empty() {
        let (flag, _) = law.unknown_share_flag();
        (
            MembershipStatus::Possible,
            Some(format!(
                "owned by {} ({} listed) with an unknown share: {flag}; learn the share",
                share.unknown.join(", "),
                list.code()
            )),
        )
    } else {
        return None;
    };
    let base = share.entry.clone()?;
    Some(ListHit {
        list,
        status,
        reason,
        name: Some(format!(
            "{} (owner)",
            base.name.as_deref().unwrap_or("listed owner")
        )),
        id: base.id.clone(),
        via_owners: Some(format!(
            "{}: owned {:.0}% in the aggregate by listed owners — {owners}",
            rule(),
            share.confirmed + share.possible
        )),
        score: None,
        ..base
    })
}

/// What share of a party owners listed on `list` hold, through the layers.
fn share(owners: &[OwnerInput], list: ListCode, threshold: f64) -> Share {
    let mut out = Share::default();
    for o in owners {
        let direct = o.lists.iter().find(|h| h.list == list);
        let below = share(&o.owners, list, threshold);
        let (status, entry) = match direct {
            Some(h) => (Some(h.status), Some(h.clone())),
            None if below.confirmed >= threshold => {
                (Some(MembershipStatus::Confirmed), below.entry.clone())
            }
            None if below.confirmed + below.possible >= threshold || !below.unknown.is_empty() => {
                (Some(MembershipStatus::Possible), below.entry.clone())
            }
            None => (None, None),
        };
        let Some(status) = status else { continue };
        let name = o
            .name
            .clone()
            .unwrap_or_else(|| "an unnamed owner".to_string());
        if out.entry.is_none() {
            out.entry = entry;
        }
        match o.percent {
            None => out.unknown.push(name.clone()),
            Some(p) if status == MembershipStatus::Confirmed => out.confirmed += p,
            Some(p) => out.possible += p,
        }
        out.named.push(match o.percent {
            Some(p) => format!("{name} ({p}%)"),
            None => format!("{name} (share unknown)"),
        });
    }
    out
}

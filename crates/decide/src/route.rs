//! The whole route: exporter → each intermediate consignee → consignee → end user.
//!
//! The order of review ([`crate::review`]) decides one leg: the transaction's destination
//! and end user. A route with intermediate consignees, or a consignee or end user located
//! elsewhere than the destination, has more legs; each is decided with the full order of
//! review, the receiving party's location as destination and its kind as the end user's
//! (part 746 and the Country Chart "apply to every leg of a route that reaches such a
//! country, not only to the final destination" — REGULATION.md §5 step 5). The
//! transaction's outcome is the strictest leg's, and the answer names that leg.

use crate::determination::{Determination, Finding, LegKind, LegReport, Outcome, Step};
use crate::error::InputError;
use crate::review::{decide_leg, decide_other_leg};
use crate::transaction::{EndUserKind, IntermediateRole, PartyInput, Role, Transaction};
use ear::{Confidence, Destination, Law};

/// The reading ace applies to a forwarder's leg, which the texts it holds leave open.
const FORWARDER_READING: &str = "a forwarder only moves the goods, and whether goods passing through its country are exported there is not settled by the texts ace holds; ace applies the stricter reading and decides the leg as an export to the forwarder's country, the forwarder a non-government party unless stated otherwise (BIS announced the rule as reaching \"any buyers, including middlemen, located in Russia or China\")";

/// A leg other than the one to the destination.
struct Leg {
    from: String,
    to: Destination,
    kind: LegKind,
    role: Role,
    /// Index in [`Transaction::all_parties`].
    party: usize,
    /// For an intermediate consignee, its index in `intermediate_consignees` (the JSON
    /// path an error names is worked out only when there is one).
    intermediate: usize,
}

impl Leg {
    fn field(&self) -> String {
        match self.role {
            Role::IntermediateConsignee => {
                format!("intermediate_consignees[{}]", self.intermediate)
            }
            r => r.field().to_string(),
        }
    }
}

/// Decides every leg on the confirmed list memberships; the strictest decides.
pub(crate) fn decide_settled(tx: &Transaction, law: &Law) -> Result<Determination, InputError> {
    let mut main = decide_leg(tx, law)?;
    if tx.deemed_export || main.outcome == Outcome::NotSubject || single_leg(tx) {
        return Ok(main);
    }
    let (legs, final_from) = plan(tx);
    if legs.is_empty() && tx.exporter_country.is_none() {
        return Ok(main);
    }
    let mut reports = Vec::with_capacity(legs.len() + 1);
    let mut decided = Vec::with_capacity(legs.len());
    for leg in &legs {
        let mut d =
            decide_other_leg(&leg_transaction(tx, leg), law).map_err(|e| remap(e, &leg.field()))?;
        reports.push(report(tx, leg, &mut d));
        decided.push(d);
    }
    let final_kind = kind_between(&final_from, &tx.destination);
    reports.push(LegReport {
        from: final_from,
        to: tx.destination.embargo_key().to_string(),
        kind: final_kind,
        role: Role::EndUser,
        party: tx.end_user.name.clone(),
        outcome: main.outcome,
        citations: citations(&main),
        unverified: main.unverified,
        reading: None,
        trace: Vec::new(),
    });
    let final_index = reports.len() - 1;
    let deciding = strictest(&reports, final_index);
    if deciding != final_index {
        let d = decided.swap_remove(deciding);
        // The transaction's own steps (period, classification, parties), then the
        // deciding leg's; the destination leg keeps its whole trace in its report.
        let mut trace: Vec<Finding> = main
            .trace
            .iter()
            .filter(|f| {
                matches!(
                    f.step,
                    Step::Period | Step::SubjectToEar | Step::Classification | Step::Parties
                )
            })
            .cloned()
            .collect();
        trace.append(&mut reports[deciding].trace);
        reports[final_index].trace = std::mem::replace(&mut main.trace, trace);
        main.outcome = d.outcome;
        main.review_policy = d.review_policy.or(main.review_policy);
        main.unverified = reports[deciding].unverified;
    }
    for (i, r) in reports.iter().enumerate() {
        main.trace.push(route_finding(r, i == deciding));
    }
    main.legs = reports;
    main.deciding_leg = Some(deciding);
    Ok(main)
}

/// The common case, answered without planning: exported from the United States, every
/// located party at the destination, no intermediate consignee.
fn single_leg(tx: &Transaction) -> bool {
    let destination = tx.destination.embargo_key();
    tx.exporter_country.is_none()
        && tx
            .all_parties()
            .zip(&tx.locations)
            .all(|((role, _), place)| {
                role == Role::Purchaser
                    || place.as_ref().is_none_or(|d| {
                        role != Role::IntermediateConsignee && d.embargo_key() == destination
                    })
            })
}

/// The legs before the destination, in route order (their `from` and kind linked by
/// [`rechain`]), and the country the leg to the destination leaves.
fn plan(tx: &Transaction) -> (Vec<Leg>, String) {
    let destination = tx.destination.embargo_key();
    let mut legs = Vec::new();
    let mut intermediate = 0;
    for (index, (role, party)) in tx.all_parties().enumerate() {
        let at = intermediate;
        intermediate += usize::from(role == Role::IntermediateConsignee);
        let Some(to) = tx.locations.get(index).cloned().flatten() else {
            continue;
        };
        let receives = match role {
            Role::IntermediateConsignee => true,
            Role::Consignee | Role::EndUser => to.embargo_key() != destination,
            Role::Purchaser => false,
        };
        if !receives {
            continue;
        }
        let kind = match party.role {
            Some(IntermediateRole::Forwarder) => LegKind::Transit,
            _ => LegKind::Export,
        };
        legs.push(Leg {
            from: String::new(),
            to,
            kind,
            role,
            party: index,
            intermediate: at,
        });
    }
    // The end user is listed first; the route runs exporter → intermediates → consignee
    // → end user, so the end user's own leg (if any) comes last.
    if let Some(pos) = legs.iter().position(|l| l.role == Role::EndUser) {
        let end_user = legs.remove(pos);
        legs.push(end_user);
    }
    rechain(&mut legs, tx);
    let last = legs
        .last()
        .map(|l| l.to.embargo_key().to_string())
        .unwrap_or_else(|| origin(tx));
    (legs, last)
}

/// Re-links `from` after reordering: each leg leaves where the previous one arrived.
fn rechain(legs: &mut [Leg], tx: &Transaction) {
    let mut from = origin(tx);
    for leg in legs.iter_mut() {
        leg.from = from.clone();
        if leg.kind != LegKind::Transit {
            leg.kind = kind_between(&from, &leg.to);
        }
        from = leg.to.embargo_key().to_string();
    }
}

fn origin(tx: &Transaction) -> String {
    tx.exporter_country
        .as_ref()
        .map(|d| d.embargo_key().to_string())
        .unwrap_or_else(|| "US".to_string())
}

/// Export from the United States, reexport between two other countries, in-country
/// transfer within one.
fn kind_between(from: &str, to: &Destination) -> LegKind {
    if from == to.embargo_key() {
        LegKind::InCountryTransfer
    } else if from == "US" {
        LegKind::Export
    } else {
        LegKind::Reexport
    }
}

/// The transaction as one leg sees it: the receiving party as end user, at its location.
/// Built field by field: the other parties, their locations and the red flags are the
/// whole transaction's business, not the leg's.
fn leg_transaction(tx: &Transaction, leg: &Leg) -> Transaction {
    let party = tx
        .all_parties()
        .nth(leg.party)
        .map(|(_, p)| p)
        .cloned()
        .unwrap_or_default();
    let kind = match (party.kind, leg.kind) {
        (None, LegKind::Transit) => Some(EndUserKind::NonGovernment),
        (k, _) => k,
    };
    Transaction {
        id: None,
        date: tx.date,
        on: tx.on.clone(),
        item: tx.item.clone(),
        destination: leg.to.clone(),
        // List memberships are the whole transaction's: the final leg's review shows them.
        end_user: PartyInput {
            kind,
            lists: Vec::new(),
            owners: Vec::new(),
            ..party
        },
        parties: Vec::new(),
        purpose: tx.purpose,
        deemed_export: tx.deemed_export,
        knowledge_unauthorized_use: tx.knowledge_unauthorized_use,
        military_intelligence_end_use: tx.military_intelligence_end_use,
        exporter_country: None,
        locations: Vec::new(),
        red_flags: Vec::new(),
        resolved_red_flags: Vec::new(),
        confirmed_red_flags: Vec::new(),
        screened_against: None,
    }
}

/// The leg's report; its trace is moved out of `d`.
fn report(tx: &Transaction, leg: &Leg, d: &mut Determination) -> LegReport {
    let party = tx.all_parties().nth(leg.party).map(|(_, p)| p);
    LegReport {
        from: leg.from.clone(),
        to: leg.to.embargo_key().to_string(),
        kind: leg.kind,
        role: leg.role,
        party: party.and_then(|p| p.name.clone()),
        outcome: d.outcome,
        citations: citations(d),
        unverified: d.unverified || leg.kind == LegKind::Transit,
        reading: (leg.kind == LegKind::Transit).then(|| FORWARDER_READING.to_string()),
        trace: std::mem::take(&mut d.trace),
    }
}

fn citations(d: &Determination) -> Vec<String> {
    d.deciding_citations()
        .into_iter()
        .map(str::to_string)
        .collect()
}

/// The strictest leg; on a tie, the leg to the destination, then the earliest.
fn strictest(reports: &[LegReport], final_index: usize) -> usize {
    let top = reports
        .iter()
        .map(|r| r.outcome.strictness())
        .max()
        .unwrap_or(0);
    if reports[final_index].outcome.strictness() == top {
        return final_index;
    }
    reports
        .iter()
        .position(|r| r.outcome.strictness() == top)
        .unwrap_or(final_index)
}

/// One finding per leg, so the trace names every leg and the one that decided.
fn route_finding(r: &LegReport, deciding: bool) -> Finding {
    let who = r
        .party
        .as_deref()
        .map(|n| format!("{} {n}", r.role.label()))
        .unwrap_or_else(|| r.role.label().to_string());
    let mut because = format!(
        "{} → {} ({}) to the {who}: {}{}",
        r.from,
        r.to,
        r.kind.label(),
        r.outcome.code(),
        if r.citations.is_empty() {
            String::new()
        } else {
            format!(" ({})", r.citations.join("; "))
        }
    );
    if deciding {
        because.push_str("; the strictest leg: it decides the transaction");
    }
    if let Some(reading) = &r.reading {
        because.push_str(&format!("; reading applied: {reading}"));
    }
    Finding {
        step: Step::Route,
        citation: leg_citation(r.kind).into(),
        check: "a leg of the route needs a license or is prohibited",
        held: r.outcome.strictness() >= Outcome::LicenseRequired.strictness(),
        because: because.into(),
        confidence: if r.unverified {
            Confidence::Unverified
        } else {
            Confidence::Summary
        },
    }
}

fn leg_citation(kind: LegKind) -> &'static str {
    match kind {
        LegKind::Export => "15 CFR 734.13 (export)",
        LegKind::Reexport => "15 CFR 734.14 (reexport)",
        LegKind::InCountryTransfer => "15 CFR 734.16 (transfer (in-country))",
        LegKind::Transit => "15 CFR 734.13; 15 CFR 734.14 (goods in transit: reading applied)",
    }
}

/// An error about the leg's end user is about the party that receives on that leg.
fn remap(mut e: InputError, field: &str) -> InputError {
    if let Some(rest) = e.field.strip_prefix("end_user") {
        e.field = format!("{field}{rest}");
    }
    e
}

//! The whole route: exporter → each intermediate consignee → consignee → end user.
//!
//! The order of review ([`crate::review`]) decides one leg: the transaction's destination
//! and end user. A route with intermediate consignees, or a consignee or end user located
//! elsewhere than the destination, has more legs; each is decided with the full order of
//! review, the receiving party's location as destination and its kind as the end user's
//! (part 746 and the Country Chart "apply to every leg of a route that reaches such a
//! country, not only to the final destination" — REGULATION.md §5 step 5). The
//! transaction's outcome is the strictest leg's, and the answer names that leg.

use crate::determination::{
    deciding_findings, Determination, Finding, LegKind, LegReport, Outcome, Step,
};
use crate::error::InputError;
use crate::review::{decide_leg, decide_other_leg, LegDecision, Receiver};
use crate::transaction::{EndUserKind, IntermediateRole, PartyInput, Role, Transaction};
use ear::{Confidence, Destination, Law};
use std::borrow::Cow;

/// The reading ace applies to a forwarder's leg, which the texts it holds leave open.
const FORWARDER_READING: &str = "a forwarder only moves the goods, and whether goods passing through its country are exported there is not settled by the texts ace holds; ace applies the stricter reading and decides the leg as an export to the forwarder's country, the forwarder a non-government party unless stated otherwise (BIS announced the rule as reaching \"any buyers, including middlemen, located in Russia or China\")";

/// A leg other than the one to the destination, borrowed from the transaction.
struct Leg<'a> {
    from: &'a str,
    to: &'a Destination,
    kind: LegKind,
    role: Role,
    party: &'a PartyInput,
    /// For an intermediate consignee, its index in `intermediate_consignees` (the JSON
    /// path an error names is worked out only when there is one).
    intermediate: usize,
}

impl<'a> Leg<'a> {
    /// The transaction as this leg sees it: the receiving party as end user, at its
    /// location (a forwarder not stated to be anything else is a non-government party).
    fn receiver(&self) -> Receiver<'a> {
        let kind = match (self.party.kind, self.kind) {
            (None, LegKind::Transit) => Some(EndUserKind::NonGovernment),
            (k, _) => k,
        };
        Receiver {
            destination: self.to,
            party: self.party,
            kind,
        }
    }

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
    // Planned before the leg to the destination is decided, so that its trace has room for
    // the route's findings from the start.
    let route = (!tx.deemed_export && !single_leg(tx))
        .then(|| plan(tx))
        .filter(|(legs, _)| !legs.is_empty() || tx.exporter_country.is_some());
    let route_findings = route.as_ref().map_or(0, |(legs, _)| legs.len() + 1);
    let (mut main, settled) = decide_leg(tx, law, route_findings)?;
    // One leg, or an item not subject to the EAR on any leg (nothing settled): the leg to
    // the destination answers.
    let (Some(settled), Some((legs, final_from))) = (settled, route) else {
        return Ok(main);
    };
    let mut reports = Vec::with_capacity(legs.len() + 1);
    let mut decided = Vec::with_capacity(legs.len());
    for leg in &legs {
        let mut d = decide_other_leg(tx, law, settled, leg.receiver())
            .map_err(|e| remap(e, &leg.field()))?;
        reports.push(report(leg, &mut d));
        decided.push(d);
    }
    reports.push(LegReport {
        from: final_from.to_string(),
        to: tx.destination.embargo_key().to_string(),
        kind: kind_between(final_from, &tx.destination),
        role: Role::EndUser,
        party: tx.end_user.name.clone(),
        outcome: main.outcome,
        citations: citations(main.outcome, &main.trace),
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
fn plan(tx: &Transaction) -> (Vec<Leg<'_>>, &str) {
    let destination = tx.destination.embargo_key();
    let mut legs = Vec::new();
    let mut intermediate = 0;
    for (index, (role, party)) in tx.all_parties().enumerate() {
        let at = intermediate;
        intermediate += usize::from(role == Role::IntermediateConsignee);
        let Some(to) = tx.locations.get(index).and_then(Option::as_ref) else {
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
            from: "",
            to,
            kind,
            role,
            party,
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
        .map_or_else(|| origin(tx), |l| l.to.embargo_key());
    (legs, last)
}

/// Re-links `from` after reordering: each leg leaves where the previous one arrived.
fn rechain<'a>(legs: &mut [Leg<'a>], tx: &'a Transaction) {
    let mut from = origin(tx);
    for leg in legs.iter_mut() {
        leg.from = from;
        if leg.kind != LegKind::Transit {
            leg.kind = kind_between(from, leg.to);
        }
        from = leg.to.embargo_key();
    }
}

fn origin(tx: &Transaction) -> &str {
    tx.exporter_country
        .as_ref()
        .map_or("US", Destination::embargo_key)
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

/// The leg's report; its trace is moved out of `d`.
fn report(leg: &Leg<'_>, d: &mut LegDecision) -> LegReport {
    LegReport {
        from: leg.from.to_string(),
        to: leg.to.embargo_key().to_string(),
        kind: leg.kind,
        role: leg.role,
        party: leg.party.name.clone(),
        outcome: d.outcome,
        citations: citations(d.outcome, &d.trace),
        unverified: d.unverified || leg.kind == LegKind::Transit,
        reading: (leg.kind == LegKind::Transit).then_some(Cow::Borrowed(FORWARDER_READING)),
        trace: std::mem::take(&mut d.trace),
    }
}

/// [`Determination::deciding_citations`] of a leg, shared with its findings rather than
/// copied (most are the engine's own static texts).
fn citations(outcome: Outcome, trace: &[Finding]) -> Vec<Cow<'static, str>> {
    let mut out: Vec<Cow<'static, str>> = deciding_findings(outcome, trace)
        .map(|f| f.citation.clone())
        .collect();
    out.dedup();
    out
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

/// One finding per leg, so the trace names every leg and the one that decided:
/// `NL → FR (transit) to the intermediate consignee Example: ACE (15 CFR 740.22(a); …)`.
fn route_finding(r: &LegReport, deciding: bool) -> Finding {
    // Written piece by piece into one string sized once: `format!` with a joined list
    // costs several times more, and a route writes one of these per leg. The fixed words
    // take fewer than 160 bytes.
    let citations: usize = r.citations.iter().map(|c| c.len() + 2).sum();
    let name = r.party.as_deref().map_or(0, str::len);
    let reading = r.reading.as_deref().map_or(0, str::len);
    let mut because = String::with_capacity(160 + name + citations + reading);
    for piece in [&r.from, " → ", &r.to, " (", r.kind.label(), ") to the "] {
        because.push_str(piece);
    }
    because.push_str(r.role.label());
    if let Some(name) = &r.party {
        because.push(' ');
        because.push_str(name);
    }
    because.push_str(": ");
    because.push_str(r.outcome.code());
    for (i, citation) in r.citations.iter().enumerate() {
        because.push_str(if i == 0 { " (" } else { "; " });
        because.push_str(citation);
    }
    if !r.citations.is_empty() {
        because.push(')');
    }
    if deciding {
        because.push_str("; the strictest leg: it decides the transaction");
    }
    if let Some(reading) = &r.reading {
        because.push_str("; reading applied: ");
        because.push_str(reading);
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

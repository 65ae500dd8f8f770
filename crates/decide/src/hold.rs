//! HOLD: ace does not authorize while anything a person must resolve is open.
//!
//! A transaction may carry *possible* list memberships (a screening match in the review
//! band, or one that rests on generic words alone). Each is decided both ways: the
//! transaction without any of them gives the outcome "if every match is a false
//! positive"; the transaction with one of them confirmed gives the outcome "if that match
//! is true". When some resolution would change the answer, the outcome is `HOLD` and the
//! determination lists every open item with both answers. When none would (the answer is
//! already PROHIBITED, or the list has no effect here), the settled answer stands and the
//! trace says the open matches were weighed.
//!
//! Why a hold is the law's answer and not ace's caution: BIS's "Know Your Customer"
//! guidance (15 CFR part 732, supp. no. 3) makes an unresolved red flag — and a possible
//! list match is one — a duty to inquire before proceeding; acting on it regardless is
//! acting with knowledge (15 CFR 764.2(e)).

use crate::determination::{Determination, Finding, Hold, HoldKind, Outcome, Resolution, Step};
use crate::error::InputError;
use crate::route::decide_settled;
use crate::transaction::{ListHit, MembershipStatus, Transaction};
use ear::{Confidence, Law};

/// The citation of the duty to resolve an open match before proceeding.
pub const HOLD_CITATION: &str =
    "15 CFR part 732, supp. no. 3 (Know Your Customer guidance: red flags); 15 CFR 764.2(e)";

/// Decides one transaction: the settled answer, or HOLD while a possible list membership
/// would change it. Memberships not in force on the transaction's date (listed later,
/// removed) are taken out first and shown as such ([`crate::as_of`]).
pub fn decide(tx: &Transaction, law: &Law) -> Result<Determination, InputError> {
    let dated = crate::as_of::apply(tx)?;
    let mut d = decide_open(dated.tx.as_ref().unwrap_or(tx), law)?;
    dated.annotate(&mut d);
    Ok(d)
}

/// [`decide`] on memberships in force on the date.
fn decide_open(tx: &Transaction, law: &Law) -> Result<Determination, InputError> {
    let owned = crate::ownership::attribute(tx, law);
    let tx = owned.as_ref().unwrap_or(tx);
    let possible = tx.possible_memberships();
    let (confirmed, flags): (Vec<_>, Vec<_>) = crate::red_flags::raised(tx, law)
        .into_iter()
        .partition(|f| f.confirmed_in(tx));
    if possible.is_empty() && flags.is_empty() && confirmed.is_empty() {
        return decide_settled(tx, law);
    }
    let settled_tx = tx.settled();
    let mut clear = decide_settled(&settled_tx, law)?;
    for flag in &confirmed {
        apply_confirmed_flag(&mut clear, flag.hold(&settled_tx, law)?);
    }
    if possible.is_empty() && flags.is_empty() {
        return Ok(clear);
    }
    let mut holds = Vec::with_capacity(possible.len() + flags.len());
    for (party, hit) in possible {
        holds.push(open_item(tx, &settled_tx, law, party, hit)?);
    }
    for flag in flags {
        holds.push(flag.hold(&settled_tx, law)?);
    }
    let changing: Vec<&Hold> = holds
        .iter()
        .filter(|h| h.kind == HoldKind::RedFlag || changes_answer(&clear, &h.if_true))
        .collect();
    if changing.is_empty() || clear.outcome == Outcome::Prohibited {
        clear.trace.push(weighed_finding(&holds));
        return Ok(clear);
    }
    let all_clear = resolution_of(&clear);
    clear.trace.push(hold_finding(&holds, &all_clear));
    clear.outcome = Outcome::Hold;
    clear.if_all_clear = Some(all_clear);
    clear.holds = holds;
    Ok(clear)
}

/// A red flag a person confirmed: its "if true" answer is the answer now, when stricter,
/// and the trace says so.
fn apply_confirmed_flag(d: &mut Determination, hold: Hold) {
    let flag = hold.flag.clone().unwrap_or_default();
    let stricter = hold.if_true.outcome.strictness() > d.outcome.strictness();
    if stricter {
        d.outcome = hold.if_true.outcome;
    }
    let because = format!(
        "red flag {flag} was confirmed by a person ({}): {}{}",
        hold.reason,
        hold.if_true.summary(),
        if stricter {
            ""
        } else {
            " — no stricter than the answer without it"
        }
    );
    d.trace.push(Finding {
        step: Step::Parties,
        citation: hold.citation.unwrap_or_else(|| HOLD_CITATION.into()).into(),
        check: "a red flag a person confirmed (the concern stands)",
        held: true,
        because: because.into(),
        confidence: Confidence::Text,
    });
}

/// One possible membership decided as if confirmed.
fn open_item(
    tx: &Transaction,
    settled_tx: &Transaction,
    law: &Law,
    party: usize,
    hit: usize,
) -> Result<Hold, InputError> {
    let (role, input) = tx
        .all_parties()
        .nth(party)
        .ok_or_else(|| InputError::new("(document)", "internal: party index out of range"))?;
    let listed: &ListHit = &input.lists[hit];
    let mut confirmed_tx = settled_tx.clone();
    if let Some(p) = confirmed_tx.party_mut(party) {
        p.lists.push(ListHit {
            status: MembershipStatus::Confirmed,
            ..listed.clone()
        });
    }
    let if_true = resolution_of(&decide_settled(&confirmed_tx, law)?);
    let entry = listed
        .name
        .clone()
        .unwrap_or_else(|| "a listed entry".to_string());
    let who = input.name.as_deref().unwrap_or(role.label());
    let reason = listed.reason.clone().unwrap_or_else(|| match listed.score {
        Some(s) => format!("screening score {s:.2} is below the hit threshold"),
        None => "stated as a possible match".to_string(),
    });
    let question = format!(
        "Is the {} {who} the {entry} on the {} ({})?",
        role.label(),
        list_name(listed.list),
        listed
            .id
            .as_deref()
            .map(|id| format!("entry {id}"))
            .unwrap_or_else(|| "entry not identified".to_string())
    );
    Ok(Hold {
        kind: HoldKind::ScreeningMatch,
        role: Some(role),
        flag: None,
        citation: None,
        party: input.name.clone(),
        list: Some(listed.list),
        entry_id: listed.id.clone(),
        entry_name: Some(entry),
        score: listed.score,
        reason,
        question,
        if_true,
    })
}

fn list_name(list: crate::transaction::ListCode) -> &'static str {
    use crate::transaction::ListCode::*;
    match list {
        EntityList => "Entity List",
        DeniedPersons => "Denied Persons List",
        Unverified => "Unverified List",
        MilitaryEndUser => "Military End User List",
        Sdn => "SDN list",
    }
}

/// The outcome and the citations that carried it, list findings first (an Unverified
/// List party where no license is required changes what the exporter must do, not the
/// outcome).
pub(crate) fn resolution_of(d: &Determination) -> Resolution {
    let mut citations: Vec<String> = d
        .trace
        .iter()
        .filter(|f| f.held && f.step == Step::Parties)
        .map(|f| f.citation.to_string())
        .collect();
    for c in d.deciding_citations() {
        if !citations.iter().any(|k| k == c) {
            citations.push(c.to_string());
        }
    }
    Resolution {
        outcome: d.outcome,
        citations,
    }
}

/// Whether confirming a match would change the answer: another outcome, or a list
/// finding that carries it (an Unverified List party where no license is required still
/// needs a UVL statement).
fn changes_answer(clear: &Determination, if_true: &Resolution) -> bool {
    if if_true.outcome != clear.outcome {
        return true;
    }
    let clear_citations = resolution_of(clear).citations;
    if_true
        .citations
        .iter()
        .any(|c| !clear_citations.contains(c))
}

/// The finding that puts the answer on hold, with every resolution stated.
fn hold_finding(holds: &[Hold], all_clear: &Resolution) -> Finding {
    let mut because: Vec<String> = holds.iter().map(Hold::if_true_line).collect();
    let clear = if holds.iter().any(|h| h.kind == HoldKind::RedFlag) {
        "if every match is a false positive and every red flag is resolved"
    } else {
        "if every match is a false positive"
    };
    because.push(format!("{clear}: {}", all_clear.summary()));
    Finding {
        step: Step::Parties,
        citation: HOLD_CITATION.into(),
        check: "a possible restricted-party match or a red flag is unresolved (HOLD until a person resolves it)",
        held: true,
        because: because.join("; ").into(),
        confidence: Confidence::Text,
    }
}

/// The finding that says open matches were weighed and would not change the answer.
fn weighed_finding(holds: &[Hold]) -> Finding {
    let lines: Vec<String> = holds.iter().map(Hold::if_true_line).collect();
    Finding {
        step: Step::Note,
        citation: HOLD_CITATION.into(),
        check: "a possible restricted-party match is unresolved (HOLD until a person resolves it)",
        held: false,
        because: format!(
            "open matches would not change this answer, so it is not held: {}",
            lines.join("; ")
        )
        .into(),
        confidence: Confidence::Text,
    }
}

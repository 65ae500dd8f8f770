//! HOLD on the pages: the open items of a held determination inside its banner (the
//! question, why it is open, the outcome if the match is true, the outcome if every match
//! is a false positive, and the review buttons of each open match right there), and what
//! keeps a memo from being signed.

use super::ecfr::link_citation;
use super::html::{html, list_label, Markup};
use super::render::{arr, outcome_pill, review_form, s, Controls, MatchRef, Reviews};
use records::{Record, ReviewDecision, Verdict};
use serde_json::Value;

/// The review key of a screened party: its recorded `party_key`, else its name's.
pub fn party_key(party: &Value) -> String {
    match s(party, "party_key") {
        "" => crate::service::party_key(s(party, "name")),
        k => k.to_string(),
    }
}

/// Where in the screening a hold's match is: party index, group, match index.
fn locate<'a>(screening: &'a Value, hold: &Value) -> Option<(MatchRef<'static>, &'a Value)> {
    let parties = arr(screening, "parties");
    let wanted_key = crate::service::party_key(s(hold, "party"));
    let same_party = |p: &Value| {
        s(p, "role") == s(hold, "role")
            && (s(p, "name") == s(hold, "party") || party_key(p) == wanted_key)
    };
    for (p, party) in parties.iter().enumerate() {
        if !same_party(party) {
            continue;
        }
        for group in ["needs_review", "hits"] {
            let found = arr(party, group)
                .iter()
                .position(|m| s(m, "list") == s(hold, "list") && s(m, "id") == s(hold, "entry_id"));
            if let Some(index) = found {
                return Some((
                    MatchRef {
                        party: p,
                        group,
                        index,
                    },
                    party,
                ));
            }
        }
    }
    None
}

/// The citations of a resolution, each linked to the eCFR.
fn citations(resolution: &Value) -> Markup {
    let cited: Vec<&str> = arr(resolution, "citations")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    html! {
        @if !cited.is_empty() {
            " " span.cites {
                "(" @for (i, c) in cited.iter().enumerate() { @if i > 0 { "; " } (link_citation(c)) } ")"
            }
        }
    }
}

/// A review decision on this match recorded on or after this determination: it settles
/// the item, though this record (written before it) still shows it open.
fn decided_since<'a>(decided: &'a [ReviewDecision], record: &Record) -> Option<&'a ReviewDecision> {
    decided
        .iter()
        .rev()
        .find(|d| d.screening_record == Some(record.id) || d.record_id > record.id)
}

/// The open items of a HOLD determination, for inside its banner; empty for any other
/// outcome. With `controls.csrf` set, each open match carries its review form.
pub fn open_items(record: &Record, det: &Value, reviews: &Reviews, controls: &Controls) -> Markup {
    if s(det, "outcome") != "HOLD" {
        return html! {};
    }
    let screening = record.output.get("screening").unwrap_or(&Value::Null);
    let holds = arr(det, "holds");
    let one = holds.len() == 1;
    html! {
        p.hold-lead {
            "ace does not authorize this export while "
            @if one { "one item is" } @else { (holds.len()) " items are" }
            " open. Resolve " (if one { "it" } else { "each" }) " first:"
        }
        ol.holds {
            @for (n, hold) in holds.iter().enumerate() {
                (item(n, hold, record, screening, reviews, controls))
            }
        }
        @if let Some(clear) = det.get("if_all_clear") {
            p.if-clear {
                span.k { "If every match is a false positive:" } " "
                (outcome_pill(s(clear, "outcome"))) (citations(clear))
            }
        }
    }
}

/// One open item.
fn item(
    n: usize,
    hold: &Value,
    record: &Record,
    screening: &Value,
    reviews: &Reviews,
    controls: &Controls,
) -> Markup {
    let if_true = hold.get("if_true").unwrap_or(&Value::Null);
    let score = hold
        .get("score")
        .and_then(Value::as_f64)
        .filter(|_| !s(hold, "reason").contains("score"));
    let located = locate(screening, hold);
    let (status, form, link) = match &located {
        Some((at, party)) => {
            let key = (
                party_key(party),
                s(hold, "list").to_string(),
                s(hold, "entry_id").to_string(),
            );
            let decided = reviews.get(&key).map(Vec::as_slice).unwrap_or_default();
            let link = html! {
                a.to-match href={ "#" (at.anchor()) } { "The listed entry, the score and how it was reached" }
            };
            match decided_since(decided, record) {
                Some(d) => (Some(decision_line(d)), None, Some(link)),
                None => (None, Some(review_form(at, controls, "hold-")), Some(link)),
            }
        }
        None if s(hold, "kind") == "red_flag" => (
            None,
            Some(super::red_flag::flag_form(s(hold, "flag"), n, controls)),
            None,
        ),
        None => (None, None, None),
    };
    html! {
        li.hold-item id={ "hold-" (n) } data-list=(s(hold, "list")) data-entry=(s(hold, "entry_id")) {
            p.question { (s(hold, "question")) }
            p.why {
                span.k { "Why it is open:" } " " (s(hold, "reason"))
                @if let Some(x) = score { " " span.muted { "(score " (format!("{x:.2}")) ")" } }
            }
            p.if-true { span.k { "If true:" } " " (outcome_pill(s(if_true, "outcome"))) (citations(if_true)) }
            @if let Some(status) = status { (status) }
            @if let Some(link) = link { (link) }
            @if let Some(form) = form { (form) }
        }
    }
}

/// A decision recorded since the determination, in one line.
fn decision_line(d: &ReviewDecision) -> Markup {
    html! {
        p class={ "decided-since decision " (d.verdict.as_str()) } {
            span.k { "Decided since:" } " " span.verdict { (verdict_label(d.verdict)) }
            " by " (d.actor) ", " (d.created_at.chars().take(10).collect::<String>()) ": “" (d.reason) "” ("
            a href={ "/ui/records/" (d.record_id) } { "review record #" (d.record_id) }
            "). This record was written before the decision; the determination decided again with it is the current one."
        }
    }
}

pub fn verdict_label(v: Verdict) -> &'static str {
    match v {
        Verdict::TrueMatch => "True match",
        Verdict::FalsePositive => "False positive",
    }
}

/// What keeps a determination's memo from being signed, one line each (empty: it may
/// be signed): a HOLD's open items, and any match still waiting for a person's review.
pub fn unsigned_because(record: &Record, det: &Value, reviews: &Reviews) -> Vec<String> {
    let mut open = Vec::new();
    if s(det, "outcome") == "HOLD" {
        for hold in arr(det, "holds") {
            open.push(format!("open: {}", s(hold, "question")));
        }
        if open.is_empty() {
            open.push("the determination is on hold".to_string());
        }
    }
    let Some(screening) = record.output.get("screening") else {
        return open;
    };
    for party in arr(screening, "parties") {
        let key = party_key(party);
        for m in arr(party, "needs_review") {
            let lookup = (
                key.clone(),
                s(m, "list").to_string(),
                s(m, "id").to_string(),
            );
            let decided = reviews.get(&lookup).map(Vec::as_slice).unwrap_or_default();
            let lapsed = arr(party, "resolved").iter().any(|r| {
                s(r, "list") == s(m, "list")
                    && s(r, "id") == s(m, "id")
                    && !s(r, "lapsed").is_empty()
            });
            let reviewed =
                decided_since(decided, record).is_some() || (!decided.is_empty() && !lapsed);
            let held = arr(det, "holds")
                .iter()
                .any(|h| s(h, "list") == s(m, "list") && s(h, "entry_id") == s(m, "id"));
            if !reviewed && !held {
                open.push(format!(
                    "pending review: is {} the {} on the {} (entry {}, score {:.2})?",
                    s(party, "name"),
                    s(m, "name"),
                    list_label(s(m, "list")),
                    s(m, "id"),
                    m.get("score").and_then(Value::as_f64).unwrap_or(0.0),
                ));
            }
        }
    }
    open
}

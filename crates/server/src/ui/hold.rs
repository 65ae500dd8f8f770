//! HOLD on the pages: the open items of a held determination inside its banner (the
//! question, why it is open, the outcome if the match is true, the outcome if every match
//! is a false positive, and the review buttons of each open match right there), and what
//! keeps a memo from being signed.

use super::ecfr::link_citation;
use super::html::{esc, list_label};
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
fn citations(resolution: &Value) -> String {
    let cited: Vec<String> = arr(resolution, "citations")
        .iter()
        .filter_map(Value::as_str)
        .map(link_citation)
        .collect();
    if cited.is_empty() {
        String::new()
    } else {
        format!(r#" <span class="cites">({})</span>"#, cited.join("; "))
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

/// The open items of a HOLD determination as HTML for inside its banner; empty for any
/// other outcome. With `controls.csrf` set, each open match carries its review form.
pub fn open_items(record: &Record, det: &Value, reviews: &Reviews, controls: &Controls) -> String {
    if s(det, "outcome") != "HOLD" {
        return String::new();
    }
    let screening = record.output.get("screening").unwrap_or(&Value::Null);
    let holds = arr(det, "holds");
    let mut out = format!(
        r#"<p class="hold-lead">ace does not authorize this export while {} open. Resolve {} first:</p><ol class="holds">"#,
        if holds.len() == 1 {
            "one item is".to_string()
        } else {
            format!("{} items are", holds.len())
        },
        if holds.len() == 1 { "it" } else { "each" },
    );
    for (n, hold) in holds.iter().enumerate() {
        out.push_str(&item(n, hold, record, screening, reviews, controls));
    }
    out.push_str("</ol>");
    if let Some(clear) = det.get("if_all_clear") {
        out.push_str(&format!(
            r#"<p class="if-clear"><span class="k">If every match is a false positive:</span> {}{}</p>"#,
            outcome_pill(s(clear, "outcome")),
            citations(clear),
        ));
    }
    out
}

/// One open item.
fn item(
    n: usize,
    hold: &Value,
    record: &Record,
    screening: &Value,
    reviews: &Reviews,
    controls: &Controls,
) -> String {
    let if_true = hold.get("if_true").unwrap_or(&Value::Null);
    let score = match hold.get("score").and_then(Value::as_f64) {
        Some(x) if !s(hold, "reason").contains("score") => {
            format!(r#" <span class="muted">(score {x:.2})</span>"#)
        }
        _ => String::new(),
    };
    let located = locate(screening, hold);
    let (status, form, link) = match &located {
        Some((at, party)) => {
            let key = (
                party_key(party),
                s(hold, "list").to_string(),
                s(hold, "entry_id").to_string(),
            );
            let decided = reviews.get(&key).map(Vec::as_slice).unwrap_or_default();
            let link = format!(
                r##"<a class="to-match" href="#{}">The listed entry, the score and how it was reached</a>"##,
                at.anchor()
            );
            match decided_since(decided, record) {
                Some(d) => (decision_line(d), String::new(), link),
                None => (String::new(), review_form(at, controls, "hold-"), link),
            }
        }
        None if s(hold, "kind") == "red_flag" => (
            String::new(),
            super::red_flag::flag_form(s(hold, "flag"), n, controls),
            String::new(),
        ),
        None => (String::new(), String::new(), String::new()),
    };
    format!(
        r#"<li class="hold-item" id="hold-{n}" data-list="{list}" data-entry="{entry}">
<p class="question">{question}</p>
<p class="why"><span class="k">Why it is open:</span> {reason}{score}</p>
<p class="if-true"><span class="k">If true:</span> {pill}{cites}</p>
{status}{link}
{form}
</li>"#,
        list = esc(s(hold, "list")),
        entry = esc(s(hold, "entry_id")),
        question = esc(s(hold, "question")),
        reason = esc(s(hold, "reason")),
        pill = outcome_pill(s(if_true, "outcome")),
        cites = citations(if_true),
    )
}

/// A decision recorded since the determination, in one line.
fn decision_line(d: &ReviewDecision) -> String {
    format!(
        r#"<p class="decided-since decision {verdict}"><span class="k">Decided since:</span> <span class="verdict">{label}</span> by {actor}, {when}: “{reason}” (<a href="/ui/records/{rid}">review record #{rid}</a>). This record was written before the decision; the determination decided again with it is the current one.</p>"#,
        verdict = d.verdict.as_str(),
        label = verdict_label(d.verdict),
        actor = esc(&d.actor),
        when = esc(&d.created_at.chars().take(10).collect::<String>()),
        reason = esc(&d.reason),
        rid = d.record_id,
    )
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

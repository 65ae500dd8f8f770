//! Pieces of a recorded determination as HTML, shared by the result page and the memo:
//! the outcome banner, the transaction, the trace, the screening with its reviews.
//!
//! They read the record's JSON (the recorded answer, as the API returns it), so a page
//! always shows what was recorded, not a recomputation.

use super::ecfr::link_citation;
use super::html::{html, list_label, short_hash, step_label, Markup};
use chrono::NaiveDate;
use decide::Outcome;
use lists::snapshot::SnapshotMeta;
use records::{Record, ReviewDecision};
use serde_json::Value;
use std::collections::HashMap;

/// A string field of a JSON object, or `""`.
pub fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or_default()
}

/// An array field of a JSON object, or empty.
pub fn arr<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
}

/// The determination in a determination record's output (flattened at the top, or under
/// `determination` in older records).
pub fn determination(record: &Record) -> &Value {
    record.output.get("determination").unwrap_or(&record.output)
}

/// The outcome with this code.
pub fn outcome(code: &str) -> Option<Outcome> {
    Outcome::ALL.into_iter().find(|o| o.code() == code)
}

/// The CSS class of an outcome (`o-ace`, `o-license-required`).
pub fn outcome_class(code: &str) -> String {
    format!("o-{}", code.to_ascii_lowercase().replace('_', "-"))
}

/// A symbol that says the outcome without colour.
pub fn outcome_symbol(code: &str) -> &'static str {
    match code {
        "ACE" | "NLR" => "✓",
        "NOT_SUBJECT" => "○",
        "HOLD" => "‖",
        "LICENSE_REQUIRED" => "!",
        "PROHIBITED" => "✕",
        _ => "?",
    }
}

/// The outcome as a person reads it; the machine code (`LICENSE_REQUIRED`) stays in the
/// API, the CSV and the pages' `data-outcome` attributes.
pub fn outcome_label(code: &str) -> &'static str {
    match outcome(code) {
        Some(Outcome::LicenseRequired) => "License required",
        Some(Outcome::NotSubject) => "Not subject to the EAR",
        Some(Outcome::NoLicenseRequired) => "No license required",
        Some(Outcome::Ace) => "Authorized under License Exception ACE",
        Some(Outcome::Prohibited) => "Prohibited",
        Some(Outcome::Hold) => "On hold — a person must resolve this first",
        None => "Unknown outcome",
    }
}

/// An outcome as a small labelled pill: symbol and words, so it never rests on colour;
/// the code in `data-outcome` (and as the tooltip).
pub fn outcome_pill(code: &str) -> Markup {
    html! {
        span class={ "pill " (outcome_class(code)) } data-outcome=(code) title=(code) {
            span aria-hidden="true" { (outcome_symbol(code)) } " " (outcome_label(code))
        }
    }
}

/// The outcome banner: the outcome in words, what it means, its code, the unverified
/// warning; `open` is shown inside it after the headline (a HOLD's open items,
/// [`super::hold::open_items`]); `lists` says how old the list snapshot was.
pub fn banner(det: &Value, open: Markup, lists: Markup) -> Markup {
    let code = s(det, "outcome");
    let label = outcome_label(code);
    let headline = match code {
        "HOLD" => Some("On hold — not an authorization"),
        _ => outcome(code)
            .map(Outcome::headline)
            .filter(|h| !h.starts_with(label)),
    };
    let unverified = det.get("unverified").and_then(Value::as_bool) == Some(true);
    html! {
        section class={ "banner " (outcome_class(code)) } role="status" aria-label="Outcome" data-outcome=(code) {
            span.symbol aria-hidden="true" { (outcome_symbol(code)) }
            div.banner-body {
                p.label { (label) }
                @if let Some(h) = headline { p.headline { (h) } }
                p.machine { "Outcome code " code.code { (code) } }
                @match s(det, "review_policy") {
                    "" => {},
                    p => p.policy { "License review policy: " (p) },
                }
                @if unverified {
                    p.unverified-note {
                        "⚠ This outcome rests on data marked " strong { "unverified" }
                        ": check the findings marked below against the regulation."
                    }
                }
                (lists)
                (open)
            }
        }
    }
}

/// How old the list snapshot a determination was screened against was: its date, its
/// age on the day of the determination and today (`stale` past `max_age_days`).
pub fn lists_age(
    snapshot: Option<&str>,
    meta: Option<&SnapshotMeta>,
    decided_on: Option<NaiveDate>,
    today: NaiveDate,
    max_age_days: u32,
) -> Markup {
    let Some(hash) = snapshot.filter(|h| !h.is_empty()) else {
        return html! { p.lists-age { "No list snapshot is recorded with this determination." } };
    };
    let Some(date) = meta.and_then(SnapshotMeta::data_date) else {
        return html! {
            p.lists-age.stale data-lists-date="" {
                "List snapshot " (short_hash(hash))
                ": its date is unknown to this server (not in its list store), so its age is unknown."
            }
        };
    };
    let days = |on: NaiveDate| (on - date).num_days().max(0);
    let age = |n: i64| match n {
        1 => "1 day old".to_string(),
        n => format!("{n} days old"),
    };
    let then = decided_on.map(days);
    let now = days(today);
    let stale = then.unwrap_or(now) > i64::from(max_age_days);
    html! {
        p.lists-age.stale[stale] data-lists-date=(date) data-lists-age-days=[then] {
            "Lists as of " strong { (date) } " (snapshot " (short_hash(hash)) ")"
            @if let Some(then) = then { ": " (age(then)) " when decided" }
            "; " (age(now)) " today."
            @if stale { " " strong { "Older than " (max_age_days) " days" } ": screening may miss recent listings." }
        }
    }
}

/// A definition-list row.
fn row(term: &str, value: Markup) -> Markup {
    html! { div { dt { (term) } dd { (value) } } }
}

/// A definition-list row of plain text.
fn text_row(term: &str, value: &str) -> Markup {
    row(term, html! { (value) })
}

/// A yes/no flag of the transaction, as text.
fn flag(input: &Value, path: &[&str]) -> &'static str {
    let mut v = input;
    for key in path {
        v = v.get(key).unwrap_or(&Value::Null);
    }
    if v.as_bool() == Some(true) {
        "yes"
    } else {
        "no"
    }
}

/// A serialized enum value as words (`non_government` → `non government`), or "not stated".
fn words(v: &str) -> String {
    match v {
        "" => "not stated".into(),
        "non_government" => "non-government".into(),
        v => v.replace('_', " "),
    }
}

/// The destination as entered, with the code the EAR sees: `Israel (IL)`, `DE`,
/// `Hong Kong (as CN)`.
fn destination_text(entered: &str, decided: &str) -> String {
    let resolved = countries::lookup(entered).map(|c| c.alpha2);
    match decided {
        "" => entered.to_string(),
        d if d.eq_ignore_ascii_case(entered) => entered.to_string(),
        d if resolved == Some(d) => format!("{entered} ({d})"),
        d => format!("{entered} (as {d})"),
    }
}

/// A stored timestamp (`2024-05-29T12:34:56.123456Z`) to the second, for people.
pub fn when(created_at: &str) -> String {
    let seconds: String = created_at.replace('T', " ").chars().take(19).collect();
    format!("{seconds} UTC")
}

/// The transaction as entered.
pub fn transaction(input: &Value, det: &Value) -> Markup {
    let item = input.get("item").unwrap_or(&Value::Null);
    let eu = input.get("end_user").unwrap_or(&Value::Null);
    let lines = arr(input, "items");
    let item_text = if flag(input, &["item", "published"]) == "yes" {
        "Published (734.7)".to_string()
    } else if input.get("item").is_none_or(Value::is_null) && !lines.is_empty() {
        // An order (or a described single item, recorded as a one-line order).
        let line = |l: &Value| {
            let eccn = match s(l, "eccn") {
                "" if l.get("published").and_then(Value::as_bool) == Some(true) => "published",
                "" => "no ECCN",
                e => e,
            };
            match s(l, "description") {
                "" => eccn.to_string(),
                d => format!("{eccn} — {d}"),
            }
        };
        lines.iter().map(line).collect::<Vec<_>>().join("; ")
    } else {
        s(item, "eccn").to_string()
    };
    let decided_eccn = match s(det, "eccn") {
        "" => String::new(),
        e if e == item_text || item_text.starts_with(&format!("{e} ")) => String::new(),
        e => format!(" (decided as {e})"),
    };
    let mut rows = vec![
        text_row("Item", &format!("{item_text}{decided_eccn}")),
        text_row(
            "Destination",
            &destination_text(s(input, "destination"), s(det, "destination")),
        ),
        text_row(
            "End user",
            if s(eu, "name").is_empty() {
                "not named"
            } else {
                s(eu, "name")
            },
        ),
        text_row("Government or not", &words(s(eu, "kind"))),
    ];
    let optional = [
        ("Government role", s(eu, "government_role")),
        ("Favorable treatment", s(eu, "favorable_treatment")),
        ("Purpose", s(input, "purpose")),
        (
            "Digital artifacts from systems of",
            s(item, "incident_owner"),
        ),
    ];
    for (term, value) in optional {
        if !value.is_empty() {
            rows.push(text_row(term, &words(value)));
        }
    }
    if let Some(name) = input
        .get("consignee")
        .map(|c| s(c, "name"))
        .filter(|n| !n.is_empty())
    {
        rows.push(text_row("Consignee", name));
    }
    rows.push(text_row("Deemed export", flag(input, &["deemed_export"])));
    rows.push(text_row(
        "Knowledge of unauthorized use",
        flag(input, &["knowledge_unauthorized_use"]),
    ));
    rows.push(text_row(
        "Military-intelligence end use",
        flag(input, &["military_intelligence_end_use"]),
    ));
    let version = match s(det, "ace_version") {
        "" => String::new(),
        v => format!(" ({v} text of 740.22)"),
    };
    rows.push(text_row(
        "Regulation as of",
        &format!("{}{version}", s(det, "as_of")),
    ));
    html! { dl.facts { @for r in &rows { (r) } } }
}

/// The record's provenance: id, hash, rules, lists, version, actor, time.
pub fn provenance(record: &Record, det: &Value) -> Markup {
    html! {
        dl.facts.compact {
            (text_row("Record", &format!("#{}", record.id)))
            (text_row("Recorded", &when(&record.created_at)))
            (text_row("By", &record.actor))
            (row("Record hash", short_hash(&record.hash)))
            (row("Ruleset", short_hash(s(det, "ruleset"))))
            (row("List snapshot", short_hash(record.list_snapshot.as_deref().unwrap_or_default())))
            (text_row("ace version", &record.ace_version))
        }
    }
}

/// The trace: every rule checked, in order, with its linked citation.
pub fn trace(det: &Value) -> Markup {
    html! {
        ol.trace {
            @for f in arr(det, "trace") {
                @let held = f.get("held").and_then(Value::as_bool) == Some(true);
                @let confidence = s(f, "confidence");
                @let unverified = confidence == "unverified";
                li.finding.unverified[unverified] {
                    div.finding-head {
                        span.step { (step_label(s(f, "step"))) }
                        span.cite-wrap { (link_citation(s(f, "citation"))) }
                        span class={ "held " (if held { "yes" } else { "no" }) } {
                            (if held { "applies" } else { "does not apply" })
                        }
                    }
                    p.asked { (s(f, "check")) }
                    p.because { (s(f, "because")) }
                    p.confidence {
                        "Confidence: " span class={ "conf conf-" (confidence) } { (confidence) }
                        @if unverified { " — unverified data: check against the regulation" }
                    }
                }
            }
        }
    }
}

/// The route, leg by leg, and an order's lines: each with its outcome, the one that
/// decided marked. Empty for a single-leg, single-item determination.
pub fn route_and_lines(det: &Value) -> Option<Markup> {
    let legs = arr(det, "legs");
    let lines = arr(det, "lines");
    if legs.is_empty() && lines.is_empty() {
        return None;
    }
    let deciding_leg = det.get("deciding_leg").and_then(Value::as_u64);
    let deciding_line = det.get("deciding_line").and_then(Value::as_u64);
    Some(html! {
        @if !legs.is_empty() {
            h3 { "Route" }
            div.table-scroll role="region" aria-label="Route" tabindex="0" { table.route {
                thead { tr {
                    th scope="col" { "Leg" } th scope="col" { "From → to" } th scope="col" { "Kind" }
                    th scope="col" { "Receiving party" } th scope="col" { "Outcome" } th scope="col" { "Citations" }
                } }
                tbody {
                    @for (i, leg) in legs.iter().enumerate() {
                        @let decides = deciding_leg == Some(i as u64);
                        @let party = match s(leg, "party") {
                            "" => words(s(leg, "role")),
                            name => format!("{} {}", words(s(leg, "role")), name),
                        };
                        tr.deciding[decides] {
                            td { (i + 1) @if decides { " " strong { "(decides)" } } }
                            td { (s(leg, "from")) " → " (s(leg, "to")) }
                            td { (words(s(leg, "kind"))) }
                            td {
                                (party)
                                @match s(leg, "reading") {
                                    "" => {},
                                    r => p.muted { "Reading applied (unverified): " (r) },
                                }
                            }
                            td { (outcome_pill(s(leg, "outcome"))) }
                            td { (texts(leg.get("citations").unwrap_or(&Value::Null)).join("; ")) }
                        }
                    }
                }
            } }
        }
        @if !lines.is_empty() {
            h3 { "Lines of the order" }
            div.table-scroll role="region" aria-label="Lines of the order" tabindex="0" { table.lines {
                thead { tr {
                    th scope="col" { "Line" } th scope="col" { "ECCN" } th scope="col" { "Description" } th scope="col" { "Outcome" }
                } }
                tbody {
                    @for l in lines {
                        @let n = l.get("line").and_then(Value::as_u64).unwrap_or(0);
                        @let decides = deciding_line == Some(n);
                        tr.deciding[decides] {
                            td { (n + 1) @if decides { " " strong { "(decides)" } } }
                            td { (s(l, "eccn")) }
                            td { (s(l, "description")) }
                            td {
                                @match s(l, "outcome") {
                                    "" => { "Outside what ace decides: " (s(l, "outside_scope")) },
                                    code => (outcome_pill(code)),
                                }
                            }
                        }
                    }
                }
            } }
        }
    })
}

/// The trace as a compact table, for the memo: one row per rule checked.
pub fn trace_table(det: &Value) -> Markup {
    html! {
        div.table-scroll role="region" aria-label="Rules checked" tabindex="0" { table.trace-table {
            thead { tr {
                th scope="col" { "#" } th scope="col" { "Citation" }
                th scope="col" { "Rule checked and the fact that decided it" } th scope="col" { "Result" }
            } }
            tbody {
                @for (i, f) in arr(det, "trace").iter().enumerate() {
                    @let held = f.get("held").and_then(Value::as_bool) == Some(true);
                    @let unverified = s(f, "confidence") == "unverified";
                    tr class={ (if held { "held-yes" } else { "held-no" }) @if unverified { " unverified" } } {
                        td { (i + 1) }
                        td.cite-cell { (link_citation(s(f, "citation"))) }
                        td {
                            (s(f, "check")) br; span.muted { (s(f, "because")) }
                            @if unverified { " " strong.conf-unverified { "[unverified data]" } }
                        }
                        td { (if held { "applies" } else { "does not apply" }) }
                    }
                }
            }
        } }
    }
}

/// Review decisions per (party key, list, entry id).
pub type Reviews = HashMap<(String, String, String), Vec<ReviewDecision>>;

/// Which match a form decides on: party index, group, match index.
pub struct MatchRef<'a> {
    pub party: usize,
    pub group: &'a str,
    pub index: usize,
}

impl MatchRef<'_> {
    /// The element id of the match on the page.
    pub fn anchor(&self) -> String {
        format!("match-{}-{}-{}", self.party, self.group, self.index)
    }
}

/// How the screening section renders its review controls.
pub struct Controls<'a> {
    /// The record reviews refer to.
    pub record_id: i64,
    /// The CSRF field, when the viewer may review; `None` hides the buttons.
    pub csrf: Option<&'a Markup>,
}

/// The screening: per party, its hits and needs-review matches with explanations,
/// review decisions and (for reviewers) review buttons.
pub fn screening(record: &Record, reviews: &Reviews, controls: &Controls) -> Markup {
    let screening = record.output.get("screening");
    let parties = screening.map(|sc| arr(sc, "parties")).unwrap_or_default();
    let Some(screening) = screening.filter(|_| !parties.is_empty()) else {
        return html! { p.muted { "No party was named: nothing was screened." } };
    };
    let threshold = |key: &str, default: f64| {
        let x = screening
            .get(key)
            .and_then(Value::as_f64)
            .unwrap_or(default);
        format!("{x:.2}")
    };
    html! {
        p.muted {
            "Hit threshold " (threshold("hit_threshold", 0.85)) "; matches from "
            (threshold("review_threshold", 0.70)) " need a person's review. List snapshot "
            (short_hash(s(screening, "snapshot"))) "."
        }
        @for (p, party) in parties.iter().enumerate() {
            (party_section(p, party, reviews, controls))
        }
    }
}

/// One screened party.
fn party_section(p: usize, party: &Value, reviews: &Reviews, controls: &Controls) -> Markup {
    let hits = arr(party, "hits");
    let review = arr(party, "needs_review");
    let resolved_items = arr(party, "resolved");
    let confirmed = resolved_items
        .iter()
        .any(|r| s(r, "verdict") == "true_match" && s(r, "lapsed").is_empty());
    let key = match s(party, "party_key") {
        "" => crate::service::party_key(s(party, "name")),
        k => k.to_string(),
    };
    html! {
        section.party {
            h3 {
                (s(party, "name")) " " span.role { (words(s(party, "role"))) } " "
                @match (hits.len(), review.len()) {
                    (0, 0) if resolved_items.is_empty() => span.tag.clear { "No match" },
                    (0, 0) if confirmed => span.tag.hit { "Confirmed listed by review" },
                    (0, 0) => span.tag.clear { "Cleared by review" },
                    (h, r) => {
                        @if h > 0 { span.tag.hit { (h) " hit" (plural(h)) } }
                        @if r > 0 { " " span.tag.review { (r) " to review" } }
                    },
                }
            }
            @for (group, matches, title) in [("hits", hits, "Hits"), ("needs_review", review, "Needs review")] {
                @if !matches.is_empty() {
                    h4 { (title) }
                    ul.matches {
                        @for (i, m) in matches.iter().enumerate() {
                            (match_item(&MatchRef { party: p, group, index: i }, s(party, "name"), &key, m, reviews, controls))
                        }
                    }
                }
            }
            (resolved(party))
        }
    }
}

/// The matches an earlier review decision settled for this screening (`resolved`): the
/// decision applied, or lapsed (the entry changed, the clearance expired) and not applied.
fn resolved(party: &Value) -> Markup {
    let items = arr(party, "resolved");
    if items.is_empty() {
        return html! {};
    }
    html! {
        h4 { "Settled by earlier review decisions" }
        ul.matches.resolved {
            @for r in items {
                @let verdict = s(r, "verdict");
                @let lapsed = s(r, "lapsed");
                li class={ "match settled " (if lapsed.is_empty() { "applied" } else { "lapsed" }) } {
                    div.match-head {
                        span.score { (format!("{:.2}", r.get("score").and_then(Value::as_f64).unwrap_or(0.0))) }
                        div {
                            p.entry {
                                strong { (s(r, "name")) } " " span.list { (list_label(s(r, "list"))) }
                                " " span.muted { "entry " (s(r, "id")) }
                            }
                            p class={ "decision " (verdict) } {
                                span.verdict { (if verdict == "true_match" { "True match" } else { "False positive" }) }
                                " ("
                                @if lapsed.is_empty() { "applied to this determination" }
                                @else { strong { "lapsed, not applied" } ": " (lapsed) }
                                ") — " (s(r, "decided"))
                            }
                        }
                    }
                    (entry_facts(r))
                }
            }
        }
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// One match: entry, score, explanation, what the list says of the entry, decisions,
/// buttons.
fn match_item(
    at: &MatchRef,
    party: &str,
    key: &str,
    m: &Value,
    reviews: &Reviews,
    controls: &Controls,
) -> Markup {
    let list = s(m, "list");
    let lookup = (key.to_string(), list.to_string(), s(m, "id").to_string());
    let decided = reviews.get(&lookup).map(Vec::as_slice).unwrap_or_default();
    let explanation = m.get("explanation").unwrap_or(&Value::Null);
    let class = if at.group == "hits" { "hit" } else { "review" };
    let generic = m.get("generic_only").and_then(Value::as_bool) == Some(true);
    html! {
        li class={ "match " (class) } id=(at.anchor()) {
            div.match-head {
                span.score { (format!("{:.2}", m.get("score").and_then(Value::as_f64).unwrap_or(0.0))) }
                div {
                    p.entry {
                        strong { (s(m, "name")) } " " span.list { (list_label(list)) }
                        " " span.muted { "entry " (s(m, "id")) }
                        @if generic {
                            " " span.tag.generic title="Every word that matched is a generic word (ministry, trading, company...): not stated as fact" { "generic words only" }
                        }
                    }
                    p.matched { "matched “" (s(m, "matched")) "”" }
                }
            }
            p.explanation { (s(explanation, "summary")) }
            (entry_facts(m))
            (explanation_details(explanation))
            (decisions(decided, controls.record_id, party))
            (review_form(at, controls, ""))
        }
    }
}

/// The strings of a field that may be a string, an array of strings, or an array of
/// objects with a `name` (aliases).
fn texts(v: &Value) -> Vec<String> {
    match v {
        Value::String(t) if !t.trim().is_empty() => vec![t.clone()],
        Value::Array(items) => items
            .iter()
            .filter_map(|i| match i {
                Value::String(t) => Some(t.clone()),
                Value::Object(_) => Some(s(i, "name").to_string()),
                _ => None,
            })
            .filter(|t| !t.trim().is_empty())
            .collect(),
        _ => Vec::new(),
    }
}

/// The first of `keys` the match (or its nested `entry`) has.
fn entry_field<'a>(m: &'a Value, keys: &[&str]) -> Option<&'a Value> {
    let nested = m.get("entry");
    keys.iter().find_map(|k| {
        m.get(*k)
            .or_else(|| nested.and_then(|e| e.get(*k)))
            .filter(|v| !v.is_null())
    })
}

/// What the list says of the entry, for the reviewer: list, programs, addresses,
/// countries, aliases, listing date, Federal Register citation, source. Only the fields
/// the match carries are shown.
pub fn entry_facts(m: &Value) -> Markup {
    let mut rows = Vec::new();
    let list = s(m, "list");
    if !list.is_empty() {
        rows.push(text_row("List", &format!("{} ({list})", list_label(list))));
    }
    let joined = |keys: &[&str], sep: &str| {
        entry_field(m, keys)
            .map(texts)
            .filter(|t| !t.is_empty())
            .map(|t| t.join(sep))
    };
    if let Some(v) = joined(&["programs", "program"], "; ") {
        rows.push(text_row("Programs", &v));
    }
    if let Some(v) = entry_field(m, &["addresses", "address"])
        .map(texts)
        .filter(|t| !t.is_empty())
    {
        rows.push(row(
            "Addresses",
            html! { @for (i, a) in v.iter().enumerate() { @if i > 0 { br; } (a) } },
        ));
    }
    if let Some(v) = entry_field(m, &["countries"])
        .map(texts)
        .filter(|t| !t.is_empty())
    {
        let named: Vec<String> = v
            .iter()
            .map(|c| match countries::lookup(c) {
                Some(found) if found.alpha2.eq_ignore_ascii_case(c) => {
                    format!("{} ({c})", found.name)
                }
                _ => c.clone(),
            })
            .collect();
        rows.push(text_row("Countries", &named.join(", ")));
    }
    if let Some(v) = joined(&["aliases"], "; ") {
        rows.push(text_row("Also known as", &v));
    }
    if let Some(v) = joined(&["listed", "listing_date", "listed_on", "start_date"], ", ") {
        rows.push(text_row("Listed", &v));
    }
    if let Some(v) = joined(&["listing"], " ") {
        rows.push(text_row("Listing dates", &v));
    }
    if let Some(v) = entry_field(m, &["federal_register"])
        .map(texts)
        .filter(|t| !t.is_empty())
    {
        rows.push(row(
            "Federal Register",
            html! { @for (i, c) in v.iter().enumerate() { @if i > 0 { "; " } (link_citation(c)) } },
        ));
    }
    for (keys, term) in [
        (&["end_date"][..], "Listing ends"),
        (&["license_requirement"][..], "License requirement"),
        (&["license_policy"][..], "License review policy"),
        (&["remarks"][..], "Remarks"),
    ] {
        if let Some(v) = joined(keys, if term == "Listing ends" { ", " } else { " " }) {
            rows.push(text_row(term, &v));
        }
    }
    if let Some(url) = entry_field(m, &["source_url", "source"]).and_then(Value::as_str) {
        let linked = url.starts_with("https://") || url.starts_with("http://");
        rows.push(row(
            "Source",
            html! {
                @if linked { a href=(url) rel="noopener noreferrer" target="_blank" { (url) } }
                @else { (url) }
            },
        ));
    }
    if rows.len() <= 1 {
        return html! {};
    }
    html! { dl.facts.compact.entry-facts { @for r in &rows { (r) } } }
}

/// The token-by-token explanation, folded.
fn explanation_details(e: &Value) -> Markup {
    let tokens = arr(e, "tokens");
    let adjustments = arr(e, "adjustments");
    if tokens.is_empty() && adjustments.is_empty() {
        return html! {};
    }
    let number = |v: &Value, key: &str| v.get(key).and_then(Value::as_f64).unwrap_or(0.0);
    let unmatched = |key: &str| {
        let t: Vec<&str> = arr(e, key).iter().map(|t| s(t, "token")).collect();
        if t.is_empty() {
            "none".to_string()
        } else {
            t.join(", ")
        }
    };
    html! {
        details.why {
            summary { "How the score was reached" }
            div.table-scroll role="region" aria-label="Token by token" tabindex="0" { table {
                thead { tr {
                    th scope="col" { "Query token" } th scope="col" { "Listed token" } th scope="col" { "How" }
                    th scope="col" { "Similarity" } th scope="col" { "Weight" }
                } }
                tbody {
                    @for t in tokens {
                        tr {
                            td { (s(t, "query")) } td { (s(t, "matched")) } td { (s(t, "how")) }
                            td { (format!("{:.2}", number(t, "similarity"))) }
                            td { (format!("{:.2}", number(t, "weight"))) }
                        }
                    }
                }
            } }
            p {
                "Unmatched in the query: " (unmatched("unmatched_query"))
                ". Unmatched in the listed name: " (unmatched("unmatched_name")) "."
            }
            p {
                "Coverage: query " (format!("{:.2}", number(e, "query_coverage")))
                ", name " (format!("{:.2}", number(e, "name_coverage")))
                "; base score " (format!("{:.3}", number(e, "base_score"))) "."
            }
            @if !adjustments.is_empty() {
                ul { @for a in adjustments { li { (s(a, "detail")) " (" (format!("{:+.3}", number(a, "effect"))) ")" } } }
            }
        }
    }
}

/// The review decisions recorded for this party and entry: this determination's, and
/// earlier ones (shown, never used to hide the match).
fn decisions(decided: &[ReviewDecision], record_id: i64, party: &str) -> Markup {
    if decided.is_empty() {
        return html! {};
    }
    html! {
        div.decisions {
            p.decisions-title { "Review decisions for this party and entry" }
            ul {
                @for d in decided {
                    li class={ "decision " (d.verdict.as_str()) } {
                        span.verdict { (super::hold::verdict_label(d.verdict)) }
                        " by " (d.actor) ", " (d.created_at.chars().take(10).collect::<String>()) ", "
                        @match d.screening_record {
                            Some(id) if id == record_id => "on this determination",
                            Some(id) => { "earlier, on " a href={ "/ui/determinations/" (id) } { "record #" (id) } },
                            None => "earlier",
                        }
                        @if d.party != party { " (screened as “" (d.party) "”)" }
                        ": “" (d.reason) "” "
                        a.muted href={ "/ui/records/" (d.record_id) } { "review record #" (d.record_id) }
                    }
                }
            }
        }
    }
}

/// The review form of one match, for reviewers. `place` prefixes the element ids (the
/// same match's form may be on the page twice: in the HOLD banner and in the screening).
///
/// The reason is a textarea, so Enter adds a line and never submits; either button leads
/// to a confirmation page (`POST /ui/reviews` without `confirmed`), so nothing is
/// recorded by one click.
pub fn review_form(at: &MatchRef, controls: &Controls, place: &str) -> Markup {
    let Some(csrf) = &controls.csrf else {
        return html! {};
    };
    let reason_id = format!("reason-{place}{}", at.anchor());
    html! {
        form.review-form method="post" action="/ui/reviews" {
            (csrf)
            input type="hidden" name="record" value=(controls.record_id);
            input type="hidden" name="party" value=(at.party);
            input type="hidden" name="group" value=(at.group);
            input type="hidden" name="index" value=(at.index);
            label for=(reason_id) { "Reason for the decision" }
            textarea id=(reason_id) name="reason" rows="2" required placeholder="e.g. different country and business; checked address" {}
            div.buttons {
                button.danger type="submit" name="verdict" value="true_match" { "True match…" }
                " "
                button type="submit" name="verdict" value="false_positive" { "False positive…" }
            }
            p.hint { "Either button asks you to confirm before anything is recorded." }
        }
    }
}

#[cfg(test)]
mod route_tests {
    use super::{route_and_lines, Markup};

    #[test]
    fn route_and_lines_mark_what_decided_and_escape() {
        let det = serde_json::json!({
            "legs": [
                {"from": "US", "to": "RU", "kind": "export", "role": "intermediate_consignee",
                 "party": "<Example> OOO", "outcome": "LICENSE_REQUIRED", "citations": ["15 CFR 746.8"]},
                {"from": "RU", "to": "DE", "kind": "reexport", "role": "end_user",
                 "outcome": "ACE", "citations": []}
            ],
            "deciding_leg": 0,
            "lines": [
                {"line": 0, "eccn": "4D004", "outcome": "ACE"},
                {"line": 1, "eccn": "5A002.a", "outside_scope": "not a cybersecurity item"}
            ],
            "deciding_line": 0
        });
        let html = route_and_lines(&det)
            .map(Markup::into_string)
            .unwrap_or_default();
        assert!(
            html.contains("US → RU") && html.contains("15 CFR 746.8"),
            "{html}"
        );
        assert!(html.contains("&lt;Example&gt; OOO"), "{html}");
        assert_eq!(html.matches("(decides)").count(), 2, "{html}");
        assert!(
            html.contains("Outside what ace decides: not a cybersecurity item"),
            "{html}"
        );
        assert!(route_and_lines(&serde_json::json!({"trace": []})).is_none());
    }
}

//! Pieces of a recorded determination as HTML, shared by the result page and the memo:
//! the outcome banner, the transaction, the trace, the screening with its reviews.
//!
//! They read the record's JSON (the recorded answer, as the API returns it), so a page
//! always shows what was recorded, not a recomputation.

use super::ecfr::link_citation;
use super::html::{esc, list_label, short_hash, step_label};
use decide::Outcome;
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

/// An outcome as a small labelled pill: symbol and code, so it never rests on colour.
pub fn outcome_pill(code: &str) -> String {
    format!(
        r#"<span class="pill {}"><span aria-hidden="true">{}</span> {}</span>"#,
        outcome_class(code),
        outcome_symbol(code),
        esc(code)
    )
}

/// The outcome banner: code, headline, the unverified warning, in text; `open` is HTML
/// shown inside it after the headline (a HOLD's open items, [`super::hold::open_items`]).
pub fn banner(det: &Value, open: &str) -> String {
    let code = s(det, "outcome");
    let headline = match code {
        "HOLD" => "On hold — not an authorization",
        _ => outcome(code)
            .map(Outcome::headline)
            .unwrap_or("Unknown outcome"),
    };
    let policy = match s(det, "review_policy") {
        "" => String::new(),
        p => format!(r#"<p class="policy">License review policy: {}</p>"#, esc(p)),
    };
    let unverified = if det.get("unverified").and_then(Value::as_bool) == Some(true) {
        r#"<p class="unverified-note">⚠ This outcome rests on data marked <strong>unverified</strong>: check the findings marked below against the regulation.</p>"#
    } else {
        ""
    };
    format!(
        r#"<section class="banner {class}" role="status" aria-label="Outcome" data-outcome="{code}">
<span class="symbol" aria-hidden="true">{symbol}</span>
<div class="banner-body"><p class="code">{code}</p><p class="headline">{headline}</p>{policy}{unverified}{open}</div>
</section>"#,
        class = outcome_class(code),
        code = esc(code),
        symbol = outcome_symbol(code),
        headline = esc(headline),
    )
}

/// A definition-list row.
fn row(term: &str, html_value: &str) -> String {
    format!("<div><dt>{}</dt><dd>{html_value}</dd></div>", esc(term))
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
    let note = match decided {
        "" => String::new(),
        d if d.eq_ignore_ascii_case(entered) => String::new(),
        d if resolved == Some(d) => format!(" ({})", esc(d)),
        d => format!(" (as {})", esc(d)),
    };
    format!("{}{note}", esc(entered))
}

/// A stored timestamp (`2024-05-29T12:34:56.123456Z`) to the second, for people.
pub fn when(created_at: &str) -> String {
    let seconds: String = created_at.replace('T', " ").chars().take(19).collect();
    format!("{seconds} UTC")
}

/// The transaction as entered.
pub fn transaction(input: &Value, det: &Value) -> String {
    let item = input.get("item").unwrap_or(&Value::Null);
    let eu = input.get("end_user").unwrap_or(&Value::Null);
    let item_text = if flag(input, &["item", "published"]) == "yes" {
        "Published (734.7)".to_string()
    } else {
        s(item, "eccn").to_string()
    };
    let decided_eccn = match s(det, "eccn") {
        "" => String::new(),
        e if e == item_text => String::new(),
        e => format!(" (decided as {})", esc(e)),
    };
    let destination = destination_text(s(input, "destination"), s(det, "destination"));
    let mut rows = vec![
        row("Item", &format!("{}{decided_eccn}", esc(&item_text))),
        row("Destination", &destination),
        row(
            "End user",
            &esc(if s(eu, "name").is_empty() {
                "not named"
            } else {
                s(eu, "name")
            }),
        ),
        row("Government or not", &esc(&words(s(eu, "kind")))),
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
            rows.push(row(term, &esc(&words(value))));
        }
    }
    if let Some(name) = input
        .get("consignee")
        .map(|c| s(c, "name"))
        .filter(|n| !n.is_empty())
    {
        rows.push(row("Consignee", &esc(name)));
    }
    rows.push(row("Deemed export", flag(input, &["deemed_export"])));
    rows.push(row(
        "Knowledge of unauthorized use",
        flag(input, &["knowledge_unauthorized_use"]),
    ));
    rows.push(row(
        "Military-intelligence end use",
        flag(input, &["military_intelligence_end_use"]),
    ));
    rows.push(row(
        "Regulation as of",
        &format!(
            "{}{}",
            esc(s(det, "as_of")),
            match s(det, "ace_version") {
                "" => String::new(),
                v => format!(" ({} text of 740.22)", esc(v)),
            }
        ),
    ));
    format!(r#"<dl class="facts">{}</dl>"#, rows.concat())
}

/// The record's provenance: id, hash, rules, lists, version, actor, time.
pub fn provenance(record: &Record, det: &Value) -> String {
    let rows = [
        row("Record", &format!("#{}", record.id)),
        row("Recorded", &esc(&when(&record.created_at))),
        row("By", &esc(&record.actor)),
        row("Record hash", &short_hash(&record.hash)),
        row("Ruleset", &short_hash(s(det, "ruleset"))),
        row(
            "List snapshot",
            &short_hash(record.list_snapshot.as_deref().unwrap_or_default()),
        ),
        row("ace version", &esc(&record.ace_version)),
    ];
    format!(r#"<dl class="facts compact">{}</dl>"#, rows.concat())
}

/// The trace: every rule checked, in order, with its linked citation.
pub fn trace(det: &Value) -> String {
    let mut out = String::from(r#"<ol class="trace">"#);
    for f in arr(det, "trace") {
        let held = f.get("held").and_then(Value::as_bool) == Some(true);
        let confidence = s(f, "confidence");
        let unverified = confidence == "unverified";
        out.push_str(&format!(
            r#"<li class="finding{uv}">
<div class="finding-head"><span class="step">{step}</span><span class="cite-wrap">{cite}</span><span class="held {held_class}">{held_text}</span></div>
<p class="asked">{check}</p>
<p class="because">{because}</p>
<p class="confidence">Confidence: <span class="conf conf-{conf_class}">{conf}</span>{uv_text}</p>
</li>"#,
            uv = if unverified { " unverified" } else { "" },
            step = esc(&step_label(s(f, "step"))),
            cite = link_citation(s(f, "citation")),
            held_class = if held { "yes" } else { "no" },
            held_text = if held { "applies" } else { "does not apply" },
            check = esc(s(f, "check")),
            because = esc(s(f, "because")),
            conf_class = esc(confidence),
            conf = esc(confidence),
            uv_text = if unverified { " — unverified data: check against the regulation" } else { "" },
        ));
    }
    out.push_str("</ol>");
    out
}

/// The route, leg by leg, and an order's lines: each with its outcome, the one that
/// decided marked. Empty for a single-leg, single-item determination.
pub fn route_and_lines(det: &Value) -> String {
    let mut out = String::new();
    let legs = arr(det, "legs");
    if !legs.is_empty() {
        let deciding = det.get("deciding_leg").and_then(Value::as_u64);
        out.push_str(r#"<h3>Route</h3><table class="route"><thead><tr><th scope="col">Leg</th><th scope="col">From → to</th><th scope="col">Kind</th><th scope="col">Receiving party</th><th scope="col">Outcome</th><th scope="col">Citations</th></tr></thead><tbody>"#);
        for (i, leg) in legs.iter().enumerate() {
            let decides = deciding == Some(i as u64);
            let party = match s(leg, "party") {
                "" => words(s(leg, "role")),
                name => format!("{} {}", words(s(leg, "role")), name),
            };
            let reading = match s(leg, "reading") {
                "" => String::new(),
                r => format!(
                    r#"<p class="muted">Reading applied (unverified): {}</p>"#,
                    esc(r)
                ),
            };
            out.push_str(&format!(
                r#"<tr{class}><td>{n}{mark}</td><td>{from} → {to}</td><td>{kind}</td><td>{party}{reading}</td><td>{pill}</td><td>{cites}</td></tr>"#,
                class = if decides { r#" class="deciding""# } else { "" },
                n = i + 1,
                mark = if decides { " <strong>(decides)</strong>" } else { "" },
                from = esc(s(leg, "from")),
                to = esc(s(leg, "to")),
                kind = esc(&words(s(leg, "kind"))),
                party = esc(&party),
                pill = outcome_pill(s(leg, "outcome")),
                cites = esc(&texts(leg.get("citations").unwrap_or(&Value::Null)).join("; ")),
            ));
        }
        out.push_str("</tbody></table>");
    }
    let lines = arr(det, "lines");
    if !lines.is_empty() {
        let deciding = det.get("deciding_line").and_then(Value::as_u64);
        out.push_str(r#"<h3>Lines of the order</h3><table class="lines"><thead><tr><th scope="col">Line</th><th scope="col">ECCN</th><th scope="col">Description</th><th scope="col">Outcome</th></tr></thead><tbody>"#);
        for l in lines {
            let n = l.get("line").and_then(Value::as_u64).unwrap_or(0);
            let outcome = match s(l, "outcome") {
                "" => format!("Outside what ace decides: {}", esc(s(l, "outside_scope"))),
                code => outcome_pill(code),
            };
            out.push_str(&format!(
                r#"<tr{class}><td>{line}{mark}</td><td>{eccn}</td><td>{desc}</td><td>{outcome}</td></tr>"#,
                class = if deciding == Some(n) { r#" class="deciding""# } else { "" },
                line = n + 1,
                mark = if deciding == Some(n) { " <strong>(decides)</strong>" } else { "" },
                eccn = esc(s(l, "eccn")),
                desc = esc(s(l, "description")),
            ));
        }
        out.push_str("</tbody></table>");
    }
    out
}

/// The trace as a compact table, for the memo: one row per rule checked.
pub fn trace_table(det: &Value) -> String {
    let mut rows = String::new();
    for (i, f) in arr(det, "trace").iter().enumerate() {
        let held = f.get("held").and_then(Value::as_bool) == Some(true);
        let unverified = s(f, "confidence") == "unverified";
        rows.push_str(&format!(
            r#"<tr class="{held_class}{uv}"><td>{n}</td><td class="cite-cell">{cite}</td><td>{check}<br><span class="muted">{because}</span>{uv_text}</td><td>{held_text}</td></tr>"#,
            held_class = if held { "held-yes" } else { "held-no" },
            uv = if unverified { " unverified" } else { "" },
            n = i + 1,
            cite = link_citation(s(f, "citation")),
            check = esc(s(f, "check")),
            because = esc(s(f, "because")),
            uv_text = if unverified { r#" <strong class="conf-unverified">[unverified data]</strong>"# } else { "" },
            held_text = if held { "applies" } else { "does not apply" },
        ));
    }
    format!(
        r#"<table class="trace-table"><thead><tr><th scope="col">#</th><th scope="col">Citation</th><th scope="col">Rule checked and the fact that decided it</th><th scope="col">Result</th></tr></thead><tbody>{rows}</tbody></table>"#
    )
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
    pub csrf: Option<&'a str>,
}

/// The screening: per party, its hits and needs-review matches with explanations,
/// review decisions and (for reviewers) review buttons.
pub fn screening(record: &Record, reviews: &Reviews, controls: &Controls) -> String {
    let Some(screening) = record.output.get("screening") else {
        return r#"<p class="muted">No party was named: nothing was screened.</p>"#.into();
    };
    let parties = arr(screening, "parties");
    if parties.is_empty() {
        return r#"<p class="muted">No party was named: nothing was screened.</p>"#.into();
    }
    let mut out = format!(
        r#"<p class="muted">Hit threshold {:.2}; matches from {:.2} need a person's review. List snapshot {}.</p>"#,
        screening
            .get("hit_threshold")
            .and_then(Value::as_f64)
            .unwrap_or(0.85),
        screening
            .get("review_threshold")
            .and_then(Value::as_f64)
            .unwrap_or(0.70),
        short_hash(s(screening, "snapshot")),
    );
    for (p, party) in parties.iter().enumerate() {
        out.push_str(&party_section(p, party, reviews, controls));
    }
    out
}

/// One screened party.
fn party_section(p: usize, party: &Value, reviews: &Reviews, controls: &Controls) -> String {
    let hits = arr(party, "hits");
    let review = arr(party, "needs_review");
    let status = match (hits.len(), review.len()) {
        (0, 0) if arr(party, "resolved").is_empty() => {
            r#"<span class="tag clear">No match</span>"#.to_string()
        }
        (0, 0) => {
            let confirmed = arr(party, "resolved")
                .iter()
                .any(|r| s(r, "verdict") == "true_match" && s(r, "lapsed").is_empty());
            if confirmed {
                r#"<span class="tag hit">Confirmed listed by review</span>"#.to_string()
            } else {
                r#"<span class="tag clear">Cleared by review</span>"#.to_string()
            }
        }
        (h, r) => format!(
            r#"{}{}"#,
            if h > 0 {
                format!(r#"<span class="tag hit">{h} hit{}</span>"#, plural(h))
            } else {
                String::new()
            },
            if r > 0 {
                format!(r#" <span class="tag review">{r} to review</span>"#)
            } else {
                String::new()
            },
        ),
    };
    let key = match s(party, "party_key") {
        "" => crate::service::party_key(s(party, "name")),
        k => k.to_string(),
    };
    let mut out = format!(
        r#"<section class="party"><h3>{} <span class="role">{}</span> {status}</h3>"#,
        esc(s(party, "name")),
        esc(&words(s(party, "role"))),
    );
    for (group, matches, title) in [
        ("hits", hits, "Hits"),
        ("needs_review", review, "Needs review"),
    ] {
        if matches.is_empty() {
            continue;
        }
        out.push_str(&format!(r#"<h4>{title}</h4><ul class="matches">"#));
        for (i, m) in matches.iter().enumerate() {
            let at = MatchRef {
                party: p,
                group,
                index: i,
            };
            out.push_str(&match_item(
                &at,
                s(party, "name"),
                &key,
                m,
                reviews,
                controls,
            ));
        }
        out.push_str("</ul>");
    }
    out.push_str(&resolved(party));
    out.push_str("</section>");
    out
}

/// The matches an earlier review decision settled for this screening (`resolved`): the
/// decision applied, or lapsed (the entry changed, the clearance expired) and not applied.
fn resolved(party: &Value) -> String {
    let items = arr(party, "resolved");
    if items.is_empty() {
        return String::new();
    }
    let mut out = String::from(
        r#"<h4>Settled by earlier review decisions</h4><ul class="matches resolved">"#,
    );
    for r in items {
        let verdict = s(r, "verdict");
        let label = if verdict == "true_match" {
            "True match"
        } else {
            "False positive"
        };
        let (class, state) = match s(r, "lapsed") {
            "" => ("applied", "applied to this determination".to_string()),
            why => (
                "lapsed",
                format!("<strong>lapsed, not applied</strong>: {}", esc(why)),
            ),
        };
        out.push_str(&format!(
            r#"<li class="match settled {class}"><div class="match-head"><span class="score">{score:.2}</span><div><p class="entry"><strong>{name}</strong> <span class="list">{list}</span> <span class="muted">entry {id}</span></p>
<p class="decision {verdict_class}"><span class="verdict">{label}</span> ({state}) — {decided}</p></div></div>{facts}</li>"#,
            score = r.get("score").and_then(Value::as_f64).unwrap_or(0.0),
            name = esc(s(r, "name")),
            list = esc(list_label(s(r, "list"))),
            id = esc(s(r, "id")),
            verdict_class = esc(verdict),
            decided = esc(s(r, "decided")),
            facts = entry_facts(r),
        ));
    }
    out.push_str("</ul>");
    out
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
) -> String {
    let list = s(m, "list");
    let lookup = (key.to_string(), list.to_string(), s(m, "id").to_string());
    let decided = reviews.get(&lookup).map(Vec::as_slice).unwrap_or_default();
    let explanation = m.get("explanation").unwrap_or(&Value::Null);
    let class = if at.group == "hits" { "hit" } else { "review" };
    let generic = if m.get("generic_only").and_then(Value::as_bool) == Some(true) {
        r#" <span class="tag generic" title="Every word that matched is a generic word (ministry, trading, company...): not stated as fact">generic words only</span>"#
    } else {
        ""
    };
    format!(
        r#"<li class="match {class}" id="{anchor}">
<div class="match-head"><span class="score">{score:.2}</span><div><p class="entry"><strong>{name}</strong> <span class="list">{list_label}</span> <span class="muted">entry {id}</span>{generic}</p>
<p class="matched">matched “{matched}”</p></div></div>
<p class="explanation">{summary}</p>
{facts}
{details}
{decisions}
{form}
</li>"#,
        anchor = at.anchor(),
        score = m.get("score").and_then(Value::as_f64).unwrap_or(0.0),
        name = esc(s(m, "name")),
        list_label = esc(list_label(list)),
        id = esc(s(m, "id")),
        matched = esc(s(m, "matched")),
        summary = esc(s(explanation, "summary")),
        facts = entry_facts(m),
        details = explanation_details(explanation),
        decisions = decisions(decided, controls.record_id, party),
        form = review_form(at, controls, ""),
    )
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
pub fn entry_facts(m: &Value) -> String {
    let mut rows = Vec::new();
    let list = s(m, "list");
    if !list.is_empty() {
        rows.push(row(
            "List",
            &format!("{} ({})", esc(list_label(list)), esc(list)),
        ));
    }
    let joined = |keys: &[&str], sep: &str| {
        entry_field(m, keys)
            .map(texts)
            .filter(|t| !t.is_empty())
            .map(|t| t.iter().map(|x| esc(x)).collect::<Vec<_>>().join(sep))
    };
    if let Some(v) = joined(&["programs", "program"], "; ") {
        rows.push(row("Programs", &v));
    }
    if let Some(v) = joined(&["addresses", "address"], "<br>") {
        rows.push(row("Addresses", &v));
    }
    if let Some(v) = entry_field(m, &["countries"]).map(texts) {
        if !v.is_empty() {
            let named: Vec<String> = v
                .iter()
                .map(|c| match countries::lookup(c) {
                    Some(found) if found.alpha2.eq_ignore_ascii_case(c) => {
                        format!("{} ({})", esc(found.name), esc(c))
                    }
                    _ => esc(c),
                })
                .collect();
            rows.push(row("Countries", &named.join(", ")));
        }
    }
    if let Some(v) = joined(&["aliases"], "; ") {
        rows.push(row("Also known as", &v));
    }
    if let Some(v) = joined(&["listed", "listing_date", "listed_on", "start_date"], ", ") {
        rows.push(row("Listed", &v));
    }
    if let Some(v) = joined(&["listing"], " ") {
        rows.push(row("Listing dates", &v));
    }
    if let Some(v) = entry_field(m, &["federal_register"]).map(texts) {
        if !v.is_empty() {
            let cited: Vec<String> = v.iter().map(|c| link_citation(c)).collect();
            rows.push(row("Federal Register", &cited.join("; ")));
        }
    }
    if let Some(v) = joined(&["end_date"], ", ") {
        rows.push(row("Listing ends", &v));
    }
    if let Some(v) = joined(&["license_requirement"], " ") {
        rows.push(row("License requirement", &v));
    }
    if let Some(v) = joined(&["license_policy"], " ") {
        rows.push(row("License review policy", &v));
    }
    if let Some(v) = joined(&["remarks"], " ") {
        rows.push(row("Remarks", &v));
    }
    if let Some(url) = entry_field(m, &["source_url", "source"]).and_then(Value::as_str) {
        let shown = if url.starts_with("https://") || url.starts_with("http://") {
            format!(
                r#"<a href="{0}" rel="noopener noreferrer" target="_blank">{0}</a>"#,
                esc(url)
            )
        } else {
            esc(url)
        };
        rows.push(row("Source", &shown));
    }
    if rows.len() <= 1 {
        return String::new();
    }
    format!(
        r#"<dl class="facts compact entry-facts">{}</dl>"#,
        rows.concat()
    )
}

/// The token-by-token explanation, folded.
fn explanation_details(e: &Value) -> String {
    let tokens = arr(e, "tokens");
    let adjustments = arr(e, "adjustments");
    if tokens.is_empty() && adjustments.is_empty() {
        return String::new();
    }
    let mut rows = String::new();
    for t in tokens {
        rows.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{:.2}</td><td>{:.2}</td></tr>",
            esc(s(t, "query")),
            esc(s(t, "matched")),
            esc(s(t, "how")),
            t.get("similarity").and_then(Value::as_f64).unwrap_or(0.0),
            t.get("weight").and_then(Value::as_f64).unwrap_or(0.0),
        ));
    }
    let unmatched = |key: &str| {
        arr(e, key)
            .iter()
            .map(|t| esc(s(t, "token")))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut adj = String::new();
    for a in adjustments {
        adj.push_str(&format!(
            "<li>{} ({:+.3})</li>",
            esc(s(a, "detail")),
            a.get("effect").and_then(Value::as_f64).unwrap_or(0.0)
        ));
    }
    format!(
        r#"<details class="why"><summary>How the score was reached</summary>
<table><thead><tr><th scope="col">Query token</th><th scope="col">Listed token</th><th scope="col">How</th><th scope="col">Similarity</th><th scope="col">Weight</th></tr></thead><tbody>{rows}</tbody></table>
<p>Unmatched in the query: {uq}. Unmatched in the listed name: {un}.</p>
<p>Coverage: query {qc:.2}, name {nc:.2}; base score {base:.3}.</p>
{adj}
</details>"#,
        uq = or_none(unmatched("unmatched_query")),
        un = or_none(unmatched("unmatched_name")),
        qc = e
            .get("query_coverage")
            .and_then(Value::as_f64)
            .unwrap_or(0.0),
        nc = e
            .get("name_coverage")
            .and_then(Value::as_f64)
            .unwrap_or(0.0),
        base = e.get("base_score").and_then(Value::as_f64).unwrap_or(0.0),
        adj = if adj.is_empty() {
            String::new()
        } else {
            format!("<ul>{adj}</ul>")
        },
    )
}

fn or_none(s: String) -> String {
    if s.is_empty() {
        "none".into()
    } else {
        s
    }
}

/// The review decisions recorded for this party and entry: this determination's, and
/// earlier ones (shown, never used to hide the match).
fn decisions(decided: &[ReviewDecision], record_id: i64, party: &str) -> String {
    if decided.is_empty() {
        return String::new();
    }
    let mut out = String::from(
        r#"<div class="decisions"><p class="decisions-title">Review decisions for this party and entry</p><ul>"#,
    );
    for d in decided {
        let on = match d.screening_record {
            Some(id) if id == record_id => "on this determination".to_string(),
            Some(id) => {
                format!(r#"earlier, on <a href="/ui/determinations/{id}">record #{id}</a>"#)
            }
            None => "earlier".to_string(),
        };
        let same_name = if d.party == party {
            String::new()
        } else {
            format!(" (screened as “{}”)", esc(&d.party))
        };
        out.push_str(&format!(
            r#"<li class="decision {verdict}"><span class="verdict">{label}</span> by {actor}, {when}, {on}{same_name}: “{reason}” <a class="muted" href="/ui/records/{rid}">review record #{rid}</a></li>"#,
            verdict = d.verdict.as_str(),
            label = if d.verdict == records::Verdict::TrueMatch { "True match" } else { "False positive" },
            actor = esc(&d.actor),
            when = esc(&d.created_at.chars().take(10).collect::<String>()),
            reason = esc(&d.reason),
            rid = d.record_id,
        ));
    }
    out.push_str("</ul></div>");
    out
}

/// The review form of one match, for reviewers. `place` prefixes the element ids (the
/// same match's form may be on the page twice: in the HOLD banner and in the screening).
///
/// The reason is a textarea, so Enter adds a line and never submits; either button leads
/// to a confirmation page (`POST /ui/reviews` without `confirmed`), so nothing is
/// recorded by one click.
pub fn review_form(at: &MatchRef, controls: &Controls, place: &str) -> String {
    let Some(csrf) = controls.csrf else {
        return String::new();
    };
    let anchor = at.anchor();
    format!(
        r#"<form class="review-form" method="post" action="/ui/reviews">
{csrf}
<input type="hidden" name="record" value="{record}">
<input type="hidden" name="party" value="{party}">
<input type="hidden" name="group" value="{group}">
<input type="hidden" name="index" value="{index}">
<label for="reason-{place}{anchor}">Reason for the decision</label>
<textarea id="reason-{place}{anchor}" name="reason" rows="2" required placeholder="e.g. different country and business; checked address"></textarea>
<div class="buttons"><button type="submit" name="verdict" value="true_match" class="danger">True match…</button>
<button type="submit" name="verdict" value="false_positive">False positive…</button></div>
<p class="hint">Either button asks you to confirm before anything is recorded.</p>
</form>"#,
        record = controls.record_id,
        party = at.party,
        group = at.group,
        index = at.index,
    )
}

#[cfg(test)]
mod route_tests {
    use super::route_and_lines;

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
        let html = route_and_lines(&det);
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
        assert!(route_and_lines(&serde_json::json!({"trace": []})).is_empty());
    }
}

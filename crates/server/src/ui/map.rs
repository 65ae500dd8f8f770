//! Where can this item go under ACE? (`GET /ui/map?eccn=&end_user=&as_of=`): a world map
//! (SVG) with every country coloured by its outcome, from [`crate::service::matrix`], and
//! the same rows in a table beside it.
//!
//! Each country on the map is a link, so it takes the keyboard focus; focusing or
//! pointing at one shows its outcome and why in the panel under the map (`ui.js`), and
//! following the link goes to its row in the table, where the same is written out (no
//! script needed). The outlines are Natural Earth's (public domain), built into
//! `assets/world.tsv` by `scripts/world-map/build.mjs`. Destinations without an outline
//! (the part 746 regions, small islands) are in the table.

use super::ecfr::link_citation;
use super::html::{error_page, html, page, query_value, Markup, Nav};
use super::render::{outcome_class, outcome_label, outcome_pill};
use super::session::Signed;
use crate::service::{self, MatrixRow};
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use decide::transaction::{EndUserKind, ItemInput, PartyInput};
use decide::{Outcome, Step, TransactionInput};
use serde::Deserialize;
use std::collections::HashMap;

/// The map's parameters; every one has a default.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct MapQuery {
    eccn: String,
    end_user: String,
    as_of: String,
}

/// The country outlines: `(alpha-2, SVG path)` and the view box they are drawn in.
struct World {
    view_box: &'static str,
    outlines: Vec<(&'static str, &'static str)>,
}

/// [`World`] from the bundled `world.tsv`, read once.
fn world() -> &'static World {
    static WORLD: std::sync::OnceLock<World> = std::sync::OnceLock::new();
    WORLD.get_or_init(|| {
        let text = include_str!("../../assets/world.tsv");
        let view_box = text
            .lines()
            .find_map(|l| l.strip_prefix("# viewBox "))
            .unwrap_or("0 0 1000 520");
        let outlines = text
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| l.split_once('\t'))
            .collect();
        World { view_box, outlines }
    })
}

/// The destination's name as people know it (`countries`), else the row's.
fn display_name(r: &MatrixRow) -> String {
    countries::by_code(&r.code)
        .map(|c| c.name.to_string())
        .unwrap_or_else(|| r.name.clone())
}

/// Why each destination has its outcome, in the words of the review's findings: the
/// finding that settled it (a list, an end use, an embargo), else the Country Chart's and
/// License Exception ACE's last; for NLR, the Country Chart's. The same review as the
/// map's row (the transaction `decide::matrix` builds: the item, the destination, the
/// end-user kind); a destination whose review gives another outcome keeps its citations.
fn reasons(
    state: &AppState,
    eccn: &str,
    kind: EndUserKind,
    date: ear::Date,
    rows: &[MatrixRow],
) -> HashMap<String, String> {
    rows.iter()
        .filter_map(|r| {
            let input = TransactionInput {
                date: Some(date.to_string()),
                item: Some(ItemInput {
                    eccn: Some(eccn.to_string()),
                    ..ItemInput::default()
                }),
                destination: Some(r.code.clone()),
                end_user: Some(PartyInput {
                    kind: Some(kind),
                    ..PartyInput::default()
                }),
                ..TransactionInput::default()
            };
            let (_, d) = decide::determine(&input, state.law(), date).ok()?;
            if d.outcome != r.outcome {
                return None;
            }
            let held = |step: Step| d.trace.iter().filter(move |f| f.held && f.step == step);
            let settled = d.trace.iter().find(|f| {
                f.held
                    && matches!(
                        f.step,
                        Step::SubjectToEar | Step::Parties | Step::EndUse | Step::Embargo
                    )
            });
            let because: Vec<&str> = match (d.outcome, settled) {
                (Outcome::NoLicenseRequired, _) => d
                    .trace
                    .iter()
                    .filter(|f| f.step == Step::CountryChart)
                    .map(|f| f.because.as_ref())
                    .collect(),
                (_, Some(f)) => vec![f.because.as_ref()],
                _ => held(Step::CountryChart)
                    .chain(held(Step::LicenseException).next_back())
                    .map(|f| f.because.as_ref())
                    .collect(),
            };
            (!because.is_empty()).then(|| (r.code.clone(), because.join("; ")))
        })
        .collect()
}

/// Why a destination has its outcome, in one line: the findings' words, else the
/// citations that carried it.
fn reason(r: &MatrixRow, why: &HashMap<String, String>) -> String {
    match why.get(&r.code) {
        Some(text) => text.clone(),
        None if r.deciding.is_empty() => "No rule of the review applied".to_string(),
        None => r.deciding.join("; "),
    }
}

/// `GET /ui/map`.
pub async fn show(
    State(state): State<AppState>,
    signed: Signed,
    Query(q): Query<MapQuery>,
) -> Response {
    let session = &signed.session;
    let eccn = if q.eccn.trim().is_empty() {
        "4D004".to_string()
    } else {
        q.eccn.trim().to_string()
    };
    let kind = if q.end_user == "non_government" {
        EndUserKind::NonGovernment
    } else {
        EndUserKind::Government
    };
    let today = chrono::Utc::now().date_naive();
    let date = match q.as_of.trim() {
        "" => today,
        d => match ear::parse_date(d) {
            Some(d) => d,
            None => {
                return error_page(
                    StatusCode::BAD_REQUEST,
                    Some(session),
                    "The date must be YYYY-MM-DD.",
                )
            }
        },
    };
    let shared = state.clone();
    let asked = eccn.clone();
    let rows = tokio::task::spawn_blocking(move || {
        service::matrix(&shared, &asked, kind, date).map(|rows| {
            let why = reasons(&shared, &asked, kind, date, &rows);
            (rows, why)
        })
    })
    .await;
    let ((rows, why), error) = match rows {
        Ok(Ok(found)) => (found, None),
        Ok(Err(e)) => ((Vec::new(), HashMap::new()), Some(e.to_string())),
        Err(_) => (
            (Vec::new(), HashMap::new()),
            Some("internal error".to_string()),
        ),
    };
    let by_code: HashMap<&str, &MatrixRow> = rows.iter().map(|r| (r.code.as_str(), r)).collect();
    let kind_value = match kind {
        EndUserKind::Government => "government",
        EndUserKind::NonGovernment => "non_government",
    };
    let caption = format!(
        "{eccn} to a {} end user, as of {date}",
        if kind == EndUserKind::Government {
            "government"
        } else {
            "non-government"
        }
    );
    let body = html! {
        h1 { "Where can this item go?" }
        p.lead { "The outcome for every destination, for one ECCN and end-user kind, as of a date: the same order of review as a determination, without parties (screen the parties of a real export with a determination)." }
        form.filters method="get" action="/ui/map" data-autosubmit {
            div.field { label for="eccn" { "ECCN" } select id="eccn" name="eccn" { (eccn_options(&state, &eccn)) } }
            fieldset.segmented { legend { "End user" } (kind_toggle(kind)) }
            div.field { label for="as_of" { "As of" } input id="as_of" name="as_of" type="date" value=(date.to_string()) min="2022-03-07"; }
            div.field { button type="submit" { "Show" } }
        }
        @if let Some(e) = error { p.notice.error role="alert" { (e) } }
        (legend(&rows))
        div.map-layout {
            figure.map-figure {
                (world_svg(&by_code, &why, &caption))
                figcaption.muted {
                    "Each country is coloured by its outcome for " (caption)
                    ". Tab to a country (or point at it) to see its outcome and why; the table lists every destination. Outlines: Natural Earth (public domain)."
                }
                div.map-focus id="map-focus" aria-live="polite" data-map-focus {
                    p.muted { "Focus a country on the map to see its outcome and the reason here." }
                }
            }
            div.map-table {
                h2 id="destinations-title" { "Every destination" }
                div.field.map-filter {
                    label for="tile-filter" { "Find a destination" }
                    input id="tile-filter" type="search" placeholder="name or code" data-tile-filter autocomplete="off";
                }
                (table(&rows, &why, &eccn, kind_value))
            }
        }
    };
    page("Map", Some(session), Nav::Map, body).into_response()
}

/// The ECCN select: the cybersecurity items and 5D001.e, the current one selected (kept
/// even when it is not in the list).
fn eccn_options(state: &AppState, current: &str) -> Markup {
    let mut all: Vec<String> = state
        .law()
        .cybersecurity_items()
        .iter()
        .map(|e| e.to_string())
        .collect();
    all.push("5D001.e".into());
    if !all.iter().any(|e| e == current) {
        all.insert(0, current.to_string());
    }
    html! {
        @for e in &all { option value=(e) selected[e == current] { (e) } }
    }
}

/// The end-user kind as two radio buttons.
fn kind_toggle(kind: EndUserKind) -> Markup {
    let choices = [
        (EndUserKind::Government, "government", "Government"),
        (
            EndUserKind::NonGovernment,
            "non_government",
            "Non-government",
        ),
    ];
    html! {
        @for (k, value, label) in choices {
            input type="radio" id={ "eu-" (value) } name="end_user" value=(value) checked[k == kind];
            label for={ "eu-" (value) } { (label) }
        }
    }
}

/// The legend: each outcome's colour, words, code and count, and the hatching of
/// unverified.
fn legend(rows: &[MatrixRow]) -> Markup {
    let outcomes = [
        Outcome::Ace,
        Outcome::NoLicenseRequired,
        Outcome::NotSubject,
        Outcome::LicenseRequired,
        Outcome::Prohibited,
    ];
    let unverified = rows.iter().filter(|r| r.unverified).count();
    html! {
        ul.legend aria-label="Legend" {
            @for o in outcomes {
                li data-outcome=(o.code()) {
                    span class={ "swatch " (outcome_class(o.code())) } aria-hidden="true" {}
                    (outcome_label(o.code())) " "
                    span.count { (rows.iter().filter(|r| r.outcome == o).count()) }
                }
            }
            li {
                span.swatch.hatched aria-hidden="true" {}
                "Rests on unverified data "
                span.count { (unverified) }
            }
            li {
                span.swatch.no-data aria-hidden="true" {}
                "Not a destination here (the United States) or no data"
            }
        }
    }
}

/// The world map: one link per country with an outline, coloured by its outcome.
fn world_svg(
    by_code: &HashMap<&str, &MatrixRow>,
    why: &HashMap<String, String>,
    caption: &str,
) -> Markup {
    let world = world();
    html! {
        svg.world xmlns="http://www.w3.org/2000/svg" viewBox=(world.view_box) role="group" aria-label={ "World map of outcomes: " (caption) } {
            defs {
                pattern id="hatch" width="5" height="5" patternUnits="userSpaceOnUse" patternTransform="rotate(45)" {
                    rect width="2" height="5" fill="#ffffff" fill-opacity="0.6" {}
                }
            }
            @for (code, d) in &world.outlines {
                @match by_code.get(code) {
                    Some(r) => {
                        @let name = display_name(r);
                        @let label = format!("{name}: {}", outcome_label(r.outcome.code()));
                        a class={ "country " (outcome_class(r.outcome.code())) @if r.unverified { " unverified" } }
                            href={ "#dest-" (code) } data-code=(code) data-outcome=(r.outcome.code()) aria-label=(label) {
                            title { (label) ". " (reason(r, why)) }
                            path d=(d) {}
                            @if r.unverified { path.hatch d=(d) {} }
                        }
                    },
                    None => path.country.no-data d=(d) {},
                }
            }
        }
    }
}

/// Every destination as a table row: name and code, outcome, why, and a link to the
/// determination form for it.
fn table(
    rows: &[MatrixRow],
    why: &HashMap<String, String>,
    eccn: &str,
    kind_value: &str,
) -> Markup {
    let mut sorted: Vec<(&MatrixRow, String)> = rows.iter().map(|r| (r, display_name(r))).collect();
    sorted.sort_by(|a, b| a.1.cmp(&b.1));
    html! {
        div.table-scroll.destinations-scroll role="region" aria-label="Every destination" tabindex="0" {
            table.destinations {
                thead { tr {
                    th scope="col" { "Destination" } th scope="col" { "Outcome" }
                    th scope="col" { "Why" } th scope="col" { span.visually-hidden { "Decide" } }
                } }
                tbody {
                    @for (r, name) in &sorted {
                        tr.tile id={ "dest-" (r.code) } data-code=(r.code) data-outcome=(r.outcome.code())
                            data-name=(name.to_lowercase()) data-label=(outcome_label(r.outcome.code())) {
                            th scope="row" { span.t-name { (name) } " " span.t-code.muted { (r.code) } }
                            td {
                                (outcome_pill(r.outcome.code()))
                                @if r.unverified { " " span.tag.generic title="The outcome rests on data marked unverified" { "unverified data" } }
                            }
                            td.reason {
                                @if why.contains_key(&r.code) || r.deciding.is_empty() { (reason(r, why)) }
                                @if !r.deciding.is_empty() {
                                    span.cites {
                                        " ("
                                        @for (i, c) in r.deciding.iter().enumerate() { @if i > 0 { "; " } (link_citation(c)) }
                                        ")"
                                    }
                                }
                            }
                            td {
                                a href={ "/ui?eccn=" (query_value(eccn)) "&destination=" (query_value(&r.code)) "&end_user_kind=" (kind_value) } {
                                    "Decide" span.visually-hidden { " an export to " (name) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

//! Where can this item go under ACE? (`GET /ui/map?eccn=&end_user=&as_of=`): a tile per
//! destination, coloured by outcome, from [`crate::service::matrix`].

use super::html::{error_page, html, page, query_value, Markup, Nav};
use super::render::outcome_class;
use super::session::Signed;
use crate::service::{self, MatrixRow};
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use decide::transaction::EndUserKind;
use decide::Outcome;
use serde::Deserialize;

/// The map's parameters; every one has a default.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct MapQuery {
    eccn: String,
    end_user: String,
    as_of: String,
}

/// The legend's words for each outcome.
fn legend_label(o: Outcome) -> &'static str {
    match o {
        Outcome::Ace => "ACE authorizes",
        Outcome::NoLicenseRequired => "No license required",
        Outcome::NotSubject => "Not subject",
        Outcome::LicenseRequired => "License required",
        Outcome::Prohibited => "Prohibited",
        Outcome::Hold => "On hold",
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
    let rows =
        tokio::task::spawn_blocking(move || service::matrix(&shared, &asked, kind, date)).await;
    let (rows, error) = match rows {
        Ok(Ok(rows)) => (rows, None),
        Ok(Err(e)) => (Vec::new(), Some(e.to_string())),
        Err(_) => (Vec::new(), Some("internal error".to_string())),
    };
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
        div.field.map-filter {
            label for="tile-filter" { "Find a destination" }
            input id="tile-filter" type="search" placeholder="name or code" data-tile-filter autocomplete="off";
        }
        (grid(&rows, &eccn, kind))
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

/// The legend: each outcome's colour, words and count, and the hatching of unverified.
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
                li {
                    span class={ "swatch " (outcome_class(o.code())) } aria-hidden="true" {}
                    (legend_label(o)) " "
                    span.count { (o.code()) " · " (rows.iter().filter(|r| r.outcome == o).count()) }
                }
            }
            li {
                span.swatch.hatched aria-hidden="true" {}
                "Rests on unverified data "
                span.count { (unverified) }
            }
        }
    }
}

/// The tiles, by name; each links to a determination form for that destination.
fn grid(rows: &[MatrixRow], eccn: &str, kind: EndUserKind) -> Markup {
    let display = |r: &MatrixRow| {
        countries::by_code(&r.code)
            .map(|c| c.name.to_string())
            .unwrap_or_else(|| r.name.clone())
    };
    let mut sorted: Vec<&MatrixRow> = rows.iter().collect();
    sorted.sort_by_cached_key(|r| display(r));
    let kind_value = match kind {
        EndUserKind::Government => "government",
        EndUserKind::NonGovernment => "non_government",
    };
    html! {
        ul.tiles aria-label="Destinations" {
            @for r in sorted {
                @let name = display(r);
                @let deciding = if r.deciding.is_empty() { String::new() } else { format!(": {}", r.deciding.join("; ")) };
                li class={ "tile " (outcome_class(r.outcome.code())) @if r.unverified { " unverified" } }
                    data-code=(r.code) data-outcome=(r.outcome.code()) data-name=(name.to_lowercase()) {
                    a href={ "/ui?eccn=" (query_value(eccn)) "&destination=" (query_value(&r.code)) "&end_user_kind=" (kind_value) }
                        title={ (name) " (" (r.code) "): " (r.outcome.code()) (deciding) } {
                        span.t-code { (r.code) }
                        span.t-name { (name) }
                        span.t-out { (r.outcome.code()) @if r.unverified { " ?" } }
                    }
                }
            }
        }
    }
}

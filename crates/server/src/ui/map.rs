//! Where can this item go under ACE? (`GET /ui/map?eccn=&end_user=&as_of=`): a tile per
//! destination, coloured by outcome, from [`crate::service::matrix`].

use super::html::{error_page, esc, page, url_encode, Nav};
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
        Ok(Ok(rows)) => (rows, String::new()),
        Ok(Err(e)) => (
            Vec::new(),
            format!(
                r#"<p class="notice error" role="alert">{}</p>"#,
                esc(&e.to_string())
            ),
        ),
        Err(_) => (
            Vec::new(),
            r#"<p class="notice error" role="alert">internal error</p>"#.to_string(),
        ),
    };
    let body = format!(
        r#"<h1>Where can this item go?</h1>
<p class="lead">The outcome for every destination, for one ECCN and end-user kind, as of a date: the same order of review as a determination, without parties (screen the parties of a real export with a determination).</p>
<form method="get" action="/ui/map" class="filters" data-autosubmit>
<div class="field"><label for="eccn">ECCN</label><select id="eccn" name="eccn">{eccns}</select></div>
<fieldset class="segmented"><legend>End user</legend>{kinds}</fieldset>
<div class="field"><label for="as_of">As of</label><input id="as_of" name="as_of" type="date" value="{as_of}" min="2022-03-07"></div>
<div class="field"><button type="submit">Show</button></div>
</form>
{error}
{legend}
<div class="field map-filter"><label for="tile-filter">Find a destination</label><input id="tile-filter" type="search" placeholder="name or code" data-tile-filter autocomplete="off"></div>
{grid}"#,
        eccns = eccn_options(&state, &eccn),
        kinds = kind_toggle(kind),
        as_of = esc(&date.to_string()),
        legend = legend(&rows),
        grid = grid(&rows, &eccn, kind),
    );
    page("Map", Some(session), Nav::Map, &body).into_response()
}

/// The ECCN select: the cybersecurity items and 5D001.e, the current one selected (kept
/// even when it is not in the list).
fn eccn_options(state: &AppState, current: &str) -> String {
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
    all.iter()
        .map(|e| {
            let selected = if e == current { " selected" } else { "" };
            format!(r#"<option value="{0}"{selected}>{0}</option>"#, esc(e))
        })
        .collect()
}

/// The end-user kind as two radio buttons.
fn kind_toggle(kind: EndUserKind) -> String {
    [(EndUserKind::Government, "government", "Government"), (EndUserKind::NonGovernment, "non_government", "Non-government")]
        .iter()
        .map(|(k, value, label)| {
            let checked = if *k == kind { " checked" } else { "" };
            format!(r#"<input type="radio" id="eu-{value}" name="end_user" value="{value}"{checked}><label for="eu-{value}">{label}</label>"#)
        })
        .collect()
}

/// The legend: each outcome's colour, words and count, and the hatching of unverified.
fn legend(rows: &[MatrixRow]) -> String {
    let mut items = String::new();
    for o in [
        Outcome::Ace,
        Outcome::NoLicenseRequired,
        Outcome::NotSubject,
        Outcome::LicenseRequired,
        Outcome::Prohibited,
    ] {
        let n = rows.iter().filter(|r| r.outcome == o).count();
        items.push_str(&format!(
            r#"<li><span class="swatch {}" aria-hidden="true"></span>{} <span class="count">{} · {n}</span></li>"#,
            outcome_class(o.code()),
            legend_label(o),
            o.code()
        ));
    }
    let unverified = rows.iter().filter(|r| r.unverified).count();
    items.push_str(&format!(
        r#"<li><span class="swatch hatched" aria-hidden="true"></span>Rests on unverified data <span class="count">{unverified}</span></li>"#
    ));
    format!(r#"<ul class="legend" aria-label="Legend">{items}</ul>"#)
}

/// The tiles, by name; each links to a determination form for that destination.
fn grid(rows: &[MatrixRow], eccn: &str, kind: EndUserKind) -> String {
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
    let mut out = String::from(r#"<ul class="tiles" aria-label="Destinations">"#);
    for r in sorted {
        let uv = if r.unverified { " unverified" } else { "" };
        let name = display(r);
        let deciding = if r.deciding.is_empty() {
            String::new()
        } else {
            format!(": {}", r.deciding.join("; "))
        };
        out.push_str(&format!(
            r#"<li class="tile {class}{uv}" data-code="{code}" data-outcome="{outcome}" data-name="{name_lower}"><a href="/ui?eccn={eccn_q}&amp;destination={code_q}&amp;end_user_kind={kind_value}" title="{title}"><span class="t-code">{code}</span><span class="t-name">{name}</span><span class="t-out">{outcome}{uv_mark}</span></a></li>"#,
            class = outcome_class(r.outcome.code()),
            code = esc(&r.code),
            outcome = r.outcome.code(),
            name_lower = esc(&name.to_lowercase()),
            eccn_q = esc(&url_encode(eccn)),
            code_q = esc(&url_encode(&r.code)),
            title = esc(&format!("{name} ({}): {}{deciding}", r.code, r.outcome.code())),
            name = esc(&name),
            uv_mark = if r.unverified { " ?" } else { "" },
        ));
    }
    out.push_str("</ul>");
    out
}

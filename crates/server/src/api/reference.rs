//! Reference data: the active list snapshot and the regulatory data (`/v1/rules/...`),
//! each value with its dates and source, as `ace rules show` prints them.

use super::bad_params;
use super::decisions::parse_as_of;
use crate::auth::{Caller, Permission};
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::Json;
use ear::{Date, Law, Membership, Provenance};
use lists::SnapshotMeta;
use serde::{Deserialize, Serialize};

/// The active list snapshot the server screens against.
#[utoipa::path(get, path = "/v1/lists", tag = "reference",
    responses((status = 200, body = SnapshotMeta), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn lists(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<SnapshotMeta>, ApiError> {
    caller.require(Permission::Read)?;
    Ok(Json(state.snapshot().clone()))
}

/// Where a value comes from and how sure it is.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Source {
    pub source: String,
    /// `text`, `ecfr-data`, `summary` or `unverified`.
    pub confidence: String,
}

impl From<&Provenance> for Source {
    fn from(p: &Provenance) -> Self {
        Source {
            source: p.source.clone(),
            confidence: p.confidence.to_string(),
        }
    }
}

/// What `/v1/rules` offers.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RulesIndex {
    /// SHA-256 of the regulatory data in use (the `ruleset` of every determination).
    pub hash: String,
    /// Rules files replaced by an override directory.
    pub overridden_files: Vec<String>,
    /// The other `/v1/rules/...` paths.
    pub topics: Vec<String>,
}

/// The ruleset in use and the topics.
#[utoipa::path(get, path = "/v1/rules", tag = "reference",
    responses((status = 200, body = RulesIndex), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn rules(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<RulesIndex>, ApiError> {
    caller.require(Permission::Read)?;
    let law = state.law();
    let topics = [
        "groups",
        "groups/{id}",
        "countries/{country}",
        "eccns",
        "eccns/{eccn}",
        "embargoes",
        "periods",
    ];
    Ok(Json(RulesIndex {
        hash: law.hash().to_string(),
        overridden_files: law
            .overridden_files()
            .iter()
            .map(|f| f.to_string())
            .collect(),
        topics: topics.iter().map(|t| format!("/v1/rules/{t}")).collect(),
    }))
}

/// `as_of` for the dated views.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AsOf {
    /// `YYYY-MM-DD`: only what holds on that date (default: every dated value for
    /// groups, today for countries).
    as_of: Option<String>,
}

/// A dated membership of a country in a group.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MemberView {
    pub country: String,
    pub name: String,
    /// Inclusive.
    pub from: Option<String>,
    /// Exclusive.
    pub until: Option<String>,
    pub source: Source,
    pub note: Option<String>,
}

fn member(m: &Membership) -> MemberView {
    MemberView {
        name: countries::by_code(&m.country)
            .map_or_else(|| m.country.clone(), |c| c.name.to_string()),
        country: m.country.clone(),
        from: m.from.map(|d| d.to_string()),
        until: m.until.map(|d| d.to_string()),
        source: (&m.provenance).into(),
        note: m.note.clone(),
    }
}

/// A Country Group.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct GroupView {
    pub id: String,
    pub description: String,
    pub source: Source,
    pub note: Option<String>,
    pub members: Vec<MemberView>,
}

/// A Country Group's view (`ear` does not export the group type by name, so the group
/// is taken apart by the caller).
macro_rules! group_view {
    ($g:expr, $on:expr) => {{
        let (g, on): (_, Option<Date>) = ($g, $on);
        GroupView {
            id: g.id.clone(),
            description: g.description.clone(),
            source: (&g.provenance).into(),
            note: g.note.clone(),
            members: members(&g.members, on),
        }
    }};
}

fn members(all: &[Membership], on: Option<Date>) -> Vec<MemberView> {
    all.iter()
        .filter(|m| on.is_none_or(|d| m.holds_on(d)))
        .map(member)
        .collect()
}

fn as_of_param(query: Result<Query<AsOf>, QueryRejection>) -> Result<Option<Date>, ApiError> {
    let Query(q) = query.map_err(|e| bad_params("query", e.body_text()))?;
    q.as_of.as_deref().map(|d| parse_as_of(Some(d))).transpose()
}

/// Every Country Group with its dated members.
#[utoipa::path(get, path = "/v1/rules/groups", tag = "reference", params(AsOf),
    responses((status = 200, body = Vec<GroupView>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn groups(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<AsOf>, QueryRejection>,
) -> Result<Json<Vec<GroupView>>, ApiError> {
    caller.require(Permission::Read)?;
    let on = as_of_param(query)?;
    Ok(Json(
        state.law().groups().map(|g| group_view!(g, on)).collect(),
    ))
}

/// One Country Group (`D:5`, `A:6`, …).
#[utoipa::path(get, path = "/v1/rules/groups/{id}", tag = "reference",
    params(("id" = String, Path, description = "A Country Group id, e.g. D:5"), AsOf),
    responses((status = 200, body = GroupView), (status = 404, body = ErrorBody), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn group(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    query: Result<Query<AsOf>, QueryRejection>,
) -> Result<Json<GroupView>, ApiError> {
    caller.require(Permission::Read)?;
    let on = as_of_param(query)?;
    let law = state.law();
    let g = law.group(&id.to_ascii_uppercase()).ok_or_else(|| {
        ApiError::NotFound(format!(
            "Country Group '{id}'; known: {}",
            law.groups()
                .map(|g| g.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))
    })?;
    Ok(Json(group_view!(g, on)))
}

/// A country's groups, Country Chart cells, embargo and 744.22 status on a date.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CountryView {
    /// The code the EAR uses (`CN` for Hong Kong).
    pub code: String,
    /// "China (CN)".
    pub label: String,
    pub as_of: String,
    /// Why the code differs from the input, if it does.
    pub treated_as: Option<Source>,
    pub groups: Vec<CountryGroupView>,
    pub chart: Vec<ChartView>,
    pub embargo: Option<EmbargoView>,
    /// Set when the destination is a 744.22 military-intelligence destination.
    pub military_intelligence: Option<Source>,
}

/// A group a country is in on a date.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CountryGroupView {
    pub group: String,
    pub from: Option<String>,
    pub until: Option<String>,
    pub source: Source,
}

/// One Country Chart cell.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ChartView {
    pub column: String,
    pub x: bool,
    pub source: Source,
}

/// A country on a date (default today).
#[utoipa::path(get, path = "/v1/rules/countries/{country}", tag = "reference",
    params(("country" = String, Path, description = "ISO code or English name"), AsOf),
    responses((status = 200, body = CountryView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn country(
    State(state): State<AppState>,
    caller: Caller,
    Path(input): Path<String>,
    query: Result<Query<AsOf>, QueryRejection>,
) -> Result<Json<CountryView>, ApiError> {
    caller.require(Permission::Read)?;
    let on = as_of_param(query)?.unwrap_or_else(|| chrono::Utc::now().date_naive());
    let law = state.law();
    let dest = law
        .resolve_destination(&input, on)
        .map_err(|e| ApiError::bad("country", e.to_string()))?;
    Ok(Json(country_view(law, &dest, on)))
}

fn country_view(law: &Law, dest: &ear::Destination, on: Date) -> CountryView {
    let groups = law
        .groups_of(&dest.code, on)
        .into_iter()
        .map(|(g, m)| CountryGroupView {
            group: g.to_string(),
            from: m.from.map(|d| d.to_string()),
            until: m.until.map(|d| d.to_string()),
            source: (&m.provenance).into(),
        })
        .collect();
    let chart = law
        .columns()
        .filter_map(|col| {
            law.chart_cell(&col.id, &dest.code, on)
                .map(|cell| ChartView {
                    column: col.id.clone(),
                    x: cell.x,
                    source: cell.provenance.into(),
                })
        })
        .collect();
    CountryView {
        code: dest.code.clone(),
        label: dest.label().to_string(),
        as_of: on.to_string(),
        treated_as: dest.treated_as.as_ref().map(Source::from),
        groups,
        chart,
        embargo: law.embargo(dest.embargo_key(), on).map(embargo_view),
        military_intelligence: law.military_intelligence(&dest.code, on).map(Source::from),
    }
}

/// A CCL entry ace decides.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EccnView {
    pub eccn: String,
    pub heading: String,
    pub reasons: Vec<String>,
    /// Whether License Exception ACE is named in the entry.
    pub ace: bool,
    pub ace_line: String,
    pub notes: Vec<String>,
    pub from: Option<String>,
    pub until: Option<String>,
    pub source: Source,
    /// Listed in 15 CFR 740.22(b)(1).
    pub cybersecurity_item: bool,
}

fn eccn_view(law: &Law, e: &ear::EccnEntry) -> EccnView {
    let cyber = e
        .eccn
        .parse::<ear::Eccn>()
        .is_ok_and(|parsed| law.is_cybersecurity_item(&parsed));
    EccnView {
        eccn: e.eccn.clone(),
        heading: e.heading.clone(),
        reasons: e.reasons.clone(),
        ace: e.ace,
        ace_line: e.ace_line.clone(),
        notes: e.notes.clone(),
        from: e.from.map(|d| d.to_string()),
        until: e.until.map(|d| d.to_string()),
        source: (&e.provenance).into(),
        cybersecurity_item: cyber,
    }
}

/// Every CCL entry ace decides.
#[utoipa::path(get, path = "/v1/rules/eccns", tag = "reference",
    responses((status = 200, body = Vec<EccnView>), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn eccns(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<EccnView>>, ApiError> {
    caller.require(Permission::Read)?;
    let law = state.law();
    Ok(Json(
        law.entries().iter().map(|e| eccn_view(law, e)).collect(),
    ))
}

/// One CCL entry (`4D004`, `5A001.j`, …).
#[utoipa::path(get, path = "/v1/rules/eccns/{eccn}", tag = "reference",
    params(("eccn" = String, Path, description = "An ECCN, e.g. 4D004")),
    responses((status = 200, body = EccnView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn eccn(
    State(state): State<AppState>,
    caller: Caller,
    Path(input): Path<String>,
) -> Result<Json<EccnView>, ApiError> {
    caller.require(Permission::Read)?;
    let law = state.law();
    let parsed: ear::Eccn = input
        .parse()
        .map_err(|e: ear::eccn::EccnParseError| ApiError::bad("eccn", e.to_string()))?;
    let key = parsed.entry_key();
    let entry = law
        .entry_any_date(&key)
        .ok_or_else(|| ApiError::NotFound(format!("ace has no CCL entry {key}")))?;
    Ok(Json(eccn_view(law, entry)))
}

/// A part 746 embargo.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EmbargoView {
    pub id: String,
    pub section: String,
    pub destinations: Vec<String>,
    pub scope: String,
    pub ace_available: bool,
    pub from: Option<String>,
    pub until: Option<String>,
    pub source: Source,
    pub note: Option<String>,
}

fn embargo_view(e: &ear::Embargo) -> EmbargoView {
    EmbargoView {
        id: e.id.clone(),
        section: e.section.clone(),
        destinations: e.destinations.clone(),
        scope: e.scope.clone(),
        ace_available: e.ace_available,
        from: e.from.map(|d| d.to_string()),
        until: e.until.map(|d| d.to_string()),
        source: (&e.provenance).into(),
        note: e.note.clone(),
    }
}

/// Every part 746 embargo.
#[utoipa::path(get, path = "/v1/rules/embargoes", tag = "reference",
    responses((status = 200, body = Vec<EmbargoView>), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn embargoes(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<EmbargoView>>, ApiError> {
    caller.require(Permission::Read)?;
    Ok(Json(
        state.law().embargoes().iter().map(embargo_view).collect(),
    ))
}

/// When the controls began and which text of 740.22 applies when.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PeriodsView {
    pub controls_from: String,
    pub source: Source,
    pub ace_versions: Vec<AceVersionView>,
}

/// One text of 740.22.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AceVersionView {
    /// `interim` or `final`.
    pub id: String,
    pub name: String,
    pub from: String,
    pub until: Option<String>,
    pub source: Source,
}

/// The periods of the regulation.
#[utoipa::path(get, path = "/v1/rules/periods", tag = "reference",
    responses((status = 200, body = PeriodsView), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn periods(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<PeriodsView>, ApiError> {
    caller.require(Permission::Read)?;
    let law = state.law();
    let (from, source) = law.controls_from();
    Ok(Json(PeriodsView {
        controls_from: from.to_string(),
        source: source.into(),
        ace_versions: law
            .ace_versions()
            .iter()
            .map(|v| AceVersionView {
                id: v.id.clone(),
                name: v.name.clone(),
                from: v.from.to_string(),
                until: v.until.map(|d| d.to_string()),
                source: (&v.provenance).into(),
            })
            .collect(),
    }))
}

//! The determination form (`GET /ui`) and its submission (`POST /ui/determinations`).

use super::html::{csrf_field, error_page, html, may_determine, page, Markup, Nav};
use super::session::{see_other, Signed};
use crate::error::ApiError;
use crate::service;
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Form;
use decide::transaction::{ItemInput, LineInput, OwnerInput, PartyInput};
use decide::TransactionInput;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use std::collections::BTreeMap;

/// The form's fields, as posted and as shown again (after an error, or prefilled).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct FormValues {
    pub csrf: String,
    pub eccn: String,
    pub published: Option<String>,
    pub digital_artifacts: Option<String>,
    pub incident_owner: String,
    pub destination: String,
    pub end_user_name: String,
    pub end_user_kind: String,
    pub government_role: String,
    pub favorable_treatment: String,
    pub consignee_name: String,
    pub purpose: String,
    pub deemed_export: Option<String>,
    pub knowledge_unauthorized_use: Option<String>,
    pub military_intelligence_end_use: Option<String>,
    pub as_of: String,
    pub end_user_country: String,
    pub consignee_country: String,
    pub purchaser_name: String,
    pub purchaser_country: String,
    pub exporter_country: String,
    /// The user's reference for the determination (order, file or case number): the
    /// transaction's `id`, printed on the memo.
    pub reference: String,
    /// What the item is, printed on the memo: the single item becomes a one-line order
    /// (the transaction model keeps descriptions on order lines).
    pub item_description: String,
    /// The end user's owners, one per line: `name, country, percent` (percent may be
    /// blank when unknown).
    pub end_user_owners: String,
    /// How many intermediate-consignee rows and order-line rows the form shows.
    pub legs: String,
    pub lines: String,
    /// `leg` or `line`: the "add another" buttons, which show the form again with one more
    /// row instead of deciding.
    pub add: String,
    /// The repeated rows (`leg{i}_name|country|role|kind`, `line{i}_eccn|description|
    /// quantity|value`) and the red-flag checkboxes (`flag_{id}`).
    #[serde(flatten)]
    pub rows: BTreeMap<String, String>,
}

/// The most rows of one kind the form takes (a longer order goes through the API).
pub const MAX_ROWS: usize = 20;

/// What `GET /ui` may be given: an ECCN (from the classification page), a destination
/// and end-user kind (from the map), or a record to start from.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Prefill {
    eccn: Option<String>,
    destination: Option<String>,
    end_user_kind: Option<String>,
    from: Option<i64>,
}

/// `GET /ui`: the form, empty or prefilled.
pub async fn show(
    State(state): State<AppState>,
    signed: Signed,
    Query(prefill): Query<Prefill>,
) -> Response {
    let mut values = FormValues::default();
    if let Some(id) = prefill.from {
        let store = state.store().clone();
        if let Ok(Ok(Some(record))) = tokio::task::spawn_blocking(move || store.get(id)).await {
            if let Ok(input) = serde_json::from_value::<TransactionInput>(record.input) {
                values = from_input(&input);
            }
        }
    }
    if let Some(eccn) = prefill.eccn {
        values.eccn = eccn;
    }
    if let Some(destination) = prefill.destination {
        values.destination = destination;
    }
    if let Some(kind) = prefill.end_user_kind {
        values.end_user_kind = kind;
    }
    form_page(&state, &signed, &values, None, StatusCode::OK)
}

/// `POST /ui/determinations`: decides, records, and redirects to the result page.
pub async fn submit(
    State(state): State<AppState>,
    signed: Signed,
    Form(values): Form<FormValues>,
) -> Response {
    if let Some(refused) = signed.csrf_refusal(&values.csrf) {
        return refused;
    }
    if let Some(refused) = signed.role_refusal(may_determine, "submit determinations") {
        return refused;
    }
    if !values.add.is_empty() {
        let mut values = values;
        let more = |count: &str| (row_count(count) + 1).min(MAX_ROWS).to_string();
        match values.add.as_str() {
            "leg" => values.legs = more(&values.legs),
            _ => values.lines = more(&values.lines),
        }
        values.add.clear();
        return form_page(&state, &signed, &values, None, StatusCode::OK);
    }
    let input = match to_input(&values) {
        Ok(input) => input,
        Err(message) => {
            return form_page(
                &state,
                &signed,
                &values,
                Some(&message),
                StatusCode::BAD_REQUEST,
            )
        }
    };
    let actor = signed.session.token_name.clone();
    let shared = state.clone();
    let decided =
        tokio::task::spawn_blocking(move || service::determine(&shared, input, &actor)).await;
    match decided {
        Ok(Ok(decided)) => see_other(&format!("/ui/determinations/{}", decided.record_id)),
        Ok(Err(ApiError::Conflict { field, message })) if field == "id" => {
            let message = format!(
                "Your reference {:?} is already used by another determination ({message}): give this one a reference of its own.",
                values.reference.trim()
            );
            form_page(
                &state,
                &signed,
                &values,
                Some(&message),
                StatusCode::CONFLICT,
            )
        }
        Ok(Err(ApiError::BadInput { field, message })) => {
            let message = format!("{field}: {message}");
            form_page(
                &state,
                &signed,
                &values,
                Some(&message),
                StatusCode::BAD_REQUEST,
            )
        }
        Ok(Err(e)) => error_page(e.status(), Some(&signed.session), &e.to_string()),
        Err(_) => error_page(
            StatusCode::INTERNAL_SERVER_ERROR,
            Some(&signed.session),
            "internal error",
        ),
    }
}

/// A checkbox's state.
fn checked(v: &Option<String>) -> bool {
    v.as_deref().is_some_and(|v| !v.is_empty())
}

/// A select's value as one of the transaction's enums (`""` = not given).
fn choice<T: DeserializeOwned>(field: &str, value: &str) -> Result<Option<T>, String> {
    if value.is_empty() {
        return Ok(None);
    }
    serde_json::from_value(serde_json::Value::String(value.to_string()))
        .map(Some)
        .map_err(|_| format!("{field}: '{value}' is not one of the choices offered"))
}

/// A text field: trimmed, `None` when empty.
fn text(value: &str) -> Option<String> {
    let value = value.trim();
    (!value.is_empty()).then(|| value.to_string())
}

/// The destination as typed, with a trailing ` (DE)` reduced to the code.
fn destination(value: &str) -> Option<String> {
    let value = value.trim();
    if let Some(open) = value.rfind(" (") {
        let code = value[open + 2..].trim_end_matches(')');
        if value.ends_with(')') && (2..=6).contains(&code.len()) {
            return Some(code.to_string());
        }
    }
    text(value)
}

/// A row count as posted (at least 1, at most [`MAX_ROWS`]).
fn row_count(value: &str) -> usize {
    value
        .trim()
        .parse::<usize>()
        .unwrap_or(1)
        .clamp(1, MAX_ROWS)
}

/// One field of row `i` of `kind` (`leg`, `line`), trimmed.
fn row<'a>(v: &'a FormValues, kind: &str, i: usize, field: &str) -> &'a str {
    v.rows
        .get(&format!("{kind}{i}_{field}"))
        .map_or("", |s| s.trim())
}

/// The fields whose value makes a row of `kind` count as given.
fn key_fields(kind: &str) -> [&'static str; 2] {
    match kind {
        "leg" => ["name", "country"],
        _ => ["eccn", "description"],
    }
}

/// Whether row `i` of `kind` has any of its key fields filled.
fn is_filled(v: &FormValues, kind: &str, i: usize) -> bool {
    key_fields(kind)
        .iter()
        .any(|field| !row(v, kind, i, field).is_empty())
}

/// How many rows of `kind` the form shows: as many as `requested`, and at least up to
/// the last one filled.
fn shown_rows(v: &FormValues, kind: &str, requested: &str) -> usize {
    let filled = (0..MAX_ROWS)
        .rev()
        .find(|&i| is_filled(v, kind, i))
        .map_or(0, |i| i + 1);
    row_count(requested).max(filled)
}

/// A number field: `None` when empty; an error naming the field otherwise.
fn number(field: &str, value: &str) -> Result<Option<f64>, String> {
    if value.is_empty() {
        return Ok(None);
    }
    value
        .parse::<f64>()
        .ok()
        .filter(|n| n.is_finite())
        .map(Some)
        .ok_or_else(|| format!("{field}: '{value}' is not a number"))
}

/// A party given by name and/or country.
fn party(name: &str, country: &str) -> Option<PartyInput> {
    (!name.trim().is_empty() || !country.trim().is_empty()).then(|| PartyInput {
        name: text(name),
        country: destination(country),
        ..PartyInput::default()
    })
}

/// The intermediate consignees of the filled leg rows, in order.
fn intermediates(v: &FormValues) -> Result<Vec<PartyInput>, String> {
    let mut out = Vec::new();
    for i in (0..MAX_ROWS).filter(|&i| is_filled(v, "leg", i)) {
        let field = format!("intermediate_consignees[{}]", out.len());
        out.push(PartyInput {
            name: text(row(v, "leg", i, "name")),
            country: destination(row(v, "leg", i, "country")),
            role: choice(&format!("{field}.role"), row(v, "leg", i, "role"))?,
            kind: choice(&format!("{field}.kind"), row(v, "leg", i, "kind"))?,
            ..PartyInput::default()
        });
    }
    Ok(out)
}

/// The order lines of the filled line rows, in order.
fn order_lines(v: &FormValues) -> Result<Vec<LineInput>, String> {
    let mut out = Vec::new();
    for i in (0..MAX_ROWS).filter(|&i| is_filled(v, "line", i)) {
        let eccn = row(v, "line", i, "eccn");
        let description = row(v, "line", i, "description");
        let field = format!("items[{}]", out.len());
        let published = eccn.eq_ignore_ascii_case("published");
        out.push(LineInput {
            eccn: (!published).then(|| text(eccn)).flatten(),
            published,
            description: text(description),
            quantity: number(&format!("{field}.quantity"), row(v, "line", i, "quantity"))?,
            value: number(&format!("{field}.value"), row(v, "line", i, "value"))?,
            ..LineInput::default()
        });
    }
    Ok(out)
}

/// The owners typed one per line: `name, country, percent`.
fn owners(v: &FormValues) -> Result<Vec<OwnerInput>, String> {
    let mut out = Vec::new();
    for (n, line) in v.end_user_owners.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let field = format!("end_user.owners[{}]", out.len());
        let mut parts = line.split(',').map(str::trim);
        let (name, country, percent) = (
            parts.next().unwrap_or(""),
            parts.next().unwrap_or(""),
            parts.next().unwrap_or(""),
        );
        if parts.next().is_some() {
            return Err(format!(
                "{field}: line {} has more than three parts; write name, country, percent",
                n + 1
            ));
        }
        out.push(OwnerInput {
            name: text(name),
            country: destination(country),
            percent: number(&format!("{field}.percent"), percent.trim_end_matches('%'))?,
            ..OwnerInput::default()
        });
    }
    Ok(out)
}

/// The red flags ticked, by id.
fn ticked_flags(v: &FormValues) -> Vec<String> {
    v.rows
        .iter()
        .filter(|(k, value)| k.starts_with("flag_") && !value.is_empty())
        .map(|(k, _)| k["flag_".len()..].to_string())
        .collect()
}

/// The transaction document the form describes.
pub fn to_input(v: &FormValues) -> Result<TransactionInput, String> {
    let published = checked(&v.published);
    let item = ItemInput {
        eccn: if published { None } else { text(&v.eccn) },
        published,
        digital_artifacts: checked(&v.digital_artifacts),
        incident_owner: choice("item.incident_owner", &v.incident_owner)?,
        ..ItemInput::default()
    };
    let end_user = PartyInput {
        name: text(&v.end_user_name),
        country: destination(&v.end_user_country),
        kind: choice("end_user.kind", &v.end_user_kind)?,
        government_role: choice("end_user.government_role", &v.government_role)?,
        favorable_treatment: choice("end_user.favorable_treatment", &v.favorable_treatment)?,
        owners: owners(v)?,
        ..PartyInput::default()
    };
    let mut items = order_lines(v)?;
    if items.is_empty() {
        if let Some(description) = text(&v.item_description) {
            items.push(LineInput {
                eccn: item.eccn.clone(),
                published: item.published,
                description: Some(description),
                digital_artifacts: item.digital_artifacts,
                incident_owner: item.incident_owner,
                ..LineInput::default()
            });
        }
    }
    Ok(TransactionInput {
        id: text(&v.reference),
        date: text(&v.as_of),
        // An order's lines replace the single item (the API refuses both at once).
        item: items.is_empty().then_some(item),
        items,
        destination: destination(&v.destination),
        end_user: (end_user != PartyInput::default()).then_some(end_user),
        consignee: party(&v.consignee_name, &v.consignee_country),
        purchaser: party(&v.purchaser_name, &v.purchaser_country),
        intermediate_consignees: intermediates(v)?,
        exporter: party("", &v.exporter_country),
        red_flags: ticked_flags(v),
        purpose: choice("purpose", &v.purpose)?,
        deemed_export: checked(&v.deemed_export),
        knowledge_unauthorized_use: checked(&v.knowledge_unauthorized_use),
        military_intelligence_end_use: checked(&v.military_intelligence_end_use),
        ..TransactionInput::default()
    })
}

/// The serialized name of an enum value (`non_government`).
fn name_of<T: serde::Serialize>(v: &Option<T>) -> String {
    v.as_ref()
        .and_then(|v| serde_json::to_value(v).ok())
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// The form values for a recorded transaction (to amend or repeat it).
pub fn from_input(input: &TransactionInput) -> FormValues {
    let flag = |b: bool| b.then(|| "on".to_string());
    let item = input.item.clone().unwrap_or_default();
    let end_user = input.end_user.clone().unwrap_or_default();
    FormValues {
        eccn: item.eccn.clone().unwrap_or_default(),
        published: flag(item.published),
        digital_artifacts: flag(item.digital_artifacts),
        incident_owner: name_of(&item.incident_owner),
        destination: input.destination.clone().unwrap_or_default(),
        end_user_name: end_user.name.clone().unwrap_or_default(),
        end_user_kind: name_of(&end_user.kind),
        government_role: name_of(&end_user.government_role),
        favorable_treatment: name_of(&end_user.favorable_treatment),
        consignee_name: input
            .consignee
            .as_ref()
            .and_then(|c| c.name.clone())
            .unwrap_or_default(),
        purpose: name_of(&input.purpose),
        deemed_export: flag(input.deemed_export),
        knowledge_unauthorized_use: flag(input.knowledge_unauthorized_use),
        military_intelligence_end_use: flag(input.military_intelligence_end_use),
        as_of: input.date.clone().unwrap_or_default(),
        csrf: String::new(),
        end_user_country: end_user.country.clone().unwrap_or_default(),
        consignee_country: country_of(&input.consignee),
        purchaser_name: input
            .purchaser
            .as_ref()
            .and_then(|p| p.name.clone())
            .unwrap_or_default(),
        purchaser_country: country_of(&input.purchaser),
        exporter_country: country_of(&input.exporter),
        // A reference names one determination: an amended one gets its own.
        reference: String::new(),
        item_description: String::new(),
        end_user_owners: end_user
            .owners
            .iter()
            .map(|o| {
                format!(
                    "{}, {}, {}",
                    o.name.as_deref().unwrap_or(""),
                    o.country.as_deref().unwrap_or(""),
                    o.percent.map(|p| p.to_string()).unwrap_or_default()
                )
            })
            .collect::<Vec<_>>()
            .join("\n"),
        legs: input.intermediate_consignees.len().max(1).to_string(),
        lines: input.items.len().max(1).to_string(),
        add: String::new(),
        rows: rows_of(input),
    }
}

fn country_of(party: &Option<PartyInput>) -> String {
    party
        .as_ref()
        .and_then(|p| p.country.clone())
        .unwrap_or_default()
}

/// The repeated rows and ticked flags of a recorded transaction.
fn rows_of(input: &TransactionInput) -> BTreeMap<String, String> {
    let mut rows = BTreeMap::new();
    let mut put = |key: String, value: Option<String>| {
        if let Some(value) = value.filter(|v| !v.is_empty()) {
            rows.insert(key, value);
        }
    };
    for (i, p) in input.intermediate_consignees.iter().enumerate() {
        put(format!("leg{i}_name"), p.name.clone());
        put(format!("leg{i}_country"), p.country.clone());
        put(format!("leg{i}_role"), Some(name_of(&p.role)));
        put(format!("leg{i}_kind"), Some(name_of(&p.kind)));
    }
    for (i, l) in input.items.iter().enumerate() {
        let eccn = if l.published {
            Some("published".to_string())
        } else {
            l.eccn.clone()
        };
        put(format!("line{i}_eccn"), eccn);
        put(format!("line{i}_description"), l.description.clone());
        put(
            format!("line{i}_quantity"),
            l.quantity.map(|q| q.to_string()),
        );
        put(format!("line{i}_value"), l.value.map(|v| v.to_string()));
    }
    for id in &input.red_flags {
        put(format!("flag_{id}"), Some("on".into()));
    }
    rows
}

/// `<option>`s for a select, the current value selected; the first is "not stated".
fn options(current: &str, none_label: &str, choices: &[(&str, &str)]) -> Markup {
    html! {
        option value="" { (none_label) }
        @for (value, label) in choices {
            option value=(value) selected[*value == current] { (label) }
        }
    }
}

/// A checkbox with its label.
fn checkbox(name: &str, value: &Option<String>, label: &str, hint: &str) -> Markup {
    html! {
        div.check {
            input type="checkbox" id=(name) name=(name) value="on" checked[checked(value)];
            label for=(name) { (label) }
            p.hint id={ (name) "-hint" } { (hint) }
        }
    }
}

/// The datalist of destinations: every country by name, and the part 746 regions.
fn destination_list(state: &AppState) -> Markup {
    html! {
        datalist id="destinations" {
            @for c in countries::all() { option value=(c.name) { (c.alpha2) } }
            @for r in state.law().regions() { option value=(r.id) { (r.name) } }
        }
    }
}

/// The datalist of ECCNs ace decides.
fn eccn_list(state: &AppState) -> Markup {
    html! {
        datalist id="eccns" {
            @for e in state.law().cybersecurity_items() { option value=(e.to_string()) {} }
            option value="5D001.e" {}
        }
    }
}

/// What a repeated row's input takes.
#[derive(Clone, Copy)]
enum Kind<'a> {
    /// Free text.
    Text,
    /// Text with suggestions from the datalist of this id.
    Suggest(&'a str),
    /// A number.
    Number,
}

/// A text input of a repeated row with its (visually hidden) label.
fn row_input(id: &str, label: &str, value: &str, kind: Kind) -> Markup {
    html! {
        label.visually-hidden for=(id) { (label) }
        @match kind {
            Kind::Suggest(list) => input id=(id) name=(id) list=(list) value=(value) autocomplete="off";,
            Kind::Number => input id=(id) name=(id) inputmode="decimal" value=(value);,
            Kind::Text => input id=(id) name=(id) value=(value) autocomplete="off";,
        }
    }
}

/// The intermediate-consignee rows (one more than filled, at least `legs`).
fn leg_rows(v: &FormValues) -> Markup {
    let count = shown_rows(v, "leg", &v.legs);
    html! {
        @for i in 0..count {
            @let n = i + 1;
            @let id = |field: &str| format!("leg{i}_{field}");
            tr {
                th scope="row" { (n) }
                td { (row_input(&id("name"), &format!("Intermediate consignee {n}: name"), row(v, "leg", i, "name"), Kind::Text)) }
                td { (row_input(&id("country"), &format!("Intermediate consignee {n}: country"), row(v, "leg", i, "country"), Kind::Suggest("destinations"))) }
                td {
                    label.visually-hidden for=(id("role")) { "Intermediate consignee " (n) ": role" }
                    select id=(id("role")) name=(id("role")) {
                        (options(row(v, "leg", i, "role"), "Not stated", &[("forwarder", "Forwarder (moves the goods)"), ("distributor", "Distributor (takes title)")]))
                    }
                }
                td {
                    label.visually-hidden for=(id("kind")) { "Intermediate consignee " (n) ": government body or company" }
                    select id=(id("kind")) name=(id("kind")) {
                        (options(row(v, "leg", i, "kind"), "Not stated", &[("non_government", "Non-government"), ("government", "Government")]))
                    }
                }
            }
        }
    }
}

/// The order-line rows.
fn line_rows(v: &FormValues) -> Markup {
    let count = shown_rows(v, "line", &v.lines);
    html! {
        @for i in 0..count {
            @let n = i + 1;
            @let id = |field: &str| format!("line{i}_{field}");
            tr {
                th scope="row" { (n) }
                td { (row_input(&id("eccn"), &format!("Line {n}: ECCN or \"published\""), row(v, "line", i, "eccn"), Kind::Suggest("eccns"))) }
                td { (row_input(&id("description"), &format!("Line {n}: description"), row(v, "line", i, "description"), Kind::Text)) }
                td { (row_input(&id("quantity"), &format!("Line {n}: quantity"), row(v, "line", i, "quantity"), Kind::Number)) }
                td { (row_input(&id("value"), &format!("Line {n}: value (USD)"), row(v, "line", i, "value"), Kind::Number)) }
            }
        }
    }
}

/// A checkbox per red flag the exporter can state (the derived ones ace finds itself).
fn flag_boxes(state: &AppState, v: &FormValues) -> Markup {
    html! {
        @for f in state.law().red_flags().iter().filter(|f| f.derive.is_none()) {
            @let name = format!("flag_{}", f.id);
            @let on = v.rows.get(&name).is_some_and(|x| !x.is_empty());
            (checkbox(&name, &on.then(|| "on".to_string()), &format!("{} — {}", f.id, f.text), &f.provenance.source))
        }
    }
}

/// A labelled text field with an optional hint.
fn text_field(
    id: &str,
    label: &str,
    value: &str,
    list: Option<&str>,
    hint: Option<&str>,
) -> Markup {
    let hint_id = format!("{id}-hint");
    html! {
        div.field {
            label for=(id) { (label) }
            input id=(id) name=(id) list=[list] value=(value) autocomplete="off" aria-describedby=[hint.map(|_| &hint_id)];
            @if let Some(h) = hint { p.hint id=(hint_id) { (h) } }
        }
    }
}

/// A labelled select.
fn select_field(id: &str, label: &str, options: Markup) -> Markup {
    html! {
        div.field { label for=(id) { (label) } select id=(id) name=(id) { (options) } }
    }
}

/// The form page.
fn form_page(
    state: &AppState,
    signed: &Signed,
    v: &FormValues,
    error: Option<&str>,
    status: StatusCode,
) -> Response {
    let session = &signed.session;
    let allowed = may_determine(session.role);
    let body = html! {
        h1 { "New determination" }
        p.lead { "Screens every named party against the active list snapshot, applies the EAR as of the date given, and records the answer in the hash-chained log." }
        @if !allowed {
            p.notice role="status" { "Your role (" (session.role.as_str()) ") can read and verify records but not submit determinations." }
        }
        @if let Some(e) = error { p.notice.error role="alert" id="form-error" { (e) } }
        form.determination method="post" action="/ui/determinations" novalidate {
            (csrf_field(session))
            button.visually-hidden type="submit" tabindex="-1" aria-hidden="true" { "Screen and decide" }
            fieldset {
                legend { "Item" }
                div.field {
                    label for="eccn" { "ECCN, with its \"for\" qualifier where it has one" }
                    input id="eccn" name="eccn" list="eccns" value=(v.eccn) placeholder="4D004, 4D001.a (for 4D004), 5A001.j" autocomplete="off" aria-describedby="eccn-hint";
                    p.hint id="eccn-hint" { "Not sure? " a href="/ui/classify" { "Classify the item" } " first." }
                }
                (checkbox("published", &v.published, "Published (not subject to the EAR, 734.7)", "Published software or technology, available to the public without restriction."))
                (checkbox("digital_artifacts", &v.digital_artifacts, "Digital artifacts (740.22(b)(2))", "Evidence from an incident's information systems."))
                (text_field("item_description", "Item description (printed on the memo)", &v.item_description, None, Some("What the item is, in the words of the export file. Optional; with order lines below, describe each line instead.")))
                (select_field("incident_owner", "Owner of the systems the digital artifacts come from", options(&v.incident_owner, "Not stated", &[("favorable_treatment", "A favorable-treatment end user"), ("government", "A government"), ("other", "Someone else")])))
            }
            fieldset {
                legend { "Destination" }
                div.field {
                    label for="destination" { "Country or region (type to search)" }
                    input id="destination" name="destination" list="destinations" value=(v.destination) placeholder="Germany, DE, Crimea" autocomplete="off" required aria-describedby="destination-hint";
                    p.hint id="destination-hint" { "For a deemed export: the person's latest country of citizenship or permanent residency." }
                }
                (checkbox("deemed_export", &v.deemed_export, "Deemed export (release to a foreign person in the U.S.)", "734.13(b)."))
            }
            fieldset {
                legend { "End user" }
                (text_field("end_user_name", "Name (screened against the lists)", &v.end_user_name, None, None))
                (select_field("end_user_kind", "Government or not", options(&v.end_user_kind, "Not stated", &[("non_government", "Non-government"), ("government", "Government")])))
                (select_field("government_role", "Government end user's role", options(&v.government_role, "Not applicable / not stated", &[("police_or_judicial", "Police or judicial body"), ("national_csirt", "National CSIRT"), ("military", "Military"), ("intelligence", "Intelligence"), ("research_institution", "Research institution"), ("international_organization", "International organization"), ("other", "Other")])))
                (select_field("favorable_treatment", "Favorable-treatment category (740.22, supp. no. 3 to part 740)", options(&v.favorable_treatment, "None", &[("us_subsidiary", "U.S. subsidiary"), ("banking_financial", "Banking or financial institution"), ("insurance", "Insurance company"), ("civil_health_medical", "Civil health or medical institution")])))
                (text_field("end_user_country", "End user's country (if not the destination)", &v.end_user_country, Some("destinations"), None))
                div.field {
                    label for="end_user_owners" { "Owners of the end user, one per line: name, country, percent" }
                    textarea id="end_user_owners" name="end_user_owners" rows="3" aria-describedby="end_user_owners-hint" { (v.end_user_owners) }
                    p.hint id="end_user_owners-hint" { "Screened like parties. Leave the percent blank when it is not known (a listed owner with an unknown share holds the answer). OFAC's 50% rule and BIS's affiliates rule apply." }
                }
            }
            fieldset {
                legend { "Other parties" }
                (text_field("consignee_name", "Ultimate consignee name (screened too)", &v.consignee_name, None, None))
                (text_field("consignee_country", "Ultimate consignee's country", &v.consignee_country, Some("destinations"), None))
                (text_field("purchaser_name", "Purchaser (buyer) name", &v.purchaser_name, None, None))
                (text_field("purchaser_country", "Purchaser's country", &v.purchaser_country, Some("destinations"), Some("A buyer in Russia, China or another country of concern with delivery elsewhere holds the answer until a person confirms the end user and route.")))
                (text_field("exporter_country", "Exporter's country (empty: the United States)", &v.exporter_country, Some("destinations"), None))
            }
            fieldset {
                legend { "Route: intermediate consignees, in order from the exporter" }
                div.table-scroll role="region" aria-label="Intermediate consignees" tabindex="0" { table.rows {
                    thead { tr {
                        th scope="col" { "#" } th scope="col" { "Name" } th scope="col" { "Country" }
                        th scope="col" { "Role" } th scope="col" { "Government or not" }
                    } }
                    tbody { (leg_rows(v)) }
                } }
                input type="hidden" name="legs" value=(row_count(&v.legs));
                button.secondary type="submit" name="add" value="leg" { "Add an intermediate consignee" }
            }
            fieldset {
                legend { "Order lines (optional: instead of the single item above)" }
                p.hint { "Each line is decided; the strictest decides the order. A line outside what ace decides (5A002, EAR99) says so." }
                div.table-scroll role="region" aria-label="Order lines" tabindex="0" { table.rows {
                    thead { tr {
                        th scope="col" { "#" } th scope="col" { "ECCN or \"published\"" } th scope="col" { "Description" }
                        th scope="col" { "Quantity" } th scope="col" { "Value (USD)" }
                    } }
                    tbody { (line_rows(v)) }
                } }
                input type="hidden" name="lines" value=(row_count(&v.lines));
                button.secondary type="submit" name="add" value="line" { "Add a line" }
            }
            fieldset {
                legend { "Red flags you have seen (15 CFR part 732, supp. no. 3)" }
                p.hint { "Each holds the answer until a reviewer resolves it on the result page." }
                (flag_boxes(state, v))
            }
            fieldset {
                legend { "Circumstances" }
                (text_field("reference", "Your reference (order, file or case number)", &v.reference, None, Some("Printed on the memo. Optional: without one the memo carries a reference made from the record number. A reference names one determination.")))
                (select_field("purpose", "Purpose", options(&v.purpose, "Not stated", &[("vulnerability_disclosure", "Vulnerability disclosure"), ("cyber_incident_response", "Cyber incident response"), ("criminal_or_civil_investigation", "Criminal or civil investigation")])))
                (checkbox("knowledge_unauthorized_use", &v.knowledge_unauthorized_use, "We know or have reason to know the item will be used without the owner's authorization", "740.22(c)(2)."))
                (checkbox("military_intelligence_end_use", &v.military_intelligence_end_use, "Military-intelligence end use or end user", "744.22."))
                div.field {
                    label for="as_of" { "Regulation as of" }
                    input id="as_of" name="as_of" type="date" value=(v.as_of) min="2022-03-07" aria-describedby="as_of-hint";
                    p.hint id="as_of-hint" { "Empty: today." }
                }
            }
            div.actions {
                button.primary type="submit" disabled[!allowed] { "Screen and decide" }
            }
        }
        (eccn_list(state))
        (destination_list(state))
    };
    (
        status,
        page("New determination", Some(session), Nav::Determine, body),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_values_become_the_transaction_document() {
        let v = FormValues {
            eccn: " 4D004 ".into(),
            destination: "Germany (DE)".into(),
            end_user_name: "Acme".into(),
            end_user_kind: "non_government".into(),
            knowledge_unauthorized_use: Some("on".into()),
            ..FormValues::default()
        };
        let input = to_input(&v).unwrap();
        assert_eq!(input.item.as_ref().unwrap().eccn.as_deref(), Some("4D004"));
        assert_eq!(input.destination.as_deref(), Some("DE"));
        assert!(input.knowledge_unauthorized_use);
        assert_eq!(from_input(&input).end_user_kind, "non_government");
    }

    #[test]
    fn unknown_choice_is_refused() {
        let v = FormValues {
            purpose: "fun".into(),
            ..FormValues::default()
        };
        assert!(to_input(&v).unwrap_err().starts_with("purpose:"));
    }
}

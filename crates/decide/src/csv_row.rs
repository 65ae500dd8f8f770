//! The CSV form of the transaction contract (`ace batch`): one column per field of the
//! JSON document, nested fields flattened with `_` (`end_user.kind` → `end_user_kind`).
//! Columns may come in any order and any may be left out; an unknown column is an error,
//! so a misspelt header cannot silently drop a field.

use crate::error::InputError;
use crate::transaction::TransactionInput;
use serde_json::{Map, Value};

/// Every accepted column, in the order of the example file `examples/batch.csv`.
pub const COLUMNS: &[&str] = &[
    "id",
    "date",
    "eccn",
    "published",
    "digital_artifacts",
    "incident_owner",
    "encryption_cat5_part2",
    "destination",
    "end_user_name",
    "end_user_country",
    "end_user_kind",
    "government_role",
    "favorable_treatment",
    "sector",
    "government_ownership_percent",
    "government_appoints_board_majority",
    "acting_on_behalf_of_government",
    "end_user_lists",
    "consignee_name",
    "consignee_country",
    "purchaser_name",
    "purchaser_country",
    "consignee_kind",
    "purchaser_kind",
    "intermediate_consignee_name",
    "intermediate_consignee_country",
    "intermediate_consignee_role",
    "intermediate_consignee_kind",
    "exporter_country",
    "red_flags",
    "resolved_red_flags",
    "confirmed_red_flags",
    "purpose",
    "deemed_export",
    "knowledge_unauthorized_use",
    "military_intelligence_end_use",
];

/// Checks a header row: every column must be one of [`COLUMNS`], each at most once (with
/// a column twice, one of the two values would be silently dropped).
pub fn check_header(header: &[String]) -> Result<(), InputError> {
    for (i, h) in header.iter().enumerate() {
        if let Some(j) = header[i + 1..].iter().position(|other| other == h) {
            return Err(InputError::new(
                format!("(header) {h}"),
                format!(
                    "the column appears twice (columns {} and {}); give each column once",
                    i + 1,
                    i + j + 2
                ),
            ));
        }
        if !COLUMNS.contains(&h.as_str()) {
            return Err(InputError::new(
                format!("(header) {h}"),
                format!("unknown column; accepted: {}", COLUMNS.join(", ")),
            ));
        }
    }
    Ok(())
}

/// One CSV row (already split into fields) into the JSON contract.
pub fn from_row(header: &[String], row: &[&str]) -> Result<TransactionInput, InputError> {
    let mut doc = Map::new();
    for (column, raw) in header.iter().zip(row) {
        let value = raw.trim();
        if value.is_empty() {
            continue;
        }
        if let Some(field) = column.strip_prefix("intermediate_consignee_") {
            intermediates(&mut doc, field, value);
            continue;
        }
        let (path, json) = column_value(column, value)?;
        insert(&mut doc, path, json);
    }
    let text = Value::Object(doc).to_string();
    crate::transaction::parse_input(&text).map_err(|e| InputError {
        field: e.field.replace('.', "_").replace("item_", ""),
        ..e
    })
}

/// Where a column goes in the JSON document, and its typed value.
fn column_value(column: &str, v: &str) -> Result<(&'static [&'static str], Value), InputError> {
    let text = || Value::String(v.to_string());
    Ok(match column {
        "id" => (&["id"], text()),
        "date" => (&["date"], text()),
        "eccn" => (&["item", "eccn"], text()),
        "published" => (&["item", "published"], boolean(column, v)?),
        "digital_artifacts" => (&["item", "digital_artifacts"], boolean(column, v)?),
        "incident_owner" => (&["item", "incident_owner"], text()),
        "encryption_cat5_part2" => (&["item", "encryption_cat5_part2"], boolean(column, v)?),
        "destination" => (&["destination"], text()),
        "end_user_name" => (&["end_user", "name"], text()),
        "end_user_country" => (&["end_user", "country"], text()),
        "end_user_kind" => (&["end_user", "kind"], text()),
        "government_role" => (&["end_user", "government_role"], text()),
        "favorable_treatment" => (&["end_user", "favorable_treatment"], text()),
        "sector" => (&["end_user", "sector"], text()),
        "government_ownership_percent" => (
            &["end_user", "government_ownership_percent"],
            number(column, v)?,
        ),
        "government_appoints_board_majority" => (
            &["end_user", "government_appoints_board_majority"],
            boolean(column, v)?,
        ),
        "acting_on_behalf_of_government" => (
            &["end_user", "acting_on_behalf_of_government"],
            boolean(column, v)?,
        ),
        "end_user_lists" => (&["end_user", "lists"], lists(v)),
        "consignee_name" => (&["consignee", "name"], text()),
        "consignee_country" => (&["consignee", "country"], text()),
        "purchaser_name" => (&["purchaser", "name"], text()),
        "purchaser_country" => (&["purchaser", "country"], text()),
        "consignee_kind" => (&["consignee", "kind"], text()),
        "purchaser_kind" => (&["purchaser", "kind"], text()),
        "exporter_country" => (&["exporter", "country"], text()),
        "red_flags" => (&["red_flags"], ids(v)),
        "resolved_red_flags" => (&["resolved_red_flags"], ids(v)),
        "confirmed_red_flags" => (&["confirmed_red_flags"], ids(v)),
        "purpose" => (&["purpose"], text()),
        "deemed_export" => (&["deemed_export"], boolean(column, v)?),
        "knowledge_unauthorized_use" => (&["knowledge_unauthorized_use"], boolean(column, v)?),
        "military_intelligence_end_use" => {
            (&["military_intelligence_end_use"], boolean(column, v)?)
        }
        other => {
            return Err(InputError::new(
                other,
                format!("unknown column; accepted: {}", COLUMNS.join(", ")),
            ))
        }
    })
}

fn boolean(column: &str, v: &str) -> Result<Value, InputError> {
    match v.to_ascii_lowercase().as_str() {
        "true" | "yes" | "y" | "1" => Ok(Value::Bool(true)),
        "false" | "no" | "n" | "0" => Ok(Value::Bool(false)),
        _ => Err(InputError::new(
            column,
            format!("'{v}' is not a boolean; give true or false"),
        )),
    }
}

fn number(column: &str, v: &str) -> Result<Value, InputError> {
    v.parse::<f64>()
        .ok()
        .and_then(serde_json::Number::from_f64)
        .map(Value::Number)
        .ok_or_else(|| InputError::new(column, format!("'{v}' is not a number")))
}

/// `EL;SDN` → `[{"list":"EL"},{"list":"SDN"}]`.
fn lists(v: &str) -> Value {
    Value::Array(
        v.split(';')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| serde_json::json!({ "list": s }))
            .collect(),
    )
}

/// `kyc-2; kyc-10` → `["kyc-2","kyc-10"]`.
fn ids(v: &str) -> Value {
    Value::Array(
        v.split(';')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| Value::String(s.to_string()))
            .collect(),
    )
}

/// `intermediate_consignee_<field>`: one value per intermediate consignee, in route
/// order, separated by `;` (`Example BV; Example Logistics`), into
/// `intermediate_consignees[i].<field>`.
fn intermediates(doc: &mut Map<String, Value>, field: &str, value: &str) {
    let list = doc
        .entry("intermediate_consignees".to_string())
        .or_insert_with(|| Value::Array(Vec::new()));
    let Value::Array(items) = list else {
        return;
    };
    for (i, v) in value.split(';').map(str::trim).enumerate() {
        while items.len() <= i {
            items.push(Value::Object(Map::new()));
        }
        if let (false, Value::Object(m)) = (v.is_empty(), &mut items[i]) {
            m.insert(field.to_string(), Value::String(v.to_string()));
        }
    }
}

fn insert(doc: &mut Map<String, Value>, path: &[&str], value: Value) {
    match path {
        [leaf] => {
            doc.insert((*leaf).to_string(), value);
        }
        [head, rest @ ..] => {
            let child = doc
                .entry((*head).to_string())
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(m) = child {
                insert(m, rest, value);
            }
        }
        [] => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(cols: &[&str]) -> Vec<String> {
        cols.iter().map(|c| c.to_string()).collect()
    }

    #[test]
    fn a_row_becomes_the_json_contract() {
        let h = header(&[
            "id",
            "eccn",
            "destination",
            "end_user_kind",
            "deemed_export",
            "end_user_lists",
        ]);
        let t = from_row(&h, &["t1", "4D004", "CN", "government", "no", "EL; UVL"]).expect("row");
        assert_eq!(t.id.as_deref(), Some("t1"));
        assert_eq!(t.item.and_then(|i| i.eccn).as_deref(), Some("4D004"));
        assert_eq!(t.end_user.map(|e| e.lists.len()), Some(2));
        assert!(!t.deemed_export);
    }

    #[test]
    fn intermediate_consignees_one_value_each_in_route_order() {
        let h = header(&[
            "eccn",
            "destination",
            "intermediate_consignee_name",
            "intermediate_consignee_country",
            "intermediate_consignee_role",
            "red_flags",
        ]);
        let t = from_row(
            &h,
            &[
                "4D004",
                "DE",
                "A BV; B LLC",
                "NL; RU",
                "distributor; forwarder",
                "kyc-2",
            ],
        )
        .expect("row");
        let names: Vec<_> = t
            .intermediate_consignees
            .iter()
            .map(|p| (p.name.as_deref(), p.country.as_deref()))
            .collect();
        assert_eq!(
            names,
            [(Some("A BV"), Some("NL")), (Some("B LLC"), Some("RU"))]
        );
        assert_eq!(
            t.intermediate_consignees[1].role,
            Some(crate::transaction::IntermediateRole::Forwarder)
        );
        assert_eq!(t.red_flags, ["kyc-2"]);
    }

    #[test]
    fn red_flag_columns_take_ids_separated_by_semicolons() {
        let h = header(&[
            "eccn",
            "destination",
            "red_flags",
            "resolved_red_flags",
            "confirmed_red_flags",
        ]);
        let t = from_row(&h, &["4D004", "DE", "kyc-2; kyc-3", "kyc-2", "kyc-3"]).expect("row");
        assert_eq!(t.red_flags, vec!["kyc-2", "kyc-3"]);
        assert_eq!(t.resolved_red_flags, vec!["kyc-2"]);
        assert_eq!(t.confirmed_red_flags, vec!["kyc-3"]);
    }

    #[test]
    fn errors_name_the_column() {
        let h = header(&["eccn", "destination", "end_user_kind"]);
        let e = from_row(&h, &["4D004", "CN", "govt"]).expect_err("bad kind");
        assert_eq!(e.field, "end_user_kind");
        let h = header(&["eccn", "deemed_export"]);
        let e = from_row(&h, &["4D004", "perhaps"]).expect_err("bad bool");
        assert_eq!(e.field, "deemed_export");
        assert!(check_header(&header(&["eccn", "destinaton"])).is_err());
    }
}

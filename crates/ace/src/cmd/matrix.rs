//! `ace matrix`: where can this item go? One row per destination.

use super::{as_of, bad};
use crate::cli::{EndUserKindArg, MatrixArgs};
use crate::context::Context;
use crate::exit;
use anyhow::Result;
use decide::transaction::{EndUserKind, PartyInput};
use decide::MatrixRow as Row;
use decide::TransactionInput;

pub fn run(cx: &Context, a: MatrixArgs) -> Result<u8> {
    let law = cx.law()?;
    let date = as_of(&a.as_of, a.allow_future)?;
    let kind = match a.end_user {
        EndUserKindArg::Government => EndUserKind::Government,
        EndUserKindArg::NonGovernment => EndUserKind::NonGovernment,
    };
    let route = TransactionInput {
        intermediate_consignees: a
            .intermediates
            .iter()
            .enumerate()
            .map(|(i, spec)| super::check::intermediate(i, spec))
            .collect::<Result<Vec<_>>>()?,
        purchaser: a.purchaser_country.as_ref().map(|c| PartyInput {
            country: Some(c.clone()),
            ..PartyInput::default()
        }),
        exporter: a.exporter_country.as_ref().map(|c| PartyInput {
            country: Some(c.clone()),
            ..PartyInput::default()
        }),
        ..TransactionInput::default()
    };
    let rows = decide::matrix_with_route(&law, &a.eccn, kind, date, a.deemed_export, &route)
        .map_err(|e| bad(e.to_string()))?;
    if a.json {
        println!(
            "{}",
            serde_json::to_string_pretty(
                &serde_json::json!({"eccn": a.eccn, "end_user": format!("{kind:?}"), "as_of": date, "ruleset": law.hash(), "rows": rows})
            )?
        );
    } else if a.csv {
        println!("code,name,outcome,unverified,deciding");
        for r in &rows {
            println!(
                "{},{},{},{},{}",
                r.code,
                csv_field(&r.name),
                r.outcome,
                r.unverified,
                csv_field(&r.deciding.join("; "))
            );
        }
    } else {
        print_table(&a.eccn, kind, date, &rows);
    }
    Ok(exit::OK)
}

fn print_table(eccn: &str, kind: EndUserKind, date: ear::Date, rows: &[Row]) {
    println!(
        "{eccn} to a {} end user, as of {date}",
        if kind == EndUserKind::Government {
            "government"
        } else {
            "non-government"
        }
    );
    let mut counts = std::collections::BTreeMap::new();
    for r in rows {
        *counts.entry(r.outcome.code()).or_insert(0) += 1;
        let doubt = if r.unverified { " ?" } else { "" };
        println!(
            "  {:<7} {:<44} {:<17}{doubt} {}",
            r.code,
            truncate(&r.name, 44),
            r.outcome.code(),
            r.deciding.last().map(String::as_str).unwrap_or("")
        );
    }
    println!(
        "\n{}",
        counts
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!(
        "? = rests on data marked unverified. {}",
        decide::NOT_LEGAL_ADVICE
    );
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        s.chars().take(n - 1).collect::<String>() + "…"
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

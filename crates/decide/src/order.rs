//! An order of several lines (`items`): each line decided as its own transaction with the
//! same parties, route and date; the order's outcome is the strictest line's, and the
//! answer names that line. A line outside what ace decides (5A002 encryption, EAR99) says
//! so for that line instead of rejecting the order.

use crate::determination::{Determination, Outcome};
use crate::error::InputError;
use crate::hold::decide;
use crate::transaction::{ItemInput, LineInput, Transaction, TransactionInput};
use ear::{Date, Law};
use serde::Serialize;

/// One line of an order, decided.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LineReport {
    /// Index in `items`.
    pub line: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eccn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantity: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// The line's outcome; absent when the line is outside what ace decides.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Outcome>,
    /// The citations that carried it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub citations: Vec<String>,
    /// Why ace does not decide this line (and where to look instead).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outside_scope: Option<String>,
}

/// Validates and decides a transaction of one item or of several lines.
pub fn determine(
    input: &TransactionInput,
    law: &Law,
    today: Date,
) -> Result<(Transaction, Determination), InputError> {
    if input.items.is_empty() {
        let tx = input.validate(law, today)?;
        let d = decide(&tx, law)?;
        return Ok((tx, d));
    }
    if input.item.is_some() {
        return Err(InputError::new(
            "items",
            "give either item (one item) or items (the lines of an order), not both",
        ));
    }
    let mut decided: Vec<(Transaction, Determination)> = Vec::new();
    let mut reports = Vec::with_capacity(input.items.len());
    for (i, line) in input.items.iter().enumerate() {
        let one = TransactionInput {
            item: Some(line.item()),
            items: Vec::new(),
            ..input.clone()
        };
        let result = one.validate(law, today).and_then(|tx| {
            let d = decide(&tx, law)?;
            Ok((tx, d))
        });
        let result = result.map_err(|e| rename(e, i));
        match result {
            Ok((tx, d)) => {
                reports.push(report(i, line, Some(&d), None));
                decided.push((tx, d));
            }
            Err(e) if e.outside_scope && e.field.starts_with(&format!("items[{i}]")) => {
                reports.push(report(i, line, None, Some(e.message)));
            }
            Err(e) => return Err(e),
        }
    }
    let deciding = (0..decided.len())
        .max_by_key(|&k| (decided[k].1.outcome.strictness(), std::cmp::Reverse(k)))
        .ok_or_else(|| {
            InputError::outside(
                "items",
                format!(
                    "no line of the order is one ace decides: {}",
                    reports
                        .iter()
                        .filter_map(|r| r.outside_scope.as_deref())
                        .collect::<Vec<_>>()
                        .join("; ")
                ),
            )
        })?;
    let deciding_line = reports
        .iter()
        .filter(|r| r.outcome.is_some())
        .nth(deciding)
        .map(|r| r.line);
    let (tx, mut d) = decided.swap_remove(deciding);
    d.lines = reports;
    d.deciding_line = deciding_line;
    Ok((tx, d))
}

/// An error about `item` is about line `i`.
fn rename(mut e: InputError, i: usize) -> InputError {
    if let Some(rest) = e.field.strip_prefix("item") {
        e.field = format!("items[{i}]{rest}");
    }
    e
}

fn report(
    i: usize,
    line: &LineInput,
    d: Option<&Determination>,
    outside: Option<String>,
) -> LineReport {
    LineReport {
        line: i,
        eccn: line.eccn.clone(),
        description: line.description.clone(),
        quantity: line.quantity,
        value: line.value,
        outcome: d.map(|d| d.outcome),
        citations: d
            .map(|d| {
                d.deciding_citations()
                    .into_iter()
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default(),
        outside_scope: outside,
    }
}

impl LineInput {
    fn item(&self) -> ItemInput {
        ItemInput {
            eccn: self.eccn.clone(),
            published: self.published,
            digital_artifacts: self.digital_artifacts,
            incident_owner: self.incident_owner,
            encryption_cat5_part2: self.encryption_cat5_part2,
        }
    }
}

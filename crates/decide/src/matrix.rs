//! `ace matrix` and the UI's map: the outcome for every destination, for one ECCN,
//! end-user kind and date — "where can this item go under ACE?".

use crate::error::InputError;
use crate::transaction::{EndUserKind, ItemInput, PartyInput, TransactionInput};
use crate::Outcome;
use ear::{Date, Law};
use serde::Serialize;

/// The outcome for one destination.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct MatrixRow {
    /// ISO 3166-1 alpha-2 code, or a part 746 region id (`UA-43`).
    pub code: String,
    /// The destination's name (Hong Kong's row says it is treated as China).
    pub name: String,
    pub outcome: Outcome,
    /// The citations that carried the outcome.
    pub deciding: Vec<String>,
    /// Whether the outcome rests on data marked unverified.
    pub unverified: bool,
}

/// Decides the ECCN for every destination ace knows (every ISO country but the United
/// States, and the regions of part 746), with an end user of `kind`.
pub fn matrix(
    law: &Law,
    eccn: &str,
    kind: EndUserKind,
    date: Date,
    deemed_export: bool,
) -> Result<Vec<MatrixRow>, InputError> {
    matrix_with_route(
        law,
        eccn,
        kind,
        date,
        deemed_export,
        &TransactionInput::default(),
    )
}

/// [`matrix`] with the rest of the transaction fixed by `route` — its intermediate
/// consignees, purchaser, exporter, red flags — and only the destination varying: "with
/// this forwarder in Türkiye, where can it go?". A destination whose answer comes from
/// another leg or a hold says so in `deciding`.
pub fn matrix_with_route(
    law: &Law,
    eccn: &str,
    kind: EndUserKind,
    date: Date,
    deemed_export: bool,
    route: &TransactionInput,
) -> Result<Vec<MatrixRow>, InputError> {
    let destinations = countries::all()
        .iter()
        .map(|c| c.alpha2.to_string())
        .filter(|c| c != "US")
        .chain(law.regions().iter().map(|r| r.id.clone()));
    let mut rows = Vec::new();
    for code in destinations {
        let input = TransactionInput {
            date: Some(date.to_string()),
            item: Some(ItemInput {
                eccn: Some(eccn.to_string()),
                ..ItemInput::default()
            }),
            destination: Some(code.clone()),
            end_user: Some(PartyInput {
                kind: Some(kind),
                ..route.end_user.clone().unwrap_or_default()
            }),
            deemed_export,
            ..route.clone()
        };
        let (tx, d) = crate::determine(&input, law, date)?;
        let mut deciding: Vec<String> = d
            .deciding_citations()
            .into_iter()
            .map(str::to_string)
            .collect();
        if let Some(leg) = d.deciding_leg.and_then(|i| d.legs.get(i)) {
            if leg.to != tx.destination.embargo_key() {
                deciding.insert(0, format!("decided by the leg {} → {}", leg.from, leg.to));
            }
        }
        rows.push(MatrixRow {
            name: row_name(&tx, &code),
            code,
            outcome: d.outcome,
            deciding,
            unverified: d.unverified,
        });
    }
    Ok(rows)
}

fn row_name(tx: &crate::Transaction, code: &str) -> String {
    match &tx.destination.treated_as {
        Some(_) => format!(
            "{} (treated as {})",
            countries::by_code(&tx.destination.input_code)
                .map(|c| c.name)
                .unwrap_or(code),
            tx.destination.code
        ),
        None => tx.destination.name.clone(),
    }
}

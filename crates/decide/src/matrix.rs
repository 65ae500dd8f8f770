//! `ace matrix` and the UI's map: the outcome for every destination, for one ECCN,
//! end-user kind and date — "where can this item go under ACE?".

use crate::error::InputError;
use crate::transaction::{EndUserKind, ItemInput, PartyInput, TransactionInput};
use crate::{decide, Outcome};
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
                ..PartyInput::default()
            }),
            deemed_export,
            ..TransactionInput::default()
        };
        let tx = input.validate(law, date)?;
        let d = decide(&tx, law)?;
        let name = match &tx.destination.treated_as {
            Some(_) => format!(
                "{} (treated as {})",
                countries::by_code(&tx.destination.input_code)
                    .map(|c| c.name)
                    .unwrap_or(&code),
                tx.destination.code
            ),
            None => tx.destination.name.clone(),
        };
        rows.push(MatrixRow {
            code,
            name,
            outcome: d.outcome,
            deciding: d
                .deciding_citations()
                .into_iter()
                .map(str::to_string)
                .collect(),
            unverified: d.unverified,
        });
    }
    Ok(rows)
}

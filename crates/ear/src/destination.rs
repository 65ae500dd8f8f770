//! From what a user types ("Burma", "Türkiye", "HK", "Crimea") to the destination the EAR
//! sees: an ISO country, Hong Kong treated as China, or a region of Ukraine under 746.6.

use crate::law::Law;
use crate::provenance::Provenance;
use crate::Date;
use serde::Serialize;

/// A destination as the EAR sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Destination {
    /// The country whose Country Groups and Country Chart row apply (`CN` for Hong Kong,
    /// `UA` for the regions of Ukraine).
    pub code: String,
    /// That country's English short name.
    pub name: String,
    /// The code the user's input resolved to before any "treated as" rule (`HK`).
    pub input_code: String,
    /// A part 746 region (`UA-43`) when the destination is one.
    pub region: Option<String>,
    /// Why `code` differs from `input_code`.
    #[serde(skip)]
    pub treated_as: Option<Provenance>,
    /// "China (CN)", computed once: the engine writes it into many findings.
    #[serde(skip)]
    label: String,
}

impl Destination {
    /// The id that part 746 embargoes are keyed on: the region if any, else the country.
    pub fn embargo_key(&self) -> &str {
        self.region.as_deref().unwrap_or(&self.code)
    }

    /// "China (CN)", "Crimea ... (UA-43)".
    pub fn label(&self) -> &str {
        &self.label
    }

    fn labelled(mut self) -> Self {
        self.label = match &self.region {
            Some(r) => format!("{} ({r})", self.name),
            None => format!("{} ({})", self.name, self.code),
        };
        self
    }
}

/// Why a destination could not be resolved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DestinationError {
    #[error("unknown country '{input}': give an ISO 3166-1 code (e.g. CN, IL, DE) or an English country name{}", did_you_mean(.suggestions))]
    Unknown {
        input: String,
        suggestions: Vec<String>,
    },
    #[error("'{input}' is the United States: a shipment there is not an export; for a deemed export give the foreign person's latest country of citizenship or permanent residency")]
    UnitedStates { input: String },
}

fn did_you_mean(s: &[String]) -> String {
    if s.is_empty() {
        String::new()
    } else {
        format!("; did you mean {}?", s.join(" or "))
    }
}

impl Law {
    /// Resolves a user's destination on `date`.
    pub fn resolve_destination(
        &self,
        input: &str,
        date: Date,
    ) -> Result<Destination, DestinationError> {
        if let Some(d) = self.resolve_region(input) {
            return Ok(d);
        }
        let country = countries::lookup(input).ok_or_else(|| DestinationError::Unknown {
            input: input.to_string(),
            suggestions: countries::suggest(input, 3)
                .iter()
                .map(|c| format!("{} ({})", c.name, c.alpha2))
                .collect(),
        })?;
        if country.alpha2 == "US" {
            return Err(DestinationError::UnitedStates {
                input: input.to_string(),
            });
        }
        let treated = self
            .treated_as
            .iter()
            .find(|t| t.input == country.alpha2 && t.from <= date);
        Ok(match treated {
            Some(t) => Destination {
                name: countries::by_code(&t.as_country)
                    .map(|c| c.name.to_string())
                    .unwrap_or_default(),
                code: t.as_country.clone(),
                input_code: country.alpha2.to_string(),
                region: None,
                treated_as: Some(t.provenance.clone()),
                label: String::new(),
            }
            .labelled(),
            None => Destination {
                code: country.alpha2.to_string(),
                name: country.name.to_string(),
                input_code: country.alpha2.to_string(),
                region: None,
                treated_as: None,
                label: String::new(),
            }
            .labelled(),
        })
    }

    fn resolve_region(&self, input: &str) -> Option<Destination> {
        let wanted = input.trim();
        let region = self.regions.iter().find(|r| {
            r.id.eq_ignore_ascii_case(wanted)
                || r.name.eq_ignore_ascii_case(wanted)
                || r.aliases.iter().any(|a| a.eq_ignore_ascii_case(wanted))
        })?;
        Some(
            Destination {
                code: region.country.clone(),
                name: region.name.clone(),
                input_code: region.id.clone(),
                region: Some(region.id.clone()),
                treated_as: None,
                label: String::new(),
            }
            .labelled(),
        )
    }
}

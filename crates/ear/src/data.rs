//! The on-disk shape of the rules files (serde), kept apart from the query API so the
//! files can change shape without the engine noticing.

use crate::provenance::Confidence;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CountryGroupsFile {
    pub group: BTreeMap<String, GroupDef>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct GroupDef {
    pub description: String,
    pub source: String,
    pub confidence: Confidence,
    #[serde(default)]
    pub note: Option<String>,
    pub members: Vec<MemberDef>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MemberDef {
    pub country: String,
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub until: Option<String>,
    #[serde(default)]
    pub added_by: Option<String>,
    #[serde(default)]
    pub removed_by: Option<String>,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub confidence: Option<Confidence>,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ChartFile {
    pub column: BTreeMap<String, ColumnDef>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ColumnDef {
    pub description: String,
    pub rule: String,
    #[serde(default)]
    pub group: Option<String>,
    #[serde(default)]
    pub no_x: Vec<MemberDef>,
    pub source: String,
    pub confidence: Confidence,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EccnFile {
    pub cybersecurity_items: CyberItemsDef,
    pub entry: Vec<EntryDef>,
    #[serde(default)]
    pub ace_line_discrepancy: Vec<DiscrepancyDef>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CyberItemsDef {
    pub source: String,
    pub confidence: Confidence,
    pub items: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EntryDef {
    pub eccn: String,
    pub heading: String,
    pub reasons: Vec<String>,
    pub ace: bool,
    pub ace_line: String,
    #[serde(default)]
    pub notes: Vec<String>,
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub until: Option<String>,
    pub source: String,
    pub confidence: Confidence,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DiscrepancyDef {
    pub eccn: String,
    pub source: String,
    pub confidence: Confidence,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EmbargoFile {
    pub embargo: Vec<EmbargoDef>,
    pub military_intelligence: MilIntelDef,
    #[serde(default)]
    pub sdn_program: Vec<SdnProgramDef>,
}

/// An OFAC sanctions program whose designees the EAR itself restricts (744.8, 744.12…).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SdnProgramDef {
    /// The program tag as OFAC writes it in the SDN list (`NPWMD`, `SDGT`).
    pub program: String,
    pub section: String,
    pub scope: String,
    pub source: String,
    pub confidence: Confidence,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EmbargoDef {
    pub id: String,
    pub section: String,
    pub destinations: Vec<String>,
    pub scope: String,
    pub ace_available: bool,
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub until: Option<String>,
    pub source: String,
    pub confidence: Confidence,
    #[serde(default)]
    pub note: Option<String>,
    /// Where the embargo's license requirement excludes deemed exports and deemed
    /// reexports: the paragraph that says so, with its source and confidence.
    #[serde(default)]
    pub deemed_exports_excluded: Option<ExclusionDef>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ExclusionDef {
    pub citation: String,
    pub source: String,
    pub confidence: Confidence,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MilIntelDef {
    pub section: String,
    pub source: String,
    pub confidence: Confidence,
    pub destinations: Vec<MilIntelDestDef>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MilIntelDestDef {
    #[serde(default)]
    pub country: Option<String>,
    #[serde(default)]
    pub group: Option<String>,
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub until: Option<String>,
    #[serde(default)]
    pub added_by: Option<String>,
    #[serde(default)]
    pub confidence: Option<Confidence>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PeriodsFile {
    pub controls: ControlsDef,
    pub ace_version: Vec<AceVersionDef>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ControlsDef {
    pub from: String,
    pub source: String,
    pub confidence: Confidence,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AceVersionDef {
    pub id: String,
    pub name: String,
    pub from: String,
    #[serde(default)]
    pub until: Option<String>,
    pub source: String,
    pub confidence: Confidence,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DestinationsFile {
    #[serde(default)]
    pub treated_as: Vec<TreatedAsDef>,
    #[serde(default)]
    pub region: Vec<RegionDef>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TreatedAsDef {
    pub input: String,
    #[serde(rename = "as")]
    pub as_country: String,
    pub from: String,
    pub source: String,
    pub confidence: Confidence,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RegionDef {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    pub country: String,
    pub source: String,
    pub confidence: Confidence,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RedFlagFile {
    pub flag: Vec<RedFlagDef>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RedFlagDef {
    pub id: String,
    pub text: String,
    pub citation: String,
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub until: Option<String>,
    pub confidence: Confidence,
    #[serde(default)]
    pub derive: Option<String>,
    #[serde(default)]
    pub groups: Vec<String>,
    #[serde(default)]
    pub countries: Vec<String>,
    #[serde(default)]
    pub embargoed: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct OwnershipFile {
    pub affiliates_rule: Vec<AffiliatesDef>,
    pub unknown_share: CitedDef,
    pub ofac_50_percent: OfacDef,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AffiliatesDef {
    pub in_force: bool,
    pub threshold_percent: f64,
    pub from: String,
    #[serde(default)]
    pub until: Option<String>,
    pub source: String,
    pub confidence: Confidence,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CitedDef {
    pub citation: String,
    pub source: String,
    pub confidence: Confidence,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct OfacDef {
    pub threshold_percent: f64,
    pub citation: String,
    pub source: String,
    pub confidence: Confidence,
}

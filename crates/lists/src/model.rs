//! One listed party, whatever list or format it came from.

use serde::{Deserialize, Serialize};

/// The list an entry is on, by the short code the CSL and BIS use.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ListId {
    /// BIS Entity List (15 CFR part 744, supplement no. 4).
    #[serde(rename = "EL")]
    EntityList,
    /// BIS Denied Persons List.
    #[serde(rename = "DPL")]
    DeniedPersons,
    /// BIS Unverified List (15 CFR part 744, supplement no. 6).
    #[serde(rename = "UVL")]
    Unverified,
    /// BIS Military End User List (15 CFR part 744, supplement no. 7).
    #[serde(rename = "MEU")]
    MilitaryEndUser,
    /// OFAC Specially Designated Nationals and Blocked Persons.
    #[serde(rename = "SDN")]
    Sdn,
    /// OFAC Sectoral Sanctions Identifications.
    #[serde(rename = "SSI")]
    Ssi,
    /// OFAC Foreign Sanctions Evaders.
    #[serde(rename = "FSE")]
    Fse,
    /// OFAC Non-SDN Palestinian Legislative Council list.
    #[serde(rename = "PLC")]
    Plc,
    /// OFAC Non-SDN Menu-Based Sanctions list.
    #[serde(rename = "MBS")]
    MenuBased,
    /// OFAC Non-SDN Chinese Military-Industrial Complex Companies list.
    #[serde(rename = "CMIC")]
    Cmic,
    /// OFAC Correspondent Account or Payable-Through Account Sanctions (CAPTA).
    #[serde(rename = "CAP")]
    Capta,
    /// State Department Nonproliferation Sanctions (ISN).
    #[serde(rename = "ISN")]
    Isn,
    /// State Department ITAR Debarred (DDTC).
    #[serde(rename = "DTC")]
    Debarred,
    /// UN Security Council Consolidated List.
    #[serde(rename = "UN")]
    UnConsolidated,
}

impl ListId {
    /// Every list, in canonical order.
    pub const ALL: [ListId; 14] = [
        ListId::EntityList,
        ListId::DeniedPersons,
        ListId::Unverified,
        ListId::MilitaryEndUser,
        ListId::Sdn,
        ListId::Ssi,
        ListId::Fse,
        ListId::Plc,
        ListId::MenuBased,
        ListId::Cmic,
        ListId::Capta,
        ListId::Isn,
        ListId::Debarred,
        ListId::UnConsolidated,
    ];

    /// The short code (`EL`, `DPL`, `SDN`, `UN`, ...), as in JSON and on the CSL.
    pub fn code(self) -> &'static str {
        match self {
            ListId::EntityList => "EL",
            ListId::DeniedPersons => "DPL",
            ListId::Unverified => "UVL",
            ListId::MilitaryEndUser => "MEU",
            ListId::Sdn => "SDN",
            ListId::Ssi => "SSI",
            ListId::Fse => "FSE",
            ListId::Plc => "PLC",
            ListId::MenuBased => "MBS",
            ListId::Cmic => "CMIC",
            ListId::Capta => "CAP",
            ListId::Isn => "ISN",
            ListId::Debarred => "DTC",
            ListId::UnConsolidated => "UN",
        }
    }
}

impl std::fmt::Display for ListId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// What kind of party an entry names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartyKind {
    Individual,
    Entity,
    Vessel,
    Aircraft,
    /// The list does not say (DPL, BIS rows of the CSL).
    Unknown,
}

/// How an alias relates to the primary name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AliasKind {
    /// "also known as" — a strong alias.
    Aka,
    /// "formerly known as".
    Fka,
    /// "now known as".
    Nka,
    /// A weak or low-quality alias (OFAC weak a.k.a. in remarks, UN quality "Low"):
    /// screen on it, but never treat a match on it alone as strong evidence.
    Weak,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alias {
    pub name: String,
    pub kind: AliasKind,
}

/// One listed party.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub list: ListId,
    /// The list's own identifier (OFAC `ent_num`, UN `REFERENCE_NUMBER`, CSL `id`/`_id`,
    /// or for the DPL a stable hash of name and FR citation).
    pub id: String,
    /// The primary name exactly as published.
    pub name: String,
    pub aliases: Vec<Alias>,
    pub kind: PartyKind,
    /// ISO 3166-1 alpha-2 codes of the countries in the entry's addresses, citizenships
    /// and nationalities, deduplicated, in order of appearance.
    pub countries: Vec<String>,
    /// Addresses as published, one string each.
    pub addresses: Vec<String>,
    /// Sanctions programs (OFAC, UN list type), empty where the list has none.
    pub programs: Vec<String>,
    /// Entity List: the license requirement column ("For all items subject to the EAR...").
    pub license_requirement: Option<String>,
    /// Entity List: the license review policy ("Presumption of denial.").
    pub license_policy: Option<String>,
    /// Federal Register citation(s) as published ("86 FR 60759").
    pub federal_register: Option<String>,
    /// Date listed / effective, `YYYY-MM-DD`, where the source gives one.
    pub start_date: Option<String>,
    /// Date the listing ends (DPL expiration), `YYYY-MM-DD`, where given.
    pub end_date: Option<String>,
    /// Free-text remarks as published (OFAC remarks, DPL action, UN comments).
    pub remarks: Option<String>,
}

impl Entry {
    /// An entry with only its list, id, name and kind: no aliases, countries, dates or
    /// remarks (what a match says of an entry whose full record is not at hand).
    pub fn bare(list: ListId, id: String, name: String, kind: PartyKind) -> Entry {
        Entry {
            list,
            id,
            name,
            aliases: Vec::new(),
            kind,
            countries: Vec::new(),
            addresses: Vec::new(),
            programs: Vec::new(),
            license_requirement: None,
            license_policy: None,
            federal_register: None,
            start_date: None,
            end_date: None,
            remarks: None,
        }
    }

    /// The primary name followed by every alias, with whether each is weak.
    pub fn names(&self) -> impl Iterator<Item = (&str, bool)> {
        std::iter::once((self.name.as_str(), false)).chain(
            self.aliases
                .iter()
                .map(|a| (a.name.as_str(), a.kind == AliasKind::Weak)),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::ListId;

    #[test]
    fn list_codes_are_the_json_names() {
        for list in ListId::ALL {
            let json = serde_json::to_value(list).ok();
            assert_eq!(
                json.as_ref().and_then(|v| v.as_str()),
                Some(list.code()),
                "{list:?}"
            );
        }
    }
}

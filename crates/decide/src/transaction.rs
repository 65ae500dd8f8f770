//! The transaction document (`ace check --input`): its JSON contract, and its validation
//! into a typed [`Transaction`]. Every rejection names the field and what is accepted.

use crate::error::InputError;
use ear::{Date, Destination, Eccn, Law, ProductGroup};
use serde::{Deserialize, Serialize};

/// The JSON contract. Other tools depend on it: extend it, never rename a field.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransactionInput {
    /// The caller's own id for the transaction (batch files, records).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `YYYY-MM-DD`; the regulation as of this date (default: today).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    pub item: Option<ItemInput>,
    /// The lines of an order, instead of `item`: each decided, the strictest decides.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<LineInput>,
    /// ISO code or country name; for a deemed export, the person's latest citizenship or
    /// permanent residency.
    pub destination: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_user: Option<PartyInput>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consignee: Option<PartyInput>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub intermediate_consignees: Vec<PartyInput>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purchaser: Option<PartyInput>,
    /// Who exports (default: a U.S. person in the United States). An exporter abroad
    /// makes the first leg a reexport, or an in-country transfer when it is in the
    /// destination country.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exporter: Option<PartyInput>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<Purpose>,
    #[serde(default)]
    pub deemed_export: bool,
    /// The exporter knows or has reason to know the item will be used without the
    /// owner's authorization (740.22(c)(2)).
    #[serde(default)]
    pub knowledge_unauthorized_use: bool,
    /// The exporter knows the item is for a military-intelligence end use or end user
    /// (744.22).
    #[serde(default)]
    pub military_intelligence_end_use: bool,
    /// Red flags the exporter has seen, by id (`kyc-2`, ... see `ace rules` and
    /// crates/ear/data/red_flags.toml): each holds the answer until a person resolves it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub red_flags: Vec<String>,
    /// Red flags a person has resolved (stated or derived ids): they no longer hold.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resolved_red_flags: Vec<String>,
    /// Red flags a person has confirmed (the concern stands): the answer is the one the
    /// flag's hold gave "if true" — for a buyer in a country of concern, the answer for the
    /// buyer's country.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub confirmed_red_flags: Vec<String>,
    /// The snapshot screening used (set by screening; not part of the document).
    #[serde(skip)]
    #[cfg_attr(feature = "openapi", schema(ignore))]
    pub screened_against: Option<ScreenedSnapshot>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemInput {
    /// `4D004`, `4D001.a (for 4D004)`, ... Required unless `published` is true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eccn: Option<String>,
    /// Published software or technology (734.3(b)(3), 734.7): not subject to the EAR.
    #[serde(default)]
    pub published: bool,
    /// The item is "digital artifacts" (740.22(b)(2)).
    #[serde(default)]
    pub digital_artifacts: bool,
    /// Who owns or operates the information systems of the incident the artifacts
    /// relate to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incident_owner: Option<IncidentOwner>,
    /// The item is also controlled in Category 5, Part 2 (encryption): License Exception
    /// ENC, not ACE, applies, and ace reports rather than decides.
    #[serde(default)]
    pub encryption_cat5_part2: bool,
}

/// One line of an order: an item with what the order says of it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineInput {
    /// As `item.eccn`; a line outside what ace decides (5A002, EAR99) is reported as such.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eccn: Option<String>,
    #[serde(default)]
    pub published: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<f64>,
    /// In the order's currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    #[serde(default)]
    pub digital_artifacts: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incident_owner: Option<IncidentOwner>,
    #[serde(default)]
    pub encryption_cat5_part2: bool,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncidentOwner {
    FavorableTreatment,
    Government,
    Other,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartyInput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Where the party is located: ISO 3166-1 code or English name (validated like
    /// `destination`). A party located elsewhere than the destination adds a leg to the
    /// route (intermediate consignees, a consignee or end user abroad) or a red flag (a
    /// purchaser).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Intermediate consignees only: `forwarder` (only moves the goods) or
    /// `distributor` (takes title, then reexports).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<IntermediateRole>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<EndUserKind>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub government_role: Option<GovernmentRole>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub favorable_treatment: Option<FavorableTreatment>,
    /// Final rule: share of voting securities a foreign government owns or controls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub government_ownership_percent: Option<f64>,
    /// Final rule: a foreign government may appoint a majority of the board.
    #[serde(default)]
    pub government_appoints_board_majority: bool,
    /// Final rule: the party's sector, for the "partially government owned or operated"
    /// test.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sector: Option<Sector>,
    /// Interim rule: an entity or individual acting on behalf of a government.
    #[serde(default)]
    pub acting_on_behalf_of_government: bool,
    /// For a deemed export: the person's citizenships, each with the date it was acquired.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub citizenships: Vec<DatedCountry>,
    /// For a deemed export: the person's permanent residencies, each with its start date.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub permanent_residencies: Vec<DatedCountry>,
    /// Restricted-party list memberships, stated by the caller or found by screening.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lists: Vec<ListHit>,
    /// Who owns the party, with each owner's share: OFAC's 50 Percent Rule and BIS's
    /// affiliates rule reach a party through its owners.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub owners: Vec<OwnerInput>,
}

/// A country held since a date (a citizenship or a permanent residency).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatedCountry {
    /// ISO code or country name.
    pub country: String,
    /// `YYYY-MM-DD`: when it was acquired.
    pub since: String,
}

/// What an intermediate consignee does with the goods.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IntermediateRole {
    /// Only moves the goods (freight forwarder, carrier): the goods pass through.
    Forwarder,
    /// Takes title and sells on: the goods are exported to it, then reexported.
    Distributor,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndUserKind {
    Government,
    NonGovernment,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GovernmentRole {
    PoliceOrJudicial,
    NationalCsirt,
    Military,
    Intelligence,
    ResearchInstitution,
    InternationalOrganization,
    Other,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FavorableTreatment {
    UsSubsidiary,
    BankingFinancial,
    Insurance,
    CivilHealthMedical,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sector {
    Utility,
    TelecomOrIsp,
    Transportation,
    RetailWholesale,
    Other,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    VulnerabilityDisclosure,
    CyberIncidentResponse,
    CriminalOrCivilInvestigation,
}

/// A restricted-party list the party is on.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ListCode {
    #[serde(rename = "EL")]
    EntityList,
    #[serde(rename = "DPL")]
    DeniedPersons,
    #[serde(rename = "UVL")]
    Unverified,
    #[serde(rename = "MEU")]
    MilitaryEndUser,
    #[serde(rename = "SDN")]
    Sdn,
}

impl ListCode {
    /// The code used in the JSON contract (`EL`, `DPL`, ...).
    pub fn code(self) -> &'static str {
        match self {
            ListCode::EntityList => "EL",
            ListCode::DeniedPersons => "DPL",
            ListCode::Unverified => "UVL",
            ListCode::MilitaryEndUser => "MEU",
            ListCode::Sdn => "SDN",
        }
    }
}

/// Whether a list membership is established or only possible.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MembershipStatus {
    /// The party is on the list (stated, a screening hit, or a match a reviewer
    /// confirmed): the list's effect applies.
    #[default]
    Confirmed,
    /// The party may be on the list (a screening match in the review band, or one that
    /// rests on generic words alone): the determination is HOLD until a person resolves it.
    Possible,
}

impl MembershipStatus {
    fn is_confirmed(&self) -> bool {
        *self == MembershipStatus::Confirmed
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListHit {
    pub list: ListCode,
    /// `confirmed` (default) or `possible`: a possible membership holds the answer.
    #[serde(default, skip_serializing_if = "MembershipStatus::is_confirmed")]
    pub status: MembershipStatus,
    /// Why a possible membership is open, in words (screening fills it in).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license_requirement: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license_policy: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub federal_register: Option<String>,
    /// OFAC sanctions program(s) for an SDN hit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub program: Option<String>,
    /// Screening score, when the hit came from ace's screening.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    /// Set when the membership is the party's owners' (OFAC's 50 Percent Rule, BIS's
    /// affiliates rule): the rule and the owners, in words, with its citation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via_owners: Option<String>,
    /// `YYYY-MM-DD`: the date the entry took effect, where known exactly. A membership
    /// listed after the as-of date does not decide; it is shown as listed later.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listed_on: Option<String>,
    /// `YYYY-MM-DD`, without `listed_on`: the earliest date the entry may have taken effect.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listed_not_before: Option<String>,
    /// `YYYY-MM-DD`, without `listed_on`: a date by which the entry was certainly listed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listed_by: Option<String>,
    /// `YYYY-MM-DD`: the first date the entry is no longer listed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub removed_on: Option<String>,
    /// Where the listing dates come from, or why the listing date is unknown (screening
    /// fills it in). A membership without any of these date fields applies on every date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listing: Option<String>,
    /// The listing dates rest on unverified data (a Federal Register date bracketed, not
    /// seen) or are unknown.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub listing_unverified: bool,
}

impl ListHit {
    /// Whether the membership carries any listing date (or says why it has none).
    pub fn is_dated(&self) -> bool {
        self.listed_on.is_some()
            || self.listed_not_before.is_some()
            || self.listed_by.is_some()
            || self.removed_on.is_some()
            || self.listing.is_some()
    }
}

/// The list snapshot parties were screened against, as the as-of logic needs it: its
/// hash and the date its lists were published. Set by screening, never by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScreenedSnapshot {
    pub hash: String,
    pub published: Option<Date>,
}

/// An owner of a party: screened like a party; its own owners count through the layers.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OwnerInput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Share of the party owned, 0–100; `null` when unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percent: Option<f64>,
    /// List memberships, stated or found by screening the owner's name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lists: Vec<ListHit>,
    /// The owner's own owners.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "openapi", schema(no_recursion))]
    pub owners: Vec<OwnerInput>,
}

/// What the item is, once validated.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Published,
    Classified {
        eccn: Eccn,
        /// Facts about `eccn` worked out once at validation, not on every decision.
        facts: EccnFacts,
        digital_artifacts: bool,
        incident_owner: Option<IncidentOwner>,
        encryption_cat5_part2: bool,
    },
}

/// What validation learnt about the ECCN from the regulation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EccnFacts {
    /// The canonical form, e.g. `4D001.a (for 4D004)`.
    pub text: String,
    /// The CCL entry, e.g. `4D001.a`.
    pub key: String,
    /// Listed in 740.22(b)(1).
    pub cybersecurity_item: bool,
}

/// Which party a finding is about.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    EndUser,
    Consignee,
    IntermediateConsignee,
    Purchaser,
}

impl Role {
    pub fn label(self) -> &'static str {
        match self {
            Role::EndUser => "end user",
            Role::Consignee => "consignee",
            Role::IntermediateConsignee => "intermediate consignee",
            Role::Purchaser => "purchaser",
        }
    }

    pub fn field(self) -> &'static str {
        match self {
            Role::EndUser => "end_user",
            Role::Consignee => "consignee",
            Role::IntermediateConsignee => "intermediate_consignees",
            Role::Purchaser => "purchaser",
        }
    }
}

/// A validated transaction: the engine's only input.
#[derive(Debug, Clone, PartialEq)]
pub struct Transaction {
    pub id: Option<String>,
    pub date: Date,
    /// `date` as YYYY-MM-DD, formatted once for the findings.
    pub on: String,
    pub item: Item,
    pub destination: Destination,
    pub end_user: PartyInput,
    pub parties: Vec<(Role, PartyInput)>,
    pub purpose: Option<Purpose>,
    pub deemed_export: bool,
    pub knowledge_unauthorized_use: bool,
    pub military_intelligence_end_use: bool,
    /// The exporter's country when it is not the United States.
    pub exporter_country: Option<Destination>,
    /// Each party's validated country, in the order of [`Transaction::all_parties`].
    pub locations: Vec<Option<Destination>>,
    /// Stated red flags (validated ids), and the ids a person has resolved.
    pub red_flags: Vec<String>,
    pub resolved_red_flags: Vec<String>,
    pub confirmed_red_flags: Vec<String>,
    /// The list snapshot the parties were screened against, when they were.
    pub screened_against: Option<ScreenedSnapshot>,
}

impl Transaction {
    /// The same transaction with only the confirmed list memberships: what ace decides
    /// when every possible match is a false positive.
    pub(crate) fn settled(&self) -> Transaction {
        let mut tx = self.clone();
        let keep = |p: &mut PartyInput| p.lists.retain(|h| h.status.is_confirmed());
        keep(&mut tx.end_user);
        tx.parties.iter_mut().for_each(|(_, p)| keep(p));
        tx
    }

    /// The possible list memberships: (party index in [`Transaction::all_parties`],
    /// index in its `lists`).
    pub(crate) fn possible_memberships(&self) -> Vec<(usize, usize)> {
        self.all_parties()
            .enumerate()
            .flat_map(|(pi, (_, p))| {
                p.lists
                    .iter()
                    .enumerate()
                    .filter(|(_, h)| !h.status.is_confirmed())
                    .map(move |(hi, _)| (pi, hi))
            })
            .collect()
    }

    /// The party at `index` of [`Transaction::all_parties`], mutably.
    pub(crate) fn party_mut(&mut self, index: usize) -> Option<&mut PartyInput> {
        match index {
            0 => Some(&mut self.end_user),
            i => self.parties.get_mut(i - 1).map(|(_, p)| p),
        }
    }

    /// Every named party with its role, the end user first.
    pub fn all_parties(&self) -> impl Iterator<Item = (Role, &PartyInput)> {
        std::iter::once((Role::EndUser, &self.end_user))
            .chain(self.parties.iter().map(|(r, p)| (*r, p)))
    }
}

/// Parses the JSON transaction document; errors name the JSON path of the bad field.
/// Anything but whitespace after the document is an error naming what and where (a
/// second document would otherwise be ignored).
pub fn parse_input(json: &str) -> Result<TransactionInput, InputError> {
    let de = &mut serde_json::Deserializer::from_str(json);
    let input = serde_path_to_error::deserialize(&mut *de).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." {
            "(document)".to_string()
        } else {
            path
        };
        InputError::new(field, e.into_inner().to_string())
    })?;
    de.end().map_err(|e| trailing_content(json, &e))?;
    Ok(input)
}

/// The error for content after the JSON document: where it starts and what it is.
fn trailing_content(json: &str, e: &serde_json::Error) -> InputError {
    let found: String = json
        .lines()
        .nth(e.line().saturating_sub(1))
        .and_then(|line| line.get(e.column().saturating_sub(1)..))
        .unwrap_or("")
        .chars()
        .take(30)
        .collect();
    InputError::new(
        "(document)",
        format!(
            "content after the end of the JSON document at line {} column {}: `{}`; give one \
             transaction document (several transactions: one per line with `ace batch`)",
            e.line(),
            e.column(),
            found.trim_end()
        ),
    )
}

impl TransactionInput {
    /// Validates against the regulation; `today` is the default as-of date.
    pub fn validate(&self, law: &Law, today: Date) -> Result<Transaction, InputError> {
        let date = self.as_of(law, today)?;
        let item = self.item(law, date)?;
        let destination = self.destination(law, date)?;
        let end_user = self.end_user.clone().unwrap_or_default();
        check_party("end_user", &end_user)?;
        let mut parties = Vec::new();
        let single = [
            ("end_user", &self.end_user),
            ("consignee", &self.consignee),
            ("purchaser", &self.purchaser),
        ];
        for (field, p) in single {
            if p.as_ref().is_some_and(|p| p.role.is_some()) {
                return Err(InputError::new(
                    format!("{field}.role"),
                    "only intermediate consignees have a role (forwarder or distributor); drop it here",
                ));
            }
        }
        if let Some(c) = &self.consignee {
            check_party("consignee", c)?;
            parties.push((Role::Consignee, c.clone()));
        }
        for (i, c) in self.intermediate_consignees.iter().enumerate() {
            // The indexed field is spelt out only when there is an error to name it in.
            check_party("intermediate_consignees", c).map_err(|mut e| {
                e.field = e.field.replacen(
                    "intermediate_consignees",
                    &format!("intermediate_consignees[{i}]"),
                    1,
                );
                e
            })?;
            parties.push((Role::IntermediateConsignee, c.clone()));
        }
        if let Some(p) = &self.purchaser {
            check_party("purchaser", p)?;
            parties.push((Role::Purchaser, p.clone()));
        }
        let mut locations = Vec::with_capacity(parties.len() + 1);
        locations.push(party_country(law, date, "end_user", &end_user)?);
        let mut intermediate = 0;
        for (role, p) in &parties {
            let place = party_country(law, date, role.field(), p).map_err(|mut e| {
                if *role == Role::IntermediateConsignee {
                    e.field = e.field.replacen(
                        "intermediate_consignees",
                        &format!("intermediate_consignees[{intermediate}]"),
                        1,
                    );
                }
                e
            })?;
            intermediate += usize::from(*role == Role::IntermediateConsignee);
            locations.push(place);
        }
        let exporter_country = match &self.exporter {
            Some(e) => {
                check_party("exporter", e)?;
                party_country(law, date, "exporter", e)?.filter(|d| d.code != "US")
            }
            None => None,
        };
        if self.deemed_export {
            if let Item::Classified { eccn, .. } = &item {
                if eccn.product_group() == Some(ProductGroup::Hardware) {
                    return Err(InputError::new(
                        "deemed_export",
                        format!("{eccn} is hardware, and only technology or source code can be deemed exported (15 CFR 734.13(b)); set deemed_export to false"),
                    ));
                }
            }
        }
        Ok(Transaction {
            id: self.id.clone(),
            on: date.to_string(),
            date,
            item,
            destination,
            end_user,
            parties,
            purpose: self.purpose,
            deemed_export: self.deemed_export,
            knowledge_unauthorized_use: self.knowledge_unauthorized_use,
            military_intelligence_end_use: self.military_intelligence_end_use,
            exporter_country,
            locations,
            red_flags: self.checked_flags("red_flags", &self.red_flags, law, date)?,
            resolved_red_flags: self.checked_flags(
                "resolved_red_flags",
                &self.resolved_red_flags,
                law,
                date,
            )?,
            confirmed_red_flags: self.checked_flags(
                "confirmed_red_flags",
                &self.confirmed_red_flags,
                law,
                date,
            )?,
            screened_against: self.screened_against.clone(),
        })
    }

    /// Red-flag ids known to the rules data on `date`.
    fn checked_flags(
        &self,
        field: &str,
        ids: &[String],
        law: &Law,
        date: Date,
    ) -> Result<Vec<String>, InputError> {
        ids.iter()
            .enumerate()
            .map(|(i, id)| match law.red_flag(id.trim(), date) {
                Some(f) => Ok(f.id.clone()),
                None => Err(InputError::new(
                    format!("{field}[{i}]"),
                    format!(
                        "'{id}' is not a red flag in force on {date}; accepted: {}",
                        law.red_flags()
                            .iter()
                            .filter(|f| f.holds_on(date))
                            .map(|f| f.id.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )),
            })
            .collect()
    }

    fn as_of(&self, law: &Law, today: Date) -> Result<Date, InputError> {
        let date = match &self.date {
            None => today,
            Some(s) => ear::parse_date(s).ok_or_else(|| {
                InputError::new(
                    "date",
                    format!("'{s}' is not a date; give YYYY-MM-DD, e.g. 2023-06-01"),
                )
            })?,
        };
        let (from, _) = law.controls_from();
        if date < from {
            return Err(InputError::new(
                "date",
                format!("{date} is before {from}, when the cybersecurity controls and License Exception ACE took effect: outside the period ace models; give a date on or after {from}"),
            ));
        }
        Ok(date)
    }

    fn item(&self, law: &Law, date: Date) -> Result<Item, InputError> {
        let item = self.item.as_ref().ok_or_else(|| {
            InputError::new(
                "item",
                "required: {\"eccn\": \"4D004\"} or {\"published\": true}",
            )
        })?;
        let eccn = match &item.eccn {
            Some(s) => Some(
                s.parse::<Eccn>()
                    .map_err(|e| InputError::new("item.eccn", e.to_string()))?,
            ),
            None => None,
        };
        if item.published {
            if let Some(e) = &eccn {
                if e.product_group() == Some(ProductGroup::Hardware) {
                    return Err(InputError::new(
                        "item.published",
                        format!("{e} is hardware; only software and technology can be \"published\" (15 CFR 734.7)"),
                    ));
                }
            }
            return Ok(Item::Published);
        }
        let eccn = eccn.ok_or_else(|| {
            InputError::new(
                "item.eccn",
                "required unless item.published is true; e.g. \"4D004\" or \"4D001.a (for 4D004)\"",
            )
        })?;
        check_decidable(law, &eccn, date)?;
        if item.incident_owner.is_some() && !item.digital_artifacts {
            return Err(InputError::new(
                "item.incident_owner",
                "only meaningful for digital artifacts; set item.digital_artifacts to true or drop it",
            ));
        }
        let facts = EccnFacts {
            text: eccn.to_string(),
            key: eccn.entry_key(),
            cybersecurity_item: law.is_cybersecurity_item(&eccn),
        };
        Ok(Item::Classified {
            facts,
            eccn,
            digital_artifacts: item.digital_artifacts,
            incident_owner: item.incident_owner,
            encryption_cat5_part2: item.encryption_cat5_part2,
        })
    }

    fn destination(&self, law: &Law, date: Date) -> Result<Destination, InputError> {
        let field = "destination";
        let latest = self.latest_citizenship_or_residency(law, date)?;
        let input = self.destination.as_deref().map(str::trim).unwrap_or("");
        if input.is_empty() {
            return latest.map(|(d, _)| d).ok_or_else(|| InputError::new(
                field,
                "required: an ISO 3166-1 code or country name (for a deemed export, the person's latest citizenship or permanent residency, or give end_user.citizenships / permanent_residencies)",
            ));
        }
        let destination = law
            .resolve_destination(input, date)
            .map_err(|e| InputError::new(field, e.to_string()))?;
        match latest {
            Some((d, since)) if d.code != destination.code => Err(InputError::new(
                field,
                format!("{} is not the person's latest citizenship or permanent residency, which is {} (since {since}); a deemed export goes to that country (15 CFR 734.13(b))", destination.label(), d.label()),
            )),
            _ => Ok(destination),
        }
    }

    /// 734.13(b): for a deemed export, the person's most recent country of citizenship or
    /// permanent residency, when the transaction lists them.
    fn latest_citizenship_or_residency(
        &self,
        law: &Law,
        date: Date,
    ) -> Result<Option<(Destination, Date)>, InputError> {
        let Some(person) = self.end_user.as_ref().filter(|_| self.deemed_export) else {
            return Ok(None);
        };
        let mut latest: Option<(Destination, Date)> = None;
        for (list, entries) in [
            ("citizenships", &person.citizenships),
            ("permanent_residencies", &person.permanent_residencies),
        ] {
            for (i, c) in entries.iter().enumerate() {
                let field = format!("end_user.{list}[{i}]");
                let since = parse_since(&field, &c.since)?;
                if since > date {
                    continue;
                }
                let d = law
                    .resolve_destination(&c.country, date)
                    .map_err(|e| InputError::new(format!("{field}.country"), e.to_string()))?;
                if latest.as_ref().is_none_or(|(_, s)| since >= *s) {
                    latest = Some((d, since));
                }
            }
        }
        Ok(latest)
    }
}

/// A party's `country`, resolved like `destination` (an error names `{field}.country`).
fn party_country(
    law: &Law,
    date: Date,
    field: &str,
    p: &PartyInput,
) -> Result<Option<Destination>, InputError> {
    match p.country.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(c) => law
            .resolve_destination(c, date)
            .map(Some)
            .map_err(|e| InputError::new(format!("{field}.country"), e.to_string())),
    }
}

fn parse_since(field: &str, s: &str) -> Result<Date, InputError> {
    ear::parse_date(s).ok_or_else(|| {
        InputError::new(
            format!("{field}.since"),
            format!("'{s}' is not a date; give YYYY-MM-DD"),
        )
    })
}

/// ace decides cybersecurity items, 5D001.e, and the 5E001 ACE-line discrepancy;
/// anything else is outside what it decides.
fn check_decidable(law: &Law, eccn: &Eccn, date: Date) -> Result<(), InputError> {
    let field = "item.eccn";
    let key = eccn.entry_key();
    if eccn.for_items.is_empty()
        && matches!(
            key.as_str(),
            "4D001.a" | "4E001.a" | "5B001.a" | "5D001.a" | "5D001.c" | "5E001.a"
        )
    {
        return Err(InputError::new(
            field,
            format!("{eccn} is ambiguous: say what it is for, e.g. \"{key} (for {})\" — only some {key} items are cybersecurity items (15 CFR 740.22(b)(1))", example_target(&key)),
        ));
    }
    let known = law.is_cybersecurity_item(eccn)
        || law.ace_line_discrepancy(eccn).is_some()
        || key == "5D001.e";
    if !known {
        return Err(InputError::outside(
            field,
            format!("{eccn} is not a cybersecurity item (15 CFR 740.22(b)(1)) and not one of the other entries ace decides (5D001.e): outside what ace decides"),
        ));
    }
    if law.entry(&key, date).is_none() {
        let why = match law.entry_any_date(&key) {
            Some(e) => format!(
                "{key} is not in the Commerce Control List on {date} ({})",
                e.notes
                    .first()
                    .map(String::as_str)
                    .unwrap_or("see its dates")
            ),
            None => format!("ace has no CCL entry {key}"),
        };
        return Err(InputError::outside(
            field,
            format!("{why}: outside what ace decides"),
        ));
    }
    Ok(())
}

fn example_target(key: &str) -> &'static str {
    match key {
        "4D001.a" => "4D004",
        "4E001.a" => "4D004",
        _ => "5A001.j",
    }
}

fn check_party(field: &str, p: &PartyInput) -> Result<(), InputError> {
    if let Some(pct) = p.government_ownership_percent {
        if !(0.0..=100.0).contains(&pct) || pct.is_nan() {
            return Err(InputError::new(
                format!("{field}.government_ownership_percent"),
                format!("{pct} is not a percentage; give a number from 0 to 100"),
            ));
        }
    }
    if p.government_role.is_some() && p.kind == Some(EndUserKind::NonGovernment) {
        return Err(InputError::new(
            format!("{field}.government_role"),
            "given for a non_government party; set kind to government or drop government_role",
        ));
    }
    check_owners(&format!("{field}.owners"), &p.owners, 0)?;
    check_party_name(field, p)
}

/// Owners' shares are percentages adding up to at most 100, names screenable, at most
/// eight layers deep.
fn check_owners(field: &str, owners: &[OwnerInput], depth: usize) -> Result<(), InputError> {
    if depth >= 8 && !owners.is_empty() {
        return Err(InputError::new(
            field,
            "more than 8 layers of owners; ace decides up to 8",
        ));
    }
    let mut total = 0.0;
    for (i, o) in owners.iter().enumerate() {
        let here = format!("{field}[{i}]");
        if let Some(pct) = o.percent {
            if !(0.0..=100.0).contains(&pct) || pct.is_nan() {
                return Err(InputError::new(
                    format!("{here}.percent"),
                    format!("{pct} is not a percentage; give a number from 0 to 100, or null when unknown"),
                ));
            }
            total += pct;
        }
        if let Some(c) = &o.country {
            if countries::lookup(c).is_none() {
                return Err(InputError::new(
                    format!("{here}.country"),
                    format!("'{c}' is not an ISO 3166-1 code or a country name"),
                ));
            }
        }
        if let Some(name) = &o.name {
            screen::check_name(name)
                .map_err(|e| InputError::new(format!("{here}.name"), e.to_string()))?;
        }
        check_owners(&format!("{here}.owners"), &o.owners, depth + 1)?;
    }
    if total > 100.0 + 1e-9 {
        return Err(InputError::new(
            field,
            format!("the owners' shares add up to {total}%; they can add up to at most 100"),
        ));
    }
    Ok(())
}

/// A party's name, when given, can be screened: not empty, not punctuation alone, at most
/// [`screen::MAX_NAME_CHARS`] characters (checked before screening, which a huge name
/// would stall). A name that cannot be screened is an input error, never "no match".
fn check_party_name(field: &str, p: &PartyInput) -> Result<(), InputError> {
    match &p.name {
        Some(name) => screen::check_name(name)
            .map_err(|problem| InputError::new(format!("{field}.name"), problem.to_string())),
        None => Ok(()),
    }
}

/// The most intermediate consignees one transaction may name (a route longer than this
/// is not a shipment a person could have checked).
pub const MAX_INTERMEDIATE_CONSIGNEES: usize = 20;
/// The most lines one order may carry.
pub const MAX_ITEMS: usize = 200;
/// The most owners, counted through every layer, one transaction may name.
pub const MAX_OWNERS: usize = 100;

impl TransactionInput {
    /// Every named party's name can be screened (see [`check_party_name`]), and the
    /// transaction is within [`MAX_INTERMEDIATE_CONSIGNEES`], [`MAX_ITEMS`] and
    /// [`MAX_OWNERS`] (every party and owner is screened: an unbounded list would let one
    /// request occupy the server); call before screening.
    pub fn check_names(&self) -> Result<(), InputError> {
        self.check_size()?;
        for (field, party) in self.parties_by_field() {
            check_party_name(&field, party)?;
        }
        Ok(())
    }

    /// The caps on parties, lines and owners.
    pub fn check_size(&self) -> Result<(), InputError> {
        let too_many = |field: &str, count: usize, max: usize| {
            InputError::new(
                field,
                format!("{count} given; at most {max} are accepted in one transaction"),
            )
        };
        if self.intermediate_consignees.len() > MAX_INTERMEDIATE_CONSIGNEES {
            return Err(too_many(
                "intermediate_consignees",
                self.intermediate_consignees.len(),
                MAX_INTERMEDIATE_CONSIGNEES,
            ));
        }
        if self.items.len() > MAX_ITEMS {
            return Err(too_many("items", self.items.len(), MAX_ITEMS));
        }
        fn count(owners: &[OwnerInput]) -> usize {
            owners.iter().map(|o| 1 + count(&o.owners)).sum()
        }
        let owners: usize = self
            .parties_by_field()
            .iter()
            .map(|(_, p)| count(&p.owners))
            .sum();
        if owners > MAX_OWNERS {
            return Err(too_many("owners", owners, MAX_OWNERS));
        }
        Ok(())
    }

    /// Every party with the JSON path of its field.
    pub fn parties_by_field(&self) -> Vec<(String, &PartyInput)> {
        let mut out = Vec::new();
        let single = [
            ("end_user", &self.end_user),
            ("consignee", &self.consignee),
            ("purchaser", &self.purchaser),
        ];
        for (field, party) in single {
            if let Some(p) = party {
                out.push((field.to_string(), p));
            }
        }
        for (i, p) in self.intermediate_consignees.iter().enumerate() {
            out.push((format!("intermediate_consignees[{i}]"), p));
        }
        out
    }
}

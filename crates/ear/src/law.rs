//! The regulation as loaded: validated, dated values with their provenance, and the
//! "as of this date" questions the decision engine asks.

use crate::data::*;
use crate::eccn::Eccn;
use crate::error::EarError;
use crate::provenance::{Confidence, Provenance};
use crate::{parse_date, Date};
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::Path;

/// A Country Group id such as `D:1` or `E:2`.
pub type GroupId = String;

/// The rules files, in the order they are hashed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleFile {
    Periods,
    CountryGroups,
    CountryChart,
    Eccn,
    Embargoes,
    Destinations,
    RedFlags,
    Ownership,
}

impl RuleFile {
    pub const ALL: [RuleFile; 8] = [
        RuleFile::Periods,
        RuleFile::CountryGroups,
        RuleFile::CountryChart,
        RuleFile::Eccn,
        RuleFile::Embargoes,
        RuleFile::Destinations,
        RuleFile::RedFlags,
        RuleFile::Ownership,
    ];

    pub fn file_name(self) -> &'static str {
        match self {
            RuleFile::Periods => "periods.toml",
            RuleFile::CountryGroups => "country_groups.toml",
            RuleFile::CountryChart => "country_chart.toml",
            RuleFile::Eccn => "eccn.toml",
            RuleFile::Embargoes => "embargoes.toml",
            RuleFile::Destinations => "destinations.toml",
            RuleFile::RedFlags => "red_flags.toml",
            RuleFile::Ownership => "ownership.toml",
        }
    }

    fn bundled(self) -> &'static str {
        match self {
            RuleFile::Periods => include_str!("../data/periods.toml"),
            RuleFile::CountryGroups => include_str!("../data/country_groups.toml"),
            RuleFile::CountryChart => include_str!("../data/country_chart.toml"),
            RuleFile::Eccn => include_str!("../data/eccn.toml"),
            RuleFile::Embargoes => include_str!("../data/embargoes.toml"),
            RuleFile::Destinations => include_str!("../data/destinations.toml"),
            RuleFile::RedFlags => include_str!("../data/red_flags.toml"),
            RuleFile::Ownership => include_str!("../data/ownership.toml"),
        }
    }
}

/// A license requirement of part 744 for the designees of one OFAC program.
#[derive(Debug, Clone)]
pub struct SdnProgramRule {
    pub program: String,
    /// "15 CFR 744.8".
    pub section: String,
    pub scope: String,
    pub provenance: Provenance,
}

/// How sure the data is of "is the country in the group on `date`?", from the country's
/// rows in that group: the row that holds, else the weakest row (its dates decided the
/// "no"), else `table` (the group's own confidence). [`Law::group_confidence`] asks it for
/// one group; a caller with the country's rows at hand ([`Law::rows_of_country`]) asks it
/// directly.
pub fn rows_confidence<'a>(
    rows: impl Iterator<Item = &'a Membership> + Clone,
    date: Date,
    table: Confidence,
) -> Confidence {
    if let Some(m) = rows.clone().find(|m| m.holds_on(date)) {
        return m.provenance.confidence;
    }
    rows.map(|m| m.provenance.confidence).max().unwrap_or(table)
}

/// A dated membership of a country in a group (or a dated Country Chart exception).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    pub country: String,
    /// Inclusive; `None` = for the whole period ace models.
    pub from: Option<Date>,
    /// Exclusive; `None` = still in force.
    pub until: Option<Date>,
    pub provenance: Provenance,
    pub note: Option<String>,
}

impl Membership {
    pub fn holds_on(&self, date: Date) -> bool {
        self.from.is_none_or(|f| f <= date) && self.until.is_none_or(|u| date < u)
    }

    /// "from 2024-03-15", "until 2024-05-30 (exclusive)", or "throughout".
    pub fn dates(&self) -> String {
        match (self.from, self.until) {
            (None, None) => "throughout the period ace models".into(),
            (Some(f), None) => format!("from {f}"),
            (None, Some(u)) => format!("until {u} (not on or after)"),
            (Some(f), Some(u)) => format!("from {f} until {u} (not on or after)"),
        }
    }
}

#[derive(Debug, Clone)]
pub struct CountryGroup {
    pub id: GroupId,
    pub description: String,
    pub provenance: Provenance,
    pub note: Option<String>,
    pub members: Vec<Membership>,
    /// Positions in `members` by country: the engine asks "is X in G on D?" many times
    /// per determination, so this must not be a scan.
    by_country: HashMap<String, Vec<usize>>,
}

impl CountryGroup {
    fn new(
        id: GroupId,
        description: String,
        provenance: Provenance,
        note: Option<String>,
        members: Vec<Membership>,
    ) -> Self {
        let mut by_country: HashMap<String, Vec<usize>> = HashMap::default();
        for (i, m) in members.iter().enumerate() {
            by_country.entry(m.country.clone()).or_default().push(i);
        }
        CountryGroup {
            id,
            description,
            provenance,
            note,
            members,
            by_country,
        }
    }

    /// Every dated row of `country` in this group, whatever its dates.
    pub fn rows_of<'s>(
        &'s self,
        country: &str,
    ) -> impl Iterator<Item = &'s Membership> + Clone + 's {
        self.by_country
            .get(country)
            .into_iter()
            .flatten()
            .map(|&i| &self.members[i])
    }

    /// The membership of `country` holding on `date`, if any.
    pub fn member_on(&self, country: &str, date: Date) -> Option<&Membership> {
        self.by_country
            .get(country)?
            .iter()
            .map(|&i| &self.members[i])
            .find(|m| m.holds_on(date))
    }
}

/// How a Country Chart column is filled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColumnRule {
    /// X for every destination except the dated exceptions.
    XExcept(Vec<Membership>),
    /// X for every destination except the members of a Country Group.
    XExceptGroup(GroupId),
    /// No destination has an X.
    NoX,
}

#[derive(Debug, Clone)]
pub struct ChartColumn {
    pub id: String,
    pub description: String,
    pub rule: ColumnRule,
    pub provenance: Provenance,
}

/// One cell of the Country Chart: is there an X, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartCell<'a> {
    pub x: bool,
    pub why: ChartWhy<'a>,
    pub provenance: &'a Provenance,
}

/// Why a Country Chart cell is what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChartWhy<'a> {
    /// The column has no X anywhere (AT1).
    NoXAnywhere,
    /// A dated exception of the column removes the X.
    Exception(&'a Membership),
    /// The column has an X everywhere but its exceptions, and this is not one.
    NotExcepted,
    /// No X: the destination is in the column's exempt Country Group.
    InGroup(&'a str),
    /// X: the destination is not in the column's exempt Country Group.
    NotInGroup(&'a str),
}

impl ChartCell<'_> {
    /// One sentence for the trace, e.g. "NS1 has no X for AU (from 2024-04-19): 89 FR 28594".
    /// Joined from its pieces rather than `format!`ted: every determination writes one
    /// per reason for control, and joining costs a fraction of formatting.
    pub fn describe(&self, column: &str, country: &str, on: &str) -> String {
        match &self.why {
            ChartWhy::NoXAnywhere => ["no destination has an X in ", column].concat(),
            ChartWhy::Exception(m) => format!(
                "{column} has no X for {country} ({}): {}",
                m.dates(),
                m.provenance.source
            ),
            ChartWhy::NotExcepted => [column, " has an X for ", country, " on ", on].concat(),
            ChartWhy::InGroup(g) => [
                column,
                " has no X for ",
                country,
                ": it is in Country Group ",
                g,
                " on ",
                on,
            ]
            .concat(),
            ChartWhy::NotInGroup(g) => [
                column,
                " has an X for ",
                country,
                ": it is not in Country Group ",
                g,
                " on ",
                on,
            ]
            .concat(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct EccnEntry {
    pub eccn: String,
    pub heading: String,
    pub reasons: Vec<String>,
    pub ace: bool,
    pub ace_line: String,
    pub notes: Vec<String>,
    pub from: Option<Date>,
    pub until: Option<Date>,
    pub provenance: Provenance,
}

impl EccnEntry {
    pub fn holds_on(&self, date: Date) -> bool {
        self.from.is_none_or(|f| f <= date) && self.until.is_none_or(|u| date < u)
    }
}

#[derive(Debug, Clone)]
pub struct Embargo {
    pub id: String,
    pub section: String,
    pub destinations: Vec<String>,
    pub scope: String,
    pub ace_available: bool,
    pub from: Option<Date>,
    pub until: Option<Date>,
    pub provenance: Provenance,
    pub note: Option<String>,
    /// The paragraph excluding deemed exports and deemed reexports from this embargo's
    /// license requirement (746.8(a)(12)(i)), with its provenance.
    pub deemed_exports_excluded: Option<(String, Provenance)>,
}

impl Embargo {
    pub fn holds_on(&self, date: Date) -> bool {
        self.from.is_none_or(|f| f <= date) && self.until.is_none_or(|u| date < u)
    }
}

/// A version of the text of 15 CFR 740.22.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AceVersion {
    /// `interim` or `final`.
    pub id: String,
    pub name: String,
    pub from: Date,
    pub until: Option<Date>,
    pub provenance: Provenance,
}

#[derive(Debug, Clone)]
pub(crate) struct TreatedAs {
    pub input: String,
    pub as_country: String,
    pub from: Date,
    pub provenance: Provenance,
}

#[derive(Debug, Clone)]
pub struct Region {
    pub id: String,
    pub name: String,
    pub aliases: Vec<String>,
    pub country: String,
    pub provenance: Provenance,
}

#[derive(Debug, Clone)]
pub(crate) struct MilIntelDest {
    pub country: Option<String>,
    pub group: Option<String>,
    pub membership: Membership,
}

/// The whole regulation as ace knows it, validated.
#[derive(Debug, Clone)]
pub struct Law {
    hash: String,
    controls_from: Date,
    controls_provenance: Provenance,
    ace_versions: Vec<AceVersion>,
    groups: BTreeMap<GroupId, CountryGroup>,
    /// Every dated group membership by country, in group order: the engine's first
    /// question about a destination is "which groups is it in on this date?".
    groups_by_country: HashMap<String, Vec<(GroupId, Membership)>>,
    columns: BTreeMap<String, ChartColumn>,
    entries: Vec<EccnEntry>,
    cyber_items: HashSet<Eccn>,
    cyber_items_provenance: Provenance,
    discrepancies: Vec<(Eccn, Provenance)>,
    embargoes: Vec<Embargo>,
    mil_intel: Vec<MilIntelDest>,
    mil_intel_provenance: Provenance,
    mil_intel_section: String,
    sdn_programs: Vec<SdnProgramRule>,
    pub(crate) treated_as: Vec<TreatedAs>,
    pub(crate) regions: Vec<Region>,
    red_flags: Vec<RedFlag>,
    ownership: Ownership,
    /// Which files came from an override directory.
    overridden: Vec<&'static str>,
    /// [`Law::calendar`], worked out on first use.
    pub(crate) calendar: std::sync::OnceLock<crate::calendar::Calendar>,
}

struct Ctx {
    file: &'static str,
}

impl Ctx {
    fn invalid(&self, field: impl Into<String>, message: impl Into<String>) -> EarError {
        EarError::Invalid {
            file: self.file.into(),
            field: field.into(),
            message: message.into(),
        }
    }

    fn date(&self, field: &str, s: &str) -> Result<Date, EarError> {
        parse_date(s)
            .ok_or_else(|| self.invalid(field, format!("'{s}' is not a date (YYYY-MM-DD)")))
    }

    fn opt_date(&self, field: &str, s: &Option<String>) -> Result<Option<Date>, EarError> {
        s.as_deref().map(|s| self.date(field, s)).transpose()
    }

    fn country(&self, field: &str, code: &str, regions: &[String]) -> Result<String, EarError> {
        if regions.iter().any(|r| r == code) {
            return Ok(code.to_string());
        }
        match countries::by_code(code) {
            Some(c) if c.alpha2 == code => Ok(code.to_string()),
            _ => Err(self.invalid(
                field,
                format!("'{code}' is not an ISO 3166-1 alpha-2 code (upper case) or a region id of destinations.toml"),
            )),
        }
    }

    fn parse<T: serde::de::DeserializeOwned>(&self, text: &str) -> Result<T, EarError> {
        toml::from_str(text).map_err(|e| EarError::Parse {
            file: self.file.into(),
            message: e.to_string(),
        })
    }
}

impl Law {
    /// The regulation bundled into this build.
    pub fn bundled() -> Result<Law, EarError> {
        Self::from_texts(|f| Ok((f.bundled().to_string(), false)))
    }

    /// The bundled regulation with any file present in `dir` replacing its bundled twin.
    pub fn with_overrides(dir: &Path) -> Result<Law, EarError> {
        let io = |source| EarError::Io {
            dir: dir.to_path_buf(),
            source,
        };
        let known: Vec<&str> = RuleFile::ALL.iter().map(|f| f.file_name()).collect();
        let mut found = false;
        for item in std::fs::read_dir(dir).map_err(io)? {
            let name = item.map_err(io)?.file_name().to_string_lossy().to_string();
            if name.ends_with(".toml") {
                if !known.contains(&name.as_str()) {
                    return Err(EarError::Invalid {
                        file: name,
                        field: "(file name)".into(),
                        message: format!(
                            "not a rules file ace knows; expected one of {}",
                            known.join(", ")
                        ),
                    });
                }
                found = true;
            }
        }
        if !found {
            return Err(EarError::EmptyOverride {
                dir: dir.to_path_buf(),
                expected: known.join(", "),
            });
        }
        Self::from_texts(|f| {
            let path = dir.join(f.file_name());
            if path.exists() {
                std::fs::read_to_string(&path)
                    .map(|t| (t, true))
                    .map_err(io)
            } else {
                Ok((f.bundled().to_string(), false))
            }
        })
    }

    /// The bundled regulation with some files replaced by the given texts (tests, fuzzing,
    /// and callers that keep rules somewhere other than a directory).
    pub fn with_texts(overrides: &[(RuleFile, &str)]) -> Result<Law, EarError> {
        Self::from_texts(|f| match overrides.iter().find(|(o, _)| *o == f) {
            Some((_, text)) => Ok(((*text).to_string(), true)),
            None => Ok((f.bundled().to_string(), false)),
        })
    }

    fn from_texts(
        mut text_of: impl FnMut(RuleFile) -> Result<(String, bool), EarError>,
    ) -> Result<Law, EarError> {
        let mut hasher = Sha256::new();
        let mut texts = BTreeMap::new();
        let mut overridden = Vec::new();
        for f in RuleFile::ALL {
            let (text, from_dir) = text_of(f)?;
            hasher.update(f.file_name().as_bytes());
            hasher.update([0]);
            hasher.update(text.as_bytes());
            hasher.update([0]);
            if from_dir {
                overridden.push(f.file_name());
            }
            texts.insert(f.file_name(), text);
        }
        let hash = hex::encode(hasher.finalize());
        let text = |f: RuleFile| texts.get(f.file_name()).map(String::as_str).unwrap_or("");
        let mut law = build(&text, hash)?;
        law.overridden = overridden;
        Ok(law)
    }

    /// SHA-256 of the rules files used: two determinations with the same hash used the
    /// same regulation.
    pub fn hash(&self) -> &str {
        &self.hash
    }

    /// The files taken from an override directory (empty for the bundled rules).
    pub fn overridden_files(&self) -> &[&'static str] {
        &self.overridden
    }

    /// The first day the cybersecurity controls applied.
    pub fn controls_from(&self) -> (Date, &Provenance) {
        (self.controls_from, &self.controls_provenance)
    }

    /// The text of 740.22 in force on `date`.
    pub fn ace_version(&self, date: Date) -> Option<&AceVersion> {
        self.ace_versions
            .iter()
            .find(|v| v.from <= date && v.until.is_none_or(|u| date < u))
    }

    pub fn ace_versions(&self) -> &[AceVersion] {
        &self.ace_versions
    }

    pub fn groups(&self) -> impl Iterator<Item = &CountryGroup> {
        self.groups.values()
    }

    pub fn group(&self, id: &str) -> Option<&CountryGroup> {
        self.groups.get(id)
    }

    /// The membership of `country` in `group` on `date`, if any.
    pub fn membership(&self, group: &str, country: &str, date: Date) -> Option<&Membership> {
        self.groups.get(group)?.member_on(country, date)
    }

    /// How sure the data is of the answer to "is `country` in `group` on `date`?": the
    /// confidence of the membership row that holds; when none holds, the weakest of the
    /// country's dated rows in the group (their `from`/`until` decided the "no"); else the
    /// group's own. A finding resting on a group answers with this, so that an unverified
    /// date of entry or exit reaches the determination's `unverified` flag.
    pub fn group_confidence(&self, group: &str, country: &str, date: Date) -> Confidence {
        let Some(g) = self.groups.get(group) else {
            return Confidence::Unverified;
        };
        rows_confidence(g.rows_of(country), date, g.provenance.confidence)
    }

    /// Every dated row of `country` in any group, with its group (one hash lookup): what
    /// [`Law::group_confidence`] reads, for a caller asking about many groups at once.
    pub fn rows_of_country(&self, country: &str) -> &[(GroupId, Membership)] {
        self.groups_by_country
            .get(country)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    pub fn in_group(&self, group: &str, country: &str, date: Date) -> bool {
        self.membership(group, country, date).is_some()
    }

    /// The ids of the groups `country` is in on `date`, in group order (one hash lookup).
    pub fn group_ids_on(&self, country: &str, date: Date) -> Vec<&str> {
        self.groups_by_country
            .get(country)
            .map(|v| {
                v.iter()
                    .filter(|(_, m)| m.holds_on(date))
                    .map(|(g, _)| g.as_str())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Every group `country` is in on `date`, in group order.
    pub fn groups_of(&self, country: &str, date: Date) -> Vec<(&str, &Membership)> {
        self.groups
            .keys()
            .filter_map(|id| self.membership(id, country, date).map(|m| (id.as_str(), m)))
            .collect()
    }

    pub fn columns(&self) -> impl Iterator<Item = &ChartColumn> {
        self.columns.values()
    }

    pub fn column(&self, id: &str) -> Option<&ChartColumn> {
        self.columns.get(id)
    }

    /// Whether the Country Chart has an X for `country` in `column` on `date`, and why.
    pub fn chart_cell(&self, column: &str, country: &str, date: Date) -> Option<ChartCell<'_>> {
        let col = self.columns.get(column)?;
        let cell = match &col.rule {
            ColumnRule::NoX => ChartCell {
                x: false,
                why: ChartWhy::NoXAnywhere,
                provenance: &col.provenance,
            },
            ColumnRule::XExcept(exceptions) => {
                match exceptions
                    .iter()
                    .find(|m| m.country == country && m.holds_on(date))
                {
                    Some(m) => ChartCell {
                        x: false,
                        why: ChartWhy::Exception(m),
                        provenance: &m.provenance,
                    },
                    None => ChartCell {
                        x: true,
                        why: ChartWhy::NotExcepted,
                        provenance: &col.provenance,
                    },
                }
            }
            ColumnRule::XExceptGroup(group) => match self.membership(group, country, date) {
                Some(m) => ChartCell {
                    x: false,
                    why: ChartWhy::InGroup(group),
                    provenance: weakest(&col.provenance, &m.provenance),
                },
                None => ChartCell {
                    x: true,
                    why: ChartWhy::NotInGroup(group),
                    provenance: &col.provenance,
                },
            },
        };
        Some(cell)
    }

    pub fn entries(&self) -> &[EccnEntry] {
        &self.entries
    }

    /// The CCL entry (`4D001.a`, `5A001.j`, ...) on `date`.
    pub fn entry(&self, key: &str, date: Date) -> Option<&EccnEntry> {
        self.entries
            .iter()
            .find(|e| e.eccn == key && e.holds_on(date))
    }

    /// The CCL entry whatever the date (for "not in force on that date" messages).
    pub fn entry_any_date(&self, key: &str) -> Option<&EccnEntry> {
        self.entries.iter().find(|e| e.eccn == key)
    }

    /// 740.22(b)(1): is this ECCN, in every reading of its qualifier, a cybersecurity item?
    pub fn is_cybersecurity_item(&self, eccn: &Eccn) -> bool {
        eccn.expand().iter().all(|e| self.cyber_items.contains(e))
    }

    pub fn cybersecurity_items_provenance(&self) -> &Provenance {
        &self.cyber_items_provenance
    }

    /// The cybersecurity items of 740.22(b)(1), as written in the data.
    pub fn cybersecurity_items(&self) -> Vec<&Eccn> {
        let mut v: Vec<&Eccn> = self.cyber_items.iter().collect();
        v.sort();
        v
    }

    /// A known difference between an entry's ACE line and 740.22(b)(1) for this ECCN.
    pub fn ace_line_discrepancy(&self, eccn: &Eccn) -> Option<&Provenance> {
        if self.discrepancies.iter().all(|(e, _)| e.base != eccn.base) {
            return None;
        }
        self.discrepancies
            .iter()
            .find(|(e, _)| eccn.expand().iter().all(|x| x == e))
            .map(|(_, p)| p)
    }

    pub fn embargoes(&self) -> &[Embargo] {
        &self.embargoes
    }

    /// The part 746 embargo covering `destination` (a country code or region id) on `date`.
    pub fn embargo(&self, destination: &str, date: Date) -> Option<&Embargo> {
        self.embargoes
            .iter()
            .find(|e| e.holds_on(date) && e.destinations.iter().any(|d| d == destination))
    }

    /// 744.22: is `country` a destination of the military-intelligence rule on `date`?
    pub fn military_intelligence(&self, country: &str, date: Date) -> Option<&Provenance> {
        self.mil_intel.iter().find_map(|d| {
            if !d.membership.holds_on(date) {
                return None;
            }
            let hit = match (&d.country, &d.group) {
                (Some(c), _) => c == country,
                (None, Some(g)) => self.in_group(g, country, date),
                (None, None) => false,
            };
            hit.then(|| weakest(&self.mil_intel_provenance, &d.membership.provenance))
        })
    }

    /// The EAR's own license requirements for designees of the OFAC programs named in
    /// `programs` (a designation's program tags, e.g. "SDGT; NPWMD"), in data order.
    pub fn sdn_program_rules<'s>(
        &'s self,
        programs: &'s str,
    ) -> impl Iterator<Item = &'s SdnProgramRule> + 's {
        self.sdn_programs.iter().filter(move |r| {
            programs
                .split(|c: char| !c.is_ascii_alphanumeric() && c != '-')
                .any(|tag| tag.eq_ignore_ascii_case(&r.program))
        })
    }

    /// The dated 744.22 destinations given by country (groups are dated as groups).
    pub(crate) fn mil_intel_rows(&self) -> impl Iterator<Item = &Membership> {
        self.mil_intel
            .iter()
            .filter(|d| d.country.is_some())
            .map(|d| &d.membership)
    }

    pub fn military_intelligence_section(&self) -> &str {
        &self.mil_intel_section
    }

    pub fn regions(&self) -> &[Region] {
        &self.regions
    }

    /// The red flag with this id, if it is in force on `date`.
    pub fn red_flag(&self, id: &str, date: Date) -> Option<&RedFlag> {
        self.red_flags
            .iter()
            .find(|f| f.id == id && f.holds_on(date))
    }

    /// The affiliates rule's state on `date`, when the rules data has a period for it.
    pub fn affiliates_rule(&self, date: Date) -> Option<&AffiliatesPeriod> {
        self.ownership
            .affiliates
            .iter()
            .find(|p| p.from <= date && p.until.is_none_or(|u| date < u))
    }

    /// Every period of the affiliates rule, oldest first.
    pub fn affiliates_periods(&self) -> &[AffiliatesPeriod] {
        &self.ownership.affiliates
    }

    /// Red Flag 29: an owner known to be listed with an unknown share (citation, provenance).
    pub fn unknown_share_flag(&self) -> &(String, Provenance) {
        &self.ownership.unknown_share
    }

    /// OFAC's 50 Percent Rule: the threshold, and its citation with provenance.
    pub fn ofac_fifty_percent(&self) -> (f64, &(String, Provenance)) {
        (self.ownership.ofac_threshold_percent, &self.ownership.ofac)
    }

    /// Every red flag, in file order.
    pub fn red_flags(&self) -> &[RedFlag] {
        &self.red_flags
    }

    /// The derived red flags in force on `date`.
    pub fn derived_red_flags(&self, date: Date) -> impl Iterator<Item = &RedFlag> {
        self.red_flags
            .iter()
            .filter(move |f| f.derive.is_some() && f.holds_on(date))
    }
}

/// Ownership rules (ownership.toml).
#[derive(Debug, Clone)]
struct Ownership {
    affiliates: Vec<AffiliatesPeriod>,
    unknown_share: (String, Provenance),
    ofac_threshold_percent: f64,
    ofac: (String, Provenance),
}

/// A period of BIS's affiliates rule (90 FR 47201): in force or suspended.
#[derive(Debug, Clone, PartialEq)]
pub struct AffiliatesPeriod {
    pub in_force: bool,
    pub threshold_percent: f64,
    pub from: Date,
    pub until: Option<Date>,
    pub provenance: Provenance,
}

/// A red flag (15 CFR part 732, supp. no. 3; the Russia-diversion alerts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedFlag {
    pub id: String,
    pub text: String,
    /// `source` is the citation.
    pub provenance: Provenance,
    pub from: Option<Date>,
    pub until: Option<Date>,
    /// How ace derives it from the transaction, when it does.
    pub derive: Option<DerivedFlag>,
    /// For a derived flag: the Country Groups and countries it concerns, and whether the
    /// part 746 destinations count too.
    pub groups: Vec<String>,
    pub countries: Vec<String>,
    pub embargoed: bool,
}

impl RedFlag {
    pub fn holds_on(&self, date: Date) -> bool {
        self.from.is_none_or(|f| f <= date) && self.until.is_none_or(|u| date < u)
    }
}

/// The red flags ace can see for itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DerivedFlag {
    /// A purchaser located in a country of concern, the goods delivered elsewhere.
    PurchaserLocation,
    /// A route through a transshipment country toward a party in a restricted location.
    Transshipment,
}

/// The less certain of two provenances (its source names both when they differ).
fn weakest<'a>(a: &'a Provenance, b: &'a Provenance) -> &'a Provenance {
    if b.confidence > a.confidence {
        b
    } else {
        a
    }
}

fn build<'a>(text: &dyn Fn(RuleFile) -> &'a str, hash: String) -> Result<Law, EarError> {
    let dest_ctx = Ctx {
        file: "destinations.toml",
    };
    let dests: DestinationsFile = dest_ctx.parse(text(RuleFile::Destinations))?;
    let region_ids: Vec<String> = dests.region.iter().map(|r| r.id.clone()).collect();
    let (treated_as, regions) = build_destinations(&dest_ctx, dests)?;

    let periods_ctx = Ctx {
        file: "periods.toml",
    };
    let periods: PeriodsFile = periods_ctx.parse(text(RuleFile::Periods))?;
    let controls_from = periods_ctx.date("controls.from", &periods.controls.from)?;
    let ace_versions = build_ace_versions(&periods_ctx, periods.ace_version)?;

    let groups_ctx = Ctx {
        file: "country_groups.toml",
    };
    let groups_file: CountryGroupsFile = groups_ctx.parse(text(RuleFile::CountryGroups))?;
    let groups = build_groups(&groups_ctx, groups_file, &region_ids)?;

    let chart_ctx = Ctx {
        file: "country_chart.toml",
    };
    let chart: ChartFile = chart_ctx.parse(text(RuleFile::CountryChart))?;
    let columns = build_columns(&chart_ctx, chart, &groups, &region_ids)?;

    let eccn_ctx = Ctx { file: "eccn.toml" };
    let eccn_file: EccnFile = eccn_ctx.parse(text(RuleFile::Eccn))?;
    let (entries, cyber_items, cyber_items_provenance, discrepancies) =
        build_eccns(&eccn_ctx, eccn_file, &columns)?;

    let emb_ctx = Ctx {
        file: "embargoes.toml",
    };
    let emb: EmbargoFile = emb_ctx.parse(text(RuleFile::Embargoes))?;
    let embargoes = build_embargoes(&emb_ctx, emb.embargo, &region_ids)?;
    let mil = emb.military_intelligence;
    let mil_intel_provenance = Provenance::new(mil.source, mil.confidence);
    let mil_intel = build_mil_intel(
        &emb_ctx,
        mil.destinations,
        &groups,
        &mil_intel_provenance,
        &region_ids,
    )?;

    let own_ctx = Ctx {
        file: "ownership.toml",
    };
    let ownership = build_ownership(&own_ctx, own_ctx.parse(text(RuleFile::Ownership))?)?;

    let flags_ctx = Ctx {
        file: "red_flags.toml",
    };
    let red_flags = build_red_flags(&flags_ctx, flags_ctx.parse(text(RuleFile::RedFlags))?)?;

    let mut groups_by_country: HashMap<String, Vec<(GroupId, Membership)>> = HashMap::default();
    for g in groups.values() {
        for m in &g.members {
            groups_by_country
                .entry(m.country.clone())
                .or_default()
                .push((g.id.clone(), m.clone()));
        }
    }
    Ok(Law {
        hash,
        controls_from,
        groups_by_country,
        controls_provenance: Provenance::new(periods.controls.source, periods.controls.confidence),
        ace_versions,
        groups,
        columns,
        entries,
        cyber_items,
        cyber_items_provenance,
        discrepancies,
        embargoes,
        mil_intel,
        mil_intel_provenance,
        mil_intel_section: mil.section,
        sdn_programs: emb
            .sdn_program
            .into_iter()
            .map(|p| SdnProgramRule {
                program: p.program,
                section: p.section,
                scope: p.scope,
                provenance: Provenance::new(p.source, p.confidence),
            })
            .collect(),
        treated_as,
        regions,
        red_flags,
        ownership,
        overridden: Vec::new(),
        calendar: std::sync::OnceLock::new(),
    })
}

fn build_ownership(ctx: &Ctx, file: OwnershipFile) -> Result<Ownership, EarError> {
    let mut periods = Vec::with_capacity(file.affiliates_rule.len());
    for (i, p) in file.affiliates_rule.into_iter().enumerate() {
        let field = format!("affiliates_rule[{i}]");
        periods.push(AffiliatesPeriod {
            in_force: p.in_force,
            threshold_percent: p.threshold_percent,
            from: ctx.date(&format!("{field}.from"), &p.from)?,
            until: ctx.opt_date(&format!("{field}.until"), &p.until)?,
            provenance: Provenance::new(p.source, p.confidence),
        });
    }
    Ok(Ownership {
        affiliates: periods,
        unknown_share: (
            file.unknown_share.citation,
            Provenance::new(file.unknown_share.source, file.unknown_share.confidence),
        ),
        ofac_threshold_percent: file.ofac_50_percent.threshold_percent,
        ofac: (
            file.ofac_50_percent.citation,
            Provenance::new(file.ofac_50_percent.source, file.ofac_50_percent.confidence),
        ),
    })
}

fn build_red_flags(ctx: &Ctx, file: RedFlagFile) -> Result<Vec<RedFlag>, EarError> {
    let mut out: Vec<RedFlag> = Vec::with_capacity(file.flag.len());
    for (i, f) in file.flag.into_iter().enumerate() {
        let field = format!("flag[{i}]");
        if out.iter().any(|o| o.id == f.id) {
            return Err(ctx.invalid(format!("{field}.id"), format!("'{}' is given twice", f.id)));
        }
        let derive = match f.derive.as_deref() {
            None => None,
            Some("purchaser_location") => Some(DerivedFlag::PurchaserLocation),
            Some("transshipment") => Some(DerivedFlag::Transshipment),
            Some(other) => {
                return Err(ctx.invalid(
                    format!("{field}.derive"),
                    format!(
                    "'{other}' is not a derivation ace knows: purchaser_location or transshipment"
                ),
                ))
            }
        };
        out.push(RedFlag {
            from: ctx.opt_date(&format!("{field}.from"), &f.from)?,
            until: ctx.opt_date(&format!("{field}.until"), &f.until)?,
            id: f.id,
            text: f.text,
            provenance: Provenance::new(f.citation, f.confidence),
            derive,
            groups: f.groups,
            countries: f.countries,
            embargoed: f.embargoed,
        });
    }
    Ok(out)
}

fn build_destinations(
    ctx: &Ctx,
    file: DestinationsFile,
) -> Result<(Vec<TreatedAs>, Vec<Region>), EarError> {
    let mut treated = Vec::new();
    for (i, t) in file.treated_as.into_iter().enumerate() {
        let field = format!("treated_as[{i}]");
        ctx.country(&format!("{field}.input"), &t.input, &[])?;
        ctx.country(&format!("{field}.as"), &t.as_country, &[])?;
        treated.push(TreatedAs {
            from: ctx.date(&format!("{field}.from"), &t.from)?,
            input: t.input,
            as_country: t.as_country,
            provenance: Provenance::new(t.source, t.confidence),
        });
    }
    let mut regions = Vec::new();
    for (i, r) in file.region.into_iter().enumerate() {
        ctx.country(&format!("region[{i}].country"), &r.country, &[])?;
        regions.push(Region {
            id: r.id,
            name: r.name,
            aliases: r.aliases,
            country: r.country,
            provenance: Provenance::new(r.source, r.confidence),
        });
    }
    Ok((treated, regions))
}

fn build_ace_versions(ctx: &Ctx, defs: Vec<AceVersionDef>) -> Result<Vec<AceVersion>, EarError> {
    let mut out: Vec<AceVersion> = Vec::new();
    for (i, v) in defs.into_iter().enumerate() {
        let field = format!("ace_version[{i}]");
        if !matches!(v.id.as_str(), "interim" | "final") {
            return Err(ctx.invalid(
                format!("{field}.id"),
                format!("'{}' is not one of: interim, final", v.id),
            ));
        }
        let from = ctx.date(&format!("{field}.from"), &v.from)?;
        let until = ctx.opt_date(&format!("{field}.until"), &v.until)?;
        if until.is_some_and(|u| u <= from) {
            return Err(ctx.invalid(format!("{field}.until"), "must be after `from`"));
        }
        out.push(AceVersion {
            id: v.id,
            name: v.name,
            from,
            until,
            provenance: Provenance::new(v.source, v.confidence),
        });
    }
    Ok(out)
}

fn build_member(
    ctx: &Ctx,
    field: &str,
    m: MemberDef,
    parent: &Provenance,
    regions: &[String],
) -> Result<Membership, EarError> {
    let country = ctx.country(&format!("{field}.country"), &m.country, regions)?;
    let from = ctx.opt_date(&format!("{field}.from"), &m.from)?;
    let until = ctx.opt_date(&format!("{field}.until"), &m.until)?;
    if let (Some(f), Some(u)) = (from, until) {
        if u <= f {
            return Err(ctx.invalid(format!("{field}.until"), "must be after `from`"));
        }
    }
    let mut sources: Vec<String> = [
        m.source,
        m.added_by.map(|a| format!("added by {a}")),
        m.removed_by.map(|r| format!("removed by {r}")),
    ]
    .into_iter()
    .flatten()
    .collect();
    if sources.is_empty() {
        sources.push(parent.source.clone());
    }
    Ok(Membership {
        country,
        from,
        until,
        provenance: Provenance::new(
            sources.join("; "),
            m.confidence.unwrap_or(parent.confidence),
        ),
        note: m.note,
    })
}

fn build_groups(
    ctx: &Ctx,
    file: CountryGroupsFile,
    regions: &[String],
) -> Result<BTreeMap<GroupId, CountryGroup>, EarError> {
    let mut out = BTreeMap::new();
    for (id, g) in file.group {
        if !is_group_id(&id) {
            return Err(ctx.invalid(format!("group.\"{id}\""), "a Country Group id is a letter A-E, optionally followed by ':' and a number, e.g. B or D:1"));
        }
        let provenance = Provenance::new(g.source, g.confidence);
        let mut members = Vec::new();
        for (i, m) in g.members.into_iter().enumerate() {
            members.push(build_member(
                ctx,
                &format!("group.\"{id}\".members[{i}]"),
                m,
                &provenance,
                regions,
            )?);
        }
        out.insert(
            id.clone(),
            CountryGroup::new(id, g.description, provenance, g.note, members),
        );
    }
    Ok(out)
}

fn is_group_id(id: &str) -> bool {
    let b = id.as_bytes();
    let plain_letter = b.len() == 1 && matches!(b[0], b'A'..=b'E');
    plain_letter
        || (b.len() >= 3
            && matches!(b[0], b'A'..=b'E')
            && b[1] == b':'
            && b[2..].iter().all(u8::is_ascii_digit))
}

fn build_columns(
    ctx: &Ctx,
    file: ChartFile,
    groups: &BTreeMap<GroupId, CountryGroup>,
    regions: &[String],
) -> Result<BTreeMap<String, ChartColumn>, EarError> {
    let mut out = BTreeMap::new();
    for (id, c) in file.column {
        let provenance = Provenance::new(c.source, c.confidence);
        let field = format!("column.{id}");
        let rule = match c.rule.as_str() {
            "no_x" => ColumnRule::NoX,
            "x_except" => {
                let mut ex = Vec::new();
                for (i, m) in c.no_x.into_iter().enumerate() {
                    ex.push(build_member(
                        ctx,
                        &format!("{field}.no_x[{i}]"),
                        m,
                        &provenance,
                        regions,
                    )?);
                }
                ColumnRule::XExcept(ex)
            }
            "x_except_group" => {
                let g = c.group.ok_or_else(|| {
                    ctx.invalid(
                        format!("{field}.group"),
                        "required when rule = \"x_except_group\"",
                    )
                })?;
                if !groups.contains_key(&g) {
                    return Err(ctx.invalid(
                        format!("{field}.group"),
                        format!("unknown Country Group '{g}'"),
                    ));
                }
                ColumnRule::XExceptGroup(g)
            }
            other => {
                return Err(ctx.invalid(
                    format!("{field}.rule"),
                    format!("'{other}' is not one of: x_except, x_except_group, no_x"),
                ))
            }
        };
        out.insert(
            id.clone(),
            ChartColumn {
                id,
                description: c.description,
                rule,
                provenance,
            },
        );
    }
    Ok(out)
}

type EccnParts = (
    Vec<EccnEntry>,
    HashSet<Eccn>,
    Provenance,
    Vec<(Eccn, Provenance)>,
);

fn build_eccns(
    ctx: &Ctx,
    file: EccnFile,
    columns: &BTreeMap<String, ChartColumn>,
) -> Result<EccnParts, EarError> {
    let mut items = HashSet::default();
    for (i, s) in file.cybersecurity_items.items.iter().enumerate() {
        let e: Eccn = s.parse().map_err(|e: crate::eccn::EccnParseError| {
            ctx.invalid(format!("cybersecurity_items.items[{i}]"), e.to_string())
        })?;
        items.extend(e.expand());
    }
    let mut entries = Vec::new();
    for (i, e) in file.entry.into_iter().enumerate() {
        let field = format!("entry[{i}]");
        let parsed: Eccn = e.eccn.parse().map_err(|err: crate::eccn::EccnParseError| {
            ctx.invalid(format!("{field}.eccn"), err.to_string())
        })?;
        if !parsed.for_items.is_empty() || parsed.entry_key() != parsed.unqualified() {
            return Err(ctx.invalid(
                format!("{field}.eccn"),
                "an entry is a base ECCN with at most one paragraph, e.g. 4D001.a",
            ));
        }
        for r in &e.reasons {
            if !columns.contains_key(r) {
                return Err(ctx.invalid(
                    format!("{field}.reasons"),
                    format!("'{r}' is not a Country Chart column of country_chart.toml"),
                ));
            }
        }
        entries.push(EccnEntry {
            eccn: parsed.entry_key(),
            heading: e.heading,
            reasons: e.reasons,
            ace: e.ace,
            ace_line: e.ace_line,
            notes: e.notes,
            from: ctx.opt_date(&format!("{field}.from"), &e.from)?,
            until: ctx.opt_date(&format!("{field}.until"), &e.until)?,
            provenance: Provenance::new(e.source, e.confidence),
        });
    }
    let mut discrepancies = Vec::new();
    for (i, d) in file.ace_line_discrepancy.into_iter().enumerate() {
        let e: Eccn = d.eccn.parse().map_err(|err: crate::eccn::EccnParseError| {
            ctx.invalid(format!("ace_line_discrepancy[{i}].eccn"), err.to_string())
        })?;
        discrepancies.push((e, Provenance::new(d.source, d.confidence)));
    }
    let prov = Provenance::new(
        file.cybersecurity_items.source,
        file.cybersecurity_items.confidence,
    );
    Ok((entries, items, prov, discrepancies))
}

fn build_embargoes(
    ctx: &Ctx,
    defs: Vec<EmbargoDef>,
    regions: &[String],
) -> Result<Vec<Embargo>, EarError> {
    let mut out = Vec::new();
    for (i, e) in defs.into_iter().enumerate() {
        let field = format!("embargo[{i}]");
        for d in &e.destinations {
            ctx.country(&format!("{field}.destinations"), d, regions)?;
        }
        out.push(Embargo {
            from: ctx.opt_date(&format!("{field}.from"), &e.from)?,
            until: ctx.opt_date(&format!("{field}.until"), &e.until)?,
            id: e.id,
            section: e.section,
            destinations: e.destinations,
            scope: e.scope,
            ace_available: e.ace_available,
            provenance: Provenance::new(e.source, e.confidence),
            note: e.note,
            deemed_exports_excluded: e
                .deemed_exports_excluded
                .map(|x| (x.citation, Provenance::new(x.source, x.confidence))),
        });
    }
    Ok(out)
}

fn build_mil_intel(
    ctx: &Ctx,
    defs: Vec<MilIntelDestDef>,
    groups: &BTreeMap<GroupId, CountryGroup>,
    parent: &Provenance,
    regions: &[String],
) -> Result<Vec<MilIntelDest>, EarError> {
    let mut out = Vec::new();
    for (i, d) in defs.into_iter().enumerate() {
        let field = format!("military_intelligence.destinations[{i}]");
        if let Some(g) = &d.group {
            if !groups.contains_key(g) {
                return Err(ctx.invalid(
                    format!("{field}.group"),
                    format!("unknown Country Group '{g}'"),
                ));
            }
        }
        let member = MemberDef {
            country: d.country.clone().unwrap_or_else(|| "US".into()),
            from: d.from,
            until: d.until,
            added_by: d.added_by,
            removed_by: None,
            source: None,
            confidence: d.confidence,
            note: None,
        };
        if d.country.is_none() && d.group.is_none() {
            return Err(ctx.invalid(field, "needs `country` or `group`"));
        }
        out.push(MilIntelDest {
            membership: build_member(ctx, &field, member, parent, regions)?,
            country: d.country,
            group: d.group,
        });
    }
    Ok(out)
}

impl Confidence {
    /// Confidence values as written in the data files.
    pub const NAMES: &'static str = "text, ecfr-data, summary, unverified";
}

//! What the engine answers: an outcome and the trace of every rule checked, in order.

use ear::{Confidence, Date};
use serde::Serialize;
use std::borrow::Cow;
use std::fmt;

/// The answer. Serialized names are part of the JSON contract.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Outcome {
    /// Not subject to the EAR (published software or technology).
    #[serde(rename = "NOT_SUBJECT")]
    NotSubject,
    /// No license required: no Country Chart X for any reason for control.
    #[serde(rename = "NLR")]
    NoLicenseRequired,
    /// Authorized under License Exception ACE, 15 CFR 740.22.
    #[serde(rename = "ACE")]
    Ace,
    /// Not an authorization: something a person must resolve is open (a screening match
    /// in the review band, a match on generic words alone). The determination lists each
    /// open item in `holds` with the outcome it would give if confirmed, and the outcome
    /// if every one is cleared in `if_all_clear`.
    #[serde(rename = "HOLD")]
    Hold,
    #[serde(rename = "LICENSE_REQUIRED")]
    LicenseRequired,
    #[serde(rename = "PROHIBITED")]
    Prohibited,
}

impl Outcome {
    pub const ALL: [Outcome; 6] = [
        Outcome::NotSubject,
        Outcome::NoLicenseRequired,
        Outcome::Ace,
        Outcome::Hold,
        Outcome::LicenseRequired,
        Outcome::Prohibited,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Outcome::NotSubject => "NOT_SUBJECT",
            Outcome::NoLicenseRequired => "NLR",
            Outcome::Ace => "ACE",
            Outcome::Hold => "HOLD",
            Outcome::LicenseRequired => "LICENSE_REQUIRED",
            Outcome::Prohibited => "PROHIBITED",
        }
    }

    /// One line for a person.
    pub fn headline(self) -> &'static str {
        match self {
            Outcome::NotSubject => "Not subject to the EAR",
            Outcome::NoLicenseRequired => "No license required (NLR)",
            Outcome::Ace => "License Exception ACE (15 CFR 740.22) authorizes this export",
            Outcome::Hold => {
                "On hold — not an authorization: a person must resolve what is open first"
            }
            Outcome::LicenseRequired => "License required",
            Outcome::Prohibited => "Prohibited",
        }
    }

    /// The process exit code documented in `ace check --help`.
    pub fn exit_code(self) -> i32 {
        match self {
            Outcome::NotSubject | Outcome::NoLicenseRequired | Outcome::Ace => 0,
            Outcome::LicenseRequired => 3,
            Outcome::Prohibited => 4,
            Outcome::Hold => 5,
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// The step of the order of review (REGULATION.md §5) a finding belongs to.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    Period,
    SubjectToEar,
    Classification,
    Parties,
    EndUse,
    Embargo,
    CountryChart,
    LicenseException,
    /// A leg of the route other than the one the review above decided.
    Route,
    Note,
}

/// One rule checked: what was asked, whether it applied, and the fact that decided it.
///
/// Fields in key order, as records and answers write them (canonical JSON sorts keys): a
/// determination holds a dozen findings or more, and the canonical writer puts an object
/// written out of order back in order from a copy.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// The fact that decided it.
    pub because: Cow<'static, str>,
    /// What was asked.
    pub check: &'static str,
    /// e.g. `15 CFR 740.22(c)(1)(ii)`.
    pub citation: Cow<'static, str>,
    /// The weakest confidence of the data this finding rests on.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub confidence: Confidence,
    /// Whether the condition checked holds.
    pub held: bool,
    pub step: Step,
}

impl Finding {
    pub fn rests_on_unverified(&self) -> bool {
        self.confidence.is_unverified()
    }
}

/// The engine's answer for one transaction.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Determination {
    pub outcome: Outcome,
    /// The date the regulation was applied as of.
    pub as_of: Date,
    /// Content hash of the regulatory data used.
    pub ruleset: String,
    /// `interim` or `final`: the text of 740.22 in force on `as_of`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ace_version: Option<String>,
    /// The ECCN decided, canonical form.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eccn: Option<String>,
    /// The destination as the EAR sees it (`CN` for Hong Kong).
    pub destination: String,
    /// For LICENSE_REQUIRED: the review policy that applies, when one is known
    /// (an Entity List entry's policy).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub review_policy: Option<String>,
    /// Whether any finding the outcome rests on is unverified data.
    pub unverified: bool,
    pub trace: Vec<Finding>,
    /// Every leg of the route when there is more than one (or the exporter is abroad):
    /// exporter → each intermediate consignee → consignee / end user, each decided.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub legs: Vec<LegReport>,
    /// The index in `legs` of the leg whose outcome is the transaction's (the strictest).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deciding_leg: Option<usize>,
    /// For an order of several lines (`items`): each line's outcome, or why ace does not
    /// decide it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<crate::order::LineReport>,
    /// The index in `items` of the line whose outcome is the order's (the strictest).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deciding_line: Option<usize>,
    /// For HOLD: each open item, with the outcome it gives if a person confirms it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub holds: Vec<Hold>,
    /// For HOLD: the outcome if every open item is resolved as a false positive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub if_all_clear: Option<Resolution>,
    /// Known changes of the rules within 30 days of the as-of date (either side) that
    /// concern this transaction: an answer close to one may differ a few days later or
    /// earlier (`ace rules calendar` lists them all).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub known_changes: Vec<std::sync::Arc<ear::calendar::KnownChange>>,
}

/// One leg of the route, decided.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LegReport {
    /// ISO code of the country the goods leave.
    pub from: String,
    /// The country (or part 746 region) the leg reaches.
    pub to: String,
    /// `export`, `reexport`, `in_country_transfer` or `transit` (a forwarder's leg).
    pub kind: LegKind,
    /// The party that receives the goods on this leg.
    pub role: crate::transaction::Role,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub party: Option<String>,
    pub outcome: Outcome,
    /// The citations that carried the leg's outcome.
    pub citations: Vec<Cow<'static, str>>,
    pub unverified: bool,
    /// Where the regulation leaves the leg open: the reading ace applied, and why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reading: Option<Cow<'static, str>>,
    /// The leg's own trace (empty for the leg whose trace is the determination's).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub trace: Vec<Finding>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LegKind {
    Export,
    Reexport,
    InCountryTransfer,
    Transit,
}

impl LegKind {
    pub fn label(self) -> &'static str {
        match self {
            LegKind::Export => "export",
            LegKind::Reexport => "reexport",
            LegKind::InCountryTransfer => "in-country transfer",
            LegKind::Transit => "transit",
        }
    }
}

impl Outcome {
    /// How strict an outcome is: the transaction's outcome is its strictest leg's.
    pub fn strictness(self) -> u8 {
        match self {
            Outcome::NotSubject => 0,
            Outcome::NoLicenseRequired => 1,
            Outcome::Ace => 2,
            Outcome::Hold => 3,
            Outcome::LicenseRequired => 4,
            Outcome::Prohibited => 5,
        }
    }
}

/// One thing a person must resolve before ace answers.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hold {
    /// `screening_match` (a possible list match of a party) or `red_flag`.
    pub kind: HoldKind,
    /// The party concerned (`end_user`, `consignee`, ...), when one is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<crate::transaction::Role>,
    /// For a red flag: its id in the rules data (`buyer-location`, `kyc-2`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flag: Option<String>,
    /// For a red flag: the citation it rests on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub citation: Option<String>,
    /// The party's name as given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub party: Option<String>,
    /// The list of the possible match (`EL`, `DPL`, `UVL`, `MEU`, `SDN`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub list: Option<crate::transaction::ListCode>,
    /// The listed entry's id and name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry_name: Option<String>,
    /// The screening score, when the match came from screening.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    /// Why it is open (review band, generic words alone, ...).
    pub reason: String,
    /// What a person must decide, as a question.
    pub question: String,
    /// The outcome if the match is confirmed true.
    pub if_true: Resolution,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HoldKind {
    ScreeningMatch,
    RedFlag,
}

/// What the answer would be under one resolution of what is open.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Resolution {
    pub outcome: Outcome,
    /// The citations that would carry that outcome.
    pub citations: Vec<String>,
}

impl Resolution {
    /// `PROHIBITED (15 CFR 736.2(b)(4))`.
    pub fn summary(&self) -> String {
        if self.citations.is_empty() {
            self.outcome.code().to_string()
        } else {
            format!("{} ({})", self.outcome.code(), self.citations.join("; "))
        }
    }
}

impl Hold {
    /// `if the match to IRAN AIR (DPL) is true: PROHIBITED (15 CFR 736.2(b)(4))`, or for a
    /// red flag `if red flag buyer-location stands: ...`.
    pub fn if_true_line(&self) -> String {
        if let Some(flag) = &self.flag {
            return format!(
                "if red flag {flag} is not resolved: {}",
                self.if_true.summary()
            );
        }
        let entry = self.entry_name.as_deref().unwrap_or("the listed entry");
        let list = self
            .list
            .map(|l| format!(" ({})", l.code()))
            .unwrap_or_default();
        format!(
            "if the match to {entry}{list} is true: {}",
            self.if_true.summary()
        )
    }
}

impl Determination {
    /// The citations that carried the outcome, for one-line summaries: for NLR the
    /// Country Chart findings (no X is what decides it); otherwise the findings that held,
    /// leaving out the bookkeeping ones (period, notes, "is a cybersecurity item").
    pub fn deciding_citations(&self) -> Vec<&str> {
        let mut out: Vec<&str> = deciding_findings(self.outcome, &self.trace)
            .map(|f| f.citation.as_ref())
            .collect();
        out.dedup();
        out
    }
}

/// The findings of `trace` that carried `outcome` (see
/// [`Determination::deciding_citations`]).
pub(crate) fn deciding_findings(
    outcome: Outcome,
    trace: &[Finding],
) -> impl Iterator<Item = &Finding> {
    trace.iter().filter(move |f| match outcome {
        Outcome::NoLicenseRequired => {
            f.step == Step::CountryChart
                || (f.held
                    && f.step == Step::Classification
                    && !f.citation.contains("740.22(b)(1)"))
        }
        _ => {
            f.held
                && !matches!(f.step, Step::Period | Step::Note)
                && !(f.step == Step::Classification && f.citation.contains("740.22(b)(1)"))
        }
    })
}

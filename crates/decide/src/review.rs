//! The order of review (REGULATION.md §5): subject to the EAR, classification, parties,
//! part 744 end uses, part 746 embargoes, the Country Chart, then License Exception ACE.
//! Each step adds findings; the first step that settles the outcome ends the review.

use crate::ace;
use crate::determination::{Determination, Finding, Outcome, Step};
use crate::error::InputError;
use crate::transaction::{EndUserKind, Item, ListCode, PartyInput, Purpose, Transaction};
use ear::{AceVersion, Confidence, Destination, Eccn, EccnEntry, Law};
use std::borrow::Cow;

/// Who receives the goods on a leg, and where: the transaction's end user at its
/// destination, or a party located elsewhere on the route ([`crate::route`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Receiver<'a> {
    pub destination: &'a Destination,
    pub party: &'a PartyInput,
    /// The party's kind as the leg reads it (a forwarder not stated to be anything else is
    /// a non-government party: [`crate::route`]).
    pub kind: Option<EndUserKind>,
}

impl<'a> Receiver<'a> {
    /// The transaction's end user at its destination.
    pub(crate) fn end_user_of(tx: &'a Transaction) -> Receiver<'a> {
        Receiver {
            destination: &tx.destination,
            party: &tx.end_user,
            kind: tx.end_user.kind,
        }
    }
}

/// What the review of the leg to the destination settled that does not depend on where a
/// leg goes — the text of 740.22 in force and what the item is — for the route's other
/// legs to start from.
#[derive(Clone, Copy)]
pub(crate) struct Settled<'a> {
    version: &'a AceVersion,
    classified: Classified<'a>,
}

/// Decides one leg — the transaction's destination and end user — on its confirmed list
/// memberships alone (possible ones are [`crate::hold`]'s business, other legs
/// [`crate::route`]'s); with what it settled for the other legs (nothing when the item
/// is not subject to the EAR: there is then no leg to decide). The trace has room for
/// `route_findings` more, which the route adds (one per leg).
pub(crate) fn decide_leg<'a>(
    tx: &'a Transaction,
    law: &'a Law,
    route_findings: usize,
) -> Result<(Determination, Option<Settled<'a>>), InputError> {
    let room = DESTINATION_LEG_FINDINGS + route_findings;
    let mut review = Review::new(tx, law, Receiver::end_user_of(tx), false, room);
    let version = review.period()?;
    let (outcome, classified) = review.run(version)?;
    let settled = classified.map(|classified| Settled {
        version,
        classified,
    });
    let unverified = review.trace.iter().any(Finding::rests_on_unverified);
    let determination = Determination {
        outcome,
        as_of: tx.date,
        ruleset: law.hash().to_string(),
        ace_version: Some(version.id.clone()),
        eccn: match &tx.item {
            Item::Classified { facts, .. } => Some(facts.text.clone()),
            Item::Published => None,
        },
        destination: tx.destination.embargo_key().to_string(),
        review_policy: review.review_policy,
        unverified,
        trace: review.trace,
        legs: Vec::new(),
        deciding_leg: None,
        lines: Vec::new(),
        deciding_line: None,
        holds: Vec::new(),
        if_all_clear: None,
        known_changes: law.changes_near(tx.date, &[tx.destination.code.as_str()]),
    };
    Ok((determination, settled))
}

/// What the route needs of a leg other than the one to the destination: its outcome and
/// its own trace (the ruleset, the ECCN and the known changes are the transaction's).
pub(crate) struct LegDecision {
    pub outcome: Outcome,
    pub review_policy: Option<String>,
    pub unverified: bool,
    pub trace: Vec<Finding>,
}

/// [`decide_leg`] for a leg other than the one to the destination, the transaction seen
/// from `receiver`: the steps that do not depend on where the leg goes (period, subject
/// to the EAR, classification, the parties' lists) are the transaction's, settled on the
/// leg to the destination and in its trace already; the leg's review starts at part 744.
pub(crate) fn decide_other_leg<'a>(
    tx: &'a Transaction,
    law: &'a Law,
    settled: Settled<'a>,
    receiver: Receiver<'a>,
) -> Result<LegDecision, InputError> {
    let mut review = Review::new(tx, law, receiver, true, OTHER_LEG_FINDINGS);
    let outcome = review.location_steps(settled.version, settled.classified)?;
    Ok(LegDecision {
        outcome,
        review_policy: review.review_policy,
        unverified: review.trace.iter().any(Finding::rests_on_unverified),
        trace: review.trace,
    })
}

/// Room for the findings of the leg to the destination, allocated once (15 or so when
/// ACE is evaluated).
const DESTINATION_LEG_FINDINGS: usize = 16;
/// Room for the findings of another leg, which has no transaction-wide steps (11 when ACE
/// is evaluated for a destination outside Country Groups D and E, up to 17 inside them):
/// 14 findings of 72 bytes stay within the 1 KiB that the allocator (mimalloc, in the
/// `ace` binary) serves on its fast path; 16 would not.
const OTHER_LEG_FINDINGS: usize = 14;

/// The Country Groups 740.22(c) asks about (D:1–D:5, E:1, E:2): the only ones whose
/// confidence a finding carries ([`Review::groups_confidence`]).
fn is_restrictive_group(group: &str) -> bool {
    group.starts_with("D:") || group.starts_with("E:")
}

/// The Country Groups 740.22 asks about — E:1 and E:2 in (c)(1)(i), D:1–D:5 in (c)(1)(ii)
/// and (iii), A:6 in the (c)(1)(ii) exceptions — one bit each: the review asks about them
/// a dozen times, and a bit is cheaper to test than a list of names to search.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct AskedGroups(u8);

impl AskedGroups {
    /// The groups the destination whose membership rows are `rows` is in on `date`.
    fn on(rows: &[(ear::GroupId, ear::Membership)], date: ear::Date) -> AskedGroups {
        let bits = rows
            .iter()
            .filter(|(_, m)| m.holds_on(date))
            .filter_map(|(group, _)| AskedGroups::bit(group))
            .fold(0, |bits, bit| bits | bit);
        AskedGroups(bits)
    }

    /// The bit of `group`, when 740.22 asks about it.
    fn bit(group: &str) -> Option<u8> {
        match group.as_bytes() {
            [b'D', b':', n @ b'1'..=b'5'] => Some(1 << (n - b'1')),
            [b'E', b':', n @ b'1'..=b'2'] => Some(1 << (n - b'1' + 5)),
            [b'A', b':', b'6'] => Some(1 << 7),
            _ => None,
        }
    }
}

pub(crate) struct Review<'a> {
    pub tx: &'a Transaction,
    pub law: &'a Law,
    /// Where the leg goes: the transaction's destination, or where the party receiving on
    /// the leg is located.
    pub destination: &'a Destination,
    /// Who receives on the leg. Its kind as the leg reads it is `end_user_kind`; its list
    /// memberships are the transaction's, weighed on the leg to the destination.
    pub end_user: &'a PartyInput,
    pub end_user_kind: Option<EndUserKind>,
    /// The destination's Country Groups that 740.22 asks about, on the as-of date,
    /// looked up once.
    groups: AskedGroups,
    /// The weakest confidence of the destination's rows in the D and E groups (looked up once:
    /// [`Review::groups_confidence`] needs the rows only when one is weaker than the
    /// tables).
    weakest_row: Confidence,
    pub trace: Vec<Finding>,
    review_policy: Option<String>,
    /// A leg other than the one to the destination ([`decide_other_leg`]): the parties'
    /// lists are weighed on the leg to the destination, not again here.
    other_leg: bool,
}

/// What classification established about the item.
#[derive(Clone, Copy)]
enum Classified<'a> {
    /// A CCL entry ace decides.
    Entry(&'a Eccn, &'a EccnEntry),
    /// Released from 4E001.a/.c by its Note 1: treated as EAR99.
    Ear99,
}

impl<'a> Review<'a> {
    fn new(
        tx: &'a Transaction,
        law: &'a Law,
        receiver: Receiver<'a>,
        other_leg: bool,
        room: usize,
    ) -> Review<'a> {
        let rows = law.rows_of_country(&receiver.destination.code);
        Review {
            tx,
            law,
            destination: receiver.destination,
            end_user: receiver.party,
            end_user_kind: receiver.kind,
            groups: AskedGroups::on(rows, tx.date),
            weakest_row: rows
                .iter()
                .filter(|(group, _)| is_restrictive_group(group))
                .map(|(_, m)| m.provenance.confidence)
                .max()
                .unwrap_or(Confidence::EcfrData),
            trace: Vec::with_capacity(room),
            review_policy: None,
            other_leg,
        }
    }

    /// The canonical text of the ECCN decided.
    pub(crate) fn eccn_text(&self) -> &str {
        match &self.tx.item {
            Item::Classified { facts, .. } => &facts.text,
            Item::Published => "published item",
        }
    }

    /// Whether the destination is in Country Group `group` on the as-of date (a group
    /// 740.22 asks about is answered from the bits looked up once; another is looked up).
    pub(crate) fn in_group(&self, group: &str) -> bool {
        match AskedGroups::bit(group) {
            Some(bit) => self.groups.0 & bit != 0,
            None => self
                .law
                .in_group(group, &self.destination.code, self.tx.date),
        }
    }

    /// The confidence of the answers "is the destination in each of `groups` on the as-of
    /// date?" — the weakest, so that an unverified dated row reaches the finding: the row
    /// that holds, or when none holds the rows whose dates decided the "no" (as
    /// [`Law::group_confidence`], read from the destination's rows in one pass; the group
    /// tables themselves are eCFR data).
    pub(crate) fn groups_confidence(&self, groups: &[&str]) -> Confidence {
        debug_assert!(groups.iter().all(|g| is_restrictive_group(g)));
        // Most destinations have no row weaker than the tables: nothing to look up.
        if self.weakest_row <= Confidence::EcfrData {
            return Confidence::EcfrData;
        }
        let rows = self.law.rows_of_country(&self.destination.code);
        groups
            .iter()
            .map(|g| {
                let of_group = rows
                    .iter()
                    .filter(|(id, _)| id.as_str() == *g)
                    .map(|(_, m)| m);
                ear::rows_confidence(of_group, self.tx.date, Confidence::EcfrData)
            })
            .max()
            .unwrap_or(Confidence::EcfrData)
    }

    pub(crate) fn push(
        &mut self,
        step: Step,
        citation: impl Into<std::borrow::Cow<'static, str>>,
        check: &'static str,
        held: bool,
        because: impl Into<std::borrow::Cow<'static, str>>,
        confidence: Confidence,
    ) {
        self.trace.push(Finding {
            step,
            citation: citation.into(),
            check,
            held,
            because: because.into(),
            confidence,
        });
    }

    /// The order of review of the leg to the destination; what classification established
    /// comes back with the outcome, unless the item is not subject to the EAR.
    fn run(
        &mut self,
        version: &'a AceVersion,
    ) -> Result<(Outcome, Option<Classified<'a>>), InputError> {
        if self.subject_to_ear() {
            return Ok((Outcome::NotSubject, None));
        }
        let classified = self.classification()?;
        if let Some(outcome) = self.parties() {
            return Ok((outcome, Some(classified)));
        }
        Ok((self.location_steps(version, classified)?, Some(classified)))
    }

    /// The steps that depend on where the leg goes: part 744 end uses, part 746, the
    /// Country Chart, then License Exception ACE.
    fn location_steps(
        &mut self,
        version: &'a AceVersion,
        classified: Classified<'a>,
    ) -> Result<Outcome, InputError> {
        if self.military_intelligence_744_22() {
            return Ok(Outcome::LicenseRequired);
        }
        if self.embargo(&classified)? {
            ace::record_destination_restriction(self);
            return Ok(Outcome::LicenseRequired);
        }
        let (eccn, entry) = match classified {
            Classified::Ear99 => return Ok(self.ear99_no_chart()),
            Classified::Entry(eccn, entry) => (eccn, entry),
        };
        if !self.country_chart(entry) {
            return Ok(Outcome::NoLicenseRequired);
        }
        if self.exceptions_barred_by_unverified_list() {
            return Ok(Outcome::LicenseRequired);
        }
        let authorized = self.license_exception(eccn, entry, version)?;
        if authorized {
            Ok(Outcome::Ace)
        } else {
            self.other_exceptions_note();
            Ok(Outcome::LicenseRequired)
        }
    }

    /// The cybersecurity controls exist on the as-of date; which text of 740.22 applies.
    fn period(&mut self) -> Result<&'a AceVersion, InputError> {
        let date = self.tx.date;
        let version = self.law.ace_version(date).ok_or_else(|| {
            InputError::outside(
                "date",
                format!("no text of 15 CFR 740.22 is in force on {date} in the rules data"),
            )
        })?;
        self.push(
            Step::Period,
            "15 CFR 740.22; 86 FR 58205; 87 FR 31948",
            "the cybersecurity-item controls are in force on the as-of date",
            true,
            format!(
                "on {date} the {} text of 740.22 applies ({})",
                version.name, version.provenance.source
            ),
            version.provenance.confidence,
        );
        Ok(version)
    }

    /// 734.3(b)(3), 734.7 — published software and technology are not subject to the EAR.
    fn subject_to_ear(&mut self) -> bool {
        let published = matches!(self.tx.item, Item::Published);
        let because = if published {
            "the transaction states the item is published: available to the public without restriction on further dissemination"
        } else {
            "the transaction does not state that the item is published"
        };
        self.push(
            Step::SubjectToEar,
            "15 CFR 734.3(b)(3); 15 CFR 734.7",
            "the item is published software or technology (not subject to the EAR)",
            published,
            because,
            Confidence::Summary,
        );
        published
    }

    /// 740.22(b)(1) and the CCL entry: what the item is, and the 4E001 Note 1 release.
    fn classification(&mut self) -> Result<Classified<'a>, InputError> {
        let Item::Classified {
            eccn,
            facts,
            encryption_cat5_part2,
            ..
        } = &self.tx.item
        else {
            return Err(InputError::new(
                "item",
                "internal: a published item reached classification",
            ));
        };
        if *encryption_cat5_part2 {
            return Err(InputError::outside(
                "item.encryption_cat5_part2",
                format!("{eccn} is also controlled in Category 5, Part 2 (encryption): it stays there and License Exception ENC (15 CFR 740.17), not ACE, applies — evaluate under ENC; ace reports this rather than deciding it"),
            ));
        }
        let key = &facts.key;
        let entry = self.law.entry(key, self.tx.date).ok_or_else(|| {
            InputError::outside(
                "item.eccn",
                format!("{key} is not in the rules data on {}", self.tx.on),
            )
        })?;
        let cyber = facts.cybersecurity_item;
        let because = if cyber {
            format!(
                "{} is listed in 740.22(b)(1); reasons for control {}",
                facts.text,
                entry.reasons.join(", ")
            )
        } else {
            format!(
                "{} is not listed in 740.22(b)(1); reasons for control {}",
                facts.text,
                entry.reasons.join(", ")
            )
        };
        let prov = self.law.cybersecurity_items_provenance().clone();
        self.push(
            Step::Classification,
            prov.source.clone(),
            "the item is a \"cybersecurity item\"",
            cyber,
            because,
            prov.confidence,
        );
        if self.released_by_4e001_note_1(eccn, key) {
            return Ok(Classified::Ear99);
        }
        Ok(Classified::Entry(eccn, entry))
    }

    /// ECCN 4E001, Note 1 — 4E001.a and .c do not apply to vulnerability disclosure or
    /// cyber incident response.
    fn released_by_4e001_note_1(&mut self, eccn: &Eccn, key: &str) -> bool {
        if !matches!(key, "4E001.a" | "4E001.c") {
            return false;
        }
        let purpose = self.tx.purpose;
        let released = matches!(
            purpose,
            Some(Purpose::VulnerabilityDisclosure | Purpose::CyberIncidentResponse)
        );
        let because = match purpose {
            Some(p) if released => Cow::Owned(format!("the purpose is {}: {eccn} technology exchanged for it is outside 4E001.a/.c and treated as EAR99 unless classified elsewhere", purpose_label(p))),
            _ => Cow::Borrowed("the purpose is neither vulnerability disclosure nor cyber incident response"),
        };
        self.push(
            Step::Classification,
            "15 CFR part 774, supp. no. 1, ECCN 4E001, Note 1",
            "the technology is for \"vulnerability disclosure\" or \"cyber incident response\" (released from 4E001.a/.c)",
            released,
            because,
            Confidence::EcfrData,
        );
        released
    }

    /// Step 3: the parties' restricted-list memberships (stated or screened).
    fn parties(&mut self) -> Option<Outcome> {
        let tx = self.tx;
        let mut any = false;
        let mut outcome = None;
        for (role, party) in tx.all_parties() {
            for hit in &party.lists {
                any = true;
                let who = party
                    .name
                    .as_deref()
                    .or(hit.name.as_deref())
                    .unwrap_or(role.label());
                let found = self.list_effect(role.label(), who, hit);
                outcome = outcome.max(found);
            }
        }
        self.affiliates_rule_not_in_force();
        if !any {
            self.push(
                Step::Parties,
                "15 CFR 736.2(b)(4); 15 CFR 744.11; 15 CFR 744.15; 15 CFR 744.21",
                "a party is on the Denied Persons, Entity, Unverified, Military End User or SDN list",
                false,
                "no party of the transaction is on a restricted-party list (as stated or screened)",
                Confidence::Text,
            );
        }
        if outcome == Some(Outcome::LicenseRequired) {
            self.push(
                Step::LicenseException,
                "15 CFR 744.11(a)",
                "license exceptions (ACE included) may be used",
                false,
                "no license exception may be used for a party on the Entity List; ACE is not evaluated",
                Confidence::Text,
            );
        }
        outcome
    }

    /// The effect of one list membership; `Some(outcome)` when it settles the answer.
    fn list_effect(
        &mut self,
        role: &str,
        who: &str,
        hit: &crate::transaction::ListHit,
    ) -> Option<Outcome> {
        match hit.list {
            ListCode::DeniedPersons => {
                self.push(Step::Parties, "15 CFR 736.2(b)(4) (General Prohibition Four)", "a party is on the Denied Persons List", true,
                    format!("the {role} {who} is a denied person: no export may be made to or with them"), Confidence::Text);
                Some(Outcome::Prohibited)
            }
            ListCode::Sdn => {
                let program = hit
                    .program
                    .as_deref()
                    .map(|p| format!(" under OFAC program(s) {p}"))
                    .unwrap_or_default();
                let mut because = match &hit.via_owners {
                    Some(how) => format!("the {role} {who} is blocked through its owners — {how}: stop and refer to OFAC; dealings are blocked"),
                    None => format!("the {role} {who} is a Specially Designated National{program}: stop and refer to OFAC; dealings are blocked"),
                };
                let mut citation = String::from("31 CFR chapter V (OFAC sanctions regulations)");
                let mut confidence = Confidence::Summary;
                if hit.via_owners.is_none() {
                    let law = self.law;
                    for rule in law.sdn_program_rules(hit.program.as_deref().unwrap_or("")) {
                        citation.push_str("; ");
                        citation.push_str(&rule.section);
                        because.push_str(&format!(
                            "; under the EAR too, as a designee of {}: {} ({})",
                            rule.program, rule.scope, rule.section
                        ));
                        confidence = confidence.max(rule.provenance.confidence);
                    }
                }
                self.push(
                    Step::Parties,
                    citation,
                    "a party is on OFAC's SDN list",
                    true,
                    because,
                    confidence,
                );
                Some(Outcome::Prohibited)
            }
            ListCode::EntityList => {
                let req = hit
                    .license_requirement
                    .as_deref()
                    .unwrap_or("as stated in the entry");
                let policy = hit
                    .license_policy
                    .as_deref()
                    .unwrap_or("as stated in the entry");
                let fr = hit
                    .federal_register
                    .as_deref()
                    .map(|f| format!(" ({f})"))
                    .unwrap_or_default();
                self.review_policy.get_or_insert_with(|| policy.to_string());
                let (because, confidence) = match &hit.via_owners {
                    Some(how) => (format!("the {role} {who} takes its owners' Entity List restriction — {how}: license requirement \"{req}\"; review policy \"{policy}\""), self.affiliates_confidence()),
                    None => (format!("the {role} {who} is on the Entity List{fr}: license requirement \"{req}\"; review policy \"{policy}\""), Confidence::Text),
                };
                self.push(
                    Step::Parties,
                    "15 CFR 744.11; 15 CFR part 744, supp. no. 4",
                    "a party is on the Entity List",
                    true,
                    because,
                    confidence,
                );
                Some(Outcome::LicenseRequired)
            }
            ListCode::Unverified => {
                self.push(Step::Parties, "15 CFR 744.15(b)", "a party is on the Unverified List", true,
                    format!("the {role} {who} is on the Unverified List: license exceptions are unavailable; an NLR export needs a UVL statement (744.15(c))"), Confidence::Unverified);
                None
            }
            ListCode::MilitaryEndUser => self.military_end_user(role, who),
        }
    }

    /// The confidence of the affiliates rule's period on the as-of date.
    fn affiliates_confidence(&self) -> Confidence {
        self.law
            .affiliates_rule(self.tx.date)
            .map(|r| r.provenance.confidence)
            .unwrap_or(Confidence::Unverified)
    }

    /// 90 FR 47201 — says so when an owner is on the Entity List but the affiliates rule
    /// is not in force on the as-of date (before 2025-09-29, or suspended).
    fn affiliates_rule_not_in_force(&mut self) {
        let tx = self.tx;
        let rule = self.law.affiliates_rule(tx.date);
        if rule.is_some_and(|r| r.in_force) {
            return;
        }
        for (role, party) in tx.all_parties() {
            let listed: Vec<&str> = party
                .owners
                .iter()
                .filter(|o| o.lists.iter().any(|h| h.list == ListCode::EntityList))
                .map(|o| o.name.as_deref().unwrap_or("an owner"))
                .collect();
            if listed.is_empty() {
                continue;
            }
            let who = party.name.as_deref().unwrap_or(role.label());
            let (state, citation, confidence) = match rule {
                Some(r) => (
                    format!("suspended on {} ({})", tx.on, r.provenance.source),
                    "90 FR 47201 (affiliates rule), suspended",
                    r.provenance.confidence,
                ),
                None => {
                    let from = self.law.affiliates_periods().iter().map(|p| p.from).min();
                    let since = from
                        .map(|f| format!(" (in force from {f})"))
                        .unwrap_or_default();
                    (
                        format!("not in force on {}{since}", tx.on),
                        "90 FR 47201 (affiliates rule)",
                        Confidence::Summary,
                    )
                }
            };
            self.push(Step::Parties, citation, "an owner's Entity List restriction extends to the party (affiliates rule)", false,
                format!("{} of the {} {who} {} on the Entity List, but the affiliates rule is {state}: the owner's listing does not extend to the {}", listed.join(", "), role.label(), if listed.len() == 1 { "is" } else { "are" }, role.label()), confidence);
        }
    }

    /// 744.21 — a Military End User in the destinations of the MEU rule.
    fn military_end_user(&mut self, role: &str, who: &str) -> Option<Outcome> {
        const MEU_DESTINATIONS: [&str; 7] = ["BY", "MM", "KH", "CN", "NI", "RU", "VE"];
        let dest = self.destination;
        let applies = MEU_DESTINATIONS.contains(&dest.code.as_str());
        self.push(Step::Parties, "15 CFR 744.21; 15 CFR part 744, supp. no. 7", "a party on the Military End User List in a 744.21 destination", applies,
            format!("the {role} {who} is on the Military End User List; {} {} a 744.21 destination (Belarus, Burma, Cambodia, China, Nicaragua, Russia, Venezuela); whether supp. no. 2 reaches this ECCN is not modelled", dest.label(), if applies { "is" } else { "is not" }),
            Confidence::Unverified);
        applies.then_some(Outcome::LicenseRequired)
    }

    /// 744.22 — military-intelligence end uses and end users.
    fn military_intelligence_744_22(&mut self) -> bool {
        let tx = self.tx;
        let dest = self.destination;
        let covered = if tx.military_intelligence_end_use {
            self.law.military_intelligence(&dest.code, tx.date)
        } else {
            None
        };
        let applies = tx.military_intelligence_end_use && covered.is_some();
        let because = match (&covered, tx.military_intelligence_end_use) {
            (_, false) => Cow::Borrowed("the transaction does not state a military-intelligence end use or end user"),
            (Some(_), true) => Cow::Owned(format!("a military-intelligence end use or end user in {}, a 744.22 destination on {}: a license is required for any item subject to the EAR; only GOV (740.11(b)(2)(ii)) overcomes it", dest.label(), tx.on)),
            (None, true) => Cow::Owned(format!("{} is not a 744.22 destination on {}", dest.label(), tx.on)),
        };
        let confidence = match (&covered, tx.military_intelligence_end_use) {
            (Some(p), true) => p.confidence,
            _ => Confidence::Text,
        };
        self.push(
            Step::EndUse,
            self.law.military_intelligence_section().to_string(),
            "a military-intelligence end use or end user in a 744.22 destination",
            applies,
            because,
            confidence,
        );
        applies
    }

    /// Part 746 — embargoes and special controls on the destination.
    fn embargo(&mut self, classified: &Classified<'_>) -> Result<bool, InputError> {
        let tx = self.tx;
        let dest = self.destination;
        let Some(embargo) = self.law.embargo(dest.embargo_key(), tx.date) else {
            self.push(
                Step::Embargo,
                "15 CFR part 746",
                "the destination is under an embargo or special control of part 746",
                false,
                [dest.label(), " is not under a part 746 embargo on ", &tx.on].concat(),
                Confidence::Text,
            );
            return Ok(false);
        };
        if let (true, Some((citation, prov))) =
            (tx.deemed_export, embargo.deemed_exports_excluded.as_ref())
        {
            self.push(
                Step::Embargo,
                citation.clone(),
                "the destination is under an embargo or special control of part 746",
                false,
                format!(
                    "{} is under {}, but deemed exports and deemed reexports are excluded from its license requirement ({}): the release is decided on the Country Chart and 740.22",
                    dest.label(),
                    embargo.section,
                    prov.source
                ),
                prov.confidence,
            );
            return Ok(false);
        }
        if matches!(classified, Classified::Ear99) && embargo.section == "15 CFR 746.8" {
            return Err(InputError::outside(
                "destination",
                format!("746.8 controls on {} reach EAR99 items only through its supplements, which ace does not model: outside what ace decides", dest.label()),
            ));
        }
        let since = embargo
            .from
            .map(|f| format!(" since {f}"))
            .unwrap_or_default();
        self.push(
            Step::Embargo,
            embargo.section.clone(),
            "the destination is under an embargo or special control of part 746",
            true,
            format!(
                "{}{since}: {}; License Exception ACE is not available ({})",
                dest.label(),
                embargo.scope,
                embargo.provenance.source
            ),
            embargo.provenance.confidence,
        );
        Ok(true)
    }

    /// EAR99 technology has no Country Chart reasons: no license is required.
    fn ear99_no_chart(&mut self) -> Outcome {
        self.push(Step::CountryChart, "15 CFR 738.3; 15 CFR 734.3(c)", "a Country Chart reason for control applies", false,
            "the item is treated as EAR99: no reason for control, so no license is required on the Country Chart", Confidence::Summary);
        Outcome::NoLicenseRequired
    }

    /// Part 738 — one finding per reason for control; true when any has an X.
    fn country_chart(&mut self, entry: &EccnEntry) -> bool {
        let tx = self.tx;
        let dest = self.destination;
        let mut any_x = false;
        for reason in &entry.reasons {
            let Some(cell) = self.law.chart_cell(reason, &dest.code, tx.date) else {
                continue;
            };
            any_x |= cell.x;
            let mut because = cell.describe(reason, &dest.code, &tx.on);
            if let Some(p) = &dest.treated_as {
                because.push_str(&format!(
                    " (destination {} treated as {}: {})",
                    dest.input_code, dest.code, p.source
                ));
            }
            self.push(
                Step::CountryChart,
                chart_citation(reason),
                "the Country Chart has an X for the destination",
                cell.x,
                because,
                cell.provenance.confidence,
            );
        }
        if !any_x {
            self.push(Step::CountryChart, "15 CFR 738.4", "a license is required on the Country Chart", false,
                format!("no reason for control of {} ({}) has an X for {}: no license required, ACE is not needed", entry.eccn, entry.reasons.join(", "), dest.label()), Confidence::Text);
        }
        any_x
    }

    /// 744.15(b) — a party on the Unverified List bars every license exception.
    fn exceptions_barred_by_unverified_list(&mut self) -> bool {
        // The parties' lists are the transaction's, weighed on the leg to the destination.
        if self.other_leg {
            return false;
        }
        let barred = self
            .tx
            .all_parties()
            .any(|(_, p)| p.lists.iter().any(|h| h.list == ListCode::Unverified));
        if barred {
            self.push(
                Step::LicenseException,
                "15 CFR 744.15(b)",
                "license exceptions (ACE included) may be used",
                false,
                "a party is on the Unverified List: no license exception may be used",
                Confidence::Unverified,
            );
        }
        barred
    }

    /// Step 7: License Exception ACE for the entry.
    fn license_exception(
        &mut self,
        eccn: &Eccn,
        entry: &EccnEntry,
        version: &AceVersion,
    ) -> Result<bool, InputError> {
        if let Some(p) = self.law.ace_line_discrepancy(eccn) {
            self.push(Step::LicenseException, "15 CFR 740.22(b)(1)", "the item is within License Exception ACE", false,
                format!("{eccn} is named in the ECCN's ACE line but not in 740.22(b)(1); ace treats 740.22(b)(1) as controlling ({})", p.source), p.confidence);
            return Ok(false);
        }
        if !entry.ace {
            self.push(
                Step::LicenseException,
                format!("{}; 15 CFR 740.22(b)(1)", entry.provenance.source),
                "the item is within License Exception ACE",
                false,
                format!("{}: {}", entry.eccn, entry.ace_line),
                entry.provenance.confidence,
            );
            return Ok(false);
        }
        ace::evaluate(self, eccn, version)
    }

    /// Where ACE is unavailable, GOV or TMP might still serve: said, not decided.
    fn other_exceptions_note(&mut self) {
        self.push(Step::Note, "15 CFR 740.11 (GOV); 15 CFR 740.9(a)(1) (TMP)", "other license exceptions might apply", false,
            "not decided by ace: License Exception GOV may authorize exports to U.S. government agencies and personnel, and TMP the temporary export of tools of the trade (740.22(a))", Confidence::Text);
    }
}

/// The citation of a Country Chart column (static for the columns ace knows).
fn chart_citation(column: &str) -> Cow<'static, str> {
    match column {
        "NS1" => Cow::Borrowed("15 CFR part 738, supp. no. 1 (NS1)"),
        "NS2" => Cow::Borrowed("15 CFR part 738, supp. no. 1 (NS2)"),
        "AT1" => Cow::Borrowed("15 CFR part 738, supp. no. 1 (AT1)"),
        other => Cow::Owned(format!("15 CFR part 738, supp. no. 1 ({other})")),
    }
}

pub(crate) fn purpose_label(p: Purpose) -> &'static str {
    match p {
        Purpose::VulnerabilityDisclosure => "vulnerability disclosure",
        Purpose::CyberIncidentResponse => "cyber incident response",
        Purpose::CriminalOrCivilInvestigation => "a criminal or civil investigation or prosecution",
    }
}

//! 15 CFR 740.22 — License Exception ACE (Authorized Cybersecurity Exports).
//!
//! One function per paragraph, in the order of the section; each adds a finding whether
//! or not it blocks ACE. Two texts apply by date: the interim final rule (86 FR 58205,
//! 2022-03-07 to 2022-05-25) and the final rule (87 FR 31948, from 2022-05-26). The
//! interim text below follows the section as published (docs/regulation/740.22-text.md);
//! where the final rule's words were not available, the final-rule branch follows
//! REGULATION.md §4 and its findings are marked unverified when they decide anything.
//!
//! Every leg of every determination writes the findings below, so the texts that most
//! transactions get are joined from their pieces (`[..].concat()`: one allocation, no
//! formatting machinery) rather than `format!`ted; the rarer ones are `format!`ted.

use crate::determination::Step;
use crate::error::InputError;
use crate::review::{purpose_label, Review};
use crate::transaction::{
    EndUserKind, FavorableTreatment, GovernmentRole, IncidentOwner, Item, Purpose, Sector,
};
use ear::{AceVersion, Confidence, Eccn};
use std::borrow::Cow;

/// Evaluates ACE; true when no restriction of (c) applies.
pub(crate) fn evaluate(
    r: &mut Review<'_>,
    eccn: &Eccn,
    version: &AceVersion,
) -> Result<bool, InputError> {
    let text = Text::of(version);
    a_scope(r);
    let government = b4_government_end_user(r, text)?;
    let blocked = [
        c1i_destination(r),
        c1ii_government_end_user(r, text, government),
        c1iii_non_government_end_user(r, text, eccn, government),
        c2_end_use(r),
    ];
    let authorized = !blocked.contains(&true);
    let applies = if authorized {
        "no restriction of 740.22(c) applies ("
    } else {
        "a restriction of 740.22(c) applies ("
    };
    let because = [applies, &version.name, " text)"].concat();
    r.push(
        Step::LicenseException,
        "15 CFR 740.22",
        "License Exception ACE authorizes the export",
        authorized,
        because,
        version.provenance.confidence,
    );
    Ok(authorized)
}

/// Which text of 740.22 is in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Text {
    Interim,
    Final,
}

impl Text {
    fn of(v: &AceVersion) -> Text {
        if v.id == "interim" {
            Text::Interim
        } else {
            Text::Final
        }
    }

    /// Confidence of a paragraph whose final-rule words ace could not read.
    fn unread_in_final(self) -> Confidence {
        match self {
            Text::Interim => Confidence::Text,
            Text::Final => Confidence::Unverified,
        }
    }
}

/// (a) — ACE authorizes exports, reexports, transfers and deemed exports of
/// cybersecurity items, subject to (c).
fn a_scope(r: &mut Review<'_>) {
    let kind = if r.tx.deemed_export {
        "a deemed export"
    } else {
        "an export, reexport or transfer (in-country)"
    };
    r.push(
        Step::LicenseException,
        "15 CFR 740.22(a)",
        "the transaction is within the scope of ACE",
        true,
        [
            kind,
            " of ",
            r.eccn_text(),
            ", a cybersecurity item of 740.22(b)(1)",
        ]
        .concat(),
        Confidence::Text,
    );
}

/// The end user's status under ACE's own definition of "government end user".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Government {
    Yes,
    No,
}

/// (b)(4) "government end user" — decides whether the end user is one, including the
/// interim rule's "acting on behalf of" and the final rule's partially government owned
/// or operated utilities, transportation and retail/wholesale firms.
fn b4_government_end_user(r: &mut Review<'_>, text: Text) -> Result<Government, InputError> {
    let tx = r.tx;
    let eu = r.end_user;
    let dest = r.destination;
    let in_d = in_any(r, &D_GROUPS);
    let (status, because, confidence): (_, Cow<'static, str>, _) = match (r.end_user_kind, text) {
        (Some(EndUserKind::Government), _) => (Government::Yes, format!("the end user is a government end user{}", role_suffix(eu.government_role)).into(), Confidence::Text),
        (Some(EndUserKind::NonGovernment), Text::Interim) if eu.acting_on_behalf_of_government => {
            (Government::Yes, "the end user acts on behalf of a government entity: a government end user under the interim rule's (b)(4)".into(), Confidence::Text)
        }
        // Whether the final rule kept "acting on behalf of" was not read (see
        // docs/regulation/740.22-final-text-open.md): the stricter reading applies, flagged.
        (Some(EndUserKind::NonGovernment), Text::Final) if eu.acting_on_behalf_of_government => (
            Government::Yes,
            "the end user acts on behalf of a government entity: ace treats it as a government end user, as the interim rule's (b)(4) did, because whether the final rule's definition (87 FR 31948) kept \"entities and individuals who are acting on behalf of such an entity\" was not read; this is the stricter reading".into(),
            Confidence::Unverified,
        ),
        (Some(EndUserKind::NonGovernment), Text::Final) if partially_government(eu) => (
            Government::Yes,
            format!("the end user is a {} firm {} by a government: \"partially operated or owned by a government\" (25% or more of the voting securities, or a board majority) makes it a government end user under the final rule", sector_label(eu.sector), ownership_label(eu)).into(),
            if eu.sector == Some(Sector::TelecomOrIsp) { Confidence::Unverified } else { Confidence::Summary },
        ),
        (Some(EndUserKind::NonGovernment), _) => (Government::No, "the end user is not a government end user".into(), Confidence::Text),
        (None, _) if tx.deemed_export => (Government::No, "a deemed export: the end user is the foreign person receiving the release, not stated to be a government end user".into(), Confidence::Summary),
        (None, _) if !in_d => (Government::No, format!("the end user's kind is not stated; it does not matter for {}, which is in no Country Group D:1-D:5", dest.label()).into(), Confidence::Text),
        (None, _) => {
            return Err(InputError::new(
                "end_user.kind",
                format!("required: {} is in {} on {}, where ACE depends on whether the end user is a government end user; give \"government\" or \"non_government\"", dest.label(), d_groups(r).join(", "), tx.on),
            ))
        }
    };
    let citation = match text {
        Text::Interim => "15 CFR 740.22(b)(4) (86 FR 58205)",
        Text::Final => "15 CFR 740.22(b) \"government end user\" (87 FR 31948)",
    };
    r.push(
        Step::LicenseException,
        citation,
        "the end user is a \"government end user\"",
        status == Government::Yes,
        because,
        confidence,
    );
    Ok(status)
}

fn partially_government(eu: &crate::transaction::PartyInput) -> bool {
    let sector = matches!(
        eu.sector,
        Some(
            Sector::Utility
                | Sector::TelecomOrIsp
                | Sector::Transportation
                | Sector::RetailWholesale
        )
    );
    let control = eu.government_ownership_percent.is_some_and(|p| p >= 25.0)
        || eu.government_appoints_board_majority;
    sector && control
}

/// Records (c)(1)(i) for an embargoed destination, where ACE is already unavailable under
/// part 746, so the trace also shows the E:1/E:2 bar when it applies.
pub(crate) fn record_destination_restriction(r: &mut Review<'_>) {
    if in_any(r, &E_GROUPS) {
        c1i_destination(r);
    }
}

/// (c)(1)(i) — not to a destination in Country Group E:1 or E:2 (nor a deemed export to
/// their nationals).
fn c1i_destination(r: &mut Review<'_>) -> bool {
    let tx = r.tx;
    let dest = r.destination;
    let held = in_any(r, &E_GROUPS);
    let whom: Cow<'_, str> = if tx.deemed_export {
        format!("the foreign person's country, {}", dest.label()).into()
    } else {
        dest.label().into()
    };
    let because = if held {
        format!(
            "{whom} is in {} on {}",
            groups_in(r, &E_GROUPS).join(", "),
            tx.on
        )
    } else {
        [&whom, " is in neither E:1 nor E:2 on ", &tx.on].concat()
    };
    r.push(
        Step::LicenseException,
        "15 CFR 740.22(c)(1)(i)",
        "the destination is in Country Group E:1 or E:2",
        held,
        because,
        r.groups_confidence(&E_GROUPS),
    );
    held
}

/// (c)(1)(ii) — not to a government end user in D:1–D:5, except the digital-artifacts
/// (and, under the interim rule, national CSIRT) carve-outs.
fn c1ii_government_end_user(r: &mut Review<'_>, text: Text, government: Government) -> bool {
    let tx = r.tx;
    let dest = r.destination;
    if government == Government::No || !in_any(r, &D_GROUPS) {
        let because = if !in_any(r, &D_GROUPS) {
            [dest.label(), " is in no Country Group D:1-D:5 on ", &tx.on].concat()
        } else {
            format!(
                "{} is in {} on {}, but the end user is not a government end user",
                dest.label(),
                d_groups(r).join(", "),
                tx.on
            )
        };
        r.push(
            Step::LicenseException,
            "15 CFR 740.22(c)(1)(ii)",
            "a government end user in Country Group D:1-D:5",
            false,
            because,
            r.groups_confidence(&D_GROUPS),
        );
        return false;
    }
    let excepted = match text {
        Text::Interim => c1ii_a_interim_digital_artifacts(r) || c1ii_b_interim_national_csirt(r),
        Text::Final => c1ii_a_final_police_or_judicial(r) || c1ii_b_final_d_and_a6(r),
    };
    let in_d = d_groups(r).join(", ");
    let because = if excepted {
        format!(
            "a government end user in {} ({in_d} on {}), but an exception of (c)(1)(ii) applies",
            dest.label(),
            tx.on
        )
    } else {
        format!("a government end user in {}, which is in {in_d} on {}, and no exception of (c)(1)(ii) applies", dest.label(), tx.on)
    };
    r.push(
        Step::LicenseException,
        "15 CFR 740.22(c)(1)(ii)",
        "a government end user in Country Group D:1-D:5",
        !excepted,
        because,
        r.groups_confidence(&D_GROUPS),
    );
    !excepted
}

/// (c)(1)(ii)(A), interim text — digital artifacts of an incident on a favorable
/// treatment end user's systems, to a D country also in A:6 (police and judicial bodies
/// there included).
fn c1ii_a_interim_digital_artifacts(r: &mut Review<'_>) -> bool {
    let d_and_a6 = in_d_and_a6(r);
    let artifacts = favorable_incident_artifacts(r);
    let held = d_and_a6 && artifacts;
    let because = format!(
        "{}; {}",
        d_and_a6_fact(r, d_and_a6),
        artifacts_fact(artifacts)
    );
    r.push(Step::LicenseException, "15 CFR 740.22(c)(1)(ii)(A) (interim rule)", "digital artifacts of a favorable-treatment end user's incident, to a D country also in A:6", held, because, Confidence::Text);
    held
}

/// (c)(1)(ii)(B), interim text — cybersecurity items to a national CSIRT in a D country
/// also in A:6, for incident response, vulnerability disclosure or investigations.
fn c1ii_b_interim_national_csirt(r: &mut Review<'_>) -> bool {
    let tx = r.tx;
    let d_and_a6 = in_d_and_a6(r);
    let csirt = r.end_user.government_role == Some(GovernmentRole::NationalCsirt);
    let purpose_ok = tx.purpose.is_some();
    let held = d_and_a6 && csirt && purpose_ok;
    let because = format!(
        "{}; the end user {} a national computer security incident response team; the purpose {}",
        d_and_a6_fact(r, d_and_a6),
        if csirt { "is" } else { "is not" },
        tx.purpose
            .map(|p| format!("is {}", purpose_label(p)))
            .unwrap_or_else(|| "is not stated".into()),
    );
    r.push(Step::LicenseException, "15 CFR 740.22(c)(1)(ii)(B) (interim rule)", "a national CSIRT in a D country also in A:6, for incident response, vulnerability disclosure or investigations", held, because, Confidence::Text);
    held
}

/// (c)(1)(ii) first exception, final text — digital artifacts of a favorable treatment
/// end user's incident, to police or judicial bodies in D:1–D:5 for criminal or civil
/// investigations or prosecutions.
fn c1ii_a_final_police_or_judicial(r: &mut Review<'_>) -> bool {
    let tx = r.tx;
    let artifacts = favorable_incident_artifacts(r);
    let police = r.end_user.government_role == Some(GovernmentRole::PoliceOrJudicial);
    let investigation = tx.purpose == Some(Purpose::CriminalOrCivilInvestigation);
    let held = artifacts && police && investigation;
    let because = format!(
        "{}; the end user {} a police or judicial body; the purpose {} a criminal or civil investigation or prosecution",
        artifacts_fact(artifacts),
        if police { "is" } else { "is not" },
        if investigation { "is" } else { "is not" },
    );
    r.push(Step::LicenseException, "15 CFR 740.22(c)(1)(ii) (final rule: digital artifacts to police or judicial bodies)", "digital artifacts of a favorable-treatment end user's incident, to police or judicial bodies for investigations or prosecutions", held, because, if held { Confidence::Unverified } else { Confidence::Summary });
    held
}

/// (c)(1)(ii) second exception, final text — in a D country also in A:6, digital
/// artifacts for criminal or civil investigations or prosecutions.
fn c1ii_b_final_d_and_a6(r: &mut Review<'_>) -> bool {
    let tx = r.tx;
    let d_and_a6 = in_d_and_a6(r);
    let artifacts = matches!(
        tx.item,
        Item::Classified {
            digital_artifacts: true,
            ..
        }
    );
    let investigation = tx.purpose == Some(Purpose::CriminalOrCivilInvestigation);
    let held = d_and_a6 && artifacts && investigation;
    let because = format!(
        "{}; the item {} digital artifacts; the purpose {} a criminal or civil investigation or prosecution",
        d_and_a6_fact(r, d_and_a6),
        if artifacts { "is" } else { "is not" },
        if investigation { "is" } else { "is not" },
    );
    r.push(
        Step::LicenseException,
        "15 CFR 740.22(c)(1)(ii) (final rule: Country Group D and A:6)",
        "digital artifacts for investigations or prosecutions, to a D country also in A:6",
        held,
        because,
        if held {
            Confidence::Unverified
        } else {
            Confidence::Summary
        },
    );
    held
}

/// (c)(1)(iii) — not to a non-government end user in D:1 or D:5, except (A) the
/// intrusion-software items to favorable treatment end users, (B) vulnerability
/// disclosure or cyber incident response, (C) deemed exports.
fn c1iii_non_government_end_user(
    r: &mut Review<'_>,
    text: Text,
    eccn: &Eccn,
    government: Government,
) -> bool {
    let tx = r.tx;
    let dest = r.destination;
    let in_d1_or_d5 = in_any(r, &D1_D5);
    if government == Government::Yes || !in_d1_or_d5 {
        let because: Cow<'static, str> = if !in_d1_or_d5 {
            [dest.label(), " is in neither D:1 nor D:5 on ", &tx.on]
                .concat()
                .into()
        } else {
            "the end user is a government end user (see (c)(1)(ii))".into()
        };
        r.push(
            Step::LicenseException,
            "15 CFR 740.22(c)(1)(iii)",
            "a non-government end user in Country Group D:1 or D:5",
            false,
            because,
            r.groups_confidence(&D1_D5),
        );
        return false;
    }
    let excepted = c1iii_a_favorable_treatment(r, text, eccn)
        || c1iii_b_disclosure_or_response(r, text)
        || c1iii_c_deemed_export(r, text);
    let groups = groups_in(r, &D1_D5).join(", ");
    let because = if excepted {
        format!(
            "a non-government end user in {} ({groups} on {}), but an exception of (c)(1)(iii) applies",
            dest.label(),
            tx.on
        )
    } else {
        format!("a non-government end user in {}, which is in {groups} on {}, and no exception of (c)(1)(iii) applies", dest.label(), tx.on)
    };
    let confidence = if excepted {
        r.groups_confidence(&D1_D5)
    } else {
        text.unread_in_final().max(r.groups_confidence(&D1_D5))
    };
    r.push(
        Step::LicenseException,
        "15 CFR 740.22(c)(1)(iii)",
        "a non-government end user in Country Group D:1 or D:5",
        !excepted,
        because,
        confidence,
    );
    !excepted
}

/// The ECCNs of (c)(1)(iii)(A): the intrusion-software family, not the 5A001.j family.
fn intrusion_family(eccn: &Eccn) -> bool {
    matches!(
        eccn.entry_key().as_str(),
        "4A005" | "4D001.a" | "4D004" | "4E001.a" | "4E001.c"
    )
}

/// (c)(1)(iii)(A) — 4A005, 4D001.a, 4D004, 4E001.a, 4E001.c to a favorable treatment
/// cybersecurity end user.
fn c1iii_a_favorable_treatment(r: &mut Review<'_>, text: Text, eccn: &Eccn) -> bool {
    let ft = r.end_user.favorable_treatment;
    let family = intrusion_family(eccn);
    let held = ft.is_some() && family;
    let because = match (ft, family) {
        (Some(f), true) => Cow::Owned(format!("the end user is a favorable treatment cybersecurity end user ({}) and {eccn} is in the 4A005/4D001.a/4D004/4E001.a/4E001.c family", favorable_label(f))),
        (Some(f), false) => Cow::Owned(format!("the end user is a favorable treatment cybersecurity end user ({}), but the exception covers only 4A005, 4D001.a, 4D004, 4E001.a and 4E001.c, not {eccn}", favorable_label(f))),
        (None, _) => Cow::Borrowed("the end user is not stated to be a favorable treatment cybersecurity end user"),
    };
    let confidence = if held {
        text.unread_in_final()
    } else {
        Confidence::Text
    };
    r.push(
        Step::LicenseException,
        "15 CFR 740.22(c)(1)(iii)(A)",
        "intrusion-software items to a favorable treatment cybersecurity end user",
        held,
        because,
        confidence,
    );
    held
}

/// (c)(1)(iii)(B) — "vulnerability disclosure" or "cyber incident response".
fn c1iii_b_disclosure_or_response(r: &mut Review<'_>, text: Text) -> bool {
    let p = r.tx.purpose;
    let held = matches!(
        p,
        Some(Purpose::VulnerabilityDisclosure | Purpose::CyberIncidentResponse)
    );
    let because = match p {
        Some(p) => Cow::Owned(format!("the purpose is {}", purpose_label(p))),
        None => Cow::Borrowed("no purpose is stated"),
    };
    let confidence = if held {
        text.unread_in_final()
    } else {
        Confidence::Text
    };
    r.push(
        Step::LicenseException,
        "15 CFR 740.22(c)(1)(iii)(B)",
        "the export is for vulnerability disclosure or cyber incident response",
        held,
        because,
        confidence,
    );
    held
}

/// (c)(1)(iii)(C) — deemed exports.
fn c1iii_c_deemed_export(r: &mut Review<'_>, text: Text) -> bool {
    let held = r.tx.deemed_export;
    let because: Cow<'static, str> = if held {
        format!("a deemed export to a national of {}", r.destination.label()).into()
    } else {
        "not a deemed export".into()
    };
    let confidence = if held {
        text.unread_in_final()
    } else {
        Confidence::Text
    };
    r.push(
        Step::LicenseException,
        "15 CFR 740.22(c)(1)(iii)(C)",
        "the release is a deemed export",
        held,
        because,
        confidence,
    );
    held
}

/// (c)(2) — not when the exporter knows or has reason to know the item will be used to
/// affect information systems without their owner's authorization.
fn c2_end_use(r: &mut Review<'_>) -> bool {
    let held = r.tx.knowledge_unauthorized_use;
    let because = if held {
        "the exporter knows or has reason to know the item will be used without the authorization of the owner, operator or administrator of the information system"
    } else {
        "the transaction states no knowledge of unauthorized use"
    };
    r.push(Step::LicenseException, "15 CFR 740.22(c)(2)", "the exporter knows the item will be used to affect information systems without authorization", held, because, Confidence::Text);
    held
}

const D_GROUPS: [&str; 5] = ["D:1", "D:2", "D:3", "D:4", "D:5"];
/// The groups of (c)(1)(iii).
const D1_D5: [&str; 2] = ["D:1", "D:5"];
/// The groups of (c)(1)(i).
const E_GROUPS: [&str; 2] = ["E:1", "E:2"];

/// Whether the destination is in any of `groups` on the as-of date.
fn in_any(r: &Review<'_>, groups: &[&str]) -> bool {
    groups.iter().any(|g| r.in_group(g))
}

/// Those of `groups` the destination is in on the as-of date, for a finding to name.
fn groups_in(r: &Review<'_>, groups: &[&'static str]) -> Vec<&'static str> {
    groups.iter().copied().filter(|g| r.in_group(g)).collect()
}

/// The D:1–D:5 groups the destination is in on the as-of date.
fn d_groups(r: &Review<'_>) -> Vec<&'static str> {
    groups_in(r, &D_GROUPS)
}

fn in_d_and_a6(r: &Review<'_>) -> bool {
    r.in_group("A:6") && in_any(r, &D_GROUPS)
}

fn d_and_a6_fact(r: &Review<'_>, held: bool) -> String {
    let dest = r.destination.label();
    if held {
        format!("{dest} is in Country Group D and in A:6 on {}", r.tx.on)
    } else {
        format!(
            "{dest} is not in both Country Group D and A:6 on {}",
            r.tx.on
        )
    }
}

fn favorable_incident_artifacts(r: &Review<'_>) -> bool {
    matches!(
        r.tx.item,
        Item::Classified {
            digital_artifacts: true,
            incident_owner: Some(IncidentOwner::FavorableTreatment),
            ..
        }
    )
}

fn artifacts_fact(held: bool) -> &'static str {
    if held {
        "the item is digital artifacts of an incident on a favorable treatment end user's systems"
    } else {
        "the item is not digital artifacts of an incident on a favorable treatment end user's systems"
    }
}

fn role_suffix(role: Option<GovernmentRole>) -> String {
    let label = match role {
        Some(GovernmentRole::PoliceOrJudicial) => "police or judicial body",
        Some(GovernmentRole::NationalCsirt) => "national CSIRT",
        Some(GovernmentRole::Military) => "military",
        Some(GovernmentRole::Intelligence) => "intelligence service",
        Some(GovernmentRole::ResearchInstitution) => "government-operated research institution",
        Some(GovernmentRole::InternationalOrganization) => {
            "international governmental organization"
        }
        Some(GovernmentRole::Other) | None => return String::new(),
    };
    format!(" ({label})")
}

fn favorable_label(f: FavorableTreatment) -> &'static str {
    match f {
        FavorableTreatment::UsSubsidiary => "U.S. subsidiary",
        FavorableTreatment::BankingFinancial => "provider of banking and financial services",
        FavorableTreatment::Insurance => "insurance company",
        FavorableTreatment::CivilHealthMedical => "civil health and medical institution",
    }
}

fn sector_label(s: Option<Sector>) -> &'static str {
    match s {
        Some(Sector::Utility) => "utility",
        Some(Sector::TelecomOrIsp) => "telecommunications or Internet service",
        Some(Sector::Transportation) => "transportation",
        Some(Sector::RetailWholesale) => "retail or wholesale",
        Some(Sector::Other) | None => "other",
    }
}

fn ownership_label(eu: &crate::transaction::PartyInput) -> String {
    match eu.government_ownership_percent {
        Some(p) if p >= 25.0 => format!("{p}% owned"),
        _ => "with a board majority appointed".to_string(),
    }
}

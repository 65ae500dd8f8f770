//! The decision: from the answers to the result, one function per criterion of the
//! regulation, in the order of review (15 CFR 734.3 first, then the CCL entries).
//!
//! The questionnaire data decides which questions are asked; these functions read only
//! answers to questions that the data asks in the same circumstances (a test walks every
//! path of the questionnaire to prove it).

use crate::answers::AnswerValue;
use crate::error::ClassifyError;
use crate::questionnaire::{Effective, Questionnaire};
use crate::result::ClassResult;

/// The answers that counted, with the questionnaire to name missing ones.
pub(crate) struct Facts<'a> {
    questionnaire: &'a Questionnaire,
    answers: &'a Effective<'a>,
}

type Decision = Result<ClassResult, ClassifyError>;

/// The entries listed as "cybersecurity items" by 15 CFR 740.22(b)(1).
const CYBERSECURITY_ITEMS: &[&str] = &[
    "4A005",
    "4D001.a (for 4A005)",
    "4D001.a (for 4D004)",
    "4D004",
    "4E001.a (for 4A005)",
    "4E001.a (for 4D001.a (for 4A005))",
    "4E001.a (for 4D001.a (for 4D004))",
    "4E001.a (for 4D004)",
    "4E001.c",
    "5A001.j",
    "5B001.a (for 5A001.j)",
    "5D001.a (for 5A001.j)",
    "5D001.c (for 5A001.j)",
    "5D001.c (for 5B001.a (for 5A001.j))",
    "5E001.a (for 5A001.j)",
    "5E001.a (for 5D001.a (for 5A001.j))",
];

const LIKELY_OTHER: &str =
    "EAR99 or another ECCN — e.g. 5D002 or 5D992 for software with encryption functionality";
const LIKELY_OTHER_TECHNOLOGY: &str =
    "EAR99 or another ECCN — e.g. 5E002 for encryption technology";
const LIKELY_OTHER_TELECOM: &str =
    "EAR99 or another Category 5 Part 1 entry (e.g. 5A991 / 5D991), or 5A002 / 5D002 if it has controlled encryption";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ItemType {
    Hardware,
    Software,
    Technology,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Hardware,
    Software,
}

/// The shape of the item: technology or not, a development/production tool or not, and
/// the kind of the item that does the job (the "core").
#[derive(Debug, Clone, Copy)]
struct Subject {
    technology: bool,
    tool: Option<Kind>,
    core: Kind,
}

impl<'a> Facts<'a> {
    pub(crate) fn new(questionnaire: &'a Questionnaire, answers: &'a Effective<'a>) -> Self {
        Self {
            questionnaire,
            answers,
        }
    }

    fn answer(&self, id: &str) -> Result<&AnswerValue, ClassifyError> {
        self.answers
            .get(id)
            .copied()
            .ok_or_else(|| self.missing(id))
    }

    fn missing(&self, id: &str) -> ClassifyError {
        let question = self.questionnaire.question(id);
        ClassifyError::Missing {
            question: id.to_string(),
            text: question.map(|q| q.text.clone()).unwrap_or_default(),
            accepted: question.map(|q| q.accepted()).unwrap_or_default(),
        }
    }

    fn yes(&self, id: &str) -> Result<bool, ClassifyError> {
        self.answer(id)?.as_bool().ok_or_else(|| self.missing(id))
    }

    fn choice(&self, id: &str) -> Result<&str, ClassifyError> {
        self.answer(id)?.as_option().ok_or_else(|| self.missing(id))
    }
}

/// The whole decision, in the order of review.
pub(crate) fn decide(f: &Facts<'_>) -> Decision {
    if let Some(excluded) = subject_to_ear_734_3(f)? {
        return Ok(excluded);
    }
    if item_type(f)? == ItemType::Technology {
        match f.choice("technology_for")? {
            "intrusion_software_development" => return technology_for_intrusion_4e001c(f),
            "hardware_or_software_item" => {}
            _ => return Ok(not_cybersecurity_item(
                LIKELY_OTHER_TECHNOLOGY,
                "the technology is not for developing intrusion software nor for a hardware or software item that the cybersecurity entries control",
            )),
        }
    }
    match f.choice("function_family")? {
        "intrusion" => intrusion_items(f, subject(f)?),
        "network_surveillance" => surveillance_items(f, subject(f)?),
        _ => Ok(not_cybersecurity_item(
            likely_for(item_type(f)?),
            "it neither generates, commands or delivers code on other devices nor monitors IP network communications",
        )),
    }
}

fn item_type(f: &Facts<'_>) -> Result<ItemType, ClassifyError> {
    Ok(match f.choice("item_type")? {
        "hardware" => ItemType::Hardware,
        "software" => ItemType::Software,
        _ => ItemType::Technology,
    })
}

fn kind_of(answer: &str) -> Kind {
    if answer == "hardware" {
        Kind::Hardware
    } else {
        Kind::Software
    }
}

fn likely_for(item_type: ItemType) -> &'static str {
    match item_type {
        ItemType::Technology => LIKELY_OTHER_TECHNOLOGY,
        _ => LIKELY_OTHER,
    }
}

/// The item described: for technology, the item it is for; for a development or
/// production item (4D001.a, 5B001.a, 5D001.a), also the item it develops or produces.
fn subject(f: &Facts<'_>) -> Result<Subject, ClassifyError> {
    let technology = item_type(f)? == ItemType::Technology;
    let described = if technology {
        kind_of(f.choice("tech_item_type")?)
    } else {
        kind_of(f.choice("item_type")?)
    };
    Ok(if f.choice("item_role")? == "development_or_production" {
        Subject {
            technology,
            tool: Some(described),
            core: kind_of(f.choice("core_type")?),
        }
    } else {
        Subject {
            technology,
            tool: None,
            core: described,
        }
    })
}

// ---------------------------------------------------------------------------------------
// 15 CFR 734.3 — subject to the EAR?
// ---------------------------------------------------------------------------------------

/// 15 CFR 734.3(b)(3) — published software and technology, fundamental research and
/// academic catalog courses are not subject to the EAR. Hardware always is (here).
fn subject_to_ear_734_3(f: &Facts<'_>) -> Result<Option<ClassResult>, ClassifyError> {
    if item_type(f)? == ItemType::Hardware {
        return Ok(None);
    }
    if f.yes("published")? {
        return published_734_7(f);
    }
    if f.yes("fundamental_research")? {
        return Ok(Some(not_subject(
            "it arises during or results from fundamental research intended to be published",
            "15 CFR 734.3(b)(3)(ii), 734.8",
        )));
    }
    if f.yes("catalog_course")? {
        return Ok(Some(not_subject(
            "it is released by instruction in a catalog course or teaching laboratory of an academic institution",
            "15 CFR 734.3(b)(3)(iii)",
        )));
    }
    Ok(None)
}

/// 15 CFR 734.7 — published items are not subject to the EAR; 734.7(b): published
/// encryption software in 5D002 stays subject unless the 742.15(b) criteria are met.
fn published_734_7(f: &Facts<'_>) -> Result<Option<ClassResult>, ClassifyError> {
    let encryption_stays = item_type(f)? == ItemType::Software
        && f.yes("published_encryption")?
        && !f.yes("encryption_source_public")?;
    if encryption_stays {
        return Ok(None);
    }
    Ok(Some(not_subject(
        "it is published: available to the public without restrictions on further dissemination",
        "15 CFR 734.3(b)(3)(i), 734.7",
    )))
}

// ---------------------------------------------------------------------------------------
// "Intrusion software" (772.1); 4A005, 4D004, 4D001.a, 4E001.a, 4E001.c
// ---------------------------------------------------------------------------------------

/// 15 CFR 772.1 "intrusion software": avoids monitoring tools or defeats protective
/// countermeasures, *and* extracts/modifies data or redirects execution; its Note excludes
/// hypervisors, debuggers, SRE tools, DRM and asset tracking/recovery software.
/// Returns why the code is not intrusion software, if it is not.
fn not_intrusion_software_772_1(f: &Facts<'_>) -> Result<Option<String>, ClassifyError> {
    let excluded = f.choice("excluded_kind")?;
    if excluded != "none" {
        let what = f
            .questionnaire
            .question("excluded_kind")
            .and_then(|q| q.option(excluded))
            .map_or(excluded.to_string(), |o| o.label.to_lowercase());
        return Ok(Some(format!(
            "the code is {what}, which the definition of \"intrusion software\" excludes (15 CFR 772.1, Note)"
        )));
    }
    if !f.yes("evades_or_defeats")? {
        return Ok(Some(
            "the code is not specially designed or modified to avoid monitoring tools or defeat protective countermeasures, so it is not \"intrusion software\" (15 CFR 772.1)".to_string(),
        ));
    }
    if !f.yes("extracts_or_redirects")? {
        return Ok(Some(
            "the code neither extracts or modifies data nor modifies a program's execution path, so it is not \"intrusion software\" (15 CFR 772.1)".to_string(),
        ));
    }
    Ok(None)
}

/// ECCN 4E001.c — technology for the development of intrusion software, subject to
/// Note 1 to 4E001 (vulnerability disclosure, cyber incident response).
fn technology_for_intrusion_4e001c(f: &Facts<'_>) -> Decision {
    if let Some(reason) = not_intrusion_software_772_1(f)? {
        return Ok(not_cybersecurity_item(LIKELY_OTHER_TECHNOLOGY, &reason));
    }
    if let Some(excluded) = disclosure_note_4e001(f)? {
        return Ok(excluded);
    }
    Ok(eccn("4E001.c", Vec::new()))
}

/// Note 1 to ECCN 4E001 — 4E001.a and 4E001.c do not apply to "vulnerability disclosure"
/// or "cyber incident response".
fn disclosure_note_4e001(f: &Facts<'_>) -> Result<Option<ClassResult>, ClassifyError> {
    Ok(f.yes("disclosure_or_incident_response")?.then(|| {
        not_cybersecurity_item(
            LIKELY_OTHER_TECHNOLOGY,
            "released only for vulnerability disclosure or cyber incident response, to which 4E001.a and 4E001.c do not apply (ECCN 4E001, Note 1)",
        )
    }))
}

/// ECCN 4A005 / 4D004 — specially designed or modified for the generation, command and
/// control, or delivery of intrusion software.
fn generates_commands_or_delivers_4a005_4d004(f: &Facts<'_>) -> Result<bool, ClassifyError> {
    f.yes("generates_controls_delivers")
}

/// Note to ECCN 4D004 — software limited to updates or upgrades that run only with the
/// owner's or administrator's authorization and leave behind neither 4D004 software nor
/// intrusion software is not 4D004.
fn update_note_4d004(f: &Facts<'_>) -> Result<bool, ClassifyError> {
    Ok(f.yes("update_only")?
        && f.yes("update_owner_authorized")?
        && f.yes("update_leaves_nothing_controlled")?)
}

/// 4A005 / 4D004 and the entries that follow them: 4D001.a (development/production
/// software), 4E001.a (technology).
fn intrusion_items(f: &Facts<'_>, s: Subject) -> Decision {
    let likely = likely_for(item_type(f)?);
    if let Some(reason) = not_intrusion_software_772_1(f)? {
        return Ok(not_cybersecurity_item(likely, &reason));
    }
    if !generates_commands_or_delivers_4a005_4d004(f)? {
        return Ok(not_cybersecurity_item(
            likely,
            "it does not generate, command and control, or deliver intrusion software (ECCN 4A005 / 4D004); intrusion software itself is not controlled by them",
        ));
    }
    if s.core == Kind::Software && update_note_4d004(f)? {
        return Ok(not_cybersecurity_item(
            likely,
            "software limited to updates or upgrades that run only with the owner's or administrator's authorization and leave no 4D004 or intrusion software behind is not 4D004 (ECCN 4D004, Note)",
        ));
    }
    let core = match s.core {
        Kind::Hardware => "4A005",
        Kind::Software => "4D004",
    };
    let eccn_text = match s.tool {
        None => core.to_string(),
        Some(Kind::Software) => format!("4D001.a (for {core})"),
        Some(Kind::Hardware) => {
            return Ok(not_cybersecurity_item(
                likely,
                &format!("no Category 4 entry controls equipment for developing or producing {core} items; development software would be 4D001.a"),
            ))
        }
    };
    if s.technology {
        return technology_4e001a(f, &eccn_text);
    }
    operating_item(f, s, eccn_text)
}

/// ECCN 4E001.a — technology for the development, production or use of 4A005, 4D004 or
/// 4D001.a (for them), subject to Note 1 to 4E001.
fn technology_4e001a(f: &Facts<'_>, item: &str) -> Decision {
    if let Some(excluded) = disclosure_note_4e001(f)? {
        return Ok(excluded);
    }
    Ok(eccn(&format!("4E001.a (for {item})"), Vec::new()))
}

/// The item itself (not technology): development tools have their ECCN; the items that do
/// the job go through the encryption overlap first.
fn operating_item(f: &Facts<'_>, s: Subject, eccn_text: String) -> Decision {
    if s.tool.is_none() {
        if let Some(enc) = encryption_overlap_cat5_part2(f, &eccn_text)? {
            return Ok(enc);
        }
    }
    Ok(eccn(&eccn_text, Vec::new()))
}

/// Category 5 Part 2 overlap — a 4A005 / 4D004 / 5A001.j item also in 5A002.a, 5A004.a/.b
/// or 5D002.c.1/.c.3 stays in Category 5 Part 2, where License Exception ENC (740.17)
/// applies. ace reports it rather than deciding it.
fn encryption_overlap_cat5_part2(
    f: &Facts<'_>,
    would_be: &str,
) -> Result<Option<ClassResult>, ClassifyError> {
    let entry = match f.choice("encryption_overlap")? {
        "5a002_a" => "5A002.a",
        "5a004_a" => "5A004.a",
        "5a004_b" => "5A004.b",
        "5d002_c1" => "5D002.c.1",
        "5d002_c3" => "5D002.c.3",
        _ => return Ok(None),
    };
    Ok(Some(ClassResult::EvaluateUnderEnc {
        eccn: entry.to_string(),
        reason: format!(
            "it would be {would_be}, but it is also controlled by {entry}; such items stay in Category 5 Part 2, where License Exception ENC (15 CFR 740.17) applies instead of ACE — ace reports this and does not decide it"
        ),
    }))
}

// ---------------------------------------------------------------------------------------
// IP network communications surveillance: 5A001.j and followers; 5D001.e
// ---------------------------------------------------------------------------------------

/// Note to ECCN 5A001.j — systems specially designed for marketing, network QoS or QoE
/// are excluded.
fn marketing_qos_qoe_note_5a001j(f: &Facts<'_>) -> Result<bool, ClassifyError> {
    f.yes("marketing_qos_qoe")
}

/// ECCN 5A001.j.1 and .j.2 — on a carrier-class IP network: application-layer analysis,
/// extraction of selected metadata and content, indexing; and specially designed for
/// hard-selector searches and relational mapping. Returns the first test that fails.
fn failed_test_5a001j(f: &Facts<'_>) -> Result<Option<&'static str>, ClassifyError> {
    const TESTS: [(&str, &str); 6] = [
        (
            "carrier_class",
            "it does not operate on a carrier-class IP network (5A001.j.1)",
        ),
        (
            "application_layer_analysis",
            "it does not analyse at the application layer (5A001.j.1.a)",
        ),
        (
            "extracts_metadata_and_content",
            "it does not extract selected metadata and application content (5A001.j.1.b)",
        ),
        (
            "indexes_extracted_data",
            "it does not index extracted data (5A001.j.1.c)",
        ),
        (
            "hard_selector_search",
            "it is not specially designed to search on hard selectors (5A001.j.2.a)",
        ),
        (
            "relational_mapping",
            "it is not specially designed to map relational networks (5A001.j.2.b)",
        ),
    ];
    for (question, failure) in TESTS {
        if !f.yes(question)? {
            return Ok(Some(failure));
        }
    }
    Ok(None)
}

/// ECCN 5D001.e — law-enforcement monitoring software: hard-selector searches over data
/// from a handover interface, and relational mapping or movement tracking.
fn law_enforcement_monitoring_5d001e(f: &Facts<'_>) -> Result<bool, ClassifyError> {
    Ok(f.yes("le_handover_search")? && f.yes("le_relational_or_movement")?)
}

/// 5A001.j and its followers 5B001.a, 5D001.a, 5D001.c, 5E001.a; otherwise 5D001.e.
fn surveillance_items(f: &Facts<'_>, s: Subject) -> Decision {
    if marketing_qos_qoe_note_5a001j(f)? {
        return Ok(not_cybersecurity_item(
            LIKELY_OTHER_TELECOM,
            "specially designed for marketing, network QoS or QoE, which the Note to 5A001.j excludes",
        ));
    }
    match failed_test_5a001j(f)? {
        None => surveillance_5a001j_family(f, s),
        Some(failure) if s.core == Kind::Software => law_enforcement_items(f, s, failure),
        Some(failure) => Ok(not_cybersecurity_item(LIKELY_OTHER_TELECOM, failure)),
    }
}

/// The 5A001.j family, by the shape of the item.
fn surveillance_5a001j_family(f: &Facts<'_>, s: Subject) -> Decision {
    let mut notes = Vec::new();
    let item = match (s.tool, s.core) {
        (None, Kind::Hardware) => "5A001.j".to_string(),
        (None, Kind::Software) => {
            notes.push("software providing the functions of a 5A001.j system is classified 5D001.c (for 5A001.j); a turnkey system of hardware and software is 5A001.j".to_string());
            "5D001.c (for 5A001.j)".to_string()
        }
        (Some(Kind::Hardware), _) => "5B001.a (for 5A001.j)".to_string(),
        (Some(Kind::Software), _) if !s.technology && f.yes("provides_equipment_functions")? => {
            notes.push(unverified_note("5D001.c (for 5B001.a): software providing the functions of development or production equipment"));
            "5D001.c (for 5B001.a (for 5A001.j))".to_string()
        }
        (Some(Kind::Software), _) => "5D001.a (for 5A001.j)".to_string(),
    };
    if s.technology {
        return Ok(technology_5e001a(s, &item, notes));
    }
    if s.tool.is_none() {
        if let Some(enc) = encryption_overlap_cat5_part2(f, &item)? {
            return Ok(enc);
        }
    }
    Ok(eccn(&item, notes))
}

/// ECCN 5E001.a — technology for the 5A001.j family. 740.22(b)(1) lists technology for
/// 5A001.j and for 5D001.a (for 5A001.j); the 5E001 entry's ACE line also names 5B001.a
/// and 5D001.c — the (b)(1) list is treated as controlling.
fn technology_5e001a(s: Subject, item: &str, mut notes: Vec<String>) -> ClassResult {
    let target = match (s.tool, s.core) {
        (None, Kind::Software) => {
            notes.push(unverified_note("technology for software providing 5A001.j functions is treated as technology for 5A001.j functions (5E001.a (for 5A001.j))"));
            "5A001.j".to_string()
        }
        _ => item.to_string(),
    };
    if s.tool == Some(Kind::Hardware) {
        notes.push(unverified_note("the 5E001 entry's ACE line names technology for 5B001.a, but 15 CFR 740.22(b)(1) does not list it; ace follows (b)(1) and does not treat it as a cybersecurity item"));
    }
    eccn(&format!("5E001.a (for {target})"), notes)
}

/// 5D001.e (not a cybersecurity item), or nothing in the surveillance entries.
fn law_enforcement_items(f: &Facts<'_>, s: Subject, failure: &str) -> Decision {
    if !law_enforcement_monitoring_5d001e(f)? {
        return Ok(not_cybersecurity_item(
            LIKELY_OTHER_TELECOM,
            &format!("{failure}, and it is not law-enforcement monitoring software (5D001.e)"),
        ));
    }
    if s.tool.is_none() && !s.technology {
        let note = "5D001.e is not a cybersecurity item (15 CFR 740.22(b)(1)): License Exception ACE does not apply; the entry was absent from 2022-03-07 to 2022-05-25 (restored by the final rule)".to_string();
        return Ok(eccn("5D001.e", vec![note]));
    }
    Ok(not_cybersecurity_item(
        "the 5D001 / 5E001 entry for development software or technology for 5D001.e software",
        "it is for law-enforcement monitoring software (5D001.e); neither 5D001.e nor what develops it is a cybersecurity item (15 CFR 740.22(b)(1))",
    ))
}

// ---------------------------------------------------------------------------------------
// Results
// ---------------------------------------------------------------------------------------

fn eccn(text: &str, notes: Vec<String>) -> ClassResult {
    ClassResult::Eccn {
        eccn: text.to_string(),
        cybersecurity_item: CYBERSECURITY_ITEMS.contains(&text),
        notes,
    }
}

fn not_cybersecurity_item(likely: &str, reason: &str) -> ClassResult {
    ClassResult::NotCybersecurityItem {
        likely: likely.to_string(),
        reason: reason.to_string(),
    }
}

fn not_subject(reason: &str, citation: &str) -> ClassResult {
    ClassResult::NotSubjectToEar {
        reason: reason.to_string(),
        citation: citation.to_string(),
    }
}

fn unverified_note(text: &str) -> String {
    format!("unverified: {text}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cybersecurity_list_is_exactly_740_22_b_1() {
        assert_eq!(CYBERSECURITY_ITEMS.len(), 16);
        assert!(!CYBERSECURITY_ITEMS.contains(&"5D001.e"));
        assert!(!CYBERSECURITY_ITEMS.contains(&"4D001.a"));
    }
}

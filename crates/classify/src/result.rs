//! What a classification produces: the result, and the path of answers that led to it.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::answers::{AnswerValue, Answers};
use crate::questionnaire::{QuestionKind, Questionnaire};

/// A classification: the result, the answers that led to it, and the questionnaire used.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Classification {
    /// What the item is.
    pub result: ClassResult,
    /// Every question asked, in order, with its answer, citation and effect.
    pub path: Vec<Step>,
    /// SHA-256 of the questionnaire data used.
    pub questionnaire_hash: String,
    /// Answers that were given but not used, because their questions did not apply.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ignored: Vec<String>,
}

/// The outcome of the classification guidance.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ClassResult {
    /// An ECCN, with its "for" qualifier where the entry needs one.
    Eccn {
        /// E.g. `4D004`, `4D001.a (for 4D004)`, `5A001.j`, `5D001.e`.
        eccn: String,
        /// Whether 15 CFR 740.22(b)(1) lists it (false for 5D001.e).
        cybersecurity_item: bool,
        /// Remarks on the classification, including reliance on unverified rules.
        notes: Vec<String>,
    },
    /// None of the cybersecurity entries describes the item.
    NotCybersecurityItem {
        /// What it probably is instead.
        likely: String,
        /// Which criterion it failed.
        reason: String,
    },
    /// The item is outside the EAR altogether.
    NotSubjectToEar {
        /// Why.
        reason: String,
        /// The provision that takes it out.
        citation: String,
    },
    /// A Category 5 Part 2 item: License Exception ENC, not ACE; ace reports, not decides.
    EvaluateUnderEnc {
        /// The Category 5 Part 2 entry, e.g. `5D002.c.1`.
        eccn: String,
        /// What it would otherwise be, and why ENC governs.
        reason: String,
    },
}

/// One answered question on the path to the result.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    /// The question id.
    pub question: String,
    /// The question as asked.
    pub text: String,
    /// The answer: `yes`, `no`, or an option id.
    pub answer: String,
    /// The regulation behind the question.
    pub citation: String,
    /// What this answer established.
    pub effect: String,
}

impl ClassResult {
    /// The kind as serialized (`eccn`, `not_cybersecurity_item`, …).
    pub fn kind(&self) -> &'static str {
        match self {
            ClassResult::Eccn { .. } => "eccn",
            ClassResult::NotCybersecurityItem { .. } => "not_cybersecurity_item",
            ClassResult::NotSubjectToEar { .. } => "not_subject_to_ear",
            ClassResult::EvaluateUnderEnc { .. } => "evaluate_under_enc",
        }
    }

    /// The ECCN, for the kinds that have one.
    pub fn eccn(&self) -> Option<&str> {
        match self {
            ClassResult::Eccn { eccn, .. } | ClassResult::EvaluateUnderEnc { eccn, .. } => {
                Some(eccn)
            }
            _ => None,
        }
    }

    /// One line for people.
    pub fn headline(&self) -> String {
        match self {
            ClassResult::Eccn {
                eccn,
                cybersecurity_item: true,
                ..
            } => format!("{eccn} — a cybersecurity item (15 CFR 740.22(b)(1))"),
            ClassResult::Eccn { eccn, .. } => format!(
                "{eccn} — not a cybersecurity item (15 CFR 740.22(b)(1)); License Exception ACE is not available for it"
            ),
            ClassResult::NotCybersecurityItem { likely, .. } => {
                format!("not a cybersecurity item — likely {likely}")
            }
            ClassResult::NotSubjectToEar { citation, .. } => {
                format!("not subject to the EAR ({citation})")
            }
            ClassResult::EvaluateUnderEnc { eccn, .. } => {
                format!("{eccn} — evaluate under License Exception ENC (15 CFR 740.17); ace does not decide this")
            }
        }
    }
}

impl Classification {
    /// The answers that produced this classification, as an answers file would hold them.
    pub fn answers(&self, questionnaire: &Questionnaire) -> Answers {
        let mut answers = Answers::new();
        for step in &self.path {
            let is_yes_no = questionnaire
                .question(&step.question)
                .is_some_and(|q| q.kind == QuestionKind::YesNo);
            let value = if is_yes_no {
                AnswerValue::Bool(step.answer == "yes")
            } else {
                AnswerValue::Text(step.answer.clone())
            };
            answers.set(&step.question, value);
        }
        answers
    }

    /// A human-readable summary: the result, its reasons, and the path.
    pub fn summary(&self) -> String {
        let mut out = format!("Result: {}\n", self.result.headline());
        for line in self.result_details() {
            let _ = writeln!(out, "  {line}");
        }
        out.push_str("\nPath:\n");
        for (n, step) in self.path.iter().enumerate() {
            let _ = writeln!(
                out,
                "  {}. {} → {}\n     {} [{}]",
                n + 1,
                step.text,
                step.answer,
                step.effect,
                step.citation
            );
        }
        if !self.ignored.is_empty() {
            let _ = writeln!(
                out,
                "\nIgnored (their questions did not apply): {}",
                self.ignored.join(", ")
            );
        }
        out
    }

    fn result_details(&self) -> Vec<String> {
        match &self.result {
            ClassResult::Eccn { notes, .. } => notes.clone(),
            ClassResult::NotCybersecurityItem { reason, .. }
            | ClassResult::NotSubjectToEar { reason, .. }
            | ClassResult::EvaluateUnderEnc { reason, .. } => vec![reason.clone()],
        }
    }
}

//! Classification guidance: is an item subject to the EAR, is it a "cybersecurity item"
//! (15 CFR 740.22(b)(1)), and under which ECCN?
//!
//! The questions are data (`data/questions.toml`: text, citation, help, and `ask_if`
//! conditions on earlier answers); the traversal ([`next_question`]) and the decision
//! ([`classify`], one function per criterion in `criteria.rs`) are code. Three ways in share
//! this one engine: [`interactive::run`] in a terminal, [`load_answers`] + [`classify`] for
//! answers files, and (later) the HTTP API, for which every type here is serde-ready.
//!
//! ```
//! use classify::{classify, Answers, AnswerValue, ClassResult};
//! let mut answers = Answers::new();
//! answers.set("item_type", AnswerValue::Text("software".into()));
//! answers.set("published", AnswerValue::Bool(true));
//! answers.set("published_encryption", AnswerValue::Bool(false));
//! let classification = classify(&answers).unwrap();
//! assert!(matches!(classification.result, ClassResult::NotSubjectToEar { .. }));
//! ```

mod answers;
mod condition;
mod criteria;
mod error;
pub mod interactive;
mod questionnaire;
mod result;

use std::sync::OnceLock;

pub use answers::{load_answers, parse_answers, AnswerValue, Answers};
pub use condition::{Condition, Expr};
pub use error::ClassifyError;
pub use questionnaire::{
    ChoiceOption, Confidence, Contradiction, NamedCondition, Question, QuestionKind, Questionnaire,
};
pub use result::{ClassResult, Classification, Step};

/// The bundled questionnaire data.
pub const QUESTIONS_TOML: &str = include_str!("../data/questions.toml");

/// The bundled questionnaire, parsed and validated once.
///
/// The data is compiled in and checked by this crate's tests, so a failure here is a build
/// defect, not bad input.
pub fn questionnaire() -> &'static Questionnaire {
    static PARSED: OnceLock<Questionnaire> = OnceLock::new();
    PARSED.get_or_init(|| match Questionnaire::parse(QUESTIONS_TOML) {
        Ok(parsed) => parsed,
        Err(defect) => panic!("bundled data/questions.toml is invalid: {defect}"),
    })
}

/// The next question to ask: the first, in order, that applies given the earlier answers
/// and has no answer yet. `None` when every applicable question is answered.
pub fn next_question<'q>(q: &'q Questionnaire, a: &Answers) -> Option<&'q Question> {
    q.walk(a).next
}

/// Classifies an item from a complete set of answers, with the bundled questionnaire.
pub fn classify(a: &Answers) -> Result<Classification, ClassifyError> {
    classify_with(questionnaire(), a)
}

/// Classifies with a given questionnaire.
///
/// Errors, in this order: an answer to an unknown question; an answer not accepted by its
/// question; a contradiction; the first applicable question left unanswered.
pub fn classify_with(q: &Questionnaire, a: &Answers) -> Result<Classification, ClassifyError> {
    validate_answers(q, a)?;
    if let Some(contradiction) = q.contradiction(a) {
        return Err(ClassifyError::Contradictory {
            questions: contradiction.questions.clone(),
            why: contradiction.why.clone(),
        });
    }
    let walk = q.walk(a);
    if let Some(question) = walk.next {
        return Err(missing(question));
    }
    let effective = walk
        .asked
        .iter()
        .map(|(question, value)| (question.id.as_str(), *value))
        .collect();
    let result = criteria::decide(&criteria::Facts::new(q, &effective))?;
    let path: Vec<Step> = walk.asked.iter().map(|(qn, v)| step(qn, v)).collect();
    Ok(Classification {
        result: flag_unverified(result, &walk.asked),
        path,
        questionnaire_hash: q.hash.clone(),
        ignored: walk.ignored,
    })
}

fn validate_answers(q: &Questionnaire, a: &Answers) -> Result<(), ClassifyError> {
    for (id, value) in &a.0 {
        let Some(question) = q.question(id) else {
            return Err(ClassifyError::UnknownQuestion {
                question: id.clone(),
                known: q
                    .questions
                    .iter()
                    .map(|qn| qn.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        };
        if !question.accepts(value) {
            return Err(ClassifyError::InvalidAnswer {
                question: id.clone(),
                given: value.display(),
                accepted: question.accepted(),
            });
        }
    }
    Ok(())
}

fn missing(question: &Question) -> ClassifyError {
    ClassifyError::Missing {
        question: question.id.clone(),
        text: question.text.clone(),
        accepted: question.accepted(),
    }
}

/// The step recorded for one answered question; the effect comes from the data.
fn step(question: &Question, value: &AnswerValue) -> Step {
    let (answer, effect) = match question.kind {
        QuestionKind::YesNo => {
            let yes = value.as_bool() == Some(true);
            let effect = if yes {
                &question.if_yes
            } else {
                &question.if_no
            };
            (
                if yes { "yes" } else { "no" }.to_string(),
                effect.clone().unwrap_or_default(),
            )
        }
        QuestionKind::Choice => {
            let id = value.as_option().unwrap_or_default();
            let effect = question.option(id).map(|o| o.effect.clone());
            (id.to_string(), effect.unwrap_or_default())
        }
    };
    let effect = match question.confidence {
        Confidence::Unverified => format!("{effect} [unverified reconstruction of the rule]"),
        Confidence::Sourced => effect,
    };
    Step {
        question: question.id.clone(),
        text: question.text.clone(),
        answer,
        citation: question.citation.clone(),
        effect,
    }
}

/// Says in the result when it rests on a question whose rule is an unverified
/// reconstruction.
fn flag_unverified(result: ClassResult, asked: &[(&Question, &AnswerValue)]) -> ClassResult {
    let unverified: Vec<&str> = asked
        .iter()
        .filter(|(q, _)| q.confidence == Confidence::Unverified)
        .map(|(q, _)| q.id.as_str())
        .collect();
    if unverified.is_empty() {
        return result;
    }
    let flag = format!(
        "unverified: this result depends on {}, whose rule is a reconstruction, not the read text of the regulation",
        unverified.join(", ")
    );
    match result {
        ClassResult::Eccn {
            eccn,
            cybersecurity_item,
            mut notes,
        } => {
            notes.push(flag);
            ClassResult::Eccn {
                eccn,
                cybersecurity_item,
                notes,
            }
        }
        ClassResult::NotCybersecurityItem { likely, reason } => ClassResult::NotCybersecurityItem {
            likely,
            reason: format!("{reason}; {flag}"),
        },
        ClassResult::NotSubjectToEar { reason, citation } => ClassResult::NotSubjectToEar {
            reason: format!("{reason}; {flag}"),
            citation,
        },
        ClassResult::EvaluateUnderEnc { eccn, reason } => ClassResult::EvaluateUnderEnc {
            eccn,
            reason: format!("{reason}; {flag}"),
        },
    }
}

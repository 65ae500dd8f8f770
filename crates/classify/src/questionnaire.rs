//! The questionnaire as data: loading and validating `questions.toml`, evaluating its
//! conditions, and walking it in order against a set of answers.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::answers::{AnswerValue, Answers};
use crate::condition::{Condition, Expr};
use crate::error::ClassifyError;

/// The whole questionnaire: named conditions, the questions in the order they are asked,
/// and the combinations of answers that contradict each other.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct Questionnaire {
    /// Format version of the data file.
    pub version: u32,
    /// Named conditions, usable in `ask_if` and in later conditions.
    pub conditions: Vec<NamedCondition>,
    /// The questions, in the order they are asked.
    pub questions: Vec<Question>,
    /// Combinations of answers that `classify` refuses.
    pub contradictions: Vec<Contradiction>,
    /// SHA-256 of the data file, hex; recorded in every classification.
    pub hash: String,
}

/// One question.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct Question {
    /// Stable id, used as the key in answers files.
    pub id: String,
    /// The question as asked.
    pub text: String,
    /// Yes/no, or one of several options.
    pub kind: QuestionKind,
    /// The regulation behind the question.
    pub citation: String,
    /// Plain-language explanation with examples.
    pub help: String,
    /// When the question is asked; `None` means always.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub ask_if: Option<Condition>,
    /// Whether the rule behind the question was read in the regulation or reconstructed.
    pub confidence: Confidence,
    /// What a yes establishes (yes/no questions).
    pub if_yes: Option<String>,
    /// What a no establishes (yes/no questions).
    pub if_no: Option<String>,
    /// The options (choice questions).
    pub options: Vec<ChoiceOption>,
}

/// The two kinds of question.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    /// Answered `true` or `false`.
    YesNo,
    /// Answered with one option id.
    Choice,
}

/// How sure the data is about the rule behind a question.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    /// Taken from the regulation's text or its official data.
    #[default]
    Sourced,
    /// The best available reconstruction; outcomes depending on it say so.
    Unverified,
}

/// One option of a choice question.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChoiceOption {
    /// The id given as the answer.
    pub id: String,
    /// The text shown.
    pub label: String,
    /// What choosing it establishes.
    pub effect: String,
}

/// A named condition.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct NamedCondition {
    /// The name used in other conditions.
    pub name: String,
    /// The condition.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub when: Condition,
    /// What it means.
    pub doc: String,
}

/// Answers that cannot all be true.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct Contradiction {
    /// When the answers contradict each other.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub when: Condition,
    /// Why.
    pub why: String,
    /// The questions the condition names (derived).
    pub questions: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQuestionnaire {
    version: u32,
    #[serde(default)]
    condition: Vec<RawCondition>,
    question: Vec<RawQuestion>,
    #[serde(default)]
    contradiction: Vec<RawContradiction>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCondition {
    name: String,
    when: String,
    doc: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQuestion {
    id: String,
    text: String,
    kind: QuestionKind,
    citation: String,
    help: String,
    ask_if: Option<String>,
    #[serde(default)]
    confidence: Confidence,
    if_yes: Option<String>,
    if_no: Option<String>,
    #[serde(default)]
    option: Vec<ChoiceOption>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawContradiction {
    when: String,
    why: String,
}

/// The effective answers: only those to questions that applied when they were reached.
pub(crate) type Effective<'a> = BTreeMap<&'a str, &'a AnswerValue>;

/// The result of walking the questionnaire against some answers.
pub(crate) struct Walk<'q, 'a> {
    /// Questions that applied and were answered, in order, with their answers.
    pub asked: Vec<(&'q Question, &'a AnswerValue)>,
    /// The first question that applies and has no answer yet.
    pub next: Option<&'q Question>,
    /// Answered questions that did not apply (or came after `next`).
    pub ignored: Vec<String>,
}

impl Questionnaire {
    /// Parses and validates questionnaire data.
    pub fn parse(text: &str) -> Result<Self, ClassifyError> {
        let raw: RawQuestionnaire =
            toml::from_str(text).map_err(|e| ClassifyError::Questionnaire(e.to_string()))?;
        let conditions = raw
            .condition
            .into_iter()
            .map(named_condition)
            .collect::<Result<Vec<_>, _>>()?;
        let questions = raw
            .question
            .into_iter()
            .map(question)
            .collect::<Result<Vec<_>, _>>()?;
        let contradictions = raw
            .contradiction
            .into_iter()
            .map(contradiction)
            .collect::<Result<Vec<_>, _>>()?;
        let questionnaire = Self {
            version: raw.version,
            conditions,
            questions,
            contradictions,
            hash: hex::encode(Sha256::digest(text.as_bytes())),
        };
        questionnaire.validate()?;
        Ok(questionnaire.with_contradiction_questions())
    }

    /// The question with this id.
    pub fn question(&self, id: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.id == id)
    }

    fn position(&self, id: &str) -> Option<usize> {
        self.questions.iter().position(|q| q.id == id)
    }

    fn condition(&self, name: &str) -> Option<&NamedCondition> {
        self.conditions.iter().find(|c| c.name == name)
    }

    /// Whether `expr` holds for these answers. A question without an answer counts as
    /// "no" / "no option".
    pub(crate) fn holds(&self, expr: &Expr, answers: &Effective<'_>) -> bool {
        match expr {
            Expr::Name(name) => match self.condition(name) {
                Some(named) => self.holds(named.when.expr(), answers),
                None => answers.get(name.as_str()).and_then(|a| a.as_bool()) == Some(true),
            },
            Expr::Is { question, option } => {
                answers.get(question.as_str()).and_then(|a| a.as_option()) == Some(option)
            }
            Expr::Not(inner) => !self.holds(inner, answers),
            Expr::All(parts) => parts.iter().all(|p| self.holds(p, answers)),
            Expr::Any(parts) => parts.iter().any(|p| self.holds(p, answers)),
        }
    }

    fn applies(&self, question: &Question, answers: &Effective<'_>) -> bool {
        match &question.ask_if {
            Some(condition) => self.holds(condition.expr(), answers),
            None => true,
        }
    }

    /// Walks the questions in order: an answer counts only if its question applies given
    /// the answers that counted before it; the walk stops at the first question that
    /// applies and has no answer.
    pub(crate) fn walk<'q, 'a>(&'q self, answers: &'a Answers) -> Walk<'q, 'a> {
        let mut effective = Effective::new();
        let mut asked = Vec::new();
        let mut next = None;
        for question in &self.questions {
            if !self.applies(question, &effective) {
                continue;
            }
            match answers.0.get_key_value(question.id.as_str()) {
                Some((id, value)) => {
                    effective.insert(id.as_str(), value);
                    asked.push((question, value));
                }
                None => {
                    next = Some(question);
                    break;
                }
            }
        }
        let ignored = answers
            .0
            .keys()
            .filter(|id| !effective.contains_key(id.as_str()))
            .cloned()
            .collect();
        Walk {
            asked,
            next,
            ignored,
        }
    }

    /// The first contradiction the raw answers (ignored ones included) run into.
    pub(crate) fn contradiction(&self, answers: &Answers) -> Option<&Contradiction> {
        let all: Effective<'_> = answers.0.iter().map(|(k, v)| (k.as_str(), v)).collect();
        self.contradictions
            .iter()
            .find(|c| self.holds(c.when.expr(), &all))
    }

    fn validate(&self) -> Result<(), ClassifyError> {
        self.validate_ids()?;
        for (at, named) in self.conditions.iter().enumerate() {
            self.validate_condition(&named.when, &named.name, &self.conditions[..at])?;
        }
        for (at, question) in self.questions.iter().enumerate() {
            if let Some(ask_if) = &question.ask_if {
                let context = format!("ask_if of `{}`", question.id);
                self.validate_condition(ask_if, &context, &self.conditions)?;
                self.validate_asks_only_earlier(ask_if.expr(), at, &context)?;
            }
        }
        for contradiction in &self.contradictions {
            self.validate_condition(&contradiction.when, "a contradiction", &self.conditions)?;
        }
        Ok(())
    }

    fn validate_ids(&self) -> Result<(), ClassifyError> {
        let mut seen = BTreeSet::new();
        let names = self.questions.iter().map(|q| &q.id);
        for id in names.chain(self.conditions.iter().map(|c| &c.name)) {
            if !is_snake_case(id) {
                return Err(invalid(format!("`{id}` is not lower_snake_case")));
            }
            if !seen.insert(id) {
                return Err(invalid(format!(
                    "`{id}` is defined twice (question ids and condition names share one namespace)"
                )));
            }
        }
        Ok(())
    }

    /// Every name is a known question used the right way, or one of `visible` conditions.
    fn validate_condition(
        &self,
        condition: &Condition,
        context: &str,
        visible: &[NamedCondition],
    ) -> Result<(), ClassifyError> {
        let mut problem = None;
        condition.expr().for_each_name(&mut |name, option| {
            if problem.is_none() {
                problem = self.name_problem(name, option, visible).err();
            }
        });
        match problem {
            Some(message) => Err(invalid(format!(
                "{context} (`{}`): {message}",
                condition.source()
            ))),
            None => Ok(()),
        }
    }

    fn name_problem(
        &self,
        name: &str,
        option: Option<&str>,
        visible: &[NamedCondition],
    ) -> Result<(), String> {
        if visible.iter().any(|c| c.name == name) {
            return match option {
                None => Ok(()),
                Some(_) => Err(format!("condition `{name}` cannot be compared with ==")),
            };
        }
        let Some(question) = self.question(name) else {
            return Err(format!(
                "`{name}` is neither a question nor a condition defined above"
            ));
        };
        match (question.kind, option) {
            (QuestionKind::YesNo, None) => Ok(()),
            (QuestionKind::YesNo, Some(_)) => Err(format!(
                "`{name}` is a yes/no question; use `{name}` or `!{name}`, not =="
            )),
            (QuestionKind::Choice, None) => Err(format!(
                "`{name}` is a choice question; compare it: {name} == 'option'"
            )),
            (QuestionKind::Choice, Some(option)) => {
                if question.options.iter().any(|o| o.id == option) {
                    Ok(())
                } else {
                    Err(format!(
                        "`{name}` has no option '{option}'; options: {}",
                        accepted(question)
                    ))
                }
            }
        }
    }

    /// An `ask_if` may only look back, through named conditions too.
    fn validate_asks_only_earlier(
        &self,
        expr: &Expr,
        position: usize,
        context: &str,
    ) -> Result<(), ClassifyError> {
        for name in self.questions_named(expr) {
            match self.position(&name) {
                Some(at) if at < position => {}
                _ => {
                    return Err(invalid(format!(
                        "{context} depends on `{name}`, which is not asked before it"
                    )))
                }
            }
        }
        Ok(())
    }

    /// The question ids an expression depends on, through named conditions.
    fn questions_named(&self, expr: &Expr) -> BTreeSet<String> {
        let mut found = BTreeSet::new();
        expr.for_each_name(&mut |name, _| match self.condition(name) {
            Some(named) => found.extend(self.questions_named(named.when.expr())),
            None => {
                found.insert(name.to_string());
            }
        });
        found
    }

    fn with_contradiction_questions(mut self) -> Self {
        let named: Vec<Vec<String>> = self
            .contradictions
            .iter()
            .map(|c| self.questions_named(c.when.expr()).into_iter().collect())
            .collect();
        for (contradiction, questions) in self.contradictions.iter_mut().zip(named) {
            contradiction.questions = questions;
        }
        self
    }
}

impl Question {
    /// The answers this question accepts, for messages.
    pub fn accepted(&self) -> String {
        accepted(self)
    }

    /// Whether `value` is an acceptable answer.
    pub fn accepts(&self, value: &AnswerValue) -> bool {
        match self.kind {
            QuestionKind::YesNo => value.as_bool().is_some(),
            QuestionKind::Choice => value
                .as_option()
                .is_some_and(|id| self.options.iter().any(|o| o.id == id)),
        }
    }

    /// The option with this id.
    pub fn option(&self, id: &str) -> Option<&ChoiceOption> {
        self.options.iter().find(|o| o.id == id)
    }
}

fn accepted(question: &Question) -> String {
    match question.kind {
        QuestionKind::YesNo => "true or false (yes / no)".to_string(),
        QuestionKind::Choice => question
            .options
            .iter()
            .map(|o| format!("'{}'", o.id))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

fn invalid(message: String) -> ClassifyError {
    ClassifyError::Questionnaire(message)
}

fn is_snake_case(id: &str) -> bool {
    !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn parse_condition(source: &str, context: &str) -> Result<Condition, ClassifyError> {
    Condition::parse(source).map_err(|e| invalid(format!("{context}: {e}")))
}

fn named_condition(raw: RawCondition) -> Result<NamedCondition, ClassifyError> {
    let when = parse_condition(&raw.when, &format!("condition `{}`", raw.name))?;
    Ok(NamedCondition {
        name: raw.name,
        when,
        doc: raw.doc,
    })
}

fn question(raw: RawQuestion) -> Result<Question, ClassifyError> {
    let context = format!("question `{}`", raw.id);
    let ask_if = raw
        .ask_if
        .as_deref()
        .map(|source| parse_condition(source, &context))
        .transpose()?;
    check_shape(&raw, &context)?;
    Ok(Question {
        id: raw.id,
        text: raw.text,
        kind: raw.kind,
        citation: raw.citation,
        help: raw.help.trim().to_string(),
        ask_if,
        confidence: raw.confidence,
        if_yes: raw.if_yes,
        if_no: raw.if_no,
        options: raw.option,
    })
}

/// Yes/no questions say what each answer establishes; choice questions have at least two
/// distinct options.
fn check_shape(raw: &RawQuestion, context: &str) -> Result<(), ClassifyError> {
    match raw.kind {
        QuestionKind::YesNo => {
            if raw.if_yes.is_none() || raw.if_no.is_none() || !raw.option.is_empty() {
                return Err(invalid(format!(
                    "{context}: a yes_no question needs if_yes and if_no and no options"
                )));
            }
        }
        QuestionKind::Choice => {
            let ids: BTreeSet<_> = raw.option.iter().map(|o| &o.id).collect();
            if raw.option.len() < 2 || ids.len() != raw.option.len() || raw.if_yes.is_some() {
                return Err(invalid(format!(
                    "{context}: a choice question needs two or more options with distinct ids, and no if_yes/if_no"
                )));
            }
            if let Some(bad) = raw.option.iter().find(|o| !is_snake_case(&o.id)) {
                return Err(invalid(format!(
                    "{context}: option id `{}` is not lower_snake_case",
                    bad.id
                )));
            }
        }
    }
    Ok(())
}

fn contradiction(raw: RawContradiction) -> Result<Contradiction, ClassifyError> {
    Ok(Contradiction {
        when: parse_condition(&raw.when, "contradiction")?,
        why: raw.why,
        questions: Vec::new(),
    })
}

//! The questionnaire in a terminal: arrow-key answers, "← back" to undo the last answer,
//! help on request, and a summary to accept at the end.
//!
//! The dialogue ([`run_with`]) talks to a [`Prompter`], so tests drive it with a script;
//! [`run`] plugs in the terminal one.

use std::io::IsTerminal;

use crate::answers::{AnswerValue, Answers};
use crate::error::ClassifyError;
use crate::questionnaire::{Question, QuestionKind, Questionnaire};
use crate::result::Classification;
use crate::{classify_with, next_question, questionnaire};

/// The menu entry that shows a question's help.
pub const HELP: &str = "? help";
/// The menu entry that undoes the last answer.
pub const BACK: &str = "← back";
/// The menu entry that accepts the summary.
pub const ACCEPT: &str = "Accept this classification";

/// What the dialogue needs from a user interface.
pub trait Prompter {
    /// Shows `prompt` and `items`, returns the index chosen.
    fn select(
        &mut self,
        prompt: &str,
        items: &[String],
        default: usize,
    ) -> Result<usize, ClassifyError>;
    /// Shows a block of text (help, the summary).
    fn show(&mut self, text: &str);
}

/// The state of one interactive classification: the answers so far, in the order given,
/// so the last one can be undone.
#[derive(Debug, Clone)]
pub struct Session<'q> {
    questionnaire: &'q Questionnaire,
    answers: Answers,
    order: Vec<String>,
    undone: Answers,
}

impl<'q> Session<'q> {
    /// A session with no answers.
    pub fn new(questionnaire: &'q Questionnaire) -> Self {
        Self {
            questionnaire,
            answers: Answers::new(),
            order: Vec::new(),
            undone: Answers::new(),
        }
    }

    /// The question to ask now, if any.
    pub fn current(&self) -> Option<&'q Question> {
        next_question(self.questionnaire, &self.answers)
    }

    /// Records the answer to `question`.
    pub fn answer(&mut self, question: &str, value: AnswerValue) {
        self.answers.set(question, value);
        self.order.retain(|id| id != question);
        self.order.push(question.to_string());
    }

    /// Undoes the last answer; returns its question id, or `None` at the start.
    pub fn back(&mut self) -> Option<String> {
        let last = self.order.pop()?;
        if let Some(value) = self.answers.remove(&last) {
            self.undone.set(&last, value);
        }
        Some(last)
    }

    /// Whether there is an answer to undo.
    pub fn can_go_back(&self) -> bool {
        !self.order.is_empty()
    }

    /// The answers so far.
    pub fn answers(&self) -> &Answers {
        &self.answers
    }

    /// The answer given before the last undo of `question`, to preselect it.
    fn previous(&self, question: &str) -> Option<&AnswerValue> {
        self.undone.get(question)
    }
}

/// Runs the questionnaire in the terminal. Refuses to start when standard input is not a
/// terminal, pointing to `--answers`.
pub fn run() -> Result<Classification, ClassifyError> {
    if !std::io::stdin().is_terminal() {
        return Err(ClassifyError::NotATerminal);
    }
    run_with(&mut TerminalPrompter)
}

/// Runs the dialogue with any prompter until the user accepts a classification.
pub fn run_with(prompter: &mut dyn Prompter) -> Result<Classification, ClassifyError> {
    let mut session = Session::new(questionnaire());
    loop {
        match session.current() {
            Some(question) => ask(prompter, &mut session, question)?,
            None => {
                let classification = classify_with(session.questionnaire, session.answers())?;
                if confirm_summary(prompter, &classification)? {
                    return Ok(classification);
                }
                session.back();
            }
        }
    }
}

/// Asks one question until it is answered or the user goes back.
fn ask(
    prompter: &mut dyn Prompter,
    session: &mut Session<'_>,
    question: &Question,
) -> Result<(), ClassifyError> {
    let answers = answer_values(question);
    let mut items: Vec<String> = answer_labels(question);
    items.push(HELP.to_string());
    if session.can_go_back() {
        items.push(BACK.to_string());
    }
    let default = session
        .previous(&question.id)
        .and_then(|prev| answers.iter().position(|a| a == prev))
        .unwrap_or(0);
    let prompt = format!("{}  [{}]", question.text, question.citation);
    loop {
        let chosen = prompter.select(&prompt, &items, default)?;
        match items.get(chosen).map(String::as_str) {
            Some(HELP) => prompter.show(&help_text(question)),
            Some(BACK) => {
                session.back();
                return Ok(());
            }
            _ => {
                if let Some(value) = answers.get(chosen) {
                    session.answer(&question.id, value.clone());
                    return Ok(());
                }
            }
        }
    }
}

fn answer_values(question: &Question) -> Vec<AnswerValue> {
    match question.kind {
        QuestionKind::YesNo => vec![AnswerValue::Bool(true), AnswerValue::Bool(false)],
        QuestionKind::Choice => question
            .options
            .iter()
            .map(|o| AnswerValue::Text(o.id.clone()))
            .collect(),
    }
}

fn answer_labels(question: &Question) -> Vec<String> {
    match question.kind {
        QuestionKind::YesNo => vec!["Yes".to_string(), "No".to_string()],
        QuestionKind::Choice => question.options.iter().map(|o| o.label.clone()).collect(),
    }
}

fn help_text(question: &Question) -> String {
    format!(
        "\n{}\n\n{}\n(question `{}`; {})\n",
        question.text, question.help, question.id, question.citation
    )
}

/// Shows the summary; true if the user accepts it, false to go back.
fn confirm_summary(
    prompter: &mut dyn Prompter,
    classification: &Classification,
) -> Result<bool, ClassifyError> {
    prompter.show(&classification.summary());
    let items = [ACCEPT.to_string(), BACK.to_string()];
    Ok(prompter.select("Done?", &items, 0)? == 0)
}

/// The real terminal: dialoguer menus on standard error.
struct TerminalPrompter;

impl Prompter for TerminalPrompter {
    fn select(
        &mut self,
        prompt: &str,
        items: &[String],
        default: usize,
    ) -> Result<usize, ClassifyError> {
        let theme = dialoguer::theme::ColorfulTheme::default();
        dialoguer::Select::with_theme(&theme)
            .with_prompt(prompt)
            .items(items)
            .default(default)
            .interact_opt()
            .map_err(|e| ClassifyError::Prompt(e.to_string()))?
            .ok_or_else(|| ClassifyError::Prompt("cancelled (Esc or q)".to_string()))
    }

    fn show(&mut self, text: &str) {
        eprintln!("{text}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::result::ClassResult;

    /// Picks menu entries by label, in order, and records what was shown.
    struct Script {
        picks: Vec<&'static str>,
        shown: Vec<String>,
        prompts: Vec<String>,
    }

    impl Prompter for Script {
        fn select(
            &mut self,
            prompt: &str,
            items: &[String],
            _default: usize,
        ) -> Result<usize, ClassifyError> {
            self.prompts.push(prompt.to_string());
            if self.picks.is_empty() {
                return Err(ClassifyError::Prompt(format!("script ran out at {prompt}")));
            }
            let pick = self.picks.remove(0);
            items
                .iter()
                .position(|item| item.starts_with(pick))
                .ok_or_else(|| ClassifyError::Prompt(format!("no `{pick}` in {items:?}")))
        }

        fn show(&mut self, text: &str) {
            self.shown.push(text.to_string());
        }
    }

    fn script(picks: &[&'static str]) -> Script {
        Script {
            picks: picks.to_vec(),
            shown: Vec::new(),
            prompts: Vec::new(),
        }
    }

    #[test]
    fn back_undoes_the_last_answer_and_help_does_not_answer() {
        let mut s = script(&[
            "Hardware", // item_type
            BACK,       // undo it
            "Software", // item_type again
            HELP,       // help on `published`
            "Yes",      // published
            "No",       // published_encryption
            ACCEPT,
        ]);
        let classification = run_with(&mut s).unwrap();
        assert!(matches!(
            classification.result,
            ClassResult::NotSubjectToEar { .. }
        ));
        assert_eq!(classification.path[0].answer, "software");
        assert!(s.shown.iter().any(|t| t.contains("Published means")));
        assert!(s.shown.iter().any(|t| t.starts_with("Result: not subject")));
    }

    #[test]
    fn back_from_the_summary_reopens_the_last_question() {
        let mut s = script(&["Software", "Yes", "No", BACK, "Yes", "Yes", ACCEPT]);
        let classification = run_with(&mut s).unwrap();
        let last = classification.path.last().unwrap();
        assert_eq!(last.question, "encryption_source_public");
    }

    #[test]
    fn the_first_question_offers_no_back() {
        let mut s = script(&[BACK]);
        let err = run_with(&mut s).unwrap_err();
        assert!(err.to_string().contains("no `← back`"), "{err}");
    }

    #[test]
    fn session_back_at_the_start_is_harmless() {
        let mut session = Session::new(questionnaire());
        assert_eq!(session.back(), None);
        session.answer("item_type", AnswerValue::Text("hardware".into()));
        assert_eq!(session.back().as_deref(), Some("item_type"));
        assert_eq!(session.current().map(|q| q.id.as_str()), Some("item_type"));
    }
}

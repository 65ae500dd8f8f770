//! The one error type of the crate.

use std::path::PathBuf;

/// Everything that can go wrong while loading the questionnaire or answers, or classifying.
///
/// Each message names the question or field concerned and what would have been accepted.
#[derive(Debug, thiserror::Error)]
pub enum ClassifyError {
    /// A question that applies to the item has no answer.
    #[error("missing answer to `{question}` (\"{text}\"); accepted: {accepted}")]
    Missing {
        /// The question id.
        question: String,
        /// The question as asked.
        text: String,
        /// The answers it accepts, e.g. `true or false`.
        accepted: String,
    },

    /// Answers that cannot all be true.
    #[error("contradictory answers to {}: {why}", .questions.join(", "))]
    Contradictory {
        /// The questions involved.
        questions: Vec<String>,
        /// Why they contradict each other.
        why: String,
    },

    /// An answer to a question the questionnaire does not have.
    #[error("unknown question `{question}`; known questions: {known}")]
    UnknownQuestion {
        /// The id as given.
        question: String,
        /// The ids the questionnaire has, comma-separated.
        known: String,
    },

    /// An answer that is not one of the accepted values of its question.
    #[error("invalid answer {given} to `{question}`; accepted: {accepted}")]
    InvalidAnswer {
        /// The question id.
        question: String,
        /// The value given, as written.
        given: String,
        /// The answers it accepts.
        accepted: String,
    },

    /// The answers file could not be read.
    #[error("cannot read answers file {}: {source}", .path.display())]
    Read {
        /// The file (`-` for standard input).
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },

    /// The answers file is not a flat map of question id to answer.
    #[error("answers file {} is not valid {format}: {message}; expected a map of question id to true/false or an option id, optionally under `answers:`", .path.display())]
    Parse {
        /// The file (`-` for standard input).
        path: PathBuf,
        /// `YAML` or `JSON`.
        format: &'static str,
        /// The parser's message.
        message: String,
    },

    /// The questionnaire data is malformed (a bug in `questions.toml` or an override).
    #[error("questionnaire data: {0}")]
    Questionnaire(String),

    /// The interactive questionnaire needs a terminal.
    #[error("`ace classify` asks its questions interactively and needs a terminal, but standard input is not one; pass the answers instead with `ace classify --answers FILE.yaml` (or FILE.json, or `-` for standard input)")]
    NotATerminal,

    /// The terminal prompt failed or was interrupted.
    #[error("interactive prompt failed: {0}")]
    Prompt(String),
}

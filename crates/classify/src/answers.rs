//! Answers: a flat map of question id to `true`/`false` or an option id, and loading them
//! from YAML or JSON files.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::ClassifyError;

/// The answers given so far: question id → answer.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answers(pub BTreeMap<String, AnswerValue>);

/// One answer: a yes/no, or the id of a chosen option.
///
/// YAML 1.2 reads a bare `yes` as a string, so the strings `yes`/`no`/`true`/`false` are
/// accepted for yes/no questions too.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AnswerValue {
    /// `true` / `false`.
    Bool(bool),
    /// An option id (or a spelled-out yes/no).
    Text(String),
}

impl AnswerValue {
    /// The yes/no this answer means, if it is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            AnswerValue::Bool(b) => Some(*b),
            AnswerValue::Text(text) => match text.to_ascii_lowercase().as_str() {
                "yes" | "y" | "true" => Some(true),
                "no" | "n" | "false" => Some(false),
                _ => None,
            },
        }
    }

    /// The option id this answer names, if it is text.
    pub fn as_option(&self) -> Option<&str> {
        match self {
            AnswerValue::Text(text) => Some(text),
            AnswerValue::Bool(_) => None,
        }
    }

    /// The answer as written, for messages.
    pub fn display(&self) -> String {
        match self {
            AnswerValue::Bool(b) => b.to_string(),
            AnswerValue::Text(text) => format!("'{text}'"),
        }
    }
}

impl Answers {
    /// No answers yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records (or replaces) an answer.
    pub fn set(&mut self, question: &str, value: AnswerValue) {
        self.0.insert(question.to_string(), value);
    }

    /// The answer to `question`, if given.
    pub fn get(&self, question: &str) -> Option<&AnswerValue> {
        self.0.get(question)
    }

    /// Removes the answer to `question`, returning it.
    pub fn remove(&mut self, question: &str) -> Option<AnswerValue> {
        self.0.remove(question)
    }
}

/// The two file formats accepted for answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Yaml,
    Json,
}

impl Format {
    fn name(self) -> &'static str {
        match self {
            Format::Yaml => "YAML",
            Format::Json => "JSON",
        }
    }

    /// By extension; otherwise by content (JSON starts with `{`).
    fn detect(path: &Path, text: &str) -> Self {
        let extension = path.extension().and_then(|e| e.to_str());
        match extension.map(str::to_ascii_lowercase).as_deref() {
            Some("json") => Format::Json,
            Some("yaml" | "yml") => Format::Yaml,
            _ if text.trim_start().starts_with('{') => Format::Json,
            _ => Format::Yaml,
        }
    }
}

/// Loads answers from a `.yaml`/`.yml`/`.json` file (other names: by content), or from
/// standard input when `path` is `-`.
///
/// The file is either the flat map itself or any map with the flat map under `answers:`
/// (so an archetype file can be passed as is). A `null` answer counts as not given.
pub fn load_answers(path: &Path) -> Result<Answers, ClassifyError> {
    let text = read_text(path)?;
    parse_answers(&text, path)
}

fn read_text(path: &Path) -> Result<String, ClassifyError> {
    let read_error = |source| ClassifyError::Read {
        path: path.to_path_buf(),
        source,
    };
    if path == Path::new("-") {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(read_error)?;
        Ok(text)
    } else {
        std::fs::read_to_string(path).map_err(read_error)
    }
}

/// Parses answers text; `path` names the source in errors and picks the format.
pub fn parse_answers(text: &str, path: &Path) -> Result<Answers, ClassifyError> {
    let format = Format::detect(path, text);
    let parse_error = |message: String| ClassifyError::Parse {
        path: PathBuf::from(path),
        format: format.name(),
        message,
    };
    let document: serde_json::Value = match format {
        Format::Json => serde_json::from_str(text).map_err(|e| parse_error(e.to_string()))?,
        Format::Yaml => serde_yaml::from_str(text).map_err(|e| parse_error(e.to_string()))?,
    };
    let map = answers_map(&document)
        .ok_or_else(|| parse_error("the document is not a map".to_string()))?;
    map.iter()
        .filter(|(_, value)| !value.is_null())
        .map(|(id, value)| Ok((id.clone(), answer_value(id, value)?)))
        .collect::<Result<BTreeMap<_, _>, ClassifyError>>()
        .map(Answers)
}

fn answers_map(
    document: &serde_json::Value,
) -> Option<&serde_json::Map<String, serde_json::Value>> {
    let top = document.as_object()?;
    match top.get("answers") {
        Some(serde_json::Value::Object(inner)) => Some(inner),
        _ => Some(top),
    }
}

fn answer_value(id: &str, value: &serde_json::Value) -> Result<AnswerValue, ClassifyError> {
    match value {
        serde_json::Value::Bool(b) => Ok(AnswerValue::Bool(*b)),
        serde_json::Value::String(s) => Ok(AnswerValue::Text(s.clone())),
        other => Err(ClassifyError::InvalidAnswer {
            question: id.to_string(),
            given: other.to_string(),
            accepted: "true/false or an option id (a string)".to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_and_json_give_the_same_answers() {
        let yaml = parse_answers("item_type: software\npublished: no\n", Path::new("a.yaml"));
        let json = parse_answers(
            r#"{"item_type": "software", "published": false}"#,
            Path::new("a.json"),
        );
        let (yaml, json) = (yaml.unwrap(), json.unwrap());
        assert_eq!(
            yaml.get("published").and_then(AnswerValue::as_bool),
            Some(false)
        );
        assert_eq!(
            json.get("published").and_then(AnswerValue::as_bool),
            Some(false)
        );
        assert_eq!(yaml.get("item_type"), json.get("item_type"));
    }

    #[test]
    fn content_sniffing_and_nested_answers() {
        let sniffed = parse_answers(r#"{"answers": {"x": true}}"#, Path::new("-")).unwrap();
        assert_eq!(sniffed.get("x"), Some(&AnswerValue::Bool(true)));
        let yaml =
            parse_answers("name: n\nanswers:\n  x: false\n  y: ~\n", Path::new("f")).unwrap();
        assert_eq!(yaml.0.len(), 1);
    }

    #[test]
    fn a_number_is_an_invalid_answer_naming_the_question() {
        let err = parse_answers("published: 3\n", Path::new("a.yml")).unwrap_err();
        assert!(err.to_string().contains("`published`"), "{err}");
    }

    #[test]
    fn malformed_files_name_the_format() {
        let err = parse_answers("{not json", Path::new("a.json")).unwrap_err();
        assert!(err.to_string().contains("JSON"), "{err}");
        let err = parse_answers("- a list\n", Path::new("a.yaml")).unwrap_err();
        assert!(err.to_string().contains("not a map"), "{err}");
    }
}

//! The server's settings for the web UI, read once at start (`ace serve --settings FILE`):
//! the memo's letterhead (company, address lines, a line under the name), the exporter
//! it names, and the prefix of the reference generated for a determination recorded
//! without one. A small TOML file:
//!
//! ```toml
//! [memo]
//! company = "Example Security GmbH"
//! address = ["Friedrichstraße 1", "10117 Berlin", "Germany"]
//! exporter = "Example Security GmbH (EORI DE123456789012345)"
//! department = "Export compliance"
//! reference_prefix = "EXP-"
//! ```
//!
//! Every field is optional. A file that cannot be read, is not TOML, names a field not
//! listed here or gives one a value of the wrong kind is refused with an error naming the
//! field and what is accepted, so a server never starts with a letterhead it ignored.

use serde::Deserialize;
use std::path::Path;

/// The longest text a single setting may hold (a letterhead line, not a document).
const MAX_TEXT: usize = 200;
/// The most address lines a letterhead prints.
const MAX_ADDRESS_LINES: usize = 6;
/// The prefix of a generated reference when none is configured.
pub const DEFAULT_REFERENCE_PREFIX: &str = "ACE-";

/// Everything a settings file holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    #[serde(default)]
    pub memo: MemoSettings,
}

/// The memo's letterhead and exporter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemoSettings {
    /// The company's name, at the top of the letterhead.
    #[serde(default)]
    pub company: Option<String>,
    /// The company's address, one line each.
    #[serde(default)]
    pub address: Vec<String>,
    /// The exporter the memo names (default: the company).
    #[serde(default)]
    pub exporter: Option<String>,
    /// A line under the company's name (default "Export compliance").
    #[serde(default)]
    pub department: Option<String>,
    /// Prefix of the reference generated from the record id when the determination was
    /// recorded without one (default `ACE-`).
    #[serde(default)]
    pub reference_prefix: Option<String>,
}

impl MemoSettings {
    /// The exporter the memo names: the one configured, else the company.
    pub fn exporter(&self) -> Option<&str> {
        self.exporter.as_deref().or(self.company.as_deref())
    }

    /// The reference of a determination recorded without one: the prefix and the id of
    /// the first record of its line (so the reference survives a re-decision).
    pub fn generated_reference(&self, first_record: i64) -> String {
        let prefix = self
            .reference_prefix
            .as_deref()
            .unwrap_or(DEFAULT_REFERENCE_PREFIX);
        format!("{prefix}{first_record:06}")
    }
}

/// A settings file that was refused: where, which field, and what is accepted.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("settings file {path}: cannot read it: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("settings file {path}: {field}: {message}")]
    Invalid {
        path: String,
        field: String,
        message: String,
    },
}

impl Settings {
    /// Reads and checks a settings file.
    pub fn load(path: &Path) -> Result<Settings, SettingsError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| SettingsError::Read {
            path: shown.clone(),
            source,
        })?;
        Settings::parse(&text).map_err(|(field, message)| SettingsError::Invalid {
            path: shown,
            field,
            message,
        })
    }

    /// Parses and checks settings text; an error is `(field, what is accepted)`.
    pub fn parse(text: &str) -> Result<Settings, (String, String)> {
        let deserializer = toml::Deserializer::new(text);
        let settings: Settings = serde_path_to_error::deserialize(deserializer).map_err(|e| {
            let field = e.path().to_string();
            let message = accepted(e.inner().message());
            let field = if field == "." { "(file)".into() } else { field };
            (field, message)
        })?;
        settings.check()
    }

    /// Every text is one non-empty line of at most [`MAX_TEXT`] characters; at most
    /// [`MAX_ADDRESS_LINES`] address lines.
    fn check(mut self) -> Result<Settings, (String, String)> {
        let memo = &mut self.memo;
        for (name, value) in [
            ("memo.company", &mut memo.company),
            ("memo.exporter", &mut memo.exporter),
            ("memo.department", &mut memo.department),
            ("memo.reference_prefix", &mut memo.reference_prefix),
        ] {
            if let Some(text) = value {
                *text = one_line(name, text)?;
            }
        }
        if memo.address.len() > MAX_ADDRESS_LINES {
            return Err((
                "memo.address".into(),
                format!(
                    "{} lines given; at most {MAX_ADDRESS_LINES} address lines are accepted",
                    memo.address.len()
                ),
            ));
        }
        for (i, line) in memo.address.iter_mut().enumerate() {
            *line = one_line(&format!("memo.address[{i}]"), line)?;
        }
        Ok(self)
    }
}

/// `text` trimmed, refused when empty, longer than [`MAX_TEXT`] or on several lines.
fn one_line(field: &str, text: &str) -> Result<String, (String, String)> {
    let trimmed = text.trim();
    let refuse = |why: &str| {
        Err((
            field.to_string(),
            format!("{why}; one line of text of 1 to {MAX_TEXT} characters is accepted"),
        ))
    };
    if trimmed.is_empty() {
        return refuse("empty");
    }
    if trimmed.chars().count() > MAX_TEXT {
        return refuse("too long");
    }
    if trimmed.contains(['\n', '\r']) {
        return refuse("several lines");
    }
    Ok(trimmed.to_string())
}

/// The parser's message, with what the file accepts where the parser did not say.
fn accepted(message: &str) -> String {
    let message = message.trim();
    if message.starts_with("unknown field") {
        message.to_string()
    } else {
        format!(
            "{message} (accepted: [memo] with company, exporter, department and reference_prefix as strings, address as a list of strings)"
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_settings_file_is_read() {
        let s = Settings::parse(
            r#"
[memo]
company = " Example Security GmbH "
address = ["Friedrichstraße 1", "10117 Berlin"]
exporter = "Example Security GmbH (EORI DE1)"
reference_prefix = "EXP-"
"#,
        )
        .unwrap();
        assert_eq!(s.memo.company.as_deref(), Some("Example Security GmbH"));
        assert_eq!(s.memo.address, ["Friedrichstraße 1", "10117 Berlin"]);
        assert_eq!(s.memo.exporter(), Some("Example Security GmbH (EORI DE1)"));
        assert_eq!(s.memo.generated_reference(42), "EXP-000042");
    }

    #[test]
    fn an_empty_file_is_the_defaults_and_the_exporter_defaults_to_the_company() {
        assert_eq!(Settings::parse("").unwrap(), Settings::default());
        let s = Settings::parse("[memo]\ncompany = \"Acme\"").unwrap();
        assert_eq!(s.memo.exporter(), Some("Acme"));
        assert_eq!(s.memo.generated_reference(7), "ACE-000007");
    }

    #[test]
    fn a_misspelt_field_is_named_with_the_fields_accepted() {
        let (field, message) = Settings::parse("[memo]\ncompnay = \"Acme\"").unwrap_err();
        assert_eq!(field, "memo.compnay");
        assert!(message.contains("company"), "{message}");
        let (field, message) = Settings::parse("[letterhead]\ncompany = \"Acme\"").unwrap_err();
        assert_eq!(field, "letterhead");
        assert!(message.contains("memo"), "{message}");
    }

    #[test]
    fn a_value_of_the_wrong_kind_names_its_field_and_what_is_accepted() {
        let (field, message) = Settings::parse("[memo]\naddress = \"Berlin\"").unwrap_err();
        assert_eq!(field, "memo.address");
        assert!(message.contains("list of strings"), "{message}");
        let (field, _) = Settings::parse("[memo]\ncompany = 3").unwrap_err();
        assert_eq!(field, "memo.company");
    }

    #[test]
    fn empty_long_or_multi_line_texts_are_refused() {
        let (field, message) = Settings::parse("[memo]\ncompany = \"  \"").unwrap_err();
        assert_eq!(
            (field.as_str(), message.contains("empty")),
            ("memo.company", true)
        );
        let long = format!("[memo]\nexporter = \"{}\"", "x".repeat(201));
        assert_eq!(Settings::parse(&long).unwrap_err().0, "memo.exporter");
        let (field, _) = Settings::parse("[memo]\naddress = [\"a\", \"b\\nc\"]").unwrap_err();
        assert_eq!(field, "memo.address[1]");
        let many = format!("[memo]\naddress = [{}]", ["\"x\""; 7].join(", "));
        assert_eq!(Settings::parse(&many).unwrap_err().0, "memo.address");
    }

    #[test]
    fn a_missing_file_names_the_path() {
        let e = Settings::load(Path::new("/nonexistent/ace-settings.toml")).unwrap_err();
        assert!(
            e.to_string().contains("/nonexistent/ace-settings.toml"),
            "{e}"
        );
    }
}

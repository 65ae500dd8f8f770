use serde::Serialize;

/// A rejected transaction: which field, and what is accepted there.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[error("{field}: {message}")]
pub struct InputError {
    /// The JSON path of the field (`item.eccn`, `end_user.kind`).
    pub field: String,
    pub message: String,
    /// True when the input is well-formed but asks something ace does not decide.
    pub outside_scope: bool,
}

impl InputError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        InputError {
            field: field.into(),
            message: message.into(),
            outside_scope: false,
        }
    }

    pub fn outside(field: impl Into<String>, message: impl Into<String>) -> Self {
        InputError {
            outside_scope: true,
            ..InputError::new(field, message)
        }
    }
}

use std::path::PathBuf;

/// Errors from loading or querying the regulatory data.
#[derive(Debug, thiserror::Error)]
pub enum EarError {
    #[error("rules file {file}: {message}")]
    Parse { file: String, message: String },
    #[error("rules file {file}: {field}: {message}")]
    Invalid {
        file: String,
        field: String,
        message: String,
    },
    #[error("cannot read rules directory {dir}: {source}")]
    Io {
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("rules directory {dir} has no file ace knows (expected one or more of: {expected})")]
    EmptyOverride { dir: PathBuf, expected: String },
}

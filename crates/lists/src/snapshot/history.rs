//! The activation history: every snapshot made active, oldest first, in `HISTORY`
//! beside `ACTIVE`.
//!
//! One JSON object per line (JSON Lines):
//!
//! ```text
//! {"at":"2026-08-01T09:00:00Z","hash":"3f…","action":"in_use","detail":"bundled with ace"}
//! {"at":"2026-08-01T09:00:05Z","hash":"9c…","action":"import","detail":"dpl.txt; kept EL, SDN, UN from 3f…"}
//! {"at":"2026-08-02T10:12:44Z","hash":"3f…","action":"rollback","detail":"from 9c…"}
//! ```
//!
//! The file is rewritten whole for each activation (temp file, fsync, rename), like
//! `ACTIVE`, so a reader never sees half a line. `ACTIVE` is written first: it is what
//! decides, the history explains. An `in_use` line records the snapshot that was in
//! force when the history began (the bundled one, or an `ACTIVE` written before there
//! was a history), so the first import can be rolled back.

use std::fs;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{corrupt, fsio, io_error, StoreError};

/// The history file's name, beside `ACTIVE`.
pub(crate) const HISTORY: &str = "HISTORY";

/// Why a snapshot became active.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActivationKind {
    /// It was in force when the history began (not an activation of this history's).
    InUse,
    /// An import that replaced the lists its files carry and kept the others.
    Import,
    /// An import that replaced the whole snapshot (`--replace-all`).
    ReplaceAll,
    /// `ace lists rollback`.
    Rollback,
}

impl ActivationKind {
    /// The name in `HISTORY` and in `ace lists status`.
    pub fn name(self) -> &'static str {
        match self {
            ActivationKind::InUse => "in_use",
            ActivationKind::Import => "import",
            ActivationKind::ReplaceAll => "replace_all",
            ActivationKind::Rollback => "rollback",
        }
    }
}

/// One line of `HISTORY`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Activation {
    /// When, RFC 3339 UTC.
    pub at: String,
    /// The snapshot made active.
    pub hash: String,
    pub action: ActivationKind,
    /// The files imported, the lists kept, or the snapshot rolled back from.
    #[serde(default)]
    pub detail: String,
}

/// Reads the history; a missing file is an empty history. A line that is not an
/// activation is an error naming the file and the line.
pub(crate) fn read(path: &Path) -> Result<Vec<Activation>, StoreError> {
    let text = match fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io_error(path, "cannot read")(e)),
    };
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(i, line)| {
            let activation: Activation = serde_json::from_str(line).map_err(|e| {
                corrupt(
                    path,
                    format!(
                        "line {}: not an activation ({{\"at\", \"hash\", \"action\", \"detail\"}}): {e}",
                        i + 1
                    ),
                )
            })?;
            if !super::is_hash(&activation.hash) {
                return Err(corrupt(
                    path,
                    format!("line {}: `{}` is not a snapshot hash", i + 1, activation.hash),
                ));
            }
            Ok(activation)
        })
        .collect()
}

/// Replaces the history with `history` atomically.
pub(crate) fn write(path: &Path, history: &[Activation]) -> Result<(), StoreError> {
    let mut bytes = Vec::new();
    for activation in history {
        let line = serde_json::to_vec(activation).map_err(|e| corrupt(path, e.to_string()))?;
        bytes.extend_from_slice(&line);
        bytes.push(b'\n');
    }
    fsio::replace_atomically(path, &bytes).map_err(io_error(path, "cannot write"))
}

/// The snapshot active before `current`: the newest activation of another snapshot.
pub(crate) fn previous<'h>(history: &'h [Activation], current: &str) -> Option<&'h Activation> {
    history.iter().rev().find(|a| a.hash != current)
}

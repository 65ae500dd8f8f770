//! The decision engine: the order of review of a proposed export of a cybersecurity item,
//! ending in License Exception ACE (15 CFR 740.22), with a cited trace of every rule.
//!
//! `decide` never does I/O: it takes a validated [`Transaction`] and the regulation
//! ([`ear::Law`]) and returns a [`Determination`].

pub mod ace;
mod as_of;
pub mod batch_record;
pub mod clearance;
pub mod csv_row;
mod determination;
mod error;
mod hold;
mod matrix;
pub mod memo;
mod order;
mod ownership;
mod red_flags;
mod review;
mod route;
pub mod screening;
pub mod transaction;

pub use determination::{
    Determination, Finding, Hold, HoldKind, LegKind, LegReport, Outcome, Resolution, Step,
};
pub use error::InputError;
pub use hold::decide;
pub use matrix::{matrix, matrix_with_route, MatrixRow};
pub use order::{determine, LineReport};
pub use transaction::{parse_input, Transaction, TransactionInput};

/// The one-line notice every human-readable answer ends with.
pub const NOT_LEGAL_ADVICE: &str =
    "ace gives export-compliance guidance from the regulation as encoded; it is not legal advice.";

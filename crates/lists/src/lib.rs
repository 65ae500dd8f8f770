//! The restricted-party lists in their official formats, and immutable list snapshots.
//!
//! `model` is the shared vocabulary (an [`model::Entry`] per listed party); the parsers
//! for each official format and the snapshot store are built on it.

pub mod model;

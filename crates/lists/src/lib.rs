//! The restricted-party lists in their official formats, and immutable list snapshots.
//!
//! `model` is the shared vocabulary (an [`model::Entry`] per listed party); the parsers
//! for each official format ([`formats`]) and the snapshot store are built on it.

pub mod dates;
pub mod formats;
pub mod model;
pub mod snapshot;

pub use formats::{detect, load_path, load_path_as, Format, LoadError, Loaded, ParseOptions};
pub use snapshot::{
    bundled, download_csl, staleness_warning, Covered, ImportMode, ImportOptions, Snapshot,
    SnapshotMeta, SnapshotStore, SourceMeta,
};

//! Two things for the bundled snapshot.
//!
//! The list files compiled into the binary, as zstd frames in `OUT_DIR` (`*.zst`): 11 MB of
//! JSON and XML take ≈ 1 MB so, and they are read only when the bundled snapshot is worked
//! out (a first start; its meta and index are kept afterwards). The decompressed bytes are
//! the files' bytes, so their SHA-256 — and the snapshot's hash — are unchanged.
//!
//! `ACE_BUNDLED_KEY`: a SHA-256 over everything that decides what the bundled
//! snapshot is — the list files compiled into the binary, this crate's
//! sources (the parsers) and the workspace's `Cargo.lock`. It names the
//! directory where the bundled snapshot's meta and index are kept once worked
//! out (`src/snapshot/derived.rs`), so a binary never reads what another
//! binary's bundled data gave.

use std::path::{Path, PathBuf};

#[path = "../../build/fingerprint.rs"]
mod fingerprint;

/// The list files compiled in, and the name of each one's frame in `OUT_DIR`.
const BUNDLED: [(&str, &str); 2] = [
    (
        "../../data/lists/csl/consolidated_2026-07-31.json",
        "csl.json.zst",
    ),
    ("../../data/lists/un/UN_consolidated.xml", "un.xml.zst"),
];

fn main() {
    let root = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let hex = fingerprint::of_crate(&root, &["../../Cargo.lock", BUNDLED[0].0, BUNDLED[1].0]);
    println!("cargo:rustc-env=ACE_BUNDLED_KEY={hex}");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default());
    for (file, name) in BUNDLED {
        compress(&root.join(file), &out.join(name));
    }
}

/// Writes `from` as one zstd frame (with its content size) to `to`.
fn compress(from: &Path, to: &Path) {
    let bytes =
        std::fs::read(from).unwrap_or_else(|e| panic!("bundled list file {}: {e}", from.display()));
    let mut frame = Vec::with_capacity(zstd_safe::compress_bound(bytes.len()));
    // Level 12: a fifth of level 19's build time for nearly its ratio on these files.
    zstd_safe::compress(&mut frame, &bytes, 12)
        .unwrap_or_else(|code| panic!("zstd: {}", zstd_safe::get_error_name(code)));
    std::fs::write(to, frame).unwrap_or_else(|e| panic!("{}: {e}", to.display()));
}

//! `SCREEN_CODE_FINGERPRINT`: a SHA-256 over everything that decides what a
//! screening index holds — this crate's sources and data, the `Entry` model
//! it reads, and the workspace's `Cargo.lock` (the versions of the
//! normalisation dependencies and of the hasher the index keys use). An index
//! file carries the fingerprint of the code that built it, and other code
//! builds its own instead of trusting it (`src/flat.rs`).

use std::path::PathBuf;

#[path = "../../build/fingerprint.rs"]
mod fingerprint;

fn main() {
    let root = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let hex = fingerprint::of_crate(&root, &["../lists/src/model.rs", "../../Cargo.lock"]);
    println!("cargo:rustc-env=SCREEN_CODE_FINGERPRINT={hex}");
}

//! `SCREEN_CODE_FINGERPRINT`: a SHA-256 over everything that decides what a
//! screening index holds — this crate's sources and data, the `Entry` model
//! it reads, and the workspace's `Cargo.lock` (the versions of the
//! normalisation dependencies and of the hasher the index keys use). An index
//! file carries the fingerprint of the code that built it, and other code
//! builds its own instead of trusting it (`src/flat.rs`).

use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(read) = std::fs::read_dir(dir) else {
        return;
    };
    for e in read.flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else {
            out.push(p);
        }
    }
}

fn main() {
    let root = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let mut inputs = Vec::new();
    files(&root.join("src"), &mut inputs);
    files(&root.join("data"), &mut inputs);
    inputs.push(root.join("Cargo.toml"));
    inputs.push(root.join("../lists/src/model.rs"));
    inputs.push(root.join("../../Cargo.lock"));
    inputs.sort();
    let mut h = Sha256::new();
    for p in &inputs {
        println!("cargo:rerun-if-changed={}", p.display());
        let rel = p.strip_prefix(&root).unwrap_or(p);
        h.update(rel.to_string_lossy().as_bytes());
        h.update([0]);
        if let Ok(bytes) = std::fs::read(p) {
            h.update((bytes.len() as u64).to_le_bytes());
            h.update(&bytes);
        }
    }
    println!("cargo:rerun-if-changed={}", root.join("src").display());
    println!("cargo:rerun-if-changed={}", root.join("data").display());
    let hex: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
    println!("cargo:rustc-env=SCREEN_CODE_FINGERPRINT={hex}");
}

//! `ACE_BUNDLED_KEY`: a SHA-256 over everything that decides what the bundled
//! snapshot is — the list files compiled into the binary, this crate's
//! sources (the parsers) and the workspace's `Cargo.lock`. It names the
//! directory where the bundled snapshot's meta and index are kept once worked
//! out (`src/snapshot/derived.rs`), so a binary never reads what another
//! binary's bundled data gave.

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
    inputs.push(root.join("../../Cargo.lock"));
    inputs.push(root.join("../../data/lists/csl/consolidated_2026-07-31.json"));
    inputs.push(root.join("../../data/lists/un/UN_consolidated.xml"));
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
    println!("cargo:rustc-env=ACE_BUNDLED_KEY={hex}");
}

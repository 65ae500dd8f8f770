//! The fingerprint of a crate's own inputs, shared by the build scripts that need one
//! (crates/lists/build.rs, crates/screen/build.rs include this file with `#[path]`): a
//! SHA-256 over the crate's `src/` and `data/` trees, its `Cargo.toml` and the other files
//! named, each as its path relative to the crate, its length and its bytes, in path order.
//! Every file is also a `cargo:rerun-if-changed`, so the fingerprint is computed again when
//! one changes.

use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// The hex SHA-256 over the crate at `root` and the `others` (paths relative to `root`).
pub fn of_crate(root: &Path, others: &[&str]) -> String {
    let mut inputs = Vec::new();
    files(&root.join("src"), &mut inputs);
    files(&root.join("data"), &mut inputs);
    inputs.push(root.join("Cargo.toml"));
    inputs.extend(others.iter().map(|p| root.join(p)));
    inputs.sort();
    let mut h = Sha256::new();
    for p in &inputs {
        println!("cargo:rerun-if-changed={}", p.display());
        let rel = p.strip_prefix(root).unwrap_or(p);
        h.update(rel.to_string_lossy().as_bytes());
        h.update([0]);
        if let Ok(bytes) = std::fs::read(p) {
            h.update((bytes.len() as u64).to_le_bytes());
            h.update(&bytes);
        }
    }
    // A file added to either tree changes the directory, not a file watched so far.
    println!("cargo:rerun-if-changed={}", root.join("src").display());
    println!("cargo:rerun-if-changed={}", root.join("data").display());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Every file below `dir`, recursively (none when it does not exist).
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

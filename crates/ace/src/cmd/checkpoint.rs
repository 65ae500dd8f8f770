//! `ace records checkpoint`, `ace records verify --against`, `ace records verify-export`
//! and the server's periodic checkpoints: the chain's head signed with a key kept outside
//! the database, and the records checked against such anchors (`records::checkpoint`
//! does the work; this is flags, files and printing).

use super::bad;
use super::records::print_verify;
use crate::cli::CheckpointArgs;
use crate::context::Context;
use crate::exit;
use anyhow::{Context as _, Result};
use records::checkpoint::{
    check_anchor, public_key_path, spawn_periodic, write_checkpoint, Anchor, Checkpoint,
    Checkpointer, Periodic, SigningKey,
};
use records::{BrokenLink, RecordStore};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// The key file in the data directory when --checkpoint-key is not given.
const KEY_FILE: &str = "checkpoint.key";
/// The checkpoint directory in the data directory when --checkpoint-dir is not given.
const CHECKPOINT_DIR: &str = "checkpoints";

fn key_path(cx: &Context, args: &CheckpointArgs) -> PathBuf {
    args.checkpoint_key
        .clone()
        .unwrap_or_else(|| cx.data_dir.join(KEY_FILE))
}

fn dir_path(cx: &Context, args: &CheckpointArgs) -> PathBuf {
    args.checkpoint_dir
        .clone()
        .unwrap_or_else(|| cx.data_dir.join(CHECKPOINT_DIR))
}

/// The signing key of --checkpoint-key (default DATA_DIR/checkpoint.key), created when
/// missing (said on standard error, with where its public key is).
fn signing_key(cx: &Context, args: &CheckpointArgs) -> Result<SigningKey> {
    let path = key_path(cx, args);
    let (key, created) = SigningKey::load_or_create(&path)
        .map_err(|e| bad(format!("--checkpoint-key (ACE_CHECKPOINT_KEY): {e}")))?;
    if created {
        eprintln!(
            "ace: created the checkpoint signing key {} (0600); its public key {} is in {}: \
             give that to whoever checks the records",
            path.display(),
            key.public_key_hex(),
            public_key_path(&path).display()
        );
    }
    Ok(key)
}

/// `ace records checkpoint`: checks the whole chain, signs its head, writes and prints
/// the checkpoint. Exit 1 (nothing signed) when the chain is broken.
pub fn checkpoint(
    cx: &Context,
    store: &dyn RecordStore,
    args: &CheckpointArgs,
    json: bool,
) -> Result<u8> {
    let key = signing_key(cx, args)?;
    match Checkpointer::new(key).next(store) {
        Ok(Some(checkpoint)) => {
            let dir = dir_path(cx, args);
            let file = write_checkpoint(&dir, &checkpoint).with_context(|| {
                format!(
                    "--checkpoint-dir: writing a checkpoint into {}",
                    dir.display()
                )
            })?;
            println!("{}", checkpoint.to_json());
            if !json {
                eprintln!(
                    "ace: checkpoint of record {} ({} records) written to {}",
                    checkpoint.head_id,
                    checkpoint.records,
                    file.display()
                );
            }
            Ok(exit::OK)
        }
        Ok(None) => {
            eprintln!("ace: no records yet: nothing to checkpoint");
            Ok(exit::OK)
        }
        Err(records::Error::Checkpoint(problem)) => {
            println!("BROKEN: {problem}");
            eprintln!("ace: {problem}");
            Ok(exit::FAILURE)
        }
        Err(e) => Err(e.into()),
    }
}

/// The public key checkpoints must carry: --public-key (hex or a file holding it), else
/// the key of --checkpoint-key when that file exists, else none (any valid signature).
pub fn pinned_key(
    cx: &Context,
    public_key: Option<&str>,
    args: &CheckpointArgs,
) -> Result<Option<String>> {
    if let Some(value) = public_key {
        return given_key(value).map(Some);
    }
    let path = key_path(cx, args);
    if !path.is_file() {
        return Ok(None);
    }
    let key = SigningKey::load(&path)
        .map_err(|e| bad(format!("--checkpoint-key (ACE_CHECKPOINT_KEY): {e}")))?;
    Ok(Some(key.public_key_hex().to_string()))
}

/// `--public-key`: 64 hex digits, or a file whose first line that is not a comment is.
fn given_key(value: &str) -> Result<String> {
    let is_key = |s: &str| s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit());
    let value = value.trim();
    if is_key(value) {
        return Ok(value.to_ascii_lowercase());
    }
    let text = std::fs::read_to_string(value).map_err(|e| {
        bad(format!(
            "--public-key: '{value}' is neither 64 hex digits nor a readable file ({e}); \
             give the public key as printed when the key was created, or its FILE.pub"
        ))
    })?;
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .filter(|l| is_key(l))
        .map(str::to_ascii_lowercase)
        .ok_or_else(|| {
            bad(format!(
                "--public-key: {value} does not hold a public key (a line of 64 hex digits, \
                 as in the FILE.pub beside the signing key)"
            ))
        })
}

/// One anchor to check and where it came from.
struct Source {
    /// The file or the text given.
    label: String,
    anchor: Anchor,
    /// The checkpoint it was read from, when it was one.
    checkpoint: Option<Checkpoint>,
}

/// The anchors of the --against values: checkpoint files (signatures checked, and the
/// signer against `pin`), every `*.json` of a directory, or hashes.
fn anchors(values: &[String], pin: Option<&str>) -> Result<Vec<Source>> {
    let mut sources = Vec::new();
    for value in values {
        let path = Path::new(value);
        if path.is_dir() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(path)
                .with_context(|| format!("--against: reading the directory {value}"))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "json"))
                .collect();
            files.sort();
            if files.is_empty() {
                return Err(bad(format!(
                    "--against {value}: the directory has no checkpoint files (*.json)"
                )));
            }
            for file in files {
                sources.push(read_checkpoint(&file, pin)?);
            }
        } else if path.is_file() {
            sources.push(read_checkpoint(path, pin)?);
        } else if let Some(anchor) = Anchor::parse(value) {
            // A hash is never also a file name: checked after the files.
            sources.push(Source {
                label: value.clone(),
                anchor,
                checkpoint: None,
            });
        } else if value.contains(std::path::MAIN_SEPARATOR) || value.ends_with(".json") {
            return Err(bad(format!(
                "--against {value}: there is no such file or directory; give a checkpoint \
                 file, a directory of them, or a head hash (64 hex digits, or ID:HASH)"
            )));
        } else {
            return Err(bad(format!(
                "--against '{value}': not a checkpoint file, a directory of checkpoint files, \
                 or a head hash (64 hex digits, or ID:HASH as `ace records verify` prints)"
            )));
        }
    }
    Ok(sources)
}

fn read_checkpoint(path: &Path, pin: Option<&str>) -> Result<Source> {
    let checkpoint = Checkpoint::read(path).map_err(|e| bad(format!("--against: {e}")))?;
    if let Some(pin) = pin.filter(|p| *p != checkpoint.public_key) {
        return Err(bad(format!(
            "--against: checkpoint file {} is signed by key {}, not by the expected key {pin} \
             (--public-key, or the key of --checkpoint-key); it is refused",
            path.display(),
            checkpoint.public_key
        )));
    }
    Ok(Source {
        label: path.display().to_string(),
        anchor: Anchor::Head(checkpoint.head()),
        checkpoint: Some(checkpoint),
    })
}

/// `ace records verify --against`: the whole chain, then every anchor. Exit 1 when the
/// chain is broken or an anchor does not hold, naming what was found.
pub fn verify_against(
    store: &dyn RecordStore,
    against: &[String],
    pin: Option<&str>,
    json: bool,
) -> Result<u8> {
    let sources = anchors(against, pin)?;
    let report = store.verify()?;
    let found = sources
        .iter()
        .map(|s| check_anchor(store, &s.anchor))
        .collect::<records::Result<Vec<_>>>()?;
    let ok = report.ok && found.iter().all(Option::is_none);
    if json {
        let out = json!({
            "ok": ok,
            "chain": report,
            "anchors": anchors_json(&sources, &found),
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        print_verify(&report);
        print_anchors(&sources, &found, pin);
    }
    Ok(if ok { exit::OK } else { exit::FAILURE })
}

/// `ace records verify-export`: the export's chain and every anchor, without a database.
pub fn verify_export(
    export: &Path,
    against: &[String],
    public_key: Option<&str>,
    json: bool,
) -> Result<u8> {
    let pin = public_key.map(given_key).transpose()?;
    let sources = anchors(against, pin.as_deref())?;
    let list: Vec<Anchor> = sources.iter().map(|s| s.anchor.clone()).collect();
    let shown = export.display().to_string();
    let checked = if shown == "-" {
        records::checkpoint::verify_export(std::io::stdin().lock(), &list)
    } else {
        let file = std::fs::File::open(export)
            .map_err(|e| bad(format!("EXPORT {shown}: cannot be read: {e}")))?;
        records::checkpoint::verify_export(std::io::BufReader::new(file), &list)
    }
    .map_err(|e| match e {
        records::Error::Checkpoint(problem) => bad(format!("EXPORT {shown}: {problem}")),
        other => other.into(),
    })?;
    let ok = checked.first_broken.is_none() && checked.anchors.iter().all(Option::is_none);
    if json {
        let out = json!({
            "ok": ok,
            "records": checked.records,
            "head": checked.head,
            "first_broken": checked.first_broken,
            "anchors": anchors_json(&sources, &checked.anchors),
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        match (&checked.first_broken, &checked.head) {
            (Some(link), _) => {
                println!("BROKEN at record {}: {}", link.id, link.problem);
                eprintln!(
                    "ace: the chain in {shown} is broken at record {}: {} (an export must \
                     hold every record, from record 1)",
                    link.id, link.problem
                );
            }
            (None, Some(head)) => println!(
                "ok: {} records in {shown}, every link holds; head: record {} hash {}",
                checked.records, head.id, head.hash
            ),
            (None, None) => println!("ok: {shown} holds no records"),
        }
        print_anchors(&sources, &checked.anchors, pin.as_deref());
    }
    Ok(if ok { exit::OK } else { exit::FAILURE })
}

fn anchors_json(sources: &[Source], found: &[Option<BrokenLink>]) -> Vec<serde_json::Value> {
    sources
        .iter()
        .zip(found)
        .map(|(s, f)| {
            json!({
                "against": s.label,
                "checkpoint": s.checkpoint,
                "ok": f.is_none(),
                "problem": f.as_ref().map(|b| b.problem.clone()),
            })
        })
        .collect()
}

fn print_anchors(sources: &[Source], found: &[Option<BrokenLink>], pin: Option<&str>) {
    for (s, f) in sources.iter().zip(found) {
        let what = match &s.checkpoint {
            Some(c) => format!(
                "checkpoint {} (record {}, {}, signed by {}{})",
                s.label,
                c.head_id,
                c.created_at,
                c.public_key,
                if pin.is_some() {
                    ""
                } else {
                    "; not pinned: give --public-key"
                }
            ),
            None => format!("anchor {}", s.label),
        };
        match f {
            None => println!("holds: {what}"),
            Some(problem) => {
                println!("FAILED: {what}: {}", problem.problem);
                eprintln!("ace: {what}: {}", problem.problem);
            }
        }
    }
}

/// `--checkpoint-every`: a number with `s`, `m`, `h` or `d`; `0` or `off` for never.
pub fn every(value: &str) -> Result<Option<Duration>> {
    let value = value.trim();
    if value == "0" || value.eq_ignore_ascii_case("off") {
        return Ok(None);
    }
    let unit = match value.chars().last() {
        Some('s') => 1,
        Some('m') => 60,
        Some('h') => 3600,
        Some('d') => 86_400,
        _ => 0,
    };
    let number = value
        .get(..value.len().saturating_sub(1))
        .and_then(|n| n.parse::<u64>().ok());
    match number.and_then(|n| n.checked_mul(unit)) {
        Some(seconds) if unit > 0 && (1..=31 * 86_400).contains(&seconds) => {
            Ok(Some(Duration::from_secs(seconds)))
        }
        _ => Err(bad(format!(
            "--checkpoint-every: '{value}' is not an interval; give a whole number with s, m, \
             h or d (e.g. 30m, 1h, 1d; at most 31d), or off (default 1h)"
        ))),
    }
}

/// Starts the server's checkpoint thread: at once, every `every` and when finished, the
/// records added since the last checkpoint are checked and the new head signed into the
/// checkpoint directory.
pub fn start_periodic(
    cx: &Context,
    store: &Arc<dyn RecordStore>,
    args: &CheckpointArgs,
    every: Duration,
) -> Result<Periodic> {
    let key = signing_key(cx, args)?;
    let dir = dir_path(cx, args);
    eprintln!(
        "ace: a checkpoint of the records every {}s into {}, signed by {}",
        every.as_secs(),
        dir.display(),
        key.public_key_hex()
    );
    spawn_periodic(Arc::clone(store), key, dir, every).context("starting the checkpoint thread")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_take_a_unit_and_off_turns_them_off() {
        let secs = |v: &str| every(v).ok().flatten().map(|d| d.as_secs());
        assert_eq!(secs("1h"), Some(3600));
        assert_eq!(secs(" 30m "), Some(1800));
        assert_eq!(secs("90s"), Some(90));
        assert_eq!(secs("1d"), Some(86_400));
        assert!(every("off").is_ok_and(|e| e.is_none()));
        assert!(every("0").is_ok_and(|e| e.is_none()));
        for wrong in ["1", "h", "-1h", "1.5h", "0s", "99d", "1w", ""] {
            let err = every(wrong).err().map(|e| e.to_string());
            assert!(
                err.as_deref()
                    .is_some_and(|e| e.contains("--checkpoint-every")),
                "{wrong}: {err:?}"
            );
        }
    }
}

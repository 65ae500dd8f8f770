//! `ace compare`: the scorer on its own.

use super::bad;
use super::screen::split_csv;
use crate::cli::{CompareArgs, KindArg};
use crate::exit;
use anyhow::{Context as _, Result};
use lists::model::PartyKind;

pub fn run(a: CompareArgs) -> Result<u8> {
    match &a.batch {
        Some(path) => batch(path),
        None => {
            let c = screen::compare(
                a.name1.as_deref().unwrap_or_default(),
                a.name2.as_deref().unwrap_or_default(),
                a.kind.map(kind),
            );
            println!("{}", serde_json::to_string(&c)?);
            Ok(exit::OK)
        }
    }
}

fn kind(k: KindArg) -> PartyKind {
    match k {
        KindArg::Person => PartyKind::Individual,
        KindArg::Vessel => PartyKind::Vessel,
        KindArg::Company | KindArg::Organization | KindArg::Entity => PartyKind::Entity,
    }
}

fn parse_kind(s: &str) -> Option<PartyKind> {
    match s.trim().to_ascii_lowercase().as_str() {
        "person" | "individual" => Some(PartyKind::Individual),
        "vessel" => Some(PartyKind::Vessel),
        "company" | "organization" | "entity" => Some(PartyKind::Entity),
        _ => None,
    }
}

fn batch(path: &std::path::Path) -> Result<u8> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut lines = text.lines();
    let header: Vec<String> = lines
        .next()
        .map(|h| {
            split_csv(h)
                .iter()
                .map(|c| c.trim().to_ascii_lowercase())
                .collect()
        })
        .unwrap_or_default();
    super::no_repeated_column(path, &header, &["name1", "name2", "kind"])?;
    let col = |n: &str| header.iter().position(|c| c == n);
    let (Some(c1), Some(c2)) = (col("name1"), col("name2")) else {
        return Err(bad(format!(
            "{}: line 1: the header must contain name1,name2 (and optionally kind)",
            path.display()
        )));
    };
    let ck = col("kind");
    for (i, line) in lines.enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let f = split_csv(line);
        let kind = match ck.and_then(|k| f.get(k)).map(|s| s.trim()).filter(|s| !s.is_empty()) {
            Some(s) => Some(parse_kind(s).ok_or_else(|| bad(format!("{}: line {}: kind: '{s}' is not one of person, company, organization, vessel, entity", path.display(), i + 2)))?),
            None => None,
        };
        let c = screen::compare(
            f.get(c1).map(String::as_str).unwrap_or(""),
            f.get(c2).map(String::as_str).unwrap_or(""),
            kind,
        );
        println!("{}", serde_json::to_string(&c)?);
    }
    Ok(exit::OK)
}

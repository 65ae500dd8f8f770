//! Product archetypes as data (`tests/archetypes/*.yaml`): each names its answers and the
//! expected result. One test runs them all and reports every failure by name.

use std::path::{Path, PathBuf};

use classify::{classify, next_question, parse_answers, questionnaire, Answers, ClassResult};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Archetype {
    name: String,
    #[allow(dead_code)]
    description: String,
    #[allow(dead_code)]
    answers: serde_yaml::Value,
    expected: Expected,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Expected {
    kind: String,
    eccn: Option<String>,
    cybersecurity_item: Option<bool>,
}

fn archetype_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/archetypes");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/archetypes exists")
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
}

/// Answers the questionnaire as a user would, in order, taking each answer from the file;
/// fails if the file lacks an answer the questionnaire asks for, or has answers it never asks.
fn walk_like_a_user(answers: &Answers) -> Result<(), String> {
    let mut given = Answers::new();
    while let Some(question) = next_question(questionnaire(), &given) {
        let value = answers.get(&question.id).ok_or_else(|| {
            format!(
                "the questionnaire asks `{}`, which has no answer",
                question.id
            )
        })?;
        given.set(&question.id, value.clone());
    }
    let unasked: Vec<&String> = answers
        .0
        .keys()
        .filter(|k| given.get(k).is_none())
        .collect();
    if unasked.is_empty() {
        Ok(())
    } else {
        Err(format!("answers never asked for: {unasked:?}"))
    }
}

fn check(path: &Path) -> Result<String, String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let archetype: Archetype = serde_yaml::from_str(&text).map_err(|e| e.to_string())?;
    let answers = parse_answers(&text, path).map_err(|e| e.to_string())?;
    walk_like_a_user(&answers)?;
    let classification = classify(&answers).map_err(|e| e.to_string())?;
    let result = &classification.result;
    let expected = &archetype.expected;
    if result.kind() != expected.kind || result.eccn() != expected.eccn.as_deref() {
        return Err(format!(
            "expected {} {:?}, got {} {:?} ({})",
            expected.kind,
            expected.eccn,
            result.kind(),
            result.eccn(),
            result.headline()
        ));
    }
    if let (
        Some(want),
        ClassResult::Eccn {
            cybersecurity_item, ..
        },
    ) = (expected.cybersecurity_item, result)
    {
        if want != *cybersecurity_item {
            return Err(format!(
                "expected cybersecurity_item {want}, got {cybersecurity_item}"
            ));
        }
    }
    if classification.path.len() != answers.0.len() {
        return Err("the path does not record every answer".to_string());
    }
    Ok(archetype.name)
}

#[test]
fn every_archetype_classifies_as_expected() {
    let files = archetype_files();
    assert!(files.len() >= 28, "only {} archetypes", files.len());
    let failures: Vec<String> = files
        .iter()
        .filter_map(|path| {
            check(path).err().map(|why| {
                let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned());
                format!("{}: {why}", stem.unwrap_or_default())
            })
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} archetypes failed:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}

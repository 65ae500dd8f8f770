//! One harness per parser: each takes arbitrary bytes, runs the parser (and whatever
//! consumes its output), and must return without panicking whatever the bytes are.
//! `fuzz/` drives them with libFuzzer for long runs; `tests/short_run.rs` replays the
//! kept corpus and a few thousand mutations of it in every test run.

use decide::{decide, TransactionInput};
use ear::{parse_date, Law, RuleFile};
use lists::formats::{parse_bytes, Format, ParseOptions};
use std::path::Path;
use std::sync::OnceLock;

/// A harness: arbitrary bytes in, no panic out.
pub type Harness = fn(&[u8]);

/// Every harness, by the name of its fuzz target and corpus directory.
pub const TARGETS: &[(&str, Harness)] = &[
    ("transaction_json", transaction_json),
    ("transaction_csv", transaction_csv),
    ("list_csl_csv", list_csl_csv),
    ("list_csl_json", list_csl_json),
    ("list_ofac_csv", list_ofac_csv),
    ("list_dpl", list_dpl),
    ("list_un_xml", list_un_xml),
    ("rules_toml", rules_toml),
    ("eccn", eccn),
    ("names", names),
];

fn law() -> &'static Law {
    static LAW: OnceLock<Law> = OnceLock::new();
    LAW.get_or_init(|| match Law::bundled() {
        Ok(l) => l,
        Err(e) => panic!("the bundled rules must load: {e}"),
    })
}

fn today() -> ear::Date {
    parse_date("2026-11-22").unwrap_or_default()
}

/// Validates and decides an input that parsed: the engine must not panic either.
fn decide_input(input: TransactionInput) {
    if let Ok(tx) = input.validate(law(), today()) {
        let _ = decide(&tx, law());
    }
}

/// The JSON transaction document of `ace check --input` and the API.
pub fn transaction_json(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(input) = decide::parse_input(text) {
            decide_input(input);
        }
    }
}

/// The CSV form of `ace batch`: a header and rows.
pub fn transaction_csv(data: &[u8]) {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(data);
    let Ok(header) = reader
        .headers()
        .map(|h| h.iter().map(str::to_string).collect::<Vec<_>>())
    else {
        return;
    };
    if decide::csv_row::check_header(&header).is_err() {
        return;
    }
    for record in reader.records().take(64).flatten() {
        let fields: Vec<&str> = record.iter().collect();
        if let Ok(input) = decide::csv_row::from_row(&header, &fields) {
            decide_input(input);
        }
    }
}

fn list(format: Format, name: &str, data: &[u8]) {
    for lenient in [false, true] {
        let _ = parse_bytes(format, Path::new(name), data, &ParseOptions { lenient });
    }
}

pub fn list_csl_csv(data: &[u8]) {
    list(Format::CslCsv, "consolidated.csv", data);
}

pub fn list_csl_json(data: &[u8]) {
    list(Format::CslJson, "consolidated.json", data);
}

pub fn list_ofac_csv(data: &[u8]) {
    list(Format::OfacCsv, "sdn.csv", data);
}

pub fn list_dpl(data: &[u8]) {
    list(Format::Dpl, "dpl.txt", data);
}

pub fn list_un_xml(data: &[u8]) {
    list(Format::UnXml, "consolidated.xml", data);
}

/// A rules-data file: the first byte picks which file the rest replaces.
pub fn rules_toml(data: &[u8]) {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let file = RuleFile::ALL[pick as usize % RuleFile::ALL.len()];
    if let Ok(text) = std::str::from_utf8(rest) {
        if let Ok(law) = Law::with_texts(&[(file, text)]) {
            let _ = law.resolve_destination("CN", today());
        }
    }
}

pub fn eccn(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(e) = text.parse::<ear::Eccn>() {
            let _ = law().is_cybersecurity_item(&e);
            let _ = e.expand();
        }
    }
}

/// Two names, split at the first newline, through the screening scorer.
pub fn names(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let (a, b) = text.split_once('\n').unwrap_or((&text, ""));
    let c = screen::compare(a, b, None);
    assert!(
        (0.0..=1.0).contains(&c.score),
        "score {} out of range for {a:?} / {b:?}",
        c.score
    );
}

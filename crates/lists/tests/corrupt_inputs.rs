//! Corrupted inputs give errors, never panics.

use std::path::{Path, PathBuf};

use lists::formats::ofac::{self, FileBytes, OfacFiles, OfacSet};
use lists::formats::{parse_bytes, Format, ParseOptions};
use proptest::prelude::*;

fn data(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../data/lists")
        .join(rel)
}

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(data(rel)).unwrap_or_default()
}

fn error_of(format: Format, bytes: &[u8]) -> String {
    match parse_bytes(
        format,
        Path::new("test.file"),
        bytes,
        &ParseOptions::default(),
    ) {
        Ok(parsed) => panic!(
            "{format} accepted bad input ({} entries)",
            parsed.entries.len()
        ),
        Err(e) => e.to_string(),
    }
}

#[test]
fn invalid_utf8_in_csl_names_line_and_field() {
    let mut bytes = read("csl/consolidated_sample_2025-06.csv");
    let at = bytes
        .windows(16)
        .position(|w| w == b"Atlas Sanatgaran")
        .unwrap_or(0);
    bytes[at] = 0xFF;
    let message = error_of(Format::CslCsv, &bytes);
    assert!(
        message.contains("line 3, field `name`: expected UTF-8 text"),
        "{message}"
    );
}

#[test]
fn wrong_column_counts() {
    let csl = b"_id,source,name,alt_names\n\"1\",\"SDN\",\"X\"\n";
    let message = error_of(Format::CslCsv, csl);
    assert!(
        message.contains("line 2, field `alt_names`: expected 4 columns"),
        "{message}"
    );
    let sdn = b"36,\"AEROCARIBBEAN AIRLINES\",-0- ,\"CUBA\"\r\n";
    let message = error_of(Format::OfacCsv, sdn);
    assert!(
        message.contains(
            "line 1, field `Title`: expected 12 comma-separated columns, found 4 columns"
        ),
        "{message}"
    );
    let mut dpl = read("bis_dpl/dpl.txt");
    dpl.extend_from_slice(b"\"ONLY\"\t\"TWO\"\n");
    let message = error_of(Format::Dpl, &dpl);
    assert!(
        message.contains("field `City`: expected 12 tab-separated columns"),
        "{message}"
    );
}

#[test]
fn truncated_files() {
    for (format, rel) in [
        (Format::CslJson, "csl/consolidated_sample_2025-06.csv"),
        (Format::UnXml, "un/UN_consolidated.xml"),
        (Format::Dpl, "bis_dpl/dpl.txt"),
        (Format::OfacCsv, "ofac_sdn/sdn.csv"),
    ] {
        let bytes = read(rel);
        let cut = &bytes[..bytes.len() / 2];
        if format == Format::CslJson {
            let json = read("csl/consolidated_2026-07-31.json");
            let message = error_of(format, &json[..json.len() / 3]);
            assert!(message.contains("field `results`"), "{message}");
            continue;
        }
        let message = error_of(format, cut);
        assert!(message.contains("test.file: line "), "{format}: {message}");
    }
    let message = error_of(Format::UnXml, &read("un/UN_consolidated.xml")[..500_000]);
    assert!(message.contains("expected closing tag"), "{message}");
}

#[test]
fn binary_garbage() {
    let garbage: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    for format in Format::ALL {
        let _ = error_of(format, &garbage);
    }
}

#[test]
fn bad_json_types_name_the_key() {
    let json = br#"{"results": [
  {"source": "Entity List (EL) - Bureau of Industry and Security", "id": "a", "name": "A"},
  {"source": "Entity List (EL) - Bureau of Industry and Security", "id": "b", "name": 5, "alt_names": {"x": 1}}
]}"#;
    let message = error_of(Format::CslJson, json);
    assert!(
        message.contains("line 3, field `results[1].alt_names`: expected"),
        "{message}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn no_parser_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        for format in Format::ALL {
            for lenient in [false, true] {
                let _ = parse_bytes(format, Path::new("fuzz"), &bytes, &ParseOptions { lenient });
            }
        }
        let file = FileBytes { path: Path::new("fuzz"), bytes: &bytes };
        let files = OfacFiles { primary: file, alt: Some(file), add: Some(file), comments: Some(file) };
        let _ = ofac::parse(&files, OfacSet::Consolidated, &ParseOptions::default());
    }

    #[test]
    fn no_parser_panics_on_mutated_real_prefixes(cut in 0usize..6000, flip in 0usize..6000, byte in any::<u8>()) {
        for (format, rel) in [
            (Format::CslCsv, "csl/consolidated_sample_2025-06.csv"),
            (Format::Dpl, "bis_dpl/dpl.txt"),
            (Format::UnXml, "un/UN_consolidated.xml"),
            (Format::OfacCsv, "ofac_sdn/sdn.csv"),
        ] {
            let mut bytes = read(rel);
            bytes.truncate(cut.min(bytes.len()));
            if let Some(b) = bytes.get_mut(flip) {
                *b = byte;
            }
            let _ = parse_bytes(format, Path::new("fuzz"), &bytes, &ParseOptions::default());
        }
        let json = br#"{"results":[{"source":"SDN","id":"1","name":"A","alt_names":["B"],"addresses":[{"country":"IR"}]}]}"#;
        let mut json = json.to_vec();
        json.truncate(cut.min(json.len()));
        if let Some(b) = json.get_mut(flip) {
            *b = byte;
        }
        let _ = parse_bytes(Format::CslJson, Path::new("fuzz"), &json, &ParseOptions::default());
    }
}

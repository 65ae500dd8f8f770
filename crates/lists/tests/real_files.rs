//! The parsers on the real list files in `data/lists` (counts from its README).

use std::collections::BTreeMap;
use std::path::PathBuf;

use lists::formats::{load_path, load_path_as, Format, Loaded, ParseOptions};
use lists::model::{AliasKind, Entry, ListId, PartyKind};

fn data(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../data/lists")
        .join(rel)
}

fn load(rel: &str) -> Loaded {
    match load_path(&data(rel), &ParseOptions::default()) {
        Ok(loaded) => loaded,
        Err(e) => panic!("{rel}: {e}"),
    }
}

fn counts(loaded: &Loaded) -> BTreeMap<ListId, usize> {
    let mut counts = BTreeMap::new();
    for e in &loaded.entries {
        *counts.entry(e.list).or_default() += 1;
    }
    counts
}

fn find<'a>(loaded: &'a Loaded, list: ListId, name: &str) -> &'a Entry {
    match loaded
        .entries
        .iter()
        .find(|e| e.list == list && e.name == name)
    {
        Some(e) => e,
        None => panic!("{name} not found in {list:?}"),
    }
}

fn alias_names(entry: &Entry, kind: AliasKind) -> Vec<&str> {
    entry
        .aliases
        .iter()
        .filter(|a| a.kind == kind)
        .map(|a| a.name.as_str())
        .collect()
}

#[test]
fn csl_json_full_list() {
    let loaded = load("csl/consolidated_2026-07-31.json");
    assert_eq!(loaded.format, Format::CslJson);
    assert_eq!(loaded.source_date.as_deref(), Some("2026-07-31"));
    let counts = counts(&loaded);
    // 25,921 results; rows sharing list, id and name (one party, several addresses) merge.
    assert_eq!(counts[&ListId::Sdn], 19_181);
    assert!(
        loaded.warnings.iter().any(|w| w.contains("168 results")),
        "{:?}",
        loaded.warnings
    );
    assert_eq!(loaded.entries.len(), 25_921 - 168);
    // 3,420 Entity List results, 3,336 distinct (id, name) pairs.
    assert_eq!(counts[&ListId::EntityList], 3_336);
    assert_eq!(loaded.lines.len(), loaded.entries.len());
}

#[test]
fn csl_json_spyware_vendors_on_the_entity_list() {
    let loaded = load("csl/consolidated_2026-07-31.json");
    for name in [
        "NSO Group",
        "Candiru",
        "Intellexa S.A.",
        "Cytrox AD",
        "Positive Technologies",
    ] {
        let entry = find(&loaded, ListId::EntityList, name);
        assert!(
            entry
                .license_requirement
                .as_deref()
                .is_some_and(|r| r.contains("744.11")),
            "{name}"
        );
        assert!(
            entry
                .license_policy
                .as_deref()
                .is_some_and(|p| p.contains("Presumption of denial")),
            "{name}"
        );
        assert!(
            entry
                .federal_register
                .as_deref()
                .is_some_and(|f| f.contains("FR")),
            "{name}"
        );
    }
    let candiru = find(&loaded, ListId::EntityList, "Candiru");
    assert_eq!(alias_names(candiru, AliasKind::Aka).len(), 7);
    assert!(alias_names(candiru, AliasKind::Aka).contains(&"Saito Tech Ltd."));
    assert_eq!(candiru.countries, ["IL"]);
}

#[test]
fn csl_csv_sample() {
    let loaded = load("csl/consolidated_sample_2025-06.csv");
    assert_eq!(loaded.format, Format::CslCsv);
    assert_eq!(loaded.entries.len(), 13);
    let counts = counts(&loaded);
    assert_eq!(counts[&ListId::Ssi], 3);
    assert_eq!(counts[&ListId::Plc], 2);
    let uvl = find(&loaded, ListId::Unverified, "Atlas Sanatgaran");
    assert_eq!(uvl.countries, ["AM"]);
}

#[test]
fn cyber_entity_list_csv() {
    let loaded = load("cyber_entity_list.csv");
    assert_eq!(loaded.entries.len(), 8);
    let positive = find(&loaded, ListId::EntityList, "Positive Technologies");
    assert_eq!(alias_names(positive, AliasKind::Aka).len(), 3);
    assert_eq!(positive.federal_register.as_deref(), Some("86 FR 60759"));
    assert_eq!(positive.start_date.as_deref(), Some("2021-11-04"));
    assert_eq!(positive.countries, ["RU"]);
}

#[test]
fn csl_partial_is_rejected_by_default_and_accepted_leniently() {
    let path = data("csl/consolidated_partial_2023-11.csv");
    let err = match load_path(&path, &ParseOptions::default()) {
        Ok(_) => panic!("a truncated file must not load"),
        Err(e) => e,
    };
    let message = err.to_string();
    assert!(
        message.contains("consolidated_partial_2023-11.csv"),
        "{message}"
    );
    assert!(message.contains("line "), "{message}");
    assert!(message.contains("field `"), "{message}");
    assert!(err.line().is_some_and(|l| l > 4_000), "{message}");

    let loaded = match load_path(&path, &ParseOptions { lenient: true }) {
        Ok(l) => l,
        Err(e) => panic!("{e}"),
    };
    // 4,228 data rows counted with the truncated one; the repeated header is skipped.
    assert_eq!(loaded.entries.len(), 4_227 - 1);
    assert!(loaded
        .warnings
        .iter()
        .any(|w| w.contains("repeated header")));
    assert!(loaded.warnings.iter().any(|w| w.contains("lenient")));
    assert_eq!(loaded.source_date.as_deref(), Some("2023-11-16"));
    let el = loaded
        .entries
        .iter()
        .filter(|e| e.list == ListId::EntityList)
        .count();
    assert_eq!(el, 919);
    let stray_and = loaded
        .entries
        .iter()
        .filter(|e| e.list == ListId::EntityList)
        .flat_map(|e| &e.aliases)
        .filter(|a| a.name.starts_with("and "))
        .count();
    assert_eq!(stray_and, 0);
}

#[test]
fn ofac_sdn() {
    let loaded = load("ofac_sdn/sdn.csv");
    assert_eq!(loaded.format, Format::OfacCsv);
    assert_eq!(loaded.entries.len(), 8_976);
    assert!(loaded.entries.iter().all(|e| e.list == ListId::Sdn));
    let maduro = find(&loaded, ListId::Sdn, "MADURO MOROS, Nicolas");
    assert_eq!(maduro.kind, PartyKind::Individual);
    assert!(
        maduro.countries.contains(&"VE".to_owned()),
        "{:?}",
        maduro.countries
    );
    let bnc = find(&loaded, ListId::Sdn, "BANCO NACIONAL DE CUBA");
    assert_eq!(alias_names(bnc, AliasKind::Weak), ["BNC"]);
    assert!(alias_names(bnc, AliasKind::Aka).contains(&"NATIONAL BANK OF CUBA"));
    assert_eq!(bnc.kind, PartyKind::Entity);
    let weak: usize = loaded
        .entries
        .iter()
        .map(|e| alias_names(e, AliasKind::Weak).len())
        .sum();
    assert!((2_400..=2_420).contains(&weak), "{weak}");
    let kinds = |k| loaded.entries.iter().filter(|e| e.kind == k).count();
    assert_eq!(kinds(PartyKind::Individual), 4_620);
    assert_eq!(kinds(PartyKind::Vessel), 406);
    assert_eq!(kinds(PartyKind::Aircraft), 277);
    let aliases: usize = loaded
        .entries
        .iter()
        .map(|e| {
            e.aliases
                .iter()
                .filter(|a| a.kind != AliasKind::Weak)
                .count()
        })
        .sum();
    assert!(aliases > 11_000, "{aliases}");
    let programs = &find(
        &loaded,
        ListId::Sdn,
        "AKTSIONERNOE OBSHCHESTVO POZITIV TEKNOLODZHIZ",
    )
    .programs;
    assert_eq!(
        programs,
        &["NPWMD", "CYBER2", "CAATSA - RUSSIA", "RUSSIA-EO14024"]
    );
}

#[test]
fn ofac_consolidated_by_program() {
    let loaded = load("ofac_cons/cons_prim.csv");
    assert_eq!(loaded.entries.len(), 442);
    let counts = counts(&loaded);
    assert_eq!(counts[&ListId::Ssi], 286);
    assert_eq!(counts[&ListId::Plc], 78);
    assert_eq!(counts[&ListId::Cmic], 68);
    assert_eq!(counts[&ListId::Capta], 1);
    assert!(!counts.contains_key(&ListId::Sdn));
}

#[test]
fn dpl_groups_parties() {
    let loaded = load("bis_dpl/dpl.txt");
    assert_eq!(loaded.format, Format::Dpl);
    // 546 distinct raw names (545 trimmed), two of them with two separate orders.
    assert_eq!(loaded.entries.len(), 547);
    let names: std::collections::BTreeSet<&str> =
        loaded.entries.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names.len(), 545);
    assert_eq!(loaded.source_date.as_deref(), Some("2023-11-28"));
    let ash = find(&loaded, ListId::DeniedPersons, "I. ASH");
    assert_eq!(ash.start_date.as_deref(), Some("2003-06-19"));
    assert_eq!(ash.end_date.as_deref(), Some("2056-06-29"));
    assert!(ash.id.starts_with("dpl-"));
    let again = load("bis_dpl/dpl.txt");
    assert_eq!(again.entries[0].id, loaded.entries[0].id, "ids are stable");
}

#[test]
fn un_consolidated() {
    let loaded = load("un/UN_consolidated.xml");
    assert_eq!(loaded.format, Format::UnXml);
    assert_eq!(loaded.entries.len(), 1_003);
    assert_eq!(loaded.source_date.as_deref(), Some("2026-02-27"));
    let kinds = |k| loaded.entries.iter().filter(|e| e.kind == k).count();
    assert_eq!(kinds(PartyKind::Individual), 730);
    assert_eq!(kinds(PartyKind::Entity), 273);
    let cyrillic = loaded
        .entries
        .iter()
        .find(|e| e.aliases.iter().any(|a| a.name == "Умаров Доку Хаматович"));
    let Some(umarov) = cyrillic else {
        panic!("no Cyrillic original-script alias")
    };
    assert!(umarov.name.contains("UMAROV"), "{}", umarov.name);
    let weak: usize = loaded
        .entries
        .iter()
        .map(|e| alias_names(e, AliasKind::Weak).len())
        .sum();
    assert!(weak > 600, "{weak}");
    assert!(loaded
        .entries
        .iter()
        .all(|e| e.aliases.iter().all(|a| !a.name.is_empty())));
    let qusay = find(
        &loaded,
        ListId::UnConsolidated,
        "QUSAY SADDAM HUSSEIN AL-TIKRITI",
    );
    assert_eq!(qusay.programs, ["Iraq"]);
    assert!(
        qusay.countries.contains(&"IQ".to_owned()),
        "{:?}",
        qusay.countries
    );
    let iranians = loaded
        .entries
        .iter()
        .filter(|e| e.countries.contains(&"IR".to_owned()))
        .count();
    assert!(iranians > 10, "{iranians}");
}

#[test]
fn explicit_format_override() {
    let path = data("csl/consolidated_sample_2025-06.csv");
    let format: Format = match "csl-csv".parse() {
        Ok(f) => f,
        Err(e) => panic!("{e}"),
    };
    let loaded = load_path_as(&path, Some(format), &ParseOptions::default());
    assert!(loaded.is_ok());
    assert!("xml".parse::<Format>().is_err());
    let wrong = load_path_as(&path, Some(Format::UnXml), &ParseOptions::default());
    assert!(wrong.is_err());
}

//! The bundled regulation: it loads, and every dated change of REGULATION.md §6–7 is there.

use ear::{parse_date, Confidence, Date, Law};

fn law() -> Law {
    Law::bundled().expect("bundled rules load")
}

fn d(s: &str) -> Date {
    parse_date(s).expect("date")
}

#[test]
fn bundled_rules_load_and_hash_is_stable() {
    let a = law();
    let b = law();
    assert_eq!(a.hash(), b.hash());
    assert_eq!(a.hash().len(), 64);
    assert!(a.overridden_files().is_empty());
}

#[test]
fn cambodia_is_in_d5_from_2021_12_09_until_state_lifted_its_embargo_on_2025_11_07() {
    let law = law();
    assert!(law.in_group("D:5", "KH", d("2022-03-07")));
    assert!(law.in_group("D:5", "KH", d("2025-11-06")));
    assert!(!law.in_group("D:5", "KH", d("2025-11-07")));
    assert!(law.in_group("D:1", "KH", d("2026-06-01")));
    let row = law
        .group("D:5")
        .expect("D:5")
        .rows_of("KH")
        .next()
        .expect("row");
    assert!(
        row.provenance.source.contains("126.1"),
        "{}",
        row.provenance.source
    );
}

#[test]
fn nicaragua_moves_from_b_to_d1_and_d5_on_2024_03_15() {
    let law = law();
    assert!(law.in_group("B", "NI", d("2024-03-14")));
    assert!(!law.in_group("D:1", "NI", d("2024-03-14")));
    assert!(!law.in_group("D:5", "NI", d("2024-03-14")));
    assert!(!law.in_group("B", "NI", d("2024-03-15")));
    assert!(law.in_group("D:1", "NI", d("2024-03-15")));
    assert!(law.in_group("D:5", "NI", d("2024-03-15")));
}

#[test]
fn cyprus_leaves_d5_when_state_lifted_its_embargo_on_2022_10_01_and_stays_in_a6() {
    let law = law();
    assert!(law.in_group("D:5", "CY", d("2022-09-30")));
    assert!(!law.in_group("D:5", "CY", d("2022-10-01")));
    assert!(!law.in_group("D:5", "CY", d("2024-05-29")));
    assert!(law.in_group("A:6", "CY", d("2024-05-30")));
    let m = law
        .membership("D:5", "CY", d("2022-06-01"))
        .expect("member");
    assert!(m.provenance.source.contains("89 FR 40369"));
    assert!(m.provenance.source.contains("2022-10-01"));
}

#[test]
fn a_group_answer_is_as_sure_as_the_dated_row_behind_it() {
    use ear::Confidence;
    let law = law();
    // The UAE's exit from D:3/D:4 on 2026-07-10 is unverified: "not in D:3" after it
    // and "in D:3" before it both rest on that row.
    assert_eq!(
        law.group_confidence("D:3", "AE", d("2026-08-01")),
        Confidence::Unverified
    );
    assert_eq!(
        law.group_confidence("D:3", "AE", d("2026-06-01")),
        Confidence::Unverified
    );
    // A country with no dated row answers with the group's own confidence.
    assert_eq!(
        law.group_confidence("D:3", "DE", d("2026-08-01")),
        Confidence::EcfrData
    );
    assert_eq!(
        law.group_confidence("D:1", "CN", d("2026-08-01")),
        Confidence::EcfrData
    );
}

#[test]
fn ns1_loses_its_x_for_australia_and_the_uk_on_2024_04_19() {
    let law = law();
    for c in ["AU", "GB"] {
        assert!(
            law.chart_cell("NS1", c, d("2024-04-18")).expect("cell").x,
            "{c}"
        );
        let after = law.chart_cell("NS1", c, d("2024-04-19")).expect("cell");
        assert!(!after.x, "{c}");
        assert!(after.provenance.source.contains("89 FR 28594"));
    }
    assert!(
        !law.chart_cell("NS1", "CA", d("2022-03-07"))
            .expect("cell")
            .x
    );
    assert!(
        law.chart_cell("NS1", "DE", d("2023-01-01"))
            .expect("cell")
            .x
    );
}

#[test]
fn ns2_has_no_x_exactly_for_a1() {
    let law = law();
    let a1 = law.group("A:1").expect("A:1");
    assert_eq!(a1.members.len(), 40);
    for c in ["DE", "JP", "TR", "GB", "IN", "ZA"] {
        assert!(
            !law.chart_cell("NS2", c, d("2023-01-01")).expect("cell").x,
            "{c}"
        );
    }
    for c in ["CN", "IL", "SG", "BR", "AE"] {
        assert!(
            law.chart_cell("NS2", c, d("2023-01-01")).expect("cell").x,
            "{c}"
        );
    }
}

#[test]
fn at1_has_no_x_anywhere() {
    let law = law();
    for c in ["IR", "CU", "KP", "SY", "CN"] {
        assert!(!law.chart_cell("AT1", c, d("2023-01-01")).expect("cell").x);
    }
}

#[test]
fn israel_is_in_d2_d3_d4_and_a6() {
    let law = law();
    let groups: Vec<&str> = law
        .groups_of("IL", d("2023-06-01"))
        .iter()
        .map(|(g, _)| *g)
        .collect();
    for g in ["D:2", "D:3", "D:4", "A:6"] {
        assert!(groups.contains(&g), "{groups:?}");
    }
    assert!(!groups.contains(&"D:1") && !groups.contains(&"D:5"));
}

#[test]
fn hong_kong_is_treated_as_china_and_names_resolve() {
    let law = law();
    let hk = law
        .resolve_destination("Hong Kong", d("2023-01-01"))
        .expect("HK");
    assert_eq!(hk.code, "CN");
    assert_eq!(hk.input_code, "HK");
    assert!(hk.treated_as.is_some());
    for (input, code) in [
        ("Burma", "MM"),
        ("Myanmar", "MM"),
        ("Macao", "MO"),
        ("Türkiye", "TR"),
        ("Turkey", "TR"),
        ("il", "IL"),
    ] {
        assert_eq!(
            law.resolve_destination(input, d("2023-01-01"))
                .expect(input)
                .code,
            code,
            "{input}"
        );
    }
    let crimea = law
        .resolve_destination("Crimea", d("2023-01-01"))
        .expect("Crimea");
    assert_eq!(
        (crimea.code.as_str(), crimea.embargo_key()),
        ("UA", "UA-43")
    );
}

#[test]
fn unknown_and_us_destinations_are_errors_that_teach() {
    let law = law();
    let e = law
        .resolve_destination("Germny", d("2023-01-01"))
        .expect_err("unknown");
    assert!(e.to_string().contains("did you mean Germany (DE)"), "{e}");
    let e = law
        .resolve_destination("USA", d("2023-01-01"))
        .expect_err("US");
    assert!(e.to_string().contains("not an export"), "{e}");
}

#[test]
fn cybersecurity_items_follow_740_22_b_1() {
    let law = law();
    for s in [
        "4A005",
        "4D004",
        "4D001.a (for 4D004)",
        "4D001.a (for 4A005 or 4D004)",
        "4E001.c",
        "5A001.j",
        "5E001.a (for 5D001.a (for 5A001.j))",
    ] {
        assert!(law.is_cybersecurity_item(&s.parse().expect(s)), "{s}");
    }
    for s in [
        "4D001.a",
        "4D001.a (for 4A001)",
        "5D001.e",
        "5A002.a",
        "EAR99",
        "5E001.a (for 5B001.a (for 5A001.j))",
    ] {
        assert!(!law.is_cybersecurity_item(&s.parse().expect(s)), "{s}");
    }
    assert!(law
        .ace_line_discrepancy(&"5E001.a (for 5B001.a (for 5A001.j))".parse().expect("eccn"))
        .is_some());
}

#[test]
fn ace_versions_switch_on_2022_05_26() {
    let law = law();
    assert!(law.ace_version(d("2022-03-06")).is_none());
    assert_eq!(law.ace_version(d("2022-03-07")).expect("v").id, "interim");
    assert_eq!(law.ace_version(d("2022-05-25")).expect("v").id, "interim");
    assert_eq!(law.ace_version(d("2022-05-26")).expect("v").id, "final");
}

#[test]
fn entry_5d001e_exists_only_from_the_final_rule() {
    let law = law();
    assert!(law.entry("5D001.e", d("2022-05-25")).is_none());
    assert!(law.entry("5D001.e", d("2022-05-26")).is_some());
}

#[test]
fn embargoes_are_dated() {
    let law = law();
    assert!(law.embargo("RU", d("2022-02-23")).is_none());
    assert_eq!(
        law.embargo("RU", d("2022-03-07")).expect("RU").section,
        "15 CFR 746.8"
    );
    assert_eq!(
        law.embargo("UA-43", d("2022-03-07"))
            .expect("Crimea")
            .section,
        "15 CFR 746.6"
    );
    assert!(law.embargo("UA", d("2022-03-07")).is_none());
    assert_eq!(
        law.embargo("CU", d("2022-03-07"))
            .expect("CU")
            .provenance
            .confidence,
        Confidence::Text
    );
}

#[test]
fn military_intelligence_destinations_include_e1_groups() {
    let law = law();
    assert!(law.military_intelligence("CN", d("2023-01-01")).is_some());
    assert!(law.military_intelligence("IR", d("2023-01-01")).is_some());
    assert!(law.military_intelligence("DE", d("2023-01-01")).is_none());
    // Settled row (docs/regulation/744.22-destinations.md): Belarus and Nicaragua were
    // brought under 744.21, not 744.22.
    for c in ["NI", "BY"] {
        assert!(
            law.military_intelligence(c, d("2024-04-01")).is_none(),
            "{c}"
        );
    }
    assert!(law.military_intelligence("KH", d("2026-06-01")).is_some());
}

#[test]
fn override_directory_replaces_one_file_and_changes_the_hash() {
    let dir = std::env::temp_dir().join(format!("ace-ear-override-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let chart = include_str!("../data/country_chart.toml").replace(
        "{ country = \"CA\", source",
        "{ country = \"CA\", source = \"test\", confidence = \"text\" },\n  { country = \"DE\", source",
    );
    std::fs::write(dir.join("country_chart.toml"), chart).expect("write");
    let law2 = Law::with_overrides(&dir).expect("override loads");
    assert_ne!(law2.hash(), law().hash());
    assert_eq!(law2.overridden_files(), ["country_chart.toml"]);
    assert!(
        !law2
            .chart_cell("NS1", "DE", d("2023-01-01"))
            .expect("cell")
            .x
    );

    std::fs::write(
        dir.join("country_chart.toml"),
        "[column.NS1]\nrule = 'sometimes'\n",
    )
    .expect("write");
    let err = Law::with_overrides(&dir).expect_err("bad file").to_string();
    assert!(err.contains("country_chart.toml"), "{err}");

    std::fs::write(dir.join("typo.toml"), "").expect("write");
    let err = Law::with_overrides(&dir)
        .expect_err("unknown file")
        .to_string();
    assert!(
        err.contains("typo.toml") && err.contains("expected one of"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn bad_values_name_the_file_and_field() {
    let dir = std::env::temp_dir().join(format!("ace-ear-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let groups = include_str!("../data/country_groups.toml")
        .replace("{ country = \"CN\" }", "{ country = \"XX\" }");
    std::fs::write(dir.join("country_groups.toml"), groups).expect("write");
    let err = Law::with_overrides(&dir).expect_err("bad code").to_string();
    assert!(
        err.contains("country_groups.toml") && err.contains("'XX'") && err.contains("members["),
        "{err}"
    );
    let groups = include_str!("../data/country_groups.toml")
        .replace("until = \"2022-10-01\"", "until = \"2022-13-01\"");
    std::fs::write(dir.join("country_groups.toml"), groups).expect("write");
    let err = Law::with_overrides(&dir).expect_err("bad date").to_string();
    assert!(err.contains("until") && err.contains("YYYY-MM-DD"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_calendar_lists_dated_changes_in_order_with_their_sources() {
    let law = law();
    let cal = law.calendar();
    assert!(cal.windows(2).all(|w| w[0].date <= w[1].date));
    let find = |what: &str, date: &str| {
        cal.iter()
            .find(|c| c.what.contains(what) && c.date == d(date))
            .unwrap_or_else(|| panic!("no '{what}' on {date}"))
    };
    assert_eq!(
        find("KH leaves Country Group D:5", "2025-11-07")
            .country
            .as_deref(),
        Some("KH")
    );
    assert!(find("NI joins Country Group D:1", "2024-03-15")
        .source
        .contains("89 FR 18780"));
    assert!(find(
        "affiliates rule (50% owned by listed parties) is in force",
        "2026-11-10"
    )
    .confidence
    .is_unverified());
    assert!(find("final rule text of 740.22", "2022-05-26")
        .country
        .is_none());
}

#[test]
fn a_date_near_a_change_gets_only_the_changes_that_concern_it() {
    let law = law();
    // 2025-11-20 is 13 days after Cambodia left D:5 and 10 days after the affiliates rule
    // was suspended.
    let near = law.changes_near(d("2025-11-20"), &["KH"]);
    assert!(near
        .iter()
        .any(|c| c.what.contains("KH leaves Country Group D:5")));
    assert!(near
        .iter()
        .any(|c| c.what.contains("affiliates rule is suspended")));
    let germany = law.changes_near(d("2025-11-20"), &["DE"]);
    assert!(germany.iter().all(|c| c.country.is_none()), "{germany:?}");
    assert!(law.changes_near(d("2023-03-01"), &["DE"]).is_empty());
}

//! The screening behaviours the product requires, on a small hand-made fixture.

use lists::model::{Alias, AliasKind, Entry, ListId, PartyKind};
use screen::{
    check_name, compare, AdjustmentKind, How, NameProblem, Query, Screener,
    DEFAULT_REVIEW_THRESHOLD, DEFAULT_THRESHOLD, MAX_NAME_CHARS,
};

fn entry(
    list: ListId,
    id: &str,
    name: &str,
    kind: PartyKind,
    aliases: &[(&str, AliasKind)],
    countries: &[&str],
) -> Entry {
    Entry {
        list,
        id: id.into(),
        name: name.into(),
        aliases: aliases
            .iter()
            .map(|(n, k)| Alias {
                name: (*n).into(),
                kind: *k,
            })
            .collect(),
        kind,
        countries: countries.iter().map(|c| (*c).into()).collect(),
        addresses: vec![],
        programs: vec![],
        license_requirement: None,
        license_policy: None,
        federal_register: None,
        start_date: None,
        end_date: None,
        remarks: None,
    }
}

fn fixture() -> Screener {
    use AliasKind::*;
    use ListId::*;
    use PartyKind::*;
    Screener::new(vec![
        entry(EntityList, "el-1", "NSO Group", Unknown, &[], &["IL"]),
        entry(
            EntityList,
            "el-2",
            "Candiru",
            Unknown,
            &[("Saito Tech Ltd.", Aka)],
            &["IL"],
        ),
        entry(
            EntityList,
            "el-3",
            "Positive Technologies",
            Unknown,
            &[
                ("JSC Positive Technologies", Aka),
                ("AO Pozitiv Teknolodzhiz", Aka),
            ],
            &["RU"],
        ),
        entry(
            Sdn,
            "sdn-1",
            "MADURO MOROS, Nicolas",
            Individual,
            &[],
            &["VE"],
        ),
        entry(
            UnConsolidated,
            "QDi.1",
            "DOKU KHAMATOVICH UMAROV",
            Individual,
            &[("Умаров Доку Хаматович", Aka)],
            &["RU"],
        ),
        entry(
            Sdn,
            "sdn-2",
            "MOHAMMED ALI HASSAN AL-BAKRI",
            Individual,
            &[("ABU FARIS", Weak)],
            &["IQ"],
        ),
        entry(
            Sdn,
            "sdn-3",
            "SAHARA TRADING GROUP LLC",
            Entity,
            &[],
            &["AE"],
        ),
        entry(
            Sdn,
            "sdn-4",
            "GLOBAL INTERNATIONAL TRADING CO., LTD.",
            Entity,
            &[],
            &["CN"],
        ),
        entry(Sdn, "sdn-5", "AL-RASHID TRUST", Entity, &[], &["PK"]),
        entry(Sdn, "sdn-6", "'ABBAS, Yasir", Individual, &[], &["LB"]),
        entry(
            Sdn,
            "sdn-7",
            "QADHAFI, Muammar Muhammad Abu Minyar",
            Individual,
            &[],
            &["LY"],
        ),
        entry(
            Sdn,
            "sdn-8",
            "IVANOV, Sergei Borisovich",
            Individual,
            &[],
            &["RU"],
        ),
        entry(
            Sdn,
            "sdn-9",
            "KHAMENEI, Ali Hoseini",
            Individual,
            &[],
            &["IR"],
        ),
        entry(Sdn, "sdn-10", "BANK MELLI IRAN", Entity, &[], &["IR"]),
    ])
}

fn hits(s: &Screener, name: &str) -> Vec<String> {
    s.screen(&Query::name(name), DEFAULT_THRESHOLD)
        .into_iter()
        .map(|m| m.id)
        .collect()
}

#[test]
fn nso_group_technologies_finds_nso_group() {
    let s = fixture();
    assert_eq!(hits(&s, "NSO Group Technologies"), vec!["el-1"]);
    assert_eq!(hits(&s, "NSO Group Technologies Ltd."), vec!["el-1"]);
}

#[test]
fn common_words_alone_do_not_hit() {
    let s = fixture();
    for q in [
        "Group",
        "Trading",
        "Mohammed",
        "Ali",
        "International",
        "Trading Group",
        "Bank",
    ] {
        assert!(hits(&s, q).is_empty(), "{q} hit {:?}", hits(&s, q));
    }
}

#[test]
fn a_legal_form_alone_never_matches() {
    let s = fixture();
    assert!(s.screen(&Query::name("LLC"), 0.0).is_empty());
    assert!(s.screen(&Query::name("Co., Ltd."), 0.0).is_empty());
    assert_eq!(compare("Ltd", "Limited", None).score, 0.0);
}

#[test]
fn surname_first_and_natural_order_match() {
    let s = fixture();
    let m = s.screen(&Query::name("Nicolas Maduro Moros"), DEFAULT_THRESHOLD);
    assert_eq!(m[0].id, "sdn-1");
    assert!(m[0].score >= 0.99, "{}", m[0].score);
    let c = compare("MADURO MOROS, Nicolas", "Nicolas Maduro Moros", None);
    assert!(c.score >= 0.99 && c.r#match);
    // Reordered without the comma still matches, a little lower.
    let r = compare("Maduro Moros Nicolas", "Nicolas Maduro Moros", None);
    assert!(r.r#match && r.score < c.score);
    assert!(r
        .explanation
        .adjustments
        .iter()
        .any(|a| a.kind == AdjustmentKind::Reordered));
}

#[test]
fn cyrillic_matches_its_romanisation() {
    let c = compare(
        "Умаров Доку Хаматович",
        "Doku Khamatovich Umarov",
        Some(PartyKind::Individual),
    );
    assert!(c.r#match, "{}", c.explanation.summary);
    // Another romanisation scheme's spelling of the patronymic.
    let v = compare("Doku Hamatovich Umarov", "Doku Khamatovich Umarov", None);
    assert!(v.r#match);
    assert_eq!(v.explanation.tokens[1].how, How::Transliteration);
    let s = fixture();
    assert_eq!(hits(&s, "Умаров Доку Хаматович"), vec!["QDi.1"]);
    assert_eq!(hits(&s, "Doku Khamatovic Umarov"), vec!["QDi.1"]);
}

#[test]
fn arabic_vowel_variants_match_phonetically() {
    let c = compare(
        "Muammar Mohammed Abu Minyar Gaddafi",
        "Muammar Muhammad Abu Minyar Qadhafi",
        None,
    );
    assert!(c.r#match, "{}", c.explanation.summary);
    assert!(c.explanation.tokens.iter().any(|t| t.how == How::Phonetic));
    let s = fixture();
    assert_eq!(hits(&s, "Yasir Abbas"), vec!["sdn-6"]);
    assert_eq!(hits(&s, "Yasir ‘Abbas"), vec!["sdn-6"]);
}

#[test]
fn legal_forms_are_canonical_and_weigh_little() {
    let c = compare(
        "Positive Technologies JSC",
        "AO Positive Technologies",
        Some(PartyKind::Entity),
    );
    assert!(c.score >= 0.95, "{}", c.explanation.summary);
    assert!(c.explanation.tokens.iter().any(|t| t.how == How::LegalForm));
    let mismatch = compare(
        "Positive Technologies LLC",
        "Positive Technologies JSC",
        Some(PartyKind::Entity),
    );
    assert!(mismatch.r#match && mismatch.score < c.score && mismatch.score > 0.9);
    let s = fixture();
    assert_eq!(
        hits(&s, "Aktsionernoe Obshchestvo Positive Technologies"),
        vec!["el-3"]
    );
    assert_eq!(hits(&s, "Saito Tech Limited"), vec!["el-2"]);
}

#[test]
fn scores_drop_with_each_typo() {
    let exact = compare("Doku Khamatovich Umarov", "Doku Khamatovich Umarov", None).score;
    let one = compare("Doku Khamatovich Umarof", "Doku Khamatovich Umarov", None).score;
    let two = compare("Doku Khamatavich Umarof", "Doku Khamatovich Umarov", None).score;
    assert_eq!(exact, 1.0);
    assert!(exact > one && one > two, "{exact} {one} {two}");
    assert!(one >= DEFAULT_THRESHOLD);
}

#[test]
fn one_typo_in_a_long_rare_token_still_hits() {
    let s = fixture();
    assert_eq!(hits(&s, "Candirru"), vec!["el-2"]);
    assert_eq!(hits(&s, "Doku Khamatovihc Umarov"), vec!["QDi.1"]);
}

/// A letter too many is found through the query's deletes: one of them is the listed
/// token's spelling (no key of the two agrees, the inserted letter being a consonant).
#[test]
fn a_letter_too_many_in_a_long_rare_token_still_hits() {
    let s = fixture();
    assert_eq!(hits(&s, "Candinru"), vec!["el-2"]);
    assert_eq!(hits(&s, "Doku Khamatovich Umarkov"), vec!["QDi.1"]);
}

/// A letter too many at either end of a token with more deletes than the index searches
/// in one batch: the first and the last of the query's deletes are each still searched.
#[test]
fn a_letter_too_many_in_a_very_long_token_still_hits() {
    let long = "Forschungsinstitutfuerinformationstechnik";
    let s = Screener::new(vec![entry(
        ListId::EntityList,
        "el-long",
        &format!("{long} GmbH"),
        PartyKind::Entity,
        &[],
        &["DE"],
    )]);
    assert_eq!(hits(&s, &format!("X{long} GmbH")), vec!["el-long"]);
    assert_eq!(hits(&s, &format!("{long}x GmbH")), vec!["el-long"]);
}

/// A letter too many in another romanisation is found through the query's deletes too:
/// one of them ("hamatovic") is the listed token's loose key, not its spelling.
#[test]
fn a_letter_too_many_in_another_romanisation_still_pairs_the_token() {
    let s = fixture();
    let matches = s.screen(&Query::name("Doku Hamatovicx Umarov"), 0.5);
    let m = matches.iter().find(|m| m.id == "QDi.1");
    let paired = m.is_some_and(|m| {
        m.explanation
            .tokens
            .iter()
            .any(|t| t.query == "hamatovicx" && t.matched == "khamatovich")
    });
    assert!(paired, "{matches:#?}");
}

#[test]
fn missing_middle_name_scores_high_but_below_exact() {
    let c = compare("Doku Umarov", "Doku Khamatovich Umarov", None);
    assert!((0.84..0.95).contains(&c.score), "{}", c.score);
}

#[test]
fn surname_only_overlap_stays_below_threshold() {
    let s = fixture();
    assert!(hits(&s, "Ruslan Umarov").is_empty());
    assert!(hits(&s, "Sergei Ivanov").is_empty() || hits(&s, "Sergei Ivanov") == vec!["sdn-8"]);
    assert!(hits(&s, "Pyotr Ivanov").is_empty());
    assert!(compare("Ruslan Umarov", "Doku Khamatovich Umarov", None).score < 0.6);
    // The surname alone is worth a look, not a hit.
    let alone = compare("Umarov", "Doku Khamatovich Umarov", None).score;
    assert!(
        (DEFAULT_REVIEW_THRESHOLD..DEFAULT_THRESHOLD).contains(&alone),
        "{alone}"
    );
}

#[test]
fn idf_makes_rare_tokens_count() {
    let s = fixture();
    // "Sahara" is rare, "Trading Group" common: the rare token carries the match.
    assert_eq!(hits(&s, "Sahara Trading Group"), vec!["sdn-3"]);
    assert!(hits(&s, "Pacific Trading Group").is_empty());
    assert!(hits(&s, "Global International Trading Co").len() <= 1);
}

#[test]
fn country_raises_or_lowers_a_little() {
    let s = fixture();
    let score = |c: Option<&str>| {
        let q = Query {
            name: "Doku Umarov".into(),
            country: c.map(str::to_string),
            kind: None,
        };
        s.screen(&q, 0.5)[0].score
    };
    let (none, same, other) = (score(None), score(Some("RU")), score(Some("FR")));
    assert!(same > none && none > other, "{same} {none} {other}");
    assert!(same - none <= 0.021 && none - other <= 0.031);
}

#[test]
fn weak_aliases_are_capped_and_flagged() {
    let s = fixture();
    let m = s.screen(&Query::name("Abu Faris"), 0.5);
    assert_eq!(m[0].id, "sdn-2");
    assert!(m[0].score <= 0.9);
    assert!(m[0].explanation.weak_alias);
    assert!(m[0]
        .explanation
        .adjustments
        .iter()
        .any(|a| a.kind == AdjustmentKind::WeakAlias));
}

#[test]
fn explanations_name_every_token_and_adjustment() {
    let s = fixture();
    let q = Query {
        name: "Doku Hamatovich Umarof Ruslanovich".into(),
        country: Some("RU".into()),
        kind: None,
    };
    let m = &s.screen(&q, 0.5)[0];
    let e = &m.explanation;
    assert_eq!(e.tokens.len(), 3);
    assert!(e
        .tokens
        .iter()
        .any(|t| t.how == How::Typo && t.distance == 1));
    assert!(e.tokens.iter().any(|t| t.how == How::Transliteration));
    assert_eq!(e.unmatched_query[0].token, "ruslanovich");
    assert!(e
        .adjustments
        .iter()
        .any(|a| a.kind == AdjustmentKind::CountryMatch && a.effect > 0.0));
    assert!(e.summary.contains("typo"));
    let json = serde_json::to_value(m).unwrap_or_default();
    assert_eq!(json["list"], "UN");
    assert!(json.get("entry_index").is_none());
}

#[test]
fn one_match_per_entry_sorted_by_score() {
    let s = fixture();
    let m = s.screen(&Query::name("Positive Technologies"), 0.0);
    let ids: Vec<&str> = m.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids.iter().filter(|i| **i == "el-3").count(), 1);
    assert!(m.windows(2).all(|w| w[0].score >= w[1].score));
}

#[test]
fn compare_kind_changes_legal_form_handling() {
    // "AO" is a legal form for a company, a name part for a person.
    let company = compare("AO Wei Trading", "Wei Trading", Some(PartyKind::Entity));
    let person = compare("Ao Wei", "Wei", Some(PartyKind::Individual));
    assert!(company.score > person.score);
}

#[test]
fn arabic_script_readings_of_tha_taa_marbuta_and_ould() {
    use ListId::Sdn;
    use PartyKind::*;
    let s = Screener::new(vec![
        entry(Sdn, "p-1", "NOOR MOHAMMAD SAQIB", Individual, &[], &["AF"]),
        entry(Sdn, "e-1", "ASBAT AL-ANSAR", Entity, &[], &["LB"]),
        entry(
            Sdn,
            "p-2",
            "HAMADA OULD MOHAMED EL KHAIRY",
            Individual,
            &[],
            &["ML"],
        ),
        entry(Sdn, "p-3", "TAHIR, Nur Ahmad", Individual, &[], &["AF"]),
    ]);
    // ث read as `s` (Persian, Urdu).
    assert_eq!(hits(&s, "نور محمد ثاقب"), ["p-1"]);
    // A final ة read as `t` in a construct.
    assert_eq!(hits(&s, "عصبة الأنصار"), ["e-1"]);
    // "ولد" is "ould".
    assert_eq!(hits(&s, "حماده ولد محمد الخيري"), ["p-2"]);
    // Another reading is at best phonetic.
    let m = &s.screen(&Query::name("نور محمد ثاقب"), DEFAULT_THRESHOLD)[0];
    assert!(m.score < 1.0, "{}", m.score);
}

#[test]
fn a_run_together_article_is_also_tried_split() {
    use ListId::Sdn;
    use PartyKind::*;
    let s = Screener::new(vec![
        entry(Sdn, "p-1", "AL-DAJANI, Sa'ad", Individual, &[], &["IQ"]),
        // "aldajani" resembles this token, so it is not only split.
        entry(Sdn, "p-2", "ALDAJANY, Omar", Individual, &[], &["JO"]),
    ]);
    assert_eq!(hits(&s, "Aldajani Saad"), ["p-1"]);
    assert_eq!(hits(&s, "Aldajany Omar"), ["p-2"]);
}

/// Regression (ace batch on generated names): a one-word alias or a one-word company name
/// must not turn a longer query into a hit — "Mateo Smith" against the weak alias "MATEO",
/// "Apex Capital LLC" against "APEX" — but it stays visible for review.
#[test]
fn one_word_link_to_a_longer_query_is_review_not_hit() {
    let s = Screener::new(vec![
        entry(
            ListId::Sdn,
            "p1",
            "ARREDONDO ORTIZ, Carlos Arturo",
            PartyKind::Individual,
            &[("MATEO", AliasKind::Aka)],
            &["CO"],
        ),
        entry(
            ListId::EntityList,
            "e1",
            "APEX",
            PartyKind::Entity,
            &[],
            &["CN"],
        ),
        entry(
            ListId::EntityList,
            "e2",
            "NSO Group",
            PartyKind::Entity,
            &[],
            &["IL"],
        ),
    ]);
    for query in ["Mateo Smith", "Apex Capital LLC"] {
        let all = s.screen(&Query::name(query), DEFAULT_REVIEW_THRESHOLD);
        assert!(!all.is_empty(), "{query}: should be kept for review");
        for m in &all {
            assert!(
                m.score < DEFAULT_THRESHOLD,
                "{query} hit {} at {}",
                m.matched,
                m.score
            );
            assert!(
                m.explanation
                    .adjustments
                    .iter()
                    .any(|a| a.kind == AdjustmentKind::SingleWordLink),
                "{query}: {:?}",
                m.explanation
            );
        }
    }
    // Two linked words are still a hit.
    let hits = s.screen(&Query::name("NSO Group Technologies"), DEFAULT_THRESHOLD);
    assert_eq!(hits.first().map(|m| m.id.as_str()), Some("e2"));
}

#[test]
fn one_letter_words_meet_their_romanisation_variant() {
    // The Spanish conjunction written "I" for "Y" is aligned, not left over.
    let s = Screener::new(vec![entry(
        ListId::Sdn,
        "sdn-y",
        "TODOBOLSAS Y COLSOBRES",
        PartyKind::Entity,
        &[],
        &["CO"],
    )]);
    let m = s.screen(
        &Query::name("TODOBOLSAS I COLSOBRES"),
        DEFAULT_REVIEW_THRESHOLD,
    );
    assert_eq!(m.len(), 1);
    assert!(
        m[0].explanation.summary.contains("i~y"),
        "{}",
        m[0].explanation.summary
    );
    assert!(m[0].score >= DEFAULT_THRESHOLD);
    // Two-letter words too ("IU" / "YU").
    let s = Screener::new(vec![entry(
        ListId::Sdn,
        "sdn-yu",
        "YU SONG 12",
        PartyKind::Vessel,
        &[],
        &[],
    )]);
    assert_eq!(hits(&s, "IU SONG 12"), vec!["sdn-yu"]);
}

#[test]
fn a_missing_letter_in_a_four_letter_name_part_does_not_sink_the_name() {
    use ListId::DeniedPersons as Dpl;
    use PartyKind::*;
    let s = Screener::new(vec![
        entry(Dpl, "p-1", "ADNAN ATTIA", Individual, &[], &["EG"]),
        // A second Adnan makes the given name less distinctive than the surname.
        entry(Dpl, "p-2", "ADNAN KHALIL", Individual, &[], &["LB"]),
        entry(Dpl, "p-3", "MATTI CHONG", Individual, &[], &["MY"]),
    ]);
    assert_eq!(hits(&s, "Adnan Atti"), ["p-1"]);
    // The short spelling alone is for review only, as is another given name.
    assert!(hits(&s, "Atti").is_empty());
    assert!(hits(&s, "Omar Atti").is_empty());
}

#[test]
fn romanisation_and_compound_rules_of_round_two() {
    use ListId::Sdn;
    use PartyKind::*;
    let s = Screener::new(vec![
        entry(Sdn, "p-1", "Saeed Talebi", Individual, &[], &["IR"]),
        entry(
            Sdn,
            "p-2",
            "ABD AL-RAHMAN, Atiyah",
            Individual,
            &[],
            &["LY"],
        ),
        entry(
            Sdn,
            "p-3",
            "RAMZI MOHAMED ABDULLAH BINALSHIBH",
            Individual,
            &[],
            &["YE"],
        ),
        entry(Sdn, "p-4", "ABDULHAI SALEK", Individual, &[], &["AF"]),
        entry(Sdn, "p-5", "NUR AL-DIN, Jawad", Individual, &[], &["IQ"]),
    ]);
    // سعيد: Saeed and Said are one name, a romanisation variant.
    assert_eq!(hits(&s, "SAID TALEBI"), ["p-1"]);
    let m = &s.screen(&Query::name("SAID TALEBI"), DEFAULT_THRESHOLD)[0];
    assert_eq!(m.explanation.tokens[0].how, How::Transliteration);
    // "Abd Alrahman" is "Abd al-Rahman".
    assert_eq!(hits(&s, "Abd Alrahman Atiyah"), ["p-2"]);
    // "Binalshibh" is "bin al-Shibh".
    assert_eq!(hits(&s, "رمزي محمد عبد الله بن الشيبة"), ["p-3"]);
    // "عبدالحی": Abd al-Hayy, the ya of a two-letter word read as a diphthong.
    assert_eq!(hits(&s, "عبدالحی سالک"), ["p-4"]);
    // "Nur Aldin" is "Nur al-Din".
    assert_eq!(hits(&s, "Jawad Nur Aldin"), ["p-5"]);
    // Another given name with a shared surname is still no hit.
    assert!(hits(&s, "Hamid Talebi").is_empty());
    assert!(hits(&s, "Abd Alaziz Atiyah").is_empty());
}

/// Lists where every word of some names is common: many entries share them.
fn common_words_fixture() -> Screener {
    use ListId::*;
    use PartyKind::*;
    let mut entries = vec![
        entry(EntityList, "el-air", "Iran Air", Unknown, &[], &["IR"]),
        entry(
            EntityList,
            "el-gtc",
            "General Trading Company",
            Entity,
            &[],
            &["AE"],
        ),
        entry(Sdn, "sdn-ma", "ALI, Mohammed", Individual, &[], &["IQ"]),
        entry(
            Sdn,
            "sdn-mps",
            "MINISTRY OF PUBLIC SECURITY",
            Entity,
            &[],
            &["KP"],
        ),
        entry(
            EntityList,
            "el-hw",
            "Huawei Technologies Co., Ltd.",
            Unknown,
            &[],
            &["CN"],
        ),
        entry(Sdn, "sdn-pao", "PAO, Yu Liang", Individual, &[], &["TW"]),
    ];
    // Enough other entries with these words that each is common in the index.
    for i in 0..400 {
        let name = match i % 5 {
            0 => format!("Iran Air Cargo {i}"),
            1 => format!("Huawei Technologies Branch {i}"),
            2 => format!("Mohammed Ali Qasim{i}"),
            3 => format!("General Trading Company Xyz{i}"),
            _ => format!("Ministry of Public Security Unit{i}"),
        };
        entries.push(entry(Sdn, &format!("x-{i}"), &name, Entity, &[], &["SY"]));
    }
    Screener::new(entries)
}

fn score_of(s: &Screener, q: &Query, id: &str) -> Option<screen::Match> {
    s.screen(q, 0.0).into_iter().find(|m| m.id == id)
}

#[test]
fn an_exact_listed_name_is_found_however_common_its_words() {
    let s = common_words_fixture();
    for (name, id) in [
        ("Iran Air", "el-air"),
        ("IRAN AIR", "el-air"),
        ("air iran", "el-air"),
        ("General Trading Co.", "el-gtc"),
        ("HUAWEI TECHNOLOGIES CO LTD", "el-hw"),
        ("Huawei Technologies", "el-hw"),
    ] {
        let m = score_of(&s, &Query::name(name), id).expect(name);
        assert!(
            m.score >= DEFAULT_THRESHOLD,
            "{name}: {}",
            m.explanation.summary
        );
        assert!(
            m.explanation
                .adjustments
                .iter()
                .any(|a| a.kind == AdjustmentKind::ExactListedName),
            "{}",
            m.explanation.summary
        );
    }
    // A person's exact name of common words is for review, not a hit.
    let m = score_of(&s, &Query::name("Mohammed Ali"), "sdn-ma").unwrap();
    assert!(
        (DEFAULT_REVIEW_THRESHOLD..DEFAULT_THRESHOLD).contains(&m.score),
        "{}",
        m.explanation.summary
    );
    // Part of the name is not the name: the rarity rules still apply.
    for (name, id) in [
        ("Iran", "el-air"),
        ("Trading Company", "el-gtc"),
        ("Huawei", "el-hw"),
    ] {
        let m = score_of(&s, &Query::name(name), id);
        assert!(
            m.as_ref().is_none_or(|m| m.score < DEFAULT_THRESHOLD),
            "{name}: {:?}",
            m.map(|m| m.explanation.summary)
        );
    }
}

#[test]
fn a_name_of_unknown_kind_is_also_read_as_a_persons() {
    let s = common_words_fixture();
    // "PAO" is a legal form in a company's name, a surname in a person's.
    let m = score_of(&s, &Query::name("PAO, Yu Liang"), "sdn-pao").unwrap();
    assert!(
        m.score >= DEFAULT_REVIEW_THRESHOLD,
        "{}",
        m.explanation.summary
    );
}

#[test]
fn generic_words_from_another_country_are_not_a_match() {
    let s = common_words_fixture();
    let q = |country: Option<&str>| Query {
        name: "Ministry of Public Security".into(),
        country: country.map(str::to_string),
        kind: None,
    };
    // Without a country: found, and flagged as resting on generic words.
    let m = score_of(&s, &q(None), "sdn-mps").unwrap();
    assert!(m.generic_only && m.score >= DEFAULT_THRESHOLD);
    assert_eq!(serde_json::to_value(&m).unwrap()["generic_only"], true);
    // The entry's country: a hit.
    assert!(score_of(&s, &q(Some("KP")), "sdn-mps").unwrap().score >= DEFAULT_THRESHOLD);
    // Another country: not even for review, and the explanation says why.
    let m = score_of(&s, &q(Some("CN")), "sdn-mps").unwrap();
    assert!(
        m.score < DEFAULT_REVIEW_THRESHOLD,
        "{}",
        m.explanation.summary
    );
    let a = m.explanation.adjustments.last().unwrap();
    assert_eq!(a.kind, AdjustmentKind::GenericNameOtherCountry);
    assert!(
        a.detail.contains("CN") && a.detail.contains("generic"),
        "{}",
        a.detail
    );
    // A distinctive exact name with another country (a branch) is still a hit.
    let m = score_of(
        &s,
        &Query {
            name: "Huawei Technologies Co., Ltd.".into(),
            country: Some("DE".into()),
            kind: None,
        },
        "el-hw",
    )
    .unwrap();
    assert!(!m.generic_only);
    assert!(
        m.score >= DEFAULT_REVIEW_THRESHOLD,
        "{}",
        m.explanation.summary
    );
    let m = score_of(&s, &Query::name("Iran Air"), "el-air").unwrap();
    assert!(!m.generic_only);
}

#[test]
fn names_with_nothing_to_screen_or_too_long_are_refused() {
    assert_eq!(check_name(""), Err(NameProblem::Empty));
    assert_eq!(check_name(" \t\n"), Err(NameProblem::Empty));
    assert_eq!(check_name("-- . ,;&"), Err(NameProblem::NothingToScreen));
    assert_eq!(check_name("A"), Ok(()));
    assert_eq!(check_name("Иван"), Ok(()));
    assert_eq!(check_name(&"é".repeat(MAX_NAME_CHARS)), Ok(()));
    let long = "é".repeat(MAX_NAME_CHARS + 1);
    assert_eq!(
        check_name(&long),
        Err(NameProblem::TooLong {
            chars: MAX_NAME_CHARS + 1
        })
    );
    for p in [
        NameProblem::Empty,
        NameProblem::NothingToScreen,
        NameProblem::TooLong { chars: 1001 },
    ] {
        let msg = p.to_string();
        assert!(
            msg.contains("letter or digit") && msg.contains("1000"),
            "{msg}"
        );
    }
    // screen() answers a huge input at once, with nothing.
    let s = fixture();
    let huge = "Nicolas Maduro Moros ".repeat(5_000);
    let t = std::time::Instant::now();
    assert!(s.screen(&Query::name(huge.clone()), 0.0).is_empty());
    assert!(t.elapsed() < std::time::Duration::from_secs(1));
    assert_eq!(compare(&huge, &huge, None).score, 0.0);
}

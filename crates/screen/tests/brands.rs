//! A listed organisation's whole, rare name found inside a longer query ("Cytrox Digital
//! Labs" against "CYTROX AD") is for a person to look at (review band), while a person's
//! one-word alias among a query's several names stays under review.

use lists::model::{Entry, ListId, PartyKind};
use screen::{Query, Screener, DEFAULT_REVIEW_THRESHOLD, DEFAULT_THRESHOLD};

fn entry(id: &str, name: &str, kind: PartyKind) -> Entry {
    Entry {
        list: ListId::Sdn,
        id: id.into(),
        name: name.into(),
        aliases: vec![],
        kind,
        countries: vec![],
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

fn best(screener: &Screener, name: &str, id: &str) -> f64 {
    screener
        .screen(&Query::name(name), 0.0)
        .into_iter()
        .filter(|m| m.id == id)
        .map(|m| m.score)
        .fold(0.0, f64::max)
}

fn screener() -> Screener {
    Screener::new(vec![
        entry("org", "CYTROX AD", PartyKind::Entity),
        entry("person", "FAROUK", PartyKind::Individual),
        entry("other", "NORTHWIND TRADING LLC", PartyKind::Entity),
    ])
}

#[test]
fn a_listed_brand_with_words_added_is_reviewed() {
    let s = screener();
    for q in ["Cytrox Digital Labs", "Cytrox Software Development Lisbon"] {
        let score = best(&s, q, "org");
        assert!(
            (DEFAULT_REVIEW_THRESHOLD..DEFAULT_THRESHOLD).contains(&score),
            "{q}: {score} should be in the review band"
        );
    }
}

#[test]
fn a_one_word_person_alias_among_several_names_stays_under_review() {
    let s = screener();
    let score = best(&s, "Khalid Zainab Farouk", "person");
    assert!(score < DEFAULT_REVIEW_THRESHOLD, "{score}");
}

#[test]
fn a_misspelt_brand_with_words_added_stays_under_review() {
    // The exception is for the brand spelt the same: a similar word among several
    // others is not enough to ask a person.
    let s = screener();
    let score = best(&s, "Cytrix Digital Labs", "org");
    assert!(score < DEFAULT_REVIEW_THRESHOLD, "{score}");
}

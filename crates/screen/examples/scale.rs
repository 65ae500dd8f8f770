//! Prints `compare` scores for the situations the score scale documents.
//!
//! `cargo run --release -p screen --example scale`

use screen::compare;

fn main() {
    let rows = [
        (
            "exact",
            "Doku Khamatovich Umarov",
            "Doku Khamatovich Umarov",
        ),
        (
            "SURNAME, Given form",
            "MADURO MOROS, Nicolas",
            "Nicolas Maduro Moros",
        ),
        (
            "reordered, no comma",
            "Umarov Doku Khamatovich",
            "Doku Khamatovich Umarov",
        ),
        (
            "Cyrillic original",
            "Умаров Доку Хаматович",
            "Doku Khamatovich Umarov",
        ),
        (
            "romanisation variant",
            "Doku Hamatovich Umarov",
            "Doku Khamatovich Umarov",
        ),
        (
            "Arabic vowels",
            "Mohammed Yousef Hamdan",
            "Muhammad Yusuf Hamdan",
        ),
        (
            "one typo",
            "Doku Khamatovich Umarof",
            "Doku Khamatovich Umarov",
        ),
        (
            "two typos",
            "Doku Khamatavich Umarof",
            "Doku Khamatovich Umarov",
        ),
        (
            "missing middle name",
            "Doku Umarov",
            "Doku Khamatovich Umarov",
        ),
        (
            "legal form changed",
            "Positive Technologies JSC",
            "AO Positive Technologies",
        ),
        (
            "legal form differs",
            "Positive Technologies LLC",
            "Positive Technologies JSC",
        ),
        ("extra common word", "NSO Group Technologies", "NSO Group"),
        ("surname only", "Umarov", "Doku Khamatovich Umarov"),
        (
            "other given name",
            "Ruslan Umarov",
            "Doku Khamatovich Umarov",
        ),
        ("lone common token", "Mohammed", "Mohammed Ali Hassan"),
        ("lone common word", "Group", "NSO Group"),
    ];
    println!("| situation | name 1 | name 2 | score |");
    println!("| --- | --- | --- | ---: |");
    for (what, a, b) in rows {
        println!("| {what} | {a} | {b} | {:.3} |", compare(a, b, None).score);
    }
    // Exact names of common words: an organisation's is a hit, a person's at
    // least in the review band.
    use lists::model::PartyKind::{Entity, Individual};
    for (what, a, kind) in [
        (
            "exact name, common words, organisation",
            "General Trading Company",
            Entity,
        ),
        ("exact name, one common word, organisation", "Group", Entity),
        (
            "exact name, one common word, person",
            "Mohammed",
            Individual,
        ),
    ] {
        let score = compare(a, a, Some(kind)).score;
        println!("| {what} | {a} | {a} | {score:.3} |");
    }
}

//! The labelled name pairs of `data/name_pairs.tsv` (generated from the
//! bundled lists by `examples/name_pairs.rs --generate`): F1 of
//! [`screen::compare`] at the hit threshold at least 0.85, each variation
//! found in most pairs, and different parties that share words kept apart.

use screen::{compare, DEFAULT_THRESHOLD};
use std::collections::BTreeMap;

#[test]
fn labelled_name_pairs_reach_the_f1_goal() {
    let text = include_str!("../data/name_pairs.tsv");
    let (mut tp, mut fp, mut fn_) = (0usize, 0usize, 0usize);
    let mut by_kind: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let f: Vec<&str> = line.split('\t').collect();
        assert!(f.len() >= 4, "malformed line: {line}");
        let positive = f[0] == "1";
        let hit = compare(f[2], f[3], None).score >= DEFAULT_THRESHOLD;
        match (positive, hit) {
            (true, true) => tp += 1,
            (true, false) => fn_ += 1,
            (false, true) => fp += 1,
            (false, false) => {}
        }
        let t = by_kind.entry(f[1]).or_default();
        t.0 += 1;
        t.1 += usize::from(hit == positive);
    }
    assert!(tp + fn_ >= 1000 && by_kind.len() >= 10, "{by_kind:?}");
    let precision = tp as f64 / (tp + fp) as f64;
    let recall = tp as f64 / (tp + fn_) as f64;
    let f1 = 2.0 * precision * recall / (precision + recall);
    assert!(
        f1 >= 0.85,
        "F1 {f1:.3} (precision {precision:.3}, recall {recall:.3})"
    );
    assert!(precision >= 0.97, "precision {precision:.3}");
    // Every kind of variation or of hard negative is right in most pairs
    // (real alias spellings are the hardest: some are other names).
    for (kind, (n, ok)) in &by_kind {
        let rate = *ok as f64 / *n as f64;
        assert!(rate >= 0.8, "{kind}: {rate:.3} of {n}");
    }
}

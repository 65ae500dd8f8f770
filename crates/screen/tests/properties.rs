//! Properties over arbitrary Unicode: no panics, scores in [0,1], `compare`
//! symmetric to within 0.05 (alignment ties may resolve differently when the
//! sides are swapped; the evidence factor uses the first name's weights) —
//! except where a cap that reads the query's direction ("the query says
//! more") applied on one side, which is asymmetric by design.

use proptest::prelude::*;
use screen::{compare, normalize, AdjustmentKind, Comparison, Query, Screener};

/// The caps that apply only when the *query* has words the name lacks.
fn directional_cap(c: &Comparison) -> bool {
    c.explanation.adjustments.iter().any(|a| {
        matches!(
            a.kind,
            AdjustmentKind::SingleWordLink | AdjustmentKind::FuzzyLinksOnly
        )
    })
}

fn names() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[A-Za-z ,.'-]{0,40}",
        "[а-яА-Я ]{0,30}",
        "[\u{0600}-\u{06FF} ]{0,30}",
        "[\u{4E00}-\u{4E50}]{0,8}",
    ]
}

proptest! {
    #[test]
    fn normalization_never_panics_and_is_ascii(s in names()) {
        for kind in [normalize::NameKind::Person, normalize::NameKind::Organisation, normalize::NameKind::Unknown] {
            for t in normalize::tokenize(&s, kind) {
                prop_assert!(t.text.is_ascii());
                prop_assert!(!t.text.is_empty());
            }
        }
    }

    #[test]
    fn compare_stays_in_range_and_is_nearly_symmetric(a in names(), b in names()) {
        let (ab, ba) = (compare(&a, &b, None), compare(&b, &a, None));
        prop_assert!((0.0..=1.0).contains(&ab.score));
        prop_assert!((ab.explanation.base_score - ba.explanation.base_score).abs() <= 0.05,
            "base {} vs {}", ab.explanation.base_score, ba.explanation.base_score);
        if !directional_cap(&ab) && !directional_cap(&ba) {
            prop_assert!((ab.score - ba.score).abs() <= 0.05, "{} vs {}", ab.score, ba.score);
        }
    }

    #[test]
    fn a_name_matches_itself(a in "[A-Z][a-z]{4,9} [A-Z][a-z]{4,9}") {
        prop_assert_eq!(compare(&a, &a, None).score, 1.0);
    }

    #[test]
    fn screening_never_panics(q in names()) {
        let s = Screener::new(vec![]);
        prop_assert!(s.screen(&Query::name(q), 0.0).is_empty());
    }
}

//! Explanations: what matched what, and why the score is what it is.

use crate::normalize::Token;
use crate::score::{How, NameScore};
use serde::Serialize;
use std::fmt::Write as _;

/// Everything that went into one score.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explanation {
    /// One line for people: matched name, score, the token pairs, adjustments.
    pub summary: String,
    /// The list name or alias that matched, as published.
    pub matched_name: String,
    /// Whether that name is a weak alias.
    pub weak_alias: bool,
    /// Aligned token pairs, in query order.
    pub tokens: Vec<TokenMatch>,
    /// Query tokens that found no partner.
    pub unmatched_query: Vec<UnmatchedToken>,
    /// Tokens of the matched name that found no partner.
    pub unmatched_name: Vec<UnmatchedToken>,
    /// Weighted share of the query that matched, in [0,1].
    pub query_coverage: f64,
    /// Weighted share of the matched name that matched, in [0,1].
    pub name_coverage: f64,
    /// `max(coverage) × (f + (1 − f) × min(coverage))`, before adjustments.
    pub base_score: f64,
    /// Every factor or offset applied after the base score, in order.
    pub adjustments: Vec<Adjustment>,
}

/// One aligned pair of tokens.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TokenMatch {
    /// The query token as normalized (legal forms as written).
    pub query: String,
    /// The name token as normalized (legal forms as written).
    pub matched: String,
    pub how: How,
    /// Damerau-Levenshtein distance for `typo`, else 0.
    pub distance: u8,
    /// Token similarity in [0.7, 1].
    pub similarity: f64,
    /// The query token's rarity weight in [0.02, 1].
    pub weight: f64,
}

/// A token left without a partner.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnmatchedToken {
    pub token: String,
    pub weight: f64,
    pub legal_form: bool,
}

/// What an adjustment was for.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AdjustmentKind {
    /// Only common tokens matched (evidence factor < 1).
    CommonTokensOnly,
    /// Only common tokens matched, but they are the whole listed name (every
    /// real token of both names aligned exactly): the evidence factor is not
    /// applied to an organisation's name (effect 0) and costs a person's at
    /// most ×0.82.
    ExactListedName,
    /// The aligned tokens are in a different order (×0.97).
    Reordered,
    /// Both names carry legal forms and none agree (−0.02).
    LegalFormMismatch,
    /// The matched name is a weak alias (×0.90).
    WeakAlias,
    /// A vessel or aircraft name covers only part of the query (×0.85).
    PartialVesselName,
    /// One word is the only link between the name and a longer query.
    SingleWordLink,
    /// No aligned word is spelt the same, and the query has a word the name
    /// lacks: at most 0.65.
    FuzzyLinksOnly,
    /// Each name has a real word the other lacks ("Ricardo CADENAS
    /// VIRAMONTES" / "CADENAS VIRAMONTES, Porfirio") and the score is under
    /// the hit threshold: at most 0.69, under review.
    MutualExtraWords,
    /// Query and entry kinds disagree, person vs. organisation (−0.05).
    KindMismatch,
    /// The query country is among the entry's countries (+0.02).
    CountryMatch,
    /// The entry has countries and the query country is not one (−0.03).
    CountryMismatch,
    /// The entry has countries, the query country is not one, and the match
    /// rests on generic words alone (×0.65; see `Match::generic_only`).
    GenericNameOtherCountry,
    /// Every token of one name is in the other, which has one more in the
    /// middle (a middle name) or, in the same order, at the end (a second
    /// surname): the score is at least 0.90 × coverage.
    MissingMiddleName,
    /// Spelling mistakes cap the score: at most 1 − 0.07 per edit.
    Typos,
}

/// One adjustment and its effect on the score (new minus old).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Adjustment {
    pub kind: AdjustmentKind,
    pub detail: String,
    pub effect: f64,
}

/// What an explanation shows of a token: how it reads and whether it is
/// part of a legal form.
pub trait Shown {
    /// The token as it read before canonicalisation ([`Token::display`]).
    fn shown(&self) -> &str;
    /// Part of a legal form.
    fn is_legal(&self) -> bool;
}

impl Shown for Token {
    fn shown(&self) -> &str {
        &self.display
    }
    fn is_legal(&self) -> bool {
        self.legal
    }
}

/// A token as an explanation shows it, borrowed from wherever it is kept.
pub struct ShownToken<'a> {
    pub display: &'a str,
    pub legal: bool,
}

impl Shown for ShownToken<'_> {
    fn shown(&self) -> &str {
        self.display
    }
    fn is_legal(&self) -> bool {
        self.legal
    }
}

/// Builds the explanation of a scored alignment.
pub fn explain<Q: Shown, C: Shown>(
    matched_name: &str,
    weak: bool,
    q: (&[Q], &[f64]),
    c: (&[C], &[f64]),
    scored: &NameScore,
    adjustments: Vec<Adjustment>,
    score: f64,
) -> Explanation {
    let tokens: Vec<TokenMatch> = scored
        .pairs
        .iter()
        .map(|p| TokenMatch {
            query: q.0[p.q].shown().to_string(),
            matched: c.0[p.c].shown().to_string(),
            how: p.sim.how,
            distance: p.sim.distance,
            similarity: round(p.sim.sim),
            weight: round(q.1[p.q]),
        })
        .collect();
    let unmatched_query = unmatched(q, scored.pairs.iter().map(|p| p.q));
    let unmatched_name = unmatched(c, scored.pairs.iter().map(|p| p.c));
    let summary = summarize(
        matched_name,
        weak,
        score,
        &tokens,
        &unmatched_query,
        &unmatched_name,
        &adjustments,
    );
    Explanation {
        summary,
        matched_name: matched_name.to_string(),
        weak_alias: weak,
        tokens,
        unmatched_query,
        unmatched_name,
        query_coverage: round(scored.query_coverage),
        name_coverage: round(scored.name_coverage),
        base_score: round(scored.base),
        adjustments,
    }
}

fn unmatched<T: Shown>(
    side: (&[T], &[f64]),
    used: impl Iterator<Item = usize>,
) -> Vec<UnmatchedToken> {
    let mut taken = vec![false; side.0.len()];
    used.for_each(|i| taken[i] = true);
    side.0
        .iter()
        .zip(side.1)
        .zip(taken)
        .filter(|(_, t)| !t)
        .map(|((tok, w), _)| UnmatchedToken {
            token: tok.shown().to_string(),
            weight: round(*w),
            legal_form: tok.is_legal(),
        })
        .collect()
}

fn summarize(
    name: &str,
    weak: bool,
    score: f64,
    tokens: &[TokenMatch],
    uq: &[UnmatchedToken],
    un: &[UnmatchedToken],
    adjustments: &[Adjustment],
) -> String {
    // Written into one string: formatting a string per pair and per part,
    // then joining them, cost more than the rest of the explanation.
    let mut s = String::with_capacity(64 + name.len() + 24 * tokens.len());
    let weak = if weak { "weak alias " } else { "" };
    // Writing to a `String` cannot fail.
    let _ = write!(s, "{score:.3} on {weak}\"{name}\": ");
    if tokens.is_empty() {
        s.push_str("no tokens aligned");
    }
    for (i, t) in tokens.iter().enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        describe_pair(&mut s, t);
    }
    if !uq.is_empty() {
        s.push_str("; unmatched in query: ");
        joined(&mut s, uq);
    }
    if !un.is_empty() {
        s.push_str("; unmatched in name: ");
        joined(&mut s, un);
    }
    for a in adjustments {
        let _ = write!(s, "; {} {:+.3}", a.detail, a.effect);
    }
    s
}

fn describe_pair(s: &mut String, t: &TokenMatch) {
    let _ = match t.how {
        How::Exact => {
            s.push_str(&t.query);
            Ok(())
        }
        How::Typo => write!(
            s,
            "{}~{} (typo, {} edit{})",
            t.query,
            t.matched,
            t.distance,
            if t.distance == 1 { "" } else { "s" }
        ),
        how => write!(s, "{}~{} ({})", t.query, t.matched, how_name(how)),
    };
}

fn how_name(how: How) -> &'static str {
    match how {
        How::Exact => "exact",
        How::LegalForm => "legal form",
        How::Transliteration => "transliteration",
        How::Phonetic => "phonetic",
        How::Typo => "typo",
    }
}

fn joined(s: &mut String, tokens: &[UnmatchedToken]) {
    for (i, t) in tokens.iter().enumerate() {
        if i > 0 {
            s.push(' ');
        }
        s.push_str(&t.token);
    }
}

/// Rounds to 4 decimals for stable, readable output.
pub fn round(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

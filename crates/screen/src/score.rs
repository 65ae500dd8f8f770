//! The scorer: token similarity, order-insensitive alignment, the name score
//! and its adjustments. See the crate documentation for the scale.

use crate::keys::{class_key, latin_class_codes, loose_key, osa_bytes, typo_limit, vowel_key};
use crate::normalize::Token;

/// Token pairs less similar than this are not aligned.
const MIN_TOKEN_SIMILARITY: f64 = 0.7;
/// Similarity of tokens equal after folding romanisation variants.
const TRANSLITERATION_SIMILARITY: f64 = 0.96;
/// Similarity of tokens equal on a vowel-insensitive or consonant skeleton.
const PHONETIC_SIMILARITY: f64 = 0.92;
/// A missing letter in a 4-letter token: one edit in five letters (0.89 by
/// the typo formula), a little less because the shorter spelling is more
/// often a name of its own. Alone it stays below the hit threshold
/// (0.87 × (0.6 + 0.4 × 0.87) ≈ 0.83); in a longer name it no longer sinks
/// the other tokens' agreement ("ADNAN ATTI" / "ADNAN ATTIA"; at 0.82 that
/// scored 0.848).
const SHORT_TYPO_SIMILARITY: f64 = 0.87;
/// One edit in a word of 3 or 4 letters ("BANJ" / "BANK"): counted only
/// when the rest of the names agree (see [`supported_short_typos`]).
const SHORT_WORD_TYPO_SIMILARITY: f64 = 0.86;
/// Typo similarity never exceeds this.
const TYPO_CEILING: f64 = 0.9;
/// An unmatched (non-legal) token counts at least this much against coverage:
/// a common given name that does not match is still a different name.
const UNMATCHED_FLOOR: f64 = 0.25;
/// Share of the name score that the better-covered side cannot lose however
/// many extra tokens the other side has (see [`coverage_floor`]).
const COVERAGE_FLOOR: f64 = 0.6;
/// The floor grows by this per aligned token beyond the first...
const COVERAGE_FLOOR_PER_TOKEN: f64 = 0.075;
/// ...up to this: several names in agreement outweigh one that is missing.
pub const COVERAGE_FLOOR_MAX: f64 = 0.75;
/// Score multiplier when the aligned tokens are not in the same order.
const ORDER_PENALTY: f64 = 0.97;
/// Evidence factor: the base, plus the matched weight, plus this per extra
/// matched token (see [`evidence_factor`]).
const EVIDENCE_BASE: f64 = 0.55;
const EVIDENCE_PER_TOKEN: f64 = 0.12;

/// A token with the keys the similarity needs.
#[derive(Debug, Clone)]
pub struct Keyed {
    pub text: String,
    pub loose: String,
    pub vowel: String,
    /// The letter-class key shared with Arabic-script spellings
    /// ([`crate::keys::class_key`]).
    pub class: String,
    pub legal: bool,
    pub abjad: bool,
}

impl Keyed {
    /// Computes the keys of a normalized token.
    pub fn new(t: &Token) -> Keyed {
        Keyed::with_arabic(&t.text, t.legal, t.abjad, &t.arabic)
    }

    /// Computes the keys from a token's text and flags.
    pub fn from_parts(text: &str, legal: bool, abjad: bool) -> Keyed {
        Keyed::with_arabic(text, legal, abjad, "")
    }

    /// Computes the keys; `arabic` are the letter classes of an
    /// Arabic-script token (empty: classes from the Latin text).
    pub fn with_arabic(text: &str, legal: bool, abjad: bool, arabic: &str) -> Keyed {
        let loose = loose_key(text);
        let class = if arabic.is_empty() {
            class_key(&latin_class_codes(text))
        } else {
            class_key(arabic)
        };
        Keyed {
            text: text.to_string(),
            vowel: vowel_key(&loose),
            class,
            loose,
            legal,
            abjad,
        }
    }
}

/// The keys of a token, borrowed from a [`Keyed`] or from an index: bytes
/// (tokens and keys are ASCII), compared as bytes.
#[derive(Debug, Clone, Copy)]
pub struct Keys<'a> {
    pub text: &'a [u8],
    pub loose: &'a [u8],
    pub vowel: &'a [u8],
    pub class: &'a [u8],
    pub legal: bool,
    pub abjad: bool,
}

impl Keyed {
    /// The keys, borrowed.
    pub fn keys(&self) -> Keys<'_> {
        Keys {
            text: self.text.as_bytes(),
            loose: self.loose.as_bytes(),
            vowel: self.vowel.as_bytes(),
            class: self.class.as_bytes(),
            legal: self.legal,
            abjad: self.abjad,
        }
    }
}

/// How a query token met a name token.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum How {
    /// Identical after normalization.
    Exact,
    /// Two spellings of the same legal form ("LTD" and "LIMITED").
    LegalForm,
    /// Identical once romanisation variants are folded (`kh`/`h`, `y`/`i`).
    Transliteration,
    /// Identical on a vowel-insensitive or consonant skeleton ("Mohammed"/"Muhammad").
    Phonetic,
    /// Within a small Damerau-Levenshtein distance.
    Typo,
}

/// The similarity of two tokens and how it was found.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TokenSim {
    pub sim: f64,
    pub how: How,
    /// Edit distance for [`How::Typo`], 0 otherwise.
    pub distance: u8,
    /// A typo in a word of at most 4 letters ([`short_word_typo`]): it
    /// counts only when the rest of the names agree (see
    /// [`supported_short_typos`]).
    pub short: bool,
}

/// Compares two tokens; `None` when they are not similar enough to align.
pub fn token_similarity(a: &Keyed, b: &Keyed) -> Option<TokenSim> {
    similarity(a.keys(), b.keys())
}

/// [`token_similarity`] of borrowed keys.
pub fn similarity(a: Keys, b: Keys) -> Option<TokenSim> {
    if a.legal || b.legal {
        return (a.legal && b.legal && a.text == b.text).then_some(TokenSim {
            sim: 1.0,
            how: How::LegalForm,
            distance: 0,
            short: false,
        });
    }
    let found = |sim, how| {
        Some(TokenSim {
            sim,
            how,
            distance: 0,
            short: false,
        })
    };
    if a.text == b.text {
        return found(1.0, How::Exact);
    }
    if a.loose == b.loose && (a.loose.len() >= 4 || osa_bytes(a.text, b.text, 1) <= 1) {
        return found(TRANSLITERATION_SIMILARITY, How::Transliteration);
    }
    if a.vowel == b.vowel && consonants(a.vowel) >= 2 && variants_close(a, b) {
        return found(PHONETIC_SIMILARITY, How::Phonetic);
    }
    if (a.abjad || b.abjad) && a.class == b.class && a.class.len() >= 2 {
        return found(PHONETIC_SIMILARITY, How::Phonetic);
    }
    // Two Latin spellings of one transliterated name: the same consonant
    // classes (`sh`/`ch`, `th`/`t`, `kh`/`h`, `q`/`k`, `dh`/`z`..., vowels
    // and semivowels dropped) and close spellings: "Rashed" / "Rachid",
    // "Tarek" / "Tariq".
    if a.class == b.class && a.class.len() >= 3 && variants_close(a, b) {
        return found(PHONETIC_SIMILARITY, How::Phonetic);
    }
    typo_similarity(a, b)
}

/// A match found through another reading of a token is at best phonetic.
pub(crate) fn as_variant(s: TokenSim) -> TokenSim {
    if s.sim > PHONETIC_SIMILARITY {
        TokenSim {
            sim: PHONETIC_SIMILARITY,
            how: How::Phonetic,
            distance: 0,
            short: false,
        }
    } else {
        s
    }
}

/// Consonants in a vowel key: a skeleton of one consonant ("*n*" for both
/// "Junjie" and "Yanni") says nothing.
fn consonants(vowel_key: &[u8]) -> usize {
    vowel_key.iter().filter(|&&b| b != b'*').count()
}

/// Equal vowel skeletons or consonant classes only count when the spellings
/// are close too (one edit up to 5 letters, two beyond, as written or once
/// romanisation variants are folded), or "Gholai" would meet "Gallo".
/// "Esmail" / "Ismael" are two edits as written (the folded "ismel" is
/// three from "esmail").
fn variants_close(a: Keys, b: Keys) -> bool {
    let close = |x: &[u8], y: &[u8]| {
        let limit = if x.len().max(y.len()) <= 5 { 1 } else { 2 };
        osa_bytes(x, y, limit) <= limit
    };
    close(a.loose, b.loose) || close(a.text, b.text)
}

/// One typo costs 0.04 plus 0.35/length, at most [`TYPO_CEILING`]: 0.89 in
/// a 5-letter token, 0.90 from 7 letters; two typos ≈ 0.80-0.85.
fn typo_similarity(a: Keys, b: Keys) -> Option<TokenSim> {
    let limit = typo_limit(a.text.len().min(b.text.len()));
    if limit == 0 {
        return short_typo(a, b);
    }
    // The smaller of the distances of the spellings and of the loose keys;
    // the latter is 0 exactly when the keys are equal, at least 1 otherwise.
    let d = if a.loose == b.loose {
        0
    } else {
        match osa_bytes(a.text, b.text, limit) {
            1 => 1,
            d => d.min(osa_bytes(a.loose, b.loose, limit)),
        }
    };
    if d == 0 || d > limit {
        return None;
    }
    let len = a.text.len().max(b.text.len()) as f64;
    let sim = (1.0 - d as f64 * (0.04 + 0.35 / len)).min(TYPO_CEILING);
    (sim >= MIN_TOKEN_SIMILARITY).then_some(TokenSim {
        sim,
        how: How::Typo,
        distance: d as u8,
        short: false,
    })
}

/// A 4-letter token against a 5-letter one with one letter more ("Ryon" /
/// "Ryong", "Atti" / "Attia"): a typo of [`SHORT_TYPO_SIMILARITY`], too weak
/// to match alone. Not "-n" against "-ng", two different Chinese syllables
/// ("Xian" / "Xiang").
fn short_typo(a: Keys, b: Keys) -> Option<TokenSim> {
    let (s, l) = if a.text.len() <= b.text.len() {
        (a.text, b.text)
    } else {
        (b.text, a.text)
    };
    if s.len() == 4 && l.len() == 5 {
        if l.ends_with(b"ng") && s.ends_with(b"n") {
            return None;
        }
        return (osa_bytes(s, l, 1) == 1).then_some(TokenSim {
            sim: SHORT_TYPO_SIMILARITY,
            how: How::Typo,
            distance: 1,
            short: false,
        });
    }
    short_word_typo(s, l)
}

/// One edit in a word of 3 or 4 letters ("BANJ" / "BANK", "SVO" / "SAVO",
/// "BNAK" / "BANK"), not between two 3-letter words (one edit there makes
/// any other word: "ALI" / "ALA"), nor an `n`/`ng` pair of Chinese syllables:
/// a typo of [`SHORT_WORD_TYPO_SIMILARITY`], flagged `short`. Such a pair
/// counts only when the rest of the names agree ([`supported_short_typos`]):
/// a short word one letter from another is as often a different word.
fn short_word_typo(s: &[u8], l: &[u8]) -> Option<TokenSim> {
    if s.len() < 3 || l.len() != 4 || (l.ends_with(b"ng") && s.ends_with(b"n")) {
        return None;
    }
    (osa_bytes(s, l, 1) == 1).then_some(TokenSim {
        sim: SHORT_WORD_TYPO_SIMILARITY,
        how: How::Typo,
        distance: 1,
        short: true,
    })
}

/// The pairs without their short-word typos ([`short_word_typo`]) unless
/// the rest of the names agree: every real word of both names is aligned,
/// every other pair is spelt the same (or is a legal form), and one of them
/// is a real word (not a particle). "BANJ MELLI IRAN" is "BANK MELLI IRAN";
/// "BANJ" is not "BANK", nor "Ali Banj" "BANK OF ...", nor "Wang Jian Guo"
/// "YANG, Jian".
pub(crate) fn supported_short_typos(
    pairs: &mut Vec<Pair>,
    q_weights: &[f64],
    q_legal: &[bool],
    c_weights: &[f64],
    c_legal: &[bool],
) {
    if !pairs.iter().any(|p| p.sim.short) {
        return;
    }
    let min = crate::weights::MIN_WEIGHT;
    let other_exact = pairs
        .iter()
        .any(|p| p.sim.how == How::Exact && q_weights[p.q] >= min && c_weights[p.c] >= min);
    let rest_same = pairs
        .iter()
        .all(|p| p.sim.short || matches!(p.sim.how, How::Exact | How::LegalForm));
    let all_aligned = |l: &[bool], side: fn(&Pair) -> usize| {
        (0..l.len()).all(|i| l[i] || pairs.iter().any(|p| side(p) == i))
    };
    let agree =
        other_exact && rest_same && all_aligned(q_legal, |p| p.q) && all_aligned(c_legal, |p| p.c);
    if !agree {
        pairs.retain(|p| !p.sim.short);
    }
}

/// One aligned pair: query token `q`, name token `c`.
#[derive(Debug, Clone, Copy)]
pub struct Pair {
    pub q: usize,
    pub c: usize,
    pub sim: TokenSim,
}

/// Greedy order-insensitive alignment: best pairs first (by similarity, then
/// weight, then closeness of position), each token used once.
pub fn align(
    q_weights: &[f64],
    c_weights: &[f64],
    sim: impl Fn(usize, usize) -> Option<TokenSim>,
) -> Vec<Pair> {
    let mut all = Vec::with_capacity(q_weights.len().min(c_weights.len()) + 2);
    for q in 0..q_weights.len() {
        for c in 0..c_weights.len() {
            if let Some(s) = sim(q, c) {
                all.push(Pair { q, c, sim: s });
            }
        }
    }
    align_pairs(&mut all, q_weights, c_weights);
    all
}

/// [`align`] over the candidate pairs in `all`, in any order (at most one
/// per query and name token): the pairs below [`MIN_TOKEN_SIMILARITY`] are
/// dropped and the alignment is left in `all`. The order of `all` does not
/// matter because the ranking below is a strict total order (it ends on the
/// pair's positions).
pub fn align_pairs(all: &mut Vec<Pair>, q_weights: &[f64], c_weights: &[f64]) {
    all.retain(|p| p.sim.sim >= MIN_TOKEN_SIMILARITY);
    all.sort_by(|a, b| {
        let key = |p: &Pair| (p.sim.sim, q_weights[p.q] + c_weights[p.c]);
        let (ka, kb) = (key(a), key(b));
        kb.0.total_cmp(&ka.0)
            .then(kb.1.total_cmp(&ka.1))
            .then(a.q.abs_diff(a.c).cmp(&b.q.abs_diff(b.c)))
            .then((a.q, a.c).cmp(&(b.q, b.c)))
    });
    let mut used_q = IndexSet::new(q_weights.len());
    let mut used_c = IndexSet::new(c_weights.len());
    all.retain(|p| {
        let free = !used_q.contains(p.q) && !used_c.contains(p.c);
        if free {
            used_q.insert(p.q);
            used_c.insert(p.c);
        }
        free
    });
    all.sort_by_key(|p| p.q);
}

/// A set of token positions: a bit mask up to 64, a vector beyond.
struct IndexSet {
    bits: u64,
    more: Vec<bool>,
}

impl IndexSet {
    fn new(n: usize) -> IndexSet {
        IndexSet {
            bits: 0,
            more: if n > 64 { vec![false; n] } else { Vec::new() },
        }
    }

    fn contains(&self, i: usize) -> bool {
        if self.more.is_empty() {
            self.bits >> i & 1 == 1
        } else {
            self.more[i]
        }
    }

    fn insert(&mut self, i: usize) {
        if self.more.is_empty() {
            self.bits |= 1 << i;
        } else {
            self.more[i] = true;
        }
    }
}

/// What the alignment yields before list-level adjustments.
#[derive(Debug, Clone)]
pub struct NameScore {
    pub pairs: Vec<Pair>,
    /// Weighted share of the query matched, in [0,1].
    pub query_coverage: f64,
    /// Weighted share of the name matched, in [0,1].
    pub name_coverage: f64,
    /// `max(coverage) * (f + (1 - f) * min(coverage))`, `f` = [`coverage_floor`].
    pub base: f64,
    /// The evidence factor (< 1 when only common tokens matched).
    pub evidence: f64,
    /// The order factor (1, or 0.97 when aligned tokens are reordered).
    pub order: f64,
    /// Both names carry legal forms and none aligned.
    pub legal_mismatch: bool,
    /// The name is the query plus one middle token (see [`missing_middle`]).
    pub middle_missing: bool,
    /// Edits in the pairs aligned as typos.
    pub typo_edits: usize,
    /// One real (non-legal-form) token is the only link, and the query has other real
    /// tokens the name does not have.
    pub single_word_link: bool,
    /// Each name has a real word (not a particle or legal form) that the
    /// other lacks: "Ricardo CADENAS VIRAMONTES" and "CADENAS VIRAMONTES,
    /// Porfirio" share their surnames, but each names someone the other
    /// does not. Neither is a shortened form of the other.
    pub mutual_extra: bool,
    /// How many real query words did not align.
    pub query_left: usize,
    /// One real token is the only link and is not spelt the same (a typo, a
    /// phonetic or romanisation variant), and either name has a real token
    /// (not a particle) the other lacks.
    pub single_fuzzy_link: bool,
    /// The names are the same after normalisation: every real token of each
    /// aligned exactly with one of the other (in any order), and the legal
    /// forms agree or one side has none (see [`exact_name`]).
    pub exact_name: bool,
    /// Two or more real tokens aligned, none of them exactly (typos, phonetic
    /// or romanisation variants only), and the query has a real token the
    /// name lacks.
    pub fuzzy_links_only: bool,
    /// Every aligned real token of the name is a generic word
    /// ([`crate::weights::is_generic`]) or a particle. `name_score` leaves
    /// it false: only the caller knows the tokens' text.
    pub generic_only: bool,
    /// `base * evidence * order`.
    pub score: f64,
}

/// Scores an alignment. The better-covered side decides most of the score,
/// so extra tokens on one side (a missing middle name, "Technologies" after
/// "NSO Group") cost at most 40 %, weighted by their rarity.
pub fn name_score(
    q_weights: &[f64],
    q_legal: &[bool],
    c_weights: &[f64],
    c_legal: &[bool],
    pairs: Vec<Pair>,
) -> NameScore {
    name_score_of(q_weights, q_legal, c_weights, c_legal, pairs, false)
}

/// [`name_score`], told whether the query was written in an abjad (Arabic,
/// Hebrew): such a query meets a Latin name only through variants, and its
/// particles ("ال") are the one thing it spells the same, so they count as
/// links (see [`NameScore::single_fuzzy_link`]).
pub fn name_score_of(
    q_weights: &[f64],
    q_legal: &[bool],
    c_weights: &[f64],
    c_legal: &[bool],
    mut pairs: Vec<Pair>,
    abjad_query: bool,
) -> NameScore {
    supported_short_typos(&mut pairs, q_weights, q_legal, c_weights, c_legal);
    let (wq, wc) = (
        side_total(q_weights, q_legal, pairs.iter().map(|p| p.q)),
        side_total(c_weights, c_legal, pairs.iter().map(|p| p.c)),
    );
    let mq: f64 = pairs.iter().map(|p| p.sim.sim * q_weights[p.q]).sum();
    let mc: f64 = pairs.iter().map(|p| p.sim.sim * c_weights[p.c]).sum();
    let real = || pairs.iter().filter(|p| !q_legal[p.q]);
    let n_real = real().count();
    let query_coverage = ratio(mq, wq);
    let name_coverage = ratio(mc, wc);
    let (hi, lo) = if query_coverage >= name_coverage {
        (query_coverage, name_coverage)
    } else {
        (name_coverage, query_coverage)
    };
    let base = if n_real == 0 {
        0.0
    } else {
        let floor = coverage_floor(n_real);
        hi * (floor + (1.0 - floor) * lo)
    };
    let info: f64 = real()
        .map(|p| p.sim.sim * q_weights[p.q].min(c_weights[p.c]))
        .sum();
    let evidence = evidence_factor(info, n_real);
    let order = if in_order(real()) { 1.0 } else { ORDER_PENALTY };
    let legal_mismatch = q_legal.iter().any(|&l| l)
        && c_legal.iter().any(|&l| l)
        && !pairs.iter().any(|p| q_legal[p.q]);
    let middle_missing =
        n_real >= 2 && missing_middle(real, q_weights, q_legal, c_weights, c_legal);
    let typo_edits = pairs
        .iter()
        .filter(|p| p.sim.how == How::Typo)
        .map(|p| usize::from(p.sim.distance))
        .sum();
    let single_word_link =
        n_real == 1 && (0..q_legal.len()).any(|i| !q_legal[i] && !pairs.iter().any(|p| p.q == i));
    let exact_name = n_real > 0 && !legal_mismatch && exact_name(&pairs, q_legal, c_legal);
    let unmatched_real = |w: &[f64], l: &[bool], side: fn(&Pair) -> usize| {
        (0..l.len()).any(|i| {
            !l[i] && w[i] >= crate::weights::MIN_WEIGHT && !pairs.iter().any(|p| side(p) == i)
        })
    };
    // Links: aligned real tokens but particles ("al" in "Al-Mansouri" and
    // "AL MANSOOREEN" says nothing about who either is).
    let particle = |p: &Pair| {
        !abjad_query
            && q_weights[p.q] < crate::weights::MIN_WEIGHT
            && c_weights[p.c] < crate::weights::MIN_WEIGHT
    };
    let links = || real().filter(|p| !particle(p));
    let n_links = links().count();
    let single_fuzzy_link = n_links == 1
        && !links().any(|p| p.sim.how == How::Exact)
        && (unmatched_real(q_weights, q_legal, |p| p.q)
            || unmatched_real(c_weights, c_legal, |p| p.c));
    // An exact particle ("al" / "ال") links nothing on its own.
    let exact_word = |p: &Pair| {
        p.sim.how == How::Exact
            && (q_weights[p.q] >= crate::weights::MIN_WEIGHT
                || c_weights[p.c] >= crate::weights::MIN_WEIGHT)
    };
    let fuzzy_links_only = n_links >= 2
        && !links().any(exact_word)
        && (0..q_legal.len()).any(|i| {
            !q_legal[i]
                && q_weights[i] >= crate::weights::MIN_WEIGHT
                && !pairs.iter().any(|p| p.q == i)
        });
    let left_real = |w: &[f64], l: &[bool], side: fn(&Pair) -> usize| {
        (0..l.len())
            .filter(|&i| {
                !l[i] && w[i] >= crate::weights::MIN_WEIGHT && !pairs.iter().any(|p| side(p) == i)
            })
            .count()
    };
    let query_left = left_real(q_weights, q_legal, |p| p.q);
    let mutual_extra = query_left > 0 && left_real(c_weights, c_legal, |p| p.c) > 0;
    NameScore {
        mutual_extra,
        query_left,
        single_fuzzy_link,
        fuzzy_links_only,
        single_word_link,
        exact_name,
        generic_only: false,
        middle_missing,
        typo_edits,
        score: (base * evidence * order).clamp(0.0, 1.0),
        pairs,
        query_coverage,
        name_coverage,
        base,
        evidence,
        order,
        legal_mismatch,
    }
}

/// Whether every real (non-legal-form) token of the query and of the name is
/// in an exact pair: the same words, in any order, whatever the legal forms.
fn exact_name(pairs: &[Pair], q_legal: &[bool], c_legal: &[bool]) -> bool {
    let exact = |p: &&Pair| p.sim.how == How::Exact;
    let (mut q, mut c) = (IndexSet::new(q_legal.len()), IndexSet::new(c_legal.len()));
    for p in pairs.iter().filter(exact) {
        q.insert(p.q);
        c.insert(p.c);
    }
    let all =
        |legal: &[bool], set: &IndexSet| (0..legal.len()).all(|i| legal[i] || set.contains(i));
    all(q_legal, &q) && all(c_legal, &c)
}

/// Whether every real token of the query (`a`) aligned and the name (`b`)
/// has exactly one real token left over, after its first aligned token: a
/// middle name ("Doku Umarov" against "Doku Khamatovich Umarov") or, when the
/// aligned words are in the same order, a last word such as a second
/// surname ("Juan Carlos Perez" against "PEREZ GOMEZ, Juan Carlos": Spanish
/// and Portuguese names carry two surnames and are often written with the
/// first only), which cost the same. Only this way round: a query with an
/// extra token may name a relative or another person with the same given
/// name and surname.
fn missing_middle<'p, I: Iterator<Item = &'p Pair>>(
    pairs: impl Fn() -> I,
    a_weights: &[f64],
    a_legal: &[bool],
    b_weights: &[f64],
    b_legal: &[bool],
) -> bool {
    let real = |w: &[f64], l: &[bool], i: usize| !l[i] && w[i] >= crate::weights::MIN_WEIGHT;
    let a_all = (0..a_weights.len())
        .filter(|&i| real(a_weights, a_legal, i))
        .all(|i| pairs().any(|p| p.q == i));
    if !a_all {
        return false;
    }
    let (lo, hi) = (
        pairs().map(|p| p.c).min().unwrap_or(0),
        pairs().map(|p| p.c).max().unwrap_or(0),
    );
    let mut left =
        (0..b_weights.len()).filter(|&i| real(b_weights, b_legal, i) && !pairs().any(|p| p.c == i));
    match (left.next(), left.next()) {
        // A middle name, or a last word after the others in their order.
        (Some(i), None) => i > lo && (i < hi || in_order(pairs())),
        _ => false,
    }
}

/// A side's total weight, unmatched non-legal tokens (but particles)
/// counted at least [`UNMATCHED_FLOOR`].
fn side_total(weights: &[f64], legal: &[bool], matched: impl Iterator<Item = usize>) -> f64 {
    let mut used = IndexSet::new(weights.len());
    matched.for_each(|i| used.insert(i));
    weights
        .iter()
        .zip(legal)
        .enumerate()
        .map(|(i, (&w, &l))| {
            // Particles ("al", "bin", "de") weigh less than any real token
            // and cost only their weight.
            if used.contains(i) || l || w < crate::weights::MIN_WEIGHT {
                w
            } else {
                w.max(UNMATCHED_FLOOR)
            }
        })
        .sum()
}

/// How much of the score survives the other side's extra tokens: 0.6 when
/// one token aligned, 0.675 for two, 0.75 for three or more. "Doku Umarov"
/// against "Doku Khamatovich Umarov" keeps ≈ 0.9; "Umarov" alone ≈ 0.73.
pub fn coverage_floor(aligned_tokens: usize) -> f64 {
    let extra = aligned_tokens.saturating_sub(1) as f64 * COVERAGE_FLOOR_PER_TOKEN;
    (COVERAGE_FLOOR + extra).min(COVERAGE_FLOOR_MAX)
}

fn ratio(part: f64, whole: f64) -> f64 {
    if whole > 0.0 {
        (part / whole).clamp(0.0, 1.0)
    } else {
        0.0
    }
}

/// Matching only common tokens is weak evidence whatever the coverage: the
/// factor is `0.55 + matched weight + 0.12 per matched token beyond the
/// first`, at most 1. "Mohammed" alone (weight 0.08) gets 0.63; one rare
/// token (weight ≥ 0.45) or three common ones get 1.
pub fn evidence_factor(matched_weight: f64, matched_tokens: usize) -> f64 {
    let extra = matched_tokens.saturating_sub(1) as f64 * EVIDENCE_PER_TOKEN;
    (EVIDENCE_BASE + matched_weight + extra).min(1.0)
}

/// The upper bound of a name score when the query tokens that can align carry
/// `coverable` of the query's `total` weight, `matched` of it non-legal, in
/// `matched_tokens` tokens: the base is at most `0.6 + 0.4 × query coverage`.
/// `exact_evidence` is the evidence factor an exact name would keep at least
/// (see [`crate::adjust::exact_name_evidence`]), when the name could be one
/// (every real query token can align), else 0.
pub fn score_upper_bound(
    coverable: f64,
    total: f64,
    matched: f64,
    matched_tokens: usize,
    exact_evidence: f64,
) -> f64 {
    let coverage = ratio(coverable, total);
    let floor = coverage_floor(matched_tokens);
    let evidence = evidence_factor(matched, matched_tokens).max(exact_evidence);
    (floor + (1.0 - floor) * coverage).min(1.0) * evidence
}

/// Legal forms move freely ("AO X" is "X JSC"), so only real tokens count.
fn in_order<'p>(pairs: impl Iterator<Item = &'p Pair>) -> bool {
    let mut last = None;
    pairs.into_iter().all(|p| {
        let ok = last.is_none_or(|l| l < p.c);
        last = Some(p.c);
        ok
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(s: &str) -> Keyed {
        Keyed::from_parts(s, false, false)
    }

    #[test]
    fn similarity_levels_are_ordered() {
        let exact = token_similarity(&k("umarov"), &k("umarov")).map(|s| s.sim);
        let translit = token_similarity(&k("khamatovich"), &k("hamatovich")).map(|s| s.sim);
        let phonetic = token_similarity(&k("muhammad"), &k("mohamed")).map(|s| s.sim);
        let typo = token_similarity(&k("khamatovich"), &k("khamatobich")).map(|s| s.sim);
        assert_eq!(exact, Some(1.0));
        assert!(translit < exact && phonetic < translit && typo < phonetic);
        assert!(typo.is_some());
    }

    #[test]
    fn short_tokens_allow_no_typos() {
        assert!(token_similarity(&k("yang"), &k("yan")).is_none());
        // One edit between two words of 3 or 4 letters is only a short-word
        // typo, which counts when the rest of the names agree.
        let kurt = token_similarity(&k("kurt"), &k("kurz"));
        assert!(kurt.is_some_and(|s| s.short), "{kurt:?}");
        assert!(token_similarity(&k("ali"), &k("ala")).is_none());
        let pairs = align(&[0.8], &[0.8], |_, _| kurt);
        assert!(name_score(&[0.8], &[false], &[0.8], &[false], pairs)
            .pairs
            .is_empty());
        // Pinyin and Cantonese spellings of one surname meet phonetically.
        assert_eq!(
            token_similarity(&k("wang"), &k("wong")).map(|s| s.how),
            Some(How::Phonetic)
        );
    }

    #[test]
    fn typos_in_long_tokens_cost_less() {
        let short = token_similarity(&k("sania"), &k("sahia")).map(|s| s.sim);
        let long = token_similarity(&k("khamatovich"), &k("khamatovikh")).map(|s| s.sim);
        assert!(short.is_some() && long > short, "{short:?} {long:?}");
        let two = token_similarity(&k("khamatovich"), &k("khamatavikh")).map(|s| s.sim);
        assert!(two.is_some() && two < long);
    }

    #[test]
    fn a_missing_letter_in_four_letters_is_weaker_than_a_five_letter_typo() {
        let short = token_similarity(&k("atti"), &k("attia")).map(|s| s.sim);
        let five = token_similarity(&k("sania"), &k("sahia")).map(|s| s.sim);
        assert!(
            short.is_some_and(|s| s >= 0.85) && short < five,
            "{short:?} {five:?}"
        );
        // Alone it cannot reach the hit threshold.
        let pairs = align(&[1.0], &[1.0], |_, _| {
            token_similarity(&k("atti"), &k("attia"))
        });
        let alone = name_score(&[1.0], &[false], &[1.0], &[false], pairs).score;
        assert!(alone < 0.85, "{alone}");
        // Chinese syllables in -n / -ng stay apart.
        assert!(token_similarity(&k("xian"), &k("xiang")).is_none());
    }

    #[test]
    fn a_short_word_typo_needs_the_rest_of_the_names() {
        let k3 = [k("bank"), k("melli"), k("iran")];
        let q = [k("banj"), k("melli"), k("iran")];
        let w = [0.5, 0.8, 0.3];
        let l = [false; 3];
        let sim = |i: usize, j: usize| token_similarity(&q[i], &k3[j]);
        let all = name_score(&w, &l, &w, &l, align(&w, &w, sim));
        assert_eq!(all.pairs.len(), 3);
        assert!(all.score >= 0.85, "{}", all.score);
        // Without "iran" on one side the typo no longer counts.
        let w2 = [0.5, 0.8];
        let part = name_score(&w2, &l[..2], &w, &l, align(&w2, &w, sim));
        assert!(part.pairs.iter().all(|p| !p.sim.short));
        // Nor when another pair is only similar.
        let q2 = [k("banj"), k("mellie"), k("iran")];
        let sim2 = |i: usize, j: usize| token_similarity(&q2[i], &k3[j]);
        let fuzzy = name_score(&w, &l, &w, &l, align(&w, &w, sim2));
        assert!(fuzzy.pairs.iter().all(|p| !p.sim.short));
    }

    #[test]
    fn consonant_classes_meet_close_latin_spellings() {
        let s = token_similarity(&k("rashed"), &k("rachid"));
        assert_eq!(s.map(|s| s.how), Some(How::Phonetic));
        let s = token_similarity(&k("esmail"), &k("ismael"));
        assert_eq!(s.map(|s| s.how), Some(How::Phonetic));
        // Same classes, far spellings: "Mahmoud" is not "Muhammad".
        assert!(token_similarity(&k("mahmoud"), &k("muhammad")).is_none());
    }

    #[test]
    fn legal_forms_only_meet_legal_forms() {
        let ltd = Keyed::from_parts("ltd", true, false);
        assert!(token_similarity(&ltd, &k("ltd")).is_none());
        assert_eq!(
            token_similarity(&ltd, &ltd.clone()).map(|s| s.how),
            Some(How::LegalForm)
        );
    }

    #[test]
    fn evidence_rewards_rare_or_many_tokens() {
        assert!(evidence_factor(0.08, 1) < 0.7);
        assert_eq!(evidence_factor(0.5, 1), 1.0);
        assert!(evidence_factor(0.24, 3) >= 1.0);
    }
}

//! Fuzzy screening of party names against restricted-party lists.
//!
//! [`Screener::new`] indexes every name and alias of a list snapshot;
//! [`Screener::screen`] finds the entries whose best name scores at least a
//! threshold, each with an [`Explanation`]; [`compare`] scores two names on
//! their own.
//!
//! # How a name is compared
//!
//! Both names are normalized ([`normalize`]: case folding, transliteration of
//! Cyrillic, Greek, Arabic, Hebrew, Armenian and Georgian — `deunicode` for
//! CJK and other scripts —, NFKD without combining marks, apostrophes dropped,
//! "SURNAME, Given" reordered, legal forms canonicalised). Tokens are aligned
//! one to one regardless of order; a pair is `exact` (similarity 1),
//! `legal_form` (1), `transliteration` (0.96: equal once `kh`/`h`,
//! `y`/`i`/`j`, `ou`/`u`, `ts`/`c`... are folded), `phonetic` (0.92: equal on
//! a vowel-insensitive skeleton, "Mohammed"/"Muhammad", or, for Arabic- and
//! Hebrew-script tokens, on letter classes, [`keys::class_key`]) or `typo`
//! (Damerau-Levenshtein: 1 edit from 5 letters, 2 from 9, and one missing
//! letter in a 4-letter token at 0.87; one typo costs `0.04 + 0.35/length`,
//! at most 0.90). Two Latin spellings with the same consonant classes
//! (`sh`/`ch`, `kh`/`h`, `q`/`k`..., vowels dropped) and close spellings are
//! `phonetic` too ("Rashed"/"Rachid", "Esmail"/"Ismael"). One edit in a word
//! of 3 or 4 letters ("BANJ"/"BANK", "SVO"/"SAVO") is a short-word typo
//! (0.86) that counts only when the rest of the names agree: every real word
//! of both aligned, every other pair spelt the same; it never brings a
//! candidate in by itself. A misspelt "Abdul" prefix ("Adbul", "Abdl",
//! "Abdu") splits as "Abd al-" does. Legal-form words are recognised with one typo ("LIMTIED",
//! "COMPANI"); Arabic particles and compounds are made one ("Abdul Rahman",
//! "Abd al-Rahman", "Abdulrahman", "Abd Alrahman", "عبدالرحمن" are
//! `abd al rahman`; see [`normalize::arabic_name_parts`]; so are
//! "Salahuddin", "Noureddine", "Nur Aldin", "نورالدين" as `X al din`,
//! "Binalshibh" as `bin al shibh`, and "Essaadi" as `al saadi`). In an index, an
//! Arabic-script query token is also read with ث as `s`, a final ة as `t`, a
//! final ى as `y`, ك + ح as Latin `kh`, and a two-letter consonant + ya
//! with the diphthong ("حی" / `hay`); a two-letter Arabic-script word is
//! also tried joined to the next ("لا لا" / "LALA"), and "بنX" split; a
//! run-together query token that splits into two indexed ones ("Aldajani")
//! is tried both whole and split; each entry keeps its best score.
//!
//! Every token has a weight: its rarity over the index (see [`weights`]),
//! capped for tokens known to be common ("Mohammed", "Group", "Trading"),
//! 0.03 for legal forms.
//!
//! # The score scale
//!
//! With `Cq`, `Cn` the weighted shares of the query and of the name that
//! aligned (each pair counting its similarity; an unmatched token counts at
//! least 0.25 in the total, since even a common name part that does not
//! match says "someone else"):
//!
//! `base = max(Cq, Cn) × (f + (1 − f) × min(Cq, Cn))`, with `f` 0.6 when one
//! token aligned, 0.675 for two, 0.75 for three or more (particles such as
//! "al", "bin", "de" cost only their weight when unmatched); raised to
//! 0.90 × coverage when the name is the query plus one middle name (or, in
//! the same order, one last word: a second surname, "Juan Carlos Perez" /
//! "PEREZ GOMEZ, Juan Carlos"); capped at
//! 1 − 0.07 per typo edit (one typo ≤ 0.93, two ≤ 0.86); capped at 0.80
//! when one word is all that links the name to a query that says more, and
//! under the review threshold (0.65) when that word is not spelt the same
//! ("Lucy Hollis" / "HELIOS") or when no aligned word is spelt the same and
//! the query says more ("Khalid Tariq Shehadeh" / "WALID CHEHADE"); capped
//! at 0.69, under review, when one word links a one-word name to a query
//! with two more words ("FAROUK" / "Khalid Zainab Farouk"), and when each
//! name has a real word the other lacks and the score is under the hit
//! threshold ("Ricardo Cadenas Viramontes" / "CADENAS VIRAMONTES, Porfirio":
//! a review band that is worth a person's time); then
//! × evidence (`min(1, 0.55 + matched weight + 0.12 per extra token)`: a lone
//! common token cannot hit — but when the two names are the same after
//! normalisation, every real token of each exactly in the other, in any order,
//! legal forms agreeing or absent on one side, the evidence factor is not
//! applied to an organisation's, vessel's or aircraft's name, or one whose kind
//! the list does not give, and is at least 0.82 for an individual's: an exact
//! listed name is a hit, or for a person at least for review, however common
//! its words), × 0.97 if the parts are reordered, −0.02 if
//! legal forms disagree, × 0.90 on a weak alias, × 0.85 when a vessel or
//! aircraft name covers under 90 % of a non-vessel query, −0.05 person vs.
//! organisation, +0.02 / −0.03 for the query country — × 0.65 instead of
//! −0.03 when the match rests on generic words alone ([`Match::generic_only`]:
//! "Ministry of Public Security" from CN is not the North Korean ministry);
//! clamped to [0,1].
//!
//! A query of unknown kind is also read as a person's name (no legal forms:
//! "PAO, Yu Liang") and as an organisation's (no "SURNAME, Given"
//! reordering: "AG & CARLON, S.A. DE C.V.") where the readings differ, each
//! reading scored against the names of its kind only.
//!
//! Measured with [`compare`] (`cargo run --release -p screen --example scale`;
//! in an index the weights come from rarity, so values differ a little):
//!
//! | situation | example | score |
//! | --- | --- | ---: |
//! | exact, or "SURNAME, Given" vs natural order | "MADURO MOROS, Nicolas" / "Nicolas Maduro Moros" | 1.00 |
//! | parts reordered (no comma) | "Umarov Doku Khamatovich" | 0.97 |
//! | original Cyrillic script | "Умаров Доку Хаматович" | 0.97 |
//! | romanisation / Arabic vowel variants | "Doku Hamatovich Umarov", "Mohammed Yousef" / "Muhammad Yusuf" | 0.98 |
//! | one typo (3-token name) | "Doku Khamatovich Umarof" | 0.93 |
//! | a typo and a vowel variant (3-token name) | "Doku Khamatavich Umarof" | 0.93 |
//! | legal form respelled ("JSC" / "AO") | "Positive Technologies JSC" / "AO Positive Technologies" | 1.00 |
//! | legal forms differ ("LLC" / "JSC") | | 0.94 |
//! | exact weak alias | | 0.90 |
//! | extra common word | "NSO Group Technologies" / "NSO Group" | 0.93 |
//! | missing middle name | "Doku Umarov" | 0.90 |
//! | surname only | "Umarov" | 0.73 |
//! | other given name, same surname | "Ruslan Umarov" | 0.37 |
//! | a lone common token | "Mohammed" / "Mohammed Ali Hassan", "Group" / "NSO Group" | 0.40 |
//! | exact name of common words, organisation | "General Trading Company", "Group" | 1.00 |
//! | exact name of one common word, person | "Mohammed" | 0.82 |
//!
//! [`DEFAULT_THRESHOLD`] (0.85) is the hit threshold; scores in
//! [`DEFAULT_REVIEW_THRESHOLD`] (0.70) .. 0.85 deserve a human look.

pub mod adjust;
pub mod explain;
mod flat;
mod index;
pub mod keys;
pub mod legal;
pub mod normalize;
pub mod score;
pub mod translit;
pub mod weights;

pub use explain::{Adjustment, AdjustmentKind, Explanation, TokenMatch, UnmatchedToken};
pub use flat::{IndexError, CODE_FINGERPRINT, FORMAT_VERSION};
pub use score::How;

use index::{Index, View};
use lists::model::{Entry, ListId, PartyKind};
use normalize::{tokenize, NameKind, Token};
use rustc_hash::FxHashMap;
use score::{
    align, align_pairs, name_score_of, score_upper_bound, Keyed, NameScore, Pair, TokenSim,
};
use serde::Serialize;
use std::sync::{Arc, OnceLock};

/// The hit threshold: a name scoring at least this is reported as a match.
/// At 0.85 a full name with one typo, a transliteration variant, a reordering,
/// a changed legal form or a missing middle name still hits; a shared surname
/// or common word does not.
pub const DEFAULT_THRESHOLD: f64 = 0.85;
/// The lower "needs review" threshold: partial matches worth a look (surname
/// only, an extra rare token, two typos).
pub const DEFAULT_REVIEW_THRESHOLD: f64 = 0.70;

/// The longest name [`check_name`] accepts, in characters. Listed names are
/// far shorter (the longest of the bundled lists has a few hundred); a longer
/// input is not a name, and screening it would cost time for nothing.
pub const MAX_NAME_CHARS: usize = 1000;

/// Why a name cannot be screened (see [`check_name`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameProblem {
    /// Empty or only white space.
    Empty,
    /// No letter or digit: nothing is left to compare once punctuation and
    /// symbols are dropped ("--", "...", "&").
    NothingToScreen,
    /// More than [`MAX_NAME_CHARS`] characters.
    TooLong {
        /// The name's length in characters.
        chars: usize,
    },
}

impl std::fmt::Display for NameProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        const ACCEPTED: &str = "a name is the party's name in any script, \
            with at least one letter or digit, at most";
        match self {
            NameProblem::Empty => write!(f, "the name is empty; {ACCEPTED} {MAX_NAME_CHARS} characters"),
            NameProblem::NothingToScreen => write!(
                f,
                "the name has no letter or digit, nothing to screen; {ACCEPTED} {MAX_NAME_CHARS} characters"
            ),
            NameProblem::TooLong { chars } => write!(
                f,
                "the name has {chars} characters; {ACCEPTED} {MAX_NAME_CHARS} characters"
            ),
        }
    }
}

impl std::error::Error for NameProblem {}

/// Whether `name` can be screened: not empty or white space only, not only
/// punctuation or symbols (nothing left after normalisation), at most
/// [`MAX_NAME_CHARS`] characters.
///
/// Front ends call this before [`Screener::screen`] and report a failure as
/// an input error: `screen` returns no matches for such a name, which must not
/// be mistaken for "not listed".
pub fn check_name(name: &str) -> Result<(), NameProblem> {
    if too_long(name) {
        return Err(NameProblem::TooLong {
            chars: name.chars().count(),
        });
    }
    if name.trim().is_empty() {
        return Err(NameProblem::Empty);
    }
    // An ASCII letter or digit always makes a token: no need to normalise
    // the whole name to know (front ends check every row of a batch).
    if name.bytes().any(|b| b.is_ascii_alphanumeric()) {
        return Ok(());
    }
    if tokenize(name, NameKind::Unknown).is_empty() {
        return Err(NameProblem::NothingToScreen);
    }
    Ok(())
}

/// More than [`MAX_NAME_CHARS`] characters (counting no further).
fn too_long(name: &str) -> bool {
    name.len() > MAX_NAME_CHARS && name.chars().nth(MAX_NAME_CHARS).is_some()
}

/// A name to screen.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    pub name: String,
    /// ISO 3166-1 alpha-2 code of the party's country, if known.
    pub country: Option<String>,
    pub kind: Option<PartyKind>,
}

impl Query {
    /// A query with only a name.
    pub fn name(name: impl Into<String>) -> Query {
        Query {
            name: name.into(),
            ..Query::default()
        }
    }
}

/// One listed entry that matched.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Match {
    pub list: ListId,
    pub id: String,
    /// The entry's primary name.
    pub name: String,
    /// The name or alias that matched.
    pub matched: String,
    pub score: f64,
    pub explanation: Explanation,
    /// The match rests on generic words alone: every token of the matched
    /// name that aligned with the query is a generic word of government or
    /// company vocabulary ("Ministry", "Public", "Security", "Trading",
    /// "Company"; the list is `crates/screen/data/generic_words.txt`) or a
    /// particle ("of", "al"). Such words name a different body in every
    /// country: a decision must not state such a match as fact but hold it
    /// for a person to judge. A query country that contradicts every country
    /// of the entry costs such a match ×0.65
    /// ([`AdjustmentKind::GenericNameOtherCountry`]). Always serialized.
    pub generic_only: bool,
    /// Index of the entry in [`Screener::entries`].
    #[serde(skip)]
    pub entry_index: usize,
}

/// The outcome of [`compare`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    pub name1: String,
    pub name2: String,
    pub score: f64,
    /// `score >= DEFAULT_THRESHOLD`.
    pub r#match: bool,
    pub explanation: Explanation,
}

/// An immutable index over a snapshot's entries.
#[derive(Debug)]
pub struct Screener {
    entries: Entries,
    index: Index,
}

/// Where a screener's entries are.
#[derive(Debug)]
enum Entries {
    /// Given to [`Screener::new`].
    Given(Vec<Entry>),
    /// In the index (canonical JSON), each decoded when first asked for.
    Stored {
        one: Box<[OnceLock<Option<Box<Entry>>>]>,
        all: OnceLock<Vec<Entry>>,
    },
}

/// A screening index laid out as a file holds it ([`Screener::index_file`]).
pub struct IndexFile(Vec<u64>);

impl AsRef<[u8]> for IndexFile {
    fn as_ref(&self) -> &[u8] {
        bytemuck::cast_slice(&self.0)
    }
}

/// A query token with its matches in the vocabulary.
struct QueryToken {
    token: Token,
    weight: f64,
    /// Best first (similarity, then vocabulary id).
    matches: index::Similar,
    /// The total length of the matches' postings.
    postings: usize,
}

impl explain::Shown for QueryToken {
    fn shown(&self) -> &str {
        &self.token.display
    }
    fn is_legal(&self) -> bool {
        self.token.legal
    }
}

/// The best name of an entry so far, and the query variant it was scored
/// against (see [`Screener::query_variants`]).
struct Best {
    score: f64,
    name_id: u32,
    variant: usize,
    scored: NameScore,
    adjustments: Vec<Adjustment>,
}

/// Per-query buffers for scoring candidate names.
struct Scratch {
    /// Query token weights and legal flags.
    qw: Vec<f64>,
    ql: Vec<bool>,
    /// Every query token's matches, by [`match_key`] (vocabulary id, then
    /// query token).
    by_vid: Vec<(u64, TokenSim)>,
    /// Bit `vid % 1024` is set for every `vid` in `by_vid`: most tokens of
    /// a candidate name match no query token, and this tells so without a
    /// binary search.
    matched_vids: VidFilter,
    /// Some query token is written in an abjad (see [`score::name_score_of`]).
    abjad: bool,
    /// The current name's token weights and legal flags.
    cw: Vec<f64>,
    cl: Vec<bool>,
    /// The alignment buffer, handed back by names that are not kept.
    pairs: Vec<score::Pair>,
}

/// A 1024-bit filter of vocabulary ids (see [`Scratch::matched_vids`]).
type VidFilter = [u64; 16];

fn filter_bit(vid: index::Vid) -> (usize, u64) {
    let bit = vid as usize % 1024;
    (bit / 64, 1 << (bit % 64))
}

/// The matches of vocabulary token `vid` in `by_vid` (see [`Scratch`]).
fn matches_of<'a>(
    by_vid: &'a [(u64, TokenSim)],
    filter: &VidFilter,
    vid: index::Vid,
) -> impl Iterator<Item = (usize, TokenSim)> + 'a {
    let (word, bit) = filter_bit(vid);
    let start = if filter[word] & bit == 0 {
        by_vid.len()
    } else {
        by_vid.partition_point(|m| m.0 < match_key(vid, 0))
    };
    by_vid[start..]
        .iter()
        .take_while(move |m| m.0 >> 32 == u64::from(vid))
        .map(|m| ((m.0 & u64::from(u32::MAX)) as usize, m.1))
}

/// Orders matches by vocabulary id, then query token.
fn match_key(vid: index::Vid, qi: usize) -> u64 {
    (u64::from(vid) << 32) | qi as u64
}

impl Scratch {
    /// The matches of vocabulary token `vid`, as (query token, similarity).
    fn matches_of(&self, vid: index::Vid) -> impl Iterator<Item = (usize, TokenSim)> + '_ {
        matches_of(&self.by_vid, &self.matched_vids, vid)
    }

    fn new(q: &[QueryToken]) -> Scratch {
        let mut by_vid: Vec<(u64, TokenSim)> = q
            .iter()
            .enumerate()
            .flat_map(|(qi, t)| t.matches.iter().map(move |&(v, s)| (match_key(v, qi), s)))
            .collect();
        by_vid.sort_unstable_by_key(|m| m.0);
        let mut matched_vids = [0; 16];
        for m in &by_vid {
            let (word, bit) = filter_bit((m.0 >> 32) as index::Vid);
            matched_vids[word] |= bit;
        }
        Scratch {
            abjad: q.iter().any(|t| t.token.abjad),
            matched_vids,
            qw: q.iter().map(|t| t.weight).collect(),
            ql: q.iter().map(|t| t.token.legal).collect(),
            by_vid,
            cw: Vec::new(),
            cl: Vec::new(),
            pairs: Vec::new(),
        }
    }
}

/// Running upper-bound evidence for one candidate name.
#[derive(Clone, Copy, Default)]
struct Acc {
    matched: f64,
    /// The query ([`Accumulators::stamp`]) this evidence is for.
    stamp: u32,
    tokens: u16,
    last_q: u16,
}

/// The candidates of one query with their [`Acc`], by name id: one slot per
/// indexed name, which counts only when stamped with the current query, so
/// the slots are never cleared and a look-up is one load; walking the
/// candidates walks only `touched`, in the order they came in. One per
/// thread, reused by every query (see [`ACCUMULATORS`]).
#[derive(Default)]
struct Accumulators {
    slot: Vec<Acc>,
    stamp: u32,
    touched: Vec<u32>,
}

impl Accumulators {
    /// Empties the set, for an index of `names` names.
    fn reset(&mut self, names: usize) {
        self.touched.clear();
        if self.slot.len() < names {
            self.slot.resize(names, Acc::default());
        }
        self.stamp = self.stamp.wrapping_add(1);
        if self.stamp == 0 {
            // Once in 2^32 queries: no slot may keep an old stamp.
            self.slot.fill(Acc::default());
            self.stamp = 1;
        }
    }

    fn get_mut(&mut self, name: u32) -> Option<&mut Acc> {
        let stamp = self.stamp;
        self.slot
            .get_mut(name as usize)
            .filter(|a| a.stamp == stamp)
    }

    fn insert(&mut self, name: u32, matched: f64, last_q: u16) {
        if let Some(a) = self.slot.get_mut(name as usize) {
            *a = Acc {
                matched,
                stamp: self.stamp,
                tokens: 1,
                last_q,
            };
            self.touched.push(name);
        }
    }
}

thread_local! {
    /// Reused across queries: a fresh hash map per query cost more than the
    /// rest of candidate generation.
    static ACCUMULATORS: std::cell::RefCell<Accumulators> =
        std::cell::RefCell::new(Accumulators::default());
}

impl Screener {
    /// Builds the index over every name and alias of `entries`, in memory.
    pub fn new(entries: Vec<Entry>) -> Screener {
        let index = Index::build(&entries);
        Screener {
            entries: Entries::Given(entries),
            index,
        }
    }

    /// Lays out the index over `entries` as a file holds it: the index of
    /// [`Screener::new`], the entries in their canonical JSON, `meta` (opaque
    /// bytes the caller gets back from [`Screener::meta`]) and the hash of
    /// the snapshot they are (64 hex digits) in the header.
    pub fn index_file(entries: &[Entry], meta: &[u8], snapshot: &str) -> IndexFile {
        IndexFile(index::build_words(entries, true, meta, Some(snapshot)))
    }

    /// Opens an index file's bytes where they lie (a mapped file): validated
    /// as [`flat`](IndexError) says, and built over `snapshot` when given.
    /// Nothing is parsed; an entry is decoded when it is first asked for.
    pub fn open(
        bytes: Arc<dyn AsRef<[u8]> + Send + Sync>,
        snapshot: Option<&str>,
    ) -> Result<Screener, IndexError> {
        Screener::stored(Index::open(index::Backing::Shared(bytes), snapshot, None)?)
    }

    /// [`Screener::open`], the hash checked over what `source` reads: the
    /// same bytes read from the file that `bytes` maps, so that the check does
    /// not bring every page of the mapping into memory (only what queries
    /// touch is).
    pub fn open_read(
        bytes: Arc<dyn AsRef<[u8]> + Send + Sync>,
        source: &mut dyn std::io::Read,
        snapshot: Option<&str>,
    ) -> Result<Screener, IndexError> {
        let backing = index::Backing::Shared(bytes);
        Screener::stored(Index::open(backing, snapshot, Some(source))?)
    }

    /// [`Screener::open`] over an index file in memory.
    pub fn from_index_file(
        file: IndexFile,
        snapshot: Option<&str>,
    ) -> Result<Screener, IndexError> {
        Screener::stored(Index::open(index::Backing::Words(file.0), snapshot, None)?)
    }

    fn stored(index: Index) -> Result<Screener, IndexError> {
        let ix = index.view();
        let n = ix.entries();
        if n > 0 && ix.entry_json(n - 1).is_none() {
            return Err(IndexError::Section {
                section: 0,
                why: "the index holds no entries",
            });
        }
        let one = (0..n).map(|_| OnceLock::new()).collect();
        Ok(Screener {
            entries: Entries::Stored {
                one,
                all: OnceLock::new(),
            },
            index,
        })
    }

    /// The bytes given as `meta` to [`Screener::index_file`] (empty for an
    /// index built by [`Screener::new`]).
    pub fn meta(&self) -> &[u8] {
        self.index.meta()
    }

    /// The snapshot's content hash in the index file's header, if any.
    pub fn snapshot(&self) -> Option<&str> {
        self.index.snapshot()
    }

    /// Every entry in its canonical JSON, each followed by a newline, as the
    /// index file holds them (empty for an index built by [`Screener::new`]):
    /// what the snapshot's content hash is computed over.
    pub fn entries_json(&self) -> &[u8] {
        self.index.view().entries_json()
    }

    /// Number of entries indexed.
    pub fn entry_count(&self) -> usize {
        match &self.entries {
            Entries::Given(e) => e.len(),
            Entries::Stored { one, .. } => one.len(),
        }
    }

    /// Entry `i` ([`Match::entry_index`]); from an index file, decoded on
    /// first use. `None` out of range (or, for a file, an entry that does
    /// not decode, which its validated hash rules out).
    pub fn entry(&self, i: usize) -> Option<&Entry> {
        match &self.entries {
            Entries::Given(e) => e.get(i),
            Entries::Stored { one, all } => {
                if let Some(all) = all.get() {
                    return all.get(i);
                }
                one.get(i)?
                    .get_or_init(|| {
                        let json = self.index.view().entry_json(i)?;
                        serde_json::from_slice(json).ok().map(Box::new)
                    })
                    .as_deref()
            }
        }
    }

    /// The entry `list`/`id`, if indexed (a scan of the index's ids: for the
    /// few entries a review names, not for every match).
    pub fn find(&self, list: ListId, id: &str) -> Option<&Entry> {
        let ix = self.index.view();
        (0..ix.entries() as u32)
            .find(|&e| ix.list(e) == list && ix.entry_id(e) == id)
            .and_then(|e| self.entry(e as usize))
    }

    /// The indexed entries, in the order given to [`Screener::new`]. From
    /// an index file, every entry is decoded on the first call: use
    /// [`Screener::entry`] for one.
    pub fn entries(&self) -> &[Entry] {
        match &self.entries {
            Entries::Given(e) => e,
            Entries::Stored { one, all } => all.get_or_init(|| {
                (0..one.len())
                    .filter_map(|i| self.entry(i).cloned())
                    .collect()
            }),
        }
    }

    /// The entries whose best name scores at least `threshold`, best first,
    /// one [`Match`] per entry.
    ///
    /// A name that [`check_name`] rejects has no matches (a name longer than
    /// [`MAX_NAME_CHARS`] is not even normalised): front ends must call
    /// `check_name` first and report its problem as an input error.
    pub fn screen(&self, q: &Query, threshold: f64) -> Vec<Match> {
        if too_long(&q.name) {
            return Vec::new();
        }
        let ix = &self.index.view();
        let variants = self.query_variants(ix, q);
        let mut best: FxHashMap<u32, Best> = FxHashMap::default();
        for (v, (tokens, scope)) in variants.iter().enumerate() {
            if !tokens.iter().any(|t| !t.token.legal) {
                continue;
            }
            let mut scratch = Scratch::new(tokens);
            let candidates = self.candidates(ix, tokens, &scratch, q, threshold, *scope);
            for name_id in candidates {
                let rec = ix.name(name_id);
                if !scope.admits(rec.person) {
                    continue;
                }
                let scored = self.score_name(ix, &mut scratch, rec.tokens);
                let ctx = context(q, ix, rec.entry, rec.weak);
                let score = adjust::score(&scored, &ctx);
                let better = score >= threshold
                    && best.get(&rec.entry).is_none_or(|b| {
                        score > b.score || (score == b.score && name_id < b.name_id)
                    });
                if !better {
                    // Most candidates end here: reuse their alignment buffer.
                    scratch.pairs = scored.pairs;
                    continue;
                }
                let (score, adjustments) = adjust::apply(&scored, &ctx);
                let b = Best {
                    score,
                    name_id,
                    variant: v,
                    scored,
                    adjustments,
                };
                best.insert(rec.entry, b);
            }
        }
        let mut out: Vec<Match> = best
            .into_values()
            .map(|b| {
                let tokens = &variants[b.variant].0;
                self.to_match(ix, tokens, b.name_id, b.score, &b.scored, b.adjustments)
            })
            .collect();
        out.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then(a.entry_index.cmp(&b.entry_index))
        });
        out
    }

    /// The query's tokens; and, when a run-together token ("Aldajani",
    /// "Tochun") was left whole because it resembles some indexed token,
    /// the tokens with it split too ("al dajani", "to chun"): each entry
    /// keeps the better score of the two. An Arabic-script two-letter word
    /// is also tried joined to the next one ("لا لا" / "LALA", "ما يشو" /
    /// "MAYCHOU").
    fn query_variants(&self, ix: &View, q: &Query) -> Vec<(Vec<QueryToken>, Scope)> {
        // A query of unknown kind may be read twice more (below): split once.
        let unknown = matches!(q.kind, None | Some(PartyKind::Unknown));
        let split = normalize::Split::new(&q.name);
        let again = unknown.then(|| split.clone());
        let tokens = split.tokens(NameKind::from_party(q.kind));
        let known = |t: &str| ix.exact(t, false).is_some();
        let kept_whole = std::cell::Cell::new(false);
        let matches_whole = |t: &Token| {
            let whole = self.index.has_similar(ix, t);
            kept_whole.set(kept_whole.get() || whole);
            whole
        };
        let joined = normalize::join_short_abjad(&tokens);
        let first = normalize::split_compounds(tokens.clone(), known, matches_whole);
        // The variants share most tokens: each is looked up once.
        let mut seen = Vec::new();
        let mut out = vec![(self.query_tokens(ix, first, &mut seen), Scope::Any)];
        if kept_whole.get() {
            let split = normalize::split_compounds(tokens.clone(), known, |_| false);
            out.push((self.query_tokens(ix, split, &mut seen), Scope::Any));
        }
        if let Some(joined) = joined {
            out.push((self.query_tokens(ix, joined, &mut seen), Scope::Any));
        }
        // A query of unknown kind is read both ways where the readings
        // differ, each against the names of its kind: "PAO, Yu Liang" is a
        // person's name, not a company's with the legal form "PAO"; "AG &
        // CARLON, S.A. DE C.V." is a company's, not "S.A. de C.V. AG Carlon".
        if let Some(split) = again {
            let same = |a: &[Token], b: &[Token]| {
                a.len() == b.len()
                    && a.iter()
                        .zip(b)
                        .all(|(x, y)| x.text == y.text && x.legal == y.legal)
            };
            // A person's name has no legal forms, an organisation's no
            // "SURNAME, Given" order: without either, the readings agree.
            let person = tokens.iter().any(|t| t.legal);
            let organisation = q.name.contains(',');
            for (kind, scope, differ) in [
                (NameKind::Person, Scope::Persons, person),
                (NameKind::Organisation, Scope::NotPersons, organisation),
            ] {
                if !differ {
                    continue;
                }
                let other = split.clone().tokens(kind);
                if !same(&other, &tokens) {
                    let other =
                        normalize::split_compounds(other, known, |t| self.index.has_similar(ix, t));
                    out.push((self.query_tokens(ix, other, &mut seen), scope));
                }
            }
        }
        out
    }

    /// The query tokens with their matches; `seen` holds the tokens already
    /// looked up for another variant of the query.
    fn query_tokens(
        &self,
        ix: &View,
        tokens: Vec<Token>,
        seen: &mut Vec<QueryToken>,
    ) -> Vec<QueryToken> {
        tokens
            .into_iter()
            .map(|token| {
                let same = |s: &&QueryToken| {
                    let t = &s.token;
                    (t.legal, t.abjad) == (token.legal, token.abjad)
                        && t.text == token.text
                        && t.arabic == token.arabic
                };
                if let Some(s) = seen.iter().find(same) {
                    return QueryToken {
                        token,
                        weight: s.weight,
                        matches: s.matches.clone(),
                        postings: s.postings,
                    };
                }
                let t = self.query_token(ix, token);
                seen.push(QueryToken {
                    token: t.token.clone(),
                    weight: t.weight,
                    matches: t.matches.clone(),
                    postings: t.postings,
                });
                t
            })
            .collect()
    }

    fn query_token(&self, ix: &View, token: Token) -> QueryToken {
        let n = ix.entries();
        let mut matches = self.index.similar_token(ix, &token);
        let readings = abjad_readings(&token);
        if !readings.is_empty() {
            matches = with_readings(ix, &token, &readings, matches.to_vec()).into();
        }
        let weight = match ix.exact(&token.text, token.legal) {
            Some(v) => ix.weight(v),
            None => matches.first().map_or_else(
                || weights::indexed_weight(&token.text, token.legal, 0, n),
                |m| ix.weight(m.0),
            ),
        };
        let postings = matches.iter().map(|m| ix.postings(m.0).len()).sum();
        QueryToken {
            token,
            weight,
            matches,
            postings,
        }
    }

    /// Names sharing a similar token with the query that could still reach
    /// `threshold`. Only the rarest query tokens admit new candidates: a name
    /// matching none of them cannot cover enough of the query.
    fn candidates(
        &self,
        ix: &View,
        tokens: &[QueryToken],
        sc: &Scratch,
        q: &Query,
        threshold: f64,
        scope: Scope,
    ) -> Vec<u32> {
        let total: f64 = tokens.iter().map(|t| t.weight).sum();
        let legal: f64 = tokens
            .iter()
            .filter(|t| t.token.legal)
            .map(|t| t.weight)
            .sum();
        let bonus = if q.country.is_some() {
            adjust::COUNTRY_MATCH
        } else {
            0.0
        };
        let need = min_coverage(threshold - bonus) * total;
        let mut order: Vec<usize> = (0..tokens.len())
            .filter(|&i| !tokens[i].token.legal)
            .collect();
        order.sort_by(|&a, &b| {
            tokens[b]
                .weight
                .total_cmp(&tokens[a].weight)
                .then(a.cmp(&b))
        });
        let mut rest: f64 = order.iter().map(|&i| tokens[i].weight).sum::<f64>() + legal;
        // A name first met at the `left`-th last token matches at most the
        // `rest` of the query, in at most `left` tokens: when even that
        // cannot pass the filter below, the token admits no new candidate.
        // (The bound only grows with `rest` and `left`; the slack is wider
        // than the filter's, so rounding cannot turn away a name it keeps.)
        let reachable = |rest: f64, left: usize, exact: f64| {
            let ub = score_upper_bound(rest, total, rest - legal, left, exact);
            ub + bonus >= threshold - ADMIT_SLACK
        };
        // An exact name (see `NameScore::exact_name`) has every real query
        // token, so only the first token can admit one that the evidence
        // factor would turn away, and only an organisation's when a person's
        // exact name could not reach the threshold either.
        let n_real = order.len();
        let exact_evidence = |name: u32, tokens: u16| {
            if tokens as usize == n_real {
                let person = ix.person(name);
                adjust::exact_name_evidence(person.then_some(PartyKind::Individual))
            } else {
                0.0
            }
        };
        ACCUMULATORS.with_borrow_mut(|acc| {
            acc.reset(ix.names());
            for (i, &qi) in order.iter().enumerate() {
                let left = n_real - i;
                let admit = if rest >= need && reachable(rest, left, 0.0)
                    || i == 0 && reachable(rest, left, adjust::PERSON_EXACT_EVIDENCE)
                {
                    Admit::All
                } else if i == 0 && reachable(rest, left, 1.0) {
                    Admit::NotPersons
                } else {
                    Admit::None
                };
                rest -= tokens[qi].weight;
                let admit = admit.within(scope);
                self.accumulate(ix, &tokens[qi], sc, qi, admit, acc);
            }
            let mut out: Vec<u32> = Vec::with_capacity(acc.touched.len());
            out.extend(acc.touched.iter().copied().filter(|&name| {
                let Some(&a) = acc.slot.get(name as usize) else {
                    return false;
                };
                let exact = exact_evidence(name, a.tokens);
                let ub = score_upper_bound(
                    a.matched + legal,
                    total,
                    a.matched,
                    a.tokens as usize,
                    exact,
                );
                ub + bonus >= threshold - 1e-9
            }));
            // Unsorted: which name of an entry is kept does not depend on
            // the order candidates are scored in (ties go to the lower name
            // id in `screen`), and sorting thousands of ids cost more.
            out
        })
    }

    fn accumulate(
        &self,
        ix: &View,
        t: &QueryToken,
        sc: &Scratch,
        qi: usize,
        admit: Admit,
        acc: &mut Accumulators,
    ) {
        let (q_no, qi) = (qi, qi as u16);
        if admit == Admit::None && t.postings > acc.touched.len() * 8 {
            // Cheaper to look the token up in each candidate than to walk
            // its postings. The gain is that of the token's best match in
            // the name, as walking the matches best first would find.
            let Accumulators { slot, touched, .. } = acc;
            for &name in touched.iter() {
                let Some(a) = slot.get_mut(name as usize) else {
                    continue;
                };
                let best = ix
                    .name(name)
                    .tokens
                    .iter()
                    .flat_map(|&v| sc.matches_of(v))
                    .filter(|m| m.0 == q_no)
                    .map(|m| m.1.sim)
                    .max_by(f64::total_cmp);
                if let Some(sim) = best {
                    a.matched += sim * t.weight;
                    a.tokens += 1;
                    a.last_q = qi;
                }
            }
            return;
        }
        for &(vid, sim) in t.matches.iter() {
            let gain = sim.sim * t.weight;
            // A short-word typo counts only when the rest of the names
            // agree: it never brings a name in by itself.
            let admit = if sim.short { Admit::None } else { admit };
            for &name in ix.postings(vid) {
                if let Some(a) = acc.get_mut(name) {
                    if a.last_q != qi {
                        a.matched += gain;
                        a.tokens += 1;
                        a.last_q = qi;
                    }
                } else if admit != Admit::None && admit.admits(ix.person(name)) {
                    acc.insert(name, gain, qi);
                }
            }
        }
    }

    /// Scores a name against the query of `sc`.
    fn score_name(&self, ix: &View, sc: &mut Scratch, name: &[index::Vid]) -> NameScore {
        sc.cw.clear();
        sc.cw.extend(name.iter().map(|&v| ix.weight(v)));
        sc.cl.clear();
        sc.cl.extend(name.iter().map(|&v| ix.legal(v)));
        // The candidate pairs straight from the matches of each name token
        // (one per query token and name token: a query token matches a
        // vocabulary token once), without a dense similarity matrix.
        let mut pairs = std::mem::take(&mut sc.pairs);
        pairs.clear();
        for (ci, &vid) in name.iter().enumerate() {
            pairs.extend(
                matches_of(&sc.by_vid, &sc.matched_vids, vid).map(|(q, sim)| Pair {
                    q,
                    c: ci,
                    sim,
                }),
            );
        }
        align_pairs(&mut pairs, &sc.qw, &sc.cw);
        let mut scored = name_score_of(&sc.qw, &sc.ql, &sc.cw, &sc.cl, pairs, sc.abjad);
        scored.generic_only =
            generic_only(&scored, |c| name.get(c).is_some_and(|&v| ix.generic(v)));
        scored
    }

    fn to_match(
        &self,
        ix: &View,
        q: &[QueryToken],
        name_id: u32,
        score: f64,
        scored: &NameScore,
        adjustments: Vec<Adjustment>,
    ) -> Match {
        let rec = ix.name(name_id);
        let matched = ix.name_text(name_id);
        // The name's tokens as the index read them (the same as tokenizing
        // `matched` again, without the cost).
        let c_tokens: Vec<explain::ShownToken> = rec
            .tokens
            .iter()
            .enumerate()
            .map(|(i, &v)| {
                let k = ix.keys(v);
                explain::ShownToken {
                    display: ix
                        .display(name_id, i)
                        .unwrap_or_else(|| std::str::from_utf8(k.text).unwrap_or("")),
                    legal: k.legal,
                }
            })
            .collect();
        let cw: Vec<f64> = rec.tokens.iter().map(|&v| ix.weight(v)).collect();
        let qw: Vec<f64> = q.iter().map(|t| t.weight).collect();
        let score = explain::round(score);
        let explanation = explain::explain(
            matched,
            rec.weak,
            (q, &qw),
            (&c_tokens, &cw),
            scored,
            adjustments,
            score,
        );
        Match {
            list: ix.list(rec.entry),
            id: ix.entry_id(rec.entry).to_string(),
            name: ix.entry_name(rec.entry).to_string(),
            matched: matched.to_string(),
            score,
            explanation,
            generic_only: scored.generic_only,
            entry_index: rec.entry as usize,
        }
    }
}

/// The screening index kept beside a snapshot (`screen.idx`): opened where
/// it lies when it checks (see [`Screener::open`]), built again otherwise.
impl lists::snapshot::Derived for Screener {
    const FILE: &'static str = "screen.idx";
    type Built = IndexFile;

    fn build(snapshot: &lists::Snapshot) -> IndexFile {
        let meta = serde_json::to_vec(&snapshot.meta).unwrap_or_default();
        Screener::index_file(&snapshot.entries, &meta, &snapshot.meta.hash)
    }

    fn open(
        bytes: lists::snapshot::SharedBytes,
        source: Option<&mut dyn std::io::Read>,
        snapshot: &str,
    ) -> Result<Screener, String> {
        let opened = match source {
            Some(source) => Screener::open_read(bytes, source, Some(snapshot)),
            None => Screener::open(bytes, Some(snapshot)),
        };
        opened.map_err(|e| e.to_string())
    }
}

/// Other readings of an Arabic-script query token: ث is `th` in Arabic but
/// `s` in Persian and Urdu ("ثاقب" / "SAQIB"), a final ة is `t` when the
/// word is the first of a construct ("عصبة الأنصار" / "ASBAT AL-ANSAR"), and
/// a final alef maksura ى is a ya in Persian and Afghan writing ("حقانى" /
/// "HAQQANI"), and ك + ح may be what a Latin `kh` stood for ("لكحل" /
/// "LAKHAL"; the reading takes its letter classes from the romanisation),
/// and a word-final خ is also the German and Dutch `ch` ("بريخ" / "BARICH").
fn abjad_readings(t: &Token) -> Vec<String> {
    let mut out = Vec::new();
    if !t.abjad || t.legal {
        return out;
    }
    if t.text.contains("th") {
        out.push(t.text.replace("th", "s"));
    }
    if t.text.len() >= 4 && t.arabic.ends_with('0') && t.text.ends_with('a') {
        out.push(format!("{}t", t.text));
    }
    if t.arabic.contains("KH") && t.text.contains("kh") {
        out.push(t.text.clone());
    }
    if t.text.len() >= 4 {
        if let Some(stem) = t.text.strip_suffix("kh") {
            out.push(format!("{stem}ch"));
        }
    }
    // A two-letter word of a consonant and ya has no other vowel: the ya is
    // the diphthong, "حی" / "HAI" or "HAYY" ("Abd al-Hayy"), "ری" / "RAY".
    if t.text.len() == 2 && t.arabic.len() == 2 && t.arabic.ends_with('Y') {
        if let Some(c) = t.text.strip_suffix('y') {
            out.push(format!("{c}ay"));
        }
    }
    if t.text.len() >= 4 && t.arabic.ends_with('I') {
        if let Some(stem) = t.text.strip_suffix('a') {
            out.push(format!("{stem}y"));
        }
    }
    out
}

/// The names a query variant is scored against.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Scope {
    Any,
    /// Names of individuals: the query read as a person's name.
    Persons,
    /// Names of other entries: the query read as an organisation's name.
    NotPersons,
}

impl Scope {
    fn admits(self, person: bool) -> bool {
        match self {
            Scope::Any => true,
            Scope::Persons => person,
            Scope::NotPersons => !person,
        }
    }
}

/// Which names a query token may add to the candidates.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Admit {
    None,
    All,
    /// Only names of entries that are not individuals (whose exact names
    /// keep a higher evidence factor).
    NotPersons,
    /// Only names of individuals (a query read as a person's name).
    Persons,
}

impl Admit {
    /// What may be admitted for a query variant scored only against the
    /// names of `scope`: names it would never score are not collected.
    fn within(self, scope: Scope) -> Admit {
        match (self, scope) {
            (a, Scope::Any) | (a @ (Admit::None | Admit::Persons), Scope::Persons) => a,
            (Admit::All, Scope::Persons) => Admit::Persons,
            (Admit::NotPersons, Scope::Persons) => Admit::None,
            (Admit::All | Admit::NotPersons, Scope::NotPersons) => Admit::NotPersons,
            (Admit::None | Admit::Persons, Scope::NotPersons) => Admit::None,
        }
    }

    fn admits(self, person: bool) -> bool {
        match self {
            Admit::None => false,
            Admit::All => true,
            Admit::NotPersons => !person,
            Admit::Persons => person,
        }
    }
}

/// How far below the threshold a token's best case may be and the token
/// still admit candidates (see [`Screener::candidates`]).
const ADMIT_SLACK: f64 = 1e-6;

/// The query coverage a name needs for its score to possibly reach
/// `threshold` (the base score is at most `f + (1 - f) × coverage`).
fn min_coverage(threshold: f64) -> f64 {
    let f = score::COVERAGE_FLOOR_MAX;
    ((threshold - f) / (1.0 - f)).clamp(0.0, 1.0)
}

/// Whether the real (non-legal-form) name tokens of an alignment, of which
/// there is at least one, are all generic words or particles.
fn generic_only(scored: &NameScore, generic: impl Fn(usize) -> bool) -> bool {
    let mut real = scored.pairs.iter().filter(|p| p.sim.how != How::LegalForm);
    let first = real.next();
    first.is_some_and(|p| generic(p.c)) && real.all(|p| generic(p.c))
}

fn context<'a>(q: &'a Query, ix: &View<'a>, entry: u32, weak: bool) -> adjust::Context<'a> {
    adjust::Context {
        weak,
        query_kind: q.kind,
        entry_kind: Some(ix.kind(entry)),
        query_country: q.country.as_deref(),
        entry_countries: ix.countries(entry),
    }
}

/// The matches of an Arabic-script token with those of its other
/// readings (see [`abjad_readings`]), best first.
fn with_readings(
    ix: &View,
    token: &Token,
    readings: &[String],
    mut matches: Vec<(index::Vid, TokenSim)>,
) -> Vec<(index::Vid, TokenSim)> {
    for alt in readings {
        let alt = Keyed::from_parts(alt, token.legal, true);
        for (vid, sim) in ix.similar(alt.keys()) {
            let sim = score::as_variant(sim);
            match matches.iter_mut().find(|m| m.0 == vid) {
                Some(m) if m.1.sim < sim.sim => m.1 = sim,
                Some(_) => {}
                None => matches.push((vid, sim)),
            }
        }
        matches.sort_by(|a, b| b.1.sim.total_cmp(&a.1.sim).then(a.0.cmp(&b.0)));
    }
    matches
}

/// Scores two names on their own, with token weights from the built-in
/// table of common tokens (other tokens weigh 0.8), since there is no index
/// to measure rarity. Symmetric up to alignment ties (differences ≤ 0.01).
/// A name longer than [`MAX_NAME_CHARS`] compares as empty (score 0).
pub fn compare(a: &str, b: &str, kind: Option<PartyKind>) -> Comparison {
    let name_kind = NameKind::from_party(kind);
    let tokens = |s: &str| {
        if too_long(s) {
            Vec::new()
        } else {
            tokenize(s, name_kind)
        }
    };
    let (ta, tb) = (tokens(a), tokens(b));
    let known_in = |side: &[Token], t: &str| side.iter().any(|x| x.text == t);
    let similar_in = |side: &[Token], t: &Token| {
        let k = Keyed::new(t);
        side.iter()
            .any(|x| score::token_similarity(&k, &Keyed::new(x)).is_some())
    };
    let ta2 = normalize::split_compounds(ta.clone(), |t| known_in(&tb, t), |t| similar_in(&tb, t));
    let tb = normalize::split_compounds(tb, |t| known_in(&ta, t), |t| similar_in(&ta, t));
    let ta = ta2;
    let (ka, kb): (Vec<Keyed>, Vec<Keyed>) = (
        ta.iter().map(Keyed::new).collect(),
        tb.iter().map(Keyed::new).collect(),
    );
    let wa: Vec<f64> = ta
        .iter()
        .map(|t| weights::default_weight(&t.text, t.legal))
        .collect();
    let wb: Vec<f64> = tb
        .iter()
        .map(|t| weights::default_weight(&t.text, t.legal))
        .collect();
    let la: Vec<bool> = ta.iter().map(|t| t.legal).collect();
    let lb: Vec<bool> = tb.iter().map(|t| t.legal).collect();
    let pairs = align(&wa, &wb, |i, j| score::token_similarity(&ka[i], &kb[j]));
    let abjad = ta.iter().any(|t| t.abjad);
    let mut scored = name_score_of(&wa, &la, &wb, &lb, pairs, abjad);
    scored.generic_only = generic_only(&scored, |c| {
        wb[c] < weights::MIN_WEIGHT || weights::is_generic(&tb[c].text)
    });
    let ctx = adjust::Context {
        weak: false,
        query_kind: None,
        // Only to tell a person's exact name from an organisation's: the
        // other kinds would bring in the vessel rule, which compares a query
        // with a listed name, not two names.
        entry_kind: kind.filter(|k| *k == PartyKind::Individual),
        query_country: None,
        entry_countries: adjust::Countries::default(),
    };
    let (score, adjustments) = adjust::apply(&scored, &ctx);
    let score = explain::round(score);
    let explanation = explain::explain(
        b,
        false,
        (&ta, &wa),
        (&tb, &wb),
        &scored,
        adjustments,
        score,
    );
    Comparison {
        name1: a.to_string(),
        name2: b.to_string(),
        score,
        r#match: score >= DEFAULT_THRESHOLD,
        explanation,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn readings(name: &str) -> Vec<String> {
        let t = tokenize(name, NameKind::Unknown);
        abjad_readings(&t[0])
    }

    #[test]
    fn final_alef_maksura_is_also_read_as_ya() {
        assert!(readings("حقانى").contains(&"hqany".to_string()));
        // A final alef is not.
        assert!(!readings("حقانا").contains(&"hqany".to_string()));
    }

    #[test]
    fn consonant_and_ya_are_also_read_as_a_diphthong() {
        let t = tokenize("عبد الحی", NameKind::Unknown);
        let r = abjad_readings(&t[2]);
        assert_eq!(r, ["hay"]);
        let alt = score::Keyed::from_parts(&r[0], false, true);
        let sim = score::token_similarity(&alt, &score::Keyed::from_parts("hai", false, false));
        assert!(sim.is_some());
        // Only in a two-letter word.
        assert!(readings("حسين").iter().all(|r| !r.contains("ay")));
    }

    #[test]
    fn kaf_and_haa_are_also_read_as_latin_kh() {
        let r = readings("لكحل");
        assert!(r.contains(&"lkhl".to_string()));
        let alt = score::Keyed::from_parts("lkhl", false, true);
        assert_eq!(
            alt.class,
            score::Keyed::from_parts("lakhal", false, false).class
        );
        // Without the pair, no such reading.
        assert!(readings("لحل").is_empty());
    }

    #[test]
    fn final_khaa_is_also_read_as_latin_ch() {
        let r = readings("بريخ");
        assert!(r.contains(&"brych".to_string()));
        let alt = score::Keyed::from_parts("brych", false, true);
        assert_eq!(
            alt.class,
            score::Keyed::from_parts("barich", false, false).class
        );
        // Not at the start of a word.
        assert!(!readings("خان").iter().any(|r| r.contains("ch")));
    }
}
